/*
 * \summary: Hypertext Transfer Protocol, version 1.x
 *
 * specification: RFC 9112 (HTTP/1.1 message syntax: start line, field
 * lines, obsolete line folding), RFC 9110 (semantics: methods, status
 * codes and their reason phrases, field names).
 *
 * Brought here by: TCP ports 80 and 8080 (Network Monitor's TCP.ini
 * [TCP_HandoffSet] "80 = HTTP"). Hands off to nothing: the body is "Data".
 *
 *   request-line  = method SP request-target SP HTTP-version CRLF
 *   status-line   = HTTP-version SP status-code SP [ reason-phrase ] CRLF
 *   field-line    = field-name ":" OWS field-value OWS CRLF
 *   HTTP-message  = start-line *( field-line ) CRLF [ message-body ]
 *
 * One TCP segment is one HTTP layer; segments are not reassembled. A
 * segment that begins with a request or status line is a message start:
 * its start line and the field lines it holds are properties, and the
 * bytes after the empty line are "Data". A segment that begins with
 * anything else (the rest of a body, or field lines of a header that
 * continued from the previous segment) is "HTTP Data": nothing in it is
 * interpreted, because without the segments before it nothing can be
 * known for sure. A start line is recognised only when it is complete
 * (up to its LF) or, when the segment ends inside it, when it begins with
 * a registered method name or "HTTP/d.d ddd": never by guessing.
 *
 * tshark reassembles by default, and reports a message on the segment
 * that completes it: in ppp_many-protocols.pcap the POST whose field lines
 * fill frame 73 is reported on frame 74, which holds only its 75-byte
 * body. Here the request is frame 73's, as tshark reports it with
 * tcp.desegment_tcp_streams:FALSE (the setting tests/dissect compares
 * with); frame 74 is "HTTP Data".
 *
 * Names: Network Monitor 2.x's HTTP parser (an IIS troubleshooting
 * article quotes its detail lines): "Request Method =GET",
 * "Uniform Resource Identifier =/time.asp", "Protocol Version =HTTP/1.1",
 * "Status Code = Bad Request", "Reason =Bad Request", and one line per
 * field with the field name as label ("Host =iisserver"). Here the common
 * fields are properties of their own whose label is the field name (so
 * GetProperty(hHttp, "Host") finds them); any other field is an instance
 * of the property "Header", printed the same way ("X-Powered-By =ASP.NET").
 * Summaries: "GET Request from Client", "Response to Client; HTTP/1.1;
 * Status Code = 400 - Bad Request", and ours for the rest:
 * "Continuation data, 610 bytes".
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dissect/dissect_int.h"

/* RFC 9110 §15 (and RFC 4918 207, RFC 6585 429): reason phrases. */
static LABELED_WORD http_status[] = {
    { 100, NMX_STR("Continue") }, { 101, NMX_STR("Switching Protocols") },
    { 200, NMX_STR("OK") }, { 201, NMX_STR("Created") }, { 202, NMX_STR("Accepted") },
    { 203, NMX_STR("Non-Authoritative Information") }, { 204, NMX_STR("No Content") },
    { 205, NMX_STR("Reset Content") }, { 206, NMX_STR("Partial Content") },
    { 207, NMX_STR("Multi-Status") },
    { 300, NMX_STR("Multiple Choices") }, { 301, NMX_STR("Moved Permanently") },
    { 302, NMX_STR("Found") }, { 303, NMX_STR("See Other") }, { 304, NMX_STR("Not Modified") },
    { 305, NMX_STR("Use Proxy") }, { 307, NMX_STR("Temporary Redirect") },
    { 308, NMX_STR("Permanent Redirect") },
    { 400, NMX_STR("Bad Request") }, { 401, NMX_STR("Unauthorized") },
    { 402, NMX_STR("Payment Required") }, { 403, NMX_STR("Forbidden") },
    { 404, NMX_STR("Not Found") }, { 405, NMX_STR("Method Not Allowed") },
    { 406, NMX_STR("Not Acceptable") }, { 407, NMX_STR("Proxy Authentication Required") },
    { 408, NMX_STR("Request Timeout") }, { 409, NMX_STR("Conflict") }, { 410, NMX_STR("Gone") },
    { 411, NMX_STR("Length Required") }, { 412, NMX_STR("Precondition Failed") },
    { 413, NMX_STR("Content Too Large") }, { 414, NMX_STR("URI Too Long") },
    { 415, NMX_STR("Unsupported Media Type") }, { 416, NMX_STR("Range Not Satisfiable") },
    { 417, NMX_STR("Expectation Failed") }, { 421, NMX_STR("Misdirected Request") },
    { 422, NMX_STR("Unprocessable Content") }, { 426, NMX_STR("Upgrade Required") },
    { 429, NMX_STR("Too Many Requests") },
    { 500, NMX_STR("Internal Server Error") }, { 501, NMX_STR("Not Implemented") },
    { 502, NMX_STR("Bad Gateway") }, { 503, NMX_STR("Service Unavailable") },
    { 504, NMX_STR("Gateway Timeout") }, { 505, NMX_STR("HTTP Version Not Supported") },
};
static SET http_status_set = { sizeof http_status / sizeof http_status[0],
                               { .lpLabeledWordTable = http_status } };

#define HS(X, id, name) \
    X(id, name, PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_STRING_EQ, NULL)

/* The labeled fields, in the order of the list below (HTTP_F_FIRST ..
 * HTTP_F_LAST): RFC 9110 / 9111 / 6265 fields and the common extensions. */
#define HTTP_PROPS(X) \
    X(HTTP_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(HTTP_METHOD, "Request Method", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_STRING_EQ, "Method") \
    X(HTTP_URI, "Uniform Resource Identifier", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_STRING_EQ, "URI|Request URI") \
    X(HTTP_VERSION, "Protocol Version", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_STRING_EQ, NULL) \
    X(HTTP_STATUS, "Status Code", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &http_status_set, 0, 1, NMX_FMT_DEC, NULL) \
    X(HTTP_REASON, "Reason", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_STRING_EQ, "Reason Phrase") \
    HS(X, HTTP_F_HOST, "Host") \
    HS(X, HTTP_F_UA, "User-Agent") \
    HS(X, HTTP_F_ACCEPT, "Accept") \
    HS(X, HTTP_F_ACCEPT_LANGUAGE, "Accept-Language") \
    HS(X, HTTP_F_ACCEPT_ENCODING, "Accept-Encoding") \
    HS(X, HTTP_F_ACCEPT_CHARSET, "Accept-Charset") \
    HS(X, HTTP_F_ACCEPT_RANGES, "Accept-Ranges") \
    HS(X, HTTP_F_AGE, "Age") \
    HS(X, HTTP_F_AUTHORIZATION, "Authorization") \
    HS(X, HTTP_F_CACHE_CONTROL, "Cache-Control") \
    HS(X, HTTP_F_CONNECTION, "Connection") \
    HS(X, HTTP_F_CONTENT_ENCODING, "Content-Encoding") \
    HS(X, HTTP_F_CONTENT_LENGTH, "Content-Length") \
    HS(X, HTTP_F_CONTENT_RANGE, "Content-Range") \
    HS(X, HTTP_F_CONTENT_TYPE, "Content-Type") \
    HS(X, HTTP_F_COOKIE, "Cookie") \
    HS(X, HTTP_F_DATE, "Date") \
    HS(X, HTTP_F_ETAG, "ETag") \
    HS(X, HTTP_F_EXPECT, "Expect") \
    HS(X, HTTP_F_EXPIRES, "Expires") \
    HS(X, HTTP_F_IF_MODIFIED_SINCE, "If-Modified-Since") \
    HS(X, HTTP_F_IF_NONE_MATCH, "If-None-Match") \
    HS(X, HTTP_F_KEEP_ALIVE, "Keep-Alive") \
    HS(X, HTTP_F_LAST_MODIFIED, "Last-Modified") \
    HS(X, HTTP_F_LOCATION, "Location") \
    HS(X, HTTP_F_ORIGIN, "Origin") \
    HS(X, HTTP_F_PRAGMA, "Pragma") \
    HS(X, HTTP_F_PROXY_AUTHENTICATE, "Proxy-Authenticate") \
    HS(X, HTTP_F_PROXY_AUTHORIZATION, "Proxy-Authorization") \
    HS(X, HTTP_F_RANGE, "Range") \
    HS(X, HTTP_F_REFERER, "Referer") \
    HS(X, HTTP_F_SERVER, "Server") \
    HS(X, HTTP_F_SET_COOKIE, "Set-Cookie") \
    HS(X, HTTP_F_SOAPACTION, "SOAPAction") \
    HS(X, HTTP_F_TRANSFER_ENCODING, "Transfer-Encoding") \
    HS(X, HTTP_F_UA_CPU, "UA-CPU") \
    HS(X, HTTP_F_UPGRADE, "Upgrade") \
    HS(X, HTTP_F_VARY, "Vary") \
    HS(X, HTTP_F_VIA, "Via") \
    HS(X, HTTP_F_WWW_AUTHENTICATE, "WWW-Authenticate") \
    HS(X, HTTP_F_X_FORWARDED_FOR, "X-Forwarded-For") \
    X(HTTP_HEADER, "Header", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, "Header Field") \
    X(HTTP_BODY, "Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Message Body") \
    X(HTTP_CONT, "HTTP Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Continuation Data")

enum { HTTP_PROPS(NMX_PROP_ENUM) HTTP_NPROPS };
static nmx_propdef http_props[] = { HTTP_PROPS(NMX_PROP_DEF) };
#undef HS

#define HTTP_F_FIRST HTTP_F_HOST
#define HTTP_F_LAST HTTP_F_X_FORWARDED_FOR

/* What the segment starts with (aux 0); aux 1 is the start line's length. */
enum { HTTP_KIND_CONT = 0, HTTP_KIND_REQUEST = 1, HTTP_KIND_RESPONSE = 2 };

/* Methods recognised when the segment ends inside the request line:
 * RFC 9110 §9, RFC 5789 (PATCH), RFC 4918 (WebDAV), and the RPC over
 * HTTP methods of [MS-RPCH] 2.1.2.1. */
static const char *const http_methods[] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
    "RPC_IN_DATA", "RPC_OUT_DATA",
};

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* "HTTP/d.d" at p[0..8)? */
static bool is_version(const uint8_t *p, uint32_t n)
{
    return n >= 8 && memcmp(p, "HTTP/", 5) == 0 && is_digit(p[5]) && p[6] == '.' &&
           is_digit(p[7]);
}

/* A start line's pieces (offsets from the segment start). */
typedef struct http_start {
    int kind;
    uint32_t line;      /* length without CR LF                           */
    uint32_t next;      /* first byte after the LF (= n when there is none) */
    uint32_t a, alen;   /* method / version                               */
    uint32_t b, blen;   /* request-target / status code                   */
    uint32_t c, clen;   /* version / reason phrase                        */
} http_start;

static bool known_method(const uint8_t *p, uint32_t n)
{
    for (size_t i = 0; i < sizeof http_methods / sizeof http_methods[0]; i++)
        if (strlen(http_methods[i]) == n && memcmp(p, http_methods[i], n) == 0)
            return true;
    return false;
}

/* Recognises the start line at p[0..n) (RFC 9112 §3, §4). */
static bool start_line(const uint8_t *p, uint32_t n, http_start *st)
{
    memset(st, 0, sizeof *st);
    const uint8_t *lf = n ? memchr(p, '\n', n) : NULL;
    bool whole = lf != NULL;
    uint32_t end = whole ? (uint32_t)(lf - p) : n;
    st->next = whole ? end + 1 : n;
    if (whole && end > 0 && p[end - 1] == '\r')
        end--;
    st->line = end;

    if (is_version(p, end) && end >= 12 && p[8] == ' ' && is_digit(p[9]) && is_digit(p[10]) &&
        is_digit(p[11]) && (end == 12 || p[12] == ' ')) {
        st->kind = HTTP_KIND_RESPONSE;
        st->a = 0;
        st->alen = 8;
        st->b = 9;
        st->blen = 3;
        st->c = end > 12 ? 13 : 12;
        st->clen = end - st->c;
        /* A reason phrase is HTAB / SP / VCHAR / obs-text. */
        for (uint32_t i = st->c; i < end; i++)
            if (p[i] < 0x20 && p[i] != '\t')
                return false;
        return true;
    }

    uint32_t i = 0;
    while (i < end && is_tchar(p[i]))
        i++;
    if (i == 0 || i >= end || p[i] != ' ')
        return false;
    st->a = 0;
    st->alen = i;
    uint32_t t = ++i;
    while (i < end && p[i] > 0x20 && p[i] != 0x7F)
        i++;
    if (i == t)
        return false;
    st->b = t;
    st->blen = i - t;
    if (i == end && !whole) {
        /* The segment ends inside the target: only a method we know. */
        if (!known_method(p, st->alen))
            return false;
        st->kind = HTTP_KIND_REQUEST;
        st->c = end;
        return true;
    }
    if (p[i] != ' ')
        return false;
    i++;
    if (!whole && end - i < 8 && memcmp(p + i, "HTTP/", end - i < 5 ? end - i : 5) == 0 &&
        known_method(p, st->alen)) {
        st->kind = HTTP_KIND_REQUEST;  /* cut inside the version */
        st->c = i;
        st->clen = end - i;
        return true;
    }
    if (end - i != 8 || !is_version(p + i, 8))
        return false;
    st->kind = HTTP_KIND_REQUEST;
    st->c = i;
    st->clen = 8;
    return true;
}

/* The labeled property of a field name, or HTTP_HEADER. */
static unsigned field_prop(const uint8_t *name, uint32_t n)
{
    if (n == 0)
        return HTTP_HEADER;
    /* First letters compared without case (bit 0x20) before the rest:
     * most labels differ there. */
    unsigned c0 = name[0] | 0x20u;
    for (unsigned k = HTTP_F_FIRST; k <= HTTP_F_LAST; k++) {
        const char *l = http_props[k].info.Label;
        if (((unsigned char)l[0] | 0x20u) == c0 && strlen(l) == n &&
            strncasecmp(l, (const char *)name, n) == 0)
            return k;
    }
    return HTTP_HEADER;
}

static bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* The field lines from `at` to the empty line; returns the offset of the
 * body, or n when the segment ends first. */
static uint32_t field_lines(nmx_dis *d, const uint8_t *p, uint32_t n, uint32_t at)
{
    while (at < n) {
        const uint8_t *lf = memchr(p + at, '\n', n - at);
        uint32_t eol = lf ? (uint32_t)(lf - p) : n;
        /* obs-fold (RFC 9112 §5.2): a line starting with SP or HTAB
         * continues the field line before it. */
        while (lf && eol + 1 < n && is_ows(p[eol + 1])) {
            lf = memchr(p + eol + 1, '\n', n - eol - 1);
            eol = lf ? (uint32_t)(lf - p) : n;
        }
        uint32_t end = eol;
        if (lf && end > at && p[end - 1] == '\r')
            end--;
        uint32_t next = lf ? eol + 1 : n;
        if (end == at && lf)
            return next; /* the empty line: the body follows */
        const uint8_t *colon = memchr(p + at, ':', end - at);
        uint32_t c = colon ? (uint32_t)(colon - p) : end;
        bool bad = !colon || c == at;
        for (uint32_t i = at; i < c && !bad; i++)
            bad = !is_tchar(p[i]); /* no white space before the colon (§5.1) */
        if (bad) {
            /* A line that is no field line: malformed, unless the
             * segment simply ends inside it. */
            PROPERTYINST *pi = nmx_dis_attach(d, HTTP_HEADER, at, end - at);
            if (lf)
                nmx_dis_malformed(d, pi);
            at = next;
            continue;
        }
        unsigned k = field_prop(p + at, c - at);
        if (k == HTTP_HEADER) {
            nmx_dis_attach(d, HTTP_HEADER, at, end - at);
        } else {
            uint32_t v = c + 1, ve = end;
            while (v < ve && is_ows(p[v]))
                v++;
            while (ve > v && is_ows(p[ve - 1]))
                ve--;
            nmx_dis_attach(d, k, v, ve - v);
        }
        at = next;
    }
    return n;
}

static void http_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint32_t n = r.len;
    /* Bytes the capture did not keep make the layer truncated wherever
     * they are (in the fields or the body). */
    if (n < s.wire)
        nmx_dis_truncated(d);
    const uint8_t *p = n ? nmx_rd_ptr(&r, 0, n) : NULL;
    if (!p)
        return;
    http_start st;
    if (!start_line(p, n, &st)) {
        nmx_dis_set_aux(d, 0, HTTP_KIND_CONT);
        nmx_dis_attach(d, HTTP_SUMMARY, 0, n);
        nmx_dis_attach(d, HTTP_CONT, 0, n);
        return;
    }
    nmx_dis_set_aux(d, 0, (uint32_t)st.kind);
    nmx_dis_set_aux(d, 1, st.line);
    /* The field lines decide the status (a line that is no field line is
     * malformed): read in both modes (docs/dissectors.md, "The driver"). */
    nmx_dis_attach(d, HTTP_SUMMARY, 0, st.line);
    if (st.kind == HTTP_KIND_REQUEST) {
        nmx_dis_attach(d, HTTP_METHOD, st.a, st.alen);
        nmx_dis_attach(d, HTTP_URI, st.b, st.blen);
        if (st.clen)
            nmx_dis_attach(d, HTTP_VERSION, st.c, st.clen);
    } else {
        nmx_dis_attach(d, HTTP_VERSION, st.a, st.alen);
        uint16_t code = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
        nmx_dis_attach_ex(d, HTTP_STATUS, st.b, st.blen, &code, sizeof code, 1);
        nmx_dis_attach(d, HTTP_REASON, st.c, st.clen);
    }
    if (st.next >= n)
        return;
    uint32_t body = field_lines(d, p, n, st.next);
    if (body < n)
        nmx_dis_attach(d, HTTP_BODY, body, n - body);
}

/* Appends p[0..len) to buf as one safe line (as the generic formatter
 * prints strings); returns the new length. */
static size_t put_text(char *buf, size_t n, size_t at, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char t[5];
        int w;
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\\') {
            t[0] = (char)p[i];
            t[1] = 0;
            w = 1;
        } else {
            w = snprintf(t, sizeof t, "\\x%02X", p[i]);
        }
        at = nmx__fmt_append(buf, n, at, t, (size_t)w);
    }
    return at;
}

static const char *status_text(unsigned code)
{
    for (size_t i = 0; i < sizeof http_status / sizeof http_status[0]; i++)
        if (http_status[i].Value == code)
            return http_status[i].Label;
    return NULL;
}

static size_t http_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    const uint8_t *h = c->frame + c->layer->offset;
    uint32_t cap = c->layer->caplen;
    if (c->prop == HTTP_HEADER) {
        const uint8_t *p = c->pi->lpData;
        uint32_t len = c->pi->DataLength;
        const uint8_t *colon = memchr(p, ':', len);
        if (!colon) {
            size_t at = (size_t)snprintf(buf, n, "Header =");
            return put_text(buf, n, at, p, len);
        }
        uint32_t k = (uint32_t)(colon - p), v = k + 1, ve = len;
        while (v < ve && is_ows(p[v]))
            v++;
        while (ve > v && is_ows(p[ve - 1]))
            ve--;
        size_t at = put_text(buf, n, 0, p, k);
        at = put_text(buf, n, at, (const uint8_t *)" =", 2);
        return put_text(buf, n, at, p + v, ve - v);
    }
    if (c->prop != HTTP_SUMMARY)
        return (size_t)-1;
    uint32_t kind = nmx_fmt_aux(c, 0), line = nmx_fmt_aux(c, 1);
    if (line > cap)
        line = cap;
    if (kind == HTTP_KIND_REQUEST) {
        uint32_t m = 0;
        while (m < line && h[m] != ' ')
            m++;
        size_t at = put_text(buf, n, 0, h, m);
        return put_text(buf, n, at, (const uint8_t *)" Request from Client", 20);
    }
    if (kind == HTTP_KIND_RESPONSE && line >= 12) {
        unsigned code = (unsigned)(h[9] - '0') * 100 + (unsigned)(h[10] - '0') * 10 +
                        (unsigned)(h[11] - '0');
        size_t at = (size_t)snprintf(buf, n, "Response to Client; %.8s; Status Code = %u - ",
                                     (const char *)h, code);
        const char *t = status_text(code);
        if (t)
            return put_text(buf, n, at, (const uint8_t *)t, strlen(t));
        return line > 13 ? put_text(buf, n, at, h + 13, line - 13) : at;
    }
    return (size_t)snprintf(buf, n, "Continuation data, %u bytes", (unsigned)c->layer->length);
}

const nmx_protocol nmx_proto_http = {
    .name = "HTTP",
    .comment = "Hypertext Transfer Protocol",
    .aliases = "Http",
    .props = http_props,
    .nprops = HTTP_NPROPS,
    .dissect = http_dissect,
    .format = http_format,
    .handoff = { { NMX_HO_TCP_PORT, 80 }, { NMX_HO_TCP_PORT, 8080 } },
};
