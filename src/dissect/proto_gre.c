/*
 * \summary: Generic Routing Encapsulation (and PPTP's enhanced GRE)
 *
 * specification: RFC 2784 (GRE: C bit, reserved bits, version 0, protocol
 * type; checksum and Reserved1 when C is set), RFC 2890 (K and S bits:
 * key and sequence number), RFC 1701 (the older R bit: offset and a list of
 * Source Route Entries ending with a NULL entry, and the recursion
 * control), RFC 2637 section 4.1 (PPTP's version 1: K always set, the key
 * holding a payload length and a call ID, optional sequence number, and the
 * A bit for an acknowledgment number; protocol type 0x880B, PPP).
 *
 * Brought here by: IP protocol 47 (from IPv4 or IPv6). Hands off by
 * protocol type (an EtherType: 0x0800 IP, 0x86DD IP6, 0x6558 bridged
 * Ethernet, 0x880B PPP, 0x8847 MPLS ...).
 *
 * Summary as Network Monitor 2.x printed it for PPTP (netmon-parsers.md
 * §3.13): "GRE: ..KS............ Length: 21, Call ID: 0" (the flag
 * picture shows C R K S s, three dots for the recursion control, A, and
 * dots for the other bits). The version 0 form "GRE: C.K............. Protocol:
 * 0x0800, Key: 0x00000001" and the detail labels are ours.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      Checksum (optional)      |       Offset (optional)       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   Key (optional; v1: Payload Length and Call ID)              |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 Sequence Number (optional)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Acknowledgment Number (optional, v1)                |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 Routing (optional, RFC 1701)                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_BIT gre_bits[] = {
    { 15, NMX_STR("No checksum"), NMX_STR("Checksum present") },
    { 14, NMX_STR("No routing"), NMX_STR("Routing present") },
    { 13, NMX_STR("No key"), NMX_STR("Key present") },
    { 12, NMX_STR("No sequence number"), NMX_STR("Sequence number present") },
    { 11, NMX_STR("No strict source route"), NMX_STR("Strict source route") },
    { 7, NMX_STR("No acknowledgment number"), NMX_STR("Acknowledgment number present") },
};
static SET gre_bit_set = { sizeof gre_bits / sizeof gre_bits[0], { .lpLabeledBit = gre_bits } };

static LABELED_WORD gre_protos[] = {
    { 0x0800, NMX_STR("IP") }, { 0x0806, NMX_STR("ARP") }, { 0x6558, NMX_STR("Transparent Ethernet Bridging") },
    { 0x86DD, NMX_STR("IP6") }, { 0x880B, NMX_STR("PPP") }, { 0x883E, NMX_STR("WCCP") },
    { 0x8847, NMX_STR("MPLS") }, { 0x8848, NMX_STR("MPLS multicast") }, { 0x88BE, NMX_STR("ERSPAN") },
};
static SET gre_proto_set = { sizeof gre_protos / sizeof gre_protos[0],
                             { .lpLabeledWordTable = gre_protos } };

#define GRE_PROPS(X) \
    X(GRE_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(GRE_FLAGS, "Flags", PROP_TYPE_WORD, PROP_QUAL_FLAGS, &gre_bit_set, NMX_SW, 1, NMX_FMT_HEX, "Flags and Version") \
    X(GRE_RECUR, "Recursion Control", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(GRE_VERSION, "Version", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(GRE_PROTO, "Protocol Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &gre_proto_set, NMX_SW, 1, NMX_FMT_CUSTOM, "Protocol|Ethernet Type|ETYPE") \
    X(GRE_CHECKSUM, "Checksum", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, NULL) \
    X(GRE_OFFSET, "Offset", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Reserved1") \
    X(GRE_KEY, "Key", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, NULL) \
    X(GRE_PAYLEN, "Payload Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Length") \
    X(GRE_CALLID, "Call ID", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(GRE_SEQ, "Sequence Number", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(GRE_ACK, "Acknowledgment Number", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Acknowledgement Number") \
    X(GRE_ROUTING, "Routing", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(GRE_DATA, "GRE Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { GRE_PROPS(NMX_PROP_ENUM) GRE_NPROPS };
static nmx_propdef gre_props[] = { GRE_PROPS(NMX_PROP_DEF) };

#define F_C 0x8000u
#define F_R 0x4000u
#define F_K 0x2000u
#define F_S 0x1000u
#define F_A 0x0080u

static void gre_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint16_t fv = nmx_rd_be16(&r, 0), proto = nmx_rd_be16(&r, 2);
    bool attach = nmx_dis_attaching(d);
    unsigned ver = fv & 7u;
    PROPERTYINST *pver = NULL;
    if (attach) {
        nmx_dis_attach(d, GRE_SUMMARY, 0, r.len < 4 ? r.len : 4);
        if (nmx_dis_attach(d, GRE_FLAGS, 0, 2)) {
            uint8_t b = (uint8_t)((fv >> 8) & 7u);
            nmx_dis_attach_ex(d, GRE_RECUR, 0, 1, &b, 1, 2);
            b = (uint8_t)ver;
            pver = nmx_dis_attach_ex(d, GRE_VERSION, 1, 1, &b, 1, 2);
        }
        nmx_dis_attach(d, GRE_PROTO, 2, 2);
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, (uint32_t)fv << 16 | proto);
    if (ver > 1) {
        nmx_dis_malformed(d, pver);
        return;
    }
    uint32_t o = 4;
    if (ver == 1 && ((fv & (F_C | F_R)) || !(fv & F_K))) {
        /* RFC 2637: C and R are 0 and K is 1 in enhanced GRE. */
        nmx_dis_malformed(d, NULL);
        return;
    }
    if (ver == 0 && (fv & F_A)) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    if (fv & (F_C | F_R)) {
        nmx_dis_attach(d, GRE_CHECKSUM, o, 2);
        nmx_dis_attach(d, GRE_OFFSET, o + 2, 2);
        o += 4;
    }
    PROPERTYINST *ppl = NULL;
    if (fv & F_K) {
        if (ver == 1) {
            ppl = nmx_dis_attach(d, GRE_PAYLEN, o, 2);
            nmx_dis_attach(d, GRE_CALLID, o + 2, 2);
        } else {
            nmx_dis_attach(d, GRE_KEY, o, 4);
        }
        o += 4;
    }
    if (fv & F_S) {
        nmx_dis_attach(d, GRE_SEQ, o, 4);
        o += 4;
    }
    if (fv & F_A) {
        nmx_dis_attach(d, GRE_ACK, o, 4);
        o += 4;
    }
    if (fv & F_R) {
        /* Source Route Entries: address family (2), SRE offset (1), SRE
         * length (1), then length bytes; a NULL entry (family 0, length 0)
         * ends the list. */
        uint32_t start = o;
        for (;;) {
            uint16_t af = nmx_rd_be16(&r, o);
            uint8_t len = nmx_rd_u8(&r, o + 3);
            if (!nmx_rd_ok(&r))
                break;
            o += 4u + len;
            if (af == 0 && len == 0)
                break;
        }
        if (nmx_rd_ok(&r))
            nmx_dis_attach(d, GRE_ROUTING, start, o - start);
    }
    if (!nmx_rd_need(&r, 0, o)) {
        nmx_dis_truncated(d);
        return;
    }
    if (o > s.wire) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    nmx_dis_set_aux(d, 1, o);
    if (s.wire <= o)
        return;                     /* e.g. a PPTP acknowledgment alone */
    nmx_span pay = nmx_span_from(s, o);
    if (ver == 1) {
        /* RFC 2637: the payload length excludes the GRE header. */
        uint16_t plen = nmx_rd_be16(&r, 4);
        if (plen > s.wire - o)
            nmx_dis_malformed(d, ppl);
        pay = nmx_span_sub(s, o, plen);
        if (plen == 0)
            return;
    }
    nmx_dis_attach(d, GRE_DATA, o, pay.len);
    nmx_dis_next(d, NMX_HO_ETHERTYPE, proto, pay);
}

static size_t gre_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    uint64_t v;
    switch (c->prop) {
    case GRE_SUMMARY:
        break;
    case GRE_PROTO:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        for (size_t i = 0; i < gre_proto_set.nEntries; i++)
            if (gre_protos[i].Value == v)
                return (size_t)snprintf(buf, n, "%s = 0x%04X (%s)", c->def->info.Label,
                                        (unsigned)v, gre_protos[i].Label);
        return (size_t)snprintf(buf, n, "%s = 0x%04X", c->def->info.Label, (unsigned)v);
    default:
        return (size_t)-1;
    }
    if (c->layer->caplen < 4)
        return (size_t)snprintf(buf, n, "Truncated GRE header");
    uint32_t a = nmx_fmt_aux(c, 0);
    unsigned fv = a >> 16, proto = a & 0xFFFFu;
    char pic[17];
    static const char letters[] = "CRKSs...A.......";
    for (unsigned i = 0; i < 16; i++)
        pic[i] = (letters[i] != '.' && (fv & (0x8000u >> i))) ? letters[i] : '.';
    pic[16] = 0;
    const uint8_t *h = c->frame + c->layer->offset;
    uint32_t hl = nmx_fmt_aux(c, 1);
    if ((fv & 7u) == 1 && hl >= 8 && c->layer->caplen >= 8)
        return (size_t)snprintf(buf, n, "%s Length: %u, Call ID: %u", pic,
                                (unsigned)h[4] << 8 | h[5], (unsigned)h[6] << 8 | h[7]);
    int w = snprintf(buf, n, "%s Protocol: 0x%04X", pic, proto);
    uint32_t ko = (fv & (F_C | F_R)) ? 8 : 4;
    if ((fv & F_K) && hl >= ko + 4 && w >= 0 && (size_t)w < n)
        w += snprintf(buf + w, n - (size_t)w, ", Key: 0x%02X%02X%02X%02X", h[ko], h[ko + 1],
                      h[ko + 2], h[ko + 3]);
    return (size_t)w;
}

const nmx_protocol nmx_proto_gre = {
    .name = "GRE",
    .comment = "Generic Routing Encapsulation",
    .aliases = "Gre",
    .props = gre_props,
    .nprops = GRE_NPROPS,
    .dissect = gre_dissect,
    .format = gre_format,
    .handoff = { { NMX_HO_IPPROTO, 47 } },
};
