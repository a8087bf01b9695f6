/*
 * malloc mode (NMX_MEM_MODE=malloc): one malloc() per block, so that
 * AddressSanitizer and valgrind see every block with its own redzones.
 * Validation stays exact and never dereferences an unknown pointer: every
 * heap keeps an open-addressing hash set of its live blocks. Misuse is
 * classified only as WILD here (the set cannot tell a foreign block from a
 * stack address); the arena mode gives the precise kinds.
 */
#include <stdlib.h>
#include <string.h>

#include "mem/heap.h"

struct sysblk {
    void *p;         /* NULL: empty; TOMB: deleted */
    size_t n;
    const void *site;
};

#define TOMB ((void *)(uintptr_t)1)
#define SYS_SET(h) ((h)->sys == (struct sysblk *)(uintptr_t)1 ? NULL : (h)->sys)

static size_t hash_ptr(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static struct sysblk *find_slot(struct sysblk *t, size_t cap, const void *p)
{
    if (!t)
        return NULL;
    for (size_t i = hash_ptr(p, cap), probes = 0; probes < cap; i = (i + 1) & (cap - 1), probes++) {
        if (t[i].p == NULL)
            return NULL;
        if (t[i].p == p)
            return &t[i];
    }
    return NULL;
}

static bool grow(nmx_heap *h)
{
    struct sysblk *old = SYS_SET(h);
    size_t ocap = h->sys_cap, ncap = ocap ? ocap * 2 : 64;
    if (old && (h->sys_len + 1) * 4 < ocap * 3 / 2 + 1) /* many tombstones: rehash same size */
        ncap = ocap;
    struct sysblk *t = calloc(ncap, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].p && old[i].p != TOMB) {
            size_t j = hash_ptr(old[i].p, ncap);
            while (t[j].p)
                j = (j + 1) & (ncap - 1);
            t[j] = old[i];
        }
    free(old);
    h->sys = t;
    h->sys_cap = ncap;
    h->sys_tomb = 0;
    return true;
}

static bool insert(nmx_heap *h, void *p, size_t n, const void *site)
{
    if ((h->sys_len + h->sys_tomb + 1) * 4 > h->sys_cap * 3 && !grow(h))
        return false;
    struct sysblk *t = h->sys;
    size_t j = hash_ptr(p, h->sys_cap);
    while (t[j].p && t[j].p != TOMB)
        j = (j + 1) & (h->sys_cap - 1);
    if (t[j].p == TOMB)
        h->sys_tomb--;
    t[j] = (struct sysblk){p, n, site};
    h->sys_len++;
    return true;
}

static void erase(nmx_heap *h, struct sysblk *b)
{
    b->p = TOMB;
    h->sys_len--;
    h->sys_tomb++;
}

bool nmx__sys_find(nmx_heap *h, const void *p, size_t *n)
{
    struct sysblk *b = find_slot(SYS_SET(h), h->sys_cap, p);
    if (!b)
        return false;
    *n = b->n;
    return true;
}

void *nmx__sys_alloc(nmx_heap *h, size_t n, const void *site, nmx_err *e)
{
    uint8_t *p = calloc(1, n + CANARY_MAX);
    if (!p || !insert(h, p, n, site)) {
        free(p);
        *e = NMX_ENOMEM;
        h->st.failed_allocs++;
        return NULL;
    }
    nmx__canary_put(p + n, CANARY_MAX);
    nmx__stats_alloc(h, n);
    *e = NMX_OK;
    return p;
}

static void check(nmx_heap *h, struct sysblk *b, nmx_mem_op op)
{
    if (!nmx__canary_ok((uint8_t *)b->p + b->n, CANARY_MAX))
        nmx__misuse(h, NMX_MISUSE_OVERRUN, op, b->p, b->n, b->site);
}

void *nmx__sys_realloc(nmx_heap *h, void *p, size_t n, const void *site, nmx_err *e)
{
    (void)site;
    struct sysblk *b = find_slot(SYS_SET(h), h->sys_cap, p);
    if (!b) { /* the caller validated p; defend anyway */
        *e = NMX_EBADPTR;
        return NULL;
    }
    check(h, b, NMX_OP_REALLOC);
    size_t old = b->n;
    /* Reserve the table entry first so that failure leaves p untouched. */
    if ((h->sys_len + h->sys_tomb + 2) * 4 > h->sys_cap * 3) {
        if (!grow(h)) {
            *e = NMX_ENOMEM;
            h->st.failed_allocs++;
            return NULL;
        }
        b = find_slot(h->sys, h->sys_cap, p);
        if (!b) {
            *e = NMX_EBADPTR;
            return NULL;
        }
    }
    const void *bsite = b->site;
    uint8_t *q = realloc(p, n + CANARY_MAX);
    if (!q) {
        *e = NMX_ENOMEM;
        h->st.failed_allocs++;
        return NULL;
    }
    erase(h, b);
    insert(h, q, n, bsite); /* cannot fail: room was reserved */
    if (n > old)
        memset(q + old, 0, n - old);
    nmx__canary_put(q + n, CANARY_MAX);
    nmx__stats_resize(h, old, n);
    *e = NMX_OK;
    return q;
}

nmx_err nmx__sys_free(nmx_heap *h, void *p, nmx_mem_op op)
{
    struct sysblk *b = find_slot(SYS_SET(h), h->sys_cap, p);
    if (!b) {
        nmx__misuse(h, NMX_MISUSE_WILD, op, p, 0, NULL);
        return NMX_EBADPTR;
    }
    check(h, b, op);
    nmx__stats_free(h, b->n);
    free(b->p);
    erase(h, b);
    return NMX_OK;
}

void nmx__sys_destroy(nmx_heap *h, nmx_heap_report *r, bool want_leaks)
{
    struct sysblk *t = SYS_SET(h);
    size_t cap = 0;
    for (size_t i = 0; t && i < h->sys_cap; i++) {
        if (!t[i].p || t[i].p == TOMB)
            continue;
        bool ov = !nmx__canary_ok((uint8_t *)t[i].p + t[i].n, CANARY_MAX);
        if (ov)
            r->overruns++;
        if (want_leaks) {
            if (r->nleaks == cap) {
                size_t nc = cap ? cap * 2 : 64;
                nmx_leak *l = realloc(r->leaks, nc * sizeof *l);
                if (l) {
                    r->leaks = l;
                    cap = nc;
                }
            }
            if (r->nleaks < cap)
                r->leaks[r->nleaks++] = (nmx_leak){t[i].p, t[i].n, t[i].site, ov};
        }
        free(t[i].p);
    }
    free(t);
    h->sys = NULL;
    h->sys_cap = h->sys_len = h->sys_tomb = 0;
}

nmx_err nmx__sys_move(nmx_heap *from, nmx_heap *to)
{
    struct sysblk *t = SYS_SET(from);
    for (size_t i = 0; t && i < from->sys_cap; i++)
        if (t[i].p && t[i].p != TOMB && !insert(to, t[i].p, t[i].n, t[i].site))
            free(t[i].p); /* cannot track it: drop it rather than leak it */
    free(t);
    from->sys = NULL;
    from->sys_cap = from->sys_len = from->sys_tomb = 0;
    return NMX_OK;
}

void *nmx__sys_handover(nmx_heap *from, void *p, nmx_heap *to, nmx_err *e)
{
    struct sysblk *b = find_slot(SYS_SET(from), from->sys_cap, p);
    if (!b) {
        nmx__misuse(from, NMX_MISUSE_WILD, NMX_OP_HANDOVER, p, 0, NULL);
        *e = NMX_EBADPTR;
        return NULL;
    }
    if (!insert(to, p, b->n, b->site)) {
        *e = NMX_ENOMEM;
        return NULL;
    }
    nmx__stats_free(from, b->n);
    nmx__stats_alloc(to, b->n);
    erase(from, b);
    *e = NMX_OK;
    return p;
}
