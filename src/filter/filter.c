/*
 * The front of the filter subsystem: the registry of live filters (so that
 * an HFILTER coming from an expert is validated by comparing addresses,
 * never by reading through it), ownership by sessions, and the dispatch of
 * matching to the BPF or the display-filter evaluator.
 */
#include <stdlib.h>
#include <string.h>

#include "filter/filter_int.h"
#include "filter/match_bytes.h"
#include "netmon.h"

/* ---- registry of live filters ------------------------------------------ */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static nmx_filter **reg;
static size_t reg_len, reg_cap;
static uint64_t next_id = 1;

bool nmx__filter_register(nmx_filter *f)
{
    pthread_mutex_lock(&reg_lock);
    if (reg_len == reg_cap) {
        size_t nc = reg_cap ? reg_cap * 2 : 16;
        nmx_filter **r = realloc(reg, nc * sizeof *r);
        if (!r) {
            pthread_mutex_unlock(&reg_lock);
            return false;
        }
        reg = r;
        reg_cap = nc;
    }
    reg[reg_len++] = f;
    f->id = next_id++;
    pthread_mutex_unlock(&reg_lock);
    return true;
}

bool nmx__filter_bytes_only(const nmx_filter *f)
{
    return f->kind == NMX__FILTER_BPF;
}

uint64_t nmx__filter_id(const nmx_filter *f)
{
    return f->id;
}

void nmx__filter_unregister(nmx_filter *f)
{
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < reg_len; i++)
        if (reg[i] == f) {
            reg[i] = reg[--reg_len];
            break;
        }
    pthread_mutex_unlock(&reg_lock);
}

bool nmx_filter_valid(const void *p)
{
    bool found = false;
    if (!p)
        return false;
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < reg_len && !found; i++)
        found = reg[i] == p;
    pthread_mutex_unlock(&reg_lock);
    return found;
}

/* Keep the registry lock consistent across fork (process isolation). */
static void fork_prepare(void) { pthread_mutex_lock(&reg_lock); }
static void fork_parent(void) { pthread_mutex_unlock(&reg_lock); }
static void fork_child(void) { pthread_mutex_init(&reg_lock, NULL); }
__attribute__((constructor)) static void filter_reg_atfork(void)
{
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void nmx_filter_set_owner(nmx_filter *f, uint64_t owner)
{
    if (f)
        f->owner = owner;
}

uint64_t nmx_filter_owner(const nmx_filter *f)
{
    return f ? f->owner : 0;
}

unsigned nmx_filter_free_owned(uint64_t owner)
{
    if (!owner)
        return 0;
    unsigned n = 0;
    for (;;) {
        nmx_filter *victim = NULL;
        pthread_mutex_lock(&reg_lock);
        for (size_t i = 0; i < reg_len && !victim; i++)
            if (reg[i]->owner == owner)
                victim = reg[i];
        pthread_mutex_unlock(&reg_lock);
        if (!victim)
            return n;
        nmx_filter_free(victim);
        n++;
    }
}

/* ---- common operations ---------------------------------------------------- */

void nmx_filter_free(nmx_filter *f)
{
    if (!f)
        return;
    nmx__filter_unregister(f);
    if (f->kind == NMX__FILTER_BPF)
        nmx__bpf_release(f);
    else
        nmx__objects_release(f);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

const char *nmx_filter_text(const nmx_filter *f)
{
    return f && f->kind == NMX__FILTER_BPF && f->expr ? f->expr : "";
}

bool nmx_filter_is_objects(const nmx_filter *f)
{
    return f && f->kind == NMX__FILTER_OBJECTS;
}

unsigned nmx_filter_needs(nmx_filter *f)
{
    if (!f || f->kind != NMX__FILTER_OBJECTS)
        return 0;
    pthread_mutex_lock(&f->lock);
    nmx__objects_compile(f);
    unsigned n = f->needs;
    pthread_mutex_unlock(&f->lock);
    return n;
}

uint32_t nmx_filter_check(nmx_filter *f, uint32_t *at)
{
    if (at)
        *at = 0;
    if (!f)
        return NMERR_INVALID_HFILTER;
    if (f->kind != NMX__FILTER_OBJECTS)
        return NMERR_SUCCESS;
    pthread_mutex_lock(&f->lock);
    nmx__objects_compile(f);
    uint32_t e = f->compile_err;
    if (at)
        *at = f->compile_at;
    pthread_mutex_unlock(&f->lock);
    return e;
}

/* A dissector per thread for display filters matched without one. */
static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;
static void tl_free(void *p)
{
    nmx_dissector_free(p);
}
static void tl_init(void)
{
    pthread_key_create(&tl_key, tl_free);
}

static nmx_dissector *thread_dissector(void)
{
    pthread_once(&tl_once, tl_init);
    nmx_dissector *d = pthread_getspecific(tl_key);
    if (!d && (d = nmx_dissector_new()) != NULL)
        pthread_setspecific(tl_key, d);
    return d;
}

nmx_match nmx_filter_eval(nmx_filter *f, const nmx_frame *fr, nmx_dissector *d, uint32_t *nmerr)
{
    uint32_t dummy;
    if (!nmerr)
        nmerr = &dummy;
    *nmerr = NMERR_SUCCESS;
    if (!f || !fr) {
        *nmerr = f ? NMERR_INVALID_PARAMETER : NMERR_INVALID_HFILTER;
        return NMX_MATCH_ERROR;
    }
    if (f->kind == NMX__FILTER_BPF)
        return nmx__bpf_match(f, fr) ? NMX_MATCH : NMX_NO_MATCH;
    if (!d) {
        unsigned needs = nmx_filter_needs(f);
        if (needs) {
            d = thread_dissector();
            if (!d) {
                *nmerr = NMERR_OUT_OF_MEMORY;
                return NMX_MATCH_ERROR;
            }
            nmx_err e = nmx_dissect(d, fr, fr->ts_ns,
                                    (needs & NMX_FILTER_NEEDS_PROPERTIES) ? NMX_DIS_ATTACH : 0);
            if (e != NMX_OK) {
                *nmerr = e == NMX_ENOMEM ? NMERR_OUT_OF_MEMORY : NMERR_INVALID_PARAMETER;
                return NMX_MATCH_ERROR;
            }
        }
    }
    return nmx__objects_eval(f, d, nmerr);
}

bool nmx_filter_match(nmx_filter *f, const nmx_frame *fr)
{
    return nmx_filter_eval(f, fr, NULL, NULL) == NMX_MATCH;
}
