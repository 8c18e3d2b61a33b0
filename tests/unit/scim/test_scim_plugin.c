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

extern const struct scimsync_plugin scimsync_plugin_descriptor;

static const char *conf[32][2];
static char logbuf[8192];

static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
    SCIMSYNC_PRINTF(3, 4);

static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
{
    va_list ap;
    size_t len = strlen(logbuf);
    (void)h;
    snprintf(logbuf + len, sizeof(logbuf) - len, "%d ", level);
    len = strlen(logbuf);
    va_start(ap, fmt);
    vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
    va_end(ap);
    len = strlen(logbuf);
    if (len + 1 < sizeof(logbuf))
        strcat(logbuf, "\n");
}

static const char *get(const struct scimsync_host *h, const char *key)
{
    (void)h;
    for (size_t i = 0; conf[i][0]; i++) {
        if (!strcmp(conf[i][0], key))
            return conf[i][1];
    }
    /* the defaults of the key table */
    for (const struct scimsync_config_key *k = scimsync_plugin_descriptor.keys; k->name; k++) {
        if (!strcmp(k->name, key))
            return k->default_value;
    }
    return NULL;
}

static int get_int(const struct scimsync_host *h, const char *key, long *out)
{
    const char *v = get(h, key);
    char *end;
    *out = v ? strtol(v, &end, 10) : 0;
    return v && *end ? -1 : 0;
}

static int get_bool(const struct scimsync_host *h, const char *key, int *out)
{
    const char *v = get(h, key);
    *out = v && !strcmp(v, "true");
    return v && strcmp(v, "true") && strcmp(v, "false") ? -1 : 0;
}

static int get_double(const struct scimsync_host *h, const char *key, double *out)
{
    const char *v = get(h, key);
    char *end;
    *out = v ? strtod(v, &end) : 0;
    return v && *end ? -1 : 0;
}

static const char *where(const struct scimsync_host *h, const char *key)
{
    static char buf[64];
    (void)h;
    snprintf(buf, sizeof buf, "t.ini: [target aws] %s", key);
    return buf;
}

static const struct scimsync_host host = {
    .struct_size = sizeof(struct scimsync_host),
    .instance_name = "aws",
    .log = host_log,
    .config_get = get,
    .config_get_int = get_int,
    .config_get_bool = get_bool,
    .config_get_double = get_double,
    .config_where = where,
};

static void set(size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    memset(conf, 0, sizeof(conf));
    for (size_t i = 0; i < n; i++) {
        conf[i][0] = va_arg(ap, const char *);
        conf[i][1] = va_arg(ap, const char *);
    }
    va_end(ap);
    logbuf[0] = '\0';
}

static int create(void **inst)
{
    return scimsync_plugin_descriptor.create(&host, inst);
}

static void assert_logged(const char *text)
{
    if (!strstr(logbuf, text))
        fail_msg("not logged: \"%s\"; the log:\n%s", text, logbuf);
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
    set(2, "url", "https://scim.eu-west-1.amazonaws.com/abc/scim/v2/", "token", "tok-123456789");
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
    set(4, "url", "http://scim.example/v2", "token", "tok-123456789", "verify_tls", "false",
        "read_rate", "12.5");
    assert_int_equal(create(&inst), 0);
    s = inst;
    assert_int_equal(s->profile, SCIM_PROFILE_GENERIC);
    assert_true(s->profile_auto);
    assert_true(s->rate_cfg[SCIM_BUDGET_READ] == 12.5);
    assert_true(s->rate_cfg[SCIM_BUDGET_WRITE] < 0);
    assert_logged("t.ini: [target aws] url: url is plain http: the token crosses the network "
                  "unencrypted");
    assert_logged("profile probed at the first run");
    scimsync_plugin_descriptor.destroy(inst);

    set(4, "url", "https://scim.example/v2", "token", "tok-123456789", "verify_tls", "false",
        "profile", "generic");
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
        {"url", "ftp://x/scim", "t.ini: [target aws] url: url: "},
        {"token", "", "token: the secret is empty"},
        {"token", "a\nb", "token: the secret contains a line break"},
        {"profile", "okta", "profile: must be identity-center or generic"},
        {"rate_limit", "20000", "rate_limit: must be between 0 and 10000 requests per second"},
        {"member_op_rate", "-1", "member_op_rate: must be between 0 and 1000000 member values"},
        {"write_rate", "fast", NULL},
        {"max_connections", "65", "max_connections: must be between 1 and 64"},
        {"timeout", "0", "timeout: must be between 1 and 600"},
        {"retries", "x", NULL},
        {"request_deadline", "3601", "request_deadline: must be between 1 and 3600"},
        {"verify_tls", "maybe", NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        if (!strcmp(bad[i].key, "url"))
            set(2, "url", bad[i].value, "token", "tok-123456789");
        else if (!strcmp(bad[i].key, "token"))
            set(2, "url", "https://scim.example/v2", "token", bad[i].value);
        else
            set(3, "url", "https://scim.example/v2", "token", "tok-123456789", bad[i].key,
                bad[i].value);
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
    return cmocka_run_group_tests(tests, NULL, NULL);
}
