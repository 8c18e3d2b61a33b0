/* Growing arrays are common/'s (ss_vec_reserve, SS_VEC_PUSH_ROOM): this
 * header stays so core's includes need not change. */
#ifndef SS_CORE_VEC_H
#define SS_CORE_VEC_H

#include <ss/vec.h>

#endif
