/*
 * propdb.c: the protocol and property registry behind HPROTOCOL and
 * HPROPERTY.
 *
 * Built once (pthread_once) from nmx__protocols[]: one struct _PROTOCOL per
 * protocol (its PROTOCOLINFO and PROPERTYDATABASE), every PROPERTYINFO's
 * hProperty filled in, and an address index so that a handle an expert
 * passes back is recognised by comparing addresses, never by reading
 * through it. Names are matched as Network Monitor's users typed them:
 * without regard to case, with runs of white space collapsed, and with the
 * other spellings that Network Monitor builds used (docs/properties.md).
 *
 * The build checks the list: a protocol name that does not fit
 * PROTOCOLINFO.ProtocolName, a duplicate protocol name or property label,
 * or an unknown PROP_TYPE_* stops the process at start-up with a message,
 * so a broken table never ships (tests/dissect runs it).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dissect_int.h"

static struct _PROTOCOL *rt;        /* nmx__nprotocols records */
static struct range {
    uintptr_t lo, hi;               /* [lo, hi) of a protocol's nmx_propdef array */
    unsigned proto;
} *ranges;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Compares a user's name with ours: case-insensitive, white space runs
 * equal to one space, leading and trailing white space ignored. */
static bool name_eq(const char *a, const char *b, size_t blen)
{
    const char *be = b + blen;
    while (isspace((unsigned char)*a))
        a++;
    while (b < be && isspace((unsigned char)*b))
        b++;
    for (;;) {
        bool sa = isspace((unsigned char)*a) != 0, sb = b < be && isspace((unsigned char)*b);
        if (sa || sb) {
            while (isspace((unsigned char)*a))
                a++;
            while (b < be && isspace((unsigned char)*b))
                b++;
            if (!*a || b == be)
                return !*a && b == be;
            if (!(sa && sb))
                return false;
            continue;
        }
        if (!*a || b == be)
            return !*a && b == be;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
        a++;
        b++;
    }
}

/* Does `name` equal `canon` or one of the "|"-separated aliases? */
static bool matches(const char *name, const char *canon, const char *aliases)
{
    if (name_eq(name, canon, strlen(canon)))
        return true;
    for (const char *p = aliases; p && *p;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (name_eq(name, p, n))
            return true;
        p = e ? e + 1 : p + n;
    }
    return false;
}

/* Do two entries share a spelling? Every spelling of the first (its name
 * and each alias) is looked up among the second's. */
static bool clash(const char *name1, const char *aliases1, const char *name2,
                  const char *aliases2)
{
    if (matches(name1, name2, aliases2))
        return true;
    char one[128];
    for (const char *p = aliases1; p && *p;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(one, sizeof one, "%.*s", (int)n, p);
        if (matches(one, name2, aliases2))
            return true;
        p = e ? e + 1 : p + n;
    }
    return false;
}

static void die(const char *what, const char *a, const char *b)
{
    fprintf(stderr, "nmexpert: protocol table error: %s: %s%s%s\n", what, a, b ? " / " : "",
            b ? b : "");
    abort();
}

static int range_cmp(const void *x, const void *y)
{
    const struct range *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Descriptor -> run-time record, open addressing with linear probing
 * (at most half full: build() checks). */
#define RT_HASH 256u
static struct {
    const nmx_protocol *p;
    struct _PROTOCOL *r;
} rt_hash[RT_HASH];

static unsigned rt_hash_of(const nmx_protocol *p)
{
    uintptr_t a = (uintptr_t)p;
    return (unsigned)((a >> 4) ^ (a >> 12)) & (RT_HASH - 1);
}

static void build(void)
{
    unsigned n = nmx__nprotocols;
    rt = calloc(n, sizeof *rt);
    ranges = calloc(n ? n : 1, sizeof *ranges);
    if (!rt || !ranges)
        die("out of memory", "registry", NULL);
    for (unsigned i = 0; i < n; i++) {
        const nmx_protocol *p = nmx__protocols[i];
        struct _PROTOCOL *r = &rt[i];
        if (strlen(p->name) >= sizeof r->info.ProtocolName)
            die("name longer than 15 characters", p->name, NULL);
        for (unsigned j = 0; j < i; j++)
            if (clash(p->name, p->aliases, nmx__protocols[j]->name, nmx__protocols[j]->aliases))
                die("duplicate protocol name", p->name, nmx__protocols[j]->name);
        r->def = p;
        r->index = i;
        r->info.ProtocolID = i + 1;
        memcpy(r->info.ProtocolName, p->name, strlen(p->name) + 1);
        snprintf((char *)r->info.Comment, sizeof r->info.Comment, "%s", p->comment);
        r->db = calloc(1, sizeof *r->db + (p->nprops ? p->nprops : 1) * sizeof(LPPROPERTYINFO));
        if (!r->db)
            die("out of memory", p->name, NULL);
        r->db->nProperties = p->nprops;
        r->info.PropertyDatabase = r->db;
        for (unsigned k = 0; k < p->nprops; k++) {
            nmx_propdef *def = &p->props[k];
            if (def->info.DataType > PROP_TYPE_IP6_ADDRESS)
                die("unknown property type", p->name, def->info.Label);
            for (unsigned m = 0; m < k; m++)
                if (clash(def->info.Label, def->aliases, p->props[m].info.Label,
                          p->props[m].aliases))
                    die("duplicate property label", p->name, def->info.Label);
            def->info.hProperty = (HPROPERTY)(uintptr_t)&def->info;
            def->info.Comment = def->info.Comment ? def->info.Comment : NMX_STR("");
            r->db->PropertyInfo[k] = &def->info;
        }
        ranges[i].lo = (uintptr_t)p->props;
        ranges[i].hi = (uintptr_t)(p->props + p->nprops);
        ranges[i].proto = i;
    }
    qsort(ranges, n, sizeof *ranges, range_cmp);
    if (n > RT_HASH / 2)
        die("too many protocols for the descriptor hash", "registry", NULL);
    for (unsigned i = 0; i < n; i++) {
        unsigned h = rt_hash_of(nmx__protocols[i]);
        while (rt_hash[h].p)
            h = (h + 1) & (RT_HASH - 1);
        rt_hash[h].p = nmx__protocols[i];
        rt_hash[h].r = &rt[i];
    }
    nmx__handoff_build();
}

void nmx__dissect_init(void)
{
    pthread_once(&once, build);
}

struct _PROTOCOL *nmx__proto_rt(const nmx_protocol *p)
{
    /* The driver asks once per layer: a probe of the hash build() made. */
    for (unsigned h = rt_hash_of(p);; h = (h + 1) & (RT_HASH - 1)) {
        if (rt_hash[h].p == p)
            return rt_hash[h].r;
        if (!rt_hash[h].p)
            return NULL;
    }
}

unsigned nmx_protocol_count(void)
{
    nmx__dissect_init();
    return nmx__nprotocols;
}

struct _PROTOCOL *nmx_protocol_at(unsigned i)
{
    nmx__dissect_init();
    return i < nmx__nprotocols ? &rt[i] : NULL;
}

struct _PROTOCOL *nmx_protocol_find(const char *name)
{
    nmx__dissect_init();
    if (!name)
        return NULL;
    for (unsigned i = 0; i < nmx__nprotocols; i++)
        if (matches(name, nmx__protocols[i]->name, nmx__protocols[i]->aliases))
            return &rt[i];
    return NULL;
}

/* h, if it is one of ours (by address only). */
static struct _PROTOCOL *proto_ok(struct _PROTOCOL *h)
{
    nmx__dissect_init();
    uintptr_t a = (uintptr_t)h, b = (uintptr_t)rt;
    if (!h || a < b || a >= b + nmx__nprotocols * sizeof *rt || (a - b) % sizeof *rt)
        return NULL;
    return h;
}

PROTOCOLINFO *nmx_protocol_info(struct _PROTOCOL *h)
{
    h = proto_ok(h);
    return h ? &h->info : NULL;
}

const char *nmx_protocol_name(struct _PROTOCOL *h)
{
    h = proto_ok(h);
    return h ? h->def->name : NULL;
}

const char *nmx_protocol_comment(struct _PROTOCOL *h)
{
    h = proto_ok(h);
    return h ? h->def->comment : NULL;
}

unsigned nmx_property_count(struct _PROTOCOL *h)
{
    h = proto_ok(h);
    return h ? h->def->nprops : 0;
}

uintptr_t nmx_property_at(struct _PROTOCOL *h, unsigned i)
{
    h = proto_ok(h);
    return h && i < h->def->nprops ? (uintptr_t)&h->def->props[i].info : 0;
}

uintptr_t nmx_property_find(struct _PROTOCOL *h, const char *label)
{
    h = proto_ok(h);
    if (!h || !label)
        return 0;
    const nmx_protocol *p = h->def;
    for (unsigned i = 0; i < p->nprops; i++)
        if (matches(label, p->props[i].info.Label, p->props[i].aliases))
            return (uintptr_t)&p->props[i].info;
    return 0;
}

const nmx_propdef *nmx__propdef(uintptr_t h, const nmx_protocol **proto, unsigned *index)
{
    nmx__dissect_init();
    size_t lo = 0, hi = nmx__nprotocols;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h < ranges[mid].lo)
            hi = mid;
        else if (h >= ranges[mid].hi)
            lo = mid + 1;
        else {
            const nmx_protocol *p = nmx__protocols[ranges[mid].proto];
            uintptr_t off = h - ranges[mid].lo;
            if (off % sizeof(nmx_propdef) != offsetof(nmx_propdef, info))
                return NULL;
            if (proto)
                *proto = p;
            if (index)
                *index = (unsigned)(off / sizeof(nmx_propdef));
            return &p->props[off / sizeof(nmx_propdef)];
        }
    }
    return NULL;
}

PROPERTYINFO *nmx_property_info(uintptr_t hprop)
{
    const nmx_propdef *d = nmx__propdef(hprop, NULL, NULL);
    return d ? (PROPERTYINFO *)(uintptr_t)&d->info : NULL;
}

struct _PROTOCOL *nmx_property_protocol(uintptr_t hprop)
{
    const nmx_protocol *p;
    return nmx__propdef(hprop, &p, NULL) ? nmx__proto_rt(p) : NULL;
}
