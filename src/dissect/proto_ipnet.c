/*
 * \summary: Solaris ipnet header
 *
 * specification: tcpdump.org "LINKTYPE_IPNET" (link type 226) and
 * Solaris <inet/ipnet.h> dl_ipnetinfo_t: version (1), address family
 * (Solaris AF_INET 2, AF_INET6 26), then in network order the hook type
 * (16 bits), the packet length, interface index, group interface index and the
 * source and destination zone ids: 24 bytes before the IP header.
 *
 * Brought here by: link type 226. Hands the packet by family to EtherType
 * 0x0800 (IP) or 0x86DD (IP6).
 *
 * No Network Monitor parser existed for this header: names are ours.
 *
 *   +--------+--------+--------+--------+
 *   |Version | Family |    Hook type    |
 *   +--------+--------+--------+--------+
 *   |          Packet length            |
 *   |          Interface index          |
 *   |       Group interface index       |
 *   |          Source zone id           |
 *   |        Destination zone id        |
 *   +--------+--------+--------+--------+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_BYTE families[] = { { 2, NMX_STR("IPv4") }, { 26, NMX_STR("IPv6") } };
static SET family_set = { 2, { .lpLabeledByteTable = families } };
static LABELED_WORD hooks[] = {
    { 0, NMX_STR("Inbound") }, { 1, NMX_STR("Outbound") }, { 2, NMX_STR("Local") },
};
static SET hook_set = { 3, { .lpLabeledWordTable = hooks } };

#define IPNET_PROPS(X) \
    X(IPNET_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(IPNET_VERSION, "Version", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IPNET_FAMILY, "Address family", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &family_set, 0, 1, NMX_FMT_DEFAULT, "Family") \
    X(IPNET_HOOK, "Hook type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &hook_set, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(IPNET_PKTLEN, "Packet length", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Data length") \
    X(IPNET_IFINDEX, "Interface index", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEC, NULL) \
    X(IPNET_GRIFINDEX, "Group interface index", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEC, NULL) \
    X(IPNET_ZSRC, "Source zone id", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEC, NULL) \
    X(IPNET_ZDST, "Destination zone id", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEC, NULL)

enum { IPNET_PROPS(NMX_PROP_ENUM) IPNET_NPROPS };
static nmx_propdef ipnet_props[] = { IPNET_PROPS(NMX_PROP_DEF) };

#define IPNET_HDR 24

static void ipnet_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t ver = nmx_rd_u8(&r, 0), fam = nmx_rd_u8(&r, 1);
    uint32_t plen = nmx_rd_be32(&r, 4);
    (void)nmx_rd_be32(&r, 20);
    PROPERTYINST *vp = NULL, *fp = NULL, *lp = NULL;
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, IPNET_SUMMARY, 0, r.len < IPNET_HDR ? r.len : IPNET_HDR);
        vp = nmx_dis_attach(d, IPNET_VERSION, 0, 1);
        fp = nmx_dis_attach(d, IPNET_FAMILY, 1, 1);
        nmx_dis_attach(d, IPNET_HOOK, 2, 2);
        lp = nmx_dis_attach(d, IPNET_PKTLEN, 4, 4);
        nmx_dis_attach(d, IPNET_IFINDEX, 8, 4);
        nmx_dis_attach(d, IPNET_GRIFINDEX, 12, 4);
        nmx_dis_attach(d, IPNET_ZSRC, 16, 4);
        nmx_dis_attach(d, IPNET_ZDST, 20, 4);
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, fam);
    nmx_dis_set_aux(d, 1, plen);
    if (ver != 1) {
        nmx_dis_malformed(d, vp);
        return;
    }
    if (plen > s.wire - IPNET_HDR) {
        nmx_dis_malformed(d, lp);
        return;
    }
    if (fam != 2 && fam != 26) {
        nmx_dis_malformed(d, fp);
        return;
    }
    if (plen)
        nmx_dis_next(d, NMX_HO_ETHERTYPE, fam == 2 ? 0x0800 : 0x86DD,
                     nmx_span_sub(s, IPNET_HDR, plen));
}

static size_t ipnet_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != IPNET_SUMMARY)
        return (size_t)-1;
    if (c->layer->caplen < IPNET_HDR)
        return (size_t)snprintf(buf, n, "Truncated ipnet header");
    unsigned fam = nmx_fmt_aux(c, 0);
    return (size_t)snprintf(buf, n, "%s, Len = %u", fam == 2 ? "IPv4" : fam == 26 ? "IPv6" : "?",
                            nmx_fmt_aux(c, 1));
}

const nmx_protocol nmx_proto_ipnet = {
    .name = "IPNET",
    .comment = "Solaris ipnet header",
    .aliases = "Ipnet",
    .props = ipnet_props,
    .nprops = IPNET_NPROPS,
    .dissect = ipnet_dissect,
    .format = ipnet_format,
    .handoff = { { NMX_HO_LINKTYPE, 226 } },
};
