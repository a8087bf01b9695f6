/* Helpers shared by the test programs. */
#ifndef NMX_TEST_H
#define NMX_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* cmocka's failure paths never return (they jump back to the runner), but
 * its header does not say so; GCC's -Wnull-dereference (Release builds)
 * then sees a NULL that an assertion already excluded. These versions end
 * in abort(), which GCC knows does not return (and which is not reached). */
#undef assert_non_null
#define assert_non_null(p)                                                                   \
    do {                                                                                     \
        if ((p) == NULL) {                                                                   \
            fail_msg("%s is NULL", #p);                                                      \
            abort();                                                                         \
        }                                                                                    \
    } while (0)
#undef assert_true
#define assert_true(c)                                                                       \
    do {                                                                                     \
        if (!(c)) {                                                                          \
            fail_msg("%s is not true", #c);                                                  \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* Runs fn(arg) in a forked child; returns the raw wait status. */
static inline int nmx_test_in_child(void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* Asserts that the child exited normally with status 0 (no signal). */
#define assert_child_clean(st)                                                              \
    do {                                                                                    \
        int st_ = (st);                                                                     \
        if (WIFSIGNALED(st_))                                                               \
            fail_msg("child killed by signal %d", WTERMSIG(st_));                           \
        assert_true(WIFEXITED(st_));                                                        \
        assert_int_equal(WEXITSTATUS(st_), 0);                                              \
    } while (0)

/* Resident set size of this process in bytes (from /proc/self/statm). */
static inline size_t nmx_test_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/* The file-backed part of it (RssFile, /proc/self/status), KiB: a mapped
 * capture's pages. */
static inline long nmx_test_rss_file_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "RssFile: %ld", &kb) == 1)
            break;
    fclose(f);
    assert_true(kb >= 0);
    return kb;
}

#endif
