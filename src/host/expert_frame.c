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
 * hFilter. hFilter is a display filter of this session (CreateFilter) or a
 * BPF filter (nmx_filter_bpf); a filter of another session, a destroyed one
 * or garbage is NMERR_INVALID_HFILTER, and a display filter whose stack is
 * malformed fails the call with the NMERR_* of its check
 * (NMERR_STACK_EMPTY, NMERR_FILTER_INVALID_EXPRESSION, ...).
 *
 * FLAGS_ATTACH_PROPERTIES runs the parsers over the returned frame and fills
 * lpPropertyTable and lpRecognizeDataTable; without it both are NULL (the
 * parsers cost time a raw scan does not need; GetFrameRecognizeData gives
 * the recognised protocols of any frame on demand). A display filter makes
 * the parsers run over every frame it examines, recognising only unless it
 * tests properties. The tables live in the session's one dissector, reused
 * from frame to frame without allocating: the descriptor's pointers stay
 * valid until the next ExpertGetFrame of the same session; hFrame stays
 * valid for the whole session (F4). docs/property-api.md.
 *
 * A forward scan whose filters are all BPF filters (their verdicts depend
 * on a frame's bytes alone) is a search of the capture (capture/find.h),
 * which runs the filters as the capture's walk reads each record;
 * docs/filters.md, "Filtered scans".
 */
#include <stdlib.h>

#include "host/host.h"
#include "capture/find.h"
#include "filter/match_bytes.h"

#define TERM_CHECK_EVERY 4096u

int64_t nmx__prev_ts(struct _CAPTURE *c, uint32_t n, const nmx_frame *fr)
{
    nmx_frame p;
    if (n > 0 && nmx_capture_frame(c->cap, n - 1, &p) == NMX_OK)
        return p.ts_ns;
    return fr->ts_ns;
}

nmx_dissector *nmx__session_dissect(struct nmx_session *s, struct _CAPTURE *c, uint32_t n,
                                    const nmx_frame *fr, bool attach, DWORD *e)
{
    if (s->dis_cap == c && s->dis_frame == n && (s->dis_attached || !attach))
        return s->dis;
    if (!s->dis && !(s->dis = nmx_dissector_new())) {
        *e = NMERR_OUT_OF_MEMORY;
        return NULL;
    }
    /* A forward scan dissected the frame before: its time is at hand. */
    int64_t prev_ts = s->dis_cap == c && n > 0 && s->dis_frame == n - 1 ? s->dis_fr.ts_ns
                                                                      : nmx__prev_ts(c, n, fr);
    s->dis_cap = NULL;
    s->dis_fr = *fr; /* the dissection refers to it until the next one */
    if (nmx_dissect(s->dis, &s->dis_fr, prev_ts, attach ? NMX_DIS_ATTACH : 0) !=
        NMX_OK) {
        *e = NMERR_OUT_OF_MEMORY;
        return NULL;
    }
    s->dis_cap = c;
    s->dis_frame = n;
    s->dis_attached = attach;
    return s->dis;
}

/* 1: passes, 0: fails, -1: error (*rc). */
static int pass_one(struct nmx_session *s, struct _CAPTURE *c, uint32_t n, const nmx_frame *fr,
                    nmx_filter *f, DWORD *rc)
{
    unsigned needs = nmx_filter_needs(f);
    nmx_dissector *d = NULL;
    if (needs && !(d = nmx__session_dissect(s, c, n, fr, needs & NMX_FILTER_NEEDS_PROPERTIES, rc)))
        return -1;
    uint32_t e = NMERR_SUCCESS;
    nmx_match m = nmx_filter_eval(f, d ? &s->dis_fr : fr, d, &e);
    if (m == NMX_MATCH_ERROR) {
        *rc = e;
        return -1;
    }
    return m == NMX_MATCH;
}

static int passes(struct nmx_session *s, struct _CAPTURE *c, uint32_t n, const nmx_frame *fr,
                  DWORD flags, nmx_filter *f, DWORD *rc)
{
    int r = 1;
    if ((flags & FLAGS_DEFER_TO_UI_FILTER) && s->ui_filter)
        r = pass_one(s, c, n, fr, s->ui_filter, rc);
    if (r == 1 && f)
        r = pass_one(s, c, n, fr, f, rc);
    return r;
}

/* Inside the session its key stays valid (ending it waits for the call):
 * only the termination flag can change. */
static inline bool terminating(const struct nmx_session *s)
{
    return atomic_load_explicit(s->term, memory_order_relaxed);
}

/* The search's predicates: both filters of the session's search pass, or
 * the one filter given as ctx does (one call less per frame). */
static bool search_pred(void *ctx, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                        uint32_t linktype)
{
    const struct nmx_session *s = ctx;
    return nmx__filter_match_bytes(s->find_f[0], data, caplen, wirelen, linktype) &&
           nmx__filter_match_bytes(s->find_f[1], data, caplen, wirelen, linktype);
}

static bool search_pred_one(void *ctx, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                            uint32_t linktype)
{
    return nmx__filter_match_bytes(ctx, data, caplen, wirelen, linktype);
}

/* The first frame from `from` that the filters a (the display filter, or
 * NULL) and b (hFilter, or NULL) pass, searched in the capture: 1 found
 * (*fr), 0 none, -1 error (*rc), 2 no search here (the caller scans frame
 * by frame). */
static int search(struct nmx_session *s, struct _CAPTURE *c, uint64_t from, nmx_filter *a,
                  nmx_filter *b, nmx_frame *fr, DWORD *rc)
{
    if ((a && !nmx__filter_bytes_only(a)) || (b && !nmx__filter_bytes_only(b)))
        return 2;
    if (!s->find && !(s->find = calloc(1, sizeof *s->find)))
        return 2; /* (the scan frame by frame needs no memory) */
    nmx__find *fl = s->find;
    s->find_f[0] = a;
    s->find_f[1] = b;
    fl->pred = a && b ? search_pred : search_pred_one;
    fl->ctx = a && b ? (void *)s : (void *)(a ? a : b);
    fl->key[0] = a ? nmx__filter_id(a) : 0;
    fl->key[1] = b ? nmx__filter_id(b) : 0;
    for (uint64_t n = from;;) {
        switch (nmx__capture_find(c->cap, n, TERM_CHECK_EVERY, fl, fr, &n)) {
        case NMX__FIND_FOUND:
            return 1;
        case NMX__FIND_END:
            return 0;
        case NMX__FIND_UNSUPPORTED:
            return 2;
        case NMX__FIND_MORE:
            if (terminating(s)) {
                *rc = NMERR_EXPERT_TERMINATE;
                return -1;
            }
            break;
        }
    }
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
    if (f && (!nmx_filter_valid(f) || (nmx_filter_owner(f) && nmx_filter_owner(f) != s->key))) {
        rc = NMERR_INVALID_HFILTER;
        goto out;
    }
    struct _CAPTURE *c = s->hcap;
    if (!c) {
        rc = NMERR_INVALID_HCAPTURE;
        goto out;
    }
    /* The count is not asked for unless needed: a capture opened with
     * NMX_CAPTURE_INCREMENTAL is indexed only as far as frames are read. */
    uint32_t n = RequestedFrameNumber;
    if (!nmx_capture_has_frame(c->cap, 0)) {
        rc = NMERR_NO_FRAMES;
        goto out;
    }
    nmx_frame fr;
    uint32_t found = 0;
    bool have = false;
    if (Direction == GET_SPECIFIED_FRAME) {
        if (n == INVALID_FRAME_NUMBER || nmx_capture_frame(c->cap, n, &fr) != NMX_OK) {
            rc = NMERR_OUT_OF_RANGE;
            goto out;
        }
        int p = passes(s, c, n, &fr, RequestFlags, f, &rc);
        if (p < 0)
            goto out;
        if (!p) {
            rc = NMERR_FRAME_FAILED_FILTER;
            goto out;
        }
        found = n;
        have = true;
    } else {
        /* Walk forward from just after n (-1: from frame 0), or backward
         * from just before n (-1 or past the end: from the last frame). */
        bool fwd = Direction == GET_FRAME_NEXT_FORWARD;
        bool filtered = f || ((RequestFlags & FLAGS_DEFER_TO_UI_FILTER) && s->ui_filter);
        int64_t i = fwd ? (n == INVALID_FRAME_NUMBER ? 0 : (int64_t)n + 1)
                        : (n == INVALID_FRAME_NUMBER || !nmx_capture_has_frame(c->cap, n)
                               ? (int64_t)nmx__hcap_total(c) - 1
                               : (int64_t)n - 1);
        int sr = 2;
        if (fwd && filtered && i <= (int64_t)NMX_CAPTURE_MAX_FRAMES - 1) {
            sr = search(s, c, (uint64_t)i,
                        (RequestFlags & FLAGS_DEFER_TO_UI_FILTER) ? s->ui_filter : NULL, f, &fr,
                        &rc);
            if (sr < 0)
                goto out;
            if (sr == 1) {
                found = (uint32_t)fr.number;
                have = true;
            }
        }
        for (uint32_t k = 0; sr == 2 && i >= 0 && i <= (int64_t)NMX_CAPTURE_MAX_FRAMES - 1;
             i += fwd ? 1 : -1, k++) {
            if (k && k % TERM_CHECK_EVERY == 0 && terminating(s)) {
                rc = NMERR_EXPERT_TERMINATE;
                goto out;
            }
            if (nmx_capture_frame(c->cap, (uint64_t)i, &fr) != NMX_OK)
                break; /* past the last frame */
            if (fwd && filtered) /* most frames are looked at, not read */
                nmx_capture_prefetch_starts(c->cap, &fr, &s->pf_next);
            else if (fwd)
                nmx_capture_prefetch_next(c->cap, &fr, &s->pf_next);
            int p = passes(s, c, (uint32_t)i, &fr, RequestFlags, f, &rc);
            if (p < 0)
                goto out;
            if (p) {
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
    if (RequestFlags & FLAGS_ATTACH_PROPERTIES) {
        nmx_dissector *dis = nmx__session_dissect(s, c, found, &fr, true, &rc);
        if (!dis)
            goto out;
        d->lpRecognizeDataTable = nmx_dissect_recognized(dis);
        d->lpPropertyTable = nmx_dissect_properties(dis);
    }
    rc = NMERR_SUCCESS;
out:
    nmx__session_leave(s);
    return rc;
}
