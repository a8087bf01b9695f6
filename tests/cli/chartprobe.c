/*
 * A test expert, written only against netmon.h, that submits the events of
 * every built-in expert's report (docs/experts/, docs/report-html.md#charts)
 * with hostile text in every string it gives: markup that would run a
 * script, close the page's <style>, open an <img> with a handler, control
 * characters and bytes that are not UTF-8. Copied under the built-in
 * experts' file names (topusers.so, protdist.so...), it makes the HTML
 * report draw each of their charts from that text, and its own numeric
 * columns (one named with the hostile text) the chart of any other expert.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"

#define EVIL "<script>document.body.setAttribute('data-pwned',1)</script>" \
             "\"><img src=x onerror=document.body.setAttribute('data-pwned',1)>" \
             "</style></svg>\x01\x1b\x7f\xc2\x85\xff\xfe"

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
    snprintf(info->szName, sizeof info->szName, "Chart probe %s", "<b>&amp;</title>");
    strcpy(info->szVendor, "nmexpert tests");
    strcpy(info->szDescription, "every built-in expert's events, with hostile text");
    info->Version = 1;
    info->Flags = 0;
    return TRUE;
}

BOOL WINAPI Configure(HEXPERTKEY key, PEXPERTCONFIG *cfg, PEXPERTSTARTUPINFO si, DWORD flags,
                      HWND hwnd)
{
    (void)key;
    (void)cfg;
    (void)si;
    (void)flags;
    (void)hwnd;
    return TRUE;
}

typedef struct col {
    const char *name;
    DWORD type;
    double num; /* numbers and frames */
    const char *str;
} col;

static void submit(HEXPERTKEY key, const char *event, const col *c, int n)
{
    size_t size = sizeof(NMEVENTDATA) + (size_t)(n > 1 ? n - 1 : 0) * sizeof(NMCOLUMNINFO);
    NMEVENTDATA *e = ExpertAllocMemory(key, (DWORD)size, NULL);
    if (!e)
        return;
    memset(e, 0, size);
    e->EventIdent = 1;
    e->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    e->szSourceName = (LPSTR)EVIL;
    e->szEventName = (LPSTR)event;
    e->szDescription = (LPSTR)EVIL;
    e->NumColumns = (BYTE)n;
    for (int i = 0; i < n; i++) {
        e->Column[i].szColumnName = (LPSTR)c[i].name;
        e->Column[i].VariantData.Type = c[i].type;
        switch (c[i].type) {
        case NMCOLUMNTYPE_STRING: e->Column[i].VariantData.Value.pStringVal = (LPSTR)c[i].str; break;
        case NMCOLUMNTYPE_FLOAT64: e->Column[i].VariantData.Value.Float64Val = c[i].num; break;
        case NMCOLUMNTYPE_FRAME: e->Column[i].VariantData.Value.FrameVal = (DWORD)c[i].num; break;
        default: e->Column[i].VariantData.Value.Uint32Val = (DWORD)c[i].num; break;
        }
    }
    ExpertSubmitEvent(key, e);
    ExpertFreeMemory(key, e);
}

#define S NMCOLUMNTYPE_STRING
#define U NMCOLUMNTYPE_UINT32
#define F NMCOLUMNTYPE_FLOAT64
#define FR NMCOLUMNTYPE_FRAME

BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd)
{
    (void)cfg;
    (void)si;
    (void)flags;
    (void)hwnd;
    for (int i = 1; i <= 3; i++) { /* Top Users */
        col c[] = {{"Rank", U, i, 0}, {"Address", S, 0, EVIL}, {"Frames", U, 10 * i, 0},
                   {"Bytes", U, 1000 * i, 0}, {"% of bytes", F, 10.5 * i, 0}};
        submit(key, "Top sender", c, 5);
    }
    for (int i = 1; i <= 3; i++) { /* Protocol Distribution */
        col c[] = {{"Rank", U, i, 0}, {"Protocol", S, 0, EVIL}, {"Frames", U, 40 - i, 0},
                   {"% Frames", F, 90.0 / i, 0}, {"Bytes", U, 4000 - i, 0},
                   {"% Bytes", F, 80.0 / i, 0}};
        submit(key, "Protocol", c, 6);
        col h[] = {{"Path", S, 0, EVIL}, {"Level", U, i, 0}, {"Protocol", S, 0, EVIL},
                   {"Frames", U, 40 - i, 0}, {"% Frames", F, 90.0 / i, 0},
                   {"Bytes", U, 4000 - i, 0}, {"% Bytes", F, 80.0 / i, 0}};
        submit(key, "Protocol hierarchy", h, 7);
    }
    for (int i = 0; i < 30; i++) { /* Property Distribution: labeled, many values */
        col c[] = {{"Protocol", S, 0, EVIL}, {"Property", S, 0, EVIL}, {"# Frames", U, 99, 0},
                   {"% Frames", U, 50, 0}, {"Value", U, 1000 + 37 * i, 0},
                   {"Label", S, 0, i % 2 ? EVIL : ""}, {"Count", U, 60 - i, 0},
                   {"% of Set", U, 2, 0}};
        submit(key, "", c, 8);
    }
    { /* Property Distribution: numeric */
        col c[] = {{"Protocol", S, 0, EVIL}, {"Property", S, 0, EVIL}, {"# Frames", U, 99, 0},
                   {"% Frames", U, 50, 0}, {"Max", U, 1500, 0}, {"Min", U, 40, 0},
                   {"Mean", U, 610, 0}};
        submit(key, "", c, 7);
    }
    for (int i = 0; i < 4; i++) { /* TCP Retransmit: plain, fast, spurious, mixed */
        static const char *frames[] = {"2", "3 4", "5", "6 7 8 ..."};
        static const double n[][3] = {{1, 0, 0}, {2, 2, 0}, {1, 0, 1}, {20, 1, 1}};
        col c[] = {{"Source", S, 0, EVIL}, {"Destination", S, 0, EVIL},
                   {"Original Frame", FR, 1, 0}, {"Sequence Number", U, 1000, 0},
                   {"Length", U, 100, 0}, {"Retransmits", U, n[i][0], 0},
                   {"Fast", U, n[i][1], 0}, {"Spurious", U, n[i][2], 0},
                   {"First Retransmission", FR, 2 + i, 0}, {"Final Frame", FR, 9, 0},
                   {"Seconds", F, 0.5, 0}, {"Frames", S, 0, frames[i]}};
        submit(key, "Retransmitted segment", c, 12);
    }
    for (int i = 1; i <= 2; i++) {
        col c[] = {{"Source", S, 0, EVIL}, {"Destination", S, 0, EVIL},
                   {"Retransmits", U, 3 * i, 0}, {"Fast", U, i, 0}, {"Spurious", U, 1, 0},
                   {"Segments", U, 10, 0}};
        submit(key, "Connection summary", c, 6);
    }
    for (int i = 1; i <= 3; i++) { /* any other expert's: a column named with hostile text */
        col c[] = {{EVIL, U, 7 * i, 0}, {"Text", S, 0, EVIL}, {"Ratio", F, 0.25 * i, 0}};
        submit(key, EVIL, c, 3);
    }
    return TRUE;
}
