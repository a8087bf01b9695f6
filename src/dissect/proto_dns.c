/*
 * \summary: Domain Name System
 *
 * specification: RFC 1035 (message format, name compression, RR types
 * A NS CNAME SOA PTR MX TXT, TCP length prefix §4.2.2); RFC 3596 (AAAA);
 * RFC 2782 (SRV); RFC 1996 (NOTIFY) and RFC 2136 (UPDATE) opcodes;
 * RFC 6891 (OPT).
 *
 * Brought here by: UDP port 53, TCP port 53. Over TCP each message is
 * preceded by a 2-byte length ("TCP Length"); there is no TCP reassembly,
 * so only the first message of a segment is dissected, as far as the
 * segment and the capture go (a message cut by either makes the layer
 * TRUNCATED); the segment's further bytes are "Following Data". Hands
 * off nothing.
 *
 * Names and texts are Network Monitor 2.x's (docs: netmon-parsers §3.7,
 * §4): "Query Identifier", "DNS Flags" with its bit lines, "Question
 * Name: domain.com." (with the final dot, as Network Monitor printed it;
 * the root name is "<Root>"), the summary
 * "0x4000:Std Qry for domain.com. of type SOA on class INET addr.".
 * Labels Network Monitor never showed are ours, in its style: "IPv6
 * address" (AAAA), "Canonical Name" (CNAME), "Domain Name Pointer" (PTR),
 * "Text" (TXT), "Priority", "Weight", "Port", "Target" (SRV), "Resource
 * Data" (other types), "Following Data" (TCP), and the OpCode names after RFC 1996/2136
 * (Network Monitor called every OpCode but 0-2 "Rsrvd").
 *
 *                                  1  1  1  1  1  1
 *    0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      ID                       |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |        QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT  |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   | Question | Answer | Authority | Additional ...
 *
 * A name is a run of labels (length byte, bytes) ended by a zero byte or
 * by a compression pointer (two bytes 11xxxxxx xxxxxxxx: an offset into
 * the message). Loop safety: a pointer must point before the start of
 * the run of labels it ends, so every jump goes strictly backwards and a
 * name is decoded in at most 255 bytes of labels; a pointer forward or
 * into its own run, an extended label type (01, 10) or a name over 255
 * bytes makes the name (and the layer) MALFORMED.
 */
#include <stdio.h>
#include <string.h>

#include "dissect/dns_name.h"

/* ---- value tables -------------------------------------------------------- */

static LABELED_WORD dns_types[] = {
    { 1, NMX_STR("Host Address") }, { 2, NMX_STR("Authoritative Name Server") },
    { 5, NMX_STR("Canonical name for an alias") }, { 6, NMX_STR("Start of zone of authority") },
    { 12, NMX_STR("Domain name pointer") }, { 13, NMX_STR("Host information") },
    { 15, NMX_STR("Mail exchange") }, { 16, NMX_STR("Text strings") },
    { 28, NMX_STR("IPv6 Host Address") }, { 33, NMX_STR("Server Selection") },
    { 41, NMX_STR("OPT pseudo-RR") }, { 43, NMX_STR("Delegation Signer") },
    { 46, NMX_STR("DNSSEC signature") }, { 47, NMX_STR("Next Secure") },
    { 48, NMX_STR("DNS Key") }, { 251, NMX_STR("Request for incremental zone transfer") },
    { 252, NMX_STR("Request for zone transfer") }, { 255, NMX_STR("Request for all records") },
};
static SET dns_type_set = { sizeof dns_types / sizeof dns_types[0], { .lpLabeledWordTable = dns_types } };

static LABELED_WORD dns_classes[] = {
    { 1, NMX_STR("Internet address class") }, { 3, NMX_STR("Chaos") },
    { 4, NMX_STR("Hesiod") }, { 254, NMX_STR("None") }, { 255, NMX_STR("All classes") },
};
static SET dns_class_set = { sizeof dns_classes / sizeof dns_classes[0], { .lpLabeledWordTable = dns_classes } };

/* The one-bit flags, for experts reading the set; the detail lines
 * (dns_bits) also show the OpCode, Z and RCode fields. */
static LABELED_BIT dns_flag_bits[] = {
    { 15, NMX_STR("Query"), NMX_STR("Response") },
    { 10, NMX_STR("Server not authority for domain"), NMX_STR("Server authority for domain") },
    { 9, NMX_STR("Message complete"), NMX_STR("Message truncated") },
    { 8, NMX_STR("Iterative query desired"), NMX_STR("Recursive query desired") },
    { 7, NMX_STR("No recursive queries"), NMX_STR("Recursive queries supported by server") },
};
static SET dns_flag_set = { sizeof dns_flag_bits / sizeof dns_flag_bits[0], { .lpLabeledBit = dns_flag_bits } };

/* ---- properties ---------------------------------------------------------- */

#define DNS_PROPS(X) \
    X(DNS_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(DNS_TCPLEN, "TCP Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(DNS_ID, "Query Identifier", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Transaction ID") \
    X(DNS_FLAGS, "DNS Flags", PROP_TYPE_WORD, PROP_QUAL_FLAGS, &dns_flag_set, NMX_SW, 1, NMX_FMT_CUSTOM, "Flags") \
    X(DNS_QDCOUNT, "Question Entry Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(DNS_ANCOUNT, "Answer Entry Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(DNS_NSCOUNT, "Name Server Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(DNS_ARCOUNT, "Additional Records Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(DNS_QSECTION, "Question Section", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON_STR, NULL) \
    X(DNS_QNAME, "Question Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_COLON_STR, NULL) \
    X(DNS_QTYPE, "Question Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &dns_type_set, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(DNS_QCLASS, "Question Class", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &dns_class_set, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(DNS_ANSECTION, "Answer section", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON_STR, "Answer Section") \
    X(DNS_NSSECTION, "Authority Section", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON_STR, NULL) \
    X(DNS_ARSECTION, "Additional Records Section", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON_STR, NULL) \
    X(DNS_RR, "Resource Record", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_COLON_STR, NULL) \
    X(DNS_RNAME, "Resource Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_COLON_STR, NULL) \
    X(DNS_RTYPE, "Resource Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &dns_type_set, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_RCLASS, "Resource Class", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &dns_class_set, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_TTL, "Time To Live", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_RDLEN, "Resource Data Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_A, "IP address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_DEFAULT, "IP Address") \
    X(DNS_AAAA, "IPv6 address", PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_DEFAULT, "IPv6 Address") \
    X(DNS_NS, "Authoritative Name Server", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_COLON_STR, NULL) \
    X(DNS_CNAME, "Canonical Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_COLON_STR, NULL) \
    X(DNS_PTR, "Domain Name Pointer", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_COLON_STR, NULL) \
    X(DNS_MX_PREF, "Preference", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_MX_NAME, "Exchange Mailbox", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_COLON_STR, NULL) \
    X(DNS_SOA_MNAME, "Primary Name Server", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_COLON_STR, NULL) \
    X(DNS_SOA_RNAME, "Responsible Authorative Mailbox", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_COLON_STR, "Responsible Authoritative Mailbox") \
    X(DNS_SOA_SERIAL, "Version number", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_SOA_REFRESH, "Refresh Interval", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_SOA_RETRY, "Retry interval", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_SOA_EXPIRE, "Expiration Limit", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_SOA_MINIMUM, "Minimum TTL", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_TXT, "Text", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_COLON_STR, NULL) \
    X(DNS_SRV_PRIO, "Priority", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_SRV_WEIGHT, "Weight", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_SRV_PORT, "Port", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(DNS_SRV_TARGET, "Target", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_COLON_STR, NULL) \
    X(DNS_RDATA, "Resource Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_LABEL, NULL) \
    X(DNS_PADDING, "Frame Padding", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(DNS_MORE, "Following Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { DNS_PROPS(NMX_PROP_ENUM) DNS_NPROPS };
static nmx_propdef dns_props[] = { DNS_PROPS(NMX_PROP_DEF) };

#define DNS_HDR      12
#define DNS_TEXT_MAX 272 /* its text: 253 label bytes, dots, "<Root>", NUL */

/* ---- names ---------------------------------------------------------------- */

enum dn_status { DN_OK, DN_SHORT, DN_BAD };

/* Decodes the name at `off` of the message m (offsets from its first
 * byte). Writes its text ("www.example.com.", "<Root>") into txt (at least
 * DNS_TEXT_MAX bytes, NUL-terminated), its length into *tlen, and into
 * *end the offset just past the name where it stands (past its first
 * pointer or its zero byte). DN_SHORT: the bytes ran out; DN_BAD: a bad
 * pointer or label (see the banner). No recursion, at most 255 bytes of
 * labels and strictly backward jumps. */
static enum dn_status dns_name(nmx_rd *m, uint32_t off, char *txt, uint32_t *tlen, uint32_t *end)
{
    uint32_t t = 0;
    nmx__dn_walk w = nmx__dn_start(off, end);
    *tlen = 0;
    txt[0] = 0;
    for (;;) {
        const uint8_t *p = NULL;
        int c = nmx__dn_label(m, &w, end, &p);
        if (c == NMX__DN_END)
            break;
        if (c < 0)
            return c == NMX__DN_SHORT ? DN_SHORT : DN_BAD;
        memcpy(txt + t, p, (size_t)c);
        t += (uint32_t)c;
        txt[t++] = '.';
    }
    if (t == 0) {
        memcpy(txt, "<Root>", 6);
        t = 6;
    }
    txt[t] = 0;
    *tlen = t;
    return DN_OK;
}

/* ---- short texts (summaries, section lines) ------------------------------ */

static const char *type_abbrev(unsigned t)
{
    switch (t) {
    case 1: return "Host Addr";
    case 2: return "Auth. NS";
    case 5: return "Canon. Name";
    case 6: return "SOA";
    case 12: return "Dom. Name Ptr";
    case 13: return "Host Info";
    case 15: return "Mail Xchg";
    case 16: return "Text";
    case 28: return "IPv6 Addr";
    case 33: return "Srv Loc";
    case 41: return "OPT";
    case 251: return "Req. for incr. zn Xfer";
    case 252: return "Req. for zn Xfer";
    case 255: return "Req. for all recs";
    default: return "Unknown Type";
    }
}

static const char *class_abbrev(unsigned c)
{
    switch (c) {
    case 1: return "INET addr.";
    case 3: return "Chaos";
    case 4: return "Hesiod";
    case 254: return "None";
    case 255: return "All";
    default: return "Unknown Class";
    }
}

static const char *opcode_name(unsigned op, bool lng)
{
    switch (op) {
    case 0: return lng ? "Standard Query" : "Std Qry";
    case 1: return lng ? "Inverse Query" : "Inv Qry";
    case 2: return lng ? "Server Status Request" : "Srv Status";
    case 4: return "Notify";
    case 5: return "Update";
    default: return lng ? "Reserved" : "Rsrvd";
    }
}

static const char *rcode_name(unsigned rc)
{
    static const char *const n[] = {
        "No error", "Format error", "Server failure", "Name error", "Not implemented",
        "Refused", "Name exists", "RR set exists", "RR set does not exist", "Not authoritative",
        "Name not in zone",
    };
    return rc < sizeof n / sizeof n[0] ? n[rc] : "Reserved";
}

/* Appends k bytes of s to out[*len], keeping room for the NUL of an
 * n-byte buffer; false when they did not all fit (as snprintf would cut). */
static bool put_str(char *out, size_t n, size_t *len, const char *s, size_t k)
{
    size_t room = n - 1 - *len;
    bool whole = k <= room;
    if (!whole)
        k = room;
    memcpy(out + *len, s, k);
    *len += k;
    out[*len] = 0;
    return whole;
}

/* "name of type T on class C" (+ "(N records present)" for a section):
 * what snprintf would write, without its cost on every frame. */
static uint32_t rr_line(char *out, size_t n, const char *name, unsigned type, unsigned cls,
                        unsigned count)
{
    if (n == 0)
        return 0;
    size_t len = 0;
    const char *t = type_abbrev(type), *c = class_abbrev(cls);
    out[0] = 0;
    bool whole = put_str(out, n, &len, name, strlen(name)) &&
                 put_str(out, n, &len, " of type ", 9) &&
                 put_str(out, n, &len, t, strlen(t)) &&
                 put_str(out, n, &len, " on class ", 10) &&
                 put_str(out, n, &len, c, strlen(c));
    if (whole && count > 1) {
        char num[16];
        size_t k = sizeof num;
        do
            num[--k] = (char)('0' + count % 10);
        while ((count /= 10) != 0);
        (void)(put_str(out, n, &len, "(", 1) && put_str(out, n, &len, num + k, sizeof num - k) &&
               put_str(out, n, &len, " records present)", 17));
    }
    return (uint32_t)len;
}

/* ---- dissection ----------------------------------------------------------- */

typedef struct dns_msg {
    nmx_dis *d;
    nmx_rd m;       /* the message's captured bytes                    */
    uint32_t base;  /* its first byte from the layer's (2 over TCP)     */
    uint32_t wire;  /* its length on the wire                          */
    bool bad, cut;  /* malformed / ran out of captured bytes           */
} dns_msg;

/* Reads ran past the captured bytes: past the message's end when it was
 * all captured (malformed), else the capture's (truncated). */
static void ran_out(dns_msg *g, PROPERTYINST *pi)
{
    if (g->m.len >= g->wire) {
        g->bad = true;
        nmx_dis_malformed(g->d, pi);
    } else {
        g->cut = true;
        nmx_dis_truncated(g->d);
    }
}

static PROPERTYINST *att(dns_msg *g, unsigned prop, uint32_t off, uint32_t len)
{
    return nmx_dis_attach(g->d, prop, g->base + off, len);
}

/* A name property; returns false (layer marked) when the name is bad. */
static bool name_prop(dns_msg *g, unsigned prop, uint32_t off, uint32_t *end, char *txt,
                      uint32_t *tlen)
{
    enum dn_status st = dns_name(&g->m, off, txt, tlen, end);
    if (st == DN_OK) {
        nmx_dis_attach_ex(g->d, prop, g->base + off, *end - off, txt, *tlen, dns_props[prop].level);
        return true;
    }
    if (st == DN_SHORT) {
        ran_out(g, NULL);
    } else {
        /* The name's first bytes, flagged. */
        uint32_t have = nmx_rd_left(&g->m, off);
        nmx_dis_malformed(g->d, att(g, prop, off, have < 2 ? have : 2));
        g->bad = true;
    }
    return false;
}

/* RDATA of one record at [off, off + rdlen). */
static void rdata(dns_msg *g, unsigned type, uint32_t off, uint32_t rdlen)
{
    nmx_rd *m = &g->m;
    uint32_t lim = off + rdlen, end, tlen;
    char txt[DNS_TEXT_MAX];
    switch (type) {
    case 1:
    case 28: {
        uint32_t want = type == 1 ? 4 : 16;
        PROPERTYINST *pi = att(g, type == 1 ? DNS_A : DNS_AAAA, off, want <= rdlen ? want : rdlen);
        if (rdlen != want) {
            nmx_dis_malformed(g->d, pi);
            g->bad = true;
        }
        return;
    }
    case 2:
    case 5:
    case 12:
        if (name_prop(g, type == 2 ? DNS_NS : type == 5 ? DNS_CNAME : DNS_PTR, off, &end, txt, &tlen) &&
            end != lim) {
            nmx_dis_malformed(g->d, NULL);
            g->bad = true;
        }
        return;
    case 15:
        att(g, DNS_MX_PREF, off, 2);
        if (rdlen < 3) {
            g->bad = true;
            nmx_dis_malformed(g->d, NULL);
            return;
        }
        if (name_prop(g, DNS_MX_NAME, off + 2, &end, txt, &tlen) && end != lim) {
            nmx_dis_malformed(g->d, NULL);
            g->bad = true;
        }
        return;
    case 6: {
        uint32_t o = off;
        if (!name_prop(g, DNS_SOA_MNAME, o, &end, txt, &tlen))
            return;
        o = end;
        if (!name_prop(g, DNS_SOA_RNAME, o, &end, txt, &tlen))
            return;
        o = end;
        if (o + 20 != lim) {
            nmx_dis_malformed(g->d, NULL);
            g->bad = true;
            return;
        }
        for (unsigned k = 0; k < 5; k++)
            att(g, DNS_SOA_SERIAL + k, o + 4 * k, 4);
        return;
    }
    case 16:
        /* One or more <character-string>s (RFC 1035 §3.3.14). */
        for (uint32_t o = off; o < lim;) {
            uint8_t n = nmx_rd_u8(m, o);
            if (!nmx_rd_has(m, o, 1))
                return; /* the record's caller has marked the cut */
            if (n > lim - o - 1) {
                nmx_dis_malformed(g->d, att(g, DNS_TXT, o, 1));
                g->bad = true;
                return;
            }
            att(g, DNS_TXT, o + 1, n);
            o += 1u + n;
        }
        return;
    case 33:
        att(g, DNS_SRV_PRIO, off, 2);
        att(g, DNS_SRV_WEIGHT, off + 2, 2);
        att(g, DNS_SRV_PORT, off + 4, 2);
        if (rdlen < 7) {
            nmx_dis_malformed(g->d, NULL);
            g->bad = true;
            return;
        }
        if (name_prop(g, DNS_SRV_TARGET, off + 6, &end, txt, &tlen) && end != lim) {
            nmx_dis_malformed(g->d, NULL);
            g->bad = true;
        }
        return;
    default:
        if (rdlen)
            att(g, DNS_RDATA, off, rdlen);
        return;
    }
}

/* The records of one section; returns the offset past them. */
static uint32_t section(dns_msg *g, unsigned prop, unsigned count, uint32_t off)
{
    PROPERTYINST *head = NULL;
    uint32_t start = off;
    char txt[DNS_TEXT_MAX], line[DNS_TEXT_MAX + 96];
    for (unsigned i = 0; i < count && !g->bad && !g->cut; i++) {
        uint32_t end, tlen;
        enum dn_status st = dns_name(&g->m, off, txt, &tlen, &end);
        if (st != DN_OK) {
            if (st == DN_SHORT) {
                ran_out(g, NULL);
            } else {
                nmx_dis_malformed(g->d, att(g, DNS_RNAME, off, nmx_rd_left(&g->m, off) < 2 ? nmx_rd_left(&g->m, off) : 2));
                g->bad = true;
            }
            break;
        }
        unsigned type = nmx_rd_be16(&g->m, end), cls = nmx_rd_be16(&g->m, end + 2);
        uint16_t rdlen = nmx_rd_be16(&g->m, end + 8);
        bool fixed = nmx_rd_has(&g->m, end, 10);
        if (nmx_dis_attaching(g->d)) {
            uint32_t ln;
            if (i == 0 && fixed) {
                ln = rr_line(line, sizeof line, txt, type, cls, count);
                head = nmx_dis_attach_ex(g->d, prop, g->base + off, 0, line, ln, 1);
            }
            ln = rr_line(line, sizeof line, txt, type, cls, 0);
            uint32_t rl = fixed ? end + 10 + rdlen - off : 0;
            if (rl > nmx_rd_left(&g->m, off))
                rl = nmx_rd_left(&g->m, off);
            nmx_dis_attach_ex(g->d, DNS_RR, g->base + off, rl, line, ln, 2);
            nmx_dis_attach_ex(g->d, DNS_RNAME, g->base + off, end - off, txt, tlen, 3);
            att(g, DNS_RTYPE, end, 2);
            att(g, DNS_RCLASS, end + 2, 2);
            att(g, DNS_TTL, end + 4, 4);
            att(g, DNS_RDLEN, end + 8, 2);
        }
        if (!fixed) {
            ran_out(g, NULL);
            break;
        }
        uint32_t rd = end + 10;
        rdata(g, type, rd, rdlen);
        off = rd + rdlen;
        if (!nmx_rd_has(&g->m, rd, rdlen)) {
            ran_out(g, NULL);
            break;
        }
    }
    if (head) {
        uint32_t have = nmx_rd_left(&g->m, start), len = off - start;
        head->lpPropertyInstEx->Length = (WORD)(len < have ? len : have);
    }
    return off;
}

static void dns_dissect(nmx_dis *d, nmx_span s)
{
    const nmx_layer *parent = nmx_dis_parent(d);
    bool tcp = parent && parent->name == nmx_proto_tcp.name;
    nmx_rd r = nmx_dis_rd(d, s);
    dns_msg g = { .d = d };
    nmx_span ms = s;
    nmx_dis_attach(d, DNS_SUMMARY, 0, r.len);
    if (tcp) {
        uint16_t l = nmx_rd_be16(&r, 0);
        PROPERTYINST *pl = nmx_dis_attach(d, DNS_TCPLEN, 0, 2);
        if (!nmx_rd_ok(&r)) {
            nmx_dis_truncated(d);
            return;
        }
        if (l < DNS_HDR) {
            nmx_dis_malformed(d, pl);
            return;
        }
        g.base = 2;
        ms = nmx_span_sub(s, 2, l);
        /* A message longer than the segment continues in the next one
         * (no reassembly): the segment's end counts as the capture's. */
        g.wire = l;
        nmx_dis_set_aux(d, 1, 1);
    } else {
        g.wire = s.wire;
    }
    g.m = nmx_dis_rd(d, ms);
    nmx_rd *m = &g.m;
    uint16_t qd = nmx_rd_be16(m, 4), an = nmx_rd_be16(m, 6), ns = nmx_rd_be16(m, 8),
             ar = nmx_rd_be16(m, 10);
    att(&g, DNS_ID, 0, 2);
    att(&g, DNS_FLAGS, 2, 2);
    att(&g, DNS_QDCOUNT, 4, 2);
    att(&g, DNS_ANCOUNT, 6, 2);
    att(&g, DNS_NSCOUNT, 8, 2);
    att(&g, DNS_ARCOUNT, 10, 2);
    if (!nmx_rd_ok(m)) {
        ran_out(&g, NULL);
        return;
    }
    /* Part of the message is not here (capture cut, or a TCP message
     * continued in the next segment). */
    if (g.m.len < g.wire)
        nmx_dis_truncated(d);
    /* DNS hands nothing on, but its status depends on every record (a bad
     * name, an RDATA length that contradicts its type), so the records are
     * walked in both modes; without NMX_DIS_ATTACH the attaches are no-ops
     * (docs/dissectors.md, "The driver"). */

    uint32_t off = DNS_HDR;
    char txt[DNS_TEXT_MAX], line[DNS_TEXT_MAX + 96];
    for (unsigned i = 0; i < qd && !g.bad && !g.cut; i++) {
        uint32_t end, tlen;
        enum dn_status st = dns_name(m, off, txt, &tlen, &end);
        if (st == DN_OK && nmx_rd_has(m, end, 4)) {
            unsigned type = nmx_rd_be16(m, end), cls = nmx_rd_be16(m, end + 2);
            uint32_t ln = rr_line(line, sizeof line, txt, type, cls, 0);
            nmx_dis_attach_ex(d, DNS_QSECTION, g.base + off, end + 4 - off, line, ln, 1);
        }
        if (!name_prop(&g, DNS_QNAME, off, &end, txt, &tlen))
            break;
        att(&g, DNS_QTYPE, end, 2);
        att(&g, DNS_QCLASS, end + 2, 2);
        if (!nmx_rd_has(m, end, 4)) {
            ran_out(&g, NULL);
            break;
        }
        off = end + 4;
    }
    off = section(&g, DNS_ANSECTION, an, off);
    off = section(&g, DNS_NSSECTION, ns, off);
    off = section(&g, DNS_ARSECTION, ar, off);
    if (!g.bad && !g.cut && off < g.wire && !tcp && off < m->len)
        att(&g, DNS_PADDING, off, m->len - off);
    /* Over TCP, the next messages of the segment (not dissected). */
    if (tcp && 2 + g.wire < r.len)
        nmx_dis_attach(d, DNS_MORE, 2 + g.wire, r.len - 2 - g.wire);
}

/* ---- texts ---------------------------------------------------------------- */

/* The message header of the formatted layer: a reader over its bytes. */
static nmx_rd fmt_msg(const nmx_fmtctx *c)
{
    uint32_t base = nmx_fmt_aux(c, 1) ? 2 : 0;
    uint32_t len = c->layer->caplen > base ? c->layer->caplen - base : 0;
    return nmx_rd_make(c->frame + c->layer->offset + base, len);
}

static size_t dns_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop == DNS_FLAGS) {
        uint64_t v;
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        unsigned f = (unsigned)v;
        char set[24] = "";
        static const struct { unsigned bit; const char *name; } b[] = {
            { 0x400, "AA" }, { 0x200, "TC" }, { 0x100, "RD" }, { 0x80, "RA" },
        };
        size_t k = 0;
        for (unsigned i = 0; i < 4; i++)
            if (f & b[i].bit)
                k += (size_t)snprintf(set + k, sizeof set - k, "%s%s", k ? " " : "", b[i].name);
        return (size_t)snprintf(buf, n, "DNS Flags = %s, OpCode - %s, %s%sRCode - %s",
                                f & 0x8000u ? "Response" : "Query", opcode_name(f >> 11 & 15u, false),
                                set, k ? " Bits Set, " : "", rcode_name(f & 15u));
    }
    if (c->prop != DNS_SUMMARY)
        return (size_t)-1;
    nmx_rd m = fmt_msg(c);
    if (!nmx_rd_has(&m, 0, DNS_HDR))
        return (size_t)snprintf(buf, n, "Truncated DNS header");
    unsigned id = nmx_rd_be16(&m, 0), f = nmx_rd_be16(&m, 2), qd = nmx_rd_be16(&m, 4);
    char rc[40] = "";
    if (f & 0x8000u && (f & 15u))
        snprintf(rc, sizeof rc, " - %s", rcode_name(f & 15u));
    int k = snprintf(buf, n, "0x%X:%s%s%s", id, opcode_name(f >> 11 & 15u, false),
                     f & 0x8000u ? " Resp." : "", rc);
    char txt[DNS_TEXT_MAX];
    uint32_t tlen, end;
    if (k < 0 || qd == 0 || dns_name(&m, DNS_HDR, txt, &tlen, &end) != DN_OK ||
        !nmx_rd_has(&m, end, 4))
        return k < 0 ? 0 : (size_t)k;
    size_t at = (size_t)k < n ? (size_t)k : n;
    /* The name as text (bytes outside printable ASCII escaped). */
    char safe[DNS_TEXT_MAX * 4];
    size_t sn = 0;
    for (uint32_t i = 0; i < tlen; i++) {
        unsigned ch = (unsigned char)txt[i];
        if (ch >= 0x20 && ch < 0x7F && ch != '\\')
            safe[sn++] = (char)ch;
        else
            sn += (size_t)snprintf(safe + sn, sizeof safe - sn, "\\x%02X", ch);
    }
    safe[sn] = 0;
    int k2 = snprintf(buf + at, n - at, " for %s of type %s on class %s", safe,
                      type_abbrev(nmx_rd_be16(&m, end)), class_abbrev(nmx_rd_be16(&m, end + 2)));
    return (size_t)k + (k2 > 0 ? (size_t)k2 : 0);
}

/* The 8 lines of DNS Flags: QR, OpCode (4 bits), AA, TC, RD, RA, Z (3
 * bits), RCode (4 bits). */
static size_t dns_bits(const nmx_fmtctx *c, unsigned k, char *buf, size_t n)
{
    static const nmx_bitfield fld[] = {
        { 15, 1 }, { 11, 4 }, { 10, 1 }, { 9, 1 }, { 8, 1 }, { 7, 1 }, { 4, 3 }, { 0, 4 },
    };
    if (c->prop != DNS_FLAGS)
        return (size_t)-1;
    char pic[17];
    unsigned x;
    if (!nmx__bits_field(c, k, fld, sizeof fld / sizeof fld[0], pic, &x))
        return 0;
    const char *t;
    switch (k) {
    case 1: t = opcode_name(x, true); break;
    case 6: t = "Reserved"; break;
    case 7: t = rcode_name(x); break;
    default:
        t = nmx__bit_label(dns_flag_bits, sizeof dns_flag_bits / sizeof dns_flag_bits[0],
                           fld[k].shift, x != 0);
        break;
    }
    return (size_t)snprintf(buf, n, "%s = %s", pic, t);
}

const nmx_protocol nmx_proto_dns = {
    .name = "DNS",
    .comment = "Domain Name System",
    .aliases = "Dns",
    .props = dns_props,
    .nprops = DNS_NPROPS,
    .dissect = dns_dissect,
    .format = dns_format,
    .bits = dns_bits,
    .handoff = { { NMX_HO_UDP_PORT, 53 }, { NMX_HO_TCP_PORT, 53 } },
};
