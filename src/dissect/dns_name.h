/*
 * dns_name.h: the walk through a name in DNS's wire form (RFC 1035 3.1 and
 * 4.1.4), shared by DNS (proto_dns.c) and NetBIOS names (proto_nbt.c,
 * RFC 1002 4.1): labels of a length byte and up to 63 bytes, ending with a
 * zero byte, or with a compression pointer (two bytes, top bits 11) to an
 * earlier place in the message.
 *
 * A pointer must jump strictly backward, before the run of labels it ends,
 * so a walk always ends; at most 255 bytes of labels (RFC 1035 2.3.4).
 * Extended label types (top bits 01 or 10, RFC 6891 5) are refused.
 *
 * Inline: DNS decodes every name of every message with it.
 */
#ifndef NMX_DISSECT_DNS_NAME_H
#define NMX_DISSECT_DNS_NAME_H

#include "dissect/dissect_int.h"

#define NMX__DN_WIRE_MAX 255 /* bytes of labels in a name, RFC 1035 2.3.4 */

/* What nmx__dn_label() says besides a label's length. */
enum { NMX__DN_END = 0, NMX__DN_SHORT = -1, NMX__DN_BAD = -2 };

typedef struct nmx__dn_walk {
    uint32_t at;   /* the next length byte                     */
    uint32_t run;  /* where the current run of labels started  */
    uint32_t wire; /* bytes of labels so far                   */
    bool jumped;   /* a pointer was followed                   */
} nmx__dn_walk;

/* Starts the walk of the name at `off` of the message; *end is set to off. */
static inline nmx__dn_walk nmx__dn_start(uint32_t off, uint32_t *end)
{
    *end = off;
    return (nmx__dn_walk){ .at = off, .run = off, .wire = 0, .jumped = false };
}

/* The next label of the name in message m: its length (1 to 63) with *p
 * at its bytes; NMX__DN_END at the zero byte that ends the name;
 * NMX__DN_SHORT when the bytes run out; NMX__DN_BAD for a bad pointer or
 * label or a name too long. *end becomes the offset just past the name
 * where it stands (past its first pointer or its zero byte). */
static inline int nmx__dn_label(nmx_rd *m, nmx__dn_walk *w, uint32_t *end, const uint8_t **p)
{
    for (;;) {
        if (!nmx_rd_has(m, w->at, 1))
            return NMX__DN_SHORT;
        uint8_t c = nmx_rd_u8(m, w->at);
        if ((c & 0xC0u) == 0xC0u) {
            if (!nmx_rd_has(m, w->at, 2))
                return NMX__DN_SHORT;
            uint32_t to = nmx_rd_be16(m, w->at) & 0x3FFFu;
            if (!w->jumped)
                *end = w->at + 2;
            w->jumped = true;
            if (to >= w->run)
                return NMX__DN_BAD; /* forward, or into the run it ends */
            w->at = w->run = to;
            continue;
        }
        if (c & 0xC0u)
            return NMX__DN_BAD;
        w->wire += 1u + c;
        if (w->wire > NMX__DN_WIRE_MAX)
            return NMX__DN_BAD;
        if (c == 0) {
            if (!w->jumped)
                *end = w->at + 1;
            return NMX__DN_END;
        }
        *p = nmx_rd_ptr(m, w->at + 1, c);
        if (!*p)
            return NMX__DN_SHORT;
        w->at += 1u + c;
        return c;
    }
}

#endif /* NMX_DISSECT_DNS_NAME_H */
