#!/bin/sh
# Builds the libFuzzer harnesses (clang, in build/fuzz) and runs each one
# for SECONDS seconds (default 20) on a copy of its seed corpus
# (tests/fuzz/corpus/NAME; the tree's corpus is never written).  Fails when
# any harness reports a crash, a leak, a UBSan error, a timeout or a broken
# property; the input is then in build/fuzz/artifacts/NAME/.
#
#   tests/fuzz/run.sh              every harness, 20 s each (CI)
#   tests/fuzz/run.sh 600          a long run
#   tests/fuzz/run.sh 60 fuzz_csv_table fuzz_config
#
# See tests/fuzz/README.md for reproducing a crash.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=20
if [ $# -gt 0 ]; then
    secs=$1
    shift
fi
case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS] [HARNESS...]" >&2; exit 2 ;;
esac
build=$top/build/fuzz
src=$top/tests/fuzz
jobs=${SCIMSYNC_TEST_JOBS:-2}

echo "== build (clang, libFuzzer + ASan + UBSan) in $build"
# -O1 as OSS-Fuzz does.  The tree builds warning-free with clang, so -Werror
# stays on here too; this build looks for crashes.
CC=${CC:-clang}
case $CC in *clang*) ;; *) CC=clang ;; esac
CC=$CC cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE= -DCMAKE_C_FLAGS="-O1" \
    -DSCIMSYNC_FUZZ=ON -DSCIMSYNC_WERROR=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target scimsync_fuzzers >/dev/null

if [ $# -gt 0 ]; then
    names=$*
else
    names=$(cd "$src" && ls fuzz_*.c | sed 's/\.c$//')
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=""
echo "== $secs s per harness"
for name in $names; do
    bin=$build/tests/fuzz/$name
    if [ ! -x "$bin" ]; then
        echo "$name: not built (is its plugin disabled?)" >&2
        failed="$failed $name"
        continue
    fi
    work=$build/corpus/$name
    art=$build/artifacts/$name
    log=$build/logs/$name.log
    rm -rf "$work" "$art"
    mkdir -p "$work" "$art" "$build/logs"
    if [ -d "$src/corpus/$name" ]; then
        cp "$src/corpus/$name"/* "$work"/ 2>/dev/null || true
    fi
    seeds=$(ls "$work" | wc -l)
    set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -close_fd_mask=2 -artifact_prefix="$art/"
    [ -f "$src/$name.dict" ] && set -- "$@" -dict="$src/$name.dict"
    rc=0
    "$bin" "$@" "$work" >"$log" 2>&1 || rc=$?
    final_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | sed 's/cov: //')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | sed 's/ft: //')
    if [ "$rc" -ne 0 ] || grep -q 'runtime error:\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer' "$log"; then
        echo "$name: FAILED (exit $rc), log $log"
        grep -A 30 'ERROR:\|runtime error:\|fuzz check failed' "$log" | head -40 | cut -c1-160 | sed 's/^/    /'
        ls "$art" | sed "s|^|    input: $art/|"
        failed="$failed $name"
        continue
    fi
    printf '%-16s ok  %9s execs %6s/s  cov %5s  ft %6s  seeds %4s  new units %4s  rss %sMB\n' \
        "$name" "$(final_stat number_of_executed_units)" "$(final_stat average_exec_per_sec)" "${cov:-?}" \
        "${ft:-?}" "$seeds" "$(final_stat new_units_added)" "$(final_stat peak_rss_mb)"
done
if [ -n "$failed" ]; then
    echo "== FAILED:$failed"
    exit 1
fi
echo "== all harnesses ok"
