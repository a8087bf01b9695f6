#!/usr/bin/env bash
# Prints, for one capture, "PROTOCOL OUR_FRAMES OUR_BYTES TSHARK_FRAMES TSHARK_BYTES"
# for every protocol of the name table below that either side reports.
# Usage: protdist-compare.sh NMEXPERT CAPTURE
set -u
nm=$1 cap=$2
# Our names -> Wireshark's filter names (docs/experts/protdist.md, "Names").
# NBT is Wireshark's nbns, nbdgm and nbss together; SLL and SLL2 are both sll.
# tshark's wlan_radio is a summary of the radio information it adds beside
# wlan, not a header of the frame (like its ethertype): it has no name here.
map='ETHERNET=eth IP=ip IP6=ipv6 TCP=tcp UDP=udp VLAN=vlan LLC=llc ARP_RARP=arp
SLL=sll SLL2=sll NULL=null PPP=ppp PPPOE=pppoes MPLS=mpls GRE=gre VXLAN=vxlan ICMP=icmp
ICMP6=icmpv6 DNS=dns DHCP=dhcp HTTP=http TLS=tls SMB=smb SMB2=smb2 NBT=nbns+nbdgm+nbss
NETMON_EVENT=netmon_event NETMON_FILTER=netmon_filter NETMON_NETINFO=netmon_network_info
NETMON_DNSCACHE=netmon_dnscache
WLAN=wlan RADIOTAP=radiotap PPI=ppi IPNET=ipnet NFLOG=nflog CHDLC=chdlc TOKENRING=tr
FDDI=fddi'
ours=$("$nm" run -q -o jsonl protdist "$cap" 2>/dev/null |
       jq -r 'select(.record=="event" and .ident==1) | "\(.columns.Protocol) \(.columns.Frames) \(.columns.Bytes)"')
# tshark: a protocol's frames are the sum over the tree nodes named so whose
# ancestors do not carry the same name (a frame counts once per protocol).
theirs=$(tshark -q -z io,phs -r "$cap" 2>/dev/null | awk '
  /frames:[0-9]+ bytes:[0-9]+/ {
    match($0, /^ */); d = RLENGTH / 2; name = $1
    sub(/frames:/, "", $2); sub(/bytes:/, "", $3)
    stack[d] = name; dup = 0
    for (i = 0; i < d; i++) if (stack[i] == name) dup = 1
    if (!dup) { f[name] += $2; b[name] += $3 }
  }
  END { for (n in f) print n, f[n], b[n] }')
for pair in $map; do
  our=${pair%%=*} ws=${pair#*=}
  of=$(awk -v p="$our" '$1==p {print $2; exit}' <<<"$ours"); ob=$(awk -v p="$our" '$1==p {print $3; exit}' <<<"$ours")
  tf=0 tb=0
  for w in ${ws//+/ }; do
    x=$(awk -v p="$w" '$1==p {print $2, $3; exit}' <<<"$theirs")
    [ -n "$x" ] && { tf=$((tf + ${x% *})); tb=$((tb + ${x#* })); }
  done
  # SLL and SLL2 share one Wireshark name: compare it once, on SLL.
  [ "$our" = SLL2 ] && continue
  if [ "$our" = SLL ]; then
    x=$(awk '$1=="SLL2" {print $2, $3; exit}' <<<"$ours")
    [ -n "$x" ] && { of=$(( ${of:-0} + ${x% *} )); ob=$(( ${ob:-0} + ${x#* } )); }
  fi
  of=${of:-0} ob=${ob:-0}
  [ "$of" = 0 ] && [ "$tf" = 0 ] && continue
  echo "$our $of $ob $tf $tb"
done
