/*
 * The seccomp filter a sandboxed child installs (src/host/sandbox.c) is
 * compiled once per host process with a stand-in for the child's pid, which
 * the child writes in. The result must be the very program compiled for
 * that pid: the same length, the same instructions, whatever the pid.
 */
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

#include "nmx_test.h"
#include "host/sandbox.h"

static void check_pid(pid_t pid)
{
    struct sock_filter *a = NULL, *b = NULL;
    size_t na = nmx__sandbox_filter(pid, true, &a);
    size_t nb = nmx__sandbox_filter(pid, false, &b);
    assert_true(nb > 0);
    assert_int_equal(na, nb);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < nb; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
            fail_msg("pid %d: instruction %zu differs (k %#x, compiled for the pid: k %#x)",
                     (int)pid, i, a[i].k, b[i].k);
    /* The pid is in the program (the rules on kill, tgkill, prlimit64...;
     * libseccomp may share one comparison among them). */
    size_t seen = 0;
    for (size_t i = 0; i < nb; i++)
        seen += b[i].k == (uint32_t)pid;
    if (seen < 1)
        fail_msg("pid %d: not in the program", (int)pid);
    free(a);
    free(b);
}

static void t_prepared_equals_compiled(void **state)
{
    (void)state;
    const pid_t pids[] = {2, 4242, 65535, 65536, 1 << 21, (1 << 22) - 1, getpid()};
    for (size_t i = 0; i < sizeof pids / sizeof pids[0]; i++)
        check_pid(pids[i]);
}

/* Reused for one child after another: each gets its own pid, not the last
 * one written. */
static void t_prepared_reused(void **state)
{
    (void)state;
    check_pid(7001);
    check_pid(7002);
    check_pid(7001);
}

int main(void)
{
    nmx__sandbox_prepare();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_prepared_equals_compiled),
        cmocka_unit_test(t_prepared_reused),
    };
    return cmocka_run_group_tests_name("sandbox filter", tests, NULL, NULL);
}
