/*
 * Biased heap locks (the protocol; the code is in heap.c and bias.c).
 *
 * An expert's heap is used by one thread nearly always. That thread, the
 * heap's owner, enters a block/size call without an atomic read-modify-
 * write: it marks itself inside the heap in its own record (a plain store),
 * then reads the heap's bias_off flag; if it is clear, the call goes on
 * without the lock. Any other thread, or any operation that is not a block
 * or size call, takes the heap lock, and if the bias is on, sets bias_off,
 * runs the process-wide barrier and waits until the owner is not inside.
 *
 * Why this excludes: with the barrier, either the owner's read of bias_off
 * comes after it in the owner's order (it sees bias_off set and takes the
 * lock), or its store "inside" comes before it and is then visible to the
 * waiter (who waits). This is the asymmetric form of Dekker's handshake:
 * the rare side pays for the barrier, the common side pays nothing.
 *
 * After a revocation the owner takes the lock like anyone. A thread that
 * takes the lock `rebias_after` times in a row (doubled at every revocation,
 * so that heaps shared back and forth stop being biased) becomes the owner:
 * under the lock, with the bias off and no owner inside, it names itself
 * and clears bias_off (release).
 */
#ifndef NMX_MEM_BIAS_H
#define NMX_MEM_BIAS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct nmx_heap;

/* One per thread that has taken a heap lock; never freed (see bias.c). */
struct nmx__trec {
    _Atomic(struct nmx_heap *) inside; /* the heap this thread is in, biased */
    /* The same mark for another object biased by this protocol: the host's
     * session this thread is in without the session's lock (host/session.c). */
    _Atomic(void *) inside_obj;
    struct nmx__trec *next_free;
};

extern atomic_bool nmx__bias_on;
extern __thread struct nmx__trec *nmx__tl_rec __attribute__((tls_model("initial-exec")));

void nmx__bias_init(void);
/* This thread's record, made on first use; NULL when biasing is off. */
struct nmx__trec *nmx__trec_get(void);
/* The process-wide barrier; false if the system refused it (biasing is then
 * turned off for new biases). */
bool nmx__barrier_all(void);
/* The revoker's side for an object other than a heap: with the object's
 * lock held and its bias_off flag just set (seq_cst) for the owner `o`, runs
 * the barrier and returns once `o` is not inside `obj`. */
void nmx__bias_wait_out(struct nmx__trec *o, const void *obj);

#endif
