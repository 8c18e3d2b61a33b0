#!/usr/bin/env python3
"""Plain settings read from AWS: the SCIM url and the CSV source's file
names and separator come from (fixture) SSM parameters, the token from
Secrets Manager; the Identity Center emulator is the target.  validate
makes no AWS call; sync reads each parameter once and syncs the demo; a
missing parameter stops the run (exit 1) naming file:line and the
reference, before anything is written.

Usage: test_aws_plain_refs.py --scimsync BIN --plugins DIR --fixture aws_fixture.py
                              --emulator scim_emulator.py --demo DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

SCIM_TOKEN = "plain-refs-scim-token"
AWS_SECRET = "good-secret-key"
TENANT = "t-0123456789"


class Child:
    """A fixture server as a child process; its port comes from a file."""

    def __init__(self, argv, work, name):
        self.port_file = os.path.join(work, name + ".port")
        self.err = open(os.path.join(work, name + ".err"), "w")
        self.proc = subprocess.Popen(argv + ["--port-file", self.port_file],
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 15
        while True:
            try:
                with open(self.port_file) as f:
                    self.port = int(f.read())
                break
            except (OSError, ValueError):
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("%s did not start" % name)
                time.sleep(0.02)

    def get(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=30) as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.close()


def main():
    ap = argparse.ArgumentParser()
    for a in ("scimsync", "plugins", "fixture", "emulator", "demo"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="scimsync-aws-plain-")
    children = []
    failures = 0

    def check(name, cond, detail=""):
        nonlocal failures
        print("%s %s%s" % ("ok  " if cond else "FAIL", name, "" if cond else ": " + detail))
        if not cond:
            failures += 1

    try:
        emu = Child([sys.executable, args.emulator, "--port", "0", "--token", SCIM_TOKEN],
                    work, "emulator")
        children.append(emu)
        scim_url = "http://127.0.0.1:%d/%s/scim/v2/" % (emu.port, TENANT)
        conf = {
            "region": "us-east-1",
            "keys": {"AKIDGOOD": {"secret": AWS_SECRET}},
            "secrets": {"IAM-IDC/SCIM-API-Token": json.dumps({"SCIM-API-Token": SCIM_TOKEN})},
            "parameters": {
                "/IAM-IDC/SCIM-URI": {"value": scim_url, "type": "String"},
                "/test/users-file": {"value": os.path.join(args.demo, "users.csv"),
                                     "type": "String"},
                "/test/member-separator": {"value": ";", "type": "String"},
            },
        }
        with open(os.path.join(work, "aws.json"), "w") as f:
            json.dump(conf, f)
        aws = Child([sys.executable, args.fixture, "--config", os.path.join(work, "aws.json")],
                    work, "aws")
        children.append(aws)

        ini = os.path.join(work, "scimsync.ini")
        os.mkdir(os.path.join(work, "conf.d"))

        def write_ini(url_ref):
            with open(ini, "w") as f:
                f.write("[source hr]\nplugin = csv\nusers_file = aws-ssm:/test/users-file\n"
                        "groups_file = env:TEST_GROUPS_FILE\n"
                        "member_separator = aws-ssm:/test/member-separator\n\n"
                        "[target idc]\nplugin = scim\nurl = %s\n"
                        "token = aws-secretsmanager:IAM-IDC/SCIM-API-Token#SCIM-API-Token\n"
                        "profile = identity-center\nrate_limit = 0\n" % url_ref)

        def run(*cmd):
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith("AWS_") and k.lower() not in
                   ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
            env.update({"HOME": work, "AWS_REGION": "us-east-1",
                        "AWS_EC2_METADATA_DISABLED": "true",
                        "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % aws.port,
                        "AWS_ACCESS_KEY_ID": "AKIDGOOD", "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
                        "SCIMSYNC_PLUGIN_PATH": args.plugins,
                        "TEST_GROUPS_FILE": os.path.join(args.demo, "groups.csv")})
            p = subprocess.run([args.scimsync, "-c", ini, "--conf-dir",
                                os.path.join(work, "conf.d"), *cmd],
                               env=env, capture_output=True, text=True, timeout=120)
            for secret in (SCIM_TOKEN, AWS_SECRET):
                if secret in p.stdout or secret in p.stderr:
                    raise AssertionError("a secret reached the output")
            return p

        def ssm_calls():
            return sum(n for k, n in aws.get("/_stats").items() if k.startswith("GetParameter"))

        def aws_calls():
            return sum(aws.get("/_stats").values())

        write_ini("aws-ssm:/IAM-IDC/nope")
        p = run("-v", "sync")
        check("missing parameter: exit 1", p.returncode == 1, "exit %d" % p.returncode)
        check("missing parameter: file:line and reference named",
              "scimsync.ini:9: [target idc] url: aws-ssm:/IAM-IDC/nope" in p.stderr
              and "ParameterNotFound" in p.stderr, p.stderr)
        check("missing parameter: nothing written", emu.get("/_admin/log") == [],
              json.dumps(emu.get("/_admin/log"))[:300])

        write_ini("aws-ssm:/IAM-IDC/SCIM-URI")
        before = aws_calls()
        p = run("validate")
        check("validate: exit 0", p.returncode == 0, p.stderr)
        check("validate: no AWS call", aws_calls() == before, json.dumps(aws.get("/_stats")))

        before = ssm_calls()
        p = run("-v", "sync")
        check("sync: exit 0", p.returncode == 0, p.stderr)
        check("sync: each parameter read once", ssm_calls() - before == 3,
              json.dumps(aws.get("/_stats")))
        check("sync: the url read from SSM is logged", scim_url.rstrip("/") in p.stderr, p.stderr[-2000:])
        state = emu.get("/_admin/state")
        users, groups = state.get("users", []), state.get("groups", [])
        check("sync: demo synced", len(users) == 25 and len(groups) == 6,
              "%d users, %d groups" % (len(users), len(groups)))
        members = sum(len(g.get("members", [])) for g in groups)
        check("sync: members split by the separator read from SSM", members > len(groups),
              "%d members" % members)
        p = run("plan", "--json")
        check("second plan: nothing to do", p.returncode == 0 and '"op"' not in p.stdout,
              p.stdout[:500] + p.stderr)
    finally:
        for c in children:
            c.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
