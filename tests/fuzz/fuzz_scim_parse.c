/* What a SCIM server sends (plugins/target-scim/scim_parse.c): any body as
 * a list page, its resources as users and groups with their members, and
 * as an error body whose text reaches the log. */
#include "fuzz_util.h"
#include "scim_parse.h"
#include "template.h" /* ss_utf8_valid, as an oracle */

static int count_member(void *ctx, const char *id)
{
    FUZZ_CHECK(id && *id);
    (*(size_t *)ctx)++;
    return 0;
}

static void check_resource(json_object *res)
{
    struct scimsync_user u;
    struct scimsync_group g;
    size_t members = 0;

    if (scim_parse_user(res, &u) == 0) {
        FUZZ_CHECK(u.id && *u.id);
        FUZZ_CHECK(!u.external_id || *u.external_id);
        FUZZ_CHECK(u.active == 0 || u.active == 1);
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
            FUZZ_CHECK(!u.field[f] || *u.field[f]); /* "" reads as absent */
    }
    if (scim_parse_group(res, &g) == 0)
        FUZZ_CHECK(g.id && *g.id && (!g.display_name || *g.display_name));
    FUZZ_CHECK(scim_each_member(res, count_member, &members) == 0);
}

/* The text an error message is made from: the body's detail (or message)
 * string, else the raw body. */
static const char *error_source(json_object *obj, const char *body, size_t len, size_t *n)
{
    json_object *v;
    if (obj) {
        if ((json_object_object_get_ex(obj, "detail", &v) &&
             json_object_is_type(v, json_type_string) && *json_object_get_string(v)) ||
            (json_object_object_get_ex(obj, "message", &v) &&
             json_object_is_type(v, json_type_string) && *json_object_get_string(v))) {
            *n = strlen(json_object_get_string(v));
            return json_object_get_string(v);
        }
        return NULL;
    }
    *n = strnlen(body, len);
    return body;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    json_object *obj = scim_parse_body(body, size);
    struct scim_page p;
    struct scim_error e;

    if (obj) {
        FUZZ_CHECK(json_object_is_type(obj, json_type_object));
        if (scim_parse_page(obj, &p) == 0) {
            FUZZ_CHECK(p.count == (p.resources ? json_object_array_length(p.resources) : 0));
            FUZZ_CHECK(!p.next_cursor || *p.next_cursor);
            for (size_t i = 0; i < p.count; i++)
                check_resource(json_object_array_get_idx(p.resources, i));
        }
        check_resource(obj);
    }

    scim_parse_error(body, size, (long)(size % 600), &e);
    size_t dlen = strlen(e.detail);
    FUZZ_CHECK(dlen > 0 && dlen < sizeof(e.detail));
    FUZZ_CHECK(strlen(e.scim_type) < sizeof(e.scim_type));
    FUZZ_CHECK(e.status >= 0 && e.status < 1000);
    for (size_t i = 0; i < dlen; i++)
        FUZZ_CHECK((unsigned char)e.detail[i] >= 0x20 && e.detail[i] != 0x7f);
    /* a cut never leaves half a UTF-8 character behind */
    size_t slen = 0;
    const char *src = error_source(obj, body, size, &slen);
    if (src && obj == NULL) {
        while (slen > 0 && (*src == ' ' || *src == '\n' || *src == '\r'))
            src++, slen--;
    }
    if (src && slen > 0 && ss_utf8_valid(src, slen))
        FUZZ_CHECK(ss_utf8_valid(e.detail, dlen));
    json_object_put(obj);
    return 0;
}
