/*
 * render_bulletin: the monthly bulletin (`carenet bulletin --html FILE`, the
 * web's /bulletin/report) as one self-contained page (inline CSS and SVG, no script, no network),
 * printable on A4, Chinese first with English beside: the headline figures,
 * directives per office (a stacked bar: on time, late, overdue, open),
 * overdue and rectification lists, report hops per office, ledger activity
 * bars, the compliance changes, the trend of the last 6 month ends and the
 * township heat table (render_townships).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "render.h"
#include "roles.h"

#define C_OK "#4caf50"
#define C_LATE "#f0b429"
#define C_BAD "#d64541"
#define C_OPEN "#b0b7c3"

void render_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

void render_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	render_esc(f, title);
	fputs("</title>\n<style>\n"
	      "@page{size:A4;margin:14mm 12mm}\n"
	      "@media screen and (max-width:640px){body{padding:0 6px}table{display:block;overflow-x:auto}}\n"
	      "body{font-family:'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei',"
	      "'Microsoft YaHei',sans-serif;font-size:10pt;color:#1a1a1a;margin:0 auto;"
	      "max-width:186mm}\n"
	      "h1{font-size:16pt;margin:0 0 2pt}h2{font-size:12pt;margin:14pt 0 4pt;"
	      "border-bottom:1px solid #999;page-break-after:avoid}\n"
	      ".en{color:#555;font-size:8.5pt}.sub{color:#444;margin:0 0 8pt}\n"
	      "table{border-collapse:collapse;width:100%}tr{page-break-inside:avoid}\n"
	      "th,td{border:1px solid #bbb;padding:2pt 4pt;vertical-align:top;text-align:left}"
	      "th{background:#eee;font-weight:600}td.n{text-align:right;width:9mm}\n"
	      ".pass{background:#d9f0d9}.fail{background:#f8d0cc}.unk{background:#fbeec2}"
	      ".na{background:#eee;color:#666}\n"
	      ".kpi{display:inline-block;vertical-align:top;width:30mm;padding:4pt 6pt;"
	      "margin:0 4pt 4pt 0;border:1px solid #bbb;border-radius:3pt}\n"
	      ".kpi b{display:block;font-size:16pt}\n"
	      ".mono{font-family:monospace;font-size:8.5pt}.small{font-size:8pt}\n"
	      ".blank{height:28mm;border:1px solid #555}\n"
	      ".legend span{display:inline-block;width:9pt;height:9pt;margin:0 2pt 0 8pt;"
	      "vertical-align:middle}\n"
	      "</style></head><body>\n",
	      f);
}

static void kpi(FILE *f, const char *zh, const char *en, const char *value)
{
	fputs("<div class=\"kpi\">", f);
	render_esc(f, zh);
	fputs(" <span class=\"en\">", f);
	render_esc(f, en);
	fprintf(f, "</span><b>%s</b></div>\n", value);
}

/* A stacked bar of n segments (values v, colours c) over width w px. */
static void stack(FILE *f, const uint64_t *v, const char *const *c, size_t n, int w)
{
	uint64_t total = 0;
	double x = 0;
	for (size_t i = 0; i < n; i++)
		total += v[i];
	fprintf(f,
	        "<svg width=\"%d\" height=\"12\" viewBox=\"0 0 %d 12\">"
	        "<rect width=\"%d\" height=\"12\" fill=\"#f4f4f4\"/>",
	        w, w, w);
	for (size_t i = 0; total && i < n; i++) {
		double wi = (double)w * (double)v[i] / (double)total;
		if (v[i])
			fprintf(f, "<rect x=\"%.1f\" width=\"%.1f\" height=\"12\" fill=\"%s\"/>", x,
			        wi, c[i]);
		x += wi;
	}
	fputs("</svg>", f);
}

static void legend(FILE *f, const char *const *c, const char *const *label, size_t n)
{
	fputs("<p class=\"legend small\">", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "<span style=\"background:%s\"></span>%s", c[i], label[i]);
	fputs("</p>\n", f);
}

static void pct(char *out, size_t len, uint64_t num, uint64_t den)
{
	if (den)
		snprintf(out, len, "%.1f%%", 100.0 * (double)num / (double)den);
	else
		snprintf(out, len, "—");
}

static void headline(FILE *f, const Carenet__BulletinReply *b)
{
	char v[64], when[32];
	time_t now = (time_t)b->now + 8 * 3600;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", gmtime(&now));
	fputs("<h1>月通报 <span class=\"en\">Monthly bulletin</span> ", f);
	render_esc(f, b->month);
	fputs("</h1>\n<p class=\"sub\">", f);
	render_esc(f, b->name);
	fputs(" <span class=\"mono\">", f);
	render_esc(f, b->office);
	fprintf(f,
	        "</span> · 统计期 <span class=\"en\">period</span> %s (北京时间 China time) · "
	        "生成于 <span class=\"en\">made</span> %s</p>\n",
	        b->month, when);
	pct(v, sizeof(v), b->on_time, b->targeted - b->open);
	kpi(f, "按时办结率", "timeliness", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)b->overdue);
	kpi(f, "逾期未办", "overdue", v);
	pct(v, sizeof(v), b->hops_in_time, b->hops);
	kpi(f, "报告按时受理", "reports acked in time", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)b->records_added);
	kpi(f, "新增台账", "records added", v);
	snprintf(v, sizeof(v), "%zu", b->n_changes);
	kpi(f, "合规变化", "compliance changes", v);
}

static void directives(FILE *f, const Carenet__BulletinReply *b)
{
	static const char *const c[] = {C_OK, C_LATE, C_BAD, C_OPEN};
	static const char *const l[] = {"按时 on time", "逾期办结 late", "逾期未办 overdue",
	                                "办理中 open"};
	fprintf(f,
	        "<h2>一、指令办理 <span class=\"en\">Directives: %llu created in the month, "
	        "%llu targets</span></h2>\n",
	        (unsigned long long)b->directives, (unsigned long long)b->targeted);
	legend(f, c, l, 4);
	fputs("<table><tr><th>单位 <span class=\"en\">office</span></th><th>任务 <span "
	      "class=\"en\">targets</span></th><th>按时</th><th>逾期办结</th><th>逾期未办</th>"
	      "<th>办理中</th><th>按时率 <span class=\"en\">rate</span></th><th></th></tr>\n",
	      f);
	for (size_t i = 0; i < b->n_offices; i++) {
		const Carenet__BulletinOffice *o = b->offices[i];
		uint64_t v[] = {o->on_time, o->late, o->overdue, o->open};
		char r[16];
		if (!o->targeted)
			continue;
		pct(r, sizeof(r), o->on_time, o->targeted - o->open);
		fputs("<tr><td><span class=\"mono\">", f);
		render_esc(f, o->id);
		fputs("</span> ", f);
		render_esc(f, o->name);
		fprintf(
		    f,
		    "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">"
		    "%llu</td><td class=\"n%s\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">"
		    "%s</td><td>",
		    (unsigned long long)o->targeted, (unsigned long long)o->on_time,
		    (unsigned long long)o->late, o->overdue ? " fail" : "",
		    (unsigned long long)o->overdue, (unsigned long long)o->open, r);
		stack(f, v, c, 4, 110);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void items(FILE *f, const char *h, Carenet__BulletinItem *const *v, size_t n)
{
	if (!n)
		return;
	fputs(h, f);
	fputs("<table class=\"small\"><tr><th>单位 <span class=\"en\">office</span></th><th>指令 "
	      "<span class=\"en\">directive</span></th><th>标题 <span class=\"en\">title</span>"
	      "</th><th>期限 <span class=\"en\">due</span></th><th>状态 <span class=\"en\">"
	      "state</span></th></tr>\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		char due[32];
		time_t t = (time_t)v[i]->due + 8 * 3600;
		strftime(due, sizeof(due), "%Y-%m-%d %H:%M", gmtime(&t));
		fputs("<tr><td class=\"mono\">", f);
		render_esc(f, v[i]->office);
		fputs("</td><td class=\"mono\">", f);
		render_esc(f, v[i]->directive);
		fputs("</td><td>", f);
		render_esc(f, v[i]->title);
		fprintf(f, "</td><td>%s</td><td>%s %s</td></tr>\n", due,
		        roles_state_name(v[i]->state), roles_state_zh(v[i]->state));
	}
	fputs("</table>\n", f);
}

static void reports(FILE *f, const Carenet__BulletinReply *b)
{
	static const char *const c[] = {C_OK, C_LATE, C_BAD, C_OPEN};
	static const char *const l[] = {"按时受理 in time", "超时受理 late", "未受理 missed",
	                                "待受理 pending"};
	fprintf(f,
	        "<h2>二、强制报告受理 <span class=\"en\">Mandatory reports: %llu filed, %llu "
	        "hops to acknowledge</span></h2>\n",
	        (unsigned long long)b->reports, (unsigned long long)b->hops);
	if (!b->hops) {
		fputs(
		    "<p>本月无强制报告 <span class=\"en\">no report filed this month</span></p>\n",
		    f);
		return;
	}
	legend(f, c, l, 4);
	fputs("<table><tr><th>单位 <span class=\"en\">office</span></th><th>上报 <span "
	      "class=\"en\">filed</span></th><th>应受理 <span class=\"en\">hops</span></th>"
	      "<th>按时</th><th>超时</th><th>未受理</th><th></th></tr>\n",
	      f);
	for (size_t i = 0; i < b->n_offices; i++) {
		const Carenet__BulletinOffice *o = b->offices[i];
		uint64_t pend = o->hops - o->hops_in_time - o->hops_late - o->hops_missed;
		uint64_t v[] = {o->hops_in_time, o->hops_late, o->hops_missed, pend};
		if (!o->hops && !o->reports_filed)
			continue;
		fputs("<tr><td class=\"mono\">", f);
		render_esc(f, o->id);
		fprintf(f,
		        "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">"
		        "%llu</td><td class=\"n\">%llu</td><td class=\"n%s\">%llu</td><td>",
		        (unsigned long long)o->reports_filed, (unsigned long long)o->hops,
		        (unsigned long long)o->hops_in_time, (unsigned long long)o->hops_late,
		        o->hops_missed ? " fail" : "", (unsigned long long)o->hops_missed);
		stack(f, v, c, 4, 120);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void ledger(FILE *f, const Carenet__BulletinReply *b)
{
	static const char *const c[] = {"#3b7dd8", "#9cc0ee"};
	static const char *const l[] = {"新增 added", "更新 updated"};
	uint64_t max = 1;
	for (size_t i = 0; i < b->n_offices; i++)
		if (b->offices[i]->records_added + b->offices[i]->records_updated > max)
			max = b->offices[i]->records_added + b->offices[i]->records_updated;
	fprintf(f,
	        "<h2>三、台账活动 <span class=\"en\">Ledger activity: %llu records added, %llu "
	        "updated</span></h2>\n",
	        (unsigned long long)b->records_added, (unsigned long long)b->records_updated);
	legend(f, c, l, 2);
	fputs("<table><tr><th>单位 <span class=\"en\">office</span></th><th>新增</th><th>更新"
	      "</th><th></th></tr>\n",
	      f);
	for (size_t i = 0; i < b->n_offices; i++) {
		const Carenet__BulletinOffice *o = b->offices[i];
		uint64_t v[] = {o->records_added, o->records_updated};
		int w = (int)(240.0 * (double)(v[0] + v[1]) / (double)max);
		if (!v[0] && !v[1])
			continue;
		fputs("<tr><td class=\"mono\">", f);
		render_esc(f, o->id);
		fprintf(f, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td>",
		        (unsigned long long)v[0], (unsigned long long)v[1]);
		stack(f, v, c, 2, w > 2 ? w : 2);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static const char *res_cls(const char *r)
{
	return !strcmp(r, "pass")      ? "pass"
	       : !strcmp(r, "fail")    ? "fail"
	       : !strcmp(r, "unknown") ? "unk"
	                               : "na";
}

/* Stacked columns per month end (pass fail unknown n/a) with pass count. */
void render_trend(FILE *f, const struct render_trend *t)
{
	static const char *const c[] = {C_OK, C_BAD, C_LATE, C_OPEN};
	static const char *const l[] = {"达标 pass", "未达标 fail", "不明 unknown", "不适用 n/a"};
	unsigned long max = 1;
	const int W = 600, H = 170, top = 14, bh = 120, cw = W / RENDER_TREND;
	for (size_t i = 0; i < t->n; i++) {
		unsigned long s = t->v[i].n[0] + t->v[i].n[1] + t->v[i].n[2] + t->v[i].n[3];
		max = s > max ? s : max;
	}
	legend(f, c, l, 4);
	fprintf(f,
	        "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	        "font-size=\"10\" font-family=\"sans-serif\">\n",
	        W, H, W, H);
	fprintf(f, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", top + bh, W,
	        top + bh);
	for (size_t i = 0; i < t->n; i++) {
		double y = top + bh;
		int x = (int)i * cw + cw / 4;
		for (int k = 0; k < 4; k++) {
			double h = (double)bh * (double)t->v[i].n[k] / (double)max;
			y -= h;
			if (h > 0)
				fprintf(f,
				        "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
				        "fill=\"%s\"/>",
				        x, y, cw / 2, h, c[k]);
		}
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">%lu</text>",
		        x + cw / 4, y - 3, t->v[i].n[0]);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x + cw / 4,
		        top + bh + 14, t->v[i].at);
	}
	fputs("</svg>\n<p class=\"small en\">每列为月末评估结果 (number above: indicators "
	      "passing; the current month: as of today)</p>\n",
	      f);
}

static void compliance(FILE *f, const Carenet__BulletinReply *b, const struct render_trend *t)
{
	static const char *const names[] = {"达标 pass", "未达标 fail", "不明 unknown",
	                                    "不适用 n/a"};
	fputs("<h2>四、合规变化 <span class=\"en\">Compliance: what changed since last month"
	      "</span></h2>\n<p>标准 <span class=\"en\">standard</span> <span class=\"mono\">",
	      f);
	render_esc(f, b->standard);
	fprintf(f, "</span> · %s → %s</p>\n<table class=\"small\"><tr><th></th>", b->at_before,
	        b->at_after);
	for (int k = 0; k < 4; k++)
		fprintf(f, "<th>%s</th>", names[k]);
	fputs("</tr>\n", f);
	for (int r = 0; r < 2; r++) {
		const uint64_t *v = r ? b->summary_after : b->summary_before;
		size_t n = r ? b->n_summary_after : b->n_summary_before;
		fprintf(f, "<tr><td>%s</td>", r ? b->at_after : b->at_before);
		for (size_t k = 0; k < 4; k++)
			fprintf(f, "<td class=\"n\">%llu</td>",
			        (unsigned long long)(k < n ? v[k] : 0));
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (b->n_changes) {
		fputs("<table class=\"small\" style=\"margin-top:6pt\"><tr><th>指标 <span "
		      "class=\"en\">"
		      "indicator</span></th><th>上月 <span class=\"en\">before</span></th><th>本月 "
		      "<span class=\"en\">now</span></th><th>内容 <span class=\"en\">what</span>"
		      "</th></tr>\n",
		      f);
		for (size_t i = 0; i < b->n_changes; i++) {
			const Carenet__BulletinChange *c = b->changes[i];
			fprintf(f, "<tr><td class=\"mono\">%s", c->veto ? "否决 " : "");
			render_esc(f, c->id);
			fprintf(f, "</td><td class=\"%s\">%s</td><td class=\"%s\">%s</td><td>",
			        res_cls(c->before), c->before[0] ? c->before : "—",
			        res_cls(c->after), c->after);
			render_esc(f, c->zh);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	fputs("<h2>五、近六个月趋势 <span class=\"en\">Trend: the last 6 month ends</span></h2>\n",
	      f);
	render_trend(f, t);
	if (b->compliance)
		render_townships(f, b->compliance);
}

void render_bulletin_html(const Carenet__BulletinReply *b, const struct render_trend *t, FILE *f)
{
	char title[128];
	snprintf(title, sizeof(title), "月通报 Monthly bulletin %s — %s", b->month, b->office);
	render_head(f, title);
	headline(f, b);
	directives(f, b);
	items(f, "<h3>逾期未办 <span class=\"en\">Overdue</span></h3>\n", b->overdue_list,
	      b->n_overdue_list);
	items(f, "<h3>限时整改 <span class=\"en\">Rectification orders</span></h3>\n",
	      b->rectifications, b->n_rectifications);
	reports(f, b);
	ledger(f, b);
	compliance(f, b, t);
	fputs("<p class=\"small en\">carenet bulletin — 按时: 在期限前办结 (done by the due time); "
	      "数据为本节点所持副本 (figures from the records held at this node). "
	      "个人信息不出现在本通报中 (no personal field appears here).</p>\n</body></html>\n",
	      f);
}
