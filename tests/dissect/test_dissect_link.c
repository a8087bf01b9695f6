/*
 * test_dissect_link.c: the link-layer and tunnel protocols (VLAN, LLC,
 * SNAP, SLL, SLL2, NULL, PPP, PPPOE, MPLS, ARP_RARP, GRE, VXLAN) and
 * Network Monitor's own records.
 *
 * Frames are built here byte by byte; each protocol is checked for its
 * layers, statuses, property values and texts, and cut at every byte
 * (never OK with a header cut short, never a crash). Then the shared
 * captures that carry these protocols are dissected and compared, frame by
 * frame, with tshark's protocols and fields (skipped, visibly, without
 * ../shared or tshark).
 */
#include <errno.h>
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
#include "shared_captures.h"
#include "dis_oracle.h"
#include "dis_test.h"

/* ---- VLAN ----------------------------------------------------------------- */

static void test_vlan_single(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    size_t n = dt_eth_at(f, 0x8100);
    dt_wbe16(f + n, 0xA076);         /* PCP 5, DEI 0, VID 118 */
    dt_wbe16(f + n + 2, 0x0800);
    n += 4;
    n += dt_ip4_at(f + n, 17, 0);
    dt_dissect(f, (uint32_t)n, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET VLAN IP");
    assert_int_equal(dt_status("VLAN"), NMX_LAYER_OK);
    assert_int_equal(dt_pval("VLAN", 0, "VLAN Identifier", 0), 118);
    assert_int_equal(dt_pval("VLAN", 0, "Priority", 0), 5);
    assert_int_equal(dt_pval("VLAN", 0, "Drop Eligible Indicator", 0), 0);
    assert_int_equal(dt_pval("VLAN", 0, "Ethernet Type", 0), 0x0800);
    assert_string_equal(dt_ptext("VLAN", 0, "Summary", 0),
                        "VLAN ID = 118; Priority = 5; ETYPE = 0x0800");
    assert_string_equal(dt_ptext("VLAN", 0, "VLAN Identifier", 0), "VLAN Identifier = 118 (0x76)");
    assert_string_equal(dt_ptext("VLAN", 0, "Priority", 0),
                        "Priority = Voice, < 10 ms latency and jitter");
    /* The label aliases resolve to the same property. */
    HPROTOCOL h = nmx_protocol_find("vlan");
    assert_non_null(h);
    assert_true(nmx_property_find(h, "CFI") != 0);
    assert_true(nmx_property_find(h, "DEI") == nmx_property_find(h, "Drop Eligible Indicator"));
    assert_true(nmx_property_find(h, "VLAN ID") == nmx_property_find(h, "VLAN Identifier"));
}

static void test_vlan_stacked_and_dei(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    size_t n = dt_eth_at(f, 0x88A8);
    dt_wbe16(f + n, 0x10C8);         /* DEI 1, VID 200 */
    dt_wbe16(f + n + 2, 0x8100);
    dt_wbe16(f + n + 4, 0x07D1);     /* VID 2001 */
    dt_wbe16(f + n + 6, 0x9100);
    dt_wbe16(f + n + 8, 0x0FFF);     /* VID 4095 */
    dt_wbe16(f + n + 10, 0x0806);
    n += 12;
    dt_dissect(f, (uint32_t)n, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET VLAN VLAN VLAN");
    assert_int_equal(dt_pval("VLAN", 0, "VLAN Identifier", 0), 200);
    assert_int_equal(dt_pval("VLAN", 0, "Drop Eligible Indicator", 0), 1);
    assert_int_equal(dt_pval("VLAN", 1, "VLAN Identifier", 0), 2001);
    assert_int_equal(dt_pval("VLAN", 2, "VLAN Identifier", 0), 4095);
    assert_int_equal(dt_pval("VLAN", 2, "Ethernet Type", 0), 0x0806);
    const PROPERTYINST *dei = dt_inst(dt_need_layer("VLAN", 0), "Drop Eligible Indicator", 0);
    char buf[128];
    assert_int_equal(nmx_dissect_nbits(dt_dis(), dei), 1);
    nmx_dissect_bit_text(dt_dis(), dei, 0, buf, sizeof buf);
    assert_string_equal(buf, ".......1 = Eligible to be dropped");
}

static void test_vlan_8023_length(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    size_t n = dt_eth_at(f, 0x8100);
    dt_wbe16(f + n, 0x0005);
    dt_wbe16(f + n + 2, 8);           /* 802.3 length: LLC + SNAP */
    n += 4;
    static const uint8_t llc_snap[8] = { 0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x06 };
    memcpy(f + n, llc_snap, 8);
    n += 8 + 10;                   /* + padding */
    dt_dissect(f, (uint32_t)n, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET VLAN LLC SNAP");
    assert_int_equal(dt_pval("VLAN", 0, "802.3 Length", 0), 8);
    assert_non_null(dt_inst(dt_need_layer("VLAN", 0), "Frame Padding", 0));
    assert_int_equal(dt_need_layer("LLC", 0)->length, 8);
    /* a length beyond the frame is malformed */
    dt_wbe16(f + 16, 1400);
    dt_dissect(f, (uint32_t)n, 1);
    assert_int_equal(dt_status("VLAN"), NMX_LAYER_MALFORMED);
}

static void test_vlan_truncated(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    size_t n = dt_eth_at(f, 0x8100);
    dt_wbe16(f + n, 0x0076);
    dt_wbe16(f + n + 2, 0x0800);
    n += 4;
    n += dt_ip4_at(f + n, 17, 0);
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "VLAN", .hdr_start = 14, .hdr_end = 18 });
    dt_run(f, 16, (uint32_t)n, 1, NMX_DIS_ATTACH);
    assert_int_equal(dt_status("VLAN"), NMX_LAYER_TRUNCATED);
    assert_int_equal(dt_pval("VLAN", 0, "VLAN Identifier", 0), 118);   /* what is there is shown */
    assert_null(dt_inst(dt_need_layer("VLAN", 0), "Ethernet Type", 0));
}

/* ---- LLC and SNAP ----------------------------------------------------- */

static void test_llc_snap_arp(void **state)
{
    (void)state;
    uint8_t f[80] = { 0 };
    size_t n = dt_eth_at(f, 36);        /* 802.3 length */
    static const uint8_t llc_snap[8] = { 0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x06 };
    memcpy(f + n, llc_snap, 8);
    n += 8 + 28;
    dt_dissect(f, (uint32_t)n, 1);
    assert_true(strncmp(dt_chain(), "FRAME ETHERNET LLC SNAP", 23) == 0);
    assert_string_equal(dt_ptext("LLC", 0, "Summary", 0), "UI DSAP=0xAA SSAP=0xAA C");
    assert_string_equal(dt_ptext("LLC", 0, "DSAP", 0), "DSAP = 0xAA : SNAP");
    assert_int_equal(dt_pval("LLC", 0, "Control", 0), 3);
    assert_string_equal(dt_ptext("SNAP", 0, "Summary", 0), "ETYPE = 0x0806");
    assert_int_equal(dt_pval("SNAP", 0, "Organization Code", 0), 0);
    assert_int_equal(dt_pval("SNAP", 0, "Ethernet Type", 0), 0x0806);
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "LLC", .hdr_start = 14, .hdr_end = 17 });
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "SNAP", .hdr_start = 17, .hdr_end = 22 });
}

static void test_llc_frames(void **state)
{
    (void)state;
    uint8_t f[40] = { 0 };
    size_t n = dt_eth_at(f, 4);
    /* an I PDU, command, poll: N(S) = 4, N(R) = 14 */
    f[n] = 0xF0;
    f[n + 1] = 0xF0;
    f[n + 2] = 0x08;
    f[n + 3] = 0x1D;
    dt_dissect(f, (uint32_t)n + 4, 1);
    assert_string_equal(dt_ptext("LLC", 0, "Summary", 0),
                        "C I-FRAME N(S) = 0x04, N(R) = 0x0E POLL");
    assert_int_equal(dt_pval("LLC", 0, "N(S)", 0), 4);
    assert_int_equal(dt_pval("LLC", 0, "N(R)", 0), 14);
    /* a supervisory RR response, final */
    f[n + 1] = 0xF1;
    f[n + 2] = 0x01;
    dt_dissect(f, (uint32_t)n + 4, 1);
    assert_string_equal(dt_ptext("LLC", 0, "Summary", 0), "R RR N(R) = 0x0E FINAL");
    assert_null(dt_inst(dt_need_layer("LLC", 0), "N(S)", 0));
    /* an XID command: unnumbered, not handed on */
    dt_wbe16(f + 12, 6);
    f[n] = 0xAA;
    f[n + 1] = 0xAA;
    f[n + 2] = 0xBF;             /* XID with P */
    dt_dissect(f, (uint32_t)n + 6, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET LLC");
    assert_string_equal(dt_ptext("LLC", 0, "Summary", 0), "XID DSAP=0xAA SSAP=0xAA C POLL");
    assert_string_equal(dt_ptext("LLC", 0, "Unnumbered Command", 0), "Unnumbered Command = XID");
}

static void test_snap_other_oui(void **state)
{
    (void)state;
    uint8_t f[40] = { 0 };
    size_t n = dt_eth_at(f, 20);
    static const uint8_t cdp[8] = { 0xAA, 0xAA, 0x03, 0x00, 0x00, 0x0C, 0x20, 0x00 };
    memcpy(f + n, cdp, 8);
    dt_dissect(f, (uint32_t)n + 20, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET LLC SNAP");
    assert_string_equal(dt_ptext("SNAP", 0, "Summary", 0), "OUI = 0x00000C, PID = 0x2000");
    assert_string_equal(dt_ptext("SNAP", 0, "Organization Code", 0),
                        "Organization Code = 0x00000C : Cisco");
}

/* ---- ARP_RARP ------------------------------------------------------------ */

/* An Ethernet/IPv4 ARP packet of opcode op. */
static size_t arp_pkt(uint8_t *b, uint16_t op)
{
    static const uint8_t body[28] = {
        0x00, 0x01, 0x08, 0x00, 6, 4, 0, 0,
        0x40, 0x00, 0xDD, 0xDD, 0x11, 0x11, 11, 1, 9, 1,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 11, 1, 9, 221,
    };
    memcpy(b, body, sizeof body);
    dt_wbe16(b + 6, op);
    return sizeof body;
}

static void test_arp_request_reply(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    size_t n = dt_eth_at(f, 0x0806);
    n += arp_pkt(f + n, 1);
    dt_dissect(f, (uint32_t)n, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET ARP_RARP");
    assert_int_equal(dt_status("ARP_RARP"), NMX_LAYER_OK);
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Summary", 0),
                        "ARP: Request, Target IP: 11.1.9.221");
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Hardware Address Space", 0),
                        "Hardware Address Space = 1 (0x1)");
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Protocol Address Space", 0),
                        "Protocol Address Space = 2048 (0x800)");
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Hardware Address Length", 0),
                        "Hardware Address Length = 6 (0x6)");
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Protocol Address Length", 0),
                        "Protocol Address Length = 4 (0x4)");
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Opcode", 0), "Opcode = 1 (0x1)");
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Sender's Hardware Address", 0),
                        "Sender's Hardware Address = 4000DDDD1111");
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Sender's Protocol Address", 0),
                        "Sender's Protocol Address = 11.1.9.1");
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Target's Hardware Address", 0),
                        "Target's Hardware Address = 000000000000");
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Target's Protocol Address", 0),
                        "Target's Protocol Address = 11.1.9.221");
    f[14 + 18] = 0x40;             /* target hardware 4000DDDD1111 */
    f[14 + 19] = 0x00;
    f[14 + 20] = 0xDD;
    f[14 + 21] = 0xDD;
    f[14 + 22] = 0x11;
    f[14 + 23] = 0x11;
    dt_wbe16(f + 14 + 6, 2);
    dt_dissect(f, (uint32_t)n, 1);
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Summary", 0),
                        "ARP: Reply, Target IP: 11.1.9.221 Target Hdwr Addr: 4000DDDD1111");
    dt_wbe16(f + 14 + 6, 3);
    dt_dissect(f, (uint32_t)n, 1);
    assert_string_equal(dt_ptext("ARP_RARP", 0, "Summary", 0),
                        "RARP: Request, Target Hdwr Addr: 4000DDDD1111");
    /* RARP has its own EtherType */
    dt_wbe16(f + 12, 0x8035);
    dt_dissect(f, (uint32_t)n, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET ARP_RARP");
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "ARP_RARP", .hdr_start = 14, .hdr_end = 42 });
}

static void test_arp_odd_lengths(void **state)
{
    (void)state;
    uint8_t f[80] = { 0 };
    size_t n = dt_eth_at(f, 0x0806);
    n += arp_pkt(f + n, 1);
    f[14 + 4] = 8;                 /* 8-byte hardware addresses: the bytes are shown */
    dt_dissect(f, (uint32_t)n + 4, 1);
    assert_int_equal(dt_status("ARP_RARP"), NMX_LAYER_OK);
    assert_null(dt_inst(dt_need_layer("ARP_RARP", 0), "Sender's Hardware Address", 0));
    assert_non_null(dt_inst(dt_need_layer("ARP_RARP", 0), "Sender's Hardware Address Bytes", 0));
    assert_int_equal(dt_need_inst(dt_layer("ARP_RARP", 0), "Target's Hardware Address Bytes", 0)->DataLength, 8);
    f[14 + 4] = 200;               /* addresses beyond the packet */
    dt_dissect(f, (uint32_t)n, 1);
    assert_int_equal(dt_status("ARP_RARP"), NMX_LAYER_MALFORMED);
}

/* ---- SLL, SLL2, NULL ---------------------------------------------------- */

static void test_sll(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    static const uint8_t hdr[16] = { 0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x00, 0x13, 0xC3,
                                     0xDF, 0xAE, 0x18, 0x00, 0x00, 0x08, 0x00 };
    memcpy(f, hdr, 16);
    size_t n = 16 + dt_ip4_at(f + 16, 17, 0);
    dt_dissect(f, (uint32_t)n, 113);
    assert_string_equal(dt_chain(), "FRAME SLL IP");
    assert_string_equal(dt_ptext("SLL", 0, "Summary", 0),
                        "Sent by us; Src = 0013C3DFAE18; ETYPE = 0x0800");
    assert_string_equal(dt_ptext("SLL", 0, "Packet Type", 0), "Packet Type = Sent by us");
    assert_string_equal(dt_ptext("SLL", 0, "Link-Layer Address Type", 0),
                        "Link-Layer Address Type = Ethernet");
    assert_string_equal(dt_ptext("SLL", 0, "Source address", 0), "Source address : 0013C3DFAE18");
    assert_int_equal(dt_pval("SLL", 0, "Protocol", 0), 0x0800);
    dt_cut_everywhere(DT_LINK(113), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "SLL", .hdr_start = 0, .hdr_end = 16 });
    /* ETH_P_802_2: LLC follows; a 4-byte address is shown as bytes */
    dt_wbe16(f + 4, 4);
    dt_wbe16(f + 14, 0x0004);
    static const uint8_t llc_snap[8] = { 0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x06 };
    memcpy(f + 16, llc_snap, 8);
    dt_dissect(f, 24, 113);
    assert_string_equal(dt_chain(), "FRAME SLL LLC SNAP");
    assert_null(dt_inst(dt_need_layer("SLL", 0), "Source address", 0));
    assert_int_equal(dt_need_inst(dt_layer("SLL", 0), "Link-Layer Address", 0)->DataLength, 4);
    /* Netlink: the protocol is a netlink family, not an EtherType */
    dt_wbe16(f + 2, 824);
    dt_wbe16(f + 14, 0x0800);
    dt_dissect(f, 24, 113);
    assert_string_equal(dt_chain(), "FRAME SLL");
}

static void test_sll2(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    static const uint8_t hdr[20] = { 0x08, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x01,
                                     0x01, 0x06, 0xF0, 0x3F, 0x95, 0x8F, 0x82, 0x63, 0x00, 0x00 };
    memcpy(f, hdr, 20);
    size_t n = 20 + arp_pkt(f + 20, 1);
    dt_dissect(f, (uint32_t)n, 276);
    assert_string_equal(dt_chain(), "FRAME SLL2 ARP_RARP");
    assert_string_equal(dt_ptext("SLL2", 0, "Summary", 0),
                        "Broadcast; If = 20; Src = F03F958F8263; ETYPE = 0x0806");
    assert_int_equal(dt_pval("SLL2", 0, "Interface Index", 0), 20);
    assert_int_equal(dt_pval("SLL2", 0, "Packet Type", 0), 1);
    assert_int_equal(dt_pval("SLL2", 0, "Link-Layer Address Type", 0), 1);
    assert_int_equal(dt_pval("SLL2", 0, "Protocol", 0), 0x0806);
    dt_cut_everywhere(DT_LINK(276), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "SLL2", .hdr_start = 0, .hdr_end = 20 });
}

static void test_null(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    f[0] = 2;                      /* AF_INET, little-endian host */
    size_t n = 4 + dt_ip4_at(f + 4, 17, 0);
    dt_dissect(f, (uint32_t)n, 0);
    assert_string_equal(dt_chain(), "FRAME NULL IP");
    assert_int_equal(dt_pval("NULL", 0, "Address Family", 0), 2);
    assert_string_equal(dt_ptext("NULL", 0, "Summary", 0), "Family = IP (2)");
    assert_string_equal(dt_ptext("NULL", 0, "Address Family", 0), "Address Family = IP (2)");
    dt_cut_everywhere(DT_LINK(0), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "NULL", .hdr_start = 0, .hdr_end = 4 });
    /* big-endian host */
    f[0] = 0;
    f[3] = 2;
    dt_dissect(f, (uint32_t)n, 0);
    assert_string_equal(dt_chain(), "FRAME NULL IP");
    assert_int_equal(dt_pval("NULL", 0, "Address Family", 0), 2);
    /* LOOP is always network order: 0x02000000 is no family there */
    f[0] = 2;
    f[3] = 0;
    dt_dissect(f, (uint32_t)n, 108);
    assert_string_equal(dt_chain(), "FRAME NULL");
    assert_int_equal(dt_pval("NULL", 0, "Address Family", 0), 0x02000000);
    f[0] = 0;
    f[3] = 2;
    dt_dissect(f, (uint32_t)n, 108);
    assert_string_equal(dt_chain(), "FRAME NULL IP");
    /* an EtherType in the last two bytes */
    f[0] = 0x0F;
    f[1] = 0;
    f[2] = 0x08;
    f[3] = 0x00;
    dt_dissect(f, (uint32_t)n, 0);
    assert_string_equal(dt_chain(), "FRAME NULL IP");
    assert_string_equal(dt_ptext("NULL", 0, "Summary", 0), "ETYPE = 0x0800");
    assert_null(dt_inst(dt_need_layer("NULL", 0), "Address Family", 0));
    /* IPv6 family numbers are named (the IPv6 parser takes them) */
    memset(f, 0, 4);
    f[0] = 30;
    dt_dissect(f, 44, 0);
    assert_string_equal(dt_ptext("NULL", 0, "Summary", 0), "Family = IP6 (Darwin) (30)");
}

/* ---- PPP, PPPOE, MPLS ------------------------------------------------------ */

static void test_ppp(void **state)
{
    (void)state;
    uint8_t f[64] = { 0 };
    f[0] = 0xFF;
    f[1] = 0x03;
    dt_wbe16(f + 2, 0x0021);
    size_t n = 4 + dt_ip4_at(f + 4, 17, 0);
    dt_dissect(f, (uint32_t)n, 9);
    assert_string_equal(dt_chain(), "FRAME PPP IP");
    assert_string_equal(dt_ptext("PPP", 0, "Summary", 0), "Internet Protocol Frame (0x0021)");
    assert_string_equal(dt_ptext("PPP", 0, "Protocol", 0), "Protocol = 0x0021 (Internet Protocol)");
    assert_int_equal(dt_pval("PPP", 0, "Address", 0), 0xFF);
    dt_cut_everywhere(DT_LINK(9), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "PPP", .hdr_start = 0, .hdr_end = 4 });
    dt_dissect(f, (uint32_t)n, 50);
    assert_string_equal(dt_chain(), "FRAME PPP IP");
    /* address and control left out, protocol compressed to one octet */
    f[2] = 0x21;
    dt_dissect(f + 2, (uint32_t)n - 2, 9);
    assert_string_equal(dt_chain(), "FRAME PPP IP");
    assert_int_equal(dt_pval("PPP", 0, "Protocol", 0), 0x21);
    assert_null(dt_inst(dt_need_layer("PPP", 0), "Address", 0));
    /* LCP: named, not handed on */
    f[0] = 0xC0;
    f[1] = 0x21;
    dt_dissect(f, 8, 9);
    assert_string_equal(dt_chain(), "FRAME PPP");
    assert_string_equal(dt_ptext("PPP", 0, "Summary", 0), "Link Control Protocol Frame (0xC021)");
    /* a protocol number whose last octet is even, a control that is not 0x03 */
    static const uint8_t bad[8] = { 0xFF, 0x5F, 0x7E, 0x08, 0x00, 0x45, 0, 0 };
    dt_dissect(bad, 8, 9);
    assert_int_equal(dt_status("PPP"), NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(dt_layer("PPP", 0), "Control", 0)->IFlags & IFLAG_ERROR);
    assert_true(dt_need_inst(dt_layer("PPP", 0), "Protocol", 0)->IFlags & IFLAG_ERROR);
    /* IPv6 goes to the IPv6 EtherType's protocol, MPLS to MPLS */
    static const uint8_t mpls[10] = { 0x02, 0x81, 0x00, 0x01, 0x01, 0x40, 0x45, 0, 0, 0 };
    dt_dissect(mpls, sizeof mpls, 9);
    assert_true(strncmp(dt_chain(), "FRAME PPP MPLS", 14) == 0);
}

static void test_pppoe(void **state)
{
    (void)state;
    uint8_t f[96] = { 0 };
    size_t n = dt_eth_at(f, 0x8864);
    f[n] = 0x11;
    f[n + 1] = 0;
    dt_wbe16(f + n + 2, 0x0011);
    dt_wbe16(f + n + 4, 22);
    dt_wbe16(f + n + 6, 0x0021);
    size_t m = n + 8 + dt_ip4_at(f + n + 8, 17, 0);
    dt_dissect(f, (uint32_t)m + 6, 1);  /* Ethernet padding after the session data */
    assert_string_equal(dt_chain(), "FRAME ETHERNET PPPOE PPP IP");
    assert_string_equal(dt_ptext("PPPOE", 0, "Summary", 0), "Session, ID = 0x0011, Length = 22");
    assert_int_equal(dt_pval("PPPOE", 0, "Session ID", 0), 0x11);
    assert_int_equal(dt_pval("PPPOE", 0, "Version", 0), 1);
    assert_int_equal(dt_pval("PPPOE", 0, "Type", 0), 1);
    assert_int_equal(dt_need_layer("PPP", 0)->length, 22);
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)m,
                      &(dt_cut_opts){ .name = "PPPOE", .hdr_start = 14, .hdr_end = 20 });
    /* link type 51 starts with the PPPoE header */
    dt_dissect(f + 14, (uint32_t)m - 14, 51);
    assert_string_equal(dt_chain(), "FRAME PPPOE PPP IP");
    /* discovery: PADI with a Service-Name and a Host-Uniq */
    dt_wbe16(f + 12, 0x8863);
    f[n + 1] = 0x09;
    dt_wbe16(f + n + 2, 0);
    static const uint8_t tagv[16] = { 0x01, 0x01, 0x00, 0x04, 'i', 's', 'p', '1',
                                      0x01, 0x03, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF };
    memcpy(f + n + 6, tagv, sizeof tagv);
    dt_wbe16(f + n + 4, sizeof tagv);
    m = n + 6 + sizeof tagv;
    dt_dissect(f, (uint32_t)m, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET PPPOE");
    assert_int_equal(dt_status("PPPOE"), NMX_LAYER_OK);
    assert_string_equal(dt_ptext("PPPOE", 0, "Summary", 0), "PADI, ID = 0x0000, Length = 16");
    assert_string_equal(dt_ptext("PPPOE", 0, "Tag Text", 0), "Tag Text: isp1");
    assert_string_equal(dt_text(dt_inst(dt_need_layer("PPPOE", 0), "Tag Type", 1)),
                        "Tag Type = Host-Uniq");
    assert_string_equal(dt_ptext("PPPOE", 0, "Tag Value", 0), "Tag Value = de ad be ef");
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)m,
                      &(dt_cut_opts){ .name = "PPPOE", .hdr_start = 14, .hdr_end = (uint32_t)m });
    /* a tag running past the payload, a bad version */
    dt_wbe16(f + n + 6 + 2, 40);
    dt_dissect(f, (uint32_t)m, 1);
    assert_int_equal(dt_status("PPPOE"), NMX_LAYER_MALFORMED);
    /* the same without properties attached, whole and cut short of its wire
     * length: the bad tag is in the captured bytes either way */
    for (unsigned fl = 0; fl <= NMX_DIS_ATTACH; fl += NMX_DIS_ATTACH) {
        dt_run(f, (uint32_t)m, (uint32_t)m, 1, fl);
        assert_int_equal(dt_status("PPPOE"), NMX_LAYER_MALFORMED);
        dt_run(f, (uint32_t)m, (uint32_t)m + 1000, 1, fl);
        assert_int_equal(dt_status("PPPOE"), NMX_LAYER_MALFORMED);
    }
    f[n] = 0x21;
    dt_dissect(f, (uint32_t)m, 1);
    assert_int_equal(dt_status("PPPOE"), NMX_LAYER_MALFORMED);
}

static void test_mpls(void **state)
{
    (void)state;
    uint8_t f[80] = { 0 };
    size_t n = dt_eth_at(f, 0x8847);
    dt_wbe32(f + n, 16u << 12 | 5u << 9 | 0x40);        /* label 16, TC 5, TTL 64 */
    dt_wbe32(f + n + 4, 17u << 12 | 1u << 8 | 0x3F);    /* label 17, bottom, TTL 63 */
    n += 8;
    size_t m = n + dt_ip4_at(f + n, 17, 0);
    dt_dissect(f, (uint32_t)m, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET MPLS IP");
    assert_int_equal(dt_pval("MPLS", 0, "Label", 0), 16);
    assert_int_equal(dt_pval("MPLS", 0, "Label", 1), 17);
    assert_int_equal(dt_pval("MPLS", 0, "Traffic Class", 0), 5);
    assert_int_equal(dt_pval("MPLS", 0, "Bottom of Stack", 0), 0);
    assert_int_equal(dt_pval("MPLS", 0, "Bottom of Stack", 1), 1);
    assert_int_equal(dt_pval("MPLS", 0, "Time to Live", 1), 63);
    assert_string_equal(dt_ptext("MPLS", 0, "Summary", 0),
                        "Label = 16, TC = 5, S = 0, TTL = 64 (2 labels)");
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)m,
                      &(dt_cut_opts){ .name = "MPLS", .hdr_start = 14, .hdr_end = 22 });
    /* IPv6 Explicit NULL goes to IPv6 whatever the nibble; no bottom is malformed */
    dt_wbe32(f + 14, 2u << 12 | 1u << 8 | 1);
    dt_dissect(f, 18 + 40, 1);
    assert_string_equal(dt_ptext("MPLS", 0, "Label", 0), "Label = 2 (IPv6 Explicit NULL)");
    dt_wbe32(f + 14, 16u << 12);
    dt_dissect(f, 18, 1);
    assert_int_equal(dt_status("MPLS"), NMX_LAYER_MALFORMED);
}

/* ---- GRE, VXLAN ------------------------------------------------------------ */

static void test_gre_v0(void **state)
{
    (void)state;
    uint8_t f[128] = { 0 };
    size_t n = dt_eth_at(f, 0x0800);
    size_t ip = n;
    n += 20;
    dt_wbe16(f + n, 0xB000);          /* C, K, S */
    dt_wbe16(f + n + 2, 0x0800);
    dt_wbe16(f + n + 4, 0xBEEF);
    dt_wbe32(f + n + 8, 0x00000001);
    dt_wbe32(f + n + 12, 7);
    size_t g = n;
    n += 16;
    n += dt_ip4_at(f + n, 17, 0);
    dt_ip4_at(f + ip, 47, (uint16_t)(n - ip - 20));
    dt_dissect(f, (uint32_t)n, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET IP GRE IP");
    assert_string_equal(dt_ptext("GRE", 0, "Summary", 0),
                        "C.KS............ Protocol: 0x0800, Key: 0x00000001");
    assert_int_equal(dt_pval("GRE", 0, "Protocol Type", 0), 0x0800);
    assert_int_equal(dt_pval("GRE", 0, "Checksum", 0), 0xBEEF);
    assert_int_equal(dt_pval("GRE", 0, "Key", 0), 1);
    assert_int_equal(dt_pval("GRE", 0, "Sequence Number", 0), 7);
    assert_int_equal(dt_pval("GRE", 0, "Version", 0), 0);
    assert_string_equal(dt_ptext("GRE", 0, "Protocol Type", 0), "Protocol Type = 0x0800 (IP)");
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "GRE", .hdr_start = (uint32_t)g, .hdr_end = (uint32_t)g + 16 });
    /* bridged Ethernet; an unknown version */
    dt_wbe16(f + g, 0x0000);
    dt_wbe16(f + g + 2, 0x6558);
    memmove(f + g + 4, f, 14);
    dt_dissect(f, (uint32_t)g + 4 + 14, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET IP GRE ETHERNET");
    dt_wbe16(f + g, 0x0002);
    dt_dissect(f, (uint32_t)g + 4 + 14, 1);
    assert_int_equal(dt_status("GRE"), NMX_LAYER_MALFORMED);
    /* RFC 1701 routing: an SRE of 4 bytes then the NULL SRE */
    dt_wbe16(f + g, 0x4000);
    dt_wbe16(f + g + 2, 0x0800);
    memset(f + g + 4, 0, 4);
    static const uint8_t sre[12] = { 0x08, 0x00, 0x00, 0x04, 10, 0, 0, 9, 0, 0, 0, 0 };
    memcpy(f + g + 8, sre, sizeof sre);
    size_t pl = g + 20 + dt_ip4_at(f + g + 20, 17, 0);
    dt_dissect(f, (uint32_t)pl, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET IP GRE IP");
    assert_int_equal(dt_need_inst(dt_layer("GRE", 0), "Routing", 0)->DataLength, 12);
}

static void test_gre_pptp(void **state)
{
    (void)state;
    uint8_t f[128] = { 0 };
    size_t n = dt_eth_at(f, 0x0800);
    size_t g = n + 20;
    dt_wbe16(f + g, 0x3081);          /* K, S, A, version 1 */
    dt_wbe16(f + g + 2, 0x880B);
    dt_wbe16(f + g + 4, 8);           /* payload length */
    dt_wbe16(f + g + 6, 24);          /* call ID */
    dt_wbe32(f + g + 8, 5);
    dt_wbe32(f + g + 12, 4);
    static const uint8_t lcp[8] = { 0xFF, 0x03, 0xC0, 0x21, 0x09, 0x01, 0x00, 0x04 };
    memcpy(f + g + 16, lcp, 8);
    n = g + 24;
    dt_ip4_at(f + 14, 47, (uint16_t)(n - 34));
    dt_dissect(f, (uint32_t)n, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET IP GRE PPP");
    assert_string_equal(dt_ptext("GRE", 0, "Summary", 0),
                        "..KS....A....... Length: 8, Call ID: 24");
    assert_int_equal(dt_pval("GRE", 0, "Call ID", 0), 24);
    assert_int_equal(dt_pval("GRE", 0, "Payload Length", 0), 8);
    assert_int_equal(dt_pval("GRE", 0, "Acknowledgment Number", 0), 4);
    assert_string_equal(dt_ptext("PPP", 0, "Summary", 0), "Link Control Protocol Frame (0xC021)");
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)n,
                      &(dt_cut_opts){ .name = "GRE", .hdr_start = (uint32_t)g, .hdr_end = (uint32_t)g + 16 });
    /* an acknowledgment alone: no payload, nothing handed on */
    dt_wbe16(f + g, 0x2081);
    dt_wbe16(f + g + 4, 0);
    dt_wbe32(f + g + 8, 9);
    dt_ip4_at(f + 14, 47, 12);
    dt_dissect(f, (uint32_t)g + 12, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET IP GRE");
    assert_int_equal(dt_status("GRE"), NMX_LAYER_OK);
    assert_int_equal(dt_pval("GRE", 0, "Acknowledgment Number", 0), 9);
    /* a payload length beyond the packet */
    dt_wbe16(f + g, 0x3001);
    dt_wbe16(f + g + 4, 200);
    dt_ip4_at(f + 14, 47, 20);
    dt_dissect(f, (uint32_t)g + 20, 1);
    assert_int_equal(dt_status("GRE"), NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(dt_layer("GRE", 0), "Payload Length", 0)->IFlags & IFLAG_ERROR);
    /* version 1 without K contradicts RFC 2637 */
    dt_wbe16(f + g, 0x1001);
    dt_dissect(f, (uint32_t)g + 12, 1);
    assert_int_equal(dt_status("GRE"), NMX_LAYER_MALFORMED);
}

static void test_vxlan(void **state)
{
    (void)state;
    uint8_t f[128] = { 0 };
    size_t n = dt_eth_at(f, 0x0800);
    size_t u = n + 20;
    dt_wbe16(f + u, 40000);
    dt_wbe16(f + u + 2, 4789);
    size_t v = u + 8;
    f[v] = 0x08;
    f[v + 4] = 0x01;
    f[v + 5] = 0x02;
    f[v + 6] = 0x03;
    size_t inner = v + 8;
    size_t end = inner + dt_eth_at(f + inner, 0x0806);
    end += arp_pkt(f + end, 1);
    dt_wbe16(f + u + 4, (uint16_t)(end - u));
    dt_ip4_at(f + 14, 17, (uint16_t)(end - u));
    dt_dissect(f, (uint32_t)end, 1);
    assert_string_equal(dt_chain(), "FRAME ETHERNET IP UDP VXLAN ETHERNET ARP_RARP");
    assert_int_equal(dt_pval("VXLAN", 0, "VXLAN Network Identifier", 0), 0x010203);
    assert_string_equal(dt_ptext("VXLAN", 0, "Summary", 0), "VNI = 66051");
    HPROTOCOL h = nmx_protocol_find("VXLAN");
    assert_true(nmx_property_find(h, "VNI") == nmx_property_find(h, "VXLAN Network Identifier"));
    dt_cut_everywhere(DT_LINK(1), f, (uint32_t)end,
                      &(dt_cut_opts){ .name = "VXLAN", .hdr_start = (uint32_t)v, .hdr_end = (uint32_t)v + 8 });
    f[v] = 0;                      /* I flag clear */
    dt_dissect(f, (uint32_t)end, 1);
    assert_int_equal(dt_status("VXLAN"), NMX_LAYER_MALFORMED);
}

/* ---- Network Monitor's own records ----------------------------------------- */

/* A record cut anywhere past its first byte is a truncated record. */
static void event_cut(uint32_t cut, uint32_t len, bool attach)
{
    (void)len, (void)attach;
    if (cut < 1)
        return;
    assert_string_equal(dt_chain(), "FRAME NETMON_EVENT");
    assert_int_equal(dt_status("NETMON_EVENT"), NMX_LAYER_TRUNCATED);
}

/* ... up to the last byte, the filter string's NUL. */
static void filter_cut(uint32_t cut, uint32_t len, bool attach)
{
    (void)attach;
    if (cut >= 1 && cut < len - 1)
        assert_int_equal(dt_status("NETMON_FILTER"), NMX_LAYER_TRUNCATED);
}

static void netinfo_cut(uint32_t cut, uint32_t len, bool attach)
{
    (void)len, (void)attach;
    if (cut >= 1)
        assert_int_equal(dt_status("NETMON_NETINFO"), NMX_LAYER_TRUNCATED);
}

/* UTF-16LE of an ASCII string with its NUL; returns the bytes written. */
static size_t wz(uint8_t *b, const char *s)
{
    size_t n = 0;
    for (; *s; s++, n += 2)
        dt_wle16(b + n, (unsigned char)*s);
    dt_wle16(b + n, 0);
    return n + 2;
}

static size_t etw_event(uint8_t *b, uint16_t extcount, uint16_t userlen)
{
    memset(b, 0, 89);
    dt_wle16(b + 0, 80);
    dt_wle16(b + 4, 0x0340);                    /* 64-bit, classic, processor index */
    dt_wle32(b + 8, 3232);
    dt_wle32(b + 12, 3948);
    dt_wle32(b + 16, 0x1FBA0DFBu);              /* 2016-08-25 03:31:10.697 UTC */
    dt_wle32(b + 20, 0x01D1FE81u);
    static const uint8_t guid[16] = { 0xD0, 0xA8, 0x6F, 0x3D, 0x05, 0xFE, 0xD0, 0x11,
                                      0x9D, 0xDA, 0x00, 0xC0, 0x4F, 0xD7, 0xBA, 0x7C };
    memcpy(b + 24, guid, 16);
    dt_wle16(b + 40, 7);
    b[42] = 4;
    b[44] = 4;
    b[45] = 1;
    b[80] = 1;
    dt_wle16(b + 82, 0xFFFF);
    dt_wle16(b + 84, extcount);
    dt_wle16(b + 86, userlen);
    return 89;
}

static void test_nm_event(void **state)
{
    (void)state;
    uint8_t f[200] = { 0 };
    size_t n = etw_event(f, 1, 6);
    dt_wle16(f + n + 2, 5);                     /* extended item: type 5, 4 bytes */
    dt_wle16(f + n + 6, 4);
    n += 12 + 6;
    dt_run_src(DT_NM(0xFFE0), f, (uint32_t)n, (uint32_t)n, NMX_DIS_ATTACH);
    assert_string_equal(dt_chain(), "FRAME NETMON_EVENT");
    assert_int_equal(dt_status("NETMON_EVENT"), NMX_LAYER_OK);
    assert_string_equal(dt_ptext("NETMON_EVENT", 0, "Summary", 0),
                        "Provider = {3D6FA8D0-FE05-11D0-9DDA-00C04FD7BA7C}, Event ID = 7, "
                        "Opcode = 1, PID = 3948");
    assert_string_equal(dt_ptext("NETMON_EVENT", 0, "Provider ID", 0),
                        "Provider ID = {3D6FA8D0-FE05-11D0-9DDA-00C04FD7BA7C}");
    assert_string_equal(dt_ptext("NETMON_EVENT", 0, "Time Stamp", 0),
                        "Time Stamp = 8/25/2016 03:31:10.697");
    assert_string_equal(dt_ptext("NETMON_EVENT", 0, "Opcode", 0), "Opcode = Start");
    assert_string_equal(dt_ptext("NETMON_EVENT", 0, "Level", 0), "Level = Information");
    assert_int_equal(dt_pval("NETMON_EVENT", 0, "Thread ID", 0), 3232);
    assert_int_equal(dt_pval("NETMON_EVENT", 0, "Logger ID", 0), 0xFFFF);
    assert_int_equal(dt_pval("NETMON_EVENT", 0, "Extended Data Type", 0), 5);
    assert_int_equal(dt_need_inst(dt_layer("NETMON_EVENT", 0), "Extended Data", 0)->DataLength, 4);
    assert_int_equal(dt_need_inst(dt_layer("NETMON_EVENT", 0), "User Data", 0)->DataLength, 6);
    assert_non_null(dt_inst(dt_need_layer("NETMON_EVENT", 0), "Kernel Time", 0));
    assert_null(dt_inst(dt_need_layer("NETMON_EVENT", 0), "Processor Time", 0));
    /* a private session records processor time */
    dt_wle16(f + 4, 0x0002);
    dt_run_src(DT_NM(0xFFE0), f, (uint32_t)n, (uint32_t)n, NMX_DIS_ATTACH);
    assert_non_null(dt_inst(dt_need_layer("NETMON_EVENT", 0), "Processor Time", 0));
    assert_null(dt_inst(dt_need_layer("NETMON_EVENT", 0), "Kernel Time", 0));
    dt_cut_everywhere(DT_NM(0xFFE0), f, (uint32_t)n, &(dt_cut_opts){ .check = event_cut });
    /* user data claimed beyond the record */
    dt_wle16(f + 86, 60);
    dt_run_src(DT_NM(0xFFE0), f, (uint32_t)n, (uint32_t)n, NMX_DIS_ATTACH);
    assert_int_equal(dt_status("NETMON_EVENT"), NMX_LAYER_MALFORMED);
}

static void test_nm_filter(void **state)
{
    (void)state;
    uint8_t f[200] = { 0 };
    dt_wbe16(f, 1);
    dt_wbe32(f + 2, 2);
    dt_wbe32(f + 6, 3);
    dt_wbe32(f + 10, 4);
    size_t n = 14;
    n += wz(f + n, "Network Monitor");
    size_t fo = n;
    n += wz(f + n, "tcp.port == 445");
    dt_run_src(DT_NM(0xFFFF), f, (uint32_t)n, (uint32_t)n, NMX_DIS_ATTACH);
    assert_string_equal(dt_chain(), "FRAME NETMON_FILTER");
    assert_int_equal(dt_status("NETMON_FILTER"), NMX_LAYER_OK);
    assert_string_equal(dt_ptext("NETMON_FILTER", 0, "Summary", 0), "Filter: tcp.port == 445");
    assert_string_equal(dt_ptext("NETMON_FILTER", 0, "Filter", 0), "Filter: tcp.port == 445");
    assert_string_equal(dt_ptext("NETMON_FILTER", 0, "Application Name", 0),
                        "Application Name: Network Monitor");
    assert_int_equal(dt_pval("NETMON_FILTER", 0, "Filter Type", 0), 2);
    assert_int_equal(dt_pval("NETMON_FILTER", 0, "Application Minor Version", 0), 4);
    dt_cut_everywhere(DT_NM(0xFFFF), f, (uint32_t)n, &(dt_cut_opts){ .check = filter_cut });
    /* a filter string without its NUL in a whole record */
    dt_run_src(DT_NM(0xFFFF), f, (uint32_t)fo + 6, (uint32_t)fo + 6, NMX_DIS_ATTACH);
    assert_int_equal(dt_status("NETMON_FILTER"), NMX_LAYER_MALFORMED);
}

static void test_nm_netinfo(void **state)
{
    (void)state;
    uint8_t f[400] = { 0 };
    dt_wbe16(f, 1);
    dt_wbe16(f + 2, 1);
    size_t n = 4 + wz(f + 4, "HOST");
    n += wz(f + n, "Ethernet");
    n += wz(f + n, "Intel(R) 82574L");
    n += wz(f + n, "{4D36E972}");
    dt_wbe32(f + n, 1);
    dt_wbe32(f + n + 4, 1500);
    dt_wbe32(f + n + 12, 1000000000u);
    static const uint8_t mac[6] = { 0x00, 0x15, 0x5D, 0x01, 0x02, 0x03 };
    memcpy(f + n + 16, mac, 6);
    dt_wbe16(f + n + 22, 1);                   /* one IPv4 address (+ mask), one gateway */
    dt_wbe16(f + n + 26, 1);
    n += 34 + 12;
    dt_run_src(DT_NM(0xFFFD), f, (uint32_t)n, (uint32_t)n, NMX_DIS_ATTACH);
    assert_string_equal(dt_chain(), "FRAME NETMON_NETINFO");
    assert_int_equal(dt_status("NETMON_NETINFO"), NMX_LAYER_OK);
    assert_string_equal(dt_ptext("NETMON_NETINFO", 0, "Summary", 0),
                        "Adapter count: 1, Computer: HOST");
    assert_string_equal(dt_ptext("NETMON_NETINFO", 0, "Description", 0),
                        "Description: Intel(R) 82574L");
    assert_string_equal(dt_ptext("NETMON_NETINFO", 0, "MAC Address", 0),
                        "MAC Address = 00155D010203");
    assert_int_equal(dt_pval("NETMON_NETINFO", 0, "MTU", 0), 1500);
    assert_int_equal(dt_pval("NETMON_NETINFO", 0, "Link Speed", 0), 1000000000u);
    assert_int_equal(dt_need_inst(dt_layer("NETMON_NETINFO", 0), "Addresses", 0)->DataLength, 12);
    dt_cut_everywhere(DT_NM(0xFFFD), f, (uint32_t)n, &(dt_cut_opts){ .check = netinfo_cut });
    dt_wbe16(f + 2, 2);                        /* a second adapter that is not there */
    dt_run_src(DT_NM(0xFFFD), f, (uint32_t)n, (uint32_t)n, NMX_DIS_ATTACH);
    assert_int_equal(dt_status("NETMON_NETINFO"), NMX_LAYER_MALFORMED);
    dt_run_src(DT_NM(0xFFFB), f, (uint32_t)n, (uint32_t)n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("NETMON_NETINFO", 0, "Summary", 0), "Network info (extended)");
    assert_int_equal(dt_status("NETMON_NETINFO"), NMX_LAYER_OK);
}

static void test_nm_others(void **state)
{
    (void)state;
    uint8_t f[64];
    for (size_t i = 0; i < sizeof f; i++)
        f[i] = (uint8_t)(0x45 + i);         /* looks like IP: must not be read as such */
    static const struct { uint16_t media; const char *stack; const char *summary; } cases[] = {
        { 0xFFFE, "FRAME NETMON_DNSCACHE", "DNS cache record, 64 bytes" },
        { 0xFFFC, "FRAME NETMON_PAYLOAD", "Payload header record, 64 bytes" },
        { 6, "FRAME NETMON_WIFI", "802.11 frame with Network Monitor metadata, 64 bytes" },
        { 0xE080, "FRAME NETMON_MA", "WiFi message, media type 0xE080, 64 bytes" },
        { 0xE084, "FRAME NETMON_MA", "WFP capture (IPv6), media type 0xE084, 64 bytes" },
        { 0xE08A, "FRAME NETMON_MA", "Message Analyzer record, media type 0xE08A, 64 bytes" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dt_run_src(DT_NM(cases[i].media), f, sizeof f, sizeof f, NMX_DIS_ATTACH);
        assert_string_equal(dt_chain(), cases[i].stack);
        const char *name = nmx_dissect_layer(dt_dis(), 1)->name;
        assert_string_equal(dt_ptext(name, 0, "Summary", 0), cases[i].summary);
        assert_int_equal(dt_status(name), NMX_LAYER_OK);
    }
    assert_string_equal(dt_ptext("NETMON_MA", 0, "Media Type", 0), "Media Type = 0xE08A");
    /* ATM: the pseudo-header of netmon-expert-api.md 11.4 */
    dt_wbe16(f + 12, 1);
    dt_wbe16(f + 14, 32);
    dt_run_src(DT_NM(4), f, sizeof f, sizeof f, NMX_DIS_ATTACH);
    assert_string_equal(dt_chain(), "FRAME NETMON_ATM");
    assert_string_equal(dt_ptext("NETMON_ATM", 0, "Summary", 0), "VPI = 1, VCI = 32");
    assert_int_equal(dt_pval("NETMON_ATM", 0, "VCI", 0), 32);
    dt_run_src(DT_NM(4), f, 15, sizeof f, NMX_DIS_ATTACH);
    assert_int_equal(dt_status("NETMON_ATM"), NMX_LAYER_TRUNCATED);
    /* a media type nobody knows: FRAME alone, never guessed at */
    dt_run_src(DT_NM(10), f, sizeof f, sizeof f, NMX_DIS_ATTACH);
    assert_string_equal(dt_chain(), "FRAME");
}

/* ---- the shared captures against tshark ---------------------------------- */

/* tshark's protocol names and ours ("SLL2" is tshark's "sll" too). */
static const char *const link_names[][2] = {
    { "eth", "ETHERNET" }, { "vlan", "VLAN" }, { "ieee8021ad", "VLAN" }, { "llc", "LLC" },
    { "arp", "ARP_RARP" }, { "sll", "SLL" }, { "null", "NULL" }, { "ppp", "PPP" },
    { "pppoed", "PPPOE" }, { "pppoes", "PPPOE" }, { "mpls", "MPLS" }, { "gre", "GRE" },
    { "vxlan", "VXLAN" }, { "netmon_event", "NETMON_EVENT" },
    { "netmon_filter", "NETMON_FILTER" }, { "netmon_network_info", "NETMON_NETINFO" },
};
static const char *const link_alias[][2] = { { "SLL2", "SLL" } };

/* Every frame of `file`: the protocols of this file's kind and the
 * numeric fields agree with tshark's. Returns the number of frames. */
static unsigned oracle(const char *file, const dt_field *fields, size_t nf)
{
    static const dt_oracle o = {
        .names = link_names,
        .nnames = sizeof link_names / sizeof link_names[0],
        .alias = link_alias,
        .nalias = sizeof link_alias / sizeof link_alias[0],
    };
    return dt_oracle_run(&o, file, fields, nf);
}

static void test_tshark_vlan(void **state)
{
    (void)state;
    if (!dt_oracle_ready())
        skip();
    static const dt_field f[] = {
        { "vlan.id", "VLAN", "VLAN Identifier" },
        { "vlan.priority", "VLAN", "Priority" },
        { "vlan.dei", "VLAN", "Drop Eligible Indicator" },
        { "llc.dsap", "LLC", "DSAP" },
        { "llc.control", "LLC", "Control" },
    };
    assert_true(oracle("pcap/ppp_VlanPackets.pcap", f, 3) > 0);
}

static void test_tshark_arp(void **state)
{
    (void)state;
    if (!dt_oracle_ready())
        skip();
    static const dt_field f[] = {
        { "arp.opcode", "ARP_RARP", "Opcode" },
        { "arp.hw.type", "ARP_RARP", "Hardware Address Space" },
        { "arp.proto.type", "ARP_RARP", "Protocol Address Space" },
        { "vlan.id", "VLAN", "VLAN Identifier" },
        { "llc.dsap", "LLC", "DSAP" },
        { "llc.control", "LLC", "Control" },
    };
    assert_true(oracle("pcap/ppp_ArpRequestPacket.pcap", f, 3) > 0);
    assert_true(oracle("pcap/ppp_ArpResponsePacket.pcap", f, 3) > 0);
    assert_true(oracle("pcap/ppp_many-protocols.pcap", f, 6) > 0);
}

static void test_tshark_sll_null(void **state)
{
    (void)state;
    if (!dt_oracle_ready())
        skip();
    static const dt_field f[] = {
        { "sll.pkttype", "SLL|SLL2", "Packet Type" },
        { "sll.hatype", "SLL|SLL2", "Link-Layer Address Type" },
        { "sll.halen", "SLL|SLL2", "Link-Layer Address Length" },
        { "sll.etype", "SLL|SLL2", "Protocol" },
        { "sll.ifindex", "SLL2", "Interface Index" },
        { "null.family", "NULL", "Address Family" },
        { "null.type", "NULL", "Ethernet Type" },
    };
    assert_true(oracle("pcap/ppp_sll.pcap", f, 7) > 0);
    assert_true(oracle("pcap/ppp_sll2.pcap", f, 7) > 0);
    assert_true(oracle("pcap/td_tcp-handshake-nano.pcap", f, 7) > 0);
    assert_true(oracle("pcapng/ppp_pcapng-example.pcapng", f, 7) > 0);
    assert_true(oracle("pcap/ppp_null_loopback.pcap", f, 7) > 0);
    assert_true(oracle("pcap/td_quic_handshake.pcap", f, 7) > 0);
    assert_true(oracle("pcapng/pg_le_test006.pcapng", f, 7) > 0);
    assert_true(oracle("pcapng/ppp_many_interfaces-1.pcapng", f, 7) > 0);
}

static void test_tshark_tunnels(void **state)
{
    (void)state;
    if (!dt_oracle_ready())
        skip();
    static const dt_field f[] = {
        { "gre.proto", "GRE", "Protocol Type" },
        { "gre.flags_and_version", "GRE", "Flags" },
        { "gre.key.payload_length", "GRE", "Payload Length" },
        { "gre.key.call_id", "GRE", "Call ID" },
        { "gre.sequence_number", "GRE", "Sequence Number" },
        { "gre.ack_number", "GRE", "Acknowledgment Number" },
        { "ppp.protocol", "PPP", "Protocol" },
        { "vxlan.vni", "VXLAN", "VXLAN Network Identifier" },
    };
    /* (tshark's vxlan.flags is 16 bits wide, for the Group Policy
     * extension; RFC 7348's flags are the first 8 of them.) */
    assert_true(oracle("pcap/ppp_GrePackets.cap", f, 8) > 0);
    assert_true(oracle("pcap/td_pptp.pcap", f, 8) > 0);
    assert_true(oracle("pcap/lp_vxlan.pcap", f, 8) > 0);
    assert_true(oracle("pcap/td_ppp_ip_udp_dns.pcap", f, 8) > 0);
}

static void test_tshark_netmon_records(void **state)
{
    (void)state;
    if (!dt_oracle_ready())
        skip();
    /* Event records (media 0xFFE0, in these seven files and no other shared
     * capture) are named and their header agrees with tshark's; the network
     * frames beside them are still Ethernet. */
    static const dt_field f[] = {
        { "netmon_event.size", "NETMON_EVENT", "Size" },
        { "netmon_event.flags", "NETMON_EVENT", "Flags" },
        { "netmon_event.thread_id", "NETMON_EVENT", "Thread ID" },
        { "netmon_event.process_id", "NETMON_EVENT", "Process ID" },
        { "netmon_event.event_desc.id", "NETMON_EVENT", "Event ID" },
        { "netmon_event.event_desc.opcode", "NETMON_EVENT", "Opcode" },
        { "netmon_event.event_desc.task", "NETMON_EVENT", "Task" },
        { "netmon_event.event_desc.level", "NETMON_EVENT", "Level" },
        { "netmon_event.user_data_length", "NETMON_EVENT", "User Data Length" },
    };
    assert_true(oracle("netmon/MS-ADFSOD_Example1_WIN2016_X64_WIN10_X64_Domain.cap", f, 9) > 0);
    assert_true(oracle("netmon/MS-ADFSOD_Example2_WIN2016_X64_WIN10_X64_Domain.cap", f, 9) > 0);
    assert_true(oracle("netmon/MS-WMOD_Example2_WS2016_X64_Win10_X64_Domain_Hagala.cap", f, 9) > 0);
    assert_true(oracle("netmon/MS-WSUSOD_Example6_W2K16_X64_Win10_X64_Domain.cap", f, 9) > 0);
    assert_true(oracle("netmon/MS-CCROD_Example2Peer2_Win2016_X64_Win10_X64_Domain_CePark.cap", f, 9) > 0);
    assert_true(oracle("netmon/MS-CCROD_Example2Peer1Version1_Win2016_X64_Win10_X64_Domain_CePark.cap", f, 9) > 0);
    assert_true(oracle("netmon/MS-CCROD_Example2Peer1Version2_Win2016_X64_Win10_X64_Domain_CePark.cap", f, 9) > 0);
}

static void test_tshark_qinq(void **state)
{
    (void)state;
    if (!dt_oracle_ready())
        skip();
    /* tshark names the 802.1ad service tag ieee8021ad and keeps its
     * identifier apart (ieee8021ad.id); ours is the first VLAN layer. */
    const char *dir = nmx_test_captures_dir();
    char path[1024];
    snprintf(path, sizeof path, "%s/pcap/td_802.1ad_QinQ.pcap", dir);
    nmx_capture *cap = NULL;
    nmx_diag diag;
    assert_int_equal(nmx_capture_open(path, 0, &cap, &diag), NMX_OK);
    nmx_frame fr;
    assert_int_equal(nmx_capture_frame(cap, 0, &fr), NMX_OK);
    assert_int_equal(nmx_dissect(dt_dis(), &fr, fr.ts_ns, NMX_DIS_ATTACH), NMX_OK);
    nmx_capture_close(cap);
    char cmd[1200], line[256];
    snprintf(cmd, sizeof cmd, "tshark -r '%s' -c 1 -T fields -e ieee8021ad.id -e vlan.id 2>/dev/null",
             path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    unsigned svid = 0, cvid = 0;
    assert_int_equal(sscanf(line, "%u\t%u", &svid, &cvid), 2);
    assert_int_equal(dt_pval("VLAN", 0, "VLAN Identifier", 0), svid);
    assert_int_equal(dt_pval("VLAN", 1, "VLAN Identifier", 0), cvid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vlan_single),
        cmocka_unit_test(test_vlan_stacked_and_dei),
        cmocka_unit_test(test_vlan_8023_length),
        cmocka_unit_test(test_vlan_truncated),
        cmocka_unit_test(test_llc_snap_arp),
        cmocka_unit_test(test_llc_frames),
        cmocka_unit_test(test_snap_other_oui),
        cmocka_unit_test(test_arp_request_reply),
        cmocka_unit_test(test_arp_odd_lengths),
        cmocka_unit_test(test_sll),
        cmocka_unit_test(test_sll2),
        cmocka_unit_test(test_null),
        cmocka_unit_test(test_ppp),
        cmocka_unit_test(test_pppoe),
        cmocka_unit_test(test_mpls),
        cmocka_unit_test(test_gre_v0),
        cmocka_unit_test(test_gre_pptp),
        cmocka_unit_test(test_vxlan),
        cmocka_unit_test(test_nm_event),
        cmocka_unit_test(test_nm_filter),
        cmocka_unit_test(test_nm_netinfo),
        cmocka_unit_test(test_nm_others),
        cmocka_unit_test(test_tshark_vlan),
        cmocka_unit_test(test_tshark_netmon_records),
        cmocka_unit_test(test_tshark_tunnels),
        cmocka_unit_test(test_tshark_sll_null),
        cmocka_unit_test(test_tshark_arp),
        cmocka_unit_test(test_tshark_qinq),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    dt_done();
    return r;
}
