/*
 * nmexpert: command-line front end.
 *
 *   nmexpert demo        run a misbehaving in-process "expert" session and
 *                        show how the host contains it (memory, keys)
 *   nmexpert version
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "netmon.h"
#include "nmexpert/nmexpert.h"

static int usage(FILE *out)
{
    fprintf(out,
            "usage: nmexpert <command> [args]\n"
            "\n"
            "commands:\n"
            "  demo      run a deliberately misbehaving expert session and show what the\n"
            "            host catches, frees and reports\n"
            "  version   print the library version\n");
    return out == stderr ? 2 : 0;
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

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "demo") == 0)
        return cmd_demo();
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("nmexpert %s\n", nmx_version());
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0)
        return usage(stdout);
    fprintf(stderr, "nmexpert: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
