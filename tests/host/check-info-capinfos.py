#!/usr/bin/env python3
"""nmexpert info against capinfos on every shared capture.

usage: check-info-capinfos.py NMEXPERT CAPTURES_DIR

For each file capinfos reads whole, `nmexpert info --json` must agree on the
frame count, data size, duration, average frame size, data byte rate, time
order, and (pcap, pcapng) the frames per link type and the snapshot length.
For each file where capinfos stops with an error after N packets,
`nmexpert info` must exit non-zero (damaged) and describe the frames before
the damage. Prints ok / not ok lines; exits 1 on any failure.
"""
import json, os, re, subprocess, sys

nmx, root = sys.argv[1], sys.argv[2]
fails = passes = 0
import shutil, tempfile


def report(ok, what):
    global fails, passes
    if ok:
        passes += 1
        print(f"ok - {what}")
    else:
        fails += 1
        print(f"not ok - {what}")


def capinfos(path):
    p = subprocess.run(["capinfos", "-M", path], capture_output=True, text=True, errors="replace")
    fields, encs, in_encs = {}, {}, False
    for line in p.stdout.splitlines():
        if line.startswith("Encapsulation in use by packets"):
            in_encs = True
            continue
        if in_encs:
            m = re.match(r"^\s+(.*) \((\d+)\)\s*$", line)
            if m and not re.match(r"^\S", line):
                encs[m.group(1)] = int(m.group(2))
                continue
            in_encs = False
        m = re.match(r"^([A-Za-z][^:]*):\s+(.*)$", line)
        if m:
            fields.setdefault(m.group(1).strip(), m.group(2).strip())
    err = re.search(r"error occurred after reading (\d+) packets", p.stderr)
    return p.returncode, fields, encs, (int(err.group(1)) if err else None), p.stderr


def info(path):
    p = subprocess.run([nmx, "info", "--json", path], capture_output=True, text=True,
                       errors="replace")
    try:
        return p.returncode, json.loads(p.stdout.splitlines()[0]) if p.stdout else {}
    except (ValueError, IndexError):
        return p.returncode, {}


def num(text):
    m = re.match(r"^(-?[\d.]+)", text or "")
    return float(m.group(1)) if m else None


# Files where nmexpert's reader decides otherwise than Wireshark's: the
# difference is printed, not failed.
KNOWN = {
    "pcapng/ppp_pcapng-example.pcapng":
        "interface 1's times are out of range (tshark shows 18446744073204 s since 1970): "
        "nmexpert saturates them, so the duration differs",
    "malformed/td_timestamp_invalid_micro.pcap":
        "a microsecond field of 10^6 or more: nmexpert carries it into the seconds",
    "malformed/td_timestamp_invalid_nano.pcap":
        "a nanosecond field of 10^9 or more: nmexpert carries it into the seconds",
    "malformed/derived_zero_length.cap":
        "an empty file: capinfos guesses ERF with no packets, nmexpert says it is empty",
}

# capinfos names for the link types it shows per packet
ENC = {"Ethernet": 1, "Linux cooked-mode capture v1": 113, "Linux cooked-mode capture v2": 276,
       "Raw IPv4": 228, "Raw IPv6": 229, "Raw IP": 101, "PPP": 9, "IEEE 802.11 Wireless LAN": 105,
       "NULL/Loopback": 0, "OpenBSD loopback": 108}

# ---- without the shared captures: a sample, a damaged copy, a missing file
tmp = tempfile.mkdtemp()
try:
    cap = os.path.join(tmp, "s.pcap")
    subprocess.run([nmx, "sample", cap, "--frames", "100"], check=True, capture_output=True)
    t = subprocess.run([nmx, "info", cap], capture_output=True, text=True)
    need = ["Link types:          Ethernet (1): 100 frames", "Frames:              100",
            "Duration:", "Data byte rate:", "Data bit rate:", "Average frame size:",
            "Times in order:      yes", "Snapshot length:", "Time precision:      microseconds (6)",
            "Interfaces:          1", "Damaged:             no"]
    missing = [n for n in need if n not in t.stdout]
    report(t.returncode == 0 and not missing, f"info on a sample: exit {t.returncode}, missing {missing}")
    rc, js = info(cap)
    report(rc == 0 and js.get("frames") == 100 and js.get("link_types") == [
        {"linktype": 1, "name": "Ethernet", "frames": 100}] and js.get("damaged") is False,
        f"info --json on a sample: {rc}, {js.get('frames')} frames")
    cut = os.path.join(tmp, "cut.pcap")
    with open(cap, "rb") as f, open(cut, "wb") as g:
        g.write(f.read()[: os.path.getsize(cap) - 7])
    t = subprocess.run([nmx, "info", cut], capture_output=True, text=True)
    rc, js = info(cut)
    report(t.returncode == 1 and "Damaged:             yes" in t.stdout and "cut.pcap" in t.stderr
           and js.get("damaged") is True and js.get("frames") == 99,
           f"a cut capture: exit {t.returncode}, damaged, the 99 whole frames described")
    t = subprocess.run([nmx, "info", os.path.join(tmp, "nosuch.pcap")], capture_output=True, text=True)
    report(t.returncode == 1 and "nosuch.pcap" in t.stderr, f"a missing file: exit {t.returncode}")
    t = subprocess.run([nmx, "info", "--bogus", cap], capture_output=True, text=True)
    report(t.returncode == 2, f"an unknown option: exit {t.returncode}")
finally:
    shutil.rmtree(tmp)

if not os.path.isdir(root) or not shutil.which("capinfos"):
    print(f"ok - # SKIP comparison with capinfos: {root} or capinfos missing")
    print(f"{passes} passed, {fails} failed")
    sys.exit(1 if fails else 0)

files = []
for sub in ("pcap", "pcapng", "netmon", "malformed"):
    d = os.path.join(root, sub)
    if os.path.isdir(d):
        files += [os.path.join(d, f) for f in sorted(os.listdir(d))]
compared = damaged = 0
for path in files:
    name = os.path.relpath(path, root)
    crc, cf, encs, err_after, cerr = capinfos(path)
    rc, js = info(path)
    if crc == 0 and "Number of packets" in cf:
        compared += 1
        problems = []
        if rc != 0 and not (js.get("damaged") and js.get("frames") == int(cf["Number of packets"])):
            problems.append(f"exit {rc}")
        if rc != 0:  # capinfos stops quietly at damage nmexpert reports
            print(f"# {name}: nmexpert reports damage capinfos does not: {js.get('warnings')}")
        frames = int(cf["Number of packets"])
        if js.get("frames") != frames:
            problems.append(f"frames {js.get('frames')} vs {frames}")
        if js.get("data_bytes") != int(num(cf["Data size"])):
            problems.append(f"data size {js.get('data_bytes')} vs {cf['Data size']}")
        dur = num(cf.get("Capture duration"))
        if dur is not None and (js.get("duration_s") is None or abs(js["duration_s"] - dur) > 1e-6 * max(1, dur)):
            problems.append(f"duration {js.get('duration_s')} vs {dur}")
        avg = num(cf.get("Average packet size"))
        if avg is not None and abs(round(js.get("average_frame_size", -1), 2) - avg) > 0.0051:
            problems.append(f"average size {js.get('average_frame_size')} vs {avg}")
        # capinfos divides by a duration computed in floating-point seconds
        # since 1970 (a few tenths of a microsecond apart near today), so its
        # rate may differ by that much of the duration; ours is exact
        rate = num(cf.get("Data byte rate"))
        if rate is not None and dur:
            ours = js.get("data_byte_rate")
            exact = js.get("data_bytes", 0) / js.get("duration_s", dur)
            slack = rate * (2.5e-6 / dur + 1e-4) + 0.006  # capinfos prints 2 decimals
            if ours is None or abs(ours - exact) > 1e-9 * exact + 1e-6 or abs(ours - rate) > slack:
                problems.append(f"byte rate {ours} vs {rate}")
        order = cf.get("Strict time order")
        if order in ("True", "False") and js.get("times_in_order") != (order == "True"):
            problems.append(f"time order {js.get('times_in_order')} vs {order}")
        if not js.get("format", "").startswith("netmon"):
            ours = {lt["linktype"]: lt["frames"] for lt in js.get("link_types", [])}
            if encs:
                theirs = {ENC.get(k, k): v for k, v in encs.items()}
                if ours != theirs:
                    problems.append(f"link types {ours} vs {theirs}")
            elif frames and len(ours) != 1:
                problems.append(f"link types {ours} vs one")
            limit = re.match(r"file hdr: (\d+) bytes", cf.get("Packet size limit", ""))
            if limit and js.get("format", "").startswith("pcap (") and js.get("snaplen") != int(limit.group(1)):
                problems.append(f"snaplen {js.get('snaplen')} vs {limit.group(1)}")
        if problems and name in KNOWN:
            print(f"# known difference, {name}: {'; '.join(problems)} ({KNOWN[name]})")
            continue
        report(not problems, f"{name}: {frames} frames" + (": " + "; ".join(problems) if problems else ""))
    elif err_after is not None:
        damaged += 1
        ok = rc != 0 and js.get("damaged") is True and js.get("frames", -1) >= 0
        report(ok, f"{name}: damaged after {err_after} packets (capinfos); ours: exit {rc}, "
                   f"{js.get('frames')} frames described, damaged={js.get('damaged')}")
print(f"# compared {compared} files with capinfos, {damaged} damaged ones")
if compared < 50:
    report(False, f"only {compared} files compared")
print(f"{passes} passed, {fails} failed")
sys.exit(1 if fails else 0)
