/*
 * memory: a test target that keeps users and groups in a JSON state file,
 * so consecutive runs of the real binary see each other's writes.  Every
 * successful write is appended to "writes" in the same file, so a test
 * can count them.  Knobs: fail_user_names (ops on these userNames fail),
 * fail_group_names, fail_read (every listing fails).
 *
 * State file:
 *   {"next_id": N, "users": [{"id", "externalId", "active", <field>...}],
 *    "groups": [{"id", "externalId", "displayName", "members": [ids]}],
 *    "writes": [{"op", "id", "name"}]}
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <scimsync/plugin.h>

#define FIELD_NAME(id, name) [SCIMSYNC_F_##id] = name,
static const char *const field_names[SCIMSYNC_F_COUNT] = {SCIMSYNC_USER_FIELDS(FIELD_NAME)};
#undef FIELD_NAME

struct mem {
    const struct scimsync_host *host;
    const char *state_file;
    const char *fail_users;  /* comma-separated userNames */
    const char *fail_groups; /* comma-separated group names */
    int fail_read;
    json_object *state;
};

static const struct scimsync_config_key mem_keys[] = {
    {"state_file", SCIMSYNC_KEY_PATH, 1, NULL, "JSON file holding the target's state"},
    {"fail_user_names", SCIMSYNC_KEY_STRING, 0, NULL,
     "comma-separated userNames whose operations fail"},
    {"fail_group_names", SCIMSYNC_KEY_STRING, 0, NULL,
     "comma-separated group names whose operations fail"},
    {"fail_read", SCIMSYNC_KEY_BOOL, 0, "false", "every listing fails (a target read error)"},
    {"url", SCIMSYNC_KEY_URL, 0, NULL,
     "not used: a URL for the plan to name (tests of URL checks and plan headers)"},
    {"token", SCIMSYNC_KEY_SECRET, 0, NULL,
     "a secret the plugin only checks for presence (tests that it never leaks)"},
    {NULL, 0, 0, NULL, NULL},
};

static int in_list(const char *list, const char *name)
{
    size_t n;

    if (!list || !name)
        return 0;
    n = strlen(name);
    while (*list) {
        const char *comma = strchr(list, ',');
        size_t len = comma ? (size_t)(comma - list) : strlen(list);
        while (len && *list == ' ') {
            list++;
            len--;
        }
        while (len && list[len - 1] == ' ')
            len--;
        if (len == n && strncmp(list, name, n) == 0)
            return 1;
        if (!comma)
            break;
        list = comma + 1;
    }
    return 0;
}

static json_object *arr(struct mem *m, const char *key)
{
    json_object *a;

    if (!json_object_object_get_ex(m->state, key, &a)) {
        a = json_object_new_array();
        json_object_object_add(m->state, key, a);
    }
    return a;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

static int load(struct mem *m)
{
    FILE *fp;

    json_object_put(m->state);
    m->state = NULL;
    fp = fopen(m->state_file, "r");
    if (!fp && errno == ENOENT) {
        m->state = json_object_new_object();
        return m->state ? 0 : SCIMSYNC_ERR_NOMEM;
    }
    if (fp)
        fclose(fp);
    m->state = json_object_from_file(m->state_file);
    if (!m->state || !json_object_is_type(m->state, json_type_object)) {
        m->host->log(m->host, SCIMSYNC_LOG_ERROR, "%s: not a JSON state file", m->state_file);
        return SCIMSYNC_ERR_IO;
    }
    return 0;
}

static int save(struct mem *m)
{
    char tmp[4096];

    snprintf(tmp, sizeof(tmp), "%s.tmp", m->state_file);
    if (json_object_to_file_ext(tmp, m->state, JSON_C_TO_STRING_PRETTY) < 0 ||
        rename(tmp, m->state_file) < 0) {
        m->host->log(m->host, SCIMSYNC_LOG_ERROR, "cannot write %s", m->state_file);
        return SCIMSYNC_ERR_IO;
    }
    return 0;
}

static int mem_create(const struct scimsync_host *host, void **inst)
{
    struct mem *m = calloc(1, sizeof(*m));

    if (!m)
        return SCIMSYNC_ERR_NOMEM;
    m->host = host;
    m->state_file = host->config_get(host, "state_file");
    m->fail_users = host->config_get(host, "fail_user_names");
    m->fail_groups = host->config_get(host, "fail_group_names");
    if (host->config_get_bool(host, "fail_read", &m->fail_read) < 0) {
        free(m);
        return SCIMSYNC_ERR_CONFIG;
    }
    *inst = m;
    return 0;
}

static void mem_destroy(void *inst)
{
    struct mem *m = inst;

    json_object_put(m->state);
    free(m);
}

static int read_state(struct mem *m)
{
    if (m->fail_read) {
        m->host->log(m->host, SCIMSYNC_LOG_ERROR, "listing failed (fail_read = true)");
        return SCIMSYNC_ERR_IO;
    }
    return load(m);
}

static int mem_list_users(void *inst, scimsync_user_cb cb, void *ctx)
{
    struct mem *m = inst;
    json_object *users;
    int rc = read_state(m);

    if (rc < 0)
        return rc;
    users = arr(m, "users");
    for (size_t i = 0; i < json_object_array_length(users); i++) {
        json_object *o = json_object_array_get_idx(users, i);
        json_object *act;
        struct scimsync_user u = {0};
        u.id = str(o, "id");
        u.external_id = str(o, "externalId");
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
            u.field[f] = str(o, field_names[f]);
        u.active = json_object_object_get_ex(o, "active", &act) ? json_object_get_boolean(act) : 1;
        rc = cb(ctx, &u);
        if (rc)
            return rc;
    }
    return 0;
}

static int mem_list_groups(void *inst, scimsync_group_cb cb, void *ctx)
{
    struct mem *m = inst;
    json_object *groups;
    int rc;

    /* Each listing reads the file afresh: another run (or the test) may
     * have changed it since this instance last looked. */
    if ((rc = read_state(m)) < 0)
        return rc;
    groups = arr(m, "groups");
    for (size_t i = 0; i < json_object_array_length(groups); i++) {
        json_object *o = json_object_array_get_idx(groups, i);
        struct scimsync_group g = {str(o, "id"), str(o, "externalId"), str(o, "displayName")};
        rc = cb(ctx, &g);
        if (rc)
            return rc;
    }
    return 0;
}

static json_object *find(struct mem *m, const char *key, const char *field, const char *value,
                         size_t *idx)
{
    json_object *a = arr(m, key);

    for (size_t i = 0; value && i < json_object_array_length(a); i++) {
        json_object *o = json_object_array_get_idx(a, i);
        const char *v = str(o, field);
        if (v && strcmp(v, value) == 0) {
            if (idx)
                *idx = i;
            return o;
        }
    }
    return NULL;
}

static int mem_list_members(void *inst, const char *const *group_ids, size_t n,
                            scimsync_member_cb cb, void *ctx)
{
    struct mem *m = inst;
    int rc;

    if (m->fail_read)
        return read_state(m);
    if (!m->state && (rc = load(m)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        json_object *g = find(m, "groups", "id", group_ids[i], NULL);
        json_object *members;
        if (!g || !json_object_object_get_ex(g, "members", &members))
            continue;
        for (size_t j = 0; j < json_object_array_length(members); j++) {
            rc = cb(ctx, i, json_object_get_string(json_object_array_get_idx(members, j)));
            if (rc)
                return rc;
        }
    }
    return 0;
}

static void record(struct mem *m, const char *op, const char *id, const char *name)
{
    json_object *w = json_object_new_object();

    json_object_object_add(w, "op", json_object_new_string(op));
    json_object_object_add(w, "id", id ? json_object_new_string(id) : NULL);
    json_object_object_add(w, "name", name ? json_object_new_string(name) : NULL);
    json_object_array_add(arr(m, "writes"), w);
}

static void new_id(struct mem *m, char prefix, char *out)
{
    json_object *v;
    int64_t n = 1;

    if (json_object_object_get_ex(m->state, "next_id", &v))
        n = json_object_get_int64(v);
    snprintf(out, SCIMSYNC_ID_MAX, "%c%lld", prefix, (long long)n);
    json_object_object_add(m->state, "next_id", json_object_new_int64(n + 1));
}

static void set_field(json_object *o, const char *name, const char *value)
{
    if (value)
        json_object_object_add(o, name, json_object_new_string(value));
    else
        json_object_object_del(o, name);
}

static int fail(struct scimsync_op *op, int status, const char *what)
{
    op->status = status;
    snprintf(op->error, sizeof(op->error), "%s", what);
    return 0;
}

static void strip_member(struct mem *m, const char *user_id)
{
    json_object *groups = arr(m, "groups");

    for (size_t i = 0; i < json_object_array_length(groups); i++) {
        json_object *members;
        if (!json_object_object_get_ex(json_object_array_get_idx(groups, i), "members", &members))
            continue;
        for (size_t j = json_object_array_length(members); j-- > 0;) {
            if (strcmp(json_object_get_string(json_object_array_get_idx(members, j)), user_id) == 0)
                json_object_array_del_idx(members, j, 1);
        }
    }
}

static int apply_user(struct mem *m, struct scimsync_op *op)
{
    json_object *u = NULL;
    size_t idx = 0;
    const char *name;

    if (op->kind == SCIMSYNC_OP_CREATE_USER) {
        name = op->user->field[SCIMSYNC_F_USER_NAME];
        if (in_list(m->fail_users, name))
            return fail(op, SCIMSYNC_ERR_INVALID, "refused by fail_user_names");
        u = find(m, "users", "userName", name, NULL);
        if (u) {
            if (str(u, "externalId") || !op->adopt)
                return fail(op, SCIMSYNC_ERR_CONFLICT, "userName already exists");
            op->result_flags |= SCIMSYNC_OP_ADOPTED;
        } else {
            char id[SCIMSYNC_ID_MAX];
            u = json_object_new_object();
            new_id(m, 'u', id);
            json_object_object_add(u, "id", json_object_new_string(id));
            json_object_array_add(arr(m, "users"), u);
        }
        set_field(u, "externalId", op->user->external_id);
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
            set_field(u, field_names[f], op->user->field[f]);
        json_object_object_add(u, "active", json_object_new_boolean(op->user->active));
        snprintf(op->new_id, sizeof(op->new_id), "%s", str(u, "id"));
        record(m, "create_user", op->new_id, name);
        return 0;
    }
    u = find(m, "users", "id", op->target_id, &idx);
    if (!u)
        return fail(op, SCIMSYNC_ERR_NOTFOUND, "no such user");
    name = str(u, "userName");
    if (in_list(m->fail_users, name) ||
        (op->user && in_list(m->fail_users, op->user->field[SCIMSYNC_F_USER_NAME])))
        return fail(op, SCIMSYNC_ERR_INVALID, "refused by fail_user_names");
    switch (op->kind) {
    case SCIMSYNC_OP_UPDATE_USER:
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
            if (op->changed & (1u << f))
                set_field(u, field_names[f], op->user->field[f]);
        }
        if (op->changed & SCIMSYNC_F_ACTIVE_BIT)
            json_object_object_add(u, "active", json_object_new_boolean(op->user->active));
        record(m, "update_user", op->target_id, str(u, "userName"));
        break;
    case SCIMSYNC_OP_DEACTIVATE_USER:
        json_object_object_add(u, "active", json_object_new_boolean(0));
        record(m, "deactivate_user", op->target_id, name);
        break;
    default: /* DELETE_USER */
        record(m, "delete_user", op->target_id, name);
        strip_member(m, op->target_id);
        json_object_array_del_idx(arr(m, "users"), idx, 1);
        break;
    }
    return 0;
}

static int apply_group(struct mem *m, struct scimsync_op *op)
{
    json_object *g;
    json_object *members;
    size_t idx = 0;
    const char *name;

    if (op->kind == SCIMSYNC_OP_CREATE_GROUP) {
        name = op->group->display_name;
        if (in_list(m->fail_groups, name))
            return fail(op, SCIMSYNC_ERR_INVALID, "refused by fail_group_names");
        g = find(m, "groups", "displayName", name, NULL);
        if (g) {
            if (str(g, "externalId") || !op->adopt)
                return fail(op, SCIMSYNC_ERR_CONFLICT, "group already exists");
            op->result_flags |= SCIMSYNC_OP_ADOPTED;
        } else {
            char id[SCIMSYNC_ID_MAX];
            g = json_object_new_object();
            new_id(m, 'g', id);
            json_object_object_add(g, "id", json_object_new_string(id));
            json_object_object_add(g, "members", json_object_new_array());
            json_object_array_add(arr(m, "groups"), g);
        }
        set_field(g, "externalId", op->group->external_id);
        set_field(g, "displayName", name);
        snprintf(op->new_id, sizeof(op->new_id), "%s", str(g, "id"));
        record(m, "create_group", op->new_id, name);
        return 0;
    }
    g = find(m, "groups", "id", op->target_id, &idx);
    if (!g)
        return fail(op, SCIMSYNC_ERR_NOTFOUND, "no such group");
    name = str(g, "displayName");
    if (in_list(m->fail_groups, name))
        return fail(op, SCIMSYNC_ERR_INVALID, "refused by fail_group_names");
    if (!json_object_object_get_ex(g, "members", &members)) {
        members = json_object_new_array();
        json_object_object_add(g, "members", members);
    }
    switch (op->kind) {
    case SCIMSYNC_OP_RENAME_GROUP:
        set_field(g, "displayName", op->group->display_name);
        record(m, "rename_group", op->target_id, op->group->display_name);
        break;
    case SCIMSYNC_OP_DELETE_GROUP:
        record(m, "delete_group", op->target_id, name);
        json_object_array_del_idx(arr(m, "groups"), idx, 1);
        break;
    case SCIMSYNC_OP_ADD_MEMBERS:
        for (size_t i = 0; i < op->nmembers; i++) {
            int present = 0;
            for (size_t j = 0; j < json_object_array_length(members) && !present; j++)
                present = strcmp(json_object_get_string(json_object_array_get_idx(members, j)),
                                 op->member_ids[i]) == 0;
            if (!present)
                json_object_array_add(members, json_object_new_string(op->member_ids[i]));
        }
        record(m, "add_members", op->target_id, name);
        break;
    default: /* REMOVE_MEMBERS */
        for (size_t i = 0; i < op->nmembers; i++) {
            for (size_t j = json_object_array_length(members); j-- > 0;) {
                if (strcmp(json_object_get_string(json_object_array_get_idx(members, j)),
                           op->member_ids[i]) == 0)
                    json_object_array_del_idx(members, j, 1);
            }
        }
        record(m, "remove_members", op->target_id, name);
        break;
    }
    return 0;
}

static int mem_apply(void *inst, struct scimsync_op *ops, size_t nops)
{
    struct mem *m = inst;
    int rc;

    if (!m->state && (rc = load(m)) < 0)
        return rc;
    for (size_t i = 0; i < nops; i++) {
        struct scimsync_op *op = &ops[i];
        op->status = 0;
        switch (op->kind) {
        case SCIMSYNC_OP_CREATE_USER:
        case SCIMSYNC_OP_UPDATE_USER:
        case SCIMSYNC_OP_DEACTIVATE_USER:
        case SCIMSYNC_OP_DELETE_USER:
            apply_user(m, op);
            break;
        default:
            apply_group(m, op);
            break;
        }
    }
    return save(m);
}

SCIMSYNC_PLUGIN_DEFINE = {
#ifdef MEMORY_ABI_1_0
    /* built as a plugin of ABI 1.0: its descriptor ends before check (the
     * preamble of a 1.0 header, written out) */
    .abi_major = SCIMSYNC_ABI_MAJOR,
    .abi_minor = 0,
    .struct_size = offsetof(struct scimsync_plugin, check),
    .kind = SCIMSYNC_PLUGIN_TARGET,
    .name = "memory10",
    .version = "0.1.0",
    .description = "test target keeping its state in a JSON file",
#elif defined(MEMORY_ABI_1_1)
    /* built as a plugin of ABI 1.1: its descriptor ends before open_selection */
    .abi_major = SCIMSYNC_ABI_MAJOR,
    .abi_minor = 1,
    .struct_size = offsetof(struct scimsync_plugin, open_selection),
    .kind = SCIMSYNC_PLUGIN_TARGET,
    .name = "memory11",
    .version = "0.1.0",
    .description = "test target keeping its state in a JSON file",
#elif defined(MEMORY_ABI_1_2_EARLY)
    /* built against the first 1.2 header: the descriptor ends at find_groups */
    .abi_major = SCIMSYNC_ABI_MAJOR,
    .abi_minor = 2,
    .struct_size = offsetof(struct scimsync_plugin, key_limits),
    .kind = SCIMSYNC_PLUGIN_TARGET,
    .name = "memory12a",
    .version = "0.1.0",
    .description = "test target keeping its state in a JSON file",
#else
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_TARGET, "memory", "0.1.0",
                       "test target keeping its state in a JSON file"),
#endif
    .keys = mem_keys,
    .create = mem_create,
    .destroy = mem_destroy,
    .source = NULL,
    .target =
        &(const struct scimsync_target_ops){
            .list_users = mem_list_users,
            .list_groups = mem_list_groups,
            .list_members = mem_list_members,
            .apply = mem_apply,
        },
};
