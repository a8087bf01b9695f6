/*
 * Property Distribution: for one property of one protocol, how many frames
 * carry it and how its values are distributed (Network Monitor 2.x's
 * Propdist.dll; facts in docs/experts/propdist.md).
 *
 * A Network Monitor 2.x expert written only against netmon.h. The protocol
 * and the property are looked up by name (GetProtocolFromName, GetProperty)
 * or taken from the startup information when the expert is started from a
 * selected property (EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA:
 * EXPERTSTARTUPINFO.hProtocol, lpPropertyInst and, for flags, the bit of
 * sBitfield). The capture is scanned forward with a display filter "the
 * property exists" (FILTERACTION_PROPERTY + FILTERACTION_PROPERTYEXIST),
 * FLAGS_DEFER_TO_UI_FILTER | FLAGS_ATTACH_PROPERTIES, and every instance of
 * the property in a frame is found with FindPropertyInstanceRestart.
 * Memory: O(distinct values), from the expert allocator.
 *
 * Configuration (EXPERTCONFIG.RawConfigData): NUL-separated "key=value"
 * strings ending with an empty string; RawConfigLength counts itself.
 *   protocol=NAME   a protocol of `nmexpert properties` (required)
 *   property=LABEL  one of its property labels (required)
 *   bit=N           for a flags property: the bit reported (0 to 31);
 *                   without it every bit of the property is reported
 *
 * Report, by the property's kind (PROPERTYINFO.DataType / DataQualifier):
 *   flags    PROP_QUAL_FLAGS: two rows per bit (off, on);
 *   labeled  PROP_QUAL_LABELED_SET: one row per value, with its label;
 *   numeric  BYTE, WORD, DWORD (also byte-swapped), VAR_LEN_SMALL_INT:
 *            one row with Max, Min and Mean;
 *   string   STRING, TYPED_STRING: one row per distinct value;
 *   default  anything else: the summary row alone.
 * Every row is one event: EventIdent 1, Flags
 * NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS | NMEVENTFLAG_EXPERT, the source
 * name set and the other fixed fields NULL; columns Protocol, Property,
 * # Frames, % Frames, then the kind's columns (docs/experts/propdist.md).
 * Value rows also carry "Count", the instances with that value (an addition:
 * % of Set alone is a whole number). No frame with the property: no event.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"
#include "xkit.h"

#define PD_COLUMNS   10
#define PD_ALL_BITS  0xFFu

typedef struct pp_config {
    char protocol[64];
    char property[128];
    int has_protocol, has_property;
    DWORD bit;           /* PD_ALL_BITS: every bit */
    xk_notes notes;
} pp_config;

static const xk_option options[] = {
    {.key = "protocol", .kind = XK_OPT_TEXT, .field = offsetof(pp_config, protocol),
     .size = sizeof((pp_config *)0)->protocol, .given = offsetof(pp_config, has_protocol)},
    {.key = "property", .kind = XK_OPT_TEXT, .field = offsetof(pp_config, property),
     .size = sizeof((pp_config *)0)->property, .given = offsetof(pp_config, has_property)},
    {.key = "bit", .kind = XK_OPT_U32, .field = offsetof(pp_config, bit), .max = 31},
};
static const xk_options pp_options = {options, sizeof options / sizeof options[0]};

static void config_parse(pp_config *c, const EXPERTCONFIG *cfg)
{
    memset(c, 0, sizeof *c);
    c->bit = PD_ALL_BITS;
    xk_options_parse(&pp_options, cfg, c, &c->notes);
}

/* ------------------------------------------------------------------------ */
/* Values                                                                   */
/* ------------------------------------------------------------------------ */

enum { KIND_DEFAULT, KIND_NUMERIC, KIND_STRING, KIND_LABELED, KIND_FLAGS };

typedef struct pp_value {
    uint64_t num;       /* numeric key (labeled)                */
    char *str;          /* string key (string), expert memory   */
    size_t len;
    uint64_t count;
} pp_value;

typedef struct pp_run {
    HEXPERTKEY key;
    pp_config cfg;
    PNMEVENTDATA ev;
    HPROTOCOL hprot;
    HPROPERTY hprop;
    LPPROPERTYINFO info;
    const char *protname;
    int kind;
    unsigned bit;            /* flags: PD_ALL_BITS or one bit */
    pp_value *vals;
    size_t nvals, capvals;
    uint32_t *slots;
    size_t nslots;
    uint64_t bits_on[32], flag_total;
    uint64_t frames_examined, frames_with, instances;
    uint64_t vmin, vmax, vsum, nnum;
} pp_run;

static size_t val_hash(uint64_t num, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ num;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (BYTE)s[i]) * 1099511628211ull;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 20);
}

static DWORD rehash(pp_run *r, size_t nslots)
{
    DWORD err = NMERR_SUCCESS;
    uint32_t *s = ExpertAllocMemory(r->key, nslots * sizeof *s, &err);
    if (!s)
        return xk_alloc_error(err);
    memset(s, 0, nslots * sizeof *s);
    for (size_t i = 0; i < r->nvals; i++) {
        size_t j = val_hash(r->vals[i].num, r->vals[i].str, r->vals[i].len) & (nslots - 1);
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

/* Counts one value (a number, or the n bytes at s). */
static DWORD val_count(pp_run *r, uint64_t num, const char *s, size_t n)
{
    DWORD err;
    if (!r->slots || (r->nvals + 1) * 2 > r->nslots)
        if ((err = rehash(r, r->nslots ? r->nslots * 2 : 64)) != NMERR_SUCCESS)
            return err;
    size_t j = val_hash(num, s, n) & (r->nslots - 1);
    while (r->slots[j]) {
        pp_value *v = &r->vals[r->slots[j] - 1];
        if (v->num == num && v->len == n && (n == 0 || memcmp(v->str, s, n) == 0)) {
            v->count++;
            return NMERR_SUCCESS;
        }
        j = (j + 1) & (r->nslots - 1);
    }
    if (r->nvals >= 0xFFFFFFF0u)
        return NMERR_OUT_OF_MEMORY;
    if (r->nvals == r->capvals) {
        size_t cap = r->capvals ? r->capvals * 2 : 64;
        err = NMERR_SUCCESS;
        pp_value *nv = ExpertAllocMemory(r->key, cap * sizeof *nv, &err);
        if (!nv)
            return xk_alloc_error(err);
        if (r->vals) {
            memcpy(nv, r->vals, r->nvals * sizeof *nv);
            ExpertFreeMemory(r->key, r->vals);
        }
        r->vals = nv;
        r->capvals = cap;
    }
    pp_value *v = &r->vals[r->nvals];
    memset(v, 0, sizeof *v);
    v->num = num;
    v->len = n;
    v->count = 1;
    if (n) {
        err = NMERR_SUCCESS;
        v->str = ExpertAllocMemory(r->key, n + 1, &err);
        if (!v->str)
            return xk_alloc_error(err);
        memcpy(v->str, s, n);
        v->str[n] = 0;
    }
    r->slots[j] = (uint32_t)(r->nvals + 1);
    r->nvals++;
    return NMERR_SUCCESS;
}

/* The instance's bytes: the frame's, or the inline data of an extended
 * instance (already in host order). */
static const BYTE *inst_data(const PROPERTYINST *pi, size_t *len, int *host_order)
{
    if (pi->DataLength == PROPERTYINST_EX_LENGTH) {
        if (!pi->lpPropertyInstEx)
            return NULL;
        *len = pi->lpPropertyInstEx->LengthEx;
        *host_order = 1;
        return pi->lpPropertyInstEx->Byte;
    }
    *len = pi->DataLength;
    *host_order = 0;
    return pi->lpByte;
}

/* A numeric instance's value; 0 when it is not one. */
static int inst_number(const PROPERTYINST *pi, uint64_t *out)
{
    size_t len;
    int host;
    const BYTE *p = inst_data(pi, &len, &host);
    if (!p)
        return 0;
    BYTE t = pi->lpPropertyInfo->DataType;
    int swapped = !host && ((pi->IFlags & IFLAG_SWAPPED) || t == PROP_TYPE_BYTESWAPPED_WORD ||
                            t == PROP_TYPE_BYTESWAPPED_DWORD);
    size_t want;
    switch (t) {
    case PROP_TYPE_BYTE:
        want = 1;
        break;
    case PROP_TYPE_WORD:
    case PROP_TYPE_BYTESWAPPED_WORD:
        want = 2;
        break;
    case PROP_TYPE_DWORD:
    case PROP_TYPE_BYTESWAPPED_DWORD:
        want = 4;
        break;
    case PROP_TYPE_VAR_LEN_SMALL_INT:
        want = len;
        if (want == 0 || want > 4 || (want == 3))
            return 0;
        break;
    default:
        return 0;
    }
    if (len < want)
        return 0;
    uint64_t v = 0;
    if (swapped) {
        for (size_t i = 0; i < want; i++)
            v = v << 8 | p[i];
    } else {
        for (size_t i = want; i-- > 0;)
            v = v << 8 | p[i];
    }
    *out = v;
    return 1;
}

/* A string instance's text (ASCII; a UTF-16 unit above 0x7F becomes '?'). */
static size_t inst_string(const PROPERTYINST *pi, char *buf, size_t cap)
{
    size_t len;
    int host;
    const BYTE *p = inst_data(pi, &len, &host);
    if (!p)
        return 0;
    int unicode = (pi->IFlags & IFLAG_UNICODE) != 0;
    if (pi->lpPropertyInfo->DataType == PROP_TYPE_TYPED_STRING) {
        const TYPED_STRING *ts = (const TYPED_STRING *)p;
        unicode = ts->StringType == TYPED_STRING_UNICODE;
        p = ts->fStringEx ? ts->Byte : (const BYTE *)ts->lpString;
        if (!p)
            return 0;
        if (!ts->fStringEx || !host)
            len = unicode ? 2 * cap : cap; /* NUL-terminated */
        else
            len = len > offsetof(TYPED_STRING, Byte) ? len - offsetof(TYPED_STRING, Byte) : 0;
    }
    size_t n = 0;
    if (unicode) {
        for (size_t i = 0; i + 1 < len && n + 1 < cap; i += 2) {
            unsigned u = p[i] | (unsigned)p[i + 1] << 8;
            if (!u)
                break;
            buf[n++] = u < 0x80 ? (char)u : '?';
        }
    } else {
        for (size_t i = 0; i < len && n + 1 < cap; i++) {
            if (!p[i])
                break;
            buf[n++] = (char)p[i];
        }
    }
    buf[n] = 0;
    return n;
}

static int kind_of(const PROPERTYINFO *pi)
{
    if (pi->DataQualifier == PROP_QUAL_FLAGS && pi->lpSet)
        return KIND_FLAGS;
    switch (pi->DataType) {
    case PROP_TYPE_BYTE:
    case PROP_TYPE_WORD:
    case PROP_TYPE_DWORD:
    case PROP_TYPE_BYTESWAPPED_WORD:
    case PROP_TYPE_BYTESWAPPED_DWORD:
    case PROP_TYPE_VAR_LEN_SMALL_INT:
        return pi->DataQualifier == PROP_QUAL_LABELED_SET ? KIND_LABELED : KIND_NUMERIC;
    case PROP_TYPE_STRING:
    case PROP_TYPE_TYPED_STRING:
        return KIND_STRING;
    default:
        return KIND_DEFAULT;
    }
}

static const char *kind_name(int k)
{
    static const char *const n[] = {"default", "numeric", "string", "labeled", "flags"};
    return n[k];
}

static DWORD count_instance(pp_run *r, const PROPERTYINST *pi)
{
    r->instances++;
    uint64_t v;
    switch (r->kind) {
    case KIND_FLAGS:
        if (!inst_number(pi, &v))
            return NMERR_SUCCESS;
        r->flag_total++;
        for (unsigned b = 0; b < 32; b++)
            if (v >> b & 1u)
                r->bits_on[b]++;
        return NMERR_SUCCESS;
    case KIND_LABELED:
        if (!inst_number(pi, &v))
            return NMERR_SUCCESS;
        return val_count(r, v, NULL, 0);
    case KIND_NUMERIC:
        if (!inst_number(pi, &v))
            return NMERR_SUCCESS;
        if (!r->nnum || v < r->vmin)
            r->vmin = v;
        if (!r->nnum || v > r->vmax)
            r->vmax = v;
        r->vsum += v;
        r->nnum++;
        return NMERR_SUCCESS;
    case KIND_STRING: {
        char buf[1024];
        size_t n = inst_string(pi, buf, sizeof buf);
        return val_count(r, 0, buf, n);
    }
    default:
        return NMERR_SUCCESS;
    }
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

static char s_source[] = "Property Distribution";
static char c_protocol[] = "Protocol";
static char c_property[] = "Property";
static char c_frames[] = "# Frames";
static char c_pframes[] = "% Frames";
static char c_max[] = "Max";
static char c_min[] = "Min";
static char c_mean[] = "Mean";
static char c_value[] = "Value";
static char c_label[] = "Label";
static char c_count[] = "Count";
static char c_pset[] = "% of Set";
static char c_bitno[] = "Bit number";

static DWORD percent(uint64_t part, uint64_t whole)
{
    return whole ? (DWORD)(part * 100u / whole) : 0;
}

/* The summary columns every row starts with. */
static void event_start(pp_run *r)
{
    xk_event_reset(r->ev, PD_COLUMNS, 1, s_source, NULL, NULL, NULL);
    r->ev->Flags |= NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS;
    xk_col_str(r->ev, c_protocol, r->protname);
    xk_col_str(r->ev, c_property, r->info->Label);
    xk_col_u32(r->ev, c_frames, r->frames_with, NULL);
    xk_col_u32(r->ev, c_pframes, percent(r->frames_with, r->frames_examined), NULL);
}

static const char *set_label(const PROPERTYINFO *pi, uint64_t v)
{
    const SET *s = pi->lpSet;
    if (!s || !s->lpVoidTable)
        return NULL;
    for (DWORD i = 0; i < s->nEntries; i++) {
        switch (pi->DataType) {
        case PROP_TYPE_BYTE:
            if (s->lpLabeledByteTable[i].Value == v)
                return s->lpLabeledByteTable[i].Label;
            break;
        case PROP_TYPE_WORD:
        case PROP_TYPE_BYTESWAPPED_WORD:
            if (s->lpLabeledWordTable[i].Value == v)
                return s->lpLabeledWordTable[i].Label;
            break;
        case PROP_TYPE_DWORD:
        case PROP_TYPE_BYTESWAPPED_DWORD:
            if (s->lpLabeledDwordTable[i].Value == v)
                return s->lpLabeledDwordTable[i].Label;
            break;
        default:
            return NULL;
        }
    }
    return NULL;
}

static const LABELED_BIT *bit_info(const PROPERTYINFO *pi, unsigned b)
{
    const SET *s = pi->lpSet;
    if (!s || !s->lpLabeledBit)
        return NULL;
    for (DWORD i = 0; i < s->nEntries; i++)
        if (s->lpLabeledBit[i].BitNumber == b)
            return &s->lpLabeledBit[i];
    return NULL;
}

/* Value rows sorted: count descending, then value (number or text). */
static int val_before(const pp_value *x, const pp_value *y)
{
    if (x->count != y->count)
        return x->count > y->count;
    if (x->num != y->num)
        return x->num < y->num;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->str, y->str, n) : 0;
    return c ? c < 0 : x->len < y->len;
}

static void sort_vals(pp_value *v, size_t n)
{
    /* heap sort: O(n log n) on many distinct strings */
    for (size_t k = n / 2; k-- > 0;) {
        size_t i = k;
        for (;;) {
            size_t l = 2 * i + 1, rr = l + 1, w = i;
            if (l < n && val_before(&v[w], &v[l]))
                w = l;
            if (rr < n && val_before(&v[w], &v[rr]))
                w = rr;
            if (w == i)
                break;
            pp_value t = v[i];
            v[i] = v[w];
            v[w] = t;
            i = w;
        }
    }
    for (size_t m = n; m > 1; m--) {
        pp_value t = v[0];
        v[0] = v[m - 1];
        v[m - 1] = t;
        size_t i = 0, nn = m - 1;
        for (;;) {
            size_t l = 2 * i + 1, rr = l + 1, w = i;
            if (l < nn && val_before(&v[w], &v[l]))
                w = l;
            if (rr < nn && val_before(&v[w], &v[rr]))
                w = rr;
            if (w == i)
                break;
            pp_value tt = v[i];
            v[i] = v[w];
            v[w] = tt;
            i = w;
        }
    }
}

static DWORD submit(pp_run *r)
{
    return ExpertSubmitEvent(r->key, r->ev) == NMERR_EXPERT_TERMINATE ? NMERR_EXPERT_TERMINATE
                                                                     : NMERR_SUCCESS;
}

static DWORD report(pp_run *r)
{
    if (r->frames_with == 0)
        return NMERR_SUCCESS; /* nothing carries the property: no event */
    uint64_t set = 0;
    switch (r->kind) {
    case KIND_NUMERIC:
        event_start(r);
        xk_col_u32(r->ev, c_max, r->vmax, NULL);
        xk_col_u32(r->ev, c_min, r->vmin, NULL);
        xk_col_u32(r->ev, c_mean, r->nnum ? r->vsum / r->nnum : 0, NULL);
        return submit(r);
    case KIND_STRING:
    case KIND_LABELED:
        for (size_t i = 0; i < r->nvals; i++)
            set += r->vals[i].count;
        sort_vals(r->vals, r->nvals);
        for (size_t i = 0; i < r->nvals; i++) {
            const pp_value *v = &r->vals[i];
            event_start(r);
            if (r->kind == KIND_STRING) {
                xk_col_str(r->ev, c_value, v->str ? v->str : "");
            } else {
                xk_col_u32(r->ev, c_value, v->num, NULL);
                xk_col_str(r->ev, c_label, set_label(r->info, v->num));
            }
            xk_col_u32(r->ev, c_count, v->count, NULL);
            xk_col_u32(r->ev, c_pset, percent(v->count, set), NULL);
            if (submit(r) != NMERR_SUCCESS)
                return NMERR_EXPERT_TERMINATE;
        }
        return NMERR_SUCCESS;
    case KIND_FLAGS:
        for (unsigned b = 0; b < 32; b++) {
            const LABELED_BIT *lb = bit_info(r->info, b);
            if (r->bit != PD_ALL_BITS ? b != r->bit : !lb)
                continue;
            for (int on = 0; on <= 1; on++) {
                uint64_t n = on ? r->bits_on[b] : r->flag_total - r->bits_on[b];
                event_start(r);
                xk_col_u32(r->ev, c_bitno, b, NULL);
                xk_col(r->ev, c_value, NMCOLUMNTYPE_ONOFF)->VariantData.Value.OnOffVal =
                    on ? TRUE : FALSE;
                xk_col_str(r->ev, c_label, lb ? (on ? lb->LabelOn : lb->LabelOff) : NULL);
                xk_col_u32(r->ev, c_count, n, NULL);
                xk_col_u32(r->ev, c_pset, percent(n, r->flag_total), NULL);
                if (submit(r) != NMERR_SUCCESS)
                    return NMERR_EXPERT_TERMINATE;
            }
        }
        return NMERR_SUCCESS;
    default:
        event_start(r);
        return submit(r);
    }
}

/* ------------------------------------------------------------------------ */
/* Run                                                                      */
/* ------------------------------------------------------------------------ */

static void run_free(pp_run *r)
{
    for (size_t i = 0; i < r->nvals; i++)
        if (r->vals[i].str)
            ExpertFreeMemory(r->key, r->vals[i].str);
    void *p[] = {r->ev, r->vals, r->slots};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        if (p[i])
            ExpertFreeMemory(r->key, p[i]);
    r->ev = NULL;
    r->vals = NULL;
    r->slots = NULL;
    r->nvals = 0;
}

static BOOL run_fail(pp_run *r, DWORD err)
{
    run_free(r);
    return xk_fail(r->key, "Property Distribution", err);
}

/* A configuration error: an event naming the option and what it accepts,
 * EXPERTSTATUS_PROBLEM, FALSE. */
static BOOL config_error(pp_run *r, char *msg)
{
    if (xk_refuse(r->key, r->ev, PD_COLUMNS, 2, s_source, msg) == NMERR_EXPERT_TERMINATE)
        return run_fail(r, NMERR_EXPERT_TERMINATE);
    run_free(r);
    return FALSE;
}

/* "A, B, C" of the protocols (or of the protocol's property labels). */
static void list_names(HCAPTURE hcap, HPROTOCOL hp, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    if (hp) {
        LPPROTOCOLINFO pi = GetProtocolInfo(hp);
        LPPROPERTYDATABASE db = pi ? pi->PropertyDatabase : NULL;
        for (DWORD i = 0; db && i < db->nProperties && off + 1 < len; i++) {
            LPPROPERTYINFO p = db->PropertyInfo[i];
            if (!p || !p->Label || p->DataType == PROP_TYPE_SUMMARY)
                continue;
            int w = snprintf(buf + off, len - off, "%s\"%s\"", off ? ", " : "", p->Label);
            if (w < 0)
                break;
            off += (size_t)w;
        }
        return;
    }
    LPPROTOCOLTABLE t = GetEnabledProtocols(hcap);
    for (DWORD i = 0; t && i < t->nProtocols && off + 1 < len; i++) {
        LPPROTOCOLINFO pi = GetProtocolInfo(t->hProtocol[i]);
        if (!pi)
            continue;
        int w = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
                         (const char *)pi->ProtocolName);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

NMAPI_EXPORT BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig,
                             PEXPERTSTARTUPINFO pExpertStartupInfo, DWORD StartupFlags,
                             HWND hWndParent)
{
    (void)hWndParent;
    pp_run r;
    memset(&r, 0, sizeof r);
    r.key = hExpertKey;
    int from_selection = (StartupFlags & EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA) != 0;
    config_parse(&r.cfg, pConfig);
    EXPERTSTARTUPINFO si;
    DWORD serr = NMERR_SUCCESS;
    if (!(pExpertStartupInfo = xk_startup(hExpertKey, pExpertStartupInfo, &si, &serr)))
        return run_fail(&r, serr);
    HCAPTURE hcap = pExpertStartupInfo->hCapture;
    DWORD err = NMERR_SUCCESS;
    if (!(r.ev = xk_event_alloc(hExpertKey, PD_COLUMNS, &err)))
        return run_fail(&r, err);
    if (ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_STARTING, 0,
                             "Property Distribution: counting values", 0) ==
        NMERR_EXPERT_TERMINATE)
        return run_fail(&r, NMERR_EXPERT_TERMINATE);

    char msg[4096], list[3400];
    r.bit = r.cfg.bit;
    if (from_selection) {
        /* the selected property: protocol, property and (flags) bit */
        const PROPERTYINST *pi = pExpertStartupInfo->lpPropertyInst;
        r.hprot = pExpertStartupInfo->hProtocol;
        if (!r.hprot || !pi || !pi->lpPropertyInfo)
        {
            snprintf(msg, sizeof msg, "%s", "Property Distribution: started from a selection "
                                            "without a selected protocol and property");
            return config_error(&r, msg);
        }
        r.hprop = pi->lpPropertyInfo->hProperty;
        if (pi->lpPropertyInfo->DataQualifier == PROP_QUAL_FLAGS &&
            pExpertStartupInfo->sBitfield.BitNumber < 32)
            r.bit = pExpertStartupInfo->sBitfield.BitNumber;
    } else {
        if (xk_notes_bad(&r.cfg.notes)) {
            xk_notes_text(&r.cfg.notes, "Property Distribution",
                          "protocol accepts a protocol name (nmexpert properties); property "
                          "accepts one of its property labels; bit accepts a whole number from 0 "
                          "to 31",
                          msg, sizeof msg);
            return config_error(&r, msg);
        }
        if (!r.cfg.has_protocol || !r.cfg.has_property) {
            snprintf(msg, sizeof msg,
                     "Property Distribution: %s is required: set protocol=NAME and "
                     "property=LABEL (nmexpert properties lists them)",
                     !r.cfg.has_protocol ? "protocol" : "property");
            return config_error(&r, msg);
        }
        r.hprot = GetProtocolFromName(r.cfg.protocol);
        if (!r.hprot) {
            list_names(hcap, 0, list, sizeof list);
            snprintf(msg, sizeof msg,
                     "Property Distribution: protocol=%s: unknown protocol; protocol accepts "
                     "%s",
                     r.cfg.protocol, list);
            return config_error(&r, msg);
        }
        r.hprop = GetProperty(r.hprot, r.cfg.property);
        if (!r.hprop) {
            list_names(hcap, r.hprot, list, sizeof list);
            snprintf(msg, sizeof msg,
                     "Property Distribution: property=%s: %s has no such property; property "
                     "accepts %s",
                     r.cfg.property, r.cfg.protocol, list);
            return config_error(&r, msg);
        }
    }
    r.info = GetPropertyInfo(r.hprop);
    LPPROTOCOLINFO protinfo = GetProtocolInfo(r.hprot);
    if (!r.info || !protinfo)
        return run_fail(&r, NMERR_PROPERTY_NOT_FOUND);
    r.protname = (const char *)protinfo->ProtocolName;
    r.kind = kind_of(r.info);
    if (r.bit != PD_ALL_BITS && r.kind != KIND_FLAGS && !from_selection) {
        snprintf(msg, sizeof msg,
                 "Property Distribution: bit=%u: %s.%s is not a flags property (its report is "
                 "%s); bit accepts a value only for flags properties",
                 r.bit, r.protname, r.info->Label, kind_name(r.kind));
        return config_error(&r, msg);
    }

    /* the frames that carry the property */
    HFILTER filter = CreateFilter();
    if (!filter)
        return run_fail(&r, NMERR_OUT_OF_MEMORY);
    FILTEROBJECT fo;
    memset(&fo, 0, sizeof fo);
    fo.Action = FILTERACTION_PROPERTY;
    fo.hProperty = r.hprop;
    DWORD rc = FilterAddObject(filter, &fo);
    memset(&fo, 0, sizeof fo);
    fo.Action = FILTERACTION_PROPERTYEXIST;
    if (rc == NMERR_SUCCESS)
        rc = FilterAddObject(filter, &fo);
    if (rc != NMERR_SUCCESS) {
        DestroyFilter(filter);
        return run_fail(&r, rc);
    }

    EXPERTFRAMEDESCRIPTOR d;
    DWORD n = INVALID_FRAME_NUMBER;
    xk_progress prog;
    xk_progress_init(&prog, hExpertKey, NULL);
    for (;;) {
        memset(&d, 0, sizeof d);
        rc = ExpertGetFrame(hExpertKey, GET_FRAME_NEXT_FORWARD,
                            FLAGS_DEFER_TO_UI_FILTER | FLAGS_ATTACH_PROPERTIES, n, filter, &d);
        if (rc != NMERR_SUCCESS) {
            if (rc != NMERR_EXPERT_TERMINATE)
                rc = NMERR_SUCCESS; /* no more frames */
            break;
        }
        n = d.FrameNumber;
        LPPROPERTYINST pi = NULL;
        int any = 0;
        while (FindPropertyInstanceRestart(d.hFrame, r.hprop, &pi, TRUE)) {
            any = 1;
            if ((rc = count_instance(&r, pi)) != NMERR_SUCCESS)
                break;
        }
        if (rc != NMERR_SUCCESS)
            break;
        r.frames_with += any ? 1u : 0u;
        if ((rc = xk_progress_step(&prog, n)) != NMERR_SUCCESS)
            break;
    }
    DestroyFilter(filter);
    if (rc != NMERR_SUCCESS)
        return run_fail(&r, rc);
    /* % Frames is of every frame of the capture (asked once the scan has
     * read the file: free by now) */
    r.frames_examined = hcap ? GetCaptureTotalFrames(hcap) : 0;
    if ((rc = report(&r)) != NMERR_SUCCESS)
        return run_fail(&r, rc);
    run_free(&r);
    return TRUE;
}

NMAPI_EXPORT BOOL WINAPI Register(PEXPERTENUMINFO pExpertInfo)
{
    return xk_register(pExpertInfo, "Property Distribution",
                       "Frame statistics for one property of one protocol: how many frames carry "
                       "it and how its values are distributed.",
                       EXPERT_ENUM_FLAG_VIEWER_PRIVATE | EXPERT_ENUM_FLAG_CONFIGURABLE |
                           EXPERT_ENUM_FLAG_ADD_ME_TO_RMC_IN_DETAIL);
}

/* No dialog: an existing configuration is kept when valid; there is no
 * default (protocol and property must be chosen). */
NMAPI_EXPORT BOOL WINAPI Configure(HEXPERTKEY hExpertKey, PEXPERTCONFIG *ppConfig,
                                   PEXPERTSTARTUPINFO pExpertStartupInfo, DWORD StartupFlags,
                                   HWND hWnd)
{
    (void)hExpertKey;
    (void)pExpertStartupInfo;
    (void)StartupFlags;
    (void)hWnd;
    if (!ppConfig || !*ppConfig)
        return FALSE;
    pp_config c;
    config_parse(&c, *ppConfig);
    if (xk_notes_bad(&c.notes))
        return FALSE;
    if (c.has_protocol) {
        HPROTOCOL hp = GetProtocolFromName(c.protocol);
        if (!hp || (c.has_property && !GetProperty(hp, c.property)))
            return FALSE;
    }
    return TRUE;
}
