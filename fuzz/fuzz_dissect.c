/*
 * fuzz_dissect.c: libFuzzer harness for the parsers (src/dissect/).
 *
 * Input: two bytes of link type (big-endian), then the frame. A link type
 * with the top bit set means "no link type" and its low 15 bits are the
 * Network Monitor media code (records such as events and comments). The
 * frame is copied to a heap buffer of exactly its size, so that a read past
 * the captured bytes is an ASan finding, and dissected four ways: with and
 * without NMX_DIS_ATTACH, with the wire length equal to the captured length
 * and larger (a frame cut by the capture). Every instance's text and bit
 * lines are formatted. The layers must stay within the captured bytes and
 * find the same protocols, with the same statuses, in both modes.
 *
 * Seeds: fuzz/dissect_seeds writes real frames in this format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"

static volatile size_t nmx_fuzz_sink;

static void format_all(nmx_dissector *d)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    char buf[256], small[3];
    size_t sum = 0;
    for (uint32_t k = 0; pt && k < pt->nTotalPropertyInsts; k++) {
        PROPERTYINST *pi = &pt->lpFirstPropertyInst[k];
        size_t n = nmx_dissect_text(d, pi, buf, sizeof buf);
        if (n == 0 || strlen(buf) != (n < sizeof buf ? n : sizeof buf - 1))
            abort();
        nmx_dissect_text(d, pi, small, sizeof small);
        if (strlen(small) >= sizeof small)
            abort();
        sum += n;
        unsigned nb = nmx_dissect_nbits(d, pi);
        for (unsigned b = 0; b < nb; b++)
            sum += nmx_dissect_bit_text(d, pi, b, buf, sizeof buf);
    }
    nmx_fuzz_sink = sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nmx_dissector *d;
    if (!d && !(d = nmx_dissector_new()))
        abort();
    if (size < 2 || size - 2 > 0x40000)
        return 0;
    unsigned lt = (unsigned)data[0] << 8 | data[1];
    uint32_t len = (uint32_t)(size - 2);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 2, len);
    nmx_frame fr;
    memset(&fr, 0, sizeof fr);
    fr.number = 41;
    fr.ts_ns = INT64_C(1000000000) * 1700000000;
    fr.data = buf;
    fr.caplen = len;
    if (lt & 0x8000u) {
        fr.linktype = NMX_LINKTYPE_NONE;
        fr.netmon_media = (uint16_t)(lt & 0x7FFFu);
    } else {
        fr.linktype = lt;
    }
    for (int wire = 0; wire < 2; wire++) {
        fr.wirelen = wire ? len + 1000 : len;
        const char *names[64];
        nmx_layer_status st[64];
        unsigned nl0 = 0;
        for (unsigned flags = 0; flags <= NMX_DIS_ATTACH; flags += NMX_DIS_ATTACH) {
            int64_t prev = wire ? INT64_MIN : fr.ts_ns - 1234567;
            if (nmx_dissect(d, &fr, prev, flags) != NMX_OK)
                abort();
            unsigned nl = nmx_dissect_nlayers(d);
            if (nl == 0 || nl > 64)
                abort();
            for (unsigned i = 0; i < nl; i++) {
                const nmx_layer *l = nmx_dissect_layer(d, i);
                if (l->offset > len || l->caplen > len - l->offset || l->caplen > l->length)
                    abort();
                if (flags == 0) {
                    names[i] = l->name;
                    st[i] = l->status;
                } else if (nl != nl0 || names[i] != l->name || st[i] != l->status) {
                    abort(); /* attaching changed what was recognised */
                }
            }
            nl0 = nl;
            if (flags)
                format_all(d);
        }
    }
    free(buf);
    return 0;
}
