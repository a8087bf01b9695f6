/*
 * ten_frames.h: the capture the expert-running tests feed their experts:
 * ten zeroed 60-byte Ethernet frames 1 microsecond apart, written as pcap
 * into memory and opened as an HCAPTURE.
 */
#ifndef NMX_TEST_TEN_FRAMES_H
#define NMX_TEST_TEN_FRAMES_H

#include <stdint.h>
#include <string.h>

#include "nmexpert/capture.h"
#include "nmexpert/hcapture.h"

/* Makes the capture: *buf holds its bytes (free() it after closing
 * *hcap). 0 on success, -1 on failure (as a cmocka setup returns). */
static inline int nmx_test_ten_frames(uint8_t **buf, HCAPTURE *hcap)
{
    nmx_writer *w;
    if (nmx_writer_open_memory(NMX_WRITE_PCAP_US, 1, 0, &w, NULL) != NMX_OK)
        return -1;
    uint8_t frame[60] = {0};
    for (int i = 0; i < 10; i++) {
        nmx_frame f;
        memset(&f, 0, sizeof f);
        f.caplen = f.wirelen = sizeof frame;
        f.data = frame;
        f.linktype = 1;
        f.ts_ns = (int64_t)i * 1000;
        nmx_writer_add(w, &f);
    }
    size_t len;
    nmx_writer_close_memory(w, buf, &len, NULL);
    nmx_capture *cap;
    if (nmx_capture_open_memory(*buf, len, "ten.pcap", 0, &cap, NULL) != NMX_OK)
        return -1;
    return nmx_hcapture_wrap(cap, true, hcap) == NMX_OK ? 0 : -1;
}

#endif
