/* ss_dynbuf: appends, the cap (failing cleanly), printf, take, reset. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <ss/dynbuf.h>

static void test_append(void **state)
{
    (void)state;
    struct ss_dynbuf b;
    ss_dynbuf_init(&b, 1000);
    assert_string_equal(ss_dynbuf_str(&b), "");
    assert_int_equal(ss_dynbuf_len(&b), 0);
    assert_int_equal(ss_dynbuf_addstr(&b, "abc"), 0);
    assert_int_equal(ss_dynbuf_addc(&b, '-'), 0);
    assert_int_equal(ss_dynbuf_add(&b, "xyz", 2), 0);
    assert_int_equal(ss_dynbuf_add(&b, NULL, 0), 0);
    assert_int_equal(ss_dynbuf_addf(&b, "[%d:%s]", 42, "q"), 0);
    assert_string_equal(ss_dynbuf_str(&b), "abc-xy[42:q]");
    assert_int_equal(ss_dynbuf_len(&b), 12);
    ss_dynbuf_shrink(&b, 4);
    assert_string_equal(ss_dynbuf_str(&b), "abc-xy[4");
    ss_dynbuf_shrink(&b, 100);
    assert_string_equal(ss_dynbuf_str(&b), "");
    for (int i = 0; i < 200; i++) /* growth past the first allocation */
        assert_int_equal(ss_dynbuf_addstr(&b, "12345"), 0);
    assert_int_equal(ss_dynbuf_len(&b), 1000);
    ss_dynbuf_free(&b);
    assert_string_equal(ss_dynbuf_str(&b), "");
}

static void test_cap(void **state)
{
    (void)state;
    struct ss_dynbuf b;
    ss_dynbuf_init(&b, 8);
    assert_int_equal(ss_dynbuf_addstr(&b, "1234567"), 0);
    assert_int_equal(ss_dynbuf_addstr(&b, "89"), SS_DYNBUF_TOO_BIG);
    assert_string_equal(ss_dynbuf_str(&b), "1234567"); /* unchanged */
    assert_int_equal(ss_dynbuf_addf(&b, "%s", "ab"), SS_DYNBUF_TOO_BIG);
    assert_string_equal(ss_dynbuf_str(&b), "1234567");
    assert_int_equal(ss_dynbuf_addc(&b, '8'), 0); /* exactly the cap */
    assert_int_equal(ss_dynbuf_addc(&b, '9'), SS_DYNBUF_TOO_BIG);
    assert_int_equal(b.alloc, 9); /* never more than cap + NUL */
    assert_int_equal(ss_dynbuf_add(&b, "x", (size_t)-1), SS_DYNBUF_TOO_BIG);
    ss_dynbuf_reset(&b);
    assert_int_equal(ss_dynbuf_len(&b), 0);
    assert_int_equal(ss_dynbuf_addstr(&b, "again"), 0);
    assert_string_equal(ss_dynbuf_str(&b), "again");
    ss_dynbuf_free(&b);
}

static void test_take(void **state)
{
    (void)state;
    struct ss_dynbuf b;
    ss_dynbuf_init(&b, 100);
    char *s = ss_dynbuf_take(&b); /* empty: a malloc'd "" */
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(ss_dynbuf_addstr(&b, "owned"), 0);
    s = ss_dynbuf_take(&b);
    assert_string_equal(s, "owned");
    assert_int_equal(ss_dynbuf_len(&b), 0);
    assert_null(b.buf);
    free(s);
    ss_dynbuf_free(&b);
}

static void test_secret(void **state)
{
    (void)state;
    struct ss_dynbuf b;
    ss_dynbuf_init_secret(&b, 4096);
    assert_true(b.secret);
    for (int i = 0; i < 300; i++) /* several copy-and-wipe growths */
        assert_int_equal(ss_dynbuf_addstr(&b, "s3cr"), 0);
    assert_int_equal(ss_dynbuf_len(&b), 1200);
    assert_int_equal(memcmp(ss_dynbuf_str(&b), "s3crs3cr", 8), 0);
    ss_dynbuf_shrink(&b, 1196);
    assert_string_equal(ss_dynbuf_str(&b), "s3cr");
    assert_int_equal(b.buf[5], '\0'); /* the dropped bytes are wiped */
    assert_int_equal(ss_dynbuf_addstr(&b, "x"), 0);
    assert_string_equal(ss_dynbuf_str(&b), "s3crx");
    assert_int_equal(ss_dynbuf_add(&b, "y", 5000), SS_DYNBUF_TOO_BIG);
    ss_dynbuf_free(&b);
    ss_dynbuf_reset(&b); /* on an empty buffer: nothing to do */
}

/* A file of n bytes 'x', open for reading. */
static int file_of(size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        fputc('x', f);
    fflush(f);
    int fd = dup(fileno(f));
    fclose(f);
    assert_true(fd >= 0);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static void test_read_fd(void **state)
{
    (void)state;
    struct ss_dynbuf b;
    int fd = file_of(10000);
    ss_dynbuf_init(&b, 10000);
    assert_int_equal(ss_dynbuf_read_fd(&b, fd), 0); /* exactly the cap */
    assert_int_equal(ss_dynbuf_len(&b), 10000);
    close(fd);
    ss_dynbuf_free(&b);

    fd = file_of(10001);
    ss_dynbuf_init_secret(&b, 10000);
    assert_int_equal(ss_dynbuf_read_fd(&b, fd), SS_DYNBUF_TOO_BIG);
    close(fd);
    ss_dynbuf_free(&b);

    fd = file_of(0);
    ss_dynbuf_init(&b, 10);
    assert_int_equal(ss_dynbuf_read_fd(&b, fd), 0);
    assert_string_equal(ss_dynbuf_str(&b), "");
    close(fd);
    errno = 0;
    assert_int_equal(ss_dynbuf_read_fd(&b, fd), -1); /* closed: EBADF */
    assert_int_equal(errno, EBADF);
    ss_dynbuf_free(&b);
}

static void test_read_fd_err(void **state)
{
    (void)state;
    struct ss_dynbuf b;
    char err[128] = "";
    int fd = file_of(11);
    ss_dynbuf_init(&b, 10);
    assert_int_equal(ss_dynbuf_read_fd_err(&b, fd, "/x/y", err, sizeof err), SS_DYNBUF_TOO_BIG);
    assert_string_equal(err, "/x/y is larger than 10 bytes");
    close(fd);
    ss_dynbuf_reset(&b);
    assert_int_equal(ss_dynbuf_read_fd_err(&b, fd, "/x/y", err, sizeof err), -1);
    assert_string_equal(err, "cannot read /x/y: Bad file descriptor");
    fd = file_of(3);
    err[0] = '\0';
    assert_int_equal(ss_dynbuf_read_fd_err(&b, fd, "/x/y", err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_string_equal(ss_dynbuf_str(&b), "xxx");
    close(fd);
    ss_dynbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append),  cmocka_unit_test(test_cap),
        cmocka_unit_test(test_take),    cmocka_unit_test(test_secret),
        cmocka_unit_test(test_read_fd), cmocka_unit_test(test_read_fd_err),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
