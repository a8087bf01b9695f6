/*
 * test_capture_real.c: every file under $NMX_SHARED_CAPTURES against tshark
 * (frame count, times, lengths) and libpcap (bytes), expected errors for the
 * files tshark rejects, and a round trip through our writers read back by
 * tshark. Then files converted and cut by another tool (Wireshark's
 * editcap) against tshark's reading of them and against the original bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "nmexpert/capture.h"
#include "shared_captures.h"

typedef struct ts_row {
    bool     has_time;
    int64_t  ns;
    uint32_t len, caplen;
    char    *comment;   /* frame.comment or netmon_header.title_comment; NULL if none */
} ts_row;

typedef struct ts_result {
    ts_row *rows;
    size_t  n;
    int     status;    /* tshark exit status */
} ts_result;

/* "1361916156.677488000" -> ns. tshark prints an out-of-range fraction
 * unnormalised (more than 9 digits, and the sign can wrap): take the second
 * count and the fraction as the file stores them. */
static int64_t parse_epoch(const char *s)
{
    bool neg = *s == '-';
    if (neg)
        s++;
    int64_t sec = strtoll(s, NULL, 10);
    if (!neg && (sec > INT64_MAX / INT64_C(1000000000) - 1 || errno == ERANGE)) {
        errno = 0;
        return INT64_MAX;   /* beyond 2262: we saturate */
    }
    const char *dot = strchr(s, '.');
    int64_t frac = 0;
    if (dot) {
        size_t digits = strspn(dot + 1, "0123456789");
        frac = strtoll(dot + 1, NULL, 10);
        for (size_t i = digits; i < 9; i++)
            frac *= 10;
        if (digits > 9)
            neg = false;
    }
    int64_t v = sec * INT64_C(1000000000) + frac;
    return neg ? -v : v;
}

/* Packet rows of tshark -r path (non-packet records, e.g. pcapng custom
 * blocks, have no encapsulation and are left out). */
static ts_result run_tshark(const char *path)
{
    ts_result r = { NULL, 0, -1 };
    char cmd[PATH_MAX + 200];
    snprintf(cmd, sizeof cmd,
             "TZ=UTC tshark -r '%s' -T fields -E separator=/t -e frame.time_epoch -e frame.len "
             "-e frame.cap_len -e frame.encap_type -e frame.comment -e netmon_header.title_comment "
             "2>/dev/null",
             path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[8192];
    size_t cap = 0;
    while (fgets(line, sizeof line, p)) {
        char *f[6] = { 0 };
        char *s = line;
        for (int i = 0; i < 6; i++) {
            f[i] = s;
            char *t = strpbrk(s, "\t\n");
            if (!t) {
                s += strlen(s);
                continue;
            }
            *t = '\0';
            s = t + 1;
        }
        if (!f[3] || !*f[3])
            continue;
        if (r.n == cap) {
            cap = cap ? cap * 2 : 256;
            r.rows = realloc(r.rows, cap * sizeof *r.rows);
            assert_non_null(r.rows);
        }
        ts_row *row = &r.rows[r.n++];
        row->has_time = *f[0] != '\0';
        row->ns = row->has_time ? parse_epoch(f[0]) : 0;
        row->len = (uint32_t)strtoul(f[1], NULL, 10);
        row->caplen = (uint32_t)strtoul(f[2], NULL, 10);
        const char *c = f[4] && *f[4] ? f[4] : f[5] && *f[5] ? f[5] : NULL;
        row->comment = c ? strdup(c) : NULL;
    }
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

/* Time resolution of a capture, ns. */
static int64_t resolution_ns(const nmx_capture *cap, const nmx_frame *f)
{
    unsigned maj, min;
    nmx_capture_version(cap, &maj, &min);
    switch (nmx_capture_get_format(cap)) {
    case NMX_FORMAT_NETMON1: return 1000000;
    case NMX_FORMAT_NETMON2: return min >= 3 ? 100 : 1000;
    case NMX_FORMAT_PCAP: return strstr(nmx_capture_format_name(cap), "ns") ? 1 : 1000;
    case NMX_FORMAT_PCAPNG: {
        nmx_interface ifc;
        if (nmx_capture_interface(cap, f->interface_id, &ifc) == NMX_OK && ifc.tsresol < 9)
            return 1;   /* tshark prints exact values */
        return 1;
    }
    default: return 1;
    }
}

static int failures;
static size_t comments;   /* frame comments compared */

static void free_result(ts_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->rows[i].comment);
    free(r->rows);
    r->rows = NULL;
    r->n = 0;
}

static void check(bool ok, const char *file, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(bool ok, const char *file, const char *fmt, ...)
{
    if (ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s: ", file);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    failures++;
}

/* pcap record whose fraction is out of range (>= 1 s): tshark and libpcap
 * wrap it differently; we keep seconds + fraction exactly. Returns true (and
 * checks our time against the raw fields) for such records. */
static bool pcap_odd_fraction(const char *file, const nmx_capture *cap, const nmx_frame *f)
{
    if (nmx_capture_get_format(cap) != NMX_FORMAT_PCAP)
        return false;
    const char *fn = nmx_capture_format_name(cap);
    bool be = strstr(fn, "big") != NULL, ns = strstr(fn, "ns") != NULL;
    size_t rl = strstr(fn, "24-byte") ? 24 : strstr(fn, "SuSE") ? 28 : strstr(fn, "Nokia") ? 20 : 16;
    const uint8_t *h = f->data - rl; /* the record header */
    uint32_t sec = be ? (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3]
                      : (uint32_t)h[3] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[1] << 8 | h[0];
    uint32_t frac = be ? (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7]
                       : (uint32_t)h[7] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[5] << 8 | h[4];
    if (frac < (ns ? 1000000000u : 1000000u))
        return false;
    int64_t want = (int64_t)sec * INT64_C(1000000000) + (int64_t)frac * (ns ? 1 : 1000);
    check(f->ts_ns == want, file, "frame %" PRIu64 ": out-of-range fraction: time %" PRId64
          ", expected %" PRId64, f->number, f->ts_ns, want);
    return true;
}

/* Compare our frames of cap with tshark rows (count already checked). */
static void compare_rows(const char *file, const nmx_capture *cap, const ts_result *t, size_t n,
                         bool time_from_file, bool check_comments)
{
    for (size_t i = 0; i < n; i++) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, i, &f), NMX_OK);
        const ts_row *row = &t->rows[i];
        check(f.wirelen == row->len, file, "frame %zu: len %u, tshark %u", i, f.wirelen, row->len);
        check(f.caplen == row->caplen, file, "frame %zu: caplen %u, tshark %u", i, f.caplen,
              row->caplen);
        if (!check_comments) {
            /* (comment table lost with the end of the file) */
        } else if (row->comment) {
            check(f.comment != NULL, file, "frame %zu: tshark has comment \"%s\", we none", i,
                  row->comment);
            if (f.comment && !memchr(f.comment, '\n', f.comment_len) &&
                !memchr(f.comment, '\t', f.comment_len))
                check(strlen(row->comment) >= f.comment_len &&
                          strncmp(row->comment, f.comment, f.comment_len) == 0 &&
                          (row->comment[f.comment_len] == '\0' || row->comment[f.comment_len] == ','),
                      file, "frame %zu: comment \"%.*s\", tshark \"%s\"", i, (int)f.comment_len,
                      f.comment, row->comment);
            comments++;
        } else {
            check(f.comment == NULL || f.comment_len == 0, file,
                  "frame %zu: we have comment \"%.*s\", tshark none", i, (int)f.comment_len,
                  f.comment);
        }
        if (!row->has_time) {
            check(!time_from_file || (f.flags & NMX_FRAME_NO_TIMESTAMP), file,
                  "frame %zu: tshark has no time, we do", i);
            continue;
        }
        if (pcap_odd_fraction(file, cap, &f))
            continue;
        int64_t res = resolution_ns(cap, &f);
        int64_t d = f.ts_ns - row->ns;
        check(d > -res && d < res, file, "frame %zu: time %" PRId64 ", tshark %" PRId64, i, f.ts_ns,
              row->ns);
        if (failures > 50)
            fail();
    }
}

/* Bytes, lengths and times equal to libpcap's for the files it reads. */
static void compare_libpcap(const char *path, const char *file, const nmx_capture *cap)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        printf("  libpcap cannot open %s (%s): bytes compared with tshark lengths only\n", file, err);
        return;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t n = 0;
    int r;
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        nmx_frame f;
        if (n >= nmx_capture_frame_count(cap)) {
            check(false, file, "libpcap has more frames than our %" PRIu64, nmx_capture_frame_count(cap));
            break;
        }
        assert_int_equal(nmx_capture_frame(cap, n, &f), NMX_OK);
        check(f.caplen == h->caplen && f.wirelen == h->len, file,
              "libpcap frame %" PRIu64 ": lengths %u/%u vs ours %u/%u", n, h->caplen, h->len,
              f.caplen, f.wirelen);
        check(f.caplen == h->caplen && memcmp(f.data, data, h->caplen) == 0, file,
              "libpcap frame %" PRIu64 ": bytes differ", n);
        if (!(f.flags & NMX_FRAME_NO_TIMESTAMP) && !pcap_odd_fraction(file, cap, &f)) {
            int64_t lts = (int64_t)(uint32_t)h->ts.tv_sec * INT64_C(1000000000) + h->ts.tv_usec;
            check(lts == f.ts_ns || nmx_capture_get_format(cap) == NMX_FORMAT_PCAPNG, file,
                  "libpcap frame %" PRIu64 ": time %" PRId64 " vs ours %" PRId64, n, lts, f.ts_ns);
        }
        n++;
    }
    bool limitation = false;
    if (r == -1) {
        /* libpcap 1.10 refuses pcapng interfaces whose link type or snaplen
         * differ from the first one's: compare the frames it did read. */
        limitation = strstr(pcap_geterr(p), "different from") != NULL;
        printf("  libpcap stopped after %" PRIu64 " frames on %s: %s\n", n, file, pcap_geterr(p));
    }
    check(limitation ? n <= nmx_capture_frame_count(cap) : n == nmx_capture_frame_count(cap), file,
          "libpcap read %" PRIu64 " frames, we %" PRIu64, n, nmx_capture_frame_count(cap));
    pcap_close(p);
}

/* Write our frames with a writer, read the result back with tshark. */
static void round_trip(const char *tmpdir, const char *file, const nmx_capture *cap,
                       const ts_result *orig, size_t n, nmx_write_format fmt)
{
    char out[PATH_MAX];
    static const char *ext[] = { "", "us.pcap", "ns.pcap", "pcapng", "cap" };
    snprintf(out, sizeof out, "%s/rt.%s", tmpdir, ext[fmt]);
    uint32_t lt = 1;
    nmx_capture_linktypes(cap, &lt, 1);
    nmx_writer *w;
    nmx_diag d;
    assert_int_equal(nmx_writer_open(out, fmt, lt, 0, &w, &d), NMX_OK);
    for (size_t i = 0; i < n; i++) {
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, i, &f), NMX_OK);
        nmx_err e = nmx_writer_add(w, &f);
        bool pcap_range = (fmt == NMX_WRITE_PCAP_US || fmt == NMX_WRITE_PCAP_NS) &&
                          (f.ts_ns < 0 || f.ts_ns / INT64_C(1000000000) > (int64_t)UINT32_MAX);
        if (pcap_range) {
            /* pcap seconds are 32-bit: the writer must refuse, not wrap */
            check(e == NMX_ERANGE, file, "pcap writer accepted time %" PRId64, f.ts_ns);
            nmx_writer_close(w, &d);
            unlink(out);
            printf("  (%s: time past 2106, pcap writer refuses it as expected)\n", file);
            return;
        }
        check(e == NMX_OK, file, "round trip (%s): writer_add frame %zu: %s", ext[fmt], i,
              nmx_strerror(e));
        if (e != NMX_OK)
            break;
    }
    nmx_err e = nmx_writer_close(w, &d);
    check(e == NMX_OK, file, "round trip (%s): close: %s", ext[fmt], d.msg);
    ts_result back = run_tshark(out);
    check(back.status == 0, file, "round trip (%s): tshark exit status %d", ext[fmt], back.status);
    check(back.n == n, file, "round trip (%s): tshark reads %zu frames, wrote %zu", ext[fmt], back.n, n);
    for (size_t i = 0; i < n && i < back.n; i++) {
        check(back.rows[i].len == orig->rows[i].len && back.rows[i].caplen == orig->rows[i].caplen,
              file, "round trip (%s): frame %zu lengths %u/%u, original %u/%u", ext[fmt], i,
              back.rows[i].caplen, back.rows[i].len, orig->rows[i].caplen, orig->rows[i].len);
        if (fmt == NMX_WRITE_PCAPNG || fmt == NMX_WRITE_NETMON) {
            const char *a = orig->rows[i].comment, *b = back.rows[i].comment;
            check((!a && !b) || (a && b && strcmp(a, b) == 0), file,
                  "round trip (%s): frame %zu comment \"%s\", original \"%s\"", ext[fmt], i,
                  b ? b : "(none)", a ? a : "(none)");
        }
        if (!orig->rows[i].has_time)
            continue;
        int64_t res = fmt == NMX_WRITE_PCAP_US ? 1000 : fmt == NMX_WRITE_NETMON ? 100 : 1;
        nmx_frame f;
        assert_int_equal(nmx_capture_frame(cap, i, &f), NMX_OK);
        int64_t dt = back.rows[i].ns - f.ts_ns;
        check(dt > -res && dt < res, file, "round trip (%s): frame %zu time %" PRId64 ", wrote %" PRId64,
              ext[fmt], i, back.rows[i].ns, f.ts_ns);
    }
    free_result(&back);
    unlink(out);
}

/* Files where we knowingly differ from tshark. */
typedef enum expect_kind {
    EXPECT_TSHARK = 0,      /* same frames as tshark (warning iff tshark errs) */
    EXPECT_ERROR,           /* we refuse (message must contain `text`) */
    EXPECT_RECOVERED,       /* netmon: n frames recovered by scanning, with a warning */
    EXPECT_PARTIAL,         /* n frames, then a warning containing `text` */
} expect_kind;

typedef struct expectation {
    const char *file;
    expect_kind kind;
    uint64_t    n;
    const char *text;
} expectation;

static const expectation expectations[] = {
    /* tshark reads these; they are not formats we read. */
    { "other/ppp_pcapng-example.pcapng.zst", EXPECT_ERROR, 0, "zstd-compressed file; decompress it first" },
    { "other/ppp_solaris.snoop", EXPECT_ERROR, 0, "snoop" },
    { "malformed/derived_zero_length.cap", EXPECT_ERROR, 0, "empty file" },
    /* tshark's pcap reader guesses its way to a second, bogus frame
     * (len 2147483647); libpcap and we stop after 1. */
    { "malformed/derived_pcap_huge_caplen.pcap", EXPECT_PARTIAL, 1, "captured length 2147483632 exceeds limit 262144" },
    /* tshark refuses these; we recover the records by scanning. */
    { "malformed/derived_netmon_frametable_past_eof.cap", EXPECT_RECOVERED, 15, "recovered 15 frames by scanning" },
    { "malformed/derived_netmon_truncated.cap", EXPECT_RECOVERED, 7, "recovered 7 frames by scanning" },
    /* refused like tshark, with these messages */
    { "malformed/derived_netmon_header_only.cap", EXPECT_ERROR, 0, "runs past the end of the file" },
    { "malformed/lp_linktype-reserved-field-not-zero.pcap", EXPECT_ERROR, 0, "reserved bits" },
    { "malformed/lp_pcap-invalid-version-1.pcap", EXPECT_ERROR, 0, "pcap version 1." },
    { "malformed/lp_pcapng-invalid-vers-1.pcapng", EXPECT_ERROR, 0, "unknown SHB version 0.1" },
    { "malformed/lp_pcapng-invalid-vers-2.pcapng", EXPECT_ERROR, 0, "unknown SHB version 1.1" },
    /* the option overruns the block, so the block's trailing length is
     * option bytes: that is the first inconsistency we meet */
    { "malformed/lp_shb-option-too-long.pcapng", EXPECT_ERROR, 0, "trailing block length 808464432 differs from the leading length 52" },
    /* tshark stops silently after 2 frames; we stop there too, and warn */
    { "malformed/derived_netmon_frame_offset_past_eof.cap", EXPECT_PARTIAL, 2, "frame table entry 2: record at offset 18619 is outside the file" },
};

static const expectation *find_expectation(const char *rel)
{
    for (size_t i = 0; i < sizeof expectations / sizeof expectations[0]; i++)
        if (strcmp(expectations[i].file, rel) == 0)
            return &expectations[i];
    return NULL;
}

static bool has_warning(const nmx_capture *cap, const char *text)
{
    for (size_t i = 0; i < nmx_capture_warning_count(cap); i++) {
        const nmx_diag *w = nmx_capture_warning(cap, i);
        if (w && strstr(w->msg, text))
            return true;
    }
    return false;
}

static bool has_damage_warning(const nmx_capture *cap)
{
    for (size_t i = 0; i < nmx_capture_warning_count(cap); i++) {
        const nmx_diag *w = nmx_capture_warning(cap, i);
        if (w && w->code != NMX_OK && w->offset != UINT64_MAX)
            return true;
    }
    return false;
}

static void check_file(const char *dir, const char *rel, const char *tmpdir, int *counts)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    const expectation *ex = find_expectation(rel);
    ts_result t = run_tshark(path);
    nmx_capture *cap = NULL;
    nmx_diag d;
    nmx_err e = nmx_capture_open(path, 0, &cap, &d);

    if (ex && ex->kind == EXPECT_ERROR) {
        check(e != NMX_OK, rel, "expected an error, opened with %" PRIu64 " frames",
              cap ? nmx_capture_frame_count(cap) : 0);
        check(e == NMX_OK || strstr(d.msg, ex->text) != NULL, rel, "message \"%s\" lacks \"%s\"",
              d.msg, ex->text);
        check(e == NMX_OK || strstr(d.msg, rel) != NULL, rel, "message \"%s\" does not name the file", d.msg);
        printf("  %-60s expected error: %s\n", rel, d.msg);
        counts[1]++;
        nmx_capture_close(cap);
        free_result(&t);
        return;
    }
    check(e == NMX_OK, rel, "open failed: %s", d.msg);
    if (e != NMX_OK) {
        free_result(&t);
        return;
    }
    uint64_t n = nmx_capture_frame_count(cap);
    if (ex && ex->kind == EXPECT_RECOVERED) {
        check(t.status != 0 && t.n == 0, rel, "tshark unexpectedly reads it");
        check(n == ex->n, rel, "recovered %" PRIu64 " frames, expected %" PRIu64, n, ex->n);
        check(has_warning(cap, ex->text), rel, "no warning \"%s\"", ex->text);
        /* the recovered frames equal the intact original's */
        char orig[PATH_MAX];
        snprintf(orig, sizeof orig, "%s/netmon/MS-AUTHSOD_Example2-1_Win2016_X64_Win2016_X64_Domain.cap", dir);
        ts_result o = run_tshark(orig);
        check(o.n >= n, rel, "original has fewer frames");
        if (o.n >= n)
            compare_rows(rel, cap, &o, (size_t)n, false, strstr(rel, "truncated") == NULL);
        free_result(&o);
        printf("  %-60s recovered: %s\n", rel, nmx_capture_warning(cap, 0)->msg);
        counts[2]++;
    } else if (ex && ex->kind == EXPECT_PARTIAL) {
        check(n == ex->n, rel, "read %" PRIu64 " frames, expected %" PRIu64, n, ex->n);
        check(has_warning(cap, ex->text), rel, "no warning \"%s\"", ex->text);
        compare_rows(rel, cap, &t, (size_t)n, true, true);
        compare_libpcap(path, rel, cap);
        printf("  %-60s partial (%" PRIu64 " frames): %s\n", rel, n, nmx_capture_warning(cap, 0)->msg);
        counts[3]++;
    } else {
        check(n == t.n, rel, "%" PRIu64 " frames, tshark %zu", n, t.n);
        /* tshark errs after N frames <=> we warn after the same N */
        check((t.status != 0) == has_damage_warning(cap), rel,
              "tshark status %d but damage warning %s", t.status,
              has_damage_warning(cap) ? "present" : "absent");
        compare_rows(rel, cap, &t, (size_t)(n < t.n ? n : t.n), true, true);
        nmx_capture_format fmt = nmx_capture_get_format(cap);
        if (fmt == NMX_FORMAT_PCAP || fmt == NMX_FORMAT_PCAPNG)
            compare_libpcap(path, rel, cap);
        if (n == t.n && n > 0) {
            if (fmt == NMX_FORMAT_NETMON1 || fmt == NMX_FORMAT_NETMON2) {
                round_trip(tmpdir, rel, cap, &t, (size_t)n, NMX_WRITE_NETMON);
            } else {
                round_trip(tmpdir, rel, cap, &t, (size_t)n, NMX_WRITE_PCAPNG);
                uint32_t lts[2];
                bool timed = true;
                for (size_t i = 0; i < t.n; i++)
                    timed = timed && t.rows[i].has_time;
                if (nmx_capture_linktypes(cap, lts, 2) == 1 && timed)
                    round_trip(tmpdir, rel, cap, &t, (size_t)n,
                               fmt == NMX_FORMAT_PCAP && !strstr(nmx_capture_format_name(cap), "ns")
                                   ? NMX_WRITE_PCAP_US : NMX_WRITE_PCAP_NS);
            }
        }
        printf("  %-60s %-26s %6" PRIu64 " frames%s%s\n", rel, nmx_capture_format_name(cap), n,
               nmx_capture_warning_count(cap) ? "; warning: " : "",
               nmx_capture_warning_count(cap) ? nmx_capture_warning(cap, 0)->msg : "");
        counts[0]++;
    }
    nmx_capture_close(cap);
    free_result(&t);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir/sub as "sub/name" (malloc'd), sorted; at most max. */
static size_t sorted_names(const char *dir, const char *sub, char **names, size_t max)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    DIR *dh = opendir(path);
    if (!dh)
        return 0;
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(dh)) && nn < max) {
        if (de->d_name[0] == '.')
            continue;
        size_t l = strlen(sub) + strlen(de->d_name) + 2;
        names[nn] = malloc(l);
        assert_non_null(names[nn]);
        snprintf(names[nn], l, "%s/%s", sub, de->d_name);
        nn++;
    }
    closedir(dh);
    qsort(names, nn, sizeof names[0], cmp_str);
    return nn;
}

static void test_real_files(void **state)
{
    (void)state;
    const char *dir;
    NMX_TEST_CAPTURES_AND_TSHARK(dir);
    char tmpl[] = "/tmp/nmx-capture-rt-XXXXXX";
    char *tmpdir = mkdtemp(tmpl);
    assert_non_null(tmpdir);
    static const char *subdirs[] = { "pcap", "pcapng", "netmon", "malformed", "other" };
    int counts[4] = { 0 };
    size_t total = 0;
    for (size_t s = 0; s < sizeof subdirs / sizeof subdirs[0]; s++) {
        char *names[512];
        size_t nn = sorted_names(dir, subdirs[s], names, 512);
        for (size_t i = 0; i < nn; i++) {
            check_file(dir, names[i], tmpdir, counts);
            free(names[i]);
            total++;
        }
    }
    rmdir(tmpdir);
    printf("real files: %zu checked: %d as tshark, %d expected errors, %d recovered, %d partial; "
           "%zu frame comments compared; %d failures\n",
           total, counts[0], counts[1], counts[2], counts[3], comments, failures);
    assert_true(comments > 0);
    assert_true(total > 0);
    assert_int_equal(failures, 0);
}

/* ---- files converted and cut by another tool ------------------------------
 *
 * A few real files of each directory go through editcap into every format
 * and variant it writes that we read, and are cut (snap length, a range of
 * frames). Each result must read as tshark reads it, and its frame bytes
 * must be those of the original (or their first 60 bytes, or frames 1..3).
 * Conversions editcap refuses (a link type the format cannot hold) are
 * skipped, and said so.
 */

enum conv_kind { CONV_SAME, CONV_SNAP60, CONV_FRAMES_2_4 };

static const struct conversion {
    const char *name;
    const char *args;      /* editcap options before the file names */
    const char *range;     /* after them, or "" */
    enum conv_kind kind;
} conversions[] = {
    { "pcap", "-F pcap", "", CONV_SAME },
    { "nsecpcap", "-F nsecpcap", "", CONV_SAME },
    { "pcapng", "-F pcapng", "", CONV_SAME },
    { "modpcap", "-F modpcap", "", CONV_SAME },
    { "rh6_1pcap", "-F rh6_1pcap", "", CONV_SAME },
    { "suse6_3pcap", "-F suse6_3pcap", "", CONV_SAME },
    { "nokiapcap", "-F nokiapcap", "", CONV_SAME },
    { "netmon1", "-F netmon1", "", CONV_SAME },
    { "netmon2", "-F netmon2", "", CONV_SAME },
    { "snaplen 60", "-F pcapng -s 60", "", CONV_SNAP60 },
    { "frames 2-4", "-F pcap -r", "2-4", CONV_FRAMES_2_4 },
};

static bool have_editcap(void)
{
    return system("command -v editcap >/dev/null 2>&1") == 0;
}

static int conv_checked, conv_refused, conv_tshark_failed;
static int cv_checked[sizeof conversions / sizeof conversions[0]],
    cv_refused[sizeof conversions / sizeof conversions[0]];

static void check_conversion(const char *src_rel, const char *src_path, const nmx_capture *src,
                             const char *tmpdir, const struct conversion *cv)
{
    char out[PATH_MAX], cmd[3 * PATH_MAX], what[PATH_MAX + 64];
    snprintf(out, sizeof out, "%s/conv.out", tmpdir);
    snprintf(what, sizeof what, "%s [editcap %s]", src_rel, cv->name);
    snprintf(cmd, sizeof cmd, "editcap %s '%s' '%s' %s >/dev/null 2>&1", cv->args, src_path, out,
             cv->range);
    unlink(out);
    if (system(cmd) != 0) {
        conv_refused++;
        cv_refused[cv - conversions]++;
        unlink(out);
        return;
    }
    ts_result t = run_tshark(out);
    nmx_capture *cap = NULL;
    nmx_diag d;
    nmx_err e = nmx_capture_open(out, 0, &cap, &d);
    check(e == NMX_OK, what, "open failed: %s", d.msg);
    if (e == NMX_OK) {
        uint64_t n = nmx_capture_frame_count(cap);
        const nmx_diag *w0 = nmx_capture_warning(cap, 0);
        check(!has_damage_warning(cap), what, "damage warning: %s", w0 ? w0->msg : "");
        if (t.status == 0) {
            check(n == t.n, what, "%" PRIu64 " frames, tshark %zu", n, t.n);
            compare_rows(what, cap, &t, (size_t)(n < t.n ? n : t.n), true, false);
        } else {
            /* Wireshark guesses the pcap variant from the first records too,
             * and can guess wrong (timestamps of 0 look like another
             * layout): then the original is the only reference. */
            printf("  %-60s tshark fails on it (status %d after %zu frames); compared with the "
                   "original only\n", what, t.status, t.n);
            conv_tshark_failed++;
        }
        uint64_t first = cv->kind == CONV_FRAMES_2_4 ? 1 : 0;
        uint64_t want = cv->kind == CONV_FRAMES_2_4 ? 3 : nmx_capture_frame_count(src);
        if (want > nmx_capture_frame_count(src) - first)
            want = nmx_capture_frame_count(src) - first;
        check(n == want, what, "%" PRIu64 " frames, the original gives %" PRIu64, n, want);
        for (uint64_t i = 0; i < n && i < want; i++) {
            nmx_frame a, b;
            assert_int_equal(nmx_capture_frame(src, first + i, &a), NMX_OK);
            assert_int_equal(nmx_capture_frame(cap, i, &b), NMX_OK);
            if (a.linktype != b.linktype)
                break; /* the format stores another encapsulation: tshark decides */
            uint32_t c = cv->kind == CONV_SNAP60 && a.caplen > 60 ? 60 : a.caplen;
            check(b.caplen == c && memcmp(a.data, b.data, c) == 0, what,
                  "frame %" PRIu64 ": %u bytes, not the original's first %u", i, b.caplen, c);
            check(b.wirelen == a.wirelen, what, "frame %" PRIu64 ": length %u, original %u", i,
                  b.wirelen, a.wirelen);
        }
        conv_checked++;
        cv_checked[cv - conversions]++;
    }
    nmx_capture_close(cap);
    free_result(&t);
    unlink(out);
}

static void test_converted_files(void **state)
{
    (void)state;
    const char *dir = nmx_test_captures_dir();
    if (!dir) {
        printf("SKIP: ../shared/captures not found\n");
        skip();
    }
    if (!nmx_test_have_tshark() || !have_editcap()) {
        printf("SKIP: tshark or editcap not installed\n");
        skip();
    }
    char tmpl[] = "/tmp/nmx-capture-conv-XXXXXX";
    char *tmpdir = mkdtemp(tmpl);
    assert_non_null(tmpdir);
    static const char *subdirs[] = { "pcap", "pcapng", "netmon" };
    const size_t per_dir = 3;       /* the first readable files of each, by name */
    const off_t max_size = 1 << 20; /* keeps the test to seconds */
    size_t sources = 0;
    for (size_t s = 0; s < sizeof subdirs / sizeof subdirs[0]; s++) {
        char *names[512];
        size_t nn = sorted_names(dir, subdirs[s], names, 512);
        size_t used = 0;
        for (size_t i = 0; i < nn; i++) {
            const char *rel = names[i];
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir, rel);
            struct stat st;
            nmx_capture *src = NULL;
            nmx_diag d;
            if (used < per_dir && !find_expectation(rel) && stat(path, &st) == 0 &&
                st.st_size <= max_size && nmx_capture_open(path, 0, &src, &d) == NMX_OK &&
                nmx_capture_warning_count(src) == 0 && nmx_capture_frame_count(src) >= 4) {
                for (size_t c = 0; c < sizeof conversions / sizeof conversions[0]; c++)
                    check_conversion(rel, path, src, tmpdir, &conversions[c]);
                used++;
                sources++;
            }
            nmx_capture_close(src);
            free(names[i]);
        }
    }
    rmdir(tmpdir);
    for (size_t c = 0; c < sizeof conversions / sizeof conversions[0]; c++) {
        printf("  editcap %-12s %d checked, %d refused\n", conversions[c].name, cv_checked[c],
               cv_refused[c]);
        check(cv_checked[c] > 0, conversions[c].name, "no file could be converted this way");
    }
    printf("converted files: %zu originals, %d conversions checked (%d of them unreadable for "
           "tshark), %d refused by editcap; %d failures\n",
           sources, conv_checked, conv_tshark_failed, conv_refused, failures);
    assert_true(sources > 0);
    assert_true(conv_checked > 0);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_converted_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
