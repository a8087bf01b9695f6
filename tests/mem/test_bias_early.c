/*
 * The process registers for membarrier(2) when the library is loaded, while
 * it has one thread: registering later, from a worker thread with others
 * alive, makes the kernel wait for an RCU grace period first (milliseconds:
 * `nmexpert run --isolation=thread` on a small capture once spent most of
 * its time there). MEMBARRIER_CMD_PRIVATE_EXPEDITED fails with EPERM in a
 * process that has not registered, so main() tries it before anything else.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nmx_test.h"
#include "nmexpert/mem.h"

static long at_start_rc;
static int at_start_errno;
static long supported; /* MEMBARRIER_CMD_QUERY, or -1 */

static void t_registered_before_main(void **state)
{
    (void)state;
    const char *e = getenv("NMX_MEM_BIAS");
    if (e && strcmp(e, "0") == 0)
        skip(); /* biasing off: no registration wanted */
    if (supported < 0 || !(supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
        skip(); /* kernel (or tool) without it */
    if (at_start_rc != 0)
        fail_msg("the barrier at the start of main failed (%s): not registered at load",
                 strerror(at_start_errno));
}

/* A heap made and used in a second thread, as a worker does. */
static void *in_thread(void *arg)
{
    (void)arg;
    nmx_heap_config c = {.version = NMX_HEAP_CONFIG_VERSION, .name = "early"};
    nmx_heap *h = NULL;
    if (nmx_heap_create(&c, &h) != NMX_OK)
        return (void *)1;
    void *p = nmx_heap_alloc(h, 100, NULL);
    if (!p)
        return (void *)2;
    nmx_heap_free(h, p);
    return nmx_heap_destroy(h, NULL) == NMX_OK ? NULL : (void *)3;
}

static void t_heap_in_worker(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, in_thread, NULL), 0);
    void *r = (void *)-1;
    pthread_join(t, &r);
    assert_null(r);
}

int main(void)
{
    at_start_rc = syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
    at_start_errno = errno;
    supported = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_registered_before_main),
        cmocka_unit_test(t_heap_in_worker),
    };
    return cmocka_run_group_tests_name("membarrier registration", tests, NULL, NULL);
}
