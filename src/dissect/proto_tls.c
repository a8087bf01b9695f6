/*
 * \summary: Transport Layer Security (and SSL 3.0) records
 *
 * specification: RFC 8446 (TLS 1.3: record layer §5.1, handshake §4,
 * ClientHello §4.1.2, ServerHello §4.1.3, supported_versions §4.2.1,
 * alerts §6), RFC 5246 (TLS 1.2: records §6.2, handshake §7.4), RFC 6066
 * §3 (server_name), IANA "TLS ExtensionType Values" and "TLS Alerts".
 *
 * Brought here by: TCP ports 443 (HTTPS), 465 (SMTPS), 636 (LDAPS),
 * 853 (DNS over TLS), 993 (IMAPS), 995 (POP3S) and 8443. Hands off to
 * nothing: what the records carry is encrypted or not ours.
 *
 *   record:     +------+---------+---------+------------ ...
 *               | type | version | length  | fragment (length bytes)
 *               |  1   |    2    |    2    |
 *               +------+---------+---------+------------ ...
 *   handshake:  | msg_type (1) | length (3) | body ...
 *   ClientHello: version(2) random(32) session_id<0..32>
 *                cipher_suites<2..2^16-2> compression_methods<1..2^8-1>
 *                extensions<8..2^16-1>   (ServerHello: one suite, one method)
 *   extension:  type(2) length(2) data;  server_name: list length(2),
 *               then name_type(1) length(2) HostName ...
 *
 * One TCP segment is one TLS layer, holding as many records as start in
 * it; records are not reassembled across segments. A segment whose first
 * bytes are no record header (a content type 20-24, version 3.0-3.4, a
 * length of at most 2^14 + 2048) is "Continuation Data" of a record that
 * began in an earlier segment: never guessed at. A record that runs past
 * the segment's end shows its header and the part that is there (tshark,
 * without reassembly, shows nothing of such a record). After a Change
 * Cipher Spec record of the same segment, and whenever a handshake
 * record's first message header is impossible (unknown type, or longer
 * than the record), the handshake record is an "Encrypted Handshake
 * Message" (TLS 1.2 Finished), as tshark names it.
 *
 * Names: Network Monitor 2.x had no TLS parser; the protocol is "TLS" and
 * the labels are ours, in its style ("Content Type = Handshake", "Server
 * Name = example.com"); "Server Name" is what tshark calls
 * tls.handshake.extensions_server_name. Summary, e.g.
 * "Handshake: Client Hello; Server Name = example.com" or
 * "Handshake: Client Key Exchange, Change Cipher Spec, Encrypted Handshake
 * Message"; "Continuation Data, 1220 bytes".
 */
#include <stdio.h>
#include <string.h>

#include "dissect/dissect_int.h"

static LABELED_BYTE tls_ctypes[] = {
    { 20, NMX_STR("Change Cipher Spec") }, { 21, NMX_STR("Alert") },
    { 22, NMX_STR("Handshake") }, { 23, NMX_STR("Application Data") },
    { 24, NMX_STR("Heartbeat") },
};
static SET tls_ctype_set = { sizeof tls_ctypes / sizeof tls_ctypes[0], { .lpLabeledByteTable = tls_ctypes } };

static LABELED_WORD tls_versions[] = {
    { 0x0300, NMX_STR("SSL 3.0") }, { 0x0301, NMX_STR("TLS 1.0") }, { 0x0302, NMX_STR("TLS 1.1") },
    { 0x0303, NMX_STR("TLS 1.2") }, { 0x0304, NMX_STR("TLS 1.3") },
};
static SET tls_version_set = { sizeof tls_versions / sizeof tls_versions[0], { .lpLabeledWordTable = tls_versions } };

/* IANA "TLS HandshakeType". */
static LABELED_BYTE tls_hstypes[] = {
    { 0, NMX_STR("Hello Request") }, { 1, NMX_STR("Client Hello") }, { 2, NMX_STR("Server Hello") },
    { 3, NMX_STR("Hello Verify Request") }, { 4, NMX_STR("New Session Ticket") },
    { 5, NMX_STR("End of Early Data") }, { 8, NMX_STR("Encrypted Extensions") },
    { 11, NMX_STR("Certificate") }, { 12, NMX_STR("Server Key Exchange") },
    { 13, NMX_STR("Certificate Request") }, { 14, NMX_STR("Server Hello Done") },
    { 15, NMX_STR("Certificate Verify") }, { 16, NMX_STR("Client Key Exchange") },
    { 20, NMX_STR("Finished") }, { 21, NMX_STR("Certificate URL") },
    { 22, NMX_STR("Certificate Status") }, { 23, NMX_STR("Supplemental Data") },
    { 24, NMX_STR("Key Update") }, { 25, NMX_STR("Compressed Certificate") },
    { 67, NMX_STR("Next Protocol") }, { 254, NMX_STR("Message Hash") },
};
static SET tls_hstype_set = { sizeof tls_hstypes / sizeof tls_hstypes[0], { .lpLabeledByteTable = tls_hstypes } };

/* IANA "TLS ExtensionType Values". */
static LABELED_WORD tls_exts[] = {
    { 0, NMX_STR("server_name") }, { 1, NMX_STR("max_fragment_length") },
    { 5, NMX_STR("status_request") }, { 10, NMX_STR("supported_groups") },
    { 11, NMX_STR("ec_point_formats") }, { 13, NMX_STR("signature_algorithms") },
    { 14, NMX_STR("use_srtp") }, { 15, NMX_STR("heartbeat") },
    { 16, NMX_STR("application_layer_protocol_negotiation") },
    { 18, NMX_STR("signed_certificate_timestamp") }, { 19, NMX_STR("client_certificate_type") },
    { 20, NMX_STR("server_certificate_type") }, { 21, NMX_STR("padding") },
    { 22, NMX_STR("encrypt_then_mac") }, { 23, NMX_STR("extended_master_secret") },
    { 27, NMX_STR("compress_certificate") }, { 28, NMX_STR("record_size_limit") },
    { 35, NMX_STR("session_ticket") }, { 41, NMX_STR("pre_shared_key") },
    { 42, NMX_STR("early_data") }, { 43, NMX_STR("supported_versions") },
    { 44, NMX_STR("cookie") }, { 45, NMX_STR("psk_key_exchange_modes") },
    { 47, NMX_STR("certificate_authorities") }, { 48, NMX_STR("oid_filters") },
    { 49, NMX_STR("post_handshake_auth") }, { 50, NMX_STR("signature_algorithms_cert") },
    { 51, NMX_STR("key_share") }, { 57, NMX_STR("quic_transport_parameters") },
    { 13172, NMX_STR("next_protocol_negotiation") }, { 17513, NMX_STR("application_settings") },
    { 65037, NMX_STR("encrypted_client_hello") }, { 65281, NMX_STR("renegotiation_info") },
};
static SET tls_ext_set = { sizeof tls_exts / sizeof tls_exts[0], { .lpLabeledWordTable = tls_exts } };

static LABELED_BYTE tls_levels[] = { { 1, NMX_STR("Warning") }, { 2, NMX_STR("Fatal") } };
static SET tls_level_set = { 2, { .lpLabeledByteTable = tls_levels } };

/* IANA "TLS Alerts". */
static LABELED_BYTE tls_alerts[] = {
    { 0, NMX_STR("Close Notify") }, { 10, NMX_STR("Unexpected Message") },
    { 20, NMX_STR("Bad Record MAC") }, { 21, NMX_STR("Decryption Failed") },
    { 22, NMX_STR("Record Overflow") }, { 30, NMX_STR("Decompression Failure") },
    { 40, NMX_STR("Handshake Failure") }, { 41, NMX_STR("No Certificate") },
    { 42, NMX_STR("Bad Certificate") }, { 43, NMX_STR("Unsupported Certificate") },
    { 44, NMX_STR("Certificate Revoked") }, { 45, NMX_STR("Certificate Expired") },
    { 46, NMX_STR("Certificate Unknown") }, { 47, NMX_STR("Illegal Parameter") },
    { 48, NMX_STR("Unknown CA") }, { 49, NMX_STR("Access Denied") },
    { 50, NMX_STR("Decode Error") }, { 51, NMX_STR("Decrypt Error") },
    { 60, NMX_STR("Export Restriction") }, { 70, NMX_STR("Protocol Version") },
    { 71, NMX_STR("Insufficient Security") }, { 80, NMX_STR("Internal Error") },
    { 86, NMX_STR("Inappropriate Fallback") }, { 90, NMX_STR("User Canceled") },
    { 100, NMX_STR("No Renegotiation") }, { 109, NMX_STR("Missing Extension") },
    { 110, NMX_STR("Unsupported Extension") }, { 111, NMX_STR("Certificate Unobtainable") },
    { 112, NMX_STR("Unrecognized Name") }, { 113, NMX_STR("Bad Certificate Status Response") },
    { 114, NMX_STR("Bad Certificate Hash Value") }, { 115, NMX_STR("Unknown PSK Identity") },
    { 116, NMX_STR("Certificate Required") }, { 120, NMX_STR("No Application Protocol") },
};
static SET tls_alert_set = { sizeof tls_alerts / sizeof tls_alerts[0], { .lpLabeledByteTable = tls_alerts } };

#define TLS_PROPS(X) \
    X(TLS_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(TLS_CTYPE, "Content Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &tls_ctype_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(TLS_RVERSION, "Record Version", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &tls_version_set, NMX_SW, 1, NMX_FMT_HEXSET, "Version") \
    X(TLS_RLENGTH, "Record Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Length") \
    X(TLS_HSTYPE, "Handshake Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &tls_hstype_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_HSLENGTH, "Handshake Length", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_CVERSION, "Client Version", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &tls_version_set, NMX_SW, 2, NMX_FMT_HEXSET, NULL) \
    X(TLS_SVERSION, "Server Version", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &tls_version_set, NMX_SW, 2, NMX_FMT_HEXSET, NULL) \
    X(TLS_RANDOM, "Random", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_SIDLEN, "Session ID Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_SID, "Session ID", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_CSLEN, "Cipher Suites Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_CSCOUNT, "Cipher Suites Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEC, NULL) \
    X(TLS_CS, "Cipher Suite", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_HEX, NULL) \
    X(TLS_COMPLEN, "Compression Methods Length", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_COMP, "Compression Method", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_DEFAULT, NULL) \
    X(TLS_EXTSLEN, "Extensions Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_EXTTYPE, "Extension Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &tls_ext_set, NMX_SW, 3, NMX_FMT_HEXSET, NULL) \
    X(TLS_EXTLEN, "Extension Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 3, NMX_FMT_DEFAULT, NULL) \
    X(TLS_EXTDATA, "Extension Data", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 3, NMX_FMT_DEFAULT, NULL) \
    X(TLS_SNI, "Server Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 3, NMX_FMT_DEFAULT, "SNI") \
    X(TLS_SUPVER, "Supported Version", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &tls_version_set, NMX_SW, 3, NMX_FMT_HEXSET, NULL) \
    X(TLS_HSDATA, "Handshake Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_REMAINING, NULL) \
    X(TLS_ENCHS, "Encrypted Handshake Message", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_REMAINING, NULL) \
    X(TLS_ALEVEL, "Alert Level", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &tls_level_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_ADESC, "Alert Description", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &tls_alert_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(TLS_APPDATA, "Encrypted Application Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_REMAINING, "Application Data") \
    X(TLS_RDATA, "Record Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_REMAINING, NULL) \
    X(TLS_PARTIAL, "Partial Record Header", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    X(TLS_CONT, "Continuation Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { TLS_PROPS(NMX_PROP_ENUM) TLS_NPROPS };
static nmx_propdef tls_props[] = { TLS_PROPS(NMX_PROP_DEF) };

#define TLS_RHDR 5
#define TLS_MAX_RECORD (16384u + 2048u) /* RFC 5246 §6.2.3 TLSCiphertext */

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23, CT_HEARTBEAT = 24 };
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2 };

/* aux 0 bits */
#define TLS_AUX_CONT 1u  /* the segment starts inside a record          */
#define TLS_AUX_MORE 2u  /* the last record continues past the segment  */

static bool record_header_ok(uint8_t type, uint16_t ver, uint16_t len)
{
    return type >= CT_CCS && type <= CT_HEARTBEAT && ver >= 0x0300 && ver <= 0x0304 &&
           len <= TLS_MAX_RECORD;
}

static const char *label_of(const SET *s, unsigned v)
{
    for (DWORD i = 0; i < s->nEntries; i++)
        if (s->lpLabeledByteTable[i].Value == v)
            return s->lpLabeledByteTable[i].Label;
    return NULL;
}

/* Is the handshake message header at m (record fragment ends at rend) a
 * plain one? Otherwise the record is encrypted. */
static bool hs_plain(uint8_t type, uint32_t hlen, uint32_t m, uint32_t rend, bool first)
{
    if (!label_of(&tls_hstype_set, type))
        return false;
    /* A message may continue in the next record (RFC 5246 §6.2.1), but
     * the first header of a record that claims more than the record is an
     * encrypted Finished far more often than a fragment. */
    return !first || (uint64_t)m + 4 + hlen <= rend;
}

/* The parts of a ClientHello / ServerHello body [b, e) the segment has up
 * to lim (e may lie beyond lim: the message continues). */
static void hello(nmx_dis *d, nmx_rd *r, uint8_t type, uint32_t b, uint32_t e, uint32_t lim)
{
    bool client = type == HS_CLIENT_HELLO;
#define NEED(off, n) \
    do { \
        if ((uint64_t)(off) + (n) > e) { \
            nmx_dis_malformed(d, NULL); \
            return; \
        } \
        if ((uint64_t)(off) + (n) > lim) \
            return; \
    } while (0)
    uint32_t o = b;
    NEED(o, 2);
    nmx_dis_attach(d, client ? TLS_CVERSION : TLS_SVERSION, o, 2);
    o += 2;
    NEED(o, 32);
    nmx_dis_attach(d, TLS_RANDOM, o, 32);
    o += 32;
    NEED(o, 1);
    uint8_t sl = nmx_rd_u8(r, o);
    PROPERTYINST *pi = nmx_dis_attach(d, TLS_SIDLEN, o, 1);
    if (sl > 32) {
        nmx_dis_malformed(d, pi);
        return;
    }
    o += 1;
    NEED(o, sl);
    if (sl)
        nmx_dis_attach(d, TLS_SID, o, sl);
    o += sl;
    if (client) {
        NEED(o, 2);
        uint16_t cl = nmx_rd_be16(r, o);
        pi = nmx_dis_attach(d, TLS_CSLEN, o, 2);
        if (cl < 2 || cl % 2) {
            nmx_dis_malformed(d, pi);
            return;
        }
        uint16_t count = cl / 2;
        nmx_dis_attach_ex(d, TLS_CSCOUNT, o, 2, &count, sizeof count, 2);
        o += 2;
        NEED(o, cl);
        for (uint32_t i = 0; i < cl; i += 2)
            nmx_dis_attach(d, TLS_CS, o + i, 2);
        o += cl;
        NEED(o, 1);
        uint8_t ml = nmx_rd_u8(r, o);
        pi = nmx_dis_attach(d, TLS_COMPLEN, o, 1);
        if (ml < 1) {
            nmx_dis_malformed(d, pi);
            return;
        }
        o += 1;
        NEED(o, ml);
        for (uint32_t i = 0; i < ml; i++)
            nmx_dis_attach(d, TLS_COMP, o + i, 1);
        o += ml;
    } else {
        NEED(o, 3);
        nmx_dis_attach_lvl(d, TLS_CS, o, 2, 2); /* the one chosen */
        nmx_dis_attach_lvl(d, TLS_COMP, o + 2, 1, 2);
        o += 3;
    }
    if (o == e)
        return; /* no extensions (before TLS 1.2 they were optional) */
    NEED(o, 2);
    uint16_t xl = nmx_rd_be16(r, o);
    pi = nmx_dis_attach(d, TLS_EXTSLEN, o, 2);
    if ((uint64_t)o + 2 + xl != e) {
        nmx_dis_malformed(d, pi);
        return;
    }
    o += 2;
    while (o < e) {
        NEED(o, 4);
        uint16_t xt = nmx_rd_be16(r, o), xn = nmx_rd_be16(r, o + 2);
        nmx_dis_attach(d, TLS_EXTTYPE, o, 2);
        pi = nmx_dis_attach(d, TLS_EXTLEN, o + 2, 2);
        o += 4;
        if ((uint64_t)o + xn > e) {
            nmx_dis_malformed(d, pi);
            return;
        }
        NEED(o, xn);
        if (xt == 0 && client && xn >= 2) {
            /* server_name: ServerNameList (RFC 6066 §3) */
            uint16_t ll = nmx_rd_be16(r, o);
            if ((uint32_t)ll + 2 != xn) {
                nmx_dis_malformed(d, pi);
                return;
            }
            for (uint32_t q = o + 2; q < o + xn;) {
                if ((uint64_t)q + 3 > o + xn) {
                    nmx_dis_malformed(d, pi);
                    return;
                }
                uint8_t nt = nmx_rd_u8(r, q);
                uint16_t nl = nmx_rd_be16(r, q + 1);
                if ((uint64_t)q + 3 + nl > o + xn) {
                    nmx_dis_malformed(d, pi);
                    return;
                }
                if (nt == 0) {
                    nmx_dis_attach(d, TLS_SNI, q + 3, nl);
                    if (nmx_rd_has(r, q + 3, nl))
                        nmx_dis_set_aux(d, 1, q + 3);
                }
                q += 3u + nl;
            }
        } else if (xt == 43 && client && xn >= 1) {
            uint8_t vl = nmx_rd_u8(r, o);
            if ((uint32_t)vl + 1 != xn || vl % 2) {
                nmx_dis_malformed(d, pi);
                return;
            }
            for (uint32_t q = o + 1; q < o + xn; q += 2)
                nmx_dis_attach(d, TLS_SUPVER, q, 2);
        } else if (xt == 43 && !client && xn == 2) {
            nmx_dis_attach(d, TLS_SUPVER, o, 2);
        } else if (xn) {
            nmx_dis_attach(d, TLS_EXTDATA, o, xn);
        }
        o += xn;
    }
#undef NEED
}

/* The handshake messages of a record's fragment [b, rend); lim is where
 * the segment ends. */
static void handshake(nmx_dis *d, nmx_rd *r, uint32_t b, uint32_t rend, uint32_t lim)
{
    for (uint32_t m = b; m < rend && m < lim;) {
        if (rend - m < 4 || lim - m < 4) {
            nmx_dis_attach(d, TLS_HSDATA, m, (rend < lim ? rend : lim) - m);
            return;
        }
        uint8_t t = nmx_rd_u8(r, m);
        uint32_t hl = nmx_rd_be24(r, m + 1);
        if (!nmx_rd_ok(r))
            return;
        if (!hs_plain(t, hl, m, rend, m == b)) {
            nmx_dis_attach(d, TLS_ENCHS, m, (rend < lim ? rend : lim) - m);
            return;
        }
        nmx_dis_attach(d, TLS_HSTYPE, m, 1);
        nmx_dis_attach_ex(d, TLS_HSLENGTH, m + 1, 3, &hl, sizeof hl, 2);
        uint32_t e = m + 4 + hl; /* hl < 2^24: no overflow */
        uint32_t end = e < rend ? e : rend;
        if (t == HS_CLIENT_HELLO || t == HS_SERVER_HELLO)
            hello(d, r, t, m + 4, e, end < lim ? end : lim);
        else if (hl)
            nmx_dis_attach(d, TLS_HSDATA, m + 4, (end < lim ? end : lim) - (m + 4));
        m = e;
    }
}

static void tls_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    if (r.len < s.wire)
        nmx_dis_truncated(d);
    if (r.len == 0)
        return;
    uint32_t seg = s.wire, cap = r.len;
    uint32_t aux = 0;
    bool after_ccs = false;
    nmx_dis_attach(d, TLS_SUMMARY, 0, cap);
    for (uint32_t o = 0; o < seg && o < cap;) {
        if (seg - o < TLS_RHDR) {
            /* A record header the next segment completes. */
            if (o == 0)
                aux |= TLS_AUX_CONT;
            else
                aux |= TLS_AUX_MORE;
            nmx_dis_attach(d, o == 0 ? TLS_CONT : TLS_PARTIAL, o, cap - o);
            break;
        }
        uint8_t type = nmx_rd_u8(&r, o);
        uint16_t ver = nmx_rd_be16(&r, o + 1), len = nmx_rd_be16(&r, o + 3);
        if (!nmx_rd_ok(&r))
            break; /* cut by the capture: truncated already */
        if (!record_header_ok(type, ver, len)) {
            PROPERTYINST *pi = nmx_dis_attach(d, TLS_CONT, o, cap - o);
            if (o == 0)
                aux |= TLS_AUX_CONT;
            else
                nmx_dis_malformed(d, pi); /* records follow each other */
            break;
        }
        nmx_dis_attach(d, TLS_CTYPE, o, 1);
        nmx_dis_attach(d, TLS_RVERSION, o + 1, 2);
        nmx_dis_attach(d, TLS_RLENGTH, o + 3, 2);
        uint32_t b = o + TLS_RHDR, rend = b + len;
        uint32_t lim = rend < seg ? rend : seg;
        if (lim > cap)
            lim = cap;
        if (rend > seg)
            aux |= TLS_AUX_MORE;
        switch (type) {
        case CT_HANDSHAKE:
            if (after_ccs)
                nmx_dis_attach(d, TLS_ENCHS, b, lim - b);
            else
                handshake(d, &r, b, rend, lim);
            break;
        case CT_ALERT:
            if (len == 2 && !after_ccs && lim - b == 2) {
                nmx_dis_attach(d, TLS_ALEVEL, b, 1);
                nmx_dis_attach(d, TLS_ADESC, b + 1, 1);
            } else if (lim > b) {
                nmx_dis_attach(d, TLS_RDATA, b, lim - b);
            }
            break;
        case CT_APPDATA:
            if (lim > b)
                nmx_dis_attach(d, TLS_APPDATA, b, lim - b);
            break;
        case CT_CCS:
            after_ccs = true;
            /* fall through */
        default:
            if (lim > b)
                nmx_dis_attach(d, TLS_RDATA, b, lim - b);
            break;
        }
        o = rend;
    }
    nmx_dis_set_aux(d, 0, aux);
}

/* ---- the summary --------------------------------------------------------- */

static void puts_(nmx_fmtbuf *b, const char *s)
{
    nmx__fmt_put(b, s, strlen(s));
}

static void item(nmx_fmtbuf *b, unsigned *n, const char *s)
{
    if ((*n)++)
        puts_(b, ", ");
    puts_(b, s);
}

static size_t tls_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != TLS_SUMMARY)
        return (size_t)-1;
    nmx_fmtbuf b = { buf, n, 0 };
    if (n)
        buf[0] = 0;
    uint32_t aux = nmx_fmt_aux(c, 0);
    const uint8_t *h = c->frame + c->layer->offset;
    nmx_rd r = nmx_rd_make(h, c->layer->caplen);
    uint32_t seg = c->layer->length, cap = r.len;
    if (aux & TLS_AUX_CONT) {
        char t[64];
        snprintf(t, sizeof t, "Continuation Data, %u bytes", (unsigned)seg);
        puts_(&b, t);
        return b.len;
    }
    unsigned items = 0;
    bool after_ccs = false;
    for (uint32_t o = 0; o + TLS_RHDR <= seg && o + TLS_RHDR <= cap;) {
        uint8_t type = nmx_rd_u8(&r, o);
        uint16_t ver = nmx_rd_be16(&r, o + 1), len = nmx_rd_be16(&r, o + 3);
        if (!record_header_ok(type, ver, len))
            break;
        if (o == 0 && type == CT_HANDSHAKE)
            puts_(&b, "Handshake: ");
        uint32_t bo = o + TLS_RHDR, rend = bo + len;
        switch (type) {
        case CT_HANDSHAKE:
            if (after_ccs) {
                item(&b, &items, "Encrypted Handshake Message");
                break;
            }
            for (uint32_t m = bo; m < rend && m + 4 <= seg && m + 4 <= cap;) {
                uint8_t t = nmx_rd_u8(&r, m);
                uint32_t hl = nmx_rd_be24(&r, m + 1);
                if (!hs_plain(t, hl, m, rend, m == bo)) {
                    item(&b, &items, "Encrypted Handshake Message");
                    break;
                }
                item(&b, &items, label_of(&tls_hstype_set, t));
                m += 4 + hl;
            }
            break;
        case CT_ALERT:
            if (len == 2 && !after_ccs && rend <= cap && rend <= seg) {
                const char *lv = label_of(&tls_level_set, h[bo]);
                const char *ds = label_of(&tls_alert_set, h[bo + 1]);
                char t[96];
                snprintf(t, sizeof t, "Alert (%s: %s)", lv ? lv : "Unknown",
                         ds ? ds : "Unknown");
                item(&b, &items, t);
            } else {
                item(&b, &items, "Encrypted Alert");
            }
            break;
        case CT_CCS:
            after_ccs = true;
            item(&b, &items, "Change Cipher Spec");
            break;
        default:
            item(&b, &items, label_of(&tls_ctype_set, type));
            break;
        }
        o = rend;
    }
    uint32_t sni = nmx_fmt_aux(c, 1);
    if (sni >= 2 && sni <= cap) {
        uint32_t nl = (uint32_t)h[sni - 2] << 8 | h[sni - 1];
        if (nl <= cap - sni) {
            puts_(&b, "; Server Name = ");
            for (uint32_t i = 0; i < nl; i++) {
                char t[5];
                uint8_t ch = h[sni + i];
                if (ch >= 0x20 && ch < 0x7F && ch != '\\')
                    nmx__fmt_put(&b, (const char *)&h[sni + i], 1);
                else {
                    snprintf(t, sizeof t, "\\x%02X", ch);
                    puts_(&b, t);
                }
            }
        }
    }
    if (aux & TLS_AUX_MORE)
        puts_(&b, "; continued in the next segment");
    if (b.len == 0) {
        /* Not even one record header in the captured bytes (a cut
         * segment): say so rather than print nothing. */
        char t[80];
        if (cap < seg)
            snprintf(t, sizeof t, "Truncated TLS record, %u of %u bytes captured",
                     (unsigned)cap, (unsigned)seg);
        else
            snprintf(t, sizeof t, "TLS data, %u bytes", (unsigned)seg);
        puts_(&b, t);
    }
    return b.len;
}

const nmx_protocol nmx_proto_tls = {
    .name = "TLS",
    .comment = "Transport Layer Security",
    .aliases = "SSL|Tls",
    .props = tls_props,
    .nprops = TLS_NPROPS,
    .dissect = tls_dissect,
    .format = tls_format,
    .handoff = { { NMX_HO_TCP_PORT, 443 }, { NMX_HO_TCP_PORT, 465 }, { NMX_HO_TCP_PORT, 636 },
                 { NMX_HO_TCP_PORT, 853 }, { NMX_HO_TCP_PORT, 993 }, { NMX_HO_TCP_PORT, 995 },
                 { NMX_HO_TCP_PORT, 8443 } },
};
