/*
 * Command-line arguments of the nmexpert tool: one way to read options for
 * every command, and checked option values.
 *
 *   --name VALUE, --name=VALUE, -x VALUE, -xVALUE   an option with a value
 *   --                                             ends the options: every
 *                                                  later argument is an operand
 *
 * Every bad value is a usage error (exit 2) whose message names the option,
 * the value and what the option accepts.
 */
#ifndef NMX_CLI_ARGS_H
#define NMX_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cli_args {
    const char *cmd;   /* "run", "convert", ...: prefixes the messages */
    int argc;
    char **argv;
    int i;             /* next argument                                */
    bool operands;     /* after "--"                                   */
    bool after_dashdash; /* the operand just returned came after "--"  */
    char opt[64];      /* the option just returned, without "=value"   */
    const char *inline_value; /* its "=value" (or -xVALUE) part        */
} cli_args;

void cli_args_init(cli_args *a, const char *cmd, int argc, char **argv);

/* The next argument, NULL at the end. *is_opt says whether it is an
 * option: then a->opt holds its name ("--timeout", "-j"). */
const char *cli_args_next(cli_args *a, bool *is_opt);

/* The value of the option just returned (its inline part, or the next
 * argument, whatever it looks like: `--frames -5` gives "-5"); NULL after
 * printing "CMD: OPTION needs a value". */
const char *cli_args_value(cli_args *a);

/* The option just returned takes no value: false (after a message) when one
 * was attached ("--quiet=yes"). */
bool cli_args_flag(cli_args *a);

/* Prints "nmexpert CMD: unknown option 'X' (see nmexpert CMD --help)". */
int cli_args_unknown(const cli_args *a);

bool cli_is(const char *opt, const char *long_name, const char *short_name);

/* Values. Each prints a usage message naming the option on failure. */
bool cli_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Seconds, a decimal number >= 0 ("1.5"), into milliseconds; 0 allowed
 * only when allow_zero. At most 49 days (the 32-bit millisecond range). */
bool cli_parse_seconds(const char *opt, const char *s, bool allow_zero, uint32_t *ms);
/* A size in bytes: a number with an optional K, M, G or T suffix (powers of
 * 1024; "KiB", "MB" and so on are accepted as the same), at least 1. */
bool cli_parse_size(const char *opt, const char *s, uint64_t *out);

#endif
