/*
 * CSV sink (RFC 4180: comma-separated, CRLF line ends, a field that holds a
 * comma, a double quote, CR or LF is enclosed in double quotes with inner
 * quotes doubled). Every event is written and flushed as it arrives.
 *
 * Rows: expert,seq,severity,source,event,description,time,<column values>.
 * Experts have different columns, so the file holds several header rows: a
 * header row (expert,seq,severity,source,event,description,time,<column
 * names>) is written before the first event after nmx_sink_begin_expert
 * and before any event whose column names differ from those of the last
 * header row written. Each data row is described by the nearest header row
 * above it. A header row is recognised by its first two fields being
 * "expert" and "seq" (a data row's seq field is a decimal number).
 *
 * Column names are the unique keys of nmx__column_keys ("Address#2",
 * "column3"); values are nmx_event_column_text except FLOAT64 (shortest
 * exact decimal) and VARTIME (ISO-8601, as the time field:
 * "YYYY-MM-DDThh:mm:ss.mmm", empty when absent). Text is written as UTF-8;
 * bytes that are not valid UTF-8 become U+FFFD. Fields are not altered
 * otherwise (a field starting with '=' is written as it is).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "event/sink_internal.h"

enum { T_FLOAT64 = 6, T_VARTIME = 14, T_STRING = 15 };

typedef struct csv_state {
    nmx__sb last_header;  /* the last header row written (all of it) */
    bool force_header;
    nmx__sb hdr;          /* scratch */
} csv_state;

void nmx__csv_field(nmx__sb *b, const char *str, bool first)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    if (!first)
        nmx__sb_putc(b, ',');
    bool quote = strpbrk(str, ",\"\r\n") != NULL;
    if (quote)
        nmx__sb_putc(b, '"');
    for (size_t i = 0; i < n;) {
        size_t adv;
        long cp = nmx__utf8_next(s + i, n - i, &adv);
        if (cp < 0)
            nmx__sb_puts(b, "\xEF\xBF\xBD");
        else if (cp == '"')
            nmx__sb_puts(b, "\"\"");
        else
            nmx__sb_putn(b, (const char *)s + i, adv);
        i += adv;
    }
    if (quote)
        nmx__sb_putc(b, '"');
}

static void csv_prefix(nmx__sb *b)
{
    static const char *const fixed[] = {"expert", "seq", "severity", "source",
                                        "event",  "description", "time"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        nmx__csv_field(b, fixed[i], i == 0);
}

static nmx_err csv_event(nmx_sink *s, const nmx_event *ev)
{
    csv_state *st = s->state;
    const char *key[256];
    if (!nmx__column_keys(ev, &s->keys, key)) {
        nmx__sb_free(&s->keys);
        return NMX_ENOMEM;
    }
    nmx__sb *h = &st->hdr, *b = &s->line;
    h->len = 0;
    csv_prefix(h);
    for (size_t i = 0; i < ev->ncolumns; i++)
        nmx__csv_field(h, key[i], false);
    nmx__sb_puts(h, "\r\n");

    b->len = 0;
    bool header = st->force_header || h->len != st->last_header.len ||
                  memcmp(h->p, st->last_header.p, h->len) != 0;
    if (header && !h->oom)
        nmx__sb_putn(b, h->p, h->len);
    char num[64], t[64];
    nmx__csv_field(b, ev->expert ? ev->expert : "", true);
    snprintf(num, sizeof num, "%" PRIu64, ev->seq);
    nmx__csv_field(b, num, false);
    nmx__csv_field(b, nmx_event_severity_name(ev->severity), false);
    nmx__csv_field(b, ev->source ? ev->source : "", false);
    nmx__csv_field(b, ev->name ? ev->name : "", false);
    nmx__csv_field(b, ev->description ? ev->description : "", false);
    nmx__event_time(ev, 'T', true, true, t, sizeof t);
    nmx__csv_field(b, t, false);
    for (size_t i = 0; i < ev->ncolumns; i++) {
        const nmx_event_column *c = &ev->columns[i];
        if (c->type == T_STRING)
            nmx__csv_field(b, c->str ? c->str : "", false);
        else if (c->type == T_FLOAT64) {
            nmx__double_text(c->v.f, t, sizeof t);
            nmx__csv_field(b, t, false);
        } else if (c->type == T_VARTIME) {
            nmx__csv_field(b, nmx__vartime_iso(c, t, sizeof t) ? t : "", false);
        } else {
            nmx__csv_field(b, nmx_event_column_text(c, t, sizeof t), false);
        }
    }
    nmx__sb_puts(b, "\r\n");
    if (b->oom || h->oom) {
        nmx__sb_free(b);
        nmx__sb_free(h);
        return NMX_ENOMEM;
    }
    if (header) {
        st->last_header.len = 0;
        nmx__sb_putn(&st->last_header, h->p, h->len);
        if (st->last_header.oom)
            nmx__sb_free(&st->last_header); /* next event writes a header again */
        st->force_header = false;
    }
    return nmx__sink_write(s, b->p, b->len, true);
}

static nmx_err csv_begin(nmx_sink *s, const char *expert, const char *capture)
{
    (void)expert;
    (void)capture;
    csv_state *st = s->state;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return NMX_ENOMEM;
        s->state = st;
    }
    st->force_header = true;
    return NMX_OK;
}

static nmx_err csv_event_entry(nmx_sink *s, const nmx_event *ev)
{
    if (!s->state) {
        nmx_err e = csv_begin(s, NULL, NULL);
        if (e != NMX_OK)
            return e;
    }
    return csv_event(s, ev);
}

static nmx_err csv_end(nmx_sink *s, const char *expert, const char *outcome)
{
    (void)expert;
    (void)outcome;
    return s->err;
}

static void csv_destroy(nmx_sink *s)
{
    csv_state *st = s->state;
    if (!st)
        return;
    nmx__sb_free(&st->last_header);
    nmx__sb_free(&st->hdr);
    free(st);
    s->state = NULL;
}

const nmx__sink_ops nmx__sink_csv_ops = {csv_begin, csv_event_entry, csv_end, csv_destroy};
