/* `scimsync check`: everything a run needs, tested without writing
 * anything.  The configuration loads, every reference resolves (values are
 * never printed), then each plugin's own checks run (plugin.h, ABI 1.1:
 * network reachability, TLS, credentials, a bounded read).  One line per
 * check; exit 0 when nothing failed, 2 otherwise. */
#include "check.h"

#include <stdio.h>
#include <string.h>

#include "cli_runtime.h"
#include "log.h"
#include "metrics_http.h"
#include "secrets.h"

struct check_out {
    FILE *out;
    size_t pass, warn, fail;
};

static const char *status_name(enum scimsync_check_status st)
{
    switch (st) {
    case SCIMSYNC_CHECK_PASS:
        return "PASS";
    case SCIMSYNC_CHECK_WARN:
        return "WARN";
    case SCIMSYNC_CHECK_FAIL:
        break;
    }
    return "FAIL";
}

static void line(struct check_out *c, enum scimsync_check_status st, const char *what,
                 const char *detail, const char *hint)
{
    if (st == SCIMSYNC_CHECK_PASS)
        c->pass++;
    else if (st == SCIMSYNC_CHECK_WARN)
        c->warn++;
    else
        c->fail++;
    fprintf(c->out, "%s  %-26s  %s\n", status_name(st), what, detail ? detail : "");
    if (st == SCIMSYNC_CHECK_FAIL && hint && *hint)
        fprintf(c->out, "      hint: %s\n", hint);
    fflush(c->out);
}

/* What a plugin reports, prefixed with its section ("target idc tls"). */
struct part_ctx {
    struct check_out *c;
    const char *component;
};

static void part_report(void *ctx, enum scimsync_check_status st, const char *what,
                        const char *detail, const char *hint)
{
    struct part_ctx *p = ctx;
    char name[160];

    snprintf(name, sizeof name, "%s %s", p->component, what ? what : "?");
    line(p->c, st, name, detail, hint);
}

/* The key is a reference to resolve: a SECRET key, or a STRING / PATH
 * value written as a reference. */
static const struct scimsync_config_key *decl_of(const struct scimsync_plugin *d, const char *key)
{
    for (const struct scimsync_config_key *k = d->keys; k && k->name; k++) {
        if (strcmp(k->name, key) == 0)
            return k;
    }
    return NULL;
}

static void check_refs(struct check_out *c, const struct ss_rt_part *p)
{
    const struct ss_conf_section *s = p->section;

    for (size_t i = 0; i < s->nkv; i++) {
        const struct ss_conf_kv *kv = &s->kv[i];
        const struct scimsync_config_key *k = decl_of(p->ph.desc, kv->key);
        char what[160], detail[768], hint[512], err[512];

        if (!k || !(k->type == SCIMSYNC_KEY_SECRET || ss_secret_is_reference(kv->value)))
            continue;
        snprintf(what, sizeof what, "%s ref %s", s->component, kv->key);
        if (ss_host_check_reference(kv, err, sizeof err) == 0) {
            snprintf(detail, sizeof detail, "%.200s resolves (%s)", kv->value, kv->where);
            line(c, SCIMSYNC_CHECK_PASS, what, detail, NULL);
        } else {
            snprintf(detail, sizeof detail, "%.200s: %s", kv->value, err);
            snprintf(hint, sizeof hint, "fix %s in %s (%s), or what it refers to", kv->key,
                     s->label, kv->where);
            line(c, SCIMSYNC_CHECK_FAIL, what, detail, hint);
        }
    }
}

static void check_part(struct check_out *c, const struct ss_rt_part *p)
{
    const struct scimsync_plugin *d = p->ph.desc;
    struct part_ctx ctx = {c, p->section->component};
    char detail[256];

    if (!SCIMSYNC_HAS_MEMBER(d, 1, check) || !d->check) {
        snprintf(detail, sizeof detail, "plugin %s %s has no checks (ABI %u.%u)", d->name,
                 d->version ? d->version : "?", (unsigned)d->abi_major, (unsigned)d->abi_minor);
        line(c, SCIMSYNC_CHECK_WARN, p->section->component, detail, NULL);
        return;
    }
    size_t before = c->fail;
    int rc = d->check(p->inst->inst, 0, part_report, &ctx);
    if (rc < 0 && c->fail == before) /* a plugin failing without saying why */
        line(c, SCIMSYNC_CHECK_FAIL, p->section->component, "the plugin's checks failed", NULL);
}

int ss_check_run(const struct ss_cli_opts *o, FILE *out)
{
    struct check_out c = {.out = out};
    struct ss_runtime rt;
    size_t refs_failed;
    char detail[256];

    if (ss_runtime_open(&rt, o, SS_RT_CHECK) != SS_EXIT_OK) {
        line(&c, SCIMSYNC_CHECK_FAIL, "configuration", "does not load (errors above)",
             "scimsync validate lists each problem with its file and line");
        return SS_EXIT_READ;
    }
    snprintf(detail, sizeof detail, "%zu file(s), %zu source(s), target %s", rt.cfg.nfiles, rt.nsrc,
             rt.tgt.section->name);
    line(&c, SCIMSYNC_CHECK_PASS, "configuration", detail, NULL);
    if (rt.cfg.engine.metrics_listen) {
        struct sockaddr_storage a;
        socklen_t alen;
        char err[300];
        if (ss_listen_parse(rt.cfg.engine.metrics_listen, &a, &alen, err, sizeof err) == 0)
            line(&c, SCIMSYNC_CHECK_PASS, "engine metrics_listen", rt.cfg.engine.metrics_listen,
                 NULL);
        else
            line(&c, SCIMSYNC_CHECK_FAIL, "engine metrics_listen", err,
                 "set [engine] metrics_listen to ADDR:PORT, e.g. 127.0.0.1:9464");
    }
    for (size_t i = 0; i < rt.nsrc; i++)
        check_refs(&c, &rt.src[i]);
    check_refs(&c, &rt.tgt);
    refs_failed = c.fail;
    ss_runtime_close(&rt);
    if (refs_failed) {
        line(&c, SCIMSYNC_CHECK_WARN, "connections", "not checked: a reference did not resolve",
             NULL);
        goto out;
    }
    if (ss_runtime_open(&rt, o, SS_RT_RUN) != SS_EXIT_OK) {
        line(&c, SCIMSYNC_CHECK_FAIL, "plugins", "could not start (errors above)", NULL);
        goto out;
    }
    for (size_t i = 0; i < rt.nsrc && !ss_host_stop_requested(); i++)
        check_part(&c, &rt.src[i]);
    if (!ss_host_stop_requested())
        check_part(&c, &rt.tgt);
    ss_runtime_close(&rt);
out:
    fprintf(out, "%zu passed, %zu warning(s), %zu failed\n", c.pass, c.warn, c.fail);
    return c.fail ? SS_EXIT_READ : SS_EXIT_OK;
}
