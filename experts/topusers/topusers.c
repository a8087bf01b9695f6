/*
 * Top Users: ranks the top senders and receivers of a capture by the source
 * and destination addresses of each frame.
 *
 * A Network Monitor 2.x expert written only against netmon.h: it exports
 * Register, Configure and Run, walks the capture with ExpertGetFrame and
 * FLAGS_ATTACH_PROPERTIES, reads the addresses from the parsers' property
 * instances (the IP and IP6 "Source Address" / "Destination Address", the
 * ETHERNET, TOKENRING and FDDI "Source address" / "Destination address")
 * and reports its findings with ExpertSubmitEvent. It has no parser of its
 * own: what the parsers recognise (docs/link-protocols.md) is what it
 * counts. All its memory comes from the expert allocator.
 *
 * Configuration (EXPERTCONFIG.RawConfigData): NUL-separated "key=value"
 * strings ending with an empty string; RawConfigLength counts itself.
 *   top=N                 rows per table (default 10, N >= 1)
 *   by=frames|bytes       ranking metric (default bytes)
 *   layer=ip|mac|auto     addresses counted (default auto: IPv4/IPv6 when the
 *                         frame has a network header, else its MAC addresses)
 *   tunnels=yes|no        also count the headers the parsers find inside
 *                         the first IP/IPv6 header of a frame: GRE, VXLAN
 *                         (UDP 4789), IP-in-IP, IPv6-in-IPv4 (default yes);
 *                         with no, only that first IP header and the MAC
 *                         headers before it count
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
 *     VXLAN and GRE bridging), Token Ring and FDDI headers; the Token Ring
 *     source without its routing-information bit, the FDDI addresses in
 *     canonical order (as the FDDI parser decodes them, and tshark shows
 *     them). 802.11 addresses are not Ethernet endpoints (tshark keeps them
 *     apart too) and are not counted.
 *
 * A header counts when the parsers attached both its addresses and it is
 * whole: an IPv4 header of version 4, 20 bytes or more, all captured, with
 * a Total Length of 0 or covering it; an IPv6 header of version 6 with its
 * 40 bytes captured. Otherwise the frame's headers were "unparsed" (when no
 * other header gave an address). A header the capture cuts off before its
 * first byte is no layer for the parsers, so such a frame has no address
 * at that layer rather than being unparsed.
 *
 * Media: the frame's link layer is what the parsers recognise by pcap link
 * type or Network Monitor media type (Ethernet, Token Ring, FDDI, 802.11
 * behind radiotap or PPI, Linux cooked, BSD loopback, raw IP, PPP, PPPoE,
 * NFLOG, Solaris ipnet, Cisco HDLC, ...). A frame whose parsers found
 * nothing but FRAME or one of Network Monitor's own records (ETW events,
 * filters, adapter lists; the NETMON_* protocols) is counted as "skipped
 * (non-network media)". Frames of unknown media are not guessed at from
 * their contents (tshark does not either).
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
#include "xkit.h"

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */
/* ------------------------------------------------------------------------ */

enum { BY_BYTES = 0, BY_FRAMES = 1 };
enum { LAYER_AUTO = 0, LAYER_IP = 1, LAYER_MAC = 2 };

#define TU_DEFAULT_TOP 10u

typedef struct tu_config {
    DWORD top;
    int   by;
    int   layer;
    int   tunnels;
    xk_notes notes;             /* unknown keys, bad key=value items    */
} tu_config;

/* The keys (the index of a name is its BY_* or LAYER_* value). */
static const char *const by_names[] = {"bytes", "frames", NULL};
static const char *const layer_names[] = {"auto", "ip", "mac", NULL};
static const xk_option options[] = {
    {.key = "top", .kind = XK_OPT_U32, .field = offsetof(tu_config, top), .min = 1,
     .max = 0xFFFFFFFFu},
    {.key = "by", .kind = XK_OPT_CHOICE, .field = offsetof(tu_config, by), .names = by_names},
    {.key = "layer", .kind = XK_OPT_CHOICE, .field = offsetof(tu_config, layer),
     .names = layer_names},
    {.key = "tunnels", .kind = XK_OPT_BOOL, .field = offsetof(tu_config, tunnels)},
};
static const xk_options tu_options = {options, sizeof options / sizeof options[0]};

static void config_parse(tu_config *c, const EXPERTCONFIG *cfg)
{
    memset(c, 0, sizeof *c);
    c->top = TU_DEFAULT_TOP;
    c->by = BY_BYTES;
    c->layer = LAYER_AUTO;
    c->tunnels = 1;
    xk_options_parse(&tu_options, cfg, c, &c->notes);
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
static DWORD table_rehash(HEXPERTKEY key, tu_table *t, size_t nslots)
{
    if (nslots > (size_t)-1 / sizeof(size_t))
        return NMERR_OUT_OF_MEMORY;
    DWORD e = NMERR_SUCCESS;
    size_t *s = ExpertAllocMemory(key, nslots * sizeof(size_t), &e);
    if (!s)
        return xk_alloc_error(e);
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
            *err = xk_alloc_error(e);
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
/* The addresses of a frame, from the parsers' property instances           */
/* ------------------------------------------------------------------------ */

#define TU_MAX_HDRS 16 /* address pairs kept per frame and layer */

typedef struct tu_pair {
    tu_addr src, dst;
} tu_pair;

typedef struct tu_found {
    tu_pair  ip[TU_MAX_HDRS];
    unsigned nip;
    tu_pair  mac[TU_MAX_HDRS];
    unsigned nmac;
    int      bad_ip;   /* an IP header was cut short or malformed */
    int      bad_mac;  /* a MAC header was cut short              */
    unsigned ip_layers, mac_layers; /* headers seen (with a Summary)  */
} tu_found;

/* What a property is to the expert: its protocol (K_*) and field (F_*). */
enum { K_NONE = 0, K_IP4, K_IP6, K_ICMP, K_ETH, K_TR, K_FDDI };
enum { F_SUMMARY = 1, F_VERSION, F_HDRLEN, F_TOTLEN, F_SRC, F_DST, F_FRAGFLAGS };

typedef struct tu_prop {
    HPROPERTY h;
    BYTE      kind;
    BYTE      field;
} tu_prop;

#define TU_NPROPS 24
#define TU_NSKIP  12
#define TU_HBITS  7 /* lookup slots: 128 for 22 handles */

/* The handles of the properties read, looked up by name once per run, and
 * the protocol ids (PROTOCOLINFO.ProtocolID) the recognise table names. */
typedef struct tu_handles {
    tu_prop  props[TU_NPROPS];
    unsigned nprops;
    BYTE     slot[1u << TU_HBITS]; /* open addressing: index + 1, 0 = empty */
    DWORD    id_ip4, id_ip6, id_eth, id_tr, id_fddi;
    DWORD    skip_ids[TU_NSKIP]; /* FRAME and Network Monitor's own records */
    unsigned nskip;
} tu_handles;

static unsigned be16(const BYTE *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* The protocol named `name` (netmon.h takes names as LPSTR). */
static HPROTOCOL proto_named(const char *name)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s", name);
    return GetProtocolFromName(buf);
}

/* Where the lookup of a property handle starts. */
static unsigned prop_slot(HPROPERTY h)
{
    uint64_t x = (uint64_t)(uintptr_t)h * 0x9E3779B97F4A7C15ull;
    return (unsigned)(x >> (64 - TU_HBITS));
}

/* The property, if it is one the expert reads (every instance of a frame
 * is looked up, so this is a hash lookup, not a search). */
static const tu_prop *prop_find(const tu_handles *hs, HPROPERTY h)
{
    for (unsigned j = prop_slot(h);; j = (j + 1) & ((1u << TU_HBITS) - 1)) {
        unsigned k = hs->slot[j];
        if (k == 0)
            return NULL;
        if (hs->props[k - 1].h == h)
            return &hs->props[k - 1];
    }
}

static DWORD proto_id(const char *name)
{
    HPROTOCOL hp = proto_named(name);
    LPPROTOCOLINFO pi = hp ? GetProtocolInfo(hp) : NULL;
    return pi ? pi->ProtocolID : (DWORD)-1;
}

/* Looks the properties up by protocol name and label; FALSE when the
 * parsers lack one of them. */
static int handles_init(tu_handles *hs)
{
    static const struct {
        const char *proto, *label;
        BYTE kind, field;
    } want[] = {
        {"IP", "Summary", K_IP4, F_SUMMARY},
        {"IP", "Version", K_IP4, F_VERSION},
        {"IP", "Header Length", K_IP4, F_HDRLEN},
        {"IP", "Total Length", K_IP4, F_TOTLEN},
        {"IP", "Source Address", K_IP4, F_SRC},
        {"IP", "Destination Address", K_IP4, F_DST},
        {"IP6", "Summary", K_IP6, F_SUMMARY},
        {"IP6", "Version", K_IP6, F_VERSION},
        {"IP6", "Source Address", K_IP6, F_SRC},
        {"IP6", "Destination Address", K_IP6, F_DST},
        {"IP6", "Fragment Flags", K_IP6, F_FRAGFLAGS},
        {"ICMP", "Summary", K_ICMP, F_SUMMARY},
        {"ICMP6", "Summary", K_ICMP, F_SUMMARY},
        {"ETHERNET", "Summary", K_ETH, F_SUMMARY},
        {"ETHERNET", "Source address", K_ETH, F_SRC},
        {"ETHERNET", "Destination address", K_ETH, F_DST},
        {"TOKENRING", "Summary", K_TR, F_SUMMARY},
        {"TOKENRING", "Source address", K_TR, F_SRC},
        {"TOKENRING", "Destination address", K_TR, F_DST},
        {"FDDI", "Summary", K_FDDI, F_SUMMARY},
        {"FDDI", "Source address", K_FDDI, F_SRC},
        {"FDDI", "Destination address", K_FDDI, F_DST},
    };
    static const char *const skip[] = {"FRAME", "NETMON_EVENT", "NETMON_FILTER",
                                       "NETMON_NETINFO", "NETMON_DNSCACHE", "NETMON_PAYLOAD",
                                       "NETMON_ATM", "NETMON_WIFI", "NETMON_MA"};
    memset(hs, 0, sizeof *hs);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        HPROTOCOL hp = proto_named(want[i].proto);
        char label[32];
        snprintf(label, sizeof label, "%s", want[i].label);
        HPROPERTY h = hp ? GetProperty(hp, label) : 0;
        if (!h)
            return 0;
        tu_prop *p = &hs->props[hs->nprops++];
        p->h = h;
        p->kind = want[i].kind;
        p->field = want[i].field;
        unsigned j = prop_slot(h);
        while (hs->slot[j])
            j = (j + 1) & ((1u << TU_HBITS) - 1);
        hs->slot[j] = (BYTE)hs->nprops;
    }
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
        DWORD id = proto_id(skip[i]);
        if (id != (DWORD)-1)
            hs->skip_ids[hs->nskip++] = id;
    }
    hs->id_ip4 = proto_id("IP");
    hs->id_ip6 = proto_id("IP6");
    hs->id_eth = proto_id("ETHERNET");
    hs->id_tr = proto_id("TOKENRING");
    hs->id_fddi = proto_id("FDDI");
    return 1;
}

/* The bytes of an instance: in the frame, or decoded inline (extended). */
static const BYTE *inst_data(const PROPERTYINST *pi, DWORD *len)
{
    if (pi->DataLength == PROPERTYINST_EX_LENGTH) {
        *len = pi->lpPropertyInstEx->LengthEx;
        return pi->lpPropertyInstEx->Byte;
    }
    *len = pi->DataLength;
    return pi->lpByte;
}

/* A small number (BYTE, WORD: network order when IFLAG_SWAPPED). */
static unsigned inst_number(const PROPERTYINST *pi)
{
    DWORD len;
    const BYTE *p = inst_data(pi, &len);
    if (len >= 2 && pi->lpPropertyInfo->DataType == PROP_TYPE_WORD) {
        WORD w;
        memcpy(&w, p, 2);
        return (pi->IFlags & IFLAG_SWAPPED) ? be16(p) : w;
    }
    return len >= 1 ? p[0] : 0;
}

/* One header being read: the fields of one layer of an address protocol. */
typedef struct tu_hdr {
    int  kind;           /* K_*, K_NONE when no header is open        */
    int  ignore;         /* quoted by ICMP, or a tunnel when tunnels=no */
    const PROPERTYINST *summary, *src, *dst;
    unsigned version, hdrlen, totlen, fragflags;
    int  have_version, have_hdrlen, version_error;
} tu_hdr;

static void set_addr(tu_addr *a, BYTE type, const PROPERTYINST *pi, DWORD want)
{
    DWORD len;
    const BYTE *p = inst_data(pi, &len);
    memset(a, 0, sizeof *a);
    a->type = type;
    memcpy(a->a, p, want <= len ? want : len);
}

static void add_pair(tu_pair *arr, unsigned *n, BYTE type, const tu_hdr *h, DWORD len)
{
    if (*n >= TU_MAX_HDRS)
        return;
    tu_pair *p = &arr[(*n)++];
    set_addr(&p->src, type, h->src, len);
    set_addr(&p->dst, type, h->dst, len);
}

/* Closes the open header: its addresses count when the header is whole
 * and valid (the rules of the file's banner). */
static void hdr_close(tu_hdr *h, tu_found *f)
{
    DWORD sl = 0;
    if (h->kind == K_NONE || h->ignore) {
        h->kind = K_NONE;
        return;
    }
    if (h->summary)
        inst_data(h->summary, &sl);
    switch (h->kind) {
    case K_IP4:
        /* version 4, a header of 20 bytes or more that the capture holds
         * whole, a Total Length of 0 (segmentation offload) or covering
         * the header */
        if (!h->src || !h->dst || h->version_error || !h->have_version || h->version != 4 ||
            !h->have_hdrlen || h->hdrlen < 20 || sl < h->hdrlen ||
            (h->totlen != 0 && h->totlen < h->hdrlen))
            f->bad_ip = 1;
        else
            add_pair(f->ip, &f->nip, AT_IPV4, h, 4);
        break;
    case K_IP6:
        if (!h->src || !h->dst || h->version_error || !h->have_version || h->version != 6 ||
            sl < 40)
            f->bad_ip = 1;
        else if (!(h->fragflags & 1u))
            /* A real fragment is left out unless it ends its packet (more
             * fragments clear), as tshark's IPv6 endpoints do; see the
             * banner. */
            add_pair(f->ip, &f->nip, AT_IPV6, h, 16);
        break;
    default: /* MAC headers */
        if (!h->src || !h->dst) {
            f->bad_mac = 1;
        } else {
            unsigned before = f->nmac;
            add_pair(f->mac, &f->nmac, AT_MAC, h, 6);
            /* Token Ring: the source's high bit says routing information
             * follows; the station's address is without it. */
            if (h->kind == K_TR && f->nmac > before)
                f->mac[before].src.a[0] &= 0x7F;
        }
        break;
    }
    h->kind = K_NONE;
}

/* Walks the frame's property instances (outermost protocol first) and
 * collects the address pairs of every IP, IP6, ETHERNET, TOKENRING and FDDI
 * header. `tunnels`: headers after the first IP/IP6 header count too. */
static void collect(const tu_handles *hs, const PROPERTYTABLE *pt, int tunnels, tu_found *f)
{
    tu_hdr h;
    memset(&h, 0, sizeof h);
    int quoted = 0, seen_ip = 0;
    for (DWORD i = 0; i < pt->nTotalPropertyInsts; i++) {
        const PROPERTYINST *pi = &pt->lpFirstPropertyInst[i];
        const tu_prop *p = prop_find(hs, pi->lpPropertyInfo->hProperty);
        if (!p)
            continue;
        if (p->field == F_SUMMARY) { /* a new layer of one of these protocols */
            hdr_close(&h, f);
            memset(&h, 0, sizeof h);
            if (p->kind == K_ICMP) {
                quoted = 1; /* what follows is the packet an ICMP error quotes */
                continue;
            }
            h.kind = p->kind;
            h.summary = pi;
            h.ignore = quoted || (!tunnels && seen_ip);
            if (p->kind == K_IP4 || p->kind == K_IP6) {
                seen_ip = 1;
                f->ip_layers++;
            } else {
                f->mac_layers++;
            }
            continue;
        }
        if (p->kind != h.kind)
            continue;
        switch (p->field) {
        case F_VERSION:
            h.version = inst_number(pi);
            h.have_version = 1;
            h.version_error = (pi->IFlags & IFLAG_ERROR) != 0;
            break;
        case F_HDRLEN:
            h.hdrlen = inst_number(pi);
            h.have_hdrlen = 1;
            break;
        case F_TOTLEN: h.totlen = inst_number(pi); break;
        case F_FRAGFLAGS:
            if (!h.fragflags) /* the first Fragment header decides */
                h.fragflags = inst_number(pi) | 0x100u;
            break;
        case F_SRC: if (!h.src) h.src = pi; break;
        case F_DST: if (!h.dst) h.dst = pi; break;
        default: break;
        }
    }
    hdr_close(&h, f);
}

/* How many layers of protocols a, b or c the parsers recognised. */
static unsigned recognised(const RECOGNIZEDATATABLE *rt, DWORD a, DWORD b, DWORD c)
{
    unsigned n = 0;
    for (WORD i = 0; rt && i < rt->nRecognizeDatas; i++) {
        DWORD id = rt->RecognizeData[i].ProtocolID;
        n += id == a || id == b || id == c;
    }
    return n;
}

/* Does the frame carry a network (not only FRAME or a Network Monitor
 * record such as an ETW event)? */
static int network_media(const tu_handles *hs, const RECOGNIZEDATATABLE *rt)
{
    for (WORD i = 0; rt && i < rt->nRecognizeDatas; i++) {
        DWORD id = rt->RecognizeData[i].ProtocolID;
        int skip = 0;
        for (unsigned k = 0; k < hs->nskip; k++)
            if (hs->skip_ids[k] == id)
                skip = 1;
        if (!skip)
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Run                                                                      */
/* ------------------------------------------------------------------------ */

typedef struct tu_run {
    HEXPERTKEY   key;
    tu_config    cfg;
    tu_handles   hs;
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
    xk_event_reset(r->ev, TU_EVENT_COLUMNS, ident, s_source, name, desc, just);
}

/* What the keys accept, for the error about a bad configuration. */
#define TU_ACCEPTS "top accepts a whole number from 1 to 4294967295; by accepts bytes or frames; " \
                   "layer accepts auto, ip or mac; tunnels accepts yes or no"

static DWORD submit_note(tu_run *r, const char *text)
{
    char buf[XK_NOTE_MAX + 128];
    snprintf(buf, sizeof buf, "%s", text);
    event_reset(r, 4, s_note, buf, NULL);
    xk_col_str(r->ev, c_text, buf);
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
        xk_col_u32(ev, c_rank, i + 1, NULL);
        if (e->addr.type == AT_IPV4)
            memcpy(&xk_col(ev, c_address, NMCOLUMNTYPE_IPADDR)->VariantData.Value.IPAddrVal,
                   e->addr.a, 4);
        else if (e->addr.type == AT_MAC)
            memcpy(xk_col(ev, c_address, NMCOLUMNTYPE_MACADDR)->VariantData.Value.MACAddrVal,
                   e->addr.a, 6);
        else
            xk_col_str(ev, c_address, text);
        xk_col_u32(ev, c_frames, fr, &r->clamped);
        xk_col_u32(ev, c_bytes, by_, &r->clamped);
        xk_col_f64(ev, c_share, share);
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
    xk_col_u32(ev, c_total, r->total_frames, NULL);
    xk_col_u32(ev, c_examined, r->examined, NULL);
    xk_col_u32(ev, c_counted, r->counted, NULL);
    xk_col_u32(ev, c_skipped, r->skipped, NULL);
    xk_col_u32(ev, c_unparsed, r->unparsed, NULL);
    xk_col_u32(ev, c_noaddr, r->noaddr, NULL);
    xk_col_u32(ev, c_addresses, r->table.n, NULL);
    xk_col_str(ev, c_layer, layers[r->cfg.layer]);
    xk_col_str(ev, c_by, r->cfg.by == BY_FRAMES ? "frames" : "bytes");
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

static DWORD count_frame(tu_run *r, const EXPERTFRAMEDESCRIPTOR *desc)
{
    const BYTE *rec = (const BYTE *)desc->pFrame;
    const PROPERTYTABLE *pt = desc->lpPropertyTable;
    const RECOGNIZEDATATABLE *rt = desc->lpRecognizeDataTable;
    DWORD wire;
    if (!rec || !pt) {
        r->unparsed++;
        return NMERR_SUCCESS;
    }
    memcpy(&wire, rec + offsetof(FRAME, FrameLength), sizeof wire);
    if (!network_media(&r->hs, rt)) {
        r->skipped++;
        return NMERR_SUCCESS;
    }
    tu_found f;
    memset(&f, 0, sizeof f);
    collect(&r->hs, pt, r->cfg.tunnels, &f);
    /* a layer the parsers recognised without attaching its Summary (no
     * byte of it captured) is cut short too */
    if (recognised(rt, r->hs.id_ip4, r->hs.id_ip6, (DWORD)-1) > f.ip_layers)
        f.bad_ip = 1;
    if (recognised(rt, r->hs.id_eth, r->hs.id_tr, r->hs.id_fddi) > f.mac_layers)
        f.bad_mac = 1;
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
        if (f.bad_ip || f.bad_mac)
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
    return xk_fail(r->key, "Top Users", err);
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
    DWORD rc = xk_run_begin(hExpertKey, &pExpertStartupInfo, &si, "Top Users: counting addresses",
                            TU_EVENT_COLUMNS, &r.ev);
    if (rc != NMERR_SUCCESS)
        return run_fail(&r, rc);
    HCAPTURE hcap = pExpertStartupInfo->hCapture;

    if (xk_notes_bad(&r.cfg.notes)) {
        char msg[2 * XK_NOTE_MAX + 256];
        xk_notes_text(&r.cfg.notes, "Top Users", TU_ACCEPTS, msg, sizeof msg);
        if (xk_refuse(hExpertKey, r.ev, TU_EVENT_COLUMNS, 5, s_source, msg) ==
            NMERR_EXPERT_TERMINATE)
            return run_fail(&r, NMERR_EXPERT_TERMINATE);
        run_free(&r);
        return FALSE;
    }

    if (!handles_init(&r.hs))
        return run_fail(&r, NMERR_PROPERTY_NOT_FOUND);

    EXPERTFRAMEDESCRIPTOR desc;
    DWORD n = INVALID_FRAME_NUMBER;
    xk_progress prog;
    xk_progress_init(&prog, hExpertKey, "Top Users: counting addresses");
    for (;;) {
        memset(&desc, 0, sizeof desc);
        rc = ExpertGetFrame(hExpertKey, GET_FRAME_NEXT_FORWARD,
                            FLAGS_DEFER_TO_UI_FILTER | FLAGS_ATTACH_PROPERTIES, n, NULL, &desc);
        if (rc == NMERR_EXPERT_TERMINATE)
            return run_fail(&r, rc);
        if (rc != NMERR_SUCCESS)
            break; /* no more frames */
        r.examined++;
        n = desc.FrameNumber;
        if ((rc = xk_progress_step(&prog, n)) != NMERR_SUCCESS)
            return run_fail(&r, rc);
        rc = count_frame(&r, &desc);
        if (rc != NMERR_SUCCESS)
            return run_fail(&r, rc);
    }
    /* asked once the scan has read the file: free by now */
    r.total_frames = hcap ? GetCaptureTotalFrames(hcap) : 0;

    if (r.table.n) {
        size_t want = r.cfg.top < r.table.n ? r.cfg.top : r.table.n;
        if (want > (size_t)-1 / sizeof(size_t))
            return run_fail(&r, NMERR_OUT_OF_MEMORY);
        DWORD err = NMERR_SUCCESS;
        r.rank = ExpertAllocMemory(hExpertKey, want * sizeof(size_t), &err);
        if (!r.rank)
            return run_fail(&r, xk_alloc_error(err));
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
    return xk_register(pExpertInfo, "Top Users",
                       "Ranks the top senders and receivers by the source and destination "
                       "addresses (IPv4, IPv6 or MAC) of each frame, by bytes or by frames.",
                       EXPERT_ENUM_FLAG_CONFIGURABLE | EXPERT_ENUM_FLAG_VIEWER_PRIVATE);
}

/* There is no dialog: Configure supplies the default configuration when
 * there is none and keeps an existing one (with or without a window). */
XK_CONFIGURE_WITH_DEFAULTS("top=10\0by=bytes\0", &tu_options)
