/*
 * nmexpert/mem.h: the owner-tracked allocator behind ExpertAllocMemory & co.
 *
 * A heap (nmx_heap) is one owner: normally one expert session. Every block
 * belongs to exactly one heap. The allocator guarantees:
 *
 *   - Exact validation: free/realloc/size of a pointer that is not a live
 *     block of *this* heap (another heap's block, a double free, an interior
 *     pointer, a stack or unmapped address, a pointer of a destroyed heap) is
 *     an error code, never a crash, and changes nothing. Deciding so never
 *     dereferences memory the allocator did not hand out.
 *   - Address space of a destroyed heap is quarantined: it is not handed to
 *     any heap again until the whole reservation has been cycled through, so
 *     a stale pointer cannot name another heap's live block.
 *   - nmx_heap_destroy() frees everything in O(chunks), not O(blocks), and
 *     returns the memory to the operating system.
 *   - Blocks are zero-filled (unless the heap is NMX_HEAP_UNINIT); growth by
 *     realloc is always zero-filled.
 *   - Writes past the requested end of a block are detected at free, at
 *     realloc and (with NMX_HEAP_CHECK_ON_DESTROY) when the heap is destroyed.
 *   - Any thread may use any heap; heaps never share a lock on the fast path.
 *     The thread that uses a heap most (it took the heap's lock several
 *     times in a row) allocates, frees and asks sizes without any atomic
 *     read-modify-write; another thread taking the heap revokes that with a
 *     process-wide barrier (membarrier(2)), which costs it a few microseconds.
 *   - A pointer that is plainly not a live block of the heap is refused and
 *     counted without the heap's lock.
 *
 * Modes (chosen once per process, from the environment):
 *   NMX_MEM_MODE=malloc   one malloc() per block, so AddressSanitizer and
 *                         valgrind see every block. Validation stays exact
 *                         (per-heap hash set); quarantine is the sanitizer's.
 *   NMX_MEM_DEBUG=1       every heap records where each block was allocated
 *                         (same as NMX_HEAP_DEBUG on every heap).
 *   NMX_MEM_BIAS=0        no heap is biased to a thread: every call takes the
 *                         heap's lock (also the case where membarrier(2) is
 *                         missing or refused).
 *
 * Memory of a destroyed heap stays mapped (as zero pages, given back to the
 * OS) and unused until the whole reservation has been cycled through, so a
 * thread still running in an ended session cannot corrupt anyone by writing
 * through its old pointers (arena mode; malloc mode gives no such promise).
 *
 * Lifetimes: a heap handle is valid from nmx_heap_create() until
 * nmx_heap_destroy()/nmx_heap_delete(); afterwards use nmx_heap_token() based
 * lookups (nmx_heap_from_token), which detect ended heaps safely.
 */
#ifndef NMEXPERT_MEM_H
#define NMEXPERT_MEM_H

#include <stdbool.h>
#include <stdio.h>
#include "nmexpert/common.h"

NMX_BEGIN_DECLS

typedef struct nmx_heap nmx_heap;

/* Heap flags (nmx_heap_config.flags). */
#define NMX_HEAP_DEBUG            0x1u /* record the allocating call site      */
#define NMX_HEAP_CHECK_ON_DESTROY 0x2u /* scan live blocks for overruns at end */
#define NMX_HEAP_TERMINATE_ON_QUOTA 0x8u /* a quota failure also requests
                                            termination (nmx_heap_terminate) */
#define NMX_HEAP_UNINIT           0x4u /* nmx_heap_alloc does not zero-fill
                                          (malloc-like; for the host's own
                                          heaps, never for expert sessions) */

#define NMX_HEAP_CONFIG_VERSION 1
typedef struct nmx_heap_config {
    uint32_t    version;     /* NMX_HEAP_CONFIG_VERSION                       */
    uint32_t    flags;       /* NMX_HEAP_*                                    */
    uint64_t    quota_bytes; /* 0 = unlimited; counts requested bytes         */
    const char *name;        /* copied; shown in reports ("expert topusers")  */
} nmx_heap_config;

/* Kinds of misuse the allocator detects and counts. */
typedef enum nmx_misuse_kind {
    NMX_MISUSE_WILD = 0,   /* address the allocator never handed out (stack,
                              unmapped, other allocators)                    */
    NMX_MISUSE_FOREIGN,    /* live block of another heap                     */
    NMX_MISUSE_DOUBLE,     /* block start that is not live (double free)     */
    NMX_MISUSE_INTERIOR,   /* points inside a block, not at its start        */
    NMX_MISUSE_STALE,      /* memory of a destroyed heap                     */
    NMX_MISUSE_OVERRUN,    /* bytes past the requested end were written      */
    NMX_MISUSE_KINDS_
} nmx_misuse_kind;

typedef enum nmx_mem_op {
    NMX_OP_ALLOC = 0, NMX_OP_REALLOC, NMX_OP_FREE, NMX_OP_SIZE,
    NMX_OP_HANDOVER, NMX_OP_DESTROY
} nmx_mem_op;

typedef struct nmx_misuse {
    nmx_misuse_kind kind;
    nmx_mem_op      op;
    const void     *ptr;        /* the pointer passed in                      */
    size_t          block_size; /* OVERRUN: requested size of the block       */
    const void     *alloc_site; /* OVERRUN: where it was allocated (debug)    */
    int             tid;        /* thread id (gettid) of the caller           */
} nmx_misuse;

#define NMX_HEAP_STATS_VERSION 1
typedef struct nmx_heap_stats {
    uint32_t version;             /* NMX_HEAP_STATS_VERSION                    */
    uint64_t cur_bytes, peak_bytes, total_bytes;    /* requested bytes        */
    uint64_t cur_blocks, peak_blocks, total_blocks;
    uint64_t footprint_bytes;     /* memory the heap holds from the system    */
    uint64_t failed_allocs;       /* NULL returns (quota, memory, faults)     */
    uint64_t quota_failures;      /* of which: quota                          */
    uint64_t misuse[NMX_MISUSE_KINDS_];
    uint64_t misuse_total;
    nmx_misuse last_misuse;       /* valid when misuse_total > 0              */
    uint64_t quota_bytes;
    bool     terminating;
} nmx_heap_stats;

/* One block left in a heap when it ended (debug heaps record the site). */
typedef struct nmx_leak {
    const void *ptr;       /* address (no longer valid)                    */
    size_t      size;      /* requested size                               */
    const void *site;      /* return address of the allocating call, or NULL */
    bool        overrun;   /* bytes past the end had been written          */
} nmx_leak;

#define NMX_HEAP_REPORT_VERSION 1
typedef struct nmx_heap_report {
    uint32_t  version;          /* NMX_HEAP_REPORT_VERSION                    */
    char      name[64];         /* the heap's name                            */
    uint64_t  leaked_blocks;    /* blocks still live at the end               */
    uint64_t  leaked_bytes;     /* their requested bytes                      */
    uint64_t  overruns;         /* live blocks found overrun at the end       */
    uint64_t  misuse_total;     /* misuse events over the heap's life         */
    uint64_t  peak_bytes;
    size_t    nleaks;           /* entries in leaks[] (debug/check heaps)     */
    nmx_leak *leaks;            /* owned by the report: nmx_heap_report_free  */
} nmx_heap_report;

/* Callback for misuse events. Calls are serialized per heap (one at a time,
 * each seeing the effects of the previous one), but may come from any thread
 * using the heap and do not always hold the heap's lock: a pointer that is
 * plainly not a live block of the heap (another owner's, an ended heap's,
 * inside a block, never handed out) is counted without it. The handler must
 * not call back into the same heap (nmx_heap_terminate is allowed). */
typedef void (*nmx_misuse_fn)(nmx_heap *h, const nmx_misuse *m, void *ud);

/* ---- lifetime ---------------------------------------------------------- */

/* cfg may be NULL (defaults: no quota, no flags). */
NMX_API nmx_err nmx_heap_create(const nmx_heap_config *cfg, nmx_heap **out);

/* destroy: free every block (report may be NULL), end the heap. */
NMX_API nmx_err nmx_heap_destroy(nmx_heap *h, nmx_heap_report *report);

/* delete: hand every remaining block over to `into` (which then owns and
 * frees them), end `h`. Pointers stay valid and unchanged. */
NMX_API nmx_err nmx_heap_delete(nmx_heap *h, nmx_heap *into);

/* Request termination: from now on allocations fail with NMX_ETERMINATE;
 * frees still free and return NMX_ETERMINATE. Any thread. */
NMX_API void nmx_heap_terminate(nmx_heap *h);

NMX_API void nmx_heap_set_misuse_handler(nmx_heap *h, nmx_misuse_fn fn, void *ud);
NMX_API void nmx_heap_set_quota(nmx_heap *h, uint64_t quota_bytes);
NMX_API const char *nmx_heap_name(const nmx_heap *h);

/* ---- blocks ------------------------------------------------------------ */

/* Zero-filled; n == 0 gives a unique block of size 0. NULL on failure. */
NMX_API void  *nmx_heap_alloc(nmx_heap *h, size_t n, nmx_err *err);
/* p == NULL behaves as alloc. On failure p stays valid and unchanged. */
NMX_API void  *nmx_heap_realloc(nmx_heap *h, void *p, size_t n, nmx_err *err);
/* NULL -> NMX_OK. Not a live block of h -> NMX_EBADPTR, nothing freed. */
NMX_API nmx_err nmx_heap_free(nmx_heap *h, void *p);
/* Requested size of a live block of h; 0 otherwise (err says why). */
NMX_API size_t nmx_heap_size(nmx_heap *h, const void *p, nmx_err *err);
/* Is p a live block of h? O(1), never dereferences p. Counts no misuse. */
NMX_API bool   nmx_heap_owns(nmx_heap *h, const void *p);
/* Move one live block of `from` to `to`; returns its address in `to`
 * (contents and size unchanged; the address may change). */
NMX_API void  *nmx_heap_handover(nmx_heap *from, void *p, nmx_heap *to, nmx_err *err);

/* ---- introspection ----------------------------------------------------- */

NMX_API void nmx_heap_get_stats(nmx_heap *h, nmx_heap_stats *st);
NMX_API void nmx_heap_report_free(nmx_heap_report *r);
/* talloc-style text report: counts, then each leak with its site resolved
 * through dladdr ("libexpert.so(Run+0x4f)"). */
NMX_API void nmx_heap_report_print(const nmx_heap_report *r, FILE *out);
NMX_API const char *nmx_misuse_kind_name(nmx_misuse_kind k);
NMX_API const char *nmx_mem_op_name(nmx_mem_op op);

/* ---- tokens: unforgeable 64-bit names for heaps ----------------------- */
/* A token names one heap for its whole life; once the heap has ended, the
 * token never names any heap again. Used for HEXPERTKEY. */
NMX_API uint64_t nmx_heap_token(const nmx_heap *h);

/* The "_k" variants take a token instead of a handle. They validate the
 * token under the heap's lock, so a heap ended concurrently by another
 * thread is reported as NMX_EBADKEY rather than used after its end (a
 * pointer that is not a live block of the heap is refused, and counted,
 * without the lock: a call racing with the heap's end counts against it or
 * not at all, never against a later heap).
 * `site` is the allocation site to record (NULL: the caller's return
 * address is used). */
NMX_API void   *nmx_key_alloc(uint64_t key, size_t n, nmx_err *err, const void *site);
NMX_API void   *nmx_key_realloc(uint64_t key, void *p, size_t n, nmx_err *err, const void *site);
NMX_API nmx_err nmx_key_free(uint64_t key, void *p);
NMX_API size_t  nmx_key_size(uint64_t key, const void *p, nmx_err *err);
/* NMX_OK, NMX_ETERMINATE or NMX_EBADKEY; *heap receives the handle. */
NMX_API nmx_err nmx_key_check(uint64_t key, nmx_heap **heap);

/* Opaque per-heap user pointer (the host's session). */
NMX_API void  nmx_heap_set_userdata(nmx_heap *h, void *ud);
NMX_API void *nmx_heap_userdata(const nmx_heap *h);

/* ---- process-wide ----------------------------------------------------- */

typedef enum nmx_mem_mode { NMX_MEM_ARENA = 0, NMX_MEM_MALLOC = 1 } nmx_mem_mode;
NMX_API nmx_mem_mode nmx_mem_mode_get(void);

/* Wait until the memory of every heap destroyed so far has been given back
 * to the operating system (destroy returns before that, see above). */
NMX_API void nmx_mem_flush(void);

/* Test hook (SQLite-style fault injection): the nth allocation from now
 * (1 = the next one) and, if `repeat`, every one after it, fails with
 * NMX_EFAULT. n == 0 turns injection off. Counts allocations of all heaps. */
NMX_API void nmx_mem_fault_inject(uint64_t n, bool repeat);
/* Allocations that have failed by injection since the last call to inject. */
NMX_API uint64_t nmx_mem_fault_count(void);

NMX_END_DECLS

#endif /* NMEXPERT_MEM_H */
