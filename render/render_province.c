/*
 * render_province: the pages of a province or prefecture (issue 14 item
 * 4), from rep->province (the counties' roll-ups): compliance — a table of
 * counties × verdict with their failing indicators, data age and the
 * drill-down command, how many counties pass each indicator, the province
 * and prefecture milestones — and the monthly bulletin over every county
 * (directives, report hops, the ledger's children by category). Beside
 * render_compliance.c and render_bulletin.c; their head and escaping.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

static const char *cls(const char *result, int stale)
{
	if (stale)
		return "unk";
	return !strcmp(result, "pass")      ? "pass"
	       : !strcmp(result, "fail")    ? "fail"
	       : !strcmp(result, "unknown") ? "unk"
	                                    : "na";
}

static void kpis(FILE *f, const Carenet__ProvinceReply *p)
{
	fprintf(
	    f,
	    "<p><span class=\"kpi pass\">达标 <span class=\"en\">pass</span><b>%" PRIu64
	    "</b></span><span class=\"kpi fail\">未达标 <span class=\"en\">fail</span><b>%" PRIu64
	    "</b></span><span class=\"kpi unk\">待定 <span class=\"en\">unknown</span><b>%" PRIu64
	    "</b></span><span class=\"kpi na\">数据过期 <span class=\"en\">stale</span><b>%" PRIu64
	    "</b></span></p>\n",
	    p->counties_pass, p->counties_fail, p->counties_unknown, p->counties_stale);
}

static void county_row(FILE *f, const Carenet__ProvinceCounty *c)
{
	fprintf(f, "<tr><td class=\"mono\">");
	render_esc(f, c->id);
	fprintf(f, "</td><td class=\"%s\">", cls(c->verdict, c->stale));
	fputs(c->stale                      ? "数据过期 <span class=\"en\">stale</span>"
	      : !strcmp(c->verdict, "pass") ? "达标 <span class=\"en\">pass</span>"
	      : !strcmp(c->verdict, "fail") ? "未达标 <span class=\"en\">fail</span>"
	                                    : "待定 <span class=\"en\">unknown</span>",
	      f);
	fprintf(f,
	        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
	        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"mono\">",
	        c->pass, c->fail, c->unknown);
	render_esc(f, c->month[0] ? c->month : "—");
	fputs("</td><td class=\"small mono\">", f);
	for (size_t i = 0; i < c->n_failing; i++) {
		render_esc(f, c->failing[i]);
		fputs(i + 1 < c->n_failing ? "<br>" : "", f);
	}
	if (c->note[0]) {
		fputs("<br><span class=\"en\">", f);
		render_esc(f, c->note);
		fputs("</span>", f);
	}
	if (c->drill[0]) {
		fputs("<br>下钻 <span class=\"en\">drill-down</span>: ", f);
		render_esc(f, c->drill);
	}
	fputs("</td></tr>\n", f);
}

static void indicators(FILE *f, const Carenet__ProvinceReply *p)
{
	fputs("<h2>各指标达标县数 <span class=\"en\">Counties per indicator</span></h2>\n"
	      "<table><tr><th>编号 <span class=\"en\">id</span></th><th>指标 <span class=\"en\">"
	      "indicator</span></th><th>达标</th><th>未达标</th><th>待定</th><th>不适用</th>"
	      "<th>无数据</th></tr>\n",
	      f);
	for (size_t i = 0; i < p->n_indicators; i++) {
		const Carenet__ProvinceIndicator *x = p->indicators[i];
		fprintf(f, "<tr><td class=\"mono %s\">", cls(x->result, 0));
		render_esc(f, x->id);
		fputs("</td><td class=\"small\">", f);
		render_esc(f, x->zh);
		fprintf(f,
		        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
		        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
		        "</td><td class=\"n\">%" PRIu64 "</td></tr>\n",
		        x->pass, x->fail, x->unknown, x->na, x->missing);
	}
	fputs("</table>\n", f);
}

static void milestones(FILE *f, const Carenet__ProvinceReply *p)
{
	fputs("<h2>省、州市指标 <span class=\"en\">Province and prefecture milestones</span></h2>\n"
	      "<table><tr><th>编号 <span class=\"en\">id</span></th><th>指标 <span class=\"en\">"
	      "indicator</span></th><th>结果 <span class=\"en\">result</span></th><th>说明 "
	      "<span class=\"en\">note</span></th></tr>\n",
	      f);
	for (size_t i = 0; i < p->n_milestones; i++) {
		const Carenet__ProvinceIndicator *x = p->milestones[i];
		fputs("<tr><td class=\"mono\">", f);
		render_esc(f, x->id);
		fputs("</td><td class=\"small\">", f);
		render_esc(f, x->zh);
		fprintf(f, "</td><td class=\"%s\">%s</td><td class=\"small\">", cls(x->result, 0),
		        render_result_zh(x->result));
		render_esc(f, x->note);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void render_province_html(const Carenet__ProvinceReply *p, FILE *f)
{
	render_head(f, "合规评估（全省） Compliance across the counties");
	fputs("<h1>各县合规评估 <span class=\"en\">Compliance of every county</span></h1>\n"
	      "<p class=\"sub\">",
	      f);
	render_esc(f, p->title_zh);
	fputs("<br><span class=\"en\">", f);
	render_esc(f, p->title_en);
	fputs("</span><br>范围 <span class=\"en\">office</span> <b>", f);
	render_esc(f, p->office);
	fputs("</b> · 应有月汇总 <span class=\"en\">roll-up expected</span> <b>", f);
	render_esc(f, p->month);
	fputs("</b> · 依据各县月汇总 <span class=\"en\">from each county's monthly roll-up "
	      "(results judged by the county at its month end)</span></p>\n",
	      f);
	kpis(f, p);
	fputs("<h2>各县 <span class=\"en\">Counties</span></h2>\n<table><tr><th>县 <span "
	      "class=\"en\">"
	      "county</span></th><th>结论 <span class=\"en\">verdict</span></th><th>达标</th>"
	      "<th>未达标</th><th>待定</th><th>月份 <span class=\"en\">month</span></th><th>"
	      "未达标指标 <span class=\"en\">failing indicators</span></th></tr>\n",
	      f);
	for (size_t i = 0; i < p->n_counties; i++)
		county_row(f, p->counties[i]);
	fputs("</table>\n", f);
	milestones(f, p);
	indicators(f, p);
	fputs("</body></html>\n", f);
}

/* ------------------------------------------------------------ bulletin */

static uint64_t count(const Carenet__ProvinceCounty *c, const char *measure, const char *value)
{
	uint64_t n = 0;
	for (size_t i = 0; i < c->n_counts; i++)
		if (!strcmp(c->counts[i]->measure, measure) &&
		    (!value || !strcmp(c->counts[i]->value, value)))
			n += c->counts[i]->count;
	return n;
}

static void bul_row(FILE *f, const Carenet__BulletinOffice *o, const Carenet__ProvinceCounty *c)
{
	fprintf(f, "<tr><td class=\"mono%s\">", c && c->stale ? " unk" : "");
	render_esc(f, o->id);
	fprintf(f,
	        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
	        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
	        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
	        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
	        "</td><td class=\"small\">",
	        o->targeted, o->on_time, o->late, o->overdue, o->reports_filed, o->hops,
	        o->hops_in_time, c ? count(c, "children", "") : 0);
	for (size_t i = 0; c && i < c->n_counts; i++)
		if (!strcmp(c->counts[i]->measure, "category")) {
			render_esc(f, c->counts[i]->value);
			fprintf(f, " %" PRIu64 " ", c->counts[i]->count);
		}
	if (c && c->note[0]) {
		fputs("<span class=\"en\">", f);
		render_esc(f, c->note);
		fputs("</span>", f);
	}
	fputs("</td></tr>\n", f);
}

void render_province_bulletin_html(const Carenet__BulletinReply *b, const Carenet__ProvinceReply *p,
                                   FILE *f)
{
	render_head(f, "月通报（全省） Monthly bulletin over the counties");
	fputs("<h1>月通报 <span class=\"en\">Monthly bulletin</span> ", f);
	render_esc(f, b->month);
	fputs("</h1>\n<p class=\"sub\">", f);
	render_esc(f, b->office);
	fprintf(f,
	        " · %zu 个县 <span class=\"en\">counties</span> · %" PRIu64
	        " 个无本月汇总 <span class=\"en\">without this month's roll-up</span></p>\n",
	        p->n_counties, p->counties_stale);
	fprintf(
	    f,
	    "<p><span class=\"kpi\">任务 <span class=\"en\">targets</span><b>%" PRIu64
	    "</b></span><span class=\"kpi pass\">按时 <span class=\"en\">on time</span><b>%" PRIu64
	    "</b></span><span class=\"kpi fail\">逾期 <span class=\"en\">overdue</span><b>%" PRIu64
	    "</b></span><span class=\"kpi\">报告 <span class=\"en\">reports</span><b>%" PRIu64
	    "</b></span><span class=\"kpi\">按时受理 <span class=\"en\">hops in "
	    "time</span><b>%" PRIu64 "/%" PRIu64 "</b></span></p>\n",
	    b->targeted, b->on_time, b->overdue, b->reports, b->hops_in_time, b->hops);
	fputs("<table><tr><th>县 <span class=\"en\">county</span></th><th>任务</th><th>按时</th>"
	      "<th>逾期办结</th><th>逾期</th><th>报告</th><th>环节</th><th>按时受理</th><th>儿童 "
	      "<span class=\"en\">children</span></th><th>类别 <span class=\"en\">by category"
	      "</span></th></tr>\n",
	      f);
	for (size_t i = 0; i < b->n_offices; i++)
		bul_row(f, b->offices[i], i < p->n_counties ? p->counties[i] : NULL);
	fputs("</table>\n</body></html>\n", f);
}
