/*
 * A synthetic but well-formed sample capture, made by the project itself so
 * that the demo and the tests need no third-party file: a small office
 * network (20 clients, a DNS server, web servers outside) doing DNS lookups,
 * HTTP exchanges over TCP (handshake, request, response segments, teardown),
 * some retransmissions, ARP, and IPv6 traffic. Deterministic for a seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

struct gen {
    nmx_writer *w;
    uint64_t rng;
    int64_t t_ns;
    uint64_t frames, target;
    nmx_err err;
};

static uint32_t rnd(struct gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return (uint32_t)(g->rng >> 16);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xFFFFu);
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)(p[n - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xFFFFu) + (sum >> 16);
    return (uint16_t)~sum;
}

static void emit(struct gen *g, const uint8_t *data, size_t len)
{
    if (g->err != NMX_OK || g->frames >= g->target)
        return;
    g->t_ns += 20000 + (int64_t)(rnd(g) % 3000000); /* 20 µs .. 3 ms apart */
    nmx_frame f;
    memset(&f, 0, sizeof f);
    f.ts_ns = g->t_ns;
    f.caplen = f.wirelen = (uint32_t)len;
    f.data = data;
    f.linktype = 1;
    f.mac_type = 1;
    g->err = nmx_writer_add(g->w, &f);
    g->frames++;
}

static void mac_of(uint32_t ip, uint8_t *mac)
{
    memcpy(mac, "\x02\x00\x5e", 3);
    mac[3] = (uint8_t)(ip >> 16);
    mac[4] = (uint8_t)(ip >> 8);
    mac[5] = (uint8_t)ip;
}

#define GATEWAY 0x0A000001u /* 10.0.0.1: outside addresses are reached through it */

static size_t eth(uint8_t *b, uint32_t src_ip, uint32_t dst_ip, uint16_t type)
{
    uint32_t s = (src_ip >> 24) == 10 ? src_ip : GATEWAY;
    uint32_t d = (dst_ip >> 24) == 10 ? dst_ip : GATEWAY;
    mac_of(d, b);
    mac_of(s, b + 6);
    put16(b + 12, type);
    return 14;
}

/* IPv4 + TCP/UDP segment; returns the frame length. */
static size_t ip4(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
                  uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload,
                  size_t plen, uint16_t ipid)
{
    size_t o = eth(b, src, dst, 0x0800);
    uint8_t *ip = b + o;
    size_t l4len = proto == 6 ? 20 : 8;
    memset(ip, 0, 20 + l4len);
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(20 + l4len + plen));
    put16(ip + 4, ipid);
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, csum(ip, 20, 0));
    uint8_t *l4 = ip + 20;
    put16(l4, sport);
    put16(l4 + 2, dport);
    if (proto == 6) {
        put32(l4 + 4, seq);
        put32(l4 + 8, ack);
        l4[12] = 0x50;
        l4[13] = flags;
        put16(l4 + 14, 64240);
    } else {
        put16(l4 + 4, (uint32_t)(8 + plen));
    }
    if (plen)
        memcpy(l4 + l4len, payload, plen);
    /* transport checksum over the pseudo-header */
    uint32_t ph = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + proto +
                  (uint32_t)(l4len + plen);
    uint16_t c = csum(l4, l4len + plen, ph);
    put16(l4 + (proto == 6 ? 16 : 6), c ? c : 0xFFFF);
    return o + 20 + l4len + plen;
}

static void dns(struct gen *g, uint32_t client, uint16_t id, const char *name, uint32_t answer)
{
    uint8_t q[300], b[400];
    size_t n = 0;
    put16(q, id);
    put16(q + 2, 0x0100);
    put16(q + 4, 1);
    memset(q + 6, 0, 6);
    n = 12;
    for (const char *p = name; *p;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        q[n++] = (uint8_t)l;
        memcpy(q + n, p, l);
        n += l;
        p += l + (dot ? 1 : 0);
    }
    q[n++] = 0;
    put16(q + n, 1);
    put16(q + n + 2, 1);
    n += 4;
    uint16_t sport = (uint16_t)(49152 + rnd(g) % 16000);
    emit(g, b, ip4(b, client, 0x0A000002u, 17, sport, 53, 0, 0, 0, q, n, (uint16_t)rnd(g)));
    put16(q + 2, 0x8180);
    put16(q + 6, 1);
    memcpy(q + n, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04", 12);
    put32(q + n + 12, answer);
    emit(g, b, ip4(b, 0x0A000002u, client, 17, 53, sport, 0, 0, 0, q, n + 16, (uint16_t)rnd(g)));
}

static void http(struct gen *g, uint32_t client, uint32_t server, const char *host,
                 const char *path, size_t body)
{
    uint8_t b[1600], req[512], seg[1460];
    uint16_t sport = (uint16_t)(49152 + rnd(g) % 16000), id = (uint16_t)rnd(g);
    uint32_t cs = rnd(g), ss = rnd(g);
    emit(g, b, ip4(b, client, server, 6, sport, 80, cs, 0, 0x02, NULL, 0, id++));
    emit(g, b, ip4(b, server, client, 6, 80, sport, ss, cs + 1, 0x12, NULL, 0, 0));
    emit(g, b, ip4(b, client, server, 6, sport, 80, cs + 1, ss + 1, 0x10, NULL, 0, id++));
    int rl = snprintf((char *)req, sizeof req,
                      "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: nmexpert-sample\r\n"
                      "Accept: */*\r\n\r\n",
                      path, host);
    emit(g, b, ip4(b, client, server, 6, sport, 80, cs + 1, ss + 1, 0x18, req, (size_t)rl, id++));
    uint32_t sseq = ss + 1, cack = cs + 1 + (uint32_t)rl;
    memset(seg, 'x', sizeof seg);
    int hl = snprintf((char *)seg, sizeof seg,
                      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n\r\n",
                      body);
    seg[hl] = 'x'; /* snprintf's terminator is not payload */
    size_t left = body + (size_t)hl, first = 1;
    while (left && g->err == NMX_OK && g->frames < g->target) {
        size_t n = left > 1460 ? 1460 : left;
        if (!first)
            memset(seg, 'x', n);
        first = 0;
        emit(g, b, ip4(b, server, client, 6, 80, sport, sseq, cack, 0x18, seg, n, 0));
        if (rnd(g) % 40 == 0) /* a retransmission now and then */
            emit(g, b, ip4(b, server, client, 6, 80, sport, sseq, cack, 0x18, seg, n, 0));
        sseq += (uint32_t)n;
        left -= n;
        emit(g, b, ip4(b, client, server, 6, sport, 80, cack, sseq, 0x10, NULL, 0, id++));
    }
    emit(g, b, ip4(b, client, server, 6, sport, 80, cack, sseq, 0x11, NULL, 0, id++));
    emit(g, b, ip4(b, server, client, 6, 80, sport, sseq, cack + 1, 0x11, NULL, 0, 0));
    emit(g, b, ip4(b, client, server, 6, sport, 80, cack + 1, sseq + 1, 0x10, NULL, 0, id));
}

static void arp(struct gen *g, uint32_t who, uint32_t asker)
{
    uint8_t b[60];
    memset(b, 0, sizeof b);
    memset(b, 0xFF, 6);
    mac_of(asker, b + 6);
    put16(b + 12, 0x0806);
    memcpy(b + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
    mac_of(asker, b + 22);
    put32(b + 28, asker);
    put32(b + 38, who);
    emit(g, b, 60);
}

static void ipv6_ping(struct gen *g, uint32_t host)
{
    uint8_t b[118];
    memset(b, 0, sizeof b);
    memcpy(b, "\x33\x33\x00\x00\x00\x01", 6);
    mac_of(host, b + 6);
    put16(b + 12, 0x86DD);
    uint8_t *ip = b + 14;
    ip[0] = 0x60;
    put16(ip + 4, 64);
    ip[6] = 58;
    ip[7] = 255;
    memcpy(ip + 8, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 14);
    ip[22] = (uint8_t)(host >> 8);
    ip[23] = (uint8_t)host;
    memcpy(ip + 24, "\xff\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
    ip[40] = 128; /* echo request */
    memset(ip + 48, 0x61, 56);
    uint32_t ph = 64 + 58; /* pseudo-header: upper-layer length, next header */
    for (int i = 8; i < 40; i += 2)
        ph += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    put16(ip + 42, csum(ip + 40, 64, ph));
    emit(g, b, sizeof b);
}

nmx_err nmx_sample_write(const char *path, nmx_write_format fmt, uint64_t frames, uint64_t seed,
                         nmx_diag *diag)
{
    struct gen g = {.rng = seed * 0x9E3779B97F4A7C15ull + 1, .target = frames, .err = NMX_OK};
    g.t_ns = INT64_C(1732406400) * 1000000000; /* 2024-11-24 00:00:00 UTC */
    nmx_err e = nmx_writer_open(path, fmt, 1, 0, &g.w, diag);
    if (e != NMX_OK)
        return e;
    static const char *const sites[] = {"www.example.com", "intranet.corp.example",
                                        "updates.example.net", "cdn.example.org"};
    while (g.frames < g.target && g.err == NMX_OK) {
        uint32_t client = 0x0A000000u | (10 + rnd(&g) % 20);
        unsigned which = rnd(&g) % 4;
        uint32_t server = 0x5DB8D800u | (1 + which * 7); /* 93.184.216.x */
        unsigned kind = rnd(&g) % 20;
        if (kind == 0)
            arp(&g, 0x0A000001u, client);
        else if (kind == 1)
            ipv6_ping(&g, client);
        else {
            dns(&g, client, (uint16_t)rnd(&g), sites[which], server);
            /* client 10.0.0.10 is the heavy user */
            size_t body = (client == 0x0A00000Au ? 60000u : 2000u) + rnd(&g) % 8000;
            http(&g, client, server, sites[which], which == 2 ? "/patch.bin" : "/index.html",
                 body);
        }
    }
    nmx_err ce = nmx_writer_close(g.w, diag);
    if (g.err != NMX_OK)
        return nmx_diag_set(diag, g.err, UINT64_MAX, 0, 0, "%s: writing frame %llu: %s", path,
                            (unsigned long long)g.frames, nmx_strerror(g.err));
    return ce;
}
