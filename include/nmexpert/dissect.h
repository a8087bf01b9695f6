/*
 * dissect.h: Network Monitor's parser model over one frame.
 *
 * A dissector walks one frame through the protocol parsers (Ethernet, IP,
 * TCP, DNS, ...) and produces what Network Monitor 2.x handed to experts:
 * the protocols recognised (RECOGNIZEDATATABLE) and, on request, the
 * property instances each protocol attached (PROPERTYTABLE), pointing into
 * the frame's own bytes. docs/dissectors.md describes the parser layer;
 * docs/properties.md lists every protocol and property.
 *
 * The Network Monitor structures are those of netmon.h; this header names
 * them only through their struct tags, so it does not need netmon.h.
 *
 * Lifetimes: everything a dissection returns (tables, instances, layer
 * names) stays valid until the next nmx_dissect() on the same dissector or
 * nmx_dissector_free(), and points into the frame's bytes, which must stay
 * valid as long. Protocol and property handles (HPROTOCOL, HPROPERTY) and
 * the PROTOCOLINFO / PROPERTYINFO they lead to are static: valid for the
 * life of the process, the same in every thread.
 *
 * Threads: one dissector per thread at a time; the registry functions may
 * be called from any thread.
 */
#ifndef NMEXPERT_DISSECT_H
#define NMEXPERT_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmexpert/capture.h"
#include "nmexpert/common.h"

NMX_BEGIN_DECLS

struct _PROTOCOL;           /* HPROTOCOL    */
struct _PROTOCOLINFO;       /* PROTOCOLINFO */
struct _PROPERTYINFO;       /* PROPERTYINFO */
struct _PROPERTYINST;       /* PROPERTYINST */
struct _PROPERTYTABLE;      /* PROPERTYTABLE */
struct _RECOGNIZEDATATABLE; /* RECOGNIZEDATATABLE */

typedef struct nmx_dissector nmx_dissector;

/* nmx_dissect() flags. */
#define NMX_DIS_ATTACH 0x1u /* attach property instances (else: recognise only) */

/* A layer's state. */
typedef enum nmx_layer_status {
    NMX_LAYER_OK = 0,
    NMX_LAYER_TRUNCATED = 1, /* the capture stopped before the protocol's end   */
    NMX_LAYER_MALFORMED = 2, /* a field contradicts the protocol or its parent */
} nmx_layer_status;

/* One recognised protocol of a dissected frame. */
typedef struct nmx_layer {
    const char *name;        /* Network Monitor short name ("TCP"), static */
    struct _PROTOCOL *proto; /* its HPROTOCOL                               */
    uint32_t offset;         /* first byte in the frame                    */
    uint32_t caplen;         /* bytes of it in the capture                 */
    uint32_t length;         /* bytes it declares (or inherits) on the wire */
    nmx_layer_status status;
    uint32_t first_inst;     /* its instances in the property table ...    */
    uint32_t ninst;          /* ... (0 without NMX_DIS_ATTACH)             */
} nmx_layer;

/* A new dissector; NULL when out of memory. */
NMX_API nmx_dissector *nmx_dissector_new(void);
NMX_API void nmx_dissector_free(nmx_dissector *d);

/* Dissects `fr` (its number, time, lengths, bytes and link type are used).
 * prev_ts_ns is the time of the frame before it in the capture (for the
 * FRAME time delta); pass fr->ts_ns when there is none. Fails only with
 * NMX_EINVAL (NULL arguments) or NMX_ENOMEM (the dissector's first
 * dissection with NMX_DIS_ATTACH makes its instance array; later ones
 * allocate nothing); a damaged frame is not an error, its layers say what
 * is wrong with it. */
NMX_API nmx_err nmx_dissect(nmx_dissector *d, const nmx_frame *fr, int64_t prev_ts_ns,
                            unsigned flags);

/* The layers of the last dissection, outermost first (FRAME is layer 0). */
NMX_API unsigned nmx_dissect_nlayers(const nmx_dissector *d);
NMX_API const nmx_layer *nmx_dissect_layer(const nmx_dissector *d, unsigned i);

/* Network Monitor's tables of the last dissection. The property table is
 * NULL when it was made without NMX_DIS_ATTACH. */
NMX_API struct _RECOGNIZEDATATABLE *nmx_dissect_recognized(nmx_dissector *d);
NMX_API struct _PROPERTYTABLE *nmx_dissect_properties(nmx_dissector *d);

/* Is `pi` one of the instances of the last dissection? (Checks the address
 * only; never reads through pi.) */
NMX_API bool nmx_dissect_owns(const nmx_dissector *d, const struct _PROPERTYINST *pi);

/* The display text of an instance of the last dissection, in Network
 * Monitor's detail-pane format without the "PROTO: " prefix
 * ("Time to Live = 64 (0x40)"). Writes at most n bytes including the NUL;
 * returns the length the whole text needs (as snprintf), or 0 when pi is
 * not an instance of the last dissection. */
NMX_API size_t nmx_dissect_text(const nmx_dissector *d, const struct _PROPERTYINST *pi,
                                char *buf, size_t n);

/* Flag properties (PROP_QUAL_FLAGS): the number of bit lines of `pi`, and
 * the k-th ("......1. = Synchronize sequence numbers"). */
NMX_API unsigned nmx_dissect_nbits(const nmx_dissector *d, const struct _PROPERTYINST *pi);
NMX_API size_t nmx_dissect_bit_text(const nmx_dissector *d, const struct _PROPERTYINST *pi,
                                    unsigned k, char *buf, size_t n);

/* ---- The protocol and property registry -------------------------------- */

/* Protocols, in registry order. */
NMX_API unsigned nmx_protocol_count(void);
NMX_API struct _PROTOCOL *nmx_protocol_at(unsigned i);

/* By Network Monitor short name or a documented alias, matched without
 * regard to case. NULL when unknown. */
NMX_API struct _PROTOCOL *nmx_protocol_find(const char *name);

/* The handle's PROTOCOLINFO / name, or NULL when h is not a protocol
 * handle (garbage is recognised without being dereferenced). */
NMX_API struct _PROTOCOLINFO *nmx_protocol_info(struct _PROTOCOL *h);
NMX_API const char *nmx_protocol_name(struct _PROTOCOL *h);
NMX_API const char *nmx_protocol_comment(struct _PROTOCOL *h);

/* A protocol's properties: count, and the handle of the i-th. */
NMX_API unsigned nmx_property_count(struct _PROTOCOL *h);
NMX_API uintptr_t nmx_property_at(struct _PROTOCOL *h, unsigned i);

/* By label within a protocol: case-insensitive, runs of white space
 * collapsed, documented alternative spellings accepted. 0 when unknown. */
NMX_API uintptr_t nmx_property_find(struct _PROTOCOL *h, const char *label);

/* The PROPERTYINFO of a handle and the protocol it belongs to; NULL when
 * hprop is not a property handle (checked without dereferencing it). */
NMX_API struct _PROPERTYINFO *nmx_property_info(uintptr_t hprop);
NMX_API struct _PROTOCOL *nmx_property_protocol(uintptr_t hprop);

NMX_END_DECLS

#endif /* NMEXPERT_DISSECT_H */
