#!/usr/bin/env python3
"""The scimsync binary end to end with the ldap source: sync into the memory
test target (tests/plugins, a JSON state file), compare what landed with the
seed's expectation, sync again (no writes), then break the bind password
(exit 2, nothing applied, password never printed).

    e2e_sync.py --bin SCIMSYNC --test-plugins DIR --source-ini FILE
                --expect EXPECT.json --work DIR [--secret-env VAR]

--source-ini holds the [source NAME] section (plugin = ldap, ...), with
bind_password = env:VAR; VAR must be set.  The users the engine skips
(missing required givenName) are taken out of the expectation.
"""
import argparse
import json
import os
import re
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--test-plugins", required=True)
    ap.add_argument("--source-ini", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--secret-env", required=True)
    ap.add_argument("--cut-uri", help="a URI whose connection drops mid-read (cut_proxy.py)")
    args = ap.parse_args()
    errors = []
    expect = json.load(open(args.expect, encoding="utf-8"))
    source = open(args.source_ini, encoding="utf-8").read()
    state = os.path.join(args.work, "state.json")
    confd = os.path.join(args.work, "conf.d")
    os.makedirs(confd, exist_ok=True)
    ini = os.path.join(args.work, "scimsync.ini")

    def write_ini(src):
        with open(ini, "w", encoding="utf-8") as f:
            f.write("[engine]\nmax_deletes = -1\nmax_delete_percent = -1\n\n" + src +
                    "\n[target idc]\nplugin = memory\nstate_file = %s\n" % state)

    write_ini(source)
    env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=args.test_plugins)
    secret = env[args.secret_env]
    outputs = []

    def sync(label, want_rc, extra_env=None):
        p = subprocess.run([args.bin, "-c", ini, "--conf-dir", confd, "sync"], env=dict(env, **(extra_env or {})),
                           capture_output=True, text=True, timeout=300)
        outputs.append(p.stdout + p.stderr)
        if p.returncode != want_rc:
            errors.append("%s: exit %d, want %d\n%s" % (label, p.returncode, want_rc,
                                                        (p.stdout + p.stderr)[-3000:]))
        return p

    def load():
        with open(state, encoding="utf-8") as f:
            return json.load(f)

    def writes():
        return len(load()["writes"]) if os.path.exists(state) else 0

    if args.cut_uri:
        # the connection drops in the middle of the user pages: exit 2 and
        # nothing written to the (empty) target
        write_ini(re.sub(r"(?m)^uri\s*=.*$", "uri = " + args.cut_uri, source))
        p = sync("dropped connection", 2)
        print("e2e: dropped connection: " + " | ".join(
            l for l in p.stderr.splitlines() if " error " in l or "entries read" in l)[:600])
        if writes():
            errors.append("dropped connection: %d writes applied" % writes())
        if args.cut_uri not in p.stderr:
            errors.append("dropped connection: the message does not name the server:\n" +
                          p.stderr[-1500:])
        write_ini(source)

    sync("first sync", 0)
    s = load()
    writes_after_first = len(s["writes"])
    skipped = {k for k, v in expect["users"].items() if not v["givenName"]}
    want_users = {k: v for k, v in expect["users"].items() if k not in skipped}
    users = {u["userName"]: u for u in s["users"]}
    by_id = {u["id"]: u["userName"] for u in s["users"]}
    if set(users) != set(want_users):
        errors.append("users: missing %s extra %s" % (sorted(set(want_users) - set(users))[:5],
                                                      sorted(set(users) - set(want_users))[:5]))
    for name, want in want_users.items():
        u = users.get(name)
        if not u:
            continue
        if u["active"] != want["active"]:
            errors.append("%s: active %s, want %s" % (name, u["active"], want["active"]))
        if u.get("givenName") != want["givenName"] or u.get("familyName") != want["sn"]:
            errors.append("%s: name %r %r" % (name, u.get("givenName"), u.get("familyName")))
        mgr = by_id.get(u.get("manager"))
        if mgr != want["manager"]:
            errors.append("%s: manager %r, want %r" % (name, mgr, want["manager"]))
        if not u.get("externalId"):
            errors.append("%s: no externalId" % name)
    groups = {g["displayName"]: g for g in s["groups"]}
    if set(groups) != set(expect["groups"]):
        errors.append("groups: got %s want %s" % (sorted(groups), sorted(expect["groups"])))
    for name, members in expect["groups"].items():
        g = groups.get(name)
        if g is None:
            continue
        got = sorted(by_id.get(m, m) for m in g["members"])
        want = sorted(m for m in members if m not in skipped)
        if got != want:
            errors.append("group %s: %d members, want %d; missing %s extra %s" % (
                name, len(got), len(want), sorted(set(want) - set(got))[:5],
                sorted(set(got) - set(want))[:5]))
    for helper in expect["helpers"]:
        if helper in groups:
            errors.append("helper group %s was synced" % helper)

    sync("second sync", 0)
    if len(load()["writes"]) != writes_after_first:
        errors.append("second sync wrote %d times" % (len(load()["writes"]) - writes_after_first))

    p = sync("wrong password", 2, {args.secret_env: "wrong-" + secret})
    if len(load()["writes"]) != writes_after_first:
        errors.append("a failed read still wrote to the target")
    if "Invalid credentials" not in p.stderr:
        errors.append("wrong password: no clear message:\n" + p.stderr[-1500:])

    for text in outputs:
        if secret in text:
            errors.append("the bind password appeared in the output")
            break
    for e in errors:
        print("e2e: " + e)
    print("e2e: %d users, %d groups, %d writes on the first sync, %d problems" % (
        len(users), len(groups), writes_after_first, len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
