/*
 * Running experts contained: the misbehaving test expert in every mode, in
 * each isolation mode that can contain it. The host must survive, report the
 * right cause, release every byte of the session and keep earlier events.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <string.h>

#include "netmon.h"
#include "nmx_test.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/run.h"
#include "ten_frames.h"

static nmx_expert_info expert;
static nmx_isolation iso = NMX_ISOLATION_THREAD;
static HCAPTURE hcap;
static uint8_t *capbuf;
static int events_seen;

static void on_event(const nmx_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
    __atomic_add_fetch(&events_seen, 1, __ATOMIC_RELAXED);
}

static int setup(void **s)
{
    (void)s;
    if (nmx_expert_probe(MISBEHAVE_SO, &expert) != NMX_OK) {
        fprintf(stderr, "probe failed: %s\n", expert.reason);
        return -1;
    }
    return nmx_test_ten_frames(&capbuf, &hcap);
}

static int teardown(void **s)
{
    (void)s;
    nmx_hcapture_close(hcap);
    free(capbuf);
    return 0;
}

static nmx_run_result run_mode(const char *mode, nmx_isolation unused, uint32_t timeout_ms,
                               uint64_t mem_limit, uint32_t misuse_limit, const volatile int *stop)
{
    (void)unused;
    uint8_t blob[64];
    DWORD len = (DWORD)(sizeof(DWORD) + strlen("mode=") + strlen(mode) + 2);
    memset(blob, 0, sizeof blob);
    memcpy(blob, &len, 4);
    memcpy(blob + 4, "mode=", 5);
    memcpy(blob + 9, mode, strlen(mode));
    nmx_run_config c = {.version = NMX_RUN_CONFIG_VERSION,
                        .expert = &expert,
                        .capture = hcap,
                        .config = blob,
                        .config_len = len,
                        .focus_frame = INVALID_FRAME_NUMBER,
                        .isolation = iso,
                        .timeout_ms = timeout_ms,
                        .grace_ms = 300,
                        .memory_limit = mem_limit,
                        .misuse_limit = misuse_limit,
                        .on_event = on_event,
                        .stop = stop};
    nmx_run_result r;
    __atomic_store_n(&events_seen, 0, __ATOMIC_RELAXED);
    assert_int_equal(nmx_run_expert(&c, &r), NMX_OK);
    print_message("    %s: %s\n", mode, r.message);
    return r;
}

static void expect(const char *mode, nmx_run_outcome want, int sig)
{
    nmx_run_result r = run_mode(mode, iso, 5000, 0, 0, NULL);
    assert_int_equal(r.outcome, want);
    if (sig)
        assert_int_equal(r.signal, sig);
    assert_int_equal(r.events, 2); /* the events before the misbehaviour are kept */
    assert_int_equal(__atomic_load_n(&events_seen, __ATOMIC_RELAXED), 2);
    assert_non_null(strstr(r.message, "Misbehave"));
    nmx_heap_report_free(&r.memory);
}

static void t_completed_and_failed(void **s)
{
    (void)s;
    expect("ok", NMX_RUN_COMPLETED, 0);
    expect("false", NMX_RUN_FAILED, 0);
    expect("problem", NMX_RUN_FAILED, 0);
}

static void t_crashes_contained(void **s)
{
    (void)s;
    expect("segv", NMX_RUN_CRASHED, SIGSEGV);
    expect("abort", NMX_RUN_CRASHED, SIGABRT);
    expect("divzero", NMX_RUN_CRASHED, SIGFPE);
    expect("recurse", NMX_RUN_CRASHED, SIGSEGV); /* stack overflow, on the alt stack */
    /* and the host still runs experts normally afterwards */
    expect("ok", NMX_RUN_COMPLETED, 0);
    nmx_run_result r = run_mode("segv", iso, 5000, 0, 0, NULL);
    assert_non_null(strstr(r.message, "crashed with SIGSEGV after frame 0"));
    nmx_heap_report_free(&r.memory);
}

static void t_memory_released(void **s)
{
    (void)s;
    nmx_run_result r = run_mode("leak", iso, 5000, 0, 0, NULL);
    assert_int_equal(r.outcome, NMX_RUN_COMPLETED);
    assert_int_equal(r.memory.leaked_blocks, 5000);
    assert_true(r.memory.leaked_bytes > 0);
    nmx_heap_report_free(&r.memory);
    r = run_mode("quota", iso, 5000, 8u << 20, 0, NULL);
    assert_int_equal(r.outcome, NMX_RUN_MEMORY);
    assert_true(r.memory.leaked_bytes <= 8u << 20);
    assert_true(r.memory.leaked_blocks >= 7);
    nmx_heap_report_free(&r.memory);
    /* a limit that is not reached changes nothing */
    r = run_mode("ok", iso, 5000, 64u << 20, 0, NULL);
    assert_int_equal(r.outcome, NMX_RUN_COMPLETED);
    assert_int_equal(r.events, 2);
    nmx_heap_report_free(&r.memory);
    r = run_mode("threads", iso, 5000, 0, 0, NULL);
    assert_int_equal(r.outcome, NMX_RUN_COMPLETED);
    assert_int_equal(r.memory.leaked_blocks, 4000); /* the threads' blocks, released */
    nmx_heap_report_free(&r.memory);
}

static void t_misuse_is_an_error(void **s)
{
    (void)s;
    expect("doublefree", NMX_RUN_COMPLETED, 0);
    expect("stackfree", NMX_RUN_COMPLETED, 0);
    nmx_run_result r = run_mode("overrun", iso, 5000, 0, 0, NULL);
    assert_int_equal(r.outcome, NMX_RUN_COMPLETED);
    assert_int_equal(r.memory.misuse_total, 1);
    nmx_heap_report_free(&r.memory);
    /* a block of the Configure session, freed by Run */
    void *dl = dlopen(expert.path, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(dl);
    PEXPERTCONFIGPROC conf = (PEXPERTCONFIGPROC)(uintptr_t)dlsym(dl, "Configure");
    nmx_session_config sc = {.version = NMX_SESSION_CONFIG_VERSION, .capture = hcap};
    nmx_key ck;
    assert_int_equal(nmx_session_open(&sc, &ck), NMX_OK);
    PEXPERTCONFIG pc = NULL;
    EXPERTSTARTUPINFO si;
    ExpertGetStartupInfo(ck, &si);
    assert_true(conf(ck, &pc, &si, 0, NULL));
    expect("foreignfree", NMX_RUN_COMPLETED, 0);
    nmx_session_close(ck, NULL);
    dlclose(dl);
    /* repeated misuse: the host stops the expert */
    r = run_mode("misuse-storm", iso, 5000, 0, 100, NULL);
    assert_int_equal(r.outcome, NMX_RUN_TERMINATED);
    assert_true(r.memory.misuse_total >= 100);
    nmx_heap_report_free(&r.memory);
}

static void t_timeouts_and_stop(void **s)
{
    (void)s;
    nmx_run_result r = run_mode("loop-polite", iso, 200, 0, 0, NULL);
    assert_int_equal(r.outcome, NMX_RUN_TIMEOUT);
    assert_true(r.run_returned); /* it stopped when told to */
    nmx_heap_report_free(&r.memory);
    volatile int stop = 1;
    r = run_mode("loop-polite", iso, 0, 0, 0, &stop);
    assert_int_equal(r.outcome, NMX_RUN_TERMINATED);
    nmx_heap_report_free(&r.memory);
    /* never returns: abandoned after the grace period, host carries on */
    r = run_mode("ignore-terminate", iso, 200, 0, 0, NULL);
    assert_int_equal(r.outcome, NMX_RUN_TIMEOUT);
    assert_false(r.run_returned);
    nmx_heap_report_free(&r.memory);
    expect("ok", NMX_RUN_COMPLETED, 0);
}

static void t_exit_contained(void **s)
{
    (void)s;
    if (iso != NMX_ISOLATION_PROCESS) {
        print_message("SKIP: exit() ends the process in thread isolation (documented)\n");
        skip();
    }
    nmx_run_result r = run_mode("exit", iso, 5000, 0, 0, NULL);
    assert_int_equal(r.outcome, NMX_RUN_EXITED);
    assert_int_equal(r.exit_status, 3);
    assert_int_equal(r.events, 2);
    assert_non_null(strstr(r.message, "called exit(3)"));
    /* a hang that ignores termination is killed after the grace period */
    r = run_mode("loop", iso, 300, 0, 0, NULL);
    assert_int_equal(r.outcome, NMX_RUN_TIMEOUT);
    assert_false(r.run_returned);
    assert_int_equal(r.events, 2);
}

static void probe_reason(const char *file, const char *want)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", BROKEN_DIR, file);
    nmx_expert_info in;
    assert_int_not_equal(nmx_expert_probe(path, &in), NMX_OK);
    assert_false(in.usable);
    if (!strstr(in.reason, want))
        fail_msg("%s: reason '%s' does not say '%s'", file, in.reason, want);
}

struct bg_run {
    const char *mode;
    uint32_t timeout_ms;
    pthread_barrier_t *start;
    nmx_run_result r;
};

static void *bg_main(void *arg)
{
    struct bg_run *b = arg;
    pthread_barrier_wait(b->start);
    b->r = run_mode(b->mode, iso, b->timeout_ms, 0, 0, NULL);
    return NULL;
}

/* Runs started at the same moment by different threads end independently:
 * a child must not keep another child's pipes open (the other run would not
 * see end-of-file until this child ends). */
static void t_concurrent_runs_end_independently(void **s)
{
    (void)s;
    for (int round = 0; round < 3; round++) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, 4);
        struct bg_run runs[4] = {{"loop-polite", 3000, &start, {0}},
                                 {"loop-polite", 300, &start, {0}},
                                 {"loop-polite", 300, &start, {0}},
                                 {"loop-polite", 300, &start, {0}}};
        pthread_t t[4];
        for (int i = 0; i < 4; i++)
            assert_int_equal(pthread_create(&t[i], NULL, bg_main, &runs[i]), 0);
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&start);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(runs[i].r.outcome, NMX_RUN_TIMEOUT);
            if (i && runs[i].r.seconds > 2.0)
                fail_msg("a 0.3 s run took %.2f s: it waited for the 3 s one", runs[i].r.seconds);
            nmx_heap_report_free(&runs[i].r.memory);
        }
    }
}

static void t_broken_experts(void **s)
{
    (void)s;
    probe_reason("broken1.so", "missing entry point Run");
    probe_reason("broken2.so", "Register returned FALSE");
    probe_reason("broken3.so", "crashed in Register with SIGSEGV");
    probe_reason("broken4.so", "hung in Register");
    probe_reason("broken5.so", "crashed while loading (a constructor) with SIGSEGV");
    probe_reason("broken6.so", "configurable but exports no Configure");
    /* a shared object for another architecture: same file, ELF machine patched */
    char src[4096], dst[] = "/tmp/nmx-wrongarch-XXXXXX";
    snprintf(src, sizeof src, "%s/broken2.so", BROKEN_DIR);
    int fd = mkstemp(dst);
    assert_true(fd >= 0);
    FILE *in = fopen(src, "rb");
    assert_non_null(in);
    char buf[65536];
    size_t n;
    bool first = true;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (first) {
            buf[18] = (char)0xB7; /* e_machine = EM_AARCH64 (183) */
            buf[19] = 0;
            first = false;
        }
        assert_int_equal(write(fd, buf, n), (ssize_t)n);
    }
    fclose(in);
    close(fd);
    nmx_expert_info w;
    assert_int_not_equal(nmx_expert_probe(dst, &w), NMX_OK);
    unlink(dst);
    assert_non_null(strstr(w.reason, "wrong architecture"));
    /* and the host is still fine */
    expect("ok", NMX_RUN_COMPLETED, 0);
}

static void t_unusable(void **s)
{
    (void)s;
    nmx_expert_info bad;
    assert_int_not_equal(nmx_expert_probe("/etc/passwd", &bad), NMX_OK);
    assert_false(bad.usable);
    assert_string_equal(bad.reason, "not an ELF file");
    nmx_run_config c = {.version = NMX_RUN_CONFIG_VERSION, .expert = &bad, .capture = hcap};
    nmx_run_result r;
    assert_int_equal(nmx_run_expert(&c, &r), NMX_OK);
    assert_int_equal(r.outcome, NMX_RUN_LOAD_FAILED);
    assert_non_null(strstr(r.message, "not an ELF file"));
}

/* The host's log function runs in the host's process only: an expert's
 * process writes its log lines to its stderr, which the host logs (the
 * function may take locks another host thread held when the process was
 * forked). */
static pid_t g_main_pid;
static int g_log_lines;

static void test_log(const char *line, void *ud)
{
    (void)ud;
    if (getpid() != g_main_pid)
        abort(); /* called in the expert's process: the run crashes */
    if (strstr(line, "misbehave: a line for the host's log"))
        __atomic_add_fetch(&g_log_lines, 1, __ATOMIC_RELAXED);
}

static void t_log_fn_in_host_only(void **s)
{
    (void)s;
    g_main_pid = getpid();
    __atomic_store_n(&g_log_lines, 0, __ATOMIC_RELAXED);
    unsetenv("NMX_QUIET");
    nmx_set_log_fn(test_log, NULL);
    nmx_run_result r = run_mode("stderr", iso, 5000, 0, 0, NULL);
    nmx_set_log_fn(NULL, NULL);
    setenv("NMX_QUIET", "1", 1);
    assert_int_equal(r.outcome, NMX_RUN_COMPLETED);
    /* In its own process the expert's stderr is a pipe the host copies into
     * its log; in a thread it is the host's own stderr. */
    assert_int_equal(__atomic_load_n(&g_log_lines, __ATOMIC_RELAXED),
                     iso == NMX_ISOLATION_PROCESS ? 1 : 0);
    nmx_heap_report_free(&r.memory);
}

int main(int argc, char **argv)
{
    setenv("NMX_QUIET", "1", 1);
    setenv("NMEXPERT_PROBE_TIMEOUT_MS", "1500", 0); /* the hanging Register */
    bool process = argc > 1 && strcmp(argv[1], "process") == 0;
    iso = process ? NMX_ISOLATION_PROCESS : NMX_ISOLATION_THREAD;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_completed_and_failed), cmocka_unit_test(t_crashes_contained),
        cmocka_unit_test(t_memory_released),      cmocka_unit_test(t_misuse_is_an_error),
        cmocka_unit_test(t_unusable),             cmocka_unit_test(t_broken_experts),
        cmocka_unit_test(t_exit_contained),
        cmocka_unit_test(t_concurrent_runs_end_independently),
        cmocka_unit_test(t_timeouts_and_stop),
        cmocka_unit_test(t_log_fn_in_host_only),
    };
    return cmocka_run_group_tests_name(process ? "run (process isolation)"
                                               : "run (thread isolation)",
                                       tests, setup, teardown);
}
