/*
 * nmexpert/filter.h: frame filters.
 *
 * Two kinds of filter share one object, nmx_filter, which is also the
 * HFILTER an expert passes to ExpertGetFrame (netmon.h):
 *
 *  - A BPF expression (tcpdump syntax), compiled by libpcap for each link
 *    type it meets, the first time it meets it, and run by the library's
 *    own BPF executor (docs/filters.md). Frames whose link type BPF
 *    cannot express (Network Monitor's own media types, events) do not
 *    match. This is the capture's display filter (the CLI's --filter).
 *
 *  - A Network Monitor display filter: a postfix stack of FILTEROBJECTs
 *    (CreateFilter / FilterAddObject), matched against the protocols and
 *    properties the parsers find in a frame (docs/property-api.md). Its
 *    result is tri-state: a malformed stack or a failed dissection is an
 *    error, not a silent "no".
 *
 * Thread safety: matching may be called from several threads at once;
 * adding objects to a filter that another thread is matching is serialised.
 */
#ifndef NMEXPERT_FILTER_H
#define NMEXPERT_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include "nmexpert/capture.h"
#include "nmexpert/common.h"
#include "nmexpert/dissect.h"

NMX_BEGIN_DECLS

typedef struct nmx_filter nmx_filter;
struct _FILTEROBJECT;

/* The result of matching one frame. */
typedef enum nmx_match {
    NMX_MATCH_ERROR = -1, /* the filter cannot be evaluated (see *nmerr)  */
    NMX_NO_MATCH = 0,
    NMX_MATCH = 1,
} nmx_match;

/* What a filter needs from the parsers (nmx_filter_needs). */
#define NMX_FILTER_NEEDS_LAYERS     0x1u /* recognised protocols        */
#define NMX_FILTER_NEEDS_PROPERTIES 0x2u /* attached property instances */

/* Compiles `expr` (checked at once against Ethernet, the most common link
 * type). On a syntax error: NMX_EINVAL and diag->msg holds libpcap's text. */
NMX_API nmx_err nmx_filter_bpf(const char *expr, nmx_filter **out, nmx_diag *diag);

/* Which code compiles and runs BPF filters: the version of libpcap as
 * pcap_lib_version() gives it ("libpcap version 1.10.3 ..."), then
 * "compiles BPF filters; nmexpert's executor (threaded) runs them", or, with
 * NMX_BPF=libpcap in the environment, "compiles and runs BPF filters
 * (NMX_BPF=libpcap)". NULL when libpcap cannot be loaded (it is loaded on
 * first use). */
NMX_API const char *nmx_filter_bpf_engine(void);

/* An empty Network Monitor display filter (it matches every frame until
 * objects are added). */
NMX_API nmx_err nmx_filter_objects(nmx_filter **out);

/* Pushes one FILTEROBJECT (copied). Returns an NMERR_* value:
 * NMERR_SUCCESS; NMERR_INVALID_HFILTER (not a display filter);
 * NMERR_INVALID_HPROTOCOL / NMERR_INVALID_HPROPERTY (a handle the registry
 * does not know); NMERR_NOT_SUPPORTED (an action this evaluator does not
 * implement yet); NMERR_STACK_OVERFLOW (too many objects);
 * NMERR_OUT_OF_MEMORY. A refused object also poisons the filter: matching
 * it then fails with the same code, so an unchecked mistake is not a
 * silently different filter. The shape of the stack is checked at the
 * first match after a change (nmx_filter_check). */
NMX_API uint32_t nmx_filter_add_object(nmx_filter *f, const struct _FILTEROBJECT *obj);

/* A copy of a filter (either kind); NULL when out of memory. */
NMX_API nmx_filter *nmx_filter_dup(const nmx_filter *f);

NMX_API void nmx_filter_free(nmx_filter *f);

/* The BPF expression, or "" for a display filter. */
NMX_API const char *nmx_filter_text(const nmx_filter *f);

/* Is this a Network Monitor display filter (as opposed to BPF)? */
NMX_API bool nmx_filter_is_objects(const nmx_filter *f);

/* NMX_FILTER_NEEDS_* of the filter (0 for BPF: raw bytes suffice). */
NMX_API unsigned nmx_filter_needs(nmx_filter *f);

/* Checks a display filter's stack: NMERR_SUCCESS, or the NMERR_* value
 * matching would fail with (NMERR_STACK_EMPTY: an operator without enough
 * operands; NMERR_FILTER_INVALID_EXPRESSION: operands of the wrong kind or
 * more than one result left). *at (may be NULL) receives the index of the
 * offending object. BPF filters are always well formed here. */
NMX_API uint32_t nmx_filter_check(nmx_filter *f, uint32_t *at);

/* Matches one frame. For a display filter `d` must hold the dissection of
 * `frame` with at least what nmx_filter_needs() asks for (properties
 * attached when it says so); d may be NULL, then the frame is dissected
 * here (in a dissector of the calling thread). On NMX_MATCH_ERROR *nmerr
 * (may be NULL) receives the NMERR_* reason. */
NMX_API nmx_match nmx_filter_eval(nmx_filter *f, const nmx_frame *frame, nmx_dissector *d,
                                  uint32_t *nmerr);

/* Does the frame pass? (nmx_filter_eval() == NMX_MATCH.) A link type the
 * BPF expression cannot be compiled for (or none) gives false. */
NMX_API bool nmx_filter_match(nmx_filter *f, const nmx_frame *frame);

/* Is `p` a live filter? (Used to validate the HFILTER an expert passes in;
 * never dereferences an unknown pointer.) */
NMX_API bool nmx_filter_valid(const void *p);

/* The session a filter belongs to (an opaque token; 0: none). Filters of a
 * session are freed with nmx_filter_free_owned() when it ends. */
NMX_API void nmx_filter_set_owner(nmx_filter *f, uint64_t owner);
NMX_API uint64_t nmx_filter_owner(const nmx_filter *f);
/* Frees every live filter whose owner is `owner` (!= 0); returns how many. */
NMX_API unsigned nmx_filter_free_owned(uint64_t owner);

NMX_END_DECLS

#endif
