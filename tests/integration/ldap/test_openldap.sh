#!/bin/sh
# The ldap source against a real OpenLDAP slapd on loopback: paging,
# groupOfNames / groupOfUniqueNames / posixGroup, nesting with a cycle,
# users_from_group, StartTLS, and the failures (bad password, unreachable
# first URI, size limit, wrong CA, server stopped mid-read).
#
#   test_openldap.sh LDAP_DUMP LDAP_SO [SCIMSYNC_BIN TEST_PLUGIN_DIR scim|memory]
#
# With the binary and the test plugins (memory.so), also syncs end to end,
# into the Identity Center emulator (scim) or the memory test target.
set -eu
dump=$1
plugin=$2
bin=${3:-}
test_plugins=${4:-}
e2e_target=${5:-memory}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../../fixtures/ldap
work=$(mktemp -d /tmp/scimsync-ldap-ol.XXXXXX)
srv=$work/slapd
proxy=""
alias_proxy=""
trap '[ -n "$proxy" ] && kill "$proxy"; [ -n "$alias_proxy" ] && kill "$alias_proxy"
    "$fixtures/slapd-stop.sh" "$srv"; rm -rf "$work"' EXIT INT TERM
. "$here/lib.sh"

mkdir -p "$srv"
python3 "$fixtures/gen_seed.py" openldap --base dc=example,dc=test --users 1200 \
    --expect "$work/expect.json" >"$work/seed.ldif"
"$fixtures/slapd-start.sh" "$srv" "$work/seed.ldif"
. "$srv/env"
export OL_PASSWORD
common="bind_dn=$OL_BIND_DN bind_password=env:OL_PASSWORD start_tls=true ca_file=$OL_CA"

# scoped read: transitive members of sync-all, groups app-*, 3 pages
run scoped 0 uri="$OL_URI" $common users_from_group=sync-all group_name_pattern='app-*' &&
    check scoped "$work/expect.json" openldap

# the same with a tiny page (many pages), the scope group given as a DN
run small_pages 0 uri="$OL_URI" $common page_size=7 \
    users_from_group="cn=sync-all,ou=groups,$OL_BASE" group_name_pattern='app-*' &&
    check small_pages "$work/expect.json" openldap

# no scope: every user and group, no helpers
if run everything 0 --count uri="$OL_URI" $common; then
    got=$(cat "$work/everything.json")
    [ "$got" = "users 1202 groups 14 helpers 0" ] && pass "everything: $got" ||
        fail "everything: $got, want users 1202 groups 14 helpers 0"
fi

# nested_groups=false: direct members only, no helper groups
if run flat 0 uri="$OL_URI" $common users_from_group=sync-a group_name_pattern='app-*' \
    nested_groups=false; then
    got=$(grep -c '"helper":true' "$work/flat.json" || true)
    users=$(grep -c '"kind":"user"' "$work/flat.json" || true)
    [ "$got" = 0 ] && [ "$users" = 600 ] && pass "flat: 600 users, no helpers" ||
        fail "flat: $users users, $got helpers"
fi

# a name pattern with filter metacharacters is escaped, not injected
run injection 0 --count uri="$OL_URI" $common group_name_pattern='app-*)(cn=*' &&
    { grep -q "groups 0 helpers 0" "$work/injection.json" && pass "injection: matched nothing" ||
        fail "injection: $(cat "$work/injection.json")"; }

# the searches ask for the attributes the mapping uses (host ABI 1.1) plus
# what the plugin needs: one outside the old fixed list arrives, one the
# mapping does not use is not transferred; without the service, the fixed
# list as before
if run mapped 0 --mapped loginName,givenName,sn,displayName,homeDirectory,active,managerId cn \
    uri="$OL_URI" $common users_from_group=sync-all group_name_pattern='app-*'; then
    python3 - "$work/mapped.json" <<'EOP' && pass "mapped: homeDirectory read, mail not, cn for displayName" || fail "mapped: attributes requested"
import json, sys
users = [e for e in map(json.loads, open(sys.argv[1])) if e["kind"] == "user"]
a = users[0]["attrs"]
ok = (all("homeDirectory" in u["attrs"] for u in users) and "mail" not in a
      and "title" not in a and "cn" in a and "uid" in a and "active" in a)
print(sorted(a))
print(len(users))
sys.exit(0 if ok and len(users) == 1201 else 1)
EOP
fi
if run unmapped 0 uri="$OL_URI" $common users_from_group=sync-all group_name_pattern='app-*'; then
    grep -q homeDirectory "$work/unmapped.json" && fail "unmapped: homeDirectory read" ||
        pass "unmapped (1.0 host): the fixed attribute list"
fi

# end to end: the binary, this source, the memory target; a second run
# writes nothing; a wrong password applies nothing
if [ -n "$bin" ]; then
    cat >"$work/source.ini" <<EOS
[source directory]
plugin = ldap
uri = ldap://127.0.0.1:$(python3 "$fixtures/port.py" free) $OL_URI
bind_dn = $OL_BIND_DN
bind_password = env:OL_PASSWORD
start_tls = true
ca_file = $OL_CA
users_from_group = sync-all
group_name_pattern = app-*
EOS
    # a relay that drops the connection after 150 kB: in the middle of the users
    e2e "$work/expect.json" OL_PASSWORD "$OL_PORT" 150000 ldap

    # the binary hands the mapping's attributes to the plugin: a field
    # mapped from an attribute outside the fixed list gets its value, and a
    # mapping typo is reported with its line
    mkdir -p "$work/mapped.d"
    cat >"$work/mapped.ini" <<EOS
[source directory]
plugin = $plugin
uri = $OL_URI
bind_dn = $OL_BIND_DN
bind_password = env:OL_PASSWORD
start_tls = true
ca_file = $OL_CA
users_from_group = sync-all
group_name_pattern = app-*

[mapping directory]
nickName = \${homeDirectory}
title = \${jobtitle}

[target t]
plugin = memory
state_file = $work/mapped-state.json
EOS
    set +e
    SCIMSYNC_PLUGIN_PATH="$test_plugins" "$bin" -v -c "$work/mapped.ini" --conf-dir "$work/mapped.d" \
        plan --json >"$work/mapped_plan.json" 2>"$work/mapped_plan.err"
    rc=$?
    set -e
    # 6: the seed plants users without givenName (skipped, as in e2e)
    [ "$rc" = 6 ] && pass "mapped plan: exit 6" || { fail "mapped plan: exit $rc"; grep -v debug "$work/mapped_plan.err" | tail -8; }
    grep -q 'home.u00001"' "$work/mapped_plan.json" &&
        pass "mapped plan: nickName from homeDirectory" || fail "mapped plan: no nickName from homeDirectory"
    expect_err mapped_plan "attributes requested: "
    expect_err mapped_plan "homeDirectory"
    expect_err mapped_plan "$work/mapped.ini:13: [mapping directory] title = \${jobtitle}: no entry of source directory carried attribute \"jobtitle\""
fi

# failures
export BAD_PW=not-the-password-42
run wrong_password 2 uri="$OL_URI" bind_dn="$OL_BIND_DN" bind_password=env:BAD_PW start_tls=true \
    ca_file="$OL_CA" && { expect_err wrong_password "Invalid credentials";
    expect_err wrong_password "$OL_URI"; no_secret wrong_password "$BAD_PW"; }

# a ca_file that does not exist: the option, the file and where it was set
run missing_ca 2 uri="$OL_URI" $common ca_file="$work/no-such-ca.pem" &&
    { expect_err missing_ca "ca_file $work/no-such-ca.pem (set at ";
      expect_err missing_ca "cannot read it: No such file or directory"; }

# the binary: short passwords leave messages intact (they are never used
# as a search pattern); a realistic one appears in no output at any log
# level or format; the OpenLDAP example works once its placeholders are
# filled
if [ -n "$bin" ]; then
    mkdir -p "$work/bin.d"
    # bin_plan NAME WANT_EXIT PASSWORD_VAR BIND_DN [FLAGS...]: plan with
    # the memory target, stdout+stderr in $work/NAME.err
    bin_plan() {
        name=$1 want=$2 pwvar=$3 dn=$4
        shift 4
        cat >"$work/$name.ini" <<EOS
[source directory]
plugin = $plugin
uri = $OL_URI
bind_dn = $dn
bind_password = env:$pwvar
start_tls = true
ca_file = $OL_CA
users_from_group = sync-all
group_name_pattern = app-*

[target t]
plugin = memory
state_file = $work/$name-state.json
EOS
        : >"$work/$name.json" # no_secret reads it too
        set +e
        SCIMSYNC_PLUGIN_PATH="$test_plugins" "$bin" "$@" -c "$work/$name.ini" \
            --conf-dir "$work/bin.d" plan >"$work/$name.err" 2>&1
        rc=$?
        set -e
        [ "$rc" = "$want" ] && return 0
        fail "$name: exit $rc, want $want"
        tail -5 "$work/$name.err" | sed 's/^/    /'
        return 1
    }
    export SHORT_X=x SHORT_CORP=corp
    for pw in SHORT_X SHORT_CORP; do
        bin_plan "short_$pw" 2 "$pw" svc@corp.example.com && {
            expect_err "short_$pw" "bind as svc@corp.example.com: "
            if grep -q "(secret)" "$work/short_$pw.err"; then fail "short_$pw: masked text"; else
                pass "short_$pw: nothing masked"; fi; }
    done
    export REAL_PW="$OL_PASSWORD"
    for flags in "" "-v" "-q" "--log-format json" "-v --log-format json" "-q --log-format json"; do
        # shellcheck disable=SC2086
        bin_plan real_pw 6 REAL_PW "$OL_BIND_DN" $flags && no_secret real_pw "$OL_PASSWORD"
        # shellcheck disable=SC2086
        bin_plan bad_pw 2 BAD_PW "$OL_BIND_DN" $flags && no_secret bad_pw "$BAD_PW"
    done

    # conf.d/31-openldap-source.ini.example with its placeholders filled
    python3 - "$here/../../../conf.d/31-openldap-source.ini.example" "$work/example.d/31-openldap-source.ini" <<EOP
import re, sys
text = open(sys.argv[1]).read()
fill = {"uri": "$OL_URI", "bind_dn": "$OL_BIND_DN", "bind_password": "env:OL_PASSWORD",
        "base_dn": "ou=people,$OL_BASE", "group_base_dn": "ou=groups,$OL_BASE",
        "group_name_pattern": "app-*", ";ca_file": "$OL_CA"}
for key, value in fill.items():
    text, n = re.subn(r"^%s = .*$" % re.escape(key), "%s = %s" % (key.lstrip(";"), value), text,
                      flags=re.M)
    assert n == 1, key
import os
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
open(sys.argv[2], "w").write(text + "\n[target t]\nplugin = memory\nstate_file = $work/example-state.json\n")
EOP
    printf '[engine]\nplugin_path = %s\n' "$(dirname "$plugin")" >"$work/example.ini"
    set +e
    SCIMSYNC_PLUGIN_PATH="$test_plugins" "$bin" -c "$work/example.ini" --conf-dir "$work/example.d" \
        plan >"$work/example.out" 2>"$work/example.err"
    rc=$?
    set -e
    # 6: the seed plants users without givenName
    [ "$rc" = 6 ] && grep -q "^+ user " "$work/example.out" &&
        pass "the OpenLDAP example, placeholders filled: plans the users" ||
        { fail "the OpenLDAP example: exit $rc"; tail -5 "$work/example.err" | sed 's/^/    /'; }
fi

dead=ldap://127.0.0.1:$(python3 "$fixtures/port.py" free)
run fallback 0 uri="$dead $OL_URI" $common users_from_group=sync-all group_name_pattern='app-*' &&
    { check fallback "$work/expect.json" openldap; expect_err fallback "$dead unreachable"; }

run all_dead 2 uri="$dead" $common && expect_err all_dead "Can't contact LDAP server"

run size_limit 2 uri="$OL_URI" bind_dn="$OL_LIMITED_DN" bind_password=env:OL_PASSWORD \
    start_tls=true ca_file="$OL_CA" && expect_err size_limit "Size limit exceeded"

# TLS failures say what failed and what to set: a CA that did not issue the
# server's certificate (the chain), a name the certificate does not carry
# (127.0.0.2 through a relay; the certificate names 127.0.0.1 and localhost)
"$fixtures/mkcert.sh" "$work/other"
run wrong_ca 2 uri="$OL_URI" $common ca_file="$work/other/tls/ca.pem" && {
    expect_err wrong_ca "$OL_URI: StartTLS failed: the server's certificate chain is not trusted"
    expect_err wrong_ca "ca_file $work/other/tls/ca.pem does not hold the CA that issued it"
    expect_err wrong_ca "(TLS: peer cert untrusted or revoked"; }
python3 "$fixtures/cut_proxy.py" "$OL_PORT" 1000000000 "$work/alias.port" 127.0.0.2 &
alias_proxy=$!
python3 "$fixtures/port.py" wait-file "$work/alias.port" 10
alias_uri=ldap://127.0.0.2:$(cat "$work/alias.port")
run wrong_name 2 uri="$alias_uri" $common && {
    expect_err wrong_name "$alias_uri: StartTLS failed: the server's certificate does not name the host in the URI"
    expect_err wrong_name "TLS: hostname (127.0.0.2) does not match"
    expect_err wrong_name "a domain controller's FQDN"; }
# a server failing its TLS check is followed by the next URI
run tls_fallback 0 --count uri="$alias_uri $OL_URI" $common &&
    expect_err tls_fallback "$alias_uri failed its TLS check, trying $OL_URI"
kill "$alias_proxy"
alias_proxy=""

# verify_tls=false works and says so; a password over plain ldap:// warns
run no_verify 0 --count uri="$OL_URI" $common ca_file="$work/other/tls/ca.pem" verify_tls=false &&
    expect_err no_verify "verify_tls is OFF: the server's certificate is not checked"
run plain_bind 0 --count uri="$OL_URI" bind_dn="$OL_BIND_DN" bind_password=env:OL_PASSWORD &&
    expect_err plain_bind "$OL_URI: password bind over plain ldap:// without start_tls"
run starttls_quiet 0 --count uri="$OL_URI" $common &&
    { if grep -q "verify_tls is OFF\|without start_tls" "$work/starttls_quiet.err"; then
        fail "starttls_quiet: warned"; else pass "starttls_quiet: no TLS warning"; fi; }

run no_such_group 2 uri="$OL_URI" $common users_from_group=does-not-exist &&
    expect_err no_such_group "0 groups match"

# the server goes away between two pages: an error, never a short success
pause=$work/go
set +e
"$dump" --pause-after 700 "$pause" "$plugin" uri="$OL_URI" $common page_size=500 \
    >"$work/dropped.json" 2>"$work/dropped.err" &
dpid=$!
i=0
while [ ! -f "$pause.paused" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM "$(cat "$srv/slapd.pid")"
while kill -0 "$(cat "$srv/slapd.pid")" 2>/dev/null; do sleep 0.05; done
touch "$pause"
wait $dpid
rc=$?
set -e
[ "$rc" = 2 ] && pass "dropped: exit 2" || fail "dropped: exit $rc, want 2"
expect_err dropped "$OL_URI"
expect_err dropped "Can't contact LDAP server"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
