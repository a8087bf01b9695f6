/*
 * census.c: the benchmark's trivial expert. It reads every frame once with
 * ExpertGetFrame (forward, no filter of its own; the frames that pass the
 * run's filter, `nmexpert run --filter`, when one is given:
 * FLAGS_DEFER_TO_UI_FILTER), counts frames and stored bytes, and reports
 * both in one event. It does the least an analysing expert can do,
 * so that the time of `nmexpert run census F` is the host's own cost:
 * start-up, the isolation, the frame walk, the event path and the exit.
 * Written against netmon.h only, like every expert.
 */
#include <stdio.h>

#include <netmon.h>

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
    snprintf(info->szName, sizeof info->szName, "Census");
    snprintf(info->szVendor, sizeof info->szVendor, "nmexpert benchmark");
    snprintf(info->szDescription, sizeof info->szDescription,
             "Counts the frames and stored bytes of a capture");
    info->Version = 1;
    info->Flags = 0;
    return TRUE;
}

BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd)
{
    (void)cfg;
    (void)si;
    (void)flags;
    (void)hwnd;
    DWORD frames = 0;
    double bytes = 0;
    EXPERTFRAMEDESCRIPTOR d;
    DWORD n = INVALID_FRAME_NUMBER;
    while (ExpertGetFrame(key, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER, n, NULL, &d) == NMERR_SUCCESS) {
        n = d.FrameNumber;
        frames++;
        bytes += (double)d.pFrame->nBytesAvail;
    }
    DWORD err;
    NMEVENTDATA *ev = ExpertAllocMemory(key, sizeof(NMEVENTDATA) + sizeof(NMCOLUMNINFO), &err);
    if (!ev)
        return FALSE;
    ev->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    ev->Flags = NMEVENTFLAG_EXPERT;
    ev->szSourceName = "Census";
    ev->szEventName = "Capture census";
    ev->szDescription = "frames and stored bytes";
    ev->NumColumns = 2;
    ev->Column[0].szColumnName = "Frames";
    ev->Column[0].VariantData.Type = NMCOLUMNTYPE_UINT32;
    ev->Column[0].VariantData.Value.Uint32Val = frames;
    ev->Column[1].szColumnName = "Bytes";
    ev->Column[1].VariantData.Type = NMCOLUMNTYPE_FLOAT64;
    ev->Column[1].VariantData.Value.Float64Val = bytes;
    ExpertSubmitEvent(key, ev);
    ExpertFreeMemory(key, ev);
    return TRUE;
}
