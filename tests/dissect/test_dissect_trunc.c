/*
 * test_dissect_trunc.c: every parser, cut at every byte of real frames.
 *
 * Frames: all frames of a generated sample capture (cli/sample.c: Ethernet,
 * ARP, IPv4, IPv6, TCP, UDP, DNS, HTTP), and, when the shared captures are
 * present, frames of each of them: per capture the first frames of every
 * distinct protocol stack (layer names and statuses), so every parser
 * that a capture reaches is cut, without cutting thousands of alike
 * frames. Each frame is cut to every length from 0 to its captured length;
 * the cut copy lives in a heap buffer of exactly that size, so that under
 * AddressSanitizer any read past the captured bytes is a finding. Each cut
 * is dissected with and without NMX_DIS_ATTACH, and every instance's text
 * and bit lines are formatted.
 *
 * Checked for every cut:
 *  - the layers stay within the captured bytes; statuses are valid;
 *  - recognise-only and attaching dissection find the same layers with
 *    the same statuses;
 *  - the innermost layer is not OK while bytes it declares are missing
 *    because the cut fell inside it (a partly quoted datagram is whole);
 *  - no layer is OK while it misses something it has in the whole frame:
 *    a layer that is OK in the cut frame and was OK at the same place in
 *    the whole frame attaches the same properties at the same offsets
 *    (only the lengths of raw data, i.e. payload and padding, may shrink).
 *    A field the cut removed must make the layer TRUNCATED.
 */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"
#include "nmx_test.h"
#include "sample.h"

#define MAX_SIG 64         /* distinct stacks kept per capture  */
#define PER_SIG 2          /* frames kept per stack             */

struct ref_inst {
    const PROPERTYINFO *info;
    long off;              /* offset of the data in the frame, -1 if none */
    WORD len;
};

struct ref_layer {
    struct _PROTOCOL *proto;
    uint32_t offset;
    nmx_layer_status status;
    uint32_t ninst;
    struct ref_inst *inst;
};

static unsigned long cuts_done, frames_done, fields_checked;

static long inst_off(const PROPERTYINST *pi, const uint8_t *base)
{
    const void *p = pi->DataLength == PROPERTYINST_EX_LENGTH ? pi->lpPropertyInstEx->lpData
                                                             : pi->lpData;
    return p ? (long)((const uint8_t *)p - base) : -1;
}

static WORD inst_len(const PROPERTYINST *pi)
{
    return pi->DataLength == PROPERTYINST_EX_LENGTH ? pi->lpPropertyInstEx->Length
                                                    : pi->DataLength;
}

/* Formats every instance and bit line (the format hooks read frame bytes
 * too). */
static void fail_at(const char *what, const char *src, const nmx_frame *fr, uint32_t cut,
                    const nmx_layer *l, const char *detail);

/* The layer an instance belongs to, to name it in a failure. */
static const nmx_layer *layer_of(nmx_dissector *d, uint32_t inst)
{
    for (unsigned i = 0; i < nmx_dissect_nlayers(d); i++) {
        const nmx_layer *l = nmx_dissect_layer(d, i);
        if (inst >= l->first_inst && inst < l->first_inst + l->ninst)
            return l;
    }
    return NULL;
}

static void format_all(nmx_dissector *d, const char *src, const nmx_frame *fr, uint32_t cut)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    char buf[512];
    for (uint32_t k = 0; pt && k < pt->nTotalPropertyInsts; k++) {
        PROPERTYINST *pi = &pt->lpFirstPropertyInst[k];
        size_t n = nmx_dissect_text(d, pi, buf, sizeof buf);
        if (n == 0)
            fail_at("a property with an empty text", src, fr, cut, layer_of(d, k),
                    pi->lpPropertyInfo->Label);
        assert_int_equal(strlen(buf), n < sizeof buf ? n : sizeof buf - 1);
        unsigned nb = nmx_dissect_nbits(d, pi);
        for (unsigned b = 0; b < nb; b++)
            nmx_dissect_bit_text(d, pi, b, buf, sizeof buf);
        /* a short buffer is cut, never overrun */
        char small[4];
        nmx_dissect_text(d, pi, small, sizeof small);
        assert_true(strlen(small) < sizeof small);
    }
}

static unsigned take_ref(nmx_dissector *d, const nmx_frame *fr, struct ref_layer *ref)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    unsigned nl = nmx_dissect_nlayers(d);
    for (unsigned i = 0; i < nl; i++) {
        const nmx_layer *l = nmx_dissect_layer(d, i);
        ref[i].proto = l->proto;
        ref[i].offset = l->offset;
        ref[i].status = l->status;
        ref[i].ninst = l->ninst;
        ref[i].inst = calloc(l->ninst ? l->ninst : 1, sizeof *ref[i].inst);
        assert_non_null(ref[i].inst);
        for (uint32_t k = 0; k < l->ninst; k++) {
            const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            ref[i].inst[k] = (struct ref_inst){ pi->lpPropertyInfo, inst_off(pi, fr->data),
                                                inst_len(pi) };
        }
    }
    return nl;
}

static void fail_at(const char *what, const char *src, const nmx_frame *fr, uint32_t cut,
                    const nmx_layer *l, const char *detail)
{
    fail_msg("%s frame %llu cut at %u of %u: layer %s: %s (%s)", src,
             (unsigned long long)fr->number + 1, cut, fr->caplen, l ? l->name : "-", what,
             detail ? detail : "");
}

static void check_frame(nmx_dissector *d, const nmx_frame *whole, const char *src)
{
    static struct ref_layer ref[64];
    assert_int_equal(nmx_dissect(d, whole, whole->ts_ns, NMX_DIS_ATTACH), NMX_OK);
    unsigned nref = take_ref(d, whole, ref);
    for (uint32_t cut = 0; cut <= whole->caplen; cut++) {
        uint8_t *buf = malloc(cut ? cut : 1);
        assert_non_null(buf);
        memcpy(buf, whole->data, cut);
        nmx_frame fr = *whole;
        fr.data = buf;
        fr.caplen = cut;
        /* recognise only */
        assert_int_equal(nmx_dissect(d, &fr, fr.ts_ns, 0), NMX_OK);
        unsigned nl0 = nmx_dissect_nlayers(d);
        const char *names0[64];
        nmx_layer_status st0[64];
        for (unsigned i = 0; i < nl0 && i < 64; i++) {
            names0[i] = nmx_dissect_layer(d, i)->name;
            st0[i] = nmx_dissect_layer(d, i)->status;
        }
        assert_null(nmx_dissect_properties(d));
        /* attaching */
        assert_int_equal(nmx_dissect(d, &fr, fr.ts_ns, NMX_DIS_ATTACH), NMX_OK);
        unsigned nl = nmx_dissect_nlayers(d);
        if (nl != nl0)
            fail_at("layer count differs with and without attaching", src, whole, cut, NULL, NULL);
        PROPERTYTABLE *pt = nmx_dissect_properties(d);
        for (unsigned i = 0; i < nl; i++) {
            const nmx_layer *l = nmx_dissect_layer(d, i);
            if (strcmp(l->name, names0[i]) != 0)
                fail_at("another protocol without attaching", src, whole, cut, l, names0[i]);
            if (l->status != st0[i])
                fail_at("another status without attaching", src, whole, cut, l, NULL);
            if (l->offset > cut || l->caplen > cut - l->offset)
                fail_at("layer beyond the captured bytes", src, whole, cut, l, NULL);
            if (l->caplen > l->length)
                fail_at("more bytes captured than declared", src, whole, cut, l, NULL);
            if (l->status > NMX_LAYER_MALFORMED)
                fail_at("invalid status", src, whole, cut, l, NULL);
            for (uint32_t k = 0; k < l->ninst; k++) {
                const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
                long off = inst_off(pi, buf);
                if (off >= 0 && ((unsigned long)off > cut || inst_len(pi) > cut - off))
                    fail_at("instance beyond the captured bytes", src, whole, cut, l,
                            pi->lpPropertyInfo->Label);
            }
            /* the innermost layer is OK only with all its bytes */
            if (i == nl - 1 && l->status == NMX_LAYER_OK && l->caplen < l->length &&
                cut < whole->wirelen && l->offset + l->caplen >= cut)
                fail_at("innermost layer OK with bytes missing", src, whole, cut, l, NULL);
            /* OK here and OK in the whole frame: nothing of it may be missing */
            if (l->status != NMX_LAYER_OK || i >= nref || ref[i].proto != l->proto ||
                ref[i].offset != l->offset || ref[i].status != NMX_LAYER_OK)
                continue;
            if (l->ninst != ref[i].ninst) {
                char det[128];
                snprintf(det, sizeof det, "%u properties, %u in the whole frame", l->ninst,
                         ref[i].ninst);
                fail_at("OK with properties missing", src, whole, cut, l, det);
            }
            for (uint32_t k = 0; k < l->ninst; k++) {
                const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
                const struct ref_inst *r = &ref[i].inst[k];
                fields_checked++;
                if (pi->lpPropertyInfo != r->info || inst_off(pi, buf) != r->off)
                    fail_at("OK with other properties than the whole frame", src, whole, cut, l,
                            pi->lpPropertyInfo->Label);
                if (inst_len(pi) != r->len && pi->lpPropertyInfo->DataType != PROP_TYPE_RAW_DATA &&
                    pi->lpPropertyInfo->DataType != PROP_TYPE_SUMMARY)
                    fail_at("OK with a field shorter than in the whole frame", src, whole, cut, l,
                            pi->lpPropertyInfo->Label);
            }
        }
        format_all(d, src, whole, cut);
        free(buf);
        cuts_done++;
    }
    for (unsigned i = 0; i < nref; i++)
        free(ref[i].inst);
    frames_done++;
}

/* A signature of the frame's protocol stack. */
static void signature(nmx_dissector *d, char *out, size_t n)
{
    size_t u = 0;
    out[0] = 0;
    for (unsigned i = 0; i < nmx_dissect_nlayers(d) && u < n; i++) {
        const nmx_layer *l = nmx_dissect_layer(d, i);
        u += (size_t)snprintf(out + u, n - u, "%s%s/%d", i ? ":" : "", l->name, (int)l->status);
    }
}

static void check_capture(const char *path, const char *label, bool all)
{
    nmx_capture *cap;
    nmx_diag diag;
    if (nmx_capture_open(path, 0, &cap, &diag) != NMX_OK) {
        printf("skip %s: %s\n", label, diag.msg);
        return;
    }
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    static char sigs[MAX_SIG][256];
    unsigned sigcount[MAX_SIG], nsig = 0;
    uint64_t n = nmx_capture_frame_count(cap);
    for (uint64_t i = 0; i < n; i++) {
        nmx_frame fr;
        if (nmx_capture_frame(cap, i, &fr) != NMX_OK)
            continue;
        if (!all) {
            char sig[256];
            assert_int_equal(nmx_dissect(d, &fr, fr.ts_ns, 0), NMX_OK);
            signature(d, sig, sizeof sig);
            unsigned s = 0;
            while (s < nsig && strcmp(sigs[s], sig) != 0)
                s++;
            if (s == nsig) {
                if (nsig == MAX_SIG)
                    continue;
                snprintf(sigs[nsig], sizeof sigs[nsig], "%s", sig);
                sigcount[nsig++] = 0;
            }
            if (sigcount[s]++ >= PER_SIG)
                continue;
        }
        check_frame(d, &fr, label);
    }
    nmx_dissector_free(d);
    nmx_capture_close(cap);
}

static void test_sample_frames(void **state)
{
    (void)state;
    char path[] = "/tmp/nmx-trunc-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    nmx_diag diag;
    assert_int_equal(nmx_sample_write(path, NMX_WRITE_PCAP_US, 400, 7, &diag), NMX_OK);
    unsigned long before = frames_done;
    check_capture(path, "sample(seed 7)", true);
    unlink(path);
    printf("sample: %lu frames, %lu cuts, %lu fields checked\n", frames_done - before, cuts_done,
           fields_checked);
    assert_int_equal(frames_done - before, 400);
}

/* Ethernet + IPv4 + TCP, 54 bytes, with the given first IP byte and TCP
 * Data Offset byte. */
static void build_tcp(uint8_t *f, uint8_t ip_vhl, uint8_t tcp_off)
{
    memset(f, 0, 54);
    memcpy(f, "\x00\x11\x22\x33\x44\x55\x00\x66\x77\x88\x99\xaa\x08\x00", 14);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    ip[0] = ip_vhl;
    ip[3] = 40;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    tcp[1] = 80;
    tcp[3] = 81;
    tcp[12] = tcp_off;
    tcp[13] = 0x10;
}

/* Status of layer `name` when f is cut to `cut` bytes, attaching or not. */
static nmx_layer_status status_at(nmx_dissector *d, const uint8_t *f, uint32_t cut,
                                  const char *name, unsigned flags)
{
    uint8_t *buf = malloc(cut);
    assert_non_null(buf);
    memcpy(buf, f, cut);
    nmx_frame fr = { .number = 0, .caplen = cut, .wirelen = 54, .data = buf, .linktype = 1 };
    assert_int_equal(nmx_dissect(d, &fr, 0, flags), NMX_OK);
    int st = -1;
    for (unsigned i = 0; i < nmx_dissect_nlayers(d); i++)
        if (strcmp(nmx_dissect_layer(d, i)->name, name) == 0)
            st = (int)nmx_dissect_layer(d, i)->status;
    free(buf);
    assert_true(st >= 0);
    return (nmx_layer_status)st;
}

/* A header the first bytes prove wrong is MALFORMED however short the cut,
 * with or without instances (once, recognising gave TRUNCATED here and
 * attaching MALFORMED). */
static void test_wrong_before_cut(void **state)
{
    (void)state;
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    uint8_t f[54];
    build_tcp(f, 0x65, 0x50); /* IP version 6 in an IPv4 header */
    for (uint32_t cut = 15; cut < 34; cut++)
        for (unsigned fl = 0; fl < 2; fl++)
            assert_int_equal(status_at(d, f, cut, "IP", fl), NMX_LAYER_MALFORMED);
    build_tcp(f, 0x43, 0x50); /* IHL 3 */
    for (uint32_t cut = 15; cut < 34; cut++)
        for (unsigned fl = 0; fl < 2; fl++)
            assert_int_equal(status_at(d, f, cut, "IP", fl), NMX_LAYER_MALFORMED);
    build_tcp(f, 0x45, 0x40); /* TCP Data Offset 16 bytes */
    for (uint32_t cut = 47; cut <= 54; cut++)
        for (unsigned fl = 0; fl < 2; fl++)
            assert_int_equal(status_at(d, f, cut, "TCP", fl), NMX_LAYER_MALFORMED);
    /* and a sound header cut short is TRUNCATED, both ways */
    build_tcp(f, 0x45, 0x50);
    for (uint32_t cut = 35; cut < 54; cut++)
        for (unsigned fl = 0; fl < 2; fl++)
            assert_int_equal(status_at(d, f, cut, "TCP", fl), NMX_LAYER_TRUNCATED);
    assert_int_equal(status_at(d, f, 54, "TCP", 1), NMX_LAYER_OK);
    /* the generic checks over every cut of these frames */
    nmx_frame fr = { .caplen = 54, .wirelen = 54, .data = f, .linktype = 1 };
    check_frame(d, &fr, "built");
    build_tcp(f, 0x65, 0x40);
    check_frame(d, &fr, "built");
    nmx_dissector_free(d);
}

/* A malformed option makes IP or TCP MALFORMED with or without instances
 * (options were once walked only when attaching; found by fuzz_dissect). */
static void test_bad_options_both_modes(void **state)
{
    (void)state;
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    uint8_t f[62];
    /* TCP, Data Offset 28: option kind 0xFF with length 0xFF */
    memset(f, 0, sizeof f);
    build_tcp(f, 0x45, 0x70);
    f[14 + 3] = 48;
    memset(f + 54, 0xFF, 8);
    nmx_frame fr = { .caplen = 62, .wirelen = 62, .data = f, .linktype = 1 };
    for (unsigned fl = 0; fl < 2; fl++) {
        assert_int_equal(nmx_dissect(d, &fr, 0, fl), NMX_OK);
        assert_int_equal(nmx_dissect_nlayers(d), 4);
        assert_int_equal(nmx_dissect_layer(d, 3)->status, NMX_LAYER_MALFORMED);
    }
    /* IP, IHL 6: option 0x44 (timestamp) with length 1 */
    uint8_t g[58];
    memset(g, 0, sizeof g);
    memcpy(g, f, 14);
    g[12] = 0x08;
    g[14] = 0x46;
    g[14 + 3] = 44;
    g[14 + 8] = 64;
    g[14 + 9] = 17;
    g[14 + 20] = 0x44;
    g[14 + 21] = 1;
    nmx_frame gr = { .caplen = 58, .wirelen = 58, .data = g, .linktype = 1 };
    for (unsigned fl = 0; fl < 2; fl++) {
        assert_int_equal(nmx_dissect(d, &gr, 0, fl), NMX_OK);
        assert_int_equal(nmx_dissect_layer(d, 2)->status, NMX_LAYER_MALFORMED);
    }
    check_frame(d, &fr, "built");
    check_frame(d, &gr, "built");
    nmx_dissector_free(d);
}

/* Layers that find their bytes missing only through an attach: TRUNCATED
 * with or without instances (an attach past the captured bytes once marked
 * the layer only when attaching; found by fuzz_dissect). */
static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static void test_attach_past_capture_both_modes(void **state)
{
    (void)state;
    static const struct {
        unsigned linktype;
        const char *hex;
        const char *layer;
    } cases[] = {
        /* NBT datagram error (type 0x13) without its error code */
        { 1,
          "a400ffffffff 00155d8e715b 0800 "
          "450000e5 64600000 8011528f c0010000 00a800ff "
          "008a008a 00d12102 "
          "13419c80 800f0155 aa00",
          "NBT" },
        /* PPPoE over PPP_ETHER (DLT 51) */
        { 51, "11cdfefe0001673d00", "PPPOE" },
    };
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint8_t f[256];
        uint32_t n = 0;
        for (const char *h = cases[c].hex; *h; h++) {
            if (*h == ' ')
                continue;
            assert_true(h[1] != 0 && n < sizeof f);
            f[n++] = (uint8_t)(hexval(h[0]) << 4 | hexval(h[1]));
            h++;
        }
        nmx_frame fr = { .caplen = n, .wirelen = n, .data = f, .linktype = cases[c].linktype };
        for (unsigned fl = 0; fl <= NMX_DIS_ATTACH; fl += NMX_DIS_ATTACH) {
            assert_int_equal(nmx_dissect(d, &fr, 0, fl), NMX_OK);
            bool seen = false;
            for (unsigned i = 0; i < nmx_dissect_nlayers(d); i++) {
                const nmx_layer *l = nmx_dissect_layer(d, i);
                if (strcmp(l->name, cases[c].layer) == 0) {
                    seen = true;
                    assert_int_equal(l->status, NMX_LAYER_TRUNCATED);
                }
            }
            assert_true(seen);
        }
        check_frame(d, &fr, "fuzz_dissect");
    }
    nmx_dissector_free(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_shared_frames(void **state)
{
    (void)state;
    const char *dir = getenv("NMX_SHARED_CAPTURES");
    struct stat st;
    if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: ../shared/captures not found\n");
        skip();
    }
    unsigned long before = frames_done;
    static const char *subdirs[] = { "pcap", "pcapng", "netmon", "malformed" };
    for (size_t s = 0; s < sizeof subdirs / sizeof subdirs[0]; s++) {
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, subdirs[s]);
        DIR *dh = opendir(sub);
        if (!dh)
            continue;
        char *names[512];
        size_t nn = 0;
        struct dirent *de;
        while ((de = readdir(dh)) && nn < 512) {
            if (de->d_name[0] == '.')
                continue;
            names[nn] = strdup(de->d_name);
            assert_non_null(names[nn]);
            nn++;
        }
        closedir(dh);
        qsort(names, nn, sizeof names[0], cmp_str);
        for (size_t i = 0; i < nn; i++) {
            char path[PATH_MAX], label[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", sub, names[i]);
            snprintf(label, sizeof label, "%s/%s", subdirs[s], names[i]);
            check_capture(path, label, false);
            free(names[i]);
        }
    }
    printf("shared captures: %lu frames cut at every byte\n", frames_done - before);
    assert_true(frames_done > before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_before_cut),
        cmocka_unit_test(test_bad_options_both_modes),
        cmocka_unit_test(test_attach_past_capture_both_modes),
        cmocka_unit_test(test_sample_frames),
        cmocka_unit_test(test_shared_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
