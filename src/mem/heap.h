/* The heap object (one owner) and the pieces of the allocator that share it. */
#ifndef NMX_MEM_HEAP_H
#define NMX_MEM_HEAP_H

#include "mem/internal.h"
#include "mem/lock.h"

struct sysblk;

enum { L_NONE = 0, L_AVAIL, L_FULL, L_EMPTY, L_LARGE, L_LCACHE };

struct nmx_heap {
    nmx_lock lock;
    uint32_t slot;                /* index in the slot table (>= 1)         */
    uint64_t gen;                 /* generation of this incarnation         */
    uint64_t otag;                /* OTAG(slot, gen): owner in state words  */
    bool alive;
    atomic_bool terminating;
    uint32_t flags;
    uint64_t quota;

    struct chunk *avail[NCLASSES]; /* small chunks with free blocks         */
    struct chunk *full[NCLASSES];  /* small chunks without                  */
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

    nmx_heap_stats st;             /* counters (version filled on read)     */
    nmx_misuse_fn on_misuse;
    void *misuse_ud;
    void *userdata;
    char name[64];

    nmx_heap *next_free;           /* slot free list                        */
};

/* slots.c */
nmx_heap *nmx__slot_new(void);
void nmx__slot_free(nmx_heap *h);
nmx_heap *nmx__slot_get(uint32_t slot);
uint64_t nmx__token_encode(uint32_t slot, uint64_t gen);
bool nmx__token_decode(uint64_t key, uint32_t *slot, uint64_t *gen);

/* heap.c helpers used by sysheap.c */
void nmx__misuse(nmx_heap *h, nmx_misuse_kind k, nmx_mem_op op, const void *p, size_t bsize,
                 const void *site);
void nmx__stats_alloc(nmx_heap *h, size_t n);
void nmx__stats_free(nmx_heap *h, size_t n);
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
