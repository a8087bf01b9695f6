/*
 * \summary: Radiotap header (802.11 radio information)
 *
 * specification: radiotap.org "Radiotap header" (the de facto standard of
 * Linux, the BSDs and libpcap; LINKTYPE_IEEE802_11_RADIOTAP, 127): version
 * (0), pad, header length (little-endian, the whole header), then one or
 * more 32-bit little-endian "present" words (bit 31 says another word
 * follows), then the fields the bits name, each aligned to its natural
 * size. Field 0 is TSFT (8 bytes, 8-aligned), field 1 Flags (1 byte),
 * whose bit 0x10 says the 802.11 frame ends with its 4-byte FCS.
 *
 * Brought here by: link type 127. Hands the bytes after the header to
 * WLAN (802.11), without the FCS when Flags say it is there. Only TSFT and
 * Flags are decoded; the other fields are shown as the header's data.
 *
 * No Network Monitor parser existed for this header: names are ours.
 *
 *   +--------+--------+--------+--------+
 *   |Version |  Pad   |  Header length  |
 *   +--------+--------+--------+--------+
 *   |  Present flags (32, more if bit 31)|
 *   +--------+--------+--------+--------+
 *   |  Fields ...                        |
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define RT_PROPS(X) \
    X(RT_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(RT_VERSION, "Header revision", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Version") \
    X(RT_PAD, "Header pad", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(RT_LEN, "Header length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(RT_PRESENT, "Present flags", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, NULL) \
    X(RT_TSFT, "TSF timer", PROP_TYPE_LARGEINT, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEC, "TSFT") \
    X(RT_FLAGS, "Flags", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, NULL) \
    X(RT_DATA, "Radio information", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, "Data")

enum { RT_PROPS(NMX_PROP_ENUM) RT_NPROPS };
static nmx_propdef rt_props[] = { RT_PROPS(NMX_PROP_DEF) };

#define RT_FLAG_FCS 0x10
#define RT_MAX_PRESENT 16 /* present words followed (ample: 8 are in use) */

static void rt_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t ver = nmx_rd_u8(&r, 0);
    uint16_t hl = nmx_rd_le16(&r, 2);
    bool att = nmx_dis_attaching(d);
    PROPERTYINST *vp = NULL, *lp = NULL;
    if (att) {
        nmx_dis_attach(d, RT_SUMMARY, 0, r.len < 8 ? r.len : 8);
        vp = nmx_dis_attach(d, RT_VERSION, 0, 1);
        nmx_dis_attach(d, RT_PAD, 1, 1);
        lp = nmx_dis_attach(d, RT_LEN, 2, 2);
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    if (ver != 0) {
        nmx_dis_malformed(d, vp);
        return;
    }
    if (hl < 8 || hl > s.wire) {
        nmx_dis_malformed(d, lp);
        return;
    }
    /* present words */
    uint32_t off = 4, first = 0;
    for (unsigned i = 0;; i++) {
        uint32_t w = nmx_rd_le32(&r, off);
        if (att)
            nmx_dis_attach(d, RT_PRESENT, off, 4);
        if (!nmx_rd_ok(&r)) {
            nmx_dis_truncated(d);
            return;
        }
        if (i == 0)
            first = w;
        off += 4;
        if (!(w & 0x80000000u))
            break;
        if (i + 1 == RT_MAX_PRESENT || off + 4 > hl) {
            nmx_dis_malformed(d, NULL);
            return;
        }
    }
    uint8_t flags = 0;
    if (first & 1u) { /* TSFT, 8-aligned */
        off = (off + 7u) & ~7u;
        if (off + 8 > hl) {
            nmx_dis_malformed(d, NULL);
            return;
        }
        nmx_dis_attach(d, RT_TSFT, off, 8);
        off += 8;
    }
    if (first & 2u) {
        if (off + 1 > hl) {
            nmx_dis_malformed(d, NULL);
            return;
        }
        flags = nmx_rd_u8(&r, off);
        nmx_dis_attach(d, RT_FLAGS, off, 1);
        if (!nmx_rd_ok(&r)) {
            nmx_dis_truncated(d);
            return;
        }
    }
    if (att && hl > 8 && r.len > 8)
        nmx_dis_attach(d, RT_DATA, 8, (r.len < hl ? r.len : hl) - 8);
    if (!nmx_rd_need(&r, 0, hl)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, hl);
    uint32_t body = s.wire - hl;
    if (flags & RT_FLAG_FCS)
        body = body >= 4 ? body - 4 : 0;
    if (body)
        nmx_dis_next_proto(d, &nmx_proto_wlan, nmx_span_sub(s, hl, body));
}

static size_t rt_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != RT_SUMMARY)
        return (size_t)-1;
    if (!nmx_fmt_aux(c, 0))
        return (size_t)snprintf(buf, n, "Truncated radiotap header");
    return (size_t)snprintf(buf, n, "Radio information, %u bytes", nmx_fmt_aux(c, 0));
}

const nmx_protocol nmx_proto_radiotap = {
    .name = "RADIOTAP",
    .comment = "Radiotap 802.11 radio information",
    .aliases = "Radiotap",
    .props = rt_props,
    .nprops = RT_NPROPS,
    .dissect = rt_dissect,
    .format = rt_format,
    .handoff = { { NMX_HO_LINKTYPE, 127 } },
};
