#!/usr/bin/env python3
"""The entra source plugin through a test host (entra_dump) against the Graph emulator:
what a full read streams (nested groups as member refs, the disabled user, non-ASCII
names, managers), the $select it asks for, client secret and certificate credentials,
throttling, failures in the middle of paging, a nextLink to another host, filters and
$search, users_from_group, onPremisesImmutableId, and delta queries with the state
store services (a second run reads only the changes and streams the same directory as
a full read; an expired token falls back to a full read; a failed delta read keeps the
old state).

Usage: test_entra_source.py --dump ENTRA_DUMP --plugin entra.so
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import entralib  # noqa: E402
from entralib import SECRET, oid  # noqa: E402

failures = 0


def check(name, cond, detail=""):
    global failures
    if cond:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL %s\n%s" % (name, detail))


def dump(args, graph, extra=None, state=None, secret=True):
    kv = graph.keys()
    if secret:
        kv["client_secret"] = "env:GRAPH_TEST_SECRET"
    kv.update(extra or {})
    cmd = [args.dump] + (["--state", state] if state else []) + [args.plugin] + \
        ["%s=%s" % (k, v) for k, v in kv.items()]
    env = dict(os.environ, GRAPH_TEST_SECRET=SECRET, ENTRA_DUMP_DEBUG="1")
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    if SECRET in p.stdout or SECRET in p.stderr or "graph-tok-" in p.stdout + p.stderr:
        raise AssertionError("a secret or token appeared in the output")
    p.entries = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return p


def by_id(entries):
    return {e["id"]: e for e in entries}


def users_of(p):
    return {e["id"]: e for e in p.entries if e["kind"] == "user"}


def groups_of(p):
    return {e["id"]: e for e in p.entries if e["kind"] == "group"}


ALL_USERS = ["alice", "bob", "zoe", "dave", "jose", "cloudy", "carl"] + \
    ["dev%02d" % i for i in range(1, 8)]
PATTERN = {"group_name_pattern": "aws-*", "page_size": "4"}


def expected_groups():
    return {
        oid("g:aws-admins"): (False, {oid("alice"), oid("g:ops-team")}),
        oid("g:ops-team"): (True, {oid("bob"), oid("zoe"), oid("g:aws-admins")}),
        oid("g:aws-developers"): (False, {oid("dave"), oid("g:contractors")}
                                  | {oid("dev%02d" % i) for i in range(1, 8)}),
        oid("g:contractors"): (True, {oid("carl"), oid("cloudy")}),
    }


def test_full(args, graph):
    graph.clear_log()
    p = dump(args, graph, PATTERN)
    users, groups = users_of(p), groups_of(p)
    check("full read: every user, exit 0", p.returncode == 0
          and set(users) == {oid(u) for u in ALL_USERS}, p.stderr)
    got = {g: (e["helper"], set(e["members"])) for g, e in groups.items()}
    check("nested groups: synced aws-* groups, helpers for the nesting, device ignored",
          got == expected_groups(), json.dumps({k: [v[0], sorted(v[1])] for k, v in got.items()}))
    z, d, b = users.get(oid("zoe"), {}), users.get(oid("dave"), {}), users.get(oid("bob"), {})
    check("non-ASCII names, disabled user, manager id",
          z.get("attrs", {}).get("surname") == ["Ångström"]
          and z["attrs"].get("givenName") == ["Zoë"]
          and d.get("attrs", {}).get("accountEnabled") == ["false"]
          and b.get("attrs", {}).get("managerId") == [oid("alice")], json.dumps(z))
    log = entralib.gets(graph.log())
    u = [e for e in log if e["path"] == "/v1.0/users"]
    check("users: \\$select the mapped properties, manager expanded, \\$top, paged",
          len(u) == 4 and u[0]["query"].get("$select") ==
          "id,userPrincipalName,givenName,surname,displayName,mail,jobTitle,department,"
          "companyName,employeeId,accountEnabled"
          and u[0]["query"].get("$expand") == "manager($select=id)"
          and u[0]["query"].get("$top") == "4", json.dumps(u[:1]))
    members = [e["path"] for e in log if e["path"].endswith("/members")]
    check("members read for the synced groups and the nested ones only",
          sorted(set(members)) == sorted("/v1.0/groups/%s/members" % g
                                         for g in expected_groups()), "\n".join(members))
    return p


def test_failures(args, graph, full):
    p = dump(args, graph, PATTERN, secret=False)
    check("no credentials: refused at create", p.returncode == 1 and
          "client_secret" in p.stderr, p.stderr)
    env_bad = dict(PATTERN, client_secret="env:NO_SUCH_SECRET_VAR")
    p = dump(args, graph, env_bad, secret=False)
    check("unresolvable secret reference refused", p.returncode != 0, p.stderr)

    os.environ["WRONG_SECRET"] = "wrong-secret-value-0000"
    p = dump(args, graph, dict(PATTERN, client_secret="env:WRONG_SECRET"), secret=False)
    check("wrong client secret: exit 2, the refusal named",
          p.returncode == 2 and "refused the client credentials" in p.stderr
          and "AADSTS7000215" in p.stderr and not p.entries, p.stderr)

    graph.clear_log()
    graph.config(throttle_every=3)
    p = dump(args, graph, PATTERN)
    graph.config(throttle_every=0)
    throttled = [e for e in graph.log() if e["status"] == 429]
    check("throttled (429 Retry-After): retried, same directory",
          p.returncode == 0 and len(throttled) >= 3 and
          sorted(map(json.dumps, p.entries)) == sorted(map(json.dumps, full.entries))
          and "HTTP 429; retry" in p.stderr, p.stderr[-2000:])

    graph.config(fail_path="/v1.0/users")
    p = dump(args, graph, dict(PATTERN, retries="2"))
    graph.config(fail_path="")
    check("500 on the second users page: exit 2, nothing streamed",
          p.returncode == 2 and not p.entries and "reading users failed after 1 page" in
          p.stderr and "giving up" in p.stderr, p.stderr[-2000:])

    graph.config(foreign_next_link=True)
    p = dump(args, graph, PATTERN)
    graph.config(foreign_next_link=False)
    check("a nextLink to another host is refused",
          p.returncode == 2 and "leaves graph_url" in p.stderr and not p.entries, p.stderr)


def test_scopes(args, graph):
    graph.clear_log()
    p = dump(args, graph, {"user_filter": "accountEnabled eq true"})
    check("user_filter: the disabled user is out, members too",
          p.returncode == 0 and oid("dave") not in users_of(p) and len(users_of(p)) == 13
          and oid("dave") not in groups_of(p)[oid("g:aws-developers")]["members"], p.stderr)
    log = entralib.gets(graph.log())
    check("a plain \\$filter: no advanced query mode",
          all(e["consistency"] is None for e in log), json.dumps(log[:2]))

    graph.clear_log()
    p = dump(args, graph, {"user_search": "\"displayName:dev\"", "group_filter":
                           "endswith(displayName,'-developers')"})
    log = entralib.gets(graph.log())
    us = [e for e in log if e["path"] == "/v1.0/users"]
    gs = [e for e in log if e["path"] == "/v1.0/groups"]
    check("\\$search and endswith: ConsistencyLevel eventual and \\$count=true",
          p.returncode == 0 and set(users_of(p)) == {oid("dev%02d" % i) for i in range(1, 8)}
          and us[0]["consistency"] == "eventual" and us[0]["query"].get("$count") == "true"
          and gs[0]["consistency"] == "eventual"
          and set(groups_of(p)) == {oid("g:aws-developers"), oid("g:contractors")},
          p.stderr + json.dumps(log[:3]))

    graph.clear_log()
    p = dump(args, graph, {"users_from_group": "aws-developers", "group_name_pattern": "aws-*"})
    want = {oid("dave"), oid("carl"), oid("cloudy")} | {oid("dev%02d" % i) for i in range(1, 8)}
    paths = {e["path"] for e in entralib.gets(graph.log())}
    check("users_from_group by name: transitive members through transitiveMembers",
          p.returncode == 0 and set(users_of(p)) == want and
          "/v1.0/groups/%s/transitiveMembers/microsoft.graph.user" % oid("g:aws-developers")
          in paths and "/v1.0/users" not in paths, p.stderr)
    adm = groups_of(p).get(oid("g:aws-admins"), {})
    check("users_from_group: member refs to users out of scope dropped",
          set(adm.get("members", [])) == {oid("g:ops-team")}, json.dumps(adm))

    p = dump(args, graph, {"user_filter": "accountEnabled gt 1"})
    check("a filter Graph refuses: exit 2, its error code, not retried, no permission hint",
          p.returncode == 2 and "HTTP 400 (Request_UnsupportedQuery" in p.stderr
          and "retry" not in p.stderr and "permission" not in p.stderr, p.stderr)

    p = dump(args, graph, {"users_from_group": "no-such-group"})
    check("users_from_group naming no group: exit 2 naming the key",
          p.returncode == 2 and "users_from_group: 0 groups" in p.stderr, p.stderr)

    p = dump(args, graph, {"external_id": "onPremisesImmutableId", "group_name_pattern": "aws-*"})
    users = users_of(p)
    bob = next((u for u in users.values() if u["ref"] == oid("bob")), {})
    alice = next((u for u in users.values() if u["ref"] == oid("alice")), {})
    contractors = groups_of(p).get(oid("g:contractors"), {})
    check("external_id = onPremisesImmutableId: ids from it, refs the object ids, manager too",
          p.returncode == 0 and len(users) == 13 and bob and alice
          and bob["id"] != oid("bob") and bob["attrs"].get("managerId") == [alice["id"]]
          and "has no onPremisesImmutableId" in p.stderr
          and contractors.get("members") == [oid("carl")], p.stderr)


def test_certificate(args, graph_cls, work):
    def mkcert(name):
        key, crt = os.path.join(work, name + ".key"), os.path.join(work, name + ".crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", crt, "-days", "2", "-subj", "/CN=scimsync-" + name],
                       check=True, capture_output=True)
        return key, crt
    key, crt = mkcert("app")
    key2, crt2 = mkcert("other")
    g = graph_cls(work, "--cert", crt)
    try:
        base = {"certificate": "file:" + crt, "private_key": "file:" + key,
                "group_name_pattern": "aws-*"}
        for tp in ("sha1", "sha256"):
            g.clear_log()
            p = dump(args, g, dict(base, thumbprint=tp), secret=False)
            posts = [e for e in g.log() if e["method"] == "POST"]
            check("certificate (%s thumbprint): the assertion verifies, full read" % tp,
                  p.returncode == 0 and len(users_of(p)) == 14 and posts
                  and posts[0]["auth"] == "assertion" and posts[0]["status"] == 200, p.stderr)
        p = dump(args, g, dict(base, private_key="file:" + key2), secret=False)
        check("a key that is not the certificate's: exit 2, said so",
              p.returncode == 2 and "does not belong to the certificate" in p.stderr, p.stderr)
        p = dump(args, g, dict(base, certificate="file:" + crt2, private_key="file:" + key2),
                 secret=False)
        check("an unregistered certificate: refused by the token endpoint",
              p.returncode == 2 and "thumbprint not registered" in p.stderr, p.stderr)
        with open(key) as f:
            pem = f.read()
        check("the private key never reaches the output",
              pem.splitlines()[1] not in p.stdout + p.stderr)
    finally:
        g.stop()


def test_delta(args, graph, work):
    state = os.path.join(work, "state.json")
    graph.clear_log()
    p1 = dump(args, graph, PATTERN, state=state)
    log = entralib.gets(graph.log())
    check("delta, first run: an initial delta round, the same directory as a full read",
          p1.returncode == 0 and os.path.exists(state)
          and {e["path"] for e in log} == {"/v1.0/users/delta", "/v1.0/groups/delta"}
          and len(users_of(p1)) == 14, p1.stderr)
    u0 = [e for e in log if e["path"] == "/v1.0/users/delta"][0]
    check("delta \\$select: the mapped properties plus manager",
          u0["query"].get("$select", "").endswith(",accountEnabled,manager"), json.dumps(u0))

    graph.mutate(op="update_user", id=oid("zoe"), props={"jobTitle": "Design Lead"})
    graph.mutate(op="add_member", group=oid("g:aws-admins"), kind="user", id=oid("jose"))
    graph.mutate(op="remove_member", group=oid("g:contractors"), kind="user", id=oid("cloudy"))
    graph.mutate(op="delete_user", id=oid("dev07"))
    graph.clear_log()
    p2 = dump(args, graph, PATTERN, state=state)
    log = entralib.gets(graph.log())
    full = dump(args, graph, PATTERN)
    check("delta, after changes: only the two deltaLinks are read",
          p2.returncode == 0 and len(log) == 2
          and all("$deltatoken" in e["query"] for e in log), json.dumps(log))
    check("delta, after changes: the same entries as a full read",
          sorted(map(json.dumps, p2.entries)) == sorted(map(json.dumps, full.entries))
          and users_of(p2)[oid("zoe")]["attrs"]["jobTitle"] == ["Design Lead"]
          and oid("dev07") not in users_of(p2)
          and oid("jose") in groups_of(p2)[oid("g:aws-admins")]["members"]
          and oid("cloudy") not in groups_of(p2)[oid("g:contractors")]["members"],
          p2.stderr)

    before = open(state).read()
    graph.mutate(op="update_user", id=oid("bob"), props={"jobTitle": "Staff"})
    graph.config(fail_path="/v1.0/users/delta")
    p = dump(args, graph, dict(PATTERN, retries="2"), state=state)
    graph.config(fail_path="")
    check("delta read failing: exit 2, nothing streamed, the state kept",
          p.returncode == 2 and not p.entries and open(state).read() == before, p.stderr)

    graph.config(expire_deltas=True)
    graph.clear_log()
    p3 = dump(args, graph, PATTERN, state=state)
    graph.config(expire_deltas=False)
    log = entralib.gets(graph.log())
    full = dump(args, graph, PATTERN)
    check("expired delta token (410): a full read, same entries",
          p3.returncode == 0 and "delta token expired" in p3.stderr
          and any("$deltatoken" not in e["query"] and "$skiptoken" not in e["query"]
                  for e in log)
          and sorted(map(json.dumps, p3.entries)) == sorted(map(json.dumps, full.entries))
          and users_of(p3)[oid("bob")]["attrs"]["jobTitle"] == ["Staff"], p3.stderr)

    graph.clear_log()
    p = dump(args, graph, PATTERN, state=state)
    check("no change: two requests, nothing else",
          p.returncode == 0 and len(entralib.gets(graph.log())) == 2, p.stderr)

    time.sleep(1.1)
    graph.clear_log()
    p = dump(args, graph, dict(PATTERN, full_reconcile_interval="1"), state=state)
    log = entralib.gets(graph.log())
    check("full_reconcile_interval passed: a full delta round",
          p.returncode == 0 and "full read" in p.stderr
          and all("$deltatoken" not in e["query"] for e in log), p.stderr)

    graph.clear_log()
    p = dump(args, graph, dict(PATTERN, extra_attributes="officeLocation"), state=state)
    check("attributes changed: a full read, the new property there",
          p.returncode == 0 and "attributes read changed" in p.stderr and
          users_of(p)[oid("alice")]["attrs"].get("officeLocation") == ["HQ"], p.stderr)

    p = dump(args, graph, dict(PATTERN, user_filter="accountEnabled eq true"), state=state)
    check("a filter turns delta off (said once)", p.returncode == 0 and
          "take no $filter" in p.stderr and oid("dave") not in users_of(p), p.stderr)

    p = dump(args, graph, dict(PATTERN, users_from_group=oid("g:aws-developers")), state=state)
    want = {oid("dave"), oid("carl")} | {oid("dev%02d" % i) for i in range(1, 7)}
    check("delta + users_from_group: transitive users from the model",
          p.returncode == 0 and set(users_of(p)) == want, p.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--plugin", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="scimsync-entra-")
    graph = entralib.Graph(work)
    try:
        full = test_full(args, graph)
        test_failures(args, graph, full)
        test_scopes(args, graph)
        test_certificate(args, entralib.Graph, work)
        test_delta(args, graph, work)
    finally:
        graph.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("%d failure%s" % (failures, "" if failures == 1 else "s"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
