/*
 * cli_bulletin_province: `carenet bulletin --month M` at a province or
 * prefecture (issue 14 item 4). The node answers from each county's roll-up
 * of the month (roles/roles_rollup_view.c): rep->bulletin holds one row per
 * county (directives on time, late, overdue; reports and hops in time) and
 * the totals, rep->province the roll-ups' counts per county (children by
 * category, guardianship, school stage, staff, homes) and which counties
 * sent none for the month (stale). A table, --json, --csv (one row per
 * county, BOM), --html FILE (render/render_province.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_bulletin.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "util.h"

static uint64_t count(const Carenet__ProvinceCounty *c, const char *measure, const char *value)
{
	uint64_t n = 0;
	for (size_t i = 0; c && i < c->n_counts; i++)
		if (!strcmp(c->counts[i]->measure, measure) &&
		    (!value || !strcmp(c->counts[i]->value, value)))
			n += c->counts[i]->count;
	return n;
}

static void by_value(struct json *j, const Carenet__ProvinceCounty *c, const char *measure)
{
	json_obj_begin(j, measure);
	for (size_t i = 0; c && i < c->n_counts; i++)
		if (!strcmp(c->counts[i]->measure, measure))
			json_u64(j, c->counts[i]->value, c->counts[i]->count);
	json_obj_end(j);
}

static void dir_json(struct json *j, uint64_t t, uint64_t on, uint64_t late, uint64_t over,
                     uint64_t open)
{
	json_obj_begin(j, "directives");
	json_u64(j, "targeted", t), json_u64(j, "on_time", on), json_u64(j, "late", late);
	json_u64(j, "overdue", over), json_u64(j, "open", open);
	json_obj_end(j);
}

static void rep_json(struct json *j, uint64_t filed, uint64_t hops, uint64_t in, uint64_t late,
                     uint64_t missed)
{
	json_obj_begin(j, "reports");
	json_u64(j, "filed", filed), json_u64(j, "hops", hops), json_u64(j, "in_time", in);
	json_u64(j, "late", late), json_u64(j, "missed", missed);
	json_obj_end(j);
}

static void office_json(struct json *j, const Carenet__BulletinOffice *o,
                        const Carenet__ProvinceCounty *c)
{
	json_obj_begin(j, NULL);
	json_str(j, "id", o->id), json_str(j, "prefecture", c ? c->prefecture : "");
	json_str(j, "month", c && c->month[0] ? c->month : NULL);
	json_bool(j, "stale", c && c->stale), json_str(j, "note", c ? c->note : "");
	json_u64(j, "made_at", c ? c->made_at : 0),
	    json_u64(j, "received_at", c ? c->received_at : 0);
	dir_json(j, o->targeted, o->on_time, o->late, o->overdue, o->open);
	rep_json(j, o->reports_filed, o->hops, o->hops_in_time, o->hops_late, o->hops_missed);
	json_u64(j, "children", count(c, "children", ""));
	by_value(j, c, "category"), by_value(j, c, "guardianship"), by_value(j, c, "school_stage");
	json_u64(j, "staff", count(c, "staff", NULL)),
	    json_u64(j, "homes", count(c, "homes", NULL));
	json_obj_end(j);
}

static void pb_json(const Carenet__BulletinReply *b, const Carenet__ProvinceReply *p)
{
	struct json j;
	uint64_t children = 0;

	for (size_t i = 0; i < p->n_counties; i++)
		children += count(p->counties[i], "children", "");
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "month", b->month), json_str(&j, "office", b->office);
	json_str(&j, "name", b->name), json_u64(&j, "from", b->from), json_u64(&j, "to", b->to);
	json_u64(&j, "now", b->now), json_bool(&j, "above_county", 1);
	json_u64(&j, "counties", p->n_counties), json_u64(&j, "stale", p->counties_stale);
	dir_json(&j, b->targeted, b->on_time, b->late, b->overdue, b->open);
	json_double(&j, "timeliness", b->timeliness);
	rep_json(&j, b->reports, b->hops, b->hops_in_time, b->hops_late, b->hops_missed);
	json_u64(&j, "children", children);
	json_arr_begin(&j, "offices");
	for (size_t i = 0; i < b->n_offices; i++)
		office_json(&j, b->offices[i], i < p->n_counties ? p->counties[i] : NULL);
	json_arr_end(&j);
	json_str(&j, "text", b->text);
	json_obj_end(&j);
	json_finish(&j);
}

static void pb_csv(const Carenet__BulletinReply *b, const Carenet__ProvinceReply *p)
{
	static const char *h[] = {
	    "county",    "prefecture",  "month",    "stale",         "targeted", "on_time",
	    "late",      "overdue",     "open",     "reports_filed", "hops",     "hops_in_time",
	    "hops_late", "hops_missed", "children", "staff",         "homes",    "note"};
	char n[13][24];

	csv_write_bom(stdout);
	csv_write_row(stdout, h, 18);
	for (size_t i = 0; i < b->n_offices; i++) {
		const Carenet__BulletinOffice *o = b->offices[i];
		const Carenet__ProvinceCounty *c = i < p->n_counties ? p->counties[i] : NULL;
		uint64_t v[] = {o->targeted,
		                o->on_time,
		                o->late,
		                o->overdue,
		                o->open,
		                o->reports_filed,
		                o->hops,
		                o->hops_in_time,
		                o->hops_late,
		                o->hops_missed,
		                count(c, "children", ""),
		                count(c, "staff", NULL),
		                count(c, "homes", NULL)};
		for (size_t k = 0; k < 13; k++)
			snprintf(n[k], sizeof(n[k]), "%llu", (unsigned long long)v[k]);
		const char *cells[] = {o->id,
		                       c ? c->prefecture : "",
		                       c ? c->month : "",
		                       c && c->stale ? "yes" : "no",
		                       n[0],
		                       n[1],
		                       n[2],
		                       n[3],
		                       n[4],
		                       n[5],
		                       n[6],
		                       n[7],
		                       n[8],
		                       n[9],
		                       n[10],
		                       n[11],
		                       n[12],
		                       c ? c->note : ""};
		csv_write_row(stdout, cells, 18);
	}
}

static void pb_table(const Carenet__BulletinReply *b, const Carenet__ProvinceReply *p)
{
	fputs(b->text, stdout);
	static const char *h[] = {"county 县", "month 月份", "任务",     "按时", "逾期办结",
	                          "逾期",      "报告",       "按时受理", "儿童"};
	static const int w[] = {10, 11, 9, 9, 9, 9, 9, 9, 9};

	fputs("\n", stdout);
	for (size_t k = 0; k < 9; k++)
		cli_pad(stdout, h[k], w[k]);
	fputs("\n", stdout);
	for (size_t i = 0; i < b->n_offices; i++) {
		const Carenet__BulletinOffice *o = b->offices[i];
		const Carenet__ProvinceCounty *c = i < p->n_counties ? p->counties[i] : NULL;
		cli_pad(stdout, o->id, 10), cli_pad(stdout, c && c->month[0] ? c->month : "-", 11);
		printf("%-8llu %-8llu %-8llu %-8llu %-8llu %-8llu %-8llu  %s\n",
		       (unsigned long long)o->targeted, (unsigned long long)o->on_time,
		       (unsigned long long)o->late, (unsigned long long)o->overdue,
		       (unsigned long long)o->reports_filed, (unsigned long long)o->hops_in_time,
		       (unsigned long long)count(c, "children", ""), c ? c->note : "");
	}
}

int cli_province_bulletin(const char *prog, const Carenet__BulletinReply *b,
                          const Carenet__ProvinceReply *p, int json, int csv, const char *html)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (json)
		pb_json(b, p);
	else if (csv)
		pb_csv(b, p);
	else if (!html)
		pb_table(b, p);
	if (!html)
		return 0;
	if (!(f = open_memstream(&buf, &len)))
		return CN_ENOMEM;
	render_province_bulletin_html(b, p, f);
	fclose(f);
	if ((rc = util_write_file(html, buf, len, 0644, 0)) != 0)
		fprintf(stderr, "%s: %s: %s\n", prog, html, strerror(errno));
	free(buf);
	return rc;
}
