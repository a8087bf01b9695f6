/*
 * capture_test_util.h: building capture files byte by byte for the tests.
 */
#ifndef NMX_CAPTURE_TEST_UTIL_H
#define NMX_CAPTURE_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmexpert/capture.h"

typedef struct tbuf {
    uint8_t *p;
    size_t   len, cap;
    bool     be;          /* byte order of the put functions */
} tbuf;

void   tb_init(tbuf *b, bool big_endian);
void   tb_free(tbuf *b);
void   tb_bytes(tbuf *b, const void *p, size_t n);
void   tb_zero(tbuf *b, size_t n);
void   tb_u8(tbuf *b, uint8_t v);
void   tb_u16(tbuf *b, uint16_t v);
void   tb_u32(tbuf *b, uint32_t v);
void   tb_u64(tbuf *b, uint64_t v);
void   tb_pad4(tbuf *b);
/* Overwrite a u32 (in the buffer's order) at off. */
void   tb_set_u32(tbuf *b, size_t off, uint32_t v);
void   tb_set_u32le(tbuf *b, size_t off, uint32_t v);

/* A pcap file header (version 2.4, snaplen 65535) in the buffer's byte
 * order: magic 0xa1b2c3d4 (microseconds), 0xa1b23c4d (nanoseconds) or a
 * variant's. */
void   tp_header(tbuf *b, uint32_t magic, uint32_t linktype);

/* pcapng helpers: blocks are opened with pn_begin and closed with pn_end,
 * which writes both lengths. */
size_t pn_begin(tbuf *b, uint32_t type);
void   pn_end(tbuf *b, size_t start);
void   pn_opt(tbuf *b, uint16_t code, const void *v, uint16_t len);
void   pn_shb(tbuf *b, const char *comment);
void   pn_idb(tbuf *b, uint16_t linktype, uint32_t snaplen, const char *name, int tsresol,
              int64_t tsoffset);
void   pn_epb(tbuf *b, uint32_t iface, uint64_t ts, const uint8_t *data, uint32_t caplen,
              uint32_t wirelen, const char *comment);

/* Deterministic test payload: byte i of frame k. */
uint8_t payload_byte(uint64_t frame, size_t i);
void    fill_payload(uint8_t *p, size_t n, uint64_t frame);

/* Open a capture over a buffer, asserting success; caller closes. */
nmx_capture *open_ok(const void *p, size_t n, unsigned flags);
/* Iterate all frames touching every byte; returns a checksum. */
uint64_t touch_all(const nmx_capture *cap);

#endif
