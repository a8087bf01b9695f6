/*
 * The Expert* memory functions as an expert sees them (netmon.h), through
 * sessions opened with nmexpert/session.h: NMERR_* codes, *pError rules,
 * keys, termination, hand-over of the configuration, release of leaks.
 */
#include <string.h>

#include "netmon.h"
#include "nmx_test.h"
#include "nmexpert/session.h"

static nmx_key open_session(uint64_t limit)
{
    nmx_session_config c = {.version = NMX_SESSION_CONFIG_VERSION, .name = "expert test",
                            .memory_limit = limit};
    nmx_key k = NULL;
    assert_int_equal(nmx_session_open(&c, &k), NMX_OK);
    assert_non_null(k);
    return k;
}

static void t_alloc_free_size(void **s)
{
    (void)s;
    HEXPERTKEY k = open_session(0);
    DWORD err = 12345;
    BYTE *p = ExpertAllocMemory(k, 64, &err);
    assert_non_null(p);
    assert_int_equal(err, NMERR_SUCCESS); /* M1: written on success too */
    for (int i = 0; i < 64; i++)
        assert_int_equal(p[i], 0); /* M2: zero-filled */
    assert_int_equal(ExpertMemorySize(k, p), 64);
    err = 777;
    p = ExpertReallocMemory(k, p, 1000, &err);
    assert_non_null(p);
    assert_int_equal(err, NMERR_SUCCESS);
    assert_int_equal(ExpertMemorySize(k, p), 1000);
    for (int i = 64; i < 1000; i++)
        assert_int_equal(p[i], 0);
    /* pError may be NULL in both functions */
    BYTE *q = ExpertAllocMemory(k, 8, NULL);
    assert_non_null(q);
    q = ExpertReallocMemory(k, q, 16, NULL);
    assert_non_null(q);
    /* realloc of NULL is an alloc */
    BYTE *r = ExpertReallocMemory(k, NULL, 5, &err);
    assert_non_null(r);
    assert_int_equal(ExpertMemorySize(k, r), 5);
    assert_int_equal(ExpertFreeMemory(k, NULL), NMERR_SUCCESS);
    assert_int_equal(ExpertFreeMemory(k, p), NMERR_SUCCESS);
    assert_int_equal(ExpertFreeMemory(k, q), NMERR_SUCCESS);
    assert_int_equal(ExpertFreeMemory(k, r), NMERR_SUCCESS);
    assert_int_equal(nmx_session_close(k, NULL), NMX_OK);
}

static void t_bad_pointers(void **s)
{
    (void)s;
    HEXPERTKEY a = open_session(0), b = open_session(0);
    BYTE *pa = ExpertAllocMemory(a, 32, NULL), *pb = ExpertAllocMemory(b, 32, NULL);
    int local = 0;
    DWORD err = 0;
    assert_int_equal(ExpertFreeMemory(a, pb), NMERR_INVALID_PARAMETER);      /* foreign */
    assert_int_equal(ExpertFreeMemory(a, pa + 4), NMERR_INVALID_PARAMETER);  /* interior */
    assert_int_equal(ExpertFreeMemory(a, &local), NMERR_INVALID_PARAMETER);  /* stack */
    assert_null(ExpertReallocMemory(a, pb, 64, &err));
    assert_int_equal(err, NMERR_INVALID_PARAMETER);
    assert_int_equal(ExpertMemorySize(a, pb), 0); /* M4 */
    assert_int_equal(ExpertMemorySize(a, &local), 0);
    assert_int_equal(ExpertMemorySize(b, pb), 32); /* unchanged */
    assert_int_equal(ExpertFreeMemory(a, pa), NMERR_SUCCESS);
    assert_int_equal(ExpertFreeMemory(a, pa), NMERR_INVALID_PARAMETER); /* double */
    nmx_heap_stats st;
    assert_int_equal(nmx_session_stats(a, &st), NMX_OK);
    assert_int_equal(st.misuse_total, 7);
    nmx_session_close(a, NULL);
    nmx_session_close(b, NULL);
}

static void t_keys(void **s)
{
    (void)s;
    DWORD err = 0;
    /* NULL and made-up keys */
    assert_null(ExpertAllocMemory(NULL, 10, &err));
    assert_int_equal(err, NMERR_INVALID_EXPERT_HANDLE);
    assert_null(ExpertAllocMemory((HEXPERTKEY)(uintptr_t)0xdeadbeef, 10, &err));
    assert_int_equal(err, NMERR_INVALID_EXPERT_HANDLE);
    assert_null(ExpertReallocMemory(NULL, NULL, 10, &err));
    assert_int_equal(err, NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(ExpertFreeMemory(NULL, NULL), NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(ExpertMemorySize(NULL, NULL), 0);
    /* an ended key */
    HEXPERTKEY k = open_session(0);
    BYTE *p = ExpertAllocMemory(k, 10, NULL);
    assert_int_equal(nmx_session_close(k, NULL), NMX_OK);
    assert_null(ExpertAllocMemory(k, 10, &err));
    assert_int_equal(err, NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(ExpertFreeMemory(k, p), NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(ExpertMemorySize(k, p), 0);
    assert_int_equal(nmx_session_close(k, NULL), NMX_EBADKEY);
    assert_int_equal(nmx_session_terminate(k), NMX_EBADKEY);
    /* a stale pointer of the ended session, freed through a new session */
    HEXPERTKEY k2 = open_session(0);
    for (int i = 0; i < 100; i++)
        assert_ptr_not_equal(ExpertAllocMemory(k2, 10, NULL), p);
    assert_int_equal(ExpertFreeMemory(k2, p), NMERR_INVALID_PARAMETER);
    nmx_session_close(k2, NULL);
}

static void t_quota_and_terminate(void **s)
{
    (void)s;
    HEXPERTKEY k = open_session(4096);
    DWORD err = 0;
    BYTE *p = ExpertAllocMemory(k, 4000, &err);
    assert_non_null(p);
    assert_null(ExpertAllocMemory(k, 200, &err));
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    assert_int_equal(nmx_session_terminate(k), NMX_OK);
    assert_null(ExpertAllocMemory(k, 1, &err));
    assert_int_equal(err, NMERR_EXPERT_TERMINATE);
    assert_null(ExpertReallocMemory(k, p, 10, &err));
    assert_int_equal(err, NMERR_EXPERT_TERMINATE);
    assert_int_equal(ExpertMemorySize(k, p), 4000);
    assert_int_equal(ExpertFreeMemory(k, p), NMERR_EXPERT_TERMINATE); /* M3: still freed */
    assert_int_equal(ExpertMemorySize(k, p), 0);
    nmx_heap_report r;
    nmx_session_close(k, &r);
    assert_int_equal(r.leaked_blocks, 0);
    nmx_heap_report_free(&r);
}

/* Configure-style hand-over (C7/M5): the expert builds its configuration
 * with the Configure key; the host adopts it; it survives the session. */
static void t_configure_handover(void **s)
{
    (void)s;
    HEXPERTKEY k = open_session(0);
    PEXPERTCONFIG cfg = ExpertAllocMemory(k, sizeof(DWORD) + 20, NULL);
    cfg->RawConfigLength = sizeof(DWORD) + 20;
    memcpy(cfg->RawConfigData, "top=10\0by=bytes\0\0\0\0", 20);
    BYTE *scratch = ExpertAllocMemory(k, 500, NULL); /* dialog scratch, leaked */
    (void)scratch;
    nmx_err e;
    PEXPERTCONFIG kept = nmx_session_adopt(k, cfg, &e);
    assert_non_null(kept);
    assert_int_equal(e, NMX_OK);
    nmx_heap_report r;
    nmx_session_close(k, &r);
    assert_int_equal(r.leaked_blocks, 1); /* the scratch, not the config */
    assert_int_equal(r.leaked_bytes, 500);
    nmx_heap_report_free(&r);
    assert_int_equal(kept->RawConfigLength, 24);
    assert_memory_equal(kept->RawConfigData, "top=10\0by=bytes\0\0\0\0", 20);
    assert_int_equal(nmx_host_size(kept), 24);
    /* the Run session gets it as input but may not free it */
    HEXPERTKEY run = open_session(0);
    assert_int_equal(ExpertFreeMemory(run, kept), NMERR_INVALID_PARAMETER);
    nmx_session_close(run, NULL);
    assert_int_equal(nmx_host_free(kept), NMX_OK);
    assert_int_equal(nmx_host_free(kept), NMX_EBADPTR);
}

static void t_release_frees_everything(void **s)
{
    (void)s;
    HEXPERTKEY k = open_session(0);
    for (int i = 0; i < 10000; i++)
        ExpertAllocMemory(k, (SIZE_T)(i % 3000), NULL);
    ExpertAllocMemory(k, 5u << 20, NULL);
    nmx_heap_stats st;
    nmx_session_stats(k, &st);
    assert_int_equal(st.cur_blocks, 10001);
    uint64_t bytes = st.cur_bytes;
    nmx_heap_report r;
    assert_int_equal(nmx_session_close(k, &r), NMX_OK);
    assert_int_equal(r.leaked_blocks, 10001);
    assert_int_equal(r.leaked_bytes, bytes);
    nmx_heap_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_alloc_free_size),
        cmocka_unit_test(t_bad_pointers),
        cmocka_unit_test(t_keys),
        cmocka_unit_test(t_quota_and_terminate),
        cmocka_unit_test(t_configure_handover),
        cmocka_unit_test(t_release_frees_everything),
    };
    return cmocka_run_group_tests_name("expert memory API", tests, NULL, NULL);
}
