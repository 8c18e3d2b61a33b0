/* The S3 state store (state_s3.c) and its run lease (state_lease.c) on an
 * in-memory S3: curl_easy_setopt / _perform / _getinfo are wrapped at link
 * time (-Wl,--wrap), the wrappers keep the request's method, URL,
 * conditional header and body and answer like S3 does (ETags, If-Match,
 * If-None-Match: *, 404, 412), with injected failures.  No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "state_lease.h"
#include "state_store.h"

/* ---- the in-memory S3 ------------------------------------------------- */

struct object {
    char key[256];
    char *body;
    size_t len;
    char etag[32];
};

static struct object objects[8];
static int version;
static struct {
    char url[512], method[16], cond[200];
    const char *body;
    curl_off_t len;
    curl_write_callback write, header;
    void *wdata, *hdata;
    long status;
} rq;
static long fail_status[8]; /* injected answers of the next requests (0: none) */
static int nfail, nrequests;
static int land_failed_put; /* an injected failure of a PUT still stores it */

CURLcode __real_curl_easy_setopt(CURL *c, CURLoption opt, ...);
CURLcode __wrap_curl_easy_setopt(CURL *c, CURLoption opt, ...);
CURLcode __real_curl_easy_getinfo(CURL *c, CURLINFO info, ...);
CURLcode __wrap_curl_easy_getinfo(CURL *c, CURLINFO info, ...);
CURLcode __wrap_curl_easy_perform(CURL *c);

CURLcode __wrap_curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
    va_list ap;
    va_start(ap, opt);
    if (opt < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);
        va_end(ap);
        return __real_curl_easy_setopt(c, opt, v);
    }
    if (opt >= CURLOPTTYPE_OFF_T) {
        curl_off_t v = va_arg(ap, curl_off_t);
        va_end(ap);
        if (opt == CURLOPT_POSTFIELDSIZE_LARGE)
            rq.len = v;
        return __real_curl_easy_setopt(c, opt, v);
    }
    void *p = va_arg(ap, void *);
    va_end(ap);
    switch (opt) {
    case CURLOPT_URL:
        snprintf(rq.url, sizeof rq.url, "%s", (const char *)p);
        snprintf(rq.method, sizeof rq.method, "GET");
        rq.cond[0] = '\0';
        rq.body = NULL;
        rq.len = 0;
        break;
    case CURLOPT_CUSTOMREQUEST:
        snprintf(rq.method, sizeof rq.method, "%s", (const char *)p);
        break;
    case CURLOPT_POSTFIELDS:
        rq.body = p;
        break;
    case CURLOPT_WRITEDATA:
        rq.wdata = p;
        break;
    case CURLOPT_HEADERDATA:
        rq.hdata = p;
        break;
    case CURLOPT_HTTPHEADER:
        for (const struct curl_slist *h = p; h; h = h->next) {
            if (!strncmp(h->data, "If-", 3))
                snprintf(rq.cond, sizeof rq.cond, "%s", h->data);
        }
        break;
    default:
        break;
    }
    if (opt == CURLOPT_WRITEFUNCTION)
        rq.write = (curl_write_callback)p;
    if (opt == CURLOPT_HEADERFUNCTION)
        rq.header = (curl_write_callback)p;
    return __real_curl_easy_setopt(c, opt, p);
}

CURLcode __wrap_curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
    va_list ap;
    va_start(ap, info);
    void *p = va_arg(ap, void *);
    va_end(ap);
    if (info == CURLINFO_RESPONSE_CODE) {
        *(long *)p = rq.status;
        return CURLE_OK;
    }
    return __real_curl_easy_getinfo(c, info, p);
}

static struct object *find(const char *key)
{
    for (size_t i = 0; i < sizeof objects / sizeof *objects; i++) {
        if (objects[i].body && !strcmp(objects[i].key, key))
            return &objects[i];
    }
    return NULL;
}

static void answer(long status, const char *body, size_t len, const char *etag)
{
    char h[64];
    rq.status = status;
    if (etag) {
        snprintf(h, sizeof h, "ETag: %s\r\n", etag);
        rq.header(h, 1, strlen(h), rq.hdata);
    }
    if (body && len)
        assert_int_equal(rq.write((char *)body, 1, len, rq.wdata), len);
}

static void store(const char *key)
{
    struct object *o = find(key);
    for (size_t i = 0; !o && i < sizeof objects / sizeof *objects; i++) {
        if (!objects[i].body)
            o = &objects[i];
    }
    assert_non_null(o);
    free(o->body);
    snprintf(o->key, sizeof o->key, "%s", key);
    o->len = (size_t)rq.len;
    o->body = malloc(o->len + 1);
    assert_non_null(o->body);
    memcpy(o->body, rq.body, o->len);
    snprintf(o->etag, sizeof o->etag, "\"v%d\"", ++version);
}

CURLcode __wrap_curl_easy_perform(CURL *c)
{
    const char *key = strstr(rq.url, "/bucket/");
    struct object *o;
    (void)c;
    nrequests++;
    assert_non_null(key);
    key += strlen("/bucket/");
    o = find(key);
    if (nfail > 0) {
        long st = fail_status[--nfail];
        if (st == 0)
            return CURLE_COULDNT_CONNECT;
        if (land_failed_put && !strcmp(rq.method, "PUT"))
            store(key);
        static const char denied[] = "<Error><Code>AccessDenied</Code><Message>Access "
                                     "Denied</Message></Error>";
        answer(st, st == 403 ? denied : "<Error><Code>SlowDown</Code></Error>",
               st == 403 ? strlen(denied) : 36, NULL);
        return CURLE_OK;
    }
    if (!strcmp(rq.method, "GET")) {
        if (!o)
            answer(404, "<Error><Code>NoSuchKey</Code></Error>", 37, NULL);
        else
            answer(200, o->body, o->len, o->etag);
    } else if (!strcmp(rq.method, "PUT")) {
        if ((!strcmp(rq.cond, "If-None-Match: *") && o) ||
            (!strncmp(rq.cond, "If-Match: ", 10) && (!o || strcmp(rq.cond + 10, o->etag)))) {
            answer(412, NULL, 0, NULL);
        } else {
            store(key);
            answer(200, NULL, 0, find(key)->etag);
        }
    } else if (!strcmp(rq.method, "DELETE")) {
        if (!strncmp(rq.cond, "If-Match: ", 10) && o && strcmp(rq.cond + 10, o->etag)) {
            answer(412, NULL, 0, NULL);
        } else {
            if (o) {
                free(o->body);
                o->body = NULL;
            }
            answer(204, NULL, 0, NULL);
        }
    }
    return CURLE_OK;
}

/* ---- tests -------------------------------------------------------------- */

static struct ss_state_store st;

static int setup(void **state)
{
    char err[256];
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIDUNIT", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    nfail = nrequests = 0;
    land_failed_put = 0;
    if (ss_store_open(&st, "s3://bucket/scim/state.json", 1, err, sizeof err) < 0)
        fail_msg("%s", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ss_store_close(&st);
    for (size_t i = 0; i < sizeof objects / sizeof *objects; i++) {
        free(objects[i].body);
        objects[i].body = NULL;
    }
    return 0;
}

static void test_load_save(void **state)
{
    char err[512], *buf;
    size_t len;
    (void)state;
    assert_string_equal(st.where, "s3://bucket/scim/state.json");
    assert_int_equal(ss_store_load(&st, &buf, &len, err, sizeof err), 0); /* none yet */
    assert_int_equal(ss_store_save(&st, "{\"v\":1}", 7, err, sizeof err), 0);
    assert_string_equal(rq.cond, "If-None-Match: *");
    assert_int_equal(ss_store_load(&st, &buf, &len, err, sizeof err), 1);
    assert_int_equal(len, 7);
    assert_memory_equal(buf, "{\"v\":1}", 7);
    free(buf);
    assert_int_equal(ss_store_save(&st, "{\"v\":2}", 7, err, sizeof err), 0);
    assert_non_null(strstr(rq.cond, "If-Match: \"v")); /* the ETag of what was read */
    /* another writer changed it meanwhile */
    snprintf(find("scim/state.json")->etag, 32, "\"other\"");
    assert_int_equal(ss_store_save(&st, "{\"v\":3}", 7, err, sizeof err), SS_STORE_CONFLICT);
    assert_non_null(strstr(err, "another writer changed it since this run read it"));
}

static void test_failures(void **state)
{
    char err[512], *buf;
    size_t len;
    (void)state;
    /* refused: the code and the hint */
    fail_status[0] = 403;
    nfail = 1;
    assert_true(ss_store_load(&st, &buf, &len, err, sizeof err) < 0);
    assert_non_null(strstr(err, "GET s3://bucket/scim/state.json: HTTP 403 AccessDenied: Access "
                                "Denied (check the task role"));
    /* throttled, then answered */
    fail_status[0] = 503;
    nfail = 1;
    assert_int_equal(ss_store_load(&st, &buf, &len, err, sizeof err), 0);
    assert_int_equal(nrequests, 3);
    /* no connection, every attempt */
    fail_status[0] = fail_status[1] = fail_status[2] = fail_status[3] = 0;
    nfail = 4;
    assert_true(ss_store_load(&st, &buf, &len, err, sizeof err) < 0);
    assert_non_null(strstr(err, "GET http://127.0.0.1:9000/bucket/scim/state.json"));
    /* the first PUT landed but its answer was lost: the retry's 412 finds
     * our own bytes, so the save succeeded */
    land_failed_put = 1;
    fail_status[0] = 500;
    nfail = 1;
    assert_int_equal(ss_store_save(&st, "{\"v\":9}", 7, err, sizeof err), 0);
}

static void test_lease(void **state)
{
    struct ss_lease a, b;
    char holder[256], err[512];
    (void)state;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(ss_lease_acquire(&a, &st, "sync", 60, holder, sizeof holder, err, sizeof err),
                     SS_LEASE_HELD);
    assert_non_null(find("scim/state.json.lock"));
    /* a second run finds it taken and names the holder */
    assert_int_equal(ss_lease_acquire(&b, &st, "sync", 60, holder, sizeof holder, err, sizeof err),
                     SS_LEASE_BUSY);
    assert_non_null(strstr(holder, "sync"));
    ss_lease_release(&b); /* what the busy lease holds */
    assert_int_equal(ss_lease_renew(&a, 1, err, sizeof err), 0);
    /* taken over behind our back: the renewal says so */
    snprintf(find("scim/state.json.lock")->etag, 32, "\"thief\"");
    assert_int_equal(ss_lease_renew(&a, 1, err, sizeof err), SS_STORE_CONFLICT);
    ss_lease_release(&a);
    /* the lease is gone (expired and removed): the next run takes it, and
     * its release removes it */
    struct object *o = find("scim/state.json.lock");
    assert_non_null(o);
    free(o->body);
    o->body = NULL;
    assert_int_equal(
        ss_lease_acquire(&b, &st, "daemon", 60, holder, sizeof holder, err, sizeof err),
        SS_LEASE_HELD);
    ss_lease_release(&b);
    assert_null(find("scim/state.json.lock"));
    /* not a lease: taken over like an expired one */
    snprintf(holder, sizeof holder, "x");
    rq.len = 9;
    rq.body = "not-lease";
    store("scim/state.json.lock");
    memset(&b, 0, sizeof b);
    assert_int_equal(ss_lease_acquire(&b, &st, "sync", 60, holder, sizeof holder, err, sizeof err),
                     SS_LEASE_HELD);
    ss_lease_release(&b);
    assert_null(find("scim/state.json.lock"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
