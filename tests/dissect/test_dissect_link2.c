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

#include "dis_oracle.h"
#include "dis_test.h"

/* ---- helpers ------------------------------------------------------------ */

static const char *paddr_n(const char *name, const char *label, unsigned nth)
{
    static char buf[64];
    const PROPERTYINST *pi = dt_inst(dt_need_layer(name, 0), label, nth);
    if (!pi) {
        fail_msg("%s has no property \"%s\" #%u (%s)", name, label, nth, dt_chain());
        return "";
    }
    dt_addr_text(pi, buf, sizeof buf);
    return buf;
}

static const char *paddr(const char *name, const char *label)
{
    return paddr_n(name, label, 0);
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
    n += dt_ip4_at(f + n, 17, 0);
    return n;
}

static void test_tokenring(void **state)
{
    (void)state;
    uint8_t f[96] = { 0 };
    size_t n = tr_frame(f, false);
    dt_dissect(f, (uint32_t)n, 6);
    assert_string_equal(dt_chain(), "FRAME TOKENRING LLC SNAP IP");
    assert_int_equal(dt_status("TOKENRING"), NMX_LAYER_OK);
    assert_string_equal(dt_ptext("TOKENRING", 0, "Summary", 0), "Length = 42, LLC Frame");
    assert_string_equal(dt_ptext("TOKENRING", 0, "Frame control", 0),
                        "Frame control = 64 (0x40), LLC Frame");
    assert_string_equal(dt_ptext("TOKENRING", 0, "Access control", 0),
                        "Access control = 24 (0x18) Priority: 0, Frame, Repeated, Reservation: 0");
    assert_string_equal(dt_ptext("TOKENRING", 0, "Destination address", 0),
                        "Destination address : FFFFFFFFFFFF");
    assert_string_equal(dt_ptext("TOKENRING", 0, "Source address", 0),
                        "Source address : 4000DDDD1111");
    assert_string_equal(dt_ptext("TOKENRING", 0, "Tokenring data", 0),
                        "Tokenring data: Number of data bytes remaining = 28 (0x001C)");
    assert_int_equal(dt_pval("TOKENRING", 0, "Frame length", 0), 42);
    assert_string_equal(paddr("IP", "Source Address"), "10.0.0.1");
    dt_cut_everywhere(DT_LINK(6), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "TOKENRING", .hdr_start = 0, .hdr_end = 14 });

    /* source routed: the routing information field comes before LLC */
    n = tr_frame(f, true);
    dt_dissect(f, (uint32_t)n, 6);
    assert_string_equal(dt_chain(), "FRAME TOKENRING LLC SNAP IP");
    assert_int_equal(nmx_dissect_layer(dt_dis(), 2)->offset, 20);
    assert_string_equal(dt_ptext("TOKENRING", 0, "Routing information", 0),
                        "Routing information = 06 30 00 10 00 a0");
    assert_string_equal(paddr("TOKENRING", "Source address"), "c0:00:dd:dd:11:11");
    dt_cut_everywhere(DT_LINK(6), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "TOKENRING", .hdr_start = 0, .hdr_end = 20 });
    /* an odd routing length contradicts 802.5 */
    f[14] = 0x05;
    dt_dissect(f, (uint32_t)n, 6);
    assert_int_equal(dt_status("TOKENRING"), NMX_LAYER_MALFORMED);
    assert_null(dt_layer("LLC", 0));

    /* MAC frames carry no LLC */
    n = tr_frame(f, false);
    f[1] = 0x01;
    dt_dissect(f, (uint32_t)n, 6);
    assert_string_equal(dt_chain(), "FRAME TOKENRING");
    assert_string_equal(dt_ptext("TOKENRING", 0, "Summary", 0), "Length = 42, MAC Frame");
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
    n += dt_ip4_at(f + n, 17, 0);
    dt_dissect(f, (uint32_t)n, 10);
    assert_string_equal(dt_chain(), "FRAME FDDI LLC SNAP IP");
    assert_int_equal(dt_status("FDDI"), NMX_LAYER_OK);
    /* bit-reversed on the wire: the canonical address, as tshark shows it */
    assert_string_equal(paddr("FDDI", "Destination address"), "80:40:c0:20:a0:60");
    assert_string_equal(paddr("FDDI", "Source address"), "01:03:07:08:04:0c");
    assert_string_equal(dt_ptext("FDDI", 0, "Source address", 0), "Source address : 01030708040C");
    assert_string_equal(dt_ptext("FDDI", 0, "Summary", 0), "LLC Frame, Src = 01030708040C");
    assert_string_equal(dt_ptext("FDDI", 0, "Frame control", 0),
                        "Frame control = 80 (0x50), LLC Frame, 48-bit addresses");
    dt_cut_everywhere(DT_LINK(10), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "FDDI", .hdr_start = 0, .hdr_end = 13 });
    f[0] = 0x41; /* SMT frame: no LLC */
    dt_dissect(f, (uint32_t)n, 10);
    assert_string_equal(dt_chain(), "FRAME FDDI");
}

/* ---- 802.11 ---------------------------------------------------------------- */

static const uint8_t A1[6] = { 0x02, 0, 0, 0, 0, 0x01 }, A2[6] = { 0x02, 0, 0, 0, 0, 0x02 },
                     A3[6] = { 0x02, 0, 0, 0, 0, 0x03 }, A4[6] = { 0x02, 0, 0, 0, 0, 0x04 };

/* A data frame (subtype sub, flags fc1) with LLC/SNAP IPv4 as its body. */
static size_t wlan_data(uint8_t *f, uint8_t sub, uint8_t fc1)
{
    f[0] = (uint8_t)(sub << 4 | 0x08);
    f[1] = fc1;
    dt_wle16(f + 2, 44);
    memcpy(f + 4, A1, 6);
    memcpy(f + 10, A2, 6);
    memcpy(f + 16, A3, 6);
    dt_wle16(f + 22, 0x01A0);
    size_t n = 24;
    if ((fc1 & 3) == 3) {
        memcpy(f + n, A4, 6);
        n += 6;
    }
    if (sub & 8) {
        dt_wle16(f + n, 0x0005);
        n += 2;
    }
    n += llc_snap(f + n, 0x0800);
    n += dt_ip4_at(f + n, 17, 0);
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
        dt_dissect(f, (uint32_t)n, 105);
        assert_string_equal(dt_chain(), "FRAME WLAN LLC SNAP IP");
        assert_int_equal(dt_status("WLAN"), NMX_LAYER_OK);
        assert_string_equal(paddr("WLAN", roles[i].l1), "02:00:00:00:00:01");
        assert_string_equal(paddr("WLAN", roles[i].l2), "02:00:00:00:00:02");
        assert_string_equal(paddr("WLAN", roles[i].l3), "02:00:00:00:00:03");
        if (roles[i].ds == 3) {
            assert_string_equal(paddr("WLAN", "Source address"), "02:00:00:00:00:04");
            assert_int_equal(nmx_dissect_layer(dt_dis(), 2)->offset, 30);
        }
    }
    assert_string_equal(dt_ptext("WLAN", 0, "Summary", 0), "Data, To DS, From DS");
    assert_string_equal(dt_ptext("WLAN", 0, "Frame Control", 0), "Frame Control = 0x0308 (Data)");
    assert_string_equal(dt_ptext("WLAN", 0, "Sequence Control", 0),
                        "Sequence Control = 0x01A0 (Sequence number 26, Fragment number 0)");
    assert_int_equal(dt_pval("WLAN", 0, "Duration", 0), 44);
    /* QoS data: two more bytes before the body */
    size_t n = wlan_data(f, 8, 0x01);
    dt_dissect(f, (uint32_t)n, 105);
    assert_string_equal(dt_chain(), "FRAME WLAN LLC SNAP IP");
    assert_int_equal(dt_pval("WLAN", 0, "QoS Control", 0), 5);
    assert_int_equal(nmx_dissect_layer(dt_dis(), 2)->offset, 26);
    dt_cut_everywhere(DT_LINK(105), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "WLAN", .hdr_start = 0, .hdr_end = 26 });
    /* +HTC: four more */
    n = wlan_data(f, 8, 0x81);
    memmove(f + 30, f + 26, n - 26);
    memset(f + 26, 0, 4);
    n += 4;
    dt_dissect(f, (uint32_t)n, 105);
    assert_string_equal(dt_chain(), "FRAME WLAN LLC SNAP IP");
    assert_non_null(dt_inst(dt_need_layer("WLAN", 0), "HT Control", 0));
    /* protected: the body is not followed */
    n = wlan_data(f, 0, 0x41);
    dt_dissect(f, (uint32_t)n, 105);
    assert_string_equal(dt_chain(), "FRAME WLAN");
    assert_non_null(dt_inst(dt_need_layer("WLAN", 0), "Protected Data", 0));
    /* null function: no body to follow */
    n = wlan_data(f, 4, 0x01);
    dt_dissect(f, 24, 105);
    assert_string_equal(dt_chain(), "FRAME WLAN");
    assert_int_equal(dt_status("WLAN"), NMX_LAYER_OK);
    /* protocol version 1 is not 802.11 as defined */
    n = wlan_data(f, 0, 0x01);
    f[0] |= 1;
    dt_dissect(f, (uint32_t)n, 105);
    assert_int_equal(dt_status("WLAN"), NMX_LAYER_MALFORMED);
    assert_string_equal(dt_chain(), "FRAME WLAN");
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
    dt_dissect(f, 40, 105);
    assert_string_equal(dt_chain(), "FRAME WLAN");
    assert_string_equal(dt_ptext("WLAN", 0, "Summary", 0), "Beacon");
    assert_string_equal(paddr("WLAN", "Destination address"), "02:00:00:00:00:01");
    assert_string_equal(paddr("WLAN", "Source address"), "02:00:00:00:00:02");
    assert_string_equal(paddr("WLAN", "BSS ID"), "02:00:00:00:00:03");
    assert_non_null(dt_inst(dt_need_layer("WLAN", 0), "Frame Body", 0));
    dt_cut_everywhere(DT_LINK(105), f, 40,
                      &(dt_cut_opts){ .name = "WLAN", .hdr_start = 0, .hdr_end = 24 });
    /* ACK: a receiver address only (10 bytes) */
    memset(f, 0, sizeof f);
    f[0] = 0xD4;
    memcpy(f + 4, A1, 6);
    dt_dissect(f, 10, 105);
    assert_string_equal(dt_ptext("WLAN", 0, "Summary", 0), "ACK");
    assert_int_equal(dt_status("WLAN"), NMX_LAYER_OK);
    assert_string_equal(paddr("WLAN", "Receiver address"), "02:00:00:00:00:01");
    assert_null(dt_inst(dt_need_layer("WLAN", 0), "Transmitter address", 0));
    dt_cut_everywhere(DT_LINK(105), f, 10,
                      &(dt_cut_opts){ .name = "WLAN", .hdr_start = 0, .hdr_end = 10 });
    /* RTS: receiver and transmitter */
    f[0] = 0xB4;
    memcpy(f + 10, A2, 6);
    dt_dissect(f, 16, 105);
    assert_string_equal(paddr("WLAN", "Transmitter address"), "02:00:00:00:00:02");
    dt_cut_everywhere(DT_LINK(105), f, 16,
                      &(dt_cut_opts){ .name = "WLAN", .hdr_start = 0, .hdr_end = 16 });
}

/* ---- radiotap and PPI ------------------------------------------------------- */

static void test_radiotap(void **state)
{
    (void)state;
    uint8_t f[160] = { 0 };
    /* two present words (TSFT, Flags; then an empty extension), TSFT
     * aligned to 8 at offset 16, Flags at 24 with FCS */
    f[0] = 0;
    dt_wle32(f + 4, 0x80000003u);
    dt_wle32(f + 8, 0);
    dt_wle32(f + 16, 123456789u);
    f[24] = 0x10;
    uint16_t hl = 26;
    dt_wle16(f + 2, hl);
    size_t n = hl + wlan_data(f + hl, 0, 0x01);
    dt_wle32(f + n, 0xDEADBEEF); /* FCS */
    n += 4;
    dt_dissect(f, (uint32_t)n, 127);
    assert_string_equal(dt_chain(), "FRAME RADIOTAP WLAN LLC SNAP IP");
    assert_int_equal(dt_status("RADIOTAP"), NMX_LAYER_OK);
    assert_int_equal(dt_pval("RADIOTAP", 0, "Header length", 0), 26);
    assert_int_equal(dt_pval("RADIOTAP", 0, "Flags", 0), 0x10);
    assert_int_equal(dt_pval("RADIOTAP", 0, "TSF timer", 0), 123456789u);
    assert_string_equal(dt_ptext("RADIOTAP", 0, "Summary", 0), "Radio information, 26 bytes");
    /* the FCS is not part of the 802.11 frame */
    const nmx_layer *w = dt_layer("WLAN", 0);
    assert_non_null(w);
    assert_int_equal(w->offset, 26);
    assert_int_equal(w->length, n - 26 - 4);
    dt_cut_everywhere(DT_LINK(127), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "RADIOTAP", .hdr_start = 0, .hdr_end = 26 });
    /* without the FCS flag the whole rest is 802.11 */
    f[24] = 0;
    dt_dissect(f, (uint32_t)n, 127);
    assert_int_equal(dt_need_layer("WLAN", 0)->length, n - 26);
    /* a header length beyond the frame, a version other than 0 */
    dt_wle16(f + 2, 400);
    dt_dissect(f, (uint32_t)n, 127);
    assert_int_equal(dt_status("RADIOTAP"), NMX_LAYER_MALFORMED);
    assert_null(dt_layer("WLAN", 0));
    dt_wle16(f + 2, hl);
    f[0] = 1;
    dt_dissect(f, (uint32_t)n, 127);
    assert_int_equal(dt_status("RADIOTAP"), NMX_LAYER_MALFORMED);
}

static void test_ppi(void **state)
{
    (void)state;
    uint8_t f[160] = { 0 };
    /* PPI 8 + 802.11-Common (4 + 20) with the FCS flag, DLT 105 */
    dt_wle16(f + 2, 32);
    dt_wle32(f + 4, 105);
    dt_wle16(f + 8, 2);
    dt_wle16(f + 10, 20);
    dt_wle16(f + 12 + 8, 0x0001);
    size_t n = 32 + wlan_data(f + 32, 8, 0x01);
    n += 4; /* FCS */
    dt_dissect(f, (uint32_t)n, 192);
    assert_string_equal(dt_chain(), "FRAME PPI WLAN LLC SNAP IP");
    assert_int_equal(dt_status("PPI"), NMX_LAYER_OK);
    assert_int_equal(dt_pval("PPI", 0, "DLT", 0), 105);
    assert_int_equal(dt_pval("PPI", 0, "Header length", 0), 32);
    assert_int_equal(dt_pval("PPI", 0, "802.11-Common flags", 0), 1);
    assert_string_equal(dt_ptext("PPI", 0, "Field type", 0), "Field type = 802.11-Common");
    assert_string_equal(dt_ptext("PPI", 0, "Summary", 0), "Version 0, 32 bytes, DLT 105");
    assert_int_equal(dt_need_layer("WLAN", 0)->length, n - 32 - 4);
    dt_cut_everywhere(DT_LINK(192), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "PPI", .hdr_start = 0, .hdr_end = 32 });
    /* a field running past the header */
    dt_wle16(f + 10, 40);
    dt_dissect(f, (uint32_t)n, 192);
    assert_int_equal(dt_status("PPI"), NMX_LAYER_MALFORMED);
    assert_null(dt_layer("WLAN", 0));
    /* DLT 1: Ethernet follows, no fields */
    memset(f, 0, sizeof f);
    dt_wle16(f + 2, 8);
    dt_wle32(f + 4, 1);
    memcpy(f + 8, A1, 6);
    memcpy(f + 14, A2, 6);
    f[20] = 0x08;
    n = 22 + dt_ip4_at(f + 22, 17, 0);
    dt_dissect(f, (uint32_t)n, 192);
    assert_string_equal(dt_chain(), "FRAME PPI ETHERNET IP");
}

/* ---- NFLOG, ipnet, Cisco HDLC ------------------------------------------- */

static size_t nflog_tlv(uint8_t *b, uint16_t type, const uint8_t *v, uint16_t vlen)
{
    dt_wle16(b, (uint16_t)(4 + vlen));
    dt_wle16(b + 2, type);
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
    size_t pl = dt_ip4_at(pkt, 17, 0);
    size_t pay_off = n + 4;
    n += nflog_tlv(f + n, 9, pkt, (uint16_t)pl);
    dt_dissect(f, (uint32_t)n, 239);
    assert_string_equal(dt_chain(), "FRAME NFLOG IP");
    assert_int_equal(dt_status("NFLOG"), NMX_LAYER_OK);
    assert_int_equal(dt_pval("NFLOG", 0, "Resource id", 0), 20);
    assert_string_equal(dt_ptext("NFLOG", 0, "Prefix", 0), "Prefix: drop");
    assert_string_equal(dt_ptext("NFLOG", 0, "TLV type", 0), "TLV type = 1 (NFULA_PACKET_HDR)");
    assert_string_equal(dt_ptext("NFLOG", 0, "Summary", 0), "IPv4, payload 20 bytes");
    assert_int_equal(dt_need_layer("IP", 0)->offset, pay_off);
    assert_string_equal(paddr("IP", "Destination Address"), "10.0.0.2");
    dt_cut_everywhere(DT_LINK(239), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "NFLOG", .hdr_start = 0, .hdr_end = (uint32_t)pay_off });
    /* IPv6, family 10 */
    f[0] = 10;
    n = 4;
    pl = dt_ip6_at(pkt, 59, 0);
    n += nflog_tlv(f + n, 9, pkt, (uint16_t)pl);
    dt_dissect(f, (uint32_t)n, 239);
    assert_string_equal(dt_chain(), "FRAME NFLOG IP6");
    assert_string_equal(paddr("IP6", "Source Address"), "2001:db8::1");
    /* a TLV shorter than its own header */
    dt_wle16(f + 4, 2);
    dt_dissect(f, (uint32_t)n, 239);
    assert_int_equal(dt_status("NFLOG"), NMX_LAYER_MALFORMED);
    assert_string_equal(dt_chain(), "FRAME NFLOG");
}

static void test_ipnet(void **state)
{
    (void)state;
    uint8_t f[100] = { 0 };
    f[0] = 1;
    f[1] = 2;
    dt_wbe32(f + 4, 20);
    dt_wbe32(f + 8, 2);
    dt_wbe32(f + 16, 0xFFFFFFFFu);
    size_t n = 24 + dt_ip4_at(f + 24, 1, 0);
    dt_dissect(f, (uint32_t)n, 226);
    assert_string_equal(dt_chain(), "FRAME IPNET IP");
    assert_int_equal(dt_status("IPNET"), NMX_LAYER_OK);
    assert_int_equal(dt_pval("IPNET", 0, "Packet length", 0), 20);
    assert_int_equal(dt_pval("IPNET", 0, "Interface index", 0), 2);
    assert_string_equal(dt_ptext("IPNET", 0, "Address family", 0), "Address family = IPv4");
    assert_string_equal(dt_ptext("IPNET", 0, "Summary", 0), "IPv4, Len = 20");
    dt_cut_everywhere(DT_LINK(226), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "IPNET", .hdr_start = 0, .hdr_end = 24 });
    f[1] = 26;
    dt_wbe32(f + 4, 40);
    n = 24 + dt_ip6_at(f + 24, 59, 0);
    dt_dissect(f, (uint32_t)n, 226);
    assert_string_equal(dt_chain(), "FRAME IPNET IP6");
    f[0] = 2; /* unknown version */
    dt_dissect(f, (uint32_t)n, 226);
    assert_int_equal(dt_status("IPNET"), NMX_LAYER_MALFORMED);
    f[0] = 1;
    dt_wbe32(f + 4, 41); /* longer than the frame */
    dt_dissect(f, (uint32_t)n, 226);
    assert_int_equal(dt_status("IPNET"), NMX_LAYER_MALFORMED);
}

static void test_chdlc(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    f[0] = 0x0F;
    f[2] = 0x08;
    size_t n = 4 + dt_ip4_at(f + 4, 17, 0);
    dt_dissect(f, (uint32_t)n, 104);
    assert_string_equal(dt_chain(), "FRAME CHDLC IP");
    assert_int_equal(dt_status("CHDLC"), NMX_LAYER_OK);
    assert_int_equal(dt_pval("CHDLC", 0, "Protocol", 0), 0x0800);
    assert_string_equal(dt_ptext("CHDLC", 0, "Summary", 0), "Unicast; Protocol = 0x0800");
    assert_string_equal(dt_ptext("CHDLC", 0, "Address", 0), "Address = Unicast");
    dt_cut_everywhere(DT_LINK(104), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "CHDLC", .hdr_start = 0, .hdr_end = 4 });
    /* SLARP is not RARP on these links */
    f[0] = 0x8F;
    f[2] = 0x80;
    f[3] = 0x35;
    dt_dissect(f, 24, 104);
    assert_string_equal(dt_chain(), "FRAME CHDLC");
    assert_non_null(dt_inst(dt_need_layer("CHDLC", 0), "SLARP data", 0));
    assert_string_equal(dt_ptext("CHDLC", 0, "Summary", 0), "Broadcast; Protocol = 0x8035 (SLARP)");
    f[0] = 0x03;
    dt_dissect(f, 24, 104);
    assert_int_equal(dt_status("CHDLC"), NMX_LAYER_MALFORMED);
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

/* tshark's protocol names and ours. */
static const char *const link2_names[][2] = {
    { "tr", "TOKENRING" }, { "fddi", "FDDI" }, { "wlan", "WLAN" }, { "radiotap", "RADIOTAP" },
    { "ppi", "PPI" }, { "nflog", "NFLOG" }, { "ipnet", "IPNET" }, { "chdlc", "CHDLC" },
    { "llc", "LLC" }, { "ip", "IP" }, { "ipv6", "IP6" }, { "udp", "UDP" }, { "tcp", "TCP" },
    { "icmp", "ICMP" },
};

/* Every frame of `file`: every layer OK, and the protocols and fields
 * (addresses as tshark prints them) agree with tshark's. */
static unsigned oracle(const char *file, const dt_field *fields, size_t nf)
{
    static const dt_oracle o = {
        .names = link2_names,
        .nnames = sizeof link2_names / sizeof link2_names[0],
        .addresses = true,
        .all_ok = true,
        .options = "-n",
    };
    return dt_oracle_run(&o, file, fields, nf);
}

static const dt_field wlan_fields[] = {
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
    if (!dt_oracle_ready())
        skip();
    dt_field f[sizeof wlan_fields / sizeof wlan_fields[0] + 1];
    memcpy(f, wlan_fields, sizeof wlan_fields);
    f[sizeof wlan_fields / sizeof wlan_fields[0]] =
        (dt_field){ "radiotap.length", "RADIOTAP", "Header length" };
    size_t nf = sizeof f / sizeof f[0];
    assert_int_equal(oracle("pcap/lp_wpa-Induction.pcap", f, nf), 10);
    assert_int_equal(oracle("pcap/td_ieee802.11_exthdr.pcap", f, nf), 26);
}

static void test_tshark_ppi(void **state)
{
    (void)state;
    if (!dt_oracle_ready())
        skip();
    dt_field f[sizeof wlan_fields / sizeof wlan_fields[0] + 2];
    memcpy(f, wlan_fields, sizeof wlan_fields);
    f[sizeof wlan_fields / sizeof wlan_fields[0]] =
        (dt_field){ "ppi.length", "PPI", "Header length" };
    f[sizeof wlan_fields / sizeof wlan_fields[0] + 1] =
        (dt_field){ "ppi.dlt", "PPI", "DLT" };
    assert_int_equal(oracle("pcap/lp_http_PPI.pcap", f, sizeof f / sizeof f[0]), 5);
}

static void test_tshark_nflog_ipnet_chdlc(void **state)
{
    (void)state;
    if (!dt_oracle_ready())
        skip();
    static const dt_field nf[] = {
        { "nflog.family", "NFLOG", "Address family" },
        { "nflog.res_id", "NFLOG", "Resource id" },
        { "ip.src", "IP", "Source Address" },
        { "ip.dst", "IP", "Destination Address" },
    };
    assert_int_equal(oracle("pcap/td_nflog.pcap", nf, 4), 4);
    static const dt_field in[] = {
        { "ipnet.family", "IPNET", "Address family" },
        { "ipnet.htype", "IPNET", "Hook type" },
        { "ipnet.pktlen", "IPNET", "Packet length" },
        { "ipnet.ifindex", "IPNET", "Interface index" },
        { "ipnet.zsrc", "IPNET", "Source zone id" },
        { "ip.src", "IP", "Source Address" },
    };
    assert_int_equal(oracle("pcap/td_e1000g.pcap", in, 6), 20);
    static const dt_field ch[] = {
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
    dt_done();
    return rc;
}
