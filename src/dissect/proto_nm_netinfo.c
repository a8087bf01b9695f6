/*
 * \summary: Network Monitor network information records (media types
 * 0xFFFD, the adapter list, and 0xFFFB, its extended form)
 *
 * specification: no Microsoft document describes these records. For
 * 0xFFFD the layout is the one Wireshark decodes
 * (epan/dissectors/packet-netmon.c, "NetMon Network Info"): Version and
 * Adapter Count (2 bytes each, big-endian), the computer name
 * (NUL-terminated UTF-16LE), then per adapter its friendly name,
 * description and miniport GUID (NUL-terminated UTF-16LE strings), Media
 * Type and MTU (4 bytes each), Link Speed (8, bits per second), MAC address
 * (6), six counts (2 bytes each: IPv4 addresses, IPv6 addresses, gateways,
 * DHCP servers, IPv4 DNS servers, IPv6 DNS servers) and the addresses
 * themselves (IPv4 addresses and as many subnet masks, 4 bytes each; IPv6,
 * 16). The extended record (0xFFFB) has no public description: it is named
 * and shown as data.
 *
 * Brought here by: Network Monitor media types 0xFFFD and 0xFFFB
 * (netmon-expert-api.md §11.5). Records of the capture file, not network
 * frames: named, nothing handed on.
 *
 * Names are ours in Network Monitor's style: NETMON_NETINFO, summary
 * "NETMON_NETINFO: Adapter count: 2, Computer: HOST" or "Network info
 * (extended)".
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define NI_PROPS(X) \
    X(NI_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(NI_VERSION, "Version", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NI_COUNT, "Adapter Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NI_COMPUTER, "Computer Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, IFLAG_UNICODE, 1, NMX_FMT_COLON_STR, NULL) \
    X(NI_FRIENDLY, "Friendly Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, IFLAG_UNICODE, 2, NMX_FMT_COLON_STR, NULL) \
    X(NI_DESCR, "Description", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, IFLAG_UNICODE, 2, NMX_FMT_COLON_STR, NULL) \
    X(NI_GUID, "Miniport GUID", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, IFLAG_UNICODE, 2, NMX_FMT_COLON_STR, NULL) \
    X(NI_MEDIA, "Media Type", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(NI_MTU, "MTU", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(NI_SPEED, "Link Speed", PROP_TYPE_LARGEINT, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEC, NULL) \
    X(NI_MAC, "MAC Address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(NI_COUNTS, "Address Counts", PROP_TYPE_WORD, PROP_QUAL_ARRAY, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(NI_ADDRS, "Addresses", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_REMAINING, NULL) \
    X(NI_DATA, "Network Info Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { NI_PROPS(NMX_PROP_ENUM) NI_NPROPS };
static nmx_propdef ni_props[] = { NI_PROPS(NMX_PROP_DEF) };

#define MEDIA_NETINFO_EX 0xFFFBu

/* Attaches the NUL-terminated UTF-16LE string at *o as prop and moves *o
 * past its NUL; false when the NUL is not in the captured bytes. */
static bool wstr(nmx_dis *d, nmx_rd *r, unsigned prop, uint32_t *o)
{
    uint32_t n = 0;
    while (nmx_rd_need(r, *o + n, 2) && nmx_rd_le16(r, *o + n) != 0)
        n += 2;
    if (!nmx_rd_ok(r))
        return false;
    nmx_dis_attach(d, prop, *o, n);
    *o += n + 2;
    return true;
}

static void ni_dissect(nmx_dis *d, nmx_span s)
{
    int64_t prev;
    const nmx_frame *fr = nmx__dis_frame_rec(d, &prev);
    nmx_rd r = nmx_dis_rd(d, s);
    nmx_dis_attach(d, NI_SUMMARY, 0, r.len < 4 ? r.len : 4);
    if (fr->netmon_media == MEDIA_NETINFO_EX) {
        nmx_dis_set_aux(d, 1, 1);
        nmx_dis_attach(d, NI_DATA, 0, r.len);
        return;
    }
    uint16_t count = nmx_rd_be16(&r, 2);
    nmx_dis_attach(d, NI_VERSION, 0, 2);
    nmx_dis_attach(d, NI_COUNT, 2, 2);
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, (uint32_t)count << 16);
    if (!nmx_dis_attaching(d))
        return;
    uint32_t o = 4;
    if (!wstr(d, &r, NI_COMPUTER, &o))
        goto short_read;
    nmx_dis_set_aux(d, 0, (uint32_t)count << 16 | (o - 6) / 2);
    for (unsigned a = 0; a < count; a++) {
        if (!wstr(d, &r, NI_FRIENDLY, &o) || !wstr(d, &r, NI_DESCR, &o) ||
            !wstr(d, &r, NI_GUID, &o))
            goto short_read;
        nmx_dis_attach(d, NI_MEDIA, o, 4);
        nmx_dis_attach(d, NI_MTU, o + 4, 4);
        nmx_dis_attach(d, NI_SPEED, o + 8, 8);
        nmx_dis_attach(d, NI_MAC, o + 16, 6);
        nmx_dis_attach(d, NI_COUNTS, o + 22, 12);
        uint32_t v4 = nmx_rd_be16(&r, o + 22), v6 = nmx_rd_be16(&r, o + 24);
        uint32_t gw = nmx_rd_be16(&r, o + 26), dhcp = nmx_rd_be16(&r, o + 28);
        uint32_t dns4 = nmx_rd_be16(&r, o + 30), dns6 = nmx_rd_be16(&r, o + 32);
        if (!nmx_rd_ok(&r))
            goto short_read;
        o += 34;
        uint32_t alen = 8 * v4 + 16 * v6 + 4 * (gw + dhcp + dns4) + 16 * dns6;
        if (alen)
            nmx_dis_attach(d, NI_ADDRS, o, alen);
        if (!nmx_rd_need(&r, o, alen))
            goto short_read;
        o += alen;
    }
    return;
short_read:
    if (r.len < s.wire)
        nmx_dis_truncated(d);
    else
        nmx_dis_malformed(d, NULL);   /* the record says more than it holds */
}

static size_t ni_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != NI_SUMMARY)
        return (size_t)-1;
    if (nmx_fmt_aux(c, 1))
        return (size_t)snprintf(buf, n, "Network info (extended)");
    if (c->layer->caplen < 4)
        return (size_t)snprintf(buf, n, "Truncated network info record");
    uint32_t a = nmx_fmt_aux(c, 0);
    unsigned count = a >> 16, chars = a & 0xFFFFu;
    int w = snprintf(buf, n, "Adapter count: %u", count);
    if (w < 0 || !chars)
        return (size_t)w;
    const uint8_t *p = c->frame + c->layer->offset + 4;
    size_t at = (size_t)w;
    const char *lead = ", Computer: ";
    for (const char *q = lead; *q; q++, at++)
        if (at + 1 < n)
            buf[at] = *q;
    for (unsigned i = 0; i < chars && i < 64; i++, at++) {
        unsigned ch = p[2 * i] | (unsigned)p[2 * i + 1] << 8;
        if (at + 1 < n)
            buf[at] = ch >= 0x20 && ch < 0x7F ? (char)ch : '?';
    }
    if (n)
        buf[at < n ? at : n - 1] = 0;
    return at;
}

const nmx_protocol nmx_proto_nm_netinfo = {
    .name = "NETMON_NETINFO",
    .comment = "Network Monitor network information record",
    .props = ni_props,
    .nprops = NI_NPROPS,
    .dissect = ni_dissect,
    .format = ni_format,
    .handoff = { { NMX_HO_NETMON_MEDIA, 0xFFFD }, { NMX_HO_NETMON_MEDIA, 0xFFFB } },
};
