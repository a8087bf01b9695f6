/*
 * ipprotos.c: names of IP protocol numbers (IANA "Assigned Internet Protocol
 * Numbers"), the labeled set of IP's "Protocol" and IP6's "Next Header":
 * one table for both, as the numbers are one registry; and the short names
 * their summaries print.
 */
#include "dissect/dissect_int.h"

static LABELED_BYTE ipprotos[] = {
    { 0, NMX_STR("HOPOPT - IPv6 Hop-by-Hop Option") }, { 1, NMX_STR("ICMP - Internet Control Message") },
    { 2, NMX_STR("IGMP - Internet Group Management") }, { 4, NMX_STR("IP - IP in IP (encapsulation)") },
    { 6, NMX_STR("TCP - Transmission Control") }, { 8, NMX_STR("EGP - Exterior Gateway Protocol") },
    { 17, NMX_STR("UDP - User Datagram") }, { 41, NMX_STR("IPv6 - IPv6 encapsulation") },
    { 43, NMX_STR("IPv6-Route - Routing Header for IPv6") }, { 44, NMX_STR("IPv6-Frag - Fragment Header for IPv6") },
    { 47, NMX_STR("GRE - Generic Routing Encapsulation") }, { 50, NMX_STR("ESP - Encap Security Payload") },
    { 51, NMX_STR("AH - Authentication Header") }, { 58, NMX_STR("ICMPv6 - ICMP for IPv6") },
    { 59, NMX_STR("IPv6-NoNxt - No Next Header for IPv6") }, { 60, NMX_STR("IPv6-Opts - Destination Options for IPv6") },
    { 88, NMX_STR("EIGRP") }, { 89, NMX_STR("OSPF - Open Shortest Path First") },
    { 103, NMX_STR("PIM - Protocol Independent Multicast") }, { 112, NMX_STR("VRRP - Virtual Router Redundancy") },
    { 115, NMX_STR("L2TP - Layer Two Tunneling Protocol") }, { 132, NMX_STR("SCTP - Stream Control Transmission") },
    { 135, NMX_STR("Mobility Header") }, { 139, NMX_STR("HIP - Host Identity Protocol") },
    { 140, NMX_STR("Shim6 Protocol") },
};
SET nmx__ipproto_set = { sizeof ipprotos / sizeof ipprotos[0], { .lpLabeledByteTable = ipprotos } };

const char *nmx__ipproto_abbrev(uint8_t p, bool ip6)
{
    switch (p) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 4: return "IP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IP6";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "ICMP6";
    default: break;
    }
    if (!ip6)
        return NULL;
    switch (p) {
    case 0: return "HOPOPT";
    case 43: return "IPv6-Route";
    case 44: return "IPv6-Frag";
    case 59: return "No Next Header";
    case 60: return "IPv6-Opts";
    case 103: return "PIM";
    case 132: return "SCTP";
    default: return NULL;
    }
}
