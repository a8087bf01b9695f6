/*
 * write_netmon.c: Network Monitor 2.3 ("GMBU", minor 3).
 *
 * Layout: 128-byte header (72 bytes of fields, zeros after), records from
 * offset 128, then the frame table, then the per-frame comment table. The
 * header is written last (patched at close). Every record carries the 15-byte
 * 2.3 trailer: media type, process index 0xFFFFFFFF (none), UTC FILETIME
 * (100 ns), time-zone index 0xFF. The header SYSTEMTIME is the first frame's
 * time (UTC) to the millisecond; the FRAME.TimeStamp delta is in µs from it.
 * Version 2.3 keeps 100-ns times, per-frame media types and comments; offsets
 * are 32-bit, so the output is limited to 4 GiB.
 */
#include <stdlib.h>
#include <string.h>

#include "capture/writer.h"

#define NMW_HDR 128u

static nmx_err nmw_begin(nmx_writer *w)
{
    return nmx_w_zero(w, NMW_HDR);
}

static uint16_t nmw_media(const nmx_frame *f)
{
    if (f->netmon_media)
        return f->netmon_media;
    switch (f->linktype) {
    case 1: return 1;
    case 6: return 2;
    case 10: return 3;
    default:
        if (f->linktype < 0x80)
            return (uint16_t)(0xE000u + f->linktype);
        return 0;
    }
}

static nmx_err nmw_add(nmx_writer *w, const nmx_frame *f)
{
    uint16_t media = nmw_media(f);
    if (!media)
        return nmx_w_fail(w, NMX_EINVAL, f->linktype, 0,
                          "link type %u has no Network Monitor media type", f->linktype);
    if (f->ts_ns < 0)
        return nmx_w_fail(w, NMX_ERANGE, (uint64_t)f->ts_ns, 0, "time %lld ns is before 1970",
                          (long long)f->ts_ns);
    uint64_t reclen = 16u + (uint64_t)f->caplen + 15u;
    if (w->pos + reclen + 4u * (w->nframes + 1) > UINT32_MAX)
        return nmx_w_fail(w, NMX_ERANGE, w->pos, UINT32_MAX,
                          "output exceeds the 4 GiB of 32-bit Network Monitor offsets");
    if (w->nframes >= w->nm_cap) {
        size_t ncap = w->nm_cap ? w->nm_cap * 2 : 1024;
        uint32_t *p = realloc(w->nm_offsets, ncap * sizeof *p);
        if (!p)
            return nmx_w_fail(w, NMX_ENOMEM, 0, 0, "out of memory");
        w->nm_offsets = p;
        w->nm_cap = ncap;
    }
    if (w->nframes == 0) {
        w->nm_start_ns = f->ts_ns - f->ts_ns % 1000000;
        w->nm_mac = (media >= 1 && media <= 5) ? media : 1;
    }
    if (f->comment) {
        if (w->nm_ncomments == w->nm_ccap) {
            size_t ncap = w->nm_ccap ? w->nm_ccap * 2 : 16;
            nmx_wcomment *p = realloc(w->nm_comments, ncap * sizeof *p);
            if (!p)
                return nmx_w_fail(w, NMX_ENOMEM, 0, 0, "out of memory");
            w->nm_comments = p;
            w->nm_ccap = ncap;
        }
        nmx_wcomment *c = &w->nm_comments[w->nm_ncomments];
        c->title = malloc(f->comment_len * 2 + 2);
        if (!c->title)
            return nmx_w_fail(w, NMX_ENOMEM, 0, 0, "out of memory");
        c->title_len = nmx_utf8_to_utf16le(f->comment, f->comment_len, c->title);
        c->record_offset = (uint32_t)w->pos;
        w->nm_ncomments++;
    }
    w->nm_offsets[w->nframes] = (uint32_t)w->pos;
    uint8_t h[16];
    int64_t delta_us = (f->ts_ns - w->nm_start_ns) / 1000;
    nmx_st64(h, (uint64_t)delta_us);
    nmx_st32(h + 8, f->wirelen);
    nmx_st32(h + 12, f->caplen);
    uint8_t t[15];
    nmx_st16(t, media);
    nmx_st32(t + 2, UINT32_MAX);
    nmx_st64(t + 6, nmx_ns_to_filetime(f->ts_ns));
    t[14] = 0xFF;
    nmx_err e = nmx_w_put(w, h, sizeof h);
    if (e == NMX_OK)
        e = nmx_w_put(w, f->data, f->caplen);
    if (e == NMX_OK)
        e = nmx_w_put(w, t, sizeof t);
    return e;
}

static nmx_err nmw_finish(nmx_writer *w)
{
    uint64_t table = w->pos;
    for (uint64_t i = 0; i < w->nframes; i++)
        (void)nmx_w_u32(w, w->nm_offsets[i]);
    uint64_t ctable = w->pos;
    for (size_t i = 0; i < w->nm_ncomments; i++) {
        const nmx_wcomment *c = &w->nm_comments[i];
        (void)nmx_w_u32(w, 1);
        (void)nmx_w_u32(w, c->record_offset);
        (void)nmx_w_u32(w, (uint32_t)c->title_len);
        (void)nmx_w_put(w, c->title, c->title_len);
        (void)nmx_w_u32(w, 0);   /* description: none */
    }
    uint64_t cend = w->pos;
    if (cend > UINT32_MAX)
        return nmx_w_fail(w, NMX_ERANGE, cend, UINT32_MAX,
                          "output exceeds the 4 GiB of 32-bit Network Monitor offsets");
    uint8_t h[72] = { 0 };
    memcpy(h, "GMBU", 4);
    h[4] = 3;
    h[5] = 2;
    nmx_st16(h + 6, w->nframes ? w->nm_mac : 1);
    int y;
    unsigned mo, d, wd, hh, mi, s, ms;
    nmx_civil_from_ns(w->nm_start_ns, &y, &mo, &d, &wd, &hh, &mi, &s, &ms);
    nmx_st16(h + 8, (uint16_t)y);
    nmx_st16(h + 10, (uint16_t)mo);
    nmx_st16(h + 12, (uint16_t)wd);
    nmx_st16(h + 14, (uint16_t)d);
    nmx_st16(h + 16, (uint16_t)hh);
    nmx_st16(h + 18, (uint16_t)mi);
    nmx_st16(h + 20, (uint16_t)s);
    nmx_st16(h + 22, (uint16_t)ms);
    nmx_st32(h + 24, (uint32_t)table);
    nmx_st32(h + 28, (uint32_t)(4 * w->nframes));
    if (w->nm_ncomments) {
        nmx_st32(h + 40, (uint32_t)ctable);
        nmx_st32(h + 44, (uint32_t)(cend - ctable));
    }
    return nmx_w_patch(w, 0, h, sizeof h);
}

const nmx_writer_ops nmx_write_netmon_ops = { nmw_begin, nmw_add, nmw_finish };
