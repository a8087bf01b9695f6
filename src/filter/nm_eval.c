/*
 * Network Monitor display filters: the evaluator.
 *
 * Runs the checked postfix stack (nm_object.c) over one dissected frame.
 * Truth values are tri-state (match, no match, error) and combine as in
 * Kleene's logic: an operand that decides the result on its own decides it
 * even when the other is an error (NO AND error = NO; YES OR error = YES);
 * otherwise an error propagates. The stack lives on the C stack: matching
 * allocates nothing.
 */
#include <string.h>

#include "dissect/dissect_int.h" /* nmx__inst_number */
#include "filter/filter_int.h"
#include "filter/nm_filter.h"
#include "netmon.h"

struct opnd {
    int8_t kind;     /* NMX__K_* */
    int8_t truth;    /* nmx_match, for NMX__K_BOOL */
    uintptr_t ref;   /* the property, for NMX__K_PROP */
    uint64_t num;    /* the number, for NMX__K_NUM */
    const char *str; /* the text, for NMX__K_STR */
    uint32_t slen;
};

/* The frame's attached properties, or NULL (and *nmerr set). */
static const PROPERTYTABLE *props_of(nmx_dissector *d, uint32_t *nmerr)
{
    const PROPERTYTABLE *pt = d ? nmx_dissect_properties(d) : NULL;
    if (!pt)
        *nmerr = NMERR_NO_ATTACHED_PROPERTIES;
    return pt;
}

static nmx_match prop_exists(nmx_dissector *d, uintptr_t h, uint32_t *nmerr)
{
    const PROPERTYTABLE *pt = props_of(d, nmerr);
    if (!pt)
        return NMX_MATCH_ERROR;
    const PROPERTYINST *pi = pt->lpFirstPropertyInst;
    for (DWORD i = 0; i < pt->nTotalPropertyInsts; i++)
        if (pi[i].lpPropertyInfo && pi[i].lpPropertyInfo->hProperty == h)
            return NMX_MATCH;
    return NMX_NO_MATCH;
}

/* A text instance's characters: 8-bit, or UTF-16LE units (IFLAG_UNICODE),
 * up to the first NUL. Decoded text (an extended instance) is 8-bit. */
struct text {
    const uint8_t *p;
    uint32_t n;    /* characters */
    bool wide;
};

static bool inst_text(const PROPERTYINST *pi, struct text *t)
{
    const uint8_t *p;
    uint32_t len;
    bool ex = pi->DataLength == PROPERTYINST_EX_LENGTH;
    if (ex) {
        if (!pi->lpPropertyInstEx)
            return false;
        p = pi->lpPropertyInstEx->Byte;
        len = pi->lpPropertyInstEx->LengthEx;
    } else {
        p = (const uint8_t *)pi->lpData;
        len = pi->DataLength;
    }
    if (!p && len)
        return false;
    t->p = p;
    t->wide = !ex && (pi->IFlags & IFLAG_UNICODE);
    uint32_t n = t->wide ? len / 2 : len, i = 0;
    while (i < n && (t->wide ? (p[2 * i] | p[2 * i + 1]) : p[i]))
        i++;
    t->n = i;
    return true;
}

static unsigned char_at(const struct text *t, uint32_t i)
{
    return t->wide ? (unsigned)(t->p[2 * i] | t->p[2 * i + 1] << 8) : t->p[i];
}

static unsigned fold(unsigned c, bool nc)
{
    return nc && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* <0, 0, >0: the instance's text against s, character by character (a
 * character's code, UTF-16 units against the bytes of s); nc folds ASCII
 * letters. */
static int text_cmp(const struct text *t, const char *s, uint32_t slen, bool nc)
{
    for (uint32_t i = 0;; i++) {
        if (i == t->n || i == slen)
            return (i < t->n) - (i < slen);
        unsigned a = fold(char_at(t, i), nc), b = fold((unsigned char)s[i], nc);
        if (a != b)
            return a < b ? -1 : 1;
    }
}

static bool text_contains(const struct text *t, const char *s, uint32_t slen, bool nc)
{
    if (slen > t->n)
        return false;
    for (uint32_t at = 0; at + slen <= t->n; at++) {
        uint32_t i = 0;
        while (i < slen && fold(char_at(t, at + i), nc) == fold((unsigned char)s[i], nc))
            i++;
        if (i == slen)
            return true;
    }
    return false;
}

/* Whether a three-way result c (x against y) means x OP y (the NC forms
 * are one below the plain ones). */
static bool sign_holds(uint32_t op, int c)
{
    switch (op | 1) {
    case FILTERACTION_EQUAL: return c == 0;
    case FILTERACTION_NOTEQUAL: return c != 0;
    case FILTERACTION_GREATER: return c > 0;
    case FILTERACTION_LESS: return c < 0;
    case FILTERACTION_GREATEREQUAL: return c >= 0;
    default: return c <= 0; /* LESSEQUAL */
    }
}

/* The property against the operand (a number or a text): some instance
 * satisfies the comparison, except NOTEQUAL, true when the frame has the
 * property and no instance equals the operand (so NOT EQUAL and NOTEQUAL
 * differ only on frames without it). flip: "operand OP property". The NC
 * forms fold ASCII letters of texts and compare numbers as the plain ones. */
static nmx_match prop_compare(nmx_dissector *d, uintptr_t h, uint32_t action, bool flip,
                              const struct opnd *val, uint32_t *nmerr)
{
    const PROPERTYTABLE *pt = props_of(d, nmerr);
    if (!pt)
        return NMX_MATCH_ERROR;
    bool contains = action == FILTERACTION_CONTAINS || action == FILTERACTION_CONTAINSNC;
    bool nc = action == FILTERACTION_CONTAINSNC || (!contains && !(action & 1));
    bool negate = !contains && (action | 1) == FILTERACTION_NOTEQUAL, seen = false;
    uint32_t op = negate ? FILTERACTION_EQUAL : action;
    const PROPERTYINST *pi = pt->lpFirstPropertyInst;
    for (DWORD i = 0; i < pt->nTotalPropertyInsts; i++) {
        if (!pi[i].lpPropertyInfo || pi[i].lpPropertyInfo->hProperty != h)
            continue;
        uint64_t v;
        struct text t;
        bool hit;
        if (val->kind == NMX__K_NUM) {
            if (!nmx__inst_number(&pi[i], &v))
                continue;
            int c = (v > val->num) - (v < val->num);
            hit = sign_holds(op, flip ? -c : c);
        } else {
            if (!inst_text(&pi[i], &t))
                continue;
            if (contains) {
                hit = text_contains(&t, val->str, val->slen, nc);
            } else {
                int c = text_cmp(&t, val->str, val->slen, nc);
                hit = sign_holds(op, flip ? -c : c);
            }
        }
        seen = true;
        if (hit)
            return negate ? NMX_NO_MATCH : NMX_MATCH;
    }
    return negate && seen ? NMX_MATCH : NMX_NO_MATCH;
}

static nmx_match proto_exists(nmx_dissector *d, uintptr_t h, uint32_t *nmerr)
{
    if (!d) {
        *nmerr = NMERR_FRAME_NOT_RECOGNIZED;
        return NMX_MATCH_ERROR;
    }
    unsigned n = nmx_dissect_nlayers(d);
    for (unsigned i = 0; i < n; i++)
        if ((uintptr_t)nmx_dissect_layer(d, i)->proto == h)
            return NMX_MATCH;
    return NMX_NO_MATCH;
}

static nmx_match kleene_and(nmx_match a, nmx_match b)
{
    if (a == NMX_NO_MATCH || b == NMX_NO_MATCH)
        return NMX_NO_MATCH;
    return a == NMX_MATCH_ERROR || b == NMX_MATCH_ERROR ? NMX_MATCH_ERROR : NMX_MATCH;
}

static nmx_match kleene_or(nmx_match a, nmx_match b)
{
    if (a == NMX_MATCH || b == NMX_MATCH)
        return NMX_MATCH;
    return a == NMX_MATCH_ERROR || b == NMX_MATCH_ERROR ? NMX_MATCH_ERROR : NMX_NO_MATCH;
}

nmx_match nmx__objects_eval(nmx_filter *f, nmx_dissector *d, uint32_t *nmerr)
{
    struct opnd st[NMX__FILTER_MAX_DEPTH];
    uint32_t sp = 0;
    uint32_t err = NMERR_SUCCESS; /* the first error met, reported with ERROR */
    pthread_mutex_lock(&f->lock);
    nmx__objects_compile(f);
    if (f->compile_err) {
        *nmerr = f->compile_err;
        pthread_mutex_unlock(&f->lock);
        return NMX_MATCH_ERROR;
    }
    for (uint32_t i = 0; i < f->nobjs; i++) {
        const struct nmx__fobj *o = &f->objs[i];
        nmx_match r = NMX_MATCH_ERROR;
        uint32_t e = NMERR_SUCCESS;
        switch (o->form) {
        case NMX__F_PUSH_PROP:
            st[sp].kind = NMX__K_PROP;
            st[sp].ref = o->hprop;
            sp++;
            continue;
        case NMX__F_PUSH_NUM:
            st[sp].kind = NMX__K_NUM;
            st[sp].num = o->num;
            sp++;
            continue;
        case NMX__F_PUSH_STR:
            st[sp].kind = NMX__K_STR;
            st[sp].str = o->str;
            st[sp].slen = o->slen;
            sp++;
            continue;
        case NMX__F_CMP: {
            const struct opnd *b = &st[--sp], *a = &st[--sp];
            r = o->flip ? prop_compare(d, b->ref, o->action, true, a, &e)
                        : prop_compare(d, a->ref, o->action, false, b, &e);
            break;
        }
        case NMX__F_EXIST_TOP:
            r = prop_exists(d, st[--sp].ref, &e);
            break;
        case NMX__F_EXIST_OWN:
            r = prop_exists(d, o->hprop, &e);
            break;
        case NMX__F_PROTO:
            r = proto_exists(d, o->operand, &e);
            break;
        case NMX__F_NOT: {
            nmx_match a = (nmx_match)st[--sp].truth;
            r = a == NMX_MATCH_ERROR ? a : (a == NMX_MATCH ? NMX_NO_MATCH : NMX_MATCH);
            break;
        }
        case NMX__F_BINARY: {
            nmx_match b = (nmx_match)st[--sp].truth, a = (nmx_match)st[--sp].truth;
            if (o->action == FILTERACTION_AND)
                r = kleene_and(a, b);
            else if (o->action == FILTERACTION_OR)
                r = kleene_or(a, b);
            else
                r = a == NMX_MATCH_ERROR || b == NMX_MATCH_ERROR ? NMX_MATCH_ERROR
                                                                 : (a != b ? NMX_MATCH : NMX_NO_MATCH);
            break;
        }
        default: /* the check sets a form on every object */
            e = NMERR_FILTER_INVALID_EXPRESSION;
            break;
        }
        if (e && !err)
            err = e;
        st[sp].kind = NMX__K_BOOL;
        st[sp].truth = (int8_t)r;
        sp++;
    }
    pthread_mutex_unlock(&f->lock);
    nmx_match res = sp ? (nmx_match)st[0].truth : NMX_MATCH; /* empty: every frame */
    if (res == NMX_MATCH_ERROR)
        *nmerr = err ? err : NMERR_FILTER_INVALID_EXPRESSION;
    return res;
}
