/* Growing arrays with a hard element cap: the caller keeps (pointer, count,
 * capacity) in its own struct, typed; this only makes room. */
#ifndef SS_VEC_H
#define SS_VEC_H

#include <stddef.h>

#include "ss/common.h"

/* Most elements any array may hold (users, groups, memberships). */
#define SS_VEC_MAX_ELEMS ((size_t)1 << 28)

/* Makes room for `need` elements of `elsize` bytes in *p (capacity *cap),
 * doubling from 16.  Returns 0, or -1 on no memory / over SS_VEC_MAX_ELEMS
 * (then *p and *cap are unchanged). */
SS_NODISCARD int ss_vec_reserve(void **p, size_t *cap, size_t need, size_t elsize);

/* The same with the first capacity and the most elements chosen by the
 * caller: 0, -1 on no memory, SS_VEC_FULL when need > max (then *p and *cap
 * are unchanged; the last doubling stops at max). */
#define SS_VEC_FULL (-2)
SS_NODISCARD int ss_vec_reserve_max(void **p, size_t *cap, size_t need, size_t elsize, size_t first,
                                    size_t max);

#define SS_VEC_PUSH_ROOM(arr, n, cap)                                                              \
    ss_vec_reserve((void **)&(arr), &(cap), (n) + 1, sizeof(*(arr)))

#endif
