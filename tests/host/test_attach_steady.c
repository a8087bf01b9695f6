/*
 * Attaching properties allocates nothing per frame (docs/dissectors.md,
 * "Memory"): over every frame of the shared captures,
 *  - a dissector allocates nothing after its first attaching dissection,
 *    whatever the order of frame sizes and protocols;
 *  - an expert's forward scans with ExpertGetFrame(FLAGS_ATTACH_PROPERTIES)
 *    allocate nothing once a first scan has met the capture's largest
 *    frame, and the first scan's few allocations (buffers growing to that
 *    frame) do not grow with the number of frames.
 * Every malloc, calloc and realloc of the process is counted (glibc's own
 * entry points do the work), so the counts include whatever the host and
 * the parsers call. Not under a sanitizer, whose allocator replaces these.
 */
#include <dirent.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"
#include "nmx_test.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/session.h"
#include "shared_captures.h"

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && !defined(__has_feature)
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t a, size_t b);
extern void *__libc_realloc(void *p, size_t n);
static atomic_ulong nallocs;
void *malloc(size_t n)
{
    atomic_fetch_add_explicit(&nallocs, 1, memory_order_relaxed);
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    atomic_fetch_add_explicit(&nallocs, 1, memory_order_relaxed);
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    atomic_fetch_add_explicit(&nallocs, 1, memory_order_relaxed);
    return __libc_realloc(p, n);
}
static unsigned long allocs(void)
{
    return atomic_load_explicit(&nallocs, memory_order_relaxed);
}
#endif

#ifdef COUNT_ALLOCS
/* The shared captures, sorted: paths into *out (caller frees each and the
 * array); NULL when the folder is absent. */
static const char *const subdirs[] = { "pcap", "pcapng", "netmon", "malformed" };

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t list_captures(char ***out)
{
    const char *dir = nmx_test_captures_dir();
    *out = NULL;
    if (!dir)
        return 0;
    size_t n = 0, cap = 0;
    char **v = NULL;
    for (size_t s = 0; s < sizeof subdirs / sizeof subdirs[0]; s++) {
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, subdirs[s]);
        DIR *dh = opendir(sub);
        if (!dh)
            continue;
        struct dirent *de;
        while ((de = readdir(dh))) {
            if (de->d_name[0] == '.')
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                v = realloc(v, cap * sizeof *v);
                assert_non_null(v);
            }
            size_t len = strlen(sub) + strlen(de->d_name) + 2;
            v[n] = malloc(len);
            assert_non_null(v[n]);
            snprintf(v[n], len, "%s/%s", sub, de->d_name);
            n++;
        }
        closedir(dh);
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_str);
    *out = v;
    return n;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

#endif

/* ---- the dissector alone ------------------------------------------------- */

static void t_dissector_steady(void **state)
{
    (void)state;
#ifndef COUNT_ALLOCS
    printf("SKIP: allocation counting needs glibc's allocator (not under a sanitizer)\n");
    skip();
#else
    char **files;
    size_t nf = list_captures(&files);
    if (!nf) {
        printf("SKIP: ../shared/captures not found\n");
        skip();
    }
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    bool warm = false;
    unsigned long frames = 0, insts = 0, counted = 0, biggest = 0;
    for (size_t i = 0; i < nf; i++) {
        nmx_capture *cap;
        nmx_diag diag;
        if (nmx_capture_open(files[i], 0, &cap, &diag) != NMX_OK)
            continue; /* a damaged file the reader refuses: not this test's */
        nmx_frame fr;
        int64_t prev = 0;
        for (uint64_t n = 0; nmx_capture_frame(cap, n, &fr) == NMX_OK; n++) {
            unsigned long a = allocs();
            assert_int_equal(nmx_dissect(d, &fr, n ? prev : fr.ts_ns, NMX_DIS_ATTACH), NMX_OK);
            unsigned long got = allocs() - a;
            if (warm && got) {
                fail_msg("%s frame %llu (%u bytes): %lu allocations in an attaching dissection",
                         files[i], (unsigned long long)n + 1, fr.caplen, got);
            }
            warm = true;
            prev = fr.ts_ns;
            frames++;
            counted += got;
            insts += nmx_dissect_properties(d)->nTotalPropertyInsts;
            if (fr.caplen > biggest)
                biggest = fr.caplen;
        }
        nmx_capture_close(cap);
    }
    printf("dissector: %lu frames (largest %lu bytes), %lu instances, 0 allocations after the "
           "first\n", frames, biggest, insts);
    assert_true(frames > 1000);
    nmx_dissector_free(d);
    free_list(files, nf);
#endif
}

/* ---- an expert's scans through the host ------------------------------------- */

#ifdef COUNT_ALLOCS
/* One forward scan with FLAGS_ATTACH_PROPERTIES, reading every instance's
 * value as an expert would; returns the allocations made inside
 * ExpertGetFrame calls after the first, and the frames seen. */
static unsigned long scan_once(HEXPERTKEY key, unsigned long *frames, uint64_t *xsum)
{
    EXPERTFRAMEDESCRIPTOR fd;
    DWORD n = INVALID_FRAME_NUMBER, rc;
    unsigned long counted = 0;
    *frames = 0;
    for (;;) {
        unsigned long a = allocs();
        rc = ExpertGetFrame(key, GET_FRAME_NEXT_FORWARD, FLAGS_ATTACH_PROPERTIES, n, NULL, &fd);
        if (*frames)
            counted += allocs() - a;
        if (rc != NMERR_SUCCESS)
            break;
        n = fd.FrameNumber;
        ++*frames;
        const PROPERTYTABLE *pt = fd.lpPropertyTable;
        assert_non_null(pt);
        assert_non_null(fd.lpRecognizeDataTable);
        for (DWORD k = 0; k < pt->nTotalPropertyInsts; k++) {
            const PROPERTYINST *pi = &pt->lpFirstPropertyInst[k];
            if (pi->DataLength == PROPERTYINST_EX_LENGTH)
                *xsum += pi->lpPropertyInstEx->LengthEx ? pi->lpPropertyInstEx->Byte[0] : 0;
            else if (pi->DataLength)
                *xsum += pi->lpByte[0];
        }
    }
    if (!(rc == NMERR_FRAME_NOT_FOUND || (rc == NMERR_NO_FRAMES && *frames == 0)))
        fail_msg("ExpertGetFrame ended a scan with %lu after %lu frames", (unsigned long)rc,
                 *frames);
    return counted;
}
#endif


static void t_expert_scan_steady(void **state)
{
    (void)state;
#ifndef COUNT_ALLOCS
    printf("SKIP: allocation counting needs glibc's allocator (not under a sanitizer)\n");
    skip();
#else
    char **files;
    size_t nf = list_captures(&files);
    if (!nf) {
        printf("SKIP: ../shared/captures not found\n");
        skip();
    }
    unsigned long total = 0, checked = 0;
    for (size_t i = 0; i < nf; i++) {
        HCAPTURE hc;
        nmx_diag diag;
        if (nmx_hcapture_open(files[i], &hc, &diag) != NMX_OK)
            continue;
        nmx_session_config c = { .version = NMX_SESSION_CONFIG_VERSION, .name = "steady",
                                 .capture = hc, .focus_frame = INVALID_FRAME_NUMBER };
        nmx_key key;
        assert_int_equal(nmx_session_open(&c, &key), NMX_OK);
        nmx_session_bind_thread(key);
        unsigned long f1, f2;
        uint64_t x1 = 0, x2 = 0;
        unsigned long a1 = scan_once((HEXPERTKEY)key, &f1, &x1);
        unsigned long a2 = scan_once((HEXPERTKEY)key, &f2, &x2);
        assert_int_equal(f1, f2);
        assert_true(x1 == x2); /* the second scan saw the same values */
        /* Buffers grow to the largest frame by doubling: a handful of
         * allocations in the first scan, however many frames it has. */
        if (a1 > 8)
            fail_msg("%s: %lu allocations in the first scan's ExpertGetFrame calls (%lu frames)",
                     files[i], a1, f1);
        if (a2 != 0)
            fail_msg("%s: %lu allocations in the second scan's ExpertGetFrame calls (%lu frames)",
                     files[i], a2, f2);
        total += f1 + f2;
        checked++;
        nmx_session_bind_thread(0);
        nmx_session_close(key, NULL);
        nmx_hcapture_close(hc);
    }
    printf("expert scans: %lu captures, %lu frames with FLAGS_ATTACH_PROPERTIES\n", checked,
           total);
    assert_true(checked > 10);
    free_list(files, nf);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_dissector_steady),
        cmocka_unit_test(t_expert_scan_steady),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
