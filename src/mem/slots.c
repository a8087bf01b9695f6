/*
 * Heap slots and tokens.
 *
 * Heap objects live in a slot table and are never freed: an ended heap's
 * slot is reused by a later heap with a new generation. A token encodes
 * (slot, generation) through a keyed bijection, so that a token is not
 * guessable from another, and a token of an ended heap never matches again.
 * Because the object behind a slot stays valid memory forever, a thread that
 * races with the end of a heap locks a live mutex and finds the generation
 * changed, instead of touching freed memory.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "mem/heap.h"

_Atomic(nmx_heap *) nmx__slot_tab[MAX_SLOTS];
static uint32_t nslots = 1; /* slot 0 is never used: owner 0 means "none" */
static nmx_heap *free_list;
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

struct nmx__token_keys nmx__tkeys;
atomic_bool nmx__tkeys_ready;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static uint64_t inverse_odd(uint64_t a)
{
    uint64_t x = a; /* Newton iteration: 5 steps reach 64 bits */
    for (int i = 0; i < 5; i++)
        x *= 2 - a * x;
    return x;
}

static void key_init(void)
{
    uint64_t r[2] = {0, 0};
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec, sec = (uint64_t)ts.tv_sec;
        uint64_t pid = (uint64_t)(uint32_t)getpid(), addr = (uint64_t)(uintptr_t)&r;
        r[0] = (ns * UINT64_C(0x9E3779B97F4A7C15)) ^ pid;
        r[1] = (sec * UINT64_C(0xC2B2AE3D27D4EB4F)) ^ addr;
    }
    nmx__tkeys.secret = r[0];
    nmx__tkeys.mul = r[1] | 1u;
    nmx__tkeys.mul_inv = inverse_odd(nmx__tkeys.mul);
    atomic_store_explicit(&nmx__tkeys_ready, true, memory_order_release);
}

uint64_t nmx__token_encode(uint32_t slot, uint64_t gen)
{
    pthread_once(&key_once, key_init);
    uint64_t x = ((gen << SLOT_BITS) | slot) ^ nmx__tkeys.secret;
    x ^= x >> 29;
    x *= nmx__tkeys.mul;
    x ^= x >> 32;
    return x;
}

bool nmx__token_decode_slow(uint64_t key, uint32_t *slot, uint64_t *gen)
{
    pthread_once(&key_once, key_init);
    return nmx__token_decode(key, slot, gen);
}

nmx_heap *nmx__slot_new(void)
{
    pthread_mutex_lock(&slot_lock);
    nmx_heap *h = free_list;
    if (h) {
        free_list = h->next_free;
        h->next_free = NULL;
    } else if (nslots < MAX_SLOTS) {
        h = calloc(1, sizeof *h);
        if (h) {
            h->slot = nslots;
            atomic_store(&nmx__slot_tab[nslots], h);
            nslots++;
        }
    }
    if (h)
        h->gen = (h->gen + 1) & ((1ull << (64 - SLOT_BITS)) - 1);
    if (h && h->gen == 0)
        h->gen = 1;
    pthread_mutex_unlock(&slot_lock);
    return h;
}

void nmx__slot_free(nmx_heap *h)
{
    pthread_mutex_lock(&slot_lock);
    h->next_free = free_list;
    free_list = h;
    pthread_mutex_unlock(&slot_lock);
}

