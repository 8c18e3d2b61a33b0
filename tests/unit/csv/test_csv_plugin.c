/* The built csv.so through its descriptor, with a fake host table. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <scimsync/plugin.h>

#define MAXKEYS 16

struct fake {
    struct scimsync_host h;
    const char *keys[MAXKEYS];
    const char *vals[MAXKEYS];
    size_t nkeys;
    int stop;
    char log[8192];
    size_t loglen;
    char dir[64];
    char users[128], groups[128];
};

static const struct scimsync_plugin *plugin;
static void *dl;

static struct fake *F(const struct scimsync_host *h)
{
    return (struct fake *)h->ctx;
}

static void fake_log(const struct scimsync_host *h, int level, const char *fmt, ...)
    SCIMSYNC_PRINTF(3, 4);
static void fake_log(const struct scimsync_host *h, int level, const char *fmt, ...)
{
    struct fake *f = F(h);
    va_list ap;
    int n;
    (void)level;
    va_start(ap, fmt);
    n = vsnprintf(f->log + f->loglen, sizeof(f->log) - f->loglen, fmt, ap);
    va_end(ap);
    if (n > 0 && f->loglen + (size_t)n + 1 < sizeof(f->log)) {
        f->loglen += (size_t)n;
        f->log[f->loglen++] = '\n';
        f->log[f->loglen] = '\0';
    }
}

/* Like the host: set value, else the key's default from the table. */
static const char *fake_get(const struct scimsync_host *h, const char *key)
{
    struct fake *f = F(h);
    for (size_t i = 0; i < f->nkeys; i++)
        if (!strcmp(f->keys[i], key))
            return f->vals[i];
    for (const struct scimsync_config_key *k = plugin->keys; k->name; k++)
        if (!strcmp(k->name, key))
            return k->default_value;
    fail_msg("plugin asked for undeclared key %s", key);
    return NULL;
}

static int fake_get_int(const struct scimsync_host *h, const char *key, long *out)
{
    const char *v = fake_get(h, key);
    char *end;
    long x;
    if (!v)
        return 0;
    x = strtol(v, &end, 10);
    if (*end)
        return SCIMSYNC_ERR_CONFIG;
    *out = x;
    return 0;
}

static int fake_get_bool(const struct scimsync_host *h, const char *key, int *out)
{
    (void)h, (void)key, (void)out;
    return 0;
}

static int fake_get_double(const struct scimsync_host *h, const char *key, double *out)
{
    (void)h, (void)key, (void)out;
    return 0;
}

static const char *fake_where(const struct scimsync_host *h, const char *key)
{
    (void)h, (void)key;
    return "test.ini:7";
}

static int fake_stop(const struct scimsync_host *h)
{
    return F(h)->stop;
}

static void set(struct fake *f, const char *key, const char *val)
{
    for (size_t i = 0; i < f->nkeys; i++)
        if (!strcmp(f->keys[i], key)) {
            f->vals[i] = val;
            return;
        }
    assert_true(f->nkeys < MAXKEYS);
    f->keys[f->nkeys] = key;
    f->vals[f->nkeys++] = val;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int setup(void **state)
{
    struct fake *f = calloc(1, sizeof(*f));
    f->h = (struct scimsync_host){
        .struct_size = sizeof(struct scimsync_host),
        .ctx = f,
        .instance_name = "hr",
        .log = fake_log,
        .config_get = fake_get,
        .config_get_int = fake_get_int,
        .config_get_bool = fake_get_bool,
        .config_get_double = fake_get_double,
        .config_where = fake_where,
        .alloc = malloc,
        .realloc = realloc,
        .free = free,
        .should_stop = fake_stop,
    };
    strcpy(f->dir, "/tmp/csvtest.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->users, sizeof(f->users), "%s/users.csv", f->dir);
    snprintf(f->groups, sizeof(f->groups), "%s/groups.csv", f->dir);
    set(f, "users_file", f->users);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fake *f = *state;
    unlink(f->users);
    unlink(f->groups);
    rmdir(f->dir);
    free(f);
    return 0;
}

static const char *attr(const struct scimsync_entry *e, const char *name)
{
    for (size_t i = 0; i < e->nattrs; i++)
        if (!strcmp(e->attrs[i].name, name)) {
            assert_int_equal(e->attrs[i].nvalues, 1);
            return e->attrs[i].values[0];
        }
    return NULL;
}

static void *create(struct fake *f)
{
    void *inst = NULL;
    int rc = plugin->create(&f->h, &inst);
    if (rc)
        fail_msg("create: %d: %s", rc, f->log);
    return inst;
}

static const struct scimsync_entry *next_ok(struct fake *f, void *inst)
{
    const struct scimsync_entry *e = NULL;
    int rc = plugin->source->next(inst, &e);
    if (rc != 1)
        fail_msg("next: %d: %s", rc, f->log);
    return e;
}

static void expect_members(const struct scimsync_entry *e, size_t n, ...)
{
    va_list ap;
    assert_int_equal(e->nmembers, n);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(e->members[i], va_arg(ap, const char *));
    va_end(ap);
}

/* Runs open + next until an error; checks the code and the message. */
static void expect_read_error(struct fake *f, int code, const char *msg_suffix)
{
    void *inst = create(f);
    const struct scimsync_entry *e;
    char want[512];
    int rc = plugin->source->open(inst);
    if (rc == 0)
        while ((rc = plugin->source->next(inst, &e)) == 1)
            ;
    assert_int_equal(rc, code);
    snprintf(want, sizeof(want), "%s%s", f->dir, msg_suffix);
    if (!strstr(f->log, want))
        fail_msg("log\n%s\nlacks\n%s", f->log, want);
    plugin->source->close(inst);
    plugin->destroy(inst);
    f->loglen = 0;
    f->log[0] = '\0';
}

static void test_descriptor(void **state)
{
    (void)state;
    int has_user = 0, has_group = 0, has_active = 0;
    assert_int_equal(plugin->abi_major, SCIMSYNC_ABI_MAJOR);
    assert_int_equal(plugin->abi_minor, SCIMSYNC_ABI_MINOR);
    assert_int_equal(plugin->struct_size, sizeof(struct scimsync_plugin));
    assert_int_equal(plugin->kind, SCIMSYNC_PLUGIN_SOURCE);
    assert_string_equal(plugin->name, "csv");
    assert_non_null(plugin->source);
    assert_null(plugin->target);
    for (const struct scimsync_config_key *k = plugin->keys; k->name; k++) {
        assert_non_null(k->help);
        assert_true(strlen(k->help) > 10);
        assert_null(strchr(k->help, '\n'));
        assert_int_equal(k->required, !strcmp(k->name, "users_file"));
    }
    for (const char *const *m = plugin->source->default_mapping; *m; m++) {
        has_user |= !strcmp(*m, "userName=${userName}");
        has_group |= !strcmp(*m, "group.displayName=${displayName}");
        has_active |= !strcmp(*m, "active=${active}");
    }
    assert_true(has_user && has_group && has_active);
}

static void test_users_then_groups(void **state)
{
    struct fake *f = *state;
    const struct scimsync_entry *e;
    void *inst;

    write_file(f->users,
               "\xEF\xBB\xBFid,userName,displayName,active,manager\r\n"
               "u1,jose@example.com,Jos\xC3\xA9 N\xC3\xBA\xC3\xB1"
               "ez,,\r\n"
               "u2,zoe@example.com,\"Zo\xC3\xAB \"\"Z\"\" \xC3\x85ngstr\xC3\xB6m\",false,u1\r\n"
               "u3,x@example.com,\"two\nlines\",true,u1\r\n"
               "u4,y@example.com,Y,,u3\r\n\r\n");
    write_file(f->groups, "id,displayName,members\n"
                          "g-backend,Backend, u3 ; u4 ;\n"
                          "aws-developers,aws-developers,g-backend;u1\n"
                          "aws-empty,aws-empty,\n");
    set(f, "groups_file", f->groups);
    inst = create(f);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(plugin->source->open(inst), 0);

        e = next_ok(f, inst);
        assert_int_equal(e->kind, SCIMSYNC_ENTRY_USER);
        assert_string_equal(e->id, "u1");
        assert_null(e->ref);
        assert_string_equal(e->where, "users.csv:2");
        assert_string_equal(attr(e, "id"), "u1");
        assert_string_equal(attr(e, "displayName"), "Jos\xC3\xA9 N\xC3\xBA\xC3\xB1"
                                                    "ez");
        assert_null(attr(e, "active")); /* empty cell: absent */
        assert_null(attr(e, "manager"));
        assert_int_equal(e->nattrs, 3);
        assert_int_equal(e->nmembers, 0);

        e = next_ok(f, inst);
        assert_string_equal(e->where, "users.csv:3");
        assert_string_equal(attr(e, "displayName"), "Zo\xC3\xAB \"Z\" \xC3\x85ngstr\xC3\xB6m");
        assert_string_equal(attr(e, "active"), "false");
        assert_string_equal(attr(e, "manager"), "u1");

        e = next_ok(f, inst);
        assert_string_equal(e->where, "users.csv:4");
        assert_string_equal(attr(e, "displayName"), "two\nlines");

        e = next_ok(f, inst);
        assert_string_equal(e->where, "users.csv:6"); /* after the embedded newline */

        e = next_ok(f, inst);
        assert_int_equal(e->kind, SCIMSYNC_ENTRY_GROUP);
        assert_string_equal(e->id, "g-backend");
        assert_string_equal(e->where, "groups.csv:2");
        assert_string_equal(attr(e, "displayName"), "Backend");
        assert_null(attr(e, "members"));
        expect_members(e, 2, "u3", "u4");

        e = next_ok(f, inst);
        assert_string_equal(e->id, "aws-developers");
        expect_members(e, 2, "g-backend", "u1");

        e = next_ok(f, inst);
        assert_string_equal(e->id, "aws-empty");
        expect_members(e, 0);

        assert_int_equal(plugin->source->next(inst, &e), 0);
        assert_int_equal(plugin->source->next(inst, &e), 0);
        plugin->source->close(inst);
    }
    plugin->destroy(inst);
    assert_int_equal(f->loglen, 0);
}

static void test_options(void **state)
{
    struct fake *f = *state;
    const struct scimsync_entry *e;
    void *inst;

    write_file(f->users, "key\tmail\nA-1\ta@x\n");
    write_file(f->groups, "key\tname\tpeople\nG\tG\tA-1 || G2||\nG2\tG2\t\n");
    set(f, "groups_file", f->groups);
    set(f, "delimiter", "tab");
    set(f, "id_column", "key");
    set(f, "members_column", "people");
    set(f, "member_separator", "||");
    inst = create(f);
    assert_int_equal(plugin->source->open(inst), 0);
    e = next_ok(f, inst);
    assert_string_equal(e->id, "A-1");
    assert_string_equal(attr(e, "mail"), "a@x");
    e = next_ok(f, inst);
    assert_string_equal(e->id, "G");
    expect_members(e, 2, "A-1", "G2");
    e = next_ok(f, inst);
    assert_string_equal(e->id, "G2");
    assert_int_equal(plugin->source->next(inst, &e), 0);
    plugin->source->close(inst);
    plugin->destroy(inst);
}

static void test_users_only(void **state)
{
    struct fake *f = *state;
    const struct scimsync_entry *e;
    void *inst;

    write_file(f->users, "id\nu1\n");
    inst = create(f);
    assert_int_equal(plugin->source->open(inst), 0);
    e = next_ok(f, inst);
    assert_string_equal(e->id, "u1");
    assert_int_equal(plugin->source->next(inst, &e), 0);
    plugin->destroy(inst); /* without close: destroy cleans up */
}

static void test_data_errors(void **state)
{
    struct fake *f = *state;

    write_file(f->users, "id,userName\nu1,a\n,b\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA, "/users.csv:3: empty id (column 'id')");

    write_file(f->users, "id,userName\nu1,a\n u2,b\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA,
                      "/users.csv:3: id ' u2' has leading or trailing spaces (column 'id')");

    write_file(f->users, "userName\na\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA,
                      "/users.csv:1: no 'id' column in the header (id_column)");

    write_file(f->users, "id,userName\nu1,\"a\nb\"\nu2,\"c\"d\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA,
                      "/users.csv:4: unexpected character after the closing quote of column "
                      "'userName'");

    write_file(f->users, "id,userName\nu1,a\nu2,b,c\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA, "/users.csv:3: 3 fields, but the header has 2 columns");

    write_file(f->users, "id,userName\nu1,\"never closed\n\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA,
                      "/users.csv:2: unterminated quoted field (column 'userName' opens a quote "
                      "that is never closed)");

    write_file(f->users, "id,displayName\nu1,ok\nu2,bad\xE0\x80\xAF\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA,
                      "/users.csv:3: column 'displayName': invalid UTF-8 at byte 4");

    write_file(f->users, "id,id\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA,
                      "/users.csv:1: header names column 'id' twice (columns 1 and 2)");

    write_file(f->users, "id\nu1\nu2\nu1\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA, "/users.csv:4: id 'u1' is already used at ");

    /* Groups: ids shared with users, a missing members column, bad rows. */
    write_file(f->users, "id\nu1\nu2\n");
    set(f, "groups_file", f->groups);
    write_file(f->groups, "id,members\ng1,u1\nu2,u1\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA, "/groups.csv:3: id 'u2' is already used at ");

    write_file(f->groups, "id,displayName\ng1,x\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA,
                      "/groups.csv:1: no 'members' column in the header (members_column)");

    write_file(f->groups, "id,members\ng1,u1\n\ng2,u2\n");
    expect_read_error(f, SCIMSYNC_ERR_DATA,
                      "/groups.csv:3: blank line (blank lines are allowed only at the end of "
                      "the file)");

    unlink(f->groups);
    expect_read_error(f, SCIMSYNC_ERR_IO, "/groups.csv: cannot open: No such file or directory");
    unlink(f->users);
    expect_read_error(f, SCIMSYNC_ERR_IO, "/users.csv: cannot open: No such file or directory");
}

static void test_record_cap(void **state)
{
    struct fake *f = *state;
    char *big = malloc(4096);
    memset(big, 'x', 4095);
    big[4095] = '\0';
    memcpy(big, "id,n\nu1,", 8);
    write_file(f->users, big);
    free(big);
    set(f, "max_record_bytes", "1024");
    expect_read_error(f, SCIMSYNC_ERR_DATA, "/users.csv:2: record larger than 1024 bytes");
}

static void test_should_stop(void **state)
{
    struct fake *f = *state;
    const struct scimsync_entry *e;
    void *inst;

    write_file(f->users, "id\nu1\nu2\n");
    inst = create(f);
    assert_int_equal(plugin->source->open(inst), 0);
    next_ok(f, inst);
    f->stop = 1;
    assert_int_equal(plugin->source->next(inst, &e), SCIMSYNC_ERR_STOPPED);
    plugin->source->close(inst);
    plugin->destroy(inst);
}

/* The shipped demo data reads cleanly: 25 users, then 6 groups. */
static void test_demo_data(void **state)
{
    struct fake *f = *state;
    const struct scimsync_entry *e;
    size_t users = 0, groups = 0, inactive = 0, nested = 0;
    void *inst;
    int rc;

    set(f, "users_file", DEMO_DIR "/users.csv");
    set(f, "groups_file", DEMO_DIR "/groups.csv");
    inst = create(f);
    assert_int_equal(plugin->source->open(inst), 0);
    while ((rc = plugin->source->next(inst, &e)) == 1) {
        if (e->kind == SCIMSYNC_ENTRY_USER) {
            assert_int_equal(groups, 0); /* users first */
            users++;
            assert_non_null(attr(e, "userName"));
            if (attr(e, "active") && !strcmp(attr(e, "active"), "false"))
                inactive++;
        } else {
            groups++;
            assert_true(e->nmembers > 0);
            for (size_t i = 0; i < e->nmembers; i++)
                nested += !strcmp(e->members[i], "g-backend");
        }
    }
    if (rc != 0)
        fail_msg("demo data: %s", f->log);
    assert_int_equal(users, 25);
    assert_int_equal(groups, 6);
    assert_int_equal(inactive, 1);
    assert_int_equal(nested, 1);
    plugin->source->close(inst);
    plugin->destroy(inst);
}

static void expect_config_error(struct fake *f, const char *key, const char *val, const char *msg)
{
    void *inst = (void *)1;
    set(f, key, val);
    assert_int_equal(plugin->create(&f->h, &inst), SCIMSYNC_ERR_CONFIG);
    assert_null(inst);
    if (!strstr(f->log, msg))
        fail_msg("log\n%s\nlacks\n%s", f->log, msg);
    f->loglen = 0;
    f->log[0] = '\0';
}

static void test_config_errors(void **state)
{
    struct fake *f = *state;
    expect_config_error(f, "delimiter", "ab",
                        "test.ini:7: delimiter: must be one character (not a quote) or 'tab'");
    expect_config_error(f, "delimiter", "\"",
                        "test.ini:7: delimiter: must be one character (not a quote) or 'tab'");
    set(f, "delimiter", ";");
    expect_config_error(f, "member_separator", "",
                        "test.ini:7: member_separator: must not be empty");
    set(f, "member_separator", ";");
    expect_config_error(f, "id_column", "", "test.ini:7: id_column: must not be empty");
    set(f, "id_column", "id");
    /* max_record_bytes: a range the descriptor declares and the host checks */
    assert_true(SCIMSYNC_HAS_MEMBER(plugin, 2, key_limits));
    const struct scimsync_key_limit *l = plugin->key_limits;
    while (l->key && strcmp(l->key, "max_record_bytes") != 0)
        l++;
    assert_non_null(l->key);
    assert_int_equal(l->flags, SCIMSYNC_LIMIT_MIN | SCIMSYNC_LIMIT_MAX);
    assert_true(l->min == 1024 && l->max == 1073741824.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test_setup_teardown(test_users_then_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_should_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_data, setup, teardown),
    };
    int rc;

    dl = dlopen(CSV_PLUGIN_SO, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    plugin = dlsym(dl, SCIMSYNC_PLUGIN_SYMBOL);
    if (!plugin) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    dlclose(dl);
    return rc;
}
