/* Events: deep copies in one allocation, names and display text. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nmexpert/event.h"

enum { T_UINT8, T_SINT8, T_UINT16, T_SINT16, T_UINT32, T_SINT32, T_FLOAT64, T_FRAME,
       T_YESNO, T_ONOFF, T_TRUEFALSE, T_MACADDR, T_IPXADDR, T_IPADDR, T_VARTIME, T_STRING,
       T_COUNT };

static size_t slen(const char *s)
{
    return s ? strnlen(s, NMX_EVENT_MAX_STRING) : 0;
}

static char *scopy(char **pool, const char *s)
{
    size_t n = slen(s);
    char *d = *pool;
    if (n)
        memcpy(d, s, n);
    d[n] = 0;
    *pool += n + 1;
    return d;
}

nmx_event *nmx_event_dup(const nmx_event *ev)
{
    if (!ev)
        return NULL;
    size_t n = ev->ncolumns;
    size_t strings = slen(ev->expert) + slen(ev->source) + slen(ev->name) +
                     slen(ev->description) + slen(ev->machine) + slen(ev->justification) + 6;
    for (size_t i = 0; i < n; i++) {
        strings += slen(ev->columns[i].name) + 1;
        if (ev->columns[i].type == T_STRING)
            strings += slen(ev->columns[i].str) + 1;
    }
    size_t head = sizeof(nmx_event) + n * sizeof(nmx_event_column);
    nmx_event *e = malloc(head + strings);
    if (!e)
        return NULL;
    *e = *ev;
    nmx_event_column *cols = (nmx_event_column *)(void *)(e + 1);
    char *pool = (char *)(cols + n);
    e->expert = scopy(&pool, ev->expert);
    e->source = scopy(&pool, ev->source);
    e->name = scopy(&pool, ev->name);
    e->description = scopy(&pool, ev->description);
    e->machine = scopy(&pool, ev->machine);
    e->justification = scopy(&pool, ev->justification);
    static const char empty[1] = "";
    for (size_t i = 0; i < n; i++) {
        cols[i] = ev->columns[i];
        cols[i].name = scopy(&pool, ev->columns[i].name);
        cols[i].str = cols[i].type == T_STRING ? scopy(&pool, ev->columns[i].str) : empty;
    }
    e->columns = cols;
    return e;
}

void nmx_event_free(nmx_event *ev)
{
    free(ev);
}

const char *nmx_event_severity_name(uint32_t s)
{
    static const char *const names[] = {"INFORMATIONAL", "WARNING",        "STRONG_WARNING",
                                        "ERROR",         "SEVERE_ERROR",   "CRITICAL_ERROR"};
    return s < 6 ? names[s] : "UNKNOWN";
}

const char *nmx_event_column_type_name(uint32_t t)
{
    static const char *const names[T_COUNT] = {
        "UINT8", "SINT8",     "UINT16",  "SINT16",  "UINT32",  "SINT32",  "FLOAT64", "FRAME",
        "YESNO", "ONOFF",     "TRUEFALSE", "MACADDR", "IPXADDR", "IPADDR", "VARTIME", "STRING"};
    return t < T_COUNT ? names[t] : "UNKNOWN";
}

/* OLE automation date -> "YYYY-MM-DD hh:mm:ss.mmm" (UTC, as given). */
static void vartime_text(double d, char *buf, size_t len)
{
    if (!isfinite(d) || d < -657434.0 || d > 2958465.0) { /* years 100..9999 */
        snprintf(buf, len, "(invalid time %g)", d);
        return;
    }
    double ms = d * 86400000.0 - 2209161600000.0; /* days since 1899-12-30 -> ms since 1970 */
    int64_t total = (int64_t)llround(ms);
    int64_t secs = total / 1000, msec = total % 1000;
    if (msec < 0) {
        msec += 1000;
        secs--;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, len, "(invalid time %g)", d);
        return;
    }
    size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03d", (int)msec);
}

char *nmx_event_column_text(const nmx_event_column *c, char *buf, size_t len)
{
    if (!buf || !len)
        return buf;
    buf[0] = 0;
    if (!c)
        return buf;
    switch (c->type) {
    case T_UINT8: case T_UINT16: case T_UINT32: case T_FRAME:
        snprintf(buf, len, "%" PRIu64, c->v.u);
        break;
    case T_SINT8: case T_SINT16: case T_SINT32:
        snprintf(buf, len, "%" PRId64, c->v.i);
        break;
    case T_FLOAT64:
        snprintf(buf, len, "%g", c->v.f);
        break;
    case T_YESNO:
        snprintf(buf, len, "%s", c->v.u ? "Yes" : "No");
        break;
    case T_ONOFF:
        snprintf(buf, len, "%s", c->v.u ? "On" : "Off");
        break;
    case T_TRUEFALSE:
        snprintf(buf, len, "%s", c->v.u ? "True" : "False");
        break;
    case T_MACADDR:
        snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", c->v.mac[0], c->v.mac[1],
                 c->v.mac[2], c->v.mac[3], c->v.mac[4], c->v.mac[5]);
        break;
    case T_IPXADDR:
        snprintf(buf, len, "%02x%02x%02x%02x.%02x%02x%02x%02x%02x%02x", c->v.ipx[0], c->v.ipx[1],
                 c->v.ipx[2], c->v.ipx[3], c->v.ipx[4], c->v.ipx[5], c->v.ipx[6], c->v.ipx[7],
                 c->v.ipx[8], c->v.ipx[9]);
        break;
    case T_IPADDR:
        snprintf(buf, len, "%u.%u.%u.%u", c->v.ip[0], c->v.ip[1], c->v.ip[2], c->v.ip[3]);
        break;
    case T_VARTIME:
        vartime_text(c->v.f, buf, len);
        break;
    case T_STRING:
        snprintf(buf, len, "%s", c->str ? c->str : "");
        break;
    default:
        snprintf(buf, len, "(type %u)", c->type);
        break;
    }
    return buf;
}
