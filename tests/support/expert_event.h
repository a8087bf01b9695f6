/*
 * expert_event.h: for the test experts (written only against netmon.h):
 * submits an event of one UINT32 column, as the misbehaving and attacking
 * experts do before they misbehave, so that a test can check that the
 * events submitted earlier are kept.
 */
#ifndef NMX_TEST_EXPERT_EVENT_H
#define NMX_TEST_EXPERT_EVENT_H

#include "netmon.h"

/* Event `ident` from `source`, named `name`, its column "n" = ident. */
static inline void nmx_test_submit_event(HEXPERTKEY key, DWORD ident, LPSTR source, LPSTR name)
{
    NMEVENTDATA *e = ExpertAllocMemory(key, sizeof(NMEVENTDATA), NULL);
    if (!e)
        return;
    e->EventIdent = ident;
    e->szSourceName = source;
    e->szEventName = name;
    e->NumColumns = 1;
    e->Column[0].szColumnName = "n";
    e->Column[0].VariantData.Type = NMCOLUMNTYPE_UINT32;
    e->Column[0].VariantData.Value.Uint32Val = ident;
    ExpertSubmitEvent(key, e);
    ExpertFreeMemory(key, e);
}

#endif
