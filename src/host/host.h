/* Host internals shared by the files of src/host. */
#ifndef NMX_HOST_HOST_H
#define NMX_HOST_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"
#include "nmexpert/filter.h"
#include "nmexpert/session.h"

#define NMX_HCAPTURE_MAGIC 0x24504143u /* "CAP$", as Network Monitor tagged them */

/* What an HCAPTURE points to. */
struct _CAPTURE {
    uint32_t magic;
    nmx_capture *cap;
    bool owns_cap;            /* close the capture with the handle          */
    int64_t start_ns;         /* capture start: FRAME.TimeStamp is relative */
    SYSTEMTIME start_st;      /* GetCaptureTimeStamp (UTC)                  */
    uint8_t *fh_base;         /* reserved, never touched: hFrame = base + n,
                                 for every frame the capture can hold       */
    size_t fh_len;
    DWORD mac_type;
    bool netmon2;             /* records are FRAME records: hand them out as is */
};

/* The frames of the capture, as the DWORD API counts them (walks a capture
 * opened with NMX_CAPTURE_INCREMENTAL to its end: ask
 * nmx_capture_has_frame() when a frame's existence is the question). */
static inline uint32_t nmx__hcap_total(const struct _CAPTURE *c)
{
    uint64_t n = nmx_capture_frame_count(c->cap);
    return n > NMX_CAPTURE_MAX_FRAMES ? (uint32_t)NMX_CAPTURE_MAX_FRAMES : (uint32_t)n;
}

/* HCAPTURE / HFRAME validation and decoding (capture_handle.c). */
struct _CAPTURE *nmx__hcap_get(HCAPTURE h);
struct _CAPTURE *nmx__hframe_get(HFRAME f, uint32_t *n);
HFRAME nmx__hframe_make(struct _CAPTURE *c, uint32_t n);
/* The FRAME record of frame n: zero-copy for Network Monitor 2.x files,
 * otherwise synthesised into *buf (grown as needed; freed by the owner). */
ULPFRAME nmx__frame_record(struct _CAPTURE *c, const nmx_frame *fr, uint8_t **buf, size_t *cap);
/* Keeps the next 4 KiB of the capture after this frame requested from
 * memory (forward scans copy frame after frame); *next is the caller's
 * cursor, reset when the scan jumps. Hints only: never faults. */

struct nmx__trec;

/* One session's host-side state (session.c). Session objects are pooled and
 * never freed, so that a call racing with the end of its session touches
 * valid memory and finds the key changed. */
struct nmx_session {
    pthread_mutex_t lock;     /* held by Expert* calls using session data */
    /* The lock biased to the thread that calls most (session.c): that
     * thread enters without the lock while bias_off is clear. */
    _Atomic(struct nmx__trec *) bias_owner;
    _Atomic uint32_t bias_off;
    uint32_t streak, rebias_after; /* under lock                          */
    struct nmx__trec *streak_rec;
    _Atomic uint64_t key;     /* 0 while the object is free               */
    const _Atomic _Bool *term; /* the heap's termination flag             */
    struct _CAPTURE *hcap;
    nmx_filter *ui_filter;
    EXPERTSTARTUPINFO startup;
    uint8_t *fbuf;            /* synthesised FRAME records (ExpertGetFrame) */
    size_t fbuf_cap;
    const uint8_t *pf_next;   /* prefetch cursor of forward scans          */
    /* Filtered forward scans whose filters match on bytes: the capture's
     * search (capture/find.h) with its list of matches, allocated at the
     * first such scan and kept with the pooled object; the filters of the
     * search in progress. */
    struct nmx__find *find;
    nmx_filter *find_f[2];
    /* The session's dissector (created at the first frame that needs the
     * parsers, freed when the session ends) and the frame it holds: the
     * tables of the last ExpertGetFrame stay valid until the next (F4). */
    nmx_dissector *dis;
    struct _CAPTURE *dis_cap;  /* NULL: holds nothing                 */
    uint32_t dis_frame;
    bool dis_attached;         /* properties attached                 */
    nmx_frame dis_fr;          /* the frame record it was made from   */
    char name[64];
    nmx_event_fn on_event;
    void *event_ud;
    bool event_view;           /* on_event gets the expert's own strings  */
    nmx_status_fn on_status;
    void *status_ud;
    nmx_status status;
    uint64_t nevents;
    struct nmx_session *next_free;
};

/* Enters (locks, or enters as the bias owner) and returns the session of
 * `key`, or NULL; *e says why. */
struct nmx_session *nmx__session_enter(HEXPERTKEY key, DWORD *e);
/* Same, but also for a session whose termination was requested. */
struct nmx_session *nmx__session_enter_any(HEXPERTKEY key, DWORD *e, bool *terminating);
void nmx__session_leave(struct nmx_session *s);
/* The session's on_event is given the event as the expert submitted it
 * (its strings in the expert's memory, not cut to NMX_EVENT_MAX_STRING),
 * valid during the call only, instead of a copy: for a callback that
 * encodes it at once (process isolation's child, nmx_wire_encode_into cuts
 * the strings as the copy would). */
void nmx__session_set_event_view(nmx_key key, bool on);
/* Locks and returns the session the calling thread acts for
 * (nmx_session_bind_thread), or NULL when there is none or it ended. */
struct nmx_session *nmx__session_enter_bound(void);
/* The token of the session the calling thread acts for (0: none). */
uint64_t nmx__session_bound(void);

/* Dissects frame n of c into the session's dissector (created on demand),
 * unless it already holds it with at least the requested attachment.
 * Returns the dissector or NULL (*e: NMERR_OUT_OF_MEMORY / _FRAME_NOT_FOUND). */
nmx_dissector *nmx__session_dissect(struct nmx_session *s, struct _CAPTURE *c, uint32_t n,
                                    const nmx_frame *fr, bool attach, DWORD *e);
/* The time of the frame before n (FRAME's time delta), fr->ts_ns for the first. */
int64_t nmx__prev_ts(struct _CAPTURE *c, uint32_t n, const nmx_frame *fr);
/* Releases the session lock this thread holds, if any (fault recovery). */
void nmx__session_unlock_held(void);

/* In a child that runs expert code: fault signals take their default
 * action (end the process) whatever the host had installed, and no core
 * file is written. */
void nmx__child_default_signals(void);

/* The fork gate (forkgate.c): a thread that runs experts is busy between
 * nmx__gate_enter() and nmx__gate_leave() (nested calls count), except
 * between nmx__gate_park() and nmx__gate_unpark(), which bracket its waits
 * for children and expert threads. nmx__gate_fork() is fork() taken while
 * no other thread is busy; every child of the host is forked through it. */
void nmx__gate_enter(void);
void nmx__gate_leave(void);
void nmx__gate_park(void);
void nmx__gate_unpark(void);
pid_t nmx__gate_fork(void);

/* fork() with a pipe from child to parent (probe and Configure children).
 * In the child: returns 0, *fd is the write end (the read end closed). In
 * the parent: returns the pid, *fd is the read end. On failure: -1, errno
 * set, nothing left open. */
pid_t nmx__fork_piped(int *fd);

/* write(2) until done or an error other than EINTR (pipes to/from children). */
void nmx__write_all(int fd, const void *p, size_t n);

/* Diagnostics of the host ("nmexpert: ..." on stderr unless silenced). */
void nmx__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
