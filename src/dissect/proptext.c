/*
 * proptext.c: GetPropertyText's generic formatter.
 *
 * Text is made only on demand, from the property's type and qualifier and
 * the variant its protocol chose (enum nmx_fmt), in the formats Network
 * Monitor 2.x printed (docs/properties.md, "Value formats"):
 *   numbers            Time to Live = 64 (0x40)     (hex upper-case)
 *   labeled sets       Protocol = TCP - Transmission Control; unknown
 *                      values as numbers, ports as 0x040D
 *   addresses          Source Address = 172.26.204.104, 00508BF1348F
 *   data               Data: Number of data bytes remaining = 95 (0x005F)
 *   flag bits          ......1. = Synchronize sequence numbers
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dissect/dissect_int.h"


static void sb_bytes_text(nmx_fmtbuf *b, const uint8_t *p, size_t n, bool unicode)
{
    /* Strings from the wire: printable ASCII as is, the rest escaped, so
     * that the text is always one safe line. UTF-16LE is narrowed the same
     * way (characters above 0x7E escaped as \uXXXX). */
    if (unicode) {
        for (size_t i = 0; i + 1 < n; i += 2) {
            unsigned c = p[i] | (unsigned)p[i + 1] << 8;
            if (c == 0)
                break;
            if (c >= 0x20 && c < 0x7F && c != '\\')
                nmx__fmt_printf(b, "%c", (char)c);
            else
                nmx__fmt_printf(b, "\\u%04X", c);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x7F && c != '\\')
            nmx__fmt_printf(b, "%c", (char)c);
        else
            nmx__fmt_printf(b, "\\x%02X", c);
    }
}

/* Size in bytes of a number property's value. */
static unsigned num_size(const PROPERTYINST *pi)
{
    switch (pi->lpPropertyInfo->DataType) {
    case PROP_TYPE_BYTE: return 1;
    case PROP_TYPE_WORD:
    case PROP_TYPE_BYTESWAPPED_WORD: return 2;
    case PROP_TYPE_DWORD:
    case PROP_TYPE_BYTESWAPPED_DWORD: return 4;
    case PROP_TYPE_LARGEINT: return 8;
    case PROP_TYPE_VAR_LEN_SMALL_INT: {
        unsigned n = pi->DataLength == PROPERTYINST_EX_LENGTH ? pi->lpPropertyInstEx->LengthEx
                                                             : pi->DataLength;
        return n > 8 ? 8 : n;
    }
    default: return 0;
    }
}

bool nmx__inst_number(const PROPERTYINST *pi, uint64_t *v)
{
    unsigned n = num_size(pi);
    if (!n)
        return false;
    const uint8_t *p;
    unsigned have;
    if (pi->DataLength == PROPERTYINST_EX_LENGTH) {
        p = pi->lpPropertyInstEx->Byte;
        have = pi->lpPropertyInstEx->LengthEx;
    } else {
        p = (const uint8_t *)pi->lpData;
        have = pi->DataLength;
    }
    if (have < n)
        n = have;
    if (!n)
        return false;
    BYTE t = pi->lpPropertyInfo->DataType;
    if (pi->DataLength == PROPERTYINST_EX_LENGTH && (n == 1 || n == 2 || n == 4 || n == 8) &&
        !(pi->IFlags & IFLAG_SWAPPED)) {
        /* Decoded values are stored inline in the host's byte order. */
        uint8_t b1;
        uint16_t b2;
        uint32_t b4;
        switch (n) {
        case 1: memcpy(&b1, p, 1); *v = b1; return true;
        case 2: memcpy(&b2, p, 2); *v = b2; return true;
        case 4: memcpy(&b4, p, 4); *v = b4; return true;
        default: memcpy(v, p, 8); return true;
        }
    }
    bool swapped = (pi->IFlags & IFLAG_SWAPPED) != 0;
    if (t == PROP_TYPE_BYTESWAPPED_WORD || t == PROP_TYPE_BYTESWAPPED_DWORD)
        swapped = !swapped;
    uint64_t x = 0;
    for (unsigned i = 0; i < n; i++)
        x = swapped ? x << 8 | p[i] : x | (uint64_t)p[i] << (8 * i);
    *v = x;
    return true;
}

static const char *set_label(const PROPERTYINFO *info, unsigned size, uint64_t v)
{
    const SET *s = info->lpSet;
    if (!s)
        return NULL;
    for (DWORD i = 0; i < s->nEntries; i++) {
        switch (size) {
        case 1:
            if (s->lpLabeledByteTable[i].Value == v)
                return s->lpLabeledByteTable[i].Label;
            break;
        case 2:
            if (s->lpLabeledWordTable[i].Value == v)
                return s->lpLabeledWordTable[i].Label;
            break;
        default:
            if (s->lpLabeledDwordTable[i].Value == v)
                return s->lpLabeledDwordTable[i].Label;
            break;
        }
    }
    return NULL;
}

static bool in_set(const PROPERTYINFO *info, unsigned size, uint64_t v)
{
    const SET *s = info->lpSet;
    for (DWORD i = 0; s && i < s->nEntries; i++) {
        uint64_t e = size == 1 ? s->lpByteTable[i] : size == 2 ? s->lpWordTable[i]
                                                               : s->lpDwordTable[i];
        if (e == v)
            return true;
    }
    return false;
}

static const char *sep_of(unsigned fmt)
{
    switch (fmt) {
    case NMX_FMT_COLON: return " : ";
    case NMX_FMT_COLON_BYTES:
    case NMX_FMT_COLON_DEC:
    case NMX_FMT_COLON_STR:
    case NMX_FMT_REMAINING: return ": ";
    case NMX_FMT_STRING_EQ: return " =";
    default: return " = ";
    }
}

static void number_text(nmx_fmtbuf *b, const nmx_propdef *def, unsigned size, uint64_t v)
{
    switch (def->fmt) {
    case NMX_FMT_HEX:
    case NMX_FMT_HEXSET:
        nmx__fmt_printf(b, "0x%0*" PRIX64, (int)(size * 2), v);
        return;
    case NMX_FMT_DEC:
    case NMX_FMT_COLON_DEC:
        nmx__fmt_printf(b, "%" PRIu64, v);
        return;
    case NMX_FMT_COLON_BYTES:
        nmx__fmt_printf(b, "%" PRIu64 " bytes", v);
        return;
    case NMX_FMT_COLON:
        nmx__fmt_printf(b, "%" PRIu64 " (0x%0*" PRIX64 ")", v, (int)(size * 2), v);
        return;
    case NMX_FMT_BYTES:
        nmx__fmt_printf(b, "%" PRIu64 " (0x%" PRIX64 ") bytes", v, v);
        return;
    default:
        nmx__fmt_printf(b, "%" PRIu64 " (0x%" PRIX64 ")", v, v);
        return;
    }
}

static void value_text(nmx_fmtbuf *b, const nmx_fmtctx *c)
{
    const PROPERTYINST *pi = c->pi;
    const nmx_propdef *def = c->def;
    const PROPERTYINFO *info = &def->info;
    bool ex = pi->DataLength == PROPERTYINST_EX_LENGTH;
    const uint8_t *data = ex ? pi->lpPropertyInstEx->Byte : (const uint8_t *)pi->lpData;
    unsigned len = ex ? pi->lpPropertyInstEx->LengthEx : pi->DataLength;
    unsigned size = num_size(pi);
    uint64_t v;

    if (size && nmx__inst_number(pi, &v)) {
        switch (info->DataQualifier) {
        case PROP_QUAL_LABELED_SET: {
            const char *l = set_label(info, size, v);
            if (l)
                nmx__fmt_printf(b, "%s", l);
            else
                number_text(b, def, size, v);
            return;
        }
        case PROP_QUAL_SET:
            number_text(b, def, size, v);
            nmx__fmt_printf(b, in_set(info, size, v) ? " Matches Set Value" : " Unknown Set Value");
            return;
        case PROP_QUAL_RANGE:
            number_text(b, def, size, v);
            if (info->lpRange)
                nmx__fmt_printf(b, " Range:(%" PRIu32 " (0x%" PRIX32 ") - %" PRIu32 " (0x%" PRIX32 "))",
                          info->lpRange->MinValue, info->lpRange->MinValue,
                          info->lpRange->MaxValue, info->lpRange->MaxValue);
            return;
        case PROP_QUAL_ARRAY:
            break;
        default:
            number_text(b, def, size, v);
            return;
        }
    }
    switch (info->DataType) {
    case PROP_TYPE_IP_ADDRESS:
        if (len >= 4)
            nmx__fmt_printf(b, "%u.%u.%u.%u", data[0], data[1], data[2], data[3]);
        return;
    case PROP_TYPE_IP6_ADDRESS:
        if (len >= 16) {
            char t[INET6_ADDRSTRLEN];
            if (inet_ntop(AF_INET6, data, t, sizeof t))
                nmx__fmt_printf(b, "%s", t);
        }
        return;
    case PROP_TYPE_ADDR:
    case PROP_TYPE_ETHERNET_ADDRESS:
    case PROP_TYPE_TOKENRING_ADDRESS:
    case PROP_TYPE_FDDI_ADDRESS:
        for (unsigned i = 0; i < len && i < 6; i++)
            nmx__fmt_printf(b, "%02X", data[i]);
        return;
    case PROP_TYPE_STRING:
    case PROP_TYPE_TYPED_STRING:
        sb_bytes_text(b, data, len, (pi->IFlags & IFLAG_UNICODE) != 0);
        return;
    case PROP_TYPE_TIME:
        if (ex && len >= sizeof(SYSTEMTIME)) {
            SYSTEMTIME st;
            memcpy(&st, data, sizeof st);
            nmx__fmt_printf(b, "%u/%u/%u %02u:%02u:%02u.%03u", st.wMonth, st.wDay, st.wYear, st.wHour,
                      st.wMinute, st.wSecond, st.wMilliseconds);
        }
        return;
    default:
        /* Arrays and anything else: the bytes in hex. */
        for (unsigned i = 0; i < len && i < 64; i++)
            nmx__fmt_printf(b, i ? " %02x" : "%02x", data[i]);
        if (len > 64)
            nmx__fmt_printf(b, " ...");
        return;
    }
}

size_t nmx__fmt_append(char *buf, size_t n, size_t at, const char *t, size_t w)
{
    if (at < n) {
        size_t room = n - 1 - at;
        size_t k = w < room ? w : room;
        memcpy(buf + at, t, k);
        buf[at + k] = 0;
    }
    return at + w;
}

void nmx__fmt_put(nmx_fmtbuf *b, const char *s, size_t n)
{
    b->len = nmx__fmt_append(b->buf, b->cap, b->len, s, n);
}

void nmx__fmt_printf(nmx_fmtbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *at = b->len < b->cap ? b->buf + b->len : NULL;
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int r = vsnprintf(at, room, fmt, ap);
    va_end(ap);
    if (r > 0)
        b->len += (size_t)r;
}

size_t nmx__format_generic(const nmx_fmtctx *c, char *buf, size_t n)
{
    nmx_fmtbuf b = { buf, n, 0 };
    if (n)
        buf[0] = 0;
    const nmx_propdef *def = c->def;
    const PROPERTYINST *pi = c->pi;
    const char *label = def->info.Label;
    BYTE t = def->info.DataType;
    bool ex = pi->DataLength == PROPERTYINST_EX_LENGTH;

    if (t == PROP_TYPE_SUMMARY || t == PROP_TYPE_VOID || t == PROP_TYPE_COMMENT) {
        if (ex)
            sb_bytes_text(&b, pi->lpPropertyInstEx->Byte, pi->lpPropertyInstEx->LengthEx, false);
        else
            nmx__fmt_printf(&b, "%s", label);
        return b.len;
    }
    if (def->fmt == NMX_FMT_LABEL || def->info.DataQualifier == PROP_QUAL_CONST) {
        nmx__fmt_printf(&b, "%s", label);
        return b.len;
    }
    if (def->fmt == NMX_FMT_REMAINING || t == PROP_TYPE_RAW_DATA) {
        unsigned len = GetPropertyInstanceDataLength(pi);
        if (def->fmt == NMX_FMT_REMAINING)
            nmx__fmt_printf(&b, "%s: Number of data bytes remaining = %u (0x%04X)", label, len, len);
        else
            nmx__fmt_printf(&b, "%s", label);
        return b.len;
    }
    nmx__fmt_printf(&b, "%s%s", label, sep_of(def->fmt));
    value_text(&b, c);
    return b.len;
}

unsigned nmx__bits_count(const nmx_fmtctx *c)
{
    const PROPERTYINFO *info = &c->def->info;
    if (info->DataQualifier != PROP_QUAL_FLAGS || !info->lpSet)
        return 0;
    return (unsigned)info->lpSet->nEntries;
}

size_t nmx__bits_text(const nmx_fmtctx *c, unsigned k, char *buf, size_t n)
{
    nmx_fmtbuf b = { buf, n, 0 };
    if (n)
        buf[0] = 0;
    if (k >= nmx__bits_count(c))
        return 0;
    uint64_t v;
    unsigned size = num_size(c->pi);
    BYTE t = c->def->info.DataType;
    if (!size && (t == PROP_TYPE_ETHERNET_ADDRESS || t == PROP_TYPE_TOKENRING_ADDRESS ||
                  t == PROP_TYPE_FDDI_ADDRESS)) {
        /* MAC addresses: the bits of the first byte (individual/group,
         * universal/local), as Network Monitor listed them under the
         * address. */
        const PROPERTYINST *pi = c->pi;
        bool ex = pi->DataLength == PROPERTYINST_EX_LENGTH;
        const uint8_t *data = ex ? pi->lpPropertyInstEx->Byte : (const uint8_t *)pi->lpData;
        unsigned len = ex ? pi->lpPropertyInstEx->LengthEx : pi->DataLength;
        if (!data || len == 0)
            return 0;
        v = data[0];
        size = 1;
    } else if (!size || !nmx__inst_number(c->pi, &v)) {
        return 0;
    }
    const LABELED_BIT *bit = &c->def->info.lpSet->lpLabeledBit[k];
    unsigned width = size * 8, bn = bit->BitNumber;
    if (bn >= width)
        return 0;
    bool on = (v >> bn) & 1u;
    for (unsigned pos = width; pos-- > 0;)
        nmx__fmt_printf(&b, "%c", pos == bn ? (on ? '1' : '0') : '.');
    nmx__fmt_printf(&b, " = %s", on ? bit->LabelOn : bit->LabelOff);
    return b.len;
}

bool nmx__bits_field(const nmx_fmtctx *c, unsigned k, const nmx_bitfield *fld, size_t nfld,
                     char pic[17], unsigned *x)
{
    uint64_t v;
    if (k >= nfld || !nmx__inst_number(c->pi, &v))
        return false;
    unsigned f = (unsigned)v, sh = fld[k].shift, w = fld[k].width;
    *x = f >> sh & ((1u << w) - 1u);
    for (unsigned pos = 16; pos-- > 0;)
        pic[15 - pos] = (char)(pos >= sh && pos < sh + w ? '0' + (f >> pos & 1u) : '.');
    pic[16] = 0;
    return true;
}

const char *nmx__bit_label(const LABELED_BIT *lb, size_t n, unsigned bit, bool on)
{
    const char *t = "";
    for (size_t i = 0; i < n; i++)
        if (lb[i].BitNumber == bit)
            t = on ? lb[i].LabelOn : lb[i].LabelOff;
    return t;
}
