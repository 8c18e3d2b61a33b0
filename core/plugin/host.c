/* The services table handed to each plugin instance. */
#include "host.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "key_limits.h"
#include "log.h"
#include "state_run.h"
#include "mapping_attrs.h"
#include "plugin_err.h"
#include "report.h"
#include "secrets.h"

static struct ss_instance *self(const struct scimsync_host *h)
{
    return h->ctx;
}

/* Copies msg into out with every secret value of the instance masked: a
 * plugin may name its bind DN in an error, and that DN may have come from
 * a store of secrets.  A last line of defence only (plugins never format a
 * secret): exact occurrences of secrets of at least
 * SCIMSYNC_SECRET_MASK_MIN bytes.  A shorter secret ("x", "wrong") is
 * never searched for: it would match ordinary words, corrupt the message
 * and reveal the secret by the substitution.  When msg was cut, what is left of a
 * (long) secret cut with it is masked too: the text ends there anyway. */
static void mask_secrets(const struct ss_instance *in, const char *msg, int cut, char *out,
                         size_t cap)
{
    static const char mask[] = "(secret)";
    size_t o = 0;

    while (*msg && o + 1 < cap) {
        size_t skip = 0, left = strlen(msg);
        for (size_t i = 0; i < in->nvalues && !skip; i++) {
            const char *v = in->values[i].value;
            size_t n = v ? strlen(v) : 0;
            if (!in->values[i].secret || n < SCIMSYNC_SECRET_MASK_MIN)
                continue;
            if (strncmp(msg, v, n) == 0)
                skip = n;
            else if (cut && left < n && strncmp(msg, v, left) == 0)
                skip = left;
        }
        if (skip) {
            size_t n = strlen(mask) < cap - 1 - o ? strlen(mask) : cap - 1 - o;
            memcpy(out + o, mask, n);
            o += n;
            msg += skip;
        } else {
            out[o++] = *msg++;
        }
    }
    out[o] = '\0';
}

static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
    SCIMSYNC_PRINTF(3, 4);
static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
{
    struct ss_instance *in = self(h);
    char msg[SS_LOG_MSG_MAX], masked[SS_LOG_MSG_MAX];
    va_list ap;
    int n;

    if (level > ss_log_get_level())
        return;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    mask_secrets(in, msg, n >= (int)sizeof(msg), masked, sizeof(masked));
    explicit_bzero(msg, sizeof(msg));
    /* JSON lines name the instance and its plugin as fields too */
    struct ss_log_field f[] = {SS_LF_S("instance", in->section->name),
                               SS_LF_S("plugin", in->plugin->name)};
    ss_log_event(level, in->section->component, NULL, f, 2, "%s", masked);
}

static struct ss_host_value *lookup(const struct scimsync_host *h, const char *key)
{
    struct ss_instance *in = self(h);

    for (size_t i = 0; key && i < in->nvalues; i++) {
        if (strcmp(in->values[i].decl->name, key) == 0)
            return &in->values[i];
    }
    ss_log(SCIMSYNC_LOG_DEBUG, in->section->component,
           "plugin asked for key '%s' it does not declare", key ? key : "(null)");
    return NULL;
}

static const char *host_config_get(const struct scimsync_host *h, const char *key)
{
    struct ss_host_value *v = lookup(h, key);
    return v ? v->value : NULL;
}

static const char *host_config_where(const struct scimsync_host *h, const char *key)
{
    struct ss_host_value *v = lookup(h, key);
    return v ? v->where : "<unknown key>";
}

static int host_get_int(const struct scimsync_host *h, const char *key, long *out)
{
    struct ss_host_value *v = lookup(h, key);

    if (!v || !v->value)
        return 0;
    if (ss_conf_parse_long(v->value, out) == 0)
        return 0;
    ss_log(SCIMSYNC_LOG_ERROR, self(h)->section->component, "%s: %s: '%.64s' is not an integer",
           v->where, key, v->value);
    return SCIMSYNC_ERR_CONFIG;
}

static int host_get_bool(const struct scimsync_host *h, const char *key, int *out)
{
    struct ss_host_value *v = lookup(h, key);

    if (!v || !v->value)
        return 0;
    if (ss_conf_parse_bool(v->value, out) == 0)
        return 0;
    ss_log(SCIMSYNC_LOG_ERROR, self(h)->section->component, "%s: %s: '%.64s' is not a boolean",
           v->where, key, v->value);
    return SCIMSYNC_ERR_CONFIG;
}

static int host_get_double(const struct scimsync_host *h, const char *key, double *out)
{
    struct ss_host_value *v = lookup(h, key);

    if (!v || !v->value)
        return 0;
    if (ss_conf_parse_double(v->value, out) == 0)
        return 0;
    ss_log(SCIMSYNC_LOG_ERROR, self(h)->section->component, "%s: %s: '%.64s' is not a number",
           v->where, key, v->value);
    return SCIMSYNC_ERR_CONFIG;
}

static int host_should_stop(const struct scimsync_host *h)
{
    (void)h;
    return ss_host_stop_level();
}

static void host_count_request(const struct scimsync_host *h, const char *method, long status,
                               double retry_in)
{
    (void)h;
    ss_report_request(method, status, retry_in);
}

static void host_op_done(const struct scimsync_host *h, const struct scimsync_op *op,
                         long http_status)
{
    (void)h;
    ss_apply_op_done(op, http_status);
}

static const char *const *host_mapped_attributes(const struct scimsync_host *h, int kind)
{
    struct ss_instance *in = self(h);
    if (kind != SCIMSYNC_ENTRY_USER && kind != SCIMSYNC_ENTRY_GROUP)
        return NULL;
    return (const char *const *)in->mapped[kind == SCIMSYNC_ENTRY_GROUP];
}

int ss_instance_set_mapping(struct ss_instance *in, const char *const *defaults,
                            const struct ss_mapping_line *lines, size_t nlines)
{
    for (int k = 0; k < 2; k++) {
        ss_mapping_attrs_free(in->mapped[k]);
        in->mapped[k] = ss_mapping_attrs(defaults, lines, nlines,
                                         k ? SCIMSYNC_ENTRY_GROUP : SCIMSYNC_ENTRY_USER);
        if (!in->mapped[k]) {
            ss_error("out of memory");
            return -1;
        }
    }
    return 0;
}

/* Plugin values in the state store, under "source NAME" / "target NAME". */
static const char *host_state_get(const struct scimsync_host *h, const char *key)
{
    return key ? ss_state_run_kv_get(self(h)->section->component, key) : NULL;
}

static int host_state_put(const struct scimsync_host *h, const char *key, const char *value)
{
    if (!key || !*key)
        return SCIMSYNC_ERR;
    return ss_state_run_kv_put(self(h)->section->component, key, value) < 0 ? SCIMSYNC_ERR : 0;
}

static void *host_alloc(size_t n)
{
    return malloc(n);
}

static void *host_realloc(void *p, size_t n)
{
    return realloc(p, n);
}

static void host_free(void *p)
{
    free(p);
}

/* Resolves a reference set at kv (NULL for a default); a relative file:
 * path is taken against the config file's folder, like PATH values.
 * Errors name the place and the reference, never a value. */
/* Resolves reference raw; a relative file: path is taken against the
 * folder of file (NULL: as written).  The reason, never a value, in err. */
static int resolve_raw(const char *raw, const char *file, char **out, char *err, size_t errlen)
{
    char *ref = NULL;
    int rc;

    if (strncmp(raw, "file:", 5) == 0 && raw[5] != '/' && file) {
        char *p = ss_config_resolve_path(raw + 5, file);
        size_t n = p ? strlen(p) + 6 : 0;
        ref = p ? malloc(n) : NULL;
        if (ref)
            snprintf(ref, n, "file:%s", p);
        free(p);
        if (!ref) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    rc = ss_secret_resolve(ref ? ref : raw, out, err, errlen);
    free(ref);
    return rc < 0 ? -1 : 0;
}

static int resolve_ref(const struct ss_conf_section *s, const struct ss_host_value *v,
                       const struct ss_conf_kv *kv, const char *raw, char **out)
{
    char err[512];

    if (resolve_raw(raw, kv ? kv->file : NULL, out, err, sizeof(err)) < 0) {
        ss_error("%s: %s %s: %s", v->where, s->label, v->decl->name, err);
        return -1;
    }
    return 0;
}

int ss_host_check_reference(const struct ss_conf_kv *kv, char *err, size_t errlen)
{
    char *val = NULL;
    int rc = resolve_raw(kv->value, kv->file, &val, err, errlen);

    if (val) {
        explicit_bzero(val, strlen(val));
        free(val);
    }
    return rc;
}

/* A STRING / PATH value set to a reference: resolved like a secret. */
static int fill_plain_reference(const struct ss_conf_section *s, struct ss_host_value *v,
                                const struct ss_conf_kv *kv)
{
    char *val = NULL;

    v->secret = ss_secret_ref_is_secret(kv->value);
    if (resolve_ref(s, v, kv, kv->value, &val) < 0)
        return -1;
    if (v->decl->type == SCIMSYNC_KEY_PATH || v->decl->type == SCIMSYNC_KEY_INPUT_PATH) {
        if (!*val) {
            ss_error("%s: %s %s: %s: empty path", v->where, s->label, v->decl->name, kv->value);
            free(val);
            return -1;
        }
        v->value = ss_config_resolve_path(val, kv->file);
        free(val);
        if (!v->value) {
            ss_error("out of memory");
            return -1;
        }
    } else {
        v->value = val;
    }
    ss_debug("%s: %s %s read from %s", v->where, s->label, v->decl->name, kv->value);
    return 0;
}

/* Value of one declared key: what the section set, else the default; PATH
 * made absolute, references resolved.  Logs and returns <0 on failure. */
static int fill_value(const struct ss_conf_section *s, struct ss_host_value *v, int resolve_secrets)
{
    const struct ss_conf_kv *kv = ss_conf_get(s, v->decl->name);
    const char *raw = kv ? kv->value : v->decl->default_value;

    v->where = kv ? kv->where : "<default>";
    if (!raw)
        return 0;
    switch (v->decl->type) {
    case SCIMSYNC_KEY_SECRET:
        v->secret = 1;
        if (!resolve_secrets)
            return 0;
        return resolve_ref(s, v, kv, raw, &v->value);
    case SCIMSYNC_KEY_PATH:
    case SCIMSYNC_KEY_INPUT_PATH:
    case SCIMSYNC_KEY_URL:
    case SCIMSYNC_KEY_STRING:
        if (kv && ss_secret_is_reference(raw)) {
            if (!resolve_secrets)
                return 0;
            return fill_plain_reference(s, v, kv);
        }
        if (kv && strncmp(raw, SS_LITERAL_PREFIX, strlen(SS_LITERAL_PREFIX)) == 0)
            raw += strlen(SS_LITERAL_PREFIX);
        if (v->decl->type == SCIMSYNC_KEY_PATH || v->decl->type == SCIMSYNC_KEY_INPUT_PATH)
            v->value = ss_config_resolve_path(raw, kv ? kv->file : NULL);
        else
            v->value = strdup(raw);
        break;
    default:
        v->value = strdup(raw);
        break;
    }
    if (!v->value) {
        ss_error("out of memory");
        return -1;
    }
    return 0;
}

static const char *const no_names[] = {NULL};

static const char *const *host_extra_names(const struct scimsync_host *h)
{
    const struct ss_instance *in = self(h);
    return in->extra_names ? in->extra_names : no_names;
}

void ss_instance_set_extra_names(struct ss_instance *in, const char *const *names)
{
    in->extra_names = names;
}

/* A value read through a reference meets the key's limits only now (the
 * configuration check saw the reference). */
static int check_resolved_limit(const struct ss_instance *in, const struct ss_host_value *v)
{
    const struct ss_conf_kv *kv = ss_conf_get(in->section, v->decl->name);
    const struct scimsync_key_limit *lim = ss_key_limit_find(in->plugin, v->decl->name);
    char why[256];

    if (!lim || !v->value || !kv || !ss_secret_is_reference(kv->value))
        return 0;
    if (!ss_key_limit_test(lim, v->decl->type, v->value, why, sizeof why))
        return 0;
    ss_error("%s: %s %s: the value read from %.*s is not allowed: %s", kv->where,
             in->section->label, kv->key, (int)strcspn(kv->value, ":"), kv->value, why);
    return -1;
}

int ss_instance_new(const struct ss_conf_section *section, const struct scimsync_plugin *plugin,
                    int resolve_secrets, struct ss_instance **out)
{
    struct ss_instance *in = calloc(1, sizeof(*in));
    size_t n = 0;

    *out = NULL;
    if (!in)
        goto oom;
    in->section = section;
    in->plugin = plugin;
    in->host = (struct scimsync_host){
        .struct_size = sizeof(struct scimsync_host),
        .ctx = in,
        .instance_name = section->name,
        .log = host_log,
        .config_get = host_config_get,
        .config_get_int = host_get_int,
        .config_get_bool = host_get_bool,
        .config_get_double = host_get_double,
        .config_where = host_config_where,
        .alloc = host_alloc,
        .realloc = host_realloc,
        .free = host_free,
        .should_stop = host_should_stop,
        .state_get = host_state_get,
        .state_put = host_state_put,
        .mapped_attributes = host_mapped_attributes,
        .count_request = host_count_request,
        .op_done = host_op_done,
        .user_size = sizeof(struct scimsync_user),
        .extra_names = host_extra_names,
    };
    for (const struct scimsync_config_key *k = plugin->keys; k && k->name; k++)
        n++;
    in->values = calloc(n ? n : 1, sizeof(*in->values));
    if (!in->values)
        goto oom;
    in->nvalues = n;
    for (size_t i = 0; i < n; i++) {
        in->values[i].decl = &plugin->keys[i];
        if (fill_value(section, &in->values[i], resolve_secrets) < 0 ||
            check_resolved_limit(in, &in->values[i]) < 0)
            goto fail;
    }
    *out = in;
    return 0;
oom:
    ss_error("out of memory");
fail:
    ss_instance_free(in);
    return -1;
}

int ss_instance_create(struct ss_instance *in)
{
    int rc = in->plugin->create(&in->host, &in->inst);

    if (rc < 0 || !in->inst) {
        in->inst = NULL;
        ss_error("%s:%d: %s: plugin %s could not start (%s)", in->section->file,
                 in->section->line, in->section->label, in->plugin->name,
                 rc < 0 ? ss_plugin_err_text(rc) : "no instance");
        return -1;
    }
    return 0;
}

void ss_instance_free(struct ss_instance *in)
{
    if (!in)
        return;
    if (in->inst)
        in->plugin->destroy(in->inst);
    for (size_t i = 0; i < in->nvalues; i++) {
        char *v = in->values[i].value;
        if (v && in->values[i].secret)
            explicit_bzero(v, strlen(v));
        free(v);
    }
    free(in->values);
    ss_mapping_attrs_free(in->mapped[0]);
    ss_mapping_attrs_free(in->mapped[1]);
    free(in);
}
