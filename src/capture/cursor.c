/* cursor.c: bounds-checked integer reads (see cursor.h). */
#include "capture/cursor.h"

bool nmx_cur_u8(const nmx_cursor *c, uint64_t off, uint8_t *out)
{
    if (!nmx_cur_has(c, off, 1))
        return false;
    *out = c->base[off];
    return true;
}

#define NMX_CUR_READER(name, type, width, load)                       \
    bool name(const nmx_cursor *c, uint64_t off, type *out)           \
    {                                                                 \
        if (!nmx_cur_has(c, off, width))                              \
            return false;                                             \
        *out = load(c->base + off);                                   \
        return true;                                                  \
    }

NMX_CUR_READER(nmx_cur_u16le, uint16_t, 2, nmx_ld16le)
NMX_CUR_READER(nmx_cur_u16be, uint16_t, 2, nmx_ld16be)
NMX_CUR_READER(nmx_cur_u32le, uint32_t, 4, nmx_ld32le)
NMX_CUR_READER(nmx_cur_u32be, uint32_t, 4, nmx_ld32be)
NMX_CUR_READER(nmx_cur_u64le, uint64_t, 8, nmx_ld64le)
NMX_CUR_READER(nmx_cur_u64be, uint64_t, 8, nmx_ld64be)

bool nmx_cur_u16(const nmx_cursor *c, uint64_t off, uint16_t *out)
{
    return c->big_endian ? nmx_cur_u16be(c, off, out) : nmx_cur_u16le(c, off, out);
}

bool nmx_cur_u32(const nmx_cursor *c, uint64_t off, uint32_t *out)
{
    return c->big_endian ? nmx_cur_u32be(c, off, out) : nmx_cur_u32le(c, off, out);
}

bool nmx_cur_u64(const nmx_cursor *c, uint64_t off, uint64_t *out)
{
    return c->big_endian ? nmx_cur_u64be(c, off, out) : nmx_cur_u64le(c, off, out);
}
