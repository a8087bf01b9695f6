/*
 * handoff.c: which protocol comes next. One sorted table per kind of key
 * (link type, EtherType, LLC SAP, PPP protocol, IP protocol, TCP and UDP
 * port, ...), built once from the `handoff` lists of the protocol
 * descriptors, so each protocol file says itself what brings frames to it
 * and no second list can drift from the first. Two protocols claiming the
 * same key is a table error found at start-up.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dissect/dissect_int.h"

struct ho_entry {
    uint32_t key;
    const nmx_protocol *p;
};

static struct ho_entry *tab[NMX_HO_COUNT_];
static unsigned ntab[NMX_HO_COUNT_];

static int ho_cmp(const void *x, const void *y)
{
    const struct ho_entry *a = x, *b = y;
    return a->key < b->key ? -1 : a->key > b->key;
}

void nmx__handoff_build(void)
{
    for (unsigned t = 1; t < NMX_HO_COUNT_; t++) {
        unsigned n = 0;
        for (unsigned i = 0; i < nmx__nprotocols; i++)
            for (unsigned k = 0; k < NMX_MAX_HANDOFF; k++)
                n += nmx__protocols[i]->handoff[k].table == t;
        tab[t] = calloc(n ? n : 1, sizeof **tab);
        if (!tab[t]) {
            fprintf(stderr, "nmexpert: out of memory building the hand-off tables\n");
            abort();
        }
        for (unsigned i = 0; i < nmx__nprotocols; i++)
            for (unsigned k = 0; k < NMX_MAX_HANDOFF; k++)
                if (nmx__protocols[i]->handoff[k].table == t)
                    tab[t][ntab[t]++] =
                        (struct ho_entry){ nmx__protocols[i]->handoff[k].key, nmx__protocols[i] };
        qsort(tab[t], ntab[t], sizeof **tab, ho_cmp);
        for (unsigned i = 1; i < ntab[t]; i++)
            if (tab[t][i].key == tab[t][i - 1].key) {
                fprintf(stderr, "nmexpert: protocol table error: %s and %s both claim key %u of "
                        "hand-off table %u\n", tab[t][i].p->name, tab[t][i - 1].p->name,
                        tab[t][i].key, t);
                abort();
            }
    }
}

const nmx_protocol *nmx__handoff_find(nmx_ho table, uint32_t key)
{
    if (table <= NMX_HO_NONE || table >= NMX_HO_COUNT_)
        return NULL;
    const struct ho_entry *e = tab[table];
    size_t lo = 0, hi = ntab[table];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e[mid].key < key)
            lo = mid + 1;
        else if (e[mid].key > key)
            hi = mid;
        else
            return e[mid].p;
    }
    return NULL;
}
