/*
 * bpf_exec.h: an executor of classic BPF programs as libpcap compiles them
 * for offline filtering (the instruction set of the BSD bpf(4) man page and
 * McCanne & Jacobson, "The BSD Packet Filter", USENIX 1993).
 *
 * A program is checked once (nmx__bpf_code_new) and turned into a compact
 * internal form; nmx__bpf_run then runs it on a frame. The result is the
 * one libpcap's bpf_filter() gives for the same program, frame bytes,
 * captured length and wire length (docs/filters.md, "BPF executor").
 *
 * The check refuses every program libpcap's bpf_validate() refuses
 * (NMX__BPF_BAD_*), and a few it accepts but this executor does not run
 * (NMX__BPF_UNSUPPORTED_*): the caller runs those with libpcap instead.
 */
#ifndef NMX_FILTER_BPF_EXEC_H
#define NMX_FILTER_BPF_EXEC_H

#include <stddef.h>
#include <stdint.h>

/* One instruction, laid out as struct bpf_insn (pcap/bpf.h). */
typedef struct nmx__bpf_insn {
    uint16_t code;
    uint8_t jt, jf;
    uint32_t k;
} nmx__bpf_insn;

typedef enum nmx__bpf_check {
    NMX__BPF_CHECK_OK = 0,
    /* refused by bpf_validate as well */
    NMX__BPF_BAD_EMPTY,        /* no instruction                          */
    NMX__BPF_BAD_OPCODE,       /* a class, mode or operation it refuses   */
    NMX__BPF_BAD_MEM,          /* a scratch memory slot >= 16             */
    NMX__BPF_BAD_DIV_ZERO,     /* division or modulo by the constant 0    */
    NMX__BPF_BAD_JUMP,         /* a jump past the last instruction        */
    NMX__BPF_BAD_LAST,         /* the last instruction is not a return    */
    /* accepted by bpf_validate, not run here (the caller uses libpcap)   */
    NMX__BPF_UNSUPPORTED_OPCODE,   /* bpf_filter() has no case for it     */
    NMX__BPF_UNSUPPORTED_BACKWARD, /* a jump backwards (a loop)           */
    NMX__BPF_UNSUPPORTED_SHIFT,    /* a constant shift by 32 or more      */
    NMX__BPF_UNSUPPORTED_LENGTH,   /* more than NMX__BPF_MAX_INSNS        */
    NMX__BPF_NOMEM
} nmx__bpf_check;

#define NMX__BPF_MAX_INSNS 65536u

typedef struct nmx__bpf_code nmx__bpf_code;

/* Checks and translates `n` instructions. NMX__BPF_CHECK_OK: *out is a
 * program to free with nmx__bpf_code_free; otherwise *out is NULL. */
nmx__bpf_check nmx__bpf_code_new(const nmx__bpf_insn *insns, size_t n, nmx__bpf_code **out);
void nmx__bpf_code_free(nmx__bpf_code *c);

/* A short text for a check result. */
const char *nmx__bpf_check_text(nmx__bpf_check r);

/* Runs the program on `caplen` bytes at `pkt` of a frame `wirelen` bytes
 * long on the wire: the value its return instruction gives, 0 when a load
 * falls outside the captured bytes or a division is by zero. Reentrant. */
uint32_t nmx__bpf_run(const nmx__bpf_code *c, const uint8_t *pkt, uint32_t caplen,
                      uint32_t wirelen);

/* The name of the dispatch compiled in ("threaded" or "switch"). */
const char *nmx__bpf_dispatch(void);

#endif
