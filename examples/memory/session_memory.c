/*
 * An expert author's view of the Expert* memory functions, built against an
 * installed nmexpert with
 *     cc session_memory.c $(pkg-config --cflags --libs nmexpert)
 * It opens a session (as the host does for Run), behaves like an expert
 * (allocates, grows, frees, misbehaves on purpose), closes the session and
 * checks every answer. Exit status 0 when every rule holds.
 */
#include <stdio.h>
#include <string.h>

#include <netmon.h>
#include <nmexpert/session.h>

static int failures;
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);       \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

int main(void)
{
    nmx_session_config cfg = {.version = NMX_SESSION_CONFIG_VERSION, .name = "example expert",
                              .memory_limit = 1 << 20, .heap_flags = NMX_HEAP_DEBUG};
    nmx_key key;
    CHECK(nmx_session_open(&cfg, &key) == NMX_OK);
    HEXPERTKEY k = key;

    DWORD err = 99;
    char *names = ExpertAllocMemory(k, 16, &err);
    CHECK(names != NULL && err == NMERR_SUCCESS);
    CHECK(names[0] == 0 && names[15] == 0);            /* zero-filled */
    strcpy(names, "10.0.0.1");
    names = ExpertReallocMemory(k, names, 4096, &err);  /* grows, keeps contents */
    CHECK(names != NULL && strcmp(names, "10.0.0.1") == 0 && names[4095] == 0);
    CHECK(ExpertMemorySize(k, names) == 4096);

    int on_stack = 0;
    CHECK(ExpertFreeMemory(k, &on_stack) == NMERR_INVALID_PARAMETER);  /* not ours */
    CHECK(ExpertFreeMemory(k, names + 1) == NMERR_INVALID_PARAMETER); /* interior */
    CHECK(ExpertAllocMemory(k, 2 << 20, &err) == NULL && err == NMERR_OUT_OF_MEMORY); /* quota */
    CHECK(ExpertFreeMemory(k, names) == NMERR_SUCCESS);
    CHECK(ExpertFreeMemory(k, names) == NMERR_INVALID_PARAMETER);     /* double free */

    for (int i = 0; i < 3; i++)
        ExpertAllocMemory(k, 100, NULL);               /* leaked on purpose */
    nmx_session_terminate(key);
    CHECK(ExpertAllocMemory(k, 1, &err) == NULL && err == NMERR_EXPERT_TERMINATE);

    nmx_heap_report report;
    CHECK(nmx_session_close(key, &report) == NMX_OK);
    nmx_heap_report_print(&report, stdout);
    CHECK(report.leaked_blocks == 3 && report.leaked_bytes == 300);
    nmx_heap_report_free(&report);
    CHECK(ExpertAllocMemory(k, 1, &err) == NULL && err == NMERR_INVALID_EXPERT_HANDLE);

    printf("%s\n", failures ? "FAILED" : "all memory rules hold");
    return failures ? 1 : 0;
}
