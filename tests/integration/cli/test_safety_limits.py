#!/usr/bin/env python3
"""The safety limits per kind of change, end to end: the scimsync binary,
the CSV source and the Identity Center emulator over HTTP, default limits.
Each disaster of issue 9 is refused with exit 4 and not one write reaches
the emulator; the matching --force-* flag then applies it.  An ordinary
day and the demo's first sync pass the defaults.

Usage: test_safety_limits.py --scimsync BIN --plugins DIR --demo DIR --case NAME
Cases: groups_emptied, group_members_emptied, ignore_empty_users, title_typo,
       ordinary_day, demo_first_sync
"""
import argparse
import os
import shutil
import subprocess
import sys

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


class LimitsWorkspace(Workspace):
    """Default limits (the [engine] keys unset) and an optional mapping."""

    def __init__(self, args):
        super().__init__(args, "ss_safety_it.")
        self.engine = {}
        self.mapping = ""

    def write(self, emulator):
        super().write(emulator)
        if self.mapping:
            with open(os.path.join(self.dir, "scimsync.ini"), "a") as f:
                f.write("\n[mapping hr]\n" + self.mapping)


def members(emu):
    return {g["displayName"]: sorted(g.get("members", []))
            for g in emu.state()["groups"]}


def standard(ws, emu, nusers=40):
    """40 users, 4 teams of 10 and one group of everybody (80 memberships),
    synced once: the first sync passes the default limits."""
    ws.make_users(nusers)
    ids = ["u%05d" % i for i in range(1, nusers + 1)]
    ws.groups = [("g1", "team-a", ids[0:10]), ("g2", "team-b", ids[10:20]),
                 ("g3", "team-c", ids[20:30]), ("g4", "team-d", ids[30:40]),
                 ("g5", "everyone", list(ids))]
    p = ws.run(emu, "sync")
    st = emu.state()
    check("first sync with default limits: exit 0, %d users, 5 groups" % nusers,
          p.returncode == 0 and len(st["users"]) == nusers and len(st["groups"]) == 5, p)
    check("first sync: %d memberships" % (40 + nusers),
          sum(len(m) for m in members(emu).values()) == 40 + nusers)


def refused(ws, emu, label, needle, *flags):
    """A run that must be refused: exit 4, the message, zero writes."""
    before = emu.state()
    emu.clear_log()
    p = ws.run(emu, "sync", *flags)
    w = writes(emu.log())
    check("%s: exit 4" % label, p.returncode == 4, p)
    check("%s: the refusal names the limit and the numbers" % label,
          needle in p.stderr and "nothing applied" in p.stderr, p, "want: " + needle)
    check("%s: zero writes (no POST / PATCH / PUT / DELETE)" % label, not w, extra=str(w[:5]))
    check("%s: the target is unchanged" % label, emu.state() == before)
    return p


def applied(ws, emu, label, *flags):
    emu.clear_log()
    p = ws.run(emu, "sync", *flags)
    check("%s: exit 0" % label, p.returncode == 0, p)
    return p, writes(emu.log())


def case_groups_emptied(ws, emu):
    """Issue case 1: groups.csv header-only deletes every group; 5 groups
    of 305 owned objects passed the former users + groups limit."""
    standard(ws, emu, nusers=300)
    ws.groups = []
    refused(ws, emu, "groups.csv header-only",
            "refused: the plan deletes 5 of 5 owned groups (100.0%), over "
            "max_group_delete_percent = 20; nothing applied (check the sources, or rerun with "
            "--force-deletes)")
    refused(ws, emu, "groups.csv header-only, --force-updates", "max_group_delete_percent",
            "--force-updates")
    p, w = applied(ws, emu, "groups.csv header-only, --force-deletes", "--force-deletes")
    check("--force-deletes: 5 DELETEs of groups, no group left",
          sum(1 for e in w if e["method"] == "DELETE" and "/Groups/" in e["path"]) == 5
          and not emu.state()["groups"], extra=str(w))
    check("--force-deletes: the warning names the limit",
          "applying anyway (--force-deletes)" in p.stderr, p)


def case_group_members_emptied(ws, emu):
    """Issue case 2: a group present with an empty member column (10 of 80
    memberships: the per-group limit, not the total, catches it)."""
    standard(ws, emu)
    ws.groups[0] = ("g1", "team-a", [])
    refused(ws, emu, "team-a with an empty member column",
            'the plan removes 10 of the 10 members of group "team-a" (100.0%), over '
            "max_group_member_removal_percent = 50")
    p, w = applied(ws, emu, "empty member column, --force-deletes", "--force-deletes")
    m = members(emu)
    check("--force-deletes: team-a emptied, the other groups untouched",
          m["team-a"] == [] and len(m["team-b"]) == 10 and len(m["everyone"]) == 40, extra=str(m))


def case_ignore_empty_users(ws, emu):
    """Issue case 2: on_missing = ignore and a header-only users file: no
    user is removed, but every membership would be."""
    standard(ws, emu)
    ws.engine["on_missing"] = "ignore"
    ws.users = []
    refused(ws, emu, "on_missing = ignore, users.csv header-only",
            "the plan removes 80 of 80 managed memberships (100.0%), over "
            "max_member_removal_percent = 20")
    p, w = applied(ws, emu, "empty users file, --force-deletes", "--force-deletes")
    st = emu.state()
    check("--force-deletes: every membership removed, the 40 users kept active",
          all(not g.get("members") for g in st["groups"]) and len(st["users"]) == 40
          and all(u.get("active") for u in st["users"]), extra=str(members(emu)))


def case_title_typo(ws, emu):
    """Issue case 3: `title = ${jobtitle}` blanks title on every user."""
    standard(ws, emu)
    ws.mapping = "title = ${jobtitle}\n"
    refused(ws, emu, "title = ${jobtitle}",
            "refused: the plan clears title on 40 of 40 owned users (100.0%), over "
            "max_field_clear_percent = 10; nothing applied (check the mapping and the sources, "
            "or rerun with --force-updates)")
    refused(ws, emu, "title = ${jobtitle}, --force-deletes", "clears title on 40 of 40",
            "--force-deletes")
    p, w = applied(ws, emu, "title = ${jobtitle}, --force-updates", "--force-updates")
    users = emu.state()["users"]
    check("--force-updates: 40 PATCHes, title gone from every user",
          sum(1 for e in w if e["method"] == "PATCH" and "/Users/" in e["path"]) == 40
          and not any(u.get("title") for u in users), extra=str(len(w)))
    p, w = applied(ws, emu, "next run")
    check("next run: No changes.", "No changes." in p.stdout and not w, p)


def case_ordinary_day(ws, emu):
    """A joiner, a leaver, a title change, a team move, a new group: the
    defaults let it through."""
    standard(ws, emu)
    ws.make_users(1, start=41)
    ws.users = [u for u in ws.users if u["id"] != "u00040"]
    ws.user("u00005")["title"] = "Staff Engineer"
    ws.user("u00007")["title"] = ""
    g = {gid: (gid, name, list(m)) for gid, name, m in ws.groups}
    g["g2"][2].remove("u00012")
    g["g3"][2].append("u00012")
    g["g4"][2].remove("u00040")
    g["g4"][2].append("u00041")
    g["g5"][2].remove("u00040")
    g["g5"][2].append("u00041")
    ws.groups = list(g.values()) + [("g6", "team-e", ["u00001", "u00041"])]
    p, w = applied(ws, emu, "ordinary day")
    users = emu.users_by_ext()
    m = members(emu)
    check("ordinary day: joiner created, leaver deactivated, titles changed",
          "u00041" in users and users["u00040"].get("active") is False
          and users["u00005"].get("title") == "Staff Engineer"
          and not users["u00007"].get("title"), extra=str(users.get("u00040")))
    check("ordinary day: team move and new group applied",
          len(m["team-b"]) == 9 and len(m["team-c"]) == 11 and len(m["team-e"]) == 2,
          extra=str({k: len(v) for k, v in m.items()}))
    check("ordinary day: no limit exceeded", "over max_" not in p.stderr, p)


def case_demo_first_sync(ws, emu, args):
    """The demo directory (conf.d/demo) with its own configuration."""
    for name in ("scimsync.ini", "users.csv", "groups.csv"):
        shutil.copy(os.path.join(args.demo, name), ws.dir)
    confd = os.path.join(ws.dir, "conf.d")
    os.makedirs(confd)
    with open(os.path.join(confd, "50-url.ini"), "w") as f:
        f.write("[target idc]\nurl = %s\nrate_limit = 0\n" % emu.url)
    env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=args.plugins, SCIMSYNC_DEMO_TOKEN=TOKEN)
    cmd = [args.scimsync, "-c", os.path.join(ws.dir, "scimsync.ini"), "--conf-dir", confd, "sync"]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    st = emu.state()
    nmem = sum(len(g.get("members", [])) for g in st["groups"])
    check("demo first sync: exit 0, 25 users, 6 groups, 30 memberships",
          p.returncode == 0 and len(st["users"]) == 25 and len(st["groups"]) == 6 and nmem == 30,
          p, "%d users, %d groups, %d memberships" % (len(st["users"]), len(st["groups"]), nmem))
    emu.clear_log()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    check("demo second sync: No changes., zero writes",
          p.returncode == 0 and "No changes." in p.stdout and not writes(emu.log()), p)


CASES = {
    "groups_emptied": case_groups_emptied,
    "group_members_emptied": case_group_members_emptied,
    "ignore_empty_users": case_ignore_empty_users,
    "title_typo": case_title_typo,
    "ordinary_day": case_ordinary_day,
    "demo_first_sync": case_demo_first_sync,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--demo", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    args = ap.parse_args()
    ws = LimitsWorkspace(args)
    emu = Emulator(ws.dir)
    try:
        if args.case == "demo_first_sync":
            case_demo_first_sync(ws, emu, args)
        else:
            CASES[args.case](ws, emu)
    finally:
        emu.stop()
        ws.cleanup()
    print("%s: %s" % (args.case, "FAILED (%d)" % failures if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
