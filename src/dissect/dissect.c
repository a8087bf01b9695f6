/*
 * dissect.c: the per-frame driver.
 *
 * Input: one frame (bytes, captured and wire length, link type). The driver
 * runs FRAME, then whichever protocol each layer names as the next one
 * (nmx_dis_next*), up to NMX_DIS_MAX_LAYERS deep, and fills Network
 * Monitor's RECOGNIZEDATATABLE and PROPERTYTABLE as it goes. All memory is
 * the dissector's own and reused from frame to frame: in steady state a
 * dissection allocates nothing (the instance array grows only for a frame
 * larger than any before it). See docs/dissectors.md.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dissect_int.h"

#define NMX_DIS_MAX_LAYERS 32
#define NMX_DIS_MAX_INSTS  65535u   /* PROPERTYINSTTABLE counts are WORDs */
#define NMX_EX_CHUNK       (64u * 1024u)
#define NMX_LVL_DEF        0x100u   /* new_inst: the property's own level */

struct ex_chunk {
    struct ex_chunk *next;
    uint32_t used, cap;
    _Alignas(16) uint8_t data[];
};

struct nmx_dissector {
    nmx_dis_hot hot;            /* first: nmx_dis_attach() reads it      */
    /* the frame */
    const uint8_t *frame;
    uint32_t caplen, wirelen;
    const nmx_frame *fr;
    nmx_frame test_frame;   /* the frame record of nmx__dissect_from() */
    int64_t prev_ts_ns;
    /* layers */
    unsigned nlayers, cur;
    nmx_layer *cl;              /* &layers[cur] ...                        */
    const nmx_protocol *cp;     /* ... and its protocol (defs[cur])       */
    nmx_layer layers[NMX_DIS_MAX_LAYERS];
    uint32_t aux[NMX_DIS_MAX_LAYERS][2];
    const nmx_protocol *defs[NMX_DIS_MAX_LAYERS];
    const nmx_protocol *next;
    nmx_span next_span;
    /* Network Monitor's tables */
    RECOGNIZEDATATABLE *rec;
    PROPERTYTABLE *pt;
    bool inst_full;
    /* The last lookup of each hand-off table: frames of one flow ask the
     * same keys over and over (the tables never change once built). */
    struct {
        uint32_t key;
        bool set;
        const nmx_protocol *p;
    } ho_last[NMX_HO_COUNT_];
    nmx__day_cache day;
    struct ex_chunk *ex_head, *ex_cur;
};

/* The inline attaches of dissect_int.h read the dissector as its hot part. */
_Static_assert(offsetof(struct nmx_dissector, hot) == 0, "nmx_dis_hot must come first");

nmx_dissector *nmx_dissector_new(void)
{
    nmx__dissect_init();
    nmx_dissector *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->rec = calloc(1, sizeof *d->rec + NMX_DIS_MAX_LAYERS * sizeof(RECOGNIZEDATA));
    d->pt = calloc(1, sizeof *d->pt + NMX_DIS_MAX_LAYERS * sizeof(PROPERTYINSTTABLE));
    if (!d->rec || !d->pt) {
        nmx_dissector_free(d);
        return NULL;
    }
    return d;
}

void nmx_dissector_free(nmx_dissector *d)
{
    if (!d)
        return;
    for (struct ex_chunk *c = d->ex_head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(d->hot.inst);
    free(d->rec);
    free(d->pt);
    free(d);
}

/* The instance array and the first chunk of decoded values, made at the
 * first attaching dissection and kept: the array holds the most instances
 * a frame can have (PROPERTYINSTTABLE counts are WORDs), about 2.6 MB of
 * address space of which only what the richest frame so far used is ever
 * touched (the allocator maps a block this large lazily). So after the
 * first attaching dissection nothing is allocated, whatever the order of
 * frame sizes; only a frame whose decoded values exceed a chunk adds one. */
static bool reserve_insts(nmx_dissector *d)
{
    if (d->hot.inst)
        return true;
    PROPERTYINST *n = malloc((size_t)NMX_DIS_MAX_INSTS * sizeof *n);
    if (!n)
        return false;
    d->hot.inst = n;
    d->hot.cap_inst = NMX_DIS_MAX_INSTS;
    return true;
}

static struct ex_chunk *ex_new_chunk(size_t n)
{
    size_t cap = n > NMX_EX_CHUNK ? n : NMX_EX_CHUNK;
    struct ex_chunk *c = malloc(sizeof *c + cap);
    if (!c)
        return NULL;
    c->used = 0;
    c->cap = (uint32_t)cap;
    c->next = NULL;
    return c;
}

/* Decoded values are bump-allocated from 64 KiB chunks kept from frame to
 * frame. The cursor into the current chunk (d->hot.ex_next, ex_room) is
 * what the inline nmx_dis_attach_ex() takes from; chunk->used is brought
 * up to date when the cursor leaves a chunk. Chunks are used in list
 * order, so the ones after the current chunk are empty. */
static void *ex_alloc(nmx_dissector *d, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (d->hot.ex_room < n) {
        struct ex_chunk *c = d->ex_cur;
        if (c) {
            c->used = c->cap - d->hot.ex_room;
            c = c->next;
        }
        while (c && c->cap < n)
            c = c->next;
        if (!c) {
            if (!(c = ex_new_chunk(n)))
                return NULL;
            if (!d->ex_head) {
                d->ex_head = c;
            } else {
                struct ex_chunk *t = d->ex_head;
                while (t->next)
                    t = t->next;
                t->next = c;
            }
        }
        d->ex_cur = c;
        d->hot.ex_next = c->data;
        d->hot.ex_room = c->cap;
    }
    void *p = d->hot.ex_next;
    d->hot.ex_next += n;
    d->hot.ex_room -= (uint32_t)n;
    return p;
}

static void ex_reset(nmx_dissector *d)
{
    for (struct ex_chunk *c = d->ex_head; c; c = c->next)
        c->used = 0;
    d->ex_cur = d->ex_head;
    d->hot.ex_next = d->ex_head ? d->ex_head->data : NULL;
    d->hot.ex_room = d->ex_head ? d->ex_head->cap : 0;
}

/* ---- what protocol files call ------------------------------------------ */

nmx_rd nmx_dis_rd(const nmx_dis *d, nmx_span s)
{
    if (s.off > d->caplen)
        return nmx_rd_make(d->frame, 0);
    uint32_t len = s.len <= d->caplen - s.off ? s.len : d->caplen - s.off;
    return nmx_rd_make(d->frame + s.off, len);
}

nmx_span nmx_span_quoted(nmx_span s, uint32_t declared)
{
    if (declared > s.wire)
        s.wire = declared;
    return s;
}

bool nmx_dis_attaching(const nmx_dis *d)
{
    return d->hot.attach;
}

static nmx_layer *cur_layer(nmx_dis *d)
{
    return d->cl;
}

void nmx_dis_truncated(nmx_dis *d)
{
    nmx_layer *l = cur_layer(d);
    if (l->status == NMX_LAYER_OK)
        l->status = NMX_LAYER_TRUNCATED;
}

void nmx_dis_malformed(nmx_dis *d, PROPERTYINST *pi)
{
    if (pi)
        pi->IFlags |= IFLAG_ERROR;
    cur_layer(d)->status = NMX_LAYER_MALFORMED;
}

/* Recognise-only: no instance, but the same verdict on the bytes as
 * new_inst() gives. */
static PROPERTYINST *no_inst(nmx_dis *d, uint32_t off, uint32_t len)
{
    if (nmx__dis_uncaptured(&d->hot, off, len))
        nmx_dis_truncated(d);
    return NULL;
}

/* The hot path of every attach: one instance of the current layer. */
static inline PROPERTYINST *new_inst(nmx_dis *d, unsigned prop, uint32_t off, uint32_t len,
                                     unsigned level)
{
    const nmx_layer *l = d->cl;
    const nmx_protocol *p = d->cp;
    if (prop >= p->nprops)
        return NULL;
    /* Only captured bytes are attached. */
    if (nmx__dis_uncaptured(&d->hot, off, len)) {
        nmx_dis_truncated(d);
        return NULL;
    }
    if (len > 0xFFFEu)
        len = 0xFFFEu;  /* 0xFFFF means "extended" in a PROPERTYINST */
    if (d->hot.ninst >= d->hot.cap_inst) {
        d->inst_full = true;
        return NULL;
    }
    nmx_propdef *def = &p->props[prop];
    PROPERTYINST *pi = &d->hot.inst[d->hot.ninst++];
    pi->lpPropertyInfo = &def->info;
    pi->szPropertyText = NULL;
    pi->lpData = (LPVOID)(uintptr_t)(d->frame + l->offset + off);
    pi->DataLength = (WORD)len;
    pi->Level = (level == NMX_LVL_DEF ? def->level : level) & 0xFu;
    pi->HelpID = 0;
    pi->IFlags = def->iflags;
    return pi;
}

PROPERTYINST *nmx_dis_attach_lvl(nmx_dis *d, unsigned prop, uint32_t off, uint32_t len,
                                 unsigned level)
{
    if (!d->hot.attach)
        return no_inst(d, off, len);
    return new_inst(d, prop, off, len, level & 0xFu);
}

PROPERTYINST *nmx__dis_attach_slow(nmx_dis *d, unsigned prop, uint32_t off, uint32_t len)
{
    if (!d->hot.attach)
        return no_inst(d, off, len);
    return new_inst(d, prop, off, len, NMX_LVL_DEF);
}

PROPERTYINST *nmx__dis_attach_ex_slow(nmx_dis *d, unsigned prop, uint32_t off, uint32_t len,
                                      const void *ex, uint32_t exlen, unsigned level)
{
    if (!d->hot.attach)
        return no_inst(d, off, len);
    PROPERTYINST *pi = new_inst(d, prop, off, len, level & 0xFu);
    if (!pi)
        return NULL;
    if (exlen > 0xFFFFu)
        exlen = 0xFFFFu;
    PROPERTYINSTEX *x = ex_alloc(d, NMX_EX_SIZE(exlen));
    if (!x) {
        d->hot.ninst--;
        return NULL;
    }
    x->Length = pi->DataLength;
    x->LengthEx = (WORD)exlen;
    x->lpData = pi->lpData;
    if (exlen)
        memcpy(x->Byte, ex, exlen);
    x->Byte[exlen] = 0; /* strings stay NUL-terminated for convenience */
    pi->lpPropertyInstEx = x;
    pi->DataLength = PROPERTYINST_EX_LENGTH;
    return pi;
}

PROPERTYINST *nmx__dis_reserve(nmx_dis *d, unsigned n, void **ex, size_t size)
{
    if (!d->hot.attach || n > d->hot.cap_inst - d->hot.ninst)
        return NULL;
    if (!(*ex = ex_alloc(d, size)))
        return NULL;
    PROPERTYINST *pi = &d->hot.inst[d->hot.ninst];
    d->hot.ninst += n;
    return pi;
}

void nmx_dis_set_aux(nmx_dis *d, unsigned i, uint32_t v)
{
    if (i < 2)
        d->aux[d->cur][i] = v;
}

const nmx_layer *nmx_dis_parent(const nmx_dis *d)
{
    return d->cur > 0 ? &d->layers[d->cur - 1] : NULL;
}

const uint8_t *nmx_dis_frame(const nmx_dis *d)
{
    return d->frame;
}

void nmx_dis_next_proto(nmx_dis *d, const nmx_protocol *p, nmx_span s)
{
    /* Nothing captured: nothing to recognise. */
    if (!p || s.len == 0 || s.off >= d->caplen)
        return;
    d->next = p;
    d->next_span = s;
}

bool nmx_dis_next(nmx_dis *d, nmx_ho table, uint32_t key, nmx_span s)
{
    const nmx_protocol *p;
    if (table > NMX_HO_NONE && table < NMX_HO_COUNT_) {
        if (d->ho_last[table].set && d->ho_last[table].key == key) {
            p = d->ho_last[table].p;
        } else {
            p = nmx__handoff_find(table, key);
            d->ho_last[table].key = key;
            d->ho_last[table].p = p;
            d->ho_last[table].set = true;
        }
    } else {
        p = NULL;
    }
    if (!p)
        return false;
    nmx_dis_next_proto(d, p, s);
    return true;
}

bool nmx_dis_next_port(nmx_dis *d, nmx_ho table, uint16_t a, uint16_t b, nmx_span s)
{
    uint16_t lo = a < b ? a : b, hi = a < b ? b : a;
    return nmx_dis_next(d, table, lo, s) || nmx_dis_next(d, table, hi, s);
}

/* ---- the driver --------------------------------------------------------- */

const nmx_frame *nmx__dis_frame_rec(const nmx_dis *d, int64_t *prev_ts_ns)
{
    *prev_ts_ns = d->prev_ts_ns;
    return d->fr;
}

nmx__day_cache *nmx__dis_day_cache(nmx_dis *d)
{
    return &d->day;
}

static void run_layer(nmx_dissector *d, const nmx_protocol *p, nmx_span s)
{
    unsigned i = d->nlayers++;
    struct _PROTOCOL *rt = nmx__proto_rt(p);
    nmx_layer *l = &d->layers[i];
    l->name = p->name;
    l->proto = rt;
    l->offset = s.off;
    l->caplen = s.len;
    l->length = s.wire;
    l->status = NMX_LAYER_OK;
    l->first_inst = d->hot.ninst;
    l->ninst = 0;
    d->aux[i][0] = d->aux[i][1] = 0;
    d->defs[i] = p;
    RECOGNIZEDATA *r = &d->rec->RecognizeData[i];
    r->ProtocolID = (WORD)rt->info.ProtocolID;
    r->nProtocolOffset = (WORD)(s.off > 0xFFFFu ? 0xFFFFu : s.off);
    r->InstData = l;
    d->cur = i;
    d->cl = l;
    d->cp = p;
    d->hot.lbase = d->frame + s.off;
    d->hot.lcaplen = s.len;
    d->hot.props = p->props;
    d->hot.nprops = p->nprops;
    d->next = NULL;
    p->dissect(d, s);
    /* The innermost layer owns all of its bytes: when the capture ends
     * before them and nothing took the rest on, it is cut short, whatever
     * the protocol file says of its header. Only the capture's end counts:
     * a datagram quoted in part by an ICMP error (nmx_span_quoted) also
     * has fewer bytes than it declares, but the quoter cut it, not the
     * snap length, and it is whole as a quote. */
    if (!d->next && l->status == NMX_LAYER_OK && l->caplen < l->length &&
        d->caplen < d->wirelen && l->offset + l->caplen >= d->caplen)
        l->status = NMX_LAYER_TRUNCATED;
    l->ninst = d->hot.ninst - l->first_inst;
    d->pt->PropertyInstTable[i].nPropertyInsts = (WORD)l->ninst;
    d->pt->PropertyInstTable[i].nPropertyInstIndex = (WORD)l->first_inst;
}

/* Runs protocol `p` over the frame `fr` and everything it hands off to. */
static nmx_err dissect_run(nmx_dissector *d, const nmx_frame *fr, int64_t prev_ts_ns,
                           unsigned flags, const nmx_protocol *p)
{
    if (!d || !fr || (!fr->data && fr->caplen))
        return NMX_EINVAL;
    d->hot.attach = (flags & NMX_DIS_ATTACH) != 0;
    if (d->hot.attach && !reserve_insts(d))
        return NMX_ENOMEM;
    if (d->hot.attach && !d->ex_head) {
        if (!(d->ex_head = ex_new_chunk(0)))
            return NMX_ENOMEM;
    }
    d->fr = fr;
    d->frame = fr->data;
    d->caplen = fr->caplen;
    d->wirelen = fr->wirelen > fr->caplen ? fr->wirelen : fr->caplen;
    d->prev_ts_ns = prev_ts_ns;
    d->nlayers = 0;
    d->hot.ninst = 0;
    d->inst_full = false;
    d->next = NULL;
    ex_reset(d);

    nmx_span s = { 0, d->caplen, d->wirelen };
    run_layer(d, p, s);
    while (d->next && d->nlayers < NMX_DIS_MAX_LAYERS)
        run_layer(d, d->next, d->next_span);

    d->rec->nRecognizeDatas = (WORD)d->nlayers;
    d->pt->lpFormatBuffer = NULL;
    d->pt->FormatBufferLength = 0;
    d->pt->nTotalPropertyInsts = d->hot.attach ? d->hot.ninst : 0;
    d->pt->lpFirstPropertyInst = d->hot.attach ? d->hot.inst : NULL;
    d->pt->nPropertyInstTables = (BYTE)d->nlayers;
    return NMX_OK;
}

nmx_err nmx_dissect(nmx_dissector *d, const nmx_frame *fr, int64_t prev_ts_ns, unsigned flags)
{
    return dissect_run(d, fr, prev_ts_ns, flags, &nmx_proto_frame);
}

nmx_err nmx__dissect_from(nmx_dissector *d, const nmx_protocol *p, const uint8_t *bytes,
                          uint32_t caplen, uint32_t wirelen, unsigned flags)
{
    if (!d || !p)
        return NMX_EINVAL;
    memset(&d->test_frame, 0, sizeof d->test_frame);
    d->test_frame.data = bytes;
    d->test_frame.caplen = caplen;
    d->test_frame.wirelen = wirelen;
    d->test_frame.linktype = NMX_LINKTYPE_NONE;
    return dissect_run(d, &d->test_frame, 0, flags, p);
}

unsigned nmx_dissect_nlayers(const nmx_dissector *d)
{
    return d ? d->nlayers : 0;
}

const nmx_layer *nmx_dissect_layer(const nmx_dissector *d, unsigned i)
{
    return d && i < d->nlayers ? &d->layers[i] : NULL;
}

RECOGNIZEDATATABLE *nmx_dissect_recognized(nmx_dissector *d)
{
    return d ? d->rec : NULL;
}

PROPERTYTABLE *nmx_dissect_properties(nmx_dissector *d)
{
    return d && d->hot.attach ? d->pt : NULL;
}

bool nmx_dissect_owns(const nmx_dissector *d, const PROPERTYINST *pi)
{
    if (!d || !d->hot.attach || !d->hot.inst || d->hot.ninst == 0)
        return false;
    uintptr_t a = (uintptr_t)pi, b = (uintptr_t)d->hot.inst;
    if (a < b || a >= b + (uintptr_t)d->hot.ninst * sizeof *d->hot.inst)
        return false;
    return (a - b) % sizeof *d->hot.inst == 0;
}

/* The layer whose instances include pi (pi owned by d). */
static unsigned layer_of(const nmx_dissector *d, const PROPERTYINST *pi)
{
    uint32_t idx = (uint32_t)(pi - d->hot.inst);
    for (unsigned i = d->nlayers; i-- > 0;)
        if (idx >= d->layers[i].first_inst)
            return i;
    return 0;
}

static bool fmt_ctx(const nmx_dissector *d, const PROPERTYINST *pi, nmx_fmtctx *c)
{
    if (!nmx_dissect_owns(d, pi))
        return false;
    unsigned li = layer_of(d, pi);
    const nmx_protocol *p = d->defs[li];
    const nmx_propdef *def = (const nmx_propdef *)(const void *)pi->lpPropertyInfo;
    if (def < p->props || def >= p->props + p->nprops)
        return false; /* an expert rewrote lpPropertyInfo */
    c->pi = pi;
    c->def = def;
    c->prop = (unsigned)(def - p->props);
    c->layer = &d->layers[li];
    c->frame = d->frame;
    c->caplen = d->caplen;
    c->dis = d;
    return true;
}

size_t nmx_dissect_text(const nmx_dissector *d, const PROPERTYINST *pi, char *buf, size_t n)
{
    nmx_fmtctx c;
    if (!fmt_ctx(d, pi, &c))
        return 0;
    if (n && buf)
        buf[0] = 0;
    const nmx_protocol *p = d->defs[c.layer - d->layers];
    if (p->format) {
        size_t r = p->format(&c, buf, n);
        if (r != (size_t)-1)
            return r;
    }
    return nmx__format_generic(&c, buf, n);
}

uint32_t nmx_fmt_aux(const nmx_fmtctx *c, unsigned i)
{
    const nmx_dissector *d = c->dis;
    ptrdiff_t k = c->layer - d->layers;
    if (k < 0 || k >= (ptrdiff_t)d->nlayers || i >= 2)
        return 0;
    return d->aux[k][i];
}

const nmx_layer *nmx_fmt_layer(const nmx_fmtctx *c, int rel)
{
    const nmx_dissector *d = c->dis;
    ptrdiff_t k = (c->layer - d->layers) + rel;
    return k >= 0 && k < (ptrdiff_t)d->nlayers ? &d->layers[k] : NULL;
}


/* A protocol's own bit lines (nmx_protocol.bits) stop at the first empty
 * line; this bounds the count whatever a hook does (a 64-bit value has
 * at most 64 one-bit fields). */
#define NMX_MAX_BIT_LINES 64u

static const nmx_protocol *proto_of(const nmx_fmtctx *c)
{
    return c->dis->defs[c->layer - c->dis->layers];
}

unsigned nmx_dissect_nbits(const nmx_dissector *d, const PROPERTYINST *pi)
{
    nmx_fmtctx c;
    if (!fmt_ctx(d, pi, &c))
        return 0;
    const nmx_protocol *p = proto_of(&c);
    if (p->bits && nmx__bits_count(&c) > 0 && p->bits(&c, 0, NULL, 0) != (size_t)-1) {
        unsigned k = 0;
        while (k < NMX_MAX_BIT_LINES && p->bits(&c, k, NULL, 0) != 0)
            k++;
        return k;
    }
    return nmx__bits_count(&c);
}

size_t nmx_dissect_bit_text(const nmx_dissector *d, const PROPERTYINST *pi, unsigned k,
                            char *buf, size_t n)
{
    nmx_fmtctx c;
    if (!fmt_ctx(d, pi, &c))
        return 0;
    if (n && buf)
        buf[0] = 0;
    const nmx_protocol *p = proto_of(&c);
    if (p->bits && nmx__bits_count(&c) > 0) {
        size_t r = p->bits(&c, 0, NULL, 0);
        if (r != (size_t)-1)
            return k < NMX_MAX_BIT_LINES ? p->bits(&c, k, buf, n) : 0;
    }
    return nmx__bits_text(&c, k, buf, n);
}
