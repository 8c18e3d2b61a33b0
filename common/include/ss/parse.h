/* Number and boolean parsing for configuration values and source data. */
#ifndef SS_PARSE_H
#define SS_PARSE_H

/* The one boolean parser.  Accepted, ASCII case-insensitive, nothing else
 * (no surrounding spaces, no empty string):
 *   true:  true yes on 1
 *   false: false no off 0
 * 0 and *out = 1 / 0, or -1 (NULL or anything else; *out untouched).
 * Both former parsers (configuration keys and the mapping's `active`
 * values) accepted exactly this set. */
int ss_parse_bool(const char *s, int *out);

/* Whole-string decimal long: no leading space, no trailing garbage, no
 * overflow.  0 or -1 (*out untouched). */
int ss_parse_long(const char *s, long *out);

/* Whole-string finite double (strtod syntax, no leading space).  0 or -1. */
int ss_parse_double(const char *s, double *out);

/* Whole-string duration: a non-negative whole number with an optional
 * unit, s (seconds, the default), m, h or d ("90", "30s", "15m", "7d"); no
 * spaces, no sign, one unit.  0 and *seconds, or -1 (*seconds untouched;
 * also when the value overflows a long). */
int ss_parse_duration(const char *s, long *seconds);

#endif
