#!/usr/bin/env python3
"""Entra ID end to end: the shipped conf.d example, filled in, syncs the Graph emulator's
directory through the scimsync binary into the Identity Center emulator: exactly the
users, the aws-* groups and their flattened memberships (nested groups, a cycle) land,
with managers and the disabled user inactive; a second run sends no writes; a failure in
the middle of paging exits 2 with nothing applied; a throttled Graph still syncs.

Usage: test_entra_sync.py --scimsync BIN --plugins DIR --conf-d DIR
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "scim"))
import entralib  # noqa: E402
import scimlib  # noqa: E402
from entralib import SECRET, oid  # noqa: E402

failures = 0


def check(name, cond, p=None, detail=""):
    global failures
    if cond:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL %s: %s\n%s\n%s" % (name, "exit %d" % p.returncode if p else "", detail,
                                      (p.stdout + p.stderr)[-4000:] if p else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--conf-d", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="scimsync-entra-e2e-")
    graph = entralib.Graph(work)
    scim = scimlib.Emulator(work)
    try:
        confd = os.path.join(work, "conf.d")
        os.mkdir(confd)
        with open(os.path.join(args.conf_d, "30-entra-source.ini.example"),
                  encoding="utf-8") as f:
            example = f.read()
        zero = "00000000-0000-0000-0000-000000000000"
        example = example.replace("tenant_id = " + zero, "tenant_id = " + entralib.TENANT)
        example = example.replace("client_id = " + zero, "client_id = " + entralib.CLIENT_ID)
        example = example.replace("client_secret = file:/etc/scimsync/entra-client-secret",
                                  "client_secret = env:ENTRA_CLIENT_SECRET")
        example = example.replace("[source entra]\n", "[source entra]\nlogin_url = %s\n"
                                  "graph_url = %s\npage_size = 4\nretries = 2\n"
                                  % (graph.login_url, graph.graph_url))
        with open(os.path.join(confd, "30-entra-source.ini"), "w", encoding="utf-8") as f:
            f.write(example)
        ini = os.path.join(work, "scimsync.ini")
        with open(ini, "w") as f:
            f.write("[engine]\n")
            for k, v in scimlib.NO_LIMITS.items():
                f.write("%s = %s\n" % (k, v))
            f.write("\n[target idc]\nplugin = scim\nurl = %s\ntoken = env:SCIMSYNC_TEST_TOKEN\n"
                    "profile = identity-center\nrate_limit = 0\nread_rate = 0\n"
                    "write_rate = 0\nmember_op_rate = 0\n" % scim.url)
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=args.plugins, ENTRA_CLIENT_SECRET=SECRET,
                   SCIMSYNC_TEST_TOKEN=scimlib.TOKEN)

        def run(*cmd):
            p = subprocess.run([args.scimsync, "-v", "-c", ini, "--conf-dir", confd, *cmd],
                               env=env, capture_output=True, text=True, timeout=240)
            out = p.stdout + p.stderr
            if SECRET in out or scimlib.TOKEN in out or "graph-tok-" in out:
                raise AssertionError("a secret or token appeared in the output")
            return p

        p = run("validate")
        check("the example validates once filled in", p.returncode == 0, p)

        p = run("sync")
        st = scim.state()
        users = {u["externalId"]: u for u in st["users"]}
        by_tid = {u["id"]: u["externalId"] for u in st["users"]}
        groups = {g["displayName"]: {by_tid.get(m) for m in g.get("members", [])}
                  for g in st["groups"]}
        names = ["alice", "bob", "zoe", "dave", "jose", "cloudy", "carl"] + \
            ["dev%02d" % i for i in range(1, 8)]
        want_groups = {
            "aws-admins": {oid(n) for n in ("alice", "bob", "zoe")},
            "aws-developers": {oid(n) for n in ["dave", "carl", "cloudy"] +
                               ["dev%02d" % i for i in range(1, 8)]},
        }
        check("first sync: exactly the users", p.returncode == 0 and
              set(users) == {oid(n) for n in names}, p, sorted(users))
        check("first sync: the aws-* groups with flattened members (nesting, cycle)",
              groups == want_groups, p, repr(groups))
        zoe, dave, bob = users.get(oid("zoe"), {}), users.get(oid("dave"), {}), \
            users.get(oid("bob"), {})
        ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        alice_tid = users.get(oid("alice"), {}).get("id")
        check("attributes: non-ASCII names, inactive disabled user, manager",
              zoe.get("name", {}).get("familyName") == "Ångström"
              and zoe.get("userName") == "zoe@example.com"
              and dave.get("active") is False and zoe.get("active") is True
              and bob.get(ent, {}).get("manager", {}).get("value") == alice_tid
              and bob.get(ent, {}).get("employeeNumber") == "E-bob", p, repr(bob))

        scim.clear_log()
        p = run("sync")
        check("second sync: no writes", p.returncode == 0 and
              not scimlib.writes(scim.log()), p, repr(scimlib.writes(scim.log())[:3]))

        graph.mutate(op="update_user", id=oid("jose"), props={"jobTitle": "Chief Fun Officer"})
        graph.config(fail_path="/v1.0/users")
        scim.clear_log()
        p = run("sync")
        graph.config(fail_path="")
        check("a failure in the middle of paging: exit 2, nothing applied",
              p.returncode == 2 and not scimlib.writes(scim.log()) and
              "reading users failed after 1 page" in p.stderr, p)

        graph.config(throttle_every=4)
        scim.clear_log()
        p = run("sync")
        graph.config(throttle_every=0)
        w = scimlib.writes(scim.log())
        check("throttled Graph (429 Retry-After): the one change applied",
              p.returncode == 0 and len(w) == 1 and "HTTP 429" in p.stderr and
              scim.users_by_ext()[oid("jose")].get("title") == "Chief Fun Officer", p, repr(w))

        # sync --user / --group keep the scope: group_name_pattern, users_from_group
        p = run("sync", "--group", "marketing")
        check("sync --group outside group_name_pattern: exit 1, nothing created",
              p.returncode == 1 and
              "marketing" not in {g["displayName"] for g in scim.state()["groups"]}, p)
        graph.mutate(op="add_user", user={
            "id": oid("outsider"), "userPrincipalName": "outsider@example.com",
            "givenName": "Out", "surname": "Sider", "displayName": "Out Sider",
            "mail": "outsider@example.com", "accountEnabled": True,
            "onPremisesImmutableId": None})
        graph.mutate(op="add_member", group=oid("g:aws-admins"), kind="user",
                     id=oid("outsider"))
        with open(os.path.join(confd, "30-entra-source.ini"), "w", encoding="utf-8") as f:
            f.write(example.replace("[source entra]\n",
                                    "[source entra]\nusers_from_group = contractors\n"))
        p = run("sync", "--user", "outsider@example.com")
        check("sync --user outside users_from_group: not returned, exit 1, not created",
              p.returncode == 1 and "no such user in the sources" in p.stderr
              and oid("outsider") not in scim.users_by_ext(), p)
        graph.clear_log()
        p = run("sync", "--user", "carl@example.com")
        check("sync --user inside users_from_group: exit 0, no user listing",
              p.returncode == 0 and not any(e["path"] == "/v1.0/users" and
                                            "$filter" not in e["query"]
                                            for e in entralib.gets(graph.log())), p)
    finally:
        graph.stop()
        scim.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("%d failure%s" % (failures, "" if failures == 1 else "s"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
