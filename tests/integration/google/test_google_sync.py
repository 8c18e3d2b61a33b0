#!/usr/bin/env python3
"""The Google Workspace source end to end: tests/fixtures/google_emulator.py (the Directory
API and the token endpoint, checking the JWT) -> scimsync -> the Identity Center emulator.

A service account key is generated for each run (openssl genpkey); nothing secret is
committed.  One case per ctest:
  sync      exact users, groups and memberships land (nested groups flattened, a cycle,
            suspended / archived users inactive, non-ASCII names, the default mapping); a
            second run sends no writes; neither the key nor a token reaches the output
  scope     users_from_group (transitive), group_name_pattern (nested groups outside it
            resolved as helpers), domain
  query     user_query and group_query passed to the API
  throttle  403 rateLimitExceeded, 429 with Retry-After and 503 retried; the same result;
            a Retry-After past request_deadline fails at once (exit 2)
  abort     a failure in the middle of paging (users, then members): exit 2, nothing applied
  auth      a key file that is not JSON: exit 1; a subject without delegation: exit 2, a
            clear message, nothing applied; a token that expires during the run is renewed

Usage: test_google_sync.py --scimsync BIN --plugins DIR --case NAME
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scim"))
import scimlib  # noqa: E402

GEMU = os.path.join(HERE, "..", "..", "fixtures", "google_emulator.py")
CLIENT_EMAIL = "scimsync@example-project.iam.gserviceaccount.com"
SUBJECT = "admin@example.com"


def user(uid, email, given, family, **kw):
    u = {"kind": "admin#directory#user", "id": uid, "primaryEmail": email,
         "name": {"givenName": given, "familyName": family, "fullName": given + " " + family},
         "suspended": False, "archived": False, "orgUnitPath": "/",
         "emails": [{"address": email, "primary": True}]}
    u.update(kw)
    return u


def member(mid, email, kind="USER"):
    return {"kind": "admin#directory#member", "id": mid, "email": email, "type": kind,
            "role": "MEMBER", "status": "ACTIVE"}


# alice's manager comes after her in the listing (the plugin defers her), and her
# relation names the manager with other letter case.
USERS = [
    user("100001", "alice@example.com", "Alice", "Archer",
         organizations=[{"title": "Volunteer", "department": "Club"},
                        {"title": "Engineer", "department": "Platform", "costCenter": "CC-100",
                         "primary": True}],
         externalIds=[{"type": "account", "value": "A-9"},
                      {"type": "organization", "value": "E001"}],
         phones=[{"type": "mobile", "value": "+1 555 0101"},
                 {"type": "work", "value": "+1 555 0100", "primary": True}],
         relations=[{"type": "manager", "value": "Bob.Boss@example.com"}]),
    user("100002", "bob.boss@example.com", "Bob", "Boss",
         organizations=[{"title": "Director", "department": "Platform", "primary": True}],
         emails=[{"address": "bob.boss@example.com", "primary": True},
                 {"address": "bob@example.com"}], aliases=["the-boss@example.com"]),
    user("100003", "zoe@example.com", "Zoë", "Ångström",
         relations=[{"type": "manager", "value": "bob@example.com"}]),
    user("100004", "sam@example.com", "Sam", "Suspended", suspended=True),
    user("100005", "archie@example.com", "Archie", "Archived", archived=True),
    user("100006", "taro@example.com", "太郎", "田中",
         relations=[{"type": "manager", "value": "the-boss@example.com"}]),
    user("100007", "eve@other.example", "Eve", "Other"),
]
GROUPS = [
    {"id": "g-eng", "email": "aws-engineering@example.com", "name": "AWS Engineering"},
    {"id": "g-platform", "email": "platform@example.com", "name": "Platform Team"},
    {"id": "g-sre", "email": "sre@example.com", "name": "SRE"},
    {"id": "g-admins", "email": "aws-admins@example.com", "name": "AWS Admins"},
    {"id": "g-empty", "email": "aws-empty@example.com", "name": "AWS Empty"},
]
MEMBERS = {
    # eng > platform > sre > platform: nesting with a cycle; ext-1 is not a user of ours;
    # g-partner is another organization's group (members.list answers 404)
    "g-eng": [member("100001", "alice@example.com"), member("g-platform", "platform@example.com",
                                                            "GROUP"),
              member("ext-1", "partner@elsewhere.example"),
              member("g-partner", "friends@partner.example", "GROUP")],
    "g-platform": [member("100003", "zoe@example.com"), member("g-sre", "sre@example.com",
                                                               "GROUP")],
    "g-sre": [member("100006", "taro@example.com"), member("g-platform", "platform@example.com",
                                                           "GROUP")],
    "g-admins": [member("100002", "bob.boss@example.com"), member("100004", "sam@example.com"),
                 member("100007", "eve@other.example")],
    "g-empty": [],
}
DATA = {"customer_id": "C0123abcd", "users": USERS, "groups": GROUPS, "members": MEMBERS}


class Google:
    def __init__(self, work, pub, page_size=2, token_ttl=3600):
        self.port_file = os.path.join(work, "google.port")
        data = os.path.join(work, "google-data.json")
        with open(data, "w", encoding="utf-8") as f:
            json.dump(DATA, f, ensure_ascii=False)
        self.err = open(os.path.join(work, "google.err"), "w")
        self.proc = subprocess.Popen(
            ["python3", GEMU, "--port", "0", "--port-file", self.port_file, "--data", data,
             "--public-key", pub, "--client-email", CLIENT_EMAIL, "--subject", SUBJECT,
             "--page-size", str(page_size), "--token-ttl", str(token_ttl)],
            stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the Google emulator did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = "http://127.0.0.1:%d" % self.port

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/_admin/" + path, data=data,
                                     method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


class Run:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        key = os.path.join(work, "sa-key.pem")
        pub = os.path.join(work, "sa-pub.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", key], check=True,
                       capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True,
                       capture_output=True)
        with open(key) as f:
            self.pem = f.read()
        self.pub = pub
        self.google = None
        self.scim = None
        self.source = {}
        self.engine = dict(scimlib.NO_LIMITS)

    def start(self, **kw):
        self.google = Google(self.work, self.pub, **kw)
        self.scim = scimlib.Emulator(self.work)
        sa = {"type": "service_account", "project_id": "example-project",
              "private_key_id": "0123456789abcdef", "private_key": self.pem,
              "client_email": CLIENT_EMAIL, "client_id": "123456789012345678901",
              "token_uri": self.google.url + "/token"}
        self.sa_file = os.path.join(self.work, "sa.json")
        fd = os.open(self.sa_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(sa, f)

    def stop(self):
        for e in (self.google, self.scim):
            if e:
                e.stop()

    def config(self):
        src = {"plugin": "google", "credentials": "file:" + self.sa_file, "subject": SUBJECT,
               "api_url": self.google.url, "rate_limit": "0", "retries": "4",
               "request_deadline": "60"}
        src.update(self.source)
        path = os.path.join(self.work, "scimsync.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write("[engine]\n")
            for k, v in self.engine.items():
                f.write("%s = %s\n" % (k, v))
            f.write("\n[source gw]\n")
            for k, v in src.items():
                f.write("%s = %s\n" % (k, v))
            f.write("\n[target idc]\nplugin = scim\nurl = %s\ntoken = env:SCIMSYNC_TEST_TOKEN\n"
                    "profile = identity-center\nrate_limit = 0\nread_rate = 0\n"
                    "write_rate = 0\nmember_op_rate = 0\nretries = 2\n" % self.scim.url)
        return path

    def run(self, *cmd, conf_dir=None):
        empty = os.path.join(self.work, "conf.d-empty")
        os.makedirs(empty, exist_ok=True)
        if conf_dir:
            empty = conf_dir
        env = dict(os.environ, SCIMSYNC_PLUGIN_PATH=self.args.plugins,
                   SCIMSYNC_TEST_TOKEN=scimlib.TOKEN)
        p = subprocess.run([self.args.scimsync, "-v", "-c", self.config(), "--conf-dir", empty,
                            *cmd], env=env, capture_output=True, text=True, timeout=300)
        out = p.stdout + p.stderr
        # the key body (any 40 characters of it) and every issued token stay out of the output
        body = "".join(l for l in self.pem.splitlines() if "-----" not in l)
        leaks = [t for t in self.google.admin("tokens") if t in out]
        if body[100:140] in out or "PRIVATE KEY" in out or leaks or scimlib.TOKEN in out:
            raise AssertionError("a secret appeared in the output of %s" % " ".join(cmd))
        return p

    def google_log(self):
        return self.google.admin("log")


def state(scim):
    st = scim.state()
    users = {u.get("externalId"): u for u in st["users"]}
    by_id = {u["id"]: u.get("externalId") for u in st["users"]}
    groups = {g["displayName"]: sorted(by_id[m] for m in g.get("members", []))
              for g in st["groups"]}
    return users, groups, st


def ent(u):
    return u.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", {})


class Checker:
    def __init__(self):
        self.failures = 0

    def __call__(self, name, cond, p=None, extra=""):
        if cond:
            print("ok   " + name)
        else:
            self.failures += 1
            print("FAIL %s %s" % (name, extra))
            if p is not None:
                print("exit %d\n--- stdout\n%s\n--- stderr\n%s" % (p.returncode, p.stdout,
                                                                  p.stderr))


FULL_GROUPS = {
    "AWS Engineering": ["100001", "100003", "100006"],
    "Platform Team": ["100003", "100006"],
    "SRE": ["100003", "100006"],
    "AWS Admins": ["100002", "100004", "100007"],
    "AWS Empty": [],
}


def case_sync(r, check):
    r.start()
    p = r.run("sync")
    users, groups, _ = state(r.scim)
    check("sync: exit 0", p.returncode == 0, p)
    check("sync: the seven users by Google id", sorted(users) == sorted(u["id"] for u in USERS),
          p, extra=str(sorted(users)))
    a = users.get("100001", {})
    check("sync: default mapping (name, title/department/costCenter of the primary "
          "organization, employeeNumber, primary phone, manager)",
          a.get("userName") == "alice@example.com"
          and a.get("name", {}).get("givenName") == "Alice"
          and a.get("name", {}).get("familyName") == "Archer"
          and a.get("displayName") == "Alice Archer" and a.get("title") == "Engineer"
          and ent(a).get("department") == "Platform" and ent(a).get("costCenter") == "CC-100"
          and ent(a).get("employeeNumber") == "E001"
          and [ph.get("value") for ph in a.get("phoneNumbers", [])] == ["+1 555 0100"]
          and ent(a).get("manager", {}).get("value") == users.get("100002", {}).get("id"),
          extra=json.dumps(a, ensure_ascii=False))
    z = users.get("100003", {})
    t = users.get("100006", {})
    boss = users.get("100002", {}).get("id")
    check("sync: non-ASCII names intact; managers named by a secondary address, an alias",
          z.get("displayName") == "Zoë Ångström" and t.get("name", {}).get("givenName") == "太郎"
          and ent(z).get("manager", {}).get("value") == boss
          and ent(t).get("manager", {}).get("value") == boss,
          extra=json.dumps([z, t], ensure_ascii=False))
    check("sync: suspended and archived users inactive, the others active",
          users.get("100004", {}).get("active") is False
          and users.get("100005", {}).get("active") is False
          and all(users.get(i, {}).get("active") is True
                  for i in ("100001", "100002", "100003", "100006", "100007")),
          extra=str({k: v.get("active") for k, v in users.items()}))
    check("sync: groups with flattened members (nested, cycle, outsider left out)",
          groups == FULL_GROUPS, p, extra=str(groups))
    check("sync: another organization's nested group: a warning, its members left out",
          "nested group g-partner (a member of a group read) cannot be read (HTTP 404"
          in p.stderr
          and " error " not in p.stderr, p)
    glog = r.google_log()
    check("sync: small pages read (users in 4 pages of 2)",
          len([e for e in glog if e["path"].endswith("/users") and e["status"] == 200]) == 4,
          extra=str(glog))
    check("sync: one token for the run", sum(1 for e in glog if e["path"] == "/token") == 1,
          extra=str(glog))
    r.scim.clear_log()
    p = r.run("sync")
    writes = scimlib.writes(r.scim.log())
    # the shipped example, enabled as a user would (its key file pointed at ours)
    example = os.path.join(HERE, "..", "..", "..", "conf.d", "30-google-source.ini.example")
    confd = os.path.join(r.work, "conf.d")
    os.makedirs(confd, exist_ok=True)
    with open(example, encoding="utf-8") as f:
        text = f.read().replace("file:/etc/scimsync/google-sa.json", "file:" + r.sa_file)
    with open(os.path.join(confd, "30-google-source.ini"), "w", encoding="utf-8") as f:
        f.write(text)
    v = r.run("validate", conf_dir=confd)
    check("the conf.d example validates", v.returncode == 0, v)
    check("sync again: exit 0 and no writes",
          p.returncode == 0 and writes == [], p, extra=str(writes))


def case_scope(r, check):
    r.start()
    r.source.update({"users_from_group": "aws-engineering@example.com",
                     "group_name_pattern": "aws-*", "domain": "example.com"})
    p = r.run("sync")
    users, groups, _ = state(r.scim)
    check("scope: exit 0", p.returncode == 0, p)
    check("scope: users of aws-engineering, transitively", sorted(users) ==
          ["100001", "100003", "100006"], p, extra=str(sorted(users)))
    check("scope: the unreadable nested group warned about in the walk too",
          "nested group g-partner (in the users_from_group walk) cannot be read" in p.stderr, p)
    check("scope: only aws-* groups synced; nesting resolved through the others",
          groups == {"AWS Engineering": ["100001", "100003", "100006"], "AWS Admins": [],
                     "AWS Empty": []}, p, extra=str(groups))
    glog = r.google_log()
    check("scope: domain= sent instead of customer=",
          all("domain=example.com" in e["query"] and "customer=" not in e["query"]
              for e in glog if e["path"].endswith(("/users", "/groups"))), extra=str(glog))
    # alice's manager (bob) is outside the scope: no manager, no error
    a = users.get("100001", {})
    check("scope: a manager outside the scope is left out", "manager" not in ent(a),
          extra=json.dumps(a))


def case_query(r, check):
    r.start()
    r.source.update({"user_query": "isSuspended=false isArchived=false",
                     "group_query": "email:aws-*"})
    p = r.run("sync")
    users, groups, _ = state(r.scim)
    check("query: exit 0", p.returncode == 0, p)
    check("query: suspended and archived users filtered by the API",
          sorted(users) == ["100001", "100002", "100003", "100006", "100007"], p,
          extra=str(sorted(users)))
    check("query: groups filtered by the API; nested groups outside it resolved",
          groups == {"AWS Engineering": ["100001", "100003", "100006"],
                     "AWS Admins": ["100002", "100007"], "AWS Empty": []}, p,
          extra=str(groups))
    glog = r.google_log()
    check("query: the query parameters reach the API",
          any("query=isSuspended%3Dfalse%20isArchived%3Dfalse" in e["query"] for e in glog)
          and any("query=email%3Aaws-%2A" in e["query"] for e in glog), extra=str(glog))


def case_throttle(r, check):
    r.start()
    r.google.admin("config", {"rules": [
        {"path": "/users", "status": 403, "reason": "rateLimitExceeded", "count": 1},
        {"path": "/users", "query": "pageToken=", "status": 403,
         "reason": "userRateLimitExceeded", "count": 1},
        {"path": "/members", "status": 429, "retry_after": 1, "count": 2},
        {"path": "/groups", "query": "customer=", "status": 503, "count": 1}]})
    t0 = time.time()
    p = r.run("sync")
    took = time.time() - t0
    users, groups, _ = state(r.scim)
    statuses = [e["status"] for e in r.google_log()]
    check("throttle: exit 0 after the retries", p.returncode == 0, p)
    check("throttle: every injected answer was seen and retried",
          statuses.count(403) == 2 and statuses.count(429) == 2 and statuses.count(503) == 1,
          extra=str(statuses))
    check("throttle: Retry-After honoured (two waits of 1 s)", took >= 2.0, extra="%.1f s" % took)
    check("throttle: the same users and groups", len(users) == 7 and groups == FULL_GROUPS,
          p, extra=str(groups))
    check("throttle: retries logged with the reason",
          "rateLimitExceeded; retrying" in p.stderr and "HTTP 429" in p.stderr, p)
    # a Retry-After past request_deadline fails the request at once: exit 2, nothing applied
    r.scim.clear_log()
    r.source["request_deadline"] = "5"
    r.google.admin("config", {"rules": [{"path": "/groups", "query": "customer=",
                                         "status": 429, "retry_after": 120}]})
    t0 = time.time()
    p = r.run("sync")
    check("throttle: Retry-After beyond request_deadline: exit 2 at once, nothing applied",
          p.returncode == 2 and time.time() - t0 < 60 and scimlib.writes(r.scim.log()) == []
          and "would pass request_deadline (5 s)" in p.stderr, p)


def case_abort(r, check):
    r.start()
    r.source["retries"] = "1"
    r.google.admin("config", {"rules": [
        {"path": "/users", "query": "pageToken=", "status": 503}]})
    p = r.run("sync")
    check("abort (users page 2): exit 2, nothing applied",
          p.returncode == 2 and scimlib.writes(r.scim.log()) == [], p)
    check("abort (users page 2): the failure is named",
          "users.list page 2: HTTP 503" in p.stderr and "giving up after 2 attempts" in p.stderr,
          p)
    r.google.admin("config", {"page_size": 1, "rules": [
        {"path": "/members", "query": "pageToken=", "status": 500}]})
    p = r.run("sync")
    check("abort (members page 2): exit 2, nothing applied",
          p.returncode == 2 and scimlib.writes(r.scim.log()) == [], p)
    check("abort (members page 2): the failure is named",
          "members.list" in p.stderr and "page 2: HTTP 500" in p.stderr, p)
    r.google.admin("config", {"page_size": 2, "rules": []})
    p = r.run("sync")
    users, groups, _ = state(r.scim)
    check("abort: the next clean run syncs everything",
          p.returncode == 0 and len(users) == 7 and groups == FULL_GROUPS, p)


def case_auth(r, check):
    r.start(token_ttl=2)
    good = r.sa_file
    r.sa_file = os.path.join(r.work, "not-a-key.json")
    fd = os.open(r.sa_file, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"-----BEGIN PRIVATE KEY-----\nnot json\n")
    os.close(fd)
    p = r.run("plan")
    check("auth: a key file that is not JSON: exit 1, named where it is set",
          p.returncode == 1 and "scimsync.ini:" in p.stderr
          and "credentials: not a service account key file" in p.stderr, p)
    r.sa_file = good
    r.source["subject"] = "not-an-admin@example.com"
    p = r.run("sync")
    check("auth: a subject without delegation: exit 2, nothing applied",
          p.returncode == 2 and scimlib.writes(r.scim.log()) == [], p)
    check("auth: the refusal is explained",
          "unauthorized_client" in p.stderr and "domain-wide delegation" in p.stderr, p)
    r.source["subject"] = SUBJECT
    r.source["rate_limit"] = "4"
    p = r.run("sync")
    users, groups, _ = state(r.scim)
    glog = r.google_log()
    tokens = [e for e in glog if e["path"] == "/token" and e["status"] == 200]
    check("auth: tokens of 2 s renewed during a paced run; no 401",
          p.returncode == 0 and len(users) == 7 and groups == FULL_GROUPS and len(tokens) >= 2
          and not any(e["status"] == 401 for e in glog if e["path"] != "/token"), p,
          extra="%d tokens, statuses %s" % (len(tokens), [e["status"] for e in glog]))


def listings(glog):
    """Full listings in a request log: users.list, groups.list without userKey or query."""
    return [e for e in glog if e["path"].endswith("/users")
            or (e["path"].endswith("/groups") and "userKey=" not in e["query"]
                and "query=" not in e["query"])]


def case_select(r, check):
    """sync --group / --user: lookups (groups.list by name, members.list, users.get,
    groups.list?userKey=), never a full listing."""
    r.start()
    r.google.admin("clear_log", {})
    p = r.run("sync", "--group", "AWS Engineering")
    users, groups, _ = state(r.scim)
    glog = r.google_log()
    check("select --group: exit 0", p.returncode == 0, p)
    check("select --group: the group with its users, nested groups flattened",
          groups == {"AWS Engineering": ["100001", "100003", "100006"]}
          and sorted(users) == ["100001", "100003", "100006"], p,
          extra=str((groups, sorted(users))))
    check("select --group: no full listing, the members read with users.get",
          not listings(glog)
          and any(e["path"].endswith("/users/100003") for e in glog), extra=str(glog))
    check("select --group: the unreadable nested group warned about",
          "nested group g-partner (a member of g-eng) cannot be read" in p.stderr, p)
    p = r.run("sync", "--group", "AWS Admins")
    check("select --group 2: exit 0", p.returncode == 0, p)
    # a new user, in g-platform (nested in g-eng) and in g-admins
    data = json.loads(json.dumps(DATA))
    data["users"].append(user("100008", "newbie@example.com", "New", "Bie"))
    data["members"]["g-platform"].append(member("100008", "newbie@example.com"))
    data["members"]["g-admins"].append(member("100008", "newbie@example.com"))
    r.google.admin("data", data)
    r.google.admin("clear_log", {})
    p = r.run("sync", "--user", "newbie@example.com")
    users, groups, _ = state(r.scim)
    glog = r.google_log()
    check("select --user: exit 0", p.returncode == 0, p)
    check("select --user: the user created, in its groups (one through nesting)",
          users.get("100008", {}).get("userName") == "newbie@example.com"
          and groups.get("AWS Engineering") == ["100001", "100003", "100006", "100008"]
          and groups.get("AWS Admins") == ["100002", "100004", "100007", "100008"], p,
          extra=str(groups))
    check("select --user: users.get and groups.list?userKey=, no full listing",
          not listings(glog)
          and any(e["path"].endswith("/users/newbie%40example.com")
                  or e["path"].endswith("/users/newbie@example.com") for e in glog)
          and any("userKey=100008" in e["query"] for e in glog)
          and any("userKey=g-platform" in e["query"] for e in glog), extra=str(glog))
    p = r.run("sync", "--user", "nobody@example.com")
    check("select --user unknown: exit 1, named", p.returncode == 1
          and "nobody@example.com: no such user in the sources" in p.stderr, p)
    p = r.run("sync", "--group", "No Such Group")
    check("select --group unknown: exit 1", p.returncode == 1, p)
    # a user outside users_from_group is not returned (and so unknown here)
    data["users"].append(user("100009", "outsider@example.com", "Out", "Sider"))
    data["members"]["g-eng"].append(member("100009", "outsider@example.com"))
    r.google.admin("data", data)
    r.source.update({"users_from_group": "aws-admins@example.com"})
    p = r.run("sync", "--user", "outsider@example.com")
    users, _, _ = state(r.scim)
    check("select --user outside users_from_group: not returned, exit 1",
          p.returncode == 1 and "no such user in the sources" in p.stderr
          and "100009" not in users, p)
    p = r.run("sync", "--user", "newbie@example.com")
    check("select --user inside users_from_group: exit 0", p.returncode == 0, p)
    r.source.update({"user_query": "isSuspended=false"})
    p = r.run("sync", "--user", "newbie@example.com")
    check("select with user_query: refused, exit 1, naming the key",
          p.returncode == 1 and "user_query" in p.stderr, p)


CASES = {"select": case_select, "sync": case_sync, "scope": case_scope, "query": case_query,
         "throttle": case_throttle, "abort": case_abort, "auth": case_auth}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimsync", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="scimsync-google-")
    check = Checker()
    r = Run(args, work)
    try:
        CASES[args.case](r, check)
    finally:
        r.stop()
        if check.failures == 0:
            import shutil
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work dir kept: " + work)
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
