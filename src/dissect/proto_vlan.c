/*
 * \summary: IEEE 802.1Q VLAN tag (also 802.1ad service tags and the
 * pre-standard 0x9100 tag)
 *
 * specification: IEEE 802.1Q-2018 clause 9.6 (VLAN tag format): a Tag
 * Control Information word of Priority Code Point (3 bits), Drop Eligible
 * Indicator (1 bit, the Canonical Format Indicator before 802.1Q-2011) and
 * VLAN Identifier (12 bits), followed by the EtherType (or 802.3 length) of
 * what the tag encloses. 802.1ad (EtherType 0x88A8) uses the same format for
 * its service tag; 0x9100 is the vendors' QinQ tag of the same shape.
 *
 * Brought here by: EtherType 0x8100, 0x88A8 and 0x9100 (from Ethernet, a
 * VLAN tag, SNAP, SLL or GRE). Each tag is one VLAN layer: a double-tagged
 * frame has two. Hands off by EtherType, or to LLC when the word after the
 * tag is an 802.3 length (1500 or less).
 *
 * Network Monitor 2.x's own VLAN parser has no published trace; the labels
 * "Priority" and "VLAN Identifier" follow 802.1Q's wording in Network
 * Monitor's style, and the summary is ours:
 *   VLAN: VLAN ID = 118; Priority = 0; ETYPE = 0x0800
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | PCP |D|   VLAN Identifier     |   Ethernet Type or Length     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   (the tag's own type, 0x8100/0x88A8/0x9100, ends the header before it)
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

/* IEEE 802.1Q-2018 Table I-2 (traffic types of the priority code points). */
static LABELED_BYTE priorities[] = {
    { 0, NMX_STR("Best Effort (default)") }, { 1, NMX_STR("Background") },
    { 2, NMX_STR("Excellent Effort") }, { 3, NMX_STR("Critical Applications") },
    { 4, NMX_STR("Video, < 100 ms latency and jitter") },
    { 5, NMX_STR("Voice, < 10 ms latency and jitter") },
    { 6, NMX_STR("Internetwork Control") }, { 7, NMX_STR("Network Control") },
};
static SET priority_set = { 8, { .lpLabeledByteTable = priorities } };

static LABELED_BIT dei_bits[] = {
    { 0, NMX_STR("Not eligible to be dropped"), NMX_STR("Eligible to be dropped") },
};
static SET dei_set = { 1, { .lpLabeledBit = dei_bits } };

#define VLAN_PROPS(X) \
    X(VLAN_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(VLAN_TCI, "Tag Control Information", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "TCI") \
    X(VLAN_PRIORITY, "Priority", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &priority_set, 0, 2, NMX_FMT_DEFAULT, "Priority Code Point|PCP|User Priority") \
    X(VLAN_DEI, "Drop Eligible Indicator", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &dei_set, 0, 2, NMX_FMT_DEFAULT, "DEI|CFI|Canonical Format Indicator") \
    X(VLAN_ID, "VLAN Identifier", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "VLAN ID|VID") \
    X(VLAN_TYPE, "Ethernet Type", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "EtherType|ETYPE") \
    X(VLAN_LENGTH, "802.3 Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Length") \
    X(VLAN_DATA, "VLAN Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    X(VLAN_PADDING, "Frame Padding", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL)

enum { VLAN_PROPS(NMX_PROP_ENUM) VLAN_NPROPS };
static nmx_propdef vlan_props[] = { VLAN_PROPS(NMX_PROP_DEF) };

#define VLAN_HDR 4

static void vlan_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint16_t tci = nmx_rd_be16(&r, 0);
    uint16_t tl = nmx_rd_be16(&r, 2);
    bool ok = nmx_rd_ok(&r);
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, VLAN_SUMMARY, 0, r.len < VLAN_HDR ? r.len : VLAN_HDR);
        if (nmx_rd_has(&r, 0, 2)) {
            nmx_dis_attach(d, VLAN_TCI, 0, 2);
            uint8_t b = (uint8_t)(tci >> 13);
            nmx_dis_attach_ex(d, VLAN_PRIORITY, 0, 1, &b, 1, 2);
            b = (uint8_t)((tci >> 12) & 1u);
            nmx_dis_attach_ex(d, VLAN_DEI, 0, 1, &b, 1, 2);
            uint16_t vid = (uint16_t)(tci & 0x0FFFu);
            nmx_dis_attach_ex(d, VLAN_ID, 0, 2, &vid, sizeof vid, 2);
        }
    }
    if (!ok) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, tci);
    nmx_dis_set_aux(d, 1, tl);
    if (tl >= 0x0600) {
        nmx_dis_attach(d, VLAN_TYPE, 2, 2);
        nmx_dis_attach(d, VLAN_DATA, VLAN_HDR, r.len - VLAN_HDR);
        nmx_dis_next(d, NMX_HO_ETHERTYPE, tl, nmx_span_from(s, VLAN_HDR));
        return;
    }
    /* An 802.3 length inside the tag: 802.2 LLC follows, and what is
     * beyond the length is padding. */
    PROPERTYINST *pl = nmx_dis_attach(d, VLAN_LENGTH, 2, 2);
    uint32_t avail = s.wire - VLAN_HDR;
    if (tl > 1500 || tl > avail) {
        nmx_dis_malformed(d, pl);
        tl = (uint16_t)(avail < 1500 ? avail : 1500);
    }
    nmx_span pay = nmx_span_sub(s, VLAN_HDR, tl);
    nmx_dis_attach(d, VLAN_DATA, VLAN_HDR, pay.len);
    if (r.len > VLAN_HDR + (uint32_t)tl)
        nmx_dis_attach(d, VLAN_PADDING, VLAN_HDR + tl, r.len - VLAN_HDR - tl);
    uint16_t first = nmx_rd_be16(&r, VLAN_HDR);
    if (nmx_rd_ok(&r))
        nmx_dis_next(d, NMX_HO_8023, first == 0xFFFF ? 1 : 0, pay);
}

static size_t vlan_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != VLAN_SUMMARY)
        return (size_t)-1;
    if (c->layer->caplen < VLAN_HDR)
        return (size_t)snprintf(buf, n, "Truncated VLAN tag");
    unsigned tci = nmx_fmt_aux(c, 0), tl = nmx_fmt_aux(c, 1);
    if (tl < 0x0600)
        return (size_t)snprintf(buf, n, "VLAN ID = %u; Priority = %u; 802.3 Length = %u",
                                tci & 0x0FFFu, tci >> 13, tl);
    return (size_t)snprintf(buf, n, "VLAN ID = %u; Priority = %u; ETYPE = 0x%04X", tci & 0x0FFFu,
                            tci >> 13, tl);
}

const nmx_protocol nmx_proto_vlan = {
    .name = "VLAN",
    .comment = "IEEE 802.1Q Virtual LAN tag",
    .aliases = "802.1Q|802.1ad|Vlan",
    .props = vlan_props,
    .nprops = VLAN_NPROPS,
    .dissect = vlan_dissect,
    .format = vlan_format,
    .handoff = { { NMX_HO_ETHERTYPE, 0x8100 }, { NMX_HO_ETHERTYPE, 0x88A8 },
                 { NMX_HO_ETHERTYPE, 0x9100 } },
};
