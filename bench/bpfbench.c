/*
 * bpfbench: one BPF program run over the frames of a capture by libpcap's
 * pcap_offline_filter and by the library's executor (src/filter/bpf_exec.c),
 * alternating in one process, CPU time per frame (docs/filters.md).
 *
 *   bpfbench FILE EXPR [FRAMES [REPS [ROUNDS]]]
 *
 * The first FRAMES frames (default 200) of FILE are run REPS times (default
 * 20000) by each executor, ROUNDS times (default 7). Few frames: they stay
 * in the cache and the figure is the program's own cost; many: each run
 * also waits for the frame's bytes, as in a scan. The program is compiled
 * for the first frame's link type. One line per round, then the medians.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter/bpf_exec.h"
#include "nmexpert/capture.h"

static double cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bpfbench FILE EXPR [FRAMES [REPS [ROUNDS]]]\n");
        return 2;
    }
    unsigned long want = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
    unsigned long reps = argc > 4 ? strtoul(argv[4], NULL, 10) : 20000;
    unsigned long rounds = argc > 5 ? strtoul(argv[5], NULL, 10) : 7;
    if (rounds < 1 || rounds > 99 || reps < 1 || want < 1)
        return 2;
    nmx_capture *cap = NULL;
    nmx_diag d;
    if (nmx_capture_open(argv[1], 0, &cap, &d) != NMX_OK) {
        fprintf(stderr, "bpfbench: %s\n", d.msg);
        return 1;
    }
    uint64_t total = nmx_capture_frame_count(cap);
    size_t nf = (size_t)(want < total ? want : total);
    nmx_frame *fr = calloc(nf ? nf : 1, sizeof *fr);
    if (!fr || nf == 0)
        return 1;
    for (size_t i = 0; i < nf; i++)
        if (nmx_capture_frame(cap, i, &fr[i]) != NMX_OK)
            return 1;
    pcap_t *p = pcap_open_dead((int)fr[0].linktype, 262144);
    struct bpf_program b;
    if (!p || pcap_compile(p, &b, argv[2], 1, PCAP_NETMASK_UNKNOWN) != 0) {
        fprintf(stderr, "bpfbench: %s\n", p ? pcap_geterr(p) : "pcap_open_dead");
        return 1;
    }
    nmx__bpf_insn *in = calloc(b.bf_len, sizeof *in);
    if (!in)
        return 1;
    for (u_int i = 0; i < b.bf_len; i++) {
        in[i].code = b.bf_insns[i].code;
        in[i].jt = b.bf_insns[i].jt;
        in[i].jf = b.bf_insns[i].jf;
        in[i].k = b.bf_insns[i].k;
    }
    nmx__bpf_code *c = NULL;
    nmx__bpf_check r = nmx__bpf_code_new(in, b.bf_len, &c);
    if (r != NMX__BPF_CHECK_OK) {
        fprintf(stderr, "bpfbench: the executor refuses the program: %s\n",
                nmx__bpf_check_text(r));
        return 1;
    }
    double lp[99], ex[99];
    for (unsigned long round = 0; round < rounds; round++) {
        unsigned long m1 = 0, m2 = 0;
        double t0 = cpu_ns();
        for (unsigned long k = 0; k < reps; k++)
            for (size_t i = 0; i < nf; i++) {
                struct pcap_pkthdr h;
                memset(&h, 0, sizeof h);
                h.caplen = fr[i].caplen;
                h.len = fr[i].wirelen;
                m1 += pcap_offline_filter(&b, &h, fr[i].data) != 0;
            }
        double t1 = cpu_ns();
        for (unsigned long k = 0; k < reps; k++)
            for (size_t i = 0; i < nf; i++)
                m2 += nmx__bpf_run(c, fr[i].data, fr[i].caplen, fr[i].wirelen) != 0;
        double t2 = cpu_ns();
        if (m1 != m2) {
            fprintf(stderr, "bpfbench: the executors disagree (%lu and %lu matches)\n", m1, m2);
            return 1;
        }
        double n = (double)reps * (double)nf;
        lp[round] = (t1 - t0) / n;
        ex[round] = (t2 - t1) / n;
        printf("round=%lu frames=%zu reps=%lu matches=%lu libpcap_ns=%.2f executor_ns=%.2f "
               "ratio=%.3f\n",
               round, nf, reps, m1 / reps, lp[round], ex[round], ex[round] / lp[round]);
    }
    qsort(lp, rounds, sizeof lp[0], cmp_double);
    qsort(ex, rounds, sizeof ex[0], cmp_double);
    printf("median libpcap_ns=%.2f executor_ns=%.2f ratio=%.3f dispatch=%s program=%u\n",
           lp[rounds / 2], ex[rounds / 2], ex[rounds / 2] / lp[rounds / 2], nmx__bpf_dispatch(),
           b.bf_len);
    nmx__bpf_code_free(c);
    pcap_freecode(&b);
    pcap_close(p);
    free(in);
    free(fr);
    nmx_capture_close(cap);
    return 0;
}
