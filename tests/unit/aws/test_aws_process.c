/* credential_process run for real on local commands (printf, false, sh):
 * the output read and parsed, exit status and signals told apart, the
 * command line split without a shell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_credentials.h"
#include "aws_providers.h"

static void test_output_parsed(void **state)
{
    struct ss_aws_creds c;
    char err[256] = "";
    (void)state;
    assert_int_equal(ss_aws_process_run("printf %s '{\"Version\":1,\"AccessKeyId\":\"AKIAP\","
                                        "\"SecretAccessKey\":\"s3cr3t\"}'",
                                        &c, err, sizeof err),
                     0);
    assert_string_equal(c.access_key_id, "AKIAP");
    assert_string_equal(c.secret_access_key, "s3cr3t");
    assert_null(c.session_token);
    ss_aws_creds_clear(&c);
}

static void expect_error(const char *cmd, const char *msg)
{
    struct ss_aws_creds c;
    char err[256] = "";
    assert_true(ss_aws_process_run(cmd, &c, err, sizeof err) < 0);
    if (!strstr(err, msg))
        fail_msg("credential_process %s: \"%s\" does not say \"%s\"", cmd, err, msg);
    assert_null(strstr(err, "AKIASECRET"));
    assert_null(c.access_key_id);
}

static void test_failures(void **state)
{
    (void)state;
    expect_error("", "credential_process is empty");
    expect_error("false", "credential_process false exited with status 1");
    expect_error("/nonexistent/credential-helper --profile x",
                 "cannot run /nonexistent/credential-helper");
    expect_error("sh -c 'kill -9 $$'", "was killed by signal 9");
    expect_error("echo $(id)", "credential_process ");
    expect_error("printf %s not-json", "credential_process output is not a JSON object");
    /* what it printed is never echoed: only that it is not valid */
    expect_error("printf %s '{\"Version\":1,\"AccessKeyId\":\"AKIASECRET\"}'",
                 "credential_process");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_parsed),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
