/*
 * pages_compliance: the compliance report (合规评估) and the monthly bulletin
 * (月通报) as `carenet compliance --html` and `carenet bulletin --html` make
 * them: the same control requests (compliance, bulletin, and the 6
 * compliance evaluations of the trend), the same renderers (render/). Each
 * has a page in the site's frame (the choice of standard or month and the
 * summary figures) and a printable page of its own, the renderer's document
 * with a back link, served with a policy that lets its inline style sheet
 * apply (it has no script). Every role may look at them.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "standards.h"
#include "util.h"

#define EVAL_MS 30000 /* an evaluation over a county's records (the CLI's write timeout) */
#define DEFAULT_STANDARD "mca-2018-demo"

/* The report pages' policy: the renderer's <style> and SVG, nothing else. */
static const char report_csp[] = "default-src 'none'; style-src 'unsafe-inline'; "
                                 "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

void web_standards_load(struct web *w)
{
	const char *dir = w->cfg->standards_dir && w->cfg->standards_dir[0] ? w->cfg->standards_dir
	                                                                    : sd_default_dir();
	char **ids = NULL, err[512];
	size_t n = 0;

	w->n_std = 0;
	if (sd_list_ids(dir, &ids, &n) != 0)
		return;
	for (size_t i = 0; i < n && w->n_std < WEB_STD_MAX; i++) {
		struct sd_standard *s = NULL;
		struct web_std *d = &w->std[w->n_std];
		if (strlen(ids[i]) >= sizeof(d->id) ||
		    sd_load_id(dir, ids[i], &s, err, sizeof(err)))
			continue;
		snprintf(d->id, sizeof(d->id), "%s", s->id);
		snprintf(d->title, sizeof(d->title), "%s %s", s->title_zh ? s->title_zh : "",
		         s->title_en ? s->title_en : "");
		d->sd = s; /* kept: the inspection page's check texts */
		w->n_std++;
	}
	sd_ids_free(ids, n);
}

void web_standards_free(struct web *w)
{
	for (size_t i = 0; i < w->n_std; i++)
		sd_standard_free(w->std[i].sd), w->std[i].sd = NULL;
	w->n_std = 0;
}

/* The standard asked for: ?standard=ID, else the default (the node refuses an unknown one). */
const char *web_chosen_standard(struct page *pg)
{
	const char *s = page_arg(pg, "standard");
	return s && *s && strlen(s) < 64 ? s : DEFAULT_STANDARD;
}

int web_ask_compliance(struct page *pg, const char *standard, const char *at,
                       Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ComplianceRequest cq = CARENET__COMPLIANCE_REQUEST__INIT;
	char *v[1] = {(char *)standard};

	cq.standards = v, cq.n_standards = 1;
	cq.office = (char *)"", cq.at = (char *)at;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_COMPLIANCE;
	req.compliance = &cq;
	if (web_call(pg, &req, EVAL_MS, rep) != 0)
		return -1;
	return (*rep)->compliance ? 0 : -1;
}

static int ask_bulletin(struct page *pg, const char *month, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__BulletinRequest q = CARENET__BULLETIN_REQUEST__INIT;

	q.month = (char *)month;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_BULLETIN;
	req.bulletin = &q;
	if (web_call(pg, &req, EVAL_MS, rep) != 0)
		return -1;
	return (*rep)->bulletin ? 0 : -1;
}

/* The trend of the 6 month ends up to last, as cli_compliance_trend asks it. */
static int ask_trend(struct page *pg, const char *standard, const char *last,
                     struct render_trend *t)
{
	char at[RENDER_TREND][11];

	memset(t, 0, sizeof(*t));
	render_trend_dates(last, at);
	for (int k = 0; k < RENDER_TREND; k++) {
		Carenet__ControlReply *rep = NULL;
		int rc = web_ask_compliance(pg, standard, at[k], &rep);
		if (rc == 0)
			render_trend_point(&t->v[t->n++], at[k], rep->compliance);
		if (rep)
			carenet__control_reply__free_unpacked(rep, NULL);
		if (rc)
			return -1;
	}
	return 0;
}

/* This month in the node's zone, "YYYY-MM". */
static void this_month(struct page *pg, char out[8])
{
	char now[32];
	web_time(pg->w, util_now(), now, sizeof(now));
	snprintf(out, 8, "%.7s", now);
}

/* ?month=YYYY-MM (checked by the node), else this month. */
static const char *chosen_month(struct page *pg, char buf[8])
{
	const char *m = page_arg(pg, "month");
	if (m && *m && strlen(m) < 16)
		return m;
	this_month(pg, buf);
	return buf;
}

/* The renderer's document as the body, a back link after <body>. */
static void report_doc(struct page *pg, const char *doc, size_t len, const char *back,
                       const char *value)
{
	const char *body = strstr(doc, "<body>");
	size_t head = body ? (size_t)(body - doc) + 6 : 0;

	buf_put(&pg->out, doc, head);
	buf_htmlf(&pg->out, "\n<p class=\"small\"><a id=\"back\" class=\"back\" href=\"%s", back);
	buf_url(&pg->out, value);
	buf_puts(&pg->out, "\">← 返回 <span class=\"en\">Back</span></a></p>");
	buf_put(&pg->out, doc + head, len - head);
	pg->csp = report_csp;
}

/* A request that failed on a report page: its note inside the site's frame. */
static void report_failed(struct page *pg, const char *zh, const char *en)
{
	struct buf note = pg->out;
	memset(&pg->out, 0, sizeof(pg->out));
	page_begin(pg, zh, en);
	buf_put(&pg->out, note.p ? note.p : "", note.len);
	buf_free(&note);
	page_end(pg);
}

void web_standard_form(struct page *pg, const char *action, const char *standard)
{
	int listed = 0;

	buf_htmlf(&pg->out,
	          "<form method=\"get\" action=\"%s\" class=\"inline noprint\"><label "
	          "for=\"std\">%s</label> <select id=\"std\" name=\"standard\">",
	          action, TX(pg, "标准", "Standard"));
	for (size_t i = 0; i < pg->w->n_std; i++) {
		const struct web_std *d = &pg->w->std[i];
		listed |= !strcmp(d->id, standard);
		buf_htmlf(&pg->out, "<option value=\"%s\"%s>%s — %s</option>", d->id,
		          strcmp(d->id, standard) ? "" : " selected", d->id, d->title);
	}
	if (!listed)
		buf_htmlf(&pg->out, "<option value=\"%s\" selected>%s</option>", standard,
		          standard);
	buf_htmlf(&pg->out, "</select> <button type=\"submit\">%s</button></form>",
	          TX(pg, "评估", "Evaluate"));
}

static void compliance_summary(struct page *pg, const Carenet__ComplianceReply *c)
{
	static const char *const k[] = {"pass", "fail", "unknown", "n/a"};
	static const char *const id[] = {"n-pass", "n-fail", "n-unknown", "n-na"};
	unsigned long n[4];
	int ok = render_compliance_qualifies(c);

	render_compliance_counts(c, n);
	buf_htmlf(&pg->out, "<p>%s <b>%s</b> · %s <b>%s</b><br>%s %s</p>",
	          TX(pg, "评估范围", "Office"), c->office, TX(pg, "评估日期", "As of"), c->at,
	          c->title_zh, c->title_en);
	buf_htmlf(&pg->out, "<p id=\"verdict\" class=\"note %s\" data-qualifies=\"%s\">%s</p>",
	          ok ? "ok" : "error", ok ? "true" : "false",
	          ok ? "达标 — meets the standard"
	             : "尚未达标 — does not (yet) meet the standard (unknown is not a pass)");
	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table id=\"summary\"><caption>%s</caption>"
	          "<thead><tr>",
	          TX(pg, "指标结果", "Indicator results"));
	for (int i = 0; i < 4; i++)
		buf_htmlf(&pg->out, "<th scope=\"col\">%s</th>", render_result_zh(k[i]));
	buf_puts(&pg->out, "</tr></thead><tbody><tr>");
	for (int i = 0; i < 4; i++)
		buf_printf(&pg->out, "<td id=\"%s\">%lu</td>", id[i], n[i]);
	buf_puts(&pg->out, "</tr></tbody></table></div>");
}

void page_compliance(struct page *pg)
{
	const char *standard = web_chosen_standard(pg);
	Carenet__ControlReply *rep = NULL;

	page_begin(pg, "合规评估", "Compliance");
	web_standard_form(pg, "/compliance", standard);
	if (web_ask_compliance(pg, standard, "", &rep) == 0) {
		compliance_summary(pg, rep->compliance);
		buf_puts(&pg->out, "<p><a id=\"report\" href=\"/compliance/report?standard=");
		buf_url(&pg->out, standard);
		buf_htmlf(&pg->out, "\">%s</a></p>",
		          TX(pg, "打开完整报告（含图表与近六个月趋势，可打印）",
		             "Open the full report (charts, the last 6 months' trend; printable)"));
	}
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}

void page_compliance_report(struct page *pg)
{
	const char *standard = web_chosen_standard(pg);
	Carenet__ControlReply *rep = NULL;
	struct render_trend t;
	char *doc = NULL;
	size_t len = 0;
	FILE *f;

	if (web_ask_compliance(pg, standard, "", &rep) != 0 ||
	    ask_trend(pg, standard, rep->compliance->at, &t) != 0) {
		report_failed(pg, "合规评估", "Compliance");
	} else if ((f = open_memstream(&doc, &len)) != NULL) {
		render_compliance_html(rep->compliance, &t, f);
		fclose(f);
		report_doc(pg, doc, len, "/compliance?standard=", standard);
		free(doc);
	} else {
		pg->out.oom = 1;
	}
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
}

static void month_form(struct page *pg, const char *month)
{
	buf_htmlf(&pg->out,
	          "<form method=\"get\" action=\"/bulletin\" class=\"inline\"><label for=\"month\">"
	          "%s</label> <input id=\"month\" name=\"month\" type=\"month\" value=\"%s\" "
	          "placeholder=\"YYYY-MM\"> <button type=\"submit\">%s</button></form>",
	          TX(pg, "月份", "Month"), month, TX(pg, "查看", "Show"));
}

static void bulletin_row(struct page *pg, const char *id, const char *zh, const char *en,
                         uint64_t v)
{
	buf_htmlf(&pg->out, "<tr><th scope=\"row\">%s</th>", TX(pg, zh, en));
	buf_printf(&pg->out, "<td id=\"%s\">%llu</td></tr>", id, (unsigned long long)v);
}

static void bulletin_summary(struct page *pg, const Carenet__BulletinReply *b)
{
	buf_htmlf(&pg->out, "<p>%s <b>%s</b> %s · %s <b id=\"b-month\">%s</b></p>",
	          TX(pg, "单位", "Office"), b->office, b->name, TX(pg, "统计期", "Month"),
	          b->month);
	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table id=\"summary\"><caption>%s</caption><tbody>",
	          TX(pg, "本月要点", "The month in figures"));
	bulletin_row(pg, "b-issued", "下发指令", "Directives issued", b->directives);
	bulletin_row(pg, "b-targeted", "任务（对象单位）", "Targets", b->targeted);
	bulletin_row(pg, "b-on-time", "按时办结", "Done on time", b->on_time);
	bulletin_row(pg, "b-late", "逾期办结", "Done late", b->late);
	bulletin_row(pg, "b-overdue", "逾期未办", "Overdue", b->overdue);
	bulletin_row(pg, "b-open", "办理中", "Open", b->open);
	bulletin_row(pg, "b-filed", "强制报告", "Reports filed", b->reports);
	bulletin_row(pg, "b-hops", "应受理", "Hops to acknowledge", b->hops);
	bulletin_row(pg, "b-added", "新增台账", "Records added", b->records_added);
	bulletin_row(pg, "b-updated", "更新台账", "Records updated", b->records_updated);
	bulletin_row(pg, "b-changes", "合规变化", "Compliance changes", b->n_changes);
	buf_puts(&pg->out, "</tbody></table></div>");
}

void page_bulletin(struct page *pg)
{
	char buf[8];
	const char *month = chosen_month(pg, buf);
	Carenet__ControlReply *rep = NULL;

	page_begin(pg, "月通报", "Monthly bulletin");
	month_form(pg, month);
	if (ask_bulletin(pg, month, &rep) == 0) {
		bulletin_summary(pg, rep->bulletin);
		buf_puts(&pg->out, "<p><a id=\"report\" href=\"/bulletin/report?month=");
		buf_url(&pg->out, month);
		buf_htmlf(&pg->out, "\">%s</a></p>",
		          TX(pg, "打开完整通报（含图表，可打印）",
		             "Open the full bulletin (charts; printable)"));
	}
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}

void page_bulletin_report(struct page *pg)
{
	char buf[8];
	const char *month = chosen_month(pg, buf);
	Carenet__ControlReply *rep = NULL;
	struct render_trend t;
	char *doc = NULL;
	size_t len = 0;
	FILE *f;

	/* the trend is the CLI's: the bulletin's default standard, to its month's end */
	if (ask_bulletin(pg, month, &rep) != 0 ||
	    ask_trend(pg, DEFAULT_STANDARD, rep->bulletin->at_after, &t) != 0) {
		report_failed(pg, "月通报", "Monthly bulletin");
	} else if ((f = open_memstream(&doc, &len)) != NULL) {
		render_bulletin_html(rep->bulletin, &t, f);
		fclose(f);
		report_doc(pg, doc, len, "/bulletin?month=", rep->bulletin->month);
		free(doc);
	} else {
		pg->out.oom = 1;
	}
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
}
