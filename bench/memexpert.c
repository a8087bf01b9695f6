/*
 * memexpert.c: the allocator benchmark as an expert meets it. A plug-in
 * written against netmon.h only, loaded and run by the real host, that
 * times the Expert* memory functions against glibc in the same process and
 * reports its figures as events (one per measure).
 *
 * (a) churn, the sequence of bench/membench.c test (a): 1000 live slots,
 *     each step frees a random slot and allocates 16..4096 B into it, then
 *     writes one byte. Three systems, each with its own slots, take turns
 *     round after round (the order rotates): glibc calloc/free (zero-filled
 *     like expert memory: the reference), ExpertAllocMemory/
 *     ExpertFreeMemory, glibc malloc/free, and the floor: the least a
 *     zero-filling allocator can do in this sequence (the allocator's size
 *     classes, each a last-in first-out stack of free blocks in one arena,
 *     the requested size zero-filled at reuse, a one-byte end marker
 *     checked at free; no lock, no other check). The floor says what the
 *     machine at hand allows: a target below it cannot be met by any
 *     allocator that zero-fills; the distance from it is what the checks
 *     cost.
 * (q) queries with `live` blocks of 16..256 B allocated through
 *     ExpertAllocMemory: ExpertMemorySize of the expert's own blocks (read
 *     in order from an array of random live blocks), and ExpertMemorySize
 *     and ExpertFreeMemory of pointers the key does not own: the host's
 *     configuration block (a live block of another owner), blocks of glibc
 *     (an address the allocator never handed out), a live block plus 8 (an
 *     interior pointer) and blocks the expert has freed (a stale pointer).
 *     Every one of those calls is a misuse the host must count; the last
 *     event says how many were made, so that the caller can compare it with
 *     the run's record.
 *
 * Each figure is the median over the rounds of: CPU time of the expert's
 * thread (CLOCK_THREAD_CPUTIME_ID), CPU time of the whole process
 * (CLOCK_PROCESS_CPUTIME_ID: includes any work the allocator hands to
 * other threads), and wall time, per call or step.
 *
 * Configuration (text KEY=VALUE pairs, `--set`): steps (per round of (a),
 * default 2000000), rounds (default 5), live (blocks for (q), default
 * 1000000), calls (per round and kind of (q), default 2000000), only
 * ("churn" or "query": one part only).
 *
 * Build (bench/run-memexpert does it against the installed header):
 *     cc -O2 -shared -fPIC -fvisibility=hidden -o memexpert.so memexpert.c \
 *        $(pkg-config --cflags nmexpert)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netmon.h>

#define SLOTS 1000u
#define A_MIN 16u
#define A_SPAN 4081u /* 16..4096 */
#define Q_MIN 16u
#define Q_SPAN 241u /* 16..256 */
#define MAX_ROUNDS 64u
#define FOREIGN_SET 1000u

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
    snprintf(info->szName, sizeof info->szName, "Memory Benchmark");
    snprintf(info->szVendor, sizeof info->szVendor, "nmexpert benchmark");
    snprintf(info->szDescription, sizeof info->szDescription,
             "Times ExpertAllocMemory, ExpertFreeMemory and ExpertMemorySize against glibc");
    info->Version = 1;
    info->Flags = EXPERT_ENUM_FLAG_CONFIGURABLE;
    return TRUE;
}

/* ---- configuration ----------------------------------------------------- */

struct settings {
    unsigned long long steps, calls, live;
    unsigned rounds;
    BOOL churn, query;
};

static void settings_read(PEXPERTCONFIG cfg, struct settings *s)
{
    *s = (struct settings){2000000, 2000000, 1000000, 5, TRUE, TRUE};
    if (!cfg || cfg->RawConfigLength <= sizeof(DWORD))
        return;
    const char *p = (const char *)cfg->RawConfigData;
    const char *end = (const char *)cfg + cfg->RawConfigLength;
    while (p < end && *p) {
        size_t n = strnlen(p, (size_t)(end - p));
        char item[64];
        if (n < sizeof item) {
            memcpy(item, p, n);
            item[n] = 0;
            char *eq = strchr(item, '=');
            if (eq) {
                *eq++ = 0;
                unsigned long long v = strtoull(eq, NULL, 10);
                if (strcmp(item, "steps") == 0 && v)
                    s->steps = v;
                else if (strcmp(item, "calls") == 0 && v)
                    s->calls = v;
                else if (strcmp(item, "live") == 0 && v >= FOREIGN_SET)
                    s->live = v;
                else if (strcmp(item, "rounds") == 0 && v)
                    s->rounds = v < MAX_ROUNDS ? (unsigned)v : MAX_ROUNDS;
                else if (strcmp(item, "only") == 0) {
                    s->churn = strcmp(eq, "churn") == 0;
                    s->query = strcmp(eq, "query") == 0;
                }
            }
        }
        p += n + 1;
    }
}

/* Headless Configure: the defaults, or what is stored. */
BOOL WINAPI Configure(HEXPERTKEY key, PEXPERTCONFIG *ppConfig, PEXPERTSTARTUPINFO si,
                      DWORD flags, HWND hwnd)
{
    static const char dflt[] = "rounds=5\0";
    (void)si;
    (void)flags;
    (void)hwnd;
    if (*ppConfig)
        return TRUE;
    DWORD len = (DWORD)(sizeof(DWORD) + sizeof dflt);
    DWORD err;
    PEXPERTCONFIG cfg = ExpertAllocMemory(key, len, &err);
    if (!cfg)
        return FALSE;
    cfg->RawConfigLength = len;
    memcpy(cfg->RawConfigData, dflt, sizeof dflt);
    *ppConfig = cfg;
    return TRUE;
}

/* ---- clocks, random numbers, medians ------------------------------------ */

struct stamp {
    double thr, proc, wall; /* ns */
};

static double clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct stamp now(void)
{
    struct stamp s;
    s.wall = clock_ns(CLOCK_MONOTONIC);
    s.proc = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    s.thr = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    return s;
}

/* xorshift64, the sequence of bench/membench.c */
static inline uint64_t xs64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static inline uint32_t pick(uint64_t r, uint32_t n)
{
    return (uint32_t)(((r & 0xFFFFFFFFu) * n) >> 32);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Per-round figures of one measure, ns per call. */
struct series {
    const char *name;
    unsigned long long calls; /* per round */
    unsigned n;
    double thr[MAX_ROUNDS], proc[MAX_ROUNDS], wall[MAX_ROUNDS];
};

static void series_add(struct series *s, struct stamp a, struct stamp b)
{
    if (s->n >= MAX_ROUNDS)
        return;
    double c = (double)s->calls;
    s->thr[s->n] = (b.thr - a.thr) / c;
    s->proc[s->n] = (b.proc - a.proc) / c;
    s->wall[s->n] = (b.wall - a.wall) / c;
    s->n++;
}

/* ---- events ------------------------------------------------------------ */

#define NCOLS 7

static NMEVENTDATA *event_new(HEXPERTKEY key)
{
    DWORD err;
    NMEVENTDATA *ev = ExpertAllocMemory(key, sizeof(NMEVENTDATA) + NCOLS * sizeof(NMCOLUMNINFO), &err);
    if (!ev)
        return NULL;
    ev->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    ev->Flags = NMEVENTFLAG_EXPERT;
    ev->szSourceName = "Memory Benchmark";
    ev->szEventName = "Memory functions";
    ev->szDescription = "median ns per call (per step for churn)";
    return ev;
}

static void col_f64(NMEVENTDATA *ev, int i, const char *name, double v)
{
    ev->Column[i].szColumnName = (LPSTR)name;
    ev->Column[i].VariantData.Type = NMCOLUMNTYPE_FLOAT64;
    ev->Column[i].VariantData.Value.Float64Val = v;
}

/* One event per measure: name, rounds, calls per round, medians of thread
 * CPU, process CPU and wall ns per call, and the ratio of thread CPU time to
 * the reference's (0 when there is none). */
static void report(HEXPERTKEY key, NMEVENTDATA *ev, struct series *s, const struct series *ref)
{
    double thr = median(s->thr, s->n), proc = median(s->proc, s->n), wall = median(s->wall, s->n);
    double ratio = 0;
    if (ref) {
        double r[MAX_ROUNDS];
        memcpy(r, ref->thr, sizeof r);
        ratio = thr / median(r, ref->n);
    }
    ev->NumColumns = NCOLS;
    ev->Column[0].szColumnName = "Measure";
    ev->Column[0].VariantData.Type = NMCOLUMNTYPE_STRING;
    ev->Column[0].VariantData.Value.pStringVal = s->name;
    col_f64(ev, 1, "Rounds", (double)s->n);
    col_f64(ev, 2, "Calls per round", (double)s->calls);
    col_f64(ev, 3, "Thread CPU ns", thr);
    col_f64(ev, 4, "Process CPU ns", proc);
    col_f64(ev, 5, "Wall ns", wall);
    col_f64(ev, 6, "Thread CPU ratio to glibc calloc/free", ratio);
    ExpertSubmitEvent(key, ev);
}

/* ---- (a) churn ----------------------------------------------------------- */

enum { SYS_CALLOC, SYS_EXPERT, SYS_MALLOC, SYS_FLOOR, NSYS };

struct churn {
    void *slot[SLOTS];
    uint32_t size[SLOTS]; /* the floor's free needs it */
    uint64_t seed;
};

/* The floor allocator: size classes as docs/allocator.md gives them (16 to
 * 128 bytes by 16, then four per power of two), each class a stack of free
 * blocks, last in, first out, so that a block freed is the next one its
 * class hands out. (Steps of 64 bytes, tried first, cost 15-25 % more here:
 * with more classes a class reuses older, colder blocks.) A class's blocks
 * are carved from one arena and never returned, so a class has at most
 * SLOTS blocks (a new one is carved only when all of its blocks are live)
 * and its stack at most SLOTS entries. The size of a block is the caller's
 * to give back at free, as with C23's free_sized. */
#define FLOOR_STEPS 40u /* classes up to 32 KiB; the churn uses up to 4097 B */
#define FLOOR_MARK 0xA5

static struct floor_heap {
    char *arena, *next, *end;
    uint32_t nfree[FLOOR_STEPS];
    char *stack[FLOOR_STEPS][SLOTS]; /* free blocks, per class */
} *g_floor;

static inline unsigned floor_step(size_t n) /* the class of n + 1 bytes */
{
    size_t s = n + 1;
    if (s <= 128)
        return (unsigned)((s + 15) >> 4) - 1u;
    unsigned b = 63u - (unsigned)__builtin_clzll((unsigned long long)(s - 1));
    unsigned j = (unsigned)(((s - 1) - ((size_t)1 << b)) >> (b - 2));
    return 8u + (b - 7u) * 4u + j;
}

static inline size_t floor_size(unsigned k)
{
    if (k < 8)
        return (k + 1u) * 16u;
    unsigned i = k - 8u, b = 7u + i / 4u, j = i % 4u;
    return ((size_t)1 << b) + (j + 1u) * ((size_t)1 << (b - 2u));
}

static BOOL floor_init(void)
{
    /* each step's SLOTS blocks, at most: address space, touched as used */
    size_t bytes = 0;
    for (unsigned k = floor_step(A_MIN); k <= floor_step(A_MIN + A_SPAN - 1); k++)
        bytes += (size_t)SLOTS * floor_size(k);
    g_floor = calloc(1, sizeof *g_floor);
    if (!g_floor || !(g_floor->arena = malloc(bytes))) {
        free(g_floor);
        g_floor = NULL;
        return FALSE;
    }
    g_floor->next = g_floor->arena;
    g_floor->end = g_floor->arena + bytes;
    return TRUE;
}

static inline void *floor_alloc(size_t n)
{
    struct floor_heap *f = g_floor;
    unsigned k = floor_step(n);
    char *p;
    if (f->nfree[k]) {
        p = f->stack[k][--f->nfree[k]];
        memset(p, 0, n);
    } else {
        size_t sz = floor_size(k);
        if ((size_t)(f->end - f->next) < sz)
            return NULL;
        p = f->next; /* fresh from malloc: zero-fill as at reuse */
        f->next += sz;
        memset(p, 0, n);
    }
    p[n] = (char)FLOOR_MARK;
    return p;
}

static inline void floor_free(void *q, size_t n)
{
    char *p = q;
    if (__builtin_expect(p[n] != (char)FLOOR_MARK, 0))
        abort(); /* the benchmark wrote past a block: a bug of its own */
    unsigned k = floor_step(n);
    g_floor->stack[k][g_floor->nfree[k]++] = p;
}

static HEXPERTKEY g_key; /* the key of this Run, for the allocation calls */

static inline void *sys_alloc(int sys, size_t n)
{
    switch (sys) {
    case SYS_CALLOC:
        return calloc(1, n);
    case SYS_EXPERT:
        return ExpertAllocMemory(g_key, n, NULL);
    case SYS_FLOOR:
        return floor_alloc(n);
    default:
        return malloc(n);
    }
}

static inline void sys_free(int sys, void *p, size_t n)
{
    if (sys == SYS_EXPERT)
        ExpertFreeMemory(g_key, p);
    else if (sys == SYS_FLOOR)
        floor_free(p, n);
    else
        free(p);
}

static BOOL churn_fill(int sys, struct churn *c)
{
    c->seed = 0x9E3779B97F4A7C15ull;
    for (uint32_t i = 0; i < SLOTS; i++) {
        uint64_t r = xs64(&c->seed);
        size_t n = A_MIN + pick(r >> 32, A_SPAN);
        char *p = sys_alloc(sys, n);
        if (!p)
            return FALSE;
        p[0] = (char)i;
        c->slot[i] = p;
        c->size[i] = (uint32_t)n;
    }
    return TRUE;
}

/* The loop is written out once per system so that each calls its functions
 * directly, as an expert's code would. */
#define CHURN_LOOP(ALLOC, FREE)                                                                  \
    do {                                                                                         \
        uint64_t s = c->seed;                                                                    \
        for (unsigned long long k = 0; k < steps; k++) {                                         \
            uint64_t r = xs64(&s);                                                               \
            uint32_t i = pick(r, SLOTS);                                                         \
            size_t n = A_MIN + pick(r >> 32, A_SPAN);                                            \
            FREE(c->slot[i], c->size[i]);                                                        \
            char *p = ALLOC(n);                                                                  \
            if (__builtin_expect(!p, 0))                                                         \
                return FALSE;                                                                    \
            p[0] = (char)k;                                                                      \
            c->slot[i] = p;                                                                      \
            c->size[i] = (uint32_t)n;                                                            \
        }                                                                                        \
        c->seed = s;                                                                             \
    } while (0)

#define A_CALLOC(n) calloc(1, (n))
#define A_MALLOC(n) malloc(n)
#define A_EXPERT(n) ExpertAllocMemory(key, (n), NULL)
#define A_FLOOR(n) floor_alloc(n)
#define F_GLIBC(p, n) free(p)
#define F_EXPERT(p, n) ExpertFreeMemory(key, (p))
#define F_FLOOR(p, n) floor_free((p), (n))

__attribute__((noinline)) static BOOL churn_steps(HEXPERTKEY key, int sys, struct churn *c,
                                                  unsigned long long steps)
{
    switch (sys) {
    case SYS_CALLOC:
        CHURN_LOOP(A_CALLOC, F_GLIBC);
        break;
    case SYS_EXPERT:
        CHURN_LOOP(A_EXPERT, F_EXPERT);
        break;
    case SYS_FLOOR:
        CHURN_LOOP(A_FLOOR, F_FLOOR);
        break;
    default:
        CHURN_LOOP(A_MALLOC, F_GLIBC);
        break;
    }
    return TRUE;
}

static void churn_end(int sys, struct churn *c)
{
    for (uint32_t i = 0; i < SLOTS; i++)
        sys_free(sys, c->slot[i], c->size[i]);
}

static BOOL run_churn(HEXPERTKEY key, NMEVENTDATA *ev, const struct settings *st)
{
    static struct churn c[NSYS];
    struct series s[NSYS] = {
        [SYS_CALLOC] = {.name = "churn: glibc calloc + free", .calls = st->steps},
        [SYS_EXPERT] = {.name = "churn: ExpertAllocMemory + ExpertFreeMemory", .calls = st->steps},
        [SYS_MALLOC] = {.name = "churn: glibc malloc + free (not zero-filled)", .calls = st->steps},
        [SYS_FLOOR] = {.name = "churn: floor (minimal zero-filling allocator, no checks)",
                       .calls = st->steps},
    };
    if (!g_floor && !floor_init())
        return FALSE;
    for (int sys = 0; sys < NSYS; sys++)
        if (!churn_fill(sys, &c[sys]))
            return FALSE;
    /* one unmeasured round each: every size class has its memory */
    unsigned long long warm = st->steps / 4 ? st->steps / 4 : 1;
    for (int sys = 0; sys < NSYS; sys++)
        if (!churn_steps(key, sys, &c[sys], warm))
            return FALSE;
    for (unsigned r = 0; r < st->rounds; r++) {
        for (int j = 0; j < NSYS; j++) {
            int sys = (int)((r + (unsigned)j) % NSYS);
            struct stamp a = now();
            if (!churn_steps(key, sys, &c[sys], st->steps))
                return FALSE;
            struct stamp b = now();
            series_add(&s[sys], a, b);
        }
    }
    for (int sys = 0; sys < NSYS; sys++)
        churn_end(sys, &c[sys]);
    report(key, ev, &s[SYS_CALLOC], &s[SYS_CALLOC]);
    report(key, ev, &s[SYS_EXPERT], &s[SYS_CALLOC]);
    report(key, ev, &s[SYS_MALLOC], &s[SYS_CALLOC]);
    report(key, ev, &s[SYS_FLOOR], &s[SYS_CALLOC]);
    free(g_floor->arena);
    free(g_floor);
    g_floor = NULL;
    return TRUE;
}

/* ---- (q) queries ------------------------------------------------------- */

enum { Q_SIZE_OWN, Q_SIZE_FOREIGN, Q_SIZE_WILD, Q_SIZE_INTERIOR, Q_SIZE_STALE,
       Q_FREE_FOREIGN, Q_FREE_WILD, Q_FREE_INTERIOR, Q_FREE_STALE, NQ };

static volatile SIZE_T g_sink;

__attribute__((noinline)) static unsigned long long size_loop(HEXPERTKEY key, void *const *ptrs,
                                                              size_t nptrs,
                                                              unsigned long long calls)
{
    unsigned long long hits = 0;
    size_t i = 0;
    for (unsigned long long k = 0; k < calls; k++) {
        SIZE_T n = ExpertMemorySize(key, ptrs[i]);
        hits += n != 0;
        if (++i == nptrs)
            i = 0;
    }
    g_sink = (SIZE_T)hits;
    return hits;
}

__attribute__((noinline)) static unsigned long long free_loop(HEXPERTKEY key, void *const *ptrs,
                                                              size_t nptrs,
                                                              unsigned long long calls)
{
    unsigned long long ok = 0;
    size_t i = 0;
    for (unsigned long long k = 0; k < calls; k++) {
        ok += ExpertFreeMemory(key, ptrs[i]) == NMERR_SUCCESS;
        if (++i == nptrs)
            i = 0;
    }
    return ok;
}

static BOOL run_query(HEXPERTKEY key, NMEVENTDATA *ev, PEXPERTCONFIG cfg,
                      const struct settings *st, unsigned long long *misuse_calls,
                      unsigned long long *wrong)
{
    size_t live = (size_t)st->live;
    void **blk = malloc(live * sizeof *blk);
    void **own = malloc(live * sizeof *own);
    void *wild[FOREIGN_SET], *interior[FOREIGN_SET], *stale[FOREIGN_SET];
    void *foreign[1] = {cfg};
    if (!blk || !own) {
        free(blk);
        free(own);
        return FALSE;
    }
    uint64_t seed = 0x2545F4914F6CDD1Dull;
    size_t made = 0;
    for (; made < live; made++) {
        uint64_t r = xs64(&seed);
        char *p = ExpertAllocMemory(key, Q_MIN + pick(r >> 32, Q_SPAN), NULL);
        if (!p)
            break;
        p[0] = 1;
        blk[made] = p;
    }
    BOOL ok = made == live;
    if (ok) {
        for (size_t i = 0; i < live; i++)
            own[i] = blk[pick(xs64(&seed), (uint32_t)live)];
        for (unsigned i = 0; i < FOREIGN_SET; i++) {
            wild[i] = malloc(Q_MIN + pick(xs64(&seed) >> 32, Q_SPAN));
            interior[i] = (char *)blk[pick(xs64(&seed), (uint32_t)live)] + 8;
        }
        /* stale: 1000 distinct blocks freed now (the first of a random
         * permutation's prefix), never handed out again: no allocation
         * follows */
        for (unsigned i = 0; i < FOREIGN_SET; i++) {
            size_t j = i + pick(xs64(&seed), (uint32_t)(live - i));
            void *t = blk[i];
            blk[i] = blk[j];
            blk[j] = t;
            stale[i] = blk[i];
            if (ExpertFreeMemory(key, stale[i]) != NMERR_SUCCESS)
                ++*wrong;
        }
        /* the own-size queries must not see the freed blocks */
        for (size_t i = 0; i < live; i++)
            own[i] = blk[FOREIGN_SET + pick(xs64(&seed), (uint32_t)(live - FOREIGN_SET))];
    }
    struct series s[NQ] = {
        [Q_SIZE_OWN] = {.name = "ExpertMemorySize: own block"},
        [Q_SIZE_FOREIGN] = {.name = "ExpertMemorySize: another owner's block"},
        [Q_SIZE_WILD] = {.name = "ExpertMemorySize: glibc block"},
        [Q_SIZE_INTERIOR] = {.name = "ExpertMemorySize: interior pointer"},
        [Q_SIZE_STALE] = {.name = "ExpertMemorySize: freed block"},
        [Q_FREE_FOREIGN] = {.name = "ExpertFreeMemory: another owner's block"},
        [Q_FREE_WILD] = {.name = "ExpertFreeMemory: glibc block"},
        [Q_FREE_INTERIOR] = {.name = "ExpertFreeMemory: interior pointer"},
        [Q_FREE_STALE] = {.name = "ExpertFreeMemory: freed block"},
    };
    struct {
        void **ptrs;
        size_t n;
        BOOL size;
    } q[NQ] = {
        [Q_SIZE_OWN] = {own, live, TRUE},
        [Q_SIZE_FOREIGN] = {foreign, 1, TRUE},
        [Q_SIZE_WILD] = {wild, FOREIGN_SET, TRUE},
        [Q_SIZE_INTERIOR] = {interior, FOREIGN_SET, TRUE},
        [Q_SIZE_STALE] = {stale, FOREIGN_SET, TRUE},
        [Q_FREE_FOREIGN] = {foreign, 1, FALSE},
        [Q_FREE_WILD] = {wild, FOREIGN_SET, FALSE},
        [Q_FREE_INTERIOR] = {interior, FOREIGN_SET, FALSE},
        [Q_FREE_STALE] = {stale, FOREIGN_SET, FALSE},
    };
    for (unsigned r = 0; ok && r < st->rounds; r++) {
        for (unsigned j = 0; j < NQ; j++) {
            unsigned k = (r + j) % NQ;
            if (!cfg && (k == Q_SIZE_FOREIGN || k == Q_FREE_FOREIGN))
                continue; /* no configuration block: no other owner's block */
            s[k].calls = st->calls;
            struct stamp a = now();
            unsigned long long hits = q[k].size ? size_loop(key, q[k].ptrs, q[k].n, st->calls)
                                                : free_loop(key, q[k].ptrs, q[k].n, st->calls);
            struct stamp b = now();
            series_add(&s[k], a, b);
            /* own blocks all answer, the rest never */
            if (hits != (k == Q_SIZE_OWN ? st->calls : 0))
                ++*wrong;
            if (k != Q_SIZE_OWN)
                *misuse_calls += st->calls;
        }
    }
    for (unsigned k = 0; ok && k < NQ; k++)
        if (s[k].n)
            report(key, ev, &s[k], NULL);
    for (size_t i = FOREIGN_SET; ok && i < live; i++)
        if (ExpertFreeMemory(key, blk[i]) != NMERR_SUCCESS)
            ++*wrong;
    if (!ok)
        for (size_t i = 0; i < made; i++)
            ExpertFreeMemory(key, blk[i]);
    if (ok)
        for (unsigned i = 0; i < FOREIGN_SET; i++)
            free(wild[i]);
    free(blk);
    free(own);
    return ok;
}

/* ---- Run ---------------------------------------------------------------- */

BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd)
{
    (void)si;
    (void)flags;
    (void)hwnd;
    struct settings st;
    settings_read(cfg, &st);
    g_key = key;
    NMEVENTDATA *ev = event_new(key);
    if (!ev)
        return FALSE;
    unsigned long long misuse_calls = 0, wrong = 0;
    BOOL ok = TRUE;
    if (st.churn)
        ok = run_churn(key, ev, &st);
    if (ok && st.query)
        ok = run_query(key, ev, cfg, &st, &misuse_calls, &wrong);
    /* totals: the misuse calls made (compare with the run's record) and the
     * answers that were not the expected ones (must be 0) */
    ev->NumColumns = 3;
    ev->Column[0].szColumnName = "Measure";
    ev->Column[0].VariantData.Type = NMCOLUMNTYPE_STRING;
    ev->Column[0].VariantData.Value.pStringVal = ok ? "totals" : "totals (failed)";
    col_f64(ev, 1, "Misuse calls", (double)misuse_calls);
    col_f64(ev, 2, "Wrong answers", (double)wrong);
    ExpertSubmitEvent(key, ev);
    ExpertFreeMemory(key, ev);
    return ok;
}
