/*
 * protocols.c: the one list of protocols (NMX_PROTOCOLS in dissect_int.h).
 * The registry numbers them in this order; every table of names, handles
 * and hand-offs is built from it.
 */
#include "dissect/dissect_int.h"

#define NMX_PROTO_REF(n) &nmx_proto_##n,
const nmx_protocol *const nmx__protocols[] = { NMX_PROTOCOLS(NMX_PROTO_REF) };
#undef NMX_PROTO_REF

const unsigned nmx__nprotocols = sizeof nmx__protocols / sizeof nmx__protocols[0];
