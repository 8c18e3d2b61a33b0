/* The SCIM target's pure logic: filters and URLs, pacing and backoff,
 * request bodies, and defensive parsing of what servers send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "scim_filter.h"
#include "scim_json.h"
#include "scim_pace.h"
#include "scim_parse.h"
#include "scim_profile.h"
#include "scim_url.h"

static void test_filter_escapes_quotes_and_backslashes(void **state)
{
    (void)state;
    char *f = scim_filter_eq("userName", "a\"b\\c");
    assert_string_equal(f, "userName eq \"a\\\"b\\\\c\"");
    char *enc = scim_url_encode(f);
    assert_string_equal(enc, "userName%20eq%20%22a%5C%22b%5C%5Cc%22");
    free(enc);
    free(f);
    f = scim_filter_eq("displayName", "");
    assert_string_equal(f, "displayName eq \"\"");
    free(f);
}

static void test_filter_value_cannot_inject(void **state)
{
    (void)state;
    /* a value trying to close the string and add a clause stays one value */
    char *f = scim_filter_eq("userName", "x\" or userName pr or \"");
    assert_string_equal(f, "userName eq \"x\\\" or userName pr or \\\"\"");
    char *p = scim_list_path("/Users", f, NULL, 0, 0);
    assert_null(strchr(p, ' '));
    assert_null(strchr(p, '"'));
    assert_non_null(strstr(p, "/Users?filter=userName%20eq%20%22x%5C%22%20or"));
    free(p);
    free(f);
}

static void test_list_paths(void **state)
{
    (void)state;
    char *p = scim_list_path("/Users", NULL, "", 0, 100);
    assert_string_equal(p, "/Users?count=100&cursor=");
    free(p);
    p = scim_list_path("/Groups", NULL, "a+b/c=", 0, 100);
    assert_string_equal(p, "/Groups?count=100&cursor=a%2Bb%2Fc%3D");
    free(p);
    p = scim_list_path("/Users", NULL, NULL, 101, 100);
    assert_string_equal(p, "/Users?startIndex=101&count=100");
    free(p);
    p = scim_object_path("/Users", "id/../x?y");
    assert_string_equal(p, "/Users/id%2F..%2Fx%3Fy");
    free(p);
}

static void test_base_url(void **state)
{
    (void)state;
    struct scim_base_url u;
    char why[128];
    assert_int_equal(scim_base_url_parse("https://scim.eu-west-1.amazonaws.com/abc-123/scim/v2/",
                                         &u, why, sizeof(why)),
                     0);
    assert_string_equal(u.base, "https://scim.eu-west-1.amazonaws.com/abc-123/scim/v2");
    assert_true(u.aws_scim);
    assert_true(u.https);
    assert_false(u.loopback);
    scim_base_url_free(&u);
    assert_int_equal(scim_base_url_parse("http://127.0.0.1:8080/t/scim/v2", &u, why, sizeof(why)),
                     0);
    assert_string_equal(u.base, "http://127.0.0.1:8080/t/scim/v2");
    assert_true(u.loopback);
    assert_false(u.aws_scim);
    scim_base_url_free(&u);
    assert_int_equal(scim_base_url_parse("ftp://x/y", &u, why, sizeof(why)), -1);
    assert_int_equal(scim_base_url_parse("https://x/y?token=1", &u, why, sizeof(why)), -1);
    assert_int_equal(scim_base_url_parse("not a url", &u, why, sizeof(why)), -1);
    assert_int_equal(scim_base_url_parse("", &u, why, sizeof(why)), -1);
}

static void test_identity_center_host(void **state)
{
    (void)state;
    assert_true(scim_host_is_identity_center("scim.us-east-1.amazonaws.com"));
    assert_true(scim_host_is_identity_center("SCIM.eu-central-1.amazonaws.com"));
    assert_true(scim_host_is_identity_center("scim.cn-north-1.amazonaws.com.cn"));
    assert_false(scim_host_is_identity_center("scim.example.com"));
    assert_false(scim_host_is_identity_center("scim.us-east-1.amazonaws.com.evil.net"));
    assert_false(scim_host_is_identity_center("evil.scim.us-east-1.amazonaws.com"));
    assert_false(scim_host_is_identity_center("scim.a.b.amazonaws.com"));
    assert_false(scim_host_is_identity_center("scim..amazonaws.com"));
}

static void test_bucket_paces_to_rate(void **state)
{
    (void)state;
    struct scim_bucket b;
    double t = 100.0;
    int taken = 0;
    scim_bucket_init(&b, 20.0, 1.0, t);
    assert_true(scim_bucket_take(&b, t) == 0);
    double w = scim_bucket_take(&b, t);
    assert_true(w > 0.049 && w < 0.051);
    /* ten simulated seconds polled every millisecond: never more than rate x time (+ burst) */
    for (int i = 0; i < 10000; i++) {
        t += 0.001;
        if (scim_bucket_take(&b, t) == 0)
            taken++;
    }
    assert_in_range(taken, 199, 200);
    /* an idle bucket saves up at most its burst */
    t += 60;
    assert_true(scim_bucket_take(&b, t) == 0);
    assert_true(scim_bucket_take(&b, t) > 0);
    /* rate 0: unlimited */
    scim_bucket_init(&b, 0, 1, t);
    for (int i = 0; i < 100; i++)
        assert_true(scim_bucket_take(&b, t) == 0);
}

static void test_backoff(void **state)
{
    (void)state;
    double d = scim_backoff(1, -1, 0.5, 30, 0.0);
    assert_true(d >= 0.25 && d <= 0.25001);
    d = scim_backoff(1, -1, 0.5, 30, 0.99);
    assert_true(d > 0.49 && d <= 0.5);
    d = scim_backoff(4, -1, 0.5, 30, 0.5); /* 4 s, jittered to 3 */
    assert_true(d > 2.99 && d < 3.01);
    d = scim_backoff(20, -1, 0.5, 30, 1.0); /* capped */
    assert_true(d <= 30.0 && d >= 15.0);
    d = scim_backoff(1, 7, 0.5, 30, 0.5); /* Retry-After wins when longer */
    assert_true(d >= 7.0 && d < 7.1);
    d = scim_backoff(6, 1, 0.5, 30, 0.5); /* and never shortens our own backoff */
    assert_true(d > 11.9);
}

static void test_rand01(void **state)
{
    (void)state;
    uint64_t st = 0, st2 = 12345;
    double sum = 0, a = scim_rand01(&st2);
    for (int i = 0; i < 10000; i++) {
        double r = scim_rand01(&st);
        assert_true(r >= 0 && r < 1);
        sum += r;
    }
    assert_true(sum / 10000 > 0.45 && sum / 10000 < 0.55);
    assert_true(a != scim_rand01(&st2)); /* the state moves on */
}

static void test_retry_after(void **state)
{
    (void)state;
    assert_true(scim_retry_after("3", 0, 120) == 3);
    assert_true(scim_retry_after(" 5 \r\n", 0, 120) == 5);
    assert_true(scim_retry_after("9999", 0, 120) == 120);
    assert_true(scim_retry_after("soon", 0, 120) < 0);
    assert_true(scim_retry_after("3x", 0, 120) < 0);
    assert_true(scim_retry_after("", 0, 120) < 0);
    assert_true(scim_retry_after(NULL, 0, 120) < 0);
    /* an HTTP date 10 s after "now" */
    time_t now = 1700000000;
    assert_true(scim_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now, 120) == 10);
    assert_true(scim_retry_after("Tue, 14 Nov 2023 22:13:10 GMT", now, 120) == 0);
}

static json_object *path_get(json_object *o, const char *a, const char *b)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, a, &v))
        return NULL;
    if (b && !json_object_object_get_ex(v, b, &v))
        return NULL;
    return v;
}

static struct scimsync_user sample_user(void)
{
    struct scimsync_user u;
    memset(&u, 0, sizeof(u));
    u.external_id = "u001";
    u.field[SCIMSYNC_F_USER_NAME] = "alice@example.com";
    u.field[SCIMSYNC_F_DISPLAY_NAME] = "Alice Example";
    u.field[SCIMSYNC_F_GIVEN_NAME] = "Alice";
    u.field[SCIMSYNC_F_FAMILY_NAME] = "Example";
    u.field[SCIMSYNC_F_EMAIL] = "alice@example.com";
    u.field[SCIMSYNC_F_TITLE] = ""; /* empty: never sent */
    u.field[SCIMSYNC_F_DEPARTMENT] = "Eng";
    u.field[SCIMSYNC_F_MANAGER] = "target-id-of-boss";
    u.field[SCIMSYNC_F_PHONE] = "+1 555";
    u.active = 1;
    return u;
}

static void test_user_create_body(void **state)
{
    (void)state;
    struct scimsync_user u = sample_user();
    json_object *b = scim_user_create_body(&u);
    const char *text = scim_json_text(b);
    assert_non_null(b);
    assert_string_equal(json_object_get_string(path_get(b, "userName", NULL)), "alice@example.com");
    assert_string_equal(json_object_get_string(path_get(b, "externalId", NULL)), "u001");
    assert_string_equal(json_object_get_string(path_get(b, "name", "givenName")), "Alice");
    json_object *emails = path_get(b, "emails", NULL);
    assert_int_equal(json_object_array_length(emails), 1);
    json_object *e0 = json_object_array_get_idx(emails, 0);
    assert_true(json_object_get_boolean(path_get(e0, "primary", NULL)));
    assert_true(json_object_is_type(path_get(e0, "primary", NULL), json_type_boolean));
    assert_null(path_get(e0, "display", NULL));
    json_object *ent = path_get(b, SCIM_SCHEMA_ENTERPRISE, NULL);
    assert_string_equal(json_object_get_string(path_get(ent, "department", NULL)), "Eng");
    assert_string_equal(json_object_get_string(path_get(ent, "manager", "value")),
                        "target-id-of-boss");
    assert_null(path_get(ent, "manager", "displayName"));
    assert_int_equal(json_object_array_length(path_get(b, "schemas", NULL)), 2);
    assert_null(path_get(b, "title", NULL));
    assert_null(strstr(text, "\"\""));
    assert_null(strstr(text, "password"));
    assert_null(strstr(text, "groups"));
    assert_true(json_object_get_boolean(path_get(b, "active", NULL)));
    json_object_put(b);

    /* no enterprise field: no extension schema, no empty object */
    u.field[SCIMSYNC_F_DEPARTMENT] = NULL;
    u.field[SCIMSYNC_F_MANAGER] = NULL;
    u.external_id = NULL;
    b = scim_user_create_body(&u);
    assert_null(path_get(b, SCIM_SCHEMA_ENTERPRISE, NULL));
    assert_null(path_get(b, "externalId", NULL));
    assert_int_equal(json_object_array_length(path_get(b, "schemas", NULL)), 1);
    json_object_put(b);
}

static json_object *op_at(json_object *patch, size_t i)
{
    return json_object_array_get_idx(path_get(patch, "Operations", NULL), i);
}

static const char *op_str(json_object *op, const char *key)
{
    json_object *v = path_get(op, key, NULL);
    return v ? json_object_get_string(v) : NULL;
}

static void test_user_patch_only_changed(void **state)
{
    (void)state;
    struct scimsync_user u = sample_user();
    size_t n;
    u.field[SCIMSYNC_F_TITLE] = "CTO";
    json_object *p = scim_user_patch_body(&u, 1u << SCIMSYNC_F_TITLE, 0, &n);
    assert_int_equal(n, 1);
    assert_string_equal(op_str(op_at(p, 0), "op"), "replace");
    assert_string_equal(op_str(op_at(p, 0), "path"), "title");
    assert_string_equal(op_str(op_at(p, 0), "value"), "CTO");
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(path_get(p, "schemas", NULL), 0)),
        SCIM_SCHEMA_PATCH);
    json_object_put(p);

    /* a field that became absent is removed; required ones never are */
    u.field[SCIMSYNC_F_TITLE] = NULL;
    u.field[SCIMSYNC_F_USER_NAME] = NULL;
    u.field[SCIMSYNC_F_DEPARTMENT] = "";
    p = scim_user_patch_body(&u,
                             (1u << SCIMSYNC_F_TITLE) | (1u << SCIMSYNC_F_USER_NAME) |
                                 (1u << SCIMSYNC_F_DEPARTMENT) | (1u << SCIMSYNC_F_GIVEN_NAME),
                             0, &n);
    assert_int_equal(n, 3);
    assert_string_equal(op_str(op_at(p, 0), "op"), "replace");
    assert_string_equal(op_str(op_at(p, 0), "path"), "name.givenName");
    assert_string_equal(op_str(op_at(p, 1), "op"), "remove");
    assert_string_equal(op_str(op_at(p, 1), "path"), "title");
    assert_null(path_get(op_at(p, 1), "value", NULL));
    assert_string_equal(op_str(op_at(p, 2), "path"), SCIM_SCHEMA_ENTERPRISE ":department");
    assert_string_equal(op_str(op_at(p, 2), "op"), "remove");
    json_object_put(p);

    /* manager, email and active */
    u = sample_user();
    u.active = 0;
    p = scim_user_patch_body(
        &u, (1u << SCIMSYNC_F_MANAGER) | (1u << SCIMSYNC_F_EMAIL) | SCIMSYNC_F_ACTIVE_BIT, 1, &n);
    assert_int_equal(n, 4);
    assert_string_equal(op_str(op_at(p, 0), "path"), "emails");
    assert_true(json_object_get_boolean(path_get(
        json_object_array_get_idx(path_get(op_at(p, 0), "value", NULL), 0), "primary", NULL)));
    assert_string_equal(op_str(op_at(p, 1), "path"), SCIM_SCHEMA_ENTERPRISE ":manager");
    assert_string_equal(json_object_get_string(path_get(op_at(p, 1), "value", "value")),
                        "target-id-of-boss");
    assert_string_equal(op_str(op_at(p, 2), "path"), "active");
    assert_false(json_object_get_boolean(path_get(op_at(p, 2), "value", NULL)));
    assert_string_equal(op_str(op_at(p, 3), "path"), "externalId");
    json_object_put(p);

    /* nothing managed changed: nothing to send */
    p = scim_user_patch_body(&u, 0, 0, &n);
    assert_int_equal(n, 0);
    json_object_put(p);
}

static void test_deactivate_and_group_bodies(void **state)
{
    (void)state;
    json_object *p = scim_user_deactivate_body();
    assert_string_equal(scim_json_text(p),
                        "{\"schemas\":[\"" SCIM_SCHEMA_PATCH "\"],\"Operations\":[{\"op\":"
                        "\"replace\",\"path\":\"active\",\"value\":false}]}");
    json_object_put(p);
    struct scimsync_group g = {NULL, "g-1", "aws-admins"};
    p = scim_group_create_body(&g);
    assert_string_equal(json_object_get_string(path_get(p, "displayName", NULL)), "aws-admins");
    assert_string_equal(json_object_get_string(path_get(p, "externalId", NULL)), "g-1");
    assert_null(path_get(p, "members", NULL));
    json_object_put(p);
    p = scim_group_patch_body("new-name", NULL);
    assert_int_equal(json_object_array_length(path_get(p, "Operations", NULL)), 1);
    assert_string_equal(op_str(op_at(p, 0), "path"), "displayName");
    json_object_put(p);
}

static void test_member_chunks(void **state)
{
    (void)state;
    const char *ids[101];
    for (int i = 0; i < 101; i++)
        ids[i] = "id";
    assert_int_equal(scim_member_chunks(0), 0);
    assert_int_equal(scim_member_chunks(1), 1);
    assert_int_equal(scim_member_chunks(100), 1);
    assert_int_equal(scim_member_chunks(101), 2);
    assert_int_equal(scim_member_chunks(250), 3);
    json_object *p = scim_members_patch_body("add", ids, 100);
    assert_non_null(p);
    assert_string_equal(op_str(op_at(p, 0), "op"), "add");
    assert_string_equal(op_str(op_at(p, 0), "path"), "members");
    assert_int_equal(json_object_array_length(path_get(op_at(p, 0), "value", NULL)), 100);
    json_object_put(p);
    assert_null(scim_members_patch_body("remove", ids, 101));
    assert_null(scim_members_patch_body("remove", ids, 0));
}

static void test_parse_user(void **state)
{
    (void)state;
    const char *body =
        "{\"id\":\"9067\",\"externalId\":\"u1\",\"userName\":\"a@x\",\"displayName\":\"A\","
        "\"name\":{\"givenName\":\"A\",\"familyName\":\"X\"},"
        "\"emails\":[{\"value\":\"old@x\"},{\"value\":\"a@x\",\"primary\":true}],"
        "\"title\":7,\"phoneNumbers\":\"not a list\","
        "\"" SCIM_SCHEMA_ENTERPRISE "\":{\"department\":\"D\",\"manager\":{\"value\":\"m1\"}}}";
    json_object *o = scim_parse_body(body, strlen(body));
    struct scimsync_user u;
    assert_int_equal(scim_parse_user(o, &u), 0);
    assert_string_equal(u.id, "9067");
    assert_string_equal(u.external_id, "u1");
    assert_string_equal(u.field[SCIMSYNC_F_EMAIL], "a@x");
    assert_string_equal(u.field[SCIMSYNC_F_FAMILY_NAME], "X");
    assert_null(u.field[SCIMSYNC_F_TITLE]); /* wrong type: absent */
    assert_null(u.field[SCIMSYNC_F_PHONE]);
    assert_string_equal(u.field[SCIMSYNC_F_DEPARTMENT], "D");
    assert_string_equal(u.field[SCIMSYNC_F_MANAGER], "m1");
    assert_int_equal(u.active, 1); /* absent: active */
    json_object_put(o);

    body = "{\"userName\":\"no-id\",\"active\":false}";
    o = scim_parse_body(body, strlen(body));
    assert_int_equal(scim_parse_user(o, &u), -1);
    json_object_put(o);
    body = "{\"id\":\"1\",\"active\":false,\"externalId\":\"\"}";
    o = scim_parse_body(body, strlen(body));
    assert_int_equal(scim_parse_user(o, &u), 0);
    assert_int_equal(u.active, 0);
    assert_null(u.external_id);
    json_object_put(o);
}

static void test_parse_body_and_page(void **state)
{
    (void)state;
    assert_null(scim_parse_body("[1,2]", 5));
    assert_null(scim_parse_body("{\"a\":1} trailing", 16));
    assert_null(scim_parse_body("{\"a\":", 5));
    assert_null(scim_parse_body("", 0));
    json_object *o = scim_parse_body("{\"a\":1}\n", 8);
    assert_non_null(o);
    json_object_put(o);

    const char *body = "{\"totalResults\":250,\"itemsPerPage\":2,\"startIndex\":1,"
                       "\"nextCursor\":\"c2\",\"Resources\":[{\"id\":\"1\"},{\"id\":\"2\"}]}";
    struct scim_page p;
    o = scim_parse_body(body, strlen(body));
    assert_int_equal(scim_parse_page(o, &p), 0);
    assert_int_equal(p.count, 2);
    assert_string_equal(p.next_cursor, "c2");
    assert_int_equal(p.total_results, 250);
    assert_int_equal(p.items_per_page, 2);
    json_object_put(o);
    body = "{\"totalResults\":\"0\"}";
    o = scim_parse_body(body, strlen(body));
    assert_int_equal(scim_parse_page(o, &p), 0);
    assert_int_equal(p.count, 0);
    assert_null(p.next_cursor);
    assert_int_equal(p.total_results, 0);
    assert_int_equal(p.items_per_page, -1);
    json_object_put(o);
    body = "{\"Resources\":{\"id\":\"1\"}}";
    o = scim_parse_body(body, strlen(body));
    assert_int_equal(scim_parse_page(o, &p), -1);
    json_object_put(o);
}

static int collect(void *ctx, const char *id)
{
    char *buf = ctx;
    strcat(buf, id);
    strcat(buf, ",");
    return 0;
}

static void test_members_of_group(void **state)
{
    (void)state;
    const char *body = "{\"id\":\"g\",\"members\":[{\"value\":\"u1\"},{\"value\":\"g2\",\"type\":"
                       "\"Group\"},{\"value\":\"u3\",\"type\":\"User\"},{\"display\":\"x\"},7]}";
    char buf[64] = "";
    json_object *o = scim_parse_body(body, strlen(body));
    assert_int_equal(scim_each_member(o, collect, buf), 0);
    assert_string_equal(buf, "u1,u3,");
    json_object_put(o);
}

static void test_error_bodies(void **state)
{
    (void)state;
    struct scim_error e;
    const char *b = "{\"schema\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],"
                    "\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],"
                    "\"detail\":\"Duplicate userName\",\"status\":\"409\","
                    "\"exceptionRequestId\":\"abc\"}";
    scim_parse_error(b, strlen(b), 409, &e);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.detail, "Duplicate userName");
    assert_string_equal(e.scim_type, "");
    b = "{\"status\":400,\"scimType\":\"invalidValue\",\"detail\":\"bad\\nline\"}";
    scim_parse_error(b, strlen(b), 400, &e);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.detail, "bad line");
    assert_string_equal(e.scim_type, "invalidValue");
    b = "{\"status\":{\"x\":1},\"detail\":42,\"message\":\"Rate exceeded\"}";
    scim_parse_error(b, strlen(b), 429, &e);
    assert_int_equal(e.status, 0);
    assert_string_equal(e.detail, "Rate exceeded");
    b = "<html><body>502 Bad Gateway</body></html>";
    scim_parse_error(b, strlen(b), 502, &e);
    assert_string_equal(e.detail, b);
    scim_parse_error("", 0, 503, &e);
    assert_string_equal(e.detail, "HTTP 503 without details");
    scim_parse_error(NULL, 0, 500, &e);
    assert_string_equal(e.detail, "HTTP 500 without details");
    /* long text is cut, never in the middle of a UTF-8 character */
    char big[400];
    memset(big, 0, sizeof(big));
    for (size_t i = 0; i + 2 < sizeof(big) - 1; i += 2)
        memcpy(big + i, "\xc3\xa9", 2);
    scim_parse_error(big, strlen(big), 500, &e);
    assert_true(strlen(e.detail) < sizeof(e.detail));
    assert_int_equal(strlen(e.detail) % 2, 0);
    /* a complete character at the end is kept */
    b = "{\"detail\":\"user Jos\xc3\xa9\",\"scimType\":\"\xe2\x82\xac\"}";
    scim_parse_error(b, strlen(b), 409, &e);
    assert_string_equal(e.detail, "user Jos\xc3\xa9");
    assert_string_equal(e.scim_type, "\xe2\x82\xac");
    /* cut inside a 3-byte character: the partial character goes */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big + sizeof(e.detail) - 3, "\xe2\x82\xac", 3);
    scim_parse_error(big, strlen(big), 500, &e);
    assert_int_equal(strlen(e.detail), sizeof(e.detail) - 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_escapes_quotes_and_backslashes),
        cmocka_unit_test(test_filter_value_cannot_inject),
        cmocka_unit_test(test_list_paths),
        cmocka_unit_test(test_base_url),
        cmocka_unit_test(test_identity_center_host),
        cmocka_unit_test(test_bucket_paces_to_rate),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_rand01),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_user_create_body),
        cmocka_unit_test(test_user_patch_only_changed),
        cmocka_unit_test(test_deactivate_and_group_bodies),
        cmocka_unit_test(test_member_chunks),
        cmocka_unit_test(test_parse_user),
        cmocka_unit_test(test_parse_body_and_page),
        cmocka_unit_test(test_members_of_group),
        cmocka_unit_test(test_error_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
