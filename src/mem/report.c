/* Names, reports and their printing (talloc-style leak report). */
#include <dlfcn.h>
#include <inttypes.h>
#include <stdlib.h>

#include "mem/internal.h"

const char *nmx_misuse_kind_name(nmx_misuse_kind k)
{
    static const char *const names[NMX_MISUSE_KINDS_] = {
        [NMX_MISUSE_WILD] = "not a block of this allocator",
        [NMX_MISUSE_FOREIGN] = "block of another owner",
        [NMX_MISUSE_DOUBLE] = "block already freed",
        [NMX_MISUSE_INTERIOR] = "pointer inside a block",
        [NMX_MISUSE_STALE] = "memory of an ended owner",
        [NMX_MISUSE_OVERRUN] = "write past the end of a block",
    };
    return (unsigned)k < NMX_MISUSE_KINDS_ ? names[k] : "unknown misuse";
}

const char *nmx_mem_op_name(nmx_mem_op op)
{
    static const char *const names[] = {"alloc", "realloc", "free", "size", "handover", "destroy"};
    return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

void nmx_heap_report_free(nmx_heap_report *r)
{
    if (!r)
        return;
    free(r->leaks);
    r->leaks = NULL;
    r->nleaks = 0;
}

/* "libx.so(Run+0x4f)" or "0x7f..." */
static void site_name(const void *site, char *buf, size_t len)
{
    Dl_info di;
    if (site && dladdr(site, &di) && di.dli_fname) {
        const char *f = di.dli_fname, *slash = f;
        for (const char *q = f; *q; q++)
            if (*q == '/')
                slash = q + 1;
        if (di.dli_sname)
            snprintf(buf, len, "%s(%s+0x%" PRIxPTR ")", slash, di.dli_sname,
                     (uintptr_t)site - (uintptr_t)di.dli_saddr);
        else
            snprintf(buf, len, "%s(+0x%" PRIxPTR ")", slash,
                     (uintptr_t)site - (uintptr_t)di.dli_fbase);
    } else if (site) {
        snprintf(buf, len, "%p", site);
    } else {
        snprintf(buf, len, "(site not recorded; set NMX_MEM_DEBUG=1)");
    }
}

void nmx_heap_report_print(const nmx_heap_report *r, FILE *out)
{
    if (!r || !out)
        return;
    fprintf(out, "heap '%s': %" PRIu64 " block%s (%" PRIu64 " bytes) left at end, peak %" PRIu64
                 " bytes, %" PRIu64 " misuse event%s, %" PRIu64 " overrun%s\n",
            r->name[0] ? r->name : "(unnamed)", r->leaked_blocks, r->leaked_blocks == 1 ? "" : "s",
            r->leaked_bytes, r->peak_bytes, r->misuse_total, r->misuse_total == 1 ? "" : "s",
            r->overruns, r->overruns == 1 ? "" : "s");
    for (size_t i = 0; i < r->nleaks; i++) {
        char site[256];
        site_name(r->leaks[i].site, site, sizeof site);
        fprintf(out, "    %8zu bytes at %p allocated by %s%s\n", r->leaks[i].size, r->leaks[i].ptr,
                site, r->leaks[i].overrun ? "  [OVERRUN]" : "");
    }
}
