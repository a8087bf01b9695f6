/*
 * \summary: Transmission Control Protocol
 *
 * specification: RFC 9293 (header, options); RFC 3168 (ECE and CWR
 * flags); RFC 7323 (window scale, timestamps); RFC 2018 (SACK).
 *
 * Brought here by: IP protocol 6. Hands off by port (the lower port's
 * protocol first; ports.c names them) when the segment carries data.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Sequence Number                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Acknowledgment Number                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   |       |       |R|E|G|K|H|T|N|N|                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                           [Options]                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_BIT tcp_flag_bits[] = {
    { 7, NMX_STR("No Congestion Window Reduced"), NMX_STR("Congestion Window Reduced") },
    { 6, NMX_STR("No ECN-Echo"), NMX_STR("ECN-Echo") },
    { 5, NMX_STR("No urgent data"), NMX_STR("Urgent data") },
    { 4, NMX_STR("Acknowledgement field not significant"), NMX_STR("Acknowledgement field significant") },
    { 3, NMX_STR("No Push function"), NMX_STR("Push function") },
    { 2, NMX_STR("No Reset"), NMX_STR("Reset the connection") },
    { 1, NMX_STR("No Synchronize"), NMX_STR("Synchronize sequence numbers") },
    { 0, NMX_STR("No Fin"), NMX_STR("No more data from sender") },
};
static SET tcp_flag_set = { 8, { .lpLabeledBit = tcp_flag_bits } };

/* IANA "TCP Option Kind Numbers". */
static LABELED_BYTE tcp_opts[] = {
    { 0, NMX_STR("End of Option List") }, { 1, NMX_STR("No-Operation") },
    { 2, NMX_STR("Maximum Segment Size") }, { 3, NMX_STR("Window Scale") },
    { 4, NMX_STR("SACK Permitted") }, { 5, NMX_STR("SACK") },
    { 8, NMX_STR("Timestamps") }, { 19, NMX_STR("MD5 Signature") },
    { 28, NMX_STR("User Timeout") }, { 29, NMX_STR("TCP Authentication") },
    { 30, NMX_STR("Multipath TCP") }, { 34, NMX_STR("TCP Fast Open Cookie") },
};
static SET tcp_opt_set = { sizeof tcp_opts / sizeof tcp_opts[0], { .lpLabeledByteTable = tcp_opts } };

#define TCP_PROPS(X) \
    X(TCP_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(TCP_SPORT, "Source Port", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &nmx__tcp_port_set, NMX_SW, 1, NMX_FMT_HEXSET, "SrcPort") \
    X(TCP_DPORT, "Destination Port", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &nmx__tcp_port_set, NMX_SW, 1, NMX_FMT_HEXSET, "DstPort") \
    X(TCP_SEQ, "Sequence Number", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(TCP_ACK, "Acknowledgement Number", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Acknowledgment Number") \
    X(TCP_DOFF, "Data Offset", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(TCP_RESERVED, "Reserved", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(TCP_FLAGS, "Flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &tcp_flag_set, 0, 1, NMX_FMT_CUSTOM, NULL) \
    X(TCP_WINDOW, "Window", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Window Size") \
    X(TCP_CHECKSUM, "Checksum", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "CheckSum") \
    X(TCP_URGENT, "Urgent Pointer", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(TCP_OPTIONS, "Options", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(TCP_OPT_KIND, "Option Kind", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &tcp_opt_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TCP_OPT_LEN, "Option Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TCP_OPT_VALUE, "Option Value", PROP_TYPE_VAR_LEN_SMALL_INT, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(TCP_OPT_DATA, "Option Data", PROP_TYPE_RAW_DATA, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TCP_DATA, "Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { TCP_PROPS(NMX_PROP_ENUM) TCP_NPROPS };
static nmx_propdef tcp_props[] = { TCP_PROPS(NMX_PROP_DEF) };

#define TCP_MIN_HDR 20

static void tcp_options(nmx_dis *d, nmx_rd *r, uint32_t hl)
{
    nmx_dis_attach(d, TCP_OPTIONS, TCP_MIN_HDR, hl - TCP_MIN_HDR);
    for (uint32_t o = TCP_MIN_HDR; o < hl;) {
        uint8_t kind = nmx_rd_u8(r, o);
        if (!nmx_rd_ok(r))
            return;
        nmx_dis_attach(d, TCP_OPT_KIND, o, 1);
        if (kind == 0)
            return;
        if (kind == 1) {
            o++;
            continue;
        }
        uint8_t len = nmx_rd_u8(r, o + 1);
        if (!nmx_rd_ok(r))
            return;
        PROPERTYINST *pl = nmx_dis_attach(d, TCP_OPT_LEN, o + 1, 1);
        if (len < 2 || len > hl - o) {
            nmx_dis_malformed(d, pl);
            return;
        }
        uint32_t vlen = len - 2u;
        /* Numbers (MSS, window scale, user timeout) as values; the rest
         * (SACK blocks, timestamps pairs, cookies) as bytes. */
        if (vlen > 0 && vlen <= 4 && (kind == 2 || kind == 3 || kind == 28))
            nmx_dis_attach(d, TCP_OPT_VALUE, o + 2, vlen);
        else if (vlen > 0)
            nmx_dis_attach(d, TCP_OPT_DATA, o + 2, vlen);
        o += len;
    }
}

static void tcp_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint16_t sport = nmx_rd_be16(&r, 0), dport = nmx_rd_be16(&r, 2);
    uint8_t offres = nmx_rd_u8(&r, 12);
    uint32_t hl = (uint32_t)(offres >> 4) * 4;
    bool attach = nmx_dis_attaching(d);
    if (attach) {
        nmx_dis_attach(d, TCP_SUMMARY, 0, hl && hl < r.len ? hl : r.len);
        nmx_dis_attach(d, TCP_SPORT, 0, 2);
        nmx_dis_attach(d, TCP_DPORT, 2, 2);
        nmx_dis_attach(d, TCP_SEQ, 4, 4);
        nmx_dis_attach(d, TCP_ACK, 8, 4);
        uint8_t v = (uint8_t)hl;
        PROPERTYINST *po = nmx_dis_attach_ex(d, TCP_DOFF, 12, 1, &v, 1, 1);
        if (nmx_rd_has(&r, 12, 1) && hl < TCP_MIN_HDR)
            nmx_dis_malformed(d, po);
        v = (uint8_t)(offres & 0x0Fu);
        nmx_dis_attach_ex(d, TCP_RESERVED, 12, 1, &v, 1, 1);
        nmx_dis_attach(d, TCP_FLAGS, 13, 1);
        nmx_dis_attach(d, TCP_WINDOW, 14, 2);
        nmx_dis_attach(d, TCP_CHECKSUM, 16, 2);
        nmx_dis_attach(d, TCP_URGENT, 18, 2);
    }
    /* A Data Offset below the fixed header is wrong however much of the
     * rest is missing (the same status with or without instances). */
    nmx_dis_set_aux(d, 0, s.wire);
    if (nmx_rd_has(&r, 12, 1) && hl < TCP_MIN_HDR) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    if (!nmx_rd_need(&r, 0, TCP_MIN_HDR)) {
        nmx_dis_truncated(d);
        return;
    }
    if (hl < TCP_MIN_HDR || hl > s.wire) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    /* Options are walked in both modes: a malformed option makes the
     * layer MALFORMED whether or not instances are attached. */
    if (hl > TCP_MIN_HDR)
        tcp_options(d, &r, hl);
    if (hl > r.len) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_span pl = nmx_span_from(s, hl);
    if (pl.wire == 0)
        return;
    nmx_dis_attach(d, TCP_DATA, hl, pl.len);
    nmx_dis_next_port(d, NMX_HO_TCP_PORT, sport, dport, pl);
}

static void flag_picture(uint8_t f, char out[7])
{
    static const char letters[] = "UAPRSF";
    for (unsigned i = 0; i < 6; i++)
        out[i] = ((unsigned)f >> (5u - i)) & 1u ? letters[i] : '.';
    out[6] = 0;
}

static size_t tcp_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    const uint8_t *h = c->frame + c->layer->offset;
    char pic[7];
    uint64_t v;
    switch (c->prop) {
    case TCP_RESERVED:
        /* "Reserved = 0 (0x0000)" in Network Monitor's traces */
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        return (size_t)snprintf(buf, n, "Reserved = %u (0x%04X)", (unsigned)v, (unsigned)v);
    case TCP_OPT_KIND: {
        /* "Option Kind (Maximum Segment Size) = 2 (0x2)": the kind's name in
         * the label, its number as the value */
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        for (size_t i = 0; i < tcp_opt_set.nEntries; i++)
            if (tcp_opts[i].Value == v)
                return (size_t)snprintf(buf, n, "Option Kind (%s) = %u (0x%X)", tcp_opts[i].Label,
                                        (unsigned)v, (unsigned)v);
        return (size_t)snprintf(buf, n, "Option Kind = %u (0x%X)", (unsigned)v, (unsigned)v);
    }
    case TCP_FLAGS: {
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        flag_picture((uint8_t)v, pic);
        return (size_t)snprintf(buf, n, "Flags = 0x%02X : %s", (unsigned)v, pic);
    }
    case TCP_SUMMARY: {
        if (c->layer->caplen < TCP_MIN_HDR)
            return (size_t)snprintf(buf, n, "Truncated TCP header");
        unsigned sp = (unsigned)h[0] << 8 | h[1], dp = (unsigned)h[2] << 8 | h[3];
        uint32_t seq = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
        uint32_t ack = (uint32_t)h[8] << 24 | (uint32_t)h[9] << 16 | (uint32_t)h[10] << 8 | h[11];
        unsigned win = (unsigned)h[14] << 8 | h[15];
        /* Network Monitor's "len" counts everything after the fixed
         * 20-byte header, options included; the range is seq..seq+len
         * (Windows 2000-era traces), its end not padded. */
        uint32_t seglen = nmx_fmt_aux(c, 0);
        uint32_t len = seglen > TCP_MIN_HDR ? seglen - TCP_MIN_HDR : 0;
        const char *sa = nmx__port_abbrev((uint16_t)sp, false);
        const char *da = nmx__port_abbrev((uint16_t)dp, false);
        char sn[32] = "", dn[32] = "";
        if (sa)
            snprintf(sn, sizeof sn, " (%s)", sa);
        if (da)
            snprintf(dn, sizeof dn, " (%s)", da);
        flag_picture(h[13], pic);
        return (size_t)snprintf(buf, n,
                                "%s, len:%5u, seq:%10u-%u, ack:%10u, win:%5u, src:%5u%s  dst:%5u%s",
                                pic, len, seq, (uint32_t)(seq + len), ack, win, sp, sn, dp, dn);
    }
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_tcp = {
    .name = "TCP",
    .comment = "Transmission Control Protocol",
    .aliases = "Tcp",
    .props = tcp_props,
    .nprops = TCP_NPROPS,
    .dissect = tcp_dissect,
    .format = tcp_format,
    .handoff = { { NMX_HO_IPPROTO, 6 } },
};
