/*
 * rd.h: the sticky bounds-checked reader for untrusted bytes.
 *
 * An nmx_rd covers `len` bytes at `p`. Every read names an offset from p and
 * checks offset + width <= len without overflow. A read that does not fit
 * returns 0 (or NULL) and sets `short_read`, which stays set: a parser reads
 * a whole header, then looks once at nmx_rd_ok(). Nothing here aborts,
 * longjmps or reads out of range, so a parser written with it cannot fault
 * on a short frame, and "ran out of captured bytes" (truncated) stays a fact
 * the parser can report, distinct from "the bytes say something impossible"
 * (malformed), which only the parser can judge.
 *
 * The range check and the byte-order loads are cursor.h's (one
 * implementation for every reader of untrusted bytes); nmx_rd adds the
 * sticky short-read flag and 32-bit offsets, which are what a frame needs.
 *
 * Header-only: the reads inline into the parsers' hot paths.
 */
#ifndef NMX_BASE_RD_H
#define NMX_BASE_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/cursor.h"

typedef struct nmx_rd {
    const uint8_t *p;   /* first byte                                  */
    uint32_t       len; /* bytes readable at p                         */
    bool short_read;    /* a read went past len (sticky)               */
} nmx_rd;

static inline nmx_rd nmx_rd_make(const uint8_t *p, uint32_t len)
{
    nmx_rd r = { p, len, false };
    return r;
}

/* true when [off, off + n) lies inside the range (overflow-safe). */
static inline bool nmx_rd_has(const nmx_rd *r, uint32_t off, uint32_t n)
{
    return nmx_range_has(r->len, off, n);
}

/* Checks that n bytes are there at off; marks the reader short if not. */
static inline bool nmx_rd_need(nmx_rd *r, uint32_t off, uint32_t n)
{
    if (nmx_rd_has(r, off, n))
        return true;
    r->short_read = true;
    return false;
}

static inline bool nmx_rd_ok(const nmx_rd *r)
{
    return !r->short_read;
}

/* Bytes readable from off (0 past the end). */
static inline uint32_t nmx_rd_left(const nmx_rd *r, uint32_t off)
{
    return off <= r->len ? r->len - off : 0;
}

/* Pointer to n bytes at off, or NULL (and short) when they are not all there. */
static inline const uint8_t *nmx_rd_ptr(nmx_rd *r, uint32_t off, uint32_t n)
{
    return nmx_rd_need(r, off, n) ? r->p + off : NULL;
}

static inline uint8_t nmx_rd_u8(nmx_rd *r, uint32_t off)
{
    return nmx_rd_need(r, off, 1) ? r->p[off] : 0;
}

static inline uint16_t nmx_rd_be16(nmx_rd *r, uint32_t off)
{
    if (!nmx_rd_need(r, off, 2))
        return 0;
    return nmx_ld16be(r->p + off);
}

static inline uint16_t nmx_rd_le16(nmx_rd *r, uint32_t off)
{
    if (!nmx_rd_need(r, off, 2))
        return 0;
    return nmx_ld16le(r->p + off);
}

static inline uint32_t nmx_rd_be24(nmx_rd *r, uint32_t off)
{
    if (!nmx_rd_need(r, off, 3))
        return 0;
    return nmx_ld24be(r->p + off);
}

static inline uint32_t nmx_rd_be32(nmx_rd *r, uint32_t off)
{
    if (!nmx_rd_need(r, off, 4))
        return 0;
    return nmx_ld32be(r->p + off);
}

static inline uint32_t nmx_rd_le32(nmx_rd *r, uint32_t off)
{
    if (!nmx_rd_need(r, off, 4))
        return 0;
    return nmx_ld32le(r->p + off);
}

static inline uint64_t nmx_rd_be64(nmx_rd *r, uint32_t off)
{
    if (!nmx_rd_need(r, off, 8))
        return 0;
    return nmx_ld64be(r->p + off);
}

static inline uint64_t nmx_rd_le64(nmx_rd *r, uint32_t off)
{
    if (!nmx_rd_need(r, off, 8))
        return 0;
    return nmx_ld64le(r->p + off);
}

#endif /* NMX_BASE_RD_H */
