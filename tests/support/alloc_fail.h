/*
 * Allocation failure injection for unit tests: malloc, calloc, realloc,
 * strdup and strndup are wrapped at link time (-Wl,--wrap, set up by
 * scimsync_add_alloc_failure_test in tests/CMakeLists.txt), and the k-th
 * allocation of a run can be made to fail.  Libraries that allocate inside
 * their own shared objects (json-c, libcurl, OpenSSL, libldap) are not
 * affected.
 */
#ifndef SS_TEST_ALLOC_FAIL_H
#define SS_TEST_ALLOC_FAIL_H

#include <stddef.h>

/* Runs scenario with allocation k failing, for k = 0, 1, ... until a run
 * completes without reaching the failing allocation.  A scenario returns 0
 * on success, -1 when it saw an error (which is then required).  At least
 * min_allocs allocations must have been seen (the wrapping works).  Fails
 * the current cmocka test otherwise. */
void alloc_fail_each(int (*scenario)(void), long min_allocs);

/* The real malloc, for a test's own buffers that must not fail. */
void *__real_malloc(size_t n);

/* Allocations counted since the last alloc_fail_each round began. */
long alloc_fail_count(void);

#endif
