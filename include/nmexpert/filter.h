/*
 * nmexpert/filter.h: frame filters.
 *
 * A filter is a BPF expression (tcpdump syntax), compiled by libpcap for
 * each link type it meets, the first time it meets it. Frames whose link
 * type BPF cannot express (Network Monitor's own media types, events) do not
 * match. The same object is the HFILTER an expert passes to ExpertGetFrame
 * (netmon.h), and the capture's display filter (the CLI's --filter).
 *
 * Thread safety: matching may be called from several threads at once.
 */
#ifndef NMEXPERT_FILTER_H
#define NMEXPERT_FILTER_H

#include <stdbool.h>
#include "nmexpert/capture.h"
#include "nmexpert/common.h"

NMX_BEGIN_DECLS

typedef struct nmx_filter nmx_filter;

/* Compiles `expr` (checked at once against Ethernet, the most common link
 * type). On a syntax error: NMX_EINVAL and diag->msg holds libpcap's text. */
NMX_API nmx_err nmx_filter_bpf(const char *expr, nmx_filter **out, nmx_diag *diag);
NMX_API void nmx_filter_free(nmx_filter *f);
NMX_API const char *nmx_filter_text(const nmx_filter *f);

/* Does the frame pass? A link type the expression cannot be compiled for
 * (or none) gives false. */
NMX_API bool nmx_filter_match(nmx_filter *f, const nmx_frame *frame);

/* Is `p` a live filter created by nmx_filter_bpf? (Used to validate the
 * HFILTER an expert passes in; never dereferences an unknown pointer.) */
NMX_API bool nmx_filter_valid(const void *p);

NMX_END_DECLS

#endif
