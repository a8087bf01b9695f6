/*
 * HTTP, TLS, SMB and SMB2 dissectors:
 *   1. built messages run through the protocol alone (nmx__dissect_from):
 *      property values, texts, summaries, statuses;
 *   2. whole Ethernet/IPv4/TCP frames: the port hand-offs;
 *   3. every message truncated at every byte (in an exact-size heap copy,
 *      so a sanitizer build sees any read past it): never a crash, never
 *      OK with a field missing;
 *   4. hostile AndX chains and SMB2 NextCommand loops: bounded, flagged;
 *   5. the shared captures against tshark (http.request.method,
 *      http.request.uri, http.response.code, http.host,
 *      tls.handshake.extensions_server_name, smb.cmd, smb2.cmd), frame by
 *      frame; skipped visibly when the captures or tshark are absent.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nmx_test.h"

#include "dissect/dissect_int.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"

/* ---- helpers ------------------------------------------------------------ */

static nmx_dissector *D;
static uint8_t *copy; /* the exact-size copy the last dissection read */

static int setup(void **state)
{
    (void)state;
    D = nmx_dissector_new();
    return D ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nmx_dissector_free(D);
    D = NULL;
    free(copy);
    copy = NULL;
    return 0;
}

/* Dissects cap bytes of b (wire bytes on the wire) as protocol p. */
static void run_from(const nmx_protocol *p, const void *b, uint32_t cap, uint32_t wire,
                     unsigned flags)
{
    free(copy);
    copy = malloc(cap ? cap : 1);
    assert_non_null(copy);
    memcpy(copy, b, cap);
    assert_int_equal(nmx__dissect_from(D, p, copy, cap, wire, flags), NMX_OK);
}

static void run(const nmx_protocol *p, const void *b, uint32_t len)
{
    run_from(p, b, len, len, NMX_DIS_ATTACH);
}

static nmx_frame frame_rec;

/* Dissects a whole frame (Ethernet link type). */
static void run_frame(const void *b, uint32_t len)
{
    free(copy);
    copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, b, len);
    memset(&frame_rec, 0, sizeof frame_rec);
    frame_rec.data = copy;
    frame_rec.caplen = frame_rec.wirelen = len;
    frame_rec.linktype = 1;
    assert_int_equal(nmx_dissect(D, &frame_rec, 0, NMX_DIS_ATTACH), NMX_OK);
}

/* The nth layer named `name`, or NULL. */
static const nmx_layer *layer(const char *name, unsigned nth)
{
    for (unsigned i = 0; i < nmx_dissect_nlayers(D); i++) {
        const nmx_layer *l = nmx_dissect_layer(D, i);
        if (strcmp(l->name, name) == 0 && nth-- == 0)
            return l;
    }
    return NULL;
}

static unsigned nlayers_named(const char *name)
{
    unsigned n = 0;
    while (layer(name, n))
        n++;
    return n;
}

/* The nth instance with `label` in layer l, or NULL. */
static const PROPERTYINST *inst(const nmx_layer *l, const char *label, unsigned nth)
{
    if (!l)
        return NULL;
    PROPERTYTABLE *pt = nmx_dissect_properties(D);
    assert_non_null(pt);
    for (uint32_t i = 0; i < l->ninst; i++) {
        const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + i];
        if (strcmp(pi->lpPropertyInfo->Label, label) == 0 && nth-- == 0)
            return pi;
    }
    return NULL;
}

static unsigned ninst(const nmx_layer *l, const char *label)
{
    unsigned n = 0;
    while (inst(l, label, n))
        n++;
    return n;
}

static char textbuf[4096];

static const char *text(const PROPERTYINST *pi)
{
    assert_non_null(pi);
    nmx_dissect_text(D, pi, textbuf, sizeof textbuf);
    return textbuf;
}

/* Text of the nth `label` of the first layer named `proto`. */
static const char *ptext(const char *proto, const char *label)
{
    const nmx_layer *l = layer(proto, 0);
    assert_non_null(l);
    const PROPERTYINST *pi = inst(l, label, 0);
    if (!pi)
        fail_msg("%s has no \"%s\"", proto, label);
    return text(pi);
}

static uint64_t num(const PROPERTYINST *pi)
{
    uint64_t v = 0;
    assert_non_null(pi);
    assert_true(nmx__inst_number(pi, &v));
    return v;
}

/* The bytes of a string instance, as a C string. */
static const char *str(const PROPERTYINST *pi)
{
    static char b[1 << 16];
    assert_non_null(pi);
    const uint8_t *p;
    unsigned n;
    if (pi->DataLength == PROPERTYINST_EX_LENGTH) {
        p = pi->lpPropertyInstEx->Byte;
        n = pi->lpPropertyInstEx->LengthEx;
    } else {
        p = pi->lpData;
        n = pi->DataLength;
    }
    if (n >= sizeof b)
        n = sizeof b - 1;
    memcpy(b, p, n);
    b[n] = 0;
    return b;
}

static const nmx_layer *top(void)
{
    unsigned n = nmx_dissect_nlayers(D);
    assert_true(n > 0);
    return nmx_dissect_layer(D, n - 1);
}

/* Ethernet + IPv4 + TCP (20-byte header) around a payload. */
static size_t tcp_frame(uint8_t *out, uint16_t sport, uint16_t dport, const void *pl, size_t n)
{
    static const uint8_t eth[14] = { 0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10, 0x08, 0x00 };
    memcpy(out, eth, 14);
    uint8_t *ip = out + 14;
    size_t tot = 20 + 20 + n;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = 6;
    ip[12] = 10, ip[15] = 1;
    ip[16] = 10, ip[19] = 2;
    uint8_t *t = ip + 20;
    t[0] = (uint8_t)(sport >> 8), t[1] = (uint8_t)sport;
    t[2] = (uint8_t)(dport >> 8), t[3] = (uint8_t)dport;
    t[12] = 0x50;
    t[13] = 0x18;
    t[14] = 0x10;
    memcpy(t + 20, pl, n);
    return 14 + tot;
}

/* Every prefix of msg, in both modes: no crash (the copy is exact-size),
 * and the last layer never OK when bytes are missing. */
static void truncate_every_byte(const nmx_protocol *p, const uint8_t *msg, uint32_t len)
{
    for (uint32_t k = 0; k < len; k++) {
        for (int attach = 0; attach < 2; attach++) {
            run_from(p, msg, k, len, attach ? NMX_DIS_ATTACH : 0);
            const nmx_layer *l = top();
            if (l->status == NMX_LAYER_OK)
                fail_msg("%s cut at %u of %u (%s): %s is OK", p->name, k, len,
                         attach ? "attach" : "recognise", l->name);
            if (attach)
                for (uint32_t i = 0; i < l->ninst; i++) {
                    char b[512];
                    const PROPERTYINST *pi =
                        &nmx_dissect_properties(D)->lpFirstPropertyInst[l->first_inst + i];
                    nmx_dissect_text(D, pi, b, sizeof b);
                }
        }
    }
    run_from(p, msg, len, len, NMX_DIS_ATTACH);
}

/* ---- HTTP --------------------------------------------------------------- */

static const char http_req[] =
    "GET /index.html?q=1 HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: test/1.0\r\n"
    "Accept: */*\r\n"
    "X-Custom:  some value  \r\n"
    "Cookie: a=b\r\n"
    "\r\n";

static const char http_resp[] =
    "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: text/html\r\n"
    "Date: Wed, 14 Nov 2012 20:36:36 GMT\r\n"
    "Connection: close\r\n"
    "Content-Length: 14\r\n"
    "\r\n"
    "<h1>Bad</h1>\r\n";

static void t_http_request(void **state)
{
    (void)state;
    run(&nmx_proto_http, http_req, sizeof http_req - 1);
    const nmx_layer *l = layer("HTTP", 0);
    assert_non_null(l);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(ptext("HTTP", "Summary"), "GET Request from Client");
    assert_string_equal(ptext("HTTP", "Request Method"), "Request Method =GET");
    assert_string_equal(ptext("HTTP", "Uniform Resource Identifier"),
                        "Uniform Resource Identifier =/index.html?q=1");
    assert_string_equal(ptext("HTTP", "Protocol Version"), "Protocol Version =HTTP/1.1");
    assert_string_equal(ptext("HTTP", "Host"), "Host =www.example.com");
    assert_string_equal(str(inst(l, "Host", 0)), "www.example.com");
    assert_string_equal(ptext("HTTP", "User-Agent"), "User-Agent =test/1.0");
    assert_string_equal(ptext("HTTP", "Cookie"), "Cookie =a=b");
    /* An unlisted field: the generic property, printed with its name. */
    assert_int_equal(ninst(l, "Header"), 1);
    assert_string_equal(ptext("HTTP", "Header"), "X-Custom =some value");
    assert_null(inst(l, "Data", 0));
    assert_null(inst(l, "Status Code", 0));
    /* Labels are looked up like Network Monitor's. */
    uintptr_t h = nmx_property_find(nmx_protocol_find("http"), "request   method");
    assert_true(h != 0);
    assert_ptr_equal((void *)h, inst(l, "Request Method", 0)->lpPropertyInfo);
    assert_true(nmx_property_find(nmx_protocol_find("HTTP"), "content-length") != 0);
}

static void t_http_response(void **state)
{
    (void)state;
    run(&nmx_proto_http, http_resp, sizeof http_resp - 1);
    const nmx_layer *l = layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(ptext("HTTP", "Summary"),
                        "Response to Client; HTTP/1.1; Status Code = 400 - Bad Request");
    assert_string_equal(ptext("HTTP", "Status Code"), "Status Code = Bad Request");
    assert_int_equal(num(inst(l, "Status Code", 0)), 400);
    assert_string_equal(ptext("HTTP", "Reason"), "Reason =Bad Request");
    assert_string_equal(ptext("HTTP", "Protocol Version"), "Protocol Version =HTTP/1.1");
    assert_string_equal(ptext("HTTP", "Content-Length"), "Content-Length =14");
    assert_string_equal(ptext("HTTP", "Date"), "Date =Wed, 14 Nov 2012 20:36:36 GMT");
    assert_string_equal(ptext("HTTP", "Data"), "Data: Number of data bytes remaining = 14 (0x000E)");
    assert_null(inst(l, "Request Method", 0));

    /* A code not in the set: the number, and the reason from the wire. */
    static const char odd[] = "HTTP/1.0 299 Whatever\r\n\r\n";
    run(&nmx_proto_http, odd, sizeof odd - 1);
    assert_string_equal(ptext("HTTP", "Status Code"), "Status Code = 299");
    assert_string_equal(ptext("HTTP", "Summary"),
                        "Response to Client; HTTP/1.0; Status Code = 299 - Whatever");
}

static void t_http_continuation(void **state)
{
    (void)state;
    /* Body bytes, a field line continuing a header, a lower-case method,
     * a request line without a version: all continuation, nothing guessed. */
    static const char *const cont[] = {
        "GIF89a\x01\x00\x01\x00",
        "Accept: */*\r\nHost: a\r\n\r\n",
        "get / HTTP/1.1\r\n\r\n" /* tchar allows it, but the version ... */ "",
        "GET /\r\n",
        "HTTP/1.1 20 OK\r\n",
        "HTTP/1.1 200OK\r\n",
        "FOO /x\r\n",
    };
    for (size_t i = 0; i < sizeof cont / sizeof cont[0]; i++) {
        size_t n = strlen(cont[i]);
        if (i == 0)
            n = 10;
        run(&nmx_proto_http, cont[i], (uint32_t)n);
        const nmx_layer *l = layer("HTTP", 0);
        if (i == 2) {
            /* "get" is a legal token: a complete request line. */
            assert_non_null(inst(l, "Request Method", 0));
            continue;
        }
        if (inst(l, "Request Method", 0) || inst(l, "Status Code", 0))
            fail_msg("continuation %zu was taken for a start line", i);
        assert_non_null(inst(l, "HTTP Data", 0));
        char want[64];
        snprintf(want, sizeof want, "Continuation data, %zu bytes", n);
        assert_string_equal(ptext("HTTP", "Summary"), want);
        assert_int_equal(l->status, NMX_LAYER_OK);
    }
}

static void t_http_segment_end(void **state)
{
    (void)state;
    /* The segment (not the capture) ends inside the request line: a known
     * method is a request start, the layer is complete (OK). */
    static const char cut[] = "POST /a/very/long/pa";
    run(&nmx_proto_http, cut, sizeof cut - 1);
    const nmx_layer *l = layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(ptext("HTTP", "Request Method"), "Request Method =POST");
    assert_string_equal(ptext("HTTP", "Uniform Resource Identifier"),
                        "Uniform Resource Identifier =/a/very/long/pa");
    assert_null(inst(l, "Protocol Version", 0));
    /* An unknown method is not taken unless its line is whole. */
    static const char cut2[] = "BREW /pot HTT";
    run(&nmx_proto_http, cut2, sizeof cut2 - 1);
    assert_null(inst(layer("HTTP", 0), "Request Method", 0));
    static const char whole2[] = "BREW /pot HTTP/1.1\r\n";
    run(&nmx_proto_http, whole2, sizeof whole2 - 1);
    assert_string_equal(ptext("HTTP", "Request Method"), "Request Method =BREW");
    /* The fields continue in the next segment: what is there is kept. */
    static const char half[] = "GET / HTTP/1.1\r\nHost: h\r\nAccept-Enc";
    run(&nmx_proto_http, half, sizeof half - 1);
    l = layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(ptext("HTTP", "Host"), "Host =h");
    assert_null(inst(l, "Data", 0));
}

static void t_http_malformed(void **state)
{
    (void)state;
    /* A field line without a colon, and one with white space before it. */
    static const char bad[] = "GET / HTTP/1.1\r\nHost: h\r\nno colon here\r\n\r\n";
    run(&nmx_proto_http, bad, sizeof bad - 1);
    const nmx_layer *l = layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_MALFORMED);
    assert_true(inst(l, "Header", 0)->IFlags & IFLAG_ERROR);
    assert_string_equal(ptext("HTTP", "Host"), "Host =h");
    static const char bad2[] = "GET / HTTP/1.1\r\nHost : h\r\n\r\n";
    run(&nmx_proto_http, bad2, sizeof bad2 - 1);
    assert_int_equal(layer("HTTP", 0)->status, NMX_LAYER_MALFORMED);
    /* obs-fold continues the field before it; bare LF line ends. */
    static const char fold[] = "GET / HTTP/1.0\nHost: a\n b\nAccept: x\n\nBODY";
    run(&nmx_proto_http, fold, sizeof fold - 1);
    l = layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(str(inst(l, "Host", 0)), "a\n b");
    assert_string_equal(ptext("HTTP", "Accept"), "Accept =x");
    assert_string_equal(ptext("HTTP", "Data"), "Data: Number of data bytes remaining = 4 (0x0004)");
    /* Control bytes in a value are escaped in the text. */
    static const char ctl[] = "GET / HTTP/1.1\r\nX-A: a\x01\\b\r\n\r\n";
    run(&nmx_proto_http, ctl, sizeof ctl - 1);
    assert_string_equal(ptext("HTTP", "Header"), "X-A =a\\x01\\x5Cb");
}

static void t_http_ports(void **state)
{
    (void)state;
    uint8_t f[600];
    size_t n = tcp_frame(f, 51000, 80, http_req, sizeof http_req - 1);
    run_frame(f, (uint32_t)n);
    assert_int_equal(nlayers_named("HTTP"), 1);
    assert_string_equal(ptext("HTTP", "Host"), "Host =www.example.com");
    n = tcp_frame(f, 8080, 51000, http_resp, sizeof http_resp - 1);
    run_frame(f, (uint32_t)n);
    assert_non_null(layer("HTTP", 0));
    n = tcp_frame(f, 51000, 8081, http_req, sizeof http_req - 1);
    run_frame(f, (uint32_t)n);
    assert_null(layer("HTTP", 0));
    /* Recognise-only mode finds the same layers. */
    frame_rec.data = copy;
    assert_int_equal(nmx_dissect(D, &frame_rec, 0, 0), NMX_OK);
    assert_null(layer("HTTP", 0));
    n = tcp_frame(f, 51000, 80, http_req, sizeof http_req - 1);
    run_frame(f, (uint32_t)n);
    assert_int_equal(nmx_dissect(D, &frame_rec, 0, 0), NMX_OK);
    assert_non_null(layer("HTTP", 0));
}

static void t_http_truncated(void **state)
{
    (void)state;
    truncate_every_byte(&nmx_proto_http, (const uint8_t *)http_req, sizeof http_req - 1);
    truncate_every_byte(&nmx_proto_http, (const uint8_t *)http_resp, sizeof http_resp - 1);
}

/* ---- TLS ------------------------------------------------------------------ */

/* A byte builder. */
typedef struct bb {
    uint8_t b[4096];
    size_t n;
} bb;

static size_t bb_u8(bb *b, unsigned v)
{
    b->b[b->n] = (uint8_t)v;
    return b->n++;
}

static size_t bb_be16(bb *b, unsigned v)
{
    size_t at = b->n;
    bb_u8(b, v >> 8);
    bb_u8(b, v);
    return at;
}

__attribute__((unused)) static size_t bb_le16(bb *b, unsigned v)
{
    size_t at = b->n;
    bb_u8(b, v);
    bb_u8(b, v >> 8);
    return at;
}

__attribute__((unused)) static size_t bb_le32(bb *b, uint32_t v)
{
    size_t at = b->n;
    bb_le16(b, v & 0xFFFFu);
    bb_le16(b, v >> 16);
    return at;
}

static void bb_bytes(bb *b, const void *p, size_t n)
{
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void bb_fill(bb *b, unsigned v, size_t n)
{
    memset(b->b + b->n, (int)v, n);
    b->n += n;
}

/* Patches a big-endian length of `width` bytes at `at`: bytes from
 * at + width to the end. */
static void bb_patch_be(bb *b, size_t at, unsigned width)
{
    size_t v = b->n - at - width;
    for (unsigned i = 0; i < width; i++)
        b->b[at + i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

/* A ClientHello record: TLS 1.2 hello, two suites, SNI, supported_versions. */
static void client_hello(bb *b, const char *sni)
{
    size_t rec = b->n;
    bb_u8(b, 22);
    bb_be16(b, 0x0301);
    bb_be16(b, 0);
    size_t hs = b->n;
    bb_u8(b, 1);
    bb_u8(b, 0), bb_be16(b, 0);
    bb_be16(b, 0x0303);
    bb_fill(b, 0x11, 32);
    bb_u8(b, 0);
    bb_be16(b, 4);
    bb_be16(b, 0xC02F);
    bb_be16(b, 0x1301);
    bb_u8(b, 1);
    bb_u8(b, 0);
    size_t xl = bb_be16(b, 0);
    bb_be16(b, 0); /* server_name */
    size_t l1 = bb_be16(b, 0);
    size_t l2 = bb_be16(b, 0);
    bb_u8(b, 0);
    bb_be16(b, (unsigned)strlen(sni));
    bb_bytes(b, sni, strlen(sni));
    bb_patch_be(b, l2, 2);
    bb_patch_be(b, l1, 2);
    bb_be16(b, 43); /* supported_versions */
    bb_be16(b, 5);
    bb_u8(b, 4);
    bb_be16(b, 0x0304);
    bb_be16(b, 0x0303);
    bb_be16(b, 23); /* extended_master_secret, empty */
    bb_be16(b, 0);
    bb_patch_be(b, xl, 2);
    bb_patch_be(b, hs + 1, 3);
    bb_patch_be(b, rec + 3, 2);
}

static void t_tls_client_hello(void **state)
{
    (void)state;
    bb b = { .n = 0 };
    client_hello(&b, "example.com");
    run(&nmx_proto_tls, b.b, (uint32_t)b.n);
    const nmx_layer *l = layer("TLS", 0);
    assert_non_null(l);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(ptext("TLS", "Summary"), "Handshake: Client Hello; Server Name = example.com");
    assert_string_equal(str(inst(l, "Server Name", 0)), "example.com");
    assert_string_equal(ptext("TLS", "Server Name"), "Server Name = example.com");
    assert_string_equal(ptext("TLS", "Content Type"), "Content Type = Handshake");
    assert_string_equal(ptext("TLS", "Record Version"), "Record Version = TLS 1.0");
    assert_string_equal(ptext("TLS", "Handshake Type"), "Handshake Type = Client Hello");
    assert_string_equal(ptext("TLS", "Client Version"), "Client Version = TLS 1.2");
    assert_string_equal(ptext("TLS", "Cipher Suites Count"), "Cipher Suites Count = 2");
    assert_int_equal(ninst(l, "Cipher Suite"), 2);
    assert_string_equal(text(inst(l, "Cipher Suite", 1)), "Cipher Suite = 0x1301");
    assert_int_equal(ninst(l, "Supported Version"), 2);
    assert_string_equal(text(inst(l, "Supported Version", 0)), "Supported Version = TLS 1.3");
    assert_int_equal(ninst(l, "Extension Type"), 3);
    assert_string_equal(text(inst(l, "Extension Type", 2)), "Extension Type = extended_master_secret");
    assert_int_equal(num(inst(l, "Handshake Length", 0)), b.n - 9);
    assert_true(nmx_property_find(nmx_protocol_find("ssl"), "sni") != 0);
}

static void t_tls_records(void **state)
{
    (void)state;
    bb b = { .n = 0 };
    /* ServerHello (TLS 1.3 via supported_versions) */
    size_t rec = b.n;
    bb_u8(&b, 22), bb_be16(&b, 0x0303), bb_be16(&b, 0);
    size_t hs = b.n;
    bb_u8(&b, 2), bb_u8(&b, 0), bb_be16(&b, 0);
    bb_be16(&b, 0x0303);
    bb_fill(&b, 0x22, 32);
    bb_u8(&b, 0);
    bb_be16(&b, 0x1301);
    bb_u8(&b, 0);
    bb_be16(&b, 6);
    bb_be16(&b, 43), bb_be16(&b, 2), bb_be16(&b, 0x0304);
    bb_patch_be(&b, hs + 1, 3);
    bb_patch_be(&b, rec + 3, 2);
    /* Change Cipher Spec, an encrypted handshake record, application data */
    bb_u8(&b, 20), bb_be16(&b, 0x0303), bb_be16(&b, 1), bb_u8(&b, 1);
    bb_u8(&b, 22), bb_be16(&b, 0x0303), bb_be16(&b, 40), bb_fill(&b, 0x01, 40);
    bb_u8(&b, 23), bb_be16(&b, 0x0303), bb_be16(&b, 16), bb_fill(&b, 0xAB, 16);
    run(&nmx_proto_tls, b.b, (uint32_t)b.n);
    const nmx_layer *l = layer("TLS", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(ptext("TLS", "Summary"),
                        "Handshake: Server Hello, Change Cipher Spec, Encrypted Handshake Message, "
                        "Application Data");
    assert_int_equal(ninst(l, "Content Type"), 4);
    assert_string_equal(ptext("TLS", "Server Version"), "Server Version = TLS 1.2");
    assert_string_equal(ptext("TLS", "Supported Version"), "Supported Version = TLS 1.3");
    assert_string_equal(ptext("TLS", "Cipher Suite"), "Cipher Suite = 0x1301");
    assert_string_equal(ptext("TLS", "Encrypted Handshake Message"),
                        "Encrypted Handshake Message: Number of data bytes remaining = 40 (0x0028)");
    assert_string_equal(ptext("TLS", "Encrypted Application Data"),
                        "Encrypted Application Data: Number of data bytes remaining = 16 (0x0010)");
    truncate_every_byte(&nmx_proto_tls, b.b, (uint32_t)b.n);

    /* A handshake record whose first message header is impossible (no
     * Change Cipher Spec before it in the segment): encrypted. */
    bb e = { .n = 0 };
    bb_u8(&e, 22), bb_be16(&e, 0x0303), bb_be16(&e, 36), bb_u8(&e, 0x7A), bb_fill(&e, 0xC3, 35);
    run(&nmx_proto_tls, e.b, (uint32_t)e.n);
    assert_string_equal(ptext("TLS", "Summary"), "Handshake: Encrypted Handshake Message");
    assert_int_equal(layer("TLS", 0)->status, NMX_LAYER_OK);
}

static void t_tls_alert_and_edges(void **state)
{
    (void)state;
    bb b = { .n = 0 };
    bb_u8(&b, 21), bb_be16(&b, 0x0303), bb_be16(&b, 2), bb_u8(&b, 2), bb_u8(&b, 40);
    run(&nmx_proto_tls, b.b, (uint32_t)b.n);
    assert_string_equal(ptext("TLS", "Summary"), "Alert (Fatal: Handshake Failure)");
    assert_string_equal(ptext("TLS", "Alert Description"), "Alert Description = Handshake Failure");
    /* + the first 3 bytes of the next record's header: partial, not an error */
    bb_u8(&b, 23), bb_be16(&b, 0x0303);
    run(&nmx_proto_tls, b.b, (uint32_t)b.n);
    const nmx_layer *l = layer("TLS", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_non_null(inst(l, "Partial Record Header", 0));
    assert_string_equal(ptext("TLS", "Summary"),
                        "Alert (Fatal: Handshake Failure); continued in the next segment");

    /* A record longer than the segment: its start, no error. */
    bb c = { .n = 0 };
    bb_u8(&c, 23), bb_be16(&c, 0x0303), bb_be16(&c, 1000), bb_fill(&c, 0x55, 20);
    run(&nmx_proto_tls, c.b, (uint32_t)c.n);
    assert_int_equal(layer("TLS", 0)->status, NMX_LAYER_OK);
    assert_string_equal(ptext("TLS", "Summary"), "Application Data; continued in the next segment");

    /* Not a record header: continuation, nothing read into it. */
    static const uint8_t cont[] = { 0x30, 0x82, 0x03, 0x10, 0x30, 0x82, 0x01, 0xF8, 0xA0, 0x03 };
    run(&nmx_proto_tls, cont, sizeof cont);
    l = layer("TLS", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(ptext("TLS", "Summary"), "Continuation Data, 10 bytes");
    assert_null(inst(l, "Content Type", 0));
    static const uint8_t big[] = { 23, 3, 3, 0x48, 0x01, 0 }; /* 18433 > 2^14 + 2048 */
    run(&nmx_proto_tls, big, sizeof big);
    assert_null(inst(layer("TLS", 0), "Content Type", 0));
    static const uint8_t v4[] = { 23, 3, 5, 0, 1, 0 };       /* version 3.5 */
    run(&nmx_proto_tls, v4, sizeof v4);
    assert_null(inst(layer("TLS", 0), "Content Type", 0));

    /* A record, then bytes that are no record: malformed. */
    bb m = { .n = 0 };
    bb_u8(&m, 23), bb_be16(&m, 0x0303), bb_be16(&m, 2), bb_u8(&m, 0), bb_u8(&m, 0);
    bb_fill(&m, 0x99, 8);
    run(&nmx_proto_tls, m.b, (uint32_t)m.n);
    assert_int_equal(layer("TLS", 0)->status, NMX_LAYER_MALFORMED);
}

static void t_tls_malformed_hello(void **state)
{
    (void)state;
    bb b = { .n = 0 };
    client_hello(&b, "a.example");
    /* Session ID length 33 (offset: record 5 + handshake 4 + version 2 + random 32). */
    bb x = b;
    x.b[5 + 4 + 2 + 32] = 33;
    run(&nmx_proto_tls, x.b, (uint32_t)x.n);
    assert_int_equal(layer("TLS", 0)->status, NMX_LAYER_MALFORMED);
    assert_true(inst(layer("TLS", 0), "Session ID Length", 0)->IFlags & IFLAG_ERROR);
    /* An odd cipher suites length. */
    x = b;
    x.b[5 + 4 + 2 + 32 + 1 + 1] = 3;
    run(&nmx_proto_tls, x.b, (uint32_t)x.n);
    assert_int_equal(layer("TLS", 0)->status, NMX_LAYER_MALFORMED);
    /* A server name longer than its list. */
    x = b;
    size_t at = 5 + 4 + 2 + 32 + 1 + 2 + 4 + 2 + 2 + 4 + 2 + 1;
    assert_int_equal(x.b[at + 1], strlen("a.example"));
    x.b[at + 1] = 200;
    run(&nmx_proto_tls, x.b, (uint32_t)x.n);
    assert_int_equal(layer("TLS", 0)->status, NMX_LAYER_MALFORMED);
    assert_null(inst(layer("TLS", 0), "Server Name", 0));
    /* The segment ends inside the hello: what is there, no error. */
    run(&nmx_proto_tls, b.b, 60);
    assert_int_equal(layer("TLS", 0)->status, NMX_LAYER_OK);
    assert_string_equal(ptext("TLS", "Summary"), "Handshake: Client Hello; continued in the next segment");
    /* Every cut of the capture. */
    truncate_every_byte(&nmx_proto_tls, b.b, (uint32_t)b.n);
}

static void t_tls_ports(void **state)
{
    (void)state;
    bb b = { .n = 0 };
    client_hello(&b, "p.example");
    static const uint16_t ports[] = { 443, 465, 636, 853, 993, 995, 8443 };
    uint8_t f[1024];
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        size_t n = tcp_frame(f, 50000, ports[i], b.b, b.n);
        run_frame(f, (uint32_t)n);
        assert_non_null(layer("TLS", 0));
        assert_string_equal(ptext("TLS", "Server Name"), "Server Name = p.example");
    }
    size_t n = tcp_frame(f, 50000, 444, b.b, b.n);
    run_frame(f, (uint32_t)n);
    assert_null(layer("TLS", 0));
}

/* ---- the shared captures against tshark -------------------------------- */

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

/* One compared field: tshark's name, our protocol, label, and how our
 * value prints the way tshark's -T fields does. */
typedef struct oracle_field {
    const char *tshark;
    const char *proto;
    const char *label;
    char form;           /* 's' string, 'd' decimal, 'x' 0x%02x   */
    const uint16_t *ports; /* TCP ports that bring frames to `proto` */
} oracle_field;

static const uint16_t http_ports[] = { 80, 8080, 0 };
static const uint16_t tls_ports[] = { 443, 465, 636, 853, 993, 995, 8443, 0 };

static const oracle_field oracle[] = {
    { "http.request.method", "HTTP", "Request Method", 's', http_ports },
    { "http.request.uri", "HTTP", "Uniform Resource Identifier", 's', http_ports },
    { "http.response.code", "HTTP", "Status Code", 'd', http_ports },
    { "http.host", "HTTP", "Host", 's', http_ports },
    { "tls.handshake.extensions_server_name", "TLS", "Server Name", 's', tls_ports },
};
#define NORACLE (sizeof oracle / sizeof oracle[0])

/* Our values of field f in the last dissection, joined with ',' as
 * tshark's -E occurrence=a does. */
static void our_values(const oracle_field *f, char *out, size_t n)
{
    size_t at = 0;
    out[0] = 0;
    for (unsigned li = 0; layer(f->proto, li); li++) {
        const nmx_layer *l = layer(f->proto, li);
        for (unsigned k = 0; inst(l, f->label, k); k++) {
            const PROPERTYINST *pi = inst(l, f->label, k);
            static char v[1 << 16];
            if (f->form == 's')
                snprintf(v, sizeof v, "%s", str(pi));
            else if (f->form == 'd')
                snprintf(v, sizeof v, "%llu", (unsigned long long)num(pi));
            else
                snprintf(v, sizeof v, "0x%02llx", (unsigned long long)num(pi));
            at += (size_t)snprintf(out + at, at < n ? n - at : 0, "%s%s", at ? "," : "", v);
        }
    }
}

/* Did this frame reach TCP with one of the ports? */
static bool on_ports(const uint16_t *ports)
{
    const nmx_layer *t = layer("TCP", 0);
    if (!t || t->caplen < 4)
        return false;
    const uint8_t *p = copy + t->offset;
    unsigned sp = (unsigned)p[0] << 8 | p[1], dp = (unsigned)p[2] << 8 | p[3];
    for (; *ports; ports++)
        if (sp == *ports || dp == *ports)
            return true;
    return false;
}

/* Compares one capture; returns the frames where at least one field had a
 * value (tshark's or ours). */
static size_t compare_capture(const char *path, size_t *diffs)
{
    char cmd[4096];
    size_t at = (size_t)snprintf(cmd, sizeof cmd,
                                 "tshark -n -o tcp.desegment_tcp_streams:FALSE -r '%s' -T fields "
                                 "-E occurrence=a -E separator=/t -e frame.number",
                                 path);
    for (size_t i = 0; i < NORACLE; i++)
        at += (size_t)snprintf(cmd + at, sizeof cmd - at, " -e %s", oracle[i].tshark);
    snprintf(cmd + at, sizeof cmd - at, " 2>/dev/null");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    nmx_capture *cap = NULL;
    assert_int_equal(nmx_capture_open(path, 0, &cap, NULL), NMX_OK);
    static char line[1 << 16];
    size_t compared = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        char *fields[1 + NORACLE];
        char *s = line;
        for (size_t i = 0; i < 1 + NORACLE; i++) {
            fields[i] = s;
            char *t = s ? strchr(s, '\t') : NULL;
            if (t)
                *t++ = 0;
            s = t;
        }
        if (!fields[NORACLE])
            continue;
        unsigned long fno = strtoul(fields[0], NULL, 10);
        nmx_frame fr;
        if (fno == 0 || nmx_capture_frame(cap, fno - 1, &fr) != NMX_OK)
            continue;
        run_frame(fr.data, fr.caplen);
        bool any = false;
        for (size_t i = 0; i < NORACLE; i++) {
            const oracle_field *f = &oracle[i];
            if (!on_ports(f->ports))
                continue; /* tshark's heuristics and other ports: not ours */
            static char ours[1 << 16];
            our_values(f, ours, sizeof ours);
            if (!*ours && !*fields[1 + i])
                continue;
            any = true;
            if (strcmp(ours, fields[1 + i]) != 0) {
                if (++*diffs <= 10)
                    print_message("%s frame %lu %s: ours \"%.200s\", tshark \"%.200s\"\n", path,
                                  fno, f->tshark, ours, fields[1 + i]);
            }
        }
        compared += any;
    }
    nmx_capture_close(cap);
    assert_int_equal(pclose(p), 0);
    return compared;
}

/* Captures and the least number of frames with a compared value in each
 * (so a dissector that stops recognising anything fails); the minimum
 * holds when the protocol that leads there (`needs`) is registered. */
static const struct {
    const char *file;
    size_t min_frames;
    const char *needs;
} oracle_files[] = {
    { "pcap/ppp_three_http_streams.pcap", 6, NULL },
    { "pcap/ppp_tls.pcap", 2, NULL },
    { "netmon/derived_netmon1_three_http_streams.cap", 6, NULL },
    { "netmon/derived_netmon2_three_http_streams.cap", 6, NULL },
    { "pcap/td_ipv4_tcp_http_xml.pcap", 1, "VLAN" },
    { "pcap/ppp_example.pcap", 20, NULL },
    { "pcap/ppp_many-protocols.pcap", 10, NULL },
    { "netmon/MS-CCROD_Example1_Win2016_X64_Win10_X64_Domain.cap", 2, NULL },
    { "netmon/MS-RMSOD_Example2_Win2016_X64_Win10_X64_Domain_v-yvrich.cap", 1, "IP6" },
    { "netmon/MS-RMSOD_Example4_Win2016_X64_Win10_X64_Domain_v-yvrich.cap", 1, "IP6" },
};

static void t_captures_vs_tshark(void **state)
{
    (void)state;
    const char *dir = captures_dir();
    if (!dir) {
        printf("SKIP: ../shared/captures not found\n");
        skip();
    }
    if (!have_tshark()) {
        printf("SKIP: tshark not installed\n");
        skip();
    }
    size_t diffs = 0;
    for (size_t i = 0; i < sizeof oracle_files / sizeof oracle_files[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, oracle_files[i].file);
        size_t n = compare_capture(path, &diffs);
        printf("# %s: %zu frames compared\n", oracle_files[i].file, n);
        const char *needs = oracle_files[i].needs;
        if (needs && !nmx_protocol_find(needs)) {
            printf("# %s: %s is not registered; its minimum is not checked\n",
                   oracle_files[i].file, needs);
            continue;
        }
        if (n < oracle_files[i].min_frames)
            fail_msg("%s: only %zu frames with values (want >= %zu)", oracle_files[i].file, n,
                     oracle_files[i].min_frames);
    }
    assert_int_equal(diffs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_http_request, setup, teardown),
        cmocka_unit_test_setup_teardown(t_http_response, setup, teardown),
        cmocka_unit_test_setup_teardown(t_http_continuation, setup, teardown),
        cmocka_unit_test_setup_teardown(t_http_segment_end, setup, teardown),
        cmocka_unit_test_setup_teardown(t_http_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(t_http_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(t_http_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(t_tls_client_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(t_tls_records, setup, teardown),
        cmocka_unit_test_setup_teardown(t_tls_alert_and_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(t_tls_malformed_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(t_tls_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(t_captures_vs_tshark, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
