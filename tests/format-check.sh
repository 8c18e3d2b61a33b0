#!/bin/sh
# clang-format check: every C source and header of the tree must be as
# clang-format (the .clang-format at the top) writes it, except the files
# listed in tests/format-denylist.txt (a list that only shrinks).
#   tests/format-check.sh            check
#   CLANG_FORMAT=clang-format-14 tests/format-check.sh
# Exit 0 clean, 1 unformatted files (listed, with the command that fixes
# them), 77 when clang-format is not installed (ctest reports a skip).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null 2>&1; then
    echo "format-check: $cf not found (Debian: clang-format); skipped"
    exit 77
fi
deny=tests/format-denylist.txt

# Tracked files in a git checkout; otherwise every C file outside build dirs.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    files=$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h')
else
    files=$(find . -path './build*' -prune -o \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||')
fi

check=""
nchecked=0
for f in $files; do
    [ -f "$f" ] || continue
    grep -qxF "$f" "$deny" && continue
    check="$check $f"
    nchecked=$((nchecked + 1))
done
# One run over all files; its messages start with "FILE:LINE:COL: error".
# shellcheck disable=SC2086
bad=$("$cf" --dry-run -Werror $check 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error.*/\1/p' | sort -u |
    tr '\n' ' ')
nbad=$(echo "$bad" | wc -w)
# Denylisted files that are formatted now: say so, so the list shrinks.
for f in $(grep -v '^#' "$deny"); do
    if [ -f "$f" ] && "$cf" --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "format-check: $f is formatted now: delete it from $deny"
    fi
done
if [ "$nbad" -gt 0 ]; then
    echo "format-check: $nbad of $nchecked files are not clang-formatted:"
    for f in $bad; do
        echo "  $f"
    done
    echo "fix: $cf -i $bad"
    exit 1
fi
echo "format-check: $nchecked files clang-formatted ($(grep -vc '^#' "$deny") on the denylist)"
