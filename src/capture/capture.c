/*
 * capture.c: the capture object: open, close, queries, and the helpers the
 * readers share (diagnostics, warnings, index growth).
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "capture/internal.h"

nmx_err nmx_cap_diag(const nmx_capture *cap, nmx_diag *diag, nmx_err code, uint64_t off,
                     uint64_t value, uint64_t limit, const char *fmt, ...)
{
    if (!diag)
        return code;
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (off == UINT64_MAX)
        return nmx_diag_set(diag, code, off, value, limit, "%s: %s", cap->name, text);
    return nmx_diag_set(diag, code, off, value, limit, "%s: offset %llu: %s", cap->name,
                        (unsigned long long)off, text);
}

void nmx_cap_warn(nmx_capture *cap, const nmx_diag *d)
{
    if (cap->nwarnings < NMX_CAPTURE_MAX_WARNINGS)
        cap->warnings[cap->nwarnings] = *d;
    cap->nwarnings++;
}

nmx_err nmx_cap_damage_at(nmx_capture *cap, nmx_diag *d, nmx_diag *diag, size_t at)
{
    size_t used = strlen(d->msg);
    snprintf(d->msg + used, sizeof d->msg - used, "; read %llu frame%s before it",
             (unsigned long long)cap->nframes, cap->nframes == 1 ? "" : "s");
    if (cap->flags & NMX_CAPTURE_STRICT) {
        if (diag)
            *diag = *d;
        return d->code;
    }
    if (at >= cap->nwarnings) {
        nmx_cap_warn(cap, d);
        return NMX_OK;
    }
    if (at < NMX_CAPTURE_MAX_WARNINGS) {
        size_t stored = cap->nwarnings < NMX_CAPTURE_MAX_WARNINGS ? cap->nwarnings
                                                                  : NMX_CAPTURE_MAX_WARNINGS - 1;
        memmove(&cap->warnings[at + 1], &cap->warnings[at], (stored - at) * sizeof *d);
        cap->warnings[at] = *d;
    }
    cap->nwarnings++;
    return NMX_OK;
}

nmx_err nmx_cap_damage(nmx_capture *cap, nmx_diag *d, nmx_diag *diag)
{
    return nmx_cap_damage_at(cap, d, diag, SIZE_MAX);
}

nmx_err nmx_cap_index_push(nmx_capture *cap, uint64_t entry)
{
    if (cap->nframes == cap->index_cap) {
        if (cap->nframes >= NMX_CAPTURE_MAX_FRAMES)
            return NMX_ERANGE;
        uint64_t ncap = cap->index_cap ? cap->index_cap * 2 : 1024;
        if (ncap > NMX_CAPTURE_MAX_FRAMES)
            ncap = NMX_CAPTURE_MAX_FRAMES;
        if (ncap > SIZE_MAX / sizeof *cap->index)
            return NMX_ENOMEM;
        uint64_t *p = realloc(cap->index, (size_t)ncap * sizeof *p);
        if (!p)
            return NMX_ENOMEM;
        cap->index = p;
        cap->index_cap = ncap;
    }
    cap->index[cap->nframes++] = entry;
    return NMX_OK;
}

uint64_t nmx__parallel_min(void)
{
    const char *e = getenv("NMX_CAPTURE_PARALLEL_MIN");
    return e && *e ? strtoull(e, NULL, 10) : UINT64_C(32) << 20;
}

unsigned nmx_mac_type_of_linktype(uint32_t lt)
{
    switch (lt) {
    case 1:  return NMX_MAC_TYPE_ETHERNET;   /* LINKTYPE_ETHERNET */
    case 6:  return NMX_MAC_TYPE_TOKENRING;  /* LINKTYPE_IEEE802_5 */
    case 10: return NMX_MAC_TYPE_FDDI;       /* LINKTYPE_FDDI */
    default: return NMX_MAC_TYPE_UNKNOWN;
    }
}

static void capture_free(nmx_capture *cap)
{
    if (!cap)
        return;
    nmx_source_close(&cap->src);
    if (cap->share_map) {
        nmx__share_free(cap);
        if (cap->index_own)
            munmap(cap->index_own, cap->index_map_len);
    } else if (cap->index_map_len) {
        munmap(cap->index, cap->index_map_len);
    } else {
        free(cap->index);
    }
    free(cap->comment);
    free(cap->ng_pend);
    for (nmx_ng_text *t = cap->ng_texts, *o; t; t = o) {
        o = t->older;
        free(t);
    }
    if (cap->ng_sections_map)
        munmap(cap->sections, cap->ng_sections_map);
    else
        free(cap->sections);
    if (cap->ifaces) {
        size_t n = cap->ng_ifaces_hw > cap->nifaces ? cap->ng_ifaces_hw : cap->nifaces;
        for (size_t i = 0; i < n; i++)
            free(cap->ifaces[i].name_buf);
    }
    if (cap->ng_ifaces_map)
        munmap(cap->ifaces, cap->ng_ifaces_map);
    else
        free(cap->ifaces);
    free(cap->nm_comments);
    free(cap->nm_arena);
    free(cap->name);
    free(cap);
}

/* NULL (with diag set to NMX_ENOMEM) when out of memory. */
static nmx_capture *capture_new(const char *name, unsigned flags, nmx_diag *diag)
{
    nmx_capture *cap = calloc(1, sizeof *cap);
    if (cap)
        cap->name = strdup(name);
    if (!cap || !cap->name) {
        free(cap);
        nmx_diag_set(diag, NMX_ENOMEM, UINT64_MAX, 0, 0, "%s: out of memory", name);
        return NULL;
    }
    static _Atomic uint64_t serials;
    cap->serial = atomic_fetch_add(&serials, 1) + 1;
    cap->flags = flags;
    cap->share_fd = -1;
    return cap;
}

static nmx_err capture_finish_open(nmx_capture *cap, nmx_capture **out, nmx_diag *diag)
{
    cap->cur = nmx_cursor_make(cap->src.base, cap->src.size, false);
    nmx_err e = nmx_capture_probe(cap, diag);
    if (e == NMX_OK)
        e = cap->reader->open(cap, diag);
    if (e != NMX_OK) {
        capture_free(cap);
        return e;
    }
    nmx_source_done_indexing(&cap->src);
    if (diag)
        nmx_diag_set(diag, NMX_OK, UINT64_MAX, 0, 0, "%s", "");
    *out = cap;
    return NMX_OK;
}

nmx_err nmx_capture_open(const char *path, unsigned flags, nmx_capture **out, nmx_diag *diag)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return nmx_diag_set(diag, NMX_EINVAL, UINT64_MAX, 0, 0, "nmx_capture_open: NULL argument");
    nmx_capture *cap = capture_new(path, flags, diag);
    if (!cap)
        return NMX_ENOMEM;
    nmx_err e = nmx_source_open_file(&cap->src, path, diag);
    if (e != NMX_OK) {
        capture_free(cap);
        return e;
    }
    return capture_finish_open(cap, out, diag);
}

nmx_err nmx_capture_open_memory(const void *buf, size_t len, const char *name, unsigned flags,
                                nmx_capture **out, nmx_diag *diag)
{
    if (out)
        *out = NULL;
    if (!out || (!buf && len))
        return nmx_diag_set(diag, NMX_EINVAL, UINT64_MAX, 0, 0,
                            "nmx_capture_open_memory: NULL argument");
    nmx_capture *cap = capture_new(name ? name : "<memory>", flags, diag);
    if (!cap)
        return NMX_ENOMEM;
    nmx_source_memory(&cap->src, buf, len);
    return capture_finish_open(cap, out, diag);
}

void nmx_capture_close(nmx_capture *cap)
{
    capture_free(cap);
}

/* A walk publishes its progress in several fields (the frames, where the
 * walk stands, the index's split; a pcapng's sections, interfaces and
 * comment); a fork() between two of those stores would give the child a
 * walk state that is neither the old nor the new one, and a child that
 * walks on from it would number frames wrongly. So a fork() waits for the
 * publications in progress to end, and no publication starts while a
 * fork waits (pthread_atfork): a child always finds whole ones. */
static int pub_active;  /* (atomic) publications in progress */
static int pub_forking; /* (atomic) forks waiting for them */
static pthread_once_t pub_once = PTHREAD_ONCE_INIT;

/* (sequentially consistent: a publication that starts sees the fork
 * waiting, or the fork sees the publication) */
static void pub_prepare(void)
{
    __atomic_fetch_add(&pub_forking, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&pub_active, __ATOMIC_SEQ_CST))
        sched_yield();
}

static void pub_parent(void)
{
    __atomic_fetch_sub(&pub_forking, 1, __ATOMIC_SEQ_CST);
}

static void pub_child(void)
{
    /* this process has only the forking thread */
    __atomic_store_n(&pub_forking, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&pub_active, 0, __ATOMIC_SEQ_CST);
}

static void pub_register(void)
{
    (void)pthread_atfork(pub_prepare, pub_parent, pub_child);
}

void nmx__cap_publish_begin(void)
{
    pthread_once(&pub_once, pub_register);
    for (;;) {
        while (__atomic_load_n(&pub_forking, __ATOMIC_SEQ_CST))
            sched_yield();
        __atomic_fetch_add(&pub_active, 1, __ATOMIC_SEQ_CST);
        if (!__atomic_load_n(&pub_forking, __ATOMIC_SEQ_CST))
            return;
        __atomic_fetch_sub(&pub_active, 1, __ATOMIC_SEQ_CST);
    }
}

void nmx__cap_publish_end(void)
{
    __atomic_fetch_sub(&pub_active, 1, __ATOMIC_SEQ_CST);
}

/* The walk of an incremental capture is taken by one thread at a time,
 * under a lock that a forked child takes over (nmx__pid_lock): the walk
 * publishes its progress only when it ends, so what a thread cut off by
 * fork() left half done is walked again. */
void nmx__cap_lazy_lock(nmx_capture *cap)
{
    nmx__pid_lock(&cap->lazy_owner);
}

void nmx__cap_lazy_unlock(nmx_capture *cap)
{
    nmx__pid_unlock(&cap->lazy_owner);
}

bool nmx__cap_reach(const nmx_capture *cap, uint64_t n)
{
    if (n < nmx__cap_known(cap))
        return true;
    if (!cap->lazy || __atomic_load_n(&cap->lazy_done, __ATOMIC_ACQUIRE))
        return false;
    /* the walk changes only the capture's index state, which every reader
     * reads through the acquire of nframes: logically const */
    nmx_capture *w = (nmx_capture *)(uintptr_t)cap;
    /* a process forked from the one that walks reads what that walk
     * publishes, unless it had to take the walk over */
    if (!nmx__share_follower(cap) || !nmx__share_follow(w, n, NULL))
        cap->reader->extend(w, n, NULL);
    return n < nmx__cap_known(cap);
}

bool nmx_capture_walk(const nmx_capture *cap, const volatile int *stop)
{
    if (!cap)
        return false;
    nmx_capture *w = (nmx_capture *)(uintptr_t)cap;
    if (cap->lazy && !__atomic_load_n(&cap->lazy_done, __ATOMIC_ACQUIRE) &&
        !(stop && __atomic_load_n(stop, __ATOMIC_RELAXED))) {
        if (nmx__share_follower(cap) && nmx__share_follow(w, UINT64_MAX, stop)) {
            /* followed to the end (or stopped) */
        } else if (nmx__share_leader(cap)) {
            /* a batch at a time, each published to the followers as soon
             * as it is walked (a walk publishes when it ends) */
            nmx__share_active(w, true);
            while (!__atomic_load_n(&cap->lazy_done, __ATOMIC_ACQUIRE) &&
                   !(stop && __atomic_load_n(stop, __ATOMIC_RELAXED)))
                cap->reader->extend(w, nmx__cap_known(cap), stop);
            if (!__atomic_load_n(&cap->lazy_done, __ATOMIC_ACQUIRE)) {
                nmx__cap_lazy_lock(w);
                nmx__share_publish(w, cap->lazy_next, NMX_SHARE_STOPPED); /* followers go on alone */
                nmx__cap_lazy_unlock(w);
            }
            nmx__share_active(w, false);
        } else {
            cap->reader->extend(w, UINT64_MAX, stop);
        }
    }
    bool complete;
    (void)nmx_capture_frames_known(cap, &complete);
    return complete;
}

uint64_t nmx_capture_frame_count(const nmx_capture *cap)
{
    if (!cap)
        return 0;
    (void)nmx__cap_reach(cap, UINT64_MAX);
    return nmx__cap_known(cap);
}

uint64_t nmx_capture_frames_known(const nmx_capture *cap, bool *complete)
{
    if (complete)
        *complete = !cap || !cap->lazy || __atomic_load_n(&cap->lazy_done, __ATOMIC_ACQUIRE);
    return cap ? nmx__cap_known(cap) : 0;
}

uint64_t nmx_capture_frame_limit(const nmx_capture *cap)
{
    if (!cap)
        return 0;
    if (!cap->lazy || __atomic_load_n(&cap->lazy_done, __ATOMIC_ACQUIRE))
        return nmx__cap_known(cap);
    uint64_t l = cap->reader->limit(cap);
    return l < NMX_CAPTURE_MAX_FRAMES ? l : NMX_CAPTURE_MAX_FRAMES;
}

bool nmx_capture_has_frame(const nmx_capture *cap, uint64_t n)
{
    return cap && nmx__cap_reach(cap, n);
}

void nmx_capture_prefetch_next(const nmx_capture *cap, const nmx_frame *fr,
                               const uint8_t **cursor)
{
    if (cap && fr && cursor && fr->data)
        nmx__cap_look_ahead(cap, false, fr->number, fr->offset, fr->data + fr->caplen, cursor);
}

void nmx_capture_prefetch_starts(const nmx_capture *cap, const nmx_frame *fr,
                                 const uint8_t **cursor)
{
    if (cap && fr && cursor && fr->data)
        nmx__cap_look_ahead(cap, true, fr->number, fr->offset, fr->data + fr->caplen, cursor);
}

nmx_err nmx_capture_frame(const nmx_capture *cap, uint64_t n, nmx_frame *out)
{
    if (!cap || !out)
        return NMX_EINVAL;
    if (n >= nmx__cap_known(cap) && !nmx__cap_reach(cap, n))
        return NMX_ERANGE;
    memset(out, 0, sizeof *out);
    out->number = n;
    cap->reader->frame(cap, n, out);
    nmx__cap_touch_frame(cap, out);
    return NMX_OK;
}

/* ---- searches (find.h) -------------------------------------------------------
 *
 * A search at the walk's front has the reader walk the next batch with the
 * predicate (walk_find) and answers from the list of its matches; frames
 * walked already (by another search or reader, at open, or by the walk this
 * process follows) are looked at one after the other from the location of
 * the first (peek, next), with the look-ahead of
 * nmx_capture_prefetch_starts(). */

static nmx__find_result find_found(const nmx_capture *cap, uint64_t n, uint64_t at,
                                   nmx_frame *out)
{
    memset(out, 0, sizeof *out);
    out->number = n;
    cap->reader->fill(cap, at, out);
    nmx__cap_touch_frame(cap, out);
    return NMX__FIND_FOUND;
}

/* From fl's list: the first match at or after *n, or none (*n then moves
 * past the frames the list covers). */
static bool find_listed(nmx__find *fl, const nmx_capture *cap, uint64_t *n, uint64_t *m,
                        uint64_t *at)
{
    if (fl->serial != cap->serial || fl->lkey[0] != fl->key[0] || fl->lkey[1] != fl->key[1] ||
        *n < fl->from || *n >= fl->to)
        return false;
    if (fl->head >= fl->count || fl->num[fl->head] > *n)
        fl->head = 0; /* (a search from before the last one: from the start) */
    while (fl->head < fl->count && fl->num[fl->head] < *n)
        fl->head++;
    if (fl->head < fl->count) {
        *m = fl->num[fl->head];
        *at = fl->at[fl->head];
        return true;
    }
    *n = fl->to;
    return false;
}

nmx__find_result nmx__capture_find(const nmx_capture *cap, uint64_t n, uint64_t max,
                                   nmx__find *fl, nmx_frame *out, uint64_t *next)
{
    const nmx_reader *r = cap->reader;
    if (!r->walk_find)
        return NMX__FIND_UNSUPPORTED;
    uint64_t m, at, looked = 0;
    if (find_listed(fl, cap, &n, &m, &at))
        return find_found(cap, m, at, out);
    while (looked < max) {
        uint64_t known = nmx__cap_known(cap);
        if (n >= known) {
            if (cap->lazy && !__atomic_load_n(&cap->lazy_done, __ATOMIC_ACQUIRE) &&
                !nmx__share_follower(cap)) {
                /* at the walk's front: walk the next batch with the predicate */
                fl->serial = 0;
                uint64_t from = n;
                r->walk_find((nmx_capture *)(uintptr_t)cap, n, fl);
                if (find_listed(fl, cap, &n, &m, &at))
                    return find_found(cap, m, at, out);
                looked += n - from;
                if (n > from)
                    continue; /* walked, no match: on from its end */
                /* (another thread walked on first, or the walk is over) */
            }
            if (!nmx__cap_reach(cap, n))
                return NMX__FIND_END;
            known = nmx__cap_known(cap);
        }
        /* frames walked already: one after the other */
        uint64_t chunk = UINT64_MAX;
        const uint8_t *cursor = NULL;
        for (at = r->locate(cap, n); n < known && looked < max; n++, looked++) {
            nmx__find_view v;
            r->peek(cap, at, &v);
            nmx__cap_touch_chunk(cap, &chunk, v.offset,
                                 (uint64_t)(v.data - cap->src.base) + v.caplen - v.offset);
            nmx__cap_look_ahead(cap, true, n, v.offset, v.data + v.caplen, &cursor);
            if (fl->pred(fl->ctx, v.data, v.caplen, v.wirelen, v.linktype))
                return find_found(cap, n, at, out);
            /* (a shared walk's ring has the next frame's place: no load
             * that waits for this frame's record) */
            if (n + 1 < known)
                at = cap->ring ? r->locate(cap, n + 1) : r->next(cap, at);
        }
    }
    *next = n;
    return NMX__FIND_MORE;
}

nmx_capture_format nmx_capture_get_format(const nmx_capture *cap)
{
    return cap ? cap->format : NMX_FORMAT_UNKNOWN;
}

const char *nmx_capture_format_name(const nmx_capture *cap)
{
    return cap ? cap->format_name : "unknown";
}

const char *nmx_capture_name(const nmx_capture *cap)
{
    return cap ? cap->name : "";
}

void nmx_capture_version(const nmx_capture *cap, unsigned *major, unsigned *minor)
{
    if (major)
        *major = cap ? cap->ver_major : 0;
    if (minor)
        *minor = cap ? cap->ver_minor : 0;
}

uint64_t nmx_capture_size(const nmx_capture *cap)
{
    return cap ? cap->src.size : 0;
}

size_t nmx_capture_linktypes(const nmx_capture *cap, uint32_t *out, size_t max)
{
    if (!cap)
        return 0;
    size_t k = __atomic_load_n(&cap->nlinktypes, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < k && i < max; i++)
        out[i] = cap->linktypes[i];
    return k;
}

unsigned nmx_capture_mac_type(const nmx_capture *cap)
{
    return cap ? cap->mac_type : NMX_MAC_TYPE_UNKNOWN;
}

const char *nmx_capture_comment(const nmx_capture *cap, size_t *len)
{
    const char *c = NULL;
    size_t n = 0;
    if (cap && cap->format == NMX_FORMAT_PCAPNG) {
        /* (an incremental walk may publish a longer one meanwhile) */
        const nmx_ng_text *t = __atomic_load_n(&cap->ng_comment, __ATOMIC_ACQUIRE);
        if (t) {
            c = t->s;
            n = t->len;
        }
    } else if (cap && cap->comment_ptr) {
        c = cap->comment_ptr;
        n = cap->comment_len;
    }
    if (len)
        *len = n;
    return c;
}

nmx_err nmx_capture_start_time(const nmx_capture *cap, int64_t *ns)
{
    if (!cap || !ns)
        return NMX_EINVAL;
    if (!cap->has_start)
        return NMX_ENOTFOUND;
    *ns = cap->start_ns;
    return NMX_OK;
}

size_t nmx_capture_interface_count(const nmx_capture *cap)
{
    return cap ? __atomic_load_n(&cap->nifaces, __ATOMIC_ACQUIRE) : 0;
}

nmx_err nmx_capture_interface(const nmx_capture *cap, size_t i, nmx_interface *out)
{
    if (!cap || !out)
        return NMX_EINVAL;
    if (i >= nmx_capture_interface_count(cap))
        return NMX_ERANGE;
    *out = cap->ifaces[i].pub;
    return NMX_OK;
}

size_t nmx_capture_warning_count(const nmx_capture *cap)
{
    if (!cap)
        return 0;
    (void)nmx__cap_reach(cap, UINT64_MAX); /* damage is found by the walk */
    return cap->nwarnings;
}

const nmx_diag *nmx_capture_warning(const nmx_capture *cap, size_t i)
{
    if (!cap || i >= nmx_capture_warning_count(cap) || i >= NMX_CAPTURE_MAX_WARNINGS)
        return NULL;
    return &cap->warnings[i];
}
