/*
 * dis_oracle.h: every frame of a shared capture dissected here and by
 * tshark, the protocol stacks and chosen fields compared (tests of
 * tests/dissect that check link layers against tshark).
 */
#ifndef NMX_DIS_ORACLE_H
#define NMX_DIS_ORACLE_H

#include <stdbool.h>
#include <stddef.h>

#include "dis_test.h"

/* A tshark field and where we keep it: the layers ("A|B"; NULL: any
 * layer) and the label. */
typedef struct dt_field {
    const char *tshark;
    const char *proto;
    const char *label;
} dt_field;

/* How one test file compares. */
typedef struct dt_oracle {
    /* tshark's protocol names and ours; the stacks compared are the
     * layers named here, in order */
    const char *const (*names)[2];
    size_t nnames;
    /* our layer names counted as another ({ "SLL2", "SLL" }: tshark calls
     * both "sll") */
    const char *const (*alias)[2];
    size_t nalias;
    /* false: values are numbers on both sides (tshark's parsed as C
     * numbers); true: address properties print as tshark prints them,
     * numbers in decimal, and tshark's other values are kept as text */
    bool addresses;
    /* every layer of every frame must be OK */
    bool all_ok;
    /* tshark options before -r ("-n"), or NULL */
    const char *options;
} dt_oracle;

/* The captures and tshark are there; prints why not (the caller skips). */
bool dt_oracle_ready(void);
/* Compares every frame of `file` (below NMX_SHARED_CAPTURES); fails the
 * test on any disagreement. Returns the number of frames. */
unsigned dt_oracle_run(const dt_oracle *o, const char *file, const dt_field *fields, size_t nf);
/* An address property's value as tshark prints it (aa:bb:..., dotted IPv4,
 * RFC 5952 IPv6); "" when the instance is not an address. */
void dt_addr_text(const PROPERTYINST *pi, char *out, size_t n);

#endif
