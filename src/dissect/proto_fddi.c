/*
 * \summary: FDDI MAC frames (ANSI X3.139 / ISO 9314-2)
 *
 * specification: ISO 9314-2 (FDDI MAC) frame format: Frame control (FC),
 * destination and source addresses (48-bit), then the information field.
 * FC is CLFFZZZZ: class, address length, format; format 01 is an LLC
 * frame (802.2 follows), 00 MAC/SMT frames.
 *
 * Brought here by: link type 10 (LINKTYPE_FDDI; Network Monitor media 3).
 * Hands the information field of LLC frames to LLC (NMX_HO_8023 key 0).
 *
 * The addresses travel most significant bit first, so the bytes of a
 * LINKTYPE_FDDI frame are the canonical (IEEE 802 / Ethernet order)
 * address with each byte bit-reversed. The address properties hold the
 * canonical address (decoded inline, as Wireshark's fddi.src/fddi.dst show
 * it), so that a station's FDDI and Ethernet addresses compare equal.
 *
 * No Network Monitor FDDI texts are published: labels follow ETHERNET and
 * TOKENRING ("Frame control", "Destination address", "Source address",
 * "FDDI data"); summary ours ("LLC Frame, Src = 01030708040C").
 *
 *   +--------+-----------------------+-----------------------+- - - -
 *   |   FC   | Destination address(6)|   Source address (6)  | Data ...
 *   +--------+-----------------------+-----------------------+- - - -
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define FDDI_PROPS(X) \
    X(FDDI_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(FDDI_FC, "Frame control", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, NULL) \
    X(FDDI_DST, "Destination address", PROP_TYPE_FDDI_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Destination Address") \
    X(FDDI_SRC, "Source address", PROP_TYPE_FDDI_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Source Address") \
    X(FDDI_DATA, "FDDI data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { FDDI_PROPS(NMX_PROP_ENUM) FDDI_NPROPS };
static nmx_propdef fddi_props[] = { FDDI_PROPS(NMX_PROP_DEF) };

#define FDDI_HDR 13

static uint8_t bitrev(uint8_t b)
{
    b = (uint8_t)((b & 0xF0) >> 4 | (b & 0x0F) << 4);
    b = (uint8_t)((b & 0xCC) >> 2 | (b & 0x33) << 2);
    return (uint8_t)((b & 0xAA) >> 1 | (b & 0x55) << 1);
}

static void fddi_addr(nmx_dis *d, nmx_rd *r, unsigned prop, uint32_t off)
{
    const uint8_t *p = nmx_rd_ptr(r, off, 6);
    if (!p) {
        nmx_dis_attach(d, prop, off, 6); /* marks the layer TRUNCATED */
        return;
    }
    uint8_t a[6];
    for (int i = 0; i < 6; i++)
        a[i] = bitrev(p[i]);
    nmx_dis_attach_ex(d, prop, off, 6, a, sizeof a, 1);
}

static const char *fc_kind(unsigned fc)
{
    switch ((fc >> 4) & 3u) {
    case 0: return fc & 0x40 ? "MAC Frame" : "SMT Frame";
    case 1: return "LLC Frame";
    case 2: return "Implementer Frame";
    default: return "Reserved Frame";
    }
}

static void fddi_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t fc = nmx_rd_u8(&r, 0);
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, FDDI_SUMMARY, 0, r.len < FDDI_HDR ? r.len : FDDI_HDR);
        nmx_dis_attach(d, FDDI_FC, 0, 1);
        fddi_addr(d, &r, FDDI_DST, 1);
        fddi_addr(d, &r, FDDI_SRC, 7);
    }
    if (!nmx_rd_ok(&r) || r.len < FDDI_HDR) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, fc);
    if (r.len > FDDI_HDR)
        nmx_dis_attach(d, FDDI_DATA, FDDI_HDR, r.len - FDDI_HDR);
    if ((fc & 0x30) == 0x10 && s.wire > FDDI_HDR)
        nmx_dis_next(d, NMX_HO_8023, 0, nmx_span_from(s, FDDI_HDR));
}

static size_t fddi_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    uint64_t v = 0;
    switch (c->prop) {
    case FDDI_SUMMARY: {
        if (c->layer->caplen < FDDI_HDR)
            return (size_t)snprintf(buf, n, "Truncated FDDI header");
        const uint8_t *h = c->frame + c->layer->offset + 7;
        return (size_t)snprintf(buf, n, "%s, Src = %02X%02X%02X%02X%02X%02X",
                                fc_kind(nmx_fmt_aux(c, 0)), bitrev(h[0]), bitrev(h[1]),
                                bitrev(h[2]), bitrev(h[3]), bitrev(h[4]), bitrev(h[5]));
    }
    case FDDI_FC:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        return (size_t)snprintf(buf, n, "%s = %u (0x%02X), %s, %s addresses",
                                c->def->info.Label, (unsigned)v, (unsigned)v,
                                fc_kind((unsigned)v), (v & 0x40) ? "48-bit" : "16-bit");
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_fddi = {
    .name = "FDDI",
    .comment = "Fiber Distributed Data Interface",
    .aliases = "Fddi",
    .props = fddi_props,
    .nprops = FDDI_NPROPS,
    .dissect = fddi_dissect,
    .format = fddi_format,
    .handoff = { { NMX_HO_LINKTYPE, 10 } },
};
