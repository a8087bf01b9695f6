/*
 * nmexpert/event.h: events (findings) submitted by experts.
 *
 * ExpertSubmitEvent (netmon.h) deep-copies the expert's NMEVENTDATA at call
 * time (spec E5: experts reuse and free their event buffer right after) into
 * an nmx_event: one self-contained allocation holding the fixed fields, the
 * first NumColumns columns, and copies of every string. The host passes it
 * to its sinks (terminal table, JSON Lines, CSV) as it arrives.
 *
 * Decisions (spec 12 E1-E8): pszReserved, szMachine's obsolescence and szUrl
 * are not read except szMachine (kept as text); NULL strings become ""; an
 * all-zero SysTime means "no time"; IPAddrVal holds the address bytes in
 * memory (network) order; Version and the NMEVENTFLAG_EXPERT bit are not
 * required. Each string is cut at NMX_EVENT_MAX_STRING bytes.
 */
#ifndef NMEXPERT_EVENT_H
#define NMEXPERT_EVENT_H

#include <stdbool.h>
#include "nmexpert/common.h"

NMX_BEGIN_DECLS

#define NMX_EVENT_MAX_STRING 65536u /* longest string copied from an event */

/* Column value types: the NMCOLUMNTYPE_* values of netmon.h (0..15). */
typedef struct nmx_event_column {
    const char *name;      /* never NULL                                   */
    uint32_t    type;      /* NMCOLUMNTYPE_*                               */
    union {
        uint64_t u;        /* UINT8/16/32, FRAME, YESNO/ONOFF/TRUEFALSE (0/1) */
        int64_t  i;        /* SINT8/16/32                                  */
        double   f;        /* FLOAT64, VARTIME (OLE date: days since 1899-12-30) */
        uint8_t  mac[6];   /* MACADDR                                      */
        uint8_t  ipx[10];  /* IPXADDR: network[4] + node[6]                */
        uint8_t  ip[4];    /* IPADDR, in address order                     */
    } v;
    const char *str;       /* STRING: never NULL ("" for NULL)             */
} nmx_event_column;

typedef struct nmx_event {
    const char *expert;        /* the session's name                        */
    uint64_t    seq;           /* order of submission within the session    */
    uint8_t     version;
    uint32_t    ident;         /* EventIdent                                */
    uint32_t    flags;         /* NMEVENTFLAG_*                             */
    uint32_t    severity;      /* NMEVENT_SEVERITY_*                        */
    const char *source, *name, *description, *machine, *justification; /* never NULL */
    bool        has_time;      /* SysTime was not all zero                  */
    uint16_t    time[8];       /* SYSTEMTIME fields, in order               */
    uint8_t     ncolumns;
    const nmx_event_column *columns;
} nmx_event;

/* Receives each event as it is submitted; the event is valid during the
 * call only (copy it with nmx_event_dup to keep it). */
typedef void (*nmx_event_fn)(const nmx_event *ev, void *ud);

/* A deep copy in one allocation (free with nmx_event_free), or NULL. */
NMX_API nmx_event *nmx_event_dup(const nmx_event *ev);
NMX_API void nmx_event_free(nmx_event *ev);

/* Names: "INFORMATIONAL"... and "UINT8"... (static strings). */
NMX_API const char *nmx_event_severity_name(uint32_t severity);
NMX_API const char *nmx_event_column_type_name(uint32_t type);

/* The value of a column as display text ("10.0.0.1", "Yes", "00:11:22:..",
 * "2024-11-24 10:00:00.000"...), NUL-terminated in buf; returns buf. */
NMX_API char *nmx_event_column_text(const nmx_event_column *c, char *buf, size_t len);

NMX_END_DECLS

#endif
