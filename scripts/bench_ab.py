#!/usr/bin/env python3
"""A/B of two or more cleanscan binaries, one process per APK, interleaved.

    scripts/bench_ab.py [--rounds N] [--list FILE | --real DIR --gen DIR] BIN_A BIN_B [...] [-- SCAN ARGS...]

How the per-APK steps of BENCHMARKS.md ("The optimisation step") were
measured. Every round runs each binary once on each APK, the binaries'
order alternating between rounds, so that the machine's drift (large on
this VM) falls on all of them alike. Each run is `BIN scan -q -f jsonl
[SCAN ARGS] APK` with stdout on /dev/null, timed from spawn to a blocking
wait4 (wall), with that wait4's CPU (user + sys).

Per binary it prints the median over APKs of each APK's median over the
rounds (wall and CPU: the figure bench_peers.sh reports), the mean of
those medians, and the same two of each APK's fastest round (noise only
adds time, so the minimum is the steadier estimate of what a binary costs).

Each binary is measured from a copy that this script writes into a fresh
folder first, all alike. The file a linker has just written sits in the
page cache in small pieces, and a process started from it maps its code in
smaller steps (more page faults): on this VM such a binary measured 3-5 %
slower per APK than the same bytes copied (faster in 39 of 40 APKs, three
A/B runs of 11-15 rounds), and the two were equal once the cache was dropped
and the file read back. Two copies of one binary measure alike (8.27 and
8.27 ms, each faster on about half the APKs). Without the copies, an A/B of
a fresh build against an older one measured partly how each file was
written.

With two binaries it also prints on how many APKs the second one's median
was lower: about half of them when the two do not differ.

The APKs: a list file (one path a line), or the peer sample that
scripts/bench_peers.sh uses (scripts/bench_sample.py: three quarters from
--real, default ../shared/corpus/real, one quarter from --gen, default
~/.cache/cleanscan-bench/gen, made by the benchmark).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_sample import sample  # noqa: E402


def run(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t, ru.ru_utime + ru.ru_stime


def main():
    argv = sys.argv[1:]
    scan_args = []
    if "--" in argv:
        i = argv.index("--")
        argv, scan_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--list")
    ap.add_argument("--real", default=os.path.join(os.path.dirname(__file__), "../../shared/corpus/real"))
    ap.add_argument("--gen", default=os.path.expanduser("~/.cache/cleanscan-bench/gen"))
    ap.add_argument("--per-apk", action="store_true", help="also print each APK's median wall per binary")
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args(argv)
    if len(a.bins) < 2:
        ap.error("give at least two binaries")
    if a.list:
        with open(a.list, encoding="utf-8") as f:
            apks = [line.strip() for line in f if line.strip()]
    else:
        apks = sample(a.real, a.gen)
    if not apks:
        sys.exit("no APKs: give --list, or --real/--gen folders holding APKs of 100 KB to 5 MB")
    wall = {b: {f: [] for f in apks} for b in a.bins}
    cpu = {b: {f: [] for f in apks} for b in a.bins}
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
        exe = {}
        for i, b in enumerate(a.bins):
            exe[b] = os.path.join(tmp, f"{i}-{os.path.basename(b)}")
            with open(b, "rb") as src, open(exe[b], "wb") as dst:
                dst.write(src.read())
            os.chmod(exe[b], 0o755)
        for r in range(a.rounds):
            order = a.bins if r % 2 == 0 else a.bins[::-1]
            for f in apks:
                for b in order:
                    w, c = run([exe[b], "scan", "-q", "-f", "jsonl", *scan_args, f])
                    wall[b][f].append(w)
                    cpu[b][f].append(c)
    print(f"{len(apks)} APKs, {a.rounds} interleaved rounds; ms per APK")
    print("| binary | median wall | mean wall | median CPU | fastest round: median wall | mean wall | median CPU |")
    print("|---|---|---|---|---|---|---|")
    for b in a.bins:
        med = [statistics.median(v) for v in wall[b].values()]
        medc = [statistics.median(v) for v in cpu[b].values()]
        best = [min(v) for v in wall[b].values()]
        bestc = [min(v) for v in cpu[b].values()]
        print(
            f"| {b} | {statistics.median(med) * 1e3:.2f} | {statistics.mean(med) * 1e3:.2f} | "
            f"{statistics.median(medc) * 1e3:.2f} | {statistics.median(best) * 1e3:.2f} | "
            f"{statistics.mean(best) * 1e3:.2f} | {statistics.median(bestc) * 1e3:.2f} |"
        )
    if a.per_apk:
        print("| APK | KB | " + " | ".join(os.path.basename(b) for b in a.bins) + " |")
        print("|---|---|" + "---|" * len(a.bins))
        by_first = sorted(apks, key=lambda f: statistics.median(wall[a.bins[0]][f]))
        for f in by_first:
            meds = " | ".join(f"{statistics.median(wall[b][f]) * 1e3:.2f}" for b in a.bins)
            print(f"| {os.path.relpath(f, os.path.dirname(os.path.dirname(f)))} | {os.path.getsize(f) // 1024} | {meds} |")
    if len(a.bins) == 2:
        x, y = a.bins
        lower = sum(statistics.median(wall[y][f]) < statistics.median(wall[x][f]) for f in apks)
        print(f"{y}: lower median wall on {lower} of {len(apks)} APKs")


if __name__ == "__main__":
    main()
