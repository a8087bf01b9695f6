/*
 * nmexpert info [--json] FILE...: what a capture file holds, as capinfos
 * reports it: format, link types by name with their frame counts, Network
 * Monitor media types by name, interfaces, snapshot length, time precision,
 * frames, data sizes, first and last frame times, duration, data rates,
 * average frame size and rate, whether the times are in order, comments,
 * and damage. Definitions (as capinfos(1)): data size is the sum of the
 * frames' original (wire) lengths, the captured bytes are given too;
 * duration is the latest frame time minus the earliest; rates divide the
 * data size by the duration; the average frame size divides it by the
 * frames.
 *
 * Exit status: 0 every file read whole; 1 a file could not be opened, or is
 * damaged (the frames before the damage are still described); 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "nmexpert/capture.h"

/* ---- names ------------------------------------------------------------- */

/* LINKTYPE_* names, from the registry at https://www.tcpdump.org/linktypes.html */
static const char *linktype_name(uint32_t lt)
{
    switch (lt) {
    case 0: return "BSD loopback";
    case 1: return "Ethernet";
    case 3: return "AX.25";
    case 6: return "Token Ring";
    case 7: return "ARCnet";
    case 8: return "SLIP";
    case 9: return "PPP";
    case 10: return "FDDI";
    case 50: return "PPP in HDLC framing";
    case 51: return "PPPoE";
    case 100: return "ATM RFC 1483";
    case 101: return "Raw IP";
    case 104: return "Cisco HDLC";
    case 105: return "IEEE 802.11";
    case 107: return "Frame Relay";
    case 108: return "OpenBSD loopback";
    case 113: return "Linux cooked capture v1";
    case 114: return "LocalTalk";
    case 117: return "OpenBSD pflog";
    case 119: return "IEEE 802.11 with Prism header";
    case 122: return "IP over Fibre Channel";
    case 127: return "IEEE 802.11 with radiotap header";
    case 138: return "IP over IEEE 1394";
    case 139: return "SS7 MTP2 with pseudo-header";
    case 140: return "SS7 MTP2";
    case 141: return "SS7 MTP3";
    case 142: return "SS7 SCCP";
    case 143: return "DOCSIS";
    case 163: return "IEEE 802.11 with AVS header";
    case 187: return "Bluetooth HCI UART";
    case 189: return "Linux USB";
    case 192: return "PPI";
    case 195: return "IEEE 802.15.4 with FCS";
    case 201: return "Bluetooth HCI UART with direction";
    case 204: return "PPP with direction";
    case 215: return "IEEE 802.15.4 without FCS";
    case 220: return "Linux USB, memory-mapped";
    case 227: return "SocketCAN";
    case 228: return "Raw IPv4";
    case 229: return "Raw IPv6";
    case 249: return "Linux netlink";
    case 276: return "Linux cooked capture v2";
    default:
        if (lt >= 147 && lt <= 162)
            return "user-defined";
        return NULL;
    }
}

/* Network Monitor media type names (docs/capture-formats.md; the codes of
 * the Network Monitor 2.x file format). */
static const char *netmon_media_name(unsigned m, char *buf, size_t len)
{
    static const char *const low[] = {
        "Ethernet (media 0)", "Ethernet",   "Token Ring",       "FDDI",
        "ATM",                "IEEE 1394",  "IEEE 802.11 with Network Monitor radio header",
        "Tunnel (raw IP)",    "Wireless WAN (raw IP)", "Raw IP", "Wireless WAN", "IrDA"};
    if (m < sizeof low / sizeof low[0])
        return low[m];
    if (m >= 0xE000 && m < 0xE080) {
        const char *n = linktype_name(m - 0xE000u);
        snprintf(buf, len, "converted from pcap: %s (%u)", n ? n : "link type", m - 0xE000u);
        return buf;
    }
    switch (m) {
    case 0xE080: return "WiFi message (Message Analyzer)";
    case 0xE083: return "WFP capture, IPv4 (Message Analyzer)";
    case 0xE084: return "WFP capture, IPv6 (Message Analyzer)";
    case 0xE085: return "WFP capture 2, IPv4 (Message Analyzer)";
    case 0xE086: return "WFP capture 2, IPv6 (Message Analyzer)";
    case 0xE087: return "WFP authentication, IPv4 (Message Analyzer)";
    case 0xE088: return "WFP authentication, IPv6 (Message Analyzer)";
    case 0xFFE0: return "Network Monitor network event (ETW)";
    case 0xFFFB: return "Network Monitor network info (extended)";
    case 0xFFFC: return "Network Monitor payload header";
    case 0xFFFD: return "Network Monitor network info";
    case 0xFFFE: return "Network Monitor DNS cache";
    case 0xFFFF: return "Network Monitor filter";
    default: return "unknown media";
    }
}

static void linktype_text(uint32_t lt, char *buf, size_t len)
{
    const char *n = linktype_name(lt);
    if (lt == NMX_LINKTYPE_NONE)
        snprintf(buf, len, "none (Network Monitor media, below)");
    else
        snprintf(buf, len, "%s (%u)", n ? n : "link type", lt);
}

static const char *tsresol_text(uint8_t r, char *buf, size_t len)
{
    if (r == 6)
        return "microseconds (6)";
    if (r == 9)
        return "nanoseconds (9)";
    if (r == 3)
        return "milliseconds (3)";
    if (r & 0x80)
        snprintf(buf, len, "2^-%u seconds", r & 0x7Fu);
    else
        snprintf(buf, len, "10^-%u seconds (%u)", r, r);
    return buf;
}

/* ---- gathering ----------------------------------------------------------- */

#define MAX_KINDS 64

struct count {
    uint32_t key;
    uint64_t frames;
};

struct stats {
    uint64_t frames, data, captured, commented, no_time, largest; /* data: wire lengths */
    int64_t first, last;          /* earliest and latest times */
    bool have_time, in_order;
    uint64_t first_disorder;      /* frame number (1-based) */
    struct count lt[MAX_KINDS], media[MAX_KINDS];
    size_t nlt, nmedia;
    bool lt_more, media_more;
    uint64_t *iface_frames;       /* per interface */
};

static void bump(struct count *c, size_t *n, bool *more, uint32_t key)
{
    for (size_t i = 0; i < *n; i++)
        if (c[i].key == key) {
            c[i].frames++;
            return;
        }
    if (*n == MAX_KINDS) {
        *more = true;
        return;
    }
    c[*n].key = key;
    c[(*n)++].frames = 1;
}

static void gather(const nmx_capture *cap, struct stats *s)
{
    s->in_order = true;
    bool netmon = nmx_capture_get_format(cap) == NMX_FORMAT_NETMON1 ||
                  nmx_capture_get_format(cap) == NMX_FORMAT_NETMON2;
    size_t nif = nmx_capture_interface_count(cap);
    int64_t prev = INT64_MIN;
    for (uint64_t i = 0, n = nmx_capture_frame_count(cap); i < n; i++) {
        nmx_frame f;
        if (nmx_capture_frame(cap, i, &f) != NMX_OK)
            continue;
        s->frames++;
        s->captured += f.caplen;
        s->data += f.wirelen;
        if (f.caplen > s->largest)
            s->largest = f.caplen;
        if (f.comment)
            s->commented++;
        bump(s->lt, &s->nlt, &s->lt_more, f.linktype);
        if (netmon)
            bump(s->media, &s->nmedia, &s->media_more, f.netmon_media);
        if (s->iface_frames && f.interface_id < nif)
            s->iface_frames[f.interface_id]++;
        if (f.flags & NMX_FRAME_NO_TIMESTAMP) {
            s->no_time++;
            continue;
        }
        if (!s->have_time || f.ts_ns < s->first)
            s->first = f.ts_ns;
        if (!s->have_time || f.ts_ns > s->last)
            s->last = f.ts_ns;
        s->have_time = true;
        if (f.ts_ns < prev && s->in_order) {
            s->in_order = false;
            s->first_disorder = i + 1;
        }
        prev = f.ts_ns;
    }
}

static void fmt_time(int64_t ns, char *buf, size_t len)
{
    time_t sec = (time_t)(ns / 1000000000);
    long frac = (long)(ns % 1000000000);
    if (frac < 0) {
        frac += 1000000000;
        sec--;
    }
    struct tm tm;
    if (!gmtime_r(&sec, &tm)) {
        snprintf(buf, len, "%" PRId64 " ns", ns);
        return;
    }
    size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%09ld UTC", frac);
}

/* The time precision the file stores, from its format. */
static const char *precision(const nmx_capture *cap, char *buf, size_t len)
{
    unsigned maj = 0, min = 0;
    nmx_capture_version(cap, &maj, &min);
    switch (nmx_capture_get_format(cap)) {
    case NMX_FORMAT_NETMON1: return "milliseconds (3)";
    case NMX_FORMAT_NETMON2:
        return min >= 3 ? "100 nanoseconds (UTC FILETIME per frame)" : "microseconds (6)";
    case NMX_FORMAT_PCAP:
    case NMX_FORMAT_PCAPNG: {
        size_t n = nmx_capture_interface_count(cap);
        nmx_interface in;
        if (!n || nmx_capture_interface(cap, 0, &in) != NMX_OK)
            return "unknown";
        for (size_t i = 1; i < n; i++) {
            nmx_interface o;
            if (nmx_capture_interface(cap, i, &o) == NMX_OK && o.tsresol != in.tsresol)
                return "per interface";
        }
        return tsresol_text(in.tsresol, buf, len);
    }
    default: return "unknown";
    }
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_str(FILE *o, const char *s, size_t n)
{
    fputc('"', o);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (c == '"' || c == '\\')
            fprintf(o, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", o);
        else if (c == '\t')
            fputs("\\t", o);
        else if (c == '\r')
            fputs("\\r", o);
        else if (c < 0x20 || c == 0x7F)
            fprintf(o, "\\u%04x", c);
        else if (c < 0x80)
            fputc((int)c, o);
        else { /* UTF-8 sequences copied whole; other bytes as U+FFFD */
            size_t k = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                     : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
            bool ok = k && i + k <= n;
            for (size_t j = 1; ok && j < k; j++)
                ok = (p[i + j] & 0xC0u) == 0x80u;
            if (ok) {
                fwrite(p + i, 1, k, o);
                i += k - 1;
            } else {
                fputs("\\ufffd", o);
            }
        }
    }
    fputc('"', o);
}

static void json_cstr(FILE *o, const char *s)
{
    if (s)
        json_str(o, s, strlen(s));
    else
        fputs("null", o);
}

/* ---- one file ------------------------------------------------------------ */

static int info_one(const char *path, bool json)
{
    nmx_capture *cap;
    nmx_diag d;
    if (nmx_capture_open(path, 0, &cap, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        if (json) {
            printf("{\"file\":");
            json_cstr(stdout, path);
            printf(",\"error\":");
            json_cstr(stdout, d.msg);
            printf("}\n");
        }
        return 1;
    }
    struct stats s;
    memset(&s, 0, sizeof s);
    size_t nif = nmx_capture_interface_count(cap);
    s.iface_frames = calloc(nif ? nif : 1, sizeof *s.iface_frames);
    if (!s.iface_frames) {
        fprintf(stderr, "nmexpert: %s: out of memory for %zu interfaces\n", path, nif);
        nmx_capture_close(cap);
        return 1;
    }
    gather(cap, &s);
    /* Damage (a record cut short or impossible) has an error code; other
     * warnings (an unusual version read anyway) have NMX_OK. Warnings past
     * the stored ones count as damage. */
    size_t nwarn = nmx_capture_warning_count(cap), ndamage = 0;
    for (size_t w = 0; w < nwarn; w++) {
        const nmx_diag *wd = nmx_capture_warning(cap, w);
        ndamage += !wd || wd->code != NMX_OK;
        if (wd)
            fprintf(stderr, "nmexpert: %s: %s\n", cli_warning_kind(wd), wd->msg);
    }
    unsigned maj = 0, min = 0;
    nmx_capture_version(cap, &maj, &min);
    double dur = s.have_time ? (double)(s.last - s.first) / 1e9 : 0;
    bool rates = s.have_time && s.last > s.first;
    double avg = s.frames ? (double)s.data / (double)s.frames : 0;
    uint32_t snap = 0;
    bool snap_same = true;
    for (size_t i = 0; i < nif; i++) {
        nmx_interface in;
        if (nmx_capture_interface(cap, i, &in) != NMX_OK)
            continue;
        if (i == 0)
            snap = in.snaplen;
        else if (in.snaplen != snap)
            snap_same = false;
    }
    char pbuf[64], t1[64], t2[64], ltb[128], mb[128];
    const char *prec = precision(cap, pbuf, sizeof pbuf);
    if (s.have_time) {
        fmt_time(s.first, t1, sizeof t1);
        fmt_time(s.last, t2, sizeof t2);
    }
    size_t clen = 0;
    const char *cm = nmx_capture_comment(cap, &clen);

    if (json) {
        printf("{\"file\":");
        json_cstr(stdout, path);
        printf(",\"format\":");
        json_cstr(stdout, nmx_capture_format_name(cap));
        printf(",\"version\":\"%u.%u\",\"file_size\":%" PRIu64, maj, min, nmx_capture_size(cap));
        printf(",\"link_types\":[");
        for (size_t i = 0; i < s.nlt; i++) {
            const char *n = linktype_name(s.lt[i].key);
            if (s.lt[i].key == NMX_LINKTYPE_NONE)
                printf("%s{\"linktype\":null,\"name\":null", i ? "," : "");
            else {
                printf("%s{\"linktype\":%u,\"name\":", i ? "," : "", s.lt[i].key);
                json_cstr(stdout, n);
            }
            printf(",\"frames\":%" PRIu64 "}", s.lt[i].frames);
        }
        printf("],\"netmon_media\":[");
        for (size_t i = 0; i < s.nmedia; i++) {
            printf("%s{\"media\":%u,\"name\":", i ? "," : "", s.media[i].key);
            json_cstr(stdout, netmon_media_name(s.media[i].key, mb, sizeof mb));
            printf(",\"frames\":%" PRIu64 "}", s.media[i].frames);
        }
        printf("],\"interfaces\":[");
        for (size_t i = 0; i < nif; i++) {
            nmx_interface in;
            if (nmx_capture_interface(cap, i, &in) != NMX_OK)
                continue;
            char rb[64];
            printf("%s{\"index\":%zu,\"linktype\":%u,\"link_name\":", i ? "," : "", i, in.linktype);
            json_cstr(stdout, linktype_name(in.linktype));
            printf(",\"name\":");
            json_cstr(stdout, in.name);
            printf(",\"snaplen\":%u,\"time_precision\":", in.snaplen);
            json_cstr(stdout, tsresol_text(in.tsresol, rb, sizeof rb));
            printf(",\"section\":%u,\"frames\":%" PRIu64 "}", in.section, s.iface_frames[i]);
        }
        printf("],\"snaplen\":");
        if (nif && snap_same)
            printf("%u", snap);
        else
            printf("null");
        printf(",\"time_precision\":");
        json_cstr(stdout, prec);
        printf(",\"frames\":%" PRIu64 ",\"data_bytes\":%" PRIu64 ",\"captured_bytes\":%" PRIu64
               ",\"largest_frame\":%" PRIu64,
               s.frames, s.data, s.captured, s.largest);
        if (s.have_time) {
            printf(",\"first_time\":\"%s\",\"last_time\":\"%s\",\"first_time_ns\":%" PRId64
                   ",\"last_time_ns\":%" PRId64 ",\"duration_s\":%.9f",
                   t1, t2, s.first, s.last, dur);
        } else {
            printf(",\"first_time\":null,\"last_time\":null,\"first_time_ns\":null,"
                   "\"last_time_ns\":null,\"duration_s\":null");
        }
        if (rates)
            printf(",\"data_byte_rate\":%.6f,\"data_bit_rate\":%.6f,\"average_frame_rate\":%.6f",
                   (double)s.data / dur, (double)s.data * 8 / dur, (double)s.frames / dur);
        else
            printf(",\"data_byte_rate\":null,\"data_bit_rate\":null,\"average_frame_rate\":null");
        printf(",\"average_frame_size\":%.6f,\"frames_without_time\":%" PRIu64
               ",\"times_in_order\":%s,\"first_out_of_order_frame\":",
               avg, s.no_time, s.in_order ? "true" : "false");
        if (s.in_order)
            printf("null");
        else
            printf("%" PRIu64, s.first_disorder);
        printf(",\"comment\":");
        if (cm && clen)
            json_str(stdout, cm, clen);
        else
            printf("null");
        printf(",\"commented_frames\":%" PRIu64 ",\"damaged\":%s,\"warnings\":[", s.commented,
               ndamage ? "true" : "false");
        for (size_t w = 0; w < nwarn; w++) {
            const nmx_diag *wd = nmx_capture_warning(cap, w);
            printf("%s", w ? "," : "");
            json_cstr(stdout, wd ? wd->msg : "(not stored)");
        }
        printf("]}\n");
    } else {
        printf("File name:           %s\n", path);
        if (strstr(nmx_capture_format_name(cap), "netmon")) /* the name has it */
            printf("File type:           %s\n", nmx_capture_format_name(cap));
        else
            printf("File type:           %s, version %u.%u\n", nmx_capture_format_name(cap), maj,
                   min);
        printf("File size:           %" PRIu64 " bytes\n", nmx_capture_size(cap));
        printf("Link types:          ");
        if (!s.nlt)
            printf("none (no frames)\n");
        for (size_t i = 0; i < s.nlt; i++) {
            linktype_text(s.lt[i].key, ltb, sizeof ltb);
            printf("%s%s: %" PRIu64 " frame%s\n", i ? "                     " : "", ltb,
                   s.lt[i].frames, s.lt[i].frames == 1 ? "" : "s");
        }
        if (s.lt_more)
            printf("                     (more than %d link types; not all listed)\n", MAX_KINDS);
        if (s.nmedia) {
            printf("Network Monitor media:\n");
            for (size_t i = 0; i < s.nmedia; i++)
                printf("                     %s (%u): %" PRIu64 " frame%s\n",
                       netmon_media_name(s.media[i].key, mb, sizeof mb), s.media[i].key,
                       s.media[i].frames, s.media[i].frames == 1 ? "" : "s");
        }
        if (nif || !s.nmedia)
            printf("Interfaces:          %zu\n", nif);
        else /* a Network Monitor file records a media type per frame, not interfaces */
            printf("Interfaces:          none in this format (its media types are above)\n");
        for (size_t i = 0; i < nif; i++) {
            nmx_interface in;
            if (nmx_capture_interface(cap, i, &in) != NMX_OK)
                continue;
            char rb[64];
            linktype_text(in.linktype, ltb, sizeof ltb);
            printf("  #%zu%s%s%s: %s, snaplen %u, %s, %" PRIu64 " frame%s", i,
                   in.name ? " (" : "", in.name ? in.name : "", in.name ? ")" : "", ltb, in.snaplen,
                   tsresol_text(in.tsresol, rb, sizeof rb), s.iface_frames[i],
                   s.iface_frames[i] == 1 ? "" : "s");
            if (nmx_capture_get_format(cap) == NMX_FORMAT_PCAPNG)
                printf(", section %u", in.section);
            printf("\n");
        }
        if (nif && snap_same)
            printf("Snapshot length:     %u%s\n", snap, snap ? " bytes" : " (no limit)");
        else if (nif)
            printf("Snapshot length:     per interface\n");
        else
            printf("Snapshot length:     not stored in this format\n");
        printf("Time precision:      %s\n", prec);
        printf("Frames:              %" PRIu64 "\n", s.frames);
        printf("Data size:           %" PRIu64 " bytes (on the wire), %" PRIu64 " bytes captured\n",
               s.data, s.captured);
        printf("Largest frame:       %" PRIu64 " bytes captured\n", s.largest);
        if (s.have_time) {
            printf("First frame time:    %s\n", t1);
            printf("Last frame time:     %s\n", t2);
            printf("Duration:            %.9f seconds\n", dur);
        } else {
            printf("First frame time:    n/a\nLast frame time:     n/a\nDuration:            n/a\n");
        }
        if (rates) {
            printf("Data byte rate:      %.2f bytes/s\n", (double)s.data / dur);
            printf("Data bit rate:       %.2f bits/s\n", (double)s.data * 8 / dur);
            printf("Average frame rate:  %.2f frames/s\n", (double)s.frames / dur);
        } else {
            printf("Data byte rate:      n/a\nData bit rate:       n/a\n"
                   "Average frame rate:  n/a\n");
        }
        printf("Average frame size:  %.2f bytes\n", avg);
        if (s.no_time)
            printf("Frames without time: %" PRIu64 "\n", s.no_time);
        if (s.in_order)
            printf("Times in order:      yes\n");
        else
            printf("Times in order:      no (frame %" PRIu64 " is earlier than the one before)\n",
                   s.first_disorder);
        if (cm && clen)
            printf("Comment:             %.*s\n", (int)(clen > 500 ? 500 : clen), cm);
        printf("Commented frames:    %" PRIu64 "\n", s.commented);
        if (ndamage)
            printf("Damaged:             yes: %zu problem%s (see above); the frames before the "
                   "damage are described\n", ndamage, ndamage == 1 ? "" : "s");
        else
            printf("Damaged:             no\n");
    }
    free(s.iface_frames);
    nmx_capture_close(cap);
    return ndamage ? 1 : 0;
}

int cli_info(int argc, char **argv)
{
    cli_args it;
    cli_args_init(&it, "info", argc, argv);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0, rc = CLI_EXIT_OK;
    bool json = false, is_opt;
    const char *s;
    if (!files) {
        fprintf(stderr, "nmexpert: info: out of memory\n");
        return 1;
    }
    while ((s = cli_args_next(&it, &is_opt))) {
        if (!is_opt) {
            files[nfiles++] = s;
        } else if (cli_is(it.opt, "--json", NULL)) {
            if (!cli_args_flag(&it)) {
                free(files);
                return CLI_EXIT_USAGE;
            }
            json = true;
        } else {
            free(files);
            return cli_args_unknown(&it);
        }
    }
    if (!nfiles) {
        free(files);
        fprintf(stderr, "nmexpert info: no capture file given\n");
        return cli_command_usage("info", stderr);
    }
    for (int a = 0; a < nfiles; a++) {
        if (a && !json)
            printf("\n");
        if (info_one(files[a], json) != 0)
            rc = 1;
        /* A standard output that cannot be written ends the command, with
         * the reason (the flush at exit would only know it failed). */
        errno = 0;
        if (fflush(stdout) != 0) {
            int e = errno;
            if (e != EPIPE) {
                fprintf(stderr, "nmexpert: standard output: %s\n",
                        e ? strerror(e) : "write error");
                rc = 1;
            }
            cli_stdout_error_reported();
            break;
        }
    }
    free(files);
    return rc;
}
