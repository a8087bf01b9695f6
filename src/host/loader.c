/*
 * Finding and probing experts (see nmexpert/expert.h).
 *
 * The probe reads the ELF header itself (bounds-checked) to give precise
 * reasons, then forks: the child dlopens the object, resolves the entry
 * points, calls DllMain and Register, and writes a fixed-size answer to a
 * pipe. The parent waits at most NMX_EXPERT_PROBE_TIMEOUT_MS, kills a child
 * that hangs, and turns a signal into a reason ("Register crashed with
 * SIGSEGV"). A scan probes its files side by side, each against its own
 * deadline; a file that is not regular is refused before it is opened
 * (docs/sandbox.md, "The host").
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
#include "host/relay.h"
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

/* The ELF header must describe a shared object this process can load. The
 * file is looked at before it is opened, and opened without blocking: a
 * FIFO, a device or a directory named "x.so" is refused, never read (an
 * open of a FIFO would wait for a writer). */
static bool elf_check(const char *path, nmx_expert_info *in)
{
    struct stat st, fst;
    if (stat(path, &st) != 0) {
        set_reason(in, "cannot open: %s", strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        set_reason(in, "not a regular file (%s)",
                   S_ISFIFO(st.st_mode)   ? "a FIFO"
                   : S_ISDIR(st.st_mode)  ? "a directory"
                   : S_ISCHR(st.st_mode)  ? "a character device"
                   : S_ISBLK(st.st_mode)  ? "a block device"
                   : S_ISSOCK(st.st_mode) ? "a socket"
                                          : "unknown type");
        return false;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        set_reason(in, "cannot open: %s", strerror(errno));
        return false;
    }
    if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode) || fst.st_dev != st.st_dev ||
        fst.st_ino != st.st_ino) {
        close(fd);
        set_reason(in, "not a regular file (it changed while being opened)");
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

/* One probe child under way. */
struct probe {
    nmx_expert_info *in;
    struct nmx__sandbox_trap *trap; /* where the sandbox names a refused call */
    pid_t pid;                  /* 0: not started (or ended before fork)   */
    int fd;                     /* -1 once closed                          */
    nmx_err early;              /* the result when no child was needed     */
    int32_t stage;
    size_t got;
    bool full, timed_out, reaped, eof;
    uint64_t deadline;          /* monotonic ms                            */
    int status;
    char buf[sizeof(struct probe_answer)];
};

/* Probe children at once during a scan. */
#define NMX__PROBE_PARALLEL 16u

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Checks the file and starts its child. false: done already (p->early). */
static bool probe_start(const char *path, nmx_expert_info *in, struct probe *p, unsigned timeout_ms)
{
    memset(p, 0, sizeof *p);
    p->in = in;
    p->fd = -1;
    p->stage = ST_START;
    fill_names(path, in);
    if (!elf_check(in->path, in)) {
        p->early = NMX_EUNSUPPORTED;
        return false;
    }
    int fd;
    pid_t host = getpid();
    nmx__sandbox_prepare();
    p->trap = nmx__sandbox_trap_new();
    pid_t pid = nmx__fork_piped(&fd);
    if (pid < 0) {
        set_reason(in, "pipe or fork: %s", strerror(errno));
        nmx__sandbox_trap_free(p->trap);
        p->trap = NULL;
        p->early = NMX_EIO;
        return false;
    }
    if (pid == 0)
        probe_child(in->path, fd, host, p->trap);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    p->pid = pid;
    p->fd = fd;
    p->deadline = mono_ms() + timeout_ms;
    return true;
}

/* Takes what the child wrote; true when the probe needs no more input. */
static bool probe_read(struct probe *p)
{
    ssize_t n = read(p->fd, p->buf + p->got, sizeof p->buf - p->got);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return false;
    if (n <= 0)
        return true;
    p->got += (size_t)n;
    /* stage markers are 4 bytes; the full answer is sizeof(struct probe_answer) */
    while (p->got >= sizeof p->stage && !p->full) {
        int32_t v;
        memcpy(&v, p->buf, sizeof v);
        if (v == ST_DONE) {
            if (p->got < sizeof p->buf)
                break;
            p->full = true;
        } else {
            p->stage = v;
            memmove(p->buf, p->buf + sizeof v, p->got - sizeof v);
            p->got -= sizeof v;
        }
    }
    return p->full || p->got == sizeof p->buf;
}

/* The pipe is done with (answer complete, or end of file). A complete
 * answer is all the host needs: the child is killed and reaped. Otherwise
 * its exit status tells what happened; it is reaped when it ends, or killed
 * at its deadline (probe_wait) if it lives on without its pipe. */
static void probe_close(struct probe *p)
{
    if (p->fd >= 0) {
        close(p->fd);
        p->eof = !p->timed_out;
    }
    p->fd = -1;
    if (p->full || p->timed_out) {
        /* its process group when it made one (not yet reaped: the id is
         * still ours), else the child */
        if (kill(-p->pid, SIGKILL) != 0)
            kill(p->pid, SIGKILL);
        while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR) {
        }
        p->reaped = true;
    }
}

/* One round for the started probes: waits (at most a second) for input,
 * an end or a deadline, and handles it. Each probe has its own deadline, so
 * one that hangs delays the others by nothing. Returns how many are still
 * under way. */
static size_t probe_step(struct probe *ps, size_t n)
{
    struct pollfd pf[NMX__PROBE_PARALLEL];
    size_t map[NMX__PROBE_PARALLEL], np = 0, live = 0;
    bool exiting = false;
    uint64_t now = mono_ms(), next = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        struct probe *p = &ps[i];
        if (!p->pid || p->reaped)
            continue;
        if (p->fd < 0 && waitpid(p->pid, &p->status, WNOHANG) == p->pid) {
            p->reaped = true;
            continue;
        }
        if (now >= p->deadline) {
            p->timed_out = true;
            probe_close(p);
            continue;
        }
        live++;
        if (p->deadline < next)
            next = p->deadline;
        if (p->fd < 0) {
            exiting = true; /* no pipe left to poll: look again soon */
            continue;
        }
        if (np < NMX__PROBE_PARALLEL) {
            pf[np] = (struct pollfd){p->fd, POLLIN, 0};
            map[np++] = i;
        }
    }
    if (!live)
        return 0;
    uint64_t left = next - now;
    int wait = left > 1000 ? 1000 : (int)left;
    if (exiting && wait > 10)
        wait = 10;
    nmx__gate_park();
    int r = poll(pf, (nfds_t)np, wait);
    nmx__gate_unpark();
    for (size_t k = 0; r > 0 && k < np; k++)
        if ((pf[k].revents & (POLLIN | POLLHUP | POLLERR)) && probe_read(&ps[map[k]]))
            probe_close(&ps[map[k]]);
    return live;
}

/* The verdict of a probe that has ended. */
static nmx_err probe_finish(struct probe *p, unsigned timeout_ms)
{
    nmx_expert_info *in = p->in;
    if (!p->pid)
        return p->early;
    /* A child that closed its pipe and was still there at the deadline is
     * reported as hung, unless it was already ending of its own (a slow
     * exit: our SIGKILL then does not change its status). */
    bool own_end = p->eof && !(WIFSIGNALED(p->status) && WTERMSIG(p->status) == SIGKILL);
    char sandbox[200];
    bool by_sandbox = p->trap && nmx__sandbox_verdict(p->trap, p->status, sandbox, sizeof sandbox);
    nmx__sandbox_trap_free(p->trap);
    p->trap = NULL;
    if (p->timed_out && !own_end) {
        set_reason(in, "hung %s (no answer within %u ms)", stage_name(p->stage), timeout_ms);
        return NMX_EUNSUPPORTED;
    }
    if (!p->full) {
        int status = p->status;
        if (by_sandbox) {
            set_reason(in, "%s %s", sandbox, stage_name(p->stage));
        } else if (WIFSIGNALED(status)) {
            const char *ab = sigabbrev_np(WTERMSIG(status));
            set_reason(in, "crashed %s with SIG%s", stage_name(p->stage), ab ? ab : "?");
        } else {
            set_reason(in, "exited %s with status %d", stage_name(p->stage),
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        }
        return NMX_EUNSUPPORTED;
    }
    struct probe_answer a;
    memcpy(&a, p->buf, sizeof a);
    in->has_configure = a.has_configure != 0;
    in->has_dllmain = a.has_dllmain != 0;
    if (!a.ok) {
        a.reason[sizeof a.reason - 1] = 0;
        char esc[sizeof in->reason];
        nmx__relay_escape(a.reason, strlen(a.reason), esc, sizeof esc);
        set_reason(in, "%s", esc);
        return NMX_EUNSUPPORTED;
    }
    a.info.szName[sizeof a.info.szName - 1] = 0;
    a.info.szVendor[sizeof a.info.szVendor - 1] = 0;
    a.info.szDescription[sizeof a.info.szDescription - 1] = 0;
    /* Register's strings reach the terminal (list, verdicts, progress):
     * control characters and escape sequences escaped (relay.h) */
    nmx__relay_escape(a.info.szName, strlen(a.info.szName), in->name, sizeof in->name);
    nmx__relay_escape(a.info.szVendor, strlen(a.info.szVendor), in->vendor, sizeof in->vendor);
    nmx__relay_escape(a.info.szDescription, strlen(a.info.szDescription), in->description,
                      sizeof in->description);
    in->version = a.info.Version; /* C2: any value accepted */
    in->flags = a.info.Flags;
    in->usable = true;
    return NMX_OK;
}

nmx_err nmx_expert_probe(const char *path, nmx_expert_info *in)
{
    const unsigned timeout_ms = probe_timeout_ms();
    if (!path || !in)
        return NMX_EINVAL;
    struct probe p;
    if (probe_start(path, in, &p, timeout_ms))
        while (probe_step(&p, 1)) {
        }
    return probe_finish(&p, timeout_ms);
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

/* Probes paths[0..n) into list[0..n), NMX__PROBE_PARALLEL at a time: a
 * new probe starts as soon as one ends, so a file that hangs holds up one
 * slot for the probe timeout and nothing else. */
static nmx_err probe_all(char **paths, nmx_expert_info *list, size_t n)
{
    const unsigned timeout_ms = probe_timeout_ms();
    struct probe *ps = calloc(n ? n : 1, sizeof *ps);
    if (!ps)
        return NMX_ENOMEM;
    size_t next = 0, live = 0;
    for (;;) {
        while (next < n && live < NMX__PROBE_PARALLEL) {
            if (probe_start(paths[next], &list[next], &ps[next], timeout_ms))
                live++;
            next++;
        }
        if (!live && next == n)
            break;
        live = probe_step(ps, next);
    }
    for (size_t i = 0; i < n; i++)
        probe_finish(&ps[i], timeout_ms);
    free(ps);
    return NMX_OK;
}

nmx_err nmx_expert_scan(nmx_expert_info **list, size_t *count)
{
    *list = NULL;
    *count = 0;
    char *path = strdup(nmx_expert_search_path());
    if (!path)
        return NMX_ENOMEM;
    /* the candidates first, in search order, duplicates skipped */
    char **full = NULL, **file = NULL;
    size_t nfull = 0, cap = 0;
    nmx_err rc = NMX_OK;
    for (char *save = NULL, *dir = strtok_r(path, ":", &save); dir && rc == NMX_OK;
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
        for (size_t i = 0; i < nn && rc == NMX_OK; i++) {
            bool dup = false;
            for (size_t j = 0; j < nfull && !dup; j++)
                dup = strcmp(file[j], names[i]) == 0;
            if (dup)
                continue;
            if (nfull == cap) {
                size_t nc2 = cap ? cap * 2 : 16;
                char **t1 = realloc(full, nc2 * sizeof *t1);
                if (t1)
                    full = t1;
                char **t2 = t1 ? realloc(file, nc2 * sizeof *t2) : NULL;
                if (t2)
                    file = t2;
                if (!t1 || !t2) {
                    rc = NMX_ENOMEM;
                    break;
                }
                cap = nc2;
            }
            size_t fl = strlen(dir) + 1 + strlen(names[i]) + 1;
            full[nfull] = malloc(fl);
            if (!full[nfull]) {
                rc = NMX_ENOMEM;
                break;
            }
            snprintf(full[nfull], fl, "%s/%s", dir, names[i]);
            file[nfull] = names[i];
            names[i] = NULL;
            nfull++;
        }
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
    }
    free(path);
    if (rc == NMX_OK && nfull) {
        *list = calloc(nfull, sizeof **list);
        if (!*list)
            rc = NMX_ENOMEM;
        else if ((rc = probe_all(full, *list, nfull)) != NMX_OK) {
            free(*list);
            *list = NULL;
        } else {
            *count = nfull;
        }
    }
    for (size_t i = 0; i < nfull; i++) {
        free(full[i]);
        free(file[i]);
    }
    free(full);
    free(file);
    return rc;
}

/* The first file NAME.so on the search path, or false. */
static bool find_file(const char *name, char *out, size_t len)
{
    char *path = strdup(nmx_expert_search_path());
    if (!path)
        return false;
    bool found = false;
    for (char *save = NULL, *dir = strtok_r(path, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        struct stat st;
        int n = snprintf(out, len, "%s/%s.so", dir, name);
        found = n > 0 && (size_t)n < len && lstat(out, &st) == 0;
    }
    free(path);
    return found;
}

/* Levenshtein distance of two short names (SIZE_MAX beyond 63 bytes). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t sub = diag + (a[i - 1] != b[j - 1]);
            size_t del = up + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            diag = up;
        }
    }
    return row[lb];
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
    /* A file name is resolved directly: only that file is probed (no other
     * expert's code is loaded, and no other file can delay the run). */
    char direct[4096];
    if (*spec && strcmp(spec, ".") != 0 && strcmp(spec, "..") != 0 &&
        find_file(spec, direct, sizeof direct)) {
        nmx_err e = nmx_expert_probe(direct, info);
        if (e != NMX_OK)
            return nmx_diag_set(diag, e, UINT64_MAX, 0, 0, "%s: unusable expert: %s",
                                info->path, info->reason);
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
    char hint[128] = "";
    if (!hit) {
        /* a mistyped name: the usable expert nearest to it, if near enough */
        size_t best = SIZE_MAX, at = 0;
        for (size_t i = 0; i < n; i++) {
            size_t d = list[i].usable ? edit_distance(spec, list[i].file) : SIZE_MAX;
            if (d < best)
                best = d, at = i;
        }
        size_t len = strlen(spec);
        if (best != SIZE_MAX && best > 0 && best <= 2 && best * 3 <= len)
            snprintf(hint, sizeof hint, "; did you mean '%s'?", list[at].file);
    }
    free(list);
    if (!hit)
        return nmx_diag_set(diag, NMX_ENOTFOUND, UINT64_MAX, 0, 0,
                            "no expert named '%s' (searched %s)%s", spec,
                            nmx_expert_search_path(), hint);
    if (!info->usable)
        return nmx_diag_set(diag, NMX_EUNSUPPORTED, UINT64_MAX, 0, 0, "%s: unusable expert: %s",
                            info->path, info->reason);
    return NMX_OK;
}
