/*
 * \summary: Address Resolution Protocol and Reverse ARP
 *
 * specification: RFC 826 (ARP), RFC 903 (RARP), RFC 2390 (Inverse ARP
 * opcodes 8 and 9); IANA "Address Resolution Protocol (ARP) Parameters" for
 * hardware types and opcodes. One parser for all of them, as Network
 * Monitor's ARP_RARP.
 *
 * Brought here by: EtherType 0x0806 and 0x8035 (Ethernet, VLAN, SNAP, SLL).
 * Hands off nothing.
 *
 * Labels and summaries as Network Monitor 2.x printed them
 * (netmon-parsers.md §3.4): "Hardware Address Space = 6 (0x6)", "Opcode =
 * 1 (0x1)", "Sender's Protocol Address = 11.1.9.221"; summary "ARP:
 * Request, Target IP: 11.1.9.221" and "ARP: Reply, Target IP: 11.1.9.221
 * Target Hdwr Addr: 4000DDDD1111". Both print the packet's Target fields.
 * The RARP and Inverse ARP summaries are ours, in the same form.
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |    Hardware Address Space     |    Protocol Address Space     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | HW Addr Len   | Proto Addr Len|            Opcode             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Sender HW (HLN) | Sender Proto (PLN) | Target HW | Target Proto |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define ARP_PROPS(X) \
    X(ARP_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(ARP_HRD, "Hardware Address Space", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Hardware Type") \
    X(ARP_PRO, "Protocol Address Space", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Protocol Type") \
    X(ARP_HLN, "Hardware Address Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Hardware Size") \
    X(ARP_PLN, "Protocol Address Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Protocol Size") \
    X(ARP_OP, "Opcode", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Operation") \
    X(ARP_SHA, "Sender's Hardware Address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Sender Hardware Address") \
    X(ARP_SPA, "Sender's Protocol Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Sender Protocol Address") \
    X(ARP_THA, "Target's Hardware Address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Target Hardware Address") \
    X(ARP_TPA, "Target's Protocol Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Target Protocol Address") \
    X(ARP_SHA_RAW, "Sender's Hardware Address Bytes", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(ARP_SPA_RAW, "Sender's Protocol Address Bytes", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(ARP_THA_RAW, "Target's Hardware Address Bytes", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(ARP_TPA_RAW, "Target's Protocol Address Bytes", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, NULL)

enum { ARP_PROPS(NMX_PROP_ENUM) ARP_NPROPS };
static nmx_propdef arp_props[] = { ARP_PROPS(NMX_PROP_DEF) };

#define ARP_FIXED 8

/* An address: typed when it has the usual length (6-byte hardware, 4-byte
 * IPv4 protocol address), else its bytes. */
static void attach_addr(nmx_dis *d, unsigned typed, unsigned raw, bool usual, uint32_t off,
                        uint32_t len)
{
    if (len)
        nmx_dis_attach(d, usual ? typed : raw, off, len);
}

static void arp_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint16_t pro = nmx_rd_be16(&r, 2);
    uint8_t hln = nmx_rd_u8(&r, 4), pln = nmx_rd_u8(&r, 5);
    uint16_t op = nmx_rd_be16(&r, 6);
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, ARP_SUMMARY, 0, r.len < ARP_FIXED ? r.len : ARP_FIXED);
        nmx_dis_attach(d, ARP_HRD, 0, 2);
        nmx_dis_attach(d, ARP_PRO, 2, 2);
        nmx_dis_attach(d, ARP_HLN, 4, 1);
        nmx_dis_attach(d, ARP_PLN, 5, 1);
        nmx_dis_attach(d, ARP_OP, 6, 2);
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, (uint32_t)op << 16 | (uint32_t)hln << 8 | pln);
    uint32_t end = ARP_FIXED + 2u * hln + 2u * pln;
    if (end > s.wire) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    if (nmx_dis_attaching(d)) {
        bool hw6 = hln == 6, ip4 = pln == 4 && pro == 0x0800;
        uint32_t o = ARP_FIXED;
        attach_addr(d, ARP_SHA, ARP_SHA_RAW, hw6, o, hln);
        o += hln;
        attach_addr(d, ARP_SPA, ARP_SPA_RAW, ip4, o, pln);
        o += pln;
        attach_addr(d, ARP_THA, ARP_THA_RAW, hw6, o, hln);
        o += hln;
        attach_addr(d, ARP_TPA, ARP_TPA_RAW, ip4, o, pln);
    }
    if (!nmx_rd_need(&r, 0, end))
        nmx_dis_truncated(d);
}

static int hex_addr(char *buf, size_t n, const uint8_t *p, unsigned len)
{
    int w = 0;
    for (unsigned i = 0; i < len; i++)
        w += snprintf(buf + ((size_t)w < n ? (size_t)w : n), (size_t)w < n ? n - (size_t)w : 0,
                      "%02X", p[i]);
    return w;
}

static size_t arp_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != ARP_SUMMARY)
        return (size_t)-1;
    const uint8_t *h = c->frame + c->layer->offset;
    uint32_t cap = c->layer->caplen;
    if (cap < ARP_FIXED)
        return (size_t)snprintf(buf, n, "Truncated ARP header");
    uint32_t a = nmx_fmt_aux(c, 0);
    unsigned op = a >> 16, hln = (a >> 8) & 0xFFu, pln = a & 0xFFu;
    uint32_t tha = ARP_FIXED + (uint32_t)hln + pln, tpa = tha + hln;
    bool have_t = tpa + pln <= cap;
    const char *what = op == 1 || op == 3 || op == 8 ? "Request" : "Reply";
    const char *proto = op <= 2 ? "ARP" : op <= 4 ? "RARP" : op <= 9 ? "InARP" : NULL;
    if (!proto)
        return (size_t)snprintf(buf, n, "ARP: Opcode %u", op);
    if (!have_t)
        return (size_t)snprintf(buf, n, "%s: %s", proto, what);
    char ip[64], hw[64];
    if (pln == 4)
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", h[tpa], h[tpa + 1], h[tpa + 2], h[tpa + 3]);
    else
        hex_addr(ip, sizeof ip, h + tpa, pln > 16 ? 16 : pln);
    hex_addr(hw, sizeof hw, h + tha, hln > 16 ? 16 : hln);
    if (op == 1 || op == 8)
        return (size_t)snprintf(buf, n, "%s: %s, Target IP: %s", proto, what, ip);
    if (op == 3)
        return (size_t)snprintf(buf, n, "%s: %s, Target Hdwr Addr: %s", proto, what, hw);
    return (size_t)snprintf(buf, n, "%s: %s, Target IP: %s Target Hdwr Addr: %s", proto, what, ip,
                            hw);
}

const nmx_protocol nmx_proto_arp = {
    .name = "ARP_RARP",
    .comment = "Address Resolution Protocol and Reverse ARP",
    .aliases = "ARP|RARP|Arp",
    .props = arp_props,
    .nprops = ARP_NPROPS,
    .dissect = arp_dissect,
    .format = arp_format,
    .handoff = { { NMX_HO_ETHERTYPE, 0x0806 }, { NMX_HO_ETHERTYPE, 0x8035 } },
};
