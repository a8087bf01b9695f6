/*
 * \summary: Point-to-Point Protocol
 *
 * specification: RFC 1661 (PPP encapsulation: a Protocol field of one or
 * two octets, one when Protocol-Field-Compression leaves out a leading 0
 * octet: the low bit of the last octet is 1, of the first 0), RFC 1662
 * (HDLC-like framing: Address 0xFF and Control 0x03 before it, which
 * Address-and-Control-Field-Compression may leave out), RFC 2637 (PPTP
 * carries PPP in enhanced GRE); protocol numbers from IANA "PPP DLL
 * Protocol Numbers".
 *
 * Brought here by: link type 9 (LINKTYPE_PPP, address and control present
 * or not), 50 (LINKTYPE_PPP_HDLC), EtherType 0x880B (PPP in GRE), PPPoE
 * sessions. Hands off by protocol (NMX_HO_PPP); the IPv6 and MPLS numbers
 * (0x0057, 0x0281, 0x0283) go to those protocols' EtherTypes.
 *
 * Summary as Network Monitor 2.x printed it for PPTP (netmon-parsers.md
 * §3.13): "PPP: Link Control Protocol Frame (0xC021)". The detail labels
 * are ours.
 *
 *   +----------+----------+----------+----------+- - - -
 *   | Address  | Control  |  Protocol (1 or 2)  | Information ...
 *   |  0xFF    |  0x03    |                     |
 *   +----------+----------+----------+----------+- - - -
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_WORD ppp_protos[] = {
    { 0x0021, NMX_STR("Internet Protocol") }, { 0x002B, NMX_STR("Novell IPX") },
    { 0x002D, NMX_STR("Van Jacobson Compressed TCP/IP") },
    { 0x002F, NMX_STR("Van Jacobson Uncompressed TCP/IP") },
    { 0x003D, NMX_STR("Multi-Link") }, { 0x0057, NMX_STR("Internet Protocol version 6") },
    { 0x00FB, NMX_STR("Single Link Compressed Datagram") },
    { 0x00FD, NMX_STR("Compressed Datagram") }, { 0x0281, NMX_STR("MPLS Unicast") },
    { 0x0283, NMX_STR("MPLS Multicast") }, { 0x8021, NMX_STR("Internet Protocol Control Protocol") },
    { 0x802B, NMX_STR("IPX Control Protocol") }, { 0x8057, NMX_STR("IPv6 Control Protocol") },
    { 0x80FB, NMX_STR("Single Link Compression Control Protocol") },
    { 0x80FD, NMX_STR("Compression Control Protocol") },
    { 0x8281, NMX_STR("MPLS Control Protocol") }, { 0xC021, NMX_STR("Link Control Protocol") },
    { 0xC023, NMX_STR("Password Authentication Protocol") },
    { 0xC025, NMX_STR("Link Quality Report") },
    { 0xC223, NMX_STR("Challenge Handshake Authentication Protocol") },
    { 0xC227, NMX_STR("Extensible Authentication Protocol") },
};
static SET ppp_proto_set = { sizeof ppp_protos / sizeof ppp_protos[0],
                             { .lpLabeledWordTable = ppp_protos } };

#define PPP_PROPS(X) \
    X(PPP_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(PPP_ADDRESS, "Address", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, NULL) \
    X(PPP_CONTROL, "Control", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, NULL) \
    X(PPP_PROTO, "Protocol", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &ppp_proto_set, NMX_SW, 1, NMX_FMT_CUSTOM, "Protocol Type") \
    X(PPP_DATA, "PPP Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { PPP_PROPS(NMX_PROP_ENUM) PPP_NPROPS };
static nmx_propdef ppp_props[] = { PPP_PROPS(NMX_PROP_DEF) };

static void ppp_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint32_t o = 0;
    uint8_t b0 = nmx_rd_u8(&r, 0);
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_attach(d, PPP_SUMMARY, 0, r.len < 4 ? r.len : 4);
    if (b0 == 0xFF) {
        /* Address and control (RFC 1662 section 3.1). */
        uint8_t ctl = nmx_rd_u8(&r, 1);
        nmx_dis_attach(d, PPP_ADDRESS, 0, 1);
        PROPERTYINST *pc = nmx_dis_attach(d, PPP_CONTROL, 1, 1);
        if (!nmx_rd_ok(&r)) {
            nmx_dis_truncated(d);
            return;
        }
        if (ctl != 0x03)
            nmx_dis_malformed(d, pc);
        o = 2;
    }
    uint16_t proto = nmx_rd_u8(&r, o);
    uint32_t plen = 1;
    if (!(proto & 1u)) {
        proto = nmx_rd_be16(&r, o);
        plen = 2;
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    if (plen == 2) {
        PROPERTYINST *pp = nmx_dis_attach(d, PPP_PROTO, o, 2);
        if (!(proto & 1u))        /* the last octet must be odd */
            nmx_dis_malformed(d, pp);
    } else {
        /* The property is network order: the value as two such bytes. */
        const uint8_t be[2] = { 0, (uint8_t)proto };
        nmx_dis_attach_ex(d, PPP_PROTO, o, 1, be, sizeof be, 1);
    }
    nmx_dis_set_aux(d, 0, proto);
    nmx_dis_set_aux(d, 1, 1);
    o += plen;
    if (s.wire <= o)
        return;
    nmx_span pay = nmx_span_from(s, o);
    nmx_dis_attach(d, PPP_DATA, o, pay.len);
    if (nmx_dis_next(d, NMX_HO_PPP, proto, pay))
        return;
    switch (proto) {
    case 0x0057: nmx_dis_next(d, NMX_HO_ETHERTYPE, 0x86DD, pay); break;
    case 0x0281: nmx_dis_next(d, NMX_HO_ETHERTYPE, 0x8847, pay); break;
    case 0x0283: nmx_dis_next(d, NMX_HO_ETHERTYPE, 0x8848, pay); break;
    default: break;
    }
}

static const char *proto_name(unsigned p)
{
    for (size_t i = 0; i < ppp_proto_set.nEntries; i++)
        if (ppp_protos[i].Value == p)
            return ppp_protos[i].Label;
    return NULL;
}

static size_t ppp_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    uint64_t v;
    const char *name;
    switch (c->prop) {
    case PPP_SUMMARY:
        if (!nmx_fmt_aux(c, 1))
            return (size_t)snprintf(buf, n, "Truncated PPP header");
        v = nmx_fmt_aux(c, 0);
        name = proto_name((unsigned)v);
        return name ? (size_t)snprintf(buf, n, "%s Frame (0x%04X)", name, (unsigned)v)
                    : (size_t)snprintf(buf, n, "Unknown Protocol Frame (0x%04X)", (unsigned)v);
    case PPP_PROTO:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        name = proto_name((unsigned)v);
        return name ? (size_t)snprintf(buf, n, "%s = 0x%04X (%s)", c->def->info.Label,
                                       (unsigned)v, name)
                    : (size_t)snprintf(buf, n, "%s = 0x%04X", c->def->info.Label, (unsigned)v);
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_ppp = {
    .name = "PPP",
    .comment = "Point-to-Point Protocol",
    .aliases = "Ppp",
    .props = ppp_props,
    .nprops = PPP_NPROPS,
    .dissect = ppp_dissect,
    .format = ppp_format,
    .handoff = { { NMX_HO_LINKTYPE, 9 }, { NMX_HO_LINKTYPE, 50 }, { NMX_HO_ETHERTYPE, 0x880B } },
};
