#!/usr/bin/env python3
"""Saved plans end to end: the scimsync binary, the CSV source and the
Identity Center emulator over HTTP (docs/plan-file.md).

  stale    plan --out FILE; a user the plan updates is changed directly in
           the emulator: apply FILE exits 9, names the user and writes
           nothing; a user the plan creates is created meanwhile: exit 9
           again; with both undone, apply FILE makes exactly the planned
           writes (the request log), and the file holds no token.
  refused  a mass deletion refused by the limits (exit 4) is saved in
           [engine] refused_plan_dir, the log line names the file and the
           apply command; plan --show FILE (text and --json) shows it;
           apply without --force-deletes exits 4, with it makes exactly
           those deletions.
  state    with [engine] state: apply FILE updates the state (the next
           plan from the state has nothing to do) and writes the run report.
  guard    a plan for another target, a tampered and a truncated file are
           refused (exit 1) naming the file and the field, nothing read.

Usage: test_plan_file.py --scimsync BIN --plugins DIR --case NAME
"""
import argparse
import json
import os
import re
import sys
import urllib.request

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import TOKEN, Emulator, Workspace, writes  # noqa: E402

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


def scim(emu, method, path, body=None):
    """A request made directly to the emulator, as an administrator would."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(emu.url + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + TOKEN,
                                          "Content-Type": "application/scim+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read()
        return json.loads(text) if text else None


def rel(path):
    """/t-.../scim/v2/Users/x?y -> /Users/x"""
    return re.sub(r"^.*/scim/v2", "", path).split("?")[0]


def write_set(log):
    return sorted((e["method"], rel(e["path"])) for e in writes(log))


def expected_writes(emu, plan_json):
    """The writes the operations of a plan make (one request each here:
    no member list is longer than 100)."""
    st = emu.state()
    uid = {u["userName"]: u["id"] for u in st["users"]}
    gid = {g["displayName"]: g["id"] for g in st["groups"]}
    out = []
    for op in plan_json["ops"]:
        k = op["op"]
        if k == "create_user":
            out.append(("POST", "/Users"))
        elif k in ("update_user", "deactivate_user"):
            out.append(("PATCH", "/Users/" + uid[op["userName"]]))
        elif k == "delete_user":
            out.append(("DELETE", "/Users/" + uid[op["userName"]]))
        elif k == "create_group":
            out.append(("POST", "/Groups"))
        elif k in ("add_members", "remove_members"):
            out.append(("PATCH", "/Groups/" + gid[op["group"]]))
        elif k == "delete_group":
            out.append(("DELETE", "/Groups/" + gid[op["displayName"]]))
        elif k == "rename_group":
            out.append(("PATCH", "/Groups/" + op["targetId"]))
    return sorted(out)


def standard(ws, emu, nusers=40):
    ws.make_users(nusers)
    ids = ["u%05d" % i for i in range(1, nusers + 1)]
    ws.groups = [("g1", "team-a", ids[0:10]), ("g2", "team-b", ids[10:20]),
                 ("g3", "team-c", ids[20:30]), ("g4", "team-d", ids[30:40]),
                 ("g5", "everyone", list(ids))]
    p = ws.run(emu, "sync")
    check("first sync: exit 0", p.returncode == 0, p)


def show_json(ws, emu, path):
    p = ws.run(emu, "plan", "--show", path, "--json")
    check("plan --show --json: exit 0", p.returncode == 0, p)
    return json.loads(p.stdout)


def case_stale(ws, emu):
    standard(ws, emu)
    # an ordinary day: a joiner, a leaver, a title change, a team move
    ws.make_users(1, start=41)
    ws.users = [u for u in ws.users if u["id"] != "u00040"]
    ws.user("u00005")["title"] = "Staff Engineer"
    g = {gid: (gid, name, list(m)) for gid, name, m in ws.groups}
    g["g2"][2].remove("u00012")
    g["g3"][2].append("u00012")
    g["g5"][2].append("u00041")
    ws.groups = list(g.values())
    plan = os.path.join(ws.dir, "day.plan")
    emu.clear_log()
    p = ws.run(emu, "plan", "--out", plan)
    check("plan --out: exit 0", p.returncode == 0, p)
    check("plan --out: no write", not writes(emu.log()))
    with open(plan) as f:
        text = f.read()
    doc = json.loads(text)
    check("plan file: format and version", doc.get("format") == "scimsync-plan"
          and doc.get("version") == 1, extra=text[:200])
    check("plan file: no token, no token reference value",
          TOKEN not in text and "SCIMSYNC_TEST_TOKEN" not in text)
    check("plan file: a source fingerprint and the target binding",
          doc["plan"]["source"]["fingerprint"].startswith("fnv1a64:")
          and doc["plan"]["target"]["binding"].startswith("fnv1a64:"))
    check("plan file: the expected values of the updated user",
          any(u["fields"].get("userName") == "user00005@example.com"
              and u["fields"].get("title") == "Engineer" and u["check"] == "values"
              for u in doc["plan"]["targetUsers"]), extra=str(doc["plan"]["targetUsers"])[:600])
    shown = show_json(ws, emu, plan)
    want = expected_writes(emu, shown)
    check("the plan has the joiner, the leaver, the title and the team move",
          {o["op"] for o in shown["ops"]} >= {"create_user", "update_user", "deactivate_user",
                                              "add_members", "remove_members"},
          extra=str([o["op"] for o in shown["ops"]]))

    # 1. a user the plan updates is changed by hand
    u5 = emu.users_by_ext()["u00005"]
    scim(emu, "PATCH", "Users/" + u5["id"],
         {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations": [{"op": "replace", "path": "title", "value": "Manager"}]})
    emu.clear_log()
    p = ws.run(emu, "apply", plan)
    check("changed user: apply exits 9", p.returncode == 9, p)
    check("changed user: the user and the field are named",
          "user00005@example.com" in p.stderr and "title" in p.stderr and "Manager" in p.stderr,
          p)
    check("changed user: nothing written", not writes(emu.log()), extra=str(writes(emu.log())))
    check("changed user: only reads by id / filter, no full listing",
          all("/Users?count" not in e["path"] and "/Groups?count" not in e["path"]
              for e in emu.log()), extra=str([e["path"] for e in emu.log()][:10]))
    scim(emu, "PATCH", "Users/" + u5["id"],
         {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations": [{"op": "replace", "path": "title", "value": "Engineer"}]})

    # 2. the joiner is created meanwhile (by hand, or by another tool)
    j = ws.user("u00041")
    made = scim(emu, "POST", "Users",
                {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                 "userName": j["userName"], "displayName": j["displayName"],
                 "name": {"givenName": j["givenName"], "familyName": j["familyName"]},
                 "emails": [{"value": j["email"], "type": "work", "primary": True}]})
    emu.clear_log()
    p = ws.run(emu, "apply", plan)
    check("created meanwhile: apply exits 9", p.returncode == 9, p)
    check("created meanwhile: the user is named", "user00041@example.com" in p.stderr
          and "planned to be created" in p.stderr, p)
    check("created meanwhile: nothing written", not writes(emu.log()))
    scim(emu, "DELETE", "Users/" + made["id"])

    # 3. members of a group the plan changes, changed by hand
    team_c = next(g for g in emu.state()["groups"] if g["displayName"] == "team-c")
    scim(emu, "PATCH", "Groups/" + team_c["id"],
         {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations": [{"op": "remove", "path": "members",
                          "value": [{"value": team_c["members"][0]}]}]})
    emu.clear_log()
    p = ws.run(emu, "apply", plan)
    check("changed members: apply exits 9 naming the group",
          p.returncode == 9 and "team-c" in p.stderr and "members" in p.stderr, p)
    check("changed members: nothing written", not writes(emu.log()))
    scim(emu, "PATCH", "Groups/" + team_c["id"],
         {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations": [{"op": "add", "path": "members",
                          "value": [{"value": team_c["members"][0]}]}]})

    # 4. everything as planned: exactly the planned writes
    emu.clear_log()
    p = ws.run(emu, "apply", plan)
    check("current plan: apply exits 0", p.returncode == 0, p)
    got = write_set(emu.log())
    check("current plan: exactly the planned writes", got == want,
          extra="got %s want %s" % (got, want))
    users = emu.users_by_ext()
    check("current plan: the target converged",
          users["u00005"].get("title") == "Staff Engineer" and "u00041" in users
          and users["u00040"].get("active") is False, extra=str(users.get("u00040")))
    emu.clear_log()
    p = ws.run(emu, "plan")
    check("after apply: plan says No changes.", "No changes." in p.stdout, p)
    # the plan is spent: applying it again finds its creates done
    p = ws.run(emu, "apply", plan)
    check("applying it twice: exit 9", p.returncode == 9, p)

    # 5. a user the plan updates is deleted by hand (GET by id: 404)
    ws.user("u00001")["title"] = "CTO"
    p = ws.run(emu, "plan", "--out", plan)
    check("a new plan: exit 0", p.returncode == 0, p)
    scim(emu, "DELETE", "Users/" + emu.users_by_ext()["u00001"]["id"])
    emu.clear_log()
    p = ws.run(emu, "apply", plan)
    check("deleted user: apply exits 9 naming it", p.returncode == 9
          and "user00001@example.com" in p.stderr and "no longer in the target" in p.stderr, p)
    check("deleted user: nothing written", not writes(emu.log()))


def case_refused(ws, emu):
    standard(ws, emu)
    refused_dir = os.path.join(ws.dir, "refused")
    ws.engine = {"refused_plan_dir": refused_dir}  # default limits
    ws.groups = [gr for gr in ws.groups if gr[0] in ("g1", "g5")]  # 3 of 5 groups deleted
    emu.clear_log()
    p = ws.run(emu, "sync")
    check("mass deletion: exit 4", p.returncode == 4, p)
    check("mass deletion: nothing written", not writes(emu.log()))
    m = re.search(r"the refused plan is saved in (\S+):", p.stderr)
    check("mass deletion: the log names the saved plan", m is not None, p)
    if not m:
        return
    path = m.group(1)
    check("the saved plan is in refused_plan_dir", os.path.dirname(path) == refused_dir
          and os.path.exists(path), extra=path)
    check("the log says how to approve it",
          "scimsync apply --force-deletes %s" % path in p.stderr, p)
    p = ws.run(emu, "plan", "--show", path)
    check("plan --show: exit 0, the three deletions listed",
          p.returncode == 0 and all("team-" + t in p.stdout for t in "bcd")
          and "delete" in p.stdout.lower(), p)
    shown = show_json(ws, emu, path)
    dels = sorted(o["displayName"] for o in shown["ops"] if o["op"] == "delete_group")
    check("plan --show --json: the three group deletions", dels == ["team-b", "team-c", "team-d"],
          extra=str(shown["ops"])[:500])
    want = expected_writes(emu, shown)
    emu.clear_log()
    p = ws.run(emu, "apply", path)
    check("apply without --force-deletes: exit 4, nothing written",
          p.returncode == 4 and not writes(emu.log()), p)
    emu.clear_log()
    p = ws.run(emu, "apply", "--force-deletes", path)
    check("apply --force-deletes: exit 0", p.returncode == 0, p)
    got = write_set(emu.log())
    check("apply --force-deletes: exactly those deletions", got == want
          and all(m == "DELETE" for m, _ in got) and len(got) >= 3,
          extra="got %s want %s" % (got, want))
    names = sorted(g["displayName"] for g in emu.state()["groups"])
    check("the other groups are untouched", names == ["everyone", "team-a"], extra=str(names))


def case_guard(ws, emu):
    standard(ws, emu)
    ws.user("u00003")["title"] = "Lead"
    plan = os.path.join(ws.dir, "p.plan")
    p = ws.run(emu, "plan", "--out", plan)
    check("plan --out: exit 0", p.returncode == 0, p)
    with open(plan) as f:
        text = f.read()
    # another target: the same tenant path on another emulator
    other = Emulator(ws.dir)
    try:
        emu2_url = other.url
        ws.target = {"url": emu2_url}
        other.clear_log()
        p = ws.run(emu, "apply", plan)
        check("another target: exit 1, the binding named",
              p.returncode == 1 and "plan.target.binding" in p.stderr and plan in p.stderr, p)
        check("another target: nothing read", not other.log(), extra=str(other.log()[:3]))
    finally:
        other.stop()
        ws.target = {}
    bad = os.path.join(ws.dir, "tampered.plan")
    with open(bad, "w") as f:
        f.write(text.replace('"Lead"', '"Boss"'))
    emu.clear_log()
    p = ws.run(emu, "apply", bad)
    check("tampered: exit 1 naming the file and the checksum",
          p.returncode == 1 and bad in p.stderr and "checksum" in p.stderr, p)
    check("tampered: nothing sent", not emu.log(), extra=str(emu.log()[:3]))
    cut = os.path.join(ws.dir, "cut.plan")
    with open(cut, "w") as f:
        f.write(text[:len(text) // 2])
    p = ws.run(emu, "plan", "--show", cut)
    check("truncated: exit 1 naming the file", p.returncode == 1 and cut in p.stderr
          and "truncated" in p.stderr, p)
    p = ws.run(emu, "apply", plan, "extra")
    check("apply with two files: usage error", p.returncode == 1, p)
    # credentials in the target URL (user info) never reach the file
    ws.target = {"url": emu.url.replace("http://", "http://admin:s3cr3t-bind-pw@")}
    withpw = os.path.join(ws.dir, "pw.plan")
    p = ws.run(emu, "plan", "--out", withpw)
    if p.returncode == 0:
        with open(withpw) as f:
            check("user info of the URL: not in the plan file", "s3cr3t-bind-pw" not in f.read())
    else:
        check("user info of the URL: refused, nothing written",
              not os.path.exists(withpw) and "s3cr3t-bind-pw" not in p.stderr, p)
    ws.target = {}


def case_state(ws, emu):
    """With [engine] state: apply FILE records what it applied in the state
    (the next plan, diffed against the state, has nothing to do) and writes
    the run report like sync."""
    ws.engine["state"] = "file:" + os.path.join(ws.dir, "state.json")
    standard(ws, emu)
    ws.user("u00007")["title"] = "Principal"
    ws.make_users(1, start=41)
    plan = os.path.join(ws.dir, "s.plan")
    p = ws.run(emu, "plan", "--out", plan)
    check("plan --out from the state: exit 0", p.returncode == 0, p)
    report = os.path.join(ws.dir, "report.json")
    before = os.path.getmtime(os.path.join(ws.dir, "state.json"))
    p = ws.run(emu, "apply", "--report", report, plan)
    check("apply with a state: exit 0", p.returncode == 0, p)
    check("apply with a state: the state is saved",
          os.path.getmtime(os.path.join(ws.dir, "state.json")) >= before
          and "state: saved" in p.stderr, p)
    with open(report) as f:
        rep = json.load(f)
    check("apply: the run report names the command and the changes",
          rep.get("command") == "apply" and rep.get("exit_code") == 0
          and rep["changes"]["users"]["created"] == 1 and rep["changes"]["users"]["updated"] == 1,
          extra=json.dumps(rep)[:600])
    emu.clear_log()
    p = ws.run(emu, "plan")
    check("the next plan from the state: No changes.", p.returncode == 0
          and "No changes." in p.stdout and "reading the target in full" not in p.stderr, p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--case", required=True)
    args = ap.parse_args()
    ws = Workspace(args, "ss_planfile_it.")
    emu = Emulator(ws.dir)
    try:
        {"stale": case_stale, "refused": case_refused, "guard": case_guard,
         "state": case_state}[args.case](ws, emu)
    finally:
        emu.stop()
        if failures == 0:
            ws.cleanup()
        else:
            print("workspace kept: " + ws.dir)
    print("%s: %d failure(s)" % (args.case, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
