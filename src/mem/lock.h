/*
 * A small futex lock for heaps: uncontended acquire is one compare-exchange,
 * release one atomic decrement, both inlined. Contended waiters spin briefly
 * and then sleep in the kernel (states: 0 free, 1 held, 2 held + waiters).
 */
#ifndef NMX_MEM_LOCK_H
#define NMX_MEM_LOCK_H

#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline void nmx_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

typedef struct nmx_lock {
    _Atomic uint32_t v;
} nmx_lock;

static inline void nmx_lock_slow(nmx_lock *l)
{
    for (int i = 0; i < 100; i++) {
        uint32_t c = 0;
        if (atomic_load_explicit(&l->v, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(&l->v, &c, 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return;
        nmx_cpu_relax();
    }
    while (atomic_exchange_explicit(&l->v, 2, memory_order_acquire) != 0)
        syscall(SYS_futex, &l->v, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
}

static inline void nmx_lock_acquire(nmx_lock *l)
{
    uint32_t c = 0;
    if (__builtin_expect(atomic_compare_exchange_strong_explicit(
                             &l->v, &c, 1, memory_order_acquire, memory_order_relaxed),
                         1))
        return;
    nmx_lock_slow(l);
}

static inline void nmx_lock_release(nmx_lock *l)
{
    if (__builtin_expect(atomic_fetch_sub_explicit(&l->v, 1, memory_order_release) != 1, 0)) {
        atomic_store_explicit(&l->v, 0, memory_order_release);
        syscall(SYS_futex, &l->v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
}

/*
 * A spin lock for tiny critical sections (a few stores, or a callback that
 * must be serialized): acquire is one compare-exchange, release one plain
 * store. A waiter spins briefly, then yields the processor, so that a holder
 * that was preempted gets to run.
 */
typedef struct nmx_spin {
    _Atomic uint32_t v;
} nmx_spin;

static inline void nmx_spin_slow(nmx_spin *l)
{
    for (unsigned i = 0;; i++) {
        uint32_t c = 0;
        if (atomic_load_explicit(&l->v, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(&l->v, &c, 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return;
        if (i < 64)
            nmx_cpu_relax();
        else
            sched_yield();
    }
}

static inline void nmx_spin_acquire(nmx_spin *l)
{
    uint32_t c = 0;
    if (__builtin_expect(atomic_compare_exchange_strong_explicit(
                             &l->v, &c, 1, memory_order_acquire, memory_order_relaxed),
                         1))
        return;
    nmx_spin_slow(l);
}

static inline void nmx_spin_release(nmx_spin *l)
{
    atomic_store_explicit(&l->v, 0, memory_order_release);
}

#endif
