#!/usr/bin/env python3
"""Same-session A/B of `nmexpert run census big.pcap` between two builds.

usage (repository root): python3 bench/clibench-ab.py ROUNDS [run options...]
Needs build-bench-before/ and build-bench-after/ as bench/run-clibench
makes them (BUILD_DIR=...), and /tmp/nmx-bigcap/big.pcap. The two builds
alternate (the order flips every round); prints the median and smallest
wall time and the median CPU time (user+sys of the process and its
children) of each, and the load average at the end."""
import os, resource, subprocess, sys, time, statistics as S
P = "/tmp/nmx-bigcap/big.pcap"
builds = {"before": "build-bench-before", "after": "build-bench-after"}
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
extra = sys.argv[2:]
res = {k: [] for k in builds}
env = dict(os.environ, NMX_QUIET="1")
for r in range(rounds):
    order = list(builds) if r % 2 == 0 else list(builds)[::-1]
    for k in order:
        b = builds[k]
        e = dict(env, NMEXPERT_PATH=os.path.abspath(b + "/bench"), XDG_CONFIG_HOME=os.path.abspath(b + "/clibench-config"))
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([b + "/cli/nmexpert", "run", "census", P] + extra, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        t1 = time.perf_counter()
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) * 1000
        res[k].append(((t1 - t0) * 1000, cpu))
for k, v in res.items():
    print(f"{k}: wall median {S.median(x[0] for x in v):.1f} ms (min {min(x[0] for x in v):.1f}), CPU median {S.median(x[1] for x in v):.1f} ms")
print("load", open("/proc/loadavg").read().split()[:3])
