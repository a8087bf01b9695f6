/*
 * test_capture_resident.c: a mapped capture file does not stay resident
 * behind the frames in use (src/capture/source.c, docs/capture-formats.md
 * "Memory"): forward scans, backward scans and random access keep the
 * file-backed resident set of the process near the window
 * (NMX_CAPTURE_RESIDENT), in every format; the frames read are the frames
 * written; and a frame pointer taken before its pages were released still
 * reads the right bytes afterwards.
 *
 * The window is set to 8 MiB and the files are about 40 MiB, so a capture
 * kept whole (NMX_CAPTURE_RESIDENT=0, also checked: the measure can fail)
 * has five times the resident bytes the limit allows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture_test_util.h"
#include "nmx_test.h"

#define WINDOW_MIB  8u
#define FILE_MIB    40u
/* RssFile growth allowed over the baseline: the window, the chunks kept
 * around the current access, and the head of the file kept after indexing
 * counted within the window. */
#define LIMIT_KB    ((WINDOW_MIB + 8u) * 1024u)

static char dir[64];

static uint32_t caplen_of(uint64_t k)
{
    return 60u + (uint32_t)((k * 2654435761u) % 1455u);
}

/* Writes FILE_MIB of frames in format fmt; returns the frame count. */
static uint64_t write_file(const char *path, nmx_write_format fmt)
{
    nmx_writer *w;
    nmx_diag d;
    assert_int_equal(nmx_writer_open(path, fmt, 1, 0, &w, &d), NMX_OK);
    uint8_t buf[1600];
    uint64_t bytes = 0, k = 0;
    while (bytes < (uint64_t)FILE_MIB << 20) {
        nmx_frame f;
        memset(&f, 0, sizeof f);
        f.caplen = f.wirelen = caplen_of(k);
        fill_payload(buf, f.caplen, k);
        f.data = buf;
        f.ts_ns = INT64_C(1700000000000000000) + (int64_t)k * 1000;
        f.linktype = 1;
        assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
        bytes += f.caplen + 16;
        k++;
    }
    assert_int_equal(nmx_writer_close(w, &d), NMX_OK);
    return k;
}

static nmx_capture *open_file(const char *path, const char *window)
{
    assert_int_equal(setenv("NMX_CAPTURE_RESIDENT", window, 1), 0);
    nmx_capture *cap = NULL;
    nmx_diag d;
    nmx_err e = nmx_capture_open(path, 0, &cap, &d);
    unsetenv("NMX_CAPTURE_RESIDENT");
    if (e != NMX_OK)
        fail_msg("%s", d.msg);
    return cap;
}

static void check_frame(const nmx_capture *cap, uint64_t k)
{
    nmx_frame f;
    assert_int_equal(nmx_capture_frame(cap, k, &f), NMX_OK);
    assert_int_equal(f.caplen, caplen_of(k));
    assert_int_equal(f.ts_ns, INT64_C(1700000000000000000) + (int64_t)k * 1000);
    /* every byte: the frame is touched as an expert reading it would */
    for (uint32_t i = 0; i < f.caplen; i++)
        if (f.data[i] != payload_byte(k, i))
            fail_msg("frame %llu byte %u differs", (unsigned long long)k, i);
}

/* Runs fn's access pattern over the file and returns the peak RssFile
 * growth seen (sampled every 256 frames), KiB. */
static long scan_growth(const nmx_capture *cap, long base, int pattern)
{
    uint64_t n = nmx_capture_frame_count(cap);
    long peak = 0;
    uint64_t x = 88172645463325252u;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k;
        if (pattern == 0) {
            k = i;                      /* forward */
        } else if (pattern == 1) {
            k = n - 1 - i;              /* backward */
        } else {
            x ^= x << 13;               /* random (xorshift64) */
            x ^= x >> 7;
            x ^= x << 17;
            k = x % n;
        }
        check_frame(cap, k);
        if (i % 256 == 0) {
            long g = nmx_test_rss_file_kb() - base;
            peak = g > peak ? g : peak;
        }
    }
    long g = nmx_test_rss_file_kb() - base;
    return g > peak ? g : peak;
}

static void one_format(nmx_write_format fmt, const char *ext)
{
    char path[128];
    snprintf(path, sizeof path, "%s/big.%s", dir, ext);
    uint64_t n = write_file(path, fmt);
    char window[32];
    snprintf(window, sizeof window, "%u", WINDOW_MIB << 20);

    long base = nmx_test_rss_file_kb();
    nmx_capture *cap = open_file(path, window);
    assert_int_equal(nmx_capture_frame_count(cap), n);
    long after_open = nmx_test_rss_file_kb() - base;
    print_message("%s: %llu frames, RssFile growth after open %ld KiB\n", ext,
                  (unsigned long long)n, after_open);
    assert_true(after_open <= (long)LIMIT_KB);

    /* a pointer kept from before the scan released its pages */
    nmx_frame first;
    assert_int_equal(nmx_capture_frame(cap, 0, &first), NMX_OK);
    const uint8_t *kept = first.data;

    static const char *const names[] = {"forward", "backward", "random"};
    for (int p = 0; p < 3; p++) {
        long g = scan_growth(cap, base, p);
        print_message("%s %s scan: peak RssFile growth %ld KiB (limit %u)\n", ext, names[p], g,
                      LIMIT_KB);
        assert_true(g <= (long)LIMIT_KB);
    }
    for (uint32_t i = 0; i < caplen_of(0); i++)
        assert_int_equal(kept[i], payload_byte(0, i));
    nmx_capture_close(cap);

    /* the same scan with the whole file kept: the limit would fail */
    base = nmx_test_rss_file_kb();
    cap = open_file(path, "0");
    long whole = scan_growth(cap, base, 0);
    print_message("%s forward scan, nothing released: RssFile growth %ld KiB\n", ext, whole);
    assert_true(whole > (long)LIMIT_KB);
    nmx_capture_close(cap);
    unlink(path);
}

static void test_pcap(void **state)
{
    (void)state;
    one_format(NMX_WRITE_PCAP_US, "pcap");
}

static void test_pcapng(void **state)
{
    (void)state;
    one_format(NMX_WRITE_PCAPNG, "pcapng");
}

static void test_netmon(void **state)
{
    (void)state;
    one_format(NMX_WRITE_NETMON, "cap");
}

/* A file no larger than the window is never released (nothing to gain). */
static void test_small_file_kept(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/big.pcap", dir);
    uint64_t n = write_file(path, NMX_WRITE_PCAP_US);
    long base = nmx_test_rss_file_kb();
    nmx_capture *cap = open_file(path, "134217728");
    long g = scan_growth(cap, base, 0);
    assert_int_equal(nmx_capture_frame_count(cap), n);
    assert_true(g > (long)FILE_MIB * 1024 * 9 / 10);
    nmx_capture_close(cap);
    unlink(path);
}

struct scanner {
    const nmx_capture *cap;
    int pattern;
    long base, peak;
};

static void *scan_thread(void *arg)
{
    struct scanner *sc = arg;
    sc->peak = scan_growth(sc->cap, sc->base, sc->pattern);
    return NULL;
}

/* Two threads scan one capture at once, forward and backward: each reads
 * the right bytes while the other's accesses release pages under it, and
 * the process stays within two windows. */
static void test_threads(void **state)
{
    (void)state;
    char path[128], window[32];
    snprintf(path, sizeof path, "%s/big.pcap", dir);
    (void)write_file(path, NMX_WRITE_PCAP_US);
    snprintf(window, sizeof window, "%u", WINDOW_MIB << 20);
    long base = nmx_test_rss_file_kb();
    nmx_capture *cap = open_file(path, window);
    struct scanner a = {cap, 0, base, 0}, b = {cap, 1, base, 0};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, scan_thread, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, scan_thread, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    print_message("two threads: peak RssFile growth %ld / %ld KiB\n", a.peak, b.peak);
    assert_true(a.peak <= 2 * (long)LIMIT_KB && b.peak <= 2 * (long)LIMIT_KB);
    nmx_capture_close(cap);
    unlink(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/nmx-resident-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap),
        cmocka_unit_test(test_pcapng),
        cmocka_unit_test(test_netmon),
        cmocka_unit_test(test_small_file_kept),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
