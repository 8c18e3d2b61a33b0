#include "key_limits.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "secrets.h"

const struct scimsync_key_limit *ss_key_limits_of(const struct scimsync_plugin *d)
{
    if (!d || !SCIMSYNC_HAS_MEMBER(d, 2, key_limits))
        return NULL;
    return d->key_limits;
}

const struct scimsync_key_limit *ss_key_limit_find(const struct scimsync_plugin *d, const char *key)
{
    for (const struct scimsync_key_limit *l = ss_key_limits_of(d); l && l->key; l++) {
        if (strcmp(l->key, key) == 0)
            return l;
    }
    return NULL;
}

static const struct scimsync_config_key *declared(const struct scimsync_plugin *d, const char *key)
{
    for (const struct scimsync_config_key *k = d->keys; k && k->name; k++) {
        if (strcmp(k->name, key) == 0)
            return k;
    }
    return NULL;
}

/* A limit as written in a configuration: 1073741824, not 1.07374e+09. */
static void num_text(double v, char *buf, size_t len)
{
    if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
        snprintf(buf, len, "%lld", (long long)v);
    else
        snprintf(buf, len, "%g", v);
}

/* "must be between 1 and 1000" / "at least 0" / "at most 5" */
static void range_text(const struct scimsync_key_limit *lim, char *why, size_t whylen)
{
    unsigned both = SCIMSYNC_LIMIT_MIN | SCIMSYNC_LIMIT_MAX;
    char lo[32], hi[32];

    num_text(lim->min, lo, sizeof lo);
    num_text(lim->max, hi, sizeof hi);
    if ((lim->flags & both) == both)
        snprintf(why, whylen, "must be between %s and %s", lo, hi);
    else if (lim->flags & SCIMSYNC_LIMIT_MIN)
        snprintf(why, whylen, "must be at least %s", lo);
    else
        snprintf(why, whylen, "must be at most %s", hi);
}

static void choices_text(const struct scimsync_key_limit *lim, char *why, size_t whylen)
{
    size_t off = (size_t)snprintf(why, whylen, "must be one of: ");
    for (size_t i = 0; lim->choices[i] && off < whylen; i++)
        off += (size_t)snprintf(why + off, whylen - off, "%s%s", i ? ", " : "", lim->choices[i]);
}

void ss_key_limit_text(const struct scimsync_key_limit *lim, char *buf, size_t len)
{
    if (lim->choices)
        choices_text(lim, buf, len);
    else
        range_text(lim, buf, len);
}

int ss_key_limit_test(const struct scimsync_key_limit *lim, enum scimsync_key_type type,
                      const char *value, char *why, size_t whylen)
{
    if (!lim || !value)
        return 0;
    if (lim->choices) {
        if (!*value)
            return 0; /* empty: unset, the plugin's default applies */
        for (size_t i = 0; lim->choices[i]; i++) {
            if (strcasecmp(lim->choices[i], value) == 0)
                return 0;
        }
        choices_text(lim, why, whylen);
        return 1;
    }
    if (!(lim->flags & (SCIMSYNC_LIMIT_MIN | SCIMSYNC_LIMIT_MAX)))
        return 0;
    double v;
    if (type == SCIMSYNC_KEY_INT) {
        long l;
        if (ss_conf_parse_long(value, &l) < 0)
            return 0;
        v = (double)l;
    } else if (type == SCIMSYNC_KEY_DOUBLE) {
        if (ss_conf_parse_double(value, &v) < 0)
            return 0;
    } else {
        return 0;
    }
    if (((lim->flags & SCIMSYNC_LIMIT_MIN) && !(v >= lim->min)) ||
        ((lim->flags & SCIMSYNC_LIMIT_MAX) && !(v <= lim->max))) {
        range_text(lim, why, whylen);
        return 1;
    }
    return 0;
}

int ss_key_limits_check_section(const struct ss_conf_section *s, const struct scimsync_plugin *d)
{
    int problems = 0;

    if (!ss_key_limits_of(d))
        return 0;
    for (size_t i = 0; i < s->nkv; i++) {
        const struct ss_conf_kv *kv = &s->kv[i];
        const struct scimsync_key_limit *lim = ss_key_limit_find(d, kv->key);
        const struct scimsync_config_key *k = lim ? declared(d, kv->key) : NULL;
        char why[256];
        const char *value = kv->value;
        if (!k || ss_secret_is_reference(value))
            continue;
        if (strncmp(value, SS_LITERAL_PREFIX, strlen(SS_LITERAL_PREFIX)) == 0)
            value += strlen(SS_LITERAL_PREFIX);
        if (ss_key_limit_test(lim, k->type, value, why, sizeof why)) {
            ss_error("%s: %s %s: '%.64s' is %s: %s", kv->where, s->label, kv->key, kv->value,
                     lim->choices ? "not allowed" : "out of range", why);
            problems++;
        }
    }
    return problems;
}

int ss_key_limits_check_table(const struct scimsync_plugin *d, char *err, size_t errlen)
{
    for (const struct scimsync_key_limit *l = ss_key_limits_of(d); l && l->key; l++) {
        const struct scimsync_config_key *k = declared(d, l->key);
        char why[256];
        if (!k) {
            snprintf(err, errlen, "%s: limits for undeclared key '%s'", d->name, l->key);
            return -1;
        }
        if (l->choices ? k->type != SCIMSYNC_KEY_STRING
                       : k->type != SCIMSYNC_KEY_INT && k->type != SCIMSYNC_KEY_DOUBLE) {
            snprintf(err, errlen, "%s: %s: limits do not fit the key's type", d->name, l->key);
            return -1;
        }
        if (ss_key_limit_test(l, k->type, k->default_value, why, sizeof why)) {
            snprintf(err, errlen, "%s: %s: default '%s' %s", d->name, l->key, k->default_value,
                     why);
            return -1;
        }
    }
    return 0;
}
