/*
 * fuzz_bpf.c: libFuzzer harness for the BPF executor (src/filter/bpf_exec.c)
 * against libpcap's bpf_validate() and bpf_filter().
 *
 * Input: byte 0 is the number of instructions (1 to 64; bit 7 set: no
 * return is appended, so the last one may be anything); each instruction
 * is 8 bytes: an opcode selector (mostly one of the opcodes bpf_filter()
 * runs, sometimes any 16-bit value), jt, jf, an operand selector and a
 * 32-bit operand (raw, a packet offset, a slot or shift count, or a value
 * compiled filters compare with). The rest of the input is the frame.
 *
 * The program is prefixed with 16 stores that set the scratch memory
 * (bpf_filter() leaves it uninitialised). Checked: the executor's check
 * refuses exactly what bpf_validate() refuses (it may hand back more to
 * libpcap: bpf_validate() accepts opcodes bpf_filter() aborts on, and
 * backward jumps); a program it accepts gives bpf_filter()'s value for the
 * whole frame and for the frame cut at a few captured lengths, each in a
 * buffer of exactly that size.
 */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/bpf_exec.h"
#include "bpf_both.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The opcodes bpf_filter() runs. */
static const uint16_t OPS[] = {
    BPF_RET | BPF_K, BPF_RET | BPF_A, BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM,
    BPF_LD | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_LEN, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM,
    BPF_ST, BPF_STX, BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
    BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
    BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
    BPF_LDX | BPF_B | BPF_MSH,
    BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_ADD | BPF_X, BPF_ALU | BPF_SUB | BPF_K,
    BPF_ALU | BPF_SUB | BPF_X, BPF_ALU | BPF_MUL | BPF_K, BPF_ALU | BPF_MUL | BPF_X,
    BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_DIV | BPF_X, BPF_ALU | BPF_MOD | BPF_K,
    BPF_ALU | BPF_MOD | BPF_X, BPF_ALU | BPF_AND | BPF_K, BPF_ALU | BPF_AND | BPF_X,
    BPF_ALU | BPF_OR | BPF_K, BPF_ALU | BPF_OR | BPF_X, BPF_ALU | BPF_XOR | BPF_K,
    BPF_ALU | BPF_XOR | BPF_X, BPF_ALU | BPF_LSH | BPF_K, BPF_ALU | BPF_LSH | BPF_X,
    BPF_ALU | BPF_RSH | BPF_K, BPF_ALU | BPF_RSH | BPF_X, BPF_ALU | BPF_NEG,
    BPF_JMP | BPF_JA, BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JEQ | BPF_X,
    BPF_JMP | BPF_JGT | BPF_K, BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JGE | BPF_K,
    BPF_JMP | BPF_JGE | BPF_X, BPF_JMP | BPF_JSET | BPF_K, BPF_JMP | BPF_JSET | BPF_X,
    /* the loads and jumps of compiled filters, more often */
    BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS, BPF_JMP | BPF_JEQ | BPF_K,
    BPF_JMP | BPF_JSET | BPF_K, BPF_LD | BPF_H | BPF_IND, BPF_LDX | BPF_B | BPF_MSH,
};
#define NOPS (sizeof OPS / sizeof OPS[0])

static const uint32_t VALUES[] = { 0, 1, 2, 4, 6, 14, 17, 31, 32, 80, 0xff, 0x800, 0x86dd,
                                   0x1fff, 0xffff, 0x7fffffff, 0x80000000u, 0xffffffffu };

#define PROLOGUE 16u
#define MAXBODY 64u

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void compare(const nmx__bpf_code *c, const struct bpf_insn *prog, const uint8_t *pkt,
                    uint32_t caplen, uint32_t wirelen)
{
    uint32_t got, want;
    if (nmx_test_bpf_run_both(c, prog, pkt, caplen, wirelen, &got, &want) && want != got)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned body = 1u + (data[0] & 0x3fu);
    bool no_ret = (data[0] & 0x80u) != 0;
    size_t pos = 1;
    struct bpf_insn prog[PROLOGUE + MAXBODY + 1];
    unsigned n = 0;
    for (unsigned i = 0; i < PROLOGUE; i++)
        prog[n++] = (struct bpf_insn)BPF_STMT(BPF_ST, i); /* M[i] = A = 0 */
    for (unsigned i = 0; i < body && pos + 8 <= size; i++, pos += 8) {
        const uint8_t *b = data + pos;
        uint32_t raw = rd32(b + 4), k;
        uint16_t code = b[0] >= 0xf0 ? (uint16_t)(raw >> 16) : OPS[b[0] % NOPS];
        switch (b[3] & 3u) {
        case 0: k = raw; break;
        case 1: k = raw % 72u; break;
        case 2: k = raw % 36u; break;
        default: k = VALUES[raw % (sizeof VALUES / sizeof VALUES[0])]; break;
        }
        if (code == (BPF_JMP | BPF_JA) && (b[3] & 4u) == 0)
            k = raw % 4u; /* mostly a short jump forward */
        uint8_t jt = b[3] & 8u ? b[1] : (uint8_t)(b[1] % 4u);
        uint8_t jf = b[3] & 8u ? b[2] : (uint8_t)(b[2] % 4u);
        prog[n++] = (struct bpf_insn)BPF_JUMP(code, k, jt, jf);
    }
    if (!no_ret)
        prog[n++] = (struct bpf_insn)BPF_STMT(pos < size && (data[pos] & 1u) ? BPF_RET | BPF_A
                                                                              : BPF_RET | BPF_K,
                                              0x40000u);
    const uint8_t *pkt = pos < size ? data + pos : data;
    uint32_t caplen = pos < size ? (uint32_t)(size - pos) : 0;
    uint32_t wirelen = caplen + (caplen ? pkt[0] : 0u);

    nmx__bpf_insn in[PROLOGUE + MAXBODY + 1];
    nmx_test_bpf_insns(prog, n, in);
    nmx__bpf_code *c = NULL;
    nmx__bpf_check r = nmx__bpf_code_new(in, n, &c);
    bool valid = bpf_validate(prog, (int)n) != 0;
    bool refused = nmx_test_bpf_refused_hard(r);
    if (r == NMX__BPF_NOMEM)
        return 0;
    if (valid == refused || (r == NMX__BPF_CHECK_OK) != (c != NULL))
        abort();
    if (!c)
        return 0;
    compare(c, prog, pkt, caplen, wirelen);
    static const uint32_t cuts[] = { 0, 1, 13, 14, 15, 23, 34 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        if (cuts[i] < caplen)
            compare(c, prog, pkt, cuts[i], wirelen);
    if (caplen > 1)
        compare(c, prog, pkt, caplen - 1, wirelen);
    compare(c, prog, pkt, caplen, 0); /* a wire length below the captured one */
    nmx__bpf_code_free(c);
    return 0;
}
