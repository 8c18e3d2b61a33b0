#!/usr/bin/env python3
"""The shipped conf.d examples work as written: each, enabled the way its
header says (renamed to *.ini; a source with a target beside it, the target
with a source; a `file:` secret it names, a placeholder, filled with a file
of ours), passes `validate`, and the LDAP examples no longer name a ca_file
that does not exist (their header lists the placeholders).

    test_examples.py --scimsync BIN --plugins DIR --conf-d DIR
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = 0


def check(name, cond, p=None):
    global failures
    if cond:
        print("ok   " + name)
        return
    failures += 1
    print("FAIL " + name)
    if p is not None:
        print("exit %d\n--- stdout\n%s\n--- stderr\n%s" % (p.returncode, p.stdout[-3000:],
                                                          p.stderr[-3000:]))


TARGET = "[target idc]\nplugin = scim\nurl = https://scim.eu-west-1.amazonaws.com/x/scim/v2/\n" \
         "token = env:SCIM_TOKEN\n"
SOURCE = "[source hr]\nplugin = csv\nusers_file = demo/users.csv\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--conf-d", required=True)
    args = ap.parse_args()
    examples = sorted(f for f in os.listdir(args.conf_d) if f.endswith(".ini.example"))
    check("examples found (%d)" % len(examples), len(examples) >= 5)
    for name in examples:
        with open(os.path.join(args.conf_d, name), encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"^ca_file\s*=\s*(\S+)", text, re.M)
        check("%s: no ca_file naming a missing file" % name, not m or os.path.exists(m.group(1)))
        work = tempfile.mkdtemp(prefix="ss_examples.")
        try:
            confd = os.path.join(work, "conf.d")
            os.makedirs(confd)
            shutil.copytree(os.path.join(args.conf_d, "demo"), os.path.join(confd, "demo"))
            # a secret file the example names is a placeholder: filled
            # with a file of our own (validate checks it is there)
            for ref in set(re.findall(r"^\w+\s*=\s*file:(\S+)", text, re.M)):
                if not os.path.exists(ref):
                    secret = os.path.join(work, "secret-%d" % len(os.listdir(work)))
                    with open(secret, "w") as f:
                        f.write("placeholder\n")
                    os.chmod(secret, 0o600)
                    text = text.replace("file:" + ref, "file:" + secret)
            with open(os.path.join(confd, name[:-len(".example")]), "w") as f:
                f.write(text)
            has_target = "[target " in text
            has_source = "[source " in text
            with open(os.path.join(confd, "00-companion.ini"), "w") as f:
                if not has_target:
                    f.write(TARGET)
                if not has_source:
                    f.write(SOURCE)
            main_ini = os.path.join(work, "scimsync.ini")
            with open(main_ini, "w") as f:
                f.write("; the examples are in conf.d\n")
            env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=args.plugins, SCIM_TOKEN="unused")
            p = subprocess.run([args.scimsync, "-c", main_ini, "--conf-dir", confd, "validate"],
                               env=env, capture_output=True, text=True, timeout=60)
            check("%s: validate exits 0" % name, p.returncode == 0, p)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print("%s: %d failure(s)" % ("FAIL" if failures else "PASS", failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
