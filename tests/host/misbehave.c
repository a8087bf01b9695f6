/*
 * A test expert that misbehaves on purpose, written only against netmon.h.
 * Its configuration text ("mode=...") picks the misbehaviour. Every mode
 * first submits two events (so tests can check that earlier events are
 * kept) and reports status, then does its thing.
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netmon.h"
#include "expert_event.h"

static void *configure_block; /* kept across sessions on purpose */

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
    strcpy(info->szName, "Misbehave");
    strcpy(info->szVendor, "nmexpert tests");
    strcpy(info->szDescription, "misbehaves as configured");
    info->Version = 1;
    info->Flags = EXPERT_ENUM_FLAG_CONFIGURABLE;
    return TRUE;
}

BOOL WINAPI Configure(HEXPERTKEY key, PEXPERTCONFIG *cfg, PEXPERTSTARTUPINFO si, DWORD flags,
                      HWND hwnd)
{
    (void)si;
    (void)flags;
    (void)hwnd;
    configure_block = ExpertAllocMemory(key, 64, NULL);
    if (!*cfg) {
        *cfg = ExpertAllocMemory(key, sizeof(DWORD) + 16, NULL);
        (*cfg)->RawConfigLength = sizeof(DWORD) + 16;
        memcpy((*cfg)->RawConfigData, "mode=ok\0\0", 9);
    }
    return TRUE;
}

static const char *mode_of(PEXPERTCONFIG cfg)
{
    if (!cfg || cfg->RawConfigLength < 9)
        return "ok";
    const char *p = (const char *)cfg->RawConfigData;
    return strncmp(p, "mode=", 5) == 0 ? p + 5 : "ok";
}

static void submit(HEXPERTKEY key, DWORD ident)
{
    nmx_test_submit_event(key, ident, "Misbehave", "before the misbehaviour");
}

static volatile int sink;

static volatile int depth_limit = 1 << 30; /* never reached: the stack ends first */

static int recurse(int n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    if (n >= depth_limit)
        return 0;
    return recurse(n + 1) + pad[0];
}

struct thr {
    HEXPERTKEY key;
    int blocks;
};

static void *allocator_thread(void *arg)
{
    struct thr *t = arg;
    for (int i = 0; i < 1000; i++)
        if (ExpertAllocMemory(t->key, 100, NULL))
            t->blocks++;
    return NULL;
}

BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd)
{
    (void)flags;
    (void)hwnd;
    const char *mode = mode_of(cfg);
    ExpertIndicateStatus(key, EXPERTSTATUS_STARTING, 0, "starting", 0);
    submit(key, 1);
    submit(key, 2);
    EXPERTFRAMEDESCRIPTOR d;
    if (si && si->hCapture) /* reach a frame so "after frame N" means something */
        ExpertGetFrame(key, GET_FRAME_NEXT_FORWARD, 0, INVALID_FRAME_NUMBER, NULL, &d);
    ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, mode, 10);

    if (!strcmp(mode, "ok")) {
        return TRUE;
    } else if (!strcmp(mode, "stderr")) { /* a line the host copies into its log */
        fprintf(stderr, "misbehave: a line for the host's log\n");
        fflush(stderr);
        return TRUE;
    } else if (!strncmp(mode, "slow", 4)) { /* "slowN": N tenths of a second, reporting progress */
        int tenths = atoi(mode + 4);
        if (tenths <= 0)
            tenths = 10;
        for (int i = 1; i <= tenths; i++) {
            usleep(100000);
            if (ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, "slow", (DWORD)(i * 100 / tenths)) ==
                NMERR_EXPERT_TERMINATE)
                return TRUE;
        }
        return TRUE;
    } else if (!strcmp(mode, "false")) {
        return FALSE;
    } else if (!strcmp(mode, "problem")) {
        ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, NMERR_OUT_OF_MEMORY, "gave up", 10);
        return TRUE;
    } else if (!strcmp(mode, "segv")) {
        /* Through a volatile pointer, so the compiler cannot see the
         * address and reject the store at build time (-Warray-bounds). */
        volatile int *volatile bad = (volatile int *)(uintptr_t)16;
        *bad = 1;
    } else if (!strcmp(mode, "abort")) {
        abort();
    } else if (!strcmp(mode, "divzero")) {
        volatile int z = 0;
        sink = 10 / z;
        raise(SIGFPE); /* where integer division does not trap */
    } else if (!strcmp(mode, "loop")) {
        for (;;)
            sink++;
    } else if (!strcmp(mode, "loop-polite")) { /* stops when told to */
        for (;;) {
            if (ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, NULL, 50) ==
                NMERR_EXPERT_TERMINATE)
                return TRUE;
            usleep(1000);
        }
    } else if (!strcmp(mode, "quota")) {
        DWORD err = 0;
        while (ExpertAllocMemory(key, 1 << 20, &err))
            ;
        ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, err, "out of memory", 10);
        return FALSE;
    } else if (!strcmp(mode, "leak")) {
        for (int i = 0; i < 5000; i++)
            ExpertAllocMemory(key, (SIZE_T)(i % 700), NULL);
        return TRUE;
    } else if (!strcmp(mode, "doublefree")) {
        void *p = ExpertAllocMemory(key, 10, NULL);
        ExpertFreeMemory(key, p);
        return ExpertFreeMemory(key, p) == NMERR_INVALID_PARAMETER;
    } else if (!strcmp(mode, "foreignfree")) { /* a block of the Configure session */
        return ExpertFreeMemory(key, configure_block) == NMERR_INVALID_PARAMETER;
    } else if (!strcmp(mode, "stackfree")) {
        int local = 0;
        return ExpertFreeMemory(key, &local) == NMERR_INVALID_PARAMETER;
    } else if (!strcmp(mode, "overrun")) {
        char *p = ExpertAllocMemory(key, 100, NULL);
        p[100] = 'X';
        ExpertFreeMemory(key, p);
        return TRUE;
    } else if (!strcmp(mode, "recurse")) {
        sink = recurse(0);
    } else if (!strcmp(mode, "exit")) {
        exit(3);
    } else if (!strcmp(mode, "threads")) {
        pthread_t t[4];
        struct thr a[4];
        for (int i = 0; i < 4; i++) {
            a[i].key = key;
            a[i].blocks = 0;
            pthread_create(&t[i], NULL, allocator_thread, &a[i]);
        }
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], NULL);
        return a[0].blocks + a[1].blocks + a[2].blocks + a[3].blocks == 4000;
    } else if (!strcmp(mode, "ignore-terminate")) { /* keeps calling after TERMINATE */
        for (;;) {
            ExpertAllocMemory(key, 10, NULL);
            ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, NULL, 50);
            ExpertGetFrame(key, GET_FRAME_NEXT_FORWARD, 0, INVALID_FRAME_NUMBER, NULL, &d);
            usleep(100);
        }
    } else if (!strcmp(mode, "misuse-storm")) {
        int local;
        for (int i = 0; i < 1000000; i++)
            if (ExpertFreeMemory(key, &local) == NMERR_EXPERT_TERMINATE ||
                ExpertAllocMemory(key, 1, NULL) == NULL)
                return TRUE;
        return TRUE;
    }
    return TRUE;
}
