/*
 * test_capture_writer_blocks.c: a file writer writes its output in blocks
 * of 2 MiB at offsets that are multiples of 2 MiB (src/capture/writer.c), so
 * that the file is cached in large folios; the bytes are those the memory
 * writer produces.
 *
 * write(2) is replaced in this executable by a wrapper that records the
 * offset and the length of every call on the file under test, then does
 * the system call itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture_test_util.h"

#define BLOCK (UINT64_C(2) << 20)
#define MAX_CALLS 4096

static int      watched_fd = -1;
static size_t   ncalls;
static uint64_t call_off[MAX_CALLS], call_len[MAX_CALLS];

ssize_t write(int fd, const void *buf, size_t n)
{
    if (fd >= 0 && fd == watched_fd && ncalls < MAX_CALLS) {
        call_off[ncalls] = (uint64_t)lseek(fd, 0, SEEK_CUR);
        call_len[ncalls] = n;
        ncalls++;
    }
    return (ssize_t)syscall(SYS_write, fd, buf, n);
}

/* The descriptor the writer opened: the lowest free one, as open(2) gives. */
static int next_fd(void)
{
    int fd = dup(0);
    assert_true(fd >= 0);
    close(fd);
    return fd;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    uint8_t *p = malloc((size_t)st.st_size + 1);
    assert_non_null(p);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(p, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    fclose(f);
    *len = (size_t)st.st_size;
    return p;
}

/* Frames of 60..9059 bytes and, every 700th, 200,000 bytes: records that
 * straddle block boundaries, about 13 MiB in all. */
static void add_frames(nmx_writer *w, uint8_t *data)
{
    for (uint64_t i = 0; i < 3000; i++) {
        nmx_frame f;
        memset(&f, 0, sizeof f);
        f.caplen = i % 700 == 699 ? 200000u : 60u + (uint32_t)(i * 7919 % 9000);
        f.wirelen = f.caplen;
        f.data = data;
        f.linktype = 1;
        f.ts_ns = INT64_C(1600000000000000000) + (int64_t)i * 1000000;
        fill_payload(data, f.caplen, i);
        assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
    }
}

static void one_format(nmx_write_format fmt)
{
    static uint8_t data[200000];
    nmx_diag d;
    nmx_writer *w;
    /* the reference: the same frames through the memory writer */
    assert_int_equal(nmx_writer_open_memory(fmt, 1, 0, &w, &d), NMX_OK);
    add_frames(w, data);
    uint8_t *want;
    size_t want_len;
    assert_int_equal(nmx_writer_close_memory(w, &want, &want_len, &d), NMX_OK);
    assert_true(want_len > 5 * BLOCK);

    char path[] = "/tmp/nmx-writer-blocksXXXXXX";
    int tfd = mkstemp(path);
    assert_true(tfd >= 0);
    close(tfd);
    watched_fd = next_fd();
    ncalls = 0;
    assert_int_equal(nmx_writer_open(path, fmt, 1, 0, &w, &d), NMX_OK);
    add_frames(w, data);
    assert_int_equal(nmx_writer_close(w, &d), NMX_OK);
    watched_fd = -1;

    size_t got_len;
    uint8_t *got = read_file(path, &got_len);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);

    /* every write ends on a block boundary, except the last of the
     * contiguous output (formats that patch their header write it with
     * pwrite, which does not come here) */
    assert_true(ncalls >= want_len / BLOCK);
    uint64_t full = 0;
    for (size_t i = 0; i < ncalls; i++) {
        uint64_t end = call_off[i] + call_len[i];
        if (i + 1 < ncalls)
            assert_int_equal(end % BLOCK, 0);
        assert_true(call_len[i] <= BLOCK);
        if (call_off[i] % BLOCK == 0 && call_len[i] == BLOCK)
            full++;
    }
    assert_true(full >= want_len / BLOCK - 1);
    free(got);
    free(want);
    unlink(path);
}

static void test_file_writer_blocks(void **state)
{
    (void)state;
    static const nmx_write_format fmts[] = { NMX_WRITE_PCAP_US, NMX_WRITE_PCAP_NS,
                                             NMX_WRITE_PCAPNG, NMX_WRITE_NETMON };
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
        one_format(fmts[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_writer_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
