/*
 * bpf_both.h: runs a classic BPF program both in the executor
 * (src/filter/bpf_exec.c) and in libpcap's bpf_filter(), for the tests and
 * the fuzz harness that compare them. Needs <pcap/pcap.h> and
 * "filter/bpf_exec.h" before it.
 */
#ifndef NMX_TEST_BPF_BOTH_H
#define NMX_TEST_BPF_BOTH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Copies n pcap instructions into the executor's instruction type. */
static inline void nmx_test_bpf_insns(const struct bpf_insn *p, size_t n, nmx__bpf_insn *in)
{
    for (size_t i = 0; i < n; i++) {
        in[i].code = p[i].code;
        in[i].jt = p[i].jt;
        in[i].jf = p[i].jf;
        in[i].k = p[i].k;
    }
}

/* Does the check refuse what bpf_validate() refuses too? */
static inline bool nmx_test_bpf_refused_hard(nmx__bpf_check r)
{
    return r >= NMX__BPF_BAD_EMPTY && r <= NMX__BPF_BAD_LAST;
}

/* Runs c (the executor's) and prog (libpcap's) on the first caplen bytes
 * of pkt, copied to a buffer of exactly that size, of a frame wirelen
 * bytes long: *got and *want are their values. false when no buffer
 * could be had. */
static inline bool nmx_test_bpf_run_both(const nmx__bpf_code *c, const struct bpf_insn *prog,
                                         const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
                                         uint32_t *got, uint32_t *want)
{
    uint8_t *buf = malloc(caplen ? caplen : 1);
    if (!buf)
        return false;
    if (caplen)
        memcpy(buf, pkt, caplen);
    *got = nmx__bpf_run(c, buf, caplen, wirelen);
    *want = bpf_filter(prog, buf, wirelen, caplen);
    free(buf);
    return true;
}

#endif
