#!/usr/bin/env python3
"""Turns the raw measurements of scripts/bench_peers.sh into the markdown tables.

    bench_report.py RESULTS.tsv

RESULTS.tsv rows (tab-separated), one per process timed with GNU time:
    kind  tool  set  file  wall_s  user_s  sys_s  maxrss_kb  exit_code
kind "whole": one process over a whole input set (set = real, gen, largest);
kind "per": one process per APK (set = sample or largest); with several rounds, each APK's figures
are the median over its rounds (wall and CPU separately; RSS is the largest measured, 0 = not measured).
Lines starting with "#" are notes, copied under the tables.
"""
import os
import statistics
import sys
from collections import defaultdict

ORDER_WHOLE = [
    "cat",
    "unzip -p",
    "inflate needed -j 1",
    "inflate needed -j 2",
    "inflate needed + sha256 -j 1",
    "inflate needed + digests -j 1",
    "cleanscan -j 1",
    "cleanscan -j 2",
]
ORDER_PER = [
    "cleanscan",
    "cleanscan-j1",
    "inflate-needed",
    "inflate-digests",
    "unzip -p",
    "aapt",
    "apksigner",
    "aapt+apksigner",
    "apk-info",
    "apkid",
    "exodus",
    "exodus-sdks",
    "androguard",
]


def load(path):
    whole, per, notes = {}, defaultdict(dict), []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("#"):
                notes.append(line[1:].strip())
                continue
            kind, tool, set_, file_, wall, user, sys_, rss, rc = line.split("\t")
            rec = dict(wall=float(wall), cpu=float(user) + float(sys_), rss=int(rss) / 1024, rc=int(rc))
            if kind == "whole":
                whole.setdefault((tool, set_), []).append(rec)
            else:
                per[(tool, set_)].setdefault(file_, []).append(rec)
    # Rounds of the per-APK runs: each APK's median wall and CPU over its rounds.
    for key, files in per.items():
        for file_, recs in list(files.items()):
            files[file_] = dict(
                wall=statistics.median(r["wall"] for r in recs),
                cpu=statistics.median(r["cpu"] for r in recs),
                rss=max(r["rss"] for r in recs),
                rc=max(r["rc"] for r in recs),
                rounds=len(recs),
            )
    # aapt + apksigner as one tool: per-APK sums.
    for set_ in {s for (_, s) in per}:
        a, b = per.get(("aapt", set_), {}), per.get(("apksigner", set_), {})
        both = {}
        for f in set(a) & set(b):
            both[f] = dict(
                wall=a[f]["wall"] + b[f]["wall"],
                cpu=a[f]["cpu"] + b[f]["cpu"],
                rss=max(a[f]["rss"], b[f]["rss"]),
                rc=a[f]["rc"] or b[f]["rc"],
            )
        if both:
            per[("aapt+apksigner", set_)] = both
    # Rounds of a whole-process run: the median round by wall time (its CPU and RSS with it), and
    # the spread of the wall times.
    for key, recs in list(whole.items()):
        recs.sort(key=lambda r: r["wall"])
        mid = dict(recs[(len(recs) - 1) // 2])
        mid["rounds"] = len(recs)
        mid["wall_min"], mid["wall_max"] = recs[0]["wall"], recs[-1]["wall"]
        whole[key] = mid
    return whole, per, notes


def fmt(x, nd=3):
    return "—" if x is None else f"{x:.{nd}f}"


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def main():
    whole, per, notes = load(sys.argv[1])
    sets = [s for s in ("real", "gen") if any(k[1] == s for k in whole)]
    out = []
    rounds = max((r.get("rounds", 1) for r in whole.values()), default=1)
    out.append(f"### Whole process over each input set, median of {rounds} interleaved rounds (wall s / CPU s / peak RSS MB)\n")
    head = "| contender | " + " | ".join(f"{s} wall | {s} CPU | {s} RSS" for s in sets + ["all"]) + " |"
    out.append(head)
    out.append("|" + "---|" * (1 + 3 * (len(sets) + 1)))

    def total(tool):
        recs = [whole.get((tool, s)) for s in sets]
        if any(r is None for r in recs) or not recs:
            return None
        return dict(wall=sum(r["wall"] for r in recs), cpu=sum(r["cpu"] for r in recs), rss=max(r["rss"] for r in recs))

    for tool in ORDER_WHOLE:
        cells = []
        for s in sets:
            r = whole.get((tool, s))
            cells += [fmt(r and r["wall"]), fmt(r and r["cpu"]), fmt(r and r["rss"], 0)] if r else ["—"] * 3
        t = total(tool)
        cells += [fmt(t["wall"]), fmt(t["cpu"]), fmt(t["rss"], 0)] if t else ["—"] * 3
        if any(c != "—" for c in cells):
            out.append(f"| {tool} | " + " | ".join(cells) + " |")
    if rounds > 1:
        spread = []
        for tool in ORDER_WHOLE:
            for s in sets:
                r = whole.get((tool, s))
                if r:
                    spread.append(f"{tool} {s} {r['wall_min']:.3f}–{r['wall_max']:.3f}")
        out.append("")
        out.append("Wall time range over the rounds (s): " + "; ".join(spread) + ".")
    big = [(t, r) for (t, s), r in whole.items() if s == "largest"]
    if big:
        out.append("")
        out.append("Largest generated APK alone: " + "; ".join(
            f"{t}: {r['wall']:.3f} s wall, {r['cpu']:.3f} s CPU, {r['rss']:.0f} MB RSS" for t, r in sorted(big)))

    def per_stats(tool, set_):
        recs = per.get((tool, set_))
        if not recs:
            return None
        walls = [r["wall"] for r in recs.values()]
        return dict(
            n=len(recs),
            failed=sum(1 for r in recs.values() if r["rc"] not in (0, 1)),
            total=sum(walls),
            median=statistics.median(walls),
            cpu_median=statistics.median(r["cpu"] for r in recs.values()),
            p90=sorted(walls)[int(0.9 * (len(walls) - 1))],
            rss=max(r["rss"] for r in recs.values()),
        )

    for set_, title in (("sample", "Per APK, one process per APK, on the peer sample"),
                        ("largest", "Per APK on the largest generated APK")):
        base = per_stats("cleanscan", set_)
        if not base:
            continue
        out.append("")
        per_rounds = max(r.get("rounds", 1) for r in per[("cleanscan", set_)].values())
        how = f", each APK's median of {per_rounds} interleaved rounds" if per_rounds > 1 else ""
        out.append(f"### {title} ({base['n']} APKs{how}; wall and CPU of the tool's own process)\n")
        out.append("| tool | APKs | exit ≥ 2 | total wall s | median wall s | p90 wall s | median CPU s | max RSS MB "
                   "| median wall / cleanscan's | median CPU / cleanscan's |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for tool in ORDER_PER:
            st = per_stats(tool, set_)
            if not st:
                continue
            out.append(
                f"| {tool} | {st['n']} | {st['failed']} | {fmt(st['total'])} | {fmt(st['median'])} | {fmt(st['p90'])} | "
                f"{fmt(st['cpu_median'])} | {fmt(st['rss'], 0)} | {fmt(ratio(st['median'], base['median']), 1)}x "
                f"| {fmt(ratio(st['cpu_median'], base['cpu_median']), 1)}x |"
            )

    # The per-APK ratios by the APK's size: a fixed cost per process weighs most on the smallest apps.
    bands = [(100_000, 500_000, "100-500 KB"), (500_000, 1_500_000, "0.5-1.5 MB"), (1_500_000, 5_000_001, "1.5-5 MB")]
    cs = per.get(("cleanscan", "sample"), {})
    try:
        sizes = {f: os.path.getsize(f) for f in cs}
    except OSError:
        sizes = {}
    if cs and sizes:
        out.append("")
        out.append("### Per APK by the APK's size (same runs: each band's median wall, and each peer's median over "
                   "cleanscan's median in the band)\n")
        peers = [t for t in ("exodus", "androguard", "aapt+apksigner", "apkid") if per.get((t, "sample"))]
        floors = [t for t in ("inflate-needed", "inflate-digests") if per.get((t, "sample"))]
        out.append("| APK size | APKs | cleanscan ms | " + " | ".join(f"{t} ms" for t in floors) + " | "
                   + " | ".join(f"{t} / cleanscan" for t in peers) + " |")
        out.append("|---|---|---|" + "---|" * (len(floors) + len(peers)))

        def band_row(name, files, set_):
            med = lambda tool: statistics.median(per[(tool, set_)][f]["wall"] for f in files) if all(
                f in per.get((tool, set_), {}) for f in files) else None
            c = med("cleanscan")
            cells = [name, str(len(files)), fmt(c and c * 1000, 2)]
            cells += [fmt((med(t) or 0) * 1000, 2) if med(t) else "—" for t in floors]
            cells += [f"{fmt(ratio(med(t), c), 1)}x" if med(t) else "—" for t in peers]
            out.append("| " + " | ".join(cells) + " |")

        for lo, hi, name in bands:
            files = [f for f in cs if lo <= sizes[f] < hi]
            if files:
                band_row(name, files, "sample")
        band_row("all (the sample)", list(cs), "sample")
        lg = per.get(("cleanscan", "largest"), {})
        if lg:
            try:
                mb = ", ".join(f"{os.path.getsize(f) / 1e6:.1f} MB" for f in lg)
            except OSError:
                mb = "?"
            band_row(f"largest generated ({mb})", list(lg), "largest")

    # The ratios the issue names.
    out.append("")
    out.append("### Ratios named by issue 6 (same run)\n")
    out.append("| ratio | measured | target |")
    out.append("|---|---|---|")
    j1, j2, fl, uz = total("cleanscan -j 1"), total("cleanscan -j 2"), total("inflate needed -j 1"), total("unzip -p")

    def row(name, val, target, ok):
        verdict = "" if val is None else (" ✔" if ok(val) else " ✘")
        out.append(f"| {name} | {fmt(val, 2)}{verdict} | {target} |")

    row("cleanscan -j 1 wall / needed-inflate floor -j 1 wall (all)", ratio(j1 and j1["wall"], fl and fl["wall"]), "≤ 2", lambda v: v <= 2)
    row("cleanscan -j 1 CPU / needed-inflate floor -j 1 CPU (all)", ratio(j1 and j1["cpu"], fl and fl["cpu"]), "(≤ 2, noise-free view)", lambda v: v <= 2)
    fs = total("inflate needed + sha256 -j 1")
    row("cleanscan -j 1 wall / (floor + SHA-256 of each file) -j 1 wall (all)", ratio(j1 and j1["wall"], fs and fs["wall"]), "(context: the report's file digest)", lambda v: v <= 2)
    fd = total("inflate needed + digests -j 1")
    row("cleanscan -j 1 wall / (floor + SHA-256 of each file + v2/v3 content digest) -j 1 wall (all)",
        ratio(j1 and j1["wall"], fd and fd["wall"]), "(context: the two digests a verifying scan must compute)", lambda v: v <= 2)
    row("(floor + both digests) / floor, -j 1 wall (all)", ratio(fd and fd["wall"], fl and fl["wall"]),
        "(context: how much of the 2x the digests alone take)", lambda v: v <= 2)
    row("cleanscan -j 2 wall / sequential unzip -p wall (all)", ratio(j2 and j2["wall"], uz and uz["wall"]), "≤ 0.25", lambda v: v <= 0.25)
    row("speed-up -j 1 → -j 2 (wall, all)", ratio(j1 and j1["wall"], j2 and j2["wall"]), "≥ 1.8", lambda v: v >= 1.8)
    base = per_stats("cleanscan", "sample")
    for tool, target, k in (("androguard", "≥ 50", 50), ("exodus", "≥ 50", 50), ("aapt+apksigner", "≥ 5", 5), ("apkid", "(none)", 0), ("apk-info", "(none)", 0)):
        st = per_stats(tool, "sample")
        row(f"{tool} median / cleanscan median (per APK, sample, wall)", ratio(st and st["median"], base and base["median"]), target, lambda v, k=k: v >= k)
        if k:
            row(f"{tool} median / cleanscan median (per APK, sample, CPU)", ratio(st and st["cpu_median"], base and base["cpu_median"]), target, lambda v, k=k: v >= k)
    xs = per_stats("exodus-sdks", "sample")
    if xs:
        row("exodus-sdks median / cleanscan median (per APK, sample, wall)", ratio(xs["median"], base and base["median"]),
            "(context: the Exodus method over cleanscan's SDK list, as measured before 2026-12-06 16:00)", lambda v: v >= 50)
    b1 = per_stats("cleanscan-j1", "sample")
    for tool, k in (("androguard", 50), ("exodus", 50), ("aapt+apksigner", 5)):
        st = per_stats(tool, "sample")
        row(f"{tool} median / cleanscan -j 1 median (per APK, sample, wall)", ratio(st and st["median"], b1 and b1["median"]), f"(one core: ≥ {k})", lambda v, k=k: v >= k)
    fp = per_stats("inflate-needed", "sample")
    for tool, k in (("androguard", 50), ("exodus", 50)):
        st = per_stats(tool, "sample")
        row(f"{tool} median / inflate-needed median (per APK, sample, wall)", ratio(st and st["median"], fp and fp["median"]),
            f"(context: the ratio of a scan that cost only the floor; ≥ {k})", lambda v, k=k: v >= k)
    fdp = per_stats("inflate-digests", "sample")
    if fdp:
        for tool, k in (("androguard", 50), ("exodus", 50)):
            st = per_stats(tool, "sample")
            row(f"{tool} median / inflate-digests median (per APK, sample, wall)", ratio(st and st["median"], fdp["median"]),
                f"(context: the ratio of a scan that cost only the floor and the two digests; ≥ {k})", lambda v, k=k: v >= k)
    row("peak RSS MB, cleanscan -j 2, whole corpus", j2 and j2["rss"], "< 160", lambda v: v < 160)
    lg = whole.get(("cleanscan -j 2", "largest"))
    row("peak RSS MB, cleanscan -j 2, largest generated APK", lg and lg["rss"], "< 160", lambda v: v < 160)
    r_real, r_gen = whole.get(("cleanscan -j 2", "real")), whole.get(("cleanscan -j 2", "gen"))
    if r_real and r_gen and lg:
        out.append(f"\nRSS growth check (-j 2): real corpus {r_real['rss']:.0f} MB, generated corpus {r_gen['rss']:.0f} MB, "
                   f"largest generated APK alone {lg['rss']:.0f} MB.")
    if notes:
        out.append("")
        out.extend(f"- {n}" for n in notes)
    print("\n".join(out))


if __name__ == "__main__":
    main()
