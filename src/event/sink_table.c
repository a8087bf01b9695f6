/*
 * Table sink: a text table per expert, printed when the expert ends.
 *
 *   == Top Users on x.cap: Run returned TRUE (2 events) ==
 *   Severity  Source     Event       Address    Frames
 *   --------  ---------  ----------  ---------  ------
 *   WARNING   Top Users  Top sender  10.0.0.10    1234
 *   … 5 more events (see JSONL/CSV)
 *
 * The expert's events are kept as rows of display text (not as events):
 * each cell is made terminal-safe (bytes that are not valid UTF-8 become
 * U+FFFD; tab, CR and LF become spaces; other control characters '?') and
 * clipped to max_cell_width characters, the last one then being "…". At
 * most max_rows rows and max_bytes bytes are kept per expert; further events
 * are counted and reported in a last line.
 *
 * Fixed columns Severity, Source, Event, Description, Machine and Time come
 * first; an event's NMEVENTFLAG_DO_NOT_DISPLAY_* flags blank its cell (the
 * time cell loses its date or its time of day with the DATE or TIME flag),
 * and a fixed column with no non-empty cell is left out. The expert's
 * columns follow, in order of first appearance, keyed as in the other sinks
 * ("Address#2", "column3"); a column whose cells are all numbers is aligned
 * right. Widths count characters (code points), so wide characters may
 * shift a row.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/sink_internal.h"

enum { T_UINT8, T_SINT8, T_UINT16, T_SINT16, T_UINT32, T_SINT32, T_FLOAT64, T_FRAME };

#define F_SEVERITY    0x80000000u
#define F_SOURCE      0x40000000u
#define F_EVENT_NAME  0x20000000u
#define F_DESCRIPTION 0x10000000u
#define F_MACHINE     0x08000000u
#define F_TIME        0x04000000u
#define F_DATE        0x02000000u

enum { FX_SEVERITY, FX_SOURCE, FX_EVENT, FX_DESCRIPTION, FX_MACHINE, FX_TIME, NFIXED };
static const char *const fixed_title[NFIXED] = {"Severity",    "Source",  "Event",
                                                "Description", "Machine", "Time"};

#define MAX_UNION 255u   /* expert columns shown per table */
#define HASH_SIZE 512u

typedef struct tcell {
    const char *key;
    const char *text;
    bool numeric;
} tcell;

typedef struct trow {
    struct trow *next;
    uint32_t severity;
    const char *fixed[NFIXED]; /* NULL: hidden by the event's flags */
    size_t ncols;
    tcell cols[];
} trow;

typedef struct tsection {
    struct tsection *next;
    char *expert, *capture;
    trow *head, *tail;
    uint64_t nrows, nevents, dropped, bytes;
} tsection;

typedef struct table_state {
    tsection *first;
} table_state;

/* ---- cells -------------------------------------------------------------- */

/* Appends the terminal-safe form of s, clipped to `width` characters with
 * "…" in the middle (the start and the end of a long name both say
 * something: a host and its domain, a path and its file), and a NUL. */
static void cell_text(nmx__sb *b, const char *str, size_t width)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str), chars = 0, start = b->len;
    for (size_t i = 0; i < n;) {
        size_t adv;
        long cp = nmx__utf8_next(s + i, n - i, &adv);
        if (cp < 0)
            nmx__sb_puts(b, "\xEF\xBF\xBD");
        else if (cp == '\t' || cp == '\n' || cp == '\r')
            nmx__sb_putc(b, ' ');
        else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            nmx__sb_putc(b, '?');
        else
            nmx__sb_putn(b, (const char *)s + i, adv);
        chars++;
        i += adv;
    }
    if (chars > width && !b->oom) {
        size_t keep = width - 1, head = (keep + 1) / 2, tail = keep - head;
        size_t h = start;
        for (size_t c = 0; c < head; c++)
            do
                h++;
            while (((unsigned char)b->p[h] & 0xC0u) == 0x80u);
        size_t t = b->len;
        for (size_t c = 0; c < tail; c++)
            do
                t--;
            while (((unsigned char)b->p[t] & 0xC0u) == 0x80u);
        size_t tail_bytes = b->len - t;
        char tailbuf[4 * 256];
        if (tail_bytes <= sizeof tailbuf) {
            memcpy(tailbuf, b->p + t, tail_bytes);
            b->len = h;
            nmx__sb_puts(b, "\xE2\x80\xA6"); /* … */
            nmx__sb_putn(b, tailbuf, tail_bytes);
        } else { /* an unusually wide limit: keep the start */
            b->len = h;
            nmx__sb_puts(b, "\xE2\x80\xA6");
        }
    }
    nmx__sb_putc(b, 0);
}

/* Characters in a (valid UTF-8) string. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0u) != 0x80u)
            w++;
    return w;
}

/* A FLOAT64 cell: a fixed number of decimals, so that a column's points
 * line up; magnitudes of 1e15 and more (and non-finite values) in
 * exponent form. */
static void float_text(double v, int decimals, char *buf, size_t len)
{
    if (isfinite(v) && fabs(v) < 1e15)
        snprintf(buf, len, "%.*f", decimals, v);
    else
        snprintf(buf, len, "%.*e", decimals, v);
}

static bool is_numeric(uint32_t t)
{
    return t <= T_FRAME;
}

/* Builds the row of an event in one allocation; NULL when out of memory. */
static trow *make_row(nmx_sink *s, const nmx_event *ev, size_t *size)
{
    size_t width = s->opt.max_cell_width;
    nmx__sb *b = &s->line;
    b->len = 0;
    size_t foff[NFIXED];
    bool fshow[NFIXED];
    uint32_t fl = ev->flags;
    const char *ftext[NFIXED] = {nmx_event_severity_name(ev->severity), ev->source, ev->name,
                                 ev->description, ev->machine, NULL};
    fshow[FX_SEVERITY] = !(fl & F_SEVERITY);
    fshow[FX_SOURCE] = !(fl & F_SOURCE);
    fshow[FX_EVENT] = !(fl & F_EVENT_NAME);
    fshow[FX_DESCRIPTION] = !(fl & F_DESCRIPTION);
    fshow[FX_MACHINE] = !(fl & F_MACHINE);
    fshow[FX_TIME] = (fl & (F_TIME | F_DATE)) != (F_TIME | F_DATE);
    char tbuf[64];
    nmx__event_time(ev, ' ', !(fl & F_DATE), !(fl & F_TIME), tbuf, sizeof tbuf);
    ftext[FX_TIME] = tbuf;
    for (size_t i = 0; i < NFIXED; i++) {
        foff[i] = b->len;
        if (fshow[i])
            cell_text(b, ftext[i] ? ftext[i] : "", width);
    }
    /* keys from the clipped names, so that they stay short and unique */
    size_t n = ev->ncolumns;
    nmx_event_column cols[255];
    size_t noff[255], toff[255];
    for (size_t i = 0; i < n; i++) {
        noff[i] = b->len;
        cell_text(b, ev->columns[i].name ? ev->columns[i].name : "", width);
    }
    for (size_t i = 0; i < n; i++) {
        char vbuf[128];
        toff[i] = b->len;
        const char *v;
        if (ev->columns[i].type == T_FLOAT64) {
            float_text(ev->columns[i].v.f, s->opt.float_decimals, vbuf, sizeof vbuf);
            v = vbuf;
        } else {
            v = nmx_event_column_text(&ev->columns[i], vbuf, sizeof vbuf);
        }
        cell_text(b, v, width);
    }
    if (b->oom)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        cols[i] = ev->columns[i];
        cols[i].name = b->p + noff[i];
    }
    nmx_event tmp = *ev;
    tmp.columns = cols;
    const char *key[256];
    if (!nmx__column_keys(&tmp, &s->keys, key)) {
        nmx__sb_free(&s->keys);
        return NULL;
    }
    size_t koff[255], klen = 0;
    for (size_t i = 0; i < n; i++) {
        koff[i] = klen;
        klen += strlen(key[i]) + 1;
    }
    size_t head = sizeof(trow) + n * sizeof(tcell);
    *size = head + b->len + klen;
    trow *r = malloc(*size);
    if (!r)
        return NULL;
    char *pool = (char *)r + head;
    memcpy(pool, b->p, b->len);
    char *kpool = pool + b->len;
    for (size_t i = 0; i < n; i++)
        memcpy(kpool + koff[i], key[i], strlen(key[i]) + 1);
    r->next = NULL;
    r->severity = ev->severity;
    for (size_t i = 0; i < NFIXED; i++)
        r->fixed[i] = fshow[i] ? pool + foff[i] : NULL;
    r->ncols = n;
    for (size_t i = 0; i < n; i++) {
        r->cols[i].key = kpool + koff[i];
        r->cols[i].text = pool + toff[i];
        r->cols[i].numeric = is_numeric(ev->columns[i].type);
    }
    return r;
}

/* ---- sections ----------------------------------------------------------- */

static tsection *find_section(table_state *st, const char *expert)
{
    for (tsection *x = st->first; x; x = x->next)
        if (strcmp(x->expert, expert) == 0)
            return x;
    return NULL;
}

static tsection *add_section(table_state *st, const char *expert, const char *capture)
{
    tsection *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->expert = strdup(expert);
    x->capture = capture ? strdup(capture) : NULL;
    if (!x->expert || (capture && !x->capture)) {
        free(x->expert);
        free(x->capture);
        free(x);
        return NULL;
    }
    tsection **pp = &st->first;
    while (*pp)
        pp = &(*pp)->next;
    *pp = x;
    return x;
}

static void free_section(tsection *x)
{
    for (trow *r = x->head, *nx; r; r = nx) {
        nx = r->next;
        free(r);
    }
    free(x->expert);
    free(x->capture);
    free(x);
}

static table_state *state(nmx_sink *s)
{
    if (!s->state)
        s->state = calloc(1, sizeof(table_state));
    return s->state;
}

/* ---- printing ----------------------------------------------------------- */

typedef struct ucols {
    const char *key[MAX_UNION];
    size_t width[MAX_UNION];
    bool numeric[MAX_UNION];
    size_t n, hidden;
    uint16_t slot[HASH_SIZE]; /* index + 1, 0 = empty */
} ucols;

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Index of key, adding it if there is room; -1 when it is not shown. */
static long ucol(ucols *u, const char *key, bool add)
{
    uint32_t i = hash(key) & (HASH_SIZE - 1);
    while (u->slot[i]) {
        size_t k = u->slot[i] - 1u;
        if (strcmp(u->key[k], key) == 0)
            return (long)k;
        i = (i + 1) & (HASH_SIZE - 1);
    }
    if (!add)
        return -1;
    if (u->n == MAX_UNION) {
        u->hidden++; /* counts cells of hidden columns' first sightings; see below */
        return -1;
    }
    u->key[u->n] = key;
    u->width[u->n] = text_width(key);
    u->numeric[u->n] = true;
    u->slot[i] = (uint16_t)(u->n + 1);
    return (long)u->n++;
}

static void pad(nmx__sb *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        nmx__sb_putc(b, ' ');
}

/* Appends text (terminal-safe UTF-8) shortened to `width` characters with
 * "…" in the middle: the start and the end of a long name both say
 * something (a host and its domain, a path and its file). */
static void put_fit(nmx__sb *b, const char *text, size_t width)
{
    size_t w = text_width(text);
    if (w <= width || width == 0) {
        nmx__sb_puts(b, width ? text : "");
        return;
    }
    size_t keep = width - 1, head = (keep + 1) / 2, tail = keep - head;
    const char *p = text;
    for (size_t c = 0; c < head; c++) /* head characters */
        do
            nmx__sb_putc(b, *p++);
        while (((unsigned char)*p & 0xC0u) == 0x80u);
    nmx__sb_puts(b, "\xE2\x80\xA6");
    size_t skip = w - head - tail;
    for (size_t c = 0; c < skip; c++)
        do
            p++;
        while (((unsigned char)*p & 0xC0u) == 0x80u);
    nmx__sb_puts(b, p);
}

static const char *sev_color(uint32_t sev)
{
    static const char *const c[] = {"\x1b[36m", "\x1b[33m", "\x1b[1;33m",
                                    "\x1b[31m", "\x1b[1;31m", "\x1b[1;37;41m"};
    return sev < 6 ? c[sev] : "\x1b[35m";
}

static void cell(nmx__sb *b, const char *text, size_t width, bool right, bool first,
                 const char *color)
{
    if (!first)
        nmx__sb_puts(b, "  ");
    size_t w = text_width(text);
    size_t gap = width > w ? width - w : 0;
    if (right)
        pad(b, gap);
    if (color && *text)
        nmx__sb_puts(b, color);
    put_fit(b, text, width); /* shortened when the table was narrowed */
    if (color && *text)
        nmx__sb_puts(b, "\x1b[0m");
    if (!right)
        pad(b, gap);
}

static void end_line(nmx__sb *b)
{
    while (b->len && b->p[b->len - 1] == ' ')
        b->len--;
    nmx__sb_putc(b, '\n');
}

/* Narrowest a text column becomes before the table turns to records. */
#define MIN_TEXT_WIDTH 8u

/* Narrows the widest text columns (numeric ones keep their width) to one
 * common limit, the largest with which the table fits `limit`; false when
 * even MIN_TEXT_WIDTH does not fit. */
static bool fit_widths(size_t **w, const bool *shrinkable, size_t n, size_t limit)
{
    size_t fixed = n ? 2 * (n - 1) : 0, widest = 0;
    for (size_t i = 0; i < n; i++) {
        if (shrinkable[i] && *w[i] > MIN_TEXT_WIDTH) {
            fixed += MIN_TEXT_WIDTH; /* counted below, above the floor */
            if (*w[i] > widest)
                widest = *w[i];
        } else {
            fixed += *w[i];
        }
    }
    if (fixed > limit)
        return false;
    /* total(cap) = fixed + sum(min(w, cap) - MIN) over the narrowable */
    size_t lo = MIN_TEXT_WIDTH, hi = widest > lo ? widest : lo;
    while (lo < hi) { /* the largest cap that fits */
        size_t mid = lo + (hi - lo + 1) / 2, total = fixed;
        for (size_t i = 0; i < n; i++)
            if (shrinkable[i] && *w[i] > MIN_TEXT_WIDTH)
                total += (*w[i] < mid ? *w[i] : mid) - MIN_TEXT_WIDTH;
        if (total <= limit)
            lo = mid;
        else
            hi = mid - 1;
    }
    for (size_t i = 0; i < n; i++)
        if (shrinkable[i] && *w[i] > lo)
            *w[i] = lo;
    return true;
}

/* Appends value wrapped to lines of `width` characters, continuation
 * lines indented by `indent` spaces. */
static void put_wrapped(nmx__sb *b, const char *text, size_t width, size_t indent,
                        const char *color)
{
    const char *p = text;
    bool first = true;
    do {
        if (!first) {
            nmx__sb_putc(b, '\n');
            pad(b, indent);
        }
        first = false;
        const char *start = p, *space = NULL;
        for (size_t c = 0; c < width && *p; c++) {
            do
                p++;
            while (((unsigned char)*p & 0xC0u) == 0x80u);
            if (*p == ' ')
                space = p;
        }
        const char *end = p;
        if (*p && *p != ' ' && space) /* break at the last space that fits */
            end = p = space;
        while (*p == ' ')
            p++; /* no line starts or ends with the break's spaces */
        while (end > start && end[-1] == ' ')
            end--;
        if (color)
            nmx__sb_puts(b, color);
        nmx__sb_putn(b, start, (size_t)(end - start));
        if (color)
            nmx__sb_puts(b, "\x1b[0m");
    } while (*p);
}

/* Rows [from, to) as records: one "name  value" line per non-empty cell,
 * for tables too wide for the output. */
static void print_records(nmx_sink *s, nmx__sb *out, const trow *from, const trow *to,
                          const bool *fshow, const ucols *u, size_t limit)
{
    size_t kw = 0;
    for (size_t i = 0; i < NFIXED; i++)
        if (fshow[i] && text_width(fixed_title[i]) > kw)
            kw = text_width(fixed_title[i]);
    for (size_t k = 0; k < u->n; k++)
        if (text_width(u->key[k]) > kw)
            kw = text_width(u->key[k]);
    size_t kmax = limit / 3 > MIN_TEXT_WIDTH ? limit / 3 : MIN_TEXT_WIDTH;
    if (kw > kmax)
        kw = kmax;
    size_t vw = limit > kw + 2 + MIN_TEXT_WIDTH ? limit - kw - 2 : MIN_TEXT_WIDTH;
    const char *cells[MAX_UNION];
    uint64_t n = 0;
    for (const trow *r = from; r != to; r = r->next) {
        char head[64];
        int hl = snprintf(head, sizeof head, "-[ RECORD %" PRIu64 " ]", ++n);
        nmx__sb_puts(out, head);
        for (size_t i = (size_t)hl; i < kw + 2 + vw && i < limit; i++)
            nmx__sb_putc(out, '-');
        nmx__sb_putc(out, '\n');
        for (size_t i = 0; i < NFIXED + u->n; i++) {
            bool fx = i < NFIXED;
            const char *key, *val;
            if (fx) {
                if (!fshow[i])
                    continue;
                key = fixed_title[i];
                val = r->fixed[i] ? r->fixed[i] : "";
            } else {
                if (i == NFIXED) {
                    for (size_t k = 0; k < u->n; k++)
                        cells[k] = "";
                    for (size_t c = 0; c < r->ncols; c++) {
                        long k = ucol((ucols *)(uintptr_t)u, r->cols[c].key, false);
                        if (k >= 0)
                            cells[k] = r->cols[c].text;
                    }
                }
                key = u->key[i - NFIXED];
                val = cells[i - NFIXED];
            }
            if (!*val)
                continue;
            size_t klen = text_width(key);
            put_fit(out, key, kw);
            pad(out, kw + 2 - (klen < kw ? klen : kw));
            const char *color = fx && i == FX_SEVERITY && s->color ? sev_color(r->severity) : NULL;
            put_wrapped(out, val, vw, kw + 2, color);
            end_line(out);
        }
        if (out->len >= 65536) {
            nmx__sink_write(s, out->p, out->len, false);
            out->len = 0;
        }
    }
}

/* Rows [from, to) share one set of columns: one table for them. */
static nmx_err print_rows(nmx_sink *s, nmx__sb *outp, const trow *from, const trow *to)
{
#define out (*outp)
    /* which fixed columns, which expert columns, how wide */
    bool fshow[NFIXED] = {false};
    size_t fwidth[NFIXED];
    for (size_t i = 0; i < NFIXED; i++)
        fwidth[i] = text_width(fixed_title[i]);
    ucols *u = calloc(1, sizeof *u);
    if (!u) {
        nmx__sb_free(&out);
        return NMX_ENOMEM;
    }
    for (const trow *r = from; r != to; r = r->next) {
        for (size_t i = 0; i < NFIXED; i++) {
            if (r->fixed[i] && r->fixed[i][0]) {
                fshow[i] = true;
                size_t w = text_width(r->fixed[i]);
                if (w > fwidth[i])
                    fwidth[i] = w;
            }
        }
        for (size_t i = 0; i < r->ncols; i++) {
            long k = ucol(u, r->cols[i].key, true);
            if (k < 0)
                continue;
            size_t w = text_width(r->cols[i].text);
            if (w > u->width[k])
                u->width[k] = w;
            if (!r->cols[i].numeric && r->cols[i].text[0])
                u->numeric[k] = false;
        }
    }
    if (s->opt.width) {
        /* too wide for the output: narrower text columns, or records */
        size_t *w[NFIXED + MAX_UNION];
        bool shrink[NFIXED + MAX_UNION];
        size_t n = 0;
        for (size_t i = 0; i < NFIXED; i++)
            if (fshow[i]) {
                shrink[n] = i != FX_TIME && i != FX_SEVERITY; /* cut short, they say little */
                w[n++] = &fwidth[i];
            }
        for (size_t k = 0; k < u->n; k++) {
            shrink[n] = !u->numeric[k];
            w[n++] = &u->width[k];
        }
        if (!fit_widths(w, shrink, n, s->opt.width)) {
            print_records(s, &out, from, to, fshow, u, s->opt.width);
            if (u->hidden)
                nmx__sb_printf(&out, "\xE2\x80\xA6 more columns not shown (at most %u per table)\n",
                               MAX_UNION);
            free(u);
            return NMX_OK;
        }
    }
    bool first = true;
    for (size_t i = 0; i < NFIXED; i++) {
        if (fshow[i]) {
            cell(&out, fixed_title[i], fwidth[i], false, first, NULL);
            first = false;
        }
    }
    for (size_t k = 0; k < u->n; k++) {
        cell(&out, u->key[k], u->width[k], u->numeric[k], first, NULL);
        first = false;
    }
    end_line(&out);
    first = true;
    for (size_t i = 0; i < NFIXED + u->n; i++) {
        bool fx = i < NFIXED;
        if (fx && !fshow[i])
            continue;
        size_t w = fx ? fwidth[i] : u->width[i - NFIXED];
        if (!first)
            nmx__sb_puts(&out, "  ");
        for (size_t j = 0; j < w; j++)
            nmx__sb_putc(&out, '-');
        first = false;
    }
    end_line(&out);
    const char *cells[MAX_UNION];
    for (const trow *r = from; r != to; r = r->next) {
        first = true;
        for (size_t i = 0; i < NFIXED; i++) {
            if (!fshow[i])
                continue;
            const char *txt = r->fixed[i] ? r->fixed[i] : "";
            const char *color = i == FX_SEVERITY && s->color ? sev_color(r->severity) : NULL;
            cell(&out, txt, fwidth[i], false, first, color);
            first = false;
        }
        for (size_t k = 0; k < u->n; k++)
            cells[k] = "";
        for (size_t i = 0; i < r->ncols; i++) {
            long k = ucol(u, r->cols[i].key, false);
            if (k >= 0)
                cells[k] = r->cols[i].text;
        }
        for (size_t k = 0; k < u->n; k++) {
            cell(&out, cells[k], u->width[k], u->numeric[k], first, NULL);
            first = false;
        }
        end_line(&out);
        if (out.len >= 65536) { /* write as we go: the table may be long */
            nmx__sink_write(s, out.p, out.len, false);
            out.len = 0;
        }
    }
    if (u->hidden)
        nmx__sb_printf(&out, "\xE2\x80\xA6 more columns not shown (at most %u per table)\n",
                       MAX_UNION);
    free(u);
#undef out
    return NMX_OK;
}

/* Do two rows have the same expert columns, in the same order? */
static bool same_columns(const trow *a, const trow *b)
{
    if (a->ncols != b->ncols)
        return false;
    for (size_t i = 0; i < a->ncols; i++)
        if (strcmp(a->cols[i].key, b->cols[i].key) != 0)
            return false;
    return true;
}

static nmx_err print_section(nmx_sink *s, tsection *x, const char *outcome)
{
    nmx__sb out = {0};
    nmx__sb t = {0};
    size_t o_exp = t.len;
    cell_text(&t, x->expert, 200);
    size_t o_cap = t.len;
    cell_text(&t, x->capture ? x->capture : "", 200);
    size_t o_out = t.len;
    cell_text(&t, outcome ? outcome : "ended", 400);
    if (t.oom) {
        nmx__sb_free(&t);
        return NMX_ENOMEM;
    }
    nmx__sb_printf(&out, "== %s", t.p + o_exp);
    if (x->capture)
        nmx__sb_printf(&out, " on %s", t.p + o_cap);
    nmx__sb_printf(&out, ": %s (%" PRIu64 " event%s) ==\n", t.p + o_out, x->nevents,
                   x->nevents == 1 ? "" : "s");
    nmx__sb_free(&t);
    if (s->opt.width && !out.oom) {
        out.p[out.len - 1] = 0; /* the title, without its newline */
        if (text_width(out.p) > s->opt.width) { /* wrapped at spaces to fit */
            nmx__sb title = {0};
            put_wrapped(&title, out.p, s->opt.width, 0, NULL);
            out.len = 0;
            nmx__sb_putn(&out, title.p ? title.p : "", title.len);
            nmx__sb_free(&title);
        } else {
            out.len--;
        }
        nmx__sb_putc(&out, '\n');
    }

    if (x->nrows) {
        /* Consecutive events with the same columns form one table (an
         * expert's ranking rows and its summary row differ, for example). */
        for (const trow *g = x->head; g;) {
            const trow *e = g->next;
            while (e && same_columns(g, e))
                e = e->next;
            if (g != x->head)
                nmx__sb_putc(&out, '\n');
            nmx_err pe = print_rows(s, &out, g, e);
            if (pe != NMX_OK) {
                nmx__sb_free(&out);
                return pe;
            }
            g = e;
        }
    } else if (!x->dropped) {
        nmx__sb_puts(&out, "(no events)\n");
    }
    if (x->dropped)
        nmx__sb_printf(&out, "\xE2\x80\xA6 %" PRIu64 " more event%s (see JSONL/CSV)\n", x->dropped,
                       x->dropped == 1 ? "" : "s");
    nmx__sb_putc(&out, '\n');
    nmx_err e = out.oom ? NMX_ENOMEM : nmx__sink_write(s, out.p, out.len, true);
    nmx__sb_free(&out);
    return e;
}

/* ---- operations --------------------------------------------------------- */

static nmx_err table_begin(nmx_sink *s, const char *expert, const char *capture)
{
    table_state *st = state(s);
    if (!st)
        return NMX_ENOMEM;
    tsection *x = find_section(st, expert);
    if (x) { /* begun again: keep its rows, take the new capture name */
        if (capture) {
            char *c = strdup(capture);
            if (!c)
                return NMX_ENOMEM;
            free(x->capture);
            x->capture = c;
        }
        return NMX_OK;
    }
    return add_section(st, expert, capture) ? NMX_OK : NMX_ENOMEM;
}

static nmx_err table_event(nmx_sink *s, const nmx_event *ev)
{
    table_state *st = state(s);
    if (!st)
        return NMX_ENOMEM;
    const char *name = ev->expert ? ev->expert : "";
    tsection *x = find_section(st, name);
    if (!x && !(x = add_section(st, name, NULL)))
        return NMX_ENOMEM;
    x->nevents++;
    if (x->nrows >= s->opt.max_rows || x->bytes >= s->opt.max_bytes) {
        x->dropped++;
        return NMX_OK;
    }
    size_t size = 0;
    trow *r = make_row(s, ev, &size);
    if (!r) {
        nmx__sb_free(&s->line);
        x->dropped++;
        return NMX_ENOMEM;
    }
    if (size > s->opt.max_bytes - x->bytes) {
        free(r);
        x->dropped++;
        x->bytes = s->opt.max_bytes; /* full */
        return NMX_OK;
    }
    x->bytes += size;
    x->nrows++;
    if (x->tail)
        x->tail->next = r;
    else
        x->head = r;
    x->tail = r;
    return NMX_OK;
}

static nmx_err table_end(nmx_sink *s, const char *expert, const char *outcome)
{
    table_state *st = state(s);
    if (!st)
        return NMX_ENOMEM;
    tsection *x = find_section(st, expert);
    if (!x && !(x = add_section(st, expert, NULL)))
        return NMX_ENOMEM;
    nmx_err e = print_section(s, x, outcome);
    tsection **pp = &st->first;
    while (*pp != x)
        pp = &(*pp)->next;
    *pp = x->next;
    free_section(x);
    return e;
}

static void table_destroy(nmx_sink *s)
{
    table_state *st = s->state;
    if (!st)
        return;
    while (st->first) {
        tsection *x = st->first;
        print_section(s, x, "not ended");
        st->first = x->next;
        free_section(x);
    }
    free(st);
    s->state = NULL;
}

const nmx__sink_ops nmx__sink_table_ops = {table_begin, table_event, table_end, table_destroy};
