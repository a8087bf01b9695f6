/*
 * icmp_common.h: what ICMP (proto_icmp.c, RFC 792) and ICMPv6
 * (proto_icmp6.c, RFC 4443) share: the 8-byte header that starts every
 * message (Type, Code, Checksum, 4 bytes of the type's own), the quoted
 * packet of an error message with its RFC 4884 Length, and the texts of the
 * Code field and of the summary.
 *
 * The dissect helpers are inline: they stand on every ICMP frame's path.
 */
#ifndef NMX_DISSECT_ICMP_COMMON_H
#define NMX_DISSECT_ICMP_COMMON_H

#include "dissect/dissect_int.h"

#define NMX__ICMP_HDR 8
/* RFC 4884 4.1: with a Length, the original datagram field is zero-padded
 * to at least 128 bytes, and the extension structure follows it. */
#define NMX__ICMP_EXT_MIN_ORIG 128

/* The first properties of both, for a protocol's X-macro list (P: the
 * prefix of its property names, typeset: its SET of type names): the
 * header's fields, then an echo's Identifier and Sequence Number. */
#define NMX__ICMP_HEAD_PROPS(X, P, typeset) \
    X(P##SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(P##TYPE, "Type", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, typeset, 0, 1, NMX_FMT_DEFAULT, "Packet Type") \
    X(P##CODE, "Code", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, NULL) \
    X(P##CHECKSUM, "Checksum", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "CheckSum") \
    X(P##ID, "Identifier", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, "ID") \
    X(P##SEQ, "Sequence Number", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Seq")

/* A code's name from the names of a type's codes, or NULL. */
#define NMX__ICMP_CODE_NAME(names, code) \
    ((code) < sizeof(names) / sizeof *(names) ? (names)[code] : NULL)

/* Attaches the Summary, Type, Code and Checksum of the header: the
 * protocol's properties `first` to `first` + 3, in that order (as
 * NMX__ICMP_HEAD_PROPS lists them). */
static inline void nmx__icmp_attach_header(nmx_dis *d, const nmx_rd *r, unsigned first)
{
    nmx_dis_attach(d, first, 0, r->len < NMX__ICMP_HDR ? r->len : NMX__ICMP_HDR);
    nmx_dis_attach(d, first + 1, 0, 1);
    nmx_dis_attach(d, first + 2, 1, 1);
    nmx_dis_attach(d, first + 3, 2, 2);
}

/* Is the whole header there? If not, the layer is MALFORMED when the
 * message is shorter than a header, TRUNCATED when the capture cut it. */
static inline bool nmx__icmp_need_header(nmx_dis *d, nmx_rd *r, nmx_span s)
{
    if (nmx_rd_need(r, 0, NMX__ICMP_HDR))
        return true;
    if (s.wire < NMX__ICMP_HDR)
        nmx_dis_malformed(d, NULL);
    else
        nmx_dis_truncated(d);
    return false;
}

/* The packet an error message quotes from byte 8 to the end of s (the
 * message ends where its IP payload does), or, with an RFC 4884 Length of
 * `ol` bytes (0: none), only those bytes: then an extension structure may
 * follow, and *ext is its offset (0: none). A Length below 128 bytes or
 * past the message is MALFORMED and ignored. Attaches the quoted bytes as
 * property `orig_prop`; the layer is TRUNCATED when the capture cut them. */
static inline nmx_span nmx__icmp_quote(nmx_dis *d, const nmx_rd *r, nmx_span s,
                                       unsigned orig_prop, uint32_t ol, uint32_t *ext)
{
    uint32_t end = s.wire, qlen = end - NMX__ICMP_HDR;
    *ext = 0;
    if (ol != 0) {
        if (ol < NMX__ICMP_EXT_MIN_ORIG || ol > qlen) {
            nmx_dis_malformed(d, NULL);
        } else {
            qlen = ol;
            if (NMX__ICMP_HDR + qlen < end)
                *ext = NMX__ICMP_HDR + qlen;
        }
    }
    nmx_span q = nmx_span_sub(s, NMX__ICMP_HDR, qlen);
    nmx_dis_attach(d, orig_prop, NMX__ICMP_HDR, q.len);
    if (NMX__ICMP_HDR + qlen > r->len)
        nmx_dis_truncated(d);
    return q;
}

/* ---- texts (icmp_common.c) ------------------------------------------------ */

/* One protocol's view for the texts below. */
typedef struct nmx__icmp_text {
    const char *name;           /* "ICMP", as in "Truncated ICMP header"     */
    unsigned summary_prop, code_prop;
    const LABELED_BYTE *types;  /* names of the types ...                    */
    size_t ntypes;              /* ... and how many                          */
    /* The name of a code of a type, or NULL. */
    const char *(*code_name)(uint8_t type, uint8_t code);
    /* The summary of the types that say more than their code's name: its
     * length (as snprintf), or (size_t)-1 for the generic summary. h holds
     * at least the header; cap bytes of it are captured. */
    size_t (*summary)(const uint8_t *h, uint32_t cap, const char *tn, char *buf, size_t n);
    bool code_number;           /* no code name: "Type: Code = N", not "Type" */
} nmx__icmp_text;

/* The protocol's format hook for its Code and Summary properties:
 * "Code = 3 (Port Unreachable)"; "Echo Request: ID = 0x0001, Seq = 7". */
size_t nmx__icmp_format(const nmx__icmp_text *t, const nmx_fmtctx *c, char *buf, size_t n);

/* Defines the format hook `fn` of a protocol described by the
 * nmx__icmp_text initializers that follow. */
#define NMX__ICMP_FORMAT(fn, ...)                                \
    static size_t fn(const nmx_fmtctx *c, char *buf, size_t n)  \
    {                                                            \
        static const nmx__icmp_text text_ = { __VA_ARGS__ };     \
        return nmx__icmp_format(&text_, c, buf, n);              \
    }

/* "Type: ID = 0x0001, Seq = 7" of an echo-like message (h: its header). */
size_t nmx__icmp_echo_summary(const uint8_t *h, const char *tn, char *buf, size_t n);

#endif /* NMX_DISSECT_ICMP_COMMON_H */
