#!/usr/bin/env python3
"""The benchmark's per-APK sample, one path a line:

    scripts/bench_sample.py REAL_DIR GEN_DIR [N]

N (default 40) evenly spaced APKs of 100 KB to 5 MB: real apps, not the tiny
signature-test APKs that make up most of the real corpus. Three quarters
come from REAL_DIR and the rest from GEN_DIR, each folder walked
recursively and sorted by path. A missing folder gives none.
scripts/bench_peers.sh and scripts/bench_ab.py both take their sample from
here.
"""
import os
import sys


def apks(folder):
    out = []
    for root, _, files in os.walk(folder):
        out.extend(os.path.join(root, f) for f in files if f.endswith(".apk"))
    return sorted(out)


def sample(real, gen, n=40):
    def pick(files, k):
        files = [f for f in files if 100_000 <= os.path.getsize(f) <= 5_000_000]
        k = min(k, len(files))
        return [files[(i * len(files)) // k] for i in range(k)] if k else []

    first = pick(apks(real), n - n // 4)
    return first + pick(apks(gen), n - len(first))


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    for path in sample(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 40):
        print(path)
