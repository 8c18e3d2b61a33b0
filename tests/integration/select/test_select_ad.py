#!/usr/bin/env python3
"""sync --user / --group with the LDAP source against a Samba AD DC
(tests/fixtures/ldap/ad-start.sh: fixed ports 389/636, one DC at a time;
run under `flock /tmp/scimsync-samba.lock` outside ctest) and the Identity
Center emulator.  After a full sync, a narrowed run of an unchanged user or
group sends no write; a membership changed in AD is applied by
`--group` (memberOf with the in-chain rule) and by `--user` (member
searches walking up through the helper groups).

Usage: test_select_ad.py --scimsync BIN --plugins DIR --fixtures DIR
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import NO_LIMITS, TOKEN, Emulator, writes  # noqa: E402

failures = 0


def check(name, cond, p=None, extra=""):
    global failures
    if cond:
        print("ok   " + name)
        return
    failures += 1
    print("FAIL " + name + (" " + extra if extra else ""))
    if p is not None:
        print("exit %d\n--- stdout\n%s\n--- stderr\n%s" % (p.returncode, p.stdout[-3000:],
                                                          p.stderr[-5000:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--fixtures", required=True)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="ss_select_ad_it.")
    srv = os.path.join(d, "ad")
    emu = None
    try:
        subprocess.run(["sh", os.path.join(args.fixtures, "ad-start.sh"), srv], check=True)
        subprocess.run(["sh", os.path.join(args.fixtures, "ad-seed.sh"), srv], check=True)
        env = {}
        for line in open(os.path.join(srv, "env")).read().splitlines():
            if "=" in line:  # KEY=value or KEY='value' (a shell file)
                k, v = line.split("=", 1)
                env[k] = v[1:-1] if len(v) >= 2 and v[0] == v[-1] == "'" else v
        emu = Emulator(d)
        cases(args, d, env, emu)
    finally:
        if emu:
            emu.stop()
        subprocess.run(["sh", os.path.join(args.fixtures, "ad-stop.sh"), srv])
        if failures == 0:
            shutil.rmtree(d, ignore_errors=True)
        else:
            print("workspace kept: " + d)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


def cases(args, d, env, emu):
    groups = "OU=Groups,OU=scimsync," + env["AD_BASE"]
    ini = os.path.join(d, "scimsync.ini")
    with open(ini, "w") as f:
        f.write("[engine]\n")
        for k, v in NO_LIMITS.items():
            f.write("%s = %s\n" % (k, v))
        f.write("\n[source ad]\nplugin = ldap\nuri = %s\nbind_dn = %s\n"
                "bind_password = env:AD_PASSWORD\nca_file = %s\ngroup_name_pattern = aws-*\n"
                "group_base_dn = %s\n" % (env["AD_URI"], env["AD_BIND_DN"], env["AD_CA"], groups))
        f.write("\n[target idc]\nplugin = scim\nurl = %s\ntoken = env:SCIMSYNC_TEST_TOKEN\n"
                "profile = identity-center\nrate_limit = 0\nread_rate = 0\nwrite_rate = 0\n"
                "member_op_rate = 0\nmax_connections = 8\n" % emu.url)
    empty = os.path.join(d, "conf.d-empty")
    os.makedirs(empty, exist_ok=True)

    def run(*cmd):
        e = dict(os.environ, SCIMSYNC_PLUGIN_PATH=args.plugins, SCIMSYNC_TEST_TOKEN=TOKEN,
                 AD_PASSWORD=env["AD_PASSWORD"])
        p = subprocess.run([args.scimsync, "-v", "-c", ini, "--conf-dir", empty, *cmd], env=e,
                           capture_output=True, text=True, timeout=600)
        if TOKEN in p.stdout + p.stderr or env["AD_PASSWORD"] in p.stdout + p.stderr:
            raise AssertionError("a secret appeared in the output of %s" % " ".join(cmd))
        return p

    def members(name):
        return sorted(m for g in emu.state()["groups"] if g["displayName"] == name
                      for m in g["members"])

    def uid(upn):
        return next(u["id"] for u in emu.state()["users"] if u["userName"] == upn)

    # the seed holds entries with data errors on purpose: exit 6, the rest applied
    p = run("sync")
    check("full sync from AD: exit 0 or 6", p.returncode in (0, 6), p)
    admins = members("aws-admins")

    for sel in (("--user", "u00010@corp.example.test"), ("--group", "aws-admins"),
                ("--group", "aws-cycle-a")):
        emu.clear_log()
        p = run("sync", *sel)
        check("%s %s unchanged: no write" % sel,
              p.returncode in (0, 6) and "No changes." in p.stdout and not writes(emu.log()), p)

    # in AD: u00020 joins aws-admins, u00003 leaves it, u00030 joins the
    # helper group team-sub (nested in team-core, nested in aws-admins)
    people = "OU=People,OU=scimsync," + env["AD_BASE"]
    text = ("dn: CN=aws-admins,%s\nchangetype: modify\nadd: member\nmember: CN=User 00020,%s\n"
            "-\ndelete: member\nmember: CN=User 00003,%s\n\n"
            "dn: CN=team-sub,%s\nchangetype: modify\nadd: member\nmember: CN=User 00030,%s\n"
            % (groups, people, people, groups, people))
    m = subprocess.run(["ldapmodify", "-H", env["AD_URI"], "-x", "-D", env["AD_BIND_DN"], "-w",
                        env["AD_PASSWORD"]], input=text, capture_output=True, text=True,
                       env=dict(os.environ, LDAPTLS_CACERT=env["AD_CA"]), timeout=60)
    check("ldapmodify on AD", m.returncode == 0, extra=m.stderr)
    u3, u20, u30 = (uid("u%05d@corp.example.test" % i) for i in (3, 20, 30))

    emu.clear_log()
    p = run("sync", "--user", "u00020@corp.example.test")
    check("--user u00020: exit 0, joined aws-admins",
          p.returncode in (0, 6) and u20 in members("aws-admins"), p)
    check("--user u00020: one write (the group), u00003 still in it",
          len(writes(emu.log())) == 1 and u3 in members("aws-admins"),
          extra=str(writes(emu.log())))

    emu.clear_log()
    p = run("sync", "--user", "u00030@corp.example.test")
    check("--user u00030: in aws-admins through two helper groups",
          p.returncode in (0, 6) and u30 in members("aws-admins") and
          len(writes(emu.log())) == 1, p, extra=str(writes(emu.log())))

    active3 = next(u for u in emu.state()["users"] if u["id"] == u3)["active"]
    emu.clear_log()
    p = run("sync", "--group", "aws-admins")
    now = members("aws-admins")
    check("--group aws-admins: u00003 out, u00020 and u00030 in",
          p.returncode in (0, 6) and u3 not in now and u20 in now and u30 in now and
          len(now) == len(admins) + 1, p, extra="%d vs %d" % (len(now), len(admins)))
    check("--group aws-admins: one write, u00003 as it was (not deactivated by it)",
          len(writes(emu.log())) == 1 and
          next(u for u in emu.state()["users"] if u["id"] == u3)["active"] == active3,
          extra=str(writes(emu.log())))


if __name__ == "__main__":
    sys.exit(main())
