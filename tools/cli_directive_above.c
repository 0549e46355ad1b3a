/*
 * cli_directive_above: directive show|list above the county (see the header).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_directive_above.h"
#include "roles.h"
#include "table.h"
#include "util.h"

struct totals {
	uint64_t targeted, acknowledged, done, overdue, counties;
};

/* Sums the counties' tallies (a prefecture's sum is not added twice). */
static void totals_of(const Carenet__DirectiveView *v, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < v->n_tallies; i++) {
		const Carenet__TallyView *x = v->tallies[i];
		if (strlen(x->office) != 6)
			continue;
		t->targeted += x->targeted;
		t->acknowledged += x->acknowledged;
		t->done += x->done;
		t->overdue += x->overdue;
		t->counties++;
	}
}

void cli_above_json(struct json *j, const Carenet__DirectiveView *v)
{
	struct totals t;

	if (v->parent[0])
		json_str(j, "parent", v->parent);
	if (v->relay[0])
		json_str(j, "relay", v->relay);
	if (!v->n_tallies)
		return;
	json_arr_begin(j, "tallies");
	for (size_t i = 0; i < v->n_tallies; i++) {
		const Carenet__TallyView *x = v->tallies[i];
		json_obj_begin(j, NULL);
		json_str(j, "id", x->office);
		json_u64(j, "targeted", x->targeted);
		json_u64(j, "acknowledged", x->acknowledged);
		json_u64(j, "done", x->done);
		json_u64(j, "overdue", x->overdue);
		json_bool(j, "late", x->late);
		json_u64(j, "as_of", x->as_of);
		if (x->n_counties) {
			json_arr_begin(j, "counties");
			for (size_t k = 0; k < x->n_counties; k++)
				json_str(j, NULL, x->counties[k]);
			json_arr_end(j);
			json_u64(j, "late_counties", x->late_counties);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr_begin(j, "late_counties");
	for (size_t i = 0; i < v->n_late_counties; i++)
		json_str(j, NULL, v->late_counties[i]);
	json_arr_end(j);
	totals_of(v, &t);
	json_obj_begin(j, "totals");
	json_u64(j, "counties", t.counties);
	json_u64(j, "targeted", t.targeted);
	json_u64(j, "acknowledged", t.acknowledged);
	json_u64(j, "done", t.done);
	json_u64(j, "overdue", t.overdue);
	json_u64(j, "late", v->n_late_counties);
	json_obj_end(j);
}

static void tally_row(struct table *tb, const Carenet__TallyView *x, const char *tz)
{
	char n[4][24], asof[32] = "-", id[32];

	snprintf(id, sizeof(id), "  %s", x->office);
	snprintf(n[0], sizeof(n[0]), "%llu", (unsigned long long)x->targeted);
	snprintf(n[1], sizeof(n[1]), "%llu", (unsigned long long)x->acknowledged);
	snprintf(n[2], sizeof(n[2]), "%llu", (unsigned long long)x->done);
	snprintf(n[3], sizeof(n[3]), "%llu", (unsigned long long)x->overdue);
	if (x->as_of)
		util_fmt_time(x->as_of, tz, asof, sizeof(asof));
	table_add(tb, (const char *[]){id, n[0], n[1], n[2], n[3],
	                               x->late ? cli_tr("LATE", "滞后") : "", asof});
}

void cli_above_print(const Carenet__DirectiveView *v, const char *tz)
{
	struct table t;
	char tot[160] = "";

	if (v->parent[0])
		printf("\n%s: %s (%s %s)\n", cli_tr("relays", "转发自"), v->parent,
		       cli_tr("to every", "至所有"), v->relay[0] ? v->relay : "-");
	if (!v->n_tallies)
		return;
	cli_above_totals(v, tot, sizeof(tot));
	printf("\n%s: %s\n", cli_tr("offices below the counties", "县以下办理情况"), tot + 2);
	table_init(&t, 7);
	table_add(&t, (const char *[]){cli_indent(cli_tr("OFFICE", "单位")),
	                               cli_tr("TARGETED", "下发"), cli_tr("ACKED", "已受理"),
	                               cli_tr("DONE", "已完成"), cli_tr("OVERDUE", "逾期"),
	                               cli_tr("LATE", "滞后"), cli_tr("AS OF", "截至")});
	for (size_t i = 0; i < v->n_tallies; i++)
		tally_row(&t, v->tallies[i], tz);
	table_print(&t, stdout);
	if (v->n_late_counties) {
		printf("%s:", cli_tr("late counties", "滞后县"));
		for (size_t i = 0; i < v->n_late_counties; i++)
			printf(" %s", v->late_counties[i]);
		printf("\n");
	}
}

size_t cli_above_csv(const Carenet__DirectiveView *v, const char *target,
                     char cells[CLI_ABOVE_CSV_COLS][24])
{
	const Carenet__TallyView *x = NULL;

	if (!v->n_tallies)
		return 0;
	for (size_t i = 0; i < v->n_tallies && !x; i++)
		if (!strcmp(v->tallies[i]->office, target))
			x = v->tallies[i];
	for (size_t i = 0; i < CLI_ABOVE_CSV_COLS; i++)
		cells[i][0] = 0;
	if (x) {
		snprintf(cells[0], 24, "%llu", (unsigned long long)x->targeted);
		snprintf(cells[1], 24, "%llu", (unsigned long long)x->acknowledged);
		snprintf(cells[2], 24, "%llu", (unsigned long long)x->done);
		snprintf(cells[3], 24, "%llu", (unsigned long long)x->overdue);
		snprintf(cells[4], 24, "%s", x->late ? "yes" : "no");
	}
	return CLI_ABOVE_CSV_COLS;
}

void cli_above_totals(const Carenet__DirectiveView *v, char *out, size_t len)
{
	struct totals t;
	size_t off = strlen(out);

	if (!v->n_tallies || off >= len)
		return;
	totals_of(v, &t);
	snprintf(out + off, len - off, "; %s %llu/%llu %s, %llu %s, %zu %s",
	         cli_tr("below", "县以下"), (unsigned long long)t.done,
	         (unsigned long long)t.targeted, cli_tr("done", "已完成"),
	         (unsigned long long)t.overdue, cli_tr("overdue", "逾期"), v->n_late_counties,
	         cli_tr("counties late", "个县滞后"));
}
