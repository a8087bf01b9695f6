/*
 * Internal structures of the owner-tracked allocator.
 *
 * Address space: arenas of 4 GiB, each aligned to 4 GiB, reserved with
 * MAP_NORESERVE and cut into 64 KiB chunks. A process-wide table indexed by
 * (address >> 32) finds the arena of any address in O(1) without touching
 * the address itself. Each arena keeps:
 *   - cstate[]: one 64-bit state word per chunk (kind, owning heap slot,
 *     head of a large run) read lock-free by any heap's validation;
 *   - a metadata slot per chunk (struct chunk + live bitmap + free-index
 *     stack + requested sizes), outside the chunk so that no user write can
 *     corrupt it and no validation ever reads user memory.
 * Chunks are handed out in address order and, once released, quarantined:
 * a chunk is reused only after every arena has been exhausted (wrap-around),
 * so a stale pointer of an ended heap keeps naming dead memory.
 */
#ifndef NMX_MEM_INTERNAL_H
#define NMX_MEM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nmexpert/mem.h"

#define CHUNK_SHIFT 16u
#define CHUNK_SIZE (1u << CHUNK_SHIFT) /* 64 KiB */
#define ARENA_SHIFT 32u
#define ARENA_SIZE (1ull << ARENA_SHIFT) /* 4 GiB */
#define CHUNKS_PER_ARENA (1u << (ARENA_SHIFT - CHUNK_SHIFT))
#define ADDR_BITS 48u
#define TOP_ENTRIES (1u << (ADDR_BITS - ARENA_SHIFT))
#define MAX_ARENAS 256u /* 1 TiB of address space before chunks are reused */

#define NCLASSES 40u
#define SMALL_MAX 32768u  /* largest small block (class size)          */
#define MIN_BLOCK 16u
#define MAX_BLOCKS (CHUNK_SIZE / MIN_BLOCK) /* 4096 */
#define CANARY_MAX 8u

/* Metadata slot: colour offset (chunk_meta) + header + bitmap (MAX_BLOCKS bits)
 * + 2 uint16 arrays. */
#define META_STRIDE (20u * 1024u)

/* Large runs kept for reuse by a heap after free (per heap). */
#define LCACHE_MAX_CHUNKS 16u     /* runs up to 1 MiB are cached          */
#define LCACHE_MAX_BYTES (4u << 20)
#define EMPTY_CACHE_MAX 4u        /* empty small chunks kept per heap     */
#define FREE_CACHE 8u             /* blocks freed last, kept per class    */

/* chunk kinds in the state word */
enum {
    CK_UNUSED = 0,   /* never handed out                                     */
    CK_SMALL = 1,    /* blocks of one size class                             */
    CK_LHEAD = 2,    /* first chunk of a large block                         */
    CK_LTAIL = 3,    /* following chunk of a large block                     */
    CK_RELEASED = 4, /* quarantined, waiting for (or done) reclaim           */
    CK_FREE = 5,     /* reclaimed after quarantine; reusable on wrap-around  */
    CK_EMPTY = 6     /* held by a heap, no blocks (empty-chunk cache)        */
};

/* state word: kind:3 | owner slot:24 (bits 8..31) | head idx:16 (32..47)
 *             | owner generation, low 16 bits (48..63)
 * For a CK_SMALL chunk, bits 32..47 hold its size class instead (ST_CLASS):
 * with the constant geometry of the class (nmx__cgeom) a pointer's block
 * index and its metadata words are found from the state word alone, without
 * first reading the chunk's header.
 * The owner tag (slot + generation) tells a heap's own released memory
 * (a double free) from memory of an ended heap whose slot was reused. */
#define ST_KIND(s) ((unsigned)((s) & 7u))
#define ST_HEAD(s) ((uint32_t)(((s) >> 32) & 0xFFFFu))
#define ST_CLASS(s) ST_HEAD(s)
#define ST_TAG_MASK (UINT64_C(0xFFFFFF00) | (UINT64_C(0xFFFF) << 48))
#define ST_TAG(s) ((s) & ST_TAG_MASK)
#define OTAG(slot, gen) (((uint64_t)(slot) << 8) | (((uint64_t)(gen) & 0xFFFFu) << 48))
#define ST_MAKE(kind, otag, head) ((uint64_t)(kind) | (otag) | ((uint64_t)(head) << 32))

struct arena;

struct chunk {
    struct chunk *next, *prev;  /* in one of the heap's lists              */
    struct arena *arena;
    uint32_t idx;               /* chunk index in its arena                */
    uint32_t rpos;              /* position in the owner's run list        */
    uint8_t kind;               /* CK_SMALL / CK_LHEAD / CK_EMPTY          */
    uint8_t cls;                /* size class (small)                      */
    uint8_t zeroed;             /* never-used blocks [bump,n) are zero     */
    uint8_t list;               /* which heap list it is on                */
    uint32_t bsize;             /* block size (small)                      */
    uint32_t recip;             /* ceil(2^32 / bsize)                      */
    uint16_t nblocks, nused, nfree, bump;
    /* large */
    uint32_t nchunks;           /* run length in chunks                    */
    uint8_t llive;              /* large block is live                     */
    uint8_t loverrun;
    uint16_t ncached;           /* of nused, blocks in the heap's free cache */
    uint64_t lreq;              /* requested size (large)                  */
    uint64_t lhigh;             /* bytes from the start that may be dirty  */
    const void *lsite;          /* allocation site (large, debug)          */
    const void **sites;         /* per-block sites (small, debug heaps)    */
    uint64_t live[];            /* bitmap, then uint16 freestack[], reqsz[] */
};

struct arena {
    uint8_t *base;              /* ARENA_SIZE bytes, aligned to ARENA_SIZE */
    uint8_t *meta;              /* CHUNKS_PER_ARENA * META_STRIDE          */
    _Atomic uint64_t *cstate;   /* CHUNKS_PER_ARENA words                  */
    uint32_t index;
    uint32_t bump;              /* next never-used chunk (arena lock)      */
};

/* ---- arena.c ----------------------------------------------------------- */
extern _Atomic(struct arena *) nmx__top[TOP_ENTRIES];

/* Reserve `n` consecutive chunks owned by heap slot `owner`. Returns the
 * arena and first index, or false when the address space is exhausted. */
bool nmx__chunks_acquire(uint32_t n, uint64_t owner, struct arena **ar, uint32_t *idx);
/* Try to extend a run [idx, idx+have) in place by `more` chunks. */
bool nmx__chunks_extend(struct arena *ar, uint32_t idx, uint32_t have, uint32_t more,
                        uint64_t owner);
/* Quarantine chunks: state -> RELEASED now; memory and metadata are given
 * back to the OS by the reclaimer, then the chunks become CK_FREE. */
void nmx__chunks_release(struct arena *ar, uint32_t idx, uint32_t n, uint64_t owner);
/* Queue a batch release; flush pushes the batch to the reclaimer. */
struct release_batch {
    struct arena *ar[64];
    uint32_t idx[64], n[64];
    unsigned count;
};
void nmx__batch_add(struct release_batch *b, struct arena *ar, uint32_t idx, uint32_t n,
                    uint64_t owner);
void nmx__batch_flush(struct release_batch *b);
/* Wait until all queued releases have been given back to the OS. */
void nmx__reclaim_wait(void);

static inline uint8_t *chunk_addr(const struct arena *ar, uint32_t idx)
{
    return ar->base + ((uintptr_t)idx << CHUNK_SHIFT);
}
/* A chunk's metadata slot (page aligned: what is given back to the OS). */
static inline uint8_t *meta_slot(const struct arena *ar, uint32_t idx)
{
    return ar->meta + (uintptr_t)idx * META_STRIDE;
}
/* The metadata starts 64..1984 bytes into its slot, a different cache line
 * offset for neighbouring chunks: at the slot's start, every chunk's header
 * (and every page-aligned block) would fall in the same cache set. */
#define META_COLOURS 31u
static inline struct chunk *chunk_meta(const struct arena *ar, uint32_t idx)
{
    return (struct chunk *)(void *)(meta_slot(ar, idx) + (idx % META_COLOURS + 1u) * 64u);
}
/* Zero a chunk's header before it takes a new role. */
static inline void chunk_clear(struct chunk *c)
{
    memset(c, 0, offsetof(struct chunk, live));
}
static inline void cstate_set(struct arena *ar, uint32_t idx, uint64_t st)
{
    atomic_store_explicit(&ar->cstate[idx], st, memory_order_release);
}
static inline uint64_t cstate_get(struct arena *ar, uint32_t idx)
{
    return atomic_load_explicit(&ar->cstate[idx], memory_order_acquire);
}

/* ---- sizes ------------------------------------------------------------- */
static inline unsigned size_class(size_t s) /* s = n + 1, 1 <= s <= SMALL_MAX */
{
    if (s <= 128)
        return (unsigned)((s + 15) >> 4) - 1u;
    unsigned b = 63u - (unsigned)__builtin_clzll((unsigned long long)(s - 1));
    unsigned j = (unsigned)(((s - 1) - ((size_t)1 << b)) >> (b - 2));
    return 8u + (b - 7u) * 4u + j;
}
static inline uint32_t class_size(unsigned cls)
{
    if (cls < 8)
        return (cls + 1u) * 16u;
    unsigned k = cls - 8u, b = 7u + k / 4u, j = k % 4u;
    return (1u << b) + (j + 1u) * (1u << (b - 2u));
}

/* The constant geometry of each size class: block size, ceil(2^32 / size),
 * blocks per chunk, and where the requested sizes start, in bytes from the
 * start of the live bitmap (struct chunk's live[]: the bitmap, then the
 * free-index stack, then the sizes). Filled from class_size() at build time
 * (heap.c). */
struct nmx__cgeom {
    uint32_t bsize, recip;
    uint16_t nblocks, rs_off;
};
extern const struct nmx__cgeom nmx__cgeom[NCLASSES];

/* ---- fault injection (fault.c) ---------------------------------------- */
extern atomic_bool nmx__fault_armed;
bool nmx__fault_hit(void);
static inline bool fault_check(void)
{
    return atomic_load_explicit(&nmx__fault_armed, memory_order_relaxed) && nmx__fault_hit();
}

/* ---- misc -------------------------------------------------------------- */
/* The calling thread's id, asked of the kernel once per thread (arena.c). */
extern __thread int nmx__tl_tid __attribute__((tls_model("initial-exec")));
int nmx__gettid_slow(void);
static inline int nmx__gettid(void)
{
    int t = nmx__tl_tid;
    return __builtin_expect(t != 0, 1) ? t : nmx__gettid_slow();
}
nmx_mem_mode nmx__mode(void);
/* The mode once nmx__mode() has returned (a heap exists): a plain read. */
extern nmx_mem_mode nmx__mode_value;
bool nmx__debug_env(void);

#endif
