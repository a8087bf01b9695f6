/*
 * --progress=jsonl[:FILE|fd:N]: a machine-readable progress stream, one
 * JSON object per line (docs/records.md, "Progress stream"; schema
 * docs/schema/nmexpert-progress-2.json). Thread-safe.
 */
#ifndef NMX_CLI_PROGRESS_JSONL_H
#define NMX_CLI_PROGRESS_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "nmexpert/sink.h"

typedef struct cli_pj cli_pj;

/* spec: "jsonl" (standard error), "jsonl:FILE" (created or truncated) or
 * "jsonl:fd:N" (an open descriptor). Prints the reason and returns NULL
 * when it cannot be used. */
cli_pj *cli_pj_open(const char *spec);
void cli_pj_run_start(cli_pj *p, const char *run_id, size_t sessions);
/* frames: in the capture, UINT64_MAX while not known (the capture has not
 * been read to its end); size: the file's bytes. */
void cli_pj_session_start(cli_pj *p, const nmx_sink_session *ss, uint64_t frames, uint64_t size);
/* A status update of a session: the first one, then one when 250 ms have
 * passed or the percent grew by 10 since the last one written, and always
 * one at 100 %. frames: as above, when known now; offset: the file offset
 * of `frame` when known, else UINT64_MAX. */
void cli_pj_status(cli_pj *p, uint64_t session, unsigned percent, uint32_t frame, uint64_t frames,
                   uint64_t offset);
void cli_pj_session_end(cli_pj *p, const nmx_sink_session *ss, const char *outcome,
                        uint64_t frames_read, double seconds);
void cli_pj_run_end(cli_pj *p, int exit_status, const char *status);
void cli_pj_close(cli_pj *p);

#endif
