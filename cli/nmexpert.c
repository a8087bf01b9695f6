/*
 * nmexpert: command-line front end (the commands are described by
 * `nmexpert help` and in docs/nmexpert.1).
 *
 *   nmexpert run [options] EXPERT... -- CAPTURE...   (run.c)
 *   nmexpert list | configure | help EXPERT           (run.c, expert_help.c)
 *   nmexpert info FILE...              what a capture file holds
 *   nmexpert convert [options] IN OUT  rewrite a capture in another format
 *   nmexpert sample [options] OUT      write the synthetic sample capture
 *   nmexpert selftest-memory           a misbehaving in-process expert
 *                                      session, and what the host catches
 *   nmexpert version
 *
 * Exit status: 0 success, 1 a file could not be read or written, 2 usage.
 */
#include <inttypes.h>
#include <nettle/version.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/filter.h"
#include "nmexpert/nmexpert.h"
#include "args.h"
#include "cli.h"
#include "outputs.h"
#include "sample.h"

enum { EXIT_OK = CLI_EXIT_OK, EXIT_IO = 1, EXIT_USAGE = CLI_EXIT_USAGE };

int cli_usage(FILE *out)
{
    fprintf(out,
            "usage: nmexpert <command> [options] [args]\n"
            "\n"
            "commands:\n"
            "  run [options] EXPERT... -- CAPTURE...\n"
            "                         run experts over captures, each contained\n"
            "  list [--long|--names]  the experts found, their registration and options\n"
            "  help [COMMAND|EXPERT]  a command's usage, or an expert's options\n"
            "  configure EXPERT [--set KEY=VALUE]... [--show|--reset]\n"
            "                         call the expert's Configure and store the result\n"
            "  info [--json] FILE...  format, link types, frames, sizes, times, rates, damage\n"
            "  dissect [options] CAPTURE\n"
            "                         each frame through the parsers, as Network Monitor's\n"
            "                         detail pane showed it\n"
            "  properties [PROTOCOL]  the protocols and properties experts can look up\n"
            "  convert [options] IN OUT\n"
            "                         rewrite a capture in another format\n"
            "  sample [options] OUT   write a synthetic office-traffic capture\n"
            "  selftest-memory        show what the host catches when an expert misuses\n"
            "                         its memory (writes no file)\n"
            "  version                the versions of nmexpert, libpcap and libseccomp\n"
            "\n"
            "`nmexpert COMMAND --help` describes a command; `man nmexpert` all of them.\n");
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

static int cmd_selftest_memory(int argc, char **argv)
{
    (void)argv;
    if (argc) {
        fprintf(stderr, "nmexpert selftest-memory: takes no arguments\n");
        return EXIT_USAGE;
    }
    nmx_session_config cfg = {.version = NMX_SESSION_CONFIG_VERSION,
                              .name = "test expert (Run)",
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
            fprintf(stderr, "nmexpert: %s: %s\n", cli_warning_kind(w), w->msg);
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

/* Options shared by sample and convert. */
struct write_opts {
    const char *fmt, *filter;
    bool force;
    uint64_t frames, seed;
    const char *operand[2];
    int noperands;
};

static int parse_write_opts(const char *cmd, int argc, char **argv, int want_operands,
                            struct write_opts *o)
{
    cli_args it;
    cli_args_init(&it, cmd, argc, argv);
    bool is_opt;
    const char *s;
    bool sample = strcmp(cmd, "sample") == 0;
    while ((s = cli_args_next(&it, &is_opt))) {
        if (!is_opt) {
            if (o->noperands == want_operands) {
                fprintf(stderr, "nmexpert %s: unexpected argument '%s'\n", cmd, s);
                return cli_command_usage(cmd, stderr);
            }
            o->operand[o->noperands++] = s;
            continue;
        }
        const char *v;
        if (cli_is(it.opt, "--format", NULL)) {
            if (!(v = cli_args_value(&it)))
                return EXIT_USAGE;
            o->fmt = v;
        } else if (cli_is(it.opt, "--force", "-f")) {
            if (!cli_args_flag(&it))
                return EXIT_USAGE;
            o->force = true;
        } else if (!sample && cli_is(it.opt, "--filter", NULL)) {
            if (!(v = cli_args_value(&it)))
                return EXIT_USAGE;
            o->filter = v;
        } else if (sample && cli_is(it.opt, "--frames", NULL)) {
            if (!(v = cli_args_value(&it)) ||
                !cli_parse_u64("--frames", v, 1, 100000000u, &o->frames))
                return EXIT_USAGE;
        } else if (sample && cli_is(it.opt, "--seed", NULL)) {
            if (!(v = cli_args_value(&it)) || !cli_parse_u64("--seed", v, 0, UINT64_MAX, &o->seed))
                return EXIT_USAGE;
        } else {
            return cli_args_unknown(&it);
        }
    }
    if (o->noperands != want_operands) {
        fprintf(stderr, "nmexpert %s: %s\n", cmd,
                want_operands == 1 ? "the output file is missing"
                                   : "an input and an output file are needed");
        return cli_command_usage(cmd, stderr);
    }
    return EXIT_OK;
}

static int check_format(const char *fmt, nmx_write_format *wf)
{
    if (parse_format(fmt, wf))
        return EXIT_OK;
    fprintf(stderr, "nmexpert: --format: '%s' is not accepted: pcap, pcap-ns, pcapng or netmon\n",
            fmt);
    return EXIT_USAGE;
}

static int cmd_sample(int argc, char **argv)
{
    struct write_opts o = {.frames = 3000, .seed = 1};
    int rc = parse_write_opts("sample", argc, argv, 1, &o);
    if (rc != EXIT_OK)
        return rc;
    const char *out = o.operand[0];
    nmx_write_format wf;
    if ((rc = check_format(o.fmt ? o.fmt : format_from_name(out), &wf)) != EXIT_OK)
        return rc;
    cli_out w;
    if (!cli_out_begin(&w, out, true, o.force))
        return EXIT_IO;
    nmx_diag d;
    char msg[1024];
    if (nmx_sample_write(cli_out_open_path(&w), wf, o.frames, o.seed, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", cli_out_message(&w, d.msg, msg, sizeof msg));
        cli_out_discard(&w);
        return EXIT_IO;
    }
    if (!cli_out_commit(&w))
        return EXIT_IO;
    printf("%s: %llu frames of sample traffic\n", out, (unsigned long long)o.frames);
    return EXIT_OK;
}

static int cmd_convert(int argc, char **argv)
{
    struct write_opts o = {0};
    int rc = parse_write_opts("convert", argc, argv, 2, &o);
    if (rc != EXIT_OK)
        return rc;
    const char *in = o.operand[0], *out = o.operand[1];
    const char *fmt = o.fmt ? o.fmt : format_from_name(out);
    nmx_write_format wf;
    if ((rc = check_format(fmt, &wf)) != EXIT_OK)
        return rc;
    nmx_diag d;
    nmx_filter *flt = NULL;
    if (o.filter && nmx_filter_bpf(o.filter, &flt, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        return EXIT_USAGE;
    }
    /* Nothing is opened for writing before this check. */
    const char *inputs[1] = {in};
    if (!cli_out_not_input(out, inputs, 1)) {
        nmx_filter_free(flt);
        return EXIT_IO;
    }
    /* Indexed as it is read: the file is read once. Damage is found by the
     * reading, so its warnings are printed at the end. */
    nmx_capture *cap;
    if (nmx_capture_open(in, NMX_CAPTURE_INCREMENTAL, &cap, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        nmx_filter_free(flt);
        return EXIT_IO;
    }
    cli_out w;
    if (!cli_out_begin(&w, out, true, o.force)) {
        nmx_capture_close(cap);
        nmx_filter_free(flt);
        return EXIT_IO;
    }
    uint64_t written = 0, skipped = 0;
    uint32_t lt = 1;
    nmx_frame f;
    if (nmx_capture_frame(cap, 0, &f) == NMX_OK && f.linktype != NMX_LINKTYPE_NONE)
        lt = f.linktype;
    nmx_writer *wr;
    char msg[1024];
    if (nmx_writer_open(cli_out_open_path(&w), wf, lt, 0, &wr, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", cli_out_message(&w, d.msg, msg, sizeof msg));
        rc = EXIT_IO;
    } else {
        for (uint64_t i = 0; nmx_capture_frame(cap, i, &f) == NMX_OK; i++) {
            if (flt && !nmx_filter_match(flt, &f)) {
                continue;
            }
            nmx_err e = nmx_writer_add(wr, &f);
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
        if (nmx_writer_close(wr, &d) != NMX_OK) {
            if (rc == EXIT_OK)
                fprintf(stderr, "nmexpert: %s\n", cli_out_message(&w, d.msg, msg, sizeof msg));
            rc = EXIT_IO;
        }
    }
    print_warnings(cap);
    if (rc == EXIT_OK && !cli_out_commit(&w))
        rc = EXIT_IO;
    if (rc != EXIT_OK)
        cli_out_discard(&w);
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

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc) {
        fprintf(stderr, "nmexpert version: takes no arguments\n");
        return EXIT_USAGE;
    }
    const struct scmp_version *sv = seccomp_version();
    printf("nmexpert %s\n", nmx_version());
    const char *pv = nmx_filter_bpf_engine();
    printf("%s\n", pv ? pv : "libpcap: not found (BPF filters unavailable)");
    if (sv)
        printf("libseccomp version %u.%u.%u\n", sv->major, sv->minor, sv->micro);
    printf("Nettle version %d.%d (SHA-256 of capture ids)\n", nettle_version_major(),
           nettle_version_minor());
    return EXIT_OK;
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

/* -h or --help among a command's options (before any "--"). */
static bool wants_help(int argc, char **argv)
{
    for (int a = 0; a < argc; a++) {
        if (strcmp(argv[a], "--") == 0)
            return false;
        if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0)
            return true;
    }
    return false;
}

static int dispatch(const char *cmd, int argc, char **argv)
{
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0)
        cmd = "version";
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc == 0)
            return cli_usage(stdout);
        if (wants_help(argc, argv))
            return cli_command_usage("help", stdout);
        if (argc > 1 || argv[0][0] == '-')
            return cli_command_usage("help", stderr);
        if (cli_is_command(argv[0]))
            return cli_command_usage(argv[0], stdout);
        return cli_help_expert(argv[0]);
    }
    if (!cli_is_command(cmd)) {
        fprintf(stderr, "nmexpert: unknown command '%s'\n", cmd);
        return cli_usage(stderr);
    }
    /* Help is asked before anything else is looked at, so that it never
     * writes a file or runs anything. */
    if (wants_help(argc, argv))
        return cli_command_usage(cmd, stdout);
    if (strcmp(cmd, "selftest-memory") == 0 || strcmp(cmd, "demo") == 0)
        return cmd_selftest_memory(argc, argv);
    if (strcmp(cmd, "info") == 0)
        return cmd_info(argc, argv);
    if (strcmp(cmd, "convert") == 0) {
        cli_out_cleanup_on_signals();
        return cmd_convert(argc, argv);
    }
    if (strcmp(cmd, "sample") == 0) {
        cli_out_cleanup_on_signals();
        return cmd_sample(argc, argv);
    }
    if (strcmp(cmd, "run") == 0)
        return cli_run(argc, argv);
    if (strcmp(cmd, "dissect") == 0)
        return cli_dissect(argc, argv);
    if (strcmp(cmd, "properties") == 0)
        return cli_properties(argc, argv);
    if (strcmp(cmd, "list") == 0)
        return cli_list(argc, argv);
    if (strcmp(cmd, "configure") == 0)
        return cli_configure(argc, argv);
    return cmd_version(argc, argv);
}

int main(int argc, char **argv)
{
    cli_stdio_guard();
    /* A reader of the standard output that goes away (`| head`) must not
     * kill the process: that output is closed, the others go on. */
    signal(SIGPIPE, SIG_IGN);
    find_builtin_dir(argv[0]);
    if (argc < 2)
        return cli_usage(stderr);
    int rc = dispatch(argv[1], argc - 2, argv + 2);
    return cli_stdout_finish(rc, strcmp(argv[1], "run") == 0 ? CLI_EXIT_OUTPUT : EXIT_IO);
}
