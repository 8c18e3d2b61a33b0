/* Pure pieces of the AWS secret references: no network is touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_credentials.h"
#include "aws_request.h"
#include "secrets_aws.h"

static const char *const aws_env[] = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ENDPOINT_URL_SSM",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    NULL,
};

/* Every test starts from a clean environment that can never reach IMDS. */
static int clean_env(void **state)
{
    (void)state;
    for (const char *const *e = aws_env; *e; e++)
        unsetenv(*e);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    /* No shared files: the user's own ~/.aws must not leak into a test. */
    setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials", 1);
    ss_secret_aws_forget();
    return 0;
}

static void test_parse_time(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(ss_aws_parse_time("1970-01-01T00:00:10Z", &t), 0);
    assert_int_equal(t, 10);
    assert_int_equal(ss_aws_parse_time("2026-11-28T13:00:00Z", &t), 0);
    assert_int_equal(t, 1795870800);
    assert_int_equal(ss_aws_parse_time("2026-11-28T13:00:00.123Z", &t), 0);
    assert_int_equal(t, 1795870800);
    assert_int_equal(ss_aws_parse_time("2026-11-28T13:00:00+00:00", &t), 0);
    assert_int_equal(ss_aws_parse_time("2026-11-28T13:00:00", &t), -1);
    assert_int_equal(ss_aws_parse_time("2026-11-28T13:00:00+02:00", &t), -1);
    assert_int_equal(ss_aws_parse_time("2026-13-28T13:00:00Z", &t), -1);
    assert_int_equal(ss_aws_parse_time("tomorrow", &t), -1);
    assert_int_equal(ss_aws_parse_time("2026-11-28T13:00:00.Z", &t), -1);
}

static void test_creds_json(void **state)
{
    (void)state;
    struct ss_aws_creds c;
    char err[256];
    static const char full[] = "{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"sk\","
                               "\"Token\":\"tok\",\"Expiration\":\"2026-11-28T13:00:00Z\"}";
    static const char imds[] = "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAY\","
                               "\"SecretAccessKey\":\"sk2\",\"Token\":\"\",\"Type\":\"AWS-HMAC\"}";

    assert_int_equal(ss_aws_creds_from_json(full, strlen(full), &c, err, sizeof(err)), 0);
    assert_string_equal(c.access_key_id, "ASIAX");
    assert_string_equal(c.secret_access_key, "sk");
    assert_string_equal(c.session_token, "tok");
    assert_int_equal(c.expiration, 1795870800);
    ss_aws_creds_clear(&c);
    assert_null(c.access_key_id);

    assert_int_equal(ss_aws_creds_from_json(imds, strlen(imds), &c, err, sizeof(err)), 0);
    assert_null(c.session_token);
    assert_int_equal(c.expiration, 0);
    ss_aws_creds_clear(&c);

#define BAD(doc, msg)                                                                              \
    do {                                                                                           \
        assert_int_equal(ss_aws_creds_from_json(doc, strlen(doc), &c, err, sizeof(err)), -1);      \
        assert_string_equal(err, msg);                                                             \
        assert_null(c.access_key_id);                                                              \
        assert_null(c.secret_access_key);                                                          \
    } while (0)
    BAD("not json", "credentials document is not a JSON object");
    BAD("[1]", "credentials document is not a JSON object");
    BAD("{\"SecretAccessKey\":\"x\"}", "credentials document has no AccessKeyId");
    BAD("{\"AccessKeyId\":\"A\"}", "credentials document has no SecretAccessKey");
    BAD("{\"AccessKeyId\":3,\"SecretAccessKey\":\"x\"}",
        "credentials document: AccessKeyId is not a string");
    BAD("{\"AccessKeyId\":\"A\\r\\nX: y\",\"SecretAccessKey\":\"x\"}",
        "credentials document: AccessKeyId is empty, too long or malformed");
    BAD("{\"Code\":\"Failure\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"x\"}",
        "credentials document reports Code Failure");
    BAD("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"x\",\"Expiration\":\"soon\"}",
        "credentials document: Expiration 'soon' is not an ISO 8601 UTC time");
#undef BAD
}

static void test_container_url(void **state)
{
    (void)state;
    char url[256], err[256];

    assert_int_equal(ss_aws_container_url(url, sizeof(url), err, sizeof(err)), 0);

    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", 1);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/ignored", 1);
    assert_int_equal(ss_aws_container_url(url, sizeof(url), err, sizeof(err)), 1);
    assert_string_equal(url, "http://169.254.170.2/v2/credentials/abc");
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/x", 1);
    assert_int_equal(ss_aws_container_url(url, sizeof(url), err, sizeof(err)), -1);
    assert_string_equal(err, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with /");
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");

    assert_int_equal(ss_aws_container_url(url, sizeof(url), err, sizeof(err)), 1);
    assert_string_equal(url, "http://127.0.0.1:9/ignored");
    static const char *const ok[] = {"http://localhost:8080/c", "http://169.254.170.23/v1/c",
                                     "http://[::1]:80/c",       "https://creds.example.com/c",
                                     "http://169.254.170.2/c",  NULL};
    for (const char *const *u = ok; *u; u++) {
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", *u, 1);
        assert_int_equal(ss_aws_container_url(url, sizeof(url), err, sizeof(err)), 1);
    }
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example.com/c", 1);
    assert_int_equal(ss_aws_container_url(url, sizeof(url), err, sizeof(err)), -1);
    assert_string_equal(err, "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https or a loopback / "
                             "container agent address (got host evil.example.com)");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "::not a url", 1);
    assert_int_equal(ss_aws_container_url(url, sizeof(url), err, sizeof(err)), -1);
}

static void test_endpoint(void **state)
{
    (void)state;
    char url[256], err[256];

    assert_int_equal(ss_aws_endpoint("SSM", "ssm", "eu-west-1", url, sizeof(url), err, sizeof(err)),
                     0);
    assert_string_equal(url, "https://ssm.eu-west-1.amazonaws.com/");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1/", 1);
    assert_int_equal(ss_aws_endpoint("SSM", "ssm", "eu-west-1", url, sizeof(url), err, sizeof(err)),
                     0);
    assert_string_equal(url, "http://127.0.0.1:1/");
    setenv("AWS_ENDPOINT_URL_SSM", "http://127.0.0.2:2", 1);
    assert_int_equal(ss_aws_endpoint("SSM", "ssm", "eu-west-1", url, sizeof(url), err, sizeof(err)),
                     0);
    assert_string_equal(url, "http://127.0.0.2:2");
    assert_int_equal(ss_aws_endpoint("SECRETS_MANAGER", "secretsmanager", "eu-west-1", url,
                                     sizeof(url), err, sizeof(err)),
                     0);
    assert_string_equal(url, "http://127.0.0.1:1/");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    assert_int_equal(ss_aws_endpoint("SSM", "ssm", "eu-west-1", url, sizeof(url), err, sizeof(err)),
                     0);
    assert_string_equal(url, "https://ssm.eu-west-1.amazonaws.com/");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    setenv("AWS_ENDPOINT_URL_SSM", "ftp://x", 1);
    assert_int_equal(ss_aws_endpoint("SSM", "ssm", "eu-west-1", url, sizeof(url), err, sizeof(err)),
                     -1);
    unsetenv("AWS_ENDPOINT_URL_SSM");
    unsetenv("AWS_ENDPOINT_URL");
    assert_int_equal(
        ss_aws_endpoint("SSM", "ssm", "eu-west-1.evil.com/x?", url, sizeof(url), err, sizeof(err)),
        -1);
    assert_string_equal(err, "invalid AWS region 'eu-west-1.evil.com/x?'");

    assert_null(ss_aws_region());
    setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
    assert_string_equal(ss_aws_region(), "us-west-2");
    setenv("AWS_REGION", "eu-central-1", 1);
    assert_string_equal(ss_aws_region(), "eu-central-1");
}

static void test_error_text(void **state)
{
    (void)state;
    char out[256];
    int auth;
#define ERR(status, body) ss_aws_error_text(status, body, strlen(body), out, sizeof(out), &auth)
    ERR(400, "{\"__type\":\"com.amazonaws.secretsmanager#ResourceNotFoundException\","
             "\"Message\":\"Secrets Manager can't find the specified secret.\"}");
    assert_string_equal(
        out, "ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    assert_int_equal(auth, 0);
    ERR(400, "{\"__type\":\"ParameterNotFound\",\"message\":\"\"}");
    assert_string_equal(out, "ParameterNotFound (HTTP 400)");
    assert_int_equal(auth, 0);
    ERR(400, "{\"__type\":\"ExpiredTokenException\",\"message\":\"The security token included "
             "in the request is expired\"}");
    assert_int_equal(auth, 1);
    ERR(400, "{\"__type\":\"x#InvalidSignatureException\"}");
    assert_string_equal(out, "InvalidSignatureException (HTTP 400)");
    assert_int_equal(auth, 1);
    ERR(403, "<html>denied</html>");
    assert_string_equal(out, "HTTP 403");
    assert_int_equal(auth, 1);
    ERR(503, "");
    assert_string_equal(out, "HTTP 503");
    assert_int_equal(auth, 0);
#undef ERR
}

static void test_arn_region(void **state)
{
    (void)state;
    char r[32];
    assert_int_equal(ss_aws_arn_region("IAM-IDC/SCIM-API-Token", r, sizeof(r)), 0);
    assert_int_equal(ss_aws_arn_region("arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbC",
                                       r, sizeof(r)),
                     1);
    assert_string_equal(r, "eu-west-1");
    assert_int_equal(ss_aws_arn_region("arn:aws:ssm:us-gov-west-1:1:parameter/a", r, sizeof(r)), 1);
    assert_string_equal(r, "us-gov-west-1");
    assert_int_equal(ss_aws_arn_region("arn:aws:ssm", r, sizeof(r)), -1);
    assert_int_equal(ss_aws_arn_region("arn:aws:ssm::1:x", r, sizeof(r)), -1);
}

static void expect_resolve_error(int ssm, const char *ref, const char *msg)
{
    char err[512];
    char *out = (char *)"untouched";
    int rc = ssm ? ss_secret_aws_ssm_resolve(ref, &out, err, sizeof(err))
                 : ss_secret_aws_sm_resolve(ref, &out, err, sizeof(err));
    assert_int_equal(rc, -1);
    assert_null(out);
    if (strcmp(err, msg))
        fail_msg("got '%s'\nwant '%s'", err, msg);
}

/* Errors found before any request is made. */
static void test_resolve_errors_offline(void **state)
{
    (void)state;
    expect_resolve_error(0, "#key",
                         "aws-secretsmanager:#key: expected NAME_OR_ARN or "
                         "NAME_OR_ARN#jsonkey");
    expect_resolve_error(0, "name#",
                         "aws-secretsmanager:name#: expected NAME_OR_ARN or "
                         "NAME_OR_ARN#jsonkey");
    expect_resolve_error(0, "app/token",
                         "aws-secretsmanager:app/token: no AWS region: set AWS_REGION, or "
                         "region in the AWS profile (or use a full ARN)");
    expect_resolve_error(1, "/app/p",
                         "aws-ssm:/app/p: no AWS region: set AWS_REGION, or region in the AWS "
                         "profile (or use a full ARN)");
    expect_resolve_error(0, "arn:aws:secretsmanager",
                         "aws-secretsmanager:arn:aws:secretsmanager: "
                         "malformed ARN");

    setenv("AWS_REGION", "us-east-1", 1);
    expect_resolve_error(0, "app/token#k",
                         "aws-secretsmanager:app/token: no AWS credentials: environment: "
                         "AWS_ACCESS_KEY_ID not set; web identity: AWS_WEB_IDENTITY_TOKEN_FILE "
                         "not set; profile \"default\": no /nonexistent/aws-config nor "
                         "/nonexistent/aws-credentials; container: "
                         "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set; EC2 "
                         "instance metadata: "
                         "disabled by AWS_EC2_METADATA_DISABLED");
    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    expect_resolve_error(1, "/app/p",
                         "aws-ssm:/app/p: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is "
                         "not");
    unsetenv("AWS_ACCESS_KEY_ID");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://attacker.example.net/creds", 1);
    expect_resolve_error(1, "/app/p",
                         "aws-ssm:/app/p: AWS_CONTAINER_CREDENTIALS_FULL_URI must use https or a "
                         "loopback / container agent address (got host attacker.example.net)");
}

static void test_creds_env(void **state)
{
    (void)state;
    struct ss_aws_creds c;
    char err[256];

    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    assert_int_equal(ss_aws_creds_resolve(&c, err, sizeof(err)), 0);
    assert_string_equal(c.source, "environment");
    assert_null(c.session_token);
    ss_aws_creds_clear(&c);
    setenv("AWS_SESSION_TOKEN", "tok", 1);
    assert_int_equal(ss_aws_creds_resolve(&c, err, sizeof(err)), 0);
    assert_string_equal(c.session_token, "tok");
    ss_aws_creds_clear(&c);
    unsetenv("AWS_ACCESS_KEY_ID");
    assert_int_equal(ss_aws_creds_resolve(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_parse_time, clean_env),
        cmocka_unit_test_setup(test_creds_json, clean_env),
        cmocka_unit_test_setup(test_container_url, clean_env),
        cmocka_unit_test_setup(test_endpoint, clean_env),
        cmocka_unit_test_setup(test_error_text, clean_env),
        cmocka_unit_test_setup(test_arn_region, clean_env),
        cmocka_unit_test_setup(test_resolve_errors_offline, clean_env),
        cmocka_unit_test_setup(test_creds_env, clean_env),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ss_secret_aws_forget();
    return rc;
}
