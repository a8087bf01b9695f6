/*
 * pcapng.c: the pcapng format, read as a sequence of blocks.
 *
 * Block: type (u32), total length (u32), body, total length again. The byte
 * order is that of the section: each Section Header Block (SHB) carries the
 * byte-order magic 0x1A2B3C4D and starts a new section whose interfaces are
 * numbered from 0 again. Read: SHB (version 1.0 only, comments), IDB (link
 * type, snaplen, if_name, if_tsresol, if_tsoffset), EPB, SPB (captured
 * length = min(original length, snaplen of the section's interface 0)),
 * obsolete Packet Block (type 2). Every other block type is skipped.
 *
 * Index entry of a frame: block offset << 16 | section number, so a frame is
 * re-decoded in O(1) with its section's byte order and interface table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/internal.h"

#define BT_SHB   UINT32_C(0x0A0D0D0A)
#define BT_IDB   UINT32_C(1)
#define BT_PB    UINT32_C(2)
#define BT_SPB   UINT32_C(3)
#define BT_EPB   UINT32_C(6)
#define PCAPNG_BOM UINT32_C(0x1A2B3C4D)

#define OPT_ENDOFOPT   0
#define OPT_COMMENT    1
#define IF_NAME        2
#define IF_TSRESOL     9
#define IF_TSOFFSET    14

static inline uint64_t pad4(uint64_t n)
{
    return (n + 3) & ~(uint64_t)3;
}

typedef struct pcapng_opt {
    uint16_t code;
    uint16_t len;
    uint64_t off;     /* offset of the value */
} pcapng_opt;

/* Next option in [*pos, end). 1: *o filled; 0: no more options; -1: an
 * option whose value runs past end (o->off is the option's offset). */
static int opt_next(const uint8_t *base, bool be, uint64_t *pos, uint64_t end, pcapng_opt *o)
{
    if (*pos >= end || end - *pos < 4)
        return 0;
    const uint8_t *p = base + *pos;   /* 4 bytes before end: checked above */
    o->code = nmx_ld16(p, be);
    o->len = nmx_ld16(p + 2, be);
    if (o->code == OPT_ENDOFOPT)
        return 0;
    uint64_t left = end - *pos - 4;
    if (o->len > left) {
        o->off = *pos;
        return -1;
    }
    o->off = *pos + 4;
    uint64_t step = pad4(o->len);
    *pos += 4 + (step < left ? step : left);
    return 1;
}

static nmx_probe_result pcapng_probe(nmx_capture *cap, nmx_diag *diag)
{
    (void)diag;
    uint32_t m;
    if (nmx_cur_u32le(&cap->cur, 0, &m) && m == BT_SHB)
        return NMX_PROBE_MINE;
    return NMX_PROBE_NOT_MINE;
}

/* ---- the walk -------------------------------------------------------------
 *
 * Blocks are read in order, chained by their lengths. A walk keeps what it
 * counts (frames, sections, interfaces, the comment, the start time) to
 * itself and publishes it when it stops, so that a walk cut off by fork()
 * (capture.c) leaves nothing half counted and is walked again: entries past
 * the published counts are only ever written by the walk, and readers never
 * look at them. An open without NMX_CAPTURE_INCREMENTAL walks the whole
 * file; with it, open walks the first batch of PCAPNG_LAZY_BATCH bytes (and
 * on to the first frame and the first time stamp, which fix the capture's
 * MAC type and start time), and the rest is walked a batch at a time as
 * frames are asked for, under the capture's walk lock.
 */

#define PCAPNG_LAZY_BATCH (256u << 10) /* NMX_CAPTURE_BATCH (bytes) in the environment */

typedef struct ng_walk {
    nmx_capture *cap;
    uint64_t     off, n;          /* the next block; frames walked */
    size_t       nsec, nif;       /* sections and interfaces walked */
    size_t       clen;            /* length of the comment walked (in cap->ng_pend) */
    bool         has_start;
    int64_t      start_ns;
    uint64_t     pf_next, done;   /* look-ahead; release behind it (nmx_source_pass) */
    uint64_t     stop_off;        /* no block at or past this offset (UINT64_MAX: none) */
    uint64_t     split, slots_a;  /* the index's second run (cap->idx_split) */
    /* The second walker of a split walk (see walk_on): it walks in the
     * section and with the interfaces the first had when it started, keeps
     * its index entries (every NMX_INDEX_STRIDE-th of its own frames) and
     * link types to itself, and stops at the first section header or
     * interface description, which the first walker then reads. */
    bool         half;
    bool         oom;
    uint64_t    *idx;
    size_t       idx_n, idx_cap;
    uint32_t     lts[64];
    size_t       nlts;
    uint64_t    *ring;            /* a shared walk's leader: every frame's offset */
    nmx__find   *fl;              /* a search's walk (find.h), or NULL */
    uint64_t     fl_chunk;        /* (the last chunk it counted as in use) */
} ng_walk;

static nmx_err opt_overrun(const nmx_capture *cap, nmx_diag *d, const pcapng_opt *o, uint64_t end,
                           const char *block)
{
    return nmx_cap_diag(cap, d, NMX_ECORRUPT, o->off, o->len, end - o->off - 4,
                        "%s option %u of length %u runs past the end of the block "
                        "(%llu bytes left)",
                        block, o->code, o->len, (unsigned long long)(end - o->off - 4));
}

/* Validate the options in [pos, end) of a block (lengths inside the block). */
static nmx_err check_opts(const nmx_capture *cap, nmx_diag *d, bool be, uint64_t pos, uint64_t end,
                          const char *block)
{
    pcapng_opt o;
    int r;
    while ((r = opt_next(cap->cur.base, be, &pos, end, &o)) == 1) {
    }
    return r < 0 ? opt_overrun(cap, d, &o, end, block) : NMX_OK;
}

/* Appends "\n" (unless first) and p[0, n) to the comment walked so far.
 * The buffer is the walker's alone; it is swapped, never realloc()ed in
 * place, so that a child forked in the middle finds either buffer whole
 * (and a walk started again from the last publish overwrites what a cut
 * one wrote past ng_pend_len). */
static nmx_err append_comment(ng_walk *w, const uint8_t *p, size_t n)
{
    nmx_capture *cap = w->cap;
    size_t sep = w->clen ? 1 : 0;
    if (n > SIZE_MAX / 4 - w->clen - 2)
        return NMX_ENOMEM;
    size_t need = w->clen + sep + n + 1;
    if (need > cap->ng_pend_cap) {
        size_t ncap = cap->ng_pend_cap ? cap->ng_pend_cap : 64;
        while (ncap < need)
            ncap *= 2;
        char *q = malloc(ncap), *old = cap->ng_pend;
        if (!q)
            return NMX_ENOMEM;
        if (w->clen)
            memcpy(q, old, w->clen);
        cap->ng_pend = q;
        cap->ng_pend_cap = ncap;
        free(old);
    }
    if (sep)
        cap->ng_pend[w->clen] = '\n';
    memcpy(cap->ng_pend + w->clen + sep, p, n);
    w->clen += sep + n;
    cap->ng_pend[w->clen] = '\0';
    return NMX_OK;
}

/* Publishes the comment walked so far as a new state (unless the last
 * state has it already). */
static nmx_err publish_comment(nmx_capture *cap, size_t len)
{
    const nmx_ng_text *last = cap->ng_comment;
    if (!len || (last && last->len == len))
        return NMX_OK;
    nmx_ng_text *t = malloc(sizeof *t + len + 1);
    if (!t)
        return NMX_ENOMEM;
    memcpy(t->s, cap->ng_pend, len);
    t->s[len] = '\0';
    t->len = len;
    t->older = cap->ng_texts;
    cap->ng_texts = t;
    __atomic_store_n(&cap->ng_comment, t, __ATOMIC_RELEASE);
    return NMX_OK;
}

static nmx_err parse_shb(ng_walk *w, nmx_diag *d, uint64_t off, uint32_t len, bool be)
{
    nmx_capture *cap = w->cap;
    if (len < 28)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 4, len, 28,
                            "section header block length %u below minimum 28", len);
    nmx_cursor bc = nmx_cursor_make(cap->cur.base, cap->cur.size, be);
    uint16_t maj = 0, min = 0;
    (void)nmx_cur_u16(&bc, off + 12, &maj);
    (void)nmx_cur_u16(&bc, off + 14, &min);
    if (maj != 1 || min != 0)
        return nmx_cap_diag(cap, d, NMX_EUNSUPPORTED, off + 12, (uint64_t)maj << 16 | min,
                            UINT32_C(0x10000), "unknown SHB version %u.%u (1.0 is read)", maj,
                            min);
    if (w->nsec >= NMX_PCAPNG_MAX_SECTIONS)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off, w->nsec + 1, NMX_PCAPNG_MAX_SECTIONS,
                            "more than %u sections", NMX_PCAPNG_MAX_SECTIONS);
    uint64_t end = off + len - 4, pos = off + 24;
    pcapng_opt o;
    int r;
    while ((r = opt_next(cap->cur.base, be, &pos, end, &o)) == 1) {
        if (o.code != OPT_COMMENT)
            continue;
        const uint8_t *nul = memchr(cap->cur.base + o.off, 0, o.len);
        size_t n = nul ? (size_t)(nul - (cap->cur.base + o.off)) : o.len;
        if (n && append_comment(w, cap->cur.base + o.off, n) != NMX_OK)
            return nmx_cap_diag(cap, d, NMX_ENOMEM, off, 0, 0, "out of memory");
    }
    if (r < 0)
        return opt_overrun(cap, d, &o, end, "section header block");
    if (w->nsec == 0) {
        cap->ver_major = maj;
        cap->ver_minor = min;
    }
    /* (reserved for a section header every 28 bytes of the file) */
    nmx_pcapng_section *s = &cap->sections[w->nsec];
    s->big_endian = be;
    s->first_iface = (uint32_t)w->nif;
    w->nsec++;
    return NMX_OK;
}

static nmx_err parse_idb(ng_walk *w, nmx_diag *d, uint64_t off, uint32_t len, bool be)
{
    nmx_capture *cap = w->cap;
    if (len < 20)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 4, len, 20,
                            "interface description block length %u below minimum 20", len);
    if (w->nif >= NMX_PCAPNG_MAX_INTERFACES)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off, w->nif + 1, NMX_PCAPNG_MAX_INTERFACES,
                            "more than %u interfaces", NMX_PCAPNG_MAX_INTERFACES);
    nmx_iface_rt ifc;
    memset(&ifc, 0, sizeof ifc);
    nmx_cursor bc = nmx_cursor_make(cap->cur.base, cap->cur.size, be);
    uint16_t lt = 0;
    (void)nmx_cur_u16(&bc, off + 8, &lt);
    ifc.pub.linktype = lt;
    (void)nmx_cur_u32(&bc, off + 12, &ifc.pub.snaplen);
    ifc.pub.tsresol = 6;
    ifc.pub.section = (uint32_t)(w->nsec - 1);
    uint64_t end = off + len - 4, pos = off + 16;
    const uint8_t *name = NULL;
    size_t name_len = 0;
    pcapng_opt o;
    int r;
    while ((r = opt_next(cap->cur.base, be, &pos, end, &o)) == 1) {
        const uint8_t *v = cap->cur.base + o.off;
        if (o.code == IF_NAME) {
            name = v;
            name_len = o.len;
        } else if (o.code == IF_TSRESOL && o.len >= 1) {
            ifc.pub.tsresol = v[0];
        } else if (o.code == IF_TSOFFSET && o.len >= 8) {
            ifc.pub.tsoffset_s = (int64_t)(be ? nmx_ld64be(v) : nmx_ld64le(v));
        }
    }
    if (r < 0)
        return opt_overrun(cap, d, &o, end, "interface description block");
    ifc.pow2 = (ifc.pub.tsresol & 0x80) != 0;
    ifc.exp = ifc.pub.tsresol & 0x7F;
    if (ifc.pow2 ? ifc.exp > NMX_PCAPNG_MAX_TSRESOL_POW2 : ifc.exp > NMX_PCAPNG_MAX_TSRESOL_POW10)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off, ifc.exp,
                            ifc.pow2 ? NMX_PCAPNG_MAX_TSRESOL_POW2 : NMX_PCAPNG_MAX_TSRESOL_POW10,
                            "if_tsresol exponent %u exceeds limit %u", ifc.exp,
                            ifc.pow2 ? NMX_PCAPNG_MAX_TSRESOL_POW2 : NMX_PCAPNG_MAX_TSRESOL_POW10);
    if (!ifc.pow2) {
        unsigned k = ifc.exp <= 9 ? 9u - ifc.exp : ifc.exp - 9u;
        ifc.scale = 1;
        while (k--)
            ifc.scale *= 10;
    }
    if (name) {
        ifc.name_buf = malloc(name_len + 1);
        if (!ifc.name_buf)
            return nmx_cap_diag(cap, d, NMX_ENOMEM, off, 0, 0, "out of memory");
        memcpy(ifc.name_buf, name, name_len);
        ifc.name_buf[name_len] = '\0';
        ifc.pub.name = ifc.name_buf;
    }
    /* (reserved for an interface every 20 bytes of the file). An entry a
     * walk cut off by fork() wrote is written again: its name goes first,
     * so that close never frees one twice. */
    nmx_iface_rt *slot = &cap->ifaces[w->nif];
    char *stale = slot->name_buf;
    slot->name_buf = NULL;
    free(stale);
    if (cap->ng_ifaces_hw <= w->nif)
        cap->ng_ifaces_hw = w->nif + 1;
    if (w->nif == 0)
        cap->mac_type = nmx_mac_type_of_linktype(ifc.pub.linktype);
    *slot = ifc;
    w->nif++;
    return NMX_OK;
}

/* Units of an interface's resolution -> ns since the epoch (saturating). */
/* (inlined: see decode_pkt) */
static inline __attribute__((always_inline)) int64_t iface_time(const nmx_iface_rt *ifc,
                                                                uint64_t units)
{
    uint64_t ns;
    if (ifc->pow2) {
        __extension__ typedef unsigned __int128 u128;
        uint64_t sec = ifc->exp ? units >> ifc->exp : units;
        uint64_t frac = ifc->exp ? units & ((UINT64_C(1) << ifc->exp) - 1) : 0;
        uint64_t fns = (uint64_t)(((u128)frac * 1000000000u) >> ifc->exp);
        if (__builtin_mul_overflow(sec, UINT64_C(1000000000), &ns) ||
            __builtin_add_overflow(ns, fns, &ns))
            ns = UINT64_MAX;
    } else if (ifc->exp <= 9) {
        if (__builtin_mul_overflow(units, ifc->scale, &ns))
            ns = UINT64_MAX;
    } else {
        ns = units / ifc->scale;
    }
    int64_t t = ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)ns;
    if (ifc->pub.tsoffset_s)
        t = nmx_sat_add(t, nmx_sat_mul(ifc->pub.tsoffset_s, NMX_NS_PER_SEC));
    return t;
}

/* Decoded packet block (EPB, PB or SPB) at off. */
typedef struct pcapng_pkt {
    uint32_t iface;        /* section-local */
    bool     has_ts;
    uint64_t units;
    uint32_t caplen, wirelen;
    uint64_t data;         /* offset of the data */
    uint64_t opts, end;    /* options range (empty for SPB) */
} pcapng_pkt;

/* Checks everything when checking is true (indexing: the section has niface
 * interfaces so far); decodes only when it is false (the block was
 * checked). Inlined: called, it returned *pk through memory, and the
 * frame's two 32-bit lengths written there were read back as one 64-bit
 * word, a load no store could forward; that stall was a third of
 * pcapng_frame's time (a scan of big.pcapng: 61.6 -> 52.4 ms). */
static inline __attribute__((always_inline)) nmx_err
decode_pkt(const nmx_capture *cap, nmx_diag *d, uint64_t off, uint32_t type, uint32_t len,
           const nmx_pcapng_section *sec, uint32_t niface, bool checking, pcapng_pkt *pk)
{
    /* The block [off, off + len) is inside the file (the walk checked it
     * before indexing it); its fields are loaded after the length checks
     * below, without a check each. */
    const uint8_t *b = cap->cur.base + off;
    bool be = sec->big_endian;
    uint64_t body = len - 12u;
    const char *what = type == BT_EPB ? "enhanced packet block"
                       : type == BT_PB ? "packet block" : "simple packet block";
    pk->end = off + len - 4;
    if (type == BT_SPB) {
        if (checking && body < 4)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 4, len, 16,
                                "%s length %u below minimum 16", what, len);
        if (checking && niface == 0)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off, 0, 1,
                                "%s in a section without an interface", what);
        pk->iface = 0;
        pk->has_ts = false;
        pk->units = 0;
        pk->wirelen = nmx_ld32(b + 8, be);
        uint32_t snap = cap->ifaces[sec->first_iface].pub.snaplen;
        pk->caplen = (snap && pk->wirelen > snap) ? snap : pk->wirelen;
        pk->data = off + 12;
        pk->opts = pk->end;
        if (checking && pk->caplen > NMX_CAPTURE_MAX_CAPLEN)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 8, pk->caplen, NMX_CAPTURE_MAX_CAPLEN,
                                "%s captured length %u exceeds limit %u", what, pk->caplen,
                                NMX_CAPTURE_MAX_CAPLEN);
        if (checking && pk->caplen > body - 4)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 8, pk->caplen, body - 4,
                                "%s captured length %u exceeds the block data (%llu bytes)",
                                what, pk->caplen, (unsigned long long)(body - 4));
        return NMX_OK;
    }
    if (checking && body < 20)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 4, len, 32,
                            "%s length %u below minimum 32", what, len);
    pk->iface = type == BT_EPB ? nmx_ld32(b + 8, be) : nmx_ld16(b + 8, be);
    pk->has_ts = true;
    pk->units = (uint64_t)nmx_ld32(b + 12, be) << 32 | nmx_ld32(b + 16, be);
    pk->caplen = nmx_ld32(b + 20, be);
    pk->wirelen = nmx_ld32(b + 24, be);
    pk->data = off + 28;
    if (checking) {
        if (pk->iface >= niface)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 8, pk->iface, niface,
                                "%s interface id %u not defined (section has %u)", what,
                                pk->iface, niface);
        if (pk->caplen > NMX_CAPTURE_MAX_CAPLEN)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 20, pk->caplen,
                                NMX_CAPTURE_MAX_CAPLEN, "%s captured length %u exceeds limit %u",
                                what, pk->caplen, NMX_CAPTURE_MAX_CAPLEN);
        if (pad4(pk->caplen) > body - 20)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 20, pk->caplen, body - 20,
                                "%s captured length %u exceeds the block data (%llu bytes)", what,
                                pk->caplen, (unsigned long long)(body - 20));
    }
    pk->opts = pk->data + pad4(pk->caplen);
    if (checking)
        return check_opts(cap, d, be, pk->opts, pk->end, what);
    return NMX_OK;
}

static bool half_push(ng_walk *w, uint64_t entry)
{
    if (w->idx_n == w->idx_cap) {
        size_t ncap = w->idx_cap ? w->idx_cap * 2 : 1024;
        uint64_t *p = realloc(w->idx, ncap * sizeof *p);
        if (!p)
            return false;
        w->idx = p;
        w->idx_cap = ncap;
    }
    w->idx[w->idx_n++] = entry;
    return true;
}

static void half_note_linktype(ng_walk *w, uint32_t lt)
{
    for (size_t i = 0; i < w->nlts; i++)
        if (w->lts[i] == lt)
            return;
    if (w->nlts < sizeof w->lts / sizeof w->lts[0])
        w->lts[w->nlts++] = lt;
}

/* Walks blocks from w->off while frames up to want are wanted, or the rest
 * of the batch (up to batch_end), or the start time (need_start); a stop
 * request (*halt non-zero) is looked at once a batch. NMX_OK when it
 * stopped for one of those reasons or at the end of the file; otherwise
 * the damage (*d; *first: in the file's first block). */
static nmx_err walk_blocks(ng_walk *w, uint64_t want, uint64_t batch_end, bool need_start,
                           const volatile int *halt, nmx_diag *d, bool *first)
{
    nmx_capture *cap = w->cap;
    const uint8_t *base = cap->cur.base;
    const uint64_t size = cap->cur.size;
    uint64_t check_at = batch_end;
    nmx_err e = NMX_OK;
    while (w->off < size && w->off < w->stop_off &&
           (w->n <= want || w->off < batch_end || (need_start && !w->has_start))) {
        const uint64_t off = w->off;
        if (halt && off >= check_at) {
            if (__atomic_load_n(halt, __ATOMIC_RELAXED))
                break;
            check_at = off + cap->lazy_batch;
        }
        nmx_source_pass(&cap->src, &w->done, off);
        /* blocks are chained by their lengths: keep the next 4 KiB
         * requested from memory (hints; never fault) */
        for (; w->pf_next < off + 4096 && w->pf_next < size; w->pf_next += 64)
            __builtin_prefetch(base + w->pf_next);
        *first = off == 0;
        uint64_t left = size - off;
        uint32_t type = 0, len = 0;
        bool be = false;
        if (left < 12)
            return nmx_cap_diag(cap, d, NMX_ETRUNCATED, off, left, 12,
                                "block header truncated: %llu bytes left, needs 12",
                                (unsigned long long)left);
        /* 12 bytes are left (checked above): type, length, and the BOM of
         * a section header; the trailing length only once len <= left. */
        type = nmx_ld32le(base + off);
        if (type == BT_SHB) {
            uint32_t bom = nmx_ld32le(base + off + 8);
            if (bom == PCAPNG_BOM)
                be = false;
            else if (bom == __builtin_bswap32(PCAPNG_BOM))
                be = true;
            else
                return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 8, bom, 0,
                                    "section header byte-order magic 0x%08x is not 0x1a2b3c4d",
                                    bom);
        } else {
            be = cap->sections[w->nsec - 1].big_endian;
            type = nmx_ld32(base + off, be);
        }
        len = nmx_ld32(base + off + 4, be);
        if (len < 12)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 4, len, 12,
                                "block total length %u below minimum 12", len);
        if (len % 4)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 4, len, 4,
                                "block total length %u is not a multiple of 4", len);
        if (len > NMX_PCAPNG_MAX_BLOCK)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 4, len, NMX_PCAPNG_MAX_BLOCK,
                                "block total length %u exceeds limit %u", len,
                                NMX_PCAPNG_MAX_BLOCK);
        if (len > left)
            return nmx_cap_diag(cap, d, NMX_ETRUNCATED, off + 4, len, left,
                                "block of %u bytes runs past the end of the file (%llu bytes "
                                "left)",
                                len, (unsigned long long)left);
        uint32_t trail = nmx_ld32(base + off + len - 4, be);
        if (trail != len)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + len - 4, trail, len,
                                "trailing block length %u differs from the leading length %u",
                                trail, len);
        if (off > NMX_CAPTURE_MAX_OFFSET)
            return nmx_cap_diag(cap, d, NMX_ERANGE, off, off, NMX_CAPTURE_MAX_OFFSET,
                                "block offset exceeds the index limit");
        if (w->half && (type == BT_SHB || type == BT_IDB))
            return NMX_OK; /* the first walker reads it */
        switch (type) {
        case BT_SHB:
            e = parse_shb(w, d, off, len, be);
            break;
        case BT_IDB:
            e = parse_idb(w, d, off, len, be);
            break;
        case BT_EPB:
        case BT_PB:
        case BT_SPB: {
            const nmx_pcapng_section *sec = &cap->sections[w->nsec - 1];
            pcapng_pkt pk = {0};
            e = decode_pkt(cap, d, off, type, len, sec, (uint32_t)(w->nif - sec->first_iface),
                           true, &pk);
            if (e != NMX_OK)
                break;
            if (w->n >= NMX_CAPTURE_MAX_FRAMES)
                return nmx_cap_diag(cap, d, NMX_ERANGE, off, w->n, NMX_CAPTURE_MAX_FRAMES,
                                    "more frames than the limit %llu",
                                    (unsigned long long)NMX_CAPTURE_MAX_FRAMES);
            uint64_t entry = off << 16 | (w->nsec - 1), rel = w->n - w->split;
            if (w->half) {
                if (rel % NMX_INDEX_STRIDE == 0 && !half_push(w, entry)) {
                    w->oom = true;
                    return NMX_OK;
                }
            } else {
                if (rel % NMX_INDEX_STRIDE == 0) /* (reserved for a packet block every 16 bytes) */
                    cap->index[w->slots_a + rel / NMX_INDEX_STRIDE] = entry;
                if (w->ring)
                    nmx__ring_put(w->ring, cap->ring_bits, w->n, off);
            }
            w->n++;
            const nmx_iface_rt *ifc = &cap->ifaces[sec->first_iface + pk.iface];
            if (w->half)
                half_note_linktype(w, ifc->pub.linktype);
            else
                nmx_cap_note_linktype(cap, ifc->pub.linktype);
            if (!w->has_start && pk.has_ts) {
                w->has_start = true;
                w->start_ns = iface_time(ifc, pk.units);
            }
            if (w->fl && !w->half &&
                nmx__find_walked(w->fl, cap, &w->fl_chunk, w->n - 1, entry, off, len,
                                 base + pk.data, pk.caplen, pk.wirelen, ifc->pub.linktype)) {
                w->off = off + len; /* a full list: the walk ends after this frame */
                return NMX_OK;
            }
            break;
        }
        default:
            break;
        }
        if (e != NMX_OK)
            return e;
        w->off = off + len;
    }
    return NMX_OK;
}

/* Address space for n entries of size sz, touched only as they are
 * written (zero-filled). */
static void *reserve(uint64_t n, size_t sz, size_t *len)
{
    if (n > SIZE_MAX / sz)
        return NULL;
    size_t l = (size_t)n * sz;
    void *m = mmap(NULL, l, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    *len = l;
    return m;
}

static uint64_t pcapng_limit(const nmx_capture *cap)
{
    return cap->cur.size / 16; /* the smallest packet block */
}

/* ---- a walk to the end in two halves ----------------------------------------
 *
 * As for pcap (pcap.c): on a large file and two or more CPUs, a walk that
 * must reach the end at once (an open without NMX_CAPTURE_INCREMENTAL, the
 * count of one with it) guesses a block boundary near the middle of what is
 * left: an EPB of the current section followed by NG_SYNC_RUN - 1 blocks
 * that all look right. A second thread walks from there (see ng_walk.half)
 * while this one walks up to it, and the halves are joined only if this one
 * lands exactly there, in the same section with the same interfaces;
 * otherwise, or where the second stopped at a section header or interface
 * description, this one goes on alone. The result is always that of one
 * walk. */

#define NG_SYNC_RUN    8u
#define NG_SYNC_WINDOW (1u << 20)  /* bytes searched for a guess */

/* Does a run of blocks that look right, the first an EPB of an interface
 * below niface, start at o (in a section of byte order be)? */
static bool ng_plausible(const nmx_capture *cap, uint64_t o, bool be, uint32_t niface)
{
    const uint8_t *base = cap->cur.base;
    const uint64_t size = cap->cur.size;
    for (unsigned k = 0; k < NG_SYNC_RUN; k++) {
        if (k && o == size)
            return true;
        if (o > size || size - o < 12)
            return false;
        uint32_t type = nmx_ld32(base + o, be), len = nmx_ld32(base + o + 4, be);
        if (len < 12 || len % 4 || len > NMX_PCAPNG_MAX_BLOCK || len > size - o ||
            nmx_ld32(base + o + len - 4, be) != len || nmx_ld32le(base + o) == BT_SHB ||
            type == BT_IDB || (k == 0 && type != BT_EPB) ||
            (type == BT_EPB && (len < 32 || nmx_ld32(base + o + 8, be) >= niface)))
            return false;
        o += len;
    }
    return true;
}

struct ng_half {
    ng_walk  w;
    uint64_t from;
    nmx_err  status;
    nmx_diag d;
};

static void *ng_second_half(void *arg)
{
    struct ng_half *h = arg;
    bool first = false;
    h->status = walk_blocks(&h->w, UINT64_MAX, UINT64_MAX, false, NULL, &h->d, &first);
    return NULL;
}

/* Starts the second walker of w's walk to the end, if the file is worth it
 * and a boundary is found. */
static bool ng_split(const ng_walk *w, struct ng_half *h, pthread_t *t)
{
    const nmx_capture *cap = w->cap;
    const uint64_t size = cap->cur.size;
    if (w->nsec == 0 || cap->idx_split != UINT64_MAX)
        return false;
    if (size - w->off < nmx__parallel_min() || sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return false;
    const nmx_pcapng_section *sec = &cap->sections[w->nsec - 1];
    uint32_t niface = (uint32_t)(w->nif - sec->first_iface);
    uint64_t mid = (w->off + (size - w->off) / 2) & ~(uint64_t)3;
    for (uint64_t o = mid; o < size && o < mid + NG_SYNC_WINDOW; o += 4)
        if (ng_plausible(cap, o, sec->big_endian, niface)) {
            memset(h, 0, sizeof *h);
            h->w = *w;
            h->w.half = true;
            h->w.off = h->w.pf_next = h->w.done = o;
            h->w.n = 0;
            h->w.split = 0;
            h->w.stop_off = UINT64_MAX;
            h->w.has_start = false;
            h->from = o;
            return pthread_create(t, NULL, ng_second_half, h) == 0;
        }
    return false;
}

/* Waits for the second walker and joins its half to w's if w ended exactly
 * where it began, in the same section with the same interfaces (e: w's
 * status; *e and *d take the second's). True when joined. */
static bool ng_join(ng_walk *w, struct ng_half *h, pthread_t t, nmx_err *e, nmx_diag *d)
{
    pthread_join(t, NULL);
    nmx_capture *cap = w->cap;
    /* (ng_split starts no second walker once the index has two runs: w's
     * entries are one run from entry 0) */
    uint64_t slots_a = (w->n + NMX_INDEX_STRIDE - 1) / NMX_INDEX_STRIDE;
    bool joined = *e == NMX_OK && w->off == h->from && w->nsec == h->w.nsec &&
                  w->nif == h->w.nif && !h->w.oom && h->status != NMX_ERANGE &&
                  w->n + h->w.n <= NMX_CAPTURE_MAX_FRAMES && slots_a + h->w.idx_n <= cap->index_cap;
    if (joined) {
        /* the second run of entries starts at its first frame; readers of
         * frames below those published keep finding them in the first */
        if (h->w.idx_n)
            memcpy(cap->index + slots_a, h->w.idx, h->w.idx_n * sizeof *cap->index);
        w->split = w->n;
        w->slots_a = slots_a;
        for (size_t i = 0; i < h->w.nlts; i++)
            nmx_cap_note_linktype(cap, h->w.lts[i]);
        if (!w->has_start && h->w.has_start) {
            w->has_start = true;
            w->start_ns = h->w.start_ns;
        }
        w->n += h->w.n;
        w->off = h->w.off;
        w->pf_next = h->w.pf_next;
        w->done = h->w.done;
        *e = h->status;
        *d = h->d;
    }
    free(h->w.idx);
    return joined;
}

/* Walks (under the walk lock) as far as frame want, or the end; at open
 * also to the first frame and the first time stamp, and damage in the
 * first block or running out of memory there fail the open (its result).
 * Later, damage is a warning and ends the walk. */
static nmx_err walk_on(nmx_capture *cap, uint64_t want, const volatile int *halt, bool at_open,
                       nmx_diag *diag, nmx__find *fl)
{
    nmx__cap_lazy_lock(cap);
    uint64_t known = cap->nframes;
    if (__atomic_load_n(&cap->lazy_done, __ATOMIC_RELAXED) || (known > want && !at_open)) {
        nmx__cap_lazy_unlock(cap);
        return NMX_OK;
    }
    if (fl) /* a search (find.h) */
        nmx__find_begin(fl, cap, want);
    ng_walk w = {
        .cap = cap,
        .off = cap->lazy_next,
        .n = known,
        .nsec = cap->nsections,
        .nif = cap->nifaces,
        .clen = cap->ng_pend_len,
        .has_start = cap->has_start,
        .start_ns = cap->start_ns,
        .stop_off = UINT64_MAX,
        .split = cap->idx_split == UINT64_MAX ? 0 : cap->idx_split,
        .slots_a = cap->idx_split == UINT64_MAX ? 0 : cap->idx_slots_a,
        .fl = fl,
        .fl_chunk = UINT64_MAX,
    };
    const uint64_t start = w.off;
    w.pf_next = start;
    /* the leader of a shared walk walks a batch per call: its release
     * position persists (as in pcap.c) */
    w.done = cap->share ? cap->lazy_released : start;
    w.ring = cap->share ? cap->ring : NULL;
    uint64_t batch_end = cap->lazy ? start + cap->lazy_batch : UINT64_MAX;
    nmx_diag d;
    bool first = false;
    /* the rest of the file at once (an open that indexes everything, the
     * count): in two halves on a large file (not a walk a stop request may
     * end: it leaves the other CPUs to the sessions) */
    struct ng_half h;
    pthread_t t;
    nmx_err e = NMX_OK;
    bool whole = want == UINT64_MAX && !halt && !fl;
    if (whole && w.nsec == 0) /* the first section's interfaces first */
        e = walk_blocks(&w, 0, start + cap->lazy_batch, at_open, halt, &d, &first);
    bool split = e == NMX_OK && whole && ng_split(&w, &h, &t);
    if (split)
        w.stop_off = h.from;
    if (e == NMX_OK)
        e = walk_blocks(&w, want, batch_end, at_open, halt, &d, &first);
    if (split) {
        w.stop_off = UINT64_MAX;
        if (ng_join(&w, &h, t, &e, &d))
            first = false;
        if (e == NMX_OK) /* a wrong guess, or the second stopped early: go on */
            e = walk_blocks(&w, want, batch_end, at_open, halt, &d, &first);
    }
    /* publish: the entries first, then the counts */
    nmx__cap_publish_begin();
    cap->lazy_next = w.off;
    cap->lazy_released = w.done;
    cap->has_start = w.has_start;
    cap->start_ns = w.start_ns;
    if (w.split) {
        __atomic_store_n(&cap->idx_slots_a, w.slots_a, __ATOMIC_RELAXED);
        __atomic_store_n(&cap->idx_split, w.split, __ATOMIC_RELAXED);
    }
    cap->ng_pend_len = w.clen;
    bool done = e != NMX_OK || w.off >= cap->cur.size;
    /* the comment: as walked at open, then whole at the end */
    if ((at_open || done) && publish_comment(cap, w.clen) != NMX_OK && e == NMX_OK) {
        e = nmx_cap_diag(cap, &d, NMX_ENOMEM, w.off, w.clen, 0,
                         "out of memory for the capture comment");
        done = true;
    }
    __atomic_store_n(&cap->nsections, w.nsec, __ATOMIC_RELEASE);
    __atomic_store_n(&cap->nifaces, w.nif, __ATOMIC_RELEASE);
    /* the last batch's bytes were requested from memory as the walk went */
    uint64_t hot = w.off - start > cap->lazy_batch ? w.off - cap->lazy_batch : start;
    __atomic_store_n(&cap->lazy_hot, hot, __ATOMIC_RELAXED);
    __atomic_store_n(&cap->nframes, w.n, __ATOMIC_RELEASE);
    nmx_err ret = NMX_OK;
    if (e != NMX_OK) {
        if (at_open && (first || e == NMX_ENOMEM)) {
            if (diag)
                *diag = d;
            ret = e;
        } else {
            ret = nmx_cap_damage(cap, &d, at_open ? diag : NULL);
        }
    }
    if (done)
        __atomic_store_n(&cap->lazy_done, true, __ATOMIC_RELEASE);
    if (cap->share)
        nmx__share_publish_walk(cap, w.off, e != NMX_OK);
    nmx__cap_publish_end();
    if (fl)
        fl->to = w.n;
    nmx__cap_lazy_unlock(cap);
    return ret;
}

static void pcapng_extend(nmx_capture *cap, uint64_t want, const volatile int *stop)
{
    (void)walk_on(cap, want, stop, false, NULL, NULL);
}

static nmx_err pcapng_open(nmx_capture *cap, nmx_diag *diag)
{
    cap->format = NMX_FORMAT_PCAPNG;
    snprintf(cap->format_name, sizeof cap->format_name, "pcapng");
    const uint64_t size = cap->cur.size;
    /* + 2: a partly filled entry, and an empty file */
    uint64_t slots = pcapng_limit(cap) / NMX_INDEX_STRIDE + 2;
    uint64_t nsec = size / 28 + 1, nif = size / 20 + 1;
    if (nsec > NMX_PCAPNG_MAX_SECTIONS)
        nsec = NMX_PCAPNG_MAX_SECTIONS;
    if (nif > NMX_PCAPNG_MAX_INTERFACES)
        nif = NMX_PCAPNG_MAX_INTERFACES;
    size_t len;
    bool lazy = (cap->flags & NMX_CAPTURE_INCREMENTAL) && !(cap->flags & NMX_CAPTURE_STRICT);
    if (lazy && (cap->flags & NMX_CAPTURE_SHARE_WALK) && slots <= SIZE_MAX / sizeof *cap->index &&
        (cap->index = nmx__share_reserve(cap, (size_t)slots * sizeof *cap->index)) != NULL) {
        cap->index_map_len = (size_t)slots * sizeof *cap->index;
        cap->index_cap = slots;
    } else if ((cap->index = reserve(slots, sizeof *cap->index, &len)) != NULL) {
        cap->index_map_len = len;
        cap->index_cap = slots;
    }
    if ((cap->sections = reserve(nsec, sizeof *cap->sections, &len)) != NULL)
        cap->ng_sections_map = len;
    if ((cap->ifaces = reserve(nif, sizeof *cap->ifaces, &len)) != NULL)
        cap->ng_ifaces_map = len;
    if (!cap->index || !cap->sections || !cap->ifaces)
        return nmx_cap_diag(cap, diag, NMX_ENOMEM, UINT64_MAX, 0, 0,
                            "out of address space for the index");
    cap->idx_split = UINT64_MAX; /* one run of entries */
    cap->idx_slots_a = 0;
    if (lazy) {
        cap->lazy = true;
        const char *b = getenv("NMX_CAPTURE_BATCH"); /* tests: small batches on small files */
        cap->lazy_batch = b && *b ? strtoull(b, NULL, 10) : PCAPNG_LAZY_BATCH;
        return walk_on(cap, 0, NULL, true, diag, NULL);
    }
    cap->lazy_batch = PCAPNG_LAZY_BATCH;
    return walk_on(cap, UINT64_MAX, NULL, true, diag, NULL);
}

/* The packet blocks of one index entry's frames that this thread decoded
 * last, found one after the other as they are asked for (as in pcap.c): a
 * scan pays one step per frame. A step skips the blocks between two packet
 * blocks (interface descriptions, statistics, name resolution, unknown
 * types) and counts section headers, exactly as the indexing walk read
 * them; every block before the last frame was checked by that walk. Keyed
 * by the capture's serial, never reused in a process. */
static __thread struct pcapng_group {
    uint64_t serial;
    uint64_t first;   /* frame number of entry 0 */
    uint32_t size;    /* frames of the entry */
    uint32_t count;   /* decoded so far */
    uint64_t e[NMX_INDEX_STRIDE];   /* block offset << 16 | section */
} tl_group __attribute__((tls_model("initial-exec")));

/* The block after the packet block of entry e that is a packet block. */
static uint64_t pcapng_next_packet(const nmx_capture *cap, uint64_t e)
{
    const uint8_t *base = cap->cur.base;
    uint64_t off = e >> 16;
    uint32_t sec = (uint32_t)(e & 0xFFFF);
    bool be = cap->sections[sec].big_endian;
    off += nmx_ld32(base + off + 4, be);
    for (;;) {
        uint32_t type = nmx_ld32le(base + off);
        if (type == BT_SHB) {
            sec++;
            be = cap->sections[sec].big_endian;
        } else {
            type = nmx_ld32(base + off, be);
            if (type == BT_EPB || type == BT_PB || type == BT_SPB)
                return off << 16 | sec;
        }
        off += nmx_ld32(base + off + 4, be);
    }
}

static uint64_t pcapng_entry(const nmx_capture *cap, uint64_t n)
{
    uint64_t r;
    /* frame n was published with at most the sections there are now */
    if (__atomic_load_n(&cap->nsections, __ATOMIC_ACQUIRE) == 1 && nmx__ring_get(cap, n, &r))
        return r << 16;
    struct pcapng_group *g = &tl_group;
    if (g->serial != cap->serial || n - g->first >= g->size) {
        uint64_t first, end, slot = nmx__index_group(cap, n, &first, &end);
        g->serial = cap->serial;
        g->first = first;
        g->size = (uint32_t)(end - first);
        g->count = 1;
        g->e[0] = cap->index[slot];
    }
    uint32_t want = (uint32_t)(n - g->first);
    while (g->count <= want) {
        g->e[g->count] = pcapng_next_packet(cap, g->e[g->count - 1]);
        g->count++;
    }
    return g->e[want];
}

/* Fills the frame of index entry e (out cleared by the caller). */
static void pcapng_fill(const nmx_capture *cap, uint64_t e, nmx_frame *out)
{
    uint64_t off = e >> 16;
    const nmx_pcapng_section *sec = &cap->sections[e & 0xFFFF];
    bool be = sec->big_endian;
    const uint8_t *b = cap->cur.base + off;
    uint32_t type = nmx_ld32(b, be), len = nmx_ld32(b + 4, be);
    pcapng_pkt pk;
    (void)decode_pkt(cap, NULL, off, type, len, sec, 0, false, &pk);
    uint32_t g = sec->first_iface + pk.iface;
    const nmx_iface_rt *ifc = &cap->ifaces[g];
    out->ts_ns = pk.has_ts ? iface_time(ifc, pk.units) : 0;
    out->flags = pk.has_ts ? 0 : NMX_FRAME_NO_TIMESTAMP;
    out->caplen = pk.caplen;
    out->wirelen = pk.wirelen;
    out->data = cap->cur.base + pk.data;
    out->linktype = ifc->pub.linktype;
    out->mac_type = (uint16_t)nmx_mac_type_of_linktype(ifc->pub.linktype);
    out->interface_id = g;
    out->offset = off;
    uint64_t pos = pk.opts;
    pcapng_opt o;
    while (opt_next(cap->cur.base, be, &pos, pk.end, &o) == 1) {
        if (o.code == OPT_COMMENT) {
            out->comment = (const char *)cap->cur.base + o.off;
            out->comment_len = o.len;
            /* Some writers count a terminating NUL (and what follows it):
             * the comment ends at the first NUL, as tshark shows it. */
            const char *nul = memchr(out->comment, '\0', out->comment_len);
            if (nul)
                out->comment_len = (size_t)(nul - out->comment);
            break;
        }
    }
}

static void pcapng_frame(const nmx_capture *cap, uint64_t n, nmx_frame *out)
{
    pcapng_fill(cap, pcapng_entry(cap, n), out);
}

/* Searches (find.h): a frame's location is its index entry. */

static void pcapng_walk_find(nmx_capture *cap, uint64_t want, nmx__find *fl)
{
    (void)walk_on(cap, want, NULL, false, NULL, fl);
}

static void pcapng_peek(const nmx_capture *cap, uint64_t e, nmx__find_view *v)
{
    uint64_t off = e >> 16;
    const nmx_pcapng_section *sec = &cap->sections[e & 0xFFFF];
    const uint8_t *b = cap->cur.base + off;
    uint32_t type = nmx_ld32(b, sec->big_endian), len = nmx_ld32(b + 4, sec->big_endian);
    pcapng_pkt pk;
    (void)decode_pkt(cap, NULL, off, type, len, sec, 0, false, &pk);
    v->data = cap->cur.base + pk.data;
    v->caplen = pk.caplen;
    v->wirelen = pk.wirelen;
    v->linktype = cap->ifaces[sec->first_iface + pk.iface].pub.linktype;
    v->offset = off;
}

const nmx_reader nmx_reader_pcapng = { "pcapng",           pcapng_probe,       pcapng_open,
                                        pcapng_frame,       pcapng_extend,      pcapng_limit,
                                        pcapng_walk_find,   pcapng_entry,       pcapng_next_packet,
                                        pcapng_peek,        pcapng_fill };
