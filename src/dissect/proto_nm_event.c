/*
 * \summary: Network Monitor event record (media type 0xFFE0): one Event
 * Tracing for Windows (ETW) event
 *
 * specification: Microsoft's EVENT_RECORD (evntcons.h, learn.microsoft.com
 * "EVENT_RECORD structure", "EVENT_HEADER structure", "EVENT_DESCRIPTOR
 * structure", "ETW_BUFFER_CONTEXT structure"; [MS-DTYP] 2.3.2) stored
 * little-endian with its pointers replaced by what they point to: the
 * 80-byte EVENT_HEADER, the 4-byte ETW_BUFFER_CONTEXT, ExtendedDataCount and
 * UserDataLength, then one byte Network Monitor adds (Wireshark's
 * "netmon_event.reassembled"), the extended data items
 * (EVENT_HEADER_EXTENDED_DATA_ITEM with the DataSize bytes in place of
 * DataPtr) and UserDataLength bytes of user data. Level and opcode names
 * are those of winmeta.xml (WINEVENT_LEVEL_*, WINEVENT_OPCODE_*).
 *
 * Brought here by: Network Monitor media type 0xFFE0 (netmon-expert-api.md
 * §11.5), a record of the capture file that is not a network frame: it is
 * named and its header decoded, and nothing is handed on (the user data is
 * the event provider's, shown as data).
 *
 * Names are ours in Network Monitor's style (NETMON_EVENT; labels after
 * the structure members), summary "NETMON_EVENT: Provider =
 * {68FDD900-4A3E-11D1-84F4-0000F80464E3}, Event ID = 0, Opcode = 32, PID =
 * 3948".
 *
 *    0               2               4               6               8
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |     Size      |  Header Type  |     Flags     |Event Property |
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |           Thread ID           |          Process ID           |  8
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |                  Time Stamp (FILETIME)                        | 16
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |                  Provider ID (GUID, 16)                       | 24
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |  Event ID     |Ver|Chn|Lvl|Opc|     Task      |  Keyword (8)  | 40
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |  Kernel Time / User Time, or Processor Time (8)               | 56
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |                  Activity ID (GUID, 16)                       | 64
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |Prc|Aln|Logger ID|ExtCount|UserLen|R| extended items, user data  80
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dissect/dissect_int.h"

static LABELED_BIT hdr_flags[] = {
    { 0, NMX_STR("No extended data"), NMX_STR("Extended data present") },
    { 1, NMX_STR("Not a private session"), NMX_STR("Private session") },
    { 2, NMX_STR("Event data is not a string"), NMX_STR("Event data is a Unicode string") },
    { 3, NMX_STR("Not a trace message"), NMX_STR("Trace message (WPP)") },
    { 4, NMX_STR("Kernel and user time recorded"), NMX_STR("Processor time recorded") },
    { 5, NMX_STR("Not a 32-bit header"), NMX_STR("Provider on a 32-bit computer") },
    { 6, NMX_STR("Not a 64-bit header"), NMX_STR("Provider on a 64-bit computer") },
    { 8, NMX_STR("Not a classic header"), NMX_STR("Classic (TraceEvent) header") },
    { 9, NMX_STR("No processor index"), NMX_STR("Processor index in buffer context") },
};
static SET hdr_flag_set = { sizeof hdr_flags / sizeof hdr_flags[0], { .lpLabeledBit = hdr_flags } };

static LABELED_BIT prop_flags[] = {
    { 0, NMX_STR("Not XML"), NMX_STR("Event data is rendered XML") },
    { 1, NMX_STR("Not forwarded XML"), NMX_STR("Forwarded XML") },
    { 2, NMX_STR("Not a legacy event log event"), NMX_STR("Legacy event log event") },
};
static SET prop_flag_set = { sizeof prop_flags / sizeof prop_flags[0], { .lpLabeledBit = prop_flags } };

static LABELED_BYTE levels[] = {
    { 0, NMX_STR("Log Always") }, { 1, NMX_STR("Critical") }, { 2, NMX_STR("Error") },
    { 3, NMX_STR("Warning") }, { 4, NMX_STR("Information") }, { 5, NMX_STR("Verbose") },
};
static SET level_set = { sizeof levels / sizeof levels[0], { .lpLabeledByteTable = levels } };

static LABELED_BYTE opcodes[] = {
    { 0, NMX_STR("Info") }, { 1, NMX_STR("Start") }, { 2, NMX_STR("Stop") },
    { 3, NMX_STR("DC Start") }, { 4, NMX_STR("DC Stop") }, { 5, NMX_STR("Extension") },
    { 6, NMX_STR("Reply") }, { 7, NMX_STR("Resume") }, { 8, NMX_STR("Suspend") },
    { 9, NMX_STR("Send") }, { 240, NMX_STR("Receive") },
};
static SET opcode_set = { sizeof opcodes / sizeof opcodes[0], { .lpLabeledByteTable = opcodes } };

#define EV_PROPS(X) \
    X(EV_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(EV_SIZE, "Size", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(EV_HDRTYPE, "Header Type", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(EV_FLAGS, "Flags", PROP_TYPE_WORD, PROP_QUAL_FLAGS, &hdr_flag_set, 0, 1, NMX_FMT_HEX, NULL) \
    X(EV_PROPERTY, "Event Property", PROP_TYPE_WORD, PROP_QUAL_FLAGS, &prop_flag_set, 0, 1, NMX_FMT_HEX, NULL) \
    X(EV_TID, "Thread ID", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "ThreadId") \
    X(EV_PID, "Process ID", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "ProcessId") \
    X(EV_TIME, "Time Stamp", PROP_TYPE_TIME, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "TimeStamp") \
    X(EV_PROVIDER, "Provider ID", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_CUSTOM, "ProviderId") \
    X(EV_ID, "Event ID", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "Id") \
    X(EV_VERSION, "Version", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(EV_CHANNEL, "Channel", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(EV_LEVEL, "Level", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &level_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(EV_OPCODE, "Opcode", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &opcode_set, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(EV_TASK, "Task", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(EV_KEYWORD, "Keyword", PROP_TYPE_LARGEINT, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_HEX, NULL) \
    X(EV_KTIME, "Kernel Time", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "KernelTime") \
    X(EV_UTIME, "User Time", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "UserTime") \
    X(EV_PTIME, "Processor Time", PROP_TYPE_LARGEINT, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "ProcessorTime") \
    X(EV_ACTIVITY, "Activity ID", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_CUSTOM, "ActivityId") \
    X(EV_PROCESSOR, "Processor Number", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "ProcessorNumber") \
    X(EV_ALIGN, "Alignment", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(EV_LOGGER, "Logger ID", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "LoggerId") \
    X(EV_EXTCOUNT, "Extended Data Count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "ExtendedDataCount") \
    X(EV_USERLEN, "User Data Length", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "UserDataLength") \
    X(EV_REASM, "Reassembled", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(EV_EXTTYPE, "Extended Data Type", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "ExtType") \
    X(EV_EXTSIZE, "Extended Data Size", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "DataSize") \
    X(EV_EXTDATA, "Extended Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_REMAINING, NULL) \
    X(EV_USERDATA, "User Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "UserData")

enum { EV_PROPS(NMX_PROP_ENUM) EV_NPROPS };
static nmx_propdef ev_props[] = { EV_PROPS(NMX_PROP_DEF) };

#define EV_FIXED 89                 /* EVENT_RECORD head + Network Monitor's byte */
#define FLAG_PRIVATE_SESSION 0x0002u
#define FLAG_NO_CPUTIME      0x0010u

/* FILETIME (100 ns since 1601-01-01 UTC) as a SYSTEMTIME (UTC). */
static SYSTEMTIME filetime_st(uint64_t ft)
{
    SYSTEMTIME st;
    memset(&st, 0, sizeof st);
    const uint64_t epoch = UINT64_C(116444736000000000); /* 1970-01-01 */
    if (ft < epoch)
        return st;
    time_t t = (time_t)((ft - epoch) / 10000000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return st;
    st.wYear = (WORD)(tm.tm_year + 1900);
    st.wMonth = (WORD)(tm.tm_mon + 1);
    st.wDayOfWeek = (WORD)tm.tm_wday;
    st.wDay = (WORD)tm.tm_mday;
    st.wHour = (WORD)tm.tm_hour;
    st.wMinute = (WORD)tm.tm_min;
    st.wSecond = (WORD)tm.tm_sec;
    st.wMilliseconds = (WORD)((ft - epoch) % 10000000u / 10000u);
    return st;
}

static void ev_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint16_t flags = nmx_rd_le16(&r, 4);
    uint16_t extcount = nmx_rd_le16(&r, 84), userlen = nmx_rd_le16(&r, 86);
    bool attach = nmx_dis_attaching(d);
    if (attach) {
        nmx_dis_attach(d, EV_SUMMARY, 0, r.len < EV_FIXED ? r.len : EV_FIXED);
        nmx_dis_attach(d, EV_SIZE, 0, 2);
        nmx_dis_attach(d, EV_HDRTYPE, 2, 2);
        nmx_dis_attach(d, EV_FLAGS, 4, 2);
        nmx_dis_attach(d, EV_PROPERTY, 6, 2);
        nmx_dis_attach(d, EV_TID, 8, 4);
        nmx_dis_attach(d, EV_PID, 12, 4);
        if (nmx_rd_has(&r, 16, 8)) {
            SYSTEMTIME st = filetime_st(nmx_rd_le64(&r, 16));
            nmx_dis_attach_ex(d, EV_TIME, 16, 8, &st, sizeof st, 1);
        }
        nmx_dis_attach(d, EV_PROVIDER, 24, 16);
        nmx_dis_attach(d, EV_ID, 40, 2);
        nmx_dis_attach(d, EV_VERSION, 42, 1);
        nmx_dis_attach(d, EV_CHANNEL, 43, 1);
        nmx_dis_attach(d, EV_LEVEL, 44, 1);
        nmx_dis_attach(d, EV_OPCODE, 45, 1);
        nmx_dis_attach(d, EV_TASK, 46, 2);
        nmx_dis_attach(d, EV_KEYWORD, 48, 8);
        if (flags & (FLAG_PRIVATE_SESSION | FLAG_NO_CPUTIME)) {
            nmx_dis_attach(d, EV_PTIME, 56, 8);
        } else {
            nmx_dis_attach(d, EV_KTIME, 56, 4);
            nmx_dis_attach(d, EV_UTIME, 60, 4);
        }
        nmx_dis_attach(d, EV_ACTIVITY, 64, 16);
        nmx_dis_attach(d, EV_PROCESSOR, 80, 1);
        nmx_dis_attach(d, EV_ALIGN, 81, 1);
        nmx_dis_attach(d, EV_LOGGER, 82, 2);
        nmx_dis_attach(d, EV_EXTCOUNT, 84, 2);
        nmx_dis_attach(d, EV_USERLEN, 86, 2);
        nmx_dis_attach(d, EV_REASM, 88, 1);
    }
    if (!nmx_rd_need(&r, 0, EV_FIXED)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, 1);
    /* Extended data items: Reserved1, ExtType, Linkage/Reserved2, DataSize,
     * then DataSize bytes. */
    uint32_t o = EV_FIXED;
    for (unsigned i = 0; i < extcount; i++) {
        uint16_t size = nmx_rd_le16(&r, o + 6);
        nmx_dis_attach(d, EV_EXTTYPE, o + 2, 2);
        PROPERTYINST *ps = nmx_dis_attach(d, EV_EXTSIZE, o + 6, 2);
        if (!nmx_rd_ok(&r))
            break;
        if (size > s.wire - o - 8) {
            nmx_dis_malformed(d, ps);
            return;
        }
        if (size)
            nmx_dis_attach(d, EV_EXTDATA, o + 8, size);
        o += 8u + size;
    }
    if (!nmx_rd_ok(&r)) {
        nmx_dis_truncated(d);
        return;
    }
    if (userlen > s.wire - o) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    if (userlen)
        nmx_dis_attach(d, EV_USERDATA, o, userlen);
    if (!nmx_rd_need(&r, o, userlen))
        nmx_dis_truncated(d);
}

/* A GUID's 16 bytes as Windows writes it (first three fields little-endian). */
static size_t guid_text(char *buf, size_t n, const uint8_t *g)
{
    return (size_t)snprintf(buf, n,
                            "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                            g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11],
                            g[12], g[13], g[14], g[15]);
}

static size_t ev_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    const uint8_t *h = c->frame + c->layer->offset;
    switch (c->prop) {
    case EV_PROVIDER:
    case EV_ACTIVITY: {
        int w = snprintf(buf, n, "%s = ", c->def->info.Label);
        if (w < 0)
            return (size_t)-1;
        size_t at = (size_t)w < n ? (size_t)w : n;
        return (size_t)w + guid_text(buf + at, n - at, (const uint8_t *)c->pi->lpData);
    }
    case EV_SUMMARY: {
        if (!nmx_fmt_aux(c, 0))
            return (size_t)snprintf(buf, n, "Truncated ETW event record");
        char g[48];
        guid_text(g, sizeof g, h + 24);
        unsigned id = (unsigned)h[40] | (unsigned)h[41] << 8;
        uint32_t pid = (uint32_t)h[12] | (uint32_t)h[13] << 8 | (uint32_t)h[14] << 16 |
                       (uint32_t)h[15] << 24;
        return (size_t)snprintf(buf, n, "Provider = %s, Event ID = %u, Opcode = %u, PID = %" PRIu32,
                                g, id, h[45], pid);
    }
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_nm_event = {
    .name = "NETMON_EVENT",
    .comment = "Network Monitor ETW event record",
    .aliases = "NetEvent|ETW",
    .props = ev_props,
    .nprops = EV_NPROPS,
    .dissect = ev_dissect,
    .format = ev_format,
    .handoff = { { NMX_HO_NETMON_MEDIA, 0xFFE0 } },
};
