/*
 * xkit.c: what the built-in experts share (xkit.h).
 */
#include "xkit.h"

#include <stdio.h>
#include <string.h>

void xk_config_walk(const EXPERTCONFIG *cfg, void (*fn)(void *ud, const xk_item *it), void *ud)
{
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
        const char *eq = memchr(p, '=', n);
        xk_item it = {
            .key = p,
            .klen = eq ? (size_t)(eq - p) : n,
            .val = eq ? eq + 1 : p + n,
            .vlen = eq ? n - (size_t)(eq - p) - 1 : 0,
            .whole = p,
            .wlen = n,
            .has_value = eq != NULL,
        };
        fn(ud, &it);
        if (!nul)
            break;
        left -= n + 1;
        p += n + 1;
    }
}

int xk_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

int xk_parse_u32(const char *v, size_t n, DWORD min, DWORD max, DWORD *out)
{
    unsigned long long x = 0;
    if (n == 0 || n > 10)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return 0;
        x = x * 10u + (unsigned long long)(v[i] - '0');
    }
    if (x < min || x > max)
        return 0;
    *out = (DWORD)x;
    return 1;
}

int xk_parse_bool(const char *v, size_t n)
{
    if (xk_is(v, n, "yes") || xk_is(v, n, "1"))
        return 1;
    if (xk_is(v, n, "no") || xk_is(v, n, "0"))
        return 0;
    return -1;
}

static void note_append(char *buf, const char *s, size_t n)
{
    size_t len = strlen(buf);
    if (len + 6 >= XK_NOTE_MAX)
        return;
    if (len) {
        memcpy(buf + len, ", ", 2);
        len += 2;
    }
    size_t room = XK_NOTE_MAX - 5 - len; /* keep space for "..." and NUL */
    if (n > room) {
        memcpy(buf + len, s, room);
        memcpy(buf + len + room, "...", 4);
        return;
    }
    memcpy(buf + len, s, n);
    buf[len + n] = 0;
}

void xk_note_unknown(xk_notes *n, const xk_item *it)
{
    note_append(n->unknown, it->key, it->klen);
}

void xk_note_invalid(xk_notes *n, const xk_item *it)
{
    note_append(n->invalid, it->whole, it->wlen);
}

int xk_notes_bad(const xk_notes *n)
{
    return n->unknown[0] || n->invalid[0];
}

void xk_notes_text(const xk_notes *n, const char *expert, const char *accepts, char *buf,
                   size_t len)
{
    snprintf(buf, len, "%s: configuration refused:%s%s%s%s. %s.", expert,
             n->invalid[0] ? " bad value " : "", n->invalid,
             n->unknown[0] ? (n->invalid[0] ? "; unknown key " : " unknown key ") : "",
             n->unknown, accepts);
}

/* What xk_options_parse and xk_options_valid walk with; conf NULL only
 * checks. */
typedef struct opt_walk {
    const xk_options *o;
    char *conf;
    xk_notes *notes;
} opt_walk;

/* Stores (when w->conf) the value of one item; 0 when it is not valid. */
static int opt_value(opt_walk *w, const xk_option *op, const xk_item *it)
{
    const char *v = it->val;
    size_t n = it->vlen;
    char *field = w->conf ? w->conf + op->field : NULL;
    switch (op->kind) {
    case XK_OPT_U32: {
        DWORD x;
        if ((op->digits && n > op->digits) || !xk_parse_u32(v, n, op->min, op->max, &x))
            return 0;
        if (field)
            memcpy(field, &x, sizeof x);
        return 1;
    }
    case XK_OPT_CHOICE:
        for (int i = 0; op->names[i]; i++) {
            if (xk_is(v, n, op->names[i])) {
                if (field)
                    memcpy(field, &i, sizeof i);
                return 1;
            }
        }
        return 0;
    case XK_OPT_BOOL: {
        int b = xk_parse_bool(v, n);
        if (b < 0)
            return 0;
        if (field)
            memcpy(field, &b, sizeof b);
        return 1;
    }
    case XK_OPT_TEXT:
        if (n == 0 || n >= op->size)
            return 0;
        if (field) {
            int one = 1;
            memcpy(field, v, n);
            field[n] = 0;
            memcpy(w->conf + op->given, &one, sizeof one);
        }
        return 1;
    }
    return 0;
}

static void opt_item(void *ud, const xk_item *it)
{
    opt_walk *w = ud;
    for (size_t i = 0; i < w->o->n; i++) {
        const xk_option *op = &w->o->opts[i];
        if (!xk_is(it->key, it->klen, op->key))
            continue;
        if (!it->has_value || !opt_value(w, op, it))
            xk_note_invalid(w->notes, it);
        return;
    }
    xk_note_unknown(w->notes, it);
}

void xk_options_parse(const xk_options *o, const EXPERTCONFIG *cfg, void *conf, xk_notes *notes)
{
    opt_walk w = {o, conf, notes};
    xk_config_walk(cfg, opt_item, &w);
}

int xk_options_valid(const xk_options *o, const EXPERTCONFIG *cfg)
{
    /* valid as Run sees it: nothing noted (an empty key notes nothing) */
    xk_notes notes;
    memset(&notes, 0, sizeof notes);
    xk_options_parse(o, cfg, NULL, &notes);
    return !xk_notes_bad(&notes);
}

PNMEVENTDATA xk_event_alloc(HEXPERTKEY key, DWORD columns, DWORD *err)
{
    DWORD e = NMERR_SUCCESS;
    PNMEVENTDATA ev =
        ExpertAllocMemory(key, sizeof(NMEVENTDATA) + columns * sizeof(NMCOLUMNINFO), &e);
    if (!ev)
        *err = xk_alloc_error(e);
    return ev;
}

void xk_event_reset(PNMEVENTDATA ev, DWORD columns, DWORD ident, LPSTR source, LPSTR name,
                    LPSTR desc, JTYPE just)
{
    memset(ev, 0, sizeof(NMEVENTDATA) + columns * sizeof(NMCOLUMNINFO));
    ev->EventIdent = ident;
    ev->Flags = NMEVENTFLAG_EXPERT;
    ev->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    ev->szSourceName = source;
    ev->szEventName = name;
    ev->szDescription = desc;
    ev->Justification = just;
}

NMCOLUMNINFO *xk_col(PNMEVENTDATA ev, LPSTR name, NMCOLUMNTYPE type)
{
    NMCOLUMNINFO *c = &ev->Column[ev->NumColumns++];
    c->szColumnName = name;
    c->VariantData.Type = type;
    return c;
}

void xk_col_u32(PNMEVENTDATA ev, LPSTR name, uint64_t v, int *clamped)
{
    if (v > 0xFFFFFFFFull) {
        v = 0xFFFFFFFFull;
        if (clamped)
            *clamped = 1;
    }
    xk_col(ev, name, NMCOLUMNTYPE_UINT32)->VariantData.Value.Uint32Val = (DWORD)v;
}

void xk_col_str(PNMEVENTDATA ev, LPSTR name, LPCSTR s)
{
    xk_col(ev, name, NMCOLUMNTYPE_STRING)->VariantData.Value.pStringVal = s;
}

void xk_col_f64(PNMEVENTDATA ev, LPSTR name, double v)
{
    xk_col(ev, name, NMCOLUMNTYPE_FLOAT64)->VariantData.Value.Float64Val = v;
}

DWORD xk_refuse(HEXPERTKEY key, PNMEVENTDATA ev, DWORD columns, DWORD ident, LPSTR source,
                char *msg)
{
    static char name[] = "Configuration refused";
    xk_event_reset(ev, columns, ident, source, name, msg, NULL);
    ev->Severity = NMEVENT_SEVERITY_ERROR;
    if (ExpertSubmitEvent(key, ev) == NMERR_EXPERT_TERMINATE)
        return NMERR_EXPERT_TERMINATE;
    ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, NMERR_INVALID_PARAMETER, msg, 0);
    return NMERR_INVALID_PARAMETER;
}

DWORD xk_run_begin(HEXPERTKEY key, PEXPERTSTARTUPINFO *si, EXPERTSTARTUPINFO *buf,
                   const char *status, DWORD columns, PNMEVENTDATA *ev)
{
    DWORD err = NMERR_SUCCESS;
    if (!(*si = xk_startup(key, *si, buf, &err)))
        return err;
    if (ExpertIndicateStatus(key, EXPERTSTATUS_STARTING, 0, status, 0) == NMERR_EXPERT_TERMINATE)
        return NMERR_EXPERT_TERMINATE;
    if (!(*ev = xk_event_alloc(key, columns, &err)))
        return err;
    return NMERR_SUCCESS;
}

PEXPERTSTARTUPINFO xk_startup(HEXPERTKEY key, PEXPERTSTARTUPINFO given, EXPERTSTARTUPINFO *buf,
                              DWORD *err)
{
    if (given)
        return given;
    memset(buf, 0, sizeof *buf);
    DWORD rc = ExpertGetStartupInfo(key, buf);
    if (rc != NMERR_SUCCESS) {
        *err = rc;
        return NULL;
    }
    return buf;
}

BOOL xk_fail(HEXPERTKEY key, const char *expert, DWORD err)
{
    if (err == NMERR_EXPERT_TERMINATE)
        return TRUE;
    char text[128];
    snprintf(text, sizeof text, "%s stopped: error %lu%s", expert, (unsigned long)err,
             err == NMERR_OUT_OF_MEMORY ? " (out of memory)" : "");
    ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, err, text, 0);
    return FALSE;
}

void xk_progress_init(xk_progress *p, HEXPERTKEY key, const char *text)
{
    p->key = key;
    p->text = text;
    p->next = XK_PROGRESS_EVERY;
}

DWORD xk_progress_step(xk_progress *p, DWORD frame)
{
    if (frame < p->next)
        return NMERR_SUCCESS;
    p->next = (frame / XK_PROGRESS_EVERY + 1u) * XK_PROGRESS_EVERY;
    if (p->next == 0) /* past the last multiple below 2^32 */
        p->next = 0xFFFFFFFFu;
    DWORD rc = ExpertIndicateStatus(p->key, EXPERTSTATUS_RUNNING, 0, p->text, 0);
    return rc == NMERR_EXPERT_TERMINATE ? rc : NMERR_SUCCESS;
}

DWORD xk_alloc_error(DWORD e)
{
    return e != NMERR_SUCCESS ? e : NMERR_OUT_OF_MEMORY;
}

BOOL xk_register(PEXPERTENUMINFO info, const char *name, const char *description, DWORD flags)
{
    if (!info)
        return FALSE;
    snprintf(info->szName, sizeof info->szName, "%s", name);
    snprintf(info->szVendor, sizeof info->szVendor, "%s", "nmexpert");
    snprintf(info->szDescription, sizeof info->szDescription, "%s", description);
    info->Version = 1;
    info->Flags = flags;
    return TRUE;
}

BOOL xk_configure_defaults(HEXPERTKEY key, PEXPERTCONFIG *pp, const char *defaults, size_t size,
                           const xk_options *o)
{
    if (!pp)
        return FALSE;
    if (*pp) /* keep it when it is valid, refuse it otherwise */
        return xk_options_valid(o, *pp) ? TRUE : FALSE;
    DWORD total = (DWORD)(sizeof(DWORD) + size);
    DWORD err = NMERR_SUCCESS;
    PEXPERTCONFIG c = ExpertAllocMemory(key, total, &err);
    if (!c)
        return FALSE;
    memcpy(&c->RawConfigLength, &total, sizeof total);
    memcpy(c->RawConfigData, defaults, size);
    *pp = c;
    return TRUE;
}
