#!/usr/bin/env python3
"""Entra ID delta through the scimsync binary with a state store ([engine] state =
file:...): the first sync reads the directory through delta queries; a second sync
without changes reads only the two deltaLinks and writes nothing; after one change in
Entra ID the next sync reads only the deltaLinks and sends exactly that one update; an
expired delta token (410) means a full read and still no writes.  Skipped (exit 77)
when the host has no state store.

Usage: test_entra_state.py --scimsync BIN --plugins DIR --conf-d DIR
"""
import argparse
import json
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


def plugin_state(path):
    """The entra plugin's saved state (its delta links) in the state file."""

    def find(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "graph":
                    return v
                r = find(v)
                if r is not None:
                    return r
        elif isinstance(o, list):
            for v in o:
                r = find(v)
                if r is not None:
                    return r
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return find(json.loads(f.readline()))  # the header line holds "plugins"
    except (OSError, ValueError):
        return None


def group_members(scim, name):
    st = scim.state()
    ext = {u["id"]: u.get("externalId") for u in st["users"]}
    return sorted(ext[m] for g in st["groups"] if g["displayName"] == name
                  for m in g.get("members", []))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--conf-d", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="scimsync-entra-state-")
    graph = scim = None
    try:
        confd = os.path.join(work, "conf.d")
        os.mkdir(confd)
        ini = os.path.join(work, "scimsync.ini")
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=args.plugins, ENTRA_CLIENT_SECRET=SECRET,
                   SCIMSYNC_TEST_TOKEN=scimlib.TOKEN)

        def run(*cmd):
            p = subprocess.run([args.scimsync, "-v", "-c", ini, "--conf-dir", confd, *cmd],
                               env=env, capture_output=True, text=True, timeout=240)
            out = p.stdout + p.stderr
            if SECRET in out or scimlib.TOKEN in out or "graph-tok-" in out:
                raise AssertionError("a secret or token appeared in the output")
            return p

        graph = entralib.Graph(work)
        scim = scimlib.Emulator(work)
        with open(os.path.join(args.conf_d, "30-entra-source.ini.example"),
                  encoding="utf-8") as f:
            example = f.read()
        zero = "00000000-0000-0000-0000-000000000000"
        example = example.replace("tenant_id = " + zero, "tenant_id = " + entralib.TENANT)
        example = example.replace("client_id = " + zero, "client_id = " + entralib.CLIENT_ID)
        example = example.replace("client_secret = file:/etc/scimsync/entra-client-secret",
                                  "client_secret = env:ENTRA_CLIENT_SECRET")
        example = example.replace("[source entra]\n", "[source entra]\nlogin_url = %s\n"
                                  "graph_url = %s\n" % (graph.login_url, graph.graph_url))
        with open(os.path.join(confd, "30-entra-source.ini"), "w", encoding="utf-8") as f:
            f.write(example)
        with open(ini, "w") as f:
            f.write("[engine]\nstate = file:%s\n" % os.path.join(work, "state.json"))
            for k, v in scimlib.NO_LIMITS.items():
                f.write("%s = %s\n" % (k, v))
            f.write("\n[target idc]\nplugin = scim\nurl = %s\ntoken = env:SCIMSYNC_TEST_TOKEN\n"
                    "profile = identity-center\nrate_limit = 0\nread_rate = 0\n"
                    "write_rate = 0\nmember_op_rate = 0\n" % scim.url)

        # A host without a state store refuses the key: nothing to test here.
        p = run("validate")
        if p.returncode != 0 and "state" in p.stderr:
            print("skipped: this scimsync has no state store ([engine] state)\n" + p.stderr)
            return 77
        check("the configuration with a state store validates", p.returncode == 0, p)

        graph.clear_log()
        p = run("sync")
        gets = entralib.gets(graph.log())
        check("first sync: every user, through an initial delta round",
              p.returncode == 0 and len(scim.state()["users"]) == 14 and
              {e["path"] for e in gets} == {"/v1.0/users/delta", "/v1.0/groups/delta"}, p)

        graph.clear_log()
        scim.clear_log()
        p = run("sync")
        gets = entralib.gets(graph.log())
        check("second sync, nothing changed: two delta requests, no writes",
              p.returncode == 0 and len(gets) == 2 and
              all("$deltatoken" in e["query"] for e in gets) and
              not scimlib.writes(scim.log()), p, repr(gets))

        graph.mutate(op="update_user", id=oid("jose"), props={"jobTitle": "Chief Fun Officer"})
        graph.clear_log()
        scim.clear_log()
        p = run("sync")
        gets = entralib.gets(graph.log())
        w = scimlib.writes(scim.log())
        check("after one change: only the deltaLinks read, exactly that update sent",
              p.returncode == 0 and len(gets) == 2 and
              all("$deltatoken" in e["query"] for e in gets) and len(w) == 1 and
              scim.users_by_ext()[oid("jose")].get("title") == "Chief Fun Officer", p,
              repr(gets) + repr(w))

        graph.config(expire_deltas=True)
        scim.clear_log()
        p = run("sync")
        graph.config(expire_deltas=False)
        check("expired delta token: a full read, no writes",
              p.returncode == 0 and "delta token expired" in p.stderr and
              not scimlib.writes(scim.log()), p)

        # sync --user / --group: lookups only, and the delta state left as it was
        state_file = os.path.join(work, "state.json")
        before = plugin_state(state_file)
        newbie = {"id": oid("newbie"), "userPrincipalName": "newbie@example.com",
                  "givenName": "New", "surname": "Bie", "displayName": "New Bie",
                  "mail": "newbie@example.com", "jobTitle": "Engineer", "accountEnabled": True,
                  "onPremisesImmutableId": None}
        graph.mutate(op="add_user", user=newbie)
        graph.mutate(op="add_member", group=oid("g:ops-team"), kind="user", id=oid("newbie"))
        graph.clear_log()
        p = run("sync", "--user", "newbie@example.com")
        gets = entralib.gets(graph.log())
        paths = {e["path"] for e in gets}
        users = scim.users_by_ext()
        check("sync --user: exit 0, the user created", p.returncode == 0 and
              users.get(oid("newbie"), {}).get("userName") == "newbie@example.com", p)
        check("sync --user: in aws-admins through the nested ops-team",
              oid("newbie") in group_members(scim, "aws-admins"), p,
              repr(group_members(scim, "aws-admins")))
        check("sync --user: a userPrincipalName filter and transitiveMemberOf, no listing, "
              "no delta",
              paths == {"/v1.0/users",
                        "/v1.0/users/%s/transitiveMemberOf/microsoft.graph.group" % oid("newbie")}
              and all(e["query"].get("$filter") == "userPrincipalName eq 'newbie@example.com'"
                      for e in gets if e["path"] == "/v1.0/users"), p, repr(gets))
        check("sync --user: the delta state untouched", plugin_state(state_file) == before
              and before is not None, p)
        graph.mutate(op="add_member", group=oid("g:aws-developers"), kind="user",
                     id=oid("newbie"))
        graph.clear_log()
        p = run("sync", "--group", "aws-developers")
        gets = entralib.gets(graph.log())
        check("sync --group: exit 0, the new member added", p.returncode == 0 and
              oid("newbie") in group_members(scim, "aws-developers"), p)
        check("sync --group: a displayName filter and transitiveMembers, no listing",
              {e["path"] for e in gets} ==
              {"/v1.0/groups", "/v1.0/groups/%s/transitiveMembers/microsoft.graph.user"
               % oid("g:aws-developers")}
              and all(e["query"].get("$filter") == "displayName eq 'aws-developers'"
                      for e in gets if e["path"] == "/v1.0/groups"), p, repr(gets))
        check("sync --group: the delta state untouched", plugin_state(state_file) == before, p)
        p = run("sync", "--user", "o'nobody@example.com")
        gets = entralib.gets(graph.log())
        check("sync --user unknown: exit 1, named, the quote doubled in the filter",
              p.returncode == 1 and "o'nobody@example.com" in p.stderr and
              any(e["query"].get("$filter") == "userPrincipalName eq 'o''nobody@example.com'"
                  for e in gets), p)
        p = run("sync", "--group", "aws-nothing")
        check("sync --group unknown: exit 1", p.returncode == 1, p)
    finally:
        if graph:
            graph.stop()
        if scim:
            scim.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("%d failure%s" % (failures, "" if failures == 1 else "s"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
