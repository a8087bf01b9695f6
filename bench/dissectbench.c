/*
 * dissectbench: the parsers in an expert's forward scan, through netmon.h.
 *
 *   dissectbench MODE FILE
 *
 * The host opens FILE and a session as `nmexpert run` does for an expert
 * (nmx_hcapture_open, nmx_session_open, the scanning thread bound to the
 * session); the scan itself, scan() below, is written against netmon.h
 * only, as an expert's Run is: ExpertGetFrame(GET_FRAME_NEXT_FORWARD) until
 * NMERR_FRAME_NOT_FOUND. Per frame:
 *   plain      ExpertGetFrame without FLAGS_ATTACH_PROPERTIES; one byte of
 *              the frame is read (the scan experts without parsers do);
 *   recognise  the same, then GetFrameRecognizeData(hFrame): the protocols
 *              of the frame;
 *   attach     ExpertGetFrame with FLAGS_ATTACH_PROPERTIES, then the values
 *              of ten fields of a TCP/IP frame read from the returned
 *              lpPropertyTable (Ethernet source and destination, IP source,
 *              destination, protocol and TTL, TCP ports, sequence number and
 *              flags): for the first ETHERNET, IP and TCP entries of
 *              lpRecognizeDataTable, that protocol's instances are compared
 *              with the HPROPERTYs GetProperty gave once, until all of
 *              that protocol's are found;
 *   find       ExpertGetFrame with FLAGS_ATTACH_PROPERTIES, then the ten
 *              values through FindPropertyInstance(hFrame, hProperty).
 *
 * Allocations are counted by wrapping malloc/calloc/realloc (glibc's
 * __libc_* underneath): inside ExpertGetFrame calls and in the whole loop,
 * from the 1000th frame on (steady state). Memory: anonymous RSS after the
 * 1000th frame and at the end.
 *
 * Prints one line of key=value pairs: mode, file, frames, tcp_frames (with
 * all ten values), layers, insts, xsum, scan_ms (wall), scan_cpu_ms (process
 * CPU time of the loop), ns_per_frame (wall), proc_cpu_ms (user + system
 * time of the whole process, every thread, from start to after the capture
 * is closed: getrusage), allocs_getframe_steady,
 * allocs_loop_steady, allocs_total, anon_warm_kb, anon_end_kb,
 * anon_growth_kb, hwm_kb.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "netmon.h"
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

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
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

/* ---- the expert's side: netmon.h only ------------------------------------- */

enum mode { M_PLAIN, M_RECOGNISE, M_ATTACH, M_FIND };

/* The ten fields, grouped by protocol: ETHERNET [0, 2), IP [2, 6), TCP [6, 10). */
static const struct {
    char proto[9], label[20];
} ten[10] = {
    { "ETHERNET", "Source address" },  { "ETHERNET", "Destination address" },
    { "IP", "Source Address" },        { "IP", "Destination Address" },
    { "IP", "Protocol" },              { "IP", "Time to Live" },
    { "TCP", "Source Port" },          { "TCP", "Destination Port" },
    { "TCP", "Sequence Number" },      { "TCP", "Flags" },
};
static const int group_lo[3] = { 0, 2, 6 }, group_hi[3] = { 2, 6, 10 };

struct result {
    uint64_t frames, tcp_frames, layers, insts, xsum;
    unsigned long a_getframe, a_loop;
    long anon_warm;
    double wall_ms, cpu_ms;
    DWORD rc;
};

/* The value as an expert reads it: a byte, a WORD, a DWORD, an address or
 * a LARGEINT in place (an extended instance: its inline value). */
static uint64_t sum_value(const PROPERTYINST *pi)
{
    const BYTE *p = pi->lpByte;
    WORD len = pi->DataLength;
    if (len == PROPERTYINST_EX_LENGTH) {
        p = pi->lpPropertyInstEx->Byte;
        len = pi->lpPropertyInstEx->LengthEx;
    }
    uint64_t v8;
    uint32_t v4;
    uint16_t v2;
    switch (len) {
    case 0: return 0;
    case 1: return p[0];
    case 2: memcpy(&v2, p, 2); return v2;
    case 4: memcpy(&v4, p, 4); return v4;
    case 6: memcpy(&v4, p, 4); memcpy(&v2, p + 4, 2); return (uint64_t)v4 + v2;
    case 8: memcpy(&v8, p, 8); return v8;
    default: return p[0];
    }
}

static int scan(HEXPERTKEY hk, enum mode mode, struct result *res)
{
    HPROPERTY want[10];
    DWORD group_id[3];
    for (int i = 0; i < 10; i++) {
        char pn[sizeof ten[i].proto], label[sizeof ten[i].label];
        memcpy(pn, ten[i].proto, sizeof pn);
        memcpy(label, ten[i].label, sizeof label);
        HPROTOCOL hp = GetProtocolFromName(pn);
        want[i] = hp ? GetProperty(hp, label) : 0;
        if (!want[i]) {
            fprintf(stderr, "dissectbench: no property %s '%s'\n", pn, label);
            return -1;
        }
        if (i == 0 || i == 2 || i == 6)
            group_id[i == 0 ? 0 : i == 2 ? 1 : 2] = GetProtocolInfo(hp)->ProtocolID;
    }
    const DWORD flags = mode >= M_ATTACH ? FLAGS_ATTACH_PROPERTIES : 0;
    const uint64_t warm = 1000;
    unsigned long a_in = 0, a_loop0 = 0;
    EXPERTFRAMEDESCRIPTOR d;
    DWORD n = INVALID_FRAME_NUMBER, rc;
    double w0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    for (;;) {
        if (res->frames == warm) {
            long dummy;
            mem_now(&res->anon_warm, &dummy);
            a_loop0 = allocs();
        }
        unsigned long a = allocs();
        rc = ExpertGetFrame(hk, GET_FRAME_NEXT_FORWARD, flags, n, NULL, &d);
        if (res->frames >= warm)
            a_in += allocs() - a;
        if (rc != NMERR_SUCCESS)
            break;
        n = d.FrameNumber;
        res->frames++;
        if (mode == M_PLAIN) {
            if (d.pFrame->nBytesAvail)
                res->xsum += d.pFrame->MacFrame[0];
            continue;
        }
        if (mode == M_RECOGNISE) {
            LPRECOGNIZEDATATABLE r = GetFrameRecognizeData(d.hFrame);
            res->layers += r ? r->nRecognizeDatas : 0;
            continue;
        }
        unsigned found = 0;
        if (mode == M_FIND) {
            for (int w = 0; w < 10; w++) {
                LPPROPERTYINST pi = FindPropertyInstance(d.hFrame, want[w]);
                if (pi) {
                    res->xsum += sum_value(pi);
                    found |= 1u << w;
                }
            }
        } else {
            const RECOGNIZEDATATABLE *rt = d.lpRecognizeDataTable;
            const PROPERTYTABLE *pt = d.lpPropertyTable;
            res->layers += rt->nRecognizeDatas;
            res->insts += pt->nTotalPropertyInsts;
            unsigned done = 0; /* groups read: the first of each protocol */
            for (unsigned li = 0; li < rt->nRecognizeDatas && li < pt->nPropertyInstTables; li++) {
                int g = -1;
                for (int k = 0; k < 3; k++)
                    if (rt->RecognizeData[li].ProtocolID == group_id[k] && !(done & (1u << k)))
                        g = k;
                if (g < 0)
                    continue;
                done |= 1u << g;
                const PROPERTYINSTTABLE *it = &pt->PropertyInstTable[li];
                const PROPERTYINST *pi = pt->lpFirstPropertyInst + it->nPropertyInstIndex;
                const unsigned all = (1u << group_hi[g]) - (1u << group_lo[g]);
                for (WORD k = 0; k < it->nPropertyInsts && (found & all) != all; k++, pi++) {
                    HPROPERTY h = pi->lpPropertyInfo->hProperty;
                    for (int w = group_lo[g]; w < group_hi[g]; w++) {
                        if (h == want[w] && !(found & (1u << w))) {
                            res->xsum += sum_value(pi);
                            found |= 1u << w;
                            break;
                        }
                    }
                }
            }
        }
        res->tcp_frames += found == 0x3FFu;
    }
    res->wall_ms = clock_ms(CLOCK_MONOTONIC) - w0;
    res->cpu_ms = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    res->a_getframe = a_in;
    res->a_loop = res->frames > warm ? allocs() - a_loop0 : 0;
    res->rc = rc;
    return 0;
}

/* ---- the host's side -------------------------------------------------------- */

int main(int argc, char **argv)
{
    static const char *const names[] = { "plain", "recognise", "attach", "find" };
    int mode = -1;
    for (int i = 0; argc == 3 && i < 4; i++)
        if (strcmp(argv[1], names[i]) == 0)
            mode = i;
    if (mode < 0) {
        fprintf(stderr, "usage: dissectbench plain|recognise|attach|find FILE\n");
        return 2;
    }
    const char *path = argv[2];
    nmx_diag diag;
    HCAPTURE hc;
    if (nmx_hcapture_open(path, &hc, &diag) != NMX_OK) {
        fprintf(stderr, "dissectbench: %s\n", diag.msg);
        return 1;
    }
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
    nmx_session_bind_thread(key);
    struct result r;
    memset(&r, 0, sizeof r);
    r.anon_warm = -1;
    if (scan((HEXPERTKEY)key, (enum mode)mode, &r) != 0)
        return 1;
    long anon_end, hwm;
    mem_now(&anon_end, &hwm);
    if (r.rc != NMERR_FRAME_NOT_FOUND) {
        fprintf(stderr, "dissectbench: ExpertGetFrame stopped with %lu\n", (unsigned long)r.rc);
        return 1;
    }
    nmx_session_bind_thread(0);
    nmx_session_close(key, NULL);
    nmx_hcapture_close(hc);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double proc_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    printf("mode=%s file=%s frames=%llu tcp_frames=%llu layers=%llu insts=%llu xsum=%llu "
           "scan_ms=%.3f scan_cpu_ms=%.3f ns_per_frame=%.1f proc_cpu_ms=%.3f allocs_getframe_steady=%lu "
           "allocs_loop_steady=%lu allocs_total=%lu anon_warm_kb=%ld anon_end_kb=%ld "
           "anon_growth_kb=%ld hwm_kb=%ld\n",
           names[mode], path, (unsigned long long)r.frames, (unsigned long long)r.tcp_frames,
           (unsigned long long)r.layers, (unsigned long long)r.insts, (unsigned long long)r.xsum,
           r.wall_ms, r.cpu_ms, r.frames ? r.wall_ms * 1e6 / (double)r.frames : 0.0, proc_ms, r.a_getframe,
           r.a_loop, allocs(), r.anon_warm, anon_end,
           r.anon_warm >= 0 ? anon_end - r.anon_warm : -1, hwm);
    return 0;
}
