/*
 * HTML report sink (NMX_SINK_HTML): one self-contained page for the whole
 * run, written when the sink is closed (docs/report-html.md).
 *
 * Everything in the page that comes from an expert or a capture is escaped
 * (nmx__html_text): & < > " ' become entities, bytes that are not valid
 * UTF-8 and control characters other than tab and newline become U+FFFD.
 * The page loads nothing: a Content-Security-Policy allows only its own
 * <style> and <script>, both carrying a random nonce, and no other source of
 * anything. Charts are inline SVG (svgchart.c), with presentation attributes
 * only (no style attributes, which the policy forbids), each with a <title>,
 * a <desc> and a table of the numbers drawn as its text alternative.
 *
 * What a kind of event is charted as depends on its expert and columns
 * (docs/report-html.md#charts): the built-in experts' events by what they
 * mean (docs/experts/), any other expert's by its numeric columns.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "event/sink_internal.h"
#include "event/svgchart.h"

enum {
    T_SINT32 = 5, T_FLOAT64 = 6, T_FRAME = 7, T_VARTIME = 14, T_STRING = 15
};
#define MAX_BARS 25u       /* bars of one chart; the rest are summed in one bar */
#define MAX_CV 5u          /* numbers kept per row for the charts               */
#define MAX_GENERIC 4u     /* charts of one kind of event of another expert      */
#define CHART_ROWS (1u << 17) /* rows kept for the charts per kind of event      */
#define RETRANS_FRAMES (1u << 22)
#define TREE_ROWS 60u      /* rows of a protocol tree                           */
#define TIME_BINS 40u
#define HIST_BINS 40u

/* What a kind of event is drawn as. */
typedef enum chart_kind {
    CK_NONE,
    CK_BARS,    /* one bar chart per kept column, rows in the expert's order  */
    CK_TREE,    /* Protocol Distribution's hierarchy: an indented bar list   */
    CK_DIST,    /* Property Distribution's values: bars by count (+ histogram) */
    CK_RANGE,   /* Property Distribution's numeric report: min, mean, max    */
    CK_CONN,    /* TCP Retransmit's connections: stacked fast/spurious/other */
    CK_RETRANS  /* TCP Retransmit's segments: retransmissions over time      */
} chart_kind;

/* A retransmission frame (TCP Retransmit, frames from 1) and its kind:
 * 0 retransmission, 1 fast, 2 spurious, 3 of a segment with several kinds. */
typedef struct rframe {
    uint32_t frame, weight;
    uint8_t kind;
} rframe;

typedef struct hgroup {
    uint64_t session;
    char *label, *expert_file, *event;
    nmx__sb sig;          /* column keys and types, to tell groups apart */
    nmx__sb head, rows;   /* the table's header cells and rows (escaped HTML) */
    size_t ncols, nrows;
    int num[256];         /* is column i numeric */
    size_t order;         /* when the group appeared */
    /* the charts: what they are, the columns they take, the rows kept */
    chart_kind kind;
    int cv[MAX_CV];       /* columns kept per row (their numbers) */
    char *cv_name[MAX_CV];
    int pct[MAX_CV];      /* a percentage column shown beside cv[k], or -1 */
    size_t ncv;
    bool value_numeric;   /* CK_DIST: the Value column is a number */
    char **clab;          /* per kept row: its label */
    double *cval;         /* per kept row: ncv numbers, then ncv percentages */
    unsigned *clevel;     /* CK_TREE: per kept row, its level */
    size_t nkept, capkept, nall;
    double total[MAX_CV]; /* sums over all rows, kept or not */
    rframe *rf;           /* CK_RETRANS */
    size_t nrf, caprf;
    uint64_t rf_dropped;
} hgroup;

typedef struct hsession {
    uint64_t index;
    char *label, *expert, *expert_file, *capture, *outcome, *message;
    uint64_t events, frames_read, reclaimed_blocks, reclaimed_bytes;
    int signal;
    double seconds;
    bool ended, has_capture;
    uint64_t capture_index;
} hsession;

typedef struct hcapture {
    uint64_t index, frames;
    bool has_time;        /* first_ns and last_ns: known at the capture's end */
    int64_t first_ns, last_ns;
    nmx__sb row;          /* its row of the captures table, escaped */
} hcapture;

typedef struct html_state {
    hgroup *g;
    size_t ng, capg;
    hsession *ss;
    size_t nss, capss;
    hcapture *caps;
    size_t ncaps;
    uint64_t planned;     /* sessions the run planned */
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

#define html_text nmx__html_text

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
    h->has_capture = ss->capture != NULL;
    h->capture_index = ss->capture ? ss->capture->index : 0;
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

static int key_index(const char *const *key, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(key[i], name))
            return (int)i;
    return -1;
}

static bool add_cv(hgroup *g, int col, int pct, const char *name)
{
    if (col < 0 || g->ncv >= MAX_CV)
        return false;
    g->cv[g->ncv] = col;
    g->pct[g->ncv] = pct;
    g->cv_name[g->ncv] = dup(name);
    g->ncv++;
    return true;
}

/* What a new kind of event is charted as, and which columns that takes.
 * The built-in experts' events are recognised by the expert's short name,
 * the event's name and its columns (docs/experts/); anything that does not
 * match is charted as another expert's would be. */
static void plan_charts(hgroup *g, const nmx_event *ev, const char *const *key)
{
    size_t n = ev->ncolumns;
#define K(name) key_index(key, n, name)
    const char *xf = g->expert_file, *en = g->event;
    if (!strcmp(xf, "topusers") && K("Frames") >= 0 && K("Bytes") >= 0) {
        g->kind = CK_BARS;
        add_cv(g, K("Bytes"), K("% of bytes"), "Bytes");
        add_cv(g, K("Frames"), -1, "Frames");
    } else if (!strcmp(xf, "protdist") && !strcmp(en, "Protocol") && K("Protocol") >= 0 &&
               K("Frames") >= 0 && K("Bytes") >= 0) {
        g->kind = CK_BARS;
        add_cv(g, K("Frames"), K("% Frames"), "Frames");
        add_cv(g, K("Bytes"), K("% Bytes"), "Bytes");
    } else if (!strcmp(xf, "protdist") && !strcmp(en, "Protocol hierarchy") &&
               K("Protocol") >= 0 && K("Level") >= 0 && K("Frames") >= 0) {
        g->kind = CK_TREE;
        add_cv(g, K("Frames"), K("% Frames"), "Frames");
        add_cv(g, K("Level"), -1, "Level");
    } else if (!strcmp(xf, "propdist") && K("Count") >= 0 && K("Value") >= 0) {
        g->kind = CK_DIST;
        int v = K("Value");
        unsigned t = ev->columns[v].type;
        g->value_numeric = t <= T_SINT32 || t == T_FRAME;
        add_cv(g, K("Count"), K("% of Set"), "Count");
        add_cv(g, v, -1, "Value");
    } else if (!strcmp(xf, "propdist") && K("Min") >= 0 && K("Max") >= 0 && K("Mean") >= 0) {
        g->kind = CK_RANGE;
        add_cv(g, K("Min"), -1, "Min");
        add_cv(g, K("Mean"), -1, "Mean");
        add_cv(g, K("Max"), -1, "Max");
    } else if (!strcmp(xf, "tcpretrans") && !strcmp(en, "Retransmitted segment") &&
               K("Retransmits") >= 0 && K("Fast") >= 0 && K("Spurious") >= 0 &&
               K("Frames") >= 0 && K("Final Frame") >= 0) {
        g->kind = CK_RETRANS;
        add_cv(g, K("Retransmits"), -1, "Retransmits");
        add_cv(g, K("Fast"), -1, "Fast");
        add_cv(g, K("Spurious"), -1, "Spurious");
        add_cv(g, K("Final Frame"), -1, "Final Frame");
        add_cv(g, K("Frames"), -1, "Frames");
    } else if (!strcmp(xf, "tcpretrans") && !strcmp(en, "Connection summary") &&
               K("Retransmits") >= 0 && K("Fast") >= 0 && K("Spurious") >= 0) {
        g->kind = CK_CONN;
        add_cv(g, K("Fast"), -1, "Fast");
        add_cv(g, K("Spurious"), -1, "Spurious");
        add_cv(g, K("Retransmits"), -1, "Retransmits");
    } else {
        /* another expert: its numeric columns but a rank and frame numbers */
        g->kind = CK_BARS;
        for (size_t i = 0; i < n && g->ncv < MAX_GENERIC; i++)
            if (g->num[i] && ev->columns[i].type != T_FRAME && strcmp(key[i], "Rank") != 0)
                add_cv(g, (int)i, -1, key[i]);
        if (!g->ncv)
            g->kind = CK_NONE;
    }
#undef K
}

/* The label of a row in the charts. */
static void row_label(const hgroup *g, const nmx_event *ev, const char *const *key, nmx__sb *l)
{
    size_t n = ev->ncolumns;
    char t[128];
    int c;
    switch (g->kind) {
    case CK_TREE:
        c = key_index(key, n, "Protocol");
        nmx__sb_puts(l, nz(ev->columns[c].str));
        return;
    case CK_DIST: {
        const nmx_event_column *v = &ev->columns[key_index(key, n, "Value")];
        int lab = key_index(key, n, "Label"), bit = key_index(key, n, "Bit number");
        if (bit >= 0) { /* flags: "Bit 4 SYN: on" */
            cell_text(&ev->columns[bit], t, sizeof t);
            nmx__sb_printf(l, "Bit %s ", t);
            if (lab >= 0 && ev->columns[lab].type == T_STRING)
                nmx__sb_puts(l, nz(ev->columns[lab].str));
            cell_text(v, t, sizeof t);
            nmx__sb_printf(l, ": %s", t);
            return;
        }
        cell_text(v, t, sizeof t);
        nmx__sb_puts(l, v->type == T_STRING ? nz(v->str) : t);
        if (lab >= 0 && ev->columns[lab].type == T_STRING && ev->columns[lab].str &&
            ev->columns[lab].str[0]) {
            nmx__sb_puts(l, " ");
            nmx__sb_puts(l, ev->columns[lab].str);
        }
        return;
    }
    case CK_RANGE: {
        int p = key_index(key, n, "Protocol"), q = key_index(key, n, "Property");
        if (p >= 0 && q >= 0 && ev->columns[p].type == T_STRING &&
            ev->columns[q].type == T_STRING) {
            nmx__sb_printf(l, "%s %s", nz(ev->columns[p].str), nz(ev->columns[q].str));
            return;
        }
        break;
    }
    case CK_CONN: {
        int a = key_index(key, n, "Source"), b = key_index(key, n, "Destination");
        if (a >= 0 && b >= 0 && ev->columns[a].type == T_STRING &&
            ev->columns[b].type == T_STRING) {
            nmx__sb_printf(l, "%s \xE2\x86\x94 %s", nz(ev->columns[a].str),
                           nz(ev->columns[b].str));
            return;
        }
        break;
    }
    default:
        break;
    }
    /* the first text column, else the first column that is not a number */
    for (size_t i = 0; i < n; i++)
        if (ev->columns[i].type == T_STRING) {
            nmx__sb_puts(l, nz(ev->columns[i].str));
            return;
        }
    for (size_t i = 0; i < n; i++)
        if (!g->num[i]) {
            cell_text(&ev->columns[i], t, sizeof t);
            nmx__sb_puts(l, t);
            return;
        }
    nmx__sb_printf(l, "#%" PRIu64, ev->seq);
}

/* Adds a retransmission frame (of `weight` retransmissions); past
 * RETRANS_FRAMES they are counted as not drawn. False when out of memory. */
static bool push_rf(hgroup *g, uint32_t frame, uint32_t weight, uint8_t kind)
{
    if (g->nrf == g->caprf) {
        if (g->caprf >= RETRANS_FRAMES) {
            g->rf_dropped += weight;
            return true;
        }
        size_t nc = g->caprf ? g->caprf * 2 : 64;
        rframe *nr = realloc(g->rf, nc * sizeof *nr);
        if (!nr)
            return false;
        g->rf = nr;
        g->caprf = nc;
    }
    g->rf[g->nrf++] = (rframe){frame, weight, kind};
    return true;
}

/* TCP Retransmit's "Frames": up to 16 frame numbers, then " ..." when the
 * segment was sent again more often; the rest are counted at Final Frame.
 * The kind is exact when all of a segment's retransmissions are of one
 * kind; the event does not say which of a mixed segment's was which. */
static bool keep_retrans(hgroup *g, const nmx_event *ev)
{
    const nmx_event_column *c = ev->columns;
    double r = num_value(&c[g->cv[0]]), f = num_value(&c[g->cv[1]]),
           sp = num_value(&c[g->cv[2]]), fin = num_value(&c[g->cv[3]]);
    if (!(r >= 1) || r > 4294967295.0 || !(fin >= 0) || fin > 4294967295.0)
        return true;
    uint8_t kind = (f == 0 && sp == 0) ? 0 : f == r ? 1 : sp == r ? 2 : 3;
    const char *p = c[g->cv[4]].type == T_STRING ? nz(c[g->cv[4]].str) : "";
    uint64_t listed = 0, want = (uint64_t)r;
    while (listed < want) {
        while (*p == ' ')
            p++;
        if (*p < '0' || *p > '9')
            break;
        char *end;
        unsigned long long fr = strtoull(p, &end, 10);
        p = end;
        if (fr > UINT32_MAX)
            break;
        if (!push_rf(g, (uint32_t)fr, 1, kind))
            return false;
        listed++;
    }
    return listed >= want || push_rf(g, (uint32_t)fin, (uint32_t)(want - listed), kind);
}

/* Keeps what the charts need of one row. */
static bool keep_chart_row(hgroup *g, const nmx_event *ev, const char *const *key)
{
    if (g->kind == CK_NONE)
        return true;
    g->nall++;
    for (size_t k = 0; k < g->ncv; k++) {
        double v = num_value(&ev->columns[g->cv[k]]);
        if (isfinite(v))
            g->total[k] += v;
    }
    if (g->kind == CK_RETRANS)
        return keep_retrans(g, ev);
    /* the rows a chart draws: all of them where it sorts or bins them */
    size_t cap = g->kind == CK_DIST || g->kind == CK_CONN ? CHART_ROWS
                 : g->kind == CK_TREE                     ? TREE_ROWS
                                                          : MAX_BARS;
    if (g->nkept >= cap)
        return true;
    if (g->nkept == g->capkept) {
        size_t nc = g->capkept ? g->capkept * 2 : 32;
        char **nl = realloc(g->clab, nc * sizeof *nl);
        if (!nl)
            return false;
        g->clab = nl;
        double *nv = realloc(g->cval, nc * 2 * MAX_CV * sizeof *nv);
        if (!nv)
            return false;
        g->cval = nv;
        unsigned *lv = realloc(g->clevel, nc * sizeof *lv);
        if (!lv)
            return false;
        g->clevel = lv;
        g->capkept = nc;
    }
    nmx__sb l = {0};
    row_label(g, ev, key, &l);
    nmx__sb_putc(&l, 0);
    if (l.oom)
        return false;
    g->clab[g->nkept] = l.p;
    double *row = &g->cval[g->nkept * 2 * MAX_CV];
    for (size_t k = 0; k < g->ncv; k++) {
        row[k] = num_value(&ev->columns[g->cv[k]]);
        row[MAX_CV + k] = g->pct[k] >= 0 ? num_value(&ev->columns[g->pct[k]]) : (double)NAN;
    }
    g->clevel[g->nkept] = 1;
    if (g->kind == CK_TREE) {
        double lv = row[1];
        g->clevel[g->nkept] = lv >= 1 && lv < 1000 ? (unsigned)lv : 1;
    }
    g->nkept++;
    return true;
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
        plan_charts(g, ev, key);
    } else {
        nmx__sb_free(&sig);
    }
    if (!keep_chart_row(g, ev, key))
        return NMX_ENOMEM;
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
    for (size_t i = 0; i < ev->ncolumns; i++) {
        const nmx_event_column *c = &ev->columns[i];
        if (c->type == T_STRING) {
            nmx__sb_puts(&g->rows, "<td>");
            html_text(&g->rows, nz(c->str));
        } else {
            cell_text(c, t, sizeof t);
            nmx__sb_puts(&g->rows, g->num[i] ? "<td class=\"n\">" : "<td>");
            html_text(&g->rows, t);
        }
        nmx__sb_puts(&g->rows, "</td>");
    }
    nmx__sb_puts(&g->rows, "</tr>\n");
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

/* A capture's row: what opening it told (ended false: frames and the last
 * frame not known yet), or everything at its end (complete false: read
 * only in part, the run was interrupted). */
static void capture_row(nmx__sb *b, const nmx_sink_capture *c, bool ended, bool complete)
{
    b->len = 0;
    char t1[64], t2[64];
    iso_utc(c->has_time, c->first_ns, t1, sizeof t1);
    iso_utc(c->has_time && ended, c->last_ns, t2, sizeof t2);
    nmx__sb_printf(b, "<tr><td class=\"n\">%" PRIu64 "</td><td>", c->index);
    html_text(b, nz(c->path));
    nmx__sb_puts(b, "</td><td>");
    html_text(b, nz(c->format));
    if (ended)
        nmx__sb_printf(b, "</td><td class=\"n\">%s%" PRIu64 "</td>", complete ? "" : "&ge; ",
                       c->frames);
    else
        nmx__sb_puts(b, "</td><td class=\"n\">not read</td>");
    nmx__sb_printf(b, "<td class=\"n\">%" PRIu64 "</td><td>%s</td><td>%s</td><td>", c->size,
                   t1, t2);
    for (size_t w = 0; ended && w < c->nwarnings; w++) {
        nmx__sb_puts(b, "<div class=\"warn\">");
        html_text(b, nz(c->warnings[w]));
        nmx__sb_puts(b, "</div>");
    }
    if (ended && !complete)
        nmx__sb_puts(b, "<div class=\"warn\">read in part: the run was interrupted</div>");
    nmx__sb_puts(b, "</td></tr>\n");
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
    st->planned = run->sessions;
    for (size_t i = 0; i < st->ncaps; i++)
        nmx__sb_free(&st->caps[i].row);
    free(st->caps);
    st->caps = calloc(run->ncaptures ? run->ncaptures : 1, sizeof *st->caps);
    if (!st->caps)
        return NMX_ENOMEM;
    st->ncaps = run->ncaptures;
    bool oom = false;
    for (size_t i = 0; i < run->ncaptures; i++) {
        const nmx_sink_capture *c = &run->captures[i];
        /* the rest is known at the capture's end (html_capture_end) */
        st->caps[i].index = c->index;
        capture_row(&st->caps[i].row, c, false, false);
        oom = oom || st->caps[i].row.oom;
    }
    return oom ? NMX_ENOMEM : NMX_OK;
}

static nmx_err html_capture_end(nmx_sink *s, const nmx_sink_capture *c, bool complete)
{
    html_state *st = st_of(s);
    if (!st)
        return NMX_ENOMEM;
    for (size_t i = 0; i < st->ncaps; i++) {
        hcapture *h = &st->caps[i];
        if (h->index != c->index)
            continue;
        h->frames = c->frames;
        h->has_time = c->has_time && complete;
        h->first_ns = c->first_ns;
        h->last_ns = c->last_ns;
        capture_row(&h->row, c, true, complete);
        return h->row.oom ? NMX_ENOMEM : NMX_OK;
    }
    return NMX_OK;
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

/* ---- charts ------------------------------------------------------------ */

static const double *row_of(const hgroup *g, size_t i)
{
    return &g->cval[i * 2 * MAX_CV];
}

/* Rows in decreasing order of column k (ties: the expert's order). */
typedef struct keyed {
    double v;
    size_t i;
} keyed;

static int by_value_desc(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static size_t *sorted_rows(const hgroup *g, size_t k)
{
    size_t n = g->nkept ? g->nkept : 1;
    keyed *kv = malloc(n * sizeof *kv);
    size_t *ix = malloc(n * sizeof *ix);
    if (!kv || !ix) {
        free(kv);
        free(ix);
        return NULL;
    }
    for (size_t i = 0; i < g->nkept; i++) {
        double v = row_of(g, i)[k];
        kv[i] = (keyed){isfinite(v) ? v : -(double)INFINITY, i};
    }
    qsort(kv, g->nkept, sizeof *kv, by_value_desc);
    for (size_t i = 0; i < g->nkept; i++)
        ix[i] = kv[i].i;
    free(kv);
    return ix;
}

typedef struct chart_ctx {
    nmx__sb *b;
    unsigned *id;
    nmx__sb title, desc;
} chart_ctx;

static const char *cstr(nmx__sb *sb)
{
    nmx__sb_putc(sb, 0);
    sb->len--;
    return sb->oom ? "" : sb->p;
}

static void chart_begin(chart_ctx *c)
{
    c->title.len = 0;
    c->desc.len = 0;
    (*c->id)++;
}

/* Bars of kept column k over rows ix[0..n) (all rows in order when ix is
 * NULL), with an "all other" bar of `rest` when rest_rows > 0. */
static void bars_of(chart_ctx *c, const hgroup *g, size_t k, const size_t *ix, size_t n,
                    double rest, uint64_t rest_rows, const char *head)
{
    size_t m = n + (rest_rows ? 1 : 0);
    const char **lab = calloc(m ? m : 1, sizeof *lab);
    double *v = calloc(m ? m : 1, sizeof *v), *p = calloc(m ? m : 1, sizeof *p);
    char other[96];
    bool has_pct = g->pct[k] >= 0;
    if (lab && v && p) {
        for (size_t i = 0; i < n; i++) {
            size_t r = ix ? ix[i] : i;
            lab[i] = g->clab[r];
            v[i] = row_of(g, r)[k];
            p[i] = row_of(g, r)[MAX_CV + k];
        }
        if (rest_rows) {
            snprintf(other, sizeof other, "(the other %" PRIu64 ")", rest_rows);
            lab[n] = other;
            v[n] = rest;
            p[n] = (double)NAN;
        }
        nmx__chart ch = {"bars", cstr(&c->title), cstr(&c->desc), head, g->cv_name[k], *c->id};
        const char *series[1] = {g->cv_name[k]};
        nmx__chart_bars(c->b, &ch, m, lab, v, 1, series, NULL, has_pct ? p : NULL);
    }
    free(lab);
    free(v);
    free(p);
}

static void draw_bars(chart_ctx *c, const hgroup *g)
{
    if (g->nkept < 2)
        return;
    size_t n = g->nkept < MAX_BARS ? g->nkept : MAX_BARS;
    const char *head = !strcmp(g->expert_file, "topusers")   ? "Address"
                       : !strcmp(g->expert_file, "protdist") ? "Protocol"
                                                             : "Row";
    for (size_t k = 0; k < g->ncv; k++) {
        if (!strcmp(g->cv_name[k], "Level"))
            continue;
        chart_begin(c);
        nmx__sb_printf(&c->title, "%s: %s", g->event, g->cv_name[k]);
        nmx__sb_printf(&c->desc, "One bar per row of %s, its %s", g->event, g->cv_name[k]);
        if (g->pct[k] >= 0)
            nmx__sb_puts(&c->desc, " and its percentage");
        if (g->nall > n)
            nmx__sb_printf(&c->desc, "; the first %zu rows of %zu, in the expert's order", n,
                           g->nall);
        else
            nmx__sb_puts(&c->desc, ", in the expert's order");
        nmx__sb_puts(&c->desc, ".");
        bars_of(c, g, k, NULL, n, 0, 0, head);
    }
}

static void draw_tree(chart_ctx *c, const hgroup *g)
{
    if (g->nkept < 2)
        return;
    size_t n = g->nkept < TREE_ROWS ? g->nkept : TREE_ROWS;
    const char **lab = calloc(n, sizeof *lab);
    double *v = calloc(n, sizeof *v), *p = calloc(n, sizeof *p);
    unsigned *lv = calloc(n, sizeof *lv);
    if (lab && v && p && lv) {
        for (size_t i = 0; i < n; i++) {
            lab[i] = g->clab[i];
            v[i] = row_of(g, i)[0];
            p[i] = row_of(g, i)[MAX_CV];
            lv[i] = g->clevel[i];
        }
        chart_begin(c);
        nmx__sb_printf(&c->title, "%s: frames per path", g->event);
        nmx__sb_puts(&c->desc, "The protocol hierarchy as an indented list, depth first: "
                               "each protocol under the one that carried it, its bar the "
                               "frames that contain that path and the share of all frames");
        if (g->nall > n)
            nmx__sb_printf(&c->desc, "; the first %zu paths of %zu", n, g->nall);
        nmx__sb_puts(&c->desc, ".");
        nmx__chart ch = {"tree", cstr(&c->title), cstr(&c->desc), "Protocol", "Frames",
                         *c->id};
        const char *series[1] = {"Frames"};
        nmx__chart_bars(c->b, &ch, n, lab, v, 1, series, lv, p);
    }
    free(lab);
    free(v);
    free(p);
    free(lv);
}

static void value_tick(double x, void *ud, char *buf, size_t len)
{
    (void)ud;
    nmx__chart_num(floor(x), buf, len);
}

/* Property Distribution's values: bars by count, the most frequent first;
 * and when the values are numbers and too many for bars, a histogram of
 * the counts over the values' range with min, max and mean marked. */
static void draw_dist(chart_ctx *c, const hgroup *g)
{
    if (g->nkept < 2)
        return;
    size_t *ix = sorted_rows(g, 0);
    if (!ix)
        return;
    size_t n = g->nkept <= MAX_BARS ? g->nkept : MAX_BARS - 1;
    double shown = 0;
    for (size_t i = 0; i < n; i++)
        shown += fmax(0, row_of(g, ix[i])[0]);
    chart_begin(c);
    nmx__sb_printf(&c->title, "%s: instances per value", g->label);
    nmx__sb_printf(&c->desc, "One bar per value, its count of instances and its share of "
                             "them, the most frequent first");
    if (g->nall > n)
        nmx__sb_printf(&c->desc, "; %zu values of %zu, the others in one bar", n, g->nall);
    nmx__sb_puts(&c->desc, ".");
    bars_of(c, g, 0, ix, n, g->total[0] - shown, g->nall > n ? g->nall - n : 0, "Value");
    free(ix);
    if (!g->value_numeric || g->nkept <= MAX_BARS)
        return;
    double lo = (double)INFINITY, hi = -(double)INFINITY, sum = 0, cnt = 0;
    for (size_t i = 0; i < g->nkept; i++) {
        double x = row_of(g, i)[1], w = row_of(g, i)[0];
        if (!isfinite(x) || !(w > 0))
            continue;
        lo = fmin(lo, x);
        hi = fmax(hi, x);
        sum += x * w;
        cnt += w;
    }
    if (!(cnt > 0))
        return;
    /* whole-number bins: one per value when they fit, else equal ranges */
    double width = ceil((hi - lo + 1) / HIST_BINS);
    if (width < 1)
        width = 1;
    size_t nb = (size_t)ceil((hi - lo + 1) / width);
    if (nb < 1)
        nb = 1;
    if (nb > HIST_BINS)
        nb = HIST_BINS;
    double *v = calloc(nb, sizeof *v);
    char **bt = calloc(nb, sizeof *bt);
    char (*txt)[64] = calloc(nb, sizeof *txt);
    if (v && bt && txt) {
        for (size_t i = 0; i < g->nkept; i++) {
            double x = row_of(g, i)[1], w = row_of(g, i)[0];
            if (!isfinite(x) || !(w > 0))
                continue;
            size_t bi = (size_t)((x - lo) / width);
            v[bi < nb ? bi : nb - 1] += w;
        }
        for (size_t i = 0; i < nb; i++) {
            char a[32], z[32];
            nmx__chart_num(lo + width * (double)i, a, sizeof a);
            nmx__chart_num(fmin(hi, lo + width * (double)(i + 1) - 1), z, sizeof z);
            if (width > 1)
                snprintf(txt[i], sizeof txt[i], "%s to %s", a, z);
            else
                snprintf(txt[i], sizeof txt[i], "%s", a);
            bt[i] = txt[i];
        }
        nmx__chart_mark marks[3] = {{lo, "min"}, {sum / cnt, "mean"}, {hi, "max"}};
        chart_begin(c);
        nmx__sb_printf(&c->title, "%s: histogram of the values", g->label);
        nmx__sb_printf(&c->desc, "Instances per range of values, %zu bins of %.0f from the "
                                 "smallest value to the largest; the dashed lines mark the "
                                 "minimum, the mean (weighted by count) and the maximum",
                       nb, width);
        if (g->nall > g->nkept)
            nmx__sb_printf(&c->desc, "; of the first %zu values", g->nkept);
        nmx__sb_puts(&c->desc, ".");
        nmx__chart ch = {"histogram", cstr(&c->title), cstr(&c->desc), "Values", "value",
                         *c->id};
        const char *series[1] = {"Count"};
        nmx__chart_columns(c->b, &ch, nb, lo, lo + width * (double)nb, v, 1, series,
                           (const char *const *)bt, value_tick, NULL, marks, 3);
    }
    free(v);
    free(bt);
    free(txt);
}

static void draw_range(chart_ctx *c, const hgroup *g)
{
    if (!g->nkept)
        return;
    size_t n = g->nkept < MAX_BARS ? g->nkept : MAX_BARS;
    const char **lab = calloc(n, sizeof *lab);
    double *mn = calloc(n, sizeof *mn), *me = calloc(n, sizeof *me), *mx = calloc(n, sizeof *mx);
    if (lab && mn && me && mx) {
        for (size_t i = 0; i < n; i++) {
            lab[i] = g->clab[i];
            mn[i] = row_of(g, i)[0];
            me[i] = row_of(g, i)[1];
            mx[i] = row_of(g, i)[2];
        }
        chart_begin(c);
        nmx__sb_printf(&c->title, "%s: range of the values", g->label);
        nmx__sb_puts(&c->desc, "The smallest and the largest value as the ends of a line, "
                               "the mean as a diamond on it (a numeric property's report "
                               "gives these three, not a count per value).");
        nmx__chart ch = {"range", cstr(&c->title), cstr(&c->desc), "Property", "value",
                         *c->id};
        nmx__chart_range(c->b, &ch, n, lab, mn, me, mx);
    }
    free(lab);
    free(mn);
    free(me);
    free(mx);
}

static const char *const retrans_series[] = {"retransmission", "fast", "spurious",
                                             "segment with several kinds"};

static void draw_conn(chart_ctx *c, const hgroup *g)
{
    if (g->nkept < 2)
        return;
    size_t *ix = sorted_rows(g, 2);
    if (!ix)
        return;
    size_t n = g->nkept < MAX_BARS ? g->nkept : MAX_BARS;
    const char **lab = calloc(n, sizeof *lab);
    double *v = calloc(n * 3, sizeof *v);
    if (lab && v) {
        for (size_t i = 0; i < n; i++) {
            const double *r = row_of(g, ix[i]);
            double f = fmax(0, r[0]), sp = fmax(0, r[1]), all = fmax(0, r[2]);
            lab[i] = g->clab[ix[i]];
            v[i * 3 + 0] = fmax(0, all - f - sp);
            v[i * 3 + 1] = f;
            v[i * 3 + 2] = sp;
        }
        chart_begin(c);
        nmx__sb_printf(&c->title, "%s: retransmissions per connection", g->event);
        nmx__sb_puts(&c->desc, "One bar per connection, its retransmissions split into "
                               "fast, spurious and other ones, the most first");
        if (g->nall > n)
            nmx__sb_printf(&c->desc, "; %zu connections of %zu", n, g->nall);
        nmx__sb_puts(&c->desc, ".");
        nmx__chart ch = {"bars", cstr(&c->title), cstr(&c->desc), "Connection",
                         "retransmissions", *c->id};
        nmx__chart_bars(c->b, &ch, n, lab, v, 3, retrans_series, NULL, NULL);
    }
    free(ix);
    free(lab);
    free(v);
}

struct time_ud {
    bool frames; /* the axis counts frames, not seconds */
};

static void time_tick(double x, void *ud, char *buf, size_t len)
{
    const struct time_ud *t = ud;
    char n[48];
    if (t->frames) {
        nmx__chart_num(floor(x), n, sizeof n);
        snprintf(buf, len, "frame %s", n);
    } else {
        nmx__chart_num(x, n, sizeof n);
        snprintf(buf, len, "+%s s", n);
    }
}

static void iso_utc(bool has, int64_t ns, char *buf, size_t len);

/* TCP Retransmit's segments: the retransmissions counted in bins over the
 * capture's time span (each at its own frame's time), by kind. Without the
 * frames' times (no frame-time function, a frame it cannot date) the axis
 * is the frame number instead. */
static void draw_retrans(chart_ctx *c, nmx_sink *s, const html_state *st, const hgroup *g)
{
    if (!g->nrf)
        return;
    const hcapture *cap = NULL;
    for (size_t i = 0; i < st->nss && !cap; i++)
        if (st->ss[i].index == g->session && st->ss[i].has_capture)
            for (size_t k = 0; k < st->ncaps; k++)
                if (st->caps[k].index == st->ss[i].capture_index)
                    cap = &st->caps[k];
    double *x = malloc(g->nrf * sizeof *x);
    if (!x)
        return;
    bool times = cap && s->frame_time != NULL;
    for (size_t i = 0; i < g->nrf && times; i++) {
        int64_t ns;
        if (g->rf[i].frame == 0 ||
            !s->frame_time(s->frame_time_ud, cap->index, g->rf[i].frame - 1u, &ns))
            times = false;
        else
            x[i] = (double)ns;
    }
    double x0 = (double)INFINITY, x1 = -(double)INFINITY;
    if (times && cap->has_time) {
        x0 = (double)cap->first_ns;
        x1 = (double)cap->last_ns;
    }
    for (size_t i = 0; i < g->nrf; i++) {
        if (!times)
            x[i] = (double)g->rf[i].frame;
        x0 = fmin(x0, x[i]);
        x1 = fmax(x1, x[i]);
    }
    if (!times && cap && cap->frames) {
        x0 = fmin(x0, 1);
        x1 = fmax(x1, (double)cap->frames);
    }
    double scale = times ? 1e-9 : 1; /* seconds from the first frame, or frames */
    double span = (x1 - x0) * scale;
    size_t nb = span > 0 ? TIME_BINS : 1;
    bool mixed = false;
    for (size_t i = 0; i < g->nrf; i++)
        mixed = mixed || g->rf[i].kind == 3;
    size_t ns = mixed ? 4 : 3;
    double *v = calloc(nb * ns, sizeof *v);
    char (*txt)[96] = calloc(nb, sizeof *txt);
    const char **bt = calloc(nb, sizeof *bt);
    if (v && txt && bt) {
        double w = span > 0 ? span / (double)nb : 1;
        uint64_t total = 0;
        for (size_t i = 0; i < g->nrf; i++) {
            double off = (x[i] - x0) * scale;
            size_t bi = span > 0 ? (size_t)(off / w) : 0;
            if (bi >= nb)
                bi = nb - 1;
            v[bi * ns + g->rf[i].kind] += g->rf[i].weight;
            total += g->rf[i].weight;
        }
        struct time_ud tu = {!times};
        for (size_t i = 0; i < nb; i++) {
            char a[48], z[48];
            double base = times ? 0 : x0;
            time_tick(base + w * (double)i, &tu, a, sizeof a);
            time_tick(base + w * (double)(i + 1), &tu, z, sizeof z);
            snprintf(txt[i], sizeof txt[i], "%s to %s", a, z);
            bt[i] = txt[i];
        }
        chart_begin(c);
        nmx__sb_printf(&c->title, "%s: retransmissions over time", g->label);
        if (times) {
            char t0[64], bw[48];
            iso_utc(true, (int64_t)x0, t0, sizeof t0);
            nmx__chart_num(w, bw, sizeof bw);
            nmx__sb_printf(&c->desc, "%" PRIu64 " retransmissions counted at their frames' "
                                     "times, in %zu bins of %s s from the first frame (%s)",
                           total, nb, bw, t0);
        } else {
            nmx__sb_printf(&c->desc, "%" PRIu64 " retransmissions counted by frame number, "
                                     "in %zu bins over the capture's frames (the frames' "
                                     "times were not available)", total, nb);
        }
        nmx__sb_puts(&c->desc, "; fast and spurious ones apart from the others. A segment "
                               "sent again more than 16 times has the rest counted at its "
                               "final frame.");
        if (g->rf_dropped)
            nmx__sb_printf(&c->desc, " %" PRIu64 " retransmissions past the first %u are "
                                     "not drawn.", g->rf_dropped, RETRANS_FRAMES);
        nmx__chart ch = {"timeline", cstr(&c->title), cstr(&c->desc), "Time",
                         times ? "seconds from the first frame" : "frame number", *c->id};
        nmx__chart_columns(c->b, &ch, nb, times ? 0 : x0, times ? span : x1, v, ns,
                           retrans_series, bt, time_tick, &tu, NULL, 0);
    }
    free(v);
    free(txt);
    free(bt);
    free(x);
}

static void draw_charts(nmx__sb *b, nmx_sink *s, const html_state *st, const hgroup *g,
                        unsigned *id)
{
    chart_ctx c = {b, id, {0}, {0}};
    switch (g->kind) {
    case CK_BARS: draw_bars(&c, g); break;
    case CK_TREE: draw_tree(&c, g); break;
    case CK_DIST: draw_dist(&c, g); break;
    case CK_RANGE: draw_range(&c, g); break;
    case CK_CONN: draw_conn(&c, g); break;
    case CK_RETRANS: draw_retrans(&c, s, st, g); break;
    default: break;
    }
    if (c.title.oom || c.desc.oom)
        b->oom = true;
    nmx__sb_free(&c.title);
    nmx__sb_free(&c.desc);
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}"
    "div.rows{max-height:32em;overflow:auto;margin:.5em 0}div.rows table{margin:0}"
    "div.rows th{position:sticky;top:0}"
    "th{background:#f0f3f7;cursor:pointer}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".sev1{color:#a66b00}.sev2{color:#b00020;font-weight:bold}"
    ".completed{color:#17692c}.bad{color:#b00020;font-weight:bold}.warn{color:#a66b00}"
    "input.filter{margin:.3em 0;padding:2px 4px;width:20em}"
    "figure.chart{margin:.8em 0;max-width:720px}figure.chart svg{max-width:100%;height:auto}"
    "figcaption{font-size:12px;color:#555}details.chartdata{font-size:12px;color:#333}"
    "details.chartdata summary{cursor:pointer;color:#555}"
    ".interrupted{color:#a66b00;font-weight:bold}"
    "@media print{body{margin:0;font-size:11px}div.rows{max-height:none;overflow:visible}input.filter,details.chartdata{display:none}"
    "th{cursor:auto}figure.chart,tr{break-inside:avoid}h2,h3{break-after:avoid}"
    "figure.chart svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "table{width:100%}}";

static const char js[] =
    "(function(){'use strict';"
    "document.querySelectorAll('table.events').forEach(function(t){"
    "var f=document.createElement('input');f.type='search';f.className='filter';"
    "f.placeholder='Filter rows';var w=t.parentNode;w.parentNode.insertBefore(f,w);"
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
    if (st->ncaps) {
        nmx__sb_puts(&b, "<h2>Captures</h2>\n<table id=\"captures\"><thead><tr><th>#</th>"
                         "<th>File</th><th>Format</th><th>Frames</th><th>Bytes</th>"
                         "<th>First frame</th><th>Last frame</th><th>Warnings</th></tr>"
                         "</thead><tbody>\n");
        for (size_t i = 0; i < st->ncaps; i++)
            nmx__sb_putn(&b, st->caps[i].row.p ? st->caps[i].row.p : "", st->caps[i].row.len);
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
                           !strcmp(oc, "completed")     ? "completed"
                           : !strcmp(oc, "interrupted") ? "interrupted"
                                                        : "bad");
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
    if (st->ended && st->nss < st->planned)
        nmx__sb_printf(&b, "<p class=\"warn\" id=\"not-run\">%zu of the %" PRIu64
                           " sessions planned ran; the run ended before the others "
                           "started.</p>\n",
                       st->nss, st->planned);
    const char *last = NULL;
    uint64_t last_sess = UINT64_MAX - 1;
    unsigned chart_id = 0;
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
        html_text(&b, g->event[0] ? g->event : "Events");
        nmx__sb_printf(&b, " <small>(%zu)</small></h3>\n", g->nrows);
        draw_charts(&b, s, st, g, &chart_id);
        nmx__sb_puts(&b, "<div class=\"rows\"><table class=\"events\"><thead><tr>");
        nmx__sb_putn(&b, g->head.p, g->head.len);
        nmx__sb_puts(&b, "</tr></thead><tbody>\n");
        nmx__sb_putn(&b, g->rows.p, g->rows.len);
        nmx__sb_puts(&b, "</tbody></table></div>\n");
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
        for (size_t k = 0; k < g->ncv; k++)
            free(g->cv_name[k]);
        for (size_t k = 0; k < g->nkept; k++)
            free(g->clab[k]);
        free(g->clab);
        free(g->cval);
        free(g->clevel);
        free(g->rf);
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
    for (size_t i = 0; i < st->ncaps; i++)
        nmx__sb_free(&st->caps[i].row);
    free(st->caps);
    free(st->version);
    free(st->args);
    free(st->status);
    free(st);
    s->state = NULL;
}

const nmx__sink_ops nmx__sink_html_ops = {html_begin, html_event, html_end, html_destroy};
const nmx__sink_run_ops nmx__sink_html_run_ops = {html_run_begin, html_session_begin,
                                                  html_event_in, html_session_end,
                                                  html_capture_end, html_run_end};
