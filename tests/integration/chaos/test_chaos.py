#!/usr/bin/env python3
"""scimsync against a server that misbehaves: the chaos proxy
(tests/fixtures/scim_chaos_proxy.py) in front of the Identity Center
emulator.  Each case seeds the emulator with one direct sync, then runs
scimsync through the proxy in one mode and checks the exit code, that the
emulator saw no destructive write (its state is unchanged), the time bound,
and that the same run through an honest proxy afterwards succeeds.

Usage: test_chaos.py --scimsync BIN --plugins DIR --case NAME
"""
import argparse
import collections
import re
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
import chaoslib  # noqa: E402
from chaoslib import Proxy  # noqa: E402
from scimlib import Emulator, Workspace  # noqa: E402

# Short enough that a stalled server costs seconds, long enough for a loaded
# machine's honest answers: every run here reads 150 users in two pages.
TIMEOUT = 3
DEADLINE = 6
BOUND = DEADLINE + 10  # every run through the proxy ends within this (seconds)

# case: (proxy mode, requests distorted, extra proxy args, expected exit,
#        source changed before the run, stderr must match)
CASES = {
    "passthrough": ("none", "any", [], 0, True, None),
    "garbage": ("garbage", "users", [], 2, False, None),
    "truncated": ("truncated", "users", [], 2, False, None),
    "oversized": ("oversized", "users", [], 2, False, r"larger than"),
    "error_list": ("error-body", "lists", [], 2, False, None),
    "error_groups": ("error-body", "groups", [], 2, False, None),
    "error_members": ("error-body", "members", [], 2, False, None),
    "error_writes": ("error-body", "writes", [], 3, True, None),
    "total_lie": ("total-lie", "users", [], 2, False, None),
    "no_resources": ("no-resources", "users", [], 2, False, None),
    "cursor_cycle": ("cursor-cycle", "users", [], 2, False, None),
    "endless_same": ("endless-same", "users", [], 2, False, None),
    "endless_new": ("endless-new", "users", [], 2, False, None),
    "dropped_cursor": ("dropped-cursor", "users", [], 2, False, None),
    # the listing looks whole (totalResults cut too): the creates of the
    # unseen users meet 409 on objects the listing did not contain
    "dropped_cursor_total": ("dropped-cursor-total", "users", [], 3, False, None),
    "duplicated_page": ("duplicated-page", "users", [], 2, False, None),
    "slow_loris": ("slow-loris", "users", [], 2, False, None),
    "hang": ("hang", "users", [], 2, False, None),
    "hang_page2": ("hang", "users", ["--after", "1"], 2, False, None),
    "retry_after_429": ("retry-after-429", "users", [], 2, False, r"(?i)deadline"),
    "retry_after_503": ("retry-after-503", "users", [], 2, False, r"(?i)deadline"),
    "retry_after_writes": ("retry-after-429", "writes", [], 3, True, r"(?i)deadline"),
    # the first write (a user create) is applied but its answer never comes:
    # the retry meets 409 on that very user, which must not make a duplicate
    "write_unanswered": ("none", "any", ["--hold-writes-after", "0", "--hold-count", "1"], 0,
                         True, None),
}

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
    """150 users (two listing pages) and four groups."""
    ws.make_users(150)
    for i in range(2, 151, 10):
        ws.user("u%05d" % i)["manager"] = "u00001"
    ws.groups = [("g1", "chaos-one", ["u%05d" % i for i in range(1, 21)]),
                 ("g2", "chaos-two", ["u%05d" % i for i in range(90, 140)]),
                 ("g3", "chaos-three", ["u%05d" % i for i in range(140, 151)]),
                 ("g4", "chaos-parents", ["g1", "u00150"])]


def change_source(ws):
    """One of each kind of write: create, update, deactivate, member add/remove."""
    ws.make_users(1, start=151)
    ws.user("u00005")["title"] = "Principal Engineer"
    ws.user("u00006")["department"] = "Chaos"
    ws.users = [u for u in ws.users if u["id"] != "u00149"]
    ws.groups[0] = ("g1", "chaos-one", ["u%05d" % i for i in range(1, 21)] + ["u00151"])
    ws.groups[2] = ("g3", "chaos-three", ["u%05d" % i for i in range(140, 149)] + ["u00150"])


def strip_meta(state):
    return {"users": sorted(({k: v for k, v in u.items() if k != "meta"} for u in state["users"]),
                            key=lambda u: u["id"]),
            "groups": sorted(({k: v for k, v in g.items() if k != "meta"}
                              for g in state["groups"]), key=lambda g: g["id"])}


def run_case(name, ws, emu):
    mode, on, extra, expected, changed, message = CASES[name]
    make_source(ws)
    ws.engine = {}
    ws.target = {"timeout": str(TIMEOUT), "request_deadline": str(DEADLINE),
                 "max_connections": "4"}
    seed = chaoslib.run(ws, emu)
    check("seed: one direct sync creates 150 users and 4 groups", seed.returncode == 0, seed)
    if seed.returncode != 0:
        return
    before = strip_meta(emu.state())
    emu.clear_log()
    if changed:
        change_source(ws)
    proxy = Proxy(ws.dir, emu, "--mode", mode, "--on", on, *extra)
    try:
        r = chaoslib.run(ws, proxy, limit=BOUND + 5)  # then killed: a FAIL
        stats = proxy.stats()
        log = emu.log()
        after = strip_meta(emu.state())
        print("RESULT case=%s mode=%s on=%s expected=%d actual=%s time=%.1fs distorted=%d "
              "held=%d" % (name, mode, on, expected, r.returncode, r.elapsed, stats["distorted"],
                           stats["held"]))
        shown = [line for line in r.stderr.splitlines()
                 if " error " in line or " warn " in line]
        for line in shown[:8]:
            print("  | " + line[:300])
        if len(shown) > 8:
            print("  | (%d more)" % (len(shown) - 8))
        check("%s: exit %d" % (name, expected), r.returncode == expected, r)
        check("%s: ended within %d s (took %.1f s)" % (name, BOUND, r.elapsed),
              r.returncode is not None and r.elapsed <= BOUND)
        if mode != "none" or extra:
            check("%s: the proxy distorted at least one response" % name,
                  stats["distorted"] + stats["held"] >= 1, extra=str(stats))
        writes = [e for e in log if e["method"] != "GET"]
        summary = str(collections.Counter((e["method"], e["status"]) for e in writes))
        check("%s: no DELETE reached the server" % name,
              not any(e["method"] == "DELETE" for e in writes), extra=summary)
        if expected == 2:
            check("%s: nothing applied (no write reached the server)" % name, not writes,
                  extra=summary)
        if expected != 0:
            check("%s: the server's users, groups and memberships are unchanged" % name,
                  after == before)
            check("%s: no write succeeded" % name,
                  not any(200 <= e["status"] < 300 for e in writes), extra=summary)
        if expected == 0:
            by = {u["externalId"]: u for u in emu.state()["users"]}
            check("%s: the changes went through the proxy" % name,
                  "u00151" in by and by["u00149"]["active"] is False
                  and by["u00005"].get("title") == "Principal Engineer", extra=summary)
        if name == "write_unanswered":
            check("%s: the create was retried and met 409 on the user it made" % name,
                  any(e["method"] == "POST" and e["status"] == 409 for e in writes),
                  extra=summary)
        if message:
            check("%s: the error says why (/%s/)" % (name, message), re.search(message, r.stderr),
                  r)

        # the same run through an honest proxy: the failure came from the distortion
        proxy.config(mode="none", hold_writes_after=-1)
        emu.clear_log()
        ok = chaoslib.run(ws, proxy, limit=120)
        check("%s: then through an honest proxy: exit 0" % name, ok.returncode == 0, ok)
        again = chaoslib.run(ws, proxy, limit=120)
        check("%s: and a further run has no changes" % name,
              again.returncode == 0 and "No changes." in again.stdout, again)
        st = emu.state()
        names = [u["userName"] for u in st["users"]]
        check("%s: no user created twice" % name, len(names) == len(set(names)))
        want = 151 if changed else 150
        check("%s: %d users in the end" % (name, want), len(names) == want,
              extra="%d" % len(names))
    finally:
        proxy.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    args = ap.parse_args()
    ws = Workspace(args, "scimsync-chaos-")
    emu = None
    try:
        emu = Emulator(ws.dir)
        run_case(args.case, ws, emu)
    finally:
        if emu:
            emu.stop()
        ws.cleanup()
    print("%s: %d failure(s)" % (args.case, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
