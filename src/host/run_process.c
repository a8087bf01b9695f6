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
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"
#include "host/relay.h"
#include "host/run_internal.h"
#include "host/sandbox.h"
#include "nmexpert/sink.h"

#define CHAN_FD NMX_SANDBOX_CHAN_FD /* the channel's descriptor in the child */
#define RSS_SLACK (256u << 20)  /* C library memory allowed beyond the limit */
#define STATUS_GAP_MS 20u      /* status updates delivered at most this often */
#define CHAN_CUT_MS 50u         /* alive this long after its channel closed:
                                   the expert closed it                      */
#define OUTBOX_AGE_MS 20u       /* a waiting message is sent at most this late
                                   when others follow                        */

/* Messages of the child not yet written to the channel, on a mapping shared
 * with the parent (made before fork). The child writes it; the parent reads
 * it only once the child has ended, as untrusted bytes like the channel's:
 * data[0, len) are the stream's bytes from offset base. */
#define NMX__OUTBOX_SIZE (64u << 10)
#define NMX__OUTBOX_DATA (NMX__OUTBOX_SIZE - 16u)
struct nmx__outbox {
    volatile uint64_t base;
    volatile uint32_t len;
    uint32_t pad;
    uint8_t data[NMX__OUTBOX_DATA];
};

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

/* Set when a write to the channel failed (the expert closed or replaced
 * it): the child then ends with NMX__CHILD_CHANNEL_LOST, so the parent can
 * tell a cut channel from the expert's own exit(). */
static volatile sig_atomic_t chan_failed;

/* The outbox (struct nmx__outbox): messages wait there and go to the
 * channel in one write when it is full, with every message other than an
 * event, when the oldest waiting one is OUTBOX_AGE_MS old, and at the end.
 * It is shared with the parent, which takes what is still waiting when the
 * child ends without sending it (a fault, a kill, exit(), a cut channel):
 * batching loses nothing the per-message writes would have kept. */
static struct nmx__outbox *child_box;
static uint64_t box_since_ms; /* when the oldest waiting message was put */
static pthread_mutex_t box_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static bool chan_write(const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(CHAN_FD, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            chan_failed = 1;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Writes what waits in the outbox. The length is cleared before the base
 * moves on: a child that dies in between leaves nothing to be taken twice
 * (the parent takes bytes [received - base, len) of the data). */
static void box_flush(void)
{
    struct nmx__outbox *b = child_box;
    if (!b || !b->len || chan_failed)
        return;
    uint32_t n = b->len;
    if (!chan_write(b->data, n))
        return; /* kept: the parent takes what it did not receive */
    b->len = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    b->base += n;
}

static void send_msg_flush(const nmx_wire_msg *m, bool flush)
{
    if (chan_failed)
        return; /* as a write would have failed */
    struct nmx__outbox *b = child_box;
    pthread_mutex_lock(&box_lock);
    size_t need = 0;
    /* straight into the outbox; measured (and the outbox emptied) when it
     * does not fit */
    nmx_err e = b ? nmx_wire_encode_into(m, b->data + b->len, NMX__OUTBOX_DATA - b->len, &need)
                  : NMX_ERANGE;
    if (b && (e == NMX_OK || e == NMX_ERANGE) && need <= NMX__OUTBOX_DATA) {
        if (e == NMX_ERANGE)
            box_flush();
        if (!chan_failed && need <= NMX__OUTBOX_DATA - b->len) {
            size_t got = need;
            if (e == NMX_OK || nmx_wire_encode_into(m, b->data + b->len,
                                                    NMX__OUTBOX_DATA - b->len, &got) == NMX_OK) {
                __atomic_signal_fence(__ATOMIC_SEQ_CST);
                if (!b->len)
                    box_since_ms = mono_ms();
                b->len += (uint32_t)got;
            }
            if (flush || mono_ms() - box_since_ms >= OUTBOX_AGE_MS)
                box_flush();
        }
        pthread_mutex_unlock(&box_lock);
        return;
    }
    /* no outbox, or a message larger than it: written on its own, after
     * what waits */
    box_flush();
    uint8_t *buf;
    size_t len;
    if (!chan_failed && nmx_wire_encode(m, &buf, &len) == NMX_OK) {
        if (chan_write(buf, len) && b)
            b->base += len;
        free(buf);
    }
    pthread_mutex_unlock(&box_lock);
}

static void send_msg(const nmx_wire_msg *m)
{
    send_msg_flush(m, true);
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
    send_msg_flush(&m, false);
}

static void child_on_status(const nmx_status *st, void *ud)
{
    (void)ud;
    nmx_wire_msg m = {.type = NMX_WIRE_STATUS};
    m.u.status = *st;
    child_sent_frame = st->frame;
    send_msg_flush(&m, false);
    send_memstats(child_key);
    pthread_mutex_lock(&box_lock);
    box_flush();
    pthread_mutex_unlock(&box_lock); /* so a later crash can still say what was held */
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

static void child_main(const nmx_run_config *cfg, int chan, int out, int err, pid_t host,
                       struct nmx__sandbox_trap *trap, struct nmx__outbox *box)
{
    in_expert_child = 1;
    child_box = box;
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
    /* The CPU-time backstop of every run (SIGXCPU at the limit): see
     * nmx__run_cpu_limit. */
    sb.cpu_seconds = nmx__run_cpu_limit(cfg);

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
    if (have_key)
        nmx__session_set_event_view(child_key, true); /* child_on_event encodes it */

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
    _exit(child_misuse_stop ? NMX__CHILD_MISUSE : chan_failed ? NMX__CHILD_CHANNEL_LOST : 0);
}

/* ---- parent ------------------------------------------------------------ */
/*
 * The parent trusts nothing that comes from the child (docs/sandbox.md,
 * "The host"):
 *   - an event's expert name is the session's name from the host's own
 *     records, whatever the child wrote there;
 *   - the channel is decoded with the wire format's limits (a frame of at
 *     most NMX_WIRE_MAX_FRAME, strings of NMX_EVENT_MAX_STRING, 255 columns,
 *     NMX_WIRE_MAX_BUFFER pending) and everything read is counted against
 *     the run's result limit; nothing may follow the final result;
 *   - stdout, stderr and log messages are relayed as untrusted text
 *     (relay.h: escaped, cut, rate-capped, prefixed with the session name);
 *   - the child's end is watched through a pidfd (or a waitpid poll), never
 *     a blocking wait, so the timeout, a stop request and the memory limit
 *     hold whatever the child does with its pipes; a child whose channel
 *     closed gets the grace period to end, then is killed;
 *   - kills go to the child's process group (it makes its own) and, failing
 *     that, to the child.
 */
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

uint32_t nmx__run_cpu_limit(const nmx_run_config *cfg)
{
    if (cfg->cpu_limit_s == NMX_RUN_NO_CPU_LIMIT)
        return 0;
    if (cfg->cpu_limit_s)
        return cfg->cpu_limit_s;
    if (cfg->timeout_ms) {
        uint64_t s = ((uint64_t)cfg->timeout_ms + (cfg->grace_ms ? cfg->grace_ms : 2000)) / 1000 + 5;
        return s > UINT32_MAX - 3 ? UINT32_MAX - 3 : (uint32_t)s;
    }
    return NMX_RUN_DEFAULT_CPU_LIMIT_S;
}

/* The child's whole process group when it has one (it is the leader of a
 * group of its own once it called setsid), else the child. Only while the
 * child is not yet reaped: its pid (and so the group's id) is still ours. */
static void kill_child(pid_t pid, int sig)
{
    if (kill(-pid, sig) != 0)
        kill(pid, sig);
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    long fd = syscall(SYS_pidfd_open, (long)pid, 0L);
    return fd < 0 ? -1 : (int)fd;
#else
    (void)pid;
    return -1;
#endif
}

/* 1 once the child has ended (not reaped: WNOWAIT keeps its pid ours),
 * 0 while it runs, -1 when it is not ours to wait for any more (a host
 * that set SIGCHLD to SIG_IGN has it reaped by the kernel: its pid may then
 * be another process's, which must not be signalled). */
static int child_ended(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD ? -1 : 0;
    return si.si_pid == pid ? 1 : 0;
}

/* The session name the events carry in thread mode (a session's name, cut
 * as the session cuts it), so both modes give the same records. */
static void session_name(const nmx_run_config *cfg, char *out, size_t len)
{
    char full[300];
    nmx_session_config sc;
    nmx__run_session_config(cfg, full, sizeof full, &sc);
    char cut[sizeof((struct nmx_session *)0)->name];
    snprintf(cut, sizeof cut, "%s", full);
    snprintf(out, len, "%s", cut);
}

/* The system call named by a NMX_WIRE_LOG_SYSCALL message. */
static void syscall_name(const char *text, char *out, size_t len)
{
    char *end;
    unsigned long nr = strtoul(text, &end, 10);
    if (!*text || *end || nr > 100000) {
        snprintf(out, len, "(unreadable report)");
        return;
    }
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
    if (name)
        snprintf(out, len, "%s", name);
    else
        snprintf(out, len, "number %lu", nr);
    free(name);
}

enum { W_CHAN, W_OUT, W_ERR, W_PID, W_N };

struct watch {
    const nmx_run_config *cfg;
    struct nmx_run_ctx *ctx;
    nmx_run_result *res;
    pid_t pid;
    int fd[W_N];                 /* -1 once closed                         */
    nmx_wire_decoder *dec;
    char name[sizeof((struct nmx_session *)0)->name]; /* from our records   */
    nmx__relay_rate rate;
    nmx__relay rl_out, rl_err, rl_log;
    uint64_t limit, received;
    uint64_t msg_at;             /* stream offset of the message at hand   */
    bool status_pending;         /* res->status not yet delivered          */
    uint64_t status_at;          /* when one was last delivered            */
    bool have_result, damaged, killed, reaped;
    uint64_t chan_closed_at;     /* 0: open                                */
    bool chan_cut;               /* the child lived on without its channel */
    bool lost;                   /* reaped elsewhere: its status unknown   */
    nmx_wire_result result;
    nmx_wire_memstats mem;
    char syscall[64];
};

static void stop_child(struct watch *w, int end)
{
    if (!w->ctx->end)
        w->ctx->end = end;
    if (!w->killed && !w->reaped) { /* once reaped, its pid is not ours */
        kill_child(w->pid, SIGKILL);
        w->killed = true;
    }
}

/* Status updates reach the caller (progress bars, progress records) at
 * most every STATUS_GAP_MS: a child sending them in a loop costs the host
 * nothing more. The last one is always delivered (force: the run ended). */
static void status_deliver(struct watch *w, uint64_t t, bool force)
{
    if (!w->status_pending || (!force && w->status_at && t - w->status_at < STATUS_GAP_MS))
        return;
    w->status_pending = false;
    w->status_at = t ? t : 1;
    if (w->cfg->on_status)
        w->cfg->on_status(&w->res->status, w->cfg->status_ud);
}

static void on_message(struct watch *w, nmx_wire_msg *m)
{
    const nmx_run_config *cfg = w->cfg;
    nmx_run_result *res = w->res;
    if (w->have_result) { /* the result is the last message */
        w->damaged = true;
        snprintf(w->ctx->detail, sizeof w->ctx->detail,
                 "wire stream offset %" PRIu64 ": a message after the final result",
                 w->msg_at);
        return;
    }
    switch (m->type) {
    case NMX_WIRE_EVENT:
        /* the host's name for this session, never the child's */
        m->u.event->expert = w->name;
        res->events++;
        if (cfg->on_event)
            cfg->on_event(m->u.event, cfg->event_ud);
        break;
    case NMX_WIRE_STATUS:
        res->status = m->u.status;
        res->frame = m->u.status.frame;
        w->status_pending = true;
        status_deliver(w, now_ms(), false);
        break;
    case NMX_WIRE_MEMSTATS:
        w->mem = m->u.mem;
        break;
    case NMX_WIRE_LOG:
        if (m->u.log.level == NMX_WIRE_LOG_SYSCALL) {
            syscall_name(m->u.log.text, w->syscall, sizeof w->syscall);
        } else {
            uint64_t t = now_ms();
            nmx__relay_feed(&w->rl_log, m->u.log.text, strlen(m->u.log.text), t);
            nmx__relay_feed(&w->rl_log, "\n", 1, t);
        }
        break;
    case NMX_WIRE_RESULT:
        w->result = m->u.result;
        w->have_result = true;
        break;
    }
}

static void close_fd(struct watch *w, int i)
{
    if (w->fd[i] >= 0)
        close(w->fd[i]);
    w->fd[i] = -1;
}

/* n bytes of the channel's stream, as they come (from the pipe, or from
 * the outbox once the child has ended). */
static void chan_data(struct watch *w, const uint8_t *buf, size_t n)
{
    if (w->damaged)
        return; /* drained and ignored */
    w->received += (uint64_t)n;
    if (w->received > w->limit) {
        snprintf(w->ctx->detail, sizeof w->ctx->detail, "%" PRIu64, w->limit);
        stop_child(w, NMX__END_RESULT_LIMIT);
        w->damaged = true; /* take nothing more from it */
        return;
    }
    nmx_diag d;
    memset(&d, 0, sizeof d);
    nmx_err e = nmx_wire_feed(w->dec, buf, (size_t)n);
    if (e != NMX_OK) {
        snprintf(w->ctx->detail, sizeof w->ctx->detail,
                 "wire stream offset %" PRIu64 ": more than %u bytes pending in one frame",
                 nmx_wire_consumed(w->dec), (unsigned)NMX_WIRE_MAX_BUFFER);
        w->damaged = true;
    }
    nmx_wire_msg m;
    uint64_t at = nmx_wire_consumed(w->dec);
    while (!w->damaged && (e = nmx_wire_next(w->dec, &m, &d)) == NMX_OK) {
        w->msg_at = at;
        at = nmx_wire_consumed(w->dec);
        on_message(w, &m);
        if (m.type == NMX_WIRE_EVENT)
            m.u.event->expert = NULL; /* ours, not the message's */
        nmx_wire_msg_clear(&m);
    }
    if (!w->damaged && e == NMX_ECORRUPT) {
        snprintf(w->ctx->detail, sizeof w->ctx->detail, "%s", d.msg);
        w->damaged = true;
    }
    if (w->damaged) {
        nmx__log("[%s] damaged channel, stopping the expert: %s", w->rl_log.who, w->ctx->detail);
        stop_child(w, NMX__END_DAMAGED);
    }
}

/* Reads what is there from pipe i (at most one buffer: the loop comes
 * back, so no stream can starve the others or the timers). */
static void read_pipe(struct watch *w, int i, uint64_t t)
{
    char buf[65536];
    ssize_t n = read(w->fd[i], buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close_fd(w, i);
        if (i == W_CHAN)
            w->chan_closed_at = t ? t : 1;
        return;
    }
    if (i == W_OUT) {
        nmx__relay_feed(&w->rl_out, buf, (size_t)n, t);
        return;
    }
    if (i == W_ERR) {
        nmx__relay_feed(&w->rl_err, buf, (size_t)n, t);
        return;
    }
    chan_data(w, (const uint8_t *)buf, (size_t)n);
}

static int min_wait(uint64_t now, uint64_t at, int cur)
{
    uint64_t d = at > now ? at - now : 0;
    return d < (uint64_t)cur ? (int)d : cur;
}

nmx_err nmx__run_process(const nmx_run_config *cfg, struct nmx_run_ctx *ctx, nmx_run_result *res)
{
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
    nmx__sandbox_prepare();
    struct nmx__sandbox_trap *trap = nmx__sandbox_trap_new();
    struct nmx__outbox *box = mmap(NULL, sizeof *box, PROT_READ | PROT_WRITE,
                                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (box == MAP_FAILED)
        box = NULL; /* every message written on its own */
    fflush(NULL);
    pid_t pid = nmx__gate_fork();
    if (pid < 0) {
        if (box)
            munmap(box, sizeof *box);
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
        child_main(cfg, chan[1], out[1], err[1], host, trap, box);
        _exit(0);
    }
    close(chan[1]);
    close(out[1]);
    close(err[1]);

    struct watch *w = calloc(1, sizeof *w);
    if (!w) { /* the child cannot be watched: it must not run unwatched */
        kill_child(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        close(chan[0]);
        close(out[0]);
        close(err[0]);
        nmx_wire_decoder_free(dec);
        if (box)
            munmap(box, sizeof *box);
        return NMX_ENOMEM;
    }
    w->cfg = cfg;
    w->ctx = ctx;
    w->res = res;
    w->pid = pid;
    w->dec = dec;
    w->fd[W_CHAN] = chan[0];
    w->fd[W_OUT] = out[0];
    w->fd[W_ERR] = err[0];
    w->fd[W_PID] = open_pidfd(pid);
    for (int i = 0; i < W_PID; i++)
        fcntl(w->fd[i], F_SETFL, fcntl(w->fd[i], F_GETFL) | O_NONBLOCK);
    w->limit = cfg->result_limit ? cfg->result_limit : NMX_RUN_DEFAULT_RESULT_LIMIT;
    ctx->cpu_limit_s = nmx__run_cpu_limit(cfg);
    session_name(cfg, w->name, sizeof w->name);
    uint64_t t0 = now_ms();
    nmx__relay_rate_init(&w->rate, t0);
    nmx__relay_init(&w->rl_out, &w->rate, w->name, "stdout");
    nmx__relay_init(&w->rl_err, &w->rate, w->name, "stderr");
    nmx__relay_init(&w->rl_log, &w->rate, w->name, "log");

    uint64_t term_at = 0, last_rss = t0, reaped_at = 0;
    const uint32_t grace = cfg->grace_ms ? cfg->grace_ms : 2000;
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    for (;;) {
        uint64_t t = now_ms();
        /* ---- the child's end: make sure of its group, then reap it ---- */
        int ended = w->reaped ? 0 : child_ended(pid);
        if (ended > 0) {
            kill_child(pid, SIGKILL); /* anything left in its group */
            while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {
            }
        } else if (ended < 0) {
            nmx__log("[%s] the expert's process was reaped elsewhere (SIGCHLD ignored?): "
                     "its end is unknown", w->rl_log.who);
            st = W_EXITCODE(0, 0);
            w->lost = true;
        }
        if (ended) {
            w->reaped = true;
            reaped_at = t;
            close_fd(w, W_PID);
        }
        bool pipes_open = w->fd[W_CHAN] >= 0 || w->fd[W_OUT] >= 0 || w->fd[W_ERR] >= 0;
        /* after the end: what it wrote is in the pipes; a pipe still held
         * open by something else is not waited for beyond the grace */
        if (w->reaped && (!pipes_open || t - reaped_at >= grace))
            break;
        /* ---- the host's limits, whatever the pipes' state ---- */
        if (!w->reaped && !w->killed) {
            int why = 0;
            if (cfg->timeout_ms && t - t0 >= cfg->timeout_ms)
                why = NMX__END_TIMEOUT;
            else if (cfg->stop && *cfg->stop)
                why = NMX__END_STOP;
            if (why && !term_at) {
                ctx->end = why;
                kill(pid, SIGUSR1); /* every Expert* call now says TERMINATE */
                term_at = t;
            }
            /* a process that exits closes its pipes an instant before it
             * ends; one still running a while after lost its channel */
            if (w->chan_closed_at && t - w->chan_closed_at >= CHAN_CUT_MS)
                w->chan_cut = true;
            if (term_at && t - term_at >= grace)
                stop_child(w, ctx->end);
            else if (w->chan_closed_at && !w->have_result && t - w->chan_closed_at >= grace)
                stop_child(w, NMX__END_CHANNEL_KILLED);
            else if (w->chan_closed_at && w->have_result && t - w->chan_closed_at >= grace)
                stop_child(w, NMX__END_NONE); /* said all, then lingered */
            if (!w->killed && cfg->memory_limit && t - last_rss >= 100) {
                last_rss = t;
                if (child_rss(pid) > cfg->memory_limit + RSS_SLACK)
                    stop_child(w, NMX__END_MEMORY);
            }
        }
        /* ---- wait for input, the child's end or the next deadline ---- */
        int wait = 1000;
        if (w->reaped) {
            wait = min_wait(t, reaped_at + grace, wait);
        } else if (!w->killed) {
            if (cfg->timeout_ms && !term_at)
                wait = min_wait(t, t0 + cfg->timeout_ms, wait);
            if (term_at)
                wait = min_wait(t, term_at + grace, wait);
            if (w->chan_closed_at && !w->chan_cut)
                wait = min_wait(t, w->chan_closed_at + CHAN_CUT_MS, wait);
            if (w->chan_closed_at)
                wait = min_wait(t, w->chan_closed_at + grace, wait);
            if (cfg->memory_limit)
                wait = min_wait(t, last_rss + 100, wait);
            if (cfg->stop)
                wait = min_wait(t, t + 50, wait);
        }
        if (!w->reaped && w->fd[W_PID] < 0)
            wait = min_wait(t, t + 20, wait); /* no pidfd: poll waitid */
        status_deliver(w, t, false);
        if (w->status_pending)
            wait = min_wait(t, w->status_at + STATUS_GAP_MS, wait);
        struct pollfd pf[W_N];
        int map[W_N], np = 0;
        for (int i = 0; i < W_N; i++) {
            if (w->fd[i] < 0)
                continue;
            pf[np] = (struct pollfd){w->fd[i], POLLIN, 0};
            map[np++] = i;
        }
        nmx__gate_park(); /* waiting for the child: a fork elsewhere may go on */
        int r = poll(pf, (nfds_t)np, wait);
        int poll_errno = errno;
        nmx__gate_unpark();
        if (r < 0 && poll_errno != EINTR)
            wait = 10; /* should not happen: do not spin */
        t = now_ms();
        for (int k = 0; r > 0 && k < np; k++) {
            if (map[k] == W_PID || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (w->fd[map[k]] >= 0)
                read_pipe(w, map[k], t);
        }
    }
    /* What the child left in its outbox: it ended (crashed, was killed,
     * called exit(), lost its channel) before sending it. Taken only when
     * the channel was read to its end, from the first byte not received. */
    if (box && w->reaped && w->chan_closed_at && !w->damaged) {
        uint64_t base = box->base, got = w->received;
        uint32_t len = box->len;
        if (len <= NMX__OUTBOX_DATA && got >= base && got - base < len)
            chan_data(w, box->data + (got - base), len - (size_t)(got - base));
    }
    for (int i = 0; i < W_N; i++)
        close_fd(w, i);
    uint64_t t_end = now_ms();
    status_deliver(w, t_end, true);
    nmx__relay_finish(&w->rl_out, t_end);
    nmx__relay_finish(&w->rl_err, t_end);
    nmx__relay_finish(&w->rl_log, t_end);
    nmx_diag fd;
    if (!w->damaged && nmx_wire_finish(dec, &fd) != NMX_OK)
        nmx__log("[%s] channel ended inside a message: %s", w->rl_log.who, fd.msg);
    nmx_wire_decoder_free(dec);
    if (box)
        munmap(box, sizeof *box);
    ctx->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;

    res->memory.version = NMX_HEAP_REPORT_VERSION;
    const char *who = cfg->expert->name[0] ? cfg->expert->name : cfg->expert->file;
    snprintf(res->memory.name, sizeof res->memory.name, "%s (Run)", who);
    bool have_result = w->have_result;
    nmx_wire_result result = w->result;
    nmx_wire_memstats mem = w->mem;
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
    int end = ctx->end;
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        /* RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one
         * (a child that handles SIGXCPU), which the host did not send */
        if (!end && ctx->cpu_limit_s &&
            (sig == SIGXCPU || (sig == SIGKILL && !w->killed &&
                                ctx->cpu_seconds + 0.5 >= (double)ctx->cpu_limit_s)))
            end = NMX__END_CPU;
        if (!end && sig == SIGSYS && w->syscall[0]) {
            end = NMX__END_SYSCALL;
            snprintf(ctx->detail, sizeof ctx->detail, "%s", w->syscall);
        }
        if (!end && w->chan_closed_at && !have_result && w->killed)
            end = NMX__END_CHANNEL_KILLED;
        res->signal = sig;
        switch (end) {
        case NMX__END_TIMEOUT: case NMX__END_CPU: res->outcome = NMX_RUN_TIMEOUT; break;
        case NMX__END_STOP: res->outcome = NMX_RUN_TERMINATED; break;
        case NMX__END_MEMORY: case NMX__END_RESULT_LIMIT: res->outcome = NMX_RUN_MEMORY; break;
        case NMX__END_CHANNEL_KILLED: res->outcome = NMX_RUN_EXITED; break;
        case NMX__END_NONE:
            /* killed by the host after its result, for lingering */
            res->outcome = w->killed && have_result ? NMX_RUN_COMPLETED : NMX_RUN_CRASHED;
            break;
        default: res->outcome = NMX_RUN_CRASHED; break;
        }
        if (res->outcome == NMX_RUN_COMPLETED &&
            (!res->run_value || res->status.status == EXPERTSTATUS_PROBLEM))
            res->outcome = NMX_RUN_FAILED;
        if (res->outcome != NMX_RUN_CRASHED)
            res->signal = 0;
        if (end == NMX__END_DAMAGED)
            res->signal = 0; /* the host's SIGKILL: the verdict says why */
    } else if (have_result) {
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
        if (end == NMX__END_TIMEOUT)
            res->outcome = NMX_RUN_TIMEOUT;
        else if (end == NMX__END_STOP || code == NMX__CHILD_MISUSE)
            res->outcome = NMX_RUN_TERMINATED;
        else if (mem.failed_allocs && cfg->memory_limit)
            res->outcome = NMX_RUN_MEMORY; /* the limit asked it to stop */
        else if (!res->run_value || res->status.status == EXPERTSTATUS_PROBLEM)
            res->outcome = NMX_RUN_FAILED;
        else
            res->outcome = NMX_RUN_COMPLETED;
    } else {
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (code >= NMX__CHILD_LOAD_FAILED_MIN && code <= NMX__CHILD_LOAD_FAILED_MAX &&
            !res->events && !w->chan_cut) {
            res->outcome = NMX_RUN_LOAD_FAILED;
            snprintf(res->message, sizeof res->message,
                     "expert %s could not be started in its process (status %d)", who, code);
        } else {
            res->outcome = NMX_RUN_EXITED;
            res->exit_status = code;
            /* the channel closed before the process ended: the expert cut
             * it (a write to it failed, or it lived on without it) */
            if (!end && w->lost)
                end = NMX__END_LOST;
            else if (!end && (code == NMX__CHILD_CHANNEL_LOST || w->chan_cut))
                end = NMX__END_CHANNEL_EXITED;
        }
    }
    ctx->end = end;
    free(w);
    return NMX_OK;
}
