/* capture_test_util.c: see capture_test_util.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture_test_util.h"

void tb_init(tbuf *b, bool big_endian)
{
    memset(b, 0, sizeof *b);
    b->be = big_endian;
}

void tb_free(tbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void tb_bytes(tbuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n)
            ncap *= 2;
        b->p = realloc(b->p, ncap);
        assert_non_null(b->p);
        b->cap = ncap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

void tb_zero(tbuf *b, size_t n)
{
    static const uint8_t z[64];
    while (n) {
        size_t k = n < sizeof z ? n : sizeof z;
        tb_bytes(b, z, k);
        n -= k;
    }
}

static void put(tbuf *b, uint64_t v, unsigned width)
{
    uint8_t t[8];
    for (unsigned i = 0; i < width; i++)
        t[b->be ? width - 1 - i : i] = (uint8_t)(v >> (8 * i));
    tb_bytes(b, t, width);
}

void tb_u8(tbuf *b, uint8_t v) { tb_bytes(b, &v, 1); }
void tb_u16(tbuf *b, uint16_t v) { put(b, v, 2); }
void tb_u32(tbuf *b, uint32_t v) { put(b, v, 4); }
void tb_u64(tbuf *b, uint64_t v) { put(b, v, 8); }

void tb_pad4(tbuf *b)
{
    while (b->len % 4)
        tb_u8(b, 0);
}

void tb_set_u32(tbuf *b, size_t off, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        b->p[off + (b->be ? 3 - i : i)] = (uint8_t)(v >> (8 * i));
}

void tb_set_u32le(tbuf *b, size_t off, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        b->p[off + i] = (uint8_t)(v >> (8 * i));
}

void tp_header(tbuf *b, uint32_t magic, uint32_t linktype)
{
    tb_u32(b, magic);
    tb_u16(b, 2);
    tb_u16(b, 4);
    tb_u32(b, 0);
    tb_u32(b, 0);
    tb_u32(b, 65535);
    tb_u32(b, linktype);
}

size_t pn_begin(tbuf *b, uint32_t type)
{
    size_t start = b->len;
    tb_u32(b, type);
    tb_u32(b, 0);
    return start;
}

void pn_end(tbuf *b, size_t start)
{
    tb_pad4(b);
    uint32_t total = (uint32_t)(b->len - start + 4);
    tb_u32(b, total);
    tb_set_u32(b, start + 4, total);
}

void pn_opt(tbuf *b, uint16_t code, const void *v, uint16_t len)
{
    tb_u16(b, code);
    tb_u16(b, len);
    tb_bytes(b, v, len);
    tb_pad4(b);
}

void pn_shb(tbuf *b, const char *comment)
{
    size_t s = pn_begin(b, 0x0A0D0D0A);
    tb_u32(b, 0x1A2B3C4D);
    tb_u16(b, 1);
    tb_u16(b, 0);
    tb_u64(b, UINT64_MAX);
    if (comment) {
        pn_opt(b, 1, comment, (uint16_t)strlen(comment));
        pn_opt(b, 0, NULL, 0);
    }
    pn_end(b, s);
}

void pn_idb(tbuf *b, uint16_t linktype, uint32_t snaplen, const char *name, int tsresol,
            int64_t tsoffset)
{
    size_t s = pn_begin(b, 1);
    tb_u16(b, linktype);
    tb_u16(b, 0);
    tb_u32(b, snaplen);
    bool opts = false;
    if (name) {
        pn_opt(b, 2, name, (uint16_t)strlen(name));
        opts = true;
    }
    if (tsresol >= 0) {
        uint8_t r = (uint8_t)tsresol;
        pn_opt(b, 9, &r, 1);
        opts = true;
    }
    if (tsoffset) {
        tb_u16(b, 14);
        tb_u16(b, 8);
        tb_u64(b, (uint64_t)tsoffset);
        opts = true;
    }
    if (opts)
        pn_opt(b, 0, NULL, 0);
    pn_end(b, s);
}

void pn_epb(tbuf *b, uint32_t iface, uint64_t ts, const uint8_t *data, uint32_t caplen,
            uint32_t wirelen, const char *comment)
{
    size_t s = pn_begin(b, 6);
    tb_u32(b, iface);
    tb_u32(b, (uint32_t)(ts >> 32));
    tb_u32(b, (uint32_t)ts);
    tb_u32(b, caplen);
    tb_u32(b, wirelen);
    tb_bytes(b, data, caplen);
    tb_pad4(b);
    if (comment) {
        pn_opt(b, 1, comment, (uint16_t)strlen(comment));
        pn_opt(b, 0, NULL, 0);
    }
    pn_end(b, s);
}

uint8_t payload_byte(uint64_t frame, size_t i)
{
    return (uint8_t)(frame * 31u + i * 7u + (i >> 8));
}

void fill_payload(uint8_t *p, size_t n, uint64_t frame)
{
    for (size_t i = 0; i < n; i++)
        p[i] = payload_byte(frame, i);
}

nmx_capture *open_ok(const void *p, size_t n, unsigned flags)
{
    nmx_capture *cap = NULL;
    nmx_diag d;
    nmx_err e = nmx_capture_open_memory(p, n, "test", flags, &cap, &d);
    if (e != NMX_OK)
        print_error("open failed: %s\n", d.msg);
    assert_int_equal(e, NMX_OK);
    assert_non_null(cap);
    return cap;
}

uint64_t touch_all(const nmx_capture *cap)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < nmx_capture_frame_count(cap); i++) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, i, &f), NMX_OK);
        assert_int_equal(f.number, i);
        for (uint32_t k = 0; k < f.caplen; k++)
            sum += f.data[k];
        for (size_t k = 0; k < f.comment_len; k++)
            sum += (uint8_t)f.comment[k];
        sum += (uint64_t)f.ts_ns + f.wirelen;
    }
    nmx_frame f;
    assert_int_equal(nmx_capture_frame(cap, nmx_capture_frame_count(cap), &f), NMX_ERANGE);
    return sum;
}
