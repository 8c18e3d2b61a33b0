#!/usr/bin/env python3
"""`scimsync check` against real servers: the Identity Center emulator (http
and https) with the CSV source and, with --ldap-fixtures, an OpenLDAP slapd
with StartTLS.  Everything right: every line PASS, exit 0.  A wrong token, a
wrong bind password, an untrusted certificate, a closed port, a reference
that does not resolve: the matching FAIL line with a hint, exit 2, within a
generous time bound.  Also `plan --exit-code` both ways and the pre-flight
of plan: a wrong token fails before the sources are read.

    test_check.py --scimsync BIN --plugins DIR [--ldap-fixtures DIR]
"""
import argparse
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import TOKEN, Emulator, Workspace, writes  # noqa: E402

# A check answers in seconds; this bound only catches a hang.
BOUND_S = 12
failures = 0


def check(name, cond, p=None, extra=""):
    global failures
    if cond:
        print("ok   " + name)
        return
    failures += 1
    print("FAIL " + name + (" " + extra if extra else ""))
    if p is not None:
        print("exit %d\n--- stdout\n%s\n--- stderr\n%s" % (p.returncode, p.stdout[-4000:],
                                                          p.stderr[-4000:]))


def lines(p, status):
    return [l for l in p.stdout.splitlines() if l.startswith(status + "  ")]


def has_line(p, status, what, text=""):
    return any(l.split("  ", 1)[1].lstrip().startswith(what) and text in l
               for l in lines(p, status))


def hint_after(p, what):
    out = p.stdout.splitlines()
    for i, l in enumerate(out):
        if l.startswith("FAIL  ") and what in l:
            return i + 1 < len(out) and out[i + 1].lstrip().startswith("hint: ")
    return False


def timed(ws, emu, *cmd, **kw):
    t0 = time.monotonic()
    p = ws.run(emu, *cmd, **kw)
    return p, time.monotonic() - t0


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more
    return port


def make_cert(d, name):
    cert, key = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365",
                    "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def scim_cases(ws, emu):
    ws.make_users(5)
    ws.groups = [("g1", "all", [u["id"] for u in ws.users])]

    p, took = timed(ws, emu, "check")
    check("all right: exit 0 in %.1f s" % took, p.returncode == 0 and took < BOUND_S, p)
    check("all right: every line PASS", not lines(p, "FAIL") and not lines(p, "WARN")
          and len(lines(p, "PASS")) >= 9, p)
    for what, text in (("target idc ref token", "env:SCIMSYNC_TEST_TOKEN resolves"),
                       ("source hr read", "5 user row(s), 1 group row(s)"),
                       ("target idc connect", "127.0.0.1"),
                       ("target idc token", "accepted"),
                       ("target idc profile", "cursor paging"),
                       ("target idc ServiceProviderConfig", "patch yes")):
        check("all right: %s says '%s'" % (what, text), has_line(p, "PASS", what, text), p)
    check("check writes nothing", not writes(emu.log()))

    p, took = timed(ws, emu, "check", token="wrong-token")
    check("wrong token: exit 2 in %.1f s" % took, p.returncode == 2 and took < BOUND_S, p)
    check("wrong token: FAIL token line with a hint",
          has_line(p, "FAIL", "target idc token", "HTTP 401") and hint_after(p, "HTTP 401"), p)

    ws.target["token"] = "env:SCIMSYNC_CHECK_NO_SUCH_VARIABLE"
    p, took = timed(ws, emu, "check")
    del ws.target["token"]
    check("reference not resolving: exit 2", p.returncode == 2 and took < BOUND_S, p)
    check("reference not resolving: FAIL names the reference and the key",
          has_line(p, "FAIL", "target idc ref token", "env:SCIMSYNC_CHECK_NO_SUCH_VARIABLE")
          and hint_after(p, "SCIMSYNC_CHECK_NO_SUCH_VARIABLE"), p)

    ws.target["url"] = "http://127.0.0.1:%d/scim/v2/" % closed_port()
    p, took = timed(ws, emu, "check")
    del ws.target["url"]
    check("closed port: exit 2 in %.1f s" % took, p.returncode == 2 and took < BOUND_S, p)
    check("closed port: FAIL connect line with a hint",
          has_line(p, "FAIL", "target idc connect") and hint_after(p, "target idc connect"), p)

    ws.engine["metrics_listen"] = "127.0.0.1"
    p = ws.run(emu, "check")
    del ws.engine["metrics_listen"]
    check("bad metrics_listen: FAIL naming the key, exit 2", p.returncode == 2
          and has_line(p, "FAIL", "engine metrics_listen", "ADDR:PORT"), p)

    # plan --exit-code: 8 while changes are pending, 0 once synced
    p = ws.run(emu, "plan", "--exit-code")
    check("plan --exit-code with changes pending: exit 8", p.returncode == 8, p)
    p = ws.run(emu, "plan")
    check("plan without --exit-code: exit 0", p.returncode == 0, p)
    p = ws.run(emu, "sync")
    check("sync: exit 0", p.returncode == 0, p)
    p = ws.run(emu, "plan", "--exit-code")
    check("plan --exit-code without changes: exit 0", p.returncode == 0, p)
    p = ws.run(emu, "sync", "--exit-code")
    check("--exit-code is refused outside plan: exit 1", p.returncode == 1, p)

    # the pre-flight: a wrong token stops plan before any listing
    emu.clear_log()
    p, took = timed(ws, emu, "plan", token="wrong-token")
    log = emu.log()
    check("plan with a wrong token: exit 2 in %.1f s" % took, p.returncode == 2 and took < BOUND_S,
          p)
    check("plan with a wrong token: one request, then nothing read",
          len(log) == 1 and "count=1" in log[0]["path"] and "token" in p.stderr
          and "nothing read" in p.stderr, p, str(log))


def tls_cases(ws):
    ws.users, ws.groups = [], []
    ws.make_users(2)
    cert, key = make_cert(ws.dir, "server")
    tls = Emulator(ws.dir, "--tls-cert", cert, "--tls-key", key)
    try:
        p, took = timed(ws, tls, "check")
        check("untrusted certificate: exit 2 in %.1f s" % took,
              p.returncode == 2 and took < BOUND_S, p)
        check("untrusted certificate: FAIL tls names the certificate, hint names ca_file",
              has_line(p, "FAIL", "target idc tls", "subject") and "127.0.0.1, issuer" in p.stdout
              and "ca_file" in p.stdout and hint_after(p, "target idc tls"), p)
        check("untrusted certificate: the token was never sent", not tls.log())
        ws.target["ca_file"] = cert
        p, took = timed(ws, tls, "check")
        check("trusted with ca_file: exit 0, every line PASS",
              p.returncode == 0 and not lines(p, "FAIL") and not lines(p, "WARN"), p)
        check("trusted: the tls line names subject, issuer, expiry and the verification",
              has_line(p, "PASS", "target idc tls", "verified") and "issuer" in p.stdout
              and "expires" in p.stdout, p)
    finally:
        ws.target.pop("ca_file", None)
        tls.stop()


def ldap_cases(ws, emu, fixtures, scimsync, plugins):
    srv = os.path.join(ws.dir, "slapd")
    seed = os.path.join(ws.dir, "seed.ldif")
    with open(seed, "w") as f:
        subprocess.run(["python3", os.path.join(fixtures, "gen_seed.py"), "openldap", "--base",
                        "dc=example,dc=test", "--users", "30"], stdout=f, check=True)
    subprocess.run(["sh", os.path.join(fixtures, "slapd-start.sh"), srv, seed], check=True)
    try:
        env = dict(l.split("=", 1) for l in open(os.path.join(srv, "env")).read().split())
        other_ca, _ = make_cert(ws.dir, "other-ca")

        def run(**over):
            password = over.pop("_password", env["OL_PASSWORD"])
            src = {"plugin": "ldap", "uri": env["OL_URI"], "bind_dn": env["OL_BIND_DN"],
                   "bind_password": "env:OL_PASSWORD", "start_tls": "true",
                   "ca_file": env["OL_CA"], "base_dn": env["OL_BASE"]}
            src.update(over)
            ini = os.path.join(ws.dir, "ldap.ini")
            with open(ini, "w") as f:
                f.write("[source dir]\n")
                for k, v in src.items():
                    f.write("%s = %s\n" % (k, v))
                f.write("\n[target idc]\nplugin = scim\nurl = %s\ntoken = env:SCIMSYNC_TEST_TOKEN\n"
                        "profile = identity-center\n" % emu.url)
            empty = os.path.join(ws.dir, "conf.d-empty")
            os.makedirs(empty, exist_ok=True)
            e = dict(os.environ, SCIMSYNC_PLUGIN_PATH=plugins, SCIMSYNC_TEST_TOKEN=TOKEN,
                     OL_PASSWORD=password)
            t0 = time.monotonic()
            p = subprocess.run([scimsync, "-c", ini, "--conf-dir", empty, "check"], env=e,
                               capture_output=True, text=True, timeout=120)
            took = time.monotonic() - t0
            if env["OL_PASSWORD"] in p.stdout + p.stderr or TOKEN in p.stdout + p.stderr:
                raise AssertionError("a secret appeared in the output of check")
            return p, took

        p, took = run()
        check("ldap all right: exit 0 in %.1f s" % took, p.returncode == 0 and took < BOUND_S, p)
        check("ldap all right: every line PASS", not lines(p, "FAIL") and not lines(p, "WARN"), p)
        for what, text in (("source dir dns", "127.0.0.1"), ("source dir connect", "port"),
                           ("source dir tls", "verified"), ("source dir tls", "expires"),
                           ("source dir bind", env["OL_BIND_DN"]),
                           ("source dir search", "users and")):
            check("ldap all right: %s says '%s'" % (what, text), has_line(p, "PASS", what, text),
                  p)

        p, took = run(_password="not-the-password")
        check("ldap wrong password: exit 2 in %.1f s" % took,
              p.returncode == 2 and took < BOUND_S, p)
        check("ldap wrong password: FAIL bind with a hint naming bind_password",
              has_line(p, "FAIL", "source dir bind", "Invalid credentials")
              and hint_after(p, "source dir bind") and "bind_password" in p.stdout, p)

        p, took = run(ca_file=other_ca)
        check("ldap untrusted certificate: exit 2 in %.1f s" % took,
              p.returncode == 2 and took < BOUND_S, p)
        check("ldap untrusted certificate: FAIL tls names the certificate and ca_file",
              has_line(p, "FAIL", "source dir tls", "subject") and "ca_file" in p.stdout
              and hint_after(p, "source dir tls"), p)

        p, took = run(uri="ldap://127.0.0.1:%d" % closed_port())
        check("ldap closed port: exit 2 in %.1f s" % took, p.returncode == 2 and took < BOUND_S,
              p)
        check("ldap closed port: FAIL connect with a hint",
              has_line(p, "FAIL", "source dir connect", "refused")
              and hint_after(p, "source dir connect"), p)
    finally:
        subprocess.run(["sh", os.path.join(fixtures, "slapd-stop.sh"), srv])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--ldap-fixtures")
    args = ap.parse_args()
    ws = Workspace(args, "ss_check.")
    emu = Emulator(ws.dir)
    try:
        scim_cases(ws, emu)
        tls_cases(ws)
        if args.ldap_fixtures:
            ldap_cases(ws, emu, args.ldap_fixtures, args.scimsync, args.plugins)
    finally:
        emu.stop()
        ws.cleanup()
    print("%s: %d failure(s)" % (os.path.basename(__file__), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
