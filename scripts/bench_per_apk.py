#!/usr/bin/env python3
"""Runs one tool once per APK and appends one measurement row per run.

    bench_per_apk.py RESULTS.tsv TOOL SET LIST TIMEOUT CMD...

Each APK path of LIST (one a line) is appended to CMD; the process runs with
stdin and stdout on /dev/null under GNU time (`/usr/bin/time -f %M`), which
gives its peak RSS (a small C parent, so the figure is the tool's own).
Wall time (perf_counter) and CPU (wait4 of the GNU time process, which
includes its waited-for child) are taken here at microsecond resolution: GNU
time prints CPU seconds with two decimals, too coarse for processes that take
10 ms. (Measuring RSS from Python directly would not do: Linux keeps the
forked Python image's high-water mark across exec.) A run still going after
TIMEOUT seconds is killed (with its process group) and recorded with exit
code 124. Rows: per TOOL SET FILE wall user sys maxrss_kb exit_code.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time


def run(cmd, timeout, rss_file):
    cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    deadline = t0 + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            os.killpg(p.pid, signal.SIGKILL)
            _, status, ru = os.wait4(p.pid, 0)
            return time.perf_counter() - t0, ru, 124
        time.sleep(0.0005)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    return wall, ru, rc if rc >= 0 else 128 - rc


def main():
    results, tool, set_, listing, timeout = sys.argv[1:6]
    cmd = sys.argv[6:]
    with open(listing, encoding="utf-8") as f:
        files = [l.rstrip("\n") for l in f if l.strip()]
    with open(results, "a", encoding="utf-8") as out, tempfile.NamedTemporaryFile("r") as rss_file:
        for apk in files:
            wall, ru, rc = run(cmd + [apk], float(timeout), rss_file.name)
            rss_file.seek(0)
            lines = rss_file.read().split()
            rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
            if rc == 124:
                print(f"# {tool} timed out after {timeout} s on {apk}", file=out)
            out.write(f"per\t{tool}\t{set_}\t{apk}\t{wall:.6f}\t{ru.ru_utime:.6f}\t{ru.ru_stime:.6f}\t{rss}\t{rc}\n")
            out.flush()


if __name__ == "__main__":
    main()
