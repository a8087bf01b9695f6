/*
 * write_pcapng.c: pcapng 1.0, little-endian: one SHB, one IDB per link type
 * (if_tsresol 9: nanoseconds, written before its first packet), EPBs with an
 * opt_comment when the frame has a comment.
 */
#include "capture/writer.h"

static nmx_err png_begin(nmx_writer *w)
{
    uint8_t b[28];
    nmx_st32(b, UINT32_C(0x0A0D0D0A));
    nmx_st32(b + 4, 28);
    nmx_st32(b + 8, UINT32_C(0x1A2B3C4D));
    nmx_st16(b + 12, 1);
    nmx_st16(b + 14, 0);
    nmx_st64(b + 16, UINT64_MAX);   /* section length not given */
    nmx_st32(b + 24, 28);
    return nmx_w_put(w, b, sizeof b);
}

static nmx_err png_iface(nmx_writer *w, uint32_t linktype, uint32_t *id)
{
    for (size_t i = 0; i < w->niface; i++)
        if (w->iface_lt[i] == linktype) {
            *id = (uint32_t)i;
            return NMX_OK;
        }
    if (linktype > 0xFFFFu)
        return nmx_w_fail(w, NMX_EINVAL, linktype, 0xFFFF,
                          "link type %u has no pcapng equivalent", linktype);
    if (w->niface == sizeof w->iface_lt / sizeof w->iface_lt[0])
        return nmx_w_fail(w, NMX_ERANGE, w->niface, w->niface, "too many link types");
    uint8_t b[32] = { 0 };
    nmx_st32(b, 1);
    nmx_st32(b + 4, 32);
    nmx_st16(b + 8, (uint16_t)linktype);
    nmx_st32(b + 12, w->snaplen);
    nmx_st16(b + 16, 9);   /* if_tsresol */
    nmx_st16(b + 18, 1);
    b[20] = 9;             /* 10^-9 */
    /* b[24..27]: opt_endofopt */
    nmx_st32(b + 28, 32);
    *id = (uint32_t)w->niface;
    w->iface_lt[w->niface++] = linktype;
    return nmx_w_put(w, b, sizeof b);
}

static nmx_err png_add(nmx_writer *w, const nmx_frame *f)
{
    if (f->ts_ns < 0)
        return nmx_w_fail(w, NMX_ERANGE, (uint64_t)f->ts_ns, 0,
                          "time %lld ns is before 1970", (long long)f->ts_ns);
    if (f->comment && f->comment_len > 0xFFFFu)
        return nmx_w_fail(w, NMX_EINVAL, f->comment_len, 0xFFFF,
                          "comment of %zu bytes exceeds the option limit", f->comment_len);
    uint32_t id = 0;
    nmx_err e = png_iface(w, f->linktype, &id);
    if (e != NMX_OK)
        return e;
    uint32_t dpad = (f->caplen + 3u) & ~3u;
    uint32_t clen = f->comment ? (uint32_t)f->comment_len : 0;
    uint32_t opts = f->comment ? 4u + ((clen + 3u) & ~3u) + 4u : 0;
    uint32_t total = 32u + dpad + opts;
    uint8_t h[28];
    nmx_st32(h, 6);
    nmx_st32(h + 4, total);
    nmx_st32(h + 8, id);
    uint64_t units = (uint64_t)f->ts_ns;
    nmx_st32(h + 12, (uint32_t)(units >> 32));
    nmx_st32(h + 16, (uint32_t)units);
    nmx_st32(h + 20, f->caplen);
    nmx_st32(h + 24, f->wirelen);
    e = nmx_w_put(w, h, sizeof h);
    if (e == NMX_OK)
        e = nmx_w_put(w, f->data, f->caplen);
    if (e == NMX_OK)
        e = nmx_w_zero(w, dpad - f->caplen);
    if (e == NMX_OK && f->comment) {
        uint8_t o[4];
        nmx_st16(o, 1);
        nmx_st16(o + 2, (uint16_t)clen);
        e = nmx_w_put(w, o, 4);
        if (e == NMX_OK)
            e = nmx_w_put(w, f->comment, clen);
        if (e == NMX_OK)
            e = nmx_w_zero(w, ((clen + 3u) & ~3u) - clen + 4u);   /* pad + opt_endofopt */
    }
    if (e == NMX_OK)
        e = nmx_w_u32(w, total);
    return e;
}

static nmx_err png_finish(nmx_writer *w)
{
    (void)w;
    return NMX_OK;
}

const nmx_writer_ops nmx_write_pcapng_ops = { png_begin, png_add, png_finish };
