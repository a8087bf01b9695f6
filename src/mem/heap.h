/* The heap object (one owner) and the pieces of the allocator that share it. */
#ifndef NMX_MEM_HEAP_H
#define NMX_MEM_HEAP_H

#include "mem/internal.h"
#include "mem/bias.h"
#include "mem/lock.h"

struct sysblk;

enum { L_NONE = 0, L_AVAIL, L_FULL, L_EMPTY, L_LARGE, L_LCACHE };

struct nmx_heap {
    nmx_lock lock;
    /* The bias (bias.h): the owner's record, 1 in bias_off when the owner
     * too must take the lock; a run of lock takings by one thread. */
    _Atomic(struct nmx__trec *) bias_owner;
    _Atomic uint32_t bias_off;
    uint32_t streak, rebias_after;
    struct nmx__trec *streak_rec;
    uint32_t slot;                /* index in the slot table (>= 1)         */
    uint64_t gen;                 /* generation of this incarnation         */
    /* gen while the heap is alive, 0 otherwise: what a key is checked
     * against without the lock (set under both locks, cleared under mspin) */
    _Atomic uint64_t live_gen;
    uint64_t otag;                /* OTAG(slot, gen): owner in state words  */
    bool alive;
    atomic_bool terminating;
    uint32_t flags;
    uint64_t quota;

    struct chunk *avail[NCLASSES]; /* small chunks with free blocks         */
    struct chunk *full[NCLASSES];  /* small chunks without                  */
    /* The chunk of the class's last free (on avail[] or full[]) or NULL:
     * allocation takes from it first, so a freed block is the next one its
     * class hands out, while its lines may still be in the cache. */
    struct chunk *hot[NCLASSES];
    /* The blocks of each class freed last, handed out again first (last in,
     * first out): no longer live (their live bit is clear, so every check
     * treats them as freed), but still counted in their chunk's nused and
     * ncached, off its free stack. A chunk's last live block takes the
     * chunk's cached blocks back to its stack before it goes (free_cache
     * in heap.c), so a chunk empties as it would without the cache. */
    struct {
        struct chunk *c;
        uint8_t *p; /* the block (of index bi in c) */
        uint32_t bi;
    } fc[NCLASSES][FREE_CACHE];
    uint8_t nfc[NCLASSES];
    struct chunk *empty;           /* empty small chunks kept for reuse     */
    unsigned nempty;
    struct chunk *large;           /* live large blocks                     */
    struct chunk *lcache;          /* freed large runs kept for reuse       */
    uint64_t lcache_bytes;

    /* Every run of chunks the heap holds (small chunks: n = 1), compact, so
     * that ending the heap never touches the chunks' metadata pages. */
    struct hrun {
        struct arena *ar;
        uint32_t idx, n;
    } *runs;
    size_t nruns, runs_cap;

    /* malloc mode */
    struct sysblk *sys;
    size_t sys_cap, sys_len, sys_tomb;

    nmx_heap_stats st;             /* counters (version filled on read; the
                                      misuse members are kept below; the
                                      current figures are not kept here)    */
    /* Bytes and blocks given back, counted at free: the current figures are
     * the totals less these (heap.c, cur_bytes() and cur_blocks()), so that
     * an allocation and a free each update two counters. Arithmetic modulo
     * 2^64: a heap that takes another's blocks (nmx_heap_delete) lowers
     * them below what it freed. */
    uint64_t out_bytes, out_blocks;

    /* Misuse records, under their own small lock so that a pointer the heap
     * does not own is counted without taking the heap lock (lock order:
     * lock, then mspin), or by the heap's owner inside the heap without the
     * lock, without mspin either (heap.c, nmx__misuse). The handler runs
     * under one or the other: calls are serialized per heap. */
    nmx_spin mspin;
    /* 1 from the grant of a bias to the end of its revocation (the owner
     * may be recording without mspin); under mspin. */
    uint32_t mbiased;
    uint64_t mcount[NMX_MISUSE_KINDS_];
    nmx_misuse mlast;
    nmx_misuse_fn on_misuse;
    void *misuse_ud;
    /* read without the lock by the host's calls that race with the end */
    _Atomic(void *) userdata;
    char name[64];

    nmx_heap *next_free;           /* slot free list                        */
};

/* slots.c */
#define SLOT_BITS 20u
#define MAX_SLOTS (1u << SLOT_BITS)
nmx_heap *nmx__slot_new(void);
void nmx__slot_free(nmx_heap *h);
uint64_t nmx__token_encode(uint32_t slot, uint64_t gen);
bool nmx__token_decode_slow(uint64_t key, uint32_t *slot, uint64_t *gen);

/* The slot table and the token keys, read inline by every keyed call. */
extern _Atomic(nmx_heap *) nmx__slot_tab[MAX_SLOTS];
struct nmx__token_keys {
    uint64_t secret, mul, mul_inv;
};
extern struct nmx__token_keys nmx__tkeys;
extern atomic_bool nmx__tkeys_ready; /* set (release) once the keys exist */

static inline nmx_heap *nmx__slot_get(uint32_t slot)
{
    if (slot == 0 || slot >= MAX_SLOTS)
        return NULL;
    return atomic_load_explicit(&nmx__slot_tab[slot], memory_order_acquire);
}

/* Inverse of x ^= x >> k. */
static inline uint64_t nmx__xs_inv(uint64_t y, unsigned k)
{
    uint64_t x = y;
    for (unsigned s = k; s < 64; s += k)
        x ^= y >> s;
    return x;
}

/* Token -> (slot, generation). Before the first heap exists no token is
 * valid; the keys are made then (slow path). */
static inline bool nmx__token_decode(uint64_t key, uint32_t *slot, uint64_t *gen)
{
    if (__builtin_expect(!atomic_load_explicit(&nmx__tkeys_ready, memory_order_acquire), 0))
        return nmx__token_decode_slow(key, slot, gen);
    uint64_t x = key;
    x = nmx__xs_inv(x, 32);
    x *= nmx__tkeys.mul_inv;
    x = nmx__xs_inv(x, 29);
    x ^= nmx__tkeys.secret;
    *slot = (uint32_t)(x & (MAX_SLOTS - 1));
    *gen = x >> SLOT_BITS;
    return *slot != 0;
}

/* heap.c helpers used by sysheap.c */
/* Counts a misuse and calls the handler (takes mspin; any caller). */
void nmx__misuse(nmx_heap *h, nmx_misuse_kind k, nmx_mem_op op, const void *p, size_t bsize,
                 const void *site);
void nmx__stats_alloc(nmx_heap *h, size_t n);
void nmx__stats_free(nmx_heap *h, size_t n);
/* A block of `old` requested bytes now holds n. */
void nmx__stats_resize(nmx_heap *h, size_t old, size_t n);
bool nmx__canary_ok(const uint8_t *p, size_t k);
void nmx__canary_put(uint8_t *p, size_t k);

/* sysheap.c: malloc mode (called with h->lock held) */
void *nmx__sys_alloc(nmx_heap *h, size_t n, const void *site, nmx_err *e);
void *nmx__sys_realloc(nmx_heap *h, void *p, size_t n, const void *site, nmx_err *e);
nmx_err nmx__sys_free(nmx_heap *h, void *p, nmx_mem_op op);
bool nmx__sys_find(nmx_heap *h, const void *p, size_t *n);
void nmx__sys_destroy(nmx_heap *h, nmx_heap_report *rep, bool want_leaks);
nmx_err nmx__sys_move(nmx_heap *from, nmx_heap *to);
void *nmx__sys_handover(nmx_heap *from, void *p, nmx_heap *to, nmx_err *e);

#endif
