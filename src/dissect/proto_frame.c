/*
 * \summary: Network Monitor's FRAME pseudo-protocol (base frame properties)
 *
 * Not on the wire: the properties every frame has in Network Monitor's
 * detail pane (time of capture, delta, number, lengths), followed by the
 * hand-off to the frame's link layer: by pcap LINKTYPE_* (tcpdump.org's
 * "Link-layer header types"), or, for Network Monitor records with no link
 * type (event, comment and filter records), by Network Monitor media type.
 *
 *   Frame: Base frame properties
 *   Frame: Time of capture = 7/3/2001 23:29:45.187
 *   Frame: Time delta from previous physical frame: 0 microseconds
 *   Frame: Frame number: 14957
 *   Frame: Total frame length: 129 bytes
 *   Frame: Capture frame length: 129 bytes
 *   Frame: Frame data: Number of data bytes remaining = 129 (0x0081)
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dissect/dissect_int.h"

#define FRAME_PROPS(X) \
    X(FRAME_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(FRAME_TIME, "Time of capture", PROP_TYPE_TIME, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(FRAME_DELTA, "Time delta from previous physical frame", PROP_TYPE_LARGEINT, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, NULL) \
    X(FRAME_NUMBER, "Frame number", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON_DEC, NULL) \
    X(FRAME_WIRELEN, "Total frame length", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON_BYTES, NULL) \
    X(FRAME_CAPLEN, "Capture frame length", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON_BYTES, NULL) \
    X(FRAME_DATA, "Frame data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { FRAME_PROPS(NMX_PROP_ENUM) FRAME_NPROPS };
static nmx_propdef frame_props[] = { FRAME_PROPS(NMX_PROP_DEF) };

/* UTC civil time of ns since 1970 (Network Monitor printed local time;
 * UTC keeps the text the same on every machine). Computed here rather than
 * with gmtime_r, which takes the time-zone lock for every frame: days to
 * a proleptic Gregorian date by 400-year eras (146097 days each), with
 * years starting on March 1 so that the leap day ends the year. The date
 * of the day before is reused from `c` when the day is the same. */
static SYSTEMTIME to_systemtime(int64_t ns, nmx__day_cache *c)
{
    SYSTEMTIME st;
    memset(&st, 0, sizeof st);
    int64_t s = ns / 1000000000, rem = ns % 1000000000;
    if (rem < 0) {
        rem += 1000000000;
        s--;
    }
    int64_t days = s / 86400, sod = s % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    if (!c->set || c->day != days) {
        int64_t z = days + 719468;                      /* days since 0000-03-01 */
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;                  /* [0, 146096]          */
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = yoe + era * 400;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365]      */
        int64_t mp = (5 * doy + 2) / 153;                /* March = 0           */
        int64_t d = doy - (153 * mp + 2) / 5 + 1;
        int64_t m = mp < 10 ? mp + 3 : mp - 9;
        y += m <= 2;
        c->set = true;
        c->day = days;
        c->valid = y >= 0 && y <= 65535; /* else beyond what SYSTEMTIME holds */
        if (c->valid) {
            c->year = (WORD)y;
            c->month = (WORD)m;
            c->mday = (WORD)d;
            c->wday = (WORD)(days >= -4 ? (days + 4) % 7 : 6 - (-days - 5) % 7); /* 1970-01-01: Thu */
        }
    }
    if (!c->valid)
        return st; /* all zero */
    st.wYear = c->year;
    st.wMonth = c->month;
    st.wDay = c->mday;
    st.wDayOfWeek = c->wday;
    st.wHour = (WORD)(sod / 3600);
    st.wMinute = (WORD)(sod % 3600 / 60);
    st.wSecond = (WORD)(sod % 60);
    st.wMilliseconds = (WORD)(rem / 1000000);
    return st;
}

/* pcap link types whose frames start with an IP header of either version. */
static bool raw_ip_linktype(uint32_t lt)
{
    return lt == 101 || lt == 12 || lt == 14;
}

#define FRAME_EX_BYTES                                                          \
    (NMX_EX_SIZE(sizeof(SYSTEMTIME)) + NMX_EX_SIZE(sizeof(int64_t)) +          \
     3 * NMX_EX_SIZE(sizeof(uint32_t)))

/* An instance of the whole frame's bytes [at, at + len). */
static void put_raw(PROPERTYINST *pi, unsigned prop, const uint8_t *at, uint32_t len)
{
    nmx_propdef *def = &frame_props[prop];
    pi->lpPropertyInfo = &def->info;
    pi->szPropertyText = NULL;
    pi->lpData = (LPVOID)(uintptr_t)at;
    pi->DataLength = (WORD)(len > 0xFFFEu ? 0xFFFEu : len);
    pi->Level = def->level & 0xFu;
    pi->HelpID = 0;
    pi->IFlags = def->iflags;
}

/* An instance of no frame bytes whose value, n bytes at v, is held in the
 * PROPERTYINSTEX at *ex (then advanced past it). */
static void put_value(PROPERTYINST *pi, uint8_t **ex, unsigned prop, const uint8_t *at,
                      const void *v, uint16_t n)
{
    PROPERTYINSTEX *x = (PROPERTYINSTEX *)(void *)*ex;
    x->Length = 0;
    x->LengthEx = n;
    x->lpData = (LPVOID)(uintptr_t)at;
    memcpy(x->Byte, v, n);
    x->Byte[n] = 0;
    *ex += NMX_EX_SIZE(n);
    put_raw(pi, prop, at, 0);
    pi->lpPropertyInstEx = x;
    pi->DataLength = PROPERTYINST_EX_LENGTH;
    pi->Level = 1;
}

static void frame_dissect(nmx_dis *d, nmx_span s)
{
    int64_t prev;
    const nmx_frame *fr = nmx__dis_frame_rec(d, &prev);
    void *exv;
    /* Every frame has the same seven instances: reserved and filled in one
     * go (the values are numbers of the frame record, never cut short). */
    PROPERTYINST *pi = nmx__dis_reserve(d, FRAME_NPROPS, &exv, FRAME_EX_BYTES);
    if (pi) {
        const uint8_t *at = nmx_dis_frame(d) + s.off;
        uint8_t *ex = exv;
        put_raw(&pi[FRAME_SUMMARY], FRAME_SUMMARY, at, s.len);
        SYSTEMTIME st = to_systemtime(fr->ts_ns, nmx__dis_day_cache(d));
        put_value(&pi[FRAME_TIME], &ex, FRAME_TIME, at, &st, sizeof st);
        /* Any two times a caller passes, without signed overflow (the
         * extremes saturate). */
        int64_t delta_ns;
        if (__builtin_sub_overflow(fr->ts_ns, prev, &delta_ns))
            delta_ns = fr->ts_ns < prev ? INT64_MIN : INT64_MAX;
        int64_t delta_us = delta_ns / 1000;
        put_value(&pi[FRAME_DELTA], &ex, FRAME_DELTA, at, &delta_us, sizeof delta_us);
        uint32_t v = (uint32_t)fr->number + 1;
        put_value(&pi[FRAME_NUMBER], &ex, FRAME_NUMBER, at, &v, sizeof v);
        v = s.wire;
        put_value(&pi[FRAME_WIRELEN], &ex, FRAME_WIRELEN, at, &v, sizeof v);
        v = s.len;
        put_value(&pi[FRAME_CAPLEN], &ex, FRAME_CAPLEN, at, &v, sizeof v);
        put_raw(&pi[FRAME_DATA], FRAME_DATA, at, s.len);
    }
    if (fr->linktype == NMX_LINKTYPE_NONE) {
        nmx_dis_next(d, NMX_HO_NETMON_MEDIA, fr->netmon_media, s);
        return;
    }
    if (raw_ip_linktype(fr->linktype)) {
        /* Raw IP: the version nibble says which IP. */
        nmx_rd r = nmx_dis_rd(d, s);
        unsigned v = nmx_rd_u8(&r, 0) >> 4;
        if (nmx_rd_ok(&r))
            nmx_dis_next(d, NMX_HO_ETHERTYPE, v == 6 ? 0x86DD : 0x0800, s);
        return;
    }
    nmx_dis_next(d, NMX_HO_LINKTYPE, fr->linktype, s);
}

static size_t frame_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    switch (c->prop) {
    case FRAME_SUMMARY:
        return (size_t)snprintf(buf, n, "Base frame properties");
    case FRAME_DELTA: {
        int64_t us;
        memcpy(&us, c->pi->lpPropertyInstEx->Byte, sizeof us);
        return (size_t)snprintf(buf, n, "%s: %" PRId64 " microseconds", c->def->info.Label, us);
    }
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_frame = {
    .name = "FRAME",
    .comment = "Base frame properties",
    .props = frame_props,
    .nprops = FRAME_NPROPS,
    .dissect = frame_dissect,
    .format = frame_format,
};
