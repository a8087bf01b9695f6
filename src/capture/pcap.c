/*
 * pcap.c: the classic pcap format.
 *
 * File header (24 bytes): magic, version major/minor (u16), thiszone (i32),
 * sigfigs (u32), snaplen (u32), link type field (u32: bits 0-15 LINKTYPE_*,
 * 16-25 reserved, must be 0; 26-28 FCS information). Records: ts_sec,
 * ts_frac (µs or ns by magic), captured length, original length (u32 each),
 * then the data.
 *
 * Decisions: any 2.x version is read (2.4 is current; tshark reads 2.5, which
 * libpcap refuses) with a warning when it is not 2.4; versions before 2.3
 * stored the two lengths in the other order (swapped here, always before 2.3
 * and when captured > original for 2.3). thiszone is ignored, as libpcap and
 * Wireshark do. The header snaplen is informational: 0 or huge is accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/internal.h"

#define PCAP_HDR_LEN        24u
#define PCAP_REC_LEN        16u
#define PCAP_MAGIC_US       UINT32_C(0xa1b2c3d4)
#define PCAP_MAGIC_NS       UINT32_C(0xa1b23c4d)
#define PCAP_LT_RESERVED    UINT32_C(0x03FF0000)

static uint32_t bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static nmx_probe_result pcap_probe(nmx_capture *cap, nmx_diag *diag)
{
    (void)diag;
    uint32_t m;
    if (!nmx_cur_u32le(&cap->cur, 0, &m))
        return NMX_PROBE_NOT_MINE;
    if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS || bswap32(m) == PCAP_MAGIC_US ||
        bswap32(m) == PCAP_MAGIC_NS)
        return NMX_PROBE_MINE;
    return NMX_PROBE_NOT_MINE;
}

static void pcap_lengths(const nmx_capture *cap, const uint8_t *rec, uint32_t *caplen,
                         uint32_t *len)
{
    uint32_t c = nmx_ld32(rec + 8, cap->big_endian);
    uint32_t l = nmx_ld32(rec + 12, cap->big_endian);
    if (cap->swap_lengths == 1 || (cap->swap_lengths == 2 && c > l)) {
        uint32_t t = c;
        c = l;
        l = t;
    }
    *caplen = c;
    *len = l;
}

static int64_t pcap_time(const nmx_capture *cap, const uint8_t *rec)
{
    int64_t sec = (int64_t)nmx_ld32(rec, cap->big_endian);
    int64_t frac = (int64_t)nmx_ld32(rec + 4, cap->big_endian);
    return sec * NMX_NS_PER_SEC + (cap->ts_nano ? frac : frac * 1000);
}

static nmx_err pcap_open(nmx_capture *cap, nmx_diag *diag)
{
    const nmx_cursor *c = &cap->cur;
    uint32_t m = nmx_ld32le(c->base);
    cap->big_endian = !(m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS);
    cap->ts_nano = (cap->big_endian ? bswap32(m) : m) == PCAP_MAGIC_NS;
    cap->format = NMX_FORMAT_PCAP;
    snprintf(cap->format_name, sizeof cap->format_name, "pcap (%s, %s)",
             cap->ts_nano ? "ns" : "\xc2\xb5s", cap->big_endian ? "big-endian" : "little-endian");
    if (!nmx_cur_has(c, 0, PCAP_HDR_LEN))
        return nmx_cap_diag(cap, diag, NMX_ETRUNCATED, 0, c->size, PCAP_HDR_LEN,
                            "pcap file header truncated: %llu bytes, needs %u",
                            (unsigned long long)c->size, PCAP_HDR_LEN);
    nmx_cursor hc = nmx_cursor_make(c->base, c->size, cap->big_endian);
    uint16_t vmaj = 0, vmin = 0;
    uint32_t snaplen = 0, ltfield = 0;
    (void)nmx_cur_u16(&hc, 4, &vmaj);
    (void)nmx_cur_u16(&hc, 6, &vmin);
    (void)nmx_cur_u32(&hc, 16, &snaplen);
    (void)nmx_cur_u32(&hc, 20, &ltfield);
    cap->ver_major = vmaj;
    cap->ver_minor = vmin;
    if (vmaj != 2)
        return nmx_cap_diag(cap, diag, NMX_EUNSUPPORTED, 4, vmaj, 2,
                            "pcap version %u.%u unsupported (major version must be 2)", vmaj,
                            vmin);
    if (ltfield & PCAP_LT_RESERVED)
        return nmx_cap_diag(cap, diag, NMX_ECORRUPT, 20, ltfield & PCAP_LT_RESERVED, 0,
                            "pcap link type field 0x%08x has reserved bits 0x%08x set", ltfield,
                            ltfield & PCAP_LT_RESERVED);
    if (vmin != 4) {
        nmx_diag w;
        nmx_cap_diag(cap, &w, NMX_OK, 6, vmin, 4, "pcap version 2.%u (expected 2.4); read as 2.4%s",
                     vmin, vmin <= 3 ? " with the length fields of older versions" : "");
        nmx_cap_warn(cap, &w);
    }
    cap->swap_lengths = vmin < 3 ? 1 : vmin == 3 ? 2 : 0;
    cap->linktype = ltfield & 0xFFFFu;
    cap->snaplen = snaplen;
    cap->mac_type = nmx_mac_type_of_linktype(cap->linktype);
    nmx_cap_note_linktype(cap, cap->linktype);

    cap->ifaces = calloc(1, sizeof *cap->ifaces);
    if (!cap->ifaces)
        return nmx_cap_diag(cap, diag, NMX_ENOMEM, UINT64_MAX, 0, 0, "out of memory");
    cap->nifaces = 1;
    cap->ifaces[0].pub.linktype = cap->linktype;
    cap->ifaces[0].pub.snaplen = snaplen;
    cap->ifaces[0].pub.tsresol = cap->ts_nano ? 9 : 6;

    uint64_t off = PCAP_HDR_LEN;
    const uint64_t size = c->size;
    uint64_t pf_next = off;
    while (off < size) {
        nmx_diag d;
        if (size - off < PCAP_REC_LEN) {
            nmx_cap_diag(cap, &d, NMX_ETRUNCATED, off, size - off, PCAP_REC_LEN,
                         "record header truncated: %llu bytes left, needs %u",
                         (unsigned long long)(size - off), PCAP_REC_LEN);
            return nmx_cap_damage(cap, &d, diag);
        }
        /* Each record's place depends on the previous record's length, so
         * the walk is a chain of dependent loads: fetch the file ahead of
         * it (records are consecutive) so the chain hits the cache. The
         * prefetch is a hint and never faults. */
        /* keep every cache line of the next 4 KiB requested (measured best) */
        for (; pf_next < off + 4096 && pf_next < size; pf_next += 64)
            __builtin_prefetch(c->base + pf_next);
        uint32_t caplen, len;
        pcap_lengths(cap, c->base + off, &caplen, &len);
        if (caplen > NMX_PCAP_MAX_SNAPLEN) {
            nmx_cap_diag(cap, &d, NMX_ECORRUPT, off + 8, caplen, NMX_PCAP_MAX_SNAPLEN,
                         "record captured length %u exceeds limit %u", caplen,
                         NMX_PCAP_MAX_SNAPLEN);
            return nmx_cap_damage(cap, &d, diag);
        }
        if (size - off - PCAP_REC_LEN < caplen) {
            nmx_cap_diag(cap, &d, NMX_ETRUNCATED, off + PCAP_REC_LEN, caplen,
                         size - off - PCAP_REC_LEN,
                         "record data truncated: captured length %u, %llu bytes left", caplen,
                         (unsigned long long)(size - off - PCAP_REC_LEN));
            return nmx_cap_damage(cap, &d, diag);
        }
        bool stop = false;
        nmx_err e = nmx_cap_add_frame(cap, off, off, diag, &stop);
        if (stop)
            return e;
        if (cap->nframes == 1) {
            cap->has_start = true;
            cap->start_ns = pcap_time(cap, c->base + off);
        }
        off += PCAP_REC_LEN + caplen;
    }
    return NMX_OK;
}

static void pcap_frame(const nmx_capture *cap, uint64_t n, nmx_frame *out)
{
    uint64_t off = cap->index[n];
    const uint8_t *rec = cap->cur.base + off;   /* validated when indexed */
    uint32_t caplen, len;
    pcap_lengths(cap, rec, &caplen, &len);
    out->ts_ns = pcap_time(cap, rec);
    out->caplen = caplen;
    out->wirelen = len;
    out->data = rec + PCAP_REC_LEN;
    out->linktype = cap->linktype;
    out->mac_type = (uint16_t)cap->mac_type;
    out->offset = off;
}

const nmx_reader nmx_reader_pcap = { "pcap", pcap_probe, pcap_open, pcap_frame };
