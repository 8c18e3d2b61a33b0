#!/usr/bin/env python3
"""State store benchmark: a generated directory synced into the Identity
Center emulator with [engine] state, then a no-op run from the state (the
run the state exists for) and, for comparison, a no-op with --full.  Each
run goes through /usr/bin/time -v for wall time and peak memory; the
emulator's request log gives the target requests.  Prints the state size.

    state-bench.py --scimsync BIN --plugins DIR [--users 10000] [--groups 1000]
                   [--members 100000] [--state file|s3] [--json FILE]
                   [--paced [--read-rate 40] [--write-rate 25] [--member-rate 100]
                    [--latency 0.05]]

The issue's scale: --users 100000 --groups 10000 --members 1000000 (the
initial sync then sends ~121,000 requests to the emulator: allow an hour
on a small machine; the no-op runs are what is measured).  The emulator is
unpaced here: pacing is the budgets benchmark's subject
(bench/scim-budget-bench.py).

--paced: the initial sync (the seeding) stays unpaced, then the emulator
throttles like Identity Center (--read-rate reads/s, --write-rate writes/s,
--member-rate member values/s, each request --latency s late) and scimsync
runs at its identity-center defaults (read_rate 40, write_rate 25,
member_op_rate 100) for the two measured runs: the no-op from the state,
and `sync --full`, a full reconcile, whose achieved read rate is printed as
a fraction of --read-rate (reads after the first over the time from the
first to the last), with the 429s.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "scim"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "state"))
import scimlib  # noqa: E402


def timed(cmd, env):
    """(exit code, stdout, stderr, wall s, peak RSS KiB) through /usr/bin/time -v."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name, *cmd], env=env,
                           capture_output=True, text=True)
        wall = time.monotonic() - t0
        report = open(tf.name).read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    return p.returncode, p.stdout, p.stderr, wall, int(m.group(1)) if m else -1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--members", type=int, default=100000)
    ap.add_argument("--state", choices=["file", "s3"], default="file")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--paced", action="store_true",
                    help="measure the two runs against Identity Center's throttles")
    ap.add_argument("--read-rate", type=float, default=40)
    ap.add_argument("--write-rate", type=float, default=25)
    ap.add_argument("--member-rate", type=float, default=100)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--full-log", help="write the emulator's log of the --full run here")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="scimsync-state-bench-")
    emu = s3 = None
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "gen-directory.py"), "--users",
                        str(a.users), "--groups", str(a.groups), "--members", str(a.members),
                        "--out", work], check=True, stdout=subprocess.DEVNULL)
        emu = scimlib.Emulator(work)
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=a.plugins, SCIM_BENCH_TOKEN=scimlib.TOKEN)
        if a.state == "file":
            state_url = "file:" + os.path.join(work, "state.json")
            extra = ""
        else:
            import test_state  # the S3 fixture helper
            s3 = test_state.S3(work)
            env.update(s3.env())
            state_url = "s3://state-bucket/bench/state.json"
            extra = "state_s3_path_style = true\n"
        def write_ini(rates):
            with open(os.path.join(work, "scimsync.ini"), "w") as f:
                f.write("[engine]\nmax_deletes = -1\nmax_delete_percent = -1\nstate = %s\n%s\n"
                        "[source bench]\nplugin = csv\nusers_file = users.csv\n"
                        "groups_file = groups.csv\n\n"
                        "[target idc]\nplugin = scim\nurl = %s\ntoken = env:SCIM_BENCH_TOKEN\n"
                        "profile = identity-center\n%smax_connections = 16\nretries = 8\n"
                        % (state_url, extra, emu.url, rates))

        write_ini("rate_limit = 0\nread_rate = 0\nwrite_rate = 0\nmember_op_rate = 0\n")
        os.makedirs(os.path.join(work, "empty"))
        cmd = [a.scimsync, "-c", os.path.join(work, "scimsync.ini"), "--conf-dir",
               os.path.join(work, "empty"), "sync"]

        rc, out, err, wall0, rss0 = timed(cmd, env)
        if rc != 0:
            print(out[-3000:], err[-3000:], sep="\n")
            print("initial sync failed: exit %d" % rc)
            return 1
        n0 = len(emu.log())
        if a.state == "file":
            size = os.path.getsize(os.path.join(work, "state.json"))
        else:
            size = s3.admin("objects")["/state-bucket/bench/state.json"]["size"]

        if a.paced:
            emu.config(read_rate=a.read_rate, write_rate=a.write_rate,
                       member_rate=a.member_rate, latency=a.latency)
            write_ini("")  # the identity-center defaults
        load1 = os.getloadavg()
        emu.clear_log()
        rc1, out1, err1, wall1, rss1 = timed(cmd, env)
        log1 = emu.log()
        load2 = os.getloadavg()
        emu.clear_log()
        rc2, out2, err2, wall2, rss2 = timed(cmd + ["--full"], env)
        log2 = emu.log()
        load2_end = os.getloadavg()
        if a.full_log:
            with open(a.full_log, "w") as f:
                json.dump(log2, f)
        # With a usable state the token check is the first page of the user
        # listing (stopped after one user), which also checks the state.
        token = log1[:1] if log1 and log1[0]["method"] == "GET" \
            and log1[0]["path"].split("?")[0].endswith("/Users") else []
        gets1 = [e for e in log1 if e["method"] == "GET" and e not in token]
        reads2 = [e for e in log2 if e["method"] == "GET" and e["status"] != 429]
        span2 = reads2[-1]["t"] - reads2[0]["t"] if len(reads2) > 1 else 0
        rate2 = (len(reads2) - 1) / span2 if span2 > 0 else 0.0
        throttled2 = sum(1 for e in log2 if e["status"] == 429)
        fig = {
            "users": a.users, "groups": a.groups, "members": a.members, "state": a.state,
            "initial_sync_s": round(wall0, 1), "initial_sync_requests": n0,
            "initial_sync_peak_rss_mib": round(rss0 / 1024, 1),
            "state_bytes": size, "state_mib": round(size / 1048576, 2),
            "noop_state_s": round(wall1, 2), "noop_state_requests": len(log1),
            "noop_state_token_check": len(token), "noop_state_reads_beyond_token": len(gets1),
            "noop_state_writes": len(log1) - len(gets1) - len(token),
            "noop_state_no_changes": rc1 == 0 and "No changes." in out1,
            "noop_state_peak_rss_mib": round(rss1 / 1024, 1),
            "noop_full_s": round(wall2, 2), "noop_full_requests": len(log2),
            "noop_full_no_changes": rc2 == 0 and "No changes." in out2,
            "noop_full_peak_rss_mib": round(rss2 / 1024, 1),
            "noop_full_reads": len(reads2), "noop_full_read_rate": round(rate2, 2),
            "noop_full_429": throttled2, "paced": a.paced,
            "load_noop_state": load1, "load_full": load2, "load_full_end": load2_end,
        }
        if a.paced:
            fig.update({"read_rate": a.read_rate, "write_rate": a.write_rate,
                        "member_rate": a.member_rate, "latency_s": a.latency,
                        "noop_full_read_fraction": round(rate2 / a.read_rate, 3)})
        print("state store benchmark: %d users, %d groups, %d memberships, state in %s"
              % (a.users, a.groups, a.members, a.state))
        print("  initial sync: %.1f s, %d requests, peak RSS %.1f MiB"
              % (wall0, n0, rss0 / 1024))
        print("  state: %d bytes (%.2f MiB)" % (size, size / 1048576))
        if a.paced:
            print("  paced: emulator at %g reads/s, %g writes/s, %g member values/s, %g ms "
                  "latency; scimsync at its identity-center defaults"
                  % (a.read_rate, a.write_rate, a.member_rate, a.latency * 1000))
        print("  no-op from the state: %.2f s wall, %d target requests (%d token check, %d "
              "read beyond it), %s, peak RSS %.1f MiB (load %.2f %.2f %.2f)"
              % (wall1, len(log1), len(token), len(gets1),
                 "no changes" if fig["noop_state_no_changes"] else "CHANGES (exit %d)" % rc1,
                 rss1 / 1024, *load1))
        print("  no-op with --full: %.2f s wall, %d target requests, %s, peak RSS %.1f MiB "
              "(load %.2f %.2f %.2f before, %.2f %.2f %.2f after)"
              % (wall2, len(log2),
                 "no changes" if fig["noop_full_no_changes"] else "CHANGES (exit %d)" % rc2,
                 rss2 / 1024, *load2, *load2_end))
        print("    reads: %d at %.2f reads/s%s, 429s: %d"
              % (len(reads2), rate2,
                 " = %.3f x %g" % (rate2 / a.read_rate, a.read_rate) if a.paced else "",
                 throttled2))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(fig, f, indent=1)
        ok = fig["noop_state_no_changes"] and fig["noop_full_no_changes"] and not gets1 \
            and len(log1) == 1 and fig["noop_state_writes"] == 0
        return 0 if ok else 1
    finally:
        if emu:
            emu.stop()
        if s3:
            s3.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
