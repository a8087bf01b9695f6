/*
 * nmexpert dissect / properties.
 *
 * dissect: each frame as Network Monitor's detail pane showed it: one
 * summary line per protocol ("+ IP: ID = 0x6B1F; Proto = TCP; Len: 115"),
 * then its properties indented by level, flag bits under their property;
 * or the same as JSON Lines (one object per frame). Frame numbers are
 * 1-based, as in Network Monitor's and tshark's displays.
 *
 * properties: the protocols and their properties, with types, as text or
 * as the Markdown of docs/properties.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"
#include "cli.h"

static void json_str(FILE *o, const char *s)
{
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(o, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(o, "\\u%04x", *p);
        else
            fputc(*p, o);
    }
    fputc('"', o);
}

static const char *status_name(nmx_layer_status s)
{
    switch (s) {
    case NMX_LAYER_TRUNCATED: return "truncated";
    case NMX_LAYER_MALFORMED: return "malformed";
    default: return "ok";
    }
}

static void text_frame(FILE *o, nmx_dissector *d, const nmx_frame *fr)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    char buf[1024];
    fprintf(o, "Frame %" PRIu64 ": %u bytes captured, %u on the wire\n", fr->number + 1,
            fr->caplen, fr->wirelen);
    for (unsigned li = 0; li < nmx_dissect_nlayers(d); li++) {
        const nmx_layer *l = nmx_dissect_layer(d, li);
        for (uint32_t k = 0; k < l->ninst; k++) {
            PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            nmx_dissect_text(d, pi, buf, sizeof buf);
            unsigned lvl = pi->Level;
            if (lvl == 0)
                fprintf(o, "+ %s: %s", l->name, buf);
            else
                fprintf(o, "%*s%s: %s", (int)(4 * lvl), "", l->name, buf);
            fputs(pi->IFlags & IFLAG_ERROR ? "  [malformed]\n" : "\n", o);
            unsigned nb = nmx_dissect_nbits(d, pi);
            for (unsigned b = 0; b < nb; b++) {
                nmx_dissect_bit_text(d, pi, b, buf, sizeof buf);
                fprintf(o, "%*s%s: %s\n", (int)(4 * (lvl + 1)), "", l->name, buf);
            }
        }
        if (l->status != NMX_LAYER_OK)
            fprintf(o, "    %s: [%s]\n", l->name,
                    l->status == NMX_LAYER_TRUNCATED ? "truncated: the capture ends inside this protocol"
                                                      : "malformed: a field contradicts the protocol");
    }
    fputc('\n', o);
}

static void json_frame(FILE *o, nmx_dissector *d, const nmx_frame *fr)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    char buf[1024];
    fprintf(o, "{\"frame\":%" PRIu64 ",\"caplen\":%u,\"wirelen\":%u,\"layers\":[", fr->number + 1,
            fr->caplen, fr->wirelen);
    for (unsigned li = 0; li < nmx_dissect_nlayers(d); li++) {
        const nmx_layer *l = nmx_dissect_layer(d, li);
        fprintf(o, "%s{\"protocol\":", li ? "," : "");
        json_str(o, l->name);
        fprintf(o, ",\"offset\":%u,\"caplen\":%u,\"length\":%u,\"status\":\"%s\",\"properties\":[",
                l->offset, l->caplen, l->length, status_name(l->status));
        for (uint32_t k = 0; k < l->ninst; k++) {
            PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            const uint8_t *at = (const uint8_t *)(pi->DataLength == PROPERTYINST_EX_LENGTH
                                                      ? pi->lpPropertyInstEx->lpData
                                                      : pi->lpData);
            fprintf(o, "%s{\"label\":", k ? "," : "");
            json_str(o, pi->lpPropertyInfo->Label);
            fprintf(o, ",\"level\":%u,\"offset\":%td,\"length\":%u", (unsigned)pi->Level,
                    at - fr->data, (unsigned)GetPropertyInstanceDataLength(pi));
            if (pi->IFlags & IFLAG_ERROR)
                fputs(",\"malformed\":true", o);
            nmx_dissect_text(d, pi, buf, sizeof buf);
            fputs(",\"text\":", o);
            json_str(o, buf);
            fputc('}', o);
        }
        fputs("]}", o);
    }
    fputs("]}\n", o);
}

static bool parse_range(const char *s, uint64_t *a, uint64_t *b)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10), y = x;
    if (errno || end == s || x == 0 || *s == '-')
        return false;
    if (*end == '-') {
        const char *t = end + 1;
        if (*t == '-' || *t == 0)
            return false;
        y = strtoull(t, &end, 10);
        if (errno || *end || y < x)
            return false;
    } else if (*end) {
        return false;
    }
    *a = x;
    *b = y;
    return true;
}

static int dissect_usage(FILE *o)
{
    fprintf(o, "usage: nmexpert dissect CAPTURE [--frame N | --frames A-B] [--format text|json]\n"
               "  Prints each frame as Network Monitor's detail pane showed it (frames are\n"
               "  numbered from 1), or one JSON object per frame.\n");
    return o == stderr ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

int cli_dissect(int argc, char **argv)
{
    static const struct option opts[] = {
        { "frame", required_argument, NULL, 'f' },  { "frames", required_argument, NULL, 'F' },
        { "format", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t first = 1, last = UINT64_MAX;
    bool json = false, asked = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc + 1, argv - 1, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
        case 'F':
            asked = true;
            if (!parse_range(optarg, &first, &last) || (c == 'f' && first != last)) {
                fprintf(stderr, "nmexpert dissect: --%s: '%s' is not a frame %s (frames are "
                        "numbered from 1)\n", c == 'f' ? "frame" : "frames", optarg,
                        c == 'f' ? "number" : "range A-B");
                return CLI_EXIT_USAGE;
            }
            break;
        case 'o':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") == 0)
                json = false;
            else {
                fprintf(stderr, "nmexpert dissect: --format: '%s' is not text or json\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'h':
            return dissect_usage(stdout);
        default:
            fprintf(stderr, "nmexpert dissect: unknown option '%s'\n", argv[optind - 2]);
            return dissect_usage(stderr);
        }
    }
    int rest = argc + 1 - optind;
    if (rest != 1)
        return dissect_usage(stderr);
    const char *path = argv[optind - 1];
    nmx_capture *cap;
    nmx_diag diag;
    /* Indexed only as far as the frames shown: `--frame 5` of a large file
     * answers at once, and a whole dissection reads the file once. */
    if (nmx_capture_open(path, NMX_CAPTURE_INCREMENTAL, &cap, &diag) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n", diag.msg);
        return 1;
    }
    if (asked && !nmx_capture_has_frame(cap, first - 1)) {
        fprintf(stderr, "nmexpert dissect: %s has %" PRIu64 " frames; there is no frame %" PRIu64
                "\n", path, nmx_capture_frame_count(cap), first);
        nmx_capture_close(cap);
        return CLI_EXIT_USAGE;
    }
    nmx_dissector *d = nmx_dissector_new();
    if (!d) {
        fprintf(stderr, "nmexpert: out of memory\n");
        nmx_capture_close(cap);
        return 1;
    }
    int rc = 0, werr = 0;
    int64_t prev_ts = 0;
    for (uint64_t i = first - 1; i < last; i++) {
        nmx_frame fr, pf;
        if (nmx_capture_frame(cap, i, &fr) != NMX_OK)
            break; /* past the last frame */
        prev_ts = fr.ts_ns;
        if (i > 0 && nmx_capture_frame(cap, i - 1, &pf) == NMX_OK)
            prev_ts = pf.ts_ns;
        if (nmx_dissect(d, &fr, prev_ts, NMX_DIS_ATTACH) != NMX_OK) {
            fprintf(stderr, "nmexpert: out of memory dissecting frame %" PRIu64 "\n", i + 1);
            rc = 1;
            break;
        }
        if (json)
            json_frame(stdout, d, &fr);
        else
            text_frame(stdout, d, &fr);
        if (ferror(stdout)) {
            werr = errno;
            break;
        }
    }
    nmx_dissector_free(d);
    nmx_capture_close(cap);
    errno = 0;
    if (fflush(stdout) != 0 && !werr)
        werr = errno;
    if (werr || ferror(stdout)) {
        /* A reader that went away (`| head`) is not an error: it has what it
         * wanted. Anything else (a full disk) is, once. */
        cli_stdout_error_reported();
        if (werr == EPIPE)
            return rc;
        fprintf(stderr, "nmexpert dissect: writing the output: %s\n",
                werr ? strerror(werr) : "write error");
        return 1;
    }
    return rc;
}

static const char *type_name(unsigned t)
{
    static const char *const names[] = {
        "VOID", "SUMMARY", "BYTE", "WORD", "DWORD", "LARGEINT", "ADDR", "TIME", "STRING",
        "IP_ADDRESS", "IPX_ADDRESS", "BYTESWAPPED_WORD", "BYTESWAPPED_DWORD", "TYPED_STRING",
        "RAW_DATA", "COMMENT", "SRCFRIENDLYNAME", "DSTFRIENDLYNAME", "TOKENRING_ADDRESS",
        "FDDI_ADDRESS", "ETHERNET_ADDRESS", "OBJECT_IDENTIFIER", "VINES_IP_ADDRESS",
        "VAR_LEN_SMALL_INT", "ATM_ADDRESS", "1394_ADDRESS", "IP6_ADDRESS",
    };
    return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static const char *qual_name(unsigned q)
{
    switch (q) {
    case PROP_QUAL_RANGE: return "range";
    case PROP_QUAL_SET: return "set";
    case PROP_QUAL_LABELED_SET: return "labeled set";
    case PROP_QUAL_CONST: return "constant";
    case PROP_QUAL_FLAGS: return "flags";
    case PROP_QUAL_ARRAY: return "array";
    default: return "";
    }
}

int cli_properties(int argc, char **argv)
{
    bool md = false;
    const char *only = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--markdown") == 0)
            md = true;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: nmexpert properties [PROTOCOL] [--markdown]\n"
                   "  Lists the protocols nmexpert recognises and the properties each attaches,\n"
                   "  with their Network Monitor types.\n");
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "nmexpert properties: unknown option '%s'\n", argv[i]);
            return CLI_EXIT_USAGE;
        } else if (!only)
            only = argv[i];
        else {
            fprintf(stderr, "nmexpert properties: one protocol at a time\n");
            return CLI_EXIT_USAGE;
        }
    }
    struct _PROTOCOL *want = NULL;
    if (only && !(want = nmx_protocol_find(only))) {
        fprintf(stderr, "nmexpert properties: no protocol named '%s' (nmexpert properties lists "
                "them)\n", only);
        return CLI_EXIT_USAGE;
    }
    for (unsigned i = 0; i < nmx_protocol_count(); i++) {
        struct _PROTOCOL *h = nmx_protocol_at(i);
        if (want && h != want)
            continue;
        if (md)
            printf("## %s\n\n%s\n\n| Label | Type | Qualifier |\n|---|---|---|\n",
                   nmx_protocol_name(h), nmx_protocol_comment(h));
        else
            printf("%-12s %s\n", nmx_protocol_name(h), nmx_protocol_comment(h));
        for (unsigned k = 0; k < nmx_property_count(h); k++) {
            PROPERTYINFO *pi = nmx_property_info(nmx_property_at(h, k));
            if (md)
                printf("| %s | %s | %s |\n", pi->Label, type_name(pi->DataType),
                       qual_name(pi->DataQualifier));
            else
                printf("    %-40s %s%s%s\n", pi->Label, type_name(pi->DataType),
                       pi->DataQualifier ? ", " : "", qual_name(pi->DataQualifier));
        }
        if (md)
            printf("\n");
    }
    return 0;
}
