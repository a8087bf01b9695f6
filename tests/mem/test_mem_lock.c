/*
 * The heap lock under concurrency: one thread hammers its heap while
 * another keeps taking the same heap (stats, size queries, frees of blocks
 * handed to it), counters exact at the end; a heap ended by another thread
 * while its user is running; heaps in use by several threads across fork.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nmx_test.h"
#include "nmexpert/mem.h"

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static nmx_heap *mk(uint32_t flags)
{
    nmx_heap_config c = {.version = NMX_HEAP_CONFIG_VERSION, .flags = flags, .name = "lock"};
    nmx_heap *h = NULL;
    assert_int_equal(nmx_heap_create(&c, &h), NMX_OK);
    return h;
}

/* ---- owner + intruder ------------------------------------------------ */

#define QCAP 4096u

struct handoff {
    pthread_mutex_t mu;
    void *p[QCAP];
    size_t n[QCAP];
    unsigned head, tail; /* tail - head blocks queued */
};

struct shared {
    nmx_heap *h;
    struct handoff q;
    atomic_bool owner_done;
    /* results */
    uint64_t owner_allocs, owner_alloc_bytes, owner_frees, owner_free_bytes;
    uint64_t other_frees, other_free_bytes, other_ops;
    int owner_err, other_err;
};

static void *owner_main(void *arg)
{
    struct shared *s = arg;
    nmx_heap *h = s->h;
    enum { LIVE = 512 };
    void *live[LIVE] = {0};
    size_t lsz[LIVE] = {0};
    uint64_t x = 0x243F6A8885A308D3ull;
    for (int i = 0; i < 300000 && !s->owner_err; i++) {
        unsigned k = (unsigned)(xorshift(&x) % LIVE);
        if (live[k]) {
            if (nmx_heap_size(h, live[k], NULL) != lsz[k]) {
                s->owner_err = 1;
                break;
            }
            if (xorshift(&x) % 4 == 0) { /* hand it to the other thread */
                pthread_mutex_lock(&s->q.mu);
                bool full = s->q.tail - s->q.head == QCAP;
                if (!full) {
                    s->q.p[s->q.tail % QCAP] = live[k];
                    s->q.n[s->q.tail % QCAP] = lsz[k];
                    s->q.tail++;
                }
                pthread_mutex_unlock(&s->q.mu);
                if (!full) {
                    live[k] = NULL;
                    continue;
                }
            }
            if (nmx_heap_free(h, live[k]) != NMX_OK) {
                s->owner_err = 2;
                break;
            }
            s->owner_frees++;
            s->owner_free_bytes += lsz[k];
            live[k] = NULL;
        } else {
            size_t n = (size_t)(xorshift(&x) % 2000) + (xorshift(&x) % 500 == 0 ? 100000u : 0u);
            nmx_err e;
            uint8_t *p = nmx_heap_alloc(h, n, &e);
            if (!p || e != NMX_OK) {
                s->owner_err = 3;
                break;
            }
            memset(p, 0x5A, n);
            live[k] = p;
            lsz[k] = n;
            s->owner_allocs++;
            s->owner_alloc_bytes += n;
        }
    }
    for (unsigned k = 0; k < LIVE; k++)
        if (live[k]) {
            if (nmx_heap_free(h, live[k]) != NMX_OK)
                s->owner_err = 5;
            s->owner_frees++;
            s->owner_free_bytes += lsz[k];
        }
    atomic_store(&s->owner_done, true);
    return NULL;
}

static void *other_main(void *arg)
{
    struct shared *s = arg;
    nmx_heap *h = s->h;
    for (;;) {
        bool done = atomic_load(&s->owner_done);
        void *p = NULL;
        size_t n = 0;
        pthread_mutex_lock(&s->q.mu);
        if (s->q.tail != s->q.head) {
            p = s->q.p[s->q.head % QCAP];
            n = s->q.n[s->q.head % QCAP];
            s->q.head++;
        }
        pthread_mutex_unlock(&s->q.mu);
        if (p) {
            nmx_err e;
            if (nmx_heap_size(h, p, &e) != n || e != NMX_OK || !nmx_heap_owns(h, p)) {
                s->other_err = 1;
                break;
            }
            if (n && ((uint8_t *)p)[n - 1] != 0x5A) {
                s->other_err = 2;
                break;
            }
            /* (not owns() afterwards: the owner may get the address again) */
            if (nmx_heap_free(h, p) != NMX_OK) {
                s->other_err = 3;
                break;
            }
            s->other_frees++;
            s->other_free_bytes += n;
        } else if (done) {
            break;
        }
        nmx_heap_stats st;
        nmx_heap_get_stats(h, &st);
        if (st.cur_blocks > st.total_blocks || st.cur_bytes > st.total_bytes ||
            st.misuse_total != 0 || st.cur_blocks > st.peak_blocks) {
            s->other_err = 4;
            break;
        }
        s->other_ops++;
    }
    return NULL;
}

static void run_owner_and_other(uint32_t flags)
{
    struct shared *s = calloc(1, sizeof *s);
    assert_non_null(s);
    pthread_mutex_init(&s->q.mu, NULL);
    s->h = mk(flags);
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, owner_main, s), 0);
    assert_int_equal(pthread_create(&b, NULL, other_main, s), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert_int_equal(s->owner_err, 0);
    assert_int_equal(s->other_err, 0);
    assert_true(s->other_frees > 0);
    nmx_heap_stats st;
    nmx_heap_get_stats(s->h, &st);
    assert_int_equal(st.total_blocks, s->owner_allocs);
    assert_int_equal(st.total_bytes, s->owner_alloc_bytes);
    assert_int_equal(st.cur_blocks, s->owner_allocs - s->owner_frees - s->other_frees);
    assert_int_equal(st.cur_bytes,
                     s->owner_alloc_bytes - s->owner_free_bytes - s->other_free_bytes);
    assert_int_equal(st.cur_blocks, 0);
    assert_int_equal(st.misuse_total, 0);
    assert_int_equal(st.failed_allocs, 0);
    nmx_heap_report r;
    assert_int_equal(nmx_heap_destroy(s->h, &r), NMX_OK);
    assert_int_equal(r.leaked_blocks, 0);
    assert_int_equal(r.overruns, 0);
    nmx_heap_report_free(&r);
    pthread_mutex_destroy(&s->q.mu);
    free(s);
}

static void t_owner_and_other(void **st)
{
    (void)st;
    for (int round = 0; round < 3; round++)
        run_owner_and_other(round == 1 ? NMX_HEAP_UNINIT : NMX_HEAP_CHECK_ON_DESTROY);
}

/* ---- heap ended by another thread while its owner runs ----------------- */

struct runner {
    uint64_t key;
    atomic_int started;
    int ended_seen;
    int err;
};

static void *runner_main(void *arg)
{
    struct runner *r = arg;
    nmx_heap *h = NULL;
    if (nmx_key_check(r->key, &h) != NMX_OK) {
        r->err = 1;
        return NULL;
    }
        void *live[128] = {0};
    uint64_t x = 0xA4093822299F31D0ull;
    atomic_store(&r->started, 1);
    for (;;) {
        unsigned k = (unsigned)(xorshift(&x) % 128);
        if (live[k]) {
            nmx_err e = nmx_key_free(r->key, live[k]);
            if (e == NMX_EBADKEY) {
                r->ended_seen = 1;
                return NULL;
            }
            if (e != NMX_OK) {
                r->err = 2;
                return NULL;
            }
            live[k] = NULL;
        } else {
            nmx_err e;
            void *p = nmx_key_alloc(r->key, (size_t)(xorshift(&x) % 3000), &e, NULL);
            if (!p) {
                if (e == NMX_EBADKEY) {
                    r->ended_seen = 1;
                    return NULL;
                }
                r->err = 3;
                return NULL;
            }
            live[k] = p;
        }
    }
}

static void t_end_from_other_thread(void **st)
{
    (void)st;
    for (int round = 0; round < 30; round++) {
        nmx_heap *h = mk(0);
        struct runner r = {.key = nmx_heap_token(h)};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, runner_main, &r), 0);
        while (!atomic_load(&r.started))
            sched_yield();
        usleep((useconds_t)(200 + round * 100));
        nmx_heap_stats s;
        nmx_heap_get_stats(h, &s); /* takes the heap from the owner once */
        usleep(200);
        assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);
        pthread_join(t, NULL);
        assert_int_equal(r.err, 0);
        assert_int_equal(r.ended_seen, 1);
    }
}

/* ---- fork ------------------------------------------------------------- */

struct forky {
    nmx_heap *h;
    void *p;
    atomic_int state; /* 1: bound and holding p; 2: may exit */
};

static void *bind_and_wait(void *arg)
{
    struct forky *f = arg;
        f->p = nmx_heap_alloc(f->h, 77, NULL);
    atomic_store(&f->state, 1);
    while (atomic_load(&f->state) != 2)
        usleep(100);
    return NULL;
}

static struct forky *g_fork;
static nmx_heap *g_mine;
static void *g_mine_p;

static void in_child(void *arg)
{
    (void)arg;
    /* a heap owned by this thread, and one owned by a thread that did not
     * survive the fork */
    if (nmx_heap_size(g_mine, g_mine_p, NULL) != 33 || nmx_heap_free(g_mine, g_mine_p) != NMX_OK)
        _exit(20);
    if (nmx_heap_size(g_fork->h, g_fork->p, NULL) != 77 ||
        nmx_heap_free(g_fork->h, g_fork->p) != NMX_OK)
        _exit(21);
    for (int i = 0; i < 1000; i++) {
        void *p = nmx_heap_alloc(g_fork->h, (size_t)i, NULL), *q = nmx_heap_alloc(g_mine, 5, NULL);
        if (!p || !q || nmx_heap_free(g_fork->h, p) != NMX_OK || nmx_heap_free(g_mine, q) != NMX_OK)
            _exit(22);
    }
    if (nmx_heap_destroy(g_fork->h, NULL) != NMX_OK || nmx_heap_destroy(g_mine, NULL) != NMX_OK)
        _exit(23);
}

static void t_fork_with_owners(void **st)
{
    (void)st;
    struct forky f = {.h = mk(0)};
    g_fork = &f;
    g_mine = mk(0);
        g_mine_p = nmx_heap_alloc(g_mine, 33, NULL);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, bind_and_wait, &f), 0);
    while (atomic_load(&f.state) != 1)
        usleep(100);
    assert_child_clean(nmx_test_in_child(in_child, NULL));
    atomic_store(&f.state, 2);
    pthread_join(t, NULL);
    /* the parent is unaffected */
    assert_int_equal(nmx_heap_size(f.h, f.p, NULL), 77);
    assert_int_equal(nmx_heap_size(g_mine, g_mine_p, NULL), 33);
    assert_int_equal(nmx_heap_destroy(f.h, NULL), NMX_OK);
    assert_int_equal(nmx_heap_destroy(g_mine, NULL), NMX_OK);
}

/* ---- owners that exit --------------------------------------------------- */

static void *alloc_and_exit(void *arg)
{
    nmx_heap *h = arg;
        for (int i = 0; i < 100; i++)
        nmx_heap_free(h, nmx_heap_alloc(h, (size_t)i, NULL));
    return nmx_heap_alloc(h, 10, NULL);
}

static void t_owner_threads_exit(void **st)
{
    (void)st;
    nmx_heap *hs[8];
    for (int i = 0; i < 8; i++)
        hs[i] = mk(0);
    for (int round = 0; round < 200; round++) {
        pthread_t t;
        nmx_heap *h = hs[round % 8];
        assert_int_equal(pthread_create(&t, NULL, alloc_and_exit, h), 0);
        void *p = NULL;
        pthread_join(t, &p);
        assert_non_null(p);
        assert_int_equal(nmx_heap_size(h, p, NULL), 10);
        assert_int_equal(nmx_heap_free(h, p), NMX_OK);
    }
    for (int i = 0; i < 8; i++) {
        nmx_heap_stats s;
        nmx_heap_get_stats(hs[i], &s);
        assert_int_equal(s.cur_blocks, 0);
        assert_int_equal(s.total_blocks, 25 * 101);
        assert_int_equal(nmx_heap_destroy(hs[i], NULL), NMX_OK);
    }
}

/* ---- NULL error pointers from many threads -------------------------------- */

/* Every heap call may be given a NULL error pointer, from any thread, each
 * thread on its own heap: nothing is shared between them, so a race here
 * is the library's (the ThreadSanitizer stage of scripts/run-tests runs
 * this). */
static void *null_err_worker(void *arg)
{
    nmx_heap *h = arg;
    for (int i = 0; i < 2000; i++) {
        void *p = nmx_heap_alloc(h, (size_t)(i % 300) + 1, NULL);
        p = nmx_heap_realloc(h, p, (size_t)(i % 500) + 1, NULL);
        if (!p || nmx_heap_size(h, p, NULL) != (size_t)(i % 500) + 1)
            return (void *)1;
        nmx_heap_free(h, p);
        (void)nmx_heap_alloc(NULL, 1, NULL); /* an error written through NULL */
    }
    return NULL;
}

static void t_null_err_threads(void **st)
{
    (void)st;
    enum { N = 4 };
    nmx_heap *hs[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        hs[i] = mk(0);
        assert_int_equal(pthread_create(&t[i], NULL, null_err_worker, hs[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        void *r = (void *)1;
        pthread_join(t[i], &r);
        assert_null(r);
        assert_int_equal(nmx_heap_destroy(hs[i], NULL), NMX_OK);
    }
}


/* ---- misuse from several threads ---------------------------------------- */

/* Pointers a heap does not own, refused through the keyed calls by several
 * threads at once, mixed with good frees: every one is counted, by kind,
 * and the handler is called once per misuse, one call at a time (a plain
 * counter, which the thread sanitizer checks; a nesting check as well). */
struct mthr {
    uint64_t key;
    void *foreign, *interior, *freed;
    int err;
};

static uint64_t g_handler_calls; /* plain: the handler is serialized */
static atomic_int g_in_handler, g_handler_overlap;

static void counting_handler(nmx_heap *h, const nmx_misuse *m, void *ud)
{
    (void)h;
    (void)m;
    (void)ud;
    if (atomic_fetch_add(&g_in_handler, 1) != 0)
        atomic_store(&g_handler_overlap, 1);
    g_handler_calls++;
    atomic_fetch_sub(&g_in_handler, 1);
}

enum { MT_THREADS = 4, MT_ROUNDS = 20000 };

static void *misuse_worker(void *arg)
{
    struct mthr *t = arg;
    int local = 0;
    for (int i = 0; i < MT_ROUNDS && !t->err; i++) {
        nmx_err e = NMX_OK;
        if (nmx_key_free(t->key, t->foreign) != NMX_EBADPTR ||
            nmx_key_size(t->key, t->interior, &e) != 0 || e != NMX_EBADPTR ||
            nmx_key_free(t->key, &local) != NMX_EBADPTR ||
            nmx_key_free(t->key, t->freed) != NMX_EBADPTR)
            t->err = 1;
        void *p = nmx_key_alloc(t->key, (size_t)(i % 300), &e, NULL);
        if (!p || nmx_key_free(t->key, p) != NMX_OK)
            t->err = 2;
    }
    return NULL;
}

static void t_misuse_from_threads(void **st)
{
    (void)st;
    nmx_heap *h = mk(0), *other = mk(0);
    void *own = nmx_heap_alloc(h, 100, NULL), *theirs = nmx_heap_alloc(other, 40, NULL);
    void *freed = nmx_heap_alloc(h, 5000, NULL); /* a class the workers do not use */
    assert_non_null(own);
    assert_non_null(theirs);
    assert_non_null(freed);
    assert_int_equal(nmx_heap_free(h, freed), NMX_OK);
    g_handler_calls = 0;
    atomic_store(&g_handler_overlap, 0);
    nmx_heap_set_misuse_handler(h, counting_handler, NULL);
    struct mthr t[MT_THREADS];
    pthread_t id[MT_THREADS];
    for (int i = 0; i < MT_THREADS; i++) {
        t[i] = (struct mthr){nmx_heap_token(h), theirs, (char *)own + 1, freed, 0};
        assert_int_equal(pthread_create(&id[i], NULL, misuse_worker, &t[i]), 0);
    }
    for (int i = 0; i < MT_THREADS; i++) {
        pthread_join(id[i], NULL);
        assert_int_equal(t[i].err, 0);
    }
    nmx_heap_stats s;
    nmx_heap_get_stats(h, &s);
    uint64_t each = (uint64_t)MT_THREADS * MT_ROUNDS;
    if (nmx_mem_mode_get() == NMX_MEM_ARENA) {
        assert_int_equal(s.misuse[NMX_MISUSE_WILD], each);
        assert_int_equal(s.misuse[NMX_MISUSE_INTERIOR], each);
        assert_int_equal(s.misuse[NMX_MISUSE_FOREIGN], each);
        assert_int_equal(s.misuse[NMX_MISUSE_DOUBLE], each);
    } else { /* malloc mode's per-heap set knows its own blocks only */
        assert_int_equal(s.misuse[NMX_MISUSE_WILD], 4 * each);
    }
    assert_int_equal(s.misuse_total, 4 * each);
    assert_int_equal(g_handler_calls, 4 * each);
    assert_int_equal(atomic_load(&g_handler_overlap), 0);
    assert_int_equal(s.cur_blocks, 1);
    /* the other heap saw nothing */
    nmx_heap_get_stats(other, &s);
    assert_int_equal(s.misuse_total, 0);
    assert_int_equal(nmx_heap_size(other, theirs, NULL), 40);
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);
    assert_int_equal(nmx_heap_destroy(other, NULL), NMX_OK);
}

/* A thread keeps using the key of a heap that another thread ends: its
 * refused pointers count against that heap or nowhere, never against the
 * heaps created afterwards (which reuse the slot). */
struct stale_key {
    uint64_t key;
    atomic_bool stop;
    atomic_ulong calls;
    int err;
};

static void *stale_key_worker(void *arg)
{
    struct stale_key *sk = arg;
    int local = 0;
    while (!atomic_load(&sk->stop)) {
        nmx_err e = nmx_key_free(sk->key, &local);
        if (e != NMX_EBADPTR && e != NMX_EBADKEY)
            sk->err = 1;
        atomic_fetch_add(&sk->calls, 1);
    }
    return NULL;
}

static void t_misuse_racing_heap_end(void **st)
{
    (void)st;
    for (int round = 0; round < 20; round++) {
        nmx_heap *h = mk(0);
        struct stale_key sk = {.key = nmx_heap_token(h)};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, stale_key_worker, &sk), 0);
        while (atomic_load(&sk.calls) < 1000)
            sched_yield();
        assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);
        nmx_heap *next[4];
        for (int i = 0; i < 4; i++)
            next[i] = mk(0);
        unsigned long seen = atomic_load(&sk.calls);
        while (atomic_load(&sk.calls) < seen + 2000)
            sched_yield();
        atomic_store(&sk.stop, true);
        pthread_join(t, NULL);
        assert_int_equal(sk.err, 0);
        for (int i = 0; i < 4; i++) {
            nmx_heap_stats s;
            nmx_heap_get_stats(next[i], &s);
            assert_int_equal(s.misuse_total, 0);
            assert_int_equal(nmx_heap_destroy(next[i], NULL), NMX_OK);
        }
    }
}

/* The thread named in a misuse record is the caller: on another thread, and
 * in a forked child (whose thread has a new id). */
static nmx_heap *g_tid_heap;

static int misuse_tid(nmx_heap *h)
{
    int local = 0;
    if (nmx_key_free(nmx_heap_token(h), &local) != NMX_EBADPTR)
        return -1;
    nmx_heap_stats s;
    nmx_heap_get_stats(h, &s);
    return s.last_misuse.tid;
}

static void *tid_thread(void *arg)
{
    int *ok = arg;
    *ok = misuse_tid(g_tid_heap) == (int)syscall(SYS_gettid);
    return NULL;
}

static void tid_child(void *arg)
{
    (void)arg;
    if (misuse_tid(g_tid_heap) != (int)syscall(SYS_gettid))
        _exit(31);
}

static void t_misuse_names_the_thread(void **st)
{
    (void)st;
    g_tid_heap = mk(0);
    assert_int_equal(misuse_tid(g_tid_heap), (int)syscall(SYS_gettid));
    int ok = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, tid_thread, &ok), 0);
    pthread_join(t, NULL);
    assert_true(ok);
    assert_child_clean(nmx_test_in_child(tid_child, NULL));
    assert_int_equal(misuse_tid(g_tid_heap), (int)syscall(SYS_gettid));
    assert_int_equal(nmx_heap_destroy(g_tid_heap, NULL), NMX_OK);
}

/* Live blocks asked about by one thread while another allocates and frees
 * the blocks around them (the same chunks, the same bitmap words): a live
 * block is never refused, a freed one always is. */
struct neighbours {
    uint64_t key;
    void *live[64];
    size_t size[64];
    atomic_bool stop;
    int err;
};

static void *neighbour_churn(void *arg)
{
    struct neighbours *nb = arg;
    void *mine[512] = {0};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    while (!atomic_load(&nb->stop)) {
        unsigned k = (unsigned)(xorshift(&x) % 512);
        if (mine[k]) {
            if (nmx_key_free(nb->key, mine[k]) != NMX_OK)
                nb->err = 1;
            mine[k] = NULL;
        } else {
            nmx_err e;
            mine[k] = nmx_key_alloc(nb->key, 1 + (size_t)(xorshift(&x) % 200), &e, NULL);
            if (!mine[k])
                nb->err = 2;
        }
    }
    for (unsigned k = 0; k < 512; k++)
        if (mine[k])
            nmx_key_free(nb->key, mine[k]);
    return NULL;
}

static void t_live_blocks_among_churn(void **st)
{
    (void)st;
    nmx_heap *h = mk(0);
    struct neighbours nb = {.key = nmx_heap_token(h)};
    for (int i = 0; i < 64; i++) {
        nb.size[i] = 1 + (size_t)(i * 3);
        nb.live[i] = nmx_heap_alloc(h, nb.size[i], NULL);
        assert_non_null(nb.live[i]);
    }
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, neighbour_churn, &nb), 0);
    for (int round = 0; round < 3000; round++)
        for (int i = 0; i < 64; i++) {
            nmx_err e;
            if (nmx_key_size(nb.key, nb.live[i], &e) != nb.size[i] || e != NMX_OK)
                nb.err = 3;
        }
    atomic_store(&nb.stop, true);
    pthread_join(t, NULL);
    assert_int_equal(nb.err, 0);
    nmx_heap_stats s;
    nmx_heap_get_stats(h, &s);
    assert_int_equal(s.misuse_total, 0);
    /* freed: refused and counted as double frees */
    for (int i = 0; i < 64; i++)
        assert_int_equal(nmx_key_free(nb.key, nb.live[i]), NMX_OK);
    for (int i = 0; i < 64; i++)
        assert_int_equal(nmx_key_free(nb.key, nb.live[i]), NMX_EBADPTR);
    nmx_heap_get_stats(h, &s);
    assert_int_equal(s.misuse_total, 64);
    if (nmx_mem_mode_get() == NMX_MEM_ARENA)
        assert_int_equal(s.misuse[NMX_MISUSE_DOUBLE], 64);
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);
}

/* A thread that uses its heap on its own for long stretches (the heap is
 * then biased to it and taken without the lock) while another thread now
 * and then takes the same heap (which revokes the bias): blocks never
 * overlap (each carries its owner's pattern, checked before it is freed),
 * and the counters add up. */
struct handoff2 {
    uint64_t key;
    atomic_bool done;
    uint64_t owner_allocs, other_allocs;
    int err;
};

static void *bias_owner_main(void *arg)
{
    struct handoff2 *s = arg;
    enum { LIVE = 256 };
    uint8_t *live[LIVE] = {0};
    size_t lsz[LIVE] = {0};
    uint64_t x = 0x0123456789ABCDEFull;
    for (int i = 0; i < 400000 && !s->err; i++) {
        unsigned k = (unsigned)(xorshift(&x) % LIVE);
        if (live[k]) {
            for (size_t j = 0; j < lsz[k]; j += 61)
                if (live[k][j] != (uint8_t)k)
                    s->err = 1;
            if (nmx_key_free(s->key, live[k]) != NMX_OK)
                s->err = 2;
            live[k] = NULL;
        } else {
            nmx_err e;
            size_t n = 1 + (size_t)(xorshift(&x) % 700);
            live[k] = nmx_key_alloc(s->key, n, &e, NULL);
            if (!live[k] || nmx_key_size(s->key, live[k], &e) != n) {
                s->err = 3;
                break;
            }
            memset(live[k], (int)k, n);
            lsz[k] = n;
            s->owner_allocs++;
        }
    }
    for (unsigned k = 0; k < LIVE; k++)
        if (live[k] && nmx_key_free(s->key, live[k]) != NMX_OK)
            s->err = 4;
    atomic_store(&s->done, true);
    return NULL;
}

static void t_bias_revoked_now_and_then(void **st)
{
    (void)st;
    nmx_heap *h = mk(0);
    struct handoff2 s = {.key = nmx_heap_token(h)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, bias_owner_main, &s), 0);
    while (!atomic_load(&s.done)) {
        usleep(50);
        nmx_err e;
        uint8_t *p = nmx_key_alloc(s.key, 300, &e, NULL);
        assert_non_null(p);
        memset(p, 0xEE, 300);
        usleep(20);
        for (int j = 0; j < 300; j++)
            assert_int_equal(p[j], 0xEE);
        assert_int_equal(nmx_key_free(s.key, p), NMX_OK);
        s.other_allocs++;
        nmx_heap_stats hs;
        nmx_heap_get_stats(h, &hs);
        assert_int_equal(hs.misuse_total, 0);
    }
    pthread_join(t, NULL);
    assert_int_equal(s.err, 0);
    nmx_heap_stats hs;
    nmx_heap_get_stats(h, &hs);
    assert_int_equal(hs.total_blocks, s.owner_allocs + s.other_allocs);
    assert_int_equal(hs.cur_blocks, 0);
    assert_int_equal(hs.misuse_total, 0);
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);
}

/* The heap's owner refuses pointers in a loop (it records them without the
 * spin lock while the heap is biased to it) while another thread refuses
 * pointers of the same heap now and then (each time revoking the bias, which
 * the owner then wins back): every misuse counted, the handler called once
 * per misuse and never twice at a time, the last record whole. */
struct omis {
    uint64_t key;
    void *interior;
    atomic_bool done;
    int err;
    uint64_t calls;
};

enum { OM_OWNER_CALLS = 200000, OM_OTHER_CALLS = 3000 };

static void *owner_misuser(void *arg)
{
    struct omis *o = arg;
    int local = 0;
    for (int i = 0; i < 64; i++) { /* enough lock takings to be the owner */
        void *p = nmx_key_alloc(o->key, 32, NULL, NULL);
        if (!p || nmx_key_free(o->key, p) != NMX_OK)
            o->err = 1;
    }
    for (int i = 0; i < OM_OWNER_CALLS && !o->err; i++) {
        nmx_err e = NMX_OK;
        if (i % 2 ? nmx_key_free(o->key, o->interior) != NMX_EBADPTR
                  : nmx_key_size(o->key, &local, &e) != 0 || e != NMX_EBADPTR)
            o->err = 2;
        o->calls++;
        if (i % 1000 == 999) {
            void *p = nmx_key_alloc(o->key, 48, NULL, NULL);
            if (!p || nmx_key_free(o->key, p) != NMX_OK)
                o->err = 3;
        }
    }
    atomic_store(&o->done, true);
    return NULL;
}

static void t_owner_misuse_with_other(void **st)
{
    (void)st;
    nmx_heap *h = mk(0);
    void *own = nmx_heap_alloc(h, 100, NULL);
    assert_non_null(own);
    g_handler_calls = 0;
    atomic_store(&g_handler_overlap, 0);
    nmx_heap_set_misuse_handler(h, counting_handler, NULL);
    struct omis o = {.key = nmx_heap_token(h), .interior = (char *)own + 8};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, owner_misuser, &o), 0);
    uint64_t other = 0;
    int local = 0;
    while (!atomic_load(&o.done) || other < OM_OTHER_CALLS) {
        if (other < OM_OTHER_CALLS) {
            assert_int_equal(nmx_key_free(o.key, &local), NMX_EBADPTR);
            other++;
        }
        if (other % 16 == 0)
            usleep(10);
    }
    pthread_join(t, NULL);
    assert_int_equal(o.err, 0);
    nmx_heap_stats s;
    nmx_heap_get_stats(h, &s);
    assert_int_equal(s.misuse_total, o.calls + other);
    assert_int_equal(g_handler_calls, o.calls + other);
    assert_int_equal(atomic_load(&g_handler_overlap), 0);
    assert_int_equal(s.last_misuse.op == NMX_OP_FREE || s.last_misuse.op == NMX_OP_SIZE, 1);
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_owner_and_other),
        cmocka_unit_test(t_end_from_other_thread),
        cmocka_unit_test(t_fork_with_owners),
        cmocka_unit_test(t_owner_threads_exit),
        cmocka_unit_test(t_null_err_threads),
        cmocka_unit_test(t_misuse_from_threads),
        cmocka_unit_test(t_misuse_racing_heap_end),
        cmocka_unit_test(t_misuse_names_the_thread),
        cmocka_unit_test(t_live_blocks_among_churn),
        cmocka_unit_test(t_bias_revoked_now_and_then),
        cmocka_unit_test(t_owner_misuse_with_other),
    };
    return cmocka_run_group_tests_name("heap lock", tests, NULL, NULL);
}
