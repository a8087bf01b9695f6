/*
 * Output files of the nmexpert tool, written so that no user file is lost:
 *
 *   - an output that is the same file as an input (same device and inode,
 *     through symbolic and hard links) is refused before anything is opened
 *     for writing, and so is one file named twice as an output;
 *   - a regular file is written to a temporary file in the same folder
 *     (".NAME.nmexpert-XXXXXX") and renamed over NAME only when every write
 *     succeeded; on an error or a signal the temporary file is removed and
 *     an older NAME is left as it was;
 *   - a device or a FIFO that already exists (/dev/null, a named pipe) is
 *     written in place;
 *   - the folder is checked (by creating the temporary file) before any
 *     analysis starts, so an unwritable path fails at once.
 */
#ifndef NMX_CLI_OUTPUTS_H
#define NMX_CLI_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What a path names, for "is it the same file": an existing file's device
 * and inode, or, for a file not created yet, its folder's and its name. */
typedef struct cli_fid {
    bool exists;
    dev_t dev;
    ino_t ino;
    char name[256]; /* last component, when !exists */
} cli_fid;

/* false (errno set) when neither the file nor its folder can be looked up. */
bool cli_fid_get(const char *path, cli_fid *id);
bool cli_fid_same(const cli_fid *a, const cli_fid *b);

typedef struct cli_out {
    const char *path;      /* as the user gave it                          */
    char dest[4096];       /* the file replaced (a symbolic link followed) */
    char tmp[4096];        /* the temporary file, "" when written in place */
    bool in_place;         /* an existing device or FIFO                   */
    int slot;              /* in the signal-cleanup table, -1 when none    */
} cli_out;

/* Refuses (message on stderr, false) when `out` is the same file as one of
 * the n inputs. */
bool cli_out_not_input(const char *out, const char *const *inputs, size_t n);

/* Prepares `path` for writing: refuses a folder, an existing file without
 * `force` (when `need_force`), a file that may not be written; creates the
 * temporary file. Prints the reason and returns false on failure. */
bool cli_out_begin(cli_out *o, const char *path, bool need_force, bool force);

/* The path to hand to the code that writes: the temporary file, or the
 * destination itself when written in place. */
const char *cli_out_open_path(const cli_out *o);

/* Makes the written file the destination (fsync, rename). Prints the reason
 * and returns false on failure (the temporary file is then removed). */
bool cli_out_commit(cli_out *o);

/* Removes the temporary file; the destination is left untouched. */
void cli_out_discard(cli_out *o);

/* Rewrites a message that names the temporary file so that it names the
 * destination instead (into buf). */
const char *cli_out_message(const cli_out *o, const char *msg, char *buf, size_t len);

/* Removes every temporary file still registered: async-signal-safe, for a
 * signal handler that is about to end the process. */
void cli_out_cleanup_now(void);

/* Installs handlers for SIGINT, SIGTERM and SIGHUP that remove the
 * temporary files and end the process with the signal (for commands that
 * have no handlers of their own). */
void cli_out_cleanup_on_signals(void);

/* Makes sure descriptors 0, 1 and 2 are open, so that a file opened later
 * never becomes the standard output by accident. A closed standard output
 * is replaced by a descriptor open for reading only: writes to it then fail
 * with EBADF and are reported, never lost silently. */
void cli_stdio_guard(void);

#endif
