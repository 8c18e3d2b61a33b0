#!/bin/sh
# Line coverage of the unit tests alone (ctest -L unit), per folder.
#   tests/coverage.sh [BUILD_DIR]      (default: build/coverage)
# Builds with -DSCIMSYNC_COVERAGE=ON (gcc --coverage), runs the unit tests,
# then merges gcov's JSON output: a line counts as covered when any object
# compiled from its file ran it.  Files never run by a unit test count with
# all their lines uncovered.  Needs gcc's gcov and python3 only.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$src/build/coverage"}
jobs=${JOBS:-2}

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSCIMSYNC_COVERAGE=ON \
    -DSCIMSYNC_SANITIZE=OFF >/dev/null
cmake --build "$build" -j"$jobs" >/dev/null
find "$build" -name '*.gcda' -delete
if ! ctest --test-dir "$build" -L unit -j"$jobs" --output-on-failure >"$build/coverage-ctest.log" 2>&1; then
    cat "$build/coverage-ctest.log"
    echo "coverage: unit tests failed (figures below are partial)" >&2
fi
grep -E 'tests passed|tests failed' "$build/coverage-ctest.log" || true

python3 - "$src" "$build" <<'PY'
import gzip, json, os, subprocess, sys, tempfile

src, build = (os.path.realpath(p) for p in sys.argv[1:3])
folders = ["core/", "common/", "plugins/source-ldap/", "plugins/source-csv/",
           "plugins/target-scim/"]
lines = {}  # source path (relative) -> {line: covered}
gcnos = []
for root, _, names in os.walk(build):
    gcnos += [os.path.join(root, n) for n in names if n.endswith(".gcno")]
with tempfile.TemporaryDirectory() as tmp:
    for g in gcnos:
        out = subprocess.run(["gcov", "--json-format", "--stdout", g], cwd=tmp,
                             capture_output=True, text=True).stdout
        for doc in out.splitlines():
            doc = doc.strip()
            if not doc.startswith("{"):
                continue
            data = json.loads(doc)
            cwd = data.get("current_working_directory", build)
            for f in data.get("files", []):
                path = os.path.realpath(os.path.join(cwd, f["file"]))
                if not path.startswith(src + "/"):
                    continue
                rel = path[len(src) + 1:]
                seen = lines.setdefault(rel, {})
                for ln in f["lines"]:
                    n = ln["line_number"]
                    seen[n] = seen.get(n, False) or ln["count"] > 0

print(f"{'folder':<24}{'lines':>8}{'covered':>9}{'coverage':>10}")
for d in folders:
    files = {k: v for k, v in lines.items() if k.startswith(d) and k.endswith(".c")}
    total = sum(len(v) for v in files.values())
    hit = sum(sum(v.values()) for v in files.values())
    pct = f"{100.0 * hit / total:.1f}%" if total else "-"
    print(f"{d:<24}{total:>8}{hit:>9}{pct:>10}")
if os.environ.get("COVERAGE_FILES"):
    print()
    for k in sorted(lines):
        v = lines[k]
        if any(k.startswith(d) for d in folders) and v:
            print(f"{k:<50}{100.0 * sum(v.values()) / len(v):6.1f}%  ({len(v)} lines)")
PY
