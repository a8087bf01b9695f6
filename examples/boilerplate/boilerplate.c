/*
 * boilerplate.c: the template for a new expert. Copy it, rename it, and
 * replace the analysis in Run. It uses only netmon.h, as every expert must.
 *
 * Build (against an installed nmexpert):
 *     cc -shared -fPIC -fvisibility=hidden -o boilerplate.so boilerplate.c \
 *        $(pkg-config --cflags nmexpert)
 * (no -lnmexpert: the Expert* functions come from the host that loads you)
 * Run:
 *     NMEXPERT_PATH=$PWD nmexpert run boilerplate capture.pcap --set port=53
 *
 * What it does: counts the frames of one UDP/TCP port (configurable, by
 * text "port=N") with a frame filter, and reports the busiest second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

/* ---- registration ---------------------------------------------------- */

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
    snprintf(info->szName, sizeof info->szName, "Boilerplate");
    snprintf(info->szVendor, sizeof info->szVendor, "Example Corp.");
    snprintf(info->szDescription, sizeof info->szDescription,
             "Counts the frames of one port and finds its busiest second");
    info->Version = 1;
    info->Flags = EXPERT_ENUM_FLAG_CONFIGURABLE;
    return TRUE;
}

/* ---- configuration: text "key=value" pairs, NUL-separated ------------- */

#define DEFAULT_CONFIG "port=53\0"

static unsigned long config_port(PEXPERTCONFIG cfg)
{
    unsigned long port = 53;
    if (!cfg || cfg->RawConfigLength <= sizeof(DWORD))
        return port;
    const char *p = (const char *)cfg->RawConfigData;
    const char *end = (const char *)cfg + cfg->RawConfigLength;
    while (p < end && *p) {
        size_t n = 0;
        while (p + n < end && p[n])
            n++;
        if (n > 5 && strncmp(p, "port=", 5) == 0)
            port = strtoul(p + 5, NULL, 10);
        p += n + 1;
    }
    return port;
}

/* Headless Configure (the host passes hWnd NULL): make sure a configuration
 * exists. The blob is allocated with ExpertAllocMemory and handed to the
 * host, which stores it and passes it to Run. */
BOOL WINAPI Configure(HEXPERTKEY key, PEXPERTCONFIG *ppConfig, PEXPERTSTARTUPINFO si,
                      DWORD flags, HWND hwnd)
{
    (void)si;
    (void)flags;
    (void)hwnd;
    if (*ppConfig)
        return TRUE; /* keep what is stored */
    DWORD len = (DWORD)(sizeof(DWORD) + sizeof DEFAULT_CONFIG);
    DWORD err;
    PEXPERTCONFIG cfg = ExpertAllocMemory(key, len, &err);
    if (!cfg)
        return FALSE;
    cfg->RawConfigLength = len; /* counts itself */
    memcpy(cfg->RawConfigData, DEFAULT_CONFIG, sizeof DEFAULT_CONFIG);
    *ppConfig = cfg;
    return TRUE;
}

/* ---- the analysis ---------------------------------------------------- */

/* Does this Ethernet frame carry IPv4 UDP/TCP with the port? Every read is
 * checked against the stored length. */
static BOOL has_port(const BYTE *f, DWORD len, unsigned long port)
{
    if (len < 14 + 20)
        return FALSE;
    if (f[12] != 0x08 || f[13] != 0x00) /* IPv4 only, to keep the template short */
        return FALSE;
    const BYTE *ip = f + 14;
    DWORD ihl = (DWORD)(ip[0] & 0x0F) * 4;
    if (ihl < 20 || len < 14 + ihl + 4 || (ip[9] != 6 && ip[9] != 17))
        return FALSE;
    const BYTE *l4 = ip + ihl;
    unsigned long sp = (unsigned long)(l4[0] << 8 | l4[1]), dp = (unsigned long)(l4[2] << 8 | l4[3]);
    return sp == port || dp == port;
}

static void report(HEXPERTKEY key, NMEVENTDATA *ev, const char *what, DWORD value)
{
    ev->NumColumns = 2;
    ev->Column[0].szColumnName = "Measure";
    ev->Column[0].VariantData.Type = NMCOLUMNTYPE_STRING;
    ev->Column[0].VariantData.Value.pStringVal = what;
    ev->Column[1].szColumnName = "Value";
    ev->Column[1].VariantData.Type = NMCOLUMNTYPE_UINT32;
    ev->Column[1].VariantData.Value.Uint32Val = value;
    ExpertSubmitEvent(key, ev);
}

BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd)
{
    (void)flags;
    (void)hwnd;
    unsigned long port = config_port(cfg);
    DWORD total = GetCaptureTotalFrames(si->hCapture);
    if (ExpertIndicateStatus(key, EXPERTSTATUS_STARTING, 0, "counting", 0) == NMERR_EXPERT_TERMINATE)
        return TRUE;

    /* One event buffer, reused for every submission, freed at the end. */
    DWORD err;
    NMEVENTDATA *ev = ExpertAllocMemory(key, sizeof(NMEVENTDATA) + sizeof(NMCOLUMNINFO), &err);
    if (!ev) {
        ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, err, "out of memory", 0);
        return FALSE;
    }
    ev->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    ev->Flags = NMEVENTFLAG_EXPERT;
    ev->szSourceName = "Boilerplate";
    ev->szEventName = "Port activity";
    ev->szDescription = "frames to or from the configured port";

    DWORD frames = 0, best = 0, in_second = 0, percent = 0;
    __int64 second = -1, best_second = 0;
    EXPERTFRAMEDESCRIPTOR d;
    DWORD n = INVALID_FRAME_NUMBER, rc;
    while ((rc = ExpertGetFrame(key, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER, n, NULL,
                                &d)) == NMERR_SUCCESS) {
        n = d.FrameNumber;
        if (has_port(d.pFrame->MacFrame, d.pFrame->nBytesAvail, port)) {
            frames++;
            __int64 s = d.pFrame->TimeStamp / 1000000; /* µs since the capture started */
            if (s != second) {
                second = s;
                in_second = 0;
            }
            if (++in_second > best) {
                best = in_second;
                best_second = s;
            }
        }
        DWORD p = total ? (DWORD)((unsigned long long)n * 100 / total) : 0;
        if (p > percent) {
            percent = p;
            if (ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, NULL, (LONG)p) ==
                NMERR_EXPERT_TERMINATE)
                break; /* asked to stop: clean up below and return */
        }
    }
    if (rc != NMERR_EXPERT_TERMINATE) {
        report(key, ev, "frames with the port", frames);
        report(key, ev, "busiest second (frames)", best);
        report(key, ev, "busiest second (seconds after start)", (DWORD)best_second);
    }
    ExpertFreeMemory(key, ev);
    return TRUE;
}
