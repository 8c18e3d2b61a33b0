#!/usr/bin/env python3
"""SCIM target benchmark: an initial sync of a generated directory into the
IAM Identity Center emulator, with added latency and the plugin paced at
--rate requests/s.  Prints the achieved request rate as a fraction of the
rate, the request count against the ideal (one per created object, one per
100 memberships, plus the reads), and scimsync's peak memory.

    scim-bench.py --scimsync BIN --plugins DIR [--users 10000] [--groups 1000]
                  [--members 20000] [--rate 200] [--latency 0.05]
                  [--max-connections 16]

The emulator throttles at the same rate (429 above it), so any excess
shows up as throttled requests.  A second sync follows: it must find
nothing to do.
"""
import argparse
import collections
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "scim"))
import scimlib  # noqa: E402  (emulator process helper)


def run_measured(cmd, env):
    """Runs cmd; returns (exit code, stdout, stderr, seconds, peak RSS in KiB,
    CPU seconds)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        secs = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        return (p.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), secs, usage.ru_maxrss,
                usage.ru_utime + usage.ru_stime)


def expected_requests(d):
    users = groups = chunks = 0
    with open(os.path.join(d, "users.csv"), newline="", encoding="utf-8") as f:
        users = sum(1 for _ in csv.DictReader(f))
    with open(os.path.join(d, "groups.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            groups += 1
            n = len([m for m in row["members"].split(";") if m.strip().startswith("u")])
            chunks += math.ceil(n / 100)
    return users, groups, chunks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--max-connections", type=int, default=16)
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="scimsync-scim-bench-")
    emu = None
    try:
        gen = os.path.join(HERE, "gen-directory.py")
        subprocess.run([sys.executable, gen, "--users", str(a.users), "--groups", str(a.groups),
                        "--members", str(a.members), "--out", work], check=True,
                       stdout=subprocess.DEVNULL)
        n_users, n_groups, n_chunks = expected_requests(work)
        emu = scimlib.Emulator(work, "--latency", str(a.latency), "--rate-limit", str(a.rate))
        with open(os.path.join(work, "scimsync.ini"), "w") as f:
            f.write("[engine]\nmax_deletes = -1\nmax_delete_percent = -1\n\n"
                    "[source bench]\nplugin = csv\nusers_file = users.csv\n"
                    "groups_file = groups.csv\n\n"
                    "[target idc]\nplugin = scim\nurl = %s\ntoken = env:SCIM_BENCH_TOKEN\n"
                    "profile = identity-center\nrate_limit = %g\nmax_connections = %d\n"
                    "retries = 8\n" % (emu.url, a.rate, a.max_connections))
        os.makedirs(os.path.join(work, "empty"))
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=a.plugins, SCIM_BENCH_TOKEN=scimlib.TOKEN)
        cmd = [a.scimsync, "-c", os.path.join(work, "scimsync.ini"), "--conf-dir",
               os.path.join(work, "empty"), "sync"]

        rc, out, err, secs, rss, cpu = run_measured(cmd, env)
        log = emu.log()
        if rc != 0:
            print(out[-3000:], err[-3000:], sep="\n")
            print("first sync failed: exit %d" % rc)
            return 1
        by = collections.Counter((e["method"], e["status"]) for e in log)
        reads = sum(v for (m, _), v in by.items() if m == "GET")
        throttled = sum(v for (_, s), v in by.items() if s == 429)
        span = log[-1]["t"] - log[0]["t"] if len(log) > 1 else secs
        achieved = len(log) / span if span > 0 else 0
        ideal_writes = n_users + n_groups + n_chunks
        writes = len(log) - reads
        emu.clear_log()
        rc2, out2, err2, secs2, rss2, _ = run_measured(cmd, env)
        log2 = emu.log()
        figures = {
            "users": n_users, "groups": n_groups, "member_patches_ideal": n_chunks,
            "rate_limit": a.rate, "latency_s": a.latency, "max_connections": a.max_connections,
            "first_sync_s": round(secs, 2), "requests": len(log), "reads": reads,
            "writes": writes, "writes_ideal": ideal_writes, "throttled_429": throttled,
            "achieved_rps": round(achieved, 1), "fraction_of_rate": round(achieved / a.rate, 3),
            "peak_rss_mib": round(rss / 1024, 1), "cpu_s": round(cpu, 2),
            "second_sync_s": round(secs2, 2), "second_sync_requests": len(log2),
            "second_sync_writes": sum(1 for e in log2 if e["method"] != "GET"),
            "second_sync_no_changes": rc2 == 0 and "No changes." in out2,
            "second_sync_peak_rss_mib": round(rss2 / 1024, 1),
        }
        print("SCIM initial sync: %d users, %d groups, rate_limit %g/s, %g ms latency, "
              "%d connections" % (n_users, n_groups, a.rate, a.latency * 1000,
                                  a.max_connections))
        print("  %.1f s, %d requests (%d reads, %d writes; ideal writes %d = %d users + %d "
              "groups + %d member PATCHes), %d throttled"
              % (secs, len(log), reads, writes, ideal_writes, n_users, n_groups, n_chunks,
                 throttled))
        print("  achieved %.1f requests/s = %.3f x rate_limit" % (achieved, achieved / a.rate))
        print("  scimsync: peak RSS %.1f MiB, %.1f s CPU" % (rss / 1024, cpu))
        print("  second sync: %.1f s, %d requests, %d writes, %s, peak RSS %.1f MiB"
              % (secs2, len(log2), figures["second_sync_writes"],
                 "no changes" if figures["second_sync_no_changes"] else "CHANGES (exit %d)" % rc2,
                 rss2 / 1024))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(figures, f, indent=1)
        return 0 if figures["second_sync_no_changes"] else 1
    finally:
        if emu:
            emu.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
