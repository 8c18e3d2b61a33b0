#!/usr/bin/env python3
"""kill -9 during an apply, then convergence: scimsync syncs a few hundred
users and groups into the Identity Center emulator through the chaos proxy,
which lets N writes through and then applies but never answers the next
ones; scimsync is killed with SIGKILL there (N chosen to fall amid the user
creates, the group creates, the member adds, a second day's changes), and
the next run must reach exactly the source (no object created twice), after
which a further run has nothing to do.

Usage: test_kill9.py --scimsync BIN --plugins DIR
"""
import argparse
import collections
import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import chaoslib  # noqa: E402
from scimlib import Emulator, Workspace  # noqa: E402

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
failures = 0


def check(name, cond, r=None, extra=""):
    global failures
    if cond:
        print("ok   " + name)
        return
    failures += 1
    print("FAIL " + name + (" " + extra if extra else ""))
    if r is not None:
        print("exit %s after %.1f s\n--- stdout\n%s\n--- stderr\n%s" % (
            r.returncode, r.elapsed, r.stdout[-4000:], r.stderr[-6000:]))


def make_source(ws):
    """300 users (some with managers) and 12 overlapping groups, one nested."""
    ws.users = []
    ws.make_users(300)
    for i in range(2, 301):
        if i % 5 == 0:
            ws.user("u%05d" % i)["manager"] = "u%05d" % (i // 5)
    ws.groups = [("g%02d" % k, "kill-group-%02d" % k,
                  ["u%05d" % i for i in range(k * 20 + 1, k * 20 + 41)]) for k in range(11)]
    ws.groups.append(("g11", "kill-parents", ["g00", "g01", "u00300"]))


def change_source(ws):
    """A second day: removals, updates, member changes (every kind of write)."""
    ws.users = [u for u in ws.users if u["id"] not in ("u00291", "u00292", "u00293")]
    for i in range(10, 20):
        ws.user("u%05d" % i)["title"] = "Staff Engineer"
    ws.make_users(5, start=301)
    ws.groups = [(gid, name, [m for m in members if m not in ("u00021", "u00041", "u00061")]
                  + (["u00301", "u00302"] if gid == "g03" else []))
                 for gid, name, members in ws.groups]


def expected(ws):
    """The source as the target should hold it, keyed by externalId."""
    users = {u["id"]: (u["userName"], u["title"], u["manager"] or None) for u in ws.users}
    by_gid = {gid: members for gid, _, members in ws.groups}

    def flat(members, seen):
        out = set()
        for m in members:
            if m in by_gid:  # Identity Center has no nested groups: their users
                if m not in seen:
                    out |= flat(by_gid[m], seen | {m})
            else:
                out.add(m)
        return out
    return users, {gid: (name, flat(members, {gid})) for gid, name, members in ws.groups}


def actual(emu):
    st = emu.state()
    by_id = {}
    for u in st["users"]:
        by_id[u["id"]] = u.get("externalId")
    for g in st["groups"]:
        by_id[g["id"]] = g.get("externalId")
    users = {}
    for u in st["users"]:
        if not u.get("active", True):
            continue
        mgr = u.get(ENTERPRISE, {}).get("manager", {}).get("value")
        users[u.get("externalId")] = (u["userName"], u.get("title"),
                                      by_id.get(mgr) if mgr else None)
    groups = {g.get("externalId"): (g["displayName"], {by_id.get(m) for m in g["members"]})
              for g in st["groups"]}
    return st, users, groups


def no_duplicates(st):
    c = collections.Counter()
    for u in st["users"]:
        c["user " + u["userName"].lower()] += 1
        c["user ext " + str(u.get("externalId"))] += 1
    for g in st["groups"]:
        c["group " + g["displayName"].lower()] += 1
        c["group ext " + str(g.get("externalId"))] += 1
    return [k for k, n in c.items() if n > 1]


def kill_after(ws, emu, proxy, what, n):
    """A sync through the proxy, whose writes after the n-th are applied but
    never answered; SIGKILL once one is held."""
    proxy.config(hold_writes_after=n)
    emu.clear_log()
    t0 = time.monotonic()
    p, out, err = chaoslib.start(ws, ("sync",), proxy)
    killed = False
    while p.poll() is None and time.monotonic() - t0 < 120:
        if proxy.stats()["held"] >= 1:
            os.kill(p.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.01)
    r = chaoslib.finish(p, out, err, t0, 130)
    # what the proxy had in flight still lands upstream: let it settle first
    settle = time.monotonic() + 30
    while proxy.stats()["inflight"] and time.monotonic() < settle:
        time.sleep(0.01)
    w = [e for e in emu.log() if e["method"] != "GET"]
    print("killed %s: %d writes reached the server: %s" % (
        what, len(w), dict(collections.Counter((e["method"], e["status"]) for e in w))))
    check("kill %s: scimsync was killed mid-apply, after more than %d writes" % (what, n),
          killed and r.returncode == -signal.SIGKILL and len(w) > n, r)
    proxy.config(hold_writes_after=-1)


def converge(ws, emu, what):
    emu.clear_log()
    r = chaoslib.run(ws, emu)
    check("after the kill %s: the next sync exits 0" % what, r.returncode == 0, r)
    st, users, groups = actual(emu)
    want_users, want_groups = expected(ws)
    check("after the kill %s: active users equal the source" % what, users == want_users,
          extra=str(sorted(set(users.items()) ^ set(want_users.items()), key=str)[:6]))
    check("after the kill %s: groups and memberships equal the source" % what,
          groups == want_groups,
          extra=str([k for k in set(groups) | set(want_groups)
                     if groups.get(k) != want_groups.get(k)][:6]))
    source = {u["id"] for u in ws.users}
    inactive = {u.get("externalId") for u in st["users"] if not u.get("active", True)}
    check("after the kill %s: exactly the users gone from the source are inactive" % what,
          inactive == {u.get("externalId") for u in st["users"]} - source, extra=str(inactive))
    dups = no_duplicates(st)
    check("after the kill %s: no user or group twice" % what, not dups, extra=str(dups[:6]))
    emu.clear_log()
    r = chaoslib.run(ws, emu)
    w = [e for e in emu.log() if e["method"] != "GET"]
    check("after the kill %s: a further sync has no changes" % what,
          r.returncode == 0 and "No changes." in r.stdout and not w, r, str(w[:5]))


def posts(kind, w):
    return sum(1 for e in w if e["method"] == "POST" and e["path"].endswith("/" + kind))


def patches(kind, w):
    return sum(1 for e in w if e["method"] == "PATCH" and "/%s/" % kind in e["path"])


# kill points: writes let through before the one held.  A full first sync is
# 300 user creates, then 12 group creates, then 13 member PATCHes.
POINTS = [("amid the user creates", 40), ("amid the group creates", 303),
          ("amid the member adds", 315)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    args = ap.parse_args()
    ws = Workspace(args, "scimsync-kill9-")
    emu = proxy = None
    t0 = time.monotonic()
    try:
        emu = Emulator(ws.dir)
        proxy = chaoslib.Proxy(ws.dir, emu)
        ws.engine = {}
        ws.target = {"max_connections": "4"}
        for what, n in POINTS:
            emu.admin("reset", {})
            make_source(ws)
            kill_after(ws, emu, proxy, what, n)
            converge(ws, emu, what)
        # a second day's apply (deactivations, updates, member removals) killed too
        change_source(ws)
        kill_after(ws, emu, proxy, "amid a second day's changes", 8)
        converge(ws, emu, "amid a second day's changes")
    finally:
        if proxy:
            proxy.stop()
        if emu:
            emu.stop()
        ws.cleanup()
    print("kill9: %d failure(s) in %.1f s" % (failures, time.monotonic() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
