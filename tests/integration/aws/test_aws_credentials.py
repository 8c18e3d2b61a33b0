#!/usr/bin/env python3
"""Every source of the AWS credential chain resolving a real aws-ssm:
reference through the local fixture (SigV4 recomputed, STS and the SSO
portal served): profile static keys, credential_process, web identity,
role_arn + source_profile, role_arn + web_identity_token_file, the SSO
token cache (sso-session and legacy), EKS Pod Identity, the refresh of
short-lived credentials, and the error text when nothing works.

Usage: test_aws_credentials.py --driver PATH/resolve_secret --fixture PATH/aws_fixture.py
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_aws_secrets as base  # noqa: E402  (Fixture, Runner)

ACCOUNT = "123456789012"
SECURE = "decrypted-value-456"
REF = "aws-ssm:/app/secure"
OTHER_REF = "aws-ssm:/app/other"
OTHER = "other-value"
SSO_TOKEN = "sso-access-token-xyz"
SSO_FRESH = "sso-access-token-refreshed"
IRSA_TOKEN = "eyJhbGciOi.irsa-jwt.sig"
POD_TOKEN = "pod-identity-token-789"


def role(name):
    return "arn:aws:iam::%s:role/%s" % (ACCOUNT, name)


def creds(akid, expires_in=3600):
    return {"access_key": akid, "secret_key": akid.lower() + "-secret",
            "token": akid.lower() + "-token", "expires_in": expires_in}


def key(akid):
    return {"secret": akid.lower() + "-secret", "token": akid.lower() + "-token"}


TEMP = ["ASIAROLE", "ASIAIRSA", "ASIAPROF", "ASIASSO", "ASIAPOD", "ASIAPROC", "ASIASHORT",
        "ASIASSOSHORT", "ASIAPODSHORT", "ASIACHAIN"]
CONFIG = {
    "region": "us-east-1",
    "keys": dict({"AKIDGOOD": {"secret": "good-secret-key"},
                  "AKIDOTHER": {"secret": "other-secret-key"}},
                 **{a: key(a) for a in TEMP}),
    "parameters": {"/app/secure": {"value": SECURE, "type": "SecureString"},
                   "/app/other": {"value": "other-value", "type": "String"}},
    "roles": {
        role("app"): {"trust": ["AKIDGOOD"], "external_id": "ext-1",
                      "credentials": creds("ASIAROLE")},
        role("chained"): {"trust": ["ASIAROLE"], "credentials": creds("ASIACHAIN")},
        role("irsa"): {"web_identity_token": IRSA_TOKEN, "credentials": creds("ASIAIRSA")},
        role("irsa-short"): {"web_identity_token": IRSA_TOKEN,
                             "credentials": creds("ASIASHORT", 200)},
        role("flaky"): {"web_identity_token": IRSA_TOKEN, "throttle": 2,
                        "credentials": creds("ASIAIRSA")},
        role("profile-wif"): {"web_identity_token": IRSA_TOKEN,
                              "credentials": creds("ASIAPROF")},
    },
    "sso": {
        "access_token": SSO_TOKEN,
        "refreshed_access_token": SSO_FRESH,
        "client_id": "client-id-1", "client_secret": "client-secret-1",
        "refresh_token": "refresh-token-1",
        "roles": {ACCOUNT + "/ReadSecrets": creds("ASIASSO"),
                  ACCOUNT + "/Short": creds("ASIASSOSHORT", 200)},
    },
    "container": {
        "auth_token": POD_TOKEN,
        "paths": {"/v1/credentials": creds("ASIAPOD"),
                  "/v1/short": creds("ASIAPODSHORT", 200)},
    },
}
base.SECRET_VALUES.extend([SECURE, SSO_TOKEN, SSO_FRESH, "client-secret-1", "refresh-token-1", IRSA_TOKEN, POD_TOKEN, "good-secret-key",
                           "other-secret-key"] + [a.lower() + "-secret" for a in TEMP]
                          + [a.lower() + "-token" for a in TEMP])

PROCESS_SCRIPT = """import json, sys
if sys.argv[1] == "fail":
    sys.stderr.write("process: no luck\\n")
    sys.exit(3)
print(json.dumps({"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "asiaproc-secret",
                  "SessionToken": "asiaproc-token", "Expiration": "2099-01-01T00:00:00Z"}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--fixture", required=True)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="scimsync-awscreds-")
    fx = None
    try:
        fx = base.Fixture(args.fixture, workdir, CONFIG)
        r = base.Runner(args.driver, fx, workdir)
        add_cases(r, workdir)
        return 1 if r.failures else 0
    finally:
        if fx:
            fx.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def add_cases(r, workdir):
    aws = os.path.join(workdir, ".aws")
    os.makedirs(os.path.join(aws, "sso", "cache"))
    config_path = os.path.join(aws, "config")
    creds_path = os.path.join(aws, "credentials")
    token_file = os.path.join(workdir, "irsa-token")
    with open(token_file, "w") as f:
        f.write(IRSA_TOKEN + "\n")
    script = os.path.join(workdir, "creds process.py")
    with open(script, "w") as f:
        f.write(PROCESS_SCRIPT)

    def files(config, credentials=None):
        for path, text in ((config_path, config), (creds_path, credentials)):
            if text is None:
                if os.path.exists(path):
                    os.unlink(path)
            else:
                with open(path, "w") as f:
                    f.write(text)
                os.chmod(path, 0o600)

    def sso_cache(key, expires="2099-01-01T00:00:00Z"):
        name = hashlib.sha1(key.encode()).hexdigest() + ".json"
        path = os.path.join(aws, "sso", "cache", name)
        with open(path, "w") as f:
            json.dump({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
                       "accessToken": SSO_TOKEN, "expiresAt": expires}, f)
        os.chmod(path, 0o600)
        return path

    def env(**kw):
        e = r.base_env()
        e.update(kw)
        return e

    def profile_static_keys_and_region():
        # Region from the profile; the s3 sub-section's region is not the profile's.
        files("[profile dev]\nregion = us-east-1\ns3 =\n  region = eu-west-1\n"
              "  max_concurrent_requests = 4\n",
              "[default]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = nope\n"
              "[dev]\naws_access_key_id = AKIDGOOD\naws_secret_access_key = good-secret-key\n")
        e = env(AWS_PROFILE="dev")
        del e["AWS_REGION"]
        p = r.ok(e, ["-v", REF], [SECURE])
        assert 'AWS credentials from the profile "dev" (' in p.stderr, p.stderr
        assert "(static keys)" in p.stderr, p.stderr

    def default_profile_in_custom_files():
        other = os.path.join(workdir, "elsewhere.ini")
        with open(other, "w") as f:
            f.write("# comment\n[default]\naws_access_key_id = AKIDGOOD\n"
                    "aws_secret_access_key = good-secret-key\n")
        files(None, None)
        r.ok(env(AWS_CONFIG_FILE=other), [REF], [SECURE])

    def env_keys_beat_profile():
        files("[default]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = wrong\n")
        r.ok(r.env_keys(), [REF], [SECURE])

    def credential_process():
        files('[profile proc]\ncredential_process = python3 "%s" ok\n' % script)
        p = r.ok(env(AWS_PROFILE="proc"), ["-v", REF], [SECURE])
        assert "(credential_process)" in p.stderr, p.stderr

    def credential_process_errors():
        files('[profile proc]\ncredential_process = python3 "%s" fail\n' % script)
        r.fails(env(AWS_PROFILE="proc"), [REF], 'profile "proc"',
                "credential_process python3 exited with status 3")
        files("[profile proc]\ncredential_process = python3 x.py; rm -rf /tmp/x\n")
        r.fails(env(AWS_PROFILE="proc"), [REF], "no shell is used")
        files("[profile proc]\ncredential_process = echo $(id)\n")
        r.fails(env(AWS_PROFILE="proc"), [REF], "command substitution")

    def web_identity_env():
        files(None)
        e = env(AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ROLE_ARN=role("irsa"),
                AWS_ROLE_SESSION_NAME="scimsync-test")
        before = r.fx.stats()
        p = r.ok(e, ["-v", REF, OTHER_REF], [SECURE, OTHER])
        assert "web identity (role %s)" % role("irsa") in p.stderr, p.stderr
        # An hour of validity: one STS call serves the whole run.
        assert r.delta(before, "sts:AssumeRoleWithWebIdentity:" + role("irsa")) == 1

    def sts_throttling_retried():
        before = r.fx.stats()
        r.ok(env(AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ROLE_ARN=role("flaky")), [REF],
             [SECURE])
        n = r.delta(before, "error:Throttling")
        assert n == 2, "%d throttled answers, want 2 (then success)" % n

    def web_identity_errors():
        bad = os.path.join(workdir, "bad-token")
        with open(bad, "w") as f:
            f.write("not-the-token")
        r.fails(env(AWS_WEB_IDENTITY_TOKEN_FILE=bad, AWS_ROLE_ARN=role("irsa")), [REF],
                "web identity (AWS_WEB_IDENTITY_TOKEN_FILE): STS AssumeRoleWithWebIdentity of "
                + role("irsa") + ": InvalidIdentityToken: Couldn't retrieve")
        r.fails(env(AWS_WEB_IDENTITY_TOKEN_FILE=token_file), [REF],
                "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")

    def role_arn_source_profile():
        files("[profile base]\nregion = us-east-1\n"
              "[profile app]\nrole_arn = %s\nsource_profile = base\nexternal_id = ext-1\n"
              "[profile chained]\nrole_arn = %s\nsource_profile = app\n"
              % (role("app"), role("chained")),
              "[base]\naws_access_key_id = AKIDGOOD\naws_secret_access_key = good-secret-key\n")
        before = r.fx.stats()
        p = r.ok(env(AWS_PROFILE="app"), ["-v", REF], [SECURE])
        assert "(role %s)" % role("app") in p.stderr, p.stderr
        assert r.delta(before, "sts:AssumeRole:" + role("app")) == 1
        r.ok(env(AWS_PROFILE="chained"), [REF], [SECURE])

    def role_arn_errors():
        files("[profile app]\nrole_arn = %s\nsource_profile = base\n"
              "[profile loop]\nrole_arn = %s\nsource_profile = loop2\n"
              "[profile loop2]\nrole_arn = %s\nsource_profile = loop\n"
              "[profile nosrc]\nrole_arn = %s\n" % (role("app"), role("app"), role("app"),
                                                   role("app")),
              "[base]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other-secret-key\n")
        r.fails(env(AWS_PROFILE="app"), [REF], "STS AssumeRole of " + role("app"),
                "AccessDenied: User is not authorized to perform: sts:AssumeRole",
                'signed with the credentials from the profile "base"')
        r.fails(env(AWS_PROFILE="loop"), [REF], 'source_profile "loop" loops back')
        r.fails(env(AWS_PROFILE="nosrc"), [REF], "role_arn needs exactly one of source_profile")

    def role_arn_web_identity_token_file():
        files("[profile wif]\nrole_arn = %s\nweb_identity_token_file = %s\n"
              % (role("profile-wif"), token_file))
        p = r.ok(env(AWS_PROFILE="wif"), ["-v", REF], [SECURE])
        assert "(web identity, role %s)" % role("profile-wif") in p.stderr, p.stderr

    def sso_session():
        files("[profile sso]\nsso_session = corp\nsso_account_id = %s\n"
              "sso_role_name = ReadSecrets\nregion = us-east-1\n"
              "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
              "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n" % ACCOUNT)
        sso_cache("corp")
        p = r.ok(env(AWS_PROFILE="sso"), ["-v", REF], [SECURE])
        assert "IAM Identity Center, account %s, role ReadSecrets" % ACCOUNT in p.stderr

    def sso_legacy_start_url():
        url = "https://legacy.awsapps.com/start"
        files("[profile old]\nsso_start_url = %s\nsso_region = us-east-1\n"
              "sso_account_id = %s\nsso_role_name = ReadSecrets\n" % (url, ACCOUNT))
        sso_cache(url, "2099-01-01T00:00:00UTC")
        r.ok(env(AWS_PROFILE="old"), [REF], [SECURE])

    def sso_token_refreshed():
        files("[profile sso]\nsso_session = corp\nsso_account_id = %s\n"
              "sso_role_name = ReadSecrets\n"
              "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
              "sso_region = us-east-1\n" % ACCOUNT)
        path = sso_cache("corp", "2020-01-01T00:00:00Z")
        with open(path) as f:
            doc = json.load(f)
        doc.update({"clientId": "client-id-1", "clientSecret": "client-secret-1",
                    "refreshToken": "refresh-token-1",
                    "registrationExpiresAt": "2099-01-01T00:00:00Z"})
        with open(path, "w") as f:
            json.dump(doc, f)
        before = r.fx.stats()
        r.ok(env(AWS_PROFILE="sso"), [REF], [SECURE])
        assert r.delta(before, "sso-oidc:CreateToken") == 1
        with open(path) as f:
            doc = json.load(f)
        assert doc["accessToken"] == SSO_FRESH, doc
        assert doc["refreshToken"] == "refresh-token-1-next", doc
        assert doc["expiresAt"] > "2026", doc
        assert doc["startUrl"] == "https://corp.awsapps.com/start", doc
        assert os.stat(path).st_mode & 0o777 == 0o600
        assert not [n for n in os.listdir(os.path.dirname(path)) if "scimsync" in n]
        # A refused refresh (the refresh token moved on) leaves the login to do.
        doc.update({"accessToken": "old", "expiresAt": "2020-01-01T00:00:00Z"})
        with open(path, "w") as f:
            json.dump(doc, f)
        r.fails(env(AWS_PROFILE="sso"), [REF], "expired at 2020-01-01T00:00:00Z, and it cannot "
                "be refreshed (CreateToken: HTTP 400: invalid_grant); run `aws sso login "
                "--sso-session corp`")

    def sso_errors():
        files("[profile sso]\nsso_session = corp\nsso_account_id = %s\n"
              "sso_role_name = ReadSecrets\n"
              "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
              "sso_region = us-east-1\n" % ACCOUNT)
        path = sso_cache("corp", "2020-01-01T00:00:00Z")
        r.fails(env(AWS_PROFILE="sso"), [REF], "the SSO access token expired at 2020-01-01",
                "run `aws sso login --sso-session corp`")
        os.unlink(path)
        r.fails(env(AWS_PROFILE="sso"), [REF], "no SSO token in the cache")
        with open(path, "w") as f:
            json.dump({"accessToken": "stale", "expiresAt": "2099-01-01T00:00:00Z"}, f)
        os.chmod(path, 0o600)
        r.fails(env(AWS_PROFILE="sso"), [REF], "GetRoleCredentials for account %s role "
                "ReadSecrets: HTTP 401: Session token not found or invalid" % ACCOUNT,
                "run `aws sso login` again")

    def pod_identity():
        files(None)
        tok = os.path.join(workdir, "eks-pod-identity-token")
        with open(tok, "w") as f:
            f.write(POD_TOKEN)
        os.chmod(tok, 0o600)
        e = env(AWS_CONTAINER_CREDENTIALS_FULL_URI=r.fx.url + "/v1/credentials",
                AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=tok,
                AWS_CONTAINER_AUTHORIZATION_TOKEN="ignored-when-the-file-is-set")
        r.ok(e, [REF], [SECURE])

    def short_lived_credentials_refreshed():
        # Less than five minutes left: every use resolves anew, whatever the source.
        files("[profile short]\nsso_session = corp\nsso_account_id = %s\n"
              "sso_role_name = Short\n[sso-session corp]\n"
              "sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
              % ACCOUNT)
        sso_cache("corp")
        tok = os.path.join(workdir, "eks-pod-identity-token")
        for label, e, counter in (
                ("web identity", env(AWS_WEB_IDENTITY_TOKEN_FILE=token_file,
                                     AWS_ROLE_ARN=role("irsa-short")),
                 "sts:AssumeRoleWithWebIdentity:" + role("irsa-short")),
                ("sso", env(AWS_PROFILE="short"), "sso:GetRoleCredentials"),
                ("pod identity", env(AWS_CONTAINER_CREDENTIALS_FULL_URI=r.fx.url + "/v1/short",
                                     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=tok),
                 "container:/v1/short")):
            before = r.fx.stats()
            r.ok(e, [REF, OTHER_REF], [SECURE, OTHER])
            n = r.delta(before, counter)
            assert n == 2, "%s: %d credential fetches for two parameters, want 2" % (label, n)

    def service_specific_endpoints():
        dead = "http://127.0.0.1:1"  # nothing listens there
        e = env(AWS_ENDPOINT_URL=dead, AWS_ENDPOINT_URL_SSM=r.fx.url,
                AWS_ENDPOINT_URL_STS=r.fx.url, AWS_WEB_IDENTITY_TOKEN_FILE=token_file,
                AWS_ROLE_ARN=role("irsa"))
        r.ok(e, [REF], [SECURE])
        del e["AWS_ENDPOINT_URL_STS"]
        r.fails(e, [REF], "STS AssumeRoleWithWebIdentity: %s" % dead)
        files("[profile sso]\nsso_session = corp\nsso_account_id = %s\n"
              "sso_role_name = ReadSecrets\n"
              "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
              "sso_region = us-east-1\n" % ACCOUNT)
        sso_cache("corp")
        e = env(AWS_ENDPOINT_URL=dead, AWS_ENDPOINT_URL_SSM=r.fx.url,
                AWS_ENDPOINT_URL_SSO=r.fx.url, AWS_PROFILE="sso")
        r.ok(e, [REF], [SECURE])

    def nothing_works():
        files("[profile dev]\nregion = us-east-1\n")
        e = env(AWS_PROFILE="dev", AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:1")
        del e["AWS_EC2_METADATA_DISABLED"]
        p = r.fails(e, [REF],
                    "error: aws-ssm:/app/secure: no AWS credentials: environment: "
                    "AWS_ACCESS_KEY_ID not set; web identity: AWS_WEB_IDENTITY_TOKEN_FILE not "
                    'set; profile "dev" (%s): no credentials in the profile; container: '
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set; "
                    "EC2 instance metadata token: "
                    "http://127.0.0.1:1/latest/api/token: " % config_path)
        assert p.stdout == ""

    def missing_named_profile():
        files("[profile dev]\nregion = us-east-1\n", "[other]\nregion = us-east-1\n")
        r.fails(env(AWS_PROFILE="nope"), [REF],
                'profile "nope": no [profile nope] in %s nor [nope] in %s'
                % (config_path, creds_path))

    def malformed_profile_file():
        files("[profile dev]\nregion = us-east-1\nthis line has no equals sign\n")
        r.fails(env(AWS_PROFILE="dev"), [REF], "%s:3: not a [section] or key = value line"
                % config_path)
        files("[profile dev]\naws_access_key_id = AKIDGOOD\n")
        p = r.fails(env(AWS_PROFILE="dev"), [REF],
                    "%s:2: aws_access_key_id is set but aws_secret_access_key is not"
                    % config_path)
        assert "AKIDGOOD" not in p.stderr

    for name, fn in list(locals().items()):
        if callable(fn) and name not in ("files", "sso_cache", "env"):
            r.case(name, fn)


if __name__ == "__main__":
    sys.exit(main())
