#!/bin/sh
# Source read benchmark: the ldap plugin against ldapsearch, same slapd,
# same entries, same attributes, 500-entry pages.
#
#   bench/ldap-bench.sh BUILD_DIR [USERS] [GROUPS]     (default 100000 10000)
#
# Loads USERS inetOrgPerson users and GROUPS groupOfNames (20 members each)
# into a temporary slapd with slapadd, then prints wall time and peak RSS
# (/usr/bin/time, best of 5 runs; LDAP_BENCH_RUNS changes it) of:
#   ldapsearch -E pr=500/noprompt   users, then groups (output to /dev/null)
#   ldap_dump --count               the plugin's whole read (group index,
#                                   users, groups), entries built and counted
# and the plugin's peak RSS at several page sizes, to show memory does not
# grow with the number of pages.
set -eu
build=$(cd "$1" && pwd)
users=${2:-100000}
groups=${3:-10000}
top=$(cd "$(dirname "$0")/.." && pwd)
fixtures=$top/tests/fixtures/ldap
dump=$build/tests/integration/ldap/ldap_dump
plugin=$build/plugins/ldap.so
[ -x "$dump" ] && [ -f "$plugin" ] || { echo "build $build first (ldap_dump, ldap.so)" >&2; exit 1; }
work=$(mktemp -d /tmp/scimsync-ldap-bench.XXXXXX)
trap '"$fixtures/slapd-stop.sh" "$work/slapd"; rm -rf "$work"' EXIT INT TERM

echo "== loading $users users, $groups groups (slapadd)"
python3 "$fixtures/gen_seed.py" bench --base dc=example,dc=test --users "$users" --groups "$groups" \
    >"$work/bench.ldif"
mkdir -p "$work/slapd"
"$fixtures/slapd-start.sh" "$work/slapd" "$work/bench.ldif"
. "$work/slapd/env"
export OL_PASSWORD

uattrs="entryUUID uid cn givenName sn displayName mail title departmentNumber ou o employeeNumber employeeType manager telephoneNumber mobile preferredLanguage pwdAccountLockedTime"
gattrs="entryUUID cn description member uniqueMember memberUid"
ufilter='(|(objectClass=inetOrgPerson)(objectClass=posixAccount))'
gfilter='(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))'

# measure NAME CMD...: best wall time of $runs runs and the peak RSS of that
# run (best-of, because other work on the machine only ever adds time)
runs=${LDAP_BENCH_RUNS:-5}
measure() {
    name=$1
    shift
    best="" bestrss=""
    for run in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" ||
            { echo "$name failed:" >&2; tail "$work/err" >&2; exit 1; }
        read -r wall rss <"$work/time"
        if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall bestrss=$rss; fi
    done
    printf '%-46s %7ss %9s KiB peak RSS   %s\n' "$name" "$best" "$bestrss" "$(head -c 60 "$work/out")"
    last=$best
}

search="ldapsearch -LLL -x -H $OL_URI -D $OL_BIND_DN -w $OL_PASSWORD -E pr=500/noprompt -b $OL_BASE"
cat >"$work/ldapsearch.sh" <<EOS
$search '$ufilter' $uattrs >/dev/null && $search '$gfilter' $gattrs >/dev/null
EOS

echo "== source read, $users users + $groups groups (best of $runs)"
measure "ldapsearch -E pr=500 (users, groups)" sh "$work/ldapsearch.sh"
t_search=$last
measure "scimsync ldap source, page_size=500" "$dump" --count "$plugin" uri="$OL_URI" \
    bind_dn="$OL_BIND_DN" bind_password=env:OL_PASSWORD page_size=500
t_plugin=$last
awk "BEGIN{printf \"ratio plugin / ldapsearch: %.2fx\n\", $t_plugin / $t_search}"
measure "  same, nested_groups=false (no group index)" "$dump" --count "$plugin" uri="$OL_URI" \
    bind_dn="$OL_BIND_DN" bind_password=env:OL_PASSWORD page_size=500 nested_groups=false

echo "== plugin peak memory by page size (pages = entries / page_size)"
for ps in 100 500 2000; do
    measure "scimsync ldap source, page_size=$ps" "$dump" --count "$plugin" uri="$OL_URI" \
        bind_dn="$OL_BIND_DN" bind_password=env:OL_PASSWORD page_size=$ps
done
