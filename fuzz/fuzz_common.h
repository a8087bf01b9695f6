/*
 * fuzz_common.h: the body shared by the harnesses: open the input from
 * memory, walk everything the capture exposes, close; then open it again
 * with NMX_CAPTURE_INCREMENTAL and abort unless it holds exactly the same
 * (frames asked for from the end first, then in order; the count; the
 * warnings' texts; the comment, interfaces, link types and start time), in
 * batches of 256 KiB and of 40 bytes, and once with the count asked first
 * and its walk split in two halves from 64 bytes on; and opened without the
 * flag again, its walk split the same way. A forward search
 * (src/capture/find.h) with two predicates taking turns, each now and then
 * going back a few frames, must find exactly the frames a frame-by-frame
 * reading of the first open gives them, and leave the same warnings.
 */
#ifndef NMX_FUZZ_COMMON_H
#define NMX_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nmexpert/capture.h"
#include "capture/find.h"

/* Another open of buf (flags) holds what `ref` (indexed at open by one
 * walk) holds. */
static inline void nmx_fuzz_incremental(const uint8_t *buf, size_t size, const nmx_capture *ref,
                                        unsigned flags, bool count_first)
{
    nmx_capture *cap = NULL;
    nmx_diag d;
    if (nmx_capture_open_memory(buf, size, "fuzz", flags, &cap, &d) != NMX_OK)
        abort(); /* the same bytes opened without the flag */
    uint64_t n = nmx_capture_frame_count(ref);
    if (count_first && nmx_capture_frame_count(cap) != n)
        abort();
    if (nmx_capture_frame_limit(cap) < n)
        abort();
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = k == 0 && n ? n - 1 : k - 1; /* the last frame first */
        nmx_frame a, b;
        if (nmx_capture_frame(cap, i, &a) != NMX_OK || nmx_capture_frame(ref, i, &b) != NMX_OK ||
            a.data != b.data || a.caplen != b.caplen || a.wirelen != b.wirelen ||
            a.ts_ns != b.ts_ns || a.interface_id != b.interface_id ||
            a.comment_len != b.comment_len || (a.comment == NULL) != (b.comment == NULL) ||
            (a.comment_len && memcmp(a.comment, b.comment, a.comment_len)))
            abort(); /* (a Network Monitor comment is converted to UTF-8 per open) */
    }
    bool complete = false;
    if (nmx_capture_has_frame(cap, n) || nmx_capture_frame_count(cap) != n ||
        nmx_capture_frames_known(cap, &complete) != n || !complete)
        abort();
    size_t nw = nmx_capture_warning_count(ref);
    if (nmx_capture_warning_count(cap) != nw)
        abort();
    /* what the whole walk found besides the frames */
    int64_t s0 = 0, s1 = 0;
    if (nmx_capture_start_time(ref, &s0) != nmx_capture_start_time(cap, &s1) || s0 != s1 ||
        nmx_capture_mac_type(ref) != nmx_capture_mac_type(cap))
        abort();
    size_t la = 0, lb = 0;
    const char *ca = nmx_capture_comment(ref, &la), *cb = nmx_capture_comment(cap, &lb);
    if (la != lb || (la && memcmp(ca, cb, la)))
        abort();
    size_t ni = nmx_capture_interface_count(ref);
    if (nmx_capture_interface_count(cap) != ni)
        abort();
    for (size_t i = 0; i < ni; i++) {
        nmx_interface x, y;
        if (nmx_capture_interface(ref, i, &x) != NMX_OK ||
            nmx_capture_interface(cap, i, &y) != NMX_OK || x.linktype != y.linktype ||
            x.snaplen != y.snaplen || x.tsresol != y.tsresol || x.tsoffset_s != y.tsoffset_s ||
            x.section != y.section || (x.name == NULL) != (y.name == NULL) ||
            (x.name && strcmp(x.name, y.name)))
            abort();
    }
    uint32_t lta[64], ltb[64];
    size_t nl = nmx_capture_linktypes(ref, lta, 64);
    if (nmx_capture_linktypes(cap, ltb, 64) != nl ||
        memcmp(lta, ltb, (nl < 64 ? nl : 64) * sizeof *lta))
        abort();
    for (size_t i = 0; i < nw; i++) {
        const nmx_diag *x = nmx_capture_warning(ref, i), *y = nmx_capture_warning(cap, i);
        if ((x == NULL) != (y == NULL) || (x && (x->code != y->code || strcmp(x->msg, y->msg))))
            abort();
    }
    nmx_capture_close(cap);
}

/* Two predicates on a frame's bytes for the searches. */
static bool nmx_fuzz_pred_a(void *ctx, const uint8_t *d, uint32_t c, uint32_t w, uint32_t lt)
{
    (void)ctx;
    return ((c ? d[c / 2] : 0u) + w + lt) % 3u == 0;
}

static bool nmx_fuzz_pred_b(void *ctx, const uint8_t *d, uint32_t c, uint32_t w, uint32_t lt)
{
    (void)ctx;
    (void)d;
    (void)w;
    (void)lt;
    return (c & 1u) == 0;
}

/* Searches of another open of buf (flags) find what a frame-by-frame
 * reading of `ref` gives the same predicates. */
static inline void nmx_fuzz_search(const uint8_t *buf, size_t size, const nmx_capture *ref,
                                   unsigned flags)
{
    nmx_capture *cap = NULL;
    nmx_diag d;
    if (nmx_capture_open_memory(buf, size, "fuzz", flags, &cap, &d) != NMX_OK)
        abort();
    const uint64_t n = nmx_capture_frame_count(ref);
    nmx__find *fl[2] = {calloc(1, sizeof(nmx__find)), calloc(1, sizeof(nmx__find))};
    if (!fl[0] || !fl[1])
        abort();
    nmx__find_pred preds[2] = {nmx_fuzz_pred_a, nmx_fuzz_pred_b};
    uint64_t at[2] = {0, 0};
    bool done[2] = {false, false};
    for (unsigned call = 0; !done[0] || !done[1]; call++) {
        int k = done[0] ? 1 : done[1] ? 0 : (int)(call & 1);
        fl[k]->pred = preds[k];
        fl[k]->key[0] = (uint64_t)k + 1;
        uint64_t from = at[k];
        if (call % 7 == 6 && from > 3)
            from -= 3; /* back into what a list may cover */
        nmx_frame fr, rf;
        uint64_t next = 0;
        nmx__find_result r = nmx__capture_find(cap, from, 1 + call % 5, fl[k], &fr, &next);
        if (r == NMX__FIND_UNSUPPORTED)
            break;
        /* the first frame from `from` the predicate accepts, frame by frame */
        uint64_t want = from;
        for (; want < n; want++) {
            if (nmx_capture_frame(ref, want, &rf) != NMX_OK)
                abort();
            if (preds[k](NULL, rf.data, rf.caplen, rf.wirelen, rf.linktype))
                break;
        }
        if (r == NMX__FIND_FOUND) {
            if (want >= n || fr.number != want || fr.data != rf.data || fr.caplen != rf.caplen ||
                fr.wirelen != rf.wirelen || fr.ts_ns != rf.ts_ns || fr.offset != rf.offset ||
                fr.linktype != rf.linktype)
                abort();
            if (want + 1 > at[k])
                at[k] = want + 1;
        } else if (r == NMX__FIND_MORE) {
            if (next <= from || next > want)
                abort(); /* progress, and no match skipped */
            if (next > at[k])
                at[k] = next;
        } else { /* END */
            if (want < n)
                abort();
            done[k] = true;
        }
    }
    if (nmx_capture_frame_count(cap) != n || nmx_capture_warning_count(cap) !=
                                                 nmx_capture_warning_count(ref))
        abort();
    for (size_t i = 0; i < nmx_capture_warning_count(ref); i++) {
        const nmx_diag *x = nmx_capture_warning(ref, i), *y = nmx_capture_warning(cap, i);
        if ((x == NULL) != (y == NULL) || (x && (x->code != y->code || strcmp(x->msg, y->msg))))
            abort();
    }
    free(fl[0]);
    free(fl[1]);
    nmx_capture_close(cap);
}

enum { NMX_FUZZ_PCAP, NMX_FUZZ_PCAPNG, NMX_FUZZ_NETMON, NMX_FUZZ_ANY };

static volatile uint64_t nmx_fuzz_sink;

static inline int nmx_fuzz_one(const uint8_t *data, size_t size, int kind)
{
    /* An exact-size copy, so that any read past the end is caught, with the
     * format's magic forced in (the byte after the magic selects a variant). */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    static const uint8_t pcap_magics[6][4] = { /* µs, ns, modified; both byte orders */
        { 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },
        { 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
        { 0x34, 0xcd, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xcd, 0x34 } };
    if (size >= 4) {
        if (kind == NMX_FUZZ_PCAP)
            memcpy(buf, pcap_magics[data[0] % 6], 4);
        else if (kind == NMX_FUZZ_PCAPNG)
            memcpy(buf, "\x0a\x0d\x0d\x0a", 4);
        else if (kind == NMX_FUZZ_NETMON)
            memcpy(buf, (data[0] & 1) ? "RTSS" : "GMBU", 4);
    }
    for (unsigned flags = 0; flags < 2; flags++) {
        nmx_capture *cap = NULL;
        nmx_diag d;
        if (nmx_capture_open_memory(buf, size, "fuzz", flags ? NMX_CAPTURE_STRICT : 0, &cap, &d) != NMX_OK) {
            if (d.code == NMX_OK || d.msg[0] == '\0')
                abort();   /* every failure must explain itself */
            continue;
        }
        uint64_t sum = 0;
        uint64_t n = nmx_capture_frame_count(cap);
        for (uint64_t i = 0; i < n; i++) {
            nmx_frame f;
            if (nmx_capture_frame(cap, i, &f) != NMX_OK)
                abort();
            for (uint32_t k = 0; k < f.caplen; k++)
                sum += f.data[k];
            for (size_t k = 0; k < f.comment_len; k++)
                sum += (uint8_t)f.comment[k];
            if (f.netmon_record)
                sum += f.netmon_record[0];
            sum += (uint64_t)f.ts_ns;
        }
        nmx_frame f;
        if (nmx_capture_frame(cap, n, &f) != NMX_ERANGE)
            abort();
        for (size_t i = 0; i < nmx_capture_interface_count(cap); i++) {
            nmx_interface ifc;
            if (nmx_capture_interface(cap, i, &ifc) == NMX_OK && ifc.name)
                sum += strlen(ifc.name);
        }
        size_t clen;
        const char *c = nmx_capture_comment(cap, &clen);
        if (c && clen)
            sum += (uint8_t)c[clen - 1];
        for (size_t i = 0; i < nmx_capture_warning_count(cap); i++) {
            const nmx_diag *w = nmx_capture_warning(cap, i);
            if (w)
                sum += strlen(w->msg);
        }
        nmx_fuzz_sink = sum;
        if (!flags) {
            const unsigned inc = NMX_CAPTURE_INCREMENTAL;
            nmx_fuzz_incremental(buf, size, cap, inc, false);
            nmx_fuzz_search(buf, size, cap, inc);
            nmx_fuzz_search(buf, size, cap, 0);
            setenv("NMX_CAPTURE_BATCH", "40", 1); /* a walk of a record or two at a time */
            nmx_fuzz_incremental(buf, size, cap, inc, false);
            nmx_fuzz_search(buf, size, cap, inc);
            setenv("NMX_CAPTURE_PARALLEL_MIN", "64", 1); /* the count's walk split */
            nmx_fuzz_incremental(buf, size, cap, inc, true);
            nmx_fuzz_incremental(buf, size, cap, 0, false); /* the open's walk split */
            unsetenv("NMX_CAPTURE_PARALLEL_MIN");
            unsetenv("NMX_CAPTURE_BATCH");
        }
        nmx_capture_close(cap);
    }
    free(buf);
    return 0;
}

#endif
