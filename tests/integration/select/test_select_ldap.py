#!/usr/bin/env python3
"""sync --user NAME with the LDAP source: a real OpenLDAP slapd (free
loopback port, tests/fixtures/ldap/slapd-start.sh) holding 2000 users in
teams and nested groups, into the Identity Center emulator over HTTP.
After a full sync, the directory changes (alice moves team, a new user
arrives); `sync --user` applies exactly that user's changes: the LDAP
searches carry that user's filter, the emulator's log holds only filtered
reads about that user and its groups, and the writes are its own.

Usage: test_select_ldap.py --scimsync BIN --plugins DIR --fixtures DIR
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import parse_qs, urlsplit

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import NO_LIMITS, TOKEN, Emulator, writes  # noqa: E402

BASE = "dc=example,dc=test"
NUSERS = 2000
TEAM = 50
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


def udn(uid):
    return "uid=%s,ou=people,%s" % (uid, BASE)


def gdn(cn):
    return "cn=%s,ou=groups,%s" % (cn, BASE)


def person(uid, given, sn, title="Engineer"):
    return ("dn: %s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s %s\ngivenName: %s\nsn: %s\n"
            "displayName: %s %s\nmail: %s@example.com\ntitle: %s\n\n"
            % (udn(uid), uid, given, sn, given, sn, given, sn, uid, title))


def seed_ldif():
    out = ["dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n"
           % BASE,
           "dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n" % BASE,
           "dn: ou=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n" % BASE]
    uids = ["alice"] + ["user%04d" % i for i in range(1, NUSERS)]
    out.append(person("alice", "Alice", "Example"))
    for u in uids[1:]:
        out.append(person(u, "Given" + u[4:], "Family" + u[4:]))
    for t in range(NUSERS // TEAM):
        members = "".join("member: %s\n" % udn(u) for u in uids[t * TEAM:(t + 1) * TEAM])
        out.append("dn: %s\nobjectClass: groupOfNames\ncn: team-%02d\n%s\n"
                   % (gdn("team-%02d" % t), t, members))
    out.append("dn: %s\nobjectClass: groupOfNames\ncn: eng\nmember: %s\nmember: %s\n\n"
               % (gdn("eng"), gdn("team-00"), gdn("team-01")))
    return "".join(out)


class Run:
    def __init__(self, args, d, env, emu):
        self.args, self.dir, self.env, self.emu = args, d, env, emu
        self.ini = os.path.join(d, "scimsync.ini")
        with open(self.ini, "w") as f:
            f.write("[engine]\n")
            for k, v in NO_LIMITS.items():
                f.write("%s = %s\n" % (k, v))
            f.write("\n[source dir]\nplugin = ldap\nuri = %s\nbind_dn = %s\n"
                    "bind_password = env:OL_PASSWORD\nstart_tls = true\nca_file = %s\n"
                    "base_dn = %s\n" % (env["OL_URI"], env["OL_BIND_DN"], env["OL_CA"], BASE))
            f.write("\n[target idc]\nplugin = scim\nurl = %s\ntoken = env:SCIMSYNC_TEST_TOKEN\n"
                    "profile = identity-center\nrate_limit = 0\nread_rate = 0\nwrite_rate = 0\n"
                    "member_op_rate = 0\nmax_connections = 8\n" % emu.url)
        self.empty = os.path.join(d, "conf.d-empty")
        os.makedirs(self.empty, exist_ok=True)

    def __call__(self, *cmd):
        e = dict(os.environ, SCIMSYNC_PLUGIN_PATH=self.args.plugins,
                 SCIMSYNC_TEST_TOKEN=TOKEN, OL_PASSWORD=self.env["OL_PASSWORD"])
        p = subprocess.run([self.args.scimsync, "-v", "-c", self.ini, "--conf-dir", self.empty,
                            *cmd], env=e, capture_output=True, text=True, timeout=600)
        if TOKEN in p.stdout + p.stderr or self.env["OL_PASSWORD"] in p.stdout + p.stderr:
            raise AssertionError("a secret appeared in the output of %s" % " ".join(cmd))
        return p


def ldapmodify(env, port, text):
    p = subprocess.run(["ldapmodify", "-x", "-H", "ldap://127.0.0.1:%s" % port, "-D",
                        "cn=admin," + BASE, "-w", "admin-secret-1"], input=text,
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("ldapmodify failed: " + p.stderr)


def groups_of(emu, tid):
    return sorted(g["displayName"] for g in emu.state()["groups"] if tid in g.get("members", []))


def user_by_name(emu, name):
    return next((u for u in emu.state()["users"] if u["userName"] == name), None)


def foreign_reads(log, allowed):
    """GETs without a filter (beyond the one-user token check) or with a
    filter value not in allowed."""
    bad = []
    for e in log:
        if e["method"] != "GET":
            continue
        q = parse_qs(urlsplit(e["path"]).query)
        flt = q.get("filter", [None])[0]
        if flt is None:
            if q.get("count") != ["1"]:
                bad.append(e["path"])
            continue
        if flt.split(" eq ", 1)[1].strip('"') not in allowed:
            bad.append(flt)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--fixtures", required=True)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="ss_select_ldap_it.")
    srv = os.path.join(d, "slapd")
    seed = os.path.join(d, "seed.ldif")
    with open(seed, "w") as f:
        f.write(seed_ldif())
    subprocess.run(["sh", os.path.join(args.fixtures, "slapd-start.sh"), srv, seed, BASE],
                   check=True)
    emu = Emulator(d)
    try:
        env = dict(x.split("=", 1) for x in open(os.path.join(srv, "env")).read().split())
        cases(Run(args, d, env, emu), env, emu)
    finally:
        emu.stop()
        subprocess.run(["sh", os.path.join(args.fixtures, "slapd-stop.sh"), srv])
        if failures == 0:
            shutil.rmtree(d, ignore_errors=True)
        else:
            print("workspace kept: " + d)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


def cases(run, env, emu):
    p = run("sync")
    st = emu.state()
    check("full sync from slapd: exit 0, %d users" % NUSERS,
          p.returncode == 0 and len(st["users"]) == NUSERS, p)
    alice = user_by_name(emu, "alice")
    check("alice in team-00 and eng (nested)",
          alice and groups_of(emu, alice["id"]) == ["eng", "team-00"])

    # the directory changes: alice moves from team-00 to team-05 and gets
    # a new title; a new user arrives in team-07
    ldapmodify(env, env["OL_PORT"],
               "dn: %s\nchangetype: modify\ndelete: member\nmember: %s\n\n"
               "dn: %s\nchangetype: modify\nadd: member\nmember: %s\n\n"
               "dn: %s\nchangetype: modify\nreplace: title\ntitle: Manager\n\n"
               "dn: %s\nchangetype: add\nobjectClass: inetOrgPerson\nuid: newbie\ncn: New Bie\n"
               "givenName: New\nsn: Bie\ndisplayName: New Bie\nmail: newbie@example.com\n\n"
               "dn: %s\nchangetype: modify\nadd: member\nmember: %s\n"
               % (gdn("team-00"), udn("alice"), gdn("team-05"), udn("alice"), udn("alice"),
                  udn("newbie"), gdn("team-07"), udn("newbie")))
    gid = {g["displayName"]: g["id"] for g in emu.state()["groups"]}

    emu.clear_log()
    p = run("sync", "--user", "alice")
    log = emu.log()
    check("sync --user alice: exit 0", p.returncode == 0, p)
    check("alice: team-05 only, title Manager",
          groups_of(emu, alice["id"]) == ["team-05"] and
          user_by_name(emu, "alice").get("title") == "Manager",
          extra=str(groups_of(emu, alice["id"])))
    check("the LDAP user search carries alice's filter", "(uid=alice)" in p.stderr, p)
    check("the LDAP group search asks for alice's groups only",
          "(member=uid=alice,ou=people," + BASE + ")" in p.stderr, p)
    mine = ("team-00", "team-05", "eng")  # before and after the move
    ext = {g["displayName"]: g["externalId"] for g in emu.state()["groups"]}
    allowed = {"alice", alice["externalId"], alice["id"]} | {gid[g] for g in mine} | \
        {ext[g] for g in mine}
    check("emulator: only filtered reads about alice and her groups",
          not foreign_reads(log, allowed), extra=str(foreign_reads(log, allowed)))
    patched = {e["path"].split("/")[-1] for e in writes(log)}
    check("writes: alice and her three groups (team-00, eng out; team-05 in)",
          patched == {alice["id"], gid["team-00"], gid["eng"], gid["team-05"]},
          extra=str(patched))
    check("newbie not created by --user alice", user_by_name(emu, "newbie") is None)

    emu.clear_log()
    p = run("sync", "--user", "alice")
    check("second sync --user alice: exit 0, no write",
          p.returncode == 0 and not writes(emu.log()), p, extra=str(writes(emu.log())))

    emu.clear_log()
    p = run("sync", "--user", "newbie")
    nb = user_by_name(emu, "newbie")
    check("sync --user newbie: created in team-07",
          p.returncode == 0 and nb and groups_of(emu, nb["id"]) == ["team-07"], p)
    check("sync --user newbie: one POST, one PATCH",
          sorted(e["method"] for e in writes(emu.log())) == ["PATCH", "POST"],
          extra=str(writes(emu.log())))

    # --group: team-07 loses user0350 and gains user0001 in the directory
    ldapmodify(env, env["OL_PORT"],
               "dn: %s\nchangetype: modify\ndelete: member\nmember: %s\n-\nadd: member\n"
               "member: %s\n" % (gdn("team-07"), udn("user0350"), udn("user0001")))
    u350 = user_by_name(emu, "user0350")
    u1 = user_by_name(emu, "user0001")
    emu.clear_log()
    p = run("sync", "--group", "team-07")
    log = emu.log()
    check("sync --group team-07: exit 0", p.returncode == 0, p)
    t7 = sorted(m for g in emu.state()["groups"] if g["displayName"] == "team-07"
                for m in g["members"])
    check("team-07: user0350 out, user0001 in, newbie kept",
          u350["id"] not in t7 and u1["id"] in t7 and nb["id"] in t7 and len(t7) == TEAM + 1,
          extra="%d members" % len(t7))
    check("--group: the LDAP user search reads the members by entryDN",
          "(entryDN=uid=user0001,ou=people," + BASE + ")" in p.stderr, p)
    check("--group: writes to team-07 only",
          {e["path"].split("/")[-1] for e in writes(log)} == {gid["team-07"]},
          extra=str(writes(log)))
    allowed7 = {"team-07", gid["team-07"], ext["team-07"]} | \
        {u["externalId"] for u in emu.state()["users"]}
    check("--group: only filtered reads about team-07 and its members",
          not foreign_reads(log, allowed7), extra=str(foreign_reads(log, allowed7)[:5]))
    check("user0350 still active", user_by_name(emu, "user0350")["active"] is True)

    # --group eng (nested: team-00 and team-01): nothing changed since the
    # full sync but alice's move out of team-00
    emu.clear_log()
    p = run("sync", "--group", "eng")
    eng = next(g for g in emu.state()["groups"] if g["displayName"] == "eng")
    check("sync --group eng (nested): exit 0, %d members, no write" % (2 * TEAM - 1),
          p.returncode == 0 and len(eng["members"]) == 2 * TEAM - 1 and
          not writes(emu.log()), p, extra="%d members, %s" % (len(eng["members"]),
                                                              writes(emu.log())[:3]))

    p = run("plan")
    check("a full plan afterwards has nothing left for alice or newbie",
          p.returncode == 0 and "alice" not in p.stdout and "newbie" not in p.stdout, p)

    # users_from_group (OpenLDAP: every group DN is listed for the scope
    # walk): the groups above the user are still found for --user
    text = open(run.ini).read().replace("[source dir]\n", "[source dir]\nusers_from_group = eng\n")
    with open(run.ini, "w") as f:
        f.write(text)
    p = run("plan", "--user", "user0051")
    check("users_from_group: plan --user user0051 (in eng through team-01): no changes",
          p.returncode == 0 and "No changes." in p.stdout, p)


if __name__ == "__main__":
    sys.exit(main())
