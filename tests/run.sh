#!/bin/sh
# The whole test suite: installs what the tests need (Debian packages),
# builds warning-free (-Werror), runs every unit and integration test, builds
# with clang (-Werror) and runs the unit tests, then builds again with
# ASan+UBSan and runs the suite under the sanitizers.
#
#   tests/run.sh              everything
#   tests/run.sh --no-sanitize  skip the sanitizer pass
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sanitize=1
[ "${1:-}" = "--no-sanitize" ] && sanitize=0

packaging/install-deps.sh test

jobs=${SCIMSYNC_TEST_JOBS:-2}

echo "== build (Debug, -Werror)"
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DSCIMSYNC_WERROR=ON >/dev/null
cmake --build build/test -j"$jobs"
echo "== tests"
ctest --test-dir build/test --output-on-failure -j"$jobs"

# clang warns where gcc does not (-Wformat-nonliteral ...): the tree must
# build with both under -Werror (install-deps.sh test installs clang).  Only
# the unit tests run again here.
echo "== build (clang, Debug, -Werror)"
CC=clang cmake -S . -B build/clang -DCMAKE_BUILD_TYPE=Debug -DSCIMSYNC_WERROR=ON >/dev/null
cmake --build build/clang -j"$jobs"
echo "== unit tests (clang)"
ctest --test-dir build/clang --output-on-failure -j"$jobs" -L unit

if [ "$sanitize" = 1 ]; then
    echo "== build (ASan+UBSan)"
    cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSCIMSYNC_WERROR=ON -DSCIMSYNC_SANITIZE=ON >/dev/null
    cmake --build build/asan -j"$jobs"
    echo "== tests under ASan+UBSan"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build/asan --output-on-failure -j"$jobs" -LE no-sanitize
fi
