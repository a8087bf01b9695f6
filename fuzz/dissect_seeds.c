/*
 * dissect_seeds.c: seeds for fuzz_dissect from real captures.
 *   dissect_seeds OUTDIR CAPTURE...
 * Writes, per capture, the first frame of each distinct protocol stack (up
 * to 64 stacks) as OUTDIR/<capture name>-<frame number>, in fuzz_dissect's
 * input format: two bytes of link type (big-endian; top bit set and the
 * Network Monitor media code for records without one), then the frame.
 * Unreadable captures are skipped with a message.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: dissect_seeds OUTDIR CAPTURE...\n");
        return 2;
    }
    nmx_dissector *d = nmx_dissector_new();
    if (!d)
        return 1;
    unsigned long written = 0;
    for (int a = 2; a < argc; a++) {
        nmx_capture *cap;
        nmx_diag diag;
        if (nmx_capture_open(argv[a], 0, &cap, &diag) != NMX_OK) {
            fprintf(stderr, "dissect_seeds: skip %s\n", diag.msg);
            continue;
        }
        const char *base = strrchr(argv[a], '/');
        base = base ? base + 1 : argv[a];
        char sigs[64][128];
        unsigned nsig = 0;
        uint64_t n = nmx_capture_frame_count(cap);
        for (uint64_t i = 0; i < n && nsig < 64; i++) {
            nmx_frame fr;
            if (nmx_capture_frame(cap, i, &fr) != NMX_OK || nmx_dissect(d, &fr, fr.ts_ns, 0))
                continue;
            char sig[128];
            size_t u = 0;
            sig[0] = 0;
            for (unsigned k = 0; k < nmx_dissect_nlayers(d) && u < sizeof sig; k++)
                u += (size_t)snprintf(sig + u, sizeof sig - u, "%s/%d:",
                                      nmx_dissect_layer(d, k)->name,
                                      (int)nmx_dissect_layer(d, k)->status);
            unsigned s = 0;
            while (s < nsig && strcmp(sigs[s], sig) != 0)
                s++;
            if (s < nsig)
                continue;
            snprintf(sigs[nsig++], sizeof sigs[0], "%s", sig);
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s-%" PRIu64, argv[1], base, i + 1);
            FILE *o = fopen(path, "wb");
            if (!o) {
                perror(path);
                return 1;
            }
            unsigned lt = fr.linktype == NMX_LINKTYPE_NONE ? 0x8000u | (fr.netmon_media & 0x7FFFu)
                                                           : fr.linktype & 0x7FFFu;
            uint8_t hdr[2] = { (uint8_t)(lt >> 8), (uint8_t)lt };
            if (fwrite(hdr, 1, 2, o) != 2 || fwrite(fr.data, 1, fr.caplen, o) != fr.caplen ||
                fclose(o) != 0) {
                perror(path);
                return 1;
            }
            written++;
        }
        nmx_capture_close(cap);
    }
    nmx_dissector_free(d);
    printf("dissect_seeds: %lu seeds in %s\n", written, argv[1]);
    return 0;
}
