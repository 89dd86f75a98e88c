#!/bin/sh
# Runs fuzz targets one after another for SECONDS each (default 600),
# logging to /tmp/fuzz-<target>.log. Usage: scripts/fuzz_all.sh [SECONDS] TARGET...
set -u
cd "$(dirname "$0")/../fuzz"
secs=${1:-600}
shift
for t in "$@"; do
    case $t in
        zip_directory|apk|apk_streamed) len=131072 ;;
        *) len=65536 ;;
    esac
    # The streamed APK target shares the APK target's seeds and finds.
    seeds=$t
    [ "$t" = apk_streamed ] && seeds=apk
    mkdir -p "corpus/$seeds" "artifacts/$t"
    # Without seeds a target may never get past its format's magic: the dex
    # target ran 353 M inputs at 13 edges of coverage from two tiny files.
    if [ "$(ls "corpus/$seeds" | wc -l)" -lt 10 ]; then
        echo "$t: fewer than 10 seeds in fuzz/corpus/$seeds; run scripts/fuzz_seed.sh first" >&2
    fi
    nice cargo fuzz run -s none "$t" "corpus/$seeds" -- -max_total_time="$secs" -rss_limit_mb=1024 \
        -timeout=10 -max_len="$len" -print_final_stats=1 > "/tmp/fuzz-$t.log" 2>&1
    echo "$t exit $?" >> /tmp/fuzz-summary.log
done
