/* The nmexpert tool's commands and exit codes. */
#ifndef NMX_CLI_H
#define NMX_CLI_H

#include <stdio.h>

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
 *   130 interrupted (Ctrl-C)
 * and for every command: 2 usage error; other commands use 0, 1 (a file
 * could not be read or written) and 3.
 */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_LOAD = 3,
    CLI_EXIT_CRASHED = 4,
    CLI_EXIT_TIMEOUT = 5,
    CLI_EXIT_MEMORY = 6,
    CLI_EXIT_TERMINATED = 7,
    CLI_EXIT_INTERRUPTED = 130
};

int cli_usage(FILE *out);
int cli_list(int argc, char **argv);
int cli_configure(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_info(int argc, char **argv);

#endif
