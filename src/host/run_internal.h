/* Shared between the run front end and the isolation back ends. */
#ifndef NMX_HOST_RUN_INTERNAL_H
#define NMX_HOST_RUN_INTERNAL_H

#include "netmon.h"
#include "nmexpert/run.h"

struct nmx_run_ctx {
    nmx_key key;                 /* the Run session (thread mode)          */
    PEXPERTCONFIG config;        /* host-owned copy of the configuration   */
    bool abandoned;              /* thread mode: the thread is still running */
    bool terminated_for_misuse;
    uint32_t misuse_seen;
    uint32_t misuse_limit;
    /* Process mode: what the host saw, for the verdict (run.c). */
    int end;                     /* nmx__run_end                           */
    uint32_t cpu_limit_s;        /* RLIMIT_CPU given to the child; 0: none */
    double cpu_seconds;          /* CPU time the child used (its rusage)   */
    char detail[200];            /* the channel's damage, a system call... */
};

/* Why process mode ended a child, beyond its own exit status. */
enum nmx__run_end {
    NMX__END_NONE = 0,
    NMX__END_TIMEOUT,            /* the wall-clock timeout                 */
    NMX__END_STOP,               /* a stop request (Ctrl-C)                */
    NMX__END_MEMORY,             /* resident memory beyond the limit       */
    NMX__END_DAMAGED,            /* a message broke the wire format        */
    NMX__END_RESULT_LIMIT,       /* more than result_limit bytes sent      */
    NMX__END_CHANNEL_KILLED,     /* closed its channel, then did not end   */
    NMX__END_CHANNEL_EXITED,     /* closed its channel, then ended         */
    NMX__END_CPU,                /* RLIMIT_CPU: SIGXCPU or the hard limit  */
    NMX__END_SYSCALL,            /* SIGSYS for a refused system call       */
    NMX__END_LOST                /* reaped elsewhere: its end is unknown   */
};

/* Exit statuses of the run child (other than the expert's own exit()). */
#define NMX__CHILD_LOAD_FAILED_MIN 120   /* 120..122: could not start       */
#define NMX__CHILD_LOAD_FAILED_MAX 122
#define NMX__CHILD_MISUSE 124            /* stopped after repeated misuse   */
#define NMX__CHILD_CHANNEL_LOST 125      /* a write to the channel failed   */

/* The RLIMIT_CPU (seconds) process mode gives the child; 0: none. */
uint32_t nmx__run_cpu_limit(const nmx_run_config *cfg);

/* The Run session's configuration from the run's (name: caller's buffer). */
void nmx__run_session_config(const nmx_run_config *cfg, char *name, size_t name_len,
                             nmx_session_config *sc);

/* Fills si->hProtocol, lpPropertyInst and sBitfield for cfg->focus_property
 * (on the thread that calls Run, bound to the session) and returns the
 * StartupFlags for Run; 0 when no property is selected or it is not found. */
DWORD nmx__run_focus_property(const nmx_run_config *cfg, PEXPERTSTARTUPINFO si);
nmx_err nmx__run_thread(const nmx_run_config *cfg, struct nmx_run_ctx *ctx, nmx_run_result *res);
nmx_err nmx__run_process(const nmx_run_config *cfg, struct nmx_run_ctx *ctx, nmx_run_result *res);

#endif
