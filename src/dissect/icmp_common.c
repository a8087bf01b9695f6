/*
 * icmp_common.c: the texts ICMP (RFC 792) and ICMPv6 (RFC 4443) share
 * (icmp_common.h).
 */
#include <stdio.h>

#include "dissect/icmp_common.h"

static const char *type_name(const nmx__icmp_text *t, uint8_t v)
{
    for (size_t i = 0; i < t->ntypes; i++)
        if (t->types[i].Value == v)
            return t->types[i].Label;
    return NULL;
}

size_t nmx__icmp_echo_summary(const uint8_t *h, const char *tn, char *buf, size_t n)
{
    return (size_t)snprintf(buf, n, "%s: ID = 0x%04X, Seq = %u", tn, (unsigned)h[4] << 8 | h[5],
                            (unsigned)h[6] << 8 | h[7]);
}

size_t nmx__icmp_format(const nmx__icmp_text *t, const nmx_fmtctx *c, char *buf, size_t n)
{
    const uint8_t *h = c->frame + c->layer->offset;
    uint32_t cap = c->layer->caplen;
    if (c->prop == t->code_prop) {
        if (cap < 2)
            return (size_t)-1;
        const char *cn = t->code_name(h[0], h[1]);
        if (cn)
            return (size_t)snprintf(buf, n, "Code = %u (%s)", h[1], cn);
        return (size_t)snprintf(buf, n, "Code = %u (0x%X)", h[1], h[1]);
    }
    if (c->prop != t->summary_prop)
        return (size_t)-1;
    if (cap < NMX__ICMP_HDR)
        return (size_t)snprintf(buf, n, "Truncated %s header", t->name);
    const char *tn = type_name(t, h[0]);
    char tbuf[16];
    if (!tn) {
        snprintf(tbuf, sizeof tbuf, "Type 0x%X", h[0]);
        tn = tbuf;
    }
    size_t w = t->summary(h, cap, tn, buf, n);
    if (w != (size_t)-1)
        return w;
    const char *cn = t->code_name(h[0], h[1]);
    if (cn)
        return (size_t)snprintf(buf, n, "%s: %s", tn, cn);
    if (t->code_number)
        return (size_t)snprintf(buf, n, "%s: Code = %u", tn, h[1]);
    return (size_t)snprintf(buf, n, "%s", tn);
}
