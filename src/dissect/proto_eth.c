/*
 * \summary: Ethernet II and IEEE 802.3 MAC frames
 *
 * specification: IEEE 802.3 clause 3 (MAC frame format); Ethernet II
 * ("DIX") when the type/length field is 1536 (0x0600) or more, an 802.3
 * length (then 802.2 LLC follows) when it is 1500 or less.
 *
 * Brought here by: link type 1 (LINKTYPE_ETHERNET; Network Monitor media 1,
 * and 0 in some files), EtherType 0x6558 (bridged Ethernet in GRE), VXLAN.
 * Hands off by EtherType (Ethernet II) or to LLC (802.3).
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  Destination address (6)                      |
 *   +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                               |                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   Source address (6)          +
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type or Length (2)        |   Data ...
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

/* Ethernet types as Network Monitor named them after "Protocol = ". */
static LABELED_WORD ethertypes[] = {
    { 0x0800, NMX_STR("IP:  DOD Internet Protocol") },
    { 0x0806, NMX_STR("ARP:  Address Resolution Protocol") },
    { 0x8035, NMX_STR("RARP:  Reverse Address Resolution Protocol") },
    { 0x8100, NMX_STR("VLAN:  IEEE 802.1Q Virtual LAN") },
    { 0x8137, NMX_STR("IPX:  Novell NetWare IPX") },
    { 0x86DD, NMX_STR("IP6:  Internet Protocol version 6") },
    { 0x8847, NMX_STR("MPLS:  MPLS unicast") },
    { 0x8848, NMX_STR("MPLS:  MPLS multicast") },
    { 0x8863, NMX_STR("PPPOED:  PPPoE Discovery") },
    { 0x8864, NMX_STR("PPPOES:  PPPoE Session") },
    { 0x888E, NMX_STR("EAPOL:  IEEE 802.1X") },
    { 0x88A8, NMX_STR("VLAN:  IEEE 802.1ad Provider Bridging") },
    { 0x88CC, NMX_STR("LLDP:  Link Layer Discovery Protocol") },
    { 0x9000, NMX_STR("LOOP:  Configuration Test Protocol") },
};
static SET ethertype_set = { sizeof ethertypes / sizeof ethertypes[0],
                             { .lpLabeledWordTable = ethertypes } };

/* The bits of an address's first byte (IEEE 802 I/G and U/L), listed
 * under the addresses as Network Monitor did; in a source address the I/G
 * position was read as the source-routing indicator. */
static LABELED_BIT dst_bits[] = {
    { 0, NMX_STR("Individual address"), NMX_STR("Group address") },
    { 1, NMX_STR("Universally administered address"), NMX_STR("Locally administered address") },
};
static SET dst_bit_set = { 2, { .lpLabeledBit = dst_bits } };
static LABELED_BIT src_bits[] = {
    { 0, NMX_STR("No routing information present"), NMX_STR("Routing information present") },
    { 1, NMX_STR("Universally administered address"), NMX_STR("Locally administered address") },
};
static SET src_bit_set = { 2, { .lpLabeledBit = src_bits } };

#define ETH_PROPS(X) \
    X(ETH_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(ETH_DST, "Destination address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_FLAGS, &dst_bit_set, 0, 1, NMX_FMT_COLON, "Destination Address") \
    X(ETH_SRC, "Source address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_FLAGS, &src_bit_set, 0, 1, NMX_FMT_COLON, "Source Address") \
    X(ETH_FRAMELEN, "Frame Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, NULL) \
    X(ETH_TYPE, "Ethernet Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &ethertype_set, NMX_SW, 1, NMX_FMT_CUSTOM, "EtherType|ETYPE") \
    X(ETH_LENGTH, "802.3 Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Length") \
    X(ETH_DATA, "Ethernet Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    X(ETH_PADDING, "Frame Padding", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL)

enum { ETH_PROPS(NMX_PROP_ENUM) ETH_NPROPS };
static nmx_propdef eth_props[] = { ETH_PROPS(NMX_PROP_DEF) };

#define ETH_HDR 14

static void eth_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint16_t tl = nmx_rd_be16(&r, 12);
    if (!nmx_rd_ok(&r)) {
        /* Addresses that are there are still worth showing. */
        nmx_dis_attach(d, ETH_SUMMARY, 0, r.len);
        nmx_dis_attach(d, ETH_DST, 0, 6);
        nmx_dis_attach(d, ETH_SRC, 6, 6);
        nmx_dis_truncated(d);
        return;
    }
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, ETH_SUMMARY, 0, ETH_HDR);
        nmx_dis_attach(d, ETH_DST, 0, 6);
        nmx_dis_attach(d, ETH_SRC, 6, 6);
    }
    if (tl >= 0x0600) {
        if (nmx_dis_attaching(d)) {
            uint16_t fl = (uint16_t)(s.wire > 0xFFFFu ? 0xFFFFu : s.wire);
            nmx_dis_attach_ex(d, ETH_FRAMELEN, 0, 0, &fl, sizeof fl, 1);
            nmx_dis_attach(d, ETH_TYPE, 12, 2);
            nmx_dis_attach(d, ETH_DATA, ETH_HDR, r.len - ETH_HDR);
        }
        nmx_dis_set_aux(d, 0, tl);
        nmx_dis_next(d, NMX_HO_ETHERTYPE, tl, nmx_span_from(s, ETH_HDR));
        return;
    }
    /* 802.3: a length, then 802.2 LLC (or Novell's raw 802.3 IPX, which
     * starts with a checksum of 0xFFFF where LLC would have its SAPs). */
    nmx_dis_set_aux(d, 0, tl);
    nmx_dis_set_aux(d, 1, 1);
    PROPERTYINST *len = nmx_dis_attach(d, ETH_LENGTH, 12, 2);
    if (tl > 1500 || tl > s.wire - ETH_HDR) {
        nmx_dis_malformed(d, len);
        tl = (uint16_t)(s.wire - ETH_HDR < 1500 ? s.wire - ETH_HDR : 1500);
    }
    nmx_span pl = nmx_span_sub(s, ETH_HDR, tl);
    nmx_dis_attach(d, ETH_DATA, ETH_HDR, pl.len);
    if (s.len > ETH_HDR + (uint32_t)tl)
        nmx_dis_attach(d, ETH_PADDING, ETH_HDR + tl, s.len - ETH_HDR - tl);
    uint16_t first = nmx_rd_be16(&r, ETH_HDR);
    if (nmx_rd_ok(&r))
        nmx_dis_next(d, NMX_HO_8023, first == 0xFFFF ? 1 : 0, pl);
}

static size_t eth_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    const uint8_t *h = c->frame + c->layer->offset;
    uint64_t v;
    switch (c->prop) {
    case ETH_SUMMARY:
        if (nmx_fmt_aux(c, 1))
            return (size_t)snprintf(buf, n, "802.3 Length = %u", nmx_fmt_aux(c, 0));
        if (c->layer->caplen < ETH_HDR)
            return (size_t)snprintf(buf, n, "Truncated Ethernet header");
        v = (uint64_t)h[12] << 8 | h[13];
        break;
    case ETH_TYPE:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        break;
    default:
        return (size_t)-1;
    }
    const char *name = NULL;
    for (size_t i = 0; i < ethertype_set.nEntries; i++)
        if (ethertypes[i].Value == v)
            name = ethertypes[i].Label;
    if (c->prop == ETH_SUMMARY)
        return name ? (size_t)snprintf(buf, n, "ETYPE = 0x%04X : Protocol = %s", (unsigned)v, name)
                    : (size_t)snprintf(buf, n, "ETYPE = 0x%04X", (unsigned)v);
    return name ? (size_t)snprintf(buf, n, "%s : 0x%04X (%s)", c->def->info.Label, (unsigned)v, name)
                : (size_t)snprintf(buf, n, "%s : 0x%04X", c->def->info.Label, (unsigned)v);
}

const nmx_protocol nmx_proto_eth = {
    .name = "ETHERNET",
    .comment = "Ethernet II and IEEE 802.3",
    .aliases = "Ethernet|ETH|802.3",
    .props = eth_props,
    .nprops = ETH_NPROPS,
    .dissect = eth_dissect,
    .format = eth_format,
    .handoff = { { NMX_HO_LINKTYPE, 1 }, { NMX_HO_ETHERTYPE, 0x6558 } },
};
