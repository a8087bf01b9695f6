/*
 * An output folder (csv:DIR/): its files are written into a hidden folder
 * inside DIR (".nmexpert-XXXXXX"), created before anything runs so that an
 * unwritable DIR fails at once, and moved into DIR (replacing files of the
 * same names, leaving others alone) only when the run's outputs are kept;
 * otherwise they are removed and DIR is left as it was.
 */
#ifndef NMX_CLI_OUTDIR_H
#define NMX_CLI_OUTDIR_H

#include <stdbool.h>

typedef struct cli_outdir {
    char dir[4096]; /* DIR, without its trailing '/' */
    char tmp[4200]; /* the hidden folder written     */
} cli_outdir;

/* Creates DIR when missing (one level) and the hidden folder; prints the
 * reason and returns false on failure. */
bool cli_outdir_begin(cli_outdir *o, const char *path);
/* Moves the files into DIR; prints the reason and returns false on failure. */
bool cli_outdir_commit(cli_outdir *o);
/* Removes the hidden folder and what it holds. */
void cli_outdir_discard(cli_outdir *o);

#endif
