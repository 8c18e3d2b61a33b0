#!/bin/sh
# Usage: check-exports.sh PLUGIN.so...
# Fails when a plugin defines a dynamic symbol other than the descriptor.
set -eu
[ $# -gt 0 ] || { echo "no plugins given" >&2; exit 1; }
status=0
for so in "$@"; do
    extra=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^scimsync_plugin_descriptor$' || true)
    if ! nm -D --defined-only "$so" | grep -q ' scimsync_plugin_descriptor$'; then
        echo "FAIL $so: no scimsync_plugin_descriptor" >&2; status=1
    elif [ -n "$extra" ]; then
        echo "FAIL $so exports more than the descriptor:" >&2; echo "$extra" >&2; status=1
    else
        echo "ok   $so"
    fi
done
exit $status
