/*
 * render_compliance: the compliance report (`carenet compliance --html FILE`,
 * the web's /compliance/report) — one self-contained page (inline CSS and
 * SVG, no script, no network), printable on A4, Chinese first with English
 * beside: the verdict, the counts, veto items, every indicator with a bar (a
 * share against its threshold), the roll-up per township as a heat table, the
 * trend, and the age of each office's data. Also the counts and verdict the
 * CLI's table and JSON print, and the trend's dates and points.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

#define STALE_S (14 * 86400) /* data older than this is marked */

static const char *const res_names[] = {"pass", "fail", "unknown", "n/a"};

const char *render_result_zh(const char *result)
{
	static const char *const zh[] = {"达标 pass", "未达标 fail", "不明 unknown", "不适用 n/a"};
	for (int k = 0; k < 4; k++)
		if (!strcmp(result, res_names[k]))
			return zh[k];
	return result;
}

void render_compliance_counts(const Carenet__ComplianceReply *c, unsigned long n[4])
{
	memset(n, 0, 4 * sizeof(n[0]));
	for (size_t i = 0; i < c->n_indicators; i++)
		for (int k = 0; k < 4; k++)
			n[k] += !strcmp(c->indicators[i]->result, res_names[k]);
}

int render_compliance_qualifies(const Carenet__ComplianceReply *c)
{
	for (size_t i = 0; i < c->n_indicators; i++)
		if (strcmp(c->indicators[i]->result, "pass") &&
		    strcmp(c->indicators[i]->result, "n/a"))
			return 0;
	return c->n_indicators > 0;
}

/* The last day of the month `back` months before date's (YYYY-MM-DD). */
static void month_end(const char *date, int back, char *out, size_t len)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = atoi(date), m = atoi(date + 5) - back, d;
	while (m < 1)
		m += 12, y--;
	if (m > 12)
		m = 12;
	d = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
	/* bounded for the compiler's truncation check: y is a 4-digit year here */
	snprintf(out, len, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
	         (unsigned)d % 100u);
}

void render_trend_dates(const char *last, char at[RENDER_TREND][11])
{
	for (int k = RENDER_TREND - 1; k >= 0; k--) {
		char *p = at[RENDER_TREND - 1 - k];
		if (k == 0)
			snprintf(p, 11, "%.10s", last);
		else
			month_end(last, k, p, 11);
	}
}

void render_trend_point(struct render_point *p, const char *at, const Carenet__ComplianceReply *c)
{
	snprintf(p->at, sizeof(p->at), "%.10s", at);
	memset(p->n, 0, sizeof(p->n));
	for (size_t i = 0; c && i < c->n_indicators; i++) {
		const char *r = c->indicators[i]->result;
		p->n[!strcmp(r, "pass")      ? 0
		     : !strcmp(r, "fail")    ? 1
		     : !strcmp(r, "unknown") ? 2
		                             : 3]++;
	}
}

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char *cls(const char *result)
{
	return !strcmp(result, "pass")      ? "pass"
	       : !strcmp(result, "fail")    ? "fail"
	       : !strcmp(result, "unknown") ? "unk"
	                                    : "na";
}

static void head(FILE *f, const Carenet__ComplianceReply *c)
{
	fputs(
	    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>合规评估 "
	    "Compliance — ",
	    f);
	esc(f, c->office);
	fputs(
	    "</title>\n<style>\n"
	    "@page{size:A4;margin:14mm 12mm}\n"
	    "@media screen and (max-width:640px){body{padding:0 6px}table{display:block;overflow-x:auto}}\n"
	    "body{font-family:'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei',"
	    "'Microsoft YaHei',sans-serif;font-size:10pt;color:#1a1a1a;margin:0 auto;"
	    "max-width:186mm}\n"
	    "h1{font-size:16pt;margin:0 0 2pt}h2{font-size:12pt;margin:14pt 0 4pt;"
	    "border-bottom:1px solid #999}\n"
	    ".en{color:#555;font-size:8.5pt}.sub{color:#444;margin:0 0 8pt}\n"
	    "table{border-collapse:collapse;width:100%;page-break-inside:auto}"
	    "tr{page-break-inside:avoid}\n"
	    "th,td{border:1px solid #bbb;padding:2pt 4pt;vertical-align:top;text-align:left}"
	    "th{background:#eee;font-weight:600}\n"
	    ".pass{background:#d9f0d9}.fail{background:#f8d0cc}.unk{background:#fbeec2}"
	    ".na{background:#eee;color:#666}\n"
	    ".box{display:inline-block;padding:4pt 8pt;margin:0 6pt 4pt 0;border-radius:3pt;"
	    "font-size:11pt}\n"
	    ".verdict{font-size:12pt;font-weight:600;padding:6pt;margin:6pt 0;border-radius:3pt}\n"
	    ".mono{font-family:monospace;font-size:8.5pt}.small{font-size:8pt}\n"
	    "</style></head><body>\n",
	    f);
}

static void summary(FILE *f, const Carenet__ComplianceReply *c)
{
	static const char *const k[] = {"pass", "fail", "unknown", "n/a"};
	unsigned long n[4];
	int ok = render_compliance_qualifies(c);
	render_compliance_counts(c, n);
	fputs(
	    "<h1>合规评估 <span class=\"en\">Compliance evaluation</span></h1>\n<p class=\"sub\">",
	    f);
	esc(f, c->title_zh);
	fputs("<br><span class=\"en\">", f);
	esc(f, c->title_en);
	fputs("</span><br>评估范围 <span class=\"en\">office</span> <b>", f);
	esc(f, c->office);
	fputs("</b> · 评估日期 <span class=\"en\">as of</span> <b>", f);
	esc(f, c->at);
	fputs("</b> · 标准 <span class=\"en\">standard</span> <span class=\"mono\">", f);
	esc(f, c->standard);
	fputs("</span></p>\n", f);
	fprintf(f, "<div class=\"verdict %s\">%s</div>\n", ok ? "pass" : "fail",
	        ok ? "达标 — 每条指标均达到 <span class=\"en\">meets the standard: every indicator "
	             "passes</span>"
	           : "尚未达标 — 有指标未达标或数据不明 <span class=\"en\">does not (yet) meet the "
	             "standard: an indicator fails or is unknown (unknown is not a pass)</span>");
	for (int i = 0; i < 4; i++) {
		const char *zh = render_result_zh(k[i]);
		fprintf(
		    f, "<span class=\"box %s\">%.*s <b>%lu</b> <span class=\"en\">%s</span></span>",
		    cls(k[i]), (int)strcspn(zh, " "), zh, n[i], k[i]);
	}
	fputs("\n", f);
}

/* A bar: the value (0..1) filled, the threshold as a line. */
static void bar(FILE *f, const Carenet__ComplianceIndicator *x)
{
	double t = 0;
	const char *fill;
	if (!x->has_value || !strchr(x->threshold, '%'))
		return;
	sscanf(x->threshold + strcspn(x->threshold, "0123456789"), "%lf", &t);
	t /= 100;
	fill = !strcmp(x->result, "pass")   ? "#4a9f4a"
	       : !strcmp(x->result, "fail") ? "#c9483b"
	                                    : "#d9a521";
	fprintf(f,
	        "<svg width=\"90\" height=\"12\" viewBox=\"0 0 100 12\" role=\"img\" "
	        "aria-label=\"%.0f%%\"><rect x=\"0\" y=\"1\" width=\"100\" height=\"10\" "
	        "fill=\"#eee\" stroke=\"#aaa\" stroke-width=\"0.5\"/>"
	        "<rect x=\"0\" y=\"1\" width=\"%.1f\" height=\"10\" fill=\"%s\"/>"
	        "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"12\" stroke=\"#000\" "
	        "stroke-width=\"1.2\"/></svg> ",
	        x->value * 100, x->value * 100, fill, t * 100, t * 100);
}

static void value(FILE *f, const Carenet__ComplianceIndicator *x)
{
	bar(f, x);
	if (x->has_value && strchr(x->threshold, '%'))
		fprintf(f, "%.0f%%", x->value * 100);
	else if (x->has_value)
		fprintf(f, "%.0f", x->value);
	if (*x->threshold) {
		fputs(" / ", f);
		if (!strcmp(x->threshold, "all"))
			fputs("全部 <span class=\"en\">all</span>", f);
		else
			esc(f, x->threshold);
	}
}

static void age(FILE *f, long long s)
{
	if (s < 0)
		fputs("—", f);
	else if (s < 3600)
		fprintf(f, "%lld 分 <span class=\"en\">min</span>", s / 60);
	else if (s < 2 * 86400)
		fprintf(f, "%lld 小时 <span class=\"en\">h</span>", s / 3600);
	else
		fprintf(f, "%lld 天 <span class=\"en\">days</span>", s / 86400);
}

static void row(FILE *f, const Carenet__ComplianceIndicator *x)
{
	const char *zh = render_result_zh(x->result);
	fprintf(f, "<tr><td class=\"mono\">%s", x->veto ? "<b>否决</b> " : "");
	esc(f, x->id);
	fputs("<br><span class=\"small\">", f);
	esc(f, x->mode);
	fputs(" · ", f);
	esc(f, x->tier);
	fputs("</span></td><td>", f);
	esc(f, x->zh);
	fputs("<br><span class=\"en\">", f);
	esc(f, x->en);
	fprintf(f, "</span></td><td class=\"%s\">%.*s<br><span class=\"en\">%s</span></td><td>",
	        cls(x->result), (int)strcspn(zh, " "), zh, x->result);
	value(f, x);
	fputs("</td><td class=\"small\">", f);
	for (size_t k = 0; k < x->n_failing_offices && k < 8; k++) {
		esc(f, x->failing_offices[k]);
		fputs(" ", f);
	}
	if (x->n_failing_offices > 8 || x->failing_more)
		fprintf(f, "… (%zu%s)", x->n_failing_offices, x->failing_more ? "+" : "");
	if (*x->note) {
		fputs("<br><i>", f);
		esc(f, x->note);
		fputs("</i>", f);
	}
	for (size_t k = 0; k < x->n_readings; k++) {
		fputs("<br>", f);
		esc(f, x->readings[k]->standard);
		fputs(": ", f);
		esc(f, render_result_zh(x->readings[k]->result));
		fputs(" ", f);
		esc(f, x->readings[k]->threshold);
	}
	fputs("</td><td class=\"small\">", f);
	age(f, x->data_age_s);
	fputs("</td></tr>\n", f);
}

/* Which rows a table holds: veto items; measured; not measured (no rule). */
enum part { P_VETO, P_MEASURED, P_OTHER };

static int in_part(const Carenet__ComplianceIndicator *x, enum part p)
{
	if (p == P_VETO)
		return x->veto;
	return !x->veto && (p == P_MEASURED) == (x->rule[0] != 0);
}

static void others(FILE *f, const Carenet__ComplianceReply *c)
{
	fputs(
	    "<h2 id=\"other\">未计量指标 <span class=\"en\">Not measured here: attested (A), "
	    "inspected (I), "
	    "another department's figure (X), informational (—), or data not kept yet</span></h2>\n"
	    "<table><colgroup><col style=\"width:27%\"><col style=\"width:5%\"><col style=\""
	    "width:40%\"><col style=\"width:28%\"></colgroup><tr><th>编号 <span class=\"en\">"
	    "id</span></th><th>方式</th><th>指标 <span class=\"en\">indicator</span></th><th>"
	    "结果 <span class=\"en\">result</span></th></tr>\n",
	    f);
	for (size_t i = 0; i < c->n_indicators; i++) {
		const Carenet__ComplianceIndicator *x = c->indicators[i];
		const char *zh = render_result_zh(x->result);
		if (!in_part(x, P_OTHER))
			continue;
		fputs("<tr><td class=\"mono\">", f);
		esc(f, x->id);
		fputs("</td><td>", f);
		esc(f, x->mode);
		fputs("</td><td class=\"small\">", f);
		esc(f, x->zh);
		fprintf(f, "</td><td class=\"%s small\">%.*s <span class=\"en\">%s</span>%s: ",
		        cls(x->result), (int)strcspn(zh, " "), zh, x->result,
		        x->attested ? " <b>声明</b> <span class=\"en\">attested</span>" : "");
		esc(f, x->note);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void table(FILE *f, const Carenet__ComplianceReply *c, enum part part)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_indicators; i++)
		n += in_part(c->indicators[i], part);
	if (!n)
		return;
	if (part == P_OTHER)
		return others(f, c);
	fputs(part == P_VETO
	          ? "<h2 id=\"veto\">一票否决项 <span class=\"en\">Veto items</span></h2>\n"
	          : "<h2 id=\"measured\">计量指标 <span class=\"en\">Measured "
	            "indicators</span></h2>\n",
	      f);
	fputs("<table><colgroup><col style=\"width:21%\"><col style=\"width:33%\"><col style=\""
	      "width:9%\"><col style=\"width:16%\"><col style=\"width:13%\"><col style=\""
	      "width:8%\"></colgroup><tr><th>编号 <span class=\"en\">id</span></th><th>指标 <span "
	      "class=\"en\">"
	      "indicator</span></th><th>结果 <span class=\"en\">result</span></th><th>数值 / 标准 "
	      "<span class=\"en\">value / threshold</span></th><th>未达标单位 <span class=\"en\">"
	      "failing offices</span></th><th>数据时效 <span class=\"en\">data "
	      "age</span></th></tr>\n",
	      f);
	for (size_t i = 0; i < c->n_indicators; i++)
		if (in_part(c->indicators[i], part))
			row(f, c->indicators[i]);
	fputs("</table>\n", f);
}

/* Townships × indicators with elements: a heat table (also the bulletin's). */
void render_townships(FILE *f, const Carenet__ComplianceReply *c)
{
	const Carenet__ComplianceIndicator *cols[40];
	const char *towns[64];
	size_t nc = 0, nt = 0;
	for (size_t i = 0; i < c->n_indicators && nc < 40; i++) {
		const Carenet__ComplianceIndicator *x = c->indicators[i];
		if (!x->n_townships)
			continue;
		cols[nc++] = x;
		for (size_t k = 0; k < x->n_townships; k++) {
			size_t t = 0;
			while (t < nt && strcmp(towns[t], x->townships[k]->id))
				t++;
			if (t == nt && nt < 64)
				towns[nt++] = x->townships[k]->id;
		}
	}
	if (!nc)
		return;
	fputs(
	    "<h2 id=\"townships\">乡镇汇总 <span class=\"en\">Roll-up per township: failing / "
	    "counted (村、社区 or 乡镇 per indicator)</span></h2>\n<table class=\"small\"><tr><th>"
	    "指标 <span class=\"en\">indicator</span></th>",
	    f);
	for (size_t t = 0; t < nt; t++) {
		fputs("<th class=\"mono\" title=\"", f);
		esc(f, towns[t]);
		fputs("\">", f);
		esc(f, strlen(towns[t]) > 6 ? towns[t] + 6 : towns[t]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < nc; i++) {
		fputs("<tr><td class=\"mono\">", f);
		esc(f, cols[i]->id);
		fputs("</td>", f);
		for (size_t t = 0; t < nt; t++) {
			const Carenet__ComplianceTownship *w = NULL;
			for (size_t k = 0; k < cols[i]->n_townships; k++)
				if (!strcmp(cols[i]->townships[k]->id, towns[t]))
					w = cols[i]->townships[k];
			if (!w)
				fputs("<td class=\"na\"></td>", f);
			else
				fprintf(f, "<td class=\"%s\">%llu/%llu</td>", cls(w->result),
				        (unsigned long long)w->fail,
				        (unsigned long long)(w->pass + w->fail + w->unknown));
		}
		fputs("</tr>\n", f);
	}
	fputs("</table><p class=\"small en\">columns: township code after the county's 6 digits "
	      "(乡镇代码后三位)</p>\n",
	      f);
}

static void offices(FILE *f, const Carenet__ComplianceReply *c)
{
	if (!c->n_offices)
		return;
	fputs(
	    "<h2 id=\"offices\">各单位数据时效 <span class=\"en\">Age of each office's data "
	    "(newest record held "
	    "here)</span></h2>\n<table><tr><th>单位 <span class=\"en\">office</span></th><th>时效 "
	    "<span class=\"en\">age</span></th><th>单位</th><th>时效</th><th>单位</th><th>时效</th>"
	    "</tr>\n<tr>",
	    f);
	for (size_t i = 0; i < c->n_offices; i++) {
		const Carenet__ComplianceOffice *o = c->offices[i];
		fprintf(f, "<td class=\"mono\">%s", "");
		esc(f, o->id);
		fprintf(f, "</td><td class=\"%s small\">", o->data_age_s > STALE_S ? "unk" : "");
		age(f, o->data_age_s);
		fputs("</td>", f);
		if (i % 3 == 2 && i + 1 < c->n_offices)
			fputs("</tr>\n<tr>", f);
	}
	fputs("</tr></table>\n", f);
}

int render_compliance_html(const Carenet__ComplianceReply *c, const struct render_trend *trend,
                           FILE *f)
{
	head(f, c);
	summary(f, c);
	table(f, c, P_VETO);
	table(f, c, P_MEASURED);
	render_townships(f, c);
	if (trend) {
		fputs("<h2 id=\"trend\">近六个月趋势 <span class=\"en\">Trend: the last 6 month ends"
		      "</span></h2>\n",
		      f);
		render_trend(f, trend);
	}
	table(f, c, P_OTHER);
	offices(f, c);
	fputs(
	    "<p class=\"small en\">carenet compliance — 不明 (unknown): "
	    "数据缺失或尚未计量，不视为达标 "
	    "(data missing or not measured; never counted as a pass). 个人信息不出现在本报告中 (no "
	    "personal field appears in this report).</p>\n</body></html>\n",
	    f);
	return ferror(f) ? -1 : 0;
}
