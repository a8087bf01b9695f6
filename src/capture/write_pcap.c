/*
 * write_pcap.c: pcap 2.4, little-endian, microsecond or nanosecond.
 */
#include "capture/writer.h"

static nmx_err pcap_begin(nmx_writer *w)
{
    if (w->linktype > 0xFFFFu)
        return nmx_w_fail(w, NMX_EINVAL, w->linktype, 0xFFFF, "link type %u does not fit pcap",
                          w->linktype);
    uint8_t h[24] = { 0 };
    nmx_st32(h, w->format == NMX_WRITE_PCAP_NS ? UINT32_C(0xa1b23c4d) : UINT32_C(0xa1b2c3d4));
    nmx_st16(h + 4, 2);
    nmx_st16(h + 6, 4);
    nmx_st32(h + 16, w->snaplen);
    nmx_st32(h + 20, w->linktype);
    return nmx_w_put(w, h, sizeof h);
}

static nmx_err pcap_add(nmx_writer *w, const nmx_frame *f)
{
    if (f->linktype != w->linktype)
        return nmx_w_fail(w, NMX_EINVAL, f->linktype, w->linktype,
                          "link type %u differs from the file's %u (pcap holds one)",
                          f->linktype, w->linktype);
    if (f->ts_ns < 0 || f->ts_ns / NMX_NS_PER_SEC > (int64_t)UINT32_MAX)
        return nmx_w_fail(w, NMX_ERANGE, (uint64_t)f->ts_ns, UINT32_MAX,
                          "time %lld ns is outside the pcap range (1970 to 2106)",
                          (long long)f->ts_ns);
    int64_t frac = f->ts_ns % NMX_NS_PER_SEC;
    uint8_t r[16];
    nmx_st32(r, (uint32_t)(f->ts_ns / NMX_NS_PER_SEC));
    nmx_st32(r + 4, (uint32_t)(w->format == NMX_WRITE_PCAP_NS ? frac : frac / 1000));
    nmx_st32(r + 8, f->caplen);
    nmx_st32(r + 12, f->wirelen);
    nmx_err e = nmx_w_put(w, r, sizeof r);
    return e != NMX_OK ? e : nmx_w_put(w, f->data, f->caplen);
}

static nmx_err pcap_finish(nmx_writer *w)
{
    (void)w;
    return NMX_OK;
}

const nmx_writer_ops nmx_write_pcap_ops = { pcap_begin, pcap_add, pcap_finish };
