/*
 * The host's side of process isolation through the library's API, where
 * the command line cannot reach: a configuration of version 1 (before
 * cpu_limit_s and result_limit) still runs, with the defaults; the result
 * limit set by the caller stops an expert beyond it; and a host that
 * ignores SIGCHLD (its children are reaped by the kernel) is told that an
 * expert's end is unknown instead of a made-up status, and no pid that may
 * be another process's by then is signalled.
 */
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "nmexpert/hcapture.h"
#include "nmexpert/run.h"
#include "nmx_test.h"
#include "ten_frames.h"

static char dir[] = "/tmp/nmx-run-api-XXXXXX";
static HCAPTURE hcap;
static uint8_t *capbuf;

/* The hostile expert as abuse_MODE.so (it reads its mode from its name). */
static void expert_for(const char *mode, nmx_expert_info *ex)
{
    char path[256];
    snprintf(path, sizeof path, "%s/abuse_%s.so", dir, mode);
    if (access(path, F_OK) != 0) { /* a copy: a symbolic link resolves to the original name */
        char cmd[600];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", CHANNEL_ABUSE_SO, path);
        assert_int_equal(system(cmd), 0);
    }
    assert_int_equal(nmx_expert_probe(path, ex), NMX_OK);
}

static int setup(void **s)
{
    (void)s;
    if (!mkdtemp(dir))
        return -1;
    return nmx_test_ten_frames(&capbuf, &hcap);
}

static int teardown(void **s)
{
    (void)s;
    nmx_hcapture_close(hcap);
    free(capbuf);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_version1(void **s)
{
    (void)s;
    nmx_expert_info ex;
    expert_for("ok", &ex);
    /* a caller built before version 2: its structure ends at focus_property */
    union {
        nmx_run_config c;
        unsigned char bytes[sizeof(nmx_run_config)];
    } u;
    memset(&u, 0xA5, sizeof u); /* what lies beyond must not be read */
    memset(&u, 0, offsetof(nmx_run_config, cpu_limit_s));
    u.c.version = 1;
    u.c.expert = &ex;
    u.c.capture = hcap;
    u.c.focus_frame = 0xFFFFFFFFu;
    nmx_run_result r;
    assert_int_equal(nmx_run_expert(&u.c, &r), NMX_OK);
    assert_int_equal(r.outcome, NMX_RUN_COMPLETED);
    assert_int_equal(r.events, 2);
    u.c.version = 3;
    assert_int_equal(nmx_run_expert(&u.c, &r), NMX_EINVAL);
}

static void test_result_limit(void **s)
{
    (void)s;
    nmx_expert_info ex;
    expert_for("bignames", &ex);
    nmx_run_config c = {.version = NMX_RUN_CONFIG_VERSION, .expert = &ex, .capture = hcap,
                        .focus_frame = 0xFFFFFFFFu, .result_limit = 1u << 20};
    nmx_run_result r;
    assert_int_equal(nmx_run_expert(&c, &r), NMX_OK);
    assert_int_equal(r.outcome, NMX_RUN_MEMORY);
    assert_true(r.events >= 2 && r.events < 40); /* 1 MiB: 17 of its 60 KB events */
    assert_non_null(strstr(r.message, "more than its result limit (1048576 bytes)"));
}

static void test_reaped_elsewhere(void **s)
{
    (void)s;
    nmx_expert_info ex;
    expert_for("exit0", &ex);
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGCHLD, &ign, &old);
    nmx_run_config c = {.version = NMX_RUN_CONFIG_VERSION, .expert = &ex, .capture = hcap,
                        .focus_frame = 0xFFFFFFFFu};
    nmx_run_result r;
    nmx_err e = nmx_run_expert(&c, &r);
    sigaction(SIGCHLD, &old, NULL);
    assert_int_equal(e, NMX_OK);
    assert_int_equal(r.outcome, NMX_RUN_EXITED);
    assert_non_null(strstr(r.message, "ended without its result; how is unknown"));
    assert_int_equal(r.events, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version1),
        cmocka_unit_test(test_result_limit),
        cmocka_unit_test(test_reaped_elsewhere),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
