/* Untrusted text from an expert's process into the host's log (relay.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "host/host.h"
#include "host/relay.h"

/* The code point of a well-formed UTF-8 sequence at s (n bytes left), its
 * length in *len; -1 when the bytes are not one (RFC 3629, section 4:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static long utf8_at(const unsigned char *s, size_t n, size_t *len)
{
    unsigned char c = s[0];
    size_t k;
    long cp, min;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        k = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        k = 4, cp = c & 0x07, min = 0x10000;
    else
        return -1;
    if (n < k)
        return -1;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = k;
    return cp;
}

/* Code points that move the cursor or reorder text: C1 controls (CSI is
 * U+009B) and the bidirectional formatting characters (Unicode UAX #9). */
static bool hidden_control(long cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF;
}

size_t nmx__relay_escape(const char *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    if (!cap)
        return 0;
    const unsigned char *s = (const unsigned char *)in;
    for (size_t i = 0; i < n;) {
        char esc[16];
        const char *piece = esc;
        size_t plen, used = 1;
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7F) {
            esc[0] = (char)c;
            plen = 1;
        } else if (c == '\t') {
            plen = (size_t)snprintf(esc, sizeof esc, "\\t");
        } else if (c == '\r') {
            plen = (size_t)snprintf(esc, sizeof esc, "\\r");
        } else if (c == 0x1B) {
            plen = (size_t)snprintf(esc, sizeof esc, "\\e");
        } else if (c < 0x80) {
            plen = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
        } else {
            size_t k;
            long cp = utf8_at(s + i, n - i, &k);
            if (cp < 0) {
                plen = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
            } else if (hidden_control(cp)) {
                plen = (size_t)snprintf(esc, sizeof esc, "\\u%04lx", cp);
                used = k;
            } else {
                piece = in + i;
                plen = k;
                used = k;
            }
        }
        if (plen >= cap - o)
            break;
        memcpy(out + o, piece, plen);
        o += plen;
        i += used;
    }
    out[o] = 0;
    return o;
}

static void refill(nmx__relay_rate *r, uint64_t now_ms)
{
    if (now_ms <= r->at_ms)
        return;
    double s = (double)(now_ms - r->at_ms) / 1000.0;
    r->at_ms = now_ms;
    r->bytes += s * NMX_RELAY_RATE_BYTES;
    if (r->bytes > NMX_RELAY_BURST_BYTES)
        r->bytes = NMX_RELAY_BURST_BYTES;
    r->lines += s * NMX_RELAY_RATE_LINES;
    if (r->lines > NMX_RELAY_BURST_LINES)
        r->lines = NMX_RELAY_BURST_LINES;
}

void nmx__relay_rate_init(nmx__relay_rate *r, uint64_t now_ms)
{
    memset(r, 0, sizeof *r);
    r->bytes = NMX_RELAY_BURST_BYTES;
    r->lines = NMX_RELAY_BURST_LINES;
    r->at_ms = now_ms;
}

static void default_out(const char *line, void *ud)
{
    (void)ud;
    nmx__log("%s", line);
}

void nmx__relay_init(nmx__relay *rl, nmx__relay_rate *rate, const char *who, const char *stream)
{
    memset(rl, 0, sizeof *rl);
    rl->rate = rate;
    rl->stream = stream;
    size_t n = strnlen(who, NMX_RELAY_MAX_NAME);
    nmx__relay_escape(who, n, rl->who, sizeof rl->who);
    rl->out = default_out;
}

static void emit(nmx__relay *rl, const char *text)
{
    char line[sizeof rl->who + 32 + NMX_RELAY_MAX_LINE * 4 + 64];
    snprintf(line, sizeof line, "[%s %s] %s", rl->who, rl->stream, text);
    rl->out(line, rl->out_ud);
}

static void note_drops(nmx__relay *rl)
{
    nmx__relay_rate *r = rl->rate;
    if (!r->dropped_bytes && !r->dropped_lines)
        return;
    char note[160];
    snprintf(note, sizeof note,
             "%" PRIu64 " bytes (%" PRIu64 " line%s) of output dropped: more than %u bytes "
             "or %u lines a second",
             r->dropped_bytes, r->dropped_lines, r->dropped_lines == 1 ? "" : "s",
             NMX_RELAY_RATE_BYTES, NMX_RELAY_RATE_LINES);
    r->dropped_bytes = r->dropped_lines = 0;
    emit(rl, note);
}

/* One complete line (without its newline) of `full` bytes, `len` kept. */
static void line_done(nmx__relay *rl, uint64_t full, uint64_t now_ms)
{
    nmx__relay_rate *r = rl->rate;
    refill(r, now_ms);
    double cost = (double)(rl->len + 1);
    if (r->lines < 1.0 || r->bytes < cost) {
        r->dropped_bytes += full + 1;
        r->total_dropped_bytes += full + 1;
        r->dropped_lines++;
        return;
    }
    r->lines -= 1.0;
    r->bytes -= cost;
    note_drops(rl);
    char text[NMX_RELAY_MAX_LINE * 4 + 64];
    size_t o = nmx__relay_escape(rl->line, rl->len, text, sizeof text - 48);
    if (rl->cut)
        snprintf(text + o, sizeof text - o, " [%" PRIu64 " bytes cut]", rl->cut);
    emit(rl, text);
}

void nmx__relay_feed(nmx__relay *rl, const void *data, size_t n, uint64_t now_ms)
{
    const char *p = data;
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        size_t room = sizeof rl->line - rl->len;
        size_t keep = take < room ? take : room;
        memcpy(rl->line + rl->len, p, keep);
        rl->len += keep;
        rl->cut += take - keep;
        if (!nl)
            return;
        line_done(rl, (uint64_t)rl->len + rl->cut, now_ms);
        rl->len = 0;
        rl->cut = 0;
        p = nl + 1;
        n -= take + 1;
    }
}

void nmx__relay_finish(nmx__relay *rl, uint64_t now_ms)
{
    if (rl->len || rl->cut) {
        line_done(rl, (uint64_t)rl->len + rl->cut, now_ms);
        rl->len = 0;
        rl->cut = 0;
    }
    note_drops(rl);
}
