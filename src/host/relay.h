/*
 * Copying what an expert's process writes (stdout, stderr, log messages on
 * its channel) into the host's log, as untrusted text (docs/sandbox.md,
 * "The host"):
 *   - every line is prefixed with the expert's name from the host's own
 *     records and its stream: "[Top Users stdout] ...", so a line can never
 *     pass for one of the host's ("nmexpert: expert X completed");
 *   - control characters, escape sequences, invalid UTF-8, C1 controls and
 *     bidirectional overrides are escaped (\e, \r, \x9b, \u202e ...); a
 *     backslash is left as it is, so that escaping twice changes nothing
 *     (names escaped when probed are escaped again when relayed);
 *   - a line keeps at most NMX_RELAY_MAX_LINE bytes ("[N bytes cut]");
 *   - the expert's streams share one rate: a burst of NMX_RELAY_BURST_BYTES
 *     and NMX_RELAY_BURST_LINES, refilled at NMX_RELAY_RATE_BYTES and
 *     NMX_RELAY_RATE_LINES a second; lines beyond it are dropped and
 *     counted, and a note says how many ("N bytes (M lines) dropped").
 */
#ifndef NMX_HOST_RELAY_H
#define NMX_HOST_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NMX_RELAY_MAX_LINE 512u       /* bytes of one line kept              */
#define NMX_RELAY_BURST_BYTES 65536u
#define NMX_RELAY_BURST_LINES 256u
#define NMX_RELAY_RATE_BYTES 16384u   /* a second                            */
#define NMX_RELAY_RATE_LINES 64u      /* a second                            */
#define NMX_RELAY_MAX_NAME 64u        /* bytes of the expert's name shown    */

/* The rate shared by one expert's streams. */
typedef struct nmx__relay_rate {
    double bytes, lines;              /* tokens left                         */
    uint64_t at_ms;                   /* when last refilled                  */
    uint64_t dropped_bytes, dropped_lines; /* not yet reported               */
    uint64_t total_dropped_bytes;
} nmx__relay_rate;

/* Where relayed lines go: the host's log unless a test sets its own. */
typedef void (*nmx__relay_out_fn)(const char *line, void *ud);

typedef struct nmx__relay {
    nmx__relay_rate *rate;
    char who[NMX_RELAY_MAX_NAME * 4 + 8];  /* escaped name                   */
    const char *stream;               /* "stdout", "stderr", "log"           */
    char line[NMX_RELAY_MAX_LINE];
    size_t len;
    uint64_t cut;                     /* bytes of this line beyond the cap   */
    nmx__relay_out_fn out;
    void *out_ud;
} nmx__relay;

void nmx__relay_rate_init(nmx__relay_rate *r, uint64_t now_ms);
void nmx__relay_init(nmx__relay *rl, nmx__relay_rate *rate, const char *who, const char *stream);
/* Takes n bytes of the stream; complete lines are relayed (or dropped). */
void nmx__relay_feed(nmx__relay *rl, const void *data, size_t n, uint64_t now_ms);
/* The stream ended: relays an unfinished line and any drop not yet noted. */
void nmx__relay_finish(nmx__relay *rl, uint64_t now_ms);

/* Escapes n bytes of untrusted text into out (always NUL-terminated, cut
 * at a whole escape when cap is short); returns the length written. */
size_t nmx__relay_escape(const char *in, size_t n, char *out, size_t cap);

#endif
