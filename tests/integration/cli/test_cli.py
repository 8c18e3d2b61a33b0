#!/usr/bin/env python3
"""The scimsync binary end to end: CSV source -> memory target (a JSON state
file), exit codes, plan/validate/plugins output, secrets never printed, and
the daemon's signals.

Environment (set by CMake): SCIMSYNC_BIN, SCIMSYNC_TEST_PLUGIN_DIR (memory.so
and the broken plugins), SCIMSYNC_PLUGIN_DIR (csv.so).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import re
import unittest

BIN = os.environ.get("SCIMSYNC_BIN", "")
TEST_PLUGINS = os.environ.get("SCIMSYNC_TEST_PLUGIN_DIR", "")
PLUGINS = os.environ.get("SCIMSYNC_PLUGIN_DIR", "")
SECRET = "Tk-" + os.urandom(12).hex()  # must never appear in any output

USERS = [
    ("u1", "alice", "Alice", "Archer", "true"),
    ("u2", "bob", "Bob", "Baker", "true"),
    ("u3", "carol", "Carol", "Cooper", "true"),
    ("u4", "dave", "Dave", "Dyer", "true"),
]


def users_csv(users):
    lines = ["id,userName,givenName,familyName,displayName,email,active"]
    for uid, name, given, family, active in users:
        lines.append(f"{uid},{name},{given},{family},{given} {family},{name}@example.com,{active}")
    return "\n".join(lines) + "\n"


# The plugin ABI this tree builds (the header is the one source of it).
_PLUGIN_H = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                         "plugin-api", "include", "scimsync", "plugin.h")
with open(_PLUGIN_H, encoding="utf-8") as _f:
    ABI = "1." + re.search(r"#define SCIMSYNC_ABI_MINOR (\d+)", _f.read()).group(1)


class CliTest(unittest.TestCase):
    def setUp(self):
        if not BIN or not os.path.exists(os.path.join(PLUGINS, "csv.so")):
            self.skipTest("scimsync binary or csv.so not built")
        self.dir = tempfile.mkdtemp(prefix="ss_cli_it.")
        self.confd = os.path.join(self.dir, "conf.d")
        os.mkdir(self.confd)
        self.ini = os.path.join(self.dir, "scimsync.ini")
        self.state = os.path.join(self.dir, "state.json")
        self.env = dict(os.environ)
        self.env["SCIMSYNC_PLUGIN_PATH"] = TEST_PLUGINS
        self.env["SS_IT_TOKEN"] = SECRET
        self.outputs = []  # every stdout/stderr seen, for the secret check
        self.write("users.csv", users_csv(USERS))
        self.write("groups.csv", "id,displayName,members\ng1,staff,u1;u2;u3\n")
        self.config()

    def tearDown(self):
        for text in self.outputs:
            self.assertNotIn(SECRET, text)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers ---------------------------------------------------------
    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w", encoding="utf-8") as f:
            f.write(text)

    def config(self, engine="", target_extra="", source_extra=""):
        self.write("scimsync.ini", f"""[engine]
{engine}

[source hr]
plugin = csv
users_file = users.csv
groups_file = groups.csv
{source_extra}

[target idc]
plugin = memory
state_file = state.json
token = env:SS_IT_TOKEN
{target_extra}
""")

    def read_ini(self):
        with open(self.ini, encoding="utf-8") as f:
            return f.read()

    def run_cli(self, *args, config=True, timeout=60):
        cmd = [BIN]
        if config:
            cmd += ["-c", self.ini, "--conf-dir", self.confd]
        cmd += list(args)
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
        self.outputs += [p.stdout, p.stderr]
        return p

    def load_state(self):
        if not os.path.exists(self.state):
            return {"users": [], "groups": [], "writes": []}
        with open(self.state, encoding="utf-8") as f:
            return json.load(f)

    def writes(self):
        return len(self.load_state().get("writes", []))

    # -- sync --------------------------------------------------------------
    def test_first_sync_creates_second_changes_nothing(self):
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 0, p.stderr)
        st = self.load_state()
        self.assertEqual(sorted(u["userName"] for u in st["users"]),
                         ["alice", "bob", "carol", "dave"])
        self.assertEqual([g["displayName"] for g in st["groups"]], ["staff"])
        self.assertEqual(len(st["groups"][0]["members"]), 3)
        n = self.writes()
        self.assertGreater(n, 0)
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.writes(), n, "a second sync must write nothing")

    def test_dry_run_and_plan_write_nothing(self):
        p = self.run_cli("sync", "--dry-run")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.writes(), 0)
        p = self.run_cli("plan")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.writes(), 0)

    def test_plan_json_is_valid_json(self):
        p = self.run_cli("plan", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        json.loads(p.stdout)
        self.assertEqual(self.writes(), 0)

    def test_update_is_applied(self):
        self.assertEqual(self.run_cli("sync").returncode, 0)
        changed = [USERS[0], ("u2", "bob", "Robert", "Baker", "true")] + USERS[2:]
        self.write("users.csv", users_csv(changed))
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 0, p.stderr)
        bob = [u for u in self.load_state()["users"] if u["userName"] == "bob"][0]
        self.assertEqual(bob["givenName"], "Robert")

    # -- exit codes ---------------------------------------------------------
    def test_exit_1_bad_config(self):
        self.config(target_extra="bogus = 1")
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 1)
        self.assertIn("scimsync.ini:14: [target idc]: unknown key 'bogus'", p.stderr)
        self.assertEqual(self.writes(), 0)

        p = subprocess.run([BIN, "-c", os.path.join(self.dir, "nope.ini"), "validate"],
                           env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("nope.ini: cannot read", p.stderr)

        p = self.run_cli("frobnicate")
        self.assertEqual(p.returncode, 1)
        p = self.run_cli("sync", "--no-such-option")
        self.assertEqual(p.returncode, 1)
        p = self.run_cli("validate", "--json")
        self.assertEqual(p.returncode, 1)

    def test_exit_1_broken_plugins_one_line_each(self):
        for plugin, reason in (("abi99", "built for ABI 99.0, this scimsync speaks " + ABI),
                               ("nodesc", "no scimsync_plugin_descriptor symbol"),
                               ("missingdep", "libssgone.so: cannot open shared object file"),
                               ("csv", "'csv' is a source plugin, a target plugin is needed")):
            self.write("scimsync.ini", f"""[source hr]
plugin = csv
users_file = users.csv

[target idc]
plugin = {plugin}
""")
            p = self.run_cli("validate")
            self.assertEqual(p.returncode, 1, plugin)
            errors = [l for l in p.stderr.splitlines()
                      if " error " in l and "configuration is not valid" not in l]
            self.assertEqual(len(errors), 1, p.stderr)
            self.assertIn("scimsync.ini:6: [target idc]: ", errors[0])
            self.assertIn(reason, errors[0])
            self.assertIn(".so", errors[0])

    def test_exit_2_target_read_fails(self):
        self.config(target_extra="fail_read = true")
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(self.writes(), 0)

    def test_exit_2_bad_csv(self):
        self.write("users.csv", users_csv(USERS) + 'u9,"unterminated,x,y,z,w,true\n')
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("users.csv", p.stderr)
        self.assertEqual(self.writes(), 0)

    def test_exit_3_failed_operation(self):
        self.config(target_extra="fail_user_names = bob")
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 3, p.stderr)
        names = sorted(u["userName"] for u in self.load_state()["users"])
        self.assertEqual(names, ["alice", "carol", "dave"])

    def test_exit_4_safety_limit_then_force(self):
        self.assertEqual(self.run_cli("sync").returncode, 0)
        self.config(engine="on_missing = delete\nmax_deletes = 1\nmax_delete_percent = -1")
        self.write("users.csv", users_csv(USERS[:1]))
        self.write("groups.csv", "id,displayName,members\ng1,staff,u1\n")
        before = self.writes()
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertEqual(self.writes(), before, "a refused run writes nothing")
        p = self.run_cli("sync", "--force-deletes")
        self.assertEqual(p.returncode, 0, p.stderr)
        names = [u["userName"] for u in self.load_state()["users"]]
        self.assertEqual(names, ["alice"])

    def test_force_updates_applies_a_cleared_field(self):
        self.assertEqual(self.run_cli("sync").returncode, 0)
        # The email column emptied for every user: a field cleared on 4 of 4.
        text = users_csv(USERS).splitlines()
        rows = [text[0]] + [",".join(r.split(",")[:5] + ["", r.split(",")[6]]) for r in text[1:]]
        self.write("users.csv", "\n".join(rows) + "\n")
        before = self.writes()
        p = self.run_cli("sync", "--force-deletes")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("clears email on 4 of 4 owned users (100.0%)", p.stderr)
        self.assertEqual(self.writes(), before, "a refused run writes nothing")
        p = self.run_cli("sync", "--force-updates")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("applying anyway (--force-updates)", p.stderr)
        self.assertFalse(any(u.get("email") for u in self.load_state()["users"]))
        for cmd in ("plan", "validate"):
            p = self.run_cli(cmd, "--force-updates")
            self.assertEqual(p.returncode, 1)
            self.assertIn("--force-updates is an option of sync, not of", p.stderr)

    def test_exit_6_skipped_entries_rest_applied(self):
        # bob and eve share a userName: both skipped, the others applied.
        self.write("users.csv", users_csv(USERS + [("u5", "bob", "Eve", "Evans", "true")]))
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("error", p.stderr)
        self.assertIn('userName "bob" is not unique', p.stderr)
        self.assertIn("2 source entries were skipped because of data errors", p.stderr)
        names = sorted(u["userName"] for u in self.load_state()["users"])
        self.assertEqual(names, ["alice", "carol", "dave"])
        self.assertIn("2 skipped", p.stdout)
        # The same from plan and a dry run; a clean source exits 0 again.
        self.assertEqual(self.run_cli("plan").returncode, 6)
        self.assertEqual(self.run_cli("sync", "--dry-run").returncode, 6)
        self.write("users.csv", users_csv(USERS))
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 0, p.stderr)

    # -- validate, plugins, help ------------------------------------------------
    def test_validate(self):
        p = self.run_cli("validate")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("configuration is valid", p.stdout)
        self.assertIn("plugin csv", p.stdout)
        self.assertIn("plugin memory", p.stdout)
        self.assertFalse(os.path.exists(self.state))

    def test_validate_does_not_resolve_secrets(self):
        # validate checks that the variable is set, without printing it
        p = self.run_cli("validate")
        self.assertEqual(p.returncode, 0, p.stderr)
        del self.env["SS_IT_TOKEN"]
        p = self.run_cli("validate")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("scimsync.ini:13: [target idc] token: environment variable SS_IT_TOKEN "
                      "is not set", p.stderr)
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 1)
        self.assertIn("environment variable SS_IT_TOKEN is not set", p.stderr)

    def test_literal_secret_refused(self):
        self.config()
        text = self.read_ini().replace("env:SS_IT_TOKEN", SECRET)
        self.write("scimsync.ini", text)
        p = self.run_cli("validate")
        self.assertEqual(p.returncode, 1)
        self.assertIn("token: must be a secret reference", p.stderr)

    def test_key_limits(self):
        # the plugin declares the range; the host checks it in validate and
        # in every run, naming file, section, key, value and the range
        self.config(source_extra="max_record_bytes = 10")
        for args in (["validate"], ["sync"]):
            p = self.run_cli(*args)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("scimsync.ini:8: [source hr] max_record_bytes: '10' is out of range: "
                          "must be between 1024 and 1073741824", p.stderr)
        self.assertFalse(os.path.exists(self.state))
        self.config(source_extra="max_record_bytes = 2048")
        p = self.run_cli("validate")
        self.assertEqual(p.returncode, 0, p.stderr)
        # and the plugin's help lists them
        p = self.run_cli("help", "plugin", "csv", config=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Allowed values (validate and every run check them):\n"
                      "  max_record_bytes: must be between 1024 and 1073741824\n", p.stdout)

    def test_extra_attributes_need_a_target_that_takes_them(self):
        # the memory target has no extra_check: every extra.NAME line is
        # refused by validate and by a run, naming the line
        text = self.read_ini() + "\n[mapping hr]\nextra.site = ${email}\nextra.bad name = x\n"
        self.write("scimsync.ini", text)
        p = self.run_cli("validate")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("mapping field 'extra.bad name': ' ' in an extra attribute name", p.stderr)
        self.write("scimsync.ini", self.read_ini().replace("extra.bad name = x\n", ""))
        for args in (["validate"], ["sync"]):
            p = self.run_cli(*args)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertRegex(p.stderr, r"scimsync\.ini:\d+: extra\.site: \[target idc\] \(plugin "
                                       r"memory\) takes no extra attributes")
        self.assertFalse(os.path.exists(self.state))

    def test_secret_never_printed(self):
        secret_file = os.path.join(self.dir, "token.txt")
        with open(secret_file, "w", encoding="utf-8") as f:
            f.write(SECRET + "\n")
        os.chmod(secret_file, 0o600)
        for ref in ("env:SS_IT_TOKEN", "file:token.txt"):
            text = self.read_ini()
            text = text.replace("env:SS_IT_TOKEN", ref)
            self.write("scimsync.ini", text)
            for args in (["-v", "validate"], ["-v", "sync"], ["-v", "plan", "--json"],
                         ["-v", "--log-format", "json", "sync", "--dry-run"],
                         ["-v", "plugins"]):
                p = self.run_cli(*args)
                self.assertIn(p.returncode, (0,), (args, p.stderr))
            self.config()
        # tearDown checks every captured output for the secret

    def test_plugins_listing_and_keys(self):
        p = self.run_cli("plugins", config=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        mem = [l for l in lines if l.startswith("memory ")]
        self.assertEqual(len(mem), 1, p.stdout)
        self.assertIn("target", mem[0])
        self.assertIn(ABI, mem[0])
        self.assertIn(os.path.join(TEST_PLUGINS, "memory.so"), mem[0])
        # built against ABI 1.1 (no find_users): it loads too
        mem11 = [l for l in lines if l.startswith("memory11 ")]
        self.assertEqual(len(mem11), 1, p.stdout)
        self.assertIn(" 1.1 ", mem11[0])
        # the same target built against ABI 1.0 (no check entry) still loads
        mem10 = [l for l in lines if l.startswith("memory10 ")]
        self.assertEqual(len(mem10), 1, p.stdout)
        self.assertIn(" 1.0 ", mem10[0])
        self.assertTrue(any(l.startswith("csv ") and "source" in l for l in lines), p.stdout)
        abi = [l for l in lines if "abi99.so" in l]
        self.assertEqual(len(abi), 1)
        self.assertIn("built for ABI 99.0", abi[0])
        for args in (["plugins", "--keys", "memory"], ["help", "plugin", "memory"]):
            p = self.run_cli(*args, config=False)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout, r"state_file\s+path\s+yes")
            self.assertRegex(p.stdout, r"fail_read\s+bool\s+no\s+false")
        p = self.run_cli("plugins", "--keys", "nosuch", config=False)
        self.assertEqual(p.returncode, 1)

    def test_help_and_version(self):
        for args in (["--help"], ["sync", "--help"], ["help", "plan"], ["help"],
                     ["help", "config"], ["validate", "-h"], ["daemon", "--help"]):
            p = self.run_cli(*args, config=False)
            self.assertEqual(p.returncode, 0, (args, p.stderr))
            self.assertIn("scimsync" if args != ["help", "config"] else "max_deletes", p.stdout)
        self.assertIn("Exit codes", self.run_cli("--help", config=False).stdout)
        self.assertIn("Exit codes", self.run_cli("sync", "--help", config=False).stdout)
        self.assertIn("--force-updates", self.run_cli("sync", "--help", config=False).stdout)
        self.assertIn("max_field_clear_percent", self.run_cli("help", "config",
                                                              config=False).stdout)
        p = self.run_cli("version", config=False)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^scimsync \d+\.\d+\.\d+ \(plugin ABI " + re.escape(ABI) + r"\)")
        self.assertEqual(self.run_cli(config=False).returncode, 1)

    def test_json_logs(self):
        # fail_read makes the plugin itself log, through the host's log service
        self.config(target_extra="fail_read = true")
        p = self.run_cli("--log-format", "json", "-v", "sync")
        self.assertEqual(p.returncode, 2, p.stderr)
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        self.assertTrue(lines)
        for line in lines:
            rec = json.loads(line)
            # every line has these; events add "event" and their fields,
            # plugin lines their instance and plugin
            self.assertLessEqual({"component", "level", "msg", "ts"}, set(rec))
            if rec["component"] != "core":
                self.assertEqual(rec["instance"], rec["component"].split(" ", 1)[1], line)
            elif len(rec) > 4:
                self.assertIn("event", rec, line)
            self.assertIn(rec["level"], ("error", "warn", "info", "debug"))
        self.assertTrue(any(json.loads(l)["component"] == "target idc" and
                            json.loads(l)["msg"] == "listing failed (fail_read = true)"
                            for l in lines), p.stderr)

    def test_text_log_format_and_quiet(self):
        p = self.run_cli("sync")
        self.assertRegex(p.stderr.splitlines()[0],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (error|warn|info|debug) ")
        p = self.run_cli("-q", "sync")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stderr, "")

    def test_dropin_overrides_main(self):
        # conf.d wins over the main file: fail_read set there breaks the run
        with open(os.path.join(self.confd, "50-fail.ini"), "w", encoding="utf-8") as f:
            f.write("[target idc]\nfail_read = true\n")
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 2, p.stderr)

    # -- check and the ABI 1.0 plugin ------------------------------------------
    def test_check_plugin_without_check_entry(self):
        # the memory target has no check entry: one WARN line, still exit 0
        p = self.run_cli("check")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"(?m)^WARN  target idc +plugin memory \S+ has no checks")
        self.assertRegex(p.stdout, r"(?m)^PASS  target idc ref token +env:SS_IT_TOKEN resolves")
        self.assertRegex(p.stdout, r"(?m)^PASS  source hr read ")
        self.assertNotIn("FAIL", p.stdout)
        # the same target built against ABI 1.0 loads, syncs and is checked alike
        self.write("scimsync.ini", self.read_ini().replace("plugin = memory", "plugin = memory10"))
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.load_state()["users"]), 4)
        p = self.run_cli("check")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"(?m)^WARN  target idc +plugin memory10 \S+ has no checks "
                                   r"\(ABI 1\.0\)")
        # a reference that does not resolve: FAIL with a hint, exit 2
        self.write("scimsync.ini", self.read_ini().replace("env:SS_IT_TOKEN", "env:SS_IT_NOPE"))
        p = self.run_cli("check")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"(?m)^FAIL  target idc ref token +env:SS_IT_NOPE")
        self.assertRegex(p.stdout, r"(?m)^      hint: fix token in \[target idc\]")

    # -- daemon ---------------------------------------------------------------
    def test_daemon_runs_reloads_and_stops(self):
        self.config(engine="interval = 1\njitter = 0")
        log = open(os.path.join(self.dir, "daemon.log"), "w+", encoding="utf-8")
        proc = subprocess.Popen([BIN, "-c", self.ini, "--conf-dir", self.confd, "daemon"],
                                env=self.env, stdout=subprocess.DEVNULL, stderr=log, text=True)
        try:
            self.wait_for(lambda: len(self.load_state()["users"]) == 4)
            # a failing run is logged and retried, the daemon stays up
            self.write("users.csv", users_csv(USERS) + 'u9,"broken\n')
            self.wait_for(lambda: "run failed (exit code 2)" in self.read(log))
            self.assertIsNone(proc.poll())
            self.write("users.csv", users_csv(USERS + [("u5", "erin", "Erin", "Ellis", "true")]))
            self.wait_for(lambda: len(self.load_state()["users"]) == 5)
            # SIGHUP with a broken configuration: logged, the previous one stays
            self.write("scimsync.ini", self.read_ini() + "\n[bogus]\nx = 1\n")
            proc.send_signal(signal.SIGHUP)
            self.wait_for(lambda: "keeping the previous one" in self.read(log))
            self.assertIsNone(proc.poll())
            # SIGHUP: the new configuration (fail_read) is used from the next run
            self.config(engine="interval = 1\njitter = 0", target_extra="fail_read = true")
            proc.send_signal(signal.SIGHUP)
            self.wait_for(lambda: "configuration reloaded" in self.read(log))
            self.wait_for(lambda: "listing failed (fail_read = true)" in self.read(log))
            self.assertIsNone(proc.poll())
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=20), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            self.outputs.append(self.read(log))
            log.close()

    def read(self, f):
        f.flush()
        with open(f.name, encoding="utf-8") as g:
            return g.read()

    def wait_for(self, cond, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if cond():
                    return
            except (ValueError, OSError):
                pass  # state file mid-rename
            time.sleep(0.1)
        self.fail("condition not met within %s s" % timeout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
