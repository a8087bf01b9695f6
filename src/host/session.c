/*
 * Sessions: one heap per Run/Configure, named by an unforgeable key (the
 * heap's token), plus the host-side state the Expert* functions use (the
 * capture, the display filter, the startup information), plus the host's own
 * heap for blocks adopted from sessions.
 *
 * Host-side session objects are pooled and never freed. An Expert* call
 * enters the object and checks that it still belongs to its key, so a call
 * racing with the end of its session either completes before the end or is
 * refused with NMERR_INVALID_EXPERT_HANDLE; it never touches freed memory.
 *
 * Entering is the biased lock of the heaps (src/mem/bias.h), applied to the
 * session's mutex: the thread that calls most (the expert's) becomes the
 * session's owner and enters with plain stores and loads: it marks itself
 * inside the session in its thread record (inside_obj), then reads bias_off;
 * clear, it goes on without the mutex. Everything else (another thread, the
 * owner before it is named or after a revocation, the end of the session)
 * takes the mutex and, if a bias is on, revokes it: sets bias_off, runs the
 * process-wide barrier and waits until the owner is not inside. Ending a
 * session therefore waits for the call inside, and a later call of the owner
 * finds bias_off set, takes the mutex and finds the key changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/host.h"
#include "mem/bias.h"
#include "mem/key.h"

static inline uint64_t key_token(nmx_key k)
{
    return (uint64_t)(uintptr_t)k;
}

/* ---- host heap ------------------------------------------------------- */

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static nmx_heap *host_heap;

static void host_init(void)
{
    nmx_heap_config cfg = {.version = NMX_HEAP_CONFIG_VERSION, .name = "host"};
    if (nmx_heap_create(&cfg, &host_heap) != NMX_OK)
        host_heap = NULL;
}

static nmx_heap *host(void)
{
    pthread_once(&host_once, host_init);
    return host_heap;
}

/* ---- session pool ---------------------------------------------------- */

/* The session lock this thread holds inside an Expert* call, so that thread
 * isolation can release it when the expert faults in the middle of one. */
static __thread struct nmx_session *tl_held __attribute__((tls_model("initial-exec")));


/* The session the calling thread acts for (nmx_session_bind_thread): the
 * owner of the display filters CreateFilter makes, and the home of the
 * dissections behind the frame functions that take no key. */
static __thread uint64_t tl_bound __attribute__((tls_model("initial-exec")));

void nmx_session_bind_thread(nmx_key key)
{
    tl_bound = key_token(key);
}

uint64_t nmx__session_bound(void)
{
    return tl_bound;
}

struct nmx_session *nmx__session_enter_bound(void)
{
    if (!tl_bound)
        return NULL;
    DWORD e;
    bool term;
    return nmx__session_enter_any((HEXPERTKEY)(uintptr_t)tl_bound, &e, &term);
}

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nmx_session *pool_free;

static void pool_prepare(void) { pthread_mutex_lock(&pool_lock); }
static void pool_parent(void) { pthread_mutex_unlock(&pool_lock); }
static void pool_child(void) { pthread_mutex_init(&pool_lock, NULL); }
__attribute__((constructor)) static void pool_atfork(void)
{
    pthread_atfork(pool_prepare, pool_parent, pool_child);
}

static struct nmx_session *session_get(void)
{
    pthread_mutex_lock(&pool_lock);
    struct nmx_session *s = pool_free;
    if (s)
        pool_free = s->next_free;
    pthread_mutex_unlock(&pool_lock);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (s) {
            pthread_mutex_init(&s->lock, NULL);
            atomic_init(&s->bias_owner, NULL);
            atomic_init(&s->bias_off, 1);
            atomic_init(&s->key, 0);
        }
    }
    return s;
}

static void session_put(struct nmx_session *s)
{
    pthread_mutex_lock(&pool_lock);
    s->next_free = pool_free;
    pool_free = s;
    pthread_mutex_unlock(&pool_lock);
}

void nmx__session_set_event_view(nmx_key key, bool on)
{
    DWORD e;
    bool term;
    struct nmx_session *s = nmx__session_enter_any((HEXPERTKEY)(uintptr_t)key, &e, &term);
    if (!s)
        return;
    s->event_view = on;
    nmx__session_leave(s);
}

struct nmx_session *nmx__session_enter(HEXPERTKEY key, DWORD *e)
{
    bool term;
    struct nmx_session *s = nmx__session_enter_any(key, e, &term);
    if (s && term) {
        nmx__session_leave(s);
        *e = NMERR_EXPERT_TERMINATE;
        return NULL;
    }
    return s;
}

/* The session this thread entered last and its key: where the owner's
 * calls look first. A stale pair is harmless: the object is never freed,
 * and entering checks that it still belongs to the key. */
static __thread uint64_t tl_skey __attribute__((tls_model("initial-exec")));
static __thread struct nmx_session *tl_sess __attribute__((tls_model("initial-exec")));

#define REBIAS_FIRST 8u
#define REBIAS_MAX (1u << 20)

/* With s->lock held: afterwards no owner is inside s without the lock. */
static void session_revoke(struct nmx_session *s)
{
    struct nmx__trec *o = atomic_load_explicit(&s->bias_owner, memory_order_relaxed);
    /* (the owner itself, holding the lock, is not inside without it) */
    if (!o || o == nmx__tl_rec || atomic_load_explicit(&s->bias_off, memory_order_relaxed))
        return;
    atomic_store_explicit(&s->bias_off, 1, memory_order_seq_cst);
    if (s->rebias_after < REBIAS_MAX)
        s->rebias_after *= 2;
    nmx__bias_wait_out(o, s);
}

/* The owner's way in: true when this thread is inside s without the lock
 * and s still belongs to `token`. */
static inline bool session_enter_biased(struct nmx_session *s, uint64_t token)
{
    struct nmx__trec *r = nmx__tl_rec;
    if (!r || atomic_load_explicit(&s->bias_owner, memory_order_relaxed) != r ||
        atomic_load_explicit(&r->inside_obj, memory_order_relaxed) != NULL)
        return false;
    atomic_store_explicit(&r->inside_obj, s, memory_order_relaxed);
    /* only the compiler is kept from reordering: the processor's part is
     * the revoker's barrier (mem/bias.h) */
    atomic_signal_fence(memory_order_seq_cst);
    if (!atomic_load_explicit(&s->bias_off, memory_order_acquire) &&
        atomic_load_explicit(&s->bias_owner, memory_order_relaxed) == r &&
        atomic_load_explicit(&s->key, memory_order_relaxed) == token)
        return true;
    atomic_store_explicit(&r->inside_obj, NULL, memory_order_release);
    return false;
}

/* With s->lock held, the bias revoked, s belonging to the caller's key: a
 * thread that takes the lock rebias_after times in a row becomes the owner
 * (doubled at every revocation, so that a session entered by turns from
 * several threads stops being biased). */
static void session_streak(struct nmx_session *s)
{
    struct nmx__trec *r = nmx__tl_rec ? nmx__tl_rec : nmx__trec_get();
    if (!r)
        return;
    if (s->streak_rec != r) {
        s->streak_rec = r;
        s->streak = 0;
    }
    if (++s->streak >= s->rebias_after &&
        atomic_load_explicit(&nmx__bias_on, memory_order_relaxed)) {
        s->streak = 0;
        atomic_store_explicit(&s->bias_owner, r, memory_order_relaxed);
        atomic_store_explicit(&s->bias_off, 0, memory_order_release);
    }
}

__attribute__((noinline)) static struct nmx_session *session_enter_slow(HEXPERTKEY key, DWORD *e,
                                                                       bool *terminating)
{
    nmx_heap *h = NULL;
    nmx_err r = nmx_key_check(key_token(key), &h);
    *terminating = r == NMX_ETERMINATE;
    if (r != NMX_OK && r != NMX_ETERMINATE) {
        *e = nmx_err_to_nmerr(r);
        return NULL;
    }
    struct nmx_session *s = nmx_heap_userdata(h);
    if (!s) {
        *e = NMERR_INVALID_EXPERT_HANDLE;
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    session_revoke(s);
    if (atomic_load_explicit(&s->key, memory_order_relaxed) != key_token(key)) {
        pthread_mutex_unlock(&s->lock);
        *e = NMERR_INVALID_EXPERT_HANDLE;
        return NULL;
    }
    /* the flag is read again inside: a termination of the meantime counts */
    *terminating = atomic_load_explicit(s->term, memory_order_acquire);
    session_streak(s);
    tl_skey = key_token(key);
    tl_sess = s;
    tl_held = s;
    return s;
}

struct nmx_session *nmx__session_enter_any(HEXPERTKEY key, DWORD *e, bool *terminating)
{
    struct nmx_session *s = tl_sess;
    if (__builtin_expect(s && tl_skey == key_token(key) && key_token(key) != 0 &&
                             session_enter_biased(s, key_token(key)),
                         1)) {
        *terminating = atomic_load_explicit(s->term, memory_order_acquire);
        tl_held = s;
        return s;
    }
    return session_enter_slow(key, e, terminating);
}

/* How s was entered by this thread: as its owner without the lock, or with
 * the lock (the owner is not inside the same session twice: a nested call
 * on one session would wait for itself on the mutex). */
static inline void session_exit(struct nmx_session *s)
{
    struct nmx__trec *r = nmx__tl_rec;
    if (r && atomic_load_explicit(&r->inside_obj, memory_order_relaxed) == s)
        atomic_store_explicit(&r->inside_obj, NULL, memory_order_release);
    else
        pthread_mutex_unlock(&s->lock);
}

void nmx__session_leave(struct nmx_session *s)
{
    tl_held = NULL;
    session_exit(s);
}

void nmx__session_unlock_held(void)
{
    struct nmx_session *s = tl_held;
    if (s) {
        tl_held = NULL;
        session_exit(s);
    }
}

nmx_err nmx_session_open(const nmx_session_config *cfg, nmx_key *key)
{
    if (!key)
        return NMX_EINVAL;
    *key = NULL;
    if (cfg && cfg->version != NMX_SESSION_CONFIG_VERSION)
        return NMX_EINVAL;
    struct _CAPTURE *hc = NULL;
    if (cfg && cfg->capture && !(hc = nmx__hcap_get(cfg->capture)))
        return NMX_EINVAL;
    nmx_heap_config hcfg = {
        .version = NMX_HEAP_CONFIG_VERSION,
        .flags = cfg ? cfg->heap_flags : 0,
        .quota_bytes = cfg ? cfg->memory_limit : 0,
        .name = cfg && cfg->name ? cfg->name : "session",
    };
    struct nmx_session *s = session_get();
    if (!s)
        return NMX_ENOMEM;
    nmx_heap *h;
    nmx_err e = nmx_heap_create(&hcfg, &h);
    if (e != NMX_OK) {
        session_put(s);
        return e;
    }
    pthread_mutex_lock(&s->lock);
    /* (a pooled object: no bias survives its last session, see close) */
    atomic_store_explicit(&s->bias_owner, NULL, memory_order_relaxed);
    atomic_store_explicit(&s->bias_off, 1, memory_order_relaxed);
    s->streak = 0;
    s->streak_rec = NULL;
    s->rebias_after = REBIAS_FIRST;
    s->term = nmx__heap_term_flag(h);
    atomic_store_explicit(&s->key, nmx_heap_token(h), memory_order_relaxed);
    s->hcap = hc;
    s->ui_filter = cfg ? cfg->ui_filter : NULL;
    s->dis_cap = NULL;
    snprintf(s->name, sizeof s->name, "%s", hcfg.name);
    s->on_event = cfg ? cfg->on_event : NULL;
    s->event_ud = cfg ? cfg->event_ud : NULL;
    s->event_view = false;
    s->on_status = cfg ? cfg->on_status : NULL;
    s->status_ud = cfg ? cfg->status_ud : NULL;
    memset(&s->status, 0, sizeof s->status);
    s->status.frame = INVALID_FRAME_NUMBER;
    s->nevents = 0;
    memset(&s->startup, 0, sizeof s->startup);
    s->startup.hCapture = hc;
    /* C5: the focus fields are zero when nothing has the focus. */
    s->startup.dwFrameNumber =
        cfg && cfg->focus_frame != INVALID_FRAME_NUMBER ? cfg->focus_frame : 0;
    if (hc) {
        const char *name = nmx_capture_name(hc->cap);
        snprintf(s->startup.szCaptureFile, sizeof s->startup.szCaptureFile, "%s",
                 name ? name : "");
    }
    *key = (nmx_key)(uintptr_t)nmx_heap_token(h);
    pthread_mutex_unlock(&s->lock);
    nmx_heap_set_userdata(h, s);
    return NMX_OK;
}

nmx_heap *nmx_session_heap(nmx_key key)
{
    nmx_heap *h = NULL;
    nmx_err e = nmx_key_check(key_token(key), &h);
    return e == NMX_OK || e == NMX_ETERMINATE ? h : NULL;
}

nmx_err nmx_session_close(nmx_key key, nmx_heap_report *report)
{
    nmx_heap *h = nmx_session_heap(key);
    if (!h)
        return NMX_EBADKEY;
    struct nmx_session *s = nmx_heap_userdata(h);
    if (s) {
        /* Waits for an Expert* call in progress on this session: one that
         * holds the lock, or the owner's, inside without it (revoked). */
        pthread_mutex_lock(&s->lock);
        session_revoke(s);
        if (atomic_load_explicit(&s->key, memory_order_relaxed) != key_token(key)) {
            pthread_mutex_unlock(&s->lock);
            return NMX_EBADKEY; /* closed by another thread meanwhile */
        }
        /* every later call takes the lock and finds the key changed */
        atomic_store_explicit(&s->bias_owner, NULL, memory_order_relaxed);
        atomic_store_explicit(&s->key, 0, memory_order_relaxed);
        s->hcap = NULL;
        nmx_dissector_free(s->dis);
        s->dis = NULL;
        s->dis_cap = NULL;
        s->ui_filter = NULL;
        s->on_event = NULL;
        s->on_status = NULL;
        pthread_mutex_unlock(&s->lock);
    }
    /* The display filters the session created die with it: a handle kept
     * past the end is then unknown, never a dangling pointer. */
    nmx_filter_free_owned(key_token(key));
    if (tl_bound == key_token(key))
        tl_bound = 0;
    nmx_err e = nmx_heap_destroy(h, report);
    if (s)
        session_put(s);
    return e;
}

nmx_err nmx_session_terminate(nmx_key key)
{
    nmx_heap *h = nmx_session_heap(key);
    if (!h)
        return NMX_EBADKEY;
    nmx_heap_terminate(h);
    return NMX_OK;
}

nmx_err nmx_session_stats(nmx_key key, nmx_heap_stats *st)
{
    nmx_heap *h = nmx_session_heap(key);
    if (!h || !st)
        return h ? NMX_EINVAL : NMX_EBADKEY;
    nmx_heap_get_stats(h, st);
    return NMX_OK;
}

nmx_err nmx_session_status(nmx_key key, nmx_status *st, uint64_t *events)
{
    DWORD rc;
    bool term;
    struct nmx_session *s = nmx__session_enter_any(key, &rc, &term);
    if (!s)
        return NMX_EBADKEY;
    if (st)
        *st = s->status;
    if (events)
        *events = s->nevents;
    nmx__session_leave(s);
    return NMX_OK;
}

void *nmx_session_adopt(nmx_key key, void *block, nmx_err *err)
{
    nmx_heap *h = nmx_session_heap(key), *hh = host();
    if (!h || !hh) {
        if (err)
            *err = h ? NMX_ENOMEM : NMX_EBADKEY;
        return NULL;
    }
    return nmx_heap_handover(h, block, hh, err);
}

void *nmx_host_alloc(size_t n, nmx_err *err)
{
    nmx_heap *hh = host();
    if (!hh) {
        if (err)
            *err = NMX_ENOMEM;
        return NULL;
    }
    return nmx_heap_alloc(hh, n, err);
}

nmx_err nmx_host_free(void *p)
{
    nmx_heap *hh = host();
    return hh ? nmx_heap_free(hh, p) : NMX_EBADPTR;
}

size_t nmx_host_size(const void *p)
{
    nmx_heap *hh = host();
    return hh ? nmx_heap_size(hh, p, NULL) : 0;
}

/* ---- ExpertGetStartupInfo (spec 4.7, C5) ------------------------------ */

DWORD WINAPI ExpertGetStartupInfo(HEXPERTKEY hExpertKey, PEXPERTSTARTUPINFO pExpertStartupInfo)
{
    DWORD rc;
    struct nmx_session *s = nmx__session_enter(hExpertKey, &rc);
    if (!s)
        return rc;
    if (!pExpertStartupInfo) {
        nmx__session_leave(s);
        return NMERR_INVALID_PARAMETER;
    }
    *pExpertStartupInfo = s->startup;
    nmx__session_leave(s);
    return NMERR_SUCCESS;
}

/* ---- children ----------------------------------------------------------- */

void nmx__child_default_signals(void)
{
    const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        signal(faults[i], SIG_DFL);
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
}

pid_t nmx__fork_piped(int *fd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    fflush(NULL);
    pid_t pid = nmx__gate_fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        errno = e;
        return -1;
    }
    close(p[pid == 0 ? 0 : 1]);
    *fd = p[pid == 0 ? 1 : 0];
    return pid;
}

/* ---- small I/O helpers -------------------------------------------------- */

void nmx__write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

/* ---- log --------------------------------------------------------------- */

static _Atomic(nmx_log_fn) log_fn;
static _Atomic(void *) log_ud;

void nmx_set_log_fn(nmx_log_fn fn, void *ud)
{
    atomic_store(&log_ud, ud);
    atomic_store(&log_fn, fn);
}

void nmx__log(const char *fmt, ...)
{
    if (getenv("NMX_QUIET"))
        return;
    char line[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    nmx_log_fn fn = atomic_load(&log_fn);
    if (fn)
        fn(line, atomic_load(&log_ud));
    else
        fprintf(stderr, "nmexpert: %s\n", line);
}
