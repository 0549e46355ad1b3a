/*
 * pages_province: /compliance and /bulletin at a province or prefecture node.
 * There the node answers `compliance` and `bulletin` from the counties'
 * monthly roll-ups (ControlReply.province: roles/compliance/province.c,
 * roles/roles_rollup_view.c), as `carenet compliance` and `carenet bulletin`
 * print them there: a row per county (verdict, counts, failing indicators,
 * the roll-up's month and arrival, stale ones marked, the drill-down
 * command), the milestones judged at this office; the printable pages are
 * render/render_province.c's documents. And on a directive's page there
 * (or at a county relaying one from above), the offices below the counties:
 * each county's and prefecture's tally, as `carenet directive show` prints
 * it. No rule is evaluated here.
 */
#include "web_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

static const char *verdict_zh(const Carenet__ProvinceCounty *c)
{
	if (c->stale)
		return "数据过期 stale";
	return render_result_zh(c->verdict);
}

static void counties_kpis(struct page *pg, const Carenet__ProvinceReply *p)
{
	buf_htmlf(&pg->out, "<p>%s <b>%s</b> · %s <b>%s</b><br>%s %s</p>",
	          TX(pg, "评估范围", "Office"), p->office, TX(pg, "统计月份", "Month"), p->month,
	          p->title_zh, p->title_en);
	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table id=\"summary\"><caption>%s</caption><thead><tr>"
	          "<th scope=\"col\">达标 pass</th><th scope=\"col\">未达标 fail</th>"
	          "<th scope=\"col\">待定 unknown</th><th scope=\"col\">数据过期 stale</th>"
	          "</tr></thead><tbody><tr>",
	          TX(pg, "各县结论（按月度汇总上报）", "Counties' verdicts (from their roll-ups)"));
	buf_printf(&pg->out,
	           "<td id=\"c-pass\">%" PRIu64 "</td><td id=\"c-fail\">%" PRIu64
	           "</td><td id=\"c-unknown\">%" PRIu64 "</td><td id=\"c-stale\">%" PRIu64
	           "</td></tr></tbody></table></div>",
	           p->counties_pass, p->counties_fail, p->counties_unknown, p->counties_stale);
}

static void county_row(struct page *pg, const Carenet__ProvinceCounty *c)
{
	char at[40] = "—";

	if (c->received_at)
		web_time(pg->w, c->received_at, at, sizeof(at));
	buf_htmlf(&pg->out,
	          "<tr data-county=\"%s\"><th scope=\"row\">%s</th><td>%s</td><td>%s</td>"
	          "<td>%s</td><td>%s</td>",
	          c->id, c->id, c->prefecture[0] ? c->prefecture : "—", verdict_zh(c),
	          c->month[0] ? c->month : "—", at);
	buf_printf(&pg->out, "<td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>",
	           c->pass, c->fail, c->unknown);
	for (size_t i = 0; i < c->n_failing; i++)
		buf_htmlf(&pg->out, "%s%s", i ? " " : "", c->failing[i]);
	if (c->note[0])
		buf_htmlf(&pg->out, "<br><span class=\"small\">%s</span>", c->note);
	if (c->drill[0])
		buf_htmlf(&pg->out, "<br><span class=\"small\">%s: <code>%s</code></span>",
		          TX(pg, "下钻（检查组向该县查询）", "Drill down (an inspector asks the county)"),
		          c->drill);
	buf_puts(&pg->out, "</td></tr>");
}

static void counties_table(struct page *pg, const Carenet__ProvinceReply *p)
{
	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table id=\"counties\"><caption>%s</caption><thead><tr>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">达标</th>"
	          "<th scope=\"col\">未达标</th><th scope=\"col\">待定</th><th scope=\"col\">%s</th>"
	          "</tr></thead><tbody>",
	          TX(pg, "各县", "Counties"), TX(pg, "县", "County"), TX(pg, "州市", "Prefecture"),
	          TX(pg, "结论", "Verdict"), TX(pg, "汇总月份", "Roll-up month"),
	          TX(pg, "收到于", "Received"), TX(pg, "未达标指标", "Failing indicators"));
	for (size_t i = 0; i < p->n_counties; i++)
		county_row(pg, p->counties[i]);
	if (!p->n_counties)
		buf_htmlf(&pg->out, "<tr><td colspan=\"9\">%s</td></tr>",
		          TX(pg, "尚未收到任何县的月度汇总。", "No county's roll-up yet."));
	buf_puts(&pg->out, "</tbody></table></div>");
}

static void milestones_table(struct page *pg, const Carenet__ProvinceReply *p)
{
	if (!p->n_milestones)
		return;
	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table id=\"milestones\"><caption>%s</caption><thead><tr>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	          "<th scope=\"col\">%s</th></tr></thead><tbody>",
	          TX(pg, "省、州市指标", "Province and prefecture milestones"),
	          TX(pg, "指标", "Indicator"), TX(pg, "内容", "What"), TX(pg, "结果", "Result"),
	          TX(pg, "说明", "Note"));
	for (size_t i = 0; i < p->n_milestones; i++) {
		const Carenet__ProvinceIndicator *m = p->milestones[i];
		buf_htmlf(&pg->out,
		          "<tr><th scope=\"row\">%s</th><td>%s <span class=\"small\">%s</span></td>"
		          "<td>%s</td><td class=\"small\">%s</td></tr>",
		          m->id, m->zh, m->en, render_result_zh(m->result), m->note);
	}
	buf_puts(&pg->out, "</tbody></table></div>");
}

void web_province_compliance(struct page *pg, const Carenet__ProvinceReply *p)
{
	counties_kpis(pg, p);
	counties_table(pg, p);
	milestones_table(pg, p);
}

static uint64_t count_of(const Carenet__ProvinceCounty *c, const char *measure,
                         const char *value)
{
	uint64_t n = 0;

	for (size_t i = 0; i < c->n_counts; i++) /* value NULL: every value summed */
		if (!strcmp(c->counts[i]->measure, measure) &&
		    (!value || !strcmp(c->counts[i]->value, value)))
			n += c->counts[i]->count;
	return n;
}

void web_province_bulletin(struct page *pg, const Carenet__ProvinceReply *p)
{
	static const char *const m[][4] = {
	    {"children", NULL, "儿童", "Children"},
	    {"directives", "on_time", "按时办结", "On time"},
	    {"directives", "late", "逾期办结", "Late"},
	    {"directives", "overdue", "逾期未办", "Overdue"},
	    {"reports", "filed", "强制报告", "Reports"},
	    {"reports", "hops_in_time", "按时受理", "Hops in time"},
	};
	size_t k = sizeof(m) / sizeof(m[0]);

	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table id=\"counties\"><caption>%s</caption><thead><tr>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>",
	          TX(pg, "各县本月（月度汇总上报）", "Each county this month (its roll-up)"),
	          TX(pg, "县", "County"), TX(pg, "汇总月份", "Roll-up month"));
	for (size_t j = 0; j < k; j++)
		buf_htmlf(&pg->out, "<th scope=\"col\">%s</th>", TX(pg, m[j][2], m[j][3]));
	buf_puts(&pg->out, "</tr></thead><tbody>");
	for (size_t i = 0; i < p->n_counties; i++) {
		const Carenet__ProvinceCounty *c = p->counties[i];
		buf_htmlf(&pg->out, "<tr data-county=\"%s\"><th scope=\"row\">%s</th><td>%s%s</td>",
		          c->id, c->id, c->month[0] ? c->month : "—",
		          c->stale ? " (数据过期 stale)" : "");
		for (size_t j = 0; j < k; j++)
			buf_printf(&pg->out, "<td>%" PRIu64 "</td>", count_of(c, m[j][0], m[j][1]));
		buf_puts(&pg->out, "</tr>");
	}
	buf_puts(&pg->out, "</tbody></table></div>");
}

static const char *relay_zh(const char *relay)
{
	return !strcmp(relay, "village") ? "转发至各村（儿童之家） relayed to every village"
	       : !strcmp(relay, "township") ? "转发至各乡镇 relayed to every township"
	                                    : "";
}

void web_directive_above(struct page *pg, const Carenet__DirectiveView *v)
{
	char at[40];

	if (v->parent[0])
		buf_htmlf(&pg->out, "<p id=\"parent\">%s <b>%s</b> %s</p>",
		          TX(pg, "转发上级任务", "Relays the directive from above"), v->parent,
		          relay_zh(v->relay));
	else if (v->relay[0])
		buf_htmlf(&pg->out, "<p id=\"relay\">%s</p>", relay_zh(v->relay));
	if (!v->n_tallies)
		return;
	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table id=\"tallies\"><caption>%s</caption><thead><tr>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	          "<th scope=\"col\">%s</th></tr></thead><tbody>",
	          TX(pg, "县以下办理情况（各县上报的计数）",
	             "Offices below the counties (the counties' counts)"),
	          TX(pg, "单位", "Office"), TX(pg, "下发", "Targeted"), TX(pg, "已受理", "Acknowledged"),
	          TX(pg, "已完成", "Done"), TX(pg, "逾期", "Overdue"), TX(pg, "滞后", "Late"),
	          TX(pg, "截至", "As of"));
	for (size_t i = 0; i < v->n_tallies; i++) {
		const Carenet__TallyView *t = v->tallies[i];
		snprintf(at, sizeof(at), "—");
		if (t->as_of)
			web_time(pg->w, t->as_of, at, sizeof(at));
		buf_htmlf(&pg->out, "<tr data-office=\"%s\"><th scope=\"row\">%s</th>", t->office,
		          t->office);
		buf_printf(&pg->out,
		           "<td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
		           "</td>",
		           t->targeted, t->acknowledged, t->done, t->overdue);
		if (t->n_counties) /* a prefecture: its counties summed */
			buf_htmlf(&pg->out, "<td>%s</td>",
			          t->late_counties ? "⚠ 有县滞后 counties late" : "—");
		else
			buf_htmlf(&pg->out, "<td>%s</td>", t->late ? "⚠ 滞后 late" : "—");
		buf_htmlf(&pg->out, "<td>%s</td></tr>", at);
	}
	buf_puts(&pg->out, "</tbody></table></div>");
	if (v->n_late_counties) {
		buf_htmlf(&pg->out, "<p id=\"late\" class=\"note error\">%s:",
		          TX(pg, "滞后的县", "Counties late"));
		for (size_t i = 0; i < v->n_late_counties; i++)
			buf_htmlf(&pg->out, " %s", v->late_counties[i]);
		buf_puts(&pg->out, "</p>");
	}
}
