/*
 * \summary: IEEE 802.11 MAC frames (wireless LAN)
 *
 * specification: IEEE Std 802.11-2020 clause 9.2 (MAC frame formats) and
 * 9.3 (frame types): Frame Control (protocol version, type, subtype and
 * flags; little-endian like every 802.11 field), Duration/ID, one to four
 * addresses, Sequence Control, QoS Control in QoS data subtypes, HT Control
 * when the +HTC/Order flag is set on a QoS data or management frame, then
 * the frame body. The meaning of the addresses of a data frame follows its
 * To DS / From DS flags (table 9-30):
 *
 *   To DS  From DS   Address 1     Address 2      Address 3    Address 4
 *     0      0       Destination   Source         BSS ID       -
 *     0      1       Destination   BSS ID         Source       -
 *     1      0       BSS ID        Source         Destination  -
 *     1      1       Receiver      Transmitter    Destination  Source
 *
 * Management frames carry Destination, Source and BSS ID; control frames
 * a Receiver address and, except CTS and ACK, a Transmitter address.
 *
 * Brought here by: link type 105 (LINKTYPE_IEEE802_11), RADIOTAP, PPI
 * (DLT 105). The body of an unprotected data frame (subtypes with a body)
 * is an 802.2 LLC PDU: handed to LLC (NMX_HO_8023 key 0). Protected frames
 * stop here (the body is ciphertext); management and control bodies are
 * shown as data.
 *
 * No Network Monitor 2.x parser existed for 802.11: the protocol name
 * (WLAN) and the labels are ours, in Network Monitor's style.
 *
 *   +--------+--------+--------+--------+------------------------+
 *   | Frame Control   | Duration/ID     | Address 1 (6)          |
 *   +--------+--------+--------+--------+------------------------+
 *   | Address 2 (6)            | Address 3 (6)           | SeqCtl |
 *   +--------------------------+-------------------------+--------+
 *   | Address 4 (6, To+From DS)| QoS (2) | HT Control (4) | Body ...
 *   +--------------------------+---------+----------------+- - - -
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_BIT fcflag_bits[] = {
    { 8, NMX_STR("Not to DS"), NMX_STR("To DS") },
    { 9, NMX_STR("Not from DS"), NMX_STR("From DS") },
    { 10, NMX_STR("Last fragment"), NMX_STR("More fragments") },
    { 11, NMX_STR("Not a retry"), NMX_STR("Retry") },
    { 12, NMX_STR("Power management: active"), NMX_STR("Power management: power save") },
    { 13, NMX_STR("No more data"), NMX_STR("More data") },
    { 14, NMX_STR("Not protected"), NMX_STR("Protected") },
    { 15, NMX_STR("Not ordered / no HT Control"), NMX_STR("Ordered / +HTC") },
};
static SET fcflag_set = { sizeof fcflag_bits / sizeof fcflag_bits[0],
                          { .lpLabeledBit = fcflag_bits } };

#define WLAN_PROPS(X) \
    X(WLAN_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(WLAN_FC, "Frame Control", PROP_TYPE_WORD, PROP_QUAL_FLAGS, &fcflag_set, 0, 1, NMX_FMT_CUSTOM, "Frame control") \
    X(WLAN_DURATION, "Duration", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEC, "Duration/ID") \
    X(WLAN_RA, "Receiver address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Receiver Address") \
    X(WLAN_TA, "Transmitter address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Transmitter Address") \
    X(WLAN_DA, "Destination address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Destination Address") \
    X(WLAN_SA, "Source address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Source Address") \
    X(WLAN_BSSID, "BSS ID", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "BSSID") \
    X(WLAN_SEQ, "Sequence Control", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, NULL) \
    X(WLAN_QOS, "QoS Control", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, NULL) \
    X(WLAN_HTC, "HT Control", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, NULL) \
    X(WLAN_BODY, "Frame Body", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data") \
    X(WLAN_PROTECTED, "Protected Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { WLAN_PROPS(NMX_PROP_ENUM) WLAN_NPROPS };
static nmx_propdef wlan_props[] = { WLAN_PROPS(NMX_PROP_DEF) };

enum { T_MGMT = 0, T_CTRL = 1, T_DATA = 2 };
#define FC_TODS 0x01
#define FC_FROMDS 0x02
#define FC_PROTECTED 0x40
#define FC_ORDER 0x80

/* Roles of addresses 1-3 (and 4) of a data frame, by To DS / From DS. */
static const unsigned char data_roles[4][4] = {
    { WLAN_DA, WLAN_SA, WLAN_BSSID, 0 },
    { WLAN_BSSID, WLAN_SA, WLAN_DA, 0 },
    { WLAN_DA, WLAN_BSSID, WLAN_SA, 0 },
    { WLAN_RA, WLAN_TA, WLAN_DA, WLAN_SA },
};

static void wlan_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t fc0 = nmx_rd_u8(&r, 0), fc1 = nmx_rd_u8(&r, 1);
    if (!nmx_rd_ok(&r)) {
        nmx_dis_attach(d, WLAN_SUMMARY, 0, r.len);
        nmx_dis_truncated(d);
        return;
    }
    unsigned type = (fc0 >> 2) & 3u, sub = fc0 >> 4;
    bool att = nmx_dis_attaching(d);
    uint32_t hl;
    nmx_dis_set_aux(d, 0, (uint32_t)fc1 << 8 | fc0);
    PROPERTYINST *fcpi = NULL;
    if (att) {
        nmx_dis_attach(d, WLAN_SUMMARY, 0, r.len < 24 ? r.len : 24);
        fcpi = nmx_dis_attach(d, WLAN_FC, 0, 2);
        nmx_dis_attach(d, WLAN_DURATION, 2, 2);
    }
    if ((fc0 & 3u) != 0 || type == 3) { /* only protocol version 0 is defined */
        nmx_dis_malformed(d, fcpi);
        return;
    }
    if (type == T_CTRL) {
        hl = (sub == 12 || sub == 13) ? 10 : 16;
        if (att) {
            nmx_dis_attach(d, WLAN_RA, 4, 6);
            if (hl == 16)
                nmx_dis_attach(d, sub == 14 || sub == 15 ? WLAN_BSSID : WLAN_TA, 10, 6);
        }
        if (!nmx_rd_need(&r, 0, hl)) {
            nmx_dis_truncated(d);
            return;
        }
        if (att && r.len > hl)
            nmx_dis_attach(d, WLAN_BODY, hl, r.len - hl);
        return;
    }
    const unsigned char *roles = type == T_DATA ? data_roles[fc1 & 3u] : data_roles[0];
    hl = 24;
    if (type == T_DATA && (fc1 & 3u) == 3u)
        hl += 6;
    bool qos = type == T_DATA && (sub & 8u);
    if (qos)
        hl += 2;
    bool htc = (fc1 & FC_ORDER) && (qos || type == T_MGMT);
    if (htc)
        hl += 4;
    if (att) {
        nmx_dis_attach(d, roles[0], 4, 6);
        nmx_dis_attach(d, roles[1], 10, 6);
        nmx_dis_attach(d, roles[2], 16, 6);
        nmx_dis_attach(d, WLAN_SEQ, 22, 2);
        uint32_t o = 24;
        if (roles[3]) {
            nmx_dis_attach(d, roles[3], o, 6);
            o += 6;
        }
        if (qos) {
            nmx_dis_attach(d, WLAN_QOS, o, 2);
            o += 2;
        }
        if (htc)
            nmx_dis_attach(d, WLAN_HTC, o, 4);
    }
    if (!nmx_rd_need(&r, 0, hl)) {
        nmx_dis_truncated(d);
        return;
    }
    if (hl > s.wire) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    if (s.wire == hl)
        return;
    if (fc1 & FC_PROTECTED) {
        nmx_dis_attach(d, WLAN_PROTECTED, hl, r.len - hl);
        return;
    }
    nmx_dis_attach(d, WLAN_BODY, hl, r.len - hl);
    if (type == T_DATA && !(sub & 4u))
        nmx_dis_next(d, NMX_HO_8023, 0, nmx_span_from(s, hl));
}

static const char *const mgmt_names[16] = {
    "Association Request", "Association Response", "Reassociation Request",
    "Reassociation Response", "Probe Request", "Probe Response", "Timing Advertisement",
    "Reserved", "Beacon", "ATIM", "Disassociation", "Authentication", "Deauthentication",
    "Action", "Action No Ack", "Reserved",
};
static const char *const ctrl_names[16] = {
    "Reserved", "Reserved", "Trigger", "TACK", "Beamforming Report Poll", "VHT/HE NDP Announcement",
    "Control Frame Extension", "Control Wrapper", "Block Ack Request", "Block Ack", "PS-Poll",
    "RTS", "CTS", "ACK", "CF-End", "CF-End + CF-Ack",
};
static const char *const data_names[16] = {
    "Data", "Data + CF-Ack", "Data + CF-Poll", "Data + CF-Ack + CF-Poll", "Null", "CF-Ack",
    "CF-Poll", "CF-Ack + CF-Poll", "QoS Data", "QoS Data + CF-Ack", "QoS Data + CF-Poll",
    "QoS Data + CF-Ack + CF-Poll", "QoS Null", "Reserved", "QoS CF-Poll", "QoS CF-Ack + CF-Poll",
};

static const char *kind(unsigned fc)
{
    unsigned type = (fc >> 2) & 3u, sub = (fc >> 4) & 15u;
    switch (type) {
    case T_MGMT: return mgmt_names[sub];
    case T_CTRL: return ctrl_names[sub];
    case T_DATA: return data_names[sub];
    default: return "Extension";
    }
}

static size_t wlan_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    uint64_t v = 0;
    unsigned fc = nmx_fmt_aux(c, 0);
    switch (c->prop) {
    case WLAN_SUMMARY:
        if (c->layer->caplen < 2)
            return (size_t)snprintf(buf, n, "Truncated 802.11 header");
        return (size_t)snprintf(buf, n, "%s%s%s%s", kind(fc), (fc & 0x100) ? ", To DS" : "",
                                (fc & 0x200) ? ", From DS" : "",
                                (fc & 0x4000) ? ", Protected" : "");
    case WLAN_FC:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        return (size_t)snprintf(buf, n, "%s = 0x%04X (%s)", c->def->info.Label, (unsigned)v,
                                kind((unsigned)v));
    case WLAN_SEQ:
        if (!nmx__inst_number(c->pi, &v))
            return (size_t)-1;
        return (size_t)snprintf(buf, n, "%s = 0x%04X (Sequence number %u, Fragment number %u)",
                                c->def->info.Label, (unsigned)v, (unsigned)(v >> 4),
                                (unsigned)(v & 15u));
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_wlan = {
    .name = "WLAN",
    .comment = "IEEE 802.11 wireless LAN",
    .aliases = "802.11|IEEE80211|IEEE 802.11|WiFi",
    .props = wlan_props,
    .nprops = WLAN_NPROPS,
    .dissect = wlan_dissect,
    .format = wlan_format,
    .handoff = { { NMX_HO_LINKTYPE, 105 } },
};
