/* Printing a plan: human text (one line per change) or JSON (json-c), and
 * the summary after apply.  The model holds no secrets, so neither can
 * the output. */
#ifndef SS_PLAN_PRINT_H
#define SS_PLAN_PRINT_H

#include <stdio.h>

#include "engine_types.h"
#include "plan.h"

/* Member lists longer than this are summarized in text output. */
#define SS_PLAN_MEMBERS_INLINE 5
#define SS_PLAN_MEMBERS_PREVIEW 3

int ss_plan_print_text(const struct ss_plan *p, FILE *out);
int ss_plan_print_json(const struct ss_plan *p, FILE *out);
/* The text of the plan's counts line ("Plan: ..." or "No changes."). */
void ss_plan_print_counts(const struct ss_plan_counts *c, FILE *out);
void ss_summary_print(const struct ss_summary *s, int json, FILE *out);

#endif
