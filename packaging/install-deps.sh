#!/bin/sh
# Installs the Debian packages scimsync needs to build and test.
# Usage: packaging/install-deps.sh [build|test]   (default: test = build + test servers)
set -eu
what=${1:-test}
build_pkgs="build-essential cmake pkg-config file libcurl4-openssl-dev libldap-dev libjson-c-dev libinih-dev libssl-dev libcmocka-dev libmicrohttpd-dev"
test_pkgs="python3 python3-cryptography python3-prometheus-client openssl slapd ldap-utils samba samba-ad-dc samba-ad-provision krb5-user debootstrap time clang libclang-rt-14-dev groff-base man-db"
# tests/format-check.sh (ctest format_check)
test_pkgs="$test_pkgs clang-format ca-certificates"
pkgs=$build_pkgs
[ "$what" = test ] && pkgs="$pkgs $test_pkgs"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing" >&2
$SUDO apt-get update -qq
# slapd asks questions on install; keep it quiet and unconfigured (tests start their own).
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
