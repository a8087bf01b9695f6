/*
 * fuzz_dissect_link.c: libFuzzer harness for the link-layer, tunnel and
 * Network Monitor record parsers (src/dissect/proto_{vlan,llc,snap,arp,sll,
 * sll2,null,ppp,pppoe,mpls,gre,vxlan,nm_*}.c).
 *
 * The first input byte picks an entry point (a pcap link type, or a Network
 * Monitor media code with no link type); the rest is one frame, in an
 * exact-size copy so that a read past its end is caught. The frame is
 * dissected recognise-only, then with properties, at every captured length
 * the second input byte allows (the wire length stays whole; frames are
 * cut to 4096 bytes, run-fuzzers seeds with whole captures), and every
 * property text and bit line is made. Checked: no sanitizer finding, every
 * layer inside the frame, and recognise-only mode finds the same protocols.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"
#include "nmexpert/dissect.h"

static const struct { uint32_t linktype; uint16_t media; } entries[] = {
    { 1, 0 },      /* Ethernet: VLAN, LLC, SNAP, ARP, PPPoE, MPLS, GRE, VXLAN */
    { 0, 0 },      /* NULL */
    { 108, 0 },    /* LOOP */
    { 9, 0 },      /* PPP */
    { 50, 0 },     /* PPP in HDLC-like framing */
    { 51, 0 },     /* PPPoE */
    { 113, 0 },    /* SLL */
    { 276, 0 },    /* SLL2 */
    { NMX_LINKTYPE_NONE, 0xFFE0 }, { NMX_LINKTYPE_NONE, 0xFFFF },
    { NMX_LINKTYPE_NONE, 0xFFFD }, { NMX_LINKTYPE_NONE, 0xFFFB },
    { NMX_LINKTYPE_NONE, 0xFFFE }, { NMX_LINKTYPE_NONE, 0xFFFC },
    { NMX_LINKTYPE_NONE, 4 }, { NMX_LINKTYPE_NONE, 6 }, { NMX_LINKTYPE_NONE, 0xE083 },
};

static volatile size_t nmx_fuzz_sink;

static void walk(nmx_dissector *d, const nmx_frame *fr, unsigned *nlayers)
{
    if (nmx_dissect(d, fr, fr->ts_ns, NMX_DIS_ATTACH) != NMX_OK)
        abort();
    *nlayers = nmx_dissect_nlayers(d);
    for (unsigned i = 0; i < *nlayers; i++) {
        const nmx_layer *l = nmx_dissect_layer(d, i);
        if (l->offset > fr->caplen || l->caplen > fr->caplen - l->offset)
            abort();
    }
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    char buf[512];
    for (DWORD i = 0; i < pt->nTotalPropertyInsts; i++) {
        const PROPERTYINST *pi = &pt->lpFirstPropertyInst[i];
        nmx_fuzz_sink += nmx_dissect_text(d, pi, buf, sizeof buf);
        unsigned nb = nmx_dissect_nbits(d, pi);
        for (unsigned k = 0; k < nb; k++)
            nmx_fuzz_sink += nmx_dissect_bit_text(d, pi, k, buf, sizeof buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nmx_dissector *d;
    if (size < 2)
        return 0;
    if (!d && !(d = nmx_dissector_new()))
        abort();
    unsigned e = data[0] % (sizeof entries / sizeof entries[0]);
    unsigned step = data[1] ? data[1] : 1;
    data += 2;
    size -= 2;
    if (size > 4096)
        size = 4096;                /* longer frames reach no other code */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    nmx_frame fr;
    memset(&fr, 0, sizeof fr);
    fr.data = buf;
    fr.wirelen = (uint32_t)size;
    fr.linktype = entries[e].linktype;
    fr.netmon_media = entries[e].media;
    for (size_t cap = size;; cap = cap > step ? cap - step : 0) {
        fr.caplen = (uint32_t)cap;
        if (nmx_dissect(d, &fr, 0, 0) != NMX_OK)
            abort();
        unsigned quick = nmx_dissect_nlayers(d), full;
        const char *names[64];
        for (unsigned i = 0; i < quick && i < 64; i++)
            names[i] = nmx_dissect_layer(d, i)->name;
        walk(d, &fr, &full);
        if (full != quick)
            abort();
        for (unsigned i = 0; i < full && i < 64; i++)
            if (strcmp(names[i], nmx_dissect_layer(d, i)->name) != 0)
                abort();
        if (cap == 0)
            break;
    }
    free(buf);
    return 0;
}
