#!/usr/bin/env python3
"""The scimsync binary end to end with the ldap source: sync into the IAM
Identity Center emulator (tests/fixtures/scim_emulator.py, through the scim
target) or into the memory test target (tests/plugins, a JSON state file),
compare what landed with the seed's expectation, sync again (no writes),
then break the bind password (exit 2, nothing applied, password never
printed).  With --cut-uri, first a sync whose LDAP connection drops
mid-read (exit 2, nothing applied).

    e2e_sync.py --bin SCIMSYNC --target scim|memory --test-plugins DIR
                --source-ini FILE --expect EXPECT.json --work DIR
                --secret-env VAR [--cut-uri URI]

--source-ini holds the [source NAME] section (plugin = ldap, ...), with
bind_password = env:VAR; VAR must be set.  The users the engine skips
(missing required givenName) are taken out of the expectation, and make
the good runs exit 6.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(HERE, "..", "scim"))
import scimlib  # noqa: E402  (the SCIM tests' emulator helper)

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCIM_TOKEN = scimlib.TOKEN


class MemoryTarget:
    """tests/plugins memory.so: state and write log in one JSON file."""

    def __init__(self, work):
        self.file = os.path.join(work, "state.json")

    def section(self):
        return "[target idc]\nplugin = memory\nstate_file = %s\n" % self.file

    def load(self):
        if not os.path.exists(self.file):
            return {"users": [], "groups": [], "writes": []}
        with open(self.file, encoding="utf-8") as f:
            return json.load(f)

    def users(self):
        return [{"id": u["id"], "userName": u["userName"], "givenName": u.get("givenName"),
                 "familyName": u.get("familyName"), "active": u["active"],
                 "externalId": u.get("externalId"), "manager": u.get("manager")}
                for u in self.load()["users"]]

    def groups(self):
        return {g["displayName"]: g["members"] for g in self.load()["groups"]}

    def writes(self):
        return len(self.load()["writes"])

    def stop(self):
        pass


class ScimTarget:
    """The Identity Center emulator as a child process (scimlib.Emulator),
    read through its admin interface."""

    def __init__(self, work):
        self.emu = scimlib.Emulator(work)

    def section(self):
        return ("[target idc]\nplugin = scim\nurl = %s\n"
                "token = env:LDAP_E2E_SCIM_TOKEN\nprofile = identity-center\nrate_limit = 0\n"
                "max_connections = 8\n" % self.emu.url)

    def users(self):
        out = []
        for u in self.emu.state()["users"]:
            name = u.get("name", {})
            out.append({"id": u["id"], "userName": u["userName"], "givenName": name.get("givenName"),
                        "familyName": name.get("familyName"), "active": u.get("active"),
                        "externalId": u.get("externalId"),
                        "manager": u.get(ENTERPRISE, {}).get("manager", {}).get("value")})
        return out

    def groups(self):
        return {g["displayName"]: g.get("members", []) for g in self.emu.state()["groups"]}

    def writes(self):
        return len(scimlib.writes(self.emu.log()))

    def stop(self):
        self.emu.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--target", choices=["scim", "memory"], required=True)
    ap.add_argument("--test-plugins", required=True)
    ap.add_argument("--source-ini", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--secret-env", required=True)
    ap.add_argument("--cut-uri", help="a URI whose connection drops mid-read (cut_proxy.py)")
    args = ap.parse_args()
    target = ScimTarget(args.work) if args.target == "scim" else MemoryTarget(args.work)
    try:
        return run(args, target)
    finally:
        target.stop()


def run(args, target):
    errors = []
    expect = json.load(open(args.expect, encoding="utf-8"))
    source = open(args.source_ini, encoding="utf-8").read()
    confd = os.path.join(args.work, "conf.d")
    os.makedirs(confd, exist_ok=True)
    ini = os.path.join(args.work, "scimsync.ini")

    def write_ini(src):
        with open(ini, "w", encoding="utf-8") as f:
            f.write("[engine]\nmax_deletes = -1\nmax_delete_percent = -1\n\n" + src + "\n" +
                    target.section())

    write_ini(source)
    env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=args.test_plugins, LDAP_E2E_SCIM_TOKEN=SCIM_TOKEN)
    secret = env[args.secret_env]
    outputs = []

    def sync(label, want_rc, extra_env=None):
        t0 = time.time()
        p = subprocess.run([args.bin, "-c", ini, "--conf-dir", confd, "sync"],
                           env=dict(env, **(extra_env or {})), capture_output=True, text=True,
                           timeout=600)
        outputs.append(p.stdout + p.stderr)
        print("e2e: %s: exit %d in %.1f s" % (label, p.returncode, time.time() - t0))
        if p.returncode != want_rc:
            errors.append("%s: exit %d, want %d\n%s" % (label, p.returncode, want_rc,
                                                        (p.stdout + p.stderr)[-3000:]))
        return p

    if args.cut_uri:
        # the connection drops in the middle of the user pages: exit 2 and
        # nothing written to the (empty) target
        write_ini(re.sub(r"(?m)^uri\s*=.*$", "uri = " + args.cut_uri, source))
        p = sync("dropped connection", 2)
        print("e2e: dropped connection: " + " | ".join(
            l for l in p.stderr.splitlines() if " error " in l or "entries read" in l)[:600])
        if target.writes():
            errors.append("dropped connection: %d writes applied" % target.writes())
        if args.cut_uri not in p.stderr:
            errors.append("dropped connection: the message does not name the server:\n" +
                          p.stderr[-1500:])
        write_ini(source)

    def check(label, want_rc, extra_env=None):
        """`scimsync check`: exit code, and the FAIL lines it printed."""
        t0 = time.time()
        p = subprocess.run([args.bin, "-c", ini, "--conf-dir", confd, "check"],
                           env=dict(env, **(extra_env or {})), capture_output=True, text=True,
                           timeout=120)
        took = time.time() - t0
        outputs.append(p.stdout + p.stderr)
        fails = [l for l in p.stdout.splitlines() if l.startswith("FAIL  ")]
        print("e2e: %s: exit %d in %.1f s; %s" % (label, p.returncode, took, " | ".join(
            l for l in p.stdout.splitlines() if l.startswith(("FAIL", "WARN")) or "search" in l)))
        if p.returncode != want_rc or took > 60:
            errors.append("%s: exit %d in %.1f s, want %d\n%s" % (
                label, p.returncode, took, want_rc, (p.stdout + p.stderr)[-3000:]))
        return fails

    # check: everything passes; with a wrong password the bind fails (exit 2)
    fails = check("check", 0)
    if fails:
        errors.append("check: FAIL lines with a good configuration: %s" % fails)
    fails = check("check, wrong password", 2, {args.secret_env: "wrong-" + secret})
    if not any(" bind " in l and "Invalid credentials" in l for l in fails):
        errors.append("check, wrong password: no FAIL bind line: %s" % fails)
    if target.writes():
        errors.append("check wrote to the target")

    skipped = {k for k, v in expect["users"].items() if not v["givenName"]}
    # Skipped entries (data errors) end an otherwise good run with exit 6.
    ok_rc = 6 if skipped else 0
    sync("first sync", ok_rc)
    writes_after_first = target.writes()
    want_users = {k: v for k, v in expect["users"].items() if k not in skipped}
    landed = target.users()
    users = {u["userName"]: u for u in landed}
    by_id = {u["id"]: u["userName"] for u in landed}
    if set(users) != set(want_users):
        errors.append("users: missing %s extra %s" % (sorted(set(want_users) - set(users))[:5],
                                                      sorted(set(users) - set(want_users))[:5]))
    for name, want in want_users.items():
        u = users.get(name)
        if not u:
            continue
        if u["active"] != want["active"]:
            errors.append("%s: active %s, want %s" % (name, u["active"], want["active"]))
        if u["givenName"] != want["givenName"] or u["familyName"] != want["sn"]:
            errors.append("%s: name %r %r" % (name, u["givenName"], u["familyName"]))
        mgr = by_id.get(u["manager"])
        if mgr != want["manager"]:
            errors.append("%s: manager %r, want %r" % (name, mgr, want["manager"]))
        if not u["externalId"]:
            errors.append("%s: no externalId" % name)
    groups = target.groups()
    if set(groups) != set(expect["groups"]):
        errors.append("groups: got %s want %s" % (sorted(groups), sorted(expect["groups"])))
    memberships = 0
    for name, members in expect["groups"].items():
        if name not in groups:
            continue
        got = sorted(by_id.get(m, m) for m in groups[name])
        memberships += len(got)
        want = sorted(m for m in members if m not in skipped)
        if got != want:
            errors.append("group %s: %d members, want %d; missing %s extra %s" % (
                name, len(got), len(want), sorted(set(want) - set(got))[:5],
                sorted(set(got) - set(want))[:5]))
    for helper in expect["helpers"]:
        if helper in groups:
            errors.append("helper group %s was synced" % helper)

    sync("second sync", ok_rc)
    if target.writes() != writes_after_first:
        errors.append("second sync wrote %d times" % (target.writes() - writes_after_first))

    p = sync("wrong password", 2, {args.secret_env: "wrong-" + secret})
    if target.writes() != writes_after_first:
        errors.append("a failed read still wrote to the target")
    if "Invalid credentials" not in p.stderr:
        errors.append("wrong password: no clear message:\n" + p.stderr[-1500:])

    for text in outputs:
        if secret in text or SCIM_TOKEN in text:
            errors.append("a password or token appeared in the output")
            break
    for e in errors:
        print("e2e: " + e)
    print("e2e: %s target: %d users, %d groups, %d memberships, %d writes on the first sync, "
          "%d problems" % (args.target, len(users), len(groups), memberships, writes_after_first,
                           len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
