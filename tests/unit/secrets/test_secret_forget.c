/* Secret schemes that cache carry a forget hook; ss_secrets_forget() is
 * what the daemon calls before a reload (no AWS function of its own). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "secrets.h"
#include "secrets_aws.h"

static void test_forget_hooks(void **state)
{
    (void)state;
    assert_ptr_equal(ss_secret_scheme_of("aws-ssm:/p")->forget, ss_secret_aws_forget);
    assert_ptr_equal(ss_secret_scheme_of("aws-secretsmanager:s")->forget, ss_secret_aws_forget);
    assert_null(ss_secret_scheme_of("env:HOME")->forget);
    assert_null(ss_secret_scheme_of("file:/x")->forget);
    assert_null(ss_secret_scheme_of("plain"));
    assert_null(ss_secret_scheme_of(NULL));
    ss_secrets_forget(); /* nothing cached: a no-op */
    ss_secrets_forget();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forget_hooks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
