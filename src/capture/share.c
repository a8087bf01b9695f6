/*
 * share.c: an incremental walk shared with forked processes
 * (NMX_CAPTURE_SHARE_WALK, docs/capture-formats.md "A walk shared with
 * forked processes").
 *
 * The process that opens the capture (the leader) keeps its index in a
 * sealed memfd instead of private memory, and after every batch it walks
 * publishes what it has walked in the memfd's first page: frames, the
 * offset after them, the split of the index. It also writes every frame's
 * offset in a ring of the last 2^20 frames (after the index), so
 * that a reader finds a frame without following the records from the
 * index entry before it, and can ask the memory for the start of frames
 * ahead of it without reading what lies between (a filtered scan reads
 * the first bytes of most frames only). A process forked from it (a
 * follower) sees the same index, and its reads wait for the leader's
 * publications instead of walking the file again: the file is walked once
 * however many processes read it. The follower never writes there, and
 * cannot: in every process fork() makes, every shared walk's mapping is
 * replaced at once by a read-only one (pthread_atfork), which cannot be
 * made writable again (F_SEAL_FUTURE_WRITE, fcntl(2)), so nothing a
 * follower does, an expert's code included, changes what the leader
 * reads.
 *
 * A follower whose leader is not walking this capture (it walks another
 * one first, or it never walks), stopped (nmx_capture_walk's stop) or
 * published nothing for a while (it is gone) takes the walk over: it
 * copies the published entries into an index of its own and goes on from
 * the published offset as any incremental capture does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture/internal.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/* The memfd's first page. Written by the leader only, as a sequence lock:
 * seq is odd while a publication is being written. */
struct nmx_walk_share {
    uint32_t seq;        /* also the futex word the followers wait on */
    uint32_t state;      /* NMX_SHARE_* */
    int32_t  leader;     /* pid */
    uint32_t active;     /* the leader walks this capture now (nmx_capture_walk) */
    uint64_t nframes, next, idx_split, idx_slots_a;
    /* pcapng: the sections and interfaces walked (a follower follows
     * while they are those it was forked with) and the link types seen */
    uint64_t nsections, nifaces;
    uint32_t nlinktypes;
    uint32_t linktypes[64];
};

#define SHARE_HDR 4096u

/* Every shared walk's mapping in this process, for the fork handler. A
 * spin lock of our own: a pthread lock held across fork() cannot be
 * released in the child. */
struct reg_entry {
    void  *map;
    size_t len;
    int    fd;
};
static struct reg_entry *reg;
static size_t reg_n, reg_cap;
static int reg_lock;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;

static void reg_acquire(void)
{
    while (__atomic_exchange_n(&reg_lock, 1, __ATOMIC_ACQUIRE))
        sched_yield();
}

static void reg_release(void)
{
    __atomic_store_n(&reg_lock, 0, __ATOMIC_RELEASE);
}

/* In the child: read-only views of every shared walk, at the same
 * addresses (the fds are the child's copies; the seals make a view made
 * now read-only for good). A view that cannot be made is unmapped: a
 * process without a read-only view has none at all. */
static void reg_child(void)
{
    for (size_t i = 0; i < reg_n; i++) {
        void *m = mmap(reg[i].map, reg[i].len, PROT_READ, MAP_SHARED | MAP_FIXED, reg[i].fd, 0);
        if (m == MAP_FAILED)
            (void)munmap(reg[i].map, reg[i].len);
    }
    reg_release();
}

static void reg_register(void)
{
    (void)pthread_atfork(reg_acquire, reg_release, reg_child);
}

static bool reg_add(void *map, size_t len, int fd)
{
    pthread_once(&reg_once, reg_register);
    reg_acquire();
    bool ok = true;
    if (reg_n == reg_cap) {
        size_t nc = reg_cap ? reg_cap * 2 : 8;
        struct reg_entry *r = realloc(reg, nc * sizeof *r);
        ok = r != NULL;
        if (ok) {
            reg = r;
            reg_cap = nc;
        }
    }
    if (ok)
        reg[reg_n++] = (struct reg_entry){map, len, fd};
    reg_release();
    return ok;
}

static void reg_remove(void *map)
{
    reg_acquire();
    for (size_t i = 0; i < reg_n; i++)
        if (reg[i].map == map) {
            reg[i] = reg[--reg_n];
            break;
        }
    reg_release();
}

/* A follower that sees no publication for this long takes the walk over
 * (a leader walking publishes every 256 KiB, tens of microseconds apart).
 * NMX_CAPTURE_SHARE_STALL_MS in the environment: tests. */
static int64_t stall_ns(void)
{
    static int64_t v = -1;
    int64_t x = __atomic_load_n(&v, __ATOMIC_RELAXED);
    if (x < 0) {
        const char *e = getenv("NMX_CAPTURE_SHARE_STALL_MS");
        x = (e && *e ? strtoll(e, NULL, 10) : 10) * 1000000;
        __atomic_store_n(&v, x, __ATOMIC_RELAXED);
    }
    return x;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void *nmx__share_reserve(nmx_capture *cap, size_t len)
{
    int fd = (int)syscall(SYS_memfd_create, "nmexpert-walk", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return NULL;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t idx_len = (len + page - 1) / page * page;
    /* NMX_CAPTURE_RING_BITS in the environment: tests (laps of a small ring) */
    const char *rb = getenv("NMX_CAPTURE_RING_BITS");
    unsigned bits = rb && *rb ? (unsigned)strtoul(rb, NULL, 10) : NMX_RING_BITS;
    if (bits < 4 || bits > 24)
        bits = NMX_RING_BITS;
    size_t total = SHARE_HDR + idx_len + ((size_t)1 << bits) * sizeof(uint64_t);
    void *m = MAP_FAILED;
    if (ftruncate(fd, (off_t)total) == 0 &&
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0)
        m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    /* sealed after the leader's writable mapping: every mapping made from
     * now on (a follower's) is read-only for good */
    if (m != MAP_FAILED && fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) != 0) {
        munmap(m, total);
        m = MAP_FAILED;
    }
    if (m != MAP_FAILED && !reg_add(m, total, fd)) {
        munmap(m, total);
        m = MAP_FAILED;
    }
    if (m == MAP_FAILED) {
        close(fd);
        return NULL;
    }
    struct nmx_walk_share *sh = m;
    sh->leader = (int32_t)getpid();
    sh->idx_split = UINT64_MAX;
    cap->ring = (uint64_t *)(void *)((uint8_t *)m + SHARE_HDR + idx_len);
    cap->ring_bits = bits;
    cap->share_map = m;
    cap->share_len = total;
    cap->share_fd = fd;
    __atomic_store_n(&cap->share, sh, __ATOMIC_RELEASE);
    return (uint8_t *)m + SHARE_HDR;
}

void nmx__share_free(nmx_capture *cap)
{
    if (!cap->share_map)
        return;
    reg_remove(cap->share_map);
    /* (a forked process's copy of the fd may have been closed and its
     * number reused: only the leader closes it) */
    bool leader = ((const struct nmx_walk_share *)cap->share_map)->leader == (int32_t)getpid();
    munmap(cap->share_map, cap->share_len);
    if (leader && cap->share_fd >= 0)
        close(cap->share_fd);
}

bool nmx__share_follower(const nmx_capture *cap)
{
    const struct nmx_walk_share *sh = __atomic_load_n(&cap->share, __ATOMIC_ACQUIRE);
    return sh && sh->leader != (int32_t)getpid();
}

bool nmx__share_leader(const nmx_capture *cap)
{
    const struct nmx_walk_share *sh = __atomic_load_n(&cap->share, __ATOMIC_ACQUIRE);
    return sh && sh->leader == (int32_t)getpid();
}

void nmx__share_publish(nmx_capture *cap, uint64_t next, unsigned state)
{
    struct nmx_walk_share *sh = cap->share;
    uint32_t s = sh->seq;
    /* A sequence lock without fences (which ThreadSanitizer does not
     * model): each field is stored with release order, so none can be
     * seen before the odd sequence number; a reader loads each with
     * acquire order, so its second look at the number comes after them. */
    __atomic_store_n(&sh->seq, s + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&sh->idx_split, __atomic_load_n(&cap->idx_split, __ATOMIC_RELAXED),
                     __ATOMIC_RELEASE);
    __atomic_store_n(&sh->idx_slots_a, __atomic_load_n(&cap->idx_slots_a, __ATOMIC_RELAXED),
                     __ATOMIC_RELEASE);
    __atomic_store_n(&sh->next, next, __ATOMIC_RELEASE);
    __atomic_store_n(&sh->nframes, __atomic_load_n(&cap->nframes, __ATOMIC_RELAXED),
                     __ATOMIC_RELEASE);
    __atomic_store_n(&sh->nsections, (uint64_t)cap->nsections, __ATOMIC_RELEASE);
    __atomic_store_n(&sh->nifaces, (uint64_t)cap->nifaces, __ATOMIC_RELEASE);
    size_t nlt = __atomic_load_n(&cap->nlinktypes, __ATOMIC_RELAXED);
    for (size_t i = __atomic_load_n(&sh->nlinktypes, __ATOMIC_RELAXED); i < nlt; i++)
        __atomic_store_n(&sh->linktypes[i], cap->linktypes[i], __ATOMIC_RELEASE);
    __atomic_store_n(&sh->nlinktypes, (uint32_t)nlt, __ATOMIC_RELEASE);
    __atomic_store_n(&sh->state, state, __ATOMIC_RELEASE);
    __atomic_store_n(&sh->seq, s + 2, __ATOMIC_RELEASE);
    /* (not FUTEX_PRIVATE_FLAG: the waiters are other processes) */
    syscall(SYS_futex, &sh->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void nmx__share_active(nmx_capture *cap, bool on)
{
    __atomic_store_n(&cap->share->active, on, __ATOMIC_RELEASE);
}

struct snap {
    uint32_t seq, state;
    uint64_t nframes, next, idx_split, idx_slots_a, nsections, nifaces;
    uint32_t nlinktypes;
    uint32_t linktypes[64];
};

/* A consistent publication; false if the leader seems stuck in the middle
 * of one (it died there). */
static bool share_read(const struct nmx_walk_share *sh, struct snap *o)
{
    for (int tries = 0; tries < 1000000; tries++) {
        uint32_t s1 = __atomic_load_n(&sh->seq, __ATOMIC_ACQUIRE);
        if (s1 & 1) {
            __builtin_ia32_pause();
            continue;
        }
        o->state = __atomic_load_n(&sh->state, __ATOMIC_ACQUIRE);
        o->nframes = __atomic_load_n(&sh->nframes, __ATOMIC_ACQUIRE);
        o->next = __atomic_load_n(&sh->next, __ATOMIC_ACQUIRE);
        o->idx_split = __atomic_load_n(&sh->idx_split, __ATOMIC_ACQUIRE);
        o->idx_slots_a = __atomic_load_n(&sh->idx_slots_a, __ATOMIC_ACQUIRE);
        o->nsections = __atomic_load_n(&sh->nsections, __ATOMIC_ACQUIRE);
        o->nifaces = __atomic_load_n(&sh->nifaces, __ATOMIC_ACQUIRE);
        o->nlinktypes = __atomic_load_n(&sh->nlinktypes, __ATOMIC_ACQUIRE);
        if (o->nlinktypes > 64)
            o->nlinktypes = 64;
        for (uint32_t i = 0; i < o->nlinktypes; i++)
            o->linktypes[i] = __atomic_load_n(&sh->linktypes[i], __ATOMIC_ACQUIRE);
        if (__atomic_load_n(&sh->seq, __ATOMIC_RELAXED) == s1) {
            o->seq = s1;
            return true;
        }
    }
    return false;
}

/* Under the walk's lock: can this process's view take the publication?
 * Not one with sections or interfaces this process was not forked with
 * (their descriptions live in the leader's memory): the follower walks
 * from where it stands instead, and meets them itself. */
static bool share_applies(const nmx_capture *cap, const struct snap *s)
{
    return s->nsections == cap->nsections && s->nifaces == cap->nifaces;
}

/* Under the walk's lock: this process's view of the capture takes the
 * publication (its index entries are already there). */
static void share_apply(nmx_capture *cap, const struct snap *s)
{
    for (size_t i = cap->nlinktypes; i < s->nlinktypes && i < 64; i++) {
        cap->linktypes[i] = s->linktypes[i];
        __atomic_store_n(&cap->nlinktypes, i + 1, __ATOMIC_RELEASE);
    }
    /* the scan's look-ahead stays on: no walk here pulls the bytes in */
    __atomic_store_n(&cap->lazy_hot, UINT64_MAX, __ATOMIC_RELAXED);
    if (s->nframes > __atomic_load_n(&cap->nframes, __ATOMIC_RELAXED) || s->state == NMX_SHARE_DONE) {
        __atomic_store_n(&cap->idx_slots_a, s->idx_slots_a, __ATOMIC_RELAXED);
        __atomic_store_n(&cap->idx_split, s->idx_split, __ATOMIC_RELAXED);
        cap->lazy_next = s->next;
        if (s->nframes > __atomic_load_n(&cap->nframes, __ATOMIC_RELAXED))
            __atomic_store_n(&cap->nframes, s->nframes, __ATOMIC_RELEASE);
    }
    if (s->state == NMX_SHARE_DONE && cap->format != NMX_FORMAT_PCAPNG)
        __atomic_store_n(&cap->lazy_done, true, __ATOMIC_RELEASE);
}

/* Under the walk's lock: an index of this process's own with the entries
 * published so far (this process's view, cap->nframes and lazy_next); the
 * walk goes on from there in this process. */
static void share_take_over(nmx_capture *cap)
{
    uint64_t n = __atomic_load_n(&cap->nframes, __ATOMIC_RELAXED);
    uint64_t split = __atomic_load_n(&cap->idx_split, __ATOMIC_RELAXED);
    uint64_t used = split == UINT64_MAX
                        ? (n + NMX_INDEX_STRIDE - 1) / NMX_INDEX_STRIDE
                        : __atomic_load_n(&cap->idx_slots_a, __ATOMIC_RELAXED) +
                              (n - split + NMX_INDEX_STRIDE - 1) / NMX_INDEX_STRIDE;
    void *m = mmap(NULL, cap->index_map_len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        /* no room for our own: the capture ends at what was published */
        __atomic_store_n(&cap->lazy_done, true, __ATOMIC_RELEASE);
    } else {
        memcpy(m, cap->index, used * sizeof *cap->index);
        /* readers holding the shared view read the same entries there */
        __atomic_store_n(&cap->index, (uint64_t *)m, __ATOMIC_RELEASE);
        cap->index_own = m;
    }
    __atomic_store_n(&cap->share, NULL, __ATOMIC_RELEASE);
}

bool nmx__share_follow(nmx_capture *cap, uint64_t n, const volatile int *stop)
{
    struct nmx_walk_share *sh = __atomic_load_n(&cap->share, __ATOMIC_ACQUIRE);
    int64_t last = now_ns();
    uint32_t seen = UINT32_MAX;
    for (;;) {
        nmx__cap_lazy_lock(cap);
        if (!__atomic_load_n(&cap->share, __ATOMIC_ACQUIRE)) { /* another thread took it over */
            nmx__cap_lazy_unlock(cap);
            return false;
        }
        struct snap s = {0};
        bool ok = share_read(sh, &s) && share_applies(cap, &s);
        if (ok)
            share_apply(cap, &s);
        bool have = n < __atomic_load_n(&cap->nframes, __ATOMIC_RELAXED) ||
                    __atomic_load_n(&cap->lazy_done, __ATOMIC_RELAXED);
        if (have || (stop && __atomic_load_n(stop, __ATOMIC_RELAXED))) {
            nmx__cap_lazy_unlock(cap);
            return true;
        }
        int64_t t = now_ns();
        if (ok && s.seq != seen) {
            seen = s.seq;
            last = t;
        }
        /* a leader that walks another capture first (a run over several)
         * would keep this one waiting: walk it here, as without sharing */
        bool idle = !__atomic_load_n(&sh->active, __ATOMIC_ACQUIRE);
        /* a pcapng's end makes its whole comment (the sections' comments
         * this process holds): made here, by a walk of nothing */
        bool finish_here = s.state == NMX_SHARE_DONE && cap->format == NMX_FORMAT_PCAPNG;
        if (!ok || idle || finish_here || s.state == NMX_SHARE_STOPPED ||
            s.state == NMX_SHARE_DAMAGED || t - last >= stall_ns()) {
            share_take_over(cap);
            nmx__cap_lazy_unlock(cap);
            return false;
        }
        nmx__cap_lazy_unlock(cap);
        struct timespec ts = {0, 1000000}; /* a missed wake-up costs at most this */
        syscall(SYS_futex, &sh->seq, FUTEX_WAIT, s.seq, &ts, NULL, 0);
    }
}
