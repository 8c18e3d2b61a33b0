/* The reads of test_reader.c with every allocation failing in turn: each
 * failure must end the read with an error (never a short, successful read)
 * and leave nothing allocated (ASan for the leak half). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "reader_fixture.h"

static struct test_host host;
static struct fake_dir dir;

static int scenario(void)
{
    int n;
    int rc = fixture_read(&host, &dir, NULL, NULL, &n);
    return rc == 0 ? 0 : -1;
}

static void run(const struct fake_search *searches, const char *key, const char *val)
{
    test_host_init(&host, PLUGIN);
    host.log_level = SCIMSYNC_LOG_ERROR;
    memset(&dir, 0, sizeof dir);
    dir.searches = searches;
    assert_int_equal(test_host_set(&host, "uri", "ldap://a ldap://b"), 0);
    assert_int_equal(test_host_set(&host, "page_size", "2"), 0);
    assert_int_equal(test_host_set(&host, "attributes", "description"), 0);
    if (key)
        assert_int_equal(test_host_set(&host, key, val), 0);
    alloc_fail_each(scenario, 50);
    test_host_free(&host);
}

static void test_openldap(void **state)
{
    (void)state;
    run(ol_searches, NULL, NULL);
}

static void test_ad(void **state)
{
    (void)state;
    run(ad_searches, "member_range_step", "2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openldap),
        cmocka_unit_test(test_ad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
