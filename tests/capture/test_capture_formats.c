/*
 * test_capture_formats.c: hand-built files of every format and version read
 * field by field; writers round-tripped through the readers; refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture_test_util.h"

#define NS INT64_C(1000000000)

/* ---- pcap ------------------------------------------------------------------- */

static void build_pcap(tbuf *b, bool be, bool nano, uint16_t vminor, uint32_t linktype)
{
    tb_init(b, be);
    tb_u32(b, nano ? 0xa1b23c4d : 0xa1b2c3d4);
    tb_u16(b, 2);
    tb_u16(b, vminor);
    tb_u32(b, 0);
    tb_u32(b, 0);
    tb_u32(b, 65535);
    tb_u32(b, linktype);
    uint8_t data[300];
    for (uint32_t k = 0; k < 3; k++) {
        uint32_t caplen = 60 + 100 * k, wirelen = caplen + k * 10;
        fill_payload(data, caplen, k);
        tb_u32(b, 1700000000u + k);
        tb_u32(b, nano ? 123456789u + k : 123456u + k);
        if (vminor < 3) {   /* old files: original length first */
            tb_u32(b, wirelen);
            tb_u32(b, caplen);
        } else {
            tb_u32(b, caplen);
            tb_u32(b, wirelen);
        }
        tb_bytes(b, data, caplen);
    }
}

static void check_pcap_frames(const nmx_capture *cap, bool nano, uint32_t linktype)
{
    assert_int_equal(nmx_capture_frame_count(cap), 3);
    for (uint32_t k = 0; k < 3; k++) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, k, &f), NMX_OK);
        assert_int_equal(f.caplen, 60 + 100 * k);
        assert_int_equal(f.wirelen, 60 + 100 * k + k * 10);
        int64_t want = (1700000000 + (int64_t)k) * NS + (nano ? 123456789 + k : (123456 + k) * 1000);
        assert_int_equal(f.ts_ns, want);
        assert_int_equal(f.linktype, linktype);
        assert_int_equal(f.mac_type, linktype == 1 ? 1 : 0);
        assert_null(f.comment);
        assert_null(f.netmon_record);
        for (uint32_t i = 0; i < f.caplen; i++)
            assert_int_equal(f.data[i], payload_byte(k, i));
    }
}

static void test_pcap_variants(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++)
        for (int nano = 0; nano < 2; nano++) {
            tbuf b;
            build_pcap(&b, be, nano, 4, 1);
            nmx_capture *cap = open_ok(b.p, b.len, 0);
            check_pcap_frames(cap, nano, 1);
            char want[64];
            snprintf(want, sizeof want, "pcap (%s, %s)", nano ? "ns" : "\xc2\xb5s",
                     be ? "big-endian" : "little-endian");
            assert_string_equal(nmx_capture_format_name(cap), want);
            assert_int_equal(nmx_capture_get_format(cap), NMX_FORMAT_PCAP);
            assert_int_equal(nmx_capture_warning_count(cap), 0);
            assert_int_equal(nmx_capture_mac_type(cap), 1);
            nmx_interface ifc;
            assert_int_equal(nmx_capture_interface_count(cap), 1);
            assert_int_equal(nmx_capture_interface(cap, 0, &ifc), NMX_OK);
            assert_int_equal(ifc.linktype, 1);
            assert_int_equal(ifc.snaplen, 65535);
            assert_int_equal(ifc.tsresol, nano ? 9 : 6);
            int64_t start;
            assert_int_equal(nmx_capture_start_time(cap, &start), NMX_OK);
            assert_int_equal(start, 1700000000 * NS + (nano ? 123456789 : 123456000));
            uint32_t lts[4];
            assert_int_equal(nmx_capture_linktypes(cap, lts, 4), 1);
            assert_int_equal(lts[0], 1);
            nmx_capture_close(cap);
            tb_free(&b);
        }
}

/* Record headers longer than 16 bytes (old patched tcpdumps; editcap -F
 * modpcap, suse6_3pcap, rh6_1pcap, nokiapcap): the extra bytes are skipped.
 * Only the first records tell the layouts apart. */
static void build_pcap_ext(tbuf *b, bool be, uint32_t magic, unsigned extra, unsigned frames)
{
    tb_init(b, be);
    tp_header(b, magic, 1);
    uint8_t data[300];
    for (uint32_t k = 0; k < frames; k++) {
        uint32_t caplen = 60 + 100 * k, wirelen = caplen + k * 10;
        fill_payload(data, caplen, k);
        tb_u32(b, 1700000000u + k);
        tb_u32(b, 123456u + k);
        tb_u32(b, caplen);
        tb_u32(b, wirelen);
        for (unsigned i = 0; i < extra; i++) /* interface index, protocol... */
            tb_u8(b, (uint8_t)(0xE0 + i));
        tb_bytes(b, data, caplen);
    }
}

static void test_pcap_record_variants(void **state)
{
    (void)state;
    static const struct {
        uint32_t magic;
        unsigned extra;
        const char *name;
        bool first; /* the layout a file of this magic is read with unless proven otherwise */
    } v[] = {
        { 0xa1b2cd34, 8, "modified, 24-byte records", true },
        { 0xa1b2cd34, 12, "modified, SuSE 6.3 records", false },
        { 0xa1b2c3d4, 8, "24-byte records", false },
        { 0xa1b2c3d4, 4, "Nokia records", false },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        for (int be = 0; be < 2; be++) {
            tbuf b;
            char want[80];
            snprintf(want, sizeof want, "pcap (\xc2\xb5s, %s, %s)", be ? "big-endian" : "little-endian",
                     v[i].name);
            nmx_capture *cap;
            for (unsigned frames = 3; frames >= 2; frames--) { /* two are enough to tell */
                build_pcap_ext(&b, be, v[i].magic, v[i].extra, frames);
                cap = open_ok(b.p, b.len, 0);
                assert_int_equal(nmx_capture_frame_count(cap), frames);
                if (frames == 3)
                    check_pcap_frames(cap, false, 1);
                assert_string_equal(nmx_capture_format_name(cap), want);
                assert_int_equal(nmx_capture_warning_count(cap), 0);
                nmx_capture_close(cap);
                tb_free(&b);
            }
            /* one frame cannot be told from a truncated file of the magic's
             * first layout: read that way, with a truncation warning */
            build_pcap_ext(&b, be, v[i].magic, v[i].extra, 1);
            cap = open_ok(b.p, b.len, 0);
            assert_int_equal(nmx_capture_frame_count(cap), 1);
            nmx_frame f;
            assert_int_equal(nmx_capture_frame(cap, 0, &f), NMX_OK);
            if (v[i].first) {
                assert_string_equal(nmx_capture_format_name(cap), want);
                assert_int_equal(nmx_capture_warning_count(cap), 0);
                assert_int_equal(f.caplen, 60);
                assert_int_equal(f.data[0], payload_byte(0, 0));
            } else {
                assert_null(strstr(nmx_capture_format_name(cap), v[i].name));
                assert_true(nmx_capture_warning_count(cap) > 0);
            }
            nmx_capture_close(cap);
            tb_free(&b);
        }
    /* a usual file keeps the usual layout even when its bytes would also
     * chain another way: the usual layout is tried first */
    tbuf b;
    build_pcap(&b, false, false, 4, 1);
    nmx_capture *cap = open_ok(b.p, b.len, 0);
    assert_string_equal(nmx_capture_format_name(cap), "pcap (\xc2\xb5s, little-endian)");
    nmx_capture_close(cap);
    /* no layout chains (the second record's length is damaged): the usual
     * reading, with its damage warning after the first frame */
    tb_set_u32(&b, 24 + 16 + 60 + 8, 5000000);
    cap = open_ok(b.p, b.len, 0);
    assert_string_equal(nmx_capture_format_name(cap), "pcap (\xc2\xb5s, little-endian)");
    assert_int_equal(nmx_capture_frame_count(cap), 1);
    assert_true(nmx_capture_warning_count(cap) > 0);
    nmx_capture_close(cap);
    tb_free(&b);
}

static void test_pcap_versions(void **state)
{
    (void)state;
    /* 2.2: lengths in the old order */
    tbuf b;
    build_pcap(&b, false, false, 2, 113);
    nmx_capture *cap = open_ok(b.p, b.len, 0);
    check_pcap_frames(cap, false, 113);
    assert_int_equal(nmx_capture_warning_count(cap), 1);
    assert_non_null(strstr(nmx_capture_warning(cap, 0)->msg, "pcap version 2.2"));
    nmx_capture_close(cap);
    tb_free(&b);
    /* 2.5 (libpcap refuses, tshark reads): read as 2.4 with a warning */
    build_pcap(&b, false, false, 5, 1);
    cap = open_ok(b.p, b.len, 0);
    check_pcap_frames(cap, false, 1);
    assert_int_equal(nmx_capture_warning_count(cap), 1);
    assert_int_equal(nmx_capture_warning(cap, 0)->offset, 6);
    nmx_capture_close(cap);
    /* major 1: refused */
    b.p[4] = 1;
    nmx_diag d;
    assert_int_equal(nmx_capture_open_memory(b.p, b.len, "v1.pcap", 0, &cap, &d), NMX_EUNSUPPORTED);
    assert_null(cap);
    assert_int_equal(d.offset, 4);
    assert_int_equal(d.value, 1);
    assert_int_equal(d.limit, 2);
    assert_non_null(strstr(d.msg, "v1.pcap: offset 4: pcap version 1.5 unsupported"));
    tb_free(&b);
    /* link type with reserved bits: refused like tshark */
    build_pcap(&b, false, false, 4, 0x00300001);
    assert_int_equal(nmx_capture_open_memory(b.p, b.len, "lt.pcap", 0, &cap, &d), NMX_ECORRUPT);
    assert_int_equal(d.offset, 20);
    assert_int_equal(d.value, 0x00300000);
    /* FCS bits (26-28) are not reserved */
    tb_free(&b);
    build_pcap(&b, false, false, 4, 0x14000001);
    cap = open_ok(b.p, b.len, 0);
    check_pcap_frames(cap, false, 1);
    nmx_capture_close(cap);
    tb_free(&b);
}

static void test_pcap_snaplen_header_not_fatal(void **state)
{
    (void)state;
    tbuf b;
    for (int i = 0; i < 2; i++) {
        build_pcap(&b, false, false, 4, 1);
        tb_set_u32(&b, 16, i ? 0xFFFFFFFFu : 0);
        nmx_capture *cap = open_ok(b.p, b.len, 0);
        check_pcap_frames(cap, false, 1);
        nmx_capture_close(cap);
        tb_free(&b);
    }
}

/* ---- pcapng ----------------------------------------------------------------- */

static const uint8_t pkt[64] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 1, 2, 3, 4, 5, 6, 8, 0 };

/* Section 1 (order be1): IDB0 Ethernet "eth0" ns, IDB1 NULL 2^-20 +100 s;
 * EPB on 0 (comment), EPB on 1, SPB (snaplen 40 of IDB0), obsolete PB on 1,
 * an unknown block, a custom block.
 * Section 2 (order be2): IDB0 SLL default µs; EPB on 0. */
static void build_pcapng(tbuf *out, bool be1, bool be2)
{
    tbuf b;
    tb_init(&b, be1);
    pn_shb(&b, "first section");
    pn_idb(&b, 1, 40, "eth0", 9, 0);
    pn_idb(&b, 0, 0, NULL, 0x80 | 20, 100);
    pn_epb(&b, 0, UINT64_C(1700000000123456789), pkt, 60 > sizeof pkt ? 0 : 60, 60, "hello frame");
    pn_epb(&b, 1, (UINT64_C(1600000000) << 20) | (UINT64_C(1) << 19), pkt, 33, 90, NULL);
    size_t s = pn_begin(&b, 3);                 /* SPB: original 64 -> captured 40 */
    tb_u32(&b, 64);
    tb_bytes(&b, pkt, 40);
    pn_end(&b, s);
    s = pn_begin(&b, 2);                        /* obsolete PB */
    tb_u16(&b, 1);
    tb_u16(&b, 0);
    tb_u32(&b, (uint32_t)((UINT64_C(5) << 20) >> 32));
    tb_u32(&b, (uint32_t)(UINT64_C(5) << 20));
    tb_u32(&b, 10);
    tb_u32(&b, 10);
    tb_bytes(&b, pkt, 10);
    tb_pad4(&b);
    pn_opt(&b, 1, "old", 3);
    pn_opt(&b, 0, NULL, 0);
    pn_end(&b, s);
    s = pn_begin(&b, 0x12345678);               /* unknown: skipped */
    tb_u32(&b, 0xdeadbeef);
    pn_end(&b, s);
    s = pn_begin(&b, 0x00000BAD);               /* custom: skipped */
    tb_u32(&b, 32473);
    tb_u32(&b, 1);
    pn_end(&b, s);
    tbuf c;
    tb_init(&c, be2);
    pn_shb(&c, "second section");
    pn_idb(&c, 113, 0, NULL, -1, 0);
    pn_epb(&c, 0, UINT64_C(1700000001000002), pkt, 20, 20, NULL);
    tb_init(out, false);
    tb_bytes(out, b.p, b.len);
    tb_bytes(out, c.p, c.len);
    tb_free(&b);
    tb_free(&c);
}

static void test_pcapng_sections(void **state)
{
    (void)state;
    for (int order = 0; order < 4; order++) {
        tbuf b;
        build_pcapng(&b, order & 1, (order >> 1) & 1);
        nmx_capture *cap = open_ok(b.p, b.len, 0);
        assert_string_equal(nmx_capture_format_name(cap), "pcapng");
        assert_int_equal(nmx_capture_warning_count(cap), 0);
        assert_int_equal(nmx_capture_frame_count(cap), 5);
        size_t clen;
        const char *cc = nmx_capture_comment(cap, &clen);
        assert_non_null(cc);
        assert_string_equal(cc, "first section\nsecond section");
        assert_int_equal(clen, strlen(cc));
        assert_int_equal(nmx_capture_interface_count(cap), 3);
        nmx_interface ifc;
        assert_int_equal(nmx_capture_interface(cap, 0, &ifc), NMX_OK);
        assert_int_equal(ifc.linktype, 1);
        assert_int_equal(ifc.snaplen, 40);
        assert_string_equal(ifc.name, "eth0");
        assert_int_equal(ifc.tsresol, 9);
        assert_int_equal(ifc.section, 0);
        assert_int_equal(nmx_capture_interface(cap, 1, &ifc), NMX_OK);
        assert_int_equal(ifc.linktype, 0);
        assert_null(ifc.name);
        assert_int_equal(ifc.tsresol, 0x80 | 20);
        assert_int_equal(ifc.tsoffset_s, 100);
        assert_int_equal(nmx_capture_interface(cap, 2, &ifc), NMX_OK);
        assert_int_equal(ifc.linktype, 113);
        assert_int_equal(ifc.tsresol, 6);
        assert_int_equal(ifc.section, 1);
        assert_int_equal(nmx_capture_interface(cap, 3, &ifc), NMX_ERANGE);

        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, 0, &f), NMX_OK);
        assert_int_equal(f.ts_ns, INT64_C(1700000000123456789));
        assert_int_equal(f.caplen, 60);
        assert_int_equal(f.interface_id, 0);
        assert_int_equal(f.linktype, 1);
        assert_int_equal(f.mac_type, 1);
        assert_int_equal(f.comment_len, 11);
        assert_memory_equal(f.comment, "hello frame", 11);
        assert_memory_equal(f.data, pkt, 60);

        assert_int_equal(nmx_capture_frame(cap, 1, &f), NMX_OK);
        /* 2^-20 units: 1600000000.5 s, plus if_tsoffset 100 s */
        assert_int_equal(f.ts_ns, (1600000000 + 100) * NS + 500000000);
        assert_int_equal(f.caplen, 33);
        assert_int_equal(f.wirelen, 90);
        assert_int_equal(f.interface_id, 1);
        assert_int_equal(f.linktype, 0);
        assert_int_equal(f.mac_type, 0);
        assert_null(f.comment);

        assert_int_equal(nmx_capture_frame(cap, 2, &f), NMX_OK);   /* SPB */
        assert_true(f.flags & NMX_FRAME_NO_TIMESTAMP);
        assert_int_equal(f.ts_ns, 0);
        assert_int_equal(f.caplen, 40);
        assert_int_equal(f.wirelen, 64);
        assert_int_equal(f.interface_id, 0);
        assert_memory_equal(f.data, pkt, 40);

        assert_int_equal(nmx_capture_frame(cap, 3, &f), NMX_OK);   /* PB */
        assert_int_equal(f.ts_ns, (5 + 100) * NS);
        assert_int_equal(f.caplen, 10);
        assert_int_equal(f.interface_id, 1);
        assert_int_equal(f.comment_len, 3);
        assert_memory_equal(f.comment, "old", 3);

        assert_int_equal(nmx_capture_frame(cap, 4, &f), NMX_OK);   /* section 2 */
        assert_int_equal(f.interface_id, 2);
        assert_int_equal(f.linktype, 113);
        assert_int_equal(f.ts_ns, INT64_C(1700000001000002) * 1000);
        assert_memory_equal(f.data, pkt, 20);

        uint32_t lts[8];
        assert_int_equal(nmx_capture_linktypes(cap, lts, 8), 3);
        assert_int_equal(lts[0], 1);
        assert_int_equal(lts[1], 0);
        assert_int_equal(lts[2], 113);
        int64_t start;
        assert_int_equal(nmx_capture_start_time(cap, &start), NMX_OK);
        assert_int_equal(start, INT64_C(1700000000123456789));
        unsigned maj, min;
        nmx_capture_version(cap, &maj, &min);
        assert_int_equal(maj, 1);
        assert_int_equal(min, 0);
        nmx_capture_close(cap);
        tb_free(&b);
    }
}

static void test_pcapng_tsresol(void **state)
{
    (void)state;
    static const struct { int res; uint64_t units; int64_t ns; } cases[] = {
        { 0, 1700000000, 1700000000 * NS },                       /* seconds */
        { 3, 1700000000123, 1700000000123 * 1000000 },             /* ms */
        { 6, 1, 1000 },
        { 12, 1700000000123456789ULL, 1700000000123456 },          /* ps: truncated */
        { 0x80, 7, 7 * NS },                                       /* 2^0 */
        { 0x80 | 1, 3, NS + NS / 2 },                              /* 2^-1 */
        { 0x80 | 30, (UINT64_C(1) << 30) * 10 + (UINT64_C(1) << 28), 10 * NS + NS / 4 },
        { 0x80 | 63, UINT64_C(1) << 62, NS / 2 },
        { 9, UINT64_MAX, INT64_MAX },                              /* saturates */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tbuf b;
        tb_init(&b, false);
        pn_shb(&b, NULL);
        pn_idb(&b, 1, 0, NULL, cases[i].res, 0);
        pn_epb(&b, 0, cases[i].units, pkt, 14, 14, NULL);
        nmx_capture *cap = open_ok(b.p, b.len, 0);
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, 0, &f), NMX_OK);
        if (f.ts_ns != cases[i].ns)
            print_error("case %zu: %lld != %lld\n", i, (long long)f.ts_ns, (long long)cases[i].ns);
        assert_int_equal(f.ts_ns, cases[i].ns);
        nmx_capture_close(cap);
        tb_free(&b);
    }
    /* exponent over the ceiling: damage (the IDB is not the first block) */
    tbuf b;
    tb_init(&b, false);
    pn_shb(&b, NULL);
    pn_idb(&b, 1, 0, NULL, 19, 0);
    nmx_capture *cap = open_ok(b.p, b.len, 0);
    assert_int_equal(nmx_capture_warning_count(cap), 1);
    assert_int_equal(nmx_capture_warning(cap, 0)->value, 19);
    assert_int_equal(nmx_capture_warning(cap, 0)->limit, NMX_PCAPNG_MAX_TSRESOL_POW10);
    nmx_capture_close(cap);
    tb_free(&b);
}

static void test_pcapng_shb_versions(void **state)
{
    (void)state;
    static const uint16_t vers[][2] = { { 0, 1 }, { 1, 1 }, { 2, 0 } };
    for (size_t i = 0; i < 3; i++) {
        tbuf b;
        tb_init(&b, false);
        pn_shb(&b, NULL);
        b.p[12] = (uint8_t)vers[i][0];
        b.p[14] = (uint8_t)vers[i][1];
        nmx_capture *cap;
        nmx_diag d;
        assert_int_equal(nmx_capture_open_memory(b.p, b.len, "v.pcapng", 0, &cap, &d),
                         NMX_EUNSUPPORTED);
        char want[64];
        snprintf(want, sizeof want, "unknown SHB version %u.%u", vers[i][0], vers[i][1]);
        assert_non_null(strstr(d.msg, want));
        assert_int_equal(d.offset, 12);
        tb_free(&b);
    }
}

/* ---- Network Monitor -------------------------------------------------------- */

/* SYSTEMTIME 2013-02-26 (Tue) 22:36:02.677 */
static const int64_t nm_start = INT64_C(1361918162677) * 1000000;

static void nm_header(tbuf *b, const char *magic, unsigned major, unsigned minor, uint16_t mac,
                      size_t header_len)
{
    tb_init(b, false);
    tb_bytes(b, magic, 4);
    tb_u8(b, (uint8_t)minor);
    tb_u8(b, (uint8_t)major);
    tb_u16(b, mac);
    static const uint16_t st[8] = { 2013, 2, 2, 26, 22, 36, 2, 677 };
    for (int i = 0; i < 8; i++)
        tb_u16(b, st[i]);
    tb_zero(b, header_len - 24);
}

typedef struct nm_spec {
    const char *magic;
    unsigned    major, minor;
    size_t      header_len;
} nm_spec;

/* Four frames; the table lists them in reverse physical order. Returns the
 * record offsets. 2.2+: a comment table with a UTF-16 title for frame 1
 * and an empty one (a NUL) for frame 2. */
static void build_netmon(tbuf *b, const nm_spec *s, uint32_t offs[4])
{
    nm_header(b, s->magic, s->major, s->minor, 2, s->header_len);
    bool v1 = s->major == 1;
    for (uint32_t k = 0; k < 4; k++) {
        offs[k] = (uint32_t)b->len;
        uint32_t caplen = 20 + 7 * k, wirelen = caplen + k;
        uint8_t data[64];
        fill_payload(data, caplen, k);
        if (v1) {
            tb_u32(b, 1000 * k + 5);               /* ms */
            tb_u16(b, (uint16_t)wirelen);
            tb_u16(b, (uint16_t)caplen);
        } else {
            tb_u64(b, 1000000 * k + 5);            /* µs */
            tb_u32(b, wirelen);
            tb_u32(b, caplen);
        }
        tb_bytes(b, data, caplen);
        if (!v1 && s->minor >= 1)
            tb_u16(b, (uint16_t)(k == 3 ? 0xFFE0 : 2));   /* media: Token Ring, ETW */
        if (!v1 && s->minor >= 2)
            tb_u32(b, 0xFFFFFFFF);
        if (!v1 && s->minor >= 3) {
            /* FILETIME: 2020-01-01 + k * 100 ns + 1 s */
            tb_u64(b, UINT64_C(132223104000000000) + 10000000 + k);
            tb_u8(b, 0xFF);
        }
    }
    size_t table = b->len;
    for (int k = 3; k >= 0; k--)
        tb_u32(b, offs[k]);
    tb_set_u32le(b, 24, (uint32_t)table);
    tb_set_u32le(b, 28, 16);
    if (!v1 && s->minor >= 2) {
        size_t ct = b->len;
        static const uint8_t title[] = { 'h', 0, 0xE9, 0, 'l', 0, 'l', 0, 'o', 0, 0x3D, 0xD8,
                                         0x00, 0xDE, 0, 0 };   /* "héllo😀" + NUL */
        tb_u32(b, 1);
        tb_u32(b, offs[1]);
        tb_u32(b, sizeof title);
        tb_bytes(b, title, sizeof title);
        tb_u32(b, 3);
        tb_bytes(b, "rtf", 3);
        /* frame 2: a title of one UTF-16 NUL, which is no comment */
        tb_u32(b, 2);
        tb_u32(b, offs[2]);
        tb_u32(b, 2);
        tb_bytes(b, "\0\0", 2);
        tb_u32(b, 0);
        tb_set_u32le(b, 40, (uint32_t)ct);
        tb_set_u32le(b, 44, (uint32_t)(b->len - ct));
    } else if (!v1) {
        size_t ct = b->len;
        tb_bytes(b, "capture comment", 15);
        tb_set_u32le(b, 40, (uint32_t)ct);
        tb_set_u32le(b, 44, 15);
    }
}

static void check_netmon(const nmx_capture *cap, const nm_spec *s, const uint32_t offs[4])
{
    bool v1 = s->major == 1;
    assert_int_equal(nmx_capture_frame_count(cap), 4);
    assert_int_equal(nmx_capture_get_format(cap), v1 ? NMX_FORMAT_NETMON1 : NMX_FORMAT_NETMON2);
    char name[32];
    snprintf(name, sizeof name, "netmon %u.%u", s->major, s->minor);
    assert_string_equal(nmx_capture_format_name(cap), name);
    assert_int_equal(nmx_capture_mac_type(cap), 2);
    int64_t start;
    assert_int_equal(nmx_capture_start_time(cap, &start), NMX_OK);
    assert_int_equal(start, nm_start);
    for (uint32_t n = 0; n < 4; n++) {
        uint32_t k = 3 - n;   /* reverse table order */
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, n, &f), NMX_OK);
        assert_int_equal(f.offset, offs[k]);
        assert_int_equal(f.caplen, 20 + 7 * k);
        assert_int_equal(f.wirelen, 20 + 8 * k);
        for (uint32_t i = 0; i < f.caplen; i++)
            assert_int_equal(f.data[i], payload_byte(k, i));
        uint16_t media = (!v1 && s->minor >= 1 && k == 3) ? 0xFFE0 : 2;
        assert_int_equal(f.netmon_media, media);
        assert_int_equal(f.linktype, media == 2 ? 6u : NMX_LINKTYPE_NONE);
        assert_int_equal(f.mac_type, media == 2 ? 2 : 0);
        int64_t want;
        if (v1)
            want = nm_start + (1000 * (int64_t)k + 5) * 1000000;
        else if (s->minor < 3)
            want = nm_start + (1000000 * (int64_t)k + 5) * 1000;
        else
            want = (INT64_C(1577836800) + 1) * NS + 100 * (int64_t)k;
        assert_int_equal(f.ts_ns, want);
        if (v1) {
            assert_null(f.netmon_record);
        } else {
            assert_non_null(f.netmon_record);
            assert_ptr_equal(f.netmon_record + 16, f.data);
        }
        if (!v1 && s->minor >= 2 && k == 1) {
            assert_non_null(f.comment);
            assert_int_equal(f.comment_len, strlen("h\xc3\xa9llo\xf0\x9f\x98\x80"));
            assert_memory_equal(f.comment, "h\xc3\xa9llo\xf0\x9f\x98\x80", f.comment_len);
        } else {
            assert_null(f.comment);
        }
    }
    const char *cc = nmx_capture_comment(cap, NULL);
    if (!v1 && s->minor < 2)
        assert_string_equal(cc, "capture comment");
    else
        assert_null(cc);
}

static const nm_spec nm_specs[] = {
    { "RTSS", 1, 1, 128 }, { "GMBU", 2, 0, 128 }, { "GMBU", 2, 1, 128 },
    { "GMBU", 2, 2, 72 },  { "GMBU", 2, 3, 72 },  { "GMBU", 2, 3, 128 },
};

static void test_netmon_versions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof nm_specs / sizeof nm_specs[0]; i++) {
        tbuf b;
        uint32_t offs[4];
        build_netmon(&b, &nm_specs[i], offs);
        nmx_capture *cap = open_ok(b.p, b.len, 0);
        assert_int_equal(nmx_capture_warning_count(cap), 0);
        check_netmon(cap, &nm_specs[i], offs);
        nmx_capture_close(cap);

        /* table damaged -> recovered by scanning (physical order then) */
        tb_set_u32le(&b, 24, 0x7FFFFFF0);
        nmx_diag d;
        if (nmx_capture_open_memory(b.p, b.len, "t.cap", 0, &cap, &d) != NMX_OK)
            print_error("spec %zu: %s\n", i, d.msg);
        nmx_capture_close(cap);
        cap = open_ok(b.p, b.len, 0);
        assert_int_equal(nmx_capture_frame_count(cap), 4);
        assert_int_equal(nmx_capture_warning_count(cap), 1);
        assert_non_null(strstr(nmx_capture_warning(cap, 0)->msg, "recovered 4 frames by scanning"));
        for (uint32_t n = 0; n < 4; n++) {
            nmx_frame f;
            assert_int_equal(nmx_capture_frame(cap, n, &f), NMX_OK);
            assert_int_equal(f.offset, offs[n]);
            assert_int_equal(f.caplen, 20 + 7 * n);
        }
        nmx_capture_close(cap);
        assert_int_equal(nmx_capture_open_memory(b.p, b.len, "t.cap", NMX_CAPTURE_NO_RECOVER, &cap, &d),
                         NMX_ETRUNCATED);
        assert_int_equal(d.offset, 24);
        assert_int_equal(d.limit, b.len);
        tb_free(&b);
    }
}

static void test_netmon_bad_versions(void **state)
{
    (void)state;
    static const nm_spec bad[] = { { "RTSS", 2, 0, 128 }, { "GMBU", 2, 4, 128 }, { "GMBU", 3, 0, 128 } };
    for (size_t i = 0; i < 3; i++) {
        tbuf b;
        nm_header(&b, bad[i].magic, bad[i].major, bad[i].minor, 1, 128);
        nmx_capture *cap;
        nmx_diag d;
        assert_int_equal(nmx_capture_open_memory(b.p, b.len, "v.cap", 0, &cap, &d), NMX_EUNSUPPORTED);
        assert_non_null(strstr(d.msg, "Network Monitor version"));
        tb_free(&b);
    }
}

/* ---- writers ----------------------------------------------------------------- */

#define RT_FRAMES 40

static void make_frames(nmx_frame *fr, uint8_t (*data)[300], char (*com)[32], bool one_lt)
{
    for (int i = 0; i < RT_FRAMES; i++) {
        memset(&fr[i], 0, sizeof fr[i]);
        uint32_t caplen = (uint32_t)(i * 7 % 300);
        fill_payload(data[i], caplen, (uint64_t)i);
        fr[i].data = data[i];
        fr[i].caplen = caplen;
        fr[i].wirelen = caplen + (uint32_t)(i % 3);
        fr[i].ts_ns = INT64_C(1700000000) * NS + (int64_t)i * 123456789 + (i % 5) * 100;
        fr[i].linktype = one_lt || i % 4 ? 1 : 101;
        if (i % 6 == 0) {
            snprintf(com[i], sizeof com[i], "comment %d \xc3\xa9", i);
            fr[i].comment = com[i];
            fr[i].comment_len = strlen(com[i]);
        }
    }
}

static void round_trip_one(nmx_write_format fmt, bool to_file)
{
    static uint8_t data[RT_FRAMES][300];
    static char com[RT_FRAMES][32];
    nmx_frame fr[RT_FRAMES];
    bool pcap = fmt == NMX_WRITE_PCAP_US || fmt == NMX_WRITE_PCAP_NS;
    make_frames(fr, data, com, pcap);
    nmx_writer *w;
    nmx_diag d;
    char path[] = "/tmp/nmx-capture-wXXXXXX";
    if (to_file) {
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(nmx_writer_open(path, fmt, 1, 0, &w, &d), NMX_OK);
    } else {
        assert_int_equal(nmx_writer_open_memory(fmt, 1, 0, &w, &d), NMX_OK);
    }
    for (int i = 0; i < RT_FRAMES; i++)
        assert_int_equal(nmx_writer_add(w, &fr[i]), NMX_OK);
    nmx_capture *cap;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (to_file) {
        assert_int_equal(nmx_writer_close(w, &d), NMX_OK);
        assert_int_equal(nmx_capture_open(path, 0, &cap, &d), NMX_OK);
    } else {
        assert_int_equal(nmx_writer_close_memory(w, &buf, &len, &d), NMX_OK);
        cap = open_ok(buf, len, 0);
    }
    assert_int_equal(nmx_capture_warning_count(cap), 0);
    assert_int_equal(nmx_capture_frame_count(cap), RT_FRAMES);
    for (int i = 0; i < RT_FRAMES; i++) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, (uint64_t)i, &f), NMX_OK);
        assert_int_equal(f.caplen, fr[i].caplen);
        assert_int_equal(f.wirelen, fr[i].wirelen);
        assert_memory_equal(f.data, fr[i].data, f.caplen);
        assert_int_equal(f.linktype, fr[i].linktype);
        int64_t want = fr[i].ts_ns;
        if (fmt == NMX_WRITE_PCAP_US)
            want -= want % 1000;
        if (fmt == NMX_WRITE_NETMON)
            want -= want % 100;
        assert_int_equal(f.ts_ns, want);
        if (!pcap && fr[i].comment) {
            assert_int_equal(f.comment_len, fr[i].comment_len);
            assert_memory_equal(f.comment, fr[i].comment, f.comment_len);
        } else {
            assert_null(f.comment);
        }
    }
    nmx_capture_close(cap);
    free(buf);
    if (to_file)
        unlink(path);
}

static void test_writers_round_trip(void **state)
{
    (void)state;
    static const nmx_write_format fmts[] = { NMX_WRITE_PCAP_US, NMX_WRITE_PCAP_NS, NMX_WRITE_PCAPNG,
                                             NMX_WRITE_NETMON };
    for (size_t i = 0; i < 4; i++) {
        round_trip_one(fmts[i], false);
        round_trip_one(fmts[i], true);
    }
}

static void test_writer_refusals(void **state)
{
    (void)state;
    uint8_t d8[4] = { 1, 2, 3, 4 };
    nmx_frame f;
    memset(&f, 0, sizeof f);
    f.data = d8;
    f.caplen = 4;
    f.wirelen = 4;
    f.linktype = 1;
    nmx_writer *w;
    nmx_diag d;
    /* pcap: another link type, time before 1970 or after 2106 */
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_PCAP_US, 1, 0, &w, &d), NMX_OK);
    f.linktype = 113;
    assert_int_equal(nmx_writer_add(w, &f), NMX_EINVAL);
    assert_int_equal(nmx_writer_close(w, &d), NMX_EINVAL);
    assert_non_null(strstr(d.msg, "link type 113"));
    f.linktype = 1;
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_PCAP_NS, 1, 0, &w, &d), NMX_OK);
    f.ts_ns = -1;
    assert_int_equal(nmx_writer_add(w, &f), NMX_ERANGE);
    nmx_writer_close(w, NULL);
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_PCAP_NS, 1, 0, &w, &d), NMX_OK);
    f.ts_ns = INT64_C(4294967296) * NS;
    assert_int_equal(nmx_writer_add(w, &f), NMX_ERANGE);
    nmx_writer_close(w, NULL);
    f.ts_ns = 0;
    /* caplen over the ceiling, NULL data */
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_PCAPNG, 1, 0, &w, &d), NMX_OK);
    f.caplen = NMX_CAPTURE_MAX_CAPLEN + 1;
    assert_int_equal(nmx_writer_add(w, &f), NMX_EINVAL);
    nmx_writer_close(w, NULL);
    f.caplen = 4;
    f.data = NULL;
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_NETMON, 1, 0, &w, &d), NMX_OK);
    assert_int_equal(nmx_writer_add(w, &f), NMX_EINVAL);
    nmx_writer_close(w, NULL);
    f.data = d8;
    /* netmon: no media type for NMX_LINKTYPE_NONE without netmon_media */
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_NETMON, 1, 0, &w, &d), NMX_OK);
    f.linktype = NMX_LINKTYPE_NONE;
    assert_int_equal(nmx_writer_add(w, &f), NMX_EINVAL);
    nmx_writer_close(w, NULL);
    /* ... but with a raw media type it is kept */
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_NETMON, 1, 0, &w, &d), NMX_OK);
    f.netmon_media = 0xFFE0;
    assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
    uint8_t *buf;
    size_t len;
    assert_int_equal(nmx_writer_close_memory(w, &buf, &len, &d), NMX_OK);
    nmx_capture *cap = open_ok(buf, len, 0);
    nmx_frame g;
    assert_int_equal(nmx_capture_frame(cap, 0, &g), NMX_OK);
    assert_int_equal(g.netmon_media, 0xFFE0);
    assert_int_equal(g.linktype, NMX_LINKTYPE_NONE);
    nmx_capture_close(cap);
    free(buf);
    /* bad arguments */
    assert_int_equal(nmx_writer_open_memory((nmx_write_format)99, 1, 0, &w, &d), NMX_EINVAL);
    assert_null(w);
    assert_int_equal(nmx_writer_open("/nonexistent-dir/x.pcap", NMX_WRITE_PCAP_US, 1, 0, &w, &d), NMX_EIO);
    assert_non_null(strstr(d.msg, "/nonexistent-dir/x.pcap"));
}

static void test_netmon_writer_layout(void **state)
{
    (void)state;
    uint8_t d8[10] = { 0 };
    nmx_frame f;
    memset(&f, 0, sizeof f);
    f.data = d8;
    f.caplen = 10;
    f.wirelen = 10;
    f.linktype = 1;
    f.ts_ns = INT64_C(1361918162677123456);   /* 2013-02-26 22:36:02.677123456 */
    nmx_writer *w;
    nmx_diag d;
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_NETMON, 1, 0, &w, &d), NMX_OK);
    assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
    f.ts_ns += 2500000;
    assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
    uint8_t *buf;
    size_t len;
    assert_int_equal(nmx_writer_close_memory(w, &buf, &len, &d), NMX_OK);
    assert_memory_equal(buf, "GMBU\x03\x02\x01\x00", 8);
    static const uint8_t st[16] = { 0xdd, 7, 2, 0, 2, 0, 26, 0, 22, 0, 36, 0, 2, 0, 0xa5, 2 };
    assert_memory_equal(buf + 8, st, 16);
    /* first record at 128, FRAME delta 123 µs from the header's whole ms;
     * the second's 2623 µs (0xa3f) */
    assert_int_equal(buf[128], 123);
    assert_int_equal(buf[128 + 8], 10);
    assert_int_equal(buf[128 + 16 + 10 + 15 + 0], 0x3f);
    assert_int_equal(buf[128 + 16 + 10 + 15 + 1], 0x0a);
    nmx_capture *cap = open_ok(buf, len, 0);
    int64_t start;
    assert_int_equal(nmx_capture_start_time(cap, &start), NMX_OK);
    assert_int_equal(start, INT64_C(1361918162677000000));
    nmx_frame g;
    assert_int_equal(nmx_capture_frame(cap, 0, &g), NMX_OK);
    assert_int_equal(g.offset, 128);
    assert_int_equal(g.ts_ns, INT64_C(1361918162677123400));
    nmx_capture_close(cap);
    free(buf);
}

/* ---- refusals and API edges -------------------------------------------------- */

static void test_refusals(void **state)
{
    (void)state;
    static const struct { const char *bytes; size_t n; const char *name; nmx_err code; const char *msg; } cases[] = {
        { "", 0, "x.cap", NMX_EFORMAT, "x.cap: empty file" },
        { "\x28\xb5\x2f\xfd\x00\x00\x00\x00", 8, "x.pcapng.zst", NMX_EFORMAT,
          "x.pcapng.zst: offset 0: zstd-compressed file; decompress it first" },
        { "\x1f\x8b\x08\x00", 4, "x.gz", NMX_EFORMAT, "gzip-compressed file; decompress it first" },
        { "BZh91AY", 7, "x.bz2", NMX_EFORMAT, "bzip2-compressed" },
        { "\xfd" "7zXZ\x00\x00", 7, "x.xz", NMX_EFORMAT, "xz-compressed" },
        { "snoop\0\0\0\0\0\0\2", 12, "x.snoop", NMX_EFORMAT, "Solaris snoop capture" },
        { "\x34\xcd\xb2\xa1", 4, "k.pcap", NMX_ETRUNCATED, "pcap file header truncated: 4 bytes, needs 24" },
        { "hello world", 11, "t.txt", NMX_EFORMAT, "unknown file format (first bytes 68 65 6c 6c 6f 20 77 6f)" },
        { "\xd4\xc3\xb2\xa1\x02\x00", 6, "s.pcap", NMX_ETRUNCATED, "pcap file header truncated: 6 bytes, needs 24" },
        { "GMBU\x03\x02", 6, "s.cap", NMX_ETRUNCATED, "Network Monitor file header truncated" },
        { "\x0a\x0d\x0d\x0a\x1c\x00", 6, "s.pcapng", NMX_ETRUNCATED, "block header truncated" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nmx_capture *cap = (nmx_capture *)&cap;
        nmx_diag d;
        assert_int_equal(nmx_capture_open_memory(cases[i].bytes, cases[i].n, cases[i].name, 0, &cap, &d),
                         cases[i].code);
        assert_null(cap);
        assert_int_equal(d.code, cases[i].code);
        if (!strstr(d.msg, cases[i].msg))
            print_error("case %zu: \"%s\" lacks \"%s\"\n", i, d.msg, cases[i].msg);
        assert_non_null(strstr(d.msg, cases[i].msg));
        assert_non_null(strstr(d.msg, cases[i].name));
    }
    nmx_capture *cap;
    nmx_diag d;
    assert_int_equal(nmx_capture_open("/nonexistent/file.pcap", 0, &cap, &d), NMX_EIO);
    assert_non_null(strstr(d.msg, "/nonexistent/file.pcap"));
    assert_int_equal(nmx_capture_open("/tmp", 0, &cap, &d), NMX_EUNSUPPORTED);
    assert_int_equal(nmx_capture_open(NULL, 0, &cap, &d), NMX_EINVAL);
    assert_int_equal(nmx_capture_open_memory(NULL, 5, NULL, 0, &cap, &d), NMX_EINVAL);
}

static void test_api_edges(void **state)
{
    (void)state;
    tbuf b;
    build_pcap(&b, false, false, 4, 1);
    nmx_capture *cap = open_ok(b.p, b.len, 0);
    nmx_frame f;
    assert_int_equal(nmx_capture_frame(cap, 3, &f), NMX_ERANGE);
    assert_int_equal(nmx_capture_frame(cap, UINT64_MAX, &f), NMX_ERANGE);
    assert_int_equal(nmx_capture_frame(NULL, 0, &f), NMX_EINVAL);
    assert_int_equal(nmx_capture_frame(cap, 0, NULL), NMX_EINVAL);
    assert_null(nmx_capture_warning(cap, 0));
    assert_null(nmx_capture_comment(cap, NULL));
    assert_int_equal(nmx_capture_size(cap), b.len);
    assert_string_equal(nmx_capture_name(cap), "test");
    assert_int_equal(nmx_capture_frame_count(NULL), 0);
    nmx_capture_close(cap);
    nmx_capture_close(NULL);
    /* empty pcap: no start time */
    b.len = 24;
    cap = open_ok(b.p, b.len, 0);
    int64_t t;
    assert_int_equal(nmx_capture_start_time(cap, &t), NMX_ENOTFOUND);
    assert_int_equal(nmx_capture_frame_count(cap), 0);
    nmx_capture_close(cap);
    tb_free(&b);
}

/* File path: mmap, and a copy read through the same API as memory. */
static void test_open_file(void **state)
{
    (void)state;
    tbuf b;
    build_pcap(&b, true, true, 4, 1);
    char path[] = "/tmp/nmx-capture-fXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.p, b.len), (ssize_t)b.len);
    close(fd);
    nmx_capture *cap;
    nmx_diag d;
    assert_int_equal(nmx_capture_open(path, 0, &cap, &d), NMX_OK);
    assert_int_equal(d.code, NMX_OK);
    check_pcap_frames(cap, true, 1);
    assert_string_equal(nmx_capture_name(cap), path);
    nmx_capture_close(cap);
    /* empty file */
    fd = open(path, O_WRONLY | O_TRUNC);
    close(fd);
    assert_int_equal(nmx_capture_open(path, 0, &cap, &d), NMX_EFORMAT);
    assert_non_null(strstr(d.msg, "empty file"));
    unlink(path);
    tb_free(&b);
}

/* A file over 4 GiB: frames past the 4 GiB offset are found and read. The
 * file is sparse: between the first frame and the last two lie 257 skipped
 * blocks of 16 MiB (pcapng's block ceiling) whose bodies are holes, so it
 * costs a few pages of disk. */
static void test_file_over_4gib(void **state)
{
    (void)state;
    char path[] = "/tmp/nmx-capture-bigXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    tbuf b;
    tb_init(&b, false);
    pn_shb(&b, NULL);
    pn_idb(&b, 1, 65535, NULL, -1, 0);
    uint8_t data[300];
    fill_payload(data, 100, 0);
    pn_epb(&b, 0, 1000000, data, 100, 100, NULL);
    assert_int_equal(pwrite(fd, b.p, b.len, 0), (ssize_t)b.len);
    uint64_t off = b.len;
    tb_free(&b);
    const uint32_t blk = NMX_PCAPNG_MAX_BLOCK;
    for (int i = 0; i < 257; i++) { /* type 0x0BAD0000: unknown, skipped */
        uint32_t head[2] = {0x0BAD0000u, blk}, tail = blk;
        assert_int_equal(pwrite(fd, head, 8, (off_t)off), 8);
        assert_int_equal(pwrite(fd, &tail, 4, (off_t)(off + blk - 4)), 4);
        off += blk;
    }
    assert_true(off > (UINT64_C(1) << 32));
    tb_init(&b, false);
    for (uint64_t k = 1; k < 3; k++) {
        fill_payload(data, 200, k);
        pn_epb(&b, 0, 1000000 + k, data, 200, 220, NULL);
    }
    assert_int_equal(pwrite(fd, b.p, b.len, (off_t)off), (ssize_t)b.len);
    tb_free(&b);
    close(fd);

    nmx_capture *cap;
    nmx_diag d;
    nmx_err e = nmx_capture_open(path, 0, &cap, &d);
    if (e != NMX_OK)
        print_error("%s\n", d.msg);
    assert_int_equal(e, NMX_OK);
    assert_int_equal(nmx_capture_frame_count(cap), 3);
    assert_int_equal(nmx_capture_warning_count(cap), 0);
    for (uint64_t k = 0; k < 3; k++) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, k, &f), NMX_OK);
        assert_int_equal(f.caplen, k ? 200 : 100);
        assert_int_equal(f.wirelen, k ? 220 : 100);
        assert_true(k == 0 ? f.offset < blk : f.offset >= off);
        for (uint32_t i = 0; i < f.caplen; i++)
            assert_int_equal(f.data[i], payload_byte(k, i));
    }
    nmx_capture_close(cap);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_variants),
        cmocka_unit_test(test_pcap_record_variants),
        cmocka_unit_test(test_pcap_versions),
        cmocka_unit_test(test_pcap_snaplen_header_not_fatal),
        cmocka_unit_test(test_pcapng_sections),
        cmocka_unit_test(test_pcapng_tsresol),
        cmocka_unit_test(test_pcapng_shb_versions),
        cmocka_unit_test(test_netmon_versions),
        cmocka_unit_test(test_netmon_bad_versions),
        cmocka_unit_test(test_writers_round_trip),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_netmon_writer_layout),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_api_edges),
        cmocka_unit_test(test_open_file),
        cmocka_unit_test(test_file_over_4gib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
