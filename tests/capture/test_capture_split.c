/*
 * test_capture_split.c: the two-thread pcap index walk gives exactly what
 * one sequential walk gives: the same frames, the same warnings, the same
 * errors, whether its guessed mid-file boundary is right, wrong (a payload
 * full of records that look real), or on the far side of damage.
 *
 * pcapng's sparse index is checked at the end.
 *
 * The split is forced with NMX_CAPTURE_PARALLEL_MIN=1024 and compared with
 * a sequential open of the same bytes (NMX_CAPTURE_PARALLEL_MIN huge). On a
 * one-core machine both opens walk sequentially and the test still checks
 * the frames against the layout it built.
 *
 * An incremental open (NMX_CAPTURE_INCREMENTAL) splits the same way when the
 * rest of the file is asked for at once (the count): after a few frames
 * read in small batches, its count, frames and warnings are those of the
 * sequential open too, and on clean files the split is seen to happen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct layout {
    tbuf     b;
    size_t   n;          /* records written */
    size_t   off[8192];  /* offset of each record header */
    uint32_t caplen[8192];
};

static void rec(struct layout *L, uint32_t caplen, const uint8_t *payload)
{
    assert_true(L->n < 8192);
    L->off[L->n] = L->b.len;
    L->caplen[L->n] = caplen;
    tb_u32(&L->b, FIRST_SEC + (uint32_t)L->n);
    tb_u32(&L->b, (uint32_t)L->n % 1000000u);
    tb_u32(&L->b, caplen);
    tb_u32(&L->b, caplen + 4);
    if (payload) {
        tb_bytes(&L->b, payload, caplen);
    } else {
        uint8_t tmp[2048];
        assert_true(caplen <= sizeof tmp);
        fill_payload(tmp, caplen, L->n);
        tb_bytes(&L->b, tmp, caplen);
    }
    L->n++;
}

static void header(struct layout *L)
{
    tb_init(&L->b, false);
    L->n = 0;
    tb_u32(&L->b, 0xa1b2c3d4);
    tb_u16(&L->b, 2);
    tb_u16(&L->b, 4);
    tb_u32(&L->b, 0);
    tb_u32(&L->b, 0);
    tb_u32(&L->b, 65535);
    tb_u32(&L->b, 1);
}

static void random_records(struct layout *L, size_t count)
{
    for (size_t i = 0; i < count; i++)
        rec(L, rng() % 1515u, NULL);
}

/* A record whose payload is a run of zero-length record headers with good
 * timestamps: any guess inside it looks like a record boundary. */
static void decoy(struct layout *L, uint32_t caplen, uint32_t shift)
{
    uint8_t *p = calloc(1, caplen);
    assert_non_null(p);
    for (uint32_t o = shift; o + 16 <= caplen; o += 16) {
        uint32_t sec = FIRST_SEC + 1; /* little-endian, as the file */
        for (unsigned k = 0; k < 4; k++)
            p[o + k] = (uint8_t)(sec >> (8 * k));
    }
    rec(L, caplen, p);
    free(p);
}

struct opened {
    nmx_err      err;
    nmx_diag     d;
    nmx_capture *cap;
};

static struct opened open_with(const struct layout *L, size_t len, const char *min,
                               unsigned flags)
{
    struct opened o;
    memset(&o, 0, sizeof o);
    assert_int_equal(setenv("NMX_CAPTURE_PARALLEL_MIN", min, 1), 0);
    o.err = nmx_capture_open_memory(L->b.p, len, "split", flags, &o.cap, &o.d);
    unsetenv("NMX_CAPTURE_PARALLEL_MIN");
    return o;
}

static void same_diag(const nmx_diag *a, const nmx_diag *b)
{
    assert_int_equal(a->code, b->code);
    assert_int_equal(a->offset, b->offset);
    assert_int_equal(a->value, b->value);
    assert_int_equal(a->limit, b->limit);
    assert_string_equal(a->msg, b->msg);
}

/* The two opens hold the same frames (same bytes in the buffer) and the
 * same warnings; returns the frame count. */
static uint64_t same_opens(const struct opened *seq, const struct opened *par)
{
    uint64_t n = nmx_capture_frame_count(seq->cap);
    assert_int_equal(nmx_capture_frame_count(par->cap), n);
    for (uint64_t i = 0; i < n; i++) {
        nmx_frame fs, fp;
        assert_int_equal(nmx_capture_frame(seq->cap, i, &fs), NMX_OK);
        assert_int_equal(nmx_capture_frame(par->cap, i, &fp), NMX_OK);
        assert_ptr_equal(fp.data, fs.data);
        assert_int_equal(fp.caplen, fs.caplen);
        assert_int_equal(fp.wirelen, fs.wirelen);
        assert_int_equal(fp.ts_ns, fs.ts_ns);
    }
    size_t nw = nmx_capture_warning_count(seq->cap);
    assert_int_equal(nmx_capture_warning_count(par->cap), nw);
    for (size_t i = 0; i < nw; i++)
        same_diag(nmx_capture_warning(seq->cap, i), nmx_capture_warning(par->cap, i));
    return n;
}

/* An incremental open of len bytes of L that reads `first` frames in
 * batches of `batch` bytes, then asks for the count with the split forced;
 * returns whether the count was walked in two runs. */
static bool incremental_count(const struct layout *L, size_t len, const char *batch,
                              uint64_t first, struct opened *o)
{
    memset(o, 0, sizeof *o);
    assert_int_equal(setenv("NMX_CAPTURE_BATCH", batch, 1), 0);
    o->err = nmx_capture_open_memory(L->b.p, len, "split", NMX_CAPTURE_INCREMENTAL, &o->cap,
                                     &o->d);
    unsetenv("NMX_CAPTURE_BATCH");
    assert_int_equal(o->err, NMX_OK);
    for (uint64_t i = 0; i < first; i++)
        (void)nmx_capture_has_frame(o->cap, i);
    assert_int_equal(setenv("NMX_CAPTURE_PARALLEL_MIN", "1024", 1), 0);
    (void)nmx_capture_frame_count(o->cap);
    unsetenv("NMX_CAPTURE_PARALLEL_MIN");
    return o->cap->idx_split != UINT64_MAX;
}

/* Open len bytes of L both ways, lenient and strict; assert they agree and
 * that the frames are the first `want` records of the layout. Returns how
 * many of the incremental opens counted in two runs. */
static int check(const struct layout *L, size_t len, size_t want, bool damaged)
{
    int split_runs = 0;
    struct opened seq = open_with(L, len, "18446744073709551615", 0);
    struct opened par = open_with(L, len, "1024", 0);
    assert_int_equal(seq.err, NMX_OK);
    assert_int_equal(par.err, NMX_OK);
    assert_int_equal(same_opens(&seq, &par), want);
    const uint8_t *base = L->b.p;
    for (size_t i = 0; i < want; i++) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(par.cap, i, &f), NMX_OK);
        assert_ptr_equal(f.data, base + L->off[i] + 16);
        assert_int_equal(f.caplen, L->caplen[i]);
    }
    /* The index keeps one entry per NMX_PCAP_STRIDE frames and finds the
     * others by walking: backward, in jumps, and alternating between the
     * two captures, every frame is still where the layout put it. */
    for (size_t i = want; i-- > 0;) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(i % 2 ? par.cap : seq.cap, i, &f), NMX_OK);
        assert_ptr_equal(f.data, base + L->off[i] + 16);
    }
    for (size_t step = 7; step < 40; step += 11)
        for (size_t k = 0, i = 0; k < want; k++, i = (i + step) % want) {
            nmx_frame f;
            assert_int_equal(nmx_capture_frame(par.cap, i, &f), NMX_OK);
            assert_ptr_equal(f.data, base + L->off[i] + 16);
            assert_int_equal(f.number, i);
        }
    assert_int_equal(nmx_capture_warning_count(seq.cap), damaged ? 1 : 0);
    static const char *const batches[] = {"40", "4096", "100000"};
    static const uint64_t firsts[] = {0, 1, 3, 17};
    for (size_t b = 0; b < sizeof batches / sizeof *batches; b++)
        for (size_t k = 0; k < sizeof firsts / sizeof *firsts; k++) {
            struct opened inc;
            split_runs += incremental_count(L, len, batches[b], firsts[k], &inc);
            assert_int_equal(same_opens(&seq, &inc), want);
            nmx_capture_close(inc.cap);
        }
    nmx_capture_close(seq.cap);
    nmx_capture_close(par.cap);

    seq = open_with(L, len, "18446744073709551615", NMX_CAPTURE_STRICT);
    par = open_with(L, len, "1024", NMX_CAPTURE_STRICT);
    assert_int_equal(par.err, seq.err);
    assert_int_equal(seq.err == NMX_OK, !damaged);
    if (damaged)
        same_diag(&seq.d, &par.d);
    nmx_capture_close(seq.cap);
    nmx_capture_close(par.cap);
    return split_runs;
}

static void test_clean(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 20; seed++) {
        struct layout *L = calloc(1, sizeof *L);
        assert_non_null(L);
        rng_state = seed;
        header(L);
        random_records(L, 50 + seed * 97);
        int split_runs = check(L, L->b.len, L->n, false);
        /* a clean file of two or more CPUs' worth: the count is split */
        if (sysconf(_SC_NPROCESSORS_ONLN) > 1 && L->b.len > 64 * 1024)
            assert_true(split_runs > 0);
        tb_free(&L->b);
        free(L);
    }
}

static void test_wrong_guess(void **state)
{
    (void)state;
    for (uint32_t shift = 0; shift < 16; shift += 5) {
        struct layout *L = calloc(1, sizeof *L);
        assert_non_null(L);
        rng_state = 77 + shift;
        header(L);
        random_records(L, 60);
        decoy(L, 200000, shift); /* the middle of the file falls inside */
        random_records(L, 60);
        check(L, L->b.len, L->n, false);
        tb_free(&L->b);
        free(L);
    }
}

static void test_damage_second_half(void **state)
{
    (void)state;
    struct layout *L = calloc(1, sizeof *L);
    assert_non_null(L);
    rng_state = 5;
    header(L);
    random_records(L, 600);
    size_t bad = 500;
    /* an impossible captured length late in the file */
    tb_set_u32(&L->b, L->off[bad] + 8, NMX_PCAP_MAX_SNAPLEN + 1);
    check(L, L->b.len, bad, true);
    tb_set_u32(&L->b, L->off[bad] + 8, L->caplen[bad]);
    /* a file cut inside its last record, and inside a record header */
    check(L, L->b.len - 1, L->n - 1, true);
    check(L, L->off[L->n - 1] + 7, L->n - 1, true);
    check(L, L->b.len, L->n, false);
    tb_free(&L->b);
    free(L);
}

static void test_damage_first_half(void **state)
{
    (void)state;
    struct layout *L = calloc(1, sizeof *L);
    assert_non_null(L);
    rng_state = 9;
    header(L);
    random_records(L, 600);
    size_t bad = 100;
    tb_set_u32(&L->b, L->off[bad] + 8, 0x7fffffffu);
    check(L, L->b.len, bad, true);
    /* a length that walks past the guess: the first walk overshoots it */
    tb_set_u32(&L->b, L->off[bad] + 8, L->caplen[bad] + 3);
    struct opened seq = open_with(L, L->b.len, "18446744073709551615", 0);
    struct opened par = open_with(L, L->b.len, "1024", 0);
    assert_int_equal(seq.err, NMX_OK);
    assert_int_equal(par.err, NMX_OK);
    (void)same_opens(&seq, &par);
    nmx_capture_close(seq.cap);
    nmx_capture_close(par.cap);
    tb_free(&L->b);
    free(L);
}

/* pcapng keeps one index entry per NMX_INDEX_STRIDE frames too and finds
 * the others by walking the blocks between: across section headers of
 * either byte order, interface descriptions and blocks of other types,
 * frames read backward, in jumps and from two captures in turn are the
 * frames read forward, which are the frames written. */
static void test_pcapng_sparse(void **state)
{
    (void)state;
    tbuf b;
    tb_init(&b, false);
    uint32_t caplen[512], iface[512];
    size_t n = 0;
    uint8_t data[300];
    for (int sec = 0; sec < 3; sec++) {
        b.be = sec == 1;
        pn_shb(&b, sec == 2 ? "third" : NULL);
        pn_idb(&b, 1, 0, NULL, -1, 0);
        for (uint32_t k = 0; k < 100 + 37u * (uint32_t)sec; k++) {
            if (k == 50) { /* a second interface, mid-section */
                pn_idb(&b, 101, 0, "raw", 9, 0);
            }
            if (k % 7 == 3) { /* a block of a type the reader skips */
                size_t s0 = pn_begin(&b, 0x00000BADu);
                tb_u32(&b, k);
                pn_end(&b, s0);
            }
            assert_true(n < 512);
            uint32_t ifc = k >= 50 && k % 2 ? 1 : 0;
            uint32_t len = 14 + (uint32_t)((n * 37) % 280);
            fill_payload(data, len, n);
            pn_epb(&b, ifc, 1000000u * n, data, len, len, NULL);
            caplen[n] = len;
            iface[n] = ifc;
            n++;
        }
    }
    nmx_capture *a = open_ok(b.p, b.len, 0), *c = open_ok(b.p, b.len, 0);
    assert_int_equal(nmx_capture_frame_count(a), n);
    static nmx_frame fw[512];
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(nmx_capture_frame(a, i, &fw[i]), NMX_OK);
        assert_int_equal(fw[i].caplen, caplen[i]);
        for (uint32_t k = 0; k < caplen[i]; k++)
            assert_int_equal(fw[i].data[k], payload_byte(i, k));
        nmx_interface ifc;
        assert_int_equal(nmx_capture_interface(a, fw[i].interface_id, &ifc), NMX_OK);
        assert_int_equal(ifc.linktype, iface[i] ? 101u : 1u);
    }
    for (size_t i = n; i-- > 0;) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(i % 2 ? a : c, i, &f), NMX_OK);
        assert_ptr_equal(f.data, fw[i].data);
        assert_int_equal(f.ts_ns, fw[i].ts_ns);
        assert_int_equal(f.interface_id, fw[i].interface_id);
    }
    for (size_t step = 5; step < 60; step += 17)
        for (size_t k = 0, i = 0; k < n; k++, i = (i + step) % n) {
            nmx_frame f;
            assert_int_equal(nmx_capture_frame(c, i, &f), NMX_OK);
            assert_ptr_equal(f.data, fw[i].data);
            assert_int_equal(f.offset, fw[i].offset);
        }
    nmx_capture_close(a);
    nmx_capture_close(c);
    tb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_wrong_guess),
        cmocka_unit_test(test_damage_second_half),
        cmocka_unit_test(test_damage_first_half),
        cmocka_unit_test(test_pcapng_sparse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
