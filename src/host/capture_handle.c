/*
 * HCAPTURE and HFRAME: the Network Monitor kernel's view of a capture.
 *
 * An HCAPTURE points to a host record wrapping an nmx_capture. An HFRAME
 * must stay valid for a whole session (spec F4) and be cheap: it is an
 * address inside a per-capture range of reserved, never-touched address
 * space (one byte per frame, PROT_NONE), so hFrame - base is the frame
 * number and no memory is spent per frame. Both kinds of handle are
 * validated against a registry of open captures before anything is read.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "host/host.h"
#include "nmexpert/hcapture.h"

static pthread_rwlock_t reg_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct _CAPTURE **reg;
static size_t reg_len, reg_cap;

/* fork() while another thread holds the registry would leave the child's
 * copy locked forever: take it around fork (the child runs sessions). */
static void reg_prepare(void) { pthread_rwlock_wrlock(&reg_lock); }
static void reg_parent(void) { pthread_rwlock_unlock(&reg_lock); }
/* The child has one thread: a fresh lock (a rwlock is not unlocked by a
 * thread other than the one that locked it). */
static void reg_child(void) { pthread_rwlock_init(&reg_lock, NULL); }
__attribute__((constructor)) static void reg_atfork(void)
{
    pthread_atfork(reg_prepare, reg_parent, reg_child);
}

static void to_systemtime(int64_t ns, SYSTEMTIME *st)
{
    time_t t = (time_t)(ns / 1000000000);
    int64_t rem = ns % 1000000000;
    if (rem < 0) {
        rem += 1000000000;
        t--;
    }
    struct tm tm;
    memset(st, 0, sizeof *st);
    if (!gmtime_r(&t, &tm))
        return;
    st->wYear = (WORD)(tm.tm_year + 1900);
    st->wMonth = (WORD)(tm.tm_mon + 1);
    st->wDayOfWeek = (WORD)tm.tm_wday;
    st->wDay = (WORD)tm.tm_mday;
    st->wHour = (WORD)tm.tm_hour;
    st->wMinute = (WORD)tm.tm_min;
    st->wSecond = (WORD)tm.tm_sec;
    st->wMilliseconds = (WORD)(rem / 1000000);
}

nmx_err nmx_hcapture_wrap(nmx_capture *cap, bool take_ownership, HCAPTURE *out)
{
    if (!cap || !out)
        return NMX_EINVAL;
    *out = NULL;
    struct _CAPTURE *c = calloc(1, sizeof *c);
    if (!c)
        return NMX_ENOMEM;
    c->magic = NMX_HCAPTURE_MAGIC;
    c->cap = cap;
    c->owns_cap = take_ownership;
    if (nmx_capture_start_time(cap, &c->start_ns) != NMX_OK)
        c->start_ns = 0;
    to_systemtime(c->start_ns, &c->start_st);
    c->mac_type = nmx_capture_mac_type(cap);
    unsigned major = 0, minor = 0;
    nmx_capture_version(cap, &major, &minor);
    c->netmon2 = nmx_capture_get_format(cap) == NMX_FORMAT_NETMON2 && major == 2;
    /* every frame the capture can hold: an incremental capture does not
     * know its count yet (address space only; never touched) */
    c->fh_len = (size_t)nmx_capture_frame_limit(cap) + 1;
    void *r = mmap(NULL, c->fh_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) {
        free(c);
        return NMX_ENOMEM;
    }
    c->fh_base = r;
    pthread_rwlock_wrlock(&reg_lock);
    if (reg_len == reg_cap) {
        size_t nc = reg_cap ? reg_cap * 2 : 8;
        struct _CAPTURE **nr = realloc(reg, nc * sizeof *nr);
        if (!nr) {
            pthread_rwlock_unlock(&reg_lock);
            munmap(c->fh_base, c->fh_len);
            free(c);
            return NMX_ENOMEM;
        }
        reg = nr;
        reg_cap = nc;
    }
    reg[reg_len++] = c;
    pthread_rwlock_unlock(&reg_lock);
    *out = c;
    return NMX_OK;
}

nmx_err nmx_hcapture_open(const char *path, HCAPTURE *out, nmx_diag *diag)
{
    return nmx_hcapture_open_flags(path, NMX_CAPTURE_INCREMENTAL, out, diag);
}

nmx_err nmx_hcapture_open_flags(const char *path, unsigned flags, HCAPTURE *out, nmx_diag *diag)
{
    if (out)
        *out = NULL;
    nmx_capture *cap;
    nmx_err e = nmx_capture_open(path, flags, &cap, diag);
    if (e != NMX_OK)
        return e;
    e = nmx_hcapture_wrap(cap, true, out);
    if (e != NMX_OK)
        nmx_capture_close(cap);
    return e;
}

void nmx_hcapture_close(HCAPTURE h)
{
    pthread_rwlock_wrlock(&reg_lock);
    struct _CAPTURE *c = NULL;
    for (size_t i = 0; i < reg_len; i++)
        if (reg[i] == h) {
            c = reg[i];
            reg[i] = reg[--reg_len];
            break;
        }
    pthread_rwlock_unlock(&reg_lock);
    if (!c)
        return;
    c->magic = 0;
    munmap(c->fh_base, c->fh_len);
    if (c->owns_cap)
        nmx_capture_close(c->cap);
    free(c);
}

nmx_capture *nmx_hcapture_capture(HCAPTURE h)
{
    struct _CAPTURE *c = nmx__hcap_get(h);
    return c ? c->cap : NULL;
}

struct _CAPTURE *nmx__hcap_get(HCAPTURE h)
{
    if (!h)
        return NULL;
    struct _CAPTURE *found = NULL;
    pthread_rwlock_rdlock(&reg_lock);
    for (size_t i = 0; i < reg_len; i++)
        if (reg[i] == h) {
            found = reg[i];
            break;
        }
    pthread_rwlock_unlock(&reg_lock);
    return found;
}

struct _CAPTURE *nmx__hframe_get(HFRAME f, uint32_t *n)
{
    uintptr_t a = (uintptr_t)f;
    struct _CAPTURE *found = NULL;
    pthread_rwlock_rdlock(&reg_lock);
    for (size_t i = 0; i < reg_len; i++) {
        uintptr_t b = (uintptr_t)reg[i]->fh_base;
        if (a >= b && a - b < reg[i]->fh_len &&
            a - b < nmx_capture_frames_known(reg[i]->cap, NULL)) {
            found = reg[i];
            *n = (uint32_t)(a - b);
            break;
        }
    }
    pthread_rwlock_unlock(&reg_lock);
    return found;
}

HFRAME nmx__hframe_make(struct _CAPTURE *c, uint32_t n)
{
    return (HFRAME)(void *)(c->fh_base + n);
}

ULPFRAME nmx__frame_record(struct _CAPTURE *c, const nmx_frame *fr, uint8_t **buf, size_t *cap)
{
    if (c->netmon2 && fr->netmon_record)
        return (ULPFRAME)(uintptr_t)fr->netmon_record; /* the file's own record */
    size_t need = 16 + (size_t)fr->caplen;
    if (need > *cap) {
        size_t nc = need < 4096 ? 4096 : need * 2;
        uint8_t *nb = realloc(*buf, nc);
        if (!nb)
            return NULL;
        *buf = nb;
        *cap = nc;
    }
    int64_t us = (fr->ts_ns - c->start_ns) / 1000;
    memcpy(*buf, &us, 8);
    DWORD wl = fr->wirelen, cl = fr->caplen;
    memcpy(*buf + 8, &wl, 4);
    memcpy(*buf + 12, &cl, 4);
    if (cl)
        memcpy(*buf + 16, fr->data, cl);
    return (ULPFRAME)(void *)*buf;
}
