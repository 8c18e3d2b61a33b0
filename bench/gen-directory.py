#!/usr/bin/env python3
"""Write a synthetic directory as users.csv and groups.csv (the CSV source
plugin's default columns), for benchmarks and large manual tests.

    gen-directory.py --users 100000 --groups 10000 --members 1000000 --out DIR

users.csv: id,userName,givenName,familyName,displayName,email,title,
           department,employeeNumber,manager,active
groups.csv: id,displayName,members   (members: ';'-separated user/group ids)

Deterministic for a given --seed.  --nested N makes every Nth group also
list the next group as a member (nested groups); 0 disables it.
"""
import argparse
import csv
import os
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--members", type=int, default=10000,
                    help="total direct user memberships, spread evenly over the groups")
    ap.add_argument("--nested", type=int, default=0,
                    help="every Nth group also contains the next group (0: no nesting)")
    ap.add_argument("--inactive-every", type=int, default=0,
                    help="every Nth user has active=false (0: all active)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--domain", default="example.test")
    ap.add_argument("--out", required=True, help="directory to write users.csv and groups.csv to")
    args = ap.parse_args()
    if args.users < 1 or args.groups < 0 or args.members < 0:
        ap.error("--users must be >= 1, --groups and --members >= 0")

    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    users_path = os.path.join(args.out, "users.csv")
    groups_path = os.path.join(args.out, "groups.csv")

    with open(users_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "userName", "givenName", "familyName", "displayName", "email",
                    "title", "department", "employeeNumber", "manager", "active"])
        for i in range(args.users):
            given = "Given%d" % i
            family = "Family%d" % i
            mail = "user%d@%s" % (i, args.domain)
            manager = "u%d" % (i // 10) if i else ""
            active = "false" if args.inactive_every and i % args.inactive_every == 0 else "true"
            w.writerow(["u%d" % i, mail, given, family, "%s %s" % (given, family), mail,
                        "Title %d" % (i % 50), "Dept %d" % (i % 100), "%06d" % i, manager,
                        active])

    per_group = args.members // args.groups if args.groups else 0
    extra = args.members - per_group * args.groups if args.groups else 0
    with open(groups_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "displayName", "members"])
        for g in range(args.groups):
            n = min(args.users, per_group + (1 if g < extra else 0))
            members = ["u%d" % u for u in sorted(rng.sample(range(args.users), n))]
            if args.nested and g % args.nested == 0 and g + 1 < args.groups:
                members.append("g%d" % (g + 1))
            w.writerow(["g%d" % g, "group-%d" % g, ";".join(members)])

    print("wrote %s (%d users) and %s (%d groups, %d memberships)"
          % (users_path, args.users, groups_path, args.groups,
             min(args.users, per_group) * args.groups + extra), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
