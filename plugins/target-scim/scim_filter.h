/* SCIM filters and query strings: every value quoted, escaped and
 * URL-encoded, so data can never change the shape of a request. */
#ifndef SCIM_FILTER_H
#define SCIM_FILTER_H

#include <stddef.h>

/* `attr eq "value"` with backslash and double quote escaped (malloc, NULL
 * on no memory).  attr is a fixed name from our code, never data. */
char *scim_filter_eq(const char *attr, const char *value);

/* Percent-encodes s with curl_easy_escape (malloc'd copy, NULL on no memory). */
char *scim_url_encode(const char *s);

/* "/Users?filter=<enc>&count=100&cursor=<enc>" and variants: resource is
 * "/Users" or "/Groups"; filter and cursor may be NULL.  cursor "" asks
 * for the first page of cursor paging.  start_index > 0 uses index paging
 * instead.  malloc'd, NULL on no memory. */
char *scim_list_path(const char *resource, const char *filter, const char *cursor, long start_index,
                     int count);

/* "/Users/<enc id>" (malloc'd). */
char *scim_object_path(const char *resource, const char *id);

#endif
