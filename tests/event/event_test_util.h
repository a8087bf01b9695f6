/* Helpers shared by the event tests: sample events and comparisons. */
#ifndef NMX_EVENT_TEST_UTIL_H
#define NMX_EVENT_TEST_UTIL_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"
#include "nmexpert/event.h"
#include "nmexpert/sink.h"
#include "event_equal.h"
#include "nmx_test.h"

/* Makes a fresh folder $TMPDIR/<stem>.XXXXXX (/tmp without TMPDIR) into
 * dir; 0 on success, -1 on failure (as a cmocka setup returns). */
static inline int evt_tmpdir_make(char *dir, size_t n, const char *stem)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", stem);
    return mkdtemp(dir) ? 0 : -1;
}

/* Removes the folder and all it holds; 0 on success, -1 on failure. */
static inline int evt_tmpdir_remove(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A column of each type (and one unknown type number), as the host makes
 * them. */
static inline void evt_all_columns(nmx_event_column *c, size_t *n)
{
    size_t k = 0;
    memset(c, 0, 20 * sizeof *c);
    c[k].name = "U8";       c[k].type = NMCOLUMNTYPE_UINT8;     c[k++].v.u = 255;
    c[k].name = "S8";       c[k].type = NMCOLUMNTYPE_SINT8;     c[k++].v.i = -128;
    c[k].name = "U16";      c[k].type = NMCOLUMNTYPE_UINT16;    c[k++].v.u = 65535;
    c[k].name = "S16";      c[k].type = NMCOLUMNTYPE_SINT16;    c[k++].v.i = -32768;
    c[k].name = "U32";      c[k].type = NMCOLUMNTYPE_UINT32;    c[k++].v.u = 4294967295u;
    c[k].name = "S32";      c[k].type = NMCOLUMNTYPE_SINT32;    c[k++].v.i = -2147483647 - 1;
    c[k].name = "F64";      c[k].type = NMCOLUMNTYPE_FLOAT64;   c[k++].v.f = 0.1;
    c[k].name = "Frame";    c[k].type = NMCOLUMNTYPE_FRAME;     c[k++].v.u = 42;
    c[k].name = "YesNo";    c[k].type = NMCOLUMNTYPE_YESNO;     c[k++].v.u = 1;
    c[k].name = "OnOff";    c[k].type = NMCOLUMNTYPE_ONOFF;     c[k++].v.u = 0;
    c[k].name = "TF";       c[k].type = NMCOLUMNTYPE_TRUEFALSE; c[k++].v.u = 1;
    c[k].name = "Mac";      c[k].type = NMCOLUMNTYPE_MACADDR;
    memcpy(c[k++].v.mac, "\x00\x11\x22\x33\x44\x55", 6);
    c[k].name = "Ipx";      c[k].type = NMCOLUMNTYPE_IPXADDR;
    memcpy(c[k++].v.ipx, "\x00\x00\x00\x01\x00\x11\x22\x33\x44\x55", 10);
    c[k].name = "Address";  c[k].type = NMCOLUMNTYPE_IPADDR;
    memcpy(c[k++].v.ip, "\x0a\x00\x00\x01", 4);
    c[k].name = "When";     c[k].type = NMCOLUMNTYPE_VARTIME;   c[k++].v.f = 45620.5; /* 2024-11-24 12:00 */
    c[k].name = "Note";     c[k].type = NMCOLUMNTYPE_STRING;    c[k++].str = "a \"quoted\", line\nnext";
    c[k].name = "Address";  c[k].type = NMCOLUMNTYPE_IPADDR;    /* duplicate name */
    memcpy(c[k++].v.ip, "\xc0\xa8\x01\xfe", 4);
    c[k].name = "";         c[k].type = NMCOLUMNTYPE_UINT32;    c[k++].v.u = 7; /* empty name */
    c[k].name = "Odd";      c[k].type = 99;                     c[k++].v.u = 5; /* unknown type */
    for (size_t i = 0; i < k; i++)
        if (!c[i].str)
            c[i].str = "";
    *n = k;
}

static inline nmx_event evt_make(const char *expert, uint64_t seq, const nmx_event_column *c,
                                 size_t n)
{
    nmx_event e;
    memset(&e, 0, sizeof e);
    e.expert = expert;
    e.seq = seq;
    e.version = 0;
    e.ident = 3;
    e.flags = NMEVENTFLAG_EXPERT;
    e.severity = NMEVENT_SEVERITY_WARNING;
    e.source = "Top Users";
    e.name = "Top sender";
    e.description = "most bytes sent";
    e.machine = "";
    e.justification = "because \\ it sent";
    e.has_time = true;
    uint16_t t[8] = {2024, 11, 0, 24, 10, 5, 7, 123};
    memcpy(e.time, t, sizeof t);
    e.ncolumns = (uint8_t)n;
    e.columns = c;
    return e;
}

/* Small deterministic PRNG (xorshift64*). */
static inline uint64_t evt_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Reads a whole file (NUL-terminated); free() it. */
static inline char *evt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p) {
        p[n] = 0;
        if (len)
            *len = (size_t)n;
    }
    return p;
}

#endif
