/* Every allocation of the pure helpers fails in turn: each must report the
 * failure and leave nothing allocated (run under ASan for the leak half).
 * malloc & co are wrapped at link time (tests/support/alloc_fail.h); json-c, libcurl and
 * OpenSSL allocate inside their own shared objects and are not affected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "gw_util.h"
#include "ssp_jwt.h"

static json_object *user;
static char *pem;

static int flatten_scenario(void)
{
    struct ssp_entry_builder eb;
    int rc = 0;
    ssp_eb_init(&eb, 1 << 20, 1000);
    for (int round = 0; round < 2 && rc == 0; round++) {
        ssp_eb_reset(&eb);
        if (gw_flatten(&eb, user) < 0 || ssp_eb_add_value(&eb, "active", "true") < 0)
            rc = -1;
        for (int i = 0; i < 300 && rc == 0; i++)
            rc = ssp_eb_add_member(&eb, "member-id") == 0 ? 0 : -1;
        if (rc == 0 && !(eb.entry.id = ssp_eb_strdup(&eb, "1001")))
            rc = -1;
        if (rc == 0 && !ssp_eb_finish(&eb))
            rc = -1;
    }
    if (rc == 0 && eb.entry.nattrs < 10)
        rc = -2;
    ssp_eb_free(&eb);
    return rc;
}

static int text_scenario(void)
{
    const struct gw_param p[] = {
        {"customer", "my_customer"}, {"query", "email:aws-*"}, {"pageToken", "tok"}};
    struct gw_cursor c = {0};
    struct gw_key k;
    char err[128];
    size_t n = 0;
    char *u = gw_url("http://h/", "/admin/directory/v1/users", p, 3);
    char *e = ssp_b64url((const unsigned char *)"\xfb\xff hello", 8);
    unsigned char *d = e ? ssp_b64url_decode(e, &n) : NULL;
    int key = gw_key_parse("{\"client_email\":\"a@b\",\"private_key\":\"K\"}", &k, err, sizeof err);
    int cur = gw_cursor_advance(&c, "t1", err, sizeof err);
    if (cur == 0)
        cur = gw_cursor_advance(&c, "t2", err, sizeof err);
    int rc = (u && e && d && n == 8 && key == 0 && cur == 0) ? 0 : -1;
    if (key == 0)
        gw_key_free(&k);
    gw_cursor_reset(&c);
    free(u);
    free(e);
    free(d);
    return rc;
}

static int jwt_scenario(void)
{
    char err[256], *jwt = NULL;
    int rc = gw_jwt_build(pem, "a@b", "admin@c", gw_scopes, "http://t/token", 1700000000, &jwt, err,
                          sizeof err);
    free(jwt);
    return rc < 0 ? -1 : 0;
}

static int setup(void **state)
{
    (void)state;
    user = json_tokener_parse(
        "{\"id\":\"1001\",\"primaryEmail\":\"a@example.com\",\"name\":{\"givenName\":\"A\","
        "\"familyName\":\"B\"},\"suspended\":false,\"aliases\":[\"x@example.com\"],"
        "\"organizations\":[{\"title\":\"T\",\"primary\":true,\"type\":\"work\"},{\"title\":"
        "\"U\"}],\"externalIds\":[{\"type\":\"organization\",\"value\":\"E1\"}],"
        "\"customSchemas\":{\"HR\":{\"level\":5}}}");
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    if (!user || !k || !b || PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1)
        return -1;
    long n = BIO_get_mem_data(b, &data);
    pem = __real_malloc((size_t)n + 1);
    memcpy(pem, data, (size_t)n);
    pem[n] = '\0';
    BIO_free(b);
    EVP_PKEY_free(k);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_object_put(user);
    free(pem);
    return 0;
}

static void test_flatten(void **state)
{
    (void)state;
    alloc_fail_each(flatten_scenario, 4);
}

static void test_text(void **state)
{
    (void)state;
    alloc_fail_each(text_scenario, 4);
}

static void test_jwt(void **state)
{
    (void)state;
    alloc_fail_each(jwt_scenario, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flatten),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_jwt),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
