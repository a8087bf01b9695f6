/*
 * test_dissect_link2.c: the link layers beside Ethernet that captures of
 * other media carry: TOKENRING (802.5), FDDI, WLAN (802.11) alone and
 * behind RADIOTAP and PPI, NFLOG, IPNET (Solaris) and CHDLC (Cisco HDLC).
 *
 * Frames are built here byte by byte; each protocol is checked for its
 * layers, statuses, property values and texts, and cut at every byte
 * (never OK with a header cut short, never a crash). Then the shared
 * captures that carry these link types are dissected and compared, frame by
 * frame, with tshark's protocols and fields (skipped, visibly, without
 * ../shared or tshark).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dissect/dissect_int.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"
#include "nmx_test.h"

/* ---- helpers ------------------------------------------------------------ */

static nmx_dissector *g_dis;
static nmx_frame g_fr;

static void dis_cap(const uint8_t *b, uint32_t cap, uint32_t len, uint32_t lt)
{
    if (!g_dis)
        g_dis = nmx_dissector_new();
    assert_non_null(g_dis);
    memset(&g_fr, 0, sizeof g_fr);
    g_fr.data = b;
    g_fr.caplen = cap;
    g_fr.wirelen = len;
    g_fr.linktype = lt;
    assert_int_equal(nmx_dissect(g_dis, &g_fr, 0, NMX_DIS_ATTACH), NMX_OK);
}

static void dis(const uint8_t *b, uint32_t len, uint32_t lt)
{
    dis_cap(b, len, len, lt);
}

static const char *stack(void)
{
    static char s[512];
    s[0] = 0;
    for (unsigned i = 0; i < nmx_dissect_nlayers(g_dis); i++) {
        if (i)
            strcat(s, " ");
        strcat(s, nmx_dissect_layer(g_dis, i)->name);
    }
    return s;
}

static const nmx_layer *layer(const char *name, unsigned nth)
{
    for (unsigned i = 0; i < nmx_dissect_nlayers(g_dis); i++) {
        const nmx_layer *l = nmx_dissect_layer(g_dis, i);
        if (strcmp(l->name, name) == 0 && nth-- == 0)
            return l;
    }
    return NULL;
}

/* The layer, which the test requires: fails the test (never returns NULL). */
static const nmx_layer *need_layer(const char *name, unsigned nth)
{
    const nmx_layer *l = layer(name, nth);
    if (!l) {
        fail_msg("no %s layer #%u", name, nth);
        abort();
    }
    return l;
}

static const PROPERTYINST *prop(const nmx_layer *l, const char *label, unsigned nth)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(g_dis);
    if (!l || !pt) {
        fail_msg("no such layer (%s), or no properties", stack());
        return NULL;
    }
    for (uint32_t i = 0; i < l->ninst; i++) {
        const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + i];
        if (strcmp(pi->lpPropertyInfo->Label, label) == 0 && nth-- == 0)
            return pi;
    }
    return NULL;
}

static const char *text_of(const PROPERTYINST *pi)
{
    static char buf[1024];
    if (!pi) {
        fail_msg("no such property in %s", stack());
        return "";
    }
    nmx_dissect_text(g_dis, pi, buf, sizeof buf);
    return buf;
}

static const char *ptext(const char *name, const char *label)
{
    return text_of(prop(layer(name, 0), label, 0));
}

static uint64_t pval(const char *name, const char *label)
{
    const PROPERTYINST *pi = prop(layer(name, 0), label, 0);
    if (!pi)
        fail_msg("%s has no property \"%s\" (%s)", name, label, stack());
    uint64_t v;
    assert_true(nmx__inst_number(pi, &v));
    return v;
}

/* An address property's value as tshark prints it (aa:bb:..., dotted IPv4,
 * RFC 5952 IPv6); "" when the instance is not an address. */
static void addr_text(const PROPERTYINST *pi, char *out, size_t n)
{
    const uint8_t *p = GetPropertyInstanceData(pi);
    out[0] = 0;
    switch (pi->lpPropertyInfo->DataType) {
    case PROP_TYPE_ETHERNET_ADDRESS:
    case PROP_TYPE_TOKENRING_ADDRESS:
    case PROP_TYPE_FDDI_ADDRESS:
        snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4], p[5]);
        break;
    case PROP_TYPE_IP_ADDRESS:
        snprintf(out, n, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
        break;
    case PROP_TYPE_IP6_ADDRESS:
        inet_ntop(AF_INET6, p, out, (socklen_t)n);
        break;
    default:
        break;
    }
}

static const char *paddr_n(const char *name, const char *label, unsigned nth)
{
    static char buf[64];
    const PROPERTYINST *pi = prop(layer(name, 0), label, nth);
    if (!pi) {
        fail_msg("%s has no property \"%s\" #%u (%s)", name, label, nth, stack());
        return "";
    }
    addr_text(pi, buf, sizeof buf);
    return buf;
}

static const char *paddr(const char *name, const char *label)
{
    return paddr_n(name, label, 0);
}

static nmx_layer_status status_of(const char *name)
{
    const nmx_layer *l = layer(name, 0);
    if (!l) {
        fail_msg("no layer %s in %s", name, stack());
        return NMX_LAYER_MALFORMED;
    }
    return l->status;
}

/* Cuts the frame at every byte: nothing crashes, every text can be made,
 * and the layer `name` (when recognised) is never OK while the capture
 * stops before `hdr_end`; it is recognised one byte short of it, and OK
 * at hdr_start in the whole frame. */
static void cut_everywhere(const uint8_t *b, uint32_t len, uint32_t lt, const char *name,
                           uint32_t hdr_start, uint32_t hdr_end)
{
    for (uint32_t cut = 0; cut < len; cut++) {
        dis_cap(b, cut, len, lt);
        PROPERTYTABLE *pt = nmx_dissect_properties(g_dis);
        char buf[256];
        for (uint32_t i = 0; i < pt->nTotalPropertyInsts; i++)
            nmx_dissect_text(g_dis, &pt->lpFirstPropertyInst[i], buf, sizeof buf);
        const nmx_layer *l = layer(name, 0);
        if (cut + 1 == hdr_end && !l)
            fail_msg("cut at %u: %s not recognised (%s)", cut, name, stack());
        if (cut < hdr_end && l && l->status == NMX_LAYER_OK)
            fail_msg("cut at %u: %s is OK with its header cut short", cut, name);
    }
    dis(b, len, lt);
    const nmx_layer *l = layer(name, 0);
    if (!l) {
        fail_msg("whole frame: %s not recognised (%s)", name, stack());
        return;
    }
    assert_int_equal(l->offset, hdr_start);
    assert_int_equal(l->status, NMX_LAYER_OK);
}

/* A 20-byte IPv4 header 10.0.0.1 -> 10.0.0.2 with `plen` payload bytes. */
static size_t ip4(uint8_t *b, uint8_t proto, uint16_t plen)
{
    static const uint8_t hdr[20] = { 0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, 0, 0, 0,
                                     10, 0, 0, 1, 10, 0, 0, 2 };
    memcpy(b, hdr, 20);
    uint16_t tot = (uint16_t)(20 + plen);
    b[2] = (uint8_t)(tot >> 8);
    b[3] = (uint8_t)tot;
    b[9] = proto;
    return 20;
}

/* A 40-byte IPv6 header 2001:db8::1 -> 2001:db8::2 with `plen` bytes. */
static size_t ip6(uint8_t *b, uint8_t nh, uint16_t plen)
{
    memset(b, 0, 40);
    b[0] = 0x60;
    b[4] = (uint8_t)(plen >> 8);
    b[5] = (uint8_t)plen;
    b[6] = nh;
    b[7] = 64;
    static const uint8_t pre[4] = { 0x20, 0x01, 0x0d, 0xb8 };
    memcpy(b + 8, pre, 4);
    b[23] = 1;
    memcpy(b + 24, pre, 4);
    b[39] = 2;
    return 40;
}

/* LLC UI + SNAP (RFC 1042) for `type`. */
static size_t llc_snap(uint8_t *b, uint16_t type)
{
    static const uint8_t h[6] = { 0xAA, 0xAA, 0x03, 0, 0, 0 };
    memcpy(b, h, 6);
    b[6] = (uint8_t)(type >> 8);
    b[7] = (uint8_t)type;
    return 8;
}

static void put16le(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static void put32le(uint8_t *b, uint32_t v)
{
    put16le(b, (uint16_t)v);
    put16le(b + 2, (uint16_t)(v >> 16));
}

static void put32be(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* ---- Token Ring ------------------------------------------------------------ */

static size_t tr_frame(uint8_t *f, bool rif)
{
    static const uint8_t hdr[14] = { 0x18, 0x40, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                     0x40, 0x00, 0xDD, 0xDD, 0x11, 0x11 };
    memcpy(f, hdr, 14);
    size_t n = 14;
    if (rif) {
        f[8] |= 0x80;
        static const uint8_t r[6] = { 0x06, 0x30, 0x00, 0x10, 0x00, 0xA0 };
        memcpy(f + n, r, 6);
        n += 6;
    }
    n += llc_snap(f + n, 0x0800);
    n += ip4(f + n, 17, 0);
    return n;
}

static void test_tokenring(void **state)
{
    (void)state;
    uint8_t f[96] = { 0 };
    size_t n = tr_frame(f, false);
    dis(f, (uint32_t)n, 6);
    assert_string_equal(stack(), "FRAME TOKENRING LLC SNAP IP");
    assert_int_equal(status_of("TOKENRING"), NMX_LAYER_OK);
    assert_string_equal(ptext("TOKENRING", "Summary"), "Length = 42, LLC Frame");
    assert_string_equal(ptext("TOKENRING", "Frame control"), "Frame control = 64 (0x40), LLC Frame");
    assert_string_equal(ptext("TOKENRING", "Access control"),
                        "Access control = 24 (0x18) Priority: 0, Frame, Repeated, Reservation: 0");
    assert_string_equal(ptext("TOKENRING", "Destination address"),
                        "Destination address : FFFFFFFFFFFF");
    assert_string_equal(ptext("TOKENRING", "Source address"), "Source address : 4000DDDD1111");
    assert_string_equal(ptext("TOKENRING", "Tokenring data"),
                        "Tokenring data: Number of data bytes remaining = 28 (0x001C)");
    assert_int_equal(pval("TOKENRING", "Frame length"), 42);
    assert_string_equal(paddr("IP", "Source Address"), "10.0.0.1");
    cut_everywhere(f, (uint32_t)n, 6, "TOKENRING", 0, 14);

    /* source routed: the routing information field comes before LLC */
    n = tr_frame(f, true);
    dis(f, (uint32_t)n, 6);
    assert_string_equal(stack(), "FRAME TOKENRING LLC SNAP IP");
    assert_int_equal(nmx_dissect_layer(g_dis, 2)->offset, 20);
    assert_string_equal(ptext("TOKENRING", "Routing information"),
                        "Routing information = 06 30 00 10 00 a0");
    assert_string_equal(paddr("TOKENRING", "Source address"), "c0:00:dd:dd:11:11");
    cut_everywhere(f, (uint32_t)n, 6, "TOKENRING", 0, 20);
    /* an odd routing length contradicts 802.5 */
    f[14] = 0x05;
    dis(f, (uint32_t)n, 6);
    assert_int_equal(status_of("TOKENRING"), NMX_LAYER_MALFORMED);
    assert_null(layer("LLC", 0));

    /* MAC frames carry no LLC */
    n = tr_frame(f, false);
    f[1] = 0x01;
    dis(f, (uint32_t)n, 6);
    assert_string_equal(stack(), "FRAME TOKENRING");
    assert_string_equal(ptext("TOKENRING", "Summary"), "Length = 42, MAC Frame");
}

/* ---- FDDI ---------------------------------------------------------------- */

static void test_fddi(void **state)
{
    (void)state;
    uint8_t f[96] = { 0 };
    f[0] = 0x50; /* async LLC, 48-bit addresses */
    static const uint8_t a[12] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                   0x80, 0xC0, 0xE0, 0x10, 0x20, 0x30 };
    memcpy(f + 1, a, 12);
    size_t n = 13;
    n += llc_snap(f + n, 0x0800);
    n += ip4(f + n, 17, 0);
    dis(f, (uint32_t)n, 10);
    assert_string_equal(stack(), "FRAME FDDI LLC SNAP IP");
    assert_int_equal(status_of("FDDI"), NMX_LAYER_OK);
    /* bit-reversed on the wire: the canonical address, as tshark shows it */
    assert_string_equal(paddr("FDDI", "Destination address"), "80:40:c0:20:a0:60");
    assert_string_equal(paddr("FDDI", "Source address"), "01:03:07:08:04:0c");
    assert_string_equal(ptext("FDDI", "Source address"), "Source address : 01030708040C");
    assert_string_equal(ptext("FDDI", "Summary"), "LLC Frame, Src = 01030708040C");
    assert_string_equal(ptext("FDDI", "Frame control"),
                        "Frame control = 80 (0x50), LLC Frame, 48-bit addresses");
    cut_everywhere(f, (uint32_t)n, 10, "FDDI", 0, 13);
    f[0] = 0x41; /* SMT frame: no LLC */
    dis(f, (uint32_t)n, 10);
    assert_string_equal(stack(), "FRAME FDDI");
}

/* ---- 802.11 ---------------------------------------------------------------- */

static const uint8_t A1[6] = { 0x02, 0, 0, 0, 0, 0x01 }, A2[6] = { 0x02, 0, 0, 0, 0, 0x02 },
                     A3[6] = { 0x02, 0, 0, 0, 0, 0x03 }, A4[6] = { 0x02, 0, 0, 0, 0, 0x04 };

/* A data frame (subtype sub, flags fc1) with LLC/SNAP IPv4 as its body. */
static size_t wlan_data(uint8_t *f, uint8_t sub, uint8_t fc1)
{
    f[0] = (uint8_t)(sub << 4 | 0x08);
    f[1] = fc1;
    put16le(f + 2, 44);
    memcpy(f + 4, A1, 6);
    memcpy(f + 10, A2, 6);
    memcpy(f + 16, A3, 6);
    put16le(f + 22, 0x01A0);
    size_t n = 24;
    if ((fc1 & 3) == 3) {
        memcpy(f + n, A4, 6);
        n += 6;
    }
    if (sub & 8) {
        put16le(f + n, 0x0005);
        n += 2;
    }
    n += llc_snap(f + n, 0x0800);
    n += ip4(f + n, 17, 0);
    return n;
}

static void test_wlan_data(void **state)
{
    (void)state;
    uint8_t f[128] = { 0 };
    /* the address roles follow To DS / From DS */
    static const struct {
        uint8_t ds;
        const char *l1, *l2, *l3;
    } roles[] = {
        { 0, "Destination address", "Source address", "BSS ID" },
        { 1, "BSS ID", "Source address", "Destination address" },
        { 2, "Destination address", "BSS ID", "Source address" },
        { 3, "Receiver address", "Transmitter address", "Destination address" },
    };
    for (size_t i = 0; i < 4; i++) {
        size_t n = wlan_data(f, 0, roles[i].ds);
        dis(f, (uint32_t)n, 105);
        assert_string_equal(stack(), "FRAME WLAN LLC SNAP IP");
        assert_int_equal(status_of("WLAN"), NMX_LAYER_OK);
        assert_string_equal(paddr("WLAN", roles[i].l1), "02:00:00:00:00:01");
        assert_string_equal(paddr("WLAN", roles[i].l2), "02:00:00:00:00:02");
        assert_string_equal(paddr("WLAN", roles[i].l3), "02:00:00:00:00:03");
        if (roles[i].ds == 3) {
            assert_string_equal(paddr("WLAN", "Source address"), "02:00:00:00:00:04");
            assert_int_equal(nmx_dissect_layer(g_dis, 2)->offset, 30);
        }
    }
    assert_string_equal(ptext("WLAN", "Summary"), "Data, To DS, From DS");
    assert_string_equal(ptext("WLAN", "Frame Control"), "Frame Control = 0x0308 (Data)");
    assert_string_equal(ptext("WLAN", "Sequence Control"),
                        "Sequence Control = 0x01A0 (Sequence number 26, Fragment number 0)");
    assert_int_equal(pval("WLAN", "Duration"), 44);
    /* QoS data: two more bytes before the body */
    size_t n = wlan_data(f, 8, 0x01);
    dis(f, (uint32_t)n, 105);
    assert_string_equal(stack(), "FRAME WLAN LLC SNAP IP");
    assert_int_equal(pval("WLAN", "QoS Control"), 5);
    assert_int_equal(nmx_dissect_layer(g_dis, 2)->offset, 26);
    cut_everywhere(f, (uint32_t)n, 105, "WLAN", 0, 26);
    /* +HTC: four more */
    n = wlan_data(f, 8, 0x81);
    memmove(f + 30, f + 26, n - 26);
    memset(f + 26, 0, 4);
    n += 4;
    dis(f, (uint32_t)n, 105);
    assert_string_equal(stack(), "FRAME WLAN LLC SNAP IP");
    assert_non_null(prop(layer("WLAN", 0), "HT Control", 0));
    /* protected: the body is not followed */
    n = wlan_data(f, 0, 0x41);
    dis(f, (uint32_t)n, 105);
    assert_string_equal(stack(), "FRAME WLAN");
    assert_non_null(prop(layer("WLAN", 0), "Protected Data", 0));
    /* null function: no body to follow */
    n = wlan_data(f, 4, 0x01);
    dis(f, 24, 105);
    assert_string_equal(stack(), "FRAME WLAN");
    assert_int_equal(status_of("WLAN"), NMX_LAYER_OK);
    /* protocol version 1 is not 802.11 as defined */
    n = wlan_data(f, 0, 0x01);
    f[0] |= 1;
    dis(f, (uint32_t)n, 105);
    assert_int_equal(status_of("WLAN"), NMX_LAYER_MALFORMED);
    assert_string_equal(stack(), "FRAME WLAN");
}

static void test_wlan_mgmt_ctrl(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    /* beacon: DA, SA, BSS ID; body shown as data */
    f[0] = 0x80;
    memcpy(f + 4, A1, 6);
    memcpy(f + 10, A2, 6);
    memcpy(f + 16, A3, 6);
    dis(f, 40, 105);
    assert_string_equal(stack(), "FRAME WLAN");
    assert_string_equal(ptext("WLAN", "Summary"), "Beacon");
    assert_string_equal(paddr("WLAN", "Destination address"), "02:00:00:00:00:01");
    assert_string_equal(paddr("WLAN", "Source address"), "02:00:00:00:00:02");
    assert_string_equal(paddr("WLAN", "BSS ID"), "02:00:00:00:00:03");
    assert_non_null(prop(layer("WLAN", 0), "Frame Body", 0));
    cut_everywhere(f, 40, 105, "WLAN", 0, 24);
    /* ACK: a receiver address only (10 bytes) */
    memset(f, 0, sizeof f);
    f[0] = 0xD4;
    memcpy(f + 4, A1, 6);
    dis(f, 10, 105);
    assert_string_equal(ptext("WLAN", "Summary"), "ACK");
    assert_int_equal(status_of("WLAN"), NMX_LAYER_OK);
    assert_string_equal(paddr("WLAN", "Receiver address"), "02:00:00:00:00:01");
    assert_null(prop(layer("WLAN", 0), "Transmitter address", 0));
    cut_everywhere(f, 10, 105, "WLAN", 0, 10);
    /* RTS: receiver and transmitter */
    f[0] = 0xB4;
    memcpy(f + 10, A2, 6);
    dis(f, 16, 105);
    assert_string_equal(paddr("WLAN", "Transmitter address"), "02:00:00:00:00:02");
    cut_everywhere(f, 16, 105, "WLAN", 0, 16);
}

/* ---- radiotap and PPI ------------------------------------------------------- */

static void test_radiotap(void **state)
{
    (void)state;
    uint8_t f[160] = { 0 };
    /* two present words (TSFT, Flags; then an empty extension), TSFT
     * aligned to 8 at offset 16, Flags at 24 with FCS */
    f[0] = 0;
    put32le(f + 4, 0x80000003u);
    put32le(f + 8, 0);
    put32le(f + 16, 123456789u);
    f[24] = 0x10;
    uint16_t hl = 26;
    put16le(f + 2, hl);
    size_t n = hl + wlan_data(f + hl, 0, 0x01);
    put32le(f + n, 0xDEADBEEF); /* FCS */
    n += 4;
    dis(f, (uint32_t)n, 127);
    assert_string_equal(stack(), "FRAME RADIOTAP WLAN LLC SNAP IP");
    assert_int_equal(status_of("RADIOTAP"), NMX_LAYER_OK);
    assert_int_equal(pval("RADIOTAP", "Header length"), 26);
    assert_int_equal(pval("RADIOTAP", "Flags"), 0x10);
    assert_int_equal(pval("RADIOTAP", "TSF timer"), 123456789u);
    assert_string_equal(ptext("RADIOTAP", "Summary"), "Radio information, 26 bytes");
    /* the FCS is not part of the 802.11 frame */
    const nmx_layer *w = layer("WLAN", 0);
    assert_non_null(w);
    assert_int_equal(w->offset, 26);
    assert_int_equal(w->length, n - 26 - 4);
    cut_everywhere(f, (uint32_t)n, 127, "RADIOTAP", 0, 26);
    /* without the FCS flag the whole rest is 802.11 */
    f[24] = 0;
    dis(f, (uint32_t)n, 127);
    assert_int_equal(need_layer("WLAN", 0)->length, n - 26);
    /* a header length beyond the frame, a version other than 0 */
    put16le(f + 2, 400);
    dis(f, (uint32_t)n, 127);
    assert_int_equal(status_of("RADIOTAP"), NMX_LAYER_MALFORMED);
    assert_null(layer("WLAN", 0));
    put16le(f + 2, hl);
    f[0] = 1;
    dis(f, (uint32_t)n, 127);
    assert_int_equal(status_of("RADIOTAP"), NMX_LAYER_MALFORMED);
}

static void test_ppi(void **state)
{
    (void)state;
    uint8_t f[160] = { 0 };
    /* PPI 8 + 802.11-Common (4 + 20) with the FCS flag, DLT 105 */
    put16le(f + 2, 32);
    put32le(f + 4, 105);
    put16le(f + 8, 2);
    put16le(f + 10, 20);
    put16le(f + 12 + 8, 0x0001);
    size_t n = 32 + wlan_data(f + 32, 8, 0x01);
    n += 4; /* FCS */
    dis(f, (uint32_t)n, 192);
    assert_string_equal(stack(), "FRAME PPI WLAN LLC SNAP IP");
    assert_int_equal(status_of("PPI"), NMX_LAYER_OK);
    assert_int_equal(pval("PPI", "DLT"), 105);
    assert_int_equal(pval("PPI", "Header length"), 32);
    assert_int_equal(pval("PPI", "802.11-Common flags"), 1);
    assert_string_equal(ptext("PPI", "Field type"), "Field type = 802.11-Common");
    assert_string_equal(ptext("PPI", "Summary"), "Version 0, 32 bytes, DLT 105");
    assert_int_equal(need_layer("WLAN", 0)->length, n - 32 - 4);
    cut_everywhere(f, (uint32_t)n, 192, "PPI", 0, 32);
    /* a field running past the header */
    put16le(f + 10, 40);
    dis(f, (uint32_t)n, 192);
    assert_int_equal(status_of("PPI"), NMX_LAYER_MALFORMED);
    assert_null(layer("WLAN", 0));
    /* DLT 1: Ethernet follows, no fields */
    memset(f, 0, sizeof f);
    put16le(f + 2, 8);
    put32le(f + 4, 1);
    memcpy(f + 8, A1, 6);
    memcpy(f + 14, A2, 6);
    f[20] = 0x08;
    n = 22 + ip4(f + 22, 17, 0);
    dis(f, (uint32_t)n, 192);
    assert_string_equal(stack(), "FRAME PPI ETHERNET IP");
}

/* ---- NFLOG, ipnet, Cisco HDLC ------------------------------------------- */

static size_t nflog_tlv(uint8_t *b, uint16_t type, const uint8_t *v, uint16_t vlen)
{
    put16le(b, (uint16_t)(4 + vlen));
    put16le(b + 2, type);
    if (vlen)
        memcpy(b + 4, v, vlen);
    size_t n = 4u + vlen;
    while (n % 4)
        b[n++] = 0;
    return n;
}

static void test_nflog(void **state)
{
    (void)state;
    uint8_t f[200] = { 0 }, pkt[60];
    f[0] = 2;
    f[3] = 20;
    size_t n = 4;
    static const uint8_t hdr[4] = { 0x08, 0x00, 0x01, 0x00 };
    n += nflog_tlv(f + n, 1, hdr, 4);
    n += nflog_tlv(f + n, 10, (const uint8_t *)"drop\0", 5);
    size_t pl = ip4(pkt, 17, 0);
    size_t pay_off = n + 4;
    n += nflog_tlv(f + n, 9, pkt, (uint16_t)pl);
    dis(f, (uint32_t)n, 239);
    assert_string_equal(stack(), "FRAME NFLOG IP");
    assert_int_equal(status_of("NFLOG"), NMX_LAYER_OK);
    assert_int_equal(pval("NFLOG", "Resource id"), 20);
    assert_string_equal(ptext("NFLOG", "Prefix"), "Prefix: drop");
    assert_string_equal(ptext("NFLOG", "TLV type"), "TLV type = 1 (NFULA_PACKET_HDR)");
    assert_string_equal(ptext("NFLOG", "Summary"), "IPv4, payload 20 bytes");
    assert_int_equal(need_layer("IP", 0)->offset, pay_off);
    assert_string_equal(paddr("IP", "Destination Address"), "10.0.0.2");
    cut_everywhere(f, (uint32_t)n, 239, "NFLOG", 0, (uint32_t)pay_off);
    /* IPv6, family 10 */
    f[0] = 10;
    n = 4;
    pl = ip6(pkt, 59, 0);
    n += nflog_tlv(f + n, 9, pkt, (uint16_t)pl);
    dis(f, (uint32_t)n, 239);
    assert_string_equal(stack(), "FRAME NFLOG IP6");
    assert_string_equal(paddr("IP6", "Source Address"), "2001:db8::1");
    /* a TLV shorter than its own header */
    put16le(f + 4, 2);
    dis(f, (uint32_t)n, 239);
    assert_int_equal(status_of("NFLOG"), NMX_LAYER_MALFORMED);
    assert_string_equal(stack(), "FRAME NFLOG");
}

static void test_ipnet(void **state)
{
    (void)state;
    uint8_t f[100] = { 0 };
    f[0] = 1;
    f[1] = 2;
    put32be(f + 4, 20);
    put32be(f + 8, 2);
    put32be(f + 16, 0xFFFFFFFFu);
    size_t n = 24 + ip4(f + 24, 1, 0);
    dis(f, (uint32_t)n, 226);
    assert_string_equal(stack(), "FRAME IPNET IP");
    assert_int_equal(status_of("IPNET"), NMX_LAYER_OK);
    assert_int_equal(pval("IPNET", "Packet length"), 20);
    assert_int_equal(pval("IPNET", "Interface index"), 2);
    assert_string_equal(ptext("IPNET", "Address family"), "Address family = IPv4");
    assert_string_equal(ptext("IPNET", "Summary"), "IPv4, Len = 20");
    cut_everywhere(f, (uint32_t)n, 226, "IPNET", 0, 24);
    f[1] = 26;
    put32be(f + 4, 40);
    n = 24 + ip6(f + 24, 59, 0);
    dis(f, (uint32_t)n, 226);
    assert_string_equal(stack(), "FRAME IPNET IP6");
    f[0] = 2; /* unknown version */
    dis(f, (uint32_t)n, 226);
    assert_int_equal(status_of("IPNET"), NMX_LAYER_MALFORMED);
    f[0] = 1;
    put32be(f + 4, 41); /* longer than the frame */
    dis(f, (uint32_t)n, 226);
    assert_int_equal(status_of("IPNET"), NMX_LAYER_MALFORMED);
}

static void test_chdlc(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    f[0] = 0x0F;
    f[2] = 0x08;
    size_t n = 4 + ip4(f + 4, 17, 0);
    dis(f, (uint32_t)n, 104);
    assert_string_equal(stack(), "FRAME CHDLC IP");
    assert_int_equal(status_of("CHDLC"), NMX_LAYER_OK);
    assert_int_equal(pval("CHDLC", "Protocol"), 0x0800);
    assert_string_equal(ptext("CHDLC", "Summary"), "Unicast; Protocol = 0x0800");
    assert_string_equal(ptext("CHDLC", "Address"), "Address = Unicast");
    cut_everywhere(f, (uint32_t)n, 104, "CHDLC", 0, 4);
    /* SLARP is not RARP on these links */
    f[0] = 0x8F;
    f[2] = 0x80;
    f[3] = 0x35;
    dis(f, 24, 104);
    assert_string_equal(stack(), "FRAME CHDLC");
    assert_non_null(prop(layer("CHDLC", 0), "SLARP data", 0));
    assert_string_equal(ptext("CHDLC", "Summary"), "Broadcast; Protocol = 0x8035 (SLARP)");
    f[0] = 0x03;
    dis(f, 24, 104);
    assert_int_equal(status_of("CHDLC"), NMX_LAYER_MALFORMED);
}

static void test_names(void **state)
{
    (void)state;
    static const char *const names[][2] = {
        { "TOKENRING", "802.5" }, { "FDDI", "fddi" }, { "WLAN", "802.11" },
        { "RADIOTAP", "radiotap" }, { "PPI", "ppi" }, { "NFLOG", "nflog" },
        { "IPNET", "ipnet" }, { "CHDLC", "Cisco HDLC" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        HPROTOCOL h = nmx_protocol_find(names[i][0]);
        assert_non_null(h);
        assert_ptr_equal(nmx_protocol_find(names[i][1]), h);
    }
}

/* ---- the shared captures against tshark ---------------------------------- */

static const char *captures_dir(void)
{
    const char *d = getenv("NMX_SHARED_CAPTURES");
    struct stat st;
    if (!d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return d;
}

static bool have_tshark(void)
{
    return system("command -v tshark >/dev/null 2>&1") == 0;
}

typedef struct oracle_field {
    const char *tshark;
    const char *proto;
    const char *label;
} oracle_field;

static const char *const name_map[][2] = {
    { "tr", "TOKENRING" }, { "fddi", "FDDI" }, { "wlan", "WLAN" }, { "radiotap", "RADIOTAP" },
    { "ppi", "PPI" }, { "nflog", "NFLOG" }, { "ipnet", "IPNET" }, { "chdlc", "CHDLC" },
    { "llc", "LLC" }, { "ip", "IP" }, { "ipv6", "IP6" }, { "udp", "UDP" }, { "tcp", "TCP" },
    { "icmp", "ICMP" },
};

static void tshark_stack(const char *protocols, char *out, size_t n)
{
    out[0] = 0;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", protocols);
    for (char *save = NULL, *t = strtok_r(tmp, ":", &save); t; t = strtok_r(NULL, ":", &save))
        for (size_t i = 0; i < sizeof name_map / sizeof name_map[0]; i++)
            if (strcmp(name_map[i][0], t) == 0) {
                if (out[0])
                    strncat(out, ":", n - strlen(out) - 1);
                strncat(out, name_map[i][1], n - strlen(out) - 1);
            }
}

static void our_stack(char *out, size_t n)
{
    out[0] = 0;
    for (unsigned i = 0; i < nmx_dissect_nlayers(g_dis); i++) {
        const char *nm = nmx_dissect_layer(g_dis, i)->name;
        for (size_t k = 0; k < sizeof name_map / sizeof name_map[0]; k++)
            if (strcmp(nm, name_map[k][1]) == 0) {
                if (out[0])
                    strncat(out, ":", n - strlen(out) - 1);
                strncat(out, nm, n - strlen(out) - 1);
            }
    }
}

/* Our values of a field, comma-separated as tshark's: addresses as text,
 * numbers in decimal. */
static void our_values(const oracle_field *of, char *out, size_t n)
{
    out[0] = 0;
    PROPERTYTABLE *pt = nmx_dissect_properties(g_dis);
    for (unsigned i = 0; i < nmx_dissect_nlayers(g_dis); i++) {
        const nmx_layer *l = nmx_dissect_layer(g_dis, i);
        if (strcmp(of->proto, l->name) != 0)
            continue;
        for (uint32_t k = 0; k < l->ninst; k++) {
            const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            if (strcmp(pi->lpPropertyInfo->Label, of->label) != 0)
                continue;
            char v[64];
            uint64_t x;
            addr_text(pi, v, sizeof v);
            if (!v[0] && nmx__inst_number(pi, &x))
                snprintf(v, sizeof v, "%llu", (unsigned long long)x);
            size_t at = strlen(out);
            snprintf(out + at, n - at, "%s%s", at ? "," : "", v);
        }
    }
}

/* tshark's values: numbers (some printed in hex) in decimal, else as is. */
static void tshark_values(const char *s, char *out, size_t n)
{
    out[0] = 0;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", s);
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t at = strlen(out);
        char *end;
        unsigned long long v = strtoull(t, &end, 0);
        if (*end == 0 && end != t)
            snprintf(out + at, n - at, "%s%llu", at ? "," : "", v);
        else
            snprintf(out + at, n - at, "%s%s", at ? "," : "", t);
    }
}

static unsigned oracle(const char *file, const oracle_field *fields, size_t nf)
{
    const char *dir = captures_dir();
    char path[1024], cmd[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int at = snprintf(cmd, sizeof cmd,
                      "tshark -n -r '%s' -T fields -E occurrence=a -E separator=/t "
                      "-e frame.protocols",
                      path);
    for (size_t i = 0; i < nf; i++)
        at += snprintf(cmd + at, sizeof cmd - (size_t)at, " -e %s", fields[i].tshark);
    snprintf(cmd + at, sizeof cmd - (size_t)at, " 2>/dev/null");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    nmx_capture *cap = NULL;
    nmx_diag diag;
    assert_int_equal(nmx_capture_open(path, 0, &cap, &diag), NMX_OK);
    char line[8192];
    unsigned fno = 0, bad = 0;
    int64_t prev = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        nmx_frame fr;
        assert_int_equal(nmx_capture_frame(cap, fno, &fr), NMX_OK);
        assert_int_equal(nmx_dissect(g_dis, &fr, prev, NMX_DIS_ATTACH), NMX_OK);
        prev = fr.ts_ns;
        fno++;
        for (unsigned i = 0; i < nmx_dissect_nlayers(g_dis); i++)
            if (nmx_dissect_layer(g_dis, i)->status != NMX_LAYER_OK && bad++ < 10)
                print_error("%s frame %u: %s is not OK\n", file, fno,
                            nmx_dissect_layer(g_dis, i)->name);
        char *cols[32];
        size_t nc = 0;
        for (char *c = line; nc < 32;) {
            cols[nc++] = c;
            char *tab = strchr(c, '\t');
            if (!tab)
                break;
            *tab = 0;
            c = tab + 1;
        }
        char a[1024], b[1024];
        tshark_stack(cols[0], a, sizeof a);
        our_stack(b, sizeof b);
        if (strcmp(a, b) != 0 && bad++ < 10)
            print_error("%s frame %u: tshark %s, ours %s\n", file, fno, a, b);
        for (size_t i = 0; i < nf && i + 1 < nc; i++) {
            tshark_values(cols[i + 1], a, sizeof a);
            our_values(&fields[i], b, sizeof b);
            if (strcmp(a, b) != 0 && bad++ < 10)
                print_error("%s frame %u %s: tshark [%s], ours [%s]\n", file, fno,
                            fields[i].tshark, a, b);
        }
    }
    pclose(p);
    assert_int_equal(fno, nmx_capture_frame_count(cap));
    nmx_capture_close(cap);
    if (bad)
        fail_msg("%s: %u disagreements with tshark", file, bad);
    return fno;
}

static bool oracle_ready(void)
{
    if (!captures_dir()) {
        print_message("skipped: NMX_SHARED_CAPTURES (../shared/captures) is absent\n");
        return false;
    }
    if (!have_tshark()) {
        print_message("skipped: tshark is not installed\n");
        return false;
    }
    if (!g_dis)
        g_dis = nmx_dissector_new();
    return true;
}

static const oracle_field wlan_fields[] = {
    { "wlan.sa", "WLAN", "Source address" },
    { "wlan.da", "WLAN", "Destination address" },
    { "wlan.bssid", "WLAN", "BSS ID" },
    { "wlan.duration", "WLAN", "Duration" },
    { "ip.src", "IP", "Source Address" },
    { "ip.dst", "IP", "Destination Address" },
};

static void test_tshark_radiotap(void **state)
{
    (void)state;
    if (!oracle_ready())
        skip();
    oracle_field f[sizeof wlan_fields / sizeof wlan_fields[0] + 1];
    memcpy(f, wlan_fields, sizeof wlan_fields);
    f[sizeof wlan_fields / sizeof wlan_fields[0]] =
        (oracle_field){ "radiotap.length", "RADIOTAP", "Header length" };
    size_t nf = sizeof f / sizeof f[0];
    assert_int_equal(oracle("pcap/lp_wpa-Induction.pcap", f, nf), 10);
    assert_int_equal(oracle("pcap/td_ieee802.11_exthdr.pcap", f, nf), 26);
}

static void test_tshark_ppi(void **state)
{
    (void)state;
    if (!oracle_ready())
        skip();
    oracle_field f[sizeof wlan_fields / sizeof wlan_fields[0] + 2];
    memcpy(f, wlan_fields, sizeof wlan_fields);
    f[sizeof wlan_fields / sizeof wlan_fields[0]] =
        (oracle_field){ "ppi.length", "PPI", "Header length" };
    f[sizeof wlan_fields / sizeof wlan_fields[0] + 1] =
        (oracle_field){ "ppi.dlt", "PPI", "DLT" };
    assert_int_equal(oracle("pcap/lp_http_PPI.pcap", f, sizeof f / sizeof f[0]), 5);
}

static void test_tshark_nflog_ipnet_chdlc(void **state)
{
    (void)state;
    if (!oracle_ready())
        skip();
    static const oracle_field nf[] = {
        { "nflog.family", "NFLOG", "Address family" },
        { "nflog.res_id", "NFLOG", "Resource id" },
        { "ip.src", "IP", "Source Address" },
        { "ip.dst", "IP", "Destination Address" },
    };
    assert_int_equal(oracle("pcap/td_nflog.pcap", nf, 4), 4);
    static const oracle_field in[] = {
        { "ipnet.family", "IPNET", "Address family" },
        { "ipnet.htype", "IPNET", "Hook type" },
        { "ipnet.pktlen", "IPNET", "Packet length" },
        { "ipnet.ifindex", "IPNET", "Interface index" },
        { "ipnet.zsrc", "IPNET", "Source zone id" },
        { "ip.src", "IP", "Source Address" },
    };
    assert_int_equal(oracle("pcap/td_e1000g.pcap", in, 6), 20);
    static const oracle_field ch[] = {
        { "chdlc.address", "CHDLC", "Address" },
        { "chdlc.control", "CHDLC", "Control" },
        { "chdlc.protocol", "CHDLC", "Protocol" },
    };
    assert_int_equal(oracle("pcapng/td_hdlc_slarp.pcapng", ch, 3), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenring),
        cmocka_unit_test(test_fddi),
        cmocka_unit_test(test_wlan_data),
        cmocka_unit_test(test_wlan_mgmt_ctrl),
        cmocka_unit_test(test_radiotap),
        cmocka_unit_test(test_ppi),
        cmocka_unit_test(test_nflog),
        cmocka_unit_test(test_ipnet),
        cmocka_unit_test(test_chdlc),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_tshark_radiotap),
        cmocka_unit_test(test_tshark_ppi),
        cmocka_unit_test(test_tshark_nflog_ipnet_chdlc),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nmx_dissector_free(g_dis);
    return rc;
}
