/* The progress stream of nmexpert run: see progress_jsonl.h. */
#include "progress_jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct pj_session {
    double start, last_emit;
    uint64_t size;
    char label[400];
    bool started, reported;
    unsigned last_pct;
} pj_session;

struct cli_pj {
    FILE *f;
    bool own;
    pthread_mutex_t mu;
    char run[64];
    double t0;
    pj_session *ss;
    size_t nss, done;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

cli_pj *cli_pj_open(const char *spec)
{
    if (strncmp(spec, "jsonl", 5) != 0 || (spec[5] && spec[5] != ':') ||
        (spec[5] == ':' && !spec[6])) {
        fprintf(stderr, "nmexpert: --progress: '%s' is not accepted: jsonl, jsonl:FILE or "
                        "jsonl:fd:N\n", spec);
        return NULL;
    }
    cli_pj *p = calloc(1, sizeof *p);
    if (!p) {
        fprintf(stderr, "nmexpert: out of memory\n");
        return NULL;
    }
    const char *t = spec[5] ? spec + 6 : NULL;
    if (!t) {
        p->f = stderr;
    } else if (!strncmp(t, "fd:", 3)) {
        char *end;
        errno = 0;
        long fd = strtol(t + 3, &end, 10);
        int dfd = -1;
        if (errno || end == t + 3 || *end || fd < 0 || fd > 65535 ||
            fcntl((int)fd, F_GETFD) < 0 || (dfd = fcntl((int)fd, F_DUPFD_CLOEXEC, 3)) < 0 ||
            !(p->f = fdopen(dfd, "w"))) {
            fprintf(stderr, "nmexpert: --progress: %s: not an open file descriptor\n", t);
            if (dfd >= 0)
                close(dfd);
            free(p);
            return NULL;
        }
        p->own = true;
    } else {
        if (!(p->f = fopen(t, "we"))) {
            fprintf(stderr, "nmexpert: --progress: %s: %s\n", t, strerror(errno));
            free(p);
            return NULL;
        }
        p->own = true;
    }
    pthread_mutex_init(&p->mu, NULL);
    p->t0 = mono();
    return p;
}

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "\\u%04x", *c);
        else if (*c >= 0x80)
            fputs("\\ufffd", f); /* labels hold file names: ASCII kept, the rest marked */
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

/* {"progress":KIND,"schema":2,"run":ID,"time":...,"elapsed":S — caller holds mu. */
static void head(cli_pj *p, const char *kind)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    time_t sec = ts.tv_sec;
    gmtime_r(&sec, &tm);
    fprintf(p->f,
            "{\"progress\":\"%s\",\"schema\":2,\"run\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:"
            "%02d.%03ldZ\",\"elapsed\":%.3f",
            kind, p->run, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
            tm.tm_sec, ts.tv_nsec / 1000000, mono() - p->t0);
}

static void tail(cli_pj *p)
{
    fputs("}\n", p->f);
    fflush(p->f);
}

void cli_pj_run_start(cli_pj *p, const char *run_id, size_t sessions)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    snprintf(p->run, sizeof p->run, "%s", run_id);
    p->ss = calloc(sessions ? sessions : 1, sizeof *p->ss);
    p->nss = p->ss ? sessions : 0;
    head(p, "run_start");
    fprintf(p->f, ",\"sessions\":%zu", sessions);
    tail(p);
    pthread_mutex_unlock(&p->mu);
}

static void u64_or_null(FILE *f, uint64_t v)
{
    if (v == UINT64_MAX)
        fputs("null", f);
    else
        fprintf(f, "%" PRIu64, v);
}

void cli_pj_session_start(cli_pj *p, const nmx_sink_session *ss, uint64_t frames, uint64_t size)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    if (ss->index < p->nss) {
        pj_session *s = &p->ss[ss->index];
        s->start = s->last_emit = mono();
        s->size = size;
        s->started = true;
        snprintf(s->label, sizeof s->label, "%s", ss->label);
    }
    head(p, "session_start");
    fprintf(p->f, ",\"session\":%" PRIu64 ",\"label\":", ss->index);
    jstr(p->f, ss->label);
    fputs(",\"expert\":", p->f);
    jstr(p->f, ss->expert_file);
    fputs(",\"capture\":", p->f);
    jstr(p->f, ss->capture ? ss->capture->path : "");
    fputs(",\"frames\":", p->f);
    u64_or_null(p->f, frames);
    fprintf(p->f, ",\"size\":%" PRIu64 ",\"state\":\"running\"", size);
    tail(p);
    pthread_mutex_unlock(&p->mu);
}

void cli_pj_status(cli_pj *p, uint64_t session, unsigned percent, uint32_t frame, uint64_t frames,
                   uint64_t offset)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    if (session < p->nss && p->ss[session].started) {
        pj_session *s = &p->ss[session];
        double now = mono();
        if (!s->reported || now - s->last_emit >= 0.25 || percent >= 100 ||
            percent >= s->last_pct + 10) {
            s->last_emit = now;
            s->reported = true;
            s->last_pct = percent;
            double el = now - s->start;
            uint64_t done = frame == 0xFFFFFFFFu ? 0 : (uint64_t)frame + 1;
            double fps = el > 0 ? (double)done / el : 0;
            head(p, "status");
            fprintf(p->f, ",\"session\":%" PRIu64 ",\"label\":", session);
            jstr(p->f, s->label);
            fprintf(p->f, ",\"percent\":%u,\"frame\":", percent > 100 ? 100 : percent);
            if (frame == 0xFFFFFFFFu)
                fputs("null", p->f);
            else
                fprintf(p->f, "%" PRIu32, frame);
            fputs(",\"frames\":", p->f);
            u64_or_null(p->f, frames);
            fputs(",\"offset\":", p->f);
            u64_or_null(p->f, offset);
            fprintf(p->f, ",\"size\":%" PRIu64 ",\"fps\":%.1f,\"session_elapsed\":%.3f,\"eta\":",
                    s->size, fps, el);
            /* at this rate: over the frames left when their count is
             * known, else over the bytes left from the frame's offset */
            if (frames != UINT64_MAX && fps > 0 && frames >= done)
                fprintf(p->f, "%.1f", (double)(frames - done) / fps);
            else if (frames == UINT64_MAX && offset != UINT64_MAX && offset > 0 &&
                     offset <= s->size && el > 0)
                fprintf(p->f, "%.1f", el * (double)(s->size - offset) / (double)offset);
            else
                fputs("null", p->f);
            tail(p);
        }
    }
    pthread_mutex_unlock(&p->mu);
}

void cli_pj_session_end(cli_pj *p, const nmx_sink_session *ss, const char *outcome,
                        uint64_t frames_read, double seconds)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->done++;
    head(p, "session_end");
    fprintf(p->f, ",\"session\":%" PRIu64 ",\"label\":", ss->index);
    jstr(p->f, ss->label);
    fputs(",\"outcome\":", p->f);
    jstr(p->f, outcome);
    fprintf(p->f, ",\"frames_read\":%" PRIu64 ",\"seconds\":%.3f,\"done\":%zu,\"of\":%zu,"
                  "\"state\":\"ended\"",
            frames_read, seconds, p->done, p->nss);
    tail(p);
    pthread_mutex_unlock(&p->mu);
}

void cli_pj_run_end(cli_pj *p, int exit_status, const char *status)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    head(p, "run_end");
    fprintf(p->f, ",\"exit_status\":%d,\"status\":", exit_status);
    jstr(p->f, status);
    fprintf(p->f, ",\"done\":%zu,\"of\":%zu", p->done, p->nss);
    tail(p);
    pthread_mutex_unlock(&p->mu);
}

void cli_pj_close(cli_pj *p)
{
    if (!p)
        return;
    if (p->own)
        fclose(p->f);
    else
        fflush(p->f);
    pthread_mutex_destroy(&p->mu);
    free(p->ss);
    free(p);
}
