/* Progress bar lines (cli/term.c): never as wide as the terminal (so they
 * never wrap), whatever the width and the label; the parts dropped in order
 * as the width shrinks; control characters in labels made harmless. */
#include <string.h>

#include "nmx_test.h"
#include "../../cli/term.h"

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0u) != 0x80u)
            n++;
    return n;
}

static void t_never_wraps(void **st)
{
    (void)st;
    const char *labels[] = {"", "x", "Top Users @ office.cap",
                            "Top Users @ a-very-long-capture-file-name-from-the-branch-office.pcapng",
                            "caf\xC3\xA9 \xE2\x80\x94 r\xC3\xA9seau \xE6\x97\xA5\xE6\x9C\xAC"};
    unsigned frames[] = {0xFFFFFFFFu, 0, 4294967294u};
    for (unsigned w = 0; w <= 320; w++)
        for (size_t l = 0; l < sizeof labels / sizeof labels[0]; l++)
            for (size_t f = 0; f < 3; f++)
                for (unsigned pct = 0; pct <= 120; pct += 40) {
                    cli_bar b = {labels[l], pct, frames[f]};
                    char line[1200];
                    size_t n = cli_bar_line(&b, w, line, sizeof line);
                    if (n != chars(line) || (w && n >= w) || (!w && n))
                        fail_msg("width %u label %zu: %zu/%zu characters: '%s'", w, l, n,
                                 chars(line), line);
                }
}

static void t_degrades_in_order(void **st)
{
    (void)st;
    cli_bar b = {"Top Users @ office.cap", 42, 1234};
    char line[1200];
    cli_bar_line(&b, 80, line, sizeof line);
    assert_string_equal(line, "[#######............]  42%  Top Users @ office.cap  frame 1234");
    cli_bar_line(&b, 60, line, sizeof line);
    assert_non_null(strstr(line, "Top Users @ office.cap  frame 1234"));
    cli_bar_line(&b, 45, line, sizeof line); /* no room for the frame */
    assert_non_null(strstr(line, "] "));
    assert_null(strstr(line, "frame"));
    cli_bar_line(&b, 32, line, sizeof line); /* the name shortened in the middle */
    assert_non_null(strstr(line, "\xE2\x80\xA6"));
    assert_true(line[0] == '[');
    cli_bar_line(&b, 20, line, sizeof line); /* no bar */
    assert_true(strncmp(line, " 42%  ", 6) == 0);
    cli_bar_line(&b, 6, line, sizeof line);
    assert_string_equal(line, " 42%");
}

static void t_label_made_safe(void **st)
{
    (void)st;
    cli_bar b = {"evil\x1b[2J\x07name\xff", 5, 0xFFFFFFFFu};
    char line[1200];
    cli_bar_line(&b, 200, line, sizeof line);
    for (const char *p = line; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    assert_non_null(strstr(line, "evil?[2J?name?"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_never_wraps),
        cmocka_unit_test(t_degrades_in_order),
        cmocka_unit_test(t_label_made_safe),
    };
    return cmocka_run_group_tests_name("progress bars", tests, NULL, NULL);
}
