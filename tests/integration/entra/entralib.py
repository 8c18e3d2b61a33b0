"""Helpers for the Entra ID source tests: the Graph emulator as a child process, its admin
endpoints, and the directory it serves."""
import json
import os
import signal
import subprocess
import time
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "..", "..", "fixtures", "graph_emulator.py")
TENANT = "contoso-tenant"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
# Distinctive, so a grep over every output finds any leak.
SECRET = "graph-secret-5e1f0c2b-SECRET-9d8c7b6a"
NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")


def oid(name):
    """Object id of a user (name) or group ("g:" + name) of the built-in directory."""
    return str(uuid.uuid5(NS, name))


class Graph:
    def __init__(self, workdir, *args):
        self.port_file = os.path.join(workdir, "graph.port")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.err = open(os.path.join(workdir, "graph.err"), "w")
        self.proc = subprocess.Popen(
            ["python3", EMULATOR, "--port", "0", "--port-file", self.port_file,
             "--tenant", TENANT, "--client-id", CLIENT_ID, "--client-secret", SECRET, *args],
            stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the Graph emulator did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.login_url = "http://127.0.0.1:%d" % self.port
        self.graph_url = "http://127.0.0.1:%d/v1.0" % self.port

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/_admin/%s" % (self.port, path),
                                     data=data, method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    def log(self):
        return self.admin("log")

    def clear_log(self):
        self.admin("clear_log", {})

    def config(self, **kw):
        self.admin("config", kw)

    def mutate(self, **kw):
        self.admin("mutate", kw)

    def keys(self):
        return {"tenant_id": TENANT, "client_id": CLIENT_ID, "login_url": self.login_url,
                "graph_url": self.graph_url}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def gets(log):
    return [e for e in log if e["method"] == "GET"]
