/*
 * source.c: the read-only byte source under a capture: a file mapped with
 * mmap(PROT_READ, MAP_PRIVATE), or a caller buffer. Offsets are 64-bit, so
 * files larger than 4 GiB work on 64-bit hosts.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/internal.h"

static const uint8_t nmx_empty_input[1];

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
    return NMX_OK;
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
}

void nmx_source_close(nmx_source *s)
{
    if (s->map)
        munmap(s->map, s->map_len);
    memset(s, 0, sizeof *s);
}
