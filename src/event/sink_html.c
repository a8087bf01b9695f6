/*
 * HTML report sink (NMX_SINK_HTML): one self-contained page for the whole
 * run, written when the sink is closed (docs/report-html.md).
 *
 * Everything in the page that comes from an expert or a capture is escaped
 * (html_text): & < > " ' become entities, bytes that are not valid UTF-8
 * and control characters other than tab and newline become U+FFFD. The page
 * loads nothing: a Content-Security-Policy allows only its own <style> and
 * <script>, both carrying a random nonce, and no other source of anything.
 * Charts are inline SVG drawn here, with presentation attributes only (no
 * style attributes, which the policy forbids), each with a <title> and a
 * table of the same numbers as its text alternative.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "event/sink_internal.h"

enum { T_FLOAT64 = 6, T_VARTIME = 14, T_STRING = 15 };
#define MAX_BARS 25u
#define MAX_CHART_COLS 4u

typedef struct hgroup {
    uint64_t session;
    char *label, *expert_file, *event;
    nmx__sb sig;          /* column keys and types, to tell groups apart */
    nmx__sb head, rows;   /* the table's header cells and rows (escaped HTML) */
    size_t ncols, nrows;
    int num[256];         /* is column i numeric */
    char *bar_label[MAX_BARS];
    double bar[MAX_BARS][MAX_CHART_COLS];
    int chart_col[MAX_CHART_COLS];
    size_t nchart, nbars;
    size_t order;         /* when the group appeared */
} hgroup;

typedef struct hsession {
    uint64_t index;
    char *label, *expert, *expert_file, *capture, *outcome, *message;
    uint64_t events, frames_read, reclaimed_blocks, reclaimed_bytes;
    int signal;
    double seconds;
    bool ended;
} hsession;

typedef struct html_state {
    hgroup *g;
    size_t ng, capg;
    hsession *ss;
    size_t nss, capss;
    nmx__sb run_head;     /* captures table rows, escaped */
    char *version, *args;
    int exit_status;
    char *status;
    bool ended;
    uint64_t kept_bytes, dropped;
} html_state;

static const char *nz(const char *s)
{
    return s ? s : "";
}

static char *dup(const char *s)
{
    return strdup(nz(s));
}


static void html_text(nmx__sb *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    for (size_t i = 0; i < n;) {
        size_t adv;
        long cp = nmx__utf8_next(s + i, n - i, &adv);
        if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F ||
            (cp >= 0x80 && cp < 0xA0))
            nmx__sb_puts(b, "\xEF\xBF\xBD");
        else if (cp == '&')
            nmx__sb_puts(b, "&amp;");
        else if (cp == '<')
            nmx__sb_puts(b, "&lt;");
        else if (cp == '>')
            nmx__sb_puts(b, "&gt;");
        else if (cp == '"')
            nmx__sb_puts(b, "&quot;");
        else if (cp == '\'')
            nmx__sb_puts(b, "&#39;");
        else
            nmx__sb_putn(b, (const char *)s + i, adv);
        i += adv;
    }
}

static html_state *st_of(nmx_sink *s)
{
    if (!s->state)
        s->state = calloc(1, sizeof(html_state));
    return s->state;
}

static hsession *session_of(html_state *st, const nmx_sink_session *ss)
{
    for (size_t i = 0; i < st->nss; i++)
        if (st->ss[i].index == ss->index)
            return &st->ss[i];
    if (st->nss == st->capss) {
        size_t nc = st->capss ? st->capss * 2 : 8;
        hsession *n = realloc(st->ss, nc * sizeof *n);
        if (!n)
            return NULL;
        st->ss = n;
        st->capss = nc;
    }
    hsession *h = &st->ss[st->nss++];
    memset(h, 0, sizeof *h);
    h->index = ss->index;
    h->label = dup(ss->label);
    h->expert = dup(ss->expert_name);
    h->expert_file = dup(ss->expert_file);
    h->capture = dup(ss->capture ? ss->capture->path : "");
    return h;
}

static void cell_text(const nmx_event_column *c, char *t, size_t len)
{
    if (c->type == T_FLOAT64) {
        if (isfinite(c->v.f))
            nmx__double_text(c->v.f, t, len);
        else
            snprintf(t, len, "%s", "");
    } else if (c->type == T_VARTIME) {
        if (!nmx__vartime_iso(c, t, len))
            t[0] = 0;
    } else {
        nmx_event_column_text(c, t, len);
    }
}

static double num_value(const nmx_event_column *c)
{
    if (c->type == T_FLOAT64)
        return c->v.f;
    if (c->type <= 5 || c->type == 7) /* integers and FRAME */
        return c->type == 1 || c->type == 3 || c->type == 5 ? (double)c->v.i : (double)c->v.u;
    return (double)NAN;
}

static nmx_err html_event_in(nmx_sink *s, const nmx_sink_session *ss, const nmx_event *ev)
{
    html_state *st = st_of(s);
    if (!st)
        return NMX_ENOMEM;
    const char *key[256];
    if (!nmx__column_keys(ev, &s->keys, key)) {
        nmx__sb_free(&s->keys);
        return NMX_ENOMEM;
    }
    uint64_t sess = ss ? ss->index : UINT64_MAX;
    const char *label = ss ? ss->label : nz(ev->expert);
    nmx__sb sig = {0};
    for (size_t i = 0; i < ev->ncolumns; i++)
        nmx__sb_printf(&sig, "%s\x1f%u\x1e", key[i], (unsigned)ev->columns[i].type);
    nmx__sb_putc(&sig, 0);
    if (sig.oom) {
        nmx__sb_free(&sig);
        return NMX_ENOMEM;
    }
    hgroup *g = NULL;
    for (size_t i = 0; i < st->ng && !g; i++)
        if (st->g[i].session == sess && !strcmp(st->g[i].label, label) &&
            !strcmp(st->g[i].event, nz(ev->name)) && !strcmp(st->g[i].sig.p, sig.p))
            g = &st->g[i];
    if (!g) {
        if (st->ng == st->capg) {
            size_t nc = st->capg ? st->capg * 2 : 8;
            hgroup *n = realloc(st->g, nc * sizeof *n);
            if (!n) {
                nmx__sb_free(&sig);
                return NMX_ENOMEM;
            }
            st->g = n;
            st->capg = nc;
        }
        g = &st->g[st->ng++];
        memset(g, 0, sizeof *g);
        g->session = sess;
        g->order = st->ng - 1;
        g->label = dup(label);
        g->expert_file = dup(ss ? ss->expert_file : "");
        g->event = dup(ev->name);
        g->sig = sig;
        g->ncols = ev->ncolumns;
        static const char *const fixed[] = {"#", "Severity", "Description"};
        for (size_t i = 0; i < 3; i++)
            nmx__sb_printf(&g->head, "<th data-t=\"%s\">%s</th>", i ? "s" : "n", fixed[i]);
        for (size_t i = 0; i < ev->ncolumns; i++) {
            double v = num_value(&ev->columns[i]);
            g->num[i] = !isnan(v) || ev->columns[i].type == T_FLOAT64;
            nmx__sb_printf(&g->head, "<th data-t=\"%s\">", g->num[i] ? "n" : "s");
            html_text(&g->head, key[i]);
            nmx__sb_puts(&g->head, "</th>");
        }
        /* what the chart shows: for Top Users the bytes, otherwise the
         * numeric columns but a rank */
        for (size_t i = 0; i < ev->ncolumns && g->nchart < MAX_CHART_COLS; i++) {
            if (!g->num[i] || !strcmp(key[i], "Rank"))
                continue;
            if (!strcmp(g->expert_file, "topusers") && strcmp(key[i], "Bytes") != 0 &&
                strcmp(key[i], "Frames") != 0)
                continue;
            g->chart_col[g->nchart++] = (int)i;
        }
    } else {
        nmx__sb_free(&sig);
    }
    if (st->kept_bytes > s->opt.max_bytes || g->nrows >= s->opt.max_rows) {
        st->dropped++;
        return NMX_OK;
    }
    size_t before = g->rows.len;
    char t[128];
    nmx__sb_printf(&g->rows, "<tr><td>%" PRIu64 "</td><td class=\"sev%u\">", ev->seq,
                   ev->severity < 3 ? (unsigned)ev->severity : 3u);
    html_text(&g->rows, nmx_event_severity_name(ev->severity));
    nmx__sb_puts(&g->rows, "</td><td>");
    html_text(&g->rows, nz(ev->description));
    nmx__sb_puts(&g->rows, "</td>");
    const char *bar_label = NULL;
    for (size_t i = 0; i < ev->ncolumns; i++) {
        const nmx_event_column *c = &ev->columns[i];
        if (c->type == T_STRING) {
            nmx__sb_puts(&g->rows, "<td>");
            html_text(&g->rows, nz(c->str));
            if (!bar_label)
                bar_label = nz(c->str);
        } else {
            cell_text(c, t, sizeof t);
            nmx__sb_puts(&g->rows, g->num[i] ? "<td class=\"n\">" : "<td>");
            html_text(&g->rows, t);
        }
        nmx__sb_puts(&g->rows, "</td>");
    }
    nmx__sb_puts(&g->rows, "</tr>\n");
    if (g->nbars < MAX_BARS && g->nchart) {
        char lab[128];
        if (!bar_label)
            for (size_t i = 0; i < ev->ncolumns && !bar_label; i++)
                if (!g->num[i]) {
                    cell_text(&ev->columns[i], lab, sizeof lab);
                    bar_label = lab;
                }
        if (!bar_label) {
            snprintf(lab, sizeof lab, "#%" PRIu64, ev->seq);
            bar_label = lab;
        }
        g->bar_label[g->nbars] = dup(bar_label);
        for (size_t k = 0; k < g->nchart; k++)
            g->bar[g->nbars][k] = num_value(&ev->columns[g->chart_col[k]]);
        g->nbars++;
    }
    g->nrows++;
    st->kept_bytes += g->rows.len - before;
    return g->rows.oom || g->head.oom ? NMX_ENOMEM : NMX_OK;
}

static nmx_err html_event(nmx_sink *s, const nmx_event *ev)
{
    return html_event_in(s, NULL, ev);
}

static nmx_err html_begin(nmx_sink *s, const char *expert, const char *capture)
{
    (void)expert;
    (void)capture;
    return st_of(s) ? NMX_OK : NMX_ENOMEM;
}

static nmx_err html_end(nmx_sink *s, const char *expert, const char *outcome)
{
    (void)expert;
    (void)outcome;
    return s->err;
}

static void iso_utc(bool has, int64_t ns, char *buf, size_t len)
{
    buf[0] = 0;
    if (!has)
        return;
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static nmx_err html_run_begin(nmx_sink *s, const nmx_sink_run *run)
{
    html_state *st = st_of(s);
    if (!st)
        return NMX_ENOMEM;
    free(st->version);
    st->version = dup(run->version);
    nmx__sb a = {0};
    for (size_t i = 0; i < run->nargs; i++) {
        if (i)
            nmx__sb_putc(&a, ' ');
        nmx__sb_puts(&a, nz(run->args[i]));
    }
    nmx__sb_putc(&a, 0);
    free(st->args);
    st->args = a.oom ? dup("") : dup(a.p);
    nmx__sb_free(&a);
    nmx__sb *b = &st->run_head;
    for (size_t i = 0; i < run->ncaptures; i++) {
        const nmx_sink_capture *c = &run->captures[i];
        char t1[64], t2[64];
        iso_utc(c->has_time, c->first_ns, t1, sizeof t1);
        iso_utc(c->has_time, c->last_ns, t2, sizeof t2);
        nmx__sb_printf(b, "<tr><td class=\"n\">%" PRIu64 "</td><td>", c->index);
        html_text(b, nz(c->path));
        nmx__sb_puts(b, "</td><td>");
        html_text(b, nz(c->format));
        nmx__sb_printf(b, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                          "</td><td>%s</td><td>%s</td><td>",
                       c->frames, c->size, t1, t2);
        for (size_t w = 0; w < c->nwarnings; w++) {
            nmx__sb_puts(b, "<div class=\"warn\">");
            html_text(b, nz(c->warnings[w]));
            nmx__sb_puts(b, "</div>");
        }
        nmx__sb_puts(b, "</td></tr>\n");
    }
    return b->oom ? NMX_ENOMEM : NMX_OK;
}

static nmx_err html_session_begin(nmx_sink *s, const nmx_sink_session *ss)
{
    html_state *st = st_of(s);
    return st && session_of(st, ss) ? NMX_OK : NMX_ENOMEM;
}

static nmx_err html_session_end(nmx_sink *s, const nmx_sink_session *ss,
                                const nmx_sink_session_end *e)
{
    html_state *st = st_of(s);
    hsession *h = st ? session_of(st, ss) : NULL;
    if (!h)
        return NMX_ENOMEM;
    free(h->outcome);
    free(h->message);
    h->outcome = dup(e->outcome);
    h->message = dup(e->message);
    h->events = e->events;
    h->frames_read = e->frames_read;
    h->reclaimed_blocks = e->reclaimed_blocks;
    h->reclaimed_bytes = e->reclaimed_bytes;
    h->signal = e->signal;
    h->seconds = e->seconds;
    h->ended = true;
    return NMX_OK;
}

static nmx_err html_run_end(nmx_sink *s, int exit_status, const char *status_name,
                            double seconds)
{
    (void)seconds;
    html_state *st = st_of(s);
    if (!st)
        return NMX_ENOMEM;
    st->exit_status = exit_status;
    free(st->status);
    st->status = dup(status_name);
    st->ended = true;
    return NMX_OK;
}

/* A horizontal bar chart of one numeric column of a group. */
static void chart(nmx__sb *b, const hgroup *g, size_t k, const char *colname)
{
    double max = 0;
    for (size_t i = 0; i < g->nbars; i++)
        if (isfinite(g->bar[i][k]) && g->bar[i][k] > max)
            max = g->bar[i][k];
    unsigned rowh = 22, left = 190, width = 640, barw = width - left - 90;
    unsigned h = (unsigned)g->nbars * rowh + 30;
    nmx__sb_printf(b, "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
                      "role=\"img\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\"><title>",
                   width, h, width, h);
    html_text(b, g->event);
    nmx__sb_puts(b, ": ");
    html_text(b, colname);
    nmx__sb_puts(b, "</title>");
    for (size_t i = 0; i < g->nbars; i++) {
        double v = isfinite(g->bar[i][k]) ? g->bar[i][k] : 0;
        unsigned y = (unsigned)i * rowh + 4;
        unsigned w = max > 0 && v > 0 ? (unsigned)(v / max * barw + 0.5) : 0;
        char lab[48];
        snprintf(lab, sizeof lab, "%.40s", g->bar_label[i]);
        nmx__sb_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\" font-size=\"12\">",
                       left - 6, y + 14);
        html_text(b, lab);
        nmx__sb_printf(b, "</text><rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
                          "fill=\"#3b6ea5\"></rect><text x=\"%u\" y=\"%u\" font-size=\"12\">",
                       left, y, w ? w : 1, rowh - 6, left + w + 4, y + 14);
        char t[64];
        nmx__double_text(v, t, sizeof t);
        html_text(b, t);
        nmx__sb_puts(b, "</text>");
    }
    nmx__sb_printf(b, "<text x=\"%u\" y=\"%u\" font-size=\"12\" fill=\"#555\">", left,
                   h - 8);
    html_text(b, colname);
    nmx__sb_puts(b, "</text></svg><figcaption>");
    html_text(b, g->event);
    nmx__sb_puts(b, ": ");
    html_text(b, colname);
    nmx__sb_puts(b, " (the table below holds the same numbers)</figcaption></figure>\n");
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}"
    "th{background:#f0f3f7;cursor:pointer}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".sev1{color:#a66b00}.sev2{color:#b00020;font-weight:bold}"
    ".completed{color:#17692c}.bad{color:#b00020;font-weight:bold}.warn{color:#a66b00}"
    "input.filter{margin:.3em 0;padding:2px 4px;width:20em}"
    "figure.chart{margin:.5em 0}figcaption{font-size:12px;color:#555}"
    "@media print{input.filter{display:none}th{cursor:auto}section{break-inside:avoid}}";

static const char js[] =
    "(function(){'use strict';"
    "document.querySelectorAll('table.events').forEach(function(t){"
    "var f=document.createElement('input');f.type='search';f.className='filter';"
    "f.placeholder='Filter rows';t.parentNode.insertBefore(f,t);"
    "f.addEventListener('input',function(){var q=f.value.toLowerCase();"
    "t.tBodies[0].querySelectorAll('tr').forEach(function(r){"
    "r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});});"
    "t.tHead.querySelectorAll('th').forEach(function(h,i){var asc=true;"
    "h.addEventListener('click',function(){var num=h.dataset.t==='n';"
    "var rows=Array.prototype.slice.call(t.tBodies[0].rows);"
    "rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent;"
    "var c=num?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y);return asc?c:-c;});"
    "asc=!asc;rows.forEach(function(r){t.tBodies[0].appendChild(r);});});});});"
    "document.body.setAttribute('data-ready','1');})();";

static int group_order(const void *a, const void *b)
{
    const hgroup *x = a, *y = b;
    if (x->session != y->session)
        return x->session < y->session ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void write_page(nmx_sink *s, html_state *st)
{
    if (st->ng)
        qsort(st->g, st->ng, sizeof *st->g, group_order); /* sessions in run order */
    uint8_t r[16];
    char nonce[40];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        memcpy(r, &ts, sizeof r < sizeof ts ? sizeof r : sizeof ts);
    }
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(nonce + 2 * i, 3, "%02x", r[i]);
    nmx__sb b = {0};
    nmx__sb_printf(&b,
                   "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'nonce-%s'; script-src 'nonce-%s'; img-src 'none'; "
                   "base-uri 'none'; form-action 'none'\">"
                   "<meta name=\"viewport\" content=\"width=device-width\">"
                   "<title>nmexpert report</title><style nonce=\"%s\">",
                   nonce, nonce, nonce);
    nmx__sb_puts(&b, css);
    nmx__sb_puts(&b, "</style></head><body>\n<h1>nmexpert report</h1>\n<p id=\"run\">");
    if (st->version) {
        nmx__sb_puts(&b, "nmexpert ");
        html_text(&b, st->version);
        nmx__sb_puts(&b, " &middot; <code>nmexpert run ");
        html_text(&b, nz(st->args));
        nmx__sb_puts(&b, "</code>");
    }
    if (st->ended) {
        nmx__sb_printf(&b, " &middot; exit status %d (", st->exit_status);
        html_text(&b, nz(st->status));
        nmx__sb_puts(&b, ")");
    }
    nmx__sb_puts(&b, "</p>\n");
    if (st->run_head.len) {
        nmx__sb_puts(&b, "<h2>Captures</h2>\n<table id=\"captures\"><thead><tr><th>#</th>"
                         "<th>File</th><th>Format</th><th>Frames</th><th>Bytes</th>"
                         "<th>First frame</th><th>Last frame</th><th>Warnings</th></tr>"
                         "</thead><tbody>\n");
        nmx__sb_putn(&b, st->run_head.p, st->run_head.len);
        nmx__sb_puts(&b, "</tbody></table>\n");
    }
    if (st->nss) {
        nmx__sb_puts(&b, "<h2>Experts</h2>\n<table id=\"sessions\"><thead><tr><th>Session</th>"
                         "<th>Expert</th><th>Capture</th><th>Outcome</th><th>Events</th>"
                         "<th>Frames read</th><th>Memory reclaimed</th><th>Seconds</th>"
                         "<th>Message</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < st->nss; i++) {
            hsession *h = &st->ss[i];
            const char *oc = h->ended ? nz(h->outcome) : "not ended";
            nmx__sb_puts(&b, "<tr><td>");
            html_text(&b, h->label);
            nmx__sb_puts(&b, "</td><td>");
            html_text(&b, h->expert);
            nmx__sb_puts(&b, "</td><td>");
            html_text(&b, h->capture);
            nmx__sb_printf(&b, "</td><td class=\"outcome %s\">",
                           !strcmp(oc, "completed") ? "completed" : "bad");
            html_text(&b, oc);
            if (h->signal)
                nmx__sb_printf(&b, " (signal %d)", h->signal);
            nmx__sb_printf(&b, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                               "</td><td class=\"n\">%" PRIu64 " blocks, %" PRIu64
                               " bytes</td><td class=\"n\">%.3f</td><td>",
                           h->events, h->frames_read, h->reclaimed_blocks, h->reclaimed_bytes,
                           h->seconds);
            html_text(&b, nz(h->message));
            nmx__sb_puts(&b, "</td></tr>\n");
        }
        nmx__sb_puts(&b, "</tbody></table>\n");
    }
    const char *last = NULL;
    uint64_t last_sess = UINT64_MAX - 1;
    for (size_t i = 0; i < st->ng; i++) {
        hgroup *g = &st->g[i];
        if (!last || g->session != last_sess || strcmp(last, g->label) != 0) {
            if (last)
                nmx__sb_puts(&b, "</section>\n");
            nmx__sb_puts(&b, "<section class=\"expert\"><h2>");
            html_text(&b, g->label);
            nmx__sb_puts(&b, "</h2>\n");
            last = g->label;
            last_sess = g->session;
        }
        nmx__sb_puts(&b, "<h3>");
        html_text(&b, g->event);
        nmx__sb_printf(&b, " <small>(%zu)</small></h3>\n", g->nrows);
        if (g->nbars > 1)
            for (size_t k = 0; k < g->nchart; k++) {
                char key[512] = "";
                /* the column's header text, from the signature */
                const char *p = g->sig.p;
                for (int c = 0; c < g->chart_col[k] && p; c++) {
                    p = strchr(p, '\x1e');
                    p = p ? p + 1 : NULL;
                }
                if (p) {
                    const char *e = strchr(p, '\x1f');
                    size_t n = e ? (size_t)(e - p) : 0;
                    snprintf(key, sizeof key, "%.*s", (int)(n < 511 ? n : 511), p);
                }
                chart(&b, g, k, key);
            }
        nmx__sb_puts(&b, "<table class=\"events\"><thead><tr>");
        nmx__sb_putn(&b, g->head.p, g->head.len);
        nmx__sb_puts(&b, "</tr></thead><tbody>\n");
        nmx__sb_putn(&b, g->rows.p, g->rows.len);
        nmx__sb_puts(&b, "</tbody></table>\n");
    }
    if (last)
        nmx__sb_puts(&b, "</section>\n");
    if (st->dropped)
        nmx__sb_printf(&b, "<p class=\"warn\">%" PRIu64 " more events not shown (the page "
                           "keeps at most %" PRIu64 " rows per table and %" PRIu64
                           " bytes)</p>\n",
                       st->dropped, s->opt.max_rows, s->opt.max_bytes);
    nmx__sb_printf(&b, "<script nonce=\"%s\">", nonce);
    nmx__sb_puts(&b, js);
    nmx__sb_puts(&b, "</script>\n</body></html>\n");
    if (b.oom) {
        if (s->err == NMX_OK)
            s->err = NMX_ENOMEM;
    } else {
        nmx__sink_write(s, b.p, b.len, true);
    }
    nmx__sb_free(&b);
}

static void html_destroy(nmx_sink *s)
{
    html_state *st = st_of(s);
    if (!st) {
        if (s->err == NMX_OK)
            s->err = NMX_ENOMEM;
        return;
    }
    write_page(s, st);
    for (size_t i = 0; i < st->ng; i++) {
        hgroup *g = &st->g[i];
        free(g->label);
        free(g->expert_file);
        free(g->event);
        nmx__sb_free(&g->sig);
        nmx__sb_free(&g->head);
        nmx__sb_free(&g->rows);
        for (size_t k = 0; k < g->nbars; k++)
            free(g->bar_label[k]);
    }
    for (size_t i = 0; i < st->nss; i++) {
        hsession *h = &st->ss[i];
        free(h->label);
        free(h->expert);
        free(h->expert_file);
        free(h->capture);
        free(h->outcome);
        free(h->message);
    }
    free(st->g);
    free(st->ss);
    nmx__sb_free(&st->run_head);
    free(st->version);
    free(st->args);
    free(st->status);
    free(st);
    s->state = NULL;
}

const nmx__sink_ops nmx__sink_html_ops = {html_begin, html_event, html_end, html_destroy};
const nmx__sink_run_ops nmx__sink_html_run_ops = {html_run_begin, html_session_begin,
                                                  html_event_in, html_session_end, html_run_end};
