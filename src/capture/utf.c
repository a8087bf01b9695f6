/* utf.c: UTF-16LE <-> UTF-8 for Network Monitor comment titles. */
#include "capture/internal.h"

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t nmx_utf16le_to_utf8(const uint8_t *in, size_t in_len, char *out)
{
    size_t o = 0;
    size_t n = in_len / 2;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = nmx_ld16le(in + 2 * i);
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
            uint32_t lo = nmx_ld16le(in + 2 * (i + 1));
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                /* 2 units (4 bytes in) -> 4 bytes out: within the budget. */
                o += put_utf8(out + o, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                i++;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF)
            u = 0xFFFD;
        o += put_utf8(out + o, u);
    }
    out[o] = '\0';
    return o;
}

static void put16(uint8_t *out, size_t *o, uint32_t u)
{
    out[(*o)++] = (uint8_t)(u & 0xFF);
    out[(*o)++] = (uint8_t)(u >> 8);
}

size_t nmx_utf8_to_utf16le(const char *in, size_t in_len, uint8_t *out)
{
    const uint8_t *s = (const uint8_t *)in;
    size_t o = 0;
    for (size_t i = 0; i < in_len;) {
        uint32_t c = s[i];
        size_t need;
        uint32_t cp, min;
        if (c < 0x80) { need = 0; cp = c; min = 0; }
        else if ((c & 0xE0) == 0xC0) { need = 1; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { need = 2; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { need = 3; cp = c & 0x07; min = 0x10000; }
        else { put16(out, &o, 0xFFFD); i++; continue; }
        if (in_len - i - 1 < need) { put16(out, &o, 0xFFFD); i++; continue; }
        bool ok = true;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) { ok = false; break; }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            put16(out, &o, 0xFFFD);
            i++;
            continue;
        }
        i += need + 1;
        if (cp >= 0x10000) {   /* 4 bytes in -> 4 bytes out */
            cp -= 0x10000;
            put16(out, &o, 0xD800 + (cp >> 10));
            put16(out, &o, 0xDC00 + (cp & 0x3FF));
        } else {
            put16(out, &o, cp);
        }
    }
    return o;
}
