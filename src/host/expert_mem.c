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

static inline DWORD nmerr(nmx_err e)
{
    return __builtin_expect(e == NMX_OK, 1) ? NMERR_SUCCESS : nmx_err_to_nmerr(e);
}

LPVOID WINAPI ExpertAllocMemory(HEXPERTKEY hExpertKey, SIZE_T nBytes, DWORD *pError)
{
    nmx_err e;
    void *p = nmx__key_alloc(tok(hExpertKey), nBytes, &e, __builtin_return_address(0));
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
