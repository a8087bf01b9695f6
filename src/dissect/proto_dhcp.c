/*
 * \summary: Dynamic Host Configuration Protocol (and BOOTP)
 *
 * specification: RFC 951 (BOOTP), RFC 2131 (DHCP), RFC 2132 (options and
 * the magic cookie 99.130.83.99), RFC 1700 (hardware types).
 *
 * Brought here by: UDP ports 67 (server) and 68 (client). One parser for
 * BOOTP and DHCP, as in Network Monitor. Hands off nothing. Options are
 * read from the options field only (an option 52 "overload" of the sname
 * and file fields is shown as the option, not followed).
 *
 * Labels and texts are Network Monitor 2.x's (netmon-parsers §3.11, §4):
 * "Op Code (op)", "Transaction ID (xid)", "Client Ethernet Address
 * (chaddr)", "Magic Cookie = [OK]", "DHCP Message Type = DHCP Discover",
 * "Client-identifier = (Type: 1) 08 00 2b 2e d8 5e", lease times as
 * "8 Days, 0:00:00", the summary "Discover (xid=21274A1D)". Ours, in the
 * same style: "Domain Name", "Domain Name Server", "Broadcast Address",
 * "Vendor Class Identifier", "Maximum DHCP Message Size", "Option
 * Overload", "Other Option" (any other code: "(Code: 81) (Length: 3) ..."),
 * the BOOTP summaries "Boot Request (xid=...)" / "Boot Reply (xid=...)",
 * and "Magic Cookie = [Not DHCP] 0x..." for a BOOTP vendor area.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------+---------------+---------------+---------------+
 *   |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
 *   +---------------+---------------+---------------+---------------+
 *   |                            xid (4)                            |
 *   +-------------------------------+-------------------------------+
 *   |           secs (2)            |           flags (2)           |
 *   +-------------------------------+-------------------------------+
 *   |          ciaddr, yiaddr, siaddr, giaddr (4 each)              |
 *   +---------------------------------------------------------------+
 *   |          chaddr (16), sname (64), file (128)                  |
 *   +---------------------------------------------------------------+
 *   |          magic cookie (4), options (variable)                 |
 *   +---------------------------------------------------------------+
 */
#include <stdio.h>
#include <string.h>

#include "dissect/dissect_int.h"

static LABELED_BIT dhcp_flag_bits[] = {
    { 15, NMX_STR("No Broadcast"), NMX_STR("Broadcast") },
};
static SET dhcp_flag_set = { 1, { .lpLabeledBit = dhcp_flag_bits } };

/* RFC 2132 §9.6, RFC 3203 (9), RFC 4388 (10-13). */
static LABELED_BYTE dhcp_types[] = {
    { 1, NMX_STR("DHCP Discover") }, { 2, NMX_STR("DHCP Offer") },
    { 3, NMX_STR("DHCP Request") }, { 4, NMX_STR("DHCP Decline") },
    { 5, NMX_STR("DHCP ACK") }, { 6, NMX_STR("DHCP NACK") },
    { 7, NMX_STR("DHCP Release") }, { 8, NMX_STR("DHCP Inform") },
    { 9, NMX_STR("DHCP Force Renew") }, { 10, NMX_STR("DHCP Lease Query") },
    { 11, NMX_STR("DHCP Lease Unassigned") }, { 12, NMX_STR("DHCP Lease Unknown") },
    { 13, NMX_STR("DHCP Lease Active") },
};
static SET dhcp_type_set = { sizeof dhcp_types / sizeof dhcp_types[0], { .lpLabeledByteTable = dhcp_types } };

#define DHCP_PROPS(X) \
    X(DHCP_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(DHCP_OP, "Op Code (op)", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Op Code|op") \
    X(DHCP_HTYPE, "Hardware Type (htype)", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, "Hardware Type|htype") \
    X(DHCP_HLEN, "Hardware Address Length (hlen)", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Hardware Address Length|hlen") \
    X(DHCP_HOPS, "Hops (hops)", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Hops") \
    X(DHCP_XID, "Transaction ID (xid)", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Transaction ID|xid") \
    X(DHCP_SECS, "Seconds (secs)", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Seconds|secs") \
    X(DHCP_FLAGS, "Flags (flags)", PROP_TYPE_WORD, PROP_QUAL_FLAGS, &dhcp_flag_set, NMX_SW, 1, NMX_FMT_DEFAULT, "Flags") \
    X(DHCP_CIADDR, "Client IP Address (ciaddr)", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Client IP Address|ciaddr") \
    X(DHCP_YIADDR, "Your IP Address (yiaddr)", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Your IP Address|yiaddr") \
    X(DHCP_SIADDR, "Server IP Address (siaddr)", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Server IP Address|siaddr") \
    X(DHCP_GIADDR, "Relay IP Address (giaddr)", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Relay IP Address|giaddr") \
    X(DHCP_CHADDR, "Client Ethernet Address (chaddr)", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Client Ethernet Address|chaddr") \
    X(DHCP_SNAME, "Server Host Name (sname)", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, "Server Host Name|sname") \
    X(DHCP_FILE, "Boot File Name (file)", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, "Boot File Name|file") \
    X(DHCP_COOKIE, "Magic Cookie", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_CUSTOM, NULL) \
    X(DHCP_VENDOR, "Vendor Information", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(DHCP_OPTIONS, "Option Field (options)", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, "Option Field|options") \
    X(DHCP_MSGTYPE, "DHCP Message Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &dhcp_type_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_CLIENTID, "Client-identifier", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_CUSTOM, "Client identifier") \
    X(DHCP_HOSTNAME, "Host Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_PRL, "Parameter Request List", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_CUSTOM, NULL) \
    X(DHCP_REQADDR, "Requested Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_SERVERID, "Server Identifier", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_MASK, "Subnet Mask", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_ROUTER, "Router", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_DNS, "Domain Name Server", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_DOMAIN, "Domain Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_BCAST, "Broadcast Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_NBNS, "NetBIOS Name Service", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_NBNODE, "NetBIOS Node Type", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_CUSTOM, NULL) \
    X(DHCP_LEASE, "IP Address Lease Time", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_CUSTOM, NULL) \
    X(DHCP_T1, "Renewal Time Value (T1)", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_CUSTOM, "Renewal Time Value") \
    X(DHCP_T2, "Rebinding Time Value (T2)", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_CUSTOM, "Rebinding Time Value") \
    X(DHCP_OVERLOAD, "Option Overload", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_MAXSIZE, "Maximum DHCP Message Size", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_VCI, "Vendor Class Identifier", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(DHCP_OTHER, "Other Option", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_CUSTOM, NULL) \
    X(DHCP_END, "End of this option field", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_LABEL, NULL) \
    X(DHCP_PADDING, "Padding", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL)

enum { DHCP_PROPS(NMX_PROP_ENUM) DHCP_NPROPS };
static nmx_propdef dhcp_props[] = { DHCP_PROPS(NMX_PROP_DEF) };

#define DHCP_FIXED  236 /* op .. file                    */
#define DHCP_OPTS   240 /* after the magic cookie        */
#define DHCP_COOKIE_VALUE 0x63825363u

/* How an option's value is shown. */
enum okind { OK_ADDR1, OK_ADDRS, OK_BYTE1, OK_WORD1, OK_DWORD1, OK_STRING, OK_BYTES };

static const struct dhcp_opt {
    uint8_t code, prop, kind;
} dhcp_opts[] = {
    { 1, DHCP_MASK, OK_ADDR1 },       { 3, DHCP_ROUTER, OK_ADDRS },
    { 6, DHCP_DNS, OK_ADDRS },        { 12, DHCP_HOSTNAME, OK_STRING },
    { 15, DHCP_DOMAIN, OK_STRING },   { 28, DHCP_BCAST, OK_ADDR1 },
    { 44, DHCP_NBNS, OK_ADDRS },      { 46, DHCP_NBNODE, OK_BYTES },
    { 50, DHCP_REQADDR, OK_ADDR1 },   { 51, DHCP_LEASE, OK_DWORD1 },
    { 52, DHCP_OVERLOAD, OK_BYTE1 },  { 53, DHCP_MSGTYPE, OK_BYTE1 },
    { 54, DHCP_SERVERID, OK_ADDR1 },  { 55, DHCP_PRL, OK_BYTES },
    { 57, DHCP_MAXSIZE, OK_WORD1 },   { 58, DHCP_T1, OK_DWORD1 },
    { 59, DHCP_T2, OK_DWORD1 },       { 60, DHCP_VCI, OK_STRING },
    { 61, DHCP_CLIENTID, OK_BYTES },
};

static const struct dhcp_opt *find_opt(uint8_t code)
{
    for (size_t i = 0; i < sizeof dhcp_opts / sizeof dhcp_opts[0]; i++)
        if (dhcp_opts[i].code == code)
            return &dhcp_opts[i];
    return NULL;
}

/* One option's value at [o, o + len) (after its code and length bytes). */
static void option(nmx_dis *d, uint8_t code, uint32_t o, uint32_t len)
{
    const struct dhcp_opt *op = find_opt(code);
    if (!op) {
        nmx_dis_attach(d, DHCP_OTHER, o - 2, len + 2);
        return;
    }
    PROPERTYINST *pi;
    switch (op->kind) {
    case OK_ADDRS:
        if (len == 0 || len % 4) {
            nmx_dis_malformed(d, nmx_dis_attach(d, op->prop, o, len));
            return;
        }
        for (uint32_t k = 0; k < len; k += 4)
            nmx_dis_attach(d, op->prop, o + k, 4);
        return;
    case OK_ADDR1:
    case OK_DWORD1:
        pi = nmx_dis_attach(d, op->prop, o, len < 4 ? len : 4);
        if (len != 4)
            nmx_dis_malformed(d, pi);
        return;
    case OK_WORD1:
        pi = nmx_dis_attach(d, op->prop, o, len < 2 ? len : 2);
        if (len != 2)
            nmx_dis_malformed(d, pi);
        return;
    case OK_BYTE1:
        pi = nmx_dis_attach(d, op->prop, o, len < 1 ? len : 1);
        if (len != 1)
            nmx_dis_malformed(d, pi);
        return;
    default:
        nmx_dis_attach(d, op->prop, o, len);
        return;
    }
}

static void dhcp_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    nmx_dis_attach(d, DHCP_SUMMARY, 0, r.len);
    uint8_t hlen = nmx_rd_u8(&r, 2);
    PROPERTYINST *ph = NULL;
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, DHCP_OP, 0, 1);
        nmx_dis_attach(d, DHCP_HTYPE, 1, 1);
        nmx_dis_attach(d, DHCP_HLEN, 2, 1);
        nmx_dis_attach(d, DHCP_HOPS, 3, 1);
        nmx_dis_attach(d, DHCP_XID, 4, 4);
        nmx_dis_attach(d, DHCP_SECS, 8, 2);
        nmx_dis_attach(d, DHCP_FLAGS, 10, 2);
        nmx_dis_attach(d, DHCP_CIADDR, 12, 4);
        nmx_dis_attach(d, DHCP_YIADDR, 16, 4);
        nmx_dis_attach(d, DHCP_SIADDR, 20, 4);
        nmx_dis_attach(d, DHCP_GIADDR, 24, 4);
        /* chaddr holds hlen bytes of its 16 (an Ethernet address: 6). */
        ph = nmx_dis_attach(d, DHCP_CHADDR, 28, hlen && hlen <= 16 ? hlen : 16);
        nmx_dis_attach(d, DHCP_SNAME, 44, 64);
        nmx_dis_attach(d, DHCP_FILE, 108, 128);
    }
    if (nmx_rd_has(&r, 2, 1) && hlen > 16)
        nmx_dis_malformed(d, ph); /* in both modes: it decides the status */
    if (!nmx_rd_need(&r, 0, DHCP_FIXED)) {
        nmx_dis_truncated(d);
        return;
    }
    if (s.wire < DHCP_OPTS) {
        /* RFC 951 BOOTP had a fixed 64-byte vendor area; shorter is not
         * a BOOTP message. */
        if (s.wire < DHCP_FIXED + 4)
            nmx_dis_malformed(d, NULL);
        return;
    }
    uint32_t cookie = nmx_rd_be32(&r, DHCP_FIXED);
    nmx_dis_attach(d, DHCP_COOKIE, DHCP_FIXED, 4);
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    if (s.len < s.wire)
        nmx_dis_truncated(d);
    if (cookie != DHCP_COOKIE_VALUE) {
        /* A BOOTP vendor area (RFC 951), not DHCP options. */
        nmx_dis_attach(d, DHCP_VENDOR, DHCP_OPTS, r.len > DHCP_OPTS ? r.len - DHCP_OPTS : 0);
        return;
    }
    /* The message type is the summary's word: found even when not
     * attaching, it is cheap (one pass over a few options). */
    nmx_dis_attach(d, DHCP_OPTIONS, DHCP_OPTS, r.len - DHCP_OPTS);
    bool attach = nmx_dis_attaching(d);
    uint32_t o = DHCP_OPTS;
    while (o < s.wire) {
        uint8_t code = nmx_rd_u8(&r, o);
        if (!nmx_rd_ok(&r))
            return; /* marked truncated above */
        if (code == 0) {
            /* A run of pads. */
            uint32_t e = o;
            while (nmx_rd_has(&r, e, 1) && nmx_rd_u8(&r, e) == 0)
                e++;
            if (attach)
                nmx_dis_attach(d, DHCP_PADDING, o, e - o);
            o = e;
            continue;
        }
        if (code == 255) {
            nmx_dis_attach(d, DHCP_END, o, 1);
            o++;
            if (o < r.len && attach)
                nmx_dis_attach(d, DHCP_PADDING, o, r.len - o);
            return;
        }
        uint8_t len = nmx_rd_u8(&r, o + 1);
        if (!nmx_rd_ok(&r)) {
            if (s.len >= s.wire) /* the option's length byte is past the message */
                nmx_dis_malformed(d, attach ? nmx_dis_attach(d, DHCP_OTHER, o, 1) : NULL);
            return;
        }
        if (len > s.wire - o - 2) {
            nmx_dis_malformed(d, attach ? nmx_dis_attach(d, DHCP_OTHER, o, 2) : NULL);
            return;
        }
        if (code == 53 && len == 1 && nmx_rd_has(&r, o + 2, 1))
            nmx_dis_set_aux(d, 0, 0x100u | nmx_rd_u8(&r, o + 2));
        option(d, code, o + 2, len); /* both modes: a bad length decides the status */
        o += 2u + len;
    }
}

/* "8 Days, 0:00:00" (RFC 2132 times are seconds; 0xFFFFFFFF is
 * "infinity"). */
static int duration(char *buf, size_t n, const char *label, uint32_t v)
{
    if (v == 0xFFFFFFFFu)
        return snprintf(buf, n, "%s = Infinite", label);
    return snprintf(buf, n, "%s = %u Days, %u:%02u:%02u", label, v / 86400u, v / 3600u % 24u,
                    v / 60u % 60u, v % 60u);
}

static const char *htype_name(unsigned t)
{
    switch (t) {
    case 1: return "10Mb Ethernet";
    case 2: return "3Mb Ethernet";
    case 6: return "IEEE 802 Networks";
    case 7: return "ARCNET";
    case 15: return "Frame Relay";
    case 16: return "ATM";
    case 20: return "Serial Line";
    case 32: return "InfiniBand";
    default: return "Unknown";
    }
}

static const char *msg_word(unsigned t)
{
    static const char *const w[] = { "", "Discover", "Offer", "Request", "Decline", "ACK", "NACK",
                                     "Release", "Inform", "Force Renew", "Lease Query",
                                     "Lease Unassigned", "Lease Unknown", "Lease Active" };
    return t < sizeof w / sizeof w[0] ? w[t] : "Unknown Type";
}

/* The value bytes of an instance (all these instances point into the
 * frame). */
static const uint8_t *val(const nmx_fmtctx *c, unsigned *len)
{
    *len = c->pi->DataLength;
    return (const uint8_t *)c->pi->lpData;
}

static size_t hex_list(char *buf, size_t n, const char *label, const char *pre, const uint8_t *p,
                       unsigned len)
{
    int k = snprintf(buf, n, "%s = %s", label, pre);
    size_t at = k > 0 ? (size_t)k : 0;
    for (unsigned i = 0; i < len; i++) {
        int w = snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, i ? " %02x" : "%02x", p[i]);
        at += w > 0 ? (size_t)w : 0;
    }
    return at;
}

static size_t dhcp_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    const char *label = c->def->info.Label;
    unsigned len;
    const uint8_t *p = c->pi->DataLength == PROPERTYINST_EX_LENGTH ? NULL : val(c, &len);
    uint64_t v = 0;
    switch (c->prop) {
    case DHCP_SUMMARY: {
        const nmx_layer *l = c->layer;
        if (l->caplen < 8)
            return (size_t)snprintf(buf, n, "Truncated DHCP message");
        const uint8_t *h = c->frame + l->offset;
        uint32_t xid = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
        uint32_t t = nmx_fmt_aux(c, 0);
        if (t & 0x100u)
            return (size_t)snprintf(buf, n, "%s (xid=%08X)", msg_word(t & 0xFFu), xid);
        return (size_t)snprintf(buf, n, "Boot %s (xid=%08X)", h[0] == 2 ? "Reply" : "Request", xid);
    }
    case DHCP_HTYPE:
        if (!p || !len)
            return (size_t)-1;
        return (size_t)snprintf(buf, n, "%s = %u (0x%X) %s", label, p[0], p[0], htype_name(p[0]));
    case DHCP_SNAME:
    case DHCP_FILE: {
        if (!p || !len || p[0] == 0)
            return (size_t)snprintf(buf, n, "%s = <Blank>", label);
        /* The text up to its NUL, bytes outside printable ASCII escaped. */
        int k = snprintf(buf, n, "%s = ", label);
        size_t at = k > 0 ? (size_t)k : 0;
        for (unsigned i = 0; i < len && p[i]; i++) {
            int w = p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\\'
                        ? snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "%c", p[i])
                        : snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "\\x%02X", p[i]);
            at += w > 0 ? (size_t)w : 0;
        }
        return at;
    }
    case DHCP_COOKIE:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        if (v == DHCP_COOKIE_VALUE)
            return (size_t)snprintf(buf, n, "%s = [OK]", label);
        return (size_t)snprintf(buf, n, "%s = [Not DHCP] 0x%08X", label, (unsigned)v);
    case DHCP_CLIENTID:
        if (!p || !len)
            return (size_t)snprintf(buf, n, "%s = (Length: 0)", label);
        {
            char pre[24];
            snprintf(pre, sizeof pre, "(Type: %u) ", p[0]);
            return hex_list(buf, n, label, pre, p + 1, len - 1);
        }
    case DHCP_PRL:
    case DHCP_NBNODE: {
        char pre[24];
        if (!p)
            return (size_t)-1;
        snprintf(pre, sizeof pre, "(Length: %u) ", len);
        return hex_list(buf, n, label, pre, p, len);
    }
    case DHCP_OTHER: {
        char pre[40];
        if (!p || len < 2)
            return (size_t)snprintf(buf, n, "%s = (Code: %u)", label, p && len ? p[0] : 0u);
        snprintf(pre, sizeof pre, "(Code: %u) (Length: %u) ", p[0], p[1]);
        return hex_list(buf, n, label, pre, p + 2, len - 2);
    }
    case DHCP_LEASE:
    case DHCP_T1:
    case DHCP_T2:
        if (!p || len != 4 || !nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        {
            int k = duration(buf, n, label, (uint32_t)v);
            return k > 0 ? (size_t)k : 0;
        }
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_dhcp = {
    .name = "DHCP",
    .comment = "Dynamic Host Configuration Protocol",
    .aliases = "BOOTP|Dhcp",
    .props = dhcp_props,
    .nprops = DHCP_NPROPS,
    .dissect = dhcp_dissect,
    .format = dhcp_format,
    .handoff = { { NMX_HO_UDP_PORT, 67 }, { NMX_HO_UDP_PORT, 68 } },
};
