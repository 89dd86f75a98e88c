#!/usr/bin/env bash
# Whole-process benchmark of cleanscan against the physical floor and the tools
# people use today, in ONE run on the same inputs (issue 6; method in BENCHMARKS.md).
#
#   scripts/bench_peers.sh [-o REPORT.md] [--real DIR] [--sample N] [--gen-count N]
#                          [--gen-large K] [--peers "LIST"] [--no-peers] [--timeout S] [--rounds N]
#                          [--per-rounds N]
#
# Measures wall time, CPU time (user+sys) and peak RSS with GNU time
# (`/usr/bin/time -f '%e %U %S %M'`; per-APK runs take wall and CPU from the tool's own process
# at microsecond resolution and peak RSS from a separate run under GNU time,
# scripts/bench_per_apk.py) of:
#   floor      cat of every APK; `unzip -p APK > /dev/null` one APK after another;
#              examples/inflate_needed.rs (inflate only the entries a scanner needs) at -j 1, -j 2,
#              at -j 1 with the file's SHA-256 (--sha256) and with it and the v2/v3 content digest
#              (--digests: the two digests a verifying scan cannot skip), and per APK at -j 1
#              (`inflate-needed`: what a one-process-per-APK scan costs at least)
#   cleanscan  `scan -q -f jsonl -j 1|2` (release-lto build, report to /dev/null; exit 1 = a policy failed);
#              per APK `scan -q -f jsonl APK` (default threads) and `-j 1`
#   peers      one process per APK, as they are used: androguard 4 APK()+DEX() listing
#              (scripts/androguard_list.py), the Exodus method (dexdump + a regex loop over
#              Exodus's tracker list, scripts/exodus_method.py), `aapt dump badging`, `apksigner verify --print-certs`,
#              APKiD, and the apk-info crate's CLI
# over all APKs of the real corpus (default ../shared/corpus/real) and a generated corpus
# (examples/gen_bench.rs; 200 APKs, the last 4 over 50 MB) kept with the peers' installs in
# ${CLEANSCAN_BENCH_CACHE:-~/.cache/cleanscan-bench} (never in the repository). Peers are slow,
# so they run on a fixed sample (--sample N, default 40: evenly spaced APKs of 100 KB to 5 MB,
# three quarters real, one quarter generated) and on the largest generated APK, in --per-rounds N
# interleaved rounds (default 3; each APK's median over them).
# Peers are installed here from the package registries (pip into a venv, apt, cargo install
# --root), idempotently; a peer whose install fails is skipped with a message.
# The markdown tables go to stdout and, with -o, to REPORT.md; the raw measurements stay in the
# cache folder (results-*.tsv). About 10-15 minutes on a quiet 2-core machine once installed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

OUT=""
REAL=../shared/corpus/real
SAMPLE=40
GEN_COUNT=200
GEN_LARGE=4
PEERS="aapt apksigner apk-info apkid exodus androguard"
TIMEOUT=300
ROUNDS=5
PER_ROUNDS=3
while [ $# -gt 0 ]; do
    case "$1" in
        -o) OUT=$2; shift 2 ;;
        --real) REAL=$2; shift 2 ;;
        --sample) SAMPLE=$2; shift 2 ;;
        --gen-count) GEN_COUNT=$2; shift 2 ;;
        --gen-large) GEN_LARGE=$2; shift 2 ;;
        --peers) PEERS=$2; shift 2 ;;
        --no-peers) PEERS=""; shift ;;
        --timeout) TIMEOUT=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --per-rounds) PER_ROUNDS=$2; shift 2 ;;
        -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

CACHE=${CLEANSCAN_BENCH_CACHE:-$HOME/.cache/cleanscan-bench}
GEN=$CACHE/gen
VENV=$CACHE/venv
mkdir -p "$CACHE"
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
RES=$CACHE/results-$(date +%Y%m%d-%H%M%S).tsv
: > "$RES"

log() { echo "[bench] $*" >&2; }
note() { echo "# $*" >> "$RES"; log "$*"; }

apt_get() { # install Debian packages, updating the package lists once if needed
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" > "$WORK/apt.log" 2>&1 && return 0
    apt-get update -q > /dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" > "$WORK/apt.log" 2>&1
}

# --- tools ----------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
    log "installing GNU time"; apt_get time || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 2; }
fi
command -v unzip > /dev/null || apt_get unzip || { echo "unzip is needed" >&2; exit 2; }

# --- inputs ---------------------------------------------------------------
# cleanscan and the floor are built alike, as the distribution build (README "Install"): the
# `release-lto` profile (Cargo.toml) and, on Linux with glibc, statically linked (`+crt-static`,
# which needs an explicit --target so that build scripts and proc macros stay dynamic). A static
# binary skips the dynamic loader and lazy symbol binding: about 1 ms of every process, which
# one-process-per-APK runs pay per APK (BENCHMARKS.md, step 23).
HOST=$(rustc -vV | sed -n 's/^host: //p')
case "$HOST" in
    *-linux-gnu) DIST_FLAGS="-C target-feature=+crt-static" ;;
    *) DIST_FLAGS="" ;;
esac
log "building (release-lto, $HOST${DIST_FLAGS:+, static}): cleanscan, example inflate_needed; (release): example gen_bench"
RUSTFLAGS="${RUSTFLAGS:-} $DIST_FLAGS" cargo build --profile release-lto --target "$HOST" --quiet --bin cleanscan \
    --example inflate_needed || exit 2
cargo build --release --quiet --example gen_bench || exit 2
# Both run from copies, as installed (`cargo install` copies the binary too): the file a linker
# has just written sits in the page cache in small pieces, and a process started from it maps its
# code in smaller steps (more page faults), 3-5 % more time per APK on this VM than the same bytes
# copied or read back from disk (BENCHMARKS.md, "Method").
BIN=$WORK/cleanscan
FLOOR=$WORK/inflate_needed
cat "$ROOT/target/$HOST/release-lto/cleanscan" > "$BIN" && cat "$ROOT/target/$HOST/release-lto/examples/inflate_needed" > "$FLOOR" \
    && chmod 755 "$BIN" "$FLOOR" || exit 2

STAMP=$( (cat examples/gen_bench.rs examples/gen_corpus/*.rs signatures/sdks.json; echo "$GEN_COUNT $GEN_LARGE") | sha256sum | cut -c1-16)
if [ "$(cat "$GEN/.stamp" 2>/dev/null)" != "$STAMP" ]; then
    log "generating $GEN_COUNT APKs into $GEN (about a minute)"
    rm -rf "$GEN"; mkdir -p "$GEN"
    "$ROOT/target/release/examples/gen_bench" "$GEN" --count "$GEN_COUNT" --large "$GEN_LARGE" 2> "$WORK/gen.log" \
        || { cat "$WORK/gen.log" >&2; exit 2; }
    echo "$STAMP" > "$GEN/.stamp"
fi

find "$GEN" -type f -name '*.apk' | sort > "$WORK/gen.list"
if [ -d "$REAL" ]; then
    find "$REAL" -type f -name '*.apk' | sort > "$WORK/real.list"
else
    log "no real corpus at $REAL: generated corpus only"; : > "$WORK/real.list"
fi
SETS=""
for s in real gen; do [ -s "$WORK/$s.list" ] && SETS="$SETS $s"; done
cat "$WORK/real.list" "$WORK/gen.list" > "$WORK/all.list"
LARGEST=$(xargs -d '\n' ls -S < "$WORK/gen.list" | head -1)
# The peer sample: evenly spaced APKs of 100 KB to 5 MB, 3/4 real and 1/4 generated.
python3 "$ROOT/scripts/bench_sample.py" "$REAL" "$GEN" "$SAMPLE" > "$WORK/sample.list"
mb() { xargs -d '\n' cat < "$1" | wc -c | awk '{printf "%.1f", $1 / 1e6}'; }
note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -m | awk '/Mem:/{print $2}') MB RAM; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
note "cleanscan $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+local changes'); inputs: real $(wc -l < "$WORK/real.list") APKs ($(mb "$WORK/real.list") MB), generated $(wc -l < "$WORK/gen.list") APKs ($(mb "$WORK/gen.list") MB), largest generated $(basename "$LARGEST") ($(mb <(echo "$LARGEST")) MB); peer sample $(wc -l < "$WORK/sample.list") APKs ($(mb "$WORK/sample.list") MB)"

# --- peers ----------------------------------------------------------------
declare -A CMD # peer -> command prefix (the APK path is appended)
have_peer() { [[ " $PEERS " == *" $1 "* ]]; }
venv() {
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" > /dev/null 2>&1 || return 1
}
if have_peer aapt; then
    command -v aapt > /dev/null || apt_get aapt || true
    if command -v aapt > /dev/null; then CMD[aapt]="aapt dump badging"; note "aapt: $(aapt version 2>&1 | head -1)"
    else note "aapt: install failed (apt-get install aapt), skipped"; fi
fi
if have_peer apksigner; then
    command -v apksigner > /dev/null || apt_get apksigner || true
    if command -v apksigner > /dev/null; then CMD[apksigner]="apksigner verify --print-certs"; note "apksigner: $(apksigner --version 2>&1 | head -1)"
    else note "apksigner: install failed (apt-get install apksigner), skipped"; fi
fi
if have_peer exodus; then
    command -v dexdump > /dev/null || apt_get dexdump || true
    # Exodus's own tracker list: the copy MobSF ships (`mobsf/signatures/exodus_trackers`, the
    # reports API's JSON), taken from MobSF's wheel on PyPI (pinned; ~100 MB, downloaded once).
    # Without it, the loop runs over cleanscan's SDK signatures instead, and the report says so.
    EXODUS_DB=$CACHE/exodus_trackers.json
    if [ ! -s "$EXODUS_DB" ] && venv; then
        rm -rf "$WORK/mobsf"
        "$VENV/bin/pip" download -q --no-deps --only-binary :all: -d "$WORK/mobsf" mobsf==4.4.0 > "$WORK/pip-mobsf.log" 2>&1 \
            && unzip -p "$WORK"/mobsf/mobsf-4.4.0-*.whl mobsf/signatures/exodus_trackers > "$WORK/exodus_trackers.json" 2> /dev/null \
            && python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["trackers"]) > 100' "$WORK/exodus_trackers.json" 2> /dev/null \
            && mv "$WORK/exodus_trackers.json" "$EXODUS_DB"
        rm -rf "$WORK/mobsf"
    fi
    if command -v dexdump > /dev/null; then
        DEXDUMP="Debian dexdump ($(dpkg-query -W -f '${Version}' dexdump 2>/dev/null))"
        if [ -s "$EXODUS_DB" ]; then
            CMD[exodus]="python3 $ROOT/scripts/exodus_method.py $EXODUS_DB"
            # The same method over cleanscan's SDK list, as this benchmark ran it before 2026-12-06
            # 16:00: a context row, so that runs before and after compare.
            CMD[exodus-sdks]="python3 $ROOT/scripts/exodus_method.py $ROOT/signatures/sdks.json"
            note "exodus method: $DEXDUMP + python3 regex loop over Exodus's $(python3 -c 'import json,sys;print(sum(len(t.get("code_signature") or "") > 3 for t in json.load(open(sys.argv[1]))["trackers"].values()))' "$EXODUS_DB") tracker code signatures (MobSF 4.4.0's copy, PyPI)"
        else
            CMD[exodus]="python3 $ROOT/scripts/exodus_method.py $ROOT/signatures/sdks.json"
            note "exodus method: $DEXDUMP + python3 regex loop over $(python3 -c "import json;print(len(json.load(open('signatures/sdks.json'))['sdks']))") cleanscan SDK signatures (Exodus's tracker list not available: pip download mobsf==4.4.0 failed: $(tail -1 "$WORK/pip-mobsf.log" 2>/dev/null))"
        fi
    else note "exodus method: dexdump install failed (apt-get install dexdump), skipped"; fi
fi
if have_peer androguard; then
    if venv && { "$VENV/bin/python" -c 'import androguard.core.apk' 2> /dev/null \
        || "$VENV/bin/pip" install -q 'androguard>=4,<5' > "$WORK/pip-ag.log" 2>&1; }; then
        CMD[androguard]="$VENV/bin/python $ROOT/scripts/androguard_list.py"
        note "androguard: $("$VENV/bin/pip" show androguard 2>/dev/null | awk '/^Version/{print $2}') (pip, $VENV)"
    else note "androguard: pip install 'androguard>=4,<5' failed, skipped: $(tail -1 "$WORK/pip-ag.log" 2>/dev/null)"; fi
fi
if have_peer apkid; then
    if venv && { [ -x "$VENV/bin/apkid" ] || "$VENV/bin/pip" install -q apkid > "$WORK/pip-apkid.log" 2>&1; } \
        && "$VENV/bin/apkid" --help > /dev/null 2>&1; then
        CMD[apkid]="$VENV/bin/apkid"
        note "apkid: $("$VENV/bin/pip" show apkid 2>/dev/null | awk '/^Version/{print $2}') with yara-python-dex $("$VENV/bin/pip" show yara-python-dex 2>/dev/null | awk '/^Version/{print $2}') (pip, prebuilt wheel)"
    else note "apkid: pip install apkid failed (its yara-python-dex fork), skipped: $(tail -1 "$WORK/pip-apkid.log" 2>/dev/null)"; fi
fi
if have_peer apk-info; then
    AI=$CACHE/cargo/bin/apk-info
    if [ ! -x "$AI" ]; then
        log "cargo install apk-info-cli (several minutes, once)"
        cargo install --quiet --locked apk-info-cli --root "$CACHE/cargo" > "$WORK/cargo-ai.log" 2>&1 || true
    fi
    if [ -x "$AI" ]; then
        CMD[apk-info]="$AI show --signatures --json"
        note "apk-info: $("$AI" --version 2>&1 | head -1) (cargo install apk-info-cli --root $CACHE/cargo)"
    else note "apk-info: cargo install apk-info-cli failed, skipped: $(grep -m1 '^error' "$WORK/cargo-ai.log" 2>/dev/null)"; fi
fi

# --- measuring ------------------------------------------------------------
# measure KIND TOOL SET FILE INPUT CMD...: runs CMD (stdin from INPUT, stdout to /dev/null) under
# GNU time and a timeout, appends one row to $RES.
measure() {
    local kind=$1 tool=$2 set=$3 file=$4 input=$5; shift 5
    local t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" timeout "$TIMEOUT" "$@" < "$input" > /dev/null 2> "$WORK/stderr"
    local rc=$? t1=$EPOCHREALTIME
    [ "$rc" -eq 124 ] && note "$tool timed out after $TIMEOUT s on $file"
    [ "$rc" -ge 2 ] && [ "$rc" -ne 124 ] && [ "$kind" = whole ] && note "$tool on $set exited $rc: $(tail -1 "$WORK/stderr")"
    # GNU time's %e has 10 ms steps; the wall time comes from bash's microsecond clock instead.
    read -r _ user sys rss < <(tail -1 "$WORK/time")
    local wall; wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$tool" "$set" "$file" "$wall" "$user" "$sys" "$rss" "$rc" >> "$RES"
}
unzip_all() { while IFS= read -r f; do unzip -p "$f" > /dev/null 2>&1; done; }
export -f unzip_all

log "warming the page cache"
xargs -d '\n' cat < "$WORK/all.list" > /dev/null
# Every whole-process contender runs ROUNDS times, the rounds interleaved (contender A, B, ... then
# A, B, ... again), so that a slow spell of this shared machine falls on all of them alike; the
# report takes each one's median round.
echo "$LARGEST" > "$WORK/largest.list"
note "whole-process runs: $ROUNDS interleaved rounds each, median round reported"
for round in $(seq "$ROUNDS"); do
    for s in $SETS; do
        L=$WORK/$s.list
        log "whole-process runs over $s ($(wc -l < "$L") APKs), round $round of $ROUNDS"
        measure whole "cat" "$s" - /dev/null xargs -a "$L" -d '\n' cat
        measure whole "unzip -p" "$s" - "$L" bash -c unzip_all
        measure whole "inflate needed -j 1" "$s" - "$L" "$FLOOR" -j 1
        measure whole "inflate needed -j 2" "$s" - "$L" "$FLOOR" -j 2
        measure whole "inflate needed + sha256 -j 1" "$s" - "$L" "$FLOOR" -j 1 --sha256
        measure whole "inflate needed + digests -j 1" "$s" - "$L" "$FLOOR" -j 1 --digests
        measure whole "cleanscan -j 1" "$s" - "$L" "$BIN" scan -q -j 1 -f jsonl -
        measure whole "cleanscan -j 2" "$s" - "$L" "$BIN" scan -q -j 2 -f jsonl -
    done
    measure whole "inflate needed -j 1" largest - "$WORK/largest.list" "$FLOOR" -j 1
    measure whole "cleanscan -j 1" largest - "$WORK/largest.list" "$BIN" scan -q -j 1 -f jsonl -
    measure whole "cleanscan -j 2" largest - "$WORK/largest.list" "$BIN" scan -q -j 2 -f jsonl -
done

# Per APK, cleanscan runs as a user runs it (`scan APK`: one worker per core, the database loading
# beside the app, work inside the app on both cores) and, for a one-core view, with -j 1.
CMD[cleanscan]="$BIN scan -q -f jsonl"
CMD[cleanscan-j1]="$BIN scan -q -j 1 -f jsonl"
# The floor per APK: a process that reads the APK and inflates the entries a scanner needs, nothing
# else. The per-APK ratios against it show what a scan that cost no more could reach.
CMD[inflate-needed]="$FLOOR -j 1"
# The same with the file's SHA-256 and the v2/v3 content digest, the two digests a verifying scan
# cannot skip (it does not hash a v1-only APK's entries, which such a scan must also do).
CMD[inflate-digests]="$FLOOR -j 1 --digests"
# Every tool runs over the sample (and the largest APK) once per round, the tools interleaved
# (every tool, then every tool again), so that a slow spell of this shared machine falls on all of
# them alike; the report takes each APK's median over the rounds. Peak RSS is measured in the first
# round only, by a separate run under GNU time (bench_per_apk.py says why).
note "per-APK runs: $PER_ROUNDS interleaved rounds, each APK's median over them"
for round in $(seq "$PER_ROUNDS"); do
    rss=""; [ "$round" -eq 1 ] && rss="--rss"
    for tool in cleanscan cleanscan-j1 inflate-needed inflate-digests aapt apksigner apk-info apkid exodus exodus-sdks androguard; do
        [ -n "${CMD[$tool]:-}" ] || continue
        log "per-APK runs, round $round of $PER_ROUNDS: $tool on the sample ($(wc -l < "$WORK/sample.list") APKs) and on the largest generated APK"
        # shellcheck disable=SC2086 # the command prefix is split on purpose
        python3 "$ROOT/scripts/bench_per_apk.py" "$RES" "$tool" sample "$WORK/sample.list" "$TIMEOUT" $rss ${CMD[$tool]}
        # shellcheck disable=SC2086
        python3 "$ROOT/scripts/bench_per_apk.py" "$RES" "$tool" largest "$WORK/largest.list" "$TIMEOUT" $rss ${CMD[$tool]}
    done
done
note "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); raw measurements: $RES"

python3 "$ROOT/scripts/bench_report.py" "$RES" > "$WORK/report.md"
cat "$WORK/report.md"
[ -n "$OUT" ] && cp "$WORK/report.md" "$OUT" && log "report written to $OUT"
exit 0
