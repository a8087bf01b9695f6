/* The nmexpert tool's commands and exit codes. */
#ifndef NMX_CLI_H
#define NMX_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "nmexpert/common.h"

/*
 * Exit status of `nmexpert run` (the worst outcome of all its runs wins,
 * in the order listed from least to most severe):
 *   0  every expert completed
 *   1  an expert failed (Run returned FALSE or reported a problem)
 *   3  a capture or an expert could not be loaded
 *   7  an expert was stopped (repeated misuse)
 *   5  an expert timed out
 *   6  an expert hit its memory limit
 *   4  an expert crashed or called exit()
 *   8  an output could not be written (full disk, closed standard output,
 *      unwritable path); a reader of the standard output that went away
 *      (`| head`) is not an error
 *   130 interrupted (Ctrl-C, SIGINT), 143 by SIGTERM, 129 by SIGHUP (128 + the
 *      signal); the outputs are written with what was produced so far
 * and for every command: 2 usage error; other commands use 0, 1 (a file
 * could not be read or written) and 3.
 */
/* The word a capture's warning is printed with on stderr: "damaged" for
 * damage (a record cut short or impossible: the warning has an error code,
 * and a warning past the stored ones is counted as damage), "warning" for
 * what was read anyway (an unusual version). The message names the file and
 * the offset. */
static inline const char *cli_warning_kind(const nmx_diag *d)
{
    return !d || d->code != NMX_OK ? "damaged" : "warning";
}

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_LOAD = 3,
    CLI_EXIT_CRASHED = 4,
    CLI_EXIT_TIMEOUT = 5,
    CLI_EXIT_MEMORY = 6,
    CLI_EXIT_TERMINATED = 7,
    CLI_EXIT_OUTPUT = 8,
    CLI_EXIT_HANGUP = 129,      /* 128 + SIGHUP  */
    CLI_EXIT_INTERRUPTED = 130, /* 128 + SIGINT  */
    CLI_EXIT_SIGTERM = 143      /* 128 + SIGTERM */
};

int cli_usage(FILE *out);
/* The usage of one command (the general usage for an unknown one); returns
 * 0 for stdout, 2 (usage error) for stderr. */
int cli_command_usage(const char *cmd, FILE *out);
bool cli_is_command(const char *cmd);
/* `nmexpert help EXPERT`: what the expert does and its options. */
int cli_help_expert(const char *spec);
/* After a command: flushes the standard output and reports a write error
 * (naming it and the system's reason) unless already reported or it is
 * EPIPE (the reader went away: not an error). Returns the exit status. */
int cli_stdout_finish(int rc, int error_code);
/* Marks a standard-output error as reported (by a sink). */
void cli_stdout_error_reported(void);
int cli_list(int argc, char **argv);
int cli_configure(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_dissect(int argc, char **argv);
int cli_properties(int argc, char **argv);
int cli_info(int argc, char **argv);

#endif
