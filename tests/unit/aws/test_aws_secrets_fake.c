/* aws-secretsmanager: and aws-ssm: references resolved with the AWS call
 * wrapped at link time (-Wl,--wrap=ss_aws_json_call): the request each
 * builds, the value it takes from the answer, JSON keys, the region of an
 * ARN, the cache, and the errors.  No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_request.h"
#include "secrets_aws.h"

static const char *answer; /* JSON text of the next answer; NULL: the call fails */
static int ncalls;
static char last_target[128], last_region[64], last_body[512];

int __wrap_ss_aws_json_call(const struct ss_aws_call *call, const struct ss_aws_creds *creds,
                            const char *body, struct json_object **out, char *err, size_t errlen);

int __wrap_ss_aws_json_call(const struct ss_aws_call *call, const struct ss_aws_creds *creds,
                            const char *body, struct json_object **out, char *err, size_t errlen)
{
    ncalls++;
    assert_string_equal(creds->access_key_id, "AKIDUNIT");
    snprintf(last_target, sizeof last_target, "%s", call->target);
    snprintf(last_region, sizeof last_region, "%s", call->region);
    snprintf(last_body, sizeof last_body, "%s", body);
    if (!answer) {
        snprintf(err, errlen, "AccessDeniedException: not allowed");
        return -1;
    }
    *out = json_tokener_parse(answer);
    assert_non_null(*out);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIDUNIT", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    unsetenv("AWS_PROFILE");
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    ss_secret_aws_forget();
    ncalls = 0;
    return 0;
}

static char *sm(const char *ref, char *err, size_t errlen)
{
    char *out = NULL;
    if (ss_secret_aws_sm_resolve(ref, &out, err, errlen) < 0) {
        assert_null(out);
        return NULL;
    }
    return out;
}

static void test_secrets_manager(void **state)
{
    char err[512], *v;
    (void)state;
    answer = "{\"Name\":\"prod/scim\",\"SecretString\":\"tok-123\"}";
    v = sm("prod/scim", err, sizeof err);
    assert_non_null(v);
    assert_string_equal(v, "tok-123");
    free(v);
    assert_string_equal(last_target, "secretsmanager.GetSecretValue");
    assert_string_equal(last_region, "eu-west-1");
    assert_non_null(strstr(last_body, "\"SecretId\":\"prod\\/scim\""));
    /* asked once a run */
    v = sm("prod/scim", err, sizeof err);
    assert_string_equal(v, "tok-123");
    free(v);
    assert_int_equal(ncalls, 1);

    /* a key of a JSON secret; the region of an ARN */
    answer = "{\"SecretString\":\"{\\\"token\\\":\\\"abc\\\",\\\"n\\\":5,\\\"o\\\":{}}\"}";
    v = sm("arn:aws:secretsmanager:us-east-2:111:secret:app#token", err, sizeof err);
    assert_non_null(v);
    assert_string_equal(v, "abc");
    free(v);
    assert_string_equal(last_region, "us-east-2");
    v = sm("arn:aws:secretsmanager:us-east-2:111:secret:app#n", err, sizeof err);
    assert_non_null(v);
    assert_string_equal(v, "5");
    free(v);
    assert_null(sm("arn:aws:secretsmanager:us-east-2:111:secret:app#missing", err, sizeof err));
    assert_non_null(strstr(err, "the secret has no JSON key 'missing'"));
    assert_null(sm("arn:aws:secretsmanager:us-east-2:111:secret:app#o", err, sizeof err));
    assert_non_null(strstr(err, "JSON key 'o' is not a string, number or"));
    answer = "{\"SecretString\":\"plain\"}";
    assert_null(sm("plain-secret#k", err, sizeof err));
    assert_non_null(strstr(err, "the secret is not a JSON object"));

    /* what cannot be used */
    answer = "{\"SecretBinary\":\"AAEC\"}";
    assert_null(sm("bin", err, sizeof err));
    assert_non_null(strstr(err, "binary secrets are not supported"));
    answer = "{\"Name\":\"x\"}";
    assert_null(sm("empty", err, sizeof err));
    assert_non_null(strstr(err, "response has no SecretString"));
    answer = "{\"SecretString\":7}";
    assert_null(sm("seven", err, sizeof err));
    assert_non_null(strstr(err, "is not a string"));
    answer = NULL;
    assert_null(sm("denied", err, sizeof err));
    assert_non_null(strstr(err, "AccessDeniedException: not allowed"));
    assert_null(sm("arn:aws:secretsmanager", err, sizeof err));
    assert_non_null(strstr(err, "malformed ARN"));
    assert_null(sm("", err, sizeof err));
    unsetenv("AWS_REGION");
    assert_null(sm("no-region", err, sizeof err));
    assert_non_null(strstr(err, "no AWS region"));
}

static void test_parameter_store(void **state)
{
    char err[512], *v = NULL;
    (void)state;
    answer = "{\"Parameter\":{\"Name\":\"/scim/token\",\"Type\":\"SecureString\","
             "\"Value\":\"p-val\"}}";
    assert_int_equal(ss_secret_aws_ssm_resolve("/scim/token", &v, err, sizeof err), 0);
    assert_string_equal(v, "p-val");
    free(v);
    assert_string_equal(last_target, "AmazonSSM.GetParameter");
    assert_non_null(strstr(last_body, "\"WithDecryption\":true"));
    /* forgotten: asked again */
    ss_secret_aws_forget();
    assert_int_equal(ss_secret_aws_ssm_resolve("/scim/token", &v, err, sizeof err), 0);
    free(v);
    assert_int_equal(ncalls, 2);
    answer = "{\"Parameter\":{\"Name\":\"/x\"}}";
    v = NULL;
    assert_true(ss_secret_aws_ssm_resolve("/x", &v, err, sizeof err) < 0);
    assert_non_null(strstr(err, "response has no Parameter.Value"));
    assert_null(v);
    /* credentials half set: said, nothing asked */
    unsetenv("AWS_ACCESS_KEY_ID");
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    ss_secret_aws_forget();
    int rc = ss_secret_aws_ssm_resolve("/y", &v, err, sizeof err);
    if (rc >= 0 || !strstr(err, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"))
        fail_msg("rc %d: %s", rc, err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_secrets_manager, setup),
        cmocka_unit_test_setup(test_parameter_store, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
