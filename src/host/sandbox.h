/*
 * The sandbox of a child process that runs expert code (docs/sandbox.md,
 * "The child process"). Every child that loads an expert (the probe that
 * calls Register, the Configure child, the Run child) enters it right after
 * fork and before dlopen, so ELF constructors and DllMain already run inside.
 */
#ifndef NMX_HOST_SANDBOX_H
#define NMX_HOST_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The descriptor the child talks to the host on (probe answer, Configure
 * answer, Run channel), and the one the expert's file is kept open on. */
#define NMX_SANDBOX_CHAN_FD 3
#define NMX_SANDBOX_EXPERT_FD 4

/* A page shared between host and child (created by the host before fork)
 * where the child's SIGSYS handler records the system call the filter
 * refused, so that the host can name it. The child may scribble on it: it
 * can only lie about its own death. */
struct nmx__sandbox_trap {
    volatile int32_t nr;      /* syscall number + 1 (0: none recorded) */
    volatile uint32_t arch;   /* AUDIT_ARCH_* of the call              */
};

struct nmx__sandbox {
    const char *expert_path;  /* opened (regular files only) before anything else */
    pid_t host;               /* the parent's pid, read before fork    */
    int chan;                 /* becomes NMX_SANDBOX_CHAN_FD           */
    int out, err;             /* stdout / stderr; -1: /dev/null        */
    uint64_t as_limit;        /* RLIMIT_AS in bytes; 0: unchanged      */
    uint32_t cpu_seconds;     /* RLIMIT_CPU; 0: unchanged              */
    struct nmx__sandbox_trap *trap; /* or NULL                         */
};

/* In a freshly forked child: opens the expert's file, leaves only stdin
 * (/dev/null), stdout, stderr, the channel and the expert's file open, makes
 * the process the leader of a new session and process group with no
 * controlling terminal, sets resource limits that cannot be raised, arranges
 * death with the host, drops every privilege (an unprivileged uid/gid when
 * started as root, no capabilities, no new privileges), restricts the file
 * system with Landlock where the kernel has it, and installs the seccomp
 * allow-list. Returns NMX_SANDBOX_EXPERT_FD; or -1 with a reason in msg,
 * and then no expert code may run in this process. Either way the channel
 * is on NMX_SANDBOX_CHAN_FD when it returns (it exits with status 121 when
 * descriptors cannot be arranged at all). */
int nmx__sandbox_enter(const struct nmx__sandbox *sb, char *msg, size_t msglen);

/* Host side, before forking a child that enters the sandbox: compiles the
 * seccomp filter once for the process (thread-safe; later calls return at
 * once). A child then only writes its pid into that program. When it was
 * not called, or failed, each child compiles the filter itself. */
void nmx__sandbox_prepare(void);

/* The seccomp program a child of pid `self` installs, as *prog (malloc'd):
 * from the prepared program (prepared) or compiled for `self` directly.
 * Returns the instruction count, 0 on failure. */
struct sock_filter;
size_t nmx__sandbox_filter(pid_t self, bool prepared, struct sock_filter **prog);

/* dlopen (RTLD_NOW | RTLD_LOCAL) of the file the sandbox opened, through
 * its descriptor. NULL with a reason in msg on failure. */
void *nmx__sandbox_dlopen(const char *path, char *msg, size_t msglen);

/* Host side: a shared page for one child's trap report (NULL when it cannot
 * be mapped: the host then names the signal only) and its release. */
struct nmx__sandbox_trap *nmx__sandbox_trap_new(void);
void nmx__sandbox_trap_free(struct nmx__sandbox_trap *t);

/* Host side, after the child was reaped with wait status `status`: when the
 * sandbox killed it, writes "killed by the sandbox: forbidden system call N
 * (name)" (or without the call when unknown) to buf and returns true. */
bool nmx__sandbox_verdict(const struct nmx__sandbox_trap *t, int status, char *buf, size_t n);

#endif
