/*
 * scanbench: one capture scan, done the way an expert does it.
 *
 *   scanbench scan FILE               every frame through ExpertGetFrame
 *   scanbench scan-filter FILE EXPR   the same with a BPF display filter
 *   scanbench open-only FILE          nmx_capture_open + nmx_capture_close only
 *   scanbench floor FILE [EXPR]       the least a one-thread scan does (see
 *   scanbench floor-tcp80 FILE        floor_scan below; pcap only)
 *   scanbench evict FILE              drop FILE from the page cache (fdatasync,
 *                                     POSIX_FADV_DONTNEED) and print how much of
 *                                     it was resident before and after (mincore)
 *
 * scan: nmx_hcapture_open(FILE) (the host's open: indexed as frames are
 * asked for), nmx_session_open with .capture = it, then
 * ExpertGetFrame(key, GET_FRAME_NEXT_FORWARD, 0, n, NULL, &d) from
 * n = (DWORD)-1 until NMERR_FRAME_NOT_FOUND, reading the first byte of every
 * frame through d.pFrame->MacFrame. scan-filter: the filter (nmx_filter_bpf)
 * is the session's display filter (.ui_filter) and the calls pass
 * FLAGS_DEFER_TO_UI_FILTER; with HFILTER=1 in the environment it is passed as
 * hFilter instead. With ATTACH=1 in the environment every call also asks
 * for FLAGS_ATTACH_PROPERTIES (the parsers run over every frame returned and
 * fill the property table). The clock starts before anything is opened (filter
 * compilation, open and indexing are included) and stops after the session
 * and the capture are closed.
 *
 * OPEN=indexed (scan, scan-filter, open-only): the capture is indexed and
 * checked whole at open (nmx_hcapture_open_flags(FILE, 0)) instead.
 * OPEN=incremental names the default (NMX_CAPTURE_INCREMENTAL; open-only
 * then includes the walk that counts the frames, nmx_capture_frame_count).
 * COUNT_FIRST=1 with it: the count is asked right after the open, before
 * the scan, as an expert that calls GetCaptureTotalFrames first does
 * (open_ms includes that walk).
 *
 * Prints one line of key=value pairs:
 *   mode, file, format, frames (frames returned), total_frames, bytes (sum of
 *   nBytesAvail of the frames returned), touched (first bytes read), xsum,
 *   wall_ms (everything), open_ms (nmx_hcapture_open or nmx_capture_open),
 *   session_ms, scan_ms (the ExpertGetFrame loop), close_ms,
 *   cpu_user_ms, cpu_sys_ms, minflt, majflt,
 *   rss_kb, rss_anon_kb, rss_file_kb (from /proc/self/status at the end of
 *   the scan, before closing), rss_anon_base_kb (before opening),
 *   anon_growth_kb = rss_anon_kb - rss_anon_base_kb, hwm_kb (VmHWM),
 *   anon_growth_per_frame (bytes), file_bytes.
 * Opened incrementally (the default), total_frames is taken after the
 * scan.
 * Set NMX_QUIET=1 to silence the host's log lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/filter.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/session.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct mem {
    long rss, anon, file, hwm;
};

static struct mem mem_now(void)
{
    struct mem m = { -1, -1, -1, -1 };
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return m;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        long v;
        if (sscanf(line, "VmRSS: %ld", &v) == 1)
            m.rss = v;
        else if (sscanf(line, "RssAnon: %ld", &v) == 1)
            m.anon = v;
        else if (sscanf(line, "RssFile: %ld", &v) == 1)
            m.file = v;
        else if (sscanf(line, "VmHWM: %ld", &v) == 1)
            m.hwm = v;
    }
    fclose(f);
    return m;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: scanbench scan FILE | scan-filter FILE EXPR | open-only FILE | evict FILE |\n"
            "       floor FILE [EXPR] | floor-tcp80 FILE\n");
    exit(2);
}

/* Pages of fd's first len bytes that are in the page cache, in percent. */
static double resident_pct(int fd, size_t len)
{
    if (len == 0)
        return 0;
    void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return -1;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = (len + pg - 1) / pg, in = 0;
    unsigned char *v = malloc(n);
    if (v && mincore(m, len, v) == 0)
        for (size_t i = 0; i < n; i++)
            in += v[i] & 1u;
    free(v);
    munmap(m, len);
    return 100.0 * (double)in / (double)n;
}

/* The page cache state a capture has once it has been read from disk
 * (readahead builds large folios) differs from the one it has right after
 * being written (folios of the write size): the cost of mapping the file
 * depends on it. run-scanbench evicts every file and reads it back so that
 * every peer sees the "read from disk" state. */
static int evict(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(path);
        return 1;
    }
    size_t len = (size_t)st.st_size;
    double before = resident_pct(fd, len);
    int rc = fdatasync(fd) == 0 ? posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) : errno;
    double after = resident_pct(fd, len);
    close(fd);
    printf("mode=evict file=%s rc=%d resident_before_pct=%.1f resident_after_pct=%.1f\n", path,
           rc, before, after);
    return rc != 0;
}

/* Does the Ethernet frame f (caplen c) match "tcp port 80" as libpcap
 * compiles it: IPv4 TCP, not a later fragment, either port 80; or IPv6
 * with TCP as the next header, directly or after a fragment header. */
static bool tcp80(const uint8_t *f, uint32_t c)
{
    if (c < 14)
        return false;
    unsigned et = (unsigned)f[12] << 8 | f[13];
    if (et == 0x0800) {
        if (c < 34 || f[23] != 6 || ((f[20] & 0x1f) | f[21]) != 0)
            return false;
        uint32_t t = 14 + 4u * (f[14] & 0x0f);
        if (c < t + 4)
            return false;
        return ((f[t] << 8 | f[t + 1]) == 80) || ((f[t + 2] << 8 | f[t + 3]) == 80);
    }
    if (et == 0x86dd) {
        if (c < 21)
            return false;
        uint32_t t;
        if (f[20] == 6)
            t = 54;
        else if (f[20] == 44 && c > 54 && f[54] == 6)
            t = 62;
        else
            return false;
        if (c < t + 4)
            return false;
        return ((f[t] << 8 | f[t + 1]) == 80) || ((f[t + 2] << 8 | f[t + 3]) == 80);
    }
    return false;
}

/* The floor: the least any one-thread forward scan of a little-endian
 * microsecond pcap does on this machine, with nothing of the library but,
 * given EXPR, its BPF filter. Map the file, walk the records (the next
 * 4 KiB requested from memory ahead, as the library's walk does), skip the
 * frames the filter rejects (floor-tcp80: "tcp port 80" written in C,
 * cheaper than any BPF program; floor FILE EXPR: the filter through
 * nmx_filter_match() on a frame view made on the stack), copy each frame
 * returned into one buffer (ExpertGetFrame hands the expert a FRAME record,
 * not the file's bytes) and read its first byte; unmap. No index, no checks
 * beyond the file's end, no session, everything in one loop. Prints the
 * line the other modes print: its counts must equal theirs. */
static int floor_scan(const char *path, const char *expr, bool tcp80_in_c)
{
    double t0 = now_ms();
    nmx_filter *flt = NULL;
    nmx_diag dg;
    if (expr && nmx_filter_bpf(expr, &flt, &dg) != NMX_OK) {
        fprintf(stderr, "scanbench: %s\n", dg.msg);
        return 1;
    }
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(path);
        return 1;
    }
    size_t size = (size_t)st.st_size;
    const uint8_t *b = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (b == MAP_FAILED || size < 24 ||
        (b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24) != UINT32_C(0xa1b2c3d4) ||
        (b[20] | b[21] << 8) != 1) {
        fprintf(stderr, "scanbench: %s: floor reads little-endian microsecond Ethernet pcap only\n",
                path);
        return 1;
    }
    double t_open = now_ms();
    static uint8_t out[262144 + 64];
    uint64_t frames = 0, total = 0, bytes = 0, touched = 0;
    unsigned xsum = 0;
    size_t off = 24, pf = off;
    while (off + 16 <= size) {
        for (; pf < off + 4096 && pf < size; pf += 64)
            __builtin_prefetch(b + pf);
        const uint8_t *r = b + off;
        uint32_t c, len;
        memcpy(&c, r + 8, 4);
        memcpy(&len, r + 12, 4);
        if (c > 262144 || size - off - 16 < c)
            break;
        total++;
        bool m = true;
        if (tcp80_in_c) {
            m = tcp80(r + 16, c);
        } else if (flt) {
            nmx_frame fr = {.data = r + 16, .caplen = c, .wirelen = len, .linktype = 1};
            m = nmx_filter_match(flt, &fr);
        }
        if (m) {
            memcpy(out, r, 16);
            memcpy(out + 64, r + 16, c);
            bytes += c;
            if (c) {
                xsum += *(volatile uint8_t *)(out + 64);
                touched++;
            }
            frames++;
        }
        off += 16 + c;
    }
    double t_scan = now_ms();
    munmap((void *)(uintptr_t)b, size);
    nmx_filter_free(flt);
    double t_end = now_ms();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("mode=%s file=%s format=\"pcap\" frames=%llu total_frames=%llu bytes=%llu "
           "touched=%llu xsum=%u wall_ms=%.3f open_ms=%.3f session_ms=0 scan_ms=%.3f "
           "close_ms=%.3f cpu_user_ms=%.1f cpu_sys_ms=%.1f minflt=%ld majflt=%ld "
           "file_bytes=%zu filter=%s\n",
           tcp80_in_c ? "floor-tcp80" : "floor", path, (unsigned long long)frames,
           (unsigned long long)total, (unsigned long long)bytes, (unsigned long long)touched,
           xsum, t_end - t0, t_open - t0, t_scan - t_open, t_end - t_scan,
           ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3,
           ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3, ru.ru_minflt, ru.ru_majflt,
           size, tcp80_in_c ? "c-tcp80" : expr ? "bpf" : "none");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        usage();
    const char *mode = argv[1], *path = argv[2];
    if (strcmp(mode, "evict") == 0 && argc == 3)
        return evict(path);
    if (strcmp(mode, "floor") == 0 && (argc == 3 || argc == 4))
        return floor_scan(path, argc == 4 ? argv[3] : NULL, false);
    if (strcmp(mode, "floor-tcp80") == 0 && argc == 3)
        return floor_scan(path, NULL, true);
    const char *expr = NULL;
    bool open_only = false;
    if (strcmp(mode, "scan") == 0 && argc == 3) {
    } else if (strcmp(mode, "scan-filter") == 0 && argc == 4) {
        expr = argv[3];
    } else if (strcmp(mode, "open-only") == 0 && argc == 3) {
        open_only = true;
    } else {
        usage();
    }
    const char *hf_env = getenv("HFILTER");
    bool as_hfilter = hf_env && strcmp(hf_env, "1") == 0;
    struct stat st;
    long long file_bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;

    struct mem base = mem_now();
    nmx_diag diag;
    double t0 = now_ms(), t_open, t_sess, t_scan, t_end;
    uint64_t frames = 0, bytes = 0, touched = 0, total = 0;
    unsigned xsum = 0;
    const char *fmt_name = "?";
    char fmt_buf[80];
    struct mem peak;

    const char *open_env = getenv("OPEN");
    if (open_env && *open_env && strcmp(open_env, "incremental") != 0 &&
        strcmp(open_env, "indexed") != 0) {
        fprintf(stderr, "scanbench: OPEN=%s: expected indexed or incremental\n", open_env);
        return 2;
    }
    bool incremental = !(open_env && strcmp(open_env, "indexed") == 0);
    const char *cf_env = getenv("COUNT_FIRST");
    bool count_first = cf_env && strcmp(cf_env, "1") == 0;
    if (open_only) {
        nmx_capture *cap;
        if (nmx_capture_open(path, incremental ? NMX_CAPTURE_INCREMENTAL : 0, &cap, &diag) !=
            NMX_OK) {
            fprintf(stderr, "scanbench: %s\n", diag.msg);
            return 1;
        }
        t_open = now_ms();
        total = nmx_capture_frame_count(cap);
        snprintf(fmt_buf, sizeof fmt_buf, "%s", nmx_capture_format_name(cap));
        fmt_name = fmt_buf;
        t_sess = t_scan = now_ms();
        peak = mem_now();
        nmx_capture_close(cap);
        t_end = now_ms();
    } else {
        nmx_filter *filt = NULL;
        if (expr && nmx_filter_bpf(expr, &filt, &diag) != NMX_OK) {
            fprintf(stderr, "scanbench: %s\n", diag.msg);
            return 1;
        }
        HCAPTURE hc;
        nmx_err oe = incremental ? nmx_hcapture_open(path, &hc, &diag)
                                 : nmx_hcapture_open_flags(path, 0, &hc, &diag);
        if (oe != NMX_OK) {
            fprintf(stderr, "scanbench: %s\n", diag.msg);
            return 1;
        }
        nmx_capture *cap = nmx_hcapture_capture(hc);
        if (!incremental || count_first)
            total = nmx_capture_frame_count(cap);
        t_open = now_ms();
        snprintf(fmt_buf, sizeof fmt_buf, "%s", nmx_capture_format_name(cap));
        fmt_name = fmt_buf;
        nmx_session_config cfg = {
            .version = NMX_SESSION_CONFIG_VERSION,
            .name = "scanbench",
            .capture = hc,
            .ui_filter = as_hfilter ? NULL : filt,
            .focus_frame = 0xFFFFFFFFu,
        };
        nmx_key key;
        nmx_err e = nmx_session_open(&cfg, &key);
        if (e != NMX_OK) {
            fprintf(stderr, "scanbench: nmx_session_open failed (%d)\n", (int)e);
            return 1;
        }
        t_sess = now_ms();

        /* The expert's loop. */
        HEXPERTKEY hk = (HEXPERTKEY)key;
        HFILTER hfilter = as_hfilter ? (HFILTER)(void *)filt : NULL;
        DWORD flags = (expr && !as_hfilter) ? FLAGS_DEFER_TO_UI_FILTER : 0;
        const char *attach = getenv("ATTACH");
        if (attach && strcmp(attach, "1") == 0)
            flags |= FLAGS_ATTACH_PROPERTIES;
        EXPERTFRAMEDESCRIPTOR d;
        DWORD n = (DWORD)-1, rc;
        while ((rc = ExpertGetFrame(hk, GET_FRAME_NEXT_FORWARD, flags, n, hfilter, &d)) ==
               NMERR_SUCCESS) {
            ULPFRAME fr = d.pFrame;
            bytes += fr->nBytesAvail;
            if (fr->nBytesAvail) {
                xsum += fr->MacFrame[0];
                touched++;
            }
            frames++;
            n = d.FrameNumber;
        }
        t_scan = now_ms();
        peak = mem_now();
        total = nmx_capture_frame_count(cap); /* known by now */
        if (rc != NMERR_FRAME_NOT_FOUND && !(rc == NMERR_NO_FRAMES && total == 0)) {
            fprintf(stderr, "scanbench: ExpertGetFrame stopped with %lu after %llu frames\n",
                    (unsigned long)rc, (unsigned long long)frames);
            return 1;
        }
        nmx_session_close(key, NULL);
        nmx_hcapture_close(hc);
        nmx_filter_free(filt);
        t_end = now_ms();
    }

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long anon_growth = peak.anon - base.anon;
    printf("mode=%s file=%s format=\"%s\" frames=%llu total_frames=%llu bytes=%llu touched=%llu "
           "xsum=%u wall_ms=%.3f open_ms=%.3f session_ms=%.3f scan_ms=%.3f close_ms=%.3f "
           "cpu_user_ms=%.1f cpu_sys_ms=%.1f minflt=%ld majflt=%ld rss_kb=%ld rss_anon_kb=%ld "
           "rss_file_kb=%ld rss_anon_base_kb=%ld anon_growth_kb=%ld hwm_kb=%ld "
           "anon_growth_per_frame=%.3f file_bytes=%lld filter=%s\n",
           mode, path, fmt_name, (unsigned long long)frames, (unsigned long long)total,
           (unsigned long long)bytes, (unsigned long long)touched, xsum, t_end - t0, t_open - t0,
           t_sess - t_open, t_scan - t_sess, t_end - t_scan,
           ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3,
           ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3, ru.ru_minflt, ru.ru_majflt,
           peak.rss, peak.anon, peak.file, base.anon, anon_growth, peak.hwm,
           total ? (double)anon_growth * 1024.0 / (double)total : 0.0, file_bytes,
           expr ? (as_hfilter ? "hfilter" : "ui") : "none");
    return 0;
}
