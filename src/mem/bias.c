/*
 * Heaps biased to one thread: the thread that uses a heap most takes it
 * without an atomic read-modify-write (see bias.h for the protocol). This
 * file keeps the per-thread records and the process-wide barrier.
 *
 * The barrier is membarrier(2) with MEMBARRIER_CMD_PRIVATE_EXPEDITED: every
 * thread of the process that is running executes a full memory barrier
 * before the call returns (threads that are not running pass through one
 * when they are scheduled). It exists since Linux 4.14; where it is missing
 * or refused (a seccomp filter, a sanitizer or tool that does not pass it
 * on), biasing is off and every call takes the heap lock.
 */
#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mem/bias.h"
#include "mem/lock.h"

atomic_bool nmx__bias_on;
__thread struct nmx__trec *nmx__tl_rec __attribute__((tls_model("initial-exec")));

static pthread_once_t bias_once = PTHREAD_ONCE_INIT;
static pthread_key_t rec_key;
static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nmx__trec *rec_free;

/* A thread's record goes back to the pool when the thread exits. Records
 * are never freed: a heap may name one as its owner for ever, and reading
 * it must stay safe. A thread that takes over a record takes over the
 * biases with it, which is right: the record's old thread is gone. */
static void rec_release(void *p)
{
    struct nmx__trec *r = p;
    atomic_store_explicit(&r->inside, NULL, memory_order_release);
    atomic_store_explicit(&r->inside_obj, NULL, memory_order_release);
    pthread_mutex_lock(&rec_lock);
    r->next_free = rec_free;
    rec_free = r;
    pthread_mutex_unlock(&rec_lock);
    nmx__tl_rec = NULL;
}

/* A fork while another thread holds rec_lock must not leave it held in
 * the child. */
static void rec_prepare(void)
{
    pthread_mutex_lock(&rec_lock);
}

static void rec_after(void)
{
    pthread_mutex_unlock(&rec_lock);
}

static void bias_init(void)
{
    pthread_atfork(rec_prepare, rec_after, rec_after);
    const char *e = getenv("NMX_MEM_BIAS");
    if (e && strcmp(e, "0") == 0)
        return;
    if (pthread_key_create(&rec_key, rec_release) != 0)
        return;
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0)
        return;
    atomic_store_explicit(&nmx__bias_on, true, memory_order_release);
}

void nmx__bias_init(void)
{
    pthread_once(&bias_once, bias_init);
}

/* Registration while the process has one thread costs a store and a
 * barrier; with several threads the kernel waits for an RCU grace period
 * first (kernel/sched/membarrier.c, sync_runqueues_membarrier_state):
 * milliseconds. When the library is loaded the process usually has one
 * thread still, so it registers then rather than when the first heap is
 * made (often in a worker thread). The registration is inherited by fork
 * and dropped by exec. */
__attribute__((constructor)) static void bias_init_early(void)
{
    nmx__bias_init();
}

struct nmx__trec *nmx__trec_get(void)
{
    if (nmx__tl_rec || !atomic_load_explicit(&nmx__bias_on, memory_order_acquire))
        return nmx__tl_rec;
    pthread_mutex_lock(&rec_lock);
    struct nmx__trec *r = rec_free;
    if (r)
        rec_free = r->next_free;
    pthread_mutex_unlock(&rec_lock);
    if (!r && !(r = calloc(1, sizeof *r)))
        return NULL;
    r->next_free = NULL;
    if (pthread_setspecific(rec_key, r) != 0) {
        pthread_mutex_lock(&rec_lock);
        r->next_free = rec_free;
        rec_free = r;
        pthread_mutex_unlock(&rec_lock);
        return NULL;
    }
    nmx__tl_rec = r;
    return r;
}

bool nmx__barrier_all(void)
{
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
        return true;
    /* Refused after it was registered (a filter installed since): no new
     * biases from now on; the caller waits the slow way this once. */
    atomic_store_explicit(&nmx__bias_on, false, memory_order_relaxed);
    return false;
}

void nmx__bias_wait_out(struct nmx__trec *o, const void *obj)
{
    bool fenced = nmx__barrier_all();
    for (unsigned i = 0;; i++) {
        if (atomic_load_explicit(&o->inside_obj, memory_order_acquire) != obj) {
            if (fenced)
                return;
            /* as in the heaps' revocation (heap.c): without the barrier,
             * the owner's mark is given a millisecond and a reschedule */
            usleep(1000);
            if (atomic_load_explicit(&o->inside_obj, memory_order_acquire) != obj)
                return;
        }
        if (i < 64)
            nmx_cpu_relax();
        else
            sched_yield();
    }
}
