/*
 * writer.c: streaming output (buffered file or growing memory buffer) and
 * the public writer API; the formats are in write_pcap.c, write_pcapng.c and
 * write_netmon.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/writer.h"

/* First size of a memory writer's buffer (it grows by doubling). */
#define NMX_W_BUF (256u * 1024u)
/* A file writer writes blocks of this size at offsets that are multiples of
 * it (the first and the last block, and the block after a patch, may be
 * shorter). The page cache of a file written this way is made of large
 * folios (up to the 2 MiB huge page, on file systems that cache files in
 * large folios), which a reader that maps the file maps and unmaps a folio
 * at a time; a file written in small writes is cached, and mapped, one
 * 4 KiB page at a time (docs/capture-formats.md, "Memory"). */
#define NMX_W_BLOCK (UINT64_C(2) << 20)

nmx_err nmx_w_fail(nmx_writer *w, nmx_err code, uint64_t value, uint64_t limit, const char *fmt,
                   ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (w->diag.code == NMX_OK)
        nmx_diag_set(&w->diag, code, w->pos, value, limit, "%s: frame %llu: %s", w->name,
                     (unsigned long long)w->nframes, text);
    return code;
}

static nmx_err w_flush(nmx_writer *w)
{
    size_t done = 0;
    while (done < w->len) {
        ssize_t r = write(w->fd, w->buf + done, w->len - done);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            w->len = 0;
            if (w->diag.code == NMX_OK)
                nmx_diag_set(&w->diag, NMX_EIO, w->pos, (uint64_t)e, 0, "%s: write: %s", w->name,
                             strerror(e));
            return NMX_EIO;
        }
        done += (size_t)r;
    }
    w->len = 0;
    return NMX_OK;
}

/* File writer: fills the buffer up to the next multiple of NMX_W_BLOCK of
 * the output offset, then writes it. */
static nmx_err w_put_file(nmx_writer *w, const uint8_t *p, size_t n)
{
    if (!w->buf) {
        w->buf = malloc((size_t)NMX_W_BLOCK);
        if (!w->buf)
            return nmx_w_fail(w, NMX_ENOMEM, n, 0, "out of memory");
        w->cap = (size_t)NMX_W_BLOCK;
    }
    while (n) {
        /* the buffer holds the output from `start`; it is written when it
         * reaches the block boundary after start */
        size_t start = (size_t)((w->pos - w->len) % NMX_W_BLOCK);
        size_t room = (size_t)NMX_W_BLOCK - start - w->len;
        size_t k = n < room ? n : room;
        memcpy(w->buf + w->len, p, k);
        w->len += k;
        w->pos += k;
        p += k;
        n -= k;
        if (k == room && w_flush(w) != NMX_OK)
            return NMX_EIO;
    }
    return NMX_OK;
}

nmx_err nmx_w_put(nmx_writer *w, const void *p, size_t n)
{
    if (w->diag.code != NMX_OK)
        return w->diag.code;
    if (w->fd >= 0)
        return w_put_file(w, p, n);
    if (w->len + n > w->cap) {
        size_t ncap = w->cap ? w->cap : NMX_W_BUF;
        while (ncap < w->len + n) {
            if (ncap > SIZE_MAX / 2)
                return nmx_w_fail(w, NMX_ENOMEM, n, 0, "out of memory");
            ncap *= 2;
        }
        uint8_t *q = realloc(w->buf, ncap);
        if (!q)
            return nmx_w_fail(w, NMX_ENOMEM, n, 0, "out of memory");
        w->buf = q;
        w->cap = ncap;
    }
    if (n)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
    w->pos += n;
    return NMX_OK;
}

nmx_err nmx_w_zero(nmx_writer *w, size_t n)
{
    static const uint8_t zeros[64];
    while (n) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        nmx_err e = nmx_w_put(w, zeros, k);
        if (e != NMX_OK)
            return e;
        n -= k;
    }
    return NMX_OK;
}

nmx_err nmx_w_u8(nmx_writer *w, uint8_t v)
{
    return nmx_w_put(w, &v, 1);
}

nmx_err nmx_w_u16(nmx_writer *w, uint16_t v)
{
    uint8_t b[2];
    nmx_st16(b, v);
    return nmx_w_put(w, b, 2);
}

nmx_err nmx_w_u32(nmx_writer *w, uint32_t v)
{
    uint8_t b[4];
    nmx_st32(b, v);
    return nmx_w_put(w, b, 4);
}

nmx_err nmx_w_u64(nmx_writer *w, uint64_t v)
{
    uint8_t b[8];
    nmx_st64(b, v);
    return nmx_w_put(w, b, 8);
}

nmx_err nmx_w_patch(nmx_writer *w, uint64_t off, const void *p, size_t n)
{
    if (w->diag.code != NMX_OK)
        return w->diag.code;
    if (w->fd < 0) {
        memcpy(w->buf + off, p, n);
        return NMX_OK;
    }
    if (w_flush(w) != NMX_OK)
        return NMX_EIO;
    if (pwrite(w->fd, p, n, (off_t)off) != (ssize_t)n) {
        int e = errno;
        nmx_diag_set(&w->diag, NMX_EIO, off, (uint64_t)e, 0, "%s: pwrite: %s", w->name,
                     strerror(e));
        return NMX_EIO;
    }
    return NMX_OK;
}

nmx_err nmx_w_check_frame(nmx_writer *w, const nmx_frame *f)
{
    if (f->caplen && !f->data)
        return nmx_w_fail(w, NMX_EINVAL, f->caplen, 0, "frame data is NULL");
    if (f->caplen > NMX_CAPTURE_MAX_CAPLEN)
        return nmx_w_fail(w, NMX_EINVAL, f->caplen, NMX_CAPTURE_MAX_CAPLEN,
                          "captured length %u exceeds limit %u", f->caplen,
                          NMX_CAPTURE_MAX_CAPLEN);
    return NMX_OK;
}

static void writer_free(nmx_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w->buf);
    free(w->nm_offsets);
    for (size_t i = 0; i < w->nm_ncomments; i++)
        free(w->nm_comments[i].title);
    free(w->nm_comments);
    free(w->name);
    free(w);
}

static nmx_err writer_new(const char *path, nmx_write_format format, uint32_t linktype,
                          uint32_t snaplen, nmx_writer **out, nmx_diag *diag)
{
    if (out)
        *out = NULL;
    const nmx_writer_ops *ops = NULL;
    switch (format) {
    case NMX_WRITE_PCAP_US:
    case NMX_WRITE_PCAP_NS: ops = &nmx_write_pcap_ops; break;
    case NMX_WRITE_PCAPNG: ops = &nmx_write_pcapng_ops; break;
    case NMX_WRITE_NETMON: ops = &nmx_write_netmon_ops; break;
    }
    if (!out || !ops)
        return nmx_diag_set(diag, NMX_EINVAL, UINT64_MAX, (uint64_t)format, 0,
                            "nmx_writer_open: invalid argument");
    nmx_writer *w = calloc(1, sizeof *w);
    if (w)
        w->name = strdup(path ? path : "<memory>");
    if (!w || !w->name) {
        free(w);
        return nmx_diag_set(diag, NMX_ENOMEM, UINT64_MAX, 0, 0, "out of memory");
    }
    w->fd = -1;
    w->ops = ops;
    w->format = format;
    w->linktype = linktype;
    w->snaplen = snaplen ? snaplen : NMX_CAPTURE_MAX_CAPLEN;
    if (path) {
        w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (w->fd < 0) {
            int e = errno;
            nmx_diag_set(diag, NMX_EIO, UINT64_MAX, (uint64_t)e, 0, "%s: %s", path, strerror(e));
            writer_free(w);
            return NMX_EIO;
        }
    }
    nmx_err e = w->ops->begin(w);
    if (e != NMX_OK) {
        if (diag)
            *diag = w->diag;
        writer_free(w);
        return e;
    }
    *out = w;
    return NMX_OK;
}

nmx_err nmx_writer_open(const char *path, nmx_write_format format, uint32_t linktype,
                        uint32_t snaplen, nmx_writer **out, nmx_diag *diag)
{
    if (!path) {
        if (out)
            *out = NULL;
        return nmx_diag_set(diag, NMX_EINVAL, UINT64_MAX, 0, 0, "nmx_writer_open: NULL path");
    }
    return writer_new(path, format, linktype, snaplen, out, diag);
}

nmx_err nmx_writer_open_memory(nmx_write_format format, uint32_t linktype, uint32_t snaplen,
                               nmx_writer **out, nmx_diag *diag)
{
    return writer_new(NULL, format, linktype, snaplen, out, diag);
}

nmx_err nmx_writer_add(nmx_writer *w, const nmx_frame *f)
{
    if (!w || !f)
        return NMX_EINVAL;
    if (w->diag.code != NMX_OK)
        return w->diag.code;
    nmx_err e = nmx_w_check_frame(w, f);
    if (e == NMX_OK)
        e = w->ops->add(w, f);
    if (e == NMX_OK)
        w->nframes++;
    return e;
}

static nmx_err writer_finish(nmx_writer *w)
{
    if (w->diag.code == NMX_OK)
        (void)w->ops->finish(w);
    if (w->diag.code == NMX_OK && w->fd >= 0)
        (void)w_flush(w);
    return w->diag.code;
}

nmx_err nmx_writer_close(nmx_writer *w, nmx_diag *diag)
{
    if (!w)
        return NMX_EINVAL;
    nmx_err e = writer_finish(w);
    if (w->fd >= 0) {
        int fd = w->fd;
        w->fd = -1;
        if (close(fd) != 0 && e == NMX_OK) {
            int er = errno;
            e = nmx_diag_set(&w->diag, NMX_EIO, UINT64_MAX, (uint64_t)er, 0, "%s: close: %s",
                             w->name, strerror(er));
        }
    }
    if (diag)
        *diag = w->diag;
    writer_free(w);
    return e;
}

nmx_err nmx_writer_close_memory(nmx_writer *w, uint8_t **buf, size_t *len, nmx_diag *diag)
{
    if (buf)
        *buf = NULL;
    if (len)
        *len = 0;
    if (!w || !buf || !len || w->fd >= 0) {
        if (w)
            writer_free(w);
        return NMX_EINVAL;
    }
    nmx_err e = writer_finish(w);
    if (diag)
        *diag = w->diag;
    if (e == NMX_OK) {
        *buf = w->buf;
        *len = w->len;
        w->buf = NULL;
    }
    writer_free(w);
    return e;
}
