/*
 * \summary: BSD loopback encapsulation (NULL and LOOP link types)
 *
 * specification: tcpdump.org "Link-layer header types": LINKTYPE_NULL (0)
 * starts each packet with the 4-byte protocol family (AF_ value) of the
 * capturing host, in that host's byte order; LINKTYPE_LOOP (108, OpenBSD)
 * is the same in network byte order. AF_INET is 2 everywhere; AF_INET6 is
 * 24 (NetBSD, OpenBSD), 28 (FreeBSD, DragonFly BSD), 30 (macOS) or 10
 * (Linux).
 *
 * The byte order of a NULL header is not recorded: the family is small, so
 * the order in which the value fits in 16 bits is the host's. Some writers
 * put an EtherType in the header's last two bytes instead (neither order
 * gives a small value): that is handed off by EtherType.
 *
 * Brought here by: link types 0 and 108. Hands off by family
 * (NMX_HO_NULL_AF: 2 is IP; the IPv6 family numbers are IP6's).
 *
 * No Network Monitor parser existed for this header: the label "Address
 * Family" and the summary ("NULL: Family = IP (2)") are ours.
 *
 *   +--------+--------+--------+--------+- - - -
 *   |  Address family (host or network order)  | IP or IPv6 packet ...
 *   +--------+--------+--------+--------+- - - -
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_DWORD families[] = {
    { 2, NMX_STR("IP") }, { 7, NMX_STR("OSI") }, { 10, NMX_STR("IP6 (Linux)") },
    { 24, NMX_STR("IP6 (NetBSD, OpenBSD)") }, { 28, NMX_STR("IP6 (FreeBSD)") },
    { 30, NMX_STR("IP6 (Darwin)") },
};
static SET family_set = { sizeof families / sizeof families[0],
                          { .lpLabeledDwordTable = families } };

#define NULL_PROPS(X) \
    X(NULL_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(NULL_FAMILY, "Address Family", PROP_TYPE_DWORD, PROP_QUAL_LABELED_SET, &family_set, 0, 1, NMX_FMT_CUSTOM, "Family|Protocol Family") \
    X(NULL_TYPE, "Ethernet Type", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "EtherType|ETYPE") \
    X(NULL_DATA, "Loopback Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { NULL_PROPS(NMX_PROP_ENUM) NULL_NPROPS };
static nmx_propdef null_props[] = { NULL_PROPS(NMX_PROP_DEF) };

#define NULL_HDR 4
#define LINKTYPE_LOOP 108

static void null_dissect(nmx_dis *d, nmx_span s)
{
    int64_t prev;
    const nmx_frame *fr = nmx__dis_frame_rec(d, &prev);
    nmx_rd r = nmx_dis_rd(d, s);
    uint32_t be = nmx_rd_be32(&r, 0), le = nmx_rd_le32(&r, 0);
    if (!nmx_rd_ok(&r)) {
        nmx_dis_attach(d, NULL_SUMMARY, 0, r.len);
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_attach(d, NULL_SUMMARY, 0, NULL_HDR);
    nmx_span pay = nmx_span_from(s, NULL_HDR);
    uint32_t fam;
    if (fr->linktype == LINKTYPE_LOOP || be <= 0xFFFFu) {
        fam = be;
    } else if (le <= 0xFFFFu) {
        fam = le;
    } else {
        uint16_t type = (uint16_t)be;
        nmx_dis_set_aux(d, 0, type);
        nmx_dis_set_aux(d, 1, 1);
        PROPERTYINST *pt = nmx_dis_attach(d, NULL_TYPE, 2, 2);
        if (type < 0x0600) {
            nmx_dis_malformed(d, pt);
            return;
        }
        if (s.wire > NULL_HDR) {
            nmx_dis_attach(d, NULL_DATA, NULL_HDR, pay.len);
            nmx_dis_next(d, NMX_HO_ETHERTYPE, type, pay);
        }
        return;
    }
    nmx_dis_set_aux(d, 0, fam);
    nmx_dis_attach_ex(d, NULL_FAMILY, 0, 4, &fam, sizeof fam, 1);
    if (s.wire <= NULL_HDR)
        return;
    nmx_dis_attach(d, NULL_DATA, NULL_HDR, pay.len);
    nmx_dis_next(d, NMX_HO_NULL_AF, fam, pay);
}

static const char *family_name(uint32_t f)
{
    for (size_t i = 0; i < family_set.nEntries; i++)
        if (families[i].Value == f)
            return families[i].Label;
    return NULL;
}

static size_t null_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    uint64_t v;
    const char *name;
    switch (c->prop) {
    case NULL_SUMMARY:
        if (c->layer->caplen < NULL_HDR)
            return (size_t)snprintf(buf, n, "Truncated loopback header");
        if (nmx_fmt_aux(c, 1))
            return (size_t)snprintf(buf, n, "ETYPE = 0x%04X", nmx_fmt_aux(c, 0));
        name = family_name(nmx_fmt_aux(c, 0));
        return (size_t)snprintf(buf, n, "Family = %s (%u)", name ? name : "Unknown",
                                nmx_fmt_aux(c, 0));
    case NULL_FAMILY:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        name = family_name((uint32_t)v);
        return (size_t)snprintf(buf, n, "%s = %s (%u)", c->def->info.Label,
                                name ? name : "Unknown", (unsigned)v);
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_null = {
    .name = "NULL",
    .comment = "BSD loopback encapsulation",
    .aliases = "LOOP|Loopback|Null",
    .props = null_props,
    .nprops = NULL_NPROPS,
    .dissect = null_dissect,
    .format = null_format,
    .handoff = { { NMX_HO_LINKTYPE, 0 }, { NMX_HO_LINKTYPE, 108 } },
};
