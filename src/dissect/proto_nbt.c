/*
 * \summary: NetBIOS over TCP/IP (name, datagram and session services)
 *
 * specification: RFC 1001 and RFC 1002 (§4.2 name service packets, §4.3
 * session service, §4.4 datagram service, §14 first-level name
 * encoding); MS-SMB2 §2.1 (the "Direct TCP" transport of TCP 445: the
 * same 4-byte header with a 24-bit length).
 *
 * Brought here by: UDP 137 (name service, NS), UDP 138 (datagram
 * service, DS), TCP 139 and 445 (session service, SS); the service is
 * told by the ports of the layer below. Hands off: a session message, or
 * the user data of a direct or broadcast datagram, whose bytes 1..3 are
 * "SMB", to the protocol registered for its first byte in the
 * NMX_HO_SMB_MAGIC table (0xFF SMB, 0xFE/0xFD SMB2).
 *
 * No TCP reassembly: a segment can hold several session messages, or the
 * middle or the end of one. Only a segment that starts with a plausible
 * header (a known type, flags that fit, and for a session message either
 * "SMB" at the payload's bytes 1..3 or a length that ends with the
 * segment) is read as one; the first message is dissected, the rest of
 * the segment is "Following Data". Any other segment is "SS Continuation
 * Data", the summary saying so.
 *
 * Names: Network Monitor 2.x's where its traces show them (netmon-parsers
 * §3.9, §4): "Packet Type = Session Message", "Packet Flags" with
 * ".......0 = Add 0 to Length", "Packet Length", "SS Data", and the
 * summaries "SS: Session Message, Len: 88", "NS: Query req. for NAME
 * <00>", "DS: Type = 17 (DIRECT GROUP)". Its NS and DS detail labels are
 * not known: those here are ours, in the same style, after RFC 1002's
 * field names. NetBIOS names are shown decoded: the 15 name characters
 * with trailing spaces removed, a space and the 16th byte as <XX>
 * ("WORKGROUP <1D>"; "*<00...(15)>" for the wildcard, as Network
 * Monitor wrote it), then the scope, if any, after a dot. "Packet
 * Length" is decoded (17 bits on 139, 24 on 445): a DWORD held inline in
 * the host's byte order.
 *
 *   Session service header:
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      TYPE     |     FLAGS     |            LENGTH             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   Datagram service header:
 *   |   MSG_TYPE    |     FLAGS     |           DGM_ID              |
 *   |                           SOURCE_IP                           |
 *   |          SOURCE_PORT          |   DGM_LENGTH  | PACKET_OFFSET |
 *   Name service header: as DNS's (NAME_TRN_ID, OPCODE/NM_FLAGS/RCODE,
 *   QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT).
 */
#include <stdio.h>
#include <string.h>

#include "dissect/dns_name.h"

enum { SVC_NONE = 0, SVC_NS = 1, SVC_DS = 2, SVC_SS = 3, SVC_SS_CONT = 4 };

static LABELED_BYTE ss_types[] = {
    { 0x00, NMX_STR("Session Message") }, { 0x81, NMX_STR("Session Request") },
    { 0x82, NMX_STR("Positive Session Response") }, { 0x83, NMX_STR("Negative Session Response") },
    { 0x84, NMX_STR("Retarget Session Response") }, { 0x85, NMX_STR("Session Keep Alive") },
};
static SET ss_type_set = { sizeof ss_types / sizeof ss_types[0], { .lpLabeledByteTable = ss_types } };

static LABELED_BIT ss_flag_bits[] = {
    { 0, NMX_STR("Add 0 to Length"), NMX_STR("Add 65536 to Length") },
};
static SET ss_flag_set = { 1, { .lpLabeledBit = ss_flag_bits } };

static LABELED_BYTE ss_errors[] = {
    { 0x80, NMX_STR("Not listening on called name") },
    { 0x81, NMX_STR("Not listening for calling name") },
    { 0x82, NMX_STR("Called name not present") },
    { 0x83, NMX_STR("Called name present, but insufficient resources") },
    { 0x8F, NMX_STR("Unspecified error") },
};
static SET ss_error_set = { sizeof ss_errors / sizeof ss_errors[0], { .lpLabeledByteTable = ss_errors } };

static LABELED_BYTE ds_types[] = {
    { 0x10, NMX_STR("DIRECT UNIQUE") }, { 0x11, NMX_STR("DIRECT GROUP") },
    { 0x12, NMX_STR("BROADCAST") }, { 0x13, NMX_STR("DATAGRAM ERROR") },
    { 0x14, NMX_STR("DATAGRAM QUERY REQUEST") }, { 0x15, NMX_STR("DATAGRAM POSITIVE QUERY RESPONSE") },
    { 0x16, NMX_STR("DATAGRAM NEGATIVE QUERY RESPONSE") },
};
static SET ds_type_set = { sizeof ds_types / sizeof ds_types[0], { .lpLabeledByteTable = ds_types } };

static LABELED_BIT ds_flag_bits[] = {
    { 0, NMX_STR("Last fragment"), NMX_STR("More fragments follow") },
    { 1, NMX_STR("Not first fragment"), NMX_STR("First fragment") },
};
static SET ds_flag_set = { 2, { .lpLabeledBit = ds_flag_bits } };

static LABELED_BYTE node_types[] = {
    { 0, NMX_STR("B node") }, { 1, NMX_STR("P node") }, { 2, NMX_STR("M node") }, { 3, NMX_STR("NBDD") },
};
static SET node_type_set = { 4, { .lpLabeledByteTable = node_types } };

static LABELED_BYTE ds_errors[] = {
    { 0x82, NMX_STR("Destination name not present") },
    { 0x83, NMX_STR("Invalid source name format") },
    { 0x84, NMX_STR("Invalid destination name format") },
};
static SET ds_error_set = { 3, { .lpLabeledByteTable = ds_errors } };

/* NS: the one-bit flags (RFC 1002 §4.2.1.1); OpCode and RCode are shown
 * by nbt_bits. */
static LABELED_BIT ns_flag_bits[] = {
    { 15, NMX_STR("Request"), NMX_STR("Response") },
    { 10, NMX_STR("Not an authoritative answer"), NMX_STR("Authoritative answer") },
    { 9, NMX_STR("Not truncated"), NMX_STR("Truncated") },
    { 8, NMX_STR("Recursion not desired"), NMX_STR("Recursion desired") },
    { 7, NMX_STR("Recursion not available"), NMX_STR("Recursion available") },
    { 4, NMX_STR("Not a broadcast"), NMX_STR("Broadcast") },
};
static SET ns_flag_set = { sizeof ns_flag_bits / sizeof ns_flag_bits[0], { .lpLabeledBit = ns_flag_bits } };

static LABELED_WORD ns_rrtypes[] = {
    { 0x01, NMX_STR("IP address") }, { 0x02, NMX_STR("Name Server") }, { 0x0A, NMX_STR("NULL") },
    { 0x20, NMX_STR("NetBIOS general Name Service") }, { 0x21, NMX_STR("NetBIOS NODE STATUS") },
};
static SET ns_rrtype_set = { sizeof ns_rrtypes / sizeof ns_rrtypes[0], { .lpLabeledWordTable = ns_rrtypes } };

static LABELED_WORD ns_classes[] = { { 1, NMX_STR("Internet class") } };
static SET ns_class_set = { 1, { .lpLabeledWordTable = ns_classes } };

#define NBT_PROPS(X) \
    X(NBT_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    /* session service */ \
    X(NBT_SS_TYPE, "Packet Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &ss_type_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_SS_FLAGS, "Packet Flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &ss_flag_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_SS_LEN, "Packet Length", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Length") \
    X(NBT_SS_CALLED, "Called Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_SS_CALLING, "Calling Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_SS_ERROR, "Session Error Code", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &ss_error_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_SS_RT_ADDR, "Retarget IP Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_SS_RT_PORT, "Retarget Port", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_SS_DATA, "SS Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    X(NBT_SS_CONT, "SS Continuation Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    X(NBT_SS_MORE, "Following Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    /* datagram service */ \
    X(NBT_DS_TYPE, "Datagram Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &ds_type_set, 0, 1, NMX_FMT_DEFAULT, "Message Type") \
    X(NBT_DS_FLAGS, "Datagram Flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &ds_flag_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_DS_NODE, "Source Node Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &node_type_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_DS_ID, "Datagram ID", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, NULL) \
    X(NBT_DS_SRCIP, "Source IP Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_DS_SRCPORT, "Source Port", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_DS_LEN, "Datagram Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_DS_OFFSET, "Packet Offset", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_DS_SRCNAME, "Source Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_DS_DSTNAME, "Destination Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_DS_ERROR, "Datagram Error Code", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &ds_error_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_DS_DATA, "DS Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    /* name service */ \
    X(NBT_NS_ID, "Name Transaction ID", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "Transaction ID") \
    X(NBT_NS_FLAGS, "NS Flags", PROP_TYPE_WORD, PROP_QUAL_FLAGS, &ns_flag_set, NMX_SW, 1, NMX_FMT_CUSTOM, NULL) \
    X(NBT_NS_QDCOUNT, "Question Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_ANCOUNT, "Answer Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_NSCOUNT, "Authority Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_ARCOUNT, "Additional Record Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_QNAME, "Question Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_QTYPE, "Question Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &ns_rrtype_set, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_QCLASS, "Question Class", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &ns_class_set, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_RRNAME, "Resource Record Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_RRTYPE, "Resource Record Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &ns_rrtype_set, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_RRCLASS, "Resource Record Class", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &ns_class_set, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_TTL, "Time To Live", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_RDLEN, "Resource Data Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_NBFLAGS, "Name Flags", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_HEX, NULL) \
    X(NBT_NS_OWNER, "Owner IP Address", PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_NNAMES, "Number of Names", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_NODENAME, "Node Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(NBT_NS_RDATA, "Resource Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_LABEL, NULL)

enum { NBT_PROPS(NMX_PROP_ENUM) NBT_NPROPS };
static nmx_propdef nbt_props[] = { NBT_PROPS(NMX_PROP_DEF) };

/* ---- NetBIOS names ----------------------------------------------------------- */

/* Text of a name: 15 characters, " <XX>", a scope of up to 222 bytes,
 * each byte escaped to at most 4 characters. */
#define NB_TEXT_MAX 1024

/* Appends byte c; with esc, as \xNN unless printable ASCII (for the
 * summary; property texts are escaped by the generic formatter). */
static uint32_t put_ch(char *out, uint32_t t, uint8_t c, bool esc)
{
    if (!esc || (c >= 0x20 && c < 0x7F && c != '\\')) {
        out[t] = (char)c;
        return t + 1;
    }
    snprintf(out + t, 5, "\\x%02X", c);
    return t + 4;
}

/* The 16 bytes of a decoded NetBIOS name as text: "NAME <20>". */
static uint32_t nb_text(const uint8_t nb[16], char *out, bool esc)
{
    uint32_t t = 0;
    bool wild = nb[0] == '*';
    for (int i = 1; i < 16 && wild; i++)
        wild = nb[i] == 0;
    if (wild) {
        memcpy(out, "*<00...(15)>", 12);
        return 12;
    }
    int last = 14;
    while (last >= 0 && nb[last] == ' ')
        last--;
    for (int i = 0; i <= last; i++)
        t = put_ch(out, t, nb[i], esc);
    t += (uint32_t)snprintf(out + t, 8, " <%02X>", nb[15]);
    return t;
}

enum nb_status { NB_OK, NB_SHORT, NB_BAD };

/* A NetBIOS name in the DNS-like wire form (RFC 1002 §4.1): a 32-byte
 * label of first-level encoding, optional scope labels, possibly through
 * compression pointers, walked as DNS's (dns_name.h: each jump lands
 * before the run it ends, so decoding terminates). `r` is the
 * message; *end is the offset past the name where it stands. */
static enum nb_status nb_name(nmx_rd *r, uint32_t off, char *out, uint32_t *tlen, uint32_t *end,
                              bool esc)
{
    uint32_t t = 0;
    bool first = true;
    nmx__dn_walk w = nmx__dn_start(off, end);
    for (;;) {
        const uint8_t *p = NULL;
        int c = nmx__dn_label(r, &w, end, &p);
        if (c == NMX__DN_END)
            break;
        if (c < 0)
            return c == NMX__DN_SHORT ? NB_SHORT : NB_BAD;
        if (first) {
            /* Each byte of the name is two letters 'A' + half-byte. */
            uint8_t nb[16];
            if (c != 32)
                return NB_BAD;
            for (int i = 0; i < 16; i++) {
                unsigned hi = p[2 * i] - (unsigned)'A', lo = p[2 * i + 1] - (unsigned)'A';
                if (hi > 15 || lo > 15)
                    return NB_BAD;
                nb[i] = (uint8_t)(hi << 4 | lo);
            }
            t = nb_text(nb, out, esc);
            first = false;
        } else {
            /* scope labels */
            out[t++] = '.';
            for (int i = 0; i < c; i++)
                t = put_ch(out, t, p[i], esc);
        }
    }
    if (first)
        return NB_BAD; /* no name at all */
    out[t] = 0;
    *tlen = t;
    return NB_OK;
}

/* ---- the services ------------------------------------------------------------ */

/* Hands `s` to SMB or SMB2 when its bytes 1..3 are "SMB". */
static void to_smb(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    const uint8_t *p = nmx_rd_ptr(&r, 0, 4);
    if (p && p[1] == 'S' && p[2] == 'M' && p[3] == 'B')
        nmx_dis_next(d, NMX_HO_SMB_MAGIC, p[0], s);
}

/* Attaches a name property; false (layer marked) when it is bad or cut. */
static bool name_prop(nmx_dis *d, nmx_rd *r, unsigned prop, uint32_t base, uint32_t off,
                      uint32_t *end, bool whole)
{
    char txt[NB_TEXT_MAX];
    uint32_t tlen = 0;
    enum nb_status st = nb_name(r, off, txt, &tlen, end, false);
    if (st == NB_OK) {
        nmx_dis_attach_ex(d, prop, base + off, *end - off, txt, tlen, nbt_props[prop].level);
        return true;
    }
    if (st == NB_SHORT && !whole) {
        nmx_dis_truncated(d);
    } else {
        uint32_t have = nmx_rd_left(r, off);
        nmx_dis_malformed(d, nmx_dis_attach(d, prop, base + off, have < 1 ? have : 1));
    }
    return false;
}

/* Is the session header at the start of the segment plausible? */
static bool ss_plausible(nmx_rd *r, nmx_span s, bool direct, uint32_t *len)
{
    if (!nmx_rd_has(r, 0, 4))
        return false;
    uint8_t type = nmx_rd_u8(r, 0), flags = nmx_rd_u8(r, 1);
    uint32_t l = direct ? nmx_rd_be24(r, 1) : ((uint32_t)(flags & 1u) << 16 | nmx_rd_be16(r, 2));
    *len = l;
    if (!direct && (flags & 0xFEu))
        return false;
    switch (type) {
    case 0x00: {
        const uint8_t *p = nmx_rd_has(r, 4, 4) ? nmx_rd_ptr(r, 4, 4) : NULL;
        if (p && p[1] == 'S' && p[2] == 'M' && p[3] == 'B')
            return true;
        return l + 4 == s.wire;
    }
    case 0x81: return !direct && l >= 4;
    case 0x82:
    case 0x85: return l == 0;
    case 0x83: return !direct && l == 1;
    case 0x84: return !direct && l == 6;
    default: return false;
    }
}

static void ss_dissect(nmx_dis *d, nmx_span s, bool direct)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint32_t len = 0;
    if (!ss_plausible(&r, s, direct, &len)) {
        nmx_dis_set_aux(d, 0, SVC_SS_CONT);
        nmx_dis_set_aux(d, 1, s.wire);
        nmx_dis_attach(d, NBT_SUMMARY, 0, r.len);
        nmx_dis_attach(d, NBT_SS_CONT, 0, r.len);
        if (!nmx_rd_has(&r, 0, 4) && s.len < s.wire)
            nmx_dis_truncated(d);
        return;
    }
    uint8_t type = nmx_rd_u8(&r, 0);
    nmx_dis_set_aux(d, 0, SVC_SS);
    nmx_dis_set_aux(d, 1, len);
    nmx_dis_attach(d, NBT_SUMMARY, 0, r.len < 4 + len ? r.len : 4 + len);
    nmx_dis_attach(d, NBT_SS_TYPE, 0, 1);
    if (direct) {
        nmx_dis_attach_ex(d, NBT_SS_LEN, 1, 3, (uint32_t[]){ len }, 4, 1);
    } else {
        nmx_dis_attach(d, NBT_SS_FLAGS, 1, 1);
        nmx_dis_attach_ex(d, NBT_SS_LEN, 2, 2, (uint32_t[]){ len }, 4, 1);
    }
    nmx_span body = nmx_span_sub(s, 4, len);
    /* The message goes on in the next segment, or the capture stops. */
    if (body.wire < len || body.len < body.wire)
        nmx_dis_truncated(d);
    nmx_rd b = nmx_dis_rd(d, body);
    bool whole = body.wire == len && body.len == body.wire;
    uint32_t end;
    switch (type) {
    case 0x00:
        if (len)
            nmx_dis_attach(d, NBT_SS_DATA, 4, body.len);
        to_smb(d, body);
        break;
    case 0x81:
        /* The names decide the status: read in both modes (the attaches
         * are no-ops without NMX_DIS_ATTACH). */
        if (name_prop(d, &b, NBT_SS_CALLED, 4, 0, &end, whole))
            name_prop(d, &b, NBT_SS_CALLING, 4, end, &end, whole);
        break;
    case 0x83:
        nmx_dis_attach(d, NBT_SS_ERROR, 4, 1);
        break;
    case 0x84:
        nmx_dis_attach(d, NBT_SS_RT_ADDR, 4, 4);
        nmx_dis_attach(d, NBT_SS_RT_PORT, 8, 2);
        break;
    default:
        break;
    }
    if (4 + len < s.wire && 4 + len < r.len)
        nmx_dis_attach(d, NBT_SS_MORE, 4 + len, r.len - 4 - len);
}

static void ds_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t type = nmx_rd_u8(&r, 0), flags = nmx_rd_u8(&r, 1);
    nmx_dis_set_aux(d, 0, SVC_DS);
    nmx_dis_attach(d, NBT_SUMMARY, 0, r.len);
    PROPERTYINST *pt = nmx_dis_attach(d, NBT_DS_TYPE, 0, 1);
    nmx_dis_attach(d, NBT_DS_FLAGS, 1, 1);
    uint8_t node = (uint8_t)(flags >> 2 & 3u);
    nmx_dis_attach_ex(d, NBT_DS_NODE, 1, 1, &node, 1, 2);
    nmx_dis_attach(d, NBT_DS_ID, 2, 2);
    nmx_dis_attach(d, NBT_DS_SRCIP, 4, 4);
    nmx_dis_attach(d, NBT_DS_SRCPORT, 8, 2);
    if (!nmx_rd_need(&r, 0, 10)) {
        nmx_dis_truncated(d);
        return;
    }
    bool whole = s.len >= s.wire;
    if (!whole)
        nmx_dis_truncated(d);
    uint32_t end;
    switch (type) {
    case 0x10:
    case 0x11:
    case 0x12: {
        uint16_t dlen = nmx_rd_be16(&r, 10);
        PROPERTYINST *pl = nmx_dis_attach(d, NBT_DS_LEN, 10, 2);
        nmx_dis_attach(d, NBT_DS_OFFSET, 12, 2);
        if (!nmx_rd_has(&r, 10, 4)) {
            nmx_dis_truncated(d);
            return;
        }
        /* DGM_LENGTH counts the bytes after the packet offset field. */
        if ((uint32_t)dlen + 14 > s.wire)
            nmx_dis_malformed(d, pl);
        if (!name_prop(d, &r, NBT_DS_SRCNAME, 0, 14, &end, whole) ||
            !name_prop(d, &r, NBT_DS_DSTNAME, 0, end, &end, whole))
            return;
        nmx_span u = nmx_span_from(s, end);
        if (u.wire) {
            nmx_dis_attach(d, NBT_DS_DATA, end, u.len);
            to_smb(d, u);
        }
        return;
    }
    case 0x13:
        nmx_dis_attach(d, NBT_DS_ERROR, 10, 1);
        return;
    case 0x14:
    case 0x15:
    case 0x16:
        name_prop(d, &r, NBT_DS_DSTNAME, 0, 10, &end, whole);
        return;
    default:
        nmx_dis_malformed(d, pt);
        return;
    }
}

static void ns_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    nmx_dis_set_aux(d, 0, SVC_NS);
    nmx_dis_attach(d, NBT_SUMMARY, 0, r.len);
    static const unsigned hdr[] = { NBT_NS_ID, NBT_NS_FLAGS, NBT_NS_QDCOUNT, NBT_NS_ANCOUNT,
                                    NBT_NS_NSCOUNT, NBT_NS_ARCOUNT };
    for (unsigned i = 0; i < 6; i++)
        nmx_dis_attach(d, hdr[i], 2 * i, 2);
    if (!nmx_rd_need(&r, 0, 12)) {
        nmx_dis_truncated(d);
        return;
    }
    bool whole = s.len >= s.wire;
    if (!whole)
        nmx_dis_truncated(d);
    /* Nothing is handed on, but the records decide the status: they are
     * walked in both modes (docs/dissectors.md, "The driver"). */
    unsigned qd = nmx_rd_be16(&r, 4);
    unsigned rr = (unsigned)nmx_rd_be16(&r, 6) + nmx_rd_be16(&r, 8) + nmx_rd_be16(&r, 10);
    uint32_t off = 12, end;
    for (unsigned i = 0; i < qd; i++) {
        if (!name_prop(d, &r, NBT_NS_QNAME, 0, off, &end, whole))
            return;
        nmx_dis_attach(d, NBT_NS_QTYPE, end, 2);
        nmx_dis_attach(d, NBT_NS_QCLASS, end + 2, 2);
        if (!nmx_rd_has(&r, end, 4)) {
            if (whole)
                nmx_dis_malformed(d, NULL);
            return;
        }
        off = end + 4;
    }
    for (unsigned i = 0; i < rr; i++) {
        if (!name_prop(d, &r, NBT_NS_RRNAME, 0, off, &end, whole))
            return;
        unsigned type = nmx_rd_be16(&r, end);
        uint16_t rdlen = nmx_rd_be16(&r, end + 8);
        nmx_dis_attach(d, NBT_NS_RRTYPE, end, 2);
        nmx_dis_attach(d, NBT_NS_RRCLASS, end + 2, 2);
        nmx_dis_attach(d, NBT_NS_TTL, end + 4, 4);
        PROPERTYINST *pl = nmx_dis_attach(d, NBT_NS_RDLEN, end + 8, 2);
        if (!nmx_rd_has(&r, end, 10)) {
            if (whole)
                nmx_dis_malformed(d, NULL);
            return;
        }
        uint32_t rd = end + 10, lim = rd + rdlen;
        if (lim > s.wire) {
            nmx_dis_malformed(d, pl);
            return;
        }
        if (type == 0x20 && rdlen % 6 == 0) {
            for (uint32_t o = rd; o < lim; o += 6) {
                nmx_dis_attach(d, NBT_NS_NBFLAGS, o, 2);
                nmx_dis_attach(d, NBT_NS_OWNER, o + 2, 4);
            }
        } else if (type == 0x21 && rdlen >= 1) {
            uint8_t nn = nmx_rd_u8(&r, rd);
            nmx_dis_attach(d, NBT_NS_NNAMES, rd, 1);
            uint32_t o = rd + 1;
            for (unsigned k = 0; k < nn && o + 18 <= lim; k++, o += 18) {
                const uint8_t *p = nmx_rd_ptr(&r, o, 16);
                if (!p)
                    break;
                char txt[NB_TEXT_MAX];
                uint32_t tl = nb_text(p, txt, false);
                nmx_dis_attach_ex(d, NBT_NS_NODENAME, o, 16, txt, tl, 2);
                nmx_dis_attach(d, NBT_NS_NBFLAGS, o + 16, 2);
            }
            if (o < lim)
                nmx_dis_attach(d, NBT_NS_RDATA, o, lim - o);
        } else if (rdlen) {
            nmx_dis_attach(d, NBT_NS_RDATA, rd, rdlen);
        }
        off = lim;
    }
}

/* The service of a frame from the ports of the layer below. */
static unsigned service(nmx_dis *d, bool *direct)
{
    const nmx_layer *p = nmx_dis_parent(d);
    *direct = false;
    if (!p)
        return SVC_NONE;
    nmx_rd r = nmx_rd_make(nmx_dis_frame(d) + p->offset, p->caplen);
    uint16_t a = nmx_rd_be16(&r, 0), b = nmx_rd_be16(&r, 2);
    if (!nmx_rd_ok(&r))
        return SVC_NONE;
    if (p->name == nmx_proto_tcp.name) {
        *direct = a != 139 && b != 139 && (a == 445 || b == 445);
        return SVC_SS;
    }
    if (a == 137 || b == 137)
        return SVC_NS;
    if (a == 138 || b == 138)
        return SVC_DS;
    return SVC_NONE;
}

static void nbt_dissect(nmx_dis *d, nmx_span s)
{
    bool direct;
    switch (service(d, &direct)) {
    case SVC_NS: ns_dissect(d, s); return;
    case SVC_DS: ds_dissect(d, s); return;
    case SVC_SS: ss_dissect(d, s, direct); return;
    default: nmx_dis_malformed(d, NULL); return;
    }
}

/* ---- texts --------------------------------------------------------------------- */

static const char *ns_op(unsigned op)
{
    switch (op) {
    case 0: return "Query";
    case 5: return "Registration";
    case 6: return "Release";
    case 7: return "WACK";
    case 8:
    case 9: return "Refresh";
    case 15: return "Multi-homed Registration";
    default: return "Unknown Opcode";
    }
}

static const char *ns_rcode(unsigned rc)
{
    static const char *const n[] = { "Success", "Format Error", "Server Failure", "Name Error",
                                     "Unsupported Request", "Refused", "Active Error",
                                     "Name in Conflict" };
    return rc < sizeof n / sizeof n[0] ? n[rc] : "Unknown Error";
}

static const char *set_byte(const SET *s, unsigned v)
{
    for (DWORD i = 0; i < s->nEntries; i++)
        if (s->lpLabeledByteTable[i].Value == v)
            return s->lpLabeledByteTable[i].Label;
    return NULL;
}

static size_t nbt_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    const nmx_layer *l = c->layer;
    nmx_rd r = nmx_rd_make(c->frame + l->offset, l->caplen);
    if (c->prop == NBT_NS_FLAGS) {
        uint64_t v;
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        unsigned f = (unsigned)v;
        return (size_t)snprintf(buf, n, "NS Flags = %s, OpCode - %s, RCode - %s",
                                f & 0x8000u ? "Response" : "Request", ns_op(f >> 11 & 15u),
                                ns_rcode(f & 15u));
    }
    if (c->prop != NBT_SUMMARY)
        return (size_t)-1;
    switch (nmx_fmt_aux(c, 0)) {
    case SVC_SS: {
        const char *t = set_byte(&ss_type_set, nmx_rd_u8(&r, 0));
        uint32_t len = nmx_fmt_aux(c, 1);
        if (nmx_rd_u8(&r, 0) == 0x81) {
            char a[NB_TEXT_MAX], b[NB_TEXT_MAX];
            uint32_t tl, end;
            nmx_rd m = nmx_rd_make(r.p + (r.len >= 4 ? 4 : r.len), r.len >= 4 ? r.len - 4 : 0);
            if (nb_name(&m, 0, a, &tl, &end, true) != NB_OK)
                strcpy(a, "?");
            if (nb_name(&m, end, b, &tl, &end, true) != NB_OK)
                strcpy(b, "?");
            return (size_t)snprintf(buf, n, "SS: %s, Dest: %s, Source: %s, Len: %u", t ? t : "?", a, b,
                                    len);
        }
        return (size_t)snprintf(buf, n, "SS: %s, Len: %u", t ? t : "Unknown", len);
    }
    case SVC_SS_CONT:
        return (size_t)snprintf(buf, n, "SS: Continuation Data (no TCP reassembly), Len: %u",
                                nmx_fmt_aux(c, 1));
    case SVC_DS: {
        unsigned t = nmx_rd_u8(&r, 0);
        const char *tn = set_byte(&ds_type_set, t);
        if (!nmx_rd_has(&r, 0, 1))
            return (size_t)snprintf(buf, n, "DS: Truncated header");
        return (size_t)snprintf(buf, n, "DS: Type = %u (%s)", t, tn ? tn : "Unknown");
    }
    case SVC_NS: {
        if (!nmx_rd_has(&r, 0, 12))
            return (size_t)snprintf(buf, n, "NS: Truncated header");
        unsigned f = nmx_rd_be16(&r, 2);
        bool resp = f & 0x8000u;
        unsigned qd = nmx_rd_be16(&r, 4);
        char name[NB_TEXT_MAX];
        uint32_t tl, end = 0;
        bool have = nb_name(&r, 12, name, &tl, &end, true) == NB_OK;
        unsigned type = have ? nmx_rd_be16(&r, end) : 0;
        const char *op = ns_op(f >> 11 & 15u);
        const char *stat = type == 0x21 ? " (Node Status)" : "";
        (void)qd;
        if (!resp)
            return (size_t)snprintf(buf, n, "NS: %s%s req. for %s", op, stat, have ? name : "?");
        return (size_t)snprintf(buf, n, "NS: %s%s resp. for %s, %s", op, stat, have ? name : "?",
                                ns_rcode(f & 15u));
    }
    default:
        return (size_t)snprintf(buf, n, "NetBIOS over TCP/IP");
    }
}

/* NS Flags' lines: R, OpCode (4 bits), AA, TC, RD, RA, two zero bits, B,
 * RCode (4 bits). */
static size_t nbt_bits(const nmx_fmtctx *c, unsigned k, char *buf, size_t n)
{
    static const nmx_bitfield fld[] = {
        { 15, 1 }, { 11, 4 }, { 10, 1 }, { 9, 1 }, { 8, 1 }, { 7, 1 }, { 5, 2 }, { 4, 1 }, { 0, 4 },
    };
    if (c->prop != NBT_NS_FLAGS)
        return (size_t)-1;
    char pic[17];
    unsigned x;
    if (!nmx__bits_field(c, k, fld, sizeof fld / sizeof fld[0], pic, &x))
        return 0;
    const char *t;
    if (k == 1)
        t = ns_op(x);
    else if (k == 6)
        t = "Reserved";
    else if (k == 8)
        t = ns_rcode(x);
    else
        t = nmx__bit_label(ns_flag_bits, sizeof ns_flag_bits / sizeof ns_flag_bits[0],
                           fld[k].shift, x != 0);
    return (size_t)snprintf(buf, n, "%s = %s", pic, t);
}

const nmx_protocol nmx_proto_nbt = {
    .name = "NBT",
    .comment = "NetBIOS over TCP/IP",
    .aliases = "NetBT|Nbt",
    .props = nbt_props,
    .nprops = NBT_NPROPS,
    .dissect = nbt_dissect,
    .format = nbt_format,
    .bits = nbt_bits,
    .handoff = { { NMX_HO_UDP_PORT, 137 }, { NMX_HO_UDP_PORT, 138 },
                 { NMX_HO_TCP_PORT, 139 }, { NMX_HO_TCP_PORT, 445 } },
};
