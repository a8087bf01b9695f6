/*
 * probe.c: find the reader for an input from its first bytes, and refuse
 * formats we know but do not read with a message naming them.
 */
#include <stdio.h>
#include <string.h>

#include "capture/internal.h"

static const nmx_reader *const nmx_readers[] = {
    &nmx_reader_pcap,
    &nmx_reader_pcapng,
    &nmx_reader_netmon,
};

typedef struct nmx_foreign {
    const char *magic;
    size_t      len;
    const char *what;
} nmx_foreign;

/* Known formats we refuse, by signature at offset 0. */
static const nmx_foreign nmx_foreign_formats[] = {
    { "\x28\xb5\x2f\xfd", 4, "zstd-compressed file; decompress it first" },
    { "\x1f\x8b", 2, "gzip-compressed file; decompress it first" },
    { "BZh", 3, "bzip2-compressed file; decompress it first" },
    { "\xfd" "7zXZ\x00", 6, "xz-compressed file; decompress it first" },
    { "\x04\x22\x4d\x18", 4, "lz4-compressed file; decompress it first" },
    { "PK\x03\x04", 4, "zip archive; extract the capture first" },
    { "snoop\0\0\0", 8, "Solaris snoop capture: not supported (convert it to pcap or pcapng)" },
    { "XCP\0", 4, "NetXRay / Sniffer capture: not supported" },
    { "TRSNIFF data    \x1a", 17, "Sniffer (DOS) capture: not supported" },
    { "\x7f" "ELF", 4, "ELF executable, not a capture file" },
};

nmx_err nmx_capture_probe(nmx_capture *cap, nmx_diag *diag)
{
    const uint8_t *b = cap->src.base;
    uint64_t size = cap->src.size;
    if (size == 0)
        return nmx_cap_diag(cap, diag, NMX_EFORMAT, UINT64_MAX, 0, 0, "empty file");
    for (size_t i = 0; i < sizeof nmx_readers / sizeof nmx_readers[0]; i++) {
        nmx_probe_result r = nmx_readers[i]->probe(cap, diag);
        if (r == NMX_PROBE_ERROR)
            return diag ? diag->code : NMX_EFORMAT;
        if (r == NMX_PROBE_MINE) {
            cap->reader = nmx_readers[i];
            return NMX_OK;
        }
    }
    for (size_t i = 0; i < sizeof nmx_foreign_formats / sizeof nmx_foreign_formats[0]; i++) {
        const nmx_foreign *f = &nmx_foreign_formats[i];
        if (size >= f->len && memcmp(b, f->magic, f->len) == 0)
            return nmx_cap_diag(cap, diag, NMX_EFORMAT, 0, 0, 0, "%s", f->what);
    }
    char hex[3 * 8 + 1] = "";
    size_t n = size < 8 ? (size_t)size : 8, used = 0;
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(hex + used, sizeof hex - used, "%s%02x", i ? " " : "", b[i]);
    return nmx_cap_diag(cap, diag, NMX_EFORMAT, 0, 0, 0,
                        "unknown file format (first bytes %s); pcap, pcapng and Network "
                        "Monitor .cap are read",
                        hex);
}
