/*
 * pcap.c: the classic pcap format.
 *
 * File header (24 bytes): magic, version major/minor (u16), thiszone (i32),
 * sigfigs (u32), snaplen (u32), link type field (u32: bits 0-15 LINKTYPE_*,
 * 16-25 reserved, must be 0; 26-28 FCS information). Records: ts_sec,
 * ts_frac (µs or ns by magic), captured length, original length (u32 each),
 * then the data.
 *
 * Decisions: any 2.x version is read (2.4 is current; tshark reads 2.5, which
 * libpcap refuses) with a warning when it is not 2.4; versions before 2.3
 * stored the two lengths in the other order (swapped here, always before 2.3
 * and when captured > original for 2.3). thiszone is ignored, as libpcap and
 * Wireshark do. The header snaplen is informational: 0 or huge is accepted.
 *
 * Variants with longer record headers (the extra bytes are skipped; the
 * first 16 are the usual ones), as old patched tcpdumps wrote them and
 * editcap still does (-F modpcap, rh6_1pcap, suse6_3pcap, nokiapcap):
 *   magic 0xa1b2cd34 ("modified"): 24-byte records (interface index,
 *     protocol, packet type, pad; libpcap reads these), or 28 (SuSE 6.3);
 *   magic 0xa1b2c3d4: 24-byte records (Red Hat 6.1) or 20 (Nokia IPSO).
 * Nothing in the header tells them apart: the first records decide (see
 * pcap_choose_rec_len).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/internal.h"

#define PCAP_HDR_LEN        24u
#define PCAP_REC_LEN        16u
#define PCAP_MAGIC_US       UINT32_C(0xa1b2c3d4)
#define PCAP_MAGIC_NS       UINT32_C(0xa1b23c4d)
#define PCAP_MAGIC_MOD      UINT32_C(0xa1b2cd34) /* "modified" pcap, µs */
#define PCAP_LT_RESERVED    UINT32_C(0x03FF0000)

static uint32_t bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static nmx_probe_result pcap_probe(nmx_capture *cap, nmx_diag *diag)
{
    (void)diag;
    uint32_t m;
    if (!nmx_cur_u32le(&cap->cur, 0, &m))
        return NMX_PROBE_NOT_MINE;
    if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS || m == PCAP_MAGIC_MOD ||
        bswap32(m) == PCAP_MAGIC_US || bswap32(m) == PCAP_MAGIC_NS ||
        bswap32(m) == PCAP_MAGIC_MOD)
        return NMX_PROBE_MINE;
    return NMX_PROBE_NOT_MINE;
}

static void pcap_lengths(const nmx_capture *cap, const uint8_t *rec, uint32_t *caplen,
                         uint32_t *len)
{
    uint32_t c = nmx_ld32(rec + 8, cap->big_endian);
    uint32_t l = nmx_ld32(rec + 12, cap->big_endian);
    if (cap->swap_lengths == 1 || (cap->swap_lengths == 2 && c > l)) {
        uint32_t t = c;
        c = l;
        l = t;
    }
    *caplen = c;
    *len = l;
}

/* The seconds of the first record (its first 8 bytes must be there). */
static bool first_record_sec(const nmx_capture *cap, uint32_t *sec)
{
    nmx_cursor c = nmx_cursor_make(cap->cur.base, cap->cur.size, cap->big_endian);
    return nmx_cur_has(&c, PCAP_HDR_LEN, 8) && nmx_cur_u32(&c, PCAP_HDR_LEN, sec);
}

static int64_t pcap_time(const nmx_capture *cap, const uint8_t *rec)
{
    int64_t sec = (int64_t)nmx_ld32(rec, cap->big_endian);
    int64_t frac = (int64_t)nmx_ld32(rec + 4, cap->big_endian);
    return sec * NMX_NS_PER_SEC + (cap->ts_nano ? frac : frac * 1000);
}

/* ---- the index walk ------------------------------------------------------
 *
 * Records are chained by their lengths, so the index is one walk from the
 * first record to the end. The walk is a chain of dependent loads: it keeps
 * the next 4 KiB of the file requested from memory (measured best here;
 * prefetches are hints and never fault).
 *
 * On a large file and a machine with two or more CPUs the walk is split in
 * two: a plausible record boundary near the middle is guessed (a run of
 * PCAP_SYNC_RUN consecutive records that all look right), a second thread
 * walks from there to the end while this one walks from the start, and the
 * halves are joined only if the first walk lands exactly on the guessed
 * boundary. Otherwise the guess is dropped and the first walk simply goes on
 * to the end, so the result is always exactly that of one sequential walk.
 */

#define PCAP_SYNC_RUN     16u         /* records that must look right at a guess */
#define PCAP_SYNC_WINDOW  (1u << 20)  /* bytes searched for a guess */

struct walk {
    uint64_t *idx;         /* the offset of every NMX_PCAP_STRIDE-th frame of the walk */
    size_t n, cap;         /* entries */
    uint64_t frames;       /* frames walked */
    uint64_t split;        /* first frame of the second run of entries (joined walks) */
    uint64_t slots_a;      /* entries of the first run */
    uint64_t end;          /* offset where the walk stopped */
    nmx_err status;        /* NMX_OK, or the damage in d */
    bool oom;
    nmx_diag d;
};

static bool walk_push(struct walk *w, uint64_t off)
{
    if (w->frames % NMX_PCAP_STRIDE == 0) {
        if (w->n == w->cap) {
            size_t ncap = w->cap ? w->cap * 2 : 1024;
            uint64_t *p = realloc(w->idx, ncap * sizeof *p);
            if (!p) {
                w->oom = true;
                return false;
            }
            w->idx = p;
            w->cap = ncap;
        }
        w->idx[w->n++] = off;
    }
    w->frames++;
    return true;
}

/* Is the record at off (frame number `frames`) whole and within the
 * limits? NMX_OK with its captured length, or the damage in *d. */
static nmx_err pcap_record_ok(const nmx_capture *cap, uint64_t off, uint64_t frames,
                              uint32_t *caplen_out, uint32_t *len_out, nmx_diag *d)
{
    const uint64_t size = cap->cur.size;
    const uint32_t rl = cap->rec_len;
    if (size - off < rl)
        return nmx_cap_diag(cap, d, NMX_ETRUNCATED, off, size - off, rl,
                            "record header truncated: %llu bytes left, needs %u",
                            (unsigned long long)(size - off), rl);
    uint32_t caplen, len;
    pcap_lengths(cap, cap->cur.base + off, &caplen, &len);
    if (caplen > NMX_PCAP_MAX_SNAPLEN)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 8, caplen, NMX_PCAP_MAX_SNAPLEN,
                            "record captured length %u exceeds limit %u", caplen,
                            NMX_PCAP_MAX_SNAPLEN);
    if (size - off - rl < caplen)
        return nmx_cap_diag(cap, d, NMX_ETRUNCATED, off + rl, caplen, size - off - rl,
                            "record data truncated: captured length %u, %llu bytes left",
                            caplen, (unsigned long long)(size - off - rl));
    if (frames >= NMX_CAPTURE_MAX_FRAMES)
        return nmx_cap_diag(cap, d, NMX_ERANGE, off, frames, NMX_CAPTURE_MAX_FRAMES,
                            "more frames than the limit %llu",
                            (unsigned long long)NMX_CAPTURE_MAX_FRAMES);
    *caplen_out = caplen;
    *len_out = len;
    return NMX_OK;
}

/* Walks records from off while off < stop (UINT64_MAX: to the end),
 * handing the pages behind back to the kernel as it goes (source.c). */
static void pcap_walk(const nmx_capture *cap, uint64_t off, uint64_t stop, struct walk *w)
{
    const uint8_t *base = cap->cur.base;
    const uint64_t size = cap->cur.size;
    const uint32_t rl = cap->rec_len;
    uint64_t pf_next = off, done = off;
    w->status = NMX_OK;
    while (off < size && off < stop) {
        nmx_source_pass(&cap->src, &done, off);
        for (; pf_next < off + 4096 && pf_next < size; pf_next += 64)
            __builtin_prefetch(base + pf_next);
        uint32_t caplen = 0, len = 0;
        if ((w->status = pcap_record_ok(cap, off, w->frames, &caplen, &len, &w->d)) != NMX_OK)
            break;
        if (!walk_push(w, off))
            break;
        off += rl + caplen;
    }
    w->end = off;
}

enum run_verdict {
    RUN_CHAINS,    /* PCAP_SYNC_RUN records look right (or all, ending at the end) */
    RUN_TRUNCATED, /* the records look right up to where the file ends early */
    RUN_BAD        /* a record does not look right */
};

/* Do the records starting at off look right? (With to_end, a shorter run
 * that ends exactly at the end of the file chains too.) */
static enum run_verdict pcap_check_run(const nmx_capture *cap, uint64_t off, uint32_t first_sec,
                                       bool to_end)
{
    const uint64_t size = cap->cur.size;
    const uint32_t rl = cap->rec_len;
    const uint32_t frac_max = cap->ts_nano ? 1000000000u : 1000000u;
    for (unsigned k = 0; k < PCAP_SYNC_RUN; k++) {
        if (to_end && k > 0 && off == size)
            return RUN_CHAINS;
        if (off > size || size - off < rl)
            return RUN_TRUNCATED;
        const uint8_t *r = cap->cur.base + off;   /* rl bytes: checked above */
        uint32_t sec = nmx_ld32(r, cap->big_endian), frac = nmx_ld32(r + 4, cap->big_endian);
        uint32_t caplen, len;
        pcap_lengths(cap, r, &caplen, &len);
        /* within ten years of the first frame, fraction in range, lengths
         * sane and the record inside the file */
        uint32_t dsec = sec > first_sec ? sec - first_sec : first_sec - sec;
        if (dsec > 315360000u || frac >= frac_max || caplen > NMX_PCAP_MAX_SNAPLEN ||
            caplen > len)
            return RUN_BAD;
        if (size - off - rl < caplen)
            return RUN_TRUNCATED;
        off += rl + caplen;
    }
    return RUN_CHAINS;
}

/* Does a run of PCAP_SYNC_RUN records that look right start at off? */
static bool pcap_plausible_run(const nmx_capture *cap, uint64_t off, uint32_t first_sec)
{
    return pcap_check_run(cap, off, first_sec, false) == RUN_CHAINS;
}

/* Sets the record header length of this file (see the variants above). The
 * first layout of the magic is kept unless one of its first records is
 * plainly wrong: a file that merely ends early is a truncated file of that
 * layout (common), not evidence for another one (rare). So a variant file
 * with a single frame reads as the first layout, with a truncation warning
 * (Wireshark, which calls a partial record header a mismatch, reads it as
 * the variant, and a truncated usual file as a variant when the cut falls
 * right). */
static void pcap_choose_rec_len(nmx_capture *cap, bool modified)
{
    static const uint32_t usual[] = {PCAP_REC_LEN, 24, 20}, mod[] = {24, 28};
    const uint32_t *try = modified ? mod : usual;
    size_t n = modified ? 2 : 3;
    cap->rec_len = try[0];
    uint32_t first_sec;
    if (!first_record_sec(cap, &first_sec))
        return;
    if (pcap_check_run(cap, PCAP_HDR_LEN, first_sec, true) != RUN_BAD)
        return;
    for (size_t i = 1; i < n; i++) {
        cap->rec_len = try[i];
        if (pcap_check_run(cap, PCAP_HDR_LEN, first_sec, true) == RUN_CHAINS)
            return;
    }
    cap->rec_len = try[0]; /* none chains: the first layout reports the damage */
}

struct half {
    const nmx_capture *cap;
    uint64_t from;
    struct walk w;
};

static void *second_half(void *arg)
{
    struct half *h = arg;
    pcap_walk(h->cap, h->from, UINT64_MAX, &h->w);
    return NULL;
}

/* The index of the whole file, as one sequential walk would build it.
 * NMX_ENOMEM when memory ran out (w is then empty). */
static nmx_err pcap_index(const nmx_capture *cap, struct walk *w)
{
    memset(w, 0, sizeof *w);
    w->split = UINT64_MAX;
    const uint64_t size = cap->cur.size;
    struct half h;
    memset(&h, 0, sizeof h);
    pthread_t t;
    bool split = false;
    if (size >= nmx__parallel_min() && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
        size - PCAP_HDR_LEN >= 2 * (uint64_t)cap->rec_len) {
        uint32_t first_sec = 0;
        (void)first_record_sec(cap, &first_sec);
        uint64_t mid = PCAP_HDR_LEN + (size - PCAP_HDR_LEN) / 2;
        for (uint64_t o = mid; o < size && o < mid + PCAP_SYNC_WINDOW; o++)
            if (pcap_plausible_run(cap, o, first_sec)) {
                h.cap = cap;
                h.from = o;
                split = pthread_create(&t, NULL, second_half, &h) == 0;
                break;
            }
    }
    pcap_walk(cap, PCAP_HDR_LEN, split ? h.from : UINT64_MAX, w);
    if (split) {
        pthread_join(t, NULL);
        /* a second half that reaches the frame limit (alone or together)
         * is not joined: the sequential walk below then stops at the exact
         * frame and offset one walk would have */
        bool joined = w->status == NMX_OK && !w->oom && w->end == h.from &&
                      h.w.status != NMX_ERANGE &&
                      w->frames + h.w.frames <= NMX_CAPTURE_MAX_FRAMES;
        if (joined) { /* the second run of entries starts at its first frame */
            w->split = w->frames;
            w->slots_a = w->n;
            w->frames += h.w.frames;
        }
        if (joined && h.w.n) { /* append the second half */
            size_t need = w->n + h.w.n;
            uint64_t *p = w->cap >= need ? w->idx : realloc(w->idx, need * sizeof *p);
            if (!p) {
                w->oom = true;
            } else {
                w->idx = p;
                w->cap = w->cap >= need ? w->cap : need;
                memcpy(w->idx + w->n, h.w.idx, h.w.n * sizeof *p);
                w->n = need;
            }
        }
        if (joined && !w->oom) {
            w->oom = h.w.oom;
            w->status = h.w.status;
            w->d = h.w.d;
            w->end = h.w.end;
        }
        free(h.w.idx);
        if (!joined && w->status == NMX_OK && !w->oom)
            pcap_walk(cap, w->end, UINT64_MAX, w); /* the guess was wrong: go on */
    }
    if (w->oom) {
        free(w->idx);
        memset(w, 0, sizeof *w);
        return NMX_ENOMEM;
    }
    if (w->split == UINT64_MAX) {
        w->split = w->frames;
        w->slots_a = w->n;
    }
    return NMX_OK;
}

/* ---- the incremental index (NMX_CAPTURE_INCREMENTAL) ----------------------
 *
 * The same walk, done as far as frames are asked for, in batches of
 * PCAP_LAZY_BATCH bytes: a forward scan takes the walk's lock once per
 * batch, and the batch's records (requested from memory as the walk goes)
 * are in the cache when the scan copies them, so the file crosses the
 * memory bus once. The entries go into reserved address space sized for
 * the most records the file can hold, so they never move and readers that
 * asked for a frame below the published count read them without a lock.
 */

#define PCAP_LAZY_BATCH (256u << 10) /* NMX_CAPTURE_BATCH (bytes) in the environment */

static uint64_t pcap_limit(const nmx_capture *cap)
{
    return cap->cur.size > PCAP_HDR_LEN ? (cap->cur.size - PCAP_HDR_LEN) / cap->rec_len : 0;
}

/* The walk of an incremental capture from *off (frame *n) while off <
 * stop and frames up to want or the rest of the batch are wanted; a stop
 * request (*halt non-zero) is looked at once a batch. With a search (fl,
 * find.h), the frames from fl->from it walks are given to its predicate as
 * they are read, and the matches go into its list; a full list ends the
 * walk after its last match. */
static nmx_err lazy_walk(nmx_capture *cap, uint64_t *off_io, uint64_t *n_io, uint64_t stop,
                         uint64_t want, uint64_t batch_end, uint64_t *pf_next, uint64_t *done,
                         const volatile int *halt, nmx_diag *d, nmx__find *fl)
{
    const uint8_t *base = cap->cur.base;
    const uint64_t size = cap->cur.size;
    const uint32_t rl = cap->rec_len;
    uint64_t off = *off_io, n = *n_io;
    nmx_err st = NMX_OK;
    uint64_t check_at = batch_end;
    uint64_t *ring = cap->share ? cap->ring : NULL; /* the leader of a shared walk */
    uint64_t chunk = UINT64_MAX; /* (a search: the last chunk counted as in use) */
    while (off < size && off < stop && (n <= want || off < batch_end)) {
        if (halt && off >= check_at) {
            if (__atomic_load_n(halt, __ATOMIC_RELAXED))
                break;
            check_at = off + cap->lazy_batch;
        }
        nmx_source_pass(&cap->src, done, off);
        for (; *pf_next < off + 4096 && *pf_next < size; *pf_next += 64)
            __builtin_prefetch(base + *pf_next);
        uint32_t caplen = 0, len = 0;
        if ((st = pcap_record_ok(cap, off, n, &caplen, &len, d)) != NMX_OK)
            break;
        if (n % NMX_PCAP_STRIDE == 0)
            cap->index[n / NMX_PCAP_STRIDE] = off;
        if (ring)
            nmx__ring_put(ring, cap->ring_bits, n, off);
        if (fl && nmx__find_walked(fl, cap, &chunk, n, off, off, rl + caplen, base + off + rl,
                                   caplen, len, cap->linktype)) {
            n++;
            off += rl + caplen;
            break;
        }
        n++;
        off += rl + caplen;
    }
    *off_io = off;
    *n_io = n;
    return st;
}

/* A second walker for the rest of a large file from a plausible record
 * boundary near the middle of [off, size), as at open (pcap_index). */
static bool lazy_second_half(nmx_capture *cap, uint64_t off, struct half *h, pthread_t *t)
{
    const uint64_t size = cap->cur.size;
    if (size - off < nmx__parallel_min() || size - off < 2 * (uint64_t)cap->rec_len ||
        sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
        __atomic_load_n(&cap->idx_split, __ATOMIC_RELAXED) != UINT64_MAX)
        return false;
    uint32_t first_sec = 0;
    (void)first_record_sec(cap, &first_sec);
    uint64_t mid = off + (size - off) / 2;
    for (uint64_t o = mid; o < size && o < mid + PCAP_SYNC_WINDOW; o++)
        if (pcap_plausible_run(cap, o, first_sec)) {
            memset(h, 0, sizeof *h);
            h->cap = cap;
            h->from = o;
            return pthread_create(t, NULL, second_half, h) == 0;
        }
    return false;
}

/* pcap_extend, for a search too (fl, may be NULL): when the walk starts at
 * or before frame want, fl's list is made anew for the frames from want it
 * walks (see lazy_walk); otherwise fl is left as it was. */
static void pcap_extend_with(nmx_capture *cap, uint64_t want, const volatile int *stop,
                             nmx__find *fl)
{
    nmx__cap_lazy_lock(cap);
    uint64_t n = cap->nframes, off = cap->lazy_next;
    if (__atomic_load_n(&cap->lazy_done, __ATOMIC_RELAXED) || n > want) {
        nmx__cap_lazy_unlock(cap);
        return;
    }
    if (fl)
        nmx__find_begin(fl, cap, want);
    const uint64_t size = cap->cur.size;
    /* a long walk (a frame far ahead, the count) releases what lies behind
     * it, as the indexing pass at open does; so does the walk of a shared
     * capture's leader, a batch at a time (nmx_capture_walk) */
    const uint64_t start = off;
    uint64_t pf_next = off, done = cap->share ? cap->lazy_released : off;
    uint64_t batch_end = off + cap->lazy_batch;
    nmx_diag d;
    /* The rest of the file at once (the count, the last frame): on a large
     * file two walkers, joined as at open only if the first lands exactly
     * where the second began; otherwise the first goes on alone. */
    struct half h;
    pthread_t t;
    /* (not for a walk in the background, which a stop request may end:
     * it leaves the other CPUs to the sessions) */
    bool split = !fl && want == UINT64_MAX && !stop && lazy_second_half(cap, off, &h, &t);
    bool publishing = false;
    nmx_err st = lazy_walk(cap, &off, &n, split ? h.from : UINT64_MAX, want, batch_end, &pf_next,
                           &done, stop, &d, fl);
    if (split) {
        pthread_join(t, NULL);
        uint64_t slots_a = (n + NMX_PCAP_STRIDE - 1) / NMX_PCAP_STRIDE;
        bool joined = st == NMX_OK && off == h.from && !h.w.oom && h.w.status != NMX_ERANGE &&
                      n + h.w.frames <= NMX_CAPTURE_MAX_FRAMES &&
                      slots_a + h.w.n <= cap->index_cap;
        if (joined) {
            nmx__cap_publish_begin(); /* the split is part of what is published */
            publishing = true;
            /* the second run of entries starts at its first frame; readers
             * of frames below n (published) keep finding them in the first */
            if (h.w.n)
                memcpy(cap->index + slots_a, h.w.idx, h.w.n * sizeof *cap->index);
            __atomic_store_n(&cap->idx_slots_a, slots_a, __ATOMIC_RELAXED);
            __atomic_store_n(&cap->idx_split, n, __ATOMIC_RELAXED);
            n += h.w.frames;
            off = h.w.end;
            st = h.w.status;
            d = h.w.d;
        }
        free(h.w.idx);
        if (!joined && st == NMX_OK) /* the guess was wrong: go on */
            st = lazy_walk(cap, &off, &n, UINT64_MAX, want, batch_end, &pf_next, &done, NULL,
                           &d, NULL);
    }
    if (!publishing)
        nmx__cap_publish_begin();
    cap->lazy_next = off;
    cap->lazy_released = done;
    /* the last batch's bytes were requested from memory as the walk went */
    uint64_t hot = off - start > cap->lazy_batch ? off - cap->lazy_batch : start;
    __atomic_store_n(&cap->lazy_hot, hot, __ATOMIC_RELAXED);
    if (st != NMX_OK) {
        __atomic_store_n(&cap->nframes, n, __ATOMIC_RELEASE); /* for the message */
        (void)nmx_cap_damage(cap, &d, NULL); /* not strict: a warning */
    }
    __atomic_store_n(&cap->nframes, n, __ATOMIC_RELEASE);
    if (st != NMX_OK || off >= size)
        __atomic_store_n(&cap->lazy_done, true, __ATOMIC_RELEASE);
    if (cap->share)
        nmx__share_publish_walk(cap, off, st != NMX_OK);
    nmx__cap_publish_end();
    if (fl)
        fl->to = n;
    nmx__cap_lazy_unlock(cap);
}

static void pcap_extend(nmx_capture *cap, uint64_t want, const volatile int *stop)
{
    pcap_extend_with(cap, want, stop, NULL);
}

static nmx_err pcap_open_incremental(nmx_capture *cap, nmx_diag *diag)
{
    /* + 2: a count walked in two runs may start one partly filled entry
     * more (see pcap_extend) */
    uint64_t slots = pcap_limit(cap) / NMX_PCAP_STRIDE + 2;
    size_t len = (size_t)(slots * sizeof *cap->index);
    void *m = cap->flags & NMX_CAPTURE_SHARE_WALK ? nmx__share_reserve(cap, len) : NULL;
    if (!m) /* private (also when no shared memory could be made) */
        m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
    if (m == MAP_FAILED)
        return nmx_cap_diag(cap, diag, NMX_ENOMEM, UINT64_MAX, 0, 0,
                            "out of address space for the index");
    cap->index = m;
    cap->index_map_len = len;
    cap->index_cap = slots;
    cap->lazy = true;
    cap->lazy_next = PCAP_HDR_LEN;
    const char *b = getenv("NMX_CAPTURE_BATCH"); /* tests: small batches on small files */
    cap->lazy_batch = b && *b ? strtoull(b, NULL, 10) : PCAP_LAZY_BATCH;
    cap->idx_split = UINT64_MAX; /* one run of entries */
    cap->idx_slots_a = 0;
    pcap_extend(cap, 0, NULL); /* the first batch: the start time, early damage */
    if (cap->nframes) {
        cap->has_start = true;
        cap->start_ns = pcap_time(cap, cap->cur.base + cap->index[0]);
    }
    return NMX_OK;
}

static nmx_err pcap_open(nmx_capture *cap, nmx_diag *diag)
{
    const nmx_cursor *c = &cap->cur;
    uint32_t m = 0;
    (void)nmx_cur_u32le(c, 0, &m);   /* the probe found the magic there */
    cap->big_endian = !(m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS || m == PCAP_MAGIC_MOD);
    uint32_t magic = cap->big_endian ? bswap32(m) : m;
    cap->ts_nano = magic == PCAP_MAGIC_NS;
    cap->format = NMX_FORMAT_PCAP;
    snprintf(cap->format_name, sizeof cap->format_name, "pcap (%s, %s%s)",
             cap->ts_nano ? "ns" : "\xc2\xb5s", cap->big_endian ? "big-endian" : "little-endian",
             magic == PCAP_MAGIC_MOD ? ", modified" : "");
    if (!nmx_cur_has(c, 0, PCAP_HDR_LEN))
        return nmx_cap_diag(cap, diag, NMX_ETRUNCATED, 0, c->size, PCAP_HDR_LEN,
                            "pcap file header truncated: %llu bytes, needs %u",
                            (unsigned long long)c->size, PCAP_HDR_LEN);
    nmx_cursor hc = nmx_cursor_make(c->base, c->size, cap->big_endian);
    uint16_t vmaj = 0, vmin = 0;
    uint32_t snaplen = 0, ltfield = 0;
    (void)nmx_cur_u16(&hc, 4, &vmaj);
    (void)nmx_cur_u16(&hc, 6, &vmin);
    (void)nmx_cur_u32(&hc, 16, &snaplen);
    (void)nmx_cur_u32(&hc, 20, &ltfield);
    cap->ver_major = vmaj;
    cap->ver_minor = vmin;
    if (vmaj != 2)
        return nmx_cap_diag(cap, diag, NMX_EUNSUPPORTED, 4, vmaj, 2,
                            "pcap version %u.%u unsupported (major version must be 2)", vmaj,
                            vmin);
    if (ltfield & PCAP_LT_RESERVED)
        return nmx_cap_diag(cap, diag, NMX_ECORRUPT, 20, ltfield & PCAP_LT_RESERVED, 0,
                            "pcap link type field 0x%08x has reserved bits 0x%08x set", ltfield,
                            ltfield & PCAP_LT_RESERVED);
    if (vmin != 4) {
        nmx_diag w;
        nmx_cap_diag(cap, &w, NMX_OK, 6, vmin, 4, "pcap version 2.%u (expected 2.4); read as 2.4%s",
                     vmin, vmin <= 3 ? " with the length fields of older versions" : "");
        nmx_cap_warn(cap, &w);
    }
    cap->swap_lengths = vmin < 3 ? 1 : vmin == 3 ? 2 : 0;
    pcap_choose_rec_len(cap, magic == PCAP_MAGIC_MOD);
    static const char *const variant[] = {[16] = "", [20] = ", Nokia records",
                                          [24] = ", 24-byte records", [28] = ", SuSE 6.3 records"};
    snprintf(cap->format_name, sizeof cap->format_name, "pcap (%s, %s%s%s)",
             cap->ts_nano ? "ns" : "\xc2\xb5s", cap->big_endian ? "big-endian" : "little-endian",
             magic == PCAP_MAGIC_MOD ? ", modified" : "", variant[cap->rec_len]);
    cap->linktype = ltfield & 0xFFFFu;
    cap->snaplen = snaplen;
    cap->mac_type = nmx_mac_type_of_linktype(cap->linktype);
    nmx_cap_note_linktype(cap, cap->linktype);

    cap->ifaces = calloc(1, sizeof *cap->ifaces);
    if (!cap->ifaces)
        return nmx_cap_diag(cap, diag, NMX_ENOMEM, UINT64_MAX, 0, 0, "out of memory");
    cap->nifaces = 1;
    cap->ifaces[0].pub.linktype = cap->linktype;
    cap->ifaces[0].pub.snaplen = snaplen;
    cap->ifaces[0].pub.tsresol = cap->ts_nano ? 9 : 6;

    if ((cap->flags & NMX_CAPTURE_INCREMENTAL) && !(cap->flags & NMX_CAPTURE_STRICT))
        return pcap_open_incremental(cap, diag);

    struct walk w;
    nmx_err e = pcap_index(cap, &w);
    if (e != NMX_OK)
        return nmx_cap_diag(cap, diag, e, UINT64_MAX, 0, 0, "out of memory for the index");
    cap->index = w.idx;
    cap->index_cap = w.cap;
    cap->nframes = w.frames;
    cap->idx_split = w.split;
    cap->idx_slots_a = w.slots_a;
    if (w.frames) {
        cap->has_start = true;
        cap->start_ns = pcap_time(cap, c->base + w.idx[0]);
    }
    if (w.status != NMX_OK)
        return nmx_cap_damage(cap, &w.d, diag);
    return NMX_OK;
}

/* The record offsets of one index entry's frames that this thread decoded
 * last, found one record after the other as they are asked for: a forward
 * scan pays one step from the frame before (whose header it just read), a
 * backward scan walks each entry's records once, and the frame before the
 * current one (time deltas) comes without a walk. Keyed by the capture's
 * serial, which is never reused in a process. */
static __thread struct pcap_group {
    uint64_t serial;
    uint64_t first;   /* frame number of off[0] */
    uint32_t size;    /* frames of the entry */
    uint32_t count;   /* decoded so far */
    uint64_t off[NMX_PCAP_STRIDE];
} tl_group __attribute__((tls_model("initial-exec")));

static uint64_t pcap_offset(const nmx_capture *cap, uint64_t n)
{
    uint64_t r;
    if (nmx__ring_get(cap, n, &r))
        return r;
    struct pcap_group *g = &tl_group;
    if (g->serial != cap->serial || n - g->first >= g->size) {
        uint64_t first, end, slot = nmx__index_group(cap, n, &first, &end);
        g->serial = cap->serial;
        g->first = first;
        g->size = (uint32_t)(end - first);
        g->count = 1;
        g->off[0] = cap->index[slot];
    }
    uint32_t want = (uint32_t)(n - g->first);
    /* the records between entries were checked by the walk: their lengths
     * chain inside the file */
    while (g->count <= want) {
        uint64_t off = g->off[g->count - 1];
        uint32_t caplen, len;
        pcap_lengths(cap, cap->cur.base + off, &caplen, &len);
        g->off[g->count++] = off + cap->rec_len + caplen;
    }
    return g->off[want];
}

/* Fills the frame whose record is at off (out cleared by the caller). */
static void pcap_fill(const nmx_capture *cap, uint64_t off, nmx_frame *out)
{
    const uint8_t *rec = cap->cur.base + off;   /* validated when indexed */
    uint32_t caplen, len;
    pcap_lengths(cap, rec, &caplen, &len);
    out->ts_ns = pcap_time(cap, rec);
    out->caplen = caplen;
    out->wirelen = len;
    out->data = rec + cap->rec_len;
    out->linktype = cap->linktype;
    out->mac_type = (uint16_t)cap->mac_type;
    out->offset = off;
}

static void pcap_frame(const nmx_capture *cap, uint64_t n, nmx_frame *out)
{
    pcap_fill(cap, pcap_offset(cap, n), out);
}

/* Searches (find.h): a frame's location is its record's offset. */

static void pcap_walk_find(nmx_capture *cap, uint64_t want, nmx__find *fl)
{
    pcap_extend_with(cap, want, NULL, fl);
}

static uint64_t pcap_next(const nmx_capture *cap, uint64_t off)
{
    uint32_t caplen, len;
    pcap_lengths(cap, cap->cur.base + off, &caplen, &len);
    return off + cap->rec_len + caplen;
}

static void pcap_peek(const nmx_capture *cap, uint64_t off, nmx__find_view *v)
{
    const uint8_t *rec = cap->cur.base + off;
    pcap_lengths(cap, rec, &v->caplen, &v->wirelen);
    v->data = rec + cap->rec_len;
    v->linktype = cap->linktype;
    v->offset = off;
}

const nmx_reader nmx_reader_pcap = { "pcap",         pcap_probe,  pcap_open,
                                      pcap_frame,     pcap_extend, pcap_limit,
                                      pcap_walk_find, pcap_offset, pcap_next,
                                      pcap_peek,      pcap_fill };
