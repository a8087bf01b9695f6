/*
 * cursor.h: bounds-checked reads from a byte range of untrusted input.
 *
 * The one place where the project reads integers out of bytes it did not
 * write: capture files (src/capture), the event wire stream (src/event) and,
 * through nmx_rd (rd.h, built on the same check and loads), the frames the
 * dissectors parse.
 *
 * An nmx_cursor covers `size` bytes at `base` (64-bit: a capture file may be
 * larger than 4 GiB). Every checked read names an offset and checks
 * offset + width <= size without overflow; it returns false, leaving *out
 * untouched, when the bytes are not there. Nothing here aborts, longjmps or
 * reads out of range.
 *
 * The unchecked loads (nmx_ld*) are for a hot loop that proved its bytes
 * are there once, with nmx_cur_has() or an equivalent range check, and then
 * reads several fields: the caller says where it checked, in a comment.
 *
 * Header-only: the reads inline into the readers' loops.
 */
#ifndef NMX_BASE_CURSOR_H
#define NMX_BASE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the range check ---------------------------------------------------- */

/* true when [off, off + n) lies inside [0, size) (overflow-safe). */
static inline bool nmx_range_has(uint64_t size, uint64_t off, uint64_t n)
{
    return off <= size && n <= size - off;
}

/* ---- unchecked loads (the caller proved the bytes are there) ------------- */

static inline uint16_t nmx_ld16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}
static inline uint16_t nmx_ld16be(const uint8_t *p)
{
    return (uint16_t)(p[1] | (unsigned)p[0] << 8);
}
static inline uint32_t nmx_ld24be(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}
static inline uint32_t nmx_ld32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint32_t nmx_ld32be(const uint8_t *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static inline uint64_t nmx_ld64le(const uint8_t *p)
{
    return (uint64_t)nmx_ld32le(p) | (uint64_t)nmx_ld32le(p + 4) << 32;
}
static inline uint64_t nmx_ld64be(const uint8_t *p)
{
    return (uint64_t)nmx_ld32be(p + 4) | (uint64_t)nmx_ld32be(p) << 32;
}
static inline uint16_t nmx_ld16(const uint8_t *p, bool big_endian)
{
    return big_endian ? nmx_ld16be(p) : nmx_ld16le(p);
}
static inline uint32_t nmx_ld32(const uint8_t *p, bool big_endian)
{
    return big_endian ? nmx_ld32be(p) : nmx_ld32le(p);
}
static inline uint64_t nmx_ld64(const uint8_t *p, bool big_endian)
{
    return big_endian ? nmx_ld64be(p) : nmx_ld64le(p);
}

/* ---- the cursor ----------------------------------------------------------- */

typedef struct nmx_cursor {
    const uint8_t *base;
    uint64_t       size;
    bool           big_endian;   /* byte order of nmx_cur_u16/u32/u64 */
} nmx_cursor;

static inline nmx_cursor nmx_cursor_make(const uint8_t *base, uint64_t size, bool big_endian)
{
    nmx_cursor c = { base, size, big_endian };
    return c;
}

/* true when [off, off + n) lies inside the range (overflow-safe). */
static inline bool nmx_cur_has(const nmx_cursor *c, uint64_t off, uint64_t n)
{
    return nmx_range_has(c->size, off, n);
}

/* Bytes left from off (0 when off is past the end). */
static inline uint64_t nmx_cur_left(const nmx_cursor *c, uint64_t off)
{
    return off <= c->size ? c->size - off : 0;
}

/* Pointer to n bytes at off, or NULL when they are not all there. */
static inline const uint8_t *nmx_cur_ptr(const nmx_cursor *c, uint64_t off, uint64_t n)
{
    return nmx_cur_has(c, off, n) ? c->base + off : NULL;
}

static inline bool nmx_cur_u8(const nmx_cursor *c, uint64_t off, uint8_t *out)
{
    if (!nmx_cur_has(c, off, 1))
        return false;
    *out = c->base[off];
    return true;
}

#define NMX__CUR_READER(name, type, width, load)                          \
    static inline bool name(const nmx_cursor *c, uint64_t off, type *out) \
    {                                                                     \
        if (!nmx_cur_has(c, off, width))                                  \
            return false;                                                 \
        *out = load(c->base + off);                                       \
        return true;                                                      \
    }

NMX__CUR_READER(nmx_cur_u16le, uint16_t, 2, nmx_ld16le)
NMX__CUR_READER(nmx_cur_u16be, uint16_t, 2, nmx_ld16be)
NMX__CUR_READER(nmx_cur_u32le, uint32_t, 4, nmx_ld32le)
NMX__CUR_READER(nmx_cur_u32be, uint32_t, 4, nmx_ld32be)
NMX__CUR_READER(nmx_cur_u64le, uint64_t, 8, nmx_ld64le)
NMX__CUR_READER(nmx_cur_u64be, uint64_t, 8, nmx_ld64be)
#undef NMX__CUR_READER

/* In the cursor's byte order. */
static inline bool nmx_cur_u16(const nmx_cursor *c, uint64_t off, uint16_t *out)
{
    return c->big_endian ? nmx_cur_u16be(c, off, out) : nmx_cur_u16le(c, off, out);
}
static inline bool nmx_cur_u32(const nmx_cursor *c, uint64_t off, uint32_t *out)
{
    return c->big_endian ? nmx_cur_u32be(c, off, out) : nmx_cur_u32le(c, off, out);
}
static inline bool nmx_cur_u64(const nmx_cursor *c, uint64_t off, uint64_t *out)
{
    return c->big_endian ? nmx_cur_u64be(c, off, out) : nmx_cur_u64le(c, off, out);
}

#endif /* NMX_BASE_CURSOR_H */
