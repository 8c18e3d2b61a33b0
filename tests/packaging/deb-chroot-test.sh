#!/bin/sh
# The .deb in a clean Debian 12 root: builds the package with CPack, creates
# a minimal bookworm root with debootstrap, installs the package there with
# apt (which must find every runtime dependency from the package's own
# Depends), then runs `scimsync version` and the CSV demo sync inside the root
# against the SCIM emulator, which runs outside it on 127.0.0.1 (a chroot
# shares the network namespace), and, as the container's user 10001, the
# predecessor-compatible example with its settings read from the AWS fixture.
#
# Needs root (debootstrap, chroot, mount) and a Debian mirror (the one in
# /etc/apt/sources*).  The debootstrap result is cached as a tarball in
# $SCIMSYNC_DEBOOTSTRAP_CACHE (default ${TMPDIR:-/tmp}/scimsync-debootstrap-cache);
# the root itself, the build and the fixtures are removed on exit, even on
# failure.  Run by .ci/run, not by ctest.
#
#   tests/packaging/deb-chroot-test.sh [BUILD_DIR]     (default build/deb)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build/deb}
. "$top/tests/packaging/debroot.sh"
suite=$debroot_suite
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
aws_pid=
cleanup() {
    status=$?
    set +e
    for pid in $emulator_pid $aws_pid; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    debroot_remove "$root" "$work"
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
debroot_create "$root" "$work"
rooted=$(date +%s)
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
for dev in gcc cc cmake libcurl4-openssl-dev libldap-dev libjson-c-dev libinih-dev libssl-dev libmicrohttpd-dev; do
    ! in_root dpkg-query -W -f='${Status}' "$dev" 2>/dev/null | grep -q "ok installed" ||
        fail "$dev got installed: the package must need runtime libraries only"
done
installed=$(date +%s)

say "scimsync version / plugins in the root"
in_root scimsync version || fail "scimsync version in the root"
for so in csv ldap scim google entra; do
    in_root sh -c "ls /usr/lib/*/scimsync/plugins/$so.so" >/dev/null 2>&1 ||
        fail "$so.so not installed in the root"
done
[ -f "$root/usr/lib/systemd/system/scimsync.timer" ] || fail "scimsync.timer not installed"
[ -f "$root/usr/share/man/man1/scimsync.1.gz" ] || fail "scimsync(1) not installed"
[ -f "$root/usr/share/man/man5/scimsync.ini.5.gz" ] || fail "scimsync.ini(5) not installed"
[ -f "$root/usr/share/bash-completion/completions/scimsync" ] || fail "bash completion not installed"
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
synced=$(date +%s)

# --- the container image's final stage, imitated ----------------------------------
# No Docker engine here: repeat the Dockerfile's last stage in the root (its
# useradd line, run as is so the two cannot drift apart) and run scimsync the
# way the image does (ENTRYPOINT ["scimsync"]) as user 10001.  The installed
# predecessor-compatible example must validate as it stands; its [target idc]
# (url from SSM, token from Secrets Manager) then syncs the demo directory
# into the emulator, with the AWS fixture, outside the root on 127.0.0.1, as
# SSM and Secrets Manager.
say "container final stage imitated in the root (user 10001, predecessor-compatible settings from AWS)"
grep -q '^ENTRYPOINT \["scimsync"\]$' "$top/packaging/Dockerfile" || fail 'packaging/Dockerfile: ENTRYPOINT is not ["scimsync"]'
grep -q '^CMD \["sync"\]$' "$top/packaging/Dockerfile" || fail 'packaging/Dockerfile: CMD is not ["sync"]'
useradd_line=$(sed -n 's/^ *&& \(useradd .*\)\\$/\1/p; s/^ *\(--shell .*scimsync\)$/\1/p' "$top/packaging/Dockerfile" | tr '\n' ' ')
case $useradd_line in useradd*--uid\ 10001*) ;; *) fail "cannot find the useradd line in packaging/Dockerfile" ;; esac
in_root sh -c "$useradd_line" || fail "the Dockerfile's useradd fails on $suite"

aws_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
python3 - "$work/aws.json" "$port" "$token" "$aws_key" <<'PY'
import json, sys
path, port, token, key = sys.argv[1:]
ssm = {"/IAM-IDC/SCIM-URI": "http://127.0.0.1:%s/t-deb/scim/v2/" % port,
       "/IAM-IDC/Domain-Controller": "dc1.corp.example.com",
       "/IAM-IDC/AD-Group-Name": "AWS-Users", "/IAM-IDC/AD-Group-Prefix": "aws-*",
       "/IAM-IDC/AD-Search-Base": "OU=AWS,DC=corp,DC=example,DC=com"}
with open(path, "w") as f:
    json.dump({"region": "eu-west-1", "keys": {"AKIDDEBTEST": {"secret": key}},
               "secrets": {"IAM-IDC/SCIM-API-Token": json.dumps({"SCIM-API-Token": token})},
               "parameters": {k: {"value": v, "type": "String"} for k, v in ssm.items()}}, f)
PY
python3 "$top/tests/fixtures/aws_fixture.py" --config "$work/aws.json" --port-file "$work/aws.port" \
    >"$work/aws.log" 2>&1 &
aws_pid=$!
i=0
while [ ! -s "$work/aws.port" ]; do
    kill -0 "$aws_pid" 2>/dev/null || { cat "$work/aws.log" >&2; fail "AWS fixture did not start"; }
    i=$((i + 1))
    [ "$i" -lt 100 ] || fail "AWS fixture did not report its port"
    sleep 0.1
done
aws_port=$(cat "$work/aws.port")

# The example as shipped; then the same [target idc] with the demo CSV as
# source, and the emulator's profile (it is not on amazonaws.com).
app=$root/tmp/app
mkdir -p "$app/predecessor" "$app/demo"
rm -f "$root/etc/scimsync/conf.d/10-demo.ini"
cp "$root/etc/scimsync/conf.d/90-predecessor-compatible.ini.example" \
    "$app/predecessor/90-predecessor-compatible.ini"
{
    printf '[source hr]\nplugin = csv\nusers_file = /etc/scimsync/conf.d/demo/users.csv\n'
    printf 'groups_file = /etc/scimsync/conf.d/demo/groups.csv\n\n'
    awk '/^\[/ { on = ($0 == "[target idc]") } on' "$app/predecessor/90-predecessor-compatible.ini"
    printf 'profile = identity-center\nrate_limit = 0\n'
} >"$app/demo/10-demo-from-aws.ini"
grep -q '^url = aws-ssm:/IAM-IDC/SCIM-URI$' "$app/demo/10-demo-from-aws.ini" ||
    fail "the example's [target idc] url is not read from SSM"
chmod -R a+rX "$app"
as_app() {
    chroot --userspec=10001:10001 "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/nonexistent \
        AWS_REGION=eu-west-1 AWS_ENDPOINT_URL="http://127.0.0.1:$aws_port" \
        AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIDDEBTEST \
        AWS_SECRET_ACCESS_KEY="$aws_key" scimsync "$@"
}
as_app --conf-dir /tmp/app/predecessor --log-format json validate >"$work/image-validate.log" 2>&1 ||
    { cat "$work/image-validate.log" >&2; fail "validate of the predecessor-compatible example as user 10001"; }
grep -q 'configuration is valid' "$work/image-validate.log" ||
    { cat "$work/image-validate.log" >&2; fail "predecessor-compatible validate"; }
sed 's/^/   /' "$work/image-validate.log"
python3 - "$admin" <<'PY'
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/reset", data=b"", method="POST"))
PY
as_app --conf-dir /tmp/app/demo sync >"$work/image-sync.log" 2>&1 ||
    { cat "$work/image-sync.log" >&2; fail "sync as user 10001 with the url and token read from AWS"; }
tail -n 2 "$work/image-sync.log" | sed 's/^/   /'
! grep -q -e "$token" -e "$aws_key" "$work/image-sync.log" || fail "a secret appears in the sync output"
python3 - "$admin" "$expected_users" "http://127.0.0.1:$aws_port/_stats" <<'PY' ||
import json, sys, urllib.request
admin, users, stats_url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
state = json.load(urllib.request.urlopen(admin + "/state"))
stats = json.load(urllib.request.urlopen(stats_url))
print(f"   emulator: {len(state['users'])} users; AWS calls: {stats}")
assert len(state["users"]) == users
assert stats.get("GetParameter:/IAM-IDC/SCIM-URI") == 1, stats
assert stats.get("GetSecretValue:IAM-IDC/SCIM-API-Token") == 1, stats
PY
    fail "the sync with settings read from AWS did not fill the emulator"
for pid in $aws_pid $emulator_pid; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
done
aws_pid=
emulator_pid=
imaged=$(date +%s)

in_root apt-get purge -y -q scimsync >>"$work/apt.log" 2>&1 || fail "apt-get purge scimsync"
[ ! -e "$root/usr/bin/scimsync" ] || fail "/usr/bin/scimsync left after purge"
[ ! -e "$root/etc/scimsync/conf.d/10-csv-source.ini.example" ] || fail "conffiles left after purge"

end=$(date +%s)
echo "PASS: .deb installed and synced in a clean $suite root" \
    "(build $((built - start)) s, root $((rooted - built)) s," \
    "install $((installed - rooted)) s, demo $((synced - installed)) s, image $((imaged - synced)) s, total $((end - start)) s)"
