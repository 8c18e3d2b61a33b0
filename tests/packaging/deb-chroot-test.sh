#!/bin/sh
# The .deb in a clean Debian 12 root: builds the package with CPack, creates
# a minimal bookworm root with debootstrap, installs the package there with
# apt (which must find every runtime dependency from the package's own
# Depends), then runs `scimsync version` and the CSV demo sync inside the root
# against the SCIM emulator, which runs outside it on 127.0.0.1 (a chroot
# shares the network namespace).
#
# Needs root (debootstrap, chroot, mount) and a Debian mirror (the one in
# /etc/apt/sources*).  The debootstrap result is cached as a tarball in
# $SCIMSYNC_DEBOOTSTRAP_CACHE (default ${TMPDIR:-/tmp}/scimsync-debootstrap-cache);
# the root itself, the build and the emulator are removed on exit, even on
# failure.  Run by .ci/run, not by ctest.
#
#   tests/packaging/deb-chroot-test.sh [BUILD_DIR]     (default build/deb)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build/deb}
suite=bookworm
cache=${SCIMSYNC_DEBOOTSTRAP_CACHE:-${TMPDIR:-/tmp}/scimsync-debootstrap-cache}
start=$(date +%s)

say() { echo "== $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot, mount)"
for tool in debootstrap chroot cmake cpack python3; do
    command -v "$tool" >/dev/null || fail "$tool not found (packaging/install-deps.sh test)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/scimsync-debtest.XXXXXX")
root=$work/root
emulator_pid=
cleanup() {
    status=$?
    set +e
    if [ -n "$emulator_pid" ]; then
        kill "$emulator_pid" 2>/dev/null
        wait "$emulator_pid" 2>/dev/null
    fi
    # Unmount everything below the root, deepest first, before deleting it.
    for m in $(awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
    if awk -v r="$root" 'index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
        echo "cleanup: mounts remain under $root; left in place" >&2
    else
        rm -rf --one-file-system "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the package ----------------------------------------------------------------
say "building the .deb in $build"
# No -Werror here: a distribution build must not break on a newer compiler's
# new warnings (the test build in tests/run.sh keeps -Werror).
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DBUILD_TESTING=OFF -DSCIMSYNC_WERROR=OFF >"$work/cmake.log" 2>&1 &&
    cmake --build "$build" -j"${SCIMSYNC_TEST_JOBS:-2}" >>"$work/cmake.log" 2>&1 ||
    { tail -n 40 "$work/cmake.log" >&2; fail "build"; }
rm -f "$build"/scimsync_*.deb
(cd "$build" && cpack -G DEB) >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$build"/scimsync_*.deb)
dpkg-deb -f "$deb" Package Version Depends
built=$(date +%s)

# --- the clean root ---------------------------------------------------------------
# The machine's Debian mirror (deb822 or one-line sources), else deb.debian.org.
mirror=$(awk '
    /^Types:/ { deb = /deb( |$)/ } /^URIs:/ { uri = $2 }
    /^Suites:/ && deb && / '"$suite"'( |$)/ { print uri; exit }
    /^deb / && $3 == "'"$suite"'" { print $2; exit }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
    head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
tarball=$cache/$suite-minbase-$(dpkg --print-architecture).tar
mkdir -p "$cache" "$root"
if [ ! -s "$tarball" ]; then
    say "debootstrap --variant=minbase $suite from $mirror (cached in $tarball)"
    debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
        { tail -n 30 "$work/debootstrap.log" >&2; fail "debootstrap"; }
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
else
    say "clean $suite root from $tarball"
    tar -C "$root" -xf "$tarball"
fi
rooted=$(date +%s)

# apt inside the root: the same suites as this machine (main, updates,
# security) and its DNS.
{
    echo "deb $mirror $suite main"
    echo "deb $mirror $suite-updates main"
    sec=$(awk '/^URIs:/ { uri = $2 } /^Suites:/ && /-security/ { print uri; exit }
               /^deb / && $3 ~ /-security/ { print $2; exit }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    [ -n "$sec" ] && echo "deb $sec $suite-security main"
} >"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root/proc"

in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

say "apt-get install ./$(basename "$deb") in the clean root"
cp "$deb" "$root/tmp/"
in_root apt-get update -qq >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get update in the root"; }
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "/tmp/$(basename "$deb")" >>"$work/apt.log" 2>&1 ||
    { tail -n 30 "$work/apt.log" >&2; fail "apt-get install of the .deb in the root"; }
grep -E '^(Setting up|Unpacking) ' "$work/apt.log" | sed 's/^/   /'
for dev in gcc cc cmake libcurl4-openssl-dev libldap-dev libjson-c-dev libinih-dev; do
    ! in_root dpkg-query -W -f='${Status}' "$dev" 2>/dev/null | grep -q "ok installed" ||
        fail "$dev got installed: the package must need runtime libraries only"
done
installed=$(date +%s)

say "scimsync version / plugins in the root"
in_root scimsync version || fail "scimsync version in the root"
for so in csv ldap scim; do
    in_root sh -c "ls /usr/lib/*/scimsync/plugins/$so.so" >/dev/null 2>&1 ||
        fail "$so.so not installed in the root"
done
[ -f "$root/usr/lib/systemd/system/scimsync.timer" ] || fail "scimsync.timer not installed"
[ -d "$root/etc/scimsync/conf.d" ] || fail "/etc/scimsync/conf.d not installed"

# --- the demo sync ----------------------------------------------------------------
# The emulator runs outside the root; the package's own demo data
# (/etc/scimsync/conf.d/demo) is the source.
say "demo sync in the root against the SCIM emulator on 127.0.0.1"
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
python3 "$top/tests/fixtures/scim_emulator.py" --port 0 --port-file "$work/port" \
    --token "$token" --tenant t-deb >"$work/emulator.log" 2>&1 &
emulator_pid=$!
i=0
while [ ! -s "$work/port" ]; do
    kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; fail "SCIM emulator did not start"; }
    i=$((i + 1))
    [ "$i" -lt 100 ] || fail "SCIM emulator did not report its port"
    sleep 0.1
done
port=$(cat "$work/port")
admin=http://127.0.0.1:$port/_admin

(umask 077 && printf '%s\n' "$token" >"$root/etc/scimsync/scim-token")
cat >"$root/etc/scimsync/conf.d/10-demo.ini" <<EOF
[source hr]
plugin = csv
users_file = demo/users.csv
groups_file = demo/groups.csv

[target idc]
plugin = scim
url = http://127.0.0.1:$port/t-deb/scim/v2/
token = file:/etc/scimsync/scim-token
profile = identity-center
rate_limit = 0
EOF

in_root scimsync validate || fail "scimsync validate in the root"
in_root scimsync sync >"$work/sync1.log" 2>&1 || { cat "$work/sync1.log" >&2; fail "first sync in the root"; }
tail -n 3 "$work/sync1.log" | sed 's/^/   /'
! grep -q "$token" "$work/sync1.log" || fail "the token appears in the sync output"
expected_users=$(($(wc -l <"$top/conf.d/demo/users.csv") - 1))
expected_groups=$(($(wc -l <"$top/conf.d/demo/groups.csv") - 1))
python3 - "$admin" "$expected_users" "$expected_groups" <<'EOF' || fail "the emulator does not hold the demo directory"
import json, sys, urllib.request
admin, users, groups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
state = json.load(urllib.request.urlopen(admin + "/state"))
got_u, got_g = len(state["users"]), len(state["groups"])
members = sum(len(g.get("members", [])) for g in state["groups"])
print(f"   emulator: {got_u} users, {got_g} groups, {members} memberships")
assert got_u == users and got_g == groups, (got_u, got_g)
assert members > 0
EOF

# A second run finds nothing to change and writes nothing.
python3 - "$admin" <<'EOF'
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/clear_log", data=b"", method="POST"))
EOF
in_root scimsync sync >"$work/sync2.log" 2>&1 || { cat "$work/sync2.log" >&2; fail "second sync in the root"; }
python3 - "$admin" <<'EOF' || fail "the second sync wrote to the target"
import json, sys, urllib.request
log = json.load(urllib.request.urlopen(sys.argv[1] + "/log"))
writes = [e for e in log if e["method"] != "GET"]
print(f"   second run: {len(log)} requests, {len(writes)} writes")
assert not writes, writes[:5]
EOF
kill "$emulator_pid" 2>/dev/null
wait "$emulator_pid" 2>/dev/null || true
emulator_pid=
synced=$(date +%s)

# --- the container image's final stage, imitated ----------------------------------
# No Docker engine here: repeat the Dockerfile's last stage in the root (same
# user, entrypoint and template paths) and render the ECS configuration as
# the unprivileged user.  Run the RUN line of the Dockerfile itself so the
# two cannot drift apart.
say "container final stage imitated in the root (user 10001, entrypoint, template)"
useradd_line=$(sed -n 's/^ *&& \(useradd .*\)\\$/\1/p; s/^ *\(--shell .*scimsync\)$/\1/p' "$top/packaging/Dockerfile" | tr '\n' ' ')
case $useradd_line in useradd*--uid\ 10001*) ;; *) fail "cannot find the useradd line in packaging/Dockerfile" ;; esac
in_root sh -c "$useradd_line" || fail "the Dockerfile's useradd fails on $suite"
install -m 0755 "$top/packaging/docker/entrypoint.sh" "$root/usr/local/bin/scimsync-entrypoint"
mkdir -p "$root/usr/share/scimsync"
cp -r "$top/packaging/docker/templates" "$root/usr/share/scimsync/"
rm -f "$root/etc/scimsync/conf.d/10-demo.ini"
chroot --userspec=10001:10001 "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin \
    SCIMSYNC_CONFIG_TEMPLATE=/usr/share/scimsync/templates/predecessor-compatible.ini.in \
    DOMAIN_CONTROLLER=corp.example.com AD_BIND_USER=svc-scimsync@corp.example.com \
    AD_CREDENTIALS_SECRET=arn:aws:secretsmanager:eu-west-1:123456789012:secret:IAM-IDC/AD-RO-UserCreds-AbCdEf \
    AD_GROUP_NAME="AWS Users" AD_GROUP_PREFIX='aws-*' AD_SEARCH_BASE=OU=AWS,DC=corp,DC=example,DC=com \
    SCIM_URI=https://scim.eu-west-1.amazonaws.com/abcd/scim/v2/ \
    SCIM_TOKEN_SECRET=arn:aws:secretsmanager:eu-west-1:123456789012:secret:IAM-IDC/SCIM-API-Token-AbCdEf \
    /usr/local/bin/scimsync-entrypoint --log-format json validate >"$work/entrypoint.log" 2>&1 ||
    { cat "$work/entrypoint.log" >&2; fail "entrypoint + predecessor-compatible template as user 10001"; }
grep -q 'configuration is valid' "$work/entrypoint.log" || { cat "$work/entrypoint.log" >&2; fail "entrypoint validate"; }
sed 's/^/   /' "$work/entrypoint.log"
imaged=$(date +%s)

in_root apt-get purge -y -q scimsync >>"$work/apt.log" 2>&1 || fail "apt-get purge scimsync"
[ ! -e "$root/usr/bin/scimsync" ] || fail "/usr/bin/scimsync left after purge"
[ ! -e "$root/etc/scimsync/conf.d/10-csv-source.ini.example" ] || fail "conffiles left after purge"

end=$(date +%s)
echo "PASS: .deb installed and synced in a clean $suite root" \
    "(build $((built - start)) s, root $((rooted - built)) s," \
    "install $((installed - rooted)) s, demo $((synced - installed)) s, image $((imaged - synced)) s, total $((end - start)) s)"
