/* Output folders: see outdir.h. */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool cli_outdir_begin(cli_outdir *o, const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n >= sizeof o->dir) {
        fprintf(stderr, "nmexpert: %s: the folder name is too long (%zu bytes, at most %zu)\n",
                path, n, sizeof o->dir - 1);
        return false;
    }
    memcpy(o->dir, path, n);
    o->dir[n] = 0;
    o->tmp[0] = 0;
    struct stat st;
    if (stat(o->dir, &st) != 0) {
        if (errno != ENOENT || mkdir(o->dir, 0777) != 0) {
            fprintf(stderr, "nmexpert: %s: cannot create the folder: %s\n", o->dir,
                    strerror(errno));
            return false;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "nmexpert: %s: not a folder (csv:DIR/ writes a folder of CSV files)\n",
                o->dir);
        return false;
    }
    snprintf(o->tmp, sizeof o->tmp, "%s/.nmexpert-XXXXXX", o->dir);
    if (!mkdtemp(o->tmp)) {
        fprintf(stderr, "nmexpert: %s: cannot write in this folder: %s\n", o->dir,
                strerror(errno));
        o->tmp[0] = 0;
        return false;
    }
    return true;
}

static bool each_file(cli_outdir *o, bool move)
{
    DIR *d = opendir(o->tmp);
    if (!d)
        return false;
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char from[4600], to[4400];
        snprintf(from, sizeof from, "%s/%s", o->tmp, e->d_name);
        snprintf(to, sizeof to, "%s/%s", o->dir, e->d_name);
        if (move) {
            int fd = open(from, O_RDONLY);
            if (fd >= 0) {
                fsync(fd);
                close(fd);
            }
            if (rename(from, to) != 0) {
                fprintf(stderr, "nmexpert: %s: cannot be written: %s\n", to, strerror(errno));
                ok = false;
                unlink(from);
            }
        } else {
            unlink(from);
        }
    }
    closedir(d);
    return ok;
}

bool cli_outdir_commit(cli_outdir *o)
{
    if (!o->tmp[0])
        return false;
    bool ok = each_file(o, true);
    each_file(o, false); /* what could not be moved */
    rmdir(o->tmp);
    o->tmp[0] = 0;
    return ok;
}

void cli_outdir_discard(cli_outdir *o)
{
    if (!o->tmp[0])
        return;
    each_file(o, false);
    rmdir(o->tmp);
    o->tmp[0] = 0;
}
