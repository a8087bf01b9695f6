/*
 * membench: nmexpert's heaps against glibc, mimalloc heaps, jemalloc private
 * arenas and talloc, one system per executable (mimalloc and jemalloc replace
 * malloc process-wide once linked). Build with exactly one of
 *   -DSYS_GLIBC  -DSYS_MI  -DSYS_JE  -DSYS_TALLOC  -DSYS_NMX
 *
 * Usage:  membench_<sys> <test> [variant]
 *   a    free+alloc churn: 1000 live slots, 16..4096 B, STEPS steps
 *   b    1,000,000 live blocks of 16..256 B, then the system's bulk release;
 *        return-to-OS timing, peak RSS, per-block overhead
 *   bl   like b, but release with a loop of per-block free
 *   c    realloc growth 16 B -> 64 MiB by doubling, REPS repetitions
 *   d    two threads, each with its own heap created on its thread, each
 *        running (a) with STEPS steps
 *   e1k  size and ownership queries, heap with 1000 live blocks
 *   e1m  the same with 1,000,000 live blocks
 * Variants: glibc "calloc" uses calloc() in (a)/(d), and "zero" the other
 * peers' zero-filling calls (mi_heap_zalloc, mallocx(MALLOCX_ZERO),
 * talloc_zero_size), references for the cost of zero-filled blocks as nmx
 * expert heaps hand them out; nmx "nullerr" passes err == NULL to
 * nmx_heap_alloc (allowed by the API) instead of a local nmx_err.
 *
 * Environment: STEPS (a, d; default 10,000,000), REPS (c; default 1000, 10
 * for mimalloc/jemalloc, which copy on every growth).
 *
 * Output: one line of key=value pairs on stdout (the run-membench script
 * collects them and computes medians).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static atomic_ulong g_errors; /* error returns from free / NULL allocations */
static bool g_calloc __attribute__((unused)); /* glibc "calloc" variant (a, d) */
static bool g_nullerr __attribute__((unused)); /* nmx "nullerr" variant (a, d) */
static bool g_uninit __attribute__((unused));  /* nmx "uninit" variant (a, d): no zero-fill */
static bool g_zero __attribute__((unused));    /* peers' "zero" variant (a, d): zero-filled */

static void die(const char *what)
{
    fprintf(stderr, "membench: %s failed\n", what);
    exit(2);
}

/* ======================================================================
 * The system under test
 * ====================================================================== */
#if defined(SYS_GLIBC)
#define SYS_NAME "glibc"
#define SYS_VARIANT (g_calloc ? "calloc" : "malloc")
#define RELEASE_NAME "free loop"
#define RETURN_NAME "malloc_trim(0)"
#define DEFAULT_C_REPS 1000
typedef struct heap { int unused; } heap_t;
static heap_t the_heap;
static heap_t *h_new(void) { return &the_heap; }
static inline void *h_alloc(heap_t *h, size_t n)
{
    (void)h;
    return g_calloc ? calloc(1, n) : malloc(n);
}
static inline void h_free(heap_t *h, void *p) { (void)h; free(p); }
static inline void *h_realloc(heap_t *h, void *p, size_t n) { (void)h; return realloc(p, n); }
static void h_release(heap_t *h, void **ptrs, size_t n)
{
    (void)h;
    for (size_t i = 0; i < n; i++)
        free(ptrs[i]);
}
static void h_return_os(void) { malloc_trim(0); }
static inline size_t h_size(heap_t *h, const void *p) { (void)h; return malloc_usable_size((void *)p); }
#define OWNS_NAME NULL
#define SIZE_NAME "malloc_usable_size"
static inline int h_owns(heap_t *h, const void *p) { (void)h; (void)p; return -1; }

#elif defined(SYS_MI)
#include <mimalloc.h>
#define SYS_NAME "mimalloc"
#define SYS_VARIANT (g_zero ? "heap-zalloc" : "heap")
#define RELEASE_NAME "mi_heap_destroy"
#define RETURN_NAME "mi_collect(true)"
#define DEFAULT_C_REPS 10
typedef mi_heap_t heap_t;
static heap_t *h_new(void)
{
    mi_heap_t *h = mi_heap_new();
    if (!h)
        die("mi_heap_new");
    return h;
}
static inline void *h_alloc(heap_t *h, size_t n)
{
    return g_zero ? mi_heap_zalloc(h, n) : mi_heap_malloc(h, n);
}
static inline void h_free(heap_t *h, void *p) { (void)h; mi_free(p); }
static inline void *h_realloc(heap_t *h, void *p, size_t n) { return mi_heap_realloc(h, p, n); }
static void h_release(heap_t *h, void **ptrs, size_t n)
{
    (void)ptrs;
    (void)n;
    mi_heap_destroy(h);
}
static void h_return_os(void) { mi_collect(true); }
static inline size_t h_size(heap_t *h, const void *p) { (void)h; return mi_usable_size(p); }
#define OWNS_NAME "mi_heap_check_owned"
#define SIZE_NAME "mi_usable_size"
static inline int h_owns(heap_t *h, const void *p) { return mi_heap_check_owned(h, p); }

#elif defined(SYS_JE)
#include <jemalloc/jemalloc.h>
#define SYS_NAME "jemalloc"
#define SYS_VARIANT (g_zero ? "arena-tcache-none-zero" : "arena-tcache-none")
#define RELEASE_NAME "arena.<i>.destroy"
#define RETURN_NAME "(none: destroy purges)"
#define DEFAULT_C_REPS 10
typedef struct heap {
    unsigned ind;
    int flags;
} heap_t;
static heap_t *h_new(void)
{
    heap_t *h = calloc(1, sizeof *h);
    size_t sz = sizeof h->ind;
    if (!h || mallctl("arenas.create", &h->ind, &sz, NULL, 0) != 0)
        die("arenas.create");
    h->flags = MALLOCX_ARENA(h->ind) | MALLOCX_TCACHE_NONE;
    return h;
}
static inline void *h_alloc(heap_t *h, size_t n)
{
    return mallocx(n, g_zero ? h->flags | MALLOCX_ZERO : h->flags);
}
static inline void h_free(heap_t *h, void *p) { dallocx(p, h->flags); }
static inline void *h_realloc(heap_t *h, void *p, size_t n)
{
    return p ? rallocx(p, n, h->flags) : mallocx(n, h->flags);
}
static void h_release(heap_t *h, void **ptrs, size_t n)
{
    (void)ptrs;
    (void)n;
    char name[64];
    snprintf(name, sizeof name, "arena.%u.destroy", h->ind);
    if (mallctl(name, NULL, NULL, NULL, 0) != 0)
        die("arena.<i>.destroy");
    free(h);
}
static void h_return_os(void) {}
static inline size_t h_size(heap_t *h, const void *p) { return sallocx(p, h->flags); }
#define OWNS_NAME "arenas.lookup == arena"
#define SIZE_NAME "sallocx"
static size_t lookup_mib[4], lookup_miblen;
static inline int h_owns(heap_t *h, const void *p)
{
    if (!lookup_miblen) {
        lookup_miblen = 4;
        if (mallctlnametomib("arenas.lookup", lookup_mib, &lookup_miblen) != 0)
            die("mallctlnametomib(arenas.lookup)");
    }
    unsigned a = ~0u;
    size_t sz = sizeof a;
    const void *q = p;
    if (mallctlbymib(lookup_mib, lookup_miblen, &a, &sz, (void *)&q, sizeof q) != 0)
        return 0;
    return a == h->ind;
}

#elif defined(SYS_TALLOC)
#include <talloc.h>
#define SYS_NAME "talloc"
#define SYS_VARIANT (g_zero ? "ctx-zero" : "ctx")
#define RELEASE_NAME "talloc_free(ctx)"
#define RETURN_NAME "malloc_trim(0)"
#define DEFAULT_C_REPS 1000
typedef void heap_t;
static heap_t *h_new(void)
{
    void *c = talloc_new(NULL);
    if (!c)
        die("talloc_new");
    return c;
}
static inline void *h_alloc(heap_t *h, size_t n)
{
    return g_zero ? talloc_zero_size(h, n) : talloc_size(h, n);
}
static inline void h_free(heap_t *h, void *p)
{
    (void)h;
    if (talloc_free(p) != 0)
        atomic_fetch_add(&g_errors, 1);
}
static inline void *h_realloc(heap_t *h, void *p, size_t n) { return talloc_realloc_size(h, p, n); }
static void h_release(heap_t *h, void **ptrs, size_t n)
{
    (void)ptrs;
    (void)n;
    talloc_free(h);
}
static void h_return_os(void) { malloc_trim(0); }
static inline size_t h_size(heap_t *h, const void *p) { (void)h; return talloc_get_size(p); }
#define OWNS_NAME "talloc_parent == ctx"
#define SIZE_NAME "talloc_get_size"
static inline int h_owns(heap_t *h, const void *p) { return talloc_parent(p) == h; }

#elif defined(SYS_NMX)
#include "nmexpert/mem.h"
#define SYS_NAME "nmx"
#define SYS_VARIANT (g_nullerr ? "heap-nullerr" : g_uninit ? "heap-uninit" : "heap")
#define RELEASE_NAME "nmx_heap_destroy"
#define RETURN_NAME "(none: background reclaim)"
#define DEFAULT_C_REPS 1000
typedef nmx_heap heap_t;
static heap_t *h_new(void)
{
    nmx_heap *h = NULL;
    nmx_heap_config c = {.version = NMX_HEAP_CONFIG_VERSION,
                         .flags = g_uninit ? NMX_HEAP_UNINIT : 0u};
    if (nmx_heap_create(&c, &h) != NMX_OK)
        die("nmx_heap_create");
    return h;
}
static inline void *h_alloc(heap_t *h, size_t n)
{
    nmx_err e;
    return nmx_heap_alloc(h, n, g_nullerr ? NULL : &e);
}
static inline void h_free(heap_t *h, void *p)
{
    if (nmx_heap_free(h, p) != NMX_OK)
        atomic_fetch_add(&g_errors, 1);
}
static inline void *h_realloc(heap_t *h, void *p, size_t n)
{
    nmx_err e;
    return nmx_heap_realloc(h, p, n, &e);
}
static void h_release(heap_t *h, void **ptrs, size_t n)
{
    (void)ptrs;
    (void)n;
    if (nmx_heap_destroy(h, NULL) != NMX_OK)
        die("nmx_heap_destroy");
}
static void h_return_os(void) {}
static inline size_t h_size(heap_t *h, const void *p)
{
    nmx_err e;
    return nmx_heap_size(h, p, &e);
}
#define OWNS_NAME "nmx_heap_owns"
#define SIZE_NAME "nmx_heap_size"
static inline int h_owns(heap_t *h, const void *p) { return nmx_heap_owns(h, p); }

#else
#error "define one of SYS_GLIBC SYS_MI SYS_JE SYS_TALLOC SYS_NMX"
#endif

/* ======================================================================
 * Helpers
 * ====================================================================== */
static inline uint64_t xs64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}
/* uniform-ish value in [0, n) from 32 random bits, without a division */
static inline uint32_t pick(uint64_t r32, uint32_t n) { return (uint32_t)(((r32 & 0xffffffffu) * n) >> 32); }

static double now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
static double mono(void) { return now_ns(CLOCK_MONOTONIC); }

static int statm_fd = -1;
static long page_size;
static size_t rss_bytes(void)
{
    char buf[128];
    if (statm_fd < 0)
        statm_fd = open("/proc/self/statm", O_RDONLY);
    ssize_t k = pread(statm_fd, buf, sizeof buf - 1, 0);
    if (k <= 0)
        die("read /proc/self/statm");
    buf[k] = 0;
    unsigned long size = 0, res = 0;
    if (sscanf(buf, "%lu %lu", &size, &res) != 2)
        die("parse /proc/self/statm");
    return (size_t)res * (size_t)page_size;
}
static double maxrss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}
static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}
static double loadavg1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}
static void *big_array(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    memset(p, 0, bytes); /* fault it in before any baseline is taken */
    return p;
}
static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return dflt;
    return strtoull(s, NULL, 10);
}
static const double MiB = 1024.0 * 1024.0;

static void emit_head(const char *test)
{
    printf("sys=%s var=%s test=%s load=%.2f", SYS_NAME, SYS_VARIANT, test, loadavg1());
}
static void emit_tail(void)
{
    printf(" errors=%lu\n", (unsigned long)atomic_load(&g_errors));
    fflush(stdout);
}
static void *checked(void *p, const char *what)
{
    if (!p)
        die(what);
    return p;
}

/* ======================================================================
 * (a) churn: 1000 slots, free a random one and allocate 16..4096 B into it
 * ====================================================================== */
#define SLOTS 1000u
#define A_MIN 16u
#define A_SPAN 4081u /* 16..4096 */

static void churn_fill(heap_t *h, void **slot, uint64_t *seed)
{
    for (uint32_t i = 0; i < SLOTS; i++) {
        uint64_t r = xs64(seed);
        size_t n = A_MIN + pick(r >> 32, A_SPAN);
        char *p = checked(h_alloc(h, n), "alloc");
        p[0] = (char)i;
        slot[i] = p;
    }
}
static void churn_steps(heap_t *h, void **slot, uint64_t *seed, uint64_t steps)
{
    uint64_t s = *seed;
    for (uint64_t k = 0; k < steps; k++) {
        uint64_t r = xs64(&s);
        uint32_t i = pick(r, SLOTS);
        size_t n = A_MIN + pick(r >> 32, A_SPAN);
        h_free(h, slot[i]);
        char *p = h_alloc(h, n);
        if (__builtin_expect(!p, 0))
            die("alloc");
        p[0] = (char)k;
        slot[i] = p;
    }
    *seed = s;
}
static void churn_end(heap_t *h, void **slot)
{
    for (uint32_t i = 0; i < SLOTS; i++)
        h_free(h, slot[i]);
    h_release(h, NULL, 0);
}

static void test_a(uint64_t steps)
{
    void *slot[SLOTS];
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    heap_t *h = h_new();
    churn_fill(h, slot, &seed);
    long f0 = minflt();
    double c0 = now_ns(CLOCK_THREAD_CPUTIME_ID), t0 = mono();
    churn_steps(h, slot, &seed, steps);
    double t1 = mono(), c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    long f1 = minflt();
    churn_end(h, slot);
    emit_head("a");
    printf(" steps=%llu ns_step=%.2f cpu_ns_step=%.2f minflt_per_1M=%.1f maxrss_mib=%.1f",
           (unsigned long long)steps, (t1 - t0) / (double)steps, (c1 - c0) / (double)steps,
           (double)(f1 - f0) * 1e6 / (double)steps, maxrss_mib());
    emit_tail();
}

/* ======================================================================
 * (d) two threads, own heap each, created on the thread, each running (a)
 * ====================================================================== */
struct dthr {
    pthread_t t;
    pthread_barrier_t *bar;
    uint64_t steps, seed;
    double start, end, cpu;
};
static void *d_main(void *arg)
{
    struct dthr *d = arg;
    void *slot[SLOTS];
    heap_t *h = h_new();
    churn_fill(h, slot, &d->seed);
    pthread_barrier_wait(d->bar);
    double c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    d->start = mono();
    churn_steps(h, slot, &d->seed, d->steps);
    d->end = mono();
    d->cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    churn_end(h, slot);
    return NULL;
}
static void test_d(uint64_t steps)
{
    struct dthr d[2];
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    for (int i = 0; i < 2; i++) {
        d[i] = (struct dthr){.bar = &bar, .steps = steps,
                             .seed = 0x9E3779B97F4A7C15ull ^ (0xD1B54A32D192ED03ull * (uint64_t)(i + 1))};
        if (pthread_create(&d[i].t, NULL, d_main, &d[i]) != 0)
            die("pthread_create");
    }
    for (int i = 0; i < 2; i++)
        pthread_join(d[i].t, NULL);
    double start = d[0].start < d[1].start ? d[0].start : d[1].start;
    double end = d[0].end > d[1].end ? d[0].end : d[1].end;
    double wall = end - start;
    emit_head("d");
    printf(" steps_per_thread=%llu wall_ms=%.1f mops=%.3f parallelism=%.2f cpu_ns_step=%.2f "
           "cpu_ns_step_t0=%.2f cpu_ns_step_t1=%.2f",
           (unsigned long long)steps, wall / 1e6, 2.0 * (double)steps / wall * 1e3,
           (d[0].cpu + d[1].cpu) / wall,
           (d[0].cpu + d[1].cpu) / (2.0 * (double)steps), d[0].cpu / (double)steps,
           d[1].cpu / (double)steps);
    emit_tail();
}

/* ======================================================================
 * (b) 1,000,000 live blocks of 16..256 B, then release
 * ====================================================================== */
#define B_BLOCKS 1000000u
#define B_MIN 16u
#define B_SPAN 241u /* 16..256 */

static void test_b(bool per_block)
{
    void **ptrs = big_array(B_BLOCKS * sizeof(void *));
    heap_t *h = h_new();
    size_t base = rss_bytes();
    uint64_t seed = 0x2545F4914F6CDD1Dull, req = 0;
    double t0 = mono();
    for (uint32_t i = 0; i < B_BLOCKS; i++) {
        size_t n = B_MIN + pick(xs64(&seed) >> 32, B_SPAN);
        char *p = checked(h_alloc(h, n), "alloc");
        p[0] = 1;
        ptrs[i] = p;
        req += n;
    }
    double t1 = mono();
    size_t peak = rss_bytes();
    double foot = -1;
#if defined(SYS_NMX)
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    foot = (double)st.footprint_bytes;
    if (st.cur_blocks != B_BLOCKS)
        atomic_fetch_add(&g_errors, 1);
#endif
    /* release */
    double r0 = mono();
    if (per_block) {
        for (uint32_t i = 0; i < B_BLOCKS; i++)
            h_free(h, ptrs[i]);
#if !defined(SYS_GLIBC)
        h_release(h, NULL, 0); /* end the (now empty) heap */
#endif
    } else {
        h_release(h, ptrs, B_BLOCKS);
    }
    double r1 = mono();
    size_t rss_rel = rss_bytes();
    /* return to the OS: the system's explicit call, if it needs one */
    h_return_os();
    double r2 = mono();
    size_t rss_ret = rss_bytes();
    /* poll every 1 ms until RSS growth is back to <= 10 % of the peak growth */
    size_t thr = base + (peak - base) / 10;
    double t10 = -1, rss20 = -1;
    size_t rss = rss_ret;
    for (;;) {
        double t = mono() - r1;
        rss = rss_bytes();
        if (rss20 < 0 && t >= 20e6)
            rss20 = (double)rss / MiB;
        if (rss <= thr && t10 < 0)
            t10 = t / 1e6;
        if ((t10 >= 0 && rss20 >= 0) || t > 2000e6)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    emit_head(per_block ? "bl" : "b");
    printf(" release=\"%s\" return=\"%s\" blocks=%u alloc_ms=%.1f release_ms=%.3f return_ms=%.3f "
           "rss10_ms=%.2f base_mib=%.1f peak_mib=%.1f growth_mib=%.1f rss_after_release_mib=%.1f "
           "rss_after_return_mib=%.1f rss_at20ms_mib=%.1f req_mib=%.1f overhead_B_per_block=%.2f",
           per_block ? "per-block free loop" : RELEASE_NAME, RETURN_NAME, B_BLOCKS,
           (t1 - t0) / 1e6, (r1 - r0) / 1e6, (r2 - r1) / 1e6, t10, (double)base / MiB,
           (double)peak / MiB, (double)(peak - base) / MiB, (double)rss_rel / MiB,
           (double)rss_ret / MiB, rss20, (double)req / MiB,
           ((double)(peak - base) - (double)req) / B_BLOCKS);
    if (foot >= 0)
        printf(" footprint_mib=%.1f meta_B_per_block=%.2f slack_B_per_block=%.2f", foot / MiB,
               ((double)(peak - base) - foot) / B_BLOCKS, (foot - (double)req) / B_BLOCKS);
    emit_tail();
}

/* ======================================================================
 * (c) realloc growth 16 B -> 64 MiB by doubling, first+last byte touched
 * ====================================================================== */
static void test_c(uint64_t reps)
{
    heap_t *h = h_new();
    long f0 = minflt();
    double t0 = mono();
    for (uint64_t r = 0; r < reps; r++) {
        size_t n = 16;
        char *p = checked(h_alloc(h, n), "alloc");
        p[0] = 1;
        p[n - 1] = 1;
        for (int k = 0; k < 22; k++) {
            n *= 2;
            p = checked(h_realloc(h, p, n), "realloc");
            p[0] = 1;
            p[n - 1] = 1;
        }
        h_free(h, p);
    }
    double t1 = mono();
    long f1 = minflt();
    h_release(h, NULL, 0);
    double per = (t1 - t0) / 1e6 / (double)reps;
    emit_head("c");
    printf(" reps=%llu ms_per_rep=%.4f total_1000_ms=%.1f extrapolated=%d minflt_per_rep=%.1f "
           "maxrss_mib=%.1f",
           (unsigned long long)reps, per, per * 1000.0, reps < 1000, (double)(f1 - f0) / (double)reps,
           maxrss_mib());
    emit_tail();
}

/* ======================================================================
 * (e) size query and ownership check
 * ====================================================================== */
#define E_MIN 16u
#define E_SPAN 241u
#define E_OTHER 1000u

static double time_size(heap_t *h, void *const *q, size_t m, size_t *sum)
{
    size_t s = 0;
    double t0 = mono();
    for (size_t i = 0; i < m; i++)
        s += h_size(h, q[i]);
    double t1 = mono();
    *sum = s;
    return (t1 - t0) / (double)m;
}
static double time_owns(heap_t *h, void *const *q, size_t m, size_t *hits)
{
    size_t s = 0;
    double t0 = mono();
    for (size_t i = 0; i < m; i++)
        s += (size_t)h_owns(h, q[i]);
    double t1 = mono();
    *hits = s;
    return (t1 - t0) / (double)m;
}

static void test_e(uint32_t live)
{
    /* queries are read sequentially from an array, so that the loop itself
     * adds no cache misses: what remains is the system's own lookup */
    const size_t m = 2000000;
    void **ptrs = big_array((size_t)live * sizeof(void *));
    void **q = big_array(m * sizeof(void *));
    void *other[E_OTHER];
    uint64_t seed = 0xA0761D6478BD642Full;
    heap_t *h = h_new(), *o = h_new();
    for (uint32_t i = 0; i < live; i++) {
        char *p = checked(h_alloc(h, E_MIN + pick(xs64(&seed) >> 32, E_SPAN)), "alloc");
        p[0] = 1;
        ptrs[i] = p;
    }
    for (uint32_t i = 0; i < E_OTHER; i++) {
        char *p = checked(h_alloc(o, E_MIN + pick(xs64(&seed) >> 32, E_SPAN)), "alloc");
        p[0] = 1;
        other[i] = p;
    }
    /* size query: random live blocks of h */
    for (size_t i = 0; i < m; i++)
        q[i] = ptrs[pick(xs64(&seed) >> 32, live)];
    size_t sum = 0, own_hits = 0, for_hits = 0;
    double size_ns = time_size(h, q, m, &sum);
    /* ownership: how many calls the system can afford */
    size_t mo = m;
#if defined(SYS_MI)
    mo = live > 100000 ? 2000 : 200000;
#elif defined(SYS_TALLOC)
    mo = live > 100000 ? 0 : 20000; /* talloc_parent walks the siblings */
#elif defined(SYS_JE)
    mo = 1000000;
#endif
    double own_ns = -1, for_ns = -1;
    if (OWNS_NAME && mo) {
        own_ns = time_owns(h, q, mo, &own_hits);
        for (size_t i = 0; i < mo; i++)
            q[i] = other[pick(xs64(&seed) >> 32, E_OTHER)];
        for_ns = time_owns(h, q, mo, &for_hits);
    }
    emit_head(live > 100000 ? "e1m" : "e1k");
    printf(" live=%u size_call=\"%s\" size_ns=%.2f size_calls=%zu owns_call=\"%s\" owns_calls=%zu "
           "own_ns=%.2f foreign_ns=%.2f own_hits=%zu foreign_hits=%zu sizesum=%zu",
           live, SIZE_NAME, size_ns, m, OWNS_NAME ? OWNS_NAME : "none", OWNS_NAME ? mo : 0, own_ns, for_ns,
           own_hits, for_hits, sum);
    emit_tail();
}

int main(int argc, char **argv)
{
    page_size = sysconf(_SC_PAGESIZE);
    if (argc < 2) {
        fprintf(stderr, "usage: %s a|b|bl|c|d|e1k|e1m [calloc|zero|nullerr|uninit]\n", argv[0]);
        return 2;
    }
    const char *t = argv[1];
#if defined(SYS_GLIBC)
    g_calloc = argc > 2 && strcmp(argv[2], "calloc") == 0;
#elif defined(SYS_MI) || defined(SYS_JE) || defined(SYS_TALLOC)
    g_zero = argc > 2 && strcmp(argv[2], "zero") == 0;
#elif defined(SYS_NMX)
    g_nullerr = argc > 2 && strcmp(argv[2], "nullerr") == 0;
    g_uninit = argc > 2 && strcmp(argv[2], "uninit") == 0;
#endif
    uint64_t steps = env_u64("STEPS", 10000000);
    if (!strcmp(t, "a"))
        test_a(steps);
    else if (!strcmp(t, "d"))
        test_d(steps);
    else if (!strcmp(t, "b"))
        test_b(false);
    else if (!strcmp(t, "bl"))
        test_b(true);
    else if (!strcmp(t, "c"))
        test_c(env_u64("REPS", DEFAULT_C_REPS));
    else if (!strcmp(t, "e1k"))
        test_e(1000);
    else if (!strcmp(t, "e1m"))
        test_e(1000000);
    else {
        fprintf(stderr, "unknown test %s\n", t);
        return 2;
    }
    return atomic_load(&g_errors) ? 1 : 0;
}
