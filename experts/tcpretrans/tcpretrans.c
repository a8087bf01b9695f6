/*
 * TCP Retransmit: finds the TCP segments of a capture that were sent again,
 * as Network Monitor's expert of that name did ("the number of retransmits,
 * the original frame number and the final, successful frame"), with the
 * retransmission rules of Wireshark's TCP analysis so that its counts can be
 * checked against `tshark -Y tcp.analysis.retransmission`.
 *
 * Written against netmon.h only. Every frame comes from ExpertGetFrame,
 * without a filter (the parsers recognise the protocols of each frame; no
 * properties are attached). The parsers' recognised-protocol table
 * (GetFrameRecognizeData) says where the first TCP header and the innermost
 * IP or IP6 header before it start, whatever the link layer, VLAN tags or
 * tunnels; the values the analysis needs are read at their fixed places in
 * those headers: TCP Source/Destination Port, Sequence and Acknowledgement
 * Number, Data Offset, Flags, Window; the IP or IP6 addresses; and the
 * segment length as the end of the IP datagram (IP Total Length, or IP6
 * Payload Length + 40, from the header's start) minus the end of the TCP
 * header. A TCP header quoted inside an ICMP or ICMP6 error is not a segment.
 *
 * The rules (docs/experts/tcpretrans.md, "How a retransmission is told"):
 * per connection and direction the analysis keeps the next expected sequence
 * number, the last acknowledgement, the window and the duplicate-ACK count;
 * a segment carrying data (or SYN/FIN) whose sequence number is below the
 * next expected one is a retransmission unless it is a keep-alive or an
 * out-of-order segment; it is fast when two duplicate ACKs asked for it
 * within 20 ms, spurious when the other side had already acknowledged it.
 *
 * Memory: one record per connection, plus a window of the last `window`
 * (option, default 256) segments per direction that remembers where each
 * segment was first sent. A segment leaves the window when newer segments
 * push it out or the capture ends; its event is submitted then. A later
 * retransmission of a segment no longer in the window is still counted, with
 * its original frame unknown (0).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netmon.h>

#include "xkit.h"

#define TR_NAME "TCP Retransmit"
#define TR_DEFAULT_WINDOW 256u
#define TR_MAX_WINDOW 65536u
#define TR_LISTED 16 /* retransmission frames listed in an event */

/* TCP flag bits (RFC 9293, section 3.1). */
#define F_FIN 0x01u
#define F_SYN 0x02u
#define F_RST 0x04u
#define F_ACK 0x10u

/* Analysis results of one segment. */
#define A_RETRANS 0x01u
#define A_FAST 0x02u
#define A_SPURIOUS 0x04u
#define A_OOO 0x08u
#define A_KEEPALIVE 0x10u
#define A_DUPACK 0x20u
#define A_ZWP 0x40u
#define A_WINUPD 0x80u
#define A_KAACK 0x100u

/* Time limits of the rules, in microseconds. */
#define FAST_LIMIT_US 20000
#define OOO_DEFAULT_US 3000

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */
/* ------------------------------------------------------------------------ */

typedef struct tr_config {
    DWORD window;
    xk_notes notes;
} tr_config;

/* The one key: window, of at most 6 digits. */
static const xk_option options[] = {
    {.key = "window", .kind = XK_OPT_U32, .field = offsetof(tr_config, window), .min = 1,
     .max = TR_MAX_WINDOW, .digits = 6},
};
static const xk_options tr_options = {options, sizeof options / sizeof options[0]};

static void config_parse(tr_config *c, const EXPERTCONFIG *cfg)
{
    memset(c, 0, sizeof *c);
    c->window = TR_DEFAULT_WINDOW;
    xk_options_parse(&tr_options, cfg, c, &c->notes);
}

static void config_error_text(const tr_config *c, char *out, size_t n)
{
    if (c->notes.unknown[0])
        snprintf(out, n, "TCP Retransmit: unknown option %s (accepted: window)", c->notes.unknown);
    else
        snprintf(out, n,
                 "TCP Retransmit: bad value %s (window: a whole number from 1 to %u, the "
                 "segments remembered per connection and direction)",
                 c->notes.invalid, TR_MAX_WINDOW);
}

/* ------------------------------------------------------------------------ */
/* State                                                                    */
/* ------------------------------------------------------------------------ */

/* A segment as first sent, and what became of it. */
typedef struct tr_seg {
    uint32_t seq, len;      /* absolute sequence number; length (SYN/FIN count 1) */
    DWORD    orig;          /* frame number from 1; 0 = not seen (before the window) */
    DWORD    first, last;   /* first and last retransmission frames */
    int64_t  t_orig, t_last;
    DWORD    count, fast, spurious;
    DWORD    listed[TR_LISTED];
} tr_seg;

typedef struct tr_dir {
    uint32_t base;          /* first sequence number seen: sequence numbers are relative to it */
    uint32_t nextseq;       /* relative; 0 = not known yet */
    int64_t  nextseq_t;
    uint32_t lastack;       /* absolute */
    int64_t  lastack_t;
    uint32_t syn_seq;
    uint32_t window;
    DWORD    dupacks;
    unsigned base_set : 1, lastack_set : 1, window_set : 1, syn_seen : 1, last_keepalive : 1;
    /* the window of segments: a ring of cap entries (a power of two), n used
     * (at most the window), oldest at head; span[i] repeats ring[i]'s range
     * so that finding a segment reads 8 bytes per entry, not the whole record */
    tr_seg  *ring;
    struct tr_span { uint32_t seq, len; } *span; /* len: at least 1 */
    DWORD    cap, n, head;
} tr_dir;

typedef struct tr_key {
    BYTE     family;        /* 4 or 6 */
    BYTE     a[16], b[16];  /* a: the first sender */
    uint16_t pa, pb;
} tr_key;

typedef struct tr_conn {
    tr_key   key;
    tr_dir   d[2];          /* d[0]: sent by key.a */
    int64_t  syn_t;         /* time of the first SYN, for the initial RTT (syn_t_set) */
    int64_t  irtt;          /* 0 = not known */
    DWORD    first_frame, last_frame;
    DWORD    segments, retrans, fast, spurious;
    DWORD    first_retrans_orig, final_frame;
    unsigned synack_seen : 1, irtt_done : 1, has_first_orig : 1, syn_t_set : 1;
    DWORD    generation;    /* reuses of the ports (a new SYN) */
} tr_conn;

typedef struct tr_run {
    HEXPERTKEY    key;
    tr_config     cfg;
    NMEVENTDATA  *ev;
    tr_conn      *conns;
    size_t        nconns, capconns;
    size_t       *slots;
    size_t        nslots;
    /* the protocols, and their ids in the recognised-protocol table */
    HPROTOCOL     tcp;
    WORD          id_tcp, id_ip, id_ip6, id_icmp, id_icmp6;
    int           has_icmp, has_icmp6;
    /* totals */
    DWORD         tcp_frames, retrans, fast, spurious, unknown_orig, conns_with;
    DWORD         skipped;  /* frames without TCP, or without a usable IP header or length */
    char          text[512], src[64], dst[64], frames[TR_LISTED * 11 + 8];
} tr_run;

/* Sequence-number comparisons modulo 2^32 (RFC 9293, section 3.4). */
static int seq_lt(uint32_t x, uint32_t y) { return (int32_t)(x - y) < 0; }
static int seq_le(uint32_t x, uint32_t y) { return (int32_t)(x - y) <= 0; }
static int seq_gt(uint32_t x, uint32_t y) { return (int32_t)(x - y) > 0; }

/* ------------------------------------------------------------------------ */
/* Reading a frame through its properties                                   */
/* ------------------------------------------------------------------------ */

typedef struct tr_frame {
    const BYTE *tcp;        /* start of the TCP header (Source Port) */
    const BYTE *ip_end;     /* end of the IP datagram */
    uint32_t seq, ack, doff, window;
    uint16_t sport, dport;
    BYTE     flags, family;
    BYTE     src[16], dst[16];
    int      in_icmp, fragment;
} tr_frame;

static uint32_t be16(const BYTE *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const BYTE *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The offset of a recognised protocol; a table entry holds 16 bits and says
 * 0xFFFF for anything further, which the offset functions then give whole. */
static DWORD layer_offset(HFRAME h, const RECOGNIZEDATA *rd, DWORD before, const char *name,
                          HPROTOCOL proto)
{
    if (rd->nProtocolOffset != 0xFFFFu)
        return rd->nProtocolOffset;
    if (proto)
        return GetProtocolStartOffsetHandle(h, proto);
    char buf[8];
    DWORD off;
    snprintf(buf, sizeof buf, "%s", name);
    return GetPreviousProtocolOffsetByName(h, before, buf, &off) == NMERR_SUCCESS ? off
                                                                                : (DWORD)-1;
}

/* The frame's first TCP header and the innermost IP header before it. The
 * parsers say where they are (the frame's recognised protocols: IP, IP6,
 * TCP, with tunnels, VLANs, PPP and the other link layers resolved); the
 * header fields are at fixed places in them (RFC 791 section 3.1, RFC 8200
 * section 3, RFC 9293 section 3.1), read from the frame's bytes. Asking
 * for the recognised protocols only, instead of every property of every
 * frame, is what makes the expert fast. Returns 1 when every value the
 * analysis needs is in the captured bytes. */
static int read_frame(const tr_run *r, const EXPERTFRAMEDESCRIPTOR *d, tr_frame *f)
{
    memset(f, 0, sizeof *f);
    ULPFRAME fr = d->pFrame;
    const RECOGNIZEDATATABLE *rt = GetFrameRecognizeData(d->hFrame);
    if (!rt || !fr)
        return 0;
    const RECOGNIZEDATA *ip = NULL, *tcp = NULL;
    for (WORD i = 0; i < rt->nRecognizeDatas; i++) {
        const RECOGNIZEDATA *rd = &rt->RecognizeData[i];
        WORD id = rd->ProtocolID;
        if (id == r->id_tcp) {
            tcp = rd;
            break;
        }
        if (id == r->id_ip || id == r->id_ip6)
            ip = rd; /* the innermost one before TCP */
        else if ((r->has_icmp && id == r->id_icmp) || (r->has_icmp6 && id == r->id_icmp6))
            f->in_icmp = 1; /* TCP quoted in an ICMP error: not a segment of its own */
    }
    if (!tcp || !ip)
        return 0;
    const DWORD avail = fr->nBytesAvail;
    const BYTE *frame = (const BYTE *)fr->MacFrame;
    DWORD toff = layer_offset(d->hFrame, tcp, 0, "TCP", r->tcp);
    if (toff == (DWORD)-1)
        return 0;
    int v4 = ip->ProtocolID == r->id_ip;
    DWORD ioff = layer_offset(d->hFrame, ip, toff, v4 ? "IP" : "IP6", NULL);
    if (ioff == (DWORD)-1 || ioff >= toff)
        return 0;
    /* the fixed TCP header up to the Window, and the addresses */
    if (toff > avail || avail - toff < 16 || ioff > avail || avail - ioff < (v4 ? 20u : 40u))
        return 0;
    const BYTE *h = frame + ioff;
    if (v4) {
        uint32_t total = be16(h + 2);
        f->family = 4;
        memcpy(f->src, h + 12, 4);
        memcpy(f->dst, h + 16, 4);
        f->fragment = (be16(h + 6) & 0x1FFFu) != 0;
        /* Total Length 0: a segmentation-offloaded datagram captured before
         * the card split it; it ends with the frame */
        f->ip_end = total ? h + total : frame + fr->FrameLength;
    } else {
        f->family = 6;
        memcpy(f->src, h + 8, 16);
        memcpy(f->dst, h + 24, 16);
        f->ip_end = h + 40 + be16(h + 4);
    }
    const BYTE *t = frame + toff;
    f->tcp = t;
    f->sport = (uint16_t)be16(t);
    f->dport = (uint16_t)be16(t + 2);
    f->seq = be32(t + 4);
    f->ack = be32(t + 8);
    f->doff = (uint32_t)(t[12] >> 4) * 4u;
    f->flags = t[13];
    f->window = be16(t + 14);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Connections                                                              */
/* ------------------------------------------------------------------------ */

static size_t key_hash(const tr_key *k)
{
    /* symmetric in the two ends, so that both directions find the record */
    uint64_t ha = 1469598103934665603ull, hb = ha;
    for (int i = 0; i < 16; i++) {
        ha = (ha ^ k->a[i]) * 1099511628211ull;
        hb = (hb ^ k->b[i]) * 1099511628211ull;
    }
    ha = (ha ^ k->pa) * 1099511628211ull;
    hb = (hb ^ k->pb) * 1099511628211ull;
    uint64_t h = (ha ^ hb) + (ha + hb) * 31u + k->family;
    return (size_t)(h ^ (h >> 31));
}

/* 0 = not the connection, 1 = same direction as key.a -> key.b, 2 = reverse. */
static int key_match(const tr_key *c, const tr_key *f)
{
    if (c->family != f->family)
        return 0;
    if (c->pa == f->pa && c->pb == f->pb && !memcmp(c->a, f->a, 16) && !memcmp(c->b, f->b, 16))
        return 1;
    if (c->pa == f->pb && c->pb == f->pa && !memcmp(c->a, f->b, 16) && !memcmp(c->b, f->a, 16))
        return 2;
    return 0;
}

static DWORD slots_grow(tr_run *r)
{
    size_t n = r->nslots ? r->nslots * 2 : 1024;
    DWORD err = NMERR_SUCCESS;
    size_t *s = ExpertAllocMemory(r->key, n * sizeof *s, &err);
    if (!s)
        return xk_alloc_error(err);
    memset(s, 0, n * sizeof *s);
    for (size_t i = 0; i < r->nconns; i++) {
        size_t j = key_hash(&r->conns[i].key) & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = i + 1;
    }
    if (r->slots)
        ExpertFreeMemory(r->key, r->slots);
    r->slots = s;
    r->nslots = n;
    return NMERR_SUCCESS;
}

/* The connection of a frame (created when new); *dir = 0 when the frame is
 * sent by the connection's first sender. */
static DWORD conn_find(tr_run *r, const tr_key *k, tr_conn **out, int *dir)
{
    if (r->nslots) {
        size_t j = key_hash(k) & (r->nslots - 1);
        while (r->slots[j]) {
            tr_conn *c = &r->conns[r->slots[j] - 1];
            int m = key_match(&c->key, k);
            if (m) {
                *out = c;
                *dir = m - 1;
                return NMERR_SUCCESS;
            }
            j = (j + 1) & (r->nslots - 1);
        }
    }
    DWORD rc;
    if ((r->nconns + 1) * 2 > r->nslots && (rc = slots_grow(r)) != NMERR_SUCCESS)
        return rc;
    if (r->nconns == r->capconns) {
        size_t n = r->capconns ? r->capconns * 2 : 256;
        DWORD err = NMERR_SUCCESS;
        tr_conn *c = r->conns ? ExpertReallocMemory(r->key, r->conns, n * sizeof *c, &err)
                              : ExpertAllocMemory(r->key, n * sizeof *c, &err);
        if (!c)
            return xk_alloc_error(err);
        r->conns = c;
        r->capconns = n;
    }
    tr_conn *c = &r->conns[r->nconns];
    memset(c, 0, sizeof *c);
    c->key = *k;
    size_t j = key_hash(k) & (r->nslots - 1);
    while (r->slots[j])
        j = (j + 1) & (r->nslots - 1);
    r->slots[j] = ++r->nconns;
    *out = c;
    *dir = 0;
    return NMERR_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

/* Text built piece by piece, without printf (one event per retransmitted
 * segment: the pieces are most of the expert's work on them), cut as
 * snprintf cuts it: the first cap - 1 bytes, always terminated. */
typedef struct tr_text {
    char *p;
    size_t cap, len;
} tr_text;

static void tt_put(tr_text *t, const char *s, size_t n)
{
    size_t room = t->cap - 1 - t->len;
    if (n > room)
        n = room;
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = 0;
}

static void tt_str(tr_text *t, const char *s)
{
    tt_put(t, s, strlen(s));
}

static void tt_u64(tr_text *t, uint64_t v)
{
    char d[20];
    size_t k = sizeof d;
    do {
        d[--k] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    tt_put(t, d + k, sizeof d - k);
}

/* us / 1e6 as "%.6f" writes it: the exact decimal, since below 2^33 s the
 * double nearest to it is within half a unit of the sixth decimal. */
static void tt_secs(tr_text *t, int64_t us)
{
    if (us <= -((int64_t)1 << 52) || us >= ((int64_t)1 << 52)) {
        char b[64];
        snprintf(b, sizeof b, "%.6f", (double)us / 1e6);
        tt_str(t, b);
        return;
    }
    uint64_t a = us < 0 ? (uint64_t)-us : (uint64_t)us;
    if (us < 0)
        tt_put(t, "-", 1);
    tt_u64(t, a / 1000000u);
    char f[7];
    uint64_t fp = a % 1000000u;
    for (int i = 6; i-- > 0; fp /= 10u)
        f[i] = (char)('0' + fp % 10u);
    f[0 + 6] = 0;
    tt_put(t, ".", 1);
    tt_put(t, f, 6);
}

static void endpoint_text(char *out, size_t n, BYTE family, const BYTE *a, uint16_t port)
{
    if (family == 4) {
        tr_text t = {out, n, 0};
        out[0] = 0;
        for (int i = 0; i < 4; i++) {
            tt_u64(&t, a[i]);
            tt_put(&t, i < 3 ? "." : ":", 1);
        }
        tt_u64(&t, port);
        return;
    }
    /* RFC 5952 text: the longest run (>= 2) of zero groups becomes "::" */
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, bestlen = 1;
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !g[j])
            j++;
        if (j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = j;
    }
    size_t len = 0;
    out[len++] = '[';
    for (int i = 0; i < 8 && len + 8 < n; i++) {
        if (i == best) {
            out[len++] = ':';
            if (i == 0)
                out[len++] = ':';
            i += bestlen - 1;
            continue;
        }
        len += (size_t)snprintf(out + len, n - len, "%x%s", g[i], i < 7 ? ":" : "");
    }
    if (len && out[len - 1] == ':' && !(best >= 0 && best + bestlen == 8))
        len--;
    snprintf(out + len, n - len, "]:%u", port);
}

static void conn_ends(tr_run *r, const tr_conn *c, int dir)
{
    const BYTE *sa = dir ? c->key.b : c->key.a, *da = dir ? c->key.a : c->key.b;
    uint16_t sp = dir ? c->key.pb : c->key.pa, dp = dir ? c->key.pa : c->key.pb;
    endpoint_text(r->src, sizeof r->src, c->key.family, sa, sp);
    endpoint_text(r->dst, sizeof r->dst, c->key.family, da, dp);
}

static char s_src[] = "Source", s_dst[] = "Destination", s_orig[] = "Original Frame",
            s_seq[] = "Sequence Number", s_len[] = "Length", s_count[] = "Retransmits",
            s_fast[] = "Fast", s_spur[] = "Spurious", s_first[] = "First Retransmission",
            s_final[] = "Final Frame", s_secs[] = "Seconds", s_frames[] = "Frames",
            s_segs[] = "Segments", s_conns[] = "Connections", s_connsw[] = "With Retransmits",
            s_tcpf[] = "TCP Frames", s_unk[] = "Original Unknown",
            s_ename[] = TR_NAME, s_ev_retr[] = "Retransmitted segment",
            s_ev_conn[] = "Connection summary", s_ev_cap[] = "Capture summary";

#define TR_COLUMNS 12

/* The event, emptied for the next one (its columns are appended to it). */
static NMEVENTDATA *event_reset(tr_run *r, DWORD ident, char *name, char *desc)
{
    xk_event_reset(r->ev, TR_COLUMNS, ident, s_ename, name, desc, NULL);
    return r->ev;
}

/* The columns Retransmits, Fast and Spurious, in every event. */
static void retrans_columns(NMEVENTDATA *ev, DWORD count, DWORD fast, DWORD spurious)
{
    xk_col_u32(ev, s_count, count, NULL);
    xk_col_u32(ev, s_fast, fast, NULL);
    xk_col_u32(ev, s_spur, spurious, NULL);
}

/* One event for a segment that was retransmitted. */
static DWORD submit_segment(tr_run *r, const tr_conn *c, int dir, const tr_seg *s)
{
    static char desc[] = "A TCP segment sent more than once";
    conn_ends(r, c, dir);
    NMEVENTDATA *ev = event_reset(r, 1, s_ev_retr, desc);
    ev->Severity = NMEVENT_SEVERITY_WARNING;
    xk_col_str(ev, s_src, r->src);
    xk_col_str(ev, s_dst, r->dst);
    xk_col(ev, s_orig, NMCOLUMNTYPE_FRAME)->VariantData.Value.FrameVal = s->orig;
    xk_col_u32(ev, s_seq, s->seq, NULL);
    xk_col_u32(ev, s_len, s->len, NULL);
    retrans_columns(ev, s->count, s->fast, s->spurious);
    xk_col(ev, s_first, NMCOLUMNTYPE_FRAME)->VariantData.Value.FrameVal = s->first;
    xk_col(ev, s_final, NMCOLUMNTYPE_FRAME)->VariantData.Value.FrameVal = s->last;
    xk_col_f64(ev, s_secs, s->orig ? (double)(s->t_last - s->t_orig) / 1e6 : 0.0);
    DWORD shown = s->count < TR_LISTED ? s->count : TR_LISTED;
    tr_text t = {r->frames, sizeof r->frames, 0};
    r->frames[0] = 0;
    for (DWORD i = 0; i < shown; i++) {
        if (i)
            tt_put(&t, " ", 1);
        tt_u64(&t, s->listed[i]);
    }
    if (s->count > shown)
        tt_str(&t, " ...");
    xk_col_str(ev, s_frames, r->frames);
    t = (tr_text){r->text, sizeof r->text, 0};
    r->text[0] = 0;
    if (s->orig) {
        tt_str(&t, "Segment of ");
        tt_u64(&t, s->len);
        tt_str(&t, " bytes at sequence number ");
        tt_u64(&t, s->seq);
        tt_str(&t, " from ");
        tt_str(&t, r->src);
        tt_str(&t, " to ");
        tt_str(&t, r->dst);
        tt_str(&t, ", first sent in frame ");
        tt_u64(&t, s->orig);
        tt_str(&t, ", was retransmitted ");
        tt_u64(&t, s->count);
        tt_str(&t, " time(s) (");
        tt_u64(&t, s->fast);
        tt_str(&t, " fast, ");
        tt_u64(&t, s->spurious);
        tt_str(&t, " spurious); the final frame is ");
        tt_u64(&t, s->last);
        tt_str(&t, ", ");
        tt_secs(&t, s->t_last - s->t_orig);
        tt_str(&t, " s after the original.");
    } else {
        tt_str(&t, "Segment at sequence number ");
        tt_u64(&t, s->seq);
        tt_str(&t, " from ");
        tt_str(&t, r->src);
        tt_str(&t, " to ");
        tt_str(&t, r->dst);
        tt_str(&t, " was retransmitted ");
        tt_u64(&t, s->count);
        tt_str(&t, " time(s) (");
        tt_u64(&t, s->fast);
        tt_str(&t, " fast, ");
        tt_u64(&t, s->spurious);
        tt_str(&t, " spurious); its original frame is not in the capture or left the window "
                   "of remembered segments; the final frame is ");
        tt_u64(&t, s->last);
        tt_str(&t, ".");
    }
    ev->Justification = r->text;
    return ExpertSubmitEvent(r->key, ev);
}

/* ------------------------------------------------------------------------ */
/* The window of segments                                                   */
/* ------------------------------------------------------------------------ */

static DWORD ring_index(const tr_dir *d, DWORD i)
{
    return (d->head + i) & (d->cap - 1);
}

static tr_seg *ring_at(tr_dir *d, DWORD i)
{
    return &d->ring[ring_index(d, i)];
}

/* Drops the oldest segment, submitting its event when it was retransmitted. */
static DWORD ring_pop(tr_run *r, tr_conn *c, int dir)
{
    tr_dir *d = &c->d[dir];
    tr_seg *s = ring_at(d, 0);
    DWORD rc = NMERR_SUCCESS;
    if (s->count)
        rc = submit_segment(r, c, dir, s);
    d->head = (d->head + 1) & (d->cap - 1);
    d->n--;
    return rc;
}

/* Room for one more segment: grows the ring (doubling) until it holds the
 * window, then drops the oldest. */
static DWORD ring_make_room(tr_run *r, tr_conn *c, int dir)
{
    tr_dir *d = &c->d[dir];
    if (d->n >= r->cfg.window)
        return ring_pop(r, c, dir);
    if (d->n < d->cap)
        return NMERR_SUCCESS;
    DWORD ncap = d->cap ? d->cap * 2 : 4;
    DWORD err = NMERR_SUCCESS;
    tr_seg *ring = ExpertAllocMemory(r->key, (SIZE_T)ncap * sizeof *ring, &err);
    if (!ring)
        return xk_alloc_error(err);
    struct tr_span *span = ExpertAllocMemory(r->key, (SIZE_T)ncap * sizeof *span, &err);
    if (!span) {
        ExpertFreeMemory(r->key, ring);
        return xk_alloc_error(err);
    }
    for (DWORD i = 0; i < d->n; i++) {
        DWORD k = ring_index(d, i);
        ring[i] = d->ring[k];
        span[i] = d->span[k];
    }
    if (d->ring) {
        ExpertFreeMemory(r->key, d->ring);
        ExpertFreeMemory(r->key, d->span);
    }
    d->ring = ring;
    d->span = span;
    d->cap = ncap;
    d->head = 0;
    return NMERR_SUCCESS;
}

static DWORD ring_push(tr_run *r, tr_conn *c, int dir, const tr_seg *s)
{
    DWORD rc = ring_make_room(r, c, dir);
    if (rc != NMERR_SUCCESS)
        return rc;
    tr_dir *d = &c->d[dir];
    DWORD k = ring_index(d, d->n);
    d->ring[k] = *s;
    d->span[k].seq = s->seq;
    d->span[k].len = s->len ? s->len : 1;
    d->n++;
    return NMERR_SUCCESS;
}

static void ring_release(tr_run *r, tr_dir *d)
{
    if (d->ring) {
        ExpertFreeMemory(r->key, d->ring);
        ExpertFreeMemory(r->key, d->span);
    }
    d->ring = NULL;
    d->span = NULL;
    d->cap = d->head = d->n = 0;
}

/* Submits every remembered retransmitted segment of a connection and frees its windows. */
static DWORD conn_flush(tr_run *r, tr_conn *c)
{
    for (int dir = 0; dir < 2; dir++) {
        tr_dir *d = &c->d[dir];
        while (d->n) {
            DWORD rc = ring_pop(r, c, dir);
            if (rc != NMERR_SUCCESS)
                return rc;
        }
        ring_release(r, d);
    }
    return NMERR_SUCCESS;
}

/* The remembered segment a retransmission resends: the newest one whose
 * sequence range holds seq. NULL when none. With len at most 2^31,
 * "s.seq <= seq < s.seq + len" modulo 2^32 (RFC 9293, section 3.4) is
 * "seq - s.seq < len" in unsigned arithmetic. */
static tr_seg *ring_find(tr_dir *d, uint32_t seq)
{
    const DWORD mask = d->cap - 1;
    for (DWORD i = d->n; i-- > 0;) {
        DWORD k = (d->head + i) & mask;
        if ((uint32_t)(seq - d->span[k].seq) < d->span[k].len)
            return &d->ring[k];
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* The analysis of one segment                                              */
/* ------------------------------------------------------------------------ */

static DWORD submit_connection(tr_run *r, const tr_conn *c);

static DWORD analyse(tr_run *r, const tr_frame *f, DWORD frame, int64_t now)
{
    tr_key k;
    memset(&k, 0, sizeof k);
    k.family = f->family;
    memcpy(k.a, f->src, 16);
    memcpy(k.b, f->dst, 16);
    k.pa = f->sport;
    k.pb = f->dport;
    tr_conn *c = NULL;
    int dir = 0;
    DWORD rc = conn_find(r, &k, &c, &dir);
    if (rc != NMERR_SUCCESS)
        return rc;

    const uint32_t fl = f->flags;
    const uint32_t tcp_hdr_end_len = f->doff;
    /* the segment's length: IP datagram end - TCP header end */
    const BYTE *hdr_end = f->tcp + tcp_hdr_end_len;
    uint32_t seglen = f->ip_end > hdr_end ? (uint32_t)(f->ip_end - hdr_end) : 0;

    /* A SYN with a new initial sequence number on known ports starts a new
     * connection (port reuse): the old one's state is summarised and reset. */
    if ((fl & F_SYN) && !(fl & F_ACK) && c->d[dir].syn_seen && c->d[dir].syn_seq != f->seq) {
        if ((rc = conn_flush(r, c)) != NMERR_SUCCESS)
            return rc;
        if ((rc = submit_connection(r, c)) != NMERR_SUCCESS)
            return rc;
        tr_key kk = c->key;
        DWORD gen = c->generation + 1;
        memset(c, 0, sizeof *c);
        c->key = kk;
        c->generation = gen;
        dir = 0;
        if (key_match(&c->key, &k) == 2) { /* the new SYN's sender becomes key.a */
            c->key = k;
        }
    }
    if (!c->first_frame)
        c->first_frame = frame;
    c->last_frame = frame;
    tr_dir *fwd = &c->d[dir], *rev = &c->d[1 - dir];

    if (!fwd->base_set) {
        fwd->base = f->seq;
        fwd->base_set = 1;
    }
    if ((fl & F_SYN) && !(fl & F_ACK) && !fwd->syn_seen) {
        fwd->syn_seen = 1;
        fwd->syn_seq = f->seq;
        fwd->base = f->seq;
        c->syn_t = now; /* 0 for a SYN in the capture's first frame: times count from it */
        c->syn_t_set = 1;
    }
    if ((fl & F_SYN) && (fl & F_ACK))
        c->synack_seen = 1;
    else if (!(fl & F_SYN) && (fl & F_ACK) && c->synack_seen && c->syn_t_set && !c->irtt_done &&
             (dir == 0)) {
        c->irtt = now - c->syn_t;
        c->irtt_done = 1;
    }

    const uint32_t seq = f->seq - fwd->base; /* relative */
    const uint32_t win = f->window;
    const int sfr = (fl & (F_SYN | F_FIN | F_RST)) != 0;
    unsigned ta = 0;

    /* zero-window probe: one byte at the next expected number into a closed window */
    if (seglen == 1 && seq == fwd->nextseq && rev->window_set && rev->window == 0) {
        ta |= A_ZWP;
        goto finished_fwd;
    }
    /* keep-alive: zero or one byte one before the next expected number */
    if (seglen <= 1 && !sfr && seq == fwd->nextseq - 1u)
        ta |= A_KEEPALIVE;
    /* window update: no data, same numbers, another window */
    if (seglen == 0 && win && fwd->window_set && win != fwd->window && seq == fwd->nextseq &&
        fwd->lastack_set && f->ack == fwd->lastack && !sfr)
        ta |= A_WINUPD;
    /* the ACK of a keep-alive is not a duplicate ACK */
    if (seglen == 0 && fwd->window_set && win == fwd->window && seq == fwd->nextseq &&
        fwd->lastack_set && f->ack == fwd->lastack && rev->last_keepalive && !sfr) {
        ta |= A_KAACK;
        goto finished_fwd;
    }
    /* duplicate ACK: no data, same window, same numbers */
    if (seglen == 0 && win && fwd->window_set && win == fwd->window && seq == fwd->nextseq &&
        fwd->lastack_set && f->ack == fwd->lastack && !sfr) {
        fwd->dupacks++;
        ta |= A_DUPACK;
    }

finished_fwd:
    if (!(ta & A_DUPACK))
        fwd->dupacks = 0;

    if (!(ta & A_KEEPALIVE) && (seglen > 0 || (fl & (F_SYN | F_FIN))) && fwd->nextseq &&
        seq_lt(seq, fwd->nextseq)) {
        int64_t ooo_limit = c->irtt > 0 ? c->irtt : OOO_DEFAULT_US;
        if (rev->dupacks >= 2 && rev->lastack_set && rev->lastack == f->seq &&
            now - rev->lastack_t < FAST_LIMIT_US) {
            ta |= A_FAST | A_RETRANS;
        } else if (now - fwd->nextseq_t < ooo_limit &&
                   fwd->nextseq != seq + seglen + ((fl & (F_SYN | F_FIN)) ? 1u : 0u)) {
            ta |= A_OOO;
        } else if (seglen > 0 && rev->lastack_set && seq_le(f->seq + seglen, rev->lastack)) {
            ta |= A_SPURIOUS | A_RETRANS;
        } else {
            ta |= A_RETRANS;
        }
    }

    /* remember the segment, or count its retransmission */
    if (ta & A_RETRANS) {
        tr_seg *s = ring_find(fwd, f->seq);
        if (!s) {
            tr_seg ns;
            memset(&ns, 0, sizeof ns);
            ns.seq = f->seq;
            ns.len = seglen + ((fl & (F_SYN | F_FIN)) ? 1u : 0u);
            ns.t_orig = now;
            if ((rc = ring_push(r, c, dir, &ns)) != NMERR_SUCCESS)
                return rc;
            s = ring_at(fwd, fwd->n - 1);
            r->unknown_orig++;
        }
        if (s->count < TR_LISTED)
            s->listed[s->count] = frame;
        if (!s->count)
            s->first = frame;
        s->count++;
        s->last = frame;
        s->t_last = now;
        if (ta & A_FAST) {
            s->fast++;
            c->fast++;
            r->fast++;
        }
        if (ta & A_SPURIOUS) {
            s->spurious++;
            c->spurious++;
            r->spurious++;
        }
        if (!c->retrans) {
            c->first_retrans_orig = s->orig;
            c->has_first_orig = 1;
            r->conns_with++;
        }
        c->retrans++;
        c->final_frame = frame;
        r->retrans++;
    } else if (seglen > 0 || (fl & (F_SYN | F_FIN))) {
        tr_seg ns;
        memset(&ns, 0, sizeof ns);
        ns.seq = f->seq;
        ns.len = seglen + ((fl & (F_SYN | F_FIN)) ? 1u : 0u);
        ns.orig = frame;
        ns.t_orig = now;
        c->segments++;
        if ((rc = ring_push(r, c, dir, &ns)) != NMERR_SUCCESS)
            return rc;
    }

    /* the next expected sequence number only grows; a segment without data
     * moves it too (an ACK sent after segments the capture missed) */
    {
        uint32_t next = seq + seglen + ((fl & (F_SYN | F_FIN)) ? 1u : 0u);
        if ((seq_gt(next, fwd->nextseq) || !fwd->nextseq) && !(ta & A_ZWP)) {
            fwd->nextseq = next;
            fwd->nextseq_t = now;
        }
    }
    if (fl & F_ACK) {
        fwd->lastack = f->ack;
        fwd->lastack_t = now;
        fwd->lastack_set = 1;
    }
    fwd->window = win;
    fwd->window_set = 1;
    fwd->last_keepalive = (ta & A_KEEPALIVE) != 0;
    return NMERR_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Summaries                                                                */
/* ------------------------------------------------------------------------ */

static DWORD submit_connection(tr_run *r, const tr_conn *c)
{
    static char desc[] = "Retransmissions of one TCP connection";
    if (!c->retrans)
        return NMERR_SUCCESS;
    conn_ends(r, c, 0);
    NMEVENTDATA *ev = event_reset(r, 2, s_ev_conn, desc);
    xk_col_str(ev, s_src, r->src);
    xk_col_str(ev, s_dst, r->dst);
    retrans_columns(ev, c->retrans, c->fast, c->spurious);
    xk_col_u32(ev, s_segs, c->segments, NULL);
    xk_col(ev, s_orig, NMCOLUMNTYPE_FRAME)->VariantData.Value.FrameVal = c->first_retrans_orig;
    xk_col(ev, s_final, NMCOLUMNTYPE_FRAME)->VariantData.Value.FrameVal = c->final_frame;
    snprintf(r->text, sizeof r->text,
             "%lu retransmission(s) (%lu fast, %lu spurious) among %lu segments between %s and "
             "%s; the first retransmitted segment was first sent in frame %lu, the final "
             "retransmission is frame %lu.",
             (unsigned long)c->retrans, (unsigned long)c->fast, (unsigned long)c->spurious,
             (unsigned long)c->segments, r->src, r->dst, (unsigned long)c->first_retrans_orig,
             (unsigned long)c->final_frame);
    ev->Justification = r->text;
    return ExpertSubmitEvent(r->key, ev);
}

static DWORD submit_capture(tr_run *r)
{
    static char desc[] = "Retransmissions in the whole capture";
    NMEVENTDATA *ev = event_reset(r, 3, s_ev_cap, desc);
    retrans_columns(ev, r->retrans, r->fast, r->spurious);
    xk_col_u32(ev, s_conns, (DWORD)r->nconns, NULL);
    xk_col_u32(ev, s_connsw, r->conns_with, NULL);
    xk_col_u32(ev, s_tcpf, r->tcp_frames, NULL);
    xk_col_u32(ev, s_unk, r->unknown_orig, NULL);
    snprintf(r->text, sizeof r->text,
             "%lu retransmitted frame(s) (%lu fast, %lu spurious) in %lu of %lu TCP "
             "connection(s), over %lu TCP frames.",
             (unsigned long)r->retrans, (unsigned long)r->fast, (unsigned long)r->spurious,
             (unsigned long)r->conns_with, (unsigned long)r->nconns,
             (unsigned long)r->tcp_frames);
    ev->Justification = r->text;
    return ExpertSubmitEvent(r->key, ev);
}

/* ------------------------------------------------------------------------ */
/* Run                                                                      */
/* ------------------------------------------------------------------------ */

static void run_free(tr_run *r)
{
    for (size_t i = 0; i < r->nconns; i++)
        for (int d = 0; d < 2; d++)
            ring_release(r, &r->conns[i].d[d]);
    if (r->conns)
        ExpertFreeMemory(r->key, r->conns);
    if (r->slots)
        ExpertFreeMemory(r->key, r->slots);
    if (r->ev)
        ExpertFreeMemory(r->key, r->ev);
    memset(r, 0, sizeof *r);
}

static BOOL run_fail(tr_run *r, DWORD rc)
{
    HEXPERTKEY key = r->key;
    run_free(r);
    if (rc != NMERR_EXPERT_TERMINATE)
        ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, rc, "TCP Retransmit failed", 0);
    return FALSE;
}

static HPROTOCOL protocol(const char *name)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", name);
    return GetProtocolFromName(buf);
}

NMAPI_EXPORT BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig,
                             PEXPERTSTARTUPINFO pExpertStartupInfo, DWORD StartupFlags,
                             HWND hWndParent)
{
    (void)hWndParent;
    (void)StartupFlags;
    tr_run run;
    tr_run *r = &run;
    memset(r, 0, sizeof *r);
    r->key = hExpertKey;
    config_parse(&r->cfg, pConfig);

    EXPERTSTARTUPINFO si;
    DWORD rc = xk_run_begin(hExpertKey, &pExpertStartupInfo, &si,
                            "TCP Retransmit: analysing TCP segments", TR_COLUMNS, &r->ev);
    if (rc != NMERR_SUCCESS)
        return run_fail(r, rc);

    if (xk_notes_bad(&r->cfg.notes)) {
        char msg[2 * XK_NOTE_MAX + 256];
        config_error_text(&r->cfg, msg, sizeof msg);
        if (xk_refuse(hExpertKey, r->ev, TR_COLUMNS, 0, s_ename, msg) == NMERR_EXPERT_TERMINATE)
            return run_fail(r, NMERR_EXPERT_TERMINATE);
        run_free(r);
        return FALSE;
    }

    HPROTOCOL tcp = protocol("TCP"), ip = protocol("IP"), ip6 = protocol("IP6"),
              icmp = protocol("ICMP"), icmp6 = protocol("ICMP6");
    LPPROTOCOLINFO pi_tcp = tcp ? GetProtocolInfo(tcp) : NULL,
                   pi_ip = ip ? GetProtocolInfo(ip) : NULL,
                   pi_ip6 = ip6 ? GetProtocolInfo(ip6) : NULL,
                   pi_icmp = icmp ? GetProtocolInfo(icmp) : NULL,
                   pi_icmp6 = icmp6 ? GetProtocolInfo(icmp6) : NULL;
    if (!pi_tcp || !pi_ip || !pi_ip6)
        return run_fail(r, NMERR_PROTOCOL_NOT_FOUND);
    r->tcp = tcp;
    r->id_tcp = (WORD)pi_tcp->ProtocolID;
    r->id_ip = (WORD)pi_ip->ProtocolID;
    r->id_ip6 = (WORD)pi_ip6->ProtocolID;
    r->has_icmp = pi_icmp != NULL;
    r->id_icmp = pi_icmp ? (WORD)pi_icmp->ProtocolID : 0;
    r->has_icmp6 = pi_icmp6 != NULL;
    r->id_icmp6 = pi_icmp6 ? (WORD)pi_icmp6->ProtocolID : 0;

    /* Every frame is asked for, without a filter: read_frame finds TCP in
     * the frame's recognised-protocol table anyway, and a PROTOCOLEXIST
     * filter would cost one more evaluation (and its locks) per frame. */
    EXPERTFRAMEDESCRIPTOR desc;
    DWORD n = INVALID_FRAME_NUMBER;
    xk_progress prog;
    xk_progress_init(&prog, hExpertKey, "TCP Retransmit: analysing TCP segments");
    for (;;) {
        memset(&desc, 0, sizeof desc);
        rc = ExpertGetFrame(hExpertKey, GET_FRAME_NEXT_FORWARD,
                            FLAGS_DEFER_TO_UI_FILTER, n, NULL, &desc);
        if (rc == NMERR_EXPERT_TERMINATE)
            return run_fail(r, rc);
        if (rc != NMERR_SUCCESS)
            break;
        n = desc.FrameNumber;
        if (xk_progress_step(&prog, n) != NMERR_SUCCESS)
            return run_fail(r, NMERR_EXPERT_TERMINATE);
        tr_frame f;
        if (!read_frame(r, &desc, &f) || f.in_icmp || f.fragment || f.doff < 20) {
            r->skipped++;
            continue;
        }
        r->tcp_frames++;
        /* FRAME's TimeStamp: microseconds from the capture's start, the
         * value GetFrameTimeStamp gives, without looking the frame up again */
        int64_t now;
        memcpy(&now, (const BYTE *)desc.pFrame, sizeof now);
        rc = analyse(r, &f, n + 1, now);
        if (rc != NMERR_SUCCESS)
            return run_fail(r, rc);
    }

    for (size_t i = 0; i < r->nconns; i++) {
        if ((rc = conn_flush(r, &r->conns[i])) != NMERR_SUCCESS)
            return run_fail(r, rc);
    }
    for (size_t i = 0; i < r->nconns; i++) {
        if ((rc = submit_connection(r, &r->conns[i])) != NMERR_SUCCESS)
            return run_fail(r, rc);
    }
    if ((rc = submit_capture(r)) != NMERR_SUCCESS)
        return run_fail(r, rc);
    run_free(r);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Register and Configure                                                   */
/* ------------------------------------------------------------------------ */

NMAPI_EXPORT BOOL WINAPI Register(PEXPERTENUMINFO pExpertInfo)
{
    return xk_register(pExpertInfo, TR_NAME,
                       "Finds all TCP segments that were retransmitted: the number of "
                       "retransmits, the original frame and the final frame of each, with fast "
                       "and spurious ones told apart, per connection and for the capture.",
                       EXPERT_ENUM_FLAG_CONFIGURABLE | EXPERT_ENUM_FLAG_VIEWER_PRIVATE);
}

XK_CONFIGURE_WITH_DEFAULTS("window=256\0", &tr_options)
