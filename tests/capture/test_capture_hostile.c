/*
 * test_capture_hostile.c: damaged input. Truncation at every byte of a
 * small file of each format; impossible lengths; random corruption; inputs
 * found by fuzzing. Nothing may crash; every error names an offset; frames
 * before the damage stay readable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture_test_util.h"
#include "fuzz_regressions.h"

#define NS INT64_C(1000000000)

/* A small file written by our writer, plus the end offset of each record. */
typedef struct sample {
    uint8_t *buf;
    size_t   len;
    size_t   ends[16];
    size_t   n;
} sample;

static void writer_sample(nmx_write_format fmt, sample *s)
{
    nmx_writer *w;
    nmx_diag d;
    assert_int_equal(nmx_writer_open_memory(fmt, 1, 0, &w, &d), NMX_OK);
    uint8_t data[100];
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 6; i++) {
        nmx_frame f;
        memset(&f, 0, sizeof f);
        fill_payload(data, sizeof data, (uint64_t)i);
        f.data = data;
        f.caplen = (uint32_t)(10 + 15 * i);
        f.wirelen = f.caplen + 4;
        f.linktype = 1;
        f.ts_ns = INT64_C(1700000000) * NS + i * 1000;
        f.comment = i == 2 ? "two" : NULL;
        f.comment_len = i == 2 ? 3 : 0;
        assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
    }
    assert_int_equal(nmx_writer_close_memory(w, &s->buf, &s->len, &d), NMX_OK);
    nmx_capture *cap = open_ok(s->buf, s->len, 0);
    s->n = (size_t)nmx_capture_frame_count(cap);
    for (size_t i = 0; i < s->n; i++) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, i, &f), NMX_OK);
        size_t trailer = fmt == NMX_WRITE_NETMON ? 15 : 0;
        size_t end = (size_t)(f.data - s->buf) + f.caplen + trailer;
        if (fmt == NMX_WRITE_PCAPNG) {   /* EPB: padding, options, trailing length */
            const uint8_t *blk = s->buf + f.offset;
            end = (size_t)f.offset + (uint32_t)(blk[4] | blk[5] << 8 | blk[6] << 16 | blk[7] << 24);
        }
        s->ends[i] = end;
    }
    nmx_capture_close(cap);
}

static size_t frames_before(const sample *s, size_t cut)
{
    size_t n = 0;
    while (n < s->n && s->ends[n] <= cut)
        n++;
    return n;
}

/* Truncate at every length; the frames wholly before the cut must be read,
 * with a warning naming an offset when the cut is inside a record. */
static void truncate_everywhere(nmx_write_format fmt, size_t min_header)
{
    sample s;
    writer_sample(fmt, &s);
    size_t first_end = s.ends[0];
    for (size_t cut = 0; cut < s.len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);   /* exact size: ASan sees overreads */
        memcpy(copy, s.buf, cut);
        nmx_capture *cap = NULL;
        nmx_diag d;
        char name[32];
        snprintf(name, sizeof name, "cut%zu", cut);
        nmx_err e = nmx_capture_open_memory(copy, cut, name, 0, &cap, &d);
        size_t want = frames_before(&s, cut);
        if (fmt == NMX_WRITE_NETMON && cut >= s.ends[s.n - 1])
            want = s.n;   /* the records are all there: recovered by scanning */
        if (cut < min_header || (fmt == NMX_WRITE_NETMON && cut < first_end)) {
            assert_int_not_equal(e, NMX_OK);
            assert_null(cap);
            assert_non_null(strstr(d.msg, name));
            if (cut > 0)
                assert_true(d.offset != UINT64_MAX);
        } else {
            if (e != NMX_OK)
                print_error("cut %zu: %s\n", cut, d.msg);
            assert_int_equal(e, NMX_OK);
            if (nmx_capture_frame_count(cap) != want)
                print_error("cut %zu: %llu frames, want %zu\n", cut,
                            (unsigned long long)nmx_capture_frame_count(cap), want);
            assert_int_equal(nmx_capture_frame_count(cap), want);
            bool at_boundary = cut == min_header || (want && s.ends[want - 1] == cut) ||
                               (fmt == NMX_WRITE_PCAPNG && cut == 28 + 32);   /* SHB, IDB */
            if (fmt != NMX_WRITE_NETMON && !at_boundary) {
                assert_true(nmx_capture_warning_count(cap) >= 1);
                const nmx_diag *w = nmx_capture_warning(cap, 0);
                assert_true(w->offset != UINT64_MAX && w->offset <= cut);
                assert_true(w->code == NMX_ETRUNCATED || w->code == NMX_ECORRUPT);
                char rd[64];
                snprintf(rd, sizeof rd, "read %zu frame", want);
                assert_non_null(strstr(w->msg, rd));
            }
            if (fmt == NMX_WRITE_NETMON && want < s.n)
                assert_non_null(strstr(nmx_capture_warning(cap, 0)->msg, "by scanning"));
            /* frames equal the intact file's */
            for (size_t i = 0; i < want; i++) {
                nmx_frame f;
                assert_int_equal(nmx_capture_frame(cap, i, &f), NMX_OK);
                assert_int_equal(f.caplen, 10 + 15 * i);
                for (uint32_t k = 0; k < f.caplen; k++)
                    assert_int_equal(f.data[k], payload_byte(i, k));
            }
            touch_all(cap);
            /* strict mode refuses the damaged file */
            nmx_capture *c2 = NULL;
            nmx_err e2 = nmx_capture_open_memory(copy, cut, name, NMX_CAPTURE_STRICT, &c2, &d);
            if (!at_boundary && fmt != NMX_WRITE_NETMON) {
                assert_int_not_equal(e2, NMX_OK);
                assert_true(d.offset != UINT64_MAX);
            }
            nmx_capture_close(c2);
        }
        nmx_capture_close(cap);
        free(copy);
    }
    free(s.buf);
}

static void test_truncate_pcap(void **state)
{
    (void)state;
    truncate_everywhere(NMX_WRITE_PCAP_US, 24);
}

static void test_truncate_pcapng(void **state)
{
    (void)state;
    truncate_everywhere(NMX_WRITE_PCAPNG, 28);
}

static void test_truncate_netmon(void **state)
{
    (void)state;
    truncate_everywhere(NMX_WRITE_NETMON, 72);
}

/* Hand-built files of the other variants: no crash at any cut. */
static void test_truncate_variants(void **state)
{
    (void)state;
    tbuf b;
    /* pcapng: big-endian section then little-endian section */
    tb_init(&b, true);
    pn_shb(&b, "c");
    pn_idb(&b, 1, 0, "x", 0x80 | 10, 5);
    uint8_t p[40] = { 1 };
    pn_epb(&b, 0, 1024, p, 40, 40, "k");
    b.be = false;
    pn_shb(&b, NULL);
    pn_idb(&b, 0, 16, NULL, -1, 0);
    size_t s = pn_begin(&b, 3);
    tb_u32(&b, 30);
    tb_bytes(&b, p, 16);
    pn_end(&b, s);
    for (size_t cut = 0; cut <= b.len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, b.p, cut);
        nmx_capture *cap = NULL;
        nmx_diag d;
        if (nmx_capture_open_memory(copy, cut, "v", 0, &cap, &d) == NMX_OK)
            touch_all(cap);
        else
            assert_true(d.code != NMX_OK && d.msg[0]);
        nmx_capture_close(cap);
        free(copy);
    }
    tb_free(&b);
}

/* ---- impossible lengths ------------------------------------------------------ */

static void test_pcap_bad_caplen(void **state)
{
    (void)state;
    sample s;
    writer_sample(NMX_WRITE_PCAP_US, &s);
    /* record 2's captured length */
    size_t rec2 = s.ends[1];
    s.buf[rec2 + 8] = 0xf0;
    s.buf[rec2 + 9] = 0xff;
    s.buf[rec2 + 10] = 0xff;
    s.buf[rec2 + 11] = 0x7f;
    nmx_capture *cap = open_ok(s.buf, s.len, 0);
    assert_int_equal(nmx_capture_frame_count(cap), 2);
    const nmx_diag *w = nmx_capture_warning(cap, 0);
    assert_non_null(w);
    assert_int_equal(w->code, NMX_ECORRUPT);
    assert_int_equal(w->offset, rec2 + 8);
    assert_int_equal(w->value, 0x7ffffff0);
    assert_int_equal(w->limit, NMX_PCAP_MAX_SNAPLEN);
    assert_non_null(strstr(w->msg, "record captured length 2147483632 exceeds limit 262144; read 2 frames before it"));
    nmx_capture_close(cap);
    nmx_diag d;
    assert_int_equal(nmx_capture_open_memory(s.buf, s.len, "x.pcap", NMX_CAPTURE_STRICT, &cap, &d), NMX_ECORRUPT);
    char want[128];
    snprintf(want, sizeof want, "x.pcap: offset %zu: record captured length 2147483632 exceeds limit 262144", rec2 + 8);
    assert_non_null(strstr(d.msg, want));
    free(s.buf);
}

static void test_pcapng_bad_block_lengths(void **state)
{
    (void)state;
    static const struct { uint32_t len; nmx_err code; uint64_t limit; const char *msg; } cases[] = {
        { 8, NMX_ECORRUPT, 12, "block total length 8 below minimum 12" },
        { 0, NMX_ECORRUPT, 12, "block total length 0 below minimum 12" },
        { 46, NMX_ECORRUPT, 4, "block total length 46 is not a multiple of 4" },
        { 0x7FFFFFF0, NMX_ECORRUPT, NMX_PCAPNG_MAX_BLOCK, "exceeds limit 16777216" },
        { 4096, NMX_ETRUNCATED, 0, "runs past the end of the file" },
        { 44, NMX_ECORRUPT, 0, "trailing block length" },
    };
    sample s;
    writer_sample(NMX_WRITE_PCAPNG, &s);
    size_t blk = s.ends[0];   /* second EPB (after SHB, IDB, EPB) */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *c = malloc(s.len);
        memcpy(c, s.buf, s.len);
        c[blk + 4] = (uint8_t)cases[i].len;
        c[blk + 5] = (uint8_t)(cases[i].len >> 8);
        c[blk + 6] = (uint8_t)(cases[i].len >> 16);
        c[blk + 7] = (uint8_t)(cases[i].len >> 24);
        nmx_capture *cap = open_ok(c, s.len, 0);
        assert_int_equal(nmx_capture_frame_count(cap), 1);
        const nmx_diag *w = nmx_capture_warning(cap, 0);
        assert_non_null(w);
        if (!strstr(w->msg, cases[i].msg))
            print_error("case %zu: %s\n", i, w->msg);
        assert_non_null(strstr(w->msg, cases[i].msg));
        assert_int_equal(w->code, cases[i].code);
        assert_true(w->offset >= blk && w->offset < s.len);
        if (cases[i].limit)
            assert_int_equal(w->limit, cases[i].limit);
        assert_int_equal(w->value, cases[i].code == NMX_ECORRUPT && i == 5 ? w->value : cases[i].len);
        touch_all(cap);
        nmx_capture_close(cap);
        /* the same damage in the first block (SHB) fails the open */
        memcpy(c, s.buf, s.len);
        c[4] = (uint8_t)cases[i].len;
        c[5] = (uint8_t)(cases[i].len >> 8);
        c[6] = (uint8_t)(cases[i].len >> 16);
        c[7] = (uint8_t)(cases[i].len >> 24);
        nmx_diag d;
        assert_int_not_equal(nmx_capture_open_memory(c, s.len, "b.pcapng", 0, &cap, &d), NMX_OK);
        assert_non_null(strstr(d.msg, "b.pcapng: offset "));
        free(c);
    }
    free(s.buf);
}

static void test_pcapng_bad_packet_fields(void **state)
{
    (void)state;
    sample s;
    writer_sample(NMX_WRITE_PCAPNG, &s);
    size_t blk = s.ends[0];
    uint8_t *c = malloc(s.len);
    /* interface id not defined */
    memcpy(c, s.buf, s.len);
    c[blk + 8] = 7;
    nmx_capture *cap = open_ok(c, s.len, 0);
    assert_int_equal(nmx_capture_frame_count(cap), 1);
    assert_non_null(strstr(nmx_capture_warning(cap, 0)->msg, "interface id 7 not defined (section has 1)"));
    nmx_capture_close(cap);
    /* captured length beyond the block */
    memcpy(c, s.buf, s.len);
    c[blk + 20] = 200;
    cap = open_ok(c, s.len, 0);
    assert_non_null(strstr(nmx_capture_warning(cap, 0)->msg, "captured length 200 exceeds the block data"));
    nmx_capture_close(cap);
    /* huge captured length */
    memcpy(c, s.buf, s.len);
    c[blk + 23] = 0x40;
    cap = open_ok(c, s.len, 0);
    assert_int_equal(nmx_capture_warning(cap, 0)->limit, NMX_CAPTURE_MAX_CAPLEN);
    nmx_capture_close(cap);
    /* option running past the block: frame 2 has the comment option */
    memcpy(c, s.buf, s.len);
    size_t blk3 = s.ends[1];
    size_t opt = blk3 + 28 + ((10 + 15 * 2 + 3) & ~3u);
    c[opt + 2] = 200;   /* comment length 3 -> 200 */
    cap = open_ok(c, s.len, 0);
    assert_int_equal(nmx_capture_frame_count(cap), 2);
    const nmx_diag *w = nmx_capture_warning(cap, 0);
    assert_non_null(strstr(w->msg, "option 1 of length 200 runs past the end of the block"));
    assert_int_equal(w->offset, opt);
    assert_int_equal(w->value, 200);
    nmx_capture_close(cap);
    free(c);
    free(s.buf);
}

static void test_netmon_bad_tables(void **state)
{
    (void)state;
    sample s;
    writer_sample(NMX_WRITE_NETMON, &s);
    uint32_t table = (uint32_t)s.buf[24] | (uint32_t)s.buf[25] << 8 | (uint32_t)s.buf[26] << 16 | (uint32_t)s.buf[27] << 24;
    uint8_t *c = malloc(s.len);
    /* entry 3 past EOF: frames 0-2 kept, warning */
    memcpy(c, s.buf, s.len);
    c[table + 12 + 3] = 0x10;
    nmx_capture *cap = open_ok(c, s.len, 0);
    assert_int_equal(nmx_capture_frame_count(cap), 3);
    const nmx_diag *w = nmx_capture_warning(cap, 0);
    assert_int_equal(w->offset, table + 12);
    assert_int_equal(w->limit, s.len);
    assert_non_null(strstr(w->msg, "frame table entry 3"));
    assert_non_null(strstr(w->msg, "read 3 frames before it"));
    nmx_capture_close(cap);
    /* table length not a multiple of 4 -> recovered */
    memcpy(c, s.buf, s.len);
    c[28] = 23;
    cap = open_ok(c, s.len, 0);
    assert_int_equal(nmx_capture_frame_count(cap), 6);
    assert_non_null(strstr(nmx_capture_warning(cap, 0)->msg, "not a multiple of 4"));
    nmx_capture_close(cap);
    /* table of more entries than the file could hold -> recovered */
    memcpy(c, s.buf, s.len);
    c[28] = 0;
    c[29] = 0;
    c[30] = 0;
    c[31] = 0x40;
    c[24] = 72;
    c[25] = c[26] = c[27] = 0;
    nmx_diag d;
    assert_int_equal(nmx_capture_open_memory(c, s.len, "t.cap", NMX_CAPTURE_NO_RECOVER, &cap, &d), NMX_ETRUNCATED);
    cap = open_ok(c, s.len, 0);
    assert_int_equal(nmx_capture_frame_count(cap), 6);
    nmx_capture_close(cap);
    /* comment table past EOF: frames fine, comments ignored, warning */
    memcpy(c, s.buf, s.len);
    c[43] = 0x7f;
    cap = open_ok(c, s.len, 0);
    assert_int_equal(nmx_capture_frame_count(cap), 6);
    assert_non_null(strstr(nmx_capture_warning(cap, 0)->msg, "comment table"));
    nmx_frame f;
    assert_int_equal(nmx_capture_frame(cap, 2, &f), NMX_OK);
    assert_null(f.comment);
    nmx_capture_close(cap);
    /* comment title length past the table */
    memcpy(c, s.buf, s.len);
    uint32_t ct = (uint32_t)c[40] | (uint32_t)c[41] << 8 | (uint32_t)c[42] << 16 | (uint32_t)c[43] << 24;
    c[ct + 8] = 0xff;
    c[ct + 9] = 0xff;
    cap = open_ok(c, s.len, 0);
    assert_non_null(strstr(nmx_capture_warning(cap, 0)->msg, "comment title length 65535 runs past"));
    touch_all(cap);
    nmx_capture_close(cap);
    free(c);
    free(s.buf);
}

/* ---- random corruption (deterministic) -------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_random_corruption(void **state)
{
    (void)state;
    static const nmx_write_format fmts[] = { NMX_WRITE_PCAP_NS, NMX_WRITE_PCAPNG, NMX_WRITE_NETMON };
    for (size_t k = 0; k < 3; k++) {
        sample s;
        writer_sample(fmts[k], &s);
        uint8_t *c = malloc(s.len);
        for (int iter = 0; iter < 3000; iter++) {
            memcpy(c, s.buf, s.len);
            int flips = 1 + (int)(next_rand() % 8);
            for (int j = 0; j < flips; j++) {
                size_t at = (size_t)(next_rand() % s.len);
                uint64_t r = next_rand();
                c[at] = (r & 3) == 0 ? 0xff : (r & 3) == 1 ? 0 : (uint8_t)(r >> 8);
            }
            size_t len = (next_rand() % 4 == 0) ? (size_t)(next_rand() % s.len) : s.len;
            nmx_capture *cap = NULL;
            nmx_diag d;
            if (nmx_capture_open_memory(c, len, "r", 0, &cap, &d) == NMX_OK) {
                touch_all(cap);
                for (size_t i = 0; i < nmx_capture_interface_count(cap); i++) {
                    nmx_interface ifc;
                    assert_int_equal(nmx_capture_interface(cap, i, &ifc), NMX_OK);
                }
            } else {
                assert_true(d.code != NMX_OK);
                assert_non_null(strstr(d.msg, "r: "));
            }
            nmx_capture_close(cap);
        }
        free(c);
        free(s.buf);
    }
}

/* Header dates far from the SYSTEMTIME range (found by fuzz_netmon: the
 * seconds * 10^9 product overflowed). */
static void test_netmon_bad_start_time(void **state)
{
    (void)state;
    sample s;
    writer_sample(NMX_WRITE_NETMON, &s);
    static const uint16_t years[] = { 0, 1600, 30828, 65535 };
    for (size_t i = 0; i < 4; i++) {
        s.buf[8] = (uint8_t)years[i];
        s.buf[9] = (uint8_t)(years[i] >> 8);
        nmx_capture *cap = open_ok(s.buf, s.len, 0);
        assert_non_null(strstr(nmx_capture_warning(cap, 0)->msg, "not a valid date"));
        int64_t t;
        assert_int_equal(nmx_capture_start_time(cap, &t), NMX_ENOTFOUND);
        touch_all(cap);
        nmx_capture_close(cap);
    }
    /* 30827 is valid: saturates at INT64_MAX instead of overflowing */
    s.buf[8] = (uint8_t)30827;
    s.buf[9] = (uint8_t)(30827 >> 8);
    nmx_capture *cap = open_ok(s.buf, s.len, 0);
    int64_t t;
    assert_int_equal(nmx_capture_start_time(cap, &t), NMX_OK);
    assert_int_equal(t, INT64_MAX);
    nmx_capture_close(cap);
    free(s.buf);
}

/* Inputs found by the fuzzers (fuzz_regressions.h). */
static void test_fuzz_regressions(void **state)
{
    (void)state;
    for (size_t i = 0; i < nmx_fuzz_regression_count; i++) {
        const nmx_fuzz_regression *r = &nmx_fuzz_regressions[i];
        uint8_t *c = malloc(r->len ? r->len : 1);
        memcpy(c, r->data, r->len);
        nmx_capture *cap = NULL;
        nmx_diag d;
        if (nmx_capture_open_memory(c, r->len, r->name, 0, &cap, &d) == NMX_OK)
            touch_all(cap);
        nmx_capture_close(cap);
        free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncate_pcap),
        cmocka_unit_test(test_truncate_pcapng),
        cmocka_unit_test(test_truncate_netmon),
        cmocka_unit_test(test_truncate_variants),
        cmocka_unit_test(test_pcap_bad_caplen),
        cmocka_unit_test(test_pcapng_bad_block_lengths),
        cmocka_unit_test(test_pcapng_bad_packet_fields),
        cmocka_unit_test(test_netmon_bad_tables),
        cmocka_unit_test(test_random_corruption),
        cmocka_unit_test(test_netmon_bad_start_time),
        cmocka_unit_test(test_fuzz_regressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
