/*
 * fuzz_wire.c: libFuzzer harness for the wire decoder (nmexpert/sink.h).
 *
 * The input is a byte stream from an expert's process. The first byte picks
 * the chunk sizes the stream is fed in; the rest is fed to a decoder and
 * every message is taken out. Checked: every failure explains itself (code
 * NMX_ECORRUPT, a message, an offset inside the stream); every decoded
 * message encodes again and decodes to the same message (the format has one
 * encoding per message).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_equal.h" /* tests/support: one definition of event equality */
#include "nmexpert/sink.h"

static volatile uint64_t nmx_fuzz_sink;

static void check_round_trip(const nmx_wire_msg *m)
{
    uint8_t *buf;
    size_t len;
    if (nmx_wire_encode(m, &buf, &len) != NMX_OK)
        abort();
    nmx_wire_decoder *d;
    if (nmx_wire_decoder_new(&d) != NMX_OK)
        abort();
    nmx_wire_msg again;
    nmx_diag dg;
    if (nmx_wire_feed(d, buf, len) != NMX_OK || nmx_wire_next(d, &again, &dg) != NMX_OK ||
        nmx_wire_pending(d) != 0 || again.type != m->type)
        abort();
    int same = 1;
    switch (m->type) {
    case NMX_WIRE_EVENT: same = evt_equal_mode(m->u.event, again.u.event, EVT_CMP_BITS); break;
    case NMX_WIRE_STATUS: same = !memcmp(&m->u.status, &again.u.status, sizeof m->u.status); break;
    case NMX_WIRE_MEMSTATS: same = !memcmp(&m->u.mem, &again.u.mem, sizeof m->u.mem); break;
    case NMX_WIRE_LOG:
        same = m->u.log.level == again.u.log.level && !strcmp(m->u.log.text, again.u.log.text);
        break;
    case NMX_WIRE_RESULT: same = !memcmp(&m->u.result, &again.u.result, sizeof m->u.result); break;
    }
    if (!same)
        abort();
    nmx_wire_msg_clear(&again);
    nmx_wire_decoder_free(d);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = data[0] ? data[0] : size; /* 0: everything at once */
    data++;
    size--;
    nmx_wire_decoder *d;
    if (nmx_wire_decoder_new(&d) != NMX_OK)
        return 0;
    uint64_t sum = 0;
    int failed = 0;
    for (size_t off = 0; off < size && !failed;) {
        size_t n = size - off < chunk ? size - off : chunk;
        /* an exact-size copy, so that a read past the chunk is caught */
        uint8_t *piece = malloc(n);
        if (!piece)
            break;
        memcpy(piece, data + off, n);
        nmx_err fe = nmx_wire_feed(d, piece, n);
        free(piece);
        if (fe != NMX_OK)
            abort(); /* drained before each feed: never over the limit */
        off += n;
        nmx_wire_msg m;
        nmx_diag dg;
        nmx_err e;
        while ((e = nmx_wire_next(d, &m, &dg)) == NMX_OK) {
            check_round_trip(&m);
            sum += (uint64_t)m.type;
            nmx_wire_msg_clear(&m);
        }
        if (e != NMX_ENOTFOUND) {
            if (e != NMX_ECORRUPT || dg.code != NMX_ECORRUPT || !dg.msg[0] || dg.offset > size)
                abort(); /* every failure must explain itself */
            failed = 1;
        }
    }
    nmx_diag dg;
    nmx_err fin = nmx_wire_finish(d, &dg);
    if (fin != NMX_OK && (!dg.msg[0] || (fin != NMX_ETRUNCATED && fin != NMX_ECORRUPT)))
        abort();
    nmx_fuzz_sink = sum + nmx_wire_consumed(d);
    nmx_wire_decoder_free(d);
    return 0;
}
