#!/bin/sh
# Container entrypoint: optionally renders a configuration template from the
# environment, then runs scimsync with the container's arguments.
#
# SCIMSYNC_CONFIG_TEMPLATE  an *.ini.in file.  It is rendered to a temporary
#   file, with every ${env:VAR} replaced by the value of the environment
#   variable VAR (comment lines are left alone), and scimsync reads that file
#   in place of /etc/scimsync/scimsync.ini; /etc/scimsync/conf.d/*.ini still
#   apply after it.  On ECS the variables come from SSM parameters through
#   the task definition's `secrets`, so values such as the AD group name stay
#   in Parameter Store and are read at the start of every run.  An unset
#   variable or a value with a line break is an error: nothing runs.
# Without it, /etc/scimsync (mounted, or baked into an image built FROM this
# one) is used as is.
set -eu

if [ -z "${SCIMSYNC_CONFIG_TEMPLATE:-}" ]; then
    exec scimsync "$@"
fi

template=$SCIMSYNC_CONFIG_TEMPLATE
[ -f "$template" ] || { echo "scimsync-entrypoint: $template: template not found" >&2; exit 1; }
tmpd=$(mktemp -d "${TMPDIR:-/tmp}/scimsync-conf.XXXXXX")
# Removed on failure; exec below replaces the shell, so no trap runs then.
trap 'rm -rf "$tmpd"' EXIT
config=$tmpd/scimsync.ini

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
END { exit bad }' "$template" >"$config" || exit 1

exec scimsync -c "$config" "$@"
