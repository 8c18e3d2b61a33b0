#!/usr/bin/env python3
"""[engine] max_run_time against a slowed-down Identity Center emulator: a
run whose reads outlast it ends with exit 2 and no write; a run whose apply
outlasts it starts no further operation and ends with exit 3; the next run
without the limit converges with no duplicates.  The time bounds are
generous: each is far below what the slow server would take uncut.

    test_max_run_time.py --scimsync BIN --plugins DIR
"""
import argparse
import collections
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import Emulator, Workspace, writes  # noqa: E402

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


def timed(ws, emu, *cmd):
    t0 = time.monotonic()
    p = ws.run(emu, *cmd)
    return p, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    args = ap.parse_args()
    ws = Workspace(args, "ss_maxrun.")
    emu = Emulator(ws.dir)
    try:
        ws.make_users(40)
        ws.groups = [("g1", "all", [u["id"] for u in ws.users])]
        ws.target.update({"max_connections": "1", "retries": "0", "timeout": "120"})

        # every request takes 30 s: the first listing outlasts max_run_time
        emu.config(latency=30)
        ws.engine["max_run_time"] = "2"
        p, took = timed(ws, emu, "sync")
        check("reads outlast max_run_time: exit 2", p.returncode == 2, p)
        check("the message names max_run_time",
              "max_run_time (2 s) reached while reading; nothing applied" in p.stderr
              and "stop requested" not in p.stderr, p)
        check("bounded: %.1f s, not the 30 s of one request" % took, took < 20, p)
        check("nothing written", not writes(emu.log()))

        # 0.25 s a request, one at a time: 40 creates alone take 10 s
        emu.config(latency=0.25)
        emu.clear_log()
        ws.engine["max_run_time"] = "3"
        p, took = timed(ws, emu, "sync")
        created = len(emu.state()["users"])
        check("apply outlasts max_run_time: exit 3", p.returncode == 3, p)
        check("the message names max_run_time",
              "max_run_time (3 s) reached" in p.stderr and "not attempted" in p.stderr
              and "stop requested" not in p.stderr, p)
        check("bounded: %.1f s for a 12 s apply" % took, took < 9, p)
        check("stopped part way: %d of 40 users created" % created, 0 < created < 40, p)
        check("no group operation started", not emu.state()["groups"], p)

        # the next run, without the limit, completes it exactly once
        emu.config(latency=0)
        del ws.engine["max_run_time"]
        p, took = timed(ws, emu, "sync")
        names = collections.Counter(u["userName"] for u in emu.state()["users"])
        check("the next run converges", p.returncode == 0 and len(names) == 40
              and max(names.values()) == 1 and len(emu.state()["groups"]) == 1, p,
              str(len(names)))
    finally:
        emu.stop()
        ws.cleanup()
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
