/*
 * dis_test.h: what the protocol tests of tests/dissect share: building
 * frames, dissecting them, looking at the layers and property instances,
 * and cutting a frame at every byte.
 *
 * One dissector serves the whole test program (dt_dis()); every run
 * dissects an exact-size heap copy of the captured bytes, so that the
 * ASan build reports any read past them.
 */
#ifndef NMX_DIS_TEST_H
#define NMX_DIS_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/dissect_int.h"
#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"
#include "nmx_test.h"

/* ---- building frames --------------------------------------------------- */

/* A frame being built: `dt_buf f = { .n = 0 };`. The bytes live in the
 * struct, so that a test can copy a frame by assignment and damage the
 * copy; a put beyond DT_BUF_CAP fails the test. */
#define DT_BUF_CAP 80000u   /* room for the IPv6 jumbogram of test_dissect_net */
typedef struct dt_buf {
    uint8_t b[DT_BUF_CAP];
    uint32_t n;
} dt_buf;

void dt_reset(dt_buf *f);                            /* n = 0 */
uint32_t dt_put(dt_buf *f, const void *p, size_t n); /* each put returns its offset */
uint32_t dt_u8(dt_buf *f, unsigned v);
uint32_t dt_be16(dt_buf *f, unsigned v);
uint32_t dt_be32(dt_buf *f, uint32_t v);
uint32_t dt_le16(dt_buf *f, unsigned v);
uint32_t dt_le32(dt_buf *f, uint32_t v);
uint32_t dt_fill(dt_buf *f, unsigned v, size_t n);
uint32_t dt_str(dt_buf *f, const char *s);        /* without its NUL */
uint32_t dt_ip4addr(dt_buf *f, const char *text); /* "192.0.2.1" */
uint32_t dt_ip6addr(dt_buf *f, const char *text); /* "2001:db8::1" */
void dt_set_be16(dt_buf *f, size_t at, unsigned v);
/* A big-endian length of `width` bytes at `at`: the bytes from at + width
 * to the end of the frame. */
void dt_patch_be(dt_buf *f, size_t at, unsigned width);

/* The same writes at a pointer into a fixed array. */
void dt_wbe16(uint8_t *p, unsigned v);
void dt_wbe32(uint8_t *p, uint32_t v);
void dt_wle16(uint8_t *p, unsigned v);
void dt_wle32(uint8_t *p, uint32_t v);

/* Headers. dt_eth: NULL addresses are the defaults below. dt_ip4: IHL 5,
 * identification 0x1234, TTL 64, checksum 0. dt_ip6: version 6 with
 * traffic class and flow label `tcfl` (class << 20 | flow); returns the
 * offset of its Payload Length. dt_udp: checksum 0. dt_tcp: 20 bytes,
 * flags PSH+ACK, window 8192 unless changed afterwards. */
extern const uint8_t dt_mac_a[6], dt_mac_b[6];
uint32_t dt_eth(dt_buf *f, const uint8_t *dst, const uint8_t *src, unsigned type);
uint32_t dt_ip4(dt_buf *f, unsigned total, unsigned proto, const char *src, const char *dst);
uint32_t dt_ip6(dt_buf *f, uint32_t tcfl, unsigned plen, unsigned nh, unsigned hlim,
                const char *src, const char *dst);
uint32_t dt_udp(dt_buf *f, unsigned sport, unsigned dport, unsigned len);
uint32_t dt_tcp(dt_buf *f, unsigned sport, unsigned dport, uint32_t seq, uint32_t ack);

/* Ethernet (00:01:02:03:04:05 <- 00:06:07:08:09:0a), IPv4 10.0.0.1 ->
 * `dst` and UDP (17) or TCP (6, sequence 1000, acknowledgment 2000) from
 * sport to dport around `pl`; the frame is f, from 0. */
void dt_ip_frame(dt_buf *f, unsigned proto, unsigned sport, unsigned dport, const void *pl,
                 size_t n, const char *dst);

/* Headers written at a pointer into a fixed array, returning their
 * length: Ethernet dt_mac_a <- dt_mac_b; IPv4 10.0.0.1 -> 10.0.0.2 and
 * IPv6 2001:db8::1 -> 2001:db8::2 (traffic class and flow 0, hop limit
 * 64), each declaring `plen` payload bytes. */
size_t dt_eth_at(uint8_t *p, unsigned type);
size_t dt_ip4_at(uint8_t *p, unsigned proto, unsigned plen);
size_t dt_ip6_at(uint8_t *p, unsigned nh, unsigned plen);
/* dt_ip_frame into out (of cap bytes), returning its length. */
size_t dt_ip_frame_at(uint8_t *out, size_t cap, unsigned proto, unsigned sport, unsigned dport,
                      const void *pl, size_t n, const char *dst);

/* ---- dissecting -------------------------------------------------------- */

/* Where a dissection starts: a frame of a link type (with a Network
 * Monitor media type for NMX_LINKTYPE_NONE), or (from != NULL) a
 * protocol's own bytes (nmx__dissect_from). */
typedef struct dt_src {
    uint32_t linktype;
    uint16_t media;
    const nmx_protocol *from;
} dt_src;

#define DT_LINK(lt) ((dt_src){ .linktype = (lt), .media = 0, .from = NULL })
#define DT_NM(m) ((dt_src){ .linktype = NMX_LINKTYPE_NONE, .media = (m), .from = NULL })
#define DT_FROM(p) ((dt_src){ .linktype = 0, .media = 0, .from = (p) })

nmx_dissector *dt_dis(void);
void dt_done(void);   /* frees the dissector and the copy */
/* Dissects `cap` captured bytes of b, of `wire` on the wire. */
void dt_run_src(dt_src src, const void *b, uint32_t cap, uint32_t wire, unsigned flags);
void dt_run(const void *b, uint32_t cap, uint32_t wire, uint32_t linktype, unsigned flags);
/* The whole of b as a frame of link type lt, with properties. */
void dt_dissect(const void *b, uint32_t len, uint32_t lt);
/* The bytes the last run read (instance data points into them), and how
 * many were captured. */
const uint8_t *dt_data(void);
uint32_t dt_caplen(void);

/* ---- looking at the result -------------------------------------------- */

const char *dt_chain(void);                                  /* "FRAME ETHERNET IP" */
unsigned dt_nlayers(void);
const nmx_layer *dt_layer_at(unsigned i);                    /* fails when none */
const nmx_layer *dt_top(void);                               /* the last layer */
const nmx_layer *dt_layer(const char *name, unsigned nth);   /* NULL when none */
const nmx_layer *dt_need_layer(const char *name, unsigned nth); /* fails when none */
unsigned dt_nlayers_named(const char *name);
nmx_layer_status dt_status(const char *name);                /* of the first such layer */
/* The nth instance labelled `label` in layer l (NULL when l is), or NULL. */
const PROPERTYINST *dt_inst(const nmx_layer *l, const char *label, unsigned nth);
const PROPERTYINST *dt_need_inst(const nmx_layer *l, const char *label, unsigned nth);
unsigned dt_ninst(const nmx_layer *l, const char *label);
/* The text of an instance (one buffer, overwritten by the next call). */
const char *dt_text(const PROPERTYINST *pi);
const char *dt_bit_text(const PROPERTYINST *pi, unsigned k);
/* Text and number of the nth `label` of the lnth layer `name`. */
const char *dt_ptext(const char *name, unsigned lnth, const char *label, unsigned nth);
uint64_t dt_num(const PROPERTYINST *pi);
uint64_t dt_pval(const char *name, unsigned lnth, const char *label, unsigned nth);
/* The bytes of a string instance, as a C string. */
const char *dt_str_of(const PROPERTYINST *pi);
/* Every layer with its status and instance texts, for a failing test's log. */
void dt_dump(void);

/* ---- cut at every byte ---------------------------------------------------- */

/*
 * dt_cut_everywhere dissects the whole frame, then its first `cut` bytes
 * for every cut below its length, in both modes (recognition alone, flags
 * 0, and NMX_DIS_ATTACH), and checks at every cut:
 *   - both modes give the same layers with the same statuses
 *     (docs/dissectors.md, "The driver");
 *   - the layers are the first layers of the whole frame, each within the
 *     cut (offset + caplen <= cut);
 *   - no layer is OK while the cut falls short of the end of its header
 *     (its last field before the payload, in the whole frame);
 *   - when every layer is OK, none of the whole frame's layers that start
 *     before the cut is missing;
 *   - every instance lies inside the captured bytes, and its text and bit
 *     texts can be made (the ASan build checks the reads).
 * Then, per the options:
 *   - name: that layer (the first of the name) is never OK below hdr_end
 *     (0: below the frame's length), is recognised at hdr_end - 1 (when
 *     hdr_end is given), and in the whole frame is OK, at hdr_start when
 *     hdr_start is not DT_ANY;
 *   - top_never_ok: the last layer is never OK at any cut;
 *   - check: called after every run of every cut, for a file's own checks.
 */
#define DT_ANY UINT32_MAX
typedef struct dt_cut_opts {
    const char *name;
    uint32_t hdr_start, hdr_end;
    bool top_never_ok;
    void (*check)(uint32_t cut, uint32_t len, bool attach);
} dt_cut_opts;

void dt_cut_everywhere(dt_src src, const void *b, uint32_t len, const dt_cut_opts *o);

#endif
