/* Which transport failures are worth another attempt, and what a failure
 * asks the operator to do, as text appended to its message.  Pure: no
 * instance, so the unit tests drive it with curl's codes and texts. */
#ifndef SCIM_HINT_H
#define SCIM_HINT_H

#include <curl/curl.h>
#include <stddef.h>

/* Nonzero when a failed attempt (no HTTP answer) may succeed if repeated.
 * Never: TLS verification, a bad ca_file, a server that does not speak
 * TLS, a malformed url.  Before the server has answered once (reached ==
 * 0): neither a refused connection nor an unknown host either, since a
 * wrong url or port does not fix itself in seconds; once it has answered,
 * those are a restart or a failover and are retried. */
int scim_conn_retryable(CURLcode cc, const char *errbuf, int reached);

/* "; <what failed and the key to set>" for a failed attempt, or "". */
void scim_conn_hint(CURLcode cc, const char *errbuf, const char *ca_file, long timeout_s, char *buf,
                    size_t cap);

/* "; <hint>" for an HTTP error answer to a listing page, or "": a 404 on
 * the /Users or /Groups collection (collection != 0) means the url is not
 * the SCIM base; a 400 to a page asked for with startIndex (start_index
 * != 0) is a server that pages otherwise (Identity Center). */
void scim_list_hint(long status, int collection, int start_index, char *buf, size_t cap);

#endif
