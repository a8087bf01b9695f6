/*
 * cursor.h: bounds-checked reads from a byte range.
 *
 * Every read of a multi-byte value from capture input goes through these
 * functions. Each one checks offset + width <= size without overflow and
 * returns false (leaving *out untouched) when the bytes are not there; none
 * of them aborts, longjmps or reads out of range.
 */
#ifndef NMX_CAPTURE_CURSOR_H
#define NMX_CAPTURE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct nmx_cursor {
    const uint8_t *base;
    uint64_t       size;
    bool           big_endian;   /* byte order used by nmx_cur_u16/u32/u64 */
} nmx_cursor;

static inline nmx_cursor nmx_cursor_make(const uint8_t *base, uint64_t size, bool big_endian)
{
    nmx_cursor c = { base, size, big_endian };
    return c;
}

/* true when [off, off + n) lies inside the range (overflow-safe). */
static inline bool nmx_cur_has(const nmx_cursor *c, uint64_t off, uint64_t n)
{
    return off <= c->size && n <= c->size - off;
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

bool nmx_cur_u8(const nmx_cursor *c, uint64_t off, uint8_t *out);
bool nmx_cur_u16le(const nmx_cursor *c, uint64_t off, uint16_t *out);
bool nmx_cur_u16be(const nmx_cursor *c, uint64_t off, uint16_t *out);
bool nmx_cur_u32le(const nmx_cursor *c, uint64_t off, uint32_t *out);
bool nmx_cur_u32be(const nmx_cursor *c, uint64_t off, uint32_t *out);
bool nmx_cur_u64le(const nmx_cursor *c, uint64_t off, uint64_t *out);
bool nmx_cur_u64be(const nmx_cursor *c, uint64_t off, uint64_t *out);
/* In the cursor's byte order. */
bool nmx_cur_u16(const nmx_cursor *c, uint64_t off, uint16_t *out);
bool nmx_cur_u32(const nmx_cursor *c, uint64_t off, uint32_t *out);
bool nmx_cur_u64(const nmx_cursor *c, uint64_t off, uint64_t *out);

/* Unchecked little-endian loads for callers that already proved the bytes
 * are there (hot loops after one nmx_cur_has()). */
static inline uint16_t nmx_ld16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}
static inline uint32_t nmx_ld32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint32_t nmx_ld32be(const uint8_t *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static inline uint16_t nmx_ld16be(const uint8_t *p)
{
    return (uint16_t)(p[1] | (unsigned)p[0] << 8);
}
static inline uint64_t nmx_ld64le(const uint8_t *p)
{
    return (uint64_t)nmx_ld32le(p) | (uint64_t)nmx_ld32le(p + 4) << 32;
}
static inline uint64_t nmx_ld64be(const uint8_t *p)
{
    return (uint64_t)nmx_ld32be(p + 4) | (uint64_t)nmx_ld32be(p) << 32;
}
static inline uint32_t nmx_ld32(const uint8_t *p, bool big_endian)
{
    return big_endian ? nmx_ld32be(p) : nmx_ld32le(p);
}
static inline uint16_t nmx_ld16(const uint8_t *p, bool big_endian)
{
    return big_endian ? nmx_ld16be(p) : nmx_ld16le(p);
}

#endif /* NMX_CAPTURE_CURSOR_H */
