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
};

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
