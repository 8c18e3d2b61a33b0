/* The shared AWS config and credentials files, read with inih. */
#include "aws_providers.h"

#include <errno.h>
#include <ini.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* Longest line accepted: session tokens in a credentials file run to a
 * few kilobytes. */
#define PROFILE_MAX_LINE (16 * 1024)
#define PROFILE_MAX_FILE (1024 * 1024)

static const char *const key_names[SS_AWS_P_NKEYS] = {
    [SS_AWS_P_ACCESS_KEY_ID] = "aws_access_key_id",
    [SS_AWS_P_SECRET_ACCESS_KEY] = "aws_secret_access_key",
    [SS_AWS_P_SESSION_TOKEN] = "aws_session_token",
    [SS_AWS_P_REGION] = "region",
    [SS_AWS_P_CREDENTIAL_PROCESS] = "credential_process",
    [SS_AWS_P_ROLE_ARN] = "role_arn",
    [SS_AWS_P_SOURCE_PROFILE] = "source_profile",
    [SS_AWS_P_CREDENTIAL_SOURCE] = "credential_source",
    [SS_AWS_P_ROLE_SESSION_NAME] = "role_session_name",
    [SS_AWS_P_EXTERNAL_ID] = "external_id",
    [SS_AWS_P_DURATION_SECONDS] = "duration_seconds",
    [SS_AWS_P_WEB_IDENTITY_TOKEN_FILE] = "web_identity_token_file",
    [SS_AWS_P_MFA_SERIAL] = "mfa_serial",
    [SS_AWS_P_SSO_SESSION] = "sso_session",
    [SS_AWS_P_SSO_START_URL] = "sso_start_url",
    [SS_AWS_P_SSO_REGION] = "sso_region",
    [SS_AWS_P_SSO_ACCOUNT_ID] = "sso_account_id",
    [SS_AWS_P_SSO_ROLE_NAME] = "sso_role_name",
};

const char *ss_aws_pkey_name(enum ss_aws_pkey k)
{
    return key_names[k];
}

void ss_aws_profile_free(struct ss_aws_profile *p)
{
    for (int k = 0; k < SS_AWS_P_NKEYS; k++)
        ss_aws_wipe_free(p->v[k]);
    memset(p, 0, sizeof(*p));
}

void ss_aws_profile_where(const struct ss_aws_profile *p, enum ss_aws_pkey k, char *out,
                          size_t outlen)
{
    snprintf(out, outlen, "%s:%d", p->path[p->vfrom[k]], p->vline[k]);
}

const char *ss_aws_profile_name(void)
{
    const char *n = getenv("AWS_PROFILE");
    return n && *n ? n : "default";
}

int ss_aws_home_dir(char *out, size_t outlen, char *err, size_t errlen)
{
    const char *h = getenv("HOME");
    struct passwd pw, *res = NULL;
    char buf[1024];

    if ((!h || !*h) && getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
        h = res->pw_dir;
    if (!h || !*h) {
        snprintf(err, errlen, "no home directory (HOME is not set)");
        return -1;
    }
    if ((size_t)snprintf(out, outlen, "%s", h) >= outlen) {
        snprintf(err, errlen, "home directory path too long");
        return -1;
    }
    return 0;
}

/* env, else ~/.aws/dflt; a leading "~/" is the home directory, as in the SDKs. */
static int one_path(const char *env, const char *dflt, char *out, size_t outlen, char *err,
                    size_t errlen)
{
    const char *v = getenv(env);
    char home[SS_AWS_PATH_MAX];
    int n;

    if (v && *v && strncmp(v, "~/", 2) != 0) {
        n = snprintf(out, outlen, "%s", v);
    } else {
        if (ss_aws_home_dir(home, sizeof(home), err, errlen) < 0)
            return -1;
        n = v && *v ? snprintf(out, outlen, "%s/%s", home, v + 2)
                    : snprintf(out, outlen, "%s/.aws/%s", home, dflt);
    }
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "%s: path too long", env);
        return -1;
    }
    return 0;
}

int ss_aws_config_paths(char *config, size_t clen, char *creds, size_t crlen, char *err,
                        size_t errlen)
{
    if (one_path("AWS_CONFIG_FILE", "config", config, clen, err, errlen) < 0)
        return -1;
    return one_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", creds, crlen, err, errlen);
}

struct parse_ctx {
    FILE *fp;
    const char *path;
    int is_config;
    const char *kind, *name;
    struct ss_aws_profile *p;
    int lineno, at_line_start, too_long;
    size_t line_len;
    char prev_key[64]; /* last key of the wanted section, to spot continuations */
    char *err;
    size_t errlen;
    int failed;
};

/* fgets-style reader that counts lines (this inih has no
 * INI_HANDLER_LINENO) and notices lines over the cap. */
static char *counting_reader(char *str, int num, void *stream)
{
    struct parse_ctx *c = stream;
    char *r = fgets(str, num, c->fp);
    size_t n;

    if (!r)
        return NULL;
    if (c->at_line_start) {
        c->lineno++;
        c->line_len = 0;
    }
    n = strlen(r);
    c->line_len += n;
    c->at_line_start = n > 0 && r[n - 1] == '\n';
    if (c->line_len > PROFILE_MAX_LINE && !c->too_long)
        c->too_long = c->lineno;
    return r;
}

/* Does [section] name what we look for?  "profile  x" and "sso-session x"
 * take any run of blanks between the words, as the SDKs do. */
static int section_matches(const struct parse_ctx *c, const char *section)
{
    size_t kl = strlen(c->kind);
    const char *rest;

    if (!strcmp(c->kind, "profile")) {
        if (!c->is_config)
            return !strcmp(section, c->name);
        if (!strcmp(c->name, "default") && !strcmp(section, "default"))
            return 1;
    } else if (!c->is_config) {
        return 0;
    }
    if (strncmp(section, c->kind, kl) || (section[kl] != ' ' && section[kl] != '\t'))
        return 0;
    rest = section + kl;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return !strcmp(rest, c->name);
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    struct parse_ctx *c = user;
    struct ss_aws_profile *p = c->p;
    int which = c->is_config ? 0 : 1;

    if (c->failed)
        return 0;
    if (!section_matches(c, section)) {
        c->prev_key[0] = '\0';
        return 1;
    }
    if (!p->found) {
        p->found = 1;
        p->where = which;
    }
    for (int k = 0; k < SS_AWS_P_NKEYS; k++) {
        if (strcasecmp(key, key_names[k]) != 0)
            continue;
        /* inih hands indented lines over as more values of the key above
         * them: right for `s3 =` sub-sections (ignored below), wrong here. */
        if (!strcasecmp(c->prev_key, key)) {
            snprintf(c->err, c->errlen,
                     "%s:%d: [%s]: %s is given twice or followed by an indented line", c->path,
                     c->lineno, section, key_names[k]);
            c->failed = 1;
            return 0;
        }
        snprintf(c->prev_key, sizeof(c->prev_key), "%s", key);
        ss_aws_wipe_free(p->v[k]);
        p->v[k] = ss_aws_strdup(value);
        if (!p->v[k]) {
            snprintf(c->err, c->errlen, "out of memory");
            c->failed = 1;
            return 0;
        }
        p->vfrom[k] = (unsigned char)which;
        p->vline[k] = c->lineno;
        return 1;
    }
    /* Keys of other tools, and the lines of nested sub-sections. */
    snprintf(c->prev_key, sizeof(c->prev_key), "%.63s", key);
    return 1;
}

int ss_aws_profile_parse(FILE *fp, const char *path, int is_config, const char *kind,
                         const char *name, struct ss_aws_profile *p, char *err, size_t errlen)
{
    struct parse_ctx c = {.fp = fp,
                          .path = path,
                          .is_config = is_config,
                          .kind = kind,
                          .name = name,
                          .p = p,
                          .at_line_start = 1,
                          .err = err,
                          .errlen = errlen};
    /* inih's settings are process-wide; core/conf/config_read.c sets its own. */
    bool s_stack = ini_use_stack, s_realloc = ini_allow_realloc, s_multi = ini_allow_multiline,
         s_inline = ini_allow_inline_comments, s_novalue = ini_allow_no_value;
    int s_max = ini_max_line, rc;

    snprintf(p->path[is_config ? 0 : 1], sizeof(p->path[0]), "%s", path);
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = PROFILE_MAX_LINE + 3;
    ini_allow_multiline = true;        /* nested `s3 =` blocks are continuation lines */
    ini_allow_inline_comments = false; /* a value is taken whole, as botocore does */
    ini_allow_no_value = false;
    rc = ini_parse_stream(counting_reader, &c, handler, &c);
    ini_use_stack = s_stack;
    ini_allow_realloc = s_realloc;
    ini_max_line = s_max;
    ini_allow_multiline = s_multi;
    ini_allow_inline_comments = s_inline;
    ini_allow_no_value = s_novalue;

    if (c.failed)
        return -1;
    if (c.too_long) {
        snprintf(err, errlen, "%s:%d: line longer than %d bytes", path, c.too_long,
                 PROFILE_MAX_LINE);
        return -1;
    }
    if (rc == -2) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s:%d: not a [section] or key = value line", path, rc);
        return -1;
    }
    return 0;
}

/* 1 parsed, 0 no such file, <0 error. */
static int parse_path(const char *path, int is_config, const char *kind, const char *name,
                      struct ss_aws_profile *p, char *err, size_t errlen)
{
    struct stat st;
    FILE *fp = fopen(path, "r");
    int rc;

    if (!fp) {
        const char *env = getenv(is_config ? "AWS_CONFIG_FILE" : "AWS_SHARED_CREDENTIALS_FILE");
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        /* A home directory we may not enter (a service user with HOME=/root)
         * means no files; a file named in the environment must be readable. */
        if (errno == EACCES && !(env && *env)) {
            ss_debug("%s: %s; taken as absent", path, strerror(errno));
            return 0;
        }
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PROFILE_MAX_FILE) {
        snprintf(err, errlen, "%s is not a regular file of at most %d bytes", path,
                 PROFILE_MAX_FILE);
        fclose(fp);
        return -1;
    }
    p->exists[is_config ? 0 : 1] = 1;
    rc = ss_aws_profile_parse(fp, path, is_config, kind, name, p, err, errlen);
    fclose(fp);
    return rc < 0 ? -1 : 1;
}

int ss_aws_profile_load(const char *kind, const char *name, struct ss_aws_profile *p, char *err,
                        size_t errlen)
{
    char config[SS_AWS_PATH_MAX], creds[SS_AWS_PATH_MAX];

    memset(p, 0, sizeof(*p));
    if (ss_aws_config_paths(config, sizeof(config), creds, sizeof(creds), err, errlen) < 0)
        return -1;
    snprintf(p->path[0], sizeof(p->path[0]), "%s", config);
    snprintf(p->path[1], sizeof(p->path[1]), "%s", creds);
    if (parse_path(config, 1, kind, name, p, err, errlen) < 0)
        goto fail;
    /* The credentials file comes second: its values win, as in the SDKs. */
    if (!strcmp(kind, "profile") && parse_path(creds, 0, kind, name, p, err, errlen) < 0)
        goto fail;
    return p->found ? 1 : 0;
fail:
    ss_aws_profile_free(p);
    return -1;
}

int ss_aws_profile_region(char *out, size_t outlen, char *err, size_t errlen)
{
    struct ss_aws_profile p;
    int rc = ss_aws_profile_load("profile", ss_aws_profile_name(), &p, err, errlen);

    if (rc <= 0)
        return rc;
    rc = 0;
    if (p.v[SS_AWS_P_REGION] && *p.v[SS_AWS_P_REGION]) {
        if ((size_t)snprintf(out, outlen, "%s", p.v[SS_AWS_P_REGION]) >= outlen) {
            char where[SS_AWS_PATH_MAX + 16];
            ss_aws_profile_where(&p, SS_AWS_P_REGION, where, sizeof(where));
            snprintf(err, errlen, "%s: region is too long", where);
            rc = -1;
        } else {
            rc = 1;
        }
    }
    ss_aws_profile_free(&p);
    return rc;
}
