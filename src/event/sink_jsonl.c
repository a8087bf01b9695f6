/*
 * JSON Lines sink: one JSON object per event and line, written and flushed
 * as the event arrives. Lines hold events only (beginning and end of an
 * expert write nothing).
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
#include <string.h>

#include "event/sink_internal.h"

enum { T_UINT8, T_SINT8, T_UINT16, T_SINT16, T_UINT32, T_SINT32, T_FLOAT64, T_FRAME,
       T_YESNO, T_ONOFF, T_TRUEFALSE, T_MACADDR, T_IPXADDR, T_IPADDR, T_VARTIME, T_STRING };

static void json_str(nmx__sb *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    nmx__sb_putc(b, '"');
    size_t run = 0; /* bytes copied as they are, pending */
    for (size_t i = 0; i < n;) {
        size_t adv;
        long cp = nmx__utf8_next(s + i, n - i, &adv);
        const char *esc = NULL;
        char ubuf[8];
        if (cp < 0)
            esc = "\\ufffd";
        else if (cp == '"')
            esc = "\\\"";
        else if (cp == '\\')
            esc = "\\\\";
        else if (cp == '\n')
            esc = "\\n";
        else if (cp == '\r')
            esc = "\\r";
        else if (cp == '\t')
            esc = "\\t";
        else if (cp == '\b')
            esc = "\\b";
        else if (cp == '\f')
            esc = "\\f";
        else if (cp < 0x20 || cp == 0x7F) {
            snprintf(ubuf, sizeof ubuf, "\\u%04lx", (unsigned long)cp);
            esc = ubuf;
        }
        if (esc) {
            nmx__sb_putn(b, (const char *)s + i - run, run);
            run = 0;
            nmx__sb_puts(b, esc);
        } else {
            run += adv;
        }
        i += adv;
    }
    nmx__sb_putn(b, (const char *)s + n - run, run);
    nmx__sb_putc(b, '"');
}

static void json_value(nmx__sb *b, const nmx_event_column *c)
{
    char buf[64];
    switch (c->type) {
    case T_UINT8: case T_UINT16: case T_UINT32: case T_FRAME:
        nmx__sb_printf(b, "%" PRIu64, c->v.u);
        break;
    case T_SINT8: case T_SINT16: case T_SINT32:
        nmx__sb_printf(b, "%" PRId64, c->v.i);
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

static nmx_err jsonl_event(nmx_sink *s, const nmx_event *ev)
{
    nmx__sb *b = &s->line;
    const char *key[256];
    b->len = 0;
    if (!nmx__column_keys(ev, &s->keys, key)) {
        nmx__sb_free(&s->keys);
        return NMX_ENOMEM;
    }
    nmx__sb_puts(b, "{\"expert\":");
    json_str(b, nz(ev->expert));
    nmx__sb_printf(b, ",\"seq\":%" PRIu64 ",\"ident\":%" PRIu32 ",\"severity\":", ev->seq,
                   ev->ident);
    json_str(b, nmx_event_severity_name(ev->severity));
    nmx__sb_printf(b, ",\"severity_code\":%" PRIu32 ",\"flags\":%" PRIu32 ",\"source\":",
                   ev->severity, ev->flags);
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
        json_str(b, key[i]);
        nmx__sb_putc(b, ':');
        json_value(b, &ev->columns[i]);
    }
    nmx__sb_puts(b, "}}\n");
    if (b->oom) {
        nmx__sb_free(b);
        return NMX_ENOMEM;
    }
    return nmx__sink_write(s, b->p, b->len, true);
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
    (void)s;
}

const nmx__sink_ops nmx__sink_jsonl_ops = {jsonl_begin, jsonl_event, jsonl_end, jsonl_destroy};
