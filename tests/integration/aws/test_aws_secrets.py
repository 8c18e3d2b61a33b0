#!/usr/bin/env python3
"""AWS secret references end to end: the C resolver against the local AWS
endpoint fixture, which recomputes every SigV4 signature.

Usage: test_aws_secrets.py --driver PATH/resolve_secret --fixture PATH/aws_fixture.py
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

SCIM_TOKEN = "scim-token-value-123"
AD_PASSWORD = "P@ss w0rd! \"quoted\""
PLAIN = "plain-value-xyz"
SECURE = "decrypted-value-456"
SCIM_URI = "https://scim.us-east-1.amazonaws.com/abc/scim/v2/"
SECRET_VALUES = [SCIM_TOKEN, AD_PASSWORD, PLAIN, SECURE, "good-secret-key", "tok-secret",
                 "session-token-ok", "cont-secret", "cont-token", "container-auth-token",
                 "imds-secret", "imds-token"]

CONFIG = {
    "region": "us-east-1",
    "keys": {
        "AKIDGOOD": {"secret": "good-secret-key"},
        "ASIATOKEN": {"secret": "tok-secret", "token": "session-token-ok"},
        "ASIAEXPIRED": {"secret": "exp-secret", "token": "session-token-expired",
                        "expired": True},
        "ASIACONT": {"secret": "cont-secret", "token": "cont-token"},
        "ASIAIMDS": {"secret": "imds-secret", "token": "imds-token"},
    },
    "secrets": {
        "IAM-IDC/SCIM-API-Token": json.dumps({"SCIM-API-Token": SCIM_TOKEN}),
        "IAM-IDC/AD-RO-UserCreds": json.dumps({"userName": "svc-scim@corp.example.test",
                                               "userPassword": AD_PASSWORD, "port": 636}),
        "plain/secret": PLAIN,
        "not/json": "just text",
        "binary/secret": {"binary": "AAEC"},
    },
    "parameters": {
        "/IAM-IDC/SCIM-URI": {"value": SCIM_URI, "type": "String"},
        "/app/secure": {"value": SECURE, "type": "SecureString"},
    },
    "container": {
        "auth_token": "container-auth-token",
        "paths": {
            "/v2/ok": {"access_key": "ASIACONT", "secret_key": "cont-secret",
                       "token": "cont-token", "expires_in": 3600},
            "/v2/expired": {"access_key": "ASIACONT", "secret_key": "cont-secret",
                            "token": "cont-token", "expires_in": -60},
        },
    },
    "imds": {
        "role": "scimsync-role",
        "credentials": {"access_key": "ASIAIMDS", "secret_key": "imds-secret",
                        "token": "imds-token", "expires_in": 3600},
    },
}


class Fixture:
    def __init__(self, script, workdir, config=None):
        self.conf = os.path.join(workdir, "aws.json")
        port_file = os.path.join(workdir, "port")
        with open(self.conf, "w") as f:
            json.dump(CONFIG if config is None else config, f)
        self.proc = subprocess.Popen([sys.executable, script, "--config", self.conf,
                                      "--port-file", port_file])
        deadline = time.time() + 10
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("AWS fixture did not start")
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = "http://127.0.0.1:%d" % self.port

    def stats(self):
        with urllib.request.urlopen(self.url + "/_stats", timeout=5) as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Runner:
    def __init__(self, driver, fixture, workdir):
        self.driver, self.fx, self.workdir = driver, fixture, workdir
        self.failures = 0

    def base_env(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AWS_") and k.lower() not in
               ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
        env.update({"HOME": self.workdir, "AWS_REGION": "us-east-1",
                    "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_ENDPOINT_URL": self.fx.url})
        return env

    def env_keys(self, akid="AKIDGOOD", secret="good-secret-key", token=None):
        env = self.base_env()
        env.update({"AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret})
        if token:
            env["AWS_SESSION_TOKEN"] = token
        return env

    def run(self, env, *refs):
        p = subprocess.run([self.driver, *refs], env=env, capture_output=True, text=True,
                           timeout=60)
        # Under ASan an error path that leaks still exits 1 like the failure
        # it reports: look at the text too.
        if "Sanitizer" in p.stderr or "runtime error:" in p.stderr:
            raise AssertionError("sanitizer report: %s" % p.stderr[-3000:])
        for v in SECRET_VALUES:
            if v in p.stderr:
                raise AssertionError("secret value %r reached stderr: %s" % (v, p.stderr))
        return p

    def ok(self, env, refs, values):
        p = self.run(env, *refs)
        if p.returncode != 0 or p.stdout.splitlines() != values:
            raise AssertionError("expected %r, got rc=%d out=%r err=%r"
                                 % (values, p.returncode, p.stdout, p.stderr))
        return p

    def fails(self, env, refs, *fragments):
        p = self.run(env, *refs)
        if p.returncode == 0:
            raise AssertionError("expected a failure, got %r" % p.stdout)
        for frag in fragments:
            if frag not in p.stderr:
                raise AssertionError("stderr lacks %r: %s" % (frag, p.stderr))
        return p

    def case(self, name, fn):
        try:
            fn()
            print("ok   %s" % name)
        except Exception as e:  # report every case, fail at the end
            self.failures += 1
            print("FAIL %s: %s" % (name, e))

    def delta(self, before, key):
        return self.fx.stats().get(key, 0) - before.get(key, 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--fixture", required=True)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="scimsync-aws-")
    fx = None
    try:
        fx = Fixture(args.fixture, workdir)
        r = Runner(args.driver, fx, workdir)
        add_cases(r)
        return 1 if r.failures else 0
    finally:
        if fx:
            fx.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def add_cases(r):
    sm = "aws-secretsmanager:"
    ssm = "aws-ssm:"

    def env_credentials_and_cache():
        before = r.fx.stats()
        r.ok(r.env_keys(),
             [sm + "IAM-IDC/SCIM-API-Token#SCIM-API-Token",
              sm + "IAM-IDC/AD-RO-UserCreds#userName",
              sm + "IAM-IDC/AD-RO-UserCreds#userPassword",
              sm + "IAM-IDC/AD-RO-UserCreds#port",
              sm + "plain/secret",
              ssm + "/IAM-IDC/SCIM-URI",
              ssm + "/app/secure",
              ssm + "/app/secure",
              sm + "IAM-IDC/SCIM-API-Token#SCIM-API-Token"],
             [SCIM_TOKEN, "svc-scim@corp.example.test", AD_PASSWORD, "636", PLAIN, SCIM_URI,
              SECURE, SECURE, SCIM_TOKEN])
        for key in ("GetSecretValue:IAM-IDC/AD-RO-UserCreds", "GetSecretValue:IAM-IDC/SCIM-API-Token",
                    "GetParameter:/app/secure"):
            n = r.delta(before, key)
            assert n == 1, "%s fetched %d times in one run" % (key, n)

    def forget_refetches():
        before = r.fx.stats()
        r.ok(r.env_keys(), ["--forget", sm + "plain/secret", sm + "plain/secret"],
             [PLAIN, PLAIN])
        assert r.delta(before, "GetSecretValue:plain/secret") == 2

    def session_token_from_env():
        r.ok(r.env_keys("ASIATOKEN", "tok-secret", "session-token-ok"),
             [ssm + "/app/secure"], [SECURE])

    def arn_region_wins():
        env = r.env_keys()
        env["AWS_REGION"] = "eu-west-1"
        arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:plain/secret-AbCdEf"
        r.ok(env, [sm + arn], [PLAIN])
        # Without an ARN the request is signed for eu-west-1: the fixture refuses it.
        r.fails(env, [sm + "plain/secret"], "InvalidSignatureException",
                "AWS refused the credentials from the environment")

    def no_region():
        env = r.env_keys()
        del env["AWS_REGION"]
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        r.ok(env, [sm + "plain/secret"], [PLAIN])
        del env["AWS_DEFAULT_REGION"]
        r.fails(env, [sm + "plain/secret"], "no AWS region: set AWS_REGION")

    def debug_log_has_no_values():
        p = r.ok(r.env_keys(), ["-v", sm + "IAM-IDC/SCIM-API-Token#SCIM-API-Token",
                                ssm + "/app/secure"], [SCIM_TOKEN, SECURE])
        assert "fetched" in p.stderr, p.stderr

    def wrong_secret_key():
        p = r.fails(r.env_keys(secret="not-the-key"), [sm + "plain/secret"],
                    "error: aws-secretsmanager:plain/secret: secretsmanager.GetSecretValue: "
                    "AWS refused the credentials from the environment: "
                    "InvalidSignatureException: The request signature we calculated does not "
                    "match")
        assert "not-the-key" not in p.stderr
        assert p.stdout == ""

    def unknown_key_id():
        r.fails(r.env_keys(akid="AKIDUNKNOWN"), [ssm + "/app/secure"],
                "aws-ssm:/app/secure: AmazonSSM.GetParameter: AWS refused the credentials "
                "from the environment: UnrecognizedClientException")

    def expired_session_token():
        r.fails(r.env_keys("ASIAEXPIRED", "exp-secret", "session-token-expired"),
                [sm + "plain/secret"],
                "ExpiredTokenException: The security token included in the request is expired")

    def missing_secret():
        r.fails(r.env_keys(), [sm + "IAM-IDC/nope"],
                "error: aws-secretsmanager:IAM-IDC/nope: secretsmanager.GetSecretValue: "
                "ResourceNotFoundException: Secrets Manager can't find the specified secret.")

    def missing_parameter():
        r.fails(r.env_keys(), [ssm + "/IAM-IDC/nope"],
                "error: aws-ssm:/IAM-IDC/nope: AmazonSSM.GetParameter: ParameterNotFound")

    def missing_json_key():
        r.fails(r.env_keys(), [sm + "IAM-IDC/SCIM-API-Token#token"],
                "error: aws-secretsmanager:IAM-IDC/SCIM-API-Token: the secret has no JSON key "
                "'token'")

    def not_json_and_binary():
        r.fails(r.env_keys(), [sm + "not/json#k"], "the secret is not a JSON object")
        r.fails(r.env_keys(), [sm + "binary/secret"], "binary secrets are not supported")

    def container_credentials():
        env = r.base_env()
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = r.fx.url + "/v2/ok"
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-auth-token"
        before = r.fx.stats()
        r.ok(env, [sm + "plain/secret", ssm + "/app/secure"], [PLAIN, SECURE])
        assert r.delta(before, "container:/v2/ok") == 1, "credentials fetched more than once"

    def container_token_file():
        env = r.base_env()
        path = os.path.join(r.workdir, "container-token")
        with open(path, "w") as f:
            f.write("container-auth-token\n")
        os.chmod(path, 0o600)
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = r.fx.url + "/v2/ok"
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = path
        r.ok(env, [sm + "plain/secret"], [PLAIN])

    def container_errors():
        env = r.base_env()
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = r.fx.url + "/v2/ok"
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong-token"
        p = r.fails(env, [sm + "plain/secret"], "container credentials:", "answered HTTP 401")
        assert "wrong-token" not in p.stderr
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-auth-token"
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = r.fx.url + "/v2/expired"
        r.fails(env, [sm + "plain/secret"],
                "AWS credentials from the container credentials endpoint expired at")

    def imds_credentials():
        env = r.base_env()
        del env["AWS_EC2_METADATA_DISABLED"]
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = r.fx.url + "/"
        before = r.fx.stats()
        r.ok(env, [ssm + "/app/secure", sm + "plain/secret"], [SECURE, PLAIN])
        assert r.delta(before, "imds:token") == 1
        assert r.delta(before, "imds:scimsync-role") == 1

    def imds_disabled():
        env = r.base_env()
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = r.fx.url
        r.fails(env, [sm + "plain/secret"], "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED")
        env["AWS_EC2_METADATA_DISABLED"] = "TRUE"
        r.fails(env, [sm + "plain/secret"], "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED")

    def endpoint_overrides():
        env = r.env_keys()
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1"  # nothing listens there
        env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = r.fx.url
        r.ok(env, [sm + "plain/secret"], [PLAIN])
        r.fails(env, [ssm + "/app/secure"], "AmazonSSM.GetParameter: http://127.0.0.1:1")
        env["AWS_ENDPOINT_URL_SSM"] = r.fx.url
        r.ok(env, [ssm + "/app/secure"], [SECURE])

    for name, fn in list(locals().items()):
        if callable(fn) and name not in ("sm", "ssm"):
            r.case(name, fn)


if __name__ == "__main__":
    sys.exit(main())
