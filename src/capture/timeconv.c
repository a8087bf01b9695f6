/* timeconv.c: saturating time arithmetic and calendar conversion. */
#include "capture/internal.h"

int64_t nmx_sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

int64_t nmx_sat_mul(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return ((a < 0) != (b < 0)) ? INT64_MIN : INT64_MAX;
    return r;
}

/* Shift the year to start in March so that the leap day is the last day of
 * the shifted year; count 400-year eras of 146097 days. */
int64_t nmx_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    if (m <= 2)
        y -= 1;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;          /* [0, 11]  */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;             /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void nmx_civil_from_ns(int64_t ns, int *y, unsigned *mo, unsigned *d, unsigned *wd,
                       unsigned *h, unsigned *mi, unsigned *s, unsigned *ms)
{
    int64_t secs = ns / NMX_NS_PER_SEC;
    int64_t rem = ns % NMX_NS_PER_SEC;
    if (rem < 0) {
        rem += NMX_NS_PER_SEC;
        secs -= 1;
    }
    int64_t days = secs / 86400;
    int64_t sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days -= 1;
    }
    *h = (unsigned)(sod / 3600);
    *mi = (unsigned)(sod % 3600 / 60);
    *s = (unsigned)(sod % 60);
    *ms = (unsigned)(rem / 1000000);
    int64_t w = (days + 4) % 7;                 /* 1970-01-01 was a Thursday */
    *wd = (unsigned)(w < 0 ? w + 7 : w);
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *mo = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*mo <= 2 ? 1 : 0));
}

/* 100-ns intervals between 1601-01-01 and 1970-01-01. */
#define NMX_FILETIME_UNIX_EPOCH UINT64_C(116444736000000000)

int64_t nmx_filetime_to_ns(uint64_t ft)
{
    int64_t t100;
    if (ft >= NMX_FILETIME_UNIX_EPOCH) {
        uint64_t d = ft - NMX_FILETIME_UNIX_EPOCH;
        t100 = d > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)d;
    } else {
        t100 = -(int64_t)(NMX_FILETIME_UNIX_EPOCH - ft);
    }
    return nmx_sat_mul(t100, 100);
}

uint64_t nmx_ns_to_filetime(int64_t ns)
{
    int64_t t100 = ns / 100;
    if (ns % 100 < 0)
        t100 -= 1;
    if (t100 < -(int64_t)NMX_FILETIME_UNIX_EPOCH)
        return 0;
    return (uint64_t)(t100 + (int64_t)NMX_FILETIME_UNIX_EPOCH);
}
