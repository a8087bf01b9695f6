/*
 * dissectbench: the parsers in an expert's forward scan.
 *
 *   dissectbench MODE FILE
 *
 * Every mode walks FILE the way an expert does (nmx_hcapture_open, a
 * session, ExpertGetFrame(GET_FRAME_NEXT_FORWARD) until
 * NMERR_FRAME_NOT_FOUND); per frame:
 *   expert     nothing more (the scan as experts have it today);
 *   recognise  nmx_dissect(flags 0): the protocols only (what ExpertGetFrame
 *              without FLAGS_ATTACH_PROPERTIES will do);
 *   attach     nmx_dissect(NMX_DIS_ATTACH), then the values of ten fields of
 *              a TCP/IP frame read from the property instances (Ethernet
 *              source and destination, IP source, destination, protocol and
 *              TTL, TCP ports, sequence number and flags), found by their
 *              HPROPERTY (looked up once by name), i.e. what an expert does
 *              with FLAGS_ATTACH_PROPERTIES.
 * ExpertGetFrame does not attach properties itself yet, so the dissector
 * is called on the frame it returns (its bytes, lengths and the capture's
 * link type): the cost measured is the parsers' own.
 *
 * Allocations are counted by wrapping malloc/calloc/realloc (glibc's
 * __libc_* underneath): inside nmx_dissect calls and in the whole loop,
 * from the 1000th frame on (steady state). Memory: anonymous RSS after the
 * 1000th frame and at the end.
 *
 * Prints one line of key=value pairs: mode, file, frames, tcp_frames (with
 * all ten values), layers, insts, xsum, scan_ms, ns_per_frame,
 * allocs_dissect_steady, allocs_loop_steady, allocs_total, anon_warm_kb,
 * anon_end_kb, anon_growth_kb, hwm_kb.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/session.h"

/* ---- allocation counting ------------------------------------------------ */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static atomic_ulong n_alloc;

void *malloc(size_t n)
{
    atomic_fetch_add_explicit(&n_alloc, 1, memory_order_relaxed);
    return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    atomic_fetch_add_explicit(&n_alloc, 1, memory_order_relaxed);
    return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    atomic_fetch_add_explicit(&n_alloc, 1, memory_order_relaxed);
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}

static unsigned long allocs(void)
{
    return atomic_load_explicit(&n_alloc, memory_order_relaxed);
}

/* ---- helpers --------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void mem_now(long *anon, long *hwm)
{
    *anon = *hwm = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        long v;
        if (sscanf(line, "RssAnon: %ld", &v) == 1)
            *anon = v;
        else if (sscanf(line, "VmHWM: %ld", &v) == 1)
            *hwm = v;
    }
    fclose(f);
}

static const struct {
    const char *proto, *label;
} ten[10] = {
    { "ETHERNET", "Source address" },  { "ETHERNET", "Destination address" },
    { "IP", "Source Address" },        { "IP", "Destination Address" },
    { "IP", "Protocol" },              { "IP", "Time to Live" },
    { "TCP", "Source Port" },          { "TCP", "Destination Port" },
    { "TCP", "Sequence Number" },      { "TCP", "Flags" },
};

enum mode { M_EXPERT, M_RECOGNISE, M_ATTACH };

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: dissectbench expert|recognise|attach FILE\n");
        return 2;
    }
    enum mode mode;
    if (strcmp(argv[1], "expert") == 0)
        mode = M_EXPERT;
    else if (strcmp(argv[1], "recognise") == 0)
        mode = M_RECOGNISE;
    else if (strcmp(argv[1], "attach") == 0)
        mode = M_ATTACH;
    else {
        fprintf(stderr, "dissectbench: unknown mode '%s'\n", argv[1]);
        return 2;
    }
    const char *path = argv[2];
    PROPERTYINFO *want[10];
    for (int i = 0; i < 10; i++) {
        want[i] = nmx_property_info(nmx_property_find(nmx_protocol_find(ten[i].proto), ten[i].label));
        if (!want[i]) {
            fprintf(stderr, "dissectbench: no property %s '%s'\n", ten[i].proto, ten[i].label);
            return 1;
        }
    }
    struct _PROTOCOL *p_eth = nmx_protocol_find("ETHERNET"), *p_ip = nmx_protocol_find("IP"),
                     *p_tcp = nmx_protocol_find("TCP");
    nmx_diag diag;
    HCAPTURE hc;
    if (nmx_hcapture_open(path, &hc, &diag) != NMX_OK) {
        fprintf(stderr, "dissectbench: %s\n", diag.msg);
        return 1;
    }
    nmx_capture *cap = nmx_hcapture_capture(hc);
    nmx_frame f0;
    uint32_t linktype = nmx_capture_frame(cap, 0, &f0) == NMX_OK ? f0.linktype : 1;
    nmx_session_config cfg = {
        .version = NMX_SESSION_CONFIG_VERSION,
        .name = "dissectbench",
        .capture = hc,
        .focus_frame = 0xFFFFFFFFu,
    };
    nmx_key key;
    if (nmx_session_open(&cfg, &key) != NMX_OK) {
        fprintf(stderr, "dissectbench: nmx_session_open failed\n");
        return 1;
    }
    nmx_dissector *dis = nmx_dissector_new();
    if (!dis)
        return 1;

    HEXPERTKEY hk = (HEXPERTKEY)key;
    EXPERTFRAMEDESCRIPTOR d;
    DWORD n = (DWORD)-1, rc;
    uint64_t frames = 0, tcp_frames = 0, layers = 0, insts = 0, xsum = 0;
    unsigned long a_dis = 0, a_loop0 = 0, a_loop = 0;
    long anon_warm = -1, anon_end, hwm, dummy;
    const uint64_t warm = 1000;
    double t0 = now_ms();
    while ((rc = ExpertGetFrame(hk, GET_FRAME_NEXT_FORWARD, 0, n, NULL, &d)) == NMERR_SUCCESS) {
        ULPFRAME fr = d.pFrame;
        n = d.FrameNumber;
        if (frames == warm) {
            mem_now(&anon_warm, &dummy);
            a_loop0 = allocs();
        }
        if (mode == M_EXPERT) {
            if (fr->nBytesAvail)
                xsum += fr->MacFrame[0];
        } else {
            nmx_frame nf;
            memset(&nf, 0, sizeof nf);
            nf.number = n;
            nf.data = fr->MacFrame;
            nf.caplen = fr->nBytesAvail;
            nf.wirelen = fr->FrameLength;
            nf.linktype = linktype;
            unsigned long a = allocs();
            nmx_dissect(dis, &nf, 0, mode == M_ATTACH ? NMX_DIS_ATTACH : 0);
            if (frames >= warm)
                a_dis += allocs() - a;
            layers += nmx_dissect_nlayers(dis);
            if (mode == M_ATTACH) {
                /* As an expert finds them: within the layer of their
                 * protocol, by HPROPERTY. */
                PROPERTYTABLE *pt = nmx_dissect_properties(dis);
                unsigned found = 0;
                insts += pt->nTotalPropertyInsts;
                for (unsigned li = 0; li < nmx_dissect_nlayers(dis); li++) {
                    const nmx_layer *l = nmx_dissect_layer(dis, li);
                    int w0 = l->proto == p_eth ? 0 : l->proto == p_ip ? 2 : l->proto == p_tcp ? 6 : -1;
                    if (w0 < 0)
                        continue;
                    int w1 = w0 == 0 ? 2 : w0 + 4;
                    for (uint32_t k = 0; k < l->ninst; k++) {
                        const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
                        for (int w = w0; w < w1; w++) {
                            if (pi->lpPropertyInfo != want[w])
                                continue;
                            const uint8_t *p = pi->lpData;
                            for (WORD b = 0; b < pi->DataLength && b < 8; b++)
                                xsum += p[b];
                            found |= 1u << w;
                            break;
                        }
                    }
                }
                tcp_frames += found == 0x3FFu;
            }
        }
        frames++;
    }
    double t1 = now_ms();
    a_loop = frames > warm ? allocs() - a_loop0 : 0;
    mem_now(&anon_end, &hwm);
    if (rc != NMERR_FRAME_NOT_FOUND) {
        fprintf(stderr, "dissectbench: ExpertGetFrame stopped with %lu\n", (unsigned long)rc);
        return 1;
    }
    nmx_dissector_free(dis);
    nmx_session_close(key, NULL);
    nmx_hcapture_close(hc);
    printf("mode=%s file=%s frames=%llu tcp_frames=%llu layers=%llu insts=%llu xsum=%llu "
           "scan_ms=%.3f ns_per_frame=%.1f allocs_dissect_steady=%lu allocs_loop_steady=%lu "
           "allocs_total=%lu anon_warm_kb=%ld anon_end_kb=%ld anon_growth_kb=%ld hwm_kb=%ld\n",
           argv[1], path, (unsigned long long)frames, (unsigned long long)tcp_frames,
           (unsigned long long)layers, (unsigned long long)insts, (unsigned long long)xsum, t1 - t0,
           frames ? (t1 - t0) * 1e6 / (double)frames : 0.0, a_dis, a_loop, allocs(), anon_warm,
           anon_end, anon_warm >= 0 ? anon_end - anon_warm : -1, hwm);
    return 0;
}
