/*
 * JSON Lines sink: one JSON object per line, written and flushed as it
 * arrives: an "event" record per event, and when the host describes its run
 * (nmx_sink_run_begin...) "run_start", "session_start", "session_end",
 * "capture_end" and "run_end" records. Every record carries "record",
 * "schema" and "run"; the schema is docs/schema/nmexpert-record-2.json,
 * explained in docs/records.md.
 *
 * Strings are UTF-8: valid non-ASCII characters are copied as they are; a
 * byte that does not start a valid UTF-8 sequence becomes "\ufffd"; '"' and
 * '\' are escaped, control characters (U+0000-U+001F, U+007F) are written as
 * \b \f \n \r \t or \u00XX. Columns are an object keyed by column name
 * (nmx__column_keys: duplicates get "#2"..., empty names "column<N>"), with
 * typed values: numbers for integer, frame and float types (null for a
 * non-finite float), true/false for YESNO/ONOFF/TRUEFALSE, strings for
 * addresses, VARTIME as ISO-8601 text (null when out of range), STRING as a
 * string, null for an unknown type.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event/sink_internal.h"

enum { T_UINT8, T_SINT8, T_UINT16, T_SINT16, T_UINT32, T_SINT32, T_FLOAT64, T_FRAME,
       T_YESNO, T_ONOFF, T_TRUEFALSE, T_MACADDR, T_IPXADDR, T_IPADDR, T_VARTIME, T_STRING };

/* A byte json_str copies as it is: printable ASCII other than '"' and '\\'.
 * Event strings are mostly that, so they go out in runs, one copy per run. */
static inline bool json_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

static void json_str(nmx__sb *b, const char *str)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    /* at most 6 bytes out for a byte in ("\ufffd", "\u00XX"), and the quotes */
    if (n > (SIZE_MAX - 2) / 6 || !nmx__sb_reserve(b, 6 * n + 2)) {
        b->oom = true;
        return;
    }
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        size_t r = i;
        while (r < n && json_plain(s[r]))
            r++;
        memcpy(o, s + i, r - i); /* a run copied as it is */
        o += r - i;
        i = r;
        if (i == n)
            break;
        unsigned char c = s[i];
        size_t adv = 1;
        if (c >= 0x80) {
            if (nmx__utf8_next(s + i, n - i, &adv) >= 0) {
                memcpy(o, s + i, adv); /* valid UTF-8: copied as it is */
                o += adv;
            } else {
                memcpy(o, "\\ufffd", 6);
                o += 6;
            }
            i += adv;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default: /* the other controls and DEL: \u00XX */
            memcpy(o, "u00", 3);
            o[3] = hex[c >> 4];
            o[4] = hex[c & 15];
            o += 5;
            break;
        }
        i++;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

/* Decimal digits of v, without printf (one event carries a dozen numbers). */
static void json_u64(nmx__sb *b, uint64_t v)
{
    char d[20];
    size_t k = sizeof d;
    do {
        d[--k] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    nmx__sb_putn(b, d + k, sizeof d - k);
}

static void json_i64(nmx__sb *b, int64_t v)
{
    if (v < 0) {
        nmx__sb_putc(b, '-');
        json_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        json_u64(b, (uint64_t)v);
    }
}

static void json_value(nmx__sb *b, const nmx_event_column *c)
{
    char buf[64];
    switch (c->type) {
    case T_UINT8: case T_UINT16: case T_UINT32: case T_FRAME:
        json_u64(b, c->v.u);
        break;
    case T_SINT8: case T_SINT16: case T_SINT32:
        json_i64(b, c->v.i);
        break;
    case T_FLOAT64:
        if (isfinite(c->v.f)) {
            nmx__double_text(c->v.f, buf, sizeof buf);
            nmx__sb_puts(b, buf);
        } else {
            nmx__sb_puts(b, "null");
        }
        break;
    case T_YESNO: case T_ONOFF: case T_TRUEFALSE:
        nmx__sb_puts(b, c->v.u ? "true" : "false");
        break;
    case T_MACADDR: case T_IPXADDR: case T_IPADDR:
        json_str(b, nmx_event_column_text(c, buf, sizeof buf));
        break;
    case T_VARTIME:
        if (nmx__vartime_iso(c, buf, sizeof buf))
            json_str(b, buf);
        else
            nmx__sb_puts(b, "null");
        break;
    case T_STRING:
        json_str(b, c->str ? c->str : "");
        break;
    default:
        nmx__sb_puts(b, "null");
        break;
    }
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static const char *type_name(uint32_t t)
{
    static const char *const names[] = {"uint8",   "int8",    "uint16",    "int16",
                                        "uint32",  "int32",   "float64",   "frame",
                                        "yesno",   "onoff",   "truefalse", "macaddr",
                                        "ipxaddr", "ipaddr",  "vartime",   "string"};
    return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

/* {"record":KIND,"schema":2,"run":ID — the start every record shares. */
static void record_head(nmx_sink *s, nmx__sb *b, const char *kind)
{
    nmx__sb_puts(b, "{\"record\":");
    json_str(b, kind);
    nmx__sb_puts(b, ",\"schema\":");
    json_u64(b, NMX_RECORD_SCHEMA_VERSION);
    nmx__sb_puts(b, ",\"run\":");
    if (s->run_id[0])
        json_str(b, s->run_id);
    else
        nmx__sb_puts(b, "null");
}

static void json_str_or_null(nmx__sb *b, const char *str)
{
    if (str)
        json_str(b, str);
    else
        nmx__sb_puts(b, "null");
}

/* The fields naming a session: its number, capture and expert. Without a
 * session (nmx_sink_event), what the event itself says. */
static void session_fields(nmx__sb *b, const nmx_sink_session *ss, const char *ev_expert)
{
    if (!ss) {
        nmx__sb_puts(b, ",\"session\":null,\"capture_index\":null,\"capture\":null,"
                        "\"capture_id\":null,\"expert\":");
        json_str(b, ev_expert);
        nmx__sb_puts(b, ",\"expert_file\":null,\"label\":");
        json_str(b, ev_expert);
        return;
    }
    nmx__sb_puts(b, ",\"session\":");
    json_u64(b, ss->index);
    nmx__sb_puts(b, ",\"capture_index\":");
    if (ss->capture)
        json_u64(b, ss->capture->index);
    else
        nmx__sb_puts(b, "null");
    nmx__sb_puts(b, ",\"capture\":");
    json_str_or_null(b, ss->capture ? ss->capture->path : NULL);
    nmx__sb_puts(b, ",\"capture_id\":");
    json_str_or_null(b, ss->capture ? ss->capture->id : NULL);
    nmx__sb_puts(b, ",\"expert\":");
    json_str(b, ss->expert_name);
    nmx__sb_puts(b, ",\"expert_file\":");
    json_str(b, ss->expert_file);
    nmx__sb_puts(b, ",\"label\":");
    json_str(b, ss->label);
}

static nmx_err finish_line(nmx_sink *s, nmx__sb *b)
{
    nmx__sb_puts(b, "}\n");
    if (b->oom) {
        nmx__sb_free(b);
        return NMX_ENOMEM;
    }
    return nmx__sink_write(s, b->p, b->len, true);
}

/* The columns' text of the last event written, kept for the next: an
 * expert's events mostly have the same columns (names and types), whose
 * keys and "column_types" object are then the same text. */
typedef struct jsonl_cols {
    bool valid;
    size_t n;
    uint32_t type[256];
    size_t name[256];               /* offsets in text: the names ("" for none)  */
    size_t key[256], keylen[256];   /* "KEY":                                  */
    size_t types, typeslen;         /* },"column_types":{...}                 */
    nmx__sb text;
    /* The start of an event record of session `head_ss` (record_head and
     * session_fields), kept from its session_start to its session_end. */
    const nmx_sink_session *head_ss;
    nmx__sb head;
} jsonl_cols;

static bool cols_match(const jsonl_cols *jc, const nmx_event *ev)
{
    if (!jc->valid || jc->n != ev->ncolumns)
        return false;
    for (size_t i = 0; i < jc->n; i++)
        if (jc->type[i] != ev->columns[i].type ||
            strcmp(jc->text.p + jc->name[i], nz(ev->columns[i].name)) != 0)
            return false;
    return true;
}

/* The kept columns' text for ev, made again when its columns differ; NULL
 * when out of memory. */
static const jsonl_cols *cols_for(nmx_sink *s, const nmx_event *ev)
{
    jsonl_cols *jc = s->state;
    if (!jc) {
        jc = calloc(1, sizeof *jc);
        if (!jc)
            return NULL;
        s->state = jc;
    }
    if (cols_match(jc, ev))
        return jc;
    const char *key[256];
    jc->valid = false;
    if (!nmx__column_keys(ev, &s->keys, key)) {
        nmx__sb_free(&s->keys);
        return NULL;
    }
    nmx__sb *t = &jc->text;
    t->len = 0;
    jc->n = ev->ncolumns;
    for (size_t i = 0; i < jc->n; i++) {
        jc->type[i] = ev->columns[i].type;
        jc->name[i] = t->len;
        nmx__sb_puts(t, nz(ev->columns[i].name));
        nmx__sb_putc(t, 0);
    }
    for (size_t i = 0; i < jc->n; i++) {
        jc->key[i] = t->len;
        json_str(t, key[i]);
        nmx__sb_putc(t, ':');
        jc->keylen[i] = t->len - jc->key[i];
    }
    jc->types = t->len;
    nmx__sb_puts(t, "},\"column_types\":{");
    for (size_t i = 0; i < jc->n; i++) {
        if (i)
            nmx__sb_putc(t, ',');
        json_str(t, key[i]);
        nmx__sb_putc(t, ':');
        json_str(t, type_name(jc->type[i]));
    }
    nmx__sb_putc(t, '}');
    jc->typeslen = t->len - jc->types;
    if (t->oom) {
        nmx__sb_free(t);
        return NULL;
    }
    jc->valid = true;
    return jc;
}

static void head_forget(nmx_sink *s)
{
    jsonl_cols *jc = s->state;
    if (jc)
        jc->head_ss = NULL;
}

static nmx_err event_record(nmx_sink *s, const nmx_sink_session *ss, const nmx_event *ev)
{
    nmx__sb *b = &s->line;
    b->len = 0;
    const jsonl_cols *jc = cols_for(s, ev);
    if (!jc)
        return NMX_ENOMEM;
    jsonl_cols *jh = s->state;
    if (ss && jh->head_ss != ss) {
        jh->head.len = 0;
        record_head(s, &jh->head, "event");
        session_fields(&jh->head, ss, NULL);
        jh->head_ss = jh->head.oom ? NULL : ss;
        if (jh->head.oom)
            nmx__sb_free(&jh->head);
    }
    if (ss && jh->head_ss == ss) {
        nmx__sb_putn(b, jh->head.p, jh->head.len);
    } else {
        record_head(s, b, "event");
        session_fields(b, ss, nz(ev->expert));
    }
    nmx__sb_puts(b, ",\"seq\":");
    json_u64(b, ev->seq);
    nmx__sb_puts(b, ",\"ident\":");
    json_u64(b, ev->ident);
    nmx__sb_puts(b, ",\"severity\":");
    json_str(b, nmx_event_severity_name(ev->severity));
    nmx__sb_puts(b, ",\"severity_code\":");
    json_u64(b, ev->severity);
    nmx__sb_puts(b, ",\"flags\":");
    json_u64(b, ev->flags);
    nmx__sb_puts(b, ",\"source\":");
    json_str(b, nz(ev->source));
    nmx__sb_puts(b, ",\"event\":");
    json_str(b, nz(ev->name));
    nmx__sb_puts(b, ",\"description\":");
    json_str(b, nz(ev->description));
    nmx__sb_puts(b, ",\"machine\":");
    json_str(b, nz(ev->machine));
    nmx__sb_puts(b, ",\"justification\":");
    json_str(b, nz(ev->justification));
    nmx__sb_puts(b, ",\"time\":");
    if (ev->has_time) {
        char t[64];
        nmx__event_time(ev, 'T', true, true, t, sizeof t);
        json_str(b, t);
    } else {
        nmx__sb_puts(b, "null");
    }
    nmx__sb_puts(b, ",\"columns\":{");
    for (size_t i = 0; i < ev->ncolumns; i++) {
        if (i)
            nmx__sb_putc(b, ',');
        nmx__sb_putn(b, jc->text.p + jc->key[i], jc->keylen[i]);
        json_value(b, &ev->columns[i]);
    }
    nmx__sb_putn(b, jc->text.p + jc->types, jc->typeslen);
    return finish_line(s, b);
}

static nmx_err jsonl_event(nmx_sink *s, const nmx_event *ev)
{
    return event_record(s, NULL, ev);
}

static nmx_err jsonl_event_in(nmx_sink *s, const nmx_sink_session *ss, const nmx_event *ev)
{
    return event_record(s, ss, ev);
}

/* Nanoseconds since the epoch as "YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ". */
static void iso_ns(int64_t ns, char *buf, size_t len)
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        snprintf(buf, len, "%s", "");
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
}

static void now_field(nmx__sb *b)
{
    struct timespec ts;
    char t[64];
    clock_gettime(CLOCK_REALTIME, &ts);
    iso_ns((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, t, sizeof t);
    nmx__sb_puts(b, ",\"time\":");
    json_str(b, t);
}

static void time_or_null(nmx__sb *b, bool has, int64_t ns)
{
    char t[64];
    if (has)
        iso_ns(ns, t, sizeof t);
    if (has && t[0]) {
        json_str(b, t);
    } else {
        nmx__sb_puts(b, "null");
    }
}

static void warnings_array(nmx__sb *b, const nmx_sink_capture *c)
{
    nmx__sb_putc(b, '[');
    for (size_t w = 0; c && w < c->nwarnings; w++) {
        if (w)
            nmx__sb_putc(b, ',');
        json_str(b, nz(c->warnings[w]));
    }
    nmx__sb_putc(b, ']');
}

static nmx_err jsonl_run_begin(nmx_sink *s, const nmx_sink_run *run)
{
    nmx__sb *b = &s->line;
    head_forget(s); /* a new run id */
    b->len = 0;
    record_head(s, b, "run_start");
    now_field(b);
    nmx__sb_puts(b, ",\"version\":");
    json_str(b, nz(run->version));
    nmx__sb_puts(b, ",\"args\":[");
    for (size_t i = 0; i < run->nargs; i++) {
        if (i)
            nmx__sb_putc(b, ',');
        json_str(b, nz(run->args[i]));
    }
    nmx__sb_printf(b, "],\"sessions\":%" PRIu64 ",\"captures\":[", run->sessions);
    for (size_t i = 0; i < run->ncaptures; i++) {
        const nmx_sink_capture *c = &run->captures[i];
        if (i)
            nmx__sb_putc(b, ',');
        nmx__sb_printf(b, "{\"index\":%" PRIu64 ",\"path\":", c->index);
        json_str(b, nz(c->path));
        nmx__sb_puts(b, ",\"id\":");
        json_str_or_null(b, c->id);
        nmx__sb_puts(b, ",\"format\":");
        json_str_or_null(b, c->format);
        /* what the file holds beyond its start: the capture_end record */
        nmx__sb_printf(b, ",\"size\":%" PRIu64 ",\"first_time\":", c->size);
        time_or_null(b, c->has_time, c->first_ns);
        nmx__sb_putc(b, '}');
    }
    nmx__sb_putc(b, ']');
    return finish_line(s, b);
}

static nmx_err jsonl_session_begin(nmx_sink *s, const nmx_sink_session *ss)
{
    nmx__sb *b = &s->line;
    head_forget(s);
    b->len = 0;
    record_head(s, b, "session_start");
    session_fields(b, ss, NULL);
    now_field(b);
    return finish_line(s, b);
}

static nmx_err jsonl_session_end(nmx_sink *s, const nmx_sink_session *ss,
                                 const nmx_sink_session_end *e)
{
    nmx__sb *b = &s->line;
    head_forget(s); /* its record may be another session's next */
    char num[64];
    b->len = 0;
    record_head(s, b, "session_end");
    session_fields(b, ss, NULL);
    now_field(b);
    nmx__sb_puts(b, ",\"outcome\":");
    json_str(b, nz(e->outcome));
    nmx__sb_puts(b, ",\"message\":");
    json_str(b, nz(e->message));
    nmx__sb_printf(b, ",\"signal\":%d,\"exit_status\":%d,\"run_returned\":%s,"
                      "\"run_value\":%s,\"frames_read\":%" PRIu64 ",\"last_frame\":",
                   e->signal, e->exit_status, e->run_returned ? "true" : "false",
                   e->run_value ? "true" : "false", e->frames_read);
    if (e->last_frame == 0xFFFFFFFFu)
        nmx__sb_puts(b, "null");
    else
        nmx__sb_printf(b, "%" PRIu32, e->last_frame);
    nmx__sb_printf(b, ",\"events\":%" PRIu64 ",\"memory\":{\"reclaimed_blocks\":%" PRIu64
                      ",\"reclaimed_bytes\":%" PRIu64 ",\"overruns\":%" PRIu64
                      ",\"misuse\":%" PRIu64 ",\"peak_bytes\":%" PRIu64 "},\"seconds\":",
                   e->events, e->reclaimed_blocks, e->reclaimed_bytes, e->overruns, e->misuse,
                   e->peak_bytes);
    nmx__double_text(isfinite(e->seconds) && e->seconds >= 0 ? e->seconds : 0.0, num, sizeof num);
    nmx__sb_puts(b, num);
    return finish_line(s, b);
}

static nmx_err jsonl_capture_end(nmx_sink *s, const nmx_sink_capture *c, bool complete)
{
    nmx__sb *b = &s->line;
    head_forget(s);
    b->len = 0;
    record_head(s, b, "capture_end");
    now_field(b);
    nmx__sb_puts(b, ",\"capture_index\":");
    json_u64(b, c->index);
    nmx__sb_puts(b, ",\"capture\":");
    json_str(b, nz(c->path));
    nmx__sb_puts(b, ",\"capture_id\":");
    json_str_or_null(b, c->id);
    nmx__sb_printf(b, ",\"complete\":%s,\"frames\":%" PRIu64 ",\"first_time\":",
                   complete ? "true" : "false", c->frames);
    time_or_null(b, c->has_time, c->first_ns);
    nmx__sb_puts(b, ",\"last_time\":");
    time_or_null(b, c->has_time, c->last_ns);
    nmx__sb_puts(b, ",\"warnings\":");
    warnings_array(b, c);
    return finish_line(s, b);
}

static nmx_err jsonl_run_end(nmx_sink *s, int exit_status, const char *status_name,
                             double seconds)
{
    nmx__sb *b = &s->line;
    char num[64];
    b->len = 0;
    record_head(s, b, "run_end");
    now_field(b);
    nmx__sb_printf(b, ",\"exit_status\":%d,\"status\":", exit_status);
    json_str(b, status_name);
    nmx__double_text(isfinite(seconds) && seconds >= 0 ? seconds : 0.0, num, sizeof num);
    nmx__sb_printf(b, ",\"seconds\":%s", num);
    return finish_line(s, b);
}

static nmx_err jsonl_begin(nmx_sink *s, const char *expert, const char *capture)
{
    (void)s;
    (void)expert;
    (void)capture;
    return NMX_OK;
}

static nmx_err jsonl_end(nmx_sink *s, const char *expert, const char *outcome)
{
    (void)expert;
    (void)outcome;
    return s->err;
}

static void jsonl_destroy(nmx_sink *s)
{
    jsonl_cols *jc = s->state;
    if (jc) {
        nmx__sb_free(&jc->text);
        nmx__sb_free(&jc->head);
        free(jc);
        s->state = NULL;
    }
}

const nmx__sink_ops nmx__sink_jsonl_ops = {jsonl_begin, jsonl_event, jsonl_end, jsonl_destroy};
const nmx__sink_run_ops nmx__sink_jsonl_run_ops = {jsonl_run_begin, jsonl_session_begin,
                                                   jsonl_event_in, jsonl_session_end,
                                                   jsonl_capture_end, jsonl_run_end};
