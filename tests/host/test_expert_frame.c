/*
 * ExpertGetFrame and the frame functions, over captures the test generates
 * with the project's own writers (pcap and Network Monitor 2.3).
 */
#include <string.h>

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
    assert_int_equal(nmx_capture_open_memory(fx->buf, fx->len, "generated", 0, &fx->cap, NULL),
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

int main(void)
{
    setenv("NMX_QUIET", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_forward_scan_from_minus_one),
        cmocka_unit_test(t_backward_and_specified),
        cmocka_unit_test(t_filters),
        cmocka_unit_test(t_keys_empty_and_terminate),
        cmocka_unit_test(t_netmon_zero_copy),
    };
    return cmocka_run_group_tests_name("ExpertGetFrame", tests, NULL, NULL);
}
