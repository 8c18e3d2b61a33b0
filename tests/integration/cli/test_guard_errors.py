#!/usr/bin/env python3
"""Errors that say what to do, and secrets that never leak, through the
scimsync binary with the CSV source and the SCIM target against the
Identity Center emulator (python3 stdlib, loopback only):

- a closed port: the URL and the cause once, within seconds, no retry;
- https:// to the emulator's plain-HTTP port: said so, not retried;
- a certificate nobody trusts: the check that failed and ca_file, no retry;
- a url without /scim/v2: the URL and the /scim/v2 base suggested;
- profile = generic against Identity Center (startIndex refused): the
  profile = identity-center hint;
- retries are logged at info as they happen, with the reason and the wait;
- the short tokens `wrong` and `x` leave the 401 message intact (exact
  text), and a realistic token appears in no output at any log level
  (-v, default, -q) and format (text, json), on success and on a 401.

    test_guard_errors.py --scimsync BIN --plugins DIR
"""
import argparse
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import TOKEN, Emulator, Workspace  # noqa: E402

failures = 0
# Generous: the point is "seconds, not the 20 s of six retries".
FAST = 10.0


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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


class GuardWorkspace(Workspace):
    def run_with(self, emu, flags, *cmd, token=TOKEN):
        """Like Workspace.run, with the given log flags instead of -v;
        returns (process, seconds)."""
        self.write(emu)
        empty = os.path.join(self.dir, "conf.d-empty")
        os.makedirs(empty, exist_ok=True)
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=self.args.plugins, SCIMSYNC_TEST_TOKEN=token)
        t0 = time.monotonic()
        p = subprocess.run([self.args.scimsync, *flags, "-c", os.path.join(self.dir, "scimsync.ini"),
                            "--conf-dir", empty, *cmd], env=env, capture_output=True, text=True,
                           timeout=300)
        return p, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    args = ap.parse_args()
    ws = GuardWorkspace(args, "ss_guard_err.")
    emu = Emulator(ws.dir)
    try:
        ws.make_users(3)
        ws.groups = [("g1", "all", ["u00001", "u00002", "u00003"])]

        # a closed port
        url = "http://127.0.0.1:%d/t-1/scim/v2/" % free_port()
        ws.target["url"] = url
        p, took = ws.run_with(emu, [], "sync")
        check("closed port: exit 2 in %.1f s (< %.0f s)" % (took, FAST),
              p.returncode == 2 and took < FAST, p)
        check("closed port: the URL and the cause",
              "connect: GET %sUsers?count=1: Failed to connect to 127.0.0.1 port" % url in
              p.stderr and "Couldn't connect to server; nothing accepts connections there: "
              "check the host and port of url (url: " in p.stderr, p)
        check("closed port: said once, no retry, no bare code",
              p.stderr.count("Couldn't connect") == 1 and "retry" not in p.stderr
              and "(-4)" not in p.stderr
              and "the target is not usable; nothing read, nothing applied" in p.stderr, p)

        # TLS to the plain-HTTP port
        ws.target["url"] = emu.url.replace("http://", "https://")
        emu.clear_log()
        p, took = ws.run_with(emu, [], "sync")
        check("https to a plain-HTTP port: exit 2 in %.1f s, said so, not retried" % took,
              p.returncode == 2 and took < FAST and "the server does not speak TLS on this port"
              in p.stderr and "retry" not in p.stderr and "GET %sUsers?" %
              ws.target["url"] in p.stderr, p)

        # a url without /scim/v2
        ws.target["url"] = emu.url.replace("/scim/v2/", "/")
        p, took = ws.run_with(emu, [], "plan")
        check("404: the URL and the /scim/v2 base suggested",
              p.returncode == 2 and "GET %sUsers?count=1: HTTP 404: Not found; is url the SCIM "
              "base? It ends in /scim/v2/ (Identity Center: https://scim.<region>.amazonaws.com/"
              "<tenant id>/scim/v2/)" % ws.target["url"] in p.stderr, p)

        # startIndex refused: profile = identity-center suggested
        ws.target["url"] = emu.url
        ws.target["profile"] = "generic"
        p, took = ws.run_with(emu, [], "plan")
        check("startIndex refused: profile = identity-center suggested",
              p.returncode == 2 and "HTTP 400: startIndex is not supported; the server refuses "
              "startIndex paging: for AWS IAM Identity Center set profile = identity-center"
              in p.stderr, p)
        ws.target["profile"] = "identity-center"

        # retries are logged at info as they happen
        emu.config(fail_rate=1.0)
        ws.target.update({"retries": "2", "request_deadline": "60"})
        p, took = ws.run_with(emu, [], "plan")
        emu.config(fail_rate=0.0)
        lines = [line for line in p.stderr.splitlines() if " info " in line and "; retry " in line]
        check("retries logged at info with reason and wait (%d lines)" % len(lines),
              p.returncode == 2 and len(lines) == 2 and "GET %sUsers?" % emu.url in lines[0]
              and ": HTTP 500; retry 1 of 2 in " in lines[0]
              and ": HTTP 500; retry 2 of 2 in " in lines[1], p)
        ws.target["retries"] = "6"

        # short tokens leave the message intact; a realistic one never shows
        for short in ("wrong", "x"):
            p, took = ws.run_with(emu, [], "sync", token=short)
            want = ("error target idc: SCIM token rejected (expired or wrong tenant?): HTTP 401 "
                    "from %s" % emu.url.rstrip("/"))
            check("token %r: exit 2, the 401 message intact" % short,
                  p.returncode == 2 and want in p.stderr and "(secret)" not in p.stderr, p, want)
        bad = "tok-0f9e8d7c-WRONG-6b5a4c3d2e1f0a9b"
        for flags in ([], ["-v"], ["-q"], ["--log-format", "json"], ["-v", "--log-format", "json"],
                      ["-q", "--log-format", "json"]):
            for cmd in ("plan", "sync"):
                p, _ = ws.run_with(emu, flags, cmd)
                p401, _ = ws.run_with(emu, flags, cmd, token=bad)
                out = p.stdout + p.stderr + p401.stdout + p401.stderr
                check("%s %s: token in no output (exit %d, 401: exit %d)" %
                      (cmd, " ".join(flags) or "(default)", p.returncode, p401.returncode),
                      p.returncode == 0 and p401.returncode == 2 and TOKEN not in out
                      and bad not in out and "tok-" not in out, p401)

        # a certificate nobody trusts: the check that failed and ca_file
        emu.stop()
        cert, key = os.path.join(ws.dir, "cert.pem"), os.path.join(ws.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        emu = Emulator(ws.dir, "--tls-cert", cert, "--tls-key", key)
        ws.target["url"] = emu.url
        p, took = ws.run_with(emu, [], "sync")
        check("untrusted certificate: exit 2 in %.1f s, the check and ca_file, not retried" % took,
              p.returncode == 2 and took < FAST and "TLS check failed: the server's certificate "
              "chain is not trusted by the system's CAs: set ca_file to the PEM file of the CA "
              "that issued it" in p.stderr and "retry" not in p.stderr and not emu.log(), p)
        ws.target["url"] = emu.url.replace("127.0.0.1", "localhost")
        ws.target["ca_file"] = cert
        p, took = ws.run_with(emu, [], "sync")
        check("a name the certificate does not carry: said so",
              p.returncode == 2 and "does not name the host in url" in p.stderr, p)
        ws.target["url"] = emu.url
        p, took = ws.run_with(emu, [], "sync")
        check("with ca_file: the sync runs", p.returncode == 0, p)
    finally:
        emu.stop()
        ws.cleanup()
    print("%s: %d failure(s)" % ("FAIL" if failures else "PASS", failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
