/*
 * Expert configurations as text.
 *
 * A configuration file (`--config FILE`, and the stored configuration of
 * each expert in $XDG_CONFIG_HOME/nmexpert/experts/NAME.cfg) holds one
 * KEY=VALUE a line; blank lines and lines starting with '#' are ignored.
 * KEY is made of letters, digits, '_', '-' and '.'; VALUE is the rest of the
 * line (any text but control characters). Such a configuration reaches the
 * expert as its EXPERTCONFIG: NUL-separated "KEY=VALUE" strings ending with
 * an empty string (docs/writing-an-expert.md).
 *
 * An expert whose Configure returns bytes that are not KEY=VALUE text has
 * them stored as one line "%binary HEX"; such a configuration can be shown,
 * reset and used, not merged with --set.
 */
#ifndef NMX_CLI_CONFIG_STORE_H
#define NMX_CLI_CONFIG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "nmexpert/expert.h"

typedef struct cli_config {
    char **keys, **values;
    size_t n, cap;
    unsigned char *binary; /* a binary configuration (then n == 0) */
    size_t binary_len;
} cli_config;

void cli_config_free(cli_config *c);

/* Where an expert's configuration is stored. */
void cli_config_path(const nmx_expert_info *ex, char *buf, size_t len);

/* Reads a configuration file into *c (which it clears first). Returns 1 on
 * success, 0 when the file does not exist (and !must_exist), -1 after
 * printing what is wrong: "FILE:LINE: ...", or the system's error. */
int cli_config_load(const char *path, bool must_exist, cli_config *c);

/* Adds or replaces KEY=VALUE (`origin` names where it came from in a
 * message: "--set"). false after printing why it is not accepted. */
bool cli_config_set(cli_config *c, const char *pair, const char *origin);

/* Copies src's entries over dst's (src wins for a key in both). */
bool cli_config_merge(cli_config *dst, const cli_config *src);

/* The EXPERTCONFIG bytes (malloc'd), or NULL/0 for an empty configuration. */
bool cli_config_to_blob(const cli_config *c, void **blob, size_t *len);
/* The other way: an expert's EXPERTCONFIG bytes (its length word first). */
bool cli_config_from_blob(const void *blob, size_t len, cli_config *c);

/* Writes the file (atomically: temporary file and rename), creating its
 * folders; `title` becomes a leading comment. false after a message. */
bool cli_config_save(const char *path, const cli_config *c, const char *title);

void cli_config_print(FILE *out, const cli_config *c, const char *indent);

#endif
