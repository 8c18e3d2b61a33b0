/* Every allocation of common/'s allocating modules fails in turn: each must
 * report the failure, keep what it held intact and leave nothing leaked
 * (run under ASan for the leak half).  malloc & co are wrapped at link time
 * (tests/support/alloc_fail.h), see tests/support/alloc_fail.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"

#include <ss/arena.h>
#include <ss/dynbuf.h>
#include <ss/hmap.h>
#include <ss/vec.h>

static char keys[2000][12];

static int hmap_scenario(void)
{
    struct ss_hmap m;
    struct ss_hmap_slot *s;
    int rc = 0;
    uint32_t i;
    ss_hmap_init(&m, SS_HMAP_ICASE, SIZE_MAX, NULL);
    for (i = 0; i < 2000; i++) {
        int r = ss_hmap_insert(&m, keys[i], &s);
        if (r < 0) {
            assert_int_equal(r, -1);
            rc = -1;
            break;
        }
        assert_int_equal(r, 0);
        s->val = i;
    }
    /* what was inserted before the failure is all still there */
    assert_int_equal(m.n, i);
    for (uint32_t j = 0; j < i; j++) {
        s = ss_hmap_find(&m, keys[j]);
        assert_non_null(s);
        assert_int_equal(s->val, j);
    }
    ss_hmap_free(&m);
    return rc;
}

static int vec_scenario(void)
{
    long *a = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (long i = 0; i < 5000; i++) {
        if (SS_VEC_PUSH_ROOM(a, n, cap) < 0) {
            rc = -1;
            break;
        }
        a[n++] = i;
    }
    for (size_t i = 0; i < n; i++)
        assert_int_equal(a[i], (long)i);
    free(a);
    return rc;
}

static int arena_scenario(void)
{
    struct ss_arena a;
    int rc = 0;
    ss_arena_init_chunk(&a, 0, 256);
    for (int i = 0; i < 200; i++) {
        char *s = ss_arena_strdup(&a, keys[i]);
        char *big = ss_arena_alloc(&a, i % 10 == 0 ? 1000 : 8);
        if (!s || !big) {
            rc = -1;
            break;
        }
        assert_string_equal(s, keys[i]);
    }
    ss_arena_reset(&a);
    ss_arena_free(&a);
    return rc;
}

static int dynbuf_secret; /* which growth path: realloc or copy-and-wipe */

static int dynbuf_scenario(void)
{
    struct ss_dynbuf b;
    int rc = 0;
    size_t len = 0;
    if (dynbuf_secret)
        ss_dynbuf_init_secret(&b, 1 << 20);
    else
        ss_dynbuf_init(&b, 1 << 20);
    for (int i = 0; i < 500; i++) {
        int r = i % 2 ? ss_dynbuf_addstr(&b, keys[i]) : ss_dynbuf_addf(&b, "<%d>", i);
        if (r < 0) {
            assert_int_equal(r, -1);
            assert_int_equal(ss_dynbuf_len(&b), len); /* unchanged */
            rc = -1;
            break;
        }
        len = ss_dynbuf_len(&b);
    }
    if (rc == 0) {
        char *s = ss_dynbuf_take(&b);
        assert_non_null(s);
        free(s);
    }
    ss_dynbuf_free(&b);
    if (rc == 0) {
        /* an empty buffer's take allocates its "" */
        char *s = ss_dynbuf_take(&b);
        if (!s)
            return -1;
        free(s);
    }
    return rc;
}

static void test_hmap(void **state)
{
    (void)state;
    alloc_fail_each(hmap_scenario, 5);
}

static void test_vec(void **state)
{
    (void)state;
    alloc_fail_each(vec_scenario, 5);
}

static void test_arena(void **state)
{
    (void)state;
    alloc_fail_each(arena_scenario, 20);
}

static void test_dynbuf(void **state)
{
    (void)state;
    dynbuf_secret = 0;
    alloc_fail_each(dynbuf_scenario, 5);
    dynbuf_secret = 1;
    alloc_fail_each(dynbuf_scenario, 5);
}

int main(void)
{
    for (int i = 0; i < 2000; i++)
        snprintf(keys[i], sizeof keys[i], "Key%d", i);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmap),
        cmocka_unit_test(test_vec),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_dynbuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
