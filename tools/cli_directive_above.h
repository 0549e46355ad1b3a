/*
 * cli_directive_above: what `directive show|list` add above the county
 * (issue 14, roles/directives/above.c): each county's and prefecture's
 * tally of a directive from a province or prefecture, the late counties,
 * and at a county the directive it relays.
 */
#ifndef CARENET_CLI_DIRECTIVE_ABOVE_H
#define CARENET_CLI_DIRECTIVE_ABOVE_H

#include <stddef.h>

#include "control.pb-c.h"
#include "json.h"

/* --json members: parent, relay, tallies, late_counties, totals (only the
 * ones the view has). */
void cli_above_json(struct json *j, const Carenet__DirectiveView *v);
/* directive show: the tallies as a table, and the late counties. */
void cli_above_print(const Carenet__DirectiveView *v, const char *tz);
/* directive show --csv: with tallies, 5 more columns per target row
 * (CLI_ABOVE_CSV_HEAD; empty for a target without a tally); 0 without. */
#define CLI_ABOVE_CSV_COLS 5
#define CLI_ABOVE_CSV_HEAD                                                                         \
	"below_targeted", "below_acknowledged", "below_done", "below_overdue", "late"
size_t cli_above_csv(const Carenet__DirectiveView *v, const char *target,
                     char cells[CLI_ABOVE_CSV_COLS][24]);
/* directive list: "; below: 12 targeted, 10 done, 2 overdue, 1 county late"
 * appended to out (nothing when the view has no tallies). */
void cli_above_totals(const Carenet__DirectiveView *v, char *out, size_t len);

#endif
