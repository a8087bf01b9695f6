/*
 * \summary: Internet Control Message Protocol for IPv6
 *
 * specification: RFC 4443 (messages, error codes); RFC 4861 (Neighbor
 * Discovery: types 133-137 and their options); RFC 4191 (route
 * information and router preference); RFC 2710 and RFC 3810 (Multicast
 * Listener Discovery, versions 1 and 2); RFC 4884 (the Length of the
 * original packet and the extension structure, for types 1 and 3).
 *
 * Names: no Network Monitor 2.x ICMPv6 parser text is published; the
 * protocol is "ICMP6" in the style of "IP6" ("ICMPv6" and "Icmpv6", Network
 * Monitor 3.x's spelling, are aliases) and the labels are the RFCs' field
 * names in the IP parser's style.
 *
 * Brought here by: IP protocol (IPv6 Next Header) 58. An error message
 * (Destination Unreachable 1, Packet Too Big 2, Time Exceeded 3, Parameter
 * Problem 4) quotes the offending packet: it is handed to IP6, declared as
 * long as its Payload Length says (nmx_span_quoted).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      |     Code      |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Message Body                          |
 *   +                                                               +
 *
 * Neighbor Discovery options (RFC 4861 4.6), after the fixed fields:
 *   +---------------+---------------+------------------------------+
 *   |     Type      |    Length     |  (Length x 8 bytes in all)   |
 *   +---------------+---------------+------------------------------+
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "dissect/icmp_common.h"

/* IANA "ICMPv6 'type' Numbers". */
static LABELED_BYTE icmp6_types[] = {
    { 1, NMX_STR("Destination Unreachable") }, { 2, NMX_STR("Packet Too Big") },
    { 3, NMX_STR("Time Exceeded") }, { 4, NMX_STR("Parameter Problem") },
    { 128, NMX_STR("Echo Request") }, { 129, NMX_STR("Echo Reply") },
    { 130, NMX_STR("Multicast Listener Query") }, { 131, NMX_STR("Multicast Listener Report") },
    { 132, NMX_STR("Multicast Listener Done") }, { 133, NMX_STR("Router Solicitation") },
    { 134, NMX_STR("Router Advertisement") }, { 135, NMX_STR("Neighbor Solicitation") },
    { 136, NMX_STR("Neighbor Advertisement") }, { 137, NMX_STR("Redirect") },
    { 138, NMX_STR("Router Renumbering") }, { 139, NMX_STR("Node Information Query") },
    { 140, NMX_STR("Node Information Response") }, { 143, NMX_STR("Multicast Listener Report v2") },
    { 160, NMX_STR("Extended Echo Request") }, { 161, NMX_STR("Extended Echo Reply") },
};
static SET icmp6_type_set = { sizeof icmp6_types / sizeof icmp6_types[0], { .lpLabeledByteTable = icmp6_types } };

/* IANA "IPv6 Neighbor Discovery Option Formats". */
static LABELED_BYTE nd_opts[] = {
    { 1, NMX_STR("Source Link-Layer Address") }, { 2, NMX_STR("Target Link-Layer Address") },
    { 3, NMX_STR("Prefix Information") }, { 4, NMX_STR("Redirected Header") },
    { 5, NMX_STR("MTU") }, { 7, NMX_STR("Advertisement Interval") },
    { 8, NMX_STR("Home Agent Information") }, { 14, NMX_STR("Nonce") }, { 24, NMX_STR("Route Information") },
    { 25, NMX_STR("Recursive DNS Server") }, { 31, NMX_STR("DNS Search List") },
};
static SET nd_opt_set = { sizeof nd_opts / sizeof nd_opts[0], { .lpLabeledByteTable = nd_opts } };

static LABELED_BIT ra_bits[] = {
    { 7, NMX_STR("No managed address configuration"), NMX_STR("Managed address configuration") },
    { 6, NMX_STR("No other configuration"), NMX_STR("Other configuration") },
    { 5, NMX_STR("Not a home agent"), NMX_STR("Home agent") },
};
static SET ra_set = { 3, { .lpLabeledBit = ra_bits } };

static LABELED_BIT na_bits[] = {
    { 7, NMX_STR("Not a router"), NMX_STR("Router") },
    { 6, NMX_STR("Not solicited"), NMX_STR("Solicited") },
    { 5, NMX_STR("Do not override"), NMX_STR("Override") },
};
static SET na_set = { 3, { .lpLabeledBit = na_bits } };

static LABELED_BIT prefix_bits[] = {
    { 7, NMX_STR("Not on-link"), NMX_STR("On-link") },
    { 6, NMX_STR("Not for autonomous configuration"), NMX_STR("Autonomous address configuration") },
};
static SET prefix_set = { 2, { .lpLabeledBit = prefix_bits } };

#define ICMP6_PROPS(X) \
    NMX__ICMP_HEAD_PROPS(X, I6_, &icmp6_type_set) \
    X(I6_MTU, "MTU", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_POINTER, "Pointer", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_LENGTH, "Original Packet Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_BYTES, "Length") \
    X(I6_ORIG, "Original Packet", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    X(I6_HOPLIMIT, "Current Hop Limit", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_RA_FLAGS, "Router Advertisement Flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &ra_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_LIFETIME, "Router Lifetime", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_REACHABLE, "Reachable Time", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_RETRANS, "Retransmit Timer", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_NA_FLAGS, "Neighbor Advertisement Flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &na_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_TARGET, "Target Address", PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_DEST, "Destination Address", PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_MAXDELAY, "Maximum Response Delay", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_MCAST, "Multicast Address", PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_NRECORDS, "Number of Records", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_REC_TYPE, "Record Type", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_REC_MCAST, "Record Multicast Address", PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_NSOURCES, "Number of Sources", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_SOURCE, "Source Address", PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_OPT_TYPE, "Option Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &nd_opt_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(I6_OPT_LEN, "Option Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_BYTES, NULL) \
    X(I6_LLADDR, "Link-Layer Address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_PFX_LEN, "Prefix Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_PFX_FLAGS, "Prefix Flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &prefix_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_VALID, "Valid Lifetime", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_PREFERRED, "Preferred Lifetime", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_PREFIX, "Prefix", PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_OPT_MTU, "Option MTU", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_OPT_DATA, "Option Data", PROP_TYPE_RAW_DATA, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(I6_DATA, "Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { ICMP6_PROPS(NMX_PROP_ENUM) ICMP6_NPROPS };
static nmx_propdef icmp6_props[] = { ICMP6_PROPS(NMX_PROP_DEF) };

#define ICMP6_HDR NMX__ICMP_HDR
#define IP6_HDR 40

enum {
    T_UNREACH = 1, T_TOOBIG = 2, T_EXCEEDED = 3, T_PARAM = 4, T_ECHO = 128, T_ECHO_REPLY = 129,
    T_MLD_QUERY = 130, T_MLD_REPORT = 131, T_MLD_DONE = 132, T_RS = 133, T_RA = 134, T_NS = 135,
    T_NA = 136, T_REDIRECT = 137, T_MLD2_REPORT = 143, T_XECHO = 160, T_XECHO_REPLY = 161,
};

/* Neighbor Discovery options at [o, end) (RFC 4861 4.6). */
static void nd_options(nmx_dis *d, nmx_rd *r, uint32_t o, uint32_t end)
{
    while (o < end) {
        uint8_t type = nmx_rd_u8(r, o), units = nmx_rd_u8(r, o + 1);
        if (!nmx_rd_ok(r))
            return;
        uint32_t len = units * 8u;
        nmx_dis_attach(d, I6_OPT_TYPE, o, 1);
        uint16_t bytes = (uint16_t)len;
        PROPERTYINST *pl = nmx_dis_attach_ex(d, I6_OPT_LEN, o + 1, 1, &bytes, sizeof bytes, 2);
        /* RFC 4861 4.6: a length of 0 is invalid (and would never end). */
        if (len == 0 || len > end - o) {
            nmx_dis_malformed(d, pl);
            return;
        }
        nmx_rd_need(r, o, len);
        switch (type) {
        case 1:
        case 2:
            /* RFC 2464 8: on Ethernet, 6 bytes of address in 8. */
            if (len == 8)
                nmx_dis_attach(d, I6_LLADDR, o + 2, 6);
            else
                nmx_dis_attach(d, I6_OPT_DATA, o + 2, len - 2);
            break;
        case 3: {
            PROPERTYINST *pp = NULL;
            if (len != 32) {
                nmx_dis_malformed(d, pl);
                break;
            }
            pp = nmx_dis_attach(d, I6_PFX_LEN, o + 2, 1);
            if (nmx_rd_u8(r, o + 2) > 128)
                nmx_dis_malformed(d, pp);
            nmx_dis_attach(d, I6_PFX_FLAGS, o + 3, 1);
            nmx_dis_attach(d, I6_VALID, o + 4, 4);
            nmx_dis_attach(d, I6_PREFERRED, o + 8, 4);
            nmx_dis_attach(d, I6_PREFIX, o + 16, 16);
            break;
        }
        case 5:
            if (len != 8) {
                nmx_dis_malformed(d, pl);
                break;
            }
            nmx_dis_attach(d, I6_OPT_MTU, o + 4, 4);
            break;
        default:
            nmx_dis_attach(d, I6_OPT_DATA, o + 2, len - 2);
            break;
        }
        o += len;
    }
}

/* Multicast Listener Report v2 records (RFC 3810 5.2) from o. */
static void mld2_records(nmx_dis *d, nmx_rd *r, uint32_t o, uint32_t end, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++) {
        uint8_t aux = nmx_rd_u8(r, o + 1);
        uint16_t ns = nmx_rd_be16(r, o + 2);
        if (!nmx_rd_ok(r))
            return;
        uint32_t rl = 20u + ns * 16u + aux * 4u;
        nmx_dis_attach(d, I6_REC_TYPE, o, 1);
        PROPERTYINST *pn = nmx_dis_attach(d, I6_NSOURCES, o + 2, 2);
        nmx_dis_attach(d, I6_REC_MCAST, o + 4, 16);
        if (rl > end - o) {
            nmx_dis_malformed(d, pn);
            return;
        }
        nmx_rd_need(r, o, rl);
        for (uint32_t k = 0; k < ns; k++)
            nmx_dis_attach(d, I6_SOURCE, o + 20 + k * 16, 16);
        o += rl;
    }
}

static void icmp6_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t type = nmx_rd_u8(&r, 0);
    bool attach = nmx_dis_attaching(d);
    if (attach)
        nmx__icmp_attach_header(d, &r, I6_SUMMARY);
    if (!nmx__icmp_need_header(d, &r, s))
        return;
    uint32_t end = s.wire;
    if (type < 128) {
        /* An error message: the offending packet from byte 8. */
        if (type == T_TOOBIG)
            nmx_dis_attach(d, I6_MTU, 4, 4);
        else if (type == T_PARAM)
            nmx_dis_attach(d, I6_POINTER, 4, 4);
        uint8_t len = nmx_rd_u8(&r, 4);
        bool has_len = type == T_UNREACH || type == T_EXCEEDED;
        if (has_len) {
            uint16_t bytes = (uint16_t)(len * 8u);
            nmx_dis_attach_ex(d, I6_LENGTH, 4, 1, &bytes, sizeof bytes, 1);
        }
        /* RFC 4884 4.4: Length counts 64-bit words. */
        uint32_t ext;
        nmx_span q = nmx__icmp_quote(d, &r, s, I6_ORIG, has_len ? len * 8u : 0, &ext);
        if (ext)
            nmx_dis_attach(d, I6_DATA, ext, nmx_span_from(s, ext).len);
        nmx_rd rq = nmx_dis_rd(d, q);
        uint16_t plen = nmx_rd_be16(&rq, 4);
        nmx_dis_next_proto(d, &nmx_proto_ip6, nmx_span_quoted(q, plen ? IP6_HDR + plen : 0));
        return;
    }
    uint32_t o = ICMP6_HDR;  /* where options or data start */
    bool nd = false;
    switch (type) {
    case T_ECHO:
    case T_ECHO_REPLY:
    case T_XECHO:
    case T_XECHO_REPLY:
        nmx_dis_attach(d, I6_ID, 4, 2);
        nmx_dis_attach(d, I6_SEQ, 6, 2);
        break;
    case T_MLD_QUERY:
    case T_MLD_REPORT:
    case T_MLD_DONE:
        nmx_dis_attach(d, I6_MAXDELAY, 4, 2);
        nmx_dis_attach(d, I6_MCAST, 8, 16);
        o = 24;
        if (type == T_MLD_QUERY && end >= 28) {
            /* RFC 3810 5.1: the version 2 query adds sources. */
            uint16_t ns = nmx_rd_be16(&r, 26);
            PROPERTYINST *pn = nmx_dis_attach(d, I6_NSOURCES, 26, 2);
            if (nmx_rd_ok(&r) && 28u + ns * 16u > end) {
                nmx_dis_malformed(d, pn);
                return;
            }
            for (uint32_t k = 0; k < ns; k++)
                nmx_dis_attach(d, I6_SOURCE, 28 + k * 16, 16);
            o = 28u + ns * 16u;
        }
        break;
    case T_MLD2_REPORT: {
        uint16_t n = nmx_rd_be16(&r, 6);
        nmx_dis_attach(d, I6_NRECORDS, 6, 2);
        mld2_records(d, &r, 8, end, n);
        if (!nmx_rd_ok(&r))
            nmx_dis_truncated(d);
        return;
    }
    case T_RS:
        nd = true;
        break;
    case T_RA:
        nmx_dis_attach(d, I6_HOPLIMIT, 4, 1);
        nmx_dis_attach(d, I6_RA_FLAGS, 5, 1);
        nmx_dis_attach(d, I6_LIFETIME, 6, 2);
        nmx_dis_attach(d, I6_REACHABLE, 8, 4);
        nmx_dis_attach(d, I6_RETRANS, 12, 4);
        o = 16;
        nd = true;
        break;
    case T_NS:
    case T_NA:
        if (type == T_NA)
            nmx_dis_attach(d, I6_NA_FLAGS, 4, 1);
        nmx_dis_attach(d, I6_TARGET, 8, 16);
        o = 24;
        nd = true;
        break;
    case T_REDIRECT:
        nmx_dis_attach(d, I6_TARGET, 8, 16);
        nmx_dis_attach(d, I6_DEST, 24, 16);
        o = 40;
        nd = true;
        break;
    default:
        break;
    }
    if (o > end) {
        /* Shorter than its fixed fields. */
        nmx_dis_malformed(d, NULL);
        return;
    }
    /* Recognising only attaches nothing: the reads say what is missing. */
    nmx_rd_need(&r, 0, o);
    if (nd)
        nd_options(d, &r, o, end);
    else if (o < end)
        nmx_dis_attach(d, I6_DATA, o, nmx_span_from(s, o).len);
    if (!nmx_rd_ok(&r))
        nmx_dis_truncated(d);
}

static const char *code_name(uint8_t type, uint8_t code)
{
    static const char *const unreach[] = {
        "No route to destination", "Communication with destination administratively prohibited",
        "Beyond scope of source address", "Address unreachable", "Port unreachable",
        "Source address failed ingress/egress policy", "Reject route to destination",
        "Error in Source Routing Header",
    };
    static const char *const exceeded[] = {
        "Hop limit exceeded in transit", "Fragment reassembly time exceeded",
    };
    static const char *const param[] = {
        "Erroneous header field encountered", "Unrecognized Next Header type encountered",
        "Unrecognized IPv6 option encountered", "IPv6 First Fragment has incomplete IPv6 Header Chain",
    };
    switch (type) {
    case T_UNREACH:
        return NMX__ICMP_CODE_NAME(unreach, code);
    case T_EXCEEDED:
        return NMX__ICMP_CODE_NAME(exceeded, code);
    case T_PARAM:
        return NMX__ICMP_CODE_NAME(param, code);
    default:
        return NULL;
    }
}

static size_t icmp6_summary(const uint8_t *h, uint32_t cap, const char *tn, char *buf, size_t n)
{
    switch (h[0]) {
    case T_ECHO:
    case T_ECHO_REPLY:
    case T_XECHO:
    case T_XECHO_REPLY:
        return nmx__icmp_echo_summary(h, tn, buf, n);
    case T_TOOBIG:
        return (size_t)snprintf(buf, n, "%s: MTU = %u", tn,
                                (unsigned)h[4] << 24 | (unsigned)h[5] << 16 | (unsigned)h[6] << 8 | h[7]);
    case T_NS:
    case T_NA:
    case T_REDIRECT:
        if (cap >= 24) {
            char a[INET6_ADDRSTRLEN];
            if (!inet_ntop(AF_INET6, h + 8, a, sizeof a))
                a[0] = 0;
            return (size_t)snprintf(buf, n, "%s: Target = %s", tn, a);
        }
        return (size_t)snprintf(buf, n, "%s", tn);
    default:
        return (size_t)-1;
    }
}

NMX__ICMP_FORMAT(icmp6_format, .name = "ICMP6", .summary_prop = I6_SUMMARY, .code_prop = I6_CODE,
                 .types = icmp6_types, .ntypes = sizeof icmp6_types / sizeof *icmp6_types,
                 .code_name = code_name, .summary = icmp6_summary, .code_number = false)

const nmx_protocol nmx_proto_icmp6 = {
    .name = "ICMP6",
    .comment = "Internet Control Message Protocol for IPv6",
    .aliases = "ICMPv6|Icmpv6",
    .props = icmp6_props,
    .nprops = ICMP6_NPROPS,
    .dissect = icmp6_dissect,
    .format = icmp6_format,
    .handoff = { { NMX_HO_IPPROTO, 58 } },
};
