/*
 * Port Count: an expert in the pattern of the Network Monitor SDK samples.
 * It counts the TCP destination ports of a capture through the parsers, the
 * way experts written for Network Monitor 2.x did:
 *
 *   - protocol and property handles looked up by name (GetProtocolFromName,
 *     GetProperty), the protocol's name taken from GetProtocolInfo;
 *   - a display filter "the frame has a TCP Destination Port" built from
 *     two filter objects (FILTERACTION_PROPERTY, FILTERACTION_PROPERTYEXIST)
 *     and handed to ExpertGetFrame, with FLAGS_ATTACH_PROPERTIES;
 *   - every instance of the property in a frame found with a
 *     FindPropertyInstanceRestart loop (a tunnel may carry two TCP headers),
 *     its value decoded from DataType, DataLength and IFlags (network order
 *     when IFLAG_SWAPPED), and its display text from GetPropertyText.
 *
 * One event per port: Port, Frames (the instances seen) and the text of the
 * first instance. Build it against an installed nmexpert with
 *     cc -shared -fPIC -fvisibility=hidden -o portcount.so portcount.c \
 *        $(pkg-config --cflags nmexpert)
 * and run it with `nmexpert run portcount CAPTURE` (its folder on
 * NMEXPERT_PATH). docs/property-api.md describes the functions it uses.
 */
#include <stdio.h>
#include <string.h>

#include <netmon.h>

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
    snprintf(info->szName, sizeof info->szName, "Port Count");
    snprintf(info->szVendor, sizeof info->szVendor, "Example Corp.");
    snprintf(info->szDescription, sizeof info->szDescription,
             "Counts the TCP destination ports through the parsers' properties");
    info->Version = 1;
    info->Flags = 0;
    return TRUE;
}

/* The value of a numeric property instance, in host order. FALSE when the
 * property is not a number of at most 32 bits. */
static BOOL number_of(const PROPERTYINST *pi, DWORD *out)
{
    const BYTE *p;
    DWORD len;
    if (pi->DataLength == PROPERTYINST_EX_LENGTH) { /* decoded value, host order */
        p = pi->lpPropertyInstEx->Byte;
        len = pi->lpPropertyInstEx->LengthEx;
    } else {
        p = pi->lpByte;
        len = pi->DataLength;
    }
    BOOL swapped = (pi->IFlags & IFLAG_SWAPPED) != 0;
    switch (pi->lpPropertyInfo->DataType) {
    case PROP_TYPE_BYTE:
        if (len < 1)
            return FALSE;
        *out = p[0];
        return TRUE;
    case PROP_TYPE_WORD: {
        WORD w;
        if (len < 2)
            return FALSE;
        memcpy(&w, p, 2);
        *out = swapped ? XCHG(w) : w;
        return TRUE;
    }
    case PROP_TYPE_DWORD: {
        DWORD d;
        if (len < 4)
            return FALSE;
        memcpy(&d, p, 4);
        *out = swapped ? DXCHG(d) : d;
        return TRUE;
    }
    default:
        return FALSE;
    }
}

struct port {
    DWORD frames;
    char text[64]; /* GetPropertyText of the first instance */
};

static void problem(HEXPERTKEY key, DWORD err, const char *what)
{
    ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, err, what, 0);
}

BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd)
{
    (void)cfg;
    (void)flags;
    (void)hwnd;
    if (ExpertIndicateStatus(key, EXPERTSTATUS_STARTING, 0, "counting ports", 0) ==
        NMERR_EXPERT_TERMINATE)
        return TRUE;

    /* By-name lookups, as the SDK samples do. */
    HPROTOCOL tcp = GetProtocolFromName("TCP");
    HPROPERTY dport = tcp ? GetProperty(tcp, "Destination Port") : 0;
    LPPROTOCOLINFO tcpinfo = tcp ? GetProtocolInfo(tcp) : NULL;
    if (!dport || !tcpinfo) {
        problem(key, NMERR_PROPERTY_NOT_FOUND, "no TCP Destination Port property");
        return FALSE;
    }

    /* "The frame has the property": the property, then PROPERTYEXIST. */
    HFILTER filter = CreateFilter();
    if (!filter) {
        problem(key, NMERR_OUT_OF_MEMORY, "CreateFilter failed");
        return FALSE;
    }
    FILTEROBJECT fo;
    memset(&fo, 0, sizeof fo);
    fo.Action = FILTERACTION_PROPERTY;
    fo.hProperty = dport;
    DWORD err = FilterAddObject(filter, &fo);
    memset(&fo, 0, sizeof fo);
    fo.Action = FILTERACTION_PROPERTYEXIST;
    if (err == NMERR_SUCCESS)
        err = FilterAddObject(filter, &fo);
    if (err != NMERR_SUCCESS) {
        DestroyFilter(filter);
        problem(key, err, "FilterAddObject failed");
        return FALSE;
    }

    struct port *ports = ExpertAllocMemory(key, 65536 * sizeof *ports, &err);
    if (!ports) {
        DestroyFilter(filter);
        problem(key, err, "out of memory");
        return FALSE;
    }

    DWORD total = GetCaptureTotalFrames(si->hCapture), percent = 0;
    DWORD n = INVALID_FRAME_NUMBER, rc;
    EXPERTFRAMEDESCRIPTOR d;
    while ((rc = ExpertGetFrame(key, GET_FRAME_NEXT_FORWARD,
                                FLAGS_DEFER_TO_UI_FILTER | FLAGS_ATTACH_PROPERTIES, n, filter,
                                &d)) == NMERR_SUCCESS) {
        n = d.FrameNumber;
        LPPROPERTYINST pi = NULL;
        while (FindPropertyInstanceRestart(d.hFrame, dport, &pi, TRUE)) {
            DWORD v;
            if (!number_of(pi, &v) || v > 65535)
                continue;
            if (ports[v].frames++ == 0 &&
                !GetPropertyText(d.hFrame, pi, ports[v].text, sizeof ports[v].text))
                ports[v].text[0] = 0;
        }
        DWORD p = total ? (DWORD)((unsigned long long)n * 100 / total) : 0;
        if (p > percent) {
            percent = p;
            if (ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, NULL, (LONG)p) ==
                NMERR_EXPERT_TERMINATE)
                break;
        }
    }
    DestroyFilter(filter);

    if (rc != NMERR_EXPERT_TERMINATE) {
        NMEVENTDATA *ev = ExpertAllocMemory(key, sizeof *ev + 2 * sizeof(NMCOLUMNINFO), &err);
        if (!ev) {
            ExpertFreeMemory(key, ports);
            problem(key, err, "out of memory");
            return FALSE;
        }
        ev->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
        ev->Flags = NMEVENTFLAG_EXPERT;
        ev->szSourceName = "Port Count";
        ev->szEventName = "Destination port";
        ev->szDescription = (LPSTR)tcpinfo->ProtocolName; /* "TCP" */
        ev->NumColumns = 3;
        ev->Column[0].szColumnName = "Port";
        ev->Column[0].VariantData.Type = NMCOLUMNTYPE_UINT32;
        ev->Column[1].szColumnName = "Frames";
        ev->Column[1].VariantData.Type = NMCOLUMNTYPE_UINT32;
        ev->Column[2].szColumnName = "Text";
        ev->Column[2].VariantData.Type = NMCOLUMNTYPE_STRING;
        for (DWORD v = 0; v < 65536; v++) {
            if (!ports[v].frames)
                continue;
            ev->Column[0].VariantData.Value.Uint32Val = v;
            ev->Column[1].VariantData.Value.Uint32Val = ports[v].frames;
            ev->Column[2].VariantData.Value.pStringVal = ports[v].text;
            ExpertSubmitEvent(key, ev);
        }
        ExpertFreeMemory(key, ev);
    }
    ExpertFreeMemory(key, ports);
    return TRUE;
}
