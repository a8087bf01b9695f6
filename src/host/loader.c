/*
 * Finding and probing experts (see nmexpert/expert.h).
 *
 * The probe reads the ELF header itself (bounds-checked) to give precise
 * reasons, then forks: the child dlopens the object, resolves the entry
 * points, calls DllMain and Register, and writes a fixed-size answer to a
 * pipe. The parent waits at most NMX_EXPERT_PROBE_TIMEOUT_MS, kills a child
 * that hangs, and turns a signal into a reason ("Register crashed with
 * SIGSEGV").
 */
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"
#include "host/sandbox.h"
#include "nmexpert/expert.h"

#ifndef NMX_BUILTIN_EXPERT_DIR
#define NMX_BUILTIN_EXPERT_DIR "/usr/local/lib/nmexpert/experts"
#endif

static void set_reason(nmx_expert_info *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_reason(nmx_expert_info *in, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->reason, sizeof in->reason, fmt, ap);
    va_end(ap);
    in->usable = false;
}

/* The ELF header must describe a shared object this process can load. */
static bool elf_check(const char *path, nmx_expert_info *in)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_reason(in, "cannot open: %s", strerror(errno));
        return false;
    }
    unsigned char h[sizeof(Elf64_Ehdr)];
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n < EI_NIDENT || memcmp(h, ELFMAG, SELFMAG) != 0) {
        set_reason(in, "not an ELF file");
        return false;
    }
    if (n < (ssize_t)sizeof h) {
        set_reason(in, "truncated ELF header (%zd of %zu bytes)", n, sizeof h);
        return false;
    }
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
    const unsigned char want_class = ELFCLASS64;
#else
    const unsigned char want_class = ELFCLASS32;
#endif
    if (h[EI_CLASS] != want_class) {
        set_reason(in, "wrong ELF class: %d-bit object, this host is %d-bit",
                   h[EI_CLASS] == ELFCLASS64 ? 64 : 32, want_class == ELFCLASS64 ? 64 : 32);
        return false;
    }
    Elf64_Ehdr eh;
    memcpy(&eh, h, sizeof eh);
#if defined(__x86_64__)
    const unsigned want_machine = EM_X86_64;
#elif defined(__aarch64__)
    const unsigned want_machine = EM_AARCH64;
#elif defined(__i386__)
    const unsigned want_machine = EM_386;
#else
    const unsigned want_machine = eh.e_machine;
#endif
    if (eh.e_machine != want_machine) {
        set_reason(in, "wrong architecture: ELF machine %u, this host needs %u", eh.e_machine,
                   want_machine);
        return false;
    }
    if (eh.e_type != ET_DYN) {
        set_reason(in, "not a shared object (ELF type %u)", eh.e_type);
        return false;
    }
    return true;
}

struct probe_answer {
    int32_t stage;              /* how far the child got */
    int32_t ok;
    char reason[256];
    EXPERTENUMINFO info;
    int32_t has_configure, has_dllmain;
};

enum { ST_START, ST_DLOPEN, ST_SYMBOLS, ST_DLLMAIN, ST_REGISTER, ST_DONE };

/* The child: enters the sandbox (docs/sandbox.md), then loads the expert
 * and calls its code. */
static void probe_child(const char *path, int fd, pid_t host, struct nmx__sandbox_trap *trap)
{
    nmx__child_default_signals();
    struct probe_answer a;
    memset(&a, 0, sizeof a);
    char why[sizeof a.reason - 32];
    struct nmx__sandbox sb = {.expert_path = path, .host = host, .chan = fd, .out = -1,
                              .err = -1, .trap = trap};
    if (nmx__sandbox_enter(&sb, why, sizeof why) < 0) {
        a.stage = ST_DONE;
        snprintf(a.reason, sizeof a.reason, "cannot enter the sandbox: %s", why);
        nmx__write_all(NMX_SANDBOX_CHAN_FD, &a, sizeof a);
        _exit(0);
    }
    fd = NMX_SANDBOX_CHAN_FD;
    /* Progress markers: the parent knows where a crash happened. */
    a.stage = ST_DLOPEN;
    nmx__write_all(fd, &a.stage, sizeof a.stage);
    void *dl = nmx__sandbox_dlopen(path, why, sizeof why);
    if (!dl) {
        a.stage = ST_DONE;
        snprintf(a.reason, sizeof a.reason, "cannot load: %s", why);
        nmx__write_all(fd, &a, sizeof a);
        _exit(0);
    }
    a.stage = ST_SYMBOLS;
    nmx__write_all(fd, &a.stage, sizeof a.stage);
    PEXPERTREGISTERPROC reg = (PEXPERTREGISTERPROC)(uintptr_t)dlsym(dl, EXPERTENTRY_REGISTER);
    void *run = dlsym(dl, EXPERTENTRY_RUN);
    void *cfg = dlsym(dl, EXPERTENTRY_CONFIGURE);
    void *dllmain = dlsym(dl, "DllMain");
    a.has_configure = cfg != NULL;
    a.has_dllmain = dllmain != NULL;
    if (!reg || !run) {
        a.stage = ST_DONE;
        snprintf(a.reason, sizeof a.reason, "missing entry point %s%s%s",
                 reg ? "" : EXPERTENTRY_REGISTER, !reg && !run ? " and " : "",
                 run ? "" : EXPERTENTRY_RUN);
        nmx__write_all(fd, &a, sizeof a);
        _exit(0);
    }
    if (dllmain) {
        a.stage = ST_DLLMAIN;
        nmx__write_all(fd, &a.stage, sizeof a.stage);
        BOOL (*dm)(HINSTANCE, ULONG, LPVOID) =
            (BOOL(*)(HINSTANCE, ULONG, LPVOID))(uintptr_t)dllmain;
        if (!dm((HINSTANCE)dl, DLL_PROCESS_ATTACH, NULL)) {
            a.stage = ST_DONE;
            snprintf(a.reason, sizeof a.reason, "DllMain(DLL_PROCESS_ATTACH) returned FALSE");
            nmx__write_all(fd, &a, sizeof a);
            _exit(0);
        }
    }
    a.stage = ST_REGISTER;
    nmx__write_all(fd, &a.stage, sizeof a.stage);
    BOOL ok = reg(&a.info);
    a.stage = ST_DONE;
    if (!ok) {
        snprintf(a.reason, sizeof a.reason, "Register returned FALSE");
    } else if (!a.info.szName[0]) {
        snprintf(a.reason, sizeof a.reason, "Register gave no name");
    } else if ((a.info.Flags & EXPERT_ENUM_FLAG_CONFIGURABLE) && !cfg) {
        snprintf(a.reason, sizeof a.reason,
                 "registered as configurable but exports no " EXPERTENTRY_CONFIGURE);
    } else {
        a.ok = 1;
    }
    nmx__write_all(fd, &a, sizeof a);
    _exit(0);
}

static const char *stage_name(int32_t st)
{
    switch (st) {
    case ST_DLOPEN: return "while loading (a constructor)";
    case ST_SYMBOLS: return "while resolving entry points";
    case ST_DLLMAIN: return "in DllMain";
    case ST_REGISTER: return "in Register";
    default: return "while probing";
    }
}

static void fill_names(const char *path, nmx_expert_info *in)
{
    memset(in, 0, sizeof *in);
    char *abs = realpath(path, NULL);
    snprintf(in->path, sizeof in->path, "%s", abs ? abs : path);
    free(abs);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(in->file, sizeof in->file, "%s", base);
    size_t l = strlen(in->file);
    if (l > 3 && strcmp(in->file + l - 3, ".so") == 0)
        in->file[l - 3] = 0;
}

static unsigned probe_timeout_ms(void)
{
    const char *e = getenv("NMEXPERT_PROBE_TIMEOUT_MS");
    unsigned long v = e ? strtoul(e, NULL, 10) : 0;
    return v ? (unsigned)v : NMX_EXPERT_PROBE_TIMEOUT_MS;
}

nmx_err nmx_expert_probe(const char *path, nmx_expert_info *in)
{
    const unsigned timeout_ms = probe_timeout_ms();
    if (!path || !in)
        return NMX_EINVAL;
    fill_names(path, in);
    if (!elf_check(in->path, in))
        return NMX_EUNSUPPORTED;
    int fd;
    pid_t host = getpid();
    struct nmx__sandbox_trap *trap = nmx__sandbox_trap_new();
    pid_t pid = nmx__fork_piped(&fd);
    if (pid < 0) {
        set_reason(in, "pipe or fork: %s", strerror(errno));
        nmx__sandbox_trap_free(trap);
        return NMX_EIO;
    }
    if (pid == 0)
        probe_child(in->path, fd, host, trap);
    struct probe_answer a;
    memset(&a, 0, sizeof a);
    int32_t stage = ST_START;
    size_t got = 0;
    bool full = false, timed_out = false;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char buf[sizeof a];
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        long left = (long)timeout_ms - elapsed;
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        ssize_t n = read(fd, buf + got, sizeof buf - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        /* stage markers are 4 bytes; the full answer is sizeof a */
        while (got >= sizeof stage && !full) {
            int32_t v;
            memcpy(&v, buf, sizeof v);
            if (v == ST_DONE) {
                if (got < sizeof a)
                    break;
                memcpy(&a, buf, sizeof a);
                full = true;
            } else {
                stage = v;
                memmove(buf, buf + sizeof v, got - sizeof v);
                got -= sizeof v;
            }
        }
        if (full)
            break;
    }
    close(fd);
    if (timed_out)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        nmx__sandbox_trap_free(trap);
        set_reason(in, "hung %s (no answer within %u ms)", stage_name(stage), timeout_ms);
        return NMX_EUNSUPPORTED;
    }
    char sandbox[200];
    bool by_sandbox = nmx__sandbox_verdict(trap, status, sandbox, sizeof sandbox);
    nmx__sandbox_trap_free(trap);
    if (!full) {
        if (by_sandbox) {
            set_reason(in, "%s %s", sandbox, stage_name(stage));
        } else if (WIFSIGNALED(status)) {
            const char *ab = sigabbrev_np(WTERMSIG(status));
            set_reason(in, "crashed %s with SIG%s", stage_name(stage), ab ? ab : "?");
        } else {
            set_reason(in, "exited %s with status %d", stage_name(stage),
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        }
        return NMX_EUNSUPPORTED;
    }
    in->has_configure = a.has_configure != 0;
    in->has_dllmain = a.has_dllmain != 0;
    if (!a.ok) {
        set_reason(in, "%s", a.reason);
        return NMX_EUNSUPPORTED;
    }
    a.info.szName[sizeof a.info.szName - 1] = 0;
    a.info.szVendor[sizeof a.info.szVendor - 1] = 0;
    a.info.szDescription[sizeof a.info.szDescription - 1] = 0;
    memcpy(in->name, a.info.szName, sizeof in->name);
    memcpy(in->vendor, a.info.szVendor, sizeof in->vendor);
    memcpy(in->description, a.info.szDescription, sizeof in->description);
    in->version = a.info.Version; /* C2: any value accepted */
    in->flags = a.info.Flags;
    in->usable = true;
    return NMX_OK;
}

/* ---- search path ----------------------------------------------------- */

static char search_path[8192];

const char *nmx_expert_search_path(void)
{
    const char *builtin = getenv("NMEXPERT_BUILTIN_DIR");
    const char *user = getenv("NMEXPERT_PATH");
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    char xdgdir[4096];
    if (xdg && *xdg)
        snprintf(xdgdir, sizeof xdgdir, "%s/nmexpert/experts", xdg);
    else
        snprintf(xdgdir, sizeof xdgdir, "%s/.local/share/nmexpert/experts", home ? home : "");
    /* Built-ins live beside the library: <libdir>/nmexpert/experts, found
     * from where this library was loaded (relocatable installs), else the
     * directory fixed at build time. */
    char libdir[4096] = "";
    Dl_info di;
    if (!(builtin && *builtin) && dladdr((void *)(uintptr_t)nmx_expert_search_path, &di) &&
        di.dli_fname) {
        snprintf(libdir, sizeof libdir, "%s", di.dli_fname);
        char *sl = strrchr(libdir, '/');
        if (sl) {
            snprintf(sl, sizeof libdir - (size_t)(sl - libdir), "/nmexpert/experts");
            if (access(libdir, R_OK) == 0)
                builtin = libdir;
        }
    }
    snprintf(search_path, sizeof search_path, "%s%s%s:%s",
             builtin && *builtin ? builtin : NMX_BUILTIN_EXPERT_DIR, user && *user ? ":" : "",
             user && *user ? user : "", xdgdir);
    return search_path;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

nmx_err nmx_expert_scan(nmx_expert_info **list, size_t *count)
{
    *list = NULL;
    *count = 0;
    char *path = strdup(nmx_expert_search_path());
    if (!path)
        return NMX_ENOMEM;
    size_t cap = 0;
    nmx_err rc = NMX_OK;
    for (char *save = NULL, *dir = strtok_r(path, ":", &save); dir;
         dir = strtok_r(NULL, ":", &save)) {
        DIR *d = opendir(dir);
        if (!d)
            continue;
        char **names = NULL;
        size_t nn = 0, nc = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t l = strlen(de->d_name);
            if (l < 4 || strcmp(de->d_name + l - 3, ".so") != 0)
                continue;
            if (nn == nc) {
                nc = nc ? nc * 2 : 16;
                char **t = realloc(names, nc * sizeof *t);
                if (!t)
                    break;
                names = t;
            }
            names[nn] = strdup(de->d_name);
            if (names[nn])
                nn++;
        }
        closedir(d);
        if (nn)
            qsort(names, nn, sizeof *names, cmp_names);
        for (size_t i = 0; i < nn; i++) {
            char full[4096];
            snprintf(full, sizeof full, "%s/%s", dir, names[i]);
            bool dup = false;
            for (size_t j = 0; j < *count && !dup; j++) {
                char file[256];
                snprintf(file, sizeof file, "%s", names[i]);
                file[strlen(file) - 3] = 0;
                dup = strcmp((*list)[j].file, file) == 0;
            }
            if (!dup) {
                if (*count == cap) {
                    cap = cap ? cap * 2 : 16;
                    nmx_expert_info *t = realloc(*list, cap * sizeof *t);
                    if (!t) {
                        rc = NMX_ENOMEM;
                        break;
                    }
                    *list = t;
                }
                nmx_expert_probe(full, &(*list)[*count]);
                (*count)++;
            }
            free(names[i]);
            names[i] = NULL;
        }
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
    }
    free(path);
    return rc;
}

nmx_err nmx_expert_find(const char *spec, nmx_expert_info *info, nmx_diag *diag)
{
    if (strchr(spec, '/')) {
        struct stat st;
        if (stat(spec, &st) != 0)
            return nmx_diag_set(diag, NMX_ENOTFOUND, UINT64_MAX, 0, 0, "%s: %s", spec,
                                strerror(errno));
        nmx_err e = nmx_expert_probe(spec, info);
        if (e != NMX_OK)
            return nmx_diag_set(diag, e, UINT64_MAX, 0, 0, "%s: unusable expert: %s", spec,
                                info->reason);
        return NMX_OK;
    }
    nmx_expert_info *list;
    size_t n;
    nmx_err e = nmx_expert_scan(&list, &n);
    if (e != NMX_OK)
        return nmx_diag_set(diag, e, UINT64_MAX, 0, 0, "scanning experts: %s", nmx_strerror(e));
    const nmx_expert_info *hit = NULL;
    for (size_t i = 0; i < n && !hit; i++)
        if (strcmp(list[i].file, spec) == 0)
            hit = &list[i];
    for (size_t i = 0; i < n && !hit; i++)
        if (list[i].usable && strcasecmp(list[i].name, spec) == 0)
            hit = &list[i];
    if (hit)
        *info = *hit;
    free(list);
    if (!hit)
        return nmx_diag_set(diag, NMX_ENOTFOUND, UINT64_MAX, 0, 0,
                            "no expert named '%s' (searched %s)", spec,
                            nmx_expert_search_path());
    if (!info->usable)
        return nmx_diag_set(diag, NMX_EUNSUPPORTED, UINT64_MAX, 0, 0, "%s: unusable expert: %s",
                            info->path, info->reason);
    return NMX_OK;
}
