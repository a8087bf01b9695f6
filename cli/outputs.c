/* Output files written without losing a user's file: see outputs.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outputs.h"

/* ---- file identity ----------------------------------------------------- */

static void split_path(const char *path, char *dir, size_t dlen, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dlen, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dlen, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, dlen, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

bool cli_fid_get(const char *path, cli_fid *id)
{
    memset(id, 0, sizeof *id);
    struct stat st;
    if (stat(path, &st) == 0) {
        id->exists = true;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        return true;
    }
    if (errno != ENOENT)
        return false;
    char dir[4096];
    const char *base;
    split_path(path, dir, sizeof dir, &base);
    if (stat(dir, &st) != 0)
        return false;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    snprintf(id->name, sizeof id->name, "%s", base);
    return true;
}

bool cli_fid_same(const cli_fid *a, const cli_fid *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
           (a->exists || strcmp(a->name, b->name) == 0);
}

bool cli_out_not_input(const char *out, const char *const *inputs, size_t n)
{
    cli_fid o;
    if (out) {
        if (!cli_fid_get(out, &o) || !o.exists)
            return true; /* a file that does not exist is no input */
    } else {
        struct stat st; /* the standard output, as the shell opened it */
        if (fstat(1, &st) != 0 || !S_ISREG(st.st_mode))
            return true;
        o.exists = true;
        o.dev = st.st_dev;
        o.ino = st.st_ino;
    }
    for (size_t i = 0; i < n; i++) {
        cli_fid in;
        if (cli_fid_get(inputs[i], &in) && cli_fid_same(&o, &in)) {
            if (out)
                fprintf(stderr,
                        "nmexpert: %s is the same file as the input %s; refusing to write "
                        "over it\n",
                        out, inputs[i]);
            else
                fprintf(stderr,
                        "nmexpert: the standard output is the input %s; refusing to write "
                        "over it\n",
                        inputs[i]);
            return false;
        }
    }
    return true;
}

/* ---- temporary files removed on signals --------------------------------- */

#define CLEANUP_SLOTS 64

static char cleanup_path[CLEANUP_SLOTS][4096];
static volatile sig_atomic_t cleanup_used[CLEANUP_SLOTS];

static int cleanup_add(const char *path)
{
    for (int i = 0; i < CLEANUP_SLOTS; i++)
        if (!cleanup_used[i]) {
            snprintf(cleanup_path[i], sizeof cleanup_path[i], "%s", path);
            cleanup_used[i] = 1;
            return i;
        }
    return -1;
}

static void cleanup_remove(int slot)
{
    if (slot >= 0 && slot < CLEANUP_SLOTS)
        cleanup_used[slot] = 0;
}

void cli_out_cleanup_now(void)
{
    for (int i = 0; i < CLEANUP_SLOTS; i++)
        if (cleanup_used[i]) {
            unlink(cleanup_path[i]);
            cleanup_used[i] = 0;
        }
}

static void on_fatal_signal(int sig)
{
    cli_out_cleanup_now();
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_out_cleanup_on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* ---- one output --------------------------------------------------------- */

bool cli_out_begin(cli_out *o, const char *path, bool need_force, bool force)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    o->slot = -1;
    if (!*path) {
        fprintf(stderr, "nmexpert: an empty output file name\n");
        return false;
    }
    struct stat st;
    snprintf(o->dest, sizeof o->dest, "%s", path);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        /* a device or a FIFO, also behind a link (/dev/stdout): in place */
        if (access(path, W_OK) != 0) {
            fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(errno));
            return false;
        }
        o->in_place = true;
        return true;
    }
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* Write the file the link names, and keep the link. */
        char *real = realpath(path, NULL);
        if (!real) {
            fprintf(stderr, "nmexpert: %s: a symbolic link to a missing file (%s)\n", path,
                    strerror(errno));
            return false;
        }
        snprintf(o->dest, sizeof o->dest, "%s", real);
        free(real);
    }
    mode_t mode;
    if (stat(o->dest, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(EISDIR));
            return false;
        }
        if (access(o->dest, W_OK) != 0) {
            fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(errno));
            return false;
        }
        if (!S_ISREG(st.st_mode)) { /* a device or a FIFO: written in place */
            o->in_place = true;
            return true;
        }
        if (need_force && !force) {
            fprintf(stderr, "nmexpert: %s: the file exists; give --force to replace it\n", path);
            return false;
        }
        mode = st.st_mode & 07777;
    } else if (errno == ENOENT) {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    } else {
        fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(errno));
        return false;
    }
    char dir[4096];
    const char *base;
    split_path(o->dest, dir, sizeof dir, &base);
    if (!*base) {
        fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(EISDIR));
        return false;
    }
    /* ".NAME.nmexpert-XXXXXX", NAME cut so that the whole fits in NAME_MAX */
    int keep = (int)strlen(base);
    if (keep > 200)
        keep = 200;
    int n = snprintf(o->tmp, sizeof o->tmp, "%s/.%.*s.nmexpert-XXXXXX", dir, keep, base);
    if (n < 0 || (size_t)n >= sizeof o->tmp) {
        fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(ENAMETOOLONG));
        o->tmp[0] = 0;
        return false;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        fprintf(stderr, "nmexpert: %s: cannot create a file in %s: %s\n", path, dir, strerror(e));
        o->tmp[0] = 0;
        return false;
    }
    o->slot = cleanup_add(o->tmp);
    if (fchmod(fd, mode) != 0 || close(fd) != 0) {
        int e = errno;
        fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(e));
        cli_out_discard(o);
        return false;
    }
    if (o->slot < 0) {
        fprintf(stderr, "nmexpert: %s: too many output files at once (at most %d)\n", path,
                CLEANUP_SLOTS);
        cli_out_discard(o);
        return false;
    }
    return true;
}

const char *cli_out_open_path(const cli_out *o)
{
    return o->in_place ? o->dest : o->tmp;
}

void cli_out_discard(cli_out *o)
{
    if (o->tmp[0]) {
        unlink(o->tmp);
        o->tmp[0] = 0;
    }
    cleanup_remove(o->slot);
    o->slot = -1;
}

bool cli_out_commit(cli_out *o)
{
    if (o->in_place || !o->tmp[0])
        return true;
    /* The data reach the disk before the name does, so that a power cut
     * leaves either the old file or the new one. */
    int fd = open(o->tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        fprintf(stderr, "nmexpert: %s: %s\n", o->path, strerror(e));
        cli_out_discard(o);
        return false;
    }
    close(fd);
    if (rename(o->tmp, o->dest) != 0) {
        int e = errno;
        fprintf(stderr, "nmexpert: %s: %s\n", o->path, strerror(e));
        cli_out_discard(o);
        return false;
    }
    o->tmp[0] = 0;
    cleanup_remove(o->slot);
    o->slot = -1;
    return true;
}

const char *cli_out_message(const cli_out *o, const char *msg, char *buf, size_t len)
{
    const char *at = o->tmp[0] ? strstr(msg, o->tmp) : NULL;
    if (!at)
        return msg;
    snprintf(buf, len, "%.*s%s%s", (int)(at - msg), msg, o->path, at + strlen(o->tmp));
    return buf;
}

void cli_stdio_guard(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int nfd = open("/dev/null", O_RDONLY);
        if (nfd >= 0 && nfd != fd) { /* a lower descriptor was free too */
            dup2(nfd, fd);
            close(nfd);
        }
    }
}

/* ---- the standard output -------------------------------------------------- */

#include "cli.h"

static bool stdout_reported;

void cli_stdout_error_reported(void)
{
    stdout_reported = true;
}

int cli_stdout_finish(int rc, int error_code)
{
    errno = 0;
    bool failed = fflush(stdout) != 0;
    int e = errno;
    failed = failed || ferror(stdout);
    if (!failed || stdout_reported || e == EPIPE)
        return rc;
    fprintf(stderr, "nmexpert: standard output: %s\n", e ? strerror(e) : "write error");
    stdout_reported = true;
    return rc == 0 || rc == CLI_EXIT_FAILED ? error_code : rc;
}
