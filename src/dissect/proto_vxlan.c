/*
 * \summary: Virtual eXtensible Local Area Network
 *
 * specification: RFC 7348 section 5 (VXLAN header: 8 flag bits of which
 * only I, bit 3, is defined and MUST be 1 for a valid VNI; 24 reserved
 * bits; the 24-bit VXLAN Network Identifier; 8 reserved bits), then an
 * Ethernet frame (inner MAC header, without FCS).
 *
 * Brought here by: UDP port 4789 (IANA, RFC 7348 section 5). Hands the
 * inner frame to ETHERNET.
 *
 * No Network Monitor parser for VXLAN existed: names, labels and summary
 * ("VXLAN: VNI = 100") are ours.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |R|R|R|R|I|R|R|R|            Reserved                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                VXLAN Network Identifier (VNI) |   Reserved    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_BIT vxlan_bits[] = {
    { 3, NMX_STR("VXLAN Network Identifier not valid"), NMX_STR("VXLAN Network Identifier valid") },
};
static SET vxlan_bit_set = { 1, { .lpLabeledBit = vxlan_bits } };

#define VXLAN_PROPS(X) \
    X(VXLAN_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(VXLAN_FLAGS, "Flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &vxlan_bit_set, 0, 1, NMX_FMT_HEX, NULL) \
    X(VXLAN_RES1, "Reserved", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(VXLAN_VNI, "VXLAN Network Identifier", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "VNI") \
    X(VXLAN_RES2, "Reserved2", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, NULL) \
    X(VXLAN_DATA, "VXLAN Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { VXLAN_PROPS(NMX_PROP_ENUM) VXLAN_NPROPS };
static nmx_propdef vxlan_props[] = { VXLAN_PROPS(NMX_PROP_DEF) };

#define VXLAN_HDR 8

static void vxlan_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t flags = nmx_rd_u8(&r, 0);
    uint32_t vni = nmx_rd_be24(&r, 4);
    PROPERTYINST *pf = NULL;
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, VXLAN_SUMMARY, 0, r.len < VXLAN_HDR ? r.len : VXLAN_HDR);
        pf = nmx_dis_attach(d, VXLAN_FLAGS, 0, 1);
        nmx_dis_attach(d, VXLAN_RES1, 1, 3);
        if (nmx_rd_has(&r, 4, 3))
            nmx_dis_attach_ex(d, VXLAN_VNI, 4, 3, &vni, sizeof vni, 1);
        nmx_dis_attach(d, VXLAN_RES2, 7, 1);
    }
    if (!nmx_rd_need(&r, 0, VXLAN_HDR)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, vni);
    nmx_dis_set_aux(d, 1, 1);
    if (!(flags & 0x08u))
        nmx_dis_malformed(d, pf);  /* RFC 7348: I MUST be 1 */
    if (s.wire <= VXLAN_HDR)
        return;
    nmx_span pay = nmx_span_from(s, VXLAN_HDR);
    nmx_dis_attach(d, VXLAN_DATA, VXLAN_HDR, pay.len);
    nmx_dis_next_proto(d, &nmx_proto_eth, pay);
}

static size_t vxlan_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != VXLAN_SUMMARY)
        return (size_t)-1;
    if (!nmx_fmt_aux(c, 1))
        return (size_t)snprintf(buf, n, "Truncated VXLAN header");
    return (size_t)snprintf(buf, n, "VNI = %u", nmx_fmt_aux(c, 0));
}

const nmx_protocol nmx_proto_vxlan = {
    .name = "VXLAN",
    .comment = "Virtual eXtensible Local Area Network",
    .aliases = "Vxlan",
    .props = vxlan_props,
    .nprops = VXLAN_NPROPS,
    .dissect = vxlan_dissect,
    .format = vxlan_format,
    .handoff = { { NMX_HO_UDP_PORT, 4789 } },
};
