/*
 * \summary: Per-Packet Information header (PPI)
 *
 * specification: CACE Technologies "Per-Packet Information Header
 * Specification" version 1.0.10 (LINKTYPE_PPI, 192): version (0), flags,
 * header length and the DLT of the packet that follows (all little-endian),
 * then fields, each a type (2 bytes), a length (2 bytes) and that many
 * bytes of data. Field type 2, 802.11-Common, holds TSFT (8), flags (2),
 * rate, channel, FHSS and signal values (20 bytes in all); bit 0 of its
 * flags says the 802.11 frame ends with its 4-byte FCS.
 *
 * Brought here by: link type 192. Hands the packet after the header off
 * by its DLT as a pcap link type (105: WLAN, 1: ETHERNET, ...), without
 * the FCS when 802.11-Common says it is there.
 *
 * No Network Monitor parser existed for this header: names are ours.
 *
 *   +--------+--------+--------+--------+--------+--------+--------+--------+
 *   |Version | Flags  |  Header length  |               DLT                 |
 *   +--------+--------+--------+--------+--------+--------+--------+--------+
 *   |   Field type    |  Field length   |  Field data ...                   |
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_WORD fieldtypes[] = {
    { 2, NMX_STR("802.11-Common") }, { 3, NMX_STR("802.11n MAC Extensions") },
    { 4, NMX_STR("802.11n MAC+PHY Extensions") }, { 5, NMX_STR("Spectrum Map") },
    { 6, NMX_STR("Process Info") }, { 7, NMX_STR("Capture Info") },
    { 30002, NMX_STR("Aggregation Extension") }, { 30003, NMX_STR("802.3 Extension") },
};
static SET fieldtype_set = { sizeof fieldtypes / sizeof fieldtypes[0],
                             { .lpLabeledWordTable = fieldtypes } };

#define PPI_PROPS(X) \
    X(PPI_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(PPI_VERSION, "Version", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(PPI_FLAGS, "Flags", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, NULL) \
    X(PPI_LEN, "Header length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(PPI_DLT, "DLT", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEC, "Link type") \
    X(PPI_FTYPE, "Field type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &fieldtype_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(PPI_FLEN, "Field length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(PPI_FDATA, "Field data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_LABEL, NULL) \
    X(PPI_COMMON_FLAGS, "802.11-Common flags", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_HEX, NULL)

enum { PPI_PROPS(NMX_PROP_ENUM) PPI_NPROPS };
static nmx_propdef ppi_props[] = { PPI_PROPS(NMX_PROP_DEF) };

#define PPI_HDR 8
#define PPI_80211_COMMON 2
#define PPI_COMMON_FCS 0x0001
#define PPI_MAX_FIELDS 64

static void ppi_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t ver = nmx_rd_u8(&r, 0);
    uint16_t hl = nmx_rd_le16(&r, 2);
    uint32_t dlt = nmx_rd_le32(&r, 4);
    bool att = nmx_dis_attaching(d);
    PROPERTYINST *vp = NULL, *lp = NULL;
    if (att) {
        nmx_dis_attach(d, PPI_SUMMARY, 0, r.len < PPI_HDR ? r.len : PPI_HDR);
        vp = nmx_dis_attach(d, PPI_VERSION, 0, 1);
        nmx_dis_attach(d, PPI_FLAGS, 1, 1);
        lp = nmx_dis_attach(d, PPI_LEN, 2, 2);
        nmx_dis_attach(d, PPI_DLT, 4, 4);
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    if (ver != 0) {
        nmx_dis_malformed(d, vp);
        return;
    }
    if (hl < PPI_HDR || hl > s.wire) {
        nmx_dis_malformed(d, lp);
        return;
    }
    /* fields: the 802.11-Common flags decide about the FCS */
    bool fcs = false;
    uint32_t off = PPI_HDR;
    for (unsigned i = 0; off < hl && i < PPI_MAX_FIELDS; i++) {
        uint16_t ft = nmx_rd_le16(&r, off), fl = nmx_rd_le16(&r, off + 2);
        if (att) {
            nmx_dis_attach(d, PPI_FTYPE, off, 2);
            nmx_dis_attach(d, PPI_FLEN, off + 2, 2);
        }
        if (!nmx_rd_ok(&r)) {
            nmx_dis_truncated(d);
            return;
        }
        if (off + 4 > hl || fl > hl - off - 4) {
            nmx_dis_malformed(d, NULL);
            return;
        }
        if (att && fl)
            nmx_dis_attach(d, PPI_FDATA, off + 4, fl);
        if (ft == PPI_80211_COMMON && fl >= 10) {
            uint16_t cf = nmx_rd_le16(&r, off + 12);
            nmx_dis_attach(d, PPI_COMMON_FLAGS, off + 12, 2);
            if (!nmx_rd_ok(&r)) {
                nmx_dis_truncated(d);
                return;
            }
            fcs = (cf & PPI_COMMON_FCS) != 0;
        }
        off += 4u + fl;
    }
    if (!nmx_rd_need(&r, 0, hl)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, hl);
    nmx_dis_set_aux(d, 1, dlt);
    uint32_t body = s.wire - hl;
    if (fcs)
        body = body >= 4 ? body - 4 : 0;
    if (body)
        nmx_dis_next(d, NMX_HO_LINKTYPE, dlt, nmx_span_sub(s, hl, body));
}

static size_t ppi_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != PPI_SUMMARY)
        return (size_t)-1;
    if (!nmx_fmt_aux(c, 0))
        return (size_t)snprintf(buf, n, "Truncated PPI header");
    return (size_t)snprintf(buf, n, "Version 0, %u bytes, DLT %u", nmx_fmt_aux(c, 0),
                            nmx_fmt_aux(c, 1));
}

const nmx_protocol nmx_proto_ppi = {
    .name = "PPI",
    .comment = "Per-Packet Information header",
    .aliases = "Ppi",
    .props = ppi_props,
    .nprops = PPI_NPROPS,
    .dissect = ppi_dissect,
    .format = ppi_format,
    .handoff = { { NMX_HO_LINKTYPE, 192 } },
};
