/* The terminal of `nmexpert run` (see term.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "term.h"

bool cli_color_parse(const char *s, cli_color *out)
{
    if (!strcmp(s, "auto") || !strcmp(s, "tty") || !strcmp(s, "if-tty"))
        *out = CLI_COLOR_AUTO;
    else if (!strcmp(s, "always") || !strcmp(s, "yes") || !strcmp(s, "force"))
        *out = CLI_COLOR_ALWAYS;
    else if (!strcmp(s, "never") || !strcmp(s, "no") || !strcmp(s, "none"))
        *out = CLI_COLOR_NEVER;
    else
        return false;
    return true;
}

static bool dumb_term(void)
{
    const char *t = getenv("TERM");
    return t && !strcmp(t, "dumb");
}

bool cli_color_for(cli_color mode, int fd)
{
    if (mode == CLI_COLOR_ALWAYS)
        return true;
    if (mode == CLI_COLOR_NEVER)
        return false;
    const char *nc = getenv("NO_COLOR");
    return isatty(fd) && !dumb_term() && !(nc && *nc);
}

static unsigned env_columns(void)
{
    const char *c = getenv("COLUMNS");
    if (!c || !*c)
        return 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(c, &end, 10);
    if (errno || *end || v == 0 || v > 100000 || c[0] == '-')
        return 0;
    return (unsigned)v;
}

unsigned cli_text_width(int fd)
{
    unsigned c = env_columns();
    if (c)
        return c;
    struct winsize ws;
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

/* The bars' terminal: its real size first (it may have been resized). */
static void bar_size(unsigned *cols, unsigned *rows)
{
    struct winsize ws;
    *cols = 0;
    *rows = 0;
    if (ioctl(2, TIOCGWINSZ, &ws) == 0) {
        *cols = ws.ws_col;
        *rows = ws.ws_row;
    }
    if (!*cols)
        *cols = env_columns();
    if (!*cols)
        *cols = 80;
    if (!*rows)
        *rows = 24;
}

void cli_term_init(cli_term *t, pthread_mutex_t *lock, bool want_bars, cli_color color)
{
    memset(t, 0, sizeof *t);
    t->lock = lock;
    t->bars = want_bars && isatty(2) && !dumb_term();
    struct stat so, se;
    t->shared = t->bars && isatty(1) && fstat(1, &so) == 0 && fstat(2, &se) == 0 &&
                so.st_rdev == se.st_rdev;
    t->color = t->bars && cli_color_for(color, 2);
}

/* ---- bar lines ------------------------------------------------------------ */

/* Length of the UTF-8 sequence starting at s (0: not a valid one). */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                                 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
    return n;
}

/* The label, terminal-safe: control characters and bytes that are not
 * UTF-8 become '?'. Returns its width in characters. */
static size_t safe_label(const char *in, char *out, size_t len)
{
    size_t o = 0, w = 0;
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    while (*s && o + 5 < len) {
        size_t n = utf8_len(s);
        if (n == 0 || (n == 1 && (*s < 0x20 || *s == 0x7F)) ||
            (n == 2 && s[0] == 0xC2 && s[1] < 0xA0)) { /* C0, DEL, C1 */
            out[o++] = '?';
            s += n ? n : 1;
        } else {
            memcpy(out + o, s, n);
            o += n;
            s += n;
        }
        w++;
    }
    out[o] = 0;
    return w;
}

/* Appends the first `chars` characters of s. */
static size_t put_chars(char *out, size_t o, size_t len, const char *s, size_t chars)
{
    for (size_t c = 0; c < chars && *s; c++) {
        size_t n = utf8_len((const unsigned char *)s);
        if (!n)
            n = 1;
        if (o + n < len) {
            memcpy(out + o, s, n);
            o += n;
        }
        s += n;
    }
    out[o < len ? o : len - 1] = 0;
    return o;
}

static const char *skip_chars(const char *s, size_t chars)
{
    for (size_t c = 0; c < chars && *s; c++) {
        size_t n = utf8_len((const unsigned char *)s);
        s += n ? n : 1;
    }
    return s;
}

/* Appends label in at most `room` characters ("…" in the middle). */
static size_t put_label(char *out, size_t o, size_t len, const char *lab, size_t labw,
                        size_t room)
{
    if (labw <= room)
        return put_chars(out, o, len, lab, labw);
    if (room == 0)
        return o;
    size_t keep = room - 1, head = (keep + 1) / 2, tail = keep - head;
    o = put_chars(out, o, len, lab, head);
    o = put_chars(out, o, len, "\xE2\x80\xA6", 1);
    return put_chars(out, o, len, skip_chars(lab, labw - tail), tail);
}

size_t cli_bar_line(const cli_bar *b, unsigned width, char *buf, size_t len)
{
    size_t avail = width > 1 ? width - 1 : 0; /* the last column would wrap */
    char lab[1024];
    size_t labw = safe_label(b->label, lab, sizeof lab);
    unsigned pct = b->percent > 100 ? 100 : b->percent;
    char pc[8], fr[32] = "";
    snprintf(pc, sizeof pc, "%3u%%", pct);
    if (b->frame != 0xFFFFFFFFu)
        snprintf(fr, sizeof fr, "  frame %u", b->frame);
    size_t frw = strlen(fr);
    size_t barw = avail / 4;
    barw = barw < 10 ? 10 : barw > 30 ? 30 : barw;
    size_t barpart = barw + 2 + 1 + 4 + 2; /* "[bar] 100%  " */
    size_t o = 0;
    buf[0] = 0;
    bool with_bar = avail >= barpart + 8 || (avail >= barpart + labw && labw);
    if (with_bar) {
        buf[o++] = '[';
        size_t fill = pct * barw / 100;
        for (size_t i = 0; i < barw; i++)
            buf[o++] = i < fill ? '#' : '.';
        o += (size_t)snprintf(buf + o, len - o, "] %s  ", pc);
    } else if (avail >= 4) {
        o += (size_t)snprintf(buf + o, len - o, "%s", pc);
        if (avail >= 4 + 2 + 4)
            o += (size_t)snprintf(buf + o, len - o, "  ");
    } else {
        return 0;
    }
    size_t used = with_bar ? barpart : (avail >= 10 ? 6 : 4);
    if (used >= avail || (!with_bar && avail < 10))
        return used; /* no room for a name worth reading */
    size_t room = avail - used;
    if (labw + frw <= room) {
        o = put_chars(buf, o, len, lab, labw);
        o += (size_t)snprintf(buf + o, len - o, "%s", fr);
        return used + labw + frw;
    }
    o = put_label(buf, o, len, lab, labw, room);
    return used + (labw < room ? labw : room);
}

/* ---- drawing -------------------------------------------------------------- */

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* a terminal gone: nothing to erase any more */
        p += w;
        n -= (size_t)w;
    }
}

/* The sequence that erases the drawn bars, at buf; its length. */
static size_t clear_seq(cli_term *t, unsigned cols, char *buf, size_t len)
{
    if (!t->ndrawn)
        return 0;
    size_t rows = 0;
    for (size_t i = 0; i < t->ndrawn; i++) /* lines wrap if it got narrower */
        rows += t->drawn_len[i] > cols ? (t->drawn_len[i] + cols - 1) / cols : 1;
    if (rows > 250)
        rows = 250; /* more than any screen: the cursor stops at its top */
    t->ndrawn = 0;
    /* Line by line (erase line, down), then back up: erasing to the end of
     * the screen from its top row makes some terminals (tmux's
     * scroll-on-clear) keep the erased rows in their history. */
    size_t o = (size_t)snprintf(buf, len, "\r\033[%zuA", rows);
    for (size_t i = 0; i < rows && o + 16 < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "\033[2K\033[B");
    o += (size_t)snprintf(buf + o, len - o, "\033[%zuA", rows);
    return o;
}

void cli_term_clear(cli_term *t)
{
    if (!t->bars || !t->ndrawn)
        return;
    unsigned cols, rows;
    bar_size(&cols, &rows);
    char seq[16 + 8 * 2 * (TERM_MAX_BARS + 1) * 4];
    size_t n = clear_seq(t, cols, seq, sizeof seq);
    write_all(2, seq, n);
}

void cli_term_stdout_begin(cli_term *t)
{
    if (t->shared)
        cli_term_clear(t);
}

void cli_term_stdout_done(cli_term *t)
{
    (void)t;
    fflush(stdout);
}

void cli_term_draw(cli_term *t, const cli_bar *bars, size_t n)
{
    if (!t->bars)
        return;
    unsigned cols, rows;
    bar_size(&cols, &rows);
    size_t max = rows > 3 ? rows - 2 : 1;
    if (max > TERM_MAX_BARS)
        max = TERM_MAX_BARS;
    static char out[(TERM_MAX_BARS + 1) * 1200 + 64];
    size_t o = clear_seq(t, cols, out, sizeof out);
    size_t shown = n <= max ? n : max - 1; /* the last row then says how many more */
    for (size_t i = 0; i < shown; i++) {
        char line[1100];
        size_t w = cli_bar_line(&bars[i], cols, line, sizeof line);
        const char *close = t->color && line[0] == '[' ? strchr(line, ']') : NULL;
        if (close) /* the bar in colour */
            o += (size_t)snprintf(out + o, sizeof out - o, "\033[36m%.*s\033[0m%s\n",
                                  (int)(close - line + 1), line, close + 1);
        else
            o += (size_t)snprintf(out + o, sizeof out - o, "%s\n", line);
        t->drawn_len[t->ndrawn++] = w;
    }
    if (shown < n) {
        char more[64];
        int w = snprintf(more, sizeof more, "+%zu more running", n - shown);
        if (w > 0 && (unsigned)w < cols) {
            o += (size_t)snprintf(out + o, sizeof out - o, "%s\n", more);
            t->drawn_len[t->ndrawn++] = (size_t)w;
        }
    }
    write_all(2, out, o);
}

void cli_term_log(cli_term *t, const char *line)
{
    pthread_mutex_lock(t->lock);
    cli_term_clear(t);
    fprintf(stderr, "nmexpert: %s\n", line);
    fflush(stderr);
    pthread_mutex_unlock(t->lock);
}
