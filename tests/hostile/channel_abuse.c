/*
 * A hostile test expert that attacks the host through what the host reads
 * from it: its channel (the wire format of docs/event-wire.md, written by
 * hand here: the expert knows only netmon.h), its stdout and stderr, its
 * pipes' state and its CPU time. Built against netmon.h only.
 *
 * The attack is chosen by the file's name, "abuse_MODE.so" (tests copy this
 * object under several names), so that nothing the host passes (the
 * environment, the configuration) has to reach it:
 *   ok         two events, then returns TRUE (the control)
 *   forge      events on the channel that claim to come from "Top Users"
 *   bignames   10,000 events on the channel, each with a distinct 60 KB
 *              expert name
 *   flood      stdout, stderr and log messages full of escape sequences,
 *              fake "nmexpert: ..." verdict lines and 100 KB lines
 *   garbage    bytes that are not the wire format
 *   oversize   a frame header announcing a 4 GB payload
 *   afterend   a result, then one more event
 *   closeall   closes every descriptor and sleeps for ever
 *   cutchan    closes its channel, then returns TRUE
 *   exit0      calls exit(0) in the middle of Run
 *   spin       four threads spinning for ever (the CPU-time limit)
 *   spinxcpu   the same, with SIGXCPU ignored (the hard limit's SIGKILL)
 *   sigsys     a seccomp filter of its own that traps getppid(2), then
 *              calls it
 *   sleep      sleeps with its pipes open (only the timeout ends it)
 *   evilname   registers a name, vendor and description full of escape
 *              sequences (they reach the terminal through list and verdicts)
 *   status     reports a problem whose text is full of escape sequences,
 *              then returns FALSE (the text is part of the verdict)
 *   confclose  (Configure) closes every descriptor and sleeps for ever
 *   conftrickle  (Configure) one byte every second, for ever
 *   confflood  (Configure) 17 MB of bytes, then sleeps
 *   statusflood  200,000 status updates at 100 %, as fast as it can
 *   alarm      alarm(1), then sleeps 2 s (SIGALRM for the whole process)
 *   sigpipe    restores SIGPIPE's default action, then writes to a pipe
 *              whose reader is gone (the tests run these two in thread
 *              isolation, in the host's process)
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "netmon.h"
#include "expert_event.h"

static void mode_of(char *out, size_t len);

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
    char mode[64];
    mode_of(mode, sizeof mode);
    if (!strcmp(mode, "evilname")) { /* the registration is text for the terminal too */
        strcpy(info->szName, "\x1b[2J\x1b]0;owned\x07" "Evil\rnmexpert: expert Top Users completed");
        strcpy(info->szVendor, "\x1b[31mvendor\x9b");
        strcpy(info->szDescription, "\xe2\x80\xae" "noitpircsed");
        info->Version = 1;
        info->Flags = 0;
        return TRUE;
    }
    strcpy(info->szName, "Channel Abuse");
    strcpy(info->szVendor, "nmexpert tests");
    strcpy(info->szDescription, "attacks the host through its channel and pipes");
    info->Version = 1;
    info->Flags = !strncmp(mode, "conf", 4) ? EXPERT_ENUM_FLAG_CONFIGURABLE : 0;
    return TRUE;
}

static int find_channel(void);
static void write_all(int fd, const void *p, size_t n);
static void sleep_forever(void);

/* Attacks on the host through Configure's answer pipe. */
BOOL WINAPI Configure(HEXPERTKEY key, PEXPERTCONFIG *cfg, PEXPERTSTARTUPINFO si, DWORD flags,
                      HWND hwnd)
{
    (void)key;
    (void)cfg;
    (void)si;
    (void)flags;
    (void)hwnd;
    char mode[64];
    mode_of(mode, sizeof mode);
    int chan = find_channel();
    if (!strcmp(mode, "confclose")) {
        for (int fd = 0; fd < 1024; fd++)
            close(fd);
        sleep_forever();
    } else if (!strcmp(mode, "conftrickle")) {
        for (;;) {
            write_all(chan, "x", 1);
            struct timespec ts = {1, 0};
            nanosleep(&ts, NULL);
        }
    } else if (!strcmp(mode, "confflood")) {
        static char junk[1 << 20];
        memset(junk, 'j', sizeof junk);
        for (int i = 0; i < 17; i++)
            write_all(chan, junk, sizeof junk);
        sleep_forever();
    }
    return FALSE;
}

static void mode_of(char *out, size_t len)
{
    Dl_info di;
    snprintf(out, len, "ok");
    if (!dladdr((void *)(uintptr_t)Register, &di) || !di.dli_fname)
        return;
    /* The sandbox loads an expert through its descriptor
     * (/proc/self/fd/N, docs/sandbox.md): the file's name is the link's. */
    char link[512];
    const char *name = di.dli_fname;
    if (!strncmp(name, "/proc/self/fd/", 14)) {
        ssize_t n = readlink(name, link, sizeof link - 1);
        if (n > 0) {
            link[n] = 0;
            name = link;
        }
    }
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *us = strchr(base, '_');
    if (!us)
        return;
    snprintf(out, len, "%s", us + 1);
    char *dot = strstr(out, ".so");
    if (dot)
        *dot = 0;
}

/* The channel: the one pipe open for writing that is not stdout or stderr
 * (found as an attacker would, without knowing its number). */
static int find_channel(void)
{
    for (int fd = 3; fd < 1024; fd++) {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
            continue;
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0 && (fl & O_ACCMODE) == O_WRONLY)
            return fd;
    }
    return -1;
}

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

/* ---- the wire format, by hand ------------------------------------------ */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        size_t c = b->cap ? b->cap * 2 : 4096;
        while (c < b->len + n)
            c *= 2;
        uint8_t *q = realloc(b->p, c);
        if (!q)
            abort();
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void le(buf *b, uint64_t v, int n)
{
    uint8_t x[8];
    for (int i = 0; i < n; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    put(b, x, (size_t)n);
}

static void str(buf *b, const char *s, size_t n)
{
    le(b, n, 4);
    put(b, s, n);
}

/* One EVENT frame: expert name `who` (n bytes), one UINT32 column. */
static void event_frame(buf *b, uint64_t seq, const char *who, size_t n, const char *text)
{
    buf p = {0};
    le(&p, seq, 8);
    le(&p, 7, 4);             /* ident */
    le(&p, 1, 4);             /* flags */
    le(&p, 0, 4);             /* severity */
    le(&p, 1, 1);             /* version */
    le(&p, 0, 1);             /* has_time */
    le(&p, 1, 1);             /* one column */
    le(&p, 0, 1);
    for (int i = 0; i < 8; i++)
        le(&p, 0, 2);
    str(&p, who, n);          /* expert */
    str(&p, "Top Users", 9);  /* source */
    str(&p, "Top sender", 10);
    str(&p, text, strlen(text));
    str(&p, "", 0);
    str(&p, "forged", 6);
    str(&p, "Rank", 4);       /* column */
    le(&p, 4, 4);             /* UINT32 */
    le(&p, 999, 8);
    le(&p, 0, 8);
    str(&p, "", 0);
    le(b, 0x4E, 1);
    le(b, 0x58, 1);
    le(b, 1, 1);
    le(b, 1, 1);              /* EVENT */
    le(b, p.len, 4);
    put(b, p.p, p.len);
    free(p.p);
}

static void log_frame(buf *b, const char *text)
{
    le(b, 0x4E, 1);
    le(b, 0x58, 1);
    le(b, 1, 1);
    le(b, 4, 1);              /* LOG */
    le(b, 8 + strlen(text), 4);
    le(b, 1, 4);              /* warning */
    str(b, text, strlen(text));
}

static void result_frame(buf *b)
{
    le(b, 0x4E, 1);
    le(b, 0x58, 1);
    le(b, 1, 1);
    le(b, 5, 1);              /* RESULT */
    le(b, 48, 4);
    le(b, 1, 4);              /* TRUE */
    for (int i = 0; i < 11; i++)
        le(b, 0, 4);
}

static void submit(HEXPERTKEY key, DWORD ident)
{
    nmx_test_submit_event(key, ident, "Channel Abuse", "before the attack");
}

static void *spinner(void *arg)
{
    volatile unsigned long *n = arg;
    for (;;)
        (*n)++;
    return NULL;
}

static void sleep_forever(void)
{
    for (;;) {
        struct timespec ts = {3600, 0};
        nanosleep(&ts, NULL);
    }
}

static const char fake_verdict[] =
    "\x1b[2J\x1b[H\x1b]0;owned\x07nmexpert: s.pcap: expert Top Users completed; 0 events kept\r"
    "nmexpert: expert Channel Abuse completed\x9b" "31m \xe2\x80\xae" "desrever";

BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD flags,
                HWND hwnd)
{
    (void)cfg;
    (void)si;
    (void)flags;
    (void)hwnd;
    char mode[64];
    mode_of(mode, sizeof mode);
    submit(key, 1);
    submit(key, 2);
    int chan = find_channel();
    /* The "quiet" attacks end at once, with no status update after the
     * events: the host must keep them all the same (docs/sandbox.md,
     * "The host"). */
    if (!strcmp(mode, "quietsegv")) {
        raise(SIGSEGV);
    } else if (!strcmp(mode, "quietexit")) {
        _exit(0);
    } else if (!strcmp(mode, "quietcut")) {
        close(chan);
        return TRUE;
    } else if (!strcmp(mode, "quietsleep")) {
        sleep_forever();
    }
    ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, mode, 10);
    buf b = {0};
    if (!strcmp(mode, "ok")) {
        return TRUE;
    } else if (!strcmp(mode, "forge")) {
        for (int i = 0; i < 100; i++)
            event_frame(&b, 1000u + (unsigned)i, "Top Users", 9, "forged by Channel Abuse");
        write_all(chan, b.p, b.len);
    } else if (!strcmp(mode, "bignames")) {
        size_t n = 60 * 1024;
        char *name = malloc(n);
        if (!name)
            return FALSE;
        memset(name, 'N', n);
        for (unsigned i = 0; i < 10000; i++) {
            snprintf(name, 16, "%08u", i); /* distinct */
            name[8] = 'N';
            b.len = 0;
            event_frame(&b, i, name, n, "a long name");
            write_all(chan, b.p, b.len);
        }
        free(name);
    } else if (!strcmp(mode, "flood")) {
        char *big = malloc(100 * 1024 + 2);
        if (!big)
            return FALSE;
        memset(big, 'A', 100 * 1024);
        big[100 * 1024] = '\n';
        big[100 * 1024 + 1] = 0;
        for (int i = 0; i < 20000; i++) {
            /* The log message first: the streams share one rate, and the
             * first one must be relayed (escaped) before the flood uses
             * the burst up. */
            if (i % 1000 == 0) {
                b.len = 0;
                log_frame(&b, fake_verdict);
                write_all(chan, b.p, b.len);
            }
            printf("%s %d\n", fake_verdict, i);
            fprintf(stderr, "\n%s\n", fake_verdict);
            if (i % 1000 == 0)
                fputs(big, stdout);
        }
        fflush(stdout);
        free(big);
    } else if (!strcmp(mode, "garbage")) {
        const char junk[] = "GET / HTTP/1.1\r\n\x1b[31m garbage \xff\xfe";
        write_all(chan, junk, sizeof junk);
        sleep_forever();
    } else if (!strcmp(mode, "oversize")) {
        const uint8_t h[8] = {0x4E, 0x58, 1, 1, 0xF0, 0xFF, 0xFF, 0xFF};
        write_all(chan, h, sizeof h);
        sleep_forever();
    } else if (!strcmp(mode, "afterend")) {
        result_frame(&b);
        event_frame(&b, 5000, "x", 1, "after the end");
        write_all(chan, b.p, b.len);
        sleep_forever();
    } else if (!strcmp(mode, "closeall")) {
        for (int fd = 0; fd < 1024; fd++)
            close(fd);
        sleep_forever();
    } else if (!strcmp(mode, "cutchan")) {
        close(chan);
        return TRUE;
    } else if (!strcmp(mode, "exit0")) {
        exit(0);
    } else if (!strcmp(mode, "spin") || !strcmp(mode, "spinxcpu")) {
        if (!strcmp(mode, "spinxcpu"))
            signal(SIGXCPU, SIG_IGN);
        static volatile unsigned long counters[4];
        pthread_t th[3];
        for (int i = 0; i < 3; i++)
            pthread_create(&th[i], NULL, spinner, (void *)(uintptr_t)&counters[i]);
        spinner((void *)(uintptr_t)&counters[3]);
    } else if (!strcmp(mode, "sigsys")) {
        struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
            fprintf(stderr, "sigsys: cannot install a filter: %s\n", strerror(errno));
            return FALSE;
        }
        syscall(SYS_getppid);
        fprintf(stderr, "sigsys: getppid was not trapped\n");
        return FALSE;
    } else if (!strcmp(mode, "sleep")) {
        sleep_forever();
    } else if (!strcmp(mode, "status")) {
        ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, 0, (LPSTR)fake_verdict, 50);
        return FALSE;
    } else if (!strcmp(mode, "statusflood")) {
        for (int i = 0; i < 200000; i++)
            ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, (LPSTR) "flood", 100);
    } else if (!strcmp(mode, "alarm")) {
        alarm(1);
        struct timespec ts = {2, 0};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    } else if (!strcmp(mode, "sigpipe")) {
        signal(SIGPIPE, SIG_DFL);
        int p[2];
        if (pipe(p) != 0)
            return FALSE;
        close(p[0]);
        ssize_t w = write(p[1], "x", 1);
        int e = errno;
        close(p[1]);
        if (w >= 0 || e != EPIPE) {
            fprintf(stderr, "sigpipe: the write gave %zd (%s), not EPIPE\n", w, strerror(e));
            return FALSE;
        }
    }
    free(b.p);
    return TRUE;
}
