/*
 * The relay of an expert's output into the host's log (src/host/relay.h):
 * what is escaped and what is kept, the line cap, the shared rate with its
 * counted drops, and the name prefix.
 */
#include <string.h>

#include "host/relay.h"
#include "nmx_test.h"

static char lines[400][4096];
static size_t nlines;

static void collect(const char *line, void *ud)
{
    (void)ud;
    if (nlines < 400)
        snprintf(lines[nlines], sizeof lines[0], "%s", line);
    nlines++;
}

static void setup_relay(nmx__relay *rl, nmx__relay_rate *rate, const char *who, uint64_t t)
{
    nlines = 0;
    nmx__relay_rate_init(rate, t);
    nmx__relay_init(rl, rate, who, "stdout");
    rl->out = collect;
}

static void check_escape(const char *in, size_t n, const char *want)
{
    char out[256];
    nmx__relay_escape(in, n, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_escape(void **state)
{
    (void)state;
    check_escape("plain text", 10, "plain text");
    check_escape("\x1b[2J\r\t\x07\x7f", 8, "\\e[2J\\r\\t\\x07\\x7f");
    check_escape("a\\eb", 4, "a\\eb"); /* backslashes kept: escaping twice changes nothing */
    check_escape("\xc2\x9b" "31m", 5, "\\u009b31m");             /* C1 CSI */
    check_escape("\xe2\x80\xae" "x", 4, "\\u202ex");             /* right-to-left override */
    check_escape("\xff\xfe", 2, "\\xff\\xfe");                   /* not UTF-8 */
    check_escape("\xc0\xaf", 2, "\\xc0\\xaf");                   /* overlong '/' */
    check_escape("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");          /* a surrogate */
    check_escape("\xe2\x82", 2, "\\xe2\\x82");                   /* cut sequence */
    check_escape("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    check_escape("a\0b", 3, "a\\x00b");
    /* twice: the same */
    char once[64], twice[64];
    nmx__relay_escape("\x1b]0;t\x07\xc2\x85", 8, once, sizeof once);
    nmx__relay_escape(once, strlen(once), twice, sizeof twice);
    assert_string_equal(once, twice);
    /* a short buffer cuts at a whole escape */
    char small[6];
    assert_int_equal(nmx__relay_escape("ab\x1b\x1b", 4, small, sizeof small), 4);
    assert_string_equal(small, "ab\\e");
}

static void test_lines(void **state)
{
    (void)state;
    nmx__relay rl;
    nmx__relay_rate rate;
    setup_relay(&rl, &rate, "Top\x1bUsers", 1000);
    nmx__relay_feed(&rl, "ab", 2, 1000);
    assert_int_equal(nlines, 0);
    nmx__relay_feed(&rl, "c\nd\x1b[31m\n\nlast", 14, 1000);
    assert_int_equal(nlines, 3);
    assert_string_equal(lines[0], "[Top\\eUsers stdout] abc");
    assert_string_equal(lines[1], "[Top\\eUsers stdout] d\\e[31m");
    assert_string_equal(lines[2], "[Top\\eUsers stdout] ");
    nmx__relay_finish(&rl, 1000);
    assert_int_equal(nlines, 4);
    assert_string_equal(lines[3], "[Top\\eUsers stdout] last");
    /* a long line: the first NMX_RELAY_MAX_LINE bytes and the count of the rest */
    static char big[3000];
    memset(big, 'A', sizeof big);
    big[sizeof big - 1] = '\n';
    nmx__relay_feed(&rl, big, 1000, 1000);
    nmx__relay_feed(&rl, big + 1000, sizeof big - 1000, 1000);
    assert_int_equal(nlines, 5);
    char want[700];
    int o = snprintf(want, sizeof want, "[Top\\eUsers stdout] ");
    memset(want + o, 'A', NMX_RELAY_MAX_LINE);
    snprintf(want + o + NMX_RELAY_MAX_LINE, sizeof want - (size_t)o - NMX_RELAY_MAX_LINE,
             " [%u bytes cut]", (unsigned)(sizeof big - 1 - NMX_RELAY_MAX_LINE));
    assert_string_equal(lines[4], want);
}

static void test_rate(void **state)
{
    (void)state;
    nmx__relay rl;
    nmx__relay_rate rate;
    setup_relay(&rl, &rate, "X", 0);
    /* a burst of lines at one instant: NMX_RELAY_BURST_LINES pass */
    for (int i = 0; i < 1000; i++)
        nmx__relay_feed(&rl, "0123456789\n", 11, 0);
    assert_int_equal(nlines, NMX_RELAY_BURST_LINES);
    assert_int_equal(rate.dropped_lines, 1000 - NMX_RELAY_BURST_LINES);
    assert_int_equal(rate.dropped_bytes, 11u * (1000 - NMX_RELAY_BURST_LINES));
    /* a second later: the note of what was dropped, then the line */
    nmx__relay_feed(&rl, "later\n", 6, 1000);
    assert_int_equal(nlines, NMX_RELAY_BURST_LINES + 2);
    char want[200];
    snprintf(want, sizeof want,
             "[X stdout] %u bytes (%u lines) of output dropped: more than %u bytes or %u lines "
             "a second",
             11u * (1000 - NMX_RELAY_BURST_LINES), 1000 - NMX_RELAY_BURST_LINES,
             NMX_RELAY_RATE_BYTES, NMX_RELAY_RATE_LINES);
    assert_string_equal(lines[NMX_RELAY_BURST_LINES], want);
    assert_string_equal(lines[NMX_RELAY_BURST_LINES + 1], "[X stdout] later");
    /* bytes too: long lines exhaust the byte budget before the line budget */
    setup_relay(&rl, &rate, "X", 0);
    static char line[NMX_RELAY_MAX_LINE + 1];
    memset(line, 'b', NMX_RELAY_MAX_LINE);
    line[NMX_RELAY_MAX_LINE] = '\n';
    for (int i = 0; i < 200; i++)
        nmx__relay_feed(&rl, line, sizeof line, 0);
    assert_int_equal(nlines, NMX_RELAY_BURST_BYTES / (NMX_RELAY_MAX_LINE + 1));
    /* the drop is noted at the end even when nothing follows */
    size_t before = nlines;
    nmx__relay_finish(&rl, 0);
    assert_int_equal(nlines, before + 1);
    assert_non_null(strstr(lines[before], "of output dropped"));
    assert_int_equal(rate.dropped_lines, 0);
    assert_true(rate.total_dropped_bytes > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
