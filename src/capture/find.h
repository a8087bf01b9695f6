/*
 * find.h: forward searches of a capture (private to the library; the host
 * uses them for filtered forward scans).
 *
 * A filtered scan looks at every frame and returns few. Read frame by frame
 * through nmx_capture_frame(), the work on each frame starts only once the
 * walk of an incremental capture has brought the frame's batch in, so that
 * work and the memory stream never overlap. A search runs its predicate
 * inside the walk instead, on each record as it is read, and keeps the
 * matches of the batch in a list that the searches after it answer from
 * (docs/capture-formats.md, "Searches").
 */
#ifndef NMX_CAPTURE_FIND_H
#define NMX_CAPTURE_FIND_H

#include <stdbool.h>
#include <stdint.h>

#include "nmexpert/capture.h"

/* The predicate: does the frame with these bytes match? Called with the
 * capture's walk locked: it must not call into the capture. */
typedef bool (*nmx__find_pred)(void *ctx, const uint8_t *data, uint32_t caplen,
                               uint32_t wirelen, uint32_t linktype);

/* Matches kept per batch: a walk that finds more stops at the last one. */
#define NMX__FIND_LIST 1024u

typedef struct nmx__find {
    /* Set by the caller before each search: the predicate, and a key that
     * names its verdicts (the same key, the same verdict on every frame):
     * a list made under another key is not used. */
    nmx__find_pred pred;
    void          *ctx;
    uint64_t       key[2];
    /* The search's own: the matches among frames [from, to) of the capture
     * with this serial (0: no list), made under lkey. */
    uint64_t       serial;
    uint64_t       lkey[2];
    uint64_t       from, to;
    uint32_t       head, count;
    uint64_t       num[NMX__FIND_LIST];
    uint64_t       at[NMX__FIND_LIST];   /* where each is (the reader's location) */
} nmx__find;

typedef enum nmx__find_result {
    NMX__FIND_FOUND,       /* *out is the frame                                   */
    NMX__FIND_MORE,        /* none among the `max` frames looked at: go on from *next */
    NMX__FIND_END,         /* none up to the end of the capture                   */
    NMX__FIND_UNSUPPORTED  /* no search for this capture: use nmx_capture_frame() */
} nmx__find_result;

/* The first frame from n that fl->pred accepts, looking at about `max`
 * frames at most (a walked batch is looked at whole). *out is filled as
 * nmx_capture_frame() fills it. One search at a time per nmx__find;
 * any number per capture, from any thread. */
nmx__find_result nmx__capture_find(const nmx_capture *cap, uint64_t n, uint64_t max,
                                   nmx__find *fl, nmx_frame *out, uint64_t *next);

#endif
