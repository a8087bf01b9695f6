/*
 * \summary: MPLS label stack
 *
 * specification: RFC 3032 section 2.1 (label stack encoding: Label 20
 * bits, Traffic Class 3 bits (named Experimental before RFC 5462), Bottom
 * of Stack 1 bit, TTL 8 bits, per entry, until an entry with S set).
 * After the bottom entry RFC 3032 section 2.2 leaves the payload's
 * protocol to the label; as routers and tcpdump do, the first nibble says
 * IPv4 (4) or IPv6 (6). Label 0 is the IPv4 Explicit NULL, 2 the IPv6
 * Explicit NULL (RFC 3032 section 2.1): those settle it.
 *
 * Brought here by: EtherType 0x8847 (unicast) and 0x8848 (multicast), from
 * Ethernet, VLAN, GRE or PPP (0x0281/0x0283). The whole stack is one MPLS
 * layer; each entry attaches its four fields (the nth "Label" instance is
 * the nth entry). Hands the payload off by EtherType 0x0800 or 0x86DD.
 *
 * No Network Monitor parser for MPLS is published: names, labels and the
 * summary ("MPLS: Label = 16, TC = 0, S = 1, TTL = 64") are ours.
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Label                  | TC  |S|      TTL      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_DWORD reserved_labels[] = {
    { 0, NMX_STR("IPv4 Explicit NULL") }, { 1, NMX_STR("Router Alert") },
    { 2, NMX_STR("IPv6 Explicit NULL") }, { 3, NMX_STR("Implicit NULL") },
    { 7, NMX_STR("Entropy Label Indicator") }, { 13, NMX_STR("Generic Associated Channel") },
    { 14, NMX_STR("OAM Alert") }, { 15, NMX_STR("Extension") },
};
static SET label_set = { sizeof reserved_labels / sizeof reserved_labels[0],
                         { .lpLabeledDwordTable = reserved_labels } };

#define MPLS_PROPS(X) \
    X(MPLS_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(MPLS_ENTRY, "Label Stack Entry", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, NULL) \
    X(MPLS_LABEL, "Label", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_CUSTOM, "MPLS Label") \
    X(MPLS_TC, "Traffic Class", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "Experimental|EXP|TC") \
    X(MPLS_BOS, "Bottom of Stack", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "S") \
    X(MPLS_TTL, "Time to Live", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "TTL") \
    X(MPLS_DATA, "MPLS Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { MPLS_PROPS(NMX_PROP_ENUM) MPLS_NPROPS };
static nmx_propdef mpls_props[] = { MPLS_PROPS(NMX_PROP_DEF) };

static void mpls_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    bool attach = nmx_dis_attaching(d);
    nmx_dis_attach(d, MPLS_SUMMARY, 0, r.len < 4 ? r.len : 4);
    uint32_t o = 0, e = 0, first = 0, depth = 0;
    for (;;) {
        e = nmx_rd_be32(&r, o);
        if (!nmx_rd_ok(&r)) {
            nmx_dis_truncated(d);
            break;
        }
        if (depth++ == 0)
            first = e;
        if (attach) {
            nmx_dis_attach(d, MPLS_ENTRY, o, 4);
            uint32_t label = e >> 12;
            nmx_dis_attach_ex(d, MPLS_LABEL, o, 3, &label, sizeof label, 2);
            uint8_t b = (uint8_t)((e >> 9) & 7u);
            nmx_dis_attach_ex(d, MPLS_TC, o + 2, 1, &b, 1, 2);
            b = (uint8_t)((e >> 8) & 1u);
            nmx_dis_attach_ex(d, MPLS_BOS, o + 2, 1, &b, 1, 2);
            nmx_dis_attach(d, MPLS_TTL, o + 3, 1);
        }
        o += 4;
        if (e & 0x100u)
            break;
        if (o >= s.wire) {
            /* the stack runs to the end of the packet: no bottom entry */
            nmx_dis_malformed(d, NULL);
            break;
        }
    }
    nmx_dis_set_aux(d, 0, first);
    nmx_dis_set_aux(d, 1, depth);
    if (!nmx_rd_ok(&r) || !(e & 0x100u) || s.wire <= o)
        return;
    nmx_span pay = nmx_span_from(s, o);
    nmx_dis_attach(d, MPLS_DATA, o, pay.len);
    uint32_t label = e >> 12;
    unsigned v = nmx_rd_u8(&r, o) >> 4;
    if (!nmx_rd_ok(&r))
        return;
    if (label == 0 || (label != 2 && v == 4))
        nmx_dis_next(d, NMX_HO_ETHERTYPE, 0x0800, pay);
    else if (label == 2 || v == 6)
        nmx_dis_next(d, NMX_HO_ETHERTYPE, 0x86DD, pay);
}

static size_t mpls_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    uint64_t v;
    switch (c->prop) {
    case MPLS_SUMMARY: {
        unsigned depth = nmx_fmt_aux(c, 1);
        uint32_t e = nmx_fmt_aux(c, 0);
        if (!depth)
            return (size_t)snprintf(buf, n, "Truncated MPLS label stack");
        int w = snprintf(buf, n, "Label = %u, TC = %u, S = %u, TTL = %u", e >> 12, (e >> 9) & 7u,
                         (e >> 8) & 1u, e & 0xFFu);
        if (depth > 1 && w >= 0 && (size_t)w < n)
            w += snprintf(buf + w, n - (size_t)w, " (%u labels)", depth);
        return (size_t)w;
    }
    case MPLS_LABEL:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        for (size_t i = 0; i < label_set.nEntries; i++)
            if (reserved_labels[i].Value == v)
                return (size_t)snprintf(buf, n, "%s = %u (%s)", c->def->info.Label, (unsigned)v,
                                        reserved_labels[i].Label);
        return (size_t)snprintf(buf, n, "%s = %u (0x%X)", c->def->info.Label, (unsigned)v,
                                (unsigned)v);
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_mpls = {
    .name = "MPLS",
    .comment = "Multiprotocol Label Switching",
    .aliases = "Mpls",
    .props = mpls_props,
    .nprops = MPLS_NPROPS,
    .dissect = mpls_dissect,
    .format = mpls_format,
    .handoff = { { NMX_HO_ETHERTYPE, 0x8847 }, { NMX_HO_ETHERTYPE, 0x8848 } },
};
