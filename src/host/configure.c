/*
 * Configure, contained (spec 3.3, decisions C3, C5-C8, M5).
 *
 * The expert's Configure runs headless (hWnd NULL) in a forked child with a
 * fresh session key. The stored configuration is passed in as a block of
 * that session, so the expert may reallocate it as the SDK allows. After
 * the call the child re-reads *ppConfig (C7: it may have changed even when
 * Configure returned FALSE), measures it (C8: RawConfigLength when
 * 4 <= it <= the block size, else the block size) and sends the bytes back.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"
#include "host/sandbox.h"
#include "host/relay.h"
#include "nmexpert/configure.h"

#define CONFIG_MAX (16u << 20) /* largest configuration accepted back */
#define CHILD_END_MS 2000u     /* to end after closing its pipe          */

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* True once the child has ended (not reaped: its pid stays ours). */
static bool child_ended(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD;
    return si.si_pid == pid;
}

struct answer {
    int32_t loaded;
    int32_t returned;
    int32_t value;
    uint32_t len;       /* bytes that follow */
    char reason[256];
};

/* The child: host code first (the session), then the sandbox
 * (docs/sandbox.md), then the expert's code. */
static void child(const nmx_expert_info *ex, void *hcap, const void *in, size_t in_len, int fd,
                  pid_t host, struct nmx__sandbox_trap *trap)
{
    nmx__child_default_signals();
    struct answer a;
    memset(&a, 0, sizeof a);
    nmx_session_config sc = {.version = NMX_SESSION_CONFIG_VERSION, .name = "Configure",
                             .capture = hcap, .focus_frame = INVALID_FRAME_NUMBER};
    nmx_key key;
    bool have_key = nmx_session_open(&sc, &key) == NMX_OK;
    char why[sizeof a.reason - 32];
    struct nmx__sandbox sb = {.expert_path = ex->path, .host = host, .chan = fd, .out = -1,
                              .err = -1, .trap = trap};
    if (nmx__sandbox_enter(&sb, why, sizeof why) < 0) {
        snprintf(a.reason, sizeof a.reason, "cannot enter the sandbox: %s", why);
        nmx__write_all(NMX_SANDBOX_CHAN_FD, &a, sizeof a);
        _exit(0);
    }
    fd = NMX_SANDBOX_CHAN_FD;
    void *dl = nmx__sandbox_dlopen(ex->path, why, sizeof why);
    PEXPERTCONFIGPROC conf = dl ? (PEXPERTCONFIGPROC)(uintptr_t)dlsym(dl, EXPERTENTRY_CONFIGURE)
                                : NULL;
    if (!conf) {
        snprintf(a.reason, sizeof a.reason, "%s", dl ? "no Configure entry point" : why);
        nmx__write_all(fd, &a, sizeof a);
        _exit(0);
    }
    a.loaded = 1;
    BOOL (*dm)(HINSTANCE, ULONG, LPVOID) =
        (BOOL(*)(HINSTANCE, ULONG, LPVOID))(uintptr_t)dlsym(dl, "DllMain");
    if (dm)
        dm((HINSTANCE)dl, DLL_PROCESS_ATTACH, NULL);
    if (!have_key) {
        snprintf(a.reason, sizeof a.reason, "cannot open a session");
        nmx__write_all(fd, &a, sizeof a);
        _exit(0);
    }
    PEXPERTCONFIG cfg = NULL;
    if (in && in_len >= sizeof(DWORD)) {
        cfg = ExpertAllocMemory(key, in_len, NULL);
        if (cfg)
            memcpy(cfg, in, in_len);
    }
    EXPERTSTARTUPINFO si;
    ExpertGetStartupInfo(key, &si);
    nmx_session_bind_thread(key);
    BOOL v = conf(key, &cfg, &si, 0, NULL);
    a.returned = 1;
    a.value = v != 0;
    size_t bsize = cfg ? ExpertMemorySize(key, cfg) : 0;
    if (cfg && !bsize) {
        snprintf(a.reason, sizeof a.reason,
                 "*ppConfig is not a block of the Configure session (not allocated with "
                 "ExpertAllocMemory)");
        cfg = NULL;
    }
    size_t len = 0;
    if (cfg) {
        DWORD raw = cfg->RawConfigLength;
        len = raw >= sizeof(DWORD) && raw <= bsize ? raw : bsize; /* C8 */
        if (len > CONFIG_MAX)
            len = CONFIG_MAX;
    }
    a.len = (uint32_t)len;
    nmx__write_all(fd, &a, sizeof a);
    if (len) {
        DWORD l32 = (DWORD)len; /* the stored blob's length field counts itself */
        nmx__write_all(fd, &l32, sizeof l32);
        nmx__write_all(fd, (const uint8_t *)cfg + sizeof(DWORD), len - sizeof(DWORD));
    }
    _exit(0);
}

nmx_err nmx_configure_expert(const nmx_expert_info *ex, void *hcapture, const void *stored,
                             size_t stored_len, uint32_t timeout_ms, nmx_configure_result *res)
{
    memset(res, 0, sizeof *res);
    if (!ex || !ex->usable)
        return NMX_EINVAL;
    if (!ex->has_configure) {
        snprintf(res->message, sizeof res->message, "%s has no Configure", ex->name);
        return NMX_EUNSUPPORTED;
    }
    int fd;
    pid_t host = getpid();
    nmx__sandbox_prepare();
    struct nmx__sandbox_trap *trap = nmx__sandbox_trap_new();
    pid_t pid = nmx__fork_piped(&fd);
    if (pid < 0) {
        nmx__sandbox_trap_free(trap);
        return NMX_EIO;
    }
    if (pid == 0)
        child(ex, hcapture, stored, stored_len, fd, host, trap);
    /* The child's answer, read against one deadline for the whole of it
     * (a child that sends a byte now and then cannot stretch it); then the
     * child must end: one that lives on without its pipe, or sends more
     * than an answer can hold, is killed (docs/sandbox.md, "The host"). */
    uint8_t *buf = NULL;
    size_t got = 0, cap = 0;
    bool timed_out = false, stop = false, too_much = false;
    uint64_t deadline = timeout_ms ? mono_ms() + timeout_ms : 0;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    for (;;) {
        int wait = -1;
        if (deadline) {
            uint64_t now = mono_ms();
            if (now >= deadline) {
                timed_out = true;
                break;
            }
            wait = deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
        }
        struct pollfd pf = {fd, POLLIN, 0};
        nmx__gate_park();
        int r = poll(&pf, 1, wait);
        int poll_errno = errno;
        nmx__gate_unpark();
        if (r < 0 && poll_errno == EINTR)
            continue;
        if (r == 0)
            continue; /* the deadline, checked above */
        if (r < 0) {
            stop = true;
            break;
        }
        if (got == cap) {
            size_t nc = cap ? cap * 2 : 4096;
            uint8_t *nb = nc > sizeof(struct answer) + CONFIG_MAX ? NULL : realloc(buf, nc);
            if (!nb) {
                stop = too_much = true; /* more than any answer: not one */
                break;
            }
            buf = nb;
            cap = nc;
        }
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    /* end of file: the child ends now, or within CHILD_END_MS */
    uint64_t end_by = mono_ms() + CHILD_END_MS;
    while (!timed_out && !stop && !child_ended(pid)) {
        if (mono_ms() >= end_by) {
            stop = true;
            break;
        }
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (timed_out || stop) {
        if (kill(-pid, SIGKILL) != 0) /* its group, if it made one */
            kill(pid, SIGKILL);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    char sandbox[200];
    bool by_sandbox = nmx__sandbox_verdict(trap, st, sandbox, sizeof sandbox);
    nmx__sandbox_trap_free(trap);
    struct answer a;
    if (got < sizeof a) {
        if (by_sandbox)
            snprintf(res->message, sizeof res->message, "Configure was %s", sandbox);
        else if (timed_out)
            snprintf(res->message, sizeof res->message, "Configure did not return within %u ms",
                     timeout_ms);
        else if (stop)
            snprintf(res->message, sizeof res->message,
                     "Configure closed its pipe to the host and did not end: killed after %u ms",
                     CHILD_END_MS);
        else if (WIFSIGNALED(st))
            snprintf(res->message, sizeof res->message, "Configure crashed with SIG%s",
                     sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
        else
            snprintf(res->message, sizeof res->message, "Configure ended the process (status %d)",
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        free(buf);
        return NMX_OK;
    }
    if (too_much) {
        snprintf(res->message, sizeof res->message,
                 "Configure sent more than a configuration can hold (%u bytes)", CONFIG_MAX);
        free(buf);
        return NMX_OK;
    }
    memcpy(&a, buf, sizeof a);
    a.reason[sizeof a.reason - 1] = 0;
    res->returned = a.returned != 0;
    res->value = a.value != 0;
    if (a.reason[0]) /* text from the child: escaped for the terminal */
        nmx__relay_escape(a.reason, strlen(a.reason), res->message, sizeof res->message);
    if (a.len && got >= sizeof a + a.len && a.len >= sizeof(DWORD)) {
        res->config = malloc(a.len);
        if (res->config) {
            memcpy(res->config, buf + sizeof a, a.len);
            res->config_len = a.len;
        }
    }
    if (!res->message[0])
        snprintf(res->message, sizeof res->message, "Configure returned %s%s",
                 res->value ? "TRUE" : "FALSE",
                 res->config ? "" : " and no configuration");
    free(buf);
    return NMX_OK;
}

nmx_err nmx_config_from_text(const char *const *pairs, size_t n, void **blob, size_t *len)
{
    size_t total = sizeof(DWORD) + 1;
    for (size_t i = 0; i < n; i++) {
        if (!strchr(pairs[i], '='))
            return NMX_EINVAL;
        total += strlen(pairs[i]) + 1;
    }
    if (total > CONFIG_MAX)
        return NMX_ERANGE;
    uint8_t *b = calloc(1, total);
    if (!b)
        return NMX_ENOMEM;
    DWORD l = (DWORD)total;
    memcpy(b, &l, sizeof l);
    size_t o = sizeof(DWORD);
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(pairs[i]);
        memcpy(b + o, pairs[i], k + 1);
        o += k + 1;
    }
    *blob = b;
    *len = total;
    return NMX_OK;
}
