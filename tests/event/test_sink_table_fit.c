/* The table sink fitted to a width: every line within the width, long
 * texts shortened in the middle, numbers never shortened, tables that
 * cannot fit printed as records (no value lost), floats with fixed
 * decimals, and version 1 options still accepted. */
#include <string.h>
#include <unistd.h>

#include "event_test_util.h"

static char g_path[256];

static int setup(void **st)
{
    (void)st;
    const char *tmp = getenv("TMPDIR");
    snprintf(g_path, sizeof g_path, "%s/nmx-fit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(g_path);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    return unlink(g_path);
}

/* Characters (code points) of a line. */
static size_t chars(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0u) != 0x80u)
            w++;
    return w;
}

static char *slurp(void)
{
    FILE *f = fopen(g_path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* Longest line of the output, in characters. */
static size_t widest(const char *text)
{
    size_t best = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (chars(p, n) > best)
            best = chars(p, n);
        p += n + (e ? 1 : 0);
    }
    return best;
}

/* Three events: a long host name, a long description, numbers and a
 * float share. Written through a table sink of the given width. */
static char *render(uint32_t width, uint32_t version)
{
    nmx_sink_options o;
    memset(&o, 0, sizeof o);
    o.version = version;
    o.width = version >= 2 ? width : 0;
    o.max_cell_width = 256;
    nmx_sink *s = NULL;
    nmx_diag d;
    if (nmx_sink_open(NMX_SINK_TABLE, g_path, &o, &s, &d) != NMX_OK)
        fail_msg("nmx_sink_open: %s", d.msg);
    assert_int_equal(nmx_sink_begin_expert(s, "Top Users", "x.cap"), NMX_OK);
    const char *hosts[3] = {"very-long-host-name-number-one.branch-office.example.com", "b",
                            "c.example.org"};
    double shares[3] = {47.123456, 0.5, 100};
    for (unsigned i = 0; i < 3; i++) {
        nmx_event_column c[4];
        memset(c, 0, sizeof c);
        c[0].name = "Host"; c[0].type = NMCOLUMNTYPE_STRING; c[0].str = hosts[i];
        c[1].name = "Frames"; c[1].type = NMCOLUMNTYPE_UINT32; c[1].v.u = 1234567u + i;
        c[1].str = "";
        c[2].name = "Share %"; c[2].type = NMCOLUMNTYPE_FLOAT64; c[2].v.f = shares[i];
        c[2].str = "";
        c[3].name = "Bytes"; c[3].type = NMCOLUMNTYPE_UINT32; c[3].v.u = 4000000000u;
        c[3].str = "";
        nmx_event e = evt_make("Top Users", i, c, 4);
        e.description = "the busiest senders of the whole capture, by bytes";
        assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    }
    assert_int_equal(nmx_sink_end_expert(s, "Top Users", "completed"), NMX_OK);
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    return slurp();
}

static void t_wide_enough(void **st)
{
    (void)st;
    char *out = render(300, NMX_SINK_OPTIONS_VERSION);
    print_message("%s", out);
    assert_non_null(strstr(out, "very-long-host-name-number-one.branch-office.example.com"));
    assert_non_null(strstr(out, "the busiest senders of the whole capture, by bytes"));
    assert_null(strstr(out, "RECORD"));
    /* fixed decimals: the points line up */
    assert_non_null(strstr(out, " 47.12"));
    assert_non_null(strstr(out, "  0.50"));
    assert_non_null(strstr(out, "100.00"));
}

static void t_narrowed(void **st)
{
    (void)st;
    char *out = render(120, NMX_SINK_OPTIONS_VERSION);
    print_message("%s", out);
    /* the table rows fit (the "== … ==" title line is not a table row) */
    const char *table = strchr(out, '\n') + 1;
    assert_true(widest(table) <= 120);
    assert_null(strstr(out, "RECORD"));
    /* shortened in the middle: the start and the end both kept */
    assert_null(strstr(out, "very-long-host-name-number-one.branch-office.example.com"));
    assert_non_null(strstr(out, "very-l"));
    assert_non_null(strstr(out, "e.com "));
    assert_non_null(strstr(out, "\xE2\x80\xA6"));
    /* numbers whole */
    assert_non_null(strstr(out, "1234567"));
    assert_non_null(strstr(out, "4000000000"));
    assert_non_null(strstr(out, "47.12"));
}

static void t_records(void **st)
{
    (void)st;
    for (uint32_t w = 40; w >= 24; w -= 16) {
        char *out = render(w, NMX_SINK_OPTIONS_VERSION);
        print_message("width %u:\n%s", w, out);
        const char *body = strchr(out, '\n') + 1;
        assert_true(widest(body) <= w);
        assert_non_null(strstr(out, "-[ RECORD 1 ]"));
        assert_non_null(strstr(out, "-[ RECORD 3 ]"));
        /* nothing lost: the long host name is all there, across lines */
        char joined[1 << 16];
        size_t j = 0;
        for (const char *p = body; *p && j < sizeof joined - 1; p++) {
            if (*p == '\n') { /* a continuation line: drop the break and the indent */
                const char *q = p + 1;
                while (*q == ' ')
                    q++;
                if (q > p + 1) {
                    p = q - 1;
                    continue;
                }
            }
            joined[j++] = *p;
        }
        joined[j] = 0;
        assert_non_null(strstr(joined, "very-long-host-name-number-one.branch-office.example.com"));
        assert_non_null(strstr(joined, "4000000000"));
        assert_non_null(strstr(joined, "47.12"));
    }
}

static void t_version1_options(void **st)
{
    (void)st;
    /* a version 1 structure: no width, so never narrowed */
    char *out = render(40, NMX_SINK_OPTIONS_VERSION_1);
    assert_non_null(strstr(out, "very-long-host-name-number-one.branch-office.example.com"));
    assert_null(strstr(out, "RECORD"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_wide_enough),
        cmocka_unit_test(t_narrowed),
        cmocka_unit_test(t_records),
        cmocka_unit_test(t_version1_options),
    };
    return cmocka_run_group_tests_name("table fit", tests, setup, teardown);
}
