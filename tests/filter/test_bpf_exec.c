/*
 * test_bpf_exec.c: the BPF executor (src/filter/bpf_exec.c) against
 * libpcap, which compiles the programs and is the oracle.
 *
 *  - differential: about a hundred filter expressions, compiled by
 *    pcap_compile for each link type met, run by pcap_offline_filter and by
 *    nmx__bpf_run on every frame of a generated sample capture (the CLI's
 *    `nmexpert sample`), of frames generated here (VLAN, QinQ, MPLS, PPPoE,
 *    IPv4 with options and fragments, IPv6 with extension headers, TCP, UDP,
 *    ICMP, ICMPv6, ARP, random bytes), and of every capture under
 *    $NMX_SHARED_CAPTURES (skipped, saying so, when absent); each frame
 *    also cut short at many captured lengths (wire length unchanged), in a
 *    buffer of exactly that size so that ASan sees any read past it. The
 *    values must be equal, not only their truth.
 *  - the public path: nmx_filter_bpf + nmx_filter_match give libpcap's
 *    answer (with NMX_BPF=libpcap in the environment too: a second CTest
 *    entry), and nmx_filter_bpf_engine names the executor that runs.
 *  - the check: the programs bpf_validate() refuses are refused, for every
 *    16-bit opcode with several operands, jump offsets and positions; the
 *    ones it accepts are run or handed back (an opcode bpf_filter() has no
 *    case for, a backward jump, a constant shift >= 32).
 *  - hand-written programs for the corner cases (shifts, division and
 *    modulo by zero, indexed loads whose offset wraps, 4*([k]&0xf) at the
 *    last byte, scratch memory, RET A's value), with the values expected.
 */
#include <pcap/pcap.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "filter/bpf_exec.h"
#include "filter/filter_int.h"
#include "nmexpert/capture.h"
#include "nmexpert/filter.h"
#include "bpf_both.h"
#include "nmx_test.h"
#include "shared_captures.h"

static const char *const EXPRS[] = {
    "tcp port 80", "udp port 53", "port 443", "tcp", "udp", "icmp", "arp", "rarp", "ip", "ip6",
    "host 10.0.0.1", "src host 192.168.1.10", "dst host 172.16.0.5", "dst net 10.0.0.0/8",
    "net 192.168.0.0/16", "src net 172.16.0.0 mask 255.240.0.0",
    "ether host 00:11:22:33:44:55", "ether src 00:00:00:00:00:00", "ether broadcast",
    "ether multicast", "ether proto 0x0806", "ip multicast", "ip6 multicast",
    "len > 100", "greater 200", "less 64", "len >= 60 and len <= 1514", "len = 60",
    "ip[0] & 0xf != 5", "ip[2:2] > 576", "ip[6:2] & 0x3fff != 0", "ip[8] * 2 + 1 > 100",
    "ip[9] / 3 == 2", "ip[9] % 4 = 2", "ip[1] | 0x10 == 0x10", "ip[0] ^ 0x45 == 0",
    "ip[12:4] - ip[16:4] > 0", "ip[0] << 2 == 0x114", "ip[0] >> 4 == 4",
    "ip[2:2] / ip[9] > 10", "ip[2:2] % ip[9] = 0", "ip[2:2] / (ip[9] & 0xf) > 10",
    "ip[2:2] % (ip[9] + 1) = 0", "ip[2:2] << (ip[0] & 3) > 1000", "ip[2:2] >> (ip[8] & 63) = 0",
    "ip[2:2] * ip[8] > 5000", "ip[2:2] - ip[8] > 5000", "ip[0] = 0 or -ip[8] & 0xff > 128",
    "ip[8] & ip[9] != 0", "ip[8] | ip[9] > 100", "ip[8] ^ ip[9] > 100", "ip[8] + ip[9] > 100",
    "ip[8] > ip[9]", "ip[8] >= ip[9]", "ip[8] = ip[9]", "ip[8] & ip[9] = ip[1]",
    "len - 14 = ip[2:2]", "ether[12:2] = 0x0800", "ether[0] & 1 = 1", "ether[6:4] = 0",
    "ether[len - 4:4] = 0", "ip[ip[0] & 0xf] = 0", "vlan", "vlan 100", "vlan and ip",
    "vlan and tcp port 80", "vlan and vlan", "mpls", "pppoes", "pppoed", "ip6 and tcp",
    "ip6 and udp port 53", "icmp6", "ip6 host fe80::1", "ip6 net 2001:db8::/32",
    "icmp[icmptype] == icmp-echo",
    "icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply", "icmp[icmpcode] = 3",
    "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)",
    "tcp[tcpflags] & tcp-push != 0", "tcp[13] & 7 != 0",
    "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420", "udp[8:4] = 0", "tcp[0:4] & 0xffff = 80",
    "tcp[2:2] > 1023 and tcp[2:2] < 2048", "not tcp", "not port 22 and not arp", "tcp or udp",
    "tcp port 80 or udp port 53", "portrange 1000-2000", "tcp portrange 6000-7000",
    "udp dst portrange 1-1023", "src port 53 or dst port 53", "ip proto 47", "ip proto \\tcp",
    "ip and ip[6] & 0x20 = 0x20", "ip6[6] = 58", "ip[0] & 0xf > 5", "geneve", "sctp", "igmp",
    "decnet", "stp",
    "tcp dst port 80 and (ip[2:2] - ((ip[0]&0xf)<<2) - ((tcp[12]&0xf0)>>2)) != 0",
    "ip6[40] = 128 or ip6[40] = 129",
    /* loops (backward jumps): libpcap runs them */
    "ip6 protochain 6", "ip protochain 17",
};
#define NEXPR (sizeof EXPRS / sizeof EXPRS[0])

/* ---- programs per link type -------------------------------------------------- */

typedef struct progs {
    uint32_t linktype;
    bool ok[NEXPR];
    struct bpf_program bpf[NEXPR];
    nmx__bpf_code *code[NEXPR];
} progs;

#define MAX_LINKTYPES 32
static progs cache[MAX_LINKTYPES];
static size_t ncache;
static uint64_t n_runs, n_frames, n_matches;

/* Copies a pcap program into the executor's instruction type. */
static nmx__bpf_check translate(const struct bpf_program *b, nmx__bpf_code **out)
{
    nmx__bpf_insn *in = calloc(b->bf_len ? b->bf_len : 1, sizeof *in);
    assert_non_null(in);
    nmx_test_bpf_insns(b->bf_insns, b->bf_len, in);
    nmx__bpf_check r = nmx__bpf_code_new(in, b->bf_len, out);
    free(in);
    return r;
}

static progs *progs_for(uint32_t linktype)
{
    for (size_t i = 0; i < ncache; i++)
        if (cache[i].linktype == linktype)
            return &cache[i];
    assert_true(ncache < MAX_LINKTYPES);
    progs *p = &cache[ncache++];
    memset(p, 0, sizeof *p);
    p->linktype = linktype;
    pcap_t *h = pcap_open_dead(nmx__bpf_dlt(linktype), 262144);
    if (!h)
        return p;
    for (size_t e = 0; e < NEXPR; e++) {
        p->ok[e] = pcap_compile(h, &p->bpf[e], EXPRS[e], 1, PCAP_NETMASK_UNKNOWN) == 0;
        if (linktype == 1 && !p->ok[e])
            fail_msg("'%s' does not compile for Ethernet: %s", EXPRS[e], pcap_geterr(h));
        if (!p->ok[e])
            continue;
        nmx__bpf_check r = translate(&p->bpf[e], &p->code[e]);
        if (strstr(EXPRS[e], "protochain")) {
            /* a loop: handed back to libpcap */
            if (r != NMX__BPF_UNSUPPORTED_BACKWARD)
                fail_msg("'%s' (link type %u): %s", EXPRS[e], linktype, nmx__bpf_check_text(r));
        } else if (r != NMX__BPF_CHECK_OK) {
            fail_msg("'%s' (link type %u) refused: %s", EXPRS[e], linktype,
                     nmx__bpf_check_text(r));
        }
    }
    pcap_close(h);
    return p;
}

static void progs_free_all(void)
{
    for (size_t i = 0; i < ncache; i++)
        for (size_t e = 0; e < NEXPR; e++)
            if (cache[i].ok[e]) {
                pcap_freecode(&cache[i].bpf[e]);
                nmx__bpf_code_free(cache[i].code[e]);
            }
    ncache = 0;
}

/* ---- one frame, cut at several lengths ---------------------------------------- */

static const char *frame_src = "";

/* Runs every program on the first `caplen` bytes of data, copied to a
 * buffer of exactly that size. */
static void compare_cut(const progs *p, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                        uint64_t number)
{
    uint8_t *buf = malloc(caplen ? caplen : 1);
    assert_non_null(buf);
    if (caplen)
        memcpy(buf, data, caplen);
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.caplen = caplen;
    h.len = wirelen;
    for (size_t e = 0; e < NEXPR; e++) {
        if (!p->ok[e] || !p->code[e])
            continue;
        uint32_t want = (uint32_t)pcap_offline_filter(&p->bpf[e], &h, buf);
        uint32_t got = nmx__bpf_run(p->code[e], buf, caplen, wirelen);
        n_runs++;
        n_matches += want != 0;
        if (want != got)
            fail_msg("%s frame %llu (link type %u, caplen %u, wirelen %u): '%s': libpcap %u, "
                     "executor %u",
                     frame_src, (unsigned long long)number, p->linktype, caplen, wirelen,
                     EXPRS[e], want, got);
    }
    free(buf);
}

/* All captured lengths up to 70 and a few more (many=true), or a handful. */
static void compare_frame(uint32_t linktype, const uint8_t *data, uint32_t caplen,
                          uint32_t wirelen, uint64_t number, bool many)
{
    const progs *p = progs_for(linktype);
    n_frames++;
    compare_cut(p, data, caplen, wirelen, number);
    if (many) {
        for (uint32_t c = 0; c < caplen && c <= 70; c++)
            compare_cut(p, data, c, wirelen, number);
        if (caplen > 71) {
            compare_cut(p, data, caplen - 1, wirelen, number);
            compare_cut(p, data, caplen / 2, wirelen, number);
        }
    } else {
        static const uint32_t cuts[] = { 0, 13, 14, 17, 23, 34, 40, 54, 55, 57 };
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
            if (cuts[i] < caplen)
                compare_cut(p, data, cuts[i], wirelen, number);
        if (caplen > 0)
            compare_cut(p, data, caplen - 1, wirelen, number);
    }
}

static void compare_capture(const char *path, bool many)
{
    nmx_capture *cap = NULL;
    nmx_diag d;
    if (nmx_capture_open(path, 0, &cap, &d) != NMX_OK)
        return; /* the damaged captures some folders hold */
    frame_src = path;
    uint64_t n = nmx_capture_frame_count(cap);
    for (uint64_t i = 0; i < n; i++) {
        nmx_frame f;
        if (nmx_capture_frame(cap, i, &f) != NMX_OK || f.linktype == NMX_LINKTYPE_NONE)
            continue;
        compare_frame(f.linktype, f.data, f.caplen, f.wirelen, i, many);
    }
    nmx_capture_close(cap);
}

/* ---- frames generated here ------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static uint32_t pick(const uint32_t *v, size_t n)
{
    return v[rnd() % n];
}
#define PICK(arr) pick(arr, sizeof arr / sizeof arr[0])

typedef struct fb {
    uint8_t b[1600];
    size_t n;
} fb;
static void put8(fb *f, uint32_t v)
{
    if (f->n < sizeof f->b)
        f->b[f->n++] = (uint8_t)v;
}
static void put16(fb *f, uint32_t v)
{
    put8(f, v >> 8);
    put8(f, v);
}
static void put32(fb *f, uint32_t v)
{
    put16(f, v >> 16);
    put16(f, v);
}

static const uint32_t PORTS[] = { 80, 443, 22, 53, 1500, 6500, 0, 6081, 65535, 1023 };

static void gen_l4(fb *f, uint32_t proto, bool v6)
{
    if (proto == 6) {
        put16(f, rnd() % 3 ? PICK(PORTS) : rnd() & 0xffff);
        put16(f, rnd() % 3 ? PICK(PORTS) : rnd() & 0xffff);
        put32(f, rnd());
        put32(f, rnd());
        uint32_t off = 5 + (rnd() % 4 ? 0 : rnd() % 11);
        put8(f, off << 4);
        put8(f, rnd() & 0xff);
        put16(f, rnd() & 0xffff);
        put32(f, 0);
        for (uint32_t i = 5; i < off; i++)
            put32(f, 0x01010101);
        if (rnd() % 3 == 0)
            for (const char *s = "GET / HTTP/1.1\r\n"; *s; s++)
                put8(f, (uint8_t)*s);
    } else if (proto == 17) {
        put16(f, rnd() % 3 ? PICK(PORTS) : rnd() & 0xffff);
        put16(f, rnd() % 3 ? PICK(PORTS) : rnd() & 0xffff);
        put16(f, 8 + rnd() % 64);
        put16(f, 0);
        if (rnd() % 2)
            put32(f, rnd() % 2 ? 0 : rnd());
    } else if (proto == 1 || proto == 58) {
        static const uint32_t t4[] = { 0, 8, 3, 11, 5 }, t6[] = { 128, 129, 135, 136, 1 };
        put8(f, v6 ? PICK(t6) : PICK(t4));
        put8(f, rnd() % 4);
        put16(f, 0);
        put32(f, rnd());
    }
    uint32_t extra = rnd() % 40;
    for (uint32_t i = 0; i < extra; i++)
        put8(f, rnd() % 4 ? 0 : rnd());
}

static void gen_ip4(fb *f)
{
    static const uint32_t addrs[] = { 0x0a000001, 0xc0a8010a, 0xac100005, 0xe0000001,
                                      0x08080808, 0xffffffff, 0x0a0a0a0a, 0xac1f0001 };
    static const uint32_t protos[] = { 6, 6, 6, 17, 17, 1, 47, 2, 132, 41 };
    uint32_t ihl = rnd() % 4 ? 5 : 5 + rnd() % 11;
    put8(f, (rnd() % 8 ? 0x40 : rnd() & 0xf0) | ihl);
    put8(f, rnd() % 2 ? 0 : rnd() & 0xff);
    put16(f, rnd() % 2 ? 40 + rnd() % 1400 : rnd() & 0xffff);
    put16(f, rnd() & 0xffff);
    put16(f, rnd() % 4 ? 0x4000 : rnd() % 2 ? 0x2000 : rnd() & 0x3fff);
    put8(f, rnd() % 256);
    uint32_t proto = rnd() % 8 ? PICK(protos) : rnd() & 0xff;
    put8(f, proto);
    put16(f, 0);
    put32(f, rnd() % 4 ? PICK(addrs) : rnd());
    put32(f, rnd() % 4 ? PICK(addrs) : rnd());
    for (uint32_t i = 5; i < ihl; i++)
        put32(f, 0x01010101);
    gen_l4(f, proto, false);
}

static void gen_ip6(fb *f)
{
    static const uint32_t nh[] = { 6, 6, 17, 58, 0, 44, 43, 60, 132 };
    put32(f, 0x60000000u | (rnd() & 0xfffff));
    put16(f, rnd() % 1400);
    uint32_t next = rnd() % 8 ? PICK(nh) : rnd() & 0xff;
    put8(f, next);
    put8(f, 64);
    for (int a = 0; a < 2; a++) {
        switch (rnd() % 4) {
        case 0: put32(f, 0xfe800000); put32(f, 0); put32(f, 0); put32(f, 1); break;
        case 1: put32(f, 0x20010db8); put32(f, rnd()); put32(f, 0); put32(f, 1); break;
        case 2: put32(f, 0xff020000); put32(f, 0); put32(f, 0); put32(f, 1); break;
        default: put32(f, rnd()); put32(f, rnd()); put32(f, rnd()); put32(f, rnd()); break;
        }
    }
    int hops = 0;
    while ((next == 0 || next == 44 || next == 43 || next == 60) && hops++ < 3) {
        uint32_t n2 = PICK(nh);
        put8(f, n2);
        put8(f, next == 44 ? 0 : rnd() % 2);
        uint32_t len = next == 44 ? 8u : 8u * (1u + f->b[f->n - 1]);
        for (uint32_t i = 2; i < len; i++)
            put8(f, next == 44 && i == 3 ? rnd() % 2 : 0);
        next = n2;
    }
    gen_l4(f, next, true);
}

static void gen_frame(fb *f)
{
    static const uint8_t macs[4][6] = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
                                        { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
                                        { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 },
                                        { 0, 0, 0, 0, 0, 0 } };
    f->n = 0;
    for (int m = 0; m < 2; m++) {
        uint32_t s = rnd() % 6;
        for (int i = 0; i < 6; i++)
            put8(f, s < 4 ? macs[s][i] : rnd());
    }
    switch (rnd() % 10) {
    case 0: /* 802.1Q */
        put16(f, 0x8100);
        put16(f, rnd() % 2 ? 100 : rnd() & 0xffff);
        break;
    case 1: /* QinQ */
        put16(f, 0x88a8);
        put16(f, rnd() & 0xfff);
        put16(f, 0x8100);
        put16(f, rnd() % 2 ? 100 : rnd() & 0xfff);
        break;
    case 2: /* MPLS, then IPv4 */
        put16(f, 0x8847);
        put32(f, (rnd() & 0xfffff) << 12 | 0x100 | 64);
        gen_ip4(f);
        return;
    case 3: /* PPPoE session */
        put16(f, 0x8864);
        put8(f, 0x11);
        put8(f, 0);
        put16(f, rnd() & 0xffff);
        put16(f, 100);
        if (rnd() % 2) {
            put16(f, 0x0021);
            gen_ip4(f);
        } else {
            put16(f, 0x0057);
            gen_ip6(f);
        }
        return;
    default:
        break;
    }
    static const uint32_t types[] = { 0x0800, 0x0800, 0x0800, 0x86dd, 0x86dd, 0x0806,
                                      0x8035, 0x8863, 0x6003, 0x0042 };
    uint32_t et = rnd() % 10 ? PICK(types) : rnd() & 0xffff;
    if (et == 0x0042) { /* 802.3 length + LLC (STP) */
        put16(f, 38);
        put8(f, 0x42);
        put8(f, 0x42);
        put8(f, 3);
    } else {
        put16(f, et);
    }
    if (et == 0x0800)
        gen_ip4(f);
    else if (et == 0x86dd)
        gen_ip6(f);
    else
        for (uint32_t i = 0, n = rnd() % 64; i < n; i++)
            put8(f, rnd());
}

/* ---- the tests -------------------------------------------------------------------- */

static void test_generated_frames(void **state)
{
    (void)state;
    fb f;
    for (uint64_t i = 0; i < 4000; i++) {
        gen_frame(&f);
        if (i % 4 == 0) /* damaged: a few bytes changed anywhere */
            for (uint32_t k = 0, n = 1 + rnd() % 4; k < n && f.n; k++)
                f.b[rnd() % f.n] = (uint8_t)rnd();
        uint32_t wire = (uint32_t)f.n + (rnd() % 3 ? 0 : rnd() % 2000);
        frame_src = "generated";
        compare_frame(1, f.b, (uint32_t)f.n, wire, i, true);
    }
    print_message("generated: %llu frames, %llu runs, %llu matches\n",
                  (unsigned long long)n_frames, (unsigned long long)n_runs,
                  (unsigned long long)n_matches);
    assert_true(n_matches > n_runs / 50); /* the expressions do match */
}

static void test_sample_capture(void **state)
{
    (void)state;
    char dir[] = "/tmp/nmx-bpf-sample-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], cmd[4096];
    snprintf(path, sizeof path, "%s/sample.pcap", dir);
    snprintf(cmd, sizeof cmd, "'%s' sample '%s' --seed 7 --frames 3000 >/dev/null", NMX_CLI, path);
    assert_int_equal(system(cmd), 0);
    uint64_t before = n_frames;
    compare_capture(path, true);
    assert_true(n_frames - before >= 3000);

    /* The public path: nmx_filter_bpf + nmx_filter_match, whichever engine
     * the environment chose, give libpcap's answer. */
    nmx_capture *cap = NULL;
    nmx_diag d;
    assert_int_equal(nmx_capture_open(path, 0, &cap, &d), NMX_OK);
    const progs *p = progs_for(1);
    for (size_t e = 0; e < NEXPR; e++) {
        nmx_filter *flt = NULL;
        assert_int_equal(nmx_filter_bpf(EXPRS[e], &flt, &d), NMX_OK);
        uint64_t n = nmx_capture_frame_count(cap);
        for (uint64_t i = 0; i < n; i++) {
            nmx_frame fr;
            assert_int_equal(nmx_capture_frame(cap, i, &fr), NMX_OK);
            struct pcap_pkthdr h;
            memset(&h, 0, sizeof h);
            h.caplen = fr.caplen;
            h.len = fr.wirelen;
            bool want = pcap_offline_filter(&p->bpf[e], &h, fr.data) != 0;
            if (nmx_filter_match(flt, &fr) != want)
                fail_msg("nmx_filter_match '%s' frame %llu: libpcap %d", EXPRS[e],
                         (unsigned long long)i, want);
        }
        nmx_filter_free(flt);
    }
    nmx_capture_close(cap);
    unlink(path);
    rmdir(dir);

    const char *engine = nmx_filter_bpf_engine();
    assert_non_null(engine);
    const char *env = getenv("NMX_BPF");
    bool forced = env && strcmp(env, "libpcap") == 0;
    print_message("engine: %s\n", engine);
    assert_true(strstr(engine, "libpcap version") != NULL);
    assert_true((strstr(engine, "executor") != NULL) == !forced);
}

static void walk_dir(const char *dir, int depth)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return;
    struct dirent *de;
    while ((de = readdir(dh)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 3)
            walk_dir(path, depth + 1);
        else if (S_ISREG(st.st_mode) && !strstr(de->d_name, ".md") && !strstr(de->d_name, ".zst"))
            compare_capture(path, false);
    }
    closedir(dh);
}

static void test_shared_captures(void **state)
{
    (void)state;
    const char *dir = nmx_test_captures_dir();
    if (!dir) {
        print_message("SKIP: no shared captures (NMX_SHARED_CAPTURES=%s)\n",
                      getenv("NMX_SHARED_CAPTURES") ? getenv("NMX_SHARED_CAPTURES") : "");
        skip();
    }
    uint64_t before = n_frames, runs = n_runs;
    walk_dir(dir, 0);
    print_message("shared captures: %llu frames, %llu runs, %zu link types\n",
                  (unsigned long long)(n_frames - before), (unsigned long long)(n_runs - runs),
                  ncache);
    assert_true(n_frames > before);
}

/* ---- the check ------------------------------------------------------------------ */

/* libpcap's instructions as the executor takes them (at most `max`). */
static void to_insns(const struct bpf_insn *p, size_t n, nmx__bpf_insn *in, size_t max)
{
    assert_true(n <= max);
    nmx_test_bpf_insns(p, n, in);
}

static nmx__bpf_check check(const struct bpf_insn *p, size_t n)
{
    nmx__bpf_insn in[8];
    to_insns(p, n, in, 8);
    nmx__bpf_code *c = NULL;
    nmx__bpf_check r = nmx__bpf_code_new(in, n, &c);
    assert_true((r == NMX__BPF_CHECK_OK) == (c != NULL));
    nmx__bpf_code_free(c);
    return r;
}

static void test_check_refuses(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        struct bpf_insn p[3];
        size_t n;
        nmx__bpf_check want;
    } cases[] = {
        { "no instruction", { BPF_STMT(BPF_RET | BPF_K, 1) }, 0, NMX__BPF_BAD_EMPTY },
        { "no return", { BPF_STMT(BPF_LD | BPF_IMM, 1) }, 1, NMX__BPF_BAD_LAST },
        { "ends in a jump", { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0) }, 1,
          NMX__BPF_BAD_JUMP },
        { "ld M[16]", { BPF_STMT(BPF_LD | BPF_MEM, 16), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_MEM },
        { "ldx M[1000]", { BPF_STMT(BPF_LDX | BPF_MEM, 1000), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_MEM },
        { "st M[16]", { BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_MEM },
        { "stx M[-1]", { BPF_STMT(BPF_STX, 0xffffffffu), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_MEM },
        { "div #0", { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_DIV_ZERO },
        { "mod #0", { BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_DIV_ZERO },
        { "jeq past the end",
          { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_JUMP },
        { "jset false past the end",
          { BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 2), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_JUMP },
        { "ja past the end", { BPF_STMT(BPF_JMP | BPF_JA, 1), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_JUMP },
        { "ja wrapping past the end",
          { BPF_STMT(BPF_JMP | BPF_JA, 0xfffffffeu), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_JUMP },
        { "ld mode 0xc0", { BPF_STMT(BPF_LD | 0xc0, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_OPCODE },
        { "alu op 0xb0", { BPF_STMT(BPF_ALU | 0xb0, 1), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_OPCODE },
        { "jmp op 0x50", { BPF_JUMP(BPF_JMP | 0x50, 0, 0, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_BAD_OPCODE },
        /* accepted by bpf_validate, handed back to libpcap */
        { "ja backwards (a loop)",
          { BPF_STMT(BPF_RET | BPF_A, 0), BPF_STMT(BPF_JMP | BPF_JA, 0xfffffffeu),
            BPF_STMT(BPF_RET | BPF_A, 0) }, 3, NMX__BPF_UNSUPPORTED_BACKWARD },
        { "lsh #32", { BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_UNSUPPORTED_SHIFT },
        { "rsh #-1",
          { BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 0xffffffffu), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_UNSUPPORTED_SHIFT },
        { "ldh #1 (no such load)", { BPF_STMT(BPF_LD | BPF_H | BPF_IMM, 1),
                                     BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_UNSUPPORTED_OPCODE },
        { "ret x", { BPF_STMT(BPF_RET | BPF_X, 0) }, 1, NMX__BPF_UNSUPPORTED_OPCODE },
        { "neg x", { BPF_STMT(BPF_ALU | BPF_NEG | BPF_X, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_UNSUPPORTED_OPCODE },
        { "ldx [k] (no such load)", { BPF_STMT(BPF_LDX | BPF_W | BPF_ABS, 1),
                                      BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          NMX__BPF_UNSUPPORTED_OPCODE },
        { "a refusal after a hand-back",
          { BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 40), BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
            BPF_STMT(BPF_RET | BPF_A, 0) }, 3, NMX__BPF_BAD_DIV_ZERO },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nmx__bpf_check r = check(cases[i].p, cases[i].n);
        if (r != cases[i].want)
            fail_msg("%s: %s, expected %s", cases[i].what, nmx__bpf_check_text(r),
                     nmx__bpf_check_text(cases[i].want));
        /* libpcap's own check agrees on refusal */
        int v = cases[i].n ? bpf_validate(cases[i].p, (int)cases[i].n) : 0;
        if ((v != 0) == nmx_test_bpf_refused_hard(r))
            fail_msg("%s: bpf_validate says %d, the check %s", cases[i].what, v,
                     nmx__bpf_check_text(r));
    }
}

/* Every 16-bit opcode, several operands and jump offsets, the instruction
 * first of three or alone: refused exactly when bpf_validate refuses. */
static void test_check_all_opcodes(void **state)
{
    (void)state;
    static const uint32_t ks[] = { 0, 1, 2, 15, 16, 31, 32, 0xfffffffeu, 0xffffffffu };
    static const uint8_t js[][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 2, 0 }, { 1, 2 } };
    uint64_t accepted = 0, handed_back = 0;
    for (uint32_t code = 0; code < 0x10000; code++)
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
            for (size_t ji = 0; ji < sizeof js / sizeof js[0]; ji++)
                for (size_t n = 1; n <= 3; n += 2) {
                    struct bpf_insn p[3] = {
                        BPF_JUMP((uint16_t)code, ks[ki], js[ji][0], js[ji][1]),
                        BPF_STMT(BPF_RET | BPF_K, 7), BPF_STMT(BPF_RET | BPF_A, 0) };
                    nmx__bpf_check r = check(p, n);
                    int v = bpf_validate(p, (int)n);
                    if ((v != 0) == nmx_test_bpf_refused_hard(r))
                        fail_msg("code %#x k %#x jt %u jf %u n %zu: bpf_validate %d, check %s",
                                 code, ks[ki], js[ji][0], js[ji][1], n, v,
                                 nmx__bpf_check_text(r));
                    accepted += r == NMX__BPF_CHECK_OK;
                    handed_back += v && r != NMX__BPF_CHECK_OK;
                }
    print_message("opcodes: %llu programs run here, %llu handed back to libpcap\n",
                  (unsigned long long)accepted, (unsigned long long)handed_back);
    assert_true(accepted > 0 && handed_back > 0);
}

/* ---- corner cases, with the values expected ------------------------------------ */

static uint32_t run_both(const struct bpf_insn *p, size_t n, const uint8_t *pkt, uint32_t caplen,
                         uint32_t wirelen)
{
    nmx__bpf_insn in[16];
    to_insns(p, n, in, 16);
    nmx__bpf_code *c = NULL;
    assert_int_equal(nmx__bpf_code_new(in, n, &c), NMX__BPF_CHECK_OK);
    uint32_t got = 0, want = 0;
    assert_true(nmx_test_bpf_run_both(c, p, pkt, caplen, wirelen, &got, &want));
    nmx__bpf_code_free(c);
    assert_int_equal(got, want);
    return got;
}

static void test_corner_cases(void **state)
{
    (void)state;
    uint8_t pkt[64];
    for (size_t i = 0; i < sizeof pkt; i++)
        pkt[i] = (uint8_t)(0xa0 + i);
    /* shifts by X: 0 from 32 on */
    for (uint32_t x = 0; x < 70; x++) {
        struct bpf_insn l[] = { BPF_STMT(BPF_LD | BPF_IMM, 0x80000001u),
                                BPF_STMT(BPF_LDX | BPF_IMM, x),
                                BPF_STMT(BPF_ALU | BPF_LSH | BPF_X, 0),
                                BPF_STMT(BPF_RET | BPF_A, 0) };
        assert_int_equal(run_both(l, 4, pkt, 64, 64), x < 32 ? 0x80000001u << x : 0);
        l[2].code = BPF_ALU | BPF_RSH | BPF_X;
        assert_int_equal(run_both(l, 4, pkt, 64, 64), x < 32 ? 0x80000001u >> x : 0);
    }
    /* division and modulo by X == 0 end with 0, by a constant as usual */
    struct bpf_insn dz[] = { BPF_STMT(BPF_LD | BPF_IMM, 100), BPF_STMT(BPF_LDX | BPF_IMM, 0),
                             BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
                             BPF_STMT(BPF_RET | BPF_K, 5) };
    assert_int_equal(run_both(dz, 4, pkt, 64, 64), 0);
    dz[2].code = BPF_ALU | BPF_MOD | BPF_X;
    assert_int_equal(run_both(dz, 4, pkt, 64, 64), 0);
    dz[1].k = 7;
    dz[3] = (struct bpf_insn)BPF_STMT(BPF_RET | BPF_A, 0);
    assert_int_equal(run_both(dz, 4, pkt, 64, 64), 2);
    dz[2].code = BPF_ALU | BPF_DIV | BPF_X;
    assert_int_equal(run_both(dz, 4, pkt, 64, 64), 14);
    /* negation, multiplication wrap, RET A keeps the value */
    struct bpf_insn ng[] = { BPF_STMT(BPF_LD | BPF_IMM, 5), BPF_STMT(BPF_ALU | BPF_NEG, 0),
                             BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 3),
                             BPF_STMT(BPF_RET | BPF_A, 0) };
    assert_int_equal(run_both(ng, 4, pkt, 64, 64), 0u - 15u);
    /* indexed load whose offset X + k passes 2^32: out of range */
    struct bpf_insn wr[] = { BPF_STMT(BPF_LDX | BPF_IMM, 0xffffffffu),
                             BPF_STMT(BPF_LD | BPF_B | BPF_IND, 2),
                             BPF_STMT(BPF_RET | BPF_K, 9) };
    assert_int_equal(run_both(wr, 3, pkt, 64, 64), 0);
    wr[1].code = BPF_LD | BPF_W | BPF_IND;
    wr[0].k = 60;
    wr[1].k = 0;
    assert_int_equal(run_both(wr, 3, pkt, 64, 64), 9); /* the last 4 bytes */
    assert_int_equal(run_both(wr, 3, pkt, 63, 64), 0);
    /* absolute loads at the end, and an offset near 2^32 */
    struct bpf_insn ab[] = { BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 62),
                             BPF_STMT(BPF_RET | BPF_A, 0) };
    assert_int_equal(run_both(ab, 2, pkt, 64, 64), 0xdedfu);
    assert_int_equal(run_both(ab, 2, pkt, 63, 64), 0);
    ab[0].k = 0xffffffffu;
    assert_int_equal(run_both(ab, 2, pkt, 64, 64), 0);
    ab[0].code = BPF_LD | BPF_W | BPF_ABS;
    ab[0].k = 0xfffffffdu;
    assert_int_equal(run_both(ab, 2, pkt, 64, 64), 0);
    /* 4*([k]&0xf) at the last byte and past it */
    struct bpf_insn ms[] = { BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 63), BPF_STMT(BPF_MISC | BPF_TXA, 0),
                             BPF_STMT(BPF_RET | BPF_A, 0) };
    assert_int_equal(run_both(ms, 3, pkt, 64, 64), (0xa0u + 63u) % 16u * 4u);
    assert_int_equal(run_both(ms, 3, pkt, 63, 64), 0);
    ms[0].k = 0xffffffffu;
    assert_int_equal(run_both(ms, 3, pkt, 64, 64), 0);
    /* lengths, scratch memory, TAX, a fused load + jump landed on from elsewhere */
    struct bpf_insn mm[] = { BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_ST, 15),
                             BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0),
                             BPF_STMT(BPF_MISC | BPF_TAX, 0), BPF_STMT(BPF_LDX | BPF_MEM, 15),
                             BPF_STMT(BPF_LD | BPF_MEM, 15),
                             BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
                             BPF_STMT(BPF_RET | BPF_A, 0) };
    assert_int_equal(run_both(mm, 8, pkt, 10, 1000), 2000);
    struct bpf_insn fj[] = { BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
                             BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0xa0, 1, 0),
                             BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2),
                             BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xa2a3, 0, 1),
                             BPF_STMT(BPF_RET | BPF_K, 1), BPF_STMT(BPF_RET | BPF_A, 0) };
    assert_int_equal(run_both(fj, 6, pkt, 64, 64), 1);
    pkt[0] = 0xa1; /* the jump lands on the jeq, with A = 0xa1 */
    assert_int_equal(run_both(fj, 6, pkt, 64, 64), 0xa1);
    assert_int_equal(run_both(fj, 6, pkt, 0, 64), 0);
}

static int teardown(void **state)
{
    (void)state;
    print_message("in all: %llu frames, %llu comparisons, %zu link types\n",
                  (unsigned long long)n_frames, (unsigned long long)n_runs, ncache);
    progs_free_all();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_refuses),
        cmocka_unit_test(test_check_all_opcodes),
        cmocka_unit_test(test_corner_cases),
        cmocka_unit_test(test_generated_frames),
        cmocka_unit_test(test_sample_capture),
        cmocka_unit_test(test_shared_captures),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
