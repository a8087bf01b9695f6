/*
 * \summary: IEEE 802.2 Logical Link Control
 *
 * specification: ISO/IEC 8802-2 (IEEE 802.2) clause 3 (LLC PDU structure)
 * and clause 5.3 (control field formats): DSAP and SSAP addresses, then a
 * control field of one octet for unnumbered (U) PDUs and two for
 * information (I) and supervisory (S) PDUs. The low bit of the DSAP marks a
 * group address, that of the SSAP a response.
 *
 * Brought here by: an 802.3 length in Ethernet or a VLAN tag (NMX_HO_8023
 * key 0), SLL protocol 0x0004. Hands the information field of UI and I PDUs
 * off by DSAP (0xAA: SNAP).
 *
 * Summary texts as Network Monitor 2.x printed them (netmon-parsers.md
 * §3.2): "UI DSAP=0xAA SSAP=0xAA C" and "C I-FRAME N(S) = 0x04, N(R) = 0x0E
 * POLL"; the supervisory form ("R RR N(R) = 0x0E FINAL") is ours, by
 * analogy. No Network Monitor detail labels for LLC are published; the
 * labels here are ours in the same style.
 *
 *   +--------+--------+--------+--------+- - - -
 *   |  DSAP  |  SSAP  | Control (1 or 2) | Information ...
 *   +--------+--------+--------+--------+- - - -
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

/* SAP values (IEEE "Standard Group MAC Addresses" and LSAP assignments). */
static LABELED_BYTE saps[] = {
    { 0x00, NMX_STR("Null LSAP") }, { 0x02, NMX_STR("LLC Sublayer Management") },
    { 0x04, NMX_STR("SNA Path Control") }, { 0x06, NMX_STR("DOD Internet Protocol") },
    { 0x0E, NMX_STR("PROWAY Network Management") }, { 0x42, NMX_STR("Spanning Tree BPDU") },
    { 0x7E, NMX_STR("ISO 8208 (X.25 over 802.2)") }, { 0x80, NMX_STR("XNS") },
    { 0x86, NMX_STR("Nestar") }, { 0x8E, NMX_STR("PROWAY Active Station List") },
    { 0x98, NMX_STR("ARPANET ARP") }, { 0xAA, NMX_STR("SNAP") },
    { 0xBC, NMX_STR("Banyan VINES") }, { 0xE0, NMX_STR("Novell NetWare") },
    { 0xF0, NMX_STR("NetBIOS") }, { 0xF4, NMX_STR("LAN Management") },
    { 0xF8, NMX_STR("Remote Program Load") }, { 0xFC, NMX_STR("Remote Program Load") },
    { 0xFE, NMX_STR("ISO Network Layer") }, { 0xFF, NMX_STR("Global DSAP") },
};
static SET sap_set = { sizeof saps / sizeof saps[0], { .lpLabeledByteTable = saps } };

static LABELED_BIT dsap_bits[] = {
    { 0, NMX_STR("Individual DSAP"), NMX_STR("Group DSAP") },
};
static SET dsap_bit_set = { 1, { .lpLabeledBit = dsap_bits } };
static LABELED_BIT ssap_bits[] = {
    { 0, NMX_STR("Command"), NMX_STR("Response") },
};
static SET ssap_bit_set = { 1, { .lpLabeledBit = ssap_bits } };

/* Unnumbered PDUs: the control octet without its P/F bit (0x10). */
static LABELED_BYTE u_cmds[] = {
    { 0x03, NMX_STR("UI") }, { 0x0F, NMX_STR("DM") }, { 0x43, NMX_STR("DISC") },
    { 0x63, NMX_STR("UA") }, { 0x6F, NMX_STR("SABME") }, { 0x87, NMX_STR("FRMR") },
    { 0xAF, NMX_STR("XID") }, { 0xE3, NMX_STR("TEST") },
};
static SET u_set = { sizeof u_cmds / sizeof u_cmds[0], { .lpLabeledByteTable = u_cmds } };

#define LLC_PROPS(X) \
    X(LLC_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(LLC_DSAP, "DSAP", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &sap_set, 0, 1, NMX_FMT_CUSTOM, "Destination SAP") \
    X(LLC_IG, "Individual/Group", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &dsap_bit_set, 0, 2, NMX_FMT_DEFAULT, "IG Bit") \
    X(LLC_SSAP, "SSAP", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &sap_set, 0, 1, NMX_FMT_CUSTOM, "Source SAP") \
    X(LLC_CR, "Command/Response", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &ssap_bit_set, 0, 2, NMX_FMT_DEFAULT, "CR Bit") \
    X(LLC_CONTROL, "Control", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, "Control Field") \
    X(LLC_CONTROL2, "Extended Control", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, NULL) \
    X(LLC_UCMD, "Unnumbered Command", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &u_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(LLC_NS, "N(S)", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "Send Sequence Number") \
    X(LLC_NR, "N(R)", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "Receive Sequence Number") \
    X(LLC_PF, "Poll/Final", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "P/F") \
    X(LLC_DATA, "LLC Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { LLC_PROPS(NMX_PROP_ENUM) LLC_NPROPS };
static nmx_propdef llc_props[] = { LLC_PROPS(NMX_PROP_DEF) };

static void llc_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t dsap = nmx_rd_u8(&r, 0), ssap = nmx_rd_u8(&r, 1), c = nmx_rd_u8(&r, 2);
    bool attach = nmx_dis_attaching(d);
    if (!nmx_rd_ok(&r)) {
        nmx_dis_attach(d, LLC_SUMMARY, 0, r.len);
        nmx_dis_attach(d, LLC_DSAP, 0, 1);
        nmx_dis_attach(d, LLC_SSAP, 1, 1);
        nmx_dis_truncated(d);
        return;
    }
    bool u = (c & 3u) == 3u;            /* unnumbered: one control octet */
    uint32_t hl = u ? 3 : 4;
    uint8_t c2 = u ? 0 : nmx_rd_u8(&r, 3);
    if (attach) {
        nmx_dis_attach(d, LLC_SUMMARY, 0, hl <= r.len ? hl : r.len);
        nmx_dis_attach(d, LLC_DSAP, 0, 1);
        uint8_t b = dsap & 1u;
        nmx_dis_attach_ex(d, LLC_IG, 0, 1, &b, 1, 2);
        nmx_dis_attach(d, LLC_SSAP, 1, 1);
        b = ssap & 1u;
        nmx_dis_attach_ex(d, LLC_CR, 1, 1, &b, 1, 2);
        if (u) {
            nmx_dis_attach(d, LLC_CONTROL, 2, 1);
            b = (uint8_t)(c & ~0x10u);
            nmx_dis_attach_ex(d, LLC_UCMD, 2, 1, &b, 1, 2);
            b = (uint8_t)((c >> 4) & 1u);
            nmx_dis_attach_ex(d, LLC_PF, 2, 1, &b, 1, 2);
        } else if (nmx_dis_attach(d, LLC_CONTROL2, 2, 2)) {
            if (!(c & 1u)) {
                b = (uint8_t)(c >> 1);
                nmx_dis_attach_ex(d, LLC_NS, 2, 1, &b, 1, 2);
            }
            b = (uint8_t)(c2 >> 1);
            nmx_dis_attach_ex(d, LLC_NR, 3, 1, &b, 1, 2);
            b = c2 & 1u;
            nmx_dis_attach_ex(d, LLC_PF, 3, 1, &b, 1, 2);
        }
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, (uint32_t)dsap << 24 | (uint32_t)ssap << 16 | (uint32_t)c << 8 | c2);
    if (s.wire <= hl)
        return;
    nmx_span pay = nmx_span_from(s, hl);
    nmx_dis_attach(d, LLC_DATA, hl, pay.len);
    /* Only UI and I PDUs carry a higher protocol's data. */
    if ((u && (c & ~0x10u) == 0x03) || !(c & 1u))
        nmx_dis_next(d, NMX_HO_LLC_SAP, dsap, pay);
}

static size_t llc_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    uint64_t v;
    switch (c->prop) {
    case LLC_DSAP:
    case LLC_SSAP: {
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        const char *name = NULL;
        for (size_t i = 0; i < sap_set.nEntries; i++)
            if (saps[i].Value == (v & 0xFEu))
                name = saps[i].Label;
        return name ? (size_t)snprintf(buf, n, "%s = 0x%02X : %s", c->def->info.Label,
                                       (unsigned)v, name)
                    : (size_t)snprintf(buf, n, "%s = 0x%02X", c->def->info.Label, (unsigned)v);
    }
    case LLC_SUMMARY:
        break;
    default:
        return (size_t)-1;
    }
    if (c->layer->caplen < 3)
        return (size_t)snprintf(buf, n, "Truncated LLC header");
    uint32_t a = nmx_fmt_aux(c, 0);
    unsigned dsap = a >> 24, ssap = (a >> 16) & 0xFFu, ctl = (a >> 8) & 0xFFu, c2 = a & 0xFFu;
    bool resp = ssap & 1u;
    const char *cr = resp ? "R" : "C";
    if ((ctl & 3u) == 3u) {
        const char *name = NULL;
        for (size_t i = 0; i < u_set.nEntries; i++)
            if (u_cmds[i].Value == (ctl & ~0x10u))
                name = u_cmds[i].Label;
        const char *pf = (ctl & 0x10u) ? (resp ? " FINAL" : " POLL") : "";
        if (name)
            return (size_t)snprintf(buf, n, "%s DSAP=0x%02X SSAP=0x%02X %s%s", name, dsap, ssap,
                                    cr, pf);
        return (size_t)snprintf(buf, n, "U-FRAME 0x%02X DSAP=0x%02X SSAP=0x%02X %s%s", ctl, dsap,
                                ssap, cr, pf);
    }
    if (c->layer->caplen < 4)
        return (size_t)snprintf(buf, n, "Truncated LLC header");
    const char *pf = (c2 & 1u) ? (resp ? " FINAL" : " POLL") : "";
    if (!(ctl & 1u))
        return (size_t)snprintf(buf, n, "%s I-FRAME N(S) = 0x%02X, N(R) = 0x%02X%s", cr, ctl >> 1,
                                c2 >> 1, pf);
    static const char *const sup[4] = { "RR", "RNR", "REJ", "S-FRAME" };
    return (size_t)snprintf(buf, n, "%s %s N(R) = 0x%02X%s", cr, sup[(ctl >> 2) & 3u], c2 >> 1,
                            pf);
}

const nmx_protocol nmx_proto_llc = {
    .name = "LLC",
    .comment = "IEEE 802.2 Logical Link Control",
    .aliases = "802.2|Llc",
    .props = llc_props,
    .nprops = LLC_NPROPS,
    .dissect = llc_dissect,
    .format = llc_format,
    .handoff = { { NMX_HO_8023, 0 } },
};
