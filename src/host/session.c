/*
 * Sessions: one heap per Run/Configure, named by an unforgeable key (the
 * heap's token), plus the host's own heap for blocks adopted from sessions.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "nmexpert/session.h"

static inline uint64_t key_token(nmx_key k)
{
    return (uint64_t)(uintptr_t)k;
}

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static nmx_heap *host_heap;

static void host_init(void)
{
    nmx_heap_config cfg = {.version = NMX_HEAP_CONFIG_VERSION, .name = "host"};
    if (nmx_heap_create(&cfg, &host_heap) != NMX_OK)
        host_heap = NULL;
}

static nmx_heap *host(void)
{
    pthread_once(&host_once, host_init);
    return host_heap;
}

nmx_err nmx_session_open(const nmx_session_config *cfg, nmx_key *key)
{
    if (!key)
        return NMX_EINVAL;
    *key = NULL;
    if (cfg && cfg->version != NMX_SESSION_CONFIG_VERSION)
        return NMX_EINVAL;
    nmx_heap_config hc = {
        .version = NMX_HEAP_CONFIG_VERSION,
        .flags = cfg ? cfg->heap_flags : 0,
        .quota_bytes = cfg ? cfg->memory_limit : 0,
        .name = cfg && cfg->name ? cfg->name : "session",
    };
    nmx_heap *h;
    nmx_err e = nmx_heap_create(&hc, &h);
    if (e != NMX_OK)
        return e;
    *key = (nmx_key)(uintptr_t)nmx_heap_token(h);
    return NMX_OK;
}

nmx_heap *nmx_session_heap(nmx_key key)
{
    nmx_heap *h = NULL;
    nmx_err e = nmx_key_check(key_token(key), &h);
    return e == NMX_OK || e == NMX_ETERMINATE ? h : NULL;
}

nmx_err nmx_session_close(nmx_key key, nmx_heap_report *report)
{
    nmx_heap *h = nmx_session_heap(key);
    if (!h)
        return NMX_EBADKEY;
    /* Two threads closing the same session: the loser gets NMX_EBADKEY
     * from destroy (the heap is no longer alive). */
    return nmx_heap_destroy(h, report);
}

nmx_err nmx_session_terminate(nmx_key key)
{
    nmx_heap *h = nmx_session_heap(key);
    if (!h)
        return NMX_EBADKEY;
    nmx_heap_terminate(h);
    return NMX_OK;
}

nmx_err nmx_session_stats(nmx_key key, nmx_heap_stats *st)
{
    nmx_heap *h = nmx_session_heap(key);
    if (!h || !st)
        return h ? NMX_EINVAL : NMX_EBADKEY;
    nmx_heap_get_stats(h, st);
    return NMX_OK;
}

void *nmx_session_adopt(nmx_key key, void *block, nmx_err *err)
{
    nmx_heap *h = nmx_session_heap(key), *hh = host();
    if (!h || !hh) {
        if (err)
            *err = h ? NMX_ENOMEM : NMX_EBADKEY;
        return NULL;
    }
    return nmx_heap_handover(h, block, hh, err);
}

void *nmx_host_alloc(size_t n, nmx_err *err)
{
    nmx_heap *hh = host();
    if (!hh) {
        if (err)
            *err = NMX_ENOMEM;
        return NULL;
    }
    return nmx_heap_alloc(hh, n, err);
}

nmx_err nmx_host_free(void *p)
{
    nmx_heap *hh = host();
    return hh ? nmx_heap_free(hh, p) : NMX_EBADPTR;
}

size_t nmx_host_size(const void *p)
{
    nmx_heap *hh = host();
    return hh ? nmx_heap_size(hh, p, NULL) : 0;
}
