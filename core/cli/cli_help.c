/* Help texts and key tables. */
#include <string.h>

#include "cli.h"
#include "config.h"

#define SS_HELP_EXIT_CODES                                                                         \
    "Exit codes:\n"                                                                                \
    "  0  success (sync: nothing failed; plan/validate: configuration is fine)\n"                  \
    "  1  usage or configuration error (bad option, file, key, plugin or secret)\n"                \
    "  2  a source or the target could not be read, or max_run_time passed while reading:\n"       \
    "     nothing was applied\n"                                                                   \
    "  3  some operations failed or were not attempted (max_run_time passed while applying)\n"     \
    "  4  refused by a safety limit (the error names it): nothing was applied; see\n"              \
    "     --force-deletes and --force-updates\n"                                                   \
    "  5  interrupted by SIGINT / SIGTERM: while reading, nothing was applied; while\n"            \
    "     applying, no new operation started and the requests in flight finished\n"                \
    "     ([engine] stop_grace); nothing is counted as failed\n"                                   \
    "  6  applied, but source entries with data errors were skipped (each logged as\n"             \
    "     an error: duplicates, missing required fields)\n"                                        \
    "  7  another run holds the target's lock ([engine] lock_file); the message names\n"           \
    "     its pid, host and start time: nothing was done\n"                                        \
    "  8  plan --exit-code: changes are pending\n"

static const char global_help[] =
    "Usage: scimsync [OPTIONS] COMMAND [COMMAND OPTIONS]\n"
    "\n"
    "Synchronizes users and groups from sources (CSV, LDAP / Active Directory) into a\n"
    "SCIM 2.0 target such as AWS IAM Identity Center.\n"
    "\n"
    "Commands:\n"
    "  sync       read sources and target, apply the changes\n"
    "  plan       print the changes a sync would make; writes nothing\n"
    "  validate   check configuration, plugins and mappings (no network, no secrets read)\n"
    "  check      test what a run needs (secrets, connections, TLS, credentials), write nothing\n"
    "  config     print the effective configuration, each value with its file:line\n"
    "  plugins    list the plugins found in the plugin search path\n"
    "  daemon     run sync every [engine] interval seconds until SIGTERM / SIGINT\n"
    "  version    print the version and plugin ABI\n"
    "  help       help on a command (help sync), the [engine] keys (help config)\n"
    "             or a plugin's keys (help plugin NAME)\n"
    "\n"
    "Options (before or after the command):\n"
    "  -c, --config FILE      main configuration file (default " SCIMSYNC_DEFAULT_CONFIG ")\n"
    "      --conf-dir DIR     drop-in folder, *.ini read in lexical order after the main\n"
    "                         file (default " SCIMSYNC_DEFAULT_CONF_DIR ";\n"
    "                         with -c FILE: the conf.d beside FILE)\n"
    "  -v, --verbose          log debug messages (overrides [engine] log_level)\n"
    "  -q, --quiet            log errors only (overrides [engine] log_level)\n"
    "      --log-format FMT   text or json (overrides [engine] log_format); json: structured\n"
    "                         events, and the run report (one line) on stdout in place of\n"
    "                         the plan and summary text\n"
    "      --report FILE      sync, plan, daemon: write the run report (JSON) to FILE\n"
    "                         after every run (overrides [engine] report)\n"
    "      --metrics-emf      print a CloudWatch EMF metrics line after every sync\n"
    "      --metrics-dimensions LIST  its dimensions, Name=value,... (overrides\n"
    "                         [engine] metrics_dimensions)\n"
    "  -h, --help             this help; COMMAND --help for a command's help\n"
    "Long options are never abbreviated.\n"
    "\n"
    "Plugin search path: $SCIMSYNC_PLUGIN_PATH, [engine] plugin_path, <binary>/../plugins,\n"
    "then " SCIMSYNC_DEFAULT_PLUGIN_DIR ".\n"
    "\n" SS_HELP_EXIT_CODES;

struct cmd_help {
    const char *name;
    const char *text;
};

static const struct cmd_help cmd_helps[] = {
    {"sync", "Usage: scimsync [OPTIONS] sync [--dry-run] [--force-deletes] [--force-updates]\n"
             "                        [--json] [--report FILE] [--full]\n"
             "                        [--user NAME | --group NAME]\n"
             "\n"
             "Reads every source and the target, prints the plan and applies it.\n"
             "\n"
             "  --dry-run        print the plan only; write nothing (same as plan)\n"
             "  --force-deletes  apply even when the plan exceeds a removal limit: users\n"
             "                   removed (max_deletes, max_delete_percent), groups deleted\n"
             "                   (max_group_deletes*), memberships removed\n"
             "                   (max_member_removal*, max_group_member_removal_percent)\n"
             "  --force-updates  apply even when the plan exceeds an update limit: users\n"
             "                   updated (max_user_update*), one field cleared on many\n"
             "                   users (max_field_clear*)\n"
             "  --json           print the run report (JSON, with the plan) on stdout in\n"
             "                   place of the plan and summary text\n"
             "  --report FILE    also write the run report to FILE (atomically)\n"
             "  --full           with [engine] state: read the whole target, not the state\n"
             "                   (repairs changes made by hand; docs/state.md)\n"
             "  --user NAME      that user only (its userName): read it and its groups from\n"
             "                   the sources and the target by filters, apply its create /\n"
             "                   update / reactivation and its memberships; a user gone\n"
             "                   from the sources gets on_missing; no group is created,\n"
             "                   renamed or deleted, nothing else is touched\n"
             "  --group NAME     that group only (its displayName) with its members: the\n"
             "                   group, its members' records and its memberships; no user\n"
             "                   is deactivated or deleted (docs/engine.md)\n"
             "\n" SS_HELP_EXIT_CODES},
    {"plan", "Usage: scimsync [OPTIONS] plan [--json] [--report FILE] [--exit-code] [--full]\n"
             "                        [--user NAME | --group NAME]\n"
             "\n"
             "Reads every source and the target and prints the changes a sync would make.\n"
             "Never writes to the target.\n"
             "\n"
             "The plan names the target and the sources first and ends with\n"
             "'Dry run: nothing was applied to the target.'\n"
             "\n"
             "  --json         print the run report (one JSON document, the plan in its\n"
             "                 \"plan\" member) on stdout\n"
             "  --report FILE  also write the run report to FILE (atomically)\n"
             "  --exit-code    exit 8 when changes are pending, 0 when there are none (for\n"
             "                 drift checks in CI); other exit codes are unchanged\n"
             "  --full         with [engine] state: read the whole target, not the state\n"
             "  --user NAME    the plan of that user only; --group NAME: of that group\n"
             "                 (as sync --user / --group)\n"
             "\n" SS_HELP_EXIT_CODES},
    {"check", "Usage: scimsync [OPTIONS] check\n"
              "\n"
              "Tests everything a run needs without writing anything: every secret and\n"
              "value reference resolves (values are never printed); each source: name\n"
              "resolution, TCP connect, TLS handshake (certificate subject, issuer, expiry,\n"
              "verification), bind, a bounded read counting the entries in scope (CSV: files\n"
              "readable, headers, rows); the target: TLS, token accepted (one page of one\n"
              "user), the paging the server offers, ServiceProviderConfig.  Every network\n"
              "step has a short timeout.\n"
              "\n"
              "One line per check: PASS|WARN|FAIL  WHAT  DETAIL, and under a FAIL a hint\n"
              "naming the key to fix.\n"
              "\n"
              "Exit codes: 0 nothing failed, 2 something failed (including a configuration\n"
              "that does not load).\n"},
    {"validate", "Usage: scimsync [OPTIONS] validate\n"
                 "\n"
                 "Reads the configuration, loads every configured plugin, checks every key\n"
                 "against the plugin's key table and every mapping line, the shape of URLs,\n"
                 "that input files (users_file, ca_file, ...) are readable and that env:\n"
                 "variables are set; warns when a secret would cross http:// or ldap://\n"
                 "without TLS.  Contacts no server and reads no secret.  Every problem is\n"
                 "reported in one run, with the closest known name for a typo.\n"
                 "\n"
                 "Exit codes: 0 valid, 1 not valid (each problem printed as file:line: ...).\n"},
    {"plugins", "Usage: scimsync [OPTIONS] plugins [--keys NAME]\n"
                "\n"
                "Lists every plugin in the search path: name, kind, version, ABI, file.\n"
                "A file that cannot be used is listed with the reason.  The configuration is\n"
                "read only when -c or --conf-dir is given (for [engine] plugin_path).\n"
                "\n"
                "  --keys NAME   print plugin NAME's configuration keys (same as\n"
                "                scimsync help plugin NAME)\n"
                "\n"
                "Exit codes: 0 listed, 1 usage error or plugin NAME not usable.\n"},
    {"config", "Usage: scimsync [OPTIONS] config\n"
               "\n"
               "Prints the effective configuration: the files read, then every section with\n"
               "each value and the file:line that set it, or 'default'.  Secrets are shown\n"
               "as their reference, never resolved.  (The keys themselves: help config.)\n"
               "\n"
               "Exit codes: 0 printed, 1 the configuration has errors (logged).\n"},
    {"daemon", "Usage: scimsync [OPTIONS] daemon\n"
               "\n"
               "Runs a sync, then one every [engine] interval seconds plus a random delay of\n"
               "up to [engine] jitter seconds.  Each run logs its duration and the time of\n"
               "the next one.  A failed run is logged and retried at the next interval.\n"
               "SIGTERM / SIGINT: finish the run in flight (when [engine] stop_grace\n"
               "seconds pass first, it is interrupted: no new operation, nothing counted\n"
               "as failed), start no new one, exit 0; the last log line says which.\n"
               "SIGHUP: re-read the configuration and reload plugins before the next run\n"
               "(a configuration that does not load is logged; the previous one stays in\n"
               "use).  [engine] metrics_listen = ADDR:PORT serves /metrics (Prometheus)\n"
               "and /healthz (503 when no run succeeded within [engine] healthz_max_age).\n"
               "\n"
               "--force-deletes / --force-updates are refused: an override would apply to\n"
               "every later run.  Run 'scimsync sync --force-deletes' once instead.\n"
               "\n"
               "Exit codes: 0 stopped by a signal, 1 configuration error at start.\n"},
    {"version", "Usage: scimsync version\n\nPrints the version and the plugin ABI version.\n"},
    {"help", "Usage: scimsync help [COMMAND | config | plugin NAME]\n"
             "\n"
             "  help COMMAND      the help of one command\n"
             "  help config       the keys of [engine], [source NAME], [target NAME]\n"
             "  help plugin NAME  the configuration keys of plugin NAME\n"},
};

int ss_cli_print_help(FILE *out, const char *cmd)
{
    if (!cmd) {
        fputs(global_help, out);
        return 0;
    }
    for (size_t i = 0; i < sizeof(cmd_helps) / sizeof(cmd_helps[0]); i++) {
        if (strcmp(cmd, cmd_helps[i].name) == 0) {
            fputs(cmd_helps[i].text, out);
            return 0;
        }
    }
    return -1;
}

static const char *type_name(enum scimsync_key_type t)
{
    switch (t) {
    case SCIMSYNC_KEY_STRING:
        return "string";
    case SCIMSYNC_KEY_INT:
        return "int";
    case SCIMSYNC_KEY_BOOL:
        return "bool";
    case SCIMSYNC_KEY_SECRET:
        return "secret";
    case SCIMSYNC_KEY_PATH:
        return "path";
    case SCIMSYNC_KEY_DOUBLE:
        return "number";
    case SCIMSYNC_KEY_URL:
        return "url";
    case SCIMSYNC_KEY_INPUT_PATH:
        return "file";
    }
    return "?";
}

static void print_rows(FILE *out, const struct scimsync_config_key *k, int width)
{
    for (; k && k->name; k++) {
        fprintf(out, "  %-*s %-7s %-9s %-12s %s\n", width, k->name, type_name(k->type),
                k->required ? "yes" : "no", k->default_value ? k->default_value : "-",
                k->help ? k->help : "");
    }
}

/* The key column fits the longest name (at least 22 wide). */
static int name_width(const struct scimsync_config_key *k, int width)
{
    for (; k && k->name; k++) {
        if ((int)strlen(k->name) > width)
            width = (int)strlen(k->name);
    }
    return width;
}

void ss_cli_print_keys(FILE *out, const struct scimsync_config_key *core,
                       const struct scimsync_config_key *keys)
{
    int width = name_width(keys, name_width(core, 22));
    fprintf(out, "  %-*s %-7s %-9s %-12s %s\n", width, "KEY", "TYPE", "REQUIRED", "DEFAULT",
            "DESCRIPTION");
    print_rows(out, core, width);
    print_rows(out, keys, width);
}
