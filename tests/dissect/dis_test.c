/*
 * dis_test.c: the protocol tests' shared frame building, dissection and
 * cut-at-every-byte checks (see dis_test.h).
 */
#include "dis_test.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building frames --------------------------------------------------- */

void dt_reset(dt_buf *f)
{
    f->n = 0;
}

static void room(dt_buf *f, size_t n)
{
    if (n > DT_BUF_CAP - f->n) {
        fail_msg("a frame of more than %u bytes", DT_BUF_CAP);
        abort();
    }
}

uint32_t dt_put(dt_buf *f, const void *p, size_t n)
{
    uint32_t at = f->n;
    room(f, n);
    if (n)
        memcpy(f->b + f->n, p, n);
    f->n += (uint32_t)n;
    return at;
}

uint32_t dt_u8(dt_buf *f, unsigned v)
{
    uint8_t c = (uint8_t)v;
    return dt_put(f, &c, 1);
}

uint32_t dt_be16(dt_buf *f, unsigned v)
{
    uint8_t c[2];
    dt_wbe16(c, v);
    return dt_put(f, c, 2);
}

uint32_t dt_be32(dt_buf *f, uint32_t v)
{
    uint8_t c[4];
    dt_wbe32(c, v);
    return dt_put(f, c, 4);
}

uint32_t dt_le16(dt_buf *f, unsigned v)
{
    uint8_t c[2];
    dt_wle16(c, v);
    return dt_put(f, c, 2);
}

uint32_t dt_le32(dt_buf *f, uint32_t v)
{
    uint8_t c[4];
    dt_wle32(c, v);
    return dt_put(f, c, 4);
}

uint32_t dt_fill(dt_buf *f, unsigned v, size_t n)
{
    uint32_t at = f->n;
    room(f, n);
    memset(f->b + f->n, (int)(uint8_t)v, n);
    f->n += (uint32_t)n;
    return at;
}

uint32_t dt_str(dt_buf *f, const char *s)
{
    return dt_put(f, s, strlen(s));
}

uint32_t dt_ip4addr(dt_buf *f, const char *text)
{
    uint8_t a[4];
    if (inet_pton(AF_INET, text, a) != 1)
        fail_msg("not an IPv4 address: %s", text);
    return dt_put(f, a, 4);
}

uint32_t dt_ip6addr(dt_buf *f, const char *text)
{
    uint8_t a[16];
    if (inet_pton(AF_INET6, text, a) != 1)
        fail_msg("not an IPv6 address: %s", text);
    return dt_put(f, a, 16);
}

void dt_set_be16(dt_buf *f, size_t at, unsigned v)
{
    assert_true(at + 2 <= f->n);
    dt_wbe16(f->b + at, v);
}

void dt_patch_be(dt_buf *f, size_t at, unsigned width)
{
    assert_true(width <= 8 && at + width <= f->n);
    uint64_t v = f->n - at - width;
    for (unsigned i = 0; i < width; i++)
        f->b[at + i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

void dt_wbe16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void dt_wbe32(uint8_t *p, uint32_t v)
{
    dt_wbe16(p, v >> 16);
    dt_wbe16(p + 2, v & 0xFFFFu);
}

void dt_wle16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void dt_wle32(uint8_t *p, uint32_t v)
{
    dt_wle16(p, v & 0xFFFFu);
    dt_wle16(p + 2, v >> 16);
}

const uint8_t dt_mac_a[6] = { 0x00, 0x1B, 0xD4, 0x1B, 0xA4, 0xD8 };
const uint8_t dt_mac_b[6] = { 0x00, 0x13, 0xC3, 0xDF, 0xAE, 0x18 };

uint32_t dt_eth(dt_buf *f, const uint8_t *dst, const uint8_t *src, unsigned type)
{
    uint32_t at = dt_put(f, dst ? dst : dt_mac_a, 6);
    dt_put(f, src ? src : dt_mac_b, 6);
    dt_be16(f, type);
    return at;
}

uint32_t dt_ip4(dt_buf *f, unsigned total, unsigned proto, const char *src, const char *dst)
{
    uint32_t at = dt_u8(f, 0x45);
    dt_u8(f, 0);
    dt_be16(f, total);
    dt_be16(f, 0x1234);
    dt_be16(f, 0);
    dt_u8(f, 64);
    dt_u8(f, proto);
    dt_be16(f, 0);
    dt_ip4addr(f, src);
    dt_ip4addr(f, dst);
    return at;
}

uint32_t dt_ip6(dt_buf *f, uint32_t tcfl, unsigned plen, unsigned nh, unsigned hlim,
                const char *src, const char *dst)
{
    dt_be32(f, 6u << 28 | (tcfl & 0x0FFFFFFFu));
    uint32_t at = dt_be16(f, plen);
    dt_u8(f, nh);
    dt_u8(f, hlim);
    dt_ip6addr(f, src);
    dt_ip6addr(f, dst);
    return at;
}

uint32_t dt_udp(dt_buf *f, unsigned sport, unsigned dport, unsigned len)
{
    uint32_t at = dt_be16(f, sport);
    dt_be16(f, dport);
    dt_be16(f, len);
    dt_be16(f, 0);
    return at;
}

uint32_t dt_tcp(dt_buf *f, unsigned sport, unsigned dport, uint32_t seq, uint32_t ack)
{
    uint32_t at = dt_be16(f, sport);
    dt_be16(f, dport);
    dt_be32(f, seq);
    dt_be32(f, ack);
    dt_be16(f, 0x5018);   /* data offset 5, PSH ACK */
    dt_be16(f, 8192);
    dt_be32(f, 0);
    return at;
}

void dt_ip_frame(dt_buf *f, unsigned proto, unsigned sport, unsigned dport, const void *pl,
                 size_t n, const char *dst)
{
    static const uint8_t a[6] = { 0, 1, 2, 3, 4, 5 }, b[6] = { 0, 6, 7, 8, 9, 10 };
    unsigned l4 = proto == 17 ? 8 : 20;
    dt_reset(f);
    dt_eth(f, a, b, 0x0800);
    dt_ip4(f, (unsigned)(20 + l4 + n), proto, "10.0.0.1", dst);
    if (proto == 17)
        dt_udp(f, sport, dport, (unsigned)(8 + n));
    else
        dt_tcp(f, sport, dport, 1000, 2000);
    dt_put(f, pl, n);
}

static size_t at_pointer(uint8_t *p, const dt_buf *f)
{
    memcpy(p, f->b, f->n);
    return f->n;
}

size_t dt_eth_at(uint8_t *p, unsigned type)
{
    static dt_buf f;
    dt_reset(&f);
    dt_eth(&f, NULL, NULL, type);
    return at_pointer(p, &f);
}

size_t dt_ip4_at(uint8_t *p, unsigned proto, unsigned plen)
{
    static dt_buf f;
    dt_reset(&f);
    dt_ip4(&f, 20 + plen, proto, "10.0.0.1", "10.0.0.2");
    return at_pointer(p, &f);
}

size_t dt_ip6_at(uint8_t *p, unsigned nh, unsigned plen)
{
    static dt_buf f;
    dt_reset(&f);
    dt_ip6(&f, 0, plen, nh, 64, "2001:db8::1", "2001:db8::2");
    return at_pointer(p, &f);
}

size_t dt_ip_frame_at(uint8_t *out, size_t cap, unsigned proto, unsigned sport, unsigned dport,
                      const void *pl, size_t n, const char *dst)
{
    static dt_buf f;
    dt_ip_frame(&f, proto, sport, dport, pl, n, dst);
    assert_true(f.n <= cap);
    return at_pointer(out, &f);
}

/* ---- dissecting -------------------------------------------------------- */

static nmx_dissector *g_dis;
static uint8_t *g_copy;   /* the exact-size copy the last run read */
static uint32_t g_cap;    /* its length */
static nmx_frame g_fr;

nmx_dissector *dt_dis(void)
{
    if (!g_dis)
        g_dis = nmx_dissector_new();
    assert_non_null(g_dis);
    return g_dis;
}

void dt_done(void)
{
    nmx_dissector_free(g_dis);
    g_dis = NULL;
    free(g_copy);
    g_copy = NULL;
    g_cap = 0;
}

const uint8_t *dt_data(void)
{
    return g_copy;
}

uint32_t dt_caplen(void)
{
    return g_cap;
}

void dt_run_src(dt_src src, const void *b, uint32_t cap, uint32_t wire, unsigned flags)
{
    nmx_dissector *d = dt_dis();
    free(g_copy);
    g_copy = malloc(cap ? cap : 1);
    assert_non_null(g_copy);
    if (cap)
        memcpy(g_copy, b, cap);
    g_cap = cap;
    if (src.from) {
        assert_int_equal(nmx__dissect_from(d, src.from, g_copy, cap, wire, flags), NMX_OK);
        return;
    }
    memset(&g_fr, 0, sizeof g_fr);
    g_fr.data = g_copy;
    g_fr.caplen = cap;
    g_fr.wirelen = wire;
    g_fr.linktype = src.linktype;
    g_fr.netmon_media = src.media;
    assert_int_equal(nmx_dissect(d, &g_fr, 0, flags), NMX_OK);
}

void dt_run(const void *b, uint32_t cap, uint32_t wire, uint32_t linktype, unsigned flags)
{
    dt_run_src(DT_LINK(linktype), b, cap, wire, flags);
}

void dt_dissect(const void *b, uint32_t len, uint32_t lt)
{
    dt_run(b, len, len, lt, NMX_DIS_ATTACH);
}

/* ---- looking at the result -------------------------------------------- */

const char *dt_chain(void)
{
    static char s[1024];
    size_t k = 0;
    s[0] = 0;
    for (unsigned i = 0; i < dt_nlayers(); i++) {
        int w = snprintf(s + k, sizeof s - k, "%s%s", i ? " " : "",
                         nmx_dissect_layer(dt_dis(), i)->name);
        if (w < 0 || (size_t)w >= sizeof s - k)
            break;
        k += (size_t)w;
    }
    return s;
}

unsigned dt_nlayers(void)
{
    return nmx_dissect_nlayers(dt_dis());
}

const nmx_layer *dt_layer_at(unsigned i)
{
    const nmx_layer *l = nmx_dissect_layer(dt_dis(), i);
    if (!l) {
        fail_msg("no layer %u in \"%s\"", i, dt_chain());
        abort();
    }
    return l;
}

const nmx_layer *dt_top(void)
{
    unsigned n = dt_nlayers();
    assert_true(n > 0);
    return dt_layer_at(n - 1);
}

const nmx_layer *dt_layer(const char *name, unsigned nth)
{
    for (unsigned i = 0; i < dt_nlayers(); i++) {
        const nmx_layer *l = nmx_dissect_layer(dt_dis(), i);
        if (strcmp(l->name, name) == 0 && nth-- == 0)
            return l;
    }
    return NULL;
}

const nmx_layer *dt_need_layer(const char *name, unsigned nth)
{
    const nmx_layer *l = dt_layer(name, nth);
    if (!l) {
        fail_msg("no layer %s #%u in \"%s\"", name, nth, dt_chain());
        abort();
    }
    return l;
}

unsigned dt_nlayers_named(const char *name)
{
    unsigned n = 0;
    while (dt_layer(name, n))
        n++;
    return n;
}

nmx_layer_status dt_status(const char *name)
{
    return dt_need_layer(name, 0)->status;
}

const PROPERTYINST *dt_inst(const nmx_layer *l, const char *label, unsigned nth)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(dt_dis());
    if (!l || !pt)
        return NULL;
    for (uint32_t i = 0; i < l->ninst; i++) {
        const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + i];
        if (strcmp(pi->lpPropertyInfo->Label, label) == 0 && nth-- == 0)
            return pi;
    }
    return NULL;
}

const PROPERTYINST *dt_need_inst(const nmx_layer *l, const char *label, unsigned nth)
{
    const PROPERTYINST *pi = dt_inst(l, label, nth);
    if (!pi) {
        fail_msg("%s has no \"%s\" #%u (%s)", l ? l->name : "(no layer)", label, nth,
                 dt_chain());
        abort();
    }
    return pi;
}

unsigned dt_ninst(const nmx_layer *l, const char *label)
{
    unsigned n = 0;
    while (dt_inst(l, label, n))
        n++;
    return n;
}

const char *dt_text(const PROPERTYINST *pi)
{
    static char buf[4096];
    assert_non_null(pi);
    nmx_dissect_text(dt_dis(), pi, buf, sizeof buf);
    return buf;
}

const char *dt_bit_text(const PROPERTYINST *pi, unsigned k)
{
    static char buf[512];
    assert_non_null(pi);
    nmx_dissect_bit_text(dt_dis(), pi, k, buf, sizeof buf);
    return buf;
}

const char *dt_ptext(const char *name, unsigned lnth, const char *label, unsigned nth)
{
    return dt_text(dt_need_inst(dt_need_layer(name, lnth), label, nth));
}

uint64_t dt_num(const PROPERTYINST *pi)
{
    uint64_t v = 0;
    assert_non_null(pi);
    assert_true(nmx__inst_number(pi, &v));
    return v;
}

uint64_t dt_pval(const char *name, unsigned lnth, const char *label, unsigned nth)
{
    return dt_num(dt_need_inst(dt_need_layer(name, lnth), label, nth));
}

const char *dt_str_of(const PROPERTYINST *pi)
{
    static char b[1 << 16];
    assert_non_null(pi);
    const uint8_t *p;
    unsigned n;
    if (pi->DataLength == PROPERTYINST_EX_LENGTH) {
        p = pi->lpPropertyInstEx->Byte;
        n = pi->lpPropertyInstEx->LengthEx;
    } else {
        p = pi->lpData;
        n = pi->DataLength;
    }
    if (n >= sizeof b)
        n = sizeof b - 1;
    memcpy(b, p, n);
    b[n] = 0;
    return b;
}

void dt_dump(void)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(dt_dis());
    char buf[1024];
    for (unsigned li = 0; li < dt_nlayers(); li++) {
        const nmx_layer *l = dt_layer_at(li);
        printf("# %s status %d\n", l->name, (int)l->status);
        for (uint32_t k = 0; pt && k < l->ninst; k++) {
            const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            nmx_dissect_text(dt_dis(), pi, buf, sizeof buf);
            printf("#   %s%s\n", buf, pi->IFlags & IFLAG_ERROR ? "  [error]" : "");
        }
    }
}

/* ---- cut at every byte ---------------------------------------------------- */

#define DT_MAXL 64

/* The layers of one dissection, with the end of each one's header. */
typedef struct shape {
    unsigned n;
    char name[DT_MAXL][24];
    uint32_t offset[DT_MAXL];
    uint32_t hdr_end[DT_MAXL];   /* end of its last non-payload field (frame offset) */
} shape;

/* first: the first layer with a header of its own (layer 0 is FRAME when
 * the dissection starts at a link type). */
static void take_shape(shape *s, unsigned first)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(dt_dis());
    const uint8_t *base = dt_data();
    s->n = dt_nlayers();
    assert_true(s->n <= DT_MAXL);
    for (unsigned i = 0; i < s->n; i++) {
        const nmx_layer *l = dt_layer_at(i);
        snprintf(s->name[i], sizeof s->name[i], "%s", l->name);
        s->offset[i] = l->offset;
        s->hdr_end[i] = 0;
        for (uint32_t k = 0; i >= first && k < l->ninst; k++) {
            const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            char buf[256];
            nmx_dissect_text(dt_dis(), pi, buf, sizeof buf);
            /* Payload ("... bytes remaining") is not a header field. */
            if (pi->Level == 0 || strstr(buf, "Number of data bytes remaining"))
                continue;
            const uint8_t *a = pi->DataLength == PROPERTYINST_EX_LENGTH
                                   ? pi->lpPropertyInstEx->lpData : pi->lpData;
            uint32_t len = pi->DataLength == PROPERTYINST_EX_LENGTH
                               ? pi->lpPropertyInstEx->Length : pi->DataLength;
            if (!a || len == 0)
                continue;
            uint32_t end = (uint32_t)(a - base) + len;
            if (end > s->hdr_end[i])
                s->hdr_end[i] = end;
        }
    }
}

/* Every instance lies inside the captured bytes, and its text and bit
 * texts can be made. */
static void all_texts(void)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(dt_dis());
    if (!pt) {
        fail_msg("no property table with NMX_DIS_ATTACH");
        abort();
    }
    const uint8_t *lo = dt_data(), *hi = dt_data() + dt_caplen();
    char buf[512];
    for (uint32_t i = 0; i < pt->nTotalPropertyInsts; i++) {
        const PROPERTYINST *pi = &pt->lpFirstPropertyInst[i];
        const uint8_t *at = pi->DataLength == PROPERTYINST_EX_LENGTH
                                ? (const uint8_t *)pi->lpPropertyInstEx->lpData
                                : (const uint8_t *)pi->lpData;
        uint32_t len = pi->DataLength == PROPERTYINST_EX_LENGTH ? pi->lpPropertyInstEx->Length
                                                                : pi->DataLength;
        if (len && (at < lo || at > hi || len > (size_t)(hi - at)))
            fail_msg("instance \"%s\" at %td+%u outside the %u captured bytes",
                     pi->lpPropertyInfo->Label, at - lo, len, dt_caplen());
        nmx_dissect_text(dt_dis(), pi, buf, sizeof buf);
        for (unsigned b = 0; b < nmx_dissect_nbits(dt_dis(), pi); b++)
            nmx_dissect_bit_text(dt_dis(), pi, b, buf, sizeof buf);
    }
}

void dt_cut_everywhere(dt_src src, const void *b, uint32_t len, const dt_cut_opts *o)
{
    static const dt_cut_opts none = { .name = NULL };
    if (!o)
        o = &none;
    uint32_t hdr_end = o->hdr_end ? o->hdr_end : len;
    dt_run_src(src, b, len, len, NMX_DIS_ATTACH);
    static shape full;
    unsigned first = src.from ? 0 : 1;
    take_shape(&full, first);
    for (uint32_t cut = 0; cut < len; cut++) {
        unsigned n0 = 0;
        char name0[DT_MAXL][24];
        nmx_layer_status st0[DT_MAXL];
        for (unsigned attach = 0; attach < 2; attach++) {
            dt_run_src(src, b, cut, len, attach ? NMX_DIS_ATTACH : 0);
            unsigned n = dt_nlayers();
            assert_true(n <= DT_MAXL);
            /* Recognition alone and attaching give the same layers and
             * statuses (docs/dissectors.md, "The driver"). */
            if (!attach) {
                n0 = n;
                for (unsigned i = 0; i < n; i++) {
                    snprintf(name0[i], sizeof name0[i], "%s", dt_layer_at(i)->name);
                    st0[i] = dt_layer_at(i)->status;
                }
            } else {
                if (n != n0)
                    fail_msg("cut at %u of %u: %u layers attaching, %u recognising (%s)",
                             cut, len, n, n0, dt_chain());
                for (unsigned i = 0; i < n; i++)
                    if (strcmp(dt_layer_at(i)->name, name0[i]) != 0 ||
                        dt_layer_at(i)->status != st0[i])
                        fail_msg("cut at %u of %u: layer %u is %s (status %d) attaching, "
                                 "%s (status %d) recognising", cut, len, i,
                                 dt_layer_at(i)->name, (int)dt_layer_at(i)->status, name0[i],
                                 (int)st0[i]);
                all_texts();
            }
            if (n > full.n)
                fail_msg("cut at %u of %u: %u layers, the whole frame %u (%s)", cut, len, n,
                         full.n, dt_chain());
            bool all_ok = true;
            for (unsigned i = 0; i < n; i++) {
                const nmx_layer *l = dt_layer_at(i);
                all_ok &= l->status == NMX_LAYER_OK;
                if (i < full.n && strcmp(l->name, full.name[i]) != 0)
                    fail_msg("cut at %u of %u: layer %u is %s, not %s", cut, len, i, l->name,
                             full.name[i]);
                if (l->offset + l->caplen > cut)
                    fail_msg("cut at %u of %u: %s (layer %u) holds bytes %u to %u", cut, len,
                             l->name, i, l->offset, l->offset + l->caplen);
                /* A layer whose header the cut reaches is never OK. */
                if (i >= first && i < full.n && full.hdr_end[i] > cut && l->status == NMX_LAYER_OK)
                    fail_msg("cut at %u of %u (attach %u): %s (layer %u) is OK without bytes "
                             "up to %u", cut, len, attach, l->name, i, full.hdr_end[i]);
            }
            /* Every layer of the whole frame that starts before the cut is
             * still recognised, unless one before it is not OK. */
            if (all_ok && n < full.n && full.offset[n] < cut)
                fail_msg("cut at %u of %u: only %u of %u layers, all OK", cut, len, n, full.n);
            if (o->name) {
                const nmx_layer *l = dt_layer(o->name, 0);
                if (o->hdr_end && cut + 1 == hdr_end && !l)
                    fail_msg("cut at %u of %u: %s not recognised (%s)", cut, len, o->name,
                             dt_chain());
                if (cut < hdr_end && l && l->status == NMX_LAYER_OK)
                    fail_msg("cut at %u of %u (attach %u): %s is OK with its header cut short",
                             cut, len, attach, o->name);
            }
            if (o->top_never_ok && n > 0 && dt_top()->status == NMX_LAYER_OK)
                fail_msg("cut at %u of %u (attach %u): %s is OK", cut, len, attach,
                         dt_top()->name);
            if (o->check)
                o->check(cut, len, attach != 0);
        }
    }
    dt_run_src(src, b, len, len, NMX_DIS_ATTACH);
    if (o->name) {
        const nmx_layer *l = dt_layer(o->name, 0);
        if (!l) {
            fail_msg("whole frame: %s not recognised (%s)", o->name, dt_chain());
            abort();
        }
        if (o->hdr_start != DT_ANY)
            assert_int_equal(l->offset, o->hdr_start);
        assert_int_equal(l->status, NMX_LAYER_OK);
    }
}
