/*
 * cli_compliance_province: `carenet compliance` at a province or prefecture
 * (issue 14 item 4): the node answers from the counties' roll-ups
 * (rep->province, roles/roles_rollup_view.c and roles/compliance/province.c)
 * and this prints it: a table, --json, --csv (one row per county, BOM),
 * --html FILE (render/render_province.c). Per county the verdict, its
 * counts, the failing indicators, the data age (the roll-up's month, when
 * received), stale ones marked, and for a failing or stale county the exact
 * `carenet inspect` command that asks the county itself (the drill-down).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_compliance.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "util.h"

static void county_json(struct json *j, const Carenet__ProvinceCounty *c)
{
	json_obj_begin(j, NULL);
	json_str(j, "id", c->id), json_str(j, "prefecture", c->prefecture);
	json_str(j, "verdict", c->verdict), json_bool(j, "stale", c->stale);
	json_str(j, "note", c->note), json_str(j, "month", c->month[0] ? c->month : NULL);
	json_u64(j, "made_at", c->made_at), json_u64(j, "received_at", c->received_at);
	json_str(j, "results_at", c->results_at);
	json_u64(j, "pass", c->pass), json_u64(j, "fail", c->fail);
	json_u64(j, "unknown", c->unknown), json_u64(j, "na", c->na);
	json_arr_begin(j, "failing");
	for (size_t i = 0; i < c->n_failing; i++)
		json_str(j, NULL, c->failing[i]);
	json_arr_end(j);
	json_str(j, "drill", c->drill[0] ? c->drill : NULL);
	json_arr_begin(j, "results");
	for (size_t i = 0; i < c->n_results; i++) {
		const Carenet__RollupResult *x = c->results[i];
		json_obj_begin(j, NULL);
		json_str(j, "id", x->id), json_str(j, "result", x->result);
		if (x->has_value)
			json_double(j, "value", x->value);
		else
			json_null(j, "value");
		json_str(j, "threshold", x->threshold);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void ind_json(struct json *j, const Carenet__ProvinceIndicator *x, int milestone)
{
	json_obj_begin(j, NULL);
	json_str(j, "id", x->id), json_str(j, "zh", x->zh), json_str(j, "en", x->en);
	json_str(j, "tier", x->tier), json_str(j, "mode", x->mode), json_bool(j, "veto", x->veto);
	json_str(j, "threshold", x->threshold), json_str(j, "due", x->due);
	json_str(j, "result", x->result);
	if (milestone) {
		if (x->has_value)
			json_double(j, "value", x->value);
		else
			json_null(j, "value");
		json_str(j, "note", x->note);
	}
	json_obj_begin(j, "counties");
	json_u64(j, "pass", x->pass), json_u64(j, "fail", x->fail);
	json_u64(j, "unknown", x->unknown), json_u64(j, "n/a", x->na);
	json_u64(j, "missing", x->missing);
	json_obj_end(j);
	json_obj_end(j);
}

static void prov_json(const Carenet__ProvinceReply *p)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "office", p->office), json_str(&j, "standard", p->standard);
	json_str(&j, "title_zh", p->title_zh), json_str(&j, "title_en", p->title_en);
	json_str(&j, "month", p->month), json_u64(&j, "now", p->now);
	json_obj_begin(&j, "summary");
	json_u64(&j, "counties", p->n_counties), json_u64(&j, "pass", p->counties_pass);
	json_u64(&j, "fail", p->counties_fail), json_u64(&j, "unknown", p->counties_unknown);
	json_u64(&j, "stale", p->counties_stale);
	json_obj_end(&j);
	json_arr_begin(&j, "counties");
	for (size_t i = 0; i < p->n_counties; i++)
		county_json(&j, p->counties[i]);
	json_arr_end(&j);
	json_arr_begin(&j, "indicators");
	for (size_t i = 0; i < p->n_indicators; i++)
		ind_json(&j, p->indicators[i], 0);
	json_arr_end(&j);
	json_arr_begin(&j, "milestones");
	for (size_t i = 0; i < p->n_milestones; i++)
		ind_json(&j, p->milestones[i], 1);
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

/* The failing ids, space-separated, into out. */
static void failing_text(const Carenet__ProvinceCounty *c, char *out, size_t len)
{
	out[0] = 0;
	for (size_t i = 0; i < c->n_failing && strlen(out) + 2 < len; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", c->failing[i]);
}

static void prov_csv(const Carenet__ProvinceReply *p, const char *tz)
{
	static const char *h[] = {"county",      "prefecture", "verdict", "stale",   "month",
	                          "received_at", "pass",       "fail",    "unknown", "na",
	                          "failing",     "note",       "drill"};
	char fail[4096], rec[32], n[4][24];

	csv_write_bom(stdout);
	csv_write_row(stdout, h, 13);
	for (size_t i = 0; i < p->n_counties; i++) {
		const Carenet__ProvinceCounty *c = p->counties[i];
		uint64_t v[] = {c->pass, c->fail, c->unknown, c->na};
		for (size_t k = 0; k < 4; k++)
			snprintf(n[k], sizeof(n[k]), "%llu", (unsigned long long)v[k]);
		failing_text(c, fail, sizeof(fail));
		cli_csv_time(c->received_at, tz, rec, sizeof(rec));
		const char *cells[] = {c->id,    c->prefecture, c->verdict, c->stale ? "yes" : "no",
		                       c->month, rec,           n[0],       n[1],
		                       n[2],     n[3],          fail,       c->note,
		                       c->drill};
		csv_write_row(stdout, cells, 13);
	}
}

static const char *verdict_zh(const Carenet__ProvinceCounty *c)
{
	if (c->stale)
		return "stale 数据过期";
	return !strcmp(c->verdict, "pass")   ? "pass 达标"
	       : !strcmp(c->verdict, "fail") ? "fail 未达标"
	                                     : "unknown 待定";
}

static void prov_table(const Carenet__ProvinceReply *p, const char *tz)
{
	char fail[4096], rec[32];

	printf("%s %s — %s (%s)\n", p->office, p->title_zh, p->title_en, p->standard);
	printf("counties 县 %zu: %llu pass 达标, %llu fail 未达标, %llu unknown 待定, %llu stale "
	       "数据过期 (without a roll-up of %s)\n\n",
	       p->n_counties, (unsigned long long)p->counties_pass,
	       (unsigned long long)p->counties_fail, (unsigned long long)p->counties_unknown,
	       (unsigned long long)p->counties_stale, p->month);
	cli_pad(stdout, "county 县", 10), cli_pad(stdout, "verdict 结论", 16);
	cli_pad(stdout, "month 月份", 11), cli_pad(stdout, "received 收到", 20);
	printf("%4s %4s %4s  %s\n", "pass", "fail", "unk", "failing 未达标指标");
	for (size_t i = 0; i < p->n_counties; i++) {
		const Carenet__ProvinceCounty *c = p->counties[i];
		failing_text(c, fail, sizeof(fail));
		cli_csv_time(c->received_at, tz, rec, sizeof(rec));
		cli_pad(stdout, c->id, 10), cli_pad(stdout, verdict_zh(c), 16);
		cli_pad(stdout, c->month[0] ? c->month : "-", 11);
		cli_pad(stdout, rec[0] ? rec : "-", 20);
		printf("%4llu %4llu %4llu  %s\n", (unsigned long long)c->pass,
		       (unsigned long long)c->fail, (unsigned long long)c->unknown, fail);
		if (c->note[0])
			printf("         %s\n", c->note);
		if (c->drill[0])
			printf("         drill-down 下钻: %s\n", c->drill);
	}
	printf("\nmilestones 省、州市指标:\n");
	for (size_t i = 0; i < p->n_milestones; i++) {
		const Carenet__ProvinceIndicator *x = p->milestones[i];
		printf("  %-34s %-8s %s\n", x->id, x->result, x->note);
	}
}

int cli_province_compliance(const char *prog, const Carenet__ProvinceReply *p, const char *tz,
                            int json, int csv, const char *html)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (json)
		prov_json(p);
	else if (csv)
		prov_csv(p, tz);
	else if (!html)
		prov_table(p, tz);
	if (!html)
		return 0;
	if (!(f = open_memstream(&buf, &len)))
		return CN_ENOMEM;
	render_province_html(p, f);
	fclose(f);
	if ((rc = util_write_file(html, buf, len, 0644, 0)) != 0)
		fprintf(stderr, "%s: %s: %s\n", prog, html, strerror(errno));
	free(buf);
	return rc;
}
