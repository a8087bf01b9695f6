/*
 * nmx_run_expert: the part of a run common to both isolation modes: the
 * session (thread mode) or its parameters (process mode), the configuration
 * the expert gets (a host-owned copy, spec M5: the expert must not free it),
 * the misuse limit, and the one-line verdict.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "host/host.h"
#include "host/relay.h"
#include "host/run_internal.h"
#include "nmexpert/run.h"

const char *nmx_run_outcome_name(nmx_run_outcome o)
{
    static const char *const names[NMX_RUN_OUTCOMES_] = {
        "completed", "failed", "crashed", "exited", "timed out", "memory limit",
        "terminated", "could not load"};
    return (unsigned)o < NMX_RUN_OUTCOMES_ ? names[o] : "unknown";
}

void nmx__run_session_config(const nmx_run_config *cfg, char *name, size_t name_len,
                             nmx_session_config *sc)
{
    snprintf(name, name_len, "%s", cfg->label ? cfg->label : cfg->expert->name);
    memset(sc, 0, sizeof *sc);
    sc->version = NMX_SESSION_CONFIG_VERSION;
    sc->name = name;
    sc->memory_limit = cfg->memory_limit;
    /* the limit asks the expert to stop as well as failing the allocation */
    sc->heap_flags = cfg->heap_flags | (cfg->memory_limit ? NMX_HEAP_TERMINATE_ON_QUOTA : 0);
    sc->capture = cfg->capture;
    sc->ui_filter = cfg->ui_filter;
    sc->focus_frame = cfg->focus_frame;
    sc->on_event = cfg->on_event;
    sc->event_ud = cfg->event_ud;
    sc->on_status = cfg->on_status;
    sc->status_ud = cfg->status_ud;
}

static void on_misuse(nmx_heap *h, const nmx_misuse *m, void *ud)
{
    (void)m;
    struct nmx_run_ctx *ctx = ud;
    if (ctx->misuse_limit && ++ctx->misuse_seen >= ctx->misuse_limit &&
        !ctx->terminated_for_misuse) {
        ctx->terminated_for_misuse = true;
        nmx_heap_terminate(h); /* an atomic store: safe under the heap lock */
    }
}

/* Signals that say the expert's own code faulted (or was refused a system
 * call); any other ends it from outside: "was killed by". */
static bool fault_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT ||
           sig == SIGTRAP || sig == SIGSYS;
}

static void verdict(const nmx_run_config *cfg, const struct nmx_run_ctx *ctx, nmx_run_result *r)
{
    /* the registered name and the status text come from expert code: the
     * verdict line carries them escaped (relay.h) */
    const char *raw = cfg->expert->name[0] ? cfg->expert->name : cfg->expert->file;
    char name[NMX_RELAY_MAX_NAME * 4 + 8], status_text[sizeof r->status.text * 4];
    nmx__relay_escape(raw, strnlen(raw, NMX_RELAY_MAX_NAME), name, sizeof name);
    nmx__relay_escape(r->status.text, strnlen(r->status.text, sizeof r->status.text - 1),
                      status_text, sizeof status_text);
    char where[64] = "";
    if (r->frame != 0xFFFFFFFFu)
        snprintf(where, sizeof where, " after frame %u", r->frame);
    char sig[32] = "a signal";
    if (r->signal) {
        const char *ab = sigabbrev_np(r->signal);
        snprintf(sig, sizeof sig, "SIG%s", ab ? ab : "?");
    }
    /* In the user's words: what was kept, and memory only when the expert
     * left some allocated (the host frees it; a tidy expert leaves none). */
    char tail[200], mem[120] = "";
    if (r->memory.leaked_blocks) {
        uint64_t b = r->memory.leaked_bytes;
        char size[32];
        if (b >= 10u << 20)
            snprintf(size, sizeof size, "%llu MiB", (unsigned long long)(b >> 20));
        else if (b >= 10u << 10)
            snprintf(size, sizeof size, "%llu KiB", (unsigned long long)(b >> 10));
        else
            snprintf(size, sizeof size, "%llu bytes", (unsigned long long)b);
        snprintf(mem, sizeof mem, "; the host freed %s the expert had not released (%llu block%s)",
                 size, (unsigned long long)r->memory.leaked_blocks,
                 r->memory.leaked_blocks == 1 ? "" : "s");
    }
    snprintf(tail, sizeof tail, "; %llu event%s kept%s", (unsigned long long)r->events,
             r->events == 1 ? "" : "s", mem);
    if (r->message[0] && r->outcome == NMX_RUN_LOAD_FAILED)
        return;
    switch (r->outcome) {
    case NMX_RUN_COMPLETED:
        snprintf(r->message, sizeof r->message, "expert %s completed%s", name, tail);
        break;
    case NMX_RUN_FAILED:
        if (r->status.status == 3 && r->status.text[0])
            snprintf(r->message, sizeof r->message, "expert %s failed: %s (Run returned %s)%s",
                     name, status_text, r->run_value ? "TRUE" : "FALSE", tail);
        else
            snprintf(r->message, sizeof r->message, "expert %s failed (Run returned %s%s)%s",
                     name, r->run_value ? "TRUE" : "FALSE",
                     r->status.status == 3 ? ", reported a problem" : "", tail);
        break;
    case NMX_RUN_CRASHED:
        if (ctx->end == NMX__END_DAMAGED) {
            snprintf(r->message, sizeof r->message,
                     "expert %s broke the channel's format and was stopped%s (%s)%s", name, where,
                     ctx->detail, tail);
        } else if (r->signal == SIGSYS && strncmp(r->message, "killed by the sandbox", 21) == 0) {
            /* The sandbox recorded the refused call (sandbox.c). */
            char why[sizeof r->message];
            snprintf(why, sizeof why, "%s", r->message); /* from the process back end */
            snprintf(r->message, sizeof r->message, "expert %s was %s%s%s", name, why, where,
                     tail);
        } else if (r->signal == SIGSYS) {
            snprintf(r->message, sizeof r->message, "expert %s crashed with SIGSYS (%s%s)%s%s",
                     name, ctx->end == NMX__END_SYSCALL ? "blocked system call " : "",
                     ctx->end == NMX__END_SYSCALL ? ctx->detail
                                                  : "a system call the sandbox refuses",
                     where, tail);
        } else if (r->signal && !fault_signal(r->signal)) {
            snprintf(r->message, sizeof r->message, "expert %s was killed by %s%s%s", name, sig,
                     where, tail);
        } else {
            snprintf(r->message, sizeof r->message, "expert %s crashed with %s%s%s", name, sig,
                     where, tail);
        }
        break;
    case NMX_RUN_EXITED:
        if (ctx->end == NMX__END_CHANNEL_KILLED)
            snprintf(r->message, sizeof r->message,
                     "expert %s closed its channel to the host and did not end: killed after "
                     "%u ms%s%s",
                     name, cfg->grace_ms ? cfg->grace_ms : 2000, where, tail);
        else if (ctx->end == NMX__END_LOST)
            snprintf(r->message, sizeof r->message,
                     "expert %s ended without its result; how is unknown (its process was "
                     "reaped outside the host: SIGCHLD ignored?)%s%s",
                     name, where, tail);
        else if (ctx->end == NMX__END_CHANNEL_EXITED && r->exit_status == NMX__CHILD_CHANNEL_LOST)
            snprintf(r->message, sizeof r->message,
                     "expert %s closed its channel to the host: its result was lost%s%s", name,
                     where, tail);
        else if (ctx->end == NMX__END_CHANNEL_EXITED)
            snprintf(r->message, sizeof r->message,
                     "expert %s closed its channel to the host, then called exit(%d)%s%s", name,
                     r->exit_status, where, tail);
        else
            snprintf(r->message, sizeof r->message, "expert %s called exit(%d)%s%s", name,
                     r->exit_status, where, tail);
        break;
    case NMX_RUN_TIMEOUT:
        if (ctx->end == NMX__END_CPU)
            snprintf(r->message, sizeof r->message,
                     "expert %s reached its CPU-time limit (RLIMIT_CPU, %u s; %.1f s of CPU "
                     "used in %.1f s)%s%s",
                     name, ctx->cpu_limit_s, ctx->cpu_seconds, r->seconds, where, tail);
        else
            snprintf(r->message, sizeof r->message, "expert %s timed out after %u ms%s%s%s",
                     name, cfg->timeout_ms, where,
                     r->abandoned ? " and did not stop: its thread was abandoned"
                                  : (r->run_returned ? "" : " and was stopped by force"),
                     tail);
        break;
    case NMX_RUN_MEMORY:
        if (ctx->end == NMX__END_RESULT_LIMIT)
            snprintf(r->message, sizeof r->message,
                     "expert %s sent the host more than its result limit (%llu bytes) and was "
                     "stopped%s%s",
                     name,
                     (unsigned long long)(cfg->result_limit ? cfg->result_limit
                                                            : NMX_RUN_DEFAULT_RESULT_LIMIT),
                     where, tail);
        else
            snprintf(r->message, sizeof r->message,
                     "expert %s hit its memory limit (%llu bytes)%s%s", name,
                     (unsigned long long)cfg->memory_limit, where, tail);
        break;
    case NMX_RUN_TERMINATED:
        snprintf(r->message, sizeof r->message, "expert %s was stopped%s%s%s", name, where,
                 r->abandoned ? " (its thread did not return and was abandoned)" : "", tail);
        break;
    default:
        snprintf(r->message, sizeof r->message, "expert %s: %s", name,
                 nmx_run_outcome_name(r->outcome));
        break;
    }
}

static nmx_err run_expert(const nmx_run_config *cfg_in, nmx_run_result *res);

/* The thread is busy for the fork gate while it runs an expert, except in
 * its waits (host.h). */
nmx_err nmx_run_expert(const nmx_run_config *cfg_in, nmx_run_result *res)
{
    nmx__gate_enter();
    nmx_err e = run_expert(cfg_in, res);
    nmx__gate_leave();
    return e;
}

static nmx_err run_expert(const nmx_run_config *cfg_in, nmx_run_result *res)
{
    if (!cfg_in || !res || !cfg_in->expert ||
        (cfg_in->version != NMX_RUN_CONFIG_VERSION && cfg_in->version != 1))
        return NMX_EINVAL;
    /* version 1 ends before cpu_limit_s: the later fields take their defaults */
    nmx_run_config cfg_v;
    memset(&cfg_v, 0, sizeof cfg_v);
    memcpy(&cfg_v, cfg_in,
           cfg_in->version == 1 ? offsetof(nmx_run_config, cpu_limit_s) : sizeof cfg_v);
    const nmx_run_config *cfg = &cfg_v;
    memset(res, 0, sizeof *res);
    res->frame = 0xFFFFFFFFu;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!cfg->expert->usable) {
        res->outcome = NMX_RUN_LOAD_FAILED;
        snprintf(res->message, sizeof res->message, "%s: unusable expert: %s", cfg->expert->path,
                 cfg->expert->reason);
        return NMX_OK;
    }
    struct nmx_run_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.misuse_limit = cfg->misuse_limit;
    nmx_err e;
    if (cfg->isolation == NMX_ISOLATION_PROCESS) {
        e = nmx__run_process(cfg, &ctx, res);
    } else {
        char name[300];
        nmx_session_config sc;
        nmx__run_session_config(cfg, name, sizeof name, &sc);
        e = nmx_session_open(&sc, &ctx.key);
        if (e != NMX_OK)
            return e;
        nmx_heap_set_misuse_handler(nmx_session_heap(ctx.key), on_misuse, &ctx);
        if (cfg->config && cfg->config_len >= sizeof(DWORD)) {
            ctx.config = nmx_host_alloc(cfg->config_len, NULL);
            if (ctx.config)
                memcpy(ctx.config, cfg->config, cfg->config_len);
        }
        e = nmx__run_thread(cfg, &ctx, res);
        nmx_heap_stats st;
        nmx_session_stats(ctx.key, &st);
        nmx_session_status(ctx.key, &res->status, &res->events);
        res->frame = res->status.frame;
        nmx_heap_set_misuse_handler(nmx_session_heap(ctx.key), NULL, NULL);
        nmx_session_close(ctx.key, &res->memory);
        if (ctx.config)
            nmx_host_free(ctx.config);
        if ((res->outcome == NMX_RUN_FAILED || res->outcome == NMX_RUN_COMPLETED ||
             res->outcome == NMX_RUN_TERMINATED) && st.quota_failures)
            res->outcome = NMX_RUN_MEMORY; /* the limit asked it to stop */
        if (res->outcome == NMX_RUN_COMPLETED && res->status.status == EXPERTSTATUS_PROBLEM)
            res->outcome = NMX_RUN_FAILED;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (e == NMX_OK)
        verdict(cfg, &ctx, res);
    return e;
}

/* "PROTOCOL.PROPERTY" -> the two names, quotes removed. */
static bool split_property(const char *spec, char *proto, size_t pn, char *prop, size_t qn)
{
    const char *dot = strchr(spec, '.');
    if (!dot || dot == spec || !dot[1])
        return false;
    const char *a = spec, *ae = dot, *b = dot + 1, *be = spec + strlen(spec);
    if (ae - a >= 2 && *a == '"' && ae[-1] == '"')
        a++, ae--;
    if (be - b >= 2 && *b == '"' && be[-1] == '"')
        b++, be--;
    if ((size_t)(ae - a) >= pn || (size_t)(be - b) >= qn || ae == a || be == b)
        return false;
    memcpy(proto, a, (size_t)(ae - a));
    proto[ae - a] = 0;
    memcpy(prop, b, (size_t)(be - b));
    prop[be - b] = 0;
    return true;
}

DWORD nmx__run_focus_property(const nmx_run_config *cfg, PEXPERTSTARTUPINFO si)
{
    char proto[64], prop[256];
    if (!cfg->focus_property || cfg->focus_frame == INVALID_FRAME_NUMBER || !si->hCapture ||
        !split_property(cfg->focus_property, proto, sizeof proto, prop, sizeof prop))
        return 0;
    HPROTOCOL hp = GetProtocolFromName(proto);
    HPROPERTY hq = hp ? GetProperty(hp, prop) : 0;
    HFRAME hf = hq ? GetFrame(si->hCapture, cfg->focus_frame) : NULL;
    /* dissected into this thread's dissector: the instance stays valid while
     * Run reads other frames through the session's (docs/property-api.md) */
    LPPROPERTYINST pi = hf ? FindPropertyInstance(hf, hq) : NULL;
    if (!pi)
        return 0;
    si->hProtocol = hp;
    si->lpPropertyInst = pi;
    /* no bit is selected: a flags property is reported whole */
    si->sBitfield.BitNumber = 0xFF;
    si->sBitfield.bOn = FALSE;
    return EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA;
}
