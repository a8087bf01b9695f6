/*
 * Heaps: block allocation, exact validation, realloc, release.
 *
 * Small blocks (requested size + 1 <= 32 KiB) come from 64 KiB chunks of one
 * size class; the free blocks of a chunk are a stack of indices kept in the
 * chunk's metadata slot, never inside user memory. Large blocks are runs of
 * whole chunks; they grow in place at the end of the address range or move
 * by remapping pages (no copy).
 *
 * Validation of a pointer p for heap h (never dereferences p):
 *   top[p >> 32] -> arena?            no: WILD
 *   cstate[chunk(p)] kind/owner       unused: WILD, released: STALE,
 *                                     other owner: FOREIGN
 *   small: index = offset * recip     not a block start: INTERIOR
 *          live bit                   clear: DOUBLE
 *   large: head chunk, offset 0, live otherwise INTERIOR / DOUBLE
 *
 * A byte past the requested end of every block ("canary", up to 8 bytes of
 * the slack that size classes leave; at least one byte always exists
 * because classes are chosen for n + 1) is checked at free, at realloc and,
 * for heaps that ask for it, at destroy.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mem/heap.h"
#include "mem/key.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define MAX_REQUEST ((size_t)(CHUNKS_PER_ARENA - 1) << CHUNK_SHIFT)

/* The block calls' fast path (lookup, small blocks, the checks around
 * them): inlined into each entry point, so that an allocation or a free
 * through a key runs as one function, without the calls, saves and
 * restores between these (bench/README.md, "Latest figures (2026-12-05)"). */
#define FASTPATH static inline __attribute__((always_inline))

static const uint8_t canary_pat[CANARY_MAX] = {0xA5, 0x5A, 0xC3, 0x3C, 0x96, 0x69, 0xF0, 0x0F};

/* The canary is almost always 8 bytes: one unaligned 64-bit access. */
static inline bool canary_ok(const uint8_t *p, size_t k)
{
    if (k == CANARY_MAX) {
        uint64_t a, b;
        memcpy(&a, p, 8);
        memcpy(&b, canary_pat, 8);
        return a == b;
    }
    for (size_t i = 0; i < k; i++)
        if (p[i] != canary_pat[i])
            return false;
    return true;
}

static inline void canary_put(uint8_t *p, size_t k)
{
    if (k == CANARY_MAX) {
        memcpy(p, canary_pat, 8);
        return;
    }
    for (size_t i = 0; i < k; i++)
        p[i] = canary_pat[i];
}

bool nmx__canary_ok(const uint8_t *p, size_t k)
{
    return canary_ok(p, k);
}

void nmx__canary_put(uint8_t *p, size_t k)
{
    canary_put(p, k);
}

static inline size_t canary_len(size_t cap, size_t n)
{
    size_t k = cap - n;
    return k < CANARY_MAX ? k : CANARY_MAX;
}

/* ---- size-class geometry (internal.h) -------------------------------- */

/* class_size() as a constant expression (k is a signed int: in the branch
 * not taken for k < 8 every shift count stays non-negative). */
#define CG_SIZE(k)                                                                               \
    ((k) < 8 ? (uint32_t)((k) + 1) * 16u                                                         \
             : (1u << (7 + ((k)-8) / 4)) + (uint32_t)(((k)-8) % 4 + 1) * (1u << (5 + ((k)-8) / 4)))
#define CG_NB(k) (CHUNK_SIZE / CG_SIZE(k))
#define CG(k)                                                                                    \
    {CG_SIZE(k), (uint32_t)(((1ull << 32) + CG_SIZE(k) - 1) / CG_SIZE(k)), (uint16_t)CG_NB(k),  \
     (uint16_t)((CG_NB(k) + 63u) / 64u * 8u + CG_NB(k) * 2u)}
#define CG4(k) CG(k), CG(k + 1), CG(k + 2), CG(k + 3)

const struct nmx__cgeom nmx__cgeom[NCLASSES] = {
    CG4(0), CG4(4), CG4(8), CG4(12), CG4(16), CG4(20), CG4(24), CG4(28), CG4(32), CG4(36),
};
_Static_assert(CG_SIZE(7) == 128 && CG_SIZE(8) == 160 && CG_SIZE(11) == 256 &&
                   CG_SIZE(NCLASSES - 1) == SMALL_MAX,
               "the geometry table follows class_size()");
_Static_assert(NCLASSES == 40, "the geometry table has one entry per class");
_Static_assert(META_COLOURS * 64u + offsetof(struct chunk, live) + MAX_BLOCKS / 8u +
                       MAX_BLOCKS * 2u * sizeof(uint16_t) <=
                   META_STRIDE,
               "the metadata of a chunk fits in its slot at every colour");

/* ---- stats and misuse ------------------------------------------------ */

static inline uint64_t cur_bytes(const nmx_heap *h)
{
    return h->st.total_bytes - h->out_bytes;
}
static inline uint64_t cur_blocks(const nmx_heap *h)
{
    return h->st.total_blocks - h->out_blocks;
}

static inline void stats_peaks(nmx_heap *h)
{
    if (cur_bytes(h) > h->st.peak_bytes)
        h->st.peak_bytes = cur_bytes(h);
    if (cur_blocks(h) > h->st.peak_blocks)
        h->st.peak_blocks = cur_blocks(h);
}

static inline void stats_alloc(nmx_heap *h, size_t n)
{
    h->st.total_bytes += n;
    h->st.total_blocks++;
    stats_peaks(h);
}

static inline void stats_free(nmx_heap *h, size_t n)
{
    h->out_bytes += n;
    h->out_blocks++;
}

static inline void stats_resize(nmx_heap *h, size_t old, size_t n)
{
    if (n > old)
        h->st.total_bytes += n - old;
    else
        h->out_bytes += old - n;
    stats_peaks(h);
}

void nmx__stats_resize(nmx_heap *h, size_t old, size_t n)
{
    stats_resize(h, old, n);
}

void nmx__stats_alloc(nmx_heap *h, size_t n)
{
    stats_alloc(h, n);
}

void nmx__stats_free(nmx_heap *h, size_t n)
{
    stats_free(h, n);
}

/* Called with h->mspin held. */
static void misuse_record(nmx_heap *h, nmx_misuse_kind k, nmx_mem_op op, const void *p,
                          size_t bsize, const void *site)
{
    h->mcount[k]++;
    nmx_misuse *m = &h->mlast;
    m->kind = k;
    m->op = op;
    m->ptr = p;
    m->block_size = bsize;
    m->alloc_site = site;
    m->tid = nmx__gettid();
    if (h->on_misuse)
        h->on_misuse(h, m, h->misuse_ud);
}

/* The owner of a biased heap, inside it without the lock, records without
 * mspin: every other writer or reader of the records holds mspin with
 * h->mbiased clear, which means no owner is inside (it is cleared only once
 * a revocation has seen the owner out, and set again only by the next grant,
 * under mspin), or holds the heap lock, which revoked the bias. */
__attribute__((cold)) void nmx__misuse(nmx_heap *h, nmx_misuse_kind k, nmx_mem_op op,
                                       const void *p, size_t bsize, const void *site)
{
    struct nmx__trec *r = nmx__tl_rec;
    if (r && atomic_load_explicit(&r->inside, memory_order_relaxed) == h) {
        misuse_record(h, k, op, p, bsize, site);
        return;
    }
    nmx_spin_acquire(&h->mspin);
    misuse_record(h, k, op, p, bsize, site);
    nmx_spin_release(&h->mspin);
}

static void heap_lock(nmx_heap *h);
static inline void heap_unlock(nmx_heap *h);

/* A misuse found without the heap lock by a caller holding key generation
 * `gen`: counted only if the heap is still that incarnation (its end clears
 * live_gen under mspin), so a call racing with the end of its heap never
 * counts against the next heap of the slot. False when the heap has ended:
 * the call then fails as one with an ended key. */
__attribute__((noinline)) static bool misuse_unlocked(nmx_heap *h, uint64_t gen,
                                                      nmx_misuse_kind k, nmx_mem_op op,
                                                      const void *p)
{
    nmx_spin_acquire(&h->mspin);
    bool alive = atomic_load_explicit(&h->live_gen, memory_order_relaxed) == gen;
    if (alive && h->mbiased) {
        /* the owner may be recording without mspin: revoke its bias */
        nmx_spin_release(&h->mspin);
        heap_lock(h);
        nmx_spin_acquire(&h->mspin);
        alive = atomic_load_explicit(&h->live_gen, memory_order_relaxed) == gen;
        if (alive)
            misuse_record(h, k, op, p, 0, NULL);
        nmx_spin_release(&h->mspin);
        heap_unlock(h);
        return alive;
    }
    if (alive)
        misuse_record(h, k, op, p, 0, NULL);
    nmx_spin_release(&h->mspin);
    return alive;
}

/* The misuse members of the stats (h->st keeps the others). */
static void misuse_stats(nmx_heap *h, nmx_heap_stats *st)
{
    nmx_spin_acquire(&h->mspin);
    st->misuse_total = 0;
    for (unsigned k = 0; k < NMX_MISUSE_KINDS_; k++) {
        st->misuse[k] = h->mcount[k];
        st->misuse_total += h->mcount[k];
    }
    st->last_misuse = h->mlast;
    nmx_spin_release(&h->mspin);
}

/* ---- lists ----------------------------------------------------------- */

static inline void list_push(struct chunk **head, struct chunk *c, uint8_t which)
{
    c->prev = NULL;
    c->next = *head;
    if (*head)
        (*head)->prev = c;
    *head = c;
    c->list = which;
}

static inline void list_del(struct chunk **head, struct chunk *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        *head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
    c->list = L_NONE;
}

/* ---- the heap's run list ------------------------------------------- */

/* Room for `more` entries (host memory); false when out of memory. */
static bool runs_room(nmx_heap *h, size_t more)
{
    if (h->nruns + more <= h->runs_cap)
        return true;
    size_t cap = h->runs_cap ? h->runs_cap * 2 : 64;
    while (cap < h->nruns + more)
        cap *= 2;
    struct hrun *r = realloc(h->runs, cap * sizeof *r);
    if (!r)
        return false;
    h->runs = r;
    h->runs_cap = cap;
    return true;
}

/* Call runs_room first. */
static void runs_push(nmx_heap *h, struct chunk *c, uint32_t n)
{
    h->runs[h->nruns] = (struct hrun){c->arena, c->idx, n};
    c->rpos = (uint32_t)h->nruns++;
}

static void runs_del(nmx_heap *h, struct chunk *c)
{
    uint32_t i = c->rpos;
    struct hrun last = h->runs[--h->nruns];
    if (i != h->nruns) {
        h->runs[i] = last;
        chunk_meta(last.ar, last.idx)->rpos = i;
    }
}

/* ---- small chunks ---------------------------------------------------- */

/* Stores into a small chunk's bitmap, free stack and sizes. They are made
 * under the heap lock, but the bitmap is also read without it (a freed
 * block refused by classify_unlocked), and after a chunk changes size class
 * the same words may be another array: every store to these arrays is an
 * atomic one (a plain store on the processors we run on). */
static inline void meta_store64(uint64_t *w, uint64_t v)
{
    __atomic_store_n(w, v, __ATOMIC_RELAXED);
}
static inline void meta_store16(uint16_t *w, uint16_t v)
{
    __atomic_store_n(w, v, __ATOMIC_RELAXED);
}

static inline uint16_t *chunk_fs(struct chunk *c)
{
    return (uint16_t *)(void *)((uint8_t *)c->live + (((size_t)c->nblocks + 63u) / 64u) * 8u);
}
static inline uint16_t *chunk_rs(struct chunk *c)
{
    return chunk_fs(c) + c->nblocks;
}
/* chunk_rs() from the class's constant geometry, without the header. */
static inline uint16_t *class_rs(struct chunk *c, const struct nmx__cgeom *g)
{
    return (uint16_t *)(void *)((uint8_t *)c->live + g->rs_off);
}

static struct chunk *small_chunk_new(nmx_heap *h, unsigned cls)
{
    struct chunk *c = h->empty;
    struct arena *ar;
    uint32_t idx;
    uint8_t zeroed;
    uint32_t rpos = 0;
    if (c) {
        list_del(&h->empty, c);
        h->nempty--;
        ar = c->arena;
        idx = c->idx;
        rpos = c->rpos;
        zeroed = 0;
    } else {
        if (!runs_room(h, 1) || !nmx__chunks_acquire(1, h->otag, &ar, &idx))
            return NULL;
        c = chunk_meta(ar, idx);
        zeroed = 1;
        h->st.footprint_bytes += CHUNK_SIZE;
    }
    const struct nmx__cgeom *g = &nmx__cgeom[cls];
    uint32_t bs = g->bsize;
    chunk_clear(c);
    c->arena = ar;
    c->idx = idx;
    if (zeroed)
        runs_push(h, c, 1);
    else
        c->rpos = rpos;
    c->kind = CK_SMALL;
    c->cls = (uint8_t)cls;
    c->zeroed = zeroed;
    c->bsize = bs;
    c->recip = g->recip;
    c->nblocks = g->nblocks;
    if (h->flags & NMX_HEAP_DEBUG) {
        c->sites = calloc(c->nblocks, sizeof *c->sites);
        if (!c->sites) {
            runs_del(h, c);
            nmx__chunks_release(ar, idx, 1, h->otag);
            h->st.footprint_bytes -= CHUNK_SIZE;
            return NULL;
        }
    }
    /* A chunk from the empty cache may have served another class: the words
     * that are this class's live bitmap may have held that class's free
     * stack or sizes. (A fresh chunk's metadata is zero.) */
    if (!zeroed)
        for (uint32_t w = 0; w < ((uint32_t)c->nblocks + 63u) / 64u; w++)
            meta_store64(&c->live[w], 0);
    cstate_set(ar, idx, ST_MAKE(CK_SMALL, h->otag, cls));
    list_push(&h->avail[cls], c, L_AVAIL);
    return c;
}

/* A small chunk became empty: keep it as the class's only chunk, park it in
 * the heap's empty cache, or give it back. */
static void small_chunk_retire(nmx_heap *h, struct chunk *c)
{
    unsigned cls = c->cls;
    if (h->avail[cls] == c && c->next == NULL)
        return; /* last chunk of the class: keep it */
    list_del(&h->avail[cls], c);
    if (h->hot[cls] == c)
        h->hot[cls] = NULL;
    free(c->sites);
    c->sites = NULL;
    if (h->nempty < EMPTY_CACHE_MAX) {
        c->kind = CK_EMPTY;
        cstate_set(c->arena, c->idx, ST_MAKE(CK_EMPTY, h->otag, c->idx));
        list_push(&h->empty, c, L_EMPTY);
        h->nempty++;
    } else {
        h->st.footprint_bytes -= CHUNK_SIZE;
        runs_del(h, c);
        nmx__chunks_release(c->arena, c->idx, 1, h->otag);
    }
}

/* ---- lookup ------------------------------------------------------------ */

struct loc {
    struct chunk *c;   /* small chunk or large head                       */
    uint32_t bi;       /* block index (small)                             */
    uint8_t *base;     /* block start                                     */
    size_t size;       /* requested size                                  */
    size_t cap;        /* bytes available to the block                    */
};

/* Is p a live block of h? On failure returns the misuse kind. */
FASTPATH int locate(nmx_heap *h, const void *p, struct loc *L)
{
    uintptr_t a = (uintptr_t)p;
    if (__builtin_expect((a >> ADDR_BITS) != 0, 0))
        return NMX_MISUSE_WILD;
    struct arena *ar = atomic_load_explicit(&nmx__top[a >> ARENA_SHIFT], memory_order_acquire);
    if (__builtin_expect(!ar, 0))
        return NMX_MISUSE_WILD;
    uint32_t idx = (uint32_t)((a - (uintptr_t)ar->base) >> CHUNK_SHIFT);
    uint64_t st = cstate_get(ar, idx);
    unsigned kind = ST_KIND(st);
    switch (kind) {
    case CK_UNUSED:
        return NMX_MISUSE_WILD;
    case CK_RELEASED:
    case CK_FREE:
        return ST_TAG(st) == h->otag && kind == CK_RELEASED ? NMX_MISUSE_DOUBLE
                                                            : NMX_MISUSE_STALE;
    default:
        break;
    }
    if (__builtin_expect(ST_TAG(st) != h->otag, 0))
        return NMX_MISUSE_FOREIGN;
    uint32_t off = (uint32_t)(a & (CHUNK_SIZE - 1));
    if (kind == CK_EMPTY)
        return NMX_MISUSE_DOUBLE;
    if (__builtin_expect(kind == CK_SMALL, 1)) {
        /* Everything from the state word: the chunk's header is not on the
         * way to the live bit, the size and the canary. */
        const struct nmx__cgeom *g = &nmx__cgeom[ST_CLASS(st)];
        struct chunk *c = chunk_meta(ar, idx);
        uint32_t bi = (uint32_t)(((uint64_t)off * g->recip) >> 32);
        if (__builtin_expect(bi >= g->nblocks || bi * g->bsize != off, 0))
            return NMX_MISUSE_INTERIOR;
        if (__builtin_expect(!(c->live[bi >> 6] & (1ull << (bi & 63))), 0))
            return NMX_MISUSE_DOUBLE;
        L->c = c;
        L->bi = bi;
        L->base = (uint8_t *)(uintptr_t)a;
        L->size = class_rs(c, g)[bi];
        L->cap = g->bsize;
        return -1;
    }
    if (kind == CK_LTAIL || off != 0)
        return NMX_MISUSE_INTERIOR;
    struct chunk *c = chunk_meta(ar, idx);
    if (!c->llive)
        return NMX_MISUSE_DOUBLE;
    L->c = c;
    L->bi = 0;
    L->base = (uint8_t *)(uintptr_t)a;
    L->size = (size_t)c->lreq;
    L->cap = (size_t)c->nchunks << CHUNK_SHIFT;
    return -1;
}

/* What can be told of p for the heap with owner tag `otag` without its lock,
 * from the words that are read atomically (the address table, the chunk's
 * state word, which holds a small chunk's class, and its live bitmap): a misuse kind when p is not a live
 * block of the heap at the moment of those reads, -1 when it may be one
 * (then only locate, under the lock, decides). Never dereferences p. */
static inline int classify_unlocked(uint64_t otag, const void *p, const void **canary)
{
    uintptr_t a = (uintptr_t)p;
    if (__builtin_expect((a >> ADDR_BITS) != 0, 0))
        return NMX_MISUSE_WILD;
    struct arena *ar = atomic_load_explicit(&nmx__top[a >> ARENA_SHIFT], memory_order_acquire);
    if (!ar)
        return NMX_MISUSE_WILD;
    uint32_t idx = (uint32_t)((a - (uintptr_t)ar->base) >> CHUNK_SHIFT);
    uint64_t st = cstate_get(ar, idx);
    unsigned kind = ST_KIND(st);
    switch (kind) {
    case CK_UNUSED:
        return NMX_MISUSE_WILD;
    case CK_RELEASED:
    case CK_FREE:
        return ST_TAG(st) == otag && kind == CK_RELEASED ? NMX_MISUSE_DOUBLE : NMX_MISUSE_STALE;
    default:
        break;
    }
    if (ST_TAG(st) != otag)
        return NMX_MISUSE_FOREIGN;
    if (kind == CK_EMPTY)
        return NMX_MISUSE_DOUBLE;
    uint32_t off = (uint32_t)(a & (CHUNK_SIZE - 1));
    if (kind == CK_SMALL) {
        /* The class is in the state word itself: if p is not a block start
         * of that class, it was not a live block when the word was read. */
        const struct nmx__cgeom *g = &nmx__cgeom[ST_CLASS(st)];
        struct chunk *c = chunk_meta(ar, idx);
        uint32_t bi = (uint32_t)(((uint64_t)off * g->recip) >> 32);
        if (bi >= g->nblocks || bi * g->bsize != off)
            return NMX_MISUSE_INTERIOR;
        /* A clear live bit, with the chunk's state word the same after it
         * was read: the block was not live when it was read (a chunk that
         * changed class and came back in between was empty at some moment,
         * and then too the answer holds). */
        if (__atomic_load_n(&c->live[bi >> 6], __ATOMIC_RELAXED) & (1ull << (bi & 63))) {
            /* Where the block's canary is, as far as can be told without
             * the lock: a hint for a prefetch, never dereferenced here. */
            *canary = (const uint8_t *)p + __atomic_load_n(&class_rs(c, g)[bi], __ATOMIC_RELAXED);
            return -1;
        }
        atomic_thread_fence(memory_order_acquire);
        if (cstate_get(ar, idx) == st)
            return NMX_MISUSE_DOUBLE;
        return -1;
    }
    if (kind == CK_LTAIL || off != 0)
        return NMX_MISUSE_INTERIOR;
    return -1;
}

static inline const void *block_site(const struct loc *L)
{
    if (L->c->kind == CK_SMALL)
        return L->c->sites ? L->c->sites[L->bi] : NULL;
    return L->c->lsite;
}

/* (L by value: a pointer to it would make every caller store it on the
 * stack, in the hot path, for this cold call) */
__attribute__((cold, noinline)) static void report_overrun(nmx_heap *h, struct loc L,
                                                           nmx_mem_op op)
{
    if (L.c->kind != CK_SMALL)
        L.c->loverrun = 1;
    nmx__misuse(h, NMX_MISUSE_OVERRUN, op, L.base, L.size, block_site(&L));
}

static inline void check_overrun(nmx_heap *h, const struct loc *L, nmx_mem_op op)
{
    size_t k = canary_len(L->cap, L->size);
    if (__builtin_expect(!canary_ok(L->base + L->size, k), 0))
        report_overrun(h, *L, op);
}

/* ---- allocation ------------------------------------------------------ */

FASTPATH void *small_alloc(nmx_heap *h, size_t n, const void *site)
{
    unsigned cls = size_class(n + 1);
    const struct nmx__cgeom *g = &nmx__cgeom[cls];
    struct chunk *c;
    uint32_t bi;
    uint8_t *p;
    bool dirty = true;
    if (h->nfc[cls]) {
        /* the block of this class freed last (still counted in nused) */
        unsigned k = --h->nfc[cls];
        c = h->fc[cls][k].c;
        bi = h->fc[cls][k].bi;
        p = h->fc[cls][k].p;
        c->ncached--;
    } else {
        c = h->hot[cls];
        if (!c || c->nused == c->nblocks) {
            c = h->avail[cls];
            if (!c && !(c = small_chunk_new(h, cls)))
                return NULL;
        }
        if (c->nfree) {
            bi = chunk_fs(c)[--c->nfree];
        } else {
            bi = c->bump++;
            dirty = !c->zeroed;
        }
        if (++c->nused == c->nblocks) {
            list_del(&h->avail[cls], c);
            list_push(&h->full[cls], c, L_FULL);
        }
        p = chunk_addr(c->arena, c->idx) + (size_t)bi * g->bsize;
    }
    meta_store64(&c->live[bi >> 6], c->live[bi >> 6] | (1ull << (bi & 63)));
    meta_store16(&class_rs(c, g)[bi], (uint16_t)n);
    if (c->sites)
        c->sites[bi] = site;
    if (dirty && !(h->flags & NMX_HEAP_UNINIT))
        memset(p, 0, n);
    canary_put(p + n, canary_len(g->bsize, n));
    return p;
}

/* Block bi of c goes back on c's free stack. */
static inline void chunk_put(nmx_heap *h, struct chunk *c, uint32_t bi)
{
    meta_store16(&chunk_fs(c)[c->nfree++], (uint16_t)bi);
    if (c->nused-- == c->nblocks) {
        list_del(&h->full[c->cls], c);
        list_push(&h->avail[c->cls], c, L_AVAIL);
    }
    h->hot[c->cls] = c;
    if (c->nused == 0)
        small_chunk_retire(h, c);
}

/* The blocks of class cls in the free cache that belong to chunk c (every
 * one when c is NULL) go back on their chunks' stacks, the others keep
 * their order. */
static void free_cache_flush(nmx_heap *h, unsigned cls, const struct chunk *c)
{
    unsigned kept = 0, n = h->nfc[cls];
    for (unsigned k = 0; k < n; k++) {
        struct chunk *e = h->fc[cls][k].c;
        if (c && e != c) {
            h->fc[cls][kept++] = h->fc[cls][k];
            continue;
        }
        e->ncached--;
        chunk_put(h, e, h->fc[cls][k].bi);
    }
    h->nfc[cls] = (uint8_t)kept;
}

FASTPATH void small_free(nmx_heap *h, const struct loc *L)
{
    struct chunk *c = L->c;
    uint32_t bi = L->bi;
    unsigned cls = c->cls;
    meta_store64(&c->live[bi >> 6], c->live[bi >> 6] & ~(1ull << (bi & 63)));
    if (c->nused - c->ncached > 1) { /* the chunk keeps a live block */
        if (h->nfc[cls] < FREE_CACHE) {
            unsigned k = h->nfc[cls]++;
            h->fc[cls][k].c = c;
            h->fc[cls][k].p = L->base;
            h->fc[cls][k].bi = bi;
            c->ncached++;
            return;
        }
    } else if (c->ncached) {
        /* the chunk's last live block: its cached blocks first, so that
         * it empties */
        free_cache_flush(h, cls, c);
    }
    chunk_put(h, c, bi);
}

static inline uint32_t chunks_for(size_t n)
{
    return (uint32_t)((n + 1 + CHUNK_SIZE - 1) >> CHUNK_SHIFT);
}

static void large_set_tails(struct arena *ar, uint32_t idx, uint32_t from, uint32_t to,
                            uint64_t owner)
{
    for (uint32_t i = from; i < to; i++)
        cstate_set(ar, idx + i, ST_MAKE(CK_LTAIL, owner, idx));
}

static void *large_alloc(nmx_heap *h, size_t n, const void *site)
{
    uint32_t need = chunks_for(n);
    struct chunk *c;
    bool dirty = false;
    for (c = h->lcache; c; c = c->next)
        if (c->nchunks >= need && c->nchunks <= 2 * need)
            break;
    if (c) {
        list_del(&h->lcache, c);
        h->lcache_bytes -= (uint64_t)c->nchunks << CHUNK_SHIFT;
        dirty = true;
    } else {
        struct arena *ar;
        uint32_t idx;
        if (!runs_room(h, 1) || !nmx__chunks_acquire(need, h->otag, &ar, &idx))
            return NULL;
        c = chunk_meta(ar, idx);
        chunk_clear(c);
        c->arena = ar;
        c->idx = idx;
        c->nchunks = need;
        runs_push(h, c, need);
        large_set_tails(ar, idx, 1, need, h->otag);
        cstate_set(ar, idx, ST_MAKE(CK_LHEAD, h->otag, idx));
        h->st.footprint_bytes += (uint64_t)need << CHUNK_SHIFT;
    }
    c->kind = CK_LHEAD;
    c->llive = 1;
    c->loverrun = 0;
    uint8_t *p = chunk_addr(c->arena, c->idx);
    size_t cap = (size_t)c->nchunks << CHUNK_SHIFT;
    if (dirty && !(h->flags & NMX_HEAP_UNINIT))
        memset(p, 0, c->lhigh < n ? (size_t)c->lhigh : n);
    c->lreq = n;
    c->lsite = site;
    size_t k = canary_len(cap, n);
    canary_put(p + n, k);
    if (n + k > c->lhigh)
        c->lhigh = n + k;
    list_push(&h->large, c, L_LARGE);
    return p;
}

static void large_release_run(nmx_heap *h, struct chunk *c)
{
    runs_del(h, c);
    h->st.footprint_bytes -= (uint64_t)c->nchunks << CHUNK_SHIFT;
    nmx__chunks_release(c->arena, c->idx, c->nchunks, h->otag);
}

static void large_free(nmx_heap *h, struct chunk *c)
{
    list_del(&h->large, c);
    c->llive = 0;
    uint64_t bytes = (uint64_t)c->nchunks << CHUNK_SHIFT;
    if (c->nchunks <= LCACHE_MAX_CHUNKS && h->lcache_bytes + bytes <= LCACHE_MAX_BYTES) {
        list_push(&h->lcache, c, L_LCACHE);
        h->lcache_bytes += bytes;
    } else {
        large_release_run(h, c);
    }
}

static bool alloc_precheck_slow(nmx_heap *h, size_t old, size_t n, nmx_err *e);

/* Checks shared by every allocating entry point: one test when none can
 * fail (no termination, ordinary size, no quota, no fault injection). */
static inline bool alloc_precheck(nmx_heap *h, size_t old, size_t n, nmx_err *e)
{
    if (__builtin_expect(!atomic_load_explicit(&h->terminating, memory_order_relaxed) &&
                             n <= MAX_REQUEST && h->quota == 0 &&
                             !atomic_load_explicit(&nmx__fault_armed, memory_order_relaxed),
                         1))
        return true;
    return alloc_precheck_slow(h, old, n, e);
}

__attribute__((noinline)) static bool alloc_precheck_slow(nmx_heap *h, size_t old, size_t n,
                                                          nmx_err *e)
{
    if (atomic_load_explicit(&h->terminating, memory_order_relaxed)) {
        *e = NMX_ETERMINATE;
        return false;
    }
    if (n > MAX_REQUEST) {
        *e = NMX_ENOMEM;
        h->st.failed_allocs++;
        return false;
    }
    if (h->quota && n > old && cur_bytes(h) - old + n > h->quota) {
        *e = NMX_EQUOTA;
        h->st.failed_allocs++;
        h->st.quota_failures++;
        if (h->flags & NMX_HEAP_TERMINATE_ON_QUOTA)
            atomic_store_explicit(&h->terminating, true, memory_order_relaxed);
        return false;
    }
    if (fault_check()) {
        *e = NMX_EFAULT;
        h->st.failed_allocs++;
        return false;
    }
    return true;
}

FASTPATH void *alloc_locked(nmx_heap *h, size_t n, const void *site, nmx_err *e)
{
    if (!alloc_precheck(h, 0, n, e))
        return NULL;
    if (h->sys)
        return nmx__sys_alloc(h, n, site, e);
    void *p = n + 1 <= SMALL_MAX ? small_alloc(h, n, site) : large_alloc(h, n, site);
    if (!p) {
        *e = NMX_ENOMEM;
        h->st.failed_allocs++;
        return NULL;
    }
    stats_alloc(h, n);
    *e = NMX_OK;
    return p;
}

FASTPATH void free_located(nmx_heap *h, const struct loc *L)
{
    stats_free(h, L->size);
    if (L->c->kind == CK_SMALL)
        small_free(h, L);
    else
        large_free(h, L->c);
}

FASTPATH nmx_err free_locked(nmx_heap *h, void *p, nmx_mem_op op)
{
    if (h->sys)
        return nmx__sys_free(h, p, op);
    struct loc L;
    int k = locate(h, p, &L);
    if (k >= 0) {
        nmx__misuse(h, (nmx_misuse_kind)k, op, p, 0, NULL);
        return NMX_EBADPTR;
    }
    check_overrun(h, &L, op);
    free_located(h, &L);
    return NMX_OK;
}

/* Grow or shrink a large block; returns the new address or NULL. */
static void *large_resize(nmx_heap *h, const struct loc *L, size_t n, nmx_err *e)
{
    struct chunk *c = L->c;
    size_t old = (size_t)c->lreq, cap = L->cap;
    uint8_t *p = L->base;
    size_t dirty_end = (size_t)c->lhigh; /* bytes that may be non-zero */
    uint32_t need = chunks_for(n);

    if (need <= c->nchunks) {
        if (n > old)
            memset(p + old, 0, (n < dirty_end ? n : dirty_end) - old);
        if (need < c->nchunks / 2) { /* give the tail back */
            uint32_t drop = c->nchunks - need;
            nmx__chunks_release(c->arena, c->idx + need, drop, h->otag);
            h->st.footprint_bytes -= (uint64_t)drop << CHUNK_SHIFT;
            c->nchunks = need;
            h->runs[c->rpos].n = need;
            cap = (size_t)need << CHUNK_SHIFT;
            if (c->lhigh > cap)
                c->lhigh = cap;
        }
    } else if (nmx__chunks_extend(c->arena, c->idx, c->nchunks, need - c->nchunks, h->otag)) {
        if (dirty_end > old)
            memset(p + old, 0, dirty_end - old); /* n > cap >= dirty_end */
        h->st.footprint_bytes += (uint64_t)(need - c->nchunks) << CHUNK_SHIFT;
        c->nchunks = need;
        h->runs[c->rpos].n = need;
        cap = (size_t)need << CHUNK_SHIFT;
    } else {
        struct arena *ar;
        uint32_t idx;
        if (!runs_room(h, 1) || !nmx__chunks_acquire(need, h->otag, &ar, &idx)) {
            *e = NMX_ENOMEM;
            h->st.failed_allocs++;
            return NULL;
        }
        uint8_t *q = chunk_addr(ar, idx);
        /* Move the pages, not the bytes; the old range stays mapped (empty). */
        void *r = mremap(p, L->cap, L->cap, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, q);
        if (r == MAP_FAILED)
            memcpy(q, p, dirty_end);
        if (dirty_end > old)
            memset(q + old, 0, dirty_end - old);
        struct chunk *nc = chunk_meta(ar, idx);
        chunk_clear(nc);
        nc->arena = ar;
        nc->idx = idx;
        nc->kind = CK_LHEAD;
        nc->nchunks = need;
        nc->llive = 1;
        nc->lsite = c->lsite;
        nc->lhigh = c->lhigh;
        runs_push(h, nc, need);
        large_set_tails(ar, idx, 1, need, h->otag);
        cstate_set(ar, idx, ST_MAKE(CK_LHEAD, h->otag, idx));
        list_del(&h->large, c);
        list_push(&h->large, nc, L_LARGE);
        c->llive = 0;
        h->st.footprint_bytes += (uint64_t)need << CHUNK_SHIFT;
        large_release_run(h, c);
        c = nc;
        p = q;
        cap = (size_t)need << CHUNK_SHIFT;
    }
    c->lreq = n;
    size_t k = canary_len(cap, n);
    canary_put(p + n, k);
    if (n + k > c->lhigh)
        c->lhigh = n + k;
    return p;
}

static void *realloc_locked(nmx_heap *h, void *p, size_t n, const void *site, nmx_err *e)
{
    if (!p)
        return alloc_locked(h, n, site, e);
    if (h->sys) {
        size_t old;
        if (!nmx__sys_find(h, p, &old)) {
            nmx__misuse(h, NMX_MISUSE_WILD, NMX_OP_REALLOC, p, 0, NULL);
            *e = NMX_EBADPTR;
            return NULL;
        }
        if (!alloc_precheck(h, old, n, e))
            return NULL;
        return nmx__sys_realloc(h, p, n, site, e);
    }
    struct loc L;
    int k = locate(h, p, &L);
    if (k >= 0) {
        nmx__misuse(h, (nmx_misuse_kind)k, NMX_OP_REALLOC, p, 0, NULL);
        *e = NMX_EBADPTR;
        return NULL;
    }
    if (!alloc_precheck(h, L.size, n, e))
        return NULL;
    check_overrun(h, &L, NMX_OP_REALLOC);
    size_t old = L.size;
    void *q;
    if (L.c->kind == CK_SMALL) {
        if (n + 1 <= SMALL_MAX && size_class(n + 1) == L.c->cls) {
            if (n > old)
                memset(L.base + old, 0, n - old);
            meta_store16(&chunk_rs(L.c)[L.bi], (uint16_t)n);
            canary_put(L.base + n, canary_len(L.cap, n));
            q = L.base;
        } else {
            q = n + 1 <= SMALL_MAX ? small_alloc(h, n, block_site(&L))
                                   : large_alloc(h, n, block_site(&L));
            if (!q) {
                *e = NMX_ENOMEM;
                h->st.failed_allocs++;
                return NULL;
            }
            memcpy(q, L.base, old < n ? old : n);
            small_free(h, &L);
        }
    } else {
        q = large_resize(h, &L, n, e);
        if (!q)
            return NULL;
    }
    stats_resize(h, old, n);
    *e = NMX_OK;
    return q;
}

/* ---- the heap lock, biased to its main user (bias.h) ---------------- */

#define REBIAS_FIRST 8u
#define REBIAS_MAX (1u << 20)

/* With h->lock held: no owner is inside h without the lock afterwards. */
static void bias_revoke(nmx_heap *h)
{
    struct nmx__trec *o = atomic_load_explicit(&h->bias_owner, memory_order_relaxed);
    /* (the owner itself, taking the lock for another operation, cannot be
     * inside at the same time: nothing to revoke) */
    if (!o || o == nmx__tl_rec || atomic_load_explicit(&h->bias_off, memory_order_relaxed))
        return;
    atomic_store_explicit(&h->bias_off, 1, memory_order_seq_cst);
    bool fenced = nmx__barrier_all();
    if (h->rebias_after < REBIAS_MAX)
        h->rebias_after *= 2;
    for (unsigned i = 0;; i++) {
        if (atomic_load_explicit(&o->inside, memory_order_acquire) != h) {
            /* No barrier: the owner's mark may still be on its way; a store
             * does not wait in a processor's buffer across a millisecond and
             * a reschedule. The last resort of a process whose barrier was
             * refused after it had been granted. */
            if (!fenced) {
                usleep(1000);
                if (atomic_load_explicit(&o->inside, memory_order_acquire) == h)
                    continue;
            }
            /* the owner is out: its misuse records are done (nmx__misuse) */
            nmx_spin_acquire(&h->mspin);
            h->mbiased = 0;
            nmx_spin_release(&h->mspin);
            return;
        }
        if (i < 64)
            nmx_cpu_relax();
        else
            sched_yield();
    }
}

/* The heap lock for anything but the block and size calls. */
static void heap_lock(nmx_heap *h)
{
    nmx_lock_acquire(&h->lock);
    bias_revoke(h);
}

static inline void heap_unlock(nmx_heap *h)
{
    nmx_lock_release(&h->lock);
}

/* The lock for a block or size call when the fast way was not open: the
 * lock, and the run of takings that may make this thread the owner. */
__attribute__((noinline)) static void heap_lock_slow(nmx_heap *h)
{
    nmx_lock_acquire(&h->lock);
    bias_revoke(h);
    struct nmx__trec *r = nmx__tl_rec ? nmx__tl_rec : nmx__trec_get();
    if (!r)
        return;
    if (h->streak_rec != r) {
        h->streak_rec = r;
        h->streak = 0;
    }
    if (++h->streak >= h->rebias_after &&
        atomic_load_explicit(&nmx__bias_on, memory_order_relaxed) &&
        atomic_load_explicit(&r->inside, memory_order_relaxed) == NULL) {
        h->streak = 0;
        nmx_spin_acquire(&h->mspin);
        h->mbiased = 1;
        nmx_spin_release(&h->mspin);
        atomic_store_explicit(&h->bias_owner, r, memory_order_relaxed);
        atomic_store_explicit(&h->bias_off, 0, memory_order_release);
    }
}

/* Enters h as its owner without the lock, if this thread is the owner and
 * the bias is on. Not nested: a thread inside one heap without the lock
 * takes any other heap's lock. */
static inline bool heap_enter_biased(nmx_heap *h)
{
    struct nmx__trec *r = nmx__tl_rec;
    if (r && atomic_load_explicit(&h->bias_owner, memory_order_relaxed) == r &&
        atomic_load_explicit(&r->inside, memory_order_relaxed) == NULL) {
        atomic_store_explicit(&r->inside, h, memory_order_relaxed);
        /* only the compiler is kept from reordering: the processor's part
         * is the revoker's barrier (bias.h) */
        atomic_signal_fence(memory_order_seq_cst);
        if (!atomic_load_explicit(&h->bias_off, memory_order_acquire) &&
            atomic_load_explicit(&h->bias_owner, memory_order_relaxed) == r)
            return true;
        atomic_store_explicit(&r->inside, NULL, memory_order_release);
    }
    return false;
}

/* Block and size calls: true when this thread entered as the owner without
 * the lock, false when it holds the lock. */
static inline bool heap_lock_fast(nmx_heap *h)
{
    if (heap_enter_biased(h))
        return true;
    heap_lock_slow(h);
    return false;
}

static inline void heap_unlock_fast(nmx_heap *h, bool biased)
{
    if (biased)
        atomic_store_explicit(&nmx__tl_rec->inside, NULL, memory_order_release);
    else
        nmx_lock_release(&h->lock);
}

/* ---- public: handles ------------------------------------------------- */

/* Where an error goes when the caller passes no error pointer: a compound
 * literal, so automatic storage of the calling function's body (C11
 * 6.5.2.5p5), one per call and per thread. Use it only at the top level of a
 * function body. */
#define ERRP(e) ((e) ? (e) : &(nmx_err){NMX_OK})

nmx_err nmx_heap_create(const nmx_heap_config *cfg, nmx_heap **out)
{
    if (!out)
        return NMX_EINVAL;
    *out = NULL;
    if (cfg && cfg->version != NMX_HEAP_CONFIG_VERSION)
        return NMX_EINVAL;
    if (fault_check())
        return NMX_EFAULT;
    nmx__bias_init();
    nmx_heap *h = nmx__slot_new();
    if (!h)
        return NMX_ENOMEM;
    /* the slot's last heap may still be biased to a thread that calls with
     * its old key: revoke, then start unbiased */
    heap_lock(h);
    atomic_store_explicit(&h->bias_owner, NULL, memory_order_relaxed);
    h->streak_rec = NULL;
    h->streak = 0;
    h->rebias_after = REBIAS_FIRST;
    h->otag = OTAG(h->slot, h->gen);
    h->flags = cfg ? cfg->flags : 0;
    if (nmx__debug_env())
        h->flags |= NMX_HEAP_DEBUG | NMX_HEAP_CHECK_ON_DESTROY;
    h->quota = cfg ? cfg->quota_bytes : 0;
    memset(&h->st, 0, sizeof h->st);
    h->out_bytes = h->out_blocks = 0;
    h->st.quota_bytes = h->quota;
    h->name[0] = 0;
    if (cfg && cfg->name) {
        strncpy(h->name, cfg->name, sizeof h->name - 1);
        h->name[sizeof h->name - 1] = 0;
    }
    nmx_spin_acquire(&h->mspin);
    h->mbiased = 0;
    memset(h->mcount, 0, sizeof h->mcount);
    memset(&h->mlast, 0, sizeof h->mlast);
    h->on_misuse = NULL;
    h->misuse_ud = NULL;
    nmx_spin_release(&h->mspin);
    atomic_store_explicit(&h->userdata, NULL, memory_order_relaxed);
    atomic_store(&h->terminating, false);
    h->sys = NULL;
    h->sys_cap = h->sys_len = h->sys_tomb = 0;
    if (nmx__mode() == NMX_MEM_MALLOC) {
        /* marks malloc mode; the table is allocated on first use */
        h->sys = (struct sysblk *)(uintptr_t)1;
    }
    h->alive = true;
    atomic_store_explicit(&h->live_gen, h->gen, memory_order_release);
    heap_unlock(h);
    *out = h;
    return NMX_OK;
}

void *nmx_heap_alloc(nmx_heap *h, size_t n, nmx_err *err)
{
    nmx_err *e = ERRP(err);
    if (!h) {
        *e = NMX_EINVAL;
        return NULL;
    }
    bool b = heap_lock_fast(h);
    void *p = alloc_locked(h, n, __builtin_return_address(0), e);
    heap_unlock_fast(h, b);
    return p;
}

void *nmx_heap_realloc(nmx_heap *h, void *p, size_t n, nmx_err *err)
{
    nmx_err *e = ERRP(err);
    if (!h) {
        *e = NMX_EINVAL;
        return NULL;
    }
    bool b = heap_lock_fast(h);
    void *q = realloc_locked(h, p, n, __builtin_return_address(0), e);
    heap_unlock_fast(h, b);
    return q;
}

nmx_err nmx_heap_free(nmx_heap *h, void *p)
{
    if (!h)
        return NMX_EINVAL;
    if (!p)
        return NMX_OK;
    bool b = heap_lock_fast(h);
    nmx_err e = free_locked(h, p, NMX_OP_FREE);
    if (e == NMX_OK && atomic_load_explicit(&h->terminating, memory_order_relaxed))
        e = NMX_ETERMINATE;
    heap_unlock_fast(h, b);
    return e;
}

static size_t size_locked(nmx_heap *h, const void *p, nmx_err *e, bool count)
{
    if (h->sys) {
        size_t n = 0;
        if (!nmx__sys_find(h, p, &n)) {
            if (count)
                nmx__misuse(h, NMX_MISUSE_WILD, NMX_OP_SIZE, p, 0, NULL);
            *e = NMX_EBADPTR;
            return 0;
        }
        *e = NMX_OK;
        return n;
    }
    struct loc L;
    int k = locate(h, p, &L);
    if (k >= 0) {
        if (count)
            nmx__misuse(h, (nmx_misuse_kind)k, NMX_OP_SIZE, p, 0, NULL);
        *e = NMX_EBADPTR;
        return 0;
    }
    *e = NMX_OK;
    return L.size;
}

size_t nmx_heap_size(nmx_heap *h, const void *p, nmx_err *err)
{
    nmx_err *e = ERRP(err);
    if (!h || !p) {
        *e = h ? NMX_EBADPTR : NMX_EINVAL;
        return 0;
    }
    bool b = heap_lock_fast(h);
    size_t n = size_locked(h, p, e, true);
    heap_unlock_fast(h, b);
    return n;
}

bool nmx_heap_owns(nmx_heap *h, const void *p)
{
    if (!h || !p)
        return false;
    nmx_err e;
    bool b = heap_lock_fast(h);
    size_locked(h, p, &e, false);
    heap_unlock_fast(h, b);
    return e == NMX_OK;
}

void nmx_heap_terminate(nmx_heap *h)
{
    if (h) {
        atomic_store(&h->terminating, true);
    }
}

const _Atomic _Bool *nmx__heap_term_flag(const nmx_heap *h)
{
    return &h->terminating;
}

void nmx_heap_set_misuse_handler(nmx_heap *h, nmx_misuse_fn fn, void *ud)
{
    heap_lock(h);
    nmx_spin_acquire(&h->mspin);
    h->on_misuse = fn;
    h->misuse_ud = ud;
    nmx_spin_release(&h->mspin);
    heap_unlock(h);
}

void nmx_heap_set_quota(nmx_heap *h, uint64_t q)
{
    heap_lock(h);
    h->quota = q;
    h->st.quota_bytes = q;
    heap_unlock(h);
}

const char *nmx_heap_name(const nmx_heap *h)
{
    return h ? h->name : "";
}

void nmx_heap_set_userdata(nmx_heap *h, void *ud)
{
    atomic_store_explicit(&h->userdata, ud, memory_order_release);
}

void *nmx_heap_userdata(const nmx_heap *h)
{
    return h ? atomic_load_explicit(&((nmx_heap *)(uintptr_t)h)->userdata, memory_order_acquire)
             : NULL;
}

uint64_t nmx_heap_token(const nmx_heap *h)
{
    return h ? nmx__token_encode(h->slot, h->gen) : 0;
}

void nmx_heap_get_stats(nmx_heap *h, nmx_heap_stats *st)
{
    if (!h || !st)
        return;
    heap_lock(h);
    *st = h->st;
    st->cur_bytes = cur_bytes(h);
    st->cur_blocks = cur_blocks(h);
    misuse_stats(h, st);
    st->version = NMX_HEAP_STATS_VERSION;
    st->quota_bytes = h->quota;
    st->terminating = atomic_load(&h->terminating);
    heap_unlock(h);
}

/* ---- ending a heap --------------------------------------------------- */

static int run_cmp(const void *a, const void *b)
{
    const struct hrun *x = a, *y = b;
    if (x->ar != y->ar)
        return x->ar->index < y->ar->index ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void leak_add(nmx_heap_report *r, size_t *cap, const void *p, size_t n,
                     const void *site, bool overrun)
{
    if (r->nleaks == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        nmx_leak *l = realloc(r->leaks, nc * sizeof *l);
        if (!l)
            return; /* report stays complete in its counters */
        r->leaks = l;
        *cap = nc;
    }
    r->leaks[r->nleaks++] = (nmx_leak){p, n, site, overrun};
}

/* Scan live blocks for overruns and list them (debug / check heaps). */
static void scan_live(nmx_heap *h, nmx_heap_report *r)
{
    size_t cap = 0;
    for (unsigned cls = 0; cls < NCLASSES; cls++) {
        struct chunk *lists[2] = {h->avail[cls], h->full[cls]};
        for (int li = 0; li < 2; li++)
            for (struct chunk *c = lists[li]; c; c = c->next) {
                uint8_t *base = chunk_addr(c->arena, c->idx);
                uint16_t *rs = chunk_rs(c);
                for (uint32_t w = 0; w < ((uint32_t)c->nblocks + 63u) / 64u; w++) {
                    uint64_t bits = c->live[w];
                    while (bits) {
                        uint32_t bi = w * 64u + (uint32_t)__builtin_ctzll(bits);
                        bits &= bits - 1;
                        uint8_t *p = base + (size_t)bi * c->bsize;
                        bool ov = !canary_ok(p + rs[bi], canary_len(c->bsize, rs[bi]));
                        if (ov)
                            r->overruns++;
                        leak_add(r, &cap, p, rs[bi], c->sites ? c->sites[bi] : NULL, ov);
                    }
                }
            }
    }
    for (struct chunk *c = h->large; c; c = c->next) {
        uint8_t *p = chunk_addr(c->arena, c->idx);
        size_t ccap = (size_t)c->nchunks << CHUNK_SHIFT;
        bool ov = c->loverrun || !canary_ok(p + c->lreq, canary_len(ccap, (size_t)c->lreq));
        if (ov)
            r->overruns++;
        leak_add(r, &cap, p, (size_t)c->lreq, c->lsite, ov);
    }
}

/* Give every chunk of h back (quarantine + background return to the OS). */
static void release_all_chunks(nmx_heap *h)
{
    /* Only debug heaps keep host memory per chunk (allocation sites). */
    if (h->flags & NMX_HEAP_DEBUG)
        for (unsigned cls = 0; cls < NCLASSES; cls++) {
            struct chunk *lists[2] = {h->avail[cls], h->full[cls]};
            for (int li = 0; li < 2; li++)
                for (struct chunk *c = lists[li]; c; c = c->next) {
                    free(c->sites);
                    c->sites = NULL;
                }
        }
    memset(h->avail, 0, sizeof h->avail);
    memset(h->full, 0, sizeof h->full);
    h->empty = h->large = h->lcache = NULL;
    h->nempty = 0;
    h->lcache_bytes = 0;
    /* The run list is in acquisition order, which is mostly address order:
     * sorting it lets neighbouring runs coalesce into few releases. */
    struct release_batch batch = {.count = 0};
    if (h->nruns > 1)
        qsort(h->runs, h->nruns, sizeof *h->runs, run_cmp);
    for (size_t i = 0; i < h->nruns; i++)
        nmx__batch_add(&batch, h->runs[i].ar, h->runs[i].idx, h->runs[i].n, h->otag);
    nmx__batch_flush(&batch);
    h->nruns = 0;
    h->st.footprint_bytes = 0;
}

/* The first step of ending a heap (h->lock held): from now on its key is
 * refused, also by the calls that work without the lock. It must come
 * before any chunk changes state, so that a call that finds one of the
 * heap's live blocks released or re-owned while the heap ends sees the key
 * refused (NMX_EBADKEY), never the block reported as misused. */
static void heap_close_key(nmx_heap *h)
{
    nmx_spin_acquire(&h->mspin);
    atomic_store_explicit(&h->live_gen, 0, memory_order_relaxed);
    nmx_spin_release(&h->mspin);
}

/* Called with h->lock held. */
static void heap_end_locked(nmx_heap *h)
{
    h->alive = false;
    /* the chunks were released or moved to another heap */
    memset(h->hot, 0, sizeof h->hot);
    memset(h->nfc, 0, sizeof h->nfc);
    nmx_spin_acquire(&h->mspin);
    atomic_store_explicit(&h->live_gen, 0, memory_order_relaxed);
    h->on_misuse = NULL;
    h->misuse_ud = NULL;
    memset(h->mcount, 0, sizeof h->mcount);
    nmx_spin_release(&h->mspin);
    atomic_store_explicit(&h->userdata, NULL, memory_order_relaxed);
    memset(&h->st, 0, sizeof h->st);
    h->out_bytes = h->out_blocks = 0;
}

nmx_err nmx_heap_destroy(nmx_heap *h, nmx_heap_report *r)
{
    if (!h)
        return NMX_EINVAL;
    heap_lock(h);
    if (!h->alive) {
        heap_unlock(h);
        return NMX_EBADKEY;
    }
    heap_close_key(h);
    bool scan = (h->flags & (NMX_HEAP_DEBUG | NMX_HEAP_CHECK_ON_DESTROY)) != 0;
    if (r) {
        memset(r, 0, sizeof *r);
        r->version = NMX_HEAP_REPORT_VERSION;
        memcpy(r->name, h->name, sizeof r->name);
        r->leaked_blocks = cur_blocks(h);
        r->leaked_bytes = cur_bytes(h);
        nmx_heap_stats ms;
        misuse_stats(h, &ms);
        r->misuse_total = ms.misuse_total;
        r->peak_bytes = h->st.peak_bytes;
    }
    nmx_heap_report scratch;
    memset(&scratch, 0, sizeof scratch);
    nmx_heap_report *sr = r ? r : &scratch;
    if (h->sys) {
        nmx__sys_destroy(h, sr, scan);
    } else {
        if (scan)
            scan_live(h, sr);
        release_all_chunks(h);
    }
    if (!r)
        free(scratch.leaks);
    heap_end_locked(h);
    heap_unlock(h);
    nmx__slot_free(h);
    return NMX_OK;
}

/* Lock two heaps in slot order; `a` through the slow path if `a_excl` (it
 * is going to end). */
/* Locks two heaps in slot order (no deadlock between opposite pairs). */
static void lock_two(nmx_heap *a, nmx_heap *b)
{
    nmx_heap *first = a->slot < b->slot ? a : b, *second = first == a ? b : a;
    heap_lock(first);
    heap_lock(second);
}

static void reown(struct chunk *c, uint64_t owner)
{
    unsigned kind = c->kind;
    cstate_set(c->arena, c->idx, ST_MAKE(kind, owner, kind == CK_SMALL ? c->cls : c->idx));
    if (kind == CK_LHEAD)
        large_set_tails(c->arena, c->idx, 1, c->nchunks, owner);
}

static void splice(struct chunk **dst, struct chunk **src, uint64_t owner, uint8_t which)
{
    for (struct chunk *c = *src, *nx; c; c = nx) {
        nx = c->next;
        reown(c, owner);
        list_push(dst, c, which);
    }
    *src = NULL;
}

nmx_err nmx_heap_delete(nmx_heap *h, nmx_heap *into)
{
    if (!h || !into || h == into)
        return NMX_EINVAL;
    lock_two(h, into);
    if (!h->alive || !into->alive || (h->sys != NULL) != (into->sys != NULL)) {
        heap_unlock(h);
        heap_unlock(into);
        return NMX_EBADKEY;
    }
    if (!h->sys && !runs_room(into, h->nruns)) {
        heap_unlock(h);
        heap_unlock(into);
        return NMX_ENOMEM; /* nothing moved */
    }
    heap_close_key(h);
    if (h->sys) {
        nmx__sys_move(h, into);
    } else {
        /* the cached blocks back on their chunks' stacks first (a chunk
         * that empties may be given back, from h's runs) */
        for (unsigned cls = 0; cls < NCLASSES; cls++)
            free_cache_flush(h, cls, NULL);
        for (size_t i = 0; i < h->nruns; i++) {
            chunk_meta(h->runs[i].ar, h->runs[i].idx)->rpos = (uint32_t)into->nruns;
            into->runs[into->nruns++] = h->runs[i];
        }
        h->nruns = 0;
        for (unsigned cls = 0; cls < NCLASSES; cls++) {
            splice(&into->avail[cls], &h->avail[cls], into->otag, L_AVAIL);
            splice(&into->full[cls], &h->full[cls], into->otag, L_FULL);
        }
        splice(&into->empty, &h->empty, into->otag, L_EMPTY);
        into->nempty += h->nempty;
        splice(&into->large, &h->large, into->otag, L_LARGE);
        splice(&into->lcache, &h->lcache, into->otag, L_LCACHE);
        into->lcache_bytes += h->lcache_bytes;
        into->st.footprint_bytes += h->st.footprint_bytes;
    }
    /* h's live blocks count in into's current figures from now on */
    into->out_bytes -= cur_bytes(h);
    into->out_blocks -= cur_blocks(h);
    stats_peaks(into);
    heap_end_locked(h);
    heap_unlock(h);
    heap_unlock(into);
    nmx__slot_free(h);
    return NMX_OK;
}

void *nmx_heap_handover(nmx_heap *from, void *p, nmx_heap *to, nmx_err *err)
{
    nmx_err *e = ERRP(err);
    if (!from || !to || !p) {
        *e = NMX_EINVAL;
        return NULL;
    }
    if (from == to) {
        *e = nmx_heap_owns(from, p) ? NMX_OK : NMX_EBADPTR;
        return *e == NMX_OK ? p : NULL;
    }
    lock_two(from, to);
    void *q = NULL;
    if (!from->alive || !to->alive || (from->sys != NULL) != (to->sys != NULL)) {
        *e = NMX_EBADKEY;
    } else if (from->sys) {
        q = nmx__sys_handover(from, p, to, e);
    } else {
        struct loc L;
        int k = locate(from, p, &L);
        if (k >= 0) {
            nmx__misuse(from, (nmx_misuse_kind)k, NMX_OP_HANDOVER, p, 0, NULL);
            *e = NMX_EBADPTR;
        } else if (L.c->kind == CK_LHEAD && !runs_room(to, 1)) {
            *e = NMX_ENOMEM;
        } else if (L.c->kind == CK_LHEAD) {
            /* Re-own the run: same address. */
            runs_del(from, L.c);
            runs_push(to, L.c, L.c->nchunks);
            list_del(&from->large, L.c);
            reown(L.c, to->otag);
            list_push(&to->large, L.c, L_LARGE);
            uint64_t fb = (uint64_t)L.c->nchunks << CHUNK_SHIFT;
            from->st.footprint_bytes -= fb;
            to->st.footprint_bytes += fb;
            nmx__stats_free(from, L.size);
            nmx__stats_alloc(to, L.size);
            q = p;
            *e = NMX_OK;
        } else {
            /* Small: copy into the destination (quota/termination of the
             * destination do not apply: the host is taking the block). */
            q = small_alloc(to, L.size, block_site(&L));
            if (!q) {
                *e = NMX_ENOMEM;
            } else {
                memcpy(q, L.base, L.size);
                nmx__stats_alloc(to, L.size);
                nmx__stats_free(from, L.size);
                small_free(from, &L);
                *e = NMX_OK;
            }
        }
    }
    heap_unlock(from);
    heap_unlock(to);
    return q;
}

/* ---- public: tokens -------------------------------------------------- */

/* The heap a key names while it is alive, without its lock (NULL for a bad
 * or ended key); *gen receives the key's generation. */
static __thread struct {
    uint64_t key, gen;
    nmx_heap *h;
    uint32_t slot;
} tl_key __attribute__((tls_model("initial-exec")));

static inline nmx_heap *key_heap_unlocked(uint64_t key, uint32_t *slot, uint64_t *gen)
{
    nmx_heap *h;
    if (__builtin_expect(key == tl_key.key && key != 0, 1)) {
        /* the last key this thread decoded (the decode is a pure function
         * of the key; slot table entries are never cleared) */
        h = tl_key.h;
        *slot = tl_key.slot;
        *gen = tl_key.gen;
    } else {
        /* (decoded into locals: the caller's slot and gen, whose address
         * would otherwise escape into the call, stay in registers) */
        uint32_t s;
        uint64_t g;
        if (!nmx__token_decode(key, &s, &g))
            return NULL;
        h = nmx__slot_get(s);
        if (!h)
            return NULL;
        tl_key.key = key;
        tl_key.h = h;
        tl_key.slot = *slot = s;
        tl_key.gen = *gen = g;
    }
    if (atomic_load_explicit(&h->live_gen, memory_order_acquire) != *gen)
        return NULL;
    return h;
}

/* Locks and returns the heap named by key, or NULL (EBADKEY). */
/* *biased tells how it was entered (heap_unlock_fast). */
static inline nmx_heap *key_lock(uint64_t key, bool *biased)
{
    uint32_t slot;
    uint64_t gen;
    nmx_heap *h = key_heap_unlocked(key, &slot, &gen);
    if (!h)
        return NULL;
    *biased = heap_lock_fast(h);
    if (!h->alive || h->gen != gen) {
        heap_unlock_fast(h, *biased);
        return NULL;
    }
    return h;
}

void *nmx__key_alloc(uint64_t key, size_t n, nmx_err *err, const void *site)
{
    nmx_err *e = ERRP(err);
    bool b;
    nmx_heap *h = key_lock(key, &b);
    if (!h) {
        *e = NMX_EBADKEY;
        return NULL;
    }
    void *p = alloc_locked(h, n, site ? site : __builtin_return_address(0), e);
    heap_unlock_fast(h, b);
    return p;
}

void *nmx_key_realloc(uint64_t key, void *p, size_t n, nmx_err *err, const void *site)
{
    nmx_err *e = ERRP(err);
    bool b;
    nmx_heap *h = key_lock(key, &b);
    if (!h) {
        *e = NMX_EBADKEY;
        return NULL;
    }
    void *q = realloc_locked(h, p, n, site ? site : __builtin_return_address(0), e);
    heap_unlock_fast(h, b);
    return q;
}

nmx_err nmx__key_free(uint64_t key, void *p)
{
    uint32_t slot;
    uint64_t gen;
    nmx_heap *h = key_heap_unlocked(key, &slot, &gen);
    if (!h)
        return NMX_EBADKEY;
    /* The owner, entered without the lock, decides everything under it; any
     * other thread first refuses what it can without the lock. */
    bool b = heap_enter_biased(h);
    if (!b && p && nmx__mode_value == NMX_MEM_ARENA) {
        const void *canary = NULL;
        int k = classify_unlocked(OTAG(slot, gen), p, &canary);
        if (k >= 0)
            return misuse_unlocked(h, gen, (nmx_misuse_kind)k, NMX_OP_FREE, p) ? NMX_EBADPTR
                                                                                 : NMX_EBADKEY;
        /* the canary is checked under the lock: start its load now, so
         * that it overlaps with taking the lock */
        if (canary)
            __builtin_prefetch(canary);
    }
    if (!b)
        heap_lock_slow(h);
    if (!h->alive || h->gen != gen) {
        heap_unlock_fast(h, b);
        return NMX_EBADKEY;
    }
    nmx_err e = p ? free_locked(h, p, NMX_OP_FREE) : NMX_OK;
    if (e == NMX_OK && atomic_load_explicit(&h->terminating, memory_order_relaxed))
        e = NMX_ETERMINATE;
    heap_unlock_fast(h, b);
    return e;
}

size_t nmx__key_size(uint64_t key, const void *p, nmx_err *err)
{
    nmx_err *e = ERRP(err);
    uint32_t slot;
    uint64_t gen;
    nmx_heap *h = key_heap_unlocked(key, &slot, &gen);
    if (!h) {
        *e = NMX_EBADKEY;
        return 0;
    }
    /* as in nmx_key_free */
    bool b = heap_enter_biased(h);
    if (!b && p && nmx__mode_value == NMX_MEM_ARENA) {
        const void *canary = NULL;
        int k = classify_unlocked(OTAG(slot, gen), p, &canary);
        if (k >= 0) {
            *e = misuse_unlocked(h, gen, (nmx_misuse_kind)k, NMX_OP_SIZE, p) ? NMX_EBADPTR
                                                                               : NMX_EBADKEY;
            return 0;
        }
    }
    if (!b)
        heap_lock_slow(h);
    if (!h->alive || h->gen != gen) {
        heap_unlock_fast(h, b);
        *e = NMX_EBADKEY;
        return 0;
    }
    size_t n = p ? size_locked(h, p, e, true) : 0;
    if (!p)
        *e = NMX_EBADPTR;
    heap_unlock_fast(h, b);
    return n;
}

nmx_err nmx_key_check(uint64_t key, nmx_heap **heap)
{
    bool b;
    nmx_heap *h = key_lock(key, &b);
    if (!h)
        return NMX_EBADKEY;
    nmx_err e = atomic_load(&h->terminating) ? NMX_ETERMINATE : NMX_OK;
    heap_unlock_fast(h, b);
    if (heap)
        *heap = h;
    return e;
}

/* The exported names; the host's Expert* functions call the internal ones
 * directly (mem/key.h), without a trip through the library's PLT. */
void *nmx_key_alloc(uint64_t key, size_t n, nmx_err *err, const void *site)
{
    return nmx__key_alloc(key, n, err, site ? site : __builtin_return_address(0));
}

nmx_err nmx_key_free(uint64_t key, void *p)
{
    return nmx__key_free(key, p);
}

size_t nmx_key_size(uint64_t key, const void *p, nmx_err *err)
{
    return nmx__key_size(key, p, err);
}
