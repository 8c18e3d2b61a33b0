/* ss_arena: alignment, big blocks, the byte cap, reset keeping a chunk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ss/arena.h>

static void test_alloc_and_strings(void **state)
{
    (void)state;
    struct ss_arena a;
    ss_arena_init(&a, 0);
    assert_int_equal(a.cap, SS_ARENA_DEFAULT_CAP);
    assert_int_equal(a.chunk, SS_ARENA_CHUNK);
    char *p = ss_arena_alloc(&a, 3);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 8, 0);
    char *q = ss_arena_alloc(&a, 1);
    assert_int_equal(q - p, 8); /* rounded to 8 */
    char *s = ss_arena_strdup(&a, "hello");
    assert_string_equal(s, "hello");
    assert_string_equal(ss_arena_strndup(&a, "hello", 2), "he");
    assert_null(ss_arena_strdup(&a, NULL)); /* NULL in, NULL out */
    assert_null(ss_arena_strndup(&a, NULL, 3));
    assert_null(ss_arena_alloc(&a, SIZE_MAX - 3)); /* rounding overflows */
    assert_int_equal(a.total, SS_ARENA_CHUNK);
    ss_arena_free(&a);
    assert_int_equal(a.total, 0);
    assert_null(a.head);
}

static void test_big_block_keeps_chunk_space(void **state)
{
    (void)state;
    struct ss_arena a;
    ss_arena_init_chunk(&a, 0, 1000); /* rounded up to 1000 -> 1000 (8-aligned) */
    assert_int_equal(a.chunk, 1000);
    assert_non_null(ss_arena_alloc(&a, 8)); /* a regular chunk */
    char *p1 = ss_arena_alloc(&a, 400);     /* fits in it */
    /* does not fit in the chunk, and > chunk / 4: a block of its own */
    char *big = ss_arena_alloc(&a, 600);
    char *p2 = ss_arena_alloc(&a, 8);
    assert_non_null(big);
    assert_int_equal(p2 - p1, 400); /* the current chunk is still used */
    assert_int_equal(a.total, 1000 + 600);
    memset(big, 'x', 600);
    ss_arena_free(&a);
}

static void test_cap(void **state)
{
    (void)state;
    struct ss_arena a;
    ss_arena_init_chunk(&a, 4096, 1024);
    for (int i = 0; i < 20; i++) /* five per 1024-byte chunk */
        assert_non_null(ss_arena_alloc(&a, 200));
    assert_int_equal(a.total, 4096);
    assert_null(ss_arena_alloc(&a, 200));    /* a fifth chunk passes the cap */
    assert_non_null(ss_arena_alloc(&a, 24)); /* room left in the chunk */
    assert_null(ss_arena_alloc(&a, 5000));   /* bigger than the cap */
    ss_arena_free(&a);
}

static void test_reset(void **state)
{
    (void)state;
    struct ss_arena a;
    ss_arena_init_chunk(&a, 1 << 20, 1024);
    ss_arena_reset(&a);                          /* nothing allocated yet */
    assert_non_null(ss_arena_alloc(&a, 100000)); /* a big block first */
    for (int i = 0; i < 10; i++)
        assert_non_null(ss_arena_alloc(&a, 1000));
    for (int i = 0; i < 30; i++)
        assert_non_null(ss_arena_alloc(&a, 100));
    assert_true(a.total > 1024);
    ss_arena_reset(&a);
    assert_int_equal(a.total, 1024); /* one regular chunk is kept */
    char *p = ss_arena_alloc(&a, 16);
    assert_non_null(p);
    assert_int_equal(a.total, 1024); /* and used again */
    ss_arena_reset(&a);
    assert_ptr_equal(ss_arena_alloc(&a, 16), p);
    ss_arena_free(&a);
    ss_arena_init_chunk(&a, 0, 64);
    assert_non_null(ss_arena_alloc(&a, 1000)); /* only a big block */
    ss_arena_reset(&a);
    assert_int_equal(a.total, 0);
    assert_null(a.head);
    ss_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_and_strings),
        cmocka_unit_test(test_big_block_keeps_chunk_space),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
