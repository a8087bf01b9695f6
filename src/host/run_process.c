/*
 * Process isolation (see nmexpert/run.h).
 *
 * The session runs in a forked child:
 *   - the capture stays mapped read-only (inherited from the parent);
 *   - no core files, a CPU-time backstop, death with the parent;
 *   - after the expert is loaded, a seccomp filter (libseccomp) forbids
 *     sockets, exec, ptrace, new processes (threads are allowed), signals to
 *     other processes, and writes to anything but the channel, stdout and
 *     stderr (files cannot be opened for writing, created or removed);
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
#include <seccomp.h>
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
#include "nmexpert/sink.h"

#define CHAN_FD 3               /* the channel's descriptor in the child */
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

/* A complete comparison (libseccomp's SCMP_Ax macros leave a field to the
 * compiler's zero-fill, which some warning sets reject). */
static struct scmp_arg_cmp arg_cmp(unsigned arg, enum scmp_compare op, scmp_datum_t a,
                                   scmp_datum_t b)
{
    struct scmp_arg_cmp c = {.arg = arg, .op = op, .datum_a = a, .datum_b = b};
    return c;
}

static int apply_seccomp(void)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return -1;
    int rc = 0;
    const int deny[] = {SCMP_SYS(socket),        SCMP_SYS(socketpair),   SCMP_SYS(connect),
                        SCMP_SYS(bind),          SCMP_SYS(listen),       SCMP_SYS(accept),
                        SCMP_SYS(accept4),       SCMP_SYS(execve),       SCMP_SYS(execveat),
                        SCMP_SYS(ptrace),        SCMP_SYS(process_vm_readv),
                        SCMP_SYS(process_vm_writev),                     SCMP_SYS(fork),
                        SCMP_SYS(vfork),         SCMP_SYS(unlink),       SCMP_SYS(unlinkat),
                        SCMP_SYS(rename),        SCMP_SYS(renameat),     SCMP_SYS(renameat2),
                        SCMP_SYS(mkdir),         SCMP_SYS(mkdirat),      SCMP_SYS(rmdir),
                        SCMP_SYS(truncate),      SCMP_SYS(creat),        SCMP_SYS(link),
                        SCMP_SYS(linkat),        SCMP_SYS(symlink),      SCMP_SYS(symlinkat),
                        SCMP_SYS(chmod),         SCMP_SYS(fchmodat),     SCMP_SYS(chown),
                        SCMP_SYS(fchownat),      SCMP_SYS(mount),        SCMP_SYS(setuid),
                        SCMP_SYS(setgid),        SCMP_SYS(kexec_load),   SCMP_SYS(init_module),
                        SCMP_SYS(finit_module),  SCMP_SYS(delete_module)};
    for (size_t i = 0; i < sizeof deny / sizeof deny[0] && rc == 0; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), deny[i], 0);
    /* threads only: clone without CLONE_THREAD makes a process */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                              arg_cmp(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
    if (rc == 0) /* glibc falls back to clone for threads */
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    /* writes only to stdout, stderr and the channel (fds 1..3) */
    const int writes[] = {SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(pwrite64),
                          SCMP_SYS(pwritev), SCMP_SYS(pwritev2)};
    for (size_t i = 0; i < sizeof writes / sizeof writes[0] && rc == 0; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), writes[i], 1,
                              arg_cmp(0, SCMP_CMP_GT, CHAN_FD, 0));
    /* no file opened for writing */
    const unsigned long wflags[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC};
    for (size_t i = 0; i < 4 && rc == 0; i++) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(openat), 1,
                              arg_cmp(2, SCMP_CMP_MASKED_EQ, wflags[i], wflags[i]));
        if (rc == 0)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(open), 1,
                                  arg_cmp(1, SCMP_CMP_MASKED_EQ, wflags[i], wflags[i]));
    }
    /* signals only to itself */
    pid_t self = getpid();
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
                              arg_cmp(0, SCMP_CMP_NE, (scmp_datum_t)self, 0));
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}

static void child_main(const nmx_run_config *cfg, int chan, int out, int err)
{
    in_expert_child = 1;
    /* The host's log function may take locks another host thread held at
     * fork time: here log lines go to stderr, the pipe the parent logs. */
    nmx_set_log_fn(NULL, NULL);
    if (dup2(out, 1) < 0 || dup2(err, 2) < 0 || dup2(chan, CHAN_FD) < 0)
        _exit(120);
    /* Only stdin, stdout, stderr and the channel: in particular not the pipes
     * of other experts started at the same time by other host threads. */
    close_range(CHAN_FD + 1, ~0u, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
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
        if (vm_pages) {
            rlim_t as = (rlim_t)vm_pages * (rlim_t)sysconf(_SC_PAGESIZE) +
                        (rlim_t)cfg->memory_limit * 2 + ((rlim_t)16 << 30);
            struct rlimit a = {as, as};
            setrlimit(RLIMIT_AS, &a);
        }
    }
    if (cfg->timeout_ms) {
        rlim_t cpu = (rlim_t)(cfg->timeout_ms + (cfg->grace_ms ? cfg->grace_ms : 2000)) / 1000 + 5;
        struct rlimit c = {cpu, cpu + 2};
        setrlimit(RLIMIT_CPU, &c);
    }
    /* Faults must end this process, whatever handlers the host installed
     * (thread isolation's, a test framework's, a sanitizer's). */
    nmx__child_default_signals();
    signal(SIGUSR1, child_on_usr1);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN); /* the parent decides what Ctrl-C means */

    void *dl = dlopen(cfg->expert->path, RTLD_NOW | RTLD_LOCAL);
    PEXPERTRUNPROC run = dl ? (PEXPERTRUNPROC)(uintptr_t)dlsym(dl, EXPERTENTRY_RUN) : NULL;
    if (!run) {
        nmx_wire_msg m = {.type = NMX_WIRE_LOG};
        char text[600];
        snprintf(text, sizeof text, "load failed: %s", dl ? "no Run entry point" : dlerror());
        m.u.log.level = NMX_WIRE_LOG_ERROR;
        m.u.log.text = text;
        send_msg(&m);
        _exit(121);
    }
    BOOL (*dm)(HINSTANCE, ULONG, LPVOID) =
        (BOOL(*)(HINSTANCE, ULONG, LPVOID))(uintptr_t)dlsym(dl, "DllMain");
    if (dm)
        dm((HINSTANCE)dl, DLL_PROCESS_ATTACH, NULL);

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
    if (nmx_session_open(&sc, &child_key) != NMX_OK)
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
    if (apply_seccomp() != 0) {
        nmx_wire_msg m = {.type = NMX_WIRE_LOG};
        char text[] = "warning: seccomp filter not applied";
        m.u.log.level = NMX_WIRE_LOG_WARNING;
        m.u.log.text = text;
        send_msg(&m);
    }
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
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
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
        child_main(cfg, chan[1], out[1], err[1]);
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
