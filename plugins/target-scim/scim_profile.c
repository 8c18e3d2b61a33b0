/* Profile defaults and the reading of the profile probe's answers. */
#include "scim_profile.h"

#include <stdio.h>
#include <string.h>

#include "scim_parse.h"

void scim_profile_rates(enum scim_profile p, const double set[SCIM_BUDGETS],
                        double out[SCIM_BUDGETS])
{
    static const double idc[SCIM_BUDGETS] = {0, SCIM_IDC_READ_RATE, SCIM_IDC_WRITE_RATE,
                                             SCIM_IDC_MEMBER_RATE};
    static const double generic[SCIM_BUDGETS] = {SCIM_GENERIC_RATE_LIMIT, 0, 0, 0};
    for (int k = 0; k < SCIM_BUDGETS; k++)
        out[k] = set[k] >= 0 ? set[k] : p == SCIM_PROFILE_IDENTITY_CENTER ? idc[k] : generic[k];
}

static long int_member(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return -1;
    if (json_object_is_type(v, json_type_int))
        return (long)json_object_get_int64(v);
    return -1;
}

enum scim_probe_verdict scim_probe_users(long status, const char *body, size_t len, char *why,
                                         size_t cap)
{
    json_object *obj, *res = NULL, *next = NULL;
    enum scim_probe_verdict v = SCIM_PROBE_UNSURE;
    long total;
    size_t n = 0;

    if (status == 400) {
        snprintf(why, cap, "GET /Users?count=1&cursor= was refused (HTTP 400): no cursor paging");
        return SCIM_PROBE_INDEX;
    }
    if (status != 200) {
        snprintf(why, cap, "GET /Users?count=1&cursor= answered HTTP %ld", status);
        return SCIM_PROBE_UNSURE;
    }
    obj = scim_parse_body(body, len);
    if (!obj) {
        snprintf(why, cap, "GET /Users?count=1&cursor= did not answer a JSON object");
        return SCIM_PROBE_UNSURE;
    }
    if (json_object_object_get_ex(obj, "Resources", &res) &&
        json_object_is_type(res, json_type_array))
        n = json_object_array_length(res);
    total = int_member(obj, "totalResults");
    if (json_object_object_get_ex(obj, "nextCursor", &next) &&
        json_object_is_type(next, json_type_string) && *json_object_get_string(next)) {
        snprintf(why, cap, "the first page of GET /Users?count=1&cursor= carried a nextCursor");
        v = SCIM_PROBE_CURSOR;
    } else if (n >= 1 && total > (long)n) {
        snprintf(why, cap,
                 "GET /Users?count=1&cursor= answered %zu of totalResults %ld without a "
                 "nextCursor: the cursor was ignored",
                 n, total);
        v = SCIM_PROBE_INDEX;
    } else {
        snprintf(why, cap, "GET /Users?count=1&cursor= listed %zu users: too few to tell", n);
    }
    json_object_put(obj);
    return v;
}

static int bool_member(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
        return -1;
    return json_object_get_boolean(v) ? 1 : 0;
}

enum scim_probe_verdict scim_probe_spc(long status, const char *body, size_t len, char *why,
                                       size_t cap)
{
    json_object *obj, *pg;
    enum scim_probe_verdict v = SCIM_PROBE_UNSURE;
    int cursor, index;

    if (status != 200) {
        snprintf(why, cap, "GET /ServiceProviderConfig answered HTTP %ld", status);
        return SCIM_PROBE_UNSURE;
    }
    obj = scim_parse_body(body, len);
    if (!obj || !json_object_object_get_ex(obj, "pagination", &pg) ||
        !json_object_is_type(pg, json_type_object)) {
        snprintf(why, cap, "GET /ServiceProviderConfig names no pagination methods");
        json_object_put(obj);
        return SCIM_PROBE_UNSURE;
    }
    cursor = bool_member(pg, "cursor");
    index = bool_member(pg, "index");
    if (cursor == 1 && index != 1) {
        snprintf(why, cap, "ServiceProviderConfig: pagination.cursor true, index not");
        v = SCIM_PROBE_CURSOR;
    } else if (index == 1 && cursor != 1) {
        snprintf(why, cap, "ServiceProviderConfig: pagination.index true, cursor not");
        v = SCIM_PROBE_INDEX;
    } else {
        snprintf(why, cap, "ServiceProviderConfig: pagination cursor %s, index %s",
                 cursor == 1 ? "true" : "not true", index == 1 ? "true" : "not true");
    }
    json_object_put(obj);
    return v;
}

enum scim_probe_verdict scim_probe_index(long status, const char *body, size_t len, char *why,
                                         size_t cap)
{
    json_object *obj;
    struct scim_page page;
    char tmp[160];
    enum scim_probe_verdict v = SCIM_PROBE_UNSURE;

    if (status == 400) {
        snprintf(why, cap,
                 "GET /Users?count=1&startIndex=1 was refused (HTTP 400): no index paging, as "
                 "Identity Center");
        return SCIM_PROBE_CURSOR;
    }
    if (status != 200) {
        snprintf(why, cap, "GET /Users?count=1&startIndex=1 answered HTTP %ld", status);
        return SCIM_PROBE_UNSURE;
    }
    obj = scim_parse_body(body, len);
    if (scim_parse_list(obj, &page, tmp, sizeof(tmp)) == 0) {
        snprintf(why, cap, "GET /Users?count=1&startIndex=1 answered a list: index paging");
        v = SCIM_PROBE_INDEX;
    } else {
        snprintf(why, cap, "GET /Users?count=1&startIndex=1: %s", tmp);
    }
    json_object_put(obj);
    return v;
}
