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
#include "shared_captures.h"

#include "dissect/dissect_int.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"
#include "dis_test.h"

/* ---- helpers ------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    return dt_dis() ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    dt_done();
    return 0;
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
    dt_run_src(DT_FROM(&nmx_proto_http), http_req, sizeof http_req - 1, sizeof http_req - 1,
               NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("HTTP", 0);
    assert_non_null(l);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("HTTP", 0, "Summary", 0), "GET Request from Client");
    assert_string_equal(dt_ptext("HTTP", 0, "Request Method", 0), "Request Method =GET");
    assert_string_equal(dt_ptext("HTTP", 0, "Uniform Resource Identifier", 0),
                        "Uniform Resource Identifier =/index.html?q=1");
    assert_string_equal(dt_ptext("HTTP", 0, "Protocol Version", 0), "Protocol Version =HTTP/1.1");
    assert_string_equal(dt_ptext("HTTP", 0, "Host", 0), "Host =www.example.com");
    assert_string_equal(dt_str_of(dt_need_inst(l, "Host", 0)), "www.example.com");
    assert_string_equal(dt_ptext("HTTP", 0, "User-Agent", 0), "User-Agent =test/1.0");
    assert_string_equal(dt_ptext("HTTP", 0, "Cookie", 0), "Cookie =a=b");
    /* An unlisted field: the generic property, printed with its name. */
    assert_int_equal(dt_ninst(l, "Header"), 1);
    assert_string_equal(dt_ptext("HTTP", 0, "Header", 0), "X-Custom =some value");
    assert_null(dt_inst(l, "Data", 0));
    assert_null(dt_inst(l, "Status Code", 0));
    /* Labels are looked up like Network Monitor's. */
    uintptr_t h = nmx_property_find(nmx_protocol_find("http"), "request   method");
    assert_true(h != 0);
    assert_ptr_equal((void *)h, dt_need_inst(l, "Request Method", 0)->lpPropertyInfo);
    assert_true(nmx_property_find(nmx_protocol_find("HTTP"), "content-length") != 0);
}

static void t_http_response(void **state)
{
    (void)state;
    dt_run_src(DT_FROM(&nmx_proto_http), http_resp, sizeof http_resp - 1, sizeof http_resp - 1,
               NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("HTTP", 0, "Summary", 0),
                        "Response to Client; HTTP/1.1; Status Code = 400 - Bad Request");
    assert_string_equal(dt_ptext("HTTP", 0, "Status Code", 0), "Status Code = Bad Request");
    assert_int_equal(dt_num(dt_need_inst(l, "Status Code", 0)), 400);
    assert_string_equal(dt_ptext("HTTP", 0, "Reason", 0), "Reason =Bad Request");
    assert_string_equal(dt_ptext("HTTP", 0, "Protocol Version", 0), "Protocol Version =HTTP/1.1");
    assert_string_equal(dt_ptext("HTTP", 0, "Content-Length", 0), "Content-Length =14");
    assert_string_equal(dt_ptext("HTTP", 0, "Date", 0), "Date =Wed, 14 Nov 2012 20:36:36 GMT");
    assert_string_equal(dt_ptext("HTTP", 0, "Data", 0),
                        "Data: Number of data bytes remaining = 14 (0x000E)");
    assert_null(dt_inst(l, "Request Method", 0));

    /* A code not in the set: the number, and the reason from the wire. */
    static const char odd[] = "HTTP/1.0 299 Whatever\r\n\r\n";
    dt_run_src(DT_FROM(&nmx_proto_http), odd, sizeof odd - 1, sizeof odd - 1, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("HTTP", 0, "Status Code", 0), "Status Code = 299");
    assert_string_equal(dt_ptext("HTTP", 0, "Summary", 0),
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
        dt_run_src(DT_FROM(&nmx_proto_http), cont[i], (uint32_t)n, (uint32_t)n, NMX_DIS_ATTACH);
        const nmx_layer *l = dt_need_layer("HTTP", 0);
        if (i == 2) {
            /* "get" is a legal token: a complete request line. */
            assert_non_null(dt_inst(l, "Request Method", 0));
            continue;
        }
        if (dt_inst(l, "Request Method", 0) || dt_inst(l, "Status Code", 0))
            fail_msg("continuation %zu was taken for a start line", i);
        assert_non_null(dt_inst(l, "HTTP Data", 0));
        char want[64];
        snprintf(want, sizeof want, "Continuation data, %zu bytes", n);
        assert_string_equal(dt_ptext("HTTP", 0, "Summary", 0), want);
        assert_int_equal(l->status, NMX_LAYER_OK);
    }
}

static void t_http_segment_end(void **state)
{
    (void)state;
    /* The segment (not the capture) ends inside the request line: a known
     * method is a request start, the layer is complete (OK). */
    static const char cut[] = "POST /a/very/long/pa";
    dt_run_src(DT_FROM(&nmx_proto_http), cut, sizeof cut - 1, sizeof cut - 1, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("HTTP", 0, "Request Method", 0), "Request Method =POST");
    assert_string_equal(dt_ptext("HTTP", 0, "Uniform Resource Identifier", 0),
                        "Uniform Resource Identifier =/a/very/long/pa");
    assert_null(dt_inst(l, "Protocol Version", 0));
    /* An unknown method is not taken unless its line is whole. */
    static const char cut2[] = "BREW /pot HTT";
    dt_run_src(DT_FROM(&nmx_proto_http), cut2, sizeof cut2 - 1, sizeof cut2 - 1, NMX_DIS_ATTACH);
    assert_null(dt_inst(dt_need_layer("HTTP", 0), "Request Method", 0));
    static const char whole2[] = "BREW /pot HTTP/1.1\r\n";
    dt_run_src(DT_FROM(&nmx_proto_http), whole2, sizeof whole2 - 1, sizeof whole2 - 1,
               NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("HTTP", 0, "Request Method", 0), "Request Method =BREW");
    /* The fields continue in the next segment: what is there is kept. */
    static const char half[] = "GET / HTTP/1.1\r\nHost: h\r\nAccept-Enc";
    dt_run_src(DT_FROM(&nmx_proto_http), half, sizeof half - 1, sizeof half - 1, NMX_DIS_ATTACH);
    l = dt_need_layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("HTTP", 0, "Host", 0), "Host =h");
    assert_null(dt_inst(l, "Data", 0));
}

static void t_http_malformed(void **state)
{
    (void)state;
    /* A field line without a colon, and one with white space before it. */
    static const char bad[] = "GET / HTTP/1.1\r\nHost: h\r\nno colon here\r\n\r\n";
    dt_run_src(DT_FROM(&nmx_proto_http), bad, sizeof bad - 1, sizeof bad - 1, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(l, "Header", 0)->IFlags & IFLAG_ERROR);
    assert_string_equal(dt_ptext("HTTP", 0, "Host", 0), "Host =h");
    static const char bad2[] = "GET / HTTP/1.1\r\nHost : h\r\n\r\n";
    dt_run_src(DT_FROM(&nmx_proto_http), bad2, sizeof bad2 - 1, sizeof bad2 - 1, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("HTTP", 0)->status, NMX_LAYER_MALFORMED);
    /* obs-fold continues the field before it; bare LF line ends. */
    static const char fold[] = "GET / HTTP/1.0\nHost: a\n b\nAccept: x\n\nBODY";
    dt_run_src(DT_FROM(&nmx_proto_http), fold, sizeof fold - 1, sizeof fold - 1, NMX_DIS_ATTACH);
    l = dt_need_layer("HTTP", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_str_of(dt_need_inst(l, "Host", 0)), "a\n b");
    assert_string_equal(dt_ptext("HTTP", 0, "Accept", 0), "Accept =x");
    assert_string_equal(dt_ptext("HTTP", 0, "Data", 0),
                        "Data: Number of data bytes remaining = 4 (0x0004)");
    /* Control bytes in a value are escaped in the text. */
    static const char ctl[] = "GET / HTTP/1.1\r\nX-A: a\x01\\b\r\n\r\n";
    dt_run_src(DT_FROM(&nmx_proto_http), ctl, sizeof ctl - 1, sizeof ctl - 1, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("HTTP", 0, "Header", 0), "X-A =a\\x01\\x5Cb");
}

static void t_http_ports(void **state)
{
    (void)state;
    static dt_buf f;
    dt_ip_frame(&f, 6, 51000, 80, http_req, sizeof http_req - 1, "10.0.0.2");
    dt_dissect(f.b, f.n, 1);
    assert_int_equal(dt_nlayers_named("HTTP"), 1);
    assert_string_equal(dt_ptext("HTTP", 0, "Host", 0), "Host =www.example.com");
    dt_ip_frame(&f, 6, 8080, 51000, http_resp, sizeof http_resp - 1, "10.0.0.2");
    dt_dissect(f.b, f.n, 1);
    assert_non_null(dt_layer("HTTP", 0));
    dt_ip_frame(&f, 6, 51000, 8081, http_req, sizeof http_req - 1, "10.0.0.2");
    dt_dissect(f.b, f.n, 1);
    assert_null(dt_layer("HTTP", 0));
    /* Recognise-only mode finds the same layers. */
    dt_run(f.b, f.n, f.n, 1, 0);
    assert_null(dt_layer("HTTP", 0));
    dt_ip_frame(&f, 6, 51000, 80, http_req, sizeof http_req - 1, "10.0.0.2");
    dt_dissect(f.b, f.n, 1);
    dt_run(f.b, f.n, f.n, 1, 0);
    assert_non_null(dt_layer("HTTP", 0));
}

static void t_http_truncated(void **state)
{
    (void)state;
    dt_cut_everywhere(DT_FROM(&nmx_proto_http), (const uint8_t *)http_req, sizeof http_req - 1,
                      &(dt_cut_opts){ .top_never_ok = true });
    dt_cut_everywhere(DT_FROM(&nmx_proto_http), (const uint8_t *)http_resp, sizeof http_resp - 1,
                      &(dt_cut_opts){ .top_never_ok = true });
}

/* ---- TLS ------------------------------------------------------------------ */

/* A ClientHello record: TLS 1.2 hello, two suites, SNI, supported_versions. */
static void client_hello(dt_buf *b, const char *sni)
{
    size_t rec = b->n;
    dt_u8(b, 22);
    dt_be16(b, 0x0301);
    dt_be16(b, 0);
    size_t hs = b->n;
    dt_u8(b, 1);
    dt_u8(b, 0), dt_be16(b, 0);
    dt_be16(b, 0x0303);
    dt_fill(b, 0x11, 32);
    dt_u8(b, 0);
    dt_be16(b, 4);
    dt_be16(b, 0xC02F);
    dt_be16(b, 0x1301);
    dt_u8(b, 1);
    dt_u8(b, 0);
    size_t xl = dt_be16(b, 0);
    dt_be16(b, 0); /* server_name */
    size_t l1 = dt_be16(b, 0);
    size_t l2 = dt_be16(b, 0);
    dt_u8(b, 0);
    dt_be16(b, (unsigned)strlen(sni));
    dt_put(b, sni, strlen(sni));
    dt_patch_be(b, l2, 2);
    dt_patch_be(b, l1, 2);
    dt_be16(b, 43); /* supported_versions */
    dt_be16(b, 5);
    dt_u8(b, 4);
    dt_be16(b, 0x0304);
    dt_be16(b, 0x0303);
    dt_be16(b, 23); /* extended_master_secret, empty */
    dt_be16(b, 0);
    dt_patch_be(b, xl, 2);
    dt_patch_be(b, hs + 1, 3);
    dt_patch_be(b, rec + 3, 2);
}

static void t_tls_client_hello(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    client_hello(&b, "example.com");
    dt_run_src(DT_FROM(&nmx_proto_tls), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("TLS", 0);
    assert_non_null(l);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("TLS", 0, "Summary", 0),
                        "Handshake: Client Hello; Server Name = example.com");
    assert_string_equal(dt_str_of(dt_need_inst(l, "Server Name", 0)), "example.com");
    assert_string_equal(dt_ptext("TLS", 0, "Server Name", 0), "Server Name = example.com");
    assert_string_equal(dt_ptext("TLS", 0, "Content Type", 0), "Content Type = Handshake");
    assert_string_equal(dt_ptext("TLS", 0, "Record Version", 0), "Record Version = TLS 1.0");
    assert_string_equal(dt_ptext("TLS", 0, "Handshake Type", 0), "Handshake Type = Client Hello");
    assert_string_equal(dt_ptext("TLS", 0, "Client Version", 0), "Client Version = TLS 1.2");
    assert_string_equal(dt_ptext("TLS", 0, "Cipher Suites Count", 0), "Cipher Suites Count = 2");
    assert_int_equal(dt_ninst(l, "Cipher Suite"), 2);
    assert_string_equal(dt_text(dt_need_inst(l, "Cipher Suite", 1)), "Cipher Suite = 0x1301");
    assert_int_equal(dt_ninst(l, "Supported Version"), 2);
    assert_string_equal(dt_text(dt_need_inst(l, "Supported Version", 0)),
                        "Supported Version = TLS 1.3");
    assert_int_equal(dt_ninst(l, "Extension Type"), 3);
    assert_string_equal(dt_text(dt_need_inst(l, "Extension Type", 2)),
                        "Extension Type = extended_master_secret");
    assert_int_equal(dt_num(dt_need_inst(l, "Handshake Length", 0)), b.n - 9);
    assert_true(nmx_property_find(nmx_protocol_find("ssl"), "sni") != 0);
}

static void t_tls_records(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    /* ServerHello (TLS 1.3 via supported_versions) */
    size_t rec = b.n;
    dt_u8(&b, 22), dt_be16(&b, 0x0303), dt_be16(&b, 0);
    size_t hs = b.n;
    dt_u8(&b, 2), dt_u8(&b, 0), dt_be16(&b, 0);
    dt_be16(&b, 0x0303);
    dt_fill(&b, 0x22, 32);
    dt_u8(&b, 0);
    dt_be16(&b, 0x1301);
    dt_u8(&b, 0);
    dt_be16(&b, 6);
    dt_be16(&b, 43), dt_be16(&b, 2), dt_be16(&b, 0x0304);
    dt_patch_be(&b, hs + 1, 3);
    dt_patch_be(&b, rec + 3, 2);
    /* Change Cipher Spec, an encrypted handshake record, application data */
    dt_u8(&b, 20), dt_be16(&b, 0x0303), dt_be16(&b, 1), dt_u8(&b, 1);
    dt_u8(&b, 22), dt_be16(&b, 0x0303), dt_be16(&b, 40), dt_fill(&b, 0x01, 40);
    dt_u8(&b, 23), dt_be16(&b, 0x0303), dt_be16(&b, 16), dt_fill(&b, 0xAB, 16);
    dt_run_src(DT_FROM(&nmx_proto_tls), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("TLS", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("TLS", 0, "Summary", 0),
                        "Handshake: Server Hello, Change Cipher Spec, Encrypted Handshake Message, "
                        "Application Data");
    assert_int_equal(dt_ninst(l, "Content Type"), 4);
    assert_string_equal(dt_ptext("TLS", 0, "Server Version", 0), "Server Version = TLS 1.2");
    assert_string_equal(dt_ptext("TLS", 0, "Supported Version", 0), "Supported Version = TLS 1.3");
    assert_string_equal(dt_ptext("TLS", 0, "Cipher Suite", 0), "Cipher Suite = 0x1301");
    assert_string_equal(dt_ptext("TLS", 0, "Encrypted Handshake Message", 0),
                        "Encrypted Handshake Message: Number of data bytes remaining = 40 (0x0028)");
    assert_string_equal(dt_ptext("TLS", 0, "Encrypted Application Data", 0),
                        "Encrypted Application Data: Number of data bytes remaining = 16 (0x0010)");
    dt_cut_everywhere(DT_FROM(&nmx_proto_tls), b.b, (uint32_t)b.n,
                      &(dt_cut_opts){ .top_never_ok = true });

    /* A handshake record whose first message header is impossible (no
     * Change Cipher Spec before it in the segment): encrypted. */
    dt_buf e = { .n = 0 };
    dt_u8(&e, 22), dt_be16(&e, 0x0303), dt_be16(&e, 36), dt_u8(&e, 0x7A), dt_fill(&e, 0xC3, 35);
    dt_run_src(DT_FROM(&nmx_proto_tls), e.b, (uint32_t)e.n, (uint32_t)e.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("TLS", 0, "Summary", 0), "Handshake: Encrypted Handshake Message");
    assert_int_equal(dt_need_layer("TLS", 0)->status, NMX_LAYER_OK);
}

static void t_tls_alert_and_edges(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    dt_u8(&b, 21), dt_be16(&b, 0x0303), dt_be16(&b, 2), dt_u8(&b, 2), dt_u8(&b, 40);
    dt_run_src(DT_FROM(&nmx_proto_tls), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("TLS", 0, "Summary", 0), "Alert (Fatal: Handshake Failure)");
    assert_string_equal(dt_ptext("TLS", 0, "Alert Description", 0),
                        "Alert Description = Handshake Failure");
    /* + the first 3 bytes of the next record's header: partial, not an error */
    dt_u8(&b, 23), dt_be16(&b, 0x0303);
    dt_run_src(DT_FROM(&nmx_proto_tls), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("TLS", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_non_null(dt_inst(l, "Partial Record Header", 0));
    assert_string_equal(dt_ptext("TLS", 0, "Summary", 0),
                        "Alert (Fatal: Handshake Failure); continued in the next segment");

    /* A record longer than the segment: its start, no error. */
    dt_buf c = { .n = 0 };
    dt_u8(&c, 23), dt_be16(&c, 0x0303), dt_be16(&c, 1000), dt_fill(&c, 0x55, 20);
    dt_run_src(DT_FROM(&nmx_proto_tls), c.b, (uint32_t)c.n, (uint32_t)c.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("TLS", 0)->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("TLS", 0, "Summary", 0),
                        "Application Data; continued in the next segment");

    /* Not a record header: continuation, nothing read into it. */
    static const uint8_t cont[] = { 0x30, 0x82, 0x03, 0x10, 0x30, 0x82, 0x01, 0xF8, 0xA0, 0x03 };
    dt_run_src(DT_FROM(&nmx_proto_tls), cont, sizeof cont, sizeof cont, NMX_DIS_ATTACH);
    l = dt_need_layer("TLS", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("TLS", 0, "Summary", 0), "Continuation Data, 10 bytes");
    assert_null(dt_inst(l, "Content Type", 0));
    static const uint8_t big[] = { 23, 3, 3, 0x48, 0x01, 0 }; /* 18433 > 2^14 + 2048 */
    dt_run_src(DT_FROM(&nmx_proto_tls), big, sizeof big, sizeof big, NMX_DIS_ATTACH);
    assert_null(dt_inst(dt_need_layer("TLS", 0), "Content Type", 0));
    static const uint8_t v4[] = { 23, 3, 5, 0, 1, 0 };       /* version 3.5 */
    dt_run_src(DT_FROM(&nmx_proto_tls), v4, sizeof v4, sizeof v4, NMX_DIS_ATTACH);
    assert_null(dt_inst(dt_need_layer("TLS", 0), "Content Type", 0));

    /* A record, then bytes that are no record: malformed. */
    dt_buf m = { .n = 0 };
    dt_u8(&m, 23), dt_be16(&m, 0x0303), dt_be16(&m, 2), dt_u8(&m, 0), dt_u8(&m, 0);
    dt_fill(&m, 0x99, 8);
    dt_run_src(DT_FROM(&nmx_proto_tls), m.b, (uint32_t)m.n, (uint32_t)m.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("TLS", 0)->status, NMX_LAYER_MALFORMED);
}

static void t_tls_malformed_hello(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    client_hello(&b, "a.example");
    /* Session ID length 33 (offset: record 5 + handshake 4 + version 2 + random 32). */
    dt_buf x = b;
    x.b[5 + 4 + 2 + 32] = 33;
    dt_run_src(DT_FROM(&nmx_proto_tls), x.b, (uint32_t)x.n, (uint32_t)x.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("TLS", 0)->status, NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(dt_need_layer("TLS", 0), "Session ID Length", 0)->IFlags & IFLAG_ERROR);
    /* An odd cipher suites length. */
    x = b;
    x.b[5 + 4 + 2 + 32 + 1 + 1] = 3;
    dt_run_src(DT_FROM(&nmx_proto_tls), x.b, (uint32_t)x.n, (uint32_t)x.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("TLS", 0)->status, NMX_LAYER_MALFORMED);
    /* A server name longer than its list. */
    x = b;
    size_t at = 5 + 4 + 2 + 32 + 1 + 2 + 4 + 2 + 2 + 4 + 2 + 1;
    assert_int_equal(x.b[at + 1], strlen("a.example"));
    x.b[at + 1] = 200;
    dt_run_src(DT_FROM(&nmx_proto_tls), x.b, (uint32_t)x.n, (uint32_t)x.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("TLS", 0)->status, NMX_LAYER_MALFORMED);
    assert_null(dt_inst(dt_need_layer("TLS", 0), "Server Name", 0));
    /* The segment ends inside the hello: what is there, no error. */
    dt_run_src(DT_FROM(&nmx_proto_tls), b.b, 60, 60, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("TLS", 0)->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("TLS", 0, "Summary", 0),
                        "Handshake: Client Hello; continued in the next segment");
    /* Every cut of the capture. */
    dt_cut_everywhere(DT_FROM(&nmx_proto_tls), b.b, (uint32_t)b.n,
                      &(dt_cut_opts){ .top_never_ok = true });
}

static void t_tls_ports(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    client_hello(&b, "p.example");
    static const uint16_t ports[] = { 443, 465, 636, 853, 993, 995, 8443 };
    static dt_buf f;
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        dt_ip_frame(&f, 6, 50000, ports[i], b.b, b.n, "10.0.0.2");
        dt_dissect(f.b, f.n, 1);
        assert_non_null(dt_layer("TLS", 0));
        assert_string_equal(dt_ptext("TLS", 0, "Server Name", 0), "Server Name = p.example");
    }
    dt_ip_frame(&f, 6, 50000, 444, b.b, b.n, "10.0.0.2");
    dt_dissect(f.b, f.n, 1);
    assert_null(dt_layer("TLS", 0));
}

/* ---- SMB ------------------------------------------------------------------ */

/* An SMB header: command, NT status, flags, flags2, TID 5, PID 0x3DC,
 * UID 0x72, MID 0x1659 (KB303802's). */
static void smb_header(dt_buf *b, unsigned cmd, uint32_t status, unsigned flags, unsigned flags2)
{
    dt_put(b, "\xFFSMB", 4);
    dt_u8(b, cmd);
    dt_le32(b, status);
    dt_u8(b, flags);
    dt_le16(b, flags2);
    dt_le16(b, 0);
    dt_fill(b, 0, 8);
    dt_le16(b, 0);
    dt_le16(b, 5);
    dt_le16(b, 0x3DC);
    dt_le16(b, 0x72);
    dt_le16(b, 0x1659);
}

static void bb_utf16(dt_buf *b, const char *s)
{
    for (; *s; s++)
        dt_le16(b, (unsigned char)*s);
    dt_le16(b, 0);
}

static void t_smb_negotiate(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    smb_header(&b, 0x72, 0, 0x18, 0xC853);
    dt_u8(&b, 0);
    size_t bc = dt_le16(&b, 0);
    static const char *const dia[] = { "PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12" };
    for (size_t i = 0; i < 3; i++) {
        dt_u8(&b, 2);
        dt_put(&b, dia[i], strlen(dia[i]) + 1);
    }
    b.b[bc] = (uint8_t)(b.n - bc - 2);
    dt_run_src(DT_FROM(&nmx_proto_smb), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("SMB", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0), "C negotiate, Dialect = NT LM 0.12");
    assert_string_equal(dt_ptext("SMB", 0, "Command", 0), "Command = C negotiate");
    assert_int_equal(dt_num(dt_need_inst(l, "Command", 0)), 0x72);
    assert_int_equal(dt_ninst(l, "Dialect"), 3);
    assert_string_equal(dt_ptext("SMB", 0, "Tree ID      (TID)", 0),
                        "Tree ID      (TID) = 5 (0x5)");
    assert_string_equal(dt_ptext("SMB", 0, "Process ID   (PID)", 0),
                        "Process ID   (PID) = 988 (0x3DC)");
    assert_string_equal(dt_ptext("SMB", 0, "User ID      (UID)", 0),
                        "User ID      (UID) = 114 (0x72)");
    assert_string_equal(dt_ptext("SMB", 0, "Multiplex ID (MID)", 0),
                        "Multiplex ID (MID) = 5721 (0x1659)");
    assert_string_equal(dt_ptext("SMB", 0, "Header", 0),
                        "Header: PID = 0x03DC TID = 0x0005 MID = 0x1659 UID = 0x0072");
    assert_string_equal(dt_ptext("SMB", 0, "Word count", 0), "Word count = 0");
    /* Aliases without the alignment spaces. */
    struct _PROTOCOL *h = nmx_protocol_find("SMB");
    uintptr_t tid = nmx_property_find(h, "Tree ID      (TID)");
    assert_true(tid != 0);
    assert_true(nmx_property_find(h, "Tree ID (TID)") == tid);
    assert_true(nmx_property_find(h, "TID") == tid);
    assert_true(nmx_property_find(h, "MID") == nmx_property_find(h, "Multiplex ID (MID)"));
    /* Flags bits in Network Monitor's words. */
    const PROPERTYINST *f2 = dt_need_inst(l, "flags2 Summary", 0);
    assert_string_equal(dt_text(f2), "flags2 Summary = 51283 (0xC853)");
    char bit[128];
    nmx_dissect_bit_text(dt_dis(), f2, 0, bit, sizeof bit);
    assert_string_equal(bit, "...............1 = Understands long filenames");
    const PROPERTYINST *f1 = dt_need_inst(l, "Flags Summary", 0);
    unsigned nb = nmx_dissect_nbits(dt_dis(), f1);
    nmx_dissect_bit_text(dt_dis(), f1, nb - 1, bit, sizeof bit);
    assert_string_equal(bit, "0....... = Client command");
    /* Response: Dialect # */
    dt_buf r = { .n = 0 };
    smb_header(&r, 0x72, 0, 0x98, 0xC853);
    dt_u8(&r, 1);
    dt_le16(&r, 7);
    dt_le16(&r, 0);
    dt_run_src(DT_FROM(&nmx_proto_smb), r.b, (uint32_t)r.n, (uint32_t)r.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0), "R negotiate, Dialect # = 7");
    assert_string_equal(dt_ptext("SMB", 0, "Command", 0), "Command = R negotiate");
    dt_cut_everywhere(DT_FROM(&nmx_proto_smb), b.b, (uint32_t)b.n,
                      &(dt_cut_opts){ .top_never_ok = true });
}

static void t_smb_errors(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    smb_header(&b, 0xA0, 0x10C, 0x88, 0x4001);
    dt_u8(&b, 0);
    dt_le16(&b, 0);
    dt_run_src(DT_FROM(&nmx_proto_smb), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0),
                        "R NT transact - NT error, System, Success, Code = (268) STATUS_NOTIFY_ENUM_DIR");
    assert_string_equal(dt_ptext("SMB", 0, "NT status code", 0),
                        "NT status code = 0x10C, Facility = System, Severity = Success, Code = (268) "
                        "STATUS_NOTIFY_ENUM_DIR");
    assert_string_equal(dt_ptext("SMB", 0, "Command", 0), "Command = R NT transact");
    /* DOS error (flags2 without NT status): class 2, code 2242. */
    dt_buf d = { .n = 0 };
    smb_header(&d, 0x73, 0, 0x80, 0x0001);
    d.b[5] = 2;
    d.b[7] = 2242 & 0xFF;
    d.b[8] = 2242 >> 8;
    dt_u8(&d, 0);
    dt_le16(&d, 0);
    dt_run_src(DT_FROM(&nmx_proto_smb), d.b, (uint32_t)d.n, (uint32_t)d.n, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("SMB", 0);
    assert_null(dt_inst(l, "NT status code", 0));
    assert_string_equal(dt_ptext("SMB", 0, "Error class", 0), "Error class = Server Error");
    assert_string_equal(dt_ptext("SMB", 0, "Error code", 0), "Error code = 2242 (0x8C2)");
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0),
                        "R session setup & X - Server Error, Code = 2242");
    /* A message that ends after the header: malformed. */
    dt_run_src(DT_FROM(&nmx_proto_smb), d.b, 32, 32, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("SMB", 0)->status, NMX_LAYER_MALFORMED);
    /* A byte count beyond the message: malformed. */
    dt_buf e = d;
    e.b[33] = 10;
    dt_run_src(DT_FROM(&nmx_proto_smb), e.b, (uint32_t)e.n, (uint32_t)e.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("SMB", 0)->status, NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(dt_need_layer("SMB", 0), "Byte count", 0)->IFlags & IFLAG_ERROR);
}

/* C session setup & X (NTLM 0.12 without extended security) chained to
 * C tree connect & X, Unicode: KB139608's first frame. */
static size_t andx_chain(dt_buf *b)
{
    smb_header(b, 0x73, 0, 0x18, 0xC001);
    size_t ss = b->n;
    dt_u8(b, 13);
    dt_u8(b, 0x75);               /* AndXCommand */
    dt_u8(b, 0);
    size_t off = dt_le16(b, 0);   /* AndXOffset */
    dt_le16(b, 4356);             /* MaxBufferSize */
    dt_le16(b, 50);
    dt_le16(b, 0);
    dt_le32(b, 0);
    dt_le16(b, 0);                /* password lengths */
    dt_le16(b, 0);
    dt_le32(b, 0);
    dt_le32(b, 0xD4);             /* capabilities */
    size_t bc = dt_le16(b, 0);
    dt_u8(b, 0);                  /* pad */
    bb_utf16(b, "acct");
    b->b[bc] = (uint8_t)(b->n - bc - 2);
    (void)ss;
    size_t tc = b->n;
    b->b[off] = (uint8_t)tc;
    b->b[off + 1] = (uint8_t)(tc >> 8);
    dt_u8(b, 4);
    dt_u8(b, 0xFF);
    dt_u8(b, 0);
    dt_le16(b, 0);
    dt_le16(b, 0);                /* flags */
    dt_le16(b, 1);                /* password length */
    size_t bc2 = dt_le16(b, 0);
    dt_u8(b, 0);                  /* password */
    bb_utf16(b, "\\\\NTWINSPDC\\IPC$");
    dt_put(b, "IPC", 4);
    b->b[bc2] = (uint8_t)(b->n - bc2 - 2);
    return off;
}


/* When tshark is there: it reads the same SMB message (in a one-frame
 * pcap, NetBIOS session message on TCP 445) with the same commands. */
static void tshark_smb_cmds(const uint8_t *smb, size_t n, const char *want)
{
    if (!nmx_test_have_tshark()) {
        printf("# tshark not installed: AndX commands not compared\n");
        return;
    }
    uint8_t msg[4200];
    static dt_buf f;
    msg[0] = 0, msg[1] = (uint8_t)(n >> 16), msg[2] = (uint8_t)(n >> 8), msg[3] = (uint8_t)n;
    memcpy(msg + 4, smb, n);
    dt_ip_frame(&f, 6, 50000, 445, msg, n + 4, "10.0.0.2");
    size_t fl = f.n;
    char path[] = "/tmp/nmx-app2-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    uint32_t gh[6] = { 0xa1b2c3d4u, 2u | 4u << 16, 0, 0, 65535, 1 };
    uint32_t rh[4] = { 0, 0, (uint32_t)fl, (uint32_t)fl };
    fwrite(gh, sizeof gh, 1, fp);
    fwrite(rh, sizeof rh, 1, fp);
    fwrite(f.b, fl, 1, fp);
    fclose(fp);
    char cmd[256], out[256] = "";
    snprintf(cmd, sizeof cmd, "tshark -r %s -T fields -E occurrence=a -e smb.cmd 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(out, sizeof out, p))
        out[0] = 0;
    pclose(p);
    unlink(path);
    out[strcspn(out, "\n")] = 0;
    assert_string_equal(out, want);
}

static void t_smb_andx(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    size_t off = andx_chain(&b);
    dt_run_src(DT_FROM(&nmx_proto_smb), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("SMB", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_int_equal(dt_nlayers_named("SMB"), 1);
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0),
                        "C session setup & X, and C tree connect & X, Share = \\\\NTWINSPDC\\IPC$");
    assert_int_equal(dt_ninst(l, "Command"), 3);
    assert_string_equal(dt_text(dt_need_inst(l, "Command", 1)), "Command = C tree connect & X");
    assert_string_equal(dt_text(dt_need_inst(l, "Command", 2)), "Command = C no further commands");
    tshark_smb_cmds(b.b, b.n, "0x73,0x75,0xff");
    assert_int_equal(dt_ninst(l, "Word count"), 2);
    assert_string_equal(dt_text(dt_need_inst(l, "Word count", 0)), "Word count = 13");
    assert_string_equal(dt_ptext("SMB", 0, "Next offset", 0), "Next offset = 0x0048");
    assert_string_equal(dt_ptext("SMB", 0, "Share", 0), "Share = \\\\NTWINSPDC\\IPC$");
    dt_cut_everywhere(DT_FROM(&nmx_proto_smb), b.b, (uint32_t)b.n,
                      &(dt_cut_opts){ .top_never_ok = true });

    /* Hostile offsets: back to the same block (a loop), backwards into
     * the header, past the end. */
    static const unsigned bad[] = { 32, 4, 0x44, 0xFFFF };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dt_buf x = b;
        x.b[off] = (uint8_t)bad[i];
        x.b[off + 1] = (uint8_t)(bad[i] >> 8);
        dt_run_src(DT_FROM(&nmx_proto_smb), x.b, (uint32_t)x.n, (uint32_t)x.n, NMX_DIS_ATTACH);
        l = dt_need_layer("SMB", 0);
        if (l->status != NMX_LAYER_MALFORMED)
            fail_msg("AndXOffset %u not flagged", bad[i]);
        assert_true(dt_need_inst(l, "Next offset", 0)->IFlags & IFLAG_ERROR);
        assert_int_equal(dt_ninst(l, "Word count"), 1);
    }

    /* A long forward chain of logoff & X: followed up to the bound. */
    dt_buf c = { .n = 0 };
    smb_header(&c, 0x74, 0, 0x18, 0x4001);
    for (unsigned i = 0; i < 40; i++) {
        dt_u8(&c, 2);
        dt_u8(&c, 0x74);
        dt_u8(&c, 0);
        dt_le16(&c, (unsigned)(c.n + 4));
        dt_le16(&c, 0);
    }
    dt_run_src(DT_FROM(&nmx_proto_smb), c.b, (uint32_t)c.n, (uint32_t)c.n, NMX_DIS_ATTACH);
    l = dt_need_layer("SMB", 0);
    assert_int_equal(l->status, NMX_LAYER_MALFORMED);
    assert_int_equal(dt_ninst(l, "Word count"), 16);
}

static void t_smb_create_close(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    smb_header(&b, 0xA2, 0, 0x98, 0xC001);
    dt_u8(&b, 34);
    dt_u8(&b, 0xFF), dt_u8(&b, 0), dt_le16(&b, 0);
    dt_u8(&b, 0);          /* oplock */
    dt_le16(&b, 0x800);    /* FID */
    dt_fill(&b, 0, 68 - 7);
    dt_le16(&b, 0);
    dt_run_src(DT_FROM(&nmx_proto_smb), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0), "R NT create & X, FID = 0x800");
    assert_string_equal(dt_ptext("SMB", 0, "File ID (FID)", 0), "File ID (FID) = 0x0800");

    dt_buf q = { .n = 0 };
    smb_header(&q, 0xA2, 0, 0x18, 0xC001);
    dt_u8(&q, 24);
    dt_u8(&q, 0xFF), dt_u8(&q, 0), dt_le16(&q, 0);
    dt_fill(&q, 0, 44);
    size_t bc = dt_le16(&q, 0);
    dt_u8(&q, 0); /* pad to even */
    bb_utf16(&q, "\\lsarpc");
    q.b[bc] = (uint8_t)(q.n - bc - 2);
    dt_run_src(DT_FROM(&nmx_proto_smb), q.b, (uint32_t)q.n, (uint32_t)q.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0), "C NT create & X, File = \\lsarpc");

    dt_buf c = { .n = 0 };
    smb_header(&c, 0x04, 0, 0x18, 0xC001);
    dt_u8(&c, 3);
    dt_le16(&c, 0x800);
    dt_le32(&c, 0);
    dt_le16(&c, 0);
    dt_run_src(DT_FROM(&nmx_proto_smb), c.b, (uint32_t)c.n, (uint32_t)c.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0), "C close file, FID = 0x800");
    /* A mailslot transaction (the browser's announcements): its name. */
    dt_buf t = { .n = 0 };
    smb_header(&t, 0x25, 0, 0x00, 0x0000);
    dt_u8(&t, 17);
    dt_fill(&t, 0, 34);
    size_t tbc = dt_le16(&t, 0);
    dt_put(&t, "\\MAILSLOT\\BROWSE", 17);
    dt_fill(&t, 0x41, 8);
    t.b[tbc] = (uint8_t)(t.n - tbc - 2);
    dt_run_src(DT_FROM(&nmx_proto_smb), t.b, (uint32_t)t.n, (uint32_t)t.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("SMB", 0)->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0), "C transact, File = \\MAILSLOT\\BROWSE");
    assert_string_equal(dt_ptext("SMB", 0, "File name", 0), "File name = \\MAILSLOT\\BROWSE");
    /* Unknown command */
    c.b[4] = 0x99;
    dt_run_src(DT_FROM(&nmx_proto_smb), c.b, (uint32_t)c.n, (uint32_t)c.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("SMB", 0, "Summary", 0), "C 0x99");
    assert_string_equal(dt_ptext("SMB", 0, "Command", 0), "Command = C 0x99");
    /* The hand-off keys. */
    assert_ptr_equal(nmx__handoff_find(NMX_HO_SMB_MAGIC, 0xFF), &nmx_proto_smb);
    assert_ptr_equal(nmx__handoff_find(NMX_HO_SMB_MAGIC, 0xFE), &nmx_proto_smb2);
    assert_ptr_equal(nmx__handoff_find(NMX_HO_SMB_MAGIC, 0xFD), &nmx_proto_smb2);
}

/* ---- SMB2 ----------------------------------------------------------------- */

static size_t smb2_header(dt_buf *b, unsigned cmd, uint32_t status, uint32_t flags, uint64_t mid)
{
    size_t at = b->n;
    dt_put(b, "\xFESMB", 4);
    dt_le16(b, 64);
    dt_le16(b, 1);
    dt_le32(b, status);
    dt_le16(b, cmd);
    dt_le16(b, 31);
    dt_le32(b, flags);
    dt_le32(b, 0);
    dt_le32(b, (uint32_t)mid);
    dt_le32(b, (uint32_t)(mid >> 32));
    dt_le32(b, 0xFEFF);
    dt_le32(b, 0x11);
    dt_le32(b, 0x4000003D);
    dt_le32(b, 0x1800);
    dt_fill(b, 0xAA, 16);
    return at;
}

static void t_smb2_header(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    smb2_header(&b, 0, 0, 0, 0);
    dt_le16(&b, 36);
    dt_fill(&b, 0, 34);
    dt_run_src(DT_FROM(&nmx_proto_smb2), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("SMB2", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("SMB2", 0, "Summary", 0), "C NEGOTIATE");
    assert_string_equal(dt_ptext("SMB2", 0, "Command", 0), "Command = NEGOTIATE");
    assert_string_equal(dt_ptext("SMB2", 0, "Protocol Id", 0), "Protocol Id = 0xFE534D42");
    assert_string_equal(dt_ptext("SMB2", 0, "Tree Id", 0), "Tree Id = 0x00000011");
    assert_string_equal(dt_ptext("SMB2", 0, "Session Id", 0), "Session Id = 0x000018004000003D");
    assert_string_equal(dt_ptext("SMB2", 0, "Credits", 0), "Credits = 31 (0x1F)");
    assert_null(dt_inst(l, "Async Id", 0));
    assert_string_equal(dt_ptext("SMB2", 0, "Data", 0),
                        "Data: Number of data bytes remaining = 36 (0x0024)");

    /* A response, async, signed: status name, Async Id. */
    dt_buf r = { .n = 0 };
    smb2_header(&r, 3, 0, 0x0B, 7);
    dt_le16(&r, 16), dt_fill(&r, 0, 14);
    dt_run_src(DT_FROM(&nmx_proto_smb2), r.b, (uint32_t)r.n, (uint32_t)r.n, NMX_DIS_ATTACH);
    l = dt_need_layer("SMB2", 0);
    assert_string_equal(dt_ptext("SMB2", 0, "Summary", 0),
                        "R TREE_CONNECT, Status = STATUS_SUCCESS");
    assert_string_equal(dt_ptext("SMB2", 0, "Status", 0), "Status = STATUS_SUCCESS");
    assert_string_equal(dt_ptext("SMB2", 0, "Message Id", 0), "Message Id = 7 (0x7)");
    assert_non_null(dt_inst(l, "Async Id", 0));
    assert_null(dt_inst(l, "Tree Id", 0));
    const PROPERTYINST *fl = dt_need_inst(l, "Flags", 0);
    char bit[128];
    nmx_dissect_bit_text(dt_dis(), fl, 0, bit, sizeof bit);
    assert_string_equal(bit, "...............................1 = Response");
    nmx_dissect_bit_text(dt_dis(), fl, 3, bit, sizeof bit);
    assert_string_equal(bit, "............................1... = Signed");
    /* Unknown status and command. */
    r.b[8] = 0x34, r.b[9] = 0x12, r.b[10] = 0x00, r.b[11] = 0xC0;
    r.b[12] = 0x42;
    dt_run_src(DT_FROM(&nmx_proto_smb2), r.b, (uint32_t)r.n, (uint32_t)r.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("SMB2", 0, "Summary", 0), "R 0x0042, Status = 0xC0001234");
    assert_string_equal(dt_ptext("SMB2", 0, "Status", 0), "Status = 0xC0001234");
    r.b[8] = 0x22, r.b[9] = 0x00, r.b[10] = 0x00, r.b[11] = 0xC0;
    dt_run_src(DT_FROM(&nmx_proto_smb2), r.b, (uint32_t)r.n, (uint32_t)r.n, NMX_DIS_ATTACH);
    assert_string_equal(dt_ptext("SMB2", 0, "Status", 0), "Status = STATUS_ACCESS_DENIED");

    /* TREE_CONNECT request with its share. */
    dt_buf t = { .n = 0 };
    smb2_header(&t, 3, 0, 0, 4);
    dt_le16(&t, 9), dt_le16(&t, 0), dt_le16(&t, 72), dt_le16(&t, 0);
    size_t plen = t.n - 2;
    size_t p0 = t.n;
    bb_utf16(&t, "\\\\srv\\IPC$");
    t.n -= 2; /* no NUL */
    t.b[plen] = (uint8_t)(t.n - p0);
    dt_run_src(DT_FROM(&nmx_proto_smb2), t.b, (uint32_t)t.n, (uint32_t)t.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("SMB2", 0)->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("SMB2", 0, "Summary", 0), "C TREE_CONNECT, Share = \\\\srv\\IPC$");
    assert_string_equal(dt_ptext("SMB2", 0, "Share", 0), "Share = \\\\srv\\IPC$");
    t.b[plen] = 200; /* past the message */
    dt_run_src(DT_FROM(&nmx_proto_smb2), t.b, (uint32_t)t.n, (uint32_t)t.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("SMB2", 0)->status, NMX_LAYER_MALFORMED);
    /* A wrong structure size. */
    b.b[4] = 63;
    dt_run_src(DT_FROM(&nmx_proto_smb2), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("SMB2", 0)->status, NMX_LAYER_MALFORMED);
    assert_true(dt_need_inst(dt_need_layer("SMB2", 0), "Structure Size", 0)->IFlags & IFLAG_ERROR);
}

/* CREATE + QUERY_INFO + CLOSE, compounded (related). */
static void compound(dt_buf *b)
{
    size_t h1 = smb2_header(b, 5, 0, 0, 10);
    dt_le16(b, 57);
    dt_fill(b, 0, 42);
    size_t no = b->n;
    dt_le16(b, 120), dt_le16(b, 12);
    dt_le32(b, 0), dt_le32(b, 0);
    bb_utf16(b, "srvsvc");
    b->n -= 2;
    while (b->n % 8)
        dt_u8(b, 0);
    (void)no;
    b->b[h1 + 20] = (uint8_t)(b->n - h1);
    size_t h2 = smb2_header(b, 0x10, 0, 4, 11);
    dt_le16(b, 41);
    dt_fill(b, 0, 39);
    while (b->n % 8)
        dt_u8(b, 0);
    b->b[h2 + 20] = (uint8_t)(b->n - h2);
    smb2_header(b, 6, 0, 4, 12);
    dt_le16(b, 24);
    dt_fill(b, 0, 22);
}

static void t_smb2_compound(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    compound(&b);
    dt_run_src(DT_FROM(&nmx_proto_smb2), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_nlayers_named("SMB2"), 3);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(dt_need_layer("SMB2", i)->status, NMX_LAYER_OK);
    assert_string_equal(dt_text(dt_need_inst(dt_need_layer("SMB2", 0), "Summary", 0)),
                        "C CREATE, File = srvsvc");
    assert_string_equal(dt_text(dt_need_inst(dt_need_layer("SMB2", 1), "Summary", 0)),
                        "C QUERY_INFO");
    assert_string_equal(dt_text(dt_need_inst(dt_need_layer("SMB2", 2), "Summary", 0)), "C CLOSE");
    assert_string_equal(dt_text(dt_need_inst(dt_need_layer("SMB2", 0), "File Name", 0)),
                        "File Name = srvsvc");
    assert_int_equal(dt_num(dt_need_inst(dt_need_layer("SMB2", 1), "Message Id", 0)), 11);
    dt_cut_everywhere(DT_FROM(&nmx_proto_smb2), b.b, (uint32_t)b.n,
                      &(dt_cut_opts){ .top_never_ok = true });

    /* Hostile NextCommand values: inside the header, unaligned, past the
     * end: the layer is malformed and the chain stops there. */
    static const uint32_t bad[] = { 8, 63, 65, 0x7FFFFFF8 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dt_buf x = b;
        x.b[20] = (uint8_t)bad[i];
        x.b[21] = (uint8_t)(bad[i] >> 8);
        x.b[22] = (uint8_t)(bad[i] >> 16);
        x.b[23] = (uint8_t)(bad[i] >> 24);
        dt_run_src(DT_FROM(&nmx_proto_smb2), x.b, (uint32_t)x.n, (uint32_t)x.n, NMX_DIS_ATTACH);
        assert_int_equal(dt_nlayers_named("SMB2"), 1);
        assert_int_equal(dt_need_layer("SMB2", 0)->status, NMX_LAYER_MALFORMED);
    }
    /* 60 headers each pointing to the next: bounded by the layer limit,
     * every layer sound. */
    dt_buf c = { .n = 0 };
    for (unsigned i = 0; i < 60; i++) {
        size_t h = smb2_header(&c, 0x0D, 0, 4, i);
        c.b[h + 20] = i + 1 < 60 ? 64 : 0;
    }
    dt_run_src(DT_FROM(&nmx_proto_smb2), c.b, (uint32_t)c.n, (uint32_t)c.n, NMX_DIS_ATTACH);
    unsigned n = dt_nlayers_named("SMB2");
    assert_true(n >= 16 && n <= 32);
    assert_int_equal(n, nmx_dissect_nlayers(dt_dis()));
}

static void t_smb2_transform(void **state)
{
    (void)state;
    dt_buf b = { .n = 0 };
    dt_put(&b, "\xFDSMB", 4);
    dt_fill(&b, 0x5A, 16);
    dt_fill(&b, 0x6B, 16);
    dt_le32(&b, 120);
    dt_le16(&b, 0);
    dt_le16(&b, 1);
    dt_le32(&b, 0x5), dt_le32(&b, 0x400);
    dt_fill(&b, 0x77, 120);
    dt_run_src(DT_FROM(&nmx_proto_smb2), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    const nmx_layer *l = dt_need_layer("SMB2", 0);
    assert_int_equal(l->status, NMX_LAYER_OK);
    assert_string_equal(dt_ptext("SMB2", 0, "Summary", 0),
                        "Encrypted message, Session Id = 0x0000040000000005, Original size = 120");
    assert_string_equal(dt_ptext("SMB2", 0, "Encrypted Data", 0),
                        "Encrypted Data: Number of data bytes remaining = 120 (0x0078)");
    assert_null(dt_inst(l, "Command", 0));
    dt_cut_everywhere(DT_FROM(&nmx_proto_smb2), b.b, (uint32_t)b.n,
                      &(dt_cut_opts){ .top_never_ok = true });
    b.b[36] = 121; /* more than there is */
    dt_run_src(DT_FROM(&nmx_proto_smb2), b.b, (uint32_t)b.n, (uint32_t)b.n, NMX_DIS_ATTACH);
    assert_int_equal(dt_need_layer("SMB2", 0)->status, NMX_LAYER_MALFORMED);
}

/* ---- random damage -------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Every instance's text and bit lines of the last dissection (what an
 * expert may ask for), and the statuses in range. */
static void touch_everything(void)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(dt_dis());
    for (unsigned i = 0; i < nmx_dissect_nlayers(dt_dis()); i++) {
        const nmx_layer *l = nmx_dissect_layer(dt_dis(), i);
        assert_true(l->status <= NMX_LAYER_MALFORMED);
    }
    if (!pt)
        return;
    for (uint32_t i = 0; i < pt->nTotalPropertyInsts; i++) {
        const PROPERTYINST *pi = &pt->lpFirstPropertyInst[i];
        char b[300];
        size_t whole = nmx_dissect_text(dt_dis(), pi, b, sizeof b);
        /* Cut as snprintf cuts: exactly the first n - 1 bytes, even inside
         * an escape sequence. */
        for (size_t n = 1; n < 40; n += 3) {
            nmx_dissect_text(dt_dis(), pi, b, n);
            assert_int_equal(strlen(b), whole < n ? whole : n - 1);
        }
        for (unsigned k = 0; k < nmx_dissect_nbits(dt_dis(), pi); k++)
            nmx_dissect_bit_text(dt_dis(), pi, k, b, sizeof b);
    }
}

/* Base messages damaged at random (bytes changed, lengths cut), each run
 * in both modes from an exact-size dt_data(): a sanitizer build sees any read
 * outside it. */
static void t_random_damage(void **state)
{
    (void)state;
    dt_buf msgs[8];
    const nmx_protocol *protos[8];
    size_t nm = 0;
    memset(msgs, 0, sizeof msgs);
    dt_put(&msgs[nm], http_req, sizeof http_req - 1), protos[nm++] = &nmx_proto_http;
    dt_put(&msgs[nm], http_resp, sizeof http_resp - 1), protos[nm++] = &nmx_proto_http;
    client_hello(&msgs[nm], "fuzz.example"), protos[nm++] = &nmx_proto_tls;
    andx_chain(&msgs[nm]), protos[nm++] = &nmx_proto_smb;
    compound(&msgs[nm]), protos[nm++] = &nmx_proto_smb2;
    smb_header(&msgs[nm], 0x72, 0, 0x18, 0xC853);
    dt_u8(&msgs[nm], 0), dt_le16(&msgs[nm], 12), dt_u8(&msgs[nm], 2);
    dt_put(&msgs[nm], "NT LM 0.12", 11), protos[nm++] = &nmx_proto_smb;
    for (size_t m = 0; m < nm; m++) {
        for (unsigned it = 0; it < 3000; it++) {
            dt_buf x = msgs[m];
            unsigned nchg = 1 + rnd() % 4;
            for (unsigned k = 0; k < nchg; k++) {
                uint32_t at = rnd() % (uint32_t)x.n;
                /* lengths and counts live in small values: favour them */
                x.b[at] = (uint8_t)(rnd() % 3 == 0 ? rnd() % 8 : rnd() % 3 == 0 ? 0xFF : rnd());
            }
            uint32_t cap = rnd() % 4 == 0 ? rnd() % (uint32_t)(x.n + 1) : (uint32_t)x.n;
            /* Both modes must find the same layers with the same
             * statuses (docs/dissectors.md, "The driver"). */
            const char *name[32];
            nmx_layer_status st[32];
            unsigned nl = 0;
            for (int attach = 0; attach < 2; attach++) {
                dt_run_src(DT_FROM(protos[m]), x.b, cap, (uint32_t)x.n,
                           attach ? NMX_DIS_ATTACH : 0);
                touch_everything();
                unsigned n = nmx_dissect_nlayers(dt_dis());
                assert_true(n <= 32);
                if (!attach) {
                    nl = n;
                    for (unsigned i = 0; i < n; i++) {
                        name[i] = nmx_dissect_layer(dt_dis(), i)->name;
                        st[i] = nmx_dissect_layer(dt_dis(), i)->status;
                    }
                    continue;
                }
                assert_int_equal(n, nl);
                for (unsigned i = 0; i < n; i++) {
                    const nmx_layer *l = nmx_dissect_layer(dt_dis(), i);
                    if (l->name != name[i] || l->status != st[i]) {
                        print_message("message %zu, iteration %u, layer %u (%s): status %d without "
                                      "properties, %d with\n",
                                      m, it, i, name[i], (int)st[i], (int)l->status);
                        fail();
                    }
                }
            }
        }
    }
}

/* ---- the shared captures against tshark -------------------------------- */

/* One compared field: tshark's name, our protocol, label, and how our
 * value prints the way tshark's -T fields does. */
typedef struct oracle_field {
    const char *tshark;
    const char *proto;
    const char *label;
    char form;           /* 's' string, 'd' decimal, 'x' 0x%02x   */
    const uint16_t *ports; /* TCP ports that bring frames to `proto` */
    const char *via;     /* the protocol between TCP and `proto`, if any */
} oracle_field;

static const uint16_t http_ports[] = { 80, 8080, 0 };
static const uint16_t tls_ports[] = { 443, 465, 636, 853, 993, 995, 8443, 0 };
static const uint16_t smb_ports[] = { 139, 445, 0 };

static const oracle_field oracle[] = {
    { "http.request.method", "HTTP", "Request Method", 's', http_ports, NULL },
    { "http.request.uri", "HTTP", "Uniform Resource Identifier", 's', http_ports, NULL },
    { "http.response.code", "HTTP", "Status Code", 'd', http_ports, NULL },
    { "http.host", "HTTP", "Host", 's', http_ports, NULL },
    { "tls.handshake.extensions_server_name", "TLS", "Server Name", 's', tls_ports, NULL },
    { "smb.cmd", "SMB", "Command", 'x', smb_ports, "NBT" },
    { "smb2.cmd", "SMB2", "Command", 'd', smb_ports, "NBT" },
};
#define NORACLE (sizeof oracle / sizeof oracle[0])

/* Our values of field f in the last dissection, joined with ',' as
 * tshark's -E occurrence=a does. */
static void our_values(const oracle_field *f, char *out, size_t n)
{
    size_t at = 0;
    out[0] = 0;
    for (unsigned li = 0; dt_layer(f->proto, li); li++) {
        const nmx_layer *l = dt_layer(f->proto, li);
        for (unsigned k = 0; dt_inst(l, f->label, k); k++) {
            const PROPERTYINST *pi = dt_inst(l, f->label, k);
            static char v[1 << 16];
            if (f->form == 's')
                snprintf(v, sizeof v, "%s", dt_str_of(pi));
            else if (f->form == 'd')
                snprintf(v, sizeof v, "%llu", (unsigned long long)dt_num(pi));
            else
                snprintf(v, sizeof v, "0x%02llx", (unsigned long long)dt_num(pi));
            at += (size_t)snprintf(out + at, at < n ? n - at : 0, "%s%s", at ? "," : "", v);
        }
    }
}

/* Did this frame reach TCP with one of the ports? */
static bool on_ports(const uint16_t *ports)
{
    const nmx_layer *t = dt_layer("TCP", 0);
    if (!t || t->caplen < 4)
        return false;
    const uint8_t *p = dt_data() + t->offset;
    unsigned sp = (unsigned)p[0] << 8 | p[1], dp = (unsigned)p[2] << 8 | p[3];
    for (; *ports; ports++)
        if (sp == *ports || dp == *ports)
            return true;
    return false;
}

/* Compares one capture; returns the frames where at least one field had a
 * value (tshark's or ours). tshark runs as the dissectors here work: every
 * TCP segment by itself (no reassembly: tcp.desegment_tcp_streams), and a
 * retransmitted segment dissected like any other (tshark does not hand a
 * segment it judged a retransmission to HTTP or SMB2 unless
 * tcp.analyze_sequence_numbers is off; telling retransmissions is the TCP
 * Retransmit expert's business, not a parser's). */
static size_t compare_capture(const char *path, size_t *diffs)
{
    char cmd[4096];
    size_t at = (size_t)snprintf(cmd, sizeof cmd,
                                 "tshark -n -o tcp.desegment_tcp_streams:FALSE "
                                 "-o tcp.analyze_sequence_numbers:FALSE -r '%s' -T fields "
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
        dt_dissect(fr.data, fr.caplen, 1);
        /* Documented difference: an IPv6 Payload Length of 0 with no jumbo
         * option is a capture taken before segmentation offload (as an IPv4
         * Total Length of 0 is); we read the datagram to the frame's end,
         * tshark stops at the IPv6 header. Such frames are not compared. */
        const nmx_layer *v6 = dt_layer("IP6", 0);
        if (v6 && v6->caplen >= 6 && dt_data()[v6->offset + 4] == 0 && dt_data()[v6->offset + 5] == 0) {
            printf("# %s frame %lu: IPv6 Payload Length 0 (offload): not compared\n", path, fno);
            continue;
        }
        bool any = false;
        for (size_t i = 0; i < NORACLE; i++) {
            const oracle_field *f = &oracle[i];
            if (!on_ports(f->ports))
                continue; /* tshark's heuristics and other ports: not ours */
            if (f->via && !nmx_protocol_find(f->via))
                continue; /* nothing brings frames here yet */
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
    { "netmon/MS-ADOD_Example1_4_Win2016_X64_Win2016_X64_Domain_UnjoiningADomainMember.cap", 60, "NBT" },
    { "netmon/MS-ADOD_Example2_4_Win2016_X64_Win2016_X64_Domain_ChangeAUserAccountsPassword.cap", 40, "NBT" },
    { "netmon/MS-AUTHSOD_Example3-1_Win2016_X64_Win2016_X64_Domain.cap", 30, "NBT" },
    { "netmon/MS-WSUSOD_Example1_W2K16_X64_W2K16_X64_Domain.cap", 30, "NBT" },
    { "netmon/MS-RMSOD_Example2_Win2016_X64_Win10_X64_Domain_v-yvrich.cap", 1, "IP6" },
    { "netmon/MS-RMSOD_Example4_Win2016_X64_Win10_X64_Domain_v-yvrich.cap", 1, "IP6" },
};

/* ---- golden texts of real frames ------------------------------------------- */

/* The detail lines of the first layer `proto` of frame `fno` (1-based) of
 * a shared capture, as `nmexpert dissect` prints them; NULL when the
 * capture is absent. */
static const char *detail(const char *file, unsigned long fno, const char *proto)
{
    static char out[1 << 15];
    const char *dir = nmx_test_captures_dir();
    if (!dir)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    nmx_capture *cap = NULL;
    assert_int_equal(nmx_capture_open(path, 0, &cap, NULL), NMX_OK);
    nmx_frame fr;
    assert_int_equal(nmx_capture_frame(cap, fno - 1, &fr), NMX_OK);
    dt_dissect(fr.data, fr.caplen, 1);
    nmx_capture_close(cap);
    const nmx_layer *l = dt_need_layer(proto, 0);
    size_t at = 0;
    PROPERTYTABLE *pt = nmx_dissect_properties(dt_dis());
    for (uint32_t i = 0; pt && i < l->ninst; i++) {
        const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + i];
        char t[1024];
        nmx_dissect_text(dt_dis(), pi, t, sizeof t);
        at += (size_t)snprintf(out + at, sizeof out - at, "%*s%s: %s\n", 4 * pi->Level, "", proto, t);
    }
    return out;
}

static void assert_golden(const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return;
    /* Print the first differing line of each. */
    const char *g = got, *w = want;
    while (*g && *g == *w)
        g++, w++;
    while (g > got && g[-1] != '\n')
        g--, w--;
    fail_msg("golden text differs:\n  got:  %.*s\n  want: %.*s", (int)strcspn(g, "\n"), g,
             (int)strcspn(w, "\n"), w);
}

static void t_golden(void **state)
{
    (void)state;
    if (!nmx_test_captures_dir()) {
        printf("SKIP: ../shared/captures not found\n");
        skip();
    }
    /* IIS400's Network Monitor lines show the same shapes:
     * "HTTP: Response to Client; HTTP/1.1; Status Code = 400 - Bad Request",
     * "HTTP: Status Code = Bad Request", "HTTP: Reason =Bad Request",
     * "HTTP: Content-Length =44", "HTTP: Data: Number of data bytes ...". */
    assert_golden(detail("pcap/ppp_three_http_streams.pcap", 13, "HTTP"),
        "HTTP: Response to Client; HTTP/1.1; Status Code = 200 - OK\n"
        "    HTTP: Protocol Version =HTTP/1.1\n"
        "    HTTP: Status Code = OK\n"
        "    HTTP: Reason =OK\n"
        "    HTTP: Date =Tue, 26 Feb 2013 22:02:37 GMT\n"
        "    HTTP: P3P =policyref=\"http://info.yahoo.com/w3c/p3p.xml\", CP=\"CAO DSP COR CUR ADM "
        "DEV TAI PSA PSD IVAi IVDi CONi TELo OTPi OUR DELi SAMi OTRi UNRi PUBi IND PHY ONL UNI PUR "
        "FIN COM NAV INT DEM CNT STA POL HEA PRE LOC GOV\"\n"
        "    HTTP: Cache-Control =no-cache, no-store, private\n"
        "    HTTP: Pragma =no-cache\n"
        "    HTTP: Content-Length =43\n"
        "    HTTP: Connection =close\n"
        "    HTTP: Content-Type =image/gif\n"
        "    HTTP: Data: Number of data bytes remaining = 43 (0x002B)\n");
    assert_golden(detail("pcap/ppp_three_http_streams.pcap", 9, "HTTP"),
        "HTTP: GET Request from Client\n"
        "    HTTP: Request Method =GET\n"
        "    HTTP: Uniform Resource Identifier =/\n"
        "    HTTP: Protocol Version =HTTP/1.1\n"
        "    HTTP: User-Agent =Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_3) AppleWebKit/534.55.3 "
        "(KHTML, like Gecko) Version/5.1.3 Safari/534.53.10\n"
        "    HTTP: Accept =text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\n"
        "    HTTP: Referer =http://www.bowlsbybruno.com/\n"
        "    HTTP: Cookie =BX=6l0vgh18iqc6k&b=3&s=a5\n"
        "    HTTP: Connection =Keep-Alive\n"
        "    HTTP: Accept-Encoding =gzip\n"
        "    HTTP: Accept-Language =en,*\n"
        "    HTTP: Host =www.bowlsbybruno.com\n");
    assert_golden(detail("pcap/ppp_tls.pcap", 2, "TLS"),
        "TLS: Handshake: Server Hello, Certificate, Server Hello Done\n"
        "    TLS: Content Type = Handshake\n"
        "    TLS: Record Version = TLS 1.0\n"
        "    TLS: Record Length = 53 (0x35)\n"
        "        TLS: Handshake Type = Server Hello\n"
        "        TLS: Handshake Length = 49 (0x31)\n"
        "        TLS: Server Version = TLS 1.0\n"
        "        TLS: Random = 50 83 9c 9f e3 bf 7e 91 75 dc e3 71 6a db 1b e4 c8 16 9f 24 f7 c4 "
        "a0 12 2c b4 5f df b5 2f d7 76\n"
        "        TLS: Session ID Length = 0 (0x0)\n"
        "        TLS: Cipher Suite = 0x0005\n"
        "        TLS: Compression Method = 0 (0x0)\n"
        "        TLS: Extensions Length = 9 (0x9)\n"
        "            TLS: Extension Type = renegotiation_info\n"
        "            TLS: Extension Length = 1 (0x1)\n"
        "            TLS: Extension Data = 00\n"
        "            TLS: Extension Type = session_ticket\n"
        "            TLS: Extension Length = 0 (0x0)\n"
        "    TLS: Content Type = Handshake\n"
        "    TLS: Record Version = TLS 1.0\n"
        "    TLS: Record Length = 758 (0x2F6)\n"
        "        TLS: Handshake Type = Certificate\n"
        "        TLS: Handshake Length = 754 (0x2F2)\n"
        "        TLS: Handshake Data: Number of data bytes remaining = 754 (0x02F2)\n"
        "    TLS: Content Type = Handshake\n"
        "    TLS: Record Version = TLS 1.0\n"
        "    TLS: Record Length = 4 (0x4)\n"
        "        TLS: Handshake Type = Server Hello Done\n"
        "        TLS: Handshake Length = 0 (0x0)\n");
    if (!nmx_protocol_find("NBT")) {
        printf("# NBT is not registered: no golden SMB2 frame\n");
        return;
    }
    assert_golden(detail("netmon/MS-ADOD_Example1_4_Win2016_X64_Win2016_X64_Domain_UnjoiningADomainMember.cap",
                         14, "SMB2"),
        "SMB2: R TREE_CONNECT, Status = STATUS_SUCCESS\n"
        "    SMB2: Protocol Id = 0xFE534D42\n"
        "    SMB2: Structure Size = 64 (0x40)\n"
        "    SMB2: Credit Charge = 1 (0x1)\n"
        "    SMB2: Status = STATUS_SUCCESS\n"
        "    SMB2: Command = TREE_CONNECT\n"
        "    SMB2: Credits = 1 (0x1)\n"
        "    SMB2: Flags = 25 (0x19)\n"
        "    SMB2: Next Command = 0 (0x0)\n"
        "    SMB2: Message Id = 3 (0x3)\n"
        "    SMB2: Process Id = 0x0000FEFF\n"
        "    SMB2: Tree Id = 0x00000001\n"
        "    SMB2: Session Id = 0x000018000400003D\n"
        "    SMB2: Signature = b7 79 e9 97 52 6d 09 a8 8d 09 b5 d2 66 bb 7a 7b\n"
        "    SMB2: Data: Number of data bytes remaining = 16 (0x0010)\n");
}

static void t_captures_vs_tshark(void **state)
{
    (void)state;
    const char *dir;
    NMX_TEST_CAPTURES_AND_TSHARK(dir);
    size_t diffs = 0;
    for (size_t i = 0; i < NORACLE; i++)
        if (oracle[i].via && !nmx_protocol_find(oracle[i].via))
            printf("# %s not compared: %s is not registered\n", oracle[i].tshark, oracle[i].via);
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
        cmocka_unit_test_setup_teardown(t_smb_negotiate, setup, teardown),
        cmocka_unit_test_setup_teardown(t_smb_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(t_smb_andx, setup, teardown),
        cmocka_unit_test_setup_teardown(t_smb_create_close, setup, teardown),
        cmocka_unit_test_setup_teardown(t_smb2_header, setup, teardown),
        cmocka_unit_test_setup_teardown(t_smb2_compound, setup, teardown),
        cmocka_unit_test_setup_teardown(t_smb2_transform, setup, teardown),
        cmocka_unit_test_setup_teardown(t_random_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(t_golden, setup, teardown),
        cmocka_unit_test_setup_teardown(t_captures_vs_tshark, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
