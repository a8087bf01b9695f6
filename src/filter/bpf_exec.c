/*
 * bpf_exec.c: a classic BPF executor (bpf_exec.h).
 *
 * The machine is the one of the BSD bpf(4) man page and of McCanne &
 * Jacobson, "The BSD Packet Filter" (USENIX 1993); the Linux kernel's
 * Documentation/networking/filter.rst lists the same instructions. An
 * accumulator A, an index register X, 16 words of scratch memory M[], the
 * frame's captured bytes (caplen of them) and its length on the wire.
 * Loads are big-endian. What libpcap's bpf_filter() does for offline use
 * and what this file does alike:
 *   - a load (absolute, indexed or 4*([k]&0xf)) of a byte past the captured
 *     length ends the program with 0;
 *   - division or modulo by X == 0 ends the program with 0;
 *   - A << X and A >> X give 0 when X >= 32;
 *   - a jump goes to the next instruction + the offset.
 *
 * Design (docs/filters.md, "BPF executor"):
 *   - the check runs once per program (nmx__bpf_code_new): it refuses what
 *     bpf_validate() refuses and, beyond that, what this executor does not
 *     run (bpf_filter() opcodes only, jumps forward only, constant shifts
 *     below 32), so the run loop needs no check of its own but the loads';
 *   - instructions are translated to a compact array with absolute jump
 *     targets; with GCC or clang each holds the address of its handler
 *     (direct threading, "labels as values"), elsewhere an operation
 *     number for a switch;
 *   - a load followed by a conditional jump on a constant (the pair
 *     pcap_compile emits for most tests: `ldh [12]; jeq #0x800`) is one
 *     handler; the jump instruction stays in place for jumps that land on
 *     it;
 *   - every program has two translations: one that checks the absolute
 *     loads, and one that does not, run when the frame's captured length
 *     covers the largest absolute load of the program (one comparison per
 *     frame instead of one per load). Indexed loads are always checked.
 */
#include "filter/bpf_exec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/cursor.h"

/* Opcode fields (bpf(4)). */
enum {
    C_LD = 0x00, C_LDX = 0x01, C_ST = 0x02, C_STX = 0x03,
    C_ALU = 0x04, C_JMP = 0x05, C_RET = 0x06, C_MISC = 0x07,
    S_W = 0x00, S_H = 0x08, S_B = 0x10,
    M_IMM = 0x00, M_ABS = 0x20, M_IND = 0x40, M_MEM = 0x60, M_LEN = 0x80, M_MSH = 0xa0,
    A_ADD = 0x00, A_SUB = 0x10, A_MUL = 0x20, A_DIV = 0x30, A_OR = 0x40, A_AND = 0x50,
    A_LSH = 0x60, A_RSH = 0x70, A_NEG = 0x80, A_MOD = 0x90, A_XOR = 0xa0,
    J_JA = 0x00, J_JEQ = 0x10, J_JGT = 0x20, J_JGE = 0x30, J_JSET = 0x40,
    SRC_K = 0x00, SRC_X = 0x08,
    RV_K = 0x00, RV_A = 0x10,
    MISC_TAX = 0x00, MISC_TXA = 0x80
};
#define CLASS(c) ((c) & 0x07u)
#define SIZE(c) ((c) & 0x18u)
#define MODE(c) ((c) & 0xe0u)
#define OP(c) ((c) & 0xf0u)
#define SRC(c) ((c) & 0x08u)

#define MEMWORDS 16u

/* The internal operations. _U: an absolute load whose bytes the frame is
 * known to hold. LD<s>_ABS_<J>: a load and a conditional jump on k2. */
#define FUSED_ABS(X, s)                                                                      \
    X(LD##s##_ABS_JEQ) X(LD##s##_ABS_JEQ_U) X(LD##s##_ABS_JGT) X(LD##s##_ABS_JGT_U)          \
    X(LD##s##_ABS_JGE) X(LD##s##_ABS_JGE_U) X(LD##s##_ABS_JSET) X(LD##s##_ABS_JSET_U)
#define NMX__BPF_OPS(X)                                                                      \
    X(FAIL) X(RET_K) X(RET_A) X(LD_IMM) X(LDX_IMM) X(LD_LEN) X(LDX_LEN) X(LD_MEM)            \
    X(LDX_MEM) X(ST) X(STX) X(TAX) X(TXA)                                                    \
    X(LDW_ABS) X(LDW_ABS_U) X(LDH_ABS) X(LDH_ABS_U) X(LDB_ABS) X(LDB_ABS_U)                  \
    X(LDX_MSH) X(LDX_MSH_U) X(LDW_IND) X(LDH_IND) X(LDB_IND)                                 \
    X(ADD_K) X(ADD_X) X(SUB_K) X(SUB_X) X(MUL_K) X(MUL_X) X(DIV_K) X(DIV_X) X(MOD_K)         \
    X(MOD_X) X(AND_K) X(AND_X) X(OR_K) X(OR_X) X(XOR_K) X(XOR_X) X(LSH_K) X(LSH_X)           \
    X(RSH_K) X(RSH_X) X(NEG)                                                                 \
    X(JA) X(JEQ_K) X(JEQ_X) X(JGT_K) X(JGT_X) X(JGE_K) X(JGE_X) X(JSET_K) X(JSET_X)          \
    FUSED_ABS(X, W) FUSED_ABS(X, H) FUSED_ABS(X, B)                                          \
    X(LDW_IND_JEQ) X(LDH_IND_JEQ) X(LDB_IND_JEQ)

#define OP_ENUM(n) OP_##n,
enum bpf_op { NMX__BPF_OPS(OP_ENUM) OP_COUNT };
#undef OP_ENUM

#if (defined(__GNUC__) || defined(__clang__)) && !defined(NMX_BPF_SWITCH)
#define THREADED 1
#else
#define THREADED 0
#endif

struct ins {
#if THREADED
    const void *lab; /* the handler */
#else
    uint32_t op;     /* enum bpf_op  */
#endif
    uint32_t k;      /* operand; the offset of a load                    */
    uint32_t end;    /* absolute loads: k + the load's width             */
    uint32_t k2;     /* a fused jump's constant                          */
    uint32_t jt, jf; /* conditional jumps: absolute targets; JA: jt      */
};

struct nmx__bpf_code {
    uint32_t n;
    uint32_t maxend;     /* the largest `end` of the absolute loads         */
    bool mem_loads;      /* the program reads M[]                           */
    struct ins *checked; /* every load checked                              */
    struct ins *fast;    /* absolute loads unchecked: caplen >= maxend      */
};

/* ---- the run loop --------------------------------------------------------- */

#define LDW(p) nmx_ld32be(p)
#define LDH(p) ((uint32_t)nmx_ld16be(p))
#define LDB(p) ((uint32_t)(p)[0])

#define C_EQ(a, k) ((a) == (k))
#define C_GT(a, k) ((a) > (k))
#define C_GE(a, k) ((a) >= (k))
#define C_SET(a, k) (((a) & (k)) != 0)

#if THREADED
#define CASE(n) L_##n:
#define DISPATCH() goto *pc->lab
#else
#define CASE(n) case OP_##n:
#define DISPATCH() goto top
#endif
#define NEXT()       \
    do {             \
        pc++;        \
        DISPATCH();  \
    } while (0)
#define JUMP(t)          \
    do {                 \
        pc = code + (t); \
        DISPATCH();      \
    } while (0)
#define BRANCH(cond) JUMP((cond) ? pc->jt : pc->jf)

/* Handlers of an absolute load of width s (W, H, B) alone and fused with
 * each conditional jump on a constant; the _U forms skip the check. */
#define H_ABS(s)                                                        \
    CASE(LD##s##_ABS)                                                   \
    if (pc->end > caplen)                                               \
        return 0;                                                       \
    A = LD##s(pkt + pc->k);                                             \
    NEXT();                                                             \
    CASE(LD##s##_ABS_U)                                                 \
    A = LD##s(pkt + pc->k);                                             \
    NEXT();
#define H_ABS_J(s, j, cmp)                                              \
    CASE(LD##s##_ABS_##j)                                               \
    if (pc->end > caplen)                                               \
        return 0;                                                       \
    A = LD##s(pkt + pc->k);                                             \
    BRANCH(cmp(A, pc->k2));                                             \
    CASE(LD##s##_ABS_##j##_U)                                           \
    A = LD##s(pkt + pc->k);                                             \
    BRANCH(cmp(A, pc->k2));
#define H_IND(s, width)                                                 \
    CASE(LD##s##_IND)                                                   \
    if (!nmx_range_has(caplen, (uint64_t)X + pc->k, width))             \
        return 0;                                                       \
    A = LD##s(pkt + X + pc->k);                                         \
    NEXT();                                                             \
    CASE(LD##s##_IND_JEQ)                                               \
    if (!nmx_range_has(caplen, (uint64_t)X + pc->k, width))             \
        return 0;                                                       \
    A = LD##s(pkt + X + pc->k);                                         \
    BRANCH(A == pc->k2);
#define H_ALU(name, expr)                                               \
    CASE(name##_K)                                                      \
    A = A expr pc->k;                                                   \
    NEXT();                                                             \
    CASE(name##_X)                                                      \
    A = A expr X;                                                       \
    NEXT();
#define H_JMP(name, cmp)                                                \
    CASE(name##_K)                                                      \
    BRANCH(cmp(A, pc->k));                                              \
    CASE(name##_X)                                                      \
    BRANCH(cmp(A, X));

#if THREADED
/* Labels as values and computed goto are GNU C; the file is otherwise ISO
 * C11, and the switch below is the portable form of the same loop. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

/* Runs `code` (or, with code NULL and THREADED, stores the handler table
 * in *table and returns 0). The bytes loaded without a check are covered by
 * the caller's test caplen >= maxend (nmx__bpf_run). */
static uint32_t exec(const struct ins *code, const uint8_t *pkt, uint32_t caplen,
                     uint32_t wirelen, bool clear_mem, const void *const **table)
{
#if THREADED
#define OP_LABEL(n) &&L_##n,
    static const void *const labels[OP_COUNT] = { NMX__BPF_OPS(OP_LABEL) };
#undef OP_LABEL
    if (!code) {
        *table = labels;
        return 0;
    }
#else
    (void)table;
#endif
    uint32_t A = 0, X = 0;
    uint32_t mem[MEMWORDS];
    if (clear_mem)
        memset(mem, 0, sizeof mem);
    const struct ins *pc = code;
#if THREADED
    DISPATCH();
#else
top:
    switch ((enum bpf_op)pc->op) {
#endif
    CASE(FAIL)
    return 0;
    CASE(RET_K)
    return pc->k;
    CASE(RET_A)
    return A;
    CASE(LD_IMM)
    A = pc->k;
    NEXT();
    CASE(LDX_IMM)
    X = pc->k;
    NEXT();
    CASE(LD_LEN)
    A = wirelen;
    NEXT();
    CASE(LDX_LEN)
    X = wirelen;
    NEXT();
    CASE(LD_MEM)
    A = mem[pc->k]; /* k < MEMWORDS: checked by nmx__bpf_code_new */
    NEXT();
    CASE(LDX_MEM)
    X = mem[pc->k];
    NEXT();
    CASE(ST)
    mem[pc->k] = A;
    NEXT();
    CASE(STX)
    mem[pc->k] = X;
    NEXT();
    CASE(TAX)
    X = A;
    NEXT();
    CASE(TXA)
    A = X;
    NEXT();
    H_ABS(W)
    H_ABS(H)
    H_ABS(B)
    CASE(LDX_MSH)
    if (pc->end > caplen)
        return 0;
    X = (uint32_t)(pkt[pc->k] & 0xfu) << 2;
    NEXT();
    CASE(LDX_MSH_U)
    X = (uint32_t)(pkt[pc->k] & 0xfu) << 2;
    NEXT();
    H_IND(W, 4)
    H_IND(H, 2)
    H_IND(B, 1)
    H_ALU(ADD, +)
    H_ALU(SUB, -)
    H_ALU(MUL, *)
    H_ALU(AND, &)
    H_ALU(OR, |)
    H_ALU(XOR, ^)
    CASE(DIV_K)
    A /= pc->k; /* k != 0: checked */
    NEXT();
    CASE(DIV_X)
    if (X == 0)
        return 0;
    A /= X;
    NEXT();
    CASE(MOD_K)
    A %= pc->k;
    NEXT();
    CASE(MOD_X)
    if (X == 0)
        return 0;
    A %= X;
    NEXT();
    CASE(LSH_K)
    A <<= pc->k; /* k < 32: checked */
    NEXT();
    CASE(LSH_X)
    A = X < 32 ? A << X : 0;
    NEXT();
    CASE(RSH_K)
    A >>= pc->k;
    NEXT();
    CASE(RSH_X)
    A = X < 32 ? A >> X : 0;
    NEXT();
    CASE(NEG)
    A = 0u - A;
    NEXT();
    CASE(JA)
    JUMP(pc->jt);
    H_JMP(JEQ, C_EQ)
    H_JMP(JGT, C_GT)
    H_JMP(JGE, C_GE)
    H_JMP(JSET, C_SET)
    H_ABS_J(W, JEQ, C_EQ)
    H_ABS_J(W, JGT, C_GT)
    H_ABS_J(W, JGE, C_GE)
    H_ABS_J(W, JSET, C_SET)
    H_ABS_J(H, JEQ, C_EQ)
    H_ABS_J(H, JGT, C_GT)
    H_ABS_J(H, JGE, C_GE)
    H_ABS_J(H, JSET, C_SET)
    H_ABS_J(B, JEQ, C_EQ)
    H_ABS_J(B, JGT, C_GT)
    H_ABS_J(B, JGE, C_GE)
    H_ABS_J(B, JSET, C_SET)
#if !THREADED
    case OP_COUNT:
        break;
    }
    return 0; /* not reached: every operation comes from the translation */
#endif
}

#if THREADED
#pragma GCC diagnostic pop
#endif

uint32_t nmx__bpf_run(const nmx__bpf_code *c, const uint8_t *pkt, uint32_t caplen,
                      uint32_t wirelen)
{
    /* The fast translation loads up to maxend bytes without a check. */
    const struct ins *code = caplen >= c->maxend ? c->fast : c->checked;
    return exec(code, pkt, caplen, wirelen, c->mem_loads, NULL);
}

const char *nmx__bpf_dispatch(void)
{
    return THREADED ? "threaded" : "switch";
}

/* ---- the check and the translation ----------------------------------------- */

const char *nmx__bpf_check_text(nmx__bpf_check r)
{
    switch (r) {
    case NMX__BPF_CHECK_OK: return "ok";
    case NMX__BPF_BAD_EMPTY: return "no instruction";
    case NMX__BPF_BAD_OPCODE: return "unknown instruction";
    case NMX__BPF_BAD_MEM: return "scratch memory slot out of range";
    case NMX__BPF_BAD_DIV_ZERO: return "division by the constant 0";
    case NMX__BPF_BAD_JUMP: return "jump out of the program";
    case NMX__BPF_BAD_LAST: return "the last instruction is not a return";
    case NMX__BPF_UNSUPPORTED_OPCODE: return "instruction not run by this executor";
    case NMX__BPF_UNSUPPORTED_BACKWARD: return "backward jump";
    case NMX__BPF_UNSUPPORTED_SHIFT: return "constant shift by 32 or more";
    case NMX__BPF_UNSUPPORTED_LENGTH: return "program too long";
    case NMX__BPF_NOMEM: return "out of memory";
    }
    return "?";
}

/* What bpf_validate() refuses in one instruction (0: nothing). */
static nmx__bpf_check check_hard(const nmx__bpf_insn *in, uint32_t i, uint32_t n)
{
    uint32_t code = in->code;
    switch (CLASS(code)) {
    case C_LD:
    case C_LDX:
        switch (MODE(code)) {
        case M_IMM: case M_ABS: case M_IND: case M_MSH: case M_LEN:
            return NMX__BPF_CHECK_OK;
        case M_MEM:
            return in->k < MEMWORDS ? NMX__BPF_CHECK_OK : NMX__BPF_BAD_MEM;
        default:
            return NMX__BPF_BAD_OPCODE;
        }
    case C_ST:
    case C_STX:
        return in->k < MEMWORDS ? NMX__BPF_CHECK_OK : NMX__BPF_BAD_MEM;
    case C_ALU:
        switch (OP(code)) {
        case A_ADD: case A_SUB: case A_MUL: case A_OR: case A_AND: case A_XOR:
        case A_LSH: case A_RSH: case A_NEG:
            return NMX__BPF_CHECK_OK;
        case A_DIV:
        case A_MOD:
            return SRC(code) == SRC_K && in->k == 0 ? NMX__BPF_BAD_DIV_ZERO : NMX__BPF_CHECK_OK;
        default:
            return NMX__BPF_BAD_OPCODE;
        }
    case C_JMP: {
        uint32_t from = i + 1;
        switch (OP(code)) {
        case J_JA:
            /* 32-bit sum, as bpf_validate computes it: an offset that
             * wraps round to an earlier instruction passes (a loop). */
            return (uint32_t)(from + in->k) < n ? NMX__BPF_CHECK_OK : NMX__BPF_BAD_JUMP;
        case J_JEQ: case J_JGT: case J_JGE: case J_JSET:
            return from + in->jt < n && from + in->jf < n ? NMX__BPF_CHECK_OK
                                                           : NMX__BPF_BAD_JUMP;
        default:
            return NMX__BPF_BAD_OPCODE;
        }
    }
    default: /* RET, MISC */
        return NMX__BPF_CHECK_OK;
    }
}

/* The operation for one instruction bpf_filter() runs, or OP_COUNT. */
static enum bpf_op op_of(uint32_t code)
{
    switch (code) {
    case C_RET | RV_K: return OP_RET_K;
    case C_RET | RV_A: return OP_RET_A;
    case C_LD | S_W | M_IMM: return OP_LD_IMM;
    case C_LDX | S_W | M_IMM: return OP_LDX_IMM;
    case C_LD | S_W | M_LEN: return OP_LD_LEN;
    case C_LDX | S_W | M_LEN: return OP_LDX_LEN;
    case C_LD | S_W | M_MEM: return OP_LD_MEM;
    case C_LDX | S_W | M_MEM: return OP_LDX_MEM;
    case C_ST: return OP_ST;
    case C_STX: return OP_STX;
    case C_MISC | MISC_TAX: return OP_TAX;
    case C_MISC | MISC_TXA: return OP_TXA;
    case C_LD | S_W | M_ABS: return OP_LDW_ABS;
    case C_LD | S_H | M_ABS: return OP_LDH_ABS;
    case C_LD | S_B | M_ABS: return OP_LDB_ABS;
    case C_LDX | S_B | M_MSH: return OP_LDX_MSH;
    case C_LD | S_W | M_IND: return OP_LDW_IND;
    case C_LD | S_H | M_IND: return OP_LDH_IND;
    case C_LD | S_B | M_IND: return OP_LDB_IND;
    case C_ALU | A_ADD | SRC_K: return OP_ADD_K;
    case C_ALU | A_ADD | SRC_X: return OP_ADD_X;
    case C_ALU | A_SUB | SRC_K: return OP_SUB_K;
    case C_ALU | A_SUB | SRC_X: return OP_SUB_X;
    case C_ALU | A_MUL | SRC_K: return OP_MUL_K;
    case C_ALU | A_MUL | SRC_X: return OP_MUL_X;
    case C_ALU | A_DIV | SRC_K: return OP_DIV_K;
    case C_ALU | A_DIV | SRC_X: return OP_DIV_X;
    case C_ALU | A_MOD | SRC_K: return OP_MOD_K;
    case C_ALU | A_MOD | SRC_X: return OP_MOD_X;
    case C_ALU | A_AND | SRC_K: return OP_AND_K;
    case C_ALU | A_AND | SRC_X: return OP_AND_X;
    case C_ALU | A_OR | SRC_K: return OP_OR_K;
    case C_ALU | A_OR | SRC_X: return OP_OR_X;
    case C_ALU | A_XOR | SRC_K: return OP_XOR_K;
    case C_ALU | A_XOR | SRC_X: return OP_XOR_X;
    case C_ALU | A_LSH | SRC_K: return OP_LSH_K;
    case C_ALU | A_LSH | SRC_X: return OP_LSH_X;
    case C_ALU | A_RSH | SRC_K: return OP_RSH_K;
    case C_ALU | A_RSH | SRC_X: return OP_RSH_X;
    case C_ALU | A_NEG: return OP_NEG;
    case C_JMP | J_JA: return OP_JA;
    case C_JMP | J_JEQ | SRC_K: return OP_JEQ_K;
    case C_JMP | J_JEQ | SRC_X: return OP_JEQ_X;
    case C_JMP | J_JGT | SRC_K: return OP_JGT_K;
    case C_JMP | J_JGT | SRC_X: return OP_JGT_X;
    case C_JMP | J_JGE | SRC_K: return OP_JGE_K;
    case C_JMP | J_JGE | SRC_X: return OP_JGE_X;
    case C_JMP | J_JSET | SRC_K: return OP_JSET_K;
    case C_JMP | J_JSET | SRC_X: return OP_JSET_X;
    default: return OP_COUNT;
    }
}

/* What bpf_validate() accepts but this executor does not run (0: none). */
static nmx__bpf_check check_soft(const nmx__bpf_insn *in, uint32_t i, uint32_t n)
{
    enum bpf_op op = op_of(in->code);
    if (op == OP_COUNT)
        return NMX__BPF_UNSUPPORTED_OPCODE;
    if (op == OP_JA && in->k >= n - (i + 1))
        return NMX__BPF_UNSUPPORTED_BACKWARD; /* in range only by wrapping */
    if ((op == OP_LSH_K || op == OP_RSH_K) && in->k >= 32)
        return NMX__BPF_UNSUPPORTED_SHIFT; /* undefined in C: libpcap decides */
    return NMX__BPF_CHECK_OK;
}

/* The width of an absolute load (and of the byte 4*([k]&0xf) reads). */
static uint32_t abs_width(enum bpf_op op)
{
    switch (op) {
    case OP_LDW_ABS: return 4;
    case OP_LDH_ABS: return 2;
    case OP_LDB_ABS: case OP_LDX_MSH: return 1;
    default: return 0;
    }
}

/* The fused form of a load `op` followed by the jump `next`, or OP_COUNT. */
static enum bpf_op fused(enum bpf_op op, enum bpf_op next)
{
    static const enum bpf_op abs_ops[3][4] = {
        { OP_LDW_ABS_JEQ, OP_LDW_ABS_JGT, OP_LDW_ABS_JGE, OP_LDW_ABS_JSET },
        { OP_LDH_ABS_JEQ, OP_LDH_ABS_JGT, OP_LDH_ABS_JGE, OP_LDH_ABS_JSET },
        { OP_LDB_ABS_JEQ, OP_LDB_ABS_JGT, OP_LDB_ABS_JGE, OP_LDB_ABS_JSET } };
    int j = next == OP_JEQ_K ? 0 : next == OP_JGT_K ? 1 : next == OP_JGE_K ? 2
          : next == OP_JSET_K ? 3 : -1;
    if (j < 0)
        return OP_COUNT;
    switch (op) {
    case OP_LDW_ABS: return abs_ops[0][j];
    case OP_LDH_ABS: return abs_ops[1][j];
    case OP_LDB_ABS: return abs_ops[2][j];
    case OP_LDW_IND: return j == 0 ? OP_LDW_IND_JEQ : OP_COUNT;
    case OP_LDH_IND: return j == 0 ? OP_LDH_IND_JEQ : OP_COUNT;
    case OP_LDB_IND: return j == 0 ? OP_LDB_IND_JEQ : OP_COUNT;
    default: return OP_COUNT;
    }
}

/* The unchecked form of an absolute load (itself for any other). */
static enum bpf_op unchecked(enum bpf_op op)
{
    switch (op) {
    case OP_LDW_ABS: return OP_LDW_ABS_U;
    case OP_LDH_ABS: return OP_LDH_ABS_U;
    case OP_LDB_ABS: return OP_LDB_ABS_U;
    case OP_LDX_MSH: return OP_LDX_MSH_U;
#define U_FUSED(s)                                                      \
    case OP_LD##s##_ABS_JEQ: return OP_LD##s##_ABS_JEQ_U;               \
    case OP_LD##s##_ABS_JGT: return OP_LD##s##_ABS_JGT_U;               \
    case OP_LD##s##_ABS_JGE: return OP_LD##s##_ABS_JGE_U;               \
    case OP_LD##s##_ABS_JSET: return OP_LD##s##_ABS_JSET_U;
    U_FUSED(W)
    U_FUSED(H)
    U_FUSED(B)
#undef U_FUSED
    default: return op;
    }
}

static void set_op(struct ins *in, enum bpf_op op)
{
#if THREADED
    const void *const *table = NULL;
    (void)exec(NULL, NULL, 0, 0, false, &table);
    in->lab = table[op];
#else
    in->op = (uint32_t)op;
#endif
}

nmx__bpf_check nmx__bpf_code_new(const nmx__bpf_insn *insns, size_t n, nmx__bpf_code **out)
{
    *out = NULL;
    if (n == 0)
        return NMX__BPF_BAD_EMPTY;
    /* bpf_validate() takes the length as an unsigned int. */
    uint32_t len = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    nmx__bpf_check soft = n > NMX__BPF_MAX_INSNS ? NMX__BPF_UNSUPPORTED_LENGTH
                                                 : NMX__BPF_CHECK_OK;
    for (uint32_t i = 0; i < len; i++) {
        nmx__bpf_check r = check_hard(&insns[i], i, len);
        if (r != NMX__BPF_CHECK_OK)
            return r;
        if (soft == NMX__BPF_CHECK_OK)
            soft = check_soft(&insns[i], i, len);
    }
    if (CLASS(insns[len - 1].code) != C_RET)
        return NMX__BPF_BAD_LAST;
    if (soft != NMX__BPF_CHECK_OK)
        return soft;

    nmx__bpf_code *c = calloc(1, sizeof *c);
    if (!c)
        return NMX__BPF_NOMEM;
    c->n = len;
    c->checked = calloc(len, sizeof *c->checked);
    c->fast = calloc(len, sizeof *c->fast);
    if (!c->checked || !c->fast) {
        nmx__bpf_code_free(c);
        return NMX__BPF_NOMEM;
    }
    for (uint32_t i = 0; i < len; i++) {
        const nmx__bpf_insn *in = &insns[i];
        enum bpf_op op = op_of(in->code);
        struct ins *t = &c->checked[i];
        t->k = in->k;
        if (op == OP_LD_MEM || op == OP_LDX_MEM)
            c->mem_loads = true;
        if (op == OP_JA) {
            t->jt = i + 1 + in->k; /* forward and in range: checked */
        } else if (CLASS(in->code) == C_JMP) {
            t->jt = i + 1 + in->jt;
            t->jf = i + 1 + in->jf;
        }
        /* A load followed by a conditional jump on a constant: the pair
         * in one handler, with the jump's constant and targets. */
        if (i + 1 < len) {
            enum bpf_op f = fused(op, op_of(insns[i + 1].code));
            if (f != OP_COUNT) {
                op = f;
                t->k2 = insns[i + 1].k;
                t->jt = i + 2 + insns[i + 1].jt;
                t->jf = i + 2 + insns[i + 1].jf;
            }
        }
        uint32_t w = abs_width(op_of(in->code));
        if (w) {
            if (in->k > UINT32_MAX - w) {
                op = OP_FAIL; /* past any captured length */
            } else {
                t->end = in->k + w;
                if (t->end > c->maxend)
                    c->maxend = t->end;
            }
        }
        set_op(t, op);
        c->fast[i] = *t;
        set_op(&c->fast[i], unchecked(op));
    }
    *out = c;
    return NMX__BPF_CHECK_OK;
}

void nmx__bpf_code_free(nmx__bpf_code *c)
{
    if (!c)
        return;
    free(c->checked);
    free(c->fast);
    free(c);
}
