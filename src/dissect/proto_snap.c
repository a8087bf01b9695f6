/*
 * \summary: Subnetwork Access Protocol (802.2 SNAP)
 *
 * specification: IEEE Std 802-2014 clause 10.3 (Subnetwork Access Protocol):
 * a three-octet Organizationally Unique Identifier and a two-octet protocol
 * identifier after the LLC header with DSAP = SSAP = 0xAA. RFC 1042 carries
 * IP and ARP with OUI 00-00-00 and the EtherType as protocol identifier;
 * IEEE 802.1H uses OUI 00-00-F8 the same way.
 *
 * Brought here by: LLC SAP 0xAA. Hands off by EtherType when the OUI is
 * 00-00-00 or 00-00-F8; other OUIs name their own protocol identifiers and
 * are shown as data.
 *
 * Summary as Network Monitor 2.x printed it (netmon-parsers.md §3.2):
 * "ETYPE = 0x0806". Detail labels are ours.
 *
 *   +--------+--------+--------+--------+--------+- - - -
 *   |   Organization Code (OUI)|   Ethernet Type  | Data ...
 *   +--------+--------+--------+--------+--------+- - - -
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_DWORD ouis[] = {
    { 0x000000, NMX_STR("Encapsulated Ethernet (RFC 1042)") },
    { 0x00000C, NMX_STR("Cisco") },
    { 0x0000F8, NMX_STR("Bridge-Tunnel (IEEE 802.1H)") },
    { 0x0080C2, NMX_STR("IEEE 802.1") },
};
static SET oui_set = { sizeof ouis / sizeof ouis[0], { .lpLabeledDwordTable = ouis } };

#define SNAP_PROPS(X) \
    X(SNAP_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(SNAP_OUI, "Organization Code", PROP_TYPE_DWORD, PROP_QUAL_LABELED_SET, &oui_set, 0, 1, NMX_FMT_CUSTOM, "OUI|Organizationally Unique Identifier") \
    X(SNAP_TYPE, "Ethernet Type", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "EtherType|ETYPE|Protocol ID") \
    X(SNAP_DATA, "SNAP Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { SNAP_PROPS(NMX_PROP_ENUM) SNAP_NPROPS };
static nmx_propdef snap_props[] = { SNAP_PROPS(NMX_PROP_DEF) };

#define SNAP_HDR 5

static void snap_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint32_t oui = nmx_rd_be24(&r, 0);
    uint16_t type = nmx_rd_be16(&r, 3);
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, SNAP_SUMMARY, 0, r.len < SNAP_HDR ? r.len : SNAP_HDR);
        if (nmx_rd_has(&r, 0, 3))
            nmx_dis_attach_ex(d, SNAP_OUI, 0, 3, &oui, sizeof oui, 1);
        nmx_dis_attach(d, SNAP_TYPE, 3, 2);
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, oui);
    nmx_dis_set_aux(d, 1, type);
    if (s.wire <= SNAP_HDR)
        return;
    nmx_span pay = nmx_span_from(s, SNAP_HDR);
    nmx_dis_attach(d, SNAP_DATA, SNAP_HDR, pay.len);
    if (oui == 0x000000 || oui == 0x0000F8)
        nmx_dis_next(d, NMX_HO_ETHERTYPE, type, pay);
}

static size_t snap_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop == SNAP_OUI) {
        uint64_t v;
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        for (size_t i = 0; i < oui_set.nEntries; i++)
            if (ouis[i].Value == v)
                return (size_t)snprintf(buf, n, "%s = 0x%06X : %s", c->def->info.Label,
                                        (unsigned)v, ouis[i].Label);
        return (size_t)snprintf(buf, n, "%s = 0x%06X", c->def->info.Label, (unsigned)v);
    }
    if (c->prop != SNAP_SUMMARY)
        return (size_t)-1;
    if (c->layer->caplen < SNAP_HDR)
        return (size_t)snprintf(buf, n, "Truncated SNAP header");
    uint32_t oui = nmx_fmt_aux(c, 0), type = nmx_fmt_aux(c, 1);
    if (oui == 0 || oui == 0xF8)
        return (size_t)snprintf(buf, n, "ETYPE = 0x%04X", type);
    return (size_t)snprintf(buf, n, "OUI = 0x%06X, PID = 0x%04X", oui, type);
}

const nmx_protocol nmx_proto_snap = {
    .name = "SNAP",
    .comment = "Subnetwork Access Protocol",
    .aliases = "Snap",
    .props = snap_props,
    .nprops = SNAP_NPROPS,
    .dissect = snap_dissect,
    .format = snap_format,
    .handoff = { { NMX_HO_LLC_SAP, 0xAA } },
};
