#!/usr/bin/env python3
"""A mapping attribute that no entry of the source carried is reported,
naming the mapping line (file:line) and the attribute: the CSV source into
the Identity Center emulator.  A correct mapping and the default mapping
give no such warning.

    test_mapping_attrs.py --scimsync BIN --plugins DIR
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import Emulator, Workspace  # noqa: E402

failures = 0


def check(name, cond, p=None, extra=""):
    global failures
    if cond:
        print("ok   " + name)
        return
    failures += 1
    print("FAIL " + name + (" " + extra if extra else ""))
    if p is not None:
        print("exit %d\n--- stdout\n%s\n--- stderr\n%s" % (p.returncode, p.stdout[-4000:],
                                                          p.stderr[-4000:]))


class MappingWorkspace(Workspace):
    def __init__(self, args):
        super().__init__(args, "ss_mapattrs.")
        self.mapping = ""

    def write(self, emulator):
        super().write(emulator)
        path = os.path.join(self.dir, "scimsync.ini")
        if self.mapping:
            with open(path, "a") as f:
                f.write("\n[mapping hr]\n" + self.mapping)

    def line_of(self, text):
        """file:line of the line of scimsync.ini that starts with text."""
        path = os.path.join(self.dir, "scimsync.ini")
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if line.startswith(text):
                    return "%s:%d" % (path, n)
        return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    args = ap.parse_args()
    ws = MappingWorkspace(args)
    emu = Emulator(ws.dir)
    try:
        ws.make_users(12)
        ws.groups = [("g1", "all", [u["id"] for u in ws.users])]

        ws.mapping = "title = ${jobtitle}\nnickName = ${givenName} ${Nick|lower}\n"
        p = ws.run(emu, "plan")
        where = ws.line_of("title =")
        want = ('%s: [mapping hr] title = ${jobtitle}: no entry of source hr carried attribute '
                '"jobtitle" (12 user entries read' % where)
        check("plan: exit 0", p.returncode == 0, p)
        check("plan: the typo is reported with its file:line and attribute", want in p.stderr,
              p, want)
        want2 = ('%s: [mapping hr] nickName = ${givenName} ${Nick|lower}: no entry of source hr '
                 'carried attribute "Nick"' % ws.line_of("nickName ="))
        check("plan: each attribute of a line is checked", want2 in p.stderr, p, want2)
        check("plan: givenName, carried, is not reported",
              'attribute "givenName"' not in p.stderr, p)
        check("plan: one warning per missing attribute",
              p.stderr.count("no entry of source hr carried") == 2, p)
        p = ws.run(emu, "sync")
        check("sync: the warning again, exit 0", p.returncode == 0 and want in p.stderr, p)

        # a group mapping typo: the groups are skipped and the line named
        ws.mapping = "group.displayName = ${name}\n"
        p = ws.run(emu, "plan")
        want = ('%s: [mapping hr] group.displayName = ${name}: no entry of source hr carried '
                'attribute "name" (1 group entries read' % ws.line_of("group.displayName ="))
        check("group typo: the line is named", want in p.stderr, p, want)

        # attribute names match case-insensitively, ${id} is the entry id:
        # no warning
        ws.mapping = "title = ${DEPARTMENT}\nemployeeNumber = ${id}\n"
        p = ws.run(emu, "plan")
        check("a correct mapping: no warning",
              p.returncode == 0 and "no entry of source" not in p.stderr, p)
        ws.mapping = ""
        p = ws.run(emu, "plan")
        check("the default mapping: no warning",
              p.returncode == 0 and "no entry of source" not in p.stderr, p)
    finally:
        emu.stop()
        ws.cleanup()
    print("%s: %d failure(s)" % ("FAIL" if failures else "PASS", failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
