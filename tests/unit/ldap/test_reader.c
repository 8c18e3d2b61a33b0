/* The LDAP reader over a fake directory (fake_dir.h): paging, deferred
 * managers, member classification, nesting helpers, AD range retrieval,
 * users_from_group (in chain and walked), errors in the middle of a
 * listing, incomplete reads, configuration errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reader_fixture.h"

/* What a read produced, one line per entry: "kind id ref [helper]
 * attr=value... members=..." */
struct seen {
    char text[16384];
    size_t len;
};

/* Appends a then b. */
static void put(struct seen *s, const char *a, const char *b)
{
    int n = snprintf(s->text + s->len, sizeof s->text - s->len, "%s%s", a, b);
    if (n > 0 && (size_t)n < sizeof s->text - s->len)
        s->len += (size_t)n;
}

static void record(const struct scimsync_entry *e, void *ctx)
{
    struct seen *s = ctx;
    put(s, e->kind == SCIMSYNC_ENTRY_USER ? "user " : "group ", e->id);
    put(s, " ", "");
    put(s, e->ref, e->flags & SCIMSYNC_ENTRY_HELPER ? " helper" : "");
    for (size_t i = 0; i < e->nattrs; i++)
        for (size_t k = 0; k < e->attrs[i].nvalues; k++) {
            put(s, " ", e->attrs[i].name);
            put(s, "=", e->attrs[i].values[k]);
        }
    for (size_t i = 0; i < e->nmembers; i++)
        put(s, " member=", e->members[i]);
    put(s, "\n", "");
}

static struct test_host host;
static struct fake_dir dir;
static struct seen seen;

static int setup(void **state)
{
    (void)state;
    test_host_init(&host, PLUGIN);
    host.log_level = SCIMSYNC_LOG_DEBUG;
    memset(&dir, 0, sizeof dir);
    memset(&seen, 0, sizeof seen);
    test_host_set(&host, "uri", "ldap://dir.test");
    test_host_set(&host, "page_size", "2");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_host_free(&host);
    return 0;
}

static int read_all(int *n)
{
    return fixture_read(&host, &dir, record, &seen, n);
}

static void assert_seen(const char *text)
{
    if (!strstr(seen.text, text)) {
        fprintf(stderr, "not read: \"%s\" in\n%s", text, seen.text);
        fail();
    }
}

static void assert_logged(const char *text)
{
    if (!test_host_logged(&host, text)) {
        fprintf(stderr, "not logged: \"%s\" in\n%s", text, host.log);
        fail();
    }
}

/* The searches of a test: its own first (the first match wins), then a
 * canned directory's; s has room for 16. */
static void use_searches(struct fake_search *s, size_t own, const struct fake_search *base)
{
    size_t k = own;
    for (size_t i = 0; base[i].base && k + 1 < 16; i++)
        s[k++] = base[i];
    s[k].base = NULL;
    dir.searches = s;
}

static void test_openldap_read(void **state)
{
    (void)state;
    int n;
    dir.searches = ol_searches;
    assert_int_equal(read_all(&n), 0);
    assert_int_equal(n, 7); /* 3 users, 3 groups, 1 helper */
    /* bob first: ann waits for her manager, then comes with managerId */
    const char *bob = strstr(seen.text, "user u-2");
    const char *ann = strstr(seen.text, "user u-1");
    assert_non_null(bob);
    assert_non_null(ann);
    assert_true(bob < ann);
    assert_seen("managerId=u-2");
    assert_seen("user u-2 uid=bob,ou=people,dc=ex,dc=test");
    assert_seen("displayName=Bobby"); /* an alias never replaces the real attribute */
    assert_seen("displayName=Ann Archer");
    assert_seen("company=Corp");
    assert_seen("employeeID=E1");
    assert_seen("pwdAccountLockedTime=20240101000000Z active=false");
    assert_seen("loginName=bob");
    /* canonical ref, DN as the server spelled it in `dn`, binary as base64 */
    assert_seen("user u-3 uid=carl,ou=people,dc=ex,dc=test");
    assert_seen("jpegPhoto=/9j/");
    assert_seen("dn=UID=Carl, OU=People, DC=ex, DC=test");
    /* members: users and nested groups kept, the rest dropped */
    assert_seen("group g-1 cn=staff,ou=groups,dc=ex,dc=test entryUUID=g-1 cn=staff "
                "member=uid=ann,ou=people,dc=ex,dc=test member=cn=inner,ou=groups,dc=ex,dc=test\n");
    assert_seen("member=uid=bob,ou=people,dc=ex,dc=test\n");  /* uniqueMember, uid cut */
    assert_seen("member=uid=carl,ou=people,dc=ex,dc=test\n"); /* memberUid */
    assert_seen("group g-4 cn=inner,ou=groups,dc=ex,dc=test helper");
    assert_logged("member value is not a DN: not a dn");
    assert_logged("3 member values name entries outside the synced users and groups");
    assert_logged("3 users in 2 pages");
    /* what was asked: the dialect's filters, paged listings, the helper by DN */
    assert_true(fake_requested("dc=ex,dc=test|(|(objectClass=inetOrgPerson)"
                               "(objectClass=posixAccount))|entryUUID uid cn"));
    assert_true(fake_requested("|paged\n"));
    assert_true(fake_requested("cn=inner,ou=groups,dc=ex,dc=test|(|(objectClass=groupOfNames)"));
    assert_int_equal(dir.nconnect, 1);
    assert_int_equal(dir.ndisconnect, 1);
}

static void test_ad_read(void **state)
{
    (void)state;
    int n;
    dir.searches = ad_searches;
    test_host_set(&host, "member_range_step", "2");
    assert_int_equal(read_all(&n), 0);
    assert_int_equal(n, 5); /* 3 users, 1 group, 1 helper */
    assert_seen("user 04030201-0605-0807-090a-0b0c0d0e0f10 cn=dana,cn=users,dc=ad,dc=test");
    assert_seen("objectSid=S-1-5-21-1-2-3-1001");
    assert_seen("userAccountControl=514 manager=CN=Dana,CN=Users,DC=ad,DC=test active=false");
    assert_seen("managerId=04030201-0605-0807-090a-0b0c0d0e0f10");
    assert_seen("loginName=fay@ad.test");
    assert_seen("accountExpires=9223372036854775807 active=true");
    /* the ranges in turn: 0-1 with the entry, then 2-3, then 4-* */
    assert_seen("member=cn=dana,cn=users,dc=ad,dc=test member=cn=eve,cn=users,dc=ad,dc=test "
                "member=cn=fay,cn=users,dc=ad,dc=test member=cn=small,cn=users,dc=ad,dc=test\n");
    assert_true(fake_requested("|objectGUID objectSid userPrincipalName"));
    assert_true(fake_requested("member;range=0-1 |paged"));
    assert_true(
        fake_requested("CN=Big,CN=Users,DC=ad,DC=test|(objectClass=*)|member;range=2-3 |one"));
    assert_true(fake_requested("|member;range=4-5 |one"));
    assert_seen(
        "group 04030211-0605-0807-090a-0b0c0d0e0f10 cn=small,cn=users,dc=ad,dc=test helper");
}

static void test_ad_range_mismatch(void **state)
{
    (void)state;
    /* the server answers another range than the one asked for */
    static const struct fake_entry wrong = {
        "CN=Big,CN=Users,DC=ad,DC=test", {{"member;range=3-4", {"CN=Fay,CN=Users,DC=ad,DC=test"}}}};
    static const struct fake_entry *const wrong_e[] = {&wrong, NULL};
    struct fake_search s[16];
    use_searches(s, 0, ad_searches);
    s[4].entries = wrong_e;
    int n;
    test_host_set(&host, "member_range_step", "2");
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_DATA);
    assert_logged("asked for members from 2, got member;range=3-4");
}

static void test_mapped_attributes(void **state)
{
    (void)state;
    static const char *const users[] = {"id", "mail", "department", "loginName", NULL};
    static const char *const groups[] = {"cn", NULL};
    int n;
    test_host_map(&host, users, groups);
    test_host_set(&host, "attributes", "homeDirectory");
    dir.searches = ol_searches;
    assert_int_equal(read_all(&n), 0);
    /* the mapping's attributes, the plugin's own needs, the alias sources */
    assert_true(fake_requested("|entryUUID uid pwdAccountLockedTime manager mail department "
                               "departmentNumber homeDirectory |paged"));
    assert_true(fake_requested("|entryUUID member uniqueMember memberUid cn homeDirectory |paged"));
    assert_logged("user attributes requested: entryUUID uid");
}

static void test_too_many_attributes(void **state)
{
    (void)state;
    static char names[100][16];
    static const char *users[101];
    static const char *const groups[] = {"cn", NULL};
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "attr%d", i);
        users[i] = names[i];
    }
    test_host_map(&host, users, groups);
    dir.searches = ol_searches;
    int n;
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_CONFIG);
    assert_logged("too many attributes to read");
}

static void test_scope_walked(void **state)
{
    (void)state;
    /* OpenLDAP: users_from_group by name, walked with its nested groups */
    static const struct fake_entry staff1 = {"cn=staff,ou=groups,dc=ex,dc=test"};
    static const struct fake_entry *const staff[] = {&staff1, NULL};
    static const struct fake_entry walk_staff = {
        "cn=staff,ou=groups,dc=ex,dc=test",
        {{"member",
          {"uid=ann,ou=people,dc=ex,dc=test", "cn=inner,ou=groups,dc=ex,dc=test", "not a dn"}},
         {"uniqueMember", {"cn=staff,ou=groups,dc=ex,dc=test#'1'B"}}}};
    static const struct fake_entry walk_inner = {"cn=inner,ou=groups,dc=ex,dc=test",
                                                 {{"memberUid", {"carl"}}}};
    static const struct fake_entry *const walk_staff_e[] = {&walk_staff, NULL};
    static const struct fake_entry *const walk_inner_e[] = {&walk_inner, NULL};
    struct fake_search s[16] = {
        {.base = "dc=ex,dc=test", .filter = "(cn=staff)", .entries = staff},
        {.base = "cn=staff,ou=groups,dc=ex,dc=test", .attr = "member", .entries = walk_staff_e},
        {.base = "cn=inner,ou=groups,dc=ex,dc=test", .attr = "member", .entries = walk_inner_e},
    };
    use_searches(s, 3, ol_searches);
    test_host_set(&host, "users_from_group", "staff");
    int n;
    assert_int_equal(read_all(&n), 0);
    assert_seen("user u-1 ");
    assert_seen("user u-3 ");
    assert_null(strstr(seen.text, "user u-2 ")); /* bob is not in staff */
    assert_logged("users_from_group: 2 groups, 1 member DNs");
    assert_logged("staff,ou=groups,dc=ex,dc=test: member is not a DN: not a dn");
}

static void test_scope_name_not_unique(void **state)
{
    (void)state;
    static const struct fake_entry a = {"cn=staff,ou=a,dc=ex,dc=test"};
    static const struct fake_entry b = {"cn=staff,ou=b,dc=ex,dc=test"};
    static const struct fake_entry *const two[] = {&a, &b, NULL};
    struct fake_search s[16] = {{.base = "dc=ex,dc=test", .filter = "(cn=staff)", .entries = two}};
    use_searches(s, 1, ol_searches);
    test_host_set(&host, "users_from_group", "staff");
    int n;
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_CONFIG);
    assert_logged("users_from_group staff: 2 groups match under dc=ex,dc=test");
}

static void test_scope_in_chain(void **state)
{
    (void)state;
    /* AD: users_from_group as a DN, checked, then the DC resolves nesting */
    static const struct fake_entry staff = {"CN=Staff,DC=ad,DC=test"};
    static const struct fake_entry *const g[] = {&staff, NULL};
    struct fake_search s[16] = {{.base = "CN=Staff,DC=ad,DC=test", .entries = g}};
    use_searches(s, 1, ad_searches);
    test_host_set(&host, "users_from_group", "CN=Staff,DC=ad,DC=test");
    int n;
    assert_int_equal(read_all(&n), 0);
    assert_true(fake_requested("(&(&(objectCategory=person)(objectClass=user))"
                               "(memberOf:1.2.840.113556.1.4.1941:=CN=Staff,DC=ad,DC=test))"));
    /* not nested: plain memberOf; a name: cn or sAMAccountName */
    test_host_set(&host, "nested_groups", "false");
    assert_int_equal(read_all(&n), 0);
    assert_true(fake_requested("(memberOf=CN=Staff,DC=ad,DC=test))"));
    test_host_set(&host, "users_from_group", "Staff");
    test_host_clear_log(&host);
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_CONFIG);
    assert_true(fake_requested("(|(cn=Staff)(sAMAccountName=Staff))"));
    assert_logged("users_from_group Staff: 2 groups match"); /* the fake ignores the name */
}

static void test_scope_group_missing(void **state)
{
    (void)state;
    dir.searches = ol_searches;
    test_host_set(&host, "users_from_group", "cn=typo,dc=ex,dc=test");
    int n;
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_CONFIG);
    assert_logged("fake://dir: search (objectClass=*) at cn=typo,dc=ex,dc=test: No such object");
}

/* A copy of ol_searches with search i changed by the caller. */
static struct fake_search copy[16];

static struct fake_search *ol_copy(void)
{
    use_searches(copy, 0, ol_searches);
    return copy;
}

static void test_error_mid_listing(void **state)
{
    (void)state;
    /* a referral after the first page: an error, then every call fails */
    struct fake_search *s = ol_copy();
    s[1].rc = LDAP_REFERRAL;
    s[1].rc_after = 2;
    fake = &dir;
    void *inst;
    const struct scimsync_entry *e;
    assert_int_equal(PLUGIN->create(&host.h, &inst), 0);
    ((struct lsrc_source *)inst)->dir = &fake_dir_ops;
    assert_int_equal(PLUGIN->source->open(inst), 0);
    assert_int_equal(PLUGIN->source->next(inst, &e), 1); /* bob (ann deferred) */
    assert_string_equal(e->id, "u-2");
    assert_int_equal(PLUGIN->source->next(inst, &e), SCIMSYNC_ERR_IO);
    assert_int_equal(PLUGIN->source->next(inst, &e), SCIMSYNC_ERR_IO);
    PLUGIN->source->close(inst);
    PLUGIN->destroy(inst);
    assert_logged("search (|(objectClass=inetOrgPerson)(objectClass=posixAccount)) under "
                  "dc=ex,dc=test: Referral (canned failure)");
}

static void test_incomplete_groups(void **state)
{
    (void)state;
    /* the group listing stops short (size limit): never a normal end */
    struct fake_search *s = ol_copy();
    s[3].rc = LDAP_SIZELIMIT_EXCEEDED;
    s[3].rc_after = 1;
    int n;
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_IO);
    assert_int_equal(n, 4);
    assert_logged("Size limit exceeded");
}

static void test_errors_at_start(void **state)
{
    (void)state;
    int n;
    /* the server goes away when the users search is sent */
    struct fake_search *s = ol_copy();
    s[1].start_rc = LDAP_SERVER_DOWN;
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_IO);
    assert_logged("Can't contact LDAP server");
    /* the group index fails for rights */
    s = ol_copy();
    s[2].rc = LDAP_INSUFFICIENT_ACCESS;
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_AUTH);
    /* the connection fails */
    dir.connect_rc = SCIMSYNC_ERR_IO;
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_IO);
    assert_int_equal(dir.ndisconnect, 0 + 2);
}

static void test_no_base(void **state)
{
    (void)state;
    static const struct fake_entry root = {"", {{"namingContexts", {"dc=a", "dc=b"}}}};
    static const struct fake_entry *const root_e[] = {&root, NULL};
    struct fake_search *s = ol_copy();
    s[0].entries = root_e;
    int n;
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_CONFIG);
    assert_logged("base_dn is not set and the server does not name a single naming context");
    /* given: the RootDSE's contexts do not matter, the dialect may be forced */
    test_host_set(&host, "base_dn", "dc=ex,dc=test");
    test_host_set(&host, "dialect", "openldap");
    assert_int_equal(read_all(&n), 0);
    assert_logged("dialect openldap, base dc=ex,dc=test");
}

/* One bad entry in the users listing: the read fails naming it. */
static void bad_user(const struct fake_entry *bad, int want, const char *msg)
{
    const struct fake_entry *users[] = {bad, NULL};
    struct fake_search *s = ol_copy();
    s[1].entries = users;
    int n;
    test_host_clear_log(&host);
    int rc = read_all(&n);
    if (rc != want)
        fprintf(stderr, "%s", host.log);
    assert_int_equal(rc, want);
    assert_logged(msg);
}

static void test_bad_entries(void **state)
{
    (void)state;
    bad_user(&(const struct fake_entry){"not a dn", {{"entryUUID", {"x"}}}}, SCIMSYNC_ERR_DATA,
             "entry DN does not parse: not a dn");
    bad_user(&(const struct fake_entry){NULL, {{"entryUUID", {"x"}}}}, SCIMSYNC_ERR_NOMEM,
             "entry: out of memory or entry too large");
    bad_user(&(const struct fake_entry){"uid=x,dc=ex,dc=test", {{"uid", {"x"}}}}, SCIMSYNC_ERR_DATA,
             "uid=x,dc=ex,dc=test: no entryUUID (the external_id attribute)");
    bad_user(&(const struct fake_entry){"uid=x,dc=ex,dc=test", {{"entryUUID", {"x"}}}, 1},
             SCIMSYNC_ERR_IO, "uid=x,dc=ex,dc=test: Decoding error (cannot decode the entry)");
    test_host_set(&host, "dialect", "ad");
    test_host_set(&host, "base_dn", "dc=ex,dc=test");
    test_host_set(&host, "user_filter", "(objectClass=inetOrgPerson)");
    test_host_set(&host, "group_filter", "(objectClass=groupOfNames)");
    bad_user(&(const struct fake_entry){"cn=x,dc=ex,dc=test", {{"objectGUID", {"short"}}}},
             SCIMSYNC_ERR_DATA, "objectGUID is 5 bytes, not 16");
    bad_user(&(const struct fake_entry){"cn=x,dc=ex,dc=test", {{"objectSid", {"\x01"}}}},
             SCIMSYNC_ERR_DATA, "cn=x,dc=ex,dc=test: malformed objectSid");
    bad_user(&(const struct fake_entry){"cn=x,dc=ex,dc=test",
                                        {{"objectGUID", {"0123456789abcdef"}},
                                         {"userAccountControl", {"many"}}}},
             SCIMSYNC_ERR_DATA, "userAccountControl is not a number");
    bad_user(&(const struct fake_entry){"cn=x,dc=ex,dc=test",
                                        {{"objectGUID", {"0123456789abcdef"}},
                                         {"accountExpires", {"soon"}}}},
             SCIMSYNC_ERR_DATA, "accountExpires is not a number");
}

static void test_stop(void **state)
{
    (void)state;
    dir.searches = ol_searches;
    host.stop_after = 3;
    int n;
    assert_int_equal(read_all(&n), SCIMSYNC_ERR_STOPPED);
}

static void test_next_without_open(void **state)
{
    (void)state;
    void *inst;
    const struct scimsync_entry *e;
    dir.connect_rc = SCIMSYNC_ERR_AUTH;
    fake = &dir;
    assert_int_equal(PLUGIN->create(&host.h, &inst), 0);
    ((struct lsrc_source *)inst)->dir = &fake_dir_ops;
    assert_int_equal(PLUGIN->source->next(inst, &e), SCIMSYNC_ERR);
    assert_logged("read requested without a successful open");
    assert_int_equal(PLUGIN->source->open(inst), SCIMSYNC_ERR_AUTH);
    assert_int_equal(PLUGIN->source->next(inst, &e), SCIMSYNC_ERR_AUTH);
    PLUGIN->source->close(inst);
    PLUGIN->destroy(inst);
}

/* create() refuses key=value, saying msg. */
static void bad_config(const char *key, const char *value, const char *msg)
{
    void *inst = (void *)&inst;
    test_host_clear_log(&host);
    test_host_set(&host, key, value);
    assert_int_equal(PLUGIN->create(&host.h, &inst), SCIMSYNC_ERR_CONFIG);
    assert_null(inst);
    assert_logged(msg);
    test_host_free(&host);
    test_host_set(&host, "uri", "ldap://dir.test");
}

static void test_config(void **state)
{
    (void)state;
    bad_config("uri", " ", "args: uri: give 1 to 8 server URIs");
    bad_config("uri", "a b c d e f g h i", "args: uri: give 1 to 8 server URIs");
    bad_config("uri", "http://dc1", "uri: http://dc1 is not an ldap:// or ldaps:// URI");
    bad_config("bind_dn", "cn=admin", "bind_dn is set but bind_password is not");
    /* dialect's choices and page_size's range are the descriptor's
     * key_limits: the host refuses them before create() */
    const struct scimsync_key_limit *l = PLUGIN->key_limits;
    while (l->key && strcmp(l->key, "page_size") != 0)
        l++;
    assert_true(l->key && l->min == 1 && l->max == 100000);
    for (l = PLUGIN->key_limits; l->key && strcmp(l->key, "dialect") != 0; l++)
        ;
    assert_true(l->key && l->choices && !strcmp(l->choices[2], "openldap"));
    bad_config("timeout", "x", "timeout: not a number");
    bad_config("verify_tls", "maybe", "verify_tls: not a boolean");
    char many[800] = "";
    for (int i = 0; i < 65; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "a%d ", i);
    bad_config("attributes", many, "attributes: at most 64");
    /* a bare host name is ldaps://HOST; verify_tls off is warned about */
    void *inst;
    test_host_set(&host, "uri", "dc1.ad.test");
    test_host_set(&host, "verify_tls", "false");
    test_host_set(&host, "group_name_pattern", "aws-*");
    assert_int_equal(PLUGIN->create(&host.h, &inst), 0);
    assert_string_equal(((struct lsrc_source *)inst)->conf.uris[0], "ldaps://dc1.ad.test");
    dir.searches = ol_searches;
    fake = &dir;
    ((struct lsrc_source *)inst)->dir = &fake_dir_ops;
    assert_int_equal(PLUGIN->source->open(inst), 0);
    assert_logged("verify_tls is OFF");
    PLUGIN->source->close(inst);
    PLUGIN->destroy(inst);
    assert_non_null(PLUGIN->source->default_mapping);
}

/* sync --user (ABI 1.2): the user by its login, the groups above it found
 * by member searches level by level; sync --group by cn. */
static void test_select_user(void **state)
{
    (void)state;
    static const struct fake_entry staff = {"cn=staff,ou=groups,dc=ex,dc=test"};
    static const struct fake_entry inner = {"cn=inner,ou=groups,dc=ex,dc=test"};
    static const struct fake_entry *const level0[] = {&staff, NULL};
    static const struct fake_entry *const level1[] = {&inner, &staff, NULL};
    struct fake_search s[16] = {
        {.base = "dc=ex,dc=test", .filter = "(member=uid=ann", .attr = "1.1", .entries = level0},
        {.base = "dc=ex,dc=test", .filter = "(member=cn=staff", .attr = "1.1", .entries = level1},
        {.base = "dc=ex,dc=test", .filter = "(member=", .attr = "1.1"},
    };
    use_searches(s, 3, ol_searches);
    fake = &dir;
    void *inst;
    const struct scimsync_entry *e;
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_USER, "ann", "u-1"};
    assert_int_equal(PLUGIN->create(&host.h, &inst), 0);
    ((struct lsrc_source *)inst)->dir = &fake_dir_ops;
    assert_int_equal(PLUGIN->open_selection(inst, &sel), 0);
    int n = 0, rc;
    while ((rc = PLUGIN->source->next(inst, &e)) == 1)
        n++;
    assert_int_equal(rc, 0);
    assert_int_equal(n, 7); /* the fake answers every filter with the whole directory */
    assert_true(fake_requested("(&(|(objectClass=inetOrgPerson)(objectClass=posixAccount))"
                               "(|(uid=ann)(entryUUID=u-1)))"));
    assert_true(fake_requested("(memberUid=ann)"));
    assert_true(fake_requested("(member=cn=inner,ou=groups,dc=ex,dc=test)"));
    assert_logged("--user: 2 groups at or above the user");
    PLUGIN->source->close(inst);
    /* a group: found by cn, its members read from its entry (it has none
     * here: the users' search then matches nothing); a full read
     * afterwards is whole again */
    sel.kind = SCIMSYNC_ENTRY_GROUP;
    sel.name = "staff";
    sel.external_id = NULL;
    s[2] = (struct fake_search){
        .base = "dc=ex,dc=test", .filter = "(cn=staff)", .attr = "1.1", .entries = level0};
    s[3] = (struct fake_search){
        .base = "cn=staff,ou=groups,dc=ex,dc=test", .attr = "member", .entries = level0};
    use_searches(s, 4, ol_searches);
    rc = PLUGIN->open_selection(inst, &sel);
    if (rc != 0)
        fprintf(stderr, "%s", host.log);
    assert_int_equal(rc, 0);
    while ((rc = PLUGIN->source->next(inst, &e)) == 1)
        ;
    assert_int_equal(rc, 0);
    assert_true(fake_requested("(|(cn=staff))"));
    assert_true(fake_requested("(!(objectClass=*))"));
    assert_true(fake_requested("(|(entryDN=cn=staff,ou=groups,dc=ex,dc=test))"));
    assert_logged("--group: 1 groups named, 1 with the nested ones");
    PLUGIN->source->close(inst);
    assert_int_equal(PLUGIN->source->open(inst), 0);
    PLUGIN->source->close(inst);
    PLUGIN->destroy(inst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_openldap_read),
        T(test_ad_read),
        T(test_ad_range_mismatch),
        T(test_mapped_attributes),
        T(test_too_many_attributes),
        T(test_scope_walked),
        T(test_scope_name_not_unique),
        T(test_scope_in_chain),
        T(test_scope_group_missing),
        T(test_error_mid_listing),
        T(test_incomplete_groups),
        T(test_errors_at_start),
        T(test_no_base),
        T(test_bad_entries),
        T(test_stop),
        T(test_next_without_open),
        T(test_config),
        T(test_select_user),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
