#!/bin/sh
# The first command to try: builds scimsync, starts a local IAM Identity
# Center SCIM emulator on a free loopback port, and syncs the demo CSV
# directory (conf.d/demo) into it twice: the first run creates everything,
# the second has nothing to do.  Leaves only the build folder build-demo.
#
# Usage: packaging/demo.sh      (works on a fresh Debian machine; installs
#                                build dependencies with apt-get / sudo)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-demo"

"$root/packaging/install-deps.sh" build
if ! command -v python3 >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    echo "installing: python3" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 >/dev/null
fi

echo "== building scimsync (Release) in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/scimsync-demo.XXXXXX")
emu_pid=""
cleanup() {
    if [ -n "$emu_pid" ]; then
        kill "$emu_pid" 2>/dev/null || true
        wait "$emu_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A token made up for this run: the emulator accepts only it.
SCIMSYNC_DEMO_TOKEN="demo-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export SCIMSYNC_DEMO_TOKEN
tenant=t-demo0123456789
python3 "$root/tests/fixtures/scim_emulator.py" --port 0 --port-file "$work/port" \
    --token "$SCIMSYNC_DEMO_TOKEN" --tenant "$tenant" >/dev/null 2>"$work/emulator.log" &
emu_pid=$!
i=0
while [ ! -s "$work/port" ]; do
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$emu_pid" 2>/dev/null; then
        echo "demo: the SCIM emulator did not start:" >&2
        cat "$work/emulator.log" >&2
        exit 1
    fi
    sleep 0.1
done
url="http://127.0.0.1:$(cat "$work/port")/$tenant/scim/v2/"
mkdir "$work/conf.d"
printf '[target idc]\nurl = %s\n' "$url" >"$work/conf.d/50-demo-url.ini"
echo "== IAM Identity Center emulator listening at $url"

scimsync() {
    SCIMSYNC_PLUGIN_PATH="$build/plugins" "$build/core/scimsync" \
        -c "$root/conf.d/demo/scimsync.ini" --conf-dir "$work/conf.d" "$@"
}

echo
echo "== first sync: the plan, then the summary"
scimsync sync
echo
echo "== second sync: nothing changed in the CSV files"
scimsync sync
echo
echo "== done; the emulator is stopped and $work removed"
