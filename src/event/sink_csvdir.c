/*
 * CSV folder sink (NMX_SINK_CSV_DIR): one CSV file per expert and kind of
 * event, each with a single header row, so that any CSV reader loads each
 * file as one table (docs/records.md, "CSV folders").
 *
 *   <expert>.<event>.csv  the events of one expert with one event name and
 *                         one set of columns (a later set of different
 *                         columns goes to <expert>.<event>.2.csv, ...);
 *   sessions.csv          one row per session's end (the session_end record);
 *   captures.csv          one row per capture (at its end: the capture_end
 *                         record, with what the run's start said of it);
 *   run.csv               one row for the run (start and end).
 *
 * Rows are RFC 4180 (nmx__csv_field), CRLF-terminated, flushed as written.
 * The fields are those of the JSON Lines records; times that are UTC get
 * ISO 8601 with "Z" and a second column with the Unix epoch in seconds.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event/sink_internal.h"

enum { T_FLOAT64 = 6, T_VARTIME = 14, T_STRING = 15 };
#define MAX_FILES 4096u

typedef struct csv_file {
    char *key;       /* expert NUL event NUL header, as one string with \x1f */
    FILE *f;
} csv_file;

typedef struct csvdir_state {
    csv_file *files;
    size_t n, cap;
    nmx__sb key, hdr, row, runrow;
    FILE *captures, *run;
} csvdir_state;

static const char *nz(const char *s)
{
    return s ? s : "";
}

static nmx_err fail_errno(nmx_sink *s, int e)
{
    if (s->err == NMX_OK) {
        s->err = NMX_EIO;
        s->os_err = e;
    }
    return s->err;
}

static nmx_err put(nmx_sink *s, FILE *f, nmx__sb *b)
{
    if (b->oom) {
        nmx__sb_free(b);
        return NMX_ENOMEM;
    }
    if (s->err != NMX_OK)
        return s->err;
    errno = 0;
    if ((b->len && fwrite(b->p, 1, b->len, f) != b->len) || fflush(f) != 0)
        return fail_errno(s, errno);
    return NMX_OK;
}

static FILE *open_in_dir(nmx_sink *s, const char *name)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    FILE *f = fopen(path, "wxe");
    if (!f)
        fail_errno(s, errno);
    return f;
}

/* A file-name part: letters, digits, '-' and '_' kept, anything else '_',
 * at most 60 bytes, never empty. */
static void slug(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < len && o < 60; p++) {
        unsigned c = *p;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
        out[o++] = keep ? (char)c : '_';
    }
    if (!o && len > 1)
        out[o++] = '_';
    out[o] = 0;
}

static void utc_fields(nmx__sb *b, bool has, int64_t ns)
{
    char t[64] = "", e[64] = "";
    if (has) {
        int64_t sec = ns / 1000000000, frac = ns % 1000000000;
        if (frac < 0) {
            frac += 1000000000;
            sec--;
        }
        time_t tt = (time_t)sec;
        struct tm tm;
        if (gmtime_r(&tt, &tm) && tm.tm_year + 1900 >= 0 && tm.tm_year + 1900 <= 9999) {
            snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
            snprintf(e, sizeof e, "%" PRId64 ".%09d", sec, (int)frac);
        }
    }
    nmx__csv_field(b, t, false);
    nmx__csv_field(b, e, false);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void num_u(nmx__sb *b, uint64_t v)
{
    char t[32];
    snprintf(t, sizeof t, "%" PRIu64, v);
    nmx__csv_field(b, t, false);
}

static void session_cells(nmx_sink *s, nmx__sb *b, const nmx_sink_session *ss, const char *ev_expert)
{
    nmx__csv_field(b, s->run_id, true);
    char t[32];
    if (ss) {
        snprintf(t, sizeof t, "%" PRIu64, ss->index);
        nmx__csv_field(b, t, false);
        if (ss->capture) {
            snprintf(t, sizeof t, "%" PRIu64, ss->capture->index);
            nmx__csv_field(b, t, false);
        } else {
            nmx__csv_field(b, "", false);
        }
        nmx__csv_field(b, ss->capture ? nz(ss->capture->path) : "", false);
        nmx__csv_field(b, ss->capture ? nz(ss->capture->id) : "", false);
        nmx__csv_field(b, ss->expert_name, false);
        nmx__csv_field(b, ss->expert_file, false);
        nmx__csv_field(b, ss->label, false);
    } else {
        for (int i = 0; i < 4; i++)
            nmx__csv_field(b, "", false);
        nmx__csv_field(b, ev_expert, false);
        nmx__csv_field(b, "", false);
        nmx__csv_field(b, ev_expert, false);
    }
}

static const char *const session_head[] = {"run",    "session",     "capture_index", "capture",
                                           "capture_id", "expert", "expert_file",   "label"};
static const char *const event_head[] = {"seq",     "ident",       "severity",      "severity_code",
                                         "flags",   "source",      "event",         "description",
                                         "machine", "justification", "time"};

static bool is_fixed(const char *k)
{
    for (size_t i = 0; i < sizeof session_head / sizeof *session_head; i++)
        if (!strcmp(k, session_head[i]))
            return true;
    for (size_t i = 0; i < sizeof event_head / sizeof *event_head; i++)
        if (!strcmp(k, event_head[i]))
            return true;
    return false;
}

static nmx_err event_in(nmx_sink *s, const nmx_sink_session *ss, const nmx_event *ev)
{
    csvdir_state *st = s->state;
    const char *key[256];
    if (!nmx__column_keys(ev, &s->keys, key)) {
        nmx__sb_free(&s->keys);
        return NMX_ENOMEM;
    }
    const char *expert = ss ? ss->expert_file : nz(ev->expert);
    /* the header row */
    nmx__sb *h = &st->hdr;
    h->len = 0;
    for (size_t i = 0; i < sizeof session_head / sizeof *session_head; i++)
        nmx__csv_field(h, session_head[i], i == 0);
    for (size_t i = 0; i < sizeof event_head / sizeof *event_head; i++)
        nmx__csv_field(h, event_head[i], false);
    for (size_t i = 0; i < ev->ncolumns; i++) {
        if (is_fixed(key[i])) { /* a column named like a fixed field */
            char alt[600];
            snprintf(alt, sizeof alt, "%s (column)", key[i]);
            nmx__csv_field(h, alt, false);
        } else {
            nmx__csv_field(h, key[i], false);
        }
    }
    nmx__sb_puts(h, "\r\n");
    /* which file: expert, event name and header */
    nmx__sb *k = &st->key;
    k->len = 0;
    nmx__sb_puts(k, expert);
    nmx__sb_putc(k, '\x1f');
    nmx__sb_puts(k, nz(ev->name));
    nmx__sb_putc(k, '\x1f');
    nmx__sb_putn(k, h->p ? h->p : "", h->len);
    nmx__sb_putc(k, 0);
    if (k->oom || h->oom) {
        nmx__sb_free(k);
        nmx__sb_free(h);
        return NMX_ENOMEM;
    }
    csv_file *cf = NULL;
    unsigned same_name = 0;
    size_t prefix = strlen(expert) + 1 + strlen(nz(ev->name)) + 1;
    for (size_t i = 0; i < st->n && !cf; i++) {
        if (!strcmp(st->files[i].key, k->p))
            cf = &st->files[i];
        else if (!strncmp(st->files[i].key, k->p, prefix))
            same_name++;
    }
    if (!cf) {
        if (st->n >= MAX_FILES) {
            if (s->err == NMX_OK) {
                s->err = NMX_EQUOTA;
                s->os_err = EMFILE;
            }
            return s->err;
        }
        if (st->n == st->cap) {
            size_t nc = st->cap ? st->cap * 2 : 16;
            csv_file *nf = realloc(st->files, nc * sizeof *nf);
            if (!nf)
                return NMX_ENOMEM;
            st->files = nf;
            st->cap = nc;
        }
        char a[64], e[64], name[200];
        slug(expert, a, sizeof a);
        slug(nz(ev->name), e, sizeof e);
        /* slugs may meet ("a b" and "a_b"): the first free number wins */
        for (unsigned v = same_name + 1;; v++) {
            if (v == 1)
                snprintf(name, sizeof name, "%s.%s.csv", a, e);
            else
                snprintf(name, sizeof name, "%s.%s.%u.csv", a, e, v);
            char path[4400];
            snprintf(path, sizeof path, "%s/%s", s->dir, name);
            FILE *f = fopen(path, "wxe");
            if (f) {
                cf = &st->files[st->n];
                cf->f = f;
                cf->key = strdup(k->p);
                if (!cf->key) {
                    fclose(f);
                    return NMX_ENOMEM;
                }
                st->n++;
                break;
            }
            if (errno != EEXIST || v > MAX_FILES)
                return fail_errno(s, errno);
        }
        nmx_err e2 = put(s, cf->f, h);
        if (e2 != NMX_OK)
            return e2;
    }
    /* the row */
    nmx__sb *b = &st->row;
    char t[64];
    b->len = 0;
    session_cells(s, b, ss, nz(ev->expert));
    snprintf(t, sizeof t, "%" PRIu64, ev->seq);
    nmx__csv_field(b, t, false);
    num_u(b, ev->ident);
    nmx__csv_field(b, nmx_event_severity_name(ev->severity), false);
    num_u(b, ev->severity);
    num_u(b, ev->flags);
    nmx__csv_field(b, nz(ev->source), false);
    nmx__csv_field(b, nz(ev->name), false);
    nmx__csv_field(b, nz(ev->description), false);
    nmx__csv_field(b, nz(ev->machine), false);
    nmx__csv_field(b, nz(ev->justification), false);
    nmx__event_time(ev, 'T', true, true, t, sizeof t);
    nmx__csv_field(b, t, false);
    for (size_t i = 0; i < ev->ncolumns; i++) {
        const nmx_event_column *c = &ev->columns[i];
        if (c->type == T_STRING) {
            nmx__csv_field(b, nz(c->str), false);
        } else if (c->type == T_FLOAT64) {
            if (isfinite(c->v.f))
                nmx__double_text(c->v.f, t, sizeof t);
            else
                t[0] = 0;
            nmx__csv_field(b, t, false);
        } else if (c->type == T_VARTIME) {
            nmx__csv_field(b, nmx__vartime_iso(c, t, sizeof t) ? t : "", false);
        } else {
            nmx__csv_field(b, nmx_event_column_text(c, t, sizeof t), false);
        }
    }
    nmx__sb_puts(b, "\r\n");
    return put(s, cf->f, b);
}

static nmx_err cd_event(nmx_sink *s, const nmx_event *ev)
{
    return event_in(s, NULL, ev);
}

static nmx_err cd_begin(nmx_sink *s, const char *expert, const char *capture)
{
    (void)s;
    (void)expert;
    (void)capture;
    return NMX_OK;
}

static nmx_err cd_end(nmx_sink *s, const char *expert, const char *outcome)
{
    (void)expert;
    (void)outcome;
    return s->err;
}

static void cd_destroy(nmx_sink *s)
{
    csvdir_state *st = s->state;
    for (size_t i = 0; i < st->n; i++) {
        errno = 0;
        if (fclose(st->files[i].f) != 0)
            fail_errno(s, errno);
        free(st->files[i].key);
    }
    FILE *extra[] = {st->captures, st->run};
    for (size_t i = 0; i < 2; i++)
        if (extra[i] && fclose(extra[i]) != 0)
            fail_errno(s, errno);
    free(st->files);
    nmx__sb_free(&st->key);
    nmx__sb_free(&st->hdr);
    nmx__sb_free(&st->row);
    nmx__sb_free(&st->runrow);
    free(st);
    s->state = NULL;
}

static nmx_err cd_run_begin(nmx_sink *s, const nmx_sink_run *run)
{
    csvdir_state *st = s->state;
    if (!st->captures && !(st->captures = open_in_dir(s, "captures.csv")))
        return s->err;
    if (!st->run && !(st->run = open_in_dir(s, "run.csv")))
        return s->err;
    (void)run;
    nmx__sb *b = &st->row;
    b->len = 0;
    nmx__sb_puts(b, "run,capture_index,capture,capture_id,format,frames,size,first_time,"
                    "first_epoch,last_time,last_epoch,warnings,complete\r\n");
    nmx_err e = put(s, st->captures, b); /* the rows come at each capture's end */
    if (e != NMX_OK)
        return e;
    /* run.csv gets its row at the end; the start is kept until then */
    nmx__sb *r = &st->runrow;
    r->len = 0;
    nmx__csv_field(r, run->run_id, true);
    nmx__csv_field(r, nz(run->version), false);
    nmx__sb *a = &st->key;
    a->len = 0;
    for (size_t i = 0; i < run->nargs; i++) {
        if (i)
            nmx__sb_putc(a, ' ');
        nmx__sb_puts(a, nz(run->args[i]));
    }
    nmx__sb_putc(a, 0);
    nmx__csv_field(r, a->oom ? "" : a->p, false);
    num_u(r, run->sessions);
    utc_fields(r, true, now_ns());
    return r->oom ? NMX_ENOMEM : NMX_OK;
}

static nmx_err cd_session_begin(nmx_sink *s, const nmx_sink_session *ss)
{
    (void)ss;
    return s->err;
}

static nmx_err cd_session_end(nmx_sink *s, const nmx_sink_session *ss,
                              const nmx_sink_session_end *e)
{
    csvdir_state *st = s->state;
    nmx__sb *b = &st->row;
    char t[64];
    b->len = 0;
    session_cells(s, b, ss, "");
    nmx__csv_field(b, nz(e->outcome), false);
    nmx__csv_field(b, nz(e->message), false);
    snprintf(t, sizeof t, "%d", e->signal);
    nmx__csv_field(b, t, false);
    snprintf(t, sizeof t, "%d", e->exit_status);
    nmx__csv_field(b, t, false);
    nmx__csv_field(b, e->run_returned ? "true" : "false", false);
    nmx__csv_field(b, e->run_value ? "true" : "false", false);
    num_u(b, e->frames_read);
    if (e->last_frame == 0xFFFFFFFFu)
        nmx__csv_field(b, "", false);
    else
        num_u(b, e->last_frame);
    num_u(b, e->events);
    num_u(b, e->reclaimed_blocks);
    num_u(b, e->reclaimed_bytes);
    num_u(b, e->overruns);
    num_u(b, e->misuse);
    num_u(b, e->peak_bytes);
    nmx__double_text(isfinite(e->seconds) && e->seconds >= 0 ? e->seconds : 0.0, t, sizeof t);
    nmx__csv_field(b, t, false);
    utc_fields(b, true, now_ns());
    nmx__sb_puts(b, "\r\n");
    return put(s, s->f, b);
}

static nmx_err cd_capture_end(nmx_sink *s, const nmx_sink_capture *c, bool complete)
{
    csvdir_state *st = s->state;
    if (!st->captures)
        return s->err;
    nmx__sb *b = &st->row;
    b->len = 0;
    nmx__csv_field(b, s->run_id, true);
    num_u(b, c->index);
    nmx__csv_field(b, nz(c->path), false);
    nmx__csv_field(b, nz(c->id), false);
    nmx__csv_field(b, nz(c->format), false);
    num_u(b, c->frames);
    num_u(b, c->size);
    utc_fields(b, c->has_time, c->first_ns);
    utc_fields(b, c->has_time, c->last_ns);
    nmx__sb *w = &st->key;
    w->len = 0;
    for (size_t k = 0; k < c->nwarnings; k++) {
        if (k)
            nmx__sb_putc(w, '\n');
        nmx__sb_puts(w, nz(c->warnings[k]));
    }
    nmx__sb_putc(w, 0);
    nmx__csv_field(b, w->oom ? "" : w->p, false);
    nmx__csv_field(b, complete ? "true" : "false", false);
    nmx__sb_puts(b, "\r\n");
    return put(s, st->captures, b);
}

static nmx_err cd_run_end(nmx_sink *s, int exit_status, const char *status_name, double seconds)
{
    csvdir_state *st = s->state;
    if (!st->run)
        return s->err;
    nmx__sb *b = &st->row;
    char t[64];
    b->len = 0;
    nmx__sb_puts(b, "run,version,args,sessions,start_time,start_epoch,end_time,end_epoch,"
                    "exit_status,status,seconds\r\n");
    nmx__sb_putn(b, st->runrow.p ? st->runrow.p : "", st->runrow.len);
    utc_fields(b, true, now_ns());
    snprintf(t, sizeof t, "%d", exit_status);
    nmx__csv_field(b, t, false);
    nmx__csv_field(b, status_name, false);
    nmx__double_text(isfinite(seconds) && seconds >= 0 ? seconds : 0.0, t, sizeof t);
    nmx__csv_field(b, t, false);
    nmx__sb_puts(b, "\r\n");
    return put(s, st->run, b);
}

nmx_err nmx__csvdir_open(nmx_sink *s, const char *dir, nmx_diag *d)
{
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->name, sizeof s->name, "%s", dir);
    csvdir_state *st = calloc(1, sizeof *st);
    if (!st)
        return nmx_diag_set(d, NMX_ENOMEM, UINT64_MAX, 0, 0, "sink: out of memory");
    char path[4400];
    snprintf(path, sizeof path, "%s/sessions.csv", dir);
    s->f = fopen(path, "wxe");
    if (!s->f) {
        int e = errno;
        free(st);
        return nmx_diag_set(d, NMX_EIO, UINT64_MAX, (uint64_t)e, 0, "%s: %s", path, strerror(e));
    }
    s->own_file = true;
    s->state = st;
    static const char head[] =
        "run,session,capture_index,capture,capture_id,expert,expert_file,label,outcome,message,"
        "signal,exit_status,run_returned,run_value,frames_read,last_frame,events,"
        "reclaimed_blocks,reclaimed_bytes,overruns,misuse,peak_bytes,seconds,end_time,"
        "end_epoch\r\n";
    nmx__sink_write(s, head, sizeof head - 1, true);
    return NMX_OK;
}

const nmx__sink_ops nmx__sink_csvdir_ops = {cd_begin, cd_event, cd_end, cd_destroy};
const nmx__sink_run_ops nmx__sink_csvdir_run_ops = {cd_run_begin, cd_session_begin, event_in,
                                                    cd_session_end, cd_capture_end,
                                                    cd_run_end};
