/*
 * ExpertGetFrame (spec 4.5, decisions F1-F6).
 *
 *  Direction GET_SPECIFIED_FRAME: exactly that frame; it must pass the
 *    filters (F3). Number >= total: NMERR_OUT_OF_RANGE; filtered out:
 *    NMERR_FRAME_FAILED_FILTER.
 *  GET_FRAME_NEXT_FORWARD: the first passing frame after the number;
 *    (DWORD)-1 means "before frame 0" (F1).
 *  GET_FRAME_NEXT_BACKWARD: the first passing frame before the number;
 *    (DWORD)-1 or any number >= total means "after the last frame".
 *  No further frame: NMERR_FRAME_NOT_FOUND. Empty capture: NMERR_NO_FRAMES.
 *  Bad key: NMERR_INVALID_EXPERT_HANDLE; bad filter: NMERR_INVALID_HFILTER;
 *  NULL descriptor or unknown direction: NMERR_INVALID_PARAMETER.
 *  Termination requested: NMERR_EXPERT_TERMINATE (also checked during long
 *  filtered scans).
 *
 * FLAGS_DEFER_TO_UI_FILTER applies the session's display filter first, then
 * hFilter. The descriptor's pointers stay valid until the next ExpertGetFrame
 * of the same session; hFrame stays valid for the whole session (F4).
 * Properties (FLAGS_ATTACH_PROPERTIES) need the protocol parsers: until they
 * exist the frame comes back with lpPropertyTable NULL, and the host says so
 * once per session.
 */
#include "host/host.h"

#define TERM_CHECK_EVERY 4096u

static bool passes(struct nmx_session *s, const nmx_frame *fr, DWORD flags, nmx_filter *f)
{
    if ((flags & FLAGS_DEFER_TO_UI_FILTER) && s->ui_filter && !nmx_filter_match(s->ui_filter, fr))
        return false;
    if (f && !nmx_filter_match(f, fr))
        return false;
    return true;
}

static bool terminating(HEXPERTKEY key)
{
    return nmx_key_check((uint64_t)(uintptr_t)key, NULL) != NMX_OK;
}

DWORD WINAPI ExpertGetFrame(HEXPERTKEY hExpertKey, DWORD Direction, DWORD RequestFlags,
                            DWORD RequestedFrameNumber, HFILTER hFilter,
                            LPEXPERTFRAMEDESCRIPTOR d)
{
    DWORD rc;
    struct nmx_session *s = nmx__session_enter(hExpertKey, &rc);
    if (!s)
        return rc;
    nmx_filter *f = (nmx_filter *)(void *)hFilter;
    if (!d || Direction > GET_FRAME_NEXT_BACKWARD) {
        rc = NMERR_INVALID_PARAMETER;
        goto out;
    }
    if (f && !nmx_filter_valid(f)) {
        rc = NMERR_INVALID_HFILTER;
        goto out;
    }
    struct _CAPTURE *c = s->hcap;
    if (!c) {
        rc = NMERR_INVALID_HCAPTURE;
        goto out;
    }
    uint32_t total = c->nframes, n = RequestedFrameNumber;
    if (total == 0) {
        rc = NMERR_NO_FRAMES;
        goto out;
    }
    nmx_frame fr;
    uint32_t found = 0;
    bool have = false;
    if (Direction == GET_SPECIFIED_FRAME) {
        if (n >= total) {
            rc = NMERR_OUT_OF_RANGE;
            goto out;
        }
        if (nmx_capture_frame(c->cap, n, &fr) != NMX_OK) {
            rc = NMERR_FRAME_NOT_FOUND;
            goto out;
        }
        if (!passes(s, &fr, RequestFlags, f)) {
            rc = NMERR_FRAME_FAILED_FILTER;
            goto out;
        }
        found = n;
        have = true;
    } else {
        /* Walk forward from just after n (-1: from frame 0), or backward
         * from just before n (-1 or past the end: from the last frame). */
        bool fwd = Direction == GET_FRAME_NEXT_FORWARD;
        int64_t i = fwd ? (n == INVALID_FRAME_NUMBER ? 0 : (int64_t)n + 1)
                        : (n == INVALID_FRAME_NUMBER || n >= total ? (int64_t)total - 1
                                                                   : (int64_t)n - 1);
        for (uint32_t k = 0; i >= 0 && i < (int64_t)total; i += fwd ? 1 : -1, k++) {
            if (k && k % TERM_CHECK_EVERY == 0 && terminating(hExpertKey)) {
                rc = NMERR_EXPERT_TERMINATE;
                goto out;
            }
            if (nmx_capture_frame(c->cap, (uint64_t)i, &fr) != NMX_OK)
                continue;
            if (fwd)
                nmx__prefetch_after(&fr, &s->pf_next);
            if (passes(s, &fr, RequestFlags, f)) {
                found = (uint32_t)i;
                have = true;
                break;
            }
        }
    }
    if (!have) {
        rc = NMERR_FRAME_NOT_FOUND;
        goto out;
    }
    ULPFRAME rec = nmx__frame_record(c, &fr, &s->fbuf, &s->fbuf_cap);
    if (!rec) {
        rc = NMERR_OUT_OF_MEMORY;
        goto out;
    }
    d->FrameNumber = found;
    s->status.frame = found;
    d->hFrame = nmx__hframe_make(c, found);
    d->pFrame = rec;
    d->lpRecognizeDataTable = NULL;
    d->lpPropertyTable = NULL;
    if ((RequestFlags & FLAGS_ATTACH_PROPERTIES) && !s->warned_properties) {
        s->warned_properties = true;
        nmx__log("properties requested (FLAGS_ATTACH_PROPERTIES) but no protocol parsers are "
                 "available yet: frames come without a property table");
    }
    rc = NMERR_SUCCESS;
out:
    nmx__session_leave(s);
    return rc;
}
