/*
 * \summary: Cisco HDLC framing
 *
 * specification: tcpdump.org "LINKTYPE_C_HDLC" (link type 104): an address
 * octet (0x0F unicast, 0x8F broadcast), a control octet (0) and a 16-bit
 * protocol in network order that is an EtherType, except 0x8035, which on
 * Cisco HDLC links is SLARP (Serial Line ARP) rather than RARP.
 *
 * Brought here by: link type 104. Hands off by EtherType; SLARP packets
 * are shown as data (SLARP is not parsed).
 *
 * No Network Monitor parser existed for this header: names are ours, the
 * protocol shares ETHERNET's "Ethernet Type" as an alias.
 *
 *   +--------+--------+--------+--------+
 *   |Address |Control |    Protocol     |
 *   +--------+--------+--------+--------+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_BYTE addrs[] = { { 0x0F, NMX_STR("Unicast") }, { 0x8F, NMX_STR("Broadcast") } };
static SET addr_set = { 2, { .lpLabeledByteTable = addrs } };

#define CHDLC_PROPS(X) \
    X(CHDLC_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(CHDLC_ADDR, "Address", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &addr_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(CHDLC_CONTROL, "Control", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(CHDLC_PROTO, "Protocol", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "Ethernet Type|ETYPE") \
    X(CHDLC_SLARP, "SLARP data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { CHDLC_PROPS(NMX_PROP_ENUM) CHDLC_NPROPS };
static nmx_propdef chdlc_props[] = { CHDLC_PROPS(NMX_PROP_DEF) };

#define CHDLC_HDR 4
#define CHDLC_SLARP_TYPE 0x8035

static void chdlc_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t addr = nmx_rd_u8(&r, 0);
    uint16_t proto = nmx_rd_be16(&r, 2);
    PROPERTYINST *ap = NULL;
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, CHDLC_SUMMARY, 0, r.len < CHDLC_HDR ? r.len : CHDLC_HDR);
        ap = nmx_dis_attach(d, CHDLC_ADDR, 0, 1);
        nmx_dis_attach(d, CHDLC_CONTROL, 1, 1);
        nmx_dis_attach(d, CHDLC_PROTO, 2, 2);
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, (uint32_t)addr << 16 | proto);
    if (addr != 0x0F && addr != 0x8F) {
        nmx_dis_malformed(d, ap);
        return;
    }
    if (s.wire <= CHDLC_HDR)
        return;
    nmx_span pay = nmx_span_from(s, CHDLC_HDR);
    if (proto == CHDLC_SLARP_TYPE)
        nmx_dis_attach(d, CHDLC_SLARP, CHDLC_HDR, pay.len);
    else
        nmx_dis_next(d, NMX_HO_ETHERTYPE, proto, pay);
}

static size_t chdlc_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != CHDLC_SUMMARY)
        return (size_t)-1;
    if (c->layer->caplen < CHDLC_HDR)
        return (size_t)snprintf(buf, n, "Truncated Cisco HDLC header");
    uint32_t a = nmx_fmt_aux(c, 0);
    unsigned proto = a & 0xFFFFu;
    return (size_t)snprintf(buf, n, "%s; Protocol = 0x%04X%s",
                            (a >> 16) == 0x8F ? "Broadcast" : "Unicast", proto,
                            proto == CHDLC_SLARP_TYPE ? " (SLARP)" : "");
}

const nmx_protocol nmx_proto_chdlc = {
    .name = "CHDLC",
    .comment = "Cisco HDLC",
    .aliases = "Cisco HDLC|C_HDLC",
    .props = chdlc_props,
    .nprops = CHDLC_NPROPS,
    .dissect = chdlc_dissect,
    .format = chdlc_format,
    .handoff = { { NMX_HO_LINKTYPE, 104 } },
};
