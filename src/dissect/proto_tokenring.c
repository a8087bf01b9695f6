/*
 * \summary: IEEE 802.5 Token Ring MAC frames
 *
 * specification: IEEE 802.5 clause 3 (frame format): Access control (AC),
 * Frame control (FC), destination and source addresses, then, when the
 * high bit of the source address (the routing information indicator) is
 * set, a routing information field whose first octet carries its length
 * (2 to 30 bytes, even) in its low five bits. FC's two high bits give the
 * frame type: 01 an LLC frame (802.2 follows), 00 a MAC frame.
 *
 * Brought here by: link type 6 (LINKTYPE_IEEE802_5; Network Monitor media
 * 2). Hands the information field of LLC frames to LLC (NMX_HO_8023 key 0).
 *
 * Labels as Network Monitor 2.x printed them (netmon-parsers.md §3.2):
 * "Access control", "Frame control", "Destination address", "Source
 * address", "Frame length", "Tokenring data"; "Routing information" and
 * the exact wording of the AC/FC decodes are ours. The source address is
 * the six bytes of the frame, indicator bit included, as Network Monitor
 * showed it; the station's address is those bytes with that bit clear.
 *
 *   +--------+--------+-----------------------+-----------------------+
 *   |   AC   |   FC   | Destination address(6)|   Source address (6)  |
 *   +--------+--------+-----------------------+-----------------------+
 *   | Routing information (0 or 2..30) ...    | Data ...
 *   +- - - - - - - - - - - - - - - - - - - - -+- - - -
 *   AC: PPP T M RRR (priority, token, monitor, reservation)
 *   FC: FF ZZZZZZ  (frame type: 00 MAC, 01 LLC)
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define TR_PROPS(X) \
    X(TR_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(TR_AC, "Access control", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, NULL) \
    X(TR_FC, "Frame control", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, NULL) \
    X(TR_DST, "Destination address", PROP_TYPE_TOKENRING_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Destination Address") \
    X(TR_SRC, "Source address", PROP_TYPE_TOKENRING_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Source Address") \
    X(TR_RIF, "Routing information", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, "RIF") \
    X(TR_FRAMELEN, "Frame length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, NULL) \
    X(TR_DATA, "Tokenring data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { TR_PROPS(NMX_PROP_ENUM) TR_NPROPS };
static nmx_propdef tr_props[] = { TR_PROPS(NMX_PROP_DEF) };

#define TR_HDR 14

static void tr_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t fc = nmx_rd_u8(&r, 1), sa0 = nmx_rd_u8(&r, 8);
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, TR_SUMMARY, 0, r.len < TR_HDR ? r.len : TR_HDR);
        nmx_dis_attach(d, TR_AC, 0, 1);
        nmx_dis_attach(d, TR_FC, 1, 1);
        nmx_dis_attach(d, TR_DST, 2, 6);
        nmx_dis_attach(d, TR_SRC, 8, 6);
    }
    if (!nmx_rd_ok(&r) || r.len < TR_HDR) {
        nmx_dis_truncated(d);
        return;
    }
    uint32_t hl = TR_HDR;
    if (sa0 & 0x80) {
        uint8_t rl = nmx_rd_u8(&r, TR_HDR) & 0x1F;
        if (!nmx_rd_ok(&r)) {
            nmx_dis_truncated(d);
            return;
        }
        PROPERTYINST *pi = nmx_dis_attach(d, TR_RIF, TR_HDR, rl < 2 ? 1 : rl);
        if (rl < 2 || (rl & 1) || rl > s.wire - TR_HDR) {
            nmx_dis_malformed(d, pi);
            return;
        }
        if (!nmx_rd_has(&r, TR_HDR, rl)) {
            nmx_dis_truncated(d);
            return;
        }
        hl += rl;
    }
    nmx_dis_set_aux(d, 0, fc);
    nmx_dis_set_aux(d, 1, hl);
    if (nmx_dis_attaching(d)) {
        uint16_t fl = (uint16_t)(s.wire > 0xFFFFu ? 0xFFFFu : s.wire);
        nmx_dis_attach_ex(d, TR_FRAMELEN, 0, 0, &fl, sizeof fl, 1);
        if (r.len > hl)
            nmx_dis_attach(d, TR_DATA, hl, r.len - hl);
    }
    if ((fc & 0xC0) == 0x40 && s.wire > hl)
        nmx_dis_next(d, NMX_HO_8023, 0, nmx_span_from(s, hl));
}

static const char *fc_type(unsigned fc)
{
    switch (fc >> 6) {
    case 0: return "MAC Frame";
    case 1: return "LLC Frame";
    default: return "Reserved frame type";
    }
}

static size_t tr_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    uint64_t v = 0;
    switch (c->prop) {
    case TR_SUMMARY:
        if (c->layer->caplen < TR_HDR)
            return (size_t)snprintf(buf, n, "Truncated Token Ring header");
        return (size_t)snprintf(buf, n, "Length = %u, %s", c->layer->length,
                                fc_type(nmx_fmt_aux(c, 0)));
    case TR_AC:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        return (size_t)snprintf(buf, n, "%s = %u (0x%02X) Priority: %u, %s, %s, Reservation: %u",
                                c->def->info.Label, (unsigned)v, (unsigned)v,
                                (unsigned)(v >> 5), (v & 0x10) ? "Frame" : "Token",
                                (v & 0x08) ? "Repeated" : "Not repeated", (unsigned)(v & 7));
    case TR_FC:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        return (size_t)snprintf(buf, n, "%s = %u (0x%02X), %s", c->def->info.Label,
                                (unsigned)v, (unsigned)v, fc_type((unsigned)v));
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_tokenring = {
    .name = "TOKENRING",
    .comment = "IEEE 802.5 Token Ring",
    .aliases = "Token Ring|TR|802.5",
    .props = tr_props,
    .nprops = TR_NPROPS,
    .dissect = tr_dissect,
    .format = tr_format,
    .handoff = { { NMX_HO_LINKTYPE, 6 } },
};
