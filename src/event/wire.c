/*
 * The wire format between an expert's child process and the parent host.
 *
 * Everything is little-endian. A stream is a sequence of frames:
 *
 *   offset size
 *   0      2    magic "NX" (0x4E 0x58)
 *   2      1    version (NMX_WIRE_VERSION = 1)
 *   3      1    type (nmx_wire_type: 1 EVENT .. 5 RESULT)
 *   4      4    payload length, at most NMX_WIRE_MAX_FRAME (1 MiB)
 *   8      n    payload
 *
 * (Read as one u32, the first word is 0x4E58 | version << 16 | type << 24.)
 *
 * A string is a u32 byte count followed by the bytes, no terminator; it
 * holds no NUL byte and has its own limit (below). Payloads:
 *
 *   EVENT    u64 seq, u32 ident, u32 flags, u32 severity,
 *            u8 version, u8 has_time (0/1), u8 ncolumns, u8 0,
 *            u16 time[8] (SYSTEMTIME order),
 *            str expert, source, name, description, machine, justification
 *                (each <= NMX_EVENT_MAX_STRING),
 *            ncolumns x { str name (<= NMX_EVENT_MAX_STRING), u32 type,
 *                         u8 value[16], str text (<= NMX_EVENT_MAX_STRING,
 *                         empty unless type is STRING) }
 *            value: integer, boolean, frame and float types: the 8 bytes of
 *            the value (u64, two's complement i64, or IEEE-754 bits) then 8
 *            zero bytes; MACADDR / IPXADDR / IPADDR: the 6 / 10 / 4 address
 *            bytes, zero-padded; STRING: 16 zero bytes; other type numbers:
 *            8 bytes as for integers, 8 zero bytes. Integers must fit their
 *            type, booleans are 0 or 1.
 *   STATUS   u32 status, u32 sub_status, u32 percent (<= 100), u32 frame,
 *            u64 updates, str text (<= NMX_WIRE_MAX_STATUS_TEXT)
 *   MEMSTATS u64 cur_bytes, cur_blocks, peak_bytes, misuse_total, failed_allocs
 *   LOG      u32 level, str text (<= NMX_EVENT_MAX_STRING)
 *   RESULT   i32 run_result, u32 0, u64 leaked_blocks, leaked_bytes, overruns,
 *            misuse_total, peak_bytes
 *
 * A payload must be consumed exactly. Any departure from this layout is
 * NMX_ECORRUPT, reported with the stream offset of the offending field.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/cursor.h"
#include "nmexpert/sink.h"

enum { T_UINT8, T_SINT8, T_UINT16, T_SINT16, T_UINT32, T_SINT32, T_FLOAT64, T_FRAME,
       T_YESNO, T_ONOFF, T_TRUEFALSE, T_MACADDR, T_IPXADDR, T_IPADDR, T_VARTIME, T_STRING };

#define MAGIC0 0x4Eu /* 'N' */
#define MAGIC1 0x58u /* 'X' */
#define EVENT_FIXED 40u
#define NSTR_FIXED 6u
#define VALUE_SIZE 16u
#define MEMSTATS_SIZE 40u
#define RESULT_SIZE 48u
#define STATUS_FIXED 24u

/* ---- encoding ---------------------------------------------------------- */

/* Writes while there is room, counts always: one pass gives the size. */
typedef struct wr {
    uint8_t *p;
    size_t cap, len;
} wr;

static void put(wr *w, const void *src, size_t n)
{
    if (n && w->p && w->len <= w->cap && n <= w->cap - w->len)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put_u8(wr *w, uint8_t v)
{
    put(w, &v, 1);
}

static void put_u16(wr *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(w, b, 2);
}

static void put_u32(wr *w, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, 4);
}

static void put_u64(wr *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, 8);
}

static void put_str(wr *w, const char *s, uint32_t n)
{
    put_u32(w, n);
    put(w, s, n);
}

static size_t slen(const char *s, size_t limit)
{
    return s ? strnlen(s, limit) : 0;
}

/* Largest n' <= n that does not cut a UTF-8 sequence (s has >= n bytes). */
static size_t utf8_cut(const char *s, size_t full, size_t n)
{
    if (n >= full)
        return full;
    while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u)
        n--;
    return n;
}

static bool is_addr(uint32_t t)
{
    return t == T_MACADDR || t == T_IPXADDR || t == T_IPADDR;
}

static void put_value(wr *w, const nmx_event_column *c)
{
    uint8_t v[VALUE_SIZE];
    memset(v, 0, sizeof v);
    if (c->type == T_MACADDR)
        memcpy(v, c->v.mac, 6);
    else if (c->type == T_IPXADDR)
        memcpy(v, c->v.ipx, 10);
    else if (c->type == T_IPADDR)
        memcpy(v, c->v.ip, 4);
    else if (c->type != T_STRING) {
        uint64_t u;
        memcpy(&u, &c->v, sizeof u); /* u, i and f share these bytes */
        for (int i = 0; i < 8; i++)
            v[i] = (uint8_t)(u >> (8 * i));
    }
    put(w, v, sizeof v);
}

static void put_header(wr *w, nmx_wire_type type, uint32_t payload)
{
    put_u8(w, MAGIC0);
    put_u8(w, MAGIC1);
    put_u8(w, NMX_WIRE_VERSION);
    put_u8(w, (uint8_t)type);
    put_u32(w, payload);
}

#define EV_NSTR (NSTR_FIXED + 2u * 255u)

/* The strings of an event in wire order, with the lengths they get. */
static void event_strings(const nmx_event *ev, const char **s, size_t *n, size_t *count)
{
    size_t k = 0;
    s[k++] = ev->expert;
    s[k++] = ev->source;
    s[k++] = ev->name;
    s[k++] = ev->description;
    s[k++] = ev->machine;
    s[k++] = ev->justification;
    for (size_t i = 0; i < ev->ncolumns; i++) {
        s[k++] = ev->columns[i].name;
        s[k++] = ev->columns[i].type == T_STRING ? ev->columns[i].str : NULL;
    }
    for (size_t i = 0; i < k; i++)
        n[i] = slen(s[i], NMX_EVENT_MAX_STRING);
    *count = k;
}

static nmx_err encode_event(const nmx_event *ev, wr *w)
{
    if (!ev || (ev->ncolumns && !ev->columns))
        return NMX_EINVAL;
    const char *s[EV_NSTR];
    size_t n[EV_NSTR], k;
    event_strings(ev, s, n, &k);
    size_t fixed = EVENT_FIXED + 4u * k + (4u + VALUE_SIZE) * ev->ncolumns;
    size_t total = fixed;
    for (size_t i = 0; i < k; i++)
        total += n[i];
    if (total > NMX_WIRE_MAX_FRAME) {
        /* cut every string to at most `lim` bytes, lim as large as fits */
        size_t budget = NMX_WIRE_MAX_FRAME - fixed, lo = 0, hi = NMX_EVENT_MAX_STRING;
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2, sum = 0;
            for (size_t i = 0; i < k; i++)
                sum += n[i] < mid ? n[i] : mid;
            if (sum <= budget)
                lo = mid;
            else
                hi = mid - 1;
        }
        for (size_t i = 0; i < k; i++)
            n[i] = utf8_cut(s[i], n[i], lo);
        total = fixed;
        for (size_t i = 0; i < k; i++)
            total += n[i];
    }
    put_header(w, NMX_WIRE_EVENT, (uint32_t)total);
    put_u64(w, ev->seq);
    put_u32(w, ev->ident);
    put_u32(w, ev->flags);
    put_u32(w, ev->severity);
    put_u8(w, ev->version);
    put_u8(w, ev->has_time ? 1 : 0);
    put_u8(w, ev->ncolumns);
    put_u8(w, 0);
    for (int i = 0; i < 8; i++)
        put_u16(w, ev->time[i]);
    for (size_t i = 0; i < NSTR_FIXED; i++)
        put_str(w, s[i], (uint32_t)n[i]);
    for (size_t i = 0; i < ev->ncolumns; i++) {
        const nmx_event_column *c = &ev->columns[i];
        put_str(w, s[NSTR_FIXED + 2 * i], (uint32_t)n[NSTR_FIXED + 2 * i]);
        put_u32(w, c->type);
        put_value(w, c);
        put_str(w, s[NSTR_FIXED + 2 * i + 1], (uint32_t)n[NSTR_FIXED + 2 * i + 1]);
    }
    return NMX_OK;
}

static nmx_err encode_msg(const nmx_wire_msg *m, wr *w)
{
    if (!m)
        return NMX_EINVAL;
    switch (m->type) {
    case NMX_WIRE_EVENT:
        return encode_event(m->u.event, w);
    case NMX_WIRE_STATUS: {
        const nmx_status *st = &m->u.status;
        uint32_t n = (uint32_t)strnlen(st->text, NMX_WIRE_MAX_STATUS_TEXT);
        n = (uint32_t)utf8_cut(st->text, n, n);
        put_header(w, NMX_WIRE_STATUS, STATUS_FIXED + 4u + n);
        put_u32(w, st->status);
        put_u32(w, st->sub_status);
        put_u32(w, st->percent > 100 ? 100 : st->percent);
        put_u32(w, st->frame);
        put_u64(w, st->updates);
        put_str(w, st->text, n);
        return NMX_OK;
    }
    case NMX_WIRE_MEMSTATS: {
        const nmx_wire_memstats *ms = &m->u.mem;
        put_header(w, NMX_WIRE_MEMSTATS, MEMSTATS_SIZE);
        put_u64(w, ms->cur_bytes);
        put_u64(w, ms->cur_blocks);
        put_u64(w, ms->peak_bytes);
        put_u64(w, ms->misuse_total);
        put_u64(w, ms->failed_allocs);
        return NMX_OK;
    }
    case NMX_WIRE_LOG: {
        size_t full = slen(m->u.log.text, NMX_EVENT_MAX_STRING);
        uint32_t n = (uint32_t)utf8_cut(m->u.log.text, full, full);
        put_header(w, NMX_WIRE_LOG, 4u + 4u + n);
        put_u32(w, m->u.log.level);
        put_str(w, m->u.log.text, n);
        return NMX_OK;
    }
    case NMX_WIRE_RESULT: {
        const nmx_wire_result *r = &m->u.result;
        put_header(w, NMX_WIRE_RESULT, RESULT_SIZE);
        put_u32(w, (uint32_t)r->run_result);
        put_u32(w, 0);
        put_u64(w, r->leaked_blocks);
        put_u64(w, r->leaked_bytes);
        put_u64(w, r->overruns);
        put_u64(w, r->misuse_total);
        put_u64(w, r->peak_bytes);
        return NMX_OK;
    }
    }
    return NMX_EINVAL;
}

nmx_err nmx_wire_encode_into(const nmx_wire_msg *m, uint8_t *buf, size_t cap, size_t *len)
{
    if (!len || (!buf && cap))
        return NMX_EINVAL;
    wr w = {buf, cap, 0};
    nmx_err e = encode_msg(m, &w);
    if (e != NMX_OK)
        return e;
    *len = w.len;
    return w.len <= cap ? NMX_OK : NMX_ERANGE;
}

nmx_err nmx_wire_encode(const nmx_wire_msg *m, uint8_t **buf, size_t *len)
{
    if (!buf || !len)
        return NMX_EINVAL;
    *buf = NULL;
    *len = 0;
    size_t need;
    nmx_err e = nmx_wire_encode_into(m, NULL, 0, &need);
    if (e != NMX_OK && e != NMX_ERANGE)
        return e;
    uint8_t *p = malloc(need);
    if (!p)
        return NMX_ENOMEM;
    size_t got;
    e = nmx_wire_encode_into(m, p, need, &got);
    if (e != NMX_OK) {
        free(p);
        return e;
    }
    *buf = p;
    *len = got;
    return NMX_OK;
}

nmx_err nmx_wire_encode_event(const nmx_event *ev, uint8_t **buf, size_t *len)
{
    nmx_wire_msg m = {.type = NMX_WIRE_EVENT};
    m.u.event = (nmx_event *)(uintptr_t)ev; /* only read */
    return nmx_wire_encode(&m, buf, len);
}

nmx_err nmx_wire_encode_status(const nmx_status *st, uint8_t **buf, size_t *len)
{
    if (!st)
        return NMX_EINVAL;
    nmx_wire_msg m = {.type = NMX_WIRE_STATUS};
    m.u.status = *st;
    return nmx_wire_encode(&m, buf, len);
}

nmx_err nmx_wire_encode_memstats(const nmx_wire_memstats *ms, uint8_t **buf, size_t *len)
{
    if (!ms)
        return NMX_EINVAL;
    nmx_wire_msg m = {.type = NMX_WIRE_MEMSTATS};
    m.u.mem = *ms;
    return nmx_wire_encode(&m, buf, len);
}

nmx_err nmx_wire_encode_log(uint32_t level, const char *text, uint8_t **buf, size_t *len)
{
    nmx_wire_msg m = {.type = NMX_WIRE_LOG};
    m.u.log.level = level;
    m.u.log.text = (char *)(uintptr_t)text; /* only read */
    return nmx_wire_encode(&m, buf, len);
}

nmx_err nmx_wire_encode_result(const nmx_wire_result *r, uint8_t **buf, size_t *len)
{
    if (!r)
        return NMX_EINVAL;
    nmx_wire_msg m = {.type = NMX_WIRE_RESULT};
    m.u.result = *r;
    return nmx_wire_encode(&m, buf, len);
}

void nmx_wire_msg_clear(nmx_wire_msg *m)
{
    if (!m)
        return;
    if (m->type == NMX_WIRE_EVENT)
        nmx_event_free(m->u.event);
    else if (m->type == NMX_WIRE_LOG)
        free(m->u.log.text);
    memset(m, 0, sizeof *m);
}

/* ---- decoding ---------------------------------------------------------- */

/* A reader over one payload: the bounds checks and loads are the cursor's
 * (base/cursor.h), this adds the position, the error message and its
 * stickiness. `base` is the payload's offset in the stream. The first
 * failure is recorded in *d and sticks. */
typedef struct rd {
    nmx_cursor c;
    size_t pos;
    uint64_t base;
    nmx_diag *d;
    bool bad;
} rd;

/* at: offset in the payload; SIZE_MAX names the frame's length field. */
static bool rd_failx(rd *r, size_t at, uint64_t value, uint64_t limit, const char *what,
                     const char *detail)
{
    if (!r->bad) {
        uint64_t off = at == SIZE_MAX ? r->base - 4 : r->base + at;
        nmx_diag_set(r->d, NMX_ECORRUPT, off, value, limit,
                     "wire stream offset %" PRIu64 ": %s%s (value %" PRIu64 ", limit %" PRIu64
                     ")",
                     off, what, detail, value, limit);
        r->bad = true;
    }
    return false;
}

static bool rd_fail(rd *r, size_t at, uint64_t value, uint64_t limit, const char *what)
{
    return rd_failx(r, at, value, limit, what, "");
}

static bool rd_need(rd *r, size_t n, const char *what)
{
    if (r->bad)
        return false;
    if (!nmx_cur_has(&r->c, r->pos, n))
        return rd_fail(r, r->pos, n, nmx_cur_left(&r->c, r->pos), what);
    return true;
}

/* A little-endian number of n = 1, 2, 4 or 8 bytes (the cursor's read is
 * the bounds check). */
static uint64_t rd_le(rd *r, unsigned n, const char *what)
{
    if (r->bad)
        return 0;
    uint64_t v = 0;
    uint8_t b = 0;
    uint16_t w = 0;
    uint32_t d = 0;
    bool ok;
    switch (n) {
    case 1: ok = nmx_cur_u8(&r->c, r->pos, &b); v = b; break;
    case 2: ok = nmx_cur_u16le(&r->c, r->pos, &w); v = w; break;
    case 4: ok = nmx_cur_u32le(&r->c, r->pos, &d); v = d; break;
    default: ok = n == 8 && nmx_cur_u64le(&r->c, r->pos, &v); break;
    }
    if (!ok) {
        rd_fail(r, r->pos, n, nmx_cur_left(&r->c, r->pos), what);
        return 0;
    }
    r->pos += n;
    return v;
}

typedef struct span {
    const uint8_t *p;
    uint32_t n;
} span;

/* A string named `what` ("event source"): u32 length <= limit, bytes, no NUL. */
static bool rd_str(rd *r, span *out, uint32_t limit, const char *what)
{
    if (r->bad)
        return false;
    size_t at = r->pos;
    if (nmx_cur_left(&r->c, r->pos) < 4)
        return rd_failx(r, at, 4, nmx_cur_left(&r->c, r->pos), what, " length: frame too short");
    uint64_t n = rd_le(r, 4, what);
    if (n > limit)
        return rd_failx(r, at, n, limit, what, " length exceeds limit");
    if (n > nmx_cur_left(&r->c, r->pos))
        return rd_failx(r, at, n, nmx_cur_left(&r->c, r->pos), what, " length exceeds the frame");
    const uint8_t *s = r->c.base + r->pos;   /* n bytes checked above */
    const uint8_t *z = n ? memchr(s, 0, (size_t)n) : NULL;
    if (z)
        return rd_failx(r, r->pos + (size_t)(z - s), 0, 0, what, " holds a NUL byte");
    out->p = s;
    out->n = (uint32_t)n;
    r->pos += (size_t)n;
    return true;
}

static bool rd_end(rd *r, const char *what)
{
    if (r->bad)
        return false;
    if (r->pos != r->c.size)
        return rd_fail(r, r->pos, nmx_cur_left(&r->c, r->pos), 0, what);
    return true;
}

/* Checks a column's 16 value bytes against its type and fills c->v. */
static bool rd_value(rd *r, uint32_t type, nmx_event_column *c)
{
    size_t at = r->pos;
    if (!rd_need(r, VALUE_SIZE, "event column value: frame too short"))
        return false;
    const uint8_t *v = r->c.base + r->pos;   /* VALUE_SIZE bytes checked above */
    r->pos += VALUE_SIZE;
    memset(&c->v, 0, sizeof c->v);
    size_t used = 8;
    if (type == T_MACADDR)
        used = 6;
    else if (type == T_IPXADDR)
        used = 10;
    else if (type == T_IPADDR)
        used = 4;
    else if (type == T_STRING)
        used = 0;
    for (size_t i = used; i < VALUE_SIZE; i++)
        if (v[i])
            return rd_fail(r, at + i, v[i], 0, "event column value: padding byte not zero");
    if (is_addr(type)) {
        memcpy(type == T_MACADDR ? c->v.mac : type == T_IPXADDR ? c->v.ipx : c->v.ip, v, used);
        return true;
    }
    if (type == T_STRING)
        return true;
    uint64_t u = nmx_ld64le(v);
    int64_t s;
    memcpy(&s, &u, sizeof s);
    uint64_t max = UINT64_MAX;
    int64_t smin = 0, smax = 0;
    bool is_signed = false;
    switch (type) {
    case T_UINT8: max = UINT8_MAX; break;
    case T_UINT16: max = UINT16_MAX; break;
    case T_UINT32: case T_FRAME: max = UINT32_MAX; break;
    case T_YESNO: case T_ONOFF: case T_TRUEFALSE: max = 1; break;
    case T_SINT8: is_signed = true; smin = INT8_MIN; smax = INT8_MAX; break;
    case T_SINT16: is_signed = true; smin = INT16_MIN; smax = INT16_MAX; break;
    case T_SINT32: is_signed = true; smin = INT32_MIN; smax = INT32_MAX; break;
    default: break; /* floats and unknown type numbers: any bits */
    }
    if (is_signed ? (s < smin || s > smax) : u > max)
        return rd_fail(r, at, u, is_signed ? (uint64_t)smax : max,
                       "event column value out of its type's range");
    memcpy(&c->v, &u, sizeof u);
    return true;
}

static char *pool_copy(char **pool, span s)
{
    char *d = *pool;
    if (s.n)
        memcpy(d, s.p, s.n);
    d[s.n] = 0;
    *pool += (size_t)s.n + 1;
    return d;
}

static bool decode_event(rd *r, nmx_wire_msg *out)
{
    static const char *const fixed_names[NSTR_FIXED] = {
        "event expert name", "event source", "event name",
        "event description", "event machine", "event justification"};
    if (!rd_need(r, EVENT_FIXED, "event payload shorter than its fixed part"))
        return false;
    nmx_event ev;
    memset(&ev, 0, sizeof ev);
    ev.seq = rd_le(r, 8, "");
    ev.ident = (uint32_t)rd_le(r, 4, "");
    ev.flags = (uint32_t)rd_le(r, 4, "");
    ev.severity = (uint32_t)rd_le(r, 4, "");
    ev.version = (uint8_t)rd_le(r, 1, "");
    size_t at = r->pos;
    uint64_t has_time = rd_le(r, 1, "");
    if (has_time > 1)
        return rd_fail(r, at, has_time, 1, "event has_time flag not 0 or 1");
    ev.has_time = has_time != 0;
    ev.ncolumns = (uint8_t)rd_le(r, 1, "");
    at = r->pos;
    uint64_t reserved = rd_le(r, 1, "");
    if (reserved)
        return rd_fail(r, at, reserved, 0, "event reserved byte not zero");
    for (int i = 0; i < 8; i++)
        ev.time[i] = (uint16_t)rd_le(r, 2, "");
    span s[EV_NSTR];
    uint32_t types[255];
    nmx_event_column cols[255];
    size_t pool = 0;
    for (size_t i = 0; i < NSTR_FIXED; i++) {
        if (!rd_str(r, &s[i], NMX_EVENT_MAX_STRING, fixed_names[i]))
            return false;
        pool += (size_t)s[i].n + 1;
    }
    for (size_t i = 0; i < ev.ncolumns; i++) {
        span *name = &s[NSTR_FIXED + 2 * i], *text = name + 1;
        if (!rd_str(r, name, NMX_EVENT_MAX_STRING, "event column name"))
            return false;
        types[i] = (uint32_t)rd_le(r, 4, "event column type: frame too short");
        if (r->bad)
            return false;
        cols[i].type = types[i];
        if (!rd_value(r, types[i], &cols[i]))
            return false;
        if (!rd_str(r, text, types[i] == T_STRING ? NMX_EVENT_MAX_STRING : 0,
                    types[i] == T_STRING ? "event column string"
                                         : "event column text (non-string column)"))
            return false;
        pool += (size_t)name->n + 1 + (size_t)text->n + 1;
    }
    if (!rd_end(r, "trailing bytes after the event"))
        return false;
    size_t n = ev.ncolumns;
    nmx_event *e = malloc(sizeof *e + n * sizeof(nmx_event_column) + pool);
    if (!e) {
        nmx_diag_set(r->d, NMX_ENOMEM, r->base, pool, 0, "wire: out of memory decoding an event");
        r->bad = true;
        return false;
    }
    *e = ev;
    nmx_event_column *c = (nmx_event_column *)(void *)(e + 1);
    char *p = (char *)(c + n);
    e->expert = pool_copy(&p, s[0]);
    e->source = pool_copy(&p, s[1]);
    e->name = pool_copy(&p, s[2]);
    e->description = pool_copy(&p, s[3]);
    e->machine = pool_copy(&p, s[4]);
    e->justification = pool_copy(&p, s[5]);
    for (size_t i = 0; i < n; i++) {
        c[i] = cols[i];
        c[i].name = pool_copy(&p, s[NSTR_FIXED + 2 * i]);
        c[i].str = pool_copy(&p, s[NSTR_FIXED + 2 * i + 1]);
    }
    e->columns = c;
    out->u.event = e;
    return true;
}

static bool decode_payload(rd *r, uint8_t type, nmx_wire_msg *out)
{
    memset(out, 0, sizeof *out);
    out->type = (nmx_wire_type)type;
    switch (type) {
    case NMX_WIRE_EVENT:
        return decode_event(r, out);
    case NMX_WIRE_STATUS: {
        nmx_status *st = &out->u.status;
        if (!rd_need(r, STATUS_FIXED, "status payload shorter than its fixed part"))
            return false;
        st->status = (uint32_t)rd_le(r, 4, "");
        st->sub_status = (uint32_t)rd_le(r, 4, "");
        size_t at = r->pos;
        st->percent = (uint32_t)rd_le(r, 4, "");
        if (st->percent > 100)
            return rd_fail(r, at, st->percent, 100, "status percent above 100");
        st->frame = (uint32_t)rd_le(r, 4, "");
        st->updates = rd_le(r, 8, "");
        span t;
        if (!rd_str(r, &t, NMX_WIRE_MAX_STATUS_TEXT, "status text") ||
            !rd_end(r, "trailing bytes after the status"))
            return false;
        memcpy(st->text, t.p, t.n);
        st->text[t.n] = 0;
        return true;
    }
    case NMX_WIRE_MEMSTATS: {
        nmx_wire_memstats *ms = &out->u.mem;
        if (r->c.size != MEMSTATS_SIZE)
            return rd_fail(r, SIZE_MAX, r->c.size, MEMSTATS_SIZE, "memory statistics payload size");
        ms->cur_bytes = rd_le(r, 8, "");
        ms->cur_blocks = rd_le(r, 8, "");
        ms->peak_bytes = rd_le(r, 8, "");
        ms->misuse_total = rd_le(r, 8, "");
        ms->failed_allocs = rd_le(r, 8, "");
        return true;
    }
    case NMX_WIRE_LOG: {
        out->u.log.level = (uint32_t)rd_le(r, 4, "log payload too short");
        span t;
        if (!rd_str(r, &t, NMX_EVENT_MAX_STRING, "log text") ||
            !rd_end(r, "trailing bytes after the log text"))
            return false;
        char *text = malloc((size_t)t.n + 1);
        if (!text) {
            nmx_diag_set(r->d, NMX_ENOMEM, r->base, t.n, 0, "wire: out of memory decoding a log line");
            r->bad = true;
            return false;
        }
        memcpy(text, t.p, t.n);
        text[t.n] = 0;
        out->u.log.text = text;
        return true;
    }
    case NMX_WIRE_RESULT: {
        nmx_wire_result *res = &out->u.result;
        if (r->c.size != RESULT_SIZE)
            return rd_fail(r, SIZE_MAX, r->c.size, RESULT_SIZE, "result payload size");
        uint32_t rv = (uint32_t)rd_le(r, 4, "");
        memcpy(&res->run_result, &rv, sizeof rv);
        size_t at = r->pos;
        uint64_t z = rd_le(r, 4, "");
        if (z)
            return rd_fail(r, at, z, 0, "result reserved word not zero");
        res->leaked_blocks = rd_le(r, 8, "");
        res->leaked_bytes = rd_le(r, 8, "");
        res->overruns = rd_le(r, 8, "");
        res->misuse_total = rd_le(r, 8, "");
        res->peak_bytes = rd_le(r, 8, "");
        return true;
    }
    default:
        return rd_fail(r, 0, type, NMX_WIRE_RESULT, "unknown message type");
    }
}

struct nmx_wire_decoder {
    uint8_t *buf;
    size_t cap, head, tail;  /* pending bytes: buf[head..tail)        */
    uint64_t consumed;       /* stream offset of buf[head]             */
    bool failed;
    nmx_diag fail;
};

nmx_err nmx_wire_decoder_new(nmx_wire_decoder **out)
{
    if (!out)
        return NMX_EINVAL;
    *out = calloc(1, sizeof **out);
    return *out ? NMX_OK : NMX_ENOMEM;
}

void nmx_wire_decoder_free(nmx_wire_decoder *dec)
{
    if (!dec)
        return;
    free(dec->buf);
    free(dec);
}

size_t nmx_wire_pending(const nmx_wire_decoder *dec)
{
    return dec ? dec->tail - dec->head : 0;
}

uint64_t nmx_wire_consumed(const nmx_wire_decoder *dec)
{
    return dec ? dec->consumed : 0;
}

nmx_err nmx_wire_feed(nmx_wire_decoder *dec, const void *bytes, size_t n)
{
    if (!dec || (!bytes && n))
        return NMX_EINVAL;
    if (!n)
        return NMX_OK;
    size_t pending = dec->tail - dec->head;
    if (n > NMX_WIRE_MAX_BUFFER - pending)
        return NMX_EQUOTA;
    if (n > dec->cap - dec->tail && dec->head) {
        memmove(dec->buf, dec->buf + dec->head, pending);
        dec->head = 0;
        dec->tail = pending;
    }
    if (n > dec->cap - dec->tail) {
        size_t want = dec->cap ? dec->cap : 4096;
        while (want < pending + n)
            want *= 2;
        if (want > NMX_WIRE_MAX_BUFFER)
            want = NMX_WIRE_MAX_BUFFER;
        uint8_t *nb = realloc(dec->buf, want);
        if (!nb)
            return NMX_ENOMEM;
        dec->buf = nb;
        dec->cap = want;
    }
    memcpy(dec->buf + dec->tail, bytes, n);
    dec->tail += n;
    return NMX_OK;
}

static nmx_err dec_fail(nmx_wire_decoder *dec, nmx_diag *diag)
{
    dec->failed = true;
    if (dec->fail.code == NMX_OK)
        dec->fail.code = NMX_ECORRUPT;
    if (diag)
        *diag = dec->fail;
    return dec->fail.code;
}

static nmx_err hdr_fail(nmx_wire_decoder *dec, nmx_diag *diag, unsigned at, uint64_t value,
                        uint64_t limit, const char *what)
{
    uint64_t off = dec->consumed + at;
    nmx_diag_set(&dec->fail, NMX_ECORRUPT, off, value, limit,
                 "wire stream offset %" PRIu64 ": %s (value %" PRIu64 ", limit %" PRIu64 ")", off,
                 what, value, limit);
    return dec_fail(dec, diag);
}

nmx_err nmx_wire_next(nmx_wire_decoder *dec, nmx_wire_msg *out, nmx_diag *diag)
{
    if (!dec || !out)
        return NMX_EINVAL;
    memset(out, 0, sizeof *out);
    if (dec->failed)
        return dec_fail(dec, diag);
    size_t avail = dec->tail - dec->head;
    const uint8_t *p = dec->buf + dec->head;
    /* check the header byte by byte, as soon as each arrives */
    if (avail >= 1 && p[0] != MAGIC0)
        return hdr_fail(dec, diag, 0, p[0], MAGIC0, "bad frame magic");
    if (avail >= 2 && p[1] != MAGIC1)
        return hdr_fail(dec, diag, 1, p[1], MAGIC1, "bad frame magic");
    if (avail >= 3 && p[2] != NMX_WIRE_VERSION)
        return hdr_fail(dec, diag, 2, p[2], NMX_WIRE_VERSION, "unsupported wire version");
    if (avail >= 4 && (p[3] < NMX_WIRE_EVENT || p[3] > NMX_WIRE_RESULT))
        return hdr_fail(dec, diag, 3, p[3], NMX_WIRE_RESULT, "unknown message type");
    if (avail < NMX_WIRE_HEADER_SIZE)
        return NMX_ENOTFOUND;
    uint32_t len = nmx_ld32le(p + 4);   /* avail >= NMX_WIRE_HEADER_SIZE */
    if (len > NMX_WIRE_MAX_FRAME)
        return hdr_fail(dec, diag, 4, len, NMX_WIRE_MAX_FRAME, "frame payload length exceeds limit");
    if (avail - NMX_WIRE_HEADER_SIZE < len)
        return NMX_ENOTFOUND;
    rd r = {nmx_cursor_make(p + NMX_WIRE_HEADER_SIZE, len, false), 0,
            dec->consumed + NMX_WIRE_HEADER_SIZE, &dec->fail, false};
    if (!decode_payload(&r, p[3], out)) {
        nmx_wire_msg_clear(out);
        return dec_fail(dec, diag);
    }
    dec->head += NMX_WIRE_HEADER_SIZE + (size_t)len;
    dec->consumed += NMX_WIRE_HEADER_SIZE + (uint64_t)len;
    if (dec->head == dec->tail)
        dec->head = dec->tail = 0;
    return NMX_OK;
}

nmx_err nmx_wire_finish(const nmx_wire_decoder *dec, nmx_diag *diag)
{
    if (!dec)
        return NMX_EINVAL;
    if (dec->failed) {
        if (diag)
            *diag = dec->fail;
        return dec->fail.code;
    }
    size_t avail = dec->tail - dec->head;
    if (!avail)
        return NMX_OK;
    uint64_t need = NMX_WIRE_HEADER_SIZE;
    if (avail >= NMX_WIRE_HEADER_SIZE) {
        need += nmx_ld32le(dec->buf + dec->head + 4);   /* avail >= NMX_WIRE_HEADER_SIZE */
    }
    return nmx_diag_set(diag, NMX_ETRUNCATED, dec->consumed, avail, need,
                        "wire stream offset %" PRIu64 ": stream ends inside a frame (%zu of %" PRIu64
                        " bytes)",
                        dec->consumed, avail, need);
}
