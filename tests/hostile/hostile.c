/*
 * A hostile test expert, written only against netmon.h: it attacks the host,
 * the other experts and the file system from inside the child that runs it.
 *
 * The environment picks the attack, so that the same file can attack from
 * each place expert code runs (the configuration reaches Run only):
 *   HOSTILE_MODE   the attack (see `attacks` below)
 *   HOSTILE_AT     where: ctor (an ELF constructor, run by dlopen), dllmain,
 *                  register, configure or run (the default); ctor-run and
 *                  dllmain-run: those of the Run child only
 *   HOSTILE_DIR    a canary directory the attacks try to write into
 * An attack that the kernel refuses (an error) is reported on stderr and,
 * from Run, as an event "refused MODE: ERROR"; one that succeeds as
 * "ESCAPED MODE". A sandbox that kills the process reports nothing: the
 * host's verdict does.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#include "netmon.h"

/* ---- helpers ------------------------------------------------------------ */

static char result[512];

/* r: the attack's last system call result; < 0 with errno: refused */
static int verdict(const char *mode, long r)
{
    if (r < 0)
        snprintf(result, sizeof result, "refused %s: %s", mode, strerror(errno));
    else
        snprintf(result, sizeof result, "ESCAPED %s", mode);
    fprintf(stderr, "hostile: %s\n", result);
    fflush(stderr);
    return r >= 0;
}

static const char *dir(void)
{
    const char *d = getenv("HOSTILE_DIR");
    return d && *d ? d : "/tmp";
}

static char *in_dir(const char *name)
{
    static char p[4][4096];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", dir(), name);
    return p[i];
}

static pid_t host(void)
{
    return getppid();
}

/* openat2(2)'s argument (linux/openat2.h) */
struct how {
    uint64_t flags, mode, resolve;
};

static long openat2_(const char *path, uint64_t flags)
{
    struct how h = {flags, 0600, 0};
    return syscall(SYS_openat2, AT_FDCWD, path, &h, sizeof h);
}

/* ---- the attacks -------------------------------------------------------- */

static int a_kill(const char *m) { return verdict(m, kill(host(), SIGKILL)); }
static int a_kill_all(const char *m) { return verdict(m, kill(-1, SIGKILL)); }
static int a_kill_group(const char *m) { return verdict(m, kill(-getpgid(host()), SIGKILL)); }
static int a_tgkill(const char *m)
{
    return verdict(m, syscall(SYS_tgkill, host(), host(), SIGKILL));
}
static int a_tkill(const char *m) { return verdict(m, syscall(SYS_tkill, host(), SIGKILL)); }
static int a_sigqueue(const char *m)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGKILL;
    si.si_code = SI_QUEUE;
    return verdict(m, syscall(SYS_rt_sigqueueinfo, host(), SIGKILL, &si));
}
static int a_tgsigqueue(const char *m)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGKILL;
    si.si_code = SI_QUEUE;
    return verdict(m, syscall(SYS_rt_tgsigqueueinfo, host(), host(), SIGKILL, &si));
}
static int a_pidfd_signal(const char *m)
{
    long fd = syscall(SYS_pidfd_open, host(), 0);
    if (fd < 0)
        return verdict(m, fd);
    return verdict(m, syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0));
}
static int a_pidfd_getfd(const char *m)
{
    /* the host's descriptors: its output files, the other experts' pipes */
    long pfd = syscall(SYS_pidfd_open, host(), 0);
    if (pfd < 0)
        return verdict(m, pfd);
    long got = -1;
    for (int fd = 0; fd < 64; fd++) {
        long d = syscall(SYS_pidfd_getfd, pfd, fd, 0);
        if (d >= 0) {
            got = d;
            (void)!write((int)d, "{\"forged\":true}\n", 16);
        }
    }
    return verdict(m, got);
}
static int a_prlimit_fsize(const char *m)
{
    struct rlimit r = {0, 0};
    return verdict(m, prlimit(host(), RLIMIT_FSIZE, &r, NULL));
}
static int a_prlimit_nofile(const char *m)
{
    struct rlimit r = {0, 0};
    return verdict(m, prlimit(host(), RLIMIT_NOFILE, &r, NULL));
}
static int a_raise_limit(const char *m)
{
    struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
    return verdict(m, setrlimit(RLIMIT_FSIZE, &r));
}
static int a_renice(const char *m) { return verdict(m, setpriority(PRIO_PROCESS, (id_t)host(), 19)); }
static int a_affinity(const char *m)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(0, &s);
    return verdict(m, sched_setaffinity(host(), sizeof s, &s));
}
static int a_ptrace(const char *m) { return verdict(m, ptrace(PTRACE_ATTACH, host(), NULL, NULL)); }
static int a_vm_write(const char *m)
{
    char buf[8] = "pwned!!";
    struct iovec l = {buf, sizeof buf}, r = {(void *)(uintptr_t)0x400000, sizeof buf};
    return verdict(m, process_vm_writev(host(), &l, 1, &r, 1, 0));
}
static int a_procmem(const char *m)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/mem", (int)host());
    return verdict(m, open(p, O_RDWR));
}
static int a_procmem_openat2(const char *m)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/mem", (int)host());
    return verdict(m, openat2_(p, O_RDWR));
}
static int a_procmem_read(const char *m)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/mem", (int)host());
    return verdict(m, open(p, O_RDONLY));
}
static int a_host_fd(const char *m)
{
    /* the host's terminal or output file, reopened through /proc */
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/fd/1", (int)host());
    return verdict(m, open(p, O_RDONLY));
}
static int a_outlive(const char *m)
{
    /* clear the parent-death signal, leave the session, and spin */
    if (prctl(PR_SET_PDEATHSIG, 0) != 0 || setsid() < 0)
        return verdict(m, -1);
    for (;;)
        ;
}
static int a_fork(const char *m)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    return verdict(m, p);
}
static int a_fork_bomb(const char *m)
{
    long r = 0;
    for (int i = 0; i < 100000 && r >= 0; i++)
        r = fork();
    return verdict(m, r);
}
static int a_vfork(const char *m) { return verdict(m, syscall(SYS_vfork)); }
static int a_clone_process(const char *m)
{
    /* clone without CLONE_THREAD: a new process */
    long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (r == 0)
        _exit(0);
    return verdict(m, r);
}
static int a_clone_newuser(const char *m) { return verdict(m, unshare(CLONE_NEWUSER)); }
static int a_execve(const char *m)
{
    char *argv[] = {(char *)"sh", (char *)"-c", (char *)"true", NULL};
    return verdict(m, execve("/bin/sh", argv, NULL));
}
static int a_socket(const char *m) { return verdict(m, socket(AF_INET, SOCK_STREAM, 0)); }
static int a_socket_unix(const char *m) { return verdict(m, socket(AF_UNIX, SOCK_STREAM, 0)); }
static int a_socketpair(const char *m)
{
    int sv[2];
    return verdict(m, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
}
static int a_memfd(const char *m)
{
    long fd = syscall(SYS_memfd_create, "hostile", 0);
    if (fd < 0)
        return verdict(m, fd);
    return verdict(m, fallocate((int)fd, 0, 0, 1 << 30));
}
/* The host's shared index of the capture (docs/capture-formats.md, "A walk
 * shared with forked processes"): made writable again, it would let this
 * process change where the host reads frames. Found by its name in
 * /proc/self/maps; none found is no refusal. */
static int a_shared_index(const char *m)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return verdict(m, -1);
    char line[512];
    long r = 0;
    int found = 0;
    while (r == 0 && fgets(line, sizeof line, f)) {
        unsigned long a, b;
        if (!strstr(line, "nmexpert-walk") || sscanf(line, "%lx-%lx", &a, &b) != 2)
            continue;
        found++;
        r = mprotect((void *)a, b - a, PROT_READ | PROT_WRITE);
        if (r == 0) /* escaped: scribble over it */
            memset((void *)a, 0xff, b - a < 65536 ? b - a : 65536);
    }
    fclose(f);
    if (!found) {
        snprintf(result, sizeof result, "%s: no shared index found", m);
        return 0;
    }
    return verdict(m, r == 0 ? 0 : -1);
}
static int a_shm(const char *m)
{
    char p[128];
    snprintf(p, sizeof p, "/dev/shm/nmx-hostile-%d", (int)host());
    return verdict(m, open(p, O_CREAT | O_RDWR, 0600));
}
static int a_sysv_shm(const char *m) { return verdict(m, syscall(SYS_shmget, 0, 1 << 20, 01600)); }
static int a_create(const char *m) { return verdict(m, open(in_dir("created"), O_CREAT | O_WRONLY, 0600)); }
static int a_creat(const char *m) { return verdict(m, creat(in_dir("created"), 0600)); }
static int a_write_existing(const char *m) { return verdict(m, open(in_dir("canary"), O_WRONLY)); }
static int a_truncate_open(const char *m) { return verdict(m, open(in_dir("canary"), O_RDONLY | O_TRUNC)); }
static int a_openat2_create(const char *m)
{
    return verdict(m, openat2_(in_dir("created"), O_CREAT | O_WRONLY));
}
static int a_openat2_trunc(const char *m)
{
    return verdict(m, openat2_(in_dir("canary"), O_WRONLY | O_TRUNC));
}
static int a_tmpfile(const char *m) { return verdict(m, open(dir(), O_TMPFILE | O_RDWR, 0600)); }
static int a_truncate(const char *m) { return verdict(m, truncate(in_dir("canary"), 0)); }
static int a_ftruncate(const char *m)
{
    int fd = open(in_dir("canary"), O_RDONLY);
    if (fd < 0)
        return verdict(m, fd);
    return verdict(m, ftruncate(fd, 0));
}
static int a_mknod(const char *m) { return verdict(m, mknod(in_dir("fifo"), S_IFIFO | 0600, 0)); }
static int a_mknodat(const char *m)
{
    return verdict(m, mknodat(AT_FDCWD, in_dir("fifo"), S_IFIFO | 0600, 0));
}
static int a_mkdir(const char *m) { return verdict(m, mkdir(in_dir("dir"), 0700)); }
static int a_unlink(const char *m) { return verdict(m, unlink(in_dir("canary"))); }
static int a_rename(const char *m) { return verdict(m, rename(in_dir("canary"), in_dir("moved"))); }
static int a_link(const char *m) { return verdict(m, link(in_dir("canary"), in_dir("linked"))); }
static int a_symlink(const char *m) { return verdict(m, symlink("/etc/passwd", in_dir("symlink"))); }
static int a_chmod(const char *m) { return verdict(m, chmod(in_dir("canary"), 0777)); }
static int a_fchmod(const char *m)
{
    int fd = open(in_dir("canary"), O_RDONLY);
    if (fd < 0)
        return verdict(m, fd);
    return verdict(m, fchmod(fd, 0777));
}
static int a_fchown(const char *m)
{
    int fd = open(in_dir("canary"), O_RDONLY);
    if (fd < 0)
        return verdict(m, fd);
    return verdict(m, fchown(fd, 1, 1));
}
static int a_utimensat(const char *m) { return verdict(m, utimensat(AT_FDCWD, in_dir("canary"), NULL, 0)); }
static int a_fsetxattr(const char *m)
{
    int fd = open(in_dir("canary"), O_RDONLY);
    if (fd < 0)
        return verdict(m, fd);
    return verdict(m, fsetxattr(fd, "user.hostile", "1", 1, 0));
}
static int a_setxattr(const char *m)
{
    return verdict(m, setxattr(in_dir("canary"), "user.hostile", "1", 1, 0));
}
static int a_write_fd(const char *m)
{
    /* every descriptor number it might have inherited */
    long got = -1;
    for (int fd = 4; fd < 1024; fd++)
        if (write(fd, "forged\n", 7) > 0)
            got = fd;
    return verdict(m, got);
}
static int a_io_uring(const char *m)
{
    char params[120];
    memset(params, 0, sizeof params);
    return verdict(m, syscall(SYS_io_uring_setup, 8, params));
}
static int a_tiocsti(const char *m)
{
    char c = '\n';
    long r = -1;
    for (int fd = 0; fd < 3; fd++)
        if (ioctl(fd, TIOCSTI, &c) == 0)
            r = 0;
    return verdict(m, r);
}
static int a_tty(const char *m)
{
    int fd = open("/dev/tty", O_RDONLY | O_NOCTTY);
    if (fd < 0)
        return verdict(m, fd);
    char c = '\n';
    return verdict(m, ioctl(fd, TIOCSTI, &c));
}
static int a_setown(const char *m)
{
    /* SIGIO to the host whenever the channel is written */
    return verdict(m, fcntl(3, F_SETOWN, host()));
}
static volatile sig_atomic_t trapped;
static void on_sigsys(int sig)
{
    (void)sig;
    trapped++;
}
static int a_sigsys_handler(const char *m)
{
    /* survive the sandbox's traps with a handler of its own (SIG_IGN would
     * not do: the kernel delivers an ignored SIGSYS with its default) */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigsys;
    if (sigaction(SIGSYS, &sa, NULL) != 0)
        return verdict(m, -1);
    return verdict(m, socket(AF_INET, SOCK_DGRAM, 0));
}
#if defined(__x86_64__)
/* The return path of a handler installed by the raw system call (glibc's
 * own restorer is not exported): rt_sigreturn. */
__attribute__((naked)) static void restore_rt(void)
{
    __asm__ volatile("mov $15, %eax\n\tsyscall");
}
#else
#define restore_rt NULL
#endif
static int a_sigsys_high_bits(const char *m)
{
    /* the same with garbage above the int the kernel reads */
    struct {
        void (*handler)(int);
        unsigned long flags;
        void *restorer;
        uint64_t mask;
    } act = {on_sigsys, 0x04000000 /* SA_RESTORER */, restore_rt, 0};
    if (syscall(SYS_rt_sigaction, (long)((1ull << 32) | SIGSYS), &act, NULL, 8) != 0)
        return verdict(m, -1);
    return verdict(m, socket(AF_INET, SOCK_DGRAM, 0));
}
static int a_block_sigsys(const char *m)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGSYS);
    sigprocmask(SIG_BLOCK, &s, NULL);
    return verdict(m, socket(AF_INET, SOCK_DGRAM, 0));
}
static int a_setuid(const char *m) { return verdict(m, setresuid(0, 0, 0)); }
static int a_keyctl(const char *m) { return verdict(m, syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3, 0)); }
static int a_bpf(const char *m)
{
    char attr[64];
    memset(attr, 0, sizeof attr);
    return verdict(m, syscall(SYS_bpf, 0, attr, sizeof attr));
}
static int a_perf(const char *m)
{
    char attr[128];
    memset(attr, 0, sizeof attr);
    return verdict(m, syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
}
static int a_userfaultfd(const char *m) { return verdict(m, syscall(SYS_userfaultfd, 0)); }
static int a_mount(const char *m) { return verdict(m, syscall(SYS_mount, "none", dir(), "tmpfs", 0, NULL)); }
static int a_setns(const char *m)
{
    int fd = open("/proc/1/ns/mnt", O_RDONLY);
    return verdict(m, syscall(SYS_setns, fd, 0));
}
static int a_chroot(const char *m) { return verdict(m, chroot(dir())); }
static int a_int80(const char *m)
{
#if defined(__x86_64__)
    /* the i386 kill(2) through the 32-bit entry, which the filter's
     * architecture check must catch */
    long r;
    long nr = 37, pid = host(), sig = SIGKILL;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(pid), "c"(sig) : "memory");
    if (r < 0) {
        errno = (int)-r;
        r = -1;
    }
    return verdict(m, r);
#else
    errno = ENOSYS;
    return verdict(m, -1);
#endif
}
static int a_x32(const char *m)
{
#if defined(__x86_64__)
    /* kill(2) with the x32 bit set */
    return verdict(m, syscall(0x40000000L | SYS_kill, host(), SIGKILL));
#else
    errno = ENOSYS;
    return verdict(m, -1);
#endif
}
static int a_high_bits(const char *m)
{
    /* kill(host) with garbage in the upper half of the pid register: the
     * kernel reads an int, a sloppy filter compares 64 bits */
    return verdict(m, syscall(SYS_kill, (long)((1ull << 32) | (unsigned)host()), SIGKILL));
}
static void *spin(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}
static int a_thread_signal(const char *m)
{
    /* from a second thread: the filter applies to every thread */
    pthread_t t;
    if (pthread_create(&t, NULL, spin, NULL) != 0)
        return verdict(m, -1);
    return verdict(m, syscall(SYS_tgkill, host(), host(), SIGKILL));
}
/* Not an attack: what the process is allowed, as one line for the test. */
static void status_field(const char *key, char *out, size_t n)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    snprintf(out, n, "?");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':') {
            char *v = line + strlen(key) + 1;
            v += strspn(v, " \t");
            v[strcspn(v, "\n")] = 0;
            for (char *t = v; *t; t++)
                if (*t == '\t')
                    *t = '/';
            snprintf(out, n, "%s", v);
        }
    if (f)
        fclose(f);
}
static int a_identity(const char *m)
{
    (void)m;
    char uid[64], gid[64], eff[32], prm[32], bnd[32], amb[32], nnp[8], sec[8];
    status_field("Uid", uid, sizeof uid);
    status_field("Gid", gid, sizeof gid);
    status_field("CapEff", eff, sizeof eff);
    status_field("CapPrm", prm, sizeof prm);
    status_field("CapBnd", bnd, sizeof bnd);
    status_field("CapAmb", amb, sizeof amb);
    status_field("NoNewPrivs", nnp, sizeof nnp);
    status_field("Seccomp", sec, sizeof sec);
    /* /proc/self/stat: pid (comm) state ppid pgrp session tty_nr */
    int pid = 0, pgrp = 0, sid = 0, tty = -1;
    FILE *f = fopen("/proc/self/stat", "r");
    char st[1024] = "";
    if (f) {
        if (!fgets(st, sizeof st, f))
            st[0] = 0;
        fclose(f);
    }
    char *close_paren = strrchr(st, ')');
    pid = atoi(st);
    if (close_paren)
        sscanf(close_paren + 2, "%*c %*d %d %d %d", &pgrp, &sid, &tty);
    char fds[64] = "";
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            snprintf(fds + strlen(fds), sizeof fds - strlen(fds), "%s%d", fds[0] ? "," : "", fd);
    char in[64] = "";
    ssize_t l = readlink("/proc/self/fd/0", in, sizeof in - 1);
    in[l > 0 ? l : 0] = 0;
    struct rlimit fsize, core, nofile;
    getrlimit(RLIMIT_FSIZE, &fsize);
    getrlimit(RLIMIT_CORE, &core);
    getrlimit(RLIMIT_NOFILE, &nofile);
    snprintf(result, sizeof result,
             "uid=%s gid=%s capeff=%s capprm=%s capbnd=%s capamb=%s nnp=%s seccomp=%s "
             "leader=%d tty=%d fds=%s stdin=%s fsize=%llu/%llu core=%llu/%llu nofile=%llu/%llu "
             "dumpable=%d",
             uid, gid, eff, prm, bnd, amb, nnp, sec, pid == pgrp && pid == sid, tty, fds, in,
             (unsigned long long)fsize.rlim_cur, (unsigned long long)fsize.rlim_max,
             (unsigned long long)core.rlim_cur, (unsigned long long)core.rlim_max,
             (unsigned long long)nofile.rlim_cur, (unsigned long long)nofile.rlim_max,
             prctl(PR_GET_DUMPABLE));
    return 0;
}
/* Not an attack: what an expert may do, reading another capture by name. */
static int a_capture_comment(const char *m)
{
    (void)m;
    char comment[256];
    const char *path = getenv("HOSTILE_CAPTURE");
    DWORD r = GetCaptureCommentFromFilename((LPSTR)(uintptr_t)(path ? path : ""), comment,
                                            sizeof comment);
    snprintf(result, sizeof result, "capture read: %lu", (unsigned long)r);
    return 0;
}
static int a_ok(const char *m)
{
    (void)m;
    snprintf(result, sizeof result, "no attack");
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(const char *);
} attacks[] = {
    {"ok", a_ok}, {"identity", a_identity}, {"capture-comment", a_capture_comment},
    {"kill", a_kill}, {"kill-all", a_kill_all}, {"kill-group", a_kill_group},
    {"tgkill", a_tgkill}, {"tkill", a_tkill}, {"sigqueue", a_sigqueue},
    {"tgsigqueue", a_tgsigqueue}, {"pidfd-signal", a_pidfd_signal},
    {"pidfd-getfd", a_pidfd_getfd}, {"prlimit-fsize", a_prlimit_fsize},
    {"prlimit-nofile", a_prlimit_nofile}, {"raise-limit", a_raise_limit}, {"renice", a_renice},
    {"affinity", a_affinity}, {"ptrace", a_ptrace}, {"vm-write", a_vm_write},
    {"procmem", a_procmem}, {"procmem-openat2", a_procmem_openat2},
    {"procmem-read", a_procmem_read}, {"host-fd", a_host_fd}, {"outlive", a_outlive},
    {"fork", a_fork}, {"fork-bomb", a_fork_bomb}, {"vfork", a_vfork},
    {"clone-process", a_clone_process}, {"clone-newuser", a_clone_newuser},
    {"execve", a_execve}, {"socket", a_socket}, {"socket-unix", a_socket_unix},
    {"socketpair", a_socketpair}, {"memfd", a_memfd}, {"shm", a_shm}, {"sysv-shm", a_sysv_shm},
    {"shared-index", a_shared_index},
    {"create", a_create}, {"creat", a_creat}, {"write-existing", a_write_existing},
    {"truncate-open", a_truncate_open}, {"openat2-create", a_openat2_create},
    {"openat2-trunc", a_openat2_trunc}, {"tmpfile", a_tmpfile}, {"truncate", a_truncate},
    {"ftruncate", a_ftruncate}, {"mknod", a_mknod}, {"mknodat", a_mknodat}, {"mkdir", a_mkdir},
    {"unlink", a_unlink}, {"rename", a_rename}, {"link", a_link}, {"symlink", a_symlink},
    {"chmod", a_chmod}, {"fchmod", a_fchmod}, {"fchown", a_fchown}, {"utimensat", a_utimensat},
    {"fsetxattr", a_fsetxattr}, {"setxattr", a_setxattr}, {"write-fd", a_write_fd},
    {"io-uring", a_io_uring}, {"tiocsti", a_tiocsti}, {"tty", a_tty}, {"setown", a_setown},
    {"sigsys-handler", a_sigsys_handler}, {"block-sigsys", a_block_sigsys},
    {"sigsys-high-bits", a_sigsys_high_bits},
    {"setuid", a_setuid}, {"keyctl", a_keyctl}, {"bpf", a_bpf}, {"perf", a_perf},
    {"userfaultfd", a_userfaultfd}, {"mount", a_mount}, {"setns", a_setns},
    {"chroot", a_chroot}, {"int80", a_int80}, {"x32", a_x32}, {"high-bits", a_high_bits},
    {"thread-signal", a_thread_signal},
};

/* The Run child has its stdout on a pipe to the host; the probe and
 * Configure children on /dev/null. */
static int in_run_child(void)
{
    struct stat st;
    return fstat(1, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* Runs the attack if `where` is where it was asked for; 1 if it escaped.
 * "ctor-run" and "dllmain-run": from the constructor or DllMain of the Run
 * child only (the probe before it passes). */
static int attack(const char *where)
{
    const char *at = getenv("HOSTILE_AT");
    at = at && *at ? at : "run";
    char here[32];
    snprintf(here, sizeof here, "%s-run", where);
    if (strcmp(at, where) != 0 && !(strcmp(at, here) == 0 && in_run_child()))
        return 0;
    const char *mode = getenv("HOSTILE_MODE");
    if (!mode || !*mode)
        mode = "ok";
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++)
        if (strcmp(attacks[i].name, mode) == 0)
            return attacks[i].fn(mode);
    snprintf(result, sizeof result, "unknown attack %s", mode);
    fprintf(stderr, "hostile: %s\n", result);
    return 0;
}

/* ---- the expert --------------------------------------------------------- */

__attribute__((constructor)) static void on_load(void)
{
    attack("ctor");
}

BOOL WINAPI DllMain(HINSTANCE h, ULONG reason, LPVOID reserved)
{
    (void)h;
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH)
        attack("dllmain");
    return TRUE;
}

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
    attack("register");
    strcpy(info->szName, "Hostile");
    strcpy(info->szVendor, "nmexpert tests");
    strcpy(info->szDescription, "attacks its host");
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
    attack("configure");
    if (!*cfg) {
        *cfg = ExpertAllocMemory(key, sizeof(DWORD) + 8, NULL);
        if (!*cfg)
            return FALSE;
        (*cfg)->RawConfigLength = sizeof(DWORD) + 8;
        memset((*cfg)->RawConfigData, 0, 8);
    }
    return TRUE;
}

static void submit(HEXPERTKEY key, DWORD ident, const char *text)
{
    NMEVENTDATA *e = ExpertAllocMemory(key, sizeof(NMEVENTDATA), NULL);
    if (!e)
        return;
    e->EventIdent = ident;
    e->szSourceName = "Hostile";
    e->szEventName = (LPSTR)(uintptr_t)text;
    e->NumColumns = 0;
    ExpertSubmitEvent(key, e);
    ExpertFreeMemory(key, e);
}

BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd)
{
    (void)cfg;
    (void)si;
    (void)flags;
    (void)hwnd;
    ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, "attacking", 10);
    submit(key, 1, "before the attack");
    attack("run");
    if (result[0])
        submit(key, 2, result);
    return TRUE;
}
