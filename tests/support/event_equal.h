/*
 * Equality of two decoded events, without any test framework, so that both
 * the unit tests and the fuzzers use one definition.
 *
 *   EVT_CMP_VALUES  columns compare by what their type uses (an address
 *                   column compares its address bytes, a number its value);
 *                   for events built by hand and events after a round trip.
 *   EVT_CMP_BITS    columns also compare their text and every byte of the
 *                   value; for two decodes of the same bytes, which must be
 *                   identical.
 */
#ifndef NMX_TEST_EVENT_EQUAL_H
#define NMX_TEST_EVENT_EQUAL_H

#include <stdbool.h>
#include <string.h>

#include "netmon.h"
#include "nmexpert/event.h"

enum evt_cmp { EVT_CMP_VALUES, EVT_CMP_BITS };

static inline bool evt_col_equal_mode(const nmx_event_column *a, const nmx_event_column *b,
                                      enum evt_cmp mode)
{
    if (strcmp(a->name, b->name) != 0 || a->type != b->type)
        return false;
    if (mode == EVT_CMP_BITS)
        return strcmp(a->str, b->str) == 0 && memcmp(&a->v, &b->v, sizeof a->v) == 0;
    switch (a->type) {
    case NMCOLUMNTYPE_MACADDR: return memcmp(a->v.mac, b->v.mac, 6) == 0;
    case NMCOLUMNTYPE_IPXADDR: return memcmp(a->v.ipx, b->v.ipx, 10) == 0;
    case NMCOLUMNTYPE_IPADDR: return memcmp(a->v.ip, b->v.ip, 4) == 0;
    case NMCOLUMNTYPE_STRING: return strcmp(a->str, b->str) == 0;
    default: return a->v.u == b->v.u; /* also the bits of doubles */
    }
}

static inline bool evt_equal_mode(const nmx_event *a, const nmx_event *b, enum evt_cmp mode)
{
    if (strcmp(a->expert, b->expert) || a->seq != b->seq || a->version != b->version ||
        a->ident != b->ident || a->flags != b->flags || a->severity != b->severity ||
        strcmp(a->source, b->source) || strcmp(a->name, b->name) ||
        strcmp(a->description, b->description) || strcmp(a->machine, b->machine) ||
        strcmp(a->justification, b->justification) || a->has_time != b->has_time ||
        memcmp(a->time, b->time, sizeof a->time) || a->ncolumns != b->ncolumns)
        return false;
    for (size_t i = 0; i < a->ncolumns; i++)
        if (!evt_col_equal_mode(&a->columns[i], &b->columns[i], mode))
            return false;
    return true;
}

static inline bool evt_col_equal(const nmx_event_column *a, const nmx_event_column *b)
{
    return evt_col_equal_mode(a, b, EVT_CMP_VALUES);
}

static inline bool evt_equal(const nmx_event *a, const nmx_event *b)
{
    return evt_equal_mode(a, b, EVT_CMP_VALUES);
}

#endif
