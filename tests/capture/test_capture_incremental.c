/*
 * test_capture_incremental.c: a pcap opened with NMX_CAPTURE_INCREMENTAL
 * (indexed as frames are asked for) holds exactly what the same bytes
 * opened the usual way hold (indexed at open): the same frames, the same
 * count, the same warnings with the same texts, whatever the order frames
 * are asked in (a forward scan, the count first, the last frame first,
 * random frames, several threads at once), on good, truncated and damaged
 * files, in every pcap variant. Open itself walks only the first records,
 * and a child forked while a thread of its parent walks finds the walk free.
 * The same for Network Monitor files (written by the library's writer from
 * those pcaps), whose records are checked as they are asked for: good, with
 * a table entry or a record damaged in the middle or at the start, cut.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/internal.h"
#include "capture_test_util.h"

#define FIRST_SEC 1700000000u

static uint32_t rng_state;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* A pcap in memory: header, then `count` records of random sizes (up to
 * max_caplen bytes); rec_len 16 (usual), 24 (Red Hat 6.1), 20 (Nokia). */
static void make_pcap(tbuf *b, size_t count, uint32_t max_caplen, bool be, bool nano,
                      uint32_t rec_len)
{
    tb_init(b, be);
    tp_header(b, nano ? 0xa1b23c4du : 0xa1b2c3d4u, 1);
    uint8_t *tmp = malloc(max_caplen + 1);
    assert_non_null(tmp);
    for (size_t i = 0; i < count; i++) {
        uint32_t caplen = rng() % (max_caplen + 1);
        tb_u32(b, FIRST_SEC + (uint32_t)i / 100u);
        tb_u32(b, (uint32_t)i % 1000000u);
        tb_u32(b, caplen);
        tb_u32(b, caplen + 4);
        tb_zero(b, rec_len - 16);
        fill_payload(tmp, caplen, i);
        tb_bytes(b, tmp, caplen);
    }
    free(tmp);
}

struct opened {
    nmx_err      err;
    nmx_diag     d;
    nmx_capture *cap;
};

static struct opened open_flags(const void *p, size_t len, unsigned flags)
{
    struct opened o;
    memset(&o, 0, sizeof o);
    o.err = nmx_capture_open_memory(p, len, "inc", flags, &o.cap, &o.d);
    return o;
}

/* The same, walked by one thread whatever NMX_CAPTURE_PARALLEL_MIN says:
 * the reference of every comparison. */
static struct opened open_sequential(const void *p, size_t len, unsigned flags)
{
    const char *was = getenv("NMX_CAPTURE_PARALLEL_MIN");
    char *keep = was ? strdup(was) : NULL;
    assert_int_equal(setenv("NMX_CAPTURE_PARALLEL_MIN", "18446744073709551615", 1), 0);
    struct opened o = open_flags(p, len, flags);
    if (keep)
        assert_int_equal(setenv("NMX_CAPTURE_PARALLEL_MIN", keep, 1), 0);
    else
        unsetenv("NMX_CAPTURE_PARALLEL_MIN");
    free(keep);
    return o;
}

static void same_frame(const nmx_capture *a, const nmx_capture *b, uint64_t i)
{
    nmx_frame fa, fb;
    assert_int_equal(nmx_capture_frame(a, i, &fa), NMX_OK);
    assert_int_equal(nmx_capture_frame(b, i, &fb), NMX_OK);
    assert_ptr_equal(fb.data, fa.data);
    assert_int_equal(fb.caplen, fa.caplen);
    assert_int_equal(fb.wirelen, fa.wirelen);
    assert_int_equal(fb.ts_ns, fa.ts_ns);
    assert_int_equal(fb.offset, fa.offset);
    assert_int_equal(fb.number, i);
}

static void same_diag(const nmx_diag *a, const nmx_diag *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->code, b->code);
    assert_int_equal(a->offset, b->offset);
    assert_int_equal(a->value, b->value);
    assert_int_equal(a->limit, b->limit);
    assert_string_equal(a->msg, b->msg);
}

/* What the whole walk found besides the frames: the comment, the
 * interfaces, the link types. */
static void same_header(const nmx_capture *a, const nmx_capture *b)
{
    size_t la = 0, lb = 0;
    const char *ca = nmx_capture_comment(a, &la), *cb = nmx_capture_comment(b, &lb);
    assert_int_equal(lb, la);
    if (la)
        assert_memory_equal(cb, ca, la);
    else
        assert_true((ca == NULL) == (cb == NULL));
    size_t ni = nmx_capture_interface_count(a);
    assert_int_equal(nmx_capture_interface_count(b), ni);
    for (size_t k = 0; k < ni; k++) {
        nmx_interface x, y;
        assert_int_equal(nmx_capture_interface(a, k, &x), NMX_OK);
        assert_int_equal(nmx_capture_interface(b, k, &y), NMX_OK);
        assert_int_equal(y.linktype, x.linktype);
        assert_int_equal(y.snaplen, x.snaplen);
        assert_int_equal(y.tsresol, x.tsresol);
        assert_int_equal(y.tsoffset_s, x.tsoffset_s);
        assert_int_equal(y.section, x.section);
        if (x.name)
            assert_string_equal(y.name, x.name);
        else
            assert_null(y.name);
    }
    uint32_t lta[64], ltb[64];
    size_t nl = nmx_capture_linktypes(a, lta, 64);
    assert_int_equal(nmx_capture_linktypes(b, ltb, 64), nl);
    assert_memory_equal(ltb, lta, (nl < 64 ? nl : 64) * sizeof *lta);
    assert_int_equal(nmx_capture_mac_type(b), nmx_capture_mac_type(a));
    unsigned ma = 0, mi = 0, mb = 0, nb = 0;
    nmx_capture_version(a, &ma, &mi);
    nmx_capture_version(b, &mb, &nb);
    assert_int_equal(mb, ma);
    assert_int_equal(nb, mi);
}

enum order { ORDER_FORWARD, ORDER_COUNT_FIRST, ORDER_LAST_FIRST, ORDER_RANDOM, ORDER_BACKWARD,
             ORDER_N };

/* Compares an incremental open with the usual one of the same bytes,
 * asking for frames in `order`. */
static void compare(const void *p, size_t len, enum order order)
{
    struct opened e = open_sequential(p, len, 0), i = open_flags(p, len, NMX_CAPTURE_INCREMENTAL);
    assert_int_equal(i.err, e.err);
    if (e.err != NMX_OK) {
        same_diag(&e.d, &i.d);
        return;
    }
    uint64_t n = nmx_capture_frame_count(e.cap);
    int64_t s0 = 0, s1 = 0;
    assert_int_equal(nmx_capture_start_time(i.cap, &s1), nmx_capture_start_time(e.cap, &s0));
    assert_int_equal(s1, s0);
    assert_true(nmx_capture_frame_limit(i.cap) >= n);
    switch (order) {
    case ORDER_FORWARD: {
        uint64_t k = 0;
        for (; nmx_capture_has_frame(i.cap, k); k++)
            same_frame(e.cap, i.cap, k);
        assert_int_equal(k, n);
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(i.cap, n, &f), NMX_ERANGE);
        break;
    }
    case ORDER_COUNT_FIRST:
        assert_int_equal(nmx_capture_frame_count(i.cap), n);
        for (uint64_t k = 0; k < n; k++)
            same_frame(e.cap, i.cap, k);
        break;
    case ORDER_LAST_FIRST:
        if (n) {
            same_frame(e.cap, i.cap, n - 1);
            assert_false(nmx_capture_has_frame(i.cap, n));
        }
        for (uint64_t k = 0; k < n; k += 7)
            same_frame(e.cap, i.cap, k);
        break;
    case ORDER_RANDOM:
        for (uint64_t k = 0; n && k < 2 * n; k++)
            same_frame(e.cap, i.cap, rng() % n);
        assert_false(nmx_capture_has_frame(i.cap, n + (rng() % 1000)));
        break;
    case ORDER_BACKWARD:
        for (uint64_t k = n; k-- > 0;)
            same_frame(e.cap, i.cap, k);
        break;
    default:
        fail();
    }
    bool complete = false;
    assert_int_equal(nmx_capture_frame_count(i.cap), n);
    assert_int_equal(nmx_capture_frames_known(i.cap, &complete), n);
    assert_true(complete);
    assert_int_equal(nmx_capture_frame_limit(i.cap), n);
    same_header(e.cap, i.cap);
    size_t nw = nmx_capture_warning_count(e.cap);
    assert_int_equal(nmx_capture_warning_count(i.cap), nw);
    for (size_t w = 0; w < nw && w < NMX_CAPTURE_MAX_WARNINGS; w++)
        same_diag(nmx_capture_warning(e.cap, w), nmx_capture_warning(i.cap, w));
    nmx_capture_close(e.cap);
    nmx_capture_close(i.cap);
}

/* Good files of every variant, larger than one batch of the walk (and
 * then with batches of a record or two: NMX_CAPTURE_BATCH). */
static void good_files(void)
{
    static const uint32_t rls[] = {16, 24, 20};
    rng_state = 7;
    for (unsigned v = 0; v < 3; v++)
        for (unsigned bo = 0; bo < 2; bo++)
            for (int o = 0; o < ORDER_N; o++) {
                tbuf b;
                make_pcap(&b, 1500 + rng() % 500, 1515, bo, v == 1, rls[v]);
                compare(b.p, b.len, (enum order)o);
                tb_free(&b);
            }
    /* empty, header only, one frame */
    tbuf b;
    make_pcap(&b, 0, 100, false, false, 16);
    for (int o = 0; o < ORDER_N; o++)
        compare(b.p, b.len, (enum order)o);
    struct opened i = open_flags(b.p, b.len, NMX_CAPTURE_INCREMENTAL);
    assert_int_equal(i.err, NMX_OK);
    assert_false(nmx_capture_has_frame(i.cap, 0));
    assert_int_equal(nmx_capture_frame_count(i.cap), 0);
    int64_t ns;
    assert_int_equal(nmx_capture_start_time(i.cap, &ns), NMX_ENOTFOUND);
    nmx_capture_close(i.cap);
    tb_free(&b);
    make_pcap(&b, 1, 100, false, false, 16);
    for (int o = 0; o < ORDER_N; o++)
        compare(b.p, b.len, (enum order)o);
    tb_free(&b);
}

static void test_good_files(void **state)
{
    (void)state;
    good_files();
    assert_int_equal(setenv("NMX_CAPTURE_BATCH", "50", 1), 0);
    good_files();
    unsetenv("NMX_CAPTURE_BATCH");
}

/* Cut anywhere, or with a record whose captured length is beyond the limit:
 * the same frames before the damage and the same warning, found when the
 * walk reaches it. */
static void damaged_files(void)
{
    rng_state = 11;
    tbuf b;
    make_pcap(&b, 3000, 700, false, false, 16);
    /* cuts: in the file header, in the first record, and all over */
    size_t cuts[64];
    size_t nc = 0;
    cuts[nc++] = 10;
    cuts[nc++] = 24 + 7;
    cuts[nc++] = 24 + 16 + 3;
    while (nc < sizeof cuts / sizeof cuts[0])
        cuts[nc++] = 24 + rng() % (b.len - 24);
    for (size_t c = 0; c < nc; c++)
        compare(b.p, cuts[c], (enum order)(c % ORDER_N));
    /* a bad captured length in the middle (the 1700th record) */
    size_t off = 24;
    for (unsigned k = 0; k < 1700; k++) {
        uint32_t cl = (uint32_t)b.p[off + 8] | (uint32_t)b.p[off + 9] << 8 |
                      (uint32_t)b.p[off + 10] << 16 | (uint32_t)b.p[off + 11] << 24;
        off += 16 + cl;
    }
    tb_set_u32le(&b, off + 8, 0x7fffffffu);
    for (int o = 0; o < ORDER_N; o++)
        compare(b.p, b.len, (enum order)o);
    /* strict: checked at open, as without the flag */
    struct opened s = open_flags(b.p, b.len, NMX_CAPTURE_STRICT | NMX_CAPTURE_INCREMENTAL);
    assert_int_equal(s.err, NMX_ECORRUPT);
    assert_null(s.cap);
    tb_free(&b);
}

static void test_damaged_files(void **state)
{
    (void)state;
    damaged_files();
    assert_int_equal(setenv("NMX_CAPTURE_BATCH", "1", 1), 0);
    damaged_files();
    unsetenv("NMX_CAPTURE_BATCH");
}

/* Opened incrementally, the n frames at p are walked as far as the first
 * batch at open (then at_open, when not NULL, looks at the capture), as far
 * as frame n / 2 when it is asked for, and to the end for the count. */
static void walks_little(const void *p, size_t len, uint64_t n,
                         void (*at_open)(const nmx_capture *cap, uint64_t n))
{
    struct opened i = open_flags(p, len, NMX_CAPTURE_INCREMENTAL);
    assert_int_equal(i.err, NMX_OK);
    bool complete = true;
    uint64_t known = nmx_capture_frames_known(i.cap, &complete);
    assert_false(complete);
    assert_true(known > 0);
    assert_true(known < n / 4);
    if (at_open)
        at_open(i.cap, n);
    nmx_frame f;
    assert_int_equal(nmx_capture_frame(i.cap, n / 2, &f), NMX_OK);
    known = nmx_capture_frames_known(i.cap, &complete);
    assert_false(complete);
    assert_true(known > n / 2 && known < n);
    assert_int_equal(nmx_capture_frame_count(i.cap), n);
    assert_int_equal(nmx_capture_frames_known(i.cap, &complete), n);
    assert_true(complete);
    nmx_capture_close(i.cap);
}

static void pcap_at_open(const nmx_capture *cap, uint64_t n)
{
    assert_true(nmx_capture_frame_limit(cap) >= n);
}

/* Open walks the first batch only; the rest is walked when asked for. */
static void test_open_walks_little(void **state)
{
    (void)state;
    rng_state = 3;
    tbuf b;
    make_pcap(&b, 40000, 400, false, false, 16); /* ~8 MiB */
    walks_little(b.p, b.len, 40000, pcap_at_open);
    /* without the flag the count is known at open */
    bool complete = false;
    struct opened e = open_flags(b.p, b.len, 0);
    assert_int_equal(nmx_capture_frames_known(e.cap, &complete), 40000);
    assert_true(complete);
    nmx_capture_close(e.cap);
    tb_free(&b);
}

/* nmx_capture_walk: gives up at once when asked to stop before it starts
 * (a batch at most when asked while it walks), keeps what it walked, and
 * otherwise walks to the end, damage included, as the count does. */
struct stopper {
    const nmx_capture *cap;
    volatile int stop;
    bool complete;
};

static void *walk_thread(void *arg)
{
    struct stopper *st = arg;
    st->complete = nmx_capture_walk(st->cap, &st->stop);
    return NULL;
}

static void test_walk_stops(void **state)
{
    (void)state;
    rng_state = 5;
    tbuf b;
    make_pcap(&b, 40000, 400, false, false, 16);
    b.len -= 3; /* the last record cut short: a warning at the end */
    struct opened i = open_flags(b.p, b.len, NMX_CAPTURE_INCREMENTAL);
    assert_int_equal(i.err, NMX_OK);
    bool complete = true;
    uint64_t first = nmx_capture_frames_known(i.cap, &complete);
    volatile int stop = 1;
    assert_false(nmx_capture_walk(i.cap, &stop));
    assert_int_equal(nmx_capture_frames_known(i.cap, &complete), first);
    assert_false(complete);
    /* asked to stop while it walks: it ends with a consistent index */
    struct stopper st = {i.cap, 0, false};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, walk_thread, &st), 0);
    __atomic_store_n(&st.stop, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
    uint64_t known = nmx_capture_frames_known(i.cap, &complete);
    assert_true(st.complete == complete);
    nmx_frame f;
    if (known)
        assert_int_equal(nmx_capture_frame(i.cap, known - 1, &f), NMX_OK);
    stop = 0;
    assert_true(nmx_capture_walk(i.cap, &stop));
    assert_true(nmx_capture_walk(i.cap, NULL));
    assert_int_equal(nmx_capture_frames_known(i.cap, &complete), 39999);
    assert_true(complete);
    assert_int_equal(nmx_capture_warning_count(i.cap), 1);
    nmx_capture_close(i.cap);
    struct opened e = open_flags(b.p, b.len, 0);
    assert_true(nmx_capture_walk(e.cap, &stop));
    assert_int_equal(nmx_capture_frame_count(e.cap), 39999);
    nmx_capture_close(e.cap);
    assert_false(nmx_capture_walk(NULL, NULL));
    tb_free(&b);
}

struct reader {
    const nmx_capture *inc, *ref;
    unsigned seed;
    int bad;
};

static void *read_frames(void *arg)
{
    struct reader *r = arg;
    uint64_t n = nmx_capture_frame_count(r->ref);
    unsigned s = r->seed;
    for (unsigned k = 0; k < 20000; k++) {
        s = s * 1103515245u + 12345u;
        /* mostly forward, now and then a jump ahead or back */
        uint64_t i = (s >> 8) % 64 == 0 ? (s >> 8) % n : (k * 3u + r->seed) % n;
        nmx_frame a, b;
        if (nmx_capture_frame(r->inc, i, &a) != NMX_OK || nmx_capture_frame(r->ref, i, &b) != NMX_OK ||
            a.data != b.data || a.caplen != b.caplen || a.ts_ns != b.ts_ns)
            r->bad++;
    }
    return NULL;
}

static void *count_all(void *arg);

/* A thread beside the readers that reads something else of the capture. */
struct side_reader {
    const nmx_capture *cap;
    int bad;
};

enum count_when { COUNT_NONE, COUNT_AFTER, COUNT_FIRST };

/* Four threads read frames of inc and compare them with ref's, `side` (if
 * not NULL) runs beside them on *s, and a fifth thread asks for the count
 * (`when`: not at all, once the readers run, or before them, so that most of
 * the file is left to its walk). Every thread found what it expected, and
 * inc then holds `n` frames. */
static void read_together(nmx_capture *inc, const nmx_capture *ref, unsigned seed,
                          void *(*side)(void *), struct side_reader *s, enum count_when when,
                          uint64_t n)
{
    pthread_t t[4], st, counter;
    struct reader r[4];
    if (when == COUNT_FIRST)
        assert_int_equal(pthread_create(&counter, NULL, count_all, (void *)inc), 0);
    for (unsigned k = 0; k < 4; k++) {
        r[k] = (struct reader){inc, ref, k * 7919u + seed, 0};
        assert_int_equal(pthread_create(&t[k], NULL, read_frames, &r[k]), 0);
    }
    if (side)
        assert_int_equal(pthread_create(&st, NULL, side, s), 0);
    if (when == COUNT_AFTER)
        assert_int_equal(pthread_create(&counter, NULL, count_all, (void *)inc), 0);
    for (unsigned k = 0; k < 4; k++) {
        pthread_join(t[k], NULL);
        assert_int_equal(r[k].bad, 0);
    }
    if (side) {
        pthread_join(st, NULL);
        assert_int_equal(s->bad, 0);
    }
    if (when != COUNT_NONE)
        pthread_join(counter, NULL);
    assert_int_equal(nmx_capture_frame_count(inc), n);
}

/* Threads asking for frames of one incremental capture at once; in the
 * later rounds a fifth thread asks for the count meanwhile, with the walk of
 * the rest split in two (NMX_CAPTURE_PARALLEL_MIN). */
static void test_threads(void **state)
{
    (void)state;
    rng_state = 5;
    tbuf b;
    make_pcap(&b, 30000, 900, false, false, 16);
    for (unsigned round = 0; round < 4; round++) {
        struct opened e = open_flags(b.p, b.len, 0);
        struct opened i = open_flags(b.p, b.len, NMX_CAPTURE_INCREMENTAL);
        assert_int_equal(i.err, NMX_OK);
        bool split = round >= 2;
        if (split)
            assert_int_equal(setenv("NMX_CAPTURE_PARALLEL_MIN", "1024", 1), 0);
        read_together(i.cap, e.cap, round, NULL, NULL, split ? COUNT_AFTER : COUNT_NONE, 30000);
        if (split)
            unsetenv("NMX_CAPTURE_PARALLEL_MIN");
        nmx_capture_close(e.cap);
        nmx_capture_close(i.cap);
    }
    tb_free(&b);
}

static void *count_all(void *arg)
{
    (void)nmx_capture_frame_count(arg);
    return NULL;
}

/* A child forked while a thread of its parent walks the file: the walk's
 * lock, copied taken, belongs to a thread the child does not have. The
 * child takes it over and finds every frame (and, in a pcapng, no section
 * or interface the cut walk had counted twice). */
static void fork_during_walk(const void *p, size_t len, uint64_t n)
{
    unsigned caught = 0;
    struct opened e = open_flags(p, len, 0);
    assert_int_equal(e.err, NMX_OK);
    size_t nif = nmx_capture_interface_count(e.cap);
    for (unsigned attempt = 0; attempt < 40 && caught < 3; attempt++) {
        struct opened i = open_flags(p, len, NMX_CAPTURE_INCREMENTAL);
        assert_int_equal(i.err, NMX_OK);
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, count_all, i.cap), 0);
        usleep(200 + attempt * 50);
        bool complete = true;
        (void)nmx_capture_frames_known(i.cap, &complete);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            alarm(20); /* a lock that is never taken over hangs: SIGALRM */
            bool ok = nmx_capture_frame_count(i.cap) == n &&
                      nmx_capture_interface_count(i.cap) == nif;
            for (uint64_t k = 0; ok && k < n; k += 997) {
                nmx_frame a, b;
                ok = nmx_capture_frame(i.cap, k, &a) == NMX_OK &&
                     nmx_capture_frame(e.cap, k, &b) == NMX_OK && a.data == b.data &&
                     a.ts_ns == b.ts_ns && a.interface_id == b.interface_id;
            }
            _exit(ok ? 0 : 1);
        }
        int st = 0;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
        pthread_join(t, NULL);
        if (!complete)
            caught++;
        nmx_capture_close(i.cap);
    }
    nmx_capture_close(e.cap);
    print_message("forks during the parent's walk: %u\n", caught);
}

static void test_fork_during_walk(void **state)
{
    (void)state;
    rng_state = 9;
    tbuf b;
    make_pcap(&b, 400000, 120, false, false, 16); /* ~27 MiB: a walk of a few ms */
    fork_during_walk(b.p, b.len, 400000);
    tb_free(&b);
}

/* ---- Network Monitor ----------------------------------------------------- */

/* The pcap in b, written again as a Network Monitor 2.3 file (*out: free it). */
static void to_netmon(const tbuf *b, uint8_t **out, size_t *len)
{
    nmx_capture *cap;
    nmx_diag d;
    assert_int_equal(nmx_capture_open_memory(b->p, b->len, "src", 0, &cap, &d), NMX_OK);
    nmx_writer *w;
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_NETMON, 1, 0, &w, &d), NMX_OK);
    uint64_t n = nmx_capture_frame_count(cap);
    for (uint64_t k = 0; k < n; k++) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, k, &f), NMX_OK);
        assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
    }
    assert_int_equal(nmx_writer_close_memory(w, out, len, &d), NMX_OK);
    nmx_capture_close(cap);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void st32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void netmon_files(void)
{
    rng_state = 5;
    tbuf b;
    make_pcap(&b, 2500, 900, false, false, 16);
    uint8_t *nm;
    size_t len;
    to_netmon(&b, &nm, &len);
    tb_free(&b);
    uint32_t toff = ld32(nm + 24), tlen = ld32(nm + 28);
    assert_int_equal(tlen, 2500 * 4);
    for (int o = 0; o < ORDER_N; o++)
        compare(nm, len, (enum order)o);
    uint8_t *x = malloc(len);
    assert_non_null(x);
    /* a table entry in the middle that points past the end, then at a
     * record whose captured length is beyond the ceiling */
    for (int o = 0; o < ORDER_N; o++) {
        memcpy(x, nm, len);
        st32(x + toff + 4 * 1700, (uint32_t)len + 100);
        compare(x, len, (enum order)o);
        memcpy(x, nm, len);
        st32(x + ld32(nm + toff + 4 * 2100) + 12, 0x7fffffffu);
        compare(x, len, (enum order)o);
        /* the last entry, and the first (a recovery by scanning at open) */
        memcpy(x, nm, len);
        st32(x + toff + 4 * 2499, 3);
        compare(x, len, (enum order)o);
        memcpy(x, nm, len);
        st32(x + toff, (uint32_t)len);
        compare(x, len, (enum order)o);
    }
    /* a record damaged in the middle of a file whose comment table is
     * damaged too: the open warns of the comment table, the walk of the
     * record later, and the warnings come in the order of an open that
     * checks everything (the record's first) */
    memcpy(x, nm, len);
    st32(x + toff + 4 * 1700, (uint32_t)len + 100);
    st32(x + 44, 0x7fffffffu);
    for (int o = 0; o < ORDER_N; o++)
        compare(x, len, (enum order)o);
    /* cut (the table is gone: recovered at open either way) */
    for (int k = 0; k < 8; k++)
        compare(nm, 128 + rng() % (len - 128), (enum order)(k % ORDER_N));
    /* strict: checked at open, as without the flag */
    memcpy(x, nm, len);
    st32(x + toff + 4 * 1700, (uint32_t)len + 100);
    struct opened s = open_flags(x, len, NMX_CAPTURE_STRICT | NMX_CAPTURE_INCREMENTAL);
    assert_int_equal(s.err, NMX_ECORRUPT);
    assert_null(s.cap);
    free(x);
    free(nm);
}

static void test_netmon(void **state)
{
    (void)state;
    netmon_files();
    assert_int_equal(setenv("NMX_CAPTURE_BATCH", "1", 1), 0);
    netmon_files();
    assert_int_equal(setenv("NMX_CAPTURE_BATCH", "20000", 1), 0);
    netmon_files();
    unsetenv("NMX_CAPTURE_BATCH");
}

/* The table's entries are known at open, and the link types of the records
 * checked so far. */
static void netmon_at_open(const nmx_capture *cap, uint64_t n)
{
    assert_int_equal(nmx_capture_frame_limit(cap), n);
    uint32_t lt[4];
    assert_int_equal(nmx_capture_linktypes(cap, lt, 4), 1);
    assert_int_equal(lt[0], 1);
}

/* Open checks the first batch of records only; frame n checks as far as n. */
static void test_netmon_open_walks_little(void **state)
{
    (void)state;
    rng_state = 9;
    tbuf b;
    make_pcap(&b, 40000, 400, false, false, 16);
    uint8_t *nm;
    size_t len;
    to_netmon(&b, &nm, &len);
    tb_free(&b);
    walks_little(nm, len, 40000, netmon_at_open);
    free(nm);
}

static void *read_linktypes(void *arg)
{
    struct side_reader *r = arg;
    for (unsigned k = 0; k < 20000; k++) {
        uint32_t lt[64];
        size_t n = nmx_capture_linktypes(r->cap, lt, 64);
        if (n != 1 || lt[0] != 1)
            r->bad++;
    }
    return NULL;
}

/* Threads asking for frames of one incremental Network Monitor capture at
 * once, one more reading its link types and one asking for the count. */
static void test_netmon_threads(void **state)
{
    (void)state;
    rng_state = 13;
    tbuf b;
    make_pcap(&b, 20000, 900, false, false, 16);
    uint8_t *nm;
    size_t len;
    to_netmon(&b, &nm, &len);
    tb_free(&b);
    for (unsigned round = 0; round < 2; round++) {
        struct opened e = open_flags(nm, len, 0);
        struct opened i = open_flags(nm, len, NMX_CAPTURE_INCREMENTAL);
        assert_int_equal(i.err, NMX_OK);
        struct side_reader lt = {i.cap, 0};
        read_together(i.cap, e.cap, round, read_linktypes, &lt,
                      round ? COUNT_AFTER : COUNT_NONE, 20000);
        nmx_capture_close(e.cap);
        nmx_capture_close(i.cap);
    }
    free(nm);
}

/* ---- pcapng ------------------------------------------------------------------ */

/* A block of `type` whose body is n bytes of filler. */
static void pn_other(tbuf *b, uint32_t type, size_t n)
{
    size_t s = pn_begin(b, type);
    for (size_t k = 0; k < n; k++)
        tb_u8(b, (uint8_t)(k * 13u));
    pn_end(b, s);
}

static void pn_spb(tbuf *b, const uint8_t *data, uint32_t len)
{
    size_t s = pn_begin(b, 3);
    tb_u32(b, len);
    tb_bytes(b, data, len);
    pn_end(b, s);
}

static void pn_pb(tbuf *b, uint16_t iface, uint64_t ts, const uint8_t *data, uint32_t len)
{
    size_t s = pn_begin(b, 2);
    tb_u16(b, iface);
    tb_u16(b, 0); /* drops */
    tb_u32(b, (uint32_t)(ts >> 32));
    tb_u32(b, (uint32_t)ts);
    tb_u32(b, len);
    tb_u32(b, len + 2);
    tb_bytes(b, data, len);
    pn_end(b, s);
}

/* A pcapng in memory: `count` packet blocks of random sizes (up to
 * max_caplen bytes) in one section, or in two when `two` is set (the
 * second big-endian), each section with a comment and interfaces of other
 * resolutions, link types and names, one more defined half way through
 * the second; EPBs mostly, SPBs (no time stamp) and obsolete PBs now and
 * then, and other blocks (name resolution, statistics, custom) between
 * them. spb_first: the first 300 packets are SPBs (3000 in a file of more
 * than 10000: more than a batch of the walk), so the start time comes
 * later. pos (if not NULL) gets every packet block's offset. */
static void make_pcapng(tbuf *b, size_t count, uint32_t max_caplen, bool two, bool spb_first,
                        size_t *pos)
{
    tb_init(b, false);
    pn_shb(b, "first section");
    pn_idb(b, 1, 65535, "eth0", 6, 0);
    pn_idb(b, 101, 1600, "lo", 9, 0);
    uint32_t nif = 2;
    uint8_t *tmp = malloc(max_caplen + 1);
    assert_non_null(tmp);
    uint64_t ts = (uint64_t)FIRST_SEC * 1000000u;
    for (size_t i = 0; i < count; i++) {
        if (two && i == count / 2) {
            b->be = true;
            pn_shb(b, "second section");
            pn_idb(b, 1, 65535, "eth1", 0x83, 0); /* 1/8 s */
            pn_idb(b, 113, 128, NULL, -1, 0);
            nif = 2;
        }
        if (two && i == count / 2 + count / 4) {
            pn_idb(b, 1, 96, "late", 6, 10);
            nif = 3;
        }
        uint32_t r = rng();
        if (r % 29 == 0)
            pn_other(b, r % 3 == 0 ? 4 : r % 3 == 1 ? 5 : 0x40000BADu, rng() % 300);
        uint32_t caplen = rng() % (max_caplen + 1);
        fill_payload(tmp, caplen, i);
        if (pos)
            pos[i] = b->len;
        ts += 1000u + rng() % 5000u;
        if ((spb_first && i < (count > 10000 ? 3000 : 300)) || r % 19 == 0)
            pn_spb(b, tmp, caplen);
        else if (r % 23 == 0)
            pn_pb(b, (uint16_t)(r % nif), ts, tmp, caplen > 96 ? 96 : caplen);
        else
            pn_epb(b, r % nif, ts, tmp, caplen, caplen + 4, r % 7 == 0 ? "frame" : NULL);
    }
    free(tmp);
}

/* An open that indexes everything, walked in two halves (the split forced
 * with NMX_CAPTURE_PARALLEL_MIN), against one walk; true when the halves
 * were joined. */
static bool compare_split(const void *p, size_t len)
{
    struct opened e = open_sequential(p, len, 0);
    assert_int_equal(setenv("NMX_CAPTURE_PARALLEL_MIN", "1024", 1), 0);
    struct opened s = open_flags(p, len, 0);
    unsetenv("NMX_CAPTURE_PARALLEL_MIN");
    assert_int_equal(s.err, e.err);
    if (e.err != NMX_OK) {
        same_diag(&e.d, &s.d);
        return false;
    }
    assert_int_equal(e.cap->idx_split, UINT64_MAX);
    bool joined = s.cap->idx_split != UINT64_MAX;
    uint64_t n = nmx_capture_frame_count(e.cap);
    assert_int_equal(nmx_capture_frame_count(s.cap), n);
    for (uint64_t k = 0; k < n; k++)
        same_frame(e.cap, s.cap, k);
    for (uint64_t k = n; k-- > 0;)
        same_frame(e.cap, s.cap, k);
    int64_t s0 = 0, s1 = 0;
    assert_int_equal(nmx_capture_start_time(s.cap, &s1), nmx_capture_start_time(e.cap, &s0));
    assert_int_equal(s1, s0);
    same_header(e.cap, s.cap);
    size_t nw = nmx_capture_warning_count(e.cap);
    assert_int_equal(nmx_capture_warning_count(s.cap), nw);
    for (size_t w = 0; w < nw && w < NMX_CAPTURE_MAX_WARNINGS; w++)
        same_diag(nmx_capture_warning(e.cap, w), nmx_capture_warning(s.cap, w));
    nmx_capture_close(e.cap);
    nmx_capture_close(s.cap);
    return joined;
}

static void pcapng_good_files(void)
{
    rng_state = 17;
    for (unsigned v = 0; v < 4; v++)
        for (int o = 0; o < ORDER_N; o++) {
            tbuf b;
            make_pcapng(&b, 1500 + rng() % 500, 1515, v & 1, v & 2, NULL);
            compare(b.p, b.len, (enum order)o);
            tb_free(&b);
        }
    /* no packets; one */
    tbuf b;
    make_pcapng(&b, 0, 100, false, false, NULL);
    for (int o = 0; o < ORDER_N; o++)
        compare(b.p, b.len, (enum order)o);
    tb_free(&b);
    make_pcapng(&b, 1, 100, false, false, NULL);
    for (int o = 0; o < ORDER_N; o++)
        compare(b.p, b.len, (enum order)o);
    tb_free(&b);
}

/* fn as it is, with walks of `batch` bytes, and with those and the count's
 * walk split in two. */
static void three_ways(void (*fn)(void), const char *batch)
{
    fn();
    assert_int_equal(setenv("NMX_CAPTURE_BATCH", batch, 1), 0);
    fn();
    assert_int_equal(setenv("NMX_CAPTURE_PARALLEL_MIN", "1024", 1), 0);
    fn();
    unsetenv("NMX_CAPTURE_PARALLEL_MIN");
    unsetenv("NMX_CAPTURE_BATCH");
}

static void test_pcapng_good_files(void **state)
{
    (void)state;
    three_ways(pcapng_good_files, "50");
}

/* Opens that index everything, walked in two halves: the same as one walk
 * on one and two sections, SPBs first, cut and damaged anywhere; the halves
 * are joined on the clean files of one section (two sections: when the
 * guess falls in the second, the first walker's section is not the
 * second's), and a second half that meets an interface description stops
 * there. */
static void test_pcapng_split(void **state)
{
    (void)state;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        skip();
    rng_state = 37;
    unsigned joined = 0;
    for (unsigned v = 0; v < 4; v++) {
        tbuf b;
        make_pcapng(&b, 3000 + rng() % 500, 1515, v & 1, v & 2, NULL);
        bool j = compare_split(b.p, b.len);
        if (!(v & 1))
            assert_true(j);
        joined += j;
        for (unsigned c = 0; c < 12; c++)
            (void)compare_split(b.p, 12 + rng() % (b.len - 12));
        for (unsigned c = 0; c < 12; c++) { /* a byte changed anywhere */
            size_t at = 32 + rng() % (b.len - 32);
            uint8_t save = b.p[at];
            b.p[at] ^= (uint8_t)(1u << (rng() % 8));
            (void)compare_split(b.p, b.len);
            b.p[at] = save;
        }
        tb_free(&b);
    }
    print_message("pcapng opens joined from two halves: %u of 4\n", joined);
    /* one section, a third interface defined a quarter or three quarters
     * in: before the guess, the halves must not be joined (the second
     * walker took interface 2 for undefined); after it, the second stops
     * there and the first goes on from it */
    for (unsigned late = 1; late <= 3; late += 2) {
        tbuf b;
        tb_init(&b, false);
        pn_shb(&b, NULL);
        pn_idb(&b, 1, 65535, "eth0", 6, 0);
        pn_idb(&b, 1, 65535, "eth1", 9, 0);
        uint8_t data[700];
        for (unsigned i = 0; i < 4000; i++) {
            bool after = i >= 1000 * late;
            if (i == 1000 * late)
                pn_idb(&b, 1, 65535, "late", 6, 0);
            uint32_t caplen = 60 + rng() % 600;
            fill_payload(data, caplen, i);
            pn_epb(&b, after && i % 50 == 0 ? 2 : i % 2, (uint64_t)(FIRST_SEC + i) * 1000000u,
                   data, caplen, caplen, NULL);
        }
        assert_true(compare_split(b.p, b.len) == (late == 3));
        tb_free(&b);
    }
}

/* Cut anywhere (the section header too: open fails as without the flag),
 * and damage in the middle of either section: the same frames before it
 * and the same warning. */
static void pcapng_damaged_files(void)
{
    rng_state = 19;
    enum { N = 3000 };
    size_t *pos = calloc(N, sizeof *pos);
    assert_non_null(pos);
    tbuf b;
    make_pcapng(&b, N, 700, true, false, pos);
    size_t cuts[48];
    size_t nc = 0;
    cuts[nc++] = 10;
    cuts[nc++] = 30;
    cuts[nc++] = pos[0] + 5;
    while (nc < sizeof cuts / sizeof cuts[0])
        cuts[nc++] = 12 + rng() % (b.len - 12);
    for (size_t c = 0; c < nc; c++)
        compare(b.p, cuts[c], (enum order)(c % ORDER_N));
    /* in a block of the first section, then of the second (big-endian):
     * a length not a multiple of 4, an undefined interface, a trailing
     * length that differs */
    static const size_t at[] = {1700 / 2, 1700};
    for (unsigned k = 0; k < 2; k++) {
        bool be = k == 1;
        size_t off = pos[at[k]];
        const uint8_t *q = b.p + off + 4;
        uint32_t len = be ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]
                          : (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
        const size_t where[3] = {off + 4, off + 8, off + len - 4};
        const uint32_t value[3] = {13u, 9u, len + 4};
        for (unsigned kind = 0; kind < 3; kind++) {
            uint8_t save[4], *w = b.p + where[kind];
            memcpy(save, w, 4);
            uint32_t v = value[kind];
            for (unsigned j = 0; j < 4; j++)
                w[j] = (uint8_t)(be ? v >> (24 - 8 * j) : v >> (8 * j));
            struct opened e = open_flags(b.p, b.len, 0);
            assert_int_equal(e.err, NMX_OK);
            assert_int_equal(nmx_capture_warning_count(e.cap), 1);
            assert_true(nmx_capture_frame_count(e.cap) >= at[k] - 1);
            nmx_capture_close(e.cap);
            for (int o = 0; o < ORDER_N; o++)
                compare(b.p, b.len, (enum order)o);
            memcpy(w, save, 4);
        }
    }
    /* the section header's byte-order magic: the first (open fails), the
     * second (a warning) */
    for (unsigned k = 0; k < 2; k++) {
        size_t where = 8;
        if (k)
            for (size_t o = pos[N / 2 - 1]; o < pos[N / 2]; o++)
                if (!memcmp(b.p + o, "\x0a\x0d\x0d\x0a", 4)) {
                    where = o + 8;
                    break;
                }
        assert_true(!k || where != 8);
        uint8_t save = b.p[where];
        b.p[where] ^= 0x55;
        struct opened e = open_flags(b.p, b.len, 0);
        assert_int_equal(e.err, k ? NMX_OK : NMX_ECORRUPT);
        if (k) {
            assert_int_equal(nmx_capture_warning_count(e.cap), 1);
            nmx_capture_close(e.cap);
        }
        for (int o = 0; o < ORDER_N; o++)
            compare(b.p, b.len, (enum order)o);
        b.p[where] = save;
    }
    struct opened s;
    memcpy(b.p + pos[100] + 4, "\x0d\x00\x00\x00", 4);
    s = open_flags(b.p, b.len, NMX_CAPTURE_STRICT | NMX_CAPTURE_INCREMENTAL);
    assert_int_equal(s.err, NMX_ECORRUPT);
    assert_null(s.cap);
    free(pos);
    tb_free(&b);
}

static void test_pcapng_damaged_files(void **state)
{
    (void)state;
    three_ways(pcapng_damaged_files, "1");
}

/* At open: the first section and its interfaces, not yet the second. */
static void pcapng_at_open(const nmx_capture *cap, uint64_t n)
{
    assert_true(nmx_capture_frame_limit(cap) >= n);
    assert_int_equal(nmx_capture_interface_count(cap), 2);
    size_t len = 0;
    const char *c = nmx_capture_comment(cap, &len);
    assert_non_null(c);
    assert_int_equal(len, strlen("first section"));
    assert_memory_equal(c, "first section", len);
    assert_int_equal(nmx_capture_mac_type(cap), NMX_MAC_TYPE_ETHERNET);
    int64_t ns;
    assert_int_equal(nmx_capture_start_time(cap, &ns), NMX_OK);
}

static void test_pcapng_open_walks_little(void **state)
{
    (void)state;
    rng_state = 23;
    tbuf b;
    make_pcapng(&b, 40000, 400, true, false, NULL); /* ~9 MiB */
    walks_little(b.p, b.len, 40000, pcapng_at_open);
    /* the comment returned at open stays valid (and unchanged) after the
     * walk has found the second section's */
    struct opened i = open_flags(b.p, b.len, NMX_CAPTURE_INCREMENTAL);
    size_t l0 = 0, l1 = 0;
    const char *c0 = nmx_capture_comment(i.cap, &l0);
    assert_int_equal(nmx_capture_frame_count(i.cap), 40000);
    const char *c1 = nmx_capture_comment(i.cap, &l1);
    assert_memory_equal(c0, "first section", l0);
    assert_int_equal(l1, strlen("first section\nsecond section"));
    assert_memory_equal(c1, "first section\nsecond section", l1);
    assert_int_equal(nmx_capture_interface_count(i.cap), 5);
    nmx_capture_close(i.cap);
    /* 3000 packets without a time stamp first (~600 KiB): open walks on
     * to the first that has one */
    tb_free(&b);
    make_pcapng(&b, 40000, 400, false, true, NULL);
    struct opened e = open_flags(b.p, b.len, 0);
    i = open_flags(b.p, b.len, NMX_CAPTURE_INCREMENTAL);
    int64_t s0 = 0, s1 = 1;
    assert_int_equal(nmx_capture_start_time(e.cap, &s0), NMX_OK);
    assert_int_equal(nmx_capture_start_time(i.cap, &s1), NMX_OK);
    assert_int_equal(s1, s0);
    bool complete = true;
    assert_true(nmx_capture_frames_known(i.cap, &complete) > 3000);
    assert_false(complete);
    nmx_capture_close(e.cap);
    nmx_capture_close(i.cap);
    tb_free(&b);
}

/* The interfaces and the comment only grow, each state whole. */
static void *read_header(void *arg)
{
    struct side_reader *r = arg;
    size_t last = 0;
    for (unsigned k = 0; k < 20000; k++) {
        size_t n = nmx_capture_interface_count(r->cap);
        nmx_interface in;
        if (n < last || n < 2 || nmx_capture_interface(r->cap, n - 1, &in) != NMX_OK ||
            in.linktype == 0)
            r->bad++;
        last = n;
        size_t len = 0;
        const char *c = nmx_capture_comment(r->cap, &len);
        if (!c || !((len == 13 && !memcmp(c, "first section", 13)) ||
                    (len == 28 && !memcmp(c, "first section\nsecond section", 28))))
            r->bad++;
    }
    return NULL;
}

/* Threads asking for frames of one incremental pcapng at once, one more
 * reading its interfaces and comment and, in the later rounds, one asking
 * for the count (in the third, with its walk split in two). */
static void test_pcapng_threads(void **state)
{
    (void)state;
    rng_state = 29;
    tbuf b;
    for (unsigned round = 0; round < 3; round++) {
        /* (a split needs one section: a guess in the second is refused) */
        make_pcapng(&b, 20000, 900, round < 2, false, NULL);
        if (round == 2)
            assert_int_equal(setenv("NMX_CAPTURE_PARALLEL_MIN", "1024", 1), 0);
        struct opened e = open_sequential(b.p, b.len, 0);
        struct opened i = open_flags(b.p, b.len, NMX_CAPTURE_INCREMENTAL);
        assert_int_equal(i.err, NMX_OK);
        struct side_reader h = {i.cap, 0};
        read_together(i.cap, e.cap, round, read_header, &h,
                      round == 2 ? COUNT_FIRST : round == 1 ? COUNT_AFTER : COUNT_NONE, 20000);
        same_header(e.cap, i.cap);
        if (round == 2) {
            unsetenv("NMX_CAPTURE_PARALLEL_MIN");
            /* (a reader may take the walk's lock first and walk far:
             * the split is likely, not certain) */
            if (i.cap->idx_split == UINT64_MAX)
                print_message("the count's walk was not split this time\n");
        }
        nmx_capture_close(e.cap);
        nmx_capture_close(i.cap);
        tb_free(&b);
    }
}

/* A file of many sections, each with a comment, walked a block at a time:
 * the comment is whole at the end, and the memory it took grew with the
 * comments, not with their square (every walk publishing a copy of all of
 * it would take ~500 MB here). */
static void test_pcapng_many_comments(void **state)
{
    (void)state;
    enum { SECTIONS = 1000, LEN = 1000 };
    tbuf b;
    tb_init(&b, false);
    char *text = malloc(LEN + 1);
    assert_non_null(text);
    uint8_t data[64];
    memset(data, 0x5a, sizeof data);
    for (unsigned k = 0; k < SECTIONS; k++) {
        memset(text, 'a' + (int)(k % 26), LEN);
        text[LEN] = '\0';
        pn_shb(&b, text);
        pn_idb(&b, 1, 65535, NULL, -1, 0);
        pn_epb(&b, 0, (uint64_t)(FIRST_SEC + k) * 1000000u, data, sizeof data, sizeof data,
               NULL);
    }
    free(text);
    struct opened e = open_flags(b.p, b.len, 0);
    assert_int_equal(e.err, NMX_OK);
    assert_int_equal(setenv("NMX_CAPTURE_BATCH", "1", 1), 0);
    struct mallinfo2 m0 = mallinfo2();
    struct opened i = open_flags(b.p, b.len, NMX_CAPTURE_INCREMENTAL);
    assert_int_equal(i.err, NMX_OK);
    for (uint64_t k = 0; nmx_capture_has_frame(i.cap, k); k++) {
    }
    struct mallinfo2 m1 = mallinfo2();
    unsetenv("NMX_CAPTURE_BATCH");
    assert_int_equal(nmx_capture_frame_count(i.cap), SECTIONS);
    same_header(e.cap, i.cap);
    size_t len = 0;
    assert_non_null(nmx_capture_comment(i.cap, &len));
    assert_int_equal(len, SECTIONS * (LEN + 1) - 1);
    assert_true(m1.uordblks < m0.uordblks + (32u << 20));
    nmx_capture_close(e.cap);
    nmx_capture_close(i.cap);
    tb_free(&b);
}

static void test_pcapng_fork_during_walk(void **state)
{
    (void)state;
    rng_state = 31;
    tbuf b;
    make_pcapng(&b, 300000, 120, true, false, NULL);
    fork_during_walk(b.p, b.len, 300000);
    tb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_files),
        cmocka_unit_test(test_damaged_files),
        cmocka_unit_test(test_open_walks_little),
        cmocka_unit_test(test_walk_stops),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_fork_during_walk),
        cmocka_unit_test(test_netmon),
        cmocka_unit_test(test_netmon_open_walks_little),
        cmocka_unit_test(test_netmon_threads),
        cmocka_unit_test(test_pcapng_good_files),
        cmocka_unit_test(test_pcapng_damaged_files),
        cmocka_unit_test(test_pcapng_split),
        cmocka_unit_test(test_pcapng_open_walks_little),
        cmocka_unit_test(test_pcapng_threads),
        cmocka_unit_test(test_pcapng_many_comments),
        cmocka_unit_test(test_pcapng_fork_during_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
