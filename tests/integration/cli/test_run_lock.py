#!/usr/bin/env python3
"""One run at a time per target: two syncs started together against a
slowed-down Identity Center emulator.  One runs; the other exits 7 at once
with a message naming the holder (its pid, host and start time) and sends
nothing.  The emulator ends with each object once: nothing created twice,
nothing re-created or adopted, and no 429 at all.  Then a plan (which takes
no lock) runs while a sync holds it, and a third sync after both converges
with no change.

    test_run_lock.py --scimsync BIN --plugins DIR
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import TOKEN, Emulator, Workspace  # noqa: E402

failures = 0


def check(name, cond, p=None, extra=""):
    global failures
    if cond:
        print("ok   " + name)
        return
    failures += 1
    print("FAIL " + name + (" " + extra if extra else ""))
    if p is not None:
        print("exit %s\n--- stdout\n%s\n--- stderr\n%s" % (p.returncode, p.stdout[-4000:],
                                                          p.stderr[-4000:]))


class Run:
    """A scimsync process started in the background."""

    def __init__(self, ws, *cmd):
        empty = os.path.join(ws.dir, "conf.d-empty")
        os.makedirs(empty, exist_ok=True)
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=ws.args.plugins, SCIMSYNC_TEST_TOKEN=TOKEN)
        self.proc = subprocess.Popen(
            [ws.args.scimsync, "-c", os.path.join(ws.dir, "scimsync.ini"), "--conf-dir", empty,
             *cmd], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.pid = self.proc.pid

    def wait(self, timeout=300):
        out, err = self.proc.communicate(timeout=timeout)
        self.returncode, self.stdout, self.stderr = self.proc.returncode, out, err
        if TOKEN in out or TOKEN in err:
            raise AssertionError("the token appeared in the output")
        return self


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    args = ap.parse_args()
    ws = Workspace(args, "ss_runlock.")
    # a rate limit the target stays under: a second run doubling the rate
    # would meet it
    emu = Emulator(ws.dir, "--rate-limit", "40")
    try:
        ws.make_users(60)
        ids = [u["id"] for u in ws.users]
        ws.groups = [("g1", "all", ids), ("g2", "half", ids[:30])]
        ws.target.update({"rate_limit": "30", "max_connections": "4"})
        ws.write(emu)
        # slow enough that the winner still runs (seconds) when the other,
        # started right after it, reaches the lock even on a busy machine
        emu.config(latency=0.2)

        runs = [Run(ws, "sync"), Run(ws, "sync")]
        for r in runs:
            r.wait()
        codes = sorted(r.returncode for r in runs)
        check("two syncs together: one exits 0, the other 7 (got %s)" % codes, codes == [0, 7],
              extra="\n".join("--- pid %d exit %d\n%s" % (r.pid, r.returncode, r.stderr[-3000:])
                              for r in runs))
        winner = next((r for r in runs if r.returncode == 0), None)
        loser = next((r for r in runs if r.returncode == 7), None)
        if winner and loser:
            m = re.search(r"\[target idc\] is being synced by another run \(sync pid (\d+) on "
                          r"host (\S+), started (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ); lock file "
                          r"(\S+)\): this run does nothing \(exit code 7\)", loser.stderr)
            check("the second names the holder: pid, host, start time, lock file", m, loser)
            if m:
                check("the holder named is the run that synced (pid %d)" % winner.pid,
                      int(m.group(1)) == winner.pid, loser)
                check("the lock file is gone after the run", not os.path.exists(m.group(4)),
                      extra=m.group(4))
            check("the second run printed no plan", loser.stdout == "", loser)
        log = emu.log()
        posts = [e for e in log if e["method"] == "POST"]
        st = emu.state()
        check("60 users and 2 groups, each once",
              len(st["users"]) == 60 and len(st["groups"]) == 2
              and len({u["externalId"] for u in st["users"]}) == 60)
        check("62 creates in all: nothing created twice (%d POST)" % len(posts), len(posts) == 62,
              winner)
        check("nothing re-created or adopted", winner is not None
              and "already exists" not in winner.stderr + (loser.stderr if loser else ""))
        n429 = sum(1 for e in log if e["status"] == 429)
        check("no 429 (%d)" % n429, n429 == 0, winner)

        # a plan takes no lock: it runs while a sync holds one
        ws.make_users(20, start=61)
        ws.write(emu)
        emu.clear_log()
        sync = Run(ws, "sync")
        # wait until the sync is writing, so it surely holds the lock
        import time
        deadline = time.time() + 60
        while time.time() < deadline and not any(e["method"] == "POST" for e in emu.log()):
            time.sleep(0.05)
        plan = Run(ws, "plan").wait()
        check("a plan runs while a sync holds the lock: exit 0", plan.returncode == 0, plan)
        check("the plan was not refused", "being synced by another run" not in plan.stderr, plan)
        sync.wait()
        check("the sync beside it: exit 0", sync.returncode == 0, sync)
        again = Run(ws, "sync").wait()
        check("a later sync takes the free lock and has nothing to do",
              again.returncode == 0 and "0 created" in again.stdout, again)
    finally:
        emu.stop()
        ws.cleanup()
    print("%s: %d failure(s)" % ("FAIL" if failures else "PASS", failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
