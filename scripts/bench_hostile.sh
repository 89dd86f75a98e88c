#!/bin/sh
# Measures cleanscan on hostile input (issue 5):
#  1. a zip bomb whose entries inflate to 10 GiB (written by our own generator,
#     tests/hostile/gen.rs, streamed to $TMP), scanned alone;
#  2. a 1,000-app batch built from corpus/ samples with every 10th app
#     corrupted, scanned at -j 2 to JSONL;
#  3. an APK whose v1 manifest names a million entries it lacks (2.9 MB on
#     disk, 93 MB inflated): peak RSS, wall time and the size of the report,
#     whose v1 errors are listed up to 100 and the rest counted;
#  4. an APK whose META-INF/CERT.SF has 1,100,000 sections (3.1 MB on disk,
#     98 MB inflated; its signature block is not valid): peak RSS and wall;
#  5. when ../shared is beside the checkout: the v1-signed
#     vasdolly/v1-base-debug.apk with 65,000 entries added that its manifest
#     lacks (15 MB): each fails by name; peak RSS, wall, 100 errors listed.
# Peak RSS comes from /usr/bin/time -v (apt-get install time if missing).
# Checks: every good app has its package and no error record, every bad one
# has an error record, exit codes as DESIGN.md says (1 when an app fails a
# policy, 0 with --no-signatures).
# Usage: scripts/bench_hostile.sh [GIB] [APPS]     (defaults 10 and 1000)
set -eu
cd "$(dirname "$0")/.."
GIB=${1:-10}
APPS=${2:-1000}
TMP=${TMPDIR:-/tmp}/cleanscan-bench-hostile
rm -rf "$TMP" && mkdir -p "$TMP"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 2; }

cargo build --release --quiet --bin cleanscan --example hostile_gen
BIN=target/release/cleanscan
GEN=target/release/examples/hostile_gen

rss() { grep 'Maximum resident set size' "$1" | awk '{print $6}'; }
wall() { grep 'Elapsed (wall clock)' "$1" | awk '{print $8}'; }

echo "== zip bomb ($GIB GiB inflated)"
$GEN bomb "$TMP/bomb.apk" "$GIB"
set +e
/usr/bin/time -v $BIN scan -q --no-signatures -f jsonl -o "$TMP/bomb.jsonl" "$TMP/bomb.apk" 2> "$TMP/bomb.time"
code=$?
set -e
echo "exit $code, peak RSS $(rss "$TMP/bomb.time") KiB, wall $(wall "$TMP/bomb.time")"
python3 - "$TMP/bomb.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
print("package", r["app"].get("id"))
for e in r["errors"]:
    print("  error", e["stage"], e["file"], e["message"])
assert r["app"].get("id"), "manifest not decoded"
assert any("compression ratio" in e["message"] for e in r["errors"]), "bomb not stopped by the ratio check"
PY

# one_app NAME MODE N [IN]: writes `hostile_gen MODE $TMP/NAME.apk N [IN]`, scans it
# alone to $TMP/NAME.jsonl and prints its exit code, peak RSS and wall time,
# then prints its v1 errors and checks that there are at most 103 of them.
one_app() {
    $GEN "$2" "$TMP/$1.apk" "$3" ${4:+"$4"}
    set +e
    /usr/bin/time -v $BIN scan -q -f jsonl -o "$TMP/$1.jsonl" "$TMP/$1.apk" 2> "$TMP/$1.time"
    code=$?
    set -e
    echo "exit $code, APK $(wc -c < "$TMP/$1.apk") bytes, peak RSS $(rss "$TMP/$1.time") KiB, wall $(wall "$TMP/$1.time"), report $(wc -c < "$TMP/$1.jsonl") bytes"
    python3 - "$TMP/$1.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
errors = r["signature_verification"]["errors"]
print("  v1 errors:", len(errors), "; last two:", errors[-2:])
assert r["app"].get("id"), "manifest not decoded"
assert len(errors) <= 103, f"{len(errors)} errors listed"
PY
}

echo "== v1 manifest naming 1,048,576 absent entries"
one_app sections sections 1048576
echo "== v1 .SF of 1,100,000 sections"
one_app sf sf 1100000
V1APK=../shared/corpus/real/vasdolly/v1-base-debug.apk
if [ -f "$V1APK" ]; then
    echo "== v1 APK with 65,000 entries its manifest lacks"
    one_app added added 65000 "$V1APK"
else
    echo "== skipped: the v1 APK with added entries needs $V1APK (../shared beside the checkout)"
fi

echo "== $APPS-app batch, every 10th corrupted, -j 2"
# Good apps are the corpus samples a scan reports without an error record
# (tampered-zip.apk carries Android's refusal of duplicate names by design).
GOOD=$(python3 -c '
import glob, json
for p in sorted(glob.glob("corpus/*.expected.json")):
    e = json.load(open(p))
    if not e.get("errors"):
        print("corpus/" + e["file"])
')
# shellcheck disable=SC2086 # one sample path per word (no spaces in corpus names)
$GEN batch "$TMP/batch" "$APPS" $GOOD
for mode in signatures no-signatures; do
    flag=""
    [ $mode = no-signatures ] && flag="--no-signatures"
    set +e
    /usr/bin/time -v $BIN scan -q $flag -j 2 -f jsonl -o "$TMP/batch-$mode.jsonl" "$TMP/batch" 2> "$TMP/batch-$mode.time"
    code=$?
    set -e
    echo "$mode: exit $code, peak RSS $(rss "$TMP/batch-$mode.time") KiB, wall $(wall "$TMP/batch-$mode.time")"
    python3 - "$TMP/batch-$mode.jsonl" "$TMP/batch.bad.txt" "$APPS" "$code" "$mode" <<'PY'
import json, sys
out, badf, n, code, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
bad = set(open(badf).read().split())
reps = [json.loads(l) for l in open(out)]
assert len(reps) == n, f"{len(reps)} reports for {n} apps"
good_ok = sum(1 for r in reps if r["path"] not in bad and r["app"].get("id") and not r["errors"])
bad_ok = sum(1 for r in reps if r["path"] in bad and r["errors"])
internal = sum(1 for r in reps for e in r["errors"] if e["stage"] == "internal")
fails = sum(1 for r in reps if any(v.get("status") == "fail" for v in r.get("verdicts", [])))
print(f"  good apps reported cleanly: {good_ok}/{n - len(bad)}; bad apps with an error record: {bad_ok}/{len(bad)}; internal errors: {internal}; apps failing a policy: {fails}")
assert good_ok == n - len(bad) and bad_ok == len(bad) and internal == 0
want = 1 if fails else 0
assert code == want, f"exit {code}, expected {want}"
PY
done
rm -rf "$TMP/batch" "$TMP/bomb.apk" "$TMP/sections.apk" "$TMP/sf.apk"
echo "ok"
