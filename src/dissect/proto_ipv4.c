/*
 * \summary: Internet Protocol version 4
 *
 * specification: RFC 791 (header, options, fragments); RFC 2474 and
 * RFC 3168 redefine the type-of-service byte as DSCP + ECN, which the
 * "Service Type" property shows whole. Its RFC 791 / RFC 1349 readings,
 * "Precedence" and "Type of Service", are top-level lines as in Windows
 * 2000-era Network Monitor (NT4-era builds listed them under Service
 * Type, without a line of the byte's own; we keep that line, since the
 * byte's DSCP and ECN bits have no other home).
 *
 * Brought here by: EtherType 0x0800, link type 228 (LINKTYPE_IPV4), raw IP
 * link types (by the version nibble), PPP protocol 0x0021, BSD loopback
 * family 2, IP protocol 4 (IP in IP). Hands off by IP protocol number, for
 * unfragmented datagrams and first fragments only when they carry the
 * whole datagram: a fragment's payload is shown as Data (no reassembly;
 * docs/dissectors.md, "Fragments").
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_BYTE precedences[] = {
    { 0, NMX_STR("Routine") }, { 1, NMX_STR("Priority") }, { 2, NMX_STR("Immediate") },
    { 3, NMX_STR("Flash") }, { 4, NMX_STR("Flash Override") }, { 5, NMX_STR("CRITIC/ECP") },
    { 6, NMX_STR("Internetwork Control") }, { 7, NMX_STR("Network Control") },
};
static SET precedence_set = { 8, { .lpLabeledByteTable = precedences } };

/* RFC 1349's four type-of-service bits (bits 3-6 of the byte). */
static LABELED_BYTE tos_names[] = {
    { 0, NMX_STR("Normal Service") }, { 8, NMX_STR("Minimize Delay") },
    { 4, NMX_STR("Maximize Throughput") }, { 2, NMX_STR("Maximize Reliability") },
    { 1, NMX_STR("Minimize Monetary Cost") },
};
static SET tos_set = { 5, { .lpLabeledByteTable = tos_names } };


static LABELED_BIT frag_bits[] = {
    { 0, NMX_STR("Last fragment in datagram"), NMX_STR("More fragments in datagram") },
    { 1, NMX_STR("May fragment datagram if necessary"), NMX_STR("Cannot fragment datagram") },
    { 2, NMX_STR("Reserved bit clear"), NMX_STR("Reserved bit set") },
};
static SET frag_set = { 3, { .lpLabeledBit = frag_bits } };

/* RFC 791 option types (IANA "IP Option Numbers"). */
static LABELED_BYTE ipopts[] = {
    { 0, NMX_STR("End of Option List") }, { 1, NMX_STR("No Operation") },
    { 7, NMX_STR("Record Route") }, { 68, NMX_STR("Time Stamp") },
    { 130, NMX_STR("Security") }, { 131, NMX_STR("Loose Source Route") },
    { 136, NMX_STR("Stream ID") }, { 137, NMX_STR("Strict Source Route") },
    { 148, NMX_STR("Router Alert") },
};
static SET ipopt_set = { sizeof ipopts / sizeof ipopts[0], { .lpLabeledByteTable = ipopts } };

#define IP_PROPS(X) \
    X(IP_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(IP_VERSION, "Version", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP_HDRLEN, "Header Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP_SERVICE, "Service Type", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Differentiated Services Field|DSField") \
    X(IP_PRECEDENCE, "Precedence", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &precedence_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP_TOS, "Type of Service", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &tos_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP_TOTLEN, "Total Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP_ID, "Identification", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP_FLAGS, "Flags Summary", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &frag_set, 0, 1, NMX_FMT_DEFAULT, "Flags") \
    X(IP_FRAGOFF, "Fragment Offset", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_BYTES, NULL) \
    X(IP_TTL, "Time to Live", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "TTL") \
    X(IP_PROTO, "Protocol", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &nmx__ipproto_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP_CHECKSUM, "Checksum", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "Header Checksum") \
    X(IP_SRC, "Source Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP_DST, "Destination Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP_OPTIONS, "Options", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(IP_OPT_TYPE, "Option Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &ipopt_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP_OPT_LEN, "Option Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP_OPT_DATA, "Option Data", PROP_TYPE_RAW_DATA, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP_DATA, "Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { IP_PROPS(NMX_PROP_ENUM) IP_NPROPS };
static nmx_propdef ip_props[] = { IP_PROPS(NMX_PROP_DEF) };

#define IP_MIN_HDR 20

static void ip_options(nmx_dis *d, nmx_rd *r, uint32_t hl)
{
    nmx_dis_attach(d, IP_OPTIONS, IP_MIN_HDR, hl - IP_MIN_HDR);
    for (uint32_t o = IP_MIN_HDR; o < hl;) {
        uint8_t type = nmx_rd_u8(r, o);
        if (!nmx_rd_ok(r))
            return;
        nmx_dis_attach(d, IP_OPT_TYPE, o, 1);
        if (type == 0)
            return;               /* end of list: the rest is padding */
        if (type == 1) {
            o++;
            continue;
        }
        uint8_t len = nmx_rd_u8(r, o + 1);
        if (!nmx_rd_ok(r))
            return;
        PROPERTYINST *pl = nmx_dis_attach(d, IP_OPT_LEN, o + 1, 1);
        if (len < 2 || len > hl - o) {
            nmx_dis_malformed(d, pl);
            return;
        }
        if (len > 2)
            nmx_dis_attach(d, IP_OPT_DATA, o + 2, len - 2u);
        o += len;
    }
}

static void ip_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t vhl = nmx_rd_u8(&r, 0);
    uint8_t tos = nmx_rd_u8(&r, 1);
    uint16_t total = nmx_rd_be16(&r, 2);
    uint16_t frag = nmx_rd_be16(&r, 6);
    uint8_t proto = nmx_rd_u8(&r, 9);
    uint32_t hl = (uint32_t)(vhl & 0x0Fu) * 4;
    bool attach = nmx_dis_attaching(d);
    if (attach) {
        nmx_dis_attach(d, IP_SUMMARY, 0, hl < r.len ? hl : r.len);
        uint8_t v = (uint8_t)(vhl >> 4);
        PROPERTYINST *pv = nmx_dis_attach_ex(d, IP_VERSION, 0, 1, &v, 1, 1);
        if (v != 4)
            nmx_dis_malformed(d, pv);
        v = (uint8_t)hl;
        PROPERTYINST *ph = nmx_dis_attach_ex(d, IP_HDRLEN, 0, 1, &v, 1, 1);
        if (hl < IP_MIN_HDR)
            nmx_dis_malformed(d, ph);
        nmx_dis_attach(d, IP_SERVICE, 1, 1);
        v = (uint8_t)(tos >> 5);
        nmx_dis_attach_ex(d, IP_PRECEDENCE, 1, 1, &v, 1, 1);
        v = (uint8_t)((tos >> 1) & 0x0Fu);
        nmx_dis_attach_ex(d, IP_TOS, 1, 1, &v, 1, 1);
        nmx_dis_attach(d, IP_TOTLEN, 2, 2);
        nmx_dis_attach(d, IP_ID, 4, 2);
        v = (uint8_t)(frag >> 13);
        nmx_dis_attach_ex(d, IP_FLAGS, 6, 1, &v, 1, 1);
        uint16_t fo = (uint16_t)((frag & 0x1FFFu) * 8u);
        nmx_dis_attach_ex(d, IP_FRAGOFF, 6, 2, &fo, sizeof fo, 1);
        nmx_dis_attach(d, IP_TTL, 8, 1);
        nmx_dis_attach(d, IP_PROTO, 9, 1);
        nmx_dis_attach(d, IP_CHECKSUM, 10, 2);
        nmx_dis_attach(d, IP_SRC, 12, 4);
        nmx_dis_attach(d, IP_DST, 16, 4);
    }
    /* The first byte alone can prove the header wrong: judged before the
     * length, so that the status is the same whether or not instances
     * are attached. */
    if (nmx_rd_has(&r, 0, 1) && ((vhl >> 4) != 4 || hl < IP_MIN_HDR)) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    if (!nmx_rd_need(&r, 0, IP_MIN_HDR)) {
        nmx_dis_truncated(d);
        return;
    }
    /* The datagram's length: Total Length, unless it is 0 (segmentation
     * offload writes 0; the frame's length is then the datagram's) or
     * claims more than the frame holds (malformed; what is there is used). */
    uint32_t dlen = total;
    if (total == 0) {
        dlen = s.wire;
    } else if (total < hl) {
        nmx_dis_malformed(d, NULL);
        return;
    } else if (total > s.wire) {
        nmx_dis_malformed(d, NULL);
        dlen = s.wire;
    }
    if (hl > dlen) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    nmx_span dg = nmx_span_sub(s, 0, dlen);
    /* Options are walked in both modes: a malformed option makes the
     * layer MALFORMED whether or not instances are attached. */
    if (hl > IP_MIN_HDR) {
        nmx_rd ro = nmx_dis_rd(d, dg);
        ip_options(d, &ro, hl);
    }
    if (hl > r.len) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_span pl = nmx_span_sub(dg, hl, dlen - hl);
    nmx_dis_attach(d, IP_DATA, hl, pl.len);
    bool fragment = (frag & 0x3FFFu) != 0; /* MF set or an offset */
    nmx_dis_set_aux(d, 0, dlen);
    if (!fragment)
        nmx_dis_next(d, NMX_HO_IPPROTO, proto, pl);
}

static size_t ip_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != IP_SUMMARY)
        return (size_t)-1;
    const uint8_t *h = c->frame + c->layer->offset;
    if (c->layer->caplen < IP_MIN_HDR)
        return (size_t)snprintf(buf, n, "Truncated IP header");
    unsigned id = (unsigned)h[4] << 8 | h[5], len = (unsigned)h[2] << 8 | h[3];
    const char *p = nmx__ipproto_abbrev(h[9], false);
    if (p)
        return (size_t)snprintf(buf, n, "ID = 0x%X; Proto = %s; Len: %u", id, p, len);
    return (size_t)snprintf(buf, n, "ID = 0x%X; Proto = 0x%X; Len: %u", id, h[9], len);
}

const nmx_protocol nmx_proto_ipv4 = {
    .name = "IP",
    .comment = "Internet Protocol version 4",
    .aliases = "IPv4|Ipv4",
    .props = ip_props,
    .nprops = IP_NPROPS,
    .dissect = ip_dissect,
    .format = ip_format,
    .handoff = { { NMX_HO_ETHERTYPE, 0x0800 }, { NMX_HO_LINKTYPE, 228 }, { NMX_HO_PPP, 0x0021 },
                 { NMX_HO_NULL_AF, 2 }, { NMX_HO_IPPROTO, 4 } },
};
