/*
 * The network-layer dissectors beside IPv4: IP6 (with its extension
 * headers), ICMP and ICMP6.
 *   1. frames built here, whose fields the test knows from how it built
 *      them: layers, statuses, property values and texts, hand-offs;
 *   2. every frame cut at every byte: no crash, and a layer whose header
 *      the cut reaches is never OK;
 *   3. the real captures of $NMX_SHARED_CAPTURES against tshark, frame by
 *      frame (skipped, visibly, without them or without tshark).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "netmon.h"
#include "nmx_test.h"
#include "shared_captures.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"

#include "dis_test.h"

/* The Ethernet addresses and the IPv6 traffic class (0xB8) and flow label
 * (0x12345) of the frames built here. */
static const uint8_t net_dst[6] = { 0x33, 0x33, 0, 0, 0, 1 };
static const uint8_t net_src[6] = { 0, 0x1b, 0x21, 1, 2, 3 };
#define IP6_TCFL (0xB8u << 20 | 0x12345u)

#define assert_text(li, label, want) \
    assert_string_equal(dt_text(dt_need_inst(dt_layer_at(li), label, 0)), want)
#define assert_chain(want) assert_string_equal(dt_chain(), want)
#define assert_status(li, st) assert_int_equal(dt_layer_at(li)->status, st)

/* ------------------------------------------------------------------------ */
/* Real-shaped frames                                                       */
/* ------------------------------------------------------------------------ */

/* Ethernet, IPv6 with Hop-by-Hop (Router Alert, PadN), Destination
 * Options, a segment-routing Routing header and an atomic Fragment header,
 * then UDP 53 -> 40000 with 4 bytes of data. */
static void frame_ext(dt_buf *p)
{
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    uint32_t pl = dt_ip6(p, IP6_TCFL, 0, 0, 64, "2001:db8::1", "2001:db8:0:1::53");
    uint32_t start = p->n;
    /* Hop-by-Hop: next 60, length 0 (8 bytes): Router Alert (2), PadN 0 */
    dt_u8(p, 60), dt_u8(p, 0), dt_u8(p, 5), dt_u8(p, 2), dt_be16(p, 0), dt_u8(p, 1), dt_u8(p, 0);
    /* Destination Options: next 43, length 0: PadN of 4 */
    dt_u8(p, 43), dt_u8(p, 0), dt_u8(p, 1), dt_u8(p, 4), dt_be32(p, 0);
    /* Routing: next 44, length 2 (24 bytes), type 4, segments left 0 */
    dt_u8(p, 44), dt_u8(p, 2), dt_u8(p, 4), dt_u8(p, 0), dt_be32(p, 0);
    dt_ip6addr(p, "2001:db8:0:1::53");
    /* Fragment: next 17, offset 0, M 0, identification */
    dt_u8(p, 17), dt_u8(p, 0), dt_be16(p, 0), dt_be32(p, 0xCAFEF00D);
    dt_udp(p, 9, 40000, 12);
    dt_be32(p, 0xDEADBEEF);
    dt_set_be16(p, pl, p->n - start);
}

/* Ethernet, IPv4, ICMP Destination Unreachable (port) quoting an IPv4
 * header that declares 128 bytes and the first 8 bytes of its UDP. */
static void frame_icmp_err(dt_buf *p)
{
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x0800);
    dt_ip4(p, 20 + 8 + 28, 1, "192.0.2.1", "192.0.2.99");
    dt_u8(p, 3), dt_u8(p, 3), dt_be16(p, 0x1111), dt_be32(p, 0);
    dt_ip4(p, 128, 17, "192.0.2.99", "192.0.2.1");
    dt_udp(p, 40000, 9, 108);
}

/* Ethernet, IPv6, ICMPv6 Neighbor Solicitation with a Source Link-Layer
 * Address option. */
static void frame_ns(dt_buf *p)
{
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 32, 58, 255, "fe80::1", "ff02::1:ff00:2");
    dt_u8(p, 135), dt_u8(p, 0), dt_be16(p, 0x2222), dt_be32(p, 0);
    dt_ip6addr(p, "fe80::2");
    dt_u8(p, 1), dt_u8(p, 1);
    static const uint8_t mac[6] = { 0x00, 0x1b, 0x21, 0x01, 0x02, 0x03 };
    dt_put(p, mac, 6);
}

/* Ethernet, IPv6, ICMPv6 Destination Unreachable (port) quoting an IPv6
 * header that declares 100 bytes of payload, and its UDP header. */
static void frame_icmp6_err(dt_buf *p)
{
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 8 + 48, 58, 64, "2001:db8::53", "2001:db8::1");
    dt_u8(p, 1), dt_u8(p, 4), dt_be16(p, 0x3333), dt_be32(p, 0);
    dt_ip6(p, IP6_TCFL, 100, 17, 64, "2001:db8::1", "2001:db8::53");
    dt_udp(p, 40000, 9, 100);
}

/* Ethernet, IPv4, ICMP Echo Request id 1 seq 5, 16 bytes of data. */
static void frame_echo(dt_buf *p)
{
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x0800);
    dt_ip4(p, 20 + 8 + 16, 1, "10.0.0.1", "10.0.0.2");
    dt_u8(p, 8), dt_u8(p, 0), dt_be16(p, 0xF7FA), dt_be16(p, 1), dt_be16(p, 5);
    for (int i = 0; i < 16; i++)
        dt_u8(p, (unsigned)('a' + i));
}

/* ------------------------------------------------------------------------ */
/* IP6                                                                      */
/* ------------------------------------------------------------------------ */

static dt_buf G;

static void test_ip6_basic(void **state)
{
    (void)state;
    dt_buf *p = &G;
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 20, 6, 57, "2001:db8::1", "2001:db8::2");
    dt_be16(p, 1234), dt_be16(p, 80), dt_be32(p, 1), dt_be32(p, 0), dt_u8(p, 0x50), dt_u8(p, 0x02);
    dt_be16(p, 8192), dt_be16(p, 0), dt_be16(p, 0);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP6 TCP");
    assert_status(2, NMX_LAYER_OK);
    assert_status(3, NMX_LAYER_OK);
    assert_text(2, "Summary", "Next Header = TCP; Payload Length = 20");
    assert_text(2, "Source Address", "Source Address = 2001:db8::1");
    assert_text(2, "Destination Address", "Destination Address = 2001:db8::2");
    assert_text(2, "Next Header", "Next Header = TCP - Transmission Control");
    assert_text(2, "Hop Limit", "Hop Limit = 57 (0x39)");
    assert_text(2, "Payload Length", "Payload Length = 20 (0x14)");
    assert_int_equal(dt_num(dt_need_inst(dt_layer_at(2), "Version", 0)), 6);
    assert_int_equal(dt_num(dt_need_inst(dt_layer_at(2), "Traffic Class", 0)), 0xB8);
    assert_int_equal(dt_num(dt_need_inst(dt_layer_at(2), "Flow Label", 0)), 0x12345);
    assert_int_equal(dt_need_inst(dt_layer_at(2), "Source Address", 0)->lpPropertyInfo->DataType,
                     PROP_TYPE_IP6_ADDRESS);
    assert_int_equal(dt_layer_at(2)->offset, 14);
    assert_int_equal(dt_layer_at(3)->offset, 54);

    /* The same packet by link type 229 and raw IP (101), and as IPv6 in
     * IPv4 (protocol 41). */
    static dt_buf q;
    dt_reset(&q);
    dt_put(&q, p->b + 14, p->n - 14);
    dt_dissect((&q)->b, (uint32_t)(&q)->n, 229);
    assert_chain("FRAME IP6 TCP");
    dt_dissect((&q)->b, (uint32_t)(&q)->n, 101);
    assert_chain("FRAME IP6 TCP");
    dt_buf *t = &G;
    t->n = 0;
    dt_eth(t, net_dst, net_src, 0x0800);
    dt_ip4(t, 20 + q.n, 41, "192.0.2.1", "192.0.2.2");
    dt_put(t, q.b, q.n);
    dt_dissect((t)->b, (uint32_t)(t)->n, 1);
    assert_chain("FRAME ETHERNET IP IP6 TCP");
    assert_status(3, NMX_LAYER_OK);
}

static void test_ip6_extension_headers(void **state)
{
    (void)state;
    frame_ext(&G);
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    for (unsigned i = 1; i < 4; i++)
        assert_status(i, NMX_LAYER_OK);
    assert_text(2, "Next Header", "Next Header = HOPOPT - IPv6 Hop-by-Hop Option");
    assert_text(2, "Summary", "Next Header = UDP; Payload Length = 60");
    assert_non_null(dt_need_inst(dt_layer_at(2), "Hop-by-Hop Options Header", 0));
    assert_non_null(dt_need_inst(dt_layer_at(2), "Destination Options Header", 0));
    assert_non_null(dt_need_inst(dt_layer_at(2), "Routing Header", 0));
    assert_non_null(dt_need_inst(dt_layer_at(2), "Fragment Header", 0));
    assert_text(2, "Option Type", "Option Type = Router Alert");
    assert_string_equal(dt_text(dt_inst(dt_layer_at(2), "Option Type", 1)), "Option Type = PadN");
    assert_string_equal(dt_text(dt_inst(dt_layer_at(2), "Extension Next Header", 0)),
                        "Extension Next Header = IPv6-Opts - Destination Options for IPv6");
    assert_string_equal(dt_text(dt_inst(dt_layer_at(2), "Extension Header Length", 2)),
                        "Extension Header Length = 24 (0x18) bytes");
    assert_text(2, "Routing Type", "Routing Type = Segment Routing Header");
    assert_text(2, "Fragment Offset", "Fragment Offset = 0 (0x0) bytes");
    assert_text(2, "Identification", "Identification = 0xCAFEF00D");
    assert_int_equal(dt_num(dt_need_inst(dt_layer_at(2), "Fragment Flags", 0)), 0);
    /* UDP starts after 40 + 8 + 8 + 24 + 8 bytes of headers. */
    assert_int_equal(dt_layer_at(3)->offset, 14 + 88);
    assert_int_equal(dt_layer_at(3)->length, 12);
    assert_text(3, "Source Port", "Source Port = 0x0009");

    /* Recognising only finds the same layers. */
    dt_run((&G)->b, G.n, (uint32_t)(&G)->n, 1, 0);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_int_equal(dt_layer_at(3)->offset, 14 + 88);
}

static void test_ip6_fragments(void **state)
{
    (void)state;
    dt_buf *p = &G;
    /* A first fragment (offset 0, More Fragments): not handed off. */
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 8 + 16, 44, 64, "fe80::1", "ff02::fb");
    dt_u8(p, 17), dt_u8(p, 0), dt_be16(p, 0x0001), dt_be32(p, 0x2C5323);
    dt_udp(p, 5353, 5353, 200);
    dt_fill(p, 0, 8);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP6");
    assert_status(2, NMX_LAYER_OK);
    assert_text(2, "Summary",
                "Next Header = UDP; Payload Length = 24; Fragment Offset = 0, More Fragments");
    assert_text(2, "Data", "Data: Number of data bytes remaining = 16 (0x0010)");
    assert_int_equal(dt_num(dt_need_inst(dt_layer_at(2), "Fragment Flags", 0)), 1);
    /* A later fragment: offset 120 bytes (15 units), the last one. */
    dt_set_be16(p, 14 + 40 + 2, 15u << 3);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP6");
    assert_text(2, "Fragment Offset", "Fragment Offset = 120 (0x78) bytes");
    assert_text(2, "Summary", "Next Header = UDP; Payload Length = 24; Fragment Offset = 120");
    dt_run((p)->b, p->n, (uint32_t)(p)->n, 1, 0);
    assert_chain("FRAME ETHERNET IP6");
}

static void test_ip6_ah(void **state)
{
    (void)state;
    dt_buf *p = &G;
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    uint32_t pl = dt_ip6(p, IP6_TCFL, 0, 51, 64, "2001:db8::1", "2001:db8::2");
    uint32_t start = p->n;
    /* AH: next 17, length 4 (6 words = 24 bytes), SPI, seq, 12 bytes ICV */
    dt_u8(p, 17), dt_u8(p, 4), dt_be16(p, 0), dt_be32(p, 0x100), dt_be32(p, 7);
    dt_fill(p, 0, 12);
    dt_udp(p, 1000, 2000, 8);
    dt_set_be16(p, pl, p->n - start);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_status(2, NMX_LAYER_OK);
    assert_int_equal(dt_layer_at(3)->offset, 14 + 40 + 24);
    assert_text(2, "Security Parameters Index", "Security Parameters Index = 0x00000100");
    assert_text(2, "Sequence Number", "Sequence Number = 7 (0x7)");
}

static void test_ip6_jumbo(void **state)
{
    (void)state;
    dt_buf *p = &G;
    uint32_t jumbo = 70000; /* bytes after the fixed header */
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 0, 0, 64, "2001:db8::1", "2001:db8::2");
    /* Hop-by-Hop: next 17, length 0: Jumbo Payload (C2, 4, value) */
    dt_u8(p, 17), dt_u8(p, 0), dt_u8(p, 0xC2), dt_u8(p, 4), dt_be32(p, jumbo);
    dt_udp(p, 1000, 2000, 0); /* RFC 2675: UDP Length 0 in a jumbogram */
    dt_fill(p, 0, jumbo - 16);
    dt_be32(p, 0); /* 4 bytes of Ethernet padding beyond the jumbogram */
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_status(2, NMX_LAYER_OK);
    assert_status(3, NMX_LAYER_OK);
    assert_text(2, "Jumbo Payload Length", "Jumbo Payload Length = 70000 (0x11170)");
    assert_text(2, "Summary", "Next Header = UDP; Payload Length = 70000");
    /* The payload is the jumbogram's, not the frame's. */
    assert_int_equal(dt_layer_at(3)->length, jumbo - 8);

    /* Payload Length 0 without the option: the frame's length (as IPv4
     * treats Total Length 0). */
    dt_buf *q = &G;
    q->n = 0;
    dt_eth(q, net_dst, net_src, 0x86DD);
    dt_ip6(q, IP6_TCFL, 0, 17, 64, "2001:db8::1", "2001:db8::2");
    dt_udp(q, 1000, 2000, 12);
    dt_be32(q, 0);
    dt_dissect((q)->b, (uint32_t)(q)->n, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_status(2, NMX_LAYER_OK);
    assert_text(2, "Summary", "Next Header = UDP; Payload Length = 12");

    /* A Jumbo Payload option with a non-zero Payload Length. */
    q->n = 0;
    dt_eth(q, net_dst, net_src, 0x86DD);
    dt_ip6(q, IP6_TCFL, 16, 0, 64, "2001:db8::1", "2001:db8::2");
    dt_u8(q, 17), dt_u8(q, 0), dt_u8(q, 0xC2), dt_u8(q, 4), dt_be32(q, jumbo);
    dt_udp(q, 1000, 2000, 8);
    dt_dissect((q)->b, (uint32_t)(q)->n, 1);
    assert_status(2, NMX_LAYER_MALFORMED);
    /* A jumbo length that fits 16 bits is no jumbo length. */
    dt_set_be16(q, 18, 0);
    q->b[14 + 40 + 4] = 0, q->b[14 + 40 + 5] = 0, q->b[14 + 40 + 6] = 0x10, q->b[14 + 40 + 7] = 0;
    dt_dissect((q)->b, (uint32_t)(q)->n, 1);
    assert_status(2, NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(dt_layer_at(2), "Jumbo Payload Length", 0)->IFlags & IFLAG_ERROR);
}

static void test_ip6_malformed(void **state)
{
    (void)state;
    dt_buf *p = &G;
    /* Version 4 in an IPv6 EtherType. */
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 8, 17, 64, "::1", "::1");
    dt_udp(p, 1, 2, 8);
    p->b[14] = 0x40;
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP6");
    assert_status(2, NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(dt_layer_at(2), "Version", 0)->IFlags & IFLAG_ERROR);

    /* Payload Length beyond the frame: malformed, the frame's bytes used. */
    p->b[14] = 0x60;
    dt_set_be16(p, 18, 200);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_status(2, NMX_LAYER_MALFORMED);
    assert_status(3, NMX_LAYER_OK);

    /* An extension header longer than the packet. */
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 16, 60, 64, "::1", "::1");
    dt_u8(p, 17), dt_u8(p, 3), dt_u8(p, 1), dt_u8(p, 4), dt_be32(p, 0);
    dt_udp(p, 1, 2, 8);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP6");
    assert_status(2, NMX_LAYER_MALFORMED);

    /* An option longer than its header. */
    p->b[14 + 41] = 0;
    p->b[14 + 43] = 9;
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_status(2, NMX_LAYER_MALFORMED);

    /* An option whose length byte would be the header's ninth byte: four
     * Pad1 and one more type byte fill the six option bytes. Malformed in
     * both modes (the header's length is sound: UDP still follows). */
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 16, 0, 64, "::1", "::1");
    dt_u8(p, 17), dt_u8(p, 0), dt_u8(p, 0), dt_u8(p, 0), dt_u8(p, 0), dt_u8(p, 0), dt_u8(p, 0), dt_u8(p, 1);
    dt_udp(p, 1, 2, 8);
    for (unsigned flags = 0; flags <= NMX_DIS_ATTACH; flags += NMX_DIS_ATTACH) {
        dt_run((p)->b, p->n, (uint32_t)(p)->n, 1, flags);
        assert_chain("FRAME ETHERNET IP6 UDP");
        assert_status(2, NMX_LAYER_MALFORMED);
        assert_status(3, NMX_LAYER_OK);
    }

    /* Hop-by-Hop after another extension header (RFC 8200 4.3). */
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 24, 60, 64, "::1", "::1");
    dt_u8(p, 0), dt_u8(p, 0), dt_u8(p, 1), dt_u8(p, 4), dt_be32(p, 0);
    dt_u8(p, 17), dt_u8(p, 0), dt_u8(p, 1), dt_u8(p, 4), dt_be32(p, 0);
    dt_udp(p, 1, 2, 8);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_status(2, NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(dt_layer_at(2), "Hop-by-Hop Options Header", 0)->IFlags & IFLAG_ERROR);

    /* A packet shorter than the fixed header that the capture did not
     * cut: malformed, not truncated. */
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 0, 59, 64, "::1", "::1");
    p->n -= 10;
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_status(2, NMX_LAYER_MALFORMED);
    /* ... and one the capture cut: truncated. */
    p->n += 10;
    dt_run((p)->b, p->n - 10, (uint32_t)(p)->n, 1, NMX_DIS_ATTACH);
    assert_status(2, NMX_LAYER_TRUNCATED);
    assert_text(2, "Summary", "Truncated IP6 header");
}

/* ------------------------------------------------------------------------ */
/* ICMP                                                                     */
/* ------------------------------------------------------------------------ */

static void test_icmp_echo(void **state)
{
    (void)state;
    frame_echo(&G);
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_chain("FRAME ETHERNET IP ICMP");
    assert_status(3, NMX_LAYER_OK);
    assert_text(3, "Summary", "Echo Request: ID = 0x0001, Seq = 5");
    assert_text(3, "Type", "Type = Echo Request");
    assert_text(3, "Code", "Code = 0 (0x0)");
    assert_text(3, "Checksum", "Checksum = 0xF7FA");
    assert_text(3, "Identifier", "Identifier = 0x0001");
    assert_text(3, "Sequence Number", "Sequence Number = 5 (0x5)");
    assert_text(3, "Data", "Data: Number of data bytes remaining = 16 (0x0010)");
    assert_int_equal(dt_num(dt_need_inst(dt_layer_at(3), "Type", 0)), 8);
    G.b[34] = 0;
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_text(3, "Summary", "Echo Reply: ID = 0x0001, Seq = 5");
}

static void test_icmp_error_quotes_ip(void **state)
{
    (void)state;
    frame_icmp_err(&G);
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_chain("FRAME ETHERNET IP ICMP IP UDP");
    /* The quoted IP declares 128 bytes of which ICMP carries 28: the
     * quoter cut it, so it is neither malformed nor truncated. */
    for (unsigned i = 1; i < 6; i++)
        assert_status(i, NMX_LAYER_OK);
    assert_text(3, "Summary", "Destination Unreachable: Port Unreachable");
    assert_text(3, "Code", "Code = 3 (Port Unreachable)");
    assert_text(3, "Original Datagram",
                "Original Datagram: Number of data bytes remaining = 28 (0x001C)");
    assert_int_equal(dt_layer_at(4)->offset, 14 + 20 + 8);
    assert_int_equal(dt_layer_at(4)->caplen, 28);
    assert_int_equal(dt_layer_at(4)->length, 128);
    assert_text(4, "Source Address", "Source Address = 192.0.2.99");
    assert_text(5, "Destination Port", "Destination Port = 0x0009");
    /* The snap length ending inside the quoted UDP data does cut it. */
    dt_run((&G)->b, G.n - 2, (uint32_t)(&G)->n, 1, NMX_DIS_ATTACH);
    assert_chain("FRAME ETHERNET IP ICMP IP UDP");
    assert_status(4, NMX_LAYER_OK);
    assert_status(5, NMX_LAYER_TRUNCATED);

    /* Quoting TCP: its first 8 bytes only, so the quoted TCP is cut. */
    G.b[14 + 28 + 9] = 6;
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_chain("FRAME ETHERNET IP ICMP IP TCP");
    assert_status(4, NMX_LAYER_OK);
    assert_status(5, NMX_LAYER_TRUNCATED);

    /* Time Exceeded, Source Quench and Parameter Problem quote too. */
    static const uint8_t types[] = { 11, 4, 12, 5 };
    for (unsigned i = 0; i < sizeof types; i++) {
        frame_icmp_err(&G);
        G.b[34] = types[i];
        G.b[35] = 0;
        dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
        assert_chain("FRAME ETHERNET IP ICMP IP UDP");
        assert_status(4, NMX_LAYER_OK);
    }
    assert_text(3, "Summary", "Redirect: Redirect for Network, Gateway = 0.0.0.0");
    assert_non_null(dt_need_inst(dt_layer_at(3), "Gateway Address", 0));
    G.b[34] = 11;
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_text(3, "Summary", "Time Exceeded: Time to Live exceeded in Transit");
    /* Not an error: nothing is handed off. */
    G.b[34] = 13;
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_chain("FRAME ETHERNET IP ICMP");
}

static void test_icmp_extension(void **state)
{
    (void)state;
    dt_buf *p = &G;
    /* RFC 4884: Time Exceeded, Length 32 words (128 bytes), then an
     * extension structure (version 2) with one 8-byte object. */
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x0800);
    dt_ip4(p, 20 + 8 + 128 + 4 + 8, 1, "192.0.2.1", "192.0.2.99");
    dt_u8(p, 11), dt_u8(p, 0), dt_be16(p, 0), dt_u8(p, 0), dt_u8(p, 32), dt_be16(p, 0);
    dt_ip4(p, 128, 17, "192.0.2.99", "192.0.2.1");
    dt_udp(p, 40000, 9, 108);
    dt_fill(p, 0, 100);
    dt_u8(p, 0x20), dt_u8(p, 0), dt_be16(p, 0xABCD);
    dt_be16(p, 8), dt_u8(p, 1), dt_u8(p, 1), dt_be32(p, 0x00001234);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP ICMP IP UDP");
    assert_status(3, NMX_LAYER_OK);
    assert_status(4, NMX_LAYER_OK);
    assert_text(3, "Original Datagram Length", "Original Datagram Length = 128 (0x80) bytes");
    assert_int_equal(dt_layer_at(4)->caplen, 128);
    assert_text(3, "Extension Version", "Extension Version = 2 (0x2)");
    assert_text(3, "Extension Checksum", "Extension Checksum = 0xABCD");
    assert_text(3, "Object Length", "Object Length = 8 (0x8)");
    assert_text(3, "Object Class", "Object Class = 1 (0x1)");
    /* An object overrunning the structure. */
    dt_set_be16(p, p->n - 8, 12);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_status(3, NMX_LAYER_MALFORMED);
    /* Length below RFC 4884's 128-byte minimum. */
    dt_set_be16(p, p->n - 8, 8);
    p->b[14 + 20 + 5] = 4;
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_status(3, NMX_LAYER_MALFORMED);
    assert_chain("FRAME ETHERNET IP ICMP IP UDP");
}

/* ------------------------------------------------------------------------ */
/* ICMP6                                                                    */
/* ------------------------------------------------------------------------ */

static void test_icmp6_echo(void **state)
{
    (void)state;
    dt_buf *p = &G;
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 12, 58, 64, "2001:db8::1", "2001:db8::2");
    dt_u8(p, 128), dt_u8(p, 0), dt_be16(p, 0), dt_be16(p, 0x1234), dt_be16(p, 9), dt_be32(p, 0);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_chain("FRAME ETHERNET IP6 ICMP6");
    assert_status(3, NMX_LAYER_OK);
    assert_text(2, "Summary", "Next Header = ICMP6; Payload Length = 12");
    assert_text(3, "Summary", "Echo Request: ID = 0x1234, Seq = 9");
    assert_text(3, "Type", "Type = Echo Request");
    assert_text(3, "Identifier", "Identifier = 0x1234");
    assert_text(3, "Data", "Data: Number of data bytes remaining = 4 (0x0004)");
    assert_int_equal(dt_num(dt_need_inst(dt_layer_at(3), "Type", 0)), 128);
    /* The aliases of the protocol name. */
    assert_non_null(nmx_protocol_find("ICMPv6"));
    assert_ptr_equal(nmx_protocol_find("IPv6"), nmx_protocol_find("IP6"));
}

static void test_icmp6_nd(void **state)
{
    (void)state;
    frame_ns(&G);
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_chain("FRAME ETHERNET IP6 ICMP6");
    assert_status(3, NMX_LAYER_OK);
    assert_text(3, "Summary", "Neighbor Solicitation: Target = fe80::2");
    assert_text(3, "Target Address", "Target Address = fe80::2");
    assert_text(3, "Option Type", "Option Type = Source Link-Layer Address");
    assert_text(3, "Option Length", "Option Length = 8 (0x8) bytes");
    assert_text(3, "Link-Layer Address", "Link-Layer Address = 001B21010203");
    /* An option of length 0 (RFC 4861 4.6: invalid). */
    G.b[G.n - 7] = 0;
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_status(3, NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(dt_layer_at(3), "Option Length", 0)->IFlags & IFLAG_ERROR);

    /* Router Advertisement with a Prefix Information option. */
    dt_buf *p = &G;
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 16 + 32, 58, 255, "fe80::1", "ff02::1");
    dt_u8(p, 134), dt_u8(p, 0), dt_be16(p, 0), dt_u8(p, 64), dt_u8(p, 0xC0), dt_be16(p, 1800);
    dt_be32(p, 0), dt_be32(p, 0);
    dt_u8(p, 3), dt_u8(p, 4), dt_u8(p, 64), dt_u8(p, 0xC0), dt_be32(p, 86400), dt_be32(p, 14400), dt_be32(p, 0);
    dt_ip6addr(p, "2001:db8:1::");
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_status(3, NMX_LAYER_OK);
    assert_text(3, "Router Lifetime", "Router Lifetime = 1800 (0x708)");
    assert_text(3, "Prefix", "Prefix = 2001:db8:1::");
    assert_text(3, "Prefix Length", "Prefix Length = 64 (0x40)");
    assert_text(3, "Valid Lifetime", "Valid Lifetime = 86400 (0x15180)");
    assert_int_equal(dt_num(dt_need_inst(dt_layer_at(3), "Router Advertisement Flags", 0)), 0xC0);

    /* Multicast Listener Report v2 with one record of one source. */
    p->n = 0;
    dt_eth(p, net_dst, net_src, 0x86DD);
    dt_ip6(p, IP6_TCFL, 8 + 20 + 16, 58, 1, "fe80::1", "ff02::16");
    dt_u8(p, 143), dt_u8(p, 0), dt_be16(p, 0), dt_be16(p, 0), dt_be16(p, 1);
    dt_u8(p, 4), dt_u8(p, 0), dt_be16(p, 1);
    dt_ip6addr(p, "ff02::fb");
    dt_ip6addr(p, "fe80::9");
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_status(3, NMX_LAYER_OK);
    assert_text(3, "Record Multicast Address", "Record Multicast Address = ff02::fb");
    assert_text(3, "Source Address", "Source Address = fe80::9");
    /* A record claiming more sources than are there. */
    dt_set_be16(p, p->n - 34, 2);
    dt_dissect((p)->b, (uint32_t)(p)->n, 1);
    assert_status(3, NMX_LAYER_MALFORMED);
}

static void test_icmp6_error_quotes_ip6(void **state)
{
    (void)state;
    frame_icmp6_err(&G);
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_chain("FRAME ETHERNET IP6 ICMP6 IP6 UDP");
    for (unsigned i = 1; i < 6; i++)
        assert_status(i, NMX_LAYER_OK);
    assert_text(3, "Summary", "Destination Unreachable: Port unreachable");
    assert_int_equal(dt_layer_at(4)->caplen, 48);
    assert_int_equal(dt_layer_at(4)->length, 140);
    assert_text(4, "Source Address", "Source Address = 2001:db8::1");
    /* The snap length ending inside the quoted UDP data does cut it. */
    dt_run((&G)->b, G.n - 2, (uint32_t)(&G)->n, 1, NMX_DIS_ATTACH);
    assert_chain("FRAME ETHERNET IP6 ICMP6 IP6 UDP");
    assert_status(4, NMX_LAYER_OK);
    assert_status(5, NMX_LAYER_TRUNCATED);
    /* Packet Too Big carries the MTU. */
    G.b[14 + 40] = 2;
    G.b[14 + 40 + 1] = 0;
    G.b[14 + 40 + 6] = 0x05, G.b[14 + 40 + 7] = 0x00;
    dt_dissect((&G)->b, (uint32_t)(&G)->n, 1);
    assert_chain("FRAME ETHERNET IP6 ICMP6 IP6 UDP");
    assert_text(3, "MTU", "MTU = 1280 (0x500)");
    assert_text(3, "Summary", "Packet Too Big: MTU = 1280");
}

/* ------------------------------------------------------------------------ */

static void test_cut_everywhere(void **state)
{
    (void)state;
    static dt_buf p;
    frame_ext(&p);
    dt_cut_everywhere(DT_LINK(1), p.b, (uint32_t)p.n, NULL);
    frame_icmp_err(&p);
    dt_cut_everywhere(DT_LINK(1), p.b, (uint32_t)p.n, NULL);
    frame_ns(&p);
    dt_cut_everywhere(DT_LINK(1), p.b, (uint32_t)p.n, NULL);
    frame_icmp6_err(&p);
    dt_cut_everywhere(DT_LINK(1), p.b, (uint32_t)p.n, NULL);
    frame_echo(&p);
    dt_cut_everywhere(DT_LINK(1), p.b, (uint32_t)p.n, NULL);
    /* Damaged extension headers, cut anywhere: an option longer than its
     * header, then an AH shorter than its SPI and Sequence Number. Each
     * layer is judged the same in both modes even when the cut falls
     * inside the damaged header. */
    frame_ext(&p);
    p.b[14 + 40 + 3] = 9;
    dt_cut_everywhere(DT_LINK(1), p.b, (uint32_t)p.n, NULL);
    frame_ext(&p);
    p.b[14 + 6] = 51;   /* the first extension header read as an AH of 8 bytes */
    dt_cut_everywhere(DT_LINK(1), p.b, (uint32_t)p.n, NULL);
}

/* ------------------------------------------------------------------------ */
/* Real captures against tshark                                             */
/* ------------------------------------------------------------------------ */

/* The values of property `label` in every layer named `proto`, as tshark
 * prints an occurrence=a field ("a,b"). */
static void values(const char *proto, const char *label, char *out, size_t n)
{
    out[0] = 0;
    size_t k = 0;
    for (unsigned i = 0; i < nmx_dissect_nlayers(dt_dis()); i++) {
        if (strcmp(dt_layer_at(i)->name, proto) != 0)
            continue;
        const PROPERTYINST *pi = dt_inst(dt_layer_at(i), label, 0);
        if (!pi)
            continue;
        char v[64];
        if (pi->lpPropertyInfo->DataType == PROP_TYPE_IP6_ADDRESS) {
            if (!inet_ntop(AF_INET6, pi->lpData, v, sizeof v))
                v[0] = 0;
        } else {
            snprintf(v, sizeof v, "%llu", (unsigned long long)dt_num(pi));
        }
        k += (size_t)snprintf(out + k, n - k, "%s%s", k ? "," : "", v);
        if (k >= n)
            break;
    }
}

/* tshark's protocol names of the layers this library has, in order; a
 * fragment's reassembled payload is left out (no reassembly here:
 * docs/dissectors.md, "Fragments"). */
static void tshark_chain(char *protos, char *out, size_t n)
{
    static const char *const map[][2] = {
        { "eth", "ETHERNET" }, { "ip", "IP" }, { "ipv6", "IP6" }, { "icmp", "ICMP" },
        { "icmpv6", "ICMP6" }, { "tcp", "TCP" }, { "udp", "UDP" },
    };
    size_t k = (size_t)snprintf(out, n, "FRAME");
    for (char *save = NULL, *t = strtok_r(protos, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
        if (strcmp(t, "ipv6.fraghdr") == 0)
            return;
        for (size_t i = 0; i < sizeof map / sizeof *map; i++)
            if (strcmp(t, map[i][0]) == 0 && k < n)
                k += (size_t)snprintf(out + k, n - k, " %s", map[i][1]);
    }
}

/* Our layers restricted to those tshark_chain() names. */
static void our_chain(char *out, size_t n)
{
    static const char *const keep[] = { "FRAME", "ETHERNET", "IP", "IP6", "ICMP", "ICMP6", "TCP", "UDP" };
    size_t k = 0;
    out[0] = 0;
    for (unsigned i = 0; i < nmx_dissect_nlayers(dt_dis()); i++)
        for (size_t j = 0; j < sizeof keep / sizeof *keep; j++)
            if (strcmp(dt_layer_at(i)->name, keep[j]) == 0 && k < n)
                k += (size_t)snprintf(out + k, n - k, "%s%s", k ? " " : "", keep[j]);
}

static void test_real_captures(void **state)
{
    (void)state;
    const char *dir = nmx_test_captures_dir();
    if (!dir) {
        printf("SKIP: ../shared/captures not found\n");
        skip();
    }
    if (system("command -v tshark >/dev/null 2>&1") != 0) {
        printf("SKIP: tshark not installed\n");
        skip();
    }
    /* The files that carry IPv6, ICMP or ICMPv6 over link layers this
     * library dissects (Ethernet, raw IP, LINKTYPE_IPV6). */
    static const char *const files[] = {
        "pcap/ppp_four_ipv6_http_streams.pcap", "pcap/ppp_ip6_fragments.pcap",
        "pcap/ppp_linktype_ipv6.pcap", "pcap/ppp_many-protocols.pcap", "pcap/td_icmpv6.pcap",
        "pcap/ppp_raw_ip.pcap", "pcap/ppp_DnsPackets.pcap",
        "netmon/MS-CCROD_Example1_Win2016_X64_Win10_X64_Domain.cap",
        "netmon/MS-CCROD_Example2Peer1Version1_Win2016_X64_Win10_X64_Domain_CePark.cap",
        "netmon/MS-WSUSOD_Example3_W2K16_X64_Win10_X64_Domain.cap",
        "netmon/MS-WMOD_Example6_WS2016_X64_Win10_X64_Domain_Hagala.cap",
        "malformed/td_ipv6_invalid_length.pcap",
    };
    static const char *const fields[][3] = {
        { "ipv6.src", "IP6", "Source Address" }, { "ipv6.dst", "IP6", "Destination Address" },
        { "ipv6.nxt", "IP6", "Next Header" }, { "ipv6.hlim", "IP6", "Hop Limit" },
        { "icmp.type", "ICMP", "Type" }, { "icmp.code", "ICMP", "Code" },
        { "icmpv6.type", "ICMP6", "Type" },
    };
    const size_t nf = sizeof fields / sizeof *fields;
    unsigned compared = 0, net = 0;
    for (size_t fi = 0; fi < sizeof files / sizeof *files; fi++) {
        char path[4096], cmd[8192];
        snprintf(path, sizeof path, "%s/%s", dir, files[fi]);
        nmx_capture *cap = NULL;
        if (nmx_capture_open(path, 0, &cap, NULL) != NMX_OK)
            fail_msg("cannot open %s", path);
        int k = snprintf(cmd, sizeof cmd, "tshark -r '%s' -T fields -E occurrence=a "
                         "-E separator=/t -e frame.protocols", path);
        for (size_t i = 0; i < nf; i++)
            k += snprintf(cmd + k, sizeof cmd - (size_t)k, " -e %s", fields[i][0]);
        snprintf(cmd + k, sizeof cmd - (size_t)k, " 2>/dev/null");
        FILE *ts = popen(cmd, "r");
        assert_non_null(ts);
        static char line[65536];
        for (uint64_t fn = 0; fgets(line, sizeof line, ts); fn++) {
            line[strcspn(line, "\n")] = 0;
            nmx_frame fr;
            assert_int_equal(nmx_capture_frame(cap, fn, &fr), NMX_OK);
            assert_int_equal(nmx_dissect(dt_dis(), &fr, fr.ts_ns, NMX_DIS_ATTACH), NMX_OK);
            char *col[16] = { 0 };
            size_t nc = 0;
            for (char *s = line; nc < 16;) {
                col[nc++] = s;
                char *t = strchr(s, '\t');
                if (!t)
                    break;
                *t = 0;
                s = t + 1;
            }
            assert_int_equal(nc, nf + 1);
            /* Only frames on link layers this library has (other link
             * layers and tunnels are other files' business). */
            if (strncmp(col[0], "eth:ethertype:ip", 16) != 0 && strncmp(col[0], "raw:", 4) != 0 &&
                strncmp(col[0], "ipv6", 4) != 0)
                continue;
            if (strstr(col[0], "vlan") || strstr(col[0], "gre") || strstr(col[0], "vxlan"))
                continue;
            bool ours = strstr(col[0], "ipv6") || strstr(col[0], "icmp");
            char want[512], got[512];
            tshark_chain(col[0], want, sizeof want);
            our_chain(got, sizeof got);
            /* Layers past the last one this library names are another
             * file's business: compare the prefix tshark's list shares. */
            if (strncmp(got, want, strlen(want)) != 0 && strncmp(want, got, strlen(got)) != 0)
                fail_msg("%s frame %llu: tshark \"%s\", nmexpert \"%s\"", files[fi],
                         (unsigned long long)fn + 1, want, got);
            if (ours && strcmp(got, want) != 0)
                fail_msg("%s frame %llu: tshark \"%s\", nmexpert \"%s\"", files[fi],
                         (unsigned long long)fn + 1, want, got);
            for (size_t i = 0; i < nf; i++) {
                char v[512];
                values(fields[i][1], fields[i][2], v, sizeof v);
                if (strcmp(v, col[i + 1]) != 0)
                    fail_msg("%s frame %llu: %s tshark \"%s\", nmexpert \"%s\"", files[fi],
                             (unsigned long long)fn + 1, fields[i][0], col[i + 1], v);
            }
            compared++;
            net += ours;
        }
        assert_int_equal(pclose(ts), 0);
        nmx_capture_close(cap);
    }
    printf("compared %u frames with tshark, %u of them with IPv6 or ICMP\n", compared, net);
    assert_true(net > 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip6_basic),
        cmocka_unit_test(test_ip6_extension_headers),
        cmocka_unit_test(test_ip6_fragments),
        cmocka_unit_test(test_ip6_ah),
        cmocka_unit_test(test_ip6_jumbo),
        cmocka_unit_test(test_ip6_malformed),
        cmocka_unit_test(test_icmp_echo),
        cmocka_unit_test(test_icmp_error_quotes_ip),
        cmocka_unit_test(test_icmp_extension),
        cmocka_unit_test(test_icmp6_echo),
        cmocka_unit_test(test_icmp6_nd),
        cmocka_unit_test(test_icmp6_error_quotes_ip6),
        cmocka_unit_test(test_cut_everywhere),
        cmocka_unit_test(test_real_captures),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    dt_done();
    return r;
}
