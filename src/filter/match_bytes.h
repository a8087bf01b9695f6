/*
 * match_bytes.h: filters matched on a frame's bytes alone (private to the
 * library; the host uses it for filtered forward scans, docs/filters.md,
 * "Filtered scans").
 */
#ifndef NMX_FILTER_MATCH_BYTES_H
#define NMX_FILTER_MATCH_BYTES_H

#include <stdbool.h>
#include <stdint.h>

#include "nmexpert/filter.h"

/* Does f's verdict on a frame depend on its bytes, lengths and link type
 * only (a BPF filter), so that nmx__filter_match_bytes() gives it? */
bool nmx__filter_bytes_only(const nmx_filter *f);
/* f's id: unique in the process and never reused, so a result kept for a
 * filter is never taken for another one made at the same address. */
uint64_t nmx__filter_id(const nmx_filter *f);
/* The verdict of a filter for which nmx__filter_bytes_only() is true:
 * nmx_filter_match() of a frame with these fields. */
bool nmx__filter_match_bytes(nmx_filter *f, const uint8_t *data, uint32_t caplen,
                             uint32_t wirelen, uint32_t linktype);

#endif
