/* The demo/sample capture generator of the command-line tool. */
#ifndef NMX_CLI_SAMPLE_H
#define NMX_CLI_SAMPLE_H
#include "nmexpert/capture.h"

/* Writes `frames` frames of synthetic office traffic to `path`. */
nmx_err nmx_sample_write(const char *path, nmx_write_format fmt, uint64_t frames, uint64_t seed,
                         nmx_diag *diag);
#endif
