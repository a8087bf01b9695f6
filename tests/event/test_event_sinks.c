/* Sinks: JSON Lines and CSV read back with Python, the table against an
 * expected text, and concurrent writers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event_test_util.h"

static char g_dir[256];

static int setup(void **st)
{
    (void)st;
    return evt_tmpdir_make(g_dir, sizeof g_dir, "nmx-sinks");
}

static int teardown(void **st)
{
    (void)st;
    return evt_tmpdir_remove(g_dir);
}

static void path_in(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", g_dir, name);
}

static bool have_python(void)
{
    static int have = -1;
    if (have < 0)
        have = system("python3 -c 'import json, csv' >/dev/null 2>&1") == 0;
    if (!have)
        print_message("SKIP: python3 not found; output not checked by a parser\n");
    return have == 1;
}

/* Runs a Python script on a file; the script asserts; output goes to the
 * test's log. */
static void run_python(const char *script, const char *file)
{
    char sp[300], cmd[700];
    path_in(sp, sizeof sp, "check.py");
    FILE *f = fopen(sp, "w");
    assert_non_null(f);
    fputs(script, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s' 2>&1", sp, file);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[1024];
    while (fgets(line, sizeof line, p))
        print_message("python: %s", line);
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static nmx_sink *open_sink(nmx_sink_kind kind, const char *path, const nmx_sink_options *o)
{
    nmx_sink *s = NULL;
    nmx_diag d;
    nmx_err e = nmx_sink_open(kind, path, o, &s, &d);
    if (e != NMX_OK)
        fail_msg("nmx_sink_open: %s", d.msg);
    return s;
}

/* ---- JSON Lines --------------------------------------------------------- */

static const char *const jsonl_check =
    "import json, sys\n"
    "raw = open(sys.argv[1], 'rb').read()\n"
    "assert raw.endswith(b'\\n')\n"
    "lines = raw.decode('utf-8').split('\\n')[:-1]\n"
    "assert len(lines) == 2, len(lines)\n"
    "a = json.loads(lines[0])\n"
    "assert list(a) == ['record', 'schema', 'run', 'session', 'capture_index', 'capture',\n"
    "                   'capture_id', 'expert', 'expert_file', 'label', 'seq', 'ident',\n"
    "                   'severity', 'severity_code', 'flags', 'source', 'event', 'description',\n"
    "                   'machine', 'justification', 'time', 'columns', 'column_types'], list(a)\n"
    "assert a['record'] == 'event' and a['schema'] == 2 and a['run'] is None\n"
    "assert a['session'] is None and a['capture'] is None and a['label'] == 'Top Users Run'\n"
    "assert a['expert'] == 'Top Users Run' and a['seq'] == 0 and a['ident'] == 3\n"
    "assert a['severity'] == 'WARNING' and a['severity_code'] == 1 and a['flags'] == 1\n"
    "assert a['source'] == 'Top Users' and a['event'] == 'Top sender'\n"
    "assert a['description'] == 'most bytes sent' and a['machine'] == ''\n"
    "assert a['justification'] == 'because \\\\ it sent', a['justification']\n"
    "assert a['time'] == '2024-11-24T10:05:07.123', a['time']\n"
    "c = a['columns']\n"
    "want = {'U8': 255, 'S8': -128, 'U16': 65535, 'S16': -32768, 'U32': 4294967295,\n"
    "        'S32': -2147483648, 'F64': 0.1, 'Frame': 42, 'YesNo': True, 'OnOff': False,\n"
    "        'TF': True, 'Mac': '00:11:22:33:44:55', 'Ipx': '00000001.001122334455',\n"
    "        'Address': '10.0.0.1', 'When': '2024-11-24T12:00:00.000',\n"
    "        'Note': 'a \"quoted\", line\\nnext', 'Address#2': '192.168.1.254',\n"
    "        'column18': 7, 'Odd': None}\n"
    "assert list(c) == list(want), list(c)\n"
    "for k in want:\n"
    "    assert c[k] == want[k] and type(c[k]) == type(want[k]), (k, c[k], want[k])\n"
    "t = a['column_types']\n"
    "assert list(t) == list(want), list(t)\n"
    "assert [t[k] for k in ('U8', 'S8', 'F64', 'Frame', 'YesNo', 'Mac', 'Address', 'When', 'Note', 'Odd')] == \\\n"
    "    ['uint8', 'int8', 'float64', 'frame', 'yesno', 'macaddr', 'ipaddr', 'vartime', 'string', 'unknown'], t\n"
    "b = json.loads(lines[1])\n"
    "assert b['severity'] == 'UNKNOWN' and b['severity_code'] == 9 and b['time'] is None\n"
    "assert b['flags'] == 4261412864\n"
    "want_d = 'ctl \\x01\\x1f\\x7f tab\\t q\" bs\\\\ bad \\ufffd\\ufffd( caf\\u00e9 \\u2603 \\U0001F600 '\n"
    "want_d += 'overlong \\ufffd\\ufffd surrogate \\ufffd\\ufffd\\ufffd end'\n"
    "assert b['description'] == want_d, ascii(b['description'])\n"
    "assert '\\\\ufffd' in lines[1] and '\\\\u0001' in lines[1] and '\\\\u007f' in lines[1]\n"
    "assert 'caf\\u00e9' in lines[1]  # valid UTF-8 is kept as it is\n"
    "c = b['columns']\n"
    "assert c == {'column1': None, 'column2': None, 'x': 1e300, 'x#2': 'x#3 literal',\n"
    "             'x#3': -1.5, 'column1#2': 'empty'}, c\n"
    "print('jsonl ok')\n";

static void t_jsonl(void **st)
{
    (void)st;
    char path[300];
    path_in(path, sizeof path, "events.jsonl");
    nmx_sink *s = open_sink(NMX_SINK_JSONL, path, NULL);
    assert_int_equal(nmx_sink_begin_expert(s, "Top Users Run", "x.cap"), NMX_OK);
    nmx_event_column c[20];
    size_t n;
    evt_all_columns(c, &n);
    nmx_event e = evt_make("Top Users Run", 0, c, n);
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);

    nmx_event_column c2[6];
    memset(c2, 0, sizeof c2);
    c2[0].name = "";  c2[0].type = NMCOLUMNTYPE_FLOAT64; c2[0].v.f = (double)NAN;
    c2[1].name = "";  c2[1].type = NMCOLUMNTYPE_VARTIME; c2[1].v.f = 1e9;
    c2[2].name = "x"; c2[2].type = NMCOLUMNTYPE_FLOAT64; c2[2].v.f = 1e300;
    c2[3].name = "x"; c2[3].type = NMCOLUMNTYPE_STRING;  c2[3].str = "x#3 literal";
    c2[4].name = "x"; c2[4].type = NMCOLUMNTYPE_FLOAT64; c2[4].v.f = -1.5;
    c2[5].name = "column1"; c2[5].type = NMCOLUMNTYPE_STRING; c2[5].str = "empty";
    for (int i = 0; i < 5; i++)
        if (!c2[i].str)
            c2[i].str = "";
    nmx_event e2 = evt_make("Top Users Run", 1, c2, 6);
    e2.severity = 9;
    e2.has_time = false;
    e2.flags = NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS;
    e2.description = "ctl \x01\x1f\x7f tab\t q\" bs\\ bad \xff\xc3( caf\xc3\xa9 \xe2\x98\x83 "
                     "\xf0\x9f\x98\x80 overlong \xc0\xaf surrogate \xed\xa0\x80 end";
    assert_int_equal(nmx_sink_event(s, &e2), NMX_OK);
    /* written and flushed already, before the end of the expert */
    size_t len = 0;
    char *text = evt_slurp(path, &len);
    assert_non_null(text);
    assert_int_equal(text[len - 1], '\n');
    free(text);
    assert_int_equal(nmx_sink_end_expert(s, "Top Users Run", "done"), NMX_OK);
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    if (have_python())
        run_python(jsonl_check, path);
}

/* nmx_sink_options.buffered: JSON Lines and CSV records stay in the
 * stream's buffer until it holds 1 MiB or the sink closes; without it each
 * record is in the file when nmx_sink_event returns. The same bytes either
 * way. Version 2 options (without the field) are not buffered. */
static void t_buffered(void **st)
{
    (void)st;
    static const nmx_sink_kind kinds[] = {NMX_SINK_JSONL, NMX_SINK_CSV};
    for (size_t k = 0; k < 2; k++) {
        char pb[300], pu[300], p2[300];
        path_in(pb, sizeof pb, k ? "buffered.csv" : "buffered.jsonl");
        path_in(pu, sizeof pu, k ? "unbuffered.csv" : "unbuffered.jsonl");
        path_in(p2, sizeof p2, k ? "v2.csv" : "v2.jsonl");
        nmx_sink_options ob = {.version = NMX_SINK_OPTIONS_VERSION, .buffered = true};
        nmx_sink_options ou = {.version = NMX_SINK_OPTIONS_VERSION};
        nmx_sink_options o2 = {.version = NMX_SINK_OPTIONS_VERSION_2, .buffered = true};
        nmx_sink *sb = open_sink(kinds[k], pb, &ob), *su = open_sink(kinds[k], pu, &ou),
                 *s2 = open_sink(kinds[k], p2, &o2);
        nmx_event_column c[20];
        size_t n;
        evt_all_columns(c, &n);
        for (uint64_t i = 0; i < 100; i++) {
            nmx_event e = evt_make("Top Users Run", i, c, n);
            assert_int_equal(nmx_sink_event(sb, &e), NMX_OK);
            assert_int_equal(nmx_sink_event(su, &e), NMX_OK);
            assert_int_equal(nmx_sink_event(s2, &e), NMX_OK);
        }
        struct stat a, b, v;
        assert_int_equal(stat(pb, &a), 0);
        assert_int_equal(stat(pu, &b), 0);
        assert_int_equal(stat(p2, &v), 0);
        assert_true(b.st_size > 10000);  /* 100 records, flushed one by one */
        assert_int_equal(v.st_size, b.st_size);
        assert_int_equal(a.st_size, 0);  /* all in the buffer */
        assert_int_equal(nmx_sink_close(sb), NMX_OK);
        assert_int_equal(nmx_sink_close(su), NMX_OK);
        assert_int_equal(nmx_sink_close(s2), NMX_OK);
        size_t la = 0, lb = 0;
        char *ta = evt_slurp(pb, &la), *tb = evt_slurp(pu, &lb);
        assert_non_null(ta);
        assert_non_null(tb);
        assert_int_equal(la, lb);
        assert_memory_equal(ta, tb, la);
        free(ta);
        free(tb);
    }
    /* more than the buffer: written in blocks before the close */
    char p[300];
    path_in(p, sizeof p, "big-buffered.jsonl");
    nmx_sink_options ob = {.version = NMX_SINK_OPTIONS_VERSION, .buffered = true};
    nmx_sink *s = open_sink(NMX_SINK_JSONL, p, &ob);
    nmx_event_column c[20];
    size_t n;
    evt_all_columns(c, &n);
    for (uint64_t i = 0; i < 3000; i++) {
        nmx_event e = evt_make("Top Users Run", i, c, n);
        assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    }
    struct stat a;
    assert_int_equal(stat(p, &a), 0);
    assert_true(a.st_size >= (1 << 20));
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    /* the standard output is never buffered by the option: nothing to see
     * here but that opening it works */
    nmx_sink *so = open_sink(NMX_SINK_JSONL, NULL, &ob);
    assert_int_equal(nmx_sink_close(so), NMX_OK);
}

/* ---- CSV ---------------------------------------------------------------- */

static const char *const csv_check =
    "import csv, sys\n"
    "raw = open(sys.argv[1], 'rb').read()\n"
    "assert raw.count(b'\\r\\n') >= 7 and b'\\n\\n' not in raw\n"
    "rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))\n"
    "fixed = ['expert', 'seq', 'severity', 'source', 'event', 'description', 'time']\n"
    "heads = [i for i, r in enumerate(rows) if r[:2] == ['expert', 'seq']]\n"
    "assert heads == [0, 3, 6], heads\n"
    "assert rows[0] == fixed + ['Address', 'Frames', 'Note', 'Address#2', 'column5']\n"
    "assert rows[3] == fixed + ['Share', 'When']\n"
    "assert rows[6] == fixed + ['Address', 'Frames', 'Note', 'Address#2', 'column5']\n"
    "recs = []\n"
    "for r in rows:\n"
    "    if r[:2] == ['expert', 'seq']:\n"
    "        h = r\n"
    "    else:\n"
    "        assert len(r) == len(h), (r, h)\n"
    "        recs.append(dict(zip(h, r)))\n"
    "assert len(recs) == 5\n"
    "a = recs[0]\n"
    "assert a == {'expert': 'A', 'seq': '0', 'severity': 'WARNING', 'source': 'Top Users',\n"
    "             'event': 'Top sender', 'description': 'most bytes sent',\n"
    "             'time': '2024-11-24T10:05:07.123', 'Address': '10.0.0.1', 'Frames': '1234',\n"
    "             'Note': 'say \"hi\", then\\r\\nbye', 'Address#2': '00:11:22:33:44:55',\n"
    "             'column5': 'Yes'}, a\n"
    "assert recs[1]['Note'] == 'caf\\u00e9 \\ufffd' and recs[1]['seq'] == '1'\n"
    "assert recs[1]['time'] == ''\n"
    "b = recs[2]\n"
    "assert b['expert'] == 'B' and b['Share'] == '0.1' and b['When'] == '2024-11-24T12:00:00.000'\n"
    "assert recs[3]['expert'] == 'B' and recs[3]['When'] == '' and recs[3]['Share'] == '-2.5e-07'\n"
    "assert recs[4]['expert'] == 'A' and recs[4]['seq'] == '2'\n"
    "print('csv ok')\n";

static void t_csv(void **st)
{
    (void)st;
    char path[300];
    path_in(path, sizeof path, "events.csv");
    nmx_sink *s = open_sink(NMX_SINK_CSV, path, NULL);
    nmx_event_column ca[5];
    memset(ca, 0, sizeof ca);
    ca[0].name = "Address"; ca[0].type = NMCOLUMNTYPE_IPADDR;
    memcpy(ca[0].v.ip, "\x0a\x00\x00\x01", 4);
    ca[1].name = "Frames"; ca[1].type = NMCOLUMNTYPE_UINT32; ca[1].v.u = 1234;
    ca[2].name = "Note"; ca[2].type = NMCOLUMNTYPE_STRING; ca[2].str = "say \"hi\", then\r\nbye";
    ca[3].name = "Address"; ca[3].type = NMCOLUMNTYPE_MACADDR;
    memcpy(ca[3].v.mac, "\x00\x11\x22\x33\x44\x55", 6);
    ca[4].name = NULL; ca[4].type = NMCOLUMNTYPE_YESNO; ca[4].v.u = 1;
    assert_int_equal(nmx_sink_begin_expert(s, "A", NULL), NMX_OK);
    nmx_event e = evt_make("A", 0, ca, 5);
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    e.seq = 1;
    e.has_time = false;
    ca[2].str = "caf\xc3\xa9 \xff";
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK); /* same columns: no header */
    assert_int_equal(nmx_sink_end_expert(s, "A", "done"), NMX_OK);

    nmx_event_column cb[2];
    memset(cb, 0, sizeof cb);
    cb[0].name = "Share"; cb[0].type = NMCOLUMNTYPE_FLOAT64; cb[0].v.f = 0.1;
    cb[1].name = "When"; cb[1].type = NMCOLUMNTYPE_VARTIME; cb[1].v.f = 45620.5;
    cb[0].str = cb[1].str = "";
    assert_int_equal(nmx_sink_begin_expert(s, "B", "x.cap"), NMX_OK);
    nmx_event eb = evt_make("B", 0, cb, 2);
    assert_int_equal(nmx_sink_event(s, &eb), NMX_OK);
    cb[0].v.f = -2.5e-7;
    cb[1].v.f = (double)NAN; /* out of range: empty */
    eb.seq = 1;
    assert_int_equal(nmx_sink_event(s, &eb), NMX_OK);
    /* A again, interleaved: its columns differ from the last header */
    ca[2].str = "";
    e.seq = 2;
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    if (have_python())
        run_python(csv_check, path);
}

/* ---- table -------------------------------------------------------------- */

/* Consecutive events with the same columns share a table; a different
 * column set starts a new one (each with its own fixed columns). */
static const char *const table_expected =
    "== Top Users on x.cap: Run returned TRUE (5 events) ==\n"
    "Severity  Source     Event       Description               Time                     Address    Frames\n"
    "--------  ---------  ----------  ------------------------  -----------------------  ---------  ------\n"
    "WARNING   Top Users  Top sender  most bytes s\xe2\x80\xa6" "ole capture  2024-11-24 10:05:07.123  10.0.0.10    1234\n"
    "\n"
    "Source     Event  Description  Time          Address   Frames  Note\n"
    "---------  -----  -----------  ------------  --------  ------  -----------\n"
    "Top Users  Busy   tab here     10:05:07.123  10.0.0.2       7  line1 line2\n"
    "\n"
    "Severity       Source     Event  Description  Time        column1\n"
    "-------------  ---------  -----  -----------  ----------  -------\n"
    "INFORMATIONAL  Top Users  Idle   caf\xc3\xa9 \xef\xbf\xbd ?     2024-11-24        5\n"
    "\xe2\x80\xa6 2 more events (see JSONL/CSV)\n"
    "\n"
    "== Empty: ended (0 events) ==\n"
    "(no events)\n"
    "\n"
    "== Late: not ended (1 event) ==\n"
    "Severity  Event\n"
    "--------  -----\n"
    "ERROR     late\n"
    "\n";

static void t_table(void **st)
{
    (void)st;
    char path[300];
    path_in(path, sizeof path, "table.txt");
    nmx_sink_options o = {.version = NMX_SINK_OPTIONS_VERSION, .max_cell_width = 24,
                          .max_rows = 3, .color = true /* not a terminal: no colour */};
    nmx_sink *s = open_sink(NMX_SINK_TABLE, path, &o);
    assert_int_equal(nmx_sink_begin_expert(s, "Top Users", "x.cap"), NMX_OK);
    assert_int_equal(nmx_sink_begin_expert(s, "Empty", NULL), NMX_OK);
    nmx_event_column c[3];
    memset(c, 0, sizeof c);
    c[0].name = "Address"; c[0].type = NMCOLUMNTYPE_IPADDR;
    memcpy(c[0].v.ip, "\x0a\x00\x00\x0a", 4);
    c[1].name = "Frames"; c[1].type = NMCOLUMNTYPE_UINT32; c[1].v.u = 1234;
    c[0].str = c[1].str = "";
    nmx_event e = evt_make("Top Users", 0, c, 2);
    e.description = "most bytes sent during the whole capture";
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);

    memcpy(c[0].v.ip, "\x0a\x00\x00\x02", 4);
    c[1].v.u = 7;
    c[2].name = "Note"; c[2].type = NMCOLUMNTYPE_STRING; c[2].str = "line1\nline2";
    e = evt_make("Top Users", 1, c, 3);
    e.severity = NMEVENT_SEVERITY_ERROR;
    e.flags |= NMEVENTFLAG_DO_NOT_DISPLAY_SEVERITY | NMEVENTFLAG_DO_NOT_DISPLAY_DATE;
    e.name = "Busy";
    e.description = "tab\there";
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);

    nmx_event_column c3[1];
    memset(c3, 0, sizeof c3);
    c3[0].name = ""; c3[0].type = NMCOLUMNTYPE_UINT8; c3[0].v.u = 5; c3[0].str = "";
    e = evt_make("Top Users", 2, c3, 1);
    e.severity = NMEVENT_SEVERITY_INFORMATIONAL;
    e.flags |= NMEVENTFLAG_DO_NOT_DISPLAY_TIME;
    e.name = "Idle";
    e.description = "caf\xc3\xa9 \xff \x1b";
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    for (int i = 3; i < 5; i++) { /* beyond max_rows */
        e.seq = (uint64_t)i;
        assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    }
    /* an expert never begun, never ended: printed at close */
    nmx_event late = evt_make("Late", 0, NULL, 0);
    late.severity = NMEVENT_SEVERITY_ERROR;
    late.flags = NMEVENTFLAG_DO_NOT_DISPLAY_SOURCE | NMEVENTFLAG_DO_NOT_DISPLAY_DESCRIPTION;
    late.has_time = false;
    late.name = "late";
    assert_int_equal(nmx_sink_event(s, &late), NMX_OK);

    /* nothing printed before the expert ends */
    size_t len;
    char *text = evt_slurp(path, &len);
    assert_int_equal(len, 0);
    free(text);
    assert_int_equal(nmx_sink_end_expert(s, "Top Users", "Run returned TRUE"), NMX_OK);
    assert_int_equal(nmx_sink_end_expert(s, "Empty", NULL), NMX_OK);
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    text = evt_slurp(path, &len);
    assert_non_null(text);
    if (strcmp(text, table_expected) != 0) {
        print_message("got:\n%s\nexpected:\n%s\n", text, table_expected);
        fail();
    }
    free(text);
}

/* Colour only on a terminal. */
static void t_table_color(void **st)
{
    (void)st;
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
        print_message("SKIP: no pseudo-terminal\n");
        if (m >= 0)
            close(m);
        skip();
    }
    const char *slave = ptsname(m);
    assert_non_null(slave);
    nmx_sink_options o = {.version = NMX_SINK_OPTIONS_VERSION, .color = true};
    nmx_sink *s = open_sink(NMX_SINK_TABLE, slave, &o);
    nmx_event e = evt_make("C", 0, NULL, 0);
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    assert_int_equal(nmx_sink_end_expert(s, "C", "ok"), NMX_OK);
    char buf[4096];
    size_t got = 0;
    struct pollfd pf = {m, POLLIN, 0};
    while (got < sizeof buf - 1 && poll(&pf, 1, 200) > 0) {
        ssize_t r = read(m, buf + got, sizeof buf - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    buf[got] = 0;
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    close(m);
    assert_non_null(strstr(buf, "\x1b[33mWARNING\x1b[0m"));
}

/* ---- errors ------------------------------------------------------------- */

static void t_errors(void **st)
{
    (void)st;
    nmx_sink *s = NULL;
    nmx_diag d;
    assert_int_equal(nmx_sink_open(NMX_SINK_JSONL, "/nonexistent-dir/x.jsonl", NULL, &s, &d),
                     NMX_EIO);
    assert_null(s);
    assert_non_null(strstr(d.msg, "/nonexistent-dir/x.jsonl"));
    assert_int_equal(nmx_sink_open((nmx_sink_kind)42, NULL, NULL, &s, &d), NMX_EINVAL);
    nmx_sink_options o = {.version = 99};
    assert_int_equal(nmx_sink_open(NMX_SINK_CSV, NULL, &o, &s, &d), NMX_EINVAL);
    assert_int_equal(nmx_sink_event(NULL, NULL), NMX_EINVAL);
    assert_int_equal(nmx_sink_close(NULL), NMX_OK);
    /* a full disk: the flush fails, the error sticks */
    if (access("/dev/full", W_OK) == 0) {
        for (int k = 0; k < 2; k++) {
            s = open_sink(k ? NMX_SINK_CSV : NMX_SINK_JSONL, "/dev/full", NULL);
            nmx_event e = evt_make("F", 0, NULL, 0);
            assert_int_equal(nmx_sink_event(s, &e), NMX_EIO);
            assert_int_equal(nmx_sink_event(s, &e), NMX_EIO);
            assert_int_equal(nmx_sink_close(s), NMX_EIO);
        }
        /* the error names the output and the system's reason */
        s = open_sink(NMX_SINK_JSONL, "/dev/full", NULL);
        nmx_event e = evt_make("F", 0, NULL, 0);
        assert_int_equal(nmx_sink_event(s, &e), NMX_EIO);
        memset(&d, 0, sizeof d);
        assert_int_equal(nmx_sink_close_diag(s, &d), NMX_EIO);
        assert_int_equal(d.code, NMX_EIO);
        assert_int_equal(d.value, ENOSPC);
        assert_non_null(strstr(d.msg, "/dev/full"));
        assert_non_null(strstr(d.msg, strerror(ENOSPC)));
    }
    /* a reader of the standard output that went away: EPIPE, no signal */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    int saved = dup(1);
    fflush(stdout);
    assert_int_equal(dup2(fds[1], 1), 1);
    close(fds[1]);
    close(fds[0]);
    s = open_sink(NMX_SINK_JSONL, NULL, NULL);
    nmx_event e = evt_make("P", 0, NULL, 0);
    nmx_err ev = nmx_sink_event(s, &e);
    memset(&d, 0, sizeof d);
    nmx_err ce = nmx_sink_close_diag(s, &d);
    clearerr(stdout);
    dup2(saved, 1);
    close(saved);
    signal(SIGPIPE, old);
    assert_int_equal(ev, NMX_EIO);
    assert_int_equal(ce, NMX_EIO);
    assert_int_equal(d.value, EPIPE);
    assert_non_null(strstr(d.msg, "standard output"));
    /* no error: the diag says so */
    char path[300];
    path_in(path, sizeof path, "fine.jsonl");
    s = open_sink(NMX_SINK_JSONL, path, NULL);
    d.code = NMX_EIO;
    assert_int_equal(nmx_sink_close_diag(s, &d), NMX_OK);
    assert_int_equal(d.code, NMX_OK);
}

/* ---- concurrency -------------------------------------------------------- */

#define NTHREADS 4
#define PER_THREAD 10000

typedef struct worker {
    nmx_sink *sink;
    int id;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    char name[16];
    snprintf(name, sizeof name, "T%d", w->id);
    nmx_sink_begin_expert(w->sink, name, NULL);
    nmx_event_column c[3];
    memset(c, 0, sizeof c);
    c[0].name = "Frames"; c[0].type = NMCOLUMNTYPE_UINT32; c[0].str = "";
    c[1].name = "Note"; c[1].type = NMCOLUMNTYPE_STRING; c[1].str = "quote \" and \\ and \n";
    c[2].name = "Address"; c[2].type = NMCOLUMNTYPE_IPADDR; c[2].str = "";
    for (int i = 0; i < PER_THREAD; i++) {
        c[0].v.u = (uint64_t)i;
        nmx_event e = evt_make(name, (uint64_t)i, c, 3);
        if (nmx_sink_event(w->sink, &e) != NMX_OK)
            w->failures++;
    }
    nmx_sink_end_expert(w->sink, name, "done");
    return NULL;
}

static const char *const concurrent_check =
    "import json, sys\n"
    "seen = {}\n"
    "n = 0\n"
    "for line in open(sys.argv[1], encoding='utf-8'):\n"
    "    o = json.loads(line)\n"
    "    n += 1\n"
    "    assert o['columns']['Frames'] == o['seq']\n"
    "    assert o['columns']['Note'] == 'quote \" and \\\\ and \\n'\n"
    "    seen.setdefault(o['expert'], set()).add(o['seq'])\n"
    "assert n == 40000, n\n"
    "assert sorted(seen) == ['T0', 'T1', 'T2', 'T3']\n"
    "for k, v in seen.items():\n"
    "    assert v == set(range(10000)), k\n"
    "print('concurrent ok:', n, 'lines')\n";

static void t_concurrent(void **st)
{
    (void)st;
    char path[300];
    path_in(path, sizeof path, "concurrent.jsonl");
    nmx_sink *s = open_sink(NMX_SINK_JSONL, path, NULL);
    pthread_t th[NTHREADS];
    worker w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){s, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    size_t len;
    char *text = evt_slurp(path, &len);
    assert_non_null(text);
    size_t lines = 0;
    for (char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        assert_true(*p == '{' && nl[-1] == '}');
        lines++;
    }
    free(text);
    assert_int_equal(lines, NTHREADS * PER_THREAD);
    if (have_python())
        run_python(concurrent_check, path);
}

/* ---- run records ------------------------------------------------------ */

static const char *const records_check =
    "import json, sys\n"
    "r = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]\n"
    "assert [x['record'] for x in r] == ['run_start', 'session_start', 'event', 'session_end',\n"
    "                                    'capture_end', 'run_end'], r\n"
    "assert all(x['run'] == '0f0e0d0c-0b0a-4908-8706-050403020100' for x in r)\n"
    "assert all(x['schema'] == 2 for x in r)\n"
    "c = r[0]['captures'][0]\n"
    "assert c['path'] == 'a \"b\".pcap' and c['size'] == 999, c\n"
    "assert c['first_time'] == '1970-01-01T00:00:01.000000002Z', c\n"
    "assert 'frames' not in c and 'last_time' not in c and 'warnings' not in c, c\n"
    "c = r[4]\n"
    "assert c['capture'] == 'a \"b\".pcap' and c['capture_index'] == 0, c\n"
    "assert c['capture_id'] == 'id0' and c['complete'] is True and c['frames'] == 10, c\n"
    "assert c['first_time'] == '1970-01-01T00:00:01.000000002Z', c\n"
    "assert c['last_time'] == '1969-12-31T23:59:59.999999999Z', c\n"
    "assert c['warnings'] == ['frame table rebuilt'], c\n"
    "e = r[2]\n"
    "assert e['session'] == 3 and e['capture_index'] == 0 and e['capture_id'] == 'id0'\n"
    "assert e['expert'] == 'Top Users' and e['expert_file'] == 'topusers'\n"
    "assert e['label'] == 'Top Users Run'\n"
    "x = r[3]\n"
    "assert x['outcome'] == 'crashed' and x['signal'] == 11 and x['last_frame'] is None\n"
    "assert x['memory']['reclaimed_bytes'] == 77 and 'warnings' not in x\n"
    "assert r[5]['exit_status'] == 4 and r[5]['status'] == 'crashed' and r[5]['seconds'] == 1.5\n"
    "print('records ok')\n";

static void t_records(void **st)
{
    (void)st;
    const char *warn[] = {"frame table rebuilt"};
    nmx_sink_capture cap = {.path = "a \"b\".pcap", .id = "id0", .format = "pcap",
                            .frames = 10, .size = 999, .has_time = true,
                            .first_ns = 1000000002, .last_ns = -1,
                            .warnings = warn, .nwarnings = 1};
    const char *args[] = {"topusers", "a.pcap"};
    nmx_sink_run run = {.run_id = "0f0e0d0c-0b0a-4908-8706-050403020100", .version = "1",
                        .args = args, .nargs = 2, .captures = &cap, .ncaptures = 1,
                        .sessions = 1};
    nmx_sink_session ss = {.label = "Top Users Run", .expert_name = "Top Users",
                           .expert_file = "topusers", .capture = &cap, .index = 3};
    nmx_sink_session_end end = {.outcome = "crashed", .message = "m", .signal = 11,
                                .last_frame = 0xFFFFFFFFu, .events = 1,
                                .reclaimed_bytes = 77, .seconds = 0.25};
    nmx_event_column c[20];
    size_t n;
    evt_all_columns(c, &n);
    nmx_event e = evt_make("Top Users Run", 0, c, n);
    nmx_sink_kind kinds[] = {NMX_SINK_JSONL, NMX_SINK_CSV};
    for (size_t k = 0; k < 2; k++) {
        char path[300];
        path_in(path, sizeof path, k ? "records.csv" : "records.jsonl");
        nmx_sink *s = open_sink(kinds[k], path, NULL);
        nmx_sink_session bad = ss;
        bad.expert_file = NULL;
        assert_int_equal(nmx_sink_session_begin(s, &bad), NMX_EINVAL);
        assert_int_equal(nmx_sink_run_begin(s, &run), NMX_OK);
        assert_int_equal(nmx_sink_session_begin(s, &ss), NMX_OK);
        assert_int_equal(nmx_sink_session_event(s, &ss, &e), NMX_OK);
        assert_int_equal(nmx_sink_session_finish(s, &ss, &end), NMX_OK);
        assert_int_equal(nmx_sink_capture_end(s, NULL, true), NMX_EINVAL);
        assert_int_equal(nmx_sink_capture_end(s, &cap, true), NMX_OK);
        assert_int_equal(nmx_sink_run_end(s, 4, "crashed", 1.5), NMX_OK);
        assert_int_equal(nmx_sink_close(s), NMX_OK);
        size_t len;
        char *text = evt_slurp(path, &len);
        assert_non_null(text);
        /* the CSV sink writes the event through the session call too */
        assert_non_null(strstr(text, "Top sender"));
        free(text);
        if (!k && have_python())
            run_python(records_check, path);
    }
}

/* ---- CSV folder --------------------------------------------------------- */

static const char *const csvdir_check =
    "import csv, os, sys\n"
    "d = sys.argv[1]\n"
    "names = sorted(os.listdir(d))\n"
    "assert names == ['a_b.ev_1.2.csv', 'a_b.ev_1.csv', 'sessions.csv'], names\n"
    "one = list(csv.reader(open(os.path.join(d, 'a_b.ev_1.csv'), newline='', encoding='utf-8')))\n"
    "assert len(one) == 3 and one[0][-2:] == ['time (column)', 'Note'], one[0]\n"
    "assert one[1][-2:] == ['5', 'x,\"y\"\\r\\nz'] and one[2][-1] == '\\ufffd', one[1:]\n"
    "two = list(csv.reader(open(os.path.join(d, 'a_b.ev_1.2.csv'), newline='', encoding='utf-8')))\n"
    "assert len(two) == 2 and two[0][-1] == 'Other', two\n"
    "print('csvdir ok')\n";

static void t_csvdir(void **st)
{
    (void)st;
    char dir[300];
    path_in(dir, sizeof dir, "csvdir");
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
    nmx_sink *s = NULL;
    nmx_diag d;
    assert_int_equal(nmx_sink_open(NMX_SINK_CSV_DIR, NULL, NULL, &s, &d), NMX_EINVAL);
    s = open_sink(NMX_SINK_CSV_DIR, dir, NULL);
    nmx_event_column c[2];
    memset(c, 0, sizeof c);
    c[0].name = "time";  c[0].type = NMCOLUMNTYPE_UINT32; c[0].v.u = 5; c[0].str = "";
    c[1].name = "Note";  c[1].type = NMCOLUMNTYPE_STRING; c[1].str = "x,\"y\"\r\nz";
    nmx_event e = evt_make("a b", 0, c, 2);
    e.name = "ev 1";
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    c[1].str = "\xff";
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    c[1].name = "Other";
    assert_int_equal(nmx_sink_event(s, &e), NMX_OK);
    assert_int_equal(nmx_sink_close(s), NMX_OK);
    if (have_python())
        run_python(csvdir_check, dir);
    /* files are created, never replaced */
    assert_int_equal(nmx_sink_open(NMX_SINK_CSV_DIR, dir, NULL, &s, &d), NMX_EIO);
    assert_non_null(strstr(d.msg, "sessions.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_jsonl),       cmocka_unit_test(t_csv),
        cmocka_unit_test(t_table),       cmocka_unit_test(t_table_color),
        cmocka_unit_test(t_errors),      cmocka_unit_test(t_concurrent),
        cmocka_unit_test(t_records),     cmocka_unit_test(t_csvdir),
        cmocka_unit_test(t_buffered),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
