/* The libcurl write callback over a capped ss_dynbuf (ss/dynbuf_sink.h):
 * what fits is taken whole, past the cap the transfer stops with too_big
 * set and the content as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ss/dynbuf_sink.h>

static void test_fits_then_too_big(void **state)
{
    struct ss_dynbuf_sink k;
    char chunk[] = "0123456789";
    (void)state;
    ss_dynbuf_sink_init(&k, 25, 0);
    assert_int_equal(ss_dynbuf_sink_write(chunk, 1, 10, &k), 10);
    assert_int_equal(ss_dynbuf_sink_write(chunk, 5, 2, &k), 10);
    assert_false(k.too_big);
    assert_string_equal(ss_dynbuf_str(&k.buf), "01234567890123456789");
    /* 6 more would pass 25: refused whole */
    assert_int_equal(ss_dynbuf_sink_write(chunk, 1, 6, &k), 0);
    assert_true(k.too_big);
    assert_int_equal(ss_dynbuf_len(&k.buf), 20);
    /* a new attempt starts empty and not too big */
    ss_dynbuf_sink_reset(&k);
    assert_false(k.too_big);
    assert_int_equal(ss_dynbuf_len(&k.buf), 0);
    assert_int_equal(ss_dynbuf_sink_write(chunk, 1, 0, &k), 0);
    assert_false(k.too_big);
    ss_dynbuf_sink_free(&k);
}

static void test_overflowing_product(void **state)
{
    struct ss_dynbuf_sink k;
    char c = 'x';
    (void)state;
    ss_dynbuf_sink_init(&k, 100, 1);
    assert_int_equal(ss_dynbuf_sink_write(&c, SIZE_MAX / 2, 3, &k), 0);
    assert_true(k.too_big);
    assert_int_equal(ss_dynbuf_len(&k.buf), 0);
    assert_true(k.buf.secret);
    ss_dynbuf_sink_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits_then_too_big),
        cmocka_unit_test(test_overflowing_product),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
