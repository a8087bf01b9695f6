/*
 * fuzz_dissect_app2.c: the HTTP, TLS, SMB and SMB2 dissectors, each run
 * by itself over the input (nmx__dissect_from): the first byte picks the
 * protocol (bits 0-1) and whether the capture was cut short (bit 2: the
 * message claims half as many bytes again on the wire); the rest is the
 * message, in an exact-size copy. Every instance's text and bit lines are
 * formatted, in both dissection modes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dissect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nmx_dissector *d;
    static const nmx_protocol *const protos[4] = { &nmx_proto_http, &nmx_proto_tls,
                                                   &nmx_proto_smb, &nmx_proto_smb2 };
    if (size < 1 || size > 0x100000)
        return 0;
    if (!d && !(d = nmx_dissector_new()))
        return 0;
    const nmx_protocol *p = protos[data[0] & 3u];
    uint32_t len = (uint32_t)(size - 1);
    uint32_t wire = (data[0] & 4u) ? len + len / 2 + 1 : len;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, len);
    for (unsigned flags = 0; flags < 2; flags++) {
        if (nmx__dissect_from(d, p, buf, len, wire, flags ? NMX_DIS_ATTACH : 0) != NMX_OK)
            continue;
        PROPERTYTABLE *pt = nmx_dissect_properties(d);
        for (uint32_t i = 0; pt && i < pt->nTotalPropertyInsts; i++) {
            const PROPERTYINST *pi = &pt->lpFirstPropertyInst[i];
            char t[256];
            nmx_dissect_text(d, pi, t, sizeof t);
            nmx_dissect_text(d, pi, t, 5);
            for (unsigned k = 0; k < nmx_dissect_nbits(d, pi); k++)
                nmx_dissect_bit_text(d, pi, k, t, sizeof t);
        }
    }
    free(buf);
    return 0;
}
