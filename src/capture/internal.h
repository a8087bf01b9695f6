/*
 * internal.h: the capture object shared by the readers (private).
 */
#ifndef NMX_CAPTURE_INTERNAL_H
#define NMX_CAPTURE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmexpert/capture.h"
#include "base/cursor.h"
#include "capture/find.h"

#define NMX_NS_PER_SEC INT64_C(1000000000)

/* --- byte source (source.c) --------------------------------------------- */

/* A mapped file is released to the kernel in chunks of this size (a
 * multiple of the 2 MiB huge page, so whole large folios go at once). */
#define NMX_SOURCE_CHUNK    (UINT64_C(2) << 20)
/* Bytes released at once behind a pass (fewer, larger madvise calls: each
 * flushes the TLBs of every CPU the process runs on). */
#define NMX_SOURCE_BATCH    (UINT64_C(8) << 20)
/* Default bytes of a mapped file that may stay resident behind the frames
 * in use (NMX_CAPTURE_RESIDENT, bytes, changes it; 0 keeps everything). */
#define NMX_SOURCE_RESIDENT (UINT64_C(32) << 20)

/* One stream of accesses to a mapped file (the records, or a Network
 * Monitor frame table): which chunks it has mapped (one bit each, read
 * without the lock on the fast path) and, in the order they were first
 * touched, a ring of at most window / NMX_SOURCE_CHUNK of them: touching a
 * new chunk past that releases the oldest. */
typedef struct nmx_resident {
    uint64_t         *bits;   /* __atomic builtins */
    uint64_t         *ring;
    size_t            ring_len, ring_head, ring_count;
    int               owner;   /* pid of the process whose thread holds it, 0: free */
} nmx_resident;

enum { NMX_RES_RECORDS = 0, NMX_RES_TABLE = 1, NMX_RES_STREAMS = 2 };

typedef struct nmx_source {
    const uint8_t *base;
    uint64_t       size;
    void          *map;       /* mmap()ed region, or NULL */
    size_t         map_len;
    /* Bytes that may stay mapped per stream before what lies away from the
     * current access is released (0: never release: caller buffers, and
     * files no larger than the window). Released pages keep their
     * addresses: touched again, they are mapped again from the page cache,
     * so every pointer into the source stays valid until close. */
    uint64_t       window;
    nmx_resident  *res;       /* NMX_RES_STREAMS trackers, or NULL */
} nmx_source;

nmx_err nmx_source_open_file(nmx_source *s, const char *path, nmx_diag *diag);
void    nmx_source_memory(nmx_source *s, const void *buf, size_t len);
/* Tell the kernel the sequential indexing pass is over. */
void    nmx_source_done_indexing(nmx_source *s);
void    nmx_source_close(nmx_source *s);

void nmx__source_track(const nmx_source *s, nmx_resident *r, uint64_t c0, uint64_t c1);

/* A lock that survives fork(): the word holds the pid of the process whose
 * thread took it (0: free). Another thread of this process holding it is
 * waited for (sched_yield); a value left by another process is a lock
 * copied by fork() from a thread that does not exist here (hosts run
 * experts in forked children) and is taken over, so what the lock guards
 * must stay consistent at every point a holder can be cut off. For short,
 * rare sections. */
void nmx__pid_lock(int *word);
void nmx__pid_unlock(int *word);
static inline bool nmx__source_mapped(const nmx_resident *r, uint64_t c)
{
    return __atomic_load_n(&r->bits[c / 64], __ATOMIC_RELAXED) >> (c % 64) & 1;
}
/* An access to [off, off + len) of stream `stream`: a chunk touched for the
 * first time is counted, and when the stream holds more than the window the
 * chunk it first touched longest ago is handed back to the kernel.
 * Thread-safe; two bit tests when the chunks are already counted. */
static inline void nmx_source_touch(const nmx_source *s, int stream, uint64_t off, uint64_t len)
{
    if (!s->window || off >= s->size)
        return;
    nmx_resident *r = &s->res[stream];
    uint64_t end = len && off + len <= s->size ? off + len : s->size;
    uint64_t c0 = off / NMX_SOURCE_CHUNK, c1 = (end - 1) / NMX_SOURCE_CHUNK;
    if (nmx__source_mapped(r, c0) && nmx__source_mapped(r, c1))
        return;
    nmx__source_track(s, r, c0, c1);
}

/* A sequential pass over the source (building the index): *done is where
 * its release stands (start it at the pass's first offset). Releases what
 * lies more than a chunk behind off, keeping the first half window of the
 * file (the start of the scan that usually follows). */
void nmx__source_pass_release(const nmx_source *s, uint64_t *done, uint64_t off);
/* The offset from which the pass whose release stands at done releases
 * again (UINT64_MAX: it never does): a loop may keep it and call
 * nmx_source_pass only once it gets there. */
static inline uint64_t nmx_source_pass_at(const nmx_source *s, uint64_t done)
{
    return s->window ? done + NMX_SOURCE_BATCH + NMX_SOURCE_CHUNK : UINT64_MAX;
}
static inline void nmx_source_pass(const nmx_source *s, uint64_t *done, uint64_t off)
{
    if (off >= nmx_source_pass_at(s, *done))
        nmx__source_pass_release(s, done, off);
}

/* Frames per pcap and pcapng index entry: the records between two entries
 * are found by their lengths (8 bytes per 16 frames: 0.5 byte per frame). */
/* Files (or the rest of one) at least this large are walked by two threads
 * when a walk must reach the end at once (NMX_CAPTURE_PARALLEL_MIN, bytes,
 * in the environment: tests). */
uint64_t nmx__parallel_min(void);
#define NMX_INDEX_STRIDE 16u
#define NMX_PCAP_STRIDE  NMX_INDEX_STRIDE

/* --- readers --------------------------------------------------------------- */
typedef enum nmx_probe_result { NMX_PROBE_NOT_MINE = 0, NMX_PROBE_MINE, NMX_PROBE_ERROR } nmx_probe_result;

/* A frame as a search's predicate sees it (nmx_reader.peek). */
typedef struct nmx__find_view {
    const uint8_t *data;
    uint32_t       caplen, wirelen, linktype;
    uint64_t       offset;   /* of the record or block */
} nmx__find_view;

typedef struct nmx_reader {
    const char *name;
    /* Look at the first bytes only. ERROR fills diag (through cap). */
    nmx_probe_result (*probe)(nmx_capture *cap, nmx_diag *diag);
    /* Parse the header and build the index. */
    nmx_err (*open)(nmx_capture *cap, nmx_diag *diag);
    /* Fill a frame view; n < nframes is guaranteed. */
    void (*frame)(const nmx_capture *cap, uint64_t n, nmx_frame *out);
    /* Incremental captures (NMX_CAPTURE_INCREMENTAL; NULL: the reader
     * indexes at open): index at least through frame n (UINT64_MAX: to the
     * end), or until the end or damage; stop (may be NULL) non-zero ends a
     * long walk early, between batches, keeping what was walked.
     * Thread-safe. */
    void (*extend)(nmx_capture *cap, uint64_t n, const volatile int *stop);
    /* The most frames a capture of this size can hold (incremental). */
    uint64_t (*limit)(const nmx_capture *cap);
    /* Searches (find.h; NULL: none). A frame is named by a location of the
     * reader's (pcap: its record's offset; pcapng: its index entry).
     * walk_find: extend, with the search's predicate run on each frame the
     * walk reads from frame want on; fl's list is made anew when the walk
     * starts at or before want, and left as it was otherwise.
     * locate: where frame n (indexed) is; next: where the frame after the
     * one at `at` is (that frame indexed).
     * peek: the bytes, lengths and link type of the frame at `at`, and
     * where its record starts.
     * fill: *out for the frame at `at` (out cleared, number set). */
    void (*walk_find)(nmx_capture *cap, uint64_t want, nmx__find *fl);
    uint64_t (*locate)(const nmx_capture *cap, uint64_t n);
    uint64_t (*next)(const nmx_capture *cap, uint64_t at);
    void (*peek)(const nmx_capture *cap, uint64_t at, struct nmx__find_view *v);
    void (*fill)(const nmx_capture *cap, uint64_t at, nmx_frame *out);
} nmx_reader;

extern const nmx_reader nmx_reader_pcap;
extern const nmx_reader nmx_reader_pcapng;
extern const nmx_reader nmx_reader_netmon;

/* Tries the readers in order; refuses known foreign formats by name. */
nmx_err nmx_capture_probe(nmx_capture *cap, nmx_diag *diag);

/* --- per-format state -------------------------------------------------------- */
typedef struct nmx_pcapng_section {
    bool     big_endian;
    uint32_t first_iface;   /* global index of its interface 0 (its interfaces
                               run to the next section's first) */
} nmx_pcapng_section;

typedef struct nmx_iface_rt {        /* nmx_interface + time conversion */
    nmx_interface pub;
    bool     pow2;
    uint8_t  exp;                    /* resolution exponent */
    uint64_t scale;                  /* pow10: 10^|9-exp| */
    char    *name_buf;
} nmx_iface_rt;

/* pcapng: one state of the capture comment (the SHBs' comments, joined by
 * newlines). Never changed once published, and kept until close, so a
 * comment once returned stays valid. An incremental capture has at most two:
 * the one walked at open, and the whole one when the walk reaches the end
 * (the comments between are gathered in ng_pend, which no reader sees), so
 * a file of many commented sections costs memory in proportion to its
 * comments, however many batches walk it. */
typedef struct nmx_ng_text {
    struct nmx_ng_text *older;       /* allocated before this one */
    size_t              len;
    char                s[];         /* NUL-terminated */
} nmx_ng_text;

typedef struct nmx_nm_comment {
    uint32_t    record_offset;
    uint32_t    len;
    const char *text;                /* UTF-8, in the arena */
} nmx_nm_comment;

struct nmx_capture {
    char              *name;
    unsigned           flags;
    nmx_source         src;
    nmx_cursor         cur;          /* whole input, little-endian by default */
    const nmx_reader  *reader;
    nmx_capture_format format;
    char               format_name[64];
    unsigned           ver_major, ver_minor;

    uint64_t           serial;       /* unique in the process (per-thread caches) */
    uint64_t           nframes;      /* incremental: frames indexed so far, stored with
                                        release order after their index entries */
    /* Incremental captures: lazy_done (atomic) once the walk reached the
     * end or damage; lazy_next is the offset of the first record not walked
     * and lazy_owner the pid holding the walk (see capture.c), both written
     * under it. The index is then reserved address space of index_map_len
     * bytes (entries never move, so readers need no lock). */
    bool               lazy;
    bool               lazy_done;
    int                lazy_owner;
    uint64_t           lazy_next;
    uint64_t           lazy_batch;   /* bytes of records walked at once */
    uint64_t           lazy_released; /* where the pages behind a shared walk's leader are
                                         released to (nmx_source_pass), under the walk's lock */
    uint64_t           lazy_hot;     /* (atomic) records from this offset up to
                                        lazy_next were walked last: in the cache */
    size_t             index_map_len;
    uint64_t          *index;        /* pcap: the record offset of every NMX_INDEX_STRIDE-th
                                        frame; pcapng: block offset<<16 | section of every
                                        NMX_INDEX_STRIDE-th frame (see idx_split);
                                        recovered netmon: every frame's record offset */
    uint64_t           index_cap;
    /* NMX_CAPTURE_SHARE_WALK (share.c): the index lives in share_map, a
     * memfd mapping of share_len bytes shared with forked processes;
     * share (atomic) is its header while this process reads the walk
     * published there (NULL once a follower took the walk over: its own
     * index is then index_own, of index_map_len bytes). */
    struct nmx_walk_share *share;
    uint64_t          *ring;         /* 2^ring_bits entries in share_map, or NULL */
    unsigned           ring_bits;
    void              *share_map;
    size_t             share_len;
    int                share_fd;
    void              *index_own;

    uint32_t           linktypes[64];/* distinct link types, first 64 */
    size_t             nlinktypes;
    uint32_t           last_linktype;
    unsigned           mac_type;

    char              *comment;      /* owned (netmon) */
    const char        *comment_ptr;  /* it (pcapng: ng_comment) */
    size_t             comment_len;
    bool               has_start;
    int64_t            start_ns;

    nmx_diag           warnings[NMX_CAPTURE_MAX_WARNINGS];
    size_t             nwarnings;

    /* pcap */
    bool               big_endian;
    bool               ts_nano;
    int                swap_lengths; /* 0 no, 1 always, 2 when caplen > len */
    uint32_t           rec_len;      /* pcap record header: 16, or 20/24/28 (variants) */
    uint32_t           linktype;
    uint32_t           snaplen;
    /* The pcap or pcapng index has two runs of entries (two walks joined):
     * frames [0, idx_split) from entry 0, frames [idx_split, nframes) from
     * entry idx_slots_a, each entry NMX_INDEX_STRIDE frames after the one
     * before (UINT64_MAX: one run). */
    uint64_t           idx_split;
    uint64_t           idx_slots_a;

    /* pcapng: the sections and interfaces are arrays in address space
     * reserved at open for the most the file can hold (ng_*_map bytes), so
     * they never move; the walk writes entries past the published counts
     * (nsections, nifaces: stored with release order after their entries)
     * and publishes them when it ends. */
    nmx_pcapng_section *sections;
    size_t              nsections;
    nmx_iface_rt       *ifaces;      /* pcap: one, allocated */
    size_t              nifaces;
    size_t              ng_sections_map, ng_ifaces_map;
    size_t              ng_ifaces_hw;  /* interface entries ever written (their names) */
    nmx_ng_text        *ng_comment;    /* published comment (atomic), or NULL */
    nmx_ng_text        *ng_texts;      /* every comment state, newest first */
    char               *ng_pend;       /* the walk's comment so far (walker only) */
    size_t              ng_pend_len, ng_pend_cap; /* length as of the last publish */

    /* netmon */
    const uint8_t      *nm_table;    /* frame table in the input (4-byte LE entries), or NULL */
    uint64_t            nm_entries;  /* incremental: the frame table's entries           */
    uint64_t            nm_tbl_done, nm_rec_done; /* incremental: where the checking
                                        pass's release stands (nmx_source_pass) */
    size_t              nm_warn_at;  /* incremental: where a bad record's warning goes */
    unsigned            nm_hdr;      /* record header size: 8 (1.x) or 16 (2.x) */
    unsigned            nm_trailer;  /* trailer size by version */
    uint16_t            nm_mactype;  /* header MacType */
    int64_t             nm_start_ns;
    nmx_nm_comment     *nm_comments; /* sorted by record_offset */
    size_t              nm_ncomments;
    char               *nm_arena;
};

/* The index entry that frame n (below the published count) is found from,
 * in the two runs of a split walk (idx_split): returns its slot, and the
 * number of its first frame and one past its last in *first and *end. (A
 * walk may set the split while n is read: it is then above every frame
 * published before.) */
static inline uint64_t nmx__index_group(const nmx_capture *cap, uint64_t n, uint64_t *first,
                                        uint64_t *end)
{
    uint64_t slot, f, e;
    uint64_t split = __atomic_load_n(&cap->idx_split, __ATOMIC_RELAXED);
    uint64_t known = __atomic_load_n(&cap->nframes, __ATOMIC_RELAXED);
    if (n < split) {
        slot = n / NMX_INDEX_STRIDE;
        f = slot * NMX_INDEX_STRIDE;
        e = split < known ? split : known;
    } else {
        uint64_t k = (n - split) / NMX_INDEX_STRIDE;
        slot = __atomic_load_n(&cap->idx_slots_a, __ATOMIC_RELAXED) + k;
        f = split + k * NMX_INDEX_STRIDE;
        e = known;
    }
    *first = f;
    *end = e - f > NMX_INDEX_STRIDE ? f + NMX_INDEX_STRIDE : e;
    return slot;
}

/* --- helpers (capture.c) ----------------------------------------------------- */

/* Fill diag with "<name>: offset <off>: <message>" (no offset part when off
 * is UINT64_MAX). Returns code. */
nmx_err nmx_cap_diag(const nmx_capture *cap, nmx_diag *diag, nmx_err code, uint64_t off,
                     uint64_t value, uint64_t limit, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Record a warning (damage after the header). With NMX_CAPTURE_STRICT the
 * caller must fail instead: nmx_cap_damage() does that choice. */
void nmx_cap_warn(nmx_capture *cap, const nmx_diag *d);
/* Damage found after n good frames: in strict mode copy d to diag and return
 * its code; otherwise append "; read N frames before it" to d, store it as a
 * warning and return NMX_OK. */
nmx_err nmx_cap_damage(nmx_capture *cap, nmx_diag *d, nmx_diag *diag);
/* The same, the warning stored as the at-th (shifting the later ones; past
 * NMX_CAPTURE_MAX_WARNINGS only counted): damage an incremental walk finds
 * after open took its place among the warnings of an open that checks
 * everything. */
nmx_err nmx_cap_damage_at(nmx_capture *cap, nmx_diag *d, nmx_diag *diag, size_t at);
/* Append one index entry (growing by doubling). NMX_ENOMEM or NMX_ERANGE. */
nmx_err nmx_cap_index_push(nmx_capture *cap, uint64_t entry);
/* Incremental captures: the walk's lock (a pid, like the resident
 * trackers' in source.c), and the frames known with acquire order. */
void nmx__cap_lazy_lock(nmx_capture *cap);
void nmx__cap_lazy_unlock(nmx_capture *cap);
/* Around the stores that publish a walk's progress (under the walk's
 * lock): a fork() waits for them to end (capture.c). */
void nmx__cap_publish_begin(void);
void nmx__cap_publish_end(void);
static inline uint64_t nmx__cap_known(const nmx_capture *cap)
{
    return __atomic_load_n(&cap->nframes, __ATOMIC_ACQUIRE);
}
/* The walk shared with forked processes (share.c).
 * nmx__share_reserve: the index's len bytes in a new shared mapping (with
 * the ring after it), or NULL (the index is then private).
 * nmx__share_publish: the leader (under the walk's lock) publishes its
 * index state, where its walk stands and whether it reached the end
 * (DONE), stopped on request (STOPPED) or at damage (DAMAGED: a follower
 * then walks the bad record itself, which gives it the same warning).
 * nmx__share_follow: a follower waits until frame n is published, the
 * walk is over or *stop (may be NULL) is set (true), or takes the walk
 * over (false: walk it in this process). */
enum { NMX_SHARE_WALKING = 0, NMX_SHARE_DONE, NMX_SHARE_STOPPED, NMX_SHARE_DAMAGED };
void *nmx__share_reserve(nmx_capture *cap, size_t len);
void  nmx__share_free(nmx_capture *cap);
bool  nmx__share_leader(const nmx_capture *cap);
bool  nmx__share_follower(const nmx_capture *cap);
void  nmx__share_publish(nmx_capture *cap, uint64_t next, unsigned state);
/* The same after a walk that stopped at next, at damage or not: DAMAGED,
 * DONE at the end of the file, WALKING otherwise. */
static inline void nmx__share_publish_walk(nmx_capture *cap, uint64_t next, bool damaged)
{
    nmx__share_publish(cap, next,
                       damaged                 ? NMX_SHARE_DAMAGED
                       : next >= cap->cur.size ? NMX_SHARE_DONE
                                               : NMX_SHARE_WALKING);
}
/* The leader tells its followers it walks the capture now (a batch at a
 * time, nmx_capture_walk), or no longer. */
void  nmx__share_active(nmx_capture *cap, bool on);
bool  nmx__share_follow(nmx_capture *cap, uint64_t n, const volatile int *stop);

/* The ring of the last frames' offsets in a shared walk (2^ring_bits
 * entries): entry n % len is frame n's offset (48 bits) tagged, in the top
 * 16 bits, with which lap of the ring it belongs to (+1, so an entry never
 * written matches no frame below NMX_CAPTURE_MAX_FRAMES). Written by the
 * leader's walk before it publishes the frame; an entry a later lap
 * overwrote is refused. */
#define NMX_RING_BITS 20
/* How many frames ahead nmx_capture_prefetch_starts() asks for. */
#define NMX_PREFETCH_FRAMES 16u
static inline uint64_t nmx__ring_tag(unsigned bits, uint64_t n)
{
    return (((n >> bits) + 1) & 0xFFFF) << 48;
}
static inline void nmx__ring_put(uint64_t *ring, unsigned bits, uint64_t n, uint64_t off)
{
    __atomic_store_n(&ring[n & ((UINT64_C(1) << bits) - 1)], off | nmx__ring_tag(bits, n),
                     __ATOMIC_RELAXED);
}
static inline bool nmx__ring_get(const nmx_capture *cap, uint64_t n, uint64_t *off)
{
    if (!cap->ring)
        return false;
    unsigned bits = cap->ring_bits;
    uint64_t e = __atomic_load_n(&cap->ring[n & ((UINT64_C(1) << bits) - 1)], __ATOMIC_RELAXED);
    if ((e & ~NMX_CAPTURE_MAX_OFFSET) != nmx__ring_tag(bits, n))
        return false;
    *off = e & NMX_CAPTURE_MAX_OFFSET;
    return true;
}
/* A frame read from a mapped file: its record, data and a trailer
 * (netmon: up to 15 bytes) count as in use (nmx_source_touch). */
static inline void nmx__cap_touch_frame(const nmx_capture *cap, const nmx_frame *fr)
{
    if (cap->src.window) {
        uint64_t end = (uint64_t)(fr->data - cap->src.base) + fr->caplen + 16;
        nmx_source_touch(&cap->src, NMX_RES_RECORDS, fr->offset, end - fr->offset);
    }
}
/* The look-ahead of a forward scan at frame n, whose record starts at off
 * and whose data ends at end (nmx_capture_prefetch_starts and _next, one
 * scan's *cursor): with starts, the first two lines of the frame
 * NMX_PREFETCH_FRAMES ahead when the ring of a shared walk knows where it
 * is; otherwise the 4 KiB after the frame, unless the walk of an
 * incremental capture has just read them (from lazy_hot on). */
static inline void nmx__cap_look_ahead(const nmx_capture *cap, bool starts, uint64_t n,
                                       uint64_t off, const uint8_t *end,
                                       const uint8_t **cursor)
{
    uint64_t ahead;
    if (starts && nmx__ring_get(cap, n + NMX_PREFETCH_FRAMES, &ahead) && ahead < cap->src.size) {
        __builtin_prefetch(cap->src.base + ahead);
        __builtin_prefetch(cap->src.base + ahead + 64);
        return;
    }
    /* published after the batch's entries: a frame a reader was given at
     * or past it lies in the batch the walk just pulled in */
    if (cap->lazy && off >= __atomic_load_n(&cap->lazy_hot, __ATOMIC_RELAXED))
        return;
    const uint8_t *to = end + 4096;
    if (*cursor < end || *cursor > to)
        *cursor = end;
    for (; *cursor < to; *cursor += 64)
        __builtin_prefetch(*cursor);
}
/* A scan that reads records one after the other counts them as in use a
 * chunk at a time: the record [off, off + len) when it lies in another
 * chunk than the one counted last (*chunk; start at UINT64_MAX). */
static inline void nmx__cap_touch_chunk(const nmx_capture *cap, uint64_t *chunk, uint64_t off,
                                        uint64_t len)
{
    if (cap->src.window && off / NMX_SOURCE_CHUNK != *chunk) {
        *chunk = off / NMX_SOURCE_CHUNK;
        nmx_source_touch(&cap->src, NMX_RES_RECORDS, off, len);
    }
}
/* A search's walk (find.h), under the walk's lock. nmx__find_begin: the
 * walk starts at or before frame want; fl's list is made anew for the
 * frames from want (its end, fl->to, is set when the walk ends).
 * nmx__find_walked: frame n (the reader's location at; its record
 * [off, off + len) and data) was walked: it counts as in use, and the
 * predicate sees it from fl->from on; true when the list is now full (the
 * walk ends after this frame). */
static inline void nmx__find_begin(nmx__find *fl, const nmx_capture *cap, uint64_t want)
{
    fl->serial = cap->serial;
    fl->lkey[0] = fl->key[0];
    fl->lkey[1] = fl->key[1];
    fl->from = fl->to = want;
    fl->head = fl->count = 0;
}
static inline bool nmx__find_walked(nmx__find *fl, const nmx_capture *cap, uint64_t *chunk,
                                    uint64_t n, uint64_t at, uint64_t off, uint64_t len,
                                    const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                                    uint32_t linktype)
{
    nmx__cap_touch_chunk(cap, chunk, off, len);
    if (n < fl->from || !fl->pred(fl->ctx, data, caplen, wirelen, linktype))
        return false;
    fl->num[fl->count] = n;
    fl->at[fl->count] = at;
    return ++fl->count == NMX__FIND_LIST;
}
/* Frame n indexed (walking as far as it for an incremental capture)? */
bool nmx__cap_reach(const nmx_capture *cap, uint64_t n);
/* Note the link type of a frame (keeps the distinct list). */
static inline void nmx_cap_note_linktype(nmx_capture *cap, uint32_t lt)
{
    if (cap->nlinktypes && cap->last_linktype == lt)
        return;
    cap->last_linktype = lt;
    for (size_t i = 0; i < cap->nlinktypes; i++)
        if (cap->linktypes[i] == lt)
            return;
    /* (an incremental walk adds to the list while other threads may read
     * it: the count is published after the entry) */
    if (cap->nlinktypes < sizeof cap->linktypes / sizeof cap->linktypes[0]) {
        cap->linktypes[cap->nlinktypes] = lt;
        __atomic_store_n(&cap->nlinktypes, cap->nlinktypes + 1, __ATOMIC_RELEASE);
    }
}
/* MAC_TYPE_* of a pcap link type (Ethernet, Token Ring, FDDI), else 0. */
unsigned nmx_mac_type_of_linktype(uint32_t lt);

/* --- time helpers (timeconv.c) ------------------------------------------------ */
/* Saturating int64 arithmetic. */
int64_t nmx_sat_add(int64_t a, int64_t b);
int64_t nmx_sat_mul(int64_t a, int64_t b);
/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t nmx_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Break ns since the epoch into a civil UTC date/time. */
void nmx_civil_from_ns(int64_t ns, int *y, unsigned *mo, unsigned *d, unsigned *wd,
                       unsigned *h, unsigned *mi, unsigned *s, unsigned *ms);
/* FILETIME (100 ns since 1601) <-> ns since 1970 (saturating). */
int64_t  nmx_filetime_to_ns(uint64_t ft);
uint64_t nmx_ns_to_filetime(int64_t ns);

/* --- UTF conversion (utf.c) ---------------------------------------------------- */
/* UTF-16LE bytes -> UTF-8; out needs 3 bytes per 2 input bytes + 1. Unpaired
 * surrogates become U+FFFD. Returns bytes written (NUL added, not counted). */
size_t nmx_utf16le_to_utf8(const uint8_t *in, size_t in_len, char *out);
/* UTF-8 -> UTF-16LE; out needs 2 bytes per input byte. Invalid sequences
 * become U+FFFD. Returns bytes written. */
size_t nmx_utf8_to_utf16le(const char *in, size_t in_len, uint8_t *out);

#endif /* NMX_CAPTURE_INTERNAL_H */
