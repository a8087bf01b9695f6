/*
 * mkbigcap: builds the large captures of the capture scan benchmark from
 * real captures, with nmexpert's own readers and writers.
 *
 *   mkbigcap [-i INPUT_DIR] [-s MIN_MB] [-x] [OUTPUT_DIR]
 *
 * INPUT_DIR (default: ../shared/captures next to the source tree) is walked
 * recursively; files are taken in byte order of their paths. Every file that
 * nmx_capture_open() accepts contributes its Ethernet frames (link type 1,
 * MAC type 1): all frames of Ethernet pcap/pcapng files, the Ethernet frames
 * of Network Monitor files. Files that do not open and frames of other link
 * types are skipped (and counted). That set of frames is written again and
 * again, copy i with every time shifted by i days, until the pcap output
 * holds at least MIN_MB MiB (default 320), whole copies only.
 *
 * Times: the frames are put on one timeline, as if captured in one go: copy
 * 0 starts on 2020-01-01, each input file keeps the spacing of its frames
 * and starts 1 ms after the previous file's last frame; a gap between two
 * frames of a file is clamped to 0..1 s (times never go back, and the few
 * test captures whose times jump by years stay within a day). Copy i is copy
 * 0 shifted by i days (a note is printed if the set spans a day or more).
 *
 * With -x, copy i also XORs the low 16 bits of both IPv4 addresses of
 * untagged Ethernet/IPv4 frames with i (flows stay consistent, and differ
 * between copies); the IPv4 header checksum and the TCP/UDP checksums are
 * patched incrementally (RFC 1624) when their bytes were captured.
 *
 * Output, in OUTPUT_DIR (default $BIGCAP, else /tmp/nmx-bigcap):
 *   big.pcap  pcap, microseconds, Ethernet (nmx_writer_open NMX_WRITE_PCAP_US)
 *   big.cap   the same frames as Network Monitor 2.3 (NMX_WRITE_NETMON)
 * written to temporary names first and renamed when complete.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nmexpert/capture.h"

#ifndef NMX_DEFAULT_CAPTURES
#define NMX_DEFAULT_CAPTURES "../shared/captures"
#endif

#define NS_PER_DAY (INT64_C(86400) * 1000000000)
/* Latest source time kept: pcap (µs) ends in 2106; leave room for 1000 daily
 * copies. Frames with impossible times (out-of-range test captures) are
 * skipped. */
#define MAX_COPIES 1000
/* Largest gap kept between two frames of a file (1 s): a few test captures
 * jump by years. */
#define MAX_GAP_NS INT64_C(1000000000)
/* Time of the first frame of copy 0: 2020-01-01 00:00:00 UTC. */
#define BASE_NS (INT64_C(1577836800) * 1000000000)
#define TS_MAX ((INT64_C(0xFFFFFFFF) - MAX_COPIES * INT64_C(86400)) * 1000000000)

static char **paths;
static size_t npaths, paths_cap;

static void add_path(const char *p)
{
    if (npaths == paths_cap) {
        paths_cap = paths_cap ? paths_cap * 2 : 64;
        paths = realloc(paths, paths_cap * sizeof *paths);
        if (!paths) {
            perror("realloc");
            exit(1);
        }
    }
    paths[npaths++] = strdup(p);
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "mkbigcap: %s: %s\n", dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(p);
        else if (S_ISREG(st.st_mode))
            add_path(p);
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One frame of the set: capture and frame number. */
struct src_frame {
    const nmx_capture *cap;
    uint64_t n;
    int64_t ts_ns;   /* time in copy 0 */
};

static uint16_t ld16be(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void st16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
static uint16_t csum_update(uint16_t hc, uint16_t m, uint16_t m2)
{
    uint32_t s = (uint16_t)~hc + (uint32_t)(uint16_t)~m + m2;
    s = (s & 0xFFFF) + (s >> 16);
    s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

/* XOR the low 16 bits of both IPv4 addresses of an untagged Ethernet/IPv4
 * frame with k, patching the checksums that cover them. */
static void xor_ipv4(uint8_t *f, uint32_t caplen, uint16_t k)
{
    if (k == 0 || caplen < 14 + 20 || ld16be(f + 12) != 0x0800)
        return;
    uint8_t *ip = f + 14;
    unsigned ihl = (ip[0] & 0xF) * 4u;
    if ((ip[0] >> 4) != 4 || ihl < 20 || caplen < 14 + ihl)
        return;
    uint16_t s_old = ld16be(ip + 14), d_old = ld16be(ip + 18);
    uint16_t s_new = s_old ^ k, d_new = d_old ^ k;
    st16be(ip + 14, s_new);
    st16be(ip + 18, d_new);
    uint16_t hc = ld16be(ip + 10);
    hc = csum_update(csum_update(hc, s_old, s_new), d_old, d_new);
    st16be(ip + 10, hc);
    /* L4 checksums cover the pseudo-header (addresses): first fragments only. */
    if ((ld16be(ip + 6) & 0x1FFF) != 0)
        return;
    uint8_t *l4 = ip + ihl;
    uint32_t l4len = caplen - 14 - ihl;
    unsigned at;
    if (ip[9] == 6 && l4len >= 18)
        at = 16;
    else if (ip[9] == 17 && l4len >= 8)
        at = 6;
    else
        return;
    uint16_t c = ld16be(l4 + at);
    if (ip[9] == 17 && c == 0)
        return; /* UDP without checksum */
    c = csum_update(csum_update(c, s_old, s_new), d_old, d_new);
    if (ip[9] == 17 && c == 0)
        c = 0xFFFF;
    st16be(l4 + at, c);
}

static void usage(void)
{
    fprintf(stderr, "usage: mkbigcap [-i INPUT_DIR] [-s MIN_MB] [-x] [OUTPUT_DIR]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *in = NMX_DEFAULT_CAPTURES;
    const char *out = getenv("BIGCAP");
    if (!out || !*out)
        out = "/tmp/nmx-bigcap";
    uint64_t min_mb = 320;
    int xor_ip = 0, opt;
    while ((opt = getopt(argc, argv, "i:s:xh")) != -1) {
        switch (opt) {
        case 'i': in = optarg; break;
        case 's': min_mb = strtoull(optarg, NULL, 10); break;
        case 'x': xor_ip = 1; break;
        default: usage();
        }
    }
    if (optind < argc)
        out = argv[optind++];
    if (optind != argc)
        usage();
    const uint64_t min_bytes = min_mb * 1024 * 1024;

    walk(in);
    if (npaths == 0) {
        fprintf(stderr, "mkbigcap: no files under %s\n", in);
        return 1;
    }
    qsort(paths, npaths, sizeof *paths, cmp_str);

    /* Open every input once; collect its Ethernet frames. */
    nmx_capture **caps = calloc(npaths, sizeof *caps);
    struct src_frame *set = NULL;
    size_t nset = 0, set_cap = 0, files_used = 0, files_failed = 0;
    uint64_t frames_skipped = 0, set_bytes = 0;
    uint32_t max_caplen = 0;
    for (size_t i = 0; i < npaths; i++) {
        nmx_diag d;
        if (nmx_capture_open(paths[i], 0, &caps[i], &d) != NMX_OK) {
            files_failed++;
            continue;
        }
        uint64_t nf = nmx_capture_frame_count(caps[i]), used = 0;
        int64_t file_t0 = 0, file_prev = 0, file_off = 0;
        for (uint64_t n = 0; n < nf; n++) {
            nmx_frame fr;
            if (nmx_capture_frame(caps[i], n, &fr) != NMX_OK || fr.linktype != 1 ||
                fr.mac_type != NMX_MAC_TYPE_ETHERNET || fr.caplen == 0 ||
                fr.caplen > NMX_CAPTURE_MAX_CAPLEN) {
                frames_skipped++;
                continue;
            }
            if (nset == set_cap) {
                set_cap = set_cap ? set_cap * 2 : 4096;
                set = realloc(set, set_cap * sizeof *set);
                if (!set) {
                    perror("realloc");
                    return 1;
                }
            }
            /* One monotonic timeline (see the top of the file). */
            if (used == 0) {
                file_t0 = fr.ts_ns;
                file_prev = fr.ts_ns;
                file_off = (nset ? set[nset - 1].ts_ns + 1000000 : BASE_NS) - file_t0;
            }
            int64_t gap = fr.ts_ns - file_prev;
            if (gap < 0)
                gap = 0;
            if (gap > MAX_GAP_NS)
                gap = MAX_GAP_NS;
            file_prev = fr.ts_ns;
            int64_t t = used == 0 ? file_t0 + file_off : set[nset - 1].ts_ns + gap;
            set[nset++] = (struct src_frame){ caps[i], n, t };
            set_bytes += 16 + (uint64_t)fr.caplen;
            if (fr.caplen > max_caplen)
                max_caplen = fr.caplen;
            used++;
        }
        if (used)
            files_used++;
    }
    if (nset == 0) {
        fprintf(stderr, "mkbigcap: no Ethernet frames found under %s\n", in);
        return 1;
    }

    int64_t span = set[nset - 1].ts_ns - set[0].ts_ns;
    if (span >= NS_PER_DAY)
        fprintf(stderr, "mkbigcap: note: the frames span %.1f hours; copies overlap in time\n",
                (double)span / 3.6e12);

    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "mkbigcap: %s: %s\n", out, strerror(errno));
        return 1;
    }
    char pcap_path[4096], nm_path[4096], pcap_tmp[4200], nm_tmp[4200];
    snprintf(pcap_path, sizeof pcap_path, "%s/big.pcap", out);
    snprintf(nm_path, sizeof nm_path, "%s/big.cap", out);
    snprintf(pcap_tmp, sizeof pcap_tmp, "%s.tmp", pcap_path);
    snprintf(nm_tmp, sizeof nm_tmp, "%s.tmp", nm_path);

    nmx_writer *wp = NULL, *wn = NULL;
    nmx_diag d;
    if (nmx_writer_open(pcap_tmp, NMX_WRITE_PCAP_US, 1, 262144, &wp, &d) != NMX_OK ||
        nmx_writer_open(nm_tmp, NMX_WRITE_NETMON, 1, 262144, &wn, &d) != NMX_OK) {
        fprintf(stderr, "mkbigcap: %s\n", d.msg);
        return 1;
    }
    uint8_t *buf = malloc(max_caplen);
    uint64_t total = 24, frames = 0;
    unsigned copies = 0;
    while (total < min_bytes && copies < MAX_COPIES) {
        int64_t shift = (int64_t)copies * NS_PER_DAY;
        for (size_t k = 0; k < nset; k++) {
            nmx_frame fr;
            (void)nmx_capture_frame(set[k].cap, set[k].n, &fr);
            nmx_frame o;
            memset(&o, 0, sizeof o);
            o.ts_ns = set[k].ts_ns + shift;
            o.caplen = fr.caplen;
            o.wirelen = fr.wirelen >= fr.caplen ? fr.wirelen : fr.caplen;
            o.data = fr.data;
            o.linktype = 1;
            o.mac_type = NMX_MAC_TYPE_ETHERNET;
            if (xor_ip && copies > 0) {
                memcpy(buf, fr.data, fr.caplen);
                xor_ipv4(buf, fr.caplen, (uint16_t)copies);
                o.data = buf;
            }
            if (nmx_writer_add(wp, &o) != NMX_OK || nmx_writer_add(wn, &o) != NMX_OK) {
                nmx_writer_close(wp, &d);
                if (d.code == NMX_OK)
                    nmx_writer_close(wn, &d);
                fprintf(stderr, "mkbigcap: write failed: %s\n", d.msg);
                return 1;
            }
            frames++;
        }
        total += set_bytes;
        copies++;
    }
    nmx_err e1 = nmx_writer_close(wp, &d);
    if (e1 != NMX_OK) {
        fprintf(stderr, "mkbigcap: %s\n", d.msg);
        return 1;
    }
    if (nmx_writer_close(wn, &d) != NMX_OK) {
        fprintf(stderr, "mkbigcap: %s\n", d.msg);
        return 1;
    }
    if (rename(pcap_tmp, pcap_path) != 0 || rename(nm_tmp, nm_path) != 0) {
        perror("mkbigcap: rename");
        return 1;
    }
    struct stat sp, sn;
    stat(pcap_path, &sp);
    stat(nm_path, &sn);
    printf("input=%s files_seen=%zu files_failed=%zu files_used=%zu set_frames=%zu "
           "frames_skipped=%llu copies=%u frames=%llu xor_ip=%d\n",
           in, npaths, files_failed, files_used, nset, (unsigned long long)frames_skipped,
           copies, (unsigned long long)frames, xor_ip);
    printf("pcap=%s pcap_bytes=%lld netmon=%s netmon_bytes=%lld\n", pcap_path,
           (long long)sp.st_size, nm_path, (long long)sn.st_size);
    free(buf);
    free(set);
    for (size_t i = 0; i < npaths; i++) {
        nmx_capture_close(caps[i]);
        free(paths[i]);
    }
    free(caps);
    free(paths);
    return 0;
}
