/* Run ids, capture ids and capture descriptions for the run records. */
#include "records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "cli.h"
#include "nmexpert/capture.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/run.h"

void cli_run_id(char *buf, size_t len)
{
    uint8_t r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < sizeof r) { /* no entropy source: time and pid, still unique enough per host */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        uint64_t b = (uint64_t)getpid() * 0x9E3779B97F4A7C15u ^ a;
        memcpy(r, &a, 8);
        memcpy(r + 8, &b, 8);
    }
    r[6] = (uint8_t)((r[6] & 0x0Fu) | 0x40u); /* version 4 (RFC 9562 section 5.4) */
    r[8] = (uint8_t)((r[8] & 0x3Fu) | 0x80u); /* variant 10 */
    snprintf(buf, len,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
}

/* ---- SHA-256 (FIPS 180-4), by Nettle ------------------------------------ */

void cli_sha256(const void *data, size_t n, uint8_t out[32])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, n, data);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

int cli_capture_id(const char *path, char *buf, size_t len)
{
    enum { MIB = 1 << 20, STEP = 32 << 10 };
    buf[0] = 0;
    FILE *f = fopen(path, "rbe");
    if (!f)
        return 0;
    /* the first MiB, read in steps into one small buffer */
    uint8_t data[STEP];
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    size_t total = 0, n;
    while (total < MIB && (n = fread(data, 1, STEP, f)) > 0) {
        sha256_update(&ctx, n, data);
        total += n;
    }
    int ok = !ferror(f) && fseeko(f, 0, SEEK_END) == 0;
    off_t size = ok ? ftello(f) : -1;
    fclose(f);
    if (!ok || size < 0)
        return 0;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof d, d);
    char hex[2 * SHA256_DIGEST_SIZE + 1];
    for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    snprintf(buf, len, "sha256-1m:%s:%lld", hex, (long long)size);
    return 1;
}

bool cli_output_records_id(nmx_sink_kind kind)
{
    return kind != NMX_SINK_TABLE && kind != NMX_SINK_CSV && kind != NMX_SINK_HTML;
}

void cli_capture_info_fill(cli_capture_info *ci, void *hcapture, const char *path, size_t index,
                           bool with_id)
{
    memset(ci, 0, sizeof *ci);
    nmx_capture *cap = nmx_hcapture_capture(hcapture);
    ci->c.path = path;
    ci->c.index = index;
    if (with_id && cli_capture_id(path, ci->id, sizeof ci->id))
        ci->c.id = ci->id;
    if (!cap)
        return;
    ci->c.format = nmx_capture_format_name(cap);
    ci->c.size = nmx_capture_size(cap);
    /* what opening tells: the rest comes at the capture's end */
    nmx_frame a;
    if (nmx_capture_has_frame(cap, 0) && nmx_capture_frame(cap, 0, &a) == NMX_OK) {
        ci->c.has_time = true;
        ci->c.first_ns = a.ts_ns;
    }
}

bool cli_capture_info_end(cli_capture_info *ci, void *hcapture)
{
    nmx_capture *cap = nmx_hcapture_capture(hcapture);
    if (!cap)
        return false;
    bool complete;
    ci->c.frames = nmx_capture_frames_known(cap, &complete);
    nmx_frame b;
    ci->c.has_time = false;
    if (ci->c.frames && nmx_capture_frame(cap, 0, &b) == NMX_OK) {
        ci->c.first_ns = b.ts_ns;
        if (nmx_capture_frame(cap, ci->c.frames - 1, &b) == NMX_OK) {
            ci->c.has_time = true;
            ci->c.last_ns = b.ts_ns;
        }
    }
    /* the warnings, once the file was read to its end (the count of a
     * capture read in part would walk the rest) */
    size_t nw = complete ? nmx_capture_warning_count(cap) : 0;
    free(ci->warnings);
    ci->warnings = NULL;
    ci->c.warnings = NULL;
    ci->c.nwarnings = 0;
    if (nw > NMX_CAPTURE_MAX_WARNINGS)
        nw = NMX_CAPTURE_MAX_WARNINGS; /* the rest are counted, not kept */
    if (nw && (ci->warnings = calloc(nw, sizeof *ci->warnings)) != NULL) {
        for (size_t w = 0; w < nw; w++)
            ci->warnings[w] = nmx_capture_warning(cap, w)->msg;
        ci->c.warnings = ci->warnings;
        ci->c.nwarnings = nw;
    }
    return complete;
}

void cli_capture_info_free(cli_capture_info *ci)
{
    free(ci->warnings);
    ci->warnings = NULL;
}

const char *cli_exit_name(int code)
{
    switch (code) {
    case CLI_EXIT_OK: return "ok";
    case CLI_EXIT_FAILED: return "failed";
    case CLI_EXIT_USAGE: return "usage";
    case CLI_EXIT_LOAD: return "load";
    case CLI_EXIT_CRASHED: return "crashed";
    case CLI_EXIT_TIMEOUT: return "timeout";
    case CLI_EXIT_MEMORY: return "memory";
    case CLI_EXIT_TERMINATED: return "terminated";
    case CLI_EXIT_OUTPUT: return "output";
    case CLI_EXIT_HANGUP:
    case CLI_EXIT_INTERRUPTED:
    case CLI_EXIT_SIGTERM: return "interrupted";
    default: return "unknown";
    }
}

void cli_session_end(const struct nmx_run_result *res, nmx_sink_session_end *end)
{
    memset(end, 0, sizeof *end);
    end->outcome = nmx_run_outcome_name(res->outcome);
    end->message = res->message;
    end->signal = res->outcome == NMX_RUN_CRASHED ? res->signal : 0;
    end->exit_status = res->outcome == NMX_RUN_EXITED ? res->exit_status : 0;
    end->run_returned = res->run_returned;
    end->run_value = res->run_value;
    end->last_frame = res->frame;
    end->frames_read = res->frame == 0xFFFFFFFFu ? 0 : (uint64_t)res->frame + 1;
    end->events = res->events;
    end->reclaimed_blocks = res->memory.leaked_blocks;
    end->reclaimed_bytes = res->memory.leaked_bytes;
    end->overruns = res->memory.overruns;
    end->misuse = res->memory.misuse_total;
    end->peak_bytes = res->memory.peak_bytes;
    end->seconds = res->seconds;
}

void cli_run_begin(nmx_sink **sinks, size_t nsinks, const char *run_id, int argc, char **argv,
                   const cli_capture_info *caps, size_t ncaps, size_t sessions)
{
    nmx_sink_capture *c = calloc(ncaps ? ncaps : 1, sizeof *c);
    if (!c)
        return;
    for (size_t i = 0; i < ncaps; i++)
        c[i] = caps[i].c;
    nmx_sink_run run = {.run_id = run_id,
                        .version = nmx_version(),
                        .args = (const char *const *)argv,
                        .nargs = argc > 0 ? (size_t)argc : 0,
                        .captures = c,
                        .ncaptures = ncaps,
                        .sessions = sessions};
    for (size_t i = 0; i < nsinks; i++)
        nmx_sink_run_begin(sinks[i], &run);
    free(c);
}

void cli_run_end(nmx_sink **sinks, size_t nsinks, int exit_status, const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double secs = (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
    for (size_t i = 0; i < nsinks; i++)
        nmx_sink_run_end(sinks[i], exit_status, cli_exit_name(exit_status), secs);
}
