/*
 * fuzz_dissect_net.c: libFuzzer harness for the network-layer dissectors
 * (IP6 with its extension headers, ICMP, ICMP6, and IPv4 which they quote
 * and are quoted by), entered the ways a frame reaches them.
 *
 * Input: byte 0 picks the entry (link type 229 IPv6, 228 IPv4, 1 Ethernet,
 * 101 raw IP); byte 1 adds that many bytes to the wire length (a frame cut
 * by the capture); the rest is the frame, copied to an exact-size buffer so
 * that any read past it is caught. Each frame is dissected with and
 * without properties; every property's text and flag bits are formatted.
 * Checked: every layer lies inside the captured bytes, the layers of both
 * passes agree, and texts are NUL-terminated within their buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"

static volatile uint64_t nmx_fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t entries[4] = { 229, 228, 1, 101 };
    static nmx_dissector *d;
    if (size < 2 || size - 2 > 0xFFFFu)
        return 0;
    if (!d && !(d = nmx_dissector_new()))
        abort();
    size_t n = size - 2;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 2, n);
    nmx_frame fr;
    memset(&fr, 0, sizeof fr);
    fr.data = buf;
    fr.caplen = (uint32_t)n;
    fr.wirelen = (uint32_t)n + data[1];
    fr.linktype = entries[data[0] & 3];

    if (nmx_dissect(d, &fr, 0, 0) != NMX_OK)
        abort();
    unsigned nl = nmx_dissect_nlayers(d);
    char names[32][16];
    for (unsigned i = 0; i < nl && i < 32; i++)
        strncpy(names[i], nmx_dissect_layer(d, i)->name, sizeof names[i] - 1)[15] = 0;

    if (nmx_dissect(d, &fr, 0, NMX_DIS_ATTACH) != NMX_OK)
        abort();
    if (nmx_dissect_nlayers(d) != nl)
        abort();
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    char text[512];
    for (unsigned i = 0; i < nl; i++) {
        const nmx_layer *l = nmx_dissect_layer(d, i);
        if (i < 32 && strncmp(names[i], l->name, 15) != 0)
            abort();
        if (l->offset > fr.caplen || l->caplen > fr.caplen - l->offset)
            abort();
        if (l->status > NMX_LAYER_MALFORMED)
            abort();
        for (uint32_t k = 0; k < l->ninst; k++) {
            PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            size_t t = nmx_dissect_text(d, pi, text, sizeof text);
            if (memchr(text, 0, sizeof text) == NULL)
                abort();
            nmx_fuzz_sink += t;
            unsigned nb = nmx_dissect_nbits(d, pi);
            for (unsigned b = 0; b < nb; b++)
                nmx_fuzz_sink += nmx_dissect_bit_text(d, pi, b, text, sizeof text);
        }
    }
    free(buf);
    return 0;
}
