/*
 * Arenas: address-space reservation, chunk hand-out in address order,
 * quarantine of released chunks and their return to the operating system by
 * a background reclaimer (so that ending a heap costs O(chunks) in the
 * caller, while the kernel's page freeing happens off the caller's path).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mem/internal.h"

_Atomic(struct arena *) nmx__top[TOP_ENTRIES];

static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static struct arena *arenas[MAX_ARENAS];
static uint32_t narenas;
static bool arenas_exhausted; /* no more address space could be reserved */
static uint32_t wrap_arena;    /* wrap-around cursor                      */
static uint32_t wrap_idx;

#define MAP_RW (PROT_READ | PROT_WRITE)
#define MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

/* Reserve `size` bytes aligned to `align` (a power of two). */
static void *reserve_aligned(size_t size, size_t align)
{
    size_t span = size + align;
    uint8_t *p = mmap(NULL, span, MAP_RW, MAP_FLAGS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t a = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = a - (uintptr_t)p, tail = span - head - size;
    if (head)
        munmap(p, head);
    if (tail)
        munmap((uint8_t *)a + size, tail);
    return (void *)a;
}

static struct arena *arena_new(void)
{
    if (narenas >= MAX_ARENAS || arenas_exhausted)
        return NULL;
    struct arena *ar = calloc(1, sizeof *ar);
    if (!ar)
        return NULL;
    ar->base = reserve_aligned(ARENA_SIZE, ARENA_SIZE);
    ar->meta = mmap(NULL, (size_t)CHUNKS_PER_ARENA * META_STRIDE, MAP_RW, MAP_FLAGS, -1, 0);
    void *cs = mmap(NULL, (size_t)CHUNKS_PER_ARENA * sizeof(uint64_t), MAP_RW, MAP_FLAGS, -1, 0);
    ar->cstate = cs == MAP_FAILED ? NULL : cs;
    if (!ar->base || ar->meta == MAP_FAILED || !cs || cs == MAP_FAILED) {
        if (ar->base)
            munmap(ar->base, ARENA_SIZE);
        if (ar->meta != MAP_FAILED && ar->meta)
            munmap(ar->meta, (size_t)CHUNKS_PER_ARENA * META_STRIDE);
        if (cs != MAP_FAILED && cs)
            munmap(cs, (size_t)CHUNKS_PER_ARENA * sizeof(uint64_t));
        free(ar);
        arenas_exhausted = true;
        return NULL;
    }
    uintptr_t top = (uintptr_t)ar->base >> ARENA_SHIFT;
    if (top >= TOP_ENTRIES) { /* address above 2^48: cannot index it */
        munmap(ar->base, ARENA_SIZE);
        munmap(ar->meta, (size_t)CHUNKS_PER_ARENA * META_STRIDE);
        munmap(cs, (size_t)CHUNKS_PER_ARENA * sizeof(uint64_t));
        free(ar);
        arenas_exhausted = true;
        return NULL;
    }
    ar->index = narenas;
    arenas[narenas++] = ar;
    atomic_store_explicit(&nmx__top[top], ar, memory_order_release);
    return ar;
}

static void claim(struct arena *ar, uint32_t idx, uint32_t n, uint64_t owner)
{
    /* The caller turns these into SMALL/LHEAD/LTAIL; EMPTY marks "owned,
     * no block yet" so that a concurrent validation sees an owned chunk. */
    for (uint32_t i = 0; i < n; i++)
        cstate_set(ar, idx + i, ST_MAKE(CK_EMPTY, owner, idx));
}

/* After every arena is used up: first fit over CK_FREE chunks, starting at a
 * rotating cursor so that the oldest-freed address space is reused first. */
static bool wrap_find(uint32_t n, struct arena **out, uint32_t *idx)
{
    for (uint32_t pass = 0; pass <= narenas; pass++) {
        uint32_t a = (wrap_arena + pass) % (narenas ? narenas : 1);
        if (a >= narenas)
            return false;
        struct arena *ar = arenas[a];
        uint32_t start = pass == 0 ? wrap_idx : 0, run = 0;
        for (uint32_t i = start; i < ar->bump; i++) {
            if (ST_KIND(cstate_get(ar, i)) == CK_FREE) {
                if (++run == n) {
                    *out = ar;
                    *idx = i + 1 - n;
                    wrap_arena = a;
                    wrap_idx = i + 1;
                    return true;
                }
            } else {
                run = 0;
            }
        }
    }
    return false;
}

bool nmx__chunks_acquire(uint32_t n, uint64_t owner, struct arena **out, uint32_t *idx)
{
    if (n == 0 || n > CHUNKS_PER_ARENA)
        return false;
    pthread_mutex_lock(&arena_lock);
    struct arena *ar = narenas ? arenas[narenas - 1] : NULL;
    if (!ar || CHUNKS_PER_ARENA - ar->bump < n)
        ar = arena_new();
    bool ok = false;
    if (ar && CHUNKS_PER_ARENA - ar->bump >= n) {
        *out = ar;
        *idx = ar->bump;
        ar->bump += n;
        ok = true;
    } else {
        ok = wrap_find(n, out, idx);
    }
    if (ok)
        claim(*out, *idx, n, owner);
    pthread_mutex_unlock(&arena_lock);
    return ok;
}

bool nmx__chunks_extend(struct arena *ar, uint32_t idx, uint32_t have, uint32_t more,
                        uint64_t owner)
{
    bool ok = false;
    pthread_mutex_lock(&arena_lock);
    uint32_t end = idx + have;
    if (ar->bump == end && CHUNKS_PER_ARENA - end >= more) {
        ar->bump += more;
        ok = true;
    } else if (end + more <= ar->bump) {
        ok = true; /* wrap-around region: all following chunks must be free */
        for (uint32_t i = end; i < end + more; i++)
            if (ST_KIND(cstate_get(ar, i)) != CK_FREE) {
                ok = false;
                break;
            }
    }
    if (ok)
        for (uint32_t i = end; i < end + more; i++)
            cstate_set(ar, i, ST_MAKE(CK_LTAIL, owner, idx));
    pthread_mutex_unlock(&arena_lock);
    return ok;
}

/* ---- reclaimer ------------------------------------------------------- */

struct rq_item {
    struct arena *ar;
    uint32_t idx, n;
};

static pthread_mutex_t rq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rq_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t rq_done = PTHREAD_COND_INITIALIZER;
static struct rq_item *rq;
static size_t rq_len, rq_cap;
static uint64_t rq_submitted, rq_completed;
static bool rq_thread_running;
static bool rq_started; /* the reclaimer thread has got through its start */
static bool rq_busy;    /* the reclaimer is giving a range back           */
static bool rq_forking; /* a fork is being prepared: take no new range    */

static void give_back(struct arena *ar, uint32_t idx, uint32_t n)
{
    /* mmap(MAP_FIXED) over the range both frees the pages and replaces any
     * mapping a large-block move left there, so adjacent ranges can merge. */
    void *p = mmap(chunk_addr(ar, idx), (size_t)n << CHUNK_SHIFT, MAP_RW,
                   MAP_FLAGS | MAP_FIXED, -1, 0);
    (void)p;
    madvise(meta_slot(ar, idx), (size_t)n * META_STRIDE, MADV_DONTNEED);
    for (uint32_t i = 0; i < n; i++)
        cstate_set(ar, idx + i, ST_MAKE(CK_FREE, 0, 0));
}

static void *reclaimer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&rq_lock);
    rq_started = true;
    pthread_cond_broadcast(&rq_done);
    for (;;) {
        while (rq_len == 0 || rq_forking)
            pthread_cond_wait(&rq_cond, &rq_lock);
        struct rq_item it = rq[--rq_len];
        rq_busy = true;
        pthread_mutex_unlock(&rq_lock);
        give_back(it.ar, it.idx, it.n);
        pthread_mutex_lock(&rq_lock);
        rq_busy = false;
        rq_completed++;
        pthread_cond_broadcast(&rq_done);
    }
    return NULL;
}

/*
 * fork() with the reclaimer parked. The child has only the forking thread,
 * so whatever another thread was doing at that moment is frozen in the
 * child's copy of memory: a chunk range half given back, or a lock held
 * inside a library. glibc's own allocator is prepared for fork; the
 * allocators of the sanitizer runtimes shipped with gcc 12 are not: a
 * child forked just after the reclaimer thread was created (while the new
 * thread was still in the runtime's thread start-up) hung in its first
 * allocation of one size class. So the thread is waited for until it has
 * started, and fork waits for the range being given back (not the whole
 * queue: the child does not need it) and holds the arena lock, so that the
 * child also sees no half-made chunk hand-out; the child then starts afresh.
 */
static void rq_prepare_fork(void)
{
    pthread_mutex_lock(&arena_lock);
    pthread_mutex_lock(&rq_lock);
    rq_forking = true; /* the reclaimer takes no new range */
    while (rq_busy || (rq_thread_running && !rq_started))
        pthread_cond_wait(&rq_done, &rq_lock);
}

static void rq_parent_after_fork(void)
{
    rq_forking = false;
    pthread_cond_signal(&rq_cond);
    pthread_mutex_unlock(&rq_lock);
    pthread_mutex_unlock(&arena_lock);
}

/* Set in a forked child: ranges are given back on the freeing thread, and
 * no reclaimer thread is started. A forked child (an expert's process) may
 * have inherited a lock of a runtime that does not guard against fork held
 * by a thread of the parent (the sanitizers' allocators, per size class);
 * a new thread's start-up, which fills an empty allocator cache, then
 * blocks on it, where the forking thread, with its cache, goes on. */
static bool rq_forked_child;

static void rq_child_after_fork(void)
{
    /* Only the forking thread exists in the child, and it gives back what
     * it frees itself (rq_forked_child); nmx__reclaim_wait gives back the
     * ranges still queued. */
    rq_forked_child = true;
    pthread_mutex_init(&rq_lock, NULL);
    pthread_cond_init(&rq_cond, NULL);
    pthread_cond_init(&rq_done, NULL);
    rq_thread_running = false;
    rq_started = false;
    rq_forking = false;
    rq_busy = false;
    rq_completed = 0; /* the ranges still queued are the child's to complete */
    rq_submitted = rq_len;
    pthread_mutex_init(&arena_lock, NULL);
}

static pthread_once_t rq_once = PTHREAD_ONCE_INIT;
static void rq_init(void)
{
    pthread_atfork(rq_prepare_fork, rq_parent_after_fork, rq_child_after_fork);
}
/* Registered when the library loads, not at the first range given back: a
 * child forked by a process that never gave one back must still know it is
 * a forked child (rq_forked_child). */
__attribute__((constructor)) static void rq_register(void)
{
    pthread_once(&rq_once, rq_init);
}

static void rq_push(struct arena *ar, uint32_t idx, uint32_t n)
{
    pthread_once(&rq_once, rq_init);
    pthread_mutex_lock(&rq_lock);
    if (!rq_thread_running && !rq_forked_child) {
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&at, 64 * 1024);
        if (pthread_create(&t, &at, reclaimer_main, NULL) == 0) {
            rq_thread_running = true;
            while (!rq_started) /* see rq_prepare_fork */
                pthread_cond_wait(&rq_done, &rq_lock);
        }
        pthread_attr_destroy(&at);
    }
    if (rq_thread_running && rq_len == rq_cap) {
        size_t cap = rq_cap ? rq_cap * 2 : 256;
        struct rq_item *q = realloc(rq, cap * sizeof *q);
        if (q) {
            rq = q;
            rq_cap = cap;
        }
    }
    if (!rq_thread_running || rq_len == rq_cap) {
        /* No thread or no queue memory: do it here, synchronously. */
        pthread_mutex_unlock(&rq_lock);
        give_back(ar, idx, n);
        return;
    }
    rq[rq_len++] = (struct rq_item){ar, idx, n};
    rq_submitted++;
    pthread_cond_signal(&rq_cond);
    pthread_mutex_unlock(&rq_lock);
}

void nmx__reclaim_wait(void)
{
    pthread_mutex_lock(&rq_lock);
    while (!rq_thread_running && rq_len > 0) { /* a forked child: no reclaimer yet */
        struct rq_item it = rq[--rq_len];
        pthread_mutex_unlock(&rq_lock);
        give_back(it.ar, it.idx, it.n);
        pthread_mutex_lock(&rq_lock);
        rq_completed++;
    }
    while (rq_completed < rq_submitted)
        pthread_cond_wait(&rq_done, &rq_lock);
    pthread_mutex_unlock(&rq_lock);
}

void nmx_mem_flush(void)
{
    nmx__reclaim_wait();
}

void nmx__chunks_release(struct arena *ar, uint32_t idx, uint32_t n, uint64_t owner)
{
    for (uint32_t i = 0; i < n; i++)
        cstate_set(ar, idx + i, ST_MAKE(CK_RELEASED, owner, idx));
    rq_push(ar, idx, n);
}

void nmx__batch_add(struct release_batch *b, struct arena *ar, uint32_t idx, uint32_t n,
                    uint64_t owner)
{
    for (uint32_t i = 0; i < n; i++)
        cstate_set(ar, idx + i, ST_MAKE(CK_RELEASED, owner, idx));
    /* Coalesce with an adjacent range already in the batch. */
    for (unsigned i = b->count; i-- > 0;) {
        if (b->ar[i] != ar)
            continue;
        if (b->idx[i] + b->n[i] == idx) {
            b->n[i] += n;
            return;
        }
        if (idx + n == b->idx[i]) {
            b->idx[i] = idx;
            b->n[i] += n;
            return;
        }
        break; /* only the most recent range of this arena is tried */
    }
    if (b->count == 64)
        nmx__batch_flush(b);
    b->ar[b->count] = ar;
    b->idx[b->count] = idx;
    b->n[b->count] = n;
    b->count++;
}

void nmx__batch_flush(struct release_batch *b)
{
    for (unsigned i = 0; i < b->count; i++)
        rq_push(b->ar[i], b->idx[i], b->n[i]);
    b->count = 0;
}

/* The thread id is asked of the kernel once per thread (a system call costs
 * more than the rest of a misuse record); a forked child asks again. */
__thread int nmx__tl_tid __attribute__((tls_model("initial-exec")));

static void tid_forget(void)
{
    nmx__tl_tid = 0;
}

__attribute__((constructor)) static void tid_atfork(void)
{
    pthread_atfork(NULL, NULL, tid_forget);
}

int nmx__gettid_slow(void)
{
    nmx__tl_tid = (int)syscall(SYS_gettid);
    return nmx__tl_tid;
}
