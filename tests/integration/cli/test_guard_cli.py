#!/usr/bin/env python3
"""Guard rails of the command line and the configuration (issue 12): no
abbreviated options, 'did you mean', -c never reads the system drop-in
folder, duplicate keys, skipped drop-ins, `scimsync config`, validate in
one pass, scope lists and plan readability.  CSV source -> memory target.

Environment (set by CMake): SCIMSYNC_BIN, SCIMSYNC_TEST_PLUGIN_DIR,
SCIMSYNC_PLUGIN_DIR (csv.so, ldap.so, scim.so), SCIMSYNC_SYSCONF_DIR (the
compiled-in system folder, e.g. /usr/local/etc/scimsync).
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("SCIMSYNC_BIN", "")
TEST_PLUGINS = os.environ.get("SCIMSYNC_TEST_PLUGIN_DIR", "")
PLUGINS = os.environ.get("SCIMSYNC_PLUGIN_DIR", "")
SYSCONF = os.environ.get("SCIMSYNC_SYSCONF_DIR", "")
SECRET = "Tk-" + os.urandom(12).hex()

USERS_CSV = """id,userName,givenName,familyName,displayName,active
u1,alice,Alice,Archer,Alice Archer,true
u2,bob,Bob,Baker,Bob Baker,false
u3,breakglass-2,Root,Two,Root Two,true
"""
GROUPS_CSV = """id,displayName,members
g1,staff,u1;u2
g2,admins,u1
"""


class GuardCliTest(unittest.TestCase):
    def setUp(self):
        if not BIN or not os.path.exists(os.path.join(PLUGINS, "csv.so")):
            self.skipTest("scimsync binary or csv.so not built")
        self.dir = tempfile.mkdtemp(prefix="ss_guard_it.")
        self.ini = os.path.join(self.dir, "scimsync.ini")
        self.confd = os.path.join(self.dir, "conf.d")
        os.mkdir(self.confd)
        self.state = os.path.join(self.dir, "state.json")
        self.env = dict(os.environ)
        self.env["SCIMSYNC_PLUGIN_PATH"] = TEST_PLUGINS
        self.env["SS_IT_TOKEN"] = SECRET
        self.outputs = []
        self.write("users.csv", USERS_CSV)
        self.write("groups.csv", GROUPS_CSV)
        self.config()

    def tearDown(self):
        for text in self.outputs:
            self.assertNotIn(SECRET, text)
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def read(self, name):
        with open(os.path.join(self.dir, name), encoding="utf-8") as f:
            return f.read()

    def config(self, engine="", target_extra=""):
        self.write("scimsync.ini", f"""[engine]
{engine}

[source hr]
plugin = csv
users_file = users.csv
groups_file = groups.csv

[target idc]
plugin = memory
state_file = state.json
token = env:SS_IT_TOKEN
{target_extra}
""")

    def run_cli(self, *args, config=True, env=None):
        cmd = [BIN] + (["-c", self.ini] if config else []) + list(args)
        p = subprocess.run(cmd, env=env or self.env, capture_output=True, text=True, timeout=60)
        self.outputs += [p.stdout, p.stderr]
        return p

    def load_state(self):
        if not os.path.exists(self.state):
            return {"users": [], "groups": [], "writes": []}
        with open(self.state, encoding="utf-8") as f:
            return json.load(f)

    # -- options and commands -------------------------------------------
    def test_force_is_an_unknown_option(self):
        for args in (["sync", "--force"], ["--force", "sync"], ["sync", "--force-d"],
                     ["sync", "--force=1"]):
            p = self.run_cli(*args)
            self.assertEqual(p.returncode, 1, args)
            self.assertIn("unknown option --force", p.stderr)
            self.assertIn("long options are never abbreviated", p.stderr)
        p = self.run_cli("sync", "--force")
        self.assertIn("did you mean '--force-deletes' or '--force-updates'?", p.stderr)
        self.assertEqual(self.load_state()["users"], [], "nothing may be applied")
        # other abbreviations are refused too; the full names still work
        p = self.run_cli("sync", "--dry")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown option --dry (did you mean '--dry-run'?)", p.stderr)
        p = self.run_cli("sync", "--dry-run")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([BIN, "--conf", self.ini, "plan"], env=self.env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("did you mean '--config' or '--conf-dir'?", p.stderr)
        # an option argument that looks like an option is not checked as one
        p = self.run_cli("--log-format", "text", "plan")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_unknown_command_suggestion(self):
        p = self.run_cli("sycn")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown command sycn (did you mean 'sync'?)", p.stderr)
        p = self.run_cli("valdiate")
        self.assertIn("(did you mean 'validate'?)", p.stderr)
        p = self.run_cli("frobnicate")
        self.assertIn("unknown command frobnicate\n", p.stderr)

    def test_daemon_refuses_force(self):
        for flag in ("--force-deletes", "--force-updates"):
            p = self.run_cli("daemon", flag)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn(f"daemon does not take {flag}", p.stderr)
            self.assertIn(f"scimsync sync {flag}", p.stderr)
        self.assertEqual(self.load_state()["users"], [])

    # -- configuration files ----------------------------------------------
    def test_c_reads_the_conf_d_beside_it(self):
        self.write("conf.d/50-local.ini", "[engine]\non_missing = ignore\n")
        p = self.run_cli("config")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"on_missing = ignore +; .*conf\.d/50-local\.ini:2\n")
        self.assertIn("; drop-in folder: " + self.confd, p.stdout)

    def test_c_never_reads_the_system_drop_in(self):
        """A production drop-in in the system folder must not join a -c run.
        The system folder is replaced, in a private mount namespace, by a
        temporary one holding such a drop-in."""
        if not SYSCONF or not shutil.which("unshare"):
            self.skipTest("no system folder known or no unshare")
        probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("unprivileged mount namespaces not available")
        # Mount over the system folder itself, or over its parent when it
        # does not exist (never over / /etc /usr: the binary needs them).
        mount_at = SYSCONF if os.path.isdir(SYSCONF) else os.path.dirname(SYSCONF)
        if mount_at in ("/", "/etc", "/usr") or not os.path.isdir(mount_at):
            self.skipTest(f"will not hide {mount_at}")
        fake = os.path.join(self.dir, "fake-sys")
        inner = fake if mount_at == SYSCONF else os.path.join(fake,
                                                              os.path.basename(SYSCONF))
        os.makedirs(os.path.join(inner, "conf.d"))
        with open(os.path.join(inner, "conf.d", "99-production.ini"), "w") as f:
            f.write("[engine]\non_missing = delete\n")
        shutil.copy(self.ini, os.path.join(inner, "scimsync.ini"))
        for name in ("users.csv", "groups.csv"):
            shutil.copy(os.path.join(self.dir, name), inner)

        def in_ns(*args):
            p = subprocess.run(["unshare", "-rm", "sh", "-c",
                                'mount --bind "$0" "$1" && shift && exec "$@"',
                                fake, mount_at, BIN] + list(args),
                               env=self.env, capture_output=True, text=True, timeout=60)
            self.outputs += [p.stdout, p.stderr]
            return p

        # The planted drop-in is live: without -c it is read ...
        p = in_ns("config")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("on_missing = delete", p.stdout)
        self.assertIn("99-production.ini:2", p.stdout)
        # ... and with -c it is not, not even opened.
        p = in_ns("-c", self.ini, "config")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("on_missing = deactivate", p.stdout)
        self.assertNotIn("99-production", p.stdout + p.stderr)
        self.assertNotIn(SYSCONF, p.stdout + p.stderr)
        p = in_ns("-v", "-c", self.ini, "plan")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("99-production", p.stdout + p.stderr)
        # --conf-dir still names any folder explicitly
        p = in_ns("-c", self.ini, "--conf-dir", os.path.join(SYSCONF, "conf.d"), "config")
        self.assertIn("on_missing = delete", p.stdout)

    def test_duplicate_key_warns_with_both_lines(self):
        self.config(engine="max_deletes = 5\nadopt = false\nmax_deletes = 7")
        p = self.run_cli("validate")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("scimsync.ini:4: [engine] max_deletes is set twice in one file (first at "
                      + self.ini + ":2); the later value is used", p.stderr)
        # a drop-in overriding the main file is the design: no warning
        self.config(engine="max_deletes = 5")
        self.write("conf.d/10-x.ini", "[engine]\nmax_deletes = 9\n")
        p = self.run_cli("validate")
        self.assertNotIn("set twice", p.stderr)

    def test_skipped_drop_ins_are_listed(self):
        for name in ("10-prod.conf", "20-x.INI", "30-y.ini~", ".hidden.ini"):
            self.write("conf.d/" + name, "[engine]\non_missing = delete\n")
        self.write("conf.d/40-ok.ini", "[engine]\nadopt = true\n")
        p = self.run_cli("config")
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in ("10-prod.conf", "20-x.INI", "30-y.ini~", ".hidden.ini"):
            self.assertIn(f" info {self.confd}/{name}: skipped (only *.ini files not starting "
                          "with '.' are read)", p.stderr)
        self.assertIn("adopt = true", p.stdout)
        self.assertNotIn("on_missing = delete", p.stdout)

    def test_config_prints_every_value_with_its_origin(self):
        self.config(engine="max_deletes = 3",
                    target_extra="url = https://svc:pa55@scim.example.com/t/scim/v2?x=1")
        self.write("conf.d/20-tune.ini", "[engine]\njitter = 5\n[mapping hr]\ntitle = ${title}\n")
        p = self.run_cli("config")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        self.assertIn("; read: " + self.ini, out)
        self.assertIn("; read: " + self.confd + "/20-tune.ini", out)
        self.assertRegex(out, r"\nmax_deletes = 3 +; " + self.ini + r":2\n")
        self.assertRegex(out, r"\njitter = 5 +; " + self.confd + r"/20-tune\.ini:2\n")
        self.assertRegex(out, r"\nmax_group_deletes = 10 +; default\n")
        self.assertRegex(out, r"\nusers_file = users\.csv +; " + self.ini + r":6\n")
        self.assertRegex(out, r"\nmax_record_bytes = \d+ +; default\n")  # plugin default
        # a secret stays its reference; a URL loses its password
        self.assertRegex(out, r"\ntoken = env:SS_IT_TOKEN +; " + self.ini + r":12\n")
        self.assertIn("url = https://***@scim.example.com/t/scim/v2?x=1", out)
        self.assertNotIn("pa55", out)
        self.assertIn("\n[mapping hr]\ntitle = ${title}", out)
        # a literal pasted into a secret key is never echoed
        text = self.read("scimsync.ini").replace("env:SS_IT_TOKEN", "literal-" + SECRET)
        self.write("scimsync.ini", text)
        p = self.run_cli("config")
        self.assertEqual(p.returncode, 1)
        self.assertIn("token = <hidden: not a reference>", p.stdout)

    def test_quotes_around_a_value_are_removed(self):
        text = self.read("scimsync.ini").replace("users_file = users.csv",
                                             'users_file = "users.csv"')
        self.write("scimsync.ini", text + '\n[mapping hr]\ntitle = "${givenName} (x)"\n')
        p = self.run_cli("config")
        self.assertIn("users_file = users.csv ", p.stdout)
        self.assertIn("title = ${givenName} (x) ", p.stdout)
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 0, p.stderr)
        alice = [u for u in self.load_state()["users"] if u["userName"] == "alice"][0]
        self.assertEqual(alice["title"], "Alice (x)")

    # -- validate -----------------------------------------------------------
    def test_validate_reports_a_dozen_mistakes_in_one_run(self):
        for so in ("ldap.so", "scim.so"):
            if not os.path.exists(os.path.join(PLUGINS, so)):
                self.skipTest(so + " not built")
        self.write("scimsync.ini", """[engine]
on_missing = delet
max_deletse = 5
adopt = maybe

[sorce extra]
plugin = csv

[source hr]
plugin = csv
users_fil = users.csv
groups_file = missing-groups.csv

[source corp]
plugin = ldap
uri = ldap://dc1.corp.example
bind_dn = svc@corp.example
bind_password = env:SS_GUARD_UNSET_PASSWORD

[mapping hr]
titel = ${title}
displayName = ${givenName|lwoer}
email = ${mail

[target idc]
plugin = scim
url = htps://scim.example.com/t/scim/v2
token = env:SS_GUARD_UNSET_TOKEN
ca_file = /nonexistent/scimsync-ca.pem
""")
        env = dict(self.env)
        env.pop("SS_GUARD_UNSET_PASSWORD", None)
        env.pop("SS_GUARD_UNSET_TOKEN", None)
        p = self.run_cli("validate", env=env)
        self.assertEqual(p.returncode, 1, p.stderr)
        ini = self.ini
        expected = [
            f"{ini}:2: [engine] on_missing: 'delet' is not one of the accepted values "
            "(did you mean 'delete'?)",
            f"{ini}:3: [engine]: unknown key 'max_deletse' (did you mean 'max_deletes'?)",
            f"{ini}:4: [engine] adopt: 'maybe' is not a boolean",
            f"{ini}:7: unknown section [sorce extra] (did you mean '[source extra]'?)",
            f"{ini}:11: [source hr]: unknown key 'users_fil' (did you mean 'users_file'?)",
            f"{ini}:10: [source hr]: required key 'users_file' is missing",
            f"{ini}:12: [source hr] groups_file: file {self.dir}/missing-groups.csv: "
            "No such file or directory",
            f"{ini}:18: [source corp] bind_password: environment variable "
            "SS_GUARD_UNSET_PASSWORD is not set",
            f"{ini}:16: [source corp] uri: bind_password is sent over ldap:// without TLS",
            f"{ini}:21: unknown mapping field 'titel' (did you mean 'title'?)",
            f"{ini}:22: displayName: bad template \"${{givenName|lwoer}}\": unknown transform "
            "'lwoer' (did you mean 'lower'?)",
            f"{ini}:23: email: bad template \"${{mail\": unterminated '${{' at column 1",
            f"{ini}:27: [target idc] url: unknown scheme 'htps' (did you mean 'https://'?)",
            f"{ini}:28: [target idc] token: environment variable SS_GUARD_UNSET_TOKEN is not "
            "set",
            f"{ini}:29: [target idc] ca_file: file /nonexistent/scimsync-ca.pem: No such file "
            "or directory",
        ]
        for msg in expected:
            self.assertIn(msg, p.stderr)
        self.assertEqual(len(expected), 15)
        # one message each: nothing doubled, no knock-on "missing displayName"
        self.assertNotIn("required field displayName", p.stderr)
        self.assertIn("configuration is not valid (every problem is listed above)", p.stderr)
        self.assertNotIn("configuration is valid\n", p.stdout)

    def test_validate_url_shapes(self):
        for url, why in (("https//scim.example.com/x", "'https//scim.example.com/x' has no scheme"),
                         ("https:/scim.example.com/x", "'https:' must be followed by '//'"),
                         ("https://", "https URL without a host name"),
                         ("https://scim.example.com:99999/x", "port 99999 is not from 1 to"),
                         ("https://scim.example.com:4x3/x", "port '4x3' is not a number")):
            self.config(target_extra="url = " + url)
            p = self.run_cli("validate")
            self.assertEqual(p.returncode, 1, url)
            self.assertIn("scimsync.ini:13: [target idc] url: " + why, p.stderr)
        self.config(target_extra="url = http://scim.example.com/x")
        p = self.run_cli("validate")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("[target idc] url: token is sent over http:// without TLS", p.stderr)

    # -- scope lists --------------------------------------------------------
    def test_ignore_users_and_include_groups(self):
        # The target already holds two break-glass accounts we own.
        with open(self.state, "w") as f:
            json.dump({"next_id": 10, "users": [
                {"id": "1", "externalId": "u9", "userName": "breakglass-1", "active": True,
                 "givenName": "R", "familyName": "One", "displayName": "Root One"},
                {"id": "2", "externalId": "u3", "userName": "breakglass-2", "active": True,
                 "givenName": "R", "familyName": "Two", "displayName": "Old Name"},
            ], "groups": []}, f)
        self.config(engine="on_missing = delete\nignore_users = BreakGlass-*\n"
                           "include_groups = staff")
        p = self.run_cli("plan")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Out of scope (ignore_users / ignore_groups / include_groups): 1 source "
                      "users, 1 source groups not synced; 2 target users, 0 target groups left "
                      "alone", p.stdout)
        self.assertNotIn("breakglass", p.stdout)
        self.assertNotIn("admins", p.stdout)
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 0, p.stderr)
        st = self.load_state()
        users = {u["userName"]: u for u in st["users"]}
        self.assertEqual(sorted(users), ["alice", "bob", "breakglass-1", "breakglass-2"])
        self.assertEqual(users["breakglass-2"]["displayName"], "Old Name")  # not changed
        self.assertTrue(users["breakglass-1"]["active"])  # not removed
        self.assertEqual([g["displayName"] for g in st["groups"]], ["staff"])

    # -- plan readability -----------------------------------------------------
    def test_plan_names_target_and_sources_and_inactive_users(self):
        self.config(target_extra="url = https://svc:pa55@scim.example.com/t/scim/v2?token=x#f")
        p = self.run_cli("sync", "--dry-run")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "Target: [target idc] memory "
                                   "https://scim.example.com/t/scim/v2")
        self.assertEqual(lines[1], "Source: [source hr] csv " + self.dir + "/users.csv")
        self.assertIn("+ user bob (Bob Baker) (inactive)", lines)
        self.assertIn("+ user alice (Alice Archer)", lines)
        self.assertEqual(lines[-1], "Dry run: nothing was applied to the target.")
        self.assertNotIn("pa55", p.stdout + p.stderr)
        self.assertEqual(self.load_state()["users"], [])
        p = self.run_cli("plan", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["target"], {"name": "idc", "plugin": "memory",
                                         "location": "https://scim.example.com/t/scim/v2"})
        self.assertEqual(doc["sources"], [{"name": "hr", "plugin": "csv",
                                           "location": self.dir + "/users.csv"}])
        self.assertTrue(doc["dryRun"])
        self.assertEqual(doc["counts"]["usersCreate"], 3)
        bob = [o for o in doc["ops"] if o.get("userName") == "bob"][0]
        self.assertFalse(bob["attributes"]["active"])
        # a real sync has no dry-run line
        p = self.run_cli("sync")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("Dry run", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
