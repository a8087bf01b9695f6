/*
 * Network Monitor display filters: the object list and its check.
 *
 * A display filter is a postfix (RPN) stack of FILTEROBJECTs, one pushed by
 * each FilterAddObject (docs/property-api.md, "Display filters"). This file
 * keeps the pushed objects and checks the stack's shape the way a compiler
 * would, once after every change: each object is typed by what it leaves on
 * the stack (a truth value, or a property reference that an operator
 * consumes), so that a malformed stack is reported with the NMERR_* code and
 * the index of the object at fault instead of being evaluated wrongly.
 * Comparisons (FILTERACTION_EQUAL, ...) fit the same scheme: VALUE and
 * LARGEINT push a number, STRING a text, and a comparison consumes a
 * property reference and a number or a text, in either order, leaving a
 * truth value.
 */
#include <stdlib.h>
#include <string.h>

#include "filter/filter_int.h"
#include "filter/nm_filter.h"
#include "netmon.h"

nmx_err nmx_filter_objects(nmx_filter **out)
{
    if (!out)
        return NMX_EINVAL;
    *out = NULL;
    nmx_filter *f = calloc(1, sizeof *f);
    if (!f)
        return NMX_ENOMEM;
    f->kind = NMX__FILTER_OBJECTS;
    pthread_mutex_init(&f->lock, NULL);
    if (!nmx__filter_register(f)) {
        pthread_mutex_destroy(&f->lock);
        free(f);
        return NMX_ENOMEM;
    }
    *out = f;
    return NMX_OK;
}

void nmx__objects_release(nmx_filter *f)
{
    for (uint32_t i = 0; i < f->nobjs; i++)
        free(f->objs[i].str);
    free(f->objs);
    f->objs = NULL;
    f->nobjs = f->capobjs = 0;
}

/* What an action needs at FilterAddObject time: its handles must be the
 * registry's, and the action one this evaluator implements. */
static uint32_t admit(const FILTEROBJECT *o)
{
    switch (o->Action) {
    case FILTERACTION_PROPERTY:
        return nmx_property_info(o->hProperty) ? NMERR_SUCCESS : NMERR_INVALID_HPROPERTY;
    case FILTERACTION_PROPERTYEXIST:
        /* hProperty may name the property itself (or be 0: the operand is
         * the FILTERACTION_PROPERTY object below it). */
        return !o->hProperty || nmx_property_info(o->hProperty) ? NMERR_SUCCESS
                                                                : NMERR_INVALID_HPROPERTY;
    case FILTERACTION_PROTOCOLEXIST:
        return nmx_protocol_info(o->hProtocol) ? NMERR_SUCCESS : NMERR_INVALID_HPROTOCOL;
    case FILTERACTION_AND:
    case FILTERACTION_OR:
    case FILTERACTION_XOR:
    case FILTERACTION_NOT:
    case FILTERACTION_VALUE:
        return NMERR_SUCCESS;
    case FILTERACTION_LARGEINT:
        return o->lpLargeInt ? NMERR_SUCCESS : NMERR_INVALID_PARAMETER;
    case FILTERACTION_STRING: /* a NUL-terminated text */
        return o->lpArray &&
                       strnlen((const char *)o->lpArray, NMX__FILTER_MAX_STRING + 1) <=
                           NMX__FILTER_MAX_STRING
                   ? NMERR_SUCCESS
                   : NMERR_INVALID_PARAMETER;
    case FILTERACTION_CONTAINS:
    case FILTERACTION_CONTAINSNC:
        return NMERR_SUCCESS;
    case FILTERACTION_INVALID:
        return NMERR_FILTER_INVALID_EXPRESSION;
    default:
        return nmx__is_comparison(o->Action) ? NMERR_SUCCESS : NMERR_NOT_SUPPORTED;
    }
}

/* A property whose instances the comparisons read as texts. */
static bool textual(uintptr_t hprop)
{
    const PROPERTYINFO *pi = nmx_property_info(hprop);
    return pi && pi->DataType == PROP_TYPE_STRING;
}

/* A property whose instances the comparisons read as numbers. */
static bool numeric(uintptr_t hprop)
{
    const PROPERTYINFO *pi = nmx_property_info(hprop);
    switch (pi ? pi->DataType : 0) {
    case PROP_TYPE_BYTE:
    case PROP_TYPE_WORD:
    case PROP_TYPE_DWORD:
    case PROP_TYPE_LARGEINT:
    case PROP_TYPE_BYTESWAPPED_WORD:
    case PROP_TYPE_BYTESWAPPED_DWORD:
    case PROP_TYPE_VAR_LEN_SMALL_INT:
        return true;
    default:
        return false;
    }
}

uint32_t nmx_filter_add_object(nmx_filter *f, const FILTEROBJECT *o)
{
    if (!f || f->kind != NMX__FILTER_OBJECTS)
        return NMERR_INVALID_HFILTER;
    if (!o)
        return NMERR_INVALID_PARAMETER;
    uint32_t e = admit(o);
    char *str = NULL;
    size_t slen = 0;
    if (e == NMERR_SUCCESS && o->Action == FILTERACTION_STRING) {
        slen = strlen((const char *)o->lpArray); /* (admit found its NUL) */
        if (!(str = malloc(slen + 1)))
            e = NMERR_OUT_OF_MEMORY;
        else
            memcpy(str, o->lpArray, slen + 1);
    }
    pthread_mutex_lock(&f->lock);
    if (e == NMERR_SUCCESS && f->nobjs >= NMX__FILTER_MAX_OBJECTS)
        e = NMERR_STACK_OVERFLOW;
    if (e == NMERR_SUCCESS && f->nobjs == f->capobjs) {
        uint32_t nc = f->capobjs ? f->capobjs * 2 : 8;
        struct nmx__fobj *n = realloc(f->objs, nc * sizeof *n);
        if (!n)
            e = NMERR_OUT_OF_MEMORY;
        else {
            f->objs = n;
            f->capobjs = nc;
        }
    }
    if (e == NMERR_SUCCESS) {
        struct nmx__fobj *x = &f->objs[f->nobjs++];
        memset(x, 0, sizeof *x);
        x->action = o->Action;
        x->hprop = o->hProperty;
        x->operand = (uintptr_t)o->lpArray;
        x->count = o->ByteCount;
        x->str = str;
        x->slen = (uint32_t)slen;
        str = NULL;
        if (o->Action == FILTERACTION_VALUE) {
            x->num = o->Value;
        } else if (o->Action == FILTERACTION_LARGEINT) {
            LARGE_INTEGER li; /* the caller's, unaligned maybe: copied now */
            memcpy(&li, (const void *)o->lpLargeInt, sizeof li);
            x->num = (uint64_t)li.QuadPart;
        }
    } else if (!f->add_err) {
        f->add_err = e; /* poisons the filter: see filter.h */
        f->compile_at = f->nobjs;
    }
    f->compiled = false;
    pthread_mutex_unlock(&f->lock);
    free(str); /* not kept: the object was refused */
    return e;
}

nmx_filter *nmx_filter_dup(const nmx_filter *src)
{
    if (!src)
        return NULL;
    if (src->kind == NMX__FILTER_BPF)
        return nmx__bpf_dup(src);
    nmx_filter *f;
    if (nmx_filter_objects(&f) != NMX_OK)
        return NULL;
    nmx_filter *s = (nmx_filter *)(uintptr_t)src; /* its lock only */
    pthread_mutex_lock(&s->lock);
    bool ok = true;
    if (s->nobjs) {
        f->objs = malloc(s->nobjs * sizeof *f->objs);
        if (f->objs) {
            memcpy(f->objs, s->objs, s->nobjs * sizeof *f->objs);
            f->nobjs = f->capobjs = s->nobjs;
            for (uint32_t i = 0; i < f->nobjs; i++) { /* the texts are the copy's own */
                f->objs[i].str = NULL;
                if (!s->objs[i].str)
                    continue;
                if (!(f->objs[i].str = malloc(s->objs[i].slen + 1)))
                    ok = false;
                else
                    memcpy(f->objs[i].str, s->objs[i].str, s->objs[i].slen + 1);
            }
        } else {
            ok = false;
        }
    }
    f->add_err = s->add_err;
    f->compile_at = s->compile_at;
    f->owner = s->owner;
    pthread_mutex_unlock(&s->lock);
    if (!ok) {
        nmx_filter_free(f);
        return NULL;
    }
    return f;
}

void nmx__objects_compile(nmx_filter *f)
{
    if (f->compiled)
        return;
    f->compiled = true;
    f->needs = 0;
    f->compile_err = NMERR_SUCCESS;
    if (f->add_err) {
        f->compile_err = f->add_err;
        return;
    }
    uint8_t kinds[NMX__FILTER_MAX_DEPTH];
    uint32_t from[NMX__FILTER_MAX_DEPTH]; /* the object that pushed each operand */
    uint32_t sp = 0;
    uint32_t e = NMERR_SUCCESS, i;
    for (i = 0; i < f->nobjs && !e; i++) {
        struct nmx__fobj *o = &f->objs[i];
        unsigned pop = 0, want = NMX__K_BOOL;
        switch (o->action) {
        case FILTERACTION_PROPERTY:
            o->form = NMX__F_PUSH_PROP;
            break;
        case FILTERACTION_PROPERTYEXIST:
            f->needs |= NMX_FILTER_NEEDS_PROPERTIES | NMX_FILTER_NEEDS_LAYERS;
            if (sp && kinds[sp - 1] == NMX__K_PROP) {
                o->form = NMX__F_EXIST_TOP;
                pop = 1;
                want = NMX__K_PROP;
            } else if (o->hprop) {
                o->form = NMX__F_EXIST_OWN;
            } else {
                e = sp ? NMERR_FILTER_INVALID_EXPRESSION : NMERR_STACK_EMPTY;
            }
            break;
        case FILTERACTION_PROTOCOLEXIST:
            f->needs |= NMX_FILTER_NEEDS_LAYERS;
            o->form = NMX__F_PROTO;
            break;
        case FILTERACTION_NOT:
            o->form = NMX__F_NOT;
            pop = 1;
            break;
        case FILTERACTION_VALUE:
        case FILTERACTION_LARGEINT:
            o->form = NMX__F_PUSH_NUM;
            break;
        case FILTERACTION_STRING:
            o->form = NMX__F_PUSH_STR;
            break;
        default: {
            bool contains = o->action == FILTERACTION_CONTAINS ||
                            o->action == FILTERACTION_CONTAINSNC;
            if (!contains && !nmx__is_comparison(o->action)) { /* AND, OR, XOR */
                o->form = NMX__F_BINARY;
                pop = 2;
                break;
            }
            /* a property reference and a number or a text, in either order */
            if (sp < 2) {
                e = NMERR_STACK_EMPTY;
                break;
            }
            uint8_t a = kinds[sp - 2], b = kinds[sp - 1];
            o->flip = a != NMX__K_PROP;
            uint8_t val = o->flip ? a : b;
            if ((o->flip ? b : a) != NMX__K_PROP || (val != NMX__K_NUM && val != NMX__K_STR)) {
                e = NMERR_FILTER_INVALID_EXPRESSION;
                break;
            }
            uintptr_t hp = f->objs[from[o->flip ? sp - 1 : sp - 2]].hprop;
            if (val == NMX__K_NUM ? contains || !numeric(hp) : !textual(hp)) {
                /* a text against a number, or what is neither: not yet */
                e = NMERR_NOT_SUPPORTED;
                break;
            }
            f->needs |= NMX_FILTER_NEEDS_PROPERTIES | NMX_FILTER_NEEDS_LAYERS;
            o->form = NMX__F_CMP;
            pop = 2;
            want = 0; /* checked above */
            break;
        }
        }
        if (e)
            break;
        if (sp < pop) {
            e = NMERR_STACK_EMPTY;
            break;
        }
        for (unsigned k = 0; k < pop && want; k++)
            if (kinds[sp - 1 - k] != want)
                e = NMERR_FILTER_INVALID_EXPRESSION;
        if (e)
            break;
        sp -= pop;
        if (sp >= NMX__FILTER_MAX_DEPTH) {
            e = NMERR_STACK_OVERFLOW;
            break;
        }
        from[sp] = i;
        kinds[sp++] = o->form == NMX__F_PUSH_PROP  ? NMX__K_PROP
                      : o->form == NMX__F_PUSH_NUM ? NMX__K_NUM
                      : o->form == NMX__F_PUSH_STR ? NMX__K_STR
                                                   : NMX__K_BOOL;
    }
    if (!e && sp > 1)
        e = NMERR_FILTER_INVALID_EXPRESSION; /* more than one result */
    if (!e && sp == 1 && kinds[0] != NMX__K_BOOL)
        e = NMERR_FILTER_INVALID_EXPRESSION; /* a property, number or text alone is no condition */
    if (e) {
        f->compile_err = e;
        f->compile_at = i < f->nobjs ? i : f->nobjs - 1;
        f->needs = 0;
    }
}
