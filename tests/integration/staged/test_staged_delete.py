#!/usr/bin/env python3
"""Staged deletes through the scimsync binary: CSV source -> the Identity
Center emulator over HTTP, a file state, on_missing = deactivate-then-delete.
The clock is the SCIMSYNC_TEST_NOW test hook (no test sleeps for days); the
`seconds` case waits out a real 3 s period once.

Usage: test_staged_delete.py --scimsync BIN --plugins DIR --case NAME
Cases: grace, seconds, nostate, user, planfile
"""
import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scim"))
from scimlib import Emulator, Workspace, writes  # noqa: E402

DAY = 86400
T0 = 1800000000  # 2027-01-15T08:00:00Z
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
                                                          p.stderr[-6000:]))


def at(ws, emu, now, *cmd):
    """A run with the staged-delete clock at `now`."""
    os.environ["SCIMSYNC_TEST_NOW"] = str(now)
    try:
        return ws.run(emu, *cmd)
    finally:
        del os.environ["SCIMSYNC_TEST_NOW"]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def text_time(t):
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))


def setup(ws, period="7d"):
    ws.make_users(10)
    ws.groups = [("g1", "team-one", ["u00001", "u00002", "u00003", "u00005"]),
                 ("g2", "team-two", ["u00003", "u00004", "u00005", "u00006"])]
    ws.engine["state"] = "file:" + os.path.join(ws.dir, "state.json")
    ws.engine["on_missing"] = "deactivate-then-delete"
    ws.engine["delete_after"] = period
    ws.engine["report"] = os.path.join(ws.dir, "report.json")
    ws.engine["metrics_textfile"] = os.path.join(ws.dir, "scimsync.prom")


def leave(ws, *uids):
    ws.users = [u for u in ws.users if u["id"] not in uids]
    ws.groups = [(g, n, [m for m in ms if m not in uids]) for g, n, ms in ws.groups]


def members_of(emu, name):
    st = emu.state()
    by_id = {u["id"]: u.get("externalId") for u in st["users"]}
    g = next(g for g in st["groups"] if g["displayName"] == name)
    return sorted(by_id.get(i) for i in g["members"])


def report(ws):
    with open(os.path.join(ws.dir, "report.json")) as f:
        return json.load(f)


def prom(ws):
    with open(os.path.join(ws.dir, "scimsync.prom")) as f:
        return f.read()


def state_lines(ws):
    with open(os.path.join(ws.dir, "state.json")) as f:
        return [json.loads(line) for line in f]


def case_grace(ws, emu):
    setup(ws)
    p = at(ws, emu, T0, "sync")
    check("first sync", p.returncode == 0, p)
    before = emu.users_by_ext()
    id3, id5 = before["u00003"]["id"], before["u00005"]["id"]

    # Two users leave the source.  Over a limit of one removal: refused.
    saved_row = dict(ws.user("u00003"))  # to bring the user back later
    leave(ws, "u00003", "u00005")
    ws.engine["max_deletes"] = "1"
    emu.clear_log()
    p = at(ws, emu, T0 + DAY, "sync")
    check("deactivations count against max_deletes: refused (exit 4), nothing written",
          p.returncode == 4 and not writes(emu.log()) and "max_deletes" in p.stderr, p)
    ws.engine["max_deletes"] = "-1"

    t1 = T0 + DAY
    emu.clear_log()
    p = at(ws, emu, t1, "sync")
    users = emu.users_by_ext()
    log = emu.log()
    check("departed users are deactivated at once (active=false), not deleted",
          p.returncode == 0 and users["u00003"]["active"] is False
          and users["u00005"]["active"] is False and users["u00003"]["id"] == id3
          and not [e for e in log if e["method"] == "DELETE"], p, str(writes(log)))
    check("the plan lists them as pending with the due date",
          "Pending deletions (on_missing = deactivate-then-delete, delete_after 7d): 2 "
          "users" in p.stdout
          and "user user00003@example.com: deactivated by this sync, delete due %s"
          % text_time(t1 + 7 * DAY) in p.stdout, p)
    check("they leave their groups",
          members_of(emu, "team-one") == ["u00001", "u00002"]
          and members_of(emu, "team-two") == ["u00004", "u00006"])
    d = {r[1]: r[2] for r in state_lines(ws) if isinstance(r, list) and r[0] == "d"}
    check("the state remembers when (version 2, \"d\" records at the run's clock)",
          state_lines(ws)[0]["version"] == 2 and d.get(id3) == t1 and d.get(id5) == t1,
          extra=str(d))
    r = report(ws)
    check("the report counts the pending deletions",
          r["staged_deletes"] == {"users_pending_delete": 2, "users_deleted_after_grace": 0}
          and r["changes"]["users"]["deactivated"] == 2, extra=str(r.get("staged_deletes")))
    check("the metrics too", "scimsync_users_pending_delete 2\n" in prom(ws)
          and "scimsync_users_deleted_after_grace_total 0\n" in prom(ws))

    # Before the period is over: nothing happens, the plan says when.
    emu.clear_log()
    p = at(ws, emu, t1 + 2 * DAY, "plan")
    check("plan before the period: pending with the due date, no change",
          p.returncode == 0 and "No changes." in p.stdout
          and "user user00005@example.com: deactivated %s, delete due %s"
          % (text_time(t1), text_time(t1 + 7 * DAY)) in p.stdout
          and not writes(emu.log()), p)
    p = at(ws, emu, t1 + 2 * DAY, "plan", "--json")
    doc = json.loads(p.stdout) if p.returncode == 0 else {}
    doc = doc.get("plan", doc)  # plan --json prints the run report with the plan inside
    pend = {u["userName"]: u for u in doc.get("pendingDeletes", {}).get("users", [])}
    check("plan --json: pendingDeletes with deactivatedAt and deleteDue",
          doc.get("pendingDeletes", {}).get("deleteAfterSeconds") == 7 * DAY
          and pend.get("user00005@example.com", {}).get("deleteDue") == iso(t1 + 7 * DAY)
          and pend.get("user00005@example.com", {}).get("deactivatedAt") == iso(t1)
          and pend.get("user00005@example.com", {}).get("targetId") == id5
          and doc.get("counts", {}).get("usersPendingDelete") == 2, p)
    emu.clear_log()
    p = at(ws, emu, t1 + 2 * DAY, "sync")
    st = emu.users_by_ext()
    check("sync before the period: still there, deactivated, nothing sent",
          p.returncode == 0 and "No changes." in p.stdout and not writes(emu.log())
          and st["u00005"]["active"] is False and st["u00003"]["active"] is False, p)
    # A full read of the target keeps the times the state holds.
    p = at(ws, emu, t1 + 2 * DAY, "sync", "--full")
    check("sync --full before the period: nothing to do either",
          p.returncode == 0 and "No changes." in p.stdout and "(--full)" in p.stderr, p)

    # u00003 comes back within the period: the same target user, active, groups back.
    ws.users.append(saved_row)
    ws.groups = [("g1", "team-one", ["u00001", "u00002", "u00003"]),
                 ("g2", "team-two", ["u00003", "u00004", "u00006"])]
    emu.clear_log()
    p = at(ws, emu, t1 + 3 * DAY, "sync")
    st = emu.users_by_ext()
    log = emu.log()
    check("restored within the period: same target id, active again, no create",
          p.returncode == 0 and st["u00003"]["id"] == id3 and st["u00003"]["active"] is True
          and not [e for e in log if e["method"] == "POST" and e["path"].endswith("/Users")],
          p, str(writes(log)))
    check("restored: the groups are back",
          members_of(emu, "team-one") == ["u00001", "u00002", "u00003"]
          and members_of(emu, "team-two") == ["u00003", "u00004", "u00006"])

    # One second before the due time: still waiting.
    emu.clear_log()
    p = at(ws, emu, t1 + 7 * DAY - 1, "sync")
    check("one second before the due time: not deleted",
          p.returncode == 0 and not writes(emu.log()) and "u00005" in emu.users_by_ext(), p)
    # The run after the period deletes u00005 (only it).
    emu.clear_log()
    p = at(ws, emu, t1 + 7 * DAY, "sync")
    log = writes(emu.log())
    st = emu.users_by_ext()
    check("after the period: deleted, and nothing else sent",
          p.returncode == 0 and "u00005" not in st and st["u00003"]["active"] is True
          and [e["method"] for e in log] == ["DELETE"] and log[0]["path"].endswith(id5)
          and "(delete: delete_after has passed since its deactivation)" in p.stdout,
          p, str(log))
    r = report(ws)
    check("the report and metrics count the delete after the period",
          r["staged_deletes"] == {"users_pending_delete": 0, "users_deleted_after_grace": 1}
          and "scimsync_users_deleted_after_grace_total 1\n" in prom(ws)
          and "scimsync_users_pending_delete 0\n" in prom(ws), extra=str(r["staged_deletes"]))

    # u00003 leaves again: a new period, not the old time.
    leave(ws, "u00003")
    emu.clear_log()
    t2 = t1 + 9 * DAY
    p = at(ws, emu, t2, "sync")
    st = emu.users_by_ext()
    check("leaving again starts a new period: deactivated, not deleted",
          p.returncode == 0 and st["u00003"]["active"] is False
          and not [e for e in emu.log() if e["method"] == "DELETE"]
          and "delete due %s" % text_time(t2 + 7 * DAY) in p.stdout, p)



def case_seconds(ws, emu):
    """delete_after = 3s on the real clock: deactivated, then deleted by the
    first run after the period.  Waiting longer only makes it surer."""
    setup(ws, period="3s")
    p = ws.run(emu, "sync")
    check("first sync", p.returncode == 0, p)
    leave(ws, "u00007")
    p = ws.run(emu, "sync")
    check("delete_after = 3s: deactivated first",
          p.returncode == 0 and emu.users_by_ext()["u00007"]["active"] is False
          and "delete_after 3s" in p.stdout, p)
    time.sleep(4)
    p = ws.run(emu, "sync")
    check("the first run after the 3 s: deleted",
          p.returncode == 0 and "u00007" not in emu.users_by_ext(), p)


def case_nostate(ws, emu):
    setup(ws)
    del ws.engine["state"]
    env_state = os.environ.pop("SCIMSYNC_STATE", None)
    try:
        p = ws.run(emu, "validate")
        check("validate: deactivate-then-delete without a state is a configuration error",
              p.returncode == 1 and "needs a state store" in p.stderr
              and "set [engine] state" in p.stderr and "scimsync.ini:" in p.stderr, p)
        emu.clear_log()
        p = ws.run(emu, "sync")
        check("sync: the same error, exit 1, nothing sent",
              p.returncode == 1 and "set [engine] state" in p.stderr and not emu.log(), p)
        ws.engine["delete_after"] = "seven days"
        ws.engine["state"] = "file:" + os.path.join(ws.dir, "state.json")
        p = ws.run(emu, "validate")
        check("validate: a bad delete_after names the key and the units",
              p.returncode == 1 and "delete_after must be a duration" in p.stderr, p)
    finally:
        if env_state is not None:
            os.environ["SCIMSYNC_STATE"] = env_state


def case_user(ws, emu):
    """sync --user on a departed user: its time comes from the state."""
    setup(ws)
    p = at(ws, emu, T0, "sync")
    check("first sync", p.returncode == 0, p)
    leave(ws, "u00005")
    t1 = T0 + DAY
    p = at(ws, emu, t1, "sync")
    check("deactivated by a full sync", p.returncode == 0
          and emu.users_by_ext()["u00005"]["active"] is False, p)
    emu.clear_log()
    p = at(ws, emu, t1 + DAY, "sync", "--user", "user00005@example.com")
    check("sync --user before the period: pending with the state's dates, nothing sent",
          p.returncode == 0 and not writes(emu.log())
          and "deactivated %s, delete due %s" % (text_time(t1), text_time(t1 + 7 * DAY))
          in p.stdout, p)
    emu.clear_log()
    p = at(ws, emu, t1 + 7 * DAY, "sync", "--user", "user00005@example.com")
    log = writes(emu.log())
    check("sync --user after the period: that user deleted, nothing else",
          p.returncode == 0 and "u00005" not in emu.users_by_ext()
          and [e["method"] for e in log] == ["DELETE"], p, str(log))


def case_planfile(ws, emu):
    """A saved plan that deactivates (plan --out, then apply FILE): the
    state gets the deactivation time, so the grace period is counted from
    the apply, and the user is deleted after it."""
    setup(ws)
    p = at(ws, emu, T0, "sync")
    check("first sync", p.returncode == 0, p)
    id5 = emu.users_by_ext()["u00005"]["id"]
    leave(ws, "u00005")
    plan = os.path.join(ws.dir, "leave.plan")
    t1 = T0 + DAY
    p = at(ws, emu, t1, "plan", "--out", plan)
    check("plan --out with a departing user", p.returncode == 0 and os.path.exists(plan), p)
    p = at(ws, emu, t1, "apply", plan)
    d = {r[1]: r[2] for r in state_lines(ws) if isinstance(r, list) and r[0] == "d"}
    check("apply FILE deactivates and the state records when",
          p.returncode == 0 and emu.users_by_ext()["u00005"]["active"] is False
          and d.get(id5) == t1, p, str(d))
    emu.clear_log()
    p = at(ws, emu, t1 + 7 * DAY, "sync")
    log = writes(emu.log())
    check("deleted by the first sync after the period counted from the apply",
          p.returncode == 0 and "u00005" not in emu.users_by_ext()
          and [e["method"] for e in log] == ["DELETE"], p, str(log))


CASES = {"grace": case_grace, "seconds": case_seconds, "nostate": case_nostate,
         "user": case_user, "planfile": case_planfile}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    args = ap.parse_args()
    ws = Workspace(args, "scimsync-staged-%s-" % args.case)
    emu = None
    try:
        emu = Emulator(ws.dir)
        CASES[args.case](ws, emu)
    except AssertionError as e:
        check(str(e), False)
    finally:
        if emu:
            emu.stop()
        ws.cleanup()
    print("%s: %s" % (args.case, "FAILED (%d)" % failures if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
