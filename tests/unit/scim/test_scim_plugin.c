/* The SCIM target's descriptor, configuration and instance lifetime
 * (scim_plugin.c) with a host that serves keys from a table; the instance
 * it makes is then driven through the descriptor with the fake transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"
#include "test_host.h"

extern const struct scimsync_plugin scimsync_plugin_descriptor;

static struct test_host th;

/* A fresh host with these key = value pairs (NULL-terminated). */
static void set(const char *kv, ...)
{
    va_list ap;
    test_host_free(&th);
    test_host_init(&th, &scimsync_plugin_descriptor);
    th.log_level = SCIMSYNC_LOG_DEBUG;
    va_start(ap, kv);
    for (const char *k = kv; k; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        assert_int_equal(test_host_set(&th, k, v), 0);
    }
    va_end(ap);
}

static int create(void **inst)
{
    return scimsync_plugin_descriptor.create(&th.h, inst);
}

static void assert_logged(const char *text)
{
    if (!test_host_logged(&th, text))
        fail_msg("not logged: \"%s\"; the log:\n%s", text, th.log);
}

static void test_descriptor(void **state)
{
    (void)state;
    const struct scimsync_plugin *d = &scimsync_plugin_descriptor;
    assert_string_equal(d->name, "scim");
    assert_int_equal(d->kind, SCIMSYNC_PLUGIN_TARGET);
    assert_non_null(d->target->list_users);
    assert_non_null(d->target->apply);
    assert_non_null(d->check);
}

static void test_identity_center(void **state)
{
    void *inst;
    struct scim *s;
    size_t n = 0;
    (void)state;
    set("url", "https://scim.eu-west-1.amazonaws.com/abc/scim/v2/", "token", "tok-123456789", NULL);
    assert_int_equal(create(&inst), 0);
    s = inst;
    assert_int_equal(s->profile, SCIM_PROFILE_IDENTITY_CENTER);
    assert_false(s->profile_auto);
    assert_int_equal(s->max_conn, 10);
    assert_int_equal(s->deadline_s, 120);
    assert_true(s->verify_tls);
    assert_ptr_equal(s->tx, &scim_curl_transport);
    assert_logged("profile identity-center, rate_limit 0, read_rate 40, write_rate 25, "
                  "member_op_rate 100 (0: unpaced), 10 connections");
    /* the instance at work, on canned answers */
    static const struct fake_answer a[] = {
        {.status = 200,
         .body = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],"
                 "\"totalResults\":0,\"Resources\":[]}"}};
    s->tx = &fake_transport;
    fake_script(a, 1);
    assert_int_equal(scimsync_plugin_descriptor.target->list_users(inst, NULL, &n), 0);
    assert_string_equal(fake_sent[0].path, "/Users?count=100&cursor=");
    scimsync_plugin_descriptor.destroy(inst);
    scimsync_plugin_descriptor.destroy(NULL);
}

static void test_generic_and_warnings(void **state)
{
    void *inst;
    struct scim *s;
    (void)state;
    /* no profile and not an AWS host: probed at the first run */
    set("url", "http://scim.example/v2", "token", "tok-123456789", "verify_tls", "false",
        "read_rate", "12.5", NULL);
    assert_int_equal(create(&inst), 0);
    s = inst;
    assert_int_equal(s->profile, SCIM_PROFILE_GENERIC);
    assert_true(s->profile_auto);
    assert_true(s->rate_cfg[SCIM_BUDGET_READ] == 12.5);
    assert_true(s->rate_cfg[SCIM_BUDGET_WRITE] < 0);
    assert_logged("args: url is plain http: the token crosses the network unencrypted");
    assert_logged("profile probed at the first run");
    scimsync_plugin_descriptor.destroy(inst);

    set("url", "https://scim.example/v2", "token", "tok-123456789", "verify_tls", "false",
        "profile", "generic", NULL);
    assert_int_equal(create(&inst), 0);
    assert_false(((struct scim *)inst)->profile_auto);
    assert_logged("verify_tls is OFF: the server's certificate is not checked");
    scimsync_plugin_descriptor.destroy(inst);
}

static void test_config_errors(void **state)
{
    void *inst = (void *)1;
    (void)state;
    static const struct {
        const char *key, *value, *logged;
    } bad[] = {
        {"url", "ftp://x/scim", "args: url: "},
        {"token", "", "token: the secret is empty"},
        {"token", "a\nb", "token: the secret contains a line break"},
        {"retries", "x", NULL},
        {"verify_tls", "maybe", NULL},
    };
    /* ranges and the profile's choices are the descriptor's key_limits:
     * the host refuses a value outside them before create() */
    static const struct {
        const char *key;
        double min, max;
    } ranges[] = {{"rate_limit", 0, 10000},
                  {"member_op_rate", 0, 1000000},
                  {"max_connections", 1, 64},
                  {"timeout", 1, 600},
                  {"request_deadline", 1, 3600}};
    const struct scimsync_key_limit *lim = scimsync_plugin_descriptor.key_limits;
    assert_non_null(lim);
    for (size_t i = 0; i < sizeof(ranges) / sizeof(*ranges); i++) {
        const struct scimsync_key_limit *l = lim;
        while (l->key && strcmp(l->key, ranges[i].key) != 0)
            l++;
        assert_non_null(l->key);
        assert_true(l->min == ranges[i].min && l->max == ranges[i].max);
    }
    assert_string_equal(lim[0].key, "profile");
    assert_string_equal(lim[0].choices[0], "identity-center");
    assert_string_equal(lim[0].choices[1], "generic");
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        if (!strcmp(bad[i].key, "url"))
            set("url", bad[i].value, "token", "tok-123456789", NULL);
        else if (!strcmp(bad[i].key, "token"))
            set("url", "https://scim.example/v2", "token", bad[i].value, NULL);
        else
            set("url", "https://scim.example/v2", "token", "tok-123456789", bad[i].key,
                bad[i].value, NULL);
        assert_int_equal(create(&inst), SCIMSYNC_ERR_CONFIG);
        assert_null(inst);
        if (bad[i].logged)
            assert_logged(bad[i].logged);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_identity_center),
        cmocka_unit_test(test_generic_and_warnings),
        cmocka_unit_test(test_config_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    test_host_free(&th);
    return rc;
}
