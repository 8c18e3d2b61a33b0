#!/usr/bin/env python3
"""core/ include direction: a file in core/FOLDER/ includes headers of its
own folder and of the folders below it only.  The order is SS_CORE_FOLDERS
in core/CMakeLists.txt (lowest first), which the build enforces for .c
files through each folder's include path; this check covers the headers
too (a header is compiled only where a .c file includes it).
Exit 0 clean, 1 with one line per upward include."""
import os
import re
import sys

top = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
core = os.path.join(top, "core")
m = re.search(r"set\(SS_CORE_FOLDERS ([^)]*)\)", open(os.path.join(core, "CMakeLists.txt")).read())
if not m:
    sys.exit("core-layers: SS_CORE_FOLDERS not found in core/CMakeLists.txt")
order = m.group(1).split()
rank = {d: i for i, d in enumerate(order)}

where = {}  # header name -> folder
for d in order:
    for f in os.listdir(os.path.join(core, d)):
        if f.endswith(".h"):
            if f in where:
                print(f"core/{d}/{f}: header name also in core/{where[f]}/ (includes are by name)")
            where.setdefault(f, d)

bad = 0
for d in order:
    for f in sorted(os.listdir(os.path.join(core, d))):
        if not f.endswith((".c", ".h")):
            continue
        with open(os.path.join(core, d, f), encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                inc = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not inc:
                    continue
                h = os.path.basename(inc.group(1))
                if h in where and rank[where[h]] > rank[d]:
                    print(f"core/{d}/{f}:{n}: includes {h} of core/{where[h]}/, a layer above "
                          f"core/{d}/ (order: {' < '.join(order)})")
                    bad += 1
for d in sorted(os.listdir(core)):
    if os.path.isdir(os.path.join(core, d)) and d not in rank:
        print(f"core/{d}/: not in SS_CORE_FOLDERS (core/CMakeLists.txt)")
        bad += 1
print(f"core-layers: {bad} upward include(s) in {len(order)} folders")
sys.exit(1 if bad else 0)
