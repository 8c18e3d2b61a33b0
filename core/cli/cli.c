/* Command line parsing and the commands. */
#include "cli.h"

#include <dirent.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli_runtime.h"
#include "config_print.h"
#include "daemon.h"
#include "key_limits.h"
#include "log.h"
#include "mapping.h"
#include "metrics.h"
#include "suggest.h"

enum {
    OPT_CONF_DIR = 256,
    OPT_LOG_FORMAT,
    OPT_DRY_RUN,
    OPT_FORCE_DELETES,
    OPT_FORCE_UPDATES,
    OPT_JSON,
    OPT_KEYS,
    OPT_REPORT,
    OPT_METRICS_EMF,
    OPT_METRICS_DIMENSIONS,
    OPT_FULL,
    OPT_EXIT_CODE,
    OPT_USER,
    OPT_GROUP
};

struct cli_args {
    struct ss_cli_opts o;
    int help;
    int dry_run;
    int force_deletes;
    int force_updates;
    int json;
    int full; /* sync --full: read the target in full (state store) */
    int exit_code;
    const char *user, *group; /* sync / plan --user NAME, --group NAME */
    const char *keys;
    const char *cmd;
    char **pos; /* positional arguments after the command */
    int npos;
    char conf_dir_buf[4096]; /* the conf.d beside -c FILE */
};

static void on_stop_signal(int sig)
{
    if (ss_host_stop_requested()) {
        /* Second signal: the user insists, stop now. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    ss_host_request_stop();
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "scimsync: %s%s%s\nTry 'scimsync --help'.\n", msg, arg ? " " : "",
            arg ? arg : "");
    return SS_EXIT_USAGE;
}

static const char *const commands[] = {"sync",    "plan",   "check", "validate", "config",
                                       "plugins", "daemon", "help",  "version",  NULL};

static int is_command(const char *cmd)
{
    for (size_t i = 0; commands[i]; i++) {
        if (strcmp(cmd, commands[i]) == 0)
            return 1;
    }
    return 0;
}

static int unknown_command(const char *cmd)
{
    struct ss_suggest sg;
    char hint[160];

    ss_suggest_init(&sg, cmd);
    ss_suggest_add_list(&sg, commands);
    fprintf(stderr, "scimsync: unknown command %s%s\nTry 'scimsync --help'.\n", cmd,
            ss_suggest_text(&sg, NULL, NULL, hint, sizeof hint));
    return SS_EXIT_USAGE;
}

/* getopt_long takes any unique prefix of a long option ("--force" for
 * "--force-deletes"): an abbreviation must never pick a dangerous option,
 * so every "--name" is checked against the full names first. */
static int check_long_names(int argc, char **argv, const struct option *longopts)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const struct option *o;
        size_t len;

        if (strcmp(arg, "--") == 0)
            return SS_EXIT_OK;
        if (arg[0] == '-' && arg[1] != '-') {
            /* a short cluster: "-c FILE" / "-vc FILE" take the next word */
            const char *c = strchr(arg + 1, 'c');
            if (c && c[1] == '\0')
                i++;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0)
            continue;
        len = strcspn(arg + 2, "=");
        for (o = longopts; o->name; o++) {
            if (strlen(o->name) == len && strncmp(o->name, arg + 2, len) == 0)
                break;
        }
        if (!o->name) {
            struct ss_suggest sg;
            char word[64], hint[200];
            snprintf(word, sizeof word, "%.*s", (int)(len < 63 ? len : 63), arg + 2);
            ss_suggest_init(&sg, word);
            for (o = longopts; o->name; o++)
                ss_suggest_add(&sg, o->name);
            fprintf(stderr,
                    "scimsync: unknown option --%s%s (long options are never abbreviated)\n"
                    "Try 'scimsync --help'.\n",
                    word, ss_suggest_text(&sg, "--", NULL, hint, sizeof hint));
            return SS_EXIT_USAGE;
        }
        if (o->has_arg == required_argument && arg[2 + len] != '=')
            i++;
    }
    return SS_EXIT_OK;
}

static int parse_args(int argc, char **argv, struct cli_args *a)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"conf-dir", required_argument, NULL, OPT_CONF_DIR},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"force-deletes", no_argument, NULL, OPT_FORCE_DELETES},
        {"force-updates", no_argument, NULL, OPT_FORCE_UPDATES},
        {"json", no_argument, NULL, OPT_JSON},
        {"keys", required_argument, NULL, OPT_KEYS},
        {"report", required_argument, NULL, OPT_REPORT},
        {"metrics-emf", no_argument, NULL, OPT_METRICS_EMF},
        {"metrics-dimensions", required_argument, NULL, OPT_METRICS_DIMENSIONS},
        {"full", no_argument, NULL, OPT_FULL},
        {"exit-code", no_argument, NULL, OPT_EXIT_CODE},
        {"user", required_argument, NULL, OPT_USER},
        {"group", required_argument, NULL, OPT_GROUP},
        {NULL, 0, NULL, 0},
    };
    int c;
    int rc;

    memset(a, 0, sizeof(*a));
    a->o.config = SCIMSYNC_DEFAULT_CONFIG;
    a->o.conf_dir = SCIMSYNC_DEFAULT_CONF_DIR;
    a->o.log_level = -1;
    a->o.log_format = -1;
    opterr = 0;
    optind = 1;
    rc = check_long_names(argc, argv, longopts);
    if (rc != SS_EXIT_OK)
        return rc;
    while ((c = getopt_long(argc, argv, ":c:vqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->o.config = optarg;
            a->o.config_explicit = 1;
            break;
        case OPT_CONF_DIR:
            a->o.conf_dir = optarg;
            a->o.dir_explicit = 1;
            break;
        case 'v':
            a->o.log_level = SCIMSYNC_LOG_DEBUG;
            break;
        case 'q':
            a->o.log_level = SCIMSYNC_LOG_ERROR;
            break;
        case OPT_LOG_FORMAT:
            if (strcmp(optarg, "text") == 0)
                a->o.log_format = SS_LOG_TEXT;
            else if (strcmp(optarg, "json") == 0)
                a->o.log_format = SS_LOG_JSON;
            else
                return usage_error("--log-format takes text or json, not", optarg);
            break;
        case 'h':
            a->help = 1;
            break;
        case 'V':
            a->cmd = "version";
            break;
        case OPT_DRY_RUN:
            a->dry_run = 1;
            break;
        case OPT_FORCE_DELETES:
            a->force_deletes = 1;
            break;
        case OPT_FORCE_UPDATES:
            a->force_updates = 1;
            break;
        case OPT_JSON:
            a->json = 1;
            break;
        case OPT_KEYS:
            a->keys = optarg;
            break;
        case OPT_REPORT:
            if (!*optarg)
                return usage_error("--report needs a file name", NULL);
            a->o.report = optarg;
            break;
        case OPT_METRICS_EMF:
            a->o.metrics_emf = 1;
            break;
        case OPT_METRICS_DIMENSIONS: {
            char err[160];
            if (ss_metrics_check_dimensions(optarg, err, sizeof err) < 0)
                return usage_error("--metrics-dimensions:", err);
            a->o.metrics_dimensions = optarg;
            break;
        }
        case OPT_FULL:
            a->full = 1;
            break;
        case OPT_EXIT_CODE:
            a->exit_code = 1;
            break;
        case OPT_USER:
        case OPT_GROUP: {
            const char **slot = c == OPT_USER ? &a->user : &a->group;
            const char *opt = c == OPT_USER ? "--user" : "--group";
            if (!*optarg)
                return usage_error(c == OPT_USER ? "--user needs a user name"
                                                 : "--group needs a group name",
                                   NULL);
            if (*slot || (c == OPT_USER ? a->group : a->user))
                return usage_error("one --user or one --group per run, not a second:", opt);
            *slot = optarg;
            break;
        }
        case ':':
            return usage_error("missing argument for", argv[optind - 1]);
        default:
            if (optopt > 0 && optopt < 256) {
                char opt[3] = {'-', (char)optopt, '\0'};
                return usage_error("unknown option", opt);
            }
            return usage_error("unknown option", argv[optind - 1]);
        }
    }
    /* -c FILE alone: its own conf.d, never the system one. */
    if (a->o.config_explicit && !a->o.dir_explicit) {
        if (ss_cli_conf_dir_beside(a->o.config, a->conf_dir_buf, sizeof(a->conf_dir_buf)) < 0)
            return usage_error("path too long:", a->o.config);
        a->o.conf_dir = a->conf_dir_buf;
    }
    if (optind < argc) {
        a->cmd = argv[optind];
        a->pos = argv + optind + 1;
        a->npos = argc - optind - 1;
    }
    return SS_EXIT_OK;
}

/* Command options given to a command that does not take them. */
static int check_options(const struct cli_args *a)
{
    const char *cmd = a->cmd;
    int sync = strcmp(cmd, "sync") == 0;
    int daemon = strcmp(cmd, "daemon") == 0;

    if (a->dry_run && !sync)
        return usage_error("--dry-run is an option of sync, not of", cmd);
    /* A daemon run would carry the override into every later run, long
     * after the plan it was meant for: a force is for one sync only. */
    if (daemon && (a->force_deletes || a->force_updates)) {
        fprintf(stderr,
                "scimsync: daemon does not take %s: an override would apply to every later run, "
                "not to the plan it was given for\n"
                "Run 'scimsync sync %s' once after checking 'scimsync plan', then start the "
                "daemon.\n",
                a->force_deletes ? "--force-deletes" : "--force-updates",
                a->force_deletes ? "--force-deletes" : "--force-updates");
        return SS_EXIT_USAGE;
    }
    if (a->force_deletes && !sync)
        return usage_error("--force-deletes is an option of sync, not of", cmd);
    if (a->force_updates && !sync)
        return usage_error("--force-updates is an option of sync, not of", cmd);
    if (a->json && strcmp(cmd, "plan") != 0 && !sync)
        return usage_error("--json is an option of sync and plan, not of", cmd);
    if (a->o.report && strcmp(cmd, "plan") != 0 && !sync && !daemon)
        return usage_error("--report is an option of sync, plan and daemon, not of", cmd);
    if (a->full && !sync && strcmp(cmd, "plan") != 0)
        return usage_error("--full is an option of sync and plan, not of", cmd);
    if ((a->user || a->group) && !sync && strcmp(cmd, "plan") != 0)
        return usage_error(a->user ? "--user is an option of sync and plan, not of"
                                   : "--group is an option of sync and plan, not of",
                           cmd);
    if ((a->user || a->group) && a->full)
        return usage_error("--full reads the target in full; it does not go with",
                           a->user ? "--user" : "--group");
    if (a->exit_code && strcmp(cmd, "plan") != 0)
        return usage_error("--exit-code is an option of plan, not of", cmd);
    if (a->keys && strcmp(cmd, "plugins") != 0)
        return usage_error("--keys is an option of plugins, not of", cmd);
    if (a->npos > 0 && strcmp(cmd, "help") != 0)
        return usage_error("unexpected argument", a->pos[0]);
    return SS_EXIT_OK;
}

static int cmd_run(const struct cli_args *a, int dry_run, int json, int exit_code)
{
    struct ss_runtime rt;
    struct ss_engine_options opt;
    struct ss_summary sum;
    struct ss_lock lock = SS_LOCK_INIT;
    int rc;

    rc = ss_runtime_open(&rt, &a->o, SS_RT_RUN);
    if (rc != SS_EXIT_OK)
        return rc;
    ss_runtime_engine_options(&rt, &opt);
    opt.dry_run = dry_run;
    opt.command = dry_run && strcmp(a->cmd, "plan") == 0 ? "plan" : "sync";
    if (json) {
        /* the report on stdout, the plan inside it */
        opt.print_report = 1;
        opt.report_with_plan = 1;
    }
    opt.exit_code_changes = exit_code;
    opt.safety.force_deletes = a->force_deletes;
    opt.safety.force_updates = a->force_updates;
    opt.full = a->full;
    opt.select_user = a->user;
    opt.select_group = a->group;
    /* A plan writes nothing and may read during a sync: only a real sync
     * takes the target's lock. */
    if (!dry_run && (rc = ss_runtime_lock(&rt, "sync", &lock)) != SS_EXIT_OK) {
        ss_runtime_close(&rt);
        return rc;
    }
    rc = ss_engine_run(rt.esrc, rt.nsrc, &rt.etgt, &opt, &sum);
    fflush(stdout);
    ss_lock_release(&lock);
    ss_runtime_close(&rt);
    return rc;
}

static int cmd_validate(const struct cli_args *a)
{
    struct ss_runtime rt;
    int rc;

    /* Every problem of every file, section, key, plugin and mapping line
     * in one pass: the runtime goes on after each one. */
    rc = ss_runtime_open(&rt, &a->o, SS_RT_VALIDATE);
    if (rc != SS_EXIT_OK) {
        ss_error("configuration is not valid (every problem is listed above)");
        return rc;
    }
    {
        for (size_t i = 0; i < rt.cfg.nfiles; i++)
            printf("file     %s\n", rt.cfg.files[i]);
        for (size_t i = 0; i < rt.nsrc; i++) {
            const struct ss_rt_part *p = &rt.src[i];
            printf("source   %-16s plugin %s %s (%s), %zu mapping line(s)\n", p->section->name,
                   p->ph.desc->name, p->ph.desc->version ? p->ph.desc->version : "?", p->ph.path,
                   p->nmapping);
        }
        printf("target   %-16s plugin %s %s (%s)\n", rt.tgt.section->name, rt.tgt.ph.desc->name,
               rt.tgt.ph.desc->version ? rt.tgt.ph.desc->version : "?", rt.tgt.ph.path);
        printf("configuration is valid\n");
    }
    ss_runtime_close(&rt);
    return SS_EXIT_OK;
}

/* Search path for the plugins commands: configuration only when asked for
 * explicitly, so listing works on a machine without any. */
static int plugins_search_path(const struct cli_args *a, struct ss_search_path *sp)
{
    struct ss_config cfg;
    int rc;

    ss_cli_apply_logging(&a->o, NULL);
    if (!a->o.config_explicit && !a->o.dir_explicit)
        return ss_loader_search_path(NULL, sp);
    if (ss_config_load(&cfg, a->o.config, a->o.config_explicit, a->o.conf_dir, a->o.dir_explicit) <
        0) {
        ss_config_free(&cfg);
        return -1;
    }
    rc = ss_loader_search_path(cfg.engine.plugin_path, sp);
    ss_config_free(&cfg);
    return rc;
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The *.so names of one folder, sorted; caller frees. */
static char **list_so(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t cap = 0;

    *n = 0;
    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
            continue;
        if (*n >= 4096)
            break; /* a plugin folder, not a dump: cap it */
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof(*nn));
            if (!nn)
                break;
            names = nn;
            cap = ncap;
        }
        names[*n] = strdup(de->d_name);
        if (!names[*n])
            break;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof(*names), cmp_names);
    return names;
}

static int print_plugin_keys(const struct ss_search_path *sp, const char *spec)
{
    struct ss_plugin_handle h;
    char err[1024];
    char *path = ss_loader_find(sp, spec, NULL, err, sizeof(err));
    const struct scimsync_plugin *d;

    if (!path) {
        ss_error("%s", err);
        return SS_EXIT_USAGE;
    }
    if (ss_loader_open(path, 0, &h, err, sizeof(err)) < 0) {
        ss_error("%s", err);
        free(path);
        return SS_EXIT_USAGE;
    }
    free(path);
    d = h.desc;
    printf("%s %s: %s plugin, ABI %u.%u\n", d->name, d->version ? d->version : "?",
           ss_plugin_kind_name(d->kind), (unsigned)d->abi_major, (unsigned)d->abi_minor);
    if (d->description)
        printf("%s\n", d->description);
    printf("file: %s\n\nKeys of [%s NAME]:\n", h.path, ss_plugin_kind_name(d->kind));
    ss_cli_print_keys(stdout,
                      d->kind == SCIMSYNC_PLUGIN_SOURCE ? ss_source_core_keys : ss_target_core_keys,
                      d->keys);
    if (ss_key_limits_of(d)) {
        printf("\nAllowed values (validate and every run check them):\n");
        for (const struct scimsync_key_limit *l = ss_key_limits_of(d); l->key; l++) {
            char rule[512];
            ss_key_limit_text(l, rule, sizeof rule);
            printf("  %s: %s\n", l->key, rule);
        }
    }
    if (d->kind == SCIMSYNC_PLUGIN_SOURCE) {
        /* A plugin without its own defaults gets the engine's. */
        const char *const *m = d->source->default_mapping ? d->source->default_mapping
                                                          : ss_default_mapping;
        printf("\nDefault mapping (override in [mapping NAME]):\n");
        for (; *m; m++)
            printf("  %s\n", *m);
    }
    ss_loader_close(&h);
    return SS_EXIT_OK;
}

/* Nonzero when a folder before sp->dirs[i] holds the same file name: the
 * name then loads that one. */
static int shadowed(const struct ss_search_path *sp, size_t i, const char *name, char *first,
                    size_t firstlen)
{
    for (size_t k = 0; k < i; k++) {
        snprintf(first, firstlen, "%s/%s", sp->dirs[k], name);
        if (access(first, F_OK) == 0)
            return 1;
    }
    return 0;
}

static int cmd_plugins(const struct cli_args *a, const char *keys)
{
    struct ss_search_path sp;
    int rc = SS_EXIT_OK;

    if (plugins_search_path(a, &sp) < 0)
        return SS_EXIT_USAGE;
    if (keys) {
        rc = print_plugin_keys(&sp, keys);
        ss_loader_search_path_free(&sp);
        return rc;
    }
    printf("%-12s %-7s %-10s %-5s %s\n", "NAME", "KIND", "VERSION", "ABI", "FILE");
    for (size_t i = 0; i < sp.n; i++) {
        size_t n;
        char **names = list_so(sp.dirs[i], &n);
        for (size_t j = 0; j < n; j++) {
            struct ss_plugin_handle h;
            char err[1024];
            char path[4096];
            char first[1024];
            snprintf(path, sizeof(path), "%s/%s", sp.dirs[i], names[j]);
            if (shadowed(&sp, i, names[j], first, sizeof(first))) {
                printf("%-12s %-7s %-10s %-5s %s (shadowed by %s)\n", "-", "-", "-", "-", path,
                       first);
                free(names[j]);
                continue;
            }
            if (ss_loader_open(path, 0, &h, err, sizeof(err)) < 0) {
                /* err starts with the file name */
                printf("%-12s %-7s %-10s %-5s %s\n", "-", "-", "-", "-", err);
            } else {
                char abi[16];
                snprintf(abi, sizeof(abi), "%u.%u", (unsigned)h.desc->abi_major,
                         (unsigned)h.desc->abi_minor);
                printf("%-12s %-7s %-10s %-5s %s\n", h.desc->name,
                       ss_plugin_kind_name(h.desc->kind), h.desc->version ? h.desc->version : "?",
                       abi, h.path);
                ss_loader_close(&h);
            }
            free(names[j]);
        }
        free(names);
    }
    printf("search path:");
    for (size_t i = 0; i < sp.n; i++)
        printf("%s%s", i ? ":" : " ", sp.dirs[i]);
    printf("\n");
    ss_loader_search_path_free(&sp);
    return rc;
}

static int cmd_help(const struct cli_args *a)
{
    if (a->npos == 0)
        return ss_cli_print_help(stdout, NULL), SS_EXIT_OK;
    if (strcmp(a->pos[0], "plugin") == 0) {
        if (a->npos != 2)
            return usage_error("usage: scimsync help plugin NAME", NULL);
        return cmd_plugins(a, a->pos[1]);
    }
    if (strcmp(a->pos[0], "config") == 0) {
        printf("Keys of [engine]:\n");
        ss_cli_print_keys(stdout, NULL, ss_engine_keys);
        printf("\nCore keys of [source NAME] (plus the plugin's keys: help plugin NAME):\n");
        ss_cli_print_keys(stdout, NULL, ss_source_core_keys);
        printf("\nCore keys of [target NAME] (plus the plugin's keys):\n");
        ss_cli_print_keys(stdout, NULL, ss_target_core_keys);
        printf("\n[mapping NAME]: one line per schema field, field = template\n");
        return SS_EXIT_OK;
    }
    if (a->npos > 1 || ss_cli_print_help(stdout, a->pos[0]) < 0)
        return usage_error("no help on", a->pos[0]);
    return SS_EXIT_OK;
}

int ss_cli_main(int argc, char **argv)
{
    struct cli_args a;
    int rc = parse_args(argc, argv, &a);

    if (rc != SS_EXIT_OK)
        return rc;
    if (!a.cmd) {
        if (a.help) {
            ss_cli_print_help(stdout, NULL);
            return SS_EXIT_OK;
        }
        return usage_error("no command given", NULL);
    }
    if (a.help) {
        if (ss_cli_print_help(stdout, a.cmd) < 0)
            return unknown_command(a.cmd);
        return SS_EXIT_OK;
    }
    if (!is_command(a.cmd))
        return unknown_command(a.cmd);
    rc = check_options(&a);
    if (rc != SS_EXIT_OK)
        return rc;
    install_signals();
    if (strcmp(a.cmd, "help") == 0)
        return cmd_help(&a);
    if (strcmp(a.cmd, "version") == 0) {
        printf("scimsync %s (plugin ABI %d.%d)\n", SCIMSYNC_VERSION, SCIMSYNC_ABI_MAJOR,
               SCIMSYNC_ABI_MINOR);
        return SS_EXIT_OK;
    }
    if (strcmp(a.cmd, "sync") == 0)
        return cmd_run(&a, a.dry_run, a.json, 0);
    if (strcmp(a.cmd, "plan") == 0)
        return cmd_run(&a, 1, a.json, a.exit_code);
    if (strcmp(a.cmd, "check") == 0)
        return ss_check_run(&a.o, stdout);
    if (strcmp(a.cmd, "validate") == 0)
        return cmd_validate(&a);
    if (strcmp(a.cmd, "config") == 0)
        return ss_config_print_cmd(&a.o, stdout);
    if (strcmp(a.cmd, "plugins") == 0)
        return cmd_plugins(&a, a.keys);
    return ss_daemon_run(&a.o, 0, 0); /* check_options refused any force */
}
