/* Shared by nm_object.c (the check) and nm_eval.c (the evaluator). */
#ifndef NMX_FILTER_NM_FILTER_H
#define NMX_FILTER_NM_FILTER_H

#include <stdint.h>

#include "netmon.h"

/* Kinds of stack operands. */
enum { NMX__K_BOOL = 1, NMX__K_PROP = 2, NMX__K_NUM = 3, NMX__K_STR = 4 };

/* How an object evaluates, decided by the check (struct nmx__fobj.form). */
enum {
    NMX__F_PUSH_PROP = 1, /* FILTERACTION_PROPERTY: push a property reference */
    NMX__F_EXIST_TOP,     /* PROPERTYEXIST of the reference on the stack      */
    NMX__F_EXIST_OWN,     /* PROPERTYEXIST of its own hProperty               */
    NMX__F_PROTO,         /* PROTOCOLEXIST                                    */
    NMX__F_NOT,
    NMX__F_BINARY,        /* AND, OR, XOR                                     */
    NMX__F_PUSH_NUM,      /* VALUE, LARGEINT: push a number                   */
    NMX__F_PUSH_STR,      /* STRING: push a text                              */
    NMX__F_CMP,           /* EQUAL ... LESSEQUAL (and the NC forms): a numeric
                           * property against a number, or a text property
                           * against a text (also CONTAINS, CONTAINSNC)       */
};

/* The comparisons, FILTERACTION_EQUALNC to FILTERACTION_LESSEQUAL: each
 * pair is the "NC" (no case) form, then the plain one. */
static inline int nmx__is_comparison(uint32_t action)
{
    return action >= FILTERACTION_EQUALNC && action <= FILTERACTION_LESSEQUAL;
}

#endif
