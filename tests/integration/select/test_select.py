#!/usr/bin/env python3
"""sync / plan --user NAME and --group NAME end to end: the scimsync binary,
the CSV source (a directory of 3000 users generated here) and the Identity
Center emulator over HTTP.  The emulator's request log proves that only
the user (or group) asked for is read, by filters, never by a full
listing, and that only its changes are written; the target's state proves
the result.

Usage: test_select.py --scimsync BIN --plugins DIR --test-plugins DIR
"""
import argparse
import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import Emulator, Workspace, writes  # noqa: E402

failures = 0
NUSERS = 3000
TEAM = 50  # users per team (the emulator takes at most 100 members per create)
ALICE = "alice@example.com"


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


def filters(log):
    """(resource, filter or None) of every GET."""
    out = []
    for e in log:
        if e["method"] != "GET":
            continue
        u = urlsplit(e["path"])
        res = u.path.rstrip("/").split("/")[-1]
        q = parse_qs(u.query)
        out.append((res, q.get("filter", [None])[0], q))
    return out


def full_listings(log):
    """GETs that list users or groups without a filter, beyond the token
    check (one user: count=1)."""
    bad = []
    for res, flt, q in filters(log):
        if flt is None and q.get("count") != ["1"]:
            bad.append((res, q))
    return bad


def about(log, allowed):
    """The GETs whose filter value is not in allowed (ids, names)."""
    other = []
    for res, flt, q in filters(log):
        if flt is None:
            continue
        value = flt.split(" eq ", 1)[1].strip('"')
        if value not in allowed:
            other.append(flt)
    return other


def groups_of(emu, uid):
    return sorted(g["displayName"] for g in emu.state()["groups"] if uid in g.get("members", []))


def target_user(emu, ext):
    return emu.users_by_ext().get(ext)


def seed(ws, emu):
    """The directory as a full sync would have left it, without alice (new
    today): users u00002.., teams of TEAM, eng = team-00 + team-01
    (nested in the source), and one drift a --user run must not touch."""
    users = []
    for u in ws.users[1:]:
        users.append({"userName": u["userName"], "externalId": u["id"],
                      "name": {"givenName": u["givenName"], "familyName": u["familyName"]},
                      "displayName": u["displayName"], "active": True,
                      "title": "Drifted" if u["id"] == "u00003" else u["title"]})
    ids = emu.admin("seed", {"users": users})["users"]
    tid = dict(zip((u["id"] for u in ws.users[1:]), ids))
    groups = []
    for gid, name, members in ws.groups:
        flat = []
        for m in members:
            flat += next(g[2] for g in ws.groups if g[0] == m) if m.startswith("g") else [m]
        groups.append({"displayName": name, "externalId": gid,
                       "members": [tid[m] for m in flat if m in tid]})
    emu.admin("seed", {"groups": groups})
    return tid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--test-plugins", required=True)
    args = ap.parse_args()
    ws = Workspace(args, "ss_select_it.")
    emu = Emulator(ws.dir)
    try:
        run(ws, emu)
        unsupported(ws, emu)
        with_state(args, emu)
    finally:
        emu.stop()
        if failures == 0:
            ws.cleanup()
        else:
            print("workspace kept: " + ws.dir)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


def run(ws, emu):
    ws.make_users(NUSERS)
    alice = ws.user("u00001")
    alice.update(userName=ALICE, email=ALICE, givenName="Alice", displayName="Alice Example")
    ids = [u["id"] for u in ws.users]
    for t in range(NUSERS // TEAM):
        ws.groups.append(("g%02d" % t, "team-%02d" % t, ids[t * TEAM:(t + 1) * TEAM]))
    ws.groups.append(("geng", "eng", ["g00", "g01"]))  # nested
    ws.write(emu)
    tid = seed(ws, emu)
    before = emu.state()
    check("seeded: %d users, %d groups" % (NUSERS - 1, len(ws.groups)),
          len(before["users"]) == NUSERS - 1 and len(before["groups"]) == len(ws.groups))

    # 1. alice is new: created and put in her groups, nothing else read or written
    emu.clear_log()
    p = ws.run(emu, "sync", "--user", ALICE)
    log = emu.log()
    a = target_user(emu, "u00001")
    check("sync --user alice: exit 0", p.returncode == 0, p)
    check("alice created", a is not None and a["userName"] == ALICE)
    aid = a["id"] if a else "?"
    gid = {g["externalId"]: g["id"] for g in emu.state()["groups"]}
    check("alice is in team-00 and eng (nested), nothing else",
          groups_of(emu, aid) == ["eng", "team-00"], extra=str(groups_of(emu, aid)))
    check("no full listing", not full_listings(log), extra=str(full_listings(log)))
    allowed = {ALICE, "u00001", aid, "g00", "geng", gid.get("g00"), gid.get("geng")}
    check("every read is about alice or her groups", not about(log, allowed),
          extra=str(about(log, allowed)))
    w = writes(log)
    shape = sorted((e["method"], e["path"].split("/")[-2]) for e in w)
    check("writes: one user create, two group patches",
          shape == [("PATCH", "Groups"), ("PATCH", "Groups"), ("POST", "scim")] or
          shape == [("PATCH", "Groups"), ("PATCH", "Groups"), ("POST", "v2")], extra=str(shape))
    patched = {e["path"].split("/")[-1] for e in w if e["method"] == "PATCH"}
    check("the patched groups are alice's", patched == {gid.get("g00"), gid.get("geng")})
    check("the drifted user was not touched",
          target_user(emu, "u00003")["title"] == "Drifted")
    check("at most 8 requests in all", len(log) <= 8, extra="%d" % len(log))

    # 2. again: the token check and filtered reads, no write
    emu.clear_log()
    p = ws.run(emu, "sync", "--user", ALICE)
    log = emu.log()
    check("second sync --user: exit 0, no changes", p.returncode == 0 and
          "No changes." in p.stdout, p)
    check("second sync --user: no write", not writes(log), extra=str(writes(log)))
    check("second sync --user: only the token check and filtered reads",
          not full_listings(log) and not about(log, allowed) and len(log) <= 4,
          extra=json.dumps(log))

    # 3. alice moves from team-00 to team-05; a group gone from the source
    #    that she is in (owned) loses her and is never deleted
    old = emu.admin("seed", {"groups": [{"displayName": "old-team", "externalId": "gold",
                                         "members": [aid, tid["u00002"]]}]})["groups"][0]
    ws.groups[0] = ("g00", "team-00", ids[1:TEAM])
    ws.groups[5] = ("g05", "team-05", ids[5 * TEAM:6 * TEAM] + ["u00001"])
    alice["title"] = "Manager"
    emu.clear_log()
    p = ws.run(emu, "plan", "--user", ALICE)
    check("plan --user alice: exit 0, no write", p.returncode == 0 and not writes(emu.log()), p)
    check("plan --user alice shows her move",
          "+ member team-05: " + ALICE in p.stdout and "- member team-00: " + ALICE in p.stdout
          and "- member old-team: " + ALICE in p.stdout and "- member eng: " + ALICE in p.stdout,
          p)
    emu.clear_log()
    p = ws.run(emu, "sync", "--user", ALICE)
    log = emu.log()
    check("sync --user alice after a move: exit 0", p.returncode == 0, p)
    check("alice is in team-05 only", groups_of(emu, aid) == ["team-05"],
          extra=str(groups_of(emu, aid)))
    check("alice's title updated", target_user(emu, "u00001")["title"] == "Manager")
    check("old-team kept, with its other member",
          any(g["id"] == old and g.get("members") == [tid["u00002"]]
              for g in emu.state()["groups"]))
    check("no DELETE, no POST", not [e for e in log if e["method"] in ("DELETE", "POST")],
          extra=str(writes(log)))
    check("no full listing after the move", not full_listings(log))

    # 4. alice leaves the source: on_missing (deactivate) for her alone
    ws.users = [u for u in ws.users if u["id"] != "u00001"]
    emu.clear_log()
    p = ws.run(emu, "sync", "--user", ALICE)
    log = emu.log()
    a = target_user(emu, "u00001")
    check("alice gone from the source: exit 0", p.returncode == 0, p)
    check("alice deactivated, out of her groups", a["active"] is False and
          groups_of(emu, aid) == [], extra=str(a))
    check("exactly two writes (her group, her user)", len(writes(log)) == 2,
          extra=str(writes(log)))
    active = sum(1 for u in emu.state()["users"] if u["active"])
    check("every other user still active", active == NUSERS - 1, extra="%d" % active)

    # 5. --group team-10: one member leaves, another joins; the leaver is
    #    not deactivated, no other group is touched
    ws.groups[10] = ("g10", "team-10", ids[10 * TEAM + 1:11 * TEAM] + ["u02999"])
    leaver = tid[ids[10 * TEAM]]
    emu.clear_log()
    p = ws.run(emu, "sync", "--group", "team-10")
    log = emu.log()
    t10 = next(g for g in emu.state()["groups"] if g["displayName"] == "team-10")
    check("sync --group team-10: exit 0", p.returncode == 0, p)
    check("team-10: leaver out, joiner in",
          leaver not in t10["members"] and tid["u02999"] in t10["members"] and
          len(t10["members"]) == TEAM)
    check("the leaver is still active",
          next(u for u in emu.state()["users"] if u["id"] == leaver)["active"] is True)
    members10 = {tid[m] for m in ws.groups[10][2]}
    gw = {e["path"].split("/")[-1] for e in writes(log) if "/Groups/" in e["path"]}
    uw = {e["path"].split("/")[-1] for e in writes(log) if "/Users/" in e["path"]}
    check("--group: the only group written is team-10", gw == {t10["id"]}, extra=str(gw))
    # the seed left out fields the mapping sets: the members' records are
    # brought up to date, and only theirs
    check("--group: the users written are team-10's members",
          uw and uw <= members10 and leaver not in uw, extra=str(uw - members10))
    check("--group: no POST, no DELETE",
          not [e for e in log if e["method"] in ("POST", "DELETE")])
    check("--group: no full listing", not full_listings(log), extra=str(full_listings(log)))

    # 6. usage
    p = ws.run(emu, "sync", "--user", ALICE, "--group", "eng")
    check("--user with --group: exit 1", p.returncode == 1 and "one --user or one --group"
          in p.stderr, p)
    p = ws.run(emu, "sync", "--user", ALICE, "--full")
    check("--user with --full: exit 1", p.returncode == 1, p)
    emu.clear_log()
    p = ws.run(emu, "sync", "--user", "nobody@example.com")
    check("an unknown name: exit 1, named, nothing written",
          p.returncode == 1 and "no such user" in p.stderr and not writes(emu.log()), p)


def unsupported(ws, emu):
    """A target plugin without lookups (the memory test target) refuses."""
    state = os.path.join(ws.dir, "memory.json")
    with open(state, "w") as f:
        json.dump({"next_id": 1, "users": [], "groups": []}, f)
    ini = os.path.join(ws.dir, "memory.ini")
    with open(ini, "w") as f:
        f.write("[source hr]\nplugin = csv\nusers_file = users.csv\ngroups_file = groups.csv\n"
                "\n[target mem]\nplugin = memory\nstate_file = %s\n" % state)
    env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=ws.args.plugins + ":" + ws.args.test_plugins)
    p = subprocess.run([ws.args.scimsync, "-c", ini, "--conf-dir", os.path.join(ws.dir, "conf.d-empty"),
                        "sync", "--user", ALICE], env=env, capture_output=True, text=True,
                       timeout=60)
    check("a target without lookups: exit 1, the plugin named",
          p.returncode == 1 and "plugin memory does not support --user" in p.stderr, p)


def with_state(args, emu):
    """[engine] state: --user records its own changes in the state, leaves
    the time of the last full read alone, and the next full run trusts it."""
    emu.admin("reset", {})
    ws = Workspace(args, "ss_select_state_it.")
    try:
        state = os.path.join(ws.dir, "state.json")
        ws.engine["state"] = "file:" + state
        prom = os.path.join(ws.dir, "scimsync.prom")
        ws.engine["metrics_textfile"] = prom
        ws.make_users(20)
        ws.groups = [("g1", "team-a", ["u00001", "u00002"]), ("g2", "team-b", ["u00003"])]
        p = ws.run(emu, "sync")
        check("state: first sync, exit 0", p.returncode == 0, p)
        head = json.loads(open(state).readline())
        ws.user("u00001")["title"] = "Boss"
        ws.groups[1] = ("g2", "team-b", ["u00003", "u00001"])
        ws.user("u00005")["title"] = "Not now"  # another user's change waits
        name = ws.user("u00001")["userName"]
        check("metrics: a full sync writes the textfile", os.path.exists(prom))
        os.unlink(prom)
        p = ws.run(emu, "plan", "--user", name, "--json")
        rep = json.loads(p.stdout) if p.returncode == 0 else {}
        check("plan --user --json: the report counts one user in scope",
              json.dumps(rep).count('"users_in_scope": 1') == 1, p)
        check("plan --user --json: the report names the selection",
              rep.get("selection") == {"user": name}, p)
        emu.clear_log()
        p = ws.run(emu, "sync", "--user", name)
        check("state: sync --user, exit 0", p.returncode == 0 and len(writes(emu.log())) == 2, p)
        check("metrics: sync --user writes no metrics", not os.path.exists(prom))
        after = open(state).read()
        check("state: the last full read's time is unchanged",
              json.loads(after.splitlines()[0])["full_at"] == head["full_at"] and
              json.loads(after.splitlines()[0])["full_reconcile_due"] is None)
        check("state: the user's new title is recorded", '"Boss"' in after)
        check("state: the other user's change is not", '"Not now"' not in after)
        emu.clear_log()
        p = ws.run(emu, "sync")
        log = emu.log()
        check("state: the next sync trusts the state and applies only the other change",
              p.returncode == 0 and "from the state" in p.stderr and len(writes(log)) == 1 and
              not [e for e in log if e["method"] == "GET" and "filter" not in e["path"] and
                   "count=1" not in e["path"]], p, extra=str(log))
    finally:
        if failures == 0:
            ws.cleanup()


if __name__ == "__main__":
    sys.exit(main())
