/* What the run tells its sinks: the run's id, and each capture described
 * with a stable id (docs/records.md). */
#ifndef NMX_CLI_RECORDS_H
#define NMX_CLI_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmexpert/sink.h"

/* A random UUID (version 4) as 36 characters: "xxxxxxxx-xxxx-4xxx-...". */
void cli_run_id(char *buf, size_t len);

/* SHA-256 (FIPS 180-4) of n bytes. */
void cli_sha256(const void *data, size_t n, uint8_t out[32]);

/* A capture's stable id: "sha256-1m:<hex of SHA-256 of the first MiB>:<size>";
 * false (buf "") when the file cannot be read. */
int cli_capture_id(const char *path, char *buf, size_t len);

/* A capture's description for the run records; the strings it points to
 * are owned by *ci (free with cli_capture_info_free). hcapture: HCAPTURE.
 * with_id: compute the capture id (a read and hash of up to 1 MiB), which
 * only the outputs that record it need (cli_output_records_id). Fill
 * tells what opening the capture told (path, id, format, size, the first
 * frame's time) and reads no further; end adds what reading it told
 * (frames, the last frame's time, warnings) from what its handle has
 * indexed, without reading more, and returns whether that is the whole
 * file. */
typedef struct cli_capture_info {
    nmx_sink_capture c;
    char id[128];
    const char **warnings;
} cli_capture_info;

void cli_capture_info_fill(cli_capture_info *ci, void *hcapture, const char *path, size_t index,
                           bool with_id);
bool cli_capture_info_end(cli_capture_info *ci, void *hcapture);

/* Whether an output of this kind records the capture id: JSON Lines and the
 * CSV directory do (docs/records.md); the table, CSV and HTML outputs do not. */
bool cli_output_records_id(nmx_sink_kind kind);
void cli_capture_info_free(cli_capture_info *ci);

/* A session's end as the run records tell it. */
struct nmx_run_result;
void cli_session_end(const struct nmx_run_result *res, nmx_sink_session_end *end);

/* The run's start (its id, the command line, the captures, sessions
 * planned) and end (exit status; seconds since *start, CLOCK_MONOTONIC),
 * told to every sink. */
struct timespec;
void cli_run_begin(nmx_sink **sinks, size_t nsinks, const char *run_id, int argc, char **argv,
                   const cli_capture_info *caps, size_t ncaps, size_t sessions);
void cli_run_end(nmx_sink **sinks, size_t nsinks, int exit_status, const struct timespec *start);

/* The name of an exit status of nmexpert run ("ok", "crashed"...). */
const char *cli_exit_name(int code);

#endif
