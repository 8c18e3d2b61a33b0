/* The credential providers that call AWS over HTTP (STS AssumeRole and
 * AssumeRoleWithWebIdentity, IAM Identity Center portal and OIDC, the
 * container endpoint, IMDSv2), run with ss_aws_http wrapped at link time
 * (-Wl,--wrap=ss_aws_http): each request gets the next canned answer of
 * a script, and what was asked is kept for the assertions.  No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws_credentials.h"
#include "aws_providers.h"
#include "aws_request.h"

/* ---- the canned HTTP ---------------------------------------------------- */

struct answer {
    long status; /* < 0: no answer (a connection failure) */
    const char *body;
};

static const struct answer *script;
static size_t nscript, next;
static char asked[8][2048]; /* "METHOD URL\nheaders...\nbody" */

int __wrap_ss_aws_http(const struct ss_aws_http_req *rq, struct ss_aws_http_resp *resp, char *err,
                       size_t errlen);

int __wrap_ss_aws_http(const struct ss_aws_http_req *rq, struct ss_aws_http_resp *resp, char *err,
                       size_t errlen)
{
    const struct answer *a;
    char *w;
    size_t used;
    memset(resp, 0, sizeof(*resp));
    if (next >= nscript)
        fail_msg("no answer left for %s %s", rq->method, rq->url);
    w = asked[next < 8 ? next : 7];
    used = (size_t)snprintf(w, sizeof asked[0], "%s %s\n", rq->method, rq->url);
    for (const struct curl_slist *h = rq->headers; h && used < sizeof asked[0]; h = h->next)
        used += (size_t)snprintf(w + used, sizeof asked[0] - used, "%s\n", h->data);
    if (rq->body && used < sizeof asked[0])
        snprintf(w + used, sizeof asked[0] - used, "%s", rq->body);
    a = &script[next++];
    if (a->status < 0) {
        snprintf(err, errlen, "Failed to connect to the endpoint");
        return -1;
    }
    resp->status = a->status;
    if (a->body && !(resp->body = strdup(a->body)))
        fail_msg("out of memory");
    resp->len = a->body ? strlen(a->body) : 0;
    return 0;
}

static void play(const struct answer *a, size_t n)
{
    script = a;
    nscript = n;
    next = 0;
    memset(asked, 0, sizeof asked);
}

/* ---- the environment ---------------------------------------------------- */

static const char *const aws_env[] = {"AWS_ACCESS_KEY_ID",
                                      "AWS_SECRET_ACCESS_KEY",
                                      "AWS_SESSION_TOKEN",
                                      "AWS_PROFILE",
                                      "AWS_WEB_IDENTITY_TOKEN_FILE",
                                      "AWS_ROLE_ARN",
                                      "AWS_ROLE_SESSION_NAME",
                                      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                      "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                      "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                      "AWS_EC2_METADATA_DISABLED",
                                      "AWS_REGION",
                                      "AWS_DEFAULT_REGION",
                                      "AWS_ENDPOINT_URL",
                                      "AWS_ENDPOINT_URL_STS",
                                      NULL};

static char tmpdir[64], config_path[128], creds_path[128];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    for (const char *const *e = aws_env; *e; e++)
        unsetenv(*e);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/scimsync-aws-fake-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    snprintf(config_path, sizeof(config_path), "%s/config", tmpdir);
    snprintf(creds_path, sizeof(creds_path), "%s/credentials", tmpdir);
    setenv("AWS_CONFIG_FILE", config_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds_path, 1);
    setenv("HOME", tmpdir, 1);
    write_file(config_path, "");
    write_file(creds_path, "");
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Resolves the chain: the source's prefix on success, or err_text in the
 * error. */
static void expect_chain(const char *source_prefix, const char *err_text)
{
    struct ss_aws_creds c;
    char err[2048] = "";
    int rc = ss_aws_creds_resolve(&c, err, sizeof(err));

    if (source_prefix) {
        if (rc != 0)
            fail_msg("resolve failed: %s", err);
        if (strncmp(c.source, source_prefix, strlen(source_prefix)))
            fail_msg("source '%s', want '%s...'", c.source, source_prefix);
        assert_non_null(c.access_key_id);
        ss_aws_creds_clear(&c);
    } else {
        assert_int_equal(rc, -1);
        if (!strstr(err, err_text))
            fail_msg("error '%s' lacks '%s'", err, err_text);
    }
}

static void assert_asked(size_t i, const char *text)
{
    if (!strstr(asked[i], text))
        fail_msg("request %zu lacks \"%s\":\n%s", i, text, asked[i]);
}

#define N(a) (sizeof(a) / sizeof(*(a)))
#define STS_OK(action)                                                                             \
    "<" action "Response><" action "Result><Credentials>"                                          \
    "<AccessKeyId>ASIASTS</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"                       \
    "<SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>"                  \
    "</Credentials></" action "Result></" action "Response>"
#define STS_DENIED                                                                                 \
    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"                           \
    "<Message>not authorized to perform sts:AssumeRole</Message></Error></ErrorResponse>"

/* ---- STS ---------------------------------------------------------------- */

static void test_assume_role(void **state)
{
    (void)state;
    write_file(config_path, "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = q\n"
                            "external_id = ext-1\nrole_session_name = scim-run\n"
                            "duration_seconds = 900\nregion = eu-west-1\n");
    write_file(creds_path, "[q]\naws_access_key_id = AKIDQ\naws_secret_access_key = sq\n");
    setenv("AWS_PROFILE", "p", 1);
    static const struct answer ok[] = {{200, STS_OK("AssumeRole")}};
    play(ok, N(ok));
    expect_chain("profile \"p\"", NULL);
    assert_asked(0, "POST https://sts.eu-west-1.amazonaws.com");
    assert_asked(0, "Action=AssumeRole");
    assert_asked(0, "ExternalId=ext-1");
    assert_asked(0, "RoleSessionName=scim-run");
    /* refused, then no answer at all, then not an STS answer */
    static const struct answer denied[] = {{403, STS_DENIED}};
    play(denied, N(denied));
    expect_chain(NULL, "AccessDenied: not authorized to perform sts:AssumeRole");
    static const struct answer down[] = {{-1, NULL}, {-1, NULL}, {-1, NULL}, {-1, NULL}};
    play(down, N(down));
    expect_chain(NULL, "Failed to connect to the endpoint");
    static const struct answer junk[] = {{200, "<html>hello</html>"}};
    play(junk, N(junk));
    expect_chain(NULL, "STS AssumeRole");
    static const struct answer busy[] = {
        {503, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"},
        {200, STS_OK("AssumeRole")}};
    play(busy, N(busy));
    expect_chain("profile \"p\"", NULL);
    /* chained roles: p assumes r2 from a profile that itself assumes r */
    write_file(config_path, "[profile p]\nrole_arn = arn:aws:iam::1:role/r2\nsource_profile = q\n"
                            "[profile q]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = k\n");
    write_file(creds_path, "[k]\naws_access_key_id = AKIDK\naws_secret_access_key = sk\n");
    static const struct answer two[] = {{200, STS_OK("AssumeRole")}, {200, STS_OK("AssumeRole")}};
    play(two, N(two));
    expect_chain("profile \"p\"", NULL);
    assert_int_equal(next, 2);
    assert_asked(0, "role%2Fr&");
}

static void test_web_identity(void **state)
{
    char tok[160];
    (void)state;
    snprintf(tok, sizeof tok, "%s/token", tmpdir);
    write_file(tok, "eyJhbGciOi.payload.sig\n");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/pod", 1);
    setenv("AWS_ROLE_SESSION_NAME", "pod-session", 1);
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566", 1);
    static const struct answer ok[] = {{200, STS_OK("AssumeRoleWithWebIdentity")}};
    play(ok, N(ok));
    expect_chain("web identity", NULL);
    assert_asked(0, "http://127.0.0.1:4566");
    assert_asked(0, "Action=AssumeRoleWithWebIdentity");
    assert_asked(0, "WebIdentityToken=eyJhbGciOi.payload.sig");
    static const struct answer denied[] = {{400, STS_DENIED}};
    play(denied, N(denied));
    expect_chain(NULL, "AccessDenied");
    /* in a profile */
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");
    char text[512];
    snprintf(text, sizeof text,
             "[profile w]\nrole_arn = arn:aws:iam::1:role/pod\nweb_identity_token_file = %s\n",
             tok);
    write_file(config_path, text);
    setenv("AWS_PROFILE", "w", 1);
    play(ok, N(ok));
    expect_chain("profile \"w\"", NULL);
}

/* ---- IAM Identity Center ------------------------------------------------- */

static void write_sso_cache(const char *key, const char *json)
{
    char path[512], dir[256], err[256];
    assert_int_equal(ss_aws_sso_cache_path(key, path, sizeof path, err, sizeof err), 0);
    snprintf(dir, sizeof dir, "%s/.aws", tmpdir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/.aws/sso", tmpdir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/.aws/sso/cache", tmpdir);
    mkdir(dir, 0700);
    write_file(path, json);
}

static void test_sso(void **state)
{
    (void)state;
    write_file(config_path, "[profile s]\nsso_session = corp\nsso_account_id = 111122223333\n"
                            "sso_role_name = Sync\n"
                            "[sso-session corp]\nsso_region = eu-west-1\n"
                            "sso_start_url = https://corp.awsapps.com/start\n");
    setenv("AWS_PROFILE", "s", 1);
    write_sso_cache("corp",
                    "{\"accessToken\":\"sso-tok\",\"expiresAt\":\"2099-01-01T00:00:00Z\","
                    "\"region\":\"eu-west-1\",\"startUrl\":\"https://corp.awsapps.com/start\"}");
    static const struct answer ok[] = {
        {200, "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":\"s\","
              "\"sessionToken\":\"t\",\"expiration\":4070908800000}}"}};
    play(ok, N(ok));
    expect_chain("profile \"s\"", NULL);
    assert_asked(0, "GET https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?");
    assert_asked(0, "role_name=Sync");
    assert_asked(0, "account_id=111122223333");
    assert_asked(0, "x-amz-sso_bearer_token: sso-tok");
    static const struct answer refused[] = {
        {401, "{\"message\":\"Session token not found or invalid\"}"}};
    play(refused, N(refused));
    expect_chain(NULL, "Session token not found or invalid");
    /* an expired token with a refresh token: CreateToken first */
    write_sso_cache("corp", "{\"accessToken\":\"old\",\"expiresAt\":\"2001-01-01T00:00:00Z\","
                            "\"refreshToken\":\"rt\",\"clientId\":\"cid\",\"clientSecret\":\"cs\","
                            "\"registrationExpiresAt\":\"2099-01-01T00:00:00Z\"}");
    static const struct answer refresh[] = {
        {200, "{\"accessToken\":\"new-tok\",\"expiresIn\":3600,\"refreshToken\":\"rt2\"}"},
        {200, "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":\"s\","
              "\"sessionToken\":\"t\",\"expiration\":4070908800000}}"}};
    play(refresh, N(refresh));
    expect_chain("profile \"s\"", NULL);
    assert_asked(0, "POST https://oidc.eu-west-1.amazonaws.com/token");
    assert_asked(0, "\"grantType\":\"refresh_token\"");
    assert_asked(1, "x-amz-sso_bearer_token: new-tok");
    static const struct answer grant[] = {{400, "{\"error\":\"invalid_grant\"}"}};
    write_sso_cache("corp", "{\"accessToken\":\"old\",\"expiresAt\":\"2001-01-01T00:00:00Z\","
                            "\"refreshToken\":\"rt\",\"clientId\":\"cid\",\"clientSecret\":\"cs\","
                            "\"registrationExpiresAt\":\"2099-01-01T00:00:00Z\"}");
    play(grant, N(grant));
    expect_chain(NULL, "invalid_grant");
}

/* ---- the container endpoint and IMDSv2 ------------------------------------ */

static void test_container(void **state)
{
    (void)state;
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/creds", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc", 1);
    static const struct answer ok[] = {
        {200, "{\"AccessKeyId\":\"ASIACT\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
              "\"Expiration\":\"2099-01-01T00:00:00Z\"}"}};
    play(ok, N(ok));
    expect_chain("container", NULL);
    assert_asked(0, "GET http://127.0.0.1:8080/creds");
    assert_asked(0, "Authorization: Bearer abc");
    static const struct answer bad[] = {{500, "oops"}, {500, "oops"}, {500, "oops"}};
    play(bad, N(bad));
    expect_chain(NULL, "container");
    static const struct answer notjson[] = {{200, "[]"}};
    play(notjson, N(notjson));
    expect_chain(NULL, "container credentials");
}

static void test_imds(void **state)
{
    (void)state;
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254", 1);
    static const struct answer ok[] = {
        {200, "imds-token"},
        {200, "app-role\n"},
        {200, "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"s\","
              "\"Token\":\"t\",\"Expiration\":\"2099-01-01T00:00:00Z\"}"}};
    play(ok, N(ok));
    expect_chain("", NULL);
    assert_asked(0, "PUT http://169.254.169.254/latest/api/token");
    assert_asked(1, "X-aws-ec2-metadata-token: imds-token");
    assert_asked(2, "/latest/meta-data/iam/security-credentials/app-role");
    static const struct answer norole[] = {{200, "imds-token"}, {404, "not found"}};
    play(norole, N(norole));
    expect_chain(NULL, "EC2 instance metadata role: http://169.254.169.254/latest/meta-data/iam/"
                       "security-credentials/ answered HTTP 404");
    static const struct answer down[] = {{-1, NULL}, {-1, NULL}, {-1, NULL}};
    play(down, N(down));
    expect_chain(NULL, "EC2 instance metadata");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_assume_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sso, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imds, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
