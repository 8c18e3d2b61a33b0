/* Seconds as a double: monotonic (durations, deadlines) and wall clock
 * (times shown or stored). */
#ifndef SS_CLOCK_H
#define SS_CLOCK_H

#include <time.h>

static inline double ss_clock_mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static inline double ss_clock_wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
