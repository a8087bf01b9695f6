/*
 * \summary: Linux "cooked" capture header, version 2
 *
 * specification: tcpdump.org "LINKTYPE_LINUX_SLL2" (link type 276): the
 * version 1 header (proto_sll.c) reordered and widened to 20 bytes: the
 * protocol first, a reserved word, the interface index, the ARPHRD_ type,
 * a one-byte packet type and address length, and 8 bytes of address.
 *
 * Brought here by: link type 276. Hands off as SLL: by EtherType, or to
 * LLC for ETH_P_802_2 (4) and raw 802.3 for ETH_P_802_3 (1).
 *
 * No Network Monitor parser existed for this header: the labels are
 * SLL's, plus "Interface Index"; summary "SLL2: Unicast to us; If = 20;
 * Src = 0013C3DFAE18; ETYPE = 0x0800" is ours.
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Protocol Type          |           Reserved            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Interface Index                         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        ARPHRD_ Type           |  Packet Type  | Address Length|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  Link-layer address (8)                       |
 *   +                                                               +
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include "dissect/sll_common.h"

/* <linux/if_packet.h> PACKET_* */
static LABELED_BYTE pkttypes[] = { NMX__SLL_PKTTYPES(NMX__SLL_LABEL) };
static SET pkttype_set = { sizeof pkttypes / sizeof pkttypes[0],
                           { .lpLabeledByteTable = pkttypes } };

/* <linux/if_arp.h> ARPHRD_* seen in captures */
static LABELED_WORD hatypes[] = { NMX__SLL_HATYPES(NMX__SLL_LABEL) };
static SET hatype_set = { sizeof hatypes / sizeof hatypes[0], { .lpLabeledWordTable = hatypes } };

#define SLL2_PROPS(X) \
    X(SLL2_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(SLL2_PROTO, "Protocol", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "Ethernet Type|EtherType|ETYPE|Protocol Type") \
    X(SLL2_RESERVED, "Reserved", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, NULL) \
    X(SLL2_IFINDEX, "Interface Index", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(SLL2_HATYPE, "Link-Layer Address Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &hatype_set, NMX_SW, 1, NMX_FMT_DEFAULT, "ARPHRD Type|Hardware Type") \
    X(SLL2_PKTTYPE, "Packet Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &pkttype_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SLL2_HALEN, "Link-Layer Address Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SLL2_SRC, "Source address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Source Address") \
    X(SLL2_ADDR, "Link-Layer Address", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SLL2_DATA, "SLL2 Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { SLL2_PROPS(NMX_PROP_ENUM) SLL2_NPROPS };
static nmx_propdef sll2_props[] = { SLL2_PROPS(NMX_PROP_DEF) };

#define SLL2_HDR 20

static void sll2_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint16_t proto = nmx_rd_be16(&r, 0), hatype = nmx_rd_be16(&r, 8);
    uint8_t pkttype = nmx_rd_u8(&r, 10), halen = nmx_rd_u8(&r, 11);
    uint32_t ifindex = nmx_rd_be32(&r, 4);
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, SLL2_SUMMARY, 0, r.len < SLL2_HDR ? r.len : SLL2_HDR);
        nmx_dis_attach(d, SLL2_PROTO, 0, 2);
        nmx_dis_attach(d, SLL2_RESERVED, 2, 2);
        nmx_dis_attach(d, SLL2_IFINDEX, 4, 4);
        nmx_dis_attach(d, SLL2_HATYPE, 8, 2);
        nmx_dis_attach(d, SLL2_PKTTYPE, 10, 1);
        nmx_dis_attach(d, SLL2_HALEN, 11, 1);
        if (nmx_rd_has(&r, 11, 1)) {
            if (halen == 6)
                nmx_dis_attach(d, SLL2_SRC, 12, 6);
            else if (halen)
                nmx_dis_attach(d, SLL2_ADDR, 12, halen < 8 ? halen : 8u);
        }
    }
    if (!nmx_rd_need(&r, 0, SLL2_HDR)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, (uint32_t)pkttype << 24 | (uint32_t)halen << 16 | proto);
    nmx_dis_set_aux(d, 1, ifindex);
    if (s.wire <= SLL2_HDR)
        return;
    nmx_span pay = nmx_span_from(s, SLL2_HDR);
    nmx_dis_attach(d, SLL2_DATA, SLL2_HDR, pay.len);
    nmx__sll_next(d, hatype, proto, pay);
}

static size_t sll2_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != SLL2_SUMMARY)
        return (size_t)-1;
    if (c->layer->caplen < SLL2_HDR)
        return (size_t)snprintf(buf, n, "Truncated Linux cooked header");
    uint32_t a = nmx_fmt_aux(c, 0), ifindex = nmx_fmt_aux(c, 1);
    unsigned pt = a >> 24, halen = (a >> 16) & 0xFFu, proto = a & 0xFFFFu;
    char pts[32];
    const char *ptn = nmx__sll_pkttype_name(pt, pts);
    const uint8_t *h = c->frame + c->layer->offset + 12;
    if (halen == 6)
        return (size_t)snprintf(buf, n, "%s; If = %u; Src = %02X%02X%02X%02X%02X%02X; ETYPE = 0x%04X",
                                ptn, ifindex, h[0], h[1], h[2], h[3], h[4], h[5], proto);
    return (size_t)snprintf(buf, n, "%s; If = %u; ETYPE = 0x%04X", ptn, ifindex, proto);
}

const nmx_protocol nmx_proto_sll2 = {
    .name = "SLL2",
    .comment = "Linux cooked capture header v2",
    .aliases = "Sll2",
    .props = sll2_props,
    .nprops = SLL2_NPROPS,
    .dissect = sll2_dissect,
    .format = sll2_format,
    .handoff = { { NMX_HO_LINKTYPE, 276 } },
};
