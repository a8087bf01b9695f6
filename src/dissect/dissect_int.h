/*
 * dissect_int.h: what a protocol file (src/dissect/proto_*.c) sees.
 *
 * A protocol file is one protocol: a banner naming its specification, its
 * property list as one X-macro, a dissect function and one nmx_protocol
 * descriptor. docs/dissectors.md is the guide; proto_udp.c is the model.
 *
 * Rules a protocol file keeps (the driver relies on them):
 *  - every byte is read through an nmx_rd (base/rd.h) made by nmx_dis_rd();
 *  - no allocation, no mutable state, no recursion of its own: the next
 *    protocol is named with nmx_dis_next*() and the driver runs it;
 *  - a field the capture cut off makes the layer TRUNCATED (the driver does
 *    that when an attach or a read runs past the captured bytes); a field
 *    whose value contradicts the protocol is marked with nmx_dis_malformed().
 */
#ifndef NMX_DISSECT_INT_H
#define NMX_DISSECT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/rd.h"
#include "netmon.h"
#include "nmexpert/dissect.h"

/* ---- Properties -------------------------------------------------------- */

/* Generic text variants (proptext.c) beyond what type and qualifier say. */
enum nmx_fmt {
    NMX_FMT_DEFAULT = 0, /* "Label = 64 (0x40)"                                */
    NMX_FMT_HEX,         /* "Label = 0xDE97" (2/4/8 digits by size)             */
    NMX_FMT_DEC,         /* "Label = 13"                                        */
    NMX_FMT_BYTES,       /* "Label = 0 (0x0) bytes"                             */
    NMX_FMT_COLON,       /* "Label : 00508BF1348F" / "Label : 129 (0x0081)"     */
    NMX_FMT_COLON_BYTES, /* "Label: 129 bytes"                                  */
    NMX_FMT_COLON_DEC,   /* "Label: 14957"                                      */
    NMX_FMT_REMAINING,   /* "Label: Number of data bytes remaining = 95 (0x005F)" */
    NMX_FMT_LABEL,       /* "Label" alone                                       */
    NMX_FMT_STRING_EQ,   /* "Label =value" (HTTP's style)                       */
    NMX_FMT_COLON_STR,   /* "Label: value" (names)                              */
    NMX_FMT_HEXSET,      /* labeled set, unknown values as 0x%04X (ports)        */
    NMX_FMT_CUSTOM,      /* only the protocol's format hook knows              */
};

/* One property definition. `info` is what experts see (GetPropertyInfo);
 * its hProperty is filled in once by the registry. */
typedef struct nmx_propdef {
    PROPERTYINFO info;
    uint8_t iflags;       /* IFLAG_SWAPPED for network-order numbers           */
    uint8_t level;        /* detail-pane level (0 summary, 1 field, 2 member)   */
    uint8_t fmt;          /* enum nmx_fmt                                       */
    const char *aliases;  /* other accepted labels, "|"-separated, or NULL      */
} nmx_propdef;

/* Building blocks for a protocol's X-macro list:
 *   X(ID, "Label", PROP_TYPE_*, PROP_QUAL_*, set-or-range-pointer, iflags, level, fmt, aliases)
 * NMX_PROP_ENUM makes `enum { ID, ... }`, NMX_PROP_DEF the nmx_propdef array. */
#define NMX_PROP_ENUM(id_, label_, type_, qual_, ext_, iflags_, level_, fmt_, aliases_) id_,
#define NMX_PROP_DEF(id_, label_, type_, qual_, ext_, iflags_, level_, fmt_, aliases_)      \
    { .info = { .Label = NMX_STR(label_), .DataType = (type_), .DataQualifier = (qual_),   \
                .lpExtendedInfo = (LPVOID)(ext_) },                                      \
      .iflags = (iflags_), .level = (level_), .fmt = (fmt_), .aliases = (aliases_) },

#define NMX_SW IFLAG_SWAPPED /* shorthand for network-order numbers */

/* A string literal as the LPSTR that Network Monitor's structures hold
 * (a static array, so no cast drops a const). */
#define NMX_STR(s) ((char[]){ s })

/* ---- Hand-off tables (handoff.c) ------------------------------------- */

typedef enum nmx_ho {
    NMX_HO_NONE = 0,
    NMX_HO_LINKTYPE,     /* pcap LINKTYPE_* (nmx_frame.linktype)             */
    NMX_HO_NETMON_MEDIA, /* Network Monitor media codes with no LINKTYPE      */
    NMX_HO_ETHERTYPE,    /* Ethernet type, also SNAP (OUI 0), SLL, GRE, VLAN */
    NMX_HO_LLC_SAP,      /* 802.2 DSAP                                       */
    NMX_HO_PPP,          /* PPP protocol field                               */
    NMX_HO_IPPROTO,      /* IPv4 protocol / IPv6 next header                 */
    NMX_HO_TCP_PORT,
    NMX_HO_UDP_PORT,
    NMX_HO_NULL_AF,      /* BSD loopback address family                      */
    NMX_HO_8023,         /* 802.3 payload: 0 = LLC, 1 = raw 802.3 (IPX)       */
    NMX_HO_SMB_MAGIC,    /* first byte of "\xFFSMB" / "\xFESMB" / "\xFDSMB"    */
    NMX_HO_COUNT_
} nmx_ho;

typedef struct nmx_handoff {
    uint8_t table;       /* nmx_ho */
    uint32_t key;
} nmx_handoff;

#define NMX_MAX_HANDOFF 12

/* ---- The driver's view of one frame ---------------------------------- */

typedef struct nmx_dissector nmx_dis;

/* A protocol's bytes: [off, off + len) of the frame are captured; the
 * protocol declares (or inherits from its parent) `wire` bytes, which may
 * be more than len when the capture was cut short. */
typedef struct nmx_span {
    uint32_t off;
    uint32_t len;
    uint32_t wire;
} nmx_span;

/* Context for a protocol's format hook (GetPropertyText). */
typedef struct nmx_fmtctx {
    const PROPERTYINST *pi;
    const nmx_propdef *def;  /* pi's definition                         */
    unsigned prop;           /* its index in the protocol's list        */
    const nmx_layer *layer;  /* the layer that attached it              */
    const uint8_t *frame;    /* the frame's bytes ...                   */
    uint32_t caplen;         /* ... and how many were captured          */
    const nmx_dissector *dis;
} nmx_fmtctx;

typedef struct nmx_protocol {
    const char *name;        /* Network Monitor short name (<= 15 chars)   */
    const char *comment;     /* long name                                  */
    const char *aliases;     /* other accepted names, "|"-separated, or NULL */
    nmx_propdef *props;
    unsigned nprops;
    void (*dissect)(nmx_dis *d, nmx_span s);
    /* Writes the whole text of an instance of one of its properties and
     * returns its length (as snprintf); returns (size_t)-1 to leave it to
     * the generic formatter. NULL: generic only. */
    size_t (*format)(const nmx_fmtctx *c, char *buf, size_t n);
    nmx_handoff handoff[NMX_MAX_HANDOFF];
    /* Bit lines of a PROP_QUAL_FLAGS property that one-bit LABELED_BIT
     * entries cannot say (multi-bit fields such as DNS's OpCode and
     * RCode: ".0000........... = Standard Query"). Returns the length of
     * line k of the instance (as snprintf; buf may be NULL when n is 0),
     * 0 when the instance has no line k, or (size_t)-1 to leave the
     * instance to the generic one-line-per-LABELED_BIT text. The lines
     * are numbered from 0 without gaps. NULL: generic only. */
    size_t (*bits)(const nmx_fmtctx *c, unsigned k, char *buf, size_t n);
} nmx_protocol;

/* A reader over the span's captured bytes (offsets relative to s.off). */
nmx_rd nmx_dis_rd(const nmx_dis *d, nmx_span s);

/* The part of a span from `from` (relative), `wire` bytes declared
 * (clamped to what the parent has): captured length follows. Inline, as
 * every layer cuts its payload this way. */
static inline nmx_span nmx_span_sub(nmx_span s, uint32_t from, uint32_t wire)
{
    nmx_span r;
    if (from > s.wire)
        from = s.wire;
    r.off = s.off + from;
    r.wire = wire <= s.wire - from ? wire : s.wire - from;
    uint32_t cap = from <= s.len ? s.len - from : 0;
    r.len = cap < r.wire ? cap : r.wire;
    return r;
}

/* The rest of a span from `from`. */
static inline nmx_span nmx_span_from(nmx_span s, uint32_t from)
{
    return nmx_span_sub(s, from, UINT32_MAX);
}
/* A packet quoted inside another (the offending datagram an ICMP error
 * carries, RFC 792 and RFC 4443): its quoter kept only s's bytes of a
 * packet whose own header declares `declared` bytes. The span keeps the
 * same bytes but declares max(s.wire, declared), so the quoted protocol
 * judges its length fields against what it declared: a payload the quoter
 * left out is not malformed (a length beyond the span); a header it cut
 * shows TRUNCATED, as when the capture cuts one. */
nmx_span nmx_span_quoted(nmx_span s, uint32_t declared);

/* Are property instances being attached for this frame? */
bool nmx_dis_attaching(const nmx_dis *d);

/* What the inline nmx_dis_attach() below needs of the dissector: the first
 * member of struct nmx_dissector (dissect.c), set by the driver for each
 * layer. Protocol files never touch it themselves. */
typedef struct nmx_dis_hot {
    PROPERTYINST *inst;      /* the instance array ...                    */
    uint32_t ninst;          /* ... instances used                        */
    uint32_t cap_inst;       /* ... its size                              */
    const uint8_t *lbase;    /* the current layer's first byte            */
    uint32_t lcaplen;        /* its captured bytes                        */
    uint32_t nprops;         /* its protocol's property list              */
    nmx_propdef *props;
    uint8_t *ex_next;        /* free bytes for decoded values ...          */
    uint32_t ex_room;        /* ... and how many                           */
    bool attach;             /* NMX_DIS_ATTACH                            */
} nmx_dis_hot;

/* Bytes of a PROPERTYINSTEX holding n bytes of value and a NUL, rounded to
 * the 16-byte alignment decoded values keep. */
#define NMX_EX_SIZE(n) ((offsetof(PROPERTYINSTEX, Byte) + (size_t)(n) + 1u + 15u) & ~(size_t)15u)

/* The layer ends early because the capture does. */
void nmx_dis_truncated(nmx_dis *d);

/* Does [off, off + len) of the current layer run past its captured bytes?
 * Every attach asks, attaching or not: such an attach makes the layer
 * TRUNCATED in both modes, so what is recognised never depends on it. */
static inline bool nmx__dis_uncaptured(const nmx_dis_hot *h, uint32_t off, uint32_t len)
{
    return off > h->lcaplen || len > h->lcaplen - off;
}

/* nmx_dis_attach() for whatever its inline part does not handle. */
PROPERTYINST *nmx__dis_attach_slow(nmx_dis *d, unsigned prop, uint32_t off, uint32_t len);

/* Attaches property `prop` of the current protocol: `len` bytes at `off`
 * (relative to the current layer's start). Bytes not captured are not
 * attached and make the layer TRUNCATED. Returns the instance (NULL when
 * not attaching or not captured). Inline: protocols attach dozens of
 * instances per frame, most of them fixed header fields whose checks the
 * compiler folds; anything out of the ordinary goes to the driver. */
static inline PROPERTYINST *nmx_dis_attach(nmx_dis *d, unsigned prop, uint32_t off,
                                           uint32_t len)
{
    nmx_dis_hot *h = (nmx_dis_hot *)(void *)d;
    if (!h->attach) {
        if (nmx__dis_uncaptured(h, off, len))
            nmx_dis_truncated(d);
        return NULL;
    }
    if (prop >= h->nprops || nmx__dis_uncaptured(h, off, len) || len > 0xFFFEu ||
        h->ninst >= h->cap_inst)
        return nmx__dis_attach_slow(d, prop, off, len);
    nmx_propdef *def = &h->props[prop];
    PROPERTYINST *pi = &h->inst[h->ninst++];
    pi->lpPropertyInfo = &def->info;
    pi->szPropertyText = NULL;
    pi->lpData = (LPVOID)(uintptr_t)(h->lbase + off);
    pi->DataLength = (WORD)len;
    pi->Level = def->level & 0xFu;
    pi->HelpID = 0;
    pi->IFlags = def->iflags;
    return pi;
}
/* Same, at an explicit level. */
PROPERTYINST *nmx_dis_attach_lvl(nmx_dis *d, unsigned prop, uint32_t off, uint32_t len,
                                 unsigned level);
/* nmx_dis_attach_ex() for whatever its inline part does not handle. */
PROPERTYINST *nmx__dis_attach_ex_slow(nmx_dis *d, unsigned prop, uint32_t off, uint32_t len,
                                      const void *ex, uint32_t exlen, unsigned level);

/* An instance whose value is decoded (a DNS name, a reassembled number):
 * `exlen` bytes of `ex` are copied inline after a PROPERTYINSTEX whose
 * Length/lpData describe [off, off + len) of the frame. Inline for the
 * small values most protocols decode (a bit field, a number, a time):
 * with a constant exlen the copy is a few moves. */
static inline PROPERTYINST *nmx_dis_attach_ex(nmx_dis *d, unsigned prop, uint32_t off,
                                              uint32_t len, const void *ex, uint32_t exlen,
                                              unsigned level)
{
    nmx_dis_hot *h = (nmx_dis_hot *)(void *)d;
    if (!h->attach) {
        if (nmx__dis_uncaptured(h, off, len))
            nmx_dis_truncated(d);
        return NULL;
    }
    if (exlen > 16 || prop >= h->nprops || nmx__dis_uncaptured(h, off, len) || len > 0xFFFEu ||
        h->ninst >= h->cap_inst || h->ex_room < NMX_EX_SIZE(exlen))
        return nmx__dis_attach_ex_slow(d, prop, off, len, ex, exlen, level);
    PROPERTYINSTEX *x = (PROPERTYINSTEX *)(void *)h->ex_next;
    h->ex_next += NMX_EX_SIZE(exlen);
    h->ex_room -= (uint32_t)NMX_EX_SIZE(exlen);
    nmx_propdef *def = &h->props[prop];
    PROPERTYINST *pi = &h->inst[h->ninst++];
    x->Length = (WORD)len;
    x->LengthEx = (WORD)exlen;
    x->lpData = (LPVOID)(uintptr_t)(h->lbase + off);
    if (exlen)
        memcpy(x->Byte, ex, exlen);
    x->Byte[exlen] = 0; /* strings stay NUL-terminated for convenience */
    pi->lpPropertyInfo = &def->info;
    pi->szPropertyText = NULL;
    pi->lpPropertyInstEx = x;
    pi->DataLength = PROPERTYINST_EX_LENGTH;
    pi->Level = level & 0xFu;
    pi->HelpID = 0;
    pi->IFlags = def->iflags;
    return pi;
}

/* For a protocol that attaches the same instances to every frame (FRAME):
 * `n` consecutive instances of the current layer, left for the caller to
 * fill in whole (PROPERTYINST fields, every lpData inside the layer's
 * captured bytes), and `size` bytes of 16-byte aligned storage (*ex) for
 * their PROPERTYINSTEX values, both valid as long as the dissection. One
 * call instead of one per instance. NULL when not attaching or when the
 * instance array is full. */
PROPERTYINST *nmx__dis_reserve(nmx_dis *d, unsigned n, void **ex, size_t size);
/* Marks a field whose value contradicts the protocol: the instance (if
 * any) gets IFLAG_ERROR and the layer becomes MALFORMED. */
void nmx_dis_malformed(nmx_dis *d, PROPERTYINST *pi);

/* Per-layer scratch a protocol keeps for its format hook (e.g. the
 * segment length TCP's summary prints). */
void nmx_dis_set_aux(nmx_dis *d, unsigned i, uint32_t v);
uint32_t nmx_fmt_aux(const nmx_fmtctx *c, unsigned i);
/* The layer `rel` places from the formatted one (-1: its parent), or NULL. */
const nmx_layer *nmx_fmt_layer(const nmx_fmtctx *c, int rel);

/* The layers recognised so far (for a protocol that looks at its parent,
 * e.g. UDP's summary "IP Multicast"). */
const nmx_layer *nmx_dis_parent(const nmx_dis *d);
const uint8_t *nmx_dis_frame(const nmx_dis *d);

/* Hands the span to the protocol registered for `key` in `table`; returns
 * false (and does nothing) when none is. */
bool nmx_dis_next(nmx_dis *d, nmx_ho table, uint32_t key, nmx_span s);
/* Ports: the lower port's protocol first, then the other's (the server is
 * usually the lower port). */
bool nmx_dis_next_port(nmx_dis *d, nmx_ho table, uint16_t a, uint16_t b, nmx_span s);
/* Hands the span to a given protocol. */
void nmx_dis_next_proto(nmx_dis *d, const nmx_protocol *p, nmx_span s);

/* ---- Registry internals (propdb.c, handoff.c) --------------------------- */

/* The run-time record behind an HPROTOCOL. */
struct _PROTOCOL {
    PROTOCOLINFO info;
    const nmx_protocol *def;
    LPPROPERTYDATABASE db;
    unsigned index;
};

void nmx__dissect_init(void);            /* idempotent, thread-safe */
struct _PROTOCOL *nmx__proto_rt(const nmx_protocol *p);
const nmx_protocol *nmx__handoff_find(nmx_ho table, uint32_t key);
void nmx__handoff_build(void);
/* The definition and index of an HPROPERTY, or NULL when it is none. */
const nmx_propdef *nmx__propdef(uintptr_t h, const nmx_protocol **proto, unsigned *index);

/* For unit tests of one protocol: dissects `caplen` bytes at `bytes` (of
 * `wirelen` on the wire) as protocol `p` from offset 0, with no FRAME or
 * link layer before it, then whatever `p` hands off to. The layers and
 * instances read as after nmx_dissect(); the frame record FRAME would see is
 * a zeroed one with NMX_LINKTYPE_NONE. Same failures as nmx_dissect(). */
nmx_err nmx__dissect_from(nmx_dissector *d, const nmx_protocol *p, const uint8_t *bytes,
                          uint32_t caplen, uint32_t wirelen, unsigned flags);

/* The FRAME layer's view of the frame being dissected (proto_frame.c). */
const nmx_frame *nmx__dis_frame_rec(const nmx_dis *d, int64_t *prev_ts_ns);

/* FRAME's last civil date, kept by the dissector from frame to frame (the
 * frames of a capture nearly all fall on the same day). */
typedef struct nmx__day_cache {
    int64_t day;           /* days since 1970-01-01 */
    WORD year, month, mday, wday;
    bool set;              /* day and valid hold something  */
    bool valid;            /* the date fits a SYSTEMTIME    */
} nmx__day_cache;
nmx__day_cache *nmx__dis_day_cache(nmx_dis *d);

/* Flag properties: bit lines (proptext.c). */
unsigned nmx__bits_count(const nmx_fmtctx *c);
size_t nmx__bits_text(const nmx_fmtctx *c, unsigned k, char *buf, size_t n);

/* For a protocol's bits hook over a 16-bit flags word made of fields
 * (DNS's and NetBIOS's flags): field k of fld[0..nfld), `width` bits from
 * bit `shift`. Line k reads "<picture> = <text>", the picture
 * ".0000..........." showing the field's bits. */
typedef struct nmx_bitfield {
    uint8_t shift, width;
} nmx_bitfield;
/* Writes the picture of field k of the instance into pic and its value
 * into *x; false when there is no field k or the instance has no number. */
bool nmx__bits_field(const nmx_fmtctx *c, unsigned k, const nmx_bitfield *fld, size_t nfld,
                     char pic[17], unsigned *x);
/* The text of a one-bit field at bit `bit` that is `on`, from the labels
 * lb[0..n) (the last that names the bit); "" when none does. */
const char *nmx__bit_label(const LABELED_BIT *lb, size_t n, unsigned bit, bool on);

/* Appends t[0..w) to the text of buf[0..n) that is `at` bytes long so far,
 * cut as snprintf cuts (the first n - 1 bytes of the whole text are kept,
 * NUL-terminated); returns at + w, the length the whole text needs
 * (proptext.c). */
size_t nmx__fmt_append(char *buf, size_t n, size_t at, const char *t, size_t w);

/* A text formatted piece by piece into buf[0..cap): len is the length the
 * whole text needs (snprintf's return); what fits is kept, NUL-terminated,
 * cut as snprintf cuts (proptext.c). */
typedef struct nmx_fmtbuf {
    char *buf;
    size_t cap, len;
} nmx_fmtbuf;
void nmx__fmt_put(nmx_fmtbuf *b, const char *s, size_t n);
__attribute__((format(printf, 2, 3))) void nmx__fmt_printf(nmx_fmtbuf *b, const char *fmt, ...);

/* Generic formatting of an instance (proptext.c). */
size_t nmx__format_generic(const nmx_fmtctx *c, char *buf, size_t n);
/* The number value of an instance (byte order applied), false if none. */
bool nmx__inst_number(const PROPERTYINST *pi, uint64_t *v);

/* ---- The protocol list (protocols.c) ------------------------------------ */

#define NMX_PROTOCOLS(X) \
    X(frame) X(eth) X(ipv4) X(tcp) X(udp) \
    NMX_PROTOCOLS_LINK(X) \
    NMX_PROTOCOLS_NET(X) \
    NMX_PROTOCOLS_APP(X) \
    NMX_PROTOCOLS_FILE(X)

/* Link layers and tunnels. */
#define NMX_PROTOCOLS_LINK(X) \
    X(vlan) X(llc) X(snap) X(arp) X(sll) X(sll2) X(null) X(ppp) X(pppoe) X(mpls) \
    X(gre) X(vxlan) \
    X(tokenring) X(fddi) X(wlan) X(radiotap) X(ppi) X(nflog) X(ipnet) X(chdlc)

/* Network layer beside IPv4. */
#define NMX_PROTOCOLS_NET(X) X(ip6) X(icmp) X(icmp6)

/* Applications. */
#define NMX_PROTOCOLS_APP(X) NMX_PROTOCOLS_APP1(X) NMX_PROTOCOLS_APP2(X)
#define NMX_PROTOCOLS_APP1(X) X(dns) X(dhcp) X(nbt)
#define NMX_PROTOCOLS_APP2(X) X(http) X(tls) X(smb) X(smb2)

/* Records of capture files that are not network frames. */
#define NMX_PROTOCOLS_FILE(X) \
    X(nm_event) X(nm_filter) X(nm_netinfo) X(nm_dnscache) X(nm_payload) X(nm_atm) \
    X(nm_wifi) X(nm_ma)

/* Service names of TCP and UDP ports (ports.c): the labeled sets of the
 * port properties, and the short names the summaries print. */
extern SET nmx__tcp_port_set, nmx__udp_port_set;

/* Names of IP protocol numbers (ipprotos.c): IP's Protocol, IP6's Next Header. */
extern SET nmx__ipproto_set;
/* The short name the IP and IP6 summaries print for a protocol number
 * ("TCP"), or NULL; with ip6, the IPv6 extension headers and the others
 * IP6's summary names as well. */
const char *nmx__ipproto_abbrev(uint8_t p, bool ip6);
const char *nmx__port_abbrev(uint16_t port, bool udp);

#define NMX_PROTO_DECL(n) extern const nmx_protocol nmx_proto_##n;
NMX_PROTOCOLS(NMX_PROTO_DECL)
#undef NMX_PROTO_DECL

extern const nmx_protocol *const nmx__protocols[];
extern const unsigned nmx__nprotocols;

#endif /* NMX_DISSECT_INT_H */
