/*
 * ExpertGetFrame and the frame functions, over captures the test generates
 * with the project's own writers (pcap and Network Monitor 2.3). Every test
 * runs twice: over captures indexed at open, and over captures opened with
 * NMX_CAPTURE_INCREMENTAL (indexed as frames are asked for); t_incremental
 * checks the second kind on a capture far larger than what its open walks.
 */
#include <string.h>
#include <unistd.h>

#include "netmon.h"
#include "nmx_test.h"
#include "nmexpert/filter.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/session.h"

#define NFRAMES 50u
#define T0 INT64_C(1700000000000000000) /* ns */

/* Frame i: Ethernet + IPv4 + (TCP port 80 when i % 3 == 0, else UDP 53). */
static size_t make_frame(uint32_t i, uint8_t *b)
{
    memset(b, 0, 128);
    memcpy(b, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00", 14);
    uint8_t *ip = b + 14;
    ip[0] = 0x45;
    ip[3] = 40 + (uint8_t)(i % 7);
    ip[8] = 64;
    ip[9] = (i % 3 == 0) ? 6 : 17;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    uint8_t *l4 = ip + 20;
    l4[0] = 0x30;
    l4[1] = 0x39;
    l4[2] = 0;
    l4[3] = (i % 3 == 0) ? 80 : 53;
    ip[5] = (uint8_t)i; /* marker: IP identification */
    return 14 + 20 + 20 + (i % 7);
}

static uint8_t *make_capture(nmx_write_format fmt, size_t *len, uint32_t nframes)
{
    nmx_writer *w;
    assert_int_equal(nmx_writer_open_memory(fmt, 1, 0, &w, NULL), NMX_OK);
    for (uint32_t i = 0; i < nframes; i++) {
        uint8_t b[128];
        nmx_frame f;
        memset(&f, 0, sizeof f);
        f.caplen = (uint32_t)make_frame(i, b);
        f.wirelen = f.caplen + (i % 2);
        f.data = b;
        f.linktype = 1;
        f.ts_ns = T0 + (int64_t)i * 1000000; /* 1 ms apart */
        assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
    }
    uint8_t *buf;
    assert_int_equal(nmx_writer_close_memory(w, &buf, len, NULL), NMX_OK);
    return buf;
}

static unsigned g_open_flags; /* 0, then NMX_CAPTURE_INCREMENTAL */

struct fixture {
    uint8_t *buf;
    size_t len;
    nmx_capture *cap;
    HCAPTURE hcap;
    nmx_filter *ui;
    nmx_key key;
};

static struct fixture *setup(nmx_write_format fmt, uint32_t nframes, const char *ui_filter)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fx->buf = make_capture(fmt, &fx->len, nframes);
    assert_int_equal(nmx_capture_open_memory(fx->buf, fx->len, "generated", g_open_flags,
                                             &fx->cap, NULL),
                     NMX_OK);
    assert_int_equal(nmx_hcapture_wrap(fx->cap, true, &fx->hcap), NMX_OK);
    if (ui_filter)
        assert_int_equal(nmx_filter_bpf(ui_filter, &fx->ui, NULL), NMX_OK);
    nmx_session_config c = {.version = NMX_SESSION_CONFIG_VERSION, .name = "frames",
                            .capture = fx->hcap, .ui_filter = fx->ui,
                            .focus_frame = INVALID_FRAME_NUMBER};
    assert_int_equal(nmx_session_open(&c, &fx->key), NMX_OK);
    return fx;
}

static void teardown(struct fixture *fx)
{
    nmx_session_close(fx->key, NULL);
    nmx_hcapture_close(fx->hcap);
    nmx_filter_free(fx->ui);
    free(fx->buf);
    free(fx);
}

static void t_forward_scan_from_minus_one(void **s)
{
    (void)s;
    const nmx_write_format fmts[] = {NMX_WRITE_PCAP_US, NMX_WRITE_PCAPNG, NMX_WRITE_NETMON};
    for (size_t k = 0; k < 3; k++) {
        struct fixture *fx = setup(fmts[k], NFRAMES, NULL);
        EXPERTFRAMEDESCRIPTOR d;
        DWORD n = INVALID_FRAME_NUMBER, seen = 0;
        while (ExpertGetFrame(fx->key, GET_FRAME_NEXT_FORWARD, 0, n, NULL, &d) == NMERR_SUCCESS) {
            assert_int_equal(d.FrameNumber, seen);
            assert_non_null(d.pFrame);
            assert_non_null(d.hFrame);
            assert_null(d.lpPropertyTable);
            uint8_t b[128];
            size_t cl = make_frame(seen, b);
            assert_int_equal(d.pFrame->nBytesAvail, cl);
            assert_int_equal(d.pFrame->FrameLength, cl + (seen % 2));
            assert_memory_equal(d.pFrame->MacFrame, b, cl);
            assert_int_equal(d.pFrame->TimeStamp, (int64_t)seen * 1000); /* µs from start */
            assert_int_equal(GetFrameNumber(d.hFrame), seen);
            assert_int_equal(GetFrameLength(d.hFrame), cl + (seen % 2));
            assert_int_equal(GetFrameStoredLength(d.hFrame), cl);
            assert_int_equal(GetFrameTimeStamp(d.hFrame), (int64_t)seen * 1000);
            assert_int_equal(GetFrameMacType(d.hFrame), MAC_TYPE_ETHERNET);
            assert_int_equal(GetFrameMacHeaderLength(d.hFrame), 14);
            assert_ptr_equal(GetFrameCaptureHandle(d.hFrame), fx->hcap);
            n = d.FrameNumber;
            seen++;
        }
        assert_int_equal(seen, NFRAMES);
        assert_int_equal(ExpertGetFrame(fx->key, GET_FRAME_NEXT_FORWARD, 0, n, NULL, &d),
                         NMERR_FRAME_NOT_FOUND);
        assert_int_equal(GetCaptureTotalFrames(fx->hcap), NFRAMES);
        /* Appendix B item 7: both ways to the capture agree */
        EXPERTSTARTUPINFO si;
        assert_int_equal(ExpertGetStartupInfo(fx->key, &si), NMERR_SUCCESS);
        assert_ptr_equal(si.hCapture, fx->hcap);
        assert_string_equal(si.szCaptureFile, "generated");
        assert_int_equal(GetCaptureTotalFrames(si.hCapture), NFRAMES);
        teardown(fx);
    }
}

static void t_backward_and_specified(void **s)
{
    (void)s;
    struct fixture *fx = setup(NMX_WRITE_PCAP_NS, NFRAMES, NULL);
    EXPERTFRAMEDESCRIPTOR d;
    assert_int_equal(ExpertGetFrame(fx->key, GET_FRAME_NEXT_BACKWARD, 0, INVALID_FRAME_NUMBER,
                                    NULL, &d),
                     NMERR_SUCCESS);
    assert_int_equal(d.FrameNumber, NFRAMES - 1);
    assert_int_equal(ExpertGetFrame(fx->key, GET_FRAME_NEXT_BACKWARD, 0, NFRAMES, NULL, &d),
                     NMERR_SUCCESS);
    assert_int_equal(d.FrameNumber, NFRAMES - 1);
    assert_int_equal(ExpertGetFrame(fx->key, GET_FRAME_NEXT_BACKWARD, 0, 10, NULL, &d),
                     NMERR_SUCCESS);
    assert_int_equal(d.FrameNumber, 9);
    assert_int_equal(ExpertGetFrame(fx->key, GET_FRAME_NEXT_BACKWARD, 0, 0, NULL, &d),
                     NMERR_FRAME_NOT_FOUND);
    assert_int_equal(ExpertGetFrame(fx->key, GET_SPECIFIED_FRAME, 0, 17, NULL, &d), NMERR_SUCCESS);
    assert_int_equal(d.FrameNumber, 17);
    assert_int_equal(d.pFrame->MacFrame[19], 17);
    assert_int_equal(ExpertGetFrame(fx->key, GET_SPECIFIED_FRAME, 0, NFRAMES, NULL, &d),
                     NMERR_OUT_OF_RANGE);
    assert_int_equal(ExpertGetFrame(fx->key, GET_SPECIFIED_FRAME, 0, INVALID_FRAME_NUMBER, NULL,
                                    &d),
                     NMERR_OUT_OF_RANGE);
    assert_int_equal(ExpertGetFrame(fx->key, 7, 0, 0, NULL, &d), NMERR_INVALID_PARAMETER);
    assert_int_equal(ExpertGetFrame(fx->key, GET_SPECIFIED_FRAME, 0, 0, NULL, NULL),
                     NMERR_INVALID_PARAMETER);
    /* hFrame stays valid for the session, whatever was fetched since */
    HFRAME h17 = GetFrame(fx->hcap, 17);
    assert_non_null(h17);
    assert_int_equal(GetFrameNumber(h17), 17);
    assert_null(GetFrame(fx->hcap, NFRAMES));
    assert_int_equal(GetFrameNumber((HFRAME)(void *)&d), INVALID_FRAME_NUMBER);
    assert_int_equal(GetFrameLength(NULL), 0);
    assert_int_equal(GetFrameTimeStamp(NULL), -1);
    ULPFRAME raw = GetFrameFromFrameHandle(h17);
    assert_non_null(raw);
    assert_int_equal(raw->MacFrame[19], 17);
    teardown(fx);
}

static void t_filters(void **s)
{
    (void)s;
    /* display filter: TCP (every third frame); expert filter: port 80 or 53 */
    struct fixture *fx = setup(NMX_WRITE_PCAPNG, NFRAMES, "tcp");
    nmx_filter *udp53;
    assert_int_equal(nmx_filter_bpf("udp port 53", &udp53, NULL), NMX_OK);
    EXPERTFRAMEDESCRIPTOR d;
    DWORD n = INVALID_FRAME_NUMBER, count = 0;
    while (ExpertGetFrame(fx->key, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER, n, NULL,
                          &d) == NMERR_SUCCESS) {
        assert_int_equal(d.FrameNumber % 3, 0);
        n = d.FrameNumber;
        count++;
    }
    assert_int_equal(count, (NFRAMES + 2) / 3);
    /* without the flag the UI filter does not apply; hFilter does */
    n = INVALID_FRAME_NUMBER;
    count = 0;
    while (ExpertGetFrame(fx->key, GET_FRAME_NEXT_FORWARD, 0, n, (HFILTER)(void *)udp53, &d) ==
           NMERR_SUCCESS) {
        assert_int_not_equal(d.FrameNumber % 3, 0);
        n = d.FrameNumber;
        count++;
    }
    assert_int_equal(count, NFRAMES - (NFRAMES + 2) / 3);
    /* both: nothing passes */
    assert_int_equal(ExpertGetFrame(fx->key, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER,
                                    INVALID_FRAME_NUMBER, (HFILTER)(void *)udp53, &d),
                     NMERR_FRAME_NOT_FOUND);
    /* F3: a specified frame must pass the filters too */
    assert_int_equal(ExpertGetFrame(fx->key, GET_SPECIFIED_FRAME, FLAGS_DEFER_TO_UI_FILTER, 1,
                                    NULL, &d),
                     NMERR_FRAME_FAILED_FILTER);
    assert_int_equal(ExpertGetFrame(fx->key, GET_SPECIFIED_FRAME, 0, 1, NULL, &d), NMERR_SUCCESS);
    /* a bad filter handle */
    int junk;
    assert_int_equal(ExpertGetFrame(fx->key, GET_SPECIFIED_FRAME, 0, 1, (HFILTER)(void *)&junk,
                                    &d),
                     NMERR_INVALID_HFILTER);
    /* a syntax error is reported, not crashed on */
    nmx_filter *bad = NULL;
    nmx_diag diag;
    assert_int_equal(nmx_filter_bpf("tcp and and", &bad, &diag), NMX_EINVAL);
    assert_null(bad);
    assert_non_null(strstr(diag.msg, "tcp and and"));
    nmx_filter_free(udp53);
    teardown(fx);
}

/* The oracle: does frame i pass (display filter if asked, then hFilter)? */
static bool oracle(const struct fixture *fx, nmx_filter *f, bool ui, uint32_t i)
{
    nmx_frame fr;
    assert_int_equal(nmx_capture_frame(fx->cap, i, &fr), NMX_OK);
    if (ui && fx->ui && !nmx_filter_match(fx->ui, &fr))
        return false;
    return !f || nmx_filter_match(f, &fr);
}

/* Next passing frame after n by ExpertGetFrame, checked against the oracle
 * (every frame in between must fail it, the one returned must pass). */
static DWORD next_checked(const struct fixture *fx, nmx_filter *f, bool ui, DWORD n, uint32_t total)
{
    EXPERTFRAMEDESCRIPTOR d;
    DWORD rc = ExpertGetFrame(fx->key, GET_FRAME_NEXT_FORWARD, ui ? FLAGS_DEFER_TO_UI_FILTER : 0,
                              n, (HFILTER)(void *)f, &d);
    uint32_t from = n == INVALID_FRAME_NUMBER ? 0 : n + 1;
    uint32_t want = from;
    while (want < total && !oracle(fx, f, ui, want))
        want++;
    if (want >= total) {
        assert_int_equal(rc, NMERR_FRAME_NOT_FOUND);
        return INVALID_FRAME_NUMBER;
    }
    assert_int_equal(rc, NMERR_SUCCESS);
    assert_int_equal(d.FrameNumber, want);
    assert_int_equal(d.pFrame->MacFrame[19], (uint8_t)want); /* the marker */
    return d.FrameNumber;
}

static void t_filter_scans_long(void **s)
{
    (void)s;
    /* forward filtered scans over many frames, frame by frame against the
     * oracle: whole scans, two scans interleaved call by call, jumps */
    const uint32_t total = 50001;
    struct fixture *fx = setup(NMX_WRITE_PCAP_US, total, "tcp or ip[5] & 1 = 0");
    nmx_filter *a, *b;
    assert_int_equal(nmx_filter_bpf("udp and ip[5] & 3 = 1", &a, NULL), NMX_OK);
    assert_int_equal(nmx_filter_bpf("ip[5] > 250", &b, NULL), NMX_OK);
    /* whole scans: each filter, with and without the display filter */
    nmx_filter *fs[3] = {a, b, NULL};
    for (int k = 0; k < 3; k++)
        for (int ui = 0; ui < 2; ui++) {
            if (!fs[k] && !ui)
                continue;
            DWORD n = INVALID_FRAME_NUMBER;
            uint32_t count = 0, want = 0;
            for (uint32_t i = 0; i < total; i++)
                want += oracle(fx, fs[k], ui, i);
            while ((n = next_checked(fx, fs[k], ui, n, total)) != INVALID_FRAME_NUMBER)
                count++;
            assert_int_equal(count, want);
        }
    /* two scans interleaved call by call, and jumps in the middle */
    DWORD na = INVALID_FRAME_NUMBER, nb = INVALID_FRAME_NUMBER;
    for (int step = 0; step < 3000; step++) {
        if (na != INVALID_FRAME_NUMBER || step == 0)
            na = next_checked(fx, a, step % 2, na, total);
        if (nb != INVALID_FRAME_NUMBER || step == 0)
            nb = next_checked(fx, b, false, nb, total);
        if (step % 500 == 499) {
            na = (DWORD)(((unsigned)step * 7919u) % total);
            nb = (DWORD)(((unsigned)step * 104729u) % total);
        }
    }
    /* a filter freed and another made (perhaps at the same address): the
     * new one's frames, never the old one's */
    DWORD n = next_checked(fx, a, false, INVALID_FRAME_NUMBER, total);
    n = next_checked(fx, a, false, n, total);
    nmx_filter_free(a);
    assert_int_equal(nmx_filter_bpf("tcp and ip[5] & 3 = 2", &a, NULL), NMX_OK);
    n = INVALID_FRAME_NUMBER;
    for (int i = 0; i < 2000 && (n = next_checked(fx, a, false, n, total)) != INVALID_FRAME_NUMBER;
         i++)
        ;
    /* from the last frame and beyond */
    assert_int_equal(next_checked(fx, b, false, total - 1, total), INVALID_FRAME_NUMBER);
    assert_int_equal(next_checked(fx, b, false, total + 5, total), INVALID_FRAME_NUMBER);
    nmx_filter_free(a);
    nmx_filter_free(b);
    teardown(fx);
}

static void t_keys_empty_and_terminate(void **s)
{
    (void)s;
    EXPERTFRAMEDESCRIPTOR d;
    assert_int_equal(ExpertGetFrame(NULL, GET_FRAME_NEXT_FORWARD, 0, INVALID_FRAME_NUMBER, NULL,
                                    &d),
                     NMERR_INVALID_EXPERT_HANDLE);
    struct fixture *fx = setup(NMX_WRITE_PCAP_US, 0, NULL);
    assert_int_equal(ExpertGetFrame(fx->key, GET_FRAME_NEXT_FORWARD, 0, INVALID_FRAME_NUMBER,
                                    NULL, &d),
                     NMERR_NO_FRAMES);
    teardown(fx);
    fx = setup(NMX_WRITE_PCAP_US, NFRAMES, NULL);
    nmx_key k = fx->key;
    assert_int_equal(nmx_session_terminate(k), NMX_OK);
    assert_int_equal(ExpertGetFrame(k, GET_FRAME_NEXT_FORWARD, 0, INVALID_FRAME_NUMBER, NULL, &d),
                     NMERR_EXPERT_TERMINATE);
    nmx_session_close(k, NULL);
    assert_int_equal(ExpertGetFrame(k, GET_FRAME_NEXT_FORWARD, 0, INVALID_FRAME_NUMBER, NULL, &d),
                     NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(ExpertGetStartupInfo(k, NULL), NMERR_INVALID_EXPERT_HANDLE);
    fx->key = NULL;
    nmx_hcapture_close(fx->hcap);
    free(fx->buf);
    free(fx);
}

static void t_netmon_zero_copy(void **s)
{
    (void)s;
    struct fixture *fx = setup(NMX_WRITE_NETMON, NFRAMES, NULL);
    EXPERTFRAMEDESCRIPTOR d;
    assert_int_equal(ExpertGetFrame(fx->key, GET_SPECIFIED_FRAME, 0, 5, NULL, &d), NMERR_SUCCESS);
    /* the descriptor points into the capture itself: its own FRAME record */
    uintptr_t p = (uintptr_t)d.pFrame, b = (uintptr_t)fx->buf;
    assert_true(p >= b && p < b + fx->len);
    teardown(fx);
}

/* 20,000 frames (about 1.4 MB): an incremental open walks the first few
 * thousand only. Every question the API can ask gives what the same bytes
 * indexed at open give, and the count is walked only when it is asked. */
#define BIG 20000u
static void incremental(nmx_write_format fmt)
{
    size_t len;
    uint8_t *buf = make_capture(fmt, &len, BIG);
    nmx_capture *ce, *ci;
    HCAPTURE he, hi;
    nmx_key ke, ki;
    struct {
        nmx_capture **cap;
        HCAPTURE *h;
        nmx_key *k;
        unsigned flags;
    } o[2] = {{&ce, &he, &ke, 0}, {&ci, &hi, &ki, NMX_CAPTURE_INCREMENTAL}};
    for (int round = 0; round < 4; round++) {
        for (int j = 0; j < 2; j++) {
            assert_int_equal(nmx_capture_open_memory(buf, len, "big", o[j].flags, o[j].cap, NULL),
                             NMX_OK);
            assert_int_equal(nmx_hcapture_wrap(*o[j].cap, true, o[j].h), NMX_OK);
            nmx_session_config c = {.version = NMX_SESSION_CONFIG_VERSION, .name = "inc",
                                    .capture = *o[j].h, .focus_frame = INVALID_FRAME_NUMBER};
            assert_int_equal(nmx_session_open(&c, o[j].k), NMX_OK);
        }
        bool complete = true;
        uint64_t known = nmx_capture_frames_known(ci, &complete);
        assert_false(complete);
        assert_true(known < BIG);
        EXPERTFRAMEDESCRIPTOR de, di;
        switch (round) {
        case 0: { /* a forward scan, every frame equal */
            DWORD n = INVALID_FRAME_NUMBER, seen = 0;
            DWORD re, ri;
            for (;;) {
                re = ExpertGetFrame(ke, GET_FRAME_NEXT_FORWARD, 0, n, NULL, &de);
                ri = ExpertGetFrame(ki, GET_FRAME_NEXT_FORWARD, 0, n, NULL, &di);
                assert_int_equal(ri, re);
                if (re != NMERR_SUCCESS)
                    break;
                assert_int_equal(di.FrameNumber, de.FrameNumber);
                assert_int_equal(di.pFrame->nBytesAvail, de.pFrame->nBytesAvail);
                assert_int_equal(di.pFrame->TimeStamp, de.pFrame->TimeStamp);
                assert_memory_equal(di.pFrame->MacFrame, de.pFrame->MacFrame,
                                    de.pFrame->nBytesAvail);
                assert_int_equal(GetFrameNumber(di.hFrame), di.FrameNumber);
                n = de.FrameNumber;
                seen++;
            }
            assert_int_equal(re, NMERR_FRAME_NOT_FOUND);
            assert_int_equal(seen, BIG);
            break;
        }
        case 1: { /* frames far ahead first, then the end, then past it */
            HFRAME h0 = GetFrame(hi, 0);
            assert_non_null(h0);
            /* a handle of a frame not reached yet is not a frame yet */
            assert_int_equal(GetFrameNumber((HFRAME)(void *)((uint8_t *)(void *)h0 + 15000)),
                             INVALID_FRAME_NUMBER);
            assert_int_equal(ExpertGetFrame(ki, GET_SPECIFIED_FRAME, 0, 15000, NULL, &di),
                             NMERR_SUCCESS);
            assert_int_equal(di.FrameNumber, 15000);
            assert_int_equal(GetFrameNumber(di.hFrame), 15000);
            assert_false(nmx_capture_frames_known(ci, &complete) == BIG && complete);
            assert_int_equal(ExpertGetFrame(ki, GET_SPECIFIED_FRAME, 0, BIG, NULL, &di),
                             NMERR_OUT_OF_RANGE);
            assert_int_equal(ExpertGetFrame(ki, GET_SPECIFIED_FRAME, 0, BIG - 1, NULL, &di),
                             NMERR_SUCCESS);
            assert_non_null(GetFrame(hi, BIG - 1));
            assert_null(GetFrame(hi, BIG));
            break;
        }
        case 2: /* backward from the end, before anything asked for the count */
            assert_int_equal(ExpertGetFrame(ki, GET_FRAME_NEXT_BACKWARD, 0, INVALID_FRAME_NUMBER,
                                            NULL, &di),
                             NMERR_SUCCESS);
            assert_int_equal(di.FrameNumber, BIG - 1);
            assert_int_equal(ExpertGetFrame(ki, GET_FRAME_NEXT_BACKWARD, 0, BIG + 5, NULL, &di),
                             NMERR_SUCCESS);
            assert_int_equal(di.FrameNumber, BIG - 1);
            break;
        case 3: { /* the count, and filtered searches both ways */
            nmx_filter *tcp;
            assert_int_equal(nmx_filter_bpf("tcp", &tcp, NULL), NMX_OK);
            assert_int_equal(FilterFindFrame((HFILTER)(void *)tcp, hi, INVALID_FRAME_NUMBER, NULL,
                                             NULL, 0, FALSE),
                             FilterFindFrame((HFILTER)(void *)tcp, he, INVALID_FRAME_NUMBER, NULL,
                                             NULL, 0, FALSE));
            nmx_filter_free(tcp);
            assert_int_equal(GetCaptureTotalFrames(hi), BIG);
            break;
        }
        }
        for (int j = 0; j < 2; j++) {
            nmx_session_close(*o[j].k, NULL);
            nmx_hcapture_close(*o[j].h);
        }
    }
    free(buf);
    /* empty: no frames, whichever way it was opened */
    uint8_t *e = make_capture(fmt, &len, 0);
    assert_int_equal(nmx_capture_open_memory(e, len, "empty", NMX_CAPTURE_INCREMENTAL, &ci, NULL),
                     NMX_OK);
    assert_int_equal(nmx_hcapture_wrap(ci, true, &hi), NMX_OK);
    nmx_session_config c = {.version = NMX_SESSION_CONFIG_VERSION, .name = "inc",
                            .capture = hi, .focus_frame = INVALID_FRAME_NUMBER};
    assert_int_equal(nmx_session_open(&c, &ki), NMX_OK);
    EXPERTFRAMEDESCRIPTOR d;
    assert_int_equal(ExpertGetFrame(ki, GET_FRAME_NEXT_FORWARD, 0, INVALID_FRAME_NUMBER, NULL, &d),
                     NMERR_NO_FRAMES);
    assert_int_equal(ExpertGetFrame(ki, GET_SPECIFIED_FRAME, 0, 0, NULL, &d), NMERR_NO_FRAMES);
    nmx_session_close(ki, NULL);
    nmx_hcapture_close(hi);
    free(e);
}

static void t_incremental(void **s)
{
    (void)s;
    incremental(NMX_WRITE_PCAP_US);
    incremental(NMX_WRITE_PCAPNG);
}

/* nmx_hcapture_open() opens incrementally (the open answers at once, a
 * forward scan reads each record once); nmx_hcapture_open_flags() with no
 * flag checks the whole file at open. */
static void t_hcapture_open_default(void **s)
{
    (void)s;
    size_t len;
    uint8_t *buf = make_capture(NMX_WRITE_PCAP_US, &len, BIG);
    char path[] = "/tmp/nmx-hcap-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
    free(buf);
    HCAPTURE h;
    bool complete = true;
    assert_int_equal(nmx_hcapture_open(path, &h, NULL), NMX_OK);
    assert_true(nmx_capture_frames_known(nmx_hcapture_capture(h), &complete) < BIG);
    assert_false(complete);
    assert_int_equal(GetCaptureTotalFrames(h), BIG);
    assert_int_equal(nmx_capture_frames_known(nmx_hcapture_capture(h), &complete), BIG);
    assert_true(complete);
    nmx_hcapture_close(h);
    assert_int_equal(nmx_hcapture_open_flags(path, 0, &h, NULL), NMX_OK);
    assert_int_equal(nmx_capture_frames_known(nmx_hcapture_capture(h), &complete), BIG);
    assert_true(complete);
    nmx_hcapture_close(h);
    unlink(path);
}

/* pcapng blocks, little-endian (type, length, body, length) */
static void blk(uint8_t **p, size_t *len, uint32_t type, const void *body, uint32_t n)
{
    uint32_t total = 12 + ((n + 3) & ~3u);
    *p = realloc(*p, *len + total);
    assert_non_null(*p);
    uint8_t *q = *p + *len;
    memset(q, 0, total);
    memcpy(q, &type, 4);
    memcpy(q + 4, &total, 4);
    memcpy(q + 8, body, n);
    memcpy(q + total - 4, &total, 4);
    *len += total;
}

/* An SHB with a comment, an Ethernet IDB and `frames` EPBs of 60 bytes. */
static void section(uint8_t **p, size_t *len, const char *comment, uint32_t frames)
{
    uint8_t b[512];
    memset(b, 0, sizeof b);
    uint32_t bom = 0x1A2B3C4D, n = (uint32_t)strlen(comment);
    memcpy(b, &bom, 4);
    b[4] = 1;                          /* version 1.0 */
    memset(b + 8, 0xFF, 8);            /* section length unknown */
    b[16] = 1;                         /* opt_comment */
    b[18] = (uint8_t)n;
    memcpy(b + 20, comment, n);
    uint32_t body = 20 + ((n + 3) & ~3u) + 4; /* + opt_endofopt */
    blk(p, len, 0x0A0D0D0A, b, body);
    memset(b, 0, sizeof b);
    b[0] = 1;                          /* LINKTYPE_ETHERNET */
    blk(p, len, 1, b, 8);
    for (uint32_t i = 0; i < frames; i++) {
        memset(b, 0, sizeof b);
        uint32_t ts = 1000000u * (i + 1), cl = 60;
        memcpy(b + 8, &ts, 4);
        memcpy(b + 12, &cl, 4);
        memcpy(b + 16, &cl, 4);
        b[20 + 12] = 0x08;             /* IPv4 */
        blk(p, len, 6, b, 20 + cl);
    }
}

/* GetCaptureComment of a pcapng opened incrementally: the first section's
 * comment at open, both sections' once the walk has passed the second, and
 * what it returned first stays readable and unchanged. */
static void t_capture_comment(void **s)
{
    (void)s;
    uint8_t *buf = NULL;
    size_t len = 0;
    section(&buf, &len, "first", 20000); /* more than a batch of the walk */
    section(&buf, &len, "second", 10);
    for (int inc = 0; inc < 2; inc++) {
        nmx_capture *cap;
        HCAPTURE h;
        assert_int_equal(nmx_capture_open_memory(buf, len, "two-sections",
                                                 inc ? NMX_CAPTURE_INCREMENTAL : 0, &cap, NULL),
                         NMX_OK);
        assert_int_equal(nmx_hcapture_wrap(cap, true, &h), NMX_OK);
        LPSTR c0 = GetCaptureComment(h);
        assert_non_null(c0);
        assert_string_equal(c0, inc ? "first" : "first\nsecond");
        assert_int_equal(GetCaptureMacType(h), MAC_TYPE_ETHERNET);
        assert_int_equal(GetCaptureTotalFrames(h), 20010);
        assert_string_equal(GetCaptureComment(h), "first\nsecond");
        assert_string_equal(c0, inc ? "first" : "first\nsecond");
        nmx_hcapture_close(h);
    }
    free(buf);
}

int main(void)
{
    setenv("NMX_QUIET", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_forward_scan_from_minus_one),
        cmocka_unit_test(t_backward_and_specified),
        cmocka_unit_test(t_filters),
        cmocka_unit_test(t_filter_scans_long),
        cmocka_unit_test(t_keys_empty_and_terminate),
        cmocka_unit_test(t_netmon_zero_copy),
        cmocka_unit_test(t_incremental),
        cmocka_unit_test(t_hcapture_open_default),
        cmocka_unit_test(t_capture_comment),
    };
    int failed = cmocka_run_group_tests_name("ExpertGetFrame, captures indexed at open", tests,
                                             NULL, NULL);
    g_open_flags = NMX_CAPTURE_INCREMENTAL;
    return failed + cmocka_run_group_tests_name("ExpertGetFrame, incremental captures", tests,
                                                NULL, NULL);
}
