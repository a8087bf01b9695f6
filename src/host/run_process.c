/*
 * Process isolation (see nmexpert/run.h).
 *
 * The session runs in a forked child:
 *   - the capture stays mapped read-only (inherited from the parent);
 *   - before the expert is loaded (its constructors included), the child
 *     enters the sandbox of sandbox.c (docs/sandbox.md): no core files, a
 *     CPU-time backstop, death with the parent, no privileges, no terminal,
 *     no descriptors but its own, Landlock, a seccomp allow-list;
 *   - stdout and stderr go to pipes the parent copies into its log;
 *   - events, status, memory counters and the final result go to the parent
 *     over the channel in the wire format (nmexpert/sink.h), which the parent
 *     decodes as untrusted input.
 * The parent enforces the timeout (SIGUSR1 asks the session to stop: every
 * Expert* call then returns NMERR_EXPERT_TERMINATE; SIGKILL after the grace
 * period), watches the child's resident memory, and turns the child's end
 * (signal, exit status, missing result) into the run's outcome.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"
#include "host/run_internal.h"
#include "host/sandbox.h"
#include "nmexpert/sink.h"

#define CHAN_FD NMX_SANDBOX_CHAN_FD /* the channel's descriptor in the child */
#define RSS_SLACK (256u << 20)  /* C library memory allowed beyond the limit */

/* ---- child ------------------------------------------------------------- */

static nmx_heap *child_heap;
static volatile int in_expert_child;

/* Sanitizer builds: LeakSanitizer asks this before its check at exit. An
 * expert's process ends however the expert likes (exit() included), and the
 * check's ptrace is forbidden there by the seccomp filter, so the check is
 * for the host's process only. */
__attribute__((visibility("default"))) int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
    return in_expert_child;
}
static nmx_key child_key;
static volatile sig_atomic_t child_misuse_stop;
static uint32_t child_sent_frame = INVALID_FRAME_NUMBER; /* frame of the last STATUS sent */

static void child_on_usr1(int sig)
{
    (void)sig;
    if (child_heap)
        nmx_heap_terminate(child_heap); /* a lock-free atomic store */
}

static void send_msg(const nmx_wire_msg *m)
{
    uint8_t *buf;
    size_t len;
    if (nmx_wire_encode(m, &buf, &len) == NMX_OK) {
        nmx__write_all(CHAN_FD, buf, len);
        free(buf);
    }
}

static void send_memstats(nmx_key key)
{
    nmx_heap_stats st;
    if (nmx_session_stats(key, &st) != NMX_OK)
        return;
    nmx_wire_msg m = {.type = NMX_WIRE_MEMSTATS};
    m.u.mem.cur_bytes = st.cur_bytes;
    m.u.mem.cur_blocks = st.cur_blocks;
    m.u.mem.peak_bytes = st.peak_bytes;
    m.u.mem.misuse_total = st.misuse_total;
    m.u.mem.failed_allocs = st.failed_allocs;
    send_msg(&m);
}

static void child_on_event(const nmx_event *ev, void *ud)
{
    (void)ud;
    nmx_wire_msg m = {.type = NMX_WIRE_EVENT};
    m.u.event = (nmx_event *)(uintptr_t)ev;
    send_msg(&m);
}

static void child_on_status(const nmx_status *st, void *ud)
{
    (void)ud;
    nmx_wire_msg m = {.type = NMX_WIRE_STATUS};
    m.u.status = *st;
    child_sent_frame = st->frame;
    send_msg(&m);
    send_memstats(child_key); /* so a later crash can still say what was held */
}

struct child_misuse {
    uint32_t limit, seen;
};

static void child_on_misuse(nmx_heap *h, const nmx_misuse *mu, void *ud)
{
    (void)mu;
    struct child_misuse *cm = ud;
    if (cm->limit && ++cm->seen >= cm->limit) {
        child_misuse_stop = 1;
        nmx_heap_terminate(h);
    }
}

/* The child: host code first (the session, the display filter), then the
 * sandbox (docs/sandbox.md), then the expert's code, from its ELF
 * constructors on. */
static void child_main(const nmx_run_config *cfg, int chan, int out, int err, pid_t host,
                       struct nmx__sandbox_trap *trap)
{
    in_expert_child = 1;
    /* The host's log function may take locks another host thread held at
     * fork time: here log lines go to stderr, the pipe the parent logs. */
    nmx_set_log_fn(NULL, NULL);
    /* Faults must end this process, whatever handlers the host installed
     * (thread isolation's, a test framework's, a sanitizer's). */
    nmx__child_default_signals();
    signal(SIGUSR1, child_on_usr1);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN); /* the parent decides what Ctrl-C means */

    struct nmx__sandbox sb = {.expert_path = cfg->expert->path, .host = host, .chan = chan,
                              .out = out, .err = err, .trap = trap};
    if (cfg->memory_limit) {
        /* Address space: what the host already maps (the capture...) plus
         * room for the limit twice over and for the allocator to reserve an
         * arena (8 GiB while it aligns one, plus metadata); mappings beyond
         * that fail in the expert. Resident memory is watched separately. */
        unsigned long vm_pages = 0, res_pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (f) {
            if (fscanf(f, "%lu %lu", &vm_pages, &res_pages) != 2)
                vm_pages = 0;
            fclose(f);
        }
        if (vm_pages)
            sb.as_limit = (uint64_t)vm_pages * (uint64_t)sysconf(_SC_PAGESIZE) +
                          (uint64_t)cfg->memory_limit * 2 + ((uint64_t)16 << 30);
    }
    if (cfg->timeout_ms)
        sb.cpu_seconds =
            (uint32_t)((cfg->timeout_ms + (cfg->grace_ms ? cfg->grace_ms : 2000)) / 1000 + 5);

    /* A filter object of the parent might have been locked by another host
     * thread at fork time: build our own from its text. */
    nmx_filter *ui = NULL;
    if (cfg->ui_filter)
        nmx_filter_bpf(nmx_filter_text(cfg->ui_filter), &ui, NULL);
    char name[300];
    nmx_session_config sc;
    nmx__run_session_config(cfg, name, sizeof name, &sc);
    sc.ui_filter = ui;
    sc.on_event = child_on_event;
    sc.event_ud = NULL;
    sc.on_status = child_on_status;
    sc.status_ud = NULL;
    bool have_key = nmx_session_open(&sc, &child_key) == NMX_OK;

    char why[512];
    void *dl = NULL;
    bool jailed = nmx__sandbox_enter(&sb, why, sizeof why) >= 0;
    if (jailed)
        dl = nmx__sandbox_dlopen(cfg->expert->path, why, sizeof why);
    PEXPERTRUNPROC run = dl ? (PEXPERTRUNPROC)(uintptr_t)dlsym(dl, EXPERTENTRY_RUN) : NULL;
    if (!run) {
        nmx_wire_msg m = {.type = NMX_WIRE_LOG};
        char text[600];
        snprintf(text, sizeof text, "load failed: %s%s", jailed ? "" : "cannot enter the sandbox: ",
                 dl ? "no Run entry point" : why);
        m.u.log.level = NMX_WIRE_LOG_ERROR;
        m.u.log.text = text;
        send_msg(&m);
        _exit(121);
    }
    BOOL (*dm)(HINSTANCE, ULONG, LPVOID) =
        (BOOL(*)(HINSTANCE, ULONG, LPVOID))(uintptr_t)dlsym(dl, "DllMain");
    if (dm)
        dm((HINSTANCE)dl, DLL_PROCESS_ATTACH, NULL);

    if (!have_key)
        _exit(122);
    child_heap = nmx_session_heap(child_key);
    struct child_misuse cm = {cfg->misuse_limit, 0};
    nmx_heap_set_misuse_handler(child_heap, child_on_misuse, &cm);
    PEXPERTCONFIG config = NULL;
    if (cfg->config && cfg->config_len >= sizeof(DWORD)) {
        config = nmx_host_alloc(cfg->config_len, NULL);
        if (config)
            memcpy(config, cfg->config, cfg->config_len);
    }
    EXPERTSTARTUPINFO si;
    ExpertGetStartupInfo(child_key, &si);
    nmx_session_bind_thread(child_key);
    DWORD flags = nmx__run_focus_property(cfg, &si);
    BOOL v = run(child_key, config, &si, flags, NULL);
    if (dm) /* spec C1: before unloading (the process ends instead) */
        dm((HINSTANCE)dl, DLL_PROCESS_DETACH, NULL);
    fflush(stdout);
    /* The frame reached travels to the parent with status messages, which
     * the expert sends when it likes: frames read after its last
     * ExpertIndicateStatus would be missing from the parent's count. The
     * session's own figure (what thread isolation reports) goes last. */
    nmx_status fin;
    if (nmx_session_status(child_key, &fin, NULL) == NMX_OK && fin.frame != child_sent_frame)
        child_on_status(&fin, NULL);
    send_memstats(child_key);
    nmx_heap_report rep;
    nmx_session_close(child_key, &rep);
    nmx_wire_msg m = {.type = NMX_WIRE_RESULT};
    m.u.result.run_result = v;
    m.u.result.leaked_blocks = rep.leaked_blocks;
    m.u.result.leaked_bytes = rep.leaked_bytes;
    m.u.result.overruns = rep.overruns;
    m.u.result.misuse_total = rep.misuse_total;
    m.u.result.peak_bytes = rep.peak_bytes;
    send_msg(&m);
    _exit(child_misuse_stop ? 124 : 0);
}

/* ---- parent ------------------------------------------------------------ */

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static size_t child_rss(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    unsigned long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/* Copies a child's output stream into the host log, line by line. */
struct linebuf {
    char buf[4096];
    size_t len;
};

static void log_lines(struct linebuf *lb, const char *data, size_t n, const char *who,
                      const char *stream, bool flush)
{
    for (size_t i = 0; i < n; i++) {
        if (lb->len < sizeof lb->buf - 1)
            lb->buf[lb->len++] = data[i];
        if (data[i] == '\n' || lb->len == sizeof lb->buf - 1) {
            lb->buf[lb->len] = 0;
            nmx__log("[%s %s] %s", who, stream, lb->buf);
            lb->len = 0;
        }
    }
    if (flush && lb->len) {
        lb->buf[lb->len] = 0;
        nmx__log("[%s %s] %s", who, stream, lb->buf);
        lb->len = 0;
    }
}

nmx_err nmx__run_process(const nmx_run_config *cfg, struct nmx_run_ctx *ctx, nmx_run_result *res)
{
    (void)ctx;
    int chan[2], out[2], err[2];
    if (pipe2(chan, O_CLOEXEC) < 0)
        return NMX_EIO;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(chan[0]);
        close(chan[1]);
        return NMX_EIO;
    }
    if (pipe2(err, O_CLOEXEC) < 0) {
        close(chan[0]);
        close(chan[1]);
        close(out[0]);
        close(out[1]);
        return NMX_EIO;
    }
    nmx_wire_decoder *dec;
    if (nmx_wire_decoder_new(&dec) != NMX_OK) {
        for (int i = 0; i < 2; i++) {
            close(chan[i]);
            close(out[i]);
            close(err[i]);
        }
        return NMX_ENOMEM;
    }
    pid_t host = getpid();
    struct nmx__sandbox_trap *trap = nmx__sandbox_trap_new();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        nmx__sandbox_trap_free(trap);
        nmx_wire_decoder_free(dec);
        for (int i = 0; i < 2; i++) {
            close(chan[i]);
            close(out[i]);
            close(err[i]);
        }
        return NMX_EIO;
    }
    if (pid == 0) {
        close(chan[0]);
        close(out[0]);
        close(err[0]);
        child_main(cfg, chan[1], out[1], err[1], host, trap);
        _exit(0);
    }
    close(chan[1]);
    close(out[1]);
    close(err[1]);

    const char *who = cfg->expert->name[0] ? cfg->expert->name : cfg->expert->file;
    struct linebuf lb_out = {.len = 0}, lb_err = {.len = 0};
    struct pollfd pf[3] = {{chan[0], POLLIN, 0}, {out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 3;
    uint64_t t0 = now_ms(), term_at = 0, last_rss = 0;
    uint32_t grace = cfg->grace_ms ? cfg->grace_ms : 2000;
    enum { WHY_NONE, WHY_TIMEOUT, WHY_STOP, WHY_MEMORY, WHY_CORRUPT } why = WHY_NONE;
    bool killed = false, have_result = false, corrupt = false;
    nmx_wire_result result;
    memset(&result, 0, sizeof result);
    nmx_wire_memstats mem;
    memset(&mem, 0, sizeof mem);
    char buf[65536];

    int st = 0;
    bool reaped = false;
    while (open_fds > 0) {
        int r = poll(pf, 3, reaped ? 0 : 50);
        if (r < 0 && errno != EINTR)
            break;
        if (r == 0 && reaped)
            break; /* the child is gone and everything it wrote has been read */
        if (!reaped && waitpid(pid, &st, WNOHANG) == pid)
            reaped = true; /* drain what is left, then stop */
        for (int i = 0; r > 0 && i < 3; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(pf[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 1) {
                log_lines(&lb_out, buf, (size_t)n, who, "stdout", false);
                continue;
            }
            if (i == 2) {
                log_lines(&lb_err, buf, (size_t)n, who, "stderr", false);
                continue;
            }
            if (corrupt)
                continue; /* drain and ignore the rest */
            if (nmx_wire_feed(dec, buf, (size_t)n) != NMX_OK) {
                corrupt = true;
            }
            nmx_wire_msg m;
            nmx_diag d;
            nmx_err e;
            while (!corrupt && (e = nmx_wire_next(dec, &m, &d)) == NMX_OK) {
                switch (m.type) {
                case NMX_WIRE_EVENT:
                    res->events++;
                    if (cfg->on_event)
                        cfg->on_event(m.u.event, cfg->event_ud);
                    break;
                case NMX_WIRE_STATUS:
                    res->status = m.u.status;
                    res->frame = m.u.status.frame;
                    if (cfg->on_status)
                        cfg->on_status(&m.u.status, cfg->status_ud);
                    break;
                case NMX_WIRE_MEMSTATS:
                    mem = m.u.mem;
                    break;
                case NMX_WIRE_LOG:
                    nmx__log("[%s] %s", who, m.u.log.text);
                    break;
                case NMX_WIRE_RESULT:
                    result = m.u.result;
                    have_result = true;
                    break;
                }
                nmx_wire_msg_clear(&m);
            }
            if (!corrupt && e == NMX_ECORRUPT) {
                corrupt = true;
                nmx__log("[%s] damaged channel, stopping the expert: %s", who, d.msg);
            }
            if (corrupt && !killed) {
                why = WHY_CORRUPT;
                kill(pid, SIGKILL);
                killed = true;
            }
        }
        uint64_t t = now_ms();
        if (!killed && why == WHY_NONE) {
            if (cfg->timeout_ms && t - t0 >= cfg->timeout_ms)
                why = WHY_TIMEOUT;
            else if (cfg->stop && *cfg->stop)
                why = WHY_STOP;
            if (why != WHY_NONE) {
                kill(pid, SIGUSR1);
                term_at = t;
            }
        }
        if (!killed && term_at && t - term_at >= grace) {
            kill(pid, SIGKILL);
            killed = true;
        }
        if (!killed && cfg->memory_limit && t - last_rss >= 100) {
            last_rss = t;
            if (child_rss(pid) > cfg->memory_limit + RSS_SLACK) {
                why = WHY_MEMORY;
                kill(pid, SIGKILL);
                killed = true;
            }
        }
    }
    log_lines(&lb_out, "", 0, who, "stdout", true);
    log_lines(&lb_err, "", 0, who, "stderr", true);
    while (!reaped && waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    for (int i = 0; i < 3; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    nmx_diag fd;
    if (!corrupt && nmx_wire_finish(dec, &fd) != NMX_OK)
        nmx__log("[%s] channel ended inside a message: %s", who, fd.msg);
    nmx_wire_decoder_free(dec);

    res->memory.version = NMX_HEAP_REPORT_VERSION;
    snprintf(res->memory.name, sizeof res->memory.name, "%s (Run)", who);
    if (have_result) {
        res->run_returned = true;
        res->run_value = result.run_result != 0;
        res->memory.leaked_blocks = result.leaked_blocks;
        res->memory.leaked_bytes = result.leaked_bytes;
        res->memory.overruns = result.overruns;
        res->memory.misuse_total = result.misuse_total;
        res->memory.peak_bytes = result.peak_bytes;
    } else { /* what the session held at the last report: all gone with the child */
        res->memory.leaked_blocks = mem.cur_blocks;
        res->memory.leaked_bytes = mem.cur_bytes;
        res->memory.misuse_total = mem.misuse_total;
        res->memory.peak_bytes = mem.peak_bytes;
    }
    /* The sandbox's verdict: the run's message, worded by nmx_run_expert */
    nmx__sandbox_verdict(trap, st, res->message, sizeof res->message);
    nmx__sandbox_trap_free(trap);
    if (WIFSIGNALED(st)) {
        res->signal = WTERMSIG(st);
        if (why == WHY_TIMEOUT)
            res->outcome = NMX_RUN_TIMEOUT;
        else if (why == WHY_STOP)
            res->outcome = NMX_RUN_TERMINATED;
        else if (why == WHY_MEMORY)
            res->outcome = NMX_RUN_MEMORY;
        else if (why == WHY_CORRUPT)
            res->outcome = NMX_RUN_CRASHED;
        else if (res->signal == SIGXCPU)
            res->outcome = NMX_RUN_TIMEOUT;
        else
            res->outcome = NMX_RUN_CRASHED;
        if (res->outcome != NMX_RUN_CRASHED)
            res->signal = 0;
    } else if (have_result) {
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
        if (why == WHY_TIMEOUT)
            res->outcome = NMX_RUN_TIMEOUT;
        else if (why == WHY_STOP || code == 124)
            res->outcome = NMX_RUN_TERMINATED;
        else if (mem.failed_allocs && cfg->memory_limit)
            res->outcome = NMX_RUN_MEMORY; /* the limit asked it to stop */
        else if (!res->run_value || res->status.status == EXPERTSTATUS_PROBLEM)
            res->outcome = NMX_RUN_FAILED;
        else
            res->outcome = NMX_RUN_COMPLETED;
    } else {
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (code >= 120 && code <= 122) {
            res->outcome = NMX_RUN_LOAD_FAILED;
            snprintf(res->message, sizeof res->message, "expert %s could not be started in its "
                     "process (status %d)", who, code);
        } else {
            res->outcome = NMX_RUN_EXITED;
            res->exit_status = code;
        }
    }
    return NMX_OK;
}
