/* Event sinks: the shared part (opening, locking, writing, text helpers). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/sink_internal.h"

/* ---- byte strings ------------------------------------------------------- */

bool nmx__sb_grow(nmx__sb *b, size_t n)
{
    if (b->oom)
        return false;
    if (n <= b->cap - b->len)
        return true;
    size_t want = b->cap ? b->cap : 256;
    while (want - b->len < n) {
        if (want > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        want *= 2;
    }
    char *p = realloc(b->p, want);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = want;
    return true;
}

void nmx__sb_printf(nmx__sb *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        nmx__sb_putn(b, tmp, (size_t)n);
        return;
    }
    if (!nmx__sb_reserve(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void nmx__sb_free(nmx__sb *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- text helpers ------------------------------------------------------- */

long nmx__utf8_next(const unsigned char *s, size_t n, size_t *adv)
{
    *adv = 1;
    unsigned c = s[0];
    if (c < 0x80)
        return (long)c;
    size_t len;
    unsigned long cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
        min = 0x10000;
    } else {
        return -1;
    }
    if (n < len)
        return -1;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *adv = len;
    return (long)cp;
}

bool nmx__column_keys(const nmx_event *ev, nmx__sb *store, const char **keys)
{
    size_t off[256];
    store->len = 0;
    for (size_t i = 0; i < ev->ncolumns; i++) {
        const char *name = ev->columns[i].name;
        char base_buf[32];
        const char *base = name && name[0] ? name : NULL;
        if (!base) {
            snprintf(base_buf, sizeof base_buf, "column%zu", i + 1);
            base = base_buf;
        }
        size_t blen = strlen(base);
        for (unsigned k = 1;; k++) {
            size_t start = store->len;
            nmx__sb_putn(store, base, blen);
            if (k > 1)
                nmx__sb_printf(store, "#%u", k);
            nmx__sb_putc(store, 0);
            if (store->oom)
                return false;
            const char *cand = store->p + start;
            bool taken = false;
            for (size_t j = 0; j < i && !taken; j++)
                taken = strcmp(store->p + off[j], cand) == 0;
            if (!taken) {
                off[i] = start;
                break;
            }
            store->len = start;
        }
    }
    for (size_t i = 0; i < ev->ncolumns; i++)
        keys[i] = store->p + off[i];
    return true;
}

void nmx__event_time(const nmx_event *ev, char sep, bool date, bool time, char *buf, size_t len)
{
    const uint16_t *t = ev->time; /* year, month, weekday, day, h, m, s, ms */
    buf[0] = 0;
    if (!ev->has_time || !len)
        return;
    if (date && time)
        snprintf(buf, len, "%04u-%02u-%02u%c%02u:%02u:%02u.%03u", t[0], t[1], t[3], sep, t[4],
                 t[5], t[6], t[7]);
    else if (date)
        snprintf(buf, len, "%04u-%02u-%02u", t[0], t[1], t[3]);
    else if (time)
        snprintf(buf, len, "%02u:%02u:%02u.%03u", t[4], t[5], t[6], t[7]);
}

bool nmx__vartime_iso(const nmx_event_column *c, char *buf, size_t len)
{
    nmx_event_column_text(c, buf, len);
    if (buf[0] < '0' || buf[0] > '9')
        return false;
    if (strlen(buf) > 10 && buf[10] == ' ')
        buf[10] = 'T';
    return true;
}

/* The text of a = k / 10^6 (a in [1e-4, 1e9), k < 10^15) as "%.15g" writes
 * it, when a is the double nearest to that decimal (so 15 significant
 * digits round back to it exactly); false when it is not. The durations
 * experts report in microseconds are such numbers. */
static bool micro_text(double a, bool neg, char *buf, size_t len)
{
    if (!(a >= 1e-4 && a < 1e9))
        return false;
    uint64_t k = (uint64_t)(a * 1e6 + 0.5);
    if ((double)k / 1e6 != a)
        return false;
    char t[32];
    size_t n = 0;
    if (neg)
        t[n++] = '-';
    uint64_t ip = k / 1000000u, fp = k % 1000000u;
    char d[20];
    size_t m = 0;
    do {
        d[m++] = (char)('0' + ip % 10u);
        ip /= 10u;
    } while (ip);
    while (m)
        t[n++] = d[--m];
    if (fp) {
        t[n++] = '.';
        for (uint64_t p = 100000u; fp; p /= 10u) {
            t[n++] = (char)('0' + fp / p);
            fp %= p;
        }
    }
    if (n >= len)
        return false;
    memcpy(buf, t, n);
    buf[n] = 0;
    return true;
}

void nmx__double_text(double d, char *buf, size_t len)
{
    if (d == 0 && !signbit(d) && len >= 2) {
        memcpy(buf, "0", 2);
        return;
    }
    if (micro_text(fabs(d), signbit(d) != 0, buf, len))
        return;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

/* ---- sinks -------------------------------------------------------------- */

nmx_err nmx__sink_write(nmx_sink *s, const char *p, size_t n, bool flush)
{
    if (s->err != NMX_OK)
        return s->err;
    errno = 0;
    if (s->buffered)
        flush = false; /* nmx_sink_options.buffered: the close flushes */
    if ((n && fwrite(p, 1, n, s->f) != n) || (flush && fflush(s->f) != 0)) {
        s->err = NMX_EIO;
        s->os_err = errno;
    }
    return s->err;
}

nmx_err nmx_sink_open(nmx_sink_kind kind, const char *path, const nmx_sink_options *opt,
                      nmx_sink **out, nmx_diag *d)
{
    if (out)
        *out = NULL;
    const nmx__sink_ops *ops = kind == NMX_SINK_JSONL ? &nmx__sink_jsonl_ops
                               : kind == NMX_SINK_CSV ? &nmx__sink_csv_ops
                               : kind == NMX_SINK_TABLE ? &nmx__sink_table_ops
                               : kind == NMX_SINK_CSV_DIR ? &nmx__sink_csvdir_ops
                               : kind == NMX_SINK_HTML ? &nmx__sink_html_ops
                                                        : NULL;
    if (!out || !ops || (kind == NMX_SINK_CSV_DIR && (!path || !path[0] || !strcmp(path, "-"))))
        return nmx_diag_set(d, NMX_EINVAL, UINT64_MAX, (uint64_t)kind, 0, "sink: invalid arguments");
    nmx_sink_options o = {.version = NMX_SINK_OPTIONS_VERSION};
    if (opt) {
        if (opt->version == NMX_SINK_OPTIONS_VERSION) {
            o = *opt;
        } else if (opt->version == NMX_SINK_OPTIONS_VERSION_1) {
            /* the fields up to and including color */
            memcpy(&o, opt, offsetof(nmx_sink_options, color) + sizeof o.color);
        } else if (opt->version == NMX_SINK_OPTIONS_VERSION_2) {
            /* the fields up to and including float_decimals */
            memcpy(&o, opt, offsetof(nmx_sink_options, float_decimals) + sizeof o.float_decimals);
        } else {
            return nmx_diag_set(d, NMX_EINVAL, UINT64_MAX, opt->version, NMX_SINK_OPTIONS_VERSION,
                                "sink: options version %u not supported", (unsigned)opt->version);
        }
        o.version = NMX_SINK_OPTIONS_VERSION;
    }
    if (o.float_decimals == 0)
        o.float_decimals = NMX_SINK_DEFAULT_FLOAT_DECIMALS;
    else if (o.float_decimals < 0)
        o.float_decimals = 0;
    else if (o.float_decimals > 9)
        o.float_decimals = 9;
    if (!o.max_cell_width)
        o.max_cell_width = NMX_SINK_DEFAULT_CELL_WIDTH;
    if (o.max_cell_width < 4)
        o.max_cell_width = 4;
    if (!o.max_rows)
        o.max_rows = NMX_SINK_DEFAULT_MAX_ROWS;
    if (!o.max_bytes)
        o.max_bytes = NMX_SINK_DEFAULT_MAX_BYTES;

    nmx_sink *s = calloc(1, sizeof *s);
    if (!s)
        return nmx_diag_set(d, NMX_ENOMEM, UINT64_MAX, 0, 0, "sink: out of memory");
    s->kind = kind;
    s->ops = ops;
    s->run_ops = kind == NMX_SINK_JSONL     ? &nmx__sink_jsonl_run_ops
                 : kind == NMX_SINK_CSV_DIR ? &nmx__sink_csvdir_run_ops
                 : kind == NMX_SINK_HTML    ? &nmx__sink_html_run_ops
                                            : NULL;
    s->opt = o;
    if (kind == NMX_SINK_CSV_DIR) {
        nmx_err e = nmx__csvdir_open(s, path, d);
        if (e != NMX_OK) {
            free(s);
            return e;
        }
    } else if (!path || strcmp(path, "-") == 0) {
        s->f = stdout;
        snprintf(s->name, sizeof s->name, "standard output");
    } else {
        snprintf(s->name, sizeof s->name, "%s", path);
        s->f = fopen(path, "we");
        if (!s->f) {
            int e = errno;
            free(s);
            return nmx_diag_set(d, NMX_EIO, UINT64_MAX, (uint64_t)e, 0, "%s: %s", path, strerror(e));
        }
        s->own_file = true;
        /* before any output; stdio's own buffer would write 4 KiB at a
         * time (and glibc ignores the size unless it is given the buffer) */
        if (o.buffered) {
            s->vbuf = malloc(NMX__SINK_BUFFER);
            if (s->vbuf && setvbuf(s->f, s->vbuf, _IOFBF, NMX__SINK_BUFFER) == 0) {
                s->buffered = true;
            } else {
                free(s->vbuf);
                s->vbuf = NULL;
            }
        }
    }
    s->color = o.color && (o.color_always || isatty(fileno(s->f)));
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        if (kind == NMX_SINK_CSV_DIR)
            s->ops->destroy(s);
        if (s->own_file)
            fclose(s->f);
        free(s->vbuf);
        free(s);
        return nmx_diag_set(d, NMX_ENOMEM, UINT64_MAX, 0, 0, "sink: cannot create a mutex");
    }
    *out = s;
    if (d)
        d->code = NMX_OK;
    return NMX_OK;
}

nmx_err nmx_sink_begin_expert(nmx_sink *s, const char *expert_name, const char *capture_name)
{
    if (!s)
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    nmx_err e = s->ops->begin(s, expert_name ? expert_name : "", capture_name);
    pthread_mutex_unlock(&s->mu);
    return e;
}

nmx_err nmx_sink_event(nmx_sink *s, const nmx_event *ev)
{
    if (!s || !ev || (ev->ncolumns && !ev->columns))
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    nmx_err e = s->err != NMX_OK ? s->err : s->ops->event(s, ev);
    pthread_mutex_unlock(&s->mu);
    return e;
}

nmx_err nmx_sink_set_frame_time_fn(nmx_sink *s, nmx_sink_frame_time_fn fn, void *ud)
{
    if (!s)
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    s->frame_time = fn;
    s->frame_time_ud = ud;
    pthread_mutex_unlock(&s->mu);
    return NMX_OK;
}

void nmx_sink_event_fn(const nmx_event *ev, void *sink)
{
    (void)nmx_sink_event(sink, ev);
}

nmx_err nmx_sink_end_expert(nmx_sink *s, const char *expert_name, const char *outcome_text)
{
    if (!s)
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    nmx_err e = s->ops->end(s, expert_name ? expert_name : "", outcome_text);
    pthread_mutex_unlock(&s->mu);
    return e;
}

nmx_err nmx_sink_run_begin(nmx_sink *s, const nmx_sink_run *run)
{
    if (!s || !run || !run->run_id || (run->ncaptures && !run->captures) ||
        (run->nargs && !run->args))
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    snprintf(s->run_id, sizeof s->run_id, "%s", run->run_id);
    nmx_err e = s->err != NMX_OK ? s->err : s->run_ops ? s->run_ops->run_begin(s, run) : NMX_OK;
    pthread_mutex_unlock(&s->mu);
    return e;
}

static bool session_ok(const nmx_sink_session *ss)
{
    return ss && ss->label && ss->expert_name && ss->expert_file;
}

nmx_err nmx_sink_session_begin(nmx_sink *s, const nmx_sink_session *ss)
{
    if (!s || !session_ok(ss))
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    /* a label other than the expert's name names the capture itself
     * ("Top Users @ a.pcap"): the table's title then says it alone */
    const char *cap = ss->capture && strcmp(ss->label, ss->expert_name) == 0 ? ss->capture->path
                                                                            : NULL;
    nmx_err e = s->ops->begin(s, ss->label, cap);
    if (e == NMX_OK && s->err == NMX_OK && s->run_ops)
        e = s->run_ops->session_begin(s, ss);
    pthread_mutex_unlock(&s->mu);
    return e;
}

nmx_err nmx_sink_session_event(nmx_sink *s, const nmx_sink_session *ss, const nmx_event *ev)
{
    if (!s || !session_ok(ss) || !ev || (ev->ncolumns && !ev->columns))
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    nmx_err e = s->err != NMX_OK      ? s->err
                : s->run_ops ? s->run_ops->event_in(s, ss, ev)
                                   : s->ops->event(s, ev);
    pthread_mutex_unlock(&s->mu);
    return e;
}

nmx_err nmx_sink_session_finish(nmx_sink *s, const nmx_sink_session *ss,
                                const nmx_sink_session_end *end)
{
    if (!s || !session_ok(ss) || !end)
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    nmx_err e = NMX_OK;
    if (s->run_ops && s->err == NMX_OK)
        e = s->run_ops->session_end(s, ss, end);
    nmx_err e2 = s->ops->end(s, ss->label, end->message);
    pthread_mutex_unlock(&s->mu);
    return e != NMX_OK ? e : e2;
}

nmx_err nmx_sink_capture_end(nmx_sink *s, const nmx_sink_capture *c, bool complete)
{
    if (!s || !c || (c->nwarnings && !c->warnings))
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    nmx_err e = s->err != NMX_OK ? s->err
                : s->run_ops    ? s->run_ops->capture_end(s, c, complete)
                                : NMX_OK;
    pthread_mutex_unlock(&s->mu);
    return e;
}

nmx_err nmx_sink_run_end(nmx_sink *s, int exit_status, const char *status_name, double seconds)
{
    if (!s)
        return NMX_EINVAL;
    pthread_mutex_lock(&s->mu);
    nmx_err e = s->err != NMX_OK ? s->err
                : s->run_ops ? s->run_ops->run_end(s, exit_status, status_name ? status_name : "",
                                                    seconds)
                                  : NMX_OK;
    pthread_mutex_unlock(&s->mu);
    return e;
}

nmx_err nmx_sink_close(nmx_sink *s)
{
    return nmx_sink_close_diag(s, NULL);
}

nmx_err nmx_sink_close_diag(nmx_sink *s, nmx_diag *d)
{
    if (!s)
        return NMX_OK;
    pthread_mutex_lock(&s->mu);
    s->ops->destroy(s);
    errno = 0;
    if (fflush(s->f) != 0 && s->err == NMX_OK) {
        s->err = NMX_EIO;
        s->os_err = errno;
    }
    errno = 0;
    if (s->own_file && fclose(s->f) != 0 && s->err == NMX_OK) {
        s->err = NMX_EIO;
        s->os_err = errno;
    }
    free(s->vbuf); /* after fclose: the stream used it until then */
    nmx_err e = s->err;
    if (e != NMX_OK)
        nmx_diag_set(d, e, UINT64_MAX, (uint64_t)s->os_err, 0, "%s: %s", s->name,
                     s->os_err ? strerror(s->os_err) : "write error");
    else if (d)
        d->code = NMX_OK;
    nmx__sb_free(&s->line);
    nmx__sb_free(&s->keys);
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return e;
}
