#!/bin/sh
# Installs scimsync into a temporary prefix, builds plugins/example-source out
# of tree against that install (found only through PKG_CONFIG_PATH), installs
# the plugin into the pkg-config plugindir, and runs the installed binary:
# `plugins` must list it and a sync must carry its users to a target.
#
# usage: out-of-tree-plugin.sh BUILD_DIR SOURCE_DIR MEMORY_TARGET_SO
set -eu
build=$1
src=$2
memory_so=$3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scimsync-pkgtest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install into $prefix"; }

pc=$(find "$prefix" -name scimsync-plugin.pc)
[ -n "$pc" ] || fail "scimsync-plugin.pc not installed under $prefix"
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
plugindir=$(pkg-config --variable=plugindir scimsync-plugin)
cflags=$(pkg-config --cflags scimsync-plugin)
cflags=${cflags%% *}
case $plugindir in
"$prefix"/*) ;;
*) fail "plugindir $plugindir is outside the install prefix $prefix" ;;
esac
[ -d "$plugindir" ] || fail "plugindir $plugindir does not exist"
case $cflags in
*"-I$prefix/"*) ;;
*) fail "pkg-config --cflags gives '$cflags', not the installed include dir" ;;
esac
[ -f "${cflags#-I}/scimsync/plugin.h" ] || fail "no scimsync/plugin.h under ${cflags#-I}"
echo "pkg-config: $cflags, plugindir=$plugindir"

# The example is built as a third party would: only the installed header.
cmake -S "$src/plugins/example-source" -B "$tmp/example" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS=-Werror \
    >"$tmp/example.log" 2>&1 &&
    cmake --build "$tmp/example" >>"$tmp/example.log" 2>&1 &&
    cmake --install "$tmp/example" >>"$tmp/example.log" 2>&1 ||
    { cat "$tmp/example.log" >&2; fail "building the example plugin out of tree"; }
so=$plugindir/example.so
[ -f "$so" ] || fail "example.so not installed into $plugindir"
exported=$(nm -D --defined-only "$so" | awk '{ print $NF }')
[ "$exported" = scimsync_plugin_descriptor ] ||
    fail "example.so exports more than the descriptor: $exported"

mkdir "$tmp/etc" "$tmp/etc/conf.d"
cat >"$tmp/etc/scimsync.ini" <<EOF
[engine]
plugin_path = $plugindir

[source demo]
plugin = example
users = alice, bob
domain = example.test
group = example-users

[target memory]
plugin = $memory_so
state_file = state.json
EOF
bin=$prefix/bin/scimsync
run() {
    "$bin" -c "$tmp/etc/scimsync.ini" --conf-dir "$tmp/etc/conf.d" "$@"
}

run plugins >"$tmp/plugins.out" 2>&1 || { cat "$tmp/plugins.out" >&2; fail "scimsync plugins"; }
cat "$tmp/plugins.out"
grep -q example "$tmp/plugins.out" || fail "scimsync plugins does not list the example plugin"
run sync >"$tmp/sync.out" 2>&1 || { cat "$tmp/sync.out" >&2; fail "scimsync sync"; }
python3 - "$tmp/etc/state.json" <<'EOF' || fail "the example users did not reach the target"
import json, sys
state = json.load(open(sys.argv[1]))
names = sorted(u.get("userName") for u in state["users"])
groups = [g for g in state["groups"] if g.get("displayName") == "example-users"]
assert names == ["alice@example.test", "bob@example.test"], names
assert len(groups) == 1 and len(groups[0]["members"]) == 2, groups
EOF
# A configuration error in the plugin is reported with its place, exit 1.
sed -i 's/^users = .*/users = alice, alice/' "$tmp/etc/scimsync.ini"
if run plan >"$tmp/bad.out" 2>&1; then
    fail "a duplicate name in users was accepted"
else
    rc=$?
fi
[ "$rc" -eq 1 ] || { cat "$tmp/bad.out" >&2; fail "a plugin configuration error exits $rc, not 1"; }
grep -q "scimsync.ini:.*users: 'alice' listed twice" "$tmp/bad.out" ||
    { cat "$tmp/bad.out" >&2; fail "the plugin's configuration error does not name file, line and key"; }

echo "PASS: out-of-tree example plugin built against the install, loaded and synced"
