/* The fork gate: children are forked only while every other thread that
 * runs experts waits (docs/sandbox.md, "Forking from a threaded host").
 *
 * A fork copies every lock of the process as it is at that instant, held
 * or not, into a child that has only the forking thread. glibc's malloc
 * takes its own locks around fork(), but not every allocator does: the
 * sanitizers' allocators (the test builds) and some third-party ones keep
 * per-size-class locks that a thread allocating at that instant holds, and
 * the child then blocks forever on its first allocation of that size. Each
 * thread that runs experts is therefore "busy" (a read lock on the gate)
 * except while it waits for a child or an expert thread, and fork() takes
 * the gate for writing: it happens when the others wait, never while they
 * allocate. The lock prefers writers, so that a fork is not held off by
 * threads that keep re-entering. */
#include <pthread.h>
#include <unistd.h>

#include "host/host.h"
#include "nmexpert/run.h"

static pthread_rwlock_t gate;
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;
static _Thread_local unsigned depth;   /* this thread's enter calls, nested */
static _Thread_local unsigned parked;  /* ... while parked: the depth to restore */

static void gate_init(void)
{
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&gate, &a);
    pthread_rwlockattr_destroy(&a);
}

void nmx__gate_enter(void)
{
    pthread_once(&gate_once, gate_init);
    if (depth++ == 0 && parked == 0)
        pthread_rwlock_rdlock(&gate);
}

void nmx__gate_leave(void)
{
    if (depth == 0)
        return;
    if (--depth == 0 && parked == 0)
        pthread_rwlock_unlock(&gate);
}

void nmx__gate_park(void)
{
    if (depth == 0 || parked)
        return;
    parked = depth;
    pthread_rwlock_unlock(&gate);
}

void nmx__gate_unpark(void)
{
    if (!parked)
        return;
    parked = 0;
    pthread_rwlock_rdlock(&gate);
}

pid_t nmx__gate_fork(void)
{
    pthread_once(&gate_once, gate_init);
    /* This thread's own read lock would hold off its write lock. */
    unsigned mine = depth && !parked;
    if (mine)
        pthread_rwlock_unlock(&gate);
    pthread_rwlock_wrlock(&gate);
    pid_t pid = fork();
    if (pid == 0) {
        /* The only thread: a fresh gate (the copy is write-locked, and a
         * child that forks again, or runs experts, starts from nothing). */
        gate_init();
        depth = 0;
        parked = 0;
        return 0;
    }
    pthread_rwlock_unlock(&gate);
    if (mine)
        pthread_rwlock_rdlock(&gate);
    return pid;
}

void nmx_run_thread_enter(void) { nmx__gate_enter(); }
void nmx_run_thread_leave(void) { nmx__gate_leave(); }
