/* SCIM request bodies (plugins/target-scim/scim_json.c) built from any
 * values: each body is valid JSON, and what a create body says is what the
 * resource parser (scim_parse.c) reads back: one attribute table, both
 * ways.  Input: 1 flag byte, 4 bytes of change mask, then NUL-separated
 * strings (externalId, the user fields, then member ids). */
#include "fuzz_util.h"
#include "scim_json.h"
#include "scim_parse.h"
#include "scim_profile.h"

#define MAX_STRS (SCIMSYNC_F_COUNT + 1 + SCIM_MEMBERS_PER_PATCH + 1)

static int same(const char *sent, const char *read)
{
    if (!sent || !*sent)
        return read == NULL;
    return read && strcmp(sent, read) == 0;
}

/* Serializes obj and parses the text back (NULL when it does not parse). */
static json_object *reparse(json_object *obj)
{
    const char *text = scim_json_text(obj);
    FUZZ_CHECK(text != NULL);
    json_object *back = scim_parse_body(text, strlen(text));
    FUZZ_CHECK(back != NULL);
    return back;
}

static size_t nops_of(json_object *patch)
{
    json_object *ops;
    FUZZ_CHECK(json_object_object_get_ex(patch, "Operations", &ops) &&
               json_object_is_type(ops, json_type_array));
    for (size_t i = 0; i < json_object_array_length(ops); i++) {
        json_object *op = json_object_array_get_idx(ops, i), *v;
        FUZZ_CHECK(json_object_object_get_ex(op, "op", &v));
        const char *o = json_object_get_string(v);
        FUZZ_CHECK(!strcmp(o, "replace") || !strcmp(o, "remove") || !strcmp(o, "add"));
        /* a value is never the empty string */
        if (json_object_object_get_ex(op, "value", &v) && json_object_is_type(v, json_type_string))
            FUZZ_CHECK(*json_object_get_string(v));
    }
    return json_object_array_length(ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *strs[MAX_STRS] = {0};
    size_t nstrs = 0;
    struct scimsync_user u, back;
    struct scimsync_group g, gback;
    json_object *o, *b;
    uint32_t changed;
    unsigned flags;
    char *buf;

    if (size < 5)
        return 0;
    flags = data[0];
    changed = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
              (uint32_t)data[4] << 24;
    buf = fuzz_cstr(data + 5, size - 5);
    if (!buf)
        return 0;
    for (char *p = buf; nstrs < MAX_STRS;) {
        strs[nstrs++] = p;
        char *z = memchr(p, '\0', size - 5 - (size_t)(p - buf));
        if (!z || z == buf + (size - 5))
            break;
        p = z + 1;
    }

    memset(&u, 0, sizeof(u));
    u.external_id = strs[0];
    for (size_t f = 0; f < SCIMSYNC_F_COUNT && f + 1 < nstrs; f++)
        u.field[f] = strs[f + 1];
    u.active = flags & 1;

    /* POST /Users, read back as the server would return it */
    o = scim_user_create_body(&u);
    FUZZ_CHECK(o != NULL);
    b = reparse(o);
    json_object_object_add(b, "id", json_object_new_string("id-1"));
    FUZZ_CHECK(scim_parse_user(b, &back) == 0);
    FUZZ_CHECK(same(u.external_id, back.external_id));
    FUZZ_CHECK(back.active == u.active);
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
        FUZZ_CHECK(same(u.field[f], back.field[f]));
    json_object_put(b);
    json_object_put(o);

    /* PATCH /Users: one operation per changed field, as counted */
    size_t nops = 0;
    o = scim_user_patch_body(&u, changed, flags & 2, &nops);
    FUZZ_CHECK(o != NULL);
    b = reparse(o);
    FUZZ_CHECK(nops_of(b) == nops);
    json_object_put(b);
    json_object_put(o);

    /* POST and PATCH /Groups */
    memset(&g, 0, sizeof(g));
    g.external_id = strs[0];
    g.display_name = nstrs > 1 ? strs[1] : NULL;
    o = scim_group_create_body(&g);
    FUZZ_CHECK(o != NULL);
    b = reparse(o);
    json_object_object_add(b, "id", json_object_new_string("g-1"));
    FUZZ_CHECK(scim_parse_group(b, &gback) == 0);
    FUZZ_CHECK(same(g.external_id, gback.external_id) && same(g.display_name, gback.display_name));
    json_object_put(b);
    json_object_put(o);
    o = scim_group_patch_body(g.display_name, g.external_id);
    FUZZ_CHECK(o != NULL);
    b = reparse(o);
    FUZZ_CHECK(nops_of(b) == (size_t)(!!(g.display_name && *g.display_name) +
                                      !!(g.external_id && *g.external_id)));
    json_object_put(b);
    json_object_put(o);

    /* PATCH members: the ids after the user fields */
    size_t first = SCIMSYNC_F_COUNT + 1;
    size_t nids = nstrs > first ? nstrs - first : 0;
    o = scim_members_patch_body(flags & 4 ? "remove" : "add", strs + first, nids);
    if (nids == 0 || nids > SCIM_MEMBERS_PER_PATCH) {
        FUZZ_CHECK(o == NULL); /* the caller splits into chunks */
    } else {
        json_object *ops, *vals;
        FUZZ_CHECK(o != NULL);
        b = reparse(o);
        FUZZ_CHECK(nops_of(b) == 1);
        json_object_object_get_ex(b, "Operations", &ops);
        FUZZ_CHECK(json_object_object_get_ex(json_object_array_get_idx(ops, 0), "value", &vals));
        FUZZ_CHECK(json_object_array_length(vals) == nids);
        for (size_t i = 0; i < nids; i++) {
            json_object *v;
            FUZZ_CHECK(json_object_object_get_ex(json_object_array_get_idx(vals, i), "value", &v));
            FUZZ_CHECK(!strcmp(json_object_get_string(v), strs[first + i]));
        }
        json_object_put(b);
        json_object_put(o);
    }
    FUZZ_CHECK(scim_member_chunks(nids) * SCIM_MEMBERS_PER_PATCH >= nids);
    free(buf);
    return 0;
}
