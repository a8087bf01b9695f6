/*
 * fuzz_filter.c: libFuzzer harness for Network Monitor display filters
 * (src/filter/nm_object.c, nm_eval.c) over the parsers.
 *
 * Input: byte 0 is the number of filter objects (up to 63); each object is
 * two bytes, an action (any value: most are refused) and an operand chosen
 * from a table that mixes real protocol and property handles with 0 and
 * garbage (a STRING or LARGEINT operand points to a text or number of a
 * table, or is NULL: an expert's pointers are its own business); the rest
 * of the input is an Ethernet frame. Checked: the result
 * is tri-state; a filter whose check passes never fails to evaluate on a
 * frame dissected with properties; a duplicate gives the same result as the
 * original; the check and the evaluator agree on malformed filters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"
#include "nmexpert/dissect.h"
#include "nmexpert/filter.h"

static uintptr_t operand(uint8_t sel)
{
    static const char *const protos[] = {"FRAME", "ETHERNET", "IP", "TCP", "UDP"};
    static const char *const props[][2] = {{"TCP", "Destination Port"}, {"IP", "Time to Live"},
                                           {"UDP", "Source Port"}, {"ETHERNET", "Ethernet Type"}};
    switch (sel % 4) {
    case 0:
        return (uintptr_t)nmx_protocol_find(protos[(sel >> 2) % 5]);
    case 1: {
        unsigned k = (sel >> 2) % 4;
        return nmx_property_find(nmx_protocol_find(props[k][0]), props[k][1]);
    }
    case 2:
        return 0;
    default:
        return (uintptr_t)sel * 0x1000193u; /* garbage */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t nobj = data[0] & 63u, pos = 1;
    nmx_filter *f;
    if (nmx_filter_objects(&f) != NMX_OK)
        return 0;
    for (size_t i = 0; i < nobj && pos + 2 <= size; i++, pos += 2) {
        FILTEROBJECT o;
        memset(&o, 0, sizeof o);
        o.Action = data[pos] % 40u;
        uint8_t sel = data[pos + 1];
        uintptr_t v = operand(sel);
        o.hProperty = v;
        o.hProtocol = (HPROTOCOL)v;
        static const char *const texts[] = {"", "www", "GET", "www.example.com.", "\xff\xfe"};
        static LARGE_INTEGER nums[3];
        nums[1].QuadPart = 80;
        nums[2].QuadPart = -1;
        if (o.Action == FILTERACTION_STRING)
            o.lpArray = sel % 6 == 5 ? NULL : (LPVOID)(uintptr_t)texts[sel % 6];
        else if (o.Action == FILTERACTION_LARGEINT)
            o.lpLargeInt = sel % 4 == 3 ? NULL : (ULPLARGEINT)(void *)&nums[sel % 4];
        uint32_t e = nmx_filter_add_object(f, &o);
        if (e != NMERR_SUCCESS && e != NMERR_INVALID_HPROPERTY && e != NMERR_INVALID_HPROTOCOL &&
            e != NMERR_NOT_SUPPORTED && e != NMERR_FILTER_INVALID_EXPRESSION &&
            e != NMERR_INVALID_PARAMETER && e != NMERR_OUT_OF_MEMORY)
            abort();
    }
    /* An exact-size copy of the frame, so a read past its end is caught. */
    size_t flen = size - pos;
    uint8_t *frame = malloc(flen ? flen : 1);
    if (!frame) {
        nmx_filter_free(f);
        return 0;
    }
    if (flen)
        memcpy(frame, data + pos, flen);
    nmx_frame fr;
    memset(&fr, 0, sizeof fr);
    fr.data = frame;
    fr.caplen = fr.wirelen = (uint32_t)flen;
    fr.linktype = 1;
    nmx_dissector *d = nmx_dissector_new();
    if (d && nmx_dissect(d, &fr, 0, NMX_DIS_ATTACH) == NMX_OK) {
        uint32_t at, check = nmx_filter_check(f, &at), e1 = 0, e2 = 0;
        nmx_match m = nmx_filter_eval(f, &fr, d, &e1);
        if (m != NMX_MATCH && m != NMX_NO_MATCH && m != NMX_MATCH_ERROR)
            abort();
        if ((check == NMERR_SUCCESS) != (m != NMX_MATCH_ERROR))
            abort();
        if (m == NMX_MATCH_ERROR && e1 != check)
            abort();
        if (check != NMERR_SUCCESS && at >= nobj + 1)
            abort();
        nmx_filter *c = nmx_filter_dup(f);
        if (c) {
            if (nmx_filter_eval(c, &fr, NULL, &e2) != m || e2 != e1)
                abort();
            nmx_filter_free(c);
        }
    }
    nmx_dissector_free(d);
    free(frame);
    nmx_filter_free(f);
    return 0;
}
