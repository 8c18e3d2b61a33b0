/* The arena is common/'s (ss_arena_*): this header stays so core's
 * includes need not change. */
#ifndef SS_CORE_ARENA_H
#define SS_CORE_ARENA_H

#include <ss/arena.h>

#endif
