/* The HTML sink's charts (docs/report-html.md#charts), through the sink API:
 * retransmissions binned by their frames' times (and by frame number when
 * the times are unknown), each kind in its own series; a property's value
 * histogram with its min, mean and max; labels escaped inside the charts. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "event_test_util.h"

static char g_dir[256];

static int setup(void **st)
{
    (void)st;
    return evt_tmpdir_make(g_dir, sizeof g_dir, "nmx-html");
}

static int teardown(void **st)
{
    (void)st;
    return evt_tmpdir_remove(g_dir);
}

/* Frame n (from 0) is at n seconds; frame 77 cannot be dated. */
static bool frame_time(void *ud, uint64_t capture_index, uint64_t frame, int64_t *ns)
{
    int *calls = ud;
    (*calls)++;
    if (capture_index != 5 || frame == 77)
        return false;
    *ns = (int64_t)frame * 1000000000;
    return true;
}

static nmx_sink_capture g_cap = {.path = "c.pcap", .id = "id", .index = 5, .format = "pcap",
                                 .frames = 41, .size = 1, .has_time = true,
                                 .first_ns = 0, .last_ns = 40000000000};

static void column(nmx_event_column *c, const char *name, uint32_t type, double v,
                   const char *s)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->type = type;
    c->str = s ? s : "";
    if (type == NMCOLUMNTYPE_FLOAT64)
        c->v.f = v;
    else
        c->v.u = (uint64_t)v;
}

static void segment(nmx_sink *s, const nmx_sink_session *ss, uint64_t seq, unsigned r,
                    unsigned f, unsigned sp, unsigned final, const char *frames)
{
    nmx_event_column c[7];
    column(&c[0], "Source", NMCOLUMNTYPE_STRING, 0, "a<b>:1");
    column(&c[1], "Destination", NMCOLUMNTYPE_STRING, 0, "c:2");
    column(&c[2], "Retransmits", NMCOLUMNTYPE_UINT32, r, NULL);
    column(&c[3], "Fast", NMCOLUMNTYPE_UINT32, f, NULL);
    column(&c[4], "Spurious", NMCOLUMNTYPE_UINT32, sp, NULL);
    column(&c[5], "Final Frame", NMCOLUMNTYPE_FRAME, final, NULL);
    column(&c[6], "Frames", NMCOLUMNTYPE_STRING, 0, frames);
    nmx_event e = evt_make(ss->label, seq, c, 7);
    e.name = "Retransmitted segment";
    assert_int_equal(nmx_sink_session_event(s, ss, &e), NMX_OK);
}

/* Writes a TCP Retransmit report; returns the page (free it). */
static char *retrans_page(const char *name, bool with_times, int *calls)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    nmx_sink *s = NULL;
    nmx_diag d;
    assert_int_equal(nmx_sink_open(NMX_SINK_HTML, path, NULL, &s, &d), NMX_OK);
    if (with_times)
        assert_int_equal(nmx_sink_set_frame_time_fn(s, frame_time, calls), NMX_OK);
    nmx_sink_run run = {.run_id = "r", .version = "1", .captures = &g_cap, .ncaptures = 1,
                        .sessions = 1};
    nmx_sink_session ss = {.label = "TCP Retransmit", .expert_name = "TCP Retransmit",
                           .expert_file = "tcpretrans", .capture = &g_cap, .index = 0};
    assert_int_equal(nmx_sink_run_begin(s, &run), NMX_OK);
    assert_int_equal(nmx_sink_session_begin(s, &ss), NMX_OK);
    /* frames count from 1: frame 5 is index 4, at 4 s */
    segment(s, &ss, 0, 1, 0, 0, 5, "5");
    segment(s, &ss, 1, 2, 2, 0, 13, "9 13");      /* fast, at 8 s and 12 s */
    segment(s, &ss, 2, 1, 0, 1, 15, "15");        /* spurious, at 14 s */
    segment(s, &ss, 3, 20, 1, 1, 25, "17 21 ..."); /* mixed: 16 s, 20 s, 18 more at 24 s */
    assert_int_equal(nmx_sink_capture_end(s, &g_cap, true), NMX_OK); /* its span */
    assert_int_equal(nmx_sink_run_end(s, 0, "ok", 1), NMX_OK);
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    char *page = evt_slurp(path, NULL);
    assert_non_null(page);
    return page;
}

static void t_timeline_times(void **st)
{
    (void)st;
    int calls = 0;
    char *p = retrans_page("t1.html", true, &calls);
    assert_true(calls >= 6);
    assert_non_null(strstr(p, "data-chart=\"timeline\""));
    assert_non_null(strstr(p, "24 retransmissions counted at their frames&#39; times, in 40 "
                              "bins of 1 s from the first frame (1970-01-01 00:00:00Z)"));
    /* columns: retransmission, fast, spurious, several kinds */
    const char *rows[] = {
        "<tr><td>+4 s to +5 s</td><td class=\"n\">1</td><td class=\"n\">0</td>"
        "<td class=\"n\">0</td><td class=\"n\">0</td></tr>",
        "<tr><td>+8 s to +9 s</td><td class=\"n\">0</td><td class=\"n\">1</td>"
        "<td class=\"n\">0</td><td class=\"n\">0</td></tr>",
        "<tr><td>+12 s to +13 s</td><td class=\"n\">0</td><td class=\"n\">1</td>",
        "<tr><td>+14 s to +15 s</td><td class=\"n\">0</td><td class=\"n\">0</td>"
        "<td class=\"n\">1</td><td class=\"n\">0</td></tr>",
        "<tr><td>+16 s to +17 s</td><td class=\"n\">0</td><td class=\"n\">0</td>"
        "<td class=\"n\">0</td><td class=\"n\">1</td></tr>",
        "<tr><td>+24 s to +25 s</td><td class=\"n\">0</td><td class=\"n\">0</td>"
        "<td class=\"n\">0</td><td class=\"n\">18</td></tr>",
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (!strstr(p, rows[i]))
            fail_msg("missing row %s", rows[i]);
    assert_null(strstr(p, "a<b>"));
    free(p);
}

static void t_timeline_frames(void **st)
{
    (void)st;
    /* no frame-time function: bins over the capture's frames */
    char *p = retrans_page("t2.html", false, NULL);
    assert_non_null(strstr(p, "24 retransmissions counted by frame number"));
    assert_null(strstr(p, "seconds from the first frame"));
    assert_non_null(strstr(p, "frame number"));
    free(p);
}

static void prop_event(nmx_sink *s, const nmx_sink_session *ss, uint64_t seq, double value,
                       double count, const char *label)
{
    nmx_event_column c[6];
    column(&c[0], "Protocol", NMCOLUMNTYPE_STRING, 0, "TCP");
    column(&c[1], "Property", NMCOLUMNTYPE_STRING, 0, "Port");
    column(&c[2], "Value", NMCOLUMNTYPE_UINT32, value, NULL);
    column(&c[3], "Label", NMCOLUMNTYPE_STRING, 0, label);
    column(&c[4], "Count", NMCOLUMNTYPE_UINT32, count, NULL);
    column(&c[5], "% of Set", NMCOLUMNTYPE_UINT32, 3, NULL);
    nmx_event e = evt_make(ss->label, seq, c, 6);
    e.name = "";
    assert_int_equal(nmx_sink_session_event(s, ss, &e), NMX_OK);
}

static void t_histogram(void **st)
{
    (void)st;
    char path[300];
    snprintf(path, sizeof path, "%s/h.html", g_dir);
    nmx_sink *s = NULL;
    nmx_diag d;
    assert_int_equal(nmx_sink_open(NMX_SINK_HTML, path, NULL, &s, &d), NMX_OK);
    nmx_sink_session ss = {.label = "Property Distribution", .expert_name = "Property Distribution",
                           .expert_file = "propdist", .index = 0};
    assert_int_equal(nmx_sink_session_begin(s, &ss), NMX_OK);
    /* 30 values 100..129, value 100 + i seen 30 - i times: the most
     * frequent first, as the expert orders them */
    double sum = 0, n = 0;
    for (int i = 0; i < 30; i++) {
        prop_event(s, &ss, (uint64_t)i, 100 + i, 30 - i, i == 3 ? "</text><script>" : "");
        sum += (100.0 + i) * (30 - i);
        n += 30 - i;
    }
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    char *p = evt_slurp(path, NULL);
    assert_non_null(p);
    assert_non_null(strstr(p, "data-chart=\"histogram\""));
    /* bars: 24 values and "(the other 6)" = 6+5+4+3+2+1 */
    assert_non_null(strstr(p, "<tr><td>(the other 6)</td><td class=\"n\">21</td>"));
    /* one bin per value (30 fit in 40), the marks and their values */
    assert_non_null(strstr(p, "<tr><td>100</td><td class=\"n\">30</td></tr>"));
    assert_non_null(strstr(p, "<tr><td>129</td><td class=\"n\">1</td></tr>"));
    char mean[128];
    snprintf(mean, sizeof mean, "<tr><td>mean</td><td class=\"n\">%.2f</td></tr>", sum / n);
    if (!strstr(p, mean))
        fail_msg("missing %s", mean);
    assert_non_null(strstr(p, "<tr><td>min</td><td class=\"n\">100</td></tr>"));
    assert_non_null(strstr(p, "<tr><td>max</td><td class=\"n\">129</td></tr>"));
    /* the hostile label, escaped in the bar chart */
    assert_non_null(strstr(p, "103 &lt;/text&gt;&lt;script&gt;"));
    assert_null(strstr(p, "</text><script>"));
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_timeline_times),
        cmocka_unit_test(t_timeline_frames),
        cmocka_unit_test(t_histogram),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
