#!/usr/bin/env python3
"""Runs one tool once per APK (plus one run for its memory) and appends one
measurement row per APK.

    bench_per_apk.py RESULTS.tsv TOOL SET LIST TIMEOUT [--rss] CMD...

Each APK path of LIST (one a line) is appended to CMD, and the tool runs on
it with stdin and stdout on /dev/null; with --rss, twice:

1. (--rss only) Under GNU time (`/usr/bin/time -f %M`), which gives its peak RSS: a small
   C parent, so the figure is the tool's own. Measuring RSS from Python
   directly would not do: Linux keeps the forked (or vforked) Python image's
   high-water mark across exec. This run also warms whatever the tool loads
   (the same for every tool).
2. Directly, for wall time (perf_counter around the spawn and a blocking
   wait4) and CPU (that wait4's rusage, which includes the tool's own
   waited-for children, e.g. the Exodus method's dexdump).

Why two runs: GNU time forks itself and then the tool, which adds about 2 ms
to every process on this VM, and a polling wait adds up to its sleep. For a
tool that takes 700 ms that is nothing; for one that takes 15 ms it was 15-25 %
of the figure. The wall and CPU figures are therefore the tool's own
process, spawn to exit, with no wrapper in between.

A run still going after TIMEOUT seconds is killed (with its process group)
and recorded with exit code 124. Rows: per TOOL SET FILE wall user sys
maxrss_kb exit_code (maxrss_kb 0: not measured in this call).
scripts/bench_peers.sh calls this once per tool and round, the tools
interleaved, with --rss in the first round only; bench_report.py takes each
APK's median over the rounds.
"""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time


def spawn(cmd):
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def run(cmd, timeout):
    """Runs CMD to its end (or kills its process group after TIMEOUT s):
    wall seconds, the wait4 rusage and the exit code (124: timed out)."""
    timed_out = threading.Event()
    t0 = time.perf_counter()
    p = spawn(cmd)

    def kill():
        timed_out.set()
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    timer.cancel()
    p.returncode = 0  # reaped above; keeps Popen from waiting again
    if timed_out.is_set():
        return wall, ru, 124
    rc = os.waitstatus_to_exitcode(status)
    return wall, ru, rc if rc >= 0 else 128 - rc


def peak_rss_kb(cmd, timeout, rss_file):
    """The tool's peak RSS (KB) from a run under GNU time."""
    _, _, rc = run(["/usr/bin/time", "-f", "%M", "-o", rss_file.name] + cmd, timeout)
    if rc == 124:
        return 0
    rss_file.seek(0)
    lines = rss_file.read().split()
    return int(lines[-1]) if lines and lines[-1].isdigit() else 0


def main():
    results, tool, set_, listing, timeout = sys.argv[1:6]
    cmd = sys.argv[6:]
    want_rss = bool(cmd) and cmd[0] == "--rss"
    if want_rss:
        cmd = cmd[1:]
    with open(listing, encoding="utf-8") as f:
        files = [l.rstrip("\n") for l in f if l.strip()]
    with open(results, "a", encoding="utf-8") as out, tempfile.NamedTemporaryFile("r") as rss_file:
        for apk in files:
            rss = peak_rss_kb(cmd + [apk], float(timeout), rss_file) if want_rss else 0
            wall, ru, rc = run(cmd + [apk], float(timeout))
            if rc == 124:
                print(f"# {tool} timed out after {timeout} s on {apk}", file=out)
            out.write(f"per\t{tool}\t{set_}\t{apk}\t{wall:.6f}\t{ru.ru_utime:.6f}\t{ru.ru_stime:.6f}\t{rss}\t{rc}\n")
            out.flush()


if __name__ == "__main__":
    main()
