/*
 * Sessions entered without their lock by the thread that calls most
 * (src/host/session.c): a session ended or terminated from another thread
 * while an expert thread calls ExpertGetFrame in a loop. The end waits for
 * the call inside; every call that starts after the end returns fails with
 * NMERR_INVALID_EXPERT_HANDLE.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "host/host.h"
#include "mem/bias.h"
#include "netmon.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/session.h"
#include "nmx_test.h"

#define NFRAMES 64u

static uint8_t *make_capture(size_t *len)
{
    nmx_writer *w;
    assert_int_equal(nmx_writer_open_memory(NMX_WRITE_PCAP_US, 1, 0, &w, NULL), NMX_OK);
    for (uint32_t i = 0; i < NFRAMES; i++) {
        uint8_t b[60];
        memset(b, 0, sizeof b);
        memcpy(b, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00\x45", 15);
        b[14 + 3] = 46;
        b[14 + 9] = 17;
        b[14 + 5] = (uint8_t)i;
        nmx_frame f;
        memset(&f, 0, sizeof f);
        f.caplen = f.wirelen = sizeof b;
        f.data = b;
        f.linktype = 1;
        f.ts_ns = INT64_C(1700000000000000000) + (int64_t)i * 1000;
        assert_int_equal(nmx_writer_add(w, &f), NMX_OK);
    }
    uint8_t *buf;
    assert_int_equal(nmx_writer_close_memory(w, &buf, len, NULL), NMX_OK);
    return buf;
}

struct shared {
    nmx_key key;
    nmx_event_fn on_event;
    /* set by the expert thread */
    atomic_uint calls;         /* successful ExpertGetFrame calls            */
    atomic_bool in_callback;   /* inside ExpertSubmitEvent's on_event         */
    atomic_bool callback_done; /* on_event returned                           */
    atomic_uint slipped;       /* calls that started after the end and passed */
    atomic_uint last_err;
    /* set by the ending thread */
    atomic_bool ended;         /* nmx_session_close has returned              */
    atomic_bool block_event;   /* the next event blocks in on_event           */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void slow_event(const nmx_event *e, void *ud)
{
    (void)e;
    struct shared *sh = ud;
    if (!atomic_load(&sh->block_event))
        return;
    atomic_store(&sh->in_callback, true);
    sleep_ms(100); /* the end, started meanwhile, must wait for this call */
    atomic_store(&sh->callback_done, true);
}

/* The expert's loop: forward scans with the parsers attached (the call uses
 * the session's dissector, which the end frees), an event now and then.
 * Ends at the first error other than the end of a scan. */
static void *expert_thread(void *arg)
{
    struct shared *sh = arg;
    EXPERTFRAMEDESCRIPTOR d;
    DWORD n = INVALID_FRAME_NUMBER;
    for (unsigned i = 0;; i++) {
        bool after_end = atomic_load(&sh->ended);
        DWORD rc = ExpertGetFrame(sh->key, GET_FRAME_NEXT_FORWARD, FLAGS_ATTACH_PROPERTIES, n,
                                  NULL, &d);
        if (rc == NMERR_SUCCESS) {
            if (after_end && atomic_fetch_add(&sh->slipped, 1) == 100) {
                atomic_store(&sh->last_err, 0x5119);
                return NULL;
            }
            if (d.FrameNumber != (n == INVALID_FRAME_NUMBER ? 0 : n + 1) ||
                !d.lpPropertyTable || !d.pFrame || d.pFrame->nBytesAvail != 60)
                atomic_store(&sh->last_err, 0xdead);
            n = d.FrameNumber;
            atomic_fetch_add(&sh->calls, 1);
        } else if (rc == NMERR_FRAME_NOT_FOUND) {
            n = INVALID_FRAME_NUMBER;
        } else {
            atomic_store(&sh->last_err, rc);
            /* every later call fails too */
            if (ExpertGetFrame(sh->key, GET_FRAME_NEXT_FORWARD, 0, INVALID_FRAME_NUMBER, NULL,
                               &d) != rc)
                atomic_store(&sh->last_err, 0xbad);
            return NULL;
        }
        if (atomic_load(&sh->block_event) && !atomic_load(&sh->in_callback)) {
            NMEVENTDATA ev;
            memset(&ev, 0, sizeof ev);
            ev.Version = 1;
            static char name[] = "bias";
            ev.szEventName = name;
            ExpertSubmitEvent(sh->key, &ev);
        }
        if (i % 64 == 63)
            sched_yield();
    }
}

struct fixture {
    uint8_t *buf;
    size_t len;
    nmx_capture *cap;
    HCAPTURE hcap;
};

static void fx_open(struct fixture *fx)
{
    fx->buf = make_capture(&fx->len);
    assert_int_equal(nmx_capture_open_memory(fx->buf, fx->len, "generated", 0, &fx->cap, NULL),
                     NMX_OK);
    assert_int_equal(nmx_hcapture_wrap(fx->cap, true, &fx->hcap), NMX_OK);
}

static void fx_close(struct fixture *fx)
{
    nmx_hcapture_close(fx->hcap);
    free(fx->buf);
}

static void session_open(struct fixture *fx, struct shared *sh)
{
    nmx_session_config c = {.version = NMX_SESSION_CONFIG_VERSION, .name = "bias",
                            .capture = fx->hcap, .focus_frame = INVALID_FRAME_NUMBER,
                            .on_event = slow_event, .event_ud = sh};
    assert_int_equal(nmx_session_open(&c, &sh->key), NMX_OK);
}

static struct nmx_session *session_of(nmx_key key)
{
    nmx_heap *h = nmx_session_heap(key);
    assert_non_null(h);
    return nmx_heap_userdata(h);
}

static void wait_calls(struct shared *sh, unsigned n)
{
    while (atomic_load(&sh->calls) < n && !atomic_load(&sh->last_err))
        sched_yield();
}

/* The end from another thread waits for the call inside, then every call
 * of the expert thread fails with the invalid-key error. */
static void t_end_waits_for_the_owner(void **state)
{
    (void)state;
    struct fixture fx;
    fx_open(&fx);
    struct shared sh;
    memset(&sh, 0, sizeof sh);
    session_open(&fx, &sh);
    struct nmx_session *s = session_of(sh.key);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, expert_thread, &sh), 0);
    wait_calls(&sh, 1000);
    assert_int_equal(atomic_load(&sh.last_err), 0);
    /* the expert thread enters without the lock: the session is biased to it */
    if (atomic_load(&nmx__bias_on)) {
        assert_non_null(atomic_load(&s->bias_owner));
        assert_int_equal(atomic_load(&s->bias_off), 0);
    }
    atomic_store(&sh.block_event, true);
    while (!atomic_load(&sh.in_callback))
        sched_yield();
    assert_int_equal(nmx_session_close(sh.key, NULL), NMX_OK);
    assert_true(atomic_load(&sh.callback_done)); /* the end waited for it */
    atomic_store(&sh.ended, true);
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&sh.last_err), NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(atomic_load(&sh.slipped), 0);
    fx_close(&fx);
}

/* Many ends at arbitrary moments of the expert thread's loop, the session
 * biased to it each time: no call that starts after nmx_session_close has
 * returned gets through, and the expert thread always stops with the
 * invalid-key error. */
static void t_no_call_after_the_end(void **state)
{
    (void)state;
    struct fixture fx;
    fx_open(&fx);
    unsigned biased = 0;
    for (unsigned round = 0; round < 200; round++) {
        struct shared sh;
        memset(&sh, 0, sizeof sh);
        session_open(&fx, &sh);
        struct nmx_session *s = session_of(sh.key);
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, expert_thread, &sh), 0);
        wait_calls(&sh, 20 + round % 50);
        biased += atomic_load(&s->bias_owner) != NULL;
        for (unsigned k = 0; k < round % 7; k++)
            sched_yield();
        assert_int_equal(nmx_session_close(sh.key, NULL), NMX_OK);
        atomic_store(&sh.ended, true);
        pthread_join(t, NULL);
        assert_int_equal(atomic_load(&sh.last_err), NMERR_INVALID_EXPERT_HANDLE);
        assert_int_equal(atomic_load(&sh.slipped), 0);
    }
    if (atomic_load(&nmx__bias_on))
        assert_true(biased > 100); /* the ends revoked a bias, most of the time */
    fx_close(&fx);
}

/* A termination requested from another thread reaches the owner's calls,
 * which enter without the lock; so does another thread's call in between
 * (it takes the lock and revokes the bias). */
static void t_terminate_reaches_the_owner(void **state)
{
    (void)state;
    struct fixture fx;
    fx_open(&fx);
    struct shared sh;
    memset(&sh, 0, sizeof sh);
    session_open(&fx, &sh);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, expert_thread, &sh), 0);
    wait_calls(&sh, 500);
    nmx_status st;
    uint64_t events;
    assert_int_equal(nmx_session_status(sh.key, &st, &events), NMX_OK);
    unsigned c = atomic_load(&sh.calls);
    wait_calls(&sh, c + 500);
    assert_int_equal(atomic_load(&sh.last_err), 0);
    assert_int_equal(nmx_session_terminate(sh.key), NMX_OK);
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&sh.last_err), NMERR_EXPERT_TERMINATE);
    assert_int_equal(nmx_session_close(sh.key, NULL), NMX_OK);
    fx_close(&fx);
}

int main(void)
{
    setenv("NMX_QUIET", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_end_waits_for_the_owner),
        cmocka_unit_test(t_no_call_after_the_end),
        cmocka_unit_test(t_terminate_reaches_the_owner),
    };
    return cmocka_run_group_tests_name("session bias", tests, NULL, NULL);
}
