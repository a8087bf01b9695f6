/*
 * \summary: Internet Control Message Protocol
 *
 * specification: RFC 792 (messages, codes); RFC 1122 3.2.2 and RFC 1812
 * 5.2.7 (codes 6-15 of Destination Unreachable); RFC 1191 (Next-Hop MTU);
 * RFC 1256 (router advertisement and solicitation); RFC 950 (address mask);
 * RFC 4884 (the Length of the original datagram and the extension
 * structure after it); RFC 8335 (extended echo).
 *
 * Names: no Network Monitor 2.x ICMP parser text is published; the
 * protocol is "ICMP" (what IP's summary prints for protocol 1) and the
 * labels are RFC 792's field names in the IP parser's style.
 *
 * Brought here by: IP protocol 1. An error message (Destination
 * Unreachable 3, Source Quench 4, Redirect 5, Time Exceeded 11, Parameter
 * Problem 12) quotes the offending datagram: it is handed to IP, declared
 * as long as its own Total Length says (nmx_span_quoted), since the sender
 * keeps only its first bytes.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      |     Code      |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Identifier / Gateway / Pointer, Length, Next-Hop MTU / unused |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  echo data, timestamps, or the offending datagram's IP header  |
 *   |  and at least its first 64 bits; RFC 4884 extension objects    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <stdio.h>

#include "dissect/icmp_common.h"

/* IANA "ICMP Type Numbers". */
static LABELED_BYTE icmp_types[] = {
    { 0, NMX_STR("Echo Reply") }, { 3, NMX_STR("Destination Unreachable") },
    { 4, NMX_STR("Source Quench") }, { 5, NMX_STR("Redirect") },
    { 8, NMX_STR("Echo Request") }, { 9, NMX_STR("Router Advertisement") },
    { 10, NMX_STR("Router Solicitation") }, { 11, NMX_STR("Time Exceeded") },
    { 12, NMX_STR("Parameter Problem") }, { 13, NMX_STR("Timestamp") },
    { 14, NMX_STR("Timestamp Reply") }, { 15, NMX_STR("Information Request") },
    { 16, NMX_STR("Information Reply") }, { 17, NMX_STR("Address Mask Request") },
    { 18, NMX_STR("Address Mask Reply") }, { 30, NMX_STR("Traceroute") },
    { 42, NMX_STR("Extended Echo Request") }, { 43, NMX_STR("Extended Echo Reply") },
};
static SET icmp_type_set = { sizeof icmp_types / sizeof icmp_types[0], { .lpLabeledByteTable = icmp_types } };

#define ICMP_PROPS(X) \
    NMX__ICMP_HEAD_PROPS(X, ICMP_, &icmp_type_set) \
    X(ICMP_GATEWAY, "Gateway Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Gateway") \
    X(ICMP_POINTER, "Pointer", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_LENGTH, "Original Datagram Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_BYTES, "Length") \
    X(ICMP_MTU, "Next-Hop MTU", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_ORIG_TS, "Originate Timestamp", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_RECV_TS, "Receive Timestamp", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_XMIT_TS, "Transmit Timestamp", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_MASK, "Address Mask", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_NADDRS, "Number of Addresses", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_ENTRY_SIZE, "Address Entry Size", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_LIFETIME, "Lifetime", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_ROUTER, "Router Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_PREF, "Preference Level", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_ORIG, "Original Datagram", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    X(ICMP_EXT, "Extension Structure", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(ICMP_EXT_VERSION, "Extension Version", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_EXT_CHECKSUM, "Extension Checksum", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_HEX, NULL) \
    X(ICMP_OBJ_LEN, "Object Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_OBJ_CLASS, "Object Class", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_OBJ_CTYPE, "Object C-Type", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_OBJ_DATA, "Object Data", PROP_TYPE_RAW_DATA, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(ICMP_DATA, "Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { ICMP_PROPS(NMX_PROP_ENUM) ICMP_NPROPS };
static nmx_propdef icmp_props[] = { ICMP_PROPS(NMX_PROP_DEF) };

#define ICMP_HDR NMX__ICMP_HDR

enum {
    T_ECHO_REPLY = 0, T_UNREACH = 3, T_QUENCH = 4, T_REDIRECT = 5, T_ECHO = 8, T_ROUTER_ADV = 9,
    T_ROUTER_SOL = 10, T_TIME_EXCEEDED = 11, T_PARAM = 12, T_TS = 13, T_TS_REPLY = 14,
    T_INFO = 15, T_INFO_REPLY = 16, T_MASK = 17, T_MASK_REPLY = 18, T_XECHO = 42, T_XECHO_REPLY = 43,
};

static bool is_error(uint8_t t)
{
    return t == T_UNREACH || t == T_QUENCH || t == T_REDIRECT || t == T_TIME_EXCEEDED ||
           t == T_PARAM;
}

/* The RFC 4884 extension structure at [o, end): a 4-byte header (version
 * 2), then objects of a 4-byte header each and a length counting it. */
static void icmp_extension(nmx_dis *d, nmx_rd *r, uint32_t o, uint32_t end)
{
    nmx_dis_attach(d, ICMP_EXT, o, end - o);
    uint8_t v = (uint8_t)(nmx_rd_u8(r, o) >> 4);
    if (!nmx_rd_need(r, o, 4)) {
        nmx_dis_truncated(d);
        return;
    }
    PROPERTYINST *pv = nmx_dis_attach_ex(d, ICMP_EXT_VERSION, o, 1, &v, 1, 2);
    if (v != 2) {
        nmx_dis_malformed(d, pv);
        return;
    }
    nmx_dis_attach(d, ICMP_EXT_CHECKSUM, o + 2, 2);
    for (o += 4; o < end;) {
        uint16_t len = nmx_rd_be16(r, o);
        if (!nmx_rd_need(r, o, 4)) {
            nmx_dis_truncated(d);
            return;
        }
        PROPERTYINST *pl = nmx_dis_attach(d, ICMP_OBJ_LEN, o, 2);
        nmx_dis_attach(d, ICMP_OBJ_CLASS, o + 2, 1);
        nmx_dis_attach(d, ICMP_OBJ_CTYPE, o + 3, 1);
        if (len < 4 || len > end - o) {
            nmx_dis_malformed(d, pl);
            return;
        }
        if (len > 4)
            nmx_dis_attach(d, ICMP_OBJ_DATA, o + 4, len - 4u);
        if (!nmx_rd_need(r, o, len)) {
            nmx_dis_truncated(d);
            return;
        }
        o += len;
    }
}

static void icmp_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t type = nmx_rd_u8(&r, 0);
    uint8_t len = nmx_rd_u8(&r, 5);
    bool attach = nmx_dis_attaching(d);
    if (attach) {
        nmx__icmp_attach_header(d, &r, ICMP_SUMMARY);
        switch (type) {
        case T_ECHO_REPLY: case T_ECHO: case T_TS: case T_TS_REPLY: case T_INFO:
        case T_INFO_REPLY: case T_MASK: case T_MASK_REPLY: case T_XECHO: case T_XECHO_REPLY:
            nmx_dis_attach(d, ICMP_ID, 4, 2);
            nmx_dis_attach(d, ICMP_SEQ, 6, 2);
            break;
        case T_REDIRECT:
            nmx_dis_attach(d, ICMP_GATEWAY, 4, 4);
            break;
        case T_PARAM:
            nmx_dis_attach(d, ICMP_POINTER, 4, 1);
            break;
        case T_ROUTER_ADV:
            nmx_dis_attach(d, ICMP_NADDRS, 4, 1);
            nmx_dis_attach(d, ICMP_ENTRY_SIZE, 5, 1);
            nmx_dis_attach(d, ICMP_LIFETIME, 6, 2);
            break;
        default:
            break;
        }
        if (type == T_UNREACH || type == T_TIME_EXCEEDED || type == T_PARAM) {
            uint16_t bytes = (uint16_t)(len * 4u);
            nmx_dis_attach_ex(d, ICMP_LENGTH, 5, 1, &bytes, sizeof bytes, 1);
        }
        if (type == T_UNREACH && nmx_rd_u8(&r, 1) == 4)
            nmx_dis_attach(d, ICMP_MTU, 6, 2);
    }
    if (!nmx__icmp_need_header(d, &r, s))
        return;
    uint32_t end = s.wire; /* the message ends where IP's payload does */
    if (!is_error(type)) {
        uint32_t o = ICMP_HDR;
        switch (type) {
        case T_TS:
        case T_TS_REPLY:
            nmx_dis_attach(d, ICMP_ORIG_TS, 8, 4);
            nmx_dis_attach(d, ICMP_RECV_TS, 12, 4);
            nmx_dis_attach(d, ICMP_XMIT_TS, 16, 4);
            o = 20;
            break;
        case T_MASK:
        case T_MASK_REPLY:
            nmx_dis_attach(d, ICMP_MASK, 8, 4);
            o = 12;
            break;
        case T_ROUTER_ADV: {
            uint8_t na = nmx_rd_u8(&r, 4), es = nmx_rd_u8(&r, 5);
            /* RFC 1256: Number of Addresses entries of Address Entry Size
             * 32-bit words (at least 2: address and preference). */
            if (es < 2) {
                nmx_dis_malformed(d, NULL);
                break;
            }
            for (unsigned i = 0; i < na && o < end; i++, o += es * 4u) {
                nmx_dis_attach(d, ICMP_ROUTER, o, 4);
                nmx_dis_attach(d, ICMP_PREF, o + 4, 4);
            }
            break;
        }
        default:
            break;
        }
        if (o > end) {
            nmx_dis_malformed(d, NULL);
            return;
        }
        /* Recognising only attaches nothing: the read says what is missing. */
        if (!nmx_rd_need(&r, 0, o))
            nmx_dis_truncated(d);
        if (o < end) {
            nmx_span rest = nmx_span_from(s, o);
            nmx_dis_attach(d, ICMP_DATA, o, rest.len);
        }
        return;
    }

    /* An error message: the original datagram, then (RFC 4884) maybe an
     * extension structure. Length 0 is the pre-4884 form: all the rest is
     * the datagram. Source Quench and Redirect carry no Length. */
    bool has_len = type != T_QUENCH && type != T_REDIRECT;
    uint32_t ext;
    nmx_span q = nmx__icmp_quote(d, &r, s, ICMP_ORIG, has_len ? len * 4u : 0, &ext);
    if (ext)
        icmp_extension(d, &r, ext, end);
    if (q.len == 0)
        return;
    /* The quoted datagram declares its length in Total Length. */
    nmx_rd rq = nmx_dis_rd(d, q);
    uint16_t total = nmx_rd_be16(&rq, 2);
    nmx_dis_next_proto(d, &nmx_proto_ipv4, nmx_span_quoted(q, total));
}

/* Names of the codes of one type (RFC 792, RFC 1122, RFC 1812). */
static const char *code_name(uint8_t type, uint8_t code)
{
    static const char *const unreach[] = {
        "Net Unreachable", "Host Unreachable", "Protocol Unreachable", "Port Unreachable",
        "Fragmentation Needed and DF Set", "Source Route Failed",
        "Destination Network Unknown", "Destination Host Unknown", "Source Host Isolated",
        "Network Administratively Prohibited", "Host Administratively Prohibited",
        "Network Unreachable for Type of Service", "Host Unreachable for Type of Service",
        "Communication Administratively Prohibited", "Host Precedence Violation",
        "Precedence Cutoff in Effect",
    };
    static const char *const redirect[] = {
        "Redirect for Network", "Redirect for Host", "Redirect for Type of Service and Network",
        "Redirect for Type of Service and Host",
    };
    static const char *const exceeded[] = {
        "Time to Live exceeded in Transit", "Fragment Reassembly Time Exceeded",
    };
    static const char *const param[] = {
        "Pointer indicates the error", "Missing a Required Option", "Bad Length",
    };
    switch (type) {
    case T_UNREACH:
        return NMX__ICMP_CODE_NAME(unreach, code);
    case T_REDIRECT:
        return NMX__ICMP_CODE_NAME(redirect, code);
    case T_TIME_EXCEEDED:
        return NMX__ICMP_CODE_NAME(exceeded, code);
    case T_PARAM:
        return NMX__ICMP_CODE_NAME(param, code);
    case T_ROUTER_ADV:
        return code == 0 ? "Normal Router Advertisement"
             : code == 16 ? "Does not Route Common Traffic" : NULL;
    default:
        return NULL;
    }
}

static size_t icmp_summary(const uint8_t *h, uint32_t cap, const char *tn, char *buf, size_t n)
{
    (void)cap;
    switch (h[0]) {
    case T_ECHO_REPLY: case T_ECHO: case T_TS: case T_TS_REPLY: case T_INFO:
    case T_INFO_REPLY: case T_MASK: case T_MASK_REPLY: case T_XECHO: case T_XECHO_REPLY:
        return nmx__icmp_echo_summary(h, tn, buf, n);
    case T_REDIRECT: {
        const char *cn = code_name(h[0], h[1]);
        return (size_t)snprintf(buf, n, "%s: %s, Gateway = %u.%u.%u.%u", tn, cn ? cn : "Unknown code",
                                h[4], h[5], h[6], h[7]);
    }
    default:
        return (size_t)-1;
    }
}

NMX__ICMP_FORMAT(icmp_format, .name = "ICMP", .summary_prop = ICMP_SUMMARY, .code_prop = ICMP_CODE,
                 .types = icmp_types, .ntypes = sizeof icmp_types / sizeof *icmp_types,
                 .code_name = code_name, .summary = icmp_summary, .code_number = true)

const nmx_protocol nmx_proto_icmp = {
    .name = "ICMP",
    .comment = "Internet Control Message Protocol",
    .aliases = "Icmp",
    .props = icmp_props,
    .nprops = ICMP_NPROPS,
    .dissect = icmp_dissect,
    .format = icmp_format,
    .handoff = { { NMX_HO_IPPROTO, 1 } },
};
