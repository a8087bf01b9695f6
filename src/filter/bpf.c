/*
 * BPF frame filters on top of libpcap: pcap_compile() on a "dead" handle for
 * each link type met, pcap_offline_filter() to run the program. Programs are
 * compiled lazily per link type and cached in the filter (a small table;
 * captures have few link types). Live filters are registered in a set so that
 * an HFILTER coming from an expert can be validated without dereferencing it.
 */
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nmexpert/filter.h"

#define MAX_PROGS 16 /* link types cached per filter */

struct prog {
    uint32_t linktype;
    bool ok;                   /* false: the expression cannot apply */
    struct bpf_program bpf;
};

struct nmx_filter {
    char *expr;
    pthread_mutex_t lock;      /* guards the program cache */
    size_t nprogs;
    struct prog progs[MAX_PROGS];
};

/* ---- registry of live filters -------------------------------------- */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static const nmx_filter **reg;
static size_t reg_len, reg_cap;

static bool reg_add(const nmx_filter *f)
{
    pthread_mutex_lock(&reg_lock);
    if (reg_len == reg_cap) {
        size_t nc = reg_cap ? reg_cap * 2 : 16;
        const nmx_filter **r = realloc(reg, nc * sizeof *r);
        if (!r) {
            pthread_mutex_unlock(&reg_lock);
            return false;
        }
        reg = r;
        reg_cap = nc;
    }
    reg[reg_len++] = f;
    pthread_mutex_unlock(&reg_lock);
    return true;
}

static void reg_del(const nmx_filter *f)
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
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < reg_len && !found; i++)
        found = reg[i] == p;
    pthread_mutex_unlock(&reg_lock);
    return found;
}

/* pcap_compile is not thread-safe in older libpcap: serialise it. */
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

/* Keep both locks consistent across fork (process isolation forks). */
static void fork_prepare(void)
{
    pthread_mutex_lock(&compile_lock);
    pthread_mutex_lock(&reg_lock);
}
static void fork_release(void)
{
    pthread_mutex_unlock(&reg_lock);
    pthread_mutex_unlock(&compile_lock);
}
static void fork_child(void)
{
    pthread_mutex_init(&reg_lock, NULL);
    pthread_mutex_init(&compile_lock, NULL);
}
__attribute__((constructor)) static void filter_atfork(void)
{
    pthread_atfork(fork_prepare, fork_release, fork_child);
}

/* LINKTYPE_* values as stored in files -> libpcap DLT_* values (they are
 * equal except for the few 100..103 and DLT_RAW). */
static int linktype_to_dlt(uint32_t lt)
{
    switch (lt) {
    case 100: return DLT_ATM_RFC1483;
    case 101: return DLT_RAW;
    case 102: return DLT_SLIP_BSDOS;
    case 103: return DLT_PPP_BSDOS;
    default: return (int)lt;
    }
}

static bool compile_for(const char *expr, uint32_t linktype, struct bpf_program *out,
                        char *errbuf, size_t errlen)
{
    pthread_mutex_lock(&compile_lock);
    pcap_t *p = pcap_open_dead(linktype_to_dlt(linktype), 262144);
    bool ok = false;
    if (p) {
        ok = pcap_compile(p, out, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
        if (!ok && errbuf)
            snprintf(errbuf, errlen, "%s", pcap_geterr(p));
        pcap_close(p);
    } else if (errbuf) {
        snprintf(errbuf, errlen, "link type %u unknown to libpcap", linktype);
    }
    pthread_mutex_unlock(&compile_lock);
    return ok;
}

nmx_err nmx_filter_bpf(const char *expr, nmx_filter **out, nmx_diag *diag)
{
    if (!expr || !out)
        return nmx_diag_set(diag, NMX_EINVAL, UINT64_MAX, 0, 0, "filter: no expression");
    *out = NULL;
    nmx_filter *f = calloc(1, sizeof *f);
    if (!f || !(f->expr = strdup(expr))) {
        free(f);
        return nmx_diag_set(diag, NMX_ENOMEM, UINT64_MAX, 0, 0, "filter: out of memory");
    }
    pthread_mutex_init(&f->lock, NULL);
    char err[PCAP_ERRBUF_SIZE + 64];
    struct prog *pr = &f->progs[0];
    pr->linktype = 1; /* LINKTYPE_ETHERNET */
    if (!compile_for(expr, 1, &pr->bpf, err, sizeof err)) {
        nmx_diag_set(diag, NMX_EINVAL, UINT64_MAX, 0, 0, "filter '%s': %s", expr, err);
        free(f->expr);
        free(f);
        return NMX_EINVAL;
    }
    pr->ok = true;
    f->nprogs = 1;
    if (!reg_add(f)) {
        nmx_filter_free(f);
        return nmx_diag_set(diag, NMX_ENOMEM, UINT64_MAX, 0, 0, "filter: out of memory");
    }
    *out = f;
    return NMX_OK;
}

void nmx_filter_free(nmx_filter *f)
{
    if (!f)
        return;
    reg_del(f);
    for (size_t i = 0; i < f->nprogs; i++)
        if (f->progs[i].ok)
            pcap_freecode(&f->progs[i].bpf);
    pthread_mutex_destroy(&f->lock);
    free(f->expr);
    free(f);
}

const char *nmx_filter_text(const nmx_filter *f)
{
    return f ? f->expr : "";
}

static const struct prog *prog_for(nmx_filter *f, uint32_t linktype)
{
    /* The first entry is written once at creation; later ones under the
     * lock, published by nprogs. Lookups of cached types take the lock too:
     * it is uncontended in practice and keeps the cache simple. */
    if (f->progs[0].linktype == linktype)
        return &f->progs[0];
    pthread_mutex_lock(&f->lock);
    const struct prog *found = NULL;
    for (size_t i = 1; i < f->nprogs; i++)
        if (f->progs[i].linktype == linktype)
            found = &f->progs[i];
    if (!found && f->nprogs < MAX_PROGS) {
        struct prog *pr = &f->progs[f->nprogs];
        pr->linktype = linktype;
        pr->ok = compile_for(f->expr, linktype, &pr->bpf, NULL, 0);
        f->nprogs++;
        found = pr;
    }
    pthread_mutex_unlock(&f->lock);
    return found;
}

bool nmx_filter_match(nmx_filter *f, const nmx_frame *fr)
{
    if (!f || !fr || fr->linktype == NMX_LINKTYPE_NONE)
        return false;
    const struct prog *pr = prog_for(f, fr->linktype);
    if (!pr || !pr->ok)
        return false;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.caplen = fr->caplen;
    h.len = fr->wirelen;
    return pcap_offline_filter(&pr->bpf, &h, fr->data) != 0;
}
