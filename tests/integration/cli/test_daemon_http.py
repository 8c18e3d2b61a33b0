#!/usr/bin/env python3
"""The daemon against the Identity Center emulator: /metrics and /healthz
([engine] metrics_listen) answer while it runs; each run logs its duration
and the time of the next one; SIGTERM during a run lets the run finish and
the last log line says so; a daemon whose runs fail turns /healthz to 503
once [engine] healthz_max_age has passed.

    test_daemon_http.py --scimsync BIN --plugins DIR
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import TOKEN, Emulator, Workspace  # noqa: E402

failures = 0


def check(name, cond, extra=""):
    global failures
    if cond:
        print("ok   " + name)
        return
    failures += 1
    print("FAIL " + name + (" " + extra if extra else ""))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
            return r.status, r.read().decode(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers.get("Content-Type", "")
    except OSError:
        return 0, "", ""


def wait_for(cond, limit=60):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return False


def parse_prometheus(text):
    """Samples by name; with python3-prometheus-client its parser, else a
    strict reading of the simple lines this text has."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        samples = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+]+)', line)
            if not m:
                raise ValueError("not a sample line: %r" % line)
            samples.setdefault(m.group(1), []).append(float(m.group(3)))
        return samples
    samples = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            samples.setdefault(s.name, []).append(s.value)
    return samples


def daemon(ws, emu, token=TOKEN):
    ws.write(emu)
    empty = os.path.join(ws.dir, "conf.d-empty")
    os.makedirs(empty, exist_ok=True)
    env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=ws.args.plugins, SCIMSYNC_TEST_TOKEN=token)
    log = open(os.path.join(ws.dir, "daemon.log"), "w+", encoding="utf-8")
    proc = subprocess.Popen([ws.args.scimsync, "-c", os.path.join(ws.dir, "scimsync.ini"),
                             "--conf-dir", empty, "daemon"], env=env, stdout=subprocess.DEVNULL,
                            stderr=log, text=True)
    return proc, log


def text_of(log):
    log.flush()
    with open(log.name, encoding="utf-8") as f:
        return f.read()


def stop(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    args = ap.parse_args()
    ws = Workspace(args, "ss_daemon.")
    emu = Emulator(ws.dir)
    try:
        ws.make_users(20)
        ws.groups = [("g1", "all", [u["id"] for u in ws.users])]
        ws.target.update({"max_connections": "2", "retries": "0"})
        port = free_port()
        ws.engine.update({"interval": "2", "jitter": "0", "metrics_listen": "127.0.0.1:%d" % port})
        proc, log = daemon(ws, emu)
        try:
            check("the first run finishes and logs its duration",
                  wait_for(lambda: re.search(r"run finished in \d+\.\d s", text_of(log))),
                  text_of(log)[-2000:])
            check("it logs the time of the next run",
                  re.search(r"next run at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in \d+ s\)",
                            text_of(log)) is not None, text_of(log)[-2000:])
            status, body, ctype = get(port, "/metrics")
            check("/metrics answers 200 with the Prometheus text type",
                  status == 200 and ctype.startswith("text/plain; version=0.0.4"), body)
            samples = {}
            try:
                samples = parse_prometheus(body)
            except ValueError as e:
                check("/metrics parses", False, str(e))
            check("/metrics: a last success time", samples.get(
                "scimsync_last_success_timestamp_seconds", [0])[0] > 0, body)
            check("/metrics: runs counted", samples.get("scimsync_runs_total", [0])[0] >= 1
                  or samples.get("scimsync_runs", [0])[0] >= 1, body)
            status, body, _ = get(port, "/healthz")
            check("/healthz: 200 and one line", status == 200 and body.startswith("ok")
                  and body.count("\n") == 1, body)
            status, _, _ = get(port, "/nope")
            check("another path: 404", status == 404)

            # SIGTERM in the middle of a run: it finishes, the last line says so
            for u in ws.users:
                u["title"] = "Changed"
            ws.write(emu)
            emu.config(latency=0.3)
            emu.clear_log()
            ok = wait_for(lambda: any(e["method"] != "GET" for e in emu.log()), 30)
            check("a run with writes is in flight", ok)
            status, _, _ = get(port, "/metrics")
            check("/metrics answers while a run is in flight", status == 200)
            status, _, _ = get(port, "/healthz")
            check("/healthz answers while a run is in flight", status == 200)
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=60)
            emu.config(latency=0)
            lines = text_of(log).strip().splitlines()
            check("SIGTERM during a run: exit 0", rc == 0, str(rc))
            check("the last log line says the run in flight finished",
                  lines and "the run in flight finished (exit code 0); daemon exits" in lines[-1],
                  "\n".join(lines[-5:]))
            titles = {u.get("title") for u in emu.state()["users"]}
            check("the run in flight was completed, not cut", titles == {"Changed"}, str(titles))
            status, _, _ = get(port, "/healthz")
            check("the endpoints are gone with the daemon", status == 0)
        finally:
            stop(proc)
            log.close()

        # runs that keep failing: /healthz turns 503 after healthz_max_age
        port = free_port()
        ws.engine.update({"interval": "1", "metrics_listen": "127.0.0.1:%d" % port,
                          "healthz_max_age": "2"})
        proc, log = daemon(ws, emu, token="wrong-token")
        try:
            check("failing daemon: /healthz 200 while starting",
                  wait_for(lambda: get(port, "/healthz")[0] == 200, 10))
            check("failing daemon: /healthz 503 once healthz_max_age passed",
                  wait_for(lambda: get(port, "/healthz")[0] == 503, 20))
            status, body, _ = get(port, "/healthz")
            check("failing daemon: the 503 says why in one line",
                  "no successful run" in body and body.count("\n") == 1, body)
            status, body, _ = get(port, "/metrics")
            samples = parse_prometheus(body) if status == 200 else {}
            check("failing daemon: /metrics counts failed runs",
                  any(v >= 1 for v in samples.get("scimsync_runs_total", [])), body)
            proc.send_signal(signal.SIGTERM)
            check("failing daemon: exit 0 on SIGTERM", proc.wait(timeout=30) == 0)
        finally:
            stop(proc)
            log.close()

        # a bad metrics_listen: exit 1 at start, the key named
        ws.engine["metrics_listen"] = "127.0.0.1"
        proc, log = daemon(ws, emu)
        try:
            rc = proc.wait(timeout=30)
            check("bad metrics_listen: exit 1 naming the key",
                  rc == 1 and "metrics_listen" in text_of(log), text_of(log)[-1000:])
        finally:
            stop(proc)
            log.close()
    finally:
        emu.stop()
        ws.cleanup()
    print("%s: %d failure(s)" % (os.path.basename(__file__), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
