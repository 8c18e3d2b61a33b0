"""Helpers for the SCIM target tests: the emulator as a child process, a
generated CSV directory and config, runs of the scimsync binary, and the
emulator's request log."""
import csv
import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "..", "..", "fixtures", "scim_emulator.py")
# Distinctive, so a grep over every output finds any leak.
TOKEN = "tok-9f3c1e2d-SECRET-7a6b5c4d3e2f1a0b"

USER_COLUMNS = ["id", "userName", "givenName", "familyName", "displayName", "email", "title",
                "department", "organization", "employeeNumber", "manager", "active"]


class Emulator:
    def __init__(self, workdir, *args):
        self.port_file = os.path.join(workdir, "emulator.port")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)  # a previous emulator's
        self.err = open(os.path.join(workdir, "emulator.err"), "w")
        self.proc = subprocess.Popen(
            ["python3", EMULATOR, "--port", "0", "--port-file", self.port_file,
             "--token", TOKEN, *args],
            stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the SCIM emulator did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.scheme = "https" if "--tls-cert" in args else "http"
        self.ssl = None
        if self.scheme == "https":
            self.ssl = ssl.create_default_context(cafile=args[list(args).index("--tls-cert") + 1])
        self.url = "%s://127.0.0.1:%d/t-0123456789/scim/v2/" % (self.scheme, self.port)

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("%s://127.0.0.1:%d/_admin/%s" % (self.scheme, self.port,
                                                                       path),
                                     data=data, method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=30, context=self.ssl) as r:
            return json.load(r)

    def log(self):
        return self.admin("log")

    def clear_log(self):
        self.admin("clear_log", {})

    def config(self, **kw):
        self.admin("config", kw)

    def state(self):
        return self.admin("state")

    def users_by_ext(self):
        return {u.get("externalId"): u for u in self.state()["users"]}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def writes(log):
    return [e for e in log if e["method"] != "GET"]


def max_per_second(log):
    """Most requests in any one-second window (request arrival times)."""
    ts = sorted(e["t"] for e in log)
    best, lo = 0, 0
    for hi, t in enumerate(ts):
        while ts[lo] <= t - 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


# Every [engine] safety limit off: these tests remove on purpose.
NO_LIMITS = {k: "-1" for k in (
    "max_deletes", "max_delete_percent", "max_group_deletes", "max_group_delete_percent",
    "max_member_removals", "max_member_removal_percent", "max_group_member_removal_percent",
    "max_user_updates", "max_user_update_percent", "max_field_clears", "max_field_clear_percent")}


class Workspace:
    """A temp dir with users.csv / groups.csv, a config and the binary."""

    def __init__(self, args, prefix):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.users = []   # dicts with USER_COLUMNS
        self.groups = []  # (id, displayName, [member ids])
        self.engine = dict(NO_LIMITS)
        self.target = {}
        self.extra_columns = []  # more users.csv columns (keys of the user dicts)
        self.mapping_lines = {}  # [mapping hr] lines

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def make_users(self, n, start=1):
        for i in range(start, start + n):
            uid = "u%05d" % i
            self.users.append({
                "id": uid, "userName": "user%05d@example.com" % i, "givenName": "Given%d" % i,
                "familyName": "Family%d" % i, "displayName": "Given%d Family%d" % (i, i),
                "email": "user%05d@example.com" % i, "title": "Engineer",
                "department": "Dept%d" % (i % 7), "organization": "Example Corp",
                "employeeNumber": "E%05d" % i, "manager": "", "active": "true"})

    def user(self, uid):
        return next(u for u in self.users if u["id"] == uid)

    def write(self, emulator):
        with open(os.path.join(self.dir, "users.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=USER_COLUMNS + self.extra_columns)
            w.writeheader()
            w.writerows(self.users)
        with open(os.path.join(self.dir, "groups.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "displayName", "members"])
            for gid, name, members in self.groups:
                w.writerow([gid, name, ";".join(members)])
        target = {"plugin": "scim", "url": emulator.url, "token": "env:SCIMSYNC_TEST_TOKEN",
                  "profile": "identity-center", "rate_limit": "0", "read_rate": "0",
                  "write_rate": "0", "member_op_rate": "0", "max_connections": "8",
                  "retries": "6"}
        target.update(self.target)
        with open(os.path.join(self.dir, "scimsync.ini"), "w") as f:
            f.write("[engine]\n")
            for k, v in self.engine.items():
                f.write("%s = %s\n" % (k, v))
            f.write("\n[source hr]\nplugin = csv\nusers_file = users.csv\n"
                    "groups_file = groups.csv\n\n[target idc]\n")
            for k, v in target.items():
                f.write("%s = %s\n" % (k, v))
            if self.mapping_lines:
                f.write("\n[mapping hr]\n")
                for k, v in self.mapping_lines.items():
                    f.write("%s = %s\n" % (k, v))

    def run(self, emulator, *cmd, token=TOKEN, timeout=600):
        self.write(emulator)
        empty = os.path.join(self.dir, "conf.d-empty")
        os.makedirs(empty, exist_ok=True)
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=self.args.plugins,
                   SCIMSYNC_TEST_TOKEN=token)
        p = subprocess.run([self.args.scimsync, "-v", "-c", os.path.join(self.dir, "scimsync.ini"),
                            "--conf-dir", empty, *cmd], env=env, capture_output=True, text=True,
                           timeout=timeout)
        if TOKEN in p.stdout or TOKEN in p.stderr:
            raise AssertionError("the token appeared in the output of %s" % " ".join(cmd))
        return p
