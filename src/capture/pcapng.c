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

typedef struct pcapng_state {
    nmx_capture *cap;
    char        *comment;
    size_t       comment_len, comment_cap;
    size_t       ifaces_cap;
} pcapng_state;

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

static nmx_err append_comment(pcapng_state *st, const uint8_t *p, size_t n)
{
    size_t need = st->comment_len + n + 2;
    if (need > st->comment_cap) {
        size_t ncap = st->comment_cap ? st->comment_cap : 64;
        while (ncap < need)
            ncap *= 2;
        char *q = realloc(st->comment, ncap);
        if (!q)
            return NMX_ENOMEM;
        st->comment = q;
        st->comment_cap = ncap;
    }
    if (st->comment_len)
        st->comment[st->comment_len++] = '\n';
    memcpy(st->comment + st->comment_len, p, n);
    st->comment_len += n;
    st->comment[st->comment_len] = '\0';
    return NMX_OK;
}

static nmx_err parse_shb(pcapng_state *st, nmx_diag *d, uint64_t off, uint32_t len, bool be)
{
    nmx_capture *cap = st->cap;
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
    if (cap->nsections >= NMX_PCAPNG_MAX_SECTIONS)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off, cap->nsections + 1,
                            NMX_PCAPNG_MAX_SECTIONS, "more than %u sections",
                            NMX_PCAPNG_MAX_SECTIONS);
    uint64_t end = off + len - 4, pos = off + 24;
    pcapng_opt o;
    int r;
    while ((r = opt_next(cap->cur.base, be, &pos, end, &o)) == 1) {
        if (o.code != OPT_COMMENT)
            continue;
        const uint8_t *nul = memchr(cap->cur.base + o.off, 0, o.len);
        size_t n = nul ? (size_t)(nul - (cap->cur.base + o.off)) : o.len;
        if (n && append_comment(st, cap->cur.base + o.off, n) != NMX_OK)
            return nmx_cap_diag(cap, d, NMX_ENOMEM, off, 0, 0, "out of memory");
    }
    if (r < 0)
        return opt_overrun(cap, d, &o, end, "section header block");
    if (cap->nsections == 0) {
        cap->ver_major = maj;
        cap->ver_minor = min;
    }
    nmx_pcapng_section *s = realloc(cap->sections, (cap->nsections + 1) * sizeof *s);
    if (!s)
        return nmx_cap_diag(cap, d, NMX_ENOMEM, off, 0, 0, "out of memory");
    cap->sections = s;
    s[cap->nsections].big_endian = be;
    s[cap->nsections].first_iface = (uint32_t)cap->nifaces;
    s[cap->nsections].niface = 0;
    cap->nsections++;
    return NMX_OK;
}

static nmx_err parse_idb(pcapng_state *st, nmx_diag *d, uint64_t off, uint32_t len, bool be)
{
    nmx_capture *cap = st->cap;
    if (len < 20)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 4, len, 20,
                            "interface description block length %u below minimum 20", len);
    if (cap->nifaces >= NMX_PCAPNG_MAX_INTERFACES)
        return nmx_cap_diag(cap, d, NMX_ECORRUPT, off, cap->nifaces + 1,
                            NMX_PCAPNG_MAX_INTERFACES, "more than %u interfaces",
                            NMX_PCAPNG_MAX_INTERFACES);
    nmx_iface_rt ifc;
    memset(&ifc, 0, sizeof ifc);
    nmx_cursor bc = nmx_cursor_make(cap->cur.base, cap->cur.size, be);
    uint16_t lt = 0;
    (void)nmx_cur_u16(&bc, off + 8, &lt);
    ifc.pub.linktype = lt;
    (void)nmx_cur_u32(&bc, off + 12, &ifc.pub.snaplen);
    ifc.pub.tsresol = 6;
    ifc.pub.section = (uint32_t)(cap->nsections - 1);
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
    if (cap->nifaces == st->ifaces_cap) {
        size_t ncap = st->ifaces_cap ? st->ifaces_cap * 2 : 4;
        nmx_iface_rt *p = realloc(cap->ifaces, ncap * sizeof *p);
        if (!p)
            return nmx_cap_diag(cap, d, NMX_ENOMEM, off, 0, 0, "out of memory");
        cap->ifaces = p;
        st->ifaces_cap = ncap;
    }
    if (name) {
        ifc.name_buf = malloc(name_len + 1);
        if (!ifc.name_buf)
            return nmx_cap_diag(cap, d, NMX_ENOMEM, off, 0, 0, "out of memory");
        memcpy(ifc.name_buf, name, name_len);
        ifc.name_buf[name_len] = '\0';
        ifc.pub.name = ifc.name_buf;
    }
    if (cap->nifaces == 0)
        cap->mac_type = nmx_mac_type_of_linktype(ifc.pub.linktype);
    cap->ifaces[cap->nifaces++] = ifc;
    cap->sections[cap->nsections - 1].niface++;
    return NMX_OK;
}

/* Units of an interface's resolution -> ns since the epoch (saturating). */
static int64_t iface_time(const nmx_iface_rt *ifc, uint64_t units)
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

/* Checks everything when checking is true (indexing); decodes only when it
 * is false (the block was checked). */
static nmx_err decode_pkt(const nmx_capture *cap, nmx_diag *d, uint64_t off, uint32_t type,
                          uint32_t len, const nmx_pcapng_section *sec, bool checking,
                          pcapng_pkt *pk)
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
        if (checking && sec->niface == 0)
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
        if (pk->iface >= sec->niface)
            return nmx_cap_diag(cap, d, NMX_ECORRUPT, off + 8, pk->iface, sec->niface,
                                "%s interface id %u not defined (section has %u)", what,
                                pk->iface, sec->niface);
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

static nmx_err pcapng_open(nmx_capture *cap, nmx_diag *diag)
{
    cap->format = NMX_FORMAT_PCAPNG;
    snprintf(cap->format_name, sizeof cap->format_name, "pcapng");
    pcapng_state st;
    memset(&st, 0, sizeof st);
    st.cap = cap;
    const uint8_t *base = cap->cur.base;
    const uint64_t size = cap->cur.size;
    uint64_t off = 0, pf_next = 0, done = 0;
    nmx_err ret = NMX_OK;
    while (off < size) {
        nmx_source_pass(&cap->src, &done, off);
        /* blocks are chained by their lengths: keep the next 4 KiB
         * requested from memory (hints; never fault) */
        for (; pf_next < off + 4096 && pf_next < size; pf_next += 64)
            __builtin_prefetch(base + pf_next);
        nmx_diag d;
        nmx_err e = NMX_OK;
        bool first = off == 0;
        uint64_t left = size - off;
        uint32_t type = 0, len = 0;
        bool be = false;
        if (left < 12) {
            e = nmx_cap_diag(cap, &d, NMX_ETRUNCATED, off, left, 12,
                             "block header truncated: %llu bytes left, needs 12",
                             (unsigned long long)left);
            goto damaged;
        }
        /* 12 bytes are left (checked above): type, length, and the BOM of
         * a section header; the trailing length only once len <= left. */
        type = nmx_ld32le(base + off);
        if (type == BT_SHB) {
            uint32_t bom = nmx_ld32le(base + off + 8);
            if (bom == PCAPNG_BOM) {
                be = false;
            } else if (bom == __builtin_bswap32(PCAPNG_BOM)) {
                be = true;
            } else {
                e = nmx_cap_diag(cap, &d, NMX_ECORRUPT, off + 8, bom, 0,
                                 "section header byte-order magic 0x%08x is not 0x1a2b3c4d", bom);
                goto damaged;
            }
        } else {
            be = cap->sections[cap->nsections - 1].big_endian;
            type = nmx_ld32(base + off, be);
        }
        len = nmx_ld32(base + off + 4, be);
        if (len < 12) {
            e = nmx_cap_diag(cap, &d, NMX_ECORRUPT, off + 4, len, 12,
                             "block total length %u below minimum 12", len);
        } else if (len % 4) {
            e = nmx_cap_diag(cap, &d, NMX_ECORRUPT, off + 4, len, 4,
                             "block total length %u is not a multiple of 4", len);
        } else if (len > NMX_PCAPNG_MAX_BLOCK) {
            e = nmx_cap_diag(cap, &d, NMX_ECORRUPT, off + 4, len, NMX_PCAPNG_MAX_BLOCK,
                             "block total length %u exceeds limit %u", len, NMX_PCAPNG_MAX_BLOCK);
        } else if (len > left) {
            e = nmx_cap_diag(cap, &d, NMX_ETRUNCATED, off + 4, len, left,
                             "block of %u bytes runs past the end of the file (%llu bytes left)",
                             len, (unsigned long long)left);
        } else if (nmx_ld32(base + off + len - 4, be) != len) {
            e = nmx_cap_diag(cap, &d, NMX_ECORRUPT, off + len - 4, nmx_ld32(base + off + len - 4, be),
                             len, "trailing block length %u differs from the leading length %u",
                             nmx_ld32(base + off + len - 4, be), len);
        } else if (off > NMX_CAPTURE_MAX_OFFSET) {
            e = nmx_cap_diag(cap, &d, NMX_ERANGE, off, off, NMX_CAPTURE_MAX_OFFSET,
                             "block offset exceeds the index limit");
        }
        if (e != NMX_OK)
            goto damaged;
        switch (type) {
        case BT_SHB:
            e = parse_shb(&st, &d, off, len, be);
            break;
        case BT_IDB:
            e = parse_idb(&st, &d, off, len, be);
            break;
        case BT_EPB:
        case BT_PB:
        case BT_SPB: {
            const nmx_pcapng_section *sec = &cap->sections[cap->nsections - 1];
            pcapng_pkt pk;
            e = decode_pkt(cap, &d, off, type, len, sec, true, &pk);
            if (e != NMX_OK)
                break;
            bool stop = false;
            ret = nmx_cap_add_frame(cap, off << 16 | (cap->nsections - 1), off, diag, &stop);
            if (stop)
                goto out;
            const nmx_iface_rt *ifc = &cap->ifaces[sec->first_iface + pk.iface];
            nmx_cap_note_linktype(cap, ifc->pub.linktype);
            if (!cap->has_start && pk.has_ts) {
                cap->has_start = true;
                cap->start_ns = iface_time(ifc, pk.units);
            }
            break;
        }
        default:
            break;
        }
        if (e != NMX_OK)
            goto damaged;
        off += len;
        continue;
    damaged:
        if (first || e == NMX_ENOMEM) {
            if (diag)
                *diag = d;
            ret = e;
        } else {
            ret = nmx_cap_damage(cap, &d, diag);
        }
        goto out;
    }
out:
    if (st.comment) {
        cap->comment = st.comment;
        cap->comment_ptr = st.comment;
        cap->comment_len = st.comment_len;
    }
    return ret;
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
    struct pcapng_group *g = &tl_group;
    if (g->serial != cap->serial || n - g->first >= g->size) {
        uint64_t slot = n / NMX_INDEX_STRIDE, first = slot * NMX_INDEX_STRIDE;
        uint64_t end = cap->nframes - first > NMX_INDEX_STRIDE ? first + NMX_INDEX_STRIDE
                                                               : cap->nframes;
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

static void pcapng_frame(const nmx_capture *cap, uint64_t n, nmx_frame *out)
{
    uint64_t e = pcapng_entry(cap, n);
    uint64_t off = e >> 16;
    const nmx_pcapng_section *sec = &cap->sections[e & 0xFFFF];
    bool be = sec->big_endian;
    const uint8_t *b = cap->cur.base + off;
    uint32_t type = nmx_ld32(b, be), len = nmx_ld32(b + 4, be);
    pcapng_pkt pk;
    (void)decode_pkt(cap, NULL, off, type, len, sec, false, &pk);
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

const nmx_reader nmx_reader_pcapng = { "pcapng", pcapng_probe, pcapng_open, pcapng_frame, NULL,
                                        NULL };
