/*
 * test_dissect_oracle.c: the parsers checked against tshark, frame by frame.
 *
 * For every frame of every capture in $NMX_SHARED_CAPTURES/{pcap,pcapng,
 * netmon}, tshark is run once per capture for all the fields of `fields[]`
 * plus frame.protocols (two captures at a time, NMX_ORACLE_JOBS to change,
 * into a private temporary directory), and each frame is dissected here with
 * NMX_DIS_ATTACH. Two things are compared:
 *
 *  (a) the protocols recognised: our layers (after FRAME) against tshark's
 *      frame.protocols, through `protomap[]` (our names to Wireshark's);
 *  (b) the values of each field, all occurrences in order, against the
 *      instances of the property that `fields[]` names.
 *
 * The comparison follows the registry: a row whose protocol is not
 * registered yet is "not implemented" (counted, not a failure); once the
 * protocol is registered it is compared. Where tshark's list reaches a
 * protocol we do not implement, or one with no row here (LDAP, Kerberos,
 * ...), the protocols beneath it are "unreached" in that frame, since we
 * cannot reach them either.
 *
 * tshark runs with IP/IPv6 defragmentation and TCP stream reassembly off:
 * our parsers see one frame at a time (docs/dissectors.md, "Fragments"),
 * so the frame-by-frame view is the one to compare.
 *
 * Every remaining disagreement must be listed in `exceptions[]` with its
 * reason; any other one fails the test. The test prints a summary per
 * field: frames compared, agreements, documented exceptions, not
 * implemented, unreached. It lists the first disagreements (20 per field,
 * 200 in all; every one with NMX_ORACLE_ALL set in the environment).
 *
 * Skips, visibly, when the captures or tshark are absent. A capture that
 * nmexpert refuses to open is skipped with its error (the capture tests
 * judge those); so is one tshark cannot read.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netmon.h"
#include "nmexpert/capture.h"
#include "nmexpert/dissect.h"
#include "nmx_test.h"
#include "shared_captures.h"

/* ---- protocol names: ours -> Wireshark's ---------------------------------
 *
 * Checked against tshark 4.0's frame.protocols on the shared captures. A
 * NULL Wireshark name means "no layer of its own in tshark" (SNAP is shown
 * inside llc). 802.1ad tags are "ieee8021ad" in tshark; both SLL versions
 * are "sll"; PPPoE is "pppoed" (discovery) or "pppoes" (session); NBT's
 * three services are "nbns", "nbdgm" and "nbss". */
struct protomap {
    const char *ours;
    const char *ws[3];
};
static const struct protomap protomap[] = {
    { "FRAME", { "frame" } },
    { "ETHERNET", { "eth" } },
    { "VLAN", { "vlan", "ieee8021ad" } },
    { "LLC", { "llc" } },
    { "SNAP", { NULL } },
    { "SLL", { "sll" } },
    { "SLL2", { "sll" } },
    { "NULL", { "null" } },
    { "PPP", { "ppp" } },
    { "PPPOE", { "pppoes", "pppoed" } },
    { "MPLS", { "mpls" } },
    { "ARP_RARP", { "arp" } },
    { "IP", { "ip" } },
    { "IP6", { "ipv6" } },
    { "ICMP", { "icmp" } },
    { "ICMP6", { "icmpv6" } },
    { "GRE", { "gre" } },
    { "VXLAN", { "vxlan" } },
    { "TCP", { "tcp" } },
    { "UDP", { "udp" } },
    { "DNS", { "dns" } },
    { "HTTP", { "http" } },
    { "TLS", { "tls" } },
    { "DHCP", { "dhcp" } },
    { "NBT", { "nbns", "nbdgm", "nbss" } },
    { "SMB", { "smb" } },
    { "SMB2", { "smb2" } },
    { "TOKENRING", { "tr" } },
    { "FDDI", { "fddi" } },
    { "WLAN", { "wlan" } },
    { "RADIOTAP", { "radiotap" } },
    { "PPI", { "ppi" } },
    { "NFLOG", { "nflog" } },
    { "IPNET", { "ipnet" } },
    { "CHDLC", { "chdlc" } },
};
#define NPROTOMAP (sizeof protomap / sizeof protomap[0])

/* Network Monitor's own records (event, comment, filter frames): tshark
 * calls them netmon_event, netmon_filter, netmon_network_info (with
 * sub-layers such as netmon_system_config). They are compared as one
 * family: tshark's first netmon_* layer against our layer whose name
 * starts with "NETMON" (the record protocols' common prefix); nothing
 * beneath it is compared. Until such a protocol is registered, these
 * frames count as "not implemented". */
#define NETMON_WS_PREFIX "netmon_"
#define NETMON_OUR_PREFIX "NETMON"

/* tshark layers that are not protocols of their own in our model:
 * "ethertype" (tshark's pseudo-layer after every EtherType), "raw" (its
 * raw-IP link layer: our FRAME hands raw IP straight to IP/IP6),
 * "netmon_header" (a Network Monitor file's comment shown as a layer, not
 * frame bytes), IPv6 extension headers (parsed inside IP6), "mptcp" (a TCP
 * option), "wlan_radio" (tshark's summary of the radio information that
 * radiotap or PPI carried, not bytes of the frame). */
static bool ws_ignored(const char *n)
{
    return strcmp(n, "ethertype") == 0 || strcmp(n, "raw") == 0 ||
           strcmp(n, "netmon_header") == 0 || strncmp(n, "ipv6.", 5) == 0 ||
           strcmp(n, "mptcp") == 0 || strcmp(n, "wlan_radio") == 0;
}

/* tshark protocols that we do not implement but that fill the fields of
 * one we do: mDNS (UDP 5353, RFC 6762) and LLMNR (UDP 5355, RFC 4795) use
 * the DNS message format and tshark reports their dns.* fields; SSDP (UDP
 * 1900) is HTTP-shaped and fills http.*. DNS claims port 53 only and HTTP
 * TCP 80/8080, so those frames are "unreached" for those fields. */
static bool ws_fills(const char *ws_proto, const char *field, size_t plen)
{
    static const char *const fills[][2] = {
        { "mdns", "dns" }, { "llmnr", "dns" }, { "ssdp", "http" },
    };
    for (size_t i = 0; i < sizeof fills / sizeof fills[0]; i++)
        if (strcmp(ws_proto, fills[i][0]) == 0 && strlen(fills[i][1]) == plen &&
            strncmp(field, fills[i][1], plen) == 0)
            return true;
    return false;
}

/* ---- fields --------------------------------------------------------------
 *
 * Our protocol and property label for each tshark field. Values are
 * compared numerically for numbers, as bytes for addresses, as text for
 * strings; `mask` and `scale` say how tshark's number relates to ours. */
enum kind { K_NUM, K_ETHER, K_IPV4, K_IPV6, K_STR, K_DNSNAME, K_TCPLEN };

struct field {
    const char *ws;
    const char *proto;
    const char *label;
    enum kind kind;
    uint64_t mask;   /* 0: all bits                                       */
    unsigned scale;  /* ours = tshark * scale (0: 1)                      */
    long tpid;       /* VLAN tags: only layers brought by this EtherType
                        (> 0), or by any other than -tpid (< 0); 0: all    */
};
static const struct field fields[] = {
    { "eth.src", "ETHERNET", "Source address", K_ETHER, 0, 0, 0 },
    { "eth.dst", "ETHERNET", "Destination address", K_ETHER, 0, 0, 0 },
    { "eth.type", "ETHERNET", "Ethernet Type", K_NUM, 0, 0, 0 },
    /* One VLAN protocol for both tag types (Network Monitor had one VLAN
     * parser); tshark names the 802.1ad service tag's identifier
     * ieee8021ad.id: compare each tag with its own field. */
    { "vlan.id", "VLAN", "VLAN Identifier", K_NUM, 0, 0, -0x88A8 },
    { "ieee8021ad.id", "VLAN", "VLAN Identifier", K_NUM, 0, 0, 0x88A8 },
    { "arp.opcode", "ARP_RARP", "Opcode", K_NUM, 0, 0, 0 },
    { "ip.src", "IP", "Source Address", K_IPV4, 0, 0, 0 },
    { "ip.dst", "IP", "Destination Address", K_IPV4, 0, 0, 0 },
    { "ip.proto", "IP", "Protocol", K_NUM, 0, 0, 0 },
    { "ip.ttl", "IP", "Time to Live", K_NUM, 0, 0, 0 },
    { "ip.len", "IP", "Total Length", K_NUM, 0, 0, 0 },
    { "ip.id", "IP", "Identification", K_NUM, 0, 0, 0 },
    /* tshark 4.0 counts the offset in 8-byte units; ours is in bytes, as
     * Network Monitor printed it ("Fragment Offset = 0 (0x0) bytes"). */
    { "ip.frag_offset", "IP", "Fragment Offset", K_NUM, 0, 8, 0 },
    { "ipv6.src", "IP6", "Source Address", K_IPV6, 0, 0, 0 },
    { "ipv6.dst", "IP6", "Destination Address", K_IPV6, 0, 0, 0 },
    { "ipv6.nxt", "IP6", "Next Header", K_NUM, 0, 0, 0 },
    { "ipv6.hlim", "IP6", "Hop Limit", K_NUM, 0, 0, 0 },
    { "icmp.type", "ICMP", "Type", K_NUM, 0, 0, 0 },
    { "icmp.code", "ICMP", "Code", K_NUM, 0, 0, 0 },
    { "icmpv6.type", "ICMP6", "Type", K_NUM, 0, 0, 0 },
    { "tcp.srcport", "TCP", "Source Port", K_NUM, 0, 0, 0 },
    { "tcp.dstport", "TCP", "Destination Port", K_NUM, 0, 0, 0 },
    { "tcp.seq_raw", "TCP", "Sequence Number", K_NUM, 0, 0, 0 },
    { "tcp.ack_raw", "TCP", "Acknowledgement Number", K_NUM, 0, 0, 0 },
    /* tshark's tcp.flags is 12 bits (the 3 reserved bits and AE/NS with
     * the 8 control bits); our Flags is the byte of RFC 9293's 8 control
     * bits, the other 4 are the "Reserved" property. */
    { "tcp.flags", "TCP", "Flags", K_NUM, 0xFF, 0, 0 },
    { "tcp.window_size_value", "TCP", "Window", K_NUM, 0, 0, 0 },
    /* The TCP layer's length less its Data Offset. */
    { "tcp.len", "TCP", "Data Offset", K_TCPLEN, 0, 0, 0 },
    { "udp.srcport", "UDP", "Source Port", K_NUM, 0, 0, 0 },
    { "udp.dstport", "UDP", "Destination Port", K_NUM, 0, 0, 0 },
    { "udp.length", "UDP", "Total length", K_NUM, 0, 0, 0 },
    { "dns.id", "DNS", "Query Identifier", K_NUM, 0, 0, 0 },
    { "dns.flags", "DNS", "DNS Flags", K_NUM, 0, 0, 0 },
    /* A deliberate formatting difference: Network Monitor writes a DNS
     * name fully qualified, with its final dot ("www.example.com."), and
     * the root as "."; tshark drops the dot ("www.example.com") and calls
     * the root "<Root>". K_DNSNAME compares the names without that dot. */
    { "dns.qry.name", "DNS", "Question Name", K_DNSNAME, 0, 0, 0 },
    { "dns.qry.type", "DNS", "Question Type", K_NUM, 0, 0, 0 },
    { "dns.a", "DNS", "IP address", K_IPV4, 0, 0, 0 },
    { "http.request.method", "HTTP", "Request Method", K_STR, 0, 0, 0 },
    { "http.request.uri", "HTTP", "Uniform Resource Identifier", K_STR, 0, 0, 0 },
    { "http.response.code", "HTTP", "Status Code", K_NUM, 0, 0, 0 },
    { "http.host", "HTTP", "Host", K_STR, 0, 0, 0 },
    { "tls.handshake.extensions_server_name", "TLS", "Server Name", K_STR, 0, 0, 0 },
    { "dhcp.option.dhcp", "DHCP", "DHCP Message Type", K_NUM, 0, 0, 0 },
    { "nbss.type", "NBT", "Packet Type", K_NUM, 0, 0, 0 },
    { "smb.cmd", "SMB", "Command", K_NUM, 0, 0, 0 },
    { "smb2.cmd", "SMB2", "Command", K_NUM, 0, 0, 0 },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* ---- documented disagreements --------------------------------------------
 *
 * { capture (fnmatch pattern on "dir/name"), frame (0: any), what ("protocols"
 * or a tshark field; "|"-separated fnmatch patterns), condition, reason }. */
enum cond {
    C_ALWAYS,
    C_IP_FRAGMENT, /* the frame holds an IPv4 fragment (MF set or an offset) */
    C_IP_TOTLEN_0, /* an IPv4 header of the frame has Total Length 0       */
    C_IP6_FRAGMENT, /* an IPv6 header of the frame has a Fragment header    */
    C_IP6_PLEN_0,  /* an IPv6 header has Payload Length 0 and no Hop-by-Hop */
    C_PORT_UNCLAIMED, /* our last layer is TCP/UDP (no hand-off for its ports)
                         where tshark goes on to an application protocol  */
    C_WS_STOPS_AT_TCP, /* tshark's last protocol is tcp while we hand the
                          payload on by port                              */
};

struct exception {
    const char *capture;
    unsigned frame;
    const char *what;
    enum cond cond;
    const char *reason;
};
static const struct exception exceptions[] = {
    { "*", 0, "protocols|tcp.*|udp.*|icmp.*|dns.*|http.*|tls.*|dhcp.*|nbss.*|smb.*|smb2.*",
      C_IP_FRAGMENT,
      "A first IPv4 fragment holds only the start of its datagram: without "
      "reassembly (docs/dissectors.md, \"Fragments\") IP shows the payload as "
      "Data and hands off nothing, where tshark (defragmentation off) still "
      "dissects the partial datagram's header as UDP/TCP/ICMP." },
    { "*", 0, "ip.len", C_IP_TOTLEN_0,
      "Total Length 0 is what a sender with TCP segmentation offload writes "
      "(the capture was taken before the NIC filled it in). The property is the "
      "field as sent (0), as Network Monitor showed fields; tshark reports the "
      "length it assumed from the frame instead. IP itself uses the frame's "
      "length for such a datagram, so the layers beneath agree." },
    { "*", 0, "protocols|tcp.*|udp.*|icmpv6.*|dns.*|http.*|tls.*|dhcp.*|nbss.*|smb.*|smb2.*",
      C_IP6_FRAGMENT,
      "The IPv6 counterpart of the first row: a fragment (Fragment header, RFC "
      "8200 section 4.5) holds only part of its packet, so IP6 shows it as Data "
      "and hands off nothing; tshark with defragmentation off still dissects "
      "the first fragment's UDP/TCP header." },
    { "*", 0, "protocols|tcp.*|udp.*|nbss.*|smb.*|smb2.*|http.*|tls.*|dns.*", C_IP6_PLEN_0,
      "Payload Length 0 without a Jumbo Payload option is what a sender with "
      "segmentation offload writes (as for IPv4 Total Length 0, row 2). IP6 "
      "then takes the packet's length from the frame and dissects TCP over "
      "it; tshark takes the 0 literally and reports TCP as malformed with no "
      "field values." },
    { "*", 0, "protocols|http.*|tls.*", C_PORT_UNCLAIMED,
      "Application protocols are reached by their registered ports (HTTP on "
      "TCP 80 and 8080, TLS on 443, 465, 636, 853, 993, 995, 8443: "
      "docs/dissectors.md), as Network Monitor bound its parsers to ports. "
      "tshark also finds HTTP and TLS by looking at the payload on any port "
      "(WSUS on 8530, UPnP on 5005 and 8000, TLS after MySQL's STARTTLS on "
      "3306). Guessing from the payload would make a port's meaning depend on "
      "its bytes, which experts filtering by protocol do not expect." },
    { "*", 0, "protocols|nbss.*|smb.*|smb2.*|http.*|tls.*|dns.*", C_WS_STOPS_AT_TCP,
      "tshark's TCP analysis keeps retransmitted and out-of-order segments, "
      "and segments that continue a PDU begun earlier, from the application "
      "dissector (its list ends at tcp, or at data for a one-byte keep-alive "
      "probe). Ours sees one frame at a time with "
      "no stream state (docs/dissectors.md, \"Fragments\") and hands the "
      "payload on by port, where the protocol shows it as its message or as "
      "continuation data." },
};
#define NEXCEPTIONS (sizeof exceptions / sizeof exceptions[0])
static unsigned exception_used[NEXCEPTIONS];

/* ---- counters ------------------------------------------------------------ */

struct count {
    unsigned long compared, agree, documented, notimpl, unreached, failed;
};
static struct count fcount[NFIELDS], pcount;
static unsigned long frames_total, captures_done, captures_skipped;
static unsigned long protos_notimpl[NPROTOMAP + 1];
static int shown_failures;

/* ---- helpers --------------------------------------------------------------- */

static const struct protomap *map_ours(const char *name)
{
    for (size_t i = 0; i < NPROTOMAP; i++)
        if (strcmp(protomap[i].ours, name) == 0)
            return &protomap[i];
    return NULL;
}

static bool registered(const char *ours)
{
    struct _PROTOCOL *h = nmx_protocol_find(ours);
    return h && strcmp(nmx_protocol_name(h), ours) == 0;
}

static bool netmon_registered(void)
{
    for (unsigned i = 0; i < nmx_protocol_count(); i++)
        if (strncmp(nmx_protocol_name(nmx_protocol_at(i)), NETMON_OUR_PREFIX,
                    strlen(NETMON_OUR_PREFIX)) == 0)
            return true;
    return false;
}

/* Does our layer `ours` correspond to tshark's layer `ws`? */
static bool layer_matches(const char *ours, const char *ws)
{
    if (strncmp(ws, NETMON_WS_PREFIX, strlen(NETMON_WS_PREFIX)) == 0)
        return strncmp(ours, NETMON_OUR_PREFIX, strlen(NETMON_OUR_PREFIX)) == 0;
    const struct protomap *m = map_ours(ours);
    if (!m)
        return false;
    for (int k = 0; k < 3 && m->ws[k]; k++)
        if (strcmp(m->ws[k], ws) == 0)
            return true;
    return false;
}

/* Our protocols that tshark's layer `ws` may be; returns how many of them
 * are registered, sets *known when the layer has a row at all. */
static unsigned ws_candidates(const char *ws, bool *known, size_t *row)
{
    *known = false;
    unsigned reg = 0;
    if (strncmp(ws, NETMON_WS_PREFIX, strlen(NETMON_WS_PREFIX)) == 0) {
        *known = true;
        *row = NPROTOMAP;
        return netmon_registered() ? 1 : 0;
    }
    for (size_t i = 0; i < NPROTOMAP; i++)
        for (int k = 0; k < 3 && protomap[i].ws[k]; k++)
            if (strcmp(protomap[i].ws[k], ws) == 0) {
                *known = true;
                if (*row > NPROTOMAP)
                    *row = i; /* the first row naming it */
                if (registered(protomap[i].ours))
                    reg++;
            }
    return reg;
}

/* Splits s in place at `sep`; at most max parts; returns the count (0 for
 * an empty string). */
static size_t split(char *s, char sep, char **parts, size_t max)
{
    if (!*s)
        return 0;
    size_t n = 0;
    for (;;) {
        if (n < max)
            parts[n++] = s;
        char *e = strchr(s, sep);
        if (!e)
            break;
        *e = 0;
        s = e + 1;
    }
    return n;
}

/* ---- our values -------------------------------------------------------- */

#define MAXV 64
#define VLEN 256

struct vals {
    size_t n;
    char v[MAXV][VLEN];
};

static void bytes_of(const PROPERTYINST *pi, const uint8_t **p, size_t *len, bool *inl)
{
    if (pi->DataLength == PROPERTYINST_EX_LENGTH) {
        *p = pi->lpPropertyInstEx->Byte;
        *len = pi->lpPropertyInstEx->LengthEx;
        *inl = true;
    } else {
        *p = pi->lpData;
        *len = pi->DataLength;
        *inl = false;
    }
}

static bool inst_number(const PROPERTYINST *pi, uint64_t *out)
{
    const uint8_t *p;
    size_t len;
    bool inl;
    bytes_of(pi, &p, &len, &inl);
    if (len == 0 || len > 8)
        return false;
    uint64_t v = 0;
    if (inl) {
        /* decoded values are stored in host order */
        switch (len) {
        case 1: v = p[0]; break;
        case 2: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
        case 4: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
        case 8: memcpy(&v, p, 8); break;
        default: return false;
        }
    } else if (pi->IFlags & IFLAG_SWAPPED) {
        for (size_t i = 0; i < len; i++)
            v = v << 8 | p[i];
    } else {
        for (size_t i = len; i-- > 0;)
            v = v << 8 | p[i];
    }
    *out = v;
    return true;
}

/* Our value of field f for one instance, in the canonical text form that
 * norm_ws() gives tshark's. */
static bool our_text(const struct field *f, const PROPERTYINST *pi, char *out)
{
    const uint8_t *p;
    size_t len;
    bool inl;
    bytes_of(pi, &p, &len, &inl);
    uint64_t v;
    switch (f->kind) {
    case K_NUM:
        if (!inst_number(pi, &v))
            return false;
        snprintf(out, VLEN, "%" PRIu64, v);
        return true;
    case K_ETHER:
        if (len != 6)
            return false;
        snprintf(out, VLEN, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4], p[5]);
        return true;
    case K_IPV4:
        if (len != 4)
            return false;
        snprintf(out, VLEN, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
        return true;
    case K_IPV6:
        if (len != 16 || !inet_ntop(AF_INET6, p, out, VLEN))
            return false;
        return true;
    case K_STR:
    case K_DNSNAME:
        if (len >= VLEN)
            len = VLEN - 1;
        memcpy(out, p, len);
        out[len] = 0;
        if (len && out[len - 1] == 0)
            out[--len] = 0;
        if (f->kind == K_DNSNAME) {
            if (strcmp(out, ".") == 0)
                snprintf(out, VLEN, "<Root>");
            else if (len && out[len - 1] == '.')
                out[len - 1] = 0;
        }
        return true;
    case K_TCPLEN:
        return false; /* computed per layer */
    }
    return false;
}

static const uint8_t *frame_bytes; /* the frame being compared */

static void our_values(nmx_dissector *d, const struct field *f, struct vals *out)
{
    out->n = 0;
    struct _PROTOCOL *h = nmx_protocol_find(f->proto);
    PROPERTYINFO *want = nmx_property_info(nmx_property_find(h, f->label));
    if (!want)
        return;
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    for (unsigned li = 0; li < nmx_dissect_nlayers(d); li++) {
        const nmx_layer *l = nmx_dissect_layer(d, li);
        if (l->proto != h)
            continue;
        if (f->tpid) {
            /* the EtherType in front of the tag says which kind it is */
            const uint8_t *fb = nmx_dissect_layer(d, 0)->caplen ? frame_bytes : NULL;
            long t = fb && l->offset >= 2 ? (long)(fb[l->offset - 2] << 8 | fb[l->offset - 1]) : -1;
            if (f->tpid > 0 ? t != f->tpid : t == -f->tpid)
                continue;
        }
        for (uint32_t k = 0; k < l->ninst && out->n < MAXV; k++) {
            const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            if (pi->lpPropertyInfo != want)
                continue;
            if (f->kind == K_TCPLEN) {
                uint64_t hl;
                if (!inst_number(pi, &hl))
                    continue;
                snprintf(out->v[out->n++], VLEN, "%" PRIu64,
                         l->length >= hl ? l->length - hl : 0);
            } else if (our_text(f, pi, out->v[out->n])) {
                out->n++;
            }
        }
    }
}

/* tshark's value in the canonical form. */
static void norm_ws(const struct field *f, const char *s, char *out)
{
    switch (f->kind) {
    case K_NUM:
    case K_TCPLEN: {
        char *end;
        errno = 0;
        uint64_t v = strtoull(s, &end, 0);
        if (errno || *end || end == s) {
            snprintf(out, VLEN, "?%s", s);
            return;
        }
        if (f->mask)
            v &= f->mask;
        if (f->scale)
            v *= f->scale;
        snprintf(out, VLEN, "%" PRIu64, v);
        return;
    }
    case K_IPV6: {
        uint8_t a[16];
        if (inet_pton(AF_INET6, s, a) == 1 && inet_ntop(AF_INET6, a, out, VLEN))
            return;
        break;
    }
    default:
        break;
    }
    snprintf(out, VLEN, "%s", s);
}

/* ---- per frame ----------------------------------------------------------- */

struct frame_ctx {
    const char *capture; /* "dir/name" */
    unsigned number;     /* 1-based */
    bool ip_fragment;
    bool ip_totlen_0;
    bool ip6_fragment;
    bool ip6_plen_0;
    bool port_unclaimed;
    bool ws_stops_at_tcp;
};

static bool cond_holds(enum cond c, const struct frame_ctx *fc)
{
    switch (c) {
    case C_ALWAYS: return true;
    case C_IP_FRAGMENT: return fc->ip_fragment;
    case C_IP_TOTLEN_0: return fc->ip_totlen_0;
    case C_IP6_FRAGMENT: return fc->ip6_fragment;
    case C_IP6_PLEN_0: return fc->ip6_plen_0;
    case C_PORT_UNCLAIMED: return fc->port_unclaimed;
    case C_WS_STOPS_AT_TCP: return fc->ws_stops_at_tcp;
    }
    return false;
}

static bool what_matches(const char *pats, const char *what)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", pats);
    for (char *save = NULL, *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save))
        if (fnmatch(t, what, 0) == 0)
            return true;
    return false;
}

static bool documented(const struct frame_ctx *fc, const char *what)
{
    for (size_t i = 0; i < NEXCEPTIONS; i++) {
        const struct exception *e = &exceptions[i];
        if (fnmatch(e->capture, fc->capture, 0) != 0)
            continue;
        if (e->frame && e->frame != fc->number)
            continue;
        if (!what_matches(e->what, what))
            continue;
        if (!cond_holds(e->cond, fc))
            continue;
        exception_used[i]++;
        return true;
    }
    return false;
}

static void failure(const struct frame_ctx *fc, const char *what, const char *ws, const char *ours)
{
    /* At most 200 listed, and 20 of one field, so that one field's
     * disagreements do not hide the others'. */
    static const char *seen[NFIELDS + 1];
    static int shown[NFIELDS + 1];
    size_t w = 0;
    while (w < NFIELDS && seen[w] && strcmp(seen[w], what) != 0)
        w++;
    if (!seen[w])
        seen[w] = what;
    if (getenv("NMX_ORACLE_ALL") || (shown[w]++ < 20 && shown_failures++ < 200))
        printf("DIFF %s frame %u %s: tshark [%s] ours [%s]\n", fc->capture, fc->number, what, ws,
               ours);
}

/* What the conditions of exceptions[] look at, from our IP layers. */
static void ip_facts(nmx_dissector *d, const nmx_frame *fr, struct frame_ctx *fc)
{
    for (unsigned li = 0; li < nmx_dissect_nlayers(d); li++) {
        const nmx_layer *l = nmx_dissect_layer(d, li);
        const uint8_t *h = fr->data + l->offset;
        if (strcmp(l->name, "IP6") == 0 && l->caplen >= 40) {
            /* the extension headers IP6 walks itself (RFC 8200 4.1) */
            uint8_t nh = h[6];
            uint32_t o = 40;
            if ((h[4] | h[5]) == 0 && nh != 0)
                fc->ip6_plen_0 = true;
            while ((nh == 0 || nh == 43 || nh == 60 || nh == 44) && o + 8 <= l->caplen) {
                if (nh == 44) {
                    fc->ip6_fragment = true;
                    break;
                }
                uint8_t next = h[o];
                o += 8u * (h[o + 1] + 1u);
                nh = next;
            }
            continue;
        }
        if (strcmp(l->name, "IP") != 0 || l->caplen < 8)
            continue;
        if (((h[6] << 8 | h[7]) & 0x3FFF) != 0)
            fc->ip_fragment = true;
        if (h[2] == 0 && h[3] == 0)
            fc->ip_totlen_0 = true;
    }
}

static void compare_frame(nmx_dissector *d, const nmx_frame *fr, const struct frame_ctx *fc0,
                          char **cols, size_t ncols)
{
    struct frame_ctx fc = *fc0;
    ip_facts(d, fr, &fc);
    frame_bytes = fr->data;
    frames_total++;

    /* (a) protocols */
    char *wsl[64];
    size_t nws = split(cols[2], ':', wsl, 64);
    const char *expect[64];
    size_t nexp = 0, cut = nws;
    for (size_t i = 0; i < nws; i++) {
        if (ws_ignored(wsl[i]))
            continue;
        bool known;
        size_t row = NPROTOMAP + 1;
        unsigned reg = ws_candidates(wsl[i], &known, &row);
        if (!known || reg == 0) {
            if (known && row <= NPROTOMAP)
                protos_notimpl[row]++;
            cut = i;
            break;
        }
        expect[nexp++] = wsl[i];
        if (strncmp(wsl[i], NETMON_WS_PREFIX, strlen(NETMON_WS_PREFIX)) == 0) {
            cut = i + 1; /* nothing beneath a record is compared */
            break;
        }
    }
    /* Our layers after FRAME, without those tshark shows inside another
     * (SNAP, within llc). */
    unsigned nl = nmx_dissect_nlayers(d);
    const char *ourl[64];
    size_t nours = 0;
    for (unsigned i = 1; i < nl && nours < 64; i++) {
        const char *name = nmx_dissect_layer(d, i)->name;
        const struct protomap *m = map_ours(name);
        if (m && !m->ws[0])
            continue;
        /* The commands of an SMB2 compound (MS-SMB2 3.2.4.1.4) are one
         * SMB2 layer each here, as Network Monitor showed them; tshark
         * lists smb2 once for the whole chain (its smb2.cmd still has
         * every command, compared below). */
        if (nours && strcmp(name, "SMB2") == 0 && strcmp(ourl[nours - 1], "SMB2") == 0)
            continue;
        ourl[nours++] = name;
    }
    /* The frame-level conditions of exceptions[] that compare the two
     * lists' ends. */
    if (nours && nexp) {
        const char *ol = ourl[nours - 1], *wl = expect[nexp - 1];
        bool our_l4 = strcmp(ol, "TCP") == 0 || strcmp(ol, "UDP") == 0;
        bool ws_l4 = strcmp(wl, "tcp") == 0 || strcmp(wl, "udp") == 0;
        fc.port_unclaimed = our_l4 && !ws_l4 && nexp > nours;
        fc.ws_stops_at_tcp = strcmp(wl, "tcp") == 0 &&
                             (cut == nws || strcmp(wsl[cut], "data") == 0) && nours > nexp &&
                             strcmp(ourl[nexp - 1], "TCP") == 0;
    }
    bool same = nours == nexp;
    for (size_t i = 0; same && i < nexp; i++)
        same = layer_matches(ourl[i], expect[i]);
    pcount.compared++;
    if (cut < nws)
        pcount.unreached++;
    if (same) {
        pcount.agree++;
    } else if (documented(&fc, "protocols")) {
        pcount.documented++;
    } else {
        pcount.failed++;
        char a[512], b[512];
        size_t u = 0;
        a[0] = b[0] = 0;
        for (size_t i = 0; i < nexp; i++)
            u += (size_t)snprintf(a + u, sizeof a - u, "%s%s", i ? ":" : "", expect[i]);
        u = 0;
        for (size_t i = 0; i < nours && u < sizeof b; i++)
            u += (size_t)snprintf(b + u, sizeof b - u, "%s%s", i ? ":" : "", ourl[i]);
        failure(&fc, "protocols", a, b);
    }

    /* (b) fields */
    static struct vals ours;
    static char wsv[MAXV][VLEN];
    for (size_t fi = 0; fi < NFIELDS; fi++) {
        const struct field *f = &fields[fi];
        struct count *c = &fcount[fi];
        char *parts[MAXV];
        size_t np = 3 + fi < ncols ? split(cols[3 + fi], '\x1f', parts, MAXV) : 0;
        if (!registered(f->proto)) {
            if (np)
                c->notimpl++;
            continue;
        }
        /* the field's Wireshark protocol beneath the cut? */
        size_t plen = strcspn(f->ws, ".");
        bool unreached = false;
        for (size_t i = cut; i < nws && !unreached; i++)
            unreached = (strlen(wsl[i]) == plen && strncmp(wsl[i], f->ws, plen) == 0) ||
                        ws_fills(wsl[i], f->ws, plen);
        if (unreached) {
            c->unreached++;
            continue;
        }
        our_values(d, f, &ours);
        if (np == 0 && ours.n == 0)
            continue;
        c->compared++;
        for (size_t i = 0; i < np; i++)
            norm_ws(f, parts[i], wsv[i]);
        bool eq = np == ours.n;
        for (size_t i = 0; eq && i < np; i++)
            eq = strcmp(wsv[i], ours.v[i]) == 0;
        if (eq) {
            c->agree++;
        } else if (documented(&fc, f->ws)) {
            c->documented++;
        } else {
            c->failed++;
            char a[1024], b[1024];
            size_t u = 0;
            a[0] = 0;
            for (size_t i = 0; i < np && u < sizeof a; i++)
                u += (size_t)snprintf(a + u, sizeof a - u, "%s%s", i ? "," : "", wsv[i]);
            u = 0;
            b[0] = 0;
            for (size_t i = 0; i < ours.n && u < sizeof b; i++)
                u += (size_t)snprintf(b + u, sizeof b - u, "%s%s", i ? "," : "", ours.v[i]);
            failure(&fc, f->ws, a, b);
        }
    }
}

/* ---- per capture ------------------------------------------------------------ */

/* The tshark command for one capture, its output to `out`. */
static void tshark_cmd(const char *path, const char *out, char *cmd, size_t n)
{
    /* One run for every field; values of one field joined by 0x1F (no
     * field value contains it). */
    size_t u = (size_t)snprintf(cmd, n,
                                "tshark -n -r '%s' -o ip.defragment:FALSE -o ipv6.defragment:FALSE "
                                "-o tcp.desegment_tcp_streams:FALSE -T fields -E occurrence=a "
                                "-E separator=/t -E 'aggregator=\x1f' -e frame.number "
                                "-e frame.encap_type -e frame.protocols",
                                path);
    for (size_t i = 0; i < NFIELDS && u < n; i++)
        u += (size_t)snprintf(cmd + u, n - u, " -e %s", fields[i].ws);
    if (u < n)
        snprintf(cmd + u, n - u, " > '%s' 2>/dev/null", out);
}

static void check_capture(const char *dir, const char *rel, nmx_dissector *d, const char *out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    nmx_capture *cap;
    nmx_diag diag;
    if (nmx_capture_open(path, 0, &cap, &diag) != NMX_OK) {
        printf("skip %s: nmexpert does not open it (%s)\n", rel, diag.msg);
        captures_skipped++;
        return;
    }
    FILE *p = fopen(out, "r");
    if (!p) {
        printf("skip %s: no tshark output\n", rel);
        captures_skipped++;
        nmx_capture_close(cap);
        return;
    }
    char *line = NULL;
    size_t cap_line = 0;
    ssize_t got;
    uint64_t n = nmx_capture_frame_count(cap), seen = 0;
    int64_t prev_ts = INT64_MIN;
    uint64_t prev_idx = UINT64_MAX;
    while ((got = getline(&line, &cap_line, p)) > 0) {
        if (line[got - 1] == '\n')
            line[--got] = 0;
        char *cols[3 + NFIELDS];
        size_t nc = split(line, '\t', cols, 3 + NFIELDS);
        /* Rows without an encapsulation are not packets (pcapng custom
         * blocks): tshark numbers them, the capture reader skips them. */
        if (nc < 3 || !*cols[1])
            continue;
        uint64_t idx = seen;
        nmx_frame fr;
        if (idx >= n || nmx_capture_frame(cap, idx, &fr) != NMX_OK) {
            printf("note %s: tshark frame %s has no frame in nmexpert\n", rel, cols[0]);
            break;
        }
        if (prev_idx + 1 != idx || idx == 0) {
            nmx_frame pf;
            prev_ts = idx >= 1 && nmx_capture_frame(cap, idx - 1, &pf) == NMX_OK ? pf.ts_ns
                                                                                  : fr.ts_ns;
        }
        assert_int_equal(nmx_dissect(d, &fr, prev_ts, NMX_DIS_ATTACH), NMX_OK);
        struct frame_ctx fc = { .capture = rel, .number = (unsigned)idx + 1 };
        compare_frame(d, &fr, &fc, cols, nc);
        prev_ts = fr.ts_ns;
        prev_idx = idx;
        seen++;
    }
    free(line);
    fclose(p);
    if (seen == 0) {
        printf("skip %s: tshark gave no frames\n", rel);
        captures_skipped++;
    } else {
        captures_done++;
        if (seen != n)
            printf("note %s: tshark shows %" PRIu64 " frames, nmexpert reads %" PRIu64 "\n", rel,
                   seen, n);
    }
    nmx_capture_close(cap);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_oracle(void **state)
{
    (void)state;
    const char *dir;
    NMX_TEST_CAPTURES_AND_TSHARK(dir);
    const char *only = getenv("NMX_ORACLE_ONLY"); /* fnmatch pattern, for debugging */
    const char *jobs_env = getenv("NMX_ORACLE_JOBS");
    int jobs = jobs_env && atoi(jobs_env) > 0 ? atoi(jobs_env) : 2;
    static char *names[1536];
    size_t nn = 0;
    static const char *subdirs[] = { "pcap", "pcapng", "netmon" };
    for (size_t s = 0; s < 3; s++) {
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, subdirs[s]);
        DIR *dh = opendir(sub);
        if (!dh)
            continue;
        size_t first = nn;
        struct dirent *de;
        while ((de = readdir(dh)) && nn < sizeof names / sizeof names[0]) {
            if (de->d_name[0] == '.')
                continue;
            size_t l = strlen(subdirs[s]) + strlen(de->d_name) + 2;
            char *name = malloc(l);
            assert_non_null(name);
            snprintf(name, l, "%s/%s", subdirs[s], de->d_name);
            if (only && fnmatch(only, name, 0) != 0) {
                free(name);
                continue;
            }
            if (strchr(dir, '\'') || strchr(name, '\'')) {
                printf("skip %s: a quote in the path\n", name);
                captures_skipped++;
                free(name);
                continue;
            }
            names[nn++] = name;
        }
        closedir(dh);
        qsort(names + first, nn - first, sizeof names[0], cmp_str);
    }
    /* tshark is most of the time: run it for every capture first, `jobs`
     * at a time, into files of a private directory. */
    char tmpl[] = "/tmp/nmx-oracle-XXXXXX";
    char *tmpdir = mkdtemp(tmpl);
    assert_non_null(tmpdir);
    int running = 0;
    for (size_t i = 0; i < nn; i++) {
        char path[PATH_MAX], out[PATH_MAX], cmd[2 * PATH_MAX + 4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(out, sizeof out, "%s/%zu.txt", tmpdir, i);
        tshark_cmd(path, out, cmd, sizeof cmd);
        if (running == jobs) {
            int st;
            if (wait(&st) > 0)
                running--;
        }
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
            _exit(127);
        }
        running++;
    }
    while (running > 0) {
        int st;
        if (wait(&st) <= 0)
            break;
        running--;
    }
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    for (size_t i = 0; i < nn; i++) {
        char out[PATH_MAX];
        snprintf(out, sizeof out, "%s/%zu.txt", tmpdir, i);
        check_capture(dir, names[i], d, out);
        unlink(out);
        free(names[i]);
    }
    rmdir(tmpdir);
    nmx_dissector_free(d);

    printf("\noracle: %lu captures compared, %lu skipped, %lu frames\n", captures_done,
           captures_skipped, frames_total);
    printf("%-38s %8s %8s %8s %8s %9s %6s\n", "field", "compared", "agree", "document", "not-impl",
           "unreached", "FAIL");
    unsigned long failed = pcount.failed;
    printf("%-38s %8lu %8lu %8lu %8s %9lu %6lu\n", "frame.protocols", pcount.compared,
           pcount.agree, pcount.documented, "-", pcount.unreached, pcount.failed);
    for (size_t i = 0; i < NFIELDS; i++) {
        const struct count *c = &fcount[i];
        printf("%-38s %8lu %8lu %8lu %8lu %9lu %6lu\n", fields[i].ws, c->compared, c->agree,
               c->documented, c->notimpl, c->unreached, c->failed);
        failed += c->failed;
    }
    printf("frames whose protocol walk stopped at a protocol not implemented:\n");
    for (size_t i = 0; i <= NPROTOMAP; i++)
        if (protos_notimpl[i])
            printf("  %-10s %lu\n", i < NPROTOMAP ? protomap[i].ours : "NETMON records",
                   protos_notimpl[i]);
    for (size_t i = 0; i < NEXCEPTIONS; i++)
        printf("exception %zu (%s, frame %u, %s) applied %u times\n", i + 1, exceptions[i].capture,
               exceptions[i].frame, exceptions[i].what, exception_used[i]);
    if (failed)
        printf("%lu undocumented differences (the first %d are listed above)\n", failed,
               shown_failures < 200 ? shown_failures : 200);
    assert_true(captures_done > 0);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_oracle) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
