/*
 * \summary: Linux netfilter NFLOG records
 *
 * specification: tcpdump.org "LINKTYPE_NFLOG" (link type 239) and the
 * Linux header <linux/netfilter/nfnetlink_log.h>: a 4-byte header (address
 * family, version 0, resource id in network order), then TLVs, each a
 * length (2 bytes, counting its 4-byte header) and a type (2 bytes, bit 15
 * "nested" ignored) in the capturing host's byte order (little-endian in
 * practice; libpcap writes them so), the value, and padding to 4 bytes.
 * NFULA_PAYLOAD (9) carries the packet, which starts with its network
 * header (IPv4 for family 2, IPv6 for family 10).
 *
 * Brought here by: link type 239. Hands the payload by family to
 * EtherType 0x0800 (IP) or 0x86DD (IP6).
 *
 * No Network Monitor parser existed for this record: names are ours,
 * the TLV names those of nfnetlink_log.h.
 *
 *   +--------+--------+--------+--------+
 *   | Family |Version |   Resource id   |
 *   +--------+--------+--------+--------+
 *   |   TLV length    |    TLV type     |  value ... (pad to 4)
 *   +--------+--------+--------+--------+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_BYTE families[] = {
    { 2, NMX_STR("IPv4") }, { 10, NMX_STR("IPv6") }, { 7, NMX_STR("Bridge") },
    { 3, NMX_STR("ARP") }, { 5, NMX_STR("Netdev") },
};
static SET family_set = { sizeof families / sizeof families[0],
                          { .lpLabeledByteTable = families } };

/* NFULA_* of nfnetlink_log.h */
static LABELED_WORD tlvtypes[] = {
    { 1, NMX_STR("NFULA_PACKET_HDR") }, { 2, NMX_STR("NFULA_MARK") },
    { 3, NMX_STR("NFULA_TIMESTAMP") }, { 4, NMX_STR("NFULA_IFINDEX_INDEV") },
    { 5, NMX_STR("NFULA_IFINDEX_OUTDEV") }, { 6, NMX_STR("NFULA_IFINDEX_PHYSINDEV") },
    { 7, NMX_STR("NFULA_IFINDEX_PHYSOUTDEV") }, { 8, NMX_STR("NFULA_HWADDR") },
    { 9, NMX_STR("NFULA_PAYLOAD") }, { 10, NMX_STR("NFULA_PREFIX") },
    { 11, NMX_STR("NFULA_UID") }, { 12, NMX_STR("NFULA_SEQ") },
    { 13, NMX_STR("NFULA_SEQ_GLOBAL") }, { 14, NMX_STR("NFULA_GID") },
    { 15, NMX_STR("NFULA_HWTYPE") }, { 16, NMX_STR("NFULA_HWHEADER") },
    { 17, NMX_STR("NFULA_HWLEN") }, { 18, NMX_STR("NFULA_CT") },
    { 19, NMX_STR("NFULA_CT_INFO") }, { 20, NMX_STR("NFULA_VLAN") },
    { 21, NMX_STR("NFULA_L2HDR") },
};
static SET tlvtype_set = { sizeof tlvtypes / sizeof tlvtypes[0],
                           { .lpLabeledWordTable = tlvtypes } };

#define NFLOG_PROPS(X) \
    X(NFLOG_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(NFLOG_FAMILY, "Address family", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &family_set, 0, 1, NMX_FMT_DEFAULT, "Family") \
    X(NFLOG_VERSION, "Version", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(NFLOG_RESID, "Resource id", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, NULL) \
    X(NFLOG_TLV_LEN, "TLV length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(NFLOG_TLV_TYPE, "TLV type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &tlvtype_set, 0, 2, NMX_FMT_CUSTOM, NULL) \
    X(NFLOG_TLV_VALUE, "TLV value", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(NFLOG_PREFIX, "Prefix", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_COLON_STR, NULL) \
    X(NFLOG_PAYLOAD, "Payload", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { NFLOG_PROPS(NMX_PROP_ENUM) NFLOG_NPROPS };
static nmx_propdef nflog_props[] = { NFLOG_PROPS(NMX_PROP_DEF) };

#define NFLOG_HDR 4
#define NFULA_PAYLOAD 9
#define NFULA_PREFIX 10
#define NFLOG_MAX_TLVS 64

static void nflog_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t fam = nmx_rd_u8(&r, 0), ver = nmx_rd_u8(&r, 1);
    bool att = nmx_dis_attaching(d);
    PROPERTYINST *vp = NULL;
    if (att) {
        nmx_dis_attach(d, NFLOG_SUMMARY, 0, r.len < NFLOG_HDR ? r.len : NFLOG_HDR);
        nmx_dis_attach(d, NFLOG_FAMILY, 0, 1);
        vp = nmx_dis_attach(d, NFLOG_VERSION, 1, 1);
        nmx_dis_attach(d, NFLOG_RESID, 2, 2);
    }
    (void)nmx_rd_be16(&r, 2);
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, fam);
    if (ver != 0) {
        nmx_dis_malformed(d, vp);
        return;
    }
    uint32_t off = NFLOG_HDR;
    for (unsigned i = 0; off < s.wire && i < NFLOG_MAX_TLVS; i++) {
        uint16_t len = nmx_rd_le16(&r, off), type = nmx_rd_le16(&r, off + 2) & 0x7FFFu;
        PROPERTYINST *lp = NULL;
        if (att) {
            lp = nmx_dis_attach(d, NFLOG_TLV_LEN, off, 2);
            nmx_dis_attach(d, NFLOG_TLV_TYPE, off + 2, 2);
        }
        if (!nmx_rd_ok(&r)) {
            nmx_dis_truncated(d);
            return;
        }
        if (len < 4 || len > s.wire - off) {
            nmx_dis_malformed(d, lp);
            return;
        }
        uint32_t vlen = len - 4u;
        if (type == NFULA_PAYLOAD) {
            nmx_span pay = nmx_span_sub(s, off + 4, vlen);
            nmx_dis_attach(d, NFLOG_PAYLOAD, off + 4, pay.len);
            nmx_dis_set_aux(d, 1, vlen);
            if (vlen && (fam == 2 || fam == 10))
                nmx_dis_next(d, NMX_HO_ETHERTYPE, fam == 2 ? 0x0800 : 0x86DD, pay);
            return;
        }
        if (att && vlen) {
            uint32_t have = nmx_rd_left(&r, off + 4);
            uint32_t n = vlen < have ? vlen : have;
            if (type == NFULA_PREFIX) {
                /* a NUL-terminated string: the text without its NUL */
                const uint8_t *p = nmx_rd_ptr(&r, off + 4, n);
                uint32_t sl = 0;
                while (p && sl < n && p[sl])
                    sl++;
                if (p)
                    nmx_dis_attach_ex(d, NFLOG_PREFIX, off + 4, n, p, sl, 2);
            } else {
                nmx_dis_attach(d, NFLOG_TLV_VALUE, off + 4, vlen);
            }
        }
        off += (len + 3u) & ~3u;
    }
}

static size_t nflog_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    uint64_t v = 0;
    switch (c->prop) {
    case NFLOG_SUMMARY: {
        unsigned fam = nmx_fmt_aux(c, 0);
        const char *fn = fam == 2 ? "IPv4" : fam == 10 ? "IPv6" : NULL;
        char fb[16];
        if (!fn) {
            snprintf(fb, sizeof fb, "family %u", fam);
            fn = fb;
        }
        return (size_t)snprintf(buf, n, "%s, payload %u bytes", fn, nmx_fmt_aux(c, 1));
    }
    case NFLOG_TLV_TYPE:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        for (size_t i = 0; i < tlvtype_set.nEntries; i++)
            if (tlvtypes[i].Value == (v & 0x7FFFu))
                return (size_t)snprintf(buf, n, "%s = %u (%s)", c->def->info.Label,
                                        (unsigned)v, tlvtypes[i].Label);
        return (size_t)snprintf(buf, n, "%s = %u", c->def->info.Label, (unsigned)v);
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_nflog = {
    .name = "NFLOG",
    .comment = "Linux netfilter log record",
    .aliases = "Nflog",
    .props = nflog_props,
    .nprops = NFLOG_NPROPS,
    .dissect = nflog_dissect,
    .format = nflog_format,
    .handoff = { { NMX_HO_LINKTYPE, 239 } },
};
