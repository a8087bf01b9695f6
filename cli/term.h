/*
 * The terminal of `nmexpert run`: progress bars on the standard error,
 * results on the standard output, and neither corrupts the other.
 *
 * Bars are drawn only when the standard error is a terminal that can move
 * its cursor (not TERM=dumb). Every bar line is shorter than the terminal,
 * so it never wraps and the number of rows drawn is known; before anything
 * else is written to that terminal (a table on the standard output when it
 * is the same terminal, a log line on the standard error) the bars are
 * erased (cursor up over them, erase to the end of the screen), and they
 * are drawn again at the next redraw. All of it under one lock.
 */
#ifndef NMX_CLI_TERM_H
#define NMX_CLI_TERM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum cli_color { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color;

/* "auto", "always", "never" (and "yes"/"no", "force"/"none" as synonyms):
 * false for anything else. */
bool cli_color_parse(const char *s, cli_color *out);
/* Colour for output on fd: always; never; auto = fd is a terminal, TERM is
 * not "dumb" and NO_COLOR is not set to a non-empty value
 * (https://no-color.org). */
bool cli_color_for(cli_color mode, int fd);

/* The width to fit text for fd to, in characters: the COLUMNS variable
 * when it holds a positive number (it overrides, as for ls), else the
 * terminal's width when fd is a terminal, else 0 (no limit). */
unsigned cli_text_width(int fd);

#define TERM_MAX_BARS 32

typedef struct cli_term {
    pthread_mutex_t *lock;   /* held around every call below but init  */
    bool bars;               /* drawing bars on the standard error      */
    bool shared;             /* the standard output is the same terminal */
    bool color;              /* colour in the bars                      */
    size_t ndrawn;           /* bar lines on the screen now             */
    size_t drawn_len[TERM_MAX_BARS + 1]; /* their widths in characters  */
} cli_term;

typedef struct cli_bar {
    const char *label;       /* expert, and capture when several        */
    unsigned percent;        /* 0..100                                  */
    unsigned frame;          /* 0xFFFFFFFF: not known                   */
} cli_bar;

void cli_term_init(cli_term *t, pthread_mutex_t *lock, bool want_bars, cli_color color);
/* Erases the bars (no-op when none are drawn). */
void cli_term_clear(cli_term *t);
/* Erases the bars if stdout writes would land between them; then the
 * caller writes to stdout and calls cli_term_stdout_done. */
void cli_term_stdout_begin(cli_term *t);
void cli_term_stdout_done(cli_term *t);
/* Draws the bars of the n running jobs (replacing those drawn); bars holds
 * the first min(n, TERM_MAX_BARS). Rows beyond the screen's end as one
 * "+N more running" row. */
void cli_term_draw(cli_term *t, const cli_bar *bars, size_t n);
/* A diagnostic line on the standard error ("nmexpert: " + line). */
void cli_term_log(cli_term *t, const char *line);

/* One bar line for a terminal `width` columns wide, at most width - 1
 * characters (so that it never wraps): "[####......]  42%  label  frame N",
 * dropping the frame, then shortening the label in the middle, then
 * dropping the bar as the width shrinks. Control characters of the label
 * are shown as '?'. Returns the line's width in characters; buf gets the
 * text (UTF-8, NUL-terminated, no newline, no colour). */
size_t cli_bar_line(const cli_bar *b, unsigned width, char *buf, size_t len);

#endif
