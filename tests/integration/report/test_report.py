#!/usr/bin/env python3
"""The run report, the metrics and the progress lines against the Identity
Center emulator over HTTP:

- a sync with injected 500s (retries off): the report's request counts,
  creates and failures equal what the emulator's request log shows, every
  failure names its object, the --report file equals what --json printed;
- the same with retries on: the retries counted equal the injected 500s,
  each one logged at info with its reason and wait;
- the Prometheus textfile parses with prometheus_client's parser (Debian's
  python3-prometheus-client, run with /usr/bin/python3), its counters carry
  over from one run to the next, and the last success survives a failed run;
- the EMF line has the structure the Embedded Metric Format specification
  requires;
- plan --json: the report with the plan, no metrics written; a safety
  refusal in the report and the metrics; --log-format json: stdout holds
  only JSON documents, stderr JSON lines with structured events, progress
  events during a slow apply;
- SIGTERM in the middle of a slow apply: exit 5, the report says interrupted,
  what was not started is counted as such and not as failed.

    test_report.py --scimsync BIN --plugins DIR
"""
import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scim"))
from scimlib import Emulator, Workspace  # noqa: E402

PROM_PYTHON = "/usr/bin/python3"  # Debian's, where python3-prometheus-client lives
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


def json_docs(text):
    """Every JSON document on stdout, in order (the report may span lines)."""
    dec, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        doc, i = dec.raw_decode(text, i)
        docs.append(doc)


def log_counts(log):
    c = collections.Counter()
    for e in log:
        c[(e["method"], str(e["status"]))] += 1
    return c


def report_counts(rep):
    c = collections.Counter()
    for method, by in rep["requests"]["by_method_and_status"].items():
        for status, n in by.items():
            c[(method, status)] += n
    return c


def parse_prometheus(path):
    """{(name, frozenset(labels)): value} through prometheus_client's parser."""
    code = r"""
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        out.append([fam.name, fam.type, s.name, s.labels, s.value])
print(json.dumps(out))
"""
    p = subprocess.run([PROM_PYTHON, "-c", code, path], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        raise AssertionError("prometheus_client could not parse %s: %s" % (path, p.stderr))
    samples, types = {}, {}
    for fam, typ, name, labels, value in json.loads(p.stdout):
        samples[(name, frozenset(labels.items()))] = value
        types[fam] = typ
    return samples, types


def emf_problems(doc, dims):
    """What makes doc an invalid Embedded Metric Format document ([] if valid):
    the root has _aws {Timestamp (ms, number), CloudWatchMetrics [directive]},
    each directive {Namespace, Dimensions [[keys]], Metrics [{Name, Unit?}]},
    every referenced dimension a string member and every metric a number
    member of the root."""
    bad = []
    units = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
             "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
             "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
             "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
             "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}
    aws = doc.get("_aws")
    if not isinstance(aws, dict):
        return ["no _aws object"]
    ts = aws.get("Timestamp")
    if not isinstance(ts, int) or isinstance(ts, bool) or ts < 10**12:
        bad.append("Timestamp is not a number of milliseconds: %r" % (ts,))
    cwm = aws.get("CloudWatchMetrics")
    if not isinstance(cwm, list) or not cwm:
        return bad + ["CloudWatchMetrics is not a non-empty array"]
    for d in cwm:
        ns = d.get("Namespace")
        if not isinstance(ns, str) or not 1 <= len(ns) <= 255:
            bad.append("bad Namespace %r" % (ns,))
        dsets = d.get("Dimensions")
        if not isinstance(dsets, list):
            bad.append("Dimensions is not an array")
            dsets = []
        for ds in dsets:
            if not isinstance(ds, list) or len(ds) > 30:
                bad.append("a DimensionSet is not an array of at most 30 keys")
                continue
            for k in ds:
                if not isinstance(doc.get(k), str):
                    bad.append("dimension %r is not a string member of the root" % (k,))
        mets = d.get("Metrics")
        if not isinstance(mets, list) or not mets or len(mets) > 100:
            bad.append("Metrics is not an array of 1 to 100 definitions")
            mets = []
        names = set()
        for m in mets:
            name = m.get("Name")
            if not isinstance(name, str) or not name or len(name) > 1024:
                bad.append("bad metric Name %r" % (name,))
                continue
            if name in names:
                bad.append("metric %s defined twice" % name)
            names.add(name)
            if "Unit" in m and m["Unit"] not in units:
                bad.append("metric %s: unit %r" % (name, m["Unit"]))
            if set(m) - {"Name", "Unit", "StorageResolution"}:
                bad.append("metric %s: extra members %s" % (name, set(m)))
            v = doc.get(name)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                bad.append("metric %s: the root value %r is not a number" % (name, v))
        if set(d) - {"Namespace", "Dimensions", "Metrics"}:
            bad.append("directive: extra members %s" % set(d))
    for k, v in dims.items():
        if doc.get(k) != v:
            bad.append("dimension %s = %r, expected %r" % (k, doc.get(k), v))
    return bad


def run_on_tty(ws, emu, *cmd):
    """Runs scimsync with stderr on a pseudo-terminal; (exit code, what it drew)."""
    import pty
    import select
    ws.write(emu)
    empty = os.path.join(ws.dir, "conf.d-empty")
    os.makedirs(empty, exist_ok=True)
    env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=ws.args.plugins,
               SCIMSYNC_TEST_TOKEN=__import__("scimlib").TOKEN)
    master, slave = pty.openpty()
    proc = subprocess.Popen([ws.args.scimsync, "-c", os.path.join(ws.dir, "scimsync.ini"),
                             "--conf-dir", empty, *cmd], env=env, stdout=subprocess.DEVNULL,
                            stderr=slave)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 120)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=120), out.decode("utf-8", "replace")


def failing_sync(ws, emu):
    """Injected 500s, no retries: some creates fail, the rest is applied."""
    emu.config(fail_rate=0.25, fail_methods=["POST", "PATCH", "DELETE"])
    emu.clear_log()
    report_file = os.path.join(ws.dir, "reports", "last.json")
    p = ws.run(emu, "sync", "--json", "--report", report_file)
    log = emu.log()
    docs = json_docs(p.stdout)
    rep = docs[0] if docs else {}
    check("failing sync: exit 3 (some operations failed)", p.returncode == 3, p)
    check("report_version 1, exit code and run id", rep.get("report_version") == 1
          and rep.get("exit_code") == p.returncode and len(rep.get("run_id", "")) == 36, p)
    check("the report names the configuration file",
          rep.get("config_files") == [os.path.join(ws.dir, "scimsync.ini")], p)
    check("requests by method and status = the emulator's log",
          report_counts(rep) == log_counts(log), extra="%s vs %s" % (report_counts(rep),
                                                                    log_counts(log)))
    posts = collections.Counter((e["path"].rstrip("/").rsplit("/", 1)[-1], e["status"])
                                for e in log if e["method"] == "POST")
    ch = rep.get("changes", {})
    check("users created = POST /Users answered 201",
          ch.get("users", {}).get("created") == posts[("Users", 201)],
          extra="%s vs %s" % (ch.get("users"), posts))
    check("users failed = POST /Users answered 500",
          ch.get("users", {}).get("failed") == posts[("Users", 500)] > 0,
          extra="%s vs %s" % (ch.get("users"), posts))
    check("groups created / failed = POST /Groups answers",
          ch.get("groups", {}).get("created") == posts[("Groups", 201)]
          and ch.get("groups", {}).get("failed") == posts[("Groups", 500)],
          extra=str(ch.get("groups")))
    writes_500 = sum(1 for e in log if e["method"] != "GET" and e["status"] == 500)
    fl = rep.get("failures", [])
    failed = [f for f in fl if not f["not_attempted"]]
    check("one failure per write answered 500: %d" % writes_500, len(failed) == writes_500,
          extra=json.dumps(fl)[:2000])
    check("failures_total counts every failure", rep.get("failures_total") == len(fl))
    check("every failure names its object (userName / displayName, externalId), operation, "
          "HTTP status and detail",
          fl and all(f["operation"] and (f["userName"] or f["displayName"]) and f["externalId"]
                     and f["detail"] for f in fl)
          and all(f["http_status"] == 500 and "InternalFailure" in f["detail"] for f in failed),
          extra=json.dumps(fl)[:2000])
    users = {u["userName"]: u for u in ws.users}
    check("a failed user's externalId is its source id",
          all(users[f["userName"]]["id"] == f["externalId"] for f in fl if f["kind"] == "user"),
          extra=json.dumps(fl)[:2000])
    check("no retries, nothing throttled", rep["requests"]["retries"] == 0
          and rep["requests"]["throttled"] == 0)
    check("the plan travels in the --json report", "ops" in rep.get("plan", {}), p)
    check("phases timed", all(isinstance(rep["phase_seconds"][k], (int, float)) for k in
                              ("source_read", "target_read", "plan", "apply")), p)
    check("entries read", rep["source"]["entries_read"] == len(ws.users) + len(ws.groups))
    with open(report_file) as f:
        saved = json.load(f)
    rep_no_plan = dict(rep)
    rep_no_plan.pop("plan", None)
    check("--report wrote the same report (atomically: no temporary file left)",
          saved == rep_no_plan and os.listdir(os.path.dirname(report_file)) == ["last.json"],
          extra=str(os.listdir(os.path.dirname(report_file))))
    emf = docs[1] if len(docs) > 1 else {}
    check("one EMF line after the report", len(docs) == 2 and p.stdout.rstrip().count("\n") >= 1
          and "\n" not in p.stdout.rstrip().rsplit("\n", 1)[-1], p)
    probs = emf_problems(emf, {"Tenant": "test", "Stage": "ci"})
    check("the EMF line is valid EMF", not probs, extra="; ".join(probs))
    check("EMF values: RunFailed 1, FailedOperations, NotAttemptedOperations",
          emf.get("RunFailed") == 1 and emf.get("RunSucceeded") == 0
          and emf.get("FailedOperations") == len(failed)
          and emf.get("NotAttemptedOperations") == len(fl) - len(failed),
          extra=json.dumps(emf)[:1500])
    check("EMF namespace from metrics_namespace",
          emf.get("_aws", {}).get("CloudWatchMetrics", [{}])[0].get("Namespace") == "scimsync-ci")
    return rep, log


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    args = ap.parse_args()
    if not os.access(PROM_PYTHON, os.X_OK):
        print("FAIL %s missing (python3-prometheus-client: packaging/install-deps.sh test)"
              % PROM_PYTHON)
        return 1
    ws = Workspace(args, "ss_report.")
    emu = Emulator(ws.dir)
    textfile = os.path.join(ws.dir, "scimsync.prom")
    try:
        ws.make_users(40)
        ws.groups = [("g1", "all-staff", [u["id"] for u in ws.users[:20]]),
                     ("g2", "engineers", [u["id"] for u in ws.users[20:]])]
        os.makedirs(os.path.join(ws.dir, "reports"))
        ws.engine.update({"metrics_textfile": textfile, "metrics_emf": "true",
                          "metrics_namespace": "scimsync-ci",
                          "metrics_dimensions": "Tenant=test,Stage=ci"})
        ws.target.update({"retries": "0"})

        rep1, log1 = failing_sync(ws, emu)
        samples, types = parse_prometheus(textfile)
        S = lambda name, **lb: samples.get((name, frozenset(lb.items())))  # noqa: E731
        check("textfile: families typed", types.get("scimsync_runs") == "counter"
              and types.get("scimsync_last_success_timestamp_seconds") == "gauge", extra=str(types))
        check("textfile: one failed run, no success yet",
              S("scimsync_runs_total", result="failed") == 1
              and S("scimsync_runs_total", result="success") == 0
              and S("scimsync_last_success_timestamp_seconds") == 0
              and S("scimsync_last_run_exit_code") == 3)
        lc = log_counts(log1)
        check("textfile: requests by method and code = the emulator's log",
              all(S("scimsync_requests_total", method=m, code=c) == n for (m, c), n in lc.items()),
              extra=str(lc))
        check("textfile: user failures",
              S("scimsync_objects_total", kind="user", action="failed")
              == rep1["changes"]["users"]["failed"])
        check("textfile: duration by phase", S("scimsync_last_run_duration_seconds",
                                               phase="apply") is not None)

        # retries on: every injected 500 is retried, counted and logged
        ws.target["retries"] = "8"
        emu.config(fail_rate=0.2, fail_methods=None)
        emu.clear_log()
        p = ws.run(emu, "sync", "--json")
        log = emu.log()
        rep = json_docs(p.stdout)[0]
        # the pre-flight's one GET (GET /Users?count=1) is not retried: a
        # 500 there is not conclusive, the run goes on and reads the target
        n500 = sum(1 for e in log if e["status"] == 500
                   and not (e["method"] == "GET" and "count=1&" in e["path"] + "&"))
        # the SCIM target logs each retry (the first 20 of a run at info)
        retry_lines = [l for l in p.stderr.splitlines()
                       if ": HTTP 500; retry " in l and " of 8 in " in l]
        info_retries = [l for l in retry_lines if " info " in l]
        check("retried sync converges: exit 0", p.returncode == 0, p)
        check("retries counted = injected 500s (%d)" % n500,
              rep["requests"]["retries"] == n500 and report_counts(rep) == log_counts(log),
              extra=str(rep["requests"]))
        check("each retry logged with its reason and wait (the first 20 at info)",
              len(retry_lines) == n500 and len(info_retries) == min(n500, 20),
              p, "%d lines, %d at info" % (len(retry_lines), len(info_retries)))
        state = emu.state()
        check("converged: 40 users, 2 groups", len(state["users"]) == 40
              and len(state["groups"]) == 2)
        samples, types = parse_prometheus(textfile)
        check("textfile: counters carried over (1 failed + 1 success)",
              S("scimsync_runs_total", result="failed") == 1
              and S("scimsync_runs_total", result="success") == 1
              and S("scimsync_last_success_timestamp_seconds") > 0
              and S("scimsync_request_retries_total") == n500)
        last_success = S("scimsync_last_success_timestamp_seconds")

        # plan --json: the report with the plan, no metrics
        before = os.stat(textfile).st_mtime_ns
        ws.users[0]["title"] = "Principal Engineer"
        p = ws.run(emu, "plan", "--json")
        docs = json_docs(p.stdout)
        check("plan --json: exit 0, one document (no EMF for a plan)",
              p.returncode == 0 and len(docs) == 1, p)
        plan_rep = docs[0] if docs else {}
        check("plan --json: command plan, the planned update, the plan's ops",
              plan_rep.get("command") == "plan" and plan_rep.get("dry_run") is True
              and plan_rep.get("planned", {}).get("users_update") == 1
              and [o["op"] for o in plan_rep.get("plan", {}).get("ops", [])] == ["update_user"],
              p)
        check("plan: textfile untouched", os.stat(textfile).st_mtime_ns == before)

        # a safety refusal: in the report, the textfile and EMF
        ws.engine["max_deletes"] = "3"
        saved_users = ws.users
        ws.users = ws.users[:30]
        ws.groups = [("g1", "all-staff", [u["id"] for u in ws.users[:20]])]
        p = ws.run(emu, "sync", "--json")
        docs = json_docs(p.stdout)
        rep = docs[0] if docs else {}
        lim = rep.get("safety", {}).get("limits_exceeded", [{}])
        check("refusal: exit 4, the verdict with its limit and numbers", p.returncode == 4
              and rep.get("safety", {}).get("refused") is True
              and lim and lim[0].get("limit") == "user_removals" and lim[0].get("changes") == 10
              and lim[0].get("population") == 40 and lim[0].get("max_count") == 3
              and "max_deletes" in rep["safety"]["message"], p)
        check("refusal: EMF SafetyRefusals 1", len(docs) == 2
              and docs[1].get("SafetyRefusals") == 1 and not emf_problems(docs[1], {}), p)
        samples, types = parse_prometheus(textfile)
        check("textfile: refusal counted, last success kept",
              S("scimsync_safety_refusals_total") == 1
              and S("scimsync_runs_total", result="safety_refused") == 1
              and S("scimsync_last_success_timestamp_seconds") == last_success)
        ws.users = saved_users
        ws.groups = [("g1", "all-staff", [u["id"] for u in ws.users[:20]]),
                     ("g2", "engineers", [u["id"] for u in ws.users[20:]])]
        del ws.engine["max_deletes"]

        # JSON logs: stdout holds JSON only, stderr structured events, and
        # a slow apply reports progress every progress_interval seconds
        ws.engine["metrics_emf"] = "false"
        ws.engine["progress_interval"] = "1"
        ws.target.update({"max_connections": "1"})
        emu.config(fail_rate=0, latency=0.15)
        for u in ws.users[:16]:
            u["title"] = "Staff Engineer"
        p = ws.run(emu, "--log-format", "json", "sync")
        emu.config(latency=0)
        out_lines = [l for l in p.stdout.splitlines() if l.strip()]
        check("JSON logs: exit 0, stdout is one JSON report line", p.returncode == 0
              and len(out_lines) == 1 and json.loads(out_lines[0]).get("report_version") == 1, p)
        events = []
        for l in p.stderr.splitlines():
            try:
                events.append(json.loads(l))
            except ValueError:
                check("stderr line is JSON", False, extra=l)
        by = collections.defaultdict(list)
        for e in events:
            by[e.get("event")].append(e)
        check("events: source_read with entries, run_end with counts",
              by["source_read"] and by["source_read"][0].get("entries") == 42
              and by["run_end"] and by["run_end"][0].get("changed") == 16
              and by["run_end"][0].get("exit_code") == 0, extra=str(dict(by))[:2000])
        prog = [e for e in by["progress"] if e.get("phase") == "apply"]
        check("progress events during the slow apply (done, total, rate)",
              prog and all(e.get("total") == 16 and 0 < e.get("done") <= 16
                           and e.get("rate_per_second") > 0 for e in prog),
              extra=str(by["progress"])[:1000])
        # stderr a terminal: one live line, redrawn in place, cleared at the end
        for u in ws.users[:16]:
            u["title"] = "Senior Staff Engineer"
        emu.config(latency=0.15)
        rc, tty = run_on_tty(ws, emu, "sync")
        emu.config(latency=0)
        live = [seg for seg in tty.split("\r\x1b[K") if seg.startswith("apply: ")]
        check("terminal: live apply line with done/total, rate and ETA, then cleared",
              rc == 0 and live and all("/16 operations (" in seg and "/s" in seg for seg in live)
              and "ETA" in "".join(live) and tty.rstrip("\n").count("\r\x1b[K") >= len(live) + 1
              and "progress" not in tty, extra=repr(tty[-1500:]))
        p = ws.run(emu, "-q", "--log-format", "json", "sync")
        check("-q: no progress and no info events", p.returncode == 0 and all(
            json.loads(l).get("level") == "error" or json.loads(l).get("level") == "warn"
            for l in p.stderr.splitlines() if l.strip()), p)

        # the ECS stack's command line: EMF and its dimensions as options
        p = ws.run(emu, "--log-format", "json", "--metrics-emf", "--metrics-dimensions",
                   "Stack=idc-prod", "sync")
        out_lines = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        check("--metrics-emf: the report line, then a valid EMF line with Stack",
              p.returncode == 0 and len(out_lines) == 2
              and not emf_problems(out_lines[1], {"Stack": "idc-prod"})
              and out_lines[1].get("RunSucceeded") == 1, p)
        p = ws.run(emu, "--metrics-dimensions", "Stack", "sync")
        check("--metrics-dimensions without a value: usage error (exit 1)",
              p.returncode == 1 and "Name=value" in p.stderr, p)

        # SIGTERM in the middle of a slow apply: exit 5, the report says
        # interrupted, what was not started is no failure
        for u in ws.users:
            u["title"] = "Interrupted Engineer"
        emu.config(latency=0.2)
        emu.clear_log()
        ws.write(emu)
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=ws.args.plugins,
                   SCIMSYNC_TEST_TOKEN=__import__("scimlib").TOKEN)
        empty = os.path.join(ws.dir, "conf.d-empty")
        proc = subprocess.Popen([ws.args.scimsync, "-c", os.path.join(ws.dir, "scimsync.ini"),
                                 "--conf-dir", empty, "sync", "--json"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
                e["method"] == "PATCH" for e in emu.log()):
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
        emu.config(latency=0)
        docs = json_docs(out)
        rep = docs[0] if docs else {}
        users = rep.get("changes", {}).get("users", {})
        check("SIGTERM: exit 5, interrupted, nothing failed, the rest not started",
              proc.returncode == 5 and rep.get("interrupted") is True
              and rep.get("exit_code") == 5 and rep.get("failures_total") == 0
              and users.get("failed") == 0 and users.get("not_started", 0) > 0
              and users.get("updated", 0) + users.get("not_started", 0) == 40
              and rep.get("not_started_total") == users.get("not_started"),
              extra="exit %s %s %s" % (proc.returncode, json.dumps(users), err[-1500:]))
        samples, types = parse_prometheus(textfile)
        check("textfile: the interrupted run counted as such, last success kept",
              S("scimsync_runs_total", result="interrupted") == 1
              and S("scimsync_last_run_interrupted") == 1
              and S("scimsync_last_success_timestamp_seconds") > 0)
    finally:
        emu.stop()
        ws.cleanup()
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
