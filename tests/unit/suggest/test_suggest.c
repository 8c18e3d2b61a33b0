/* "Did you mean": the distance and which names are offered. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "suggest.h"

static void distance(void **state)
{
    (void)state;
    assert_int_equal(ss_edit_distance("", ""), 0);
    assert_int_equal(ss_edit_distance("abc", ""), 3);
    assert_int_equal(ss_edit_distance("", "abc"), 3);
    assert_int_equal(ss_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(ss_edit_distance("htps", "https"), 1);
    /* a transposition is one edit, not two */
    assert_int_equal(ss_edit_distance("sycn", "sync"), 1);
    assert_int_equal(ss_edit_distance("ca", "abc"), 3); /* OSA, not full Damerau */
    assert_int_equal(ss_edit_distance("UserName", "userName"), 0);
    char longw[80];
    memset(longw, 'a', sizeof(longw) - 1);
    longw[sizeof(longw) - 1] = '\0';
    assert_true(ss_edit_distance(longw, "a") == SIZE_MAX);
}

static void offers_the_closest(void **state)
{
    static const char *const cmds[] = {"sync",   "plan", "validate", "plugins", "daemon",
                                       "config", "help", "version",  NULL};
    struct ss_suggest s;
    char buf[128];
    (void)state;

    ss_suggest_init(&s, "sycn");
    ss_suggest_add_list(&s, cmds);
    assert_string_equal(ss_suggest_text(&s, NULL, NULL, buf, sizeof buf),
                        " (did you mean 'sync'?)");

    ss_suggest_init(&s, "valdiate");
    ss_suggest_add_list(&s, cmds);
    assert_string_equal(ss_suggest_text(&s, NULL, NULL, buf, sizeof buf),
                        " (did you mean 'validate'?)");

    /* nothing close: no suggestion at all */
    ss_suggest_init(&s, "frobnicate");
    ss_suggest_add_list(&s, cmds);
    assert_int_equal(s.n, 0);
    assert_string_equal(ss_suggest_text(&s, NULL, NULL, buf, sizeof buf), "");

    /* short words need an exact-but-one match */
    ss_suggest_init(&s, "xy");
    ss_suggest_add_list(&s, cmds);
    assert_int_equal(s.n, 0);
}

static void prefixes_and_ties(void **state)
{
    static const char *const opts[] = {"force-deletes", "force-updates", "dry-run", "json", NULL};
    struct ss_suggest s;
    char buf[128];
    (void)state;

    ss_suggest_init(&s, "force");
    ss_suggest_add_list(&s, opts);
    assert_string_equal(ss_suggest_text(&s, "--", NULL, buf, sizeof buf),
                        " (did you mean '--force-deletes' or '--force-updates'?)");

    /* a true near miss beats a prefix */
    static const char *const words[] = {"jsonl-export", "json", NULL};
    ss_suggest_init(&s, "jsn");
    ss_suggest_add_list(&s, words);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.names[0], "json");

    /* the exact word is never offered; duplicates once */
    ss_suggest_init(&s, "title");
    ss_suggest_add(&s, "title");
    ss_suggest_add(&s, "titel");
    ss_suggest_add(&s, "titel");
    assert_int_equal(s.n, 1);

    /* a small buffer is cut, never overrun */
    ss_suggest_init(&s, "force");
    ss_suggest_add_list(&s, opts);
    ss_suggest_text(&s, "--", NULL, buf, 10);
    assert_int_equal(strlen(buf), 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distance),
        cmocka_unit_test(offers_the_closest),
        cmocka_unit_test(prefixes_and_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
