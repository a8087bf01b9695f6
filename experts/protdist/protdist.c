/*
 * Protocol Distribution: statistics on the distribution of protocols found
 * in the frames of a capture (Network Monitor 2.x's Protdist.dll).
 *
 * A Network Monitor 2.x expert written only against netmon.h. Each frame is
 * read with ExpertGetFrame and its protocols are taken, in order, from the
 * parsers' recognise data (GetFrameRecognizeData: recognising only, no
 * properties), protocol names from GetEnabledProtocols + GetProtocolInfo.
 * Memory is O(distinct protocol paths), from the expert allocator.
 *
 * What is counted (docs/experts/protdist.md):
 *   - per protocol: the frames that contain it (once per frame, however
 *     often it appears), their bytes (the frame's original length,
 *     FRAME.FrameLength, as tshark's -z io,phs counts), and the "end" frames
 *     and bytes: frames in which it was the highest (last recognised)
 *     protocol;
 *   - the hierarchy: every stack path (ETHERNET, ETHERNET/IP,
 *     ETHERNET/IP/TCP ...) with the same four counts; a frame counts once
 *     for each prefix of its own stack, as tshark's -z io,phs does. The
 *     FRAME pseudo-protocol is every frame's root and is not shown.
 *
 * Configuration (EXPERTCONFIG.RawConfigData): NUL-separated "key=value"
 * strings ending with an empty string; RawConfigLength counts itself.
 *   by=frames|bytes   what the rows are ranked by (default frames)
 *   depth=N           hierarchy levels shown, 0 = all (default 0)
 *   top=N             protocol rows, and rows under each hierarchy node,
 *                     0 = all (default 0)
 * A bad key or value: one error event (EventIdent 4) naming it and what each
 * key accepts, EXPERTSTATUS_PROBLEM with NMERR_INVALID_PARAMETER, FALSE.
 *
 * Events: EventIdent 1 = protocol (Rank, Protocol, Frames, % Frames, Bytes,
 * % Bytes, End frames, End bytes), 2 = hierarchy node (Path, Level,
 * Protocol, Frames, % Frames, Bytes, % Bytes, End frames, End bytes) in
 * depth-first order, 3 = summary. Counts are UINT32 columns (a value above
 * 4294967295 is shown as 4294967295; the justification has the exact value),
 * percentages FLOAT64 of all frames / all bytes examined.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"
#include "xkit.h"

enum { BY_FRAMES = 0, BY_BYTES = 1 };

#define PD_COLUMNS  10
#define PD_PATH_MAX 1024

typedef struct pd_config {
    int   by;
    DWORD depth;
    DWORD top;
    xk_notes notes;
} pd_config;

/* The keys (the index of a name of by is its BY_* value). */
static const char *const by_names[] = {"frames", "bytes", NULL};
static const xk_option options[] = {
    {.key = "by", .kind = XK_OPT_CHOICE, .field = offsetof(pd_config, by), .names = by_names},
    {.key = "depth", .kind = XK_OPT_U32, .field = offsetof(pd_config, depth), .max = 0xFFFFFFFFu},
    {.key = "top", .kind = XK_OPT_U32, .field = offsetof(pd_config, top), .max = 0xFFFFFFFFu},
};
static const xk_options pd_options = {options, sizeof options / sizeof options[0]};

static void config_parse(pd_config *c, const EXPERTCONFIG *cfg)
{
    memset(c, 0, sizeof *c);
    c->by = BY_FRAMES;
    xk_options_parse(&pd_options, cfg, c, &c->notes);
}

#define PD_ACCEPTS "by accepts frames or bytes; depth accepts a whole number from 0 (all levels) " \
                   "to 4294967295; top accepts a whole number from 0 (all rows) to 4294967295"

/* ------------------------------------------------------------------------ */
/* Counts                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct pd_count {
    uint64_t frames, bytes, end_frames, end_bytes;
} pd_count;

/* A hierarchy node: one stack path. */
typedef struct pd_node {
    pd_count c;
    uint32_t parent;  /* node index + 1; 0 = root (FRAME)  */
    uint32_t proto;   /* protocol id                        */
    uint32_t level;   /* 1 for the first protocol           */
    uint32_t child;   /* first child, index + 1 (built at the end) */
    uint32_t next;    /* next sibling, index + 1            */
} pd_node;

typedef struct pd_proto {
    pd_count c;
    const char *name;
    uint64_t last_frame; /* frame number + 1 of the last frame counted */
} pd_proto;

typedef struct pd_run {
    HEXPERTKEY key;
    pd_config cfg;
    PNMEVENTDATA ev;
    pd_proto *protos;   /* indexed by protocol id */
    size_t nprotos;
    DWORD frame_id;     /* id of FRAME, or (DWORD)-1 */
    pd_node *nodes;
    size_t nnodes, capnodes;
    uint32_t *slots;    /* open addressing: node index + 1 */
    size_t nslots;
    uint32_t *order;    /* scratch for sorting */
    uint64_t total_frames, examined, total_bytes, norecog;
    DWORD capture_frames;
    int clamped;
} pd_run;

static size_t node_hash(uint32_t parent, uint32_t proto)
{
    uint64_t h = ((uint64_t)parent << 32 | proto) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17);
}

static DWORD slots_rehash(pd_run *r, size_t nslots)
{
    DWORD err = NMERR_SUCCESS;
    uint32_t *s = ExpertAllocMemory(r->key, nslots * sizeof *s, &err);
    if (!s)
        return xk_alloc_error(err);
    memset(s, 0, nslots * sizeof *s);
    for (size_t i = 0; i < r->nnodes; i++) {
        size_t j = node_hash(r->nodes[i].parent, r->nodes[i].proto) & (nslots - 1);
        while (s[j])
            j = (j + 1) & (nslots - 1);
        s[j] = (uint32_t)(i + 1);
    }
    if (r->slots)
        ExpertFreeMemory(r->key, r->slots);
    r->slots = s;
    r->nslots = nslots;
    return NMERR_SUCCESS;
}

/* The node (parent, proto), created when new; returns its index + 1, 0 on
 * error (*err set). */
static uint32_t node_get(pd_run *r, uint32_t parent, uint32_t proto, uint32_t level, DWORD *err)
{
    if (!r->slots || (r->nnodes + 1) * 2 > r->nslots) {
        if ((*err = slots_rehash(r, r->nslots ? r->nslots * 2 : 64)) != NMERR_SUCCESS)
            return 0;
    }
    size_t j = node_hash(parent, proto) & (r->nslots - 1);
    while (r->slots[j]) {
        const pd_node *n = &r->nodes[r->slots[j] - 1];
        if (n->parent == parent && n->proto == proto)
            return r->slots[j];
        j = (j + 1) & (r->nslots - 1);
    }
    if (r->nnodes >= 0xFFFFFFF0u) {
        *err = NMERR_OUT_OF_MEMORY;
        return 0;
    }
    if (r->nnodes == r->capnodes) {
        size_t cap = r->capnodes ? r->capnodes * 2 : 64;
        pd_node *nn = ExpertAllocMemory(r->key, cap * sizeof *nn, err);
        if (!nn) {
            *err = xk_alloc_error(*err);
            return 0;
        }
        if (r->nodes) {
            memcpy(nn, r->nodes, r->nnodes * sizeof *nn);
            ExpertFreeMemory(r->key, r->nodes);
        }
        r->nodes = nn;
        r->capnodes = cap;
    }
    pd_node *n = &r->nodes[r->nnodes];
    memset(n, 0, sizeof *n);
    n->parent = parent;
    n->proto = proto;
    n->level = level;
    r->slots[j] = (uint32_t)(r->nnodes + 1);
    r->nnodes++;
    return (uint32_t)r->nnodes;
}

static void count_add(pd_count *c, uint64_t bytes, int end)
{
    c->frames++;
    c->bytes += bytes;
    if (end) {
        c->end_frames++;
        c->end_bytes += bytes;
    }
}

static DWORD count_frame(pd_run *r, const EXPERTFRAMEDESCRIPTOR *d)
{
    DWORD wire = 0;
    if (d->pFrame)
        memcpy(&wire, (const BYTE *)d->pFrame + offsetof(FRAME, FrameLength), sizeof wire);
    r->examined++;
    r->total_bytes += wire;
    LPRECOGNIZEDATATABLE t = d->lpRecognizeDataTable;
    if (!t && d->hFrame)
        t = GetFrameRecognizeData(d->hFrame);
    if (!t) {
        r->norecog++;
        return NMERR_SUCCESS;
    }
    /* the highest protocol: the last one that is not FRAME */
    int last = -1;
    for (int i = 0; i < (int)t->nRecognizeDatas; i++) {
        DWORD id = t->RecognizeData[i].ProtocolID;
        if (id < r->nprotos && id != r->frame_id)
            last = i;
    }
    if (last < 0) {
        r->norecog++;
        return NMERR_SUCCESS;
    }
    uint64_t stamp = r->examined; /* unique per frame, never 0 */
    uint32_t parent = 0, level = 0;
    for (int i = 0; i <= last; i++) {
        DWORD id = t->RecognizeData[i].ProtocolID;
        if (id >= r->nprotos || id == r->frame_id)
            continue;
        int end = i == last;
        pd_proto *p = &r->protos[id];
        if (p->last_frame != stamp) {
            p->last_frame = stamp;
            p->c.frames++;
            p->c.bytes += wire;
        }
        if (end) {
            p->c.end_frames++;
            p->c.end_bytes += wire;
        }
        DWORD err = NMERR_SUCCESS;
        uint32_t n = node_get(r, parent, (uint32_t)id, ++level, &err);
        if (!n)
            return err;
        count_add(&r->nodes[n - 1].c, wire, end);
        parent = n;
    }
    return NMERR_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

static char s_source[] = "Protocol Distribution";
static char s_protocol[] = "Protocol";
static char s_node[] = "Protocol hierarchy";
static char s_summary[] = "Summary";
static char c_rank[] = "Rank";
static char c_protocol[] = "Protocol";
static char c_path[] = "Path";
static char c_level[] = "Level";
static char c_frames[] = "Frames";
static char c_pframes[] = "% Frames";
static char c_bytes[] = "Bytes";
static char c_pbytes[] = "% Bytes";
static char c_eframes[] = "End frames";
static char c_ebytes[] = "End bytes";
static char c_total[] = "Total frames";
static char c_examined[] = "Frames examined";
static char c_unrec[] = "Frames without protocols";
static char c_protocols[] = "Protocols";
static char c_paths[] = "Paths";
static char c_by[] = "Ranked by";

static void event_reset(pd_run *r, DWORD ident, char *name, char *desc, char *just)
{
    xk_event_reset(r->ev, PD_COLUMNS, ident, s_source, name, desc, just);
}

static void col_u32(pd_run *r, char *name, uint64_t v)
{
    xk_col_u32(r->ev, name, v, &r->clamped);
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void counts_columns(pd_run *r, const pd_count *c)
{
    col_u32(r, c_frames, c->frames);
    xk_col_f64(r->ev, c_pframes, pct(c->frames, r->examined));
    col_u32(r, c_bytes, c->bytes);
    xk_col_f64(r->ev, c_pbytes, pct(c->bytes, r->total_bytes));
    col_u32(r, c_eframes, c->end_frames);
    col_u32(r, c_ebytes, c->end_bytes);
}

static void counts_text(const pd_count *c, char *buf, size_t len)
{
    snprintf(buf, len, "frames %llu, bytes %llu, end frames %llu, end bytes %llu",
             (unsigned long long)c->frames, (unsigned long long)c->bytes,
             (unsigned long long)c->end_frames, (unsigned long long)c->end_bytes);
}

/* Ranking: the metric descending, then the name ascending. */
static int before(const pd_run *r, const pd_count *x, const char *xn, const pd_count *y,
                  const char *yn)
{
    uint64_t mx = r->cfg.by == BY_BYTES ? x->bytes : x->frames;
    uint64_t my = r->cfg.by == BY_BYTES ? y->bytes : y->frames;
    if (mx != my)
        return mx > my;
    return strcmp(xn, yn) < 0;
}

static const char *proto_name(const pd_run *r, uint32_t id)
{
    return id < r->nprotos && r->protos[id].name ? r->protos[id].name : "?";
}

/* Insertion sort of order[0..n) with the protocol table (protos != 0) or
 * the nodes; n is small (distinct protocols, or siblings). */
static void sort_ids(const pd_run *r, uint32_t *order, size_t n, int protos)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t v = order[i];
        size_t j = i;
        while (j > 0) {
            uint32_t u = order[j - 1];
            int b = protos ? before(r, &r->protos[v].c, proto_name(r, v), &r->protos[u].c,
                                    proto_name(r, u))
                           : before(r, &r->nodes[v].c, proto_name(r, r->nodes[v].proto),
                                    &r->nodes[u].c, proto_name(r, r->nodes[u].proto));
            if (!b)
                break;
            order[j] = u;
            j--;
        }
        order[j] = v;
    }
}

static DWORD submit_protocols(pd_run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nprotos; i++)
        if (r->protos[i].c.frames)
            r->order[n++] = (uint32_t)i;
    sort_ids(r, r->order, n, 1);
    if (r->cfg.top && n > r->cfg.top)
        n = r->cfg.top;
    for (size_t i = 0; i < n; i++) {
        const pd_proto *p = &r->protos[r->order[i]];
        char desc[96], just[256];
        snprintf(desc, sizeof desc, "#%llu %s", (unsigned long long)(i + 1), p->name);
        counts_text(&p->c, just, sizeof just);
        event_reset(r, 1, s_protocol, desc, just);
        col_u32(r, c_rank, i + 1);
        xk_col_str(r->ev, c_protocol, p->name);
        counts_columns(r, &p->c);
        if (ExpertSubmitEvent(r->key, r->ev) == NMERR_EXPERT_TERMINATE)
            return NMERR_EXPERT_TERMINATE;
    }
    return NMERR_SUCCESS;
}

static void path_text(const pd_run *r, uint32_t n, char *buf, size_t len)
{
    /* collect the ancestors, root first */
    uint32_t chain[256];
    size_t k = 0;
    for (uint32_t i = n; i && k < 256; i = r->nodes[i - 1].parent)
        chain[k++] = i;
    size_t off = 0;
    buf[0] = 0;
    while (k-- > 0 && off + 1 < len) {
        int w = snprintf(buf + off, len - off, "%s%s", off ? "/" : "",
                         proto_name(r, r->nodes[chain[k] - 1].proto));
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

/* Links children into sorted sibling lists; returns the first root node. */
static uint32_t link_tree(pd_run *r)
{
    /* group node indexes by parent: order[] holds the indexes sorted by
     * (parent, rank) through a counting pass per parent */
    uint32_t first_root = 0;
    /* For each parent p (0 = root), gather its children, sort them. */
    size_t n = r->nnodes;
    /* child counts live in pd_node.child temporarily, then become links */
    for (size_t i = 0; i < n; i++)
        r->nodes[i].child = 0, r->nodes[i].next = 0;
    /* walk nodes; children of the same parent are gathered into order[] */
    for (size_t p = 0; p <= n; p++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (r->nodes[i].parent == p)
                r->order[m++] = (uint32_t)i;
        if (!m)
            continue;
        sort_ids(r, r->order, m, 0);
        for (size_t i = 0; i + 1 < m; i++)
            r->nodes[r->order[i]].next = r->order[i + 1] + 1;
        if (p == 0)
            first_root = r->order[0] + 1;
        else
            r->nodes[p - 1].child = r->order[0] + 1;
    }
    return first_root;
}

static DWORD submit_tree(pd_run *r)
{
    if (!r->nnodes)
        return NMERR_SUCCESS;
    uint32_t root = link_tree(r);
    /* iterative depth-first walk: a stack of the next sibling to visit and
     * how many siblings were shown at that level */
    uint32_t stack[256], shown[256];
    size_t sp = 0;
    stack[sp] = root;
    shown[sp] = 0;
    sp++;
    char path[PD_PATH_MAX], just[PD_PATH_MAX + 128];
    while (sp) {
        uint32_t cur = stack[sp - 1];
        if (!cur || (r->cfg.top && shown[sp - 1] >= r->cfg.top)) {
            sp--;
            continue;
        }
        const pd_node *nd = &r->nodes[cur - 1];
        stack[sp - 1] = nd->next;
        shown[sp - 1]++;
        path_text(r, cur, path, sizeof path);
        char cnt[160];
        counts_text(&nd->c, cnt, sizeof cnt);
        snprintf(just, sizeof just, "%s: %s", path, cnt);
        event_reset(r, 2, s_node, path, just);
        xk_col_str(r->ev, c_path, path);
        col_u32(r, c_level, nd->level);
        xk_col_str(r->ev, c_protocol, proto_name(r, nd->proto));
        counts_columns(r, &nd->c);
        if (ExpertSubmitEvent(r->key, r->ev) == NMERR_EXPERT_TERMINATE)
            return NMERR_EXPERT_TERMINATE;
        if (nd->child && (r->cfg.depth == 0 || nd->level < r->cfg.depth) && sp < 256) {
            stack[sp] = nd->child;
            shown[sp] = 0;
            sp++;
        }
    }
    return NMERR_SUCCESS;
}

static DWORD submit_summary(pd_run *r)
{
    size_t nprot = 0;
    for (size_t i = 0; i < r->nprotos; i++)
        nprot += r->protos[i].c.frames != 0;
    char desc[160], just[400];
    snprintf(desc, sizeof desc, "%llu frames, %llu bytes, %lu protocols, %lu paths",
             (unsigned long long)r->examined, (unsigned long long)r->total_bytes,
             (unsigned long)nprot, (unsigned long)r->nnodes);
    snprintf(just, sizeof just,
             "Frames examined: %llu (of %lu in the capture). Bytes (on the wire): %llu. "
             "Frames in which no protocol was recognised: %llu.",
             (unsigned long long)r->examined, (unsigned long)r->capture_frames,
             (unsigned long long)r->total_bytes, (unsigned long long)r->norecog);
    event_reset(r, 3, s_summary, desc, just);
    col_u32(r, c_total, r->capture_frames);
    col_u32(r, c_examined, r->examined);
    col_u32(r, c_bytes, r->total_bytes);
    col_u32(r, c_unrec, r->norecog);
    col_u32(r, c_protocols, nprot);
    col_u32(r, c_paths, r->nnodes);
    xk_col_str(r->ev, c_by, r->cfg.by == BY_BYTES ? "bytes" : "frames");
    return ExpertSubmitEvent(r->key, r->ev);
}

/* ------------------------------------------------------------------------ */
/* Run                                                                      */
/* ------------------------------------------------------------------------ */

static void run_free(pd_run *r)
{
    void *p[] = {r->ev, r->protos, r->nodes, r->slots, r->order};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        if (p[i])
            ExpertFreeMemory(r->key, p[i]);
    r->ev = NULL;
    r->protos = NULL;
    r->nodes = NULL;
    r->slots = NULL;
    r->order = NULL;
}

static BOOL run_fail(pd_run *r, DWORD err)
{
    run_free(r);
    return xk_fail(r->key, "Protocol Distribution", err);
}

/* The protocol table, indexed by PROTOCOLINFO.ProtocolID. */
static DWORD load_protocols(pd_run *r, HCAPTURE hcap)
{
    LPPROTOCOLTABLE t = GetEnabledProtocols(hcap);
    if (!t)
        return NMERR_INVALID_HCAPTURE;
    DWORD maxid = 0;
    for (DWORD i = 0; i < t->nProtocols; i++) {
        LPPROTOCOLINFO pi = GetProtocolInfo(t->hProtocol[i]);
        if (pi && pi->ProtocolID > maxid && pi->ProtocolID < 0x10000)
            maxid = pi->ProtocolID;
    }
    DWORD err = NMERR_SUCCESS;
    r->nprotos = (size_t)maxid + 1;
    r->protos = ExpertAllocMemory(r->key, r->nprotos * sizeof *r->protos, &err);
    if (!r->protos)
        return xk_alloc_error(err);
    memset(r->protos, 0, r->nprotos * sizeof *r->protos);
    r->frame_id = (DWORD)-1;
    for (DWORD i = 0; i < t->nProtocols; i++) {
        LPPROTOCOLINFO pi = GetProtocolInfo(t->hProtocol[i]);
        if (!pi || pi->ProtocolID >= r->nprotos)
            continue;
        r->protos[pi->ProtocolID].name = (const char *)pi->ProtocolName;
        if (strcmp((const char *)pi->ProtocolName, "FRAME") == 0)
            r->frame_id = pi->ProtocolID;
    }
    return NMERR_SUCCESS;
}

NMAPI_EXPORT BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig,
                             PEXPERTSTARTUPINFO pExpertStartupInfo, DWORD StartupFlags,
                             HWND hWndParent)
{
    (void)hWndParent;
    pd_run r;
    memset(&r, 0, sizeof r);
    r.key = hExpertKey;
    config_parse(&r.cfg, (StartupFlags & EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA)
                             ? NULL
                             : pConfig);
    EXPERTSTARTUPINFO si;
    DWORD rc = xk_run_begin(hExpertKey, &pExpertStartupInfo, &si,
                            "Protocol Distribution: counting protocols", PD_COLUMNS, &r.ev);
    if (rc != NMERR_SUCCESS)
        return run_fail(&r, rc);
    HCAPTURE hcap = pExpertStartupInfo->hCapture;

    if (xk_notes_bad(&r.cfg.notes)) {
        char msg[2 * XK_NOTE_MAX + 320];
        xk_notes_text(&r.cfg.notes, "Protocol Distribution", PD_ACCEPTS, msg, sizeof msg);
        if (xk_refuse(hExpertKey, r.ev, PD_COLUMNS, 4, s_source, msg) == NMERR_EXPERT_TERMINATE)
            return run_fail(&r, NMERR_EXPERT_TERMINATE);
        run_free(&r);
        return FALSE;
    }
    if ((rc = load_protocols(&r, hcap)) != NMERR_SUCCESS)
        return run_fail(&r, rc);

    EXPERTFRAMEDESCRIPTOR desc;
    DWORD n = INVALID_FRAME_NUMBER;
    xk_progress prog;
    xk_progress_init(&prog, hExpertKey, "Protocol Distribution: counting protocols");
    for (;;) {
        memset(&desc, 0, sizeof desc);
        rc = ExpertGetFrame(hExpertKey, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER, n, NULL,
                            &desc);
        if (rc == NMERR_EXPERT_TERMINATE)
            return run_fail(&r, rc);
        if (rc != NMERR_SUCCESS)
            break;
        n = desc.FrameNumber;
        if ((rc = xk_progress_step(&prog, n)) != NMERR_SUCCESS)
            return run_fail(&r, rc);
        if ((rc = count_frame(&r, &desc)) != NMERR_SUCCESS)
            return run_fail(&r, rc);
    }
    /* asked once the scan has read the file: free by now */
    r.capture_frames = hcap ? GetCaptureTotalFrames(hcap) : 0;

    size_t scratch = r.nnodes > r.nprotos ? r.nnodes : r.nprotos;
    DWORD err = NMERR_SUCCESS;
    r.order = ExpertAllocMemory(hExpertKey, (scratch + 1) * sizeof *r.order, &err);
    if (!r.order)
        return run_fail(&r, xk_alloc_error(err));
    if ((rc = submit_protocols(&r)) != NMERR_SUCCESS)
        return run_fail(&r, rc);
    if ((rc = submit_tree(&r)) != NMERR_SUCCESS)
        return run_fail(&r, rc);
    if (submit_summary(&r) == NMERR_EXPERT_TERMINATE)
        return run_fail(&r, NMERR_EXPERT_TERMINATE);
    run_free(&r);
    return TRUE;
}

NMAPI_EXPORT BOOL WINAPI Register(PEXPERTENUMINFO pExpertInfo)
{
    return xk_register(pExpertInfo, "Protocol Distribution",
                       "Statistics on the distribution of protocols found in frames: frames and "
                       "bytes per protocol and per protocol stack path.",
                       EXPERT_ENUM_FLAG_CONFIGURABLE | EXPERT_ENUM_FLAG_VIEWER_PRIVATE);
}

XK_CONFIGURE_WITH_DEFAULTS("by=frames\0depth=0\0top=0\0", &pd_options)
