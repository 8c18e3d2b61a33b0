/* The target's base URL: checked and normalized with libcurl's URL API. */
#ifndef SCIM_URL_H
#define SCIM_URL_H

#include <stddef.h>

struct scim_base_url {
    char *base;   /* scheme://host[:port]/path without trailing slash (malloc) */
    int https;    /* 1 when the scheme is https */
    int loopback; /* host is localhost / 127.x / ::1 */
    int aws_scim; /* host is scim.<region>.amazonaws.com[.cn] */
};

/* 0 and *out filled, or -1 with a reason in why (why_len bytes). */
int scim_base_url_parse(const char *url, struct scim_base_url *out, char *why, size_t why_len);
void scim_base_url_free(struct scim_base_url *u);

/* Nonzero when host is scim.<region>.amazonaws.com (or .com.cn). */
int scim_host_is_identity_center(const char *host);

#endif
