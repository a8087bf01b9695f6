/*
 * The Expert* memory functions of netmon.h (spec 4.1-4.4, decisions M1-M5):
 * thin wrappers over the key-validated allocator. Errors reach the expert
 * as NMERR_* codes; *pError is written whenever the pointer is non-NULL,
 * also with NMERR_SUCCESS on success (M1).
 */
#include "netmon.h"
#include "mem/key.h"
#include "nmexpert/mem.h"

static inline uint64_t tok(HEXPERTKEY k)
{
    return (uint64_t)(uintptr_t)k;
}

/* nmx_err_to_nmerr, with the answer to a pointer the key does not own at
 * hand (the same as the table's, src/base/error.c): no call through the
 * library's PLT on the misuse path. */
static inline DWORD nmerr(nmx_err e)
{
    if (__builtin_expect(e == NMX_OK, 1))
        return NMERR_SUCCESS;
    if (e == NMX_EBADPTR)
        return NMERR_INVALID_PARAMETER;
    return nmx_err_to_nmerr(e);
}

LPVOID WINAPI ExpertAllocMemory(HEXPERTKEY hExpertKey, SIZE_T nBytes, DWORD *pError)
{
    nmx_err e;
    /* (no error slot when the caller wants none: one store fewer) */
    void *p = nmx__key_alloc(tok(hExpertKey), nBytes, pError ? &e : NULL,
                             __builtin_return_address(0));
    if (pError)
        *pError = nmerr(e);
    return p;
}

LPVOID WINAPI ExpertReallocMemory(HEXPERTKEY hExpertKey, LPVOID pOriginalMemory, SIZE_T nBytes,
                                  DWORD *pError)
{
    nmx_err e;
    void *p = nmx_key_realloc(tok(hExpertKey), pOriginalMemory, nBytes, &e,
                              __builtin_return_address(0));
    if (pError)
        *pError = nmx_err_to_nmerr(e);
    return p;
}

DWORD WINAPI ExpertFreeMemory(HEXPERTKEY hExpertKey, LPVOID pMemory)
{
    return nmerr(nmx__key_free(tok(hExpertKey), pMemory));
}

SIZE_T WINAPI ExpertMemorySize(HEXPERTKEY hExpertKey, LPVOID pOriginalMemory)
{
    return nmx__key_size(tok(hExpertKey), pOriginalMemory, NULL);
}
