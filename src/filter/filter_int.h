/*
 * Internals of the filter subsystem: one object behind every nmx_filter,
 * whatever its kind (a BPF expression, or a Network Monitor display filter
 * built from FILTEROBJECTs), and the registry of live filters that lets a
 * handle coming from an expert be validated without dereferencing it.
 */
#ifndef NMX_FILTER_INT_H
#define NMX_FILTER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "nmexpert/filter.h"

#define NMX__BPF_MAX_PROGS 16 /* link types cached per BPF filter */

/* A LINKTYPE_* value as files store it -> the DLT_* value libpcap compiles
 * for (bpf.c). */
int nmx__bpf_dlt(uint32_t linktype);

/* Largest operand stack a display filter may need (deeper is refused with
 * NMERR_STACK_OVERFLOW; the evaluator keeps its stack on the C stack). */
#define NMX__FILTER_MAX_DEPTH 256u
/* Most objects one display filter holds. */
#define NMX__FILTER_MAX_OBJECTS 4096u
/* The longest FILTERACTION_STRING operand, in bytes before its NUL. */
#define NMX__FILTER_MAX_STRING 4096u

enum nmx__filter_kind { NMX__FILTER_BPF = 1, NMX__FILTER_OBJECTS = 2 };

struct nmx__bpf_prog;

/* One pushed FILTEROBJECT, as the evaluator needs it. */
struct nmx__fobj {
    uint32_t action;   /* FILTERACTION_*                       */
    uintptr_t hprop;   /* FILTEROBJECT.hProperty               */
    uintptr_t operand; /* the union: hProtocol, Value, ...     */
    uint16_t count;    /* ByteCount / ByteOffset               */
    uint8_t form;      /* NMX__F_*, set by the check            */
    uint8_t flip;      /* a comparison whose value lies below its property */
    uint64_t num;      /* VALUE, LARGEINT: the number, copied at add time */
    char *str;         /* STRING: the text, copied at add time (owned) */
    uint32_t slen;     /* its length, at most NMX__FILTER_MAX_STRING */
};

struct nmx_filter {
    uint32_t kind;
    uint64_t id;               /* unique in the process, never reused     */
    uint64_t owner;            /* session token, 0 for none               */
    pthread_mutex_t lock;      /* BPF: program cache; objects: the list   */
    /* BPF */
    char *expr;
    size_t nprogs;
    struct nmx__bpf_prog *progs;
    /* display filter */
    struct nmx__fobj *objs;
    uint32_t nobjs, capobjs;
    uint32_t add_err;          /* first refused FilterAddObject (NMERR_*) */
    bool compiled;             /* checked since the last change           */
    uint32_t compile_err;      /* NMERR_* of the check, 0 when well formed */
    uint32_t compile_at;       /* index of the object the check stopped at */
    unsigned needs;            /* NMX_FILTER_NEEDS_*                       */
};

/* Registry (filter.c). Registering gives f its id. */
bool nmx__filter_register(nmx_filter *f);
void nmx__filter_unregister(nmx_filter *f);

/* BPF (bpf.c). */
void nmx__bpf_release(nmx_filter *f);
bool nmx__bpf_match(nmx_filter *f, const nmx_frame *fr);
nmx_filter *nmx__bpf_dup(const nmx_filter *f);

/* Display filters (nm_object.c, nm_eval.c). */
void nmx__objects_release(nmx_filter *f);
/* Checks the postfix stack (once per change, under f->lock). */
void nmx__objects_compile(nmx_filter *f);
nmx_match nmx__objects_eval(nmx_filter *f, nmx_dissector *d, uint32_t *nmerr);

#endif
