/* The pure parts of the credential providers: profile files, the order of
 * the chain, credential_process output, STS answers, the SSO cache.  No
 * network: the chain tests stop at a source that needs none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws_credentials.h"
#include "aws_providers.h"
#include "secrets_aws.h"

static const char *const aws_env[] = {
    "AWS_ACCESS_KEY_ID",
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
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    NULL,
};

static char tmpdir[64];
static char config_path[128], creds_path[128];

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
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/scimsync-aws-unit-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    snprintf(config_path, sizeof(config_path), "%s/config", tmpdir);
    snprintf(creds_path, sizeof(creds_path), "%s/credentials", tmpdir);
    setenv("AWS_CONFIG_FILE", config_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds_path, 1);
    setenv("HOME", tmpdir, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(config_path);
    unlink(creds_path);
    rmdir(tmpdir);
    return 0;
}

/* Parses text as one file into *p (merged with what p holds). */
static int parse(const char *text, int is_config, const char *kind, const char *name,
                 struct ss_aws_profile *p, char *err, size_t errlen)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc;
    assert_non_null(f);
    rc = ss_aws_profile_parse(f, is_config ? "cfg" : "cred", is_config, kind, name, p, err, errlen);
    fclose(f);
    return rc;
}

static void test_profile_sections(void **state)
{
    (void)state;
    static const char config[] =
        "# comment\n"
        "; another\n"
        "[default]\n"
        "region = eu-west-1\n"
        "[dev]\n" /* not a profile in the config file */
        "region = wrong\n"
        "[profile   dev]\n"
        "REGION = us-east-2\n"
        "s3 =\n"
        "  region = ap-south-1\n" /* nested: belongs to s3, not to the profile */
        "  max_concurrent_requests = 20\n"
        "credential_process = /opt/bin/creds --profile dev ; still the value\n"
        "[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = eu-central-1\n";
    struct ss_aws_profile p = {0};
    char err[256];

    assert_int_equal(parse(config, 1, "profile", "dev", &p, err, sizeof(err)), 0);
    assert_int_equal(p.found, 1);
    assert_string_equal(p.v[SS_AWS_P_REGION], "us-east-2");
    assert_int_equal(p.vline[SS_AWS_P_REGION], 8);
    assert_string_equal(p.v[SS_AWS_P_CREDENTIAL_PROCESS],
                        "/opt/bin/creds --profile dev ; still the value");
    assert_null(p.v[SS_AWS_P_SSO_START_URL]);
    ss_aws_profile_free(&p);

    assert_int_equal(parse(config, 1, "profile", "default", &p, err, sizeof(err)), 0);
    assert_string_equal(p.v[SS_AWS_P_REGION], "eu-west-1");
    ss_aws_profile_free(&p);

    assert_int_equal(parse(config, 1, "sso-session", "corp", &p, err, sizeof(err)), 0);
    assert_string_equal(p.v[SS_AWS_P_SSO_REGION], "eu-central-1");
    ss_aws_profile_free(&p);

    assert_int_equal(parse(config, 1, "profile", "corp", &p, err, sizeof(err)), 0);
    assert_int_equal(p.found, 0);
    ss_aws_profile_free(&p);

    /* The credentials file names profiles without the "profile " word, and
     * its values win over the config file's. */
    assert_int_equal(parse(config, 1, "profile", "dev", &p, err, sizeof(err)), 0);
    assert_int_equal(parse("[profile dev]\nregion = x\n[dev]\nregion = ca-central-1\n"
                           "aws_access_key_id = AKID\n",
                           0, "profile", "dev", &p, err, sizeof(err)),
                     0);
    assert_string_equal(p.v[SS_AWS_P_REGION], "ca-central-1");
    assert_int_equal(p.vfrom[SS_AWS_P_REGION], 1);
    assert_int_equal(p.vfrom[SS_AWS_P_CREDENTIAL_PROCESS], 0);
    assert_string_equal(p.v[SS_AWS_P_ACCESS_KEY_ID], "AKID");
    ss_aws_profile_free(&p);
}

static void test_profile_errors(void **state)
{
    (void)state;
    struct ss_aws_profile p = {0};
    char err[256], *big;

    assert_int_equal(parse("[profile a]\nregion = x\nno equals sign here\n", 1, "profile", "a", &p,
                           err, sizeof(err)),
                     -1);
    assert_string_equal(err, "cfg:3: not a [section] or key = value line");
    ss_aws_profile_free(&p);

    assert_int_equal(parse("[profile a]\nrole_arn = arn:x\n  continued\n", 1, "profile", "a", &p,
                           err, sizeof(err)),
                     -1);
    assert_string_equal(err, "cfg:3: [profile a]: role_arn is given twice or followed by an "
                             "indented line");
    ss_aws_profile_free(&p);

    /* Errors in other sections are still errors: the file is broken. */
    assert_int_equal(parse("[b]\n[unterminated\n", 0, "profile", "a", &p, err, sizeof(err)), -1);
    assert_string_equal(err, "cred:2: not a [section] or key = value line");
    ss_aws_profile_free(&p);

    big = malloc(20000);
    assert_non_null(big);
    memcpy(big, "[a]\nk = ", 8);
    memset(big + 8, 'x', 20000 - 10);
    big[20000 - 2] = '\n';
    big[20000 - 1] = '\0';
    assert_int_equal(parse(big, 0, "profile", "a", &p, err, sizeof(err)), -1);
    assert_string_equal(err, "cred:2: line longer than 16384 bytes");
    ss_aws_profile_free(&p);
    free(big);

    /* A session token of a few kilobytes is fine. */
    big = malloc(6000);
    assert_non_null(big);
    strcpy(big, "[a]\naws_session_token = ");
    memset(big + strlen(big), 'T', 5000);
    strcpy(big + 24 + 5000, "\n");
    assert_int_equal(parse(big, 0, "profile", "a", &p, err, sizeof(err)), 0);
    assert_int_equal(strlen(p.v[SS_AWS_P_SESSION_TOKEN]), 5000);
    ss_aws_profile_free(&p);
    free(big);
}

static void test_profile_paths_and_region(void **state)
{
    (void)state;
    char cfg[256], cred[256], want[256], region[64], err[256];

    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    assert_int_equal(ss_aws_config_paths(cfg, sizeof(cfg), cred, sizeof(cred), err, sizeof(err)),
                     0);
    snprintf(want, sizeof(want), "%s/.aws/config", tmpdir);
    assert_string_equal(cfg, want);
    snprintf(want, sizeof(want), "%s/.aws/credentials", tmpdir);
    assert_string_equal(cred, want);
    setenv("AWS_CONFIG_FILE", "~/elsewhere/cfg", 1);
    assert_int_equal(ss_aws_config_paths(cfg, sizeof(cfg), cred, sizeof(cred), err, sizeof(err)),
                     0);
    snprintf(want, sizeof(want), "%s/elsewhere/cfg", tmpdir);
    assert_string_equal(cfg, want);
    setenv("AWS_CONFIG_FILE", config_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds_path, 1);

    assert_string_equal(ss_aws_profile_name(), "default");
    assert_int_equal(ss_aws_profile_region(region, sizeof(region), err, sizeof(err)), 0);
    write_file(config_path, "[default]\nregion = eu-west-3\n[profile dev]\nregion = us-west-1\n");
    assert_int_equal(ss_aws_profile_region(region, sizeof(region), err, sizeof(err)), 1);
    assert_string_equal(region, "eu-west-3");
    setenv("AWS_PROFILE", "dev", 1);
    assert_string_equal(ss_aws_profile_name(), "dev");
    assert_int_equal(ss_aws_profile_region(region, sizeof(region), err, sizeof(err)), 1);
    assert_string_equal(region, "us-west-1");
    write_file(config_path, "[profile dev]\nregion\n");
    assert_int_equal(ss_aws_profile_region(region, sizeof(region), err, sizeof(err)), -1);
}

static void expect_chain(const char *source_prefix, const char *err_text)
{
    struct ss_aws_creds c;
    char err[2048];
    int rc = ss_aws_creds_resolve(&c, err, sizeof(err));

    if (source_prefix) {
        if (rc != 0)
            fail_msg("resolve failed: %s", err);
        if (strncmp(c.source, source_prefix, strlen(source_prefix)))
            fail_msg("source '%s', want '%s...'", c.source, source_prefix);
        ss_aws_creds_clear(&c);
    } else {
        assert_int_equal(rc, -1);
        if (!strstr(err, err_text))
            fail_msg("error '%s' lacks '%s'", err, err_text);
    }
}

/* Which source the chain picks, decided without the network. */
static void test_chain_order(void **state)
{
    (void)state;
    char text[512];

    write_file(creds_path, "[default]\naws_access_key_id = AKIDPROFILE\n"
                           "aws_secret_access_key = s\n");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/never", 1);
    expect_chain("profile \"default\"", NULL); /* the profile before the container */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
    expect_chain("environment", NULL); /* the environment first */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    /* Web identity comes before the profile: its failure shows it was tried. */
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
    expect_chain(NULL, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE): web identity token: cannot "
                       "open /nonexistent/token");
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");

    /* Inside a profile: role_arn, then SSO, then static keys, then the process. */
    write_file(config_path, "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                            "sso_session = s\naws_access_key_id = A\naws_secret_access_key = B\n");
    setenv("AWS_PROFILE", "p", 1);
    expect_chain(NULL, "role_arn needs exactly one of source_profile, credential_source, "
                       "web_identity_token_file");
    write_file(config_path, "[profile p]\nsso_account_id = 1\naws_access_key_id = A\n"
                            "aws_secret_access_key = B\n");
    expect_chain(NULL, "SSO needs sso_account_id and sso_role_name");
    write_file(config_path, "[profile p]\ncredential_process = /nonexistent/x\n"
                            "aws_access_key_id = A\naws_secret_access_key = B\n");
    expect_chain("profile \"p\"", NULL);
    write_file(config_path, "[profile p]\ncredential_process = /nonexistent/x\n");
    expect_chain(NULL, "credential_process: cannot run /nonexistent/x");
    write_file(config_path, "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                            "credential_source = Environment\n");
    expect_chain(NULL, "credential_source Environment: AWS_ACCESS_KEY_ID not set");
    write_file(config_path, "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                            "credential_source = Ec2\n");
    expect_chain(NULL, "credential_source 'Ec2' is not one of");
    write_file(config_path, "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                            "source_profile = q\nmfa_serial = arn:aws:iam::1:mfa/me\n");
    expect_chain(NULL, "mfa_serial asks for a code typed in");
    write_file(config_path, "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                            "source_profile = q\n");
    expect_chain(NULL, "source_profile: profile \"q\": no [profile q] in");

    /* A profile without credentials is skipped; a missing named one is not. */
    write_file(config_path, "[profile p]\nregion = us-east-1\n");
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    snprintf(text, sizeof(text),
             "profile \"p\" (%s): no credentials in the profile; container:", config_path);
    expect_chain(NULL, text);
    setenv("AWS_PROFILE", "nope", 1);
    snprintf(text, sizeof(text), "profile \"nope\": no [profile nope] in %s nor [nope] in %s",
             config_path, creds_path);
    expect_chain(NULL, text);
}

static void test_process_json(void **state)
{
    (void)state;
    struct ss_aws_creds c;
    char err[256];
    static const char ok[] = "{\"Version\":1,\"AccessKeyId\":\"ASIAP\",\"SecretAccessKey\":\"s\","
                             "\"SessionToken\":\"t\",\"Expiration\":\"2026-11-28T13:00:00Z\"}";
    static const char no_exp[] =
        "{\"Version\":1,\"AccessKeyId\":\"AKIAP\",\"SecretAccessKey\":\"s\"}";

    assert_int_equal(ss_aws_process_parse(ok, strlen(ok), &c, err, sizeof(err)), 0);
    assert_string_equal(c.access_key_id, "ASIAP");
    assert_string_equal(c.session_token, "t");
    assert_int_equal(c.expiration, 1795870800);
    ss_aws_creds_clear(&c);
    assert_int_equal(ss_aws_process_parse(no_exp, strlen(no_exp), &c, err, sizeof(err)), 0);
    assert_null(c.session_token);
    assert_int_equal(c.expiration, 0);
    ss_aws_creds_clear(&c);
#define BAD(doc, msg)                                                                              \
    do {                                                                                           \
        assert_int_equal(ss_aws_process_parse(doc, strlen(doc), &c, err, sizeof(err)), -1);        \
        assert_string_equal(err, msg);                                                             \
        assert_null(c.access_key_id);                                                              \
    } while (0)
    BAD("", "credential_process output is not a JSON object");
    BAD("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}",
        "credential_process output: Version must be the number 1");
    BAD("{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}",
        "credential_process output: Version must be the number 1");
    BAD("{\"Version\":\"1\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}",
        "credential_process output: Version must be the number 1");
    BAD("{\"Version\":1,\"SecretAccessKey\":\"s\"}",
        "credential_process output has no AccessKeyId");
    BAD("{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":\"x\"}",
        "credential_process output: Expiration 'x' is not an ISO 8601 UTC time");
#undef BAD
}

static const char sts_ok[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleResult>\n"
    "    <AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn></AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <AccessKeyId>ASIASTS</AccessKeyId>\n"
    "      <SecretAccessKey>se/cr+et&amp;</SecretAccessKey>\n"
    "      <SessionToken>FwoGZXIvYXdzE//////////wEaDA==</SessionToken>\n"
    "      <Expiration>2026-11-28T13:00:00Z</Expiration>\n"
    "    </Credentials>\n"
    "  </AssumeRoleResult>\n"
    "</AssumeRoleResponse>\n";

static void test_sts_parse(void **state)
{
    (void)state;
    struct ss_aws_creds c;
    char err[256];

    assert_int_equal(ss_aws_sts_parse(sts_ok, strlen(sts_ok), "AssumeRole", &c, err, sizeof(err)),
                     0);
    assert_string_equal(c.access_key_id, "ASIASTS");
    assert_string_equal(c.secret_access_key, "se/cr+et&");
    assert_string_equal(c.session_token, "FwoGZXIvYXdzE//////////wEaDA==");
    assert_int_equal(c.expiration, 1795870800);
    ss_aws_creds_clear(&c);

    assert_int_equal(
        ss_aws_sts_parse(sts_ok, strlen(sts_ok), "AssumeRoleWithWebIdentity", &c, err, sizeof(err)),
        -1);
    assert_string_equal(err, "the answer holds no single AssumeRoleWithWebIdentityResult with "
                             "Credentials");

    /* Every truncation of a good answer fails cleanly (run under ASan). */
    for (size_t n = 0; n < strlen(sts_ok) - 30; n++) {
        char *cut = malloc(n + 1);
        assert_non_null(cut);
        memcpy(cut, sts_ok, n);
        cut[n] = '\0';
        assert_int_equal(ss_aws_sts_parse(cut, n, "AssumeRole", &c, err, sizeof(err)), -1);
        assert_null(c.access_key_id);
        free(cut);
    }
}

/* Deterministic mutations of inputs (a fixed-seed xorshift, so a failure
 * reproduces): the parsers must never misbehave (ASan / UBSan builds) and
 * anything accepted must be well formed. */
static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state >> 32);
}

static void mutate(char *buf, size_t len)
{
    static const char alphabet[] = "<>/&;#[]=\n \"AKSEx";
    int edits = 1 + (int)(rnd() % 4);
    for (int e = 0; e < edits && len; e++)
        buf[rnd() % len] = alphabet[rnd() % (sizeof(alphabet) - 1)];
}

static void test_mutations(void **state)
{
    (void)state;
    static const char profile[] = "[profile m]\nrole_arn = arn:aws:iam::1:role/r\n"
                                  "s3 =\n  region = x\n[m]\naws_access_key_id = A\n";
    char buf[sizeof(sts_ok)], pbuf[sizeof(profile)], err[512];
    struct ss_aws_creds c;

    for (int i = 0; i < 3000; i++) {
        memcpy(buf, sts_ok, sizeof(sts_ok));
        mutate(buf, sizeof(sts_ok) - 1);
        if (ss_aws_sts_parse(buf, sizeof(sts_ok) - 1, "AssumeRole", &c, err, sizeof(err)) == 0) {
            assert_true(*c.access_key_id && *c.secret_access_key && *c.session_token);
            assert_null(strpbrk(c.access_key_id, "<\r\n"));
            ss_aws_creds_clear(&c);
        } else {
            assert_null(c.access_key_id);
        }
        ss_aws_sts_error(400, buf, sizeof(sts_ok) - 1, err, sizeof(err));

        memcpy(pbuf, profile, sizeof(profile));
        mutate(pbuf, sizeof(profile) - 1);
        for (int is_config = 0; is_config < 2; is_config++) {
            struct ss_aws_profile p = {0};
            parse(pbuf, is_config, "profile", "m", &p, err, sizeof(err));
            ss_aws_profile_free(&p);
        }
    }
}

static void test_xml_text(void **state)
{
    (void)state;
    char *v;
    static const char doc[] = "<a><K>x &lt;&gt;&quot;&apos;&amp;y</K><E></E><N><i/></N>"
                              "<R>1</R><R>2</R><U>&#65;</U><B>&amp</B><O>open</a>";

    assert_int_equal(ss_aws_xml_text(doc, strlen(doc), "K", 64, &v), 1);
    assert_string_equal(v, "x <>\"'&y");
    free(v);
    assert_int_equal(ss_aws_xml_text(doc, strlen(doc), "E", 64, &v), 1);
    assert_string_equal(v, "");
    free(v);
    assert_int_equal(ss_aws_xml_text(doc, strlen(doc), "Missing", 64, &v), 0);
    assert_null(v);
    assert_int_equal(ss_aws_xml_text(doc, strlen(doc), "N", 64, &v), -1); /* markup */
    assert_int_equal(ss_aws_xml_text(doc, strlen(doc), "R", 64, &v), -1); /* repeated */
    assert_int_equal(ss_aws_xml_text(doc, strlen(doc), "U", 64, &v), -1); /* numeric entity */
    assert_int_equal(ss_aws_xml_text(doc, strlen(doc), "B", 64, &v), -1); /* broken entity */
    assert_int_equal(ss_aws_xml_text(doc, strlen(doc), "O", 64, &v), -1); /* unterminated */
    assert_int_equal(ss_aws_xml_text(doc, strlen(doc), "K", 3, &v), -1);  /* over max */
    assert_null(v);
    /* Only the given length is read: no terminator needed. */
    assert_int_equal(ss_aws_xml_text("<K>ab</K>zzz", 9, "K", 8, &v), 1);
    assert_string_equal(v, "ab");
    free(v);
    assert_int_equal(ss_aws_xml_text("<K>ab</K>", 8, "K", 8, &v), -1);
}

static void test_sts_error(void **state)
{
    (void)state;
    char out[256];
    static const char e[] = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                            "<Message>Not authorized &amp; such</Message></Error></ErrorResponse>";

    ss_aws_sts_error(403, e, strlen(e), out, sizeof(out));
    assert_string_equal(out, "AccessDenied: Not authorized & such");
    ss_aws_sts_error(400, "<Error><Code>Throttling</Code></Error>", 38, out, sizeof(out));
    assert_string_equal(out, "Throttling (HTTP 400)");
    ss_aws_sts_error(502, "<html>bad gateway</html>", 24, out, sizeof(out));
    assert_string_equal(out, "HTTP 502");
    ss_aws_sts_error(500, NULL, 0, out, sizeof(out));
    assert_string_equal(out, "HTTP 500");

    assert_true(ss_aws_session_name_ok("scimsync-1700000000"));
    assert_true(ss_aws_session_name_ok("a.b@c=d,e+f_g"));
    assert_false(ss_aws_session_name_ok("x"));
    assert_false(ss_aws_session_name_ok("has space"));
    assert_false(ss_aws_session_name_ok(
        "0123456789012345678901234567890123456789012345678901234567890123456789"));
}

static void test_sso(void **state)
{
    (void)state;
    char hex[41], path[256], want[256], err[256], *tok;
    time_t exp;
    struct ss_aws_creds c;

    assert_int_equal(ss_aws_sha1_hex("corp", hex), 0);
    assert_string_equal(hex, "ee0bfd2552fbd840c02cc48b6e823320543c450f");
    assert_int_equal(ss_aws_sso_cache_path("https://my-sso-portal.awsapps.com/start", path,
                                           sizeof(path), err, sizeof(err)),
                     0);
    snprintf(want, sizeof(want), "%s/.aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json",
             tmpdir);
    assert_string_equal(path, want);

    static const char cache[] = "{\"startUrl\":\"https://x\",\"region\":\"us-east-1\","
                                "\"accessToken\":\"tok\",\"expiresAt\":\"2026-11-28T13:00:00Z\"}";
    static const char legacy[] =
        "{\"accessToken\":\"tok2\",\"expiresAt\":\"2026-11-28T13:00:00UTC\"}";
    assert_int_equal(
        ss_aws_sso_token_parse(cache, strlen(cache), 1795870000, &tok, &exp, err, sizeof(err)), 0);
    assert_string_equal(tok, "tok");
    assert_int_equal(exp, 1795870800);
    free(tok);
    assert_int_equal(
        ss_aws_sso_token_parse(legacy, strlen(legacy), 1795870000, &tok, &exp, err, sizeof(err)),
        0);
    assert_string_equal(tok, "tok2");
    free(tok);
    assert_int_equal(
        ss_aws_sso_token_parse(cache, strlen(cache), 1795870800, &tok, &exp, err, sizeof(err)), -2);
    assert_string_equal(err, "the SSO access token expired at 2026-11-28T13:00:00Z");
    assert_null(tok);
    assert_int_equal(ss_aws_sso_token_parse("{\"expiresAt\":\"2026-11-28T13:00:00Z\"}", 36, 0, &tok,
                                            &exp, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "token cache has no accessToken");
    assert_int_equal(ss_aws_sso_token_parse("[]", 2, 0, &tok, &exp, err, sizeof(err)), -1);

    static const char rc_ok[] = "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\","
                                "\"secretAccessKey\":\"s\",\"sessionToken\":\"t\","
                                "\"expiration\":1795870800000}}";
    assert_int_equal(ss_aws_sso_creds_parse(rc_ok, strlen(rc_ok), &c, err, sizeof(err)), 0);
    assert_string_equal(c.access_key_id, "ASIASSO");
    assert_int_equal(c.expiration, 1795870800);
    ss_aws_creds_clear(&c);
    static const char rc_bad[] = "{\"roleCredentials\":{\"accessKeyId\":\"A\","
                                 "\"secretAccessKey\":\"s\",\"expiration\":\"soon\"}}";
    assert_int_equal(ss_aws_sso_creds_parse(rc_bad, strlen(rc_bad), &c, err, sizeof(err)), -1);
    assert_string_equal(err, "GetRoleCredentials answer: expiration is not a time in "
                             "milliseconds");
    assert_null(c.access_key_id);
    assert_int_equal(ss_aws_sso_creds_parse("{}", 2, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "GetRoleCredentials answer has no roleCredentials object");
}

static void test_container_hosts(void **state)
{
    (void)state;
    static const char *const ok[] = {"127.0.0.1",     "127.1.2.3",      "localhost",      "[::1]",
                                     "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", NULL};
    static const char *const bad[] = {"127.evil.example",
                                      "127.0.0.1.nip.io",
                                      "10.0.0.1",
                                      "169.254.169.254",
                                      "[fd00:ec2::24]",
                                      "[::2]",
                                      "",
                                      "[]",
                                      "evil.example",
                                      NULL};
    for (const char *const *h = ok; *h; h++)
        if (!ss_aws_container_host_ok(*h))
            fail_msg("%s refused", *h);
    for (const char *const *h = bad; *h; h++)
        if (ss_aws_container_host_ok(*h))
            fail_msg("%s accepted", *h);
}

static void test_token_file(void **state)
{
    (void)state;
    char path[160], err[256], *tok;

    snprintf(path, sizeof(path), "%s/token", tmpdir);
    write_file(path, "eyJhbGciOi.jwt.sig\r\n");
    assert_int_equal(ss_aws_read_token_file(path, &tok, err, sizeof(err)), 0);
    assert_string_equal(tok, "eyJhbGciOi.jwt.sig");
    free(tok);
    write_file(path, "two\nlines\n");
    assert_int_equal(ss_aws_read_token_file(path, &tok, err, sizeof(err)), -1);
    assert_null(tok);
    write_file(path, "\n");
    assert_int_equal(ss_aws_read_token_file(path, &tok, err, sizeof(err)), -1);
    snprintf(path, sizeof(path), "%s/missing", tmpdir);
    assert_int_equal(ss_aws_read_token_file(path, &tok, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(ss_aws_read_token_file(tmpdir, &tok, err, sizeof(err)), -1);
    snprintf(path, sizeof(path), "%s is not a regular file", tmpdir);
    assert_string_equal(err, path);
    snprintf(path, sizeof(path), "%s/token", tmpdir);
    unlink(path);

    write_file(config_path, "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                            "credential_source = Ec2InstanceMetadata\n");
    setenv("AWS_PROFILE", "p", 1);
    expect_chain(NULL, "credential_source Ec2InstanceMetadata: disabled by "
                       "AWS_EC2_METADATA_DISABLED");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_profile_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_paths_and_region, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xml_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sso, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ss_secret_aws_forget();
    return rc;
}
