/*
 * \summary: Linux "cooked" capture header, version 1
 *
 * specification: tcpdump.org "LINKTYPE_LINUX_SLL" (link type 113): a
 * 16-byte header the Linux kernel's packet sockets give when capturing on
 * "any" device or a device without a link-layer header: packet type, the
 * device's ARPHRD_ type (<linux/if_arp.h>), the link-layer address length
 * and up to 8 bytes of address, then the protocol: an EtherType, or for
 * the Linux values below 0x0600 ETH_P_802_3 (1, Novell raw 802.3) and
 * ETH_P_802_2 (4, an 802.2 LLC header follows).
 *
 * Brought here by: link type 113. Hands off by EtherType, or to LLC.
 * Netlink (ARPHRD_NETLINK) and 802.11 monitor captures carry no EtherType
 * and are shown as data.
 *
 * No Network Monitor parser existed for this header: names and summary are
 * ours ("SLL: Sent by us; Src = 0013C3DFAE18; ETYPE = 0x0800"), the source
 * address shares ETHERNET's label.
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Packet Type          |        ARPHRD_ Type           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Link-layer address length    |                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   Link-layer address (8)      +
 *   |                                                               |
 *   +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                               |        Protocol Type          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include "dissect/sll_common.h"

/* <linux/if_packet.h> PACKET_* */
static LABELED_WORD pkttypes[] = { NMX__SLL_PKTTYPES(NMX__SLL_LABEL) };
static SET pkttype_set = { sizeof pkttypes / sizeof pkttypes[0],
                           { .lpLabeledWordTable = pkttypes } };

/* <linux/if_arp.h> ARPHRD_* seen in captures */
static LABELED_WORD hatypes[] = { NMX__SLL_HATYPES(NMX__SLL_LABEL) };
static SET hatype_set = { sizeof hatypes / sizeof hatypes[0], { .lpLabeledWordTable = hatypes } };

#define SLL_PROPS(X) \
    X(SLL_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(SLL_PKTTYPE, "Packet Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &pkttype_set, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(SLL_HATYPE, "Link-Layer Address Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &hatype_set, NMX_SW, 1, NMX_FMT_DEFAULT, "ARPHRD Type|Hardware Type") \
    X(SLL_HALEN, "Link-Layer Address Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(SLL_SRC, "Source address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Source Address") \
    X(SLL_ADDR, "Link-Layer Address", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SLL_PROTO, "Protocol", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "Ethernet Type|EtherType|ETYPE|Protocol Type") \
    X(SLL_DATA, "SLL Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { SLL_PROPS(NMX_PROP_ENUM) SLL_NPROPS };
static nmx_propdef sll_props[] = { SLL_PROPS(NMX_PROP_DEF) };

#define SLL_HDR 16

static void sll_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint16_t pkttype = nmx_rd_be16(&r, 0), hatype = nmx_rd_be16(&r, 2);
    uint16_t halen = nmx_rd_be16(&r, 4), proto = nmx_rd_be16(&r, 14);
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, SLL_SUMMARY, 0, r.len < SLL_HDR ? r.len : SLL_HDR);
        nmx_dis_attach(d, SLL_PKTTYPE, 0, 2);
        nmx_dis_attach(d, SLL_HATYPE, 2, 2);
        nmx_dis_attach(d, SLL_HALEN, 4, 2);
        if (nmx_rd_has(&r, 4, 2)) {
            if (halen == 6)
                nmx_dis_attach(d, SLL_SRC, 6, 6);
            else if (halen)
                nmx_dis_attach(d, SLL_ADDR, 6, halen < 8 ? halen : 8);
        }
        nmx_dis_attach(d, SLL_PROTO, 14, 2);
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, (uint32_t)pkttype << 16 | proto);
    nmx_dis_set_aux(d, 1, halen);
    if (s.wire <= SLL_HDR)
        return;
    nmx_span pay = nmx_span_from(s, SLL_HDR);
    nmx_dis_attach(d, SLL_DATA, SLL_HDR, pay.len);
    nmx__sll_next(d, hatype, proto, pay);
}

static size_t sll_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != SLL_SUMMARY)
        return (size_t)-1;
    if (c->layer->caplen < SLL_HDR)
        return (size_t)snprintf(buf, n, "Truncated Linux cooked header");
    uint32_t a = nmx_fmt_aux(c, 0);
    unsigned pt = a >> 16, proto = a & 0xFFFFu;
    char pts[32];
    const char *ptn = nmx__sll_pkttype_name(pt, pts);
    const uint8_t *h = c->frame + c->layer->offset;
    if (nmx_fmt_aux(c, 1) == 6)
        return (size_t)snprintf(buf, n, "%s; Src = %02X%02X%02X%02X%02X%02X; ETYPE = 0x%04X", ptn,
                                h[6], h[7], h[8], h[9], h[10], h[11], proto);
    return (size_t)snprintf(buf, n, "%s; ETYPE = 0x%04X", ptn, proto);
}

const nmx_protocol nmx_proto_sll = {
    .name = "SLL",
    .comment = "Linux cooked capture header",
    .aliases = "Linux cooked|Sll",
    .props = sll_props,
    .nprops = SLL_NPROPS,
    .dissect = sll_dissect,
    .format = sll_format,
    .handoff = { { NMX_HO_LINKTYPE, 113 } },
};
