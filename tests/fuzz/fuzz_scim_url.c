/* SCIM request lines (plugins/target-scim): the base URL check
 * (scim_url.c), filters, query strings and object paths (scim_filter.c)
 * and the Retry-After parser (scim_pace.c).  Data must never change the
 * shape of a request, and no header value may stall a run past its cap. */
#include <math.h>

#include "fuzz_util.h"
#include "scim_filter.h"
#include "scim_pace.h"
#include "scim_url.h"

static int url_safe(const char *s, const char *extra)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("-._~%", c) || strchr(extra, c)))
            return 0;
    }
    return 1;
}

static void check_filter(const char *value)
{
    char *f = scim_filter_eq("userName", value);
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(strncmp(f, "userName eq \"", 13) == 0);
    /* undo the escaping: the value comes back whole, the quote closes it */
    const char *p = f + 13, *v = value;
    for (; *p && !(*p == '"' && p[1] == '\0'); p++, v++) {
        if (*p == '\\')
            p++;
        else
            FUZZ_CHECK(*p != '"');
        FUZZ_CHECK(*p == *v);
    }
    FUZZ_CHECK(*v == '\0' && p[0] == '"' && p[1] == '\0');

    char *path = scim_list_path("/Users", f, value, (long)(strlen(value) % 3), 100);
    FUZZ_CHECK(path && strncmp(path, "/Users?filter=", 14) == 0);
    FUZZ_CHECK(url_safe(path + 7, "=&"));
    FUZZ_CHECK(strstr(path, "&count=100") != NULL && strstr(path, "&cursor=") != NULL);
    free(path);
    path = scim_list_path("/Groups", NULL, *value ? NULL : "", 0, 0);
    FUZZ_CHECK(path && (!strcmp(path, "/Groups") || !strcmp(path, "/Groups?cursor=")));
    free(path);
    free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    struct scim_base_url u, again;
    char why[128];
    double ra;

    if (!s)
        return 0;

    if (scim_base_url_parse(s, &u, why, sizeof(why)) == 0) {
        size_t n = strlen(u.base);
        FUZZ_CHECK(n > 0 && u.base[n - 1] != '/');
        FUZZ_CHECK(!strncmp(u.base, u.https ? "https://" : "http://", u.https ? 8 : 7));
        FUZZ_CHECK(!strchr(u.base, '?') && !strchr(u.base, '#'));
        /* the normalized form is stable */
        FUZZ_CHECK(scim_base_url_parse(u.base, &again, why, sizeof(why)) == 0);
        FUZZ_CHECK(!strcmp(again.base, u.base) && again.https == u.https &&
                   again.loopback == u.loopback && again.aws_scim == u.aws_scim);
        scim_base_url_free(&again);
        scim_base_url_free(&u);
    } else {
        FUZZ_CHECK(why[0] != '\0' && u.base == NULL);
    }
    (void)scim_host_is_identity_center(s);

    check_filter(s);

    char *enc = scim_url_encode(s);
    FUZZ_CHECK(enc && url_safe(enc, ""));
    free(enc);
    char *obj = scim_object_path("/Users", s);
    FUZZ_CHECK(obj && !strncmp(obj, "/Users/", 7) && url_safe(obj + 7, ""));
    free(obj);

    /* Retry-After: -1 (unreadable) or a wait within [0, cap] */
    ra = scim_retry_after(s, (time_t)1767225600, 120.0);
    FUZZ_CHECK(ra == -1 || (ra >= 0 && ra <= 120.0));
    ra = scim_retry_after(s, 0, 0.5);
    FUZZ_CHECK(ra == -1 || (ra >= 0 && ra <= 0.5));
    ra = scim_backoff((int)(size % 40), scim_retry_after(s, 0, 120.0), 0.5, 30.0, 0.5);
    FUZZ_CHECK(!isnan(ra) && ra >= 0 && ra <= 120.0 * 1.1 + 30.0);
    free(s);
    return 0;
}
