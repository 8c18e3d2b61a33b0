/* Link-time wrappers of malloc & co (see alloc_fail.h). */
#include "alloc_fail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static long fail_at = -1; /* index of the allocation that fails; -1: none */
static long count;

static int should_fail(void)
{
    return fail_at >= 0 && count++ == fail_at;
}

void *__wrap_malloc(size_t n)
{
    return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return should_fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return should_fail() ? NULL : __real_strndup(s, n);
}

long alloc_fail_count(void)
{
    return count;
}

void alloc_fail_each(int (*scenario)(void), long min_allocs)
{
    for (long k = 0;; k++) {
        count = 0;
        fail_at = k;
        int rc = scenario();
        int reached = count > k;
        fail_at = -1;
        if (!reached) {
            assert_int_equal(rc, 0);
            assert_true(k >= min_allocs); /* the wrapping works: failures were injected */
            return;
        }
        assert_int_equal(rc, -1);
        assert_true(k < 1000000);
    }
}
