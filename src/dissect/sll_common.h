/*
 * sll_common.h: what the Linux "cooked" capture headers, version 1
 * (proto_sll.c, LINKTYPE_LINUX_SLL) and version 2 (proto_sll2.c,
 * LINKTYPE_LINUX_SLL2), share: the names of their packet types and
 * ARPHRD_ types, and the hand-off by protocol.
 */
#ifndef NMX_DISSECT_SLL_COMMON_H
#define NMX_DISSECT_SLL_COMMON_H

#include <stdio.h>

#include "dissect/dissect_int.h"

/* <linux/if_packet.h> PACKET_*, as X(value, name) */
#define NMX__SLL_PKTTYPES(X)                                                                  \
    X(0, "Unicast to us") X(1, "Broadcast") X(2, "Multicast") X(3, "Unicast to another host") \
    X(4, "Sent by us") X(5, "Loopback") X(6, "To user space") X(7, "To kernel")

/* <linux/if_arp.h> ARPHRD_* seen in captures, as X(value, name) */
#define NMX__SLL_HATYPES(X)                                                               \
    X(1, "Ethernet") X(6, "IEEE 802") X(19, "ATM") X(24, "IEEE 1394") X(32, "InfiniBand") \
    X(256, "SLIP") X(512, "PPP") X(513, "Cisco HDLC") X(768, "IPIP tunnel")               \
    X(769, "IP6IP6 tunnel") X(772, "Loopback") X(776, "IPv6-in-IPv4 (SIT)")               \
    X(778, "GRE over IP") X(801, "IEEE 802.11") X(803, "IEEE 802.11 + radiotap")          \
    X(824, "Netlink") X(825, "6LoWPAN") X(0xFFFE, "None") X(0xFFFF, "Void")

/* An entry of a LABELED_BYTE or LABELED_WORD table from the lists above. */
#define NMX__SLL_LABEL(v, name) { v, NMX_STR(name) },

#define NMX__ARPHRD_NETLINK 824

/* The summary's name of packet type pt: its name, or "Packet Type N"
 * written into buf. */
static inline const char *nmx__sll_pkttype_name(unsigned pt, char buf[32])
{
#define NMX__SLL_NAME_CASE(v, name) \
    case v:                         \
        return name;
    switch (pt) {
    NMX__SLL_PKTTYPES(NMX__SLL_NAME_CASE)
    default:
        break;
    }
#undef NMX__SLL_NAME_CASE
    snprintf(buf, 32, "Packet Type %u", pt);
    return buf;
}

/* Hands the payload on by the header's protocol: an EtherType, or below
 * 0x0600 Linux's ETH_P_802_2 (4: an 802.2 LLC header) and ETH_P_802_3
 * (1: Novell raw 802.3). Netlink captures carry no EtherType: nothing. */
static inline void nmx__sll_next(nmx_dis *d, uint16_t hatype, uint16_t proto, nmx_span pay)
{
    if (hatype == NMX__ARPHRD_NETLINK)
        return;
    if (proto >= 0x0600)
        nmx_dis_next(d, NMX_HO_ETHERTYPE, proto, pay);
    else if (proto == 0x0004)
        nmx_dis_next(d, NMX_HO_8023, 0, pay);
    else if (proto == 0x0001)
        nmx_dis_next(d, NMX_HO_8023, 1, pay);
}

#endif /* NMX_DISSECT_SLL_COMMON_H */
