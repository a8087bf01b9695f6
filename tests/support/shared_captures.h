/*
 * shared_captures.h: where the tests find the shared third-party captures
 * and whether tshark is there to compare with.
 *
 * CMake passes the folder in NMX_SHARED_CAPTURES (../shared/captures from
 * the repository root); a test that needs it skips, saying so, when it is
 * absent (docs/dissectors.md, "Tests").
 */
#ifndef NMX_TEST_SHARED_CAPTURES_H
#define NMX_TEST_SHARED_CAPTURES_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* The shared captures folder, or NULL when it is not there. */
static inline const char *nmx_test_captures_dir(void)
{
    const char *d = getenv("NMX_SHARED_CAPTURES");
    struct stat st;
    if (!d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return d;
}

/* true when tshark is on the PATH. */
static inline bool nmx_test_have_tshark(void)
{
    return system("command -v tshark >/dev/null 2>&1") == 0;
}

/* In a cmocka test: dir = the shared captures folder; the test is skipped,
 * saying why, when the folder or tshark is missing. */
#define NMX_TEST_CAPTURES_AND_TSHARK(dir)                                                          \
    do {                                                                                           \
        (dir) = nmx_test_captures_dir();                                                           \
        if (!(dir)) {                                                                              \
            printf("SKIP: ../shared/captures not found\n");                                        \
            skip();                                                                                \
        }                                                                                          \
        if (!nmx_test_have_tshark()) {                                                             \
            printf("SKIP: tshark not installed\n");                                                \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

#endif
