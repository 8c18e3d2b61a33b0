#!/bin/sh
# The README's two commands on a fresh Debian 12 machine: a clean minbase
# bookworm root (debootstrap, cached) gets a copy of this source tree and runs
# packaging/demo.sh; a second clean root runs tests/run.sh.  Each installs what
# it needs itself with apt-get, so a package missing from
# packaging/install-deps.sh fails here even when the machine running CI has it.
# The roots share this machine's network (servers bind 127.0.0.1), so nothing
# else may run the suite at the same time.
#
# Needs root (debootstrap, chroot, mount) and a Debian mirror.  The roots and
# everything mounted in them are removed on exit, even on failure.  Run by
# .ci/run, not by ctest.
#
#   tests/packaging/fresh-root-test.sh [demo|test|all]     (default all)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/packaging/debroot.sh"
what=${1:-all}
start=$(date +%s)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot, mount)"
for tool in debootstrap chroot tar; do
    command -v "$tool" >/dev/null || fail "$tool not found (packaging/install-deps.sh test)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/scimsync-freshroot.XXXXXX")
root=$work/root
cleanup() {
    status=$?
    set +e
    debroot_remove "$root" "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The files a clone holds (tracked, plus new files not ignored), without
# build folders.
copy_tree() {
    mkdir -p "$root/src/scimsync"
    if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$top" ls-files -z --cached --others --exclude-standard |
            (cd "$top" && tar --null --no-recursion -T - -cf -) | tar -C "$root/src/scimsync" -xf -
    else
        (cd "$top" && tar --exclude='./build*' -cf - .) | tar -C "$root/src/scimsync" -xf -
    fi
}

fresh_root() {
    debroot_umount "$root" || fail "mounts remain under $root"
    rm -rf --one-file-system "$root"
    debroot_create "$root" "$work"
    copy_tree
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --rbind /dev "$root/dev"
    mount --make-rslave "$root/dev"
}

# As a new user would: a login-like environment, nothing of this machine's.
in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb SCIMSYNC_TEST_JOBS="${SCIMSYNC_TEST_JOBS:-2}" \
        sh -c "cd /src/scimsync && $*"
}

if [ "$what" = demo ] || [ "$what" = all ]; then
    fresh_root
    t0=$(date +%s)
    echo "== packaging/demo.sh in a clean $debroot_suite root"
    in_root packaging/demo.sh >"$work/demo.log" 2>&1 || { tail -n 60 "$work/demo.log" >&2; fail "packaging/demo.sh in a clean root"; }
    grep -q "No changes" "$work/demo.log" || { cat "$work/demo.log" >&2; fail "the demo's second sync did not say 'No changes'"; }
    grep -E '^(Applied|Plan|No changes)' "$work/demo.log" | sed 's/^/   /'
    echo "PASS: packaging/demo.sh in a clean root ($(( $(date +%s) - t0 )) s)"
fi

if [ "$what" = test ] || [ "$what" = all ]; then
    fresh_root
    t0=$(date +%s)
    echo "== tests/run.sh in a clean $debroot_suite root"
    in_root tests/run.sh >"$work/test.log" 2>&1 || { tail -n 120 "$work/test.log" >&2; fail "tests/run.sh in a clean root"; }
    grep -E 'tests passed|tests failed|Total Test time' "$work/test.log" | sed 's/^/   /'
    echo "PASS: tests/run.sh in a clean root ($(( $(date +%s) - t0 )) s)"
fi
echo "fresh-root test finished in $(( $(date +%s) - start )) s"
