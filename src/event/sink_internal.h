/* Internal interface of the event sinks (src/event/sink_*.c). */
#ifndef NMX_EVENT_SINK_INTERNAL_H
#define NMX_EVENT_SINK_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "nmexpert/sink.h"

/* A growable byte string; `oom` sticks once an allocation failed. */
typedef struct nmx__sb {
    char  *p;
    size_t len, cap;
    bool   oom;
} nmx__sb;

/* Room for n more bytes (false once out of memory); the slow path of the
 * inline writers below. */
bool nmx__sb_grow(nmx__sb *b, size_t n);

static inline bool nmx__sb_reserve(nmx__sb *b, size_t n)
{
    return n <= b->cap - b->len ? !b->oom : nmx__sb_grow(b, n);
}

static inline void nmx__sb_putn(nmx__sb *b, const char *s, size_t n)
{
    if (!n || !nmx__sb_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void nmx__sb_puts(nmx__sb *b, const char *s)
{
    nmx__sb_putn(b, s, strlen(s));
}

static inline void nmx__sb_putc(nmx__sb *b, char c)
{
    if (!nmx__sb_reserve(b, 1))
        return;
    b->p[b->len++] = c;
}
void nmx__sb_printf(nmx__sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nmx__sb_free(nmx__sb *b);

/* Decodes one UTF-8 character of s[0..n) (n >= 1): returns the code point
 * and its length in *adv, or -1 with *adv = 1 for a byte that does not start
 * a valid sequence (overlong forms, surrogates and values above U+10FFFF are
 * invalid). */
long nmx__utf8_next(const unsigned char *s, size_t n, size_t *adv);

/* Unique, non-empty keys for an event's columns: a column's name, or
 * "column<N>" (N from 1) when the name is empty; a key already taken gets
 * "#2", "#3"... appended. keys[i] points into *store (valid until the next
 * change of *store). Returns false when out of memory. */
bool nmx__column_keys(const nmx_event *ev, nmx__sb *store, const char **keys);

/* "YYYY-MM-DDThh:mm:ss.mmm" from the event's SYSTEMTIME (sep 'T' or ' '),
 * without date (time only) or without time (date only) as asked. */
void nmx__event_time(const nmx_event *ev, char sep, bool date, bool time, char *buf, size_t len);
/* A VARTIME column as "YYYY-MM-DDThh:mm:ss.mmm"; false when out of range. */
bool nmx__vartime_iso(const nmx_event_column *c, char *buf, size_t len);
/* Shortest "%.Ng" text that reads back as d (d finite). */
void nmx__double_text(double d, char *buf, size_t len);

/* One CSV field (RFC 4180), preceded by a comma unless first; bytes that
 * are not valid UTF-8 become U+FFFD. */
void nmx__csv_field(nmx__sb *b, const char *str, bool first);

/* The stream buffer of a sink opened with nmx_sink_options.buffered. */
#define NMX__SINK_BUFFER ((size_t)1 << 20)

typedef struct nmx__sink_ops {
    /* All called with the sink's mutex held. */
    nmx_err (*begin)(nmx_sink *s, const char *expert, const char *capture);
    nmx_err (*event)(nmx_sink *s, const nmx_event *ev);
    nmx_err (*end)(nmx_sink *s, const char *expert, const char *outcome);
    void (*destroy)(nmx_sink *s); /* print what is pending, free state */
} nmx__sink_ops;

/* Run records (nmx_sink_run_begin...), for the sinks that keep them; all
 * members set. Called with the sink's mutex held. */
typedef struct nmx__sink_run_ops {
    nmx_err (*run_begin)(nmx_sink *s, const nmx_sink_run *run);
    nmx_err (*session_begin)(nmx_sink *s, const nmx_sink_session *ss);
    nmx_err (*event_in)(nmx_sink *s, const nmx_sink_session *ss, const nmx_event *ev);
    nmx_err (*session_end)(nmx_sink *s, const nmx_sink_session *ss,
                           const nmx_sink_session_end *end);
    nmx_err (*capture_end)(nmx_sink *s, const nmx_sink_capture *c, bool complete);
    nmx_err (*run_end)(nmx_sink *s, int exit_status, const char *status_name, double seconds);
} nmx__sink_run_ops;

struct nmx_sink {
    nmx_sink_kind kind;
    const nmx__sink_ops *ops;
    const nmx__sink_run_ops *run_ops; /* NULL: run records are not kept */
    FILE *f;
    bool own_file;
    bool buffered;           /* opt.buffered took effect: records are not flushed one by one */
    char *vbuf;              /* the stream's buffer when buffered (NMX__SINK_BUFFER bytes) */
    bool color;              /* opt.color and the output is a terminal */
    pthread_mutex_t mu;
    nmx_sink_options opt;    /* with defaults filled in */
    nmx_err err;             /* first write error (sticky) */
    int os_err;              /* errno of that error (0 when unknown) */
    char name[256];          /* the path written, or "standard output" */
    char dir[4096];          /* NMX_SINK_CSV_DIR: the folder written */
    nmx__sb line;            /* scratch buffers, used under mu */
    nmx__sb keys;
    void *state;
    nmx_sink_frame_time_fn frame_time; /* nmx_sink_set_frame_time_fn, or NULL */
    void *frame_time_ud;
    char run_id[80];         /* from nmx_sink_run_begin ("" before) */
};

/* Writes b (all of it) and flushes when asked; records a failure in s->err. */
nmx_err nmx__sink_write(nmx_sink *s, const char *p, size_t n, bool flush);

extern const nmx__sink_ops nmx__sink_jsonl_ops;
extern const nmx__sink_run_ops nmx__sink_jsonl_run_ops;
extern const nmx__sink_ops nmx__sink_csv_ops;
extern const nmx__sink_ops nmx__sink_csvdir_ops;
extern const nmx__sink_ops nmx__sink_html_ops;
extern const nmx__sink_run_ops nmx__sink_html_run_ops;
extern const nmx__sink_run_ops nmx__sink_csvdir_run_ops;
/* NMX_SINK_CSV_DIR: sets up s (state, s->f = DIR/sessions.csv). */
nmx_err nmx__csvdir_open(nmx_sink *s, const char *dir, nmx_diag *d);
extern const nmx__sink_ops nmx__sink_table_ops;

#endif
