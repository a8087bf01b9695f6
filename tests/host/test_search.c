/*
 * test_search.c: filtered forward scans searched in the capture
 * (src/capture/find.h, docs/filters.md "Filtered scans"). A forward
 * ExpertGetFrame whose filters are all BPF filters runs them as the
 * capture's walk reads each record and answers the calls after it from
 * the list of matches the walk kept. Every result is checked frame by frame
 * against an oracle computed on a second, separate open of the same bytes
 * (so that the oracle never walks the capture under test):
 *
 *   - two scans with different filters interleaved call by call at the
 *     walk's front, with jumps back into the range a list covers;
 *   - a batch with more matches than a list holds;
 *   - damage in the middle of the file;
 *   - two threads scanning one capture with two sessions;
 *   - the resident part of a mapped file stays near its window while a
 *     filtered scan reads it (NMX_CAPTURE_RESIDENT; also checked with the
 *     whole file kept, so that the measure can fail).
 *
 * Every case runs over pcap, pcapng and Network Monitor 2.3 captures,
 * opened with NMX_CAPTURE_INCREMENTAL (the walk and the filters together)
 * and indexed at open (the frames looked at one after the other).
 */
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "netmon.h"
#include "nmx_test.h"
#include "nmexpert/filter.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/session.h"

#define T0 INT64_C(1700000000000000000) /* ns */

static unsigned g_flags; /* 0, then NMX_CAPTURE_INCREMENTAL */
static nmx_write_format g_fmt; /* pcap, pcapng, then Network Monitor */
static uint32_t g_span;  /* of the capture made last */

/* Frame i: Ethernet + IPv4 + TCP or UDP to port 80 or 53, caplen 60 +
 * (i * 7919) % span; its number in bytes 54..57 (the marker). */
static uint32_t frame_len(uint32_t i, uint32_t span)
{
    return 60u + (span ? (i * 7919u) % span : 0u);
}

static void make_frame(uint32_t i, uint32_t len, uint8_t *b)
{
    memset(b, 0, len);
    memcpy(b, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00", 14);
    uint8_t *ip = b + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((len - 14) >> 8);
    ip[3] = (uint8_t)(len - 14);
    ip[8] = 64;
    ip[9] = (i * 31u) % 5u < 2u ? 6 : 17;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    uint8_t *l4 = ip + 20;
    l4[0] = 0x30;
    l4[1] = 0x39;
    l4[3] = i % 3u == 0 ? 80 : 53;
    if (ip[9] == 6)
        l4[12] = 0x50;
    memcpy(b + 54, &i, 4);
}

/* A capture of n frames in memory, in the format of the run (g_fmt). */
static uint8_t *make_pcap(uint32_t n, uint32_t span, size_t *len)
{
    nmx_writer *w;
    assert_int_equal(nmx_writer_open_memory(g_fmt, 1, 0, &w, NULL), NMX_OK);
    g_span = span;
    uint8_t b[2048];
    for (uint32_t i = 0; i < n; i++) {
        nmx_frame f;
        memset(&f, 0, sizeof f);
        f.caplen = f.wirelen = frame_len(i, span);
        make_frame(i, f.caplen, b);
        f.data = b;
        f.linktype = 1;
        f.ts_ns = T0 + (int64_t)i * 1000;
        assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
    }
    uint8_t *buf;
    assert_int_equal(nmx_writer_close_memory(w, &buf, len, NULL), NMX_OK);
    return buf;
}

/* The oracle: which of the n frames of buf pass the filters (NULL: none
 * given), from an open of its own. */
static bool *oracle(const uint8_t *buf, size_t len, nmx_filter *a, nmx_filter *b, uint32_t *n)
{
    nmx_capture *cap;
    assert_int_equal(nmx_capture_open_memory(buf, len, "oracle", 0, &cap, NULL), NMX_OK);
    *n = (uint32_t)nmx_capture_frame_count(cap);
    bool *pass = calloc(*n ? *n : 1, 1);
    assert_non_null(pass);
    for (uint32_t i = 0; i < *n; i++) {
        nmx_frame fr;
        assert_int_equal(nmx_capture_frame(cap, i, &fr), NMX_OK);
        pass[i] = (!a || nmx_filter_match(a, &fr)) && (!b || nmx_filter_match(b, &fr));
    }
    nmx_capture_close(cap);
    return pass;
}

struct fx {
    uint8_t *buf;
    size_t len;
    nmx_capture *cap;
    HCAPTURE hcap;
};

static void fx_open(struct fx *fx, uint32_t frames, uint32_t span, const char *batch)
{
    fx->buf = make_pcap(frames, span, &fx->len);
    if (batch)
        assert_int_equal(setenv("NMX_CAPTURE_BATCH", batch, 1), 0);
    assert_int_equal(nmx_capture_open_memory(fx->buf, fx->len, "search", g_flags, &fx->cap, NULL),
                     NMX_OK);
    unsetenv("NMX_CAPTURE_BATCH");
    assert_int_equal(nmx_hcapture_wrap(fx->cap, true, &fx->hcap), NMX_OK);
}

static void fx_close(struct fx *fx)
{
    nmx_hcapture_close(fx->hcap);
    free(fx->buf);
}

static nmx_key session(HCAPTURE hc, nmx_filter *ui)
{
    nmx_session_config c = {.version = NMX_SESSION_CONFIG_VERSION, .name = "search",
                            .capture = hc, .ui_filter = ui,
                            .focus_frame = INVALID_FRAME_NUMBER};
    nmx_key k;
    assert_int_equal(nmx_session_open(&c, &k), NMX_OK);
    return k;
}

/* The next frame after n (INVALID_FRAME_NUMBER: from the first) that
 * ExpertGetFrame returns, checked against pass[] (the frame, and its
 * marker); INVALID_FRAME_NUMBER at the end. */
static DWORD next(nmx_key k, DWORD flags, nmx_filter *hf, DWORD n, const bool *pass,
                  uint32_t total)
{
    EXPERTFRAMEDESCRIPTOR d;
    DWORD rc = ExpertGetFrame((HEXPERTKEY)k, GET_FRAME_NEXT_FORWARD, flags, n,
                              (HFILTER)(void *)hf, &d);
    uint32_t want = n == INVALID_FRAME_NUMBER ? 0 : n + 1;
    while (want < total && !pass[want])
        want++;
    if (want >= total) {
        if (rc != NMERR_FRAME_NOT_FOUND)
            fail_msg("after %u: %lu, frame %u, where none passes", (unsigned)n,
                     (unsigned long)rc, (unsigned)d.FrameNumber);
        return INVALID_FRAME_NUMBER;
    }
    if (rc != NMERR_SUCCESS || d.FrameNumber != want)
        fail_msg("after %u: %lu, frame %u, where %u passes", (unsigned)n, (unsigned long)rc,
                 rc == NMERR_SUCCESS ? (unsigned)d.FrameNumber : 0u, want);
    uint32_t marker;
    memcpy(&marker, d.pFrame->MacFrame + 54, 4);
    assert_int_equal(marker, want);
    assert_int_equal(d.pFrame->nBytesAvail, frame_len(want, g_span));
    assert_int_equal(d.pFrame->TimeStamp, (int64_t)want); /* µs from the first frame */
    return d.FrameNumber;
}

static void t_interleaved_at_front(void **st)
{
    (void)st;
    /* small batches: a list covers a few dozen frames, and the two scans
     * take turns at the walk's front */
    struct fx fx;
    fx_open(&fx, 20000, 200, "4096");
    nmx_filter *ui, *a, *b;
    assert_int_equal(nmx_filter_bpf("ip[2:2] > 120", &ui, NULL), NMX_OK);
    assert_int_equal(nmx_filter_bpf("tcp port 80", &a, NULL), NMX_OK);
    assert_int_equal(nmx_filter_bpf("udp", &b, NULL), NMX_OK);
    uint32_t total;
    bool *pa = oracle(fx.buf, fx.len, NULL, a, &total);
    bool *pb = oracle(fx.buf, fx.len, ui, b, &total);
    nmx_key k = session(fx.hcap, ui);
    DWORD na = INVALID_FRAME_NUMBER, nb = INVALID_FRAME_NUMBER;
    uint32_t ca = 0, cb = 0, wa = 0, wb = 0;
    for (uint32_t i = 0; i < total; i++) {
        wa += pa[i];
        wb += pb[i];
    }
    DWORD back[3] = {0, 0, 0}; /* a's last three frames */
    for (int step = 0; na != INVALID_FRAME_NUMBER || nb != INVALID_FRAME_NUMBER || step == 0;
         step++) {
        if (na != INVALID_FRAME_NUMBER || step == 0) {
            DWORD r = next(k, 0, a, na, pa, total);
            if (r != INVALID_FRAME_NUMBER && step % 5 == 4 && back[0] > 0) {
                /* back to before the match three calls ago (most often in
                 * the frames the list covers), then on from r */
                (void)next(k, 0, a, back[0] - 1, pa, total);
                (void)next(k, 0, a, back[1], pa, total);
            }
            back[0] = back[1];
            back[1] = back[2];
            back[2] = r;
            ca += r != INVALID_FRAME_NUMBER;
            na = r;
        }
        if (nb != INVALID_FRAME_NUMBER || step == 0) {
            DWORD r = next(k, FLAGS_DEFER_TO_UI_FILTER, b, nb, pb, total);
            cb += r != INVALID_FRAME_NUMBER;
            nb = r;
        }
    }
    assert_int_equal(ca, wa);
    assert_int_equal(cb, wb);
    assert_true(wa > 1000 && wb > 1000);
    /* a filter freed and another made, perhaps at the same address, while
     * the list of the first covers the frames asked for next */
    fx_close(&fx);
    nmx_session_close(k, NULL);
    fx_open(&fx, 20000, 200, "65536");
    k = session(fx.hcap, NULL);
    DWORD n = next(k, 0, a, INVALID_FRAME_NUMBER, pa, total);
    for (int i = 0; i < 700; i++) /* past the batch walked at open */
        n = next(k, 0, a, n, pa, total);
    nmx_filter_free(a);
    assert_int_equal(nmx_filter_bpf("udp port 53", &a, NULL), NMX_OK);
    bool *pa2 = oracle(fx.buf, fx.len, NULL, a, &total);
    for (int i = 0; i < 700 && n != INVALID_FRAME_NUMBER; i++)
        n = next(k, 0, a, n, pa2, total);
    nmx_session_close(k, NULL);
    fx_close(&fx);
    free(pa);
    free(pa2);
    free(pb);
    nmx_filter_free(a);
    nmx_filter_free(b);
    nmx_filter_free(ui);
}

static void t_list_full(void **st)
{
    (void)st;
    /* 64-byte frames: a 1 MiB batch holds about 13000 pcap records or 2048
     * Network Monitor ones, and every one passes */
    struct fx fx;
    fx_open(&fx, 40000, 4, "1048576");
    nmx_filter *all, *none;
    assert_int_equal(nmx_filter_bpf("ip", &all, NULL), NMX_OK);
    assert_int_equal(nmx_filter_bpf("tcp port 9", &none, NULL), NMX_OK);
    uint32_t total;
    bool *pall = oracle(fx.buf, fx.len, NULL, all, &total);
    nmx_key k = session(fx.hcap, NULL);
    DWORD n = INVALID_FRAME_NUMBER;
    uint32_t count = 0;
    while ((n = next(k, 0, all, n, pall, total)) != INVALID_FRAME_NUMBER)
        count++;
    assert_int_equal(count, total);
    nmx_session_close(k, NULL);
    fx_close(&fx);
    /* none passes: one call looks at every frame */
    fx_open(&fx, 40000, 4, NULL);
    k = session(fx.hcap, NULL);
    EXPERTFRAMEDESCRIPTOR d;
    assert_int_equal(ExpertGetFrame((HEXPERTKEY)k, GET_FRAME_NEXT_FORWARD, 0, INVALID_FRAME_NUMBER,
                                    (HFILTER)(void *)none, &d),
                     NMERR_FRAME_NOT_FOUND);
    bool complete;
    assert_int_equal(nmx_capture_frames_known(fx.cap, &complete), total);
    assert_true(complete);
    nmx_session_close(k, NULL);
    fx_close(&fx);
    free(pall);
    nmx_filter_free(all);
    nmx_filter_free(none);
}

static void t_damage(void **st)
{
    (void)st;
    /* the file cut in the middle of a record (a Network Monitor file, whose
     * frame table is at its end: a record in the middle made too long):
     * the frames before it, then the end, and the warning an open that
     * checks everything gives */
    struct fx fx;
    fx.buf = make_pcap(6000, 300, &fx.len);
    size_t cut = fx.len * 7 / 10;
    if (g_fmt == NMX_WRITE_NETMON) {
        nmx_capture *c;
        assert_int_equal(nmx_capture_open_memory(fx.buf, fx.len, "search", 0, &c, NULL), NMX_OK);
        nmx_frame fr;
        assert_int_equal(nmx_capture_frame(c, 4200, &fr), NMX_OK);
        nmx_capture_close(c);
        memcpy(fx.buf + fr.offset + 12, "\xff\xff\xff\x7f", 4); /* its captured length */
        cut = fx.len;
    }
    nmx_capture *whole;
    assert_int_equal(nmx_capture_open_memory(fx.buf, cut, "search", 0, &whole, NULL), NMX_OK);
    assert_int_equal(nmx_capture_warning_count(whole), 1);
    nmx_filter *a;
    assert_int_equal(nmx_filter_bpf("tcp", &a, NULL), NMX_OK);
    uint32_t total;
    bool *pa = oracle(fx.buf, cut, NULL, a, &total);
    assert_int_equal(total, nmx_capture_frame_count(whole));
    assert_int_equal(setenv("NMX_CAPTURE_BATCH", "8192", 1), 0);
    assert_int_equal(nmx_capture_open_memory(fx.buf, cut, "search", g_flags, &fx.cap, NULL),
                     NMX_OK);
    unsetenv("NMX_CAPTURE_BATCH");
    assert_int_equal(nmx_hcapture_wrap(fx.cap, true, &fx.hcap), NMX_OK);
    nmx_key k = session(fx.hcap, NULL);
    DWORD n = INVALID_FRAME_NUMBER;
    uint32_t count = 0, want = 0;
    for (uint32_t i = 0; i < total; i++)
        want += pa[i];
    while ((n = next(k, 0, a, n, pa, total)) != INVALID_FRAME_NUMBER)
        count++;
    assert_int_equal(count, want);
    assert_int_equal(nmx_capture_warning_count(fx.cap), 1);
    assert_string_equal(nmx_capture_warning(fx.cap, 0)->msg, nmx_capture_warning(whole, 0)->msg);
    nmx_session_close(k, NULL);
    nmx_capture_close(whole);
    fx_close(&fx);
    free(pa);
    nmx_filter_free(a);
}

struct scanner {
    HCAPTURE hc;
    nmx_filter *f;
    const bool *pass;
    uint32_t total, count, want;
};

static void *scan_thread(void *arg)
{
    struct scanner *sc = arg;
    nmx_key k = session(sc->hc, NULL);
    DWORD n = INVALID_FRAME_NUMBER;
    while ((n = next(k, 0, sc->f, n, sc->pass, sc->total)) != INVALID_FRAME_NUMBER)
        sc->count++;
    nmx_session_close(k, NULL);
    return NULL;
}

static void t_threads(void **st)
{
    (void)st;
    struct fx fx;
    fx_open(&fx, 30000, 400, "16384");
    nmx_filter *f[2];
    assert_int_equal(nmx_filter_bpf("tcp port 80", &f[0], NULL), NMX_OK);
    assert_int_equal(nmx_filter_bpf("udp or ip[2:2] > 300", &f[1], NULL), NMX_OK);
    struct scanner sc[2];
    pthread_t t[2];
    bool *pass[2];
    for (int i = 0; i < 2; i++) {
        memset(&sc[i], 0, sizeof sc[i]);
        pass[i] = oracle(fx.buf, fx.len, NULL, f[i], &sc[i].total);
        for (uint32_t j = 0; j < sc[i].total; j++)
            sc[i].want += pass[i][j];
        sc[i].hc = fx.hcap;
        sc[i].f = f[i];
        sc[i].pass = pass[i];
    }
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, scan_thread, &sc[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(sc[i].count, sc[i].want);
        free(pass[i]);
        nmx_filter_free(f[i]);
    }
    fx_close(&fx);
}

/* Peak RssFile growth (KiB) over a filtered scan of path with the window
 * given (bytes, as NMX_CAPTURE_RESIDENT takes it), sampled every 512 calls;
 * *frames: the frames returned. */
static long scan_growth(const char *path, const char *window, nmx_filter *f, uint32_t *frames)
{
    long base = nmx_test_rss_file_kb(), peak = 0; /* (an open indexes the whole file, or not) */
    assert_int_equal(setenv("NMX_CAPTURE_RESIDENT", window, 1), 0);
    nmx_capture *cap;
    nmx_diag d;
    assert_int_equal(nmx_capture_open(path, g_flags, &cap, &d), NMX_OK);
    unsetenv("NMX_CAPTURE_RESIDENT");
    HCAPTURE hc;
    assert_int_equal(nmx_hcapture_wrap(cap, true, &hc), NMX_OK);
    nmx_key k = session(hc, NULL);
    EXPERTFRAMEDESCRIPTOR dd;
    DWORD n = INVALID_FRAME_NUMBER;
    *frames = 0;
    while (ExpertGetFrame((HEXPERTKEY)k, GET_FRAME_NEXT_FORWARD, 0, n, (HFILTER)(void *)f, &dd) ==
           NMERR_SUCCESS) {
        n = dd.FrameNumber;
        if (++*frames % 512 == 0) {
            long g = nmx_test_rss_file_kb() - base;
            peak = g > peak ? g : peak;
        }
    }
    long g = nmx_test_rss_file_kb() - base;
    peak = g > peak ? g : peak;
    nmx_session_close(k, NULL);
    nmx_hcapture_close(hc);
    return peak;
}

static void t_resident(void **st)
{
    (void)st;
    /* a 40 MiB file, an 8 MiB window: a filtered scan stays near the window
     * whether it returns every frame or only those of the first 4 MiB (the
     * walk reads the rest: what it reads counts as in use too) */
    char dir[] = "/tmp/nmx-search-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/big.pcap", dir);
    size_t len;
    uint8_t *buf = make_pcap(60000, 1300, &len);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    free(buf);
    assert_true(len > (size_t)36 << 20);
    nmx_filter *early, *all;
    /* the marker (the frame's number, little-endian) below 5120 */
    assert_int_equal(nmx_filter_bpf("ether[56:2] = 0 and ether[55] < 20", &early, NULL), NMX_OK);
    assert_int_equal(nmx_filter_bpf("ip", &all, NULL), NMX_OK);
    const long limit_kb = (8 + 8) * 1024;
    uint32_t got;
    long g = scan_growth(path, "8388608", early, &got);
    assert_int_equal(got, 5120);
    if (g > limit_kb)
        fail_msg("frames of the first 4 MiB returned: RssFile grew by %ld KiB (limit %ld)", g,
                 limit_kb);
    g = scan_growth(path, "8388608", all, &got);
    assert_int_equal(got, 60000);
    if (g > limit_kb)
        fail_msg("every frame returned: RssFile grew by %ld KiB (limit %ld)", g, limit_kb);
    /* the measure can fail: the file kept whole */
    g = scan_growth(path, "0", early, &got);
    if (g <= limit_kb * 2)
        fail_msg("with the whole file kept, RssFile grew by only %ld KiB", g);
    unlink(path);
    rmdir(dir);
    nmx_filter_free(early);
    nmx_filter_free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_interleaved_at_front),
        cmocka_unit_test(t_list_full),
        cmocka_unit_test(t_damage),
        cmocka_unit_test(t_threads),
        cmocka_unit_test(t_resident),
    };
    int rc = 0;
    const nmx_write_format fmts[3] = {NMX_WRITE_PCAP_US, NMX_WRITE_PCAPNG, NMX_WRITE_NETMON};
    const char *names[3][2] = {{"pcap, indexed at open", "pcap, incremental"},
                               {"pcapng, indexed at open", "pcapng, incremental"},
                               {"netmon, indexed at open", "netmon, incremental"}};
    for (int f = 0; f < 3; f++) {
        g_fmt = fmts[f];
        g_flags = 0;
        rc |= cmocka_run_group_tests_name(names[f][0], tests, NULL, NULL);
        g_flags = NMX_CAPTURE_INCREMENTAL;
        rc |= cmocka_run_group_tests_name(names[f][1], tests, NULL, NULL);
    }
    return rc;
}
