#!/usr/bin/env python3
"""Checks what the ldap source streamed (ldap_dump output, one JSON entry a
line) against the expectation gen_seed.py wrote.

    check_dump.py DUMP EXPECT ad|openldap [--id objectGUID|objectSid|entryUUID]

Flattens nested groups the way the engine does (helpers included, cycles
tolerated) and compares users, their attributes, groups and memberships.
Prints every difference; exit 1 when there is one.
"""
import json
import re
import sys

ID_FORMATS = {
    "objectGUID": r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    "entryUUID": r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    "objectSid": r"^S-1-5-21(-\d+){4}$",
}


def first(attrs, name):
    v = attrs.get(name)
    return v[0] if v else None


def main():
    dump, expect_file, dialect = sys.argv[1:4]
    id_attr = sys.argv[sys.argv.index("--id") + 1] if "--id" in sys.argv else (
        "objectGUID" if dialect == "ad" else "entryUUID")
    expect = json.load(open(expect_file, encoding="utf-8"))
    entries = [json.loads(line) for line in open(dump, encoding="utf-8") if line.strip()]
    errors = []
    seen_ids = set()
    users, groups, helpers = {}, {}, {}
    by_ref = {}
    for e in entries:
        if e["id"] in seen_ids:
            errors.append("duplicate id %s (%s)" % (e["id"], e["where"]))
        seen_ids.add(e["id"])
        if not re.match(ID_FORMATS.get(id_attr, ".+"), e["id"]):
            errors.append("%s: id %r is not a %s" % (e["where"], e["id"], id_attr))
        by_ref[e["ref"]] = e
        if e["kind"] == "user":
            users[first(e["attrs"], "loginName")] = e
        elif e["helper"]:
            helpers[first(e["attrs"], "cn")] = e
        else:
            groups[first(e["attrs"], "cn")] = e

    if set(users) != set(expect["users"]):
        missing = sorted(set(expect["users"]) - set(users))
        extra = sorted(set(users) - set(expect["users"]))
        errors.append("users differ: missing %s... extra %s..." % (missing[:5], extra[:5]))
    for login in expect["not_users"]:
        if login in users:
            errors.append("%s is outside the scope but was read" % login)
    id_to_login = {e["id"]: login for login, e in users.items()}
    for login, want in expect["users"].items():
        e = users.get(login)
        if not e:
            continue
        a = e["attrs"]
        if first(a, "active") != ("true" if want["active"] else "false"):
            errors.append("%s: active=%s, want %s" % (login, first(a, "active"), want["active"]))
        for name in ("givenName", "sn", "displayName"):
            if first(a, name) != want[name]:
                errors.append("%s: %s=%r, want %r" % (login, name, first(a, name), want[name]))
        mgr = id_to_login.get(first(a, "managerId"))
        if mgr != want["manager"]:
            errors.append("%s: manager %r, want %r" % (login, mgr, want["manager"]))
        if first(a, id_attr) != e["id"]:
            errors.append("%s: id %s is not its %s" % (login, e["id"], id_attr))

    def flatten(ref, seen):
        if ref in seen:
            return set()
        seen.add(ref)
        e = by_ref.get(ref)
        if e is None:
            errors.append("member ref %s names nothing that was read" % ref)
            return set()
        if e["kind"] == "user":
            return {first(e["attrs"], "loginName")}
        out = set()
        for m in e["members"]:
            out |= flatten(m, seen)
        return out

    if set(groups) != set(expect["groups"]):
        errors.append("groups differ: got %s, want %s" % (sorted(groups), sorted(expect["groups"])))
    for name, want in expect["groups"].items():
        if name in groups:
            got = sorted(flatten(groups[name]["ref"], set()))
            if got != want:
                errors.append("group %s: %d members, want %d; missing %s extra %s" % (
                    name, len(got), len(want), sorted(set(want) - set(got))[:5],
                    sorted(set(got) - set(want))[:5]))
    if sorted(helpers) != sorted(expect["helpers"]):
        errors.append("helper groups: got %s, want %s" % (sorted(helpers), expect["helpers"]))

    for err in errors[:50]:
        print("check: " + err)
    print("check: %d users, %d groups, %d helpers, %d problems" % (
        len(users), len(groups), len(helpers), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
