/* Secret references: the scheme table and the dispatch.  A new scheme is
 * one line below plus its own secrets_<scheme>.c. */
#include "secrets.h"

#include <stdio.h>
#include <string.h>

#include "secrets_aws.h"
#include "secrets_schemes.h"

static const struct ss_secret_scheme schemes[] = {
    {"env:", ss_secret_env_resolve, 0, NULL},
    {"file:", ss_secret_file_resolve, 0, NULL},
    {"aws-secretsmanager:", ss_secret_aws_sm_resolve, 1, ss_secret_aws_forget},
    {"aws-ssm:", ss_secret_aws_ssm_resolve, 0, ss_secret_aws_forget},
};

static const struct ss_secret_scheme *find_scheme(const char *ref)
{
    if (!ref)
        return NULL;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (strncmp(ref, schemes[i].prefix, strlen(schemes[i].prefix)) == 0)
            return &schemes[i];
    }
    return NULL;
}

void ss_secrets_forget(void)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        /* The AWS schemes share one cache: forget it once. */
        if (schemes[i].forget && (i == 0 || schemes[i].forget != schemes[i - 1].forget))
            schemes[i].forget();
    }
}

const struct ss_secret_scheme *ss_secret_scheme_of(const char *ref)
{
    return find_scheme(ref);
}

int ss_secret_is_reference(const char *ref)
{
    return find_scheme(ref) != NULL;
}

int ss_secret_ref_is_secret(const char *ref)
{
    const struct ss_secret_scheme *s = find_scheme(ref);
    return s && s->always_secret;
}

int ss_secret_resolve(const char *ref, char **out, char *err, size_t errlen)
{
    const struct ss_secret_scheme *s = find_scheme(ref);
    const char *body;

    *out = NULL;
    if (!s) {
        /* Never echo the value: it may be a pasted literal secret. */
        snprintf(err, errlen,
                 "not a secret reference (expected env:VAR, file:/path, "
                 "aws-secretsmanager:NAME[#key] or aws-ssm:/name)");
        return -1;
    }
    body = ref + strlen(s->prefix);
    if (!*body) {
        snprintf(err, errlen, "empty %s reference", s->prefix);
        return -1;
    }
    return s->resolve(body, out, err, errlen);
}
