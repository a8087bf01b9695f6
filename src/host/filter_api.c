/*
 * The display-filter objects of the Network Monitor kernel (spec 8.5, 10.2):
 * CreateFilter, FilterAddObject, ..., over the filter subsystem's display
 * filters (include/nmexpert/filter.h). docs/property-api.md.
 *
 * Ownership. A filter belongs to the session the creating thread acts for
 * (nmx_session_bind_thread; each running expert's thread is bound): it is
 * freed when that session ends, and another session's ExpertGetFrame
 * refuses it. A filter created by a thread bound to no session belongs to
 * nobody and lives until DestroyFilter. Every HFILTER is checked against the
 * registry of live filters before use: garbage, a destroyed filter or one of
 * an ended session is NMERR_INVALID_HFILTER (or the function's failure
 * value), never a crash.
 */
#include "host/host.h"

/* A live filter the calling thread may use, or NULL. */
static nmx_filter *usable(HFILTER h)
{
    nmx_filter *f = (nmx_filter *)(void *)h;
    if (!nmx_filter_valid(f))
        return NULL;
    uint64_t o = nmx_filter_owner(f), me = nmx__session_bound();
    return !o || !me || o == me ? f : NULL;
}

HFILTER WINAPI CreateFilter(void)
{
    nmx_filter *f;
    if (nmx_filter_objects(&f) != NMX_OK) {
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return NULL;
    }
    nmx_filter_set_owner(f, nmx__session_bound());
    return (HFILTER)(void *)f;
}

DWORD WINAPI DestroyFilter(HFILTER hFilter)
{
    nmx_filter *f = usable(hFilter);
    if (!f)
        return NMERR_INVALID_HFILTER;
    nmx_filter_free(f);
    return NMERR_SUCCESS;
}

DWORD WINAPI FilterAddObject(HFILTER hFilter, LPFILTEROBJECT lpFilterObject)
{
    nmx_filter *f = usable(hFilter);
    if (!f || !nmx_filter_is_objects(f))
        return NMERR_INVALID_HFILTER;
    return nmx_filter_add_object(f, lpFilterObject);
}

HFILTER WINAPI FilterDuplicate(HFILTER hFilter)
{
    nmx_filter *f = usable(hFilter);
    if (!f)
        return NULL;
    nmx_filter *c = nmx_filter_dup(f);
    if (c)
        nmx_filter_set_owner(c, nmx__session_bound());
    return (HFILTER)(void *)c;
}

VOID WINAPI FilterFlushBits(HFILTER hFilter)
{
    /* The filter keeps no per-frame result bits: every match is computed
     * from the frame, so there is nothing to flush. */
    (void)usable(hFilter);
}

BOOL WINAPI FilterAttachesProperties(HFILTER hFilter)
{
    nmx_filter *f = usable(hFilter);
    return f && (nmx_filter_needs(f) & NMX_FILTER_NEEDS_PROPERTIES) ? TRUE : FALSE;
}

DWORD WINAPI FilterFrame(HFRAME hFrame, HFILTER hFilter, HCAPTURE hCapture)
{
    nmx_filter *f = usable(hFilter);
    uint32_t n;
    struct _CAPTURE *c = nmx__hframe_get(hFrame, &n);
    if (!f) {
        BhSetLastError(NMERR_INVALID_HFILTER);
        return (DWORD)FILTER_FAIL_WITH_ERROR;
    }
    if (!c || (hCapture && nmx__hcap_get(hCapture) != c)) {
        BhSetLastError(c ? NMERR_INVALID_HCAPTURE : NMERR_INVALID_HFRAME);
        return (DWORD)FILTER_FAIL_WITH_ERROR;
    }
    nmx_frame fr;
    if (nmx_capture_frame(c->cap, n, &fr) != NMX_OK) {
        BhSetLastError(NMERR_INVALID_HFRAME);
        return (DWORD)FILTER_FAIL_WITH_ERROR;
    }
    uint32_t e = NMERR_SUCCESS;
    nmx_match m = nmx_filter_eval(f, &fr, NULL, &e);
    if (m == NMX_MATCH_ERROR) {
        BhSetLastError(e);
        return (DWORD)FILTER_FAIL_WITH_ERROR;
    }
    return m == NMX_MATCH ? FILTER_PASSED : FILTER_FAILED;
}

DWORD WINAPI FilterFindFrame(HFILTER hFilter, HCAPTURE hCapture, DWORD nFrame,
                             STATUSPROC StatusProc, LPVOID UIInstance, DWORD TimeDelta,
                             BOOL FilterDirection)
{
    (void)TimeDelta;
    nmx_filter *f = usable(hFilter);
    struct _CAPTURE *c = nmx__hcap_get(hCapture);
    if (!f || !c) {
        BhSetLastError(f ? NMERR_INVALID_HCAPTURE : NMERR_INVALID_HFILTER);
        return FILTER_NO_MORE_FRAMES;
    }
    bool fwd = FilterDirection != FALSE;
    int64_t i = fwd ? (nFrame == INVALID_FRAME_NUMBER ? 0 : (int64_t)nFrame + 1)
                    : (nFrame == INVALID_FRAME_NUMBER || !nmx_capture_has_frame(c->cap, nFrame)
                           ? (int64_t)nmx__hcap_total(c) - 1
                           : (int64_t)nFrame - 1);
    for (uint32_t k = 1; i >= 0; i += fwd ? 1 : -1, k++) {
        nmx_frame fr;
        if (nmx_capture_frame(c->cap, (uint64_t)i, &fr) != NMX_OK)
            break; /* past the last frame */
        uint32_t e;
        nmx_match m = nmx_filter_eval(f, &fr, NULL, &e);
        if (m == NMX_MATCH_ERROR) {
            BhSetLastError(e);
            return FILTER_NO_MORE_FRAMES;
        }
        if (m == NMX_MATCH)
            return (DWORD)i;
        if (StatusProc && k % 1024 == 0 &&
            !StatusProc((DWORD)i, hCapture, hFilter, UIInstance))
            return FILTER_CANCELED;
    }
    return FILTER_NO_MORE_FRAMES;
}

HFRAME WINAPI FilterFindPropertyInstance(HFRAME hFrame, HFILTER hMasterFilter, HCAPTURE hCapture,
                                         HFILTER hInstanceFilter, LPPROPERTYINST *lpPropRestartKey,
                                         STATUSPROC StatusProc, LPVOID UIInstance,
                                         DWORD TimeDelta, BOOL FilterForward)
{
    /* Instance filters (a filter over one property instance) need the
     * comparison operators, which the evaluator does not have yet. */
    (void)hFrame, (void)hMasterFilter, (void)hCapture, (void)hInstanceFilter;
    (void)lpPropRestartKey, (void)StatusProc, (void)UIInstance, (void)TimeDelta;
    (void)FilterForward;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return NULL;
}

/* The "current" (UI) filter of the process: a filter handle kept as is,
 * handed back while it is still live. */
static _Atomic(HFILTER) current;

VOID WINAPI SetCurrentFilter(HFILTER hFilter)
{
    current = hFilter && nmx_filter_valid(hFilter) ? hFilter : NULL;
}

HFILTER WINAPI GetCurrentFilter(void)
{
    HFILTER h = current;
    return h && nmx_filter_valid(h) ? h : NULL;
}

DWORD WINAPI EnableParserFilter(HFILTER hFilter, HPARSER hParser)
{
    /* Parsers are built in and always enabled. */
    (void)hParser;
    return usable(hFilter) ? NMERR_NOT_SUPPORTED : NMERR_INVALID_HFILTER;
}

DWORD WINAPI DisableParserFilter(HFILTER hFilter, HPARSER hParser)
{
    (void)hParser;
    return usable(hFilter) ? NMERR_NOT_SUPPORTED : NMERR_INVALID_HFILTER;
}
