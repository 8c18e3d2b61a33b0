/* ss_hmap: insert / find, case folding, the limit, growth, iteration, a
 * caller's allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ss/hash.h>
#include <ss/hmap.h>

static void test_insert_find(void **state)
{
    (void)state;
    struct ss_hmap m;
    struct ss_hmap_slot *s;
    ss_hmap_init(&m, 0, SIZE_MAX, NULL);
    assert_null(ss_hmap_find(&m, "a")); /* empty map: no table yet */
    assert_int_equal(ss_hmap_insert(&m, "a", &s), 0);
    assert_string_equal(s->key, "a");
    assert_int_equal(s->val, 0); /* a new slot's value is zeroed */
    s->val = 7;
    assert_int_equal(ss_hmap_insert(&m, "a", &s), 1);
    assert_int_equal(s->val, 7);
    assert_non_null(ss_hmap_find(&m, "a"));
    assert_null(ss_hmap_find(&m, "A")); /* exact map */
    assert_null(ss_hmap_find(&m, NULL));
    assert_int_equal(m.n, 1);
    ss_hmap_free(&m);
    assert_int_equal(m.n, 0);
    assert_null(ss_hmap_find(&m, "a"));
    ss_hmap_free(&m); /* twice is harmless */
}

static void test_icase(void **state)
{
    (void)state;
    struct ss_hmap m;
    struct ss_hmap_slot *s;
    ss_hmap_init(&m, SS_HMAP_ICASE, SIZE_MAX, NULL);
    assert_int_equal(ss_hmap_insert(&m, "Alice", &s), 0);
    s->val = 42;
    assert_int_equal(ss_hmap_insert(&m, "aLICE", &s), 1);
    assert_int_equal(s->val, 42);
    assert_non_null(ss_hmap_find(&m, "ALICE"));
    /* bytes >= 0x80 are not folded */
    assert_int_equal(ss_hmap_insert(&m, "\xc3\x89", &s), 0);
    assert_int_equal(ss_hmap_insert(&m, "\xc3\xa9", &s), 0);
    assert_int_equal(m.n, 3);
    assert_int_equal(ss_hash_str("MiXeD", 1), ss_hash_str("mixed", 1));
    assert_int_equal(ss_hash_str("mixed", 0), ss_hash_str("mixed", 1));
    ss_hmap_free(&m);
}

static void test_limit(void **state)
{
    (void)state;
    struct ss_hmap m;
    struct ss_hmap_slot *s;
    ss_hmap_init(&m, 0, 2, NULL);
    assert_int_equal(ss_hmap_insert(&m, "a", &s), 0);
    assert_int_equal(ss_hmap_insert(&m, "b", &s), 0);
    assert_int_equal(ss_hmap_insert(&m, "c", &s), SS_HMAP_FULL);
    assert_int_equal(ss_hmap_insert(&m, "a", &s), 1); /* present is fine */
    assert_null(ss_hmap_find(&m, "c"));
    ss_hmap_free(&m);

    ss_hmap_init(&m, 0, 0, NULL); /* a limit of 0 holds nothing */
    assert_int_equal(ss_hmap_insert(&m, "a", &s), SS_HMAP_FULL);
    ss_hmap_free(&m);
}

#define N 20000

static void test_growth_and_iteration(void **state)
{
    (void)state;
    struct ss_hmap m;
    struct ss_hmap_slot *s;
    static char keys[N][12];
    ss_hmap_init(&m, 0, SIZE_MAX, NULL);
    for (uint32_t i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "u%u", (unsigned)i);
        assert_int_equal(ss_hmap_insert(&m, keys[i], &s), 0);
        s->val = i;
    }
    assert_int_equal(m.n, N);
    assert_true(m.cap >= N + N / 3); /* load factor under 3/4 */
    for (uint32_t i = 0; i < N; i++) {
        s = ss_hmap_find(&m, keys[i]);
        assert_non_null(s);
        assert_int_equal(s->val, i);
    }
    size_t pos = 0, seen = 0;
    uint64_t sum = 0;
    while ((s = ss_hmap_next(&m, &pos))) {
        seen++;
        sum += s->val;
    }
    assert_int_equal(seen, N);
    assert_int_equal(sum, (uint64_t)N * (N - 1) / 2);
    ss_hmap_free(&m);
}

static size_t allocs, frees;

static void *count_alloc(size_t n)
{
    allocs++;
    return malloc(n);
}

static void *count_realloc(void *p, size_t n)
{
    return realloc(p, n);
}

static void count_free(void *p)
{
    frees++;
    free(p);
}

static void test_caller_allocator(void **state)
{
    (void)state;
    const struct ss_alloc a = {count_alloc, count_realloc, count_free};
    struct ss_hmap m;
    struct ss_hmap_slot *s;
    char keys[200][8];
    ss_hmap_init(&m, 0, SIZE_MAX, &a);
    for (int i = 0; i < 200; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        assert_int_equal(ss_hmap_insert(&m, keys[i], &s), 0);
    }
    ss_hmap_free(&m);
    assert_true(allocs >= 3); /* 64 -> 128 -> 256 -> 512 slots */
    assert_int_equal(allocs, frees);
}

static void test_hash(void **state)
{
    (void)state;
    /* FNV-1a test vectors */
    assert_true(ss_hash_fnv1a("", 0) == 0xcbf29ce484222325ull);
    assert_true(ss_hash_fnv1a("a", 1) == 0xaf63dc4c8601ec8cull);
    assert_true(ss_hash_fnv1a("foobar", 6) == 0x85944171f73967e8ull);
    assert_true(ss_hash_mix64(0) == 0);
    assert_true(ss_hash_mix64(1) != 1 && ss_hash_mix64(1) != ss_hash_mix64(2));
    /* short similar keys differ in their low bits after the mix */
    assert_true((ss_hash_str("u1", 0) & 63) != (ss_hash_str("u2", 0) & 63) ||
                (ss_hash_str("u2", 0) & 63) != (ss_hash_str("u3", 0) & 63));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_find),
        cmocka_unit_test(test_icase),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_growth_and_iteration),
        cmocka_unit_test(test_caller_allocator),
        cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
