"""Helpers for the misbehaving-server tests: the chaos proxy
(tests/fixtures/scim_chaos_proxy.py) as a child process in front of the
Identity Center emulator, and timed runs of the scimsync binary."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scim"))
import scimlib  # noqa: E402

PROXY = os.path.join(HERE, "..", "..", "fixtures", "scim_chaos_proxy.py")


class Proxy:
    """The chaos proxy in front of an emulator; .url stands in for the
    emulator's in Workspace.write."""

    def __init__(self, workdir, emulator, *args):
        self.port_file = os.path.join(workdir, "proxy.port")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.err = open(os.path.join(workdir, "proxy.err"), "w")
        self.proc = subprocess.Popen(
            ["python3", PROXY, "--upstream", "http://127.0.0.1:%d" % emulator.port,
             "--port", "0", "--port-file", self.port_file, *args],
            stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the chaos proxy did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = emulator.url.replace(":%d/" % emulator.port, ":%d/" % self.port)

    def _admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/_proxy/%s" % (self.port, path),
                                     data=data, method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    def stats(self):
        return self._admin("stats")

    def config(self, **kw):
        return self._admin("config", kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def start(ws, cmd, endpoint):
    """scimsync CMD against endpoint (emulator or proxy), as a child process."""
    ws.write(endpoint)
    empty = os.path.join(ws.dir, "conf.d-empty")
    os.makedirs(empty, exist_ok=True)
    env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=ws.args.plugins,
               SCIMSYNC_TEST_TOKEN=scimlib.TOKEN)
    out = open(os.path.join(ws.dir, "run.out"), "w+")
    err = open(os.path.join(ws.dir, "run.err"), "w+")
    p = subprocess.Popen([ws.args.scimsync, "-v", "-c", os.path.join(ws.dir, "scimsync.ini"),
                          "--conf-dir", empty, *cmd], env=env, stdout=out, stderr=err)
    return p, out, err


class Run:
    def __init__(self, returncode, stdout, stderr, elapsed):
        self.returncode, self.stdout, self.stderr, self.elapsed = (returncode, stdout, stderr,
                                                                   elapsed)


def finish(p, out, err, t0, limit):
    """Waits up to limit seconds (then SIGKILL, returncode None); a Run."""
    try:
        rc = p.wait(timeout=max(0.1, limit - (time.monotonic() - t0)))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = None
    elapsed = time.monotonic() - t0
    out.seek(0)
    err.seek(0)
    r = Run(rc, out.read(), err.read(), elapsed)
    out.close()
    err.close()
    if scimlib.TOKEN in r.stdout or scimlib.TOKEN in r.stderr:
        raise AssertionError("the token appeared in the output")
    return r


def run(ws, endpoint, *cmd, limit=120):
    t0 = time.monotonic()
    p, out, err = start(ws, cmd or ("sync",), endpoint)
    return finish(p, out, err, t0, limit)
