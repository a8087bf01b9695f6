/*
 * The sandbox of the children that run expert code. docs/sandbox.md ("The
 * child process") says what each step guarantees and how it is tested; the
 * order below matters:
 *
 *   1. the expert's file is opened first (O_NONBLOCK: a FIFO cannot block;
 *      fstat: regular files only) and later loaded through that descriptor;
 *   2. descriptors: stdin on /dev/null, stdout/stderr on the host's pipes or
 *      /dev/null, the channel on fd 3, the expert on fd 4, everything else
 *      closed (the other experts' pipes, the host's output files);
 *   3. setsid(): a new session and process group, no controlling terminal;
 *   4. resource limits with hard = soft, so they cannot be raised;
 *   5. privileges: as root, the capability bounding set emptied and a switch
 *      to the overflow uid/gid (nobody); then no capabilities at all;
 *   6. death with the host (PR_SET_PDEATHSIG, set after the uid switch,
 *      which clears it) and not dumpable (no ptrace, no /proc/PID/mem by
 *      other processes of the same user, no core);
 *   7. PR_SET_NO_NEW_PRIVS;
 *   8. Landlock (Linux >= 5.13, see landlock(7)): no write, create, remove,
 *      rename, truncate or device ioctl anywhere; reading allowed; where
 *      the kernel has the scopes (ABI 6), no signals to processes outside
 *      the sandbox and no abstract UNIX sockets;
 *   9. the seccomp allow-list (seccomp_init(3)): what is not listed traps
 *      (SIGSYS), a handler records the refused call on a page the host
 *      reads, and the process dies of SIGSYS.
 *
 * Builds under AddressSanitizer or ThreadSanitizer and runs under valgrind
 * are detected: see allow_tools().
 */
#include "host/sandbox.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define NMX_HAVE_VALGRIND_H 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define NMX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NMX_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define NMX_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NMX_TSAN_BUILD 1
#endif
#endif

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a SIGSYS raised by seccomp (SECCOMP_RET_TRAP) */
#endif

/* The unprivileged identity a child started as root switches to: the
 * kernel's overflow ids, named "nobody"/"nogroup" on most systems. Fixed,
 * not looked up: a lookup after fork could load NSS modules. */
#define SANDBOX_UID 65534
#define SANDBOX_GID 65534

#define SANDBOX_NOFILE 64      /* descriptors: the five kept + the loader's */
#define SANDBOX_NPROC_ROOT 512 /* tasks of the sandbox uid when started as root */

static bool fail(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *msg, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, n, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- the tools that run the test suite -------------------------------- */

static bool under_valgrind(void)
{
#ifdef NMX_HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND)
        return true;
#endif
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "vgpreload") != NULL;
}

/* ---- 1, 2: descriptors ------------------------------------------------ */

/* Whether the uid a root child switches to may open the file again
 * (the loader reopens it through /proc/self/fd). */
static bool readable_by_sandbox(const struct stat *st)
{
    return (st->st_mode & S_IROTH) || (st->st_uid == SANDBOX_UID && (st->st_mode & S_IRUSR)) ||
           (st->st_gid == SANDBOX_GID && (st->st_mode & S_IRGRP));
}

/* A sealed in-memory copy of a file the sandbox uid could not reopen
 * (memfd_create(2), "File sealing" in fcntl(2)): made while still root. */
static int sealed_copy(int fd, const struct stat *st, char *msg, size_t n)
{
    int m = (int)syscall(SYS_memfd_create, "nmexpert-expert", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (m < 0)
        return fail(msg, n, "memfd_create: %s", strerror(errno)), -1;
    char buf[65536];
    off_t done = 0;
    while (done < st->st_size) {
        ssize_t r = pread(fd, buf, sizeof buf, done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (ssize_t w = 0; w < r;) {
            ssize_t k = write(m, buf + w, (size_t)(r - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                int e = errno;
                close(m);
                return fail(msg, n, "copying the expert: %s", strerror(e)), -1;
            }
            w += k;
        }
        done += r;
    }
    if (fcntl(m, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
        int e = errno;
        close(m);
        return fail(msg, n, "sealing the copy of the expert: %s", strerror(e)), -1;
    }
    return m;
}

/* Arranges the descriptors even when the expert's file cannot be used
 * (slot 4 is then /dev/null), so the caller can always answer on fd 3.
 * Returns false with a reason when the file is unusable; exits with 121 when
 * the descriptors themselves cannot be arranged (nothing left to report on). */
static bool setup_fds(const struct nmx__sandbox *sb, char *msg, size_t n)
{
    bool ok = true;
    int ex = open(sb->expert_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (ex < 0) {
        ok = fail(msg, n, "cannot open %s: %s", sb->expert_path, strerror(errno));
    } else if (fstat(ex, &st) != 0) {
        ok = fail(msg, n, "cannot stat %s: %s", sb->expert_path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        ok = fail(msg, n, "%s is not a regular file", sb->expert_path);
    } else {
        fcntl(ex, F_SETFL, 0); /* blocking reads from here on */
        if (geteuid() == 0 && !readable_by_sandbox(&st)) {
            int copy = sealed_copy(ex, &st, msg, n);
            close(ex);
            ex = copy;
            ok = copy >= 0;
        }
    }
    int null = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (null < 0)
        _exit(121);
    if (!ok) {
        if (ex >= 0)
            close(ex);
        ex = null;
    }
    /* Move every source above the targets first, so no dup2 below closes
     * a descriptor still to be moved. */
    int src[5] = {null, sb->out >= 0 ? sb->out : null, sb->err >= 0 ? sb->err : null, sb->chan, ex};
    for (int i = 0; i < 5; i++) {
        if (src[i] > NMX_SANDBOX_EXPERT_FD)
            continue;
        int d = fcntl(src[i], F_DUPFD_CLOEXEC, NMX_SANDBOX_EXPERT_FD + 1);
        if (d < 0)
            _exit(121);
        int old = src[i];
        for (int j = 0; j < 5; j++)
            if (src[j] == old)
                src[j] = d;
    }
    for (int i = 0; i < 5; i++)
        if (dup2(src[i], i) < 0) /* the copy has no FD_CLOEXEC */
            _exit(121);
    if (syscall(SYS_close_range, NMX_SANDBOX_EXPERT_FD + 1, ~0u, 0) != 0) {
        /* kernels before 5.9: one by one */
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = NMX_SANDBOX_EXPERT_FD + 1; fd < (max > 0 ? max : 65536); fd++)
            close((int)fd);
    }
    return ok;
}

/* ---- 3: session --------------------------------------------------------- */

static bool new_session(char *msg, size_t n)
{
    if (setsid() >= 0)
        return true;
    if (errno != EPERM || getpgrp() != getpid())
        return fail(msg, n, "setsid: %s", strerror(errno));
    /* Already a process group leader (the host put it in a group of its
     * own with setpgid, which is what setsid would do too): only leave the
     * controlling terminal, if there is one. */
    int tty = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (tty < 0)
        return true; /* ENXIO: none */
    int r = ioctl(tty, TIOCNOTTY);
    int e = errno;
    close(tty);
    return r == 0 || fail(msg, n, "TIOCNOTTY: %s", strerror(e));
}

/* ---- 4: resource limits ------------------------------------------------- */

static bool limit(__rlimit_resource_t res, rlim_t v, char *msg, size_t n, const char *name)
{
    struct rlimit cur;
    if (getrlimit(res, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < v)
        v = cur.rlim_max; /* never above what the host had */
    struct rlimit r = {v, v};
    if (setrlimit(res, &r) != 0)
        return fail(msg, n, "setrlimit(%s): %s", name, strerror(errno));
    return true;
}

static bool setup_limits(const struct nmx__sandbox *sb, bool root, char *msg, size_t n)
{
    /* valgrind writes, in the child too, to a file of its own it opened
     * before (its gdbserver's shared memory in /tmp): no RLIMIT_FSIZE there. */
    if (!under_valgrind() && !limit(RLIMIT_FSIZE, 0, msg, n, "RLIMIT_FSIZE"))
        return false;
    if (!limit(RLIMIT_CORE, 0, msg, n, "RLIMIT_CORE") ||
        !limit(RLIMIT_MEMLOCK, 0, msg, n, "RLIMIT_MEMLOCK") ||
        !limit(RLIMIT_MSGQUEUE, 0, msg, n, "RLIMIT_MSGQUEUE") ||
        !limit(RLIMIT_NICE, 0, msg, n, "RLIMIT_NICE") ||
        !limit(RLIMIT_RTPRIO, 0, msg, n, "RLIMIT_RTPRIO") ||
        !limit(RLIMIT_LOCKS, 0, msg, n, "RLIMIT_LOCKS"))
        return false;
    if (under_valgrind()) {
        /* valgrind keeps descriptors of its own above the client's limit
         * and refuses a change of the hard limit: the soft one only. */
        struct rlimit nf;
        if (getrlimit(RLIMIT_NOFILE, &nf) != 0)
            return fail(msg, n, "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
        nf.rlim_cur = nf.rlim_cur < SANDBOX_NOFILE ? nf.rlim_cur : SANDBOX_NOFILE;
        if (setrlimit(RLIMIT_NOFILE, &nf) != 0)
            return fail(msg, n, "setrlimit(RLIMIT_NOFILE): %s", strerror(errno));
    } else if (!limit(RLIMIT_NOFILE, SANDBOX_NOFILE, msg, n, "RLIMIT_NOFILE")) {
        return false;
    }
    /* RLIMIT_NPROC counts every task of the real uid. As root the child
     * becomes the sandbox uid, shared by the sandboxed children only; for
     * an ordinary user it would count the user's whole session, so there
     * the current value is only made unraisable. */
    struct rlimit cur;
    if (getrlimit(RLIMIT_NPROC, &cur) != 0)
        cur.rlim_cur = RLIM_INFINITY;
    if (!limit(RLIMIT_NPROC, root ? SANDBOX_NPROC_ROOT : cur.rlim_cur, msg, n, "RLIMIT_NPROC"))
        return false;
    if (sb->as_limit && !limit(RLIMIT_AS, (rlim_t)sb->as_limit, msg, n, "RLIMIT_AS"))
        return false;
    if (sb->as_limit && !limit(RLIMIT_DATA, (rlim_t)sb->as_limit, msg, n, "RLIMIT_DATA"))
        return false;
    if (sb->cpu_seconds) {
        /* soft: SIGXCPU; hard two seconds later: SIGKILL */
        struct rlimit c = {sb->cpu_seconds, (rlim_t)sb->cpu_seconds + 2};
        if (setrlimit(RLIMIT_CPU, &c) != 0)
            return fail(msg, n, "setrlimit(RLIMIT_CPU): %s", strerror(errno));
    }
    return true;
}

/* ---- 5, 6, 7: privileges ------------------------------------------------ */

static bool drop_privileges(bool root, char *msg, size_t n)
{
    if (root) {
        /* The bounding set first: it needs CAP_SETPCAP, gone after setresuid. */
        for (int cap = 0; cap <= 63; cap++)
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL)
                break; /* past the last capability of this kernel */
        if (setgroups(0, NULL) != 0)
            return fail(msg, n, "setgroups: %s", strerror(errno));
        if (setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID) != 0 ||
            setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID) != 0) {
            /* EINVAL: the id is not mapped in this user namespace (a
             * container without it). The other layers still hold; the
             * capabilities are dropped below. */
            if (errno != EINVAL)
                return fail(msg, n, "switching to uid %d: %s", SANDBOX_UID, strerror(errno));
        }
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) != 0)
        return fail(msg, n, "capset: %s", strerror(errno));
    return true;
}

static bool tie_to_host(pid_t host, char *msg, size_t n)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
        return fail(msg, n, "PR_SET_PDEATHSIG: %s", strerror(errno));
    if (getppid() != host)
        _exit(127); /* the host is already gone: nothing to do for it */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return fail(msg, n, "PR_SET_DUMPABLE: %s", strerror(errno));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail(msg, n, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
    return true;
}

/* ---- 8: Landlock -------------------------------------------------------- */

/* The kernel's structures at their latest size (landlock(7)); the attribute
 * size passed tells an older kernel which fields exist. */
struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};
struct ll_path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define LL_FS_EXECUTE (1ull << 0)
#define LL_FS_READ_FILE (1ull << 2)
#define LL_FS_READ_DIR (1ull << 3)
#define LL_FS_ABI1 ((1ull << 13) - 1)  /* execute .. make_sym           */
#define LL_FS_REFER (1ull << 13)       /* ABI 2                         */
#define LL_FS_TRUNCATE (1ull << 14)    /* ABI 3                         */
#define LL_FS_IOCTL_DEV (1ull << 15)   /* ABI 5                         */
#define LL_NET_ALL 3ull                /* ABI 4: bind and connect TCP   */
#define LL_SCOPE_ALL 3ull              /* ABI 6: abstract UNIX, signals */
#define LL_RULE_PATH_BENEATH 1
#define LL_CREATE_RULESET_VERSION (1u << 0)

/* Returns the ABI in force (0: Landlock not available), -1 on failure. */
static int setup_landlock(char *msg, size_t n)
{
#ifdef SYS_landlock_create_ruleset
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    if (abi < 1)
        return 0; /* ENOSYS (before 5.13) or EOPNOTSUPP (disabled at boot) */
    struct ll_ruleset_attr a = {.handled_access_fs = LL_FS_ABI1};
    size_t size = sizeof a.handled_access_fs;
    if (abi >= 2)
        a.handled_access_fs |= LL_FS_REFER;
    if (abi >= 3)
        a.handled_access_fs |= LL_FS_TRUNCATE;
    if (abi >= 5)
        a.handled_access_fs |= LL_FS_IOCTL_DEV;
    if (abi >= 4) {
        a.handled_access_net = LL_NET_ALL;
        size = offsetof(struct ll_ruleset_attr, scoped);
    }
    if (abi >= 6) {
        a.scoped = LL_SCOPE_ALL;
        size = sizeof a;
    }
    int rs = (int)syscall(SYS_landlock_create_ruleset, &a, size, 0);
    if (rs < 0)
        return fail(msg, n, "landlock_create_ruleset: %s", strerror(errno)), -1;
    /* Reading (files and directories) anywhere the uid may: the loader
     * needs the expert's libraries, wherever its run path points. */
    int root = open("/", O_PATH | O_CLOEXEC);
    if (root < 0) {
        close(rs);
        return fail(msg, n, "open /: %s", strerror(errno)), -1;
    }
    struct ll_path_beneath pb = {LL_FS_READ_FILE | LL_FS_READ_DIR, root};
    long r = syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0);
    int e = errno;
    close(root);
    if (r != 0) {
        close(rs);
        return fail(msg, n, "landlock_add_rule: %s", strerror(e)), -1;
    }
    r = syscall(SYS_landlock_restrict_self, rs, 0);
    e = errno;
    close(rs);
    if (r != 0)
        return fail(msg, n, "landlock_restrict_self: %s", strerror(e)), -1;
    return (int)abi;
#else
    (void)msg;
    (void)n;
    return 0;
#endif
}

/* ---- 9: seccomp --------------------------------------------------------- */

static struct nmx__sandbox_trap *trap_page;

/* A call the filter refused: record it and die of SIGSYS. The filter kills
 * the process at the rt_sigaction below (the one call that replaces the
 * SIGSYS handler), so an expert cannot install its own handler to survive;
 * blocking SIGSYS does not help either (the kernel then delivers it with
 * the default action). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (trap_page && si && si->si_code == SYS_SECCOMP) {
        trap_page->arch = si->si_arch;
        trap_page->nr = si->si_syscall + 1;
    }
    struct {
        void (*handler)(int);
        unsigned long flags;
        void *restorer;
        uint64_t mask;
    } dfl = {SIG_DFL, 0, NULL, 0};
    syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
    syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGSYS);
    _exit(125); /* not reached */
}

static struct scmp_arg_cmp cmp(unsigned arg, enum scmp_compare op, scmp_datum_t a,
                               scmp_datum_t b)
{
    struct scmp_arg_cmp c = {.arg = arg, .op = op, .datum_a = a, .datum_b = b};
    return c;
}

/* Adds a rule by name; names this architecture does not have are skipped
 * (an architecture without `open` needs no rule for it). */
static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
                const struct scmp_arg_cmp *c)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR || nr < 0)
        return 0;
    return seccomp_rule_add_array(ctx, action, nr, n, c);
}

#define ALLOW(name) rule(ctx, SCMP_ACT_ALLOW, name, 0, NULL)

static const char *const allowed[] = {
    /* memory */
    "brk", "mmap", "munmap", "mprotect", "madvise", "mremap", "msync", "mincore",
    /* descriptors it holds: its pipes, /dev/null, files opened read-only */
    "read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev",
    "pwritev2", "close", "close_range", "dup", "dup2", "dup3", "lseek", "pipe", "pipe2",
    "eventfd2", "poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "epoll_pwait2",
    /* looking at files (opening them is below) */
    "fstat", "newfstatat", "stat", "lstat", "statx", "statfs", "fstatfs", "access", "faccessat",
    "faccessat2", "readlink", "readlinkat", "getdents64", "getcwd",
    /* time */
    "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
    "times", "getrusage", "alarm", "setitimer", "getitimer", "timer_create", "timer_settime",
    "timer_gettime", "timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime",
    "timerfd_gettime",
    /* threads */
    "futex", "futex_waitv", "set_robust_list", "rseq", "set_tid_address", "sched_yield",
    "sched_getaffinity", "membarrier", "arch_prctl",
    /* its own signals */
    "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "rt_sigsuspend", "rt_sigpending",
    "rt_sigtimedwait", "pause", "restart_syscall",
    /* identity and the system, read only */
    "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
    "getresgid", "getgroups", "getpgrp", "getpriority", "getrlimit", "uname", "sysinfo",
    "getrandom", "getcpu",
    /* the end */
    "exit", "exit_group",
};

/* ioctl requests glibc issues on its own (isatty, stdio buffering). Not
 * TIOCSTI, not FIOSETOWN/FIOASYNC (signals to another process). */
static const unsigned long ioctls[] = {TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, FIOCLEX,
                                       FIONCLEX};

/* fcntl commands without an effect outside the process (not F_SETOWN,
 * F_SETSIG, F_SETLEASE, F_NOTIFY, F_SETLK*). */
static const int fcntls[] = {F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL,
                             F_GET_SEALS, F_GETPIPE_SZ};

/* prctl options that only read, or only name the caller's own thread or
 * memory. Not PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, ... */
static const int prctls[] = {PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_GET_PDEATHSIG,
                             PR_GET_NO_NEW_PRIVS, PR_GET_SECCOMP, PR_CAPBSET_READ,
                             PR_GET_TIMERSLACK, 0x53564d41 /* PR_SET_VMA */};

static int build_filter(scmp_filter_ctx ctx, pid_t self, bool tool)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0] && rc == 0; i++)
        rc = ALLOW(allowed[i]);

    /* open and openat read-only: O_RDONLY (access mode 0), no create, no
     * truncate; masked, so flag bits the check does not know change nothing */
    const scmp_datum_t wmask = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | 020000000 /* __O_TMPFILE */;
    struct scmp_arg_cmp c[2];
    c[0] = cmp(2, SCMP_CMP_MASKED_EQ, wmask, 0);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ALLOW, "openat", 1, c);
    c[0] = cmp(1, SCMP_CMP_MASKED_EQ, wmask, 0);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ALLOW, "open", 1, c);

    /* threads only: CLONE_THREAD, no namespace; clone3 (whose flags sit
     * in memory the filter cannot read) says ENOSYS: glibc then uses clone */
    const scmp_datum_t cmask = CLONE_THREAD | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
                               CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
    c[0] = cmp(0, SCMP_CMP_MASKED_EQ, cmask, CLONE_THREAD);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ALLOW, "clone", 1, c);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);

    /* signals: to itself only (kill 0 is its own process group, the new
     * one of which it is the only member) */
    c[0] = cmp(0, SCMP_CMP_EQ, (scmp_datum_t)self, 0);
    const char *self_sig[] = {"kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"};
    for (size_t i = 0; i < 4 && rc == 0; i++)
        rc = rule(ctx, SCMP_ACT_ALLOW, self_sig[i], 1, c);
    c[0] = cmp(0, SCMP_CMP_EQ, 0, 0);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ALLOW, "kill", 1, c);
    /* handlers for anything but SIGSYS (see on_sigsys); reading SIGSYS's.
     * The kernel reads the signal as an int: the SIGSYS comparisons look at
     * the low 32 bits only, so garbage above them cannot dodge the SIGSYS
     * rule. The other signals are allowed as whole 64-bit values, in three
     * ranges (1 to 30 and 0, which the kernel refuses; 32 to 63; 64), so a
     * value with bits set above 32 matches none of them and traps: three
     * rules instead of one per signal, which halves the filter's compile
     * time. */
    c[0] = cmp(0, SCMP_CMP_LT, SIGSYS, 0);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ALLOW, "rt_sigaction", 1, c);
    c[0] = cmp(0, SCMP_CMP_MASKED_EQ, ~(scmp_datum_t)31, 32);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ALLOW, "rt_sigaction", 1, c);
    c[0] = cmp(0, SCMP_CMP_EQ, 64, 0);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ALLOW, "rt_sigaction", 1, c);
    c[0] = cmp(0, SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, SIGSYS);
    c[1] = cmp(1, SCMP_CMP_EQ, 0, 0);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ALLOW, "rt_sigaction", 2, c);
    c[1] = cmp(1, SCMP_CMP_NE, 0, 0);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_KILL_PROCESS, "rt_sigaction", 2, c);

    /* resource limits: read, of itself only; never set */
    for (int who = 0; who < 2 && rc == 0; who++) {
        c[0] = cmp(0, SCMP_CMP_EQ, who ? (scmp_datum_t)self : 0, 0);
        c[1] = cmp(2, SCMP_CMP_EQ, 0, 0);
        rc = rule(ctx, SCMP_ACT_ALLOW, "prlimit64", 2, c);
    }

    for (size_t i = 0; i < sizeof ioctls / sizeof ioctls[0] && rc == 0; i++) {
        c[0] = cmp(1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, ioctls[i]);
        rc = rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1, c);
    }
    for (size_t i = 0; i < sizeof fcntls / sizeof fcntls[0] && rc == 0; i++) {
        c[0] = cmp(1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, (scmp_datum_t)fcntls[i]);
        rc = rule(ctx, SCMP_ACT_ALLOW, "fcntl", 1, c);
    }
    for (size_t i = 0; i < sizeof prctls / sizeof prctls[0] && rc == 0; i++) {
        c[0] = cmp(0, SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, (scmp_datum_t)prctls[i]);
        rc = rule(ctx, SCMP_ACT_ALLOW, "prctl", 1, c);
    }
    /* glibc asks the name service cache daemon over a UNIX socket and reads
     * the files when that fails: refuse quietly so the fallback works.
     * Every other family traps. */
    c[0] = cmp(0, SCMP_CMP_EQ, 1 /* AF_UNIX */, 0);
    if (rc == 0)
        rc = rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", 1, c);

    if (tool && rc == 0) {
        /* Sanitizer runtimes (the host library's code in the child is
         * instrumented): an error report starts a symbolizer (refused,
         * quietly: the report is printed unsymbolized), and the runtime
         * reads its own limits and maps. */
        const char *quiet[] = {"execve", "execveat", "fork", "vfork", "wait4", "setrlimit"};
        for (size_t i = 0; i < sizeof quiet / sizeof quiet[0] && rc == 0; i++)
            rc = rule(ctx, SCMP_ACT_ERRNO(EPERM), quiet[i], 0, NULL);
        if (rc == 0)
            rc = ALLOW("sched_getparam");
        if (rc == 0)
            rc = ALLOW("sched_getscheduler");
    }
    return rc;
}

/* The whole filter in a context made by seccomp_init(SCMP_ACT_TRAP). */
static int filter_rules(scmp_filter_ctx ctx, pid_t self)
{
    bool tool = false;
#if defined(NMX_ASAN) || defined(NMX_TSAN_BUILD)
    tool = true;
#endif
    /* Another architecture's system calls (x32, i386 through int 0x80)
     * kill: the filter only describes the native one. */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (rc == 0)
        rc = build_filter(ctx, self, tool);
    return rc;
}

/* The filter as a BPF program (the libseccomp context exported with
 * seccomp_export_bpf(3)). Returns the instruction count and the program in
 * *prog (malloc'd), or 0 with libseccomp's error in *err. */
static size_t compile_filter(pid_t self, struct sock_filter **prog, int *err)
{
    *prog = NULL;
    *err = -ENOMEM;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        return 0;
    int rc = filter_rules(ctx, self);
    int fd = -1;
    if (rc == 0) {
        fd = (int)syscall(SYS_memfd_create, "nmexpert-filter", MFD_CLOEXEC);
        rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
    }
    seccomp_release(ctx);
    size_t len = 0;
    if (rc == 0) {
        off_t end = lseek(fd, 0, SEEK_END);
        rc = -EINVAL;
        if (end > 0 && end % (off_t)sizeof(struct sock_filter) == 0 &&
            end / (off_t)sizeof(struct sock_filter) <= BPF_MAXINSNS &&
            (*prog = malloc((size_t)end)) != NULL) {
            if (pread(fd, *prog, (size_t)end, 0) == (ssize_t)end) {
                len = (size_t)end / sizeof(struct sock_filter);
                rc = 0;
            } else {
                free(*prog);
                *prog = NULL;
            }
        }
    }
    if (fd >= 0)
        close(fd);
    *err = rc;
    return len;
}

/* The filter compiled once per host process (nmx__sandbox_prepare, before
 * the first fork) with a stand-in for the child's pid, which each child
 * writes in before it installs the program: compiling costs far more than
 * the rest of the sandbox, and a child would otherwise do it every time.
 * The stand-in is no pid (pid_max is at most 2^22) and none of the filter's
 * other constants; every instruction that compares with it is noted.
 * test_sandbox_filter checks the result equals the program compiled for
 * the pid itself. */
#define PID_STANDIN 0x5EC0F00Du

static pthread_once_t prep_once = PTHREAD_ONCE_INIT;
static struct sock_filter *prep_prog;
static size_t prep_len;
static uint16_t *prep_pid_at;
static size_t prep_npid;

static void prepare(void)
{
    int err;
    struct sock_filter *prog;
    size_t len = compile_filter((pid_t)PID_STANDIN, &prog, &err);
    if (!len)
        return;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += prog[i].k == PID_STANDIN;
    uint16_t *at = n ? malloc(n * sizeof *at) : NULL;
    if (!at) {
        free(prog);
        return;
    }
    for (size_t i = 0, j = 0; i < len; i++)
        if (prog[i].k == PID_STANDIN)
            at[j++] = (uint16_t)i;
    prep_pid_at = at;
    prep_npid = n;
    prep_len = len;
    prep_prog = prog;
}

void nmx__sandbox_prepare(void)
{
    /* Under valgrind the children install no filter (nmx__sandbox_enter),
     * and valgrind does not know seccomp(2), which libseccomp probes. */
    if (under_valgrind())
        return;
    pthread_once(&prep_once, prepare);
}

/* Writes `self` wherever the prepared program compared with the stand-in;
 * prog: a copy of the prepared program. */
static void write_pid(struct sock_filter *prog, pid_t self)
{
    for (size_t i = 0; i < prep_npid; i++)
        prog[prep_pid_at[i]].k = (uint32_t)self;
}

/* The prepared program with `self` written in, in place: called only in a
 * forked child, whose copy it is. NULL when there is none. */
static struct sock_filter *prepared_for(pid_t self, size_t *len)
{
    if (!prep_prog)
        return NULL;
    write_pid(prep_prog, self);
    *len = prep_len;
    return prep_prog;
}

size_t nmx__sandbox_filter(pid_t self, bool prepared, struct sock_filter **prog)
{
    *prog = NULL;
    if (!prepared) {
        int err;
        return compile_filter(self, prog, &err);
    }
    pthread_once(&prep_once, prepare); /* under valgrind too */
    /* A copy, written into: the host's program is only ever written in a
     * forked child's copy of it. */
    if (!prep_prog || !(*prog = malloc(prep_len * sizeof **prog)))
        return 0;
    memcpy(*prog, prep_prog, prep_len * sizeof **prog);
    write_pid(*prog, self);
    return prep_len;
}

static bool setup_seccomp(const struct nmx__sandbox *sb, char *msg, size_t n)
{
    trap_page = sb->trap;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0)
        return fail(msg, n, "sigaction(SIGSYS): %s", strerror(errno));
    sigset_t sys;
    sigemptyset(&sys);
    sigaddset(&sys, SIGSYS);
    sigprocmask(SIG_UNBLOCK, &sys, NULL);

    /* The host's prepared program, or one compiled here when the host had
     * none. Only the calling thread exists: no TSYNC needed. No new
     * privileges is already set (tie_to_host). */
    size_t len = 0;
    struct sock_filter *prog = prepared_for(getpid(), &len);
    if (!prog) {
        /* Loaded by libseccomp (no export: RLIMIT_FSIZE is 0 here). */
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
        if (!ctx)
            return fail(msg, n, "seccomp_init failed");
        int rc = filter_rules(ctx, getpid());
        if (rc == 0)
            rc = seccomp_load(ctx);
        seccomp_release(ctx);
        if (rc != 0)
            return fail(msg, n, "seccomp filter: %s", strerror(-rc));
        return true;
    }
    struct sock_fprog fp = {.len = (unsigned short)len, .filter = prog};
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
    if (rc != 0 && errno == ENOSYS)
        rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0); /* before Linux 3.17 */
    if (rc != 0)
        return fail(msg, n, "seccomp filter: %s", strerror(errno));
    return true;
}

/* ---- the entry ---------------------------------------------------------- */

int nmx__sandbox_enter(const struct nmx__sandbox *sb, char *msg, size_t msglen)
{
    msg[0] = 0;
    if (!setup_fds(sb, msg, msglen))
        return -1;
    if (!new_session(msg, msglen))
        return -1;
    bool root = geteuid() == 0;
    if (!setup_limits(sb, root, msg, msglen) || !drop_privileges(root, msg, msglen) ||
        !tie_to_host(sb->host, msg, msglen))
        return -1;
    if (under_valgrind()) {
        /* valgrind runs the program's system calls and its own through the
         * same filter, with calls the filter cannot know, and does not
         * implement Landlock's: the run-tests valgrind stage checks memory
         * errors, not the sandbox, and every layer above still holds. */
        return NMX_SANDBOX_EXPERT_FD;
    }
    if (setup_landlock(msg, msglen) < 0)
        return -1;
    if (!setup_seccomp(sb, msg, msglen))
        return -1;
    return NMX_SANDBOX_EXPERT_FD;
}

void *nmx__sandbox_dlopen(const char *path, char *msg, size_t msglen)
{
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", NMX_SANDBOX_EXPERT_FD);
    void *dl = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
    if (dl)
        return dl;
    const char *why = dlerror();
    /* Without /proc (a chroot): the path, if it still names the file the
     * sandbox opened and checked. */
    struct stat a, b;
    if (access("/proc/self/fd", F_OK) != 0 && fstat(NMX_SANDBOX_EXPERT_FD, &a) == 0 &&
        stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (dl)
            return dl;
        why = dlerror();
    }
    /* dlerror names /proc/self/fd/4: say which file it was */
    const char *colon = why ? strstr(why, ": ") : NULL;
    snprintf(msg, msglen, "%s%s", path, colon ? colon : ": cannot be loaded");
    return NULL;
}

/* ---- host side ---------------------------------------------------------- */

struct nmx__sandbox_trap *nmx__sandbox_trap_new(void)
{
    void *p = mmap(NULL, sizeof(struct nmx__sandbox_trap), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void nmx__sandbox_trap_free(struct nmx__sandbox_trap *t)
{
    if (t)
        munmap(t, sizeof *t);
}

bool nmx__sandbox_verdict(const struct nmx__sandbox_trap *t, int status, char *buf, size_t n)
{
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
        return false;
    int32_t nr = t ? t->nr : 0;
    if (nr <= 0) {
        snprintf(buf, n, "killed by the sandbox (SIGSYS)");
        return true;
    }
    uint32_t arch = t->arch;
    char *name = seccomp_syscall_resolve_num_arch(arch ? arch : SCMP_ARCH_NATIVE, nr - 1);
    snprintf(buf, n, "killed by the sandbox (SIGSYS): forbidden system call %d%s%s%s", nr - 1,
             name ? " (" : "", name ? name : "", name ? ")" : "");
    free(name);
    return true;
}
