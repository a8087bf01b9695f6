/*
 * \summary: Network Monitor filter record (media type 0xFFFF): the display
 * or capture filter in force when the capture was saved
 *
 * specification: no Microsoft document describes this record. The layout
 * here is the one Wireshark decodes (epan/dissectors/packet-netmon.c,
 * "NetMon Filter"): Version (2 bytes), Filter Type (4), application major
 * and minor version (4 each), all big-endian, then the application name and
 * the filter text, each a NUL-terminated UTF-16LE string.
 *
 * Brought here by: Network Monitor media type 0xFFFF (netmon-expert-api.md
 * §11.5). A record of the capture file, not a network frame: named, its
 * fields shown, nothing handed on.
 *
 * Names are ours in Network Monitor's style: NETMON_FILTER, summary
 * "NETMON_FILTER: Filter: tcp.port == 445".
 *
 *   +-------+---------------+---------------+---------------+- - -
 *   |Version|  Filter Type  | App Major Ver | App Minor Ver | App Name\0\0
 *   +-------+---------------+---------------+---------------+- - -
 *   - - - - - - - - - - - - - - - - - - -+
 *     Filter text (UTF-16LE) \0\0        |
 *   - - - - - - - - - - - - - - - - - - -+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define FLT_PROPS(X) \
    X(FLT_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(FLT_VERSION, "Version", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(FLT_TYPE, "Filter Type", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(FLT_APPMAJOR, "Application Major Version", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(FLT_APPMINOR, "Application Minor Version", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(FLT_APPNAME, "Application Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, IFLAG_UNICODE, 1, NMX_FMT_COLON_STR, NULL) \
    X(FLT_TEXT, "Filter", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, IFLAG_UNICODE, 1, NMX_FMT_COLON_STR, "Filter String|Filter Text") \
    X(FLT_DATA, "Filter Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { FLT_PROPS(NMX_PROP_ENUM) FLT_NPROPS };
static nmx_propdef flt_props[] = { FLT_PROPS(NMX_PROP_DEF) };

#define FLT_FIXED 14

/* Length in bytes of the UTF-16LE string at o, without its NUL; sets
 * *terminated when the NUL is there. */
static uint32_t wstr_len(nmx_rd *r, uint32_t o, bool *terminated)
{
    uint32_t n = 0;
    *terminated = false;
    while (nmx_rd_has(r, o + n, 2)) {
        if (nmx_rd_le16(r, o + n) == 0) {
            *terminated = true;
            break;
        }
        n += 2;
    }
    return n;
}

static void flt_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    nmx_dis_attach(d, FLT_SUMMARY, 0, r.len < FLT_FIXED ? r.len : FLT_FIXED);
    nmx_dis_attach(d, FLT_VERSION, 0, 2);
    nmx_dis_attach(d, FLT_TYPE, 2, 4);
    nmx_dis_attach(d, FLT_APPMAJOR, 6, 4);
    nmx_dis_attach(d, FLT_APPMINOR, 10, 4);
    if (!nmx_rd_need(&r, 0, FLT_FIXED)) {
        nmx_dis_truncated(d);
        return;
    }
    if (!nmx_dis_attaching(d))
        return;                     /* nothing to hand on: no need to look */
    bool z;
    uint32_t o = FLT_FIXED, n = wstr_len(&r, o, &z);
    nmx_dis_attach(d, FLT_APPNAME, o, n);
    if (!z) {
        /* the string runs to the end of what was captured */
        if (r.len < s.wire)
            nmx_dis_truncated(d);
        else
            nmx_dis_malformed(d, NULL);
        return;
    }
    o += n + 2;
    n = wstr_len(&r, o, &z);
    nmx_dis_attach(d, FLT_TEXT, o, n);
    nmx_dis_set_aux(d, 0, o);
    nmx_dis_set_aux(d, 1, n);
    if (!z) {
        if (r.len < s.wire)
            nmx_dis_truncated(d);
        else
            nmx_dis_malformed(d, NULL);
        return;
    }
    o += n + 2;
    if (r.len > o)
        nmx_dis_attach(d, FLT_DATA, o, r.len - o);
}

static size_t flt_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != FLT_SUMMARY)
        return (size_t)-1;
    uint32_t o = nmx_fmt_aux(c, 0), len = nmx_fmt_aux(c, 1);
    if (!o)
        return (size_t)snprintf(buf, n, "Network Monitor filter record");
    /* The filter text, narrowed: printable ASCII as is, others as '?'. */
    const uint8_t *p = c->frame + c->layer->offset + o;
    int w = snprintf(buf, n, "Filter: ");
    if (w < 0)
        return (size_t)-1;
    size_t at = (size_t)w;
    for (uint32_t i = 0; i + 1 < len && at < 200; i += 2, at++) {
        unsigned ch = p[i] | (unsigned)p[i + 1] << 8;
        if (at + 1 < n)
            buf[at] = ch >= 0x20 && ch < 0x7F ? (char)ch : '?';
    }
    if (n)
        buf[at < n ? at : n - 1] = 0;
    return at;
}

const nmx_protocol nmx_proto_nm_filter = {
    .name = "NETMON_FILTER",
    .comment = "Network Monitor filter record",
    .props = flt_props,
    .nprops = FLT_NPROPS,
    .dissect = flt_dissect,
    .format = flt_format,
    .handoff = { { NMX_HO_NETMON_MEDIA, 0xFFFF } },
};
