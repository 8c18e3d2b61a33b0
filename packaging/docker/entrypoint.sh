#!/bin/sh
# Container entrypoint: optionally renders configuration templates from the
# environment, then runs scimsync with the container's arguments.
#
# SCIMSYNC_CONFIG_TEMPLATES  colon-separated *.ini.in files.  Each becomes
#   <tmp>/conf.d/<name>.ini with every ${env:VAR} replaced by the value of the
#   environment variable VAR, and scimsync reads that conf.d (after
#   /etc/scimsync/scimsync.ini).  On ECS the variables come from SSM
#   parameters through the task definition's `secrets`, so values such as the
#   AD group name stay in Parameter Store, read at the start of every run.
#   An unset variable or a value with a line break is an error: the run stops.
# Without it, /etc/scimsync (mount it, or build FROM this image) is used as is.
set -eu

if [ -z "${SCIMSYNC_CONFIG_TEMPLATES:-}" ]; then
    exec scimsync "$@"
fi

tmpd=$(mktemp -d "${TMPDIR:-/tmp}/scimsync-conf.XXXXXX")
# Removed on failure; exec below replaces the shell, so no trap runs then.
trap 'rm -rf "$tmpd"' EXIT
confd=$tmpd/conf.d
mkdir "$confd"
# Files already in /etc/scimsync/conf.d still apply, in their usual order.
for f in /etc/scimsync/conf.d/*.ini; do
    [ -f "$f" ] && ln -s "$f" "$confd/"
done

old_ifs=$IFS
IFS=:
for t in $SCIMSYNC_CONFIG_TEMPLATES; do
    IFS=$old_ifs
    [ -f "$t" ] || { echo "scimsync-entrypoint: $t: template not found" >&2; exit 1; }
    out=$confd/$(basename "$t" .in)
    case $out in *.ini) ;; *) out=$out.ini ;; esac
    # Values are concatenated, never used as patterns or replacement text.
    awk '
    /^[ \t]*[;#]/ { print; next }   # comments stay as they are
    {
        line = $0; done = ""
        while (match(line, /\$\{env:[A-Za-z_][A-Za-z0-9_]*\}/)) {
            name = substr(line, RSTART + 6, RLENGTH - 7)
            if (!(name in ENVIRON)) {
                printf "scimsync-entrypoint: %s:%d: %s is not set in the environment\n", \
                    FILENAME, FNR, name > "/dev/stderr"
                bad = 1
            } else if (ENVIRON[name] ~ /[\r\n]/) {
                printf "scimsync-entrypoint: %s:%d: %s contains a line break\n", \
                    FILENAME, FNR, name > "/dev/stderr"
                bad = 1
            }
            done = done substr(line, 1, RSTART - 1) ENVIRON[name]
            line = substr(line, RSTART + RLENGTH)
        }
        print done line
    }
    END { exit bad }' "$t" >"$out" || exit 1
done
IFS=$old_ifs

exec scimsync --conf-dir "$confd" "$@"
