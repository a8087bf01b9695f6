/*
 * source.c: the read-only byte source under a capture: a file mapped with
 * mmap(PROT_READ, MAP_PRIVATE), or a caller buffer. Offsets are 64-bit, so
 * files larger than 4 GiB work on 64-bit hosts.
 *
 * Bounded residency. The whole file is mapped (address space only), but the
 * pages a pass has finished with are handed back with MADV_DONTNEED
 * (madvise(2)): the resident set of the mapping stays near the window
 * (NMX_SOURCE_RESIDENT) whatever the file size. For a read-only private
 * mapping nothing is lost by it: the addresses stay valid, and a released
 * page touched again is mapped again from the page cache (read from disk if
 * the kernel evicted it meanwhile). So frame pointers handed out earlier
 * stay usable; only their first touch after a release costs a page fault.
 * Releases are in 2 MiB chunks, aligned like the mapping (the kernel maps a
 * large file at a huge-page boundary), so large page-cache folios are
 * unmapped whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/internal.h"

static const uint8_t nmx_empty_input[1];

static void source_free_res(nmx_source *s)
{
    if (!s->res)
        return;
    for (int i = 0; i < NMX_RES_STREAMS; i++) {
        free(s->res[i].bits);
        free(s->res[i].ring);
    }
    free(s->res);
    s->res = NULL;
}

nmx_err nmx_source_open_file(nmx_source *s, const char *path, nmx_diag *diag)
{
    memset(s, 0, sizeof *s);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nmx_diag_set(diag, NMX_EIO, UINT64_MAX, (uint64_t)errno, 0, "%s: %s", path,
                            strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return nmx_diag_set(diag, NMX_EIO, UINT64_MAX, (uint64_t)e, 0, "%s: %s", path,
                            strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return nmx_diag_set(diag, NMX_EUNSUPPORTED, UINT64_MAX, 0, 0,
                            "%s: not a regular file (pipes and devices are not read)", path);
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size > (uint64_t)SIZE_MAX) {
        close(fd);
        return nmx_diag_set(diag, NMX_EUNSUPPORTED, UINT64_MAX, size, (uint64_t)SIZE_MAX,
                            "%s: file of %llu bytes is larger than the address space", path,
                            (unsigned long long)size);
    }
    if (size == 0) {
        close(fd);
        s->base = nmx_empty_input;
        s->size = 0;
        return NMX_OK;
    }
    void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED)
        return nmx_diag_set(diag, e == ENOMEM ? NMX_ENOMEM : NMX_EIO, UINT64_MAX, (uint64_t)e, 0,
                            "%s: mmap: %s", path, strerror(e));
    /* The index is built by one front-to-back pass. */
    (void)madvise(map, (size_t)size, MADV_SEQUENTIAL);
    s->map = map;
    s->map_len = (size_t)size;
    s->base = map;
    s->size = size;
    uint64_t window = NMX_SOURCE_RESIDENT;
    const char *w = getenv("NMX_CAPTURE_RESIDENT");
    if (w && *w)
        window = strtoull(w, NULL, 10);
    if (window && window < size) {
        /* at least four chunks: the current ones and one behind */
        window = (window + NMX_SOURCE_CHUNK - 1) & ~(NMX_SOURCE_CHUNK - 1);
        if (window < 4 * NMX_SOURCE_CHUNK)
            window = 4 * NMX_SOURCE_CHUNK;
    }
    if (window && size > window) {
        size_t nchunks = (size_t)((size + NMX_SOURCE_CHUNK - 1) / NMX_SOURCE_CHUNK);
        s->res = calloc(NMX_RES_STREAMS, sizeof *s->res);
        bool ok = s->res != NULL;
        for (int i = 0; s->res && i < NMX_RES_STREAMS; i++) {
            nmx_resident *r = &s->res[i];
            /* a frame table (4 bytes a frame) is read far more slowly
             * than the records: a quarter of the window */
            r->ring_len = (size_t)(window / NMX_SOURCE_CHUNK / (i == NMX_RES_TABLE ? 4 : 1));
            if (r->ring_len < 4)
                r->ring_len = 4;
            r->bits = calloc((nchunks + 63) / 64, sizeof *r->bits);
            r->ring = calloc(r->ring_len, sizeof *r->ring);
            ok = ok && r->bits && r->ring;
        }
        if (ok)
            s->window = window;
        else
            source_free_res(s); /* the whole file may stay resident then */
    }
    return NMX_OK;
}

/* The first bytes of the file, kept through the indexing pass. */
static uint64_t source_head(const nmx_source *s)
{
    return (s->window / 2) & ~(NMX_SOURCE_CHUNK - 1);
}

static void source_release(const nmx_source *s, uint64_t from, uint64_t to)
{
    if (to > s->map_len)
        to = s->map_len;
    if (from < to)
        (void)madvise((uint8_t *)s->map + from, (size_t)(to - from), MADV_DONTNEED);
}

void nmx__source_pass_release(const nmx_source *s, uint64_t *done, uint64_t off)
{
    uint64_t to = (off & ~(NMX_SOURCE_CHUNK - 1)) - NMX_SOURCE_CHUNK;
    uint64_t from = *done & ~(NMX_SOURCE_CHUNK - 1);
    uint64_t head = source_head(s);
    if (from < head)
        from = head;
    source_release(s, from, to);
    *done = to;
}

static void res_set(nmx_resident *r, uint64_t c, bool on)
{
    uint64_t m = UINT64_C(1) << (c % 64);
    if (on)
        __atomic_fetch_or(&r->bits[c / 64], m, __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&r->bits[c / 64], ~m, __ATOMIC_RELAXED);
}

void nmx__pid_lock(int *word)
{
    int me = (int)getpid();
    for (;;) {
        int cur = 0;
        if (__atomic_compare_exchange_n(word, &cur, me, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return;
        if (cur != me &&
            __atomic_compare_exchange_n(word, &cur, me, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return;
        sched_yield();
    }
}

void nmx__pid_unlock(int *word)
{
    __atomic_store_n(word, 0, __ATOMIC_RELEASE);
}

/* Counts chunk c (under the lock). When the ring is full, the quarter of
 * it touched first is released (contiguous chunks in one call), except
 * chunks in [keep0, keep1]. */
static void res_add(const nmx_source *s, nmx_resident *r, uint64_t c, uint64_t keep0,
                    uint64_t keep1)
{
    if (nmx__source_mapped(r, c))
        return;
    if (r->ring_count == r->ring_len) {
        /* at least three: an access spans at most two chunks, kept */
        size_t k = r->ring_len / 4 > 3 ? r->ring_len / 4 : 3;
        uint64_t run0 = 0, run1 = 0; /* pending run [run0, run1) */
        for (size_t i = 0; i < k; i++) {
            uint64_t old = r->ring[r->ring_head];
            r->ring_head = (r->ring_head + 1) % r->ring_len;
            r->ring_count--;
            if (old >= keep0 && old <= keep1) { /* still in use: count it again */
                r->ring[(r->ring_head + r->ring_count) % r->ring_len] = old;
                r->ring_count++;
                continue;
            }
            res_set(r, old, false);
            if (run1 > run0 && old == run1) {
                run1++;
                continue;
            }
            if (run1 > run0)
                source_release(s, run0 * NMX_SOURCE_CHUNK, run1 * NMX_SOURCE_CHUNK);
            run0 = old;
            run1 = old + 1;
        }
        if (run1 > run0)
            source_release(s, run0 * NMX_SOURCE_CHUNK, run1 * NMX_SOURCE_CHUNK);
    }
    res_set(r, c, true);
    r->ring[(r->ring_head + r->ring_count) % r->ring_len] = c;
    r->ring_count++;
}

void nmx__source_track(const nmx_source *s, nmx_resident *r, uint64_t c0, uint64_t c1)
{
    nmx__pid_lock(&r->owner); /* once per new chunk only */
    for (uint64_t c = c0; c <= c1; c++)
        res_add(s, r, c, c0, c1);
    nmx__pid_unlock(&r->owner);
}

void nmx_source_memory(nmx_source *s, const void *buf, size_t len)
{
    memset(s, 0, sizeof *s);
    s->base = len ? buf : nmx_empty_input;
    s->size = len;
}

void nmx_source_done_indexing(nmx_source *s)
{
    if (s->map)
        (void)madvise(s->map, s->map_len, MADV_NORMAL);
    if (s->window) {
        /* the pass kept the head of the file: a scan from the first frame
         * finds it mapped, and it counts in the records' window */
        uint64_t head = source_head(s);
        source_release(s, head, s->map_len);
        nmx_resident *r = &s->res[NMX_RES_RECORDS];
        for (uint64_t c = 0; c < head / NMX_SOURCE_CHUNK; c++)
            res_add(s, r, c, 0, UINT64_MAX);
    }
}

void nmx_source_close(nmx_source *s)
{
    if (s->map)
        munmap(s->map, s->map_len);
    source_free_res(s);
    memset(s, 0, sizeof *s);
}
