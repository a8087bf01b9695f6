/*
 * \summary: Internet Protocol version 6
 *
 * specification: RFC 8200 (header, extension headers, fragment header);
 * RFC 2675 (jumbograms: Payload Length 0 and the Jumbo Payload option);
 * RFC 4302 (Authentication Header, whose length counts 32-bit words);
 * RFC 6437 (flow label); RFC 2474 and RFC 3168 (traffic class).
 *
 * Names: Network Monitor 2.x had no IPv6 parser whose names were
 * published, so the protocol is "IP6" (the name netmon.h's LOW_PROTOCOL_IP6
 * and PROP_TYPE_IP6_ADDRESS suggest; "IPv6" and "Ipv6", Network Monitor
 * 3.x's spelling, are aliases) and the labels follow RFC 8200's field
 * names in the style of the IP parser ("Source Address", "Hop Limit").
 *
 * Brought here by: EtherType 0x86DD, link type 229 (LINKTYPE_IPV6), raw IP
 * link types (by the version nibble, proto_frame.c), PPP protocol 0x0057,
 * BSD loopback families 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD)
 * and 30 (Darwin), IP protocol 41 (IPv6 in IP).
 *
 * The extension headers RFC 8200 defines (Hop-by-Hop Options 0, Routing 43,
 * Fragment 44, Destination Options 60) and the Authentication Header (51,
 * skipped by its length) are decoded here, as properties of this layer.
 * The header that follows them is handed off by IP protocol number, unless
 * the packet is a fragment (an offset or More Fragments set): a fragment's
 * payload is shown as Data, as IP does (no reassembly; docs/dissectors.md,
 * "Fragments").
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                                                               |
 *   +                         Source Address                        +
 *   |                          (128 bits)                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                                                               |
 *   +                      Destination Address                      +
 *   |                          (128 bits)                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension headers (each starts with Next Header; the length byte counts
 * 8-octet units after the first 8, the AH's 4-octet units after the first 8):
 *
 *   +---------------+---------------+-------------------------------+
 *   |  Next Header  |  Hdr Ext Len  |  options / routing data ...   |
 *   +---------------+---------------+-------------------------------+
 *   |  Next Header  |   Reserved    |  Fragment Offset        |Res|M|  (44)
 *   |                         Identification                        |
 *   +---------------+---------------+-------------------------------+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"


/* Option types of the Hop-by-Hop and Destination Options headers (IANA
 * "Destination Options and Hop-by-Hop Options"). */
static LABELED_BYTE ip6opts[] = {
    { 0x00, NMX_STR("Pad1") }, { 0x01, NMX_STR("PadN") },
    { 0x04, NMX_STR("Tunnel Encapsulation Limit") }, { 0x05, NMX_STR("Router Alert") },
    { 0x26, NMX_STR("Quick-Start") }, { 0x63, NMX_STR("RPL Option") },
    { 0x6D, NMX_STR("MPL Option") }, { 0x8B, NMX_STR("ILNP Nonce") },
    { 0xC2, NMX_STR("Jumbo Payload") }, { 0xC9, NMX_STR("Home Address") },
};
static SET ip6opt_set = { sizeof ip6opts / sizeof ip6opts[0], { .lpLabeledByteTable = ip6opts } };

/* IANA "Routing Types". */
static LABELED_BYTE rtypes[] = {
    { 0, NMX_STR("Source Route (deprecated)") }, { 1, NMX_STR("Nimrod (deprecated)") },
    { 2, NMX_STR("Type 2 Routing Header") }, { 3, NMX_STR("RPL Source Route Header") },
    { 4, NMX_STR("Segment Routing Header") },
};
static SET rtype_set = { sizeof rtypes / sizeof rtypes[0], { .lpLabeledByteTable = rtypes } };

static LABELED_BIT frag_bits[] = {
    { 0, NMX_STR("Last fragment"), NMX_STR("More fragments") },
};
static SET frag_set = { 1, { .lpLabeledBit = frag_bits } };

#define IP6_PROPS(X) \
    X(IP6_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(IP6_VERSION, "Version", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP6_TCLASS, "Traffic Class", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP6_FLOW, "Flow Label", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP6_PLEN, "Payload Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP6_NXT, "Next Header", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &nmx__ipproto_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP6_HLIM, "Hop Limit", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP6_SRC, "Source Address", PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP6_DST, "Destination Address", PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(IP6_HOPOPTS, "Hop-by-Hop Options Header", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(IP6_ROUTING, "Routing Header", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(IP6_FRAGHDR, "Fragment Header", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(IP6_DSTOPTS, "Destination Options Header", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(IP6_AH, "Authentication Header", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(IP6_EXT_NXT, "Extension Next Header", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &nmx__ipproto_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_EXT_LEN, "Extension Header Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_BYTES, NULL) \
    X(IP6_OPT_TYPE, "Option Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &ip6opt_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_OPT_LEN, "Option Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_OPT_DATA, "Option Data", PROP_TYPE_RAW_DATA, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_JUMBO, "Jumbo Payload Length", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_RT_TYPE, "Routing Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &rtype_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_RT_LEFT, "Segments Left", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_RT_DATA, "Routing Data", PROP_TYPE_RAW_DATA, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_FRAGOFF, "Fragment Offset", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_BYTES, NULL) \
    X(IP6_FRAGFLAGS, "Fragment Flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &frag_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_FRAGID, "Identification", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_HEX, NULL) \
    X(IP6_AH_SPI, "Security Parameters Index", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_HEX, "SPI") \
    X(IP6_AH_SEQ, "Sequence Number", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(IP6_AH_ICV, "Integrity Check Value", PROP_TYPE_RAW_DATA, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, "ICV") \
    X(IP6_DATA, "Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { IP6_PROPS(NMX_PROP_ENUM) IP6_NPROPS };
static nmx_propdef ip6_props[] = { IP6_PROPS(NMX_PROP_DEF) };

#define IP6_HDR 40

/* Extension header numbers (RFC 8200 section 4). */
enum { EH_HOPOPTS = 0, EH_ROUTING = 43, EH_FRAGMENT = 44, EH_AH = 51, EH_NONE = 59, EH_DSTOPTS = 60 };

/* aux[0]: the header after the extension headers (bits 0-7), set when the
 * packet is a fragment (bit 8), More Fragments (bit 9), the fragment
 * offset in bytes (bits 16-31); aux[1]: the payload length in use. */
#define AUX_FRAG 0x100u
#define AUX_MORE 0x200u

static bool is_ext(uint8_t nh)
{
    return nh == EH_HOPOPTS || nh == EH_ROUTING || nh == EH_FRAGMENT || nh == EH_AH ||
           nh == EH_DSTOPTS;
}

/* The options of a Hop-by-Hop or Destination Options header at [o, end).
 * Returns the Jumbo Payload length (0 if none); *jumbo_at is its offset. */
static uint32_t ip6_options(nmx_dis *d, nmx_rd *r, uint32_t o, uint32_t end, bool hop,
                            uint32_t *jumbo_at)
{
    uint32_t jumbo = 0;
    while (o < end) {
        uint8_t type = nmx_rd_u8(r, o);
        if (!nmx_rd_ok(r))
            return jumbo;
        nmx_dis_attach(d, IP6_OPT_TYPE, o, 1);
        if (type == 0) {          /* Pad1: a single byte */
            o++;
            continue;
        }
        uint8_t len = nmx_rd_u8(r, o + 1);
        if (!nmx_rd_ok(r))
            return jumbo;
        PROPERTYINST *pl = nmx_dis_attach(d, IP6_OPT_LEN, o + 1, 1);
        /* The length byte itself may lie past the header (o + 1 == end). */
        if (o + 2 > end || len > end - o - 2) {
            nmx_dis_malformed(d, pl);
            return jumbo;
        }
        if (type == 0xC2 && hop) {
            /* RFC 2675: 4 bytes, only in the Hop-by-Hop header. */
            PROPERTYINST *pj = nmx_dis_attach(d, IP6_JUMBO, o + 2, len);
            uint32_t v = nmx_rd_be32(r, o + 2);
            if (len != 4 || v <= 0xFFFFu) {
                nmx_dis_malformed(d, pj);
            } else if (nmx_rd_ok(r)) {
                jumbo = v;
                *jumbo_at = o;
            }
        } else if (len > 0) {
            nmx_dis_attach(d, IP6_OPT_DATA, o + 2, len);
        }
        o += 2u + len;
    }
    return jumbo;
}

static void ip6_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint32_t vtf = nmx_rd_be32(&r, 0);
    uint16_t plen = nmx_rd_be16(&r, 4);
    uint8_t nh = nmx_rd_u8(&r, 6);
    bool attach = nmx_dis_attaching(d);
    if (attach) {
        nmx_dis_attach(d, IP6_SUMMARY, 0, r.len < IP6_HDR ? r.len : IP6_HDR);
        /* From the first byte itself: vtf is 0 when fewer than 4 bytes are
         * there, which would make a cut header's version look wrong. */
        uint8_t v = (uint8_t)(nmx_rd_has(&r, 0, 1) ? nmx_rd_u8(&r, 0) >> 4 : 0);
        PROPERTYINST *pv = nmx_dis_attach_ex(d, IP6_VERSION, 0, 1, &v, 1, 1);
        if (nmx_rd_has(&r, 0, 1) && v != 6)
            nmx_dis_malformed(d, pv);
        v = (uint8_t)(vtf >> 20);
        nmx_dis_attach_ex(d, IP6_TCLASS, 0, 2, &v, 1, 1);
        uint32_t flow = vtf & 0xFFFFFu;
        nmx_dis_attach_ex(d, IP6_FLOW, 1, 3, &flow, sizeof flow, 1);
        nmx_dis_attach(d, IP6_PLEN, 4, 2);
        nmx_dis_attach(d, IP6_NXT, 6, 1);
        nmx_dis_attach(d, IP6_HLIM, 7, 1);
        nmx_dis_attach(d, IP6_SRC, 8, 16);
        nmx_dis_attach(d, IP6_DST, 24, 16);
    }
    /* The first byte alone can prove the header wrong: judged before the
     * length, so that the status is the same whether or not instances are
     * attached (attaching marks the Version instance malformed above). */
    if (nmx_rd_has(&r, 0, 1) && (nmx_rd_u8(&r, 0) >> 4) != 6) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    if (!nmx_rd_need(&r, 0, IP6_HDR)) {
        /* Cut by the capture, or a packet shorter than its own header. */
        if (s.wire < IP6_HDR)
            nmx_dis_malformed(d, NULL);
        else
            nmx_dis_truncated(d);
        return;
    }
    /* The packet's length: 40 + Payload Length; 0 means a jumbogram (the
     * Jumbo Payload option says) or, without that option, a packet whose
     * length only the frame knows (segmentation offload writes 0, as for
     * IPv4). More than the frame holds is malformed; what is there is used. */
    uint32_t dlen = IP6_HDR + (uint32_t)plen;
    if (plen == 0) {
        dlen = s.wire;
    } else if (dlen > s.wire) {
        nmx_dis_malformed(d, NULL);
        dlen = s.wire;
    }

    uint32_t o = IP6_HDR;
    bool fragment = false, more = false, jumbo_seen = false, truncated = false;
    uint32_t fragoff = 0;
    for (unsigned n = 0; is_ext(nh); n++) {
        uint32_t hlen;
        uint8_t next = nmx_rd_u8(&r, o);
        uint8_t xl = nmx_rd_u8(&r, o + 1);
        if (!nmx_rd_ok(&r)) {
            truncated = true;
            break;
        }
        if (nh == EH_FRAGMENT)
            hlen = 8;
        else if (nh == EH_AH)
            hlen = ((uint32_t)xl + 2) * 4;
        else
            hlen = ((uint32_t)xl + 1) * 8;
        unsigned hprop = nh == EH_HOPOPTS ? IP6_HOPOPTS : nh == EH_ROUTING ? IP6_ROUTING
                       : nh == EH_FRAGMENT ? IP6_FRAGHDR : nh == EH_AH ? IP6_AH : IP6_DSTOPTS;
        PROPERTYINST *ph = nmx_dis_attach(d, hprop, o, hlen <= r.len - o ? hlen : r.len - o);
        /* RFC 8200 4.3: Hop-by-Hop Options only right after the header. */
        if (nh == EH_HOPOPTS && n != 0)
            nmx_dis_malformed(d, ph);
        nmx_dis_attach(d, IP6_EXT_NXT, o, 1);
        if (nh != EH_FRAGMENT) {
            uint16_t bytes = (uint16_t)hlen;
            nmx_dis_attach_ex(d, IP6_EXT_LEN, o + 1, 1, &bytes, sizeof bytes, 2);
        }
        if (hlen > dlen - o) {
            /* The header claims more than the packet holds. */
            nmx_dis_malformed(d, ph);
            return;
        }
        if (!nmx_rd_need(&r, o, hlen)) {
            /* Cut by the capture: judge and show what is there, hand
             * nothing off. The header's captured part is judged in both
             * modes, so that a bad option length or a short AH makes the
             * layer malformed whether or not instances are attached. */
            truncated = true;
        }
        switch (nh) {
        case EH_HOPOPTS:
        case EH_DSTOPTS: {
            uint32_t jat = 0;
            uint32_t j = ip6_options(d, &r, o + 2, o + hlen, nh == EH_HOPOPTS, &jat);
            if (j) {
                jumbo_seen = true;
                if (plen != 0) {
                    /* RFC 2675: a jumbogram's Payload Length is 0. */
                    nmx_dis_malformed(d, NULL);
                } else if (j > s.wire - IP6_HDR || IP6_HDR + j < o + hlen) {
                    nmx_dis_malformed(d, NULL);
                } else {
                    dlen = IP6_HDR + j;
                }
            }
            break;
        }
        case EH_ROUTING:
            nmx_dis_attach(d, IP6_RT_TYPE, o + 2, 1);
            nmx_dis_attach(d, IP6_RT_LEFT, o + 3, 1);
            nmx_dis_attach(d, IP6_RT_DATA, o + 4, hlen - 4);
            break;
        case EH_FRAGMENT: {
            uint16_t f = nmx_rd_be16(&r, o + 2);
            if (nmx_rd_ok(&r)) {
                fragoff = (uint32_t)(f >> 3) * 8u;
                more = (f & 1u) != 0;
                fragment = fragoff != 0 || more;
            }
            if (attach) {
                uint16_t fo = (uint16_t)fragoff;
                nmx_dis_attach_ex(d, IP6_FRAGOFF, o + 2, 2, &fo, sizeof fo, 2);
                uint8_t m = (uint8_t)(f & 1u);
                nmx_dis_attach_ex(d, IP6_FRAGFLAGS, o + 3, 1, &m, 1, 2);
                nmx_dis_attach(d, IP6_FRAGID, o + 4, 4);
            }
            break;
        }
        case EH_AH:
            /* RFC 4302 2.2: at least SPI and Sequence Number. */
            if (hlen < 12)
                nmx_dis_malformed(d, ph);
            nmx_dis_attach(d, IP6_AH_SPI, o + 4, 4);
            nmx_dis_attach(d, IP6_AH_SEQ, o + 8, 4);
            if (hlen > 12)
                nmx_dis_attach(d, IP6_AH_ICV, o + 12, hlen - 12);
            break;
        default:
            break;
        }
        nh = next;
        o += hlen;
        if (truncated)
            break;
    }
    /* RFC 2675: the Jumbo Payload option and a Fragment header exclude
     * each other. */
    if (jumbo_seen && fragment)
        nmx_dis_malformed(d, NULL);
    nmx_dis_set_aux(d, 0, (uint32_t)nh | (fragment ? AUX_FRAG : 0) | (more ? AUX_MORE : 0) |
                              (fragoff > 0xFFFFu ? 0xFFFFu : fragoff) << 16);
    nmx_dis_set_aux(d, 1, dlen - IP6_HDR);
    if (truncated) {
        nmx_dis_truncated(d);
        return;
    }
    if (o > dlen) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    nmx_span dg = nmx_span_sub(s, 0, dlen);
    nmx_span pl = nmx_span_sub(dg, o, dlen - o);
    if (pl.wire == 0)
        return;
    nmx_dis_attach(d, IP6_DATA, o, pl.len);
    if (!fragment && nh != EH_NONE)
        nmx_dis_next(d, NMX_HO_IPPROTO, nh, pl);
}

static size_t ip6_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != IP6_SUMMARY)
        return (size_t)-1;
    if (c->layer->caplen < IP6_HDR)
        return (size_t)snprintf(buf, n, "Truncated IP6 header");
    uint32_t a0 = nmx_fmt_aux(c, 0), plen = nmx_fmt_aux(c, 1);
    uint8_t nh = (uint8_t)a0;
    const char *p = nmx__ipproto_abbrev(nh, true);
    char nhs[8];
    if (!p) {
        snprintf(nhs, sizeof nhs, "0x%X", nh);
        p = nhs;
    }
    if (a0 & AUX_FRAG)
        return (size_t)snprintf(buf, n, "Next Header = %s; Payload Length = %u; Fragment Offset = %u%s",
                                p, plen, a0 >> 16, (a0 & AUX_MORE) ? ", More Fragments" : "");
    return (size_t)snprintf(buf, n, "Next Header = %s; Payload Length = %u", p, plen);
}

const nmx_protocol nmx_proto_ip6 = {
    .name = "IP6",
    .comment = "Internet Protocol version 6",
    .aliases = "IPv6|IPV6|Ipv6",
    .props = ip6_props,
    .nprops = IP6_NPROPS,
    .dissect = ip6_dissect,
    .format = ip6_format,
    .handoff = { { NMX_HO_ETHERTYPE, 0x86DD }, { NMX_HO_LINKTYPE, 229 }, { NMX_HO_PPP, 0x0057 },
                 { NMX_HO_IPPROTO, 41 }, { NMX_HO_NULL_AF, 10 }, { NMX_HO_NULL_AF, 24 },
                 { NMX_HO_NULL_AF, 28 }, { NMX_HO_NULL_AF, 30 } },
};
