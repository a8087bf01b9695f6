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

/* ------------------------------------------------------------------------ */
/* Building frames                                                          */
/* ------------------------------------------------------------------------ */

typedef struct pkt {
    uint8_t b[80000];
    uint32_t n;
} pkt;

static void put(pkt *p, const void *v, uint32_t n)
{
    assert_true(p->n + n <= sizeof p->b);
    memcpy(p->b + p->n, v, n);
    p->n += n;
}
static void put8(pkt *p, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(p, &b, 1);
}
static void put16(pkt *p, unsigned v)
{
    put8(p, v >> 8);
    put8(p, v);
}
static void put32(pkt *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p, v & 0xFFFF);
}
static void set16(pkt *p, uint32_t at, unsigned v)
{
    p->b[at] = (uint8_t)(v >> 8);
    p->b[at + 1] = (uint8_t)v;
}
static void zeros(pkt *p, uint32_t n)
{
    while (n--)
        put8(p, 0);
}
static void put_ip6(pkt *p, const char *a)
{
    uint8_t x[16];
    assert_int_equal(inet_pton(AF_INET6, a, x), 1);
    put(p, x, 16);
}
static void put_ip4(pkt *p, const char *a)
{
    uint8_t x[4];
    assert_int_equal(inet_pton(AF_INET, a, x), 1);
    put(p, x, 4);
}

static void eth(pkt *p, unsigned type)
{
    static const uint8_t dst[6] = { 0x33, 0x33, 0, 0, 0, 1 }, src[6] = { 0, 0x1b, 0x21, 1, 2, 3 };
    put(p, dst, 6);
    put(p, src, 6);
    put16(p, type);
}

/* An IPv6 header; returns the offset of its Payload Length. */
static uint32_t ip6(pkt *p, unsigned plen, unsigned nh, unsigned hlim, const char *src,
                    const char *dst)
{
    put32(p, 6u << 28 | 0xB8u << 20 | 0x12345u); /* traffic class 0xB8, flow 0x12345 */
    uint32_t at = p->n;
    put16(p, plen);
    put8(p, nh);
    put8(p, hlim);
    put_ip6(p, src);
    put_ip6(p, dst);
    return at;
}

static void ip4(pkt *p, unsigned total, unsigned proto, const char *src, const char *dst)
{
    put8(p, 0x45);
    put8(p, 0);
    put16(p, total);
    put16(p, 0x1234);
    put16(p, 0);
    put8(p, 64);
    put8(p, proto);
    put16(p, 0);
    put_ip4(p, src);
    put_ip4(p, dst);
}

static void udp(pkt *p, unsigned sport, unsigned dport, unsigned len)
{
    put16(p, sport);
    put16(p, dport);
    put16(p, len);
    put16(p, 0);
}

/* ------------------------------------------------------------------------ */
/* Looking at the result                                                    */
/* ------------------------------------------------------------------------ */

static nmx_dissector *D;
static nmx_frame F;

static void run(const pkt *p, uint32_t caplen, uint32_t linktype, unsigned flags)
{
    if (!D)
        D = nmx_dissector_new();
    assert_non_null(D);
    memset(&F, 0, sizeof F);
    F.data = p->b;
    F.caplen = caplen;
    F.wirelen = p->n;
    F.linktype = linktype;
    assert_int_equal(nmx_dissect(D, &F, 0, flags), NMX_OK);
}

static void dis(const pkt *p, uint32_t linktype)
{
    run(p, p->n, linktype, NMX_DIS_ATTACH);
}

/* The layer names, space-separated. */
static const char *chain(void)
{
    static char s[512];
    s[0] = 0;
    for (unsigned i = 0; i < nmx_dissect_nlayers(D); i++) {
        if (i)
            strcat(s, " ");
        strcat(s, nmx_dissect_layer(D, i)->name);
    }
    return s;
}

static const nmx_layer *L(unsigned i)
{
    const nmx_layer *l = nmx_dissect_layer(D, i);
    if (!l)
        fail_msg("no layer %u in \"%s\"", i, chain());
    return l;
}

/* The nth instance of `label` in layer li, or NULL. */
static PROPERTYINST *find(unsigned li, const char *label, unsigned nth)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(D);
    const nmx_layer *l = L(li);
    for (uint32_t k = 0; k < l->ninst; k++) {
        PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
        if (strcmp(pi->lpPropertyInfo->Label, label) == 0 && nth-- == 0)
            return pi;
    }
    return NULL;
}

static PROPERTYINST *P(unsigned li, const char *label)
{
    PROPERTYINST *pi = find(li, label, 0);
    if (!pi)
        fail_msg("layer %u (%s) has no \"%s\"", li, L(li)->name, label);
    return pi;
}

static const char *text(const PROPERTYINST *pi)
{
    static char buf[1024];
    nmx_dissect_text(D, pi, buf, sizeof buf);
    return buf;
}

#define assert_text(li, label, want) assert_string_equal(text(P(li, label)), want)
#define assert_chain(want) assert_string_equal(chain(), want)
#define assert_status(li, st) assert_int_equal(L(li)->status, st)

/* The number an instance holds (frame bytes, network order where swapped;
 * decoded values in host order). */
static uint64_t num(const PROPERTYINST *pi)
{
    const uint8_t *p;
    unsigned n;
    if (pi->DataLength == PROPERTYINST_EX_LENGTH) {
        p = pi->lpPropertyInstEx->Byte;
        n = pi->lpPropertyInstEx->LengthEx;
        uint64_t v = 0;
        memcpy(&v, p, n < 8 ? n : 8);   /* little-endian host */
        return v;
    }
    p = pi->lpData;
    n = pi->DataLength;
    uint64_t v = 0;
    for (unsigned i = 0; i < n && i < 8; i++)
        v = (pi->IFlags & IFLAG_SWAPPED) ? v << 8 | p[i] : v | (uint64_t)p[i] << (8 * i);
    return v;
}

/* ------------------------------------------------------------------------ */
/* Real-shaped frames                                                       */
/* ------------------------------------------------------------------------ */

/* Ethernet, IPv6 with Hop-by-Hop (Router Alert, PadN), Destination
 * Options, a segment-routing Routing header and an atomic Fragment header,
 * then UDP 53 -> 40000 with 4 bytes of data. */
static void frame_ext(pkt *p)
{
    p->n = 0;
    eth(p, 0x86DD);
    uint32_t pl = ip6(p, 0, 0, 64, "2001:db8::1", "2001:db8:0:1::53");
    uint32_t start = p->n;
    /* Hop-by-Hop: next 60, length 0 (8 bytes): Router Alert (2), PadN 0 */
    put8(p, 60), put8(p, 0), put8(p, 5), put8(p, 2), put16(p, 0), put8(p, 1), put8(p, 0);
    /* Destination Options: next 43, length 0: PadN of 4 */
    put8(p, 43), put8(p, 0), put8(p, 1), put8(p, 4), put32(p, 0);
    /* Routing: next 44, length 2 (24 bytes), type 4, segments left 0 */
    put8(p, 44), put8(p, 2), put8(p, 4), put8(p, 0), put32(p, 0);
    put_ip6(p, "2001:db8:0:1::53");
    /* Fragment: next 17, offset 0, M 0, identification */
    put8(p, 17), put8(p, 0), put16(p, 0), put32(p, 0xCAFEF00D);
    udp(p, 9, 40000, 12);
    put32(p, 0xDEADBEEF);
    set16(p, pl, p->n - start);
}

/* Ethernet, IPv4, ICMP Destination Unreachable (port) quoting an IPv4
 * header that declares 128 bytes and the first 8 bytes of its UDP. */
static void frame_icmp_err(pkt *p)
{
    p->n = 0;
    eth(p, 0x0800);
    ip4(p, 20 + 8 + 28, 1, "192.0.2.1", "192.0.2.99");
    put8(p, 3), put8(p, 3), put16(p, 0x1111), put32(p, 0);
    ip4(p, 128, 17, "192.0.2.99", "192.0.2.1");
    udp(p, 40000, 9, 108);
}

/* Ethernet, IPv6, ICMPv6 Neighbor Solicitation with a Source Link-Layer
 * Address option. */
static void frame_ns(pkt *p)
{
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 32, 58, 255, "fe80::1", "ff02::1:ff00:2");
    put8(p, 135), put8(p, 0), put16(p, 0x2222), put32(p, 0);
    put_ip6(p, "fe80::2");
    put8(p, 1), put8(p, 1);
    static const uint8_t mac[6] = { 0x00, 0x1b, 0x21, 0x01, 0x02, 0x03 };
    put(p, mac, 6);
}

/* Ethernet, IPv6, ICMPv6 Destination Unreachable (port) quoting an IPv6
 * header that declares 100 bytes of payload, and its UDP header. */
static void frame_icmp6_err(pkt *p)
{
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 8 + 48, 58, 64, "2001:db8::53", "2001:db8::1");
    put8(p, 1), put8(p, 4), put16(p, 0x3333), put32(p, 0);
    ip6(p, 100, 17, 64, "2001:db8::1", "2001:db8::53");
    udp(p, 40000, 9, 100);
}

/* Ethernet, IPv4, ICMP Echo Request id 1 seq 5, 16 bytes of data. */
static void frame_echo(pkt *p)
{
    p->n = 0;
    eth(p, 0x0800);
    ip4(p, 20 + 8 + 16, 1, "10.0.0.1", "10.0.0.2");
    put8(p, 8), put8(p, 0), put16(p, 0xF7FA), put16(p, 1), put16(p, 5);
    for (int i = 0; i < 16; i++)
        put8(p, (unsigned)('a' + i));
}

/* ------------------------------------------------------------------------ */
/* IP6                                                                      */
/* ------------------------------------------------------------------------ */

static pkt G;

static void test_ip6_basic(void **state)
{
    (void)state;
    pkt *p = &G;
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 20, 6, 57, "2001:db8::1", "2001:db8::2");
    put16(p, 1234), put16(p, 80), put32(p, 1), put32(p, 0), put8(p, 0x50), put8(p, 0x02);
    put16(p, 8192), put16(p, 0), put16(p, 0);
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP6 TCP");
    assert_status(2, NMX_LAYER_OK);
    assert_status(3, NMX_LAYER_OK);
    assert_text(2, "Summary", "Next Header = TCP; Payload Length = 20");
    assert_text(2, "Source Address", "Source Address = 2001:db8::1");
    assert_text(2, "Destination Address", "Destination Address = 2001:db8::2");
    assert_text(2, "Next Header", "Next Header = TCP - Transmission Control");
    assert_text(2, "Hop Limit", "Hop Limit = 57 (0x39)");
    assert_text(2, "Payload Length", "Payload Length = 20 (0x14)");
    assert_int_equal(num(P(2, "Version")), 6);
    assert_int_equal(num(P(2, "Traffic Class")), 0xB8);
    assert_int_equal(num(P(2, "Flow Label")), 0x12345);
    assert_int_equal(P(2, "Source Address")->lpPropertyInfo->DataType, PROP_TYPE_IP6_ADDRESS);
    assert_int_equal(L(2)->offset, 14);
    assert_int_equal(L(3)->offset, 54);

    /* The same packet by link type 229 and raw IP (101), and as IPv6 in
     * IPv4 (protocol 41). */
    pkt q;
    memcpy(q.b, p->b + 14, p->n - 14);
    q.n = p->n - 14;
    dis(&q, 229);
    assert_chain("FRAME IP6 TCP");
    dis(&q, 101);
    assert_chain("FRAME IP6 TCP");
    pkt *t = &G;
    t->n = 0;
    eth(t, 0x0800);
    ip4(t, 20 + q.n, 41, "192.0.2.1", "192.0.2.2");
    put(t, q.b, q.n);
    dis(t, 1);
    assert_chain("FRAME ETHERNET IP IP6 TCP");
    assert_status(3, NMX_LAYER_OK);
}

static void test_ip6_extension_headers(void **state)
{
    (void)state;
    frame_ext(&G);
    dis(&G, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    for (unsigned i = 1; i < 4; i++)
        assert_status(i, NMX_LAYER_OK);
    assert_text(2, "Next Header", "Next Header = HOPOPT - IPv6 Hop-by-Hop Option");
    assert_text(2, "Summary", "Next Header = UDP; Payload Length = 60");
    assert_non_null(P(2, "Hop-by-Hop Options Header"));
    assert_non_null(P(2, "Destination Options Header"));
    assert_non_null(P(2, "Routing Header"));
    assert_non_null(P(2, "Fragment Header"));
    assert_text(2, "Option Type", "Option Type = Router Alert");
    assert_string_equal(text(find(2, "Option Type", 1)), "Option Type = PadN");
    assert_string_equal(text(find(2, "Extension Next Header", 0)),
                        "Extension Next Header = IPv6-Opts - Destination Options for IPv6");
    assert_string_equal(text(find(2, "Extension Header Length", 2)),
                        "Extension Header Length = 24 (0x18) bytes");
    assert_text(2, "Routing Type", "Routing Type = Segment Routing Header");
    assert_text(2, "Fragment Offset", "Fragment Offset = 0 (0x0) bytes");
    assert_text(2, "Identification", "Identification = 0xCAFEF00D");
    assert_int_equal(num(P(2, "Fragment Flags")), 0);
    /* UDP starts after 40 + 8 + 8 + 24 + 8 bytes of headers. */
    assert_int_equal(L(3)->offset, 14 + 88);
    assert_int_equal(L(3)->length, 12);
    assert_text(3, "Source Port", "Source Port = 0x0009");

    /* Recognising only finds the same layers. */
    run(&G, G.n, 1, 0);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_int_equal(L(3)->offset, 14 + 88);
}

static void test_ip6_fragments(void **state)
{
    (void)state;
    pkt *p = &G;
    /* A first fragment (offset 0, More Fragments): not handed off. */
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 8 + 16, 44, 64, "fe80::1", "ff02::fb");
    put8(p, 17), put8(p, 0), put16(p, 0x0001), put32(p, 0x2C5323);
    udp(p, 5353, 5353, 200);
    zeros(p, 8);
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP6");
    assert_status(2, NMX_LAYER_OK);
    assert_text(2, "Summary", "Next Header = UDP; Payload Length = 24; Fragment Offset = 0, More Fragments");
    assert_text(2, "Data", "Data: Number of data bytes remaining = 16 (0x0010)");
    assert_int_equal(num(P(2, "Fragment Flags")), 1);
    /* A later fragment: offset 120 bytes (15 units), the last one. */
    set16(p, 14 + 40 + 2, 15u << 3);
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP6");
    assert_text(2, "Fragment Offset", "Fragment Offset = 120 (0x78) bytes");
    assert_text(2, "Summary", "Next Header = UDP; Payload Length = 24; Fragment Offset = 120");
    run(p, p->n, 1, 0);
    assert_chain("FRAME ETHERNET IP6");
}

static void test_ip6_ah(void **state)
{
    (void)state;
    pkt *p = &G;
    p->n = 0;
    eth(p, 0x86DD);
    uint32_t pl = ip6(p, 0, 51, 64, "2001:db8::1", "2001:db8::2");
    uint32_t start = p->n;
    /* AH: next 17, length 4 (6 words = 24 bytes), SPI, seq, 12 bytes ICV */
    put8(p, 17), put8(p, 4), put16(p, 0), put32(p, 0x100), put32(p, 7);
    zeros(p, 12);
    udp(p, 1000, 2000, 8);
    set16(p, pl, p->n - start);
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_status(2, NMX_LAYER_OK);
    assert_int_equal(L(3)->offset, 14 + 40 + 24);
    assert_text(2, "Security Parameters Index", "Security Parameters Index = 0x00000100");
    assert_text(2, "Sequence Number", "Sequence Number = 7 (0x7)");
}

static void test_ip6_jumbo(void **state)
{
    (void)state;
    pkt *p = &G;
    uint32_t jumbo = 70000; /* bytes after the fixed header */
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 0, 0, 64, "2001:db8::1", "2001:db8::2");
    /* Hop-by-Hop: next 17, length 0: Jumbo Payload (C2, 4, value) */
    put8(p, 17), put8(p, 0), put8(p, 0xC2), put8(p, 4), put32(p, jumbo);
    udp(p, 1000, 2000, 0); /* RFC 2675: UDP Length 0 in a jumbogram */
    zeros(p, jumbo - 16);
    put32(p, 0); /* 4 bytes of Ethernet padding beyond the jumbogram */
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_status(2, NMX_LAYER_OK);
    assert_status(3, NMX_LAYER_OK);
    assert_text(2, "Jumbo Payload Length", "Jumbo Payload Length = 70000 (0x11170)");
    assert_text(2, "Summary", "Next Header = UDP; Payload Length = 70000");
    /* The payload is the jumbogram's, not the frame's. */
    assert_int_equal(L(3)->length, jumbo - 8);

    /* Payload Length 0 without the option: the frame's length (as IPv4
     * treats Total Length 0). */
    pkt *q = &G;
    q->n = 0;
    eth(q, 0x86DD);
    ip6(q, 0, 17, 64, "2001:db8::1", "2001:db8::2");
    udp(q, 1000, 2000, 12);
    put32(q, 0);
    dis(q, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_status(2, NMX_LAYER_OK);
    assert_text(2, "Summary", "Next Header = UDP; Payload Length = 12");

    /* A Jumbo Payload option with a non-zero Payload Length. */
    q->n = 0;
    eth(q, 0x86DD);
    ip6(q, 16, 0, 64, "2001:db8::1", "2001:db8::2");
    put8(q, 17), put8(q, 0), put8(q, 0xC2), put8(q, 4), put32(q, jumbo);
    udp(q, 1000, 2000, 8);
    dis(q, 1);
    assert_status(2, NMX_LAYER_MALFORMED);
    /* A jumbo length that fits 16 bits is no jumbo length. */
    set16(q, 18, 0);
    q->b[14 + 40 + 4] = 0, q->b[14 + 40 + 5] = 0, q->b[14 + 40 + 6] = 0x10, q->b[14 + 40 + 7] = 0;
    dis(q, 1);
    assert_status(2, NMX_LAYER_MALFORMED);
    assert_true(P(2, "Jumbo Payload Length")->IFlags & IFLAG_ERROR);
}

static void test_ip6_malformed(void **state)
{
    (void)state;
    pkt *p = &G;
    /* Version 4 in an IPv6 EtherType. */
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 8, 17, 64, "::1", "::1");
    udp(p, 1, 2, 8);
    p->b[14] = 0x40;
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP6");
    assert_status(2, NMX_LAYER_MALFORMED);
    assert_true(P(2, "Version")->IFlags & IFLAG_ERROR);

    /* Payload Length beyond the frame: malformed, the frame's bytes used. */
    p->b[14] = 0x60;
    set16(p, 18, 200);
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP6 UDP");
    assert_status(2, NMX_LAYER_MALFORMED);
    assert_status(3, NMX_LAYER_OK);

    /* An extension header longer than the packet. */
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 16, 60, 64, "::1", "::1");
    put8(p, 17), put8(p, 3), put8(p, 1), put8(p, 4), put32(p, 0);
    udp(p, 1, 2, 8);
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP6");
    assert_status(2, NMX_LAYER_MALFORMED);

    /* An option longer than its header. */
    p->b[14 + 41] = 0;
    p->b[14 + 43] = 9;
    dis(p, 1);
    assert_status(2, NMX_LAYER_MALFORMED);

    /* An option whose length byte would be the header's ninth byte: four
     * Pad1 and one more type byte fill the six option bytes. Malformed in
     * both modes (the header's length is sound: UDP still follows). */
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 16, 0, 64, "::1", "::1");
    put8(p, 17), put8(p, 0), put8(p, 0), put8(p, 0), put8(p, 0), put8(p, 0), put8(p, 0), put8(p, 1);
    udp(p, 1, 2, 8);
    for (unsigned flags = 0; flags <= NMX_DIS_ATTACH; flags += NMX_DIS_ATTACH) {
        run(p, p->n, 1, flags);
        assert_chain("FRAME ETHERNET IP6 UDP");
        assert_status(2, NMX_LAYER_MALFORMED);
        assert_status(3, NMX_LAYER_OK);
    }

    /* Hop-by-Hop after another extension header (RFC 8200 4.3). */
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 24, 60, 64, "::1", "::1");
    put8(p, 0), put8(p, 0), put8(p, 1), put8(p, 4), put32(p, 0);
    put8(p, 17), put8(p, 0), put8(p, 1), put8(p, 4), put32(p, 0);
    udp(p, 1, 2, 8);
    dis(p, 1);
    assert_status(2, NMX_LAYER_MALFORMED);
    assert_true(P(2, "Hop-by-Hop Options Header")->IFlags & IFLAG_ERROR);

    /* A packet shorter than the fixed header that the capture did not
     * cut: malformed, not truncated. */
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 0, 59, 64, "::1", "::1");
    p->n -= 10;
    dis(p, 1);
    assert_status(2, NMX_LAYER_MALFORMED);
    /* ... and one the capture cut: truncated. */
    p->n += 10;
    run(p, p->n - 10, 1, NMX_DIS_ATTACH);
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
    dis(&G, 1);
    assert_chain("FRAME ETHERNET IP ICMP");
    assert_status(3, NMX_LAYER_OK);
    assert_text(3, "Summary", "Echo Request: ID = 0x0001, Seq = 5");
    assert_text(3, "Type", "Type = Echo Request");
    assert_text(3, "Code", "Code = 0 (0x0)");
    assert_text(3, "Checksum", "Checksum = 0xF7FA");
    assert_text(3, "Identifier", "Identifier = 0x0001");
    assert_text(3, "Sequence Number", "Sequence Number = 5 (0x5)");
    assert_text(3, "Data", "Data: Number of data bytes remaining = 16 (0x0010)");
    assert_int_equal(num(P(3, "Type")), 8);
    G.b[34] = 0;
    dis(&G, 1);
    assert_text(3, "Summary", "Echo Reply: ID = 0x0001, Seq = 5");
}

static void test_icmp_error_quotes_ip(void **state)
{
    (void)state;
    frame_icmp_err(&G);
    dis(&G, 1);
    assert_chain("FRAME ETHERNET IP ICMP IP UDP");
    /* The quoted IP declares 128 bytes of which ICMP carries 28: the
     * quoter cut it, so it is neither malformed nor truncated. */
    for (unsigned i = 1; i < 6; i++)
        assert_status(i, NMX_LAYER_OK);
    assert_text(3, "Summary", "Destination Unreachable: Port Unreachable");
    assert_text(3, "Code", "Code = 3 (Port Unreachable)");
    assert_text(3, "Original Datagram", "Original Datagram: Number of data bytes remaining = 28 (0x001C)");
    assert_int_equal(L(4)->offset, 14 + 20 + 8);
    assert_int_equal(L(4)->caplen, 28);
    assert_int_equal(L(4)->length, 128);
    assert_text(4, "Source Address", "Source Address = 192.0.2.99");
    assert_text(5, "Destination Port", "Destination Port = 0x0009");
    /* The snap length ending inside the quoted UDP data does cut it. */
    run(&G, G.n - 2, 1, NMX_DIS_ATTACH);
    assert_chain("FRAME ETHERNET IP ICMP IP UDP");
    assert_status(4, NMX_LAYER_OK);
    assert_status(5, NMX_LAYER_TRUNCATED);

    /* Quoting TCP: its first 8 bytes only, so the quoted TCP is cut. */
    G.b[14 + 28 + 9] = 6;
    dis(&G, 1);
    assert_chain("FRAME ETHERNET IP ICMP IP TCP");
    assert_status(4, NMX_LAYER_OK);
    assert_status(5, NMX_LAYER_TRUNCATED);

    /* Time Exceeded, Source Quench and Parameter Problem quote too. */
    static const uint8_t types[] = { 11, 4, 12, 5 };
    for (unsigned i = 0; i < sizeof types; i++) {
        frame_icmp_err(&G);
        G.b[34] = types[i];
        G.b[35] = 0;
        dis(&G, 1);
        assert_chain("FRAME ETHERNET IP ICMP IP UDP");
        assert_status(4, NMX_LAYER_OK);
    }
    assert_text(3, "Summary", "Redirect: Redirect for Network, Gateway = 0.0.0.0");
    assert_non_null(P(3, "Gateway Address"));
    G.b[34] = 11;
    dis(&G, 1);
    assert_text(3, "Summary", "Time Exceeded: Time to Live exceeded in Transit");
    /* Not an error: nothing is handed off. */
    G.b[34] = 13;
    dis(&G, 1);
    assert_chain("FRAME ETHERNET IP ICMP");
}

static void test_icmp_extension(void **state)
{
    (void)state;
    pkt *p = &G;
    /* RFC 4884: Time Exceeded, Length 32 words (128 bytes), then an
     * extension structure (version 2) with one 8-byte object. */
    p->n = 0;
    eth(p, 0x0800);
    ip4(p, 20 + 8 + 128 + 4 + 8, 1, "192.0.2.1", "192.0.2.99");
    put8(p, 11), put8(p, 0), put16(p, 0), put8(p, 0), put8(p, 32), put16(p, 0);
    ip4(p, 128, 17, "192.0.2.99", "192.0.2.1");
    udp(p, 40000, 9, 108);
    zeros(p, 100);
    put8(p, 0x20), put8(p, 0), put16(p, 0xABCD);
    put16(p, 8), put8(p, 1), put8(p, 1), put32(p, 0x00001234);
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP ICMP IP UDP");
    assert_status(3, NMX_LAYER_OK);
    assert_status(4, NMX_LAYER_OK);
    assert_text(3, "Original Datagram Length", "Original Datagram Length = 128 (0x80) bytes");
    assert_int_equal(L(4)->caplen, 128);
    assert_text(3, "Extension Version", "Extension Version = 2 (0x2)");
    assert_text(3, "Extension Checksum", "Extension Checksum = 0xABCD");
    assert_text(3, "Object Length", "Object Length = 8 (0x8)");
    assert_text(3, "Object Class", "Object Class = 1 (0x1)");
    /* An object overrunning the structure. */
    set16(p, p->n - 8, 12);
    dis(p, 1);
    assert_status(3, NMX_LAYER_MALFORMED);
    /* Length below RFC 4884's 128-byte minimum. */
    set16(p, p->n - 8, 8);
    p->b[14 + 20 + 5] = 4;
    dis(p, 1);
    assert_status(3, NMX_LAYER_MALFORMED);
    assert_chain("FRAME ETHERNET IP ICMP IP UDP");
}

/* ------------------------------------------------------------------------ */
/* ICMP6                                                                    */
/* ------------------------------------------------------------------------ */

static void test_icmp6_echo(void **state)
{
    (void)state;
    pkt *p = &G;
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 12, 58, 64, "2001:db8::1", "2001:db8::2");
    put8(p, 128), put8(p, 0), put16(p, 0), put16(p, 0x1234), put16(p, 9), put32(p, 0);
    dis(p, 1);
    assert_chain("FRAME ETHERNET IP6 ICMP6");
    assert_status(3, NMX_LAYER_OK);
    assert_text(2, "Summary", "Next Header = ICMP6; Payload Length = 12");
    assert_text(3, "Summary", "Echo Request: ID = 0x1234, Seq = 9");
    assert_text(3, "Type", "Type = Echo Request");
    assert_text(3, "Identifier", "Identifier = 0x1234");
    assert_text(3, "Data", "Data: Number of data bytes remaining = 4 (0x0004)");
    assert_int_equal(num(P(3, "Type")), 128);
    /* The aliases of the protocol name. */
    assert_non_null(nmx_protocol_find("ICMPv6"));
    assert_ptr_equal(nmx_protocol_find("IPv6"), nmx_protocol_find("IP6"));
}

static void test_icmp6_nd(void **state)
{
    (void)state;
    frame_ns(&G);
    dis(&G, 1);
    assert_chain("FRAME ETHERNET IP6 ICMP6");
    assert_status(3, NMX_LAYER_OK);
    assert_text(3, "Summary", "Neighbor Solicitation: Target = fe80::2");
    assert_text(3, "Target Address", "Target Address = fe80::2");
    assert_text(3, "Option Type", "Option Type = Source Link-Layer Address");
    assert_text(3, "Option Length", "Option Length = 8 (0x8) bytes");
    assert_text(3, "Link-Layer Address", "Link-Layer Address = 001B21010203");
    /* An option of length 0 (RFC 4861 4.6: invalid). */
    G.b[G.n - 7] = 0;
    dis(&G, 1);
    assert_status(3, NMX_LAYER_MALFORMED);
    assert_true(P(3, "Option Length")->IFlags & IFLAG_ERROR);

    /* Router Advertisement with a Prefix Information option. */
    pkt *p = &G;
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 16 + 32, 58, 255, "fe80::1", "ff02::1");
    put8(p, 134), put8(p, 0), put16(p, 0), put8(p, 64), put8(p, 0xC0), put16(p, 1800);
    put32(p, 0), put32(p, 0);
    put8(p, 3), put8(p, 4), put8(p, 64), put8(p, 0xC0), put32(p, 86400), put32(p, 14400), put32(p, 0);
    put_ip6(p, "2001:db8:1::");
    dis(p, 1);
    assert_status(3, NMX_LAYER_OK);
    assert_text(3, "Router Lifetime", "Router Lifetime = 1800 (0x708)");
    assert_text(3, "Prefix", "Prefix = 2001:db8:1::");
    assert_text(3, "Prefix Length", "Prefix Length = 64 (0x40)");
    assert_text(3, "Valid Lifetime", "Valid Lifetime = 86400 (0x15180)");
    assert_int_equal(num(P(3, "Router Advertisement Flags")), 0xC0);

    /* Multicast Listener Report v2 with one record of one source. */
    p->n = 0;
    eth(p, 0x86DD);
    ip6(p, 8 + 20 + 16, 58, 1, "fe80::1", "ff02::16");
    put8(p, 143), put8(p, 0), put16(p, 0), put16(p, 0), put16(p, 1);
    put8(p, 4), put8(p, 0), put16(p, 1);
    put_ip6(p, "ff02::fb");
    put_ip6(p, "fe80::9");
    dis(p, 1);
    assert_status(3, NMX_LAYER_OK);
    assert_text(3, "Record Multicast Address", "Record Multicast Address = ff02::fb");
    assert_text(3, "Source Address", "Source Address = fe80::9");
    /* A record claiming more sources than are there. */
    set16(p, p->n - 34, 2);
    dis(p, 1);
    assert_status(3, NMX_LAYER_MALFORMED);
}

static void test_icmp6_error_quotes_ip6(void **state)
{
    (void)state;
    frame_icmp6_err(&G);
    dis(&G, 1);
    assert_chain("FRAME ETHERNET IP6 ICMP6 IP6 UDP");
    for (unsigned i = 1; i < 6; i++)
        assert_status(i, NMX_LAYER_OK);
    assert_text(3, "Summary", "Destination Unreachable: Port unreachable");
    assert_int_equal(L(4)->caplen, 48);
    assert_int_equal(L(4)->length, 140);
    assert_text(4, "Source Address", "Source Address = 2001:db8::1");
    /* The snap length ending inside the quoted UDP data does cut it. */
    run(&G, G.n - 2, 1, NMX_DIS_ATTACH);
    assert_chain("FRAME ETHERNET IP6 ICMP6 IP6 UDP");
    assert_status(4, NMX_LAYER_OK);
    assert_status(5, NMX_LAYER_TRUNCATED);
    /* Packet Too Big carries the MTU. */
    G.b[14 + 40] = 2;
    G.b[14 + 40 + 1] = 0;
    G.b[14 + 40 + 6] = 0x05, G.b[14 + 40 + 7] = 0x00;
    dis(&G, 1);
    assert_chain("FRAME ETHERNET IP6 ICMP6 IP6 UDP");
    assert_text(3, "MTU", "MTU = 1280 (0x500)");
    assert_text(3, "Summary", "Packet Too Big: MTU = 1280");
}

/* ------------------------------------------------------------------------ */
/* Cut at every byte                                                        */
/* ------------------------------------------------------------------------ */

/* The layers of one dissection, with the header bytes each must have. */
typedef struct shape {
    unsigned n;
    char name[32][16];
    uint32_t offset[32];
    uint32_t hdr_end[32];   /* end of the last non-payload field (frame offset) */
} shape;

static void take_shape(shape *s)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(D);
    s->n = nmx_dissect_nlayers(D);
    for (unsigned i = 0; i < s->n; i++) {
        const nmx_layer *l = L(i);
        snprintf(s->name[i], sizeof s->name[i], "%s", l->name);
        s->offset[i] = l->offset;
        s->hdr_end[i] = 0;
        for (uint32_t k = 0; i > 0 && k < l->ninst; k++) {
            PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            char buf[256];
            nmx_dissect_text(D, pi, buf, sizeof buf);
            /* Payload ("... bytes remaining") is not a header field. */
            if (pi->Level == 0 || strstr(buf, "Number of data bytes remaining"))
                continue;
            const uint8_t *a = pi->DataLength == PROPERTYINST_EX_LENGTH
                                   ? pi->lpPropertyInstEx->lpData : pi->lpData;
            uint32_t len = pi->DataLength == PROPERTYINST_EX_LENGTH
                               ? pi->lpPropertyInstEx->Length : pi->DataLength;
            uint32_t end = (uint32_t)(a - F.data) + len;
            if (end > s->hdr_end[i])
                s->hdr_end[i] = end;
        }
    }
}

static void cut_everywhere(const pkt *p, uint32_t linktype)
{
    static pkt c;
    memcpy(c.b, p->b, p->n);
    c.n = p->n;
    dis(&c, linktype);
    shape full;
    take_shape(&full);
    for (uint32_t cut = 0; cut < p->n; cut++) {
        /* The layers and statuses recognition alone gives, which attaching
         * must repeat (docs/dissectors.md, "The driver"). */
        unsigned n0 = 0;
        char name0[32][16];
        nmx_layer_status st0[32];
        for (unsigned attach = 0; attach < 2; attach++) {
            run(&c, cut, linktype, attach ? NMX_DIS_ATTACH : 0);
            unsigned n = nmx_dissect_nlayers(D);
            assert_true(n <= 32);
            for (unsigned i = 0; i < n && !attach; i++) {
                snprintf(name0[i], sizeof name0[i], "%s", L(i)->name);
                st0[i] = L(i)->status;
            }
            if (!attach)
                n0 = n;
            else if (n != n0)
                fail_msg("cut at %u: %u layers attaching, %u recognising", cut, n, n0);
            for (unsigned i = 0; i < n && attach; i++)
                if (strcmp(L(i)->name, name0[i]) != 0 || L(i)->status != st0[i])
                    fail_msg("cut at %u: layer %u is %s (status %d) attaching, %s (status %d) "
                             "recognising", cut, i, L(i)->name, (int)L(i)->status, name0[i],
                             (int)st0[i]);
            assert_true(n <= full.n);
            for (unsigned i = 0; i < n; i++) {
                const nmx_layer *l = L(i);
                if (strcmp(l->name, full.name[i]) != 0)
                    fail_msg("cut at %u: layer %u is %s, not %s", cut, i, l->name, full.name[i]);
                assert_true(l->offset + l->caplen <= cut);
                /* A layer whose header the cut reaches is never OK. */
                if (i > 0 && full.hdr_end[i] > cut && l->status == NMX_LAYER_OK)
                    fail_msg("cut at %u (attach %u): %s (layer %u) is OK without bytes up to %u",
                             cut, attach, l->name, i, full.hdr_end[i]);
            }
            /* Every layer of the full frame that starts before the cut is
             * still recognised, unless one before it is not OK. */
            bool all_ok = true;
            for (unsigned i = 0; i < n; i++)
                all_ok &= L(i)->status == NMX_LAYER_OK;
            if (all_ok && n < full.n && full.offset[n] < cut)
                fail_msg("cut at %u: only %u of %u layers, all OK", cut, n, full.n);
        }
    }
}

static void test_cut_everywhere(void **state)
{
    (void)state;
    static pkt p;
    frame_ext(&p);
    cut_everywhere(&p, 1);
    frame_icmp_err(&p);
    cut_everywhere(&p, 1);
    frame_ns(&p);
    cut_everywhere(&p, 1);
    frame_icmp6_err(&p);
    cut_everywhere(&p, 1);
    frame_echo(&p);
    cut_everywhere(&p, 1);
    /* Damaged extension headers, cut anywhere: an option longer than its
     * header, then an AH shorter than its SPI and Sequence Number. Each
     * layer is judged the same in both modes even when the cut falls
     * inside the damaged header. */
    frame_ext(&p);
    p.b[14 + 40 + 3] = 9;
    cut_everywhere(&p, 1);
    frame_ext(&p);
    p.b[14 + 6] = 51;   /* the first extension header read as an AH of 8 bytes */
    cut_everywhere(&p, 1);
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
    for (unsigned i = 0; i < nmx_dissect_nlayers(D); i++) {
        if (strcmp(L(i)->name, proto) != 0)
            continue;
        PROPERTYINST *pi = find(i, label, 0);
        if (!pi)
            continue;
        char v[64];
        if (pi->lpPropertyInfo->DataType == PROP_TYPE_IP6_ADDRESS) {
            if (!inet_ntop(AF_INET6, pi->lpData, v, sizeof v))
                v[0] = 0;
        } else {
            snprintf(v, sizeof v, "%llu", (unsigned long long)num(pi));
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
    for (unsigned i = 0; i < nmx_dissect_nlayers(D); i++)
        for (size_t j = 0; j < sizeof keep / sizeof *keep; j++)
            if (strcmp(L(i)->name, keep[j]) == 0 && k < n)
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
    if (!D)
        D = nmx_dissector_new();
    assert_non_null(D);
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
            assert_int_equal(nmx_dissect(D, &fr, fr.ts_ns, NMX_DIS_ATTACH), NMX_OK);
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
    nmx_dissector_free(D);
    return r;
}
