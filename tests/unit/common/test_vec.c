/* ss_vec_reserve: doubling from 16, the element cap, overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <ss/vec.h>

static void test_push(void **state)
{
    (void)state;
    int *a = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(SS_VEC_PUSH_ROOM(a, n, cap), 0);
        a[n++] = i;
    }
    assert_int_equal(cap, 1024);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(a[i], i);
    free(a);
}

static void test_reserve(void **state)
{
    (void)state;
    void *p = NULL;
    size_t cap = 0;
    assert_int_equal(ss_vec_reserve(&p, &cap, 1, 8), 0);
    assert_int_equal(cap, 16);
    assert_int_equal(ss_vec_reserve(&p, &cap, 16, 8), 0); /* enough already */
    assert_int_equal(cap, 16);
    assert_int_equal(ss_vec_reserve(&p, &cap, 100, 8), 0);
    assert_int_equal(cap, 128);
    free(p);
}

static void test_caps(void **state)
{
    (void)state;
    void *p = NULL;
    size_t cap = 0;
    assert_int_equal(ss_vec_reserve(&p, &cap, SS_VEC_MAX_ELEMS + 1, 1), -1);
    assert_int_equal(ss_vec_reserve(&p, &cap, 1u << 20, SIZE_MAX / 4), -1); /* overflow */
    assert_null(p);
    assert_int_equal(cap, 0);
    /* the last doubling is clipped to the cap */
    cap = SS_VEC_MAX_ELEMS / 2 + 1;
    p = NULL;
    assert_int_equal(ss_vec_reserve(&p, &cap, SS_VEC_MAX_ELEMS, 0), 0);
    assert_int_equal(cap, SS_VEC_MAX_ELEMS);
    free(p);
}

static void test_reserve_max(void **state)
{
    (void)state;
    int *a = NULL;
    size_t cap = 0;
    assert_int_equal(ss_vec_reserve_max((void **)&a, &cap, 1, sizeof(*a), 32, 100), 0);
    assert_int_equal(cap, 32);
    assert_int_equal(ss_vec_reserve_max((void **)&a, &cap, 65, sizeof(*a), 32, 100), 0);
    assert_int_equal(cap, 100); /* 128 stopped at the max */
    assert_int_equal(ss_vec_reserve_max((void **)&a, &cap, 100, sizeof(*a), 32, 100), 0);
    assert_int_equal(ss_vec_reserve_max((void **)&a, &cap, 101, sizeof(*a), 32, 100), SS_VEC_FULL);
    assert_int_equal(cap, 100);
    a[99] = 1;
    free(a);
    a = NULL;
    cap = 0;
    assert_int_equal(ss_vec_reserve_max((void **)&a, &cap, 3, sizeof(*a), 0, 10), 0);
    assert_int_equal(cap, 4); /* first 0: start at 1 and double */
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_reserve_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
