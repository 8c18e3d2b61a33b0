#!/usr/bin/env python3
"""scim.so driven directly (tests/integration/scim/scim_driver.c) against
the emulator: a 409 on an object that already carries our externalId is
taken over, one with another externalId is a conflict, a 400 names the
object and the server's detail, a failing member read stops the listing.

Usage: test_scim_plugin.py --driver BIN --plugin scim.so
"""
import argparse
import os
import subprocess
import sys
import tempfile
import shutil

sys.dont_write_bytecode = True  # keep the source tree clean
import scimlib  # noqa: E402

failures = 0


def check(name, cond, out=""):
    global failures
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures += 1
        print(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--plugin", required=True)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="scimsync-scim-direct-")
    emu = None
    try:
        emu = scimlib.Emulator(work)

        def drive(*cmd, rate="0", env=None):
            p = subprocess.run([a.driver, a.plugin, "url=" + emu.url, "token=" + scimlib.TOKEN,
                                "profile=identity-center", "rate_limit=" + rate, "--", *cmd],
                               capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, **(env or {})))
            out = p.stdout + p.stderr
            if scimlib.TOKEN in out:
                raise AssertionError("the token appeared in the driver's output")
            return p.returncode, p.stdout.strip(), out

        seeded = emu.admin("seed", {
            "users": [{"userName": "ours@example.com", "displayName": "Old Name",
                       "externalId": "ext-1", "name": {"givenName": "O", "familyName": "N"}},
                      {"userName": "theirs@example.com", "displayName": "T",
                       "externalId": "other-tool", "name": {"givenName": "T", "familyName": "T"}}],
            "groups": [{"displayName": "grp", "externalId": "gx"}]})
        uid, gid = seeded["users"][0], seeded["groups"][0]

        rc, out, full = drive("create-user", "OURS@example.com", "ext-1", "0", "Family")
        user = [u for u in emu.state()["users"] if u["id"] == uid][0]
        check("409 on a user with our externalId: taken over, its id returned, attributes set",
              rc == 0 and out == "status 0 flags 1 id %s error -" % uid
              and user["displayName"] == "Driver User", full)
        rc, out, full = drive("create-user", "theirs@example.com", "ext-2", "1", "Family")
        check("409 on a user with another externalId: conflict even with adopt",
              rc == 0 and out.startswith("status -7 flags 0 id - error user theirs@example.com "
                                         "already exists in the target with another externalId"),
              full)
        rc, out, full = drive("create-user", "new@example.com", "ext-3", "0", "-")
        check("400 names the object and the server's detail",
              out == "status -6 flags 0 id - error user new@example.com rejected by the target "
                     "(HTTP 400: name.familyName is required)", full)
        rc, out, full = drive("create-group", "GRP", "gx", "0")
        check("409 on a group with our externalId: taken over",
              out == "status 0 flags 1 id %s error -" % gid, full)
        rc, out, full = drive("create-group", "grp", "gy", "1")
        check("409 on a group with another externalId: conflict",
              out.startswith("status -7 flags 0 id - error group grp already exists"), full)
        emu.admin("seed", {"groups": [{"displayName": "by-hand"}]})
        rc, out, full = drive("create-group", "by-hand", "gz", "0")
        check("409 on a hand-made group without adopt: conflict that says how to adopt",
              "set adopt = true to take it over" in out, full)
        rc, out, full = drive("create-group", "by-hand", "gz", "1")
        hand = [g for g in emu.state()["groups"] if g["displayName"] == "by-hand"][0]
        check("... and with adopt: taken over, externalId set",
              out.startswith("status 0 flags 1") and hand.get("externalId") == "gz", full)
        rc, out, full = drive("members", gid, "no-such-group")
        check("a member listing that fails stops the read (404)",
              rc == 1 and out == "rc -8 0 0" and "listing group members failed: HTTP 404" in full,
              full)
        emu.clear_log()
        rc, out, full = drive("create-many", "40", rate="10",
                              env={"SCIM_DRIVER_STOP_AFTER": "1.0"})
        posts = [e for e in emu.log() if e["method"] == "POST"]
        parts = out.split()
        check("a stop request ends apply: done ops keep their ids, the rest are "
              "SCIMSYNC_ERR_STOPPED, nothing more is sent (one may have been in flight)",
              len(parts) == 6 and parts[1] == "-9" and 5 <= int(parts[3]) <= 15
              and int(parts[3]) + int(parts[5]) == 40
              and int(parts[3]) <= len(posts) <= int(parts[3]) + 1, full)
        emu.config(token="rotated")
        rc, out, full = drive("list-users")
        check("401 on a listing: SCIMSYNC_ERR_AUTH and the token message",
              out == "rc -5 users 0" and
              "SCIM token rejected (expired or wrong tenant?)" in full, full)
    except AssertionError as e:
        check(str(e), False)
    finally:
        if emu:
            emu.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
