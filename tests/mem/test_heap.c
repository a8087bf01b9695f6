/* Unit tests of the owner-tracked allocator through the nmx_heap API. */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "nmx_test.h"
#include "nmexpert/mem.h"

static bool arena_mode(void)
{
    return nmx_mem_mode_get() == NMX_MEM_ARENA;
}

static nmx_heap *mk(uint32_t flags, uint64_t quota)
{
    nmx_heap_config c = {.version = NMX_HEAP_CONFIG_VERSION, .flags = flags, .quota_bytes = quota,
                         .name = "test"};
    nmx_heap *h = NULL;
    assert_int_equal(nmx_heap_create(&c, &h), NMX_OK);
    assert_non_null(h);
    return h;
}

static void check_zero(const uint8_t *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (p[i] != 0)
            fail_msg("byte %zu of [%zu,%zu) is 0x%02x, expected 0", i, from, to, p[i]);
}

static uint64_t misuse(nmx_heap *h, nmx_misuse_kind k)
{
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    return st.misuse[k];
}

/* Sizes that cover every class boundary region and the large path. */
static const size_t sizes[] = {0, 1, 7, 8, 15, 16, 17, 31, 100, 127, 128, 129, 255, 256, 1000,
                               4095, 4096, 4097, 16383, 32766, 32767, 32768, 65535, 65536,
                               200000, 1 << 20, (3 << 20) + 5};

static void t_alloc_zero_and_size(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0);
    for (int round = 0; round < 3; round++) { /* later rounds reuse dirty blocks */
        void *ps[sizeof sizes / sizeof sizes[0]];
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            nmx_err e = NMX_EINVAL;
            uint8_t *p = nmx_heap_alloc(h, sizes[i], &e);
            assert_non_null(p);
            assert_int_equal(e, NMX_OK);
            check_zero(p, 0, sizes[i]);
            assert_int_equal(nmx_heap_size(h, p, &e), sizes[i]);
            assert_int_equal(e, NMX_OK);
            assert_true(nmx_heap_owns(h, p));
            memset(p, 0xEE, sizes[i]); /* dirty it for the next round */
            ps[i] = p;
        }
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            for (size_t j = i + 1; j < sizeof sizes / sizeof sizes[0]; j++)
                assert_ptr_not_equal(ps[i], ps[j]); /* zero-size blocks are unique too */
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            assert_int_equal(nmx_heap_free(h, ps[i]), NMX_OK);
    }
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_int_equal(st.cur_blocks, 0);
    assert_int_equal(st.cur_bytes, 0);
    assert_int_equal(st.misuse_total, 0);
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);
}

static void t_uninit_heap(void **s)
{
    (void)s;
    nmx_heap *h = mk(NMX_HEAP_UNINIT, 0);
    uint8_t *p = nmx_heap_alloc(h, 200, NULL);
    memset(p, 0xAB, 200);
    assert_int_equal(nmx_heap_free(h, p), NMX_OK);
    uint8_t *q = nmx_heap_alloc(h, 200, NULL); /* LIFO: the same block, not zeroed */
    if (arena_mode()) {
        assert_ptr_equal(q, p);
        assert_int_equal(q[100], 0xAB);
    }
    q = nmx_heap_realloc(h, q, 1000, NULL); /* growth is still zero-filled */
    check_zero(q, 200, 1000);
    nmx_heap_destroy(h, NULL);
}

static void t_zero_size_unique(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0);
    void *a = nmx_heap_alloc(h, 0, NULL), *b = nmx_heap_alloc(h, 0, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    nmx_err e = NMX_EINVAL;
    assert_int_equal(nmx_heap_size(h, a, &e), 0);
    assert_int_equal(e, NMX_OK); /* live, size 0: not an error */
    assert_int_equal(nmx_heap_free(h, a), NMX_OK);
    assert_int_equal(nmx_heap_free(h, a), NMX_EBADPTR);
    assert_int_equal(nmx_heap_free(h, b), NMX_OK);
    nmx_heap_destroy(h, NULL);
}

static void t_free_null(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0);
    assert_int_equal(nmx_heap_free(h, NULL), NMX_OK);
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_int_equal(st.misuse_total, 0);
    nmx_heap_destroy(h, NULL);
}

static void t_invalid_pointers(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0), *g = mk(0, 0);
    uint8_t *p = nmx_heap_alloc(h, 100, NULL), *big = nmx_heap_alloc(h, 300000, NULL);
    uint8_t *q = nmx_heap_alloc(g, 100, NULL);
    memset(p, 1, 100);
    memset(q, 2, 100);
    int stackvar = 0;
    void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(unmapped != MAP_FAILED);
    munmap(unmapped, 4096);
    void *mallocd = malloc(64);

    /* foreign: g's block through h */
    assert_int_equal(nmx_heap_free(h, q), NMX_EBADPTR);
    /* interior */
    assert_int_equal(nmx_heap_free(h, p + 16), NMX_EBADPTR);
    assert_int_equal(nmx_heap_free(h, p + 1), NMX_EBADPTR);
    assert_int_equal(nmx_heap_free(h, big + 70000), NMX_EBADPTR);
    assert_int_equal(nmx_heap_free(h, big + 8), NMX_EBADPTR);
    /* stack, unmapped, other allocator, small integers, kernel half */
    assert_int_equal(nmx_heap_free(h, &stackvar), NMX_EBADPTR);
    assert_int_equal(nmx_heap_free(h, unmapped), NMX_EBADPTR);
    assert_int_equal(nmx_heap_free(h, mallocd), NMX_EBADPTR);
    assert_int_equal(nmx_heap_free(h, (void *)(uintptr_t)0x10), NMX_EBADPTR);
    assert_int_equal(nmx_heap_free(h, (void *)(uintptr_t)0xffff800000001000ull), NMX_EBADPTR);
    /* realloc and size of bad pointers change nothing */
    nmx_err e = NMX_OK;
    assert_null(nmx_heap_realloc(h, q, 10, &e));
    assert_int_equal(e, NMX_EBADPTR);
    assert_null(nmx_heap_realloc(h, p + 8, 10, &e));
    assert_int_equal(e, NMX_EBADPTR);
    assert_int_equal(nmx_heap_size(h, q, &e), 0);
    assert_int_equal(e, NMX_EBADPTR);
    assert_int_equal(nmx_heap_size(h, &stackvar, NULL), 0);
    assert_false(nmx_heap_owns(h, q));
    assert_false(nmx_heap_owns(h, &stackvar));
    /* nothing was freed or changed */
    for (int i = 0; i < 100; i++) {
        assert_int_equal(p[i], 1);
        assert_int_equal(q[i], 2);
    }
    assert_int_equal(nmx_heap_size(h, p, NULL), 100);
    assert_int_equal(nmx_heap_size(g, q, NULL), 100);
    /* double free */
    assert_int_equal(nmx_heap_free(h, p), NMX_OK);
    assert_int_equal(nmx_heap_free(h, p), NMX_EBADPTR);
    assert_int_equal(nmx_heap_free(h, big), NMX_OK);
    assert_int_equal(nmx_heap_free(h, big), NMX_EBADPTR);
    assert_null(nmx_heap_realloc(h, p, 50, &e)); /* realloc of a freed block */
    assert_int_equal(e, NMX_EBADPTR);

    if (arena_mode()) {
        assert_int_equal(misuse(h, NMX_MISUSE_FOREIGN), 3);  /* free, realloc, size */
        assert_int_equal(misuse(h, NMX_MISUSE_INTERIOR), 5); /* 4 frees + 1 realloc */
        assert_int_equal(misuse(h, NMX_MISUSE_WILD), 6);     /* 5 frees + 1 size */
        assert_int_equal(misuse(h, NMX_MISUSE_DOUBLE), 3);
        nmx_heap_stats st;
        nmx_heap_get_stats(h, &st);
        assert_int_equal(st.last_misuse.op, NMX_OP_REALLOC);
        assert_ptr_equal(st.last_misuse.ptr, p);
        assert_int_equal(st.last_misuse.kind, NMX_MISUSE_DOUBLE);
        assert_true(st.last_misuse.tid > 0);
    } else {
        nmx_heap_stats st;
        nmx_heap_get_stats(h, &st);
        assert_int_equal(st.misuse_total, 17);
    }
    free(mallocd);
    nmx_heap_destroy(h, NULL);
    nmx_heap_destroy(g, NULL);
}

static void t_stale_after_destroy(void **s)
{
    (void)s;
    if (!arena_mode()) {
        /* malloc mode hands addresses back to the C library, which reuses
         * them; only a sanitizer's quarantine keeps stale pointers apart. */
        print_message("SKIP: stale-pointer quarantine is an arena-mode guarantee\n");
        skip();
    }
    nmx_heap *a = mk(0, 0);
    void *stale[64];
    for (int i = 0; i < 64; i++)
        stale[i] = nmx_heap_alloc(a, (size_t)(16 + i * 97), NULL);
    void *stale_big = nmx_heap_alloc(a, 1 << 20, NULL);
    nmx_heap_destroy(a, NULL);
    /* Other heaps allocate a lot afterwards: none may get a's addresses. */
    nmx_heap *b = mk(0, 0);
    void *bs[2000];
    for (int i = 0; i < 2000; i++) {
        bs[i] = nmx_heap_alloc(b, (size_t)(16 + (i * 131) % 5000), NULL);
        assert_non_null(bs[i]);
        for (int j = 0; j < 64; j++)
            assert_ptr_not_equal(bs[i], stale[j]);
    }
    for (int j = 0; j < 64; j++) {
        assert_int_equal(nmx_heap_free(b, stale[j]), NMX_EBADPTR);
        assert_false(nmx_heap_owns(b, stale[j]));
    }
    assert_int_equal(nmx_heap_free(b, stale_big), NMX_EBADPTR);
    if (arena_mode())
        assert_int_equal(misuse(b, NMX_MISUSE_STALE), 65);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(nmx_heap_free(b, bs[i]), NMX_OK);
    nmx_heap_destroy(b, NULL);
}

static void t_realloc(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0);
    /* NULL behaves as alloc */
    nmx_err e;
    uint8_t *p = nmx_heap_realloc(h, NULL, 40, &e);
    assert_non_null(p);
    assert_int_equal(e, NMX_OK);
    check_zero(p, 0, 40);
    for (int i = 0; i < 40; i++)
        p[i] = (uint8_t)(i + 1);
    /* grow through every path: same class, other class, small->large,
     * large in place, large moved, and shrink; contents kept, growth zero */
    size_t cur = 40;
    const size_t steps[] = {44, 47, 100, 3000, 40000, 70000, 1 << 20, 5 << 20, 33, 200000, 7};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        size_t n = steps[k];
        uint8_t *q = nmx_heap_realloc(h, p, n, &e);
        assert_non_null(q);
        assert_int_equal(e, NMX_OK);
        size_t keep = cur < n ? cur : n;
        for (size_t i = 0; i < keep && i < 40; i++)
            assert_int_equal(q[i], (uint8_t)(i + 1));
        if (n > cur)
            check_zero(q, cur > 40 ? cur : 40, n);
        assert_int_equal(nmx_heap_size(h, q, NULL), n);
        /* dirty the tail so that a later shrink+grow must re-zero it */
        if (n > 40)
            memset(q + 40, 0x77, n - 40);
        p = q;
        cur = n;
    }
    /* shrink then grow again: bytes beyond the shrunk size must come back zero */
    p = nmx_heap_realloc(h, p, 5 << 20, &e);
    memset(p + 40, 0x55, (5 << 20) - 40);
    p = nmx_heap_realloc(h, p, 100, &e);
    p = nmx_heap_realloc(h, p, 3 << 20, &e);
    assert_non_null(p);
    check_zero(p, 100, 3 << 20);
    assert_int_equal(nmx_heap_free(h, p), NMX_OK);
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_int_equal(st.cur_bytes, 0);
    assert_int_equal(st.misuse_total, 0);
    nmx_heap_destroy(h, NULL);
}

static void t_realloc_doubling(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0);
    uint8_t *p = nmx_heap_alloc(h, 16, NULL);
    memset(p, 9, 16);
    for (size_t n = 32; n <= (64u << 20); n *= 2) {
        nmx_err e;
        uint8_t *q = nmx_heap_realloc(h, p, n, &e);
        assert_non_null(q);
        assert_int_equal(q[0], 9);
        assert_int_equal(q[15], 9);
        assert_int_equal(q[n / 2], 0);
        assert_int_equal(q[n - 1], 0);
        q[n / 2] = 9;
        q[n - 1] = 9;
        p = q;
    }
    assert_int_equal(nmx_heap_free(h, p), NMX_OK);
    nmx_heap_destroy(h, NULL);
}

static void t_quota(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 10000);
    nmx_err e;
    void *a = nmx_heap_alloc(h, 6000, &e);
    assert_non_null(a);
    void *b = nmx_heap_alloc(h, 5000, &e);
    assert_null(b);
    assert_int_equal(e, NMX_EQUOTA);
    assert_int_equal(nmx_err_to_nmerr(e), 19u); /* NMERR_OUT_OF_MEMORY */
    /* realloc past the quota fails and keeps the block */
    memset(a, 3, 6000);
    assert_null(nmx_heap_realloc(h, a, 12000, &e));
    assert_int_equal(e, NMX_EQUOTA);
    assert_int_equal(((uint8_t *)a)[5999], 3);
    assert_int_equal(nmx_heap_size(h, a, NULL), 6000);
    /* within the quota still works; shrinking always works */
    void *c = nmx_heap_alloc(h, 4000, &e);
    assert_non_null(c);
    assert_non_null(nmx_heap_realloc(h, c, 10, &e));
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_int_equal(st.quota_failures, 2);
    assert_int_equal(st.failed_allocs, 2);
    assert_int_equal(st.quota_bytes, 10000);
    nmx_heap_set_quota(h, 0); /* lifted */
    assert_non_null(nmx_heap_alloc(h, 50000, &e));
    nmx_heap_destroy(h, NULL);
}

static void t_terminate(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0);
    void *a = nmx_heap_alloc(h, 10, NULL), *b = nmx_heap_alloc(h, 10, NULL);
    nmx_heap_terminate(h);
    nmx_err e;
    assert_null(nmx_heap_alloc(h, 10, &e));
    assert_int_equal(e, NMX_ETERMINATE);
    assert_null(nmx_heap_realloc(h, a, 100, &e));
    assert_int_equal(e, NMX_ETERMINATE);
    assert_int_equal(nmx_heap_size(h, a, NULL), 10); /* unchanged */
    assert_int_equal(nmx_heap_free(h, a), NMX_ETERMINATE); /* still freed */
    assert_false(nmx_heap_owns(h, a));
    assert_int_equal(nmx_heap_free(h, a), NMX_EBADPTR);
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_true(st.terminating);
    assert_int_equal(st.cur_blocks, 1);
    (void)b;
    nmx_heap_destroy(h, NULL);
}

static void t_overrun(void **s)
{
    (void)s;
    nmx_heap *h = mk(NMX_HEAP_DEBUG | NMX_HEAP_CHECK_ON_DESTROY, 0);
    const size_t ns[] = {10, 16, 100, 4096, 40000, 300000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint8_t *p = nmx_heap_alloc(h, ns[i], NULL);
        p[ns[i]] = 0; /* one byte past the end (a NUL terminator, say) */
        assert_int_equal(nmx_heap_free(h, p), NMX_OK);
        nmx_heap_stats st;
        nmx_heap_get_stats(h, &st);
        assert_int_equal(st.misuse[NMX_MISUSE_OVERRUN], i + 1);
        assert_ptr_equal(st.last_misuse.ptr, p);
        assert_int_equal(st.last_misuse.block_size, ns[i]);
        assert_non_null(st.last_misuse.alloc_site);
    }
    /* writing exactly up to the end is fine */
    uint8_t *ok = nmx_heap_alloc(h, 33, NULL);
    memset(ok, 0xFF, 33);
    assert_int_equal(nmx_heap_free(h, ok), NMX_OK);
    /* at destroy: live overrun blocks are counted and listed */
    uint8_t *l1 = nmx_heap_alloc(h, 20, NULL), *l2 = nmx_heap_alloc(h, 70000, NULL);
    l1[21] = 'x';
    l2[70000] = 'y';
    (void)nmx_heap_alloc(h, 5, NULL);
    nmx_heap_report r;
    assert_int_equal(nmx_heap_destroy(h, &r), NMX_OK);
    assert_int_equal(r.leaked_blocks, 3);
    assert_int_equal(r.overruns, 2);
    assert_int_equal(r.nleaks, 3);
    int seen = 0;
    for (size_t i = 0; i < r.nleaks; i++)
        if (r.leaks[i].overrun)
            seen++;
    assert_int_equal(seen, 2);
    nmx_heap_report_free(&r);
}

/* An overrun is counted once, however soon after the block's free comes the
 * end of the heap, a read of the counters, another misuse, the block handed
 * out again, or its chunk going to another class. (A check of the canary
 * made later than the free would have to keep all of these; see
 * bench/README.md, "Tried and not kept".) */
static void t_overrun_pending(void **s)
{
    (void)s;
    nmx_heap_report r;
    /* freed as the last action before the heap ends */
    nmx_heap *h = mk(0, 0);
    uint8_t *p = nmx_heap_alloc(h, 100, NULL);
    p[100] = 1;
    assert_int_equal(nmx_heap_free(h, p), NMX_OK);
    assert_int_equal(nmx_heap_destroy(h, &r), NMX_OK);
    assert_int_equal(r.misuse_total, 1);
    nmx_heap_report_free(&r);

    /* overrun, freed, and the block handed out again at once (the new
     * block's canary is intact at the same place) */
    h = mk(0, 0);
    p = nmx_heap_alloc(h, 100, NULL);
    p[100] = 1;
    assert_int_equal(nmx_heap_free(h, p), NMX_OK);
    uint8_t *q = nmx_heap_alloc(h, 100, NULL);
    if (arena_mode())
        assert_ptr_equal(q, p);
    check_zero(q, 0, 100);
    assert_int_equal(nmx_heap_free(h, q), NMX_OK);
    assert_int_equal(misuse(h, NMX_MISUSE_OVERRUN), 1);

    /* the last misuse stays the last one made */
    p = nmx_heap_alloc(h, 30, NULL);
    p[31] = 1;
    assert_int_equal(nmx_heap_free(h, p), NMX_OK);
    int local = 0;
    assert_int_equal(nmx_heap_free(h, &local), NMX_EBADPTR);
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_int_equal(st.misuse[NMX_MISUSE_OVERRUN], 2);
    assert_int_equal(st.misuse[NMX_MISUSE_WILD], 1);
    assert_int_equal(st.last_misuse.kind, NMX_MISUSE_WILD);
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);

    /* the overrun block's chunk empties and serves another class, whose
     * block puts an intact canary where the overrun one was: 2000-byte
     * blocks (class 2048, 32 a chunk), the last of the second chunk freed
     * last; then blocks of 4048 (class 4096, 16 a chunk), the 16th ending
     * at 15 * 4096 + 4048 = 31 * 2048 + 2000 */
    h = mk(0, 0);
    uint8_t *b[100];
    for (int i = 0; i < 100; i++)
        assert_non_null(b[i] = nmx_heap_alloc(h, 2000, NULL));
    b[63][2000] = 7;
    for (int i = 32; i < 64; i++)
        assert_int_equal(nmx_heap_free(h, b[i]), NMX_OK);
    uint8_t *c[16];
    for (int i = 0; i < 16; i++)
        assert_non_null(c[i] = nmx_heap_alloc(h, 4048, NULL));
    if (arena_mode())
        assert_ptr_equal(c[15] + 4048, b[63] + 2000);
    assert_int_equal(misuse(h, NMX_MISUSE_OVERRUN), 1);
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);

    /* churn: every overrun counted, whenever the counters are read */
    h = mk(0, 0);
    uint8_t *slot[64] = {0};
    size_t sz[64];
    uint32_t x = 12345;
    uint64_t want = 0;
    for (int step = 0; step < 20000; step++) {
        x = x * 1103515245u + 12345u;
        unsigned i = (x >> 16) % 64;
        if (slot[i]) {
            if ((x >> 8) % 5 == 0) {
                slot[i][sz[i]] ^= 0xFF;
                want++;
            }
            assert_int_equal(nmx_heap_free(h, slot[i]), NMX_OK);
        }
        x = x * 1103515245u + 12345u;
        sz[i] = (x >> 12) % 3000;
        assert_non_null(slot[i] = nmx_heap_alloc(h, sz[i], NULL));
        if (step % 997 == 0)
            assert_int_equal(misuse(h, NMX_MISUSE_OVERRUN), want);
    }
    for (int i = 0; i < 64; i++)
        assert_int_equal(nmx_heap_free(h, slot[i]), NMX_OK);
    assert_int_equal(nmx_heap_destroy(h, &r), NMX_OK);
    assert_int_equal(r.misuse_total, want);
    assert_int_equal(r.leaked_blocks, 0);
    nmx_heap_report_free(&r);
}

static __attribute__((noinline)) void *leaky_site(nmx_heap *h, size_t n)
{
    void *p = nmx_heap_alloc(h, n, NULL);
    __asm__ __volatile__("" ::: "memory");
    return p;
}

static void t_destroy_report(void **s)
{
    (void)s;
    nmx_heap *h = mk(NMX_HEAP_DEBUG, 0);
    for (int i = 0; i < 10; i++)
        leaky_site(h, 100 + (size_t)i);
    leaky_site(h, 100000);
    nmx_heap_report r;
    assert_int_equal(nmx_heap_destroy(h, &r), NMX_OK);
    assert_int_equal(r.version, NMX_HEAP_REPORT_VERSION);
    assert_string_equal(r.name, "test");
    assert_int_equal(r.leaked_blocks, 11);
    assert_int_equal(r.leaked_bytes, 10 * 100 + 45 + 100000);
    assert_int_equal(r.nleaks, 11);
    for (size_t i = 0; i < r.nleaks; i++) {
        uintptr_t site = (uintptr_t)r.leaks[i].site, fn = (uintptr_t)leaky_site;
        assert_true(site > fn && site < fn + 256); /* inside leaky_site */
    }
    char buf[4096];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    nmx_heap_report_print(&r, f);
    fclose(f);
    assert_non_null(strstr(buf, "11 blocks (101045 bytes) left"));
    assert_non_null(strstr(buf, "100000 bytes at"));
    nmx_heap_report_free(&r);
    /* the heap is gone: a second destroy is an error, not a crash */
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_EBADKEY);
}

static void t_destroy_returns_memory(void **s)
{
    (void)s;
    nmx_mem_flush();
    size_t before = nmx_test_rss();
    nmx_heap *h = mk(0, 0);
    for (int i = 0; i < 200000; i++) {
        uint8_t *p = nmx_heap_alloc(h, (size_t)(16 + (i * 37) % 241), NULL);
        p[0] = 1;
    }
    uint8_t *big = nmx_heap_alloc(h, 32 << 20, NULL);
    memset(big, 1, 32 << 20);
    size_t peak = nmx_test_rss();
    assert_true(peak > before + (50u << 20));
    nmx_heap_destroy(h, NULL);
    nmx_mem_flush();
    size_t after = nmx_test_rss();
    if (arena_mode()) /* glibc may keep freed memory in malloc mode */
        assert_true(after < before + (peak - before) / 10);
}

static void t_handover_and_delete(void **s)
{
    (void)s;
    nmx_heap *a = mk(0, 0), *host = mk(0, 0);
    uint8_t *small = nmx_heap_alloc(a, 24, NULL), *large = nmx_heap_alloc(a, 100000, NULL);
    memcpy(small, "configuration blob 12345", 24);
    large[99999] = 42;
    nmx_err e;
    uint8_t *s2 = nmx_heap_handover(a, small, host, &e);
    assert_non_null(s2);
    assert_int_equal(e, NMX_OK);
    uint8_t *l2 = nmx_heap_handover(a, large, host, &e);
    assert_ptr_equal(l2, large); /* large blocks keep their address */
    assert_memory_equal(s2, "configuration blob 12345", 24);
    assert_false(nmx_heap_owns(a, s2));
    assert_true(nmx_heap_owns(host, s2));
    assert_true(nmx_heap_owns(host, l2));
    assert_null(nmx_heap_handover(a, small, host, &e)); /* already moved */
    assert_int_equal(e, NMX_EBADPTR);
    (void)nmx_heap_alloc(a, 77, NULL);
    nmx_heap_report r;
    nmx_heap_destroy(a, &r);
    assert_int_equal(r.leaked_blocks, 1);
    assert_int_equal(r.leaked_bytes, 77);
    nmx_heap_report_free(&r);
    assert_memory_equal(s2, "configuration blob 12345", 24); /* survived */
    assert_int_equal(l2[99999], 42);
    /* delete: every block moves, pointers unchanged */
    nmx_heap *b = mk(0, 0);
    void *bp[100];
    for (int i = 0; i < 100; i++) {
        bp[i] = nmx_heap_alloc(b, (size_t)(i * 500), NULL);
        memset(bp[i], i, (size_t)(i * 500));
    }
    nmx_heap_stats before, after;
    nmx_heap_get_stats(host, &before);
    assert_int_equal(nmx_heap_delete(b, host), NMX_OK);
    /* b's blocks count in host's current figures and peaks, not in its totals */
    nmx_heap_get_stats(host, &after);
    assert_int_equal(after.cur_blocks, before.cur_blocks + 100);
    assert_int_equal(after.cur_bytes, before.cur_bytes + 500u * (99u * 100u / 2u));
    assert_int_equal(after.total_blocks, before.total_blocks);
    assert_int_equal(after.total_bytes, before.total_bytes);
    assert_true(after.peak_blocks >= after.cur_blocks && after.peak_bytes >= after.cur_bytes);
    /* a heap made now (in b's slot) allocates from chunks of its own */
    nmx_heap *c = mk(0, 0);
    for (int i = 0; i < 100; i++) {
        void *q = nmx_heap_alloc(c, (size_t)(i * 500), NULL);
        assert_true(nmx_heap_owns(c, q));
        assert_false(nmx_heap_owns(host, q));
        assert_int_equal(nmx_heap_free(c, q), NMX_OK);
    }
    nmx_heap_destroy(c, NULL);
    for (int i = 0; i < 100; i++) {
        assert_true(nmx_heap_owns(host, bp[i]));
        assert_int_equal(nmx_heap_size(host, bp[i], NULL), (size_t)(i * 500));
        if (i)
            assert_int_equal(((uint8_t *)bp[i])[i * 500 - 1], i);
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(nmx_heap_free(host, bp[i]), NMX_OK);
    assert_int_equal(nmx_heap_free(host, s2), NMX_OK);
    assert_int_equal(nmx_heap_free(host, l2), NMX_OK);
    nmx_heap_stats st;
    nmx_heap_get_stats(host, &st);
    assert_int_equal(st.cur_blocks, 0);
    nmx_heap_destroy(host, NULL);
}

static void t_stats(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0);
    void *a = nmx_heap_alloc(h, 100, NULL), *b = nmx_heap_alloc(h, 200, NULL);
    nmx_heap_free(h, a);
    void *c = nmx_heap_realloc(h, b, 50, NULL);
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_int_equal(st.version, NMX_HEAP_STATS_VERSION);
    assert_int_equal(st.cur_bytes, 50);
    assert_int_equal(st.peak_bytes, 300);
    assert_int_equal(st.total_bytes, 300);
    assert_int_equal(st.cur_blocks, 1);
    assert_int_equal(st.peak_blocks, 2);
    assert_int_equal(st.total_blocks, 2);
    assert_true(st.footprint_bytes > 0 || !arena_mode());
    nmx_heap_free(h, c);
    nmx_heap_destroy(h, NULL);
}

static int misuse_calls;
static nmx_misuse_kind misuse_last;
static void on_misuse(nmx_heap *h, const nmx_misuse *m, void *ud)
{
    (void)h;
    assert_ptr_equal(ud, &misuse_calls);
    misuse_calls++;
    misuse_last = m->kind;
}

static void t_misuse_handler(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0);
    nmx_heap_set_misuse_handler(h, on_misuse, &misuse_calls);
    int x;
    nmx_heap_free(h, &x);
    assert_int_equal(misuse_calls, 1);
    assert_int_equal(misuse_last, NMX_MISUSE_WILD);
    nmx_heap_destroy(h, NULL);
}

static void t_tokens(void **s)
{
    (void)s;
    nmx_heap *h = mk(0, 0);
    uint64_t t = nmx_heap_token(h);
    nmx_heap *got = NULL;
    assert_int_equal(nmx_key_check(t, &got), NMX_OK);
    assert_ptr_equal(got, h);
    void *p = nmx_key_alloc(t, 10, NULL, NULL);
    assert_non_null(p);
    assert_int_equal(nmx_key_size(t, p, NULL), 10);
    /* neighbouring values are not valid keys */
    for (uint64_t d = 1; d < 1000; d++) {
        assert_int_equal(nmx_key_check(t + d, NULL), NMX_EBADKEY);
        assert_int_equal(nmx_key_check(t - d, NULL), NMX_EBADKEY);
    }
    assert_int_equal(nmx_key_check(0, NULL), NMX_EBADKEY);
    nmx_heap_destroy(h, NULL);
    assert_int_equal(nmx_key_check(t, NULL), NMX_EBADKEY);
    nmx_err e;
    assert_null(nmx_key_alloc(t, 10, &e, NULL));
    assert_int_equal(e, NMX_EBADKEY);
    assert_int_equal(nmx_key_free(t, p), NMX_EBADKEY);
    /* the slot is reused by a new heap: the old token still fails */
    nmx_heap *h2 = mk(0, 0);
    assert_int_not_equal(nmx_heap_token(h2), t);
    assert_int_equal(nmx_key_check(t, NULL), NMX_EBADKEY);
    nmx_heap_destroy(h2, NULL);
}

/* An empty chunk kept by the heap and reused for another size class: the
 * new class's live bitmap must not inherit the old class's metadata (no
 * block that was never allocated may validate as live). */
static void t_chunk_reuse_other_class(void **s)
{
    (void)s;
    if (!arena_mode())
        skip();
    nmx_heap *h = mk(NMX_HEAP_UNINIT, 0);
    enum { N = 200 }; /* 2000-byte blocks: 32 per chunk, several chunks */
    uint8_t *big[N];
    for (int i = 0; i < N; i++) {
        big[i] = nmx_heap_alloc(h, 2000, NULL);
        assert_non_null(big[i]);
    }
    for (int i = 0; i < N; i++) /* scrambled order: a busy free stack */
        assert_int_equal(nmx_heap_free(h, big[(i * 7) % N]), NMX_OK);
    for (int round = 0; round < 8; round++) {
        uint8_t *p = nmx_heap_alloc(h, 8, NULL); /* 16-byte class */
        assert_non_null(p);
        uintptr_t cbase = (uintptr_t)p & ~(uintptr_t)0xFFFF;
        for (uintptr_t a = cbase; a < cbase + 0x10000; a += 16)
            if (a != (uintptr_t)p && nmx_heap_owns(h, (void *)a))
                fail_msg("never-allocated block %#lx validates as live", (unsigned long)a);
        assert_int_equal(nmx_heap_free(h, p), NMX_OK);
        for (int i = 0; i < 40; i++) /* churn chunks through the cache */
            big[i] = nmx_heap_alloc(h, (size_t)(100 + round * 700), NULL);
        for (int i = 0; i < 40; i++)
            assert_int_equal(nmx_heap_free(h, big[(i * 7) % 40]), NMX_OK);
    }
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

/* A class allocates first from the chunk of its last free. When that chunk
 * empties and leaves the class (to the empty-chunk cache, where another
 * class takes it, or back to the system), the class must not allocate from
 * it again: every block handed out afterwards is live, of its own size,
 * and overlaps no other. */
static void t_last_free_chunk_retired(void **s)
{
    (void)s;
    if (!arena_mode())
        skip();
    nmx_heap *h = mk(0, 0);
    enum { N = 256, SMALLS = 600 }; /* 2000-byte blocks: 32 per chunk, 8 chunks */
    void *big[N], *sm[SMALLS], *all[N + SMALLS];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            big[i] = nmx_heap_alloc(h, 2000, NULL);
            assert_non_null(big[i]);
        }
        /* chunk by chunk: each empties with its last block, which was the
         * class's last free */
        for (int i = 0; i < N; i++)
            assert_int_equal(nmx_heap_free(h, big[round & 1 ? N - 1 - i : i]), NMX_OK);
        /* the empty chunks go to another class */
        for (int i = 0; i < SMALLS; i++) {
            sm[i] = nmx_heap_alloc(h, 8 + (size_t)round * 16, NULL);
            assert_non_null(sm[i]);
        }
        for (int i = 0; i < N; i++) {
            big[i] = nmx_heap_alloc(h, 2000, NULL);
            assert_non_null(big[i]);
            assert_int_equal(nmx_heap_size(h, big[i], NULL), 2000);
        }
        for (int i = 0; i < N; i++)
            all[i] = big[i];
        for (int i = 0; i < SMALLS; i++) {
            all[N + i] = sm[i];
            assert_int_equal(nmx_heap_size(h, sm[i], NULL), 8 + (size_t)round * 16);
        }
        qsort(all, N + SMALLS, sizeof all[0], cmp_ptr);
        for (int i = 1; i < N + SMALLS; i++) {
            size_t prev = nmx_heap_size(h, all[i - 1], NULL);
            if ((uintptr_t)all[i - 1] + prev >= (uintptr_t)all[i])
                fail_msg("blocks %p (%zu bytes) and %p overlap", all[i - 1], prev, all[i]);
        }
        for (int i = 0; i < N + SMALLS; i++)
            assert_int_equal(nmx_heap_free(h, all[i]), NMX_OK);
    }
    nmx_heap_report rep;
    assert_int_equal(nmx_heap_destroy(h, &rep), NMX_OK);
    assert_int_equal(rep.misuse_total, 0);
    nmx_heap_report_free(&rep);
}

/* Frees every block of n 2000-byte blocks (32 per chunk) in a scrambled
 * order, and returns the heap's footprint afterwards. */
static uint64_t churn_out(nmx_heap *h, void **b, int n)
{
    for (int i = 0; i < n; i++) {
        b[i] = nmx_heap_alloc(h, 2000, NULL);
        assert_non_null(b[i]);
    }
    for (int i = 0; i < n; i++)
        assert_int_equal(nmx_heap_free(h, b[(i * 37) % n]), NMX_OK);
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_int_equal(st.cur_blocks, 0);
    return st.footprint_bytes;
}

/* The blocks freed last are kept per class and handed out again first,
 * still counted in their chunks: a chunk whose last live block goes must
 * take them back first, or it never empties and its memory stays with the
 * heap; so must a heap merged into another. */
static void t_free_cache_empties(void **s)
{
    (void)s;
    if (!arena_mode())
        skip();
    enum { N = 512 }; /* 16 chunks */
    void *b[N];
    nmx_heap *h = mk(0, 0);
    uint64_t left = churn_out(h, b, N);
    /* the class's last chunk and the empty-chunk cache (4) */
    if (left > 5u * 65536u)
        fail_msg("%llu bytes held after every block was freed", (unsigned long long)left);
    /* again, after the cache was used: the same */
    assert_true(churn_out(h, b, N) <= left);
    /* merged with blocks in its cache: the other heap's chunks empty too */
    nmx_heap *host = mk(0, 0), *x = mk(0, 0);
    void *y[40];
    for (int i = 0; i < 40; i++)
        y[i] = nmx_heap_alloc(x, 2000, NULL);
    for (int i = 0; i < 20; i++)
        assert_int_equal(nmx_heap_free(x, y[i * 2]), NMX_OK);
    assert_int_equal(nmx_heap_delete(x, host), NMX_OK);
    for (int i = 0; i < 20; i++)
        assert_int_equal(nmx_heap_free(host, y[i * 2 + 1]), NMX_OK);
    /* the two chunks that held x's 40 blocks hold 64 again, and no more */
    for (int i = 0; i < 64; i++)
        b[i] = nmx_heap_alloc(host, 2000, NULL);
    nmx_heap_stats st;
    nmx_heap_get_stats(host, &st);
    if (st.footprint_bytes > 2u * 65536u)
        fail_msg("64 blocks take %llu bytes", (unsigned long long)st.footprint_bytes);
    for (int i = 0; i < 64; i++)
        assert_int_equal(nmx_heap_free(host, b[i]), NMX_OK);
    left = churn_out(host, b, N);
    if (left > 5u * 65536u)
        fail_msg("%llu bytes held by the merged heap", (unsigned long long)left);
    nmx_heap_report rep;
    assert_int_equal(nmx_heap_destroy(host, &rep), NMX_OK);
    assert_int_equal(rep.leaked_blocks, 0);
    assert_int_equal(rep.misuse_total, 0);
    nmx_heap_report_free(&rep);
    assert_int_equal(nmx_heap_destroy(h, NULL), NMX_OK);
}

/* A long random sequence of allocations, reallocations, frees and size
 * queries, checked against a model of what is live: every block handed
 * out reads zero and overlaps no live block, its contents (a pattern of
 * its own) survive every other call, a block freed answers as freed, and
 * the statistics agree. Sizes cross the small classes, with a few large
 * blocks; the free cache, the class hints and chunk reuse all take part. */
struct mblk {
    uint8_t *p;
    size_t n;
    uint8_t tag;
};

static uint64_t rnd(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static size_t rnd_size(uint64_t *s)
{
    uint64_t r = rnd(s);
    switch (r % 16) {
    case 0:
        return (size_t)(r >> 8) % 200000; /* large, sometimes */
    case 1:
    case 2:
        return (size_t)(r >> 8) % 32768;
    default:
        return (size_t)(r >> 8) % 4097;
    }
}

static void mblk_check(const struct mblk *b, const char *when)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->p[i] != (uint8_t)(b->tag + i))
            fail_msg("%s: block %p (%zu bytes) changed at byte %zu", when, (void *)b->p, b->n, i);
}

static void mblk_fill(struct mblk *b, uint8_t tag)
{
    b->tag = tag;
    for (size_t i = 0; i < b->n; i++)
        b->p[i] = (uint8_t)(tag + i);
}

static void t_random_model(void **s)
{
    (void)s;
    enum { SLOTS = 700, STEPS = 60000, STALE = 64 };
    nmx_heap *h = mk(0, 0);
    struct mblk *m = calloc(SLOTS, sizeof *m);
    void *stale[STALE] = {0};
    assert_non_null(m);
    uint64_t seed = 0x243F6A8885A308D3ull, live_bytes = 0, live_blocks = 0;
    unsigned nstale = 0;
    for (int step = 0; step < STEPS; step++) {
        uint64_t r = rnd(&seed);
        struct mblk *b = &m[r % SLOTS];
        unsigned op = (unsigned)(r >> 32) % 8;
        nmx_err e;
        if (!b->p) {
            /* allocate: zero, and apart from every live block */
            b->n = rnd_size(&seed);
            b->p = nmx_heap_alloc(h, b->n, &e);
            assert_int_equal(e, NMX_OK);
            assert_non_null(b->p);
            for (size_t i = 0; i < b->n; i++)
                if (b->p[i])
                    fail_msg("step %d: new block of %zu bytes not zero at byte %zu", step, b->n,
                             i);
            mblk_fill(b, (uint8_t)r);
            live_bytes += b->n;
            live_blocks++;
        } else if (op < 4) {
            /* free: the contents were intact; a second free is refused */
            mblk_check(b, "free");
            assert_int_equal(nmx_heap_free(h, b->p), NMX_OK);
            if (op == 0)
                assert_int_equal(nmx_heap_free(h, b->p), NMX_EBADPTR);
            stale[nstale++ % STALE] = b->p;
            live_bytes -= b->n;
            live_blocks--;
            b->p = NULL;
        } else if (op < 6) {
            /* realloc: the common part kept, the rest zero */
            size_t n = rnd_size(&seed);
            mblk_check(b, "realloc");
            uint8_t *q = nmx_heap_realloc(h, b->p, n, &e);
            assert_int_equal(e, NMX_OK);
            assert_non_null(q);
            size_t keep = n < b->n ? n : b->n;
            for (size_t i = 0; i < n; i++)
                if (q[i] != (i < keep ? (uint8_t)(b->tag + i) : 0))
                    fail_msg("step %d: realloc %zu -> %zu wrong at byte %zu", step, b->n, n, i);
            live_bytes = live_bytes - b->n + n;
            b->p = q;
            b->n = n;
            mblk_fill(b, b->tag);
        } else {
            /* sizes: of a live block, and of a freed one (perhaps handed
             * out again since: then it is live, of whatever size) */
            assert_int_equal(nmx_heap_size(h, b->p, &e), b->n);
            assert_int_equal(e, NMX_OK);
            if (nstale) {
                void *q = stale[(r >> 40) % (nstale < STALE ? nstale : STALE)];
                bool live = false;
                for (int i = 0; i < SLOTS && !live; i++)
                    live = m[i].p == q;
                (void)nmx_heap_size(h, q, &e);
                assert_int_equal(e, live ? NMX_OK : NMX_EBADPTR);
            }
        }
    }
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_int_equal(st.cur_blocks, live_blocks);
    assert_int_equal(st.cur_bytes, live_bytes);
    for (int i = 0; i < SLOTS; i++)
        if (m[i].p) {
            mblk_check(&m[i], "end");
            assert_int_equal(nmx_heap_free(h, m[i].p), NMX_OK);
        }
    nmx_heap_report rep;
    assert_int_equal(nmx_heap_destroy(h, &rep), NMX_OK);
    assert_int_equal(rep.leaked_blocks, 0);
    nmx_heap_report_free(&rep);
    free(m);
}

/* The size classes of docs/allocator.md: 16..128 by 16, then 4 per power of
 * two up to 32 KiB. For each, the largest request of the class (n + 1 fills
 * the block) and the smallest. */
static size_t class_sizes(size_t *out)
{
    size_t k = 0;
    for (size_t z = 16; z <= 128; z += 16)
        out[k++] = z;
    for (size_t b = 7; b < 15; b++)
        for (size_t j = 1; j <= 4; j++)
            out[k++] = ((size_t)1 << b) + j * ((size_t)1 << (b - 2));
    return k;
}

struct geo_probe {
    uint64_t key;
    uint8_t *live, *freed;
    size_t n, bsize;
    int bad; /* answers that were wrong */
};

/* What the key's calls answer for the probe's pointers: from the thread
 * that owns the heap and, in another thread, without its lock. */
static void *geo_check(void *arg)
{
    struct geo_probe *g = arg;
    nmx_err e = NMX_OK;
    if (nmx_key_size(g->key, g->live, &e) != g->n || e != NMX_OK)
        g->bad++;
    const size_t offs[] = {1, 8, g->bsize / 2, g->bsize - 1};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        if (nmx_key_size(g->key, g->live + offs[i], &e) != 0 || e != NMX_EBADPTR)
            g->bad++;
        if (nmx_key_free(g->key, g->live + offs[i]) != NMX_EBADPTR)
            g->bad++;
    }
    if (nmx_key_size(g->key, g->freed, &e) != 0 || e != NMX_EBADPTR)
        g->bad++;
    if (nmx_key_free(g->key, g->freed) != NMX_EBADPTR)
        g->bad++;
    return NULL;
}

static void t_every_class_geometry(void **s)
{
    (void)s;
    size_t cls[48];
    size_t ncls = class_sizes(cls);
    assert_int_equal(ncls, 40);
    nmx_heap *h = mk(0, 0);
    uint64_t key = nmx_heap_token(h);
    uint64_t calls = 0;
    for (size_t c = 0; c < ncls; c++) {
        size_t lo = c ? cls[c - 1] : 0, hi = cls[c] - 1;
        for (size_t n = lo; n <= hi; n += hi - lo ? hi - lo : 1) {
            uint8_t *a = nmx_heap_alloc(h, n, NULL), *b = nmx_heap_alloc(h, n, NULL);
            uint8_t *x = nmx_heap_alloc(h, n, NULL);
            assert_non_null(a);
            assert_non_null(b);
            assert_non_null(x);
            assert_int_equal(nmx_heap_size(h, a, NULL), n);
            assert_int_equal(nmx_heap_free(h, b), NMX_OK);
            /* a and b are blocks of one chunk; b is free */
            struct geo_probe g = {key, a, b, n, cls[c], 0};
            if (arena_mode()) {
                uintptr_t d = a > b ? (uintptr_t)(a - b) : (uintptr_t)(b - a);
                assert_int_equal(d % cls[c], 0);
            }
            geo_check(&g); /* this thread: the heap's owner after a few calls */
            pthread_t t;
            assert_int_equal(pthread_create(&t, NULL, geo_check, &g), 0);
            pthread_join(t, NULL);
            if (g.bad)
                fail_msg("class %zu (%zu B), request %zu: %d wrong answers", c, cls[c], n, g.bad);
            calls += 2 * 10;
            assert_int_equal(nmx_heap_free(h, a), NMX_OK);
            assert_int_equal(nmx_heap_free(h, x), NMX_OK);
            if (lo == hi)
                break;
        }
    }
    nmx_heap_stats st;
    nmx_heap_get_stats(h, &st);
    assert_int_equal(st.misuse_total, calls);
    if (arena_mode()) {
        assert_int_equal(st.misuse[NMX_MISUSE_INTERIOR], calls * 8 / 10);
        assert_int_equal(st.misuse[NMX_MISUSE_DOUBLE], calls * 2 / 10);
    }
    nmx_heap_destroy(h, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_alloc_zero_and_size),
        cmocka_unit_test(t_zero_size_unique),
        cmocka_unit_test(t_uninit_heap),
        cmocka_unit_test(t_free_null),
        cmocka_unit_test(t_invalid_pointers),
        cmocka_unit_test(t_stale_after_destroy),
        cmocka_unit_test(t_realloc),
        cmocka_unit_test(t_realloc_doubling),
        cmocka_unit_test(t_quota),
        cmocka_unit_test(t_terminate),
        cmocka_unit_test(t_overrun),
        cmocka_unit_test(t_overrun_pending),
        cmocka_unit_test(t_destroy_report),
        cmocka_unit_test(t_destroy_returns_memory),
        cmocka_unit_test(t_handover_and_delete),
        cmocka_unit_test(t_stats),
        cmocka_unit_test(t_misuse_handler),
        cmocka_unit_test(t_tokens),
        cmocka_unit_test(t_chunk_reuse_other_class),
        cmocka_unit_test(t_every_class_geometry),
        cmocka_unit_test(t_last_free_chunk_retired),
        cmocka_unit_test(t_free_cache_empties),
        cmocka_unit_test(t_random_model),
    };
    return cmocka_run_group_tests_name(nmx_mem_mode_get() == NMX_MEM_MALLOC ? "heap (malloc mode)"
                                                                             : "heap",
                                       tests, NULL, NULL);
}
