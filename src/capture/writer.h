/*
 * writer.h: the streaming writer shared by the three output formats (private).
 */
#ifndef NMX_CAPTURE_WRITER_H
#define NMX_CAPTURE_WRITER_H

#include "capture/internal.h"

typedef struct nmx_writer_ops {
    nmx_err (*begin)(nmx_writer *w);
    nmx_err (*add)(nmx_writer *w, const nmx_frame *f);
    nmx_err (*finish)(nmx_writer *w);
} nmx_writer_ops;

extern const nmx_writer_ops nmx_write_pcap_ops;
extern const nmx_writer_ops nmx_write_pcapng_ops;
extern const nmx_writer_ops nmx_write_netmon_ops;

typedef struct nmx_wcomment {
    uint32_t record_offset;
    uint8_t *title;          /* UTF-16LE */
    size_t   title_len;
} nmx_wcomment;

struct nmx_writer {
    const nmx_writer_ops *ops;
    nmx_write_format      format;
    uint32_t              linktype;
    uint32_t              snaplen;
    char                 *name;
    int                   fd;          /* -1: memory writer */
    uint8_t              *buf;
    size_t                len, cap;
    uint64_t              pos;         /* output offset of the next byte */
    uint64_t              nframes;
    nmx_diag              diag;        /* first error */

    /* pcapng: one IDB per link type, in order of first use */
    uint32_t              iface_lt[256];
    size_t                niface;

    /* netmon */
    uint32_t             *nm_offsets;
    size_t                nm_cap;
    nmx_wcomment         *nm_comments;
    size_t                nm_ncomments, nm_ccap;
    int64_t               nm_start_ns;
    uint16_t              nm_mac;
};

/* Append bytes; records the first error in w->diag. */
nmx_err nmx_w_put(nmx_writer *w, const void *p, size_t n);
nmx_err nmx_w_zero(nmx_writer *w, size_t n);
nmx_err nmx_w_u8(nmx_writer *w, uint8_t v);
nmx_err nmx_w_u16(nmx_writer *w, uint16_t v);   /* little-endian */
nmx_err nmx_w_u32(nmx_writer *w, uint32_t v);
nmx_err nmx_w_u64(nmx_writer *w, uint64_t v);
/* Overwrite already written bytes at off (after a flush for files). */
nmx_err nmx_w_patch(nmx_writer *w, uint64_t off, const void *p, size_t n);
/* Record an error for the frame being added (or the file) and return it. */
nmx_err nmx_w_fail(nmx_writer *w, nmx_err code, uint64_t value, uint64_t limit, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));
/* Checks common to every format (data present, caplen ceiling). */
nmx_err nmx_w_check_frame(nmx_writer *w, const nmx_frame *f);

static inline void nmx_st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void nmx_st32(uint8_t *p, uint32_t v)
{
    nmx_st16(p, (uint16_t)v);
    nmx_st16(p + 2, (uint16_t)(v >> 16));
}
static inline void nmx_st64(uint8_t *p, uint64_t v)
{
    nmx_st32(p, (uint32_t)v);
    nmx_st32(p + 4, (uint32_t)(v >> 32));
}

#endif /* NMX_CAPTURE_WRITER_H */
