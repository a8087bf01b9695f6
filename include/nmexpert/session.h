/*
 * nmexpert/session.h: expert sessions (keys) without a plug-in.
 *
 * A session is what Network Monitor called a running expert: one Run or one
 * Configure call, named by an HEXPERTKEY. Every Expert* function validates
 * its key. This header lets a program (or a test, or an embedding host)
 * open and close sessions directly and call the Expert* memory functions
 * (netmon.h) with their keys; the full host (loading experts, running them
 * isolated) builds on the same calls.
 *
 * Ownership: a session owns every block allocated with its key. Closing the
 * session frees them all (and reports what was left). A block can be handed
 * over to the host (nmx_session_adopt) and then survives the session; such a
 * block is freed with nmx_host_free().
 */
#ifndef NMEXPERT_SESSION_H
#define NMEXPERT_SESSION_H

#include "nmexpert/common.h"
#include "nmexpert/event.h"
#include "nmexpert/mem.h"

NMX_BEGIN_DECLS

/* Same representation as netmon.h's HEXPERTKEY (a pointer-sized value). */
typedef void *nmx_key;

/* The status an expert last reported (netmon.h's EXPERTSTATUS, spec 5.7,
 * after decisions S1-S3: percent clamped to 0..99 while running). */
typedef struct nmx_status {
    uint32_t status;        /* EXPERTSTATUS_*                              */
    uint32_t sub_status;
    uint32_t percent;       /* 0..100                                      */
    uint32_t frame;         /* frame reached (last frame ExpertGetFrame gave) */
    char     text[260];
    uint64_t updates;       /* ExpertIndicateStatus calls so far           */
} nmx_status;
typedef void (*nmx_status_fn)(const nmx_status *st, void *ud);

#define NMX_SESSION_CONFIG_VERSION 1
typedef struct nmx_session_config {
    uint32_t    version;       /* NMX_SESSION_CONFIG_VERSION                  */
    const char *name;          /* e.g. "topusers Run"; copied                 */
    uint64_t    memory_limit;  /* bytes the session may hold; 0 = unlimited   */
    uint32_t    heap_flags;    /* NMX_HEAP_DEBUG, NMX_HEAP_CHECK_ON_DESTROY   */
    /* The capture the session reads (an HCAPTURE from nmexpert/hcapture.h),
     * or NULL. It must stay open until the session is closed. */
    void       *capture;
    /* The display filter FLAGS_DEFER_TO_UI_FILTER applies (nmexpert/filter.h),
     * or NULL. Not owned; must outlive the session. */
    struct nmx_filter *ui_filter;
    /* EXPERTSTARTUPINFO focus: frame number, or 0xFFFFFFFF for none. */
    uint32_t    focus_frame;
    /* Called for each ExpertSubmitEvent, on the expert's thread (may be NULL). */
    nmx_event_fn on_event;
    void       *event_ud;
    /* Called for each ExpertIndicateStatus with the session's updated
     * status record (may be NULL). */
    nmx_status_fn on_status;
    void       *status_ud;
} nmx_session_config;

/* Opens a session; *key receives its key (never NULL on success). Keys are
 * unforgeable 64-bit values; a key never names another session later. */
NMX_API nmx_err nmx_session_open(const nmx_session_config *cfg, nmx_key *key);

/* Closes the session: every block still allocated with the key is freed and
 * described in *report (may be NULL; free with nmx_heap_report_free).
 * Afterwards the key is invalid for every Expert* call. Any thread. */
NMX_API nmx_err nmx_session_close(nmx_key key, nmx_heap_report *report);

/* Asks the session to stop: every following Expert* call with its key
 * returns NMERR_EXPERT_TERMINATE (memory: NULL + that code; frees still
 * free). Any thread. */
NMX_API nmx_err nmx_session_terminate(nmx_key key);

NMX_API nmx_err nmx_session_stats(nmx_key key, nmx_heap_stats *st);
/* The last status and the number of events submitted so far. */
NMX_API nmx_err nmx_session_status(nmx_key key, nmx_status *st, uint64_t *events);

/* The heap behind a key (valid until the session closes), or NULL. */
NMX_API nmx_heap *nmx_session_heap(nmx_key key);

/* The calling thread acts for `key` (NULL: for no session). The Network
 * Monitor functions that take no expert key attribute their objects to it:
 * CreateFilter's filters belong to it (freed when it ends, refused by
 * other sessions), and the frame functions (FindPropertyInstance, ...)
 * reuse its dissection of the last frame ExpertGetFrame returned. The run
 * functions bind the thread that runs an expert; a host calling the
 * functions itself may bind its own thread. */
NMX_API void nmx_session_bind_thread(nmx_key key);

/* Hands a live block of the session over to the host: the returned pointer
 * (which may differ from `block`) survives nmx_session_close() and is freed
 * with nmx_host_free(). Used for the configuration Configure returns. */
NMX_API void *nmx_session_adopt(nmx_key key, void *block, nmx_err *err);

/* Host-owned blocks (adopted ones, or allocated here). */
NMX_API void   *nmx_host_alloc(size_t n, nmx_err *err);
NMX_API nmx_err nmx_host_free(void *p);
NMX_API size_t  nmx_host_size(const void *p);

/* The host's diagnostic lines (an isolated expert's standard output and
 * error, load problems, damaged channels) go to the standard error as
 * "nmexpert: LINE", or nowhere when the environment variable NMX_QUIET is
 * set. A program that owns the terminal (progress bars) can take them
 * instead: fn gets each line without prefix or newline, from any thread,
 * and must be thread-safe; NULL restores the default. Set it before runs
 * start. NMX_QUIET still silences the lines. */
typedef void (*nmx_log_fn)(const char *line, void *ud);
NMX_API void nmx_set_log_fn(nmx_log_fn fn, void *ud);

NMX_END_DECLS

#endif
