/*
 * netmon_standalone.c: netmon.h must compile on its own, as the first and
 * only include of a translation unit, under the project's strict warnings.
 */
#include "netmon.h"

/* Fills a one-column event the way an expert does and returns the number of
 * bytes an event with NumColumns columns needs. Used by test_netmon_layout. */
SIZE_T nmx_netmon_standalone_event(PNMEVENTDATA pEvent, LPSTR szSource, DWORD EventIdent);

SIZE_T nmx_netmon_standalone_event(PNMEVENTDATA pEvent, LPSTR szSource, DWORD EventIdent)
{
    PNMCOLUMNINFO col = &pEvent->Column[0];

    pEvent->pszReserved   = NULL;
    pEvent->Version       = 0;
    pEvent->EventIdent    = EventIdent;
    pEvent->Flags         = NMEVENTFLAG_EXPERT | NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS;
    pEvent->Severity      = NMEVENT_SEVERITY_WARNING;
    pEvent->NumColumns    = 1;
    pEvent->szSourceName  = szSource;
    pEvent->szEventName   = NULL;
    pEvent->szDescription = NULL;
    pEvent->szMachine     = NULL;
    pEvent->Justification = NULL;
    pEvent->szUrl         = NULL;
    pEvent->SysTime.wYear = 0;

    col->szColumnName                = szSource;
    col->VariantData.Type            = NMCOLUMNTYPE_FRAME;
    col->VariantData.Value.FrameVal  = INVALID_FRAME_NUMBER;

    return sizeof(NMEVENTDATA) + (SIZE_T)(pEvent->NumColumns - 1) * sizeof(NMCOLUMNINFO);
}
