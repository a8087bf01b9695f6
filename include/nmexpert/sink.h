/*
 * nmexpert/sink.h: where events go.
 *
 * 1. The wire format. Experts run in a child process; the child sends its
 *    events, status updates, memory statistics, log lines and final result
 *    to the parent over a pipe as framed messages (docs/event-wire.md). The
 *    parent decodes them with an nmx_wire_decoder, which treats the stream
 *    as untrusted: every length is checked against a limit before use, the
 *    bytes it buffers are capped, and a damaged stream is reported through an
 *    nmx_diag (stream offset, value, limit), never by crashing.
 *
 * 2. Sinks. An nmx_sink writes events as a terminal table, as JSON Lines or
 *    as CSV. Sinks are thread-safe: several experts may submit to the same
 *    sink at once. JSON Lines and CSV sinks write and flush every event as it
 *    arrives; the table sink prints an expert's events when it ends.
 */
#ifndef NMEXPERT_SINK_H
#define NMEXPERT_SINK_H

#include <stdbool.h>

#include "nmexpert/common.h"
#include "nmexpert/event.h"
#include "nmexpert/session.h"

NMX_BEGIN_DECLS

/* ======================================================================= */
/* Wire format                                                             */
/* ======================================================================= */

#define NMX_WIRE_VERSION      1u
#define NMX_WIRE_HEADER_SIZE  8u            /* magic/type word + length word  */
#define NMX_WIRE_MAX_FRAME    (1u << 20)    /* largest payload accepted: 1 MiB */
/* Most bytes a decoder holds (consumed messages are dropped). */
#define NMX_WIRE_MAX_BUFFER   (2u * (NMX_WIRE_HEADER_SIZE + NMX_WIRE_MAX_FRAME))
#define NMX_WIRE_MAX_STATUS_TEXT 259u        /* nmx_status.text without its NUL */

typedef enum nmx_wire_type {
    NMX_WIRE_EVENT    = 1,  /* an nmx_event                                   */
    NMX_WIRE_STATUS   = 2,  /* an nmx_status (ExpertIndicateStatus)           */
    NMX_WIRE_MEMSTATS = 3,  /* the session's memory counters                  */
    NMX_WIRE_LOG      = 4,  /* a line of text for the host's log              */
    NMX_WIRE_RESULT   = 5   /* Run's return value and the final memory report */
} nmx_wire_type;

typedef struct nmx_wire_memstats {
    uint64_t cur_bytes, cur_blocks, peak_bytes, misuse_total, failed_allocs;
} nmx_wire_memstats;

typedef struct nmx_wire_result {
    int32_t  run_result;    /* Run's BOOL, as returned                          */
    uint64_t leaked_blocks, leaked_bytes, overruns, misuse_total, peak_bytes;
} nmx_wire_result;

typedef enum nmx_wire_log_level {
    NMX_WIRE_LOG_INFO = 0, NMX_WIRE_LOG_WARNING = 1, NMX_WIRE_LOG_ERROR = 2,
    /* the text is the decimal number of a system call the sandbox refused
     * (SECCOMP_RET_TRAP); the child then ends with SIGSYS */
    NMX_WIRE_LOG_SYSCALL = 3
} nmx_wire_log_level;

/* One message. A decoded message owns `event` and `log.text`: release them
 * with nmx_wire_msg_clear. For encoding, the caller fills the member that
 * `type` selects (nothing is taken over). */
typedef struct nmx_wire_msg {
    nmx_wire_type type;
    union {
        nmx_event        *event;     /* NMX_WIRE_EVENT: one allocation      */
        nmx_status        status;    /* NMX_WIRE_STATUS                     */
        nmx_wire_memstats mem;       /* NMX_WIRE_MEMSTATS                   */
        struct {
            uint32_t level;          /* nmx_wire_log_level (any value kept) */
            char    *text;           /* NUL-terminated, no NUL inside       */
        } log;                       /* NMX_WIRE_LOG                        */
        nmx_wire_result   result;    /* NMX_WIRE_RESULT                     */
    } u;
} nmx_wire_msg;

/* Encodes one message as a complete frame into a new buffer (*buf, *len;
 * free it with free()). Strings longer than NMX_EVENT_MAX_STRING are cut at
 * that length, as nmx_event_dup does; an event whose encoding would exceed
 * NMX_WIRE_MAX_FRAME has its longest strings cut further (at a UTF-8
 * character boundary) until it fits. Status text is cut at
 * NMX_WIRE_MAX_STATUS_TEXT bytes. Errors: NMX_EINVAL (bad arguments or type),
 * NMX_ENOMEM. */
NMX_API nmx_err nmx_wire_encode(const nmx_wire_msg *m, uint8_t **buf, size_t *len);
/* The same into a caller's buffer: NMX_ERANGE when cap is too small (with
 * *len set to the size needed). buf may be NULL when cap is 0. */
NMX_API nmx_err nmx_wire_encode_into(const nmx_wire_msg *m, uint8_t *buf, size_t cap,
                                     size_t *len);
/* Shorthands for nmx_wire_encode. */
NMX_API nmx_err nmx_wire_encode_event(const nmx_event *ev, uint8_t **buf, size_t *len);
NMX_API nmx_err nmx_wire_encode_status(const nmx_status *st, uint8_t **buf, size_t *len);
NMX_API nmx_err nmx_wire_encode_memstats(const nmx_wire_memstats *ms, uint8_t **buf,
                                         size_t *len);
NMX_API nmx_err nmx_wire_encode_log(uint32_t level, const char *text, uint8_t **buf,
                                    size_t *len);
NMX_API nmx_err nmx_wire_encode_result(const nmx_wire_result *r, uint8_t **buf, size_t *len);

/* Frees what a decoded message owns and zeroes it. NULL is accepted. */
NMX_API void nmx_wire_msg_clear(nmx_wire_msg *m);

/* A streaming decoder: feed it the bytes read from the pipe, in chunks of
 * any size, then take complete messages out with nmx_wire_next until it
 * returns NMX_ENOTFOUND. Not thread-safe (one reader per stream). */
typedef struct nmx_wire_decoder nmx_wire_decoder;

NMX_API nmx_err nmx_wire_decoder_new(nmx_wire_decoder **out);
NMX_API void nmx_wire_decoder_free(nmx_wire_decoder *dec);

/* Appends n bytes. The decoder holds at most NMX_WIRE_MAX_BUFFER bytes not
 * yet taken out: feeding more returns NMX_EQUOTA and keeps nothing of the
 * chunk. A reader that drains the decoder (nmx_wire_next until
 * NMX_ENOTFOUND) before each feed and feeds chunks of at most
 * NMX_WIRE_HEADER_SIZE + NMX_WIRE_MAX_FRAME bytes never meets that limit.
 * Other errors: NMX_EINVAL, NMX_ENOMEM. */
NMX_API nmx_err nmx_wire_feed(nmx_wire_decoder *dec, const void *bytes, size_t n);

/* The next complete message:
 *   NMX_OK        *out holds it (release with nmx_wire_msg_clear);
 *   NMX_ENOTFOUND more bytes are needed;
 *   NMX_ECORRUPT  the stream is damaged; *diag names the stream offset, the
 *                 offending value and the limit. The decoder stays failed:
 *                 later calls return the same error (a byte stream cannot
 *                 be resynchronised safely).
 * A header is checked as soon as its bytes arrive, so a damaged or
 * oversized frame is reported without waiting for its payload. */
NMX_API nmx_err nmx_wire_next(nmx_wire_decoder *dec, nmx_wire_msg *out, nmx_diag *diag);

/* At the end of the stream: NMX_OK when nothing is left over, NMX_ETRUNCATED
 * (with diag) when the stream stopped inside a frame, or the decoder's
 * earlier NMX_ECORRUPT. */
NMX_API nmx_err nmx_wire_finish(const nmx_wire_decoder *dec, nmx_diag *diag);

/* Bytes fed and not yet taken out as messages; total bytes taken out. */
NMX_API size_t nmx_wire_pending(const nmx_wire_decoder *dec);
NMX_API uint64_t nmx_wire_consumed(const nmx_wire_decoder *dec);

/* ======================================================================= */
/* Sinks                                                                   */
/* ======================================================================= */

typedef enum nmx_sink_kind {
    NMX_SINK_TABLE = 1,  /* a text table per expert, printed when it ends    */
    NMX_SINK_JSONL = 2,  /* one JSON object per event and line               */
    NMX_SINK_CSV   = 3,  /* RFC 4180; a header row per column set            */
    /* A folder of CSV files, each with one header row: one per expert and
     * event kind, plus sessions.csv, captures.csv and run.csv (records.md).
     * The path names an existing folder; files are created, never
     * replaced (NMX_EIO when one exists). */
    NMX_SINK_CSV_DIR = 4,
    /* One self-contained HTML page for the whole run, written at close
     * (docs/report-html.md): captures, outcomes, sortable and filterable
     * tables, inline SVG charts; every string escaped; a CSP forbids
     * anything but the page's own style and script. */
    NMX_SINK_HTML = 5
} nmx_sink_kind;

/* Version 2 added width, color_always and float_decimals, version 3
 * buffered; version 1 and 2 structures (without them) are still accepted. */
#define NMX_SINK_OPTIONS_VERSION 3
#define NMX_SINK_OPTIONS_VERSION_1 1
#define NMX_SINK_OPTIONS_VERSION_2 2
#define NMX_SINK_DEFAULT_CELL_WIDTH  48u
#define NMX_SINK_DEFAULT_MAX_ROWS    100000u
#define NMX_SINK_DEFAULT_MAX_BYTES   (64u << 20)

typedef struct nmx_sink_options {
    uint32_t version;          /* NMX_SINK_OPTIONS_VERSION                      */
    /* Table: longest cell in characters (longer ones end in "…"); 0 means
     * NMX_SINK_DEFAULT_CELL_WIDTH; values below 4 count as 4. */
    uint32_t max_cell_width;
    /* Table: rows kept per expert (0: NMX_SINK_DEFAULT_MAX_ROWS) and bytes
     * kept per expert (0: NMX_SINK_DEFAULT_MAX_BYTES). Further events are
     * counted and reported in a "… N more events" line. */
    uint64_t max_rows;
    uint64_t max_bytes;
    /* Table: colour the severity with ANSI sequences when the output is a
     * terminal (never when it is not, unless color_always). */
    bool     color;
    /* ---- version 2 ---- */
    /* Table: colour even when the output is not a terminal (with color). */
    bool     color_always;
    /* Table: the width to fit, in characters (0: no limit). A table wider
     * than this first narrows its text columns, shortening long texts with
     * "…" in the middle (numbers are never shortened); a table that still
     * does not fit is printed as records, one "name value" line per cell,
     * long values continued on the next lines. */
    uint32_t width;
    /* Table: decimals of FLOAT64 columns (printed "%.Nf"; magnitudes of
     * 1e15 and more as "%.Ne"); 0 means NMX_SINK_DEFAULT_FLOAT_DECIMALS, a
     * negative value none. At most 9. */
    int32_t  float_decimals;
    /* ---- version 3 ---- */
    /* JSON Lines and CSV to a file: records are written in blocks of 1 MiB
     * and when the sink closes, instead of written and flushed one by one.
     * For a file nobody reads before the run ends (nmexpert run writes a
     * temporary file and renames it): one write per record costs more than
     * formatting the record. A crash of the process then loses the records
     * still in the buffer. Ignored for the standard output. */
    bool     buffered;
} nmx_sink_options;

#define NMX_SINK_DEFAULT_FLOAT_DECIMALS 2

typedef struct nmx_sink nmx_sink;

/* Opens a sink writing to `path` (created or truncated), or to the standard
 * output when path is NULL or "-". opt may be NULL (defaults). Errors:
 * NMX_EINVAL (kind, options version), NMX_EIO (with diag), NMX_ENOMEM. */
NMX_API nmx_err nmx_sink_open(nmx_sink_kind kind, const char *path, const nmx_sink_options *opt,
                              nmx_sink **out, nmx_diag *d);

/* An expert starts (capture_name may be NULL). Events are attributed to the
 * expert whose name equals their `expert` field; an event of an expert that
 * was not begun starts its section implicitly. */
NMX_API nmx_err nmx_sink_begin_expert(nmx_sink *s, const char *expert_name,
                                      const char *capture_name);
/* One event; valid during the call only (the sink copies what it keeps).
 * NMX_EIO once a write has failed (the error is sticky). */
NMX_API nmx_err nmx_sink_event(nmx_sink *s, const nmx_event *ev);
/* The expert ended; outcome_text (may be NULL) describes how. The table
 * sink prints the expert's table now. */
NMX_API nmx_err nmx_sink_end_expert(nmx_sink *s, const char *expert_name,
                                    const char *outcome_text);
/* Prints what is still pending (experts not ended: outcome "not ended"),
 * flushes and closes the output (never the standard output itself), frees
 * the sink. Returns the first write error of the sink's life, if any.
 * NULL is accepted. */
NMX_API nmx_err nmx_sink_close(nmx_sink *s);

/* The same, and when a write failed, *d names the output (its path, or
 * "standard output") and the operating system's error: d->value holds the
 * errno (EPIPE when a reader of the standard output went away, ENOSPC for a
 * full disk), 0 when unknown. d may be NULL. */
NMX_API nmx_err nmx_sink_close_diag(nmx_sink *s, nmx_diag *d);

/* ---- Run records ------------------------------------------------------ */

/* A program that runs experts over captures (the nmexpert tool) tells the
 * sinks about the run, so that what they write can be traced: the JSON
 * Lines sink writes a record for the run's start and end, for each
 * session's start and end and for each capture's end, and names the run,
 * the capture and the expert in every event record (docs/records.md,
 * docs/schema/nmexpert-record-2.json). Other sinks accept these calls; what
 * they keep of them is theirs. All strings are copied or written during the
 * call. */
#define NMX_RECORD_SCHEMA_VERSION 2u

/* A capture. At the run's start (nmx_sink_run.captures) only what opening
 * it tells is used: path, id, index, format, size and the first frame's
 * time (has_time, first_ns). The rest is known once the file has been read
 * and goes with nmx_sink_capture_end(). */
typedef struct nmx_sink_capture {
    const char *path;         /* as given on the command line               */
    const char *id;           /* stable id (docs/records.md), or NULL       */
    uint64_t index;           /* position among the run's captures, from 0  */
    const char *format;       /* "pcap", "pcapng", "netmon 2.x"..., or NULL */
    uint64_t frames, size;    /* frames in the file (at its end); its size in bytes */
    bool has_time;            /* run start: first_ns holds the first frame's
                                 time; capture end: first_ns and last_ns hold
                                 the time span                                */
    int64_t first_ns, last_ns;/* nanoseconds since 1970-01-01T00:00:00Z     */
    const char *const *warnings; /* what the reader recovered from (at its end) */
    size_t nwarnings;
} nmx_sink_capture;

typedef struct nmx_sink_run {
    const char *run_id;       /* unique per run (a UUID); required          */
    const char *version;      /* the host's version (nmx_version())         */
    const char *const *args;  /* the command line's options and operands    */
    size_t nargs;
    const nmx_sink_capture *captures;
    size_t ncaptures;
    uint64_t sessions;        /* sessions planned (experts x captures)      */
} nmx_sink_run;

typedef struct nmx_sink_session {
    const char *label;        /* the events' `expert` field for this session;
                               * unique in a run. A label other than
                               * expert_name also names the capture, and the
                               * table's title shows it alone */
    const char *expert_name;  /* the registered name                         */
    const char *expert_file;  /* the short name (file name without ".so")    */
    const nmx_sink_capture *capture; /* NULL: none                           */
    uint64_t index;           /* the session's number in the run, from 0     */
} nmx_sink_session;

typedef struct nmx_sink_session_end {
    const char *outcome;      /* nmx_run_outcome_name(): "completed"...      */
    const char *message;      /* one line, as printed on stderr              */
    int signal;               /* crashed: the signal number, else 0          */
    int exit_status;          /* exited: the status given to exit()          */
    bool run_returned, run_value;
    uint64_t frames_read;     /* frames the expert was given                 */
    uint32_t last_frame;      /* 0xFFFFFFFF: none                            */
    uint64_t events;          /* events received                             */
    uint64_t reclaimed_blocks, reclaimed_bytes; /* left by the expert, freed */
    uint64_t overruns, misuse, peak_bytes;
    double seconds;
} nmx_sink_session_end;

/* The run starts: nothing is written by the JSON Lines sink before it. */
NMX_API nmx_err nmx_sink_run_begin(nmx_sink *s, const nmx_sink_run *run);
/* A session starts (also does what nmx_sink_begin_expert does). */
NMX_API nmx_err nmx_sink_session_begin(nmx_sink *s, const nmx_sink_session *ss);
/* One event of a session (as nmx_sink_event, with the session named). The
 * session's description (*ss and the strings it points to) must stay as it
 * is from nmx_sink_session_begin to nmx_sink_session_finish: the JSON Lines
 * sink writes it once and repeats that text in every event record. */
NMX_API nmx_err nmx_sink_session_event(nmx_sink *s, const nmx_sink_session *ss,
                                       const nmx_event *ev);
/* The session ended (also does what nmx_sink_end_expert does). */
NMX_API nmx_err nmx_sink_session_finish(nmx_sink *s, const nmx_sink_session *ss,
                                        const nmx_sink_session_end *end);
/* What a capture holds, once it has been read (after the last session
 * reading it): frames, the time span and warnings in *c, with the members
 * of the run's start again (path, id, index...). complete: the whole file
 * was read and these are the file's; false: the run stopped first
 * (interrupted) and they are what was read until then (frames at least
 * that many). The JSON Lines sink writes a capture_end record, the CSV
 * folder its captures.csv row; the HTML report shows them. */
NMX_API nmx_err nmx_sink_capture_end(nmx_sink *s, const nmx_sink_capture *c, bool complete);
/* The run ended with this exit status; `status_name` says what it means
 * ("ok", "crashed"...). */
NMX_API nmx_err nmx_sink_run_end(nmx_sink *s, int exit_status, const char *status_name,
                                 double seconds);

/* The time of frame `frame` (from 0) of the run's capture `capture_index`
 * (nmx_sink_capture.index), in nanoseconds since 1970-01-01T00:00:00Z, in
 * *ns; false when it is not known. */
typedef bool (*nmx_sink_frame_time_fn)(void *ud, uint64_t capture_index, uint64_t frame,
                                       int64_t *ns);
/* Lets the HTML sink date the frames events name, for its charts over time
 * (TCP Retransmit's retransmissions over the capture's time span); without
 * it they are drawn over frame numbers. Called only from nmx_sink_close, on
 * the closing thread, while the captures must still be readable. Other
 * sinks keep it and never call it. fn may be NULL (none). */
NMX_API nmx_err nmx_sink_set_frame_time_fn(nmx_sink *s, nmx_sink_frame_time_fn fn, void *ud);

/* An nmx_event_fn that forwards to nmx_sink_event(ud, ev): set it as a
 * session's on_event with the sink as event_ud. */
NMX_API void nmx_sink_event_fn(const nmx_event *ev, void *sink);

NMX_END_DECLS

#endif /* NMEXPERT_SINK_H */
