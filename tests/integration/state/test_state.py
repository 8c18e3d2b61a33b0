#!/usr/bin/env python3
"""The state store through the scimsync binary: CSV source -> the Identity
Center emulator, the state in a file or in the S3 fixture.  One case a run.

Usage: test_state.py --scimsync BIN --plugins DIR --case NAME
Cases: noop, drift, reset, kill9, s3, s3_lock
"""
import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scim"))
import scimlib  # noqa: E402
from scimlib import Emulator, Workspace, writes, TOKEN  # noqa: E402

S3_FIXTURE = os.path.join(HERE, "..", "..", "fixtures", "s3_fixture.py")
AKID, SECRET = "AKIDSTATETEST", "state-secret-key-do-not-log"

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
                                                          p.stderr[-6000:]))


def scim(emu, method, path, body=None):
    """A request straight to the emulator's SCIM API: changes made by hand."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(emu.url + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + TOKEN,
                                          "Content-Type": "application/scim+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def first_user_only(log):
    """With a usable state the pre-flight is one request: the first page of
    users (the token check and the state check in one)."""
    return (len(log) == 1 and log[0]["method"] == "GET"
            and log[0]["path"].split("?")[0].endswith("/Users"))


def scim_gets(log):
    return [e for e in log if e["method"] == "GET"]


def setup(ws, nusers=40, ngroups=4):
    ws.make_users(nusers)
    ws.groups = [("g%d" % k, "team-%d" % k,
                  ["u%05d" % i for i in range(1, nusers + 1) if i % ngroups == k or i < 4])
                 for k in range(ngroups)]
    ws.engine["state"] = "file:" + os.path.join(ws.dir, "state.json")


def expect_exact(ws, emu, label):
    """The emulator holds exactly the source: one user per externalId, the
    values, every membership, no duplicate."""
    st = emu.state()
    exts = collections.Counter(u.get("externalId") for u in st["users"])
    dup_u = [e for e, n in exts.items() if n > 1]
    names = collections.Counter(g["displayName"] for g in st["groups"])
    dup_g = [n for n, c in names.items() if c > 1]
    by_id = {u["id"]: u.get("externalId") for u in st["users"]}
    want_members = {name: sorted(m) for _, name, m in ws.groups}
    got_members = {g["displayName"]: sorted(by_id.get(i) for i in g["members"])
                   for g in st["groups"]}
    titles_ok = all(u.get("title") == ws.user(u["externalId"])["title"]
                    for u in st["users"] if u.get("externalId"))
    check("%s: %d users, no duplicate user or group" % (label, len(ws.users)),
          len(st["users"]) == len(ws.users) and not dup_u and not dup_g
          and set(exts) == {u["id"] for u in ws.users},
          extra="users %d dup %s %s" % (len(st["users"]), dup_u[:5], dup_g[:5]))
    check("%s: every membership exactly" % label, got_members == want_members,
          extra=str({k: (len(v), len(got_members.get(k, []))) for k, v in want_members.items()}))
    check("%s: attribute values" % label, titles_ok)


def case_noop(ws, emu):
    setup(ws)
    p = ws.run(emu, "sync")
    check("first sync with a state: creates everything, saves the state",
          p.returncode == 0 and os.path.exists(os.path.join(ws.dir, "state.json"))
          and "reading the target in full: there is no state yet" in p.stderr, p)
    mode = os.stat(os.path.join(ws.dir, "state.json")).st_mode & 0o777
    check("the state file is private (0600)", mode == 0o600, extra=oct(mode))
    expect_exact(ws, emu, "first sync")
    emu.clear_log()
    p = ws.run(emu, "sync")
    log = emu.log()
    check("no-op with a fresh state: one request (the token check, which checks the state), "
          "no write", p.returncode == 0 and "No changes." in p.stdout and first_user_only(log),
          p, str(log))
    check("no-op: the state is not rewritten", "state: unchanged, not written" in p.stderr, p)
    # A change in the source: applied from the state, no listing.
    emu.clear_log()
    ws.user("u00007")["title"] = "Director"
    ws.groups[1][2].append("u00040")
    ws.groups[1] = (ws.groups[1][0], ws.groups[1][1], sorted(set(ws.groups[1][2])))
    ws.users = [u for u in ws.users if u["id"] != "u00039"]
    ws.groups = [(g, n, [m for m in ms if m != "u00039"]) for g, n, ms in ws.groups]
    p = ws.run(emu, "sync")
    log = emu.log()
    check("changes from the state: one read (the token check)",
          p.returncode == 0 and first_user_only(scim_gets(log)), p, str(scim_gets(log)))
    st = emu.users_by_ext()
    check("the update, the new membership and the deactivation are applied",
          st["u00007"].get("title") == "Director" and st["u00039"].get("active") is False, p)
    emu.clear_log()
    p = ws.run(emu, "sync")
    check("and the run after that is a no-op again",
          p.returncode == 0 and "No changes." in p.stdout and not writes(emu.log()), p)
    # A token the target rejects: that one request says so, nothing else is sent.
    emu.config(token="another-token")
    emu.clear_log()
    p = ws.run(emu, "sync")
    emu.config(token=TOKEN)
    check("a rejected token with a fresh state: exit 2 after the one request",
          p.returncode == 2 and "SCIM token rejected" in p.stderr
          and first_user_only(emu.log()), p, str(emu.log()))
    # --full reads everything and finds nothing to do.
    emu.clear_log()
    p = ws.run(emu, "sync", "--full")
    check("sync --full: a full read, no change",
          p.returncode == 0 and "No changes." in p.stdout and not writes(emu.log())
          and "(--full)" in p.stderr and len(scim_gets(emu.log())) > 3, p)


def case_drift(ws, emu):
    setup(ws)
    p = ws.run(emu, "sync")
    check("first sync", p.returncode == 0, p)
    users = emu.users_by_ext()
    groups = {g["displayName"]: g for g in emu.state()["groups"]}
    # By hand: a user deleted, an attribute changed, a member removed.
    scim(emu, "DELETE", "Users/" + users["u00010"]["id"])
    scim(emu, "PATCH", "Users/" + users["u00011"]["id"],
         {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations": [{"op": "replace", "path": "title", "value": "Changed by hand"}]})
    big = max(groups.values(), key=lambda g: len(g["members"]))
    victim = next(i for i in big["members"]
                  if i not in (users["u00001"]["id"], users["u00002"]["id"],
                               users["u00003"]["id"]))
    scim(emu, "PATCH", "Groups/" + big["id"],
         {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations": [{"op": "remove", "path": "members", "value": [{"value": victim}]}]})
    # The state does not know: an ordinary run (interval not due) changes nothing.
    p = ws.run(emu, "sync")
    check("drift unseen by a run from the state (the first user listed is not the one changed)",
          p.returncode == 0 and "No changes." in p.stdout, p)
    p = ws.run(emu, "sync", "--full")
    check("sync --full repairs the drift",
          p.returncode == 0 and "(--full)" in p.stderr, p)
    expect_exact(ws, emu, "after --full")
    # The same with full_reconcile_interval = 0 and the drift again.
    users = emu.users_by_ext()
    scim(emu, "DELETE", "Users/" + users["u00020"]["id"])
    ws.engine["full_reconcile_interval"] = "0"
    p = ws.run(emu, "sync")
    check("full_reconcile_interval = 0: every run reads in full and repairs",
          p.returncode == 0 and "full_reconcile_interval is 0" in p.stderr, p)
    expect_exact(ws, emu, "after interval 0")


def case_reset(ws, emu):
    setup(ws)
    p = ws.run(emu, "sync")
    check("first sync", p.returncode == 0, p)
    emu.admin("reset", {})
    p = ws.run(emu, "sync")
    check("a reset target with an old state: detected by the token check, read in full",
          p.returncode == 0 and "does not match the state" in p.stderr
          and "the target lists no user" in p.stderr
          and "reading the target in full" in p.stderr, p)
    expect_exact(ws, emu, "after the reset")
    # Reset, then filled again by another hand: the first user is unknown.
    emu.clear_log()
    p = ws.run(emu, "sync")
    check("then a no-op from the new state: one request",
          p.returncode == 0 and "No changes." in p.stdout and first_user_only(emu.log()), p,
          str(emu.log()))
    emu.admin("reset", {})
    emu.admin("seed", {"users": [{"userName": "someone@example.com",
                                  "name": {"givenName": "Some", "familyName": "One"},
                                  "displayName": "Some One"}]})
    emu.clear_log()
    p = ws.run(emu, "sync")
    check("a reset target filled again: its first user is unknown to the state, read in full",
          p.returncode == 0 and "which the state does not know" in p.stderr
          and "reading the target in full" in p.stderr, p)
    # A state for another target: ignored.
    other = Emulator(ws.dir)
    try:
        p = ws.run(other, "sync")
        check("a state of another target: read in full",
              p.returncode == 0 and "describes another target" in p.stderr, p)
        expect_exact(ws, other, "the other target")
    finally:
        other.stop()
    # A damaged state: read in full, never trusted.
    path = os.path.join(ws.dir, "state.json")
    with open(path, "r+") as f:
        data = f.read()
        f.seek(0)
        f.write(data[: len(data) // 2])
        f.truncate()
    p = ws.run(emu, "sync")
    check("a state cut short: named, read in full",
          p.returncode == 0 and "is not usable" in p.stderr and "line " in p.stderr, p)


def start(ws, emu, *cmd):
    ws.write(emu)
    empty = os.path.join(ws.dir, "conf.d-empty")
    os.makedirs(empty, exist_ok=True)
    env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=ws.args.plugins, SCIMSYNC_TEST_TOKEN=TOKEN)
    env.update(getattr(ws, "env", {}))
    return subprocess.Popen([ws.args.scimsync, "-v", "-c", os.path.join(ws.dir, "scimsync.ini"),
                             "--conf-dir", empty, *cmd], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def case_kill9(ws, emu):
    """kill -9 at several points of an apply, then a run from the state."""
    setup(ws, nusers=240, ngroups=8)
    ws.target.update({"max_connections": "4"})
    emu.config(latency=0.01)
    rnd = random.Random(int(os.environ.get("STATE_KILL_SEED", "48")))
    # Each round kills after a number of writes reached the emulator.
    # Odd rounds start from a synced state and kill during the creates (20
    # new users) or the updates (120 titles), before any member change: the
    # state check then passes and the next run must converge from the state.
    odd_after = {1: 10, 3: 25, 5: rnd.randint(5, 100)}
    next_user = len(ws.users) + 1
    for rnd_i, after in enumerate([5, 60, 200, 250, 262, rnd.randint(1, 280)]):
        emu.admin("reset", {})
        state = os.path.join(ws.dir, "state.json")
        if os.path.exists(state):
            os.unlink(state)
        if rnd_i % 2:
            # Half the rounds begin from a synced state with source changes.
            emu.config(latency=0)
            p = ws.run(emu, "sync")
            check("round %d: initial sync" % rnd_i, p.returncode == 0, p)
            emu.config(latency=0.01)
            for u in ws.users[:120]:
                u["title"] = "Round %d" % rnd_i
            ws.groups = [(g, n, ms[len(ms) // 3:] + ["u%05d" % (k + 1)]) for k, (g, n, ms)
                         in enumerate(ws.groups)]
            ws.groups = [(g, n, sorted(set(ms))) for g, n, ms in ws.groups]
            ws.make_users(20, start=next_user)
            ws.groups[0] = (ws.groups[0][0], ws.groups[0][1],
                            ws.groups[0][2] + ["u%05d" % i for i in range(next_user, next_user + 20)])
            next_user += 20
            after = odd_after[rnd_i]
        emu.clear_log()
        proc = start(ws, emu, "sync")
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if len(writes(emu.log())) >= after:
                break
            time.sleep(0.005)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.communicate()
        emu.config(latency=0)
        done = len(writes(emu.log()))
        p = ws.run(emu, "sync")
        mode = "from the state" if "from the state" in p.stderr else "after a full read"
        adopted = p.stderr.count("already exists with our externalId")
        if adopted:
            mode += ", %d lost creates adopted by externalId (409)" % adopted
        check("round %d: killed after %d writes (%s); the next run converges %s" %
              (rnd_i, done, "killed" if killed else "had finished", mode), p.returncode == 0, p)
        if rnd_i % 2:
            # The state was there before the kill: the run converges without
            # a full read (lost creates are adopted by externalId on 409).
            check("round %d: converged from the state, no full read" % rnd_i,
                  mode.startswith("from the state"), p)
        expect_exact(ws, emu, "round %d" % rnd_i)
        emu.clear_log()
        p = ws.run(emu, "sync")
        check("round %d: then a no-op" % rnd_i,
              p.returncode == 0 and "No changes." in p.stdout and not writes(emu.log()), p)
        for u in ws.users:
            u["title"] = "Engineer"
        emu.config(latency=0.01)


class S3:
    def __init__(self, workdir, **extra):
        self.port_file = os.path.join(workdir, "s3.port")
        cfg = {"keys": {AKID: {"secret": SECRET}}, "region": "eu-west-1",
               "buckets": ["state-bucket"]}
        cfg.update(extra)
        cfg_file = os.path.join(workdir, "s3.json")
        with open(cfg_file, "w") as f:
            json.dump(cfg, f)
        self.err = open(os.path.join(workdir, "s3.err"), "w")
        self.proc = subprocess.Popen(["python3", S3_FIXTURE, "--config", cfg_file,
                                      "--port-file", self.port_file],
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the S3 fixture did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/_admin/%s" % (self.port, path),
                                     data=data, method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    def env(self):
        return {"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET,
                "AWS_REGION": "eu-west-1",
                "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:%d" % self.port,
                "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                "AWS_EC2_METADATA_DISABLED": "true"}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def run_env(ws, emu, env, *cmd):
    old = dict(os.environ)
    os.environ.update(env)
    try:
        return ws.run(emu, *cmd)
    finally:
        os.environ.clear()
        os.environ.update(old)


def case_s3(ws, emu):
    s3 = S3(ws.dir)
    try:
        setup(ws)
        ws.engine["state"] = "s3://state-bucket/scimsync/prod/state.json"
        ws.engine["state_s3_path_style"] = "true"
        env = s3.env()
        p = run_env(ws, emu, env, "sync")
        objs = s3.admin("objects")
        log = s3.admin("log")
        check("first sync: the state object is created with a signed PUT",
              p.returncode == 0 and "/state-bucket/scimsync/prod/state.json" in objs, p,
              str(log))
        check("the lease was taken and released",
              any(e["path"].endswith("state.json.lock") and e["method"] == "PUT" for e in log)
              and any(e["path"].endswith("state.json.lock") and e["method"] == "DELETE"
                      and e["status"] == 204 for e in log)
              and "/state-bucket/scimsync/prod/state.json.lock" not in objs, extra=str(log))
        check("no secret key in the output", SECRET not in p.stdout + p.stderr)
        s3.admin("clear_log", {})
        emu.clear_log()
        p = run_env(ws, emu, env, "sync")
        check("no-op from the S3 state: one target request (the token check), no state write",
              p.returncode == 0 and "No changes." in p.stdout and first_user_only(emu.log())
              and not any(e["method"] == "PUT" and e["path"].endswith("state.json")
                          for e in s3.admin("log")), p, str(s3.admin("log")))
        ws.user("u00005")["title"] = "Changed"
        p = run_env(ws, emu, env, "sync")
        check("a change: the state is replaced (If-Match on its ETag)",
              p.returncode == 0 and emu.users_by_ext()["u00005"]["title"] == "Changed"
              and any(e["method"] == "PUT" and e["path"].endswith("state.json")
                      and e["status"] == 200 for e in s3.admin("log")), p)
        # A role without s3:ListBucket sees a missing key as 403: the run reads
        # in full and creates the state with If-None-Match: *.
        s3.admin("config", {"missing_as_403": True})
        ws.engine["state"] = "s3://state-bucket/scimsync/other.json"
        p = run_env(ws, emu, env, "sync")
        check("a first run where a missing key answers 403: read in full, state created",
              p.returncode == 0 and "cannot be read" in p.stderr
              and "/state-bucket/scimsync/other.json" in s3.admin("objects"), p)
        p = run_env(ws, emu, env, "sync")
        check("the next run reads it", p.returncode == 0 and "cannot be read" not in p.stderr, p)
        # A state that exists but cannot be read is never overwritten: the
        # create-only PUT gets 412, and the error names the situation.
        s3.admin("config", {"deny_get": True})
        p = run_env(ws, emu, env, "sync")
        check("an existing state that cannot be read is not overwritten (412, named, exit 3)",
              p.returncode == 3 and "412" in p.stderr and "exists already" in p.stderr, p)
        s3.admin("config", {"deny_get": False})
        # Two writers: the state replaced behind a run's back.  The run that
        # read the old ETag must not overwrite it.
        ws.user("u00006")["title"] = "Changed again"
        ws.engine["state_checkpoint_interval"] = "0"
        objs_before = s3.admin("objects")["/state-bucket/scimsync/other.json"]["etag"]
        s3.admin("config", {"bump_on_get": "/state-bucket/scimsync/other.json"})
        p = run_env(ws, emu, env, "sync")
        s3.admin("config", {"bump_on_get": None})
        check("a state changed by another writer meanwhile: 412 named, not overwritten (exit 3)",
              p.returncode == 3 and "another writer changed it" in p.stderr
              and s3.admin("objects")["/state-bucket/scimsync/other.json"]["etag"] != objs_before,
              p)
    finally:
        s3.stop()


def case_s3_lock(ws, emu):
    s3 = S3(ws.dir)
    try:
        setup(ws, nusers=200, ngroups=4)
        ws.engine["state"] = "s3://state-bucket/state.json"
        ws.engine["state_s3_path_style"] = "true"
        ws.engine["lock_lease"] = "10"
        ws.target.update({"max_connections": "2"})
        env = s3.env()
        ws.env = env
        emu.config(latency=0.05)
        # Two containers: each its own local lock file, one S3 lease.
        ws.engine["lock_file"] = os.path.join(ws.dir, "container-1.lock")
        first = start(ws, emu, "sync")
        deadline = time.time() + 60
        while time.time() < deadline and "/state-bucket/state.json.lock" not in s3.admin("objects"):
            time.sleep(0.05)
        ws.engine["lock_file"] = os.path.join(ws.dir, "container-2.lock")
        p = run_env(ws, emu, env, "sync")
        check("a second run while the first holds the lease exits 7 naming the holder",
              p.returncode == 7 and "another run holds the lease" in p.stderr
              and "pid %d" % first.pid in p.stderr, p)
        first.send_signal(signal.SIGKILL)
        first.communicate()
        emu.config(latency=0)
        p = run_env(ws, emu, env, "sync")
        check("right after a kill -9 the lease is still valid: exit 7", p.returncode == 7, p)
        time.sleep(11)
        p = run_env(ws, emu, env, "sync")
        check("an expired lease is taken over; the run converges",
              p.returncode == 0 and "has expired: taking it over" in p.stderr, p)
        expect_exact(ws, emu, "after the takeover")
        # Two writers: a state replaced behind a run's back is a 412, named.
        check("the lease is gone after the run",
              "/state-bucket/state.json.lock" not in s3.admin("objects"))
    finally:
        s3.stop()


CASES = {"noop": case_noop, "drift": case_drift, "reset": case_reset, "kill9": case_kill9,
         "s3": case_s3, "s3_lock": case_s3_lock}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    args = ap.parse_args()
    ws = Workspace(args, "scimsync-state-%s-" % args.case)
    emu = None
    try:
        emu = Emulator(ws.dir)
        CASES[args.case](ws, emu)
    except AssertionError as e:
        check(str(e), False)
    finally:
        if emu:
            emu.stop()
        ws.cleanup()
    print("%s: %s" % (args.case, "FAILED (%d)" % failures if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
