/* The wire format: round trips, and a decoder that survives hostile input. */
#include <inttypes.h>
#include <string.h>

#include "event_test_util.h"

/* ---- a sample stream ---------------------------------------------------- */

typedef struct stream {
    uint8_t *p;
    size_t len;
    size_t ends[16]; /* offset after each frame */
    size_t nframes;
} stream;

static void append(stream *s, uint8_t *buf, size_t len)
{
    s->p = realloc(s->p, s->len + len);
    assert_non_null(s->p);
    memcpy(s->p + s->len, buf, len);
    s->len += len;
    s->ends[s->nframes++] = s->len;
    free(buf);
}

static nmx_event_column g_cols[20];
static size_t g_ncols;

static nmx_event sample_event(uint64_t seq)
{
    evt_all_columns(g_cols, &g_ncols);
    return evt_make("Top Users Run", seq, g_cols, g_ncols);
}

static nmx_status sample_status(void)
{
    nmx_status st;
    memset(&st, 0, sizeof st);
    st.status = 2;
    st.sub_status = 1;
    st.percent = 42;
    st.frame = 1234;
    st.updates = 9;
    snprintf(st.text, sizeof st.text, "%s", "reading frames");
    return st;
}

static const nmx_wire_memstats g_mem = {100, 3, 4096, 1, 2};
static const nmx_wire_result g_res = {1, 2, 64, 0, 5, 8192};

static stream sample_stream(void)
{
    stream s = {0};
    uint8_t *b;
    size_t n;
    nmx_event e = sample_event(0);
    assert_int_equal(nmx_wire_encode_event(&e, &b, &n), NMX_OK);
    append(&s, b, n);
    nmx_status st = sample_status();
    assert_int_equal(nmx_wire_encode_status(&st, &b, &n), NMX_OK);
    append(&s, b, n);
    assert_int_equal(nmx_wire_encode_memstats(&g_mem, &b, &n), NMX_OK);
    append(&s, b, n);
    assert_int_equal(nmx_wire_encode_log(NMX_WIRE_LOG_WARNING, "heap: 1 misuse", &b, &n), NMX_OK);
    append(&s, b, n);
    nmx_event e2 = evt_make("Other", 1, NULL, 0); /* no columns, no time */
    e2.has_time = false;
    memset(e2.time, 0, sizeof e2.time);
    e2.severity = 77;
    assert_int_equal(nmx_wire_encode_event(&e2, &b, &n), NMX_OK);
    append(&s, b, n);
    assert_int_equal(nmx_wire_encode_result(&g_res, &b, &n), NMX_OK);
    append(&s, b, n);
    return s;
}

/* Checks the i-th message of the sample stream. */
static void check_msg(size_t i, const nmx_wire_msg *m)
{
    static const nmx_wire_type types[] = {NMX_WIRE_EVENT, NMX_WIRE_STATUS, NMX_WIRE_MEMSTATS,
                                          NMX_WIRE_LOG,   NMX_WIRE_EVENT,  NMX_WIRE_RESULT};
    assert_int_equal(m->type, types[i]);
    if (i == 0) {
        nmx_event e = sample_event(0);
        assert_true(evt_equal(m->u.event, &e));
    } else if (i == 1) {
        nmx_status st = sample_status();
        assert_memory_equal(&m->u.status, &st, sizeof st);
    } else if (i == 2) {
        assert_memory_equal(&m->u.mem, &g_mem, sizeof g_mem);
    } else if (i == 3) {
        assert_int_equal(m->u.log.level, NMX_WIRE_LOG_WARNING);
        assert_string_equal(m->u.log.text, "heap: 1 misuse");
    } else if (i == 4) {
        assert_string_equal(m->u.event->expert, "Other");
        assert_int_equal(m->u.event->severity, 77);
        assert_false(m->u.event->has_time);
        assert_int_equal(m->u.event->ncolumns, 0);
    } else {
        assert_int_equal(m->u.result.run_result, g_res.run_result);
        assert_int_equal(m->u.result.leaked_blocks, g_res.leaked_blocks);
        assert_int_equal(m->u.result.leaked_bytes, g_res.leaked_bytes);
        assert_int_equal(m->u.result.overruns, g_res.overruns);
        assert_int_equal(m->u.result.misuse_total, g_res.misuse_total);
        assert_int_equal(m->u.result.peak_bytes, g_res.peak_bytes);
    }
}

/* Feeds `s` in chunks chosen by `chunk` (0: random 1..300 from *seed) and
 * checks every message; returns the number decoded. */
static size_t decode_all(const uint8_t *p, size_t len, size_t chunk, uint64_t *seed, bool check)
{
    nmx_wire_decoder *d;
    assert_int_equal(nmx_wire_decoder_new(&d), NMX_OK);
    size_t got = 0;
    for (size_t off = 0; off < len;) {
        size_t n = chunk ? chunk : 1 + (size_t)(evt_rand(seed) % 300);
        if (n > len - off)
            n = len - off;
        assert_int_equal(nmx_wire_feed(d, p + off, n), NMX_OK);
        off += n;
        nmx_wire_msg m;
        nmx_diag dg;
        nmx_err e;
        while ((e = nmx_wire_next(d, &m, &dg)) == NMX_OK) {
            if (check)
                check_msg(got, &m);
            got++;
            nmx_wire_msg_clear(&m);
        }
        if (e != NMX_ENOTFOUND)
            fail_msg("decode: %s", dg.msg);
    }
    assert_int_equal(nmx_wire_finish(d, NULL), NMX_OK);
    assert_int_equal(nmx_wire_pending(d), 0);
    assert_int_equal(nmx_wire_consumed(d), len);
    nmx_wire_decoder_free(d);
    return got;
}

static void t_round_trip(void **st)
{
    (void)st;
    stream s = sample_stream();
    uint64_t seed = 0x1234567;
    assert_int_equal(decode_all(s.p, s.len, s.len, &seed, true), s.nframes); /* at once */
    assert_int_equal(decode_all(s.p, s.len, 1, &seed, true), s.nframes);     /* byte by byte */
    for (int i = 0; i < 200; i++)                                             /* random chunks */
        assert_int_equal(decode_all(s.p, s.len, 0, &seed, true), s.nframes);
    free(s.p);
}

static void t_header_layout(void **st)
{
    (void)st;
    uint8_t *b;
    size_t n;
    assert_int_equal(nmx_wire_encode_memstats(&g_mem, &b, &n), NMX_OK);
    assert_int_equal(n, 8 + 40);
    assert_memory_equal(b, "NX\x01\x03\x28\x00\x00\x00", 8);
    assert_memory_equal(b + 8, "\x64\0\0\0\0\0\0\0", 8); /* cur_bytes 100, little-endian */
    free(b);
    /* into a caller's buffer */
    uint8_t small[10];
    nmx_wire_msg m = {.type = NMX_WIRE_MEMSTATS};
    m.u.mem = g_mem;
    assert_int_equal(nmx_wire_encode_into(&m, small, sizeof small, &n), NMX_ERANGE);
    assert_int_equal(n, 48);
    uint8_t big[64];
    assert_int_equal(nmx_wire_encode_into(&m, big, sizeof big, &n), NMX_OK);
    assert_int_equal(n, 48);
    m.type = (nmx_wire_type)9;
    assert_int_equal(nmx_wire_encode_into(&m, big, sizeof big, &n), NMX_EINVAL);
}

/* NULL strings become "", long strings are cut, huge events are trimmed to
 * fit the frame ceiling. */
static void t_encode_limits(void **st)
{
    (void)st;
    size_t big = 3 * NMX_EVENT_MAX_STRING;
    char *longs = malloc(big + 1);
    memset(longs, 'x', big);
    longs[big] = 0;
    /* a multi-byte character right at a cut, to check the cut keeps UTF-8 whole */
    nmx_event_column c[40];
    memset(c, 0, sizeof c);
    for (int i = 0; i < 40; i++) {
        c[i].name = longs;
        c[i].type = NMCOLUMNTYPE_STRING;
        c[i].str = longs;
    }
    nmx_event e = evt_make("Big", 5, c, 40);
    e.source = NULL;
    e.description = longs;
    uint8_t *b;
    size_t n;
    assert_int_equal(nmx_wire_encode_event(&e, &b, &n), NMX_OK);
    assert_true(n <= NMX_WIRE_HEADER_SIZE + NMX_WIRE_MAX_FRAME);
    assert_true(n > NMX_WIRE_MAX_FRAME - 4096); /* used the room there was */
    nmx_wire_decoder *d;
    assert_int_equal(nmx_wire_decoder_new(&d), NMX_OK);
    assert_int_equal(nmx_wire_feed(d, b, n), NMX_OK);
    nmx_wire_msg m;
    nmx_diag dg;
    assert_int_equal(nmx_wire_next(d, &m, &dg), NMX_OK);
    assert_string_equal(m.u.event->source, "");
    size_t cut = strlen(m.u.event->description);
    assert_true(cut > 1000 && cut < NMX_EVENT_MAX_STRING);
    for (int i = 0; i < 40; i++) {
        assert_true(strlen(m.u.event->columns[i].name) <= cut);
        assert_true(strlen(m.u.event->columns[i].str) <= cut);
    }
    nmx_wire_msg_clear(&m);
    free(b);

    /* a small event keeps strings up to NMX_EVENT_MAX_STRING */
    nmx_event e2 = evt_make("Small", 6, NULL, 0);
    e2.description = longs;
    assert_int_equal(nmx_wire_encode_event(&e2, &b, &n), NMX_OK);
    assert_int_equal(nmx_wire_feed(d, b, n), NMX_OK);
    assert_int_equal(nmx_wire_next(d, &m, &dg), NMX_OK);
    assert_int_equal(strlen(m.u.event->description), NMX_EVENT_MAX_STRING);
    nmx_wire_msg_clear(&m);
    free(b);

    /* cutting never splits a UTF-8 character: "é" (2 bytes) everywhere */
    for (size_t i = 0; i + 1 < big; i += 2)
        memcpy(longs + i, "\xc3\xa9", 2);
    assert_int_equal(nmx_wire_encode_event(&e, &b, &n), NMX_OK);
    assert_int_equal(nmx_wire_feed(d, b, n), NMX_OK);
    assert_int_equal(nmx_wire_next(d, &m, &dg), NMX_OK);
    assert_int_equal(strlen(m.u.event->description) % 2, 0);
    nmx_wire_msg_clear(&m);
    free(b);

    /* status text is cut to what nmx_status holds */
    nmx_status s2 = sample_status();
    memset(s2.text, 'y', sizeof s2.text - 1);
    s2.text[sizeof s2.text - 1] = 0;
    assert_int_equal(nmx_wire_encode_status(&s2, &b, &n), NMX_OK);
    assert_int_equal(nmx_wire_feed(d, b, n), NMX_OK);
    assert_int_equal(nmx_wire_next(d, &m, &dg), NMX_OK);
    assert_int_equal(strlen(m.u.status.text), NMX_WIRE_MAX_STATUS_TEXT);
    free(b);
    nmx_wire_decoder_free(d);
    free(longs);
}

/* ---- hostile input ------------------------------------------------------ */

/* Decodes everything; returns NMX_OK (clean end), NMX_ETRUNCATED or the
 * error, checking that errors explain themselves. */
static nmx_err decode_hostile(const uint8_t *p, size_t len, uint64_t *seed, size_t *ok_count)
{
    nmx_wire_decoder *d;
    assert_int_equal(nmx_wire_decoder_new(&d), NMX_OK);
    size_t got = 0;
    nmx_err result = NMX_OK;
    for (size_t off = 0; off < len && result == NMX_OK;) {
        size_t n = 1 + (size_t)(evt_rand(seed) % 97);
        if (n > len - off)
            n = len - off;
        assert_int_equal(nmx_wire_feed(d, p + off, n), NMX_OK);
        off += n;
        nmx_wire_msg m;
        nmx_diag dg;
        memset(&dg, 0, sizeof dg);
        nmx_err e;
        while ((e = nmx_wire_next(d, &m, &dg)) == NMX_OK) {
            got++;
            if (m.type == NMX_WIRE_EVENT) { /* touch everything */
                const nmx_event *ev = m.u.event;
                size_t sum = strlen(ev->expert) + strlen(ev->source) + strlen(ev->justification);
                for (size_t i = 0; i < ev->ncolumns; i++) {
                    char buf[128];
                    sum += strlen(ev->columns[i].name) + strlen(ev->columns[i].str);
                    sum += strlen(nmx_event_column_text(&ev->columns[i], buf, sizeof buf));
                }
                assert_true(sum < 100 * NMX_WIRE_MAX_FRAME);
            }
            nmx_wire_msg_clear(&m);
        }
        if (e != NMX_ENOTFOUND) {
            assert_int_equal(e, NMX_ECORRUPT);
            assert_int_equal(dg.code, NMX_ECORRUPT);
            assert_true(dg.msg[0] != 0);
            assert_true(strstr(dg.msg, "wire stream offset") != NULL);
            assert_true(dg.offset <= len);
            /* stays failed */
            nmx_diag d2;
            assert_int_equal(nmx_wire_next(d, &m, &d2), NMX_ECORRUPT);
            assert_int_equal(d2.offset, dg.offset);
            assert_int_equal(nmx_wire_finish(d, NULL), NMX_ECORRUPT);
            result = e;
        }
    }
    if (result == NMX_OK) {
        nmx_diag dg;
        result = nmx_wire_finish(d, &dg);
        if (result != NMX_OK) {
            assert_int_equal(result, NMX_ETRUNCATED);
            assert_true(dg.msg[0] != 0);
        }
    }
    nmx_wire_decoder_free(d);
    if (ok_count)
        *ok_count = got;
    return result;
}

static void t_every_truncation(void **st)
{
    (void)st;
    stream s = sample_stream();
    uint64_t seed = 99;
    for (size_t cut = 0; cut <= s.len; cut++) {
        size_t got;
        nmx_err e = decode_hostile(s.p, cut, &seed, &got);
        size_t whole = 0;
        while (whole < s.nframes && s.ends[whole] <= cut)
            whole++;
        assert_int_equal(got, whole);
        bool boundary = cut == 0 || (whole && s.ends[whole - 1] == cut);
        assert_int_equal(e, boundary ? NMX_OK : NMX_ETRUNCATED);
    }
    free(s.p);
}

static void t_byte_flips(void **st)
{
    (void)st;
    stream s = sample_stream();
    uint8_t *copy = malloc(s.len);
    uint64_t seed = 0xfeedface;
    size_t corrupt = 0, clean = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(copy, s.p, s.len);
        int flips = 1 + (int)(evt_rand(&seed) % 4);
        for (int f = 0; f < flips; f++) {
            size_t at = (size_t)(evt_rand(&seed) % s.len);
            uint8_t v = (uint8_t)evt_rand(&seed);
            if (evt_rand(&seed) & 1)
                v = (uint8_t)(copy[at] ^ (1u << (v & 7)));
            copy[at] = v;
        }
        nmx_err e = decode_hostile(copy, s.len, &seed, NULL);
        if (e == NMX_ECORRUPT)
            corrupt++;
        else
            clean++;
    }
    print_message("byte flips: %zu streams reported corrupt, %zu decoded or truncated\n", corrupt, clean);
    assert_true(corrupt > 10000);
    free(copy);
    free(s.p);
}

static void feed_expect(const uint8_t *p, size_t len, uint64_t offset, uint64_t value,
                        uint64_t limit, const char *needle)
{
    nmx_wire_decoder *d;
    assert_int_equal(nmx_wire_decoder_new(&d), NMX_OK);
    assert_int_equal(nmx_wire_feed(d, p, len), NMX_OK);
    nmx_wire_msg m;
    nmx_diag dg;
    memset(&dg, 0, sizeof dg);
    nmx_err e = nmx_wire_next(d, &m, &dg);
    if (e != NMX_ECORRUPT)
        fail_msg("expected NMX_ECORRUPT (%s), got %s", needle, nmx_errname(e));
    if (!strstr(dg.msg, needle))
        fail_msg("diag \"%s\" does not say \"%s\"", dg.msg, needle);
    assert_int_equal(dg.offset, offset);
    assert_int_equal(dg.value, value);
    assert_int_equal(dg.limit, limit);
    nmx_wire_decoder_free(d);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void t_huge_and_bad_fields(void **st)
{
    (void)st;
    /* a header announcing 4 GiB: refused at once, nothing allocated */
    uint8_t h[8] = {'N', 'X', 1, 1, 0xff, 0xff, 0xff, 0xff};
    feed_expect(h, 8, 4, 0xffffffffu, NMX_WIRE_MAX_FRAME, "frame payload length exceeds limit");
    put32(h + 4, NMX_WIRE_MAX_FRAME + 1);
    feed_expect(h, 8, 4, NMX_WIRE_MAX_FRAME + 1, NMX_WIRE_MAX_FRAME, "exceeds limit");
    /* bad magic, version, type: found from the first bytes */
    feed_expect((const uint8_t *)"Q", 1, 0, 'Q', 'N', "bad frame magic");
    feed_expect((const uint8_t *)"NX\x02", 3, 2, 2, 1, "unsupported wire version");
    feed_expect((const uint8_t *)"NX\x01\x07", 4, 3, 7, 5, "unknown message type");
    feed_expect((const uint8_t *)"NX\x01\x00", 4, 3, 0, 5, "unknown message type");

    /* an event whose description claims 4 GiB */
    nmx_event e = evt_make("X", 0, NULL, 0);
    uint8_t *b;
    size_t n;
    assert_int_equal(nmx_wire_encode_event(&e, &b, &n), NMX_OK);
    size_t expert_len_at = 8 + 40;                    /* first string */
    size_t src_at = expert_len_at + 4 + 1;            /* "X" */
    size_t name_at = src_at + 4 + strlen(e.source);
    size_t desc_at = name_at + 4 + strlen(e.name);
    put32(b + desc_at, 0xfffffff0u);
    feed_expect(b, n, desc_at, 0xfffffff0u, NMX_EVENT_MAX_STRING, "event description length exceeds limit");
    /* a length within the limit but beyond the frame */
    put32(b + desc_at, 60000);
    feed_expect(b, n, desc_at, 60000, n - desc_at - 4, "event description length exceeds the frame");
    put32(b + desc_at, (uint32_t)strlen(e.description));
    /* a NUL inside a string */
    b[desc_at + 4 + 2] = 0;
    feed_expect(b, n, desc_at + 4 + 2, 0, 0, "event description holds a NUL byte");
    b[desc_at + 4 + 2] = 's';
    /* ncolumns says 255 but there are none */
    b[8 + 22] = 255;
    feed_expect(b, n, n, 4, 0, "event column name length: frame too short");
    b[8 + 22] = 0;
    b[8 + 21] = 2; /* has_time */
    feed_expect(b, n, 8 + 21, 2, 1, "has_time");
    b[8 + 21] = 1;
    b[8 + 23] = 1; /* reserved */
    feed_expect(b, n, 8 + 23, 1, 0, "reserved");
    b[8 + 23] = 0;
    /* trailing bytes: frame length one more, one extra byte */
    uint8_t *b2 = malloc(n + 1);
    memcpy(b2, b, n);
    b2[n] = 0;
    put32(b2 + 4, (uint32_t)(n - 8 + 1));
    feed_expect(b2, n + 1, n, 1, 0, "trailing bytes");
    free(b2);
    free(b);

    /* column values outside their type's range, text on a non-string column */
    nmx_event_column c[1];
    memset(c, 0, sizeof c);
    c[0].name = "B";
    c[0].type = NMCOLUMNTYPE_YESNO;
    c[0].v.u = 1;
    c[0].str = "";
    e = evt_make("X", 0, c, 1);
    assert_int_equal(nmx_wire_encode_event(&e, &b, &n), NMX_OK);
    size_t value_at = n - 4 - 16; /* last: value[16], text length */
    b[value_at] = 2;
    feed_expect(b, n, value_at, 2, 1, "out of its type's range");
    b[value_at] = 1;
    b[value_at + 9] = 1;
    feed_expect(b, n, value_at + 9, 1, 0, "padding");
    b[value_at + 9] = 0;
    put32(b + value_at - 4, NMCOLUMNTYPE_SINT8); /* value 1 ok; make it 200 */
    b[value_at] = 200;
    feed_expect(b, n, value_at, 200, 127, "out of its type's range");
    put32(b + value_at - 4, NMCOLUMNTYPE_YESNO);
    b[value_at] = 1;
    put32(b + n - 4, 1); /* text length 1 on a YESNO column (and beyond the frame) */
    feed_expect(b, n, n - 4, 1, 0, "event column text (non-string column) length exceeds limit");
    free(b);

    /* fixed-size payloads of the wrong size */
    assert_int_equal(nmx_wire_encode_memstats(&g_mem, &b, &n), NMX_OK);
    put32(b + 4, 39);
    feed_expect(b, n - 1, 4, 39, 40, "memory statistics payload size");
    free(b);
    nmx_status s2 = sample_status();
    assert_int_equal(nmx_wire_encode_status(&s2, &b, &n), NMX_OK);
    put32(b + 16, 101);
    feed_expect(b, n, 16, 101, 100, "percent");
    free(b);
}

static void t_feed_limits(void **st)
{
    (void)st;
    nmx_wire_decoder *d;
    assert_int_equal(nmx_wire_decoder_new(&d), NMX_OK);
    assert_int_equal(nmx_wire_feed(d, NULL, 0), NMX_OK);
    assert_int_equal(nmx_wire_feed(d, NULL, 1), NMX_EINVAL);
    /* a frame of exactly the ceiling: a log line cannot be that long, but
     * the header is accepted and the decoder waits for the payload */
    uint8_t h[8] = {'N', 'X', 1, NMX_WIRE_LOG, 0, 0, 0, 0};
    put32(h + 4, NMX_WIRE_MAX_FRAME);
    assert_int_equal(nmx_wire_feed(d, h, 8), NMX_OK);
    nmx_wire_msg m;
    nmx_diag dg;
    assert_int_equal(nmx_wire_next(d, &m, &dg), NMX_ENOTFOUND);
    /* more than the decoder may hold */
    uint8_t *zeros = calloc(1, NMX_WIRE_MAX_BUFFER);
    assert_int_equal(nmx_wire_feed(d, zeros, NMX_WIRE_MAX_BUFFER), NMX_EQUOTA);
    assert_int_equal(nmx_wire_pending(d), 8);
    assert_int_equal(nmx_wire_feed(d, zeros, NMX_WIRE_MAX_FRAME), NMX_OK);
    assert_int_equal(nmx_wire_next(d, &m, &dg), NMX_ECORRUPT); /* level 0, length 0, then junk */
    assert_true(strstr(dg.msg, "trailing bytes") != NULL);
    free(zeros);
    assert_int_equal(nmx_wire_finish(d, &dg), NMX_ECORRUPT);
    nmx_wire_decoder_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_round_trip),        cmocka_unit_test(t_header_layout),
        cmocka_unit_test(t_encode_limits),     cmocka_unit_test(t_every_truncation),
        cmocka_unit_test(t_byte_flips),        cmocka_unit_test(t_huge_and_bad_fields),
        cmocka_unit_test(t_feed_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
