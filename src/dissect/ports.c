/*
 * ports.c: service names of TCP and UDP ports, as Network Monitor's port
 * properties print them ("Destination Port = NETBIOS Session Service")
 * and the short forms of its summaries ("src:  139 (NBT Session)"). Port
 * numbers: IANA's Service Name and Transport Protocol Port Number Registry.
 */
#include "dissect/dissect_int.h"

#define SVC(X) \
    X(20, "FTP [default data]", NULL, 1, 0) \
    X(21, "FTP [control]", "FTP", 1, 0) \
    X(22, "SSH", "SSH", 1, 0) \
    X(23, "Telnet", "TELNET", 1, 0) \
    X(25, "SMTP", "SMTP", 1, 0) \
    X(53, "DNS", "DNS", 1, 1) \
    X(67, "BOOTP Server", "BOOTP Server", 0, 1) \
    X(68, "BOOTP Client", "BOOTP Client", 0, 1) \
    X(69, "TFTP", "TFTP", 0, 1) \
    X(80, "HTTP", "HTTP", 1, 1) \
    X(88, "Kerberos", "Kerberos", 1, 1) \
    X(110, "POP3", "POP3", 1, 0) \
    X(111, "SUN RPC", "SUN RPC", 1, 1) \
    X(119, "NNTP", "NNTP", 1, 0) \
    X(123, "NTP", "NTP", 0, 1) \
    X(135, "DCE endpoint resolution", "RPC", 1, 1) \
    X(137, "NETBIOS Name Service", "NBT Name Svc", 1, 1) \
    X(138, "NETBIOS Datagram Service", "NBT Datagram", 1, 1) \
    X(139, "NETBIOS Session Service", "NBT Session", 1, 1) \
    X(143, "IMAP", "IMAP", 1, 0) \
    X(161, "SNMP", "SNMP", 0, 1) \
    X(162, "SNMP Trap", "SNMP Trap", 0, 1) \
    X(389, "LDAP", "LDAP", 1, 1) \
    X(443, "HTTPS", "HTTPS", 1, 0) \
    X(445, "Microsoft-DS", "Microsoft-DS", 1, 1) \
    X(464, "Kerberos Password", "Kpasswd", 1, 1) \
    X(500, "ISAKMP", "ISAKMP", 0, 1) \
    X(514, "Syslog", "Syslog", 0, 1) \
    X(520, "RIP", "RIP", 0, 1) \
    X(636, "LDAP over TLS", "LDAPS", 1, 0) \
    X(1433, "MS SQL Server", "MS SQL", 1, 0) \
    X(1900, "SSDP", "SSDP", 0, 1) \
    X(3268, "Global Catalog", "GC", 1, 0) \
    X(3389, "Remote Desktop", "RDP", 1, 0) \
    X(5353, "Multicast DNS", "mDNS", 0, 1) \
    X(5355, "LLMNR", "LLMNR", 0, 1) \
    X(8080, "HTTP Alternate", "HTTP", 1, 0)

#define TCP_ROW(port, name, abbr, tcp, udp) X_TCP_##tcp(port, name)
#define UDP_ROW(port, name, abbr, tcp, udp) X_UDP_##udp(port, name)
#define X_TCP_1(port, name) { port, NMX_STR(name) },
#define X_TCP_0(port, name)
#define X_UDP_1(port, name) { port, NMX_STR(name) },
#define X_UDP_0(port, name)

static LABELED_WORD tcp_names[] = { SVC(TCP_ROW) };
static LABELED_WORD udp_names[] = { SVC(UDP_ROW) };

SET nmx__tcp_port_set = { sizeof tcp_names / sizeof tcp_names[0], { .lpLabeledWordTable = tcp_names } };
SET nmx__udp_port_set = { sizeof udp_names / sizeof udp_names[0], { .lpLabeledWordTable = udp_names } };

#define ABBR_ROW(port, name, abbr, tcp, udp) { port, abbr, tcp, udp },
static const struct {
    uint16_t port;
    const char *abbr;
    bool tcp, udp;
} abbrevs[] = { SVC(ABBR_ROW) };

const char *nmx__port_abbrev(uint16_t port, bool udp)
{
    for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++)
        if (abbrevs[i].port == port && (udp ? abbrevs[i].udp : abbrevs[i].tcp))
            return abbrevs[i].abbr;
    return NULL;
}
