/*
 * Thread isolation: the expert's Run executes on a thread of its own with an
 * alternate signal stack. A synchronous fault on that thread (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP) is turned into a non-local exit
 * back to the thread's entry, which abandons the expert's frames for good;
 * this is the one place in the library where longjmp is used. The session is
 * then closed from the host's thread, which releases all its memory.
 *
 * A fault on any other thread is passed to the handler that was installed
 * before ours (or the default action), so the host's own bugs still crash.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"
#include "host/run_internal.h"

#define ALTSTACK_SIZE (64 * 1024)
#define EXPERT_STACK_SIZE (8u << 20)

static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP};
#define NFAULT (sizeof fault_signals / sizeof fault_signals[0])
static struct sigaction previous[NFAULT];

static __thread sigjmp_buf *tl_jmp __attribute__((tls_model("initial-exec")));

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    sigjmp_buf *jb = tl_jmp;
    if (jb) {
        tl_jmp = NULL;
        siglongjmp(*jb, sig);
    }
    /* Not an expert thread: behave as if we were not here. */
    for (size_t i = 0; i < NFAULT; i++) {
        if (fault_signals[i] != sig)
            continue;
        const struct sigaction *p = &previous[i];
        if (p->sa_flags & SA_SIGINFO) {
            if (p->sa_sigaction) {
                p->sa_sigaction(sig, si, ctx);
                return;
            }
        } else if (p->sa_handler != SIG_DFL && p->sa_handler != SIG_IGN) {
            p->sa_handler(sig);
            return;
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Installed at the start of every thread-mode run, and only where another
 * handler has replaced ours since (test frameworks, other libraries), whose
 * handler then becomes the one we pass foreign faults to. */
static pthread_mutex_t handlers_lock = PTHREAD_MUTEX_INITIALIZER;

/* Loading and unloading experts from several workers at once. glibc runs
 * dlopen and dlclose one at a time already, under a lock of the dynamic
 * linker that ThreadSanitizer does not see, so it reported the linker's
 * own allocations (_dl_check_map_versions) as a race between two workers'
 * dlopen. Taking a lock of our own around them costs nothing and makes
 * that order visible. */
static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

static void *dl_open(const char *path)
{
    pthread_mutex_lock(&dl_lock);
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    pthread_mutex_unlock(&dl_lock);
    return dl;
}

static void dl_close(void *dl)
{
    pthread_mutex_lock(&dl_lock);
    dlclose(dl);
    pthread_mutex_unlock(&dl_lock);
}
static void install_handlers(void)
{
    pthread_mutex_lock(&handlers_lock);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NFAULT; i++) {
        struct sigaction cur;
        if (sigaction(fault_signals[i], NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
            cur.sa_sigaction == on_fault)
            continue;
        sigaction(fault_signals[i], &sa, &previous[i]);
    }
    pthread_mutex_unlock(&handlers_lock);
}

struct trun {
    atomic_int refs;           /* host + thread; the last one frees it     */
    pthread_mutex_t m;
    pthread_cond_t cv;
    bool done;
    /* inputs */
    nmx_key key;
    PEXPERTRUNPROC run;
    PEXPERTCONFIG config;
    EXPERTSTARTUPINFO si;
    uint32_t focus_frame;          /* a copy: the thread may outlive the call */
    char focus_property[320];      /* "" when none                         */
    /* outputs */
    int sig;
    bool returned;
    BOOL value;
};

static void trun_put(struct trun *t)
{
    if (atomic_fetch_sub(&t->refs, 1) == 1) {
        pthread_mutex_destroy(&t->m);
        pthread_cond_destroy(&t->cv);
        free(t);
    }
}

static void ignore_unused_sigalrm(void)
{
    struct sigaction cur;
    if (sigaction(SIGALRM, NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
        cur.sa_handler == SIG_DFL)
        signal(SIGALRM, SIG_IGN);
}

/* Signals an expert's code raises for the whole process as a side effect
 * (docs/sandbox.md, "The host"): SIGPIPE, from a write to a pipe or socket
 * whose reader is gone, is sent to the writing thread: blocked on expert
 * threads (and on the threads they start, which inherit the mask), the
 * write just fails with EPIPE. SIGALRM, from alarm(), goes to the process:
 * a host that has no use for it (the default action, which ends the
 * process) ignores it from the first thread-mode run on. */
static void contain_process_signals(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, ignore_unused_sigalrm);
}

static void *expert_thread(void *arg)
{
    struct trun *t = arg;
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    stack_t ss, old;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = malloc(ALTSTACK_SIZE);
    ss.ss_size = ALTSTACK_SIZE;
    bool alt = ss.ss_sp && sigaltstack(&ss, &old) == 0;
    sigjmp_buf jb;
    tl_jmp = NULL; /* first touch of the TLS block happens here, not in a handler */
    int sig = sigsetjmp(jb, 1);
    if (sig == 0) {
        tl_jmp = &jb;
        nmx_session_bind_thread(t->key);
        nmx_run_config fc;
        memset(&fc, 0, sizeof fc);
        fc.focus_frame = t->focus_frame;
        fc.focus_property = t->focus_property[0] ? t->focus_property : NULL;
        DWORD flags = nmx__run_focus_property(&fc, &t->si);
        BOOL v = t->run(t->key, t->config, &t->si, flags, NULL);
        tl_jmp = NULL;
        t->returned = true;
        t->value = v;
    } else {
        t->sig = sig;
        nmx__session_unlock_held(); /* a fault inside an Expert* call */
    }
    if (alt) {
        stack_t off;
        memset(&off, 0, sizeof off);
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, NULL);
    }
    free(ss.ss_sp);
    pthread_mutex_lock(&t->m);
    t->done = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->m);
    trun_put(t);
    return NULL;
}

/* Waits until done or the deadline (ms since t0); polls *stop. */
static bool wait_done(struct trun *t, const volatile int *stop, uint64_t deadline_ms,
                      const struct timespec *t0, bool *stopped)
{
    /* Parked for the whole wait, the gate never taken under t->m (a fork
     * elsewhere may go on while this thread waits; host.h). */
    nmx__gate_park();
    pthread_mutex_lock(&t->m);
    while (!t->done) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t el = (uint64_t)(now.tv_sec - t0->tv_sec) * 1000u +
                      (uint64_t)((now.tv_nsec - t0->tv_nsec) / 1000000);
        if (deadline_ms && el >= deadline_ms)
            break;
        if (stop && *stop) {
            *stopped = true;
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_nsec -= 1000000000;
            ts.tv_sec++;
        }
        pthread_cond_timedwait(&t->cv, &t->m, &ts);
    }
    bool d = t->done;
    pthread_mutex_unlock(&t->m);
    nmx__gate_unpark();
    return d;
}

/* Constructors and DllMain run on the caller's thread: SIGPIPE blocked
 * there too while they run, and one they raised taken back before it is
 * unblocked. */
static void pipe_block(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void pipe_restore(const sigset_t *old)
{
    if (!sigismember(old, SIGPIPE)) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        struct timespec zero = {0, 0};
        while (sigtimedwait(&set, NULL, &zero) == SIGPIPE) {
        }
    }
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

nmx_err nmx__run_thread(const nmx_run_config *cfg, struct nmx_run_ctx *ctx, nmx_run_result *res)
{
    install_handlers();
    contain_process_signals();
    dlerror();
    sigset_t old_mask;
    pipe_block(&old_mask);
    void *dl = dl_open(cfg->expert->path);
    pipe_restore(&old_mask);
    if (!dl) {
        res->outcome = NMX_RUN_LOAD_FAILED;
        snprintf(res->message, sizeof res->message, "cannot load %s: %s", cfg->expert->path,
                 dlerror());
        return NMX_OK;
    }
    PEXPERTRUNPROC run = (PEXPERTRUNPROC)(uintptr_t)dlsym(dl, EXPERTENTRY_RUN);
    BOOL (*dllmain)(HINSTANCE, ULONG, LPVOID) =
        (BOOL(*)(HINSTANCE, ULONG, LPVOID))(uintptr_t)dlsym(dl, "DllMain");
    if (!run) {
        dl_close(dl);
        res->outcome = NMX_RUN_LOAD_FAILED;
        snprintf(res->message, sizeof res->message, "%s exports no Run", cfg->expert->path);
        return NMX_OK;
    }
    if (dllmain) {
        pipe_block(&old_mask);
        dllmain((HINSTANCE)dl, DLL_PROCESS_ATTACH, NULL);
        pipe_restore(&old_mask);
    }

    struct trun *t = calloc(1, sizeof *t);
    if (!t) {
        dl_close(dl);
        return NMX_ENOMEM;
    }
    atomic_init(&t->refs, 2);
    pthread_mutex_init(&t->m, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->key = ctx->key;
    t->run = run;
    t->config = ctx->config;
    ExpertGetStartupInfo(ctx->key, &t->si);
    t->focus_frame = cfg->focus_frame;
    snprintf(t->focus_property, sizeof t->focus_property, "%s",
             cfg->focus_property ? cfg->focus_property : "");

    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, EXPERT_STACK_SIZE);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int e = pthread_create(&th, &at, expert_thread, t);
    pthread_attr_destroy(&at);
    if (e != 0) {
        trun_put(t);
        trun_put(t);
        dl_close(dl);
        res->outcome = NMX_RUN_LOAD_FAILED;
        snprintf(res->message, sizeof res->message, "cannot start the expert's thread: %s",
                 strerror(e));
        return NMX_OK;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool stopped = false;
    bool done = wait_done(t, cfg->stop, cfg->timeout_ms, &t0, &stopped);
    bool timed_out = false;
    if (!done) {
        /* Ask it to stop, then give it the grace period. */
        timed_out = !stopped;
        nmx_session_terminate(ctx->key);
        uint32_t grace = cfg->grace_ms ? cfg->grace_ms : 2000;
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        done = wait_done(t, NULL, grace, &t1, &stopped);
    }
    pthread_mutex_lock(&t->m);
    done = t->done;
    res->run_returned = t->returned;
    res->run_value = t->value != 0;
    res->signal = t->sig;
    pthread_mutex_unlock(&t->m);

    if (!done) {
        res->outcome = stopped ? NMX_RUN_TERMINATED : NMX_RUN_TIMEOUT;
        ctx->abandoned = res->abandoned = true; /* the thread keeps its reference */
    } else if (res->signal) {
        res->outcome = NMX_RUN_CRASHED;
    } else if (stopped || ctx->terminated_for_misuse) {
        res->outcome = NMX_RUN_TERMINATED;
    } else if (timed_out) {
        res->outcome = NMX_RUN_TIMEOUT; /* stopped after the request, within grace */
    } else {
        res->outcome = res->run_value ? NMX_RUN_COMPLETED : NMX_RUN_FAILED;
    }
    trun_put(t);
    if (done && !res->signal) {
        pipe_block(&old_mask);
        if (dllmain)
            dllmain((HINSTANCE)dl, DLL_PROCESS_DETACH, NULL);
        dl_close(dl);
        pipe_restore(&old_mask);
    }
    /* A crashed or abandoned expert's object stays mapped: its code may still
     * be on a stack, or its destructors may be as broken as its Run. */
    return NMX_OK;
}
