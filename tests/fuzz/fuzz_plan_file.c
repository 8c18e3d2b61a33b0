/* A saved plan file (core/plan_file.c): any bytes through the parser, and
 * the same document resealed (its checksum recomputed) so the content
 * checks behind the checksum are reached too.  A file that parses must
 * print, count and render again into a file that parses to the same plan. */
#include <inttypes.h>
#include <stdio.h>

#include <json-c/json.h>
#include <ss/hash.h>

#include "fuzz_util.h"
#include "log.h"
#include "plan_file.h"
#include "plan_print.h"

static char *print_text(const struct ss_plan *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    FUZZ_CHECK(ss_plan_print_text(p, f) == 0);
    fclose(f);
    return buf;
}

static void check_parsed(const char *text, size_t len)
{
    struct ss_plan_file pf, again;
    struct ss_plan_counts c;
    char err[1024] = "";

    if (ss_plan_file_parse(&pf, "fuzz.plan", text, len, err, sizeof err) < 0) {
        FUZZ_CHECK(strncmp(err, "fuzz.plan: ", 11) == 0);
        ss_plan_file_free(&pf);
        return;
    }
    ss_plan_count(&pf.plan, &c);
    size_t ops = 0;
    for (int w = 0; w < SS_WAVE_COUNT; w++)
        ops += pf.plan.nops[w];
    FUZZ_CHECK(c.total_ops == ops);
    char *t1 = print_text(&pf.plan);
    struct ss_engine_options opt;
    memset(&opt, 0, sizeof opt);
    opt.target_identity = "fuzz";
    char *re = ss_plan_file_render(&pf.plan, &opt);
    if (re && t1) {
        FUZZ_CHECK(ss_plan_file_parse(&again, "again", re, strlen(re), err, sizeof err) == 0);
        char *t2 = print_text(&again.plan);
        FUZZ_CHECK(!t2 || strcmp(t1, t2) == 0);
        free(t2);
        ss_plan_file_free(&again);
    }
    free(re);
    free(t1);
    ss_plan_file_free(&pf);
}

/* The input with a checksum that matches its "plan" member. */
static char *reseal(const char *text)
{
    json_object *root = json_tokener_parse(text), *plan;
    char *out = NULL;
    if (!root || !json_object_object_get_ex(root, "plan", &plan))
        goto out;
    const char *s = json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!s)
        goto out;
    char sum[32];
    snprintf(sum, sizeof sum, "fnv1a64:%016" PRIx64, ss_hash_mix64(ss_hash_fnv1a(s, strlen(s))));
    json_object_object_add(root, "checksum", json_object_new_string(sum));
    s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
    out = s ? strdup(s) : NULL;
out:
    json_object_put(root);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ss_log_set_level(SCIMSYNC_LOG_ERROR);
    check_parsed((const char *)data, size);
    char *s = fuzz_cstr(data, size);
    if (!s)
        return 0;
    char *sealed = reseal(s);
    if (sealed)
        check_parsed(sealed, strlen(sealed));
    free(sealed);
    free(s);
    return 0;
}
