/*
 * Top Users: ranks the top senders and receivers of a capture by the source
 * and destination addresses of each frame.
 *
 * A Network Monitor 2.x expert written only against netmon.h: it exports
 * Register, Configure and Run, walks the capture with ExpertGetFrame, reads
 * the addresses straight from the frame bytes and reports its findings with
 * ExpertSubmitEvent. All its memory comes from the expert allocator.
 *
 * Configuration (EXPERTCONFIG.RawConfigData): NUL-separated "key=value"
 * strings ending with an empty string; RawConfigLength counts itself.
 *   top=N                 rows per table (default 10, N >= 1)
 *   by=frames|bytes       ranking metric (default bytes)
 *   layer=ip|mac|auto     addresses counted (default auto: IPv4/IPv6 when the
 *                         frame has a network header, else its MAC addresses)
 *   tunnels=yes|no        also count the inner headers of GRE, VXLAN (UDP
 *                         4789) and IP-in-IP packets (default yes)
 * An unknown key or a bad value is an error: Run submits one error event
 * (EventIdent 5) naming them and what each key accepts, reports
 * EXPERTSTATUS_PROBLEM with NMERR_INVALID_PARAMETER and returns FALSE;
 * Configure returns FALSE for such a configuration. The same description,
 * for `nmexpert help topusers`, is in topusers.options next to the expert.
 *
 * What is counted (chosen to agree with Wireshark's endpoint statistics,
 * `tshark -z endpoints,ip|ipv6|eth`):
 *   - every IPv4/IPv6 header of a frame adds the frame once to its source
 *     (sent) and once to its destination (received), with the frame's
 *     original length (FRAME.FrameLength, i.e. Wireshark's frame.len);
 *   - the inner headers of GRE (versions 0 and 1/PPTP), VXLAN and IP-in-IP
 *     are headers of the frame too (tshark counts them), unless tunnels=no;
 *     a fragmented packet's payload is not decoded (tshark decodes it in the
 *     frame that completes reassembly; we do not reassemble);
 *   - an IPv6 fragment counts only when it is the last one (more-fragments
 *     clear), the frame that completes the packet when fragments arrive in
 *     order: tshark's IPv6 endpoints count only that frame (IPv4 fragments
 *     all count, in tshark as here);
 *   - the packet quoted inside an ICMP error is not counted (nor by tshark);
 *   - MAC addresses: every Ethernet header (including the inner Ethernet of
 *     VXLAN and GRE bridging), Token Ring and FDDI headers.
 *
 * Link layers: Ethernet II, 802.3 with LLC/SNAP, 802.1Q/802.1ad tags
 * (0x8100, 0x88a8, 0x9100, 0x9200), MPLS and PPPoE; Token Ring and FDDI.
 * Frames whose MAC type is unknown (pcap link types without a Network
 * Monitor MAC type, Network Monitor's own media such as ETW events) are
 * recognised by content: raw IP, Linux cooked (SLL, SLL2), BSD loopback,
 * Solaris ipnet, NFLOG, Cisco HDLC, PPP, Ethernet, and 802.11 data frames
 * behind radiotap or PPI. A link layer is accepted only when it leads to a
 * valid IP header whose length agrees with the frame length; frames that
 * match nothing are counted as "skipped (non-network media)".
 *
 * Events: EventIdent 1 = top sender, 2 = top receiver (one event per row;
 * columns Rank, Address, Frames, Bytes, % of bytes), 3 = summary,
 * 4 = informational notes. Address is NMCOLUMNTYPE_IPADDR for IPv4 (bytes in
 * network order), NMCOLUMNTYPE_STRING for IPv6 (RFC 5952 text) and
 * NMCOLUMNTYPE_MACADDR for MAC addresses. Frames and Bytes are UINT32
 * columns: counts are kept in 64 bits, and a value above 4294967295 is shown
 * as 4294967295 (the row's justification text gives the exact value, and a
 * note event says that it happened). "% of bytes" is the row's bytes over
 * the bytes of all counted headers (so each table sums to 100 %).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */
/* ------------------------------------------------------------------------ */

enum { BY_BYTES = 0, BY_FRAMES = 1 };
enum { LAYER_AUTO = 0, LAYER_IP = 1, LAYER_MAC = 2 };

#define TU_DEFAULT_TOP 10u
#define TU_NOTE_MAX    512

typedef struct tu_config {
    DWORD top;
    int   by;
    int   layer;
    int   tunnels;
    char  unknown[TU_NOTE_MAX]; /* unknown keys, comma-separated        */
    char  invalid[TU_NOTE_MAX]; /* key=value pairs with a bad value     */
} tu_config;

static void note_append(char *buf, const char *s, size_t n)
{
    size_t len = strlen(buf);
    if (len + 6 >= TU_NOTE_MAX)
        return;
    if (len) {
        memcpy(buf + len, ", ", 2);
        len += 2;
    }
    size_t room = TU_NOTE_MAX - 5 - len; /* keep space for "..." and NUL */
    if (n > room) {
        memcpy(buf + len, s, room);
        memcpy(buf + len + room, "...", 4);
        return;
    }
    memcpy(buf + len, s, n);
    buf[len + n] = 0;
}

static int str_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int parse_top(const char *v, size_t n, DWORD *out)
{
    unsigned long long x = 0;
    if (n == 0 || n > 10)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return 0;
        x = x * 10u + (unsigned long long)(v[i] - '0');
    }
    if (x == 0 || x > 0xFFFFFFFFull)
        return 0;
    *out = (DWORD)x;
    return 1;
}

/* One "key=value" string of n bytes. */
static void config_item(tu_config *c, const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    size_t kn = eq ? (size_t)(eq - s) : n;
    const char *v = eq ? eq + 1 : s + n;
    size_t vn = eq ? n - kn - 1 : 0;
    int ok = eq != NULL;
    if (str_is(s, kn, "top")) {
        ok = ok && parse_top(v, vn, &c->top);
    } else if (str_is(s, kn, "by")) {
        if (ok && str_is(v, vn, "bytes"))
            c->by = BY_BYTES;
        else if (ok && str_is(v, vn, "frames"))
            c->by = BY_FRAMES;
        else
            ok = 0;
    } else if (str_is(s, kn, "layer")) {
        if (ok && str_is(v, vn, "auto"))
            c->layer = LAYER_AUTO;
        else if (ok && str_is(v, vn, "ip"))
            c->layer = LAYER_IP;
        else if (ok && str_is(v, vn, "mac"))
            c->layer = LAYER_MAC;
        else
            ok = 0;
    } else if (str_is(s, kn, "tunnels")) {
        if (ok && (str_is(v, vn, "yes") || str_is(v, vn, "1")))
            c->tunnels = 1;
        else if (ok && (str_is(v, vn, "no") || str_is(v, vn, "0")))
            c->tunnels = 0;
        else
            ok = 0;
    } else {
        note_append(c->unknown, s, kn);
        return;
    }
    if (!ok)
        note_append(c->invalid, s, n);
}

static void config_parse(tu_config *c, const EXPERTCONFIG *cfg)
{
    memset(c, 0, sizeof *c);
    c->top = TU_DEFAULT_TOP;
    c->by = BY_BYTES;
    c->layer = LAYER_AUTO;
    c->tunnels = 1;
    if (!cfg)
        return;
    DWORD total;
    memcpy(&total, &cfg->RawConfigLength, sizeof total);
    if (total <= sizeof(DWORD))
        return;
    const char *p = (const char *)cfg->RawConfigData;
    size_t left = (size_t)total - sizeof(DWORD);
    while (left > 0) {
        const char *nul = memchr(p, 0, left);
        size_t n = nul ? (size_t)(nul - p) : left;
        if (n == 0)
            break; /* the terminating empty string */
        config_item(c, p, n);
        if (!nul)
            break;
        left -= n + 1;
        p += n + 1;
    }
}

/* ------------------------------------------------------------------------ */
/* Addresses and the address table                                          */
/* ------------------------------------------------------------------------ */

enum { AT_IPV4 = 1, AT_IPV6 = 2, AT_MAC = 3 };

typedef struct tu_addr {
    BYTE type;     /* AT_*                                   */
    BYTE a[16];    /* address bytes, zero-padded             */
} tu_addr;

typedef struct tu_entry {
    tu_addr  addr;
    uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
} tu_entry;

typedef struct tu_table {
    tu_entry *entries;
    size_t    n, cap;
    size_t   *slots;   /* open addressing: 0 = empty, else entry index + 1 */
    size_t    nslots;  /* power of two                                     */
} tu_table;

static int addr_cmp(const tu_addr *x, const tu_addr *y)
{
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return memcmp(x->a, y->a, sizeof x->a);
}

static size_t addr_hash(const tu_addr *a)
{
    uint64_t h = 1469598103934665603ull;
    h = (h ^ a->type) * 1099511628211ull;
    for (size_t i = 0; i < sizeof a->a; i++)
        h = (h ^ a->a[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

/* Error code of a failed allocation: what the host said, or out of memory. */
static DWORD alloc_error(DWORD e)
{
    return e == NMERR_SUCCESS ? NMERR_OUT_OF_MEMORY : e;
}

static DWORD table_rehash(HEXPERTKEY key, tu_table *t, size_t nslots)
{
    if (nslots > (size_t)-1 / sizeof(size_t))
        return NMERR_OUT_OF_MEMORY;
    DWORD e = NMERR_SUCCESS;
    size_t *s = ExpertAllocMemory(key, nslots * sizeof(size_t), &e);
    if (!s)
        return alloc_error(e);
    memset(s, 0, nslots * sizeof(size_t));
    for (size_t i = 0; i < t->n; i++) {
        size_t j = addr_hash(&t->entries[i].addr) & (nslots - 1);
        while (s[j])
            j = (j + 1) & (nslots - 1);
        s[j] = i + 1;
    }
    if (t->slots)
        ExpertFreeMemory(key, t->slots);
    t->slots = s;
    t->nslots = nslots;
    return NMERR_SUCCESS;
}

/* The entry of an address, created when new; NULL with *err set on failure. */
static tu_entry *table_get(HEXPERTKEY key, tu_table *t, const tu_addr *a, DWORD *err)
{
    if (t->nslots) {
        size_t j = addr_hash(a) & (t->nslots - 1);
        while (t->slots[j]) {
            tu_entry *e = &t->entries[t->slots[j] - 1];
            if (addr_cmp(&e->addr, a) == 0)
                return e;
            j = (j + 1) & (t->nslots - 1);
        }
    }
    /* new address: room in the entries and a load factor below 3/4 */
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 256;
        if (nc < t->cap || nc > (size_t)-1 / sizeof(tu_entry)) {
            *err = NMERR_OUT_OF_MEMORY;
            return NULL;
        }
        DWORD e = NMERR_SUCCESS;
        tu_entry *ne = t->entries ? ExpertReallocMemory(key, t->entries, nc * sizeof(tu_entry), &e)
                                  : ExpertAllocMemory(key, nc * sizeof(tu_entry), &e);
        if (!ne) {
            *err = alloc_error(e);
            return NULL;
        }
        t->entries = ne;
        t->cap = nc;
    }
    if ((t->n + 1) > t->nslots / 4 * 3) {
        size_t ns = t->nslots ? t->nslots * 2 : 1024;
        if (ns < t->nslots) {
            *err = NMERR_OUT_OF_MEMORY;
            return NULL;
        }
        DWORD e = table_rehash(key, t, ns);
        if (e != NMERR_SUCCESS) {
            *err = e;
            return NULL;
        }
    }
    size_t j = addr_hash(a) & (t->nslots - 1);
    while (t->slots[j])
        j = (j + 1) & (t->nslots - 1);
    tu_entry *e = &t->entries[t->n];
    memset(e, 0, sizeof *e);
    e->addr = *a;
    t->slots[j] = ++t->n;
    return e;
}

/* ------------------------------------------------------------------------ */
/* Frame parsing. Every read is checked against `lim` (never beyond the     */
/* bytes stored for the frame).                                             */
/* ------------------------------------------------------------------------ */

#define TU_MAX_HDRS  16 /* address pairs kept per frame and layer          */
#define TU_MAX_DEPTH 12 /* nested headers followed (tags, tunnels)         */

typedef struct tu_pair {
    tu_addr src, dst;
} tu_pair;

typedef struct tu_found {
    tu_pair  ip[TU_MAX_HDRS];
    unsigned nip;
    tu_pair  mac[TU_MAX_HDRS];
    unsigned nmac;
    int      bad;      /* a recognised header was truncated or malformed */
    int      tunnels;  /* follow tunnels                                 */
} tu_found;

static unsigned be16(const BYTE *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static unsigned le16(const BYTE *p)
{
    return (unsigned)p[1] << 8 | p[0];
}

static void add_pair(tu_pair *arr, unsigned *n, BYTE type, const BYTE *src, const BYTE *dst,
                     size_t len)
{
    if (*n >= TU_MAX_HDRS)
        return;
    tu_pair *p = &arr[(*n)++];
    memset(p, 0, sizeof *p);
    p->src.type = p->dst.type = type;
    memcpy(p->src.a, src, len);
    memcpy(p->dst.a, dst, len);
}

static void p_ip_any(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth);
static void p_ipv4(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth);
static void p_ipv6(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth);
static void p_ethertype(unsigned type, const BYTE *d, size_t off, size_t lim, tu_found *f,
                        int depth);
static void p_eth(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth);

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* PPP (protocol field possibly compressed, address/control optional). */
static void p_ppp(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth)
{
    if (lim - off >= 2 && d[off] == 0xFF && d[off + 1] == 0x03)
        off += 2;
    if (off >= lim)
        return;
    unsigned proto;
    if (d[off] & 1) {
        proto = d[off];
        off += 1;
    } else {
        if (lim - off < 2)
            return;
        proto = be16(d + off);
        off += 2;
    }
    if (proto == 0x21)
        p_ip_any(d, off, lim, f, depth + 1);
    else if (proto == 0x57)
        p_ipv6(d, off, lim, f, depth + 1);
}

static void p_gre(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth)
{
    if (lim - off < 4)
        return;
    unsigned flags = be16(d + off), type = be16(d + off + 2), ver = flags & 7u;
    size_t hl = 4;
    if (ver > 1 || (flags & 0x4000u)) /* unknown version; source routing */
        return;
    if (flags & 0x8000u)
        hl += 4;
    if (flags & 0x2000u)
        hl += 4;
    if (flags & 0x1000u)
        hl += 4;
    if (ver == 1 && (flags & 0x0080u))
        hl += 4;
    if (lim - off < hl)
        return;
    if (type == 0x880B)
        p_ppp(d, off + hl, lim, f, depth + 1);
    else
        p_ethertype(type, d, off + hl, lim, f, depth + 1);
}

static void p_udp(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth)
{
    if (lim - off < 8)
        return;
    unsigned sport = be16(d + off), dport = be16(d + off + 2), len = be16(d + off + 4);
    if (len >= 8)
        lim = min_sz(lim, off + len);
    if ((sport == 4789 || dport == 4789) && lim - off >= 16) /* VXLAN */
        p_eth(d, off + 16, lim, f, depth + 1);
}

/* The payload of an IP packet (protocol number proto). */
static void p_ip_payload(unsigned proto, const BYTE *d, size_t off, size_t lim, tu_found *f,
                         int depth)
{
    if (!f->tunnels || off > lim)
        return;
    switch (proto) {
    case 4: p_ip_any(d, off, lim, f, depth + 1); break;
    case 41: p_ipv6(d, off, lim, f, depth + 1); break;
    case 47: p_gre(d, off, lim, f, depth + 1); break;
    case 17: p_udp(d, off, lim, f, depth + 1); break;
    default: break;
    }
}

static void p_ipv4(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth)
{
    if (depth > TU_MAX_DEPTH)
        return;
    if (off > lim || lim - off < 20 || (d[off] >> 4) != 4) {
        f->bad = 1;
        return;
    }
    size_t hl = (size_t)(d[off] & 15u) * 4u, tot = be16(d + off + 2);
    if (hl < 20 || lim - off < hl || (tot != 0 && tot < hl)) {
        f->bad = 1;
        return;
    }
    add_pair(f->ip, &f->nip, AT_IPV4, d + off + 12, d + off + 16, 4);
    if (be16(d + off + 6) & 0x3FFFu) /* MF or a fragment offset */
        return;
    p_ip_payload(d[off + 9], d, off + hl, tot ? min_sz(lim, off + tot) : lim, f, depth);
}

static void p_ipv6(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth)
{
    if (depth > TU_MAX_DEPTH)
        return;
    if (off > lim || lim - off < 40 || (d[off] >> 4) != 6) {
        f->bad = 1;
        return;
    }
    unsigned mine = f->nip; /* index of this header's pair, if it fits */
    add_pair(f->ip, &f->nip, AT_IPV6, d + off + 8, d + off + 24, 16);
    size_t plen = be16(d + off + 4);
    size_t end = plen ? min_sz(lim, off + 40 + plen) : lim;
    unsigned nh = d[off + 6];
    size_t p = off + 40;
    for (int i = 0; i < 16; i++) {
        if (nh == 0 || nh == 43 || nh == 60 || nh == 51) {
            if (p > end || end - p < 2)
                return;
            size_t len = nh == 51 ? ((size_t)d[p + 1] + 2) * 4 : ((size_t)d[p + 1] + 1) * 8;
            nh = d[p];
            p += len;
        } else if (nh == 44) {
            if (p > end || end - p < 8)
                return;
            unsigned fo = be16(d + p + 2);
            if (fo & 0xFFF9u) {
                /* A real fragment: its payload is not decoded. As tshark's
                 * IPv6 endpoints do, only the fragment that ends the packet
                 * (more-fragments clear) counts for the addresses; the
                 * others are left out. */
                if ((fo & 1u) && f->nip == mine + 1)
                    f->nip = mine;
                return;
            }
            nh = d[p];
            p += 8;
        } else {
            break;
        }
    }
    p_ip_payload(nh, d, p, end, f, depth);
}

/* An IP header of either version, by its version field. */
static void p_ip_any(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth)
{
    if (off >= lim) {
        f->bad = 1;
        return;
    }
    if ((d[off] >> 4) == 6)
        p_ipv6(d, off, lim, f, depth);
    else
        p_ipv4(d, off, lim, f, depth);
}

static void p_mpls(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth)
{
    for (int i = 0; i < 16; i++) {
        if (off > lim || lim - off < 4)
            return;
        int bottom = d[off + 2] & 1;
        off += 4;
        if (bottom) {
            if (off < lim && (d[off] >> 4) == 4)
                p_ipv4(d, off, lim, f, depth + 1);
            else if (off < lim && (d[off] >> 4) == 6)
                p_ipv6(d, off, lim, f, depth + 1);
            return;
        }
    }
}

static void p_llc(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth)
{
    if (off > lim || lim - off < 3)
        return;
    if (d[off] == 0xAA && d[off + 1] == 0xAA && d[off + 2] == 0x03) {
        if (lim - off < 8)
            return;
        p_ethertype(be16(d + off + 6), d, off + 8, lim, f, depth + 1);
    } else if (d[off] == 0x06 && d[off + 1] == 0x06) {
        p_ipv4(d, off + 3, lim, f, depth + 1);
    }
}

/* What follows an Ethernet type (or length) field. */
static void p_ethertype(unsigned type, const BYTE *d, size_t off, size_t lim, tu_found *f,
                        int depth)
{
    for (; depth <= TU_MAX_DEPTH; depth++) {
        if (off > lim)
            return;
        switch (type) {
        case 0x8100: case 0x88A8: case 0x9100: case 0x9200: /* VLAN tags */
            if (lim - off < 4) {
                f->bad = 1;
                return;
            }
            type = be16(d + off + 2);
            off += 4;
            continue;
        case 0x0800: p_ip_any(d, off, lim, f, depth + 1); return;
        case 0x86DD: p_ipv6(d, off, lim, f, depth + 1); return;
        case 0x8847: case 0x8848: p_mpls(d, off, lim, f, depth + 1); return;
        case 0x8864: /* PPPoE session */
            if (lim - off >= 6)
                p_ppp(d, off + 6, lim, f, depth + 1);
            return;
        case 0x6558: p_eth(d, off, lim, f, depth + 1); return; /* bridged Ethernet */
        default:
            if (type <= 1500)
                p_llc(d, off, lim, f, depth + 1);
            return;
        }
    }
}

static void p_eth(const BYTE *d, size_t off, size_t lim, tu_found *f, int depth)
{
    if (depth > TU_MAX_DEPTH)
        return;
    if (off > lim || lim - off < 14) {
        f->bad = 1;
        return;
    }
    add_pair(f->mac, &f->nmac, AT_MAC, d + off + 6, d + off, 6);
    p_ethertype(be16(d + off + 12), d, off + 14, lim, f, depth + 1);
}

static void p_tokenring(const BYTE *d, size_t lim, tu_found *f)
{
    if (lim < 14) {
        f->bad = 1;
        return;
    }
    BYTE src[6];
    memcpy(src, d + 8, 6);
    src[0] &= 0x7F; /* routing information indicator */
    add_pair(f->mac, &f->nmac, AT_MAC, src, d + 2, 6);
    size_t off = 14;
    if (d[8] & 0x80) {
        if (lim < 15)
            return;
        off += d[14] & 0x1Fu;
    }
    if ((d[1] & 0xC0) == 0x40) /* LLC frame */
        p_llc(d, off, lim, f, 1);
}

static void p_fddi(const BYTE *d, size_t lim, tu_found *f)
{
    if (lim < 13) {
        f->bad = 1;
        return;
    }
    add_pair(f->mac, &f->nmac, AT_MAC, d + 7, d + 1, 6);
    if ((d[0] & 0x30) == 0x10) /* LLC frame */
        p_llc(d, 13, lim, f, 1);
}

/*
 * Link layer recognition for frames of unknown MAC type. `ip_ok` is the
 * acceptance test: a valid IP header at off whose total length ends at
 * `end` (the frame's original length or the end of the enclosing record),
 * exactly when `exact`, else with at most 64 bytes of padding after it.
 * `want` is the IP version the link header announced (0: any).
 */
#define TU_PAD_MAX 64u

static int ip_ok(const BYTE *d, size_t avail, size_t end, size_t off, unsigned want, int exact)
{
    if (off >= avail)
        return 0;
    unsigned v = d[off] >> 4;
    size_t stop;
    if (want && v != want)
        return 0;
    if (v == 4) {
        if (avail - off < 20)
            return 0;
        size_t hl = (size_t)(d[off] & 15u) * 4u, tot = be16(d + off + 2);
        if (hl < 20 || avail - off < hl || tot < hl)
            return 0;
        stop = off + tot;
    } else if (v == 6) {
        if (avail - off < 40)
            return 0;
        size_t plen = be16(d + off + 4);
        if (plen == 0)
            return 0;
        stop = off + 40 + plen;
    } else {
        return 0;
    }
    if (stop > end)
        return 0;
    return exact ? stop == end : end - stop <= TU_PAD_MAX;
}

static unsigned want_of(unsigned ethertype)
{
    return ethertype == 0x0800 ? 4u : ethertype == 0x86DD ? 6u : 99u;
}

/* 802.11 data frame at off carrying LLC/SNAP IP. */
static int wlan_ip(const BYTE *d, size_t avail, size_t end, size_t off, size_t *ip,
                   unsigned *type)
{
    if (off > avail || avail - off < 24)
        return 0;
    unsigned fc0 = d[off], fc1 = d[off + 1], subtype = fc0 >> 4;
    if (((fc0 >> 2) & 3u) != 2 || (subtype & 4u) || (fc1 & 0x40u))
        return 0; /* not data, no body, or protected */
    size_t hl = 24;
    if ((fc1 & 3u) == 3u)
        hl += 6;
    if (subtype & 8u) {
        hl += 2;
        if (fc1 & 0x80u)
            hl += 4;
    }
    size_t l = off + hl;
    if (l > avail || avail - l < 8 || memcmp(d + l, "\xAA\xAA\x03\x00\x00\x00", 6) != 0)
        return 0;
    *type = be16(d + l + 6);
    *ip = l + 8;
    return ip_ok(d, avail, end, *ip, want_of(*type), 0);
}

static int is_af(unsigned v)
{
    return v == 2 || v == 10 || v == 24 || v == 28 || v == 30;
}

/* Returns 1 when a link layer was recognised (and parsed into f). */
static int p_unknown_media(const BYTE *d, size_t avail, size_t wire, tu_found *f)
{
    size_t end = wire > avail ? wire : avail;
    unsigned t;
    /* raw IP (pcap LINKTYPE_RAW / IPV4 / IPV6, tunnel media) */
    if (ip_ok(d, avail, end, 0, 0, 1)) {
        p_ip_any(d, 0, avail, f, 0);
        return 1;
    }
    /* Linux cooked capture v1: packet type, ARPHRD, address, protocol */
    if (avail >= 16 && be16(d) <= 4 && be16(d + 4) <= 8 &&
        ip_ok(d, avail, end, 16, want_of(t = be16(d + 14)), 0)) {
        p_ethertype(t, d, 16, avail, f, 0);
        return 1;
    }
    /* Linux cooked capture v2: protocol, reserved, ifindex, ARPHRD, ... */
    if (avail >= 20 && be16(d + 2) == 0 && d[10] <= 4 && d[11] <= 8 &&
        ip_ok(d, avail, end, 20, want_of(t = be16(d)), 0)) {
        p_ethertype(t, d, 20, avail, f, 0);
        return 1;
    }
    /* BSD loopback: address family in either byte order */
    if (avail >= 4 && ((d[1] == 0 && d[2] == 0 && d[3] == 0 && is_af(d[0])) ||
                       (d[0] == 0 && d[1] == 0 && d[2] == 0 && is_af(d[3])))) {
        unsigned af = d[0] ? d[0] : d[3];
        if (ip_ok(d, avail, end, 4, af == 2 ? 4u : 6u, 0)) {
            p_ip_any(d, 4, avail, f, 0);
            return 1;
        }
    }
    /* Solaris ipnet: version 1, family 2 (IPv4) or 26 (IPv6), 24 bytes */
    if (avail >= 24 && d[0] == 1 && (d[1] == 2 || d[1] == 26) &&
        ip_ok(d, avail, end, 24, d[1] == 2 ? 4u : 6u, 0)) {
        p_ip_any(d, 24, avail, f, 0);
        return 1;
    }
    /* NFLOG: family, version 0, resource id, then TLVs (little-endian) */
    if (avail >= 8 && (d[0] == 2 || d[0] == 10) && d[1] == 0) {
        size_t p = 4;
        while (p <= avail - 4 && avail - p >= 4) {
            size_t len = le16(d + p);
            unsigned type = le16(d + p + 2) & 0x7FFFu;
            if (len < 4 || len > end - p)
                break;
            if (type == 9) { /* NFULA_PAYLOAD */
                if (ip_ok(d, avail, p + len, p + 4, d[0] == 2 ? 4u : 6u, 0)) {
                    p_ip_any(d, p + 4, min_sz(avail, p + len), f, 0);
                    return 1;
                }
                break;
            }
            p += (len + 3) & ~(size_t)3;
        }
    }
    /* Cisco HDLC and PPP in HDLC-like framing */
    if (avail >= 4 && (d[0] == 0x0F || d[0] == 0x8F) && d[1] == 0 &&
        ip_ok(d, avail, end, 4, want_of(t = be16(d + 2)), 0)) {
        p_ethertype(t, d, 4, avail, f, 0);
        return 1;
    }
    if (avail >= 4 && d[0] == 0xFF && d[1] == 0x03 &&
        (be16(d + 2) == 0x21 || be16(d + 2) == 0x57) &&
        ip_ok(d, avail, end, 4, be16(d + 2) == 0x21 ? 4u : 6u, 0)) {
        p_ppp(d, 0, avail, f, 0);
        return 1;
    }
    /* Ethernet (Network Monitor files mark some Ethernet frames unknown) */
    if (avail >= 14) {
        size_t off = 14;
        t = be16(d + 12);
        if ((t == 0x8100 || t == 0x88A8 || t == 0x9100) && avail >= 18) {
            t = be16(d + 16);
            off = 18;
        }
        if (ip_ok(d, avail, end, off, want_of(t), 0)) {
            p_eth(d, 0, avail, f, 0);
            return 1;
        }
    }
    /* 802.11 behind PPI (DLT 105) or radiotap */
    if (avail >= 8 && d[0] == 0) {
        size_t hl = le16(d + 2), ip;
        int ppi = d[1] <= 1 && le16(d + 4) == 105 && le16(d + 6) == 0;
        int rt = d[1] == 0;
        if (hl >= 8 && (ppi || rt) && wlan_ip(d, avail, end, hl, &ip, &t)) {
            p_ethertype(t, d, ip, avail, f, 0);
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Run                                                                      */
/* ------------------------------------------------------------------------ */

typedef struct tu_run {
    HEXPERTKEY   key;
    tu_config    cfg;
    tu_table     table;
    PNMEVENTDATA ev;
    size_t      *rank;        /* indices of the ranked entries      */
    uint64_t     total_bytes; /* bytes of all counted headers       */
    DWORD        total_frames, examined, counted, skipped, unparsed, noaddr;
    int          clamped;
} tu_run;

#define TU_EVENT_COLUMNS 10

static char s_source[] = "Top Users";
static char s_sender[] = "Top sender";
static char s_receiver[] = "Top receiver";
static char s_summary[] = "Summary";
static char s_note[] = "Note";
static char c_rank[] = "Rank";
static char c_address[] = "Address";
static char c_frames[] = "Frames";
static char c_bytes[] = "Bytes";
static char c_share[] = "% of bytes";
static char c_total[] = "Total frames";
static char c_examined[] = "Frames examined";
static char c_counted[] = "Frames counted";
static char c_skipped[] = "Skipped (non-network media)";
static char c_unparsed[] = "Unparsed";
static char c_noaddr[] = "No address at layer";
static char c_addresses[] = "Addresses";
static char c_layer[] = "Layer";
static char c_by[] = "Ranked by";
static char c_text[] = "Text";

static void run_free(tu_run *r)
{
    if (r->table.entries)
        ExpertFreeMemory(r->key, r->table.entries);
    if (r->table.slots)
        ExpertFreeMemory(r->key, r->table.slots);
    if (r->rank)
        ExpertFreeMemory(r->key, r->rank);
    if (r->ev)
        ExpertFreeMemory(r->key, r->ev);
    r->table.entries = NULL;
    r->table.slots = NULL;
    r->rank = NULL;
    r->ev = NULL;
}

static void event_reset(tu_run *r, DWORD ident, char *name, char *desc, char *just)
{
    PNMEVENTDATA e = r->ev;
    memset(e, 0, sizeof(NMEVENTDATA) + TU_EVENT_COLUMNS * sizeof(NMCOLUMNINFO));
    e->Version = 0;
    e->EventIdent = ident;
    e->Flags = NMEVENTFLAG_EXPERT;
    e->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    e->szSourceName = s_source;
    e->szEventName = name;
    e->szDescription = desc;
    e->Justification = just;
}

static void col_u32(PNMEVENTDATA e, char *name, uint64_t v, int *clamped)
{
    NMCOLUMNINFO *c = &e->Column[e->NumColumns++];
    c->szColumnName = name;
    c->VariantData.Type = NMCOLUMNTYPE_UINT32;
    if (v > 0xFFFFFFFFull) {
        v = 0xFFFFFFFFull;
        if (clamped)
            *clamped = 1;
    }
    c->VariantData.Value.Uint32Val = (DWORD)v;
}

static void col_str(PNMEVENTDATA e, char *name, const char *s)
{
    NMCOLUMNINFO *c = &e->Column[e->NumColumns++];
    c->szColumnName = name;
    c->VariantData.Type = NMCOLUMNTYPE_STRING;
    c->VariantData.Value.pStringVal = s;
}

/* What the keys accept, for the error about a bad configuration. */
#define TU_ACCEPTS "top accepts a whole number from 1 to 4294967295; by accepts bytes or frames; " \
                   "layer accepts auto, ip or mac; tunnels accepts yes or no"

static int config_bad(const tu_config *c)
{
    return c->unknown[0] || c->invalid[0];
}

static void config_error_text(const tu_config *c, char *buf, size_t len)
{
    snprintf(buf, len, "Top Users: configuration refused:%s%s%s%s. %s.",
             c->invalid[0] ? " bad value " : "", c->invalid,
             c->unknown[0] ? (c->invalid[0] ? "; unknown key " : " unknown key ") : "",
             c->unknown, TU_ACCEPTS);
}

static DWORD submit_note(tu_run *r, const char *text)
{
    char buf[TU_NOTE_MAX + 128];
    snprintf(buf, sizeof buf, "%s", text);
    event_reset(r, 4, s_note, buf, NULL);
    col_str(r->ev, c_text, buf);
    return ExpertSubmitEvent(r->key, r->ev);
}

/* IPv6 text, RFC 5952 (longest run of two or more zero groups as "::"). */
static void ipv6_text(const BYTE *a, char *out, size_t len)
{
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = be16(a + 2 * i);
    int best = -1, bestn = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > bestn && j - i >= 2) {
            best = i;
            bestn = j - i;
        }
        i = j;
    }
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < 8 && n < len; i++) {
        if (i == best) {
            n += (size_t)snprintf(out + n, len - n, "%s", i == 0 ? "::" : ":");
            i += bestn - 1;
            continue;
        }
        n += (size_t)snprintf(out + n, len - n, "%x%s", g[i], i < 7 ? ":" : "");
    }
}

static void addr_text(const tu_addr *a, char *out, size_t len)
{
    const BYTE *b = a->a;
    if (a->type == AT_IPV4)
        snprintf(out, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    else if (a->type == AT_IPV6)
        ipv6_text(b, out, len);
    else
        snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

/* Does x rank before y in the table `dir` (0 senders, 1 receivers)? */
static int ranks_before(const tu_entry *x, const tu_entry *y, int dir, int by)
{
    uint64_t mx, my;
    if (dir == 0) {
        mx = by == BY_FRAMES ? x->tx_frames : x->tx_bytes;
        my = by == BY_FRAMES ? y->tx_frames : y->tx_bytes;
    } else {
        mx = by == BY_FRAMES ? x->rx_frames : x->rx_bytes;
        my = by == BY_FRAMES ? y->rx_frames : y->rx_bytes;
    }
    if (mx != my)
        return mx > my;
    return addr_cmp(&x->addr, &y->addr) < 0;
}

/* Min-heap on rank (root = lowest ranked kept entry). */
static void heap_down(size_t *h, size_t n, size_t i, const tu_entry *ent, int dir, int by)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && ranks_before(&ent[h[w]], &ent[h[l]], dir, by))
            w = l;
        if (r < n && ranks_before(&ent[h[w]], &ent[h[r]], dir, by))
            w = r;
        if (w == i)
            return;
        size_t t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/* Ranks the top cfg.top entries of table dir into r->rank; returns how many. */
static size_t rank_table(tu_run *r, int dir)
{
    const tu_entry *ent = r->table.entries;
    size_t n = 0, cap = r->cfg.top < r->table.n ? r->cfg.top : r->table.n;
    for (size_t i = 0; i < r->table.n; i++) {
        if ((dir == 0 ? ent[i].tx_frames : ent[i].rx_frames) == 0)
            continue;
        if (n < cap) {
            size_t j = n++;
            r->rank[j] = i;
            while (j > 0) { /* sift up */
                size_t p = (j - 1) / 2;
                if (!ranks_before(&ent[r->rank[p]], &ent[r->rank[j]], dir, r->cfg.by))
                    break;
                size_t t = r->rank[p];
                r->rank[p] = r->rank[j];
                r->rank[j] = t;
                j = p;
            }
        } else if (cap && ranks_before(&ent[i], &ent[r->rank[0]], dir, r->cfg.by)) {
            r->rank[0] = i;
            heap_down(r->rank, n, 0, ent, dir, r->cfg.by);
        }
    }
    /* heap sort: the lowest ranked goes last */
    for (size_t m = n; m > 1; m--) {
        size_t t = r->rank[0];
        r->rank[0] = r->rank[m - 1];
        r->rank[m - 1] = t;
        heap_down(r->rank, m - 1, 0, ent, dir, r->cfg.by);
    }
    return n;
}

static DWORD submit_table(tu_run *r, int dir)
{
    size_t n = rank_table(r, dir);
    const char *by = r->cfg.by == BY_FRAMES ? "frames" : "bytes";
    for (size_t i = 0; i < n; i++) {
        const tu_entry *e = &r->table.entries[r->rank[i]];
        uint64_t fr = dir == 0 ? e->tx_frames : e->rx_frames;
        uint64_t by_ = dir == 0 ? e->tx_bytes : e->rx_bytes;
        double share = r->total_bytes ? 100.0 * (double)by_ / (double)r->total_bytes : 0.0;
        char text[64], desc[96], just[256];
        addr_text(&e->addr, text, sizeof text);
        snprintf(desc, sizeof desc, "#%llu %s by %s", (unsigned long long)(i + 1),
                 dir == 0 ? "sender" : "receiver", by);
        snprintf(just, sizeof just, "%s %s %llu frames (%llu bytes, %.2f %% of all bytes).",
                 text, dir == 0 ? "sent" : "received", (unsigned long long)fr,
                 (unsigned long long)by_, share);
        event_reset(r, dir == 0 ? 1u : 2u, dir == 0 ? s_sender : s_receiver, desc, just);
        PNMEVENTDATA ev = r->ev;
        col_u32(ev, c_rank, i + 1, NULL);
        NMCOLUMNINFO *c = &ev->Column[ev->NumColumns++];
        c->szColumnName = c_address;
        if (e->addr.type == AT_IPV4) {
            c->VariantData.Type = NMCOLUMNTYPE_IPADDR;
            memcpy(&c->VariantData.Value.IPAddrVal, e->addr.a, 4);
        } else if (e->addr.type == AT_MAC) {
            c->VariantData.Type = NMCOLUMNTYPE_MACADDR;
            memcpy(c->VariantData.Value.MACAddrVal, e->addr.a, 6);
        } else {
            c->VariantData.Type = NMCOLUMNTYPE_STRING;
            c->VariantData.Value.pStringVal = text;
        }
        col_u32(ev, c_frames, fr, &r->clamped);
        col_u32(ev, c_bytes, by_, &r->clamped);
        c = &ev->Column[ev->NumColumns++];
        c->szColumnName = c_share;
        c->VariantData.Type = NMCOLUMNTYPE_FLOAT64;
        c->VariantData.Value.Float64Val = share;
        DWORD rc = ExpertSubmitEvent(r->key, ev);
        if (rc == NMERR_EXPERT_TERMINATE)
            return rc;
    }
    return NMERR_SUCCESS;
}

static DWORD submit_summary(tu_run *r)
{
    static const char *const layers[] = {"auto", "ip", "mac"};
    char desc[160], just[512];
    snprintf(desc, sizeof desc, "%lu of %lu frames counted, %lu addresses",
             (unsigned long)r->counted, (unsigned long)r->total_frames,
             (unsigned long)r->table.n);
    snprintf(just, sizeof just,
             "Frames examined: %lu (of %lu in the capture). Counted: %lu. Skipped (media "
             "without a recognised network layer): %lu. Unparsed (truncated or malformed "
             "headers): %lu. Without an address at layer %s: %lu. Bytes counted: %llu.",
             (unsigned long)r->examined, (unsigned long)r->total_frames,
             (unsigned long)r->counted, (unsigned long)r->skipped, (unsigned long)r->unparsed,
             layers[r->cfg.layer], (unsigned long)r->noaddr,
             (unsigned long long)r->total_bytes);
    event_reset(r, 3, s_summary, desc, just);
    PNMEVENTDATA ev = r->ev;
    col_u32(ev, c_total, r->total_frames, NULL);
    col_u32(ev, c_examined, r->examined, NULL);
    col_u32(ev, c_counted, r->counted, NULL);
    col_u32(ev, c_skipped, r->skipped, NULL);
    col_u32(ev, c_unparsed, r->unparsed, NULL);
    col_u32(ev, c_noaddr, r->noaddr, NULL);
    col_u32(ev, c_addresses, r->table.n, NULL);
    col_str(ev, c_layer, layers[r->cfg.layer]);
    col_str(ev, c_by, r->cfg.by == BY_FRAMES ? "frames" : "bytes");
    return ExpertSubmitEvent(r->key, ev);
}

static DWORD count_pairs(tu_run *r, const tu_pair *p, unsigned n, uint64_t bytes)
{
    for (unsigned i = 0; i < n; i++) {
        DWORD err = NMERR_SUCCESS;
        tu_entry *s = table_get(r->key, &r->table, &p[i].src, &err);
        if (!s)
            return err;
        s->tx_frames++;
        s->tx_bytes += bytes;
        tu_entry *d = table_get(r->key, &r->table, &p[i].dst, &err);
        if (!d)
            return err;
        d->rx_frames++;
        d->rx_bytes += bytes;
        r->total_bytes += bytes;
    }
    return NMERR_SUCCESS;
}

static DWORD count_frame(tu_run *r, const EXPERTFRAMEDESCRIPTOR *desc, DWORD cap_mac)
{
    const BYTE *rec = (const BYTE *)desc->pFrame;
    DWORD wire, avail;
    if (!rec) {
        r->unparsed++;
        return NMERR_SUCCESS;
    }
    memcpy(&wire, rec + offsetof(FRAME, FrameLength), sizeof wire);
    memcpy(&avail, rec + offsetof(FRAME, nBytesAvail), sizeof avail);
    const BYTE *d = rec + offsetof(FRAME, MacFrame);

    DWORD mac = desc->hFrame ? GetFrameMacType(desc->hFrame) : cap_mac;
    tu_found f;
    memset(&f, 0, sizeof f);
    f.tunnels = r->cfg.tunnels;
    int media = 1;
    if (mac == MAC_TYPE_ETHERNET)
        p_eth(d, 0, avail, &f, 0);
    else if (mac == MAC_TYPE_TOKENRING)
        p_tokenring(d, avail, &f);
    else if (mac == MAC_TYPE_FDDI)
        p_fddi(d, avail, &f);
    else
        media = p_unknown_media(d, avail, wire, &f);
    if (!media) {
        r->skipped++;
        return NMERR_SUCCESS;
    }
    const tu_pair *pairs = NULL;
    unsigned n = 0;
    if (r->cfg.layer == LAYER_IP || (r->cfg.layer == LAYER_AUTO && f.nip)) {
        pairs = f.ip;
        n = f.nip;
    } else {
        pairs = f.mac;
        n = f.nmac;
    }
    if (n == 0) {
        if (f.bad)
            r->unparsed++;
        else
            r->noaddr++;
        return NMERR_SUCCESS;
    }
    r->counted++;
    return count_pairs(r, pairs, n, wire);
}

/* Reports a failure (not for termination) and returns FALSE. */
static BOOL run_fail(tu_run *r, DWORD err)
{
    run_free(r);
    if (err == NMERR_EXPERT_TERMINATE)
        return TRUE;
    char text[96];
    snprintf(text, sizeof text, "Top Users stopped: error %lu%s", (unsigned long)err,
             err == NMERR_OUT_OF_MEMORY ? " (out of memory)" : "");
    ExpertIndicateStatus(r->key, EXPERTSTATUS_PROBLEM, err, text, 0);
    return FALSE;
}

NMAPI_EXPORT BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig,
                             PEXPERTSTARTUPINFO pExpertStartupInfo, DWORD StartupFlags,
                             HWND hWndParent)
{
    (void)hWndParent;
    tu_run r;
    memset(&r, 0, sizeof r);
    r.key = hExpertKey;
    /* started from a context menu: no configuration applies */
    config_parse(&r.cfg, (StartupFlags & EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA)
                             ? NULL
                             : pConfig);

    EXPERTSTARTUPINFO si;
    if (!pExpertStartupInfo) {
        memset(&si, 0, sizeof si);
        DWORD rc = ExpertGetStartupInfo(hExpertKey, &si);
        if (rc != NMERR_SUCCESS)
            return run_fail(&r, rc);
        pExpertStartupInfo = &si;
    }
    HCAPTURE hcap = pExpertStartupInfo->hCapture;
    r.total_frames = hcap ? GetCaptureTotalFrames(hcap) : 0;
    DWORD cap_mac = hcap ? GetCaptureMacType(hcap) : MAC_TYPE_UNKNOWN;

    DWORD rc = ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_STARTING, 0,
                                    "Top Users: counting addresses", 0);
    if (rc == NMERR_EXPERT_TERMINATE)
        return run_fail(&r, rc);

    DWORD err = NMERR_SUCCESS;
    r.ev = ExpertAllocMemory(hExpertKey,
                             sizeof(NMEVENTDATA) + TU_EVENT_COLUMNS * sizeof(NMCOLUMNINFO), &err);
    if (!r.ev)
        return run_fail(&r, alloc_error(err));

    if (config_bad(&r.cfg)) {
        static char s_config[] = "Configuration refused";
        char msg[2 * TU_NOTE_MAX + 256];
        config_error_text(&r.cfg, msg, sizeof msg);
        event_reset(&r, 5, s_config, msg, NULL);
        r.ev->Severity = NMEVENT_SEVERITY_ERROR;
        if (ExpertSubmitEvent(hExpertKey, r.ev) == NMERR_EXPERT_TERMINATE)
            return run_fail(&r, NMERR_EXPERT_TERMINATE);
        ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_PROBLEM, NMERR_INVALID_PARAMETER, msg, 0);
        run_free(&r);
        return FALSE;
    }

    EXPERTFRAMEDESCRIPTOR desc;
    DWORD n = INVALID_FRAME_NUMBER;
    long last_pct = -1;
    for (;;) {
        memset(&desc, 0, sizeof desc);
        rc = ExpertGetFrame(hExpertKey, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER, n, NULL,
                            &desc);
        if (rc == NMERR_EXPERT_TERMINATE)
            return run_fail(&r, rc);
        if (rc != NMERR_SUCCESS)
            break; /* no more frames */
        r.examined++;
        n = desc.FrameNumber;
        if (r.total_frames) {
            long pct = (long)((uint64_t)n * 100u / r.total_frames);
            if (pct > 99)
                pct = 99;
            if (pct > last_pct) {
                last_pct = pct;
                rc = ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_RUNNING, 0,
                                          "Top Users: counting addresses", (LONG)pct);
                if (rc == NMERR_EXPERT_TERMINATE)
                    return run_fail(&r, rc);
            }
        }
        rc = count_frame(&r, &desc, cap_mac);
        if (rc != NMERR_SUCCESS)
            return run_fail(&r, rc);
    }

    if (r.table.n) {
        size_t want = r.cfg.top < r.table.n ? r.cfg.top : r.table.n;
        if (want > (size_t)-1 / sizeof(size_t))
            return run_fail(&r, NMERR_OUT_OF_MEMORY);
        r.rank = ExpertAllocMemory(hExpertKey, want * sizeof(size_t), &err);
        if (!r.rank)
            return run_fail(&r, alloc_error(err));
        if ((rc = submit_table(&r, 0)) != NMERR_SUCCESS)
            return run_fail(&r, rc);
        if ((rc = submit_table(&r, 1)) != NMERR_SUCCESS)
            return run_fail(&r, rc);
    }
    if ((rc = submit_summary(&r)) == NMERR_EXPERT_TERMINATE)
        return run_fail(&r, rc);
    if (r.clamped &&
        submit_note(&r, "Some counts exceed 4294967295 and are shown as 4294967295; the "
                        "justification text of each row gives the exact values.") ==
            NMERR_EXPERT_TERMINATE)
        return run_fail(&r, NMERR_EXPERT_TERMINATE);
    run_free(&r);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Register and Configure                                                   */
/* ------------------------------------------------------------------------ */

NMAPI_EXPORT BOOL WINAPI Register(PEXPERTENUMINFO pExpertInfo)
{
    if (!pExpertInfo)
        return FALSE;
    snprintf(pExpertInfo->szName, sizeof pExpertInfo->szName, "%s", "Top Users");
    snprintf(pExpertInfo->szVendor, sizeof pExpertInfo->szVendor, "%s", "nmexpert");
    snprintf(pExpertInfo->szDescription, sizeof pExpertInfo->szDescription, "%s",
             "Ranks the top senders and receivers by the source and destination addresses "
             "(IPv4, IPv6 or MAC) of each frame, by bytes or by frames.");
    pExpertInfo->Version = 1;
    pExpertInfo->Flags = EXPERT_ENUM_FLAG_CONFIGURABLE | EXPERT_ENUM_FLAG_VIEWER_PRIVATE;
    return TRUE;
}

/* There is no dialog: Configure supplies the default configuration when
 * there is none and keeps an existing one (with or without a window). */
NMAPI_EXPORT BOOL WINAPI Configure(HEXPERTKEY hExpertKey, PEXPERTCONFIG *ppConfig,
                                   PEXPERTSTARTUPINFO pExpertStartupInfo, DWORD StartupFlags,
                                   HWND hWnd)
{
    (void)pExpertStartupInfo;
    (void)StartupFlags;
    (void)hWnd;
    static const char defaults[] = "top=10\0by=bytes\0"; /* + the array's NUL: "" */
    if (!ppConfig)
        return FALSE;
    if (*ppConfig) { /* keep it when it is valid, refuse it otherwise */
        tu_config c;
        config_parse(&c, *ppConfig);
        return config_bad(&c) ? FALSE : TRUE;
    }
    DWORD total = (DWORD)(sizeof(DWORD) + sizeof defaults);
    DWORD err = NMERR_SUCCESS;
    PEXPERTCONFIG c = ExpertAllocMemory(hExpertKey, total, &err);
    if (!c)
        return FALSE;
    memcpy(&c->RawConfigLength, &total, sizeof total);
    memcpy(c->RawConfigData, defaults, sizeof defaults);
    *ppConfig = c;
    return TRUE;
}
