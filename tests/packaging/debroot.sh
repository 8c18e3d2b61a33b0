# Shared by the tests that need a clean Debian root (sourced, not run):
# debroot_create ROOT WORK   a minimal bookworm root in ROOT, from a cached
#                            debootstrap tarball (made on first use), with apt
#                            pointed at this machine's mirror and its DNS;
# debroot_umount ROOT        unmounts everything below ROOT, deepest first;
#                            returns 1 when a mount could not be removed;
# debroot_remove ROOT WORK   unmounts below ROOT, then deletes WORK (left in
#                            place, with a message, if a mount remains).
# The cache is $SCIMSYNC_DEBOOTSTRAP_CACHE (default
# ${TMPDIR:-/tmp}/scimsync-debootstrap-cache).  Needs root and a Debian mirror
# (the one in /etc/apt/sources*).  The caller defines fail().

debroot_suite=bookworm

debroot_mirror() {
    # The machine's Debian mirror (deb822 or one-line sources), else deb.debian.org.
    m=$(awk '
        /^Types:/ { deb = /deb( |$)/ } /^URIs:/ { uri = $2 }
        /^Suites:/ && deb && / '"$debroot_suite"'( |$)/ { print uri; exit }
        /^deb / && $3 == "'"$debroot_suite"'" { print $2; exit }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
        head -n 1)
    echo "${m:-http://deb.debian.org/debian}"
}

debroot_create() {
    _root=$1
    _work=$2
    _cache=${SCIMSYNC_DEBOOTSTRAP_CACHE:-${TMPDIR:-/tmp}/scimsync-debootstrap-cache}
    _mirror=$(debroot_mirror)
    _tarball=$_cache/$debroot_suite-minbase-$(dpkg --print-architecture).tar
    mkdir -p "$_cache" "$_root"
    if [ ! -s "$_tarball" ]; then
        echo "== debootstrap --variant=minbase $debroot_suite from $_mirror (cached in $_tarball)"
        debootstrap --variant=minbase "$debroot_suite" "$_root" "$_mirror" >"$_work/debootstrap.log" 2>&1 ||
            { tail -n 30 "$_work/debootstrap.log" >&2; fail "debootstrap"; }
        tar -C "$_root" -cf "$_tarball.tmp" . && mv "$_tarball.tmp" "$_tarball"
    else
        echo "== clean $debroot_suite root from $_tarball"
        tar -C "$_root" -xf "$_tarball"
    fi
    # apt inside the root: the same suites as this machine (main, updates,
    # security) and its DNS.
    {
        echo "deb $_mirror $debroot_suite main"
        echo "deb $_mirror $debroot_suite-updates main"
        _sec=$(awk '/^URIs:/ { uri = $2 } /^Suites:/ && /-security/ { print uri; exit }
                   /^deb / && $3 ~ /-security/ { print $2; exit }' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
        [ -n "$_sec" ] && echo "deb $_sec $debroot_suite-security main"
    } >"$_root/etc/apt/sources.list"
    cp /etc/resolv.conf "$_root/etc/resolv.conf" 2>/dev/null || true
}

debroot_umount() {
    for _m in $(awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r); do
        umount "$_m" 2>/dev/null || umount -l "$_m"
    done
    ! awk -v r="$1" '$2 == r || index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/mounts
}

debroot_remove() {
    if debroot_umount "$1"; then
        rm -rf --one-file-system "$2"
    else
        echo "cleanup: mounts remain under $1; $2 left in place" >&2
    fi
}
