#!/usr/bin/env bash
# Signature verification speed, in one run:
#   1. a ~100 MB APK made here (a corpus APK plus a 100 MB stored asset,
#      signed v1+v2+v3 by apksigner with the corpus's rsa-2048 test key):
#      cleanscan's verification alone (MB/s), `cleanscan scan`, `apksigner verify`;
#   2. every APK of ../shared/corpus/real: `cleanscan scan -j 1` (whole
#      process, full report) and cleanscan's signature work alone, versus
#      `apksigner verify` run once per APK (whole process, as people use it).
# Prints the times and the ratios. Installs apksigner (Debian package) when missing.
# Usage: scripts/bench_verify.sh [CORPUS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-../shared/corpus/real}
[ -d "$DIR" ] || { echo "missing folder $DIR"; exit 2; }
if ! command -v apksigner > /dev/null; then
    apt-get update -qq && apt-get install -y -qq apksigner > /dev/null
fi
cargo build --release --quiet
cargo build --release --quiet --example verify_bench
BIN=target/release/cleanscan
VB=target/release/examples/verify_bench
now() { date +%s.%N; }
el() { awk "BEGIN{print $2 - $1}"; }
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT

# 1. The large APK.
python3 - "$DIR/apksig/original.apk" "$WORK/big-unsigned.apk" <<'PY'
import sys, zipfile, random
src, dst = sys.argv[1], sys.argv[2]
rnd = random.Random(4)
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
    for i in zin.infolist():
        if i.filename.startswith("META-INF/"):
            continue
        zout.writestr(i, zin.read(i.filename))
    blob = bytes(rnd.getrandbits(8) for _ in range(1 << 20)) * 100
    zout.writestr(zipfile.ZipInfo("assets/big.bin"), blob, compress_type=zipfile.ZIP_STORED)
PY
apksigner sign --key "$DIR/apksig/rsa-2048.pk8" --cert "$DIR/apksig/rsa-2048.x509.pem" \
    --out "$WORK/big.apk" "$WORK/big-unsigned.apk"
SIZE=$(stat -c %s "$WORK/big.apk")
cat "$WORK/big.apk" > /dev/null
echo "large APK: $((SIZE / 1000000)) MB (v1+v2+v3, RSA-2048)"
"$VB" --reps 3 "$WORK/big.apk"
# Reference: one SHA-256 stream over 100 MB on this machine right now (OpenSSL via python3).
python3 -c "
import hashlib, time
b = bytes(100 << 20); t = time.time(); hashlib.sha256(b).digest()
print('reference: SHA-256 (OpenSSL, one stream) %.0f MB/s' % (104.8576 / (time.time() - t)))"
t0=$(now); "$BIN" scan -q -f jsonl "$WORK/big.apk" > /dev/null || true; t1=$(now); BS=$(el "$t0" "$t1")
t0=$(now); apksigner verify "$WORK/big.apk" > /dev/null 2>&1 || true; t1=$(now); BA=$(el "$t0" "$t1")
printf '%-44s %8.3f s\n' "cleanscan scan (whole process)" "$BS" "apksigner verify (whole process)" "$BA"
printf 'ratio apksigner / cleanscan on the large APK: %.2f\n' "$(awk "BEGIN{print $BA / $BS}")"

# 2. The corpus.
LIST="$WORK/list"
find "$DIR" -type f -name '*.apk' | sort > "$LIST"
N=$(wc -l < "$LIST"); BYTES=$(xargs -d '\n' cat < "$LIST" | wc -c)
echo "corpus: $N APKs, $((BYTES / 1000000)) MB, from $DIR"
"$VB" "@$LIST"
t0=$(now); "$BIN" scan -q -j 1 -f jsonl - < "$LIST" > /dev/null || true; t1=$(now); CS=$(el "$t0" "$t1")
t0=$(now)
while IFS= read -r f; do
    if [ -f "$f.idsig" ]; then
        apksigner verify --v4-signature-file "$f.idsig" "$f" > /dev/null 2>&1 || true
    else
        apksigner verify "$f" > /dev/null 2>&1 || true
    fi
done < "$LIST"
t1=$(now); CA=$(el "$t0" "$t1")
printf '%-44s %8.3f s\n' "cleanscan scan -j 1 (whole process, all)" "$CS" "apksigner verify, once per APK" "$CA"
printf 'ratio apksigner / cleanscan scan over the corpus: %.1f\n' "$(awk "BEGIN{print $CA / $CS}")"
