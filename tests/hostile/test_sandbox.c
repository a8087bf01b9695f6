/*
 * The sandbox's entry, called directly in forked children (the hostile
 * expert tests it end to end; these are the cases a well-formed run cannot
 * reach): files that are not regular files, a child the host already put in
 * a process group of its own, the verdict naming a refused call, the trap
 * that cannot be escaped from another thread, and death with the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/sandbox.h"
#include "nmx_test.h"

#ifndef HOSTILE_SO
#error HOSTILE_SO must name the hostile test expert
#endif

/* Forks a child that enters the sandbox for `path` and then runs `then`
 * (if entering worked) or writes the reason to the pipe. Returns the wait
 * status; the reason (or "") in why. */
static int in_child(const char *path, bool own_group, void (*then)(void), char *why, size_t n,
                    struct nmx__sandbox_trap *trap)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid_t host = getpid();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        if (own_group)
            setpgid(0, 0);
        char msg[512];
        struct nmx__sandbox sb = {.expert_path = path, .host = host, .chan = p[1], .out = -1,
                                  .err = -1, .trap = trap};
        if (nmx__sandbox_enter(&sb, msg, sizeof msg) < 0) {
            (void)!write(NMX_SANDBOX_CHAN_FD, msg, strlen(msg));
            _exit(3);
        }
        if (then)
            then();
        _exit(0);
    }
    close(p[1]);
    size_t got = 0;
    for (;;) {
        ssize_t r = read(p[0], why + got, n - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    why[got] = 0;
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return st;
}

static void test_fifo_refused_without_blocking(void **s)
{
    (void)s;
    char dir[] = "/tmp/nmx-sandbox-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/x.so", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char why[512];
    alarm(20); /* a blocking open would hang here */
    int st = in_child(fifo, false, NULL, why, sizeof why, NULL);
    alarm(0);
    unlink(fifo);
    rmdir(dir);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    assert_non_null(strstr(why, "is not a regular file"));
}

static void test_missing_file_named(void **s)
{
    (void)s;
    char why[512];
    int st = in_child("/nonexistent/x.so", false, NULL, why, sizeof why, NULL);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    assert_non_null(strstr(why, "/nonexistent/x.so"));
    assert_non_null(strstr(why, "No such file"));
}

static void check_alone(void)
{
    /* leader of its session and group, no terminal */
    if (getpgrp() != getpid())
        _exit(10);
    if (open("/dev/tty", O_RDONLY | O_NOCTTY) >= 0)
        _exit(11);
    if (fcntl(5, F_GETFD) >= 0)
        _exit(12);
}

static void test_enters_when_host_made_the_group(void **s)
{
    (void)s;
    char why[512];
    int st = in_child(HOSTILE_SO, false, check_alone, why, sizeof why, NULL);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    /* setsid refuses a group leader: the sandbox must still hold */
    st = in_child(HOSTILE_SO, true, check_alone, why, sizeof why, NULL);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
        fail_msg("%s", why);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void open_socket(void)
{
    socket(AF_INET, SOCK_STREAM, 0);
}

static void test_verdict_names_the_call(void **s)
{
    (void)s;
    struct nmx__sandbox_trap *t = nmx__sandbox_trap_new();
    assert_non_null(t);
    char why[512], v[200];
    int st = in_child(HOSTILE_SO, false, open_socket, why, sizeof why, t);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGSYS);
    assert_true(nmx__sandbox_verdict(t, st, v, sizeof v));
    assert_non_null(strstr(v, "killed by the sandbox (SIGSYS): forbidden system call "));
    assert_non_null(strstr(v, " (socket)"));
    nmx__sandbox_trap_free(t);
    /* no verdict for an ordinary end */
    assert_false(nmx__sandbox_verdict(NULL, 0, v, sizeof v));
}

static void *thread_kills_parent(void *arg)
{
    (void)arg;
    kill(getppid(), SIGKILL);
    return NULL;
}

static void from_thread(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, thread_kills_parent, NULL) != 0)
        _exit(20);
    pthread_join(t, NULL);
    _exit(21);
}

static void test_threads_share_the_filter(void **s)
{
    (void)s;
    struct nmx__sandbox_trap *t = nmx__sandbox_trap_new();
    char why[512], v[200];
    int st = in_child(HOSTILE_SO, false, from_thread, why, sizeof why, t);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGSYS);
    assert_true(nmx__sandbox_verdict(t, st, v, sizeof v));
    assert_non_null(strstr(v, "(kill)"));
    nmx__sandbox_trap_free(t);
}

/* The host dies: the sandboxed child must die with it (PR_SET_PDEATHSIG,
 * which the uid switch as root would have cleared had it been set first). */
static void test_dies_with_the_host(void **s)
{
    (void)s;
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t h = fork();
    assert_true(h >= 0);
    if (h == 0) { /* the host */
        close(p[0]);
        int q[2];
        if (pipe(q) != 0)
            _exit(2);
        pid_t self = getpid();
        pid_t c = fork();
        if (c == 0) { /* its child */
            close(q[0]);
            char msg[512];
            struct nmx__sandbox sb = {.expert_path = HOSTILE_SO, .host = self, .chan = q[1],
                                      .out = -1, .err = -1, .trap = NULL};
            if (nmx__sandbox_enter(&sb, msg, sizeof msg) < 0)
                _exit(3);
            pid_t me = getpid();
            (void)!write(NMX_SANDBOX_CHAN_FD, &me, sizeof me);
            for (;;)
                pause();
        }
        close(q[1]);
        pid_t got = 0;
        if (read(q[0], &got, sizeof got) != (ssize_t)sizeof got)
            got = -1;
        (void)!write(p[1], &got, sizeof got);
        for (;;)
            pause();
    }
    close(p[1]);
    pid_t c = 0;
    ssize_t n = read(p[0], &c, sizeof c);
    close(p[0]);
    kill(h, SIGKILL); /* before any assertion: nothing left behind */
    int st;
    assert_int_equal(waitpid(h, &st, 0), h);
    assert_int_equal(n, (ssize_t)sizeof c);
    assert_true(c > 0);
    /* the child, reparented to this process (the subreaper), must end */
    pid_t r = 0;
    for (int i = 0; i < 500 && r == 0; i++) {
        r = waitpid(c, &st, WNOHANG);
        if (r == 0)
            usleep(10000);
    }
    if (r == 0) {
        kill(c, SIGKILL);
        waitpid(c, &st, 0);
        fail_msg("the sandboxed child outlived its host");
    }
    assert_int_equal(r, c);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGKILL);
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

int main(void)
{
    /* NMX_TEST_SANDBOX_PREPARED=1: the children install the program the
     * host compiled once (as every sandboxed child of nmexpert does);
     * otherwise each child compiles and loads its own. */
    const char *prep = getenv("NMX_TEST_SANDBOX_PREPARED");
    if (prep && strcmp(prep, "1") == 0)
        nmx__sandbox_prepare();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_refused_without_blocking),
        cmocka_unit_test(test_missing_file_named),
        cmocka_unit_test(test_enters_when_host_made_the_group),
        cmocka_unit_test(test_verdict_names_the_call),
        cmocka_unit_test(test_threads_share_the_filter),
        cmocka_unit_test(test_dies_with_the_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
