/* The keyed block calls, for the host's Expert* functions: hidden, so that
 * calls from inside the library are direct. Same contracts as nmx_key_alloc,
 * nmx_key_free and nmx_key_size (nmexpert/mem.h). */
#ifndef NMX_MEM_KEY_H
#define NMX_MEM_KEY_H

#include "nmexpert/mem.h"

#define NMX__HIDDEN __attribute__((visibility("hidden")))

NMX__HIDDEN void *nmx__key_alloc(uint64_t key, size_t n, nmx_err *err, const void *site);
NMX__HIDDEN nmx_err nmx__key_free(uint64_t key, void *p);
NMX__HIDDEN size_t nmx__key_size(uint64_t key, const void *p, nmx_err *err);
/* The flag nmx_heap_terminate sets, for a caller that polls it without the
 * heap's lock (an atomic load). Heap objects are never freed: the address
 * stays valid, though it names the slot's next heap once h has ended. */
NMX__HIDDEN const _Atomic _Bool *nmx__heap_term_flag(const nmx_heap *h);

#endif
