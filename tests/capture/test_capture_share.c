/*
 * test_capture_share.c: a pcap or pcapng opened with NMX_CAPTURE_INCREMENTAL |
 * NMX_CAPTURE_SHARE_WALK and read by processes forked from the opener
 * (docs/capture-formats.md, "A walk shared with forked processes").
 *
 * A forked reader sees exactly what a capture indexed at open holds (the
 * same frames at the same addresses, the same count and warnings, and for
 * a pcapng the same interfaces, link types and comment) in every
 * case its walker can leave it in: walking beside it, never walking (the
 * reader takes the walk over after the stall time), stopped half way,
 * ending at damage or at a cut. Frames are read in order (through the ring
 * of offsets, which a small ring makes lap), at random, and backwards; two
 * readers read at once. A forked process cannot make any shared index
 * writable, and the opener's index is never changed by a reader: the
 * opener reads every frame right afterwards.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/internal.h"
#include "capture_test_util.h"

static uint32_t rng_state;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static void make_pcap(tbuf *b, size_t count, uint32_t max_caplen)
{
    tb_init(b, false);
    tp_header(b, 0xa1b2c3d4u, 1);
    uint8_t *tmp = malloc(max_caplen + 1);
    assert_non_null(tmp);
    for (size_t i = 0; i < count; i++) {
        uint32_t caplen = rng() % (max_caplen + 1);
        tb_u32(b, 1700000000u + (uint32_t)i / 100u);
        tb_u32(b, (uint32_t)i % 1000000u);
        tb_u32(b, caplen);
        tb_u32(b, caplen + 4);
        fill_payload(tmp, caplen, i);
        tb_bytes(b, tmp, caplen);
    }
    free(tmp);
}

/* A pcapng of `count` EPBs: one section and interface, or (late) a second
 * interface defined after a third of the frames and a second section
 * (big-endian, with a comment and two interfaces of its own) after two
 * thirds; some frames carry comments. */
static void make_pcapng(tbuf *b, size_t count, uint32_t max_caplen, bool late)
{
    tb_init(b, false);
    pn_shb(b, "first section");
    pn_idb(b, 1, 65535, "eth0", 6, 0);
    uint8_t *tmp = malloc(max_caplen + 1);
    assert_non_null(tmp);
    uint32_t nif = 1;
    for (size_t i = 0; i < count; i++) {
        if (late && i == count / 3) {
            pn_idb(b, 101, 65535, "raw0", 9, 0); /* raw IP, nanoseconds */
            nif = 2;
        }
        if (late && i == 2 * count / 3) {
            b->be = true;
            pn_shb(b, "second section");
            pn_idb(b, 1, 65535, "eth1", 6, 0);
            pn_idb(b, 105, 65535, "wlan1", 6, 0);
            nif = 2;
        }
        uint32_t caplen = rng() % (max_caplen + 1);
        fill_payload(tmp, caplen, i);
        pn_epb(b, (uint32_t)(i % nif), 1700000000000000ull + i * 1000, tmp, caplen, caplen + 4,
               i % 97 == 0 ? "a frame comment" : NULL);
    }
    free(tmp);
}

enum leader { WALKS, NEVER_WALKS, STOPS };
enum order { FORWARD, RANDOM, BACKWARD };

static bool same_frame(const nmx_capture *a, const nmx_capture *b, uint64_t k)
{
    nmx_frame x, y;
    return nmx_capture_frame(a, k, &x) == NMX_OK && nmx_capture_frame(b, k, &y) == NMX_OK &&
           x.data == y.data && x.caplen == y.caplen && x.wirelen == y.wirelen &&
           x.ts_ns == y.ts_ns && x.offset == y.offset;
}

/* In the forked reader: every frame, the count, the warnings, against ref
 * (indexed at open, before the fork). Exit status 0 when all agree. */
static int reader(nmx_capture *sh, const nmx_capture *ref, enum order order, bool must_follow)
{
    alarm(60); /* a reader that waits for ever: SIGALRM */
    uint64_t n = nmx_capture_frame_count(ref);
    uint64_t ok = 0;
    if (order == FORWARD) {
        for (uint64_t k = 0; nmx_capture_has_frame(sh, k); k++)
            ok += same_frame(sh, ref, k);
    } else if (order == BACKWARD) {
        uint64_t c = nmx_capture_frame_count(sh);
        for (uint64_t k = c; k-- > 0;)
            ok += same_frame(sh, ref, k);
    } else {
        for (uint64_t i = 0; i < n; i++)
            ok += same_frame(sh, ref, rng() % n);
        ok = ok == n ? n : 0;
    }
    if (ok != n)
        return 11;
    if (nmx_capture_frame_count(sh) != n || nmx_capture_has_frame(sh, n))
        return 12;
    /* what only the whole walk tells: interfaces, link types, comment */
    if (nmx_capture_interface_count(sh) != nmx_capture_interface_count(ref))
        return 16;
    uint32_t la[64], lb[64];
    size_t nla = nmx_capture_linktypes(sh, la, 64), nlb = nmx_capture_linktypes(ref, lb, 64);
    if (nla != nlb || memcmp(la, lb, nla * sizeof *la) != 0)
        return 17;
    size_t ca = 0, cb = 0;
    const char *sa = nmx_capture_comment(sh, &ca), *sb = nmx_capture_comment(ref, &cb);
    if (ca != cb || (ca && memcmp(sa, sb, ca) != 0))
        return 18;
    bool complete = false;
    (void)nmx_capture_frames_known(sh, &complete);
    if (!complete)
        return 13;
    size_t nw = nmx_capture_warning_count(ref);
    if (nmx_capture_warning_count(sh) != nw)
        return 14;
    for (size_t w = 0; w < nw; w++)
        if (strcmp(nmx_capture_warning(sh, w)->msg, nmx_capture_warning(ref, w)->msg) != 0)
            return 15;
    /* took the walk over though the leader walked it (a pcapng follower
     * makes its whole comment itself at the end, by a walk of nothing) */
    if (must_follow && nmx_capture_get_format(sh) == NMX_FORMAT_PCAP && !sh->share)
        return 19;
    return 0;
}

struct stopper {
    nmx_capture *cap;
    volatile int stop;
};

static void *walk_until_stopped(void *arg)
{
    struct stopper *s = arg;
    (void)nmx_capture_walk(s->cap, &s->stop);
    return NULL;
}

/* One file, one way: the opener starts walking (or not), forks `readers`
 * readers, stops its walk (STOPS), and afterwards checks its own view of
 * every frame. With `clean` (a file without damage, and a pcapng without
 * sections or interfaces after the first frame) a reader of a leader that
 * walks must have followed it to the end. */
static void run_case(const void *p, size_t len, enum leader leader, enum order order,
                     unsigned readers, bool clean)
{
    nmx_capture *ref = NULL, *sh = NULL;
    assert_int_equal(nmx_capture_open_memory(p, len, "cap", 0, &ref, NULL), NMX_OK);
    assert_int_equal(nmx_capture_open_memory(p, len, "cap",
                                             NMX_CAPTURE_INCREMENTAL | NMX_CAPTURE_SHARE_WALK,
                                             &sh, NULL),
                     NMX_OK);
    assert_non_null(sh->share); /* the index is shared */
    struct stopper st = {.cap = sh, .stop = 0};
    pthread_t t;
    if (leader != NEVER_WALKS) {
        uint64_t at_open = nmx_capture_frames_known(sh, NULL);
        bool complete = false;
        assert_int_equal(pthread_create(&t, NULL, walk_until_stopped, &st), 0);
        /* (the walk is under way once it has published a batch) */
        while (nmx_capture_frames_known(sh, &complete) == at_open && !complete)
            sched_yield();
    }
    pid_t pids[4];
    for (unsigned r = 0; r < readers; r++) {
        pids[r] = fork();
        assert_true(pids[r] >= 0);
        if (pids[r] == 0) {
            rng_state = 77 + r;
            _exit(reader(sh, ref, order, clean && leader == WALKS));
        }
    }
    if (leader == STOPS) {
        usleep(2000);
        __atomic_store_n(&st.stop, 1, __ATOMIC_RELAXED);
    }
    if (leader != NEVER_WALKS)
        pthread_join(t, NULL);
    for (unsigned r = 0; r < readers; r++) {
        int status = 0;
        assert_int_equal(waitpid(pids[r], &status, 0), pids[r]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    /* the opener's own view, after its readers: whole and unchanged */
    uint64_t n = nmx_capture_frame_count(ref);
    assert_int_equal(nmx_capture_frame_count(sh), n);
    for (uint64_t k = 0; k < n; k++)
        assert_true(same_frame(sh, ref, k));
    assert_int_equal(nmx_capture_warning_count(sh), nmx_capture_warning_count(ref));
    nmx_capture_close(sh);
    nmx_capture_close(ref);
}

static void all_ways(const void *p, size_t len, bool clean)
{
    static const struct {
        enum leader leader;
        enum order order;
        unsigned readers;
    } ways[] = {
        {WALKS, FORWARD, 1},       {WALKS, FORWARD, 2},     {WALKS, RANDOM, 1},
        {WALKS, BACKWARD, 1},      {NEVER_WALKS, FORWARD, 1}, {NEVER_WALKS, RANDOM, 2},
        {STOPS, FORWARD, 1},       {STOPS, BACKWARD, 2},
    };
    for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++)
        run_case(p, len, ways[i].leader, ways[i].order, ways[i].readers, clean);
}

static int setup(void **state)
{
    (void)state;
    /* small batches and a small ring: many publications, laps of the ring.
     * A reader whose walker is not walking takes over at once; one whose
     * walker walks waits for it (the stall time is long here: a walker
     * slowed by a loaded machine must not count as gone). */
    setenv("NMX_CAPTURE_BATCH", "8192", 1);
    setenv("NMX_CAPTURE_RING_BITS", "10", 1);
    setenv("NMX_CAPTURE_SHARE_STALL_MS", "2000", 1);
    return 0;
}

static void test_share_good(void **state)
{
    (void)state;
    rng_state = 5;
    tbuf b;
    make_pcap(&b, 60000, 200);
    all_ways(b.p, b.len, true);
    tb_free(&b);
}

/* cut inside a record's data, inside a record header, and a record whose
 * captured length is past the limit in the middle */
static void test_share_damaged(void **state)
{
    (void)state;
    rng_state = 6;
    tbuf b;
    make_pcap(&b, 40000, 200);
    all_ways(b.p, b.len - 7, false);
    all_ways(b.p, b.len - (b.len - 24) / 3, false);
    size_t off = 24;
    for (unsigned k = 0; k < 20000; k++) {
        uint32_t cl;
        memcpy(&cl, b.p + off + 8, 4);
        off += 16 + cl;
    }
    tb_set_u32le(&b, off + 8, 0x7fffffffu);
    all_ways(b.p, b.len, false);
    tb_free(&b);
}

/* pcapng: one section and interface (followed to the end), and one whose
 * second interface and second section come after the fork (the reader
 * takes over at the first publication that has them); cut. */
static void test_share_pcapng(void **state)
{
    (void)state;
    rng_state = 10;
    tbuf b;
    make_pcapng(&b, 30000, 200, false);
    all_ways(b.p, b.len, true);
    all_ways(b.p, b.len - 5, false);
    tb_free(&b);
    make_pcapng(&b, 30000, 200, true);
    all_ways(b.p, b.len, false);
    all_ways(b.p, b.len - (b.len / 5), false); /* cut in the second section */
    tb_free(&b);
}

/* A child forked while a thread of its parent scans an incremental
 * capture (a walk of one batch at a time, published at the end of each):
 * a fork between two stores of a publication would give the child a walk
 * state that is neither the old nor the new one, and the child, walking
 * on from it, frames numbered wrongly. Forks wait for publications to end
 * (capture.c); each child checks the count and every 7th frame. */
static void *scan_all(void *arg)
{
    nmx_capture *c = arg;
    for (uint64_t k = 0; nmx_capture_has_frame(c, k); k++) {
        nmx_frame f;
        (void)nmx_capture_frame(c, k, &f);
    }
    return NULL;
}

static void forks_during_batches(const void *p, size_t len)
{
    nmx_capture *ref = NULL;
    assert_int_equal(nmx_capture_open_memory(p, len, "cap", 0, &ref, NULL), NMX_OK);
    uint64_t n = nmx_capture_frame_count(ref);
    unsigned bad = 0, forks = 0;
    for (unsigned round = 0; round < 4; round++) {
        nmx_capture *c = NULL;
        assert_int_equal(nmx_capture_open_memory(p, len, "cap", NMX_CAPTURE_INCREMENTAL, &c, NULL),
                         NMX_OK);
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, scan_all, c), 0);
        bool complete = false;
        pid_t pids[64];
        unsigned np = 0;
        while (!complete && np < 64) {
            pid_t pid = fork();
            assert_true(pid >= 0);
            if (pid == 0) {
                alarm(30);
                bool ok = nmx_capture_frame_count(c) == n;
                for (uint64_t k = 0; ok && k < n; k += 7)
                    ok = same_frame(c, ref, k);
                _exit(ok && same_frame(c, ref, n - 1) ? 0 : 1);
            }
            pids[np++] = pid;
            usleep(150);
            (void)nmx_capture_frames_known(c, &complete);
        }
        for (unsigned i = 0; i < np; i++) {
            int status = 0;
            assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
            bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        }
        forks += np;
        pthread_join(t, NULL);
        nmx_capture_close(c);
    }
    nmx_capture_close(ref);
    print_message("forks during batch walks: %u, wrong children: %u\n", forks, bad);
    assert_int_equal(bad, 0);
}

static void test_fork_during_batches(void **state)
{
    (void)state;
    setenv("NMX_CAPTURE_BATCH", "1024", 1);
    rng_state = 12;
    tbuf b;
    make_pcap(&b, 200000, 60);
    forks_during_batches(b.p, b.len);
    tb_free(&b);
    make_pcapng(&b, 150000, 60, true);
    forks_during_batches(b.p, b.len);
    tb_free(&b);
    setenv("NMX_CAPTURE_BATCH", "8192", 1);
}

/* Without NMX_CAPTURE_SHARE_WALK nothing is shared. */
static void test_share_off(void **state)
{
    (void)state;
    rng_state = 8;
    tbuf b;
    make_pcap(&b, 100, 50);
    nmx_capture *c = NULL;
    assert_int_equal(nmx_capture_open_memory(b.p, b.len, "x", NMX_CAPTURE_INCREMENTAL, &c, NULL),
                     NMX_OK);
    assert_null(c->share);
    assert_null(c->ring);
    nmx_capture_close(c);
    tb_free(&b);
}

/* A forked process's view of every shared walk is read-only, and cannot
 * be made writable (two captures: the one it reads and another), while
 * the opener still writes to both. */
static void test_child_read_only(void **state)
{
    (void)state;
    rng_state = 9;
    tbuf b;
    make_pcap(&b, 5000, 100);
    nmx_capture *c[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++)
        assert_int_equal(nmx_capture_open_memory(b.p, b.len, "x",
                                                 NMX_CAPTURE_INCREMENTAL | NMX_CAPTURE_SHARE_WALK,
                                                 &c[i], NULL),
                         NMX_OK);
    assert_true(nmx_capture_walk(c[0], NULL));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int rc = 0;
        for (int i = 0; i < 2 && !rc; i++) {
            if (mprotect(c[i]->share_map, c[i]->share_len, PROT_READ | PROT_WRITE) == 0)
                rc = 2; /* writable again: the seal did not hold */
            else if (errno != EACCES)
                rc = 3;
        }
        if (!rc && nmx_capture_frame_count(c[0]) != 5000)
            rc = 4;
        _exit(rc);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* the opener's view stays writable: its walk goes on */
    assert_true(nmx_capture_walk(c[1], NULL));
    assert_int_equal(nmx_capture_frame_count(c[1]), 5000);
    for (int i = 0; i < 2; i++)
        nmx_capture_close(c[i]);
    tb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share_off),
        cmocka_unit_test(test_child_read_only),
        cmocka_unit_test(test_share_good),
        cmocka_unit_test(test_share_damaged),
        cmocka_unit_test(test_share_pcapng),
        cmocka_unit_test(test_fork_during_batches),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
