/*
 * nmexpert: command-line front end.
 *
 *   nmexpert info FILE...              what a capture file holds
 *   nmexpert convert IN OUT [options]  rewrite a capture in another format
 *   nmexpert sample OUT [options]      write the synthetic sample capture
 *   nmexpert demo                      a misbehaving in-process expert
 *                                      session, and what the host catches
 *   nmexpert version
 *
 * Exit status: 0 success, 1 a file could not be read or written, 2 usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/filter.h"
#include "nmexpert/nmexpert.h"
#include "cli.h"
#include "sample.h"

enum { EXIT_OK = CLI_EXIT_OK, EXIT_IO = 1, EXIT_USAGE = CLI_EXIT_USAGE };

int cli_usage(FILE *out)
{
    fprintf(out,
            "usage: nmexpert <command> [args]\n"
            "\n"
            "commands:\n"
            "  run EXPERT... CAPTURE... [--filter BPF] [--isolation=process|thread]\n"
            "      [--timeout S] [--memory-limit N[KMG]] [--misuse-limit N] [-j N] [--quiet]\n"
            "      [--output table|jsonl|csv[:FILE]]... [--config FILE] [--set key=value]...\n"
            "      [--frame N]        run experts over captures, contained\n"
            "  list                   the experts found, with their registration\n"
            "  configure EXPERT [--set key=value]... [--capture FILE]\n"
            "                         call the expert's Configure and store the result\n"
            "  info [--json] FILE...  format, link types, frames, sizes, times, rates, damage\n"
            "  convert IN OUT [--format pcap|pcap-ns|pcapng|netmon] [--filter BPF]\n"
            "                         rewrite a capture (format from OUT's extension\n"
            "                         unless given: .pcap, .pcapng, .cap)\n"
            "  sample OUT [--frames N] [--seed S] [--format pcap|pcap-ns|pcapng|netmon]\n"
            "                         write a synthetic office-traffic capture\n"
            "  demo                   run a deliberately misbehaving expert session and\n"
            "                         show what the host catches, frees and reports\n"
            "  version                print the library version\n");
    return out == stderr ? EXIT_USAGE : EXIT_OK;
}

static void on_misuse(nmx_heap *h, const nmx_misuse *m, void *ud)
{
    (void)h;
    (void)ud;
    printf("  caught: %-6s %p: %s", nmx_mem_op_name(m->op), m->ptr, nmx_misuse_kind_name(m->kind));
    if (m->kind == NMX_MISUSE_OVERRUN)
        printf(" (block of %zu bytes)", m->block_size);
    printf("\n");
}

/* What a buggy expert might do during Run. */
static void buggy_expert_run(HEXPERTKEY k, HEXPERTKEY other)
{
    DWORD err;
    char *table = ExpertAllocMemory(k, 64, &err);
    snprintf(table, 64, "%s", "top talkers");
    table = ExpertReallocMemory(k, table, 1 << 20, &err); /* grows in place, zero tail */
    char *events = ExpertAllocMemory(k, 128, &err);
    char *theirs = ExpertAllocMemory(other, 32, &err);
    int local = 0;

    ExpertFreeMemory(k, theirs);      /* another session's block   */
    ExpertFreeMemory(k, events + 8);  /* interior pointer          */
    ExpertFreeMemory(k, &local);      /* stack address             */
    events[128] = 0;                  /* one byte past the end ... */
    ExpertFreeMemory(k, events);      /* ... found at free         */
    ExpertFreeMemory(k, events);      /* double free               */
    for (int i = 0; i < 1000; i++)    /* leaks: the host frees them */
        ExpertAllocMemory(k, (SIZE_T)(16 + i % 200), &err);
    (void)table;
}

static int cmd_demo(void)
{
    nmx_session_config cfg = {.version = NMX_SESSION_CONFIG_VERSION,
                              .name = "demo expert (Run)",
                              .memory_limit = 64 << 20,
                              .heap_flags = NMX_HEAP_DEBUG | NMX_HEAP_CHECK_ON_DESTROY};
    nmx_key run, other;
    if (nmx_session_open(&cfg, &run) != NMX_OK)
        return 1;
    cfg.name = "another expert";
    if (nmx_session_open(&cfg, &other) != NMX_OK)
        return 1;
    nmx_heap_set_misuse_handler(nmx_session_heap(run), on_misuse, NULL);

    printf("nmexpert %s: running a misbehaving expert session (allocator mode: %s)\n",
           nmx_version(), nmx_mem_mode_get() == NMX_MEM_ARENA ? "arena" : "malloc");
    buggy_expert_run(run, other);

    nmx_heap_stats st;
    nmx_session_stats(run, &st);
    printf("\nsession stats: %" PRIu64 " live blocks, %" PRIu64 " bytes (peak %" PRIu64
           "), %" PRIu64 " misuse events\n",
           st.cur_blocks, st.cur_bytes, st.peak_bytes, st.misuse_total);

    nmx_heap_report rep;
    nmx_session_close(run, &rep);
    printf("\nsession closed; everything it held was freed:\n");
    rep.nleaks = rep.nleaks > 3 ? 3 : rep.nleaks; /* show the first few */
    nmx_heap_report_print(&rep, stdout);
    if (rep.leaked_blocks > 3)
        printf("    ... and %" PRIu64 " more\n", rep.leaked_blocks - 3);
    nmx_heap_report_free(&rep);

    DWORD err = 0;
    void *p = ExpertAllocMemory(run, 10, &err);
    printf("\nafter close, the key is dead: ExpertAllocMemory -> %p, error %u "
           "(NMERR_INVALID_EXPERT_HANDLE)\n",
           p, (unsigned)err);
    nmx_session_close(other, NULL);
    return 0;
}

static void print_warnings(const nmx_capture *cap)
{
    for (size_t i = 0; i < nmx_capture_warning_count(cap); i++) {
        const nmx_diag *w = nmx_capture_warning(cap, i);
        if (w)
            fprintf(stderr, "nmexpert: warning: %s\n", w->msg);
    }
}

static int cmd_info(int argc, char **argv)
{
    return cli_info(argc, argv); /* cli/info.c */
}

static bool parse_format(const char *fmt, nmx_write_format *wf)
{
    if (strcmp(fmt, "pcap") == 0)
        *wf = NMX_WRITE_PCAP_US;
    else if (strcmp(fmt, "pcap-ns") == 0)
        *wf = NMX_WRITE_PCAP_NS;
    else if (strcmp(fmt, "pcapng") == 0)
        *wf = NMX_WRITE_PCAPNG;
    else if (strcmp(fmt, "netmon") == 0)
        *wf = NMX_WRITE_NETMON;
    else
        return false;
    return true;
}

static const char *format_from_name(const char *out)
{
    const char *dot = strrchr(out, '.');
    return !dot ? "pcapng" : strcmp(dot, ".cap") == 0 ? "netmon"
                           : strcmp(dot, ".pcap") == 0 ? "pcap" : "pcapng";
}

static int cmd_sample(int argc, char **argv)
{
    const char *out = NULL, *fmt = NULL;
    uint64_t frames = 3000, seed = 1;
    for (int a = 0; a < argc; a++) {
        if (strcmp(argv[a], "--format") == 0 && a + 1 < argc)
            fmt = argv[++a];
        else if (strcmp(argv[a], "--frames") == 0 && a + 1 < argc)
            frames = strtoull(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
            seed = strtoull(argv[++a], NULL, 10);
        else if (!out)
            out = argv[a];
        else
            return cli_usage(stderr);
    }
    if (!out)
        return cli_usage(stderr);
    nmx_write_format wf;
    if (!parse_format(fmt ? fmt : format_from_name(out), &wf)) {
        fprintf(stderr, "nmexpert: unknown format '%s'\n", fmt);
        return EXIT_USAGE;
    }
    nmx_diag d;
    if (nmx_sample_write(out, wf, frames, seed, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        return EXIT_IO;
    }
    printf("%s: %llu frames of sample traffic\n", out, (unsigned long long)frames);
    return EXIT_OK;
}

static int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *fmt = NULL, *filter = NULL;
    for (int a = 0; a < argc; a++) {
        if (strcmp(argv[a], "--format") == 0 && a + 1 < argc)
            fmt = argv[++a];
        else if (strcmp(argv[a], "--filter") == 0 && a + 1 < argc)
            filter = argv[++a];
        else if (!in)
            in = argv[a];
        else if (!out)
            out = argv[a];
        else
            return cli_usage(stderr);
    }
    if (!in || !out)
        return cli_usage(stderr);
    if (!fmt)
        fmt = format_from_name(out);
    nmx_write_format wf;
    if (!parse_format(fmt, &wf)) {
        fprintf(stderr, "nmexpert: unknown format '%s'\n", fmt);
        return EXIT_USAGE;
    }
    nmx_diag d;
    nmx_filter *flt = NULL;
    if (filter && nmx_filter_bpf(filter, &flt, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        return EXIT_USAGE;
    }
    nmx_capture *cap;
    if (nmx_capture_open(in, 0, &cap, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        nmx_filter_free(flt);
        return EXIT_IO;
    }
    print_warnings(cap);
    uint64_t n = nmx_capture_frame_count(cap), written = 0, skipped = 0;
    uint32_t lt = 1;
    nmx_frame f;
    if (n && nmx_capture_frame(cap, 0, &f) == NMX_OK && f.linktype != NMX_LINKTYPE_NONE)
        lt = f.linktype;
    nmx_writer *w;
    int rc = EXIT_OK;
    if (nmx_writer_open(out, wf, lt, 0, &w, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        rc = EXIT_IO;
    } else {
        for (uint64_t i = 0; i < n; i++) {
            if (nmx_capture_frame(cap, i, &f) != NMX_OK)
                continue;
            if (flt && !nmx_filter_match(flt, &f)) {
                continue;
            }
            nmx_err e = nmx_writer_add(w, &f);
            if (e == NMX_EINVAL) { /* a frame this format cannot hold */
                skipped++;
                continue;
            }
            if (e != NMX_OK) {
                fprintf(stderr, "nmexpert: %s: frame %" PRIu64 ": %s\n", out, i,
                        nmx_strerror(e));
                rc = EXIT_IO;
                break;
            }
            written++;
        }
        if (nmx_writer_close(w, &d) != NMX_OK) {
            fprintf(stderr, "nmexpert: %s\n", d.msg);
            rc = EXIT_IO;
        }
    }
    if (skipped)
        fprintf(stderr,
                "nmexpert: %" PRIu64 " frame%s skipped: link type not representable in %s\n",
                skipped, skipped == 1 ? "" : "s", fmt);
    if (rc == EXIT_OK)
        printf("%s: %" PRIu64 " frames written (%s)\n", out, written, fmt);
    nmx_capture_close(cap);
    nmx_filter_free(flt);
    return rc;
}

/* The built-in experts: installed beside the library, or, in a build tree,
 * in ../experts relative to this program. */
static void find_builtin_dir(const char *argv0)
{
    if (getenv("NMEXPERT_BUILTIN_DIR"))
        return;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        (void)argv0;
        return;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = 0;
    char cand[4200];
    snprintf(cand, sizeof cand, "%s/../experts", exe);
    if (access(cand, R_OK) == 0)
        setenv("NMEXPERT_BUILTIN_DIR", cand, 0);
}

int main(int argc, char **argv)
{
    find_builtin_dir(argv[0]);
    if (argc < 2)
        return cli_usage(stderr);
    if (strcmp(argv[1], "demo") == 0)
        return cmd_demo();
    if (strcmp(argv[1], "info") == 0)
        return cmd_info(argc - 2, argv + 2);
    if (strcmp(argv[1], "convert") == 0)
        return cmd_convert(argc - 2, argv + 2);
    if (strcmp(argv[1], "sample") == 0)
        return cmd_sample(argc - 2, argv + 2);
    if (strcmp(argv[1], "run") == 0)
        return cli_run(argc - 2, argv + 2);
    if (strcmp(argv[1], "list") == 0)
        return cli_list(argc - 2, argv + 2);
    if (strcmp(argv[1], "configure") == 0)
        return cli_configure(argc - 2, argv + 2);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("nmexpert %s\n", nmx_version());
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0)
        return cli_usage(stdout);
    fprintf(stderr, "nmexpert: unknown command '%s'\n", argv[1]);
    return cli_usage(stderr);
}
