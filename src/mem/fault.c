/* Allocation fault injection (a test hook, as SQLite's test_malloc): fail
 * the nth allocation from now, optionally every one after it. */
#include "mem/internal.h"

atomic_bool nmx__fault_armed;
static _Atomic uint64_t countdown;
static atomic_bool repeat_after;
static _Atomic uint64_t injected;

void nmx_mem_fault_inject(uint64_t n, bool repeat)
{
    atomic_store(&nmx__fault_armed, false);
    atomic_store(&injected, 0);
    atomic_store(&countdown, n);
    atomic_store(&repeat_after, repeat);
    if (n)
        atomic_store(&nmx__fault_armed, true);
}

uint64_t nmx_mem_fault_count(void)
{
    return atomic_load(&injected);
}

bool nmx__fault_hit(void)
{
    uint64_t left = atomic_load(&countdown);
    while (left > 1) {
        if (atomic_compare_exchange_weak(&countdown, &left, left - 1))
            return false;
    }
    /* left is 1 (this one fails) or 0 (already fired) */
    if (left == 1) {
        atomic_store(&countdown, 0);
        atomic_fetch_add(&injected, 1);
        if (!atomic_load(&repeat_after))
            atomic_store(&nmx__fault_armed, false);
        return true;
    }
    if (atomic_load(&repeat_after)) {
        atomic_fetch_add(&injected, 1);
        return true;
    }
    return false;
}
