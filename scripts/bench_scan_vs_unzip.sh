#!/usr/bin/env bash
# Whole-process wall time, in one run on the same inputs:
#   1. `unzip -p APK > /dev/null` over every APK, one after another (inflate every entry);
#   2. `cleanscan scan -j 1` and `-j 2` over the same APKs (full report, JSONL to /dev/null).
# Usage: scripts/bench_scan_vs_unzip.sh [DIR]   (default ../shared/corpus/real)
# Prints the figures and the ratios. Needs: unzip, awk, a release build (built here).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-../shared/corpus/real}
[ -d "$DIR" ] || { echo "missing folder $DIR"; exit 2; }
cargo build --release --quiet
BIN=target/release/cleanscan
LIST=$(mktemp); trap 'rm -f "$LIST"' EXIT
find "$DIR" -type f -name '*.apk' | sort > "$LIST"
N=$(wc -l < "$LIST"); BYTES=$(xargs -d '\n' cat < "$LIST" | wc -c)
echo "inputs: $N APKs, $((BYTES / 1000000)) MB, from $DIR"
now() { date +%s.%N; }
# Warm the page cache so every contender reads from memory.
xargs -d '\n' cat < "$LIST" > /dev/null
t0=$(now); while IFS= read -r f; do unzip -p "$f" > /dev/null 2>&1 || true; done < "$LIST"; t1=$(now)
UNZIP=$(awk "BEGIN{print $t1 - $t0}")
# Exit code 1 means "some app failed a policy", not an error.
scan() { "$BIN" scan -q -j "$1" -f jsonl - < "$LIST" > /dev/null || [ $? -eq 1 ]; }
t0=$(now); scan 1; t1=$(now)
J1=$(awk "BEGIN{print $t1 - $t0}")
t0=$(now); scan 2; t1=$(now)
J2=$(awk "BEGIN{print $t1 - $t0}")
printf '%-40s %8.3f s\n' "unzip -p (sequential, every entry)" "$UNZIP" "cleanscan scan -j 1" "$J1" "cleanscan scan -j 2" "$J2"
printf 'ratio cleanscan -j 2 / unzip -p: %.3f\n' "$(awk "BEGIN{print $J2 / $UNZIP}")"
printf 'speed-up -j 1 -> -j 2: %.2fx\n' "$(awk "BEGIN{print $J1 / $J2}")"
