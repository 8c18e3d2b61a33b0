#!/usr/bin/env python3
"""Clean stops against a slowed-down Identity Center emulator.

- SIGTERM in the middle of an apply: no new operation starts, the requests
  in flight finish, exit 5, nothing counted as failed; the next run
  converges to the exact expected state with no duplicates.
- SIGTERM while reading: exit 5 at once, nothing written.
- SIGTERM with requests that outlast [engine] stop_grace: they are
  abandoned when the grace ends, exit 5, still nothing counted as failed.

Time bounds are generous upper bounds only.

    test_clean_stop.py --scimsync BIN --plugins DIR
"""
import argparse
import collections
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import TOKEN, Emulator, Workspace, writes  # noqa: E402

failures = 0


def check(name, cond, out=None, extra=""):
    global failures
    if cond:
        print("ok   " + name)
        return
    failures += 1
    print("FAIL " + name + (" " + extra if extra else ""))
    if out is not None:
        rc, so, se = out
        print("exit %s\n--- stdout\n%s\n--- stderr\n%s" % (rc, so[-4000:], se[-4000:]))


def start(ws, emu, *cmd):
    ws.write(emu)
    empty = os.path.join(ws.dir, "conf.d-empty")
    os.makedirs(empty, exist_ok=True)
    env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=ws.args.plugins, SCIMSYNC_TEST_TOKEN=TOKEN)
    return subprocess.Popen([ws.args.scimsync, "-c", os.path.join(ws.dir, "scimsync.ini"),
                             "--conf-dir", empty, *cmd], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(cond, limit=60):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def finish(proc, limit=60):
    so, se = proc.communicate(timeout=limit)
    if TOKEN in so or TOKEN in se:
        raise AssertionError("the token appeared in the output")
    return proc.returncode, so, se


def exact_state(emu, ws):
    st = emu.state()
    ext = collections.Counter(u.get("externalId") for u in st["users"])
    want = {u["id"] for u in ws.users}
    groups = st["groups"]
    members = set(groups[0].get("members", [])) if len(groups) == 1 else set()
    ids = {u["id"] for u in st["users"]}
    return (set(ext) == want and all(n == 1 for n in ext.values()) and len(groups) == 1
            and members == ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    args = ap.parse_args()
    ws = Workspace(args, "ss_stop.")
    emu = Emulator(ws.dir)
    try:
        ws.make_users(40)
        ws.groups = [("g1", "all", [u["id"] for u in ws.users])]
        ws.target.update({"max_connections": "2", "retries": "0", "timeout": "60"})

        # 1. SIGTERM mid-apply: 0.3 s a request, two at a time (40 creates: 6 s)
        emu.config(latency=0.3)
        proc = start(ws, emu, "sync")
        wait_for(lambda: len(writes(emu.log())) >= 4)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out = finish(proc)
        took = time.monotonic() - t0
        rc, so, se = out
        created = len(emu.state()["users"])
        check("SIGTERM mid-apply: exit 5", rc == 5, out)
        check("SIGTERM mid-apply: stopped within %.1f s (grace 20 s)" % took, took < 15, out)
        check("SIGTERM mid-apply: stopped part way: %d of 40 users created" % created,
              0 < created < 40, out)
        check("SIGTERM mid-apply: nothing counted as failed",
              "0 failed" in so and " error " not in se and "not attempted" not in se, out)
        check("SIGTERM mid-apply: the summary says what was done and not started",
              "Interrupted:" in so and "not started" in so
              and re.search(r"Not started: \d+ create user, 1 create group, 1 add members", so),
              out)
        check("SIGTERM mid-apply: no group operation started", not emu.state()["groups"], out)
        # every POST the server answered is a user the summary counts as created
        done = [l for l in so.splitlines() if l.startswith("Summary:")]
        check("SIGTERM mid-apply: requests in flight finished and were counted",
              done and ("users %d created" % created) in done[0], out)

        emu.config(latency=0)
        p = finish(start(ws, emu, "sync"))
        check("next run: exit 0", p[0] == 0, p)
        check("next run: the exact expected state, no duplicates", exact_state(emu, ws), p)

        # 2. SIGTERM while reading: each request takes 30 s
        ws.users.append(dict(ws.users[0], id="u99999", userName="late@example.com",
                             email="late@example.com", employeeNumber="E99999"))
        emu.clear_log()
        emu.config(latency=30)
        proc = start(ws, emu, "sync")
        wait_for(lambda: len(emu.log()) >= 0 and proc.poll() is None, 1)
        time.sleep(1.0)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out = finish(proc)
        took = time.monotonic() - t0
        check("SIGTERM while reading: exit 5", out[0] == 5, out)
        check("SIGTERM while reading: at once (%.1f s)" % took, took < 10, out)
        check("SIGTERM while reading: says nothing was applied", "nothing applied" in out[2], out)
        emu.config(latency=0)
        check("SIGTERM while reading: nothing written", not writes(emu.log()))

        # 3. requests outlasting stop_grace: 40 updates at 0.5 s each, two at a
        # time; once some are done, new requests take 20 s; SIGTERM with a
        # grace of 1 s abandons the two in flight
        ws.users = ws.users[:40]
        for u in ws.users:
            u["title"] = "Changed"
        ws.engine["stop_grace"] = "1"
        emu.clear_log()
        emu.config(latency=0.5)
        proc = start(ws, emu, "sync")
        wait_for(lambda: len(writes(emu.log())) >= 2)
        emu.config(latency=20)
        time.sleep(1.5)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out = finish(proc)
        took = time.monotonic() - t0
        emu.config(latency=0)
        check("grace over: exit 5", out[0] == 5, out)
        check("grace over: abandoned after about 1 s (%.1f s, a write takes 20)" % took,
              took < 10, out)
        check("grace over: nothing counted as failed", "0 failed" in out[1], out)
        del ws.engine["stop_grace"]
        p = finish(start(ws, emu, "sync"))
        check("after the grace case: the next run converges", p[0] == 0 and exact_state(emu, ws),
              p)
        p = finish(start(ws, emu, "plan", "--exit-code"))
        check("after the grace case: nothing left to do", p[0] == 0, p)
    finally:
        emu.stop()
        ws.cleanup()
    print("%s: %d failure(s)" % (os.path.basename(__file__), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
