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

#include "netmon.h"
#include "args.h"
#include "cli.h"
#include "config_store.h"
#include "expert_help.h"
#include "outputs.h"
#include "term.h"
#include "nmexpert/capture.h"
#include "nmexpert/configure.h"
#include "nmexpert/filter.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/run.h"
#include "nmexpert/session.h"
#include "nmexpert/sink.h"
#include "outdir.h"
#include "progress_jsonl.h"
#include "records.h"

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
    cli_args it;
    cli_args_init(&it, "list", argc, argv);
    bool is_opt, longer = false, names = false;
    const char *s;
    while ((s = cli_args_next(&it, &is_opt))) {
        if (!is_opt) {
            fprintf(stderr, "nmexpert list: unexpected argument '%s'\n", s);
            return cli_command_usage("list", stderr);
        }
        if (cli_is(it.opt, "--long", "-l") && cli_args_flag(&it))
            longer = true;
        else if (cli_is(it.opt, "--names", NULL) && cli_args_flag(&it))
            names = true;
        else
            return it.inline_value ? CLI_EXIT_USAGE : cli_args_unknown(&it);
    }
    nmx_expert_info *list;
    size_t n;
    if (nmx_expert_scan(&list, &n) != NMX_OK) {
        fprintf(stderr, "nmexpert: cannot scan the expert folders\n");
        return CLI_EXIT_LOAD;
    }
    if (names) { /* for scripts and shell completion */
        for (size_t i = 0; i < n; i++)
            if (list[i].usable)
                printf("%s\n", list[i].file);
        free(list);
        return CLI_EXIT_OK;
    }
    printf("search path: %s\n\n", nmx_expert_search_path());
    size_t usable = 0;
    for (size_t i = 0; i < n; i++) {
        const nmx_expert_info *e = &list[i];
        if (e->usable) {
            char fl[128];
            flags_text(e->flags, fl, sizeof fl);
            printf("%s\n  run as:      %s\n  vendor:      %s\n  description: %s\n"
                   "  flags:       %s\n  file:        %s\n",
                   e->name, e->file, e->vendor, e->description[0] ? e->description : "-", fl,
                   e->path);
            if (longer) {
                printf("  options:\n");
                cli_expert_options_print(stdout, e, "    ");
            }
            printf("\n");
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
    bool show = false, reset = false;
    cli_config sets = {0};
    cli_args it;
    cli_args_init(&it, "configure", argc, argv);
    bool is_opt;
    const char *s, *v;
    int rc = CLI_EXIT_OK;
    while (rc == CLI_EXIT_OK && (s = cli_args_next(&it, &is_opt))) {
        if (!is_opt) {
            if (spec) {
                fprintf(stderr, "nmexpert configure: one expert at a time ('%s' and '%s')\n",
                        spec, s);
                rc = CLI_EXIT_USAGE;
            }
            spec = s;
        } else if (cli_is(it.opt, "--set", NULL)) {
            if (!(v = cli_args_value(&it)) || !cli_config_set(&sets, v, "--set"))
                rc = CLI_EXIT_USAGE;
        } else if (cli_is(it.opt, "--capture", NULL)) {
            if (!(v = cli_args_value(&it)))
                rc = CLI_EXIT_USAGE;
            capfile = v;
        } else if (cli_is(it.opt, "--show", NULL)) {
            show = cli_args_flag(&it);
            rc = show ? rc : CLI_EXIT_USAGE;
        } else if (cli_is(it.opt, "--reset", NULL)) {
            reset = cli_args_flag(&it);
            rc = reset ? rc : CLI_EXIT_USAGE;
        } else {
            rc = cli_args_unknown(&it);
        }
    }
    if (rc == CLI_EXIT_OK && !spec) {
        fprintf(stderr, "nmexpert configure: which expert?\n");
        rc = cli_command_usage("configure", stderr);
    }
    if (rc == CLI_EXIT_OK && (show || reset) && (sets.n || capfile || (show && reset))) {
        fprintf(stderr, "nmexpert configure: --show and --reset go alone\n");
        rc = CLI_EXIT_USAGE;
    }
    if (rc != CLI_EXIT_OK) {
        cli_config_free(&sets);
        return rc;
    }
    nmx_expert_info ex;
    nmx_diag d;
    if (nmx_expert_find(spec, &ex, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        cli_config_free(&sets);
        return CLI_EXIT_LOAD;
    }
    char path[4096];
    cli_config_path(&ex, path, sizeof path);
    if (reset) {
        cli_config_free(&sets);
        if (unlink(path) != 0 && errno != ENOENT) {
            fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(errno));
            return CLI_EXIT_FAILED;
        }
        printf("%s: stored configuration removed (defaults apply)\n", ex.name);
        return CLI_EXIT_OK;
    }
    cli_config stored;
    int have = cli_config_load(path, false, &stored);
    if (have < 0) {
        fprintf(stderr, "nmexpert: fix the file, or remove it with `nmexpert configure %s "
                        "--reset`\n",
                ex.file);
        cli_config_free(&sets);
        return CLI_EXIT_FAILED;
    }
    if (show) {
        if (have == 1) {
            printf("# %s: %s\n", ex.name, path);
            cli_config_print(stdout, &stored, "");
        } else {
            printf("# %s: no stored configuration (defaults apply; see nmexpert help %s)\n",
                   ex.name, ex.file);
        }
        cli_config_free(&stored);
        return CLI_EXIT_OK;
    }
    HCAPTURE hc = NULL;
    if (capfile && nmx_hcapture_open(capfile, &hc, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", d.msg);
        cli_config_free(&sets);
        cli_config_free(&stored);
        return CLI_EXIT_LOAD;
    }
    /* --set merges over what is stored */
    void *blob = NULL;
    size_t blob_len = 0;
    bool ok = (!sets.n || (!stored.binary && cli_config_merge(&stored, &sets))) &&
              cli_config_to_blob(&stored, &blob, &blob_len);
    if (!ok)
        fprintf(stderr, "nmexpert: %s: %s\n", path,
                stored.binary ? "the stored configuration is binary: --set cannot change it "
                                "(--reset first)"
                              : "out of memory");
    cli_config_free(&sets);
    cli_config_free(&stored);
    if (!ok) {
        if (hc)
            nmx_hcapture_close(hc);
        return CLI_EXIT_FAILED;
    }
    nmx_configure_result r;
    nmx_err e = nmx_configure_expert(&ex, hc, blob, blob_len, 30000, &r);
    free(blob);
    if (hc)
        nmx_hcapture_close(hc);
    if (e != NMX_OK) {
        fprintf(stderr, "nmexpert: %s: %s\n", ex.name, r.message[0] ? r.message : nmx_strerror(e));
        return CLI_EXIT_FAILED;
    }
    if (!r.value || !r.config) {
        fprintf(stderr, "nmexpert: %s: %s: the expert refused the configuration (see nmexpert "
                        "help %s); configuration unchanged\n", ex.name, r.message, ex.file);
        free(r.config);
        return CLI_EXIT_FAILED;
    }
    cli_config result;
    ok = cli_config_from_blob(r.config, r.config_len, &result);
    free(r.config);
    char title[600];
    snprintf(title, sizeof title, "Configuration of %s (%s), written by nmexpert configure",
             ex.name, ex.file);
    if (!ok || !cli_config_save(path, &result, title)) {
        cli_config_free(&result);
        return CLI_EXIT_FAILED;
    }
    printf("%s: configuration stored in %s:\n", ex.name, path);
    cli_config_print(stdout, &result, "  ");
    cli_config_free(&result);
    return CLI_EXIT_OK;
}

/* ---- run ------------------------------------------------------------- */

struct job {
    const nmx_expert_info *ex;
    size_t cap;                   /* index into captures                     */
    char label[400];
    atomic_int state;             /* 0 waiting, 1 running, 2 done            */
    atomic_uint percent;
    atomic_uint frame;
    char text[64];
    nmx_run_result res;
    nmx_sink_session sess;        /* names the session in the run records    */
};

struct runner {
    struct job *jobs;
    size_t njobs;
    atomic_size_t next;
    nmx_sink **sinks;
    bool *sink_stdout;            /* the sink writes to the standard output  */
    size_t nsinks;
    const nmx_expert_info *experts; /* the experts' configurations, by index */
    void **configs;
    size_t *config_lens;
    HCAPTURE *hcaps;
    size_t ncaps;                 /* captures opened (hcaps, capnames)       */
    const char **capnames;
    nmx_filter *filter;
    nmx_isolation iso;
    uint32_t timeout_ms;
    uint32_t cpu_limit_s;         /* 0: the library's default backstop      */
    uint64_t result_limit;        /* 0: the library's default               */
    uint64_t memory_limit;
    uint32_t misuse_limit;
    uint32_t focus;
    cli_capture_info *capinfo;    /* the captures, for the run records       */
    cli_pj *pj;                   /* --progress=jsonl, or NULL               */
    const char *focus_property;   /* --property, or NULL */
    pthread_mutex_t out_lock;     /* sinks' begin/end ordering and progress */
    pthread_cond_t changed;       /* a job or worker ended (under out_lock)  */
    size_t workers_done;
    size_t workers;               /* started (set under out_lock)            */
    bool all_started;             /* every worker thread created (out_lock)  */
    bool walking;                 /* the walker thread runs                  */
    cli_term term;                /* bars and results share it (out_lock)    */
};

static volatile int stop_flag;
static volatile sig_atomic_t stop_signal; /* the signal that set stop_flag */

/* The first SIGINT, SIGTERM or SIGHUP asks every session to stop; the run
 * then ends as usual and its outputs hold what was produced, ending with
 * an "interrupted" session_end per stopped session and the run_end record.
 * A second one leaves at once: the temporary files are removed, so no half
 * written file is left and an older output stays as it was. */
static void on_sigint(int sig)
{
    if (stop_flag) {
        cli_out_cleanup_now();
        _exit(128 + sig);
    }
    stop_signal = sig;
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
            nmx_sink_session_event(r->sinks[i], &c->j->sess, ev);
            cli_term_stdout_done(&r->term);
            pthread_mutex_unlock(&r->out_lock);
        } else {
            nmx_sink_session_event(r->sinks[i], &c->j->sess, ev);
        }
    }
}

static void term_log(const char *line, void *ud)
{
    cli_term_log(ud, line);
}

/* What this process knows of a capture while it is being read, without
 * reading further: the frame count once known (else UINT64_MAX), and the
 * file offset of frame `frame` once indexed (else UINT64_MAX). */
static void capture_progress(HCAPTURE h, uint32_t frame, uint64_t *frames, uint64_t *offset)
{
    nmx_capture *c = nmx_hcapture_capture(h);
    bool complete = false;
    uint64_t known = c ? nmx_capture_frames_known(c, &complete) : 0;
    *frames = complete ? known : UINT64_MAX;
    *offset = UINT64_MAX;
    nmx_frame f;
    if (frame != 0xFFFFFFFFu && frame < known && nmx_capture_frame(c, frame, &f) == NMX_OK)
        *offset = f.offset;
}

static void job_status(const nmx_status *st, void *ud)
{
    struct job_ctx *c = ud;
    uint64_t frames, offset;
    capture_progress(c->r->hcaps[c->j->cap], st->frame, &frames, &offset);
    /* An expert that reports no percentage (0 while running: the built-in
     * experts, which do not ask for the frame count first) gets the share
     * of the file behind its current frame on its bar. */
    unsigned pct = st->percent;
    uint64_t size = c->r->capinfo[c->j->cap].c.size;
    if (pct == 0 && st->status == EXPERTSTATUS_RUNNING && offset != UINT64_MAX && size)
        pct = offset >= size ? 99u : (unsigned)(offset * 100u / size);
    atomic_store(&c->j->percent, pct);
    atomic_store(&c->j->frame, st->frame);
    if (c->r->pj)
        cli_pj_status(c->r->pj, c->j->sess.index, st->percent, st->frame, frames, offset);
}

static void *worker(void *arg)
{
    struct runner *r = arg;
    /* busy for the library's fork gate, but for its waits (run.h) */
    nmx_run_thread_enter();
    /* A thread's start allocates (under a sanitizer, in its allocator, with
     * its locks) outside the gate, and so does creating one: no run starts,
     * so no child is forked, until every worker has been created. */
    pthread_mutex_lock(&r->out_lock);
    while (!r->all_started)
        pthread_cond_wait(&r->changed, &r->out_lock);
    pthread_mutex_unlock(&r->out_lock);
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->njobs || stop_flag)
            break;
        struct job *j = &r->jobs[i];
        atomic_store(&j->state, 1);
        pthread_mutex_lock(&r->out_lock);
        cli_term_stdout_begin(&r->term);
        for (size_t s = 0; s < r->nsinks; s++)
            nmx_sink_session_begin(r->sinks[s], &j->sess);
        cli_term_stdout_done(&r->term);
        pthread_mutex_unlock(&r->out_lock);
        if (r->pj) {
            uint64_t frames, offset;
            capture_progress(r->hcaps[j->cap], 0xFFFFFFFFu, &frames, &offset);
            cli_pj_session_start(r->pj, &j->sess, frames, r->capinfo[j->cap].c.size);
        }
        /* the configuration, read and merged before the runs started */
        size_t xi = (size_t)(j->ex - r->experts);
        const void *cfg = r->configs[xi];
        size_t cfg_len = r->config_lens[xi];
        struct job_ctx ctx = {r, j};
        nmx_run_config rc = {.version = NMX_RUN_CONFIG_VERSION,
                             .expert = j->ex,
                             .label = j->label,
                             .capture = r->hcaps[j->cap],
                             .ui_filter = r->filter,
                             .config = cfg,
                             .config_len = cfg_len,
                             .focus_frame = r->focus,
                             .focus_property = r->focus_property,
                             .isolation = r->iso,
                             .timeout_ms = r->timeout_ms,
                             .memory_limit = r->memory_limit,
                             .cpu_limit_s = r->cpu_limit_s,
                             .result_limit = r->result_limit,
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
        nmx_sink_session_end end;
        cli_session_end(&j->res, &end);
        if (stop_flag && j->res.outcome == NMX_RUN_TERMINATED)
            end.outcome = "interrupted"; /* stopped by our Ctrl-C, not for misuse */
        pthread_mutex_lock(&r->out_lock);
        cli_term_stdout_begin(&r->term);
        for (size_t s = 0; s < r->nsinks; s++)
            nmx_sink_session_finish(r->sinks[s], &j->sess, &end);
        cli_term_stdout_done(&r->term);
        atomic_store(&j->state, 2);
        pthread_cond_broadcast(&r->changed); /* redraw the bars now */
        pthread_mutex_unlock(&r->out_lock);
        cli_pj_session_end(r->pj, &j->sess, end.outcome, end.frames_read, end.seconds);
    }
    nmx_run_thread_leave();
    pthread_mutex_lock(&r->out_lock);
    r->workers_done++;
    pthread_cond_broadcast(&r->changed);
    /* A thread's end gives its allocator caches back, under the locks a
     * fork would copy held into a child (nmx_run_thread_enter in run.h):
     * the workers end together, once no run is left to fork one. */
    while (r->workers_done < r->workers)
        pthread_cond_wait(&r->changed, &r->out_lock);
    pthread_mutex_unlock(&r->out_lock);
    return NULL;
}

/* Process isolation: each session reads its capture through its own copy
 * of the capture object, in its process, and nothing it reports about the
 * file is taken for a fact (docs/sandbox.md). This thread walks the
 * parent's handles to their ends meanwhile, one capture after the other in
 * the order the sessions take them, so that the facts only a whole read
 * gives (frames, the last frame's time, warnings: the capture_end record)
 * are the file's and are ready when the sessions end. It stops early on
 * Ctrl-C. It allocates nothing, and ends with the workers (see worker()). */
static void *walker(void *arg)
{
    struct runner *r = arg;
    for (size_t i = 0; i < r->ncaps && !stop_flag; i++)
        (void)nmx_capture_walk(nmx_hcapture_capture(r->hcaps[i]), &stop_flag);
    pthread_mutex_lock(&r->out_lock);
    while (!r->all_started || r->workers_done < r->workers)
        pthread_cond_wait(&r->changed, &r->out_lock);
    pthread_mutex_unlock(&r->out_lock);
    return NULL;
}

/* The time of a frame of one of the run's captures, for the HTML report's
 * charts over time (nmx_sink_set_frame_time_fn). */
static bool frame_time(void *ud, uint64_t capture_index, uint64_t frame, int64_t *ns)
{
    const struct runner *r = ud;
    if (capture_index >= r->ncaps)
        return false;
    nmx_frame f;
    nmx_capture *c = nmx_hcapture_capture(r->hcaps[capture_index]);
    if (!c || nmx_capture_frame(c, frame, &f) != NMX_OK || (f.flags & NMX_FRAME_NO_TIMESTAMP))
        return false;
    *ns = f.ts_ns;
    return true;
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
    case CLI_EXIT_OUTPUT: return 7;
    default: return 8;
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

/* ---- what the operands of run are ----------------------------------- */

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* How a session's label names capture c of a run over several: its file
 * name, or the path as given when another capture has the same file name,
 * followed by " #N" (its place among the run's captures, from 1) when the
 * same path is given twice. Labels stay unique: outputs tell sessions apart by
 * them (docs/records.md, `label`). */
static void capture_label(const char *const *names, size_t n, size_t c, char *buf, size_t len)
{
    bool same_base = false, same_path = false;
    for (size_t i = 0; i < n; i++) {
        if (i == c)
            continue;
        same_base |= strcmp(base_name(names[i]), base_name(names[c])) == 0;
        same_path |= strcmp(names[i], names[c]) == 0;
    }
    if (same_path)
        snprintf(buf, len, "%s #%zu", names[c], c + 1);
    else
        snprintf(buf, len, "%s", same_base ? names[c] : base_name(names[c]));
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcasecmp(s + n - k, suf) == 0;
}

static bool is_elf(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned char m[4] = {0};
    size_t n = fread(m, 1, 4, f);
    fclose(f);
    return n == 4 && m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F';
}

/* Without "--" or -e: is this operand a capture (true) or an expert? */
static bool operand_is_capture(const char *arg)
{
    struct stat st;
    if (stat(arg, &st) == 0)
        return !(S_ISREG(st.st_mode) && is_elf(arg)); /* a shared object: an expert */
    if (has_suffix(arg, ".so"))
        return false; /* an expert given by a path that is missing: said by the finder */
    /* Missing: a path or a capture's name is a capture (reported missing),
     * anything else names an expert. */
    return strchr(arg, '/') || has_suffix(arg, ".pcap") || has_suffix(arg, ".pcapng") ||
           has_suffix(arg, ".cap");
}

/* Why a capture operand cannot be read, before the reader is asked: a
 * message naming the argument, or NULL when it is worth opening. */
static const char *capture_problem(const char *arg, char *buf, size_t len)
{
    struct stat st;
    if (stat(arg, &st) != 0) {
        snprintf(buf, len, "no such file: %s (%s)", arg, strerror(errno));
        return buf;
    }
    if (S_ISDIR(st.st_mode))
        snprintf(buf, len, "%s: a directory, not a capture file", arg);
    else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
        snprintf(buf, len, "%s: a pipe; nmexpert reads capture files only (save the stream "
                 "to a file first)", arg);
    else if (!S_ISREG(st.st_mode))
        snprintf(buf, len, "%s: a device, not a capture file", arg);
    else if (st.st_size < 24)
        snprintf(buf, len, "%s: %lld bytes: too short to be a capture (the smallest capture "
                 "file header, pcap's, has 24)", arg, (long long)st.st_size);
    else
        return NULL;
    return buf;
}

/* ---- run ------------------------------------------------------------- */

struct out_spec {
    nmx_sink_kind kind;
    const char *path;   /* NULL: the standard output */
    cli_out file;
    bool begun;
    cli_outdir dir;     /* csv:DIR/: a folder of CSV files */
};

static bool parse_output(const char *o, struct out_spec *spec)
{
    const char *colon = strchr(o, ':');
    size_t kl = colon ? (size_t)(colon - o) : strlen(o);
    if (kl == 5 && !strncmp(o, "table", 5))
        spec->kind = NMX_SINK_TABLE;
    else if (kl == 5 && !strncmp(o, "jsonl", 5))
        spec->kind = NMX_SINK_JSONL;
    else if (kl == 3 && !strncmp(o, "csv", 3))
        spec->kind = NMX_SINK_CSV;
    else if (kl == 4 && !strncmp(o, "html", 4))
        spec->kind = NMX_SINK_HTML;
    else {
        fprintf(stderr, "nmexpert: --output: '%s' is not accepted: table, jsonl, csv or html, "
                        "optionally followed by :FILE (csv:DIR/ for a folder)\n", o);
        return false;
    }
    spec->path = colon && colon[1] && strcmp(colon + 1, "-") != 0 ? colon + 1 : NULL;
    if (spec->kind == NMX_SINK_CSV && spec->path && spec->path[strlen(spec->path) - 1] == '/')
        spec->kind = NMX_SINK_CSV_DIR;
    if (colon && !colon[1]) {
        fprintf(stderr, "nmexpert: --output: '%s': the file name after ':' is missing\n", o);
        return false;
    }
    return true;
}

/* The options of run, and what they name. */
struct run_args {
    const char **experts, **caps;
    size_t nex, ncap;
    struct out_spec *outs;
    size_t nouts;
    cli_config sets;
    const char *filter, *config_file, *progress;
    bool quiet, focus_given;
    uint64_t jobs, focus;
    cli_color color;    /* --color: severities in colour on the standard output */
    const char *property; /* --property PROTOCOL.PROPERTY */
};

/* --property PROTOCOL.PROPERTY (quotes around either part allowed): the
 * names exist and frame `frame` of the capture carries the property. */
static bool check_property(const char *spec, HCAPTURE h, uint32_t frame, const char *capname)
{
    char proto[64], prop[256];
    const char *dot = strchr(spec, '.');
    const char *a = spec, *ae = dot, *b = dot ? dot + 1 : NULL, *be = spec + strlen(spec);
    if (dot && ae - a >= 2 && *a == '"' && ae[-1] == '"')
        a++, ae--;
    if (dot && be - b >= 2 && *b == '"' && be[-1] == '"')
        b++, be--;
    if (!dot || ae == a || be <= b || (size_t)(ae - a) >= sizeof proto ||
        (size_t)(be - b) >= sizeof prop) {
        fprintf(stderr, "nmexpert: --property '%s': not accepted: PROTOCOL.PROPERTY, e.g. "
                        "TCP.\"Destination Port\" (nmexpert properties lists them)\n", spec);
        return false;
    }
    memcpy(proto, a, (size_t)(ae - a));
    proto[ae - a] = 0;
    memcpy(prop, b, (size_t)(be - b));
    prop[be - b] = 0;
    HPROTOCOL hp = GetProtocolFromName(proto);
    if (!hp) {
        fprintf(stderr, "nmexpert: --property '%s': no protocol named '%s' (nmexpert "
                        "properties lists them)\n", spec, proto);
        return false;
    }
    HPROPERTY hq = GetProperty(hp, prop);
    if (!hq) {
        fprintf(stderr, "nmexpert: --property '%s': %s has no property '%s' (nmexpert "
                        "properties %s lists them)\n", spec, proto, prop, proto);
        return false;
    }
    HFRAME hf = GetFrame(h, frame);
    if (!hf || !FindPropertyInstance(hf, hq)) {
        fprintf(stderr, "nmexpert: --property '%s': frame %lu of %s does not carry it\n", spec,
                (unsigned long)frame, capname);
        return false;
    }
    return true;
}

static int parse_run_args(int argc, char **argv, struct runner *r, struct run_args *ra)
{
    size_t room = (size_t)argc + 1;
    ra->experts = calloc(room, sizeof *ra->experts);
    ra->caps = calloc(room, sizeof *ra->caps);
    ra->outs = calloc(room, sizeof *ra->outs);
    const char **operands = calloc(room, sizeof *operands);
    bool *after = calloc(room, sizeof *after);
    size_t nops = 0;
    int rc = CLI_EXIT_OK;
    if (!ra->experts || !ra->caps || !ra->outs || !operands || !after) {
        fprintf(stderr, "nmexpert: out of memory\n");
        rc = CLI_EXIT_LOAD;
    }
    cli_args it;
    cli_args_init(&it, "run", argc, argv);
    bool is_opt, dashdash = false;
    const char *s, *v = NULL;
    uint64_t u;
    while (rc == CLI_EXIT_OK && (s = cli_args_next(&it, &is_opt))) {
        if (!is_opt) {
            after[nops] = it.after_dashdash;
            dashdash = dashdash || it.after_dashdash;
            operands[nops++] = s;
            continue;
        }
        const char *o = it.opt;
        bool flag = cli_is(o, "--quiet", "-q");
        if (flag) {
            if (!cli_args_flag(&it))
                rc = CLI_EXIT_USAGE;
            ra->quiet = true;
            continue;
        }
        if (!cli_is(o, "--filter", NULL) && !cli_is(o, "--isolation", NULL) &&
            !cli_is(o, "--timeout", NULL) && !cli_is(o, "--memory-limit", NULL) &&
            !cli_is(o, "--cpu-limit", NULL) && !cli_is(o, "--result-limit", NULL) &&
            !cli_is(o, "--misuse-limit", NULL) && !cli_is(o, "--jobs", "-j") &&
            !cli_is(o, "--frame", NULL) && !cli_is(o, "--config", NULL) &&
            !cli_is(o, "--property", NULL) &&
            !cli_is(o, "--set", NULL) && !cli_is(o, "--output", "-o") &&
            !cli_is(o, "--expert", "-e") && !cli_is(o, "--color", NULL) &&
            !cli_is(o, "--progress", NULL)) {
            rc = cli_args_unknown(&it);
            break;
        }
        if (!(v = cli_args_value(&it))) {
            rc = CLI_EXIT_USAGE;
            break;
        }
        if (cli_is(o, "--filter", NULL)) {
            ra->filter = v;
        } else if (cli_is(o, "--isolation", NULL)) {
            if (!strcmp(v, "thread"))
                r->iso = NMX_ISOLATION_THREAD;
            else if (!strcmp(v, "process"))
                r->iso = NMX_ISOLATION_PROCESS;
            else {
                fprintf(stderr, "nmexpert: --isolation: '%s' is not accepted: process or "
                                "thread\n", v);
                rc = CLI_EXIT_USAGE;
            }
        } else if (cli_is(o, "--timeout", NULL)) {
            if (!cli_parse_seconds("--timeout", v, true, &r->timeout_ms))
                rc = CLI_EXIT_USAGE;
        } else if (cli_is(o, "--cpu-limit", NULL)) {
            if (!cli_parse_u64("--cpu-limit", v, 0, 4294967, &u))
                rc = CLI_EXIT_USAGE;
            r->cpu_limit_s = u ? (uint32_t)u : NMX_RUN_NO_CPU_LIMIT;
        } else if (cli_is(o, "--result-limit", NULL)) {
            if (!cli_parse_size("--result-limit", v, &r->result_limit))
                rc = CLI_EXIT_USAGE;
            else if (!r->result_limit) {
                fprintf(stderr, "nmexpert: --result-limit: '%s' is not accepted: a size "
                                "above 0, e.g. 64M\n", v);
                rc = CLI_EXIT_USAGE;
            }
        } else if (cli_is(o, "--memory-limit", NULL)) {
            if (!cli_parse_size("--memory-limit", v, &r->memory_limit))
                rc = CLI_EXIT_USAGE;
        } else if (cli_is(o, "--misuse-limit", NULL)) {
            if (!cli_parse_u64("--misuse-limit", v, 0, UINT32_MAX, &u))
                rc = CLI_EXIT_USAGE;
            r->misuse_limit = (uint32_t)u;
        } else if (cli_is(o, "--jobs", "-j")) {
            if (!cli_parse_u64(it.opt, v, 1, 1024, &ra->jobs))
                rc = CLI_EXIT_USAGE;
        } else if (cli_is(o, "--frame", NULL)) {
            if (!cli_parse_u64("--frame", v, 0, 0xFFFFFFFEu, &ra->focus))
                rc = CLI_EXIT_USAGE;
            ra->focus_given = true;
        } else if (cli_is(o, "--property", NULL)) {
            ra->property = v;
        } else if (cli_is(o, "--config", NULL)) {
            ra->config_file = v;
        } else if (cli_is(o, "--color", NULL)) {
            if (!cli_color_parse(v, &ra->color)) {
                fprintf(stderr, "nmexpert: --color: '%s' is not accepted: auto, always or "
                                "never\n", v);
                rc = CLI_EXIT_USAGE;
            }
        } else if (cli_is(o, "--set", NULL)) {
            if (!cli_config_set(&ra->sets, v, "--set"))
                rc = CLI_EXIT_USAGE;
        } else if (cli_is(o, "--output", "-o")) {
            if (!parse_output(v, &ra->outs[ra->nouts]))
                rc = CLI_EXIT_USAGE;
            ra->nouts++;
        } else if (cli_is(o, "--progress", NULL)) {
            ra->progress = v;
        } else { /* --expert */
            ra->experts[ra->nex++] = v;
        }
    }
    /* Operands: experts before "--" and captures after it; all captures
     * when -e named the experts; otherwise each by what it is. */
    bool by_option = ra->nex > 0;
    for (size_t i = 0; rc == CLI_EXIT_OK && i < nops; i++) {
        bool cap = dashdash ? after[i] : by_option ? true : operand_is_capture(operands[i]);
        if (cap)
            ra->caps[ra->ncap++] = operands[i];
        else
            ra->experts[ra->nex++] = operands[i];
    }
    if (rc == CLI_EXIT_OK && (!ra->nex || !ra->ncap)) {
        fprintf(stderr, "nmexpert run: %s\n",
                !ra->nex ? "no expert given" : "no capture file given");
        /* a capture whose name was mistyped (web.cpa) was taken for an
         * expert: say which operands were, and what a capture is */
        if (ra->nex && !ra->ncap && !dashdash && !by_option && nops > 1) {
            fprintf(stderr, "nmexpert run: taken as expert names:");
            for (size_t i = 0; i < ra->nex; i++)
                fprintf(stderr, " '%s'", ra->experts[i]);
            fprintf(stderr, "; a capture is an existing file, or a name with '/' or ending "
                            "in .pcap, .pcapng or .cap\n");
        }
        rc = cli_command_usage("run", stderr);
    }
    free(operands);
    free(after);
    return rc;
}

/* Outputs: refused when one is an input or two are the same file; each
 * file prepared (its folder checked) before anything runs. */
static int check_outputs(struct run_args *ra, const char *const *inputs, size_t ninputs)
{
    size_t on_stdout = 0;
    for (size_t i = 0; i < ra->nouts; i++) {
        const char *p = ra->outs[i].path;
        if (!p) {
            if (++on_stdout > 1) {
                fprintf(stderr, "nmexpert: --output: two outputs to the standard output; give "
                                "one of them a file (KIND:FILE)\n");
                return CLI_EXIT_USAGE;
            }
            if (!cli_out_not_input(NULL, inputs, ninputs))
                return CLI_EXIT_USAGE;
            continue;
        }
        if (!cli_out_not_input(p, inputs, ninputs))
            return CLI_EXIT_USAGE;
        if (ra->outs[i].kind == NMX_SINK_CSV_DIR)
            continue; /* new files in a folder: never an input, never another output */
        cli_fid a;
        if (!cli_fid_get(p, &a))
            continue; /* reported by cli_out_begin below */
        for (size_t k = 0; k < i; k++) {
            cli_fid b;
            if (ra->outs[k].path && cli_fid_get(ra->outs[k].path, &b) && cli_fid_same(&a, &b)) {
                fprintf(stderr, "nmexpert: --output: %s and %s are the same file; each output "
                                "needs its own\n", ra->outs[k].path, p);
                return CLI_EXIT_USAGE;
            }
        }
    }
    for (size_t i = 0; i < ra->nouts; i++) {
        if (!ra->outs[i].path)
            continue;
        if (ra->outs[i].kind == NMX_SINK_CSV_DIR) {
            if (!cli_outdir_begin(&ra->outs[i].dir, ra->outs[i].path))
                return CLI_EXIT_OUTPUT;
            ra->outs[i].begun = true;
            continue;
        }
        if (!cli_out_begin(&ra->outs[i].file, ra->outs[i].path, false, true))
            return CLI_EXIT_OUTPUT;
        ra->outs[i].begun = true;
    }
    return CLI_EXIT_OK;
}

/* Each expert's configuration: --config FILE, or the stored one, then the
 * --set pairs over it. Read before anything runs, so that a bad file stops
 * the run with a message naming it. */
static int load_configs(struct runner *r, struct run_args *ra, const nmx_expert_info *ex,
                        size_t nex)
{
    cli_config given = {0};
    if (ra->config_file && cli_config_load(ra->config_file, true, &given) < 0)
        return CLI_EXIT_USAGE;
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < nex && rc == CLI_EXIT_OK; i++) {
        cli_config c = {0};
        if (ra->config_file) {
            if (!cli_config_merge(&c, &given))
                rc = CLI_EXIT_LOAD;
        } else {
            char path[4096];
            cli_config_path(&ex[i], path, sizeof path);
            if (cli_config_load(path, false, &c) < 0) {
                fprintf(stderr, "nmexpert: the stored configuration of %s is damaged: fix it, "
                                "or remove it with `nmexpert configure %s --reset`\n",
                        ex[i].name, ex[i].file);
                rc = CLI_EXIT_LOAD;
            }
        }
        if (rc == CLI_EXIT_OK && ra->sets.n) {
            if (c.binary) {
                fprintf(stderr, "nmexpert: --set: the configuration of %s is binary, not "
                                "KEY=VALUE text; it cannot be merged\n", ex[i].name);
                rc = CLI_EXIT_USAGE;
            } else if (!cli_config_merge(&c, &ra->sets)) {
                rc = CLI_EXIT_LOAD;
            }
        }
        if (rc == CLI_EXIT_OK && !cli_config_to_blob(&c, &r->configs[i], &r->config_lens[i]))
            rc = CLI_EXIT_LOAD;
        cli_config_free(&c);
    }
    cli_config_free(&given);
    return rc;
}

/* Closes the sinks; a file written in full (also that of an interrupted
 * run, which ends with its run_end record) replaces the old one, a failed
 * one is removed and the old file left as it was. */
static int finish_outputs(struct runner *r, struct run_args *ra, size_t *sink_of)
{
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < ra->nouts; i++) {
        struct out_spec *o = &ra->outs[i];
        if (sink_of[i] == SIZE_MAX)
            continue;
        nmx_diag d;
        char msg[1024];
        nmx_err ce = nmx_sink_close_diag(r->sinks[sink_of[i]], &d);
        sink_of[i] = SIZE_MAX;
        if (o->kind == NMX_SINK_CSV_DIR) {
            if (ce != NMX_OK) {
                fprintf(stderr, "nmexpert: %s: %s; not written\n", o->path, d.msg);
                rc = CLI_EXIT_OUTPUT;
            }
            if (ce != NMX_OK)
                cli_outdir_discard(&o->dir);
            else if (!cli_outdir_commit(&o->dir))
                rc = CLI_EXIT_OUTPUT;
            o->begun = false;
            continue;
        }
        if (ce != NMX_OK) {
            if (!o->path && d.value == EPIPE) {
                /* the reader went away (`| head`): that output is closed */
                cli_stdout_error_reported();
            } else {
                fprintf(stderr, "nmexpert: %s\n",
                        o->begun ? cli_out_message(&o->file, d.msg, msg, sizeof msg) : d.msg);
                rc = CLI_EXIT_OUTPUT;
                if (!o->path)
                    cli_stdout_error_reported();
            }
            if (o->begun) {
                if (!o->file.in_place)
                    fprintf(stderr, "nmexpert: %s: not written%s\n", o->path,
                            access(o->file.dest, F_OK) == 0 ? "; the existing file is unchanged"
                                                            : "");
                cli_out_discard(&o->file);
                o->begun = false;
            }
            continue;
        }
        if (!o->begun)
            continue;
        if (!cli_out_commit(&o->file)) {
            rc = CLI_EXIT_OUTPUT;
        }
        o->begun = false;
    }
    return rc;
}

static void discard_outputs(struct run_args *ra)
{
    for (size_t i = 0; i < ra->nouts; i++)
        if (ra->outs[i].begun) {
            if (ra->outs[i].kind == NMX_SINK_CSV_DIR)
                cli_outdir_discard(&ra->outs[i].dir);
            else
                cli_out_discard(&ra->outs[i].file);
            ra->outs[i].begun = false;
        }
}

int cli_run(int argc, char **argv)
{
    struct runner r;
    memset(&r, 0, sizeof r);
    r.iso = NMX_ISOLATION_PROCESS;
    r.focus = 0xFFFFFFFFu;
    struct run_args ra;
    memset(&ra, 0, sizeof ra);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    ra.jobs = ncpu > 0 ? (uint64_t)ncpu : 1;
    ra.color = CLI_COLOR_AUTO;
    nmx_expert_info *ex = NULL;
    size_t *sink_of = NULL;
    pthread_t *th = NULL;
    size_t nok = 0, cok = 0;
    int rc = parse_run_args(argc, argv, &r, &ra);
    nmx_diag d;
    char why[4600];
    if (rc != CLI_EXIT_OK)
        goto out;
    if (!ra.nouts) {
        ra.outs[0].kind = NMX_SINK_TABLE;
        ra.outs[0].path = NULL;
        ra.nouts = 1;
    }
    if (ra.filter && nmx_filter_bpf(ra.filter, &r.filter, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: --filter: %s\n", d.msg);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    /* Outputs first: nothing is analysed when the results could not be kept.
     * Until the runs start, a signal removes the temporary files and ends
     * the process; from then on Ctrl-C stops the experts (on_sigint). */
    cli_out_cleanup_on_signals();
    if ((rc = check_outputs(&ra, ra.caps, ra.ncap)) != CLI_EXIT_OK)
        goto out;
    if (ra.progress && !(r.pj = cli_pj_open(ra.progress))) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    /* Everything the run needs, at most nex * ncap jobs, allocated at once
     * (each count is at most argc: no overflow). */
    size_t maxjobs = ra.nex * ra.ncap;
    size_t maxworkers = (size_t)ra.jobs < maxjobs ? (size_t)ra.jobs : maxjobs;
    ex = calloc(ra.nex, sizeof *ex);
    r.configs = calloc(ra.nex, sizeof *r.configs);
    r.config_lens = calloc(ra.nex, sizeof *r.config_lens);
    r.hcaps = calloc(ra.ncap, sizeof *r.hcaps);
    r.capnames = calloc(ra.ncap, sizeof *r.capnames);
    r.capinfo = calloc(ra.ncap, sizeof *r.capinfo);
    r.sinks = calloc(ra.nouts, sizeof *r.sinks);
    r.sink_stdout = calloc(ra.nouts, sizeof *r.sink_stdout);
    sink_of = calloc(ra.nouts, sizeof *sink_of);
    r.jobs = calloc(maxjobs, sizeof *r.jobs);
    th = calloc(maxworkers, sizeof *th);
    if (!ex || !r.configs || !r.config_lens || !r.hcaps || !r.capnames || !r.capinfo ||
        !r.sinks ||
        !r.sink_stdout || !sink_of || !r.jobs || !th) {
        fprintf(stderr, "nmexpert: out of memory preparing %zu run%s (%zu expert%s, %zu "
                        "capture%s)\n",
                maxjobs, maxjobs == 1 ? "" : "s", ra.nex, ra.nex == 1 ? "" : "s", ra.ncap,
                ra.ncap == 1 ? "" : "s");
        rc = CLI_EXIT_LOAD;
        goto out;
    }
    for (size_t i = 0; i < ra.nouts; i++)
        sink_of[i] = SIZE_MAX;
    /* experts */
    for (size_t i = 0; i < ra.nex; i++) {
        if (nmx_expert_find(ra.experts[i], &ex[nok], &d) != NMX_OK) {
            fprintf(stderr, "nmexpert: %s\n", d.msg);
            rc = CLI_EXIT_LOAD;
            continue;
        }
        nok++;
    }
    r.experts = ex;
    int crc = load_configs(&r, &ra, ex, nok);
    if (crc != CLI_EXIT_OK) {
        rc = crc;
        goto out;
    }
    /* captures */
    bool with_id = false;
    for (size_t i = 0; i < ra.nouts; i++)
        with_id = with_id || cli_output_records_id(ra.outs[i].kind);
    for (size_t i = 0; i < ra.ncap; i++) {
        const char *problem = capture_problem(ra.caps[i], why, sizeof why);
        /* Opened incrementally: nothing here reads more than the file's
         * first records, so the sessions start at once whatever its size;
         * what only the whole file tells comes at its end (capture_end). */
        /* In process isolation the sessions' processes read what the
         * walker below walks (docs/sandbox.md), instead of each walking
         * the file again. */
        unsigned oflags = NMX_CAPTURE_INCREMENTAL |
                          (r.iso == NMX_ISOLATION_PROCESS ? NMX_CAPTURE_SHARE_WALK : 0);
        if (problem ||
            nmx_hcapture_open_flags(ra.caps[i], oflags, &r.hcaps[cok], &d) != NMX_OK) {
            fprintf(stderr, "nmexpert: %s\n", problem ? problem : d.msg);
            rc = CLI_EXIT_LOAD;
            continue;
        }
        nmx_capture *c = nmx_hcapture_capture(r.hcaps[cok]);
        cli_capture_info_fill(&r.capinfo[cok], r.hcaps[cok], ra.caps[i], cok, with_id);
        r.capnames[cok++] = ra.caps[i];
        /* walks as far as the frame only; the count only when it is not there */
        if (ra.focus_given && !nmx_capture_has_frame(c, ra.focus)) {
            fprintf(stderr, "nmexpert: --frame %llu: %s has %llu frames (0 to %llu)\n",
                    (unsigned long long)ra.focus, ra.caps[i],
                    (unsigned long long)nmx_capture_frame_count(c),
                    (unsigned long long)(nmx_capture_frame_count(c) ? nmx_capture_frame_count(c) - 1 : 0));
            rc = CLI_EXIT_USAGE;
            goto out;
        }
    }
    r.ncaps = cok;
    if (ra.focus_given)
        r.focus = (uint32_t)ra.focus;
    if (ra.property) {
        if (!ra.focus_given) {
            fprintf(stderr, "nmexpert: --property %s needs --frame N, the frame that carries "
                            "it (from 0)\n", ra.property);
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        for (size_t i = 0; i < cok; i++)
            if (!check_property(ra.property, r.hcaps[i], r.focus, r.capnames[i])) {
                rc = CLI_EXIT_USAGE;
                goto out;
            }
        r.focus_property = ra.property;
    }
    /* sinks */
    for (size_t i = 0; i < ra.nouts; i++) {
        struct out_spec *o = &ra.outs[i];
        /* On the standard output: colour as --color says, tables fitted to
         * COLUMNS or the terminal (long cells kept for that: the table
         * narrows them as needed). Files: as they are. */
        bool to_stdout = !o->path;
        unsigned width = to_stdout ? cli_text_width(1) : 0;
        /* A temporary file is renamed when the run ends: nobody reads it
         * before, so its records need not be flushed one by one. */
        nmx_sink_options so = {.version = NMX_SINK_OPTIONS_VERSION,
                               .color = to_stdout && cli_color_for(ra.color, 1),
                               .color_always = ra.color == CLI_COLOR_ALWAYS,
                               .width = width,
                               .max_cell_width = width ? 256 : 0,
                               .buffered = o->path && o->kind != NMX_SINK_CSV_DIR &&
                                           !o->file.in_place};
        const char *p = o->kind == NMX_SINK_CSV_DIR ? o->dir.tmp
                        : o->path                   ? cli_out_open_path(&o->file)
                                                    : NULL;
        r.sink_stdout[r.nsinks] = to_stdout;
        if (nmx_sink_open(o->kind, p, &so, &r.sinks[r.nsinks], &d) != NMX_OK) {
            char msg[1024];
            fprintf(stderr, "nmexpert: %s\n",
                    o->path ? cli_out_message(&o->file, d.msg, msg, sizeof msg) : d.msg);
            rc = CLI_EXIT_OUTPUT;
            goto out;
        }
        nmx_sink_set_frame_time_fn(r.sinks[r.nsinks], frame_time, &r);
        sink_of[i] = r.nsinks++;
    }
    if (r.iso == NMX_ISOLATION_THREAD && !ra.quiet)
        fprintf(stderr, "nmexpert: --isolation=thread: a crash is contained, but exit(), hangs "
                        "and wild writes are not\n");
    r.njobs = nok * cok;
    for (size_t c = 0, k = 0; c < cok; c++)
        for (size_t e = 0; e < nok; e++, k++) {
            struct job *j = &r.jobs[k];
            j->ex = &ex[e];
            j->cap = c;
            atomic_init(&j->frame, 0xFFFFFFFFu);
            j->sess = (nmx_sink_session){.label = j->label, .expert_name = ex[e].name,
                                         .expert_file = ex[e].file, .capture = &r.capinfo[c].c,
                                         .index = k};
            if (cok > 1) {
                char name[sizeof j->label];
                capture_label(r.capnames, cok, c, name, sizeof name);
                snprintf(j->label, sizeof j->label, "%s @ %s", ex[e].name, name);
            } else {
                snprintf(j->label, sizeof j->label, "%s", ex[e].name);
            }
        }
    pthread_mutex_init(&r.out_lock, NULL);
    cli_term_init(&r.term, &r.out_lock, !ra.quiet, ra.color);
    if (r.term.bars) /* the library's lines must not land between the bars */
        nmx_set_log_fn(term_log, &r.term);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r.changed, &ca);
    pthread_condattr_destroy(&ca);
    char run_id[64];
    cli_run_id(run_id, sizeof run_id);
    struct timespec t_start;
    clock_gettime(CLOCK_MONOTONIC, &t_start);
    cli_run_begin(r.sinks, r.nsinks, run_id, argc, argv, r.capinfo, cok, r.njobs);
    cli_pj_run_start(r.pj, run_id, r.njobs);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    size_t nworkers = (size_t)ra.jobs < r.njobs ? (size_t)ra.jobs : r.njobs;
    size_t started = 0;
    r.workers = nworkers; /* lowered below if fewer start */
    /* The walker first: it is walking the first capture by the time the
     * first expert's process needs more of it than the open walked, so
     * that process reads the walk instead of taking it over (a process
     * whose capture is not being walked walks it itself). */
    pthread_t walker_th;
    if (r.iso == NMX_ISOLATION_PROCESS && cok)
        r.walking = pthread_create(&walker_th, NULL, walker, &r) == 0;
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
    pthread_mutex_lock(&r.out_lock);
    r.workers = started;
    r.all_started = true;
    pthread_cond_broadcast(&r.changed);
    pthread_mutex_unlock(&r.out_lock);
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
    if (r.walking)
        pthread_join(walker_th, NULL);
    if (bars)
        nmx_set_log_fn(NULL, NULL);
    /* Each capture's end: what the file holds (thread isolation: the
     * sessions read the same handle; what they did not read is walked
     * now), or what was read of it when the run was interrupted. */
    for (size_t i = 0; i < cok; i++) {
        if (!r.walking)
            (void)nmx_capture_walk(nmx_hcapture_capture(r.hcaps[i]), &stop_flag);
        bool complete = cli_capture_info_end(&r.capinfo[i], r.hcaps[i]);
        for (size_t s = 0; s < r.nsinks; s++)
            nmx_sink_capture_end(r.sinks[s], &r.capinfo[i].c, complete);
    }
    /* Interrupted: 128 + the signal, as a shell reports a process the
     * signal ended (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP). */
    int interrupted = stop_flag ? 128 + (stop_signal ? (int)stop_signal : SIGINT) : 0;
    int run_status = interrupted ? interrupted : worse(rc, exit_for(&r));
    cli_run_end(r.sinks, r.nsinks, run_status, &t_start);
    cli_pj_run_end(r.pj, run_status, cli_exit_name(run_status));
    int orc = finish_outputs(&r, &ra, sink_of);
    if (interrupted)
        fprintf(stderr, "nmexpert: interrupted: the outputs hold the results up to the "
                        "interruption\n");
    fflush(stdout);
    /* One line per run, naming its capture, always (--quiet only silences
     * the progress bars). */
    for (size_t i = 0; i < r.njobs; i++)
        if (atomic_load(&r.jobs[i].state) == 2)
            fprintf(stderr, "nmexpert: %s: %s\n", r.capnames[r.jobs[i].cap],
                    r.jobs[i].res.message);
    /* The captures' warnings (damage found when the file was read): each
     * names its file. */
    for (size_t i = 0; i < cok; i++)
        for (size_t w = 0; w < r.capinfo[i].c.nwarnings; w++)
            fprintf(stderr, "nmexpert: %s: %s\n",
                    cli_warning_kind(nmx_capture_warning(nmx_hcapture_capture(r.hcaps[i]), w)),
                    r.capinfo[i].c.warnings[w]);
    rc = worse(worse(rc, exit_for(&r)), orc);
    if (interrupted)
        rc = interrupted;
    for (size_t i = 0; i < r.njobs; i++)
        nmx_heap_report_free(&r.jobs[i].res.memory);
out:
    if (sink_of) { /* a run that stopped before it started: nothing replaced */
        for (size_t i = 0; i < ra.nouts; i++)
            if (sink_of[i] != SIZE_MAX)
                nmx_sink_close(r.sinks[sink_of[i]]);
    }
    discard_outputs(&ra);
    cli_pj_close(r.pj);
    for (size_t i = 0; i < cok; i++)
        nmx_hcapture_close(r.hcaps[i]);
    nmx_filter_free(r.filter);
    for (size_t i = 0; r.configs && i < ra.nex; i++)
        free(r.configs[i]);
    free(r.configs);
    free(r.config_lens);
    free(th);
    free(r.jobs);
    free(r.hcaps);
    free(r.capnames);
    for (size_t i = 0; r.capinfo && i < cok; i++)
        cli_capture_info_free(&r.capinfo[i]);
    free(r.capinfo);
    free(r.sinks);
    free(r.sink_stdout);
    free(sink_of);
    free(ex);
    free(ra.experts);
    free(ra.caps);
    free(ra.outs);
    cli_config_free(&ra.sets);
    return rc;
}
