/*
 * \summary: User Datagram Protocol
 *
 * specification: RFC 768.
 *
 * Brought here by: IP protocol 17. Hands off by port (the lower port's
 * protocol first; ports.c names them) over the datagram's Length.
 *
 *    0      7 8     15 16    23 24    31
 *   +--------+--------+--------+--------+
 *   |     Source      |   Destination   |
 *   |      Port       |      Port       |
 *   +--------+--------+--------+--------+
 *   |     Length      |    Checksum     |
 *   +--------+--------+--------+--------+
 *   |          data octets ...
 *   +---------------- ...
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define UDP_PROPS(X) \
    X(UDP_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(UDP_SPORT, "Source Port", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &nmx__udp_port_set, NMX_SW, 1, NMX_FMT_HEXSET, "SrcPort") \
    X(UDP_DPORT, "Destination Port", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &nmx__udp_port_set, NMX_SW, 1, NMX_FMT_HEXSET, "DstPort") \
    X(UDP_LEN, "Total length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_BYTES, "Length") \
    X(UDP_CHECKSUM, "UDP Checksum", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "Checksum|CheckSum") \
    X(UDP_DATA, "Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { UDP_PROPS(NMX_PROP_ENUM) UDP_NPROPS };
static nmx_propdef udp_props[] = { UDP_PROPS(NMX_PROP_DEF) };

#define UDP_HDR 8

static void udp_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint16_t sport = nmx_rd_be16(&r, 0), dport = nmx_rd_be16(&r, 2);
    uint16_t len = nmx_rd_be16(&r, 4);
    nmx_dis_attach(d, UDP_SUMMARY, 0, r.len < UDP_HDR ? r.len : UDP_HDR);
    nmx_dis_attach(d, UDP_SPORT, 0, 2);
    nmx_dis_attach(d, UDP_DPORT, 2, 2);
    PROPERTYINST *pl = nmx_dis_attach(d, UDP_LEN, 4, 2);
    nmx_dis_attach(d, UDP_CHECKSUM, 6, 2);
    if (!nmx_rd_need(&r, 0, UDP_HDR)) {
        nmx_dis_truncated(d);
        return;
    }
    /* Length counts the header; 0 is legal only in IPv6 jumbograms (RFC
     * 2675), where the payload length says how long the datagram is. */
    uint32_t dlen = len;
    if (len == 0 && s.wire > 0xFFFFu) {
        dlen = s.wire;
    } else if (len < UDP_HDR) {
        nmx_dis_malformed(d, pl);
        return;
    } else if (len > s.wire) {
        nmx_dis_malformed(d, pl);
        dlen = s.wire;
    }
    nmx_dis_set_aux(d, 0, dlen);
    nmx_span p = nmx_span_sub(s, UDP_HDR, dlen - UDP_HDR);
    if (p.wire == 0)
        return;
    nmx_dis_attach(d, UDP_DATA, UDP_HDR, p.len);
    nmx_dis_next_port(d, NMX_HO_UDP_PORT, sport, dport, p);
}

/* Sent to a broadcast or multicast IPv4 address? (Network Monitor's
 * summary says "IP Multicast: " then.) */
static bool to_group(const nmx_fmtctx *c)
{
    const nmx_layer *ip = nmx_fmt_layer(c, -1);
    if (!ip || ip->caplen < 20 || (c->frame[ip->offset] >> 4) != 4)
        return false;
    const uint8_t *a = c->frame + ip->offset + 16;
    return (a[0] >= 224 && a[0] <= 239) || (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static size_t udp_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != UDP_SUMMARY)
        return (size_t)-1;
    if (c->layer->caplen < UDP_HDR)
        return (size_t)snprintf(buf, n, "Truncated UDP header");
    const uint8_t *h = c->frame + c->layer->offset;
    unsigned sp = (unsigned)h[0] << 8 | h[1], dp = (unsigned)h[2] << 8 | h[3];
    unsigned len = (unsigned)h[4] << 8 | h[5];
    const char *sa = nmx__port_abbrev((uint16_t)sp, true);
    const char *da = nmx__port_abbrev((uint16_t)dp, true);
    return (size_t)snprintf(buf, n, "%sSrc Port: %s, (%u); Dst Port: %s (%u); Length = %u (0x%X)",
                            to_group(c) ? "IP Multicast: " : "", sa ? sa : "Unknown", sp,
                            da ? da : "Unknown", dp, len, len);
}

const nmx_protocol nmx_proto_udp = {
    .name = "UDP",
    .comment = "User Datagram Protocol",
    .aliases = "Udp",
    .props = udp_props,
    .nprops = UDP_NPROPS,
    .dissect = udp_dissect,
    .format = udp_format,
    .handoff = { { NMX_HO_IPPROTO, 17 } },
};
