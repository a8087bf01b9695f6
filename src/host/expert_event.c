/*
 * ExpertSubmitEvent (spec 4.8, decisions E1-E8) and ExpertIndicateStatus
 * (spec 4.6, decisions S1-S3).
 *
 * Events are deep-copied during the call, on the expert's thread, so that
 * every read of the expert's memory happens inside the expert's own call
 * (a bad pointer faults there, where the isolation catches it) and the
 * expert may reuse or free its buffer as soon as the call returns.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "host/host.h"

static void column_value(const NMCOLUMNINFO *ci, nmx_event_column *c)
{
    const NMCOLUMNVARIANT *v = &ci->VariantData;
    memset(&c->v, 0, sizeof c->v);
    c->type = (uint32_t)v->Type;
    c->str = NULL;
    switch (v->Type) {
    case NMCOLUMNTYPE_UINT8: c->v.u = v->Value.Uint8Val; break;
    case NMCOLUMNTYPE_SINT8: c->v.i = v->Value.Sint8Val; break;
    case NMCOLUMNTYPE_UINT16: c->v.u = v->Value.Uint16Val; break;
    case NMCOLUMNTYPE_SINT16: c->v.i = v->Value.Sint16Val; break;
    case NMCOLUMNTYPE_UINT32: c->v.u = v->Value.Uint32Val; break;
    case NMCOLUMNTYPE_SINT32: c->v.i = v->Value.Sint32Val; break;
    case NMCOLUMNTYPE_FLOAT64: c->v.f = v->Value.Float64Val; break;
    case NMCOLUMNTYPE_FRAME: c->v.u = v->Value.FrameVal; break;
    case NMCOLUMNTYPE_YESNO: c->v.u = v->Value.YesNoVal != 0; break;
    case NMCOLUMNTYPE_ONOFF: c->v.u = v->Value.OnOffVal != 0; break;
    case NMCOLUMNTYPE_TRUEFALSE: c->v.u = v->Value.TrueFalseVal != 0; break;
    case NMCOLUMNTYPE_MACADDR: memcpy(c->v.mac, v->Value.MACAddrVal, 6); break;
    case NMCOLUMNTYPE_IPXADDR: memcpy(c->v.ipx, &v->Value.IPXAddrVal, 10); break;
    case NMCOLUMNTYPE_IPADDR: memcpy(c->v.ip, &v->Value.IPAddrVal, 4); break; /* E6 */
    case NMCOLUMNTYPE_VARTIME: c->v.f = v->Value.VarTimeVal; break;
    case NMCOLUMNTYPE_STRING: c->str = v->Value.pStringVal; break;
    default: break;
    }
}

DWORD WINAPI ExpertSubmitEvent(HEXPERTKEY hExpertKey, PNMEVENTDATA e)
{
    DWORD rc;
    struct nmx_session *s = nmx__session_enter(hExpertKey, &rc);
    if (!s)
        return rc;
    if (!e) {
        nmx__session_leave(s);
        return NMERR_INVALID_PARAMETER;
    }
    unsigned n = e->NumColumns;
    /* E8: when the event lives in the expert allocator, never read past it */
    size_t bsize = nmx_key_size((uint64_t)(uintptr_t)hExpertKey, e, NULL);
    size_t fixed = offsetof(NMEVENTDATA, Column);
    if (bsize && bsize >= fixed) {
        size_t fit = (bsize - fixed) / sizeof(NMCOLUMNINFO);
        if (fit < n)
            n = (unsigned)fit;
    }
    nmx_event_column cols[256];
    for (unsigned i = 0; i < n; i++) {
        cols[i].name = e->Column[i].szColumnName;
        column_value(&e->Column[i], &cols[i]);
    }
    nmx_event v;
    memset(&v, 0, sizeof v);
    v.expert = s->name;
    v.seq = s->nevents;
    v.version = e->Version;
    v.ident = e->EventIdent;
    v.flags = e->Flags;
    v.severity = e->Severity;
    v.source = e->szSourceName;
    v.name = e->szEventName;
    v.description = e->szDescription;
    v.machine = e->szMachine;
    v.justification = e->Justification;
    const WORD *t = &e->SysTime.wYear;
    for (int i = 0; i < 8; i++) {
        v.time[i] = t[i];
        if (t[i])
            v.has_time = true; /* E4: all zero means "no time" */
    }
    v.ncolumns = (uint8_t)n;
    v.columns = cols;
    if (s->event_view) { /* encoded at once, inside this call */
        s->nevents++;
        if (s->on_event)
            s->on_event(&v, s->event_ud);
        nmx__session_leave(s);
        return NMERR_SUCCESS;
    }
    nmx_event *copy = nmx_event_dup(&v);
    if (!copy) {
        nmx__session_leave(s);
        return NMERR_OUT_OF_MEMORY;
    }
    s->nevents++;
    if (s->on_event)
        s->on_event(copy, s->event_ud);
    nmx_event_free(copy);
    nmx__session_leave(s);
    return NMERR_SUCCESS;
}

DWORD WINAPI ExpertIndicateStatus(HEXPERTKEY hExpertKey, EXPERTSTATUSENUMERATION Status,
                                  DWORD SubStatus, const char *szText, LONG PercentDone)
{
    DWORD rc;
    bool term;
    struct nmx_session *s = nmx__session_enter_any(hExpertKey, &rc, &term);
    if (!s)
        return rc;
    nmx_status *st = &s->status;
    st->status = (uint32_t)Status;
    st->sub_status = SubStatus;
    if (PercentDone < 0)
        st->percent = 0; /* S1 */
    else if (PercentDone <= 99)
        st->percent = (uint32_t)PercentDone; /* > 99: ignored; the host says 100 */
    if (szText) /* S3: NULL keeps the previous text */
        snprintf(st->text, sizeof st->text, "%s", szText);
    st->updates++;
    if (s->on_status)
        s->on_status(st, s->status_ud);
    nmx__session_leave(s);
    return term ? NMERR_EXPERT_TERMINATE : NMERR_SUCCESS;
}
