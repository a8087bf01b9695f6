/*
 * \summary: PPP over Ethernet (discovery and session stages)
 *
 * specification: RFC 2516 section 4 (packet format: VER 1, TYPE 1, CODE,
 * SESSION_ID, LENGTH of the payload) and section 5 (discovery: PADI 0x09,
 * PADO 0x07, PADR 0x19, PADS 0x65, PADT 0xA7, whose payload is a list of
 * TAG_TYPE / TAG_LENGTH / TAG_VALUE, Appendix A); a session packet has
 * CODE 0 and carries one PPP frame starting at its Protocol field.
 *
 * Brought here by: EtherType 0x8863 (discovery) and 0x8864 (session), and
 * link type 51 (LINKTYPE_PPP_ETHER: the packet starts with this header).
 * Hands session payloads to PPP.
 *
 * No Network Monitor parser for PPPoE is published: names, labels and
 * summary ("PPPOE: Session, ID = 0x0011, Length = 36"; "PPPOE: PADI,
 * Length = 12") are ours.
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  VER  | TYPE  |      CODE     |          SESSION_ID           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |            LENGTH             |           payload ...
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_BYTE codes[] = {
    { 0x00, NMX_STR("Session Data") },
    { 0x07, NMX_STR("PADO - Active Discovery Offer") },
    { 0x09, NMX_STR("PADI - Active Discovery Initiation") },
    { 0x19, NMX_STR("PADR - Active Discovery Request") },
    { 0x65, NMX_STR("PADS - Active Discovery Session-confirmation") },
    { 0xA7, NMX_STR("PADT - Active Discovery Terminate") },
};
static SET code_set = { sizeof codes / sizeof codes[0], { .lpLabeledByteTable = codes } };

static LABELED_WORD tags[] = {
    { 0x0000, NMX_STR("End-Of-List") }, { 0x0101, NMX_STR("Service-Name") },
    { 0x0102, NMX_STR("AC-Name") }, { 0x0103, NMX_STR("Host-Uniq") },
    { 0x0104, NMX_STR("AC-Cookie") }, { 0x0105, NMX_STR("Vendor-Specific") },
    { 0x0110, NMX_STR("Relay-Session-Id") }, { 0x0120, NMX_STR("PPP-Max-Payload") },
    { 0x0201, NMX_STR("Service-Name-Error") }, { 0x0202, NMX_STR("AC-System-Error") },
    { 0x0203, NMX_STR("Generic-Error") },
};
static SET tag_set = { sizeof tags / sizeof tags[0], { .lpLabeledWordTable = tags } };

#define PPPOE_PROPS(X) \
    X(PPPOE_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(PPPOE_VERSION, "Version", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(PPPOE_TYPE, "Type", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(PPPOE_CODE, "Code", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &code_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(PPPOE_SESSION, "Session ID", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "Session Identifier") \
    X(PPPOE_LENGTH, "Payload Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Length") \
    X(PPPOE_TAG, "Tag Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &tag_set, NMX_SW, 2, NMX_FMT_HEXSET, "Tag") \
    X(PPPOE_TAG_LEN, "Tag Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(PPPOE_TAG_STR, "Tag Text", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_COLON_STR, NULL) \
    X(PPPOE_TAG_VALUE, "Tag Value", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(PPPOE_DATA, "PPPoE Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { PPPOE_PROPS(NMX_PROP_ENUM) PPPOE_NPROPS };
static nmx_propdef pppoe_props[] = { PPPOE_PROPS(NMX_PROP_DEF) };

#define PPPOE_HDR 6

/* Discovery tags (RFC 2516 Appendix A); names and errors are UTF-8 text. */
static void pppoe_tags(nmx_dis *d, nmx_rd *r, uint32_t end)
{
    for (uint32_t o = PPPOE_HDR; o < end;) {
        uint16_t type = nmx_rd_be16(r, o), len = nmx_rd_be16(r, o + 2);
        nmx_dis_attach(d, PPPOE_TAG, o, 2);
        PROPERTYINST *pl = nmx_dis_attach(d, PPPOE_TAG_LEN, o + 2, 2);
        if (!nmx_rd_ok(r))
            return;
        if (end - o < 4 || len > end - o - 4) {
            nmx_dis_malformed(d, pl);
            return;
        }
        bool text = type == 0x0101 || type == 0x0102 || type >= 0x0201;
        if (len)
            nmx_dis_attach(d, text ? PPPOE_TAG_STR : PPPOE_TAG_VALUE, o + 4, len);
        if (type == 0x0000)
            return;
        o += 4u + len;
    }
}

static void pppoe_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t vt = nmx_rd_u8(&r, 0), code = nmx_rd_u8(&r, 1);
    uint16_t len = nmx_rd_be16(&r, 4);
    bool attach = nmx_dis_attaching(d);
    PROPERTYINST *pv = NULL, *pt = NULL, *pl = NULL;
    if (attach) {
        nmx_dis_attach(d, PPPOE_SUMMARY, 0, r.len < PPPOE_HDR ? r.len : PPPOE_HDR);
        if (nmx_rd_has(&r, 0, 1)) {
            uint8_t b = (uint8_t)(vt >> 4);
            pv = nmx_dis_attach_ex(d, PPPOE_VERSION, 0, 1, &b, 1, 1);
            b = vt & 0x0Fu;
            pt = nmx_dis_attach_ex(d, PPPOE_TYPE, 0, 1, &b, 1, 1);
        }
        nmx_dis_attach(d, PPPOE_CODE, 1, 1);
        nmx_dis_attach(d, PPPOE_SESSION, 2, 2);
        pl = nmx_dis_attach(d, PPPOE_LENGTH, 4, 2);
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, (uint32_t)code << 16 | len);
    nmx_dis_set_aux(d, 1, 1);
    if (vt != 0x11) {
        nmx_dis_malformed(d, (vt >> 4) != 1 ? pv : pt);
        return;
    }
    uint32_t dlen = len;
    if (dlen > s.wire - PPPOE_HDR) {
        nmx_dis_malformed(d, pl);
        dlen = s.wire - PPPOE_HDR;
    }
    nmx_span pay = nmx_span_sub(s, PPPOE_HDR, dlen);
    if (dlen == 0)
        return;
    nmx_dis_attach(d, PPPOE_DATA, PPPOE_HDR, pay.len);
    if (code == 0x00) {
        nmx_dis_next_proto(d, &nmx_proto_ppp, pay);
        return;
    }
    /* walked without attaching too: a tag running past the payload makes
     * the layer malformed whether or not properties are attached */
    nmx_rd rt = nmx_dis_rd(d, nmx_span_sub(s, 0, PPPOE_HDR + dlen));
    pppoe_tags(d, &rt, PPPOE_HDR + dlen);
    if (!nmx_rd_need(&r, 0, PPPOE_HDR + dlen))
        nmx_dis_truncated(d);
}

static size_t pppoe_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != PPPOE_SUMMARY)
        return (size_t)-1;
    if (!nmx_fmt_aux(c, 1))
        return (size_t)snprintf(buf, n, "Truncated PPPoE header");
    uint32_t a = nmx_fmt_aux(c, 0);
    unsigned code = a >> 16, len = a & 0xFFFFu;
    const uint8_t *h = c->frame + c->layer->offset;
    unsigned sid = (unsigned)h[2] << 8 | h[3];
    if (code == 0)
        return (size_t)snprintf(buf, n, "Session, ID = 0x%04X, Length = %u", sid, len);
    const char *name = NULL;
    for (size_t i = 0; i < code_set.nEntries; i++)
        if (codes[i].Value == code)
            name = codes[i].Label;
    if (name)
        return (size_t)snprintf(buf, n, "%.4s, ID = 0x%04X, Length = %u", name, sid, len);
    return (size_t)snprintf(buf, n, "Code 0x%02X, ID = 0x%04X, Length = %u", code, sid, len);
}

const nmx_protocol nmx_proto_pppoe = {
    .name = "PPPOE",
    .comment = "PPP over Ethernet",
    .aliases = "PPPoE|PPPOED|PPPOES",
    .props = pppoe_props,
    .nprops = PPPOE_NPROPS,
    .dissect = pppoe_dissect,
    .format = pppoe_format,
    .handoff = { { NMX_HO_ETHERTYPE, 0x8863 }, { NMX_HO_ETHERTYPE, 0x8864 },
                 { NMX_HO_LINKTYPE, 51 } },
};
