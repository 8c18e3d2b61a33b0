#!/usr/bin/env python3
"""The scimsync binary with a target secret kept in (fixture) Secrets
Manager and the CSV demo data as source.  Wrong keys, a missing secret, a
missing JSON key and an expired session token must each stop the run with
a clear error before anything is written; good credentials sync the demo.

Usage: test_aws_sync.py --scimsync BIN --test-plugins DIR --fixture aws_fixture.py --demo DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_aws_secrets import SCIM_TOKEN, SECRET_VALUES, Fixture  # noqa: E402

TOKEN_REF = "aws-secretsmanager:IAM-IDC/SCIM-API-Token#SCIM-API-Token"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--test-plugins", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--demo", required=True)
    args = ap.parse_args()
    for a in ("scimsync", "test_plugins", "fixture", "demo"):
        setattr(args, a, os.path.abspath(getattr(args, a)))
    work = tempfile.mkdtemp(prefix="scimsync-aws-sync-")
    fx = None
    failures = 0
    try:
        fx = Fixture(args.fixture, work)
        confd = os.path.join(work, "conf.d")
        os.mkdir(confd)
        state = os.path.join(work, "state.json")

        def write_ini(token_ref):
            with open(os.path.join(work, "scimsync.ini"), "w") as f:
                f.write("[source hr]\nplugin = csv\nusers_file = %s/users.csv\n"
                        "groups_file = %s/groups.csv\n\n"
                        "[target idc]\nplugin = memory\nstate_file = %s\ntoken = %s\n"
                        % (args.demo, args.demo, state, token_ref))

        def run(env_extra, *cmd):
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith("AWS_") and k.lower() not in
                   ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
            env.update({"HOME": work, "AWS_REGION": "us-east-1",
                        "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": fx.url,
                        "SCIMSYNC_PLUGIN_PATH": args.test_plugins})
            env.update(env_extra)
            p = subprocess.run([args.scimsync, "-c", os.path.join(work, "scimsync.ini"),
                                "--conf-dir", confd, *cmd], env=env, capture_output=True,
                               text=True, timeout=120)
            for v in SECRET_VALUES:
                if v in p.stdout or v in p.stderr:
                    raise AssertionError("secret value %r reached the output" % v)
            return p

        def keys(akid="AKIDGOOD", secret="good-secret-key", token=None):
            env = {"AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret}
            if token:
                env["AWS_SESSION_TOKEN"] = token
            return env

        def refused(name, env, ref, fragment):
            write_ini(ref)
            p = run(env, "sync")
            if p.returncode != 1:
                raise AssertionError("%s: exit %d, expected 1: %s" % (name, p.returncode, p.stderr))
            if fragment not in p.stderr or "[target idc] token" not in p.stderr:
                raise AssertionError("%s: stderr lacks %r: %s" % (name, fragment, p.stderr))
            if os.path.exists(state):
                raise AssertionError("%s: the target was written to" % name)

        cases = [
            ("wrong secret key", keys(secret="wrong"), TOKEN_REF, "InvalidSignatureException"),
            ("unknown key id", keys(akid="AKIDNOPE"), TOKEN_REF, "UnrecognizedClientException"),
            ("missing secret", keys(), "aws-secretsmanager:IAM-IDC/gone#SCIM-API-Token",
             "ResourceNotFoundException"),
            ("missing JSON key", keys(), "aws-secretsmanager:IAM-IDC/SCIM-API-Token#token",
             "the secret has no JSON key 'token'"),
            ("expired token", keys("ASIAEXPIRED", "exp-secret", "session-token-expired"),
             TOKEN_REF, "ExpiredTokenException"),
        ]
        for name, env, ref, frag in cases:
            try:
                refused(name, env, ref, frag)
                print("ok   %s: no sync" % name)
            except AssertionError as e:
                failures += 1
                print("FAIL %s" % e)

        try:
            write_ini(TOKEN_REF)
            p = run(keys(), "sync")
            if p.returncode != 0:
                raise AssertionError("sync exit %d: %s" % (p.returncode, p.stderr))
            with open(state) as f:
                st = json.load(f)
            users, groups = st.get("users", []), st.get("groups", [])
            if len(users) != 25 or len(groups) != 6:
                raise AssertionError("synced %d users, %d groups" % (len(users), len(groups)))
            inactive = [u for u in users if not u.get("active", True)]
            if [u.get("externalId") for u in inactive] != ["u025"]:
                raise AssertionError("inactive users: %r" % inactive)
            if SCIM_TOKEN in json.dumps(st):
                raise AssertionError("the token reached the state file")
            writes = len(st.get("writes", []))
            p = run(keys(), "sync")
            with open(state) as f:
                again = len(json.load(f).get("writes", []))
            if p.returncode != 0 or again != writes:
                raise AssertionError("second sync: exit %d, %d new writes"
                                     % (p.returncode, again - writes))
            print("ok   good credentials: demo synced (%d writes), second run writes nothing"
                  % writes)
        except AssertionError as e:
            failures += 1
            print("FAIL %s" % e)
    finally:
        if fx:
            fx.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
