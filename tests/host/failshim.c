/*
 * failshim: an LD_PRELOAD library that makes one call of the main program
 * fail, to test its error paths. Only calls made from the program itself
 * (not from the libraries it uses) are counted:
 *   NMX_FAILSHIM_CALLOC=N    the Nth calloc returns NULL (errno ENOMEM)
 *   NMX_FAILSHIM_THREAD=N    the Nth pthread_create returns EAGAIN
 *   NMX_FAILSHIM_THREAD=N+   the Nth and every later one returns EAGAIN
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uintptr_t prog_lo, prog_hi;

static int find_prog(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (!prog_lo || lo < prog_lo)
            prog_lo = lo;
        if (hi > prog_hi)
            prog_hi = hi;
    }
    return 1; /* the first object is the program */
}

static int from_prog(void *ret)
{
    if (!prog_hi)
        dl_iterate_phdr(find_prog, NULL);
    return (uintptr_t)ret >= prog_lo && (uintptr_t)ret < prog_hi;
}

static long env_n(const char *name, int *and_later)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (and_later)
        *and_later = *end == '+';
    return n;
}

/* dlsym may itself call calloc: the first few bytes come from here. */
static _Alignas(16) unsigned char boot[4096];
static size_t boot_used;
static atomic_long calloc_calls, thread_calls;

__attribute__((visibility("default"))) void *calloc(size_t n, size_t size)
{
    static void *(*real)(size_t, size_t);
    static int resolving;
    void *ret = __builtin_return_address(0);
    if (!real) {
        if (resolving) {
            size_t need = (n * size + 15) & ~(size_t)15;
            if (need > sizeof boot - boot_used)
                return NULL;
            void *p = boot + boot_used;
            boot_used += need;
            return p; /* static storage: already zero */
        }
        resolving = 1;
        real = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
        resolving = 0;
    }
    if (from_prog(ret)) {
        long want = env_n("NMX_FAILSHIM_CALLOC", NULL);
        if (want && atomic_fetch_add(&calloc_calls, 1) + 1 == want) {
            errno = ENOMEM;
            return NULL;
        }
    }
    return real(n, size);
}

__attribute__((visibility("default"))) int pthread_create(pthread_t *t, const pthread_attr_t *a,
                                                     void *(*fn)(void *), void *arg)
{
    static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    if (!real)
        real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))
            dlsym(RTLD_NEXT, "pthread_create");
    if (from_prog(__builtin_return_address(0))) {
        int later = 0;
        long want = env_n("NMX_FAILSHIM_THREAD", &later);
        long k = atomic_fetch_add(&thread_calls, 1) + 1;
        if (want && (k == want || (later && k > want)))
            return EAGAIN;
    }
    return real(t, a, fn, arg);
}
