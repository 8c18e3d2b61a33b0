#!/usr/bin/env python3
"""SCIM budgets benchmark: an initial sync of a generated directory into the
IAM Identity Center emulator throttling like the documented quotas (40
reads/s, 25 writes/s, and member values per second), scimsync at the
identity-center defaults (read_rate 40, write_rate 25, member_op_rate 100),
then a second sync, which reads the whole target and finds nothing to do.

    scim-budget-bench.py --scimsync BIN --plugins DIR [--users 2000]
        [--groups 200] [--members 20000] [--read-rate 40] [--write-rate 25]
        [--member-rate 100] [--client KEY=VALUE ...] [--latency 0.05]
        [--max-connections 16] [--json FILE]

Prints, from the emulator's request log: the achieved write rate of the
initial sync as a fraction of --write-rate (over the user and group
creates, where writes are the limit, and over all writes), the member
values a second of the member PATCHes as a fraction of --member-rate, the
read rate of the full read as a fraction of --read-rate (over the whole
read and over the concurrent member reads), and the 429s by budget.

The issue's scale (100,000 users / 10,000 groups / 1,000,000 memberships)
is `--users 100000 --groups 10000 --members 1000000`: about 67 minutes of
user creates at 25/s, and 10,000 s of member PATCHes at 100 values/s unless
--member-rate and `--client member_op_rate=N` are raised together.
"""
import argparse
import collections
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "scim"))
import scimlib  # noqa: E402  (emulator process helper)

_spec = importlib.util.spec_from_file_location("scim_bench", os.path.join(HERE, "scim-bench.py"))
scim_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scim_bench)


def rate(entries, weight=lambda e: 1):
    """Sum of weights a second between the first and the last entry
    (count - 1 intervals: n requests spaced 1/r apart take (n-1)/r)."""
    if len(entries) < 2:
        return 0.0
    span = entries[-1]["t"] - entries[0]["t"]
    total = sum(weight(e) for e in entries[1:])
    return total / span if span > 0 else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--groups", type=int, default=200)
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--read-rate", type=float, default=40)
    ap.add_argument("--write-rate", type=float, default=25)
    ap.add_argument("--member-rate", type=float, default=100)
    ap.add_argument("--client", action="append", default=[],
                    help="extra target key for scimsync, KEY=VALUE (repeatable)")
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--max-connections", type=int, default=16)
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="scimsync-budget-bench-")
    emu = None
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "gen-directory.py"), "--users",
                        str(a.users), "--groups", str(a.groups), "--members", str(a.members),
                        "--out", work], check=True, stdout=subprocess.DEVNULL)
        n_users, n_groups, n_chunks = scim_bench.expected_requests(work)
        emu = scimlib.Emulator(work, "--latency", str(a.latency), "--read-rate",
                               str(a.read_rate), "--write-rate", str(a.write_rate),
                               "--member-rate", str(a.member_rate))
        extra = "".join("%s\n" % kv.replace("=", " = ", 1) for kv in a.client)
        with open(os.path.join(work, "scimsync.ini"), "w") as f:
            f.write("[engine]\nmax_deletes = -1\nmax_delete_percent = -1\n\n"
                    "[source bench]\nplugin = csv\nusers_file = users.csv\n"
                    "groups_file = groups.csv\n\n"
                    "[target idc]\nplugin = scim\nurl = %s\ntoken = env:SCIM_BENCH_TOKEN\n"
                    "profile = identity-center\nmax_connections = %d\nretries = 8\n%s"
                    % (emu.url, a.max_connections, extra))
        os.makedirs(os.path.join(work, "empty"))
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=a.plugins, SCIM_BENCH_TOKEN=scimlib.TOKEN)
        cmd = [a.scimsync, "-c", os.path.join(work, "scimsync.ini"), "--conf-dir",
               os.path.join(work, "empty"), "sync"]

        rc, out, err, secs, rss, cpu = scim_bench.run_measured(cmd, env)
        log = emu.log()
        if rc != 0:
            print(out[-3000:], err[-3000:], sep="\n")
            print("initial sync failed: exit %d" % rc)
            return 1
        ok = [e for e in log if e["status"] != 429]
        throttled = collections.Counter(e.get("budget", "?") for e in log if e["status"] == 429)
        writes = [e for e in ok if e["method"] != "GET"]
        creates = [e for e in writes if e["method"] == "POST"]
        patches = [e for e in writes if e.get("members")]
        w_create = rate(creates)
        w_all = rate(writes)
        m_rate = rate(patches, lambda e: e["members"])

        emu.clear_log()
        rc2, out2, err2, secs2, rss2, _ = scim_bench.run_measured(cmd, env)
        log2 = emu.log()
        reads = [e for e in log2 if e["method"] == "GET" and e["status"] != 429]
        member_reads = [e for e in reads if "groups.value" in e["path"]]
        r_all = rate(reads)
        r_members = rate(member_reads)
        throttled2 = collections.Counter(e.get("budget", "?") for e in log2
                                         if e["status"] == 429)
        no_changes = rc2 == 0 and "No changes." in out2

        figures = {
            "users": n_users, "groups": n_groups, "member_patches_ideal": n_chunks,
            "memberships": a.members, "server_read_rate": a.read_rate,
            "server_write_rate": a.write_rate, "server_member_rate": a.member_rate,
            "client_keys": a.client, "latency_s": a.latency,
            "max_connections": a.max_connections,
            "initial_sync_s": round(secs, 1), "initial_requests": len(log),
            "initial_writes": len(writes), "creates": len(creates),
            "member_patches": len(patches),
            "create_write_rate": round(w_create, 2),
            "create_write_fraction": round(w_create / a.write_rate, 3),
            "all_writes_rate": round(w_all, 2),
            "all_writes_fraction": round(w_all / a.write_rate, 3),
            "member_values_rate": round(m_rate, 1),
            "member_values_fraction": round(m_rate / a.member_rate, 3) if a.member_rate else None,
            "initial_429": dict(throttled), "peak_rss_mib": round(rss / 1024, 1),
            "cpu_s": round(cpu, 1),
            "full_read_s": round(secs2, 1), "full_read_requests": len(log2),
            "full_read_rate": round(r_all, 2),
            "full_read_fraction": round(r_all / a.read_rate, 3),
            "member_reads": len(member_reads),
            "member_read_rate": round(r_members, 2),
            "member_read_fraction": round(r_members / a.read_rate, 3),
            "full_read_429": dict(throttled2), "full_read_no_changes": no_changes,
        }
        print("SCIM budgets: %d users, %d groups, %d memberships; emulator at %g reads/s, "
              "%g writes/s, %g member values/s; %g ms latency, %d connections%s"
              % (n_users, n_groups, a.members, a.read_rate, a.write_rate, a.member_rate,
                 a.latency * 1000, a.max_connections,
                 "; client " + " ".join(a.client) if a.client else ""))
        print("  initial sync: %.1f s, %d requests (%d creates, %d member PATCHes), "
              "429s %s" % (secs, len(log), len(creates), len(patches),
                          dict(throttled) or "none"))
        print("    creates: %.2f writes/s = %.3f x %g" % (w_create, w_create / a.write_rate,
                                                          a.write_rate))
        print("    all writes: %.2f writes/s = %.3f x %g (member PATCHes wait on member values)"
              % (w_all, w_all / a.write_rate, a.write_rate))
        if a.member_rate:
            print("    member PATCHes: %.1f values/s = %.3f x %g"
                  % (m_rate, m_rate / a.member_rate, a.member_rate))
        print("    scimsync: peak RSS %.1f MiB, %.1f s CPU" % (rss / 1024, cpu))
        print("  full read (second sync): %.1f s, %d reads, %s, 429s %s"
              % (secs2, len(reads), "no changes" if no_changes else "CHANGES (exit %d)" % rc2,
                 dict(throttled2) or "none"))
        print("    all reads: %.2f reads/s = %.3f x %g (the group listing and the member "
              "reads run beside the user cursor chain)" % (r_all, r_all / a.read_rate,
                                                           a.read_rate))
        print("    member reads (%d, concurrent): %.2f reads/s = %.3f x %g"
              % (len(member_reads), r_members, r_members / a.read_rate, a.read_rate))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(figures, f, indent=1)
        return 0 if no_changes else 1
    finally:
        if emu:
            emu.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
