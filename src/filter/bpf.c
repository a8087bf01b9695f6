/*
 * BPF frame filters: libpcap compiles them (pcap_compile() on a "dead"
 * handle for each link type met); our executor (bpf_exec.c) runs the
 * programs, and libpcap's pcap_offline_filter() runs those it does not
 * accept, or all of them with NMX_BPF=libpcap in the environment (read once;
 * for comparisons: docs/filters.md, "BPF executor"). Programs are
 * compiled lazily per link type and cached in the filter (a small table;
 * captures have few link types). Live filters are registered in a set so that
 * an HFILTER coming from an expert can be validated without dereferencing it.
 */
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef NMX_PCAP_SONAME
#include <dlfcn.h>
#endif

#include "filter/bpf_exec.h"
#include "filter/filter_int.h"
#include "filter/match_bytes.h"

/* The libpcap functions used here. With NMX_PCAP_SONAME (the build found
 * the library's soname) libpcap is loaded on first use, not with the
 * program: it brings in a dozen libraries of its own (D-Bus, systemd,
 * gcrypt, compressors...) whose loading and relocation cost every process
 * more than half a millisecond, and most runs use no BPF filter. */
static struct {
    pcap_t *(*open_dead)(int, int);
    int (*compile)(pcap_t *, struct bpf_program *, const char *, int, bpf_u_int32);
    char *(*geterr)(pcap_t *);
    void (*close)(pcap_t *);
    void (*freecode)(struct bpf_program *);
    int (*offline_filter)(const struct bpf_program *, const struct pcap_pkthdr *,
                          const u_char *);
    const char *(*lib_version)(void);
} pc;
static bool pc_ok;
static char pc_why[256];
static pthread_once_t pc_once = PTHREAD_ONCE_INIT;
static bool pc_only;        /* NMX_BPF=libpcap: libpcap runs every program */
static char engine[320];    /* nmx_filter_bpf_engine()'s text                */

static void pc_load_lib(void);

static void pc_load(void)
{
    const char *e = getenv("NMX_BPF");
    pc_only = e && strcmp(e, "libpcap") == 0;
    pc_load_lib();
    if (pc_ok) {
        if (pc_only)
            snprintf(engine, sizeof engine, "%s compiles and runs BPF filters (NMX_BPF=libpcap)",
                     pc.lib_version());
        else
            snprintf(engine, sizeof engine,
                     "%s compiles BPF filters; nmexpert's executor (%s) runs them",
                     pc.lib_version(), nmx__bpf_dispatch());
    }
}

static void pc_load_lib(void)
{
#ifdef NMX_PCAP_SONAME
    void *h = dlopen(NMX_PCAP_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(pc_why, sizeof pc_why, "cannot load libpcap: %s", e ? e : NMX_PCAP_SONAME);
        return;
    }
    /* dlsym returns void *; POSIX guarantees it converts to a function
     * pointer (dlsym(3)), which memcpy does without a cast ISO C lacks. */
#define PC_SYM(field, name)                                                                  \
    do {                                                                                     \
        void *sym = dlsym(h, name);                                                          \
        if (!sym) {                                                                          \
            snprintf(pc_why, sizeof pc_why, "libpcap (%s) has no %s", NMX_PCAP_SONAME, name); \
            return;                                                                          \
        }                                                                                    \
        memcpy(&pc.field, &sym, sizeof sym);                                                 \
    } while (0)
    PC_SYM(open_dead, "pcap_open_dead");
    PC_SYM(compile, "pcap_compile");
    PC_SYM(geterr, "pcap_geterr");
    PC_SYM(close, "pcap_close");
    PC_SYM(freecode, "pcap_freecode");
    PC_SYM(offline_filter, "pcap_offline_filter");
    PC_SYM(lib_version, "pcap_lib_version");
#undef PC_SYM
#else
    pc.open_dead = pcap_open_dead;
    pc.compile = pcap_compile;
    pc.geterr = pcap_geterr;
    pc.close = pcap_close;
    pc.freecode = pcap_freecode;
    pc.offline_filter = pcap_offline_filter;
    pc.lib_version = pcap_lib_version;
#endif
    pc_ok = true;
}

static bool pc_get(void)
{
    pthread_once(&pc_once, pc_load);
    return pc_ok;
}

const char *nmx_filter_bpf_engine(void)
{
    return pc_get() ? engine : NULL;
}

struct nmx__bpf_prog {
    uint32_t linktype;
    bool ok;                   /* false: the expression cannot apply */
    struct bpf_program bpf;
    nmx__bpf_code *code;       /* NULL: pcap_offline_filter runs bpf  */
};

/* Our translation of a compiled program, or NULL when libpcap is to run
 * it (NMX_BPF=libpcap, or a program the executor does not accept). */
static nmx__bpf_code *translate(const struct bpf_program *bpf)
{
    if (pc_only || bpf->bf_len == 0)
        return NULL;
    nmx__bpf_insn *in = calloc(bpf->bf_len, sizeof *in);
    if (!in)
        return NULL;
    for (u_int i = 0; i < bpf->bf_len; i++) {
        in[i].code = bpf->bf_insns[i].code;
        in[i].jt = bpf->bf_insns[i].jt;
        in[i].jf = bpf->bf_insns[i].jf;
        in[i].k = bpf->bf_insns[i].k;
    }
    nmx__bpf_code *c = NULL;
    (void)nmx__bpf_code_new(in, bpf->bf_len, &c);
    free(in);
    return c;
}

/* pcap_compile is not thread-safe in older libpcap: serialise it. */
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

/* Keep the lock consistent across fork (process isolation forks). */
static void fork_prepare(void)
{
    pthread_mutex_lock(&compile_lock);
}
static void fork_release(void)
{
    pthread_mutex_unlock(&compile_lock);
}
static void fork_child(void)
{
    pthread_mutex_init(&compile_lock, NULL);
}
__attribute__((constructor)) static void filter_atfork(void)
{
    pthread_atfork(fork_prepare, fork_release, fork_child);
}

/* LINKTYPE_* values as stored in files -> libpcap DLT_* values (they are
 * equal except for the few 100..103 and DLT_RAW). */
int nmx__bpf_dlt(uint32_t lt)
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
    if (!pc_get()) {
        if (errbuf)
            snprintf(errbuf, errlen, "%s", pc_why);
        return false;
    }
    pthread_mutex_lock(&compile_lock);
    pcap_t *p = pc.open_dead(nmx__bpf_dlt(linktype), 262144);
    bool ok = false;
    if (p) {
        ok = pc.compile(p, out, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
        if (!ok && errbuf)
            snprintf(errbuf, errlen, "%s", pc.geterr(p));
        pc.close(p);
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
    if (f) {
        f->kind = NMX__FILTER_BPF;
        f->expr = strdup(expr);
        f->progs = calloc(NMX__BPF_MAX_PROGS, sizeof *f->progs);
    }
    if (!f || !f->expr || !f->progs) {
        if (f) {
            free(f->expr);
            free(f->progs);
        }
        free(f);
        return nmx_diag_set(diag, NMX_ENOMEM, UINT64_MAX, 0, 0, "filter: out of memory");
    }
    pthread_mutex_init(&f->lock, NULL);
    char err[PCAP_ERRBUF_SIZE + 64];
    struct nmx__bpf_prog *pr = &f->progs[0];
    pr->linktype = 1; /* LINKTYPE_ETHERNET */
    if (!compile_for(expr, 1, &pr->bpf, err, sizeof err)) {
        nmx_diag_set(diag, NMX_EINVAL, UINT64_MAX, 0, 0, "filter '%s': %s", expr, err);
        nmx__bpf_release(f);
        pthread_mutex_destroy(&f->lock);
        free(f);
        return NMX_EINVAL;
    }
    pr->ok = true;
    pr->code = translate(&pr->bpf);
    f->nprogs = 1;
    if (!nmx__filter_register(f)) {
        nmx__bpf_release(f);
        pthread_mutex_destroy(&f->lock);
        free(f);
        return nmx_diag_set(diag, NMX_ENOMEM, UINT64_MAX, 0, 0, "filter: out of memory");
    }
    *out = f;
    return NMX_OK;
}

void nmx__bpf_release(nmx_filter *f)
{
    for (size_t i = 0; i < f->nprogs; i++)
        if (f->progs[i].ok) {
            nmx__bpf_code_free(f->progs[i].code);
            pc.freecode(&f->progs[i].bpf); /* ok: compiled, so libpcap is loaded */
        }
    f->nprogs = 0;
    free(f->progs);
    f->progs = NULL;
    free(f->expr);
    f->expr = NULL;
}

/* A copy for nmx_filter_dup: compiled again from the text. */
nmx_filter *nmx__bpf_dup(const nmx_filter *f)
{
    nmx_filter *c;
    return nmx_filter_bpf(f->expr, &c, NULL) == NMX_OK ? c : NULL;
}

static const struct nmx__bpf_prog *prog_for(nmx_filter *f, uint32_t linktype)
{
    /* The first entry is written once at creation; later ones under the
     * lock, published by nprogs. Lookups of cached types take the lock too:
     * it is uncontended in practice and keeps the cache simple. */
    if (f->progs[0].linktype == linktype)
        return &f->progs[0];
    pthread_mutex_lock(&f->lock);
    const struct nmx__bpf_prog *found = NULL;
    for (size_t i = 1; i < f->nprogs; i++)
        if (f->progs[i].linktype == linktype)
            found = &f->progs[i];
    if (!found && f->nprogs < NMX__BPF_MAX_PROGS) {
        struct nmx__bpf_prog *pr = &f->progs[f->nprogs];
        pr->linktype = linktype;
        pr->ok = compile_for(f->expr, linktype, &pr->bpf, NULL, 0);
        pr->code = pr->ok ? translate(&pr->bpf) : NULL;
        f->nprogs++;
        found = pr;
    }
    pthread_mutex_unlock(&f->lock);
    return found;
}

bool nmx__filter_match_bytes(nmx_filter *f, const uint8_t *data, uint32_t caplen,
                             uint32_t wirelen, uint32_t linktype)
{
    if (linktype == NMX_LINKTYPE_NONE)
        return false;
    const struct nmx__bpf_prog *pr = prog_for(f, linktype);
    if (!pr || !pr->ok)
        return false;
    if (pr->code)
        return nmx__bpf_run(pr->code, data, caplen, wirelen) != 0;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.caplen = caplen;
    h.len = wirelen;
    return pc.offline_filter(&pr->bpf, &h, data) != 0; /* ok: libpcap is loaded */
}

bool nmx__bpf_match(nmx_filter *f, const nmx_frame *fr)
{
    return nmx__filter_match_bytes(f, fr->data, fr->caplen, fr->wirelen, fr->linktype);
}
