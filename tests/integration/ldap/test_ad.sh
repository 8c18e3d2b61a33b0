#!/bin/sh
# The ldap source against a real Samba AD DC on loopback: objectGUID /
# objectSid, disabled and expired accounts, users_from_group through the
# in-chain rule, aws-* groups with nesting and cycles, range retrieval of a
# 1,600-member group, LDAPS and StartTLS, and the failures (bad password,
# bind without TLS, unreachable first URI).
#
#   test_ad.sh LDAP_DUMP LDAP_SO [SCIMSYNC_BIN TEST_PLUGIN_DIR scim|memory]
#
# With the binary and the test plugins (memory.so), also syncs end to end,
# into the Identity Center emulator (scim) or the memory test target.
# Samba listens on the fixed ports 389/636: the test fails clearly when
# they are taken (ctest runs AD tests under one RESOURCE_LOCK).
set -eu
dump=$1
plugin=$2
bin=${3:-}
test_plugins=${4:-}
e2e_target=${5:-memory}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../../fixtures/ldap
work=$(mktemp -d /tmp/scimsync-ldap-ad.XXXXXX)
srv=$work/ad
proxy=""
alias_proxy=""
trap '[ -n "$proxy" ] && kill "$proxy"; [ -n "$alias_proxy" ] && kill "$alias_proxy"
    "$fixtures/ad-stop.sh" "$srv"; rm -rf "$work"' EXIT INT TERM
. "$here/lib.sh"

"$fixtures/ad-start.sh" "$srv"
"$fixtures/ad-seed.sh" "$srv"
. "$srv/env"
export AD_PASSWORD
groups="OU=Groups,OU=scimsync,$AD_BASE"
common="bind_dn=$AD_BIND_DN bind_password=env:AD_PASSWORD ca_file=$AD_CA"
scope="users_from_group=sync-all group_name_pattern=aws-* group_base_dn=$groups"

# LDAPS, members read in ranges of 1,000 (aws-big has 1,600 direct members)
run ldaps 0 uri="$AD_URI" $common $scope member_range_step=1000 &&
    check ldaps "$srv/expect.json" ad

# StartTLS on 389, objectSid as the id, the server's own member limit
run starttls_sid 0 uri=ldap://127.0.0.1 start_tls=true $common $scope external_id=objectSid \
    page_size=1000 && check starttls_sid "$srv/expect.json" ad --id objectSid

# range requests of 100 values: 16 rounds for aws-big
run ranges 0 uri="$AD_URI" $common $scope member_range_step=100 &&
    check ranges "$srv/expect.json" ad

# nested_groups=false: (memberOf=...) instead of the in-chain rule, no helpers
run flat 0 --count uri="$AD_URI" $common users_from_group=sync-a group_name_pattern='aws-*' \
    group_base_dn="$groups" nested_groups=false &&
    { [ "$(cat "$work/flat.json")" = "users 1300 groups 6 helpers 0" ] &&
        pass "flat: $(cat "$work/flat.json")" || fail "flat: $(cat "$work/flat.json")"; }

# end to end: the binary, this source (the predecessor's mapping from
# conf.d), the memory target; a second run writes nothing; a wrong password
# applies nothing
if [ -n "$bin" ]; then
    cat >"$work/source.ini" <<EOS
[source ad]
plugin = ldap
uri = $AD_URI
bind_dn = $AD_BIND_DN
bind_password = env:AD_PASSWORD
ca_file = $AD_CA
users_from_group = sync-all
group_name_pattern = aws-*
group_base_dn = $groups
external_id = objectSid

[mapping ad]
userName = \${userPrincipalName}
email = \${userPrincipalName}
givenName = \${givenName}
familyName = \${sn}
displayName = \${displayName}
title = \${title}
organization = \${company}
department = \${department}
manager = \${managerId}
active = \${active}
group.displayName = \${cn}
EOS
    # LDAPS through a relay that drops the connection after 400 kB
    e2e "$srv/expect.json" AD_PASSWORD 636 400000 ldaps
fi

# failures
export BAD_PW=not-the-password-42
run wrong_password 2 uri="$AD_URI" bind_dn="$AD_BIND_DN" bind_password=env:BAD_PW \
    ca_file="$AD_CA" && { expect_err wrong_password "Invalid credentials";
    expect_err wrong_password "$AD_URI"; no_secret wrong_password "$BAD_PW"; }

run no_tls 2 uri=ldap://127.0.0.1 $common && { expect_err no_tls "Strong(er) authentication required"
    expect_err no_tls "ldap://127.0.0.1: password bind over plain ldap:// without start_tls"; }

run fallback 0 uri="ldaps://127.0.0.1:$(python3 "$fixtures/port.py" free) $AD_URI" $common $scope &&
    { check fallback "$srv/expect.json" ad; expect_err fallback "unreachable, trying $AD_URI"; }

# a certificate from another CA is refused unless verify_tls=false
"$fixtures/mkcert.sh" "$work/other"
# and says what failed and what to set, on LDAPS and StartTLS
run wrong_ca 2 uri="$AD_URI" $common ca_file="$work/other/tls/ca.pem" && {
    expect_err wrong_ca "$AD_URI: TLS (ldaps) failed: the server's certificate chain is not trusted"
    expect_err wrong_ca "ca_file $work/other/tls/ca.pem does not hold the CA that issued it"; }
run wrong_ca_starttls 2 uri=ldap://127.0.0.1 start_tls=true $common ca_file="$work/other/tls/ca.pem" &&
    expect_err wrong_ca_starttls "ldap://127.0.0.1: StartTLS failed: the server's certificate chain is not trusted"
run no_ca 2 uri="$AD_URI" bind_dn="$AD_BIND_DN" bind_password=env:AD_PASSWORD &&
    expect_err no_ca "the system's CAs do not include its issuer; set ca_file"
# the DC reached under a name its certificate does not carry (127.0.0.2)
python3 "$fixtures/cut_proxy.py" 636 1000000000 "$work/alias.port" 127.0.0.2 &
alias_proxy=$!
python3 "$fixtures/port.py" wait-file "$work/alias.port" 10
alias_uri=ldaps://127.0.0.2:$(cat "$work/alias.port")
run wrong_name 2 uri="$alias_uri" $common && {
    expect_err wrong_name "$alias_uri: TLS (ldaps) failed: the server's certificate does not name the host in the URI"
    expect_err wrong_name "a domain controller's FQDN"; }
kill "$alias_proxy"
alias_proxy=""
run no_verify 0 --count uri="$AD_URI" $common ca_file="$work/other/tls/ca.pem" verify_tls=false && {
    pass "no_verify: $(cat "$work/no_verify.json")"
    expect_err no_verify "verify_tls is OFF: the server's certificate is not checked"; }

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
