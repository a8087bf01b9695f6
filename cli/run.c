/*
 * nmexpert run / list / configure.
 *
 * run: every expert over every capture, -j jobs at a time. Events go to the
 * sinks as they arrive; a progress bar per running expert is drawn on the
 * terminal (stderr) unless --quiet or stderr is not a terminal. The exit
 * status says what happened (see exit_for()).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "term.h"
#include "nmexpert/capture.h"
#include "nmexpert/configure.h"
#include "nmexpert/filter.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/run.h"
#include "nmexpert/session.h"
#include "nmexpert/sink.h"

/* ---- configuration store --------------------------------------------- */

static void config_path(const nmx_expert_info *ex, char *buf, size_t len)
{
    const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (x && *x)
        snprintf(buf, len, "%s/nmexpert/experts/%s.cfg", x, ex->file);
    else
        snprintf(buf, len, "%s/.config/nmexpert/experts/%s.cfg", home ? home : ".", ex->file);
}

static void mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(tmp, 0755);
            *p = '/';
        }
}

static bool read_file(const char *path, void **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
        if (n == cap) {
            if (cap >= (16u << 20))
                break;
            uint8_t *nb = realloc(b, cap * 2);
            if (!nb)
                break;
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!b)
        return false;
    *data = b;
    *len = n;
    return true;
}

static bool write_file(const char *path, const void *data, size_t len)
{
    mkdirs(path);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

/* ---- list ------------------------------------------------------------ */

static void flags_text(uint32_t f, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s", f & 0x1 ? "configurable " : "", f & 0x2 ? "private-viewer " : "",
             f & 0x4 ? "no-viewer " : "", f & 0x10 ? "summary-menu " : "",
             f & 0x20 ? "detail-menu " : "");
    size_t l = strlen(buf);
    if (l)
        buf[l - 1] = 0;
    else
        snprintf(buf, len, "-");
}

int cli_list(int argc, char **argv)
{
    (void)argv;
    if (argc)
        return cli_usage(stderr);
    nmx_expert_info *list;
    size_t n;
    if (nmx_expert_scan(&list, &n) != NMX_OK) {
        fprintf(stderr, "nmexpert: cannot scan the expert folders\n");
        return CLI_EXIT_LOAD;
    }
    printf("search path: %s\n\n", nmx_expert_search_path());
    size_t usable = 0;
    for (size_t i = 0; i < n; i++) {
        const nmx_expert_info *e = &list[i];
        if (e->usable) {
            char fl[128];
            flags_text(e->flags, fl, sizeof fl);
            printf("%s\n  vendor:      %s\n  description: %s\n  flags:       %s\n  file:        %s\n\n",
                   e->name, e->vendor, e->description[0] ? e->description : "-", fl, e->path);
            usable++;
        } else {
            printf("%s (unusable)\n  reason:      %s\n  file:        %s\n\n", e->file, e->reason,
                   e->path);
        }
    }
    printf("%zu expert%s, %zu usable. Isolation: process (default) contains crashes, exit(), "
           "hangs and runaway memory;\n--isolation=thread contains synchronous faults only "
           "(not exit(), hangs, or wild writes).\n",
           n, n == 1 ? "" : "s", usable);
    free(list);
    return CLI_EXIT_OK;
}

/* ---- configure ------------------------------------------------------- */

int cli_configure(int argc, char **argv)
{
    const char *spec = NULL, *capfile = NULL;
    const char *pairs[64];
    size_t npairs = 0;
    for (int a = 0; a < argc; a++) {
        if (strcmp(argv[a], "--set") == 0 && a + 1 < argc && npairs < 64)
            pairs[npairs++] = argv[++a];
        else if (strcmp(argv[a], "--capture") == 0 && a + 1 < argc)
            capfile = argv[++a];
        else if (!spec)
            spec = argv[a];
        else
            return cli_usage(stderr);
    }
    if (!spec)
        return cli_usage(stderr);
    nmx_expert_info ex;
    nmx_diag d;
    if (nmx_expert_find(spec, &ex, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        return CLI_EXIT_LOAD;
    }
    HCAPTURE hc = NULL;
    if (capfile && nmx_hcapture_open(capfile, &hc, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        return CLI_EXIT_LOAD;
    }
    char path[4096];
    config_path(&ex, path, sizeof path);
    void *stored = NULL;
    size_t stored_len = 0;
    if (npairs) {
        if (nmx_config_from_text(pairs, npairs, &stored, &stored_len) != NMX_OK) {
            fprintf(stderr, "nmexpert: --set takes key=value\n");
            return CLI_EXIT_USAGE;
        }
    } else {
        read_file(path, &stored, &stored_len);
    }
    nmx_configure_result r;
    nmx_err e = nmx_configure_expert(&ex, hc, stored, stored_len, 30000, &r);
    free(stored);
    if (hc)
        nmx_hcapture_close(hc);
    if (e != NMX_OK) {
        fprintf(stderr, "nmexpert: %s: %s\n", ex.name, r.message[0] ? r.message : nmx_strerror(e));
        return CLI_EXIT_FAILED;
    }
    if (!r.value || !r.config) {
        fprintf(stderr, "nmexpert: %s: %s; configuration unchanged\n", ex.name, r.message);
        free(r.config);
        return CLI_EXIT_FAILED;
    }
    if (!write_file(path, r.config, r.config_len)) {
        fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(errno));
        free(r.config);
        return CLI_EXIT_LOAD;
    }
    printf("%s: configuration of %zu bytes stored in %s\n", ex.name, r.config_len, path);
    free(r.config);
    return CLI_EXIT_OK;
}

/* ---- run ------------------------------------------------------------- */

#define MAX_SINKS 8

struct job {
    const nmx_expert_info *ex;
    size_t cap;                   /* index into captures                     */
    char label[400];
    atomic_int state;             /* 0 waiting, 1 running, 2 done            */
    atomic_uint percent;
    atomic_uint frame;
    char text[64];
    nmx_run_result res;
};

struct runner {
    struct job *jobs;
    size_t njobs;
    atomic_size_t next;
    nmx_sink *sinks[MAX_SINKS];
    bool sink_stdout[MAX_SINKS];  /* writes to the standard output         */
    size_t nsinks;
    HCAPTURE *hcaps;
    const char **capnames;
    nmx_filter *filter;
    const void *config;
    size_t config_len;
    bool config_given;
    nmx_isolation iso;
    uint32_t timeout_ms;
    uint64_t memory_limit;
    uint32_t misuse_limit;
    uint32_t focus;
    pthread_mutex_t out_lock;     /* sinks' begin/end ordering and progress */
    pthread_cond_t changed;       /* a job or worker ended (under out_lock)  */
    size_t workers_done;
    cli_term term;                /* bars and results share it (out_lock)    */
};

static volatile int stop_flag;

static void on_sigint(int sig)
{
    (void)sig;
    if (stop_flag)
        _exit(130); /* second Ctrl-C: leave now */
    stop_flag = 1;
}

struct job_ctx {
    struct runner *r;
    struct job *j;
};

static void job_event(const nmx_event *ev, void *ud)
{
    struct job_ctx *c = ud;
    struct runner *r = c->r;
    for (size_t i = 0; i < r->nsinks; i++) {
        if (r->sink_stdout[i] && r->term.shared) { /* not between the bars */
            pthread_mutex_lock(&r->out_lock);
            cli_term_stdout_begin(&r->term);
            nmx_sink_event(r->sinks[i], ev);
            cli_term_stdout_done(&r->term);
            pthread_mutex_unlock(&r->out_lock);
        } else {
            nmx_sink_event(r->sinks[i], ev);
        }
    }
}

static void term_log(const char *line, void *ud)
{
    cli_term_log(ud, line);
}

static void job_status(const nmx_status *st, void *ud)
{
    struct job_ctx *c = ud;
    atomic_store(&c->j->percent, st->percent);
    atomic_store(&c->j->frame, st->frame);
}

static void *worker(void *arg)
{
    struct runner *r = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->njobs || stop_flag)
            break;
        struct job *j = &r->jobs[i];
        atomic_store(&j->state, 1);
        pthread_mutex_lock(&r->out_lock);
        cli_term_stdout_begin(&r->term);
        for (size_t s = 0; s < r->nsinks; s++)
            nmx_sink_begin_expert(r->sinks[s], j->label, r->capnames[j->cap]);
        cli_term_stdout_done(&r->term);
        pthread_mutex_unlock(&r->out_lock);
        /* the configuration: given on the command line, or stored */
        void *stored = NULL;
        size_t stored_len = 0;
        const void *cfg = r->config;
        size_t cfg_len = r->config_len;
        if (!r->config_given) {
            char path[4096];
            config_path(j->ex, path, sizeof path);
            if (read_file(path, &stored, &stored_len)) {
                cfg = stored;
                cfg_len = stored_len;
            }
        }
        struct job_ctx ctx = {r, j};
        nmx_run_config rc = {.version = NMX_RUN_CONFIG_VERSION,
                             .expert = j->ex,
                             .label = j->label,
                             .capture = r->hcaps[j->cap],
                             .ui_filter = r->filter,
                             .config = cfg,
                             .config_len = cfg_len,
                             .focus_frame = r->focus,
                             .isolation = r->iso,
                             .timeout_ms = r->timeout_ms,
                             .memory_limit = r->memory_limit,
                             .misuse_limit = r->misuse_limit,
                             .on_event = job_event,
                             .event_ud = &ctx,
                             .on_status = job_status,
                             .status_ud = &ctx,
                             .stop = &stop_flag};
        if (nmx_run_expert(&rc, &j->res) != NMX_OK) {
            j->res.outcome = NMX_RUN_LOAD_FAILED;
            snprintf(j->res.message, sizeof j->res.message, "%s: could not be run", j->label);
        }
        free(stored);
        pthread_mutex_lock(&r->out_lock);
        cli_term_stdout_begin(&r->term);
        for (size_t s = 0; s < r->nsinks; s++)
            nmx_sink_end_expert(r->sinks[s], j->label, j->res.message);
        cli_term_stdout_done(&r->term);
        atomic_store(&j->state, 2);
        pthread_cond_broadcast(&r->changed); /* redraw the bars now */
        pthread_mutex_unlock(&r->out_lock);
    }
    pthread_mutex_lock(&r->out_lock);
    r->workers_done++;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->out_lock);
    return NULL;
}

/* Progress: one bar per running job (under out_lock). */
static void draw_progress(struct runner *r)
{
    cli_bar bars[TERM_MAX_BARS];
    size_t n = 0, running = 0;
    for (size_t i = 0; i < r->njobs; i++) {
        struct job *j = &r->jobs[i];
        if (atomic_load(&j->state) != 1)
            continue;
        running++;
        if (n < TERM_MAX_BARS)
            bars[n++] = (cli_bar){j->label, atomic_load(&j->percent), atomic_load(&j->frame)};
    }
    cli_term_draw(&r->term, bars, running);
}

static int severity(int code)
{
    switch (code) {
    case CLI_EXIT_OK: return 0;
    case CLI_EXIT_FAILED: return 1;
    case CLI_EXIT_LOAD: return 2;
    case CLI_EXIT_TERMINATED: return 3;
    case CLI_EXIT_TIMEOUT: return 4;
    case CLI_EXIT_MEMORY: return 5;
    case CLI_EXIT_CRASHED: return 6;
    default: return 7;
    }
}

static int worse(int a, int b)
{
    return severity(b) > severity(a) ? b : a;
}

static int exit_for(const struct runner *r)
{
    int worst = CLI_EXIT_OK;
    for (size_t i = 0; i < r->njobs; i++) {
        int c;
        switch (r->jobs[i].res.outcome) {
        case NMX_RUN_COMPLETED: c = CLI_EXIT_OK; break;
        case NMX_RUN_FAILED: c = CLI_EXIT_FAILED; break;
        case NMX_RUN_CRASHED:
        case NMX_RUN_EXITED: c = CLI_EXIT_CRASHED; break;
        case NMX_RUN_TIMEOUT: c = CLI_EXIT_TIMEOUT; break;
        case NMX_RUN_MEMORY: c = CLI_EXIT_MEMORY; break;
        case NMX_RUN_TERMINATED: c = CLI_EXIT_TERMINATED; break;
        default: c = CLI_EXIT_LOAD; break;
        }
        worst = worse(worst, c);
    }
    return worst;
}

static uint64_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    switch (*end) {
    case 'k': case 'K': v *= 1024; break;
    case 'm': case 'M': v *= 1024 * 1024; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
    default: break;
    }
    return v > 0 ? (uint64_t)v : 0;
}

static bool is_capture(const char *arg)
{
    struct stat st;
    if (stat(arg, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    size_t l = strlen(arg);
    if (l > 3 && strcmp(arg + l - 3, ".so") == 0)
        return false;
    FILE *f = fopen(arg, "rb");
    if (!f)
        return false;
    unsigned char m[4] = {0};
    size_t n = fread(m, 1, 4, f);
    fclose(f);
    if (n < 4)
        return st.st_size == 0; /* an empty file: a capture, refused clearly later */
    return !(m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F');
}

int cli_run(int argc, char **argv)
{
    const char *experts[64], *caps[256], *filter = NULL, *config_file = NULL;
    const char *pairs[64];
    size_t nex = 0, ncap = 0, npairs = 0;
    struct {
        nmx_sink_kind kind;
        const char *path;
    } outs[MAX_SINKS];
    size_t nouts = 0;
    bool quiet = false;
    cli_color color = CLI_COLOR_AUTO;
    long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    struct runner r;
    memset(&r, 0, sizeof r);
    r.iso = NMX_ISOLATION_PROCESS;
    r.focus = 0xFFFFFFFFu;
    for (int a = 0; a < argc; a++) {
        const char *s = argv[a];
        if (!strcmp(s, "--filter") && a + 1 < argc)
            filter = argv[++a];
        else if (!strncmp(s, "--isolation=", 12))
            r.iso = !strcmp(s + 12, "thread") ? NMX_ISOLATION_THREAD : NMX_ISOLATION_PROCESS;
        else if (!strcmp(s, "--isolation") && a + 1 < argc)
            r.iso = !strcmp(argv[++a], "thread") ? NMX_ISOLATION_THREAD : NMX_ISOLATION_PROCESS;
        else if (!strcmp(s, "--timeout") && a + 1 < argc)
            r.timeout_ms = (uint32_t)(strtod(argv[++a], NULL) * 1000);
        else if (!strcmp(s, "--memory-limit") && a + 1 < argc)
            r.memory_limit = parse_size(argv[++a]);
        else if (!strcmp(s, "--misuse-limit") && a + 1 < argc)
            r.misuse_limit = (uint32_t)strtoul(argv[++a], NULL, 10);
        else if (!strcmp(s, "-j") && a + 1 < argc)
            jobs = strtol(argv[++a], NULL, 10);
        else if (!strncmp(s, "-j", 2) && s[2])
            jobs = strtol(s + 2, NULL, 10);
        else if (!strcmp(s, "--quiet") || !strcmp(s, "-q"))
            quiet = true;
        else if (!strncmp(s, "--color=", 8) || !strcmp(s, "--color")) {
            const char *v = s[7] == '=' ? s + 8 : a + 1 < argc ? argv[++a] : "";
            if (!cli_color_parse(v, &color)) {
                fprintf(stderr, "nmexpert: --color takes auto, always or never, not '%s'\n", v);
                return CLI_EXIT_USAGE;
            }
        }
        else if (!strcmp(s, "--frame") && a + 1 < argc)
            r.focus = (uint32_t)strtoul(argv[++a], NULL, 10);
        else if (!strcmp(s, "--config") && a + 1 < argc)
            config_file = argv[++a];
        else if (!strcmp(s, "--set") && a + 1 < argc && npairs < 64)
            pairs[npairs++] = argv[++a];
        else if ((!strcmp(s, "--output") || !strcmp(s, "-o")) && a + 1 < argc && nouts < MAX_SINKS) {
            const char *o = argv[++a];
            const char *colon = strchr(o, ':');
            size_t kl = colon ? (size_t)(colon - o) : strlen(o);
            if (kl == 5 && !strncmp(o, "table", 5))
                outs[nouts].kind = NMX_SINK_TABLE;
            else if (kl == 5 && !strncmp(o, "jsonl", 5))
                outs[nouts].kind = NMX_SINK_JSONL;
            else if (kl == 3 && !strncmp(o, "csv", 3))
                outs[nouts].kind = NMX_SINK_CSV;
            else {
                fprintf(stderr, "nmexpert: unknown output '%s' (table, jsonl, csv[:FILE])\n", o);
                return CLI_EXIT_USAGE;
            }
            outs[nouts++].path = colon ? colon + 1 : NULL;
        } else if (s[0] == '-') {
            fprintf(stderr, "nmexpert: unknown option '%s'\n", s);
            return cli_usage(stderr);
        } else if (is_capture(s) && ncap < 256) {
            caps[ncap++] = s;
        } else if (nex < 64) {
            experts[nex++] = s;
        }
    }
    if (!nex || !ncap) {
        fprintf(stderr, "nmexpert: run needs at least one expert and one capture file\n");
        return cli_usage(stderr);
    }
    if (jobs < 1)
        jobs = 1;
    if (!nouts) {
        outs[0].kind = NMX_SINK_TABLE;
        outs[0].path = NULL;
        nouts = 1;
    }
    nmx_diag d;
    int rc = CLI_EXIT_OK;
    if (npairs) {
        void *text;
        if (nmx_config_from_text(pairs, npairs, &text, &r.config_len) != NMX_OK) {
            fprintf(stderr, "nmexpert: --set takes key=value\n");
            return CLI_EXIT_USAGE;
        }
        r.config = text;
    }
    if (config_file) {
        void *data;
        if (!read_file(config_file, &data, &r.config_len)) {
            fprintf(stderr, "nmexpert: %s: %s\n", config_file, strerror(errno));
            return CLI_EXIT_LOAD;
        }
        free((void *)(uintptr_t)r.config);
        r.config = data;
    }
    r.config_given = r.config != NULL;
    if (filter && nmx_filter_bpf(filter, &r.filter, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        return CLI_EXIT_USAGE;
    }
    /* Everything the run needs, at most nex * ncap jobs, allocated at once. */
    size_t maxjobs = nex * ncap;
    size_t maxworkers = (size_t)jobs < maxjobs ? (size_t)jobs : maxjobs;
    nmx_expert_info *ex = calloc(nex, sizeof *ex);
    r.hcaps = calloc(ncap, sizeof *r.hcaps);
    r.capnames = calloc(ncap, sizeof *r.capnames);
    r.jobs = calloc(maxjobs, sizeof *r.jobs);
    pthread_t *th = calloc(maxworkers, sizeof *th);
    if (!ex || !r.hcaps || !r.capnames || !r.jobs || !th) {
        fprintf(stderr, "nmexpert: out of memory preparing %zu run%s (%zu expert%s, %zu capture%s)\n",
                maxjobs, maxjobs == 1 ? "" : "s", nex, nex == 1 ? "" : "s", ncap,
                ncap == 1 ? "" : "s");
        free(ex);
        free(r.hcaps);
        free(r.capnames);
        free(r.jobs);
        free(th);
        nmx_filter_free(r.filter);
        free((void *)(uintptr_t)r.config);
        return CLI_EXIT_LOAD;
    }
    /* experts */
    size_t nok = 0;
    for (size_t i = 0; i < nex; i++) {
        if (nmx_expert_find(experts[i], &ex[nok], &d) != NMX_OK) {
            fprintf(stderr, "nmexpert: %s\n", d.msg);
            rc = CLI_EXIT_LOAD;
            continue;
        }
        nok++;
    }
    /* captures */
    size_t cok = 0;
    for (size_t i = 0; i < ncap; i++) {
        if (nmx_hcapture_open(caps[i], &r.hcaps[cok], &d) != NMX_OK) {
            fprintf(stderr, "nmexpert: %s\n", d.msg);
            rc = CLI_EXIT_LOAD;
            continue;
        }
        nmx_capture *c = nmx_hcapture_capture(r.hcaps[cok]);
        for (size_t w = 0; w < nmx_capture_warning_count(c); w++)
            fprintf(stderr, "nmexpert: warning: %s\n", nmx_capture_warning(c, w)->msg);
        r.capnames[cok++] = caps[i];
    }
    /* sinks */
    for (size_t i = 0; i < nouts; i++) {
        /* On the standard output: colour as --color says, tables fitted to
         * COLUMNS or the terminal (long cells kept for that: the table
         * narrows them as needed). Files: as they are. */
        bool to_stdout = !outs[i].path || !strcmp(outs[i].path, "-");
        unsigned width = to_stdout ? cli_text_width(1) : 0;
        nmx_sink_options so = {.version = NMX_SINK_OPTIONS_VERSION,
                               .color = to_stdout && cli_color_for(color, 1),
                               .color_always = color == CLI_COLOR_ALWAYS,
                               .width = width,
                               .max_cell_width = width ? 256 : 0};
        r.sink_stdout[r.nsinks] = to_stdout;
        if (nmx_sink_open(outs[i].kind, outs[i].path, &so, &r.sinks[r.nsinks], &d) != NMX_OK) {
            fprintf(stderr, "nmexpert: %s\n", d.msg);
            rc = CLI_EXIT_LOAD;
            continue;
        }
        r.nsinks++;
    }
    if (r.iso == NMX_ISOLATION_THREAD && !quiet)
        fprintf(stderr, "nmexpert: --isolation=thread: a crash is contained, but exit(), hangs "
                        "and wild writes are not\n");
    r.njobs = nok * cok;
    for (size_t c = 0, k = 0; c < cok; c++)
        for (size_t e = 0; e < nok; e++, k++) {
            struct job *j = &r.jobs[k];
            j->ex = &ex[e];
            j->cap = c;
            atomic_init(&j->frame, 0xFFFFFFFFu);
            if (cok > 1) {
                const char *base = strrchr(r.capnames[c], '/');
                snprintf(j->label, sizeof j->label, "%s @ %s", ex[e].name,
                         base ? base + 1 : r.capnames[c]);
            } else {
                snprintf(j->label, sizeof j->label, "%s", ex[e].name);
            }
        }
    pthread_mutex_init(&r.out_lock, NULL);
    cli_term_init(&r.term, &r.out_lock, !quiet, color);
    if (r.term.bars) /* the library's lines must not land between the bars */
        nmx_set_log_fn(term_log, &r.term);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r.changed, &ca);
    pthread_condattr_destroy(&ca);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    size_t nworkers = (size_t)jobs < r.njobs ? (size_t)jobs : r.njobs;
    size_t started = 0;
    for (; started < nworkers; started++) {
        int e = pthread_create(&th[started], NULL, worker, &r);
        if (e != 0) {
            fprintf(stderr, "nmexpert: cannot start worker thread %zu of %zu: %s%s\n", started + 1,
                    nworkers, strerror(e), started ? "; going on with fewer" : "");
            break;
        }
    }
    if (nworkers && !started) {
        rc = worse(rc, CLI_EXIT_LOAD);
        for (size_t i = 0; i < r.njobs; i++) {
            r.jobs[i].res.outcome = NMX_RUN_LOAD_FAILED;
            snprintf(r.jobs[i].res.message, sizeof r.jobs[i].res.message,
                     "%s: not run (no worker thread)", r.jobs[i].label);
            atomic_store(&r.jobs[i].state, 2);
        }
    }
    nworkers = started;
    bool bars = r.term.bars;
    /* The run ends when its last worker does: a worker's end wakes this
     * thread at once. With bars, the wait also times out every 100 ms to
     * redraw them (and a job's end redraws them at once); a stop request
     * (Ctrl-C) reaches the runs through stop_flag, and their workers then
     * end. */
    pthread_mutex_lock(&r.out_lock);
    while (r.workers_done < nworkers) {
        if (!bars) {
            pthread_cond_wait(&r.changed, &r.out_lock);
            continue;
        }
        draw_progress(&r);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 100 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_nsec -= 1000000000;
            ts.tv_sec++;
        }
        pthread_cond_timedwait(&r.changed, &r.out_lock, &ts);
    }
    cli_term_clear(&r.term);
    pthread_mutex_unlock(&r.out_lock);
    for (size_t i = 0; i < nworkers; i++)
        pthread_join(th[i], NULL);
    if (bars)
        nmx_set_log_fn(NULL, NULL);
    for (size_t i = 0; i < r.nsinks; i++)
        nmx_sink_close(r.sinks[i]);
    fflush(stdout);
    /* One line per run, naming its capture, always (--quiet only silences
     * the progress bars). */
    for (size_t i = 0; i < r.njobs; i++)
        if (atomic_load(&r.jobs[i].state) == 2)
            fprintf(stderr, "nmexpert: %s: %s\n", r.capnames[r.jobs[i].cap],
                    r.jobs[i].res.message);
    rc = worse(rc, exit_for(&r));
    if (stop_flag)
        rc = CLI_EXIT_INTERRUPTED;
    for (size_t i = 0; i < r.njobs; i++)
        nmx_heap_report_free(&r.jobs[i].res.memory);
    for (size_t i = 0; i < cok; i++)
        nmx_hcapture_close(r.hcaps[i]);
    nmx_filter_free(r.filter);
    free((void *)(uintptr_t)r.config);
    free(th);
    free(r.jobs);
    free(r.hcaps);
    free(r.capnames);
    free(ex);
    return rc;
}
