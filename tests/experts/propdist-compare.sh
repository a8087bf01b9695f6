#!/usr/bin/env bash
# For one capture, compares Property Distribution with `tshark -T fields -e
# FIELD | sort | uniq -c` for every property of the table below; prints one
# line per property whose results differ:  PROTOCOL.PROPERTY FIELD what
# and "same N" at the end (the number of properties that agreed).
# Usage: propdist-compare.sh NMEXPERT CAPTURE
set -u
nm=$1 cap=$2
# protocol|property|Wireshark field|report kind (docs/experts/propdist.md)
props='IP|Time to Live|ip.ttl|numeric
IP|Protocol|ip.proto|labeled
IP|Total Length|ip.len|numeric
IP|Identification|ip.id|numeric
IP|Header Length|ip.hdr_len|numeric
TCP|Destination Port|tcp.dstport|labeled
TCP|Source Port|tcp.srcport|labeled
TCP|Flags|tcp.flags|flags
TCP|Window|tcp.window_size_value|numeric
UDP|Destination Port|udp.dstport|labeled
UDP|Source Port|udp.srcport|labeled
UDP|Total length|udp.length|numeric
ETHERNET|Ethernet Type|eth.type|labeled
IP6|Hop Limit|ipv6.hlim|numeric
IP6|Next Header|ipv6.nxt|labeled
ICMP|Type|icmp.type|labeled
ARP_RARP|Opcode|arp.opcode|numeric
DNS|Question Type|dns.qry.type|labeled
DNS|Question Class|dns.qry.class|labeled
DNS|Query Identifier|dns.id|numeric
HTTP|Request Method|http.request.method|string
HTTP|Status Code|http.response.code|labeled
HTTP|Host|http.host|string
DHCP|DHCP Message Type|dhcp.option.dhcp|labeled'
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
args=()
while IFS='|' read -r _ _ f _; do args+=(-e "$f"); done <<<"$props"
# one tshark pass for every field; a field with several occurrences in a
# frame is comma-separated
tshark -r "$cap" -T fields -E separator='|' -E occurrence=a -E aggregator=',' "${args[@]}" \
  >"$tmp/ws" 2>/dev/null
same=0 i=0
while IFS='|' read -r proto prop field kind; do
  i=$((i + 1))
  # theirs: "frames N" then one line per value (value count), hex as decimal
  awk -F'|' -v c="$i" -v kind="$kind" '
    function num(s,   n, k, d) { if (s !~ /^0x/) return s + 0
      n = 0; s = tolower(substr(s, 3))
      for (k = 1; k <= length(s); k++) { d = index("0123456789abcdef", substr(s, k, 1)) - 1; n = n * 16 + d }
      return n }
    $c != "" { frames++; m = split($c, v, ",")
      for (k = 1; k <= m; k++) {
        if (kind == "string") { cnt["s:" v[k]]++; continue }
        x = num(v[k]); n++; sum += x
        if (n == 1 || x < mn) mn = x; if (n == 1 || x > mx) mx = x
        if (kind == "flags") { for (b = 0; b < 12; b++) if (int(x / 2^b) % 2) on[b]++ }
        else cnt["n:" x]++ } }
    END { print "frames", frames + 0
      if (kind == "numeric" && n) printf "max %d\nmin %d\nmean %d\n", mx, mn, int(sum / n)
      if (kind == "flags") for (b = 0; b < 12; b++) if (on[b]) print "bit" b, on[b]
      if (kind == "labeled" || kind == "string") for (k in cnt) print k, cnt[k] }' "$tmp/ws" |
    sort >"$tmp/theirs"
  "$nm" run -q --isolation thread -o jsonl propdist --set "protocol=$proto" --set "property=$prop" "$cap" \
    2>/dev/null >"$tmp/ours.jsonl"
  jq -r --arg kind "$kind" 'select(.record == "event") | .columns |
      if $kind == "numeric" then "frames \(."# Frames")", "max \(.Max)", "min \(.Min)", "mean \(.Mean)"
      elif $kind == "flags" then "frames \(."# Frames")", (if .Value == true and .Count > 0 and ."Bit number" < 12 then "bit\(."Bit number") \(.Count)" else empty end)
      elif $kind == "string" then "frames \(."# Frames")", "s:\(.Value) \(.Count)"
      else "frames \(."# Frames")", "n:\(.Value) \(.Count)" end' "$tmp/ours.jsonl" |
    sort -u >"$tmp/ours"
  [ -s "$tmp/ours" ] || echo "frames 0" >"$tmp/ours"
  if cmp -s "$tmp/ours" "$tmp/theirs"; then
    same=$((same + 1))
  else
    d=$(diff "$tmp/ours" "$tmp/theirs" | grep '^[<>]' | head -4 | tr '\n' ' ')
    echo "$proto.$prop|$field|$d"
  fi
done <<<"$props"
echo "same $same"
