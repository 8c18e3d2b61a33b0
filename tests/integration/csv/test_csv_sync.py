#!/usr/bin/env python3
"""The CSV source through the scimsync binary: the shipped example config
and demo data validate, plan and sync into the memory test target; a
malformed file stops the run with FILE:LINE and the column, and nothing is
applied.

Usage: test_csv_sync.py --scimsync BIN --test-plugins DIR --conf-d DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--test-plugins", required=True)
    ap.add_argument("--conf-d", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="scimsync-csv-")
    failures = 0
    try:
        confd = os.path.join(work, "conf.d")
        os.mkdir(confd)
        shutil.copytree(os.path.join(args.conf_d, "demo"), os.path.join(confd, "demo"))
        # The example as a user would enable it: renamed, groups_file uncommented.
        with open(os.path.join(args.conf_d, "10-csv-source.ini.example"), encoding="utf-8") as f:
            example = f.read().replace(";groups_file", "groups_file")
        with open(os.path.join(confd, "10-csv-source.ini"), "w", encoding="utf-8") as f:
            f.write(example)
        state = os.path.join(work, "state.json")
        main_ini = os.path.join(work, "scimsync.ini")
        with open(main_ini, "w") as f:
            f.write("[target idc]\nplugin = memory\nstate_file = %s\n" % state)
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=os.path.abspath(args.test_plugins))

        def run(*cmd):
            return subprocess.run([os.path.abspath(args.scimsync), "-c", main_ini,
                                   "--conf-dir", confd, *cmd], env=env, capture_output=True,
                                  text=True, timeout=120)

        def check(name, cond, p):
            nonlocal failures
            if cond:
                print("ok   " + name)
            else:
                failures += 1
                print("FAIL %s: exit %d\n%s\n%s" % (name, p.returncode, p.stdout, p.stderr))

        p = run("validate")
        check("example config validates", p.returncode == 0, p)
        p = run("plan")
        check("plan: 25 users, 6 groups to create",
              p.returncode == 0 and "users 25 to create" in p.stdout
              and "groups 6 to create" in p.stdout and not os.path.exists(state), p)
        p = run("sync")
        st = json.load(open(state)) if os.path.exists(state) else {}
        users = {u["externalId"]: u for u in st.get("users", [])}
        groups = {g["displayName"]: g for g in st.get("groups", [])}
        check("sync: demo users and groups written",
              p.returncode == 0 and len(users) == 25 and len(groups) == 6
              and users["u004"]["displayName"] == "Zoë Ångström"
              and users["u025"]["active"] is False and users["u003"]["active"] is True
              and users["u002"]["title"] == "Director, Platform Engineering"
              and len(groups["aws-developers"]["members"]) == 10, p)
        writes = len(st.get("writes", []))

        users_csv = os.path.join(confd, "demo", "users.csv")
        with open(users_csv, encoding="utf-8") as f:
            text = f.read()
        text = text.replace("Senior Backend Engineer", "\"Senior\nBackend Engineer\"")
        text = text.replace("Tom Becker,tom.becker@example.com,Contractor - Backend",
                            "Tom Becker,tom.becker@example.com,Contractor \"Backend")
        with open(users_csv, "w", encoding="utf-8") as f:
            f.write(text)
        p = run("sync")
        after = len(json.load(open(state)).get("writes", []))
        # u024 sits on line 25; the quoted line break above it moves it to 26.
        check("malformed users.csv: exit 2, file:line and column, nothing applied",
              p.returncode == 2 and after == writes
              and "demo/users.csv:26: quote inside unquoted column 'title'" in p.stderr, p)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
