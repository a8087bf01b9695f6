/*
 * nmexpert/run.h: running one expert over one capture, contained.
 *
 * Two isolation modes, the same API for the expert:
 *
 *   NMX_ISOLATION_PROCESS (default): the session runs in a forked child.
 *     Death by signal, exit(), stack overflow, a hang past the timeout,
 *     CPU time past cpu_limit_s, runaway memory, a damaged channel or more
 *     than result_limit bytes sent end the child, never the host; events
 *     already received are kept, under the session's name from the host's
 *     records (never a name the child sent).
 *
 *   NMX_ISOLATION_THREAD: the session runs in this process, on a thread of
 *     its own with an alternate signal stack. Synchronous faults raised in
 *     the expert's code (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, stack
 *     overflow) end the session: the thread leaves the expert's frames for
 *     good, the session's memory is released, and the host carries on.
 *     SIGPIPE is blocked on the expert's threads (a write without a reader
 *     fails with EPIPE) and SIGALRM is ignored when the host left it at its
 *     default action. What this mode cannot contain: exit()/_exit() (they
 *     end the process), a hang (the thread is abandoned, still running,
 *     after the timeout), CPU time (no backstop), a fault while the expert
 *     holds a lock of the C library (e.g. inside malloc), writes through
 *     wild pointers into the host's memory, signals sent to the host, and
 *     threads the expert starts itself (docs/sandbox.md, "The host"). Use
 *     it for speed and debugging.
 *
 * Memory: every byte the session allocated through ExpertAllocMemory is
 * released when the run ends, whatever the outcome, and reported.
 */
#ifndef NMEXPERT_RUN_H
#define NMEXPERT_RUN_H

#include <stdbool.h>
#include "nmexpert/common.h"
#include "nmexpert/event.h"
#include "nmexpert/expert.h"
#include "nmexpert/filter.h"
#include "nmexpert/session.h"

NMX_BEGIN_DECLS

typedef enum nmx_isolation { NMX_ISOLATION_PROCESS = 0, NMX_ISOLATION_THREAD } nmx_isolation;

/* How a run ended. Also the basis of the CLI's exit status. */
typedef enum nmx_run_outcome {
    NMX_RUN_COMPLETED = 0, /* Run returned TRUE                               */
    NMX_RUN_FAILED,        /* Run returned FALSE or reported EXPERTSTATUS_PROBLEM */
    NMX_RUN_CRASHED,       /* a fatal signal in the expert                     */
    NMX_RUN_EXITED,        /* the expert called exit() (process mode)          */
    NMX_RUN_TIMEOUT,       /* still running after the timeout + grace period   */
    NMX_RUN_MEMORY,        /* blew the memory limit                            */
    NMX_RUN_TERMINATED,    /* stopped on request (Ctrl-C, repeated misuse)     */
    NMX_RUN_LOAD_FAILED,   /* could not be loaded / started                    */
    NMX_RUN_OUTCOMES_
} nmx_run_outcome;

NMX_API const char *nmx_run_outcome_name(nmx_run_outcome o);

/* Process isolation's CPU-time backstop when neither cpu_limit_s nor a
 * timeout is given (RLIMIT_CPU, seconds of CPU time of the expert's
 * process, all its threads together). */
#define NMX_RUN_DEFAULT_CPU_LIMIT_S 3600u
#define NMX_RUN_NO_CPU_LIMIT        UINT32_MAX   /* cpu_limit_s: no backstop     */
/* What the host accepts from one expert's process over its channel (events,
 * status, log text: the bytes of the wire stream, docs/event-wire.md) when
 * result_limit is 0. Beyond it the expert is stopped ("memory limit"). */
#define NMX_RUN_DEFAULT_RESULT_LIMIT (1ull << 30)

/* Version 2 added cpu_limit_s and result_limit; a version 1 configuration
 * is accepted (both then 0: the defaults). */
#define NMX_RUN_CONFIG_VERSION 2
typedef struct nmx_run_config {
    uint32_t version;                 /* NMX_RUN_CONFIG_VERSION (or 1)          */
    const nmx_expert_info *expert;    /* from nmx_expert_find / _probe          */
    const char *label;                /* the session's name (events' "expert");
                                         NULL: the expert's registered name     */
    void *capture;                    /* HCAPTURE (nmexpert/hcapture.h)         */
    nmx_filter *ui_filter;            /* display filter, or NULL                */
    const void *config;               /* EXPERTCONFIG blob, or NULL             */
    size_t config_len;
    uint32_t focus_frame;             /* 0xFFFFFFFF: none                       */
    nmx_isolation isolation;
    uint32_t timeout_ms;              /* 0: none                                */
    uint32_t grace_ms;                /* after a termination request; 0: 2000   */
    uint64_t memory_limit;            /* bytes; 0: none                         */
    uint32_t misuse_limit;            /* misuse events before termination; 0: none */
    uint32_t heap_flags;              /* NMX_HEAP_DEBUG ...                     */
    nmx_event_fn on_event;            /* each event as it arrives (any thread)  */
    void *event_ud;
    nmx_status_fn on_status;          /* each status update (any thread)        */
    void *status_ud;
    const volatile int *stop;         /* becomes non-zero: terminate (Ctrl-C)   */
    /* The selected property, "PROTOCOL.PROPERTY" (quotes around either part
     * allowed), in focus_frame; NULL: none. When set, Run gets
     * EXPERTSTARTUPINFO.hProtocol and lpPropertyInst of the property's first
     * instance in that frame and EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_
     * CONFIG_DATA, as Network Monitor's detail-pane context menu started an
     * expert (spec 13). */
    const char *focus_property;
    /* Version 2. Process isolation only (thread mode cannot limit one
     * thread's CPU time or the host's memory per expert): */
    uint32_t cpu_limit_s;             /* RLIMIT_CPU of the expert's process:
                                         0: --timeout + grace + 5 s when a
                                         timeout is set, else
                                         NMX_RUN_DEFAULT_CPU_LIMIT_S;
                                         NMX_RUN_NO_CPU_LIMIT: none             */
    uint64_t result_limit;            /* bytes accepted over the channel; 0:
                                         NMX_RUN_DEFAULT_RESULT_LIMIT           */
} nmx_run_config;

typedef struct nmx_run_result {
    nmx_run_outcome outcome;
    int signal;                       /* CRASHED: the signal                    */
    int exit_status;                  /* EXITED: the status passed to exit()    */
    bool run_returned;                /* Run returned (TRUE or FALSE)           */
    bool run_value;                   /* what it returned                       */
    bool abandoned;                   /* thread mode: still running, left behind */
    uint64_t events;                  /* events received                        */
    nmx_status status;                /* the last status reported               */
    uint32_t frame;                   /* last frame the expert was given        */
    nmx_heap_report memory;           /* what the session left (counters;
                                         leaks[] only in thread mode with
                                         NMX_HEAP_DEBUG); free with
                                         nmx_heap_report_free                   */
    double seconds;                   /* wall time                              */
    char message[512];                /* one line: "expert X crashed with ..."  */
} nmx_run_result;

/* Runs the expert and fills *res. Returns NMX_OK when the run was carried
 * out (whatever its outcome), an error when it could not be attempted. */
NMX_API nmx_err nmx_run_expert(const nmx_run_config *cfg, nmx_run_result *res);

/* Threads that call nmx_run_expert side by side. Process isolation forks a
 * child per run, and a child forked while another thread of the process is
 * inside an allocator that does not guard against fork (the sanitizers'
 * allocators, some third-party ones) inherits a lock nobody will release.
 * So nmx_run_expert forks only while every other thread running it waits
 * for its own child or expert thread. A host whose threads do more between
 * runs (write results, allocate) brackets each such thread's whole life with
 * nmx_run_thread_enter() and nmx_run_thread_leave(), so that a fork waits
 * for that work too (docs/sandbox.md, "Forking from a threaded host").
 * Per thread, nestable; a thread must not block on another such thread
 * between the two calls except inside nmx_run_expert. A thread's end is
 * not covered (the allocator gives its caches back then, under its locks):
 * end such threads only once no other can still start a run, as the
 * command line's workers do by ending together. */
NMX_API void nmx_run_thread_enter(void);
NMX_API void nmx_run_thread_leave(void);

NMX_END_DECLS

#endif
