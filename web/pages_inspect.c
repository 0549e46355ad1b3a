/*
 * pages_inspect: /inspection, what a visiting inspection team (督导检查组)
 * needs at this office, from the requests the CLI sends for the same:
 * the standard's indicators an inspector must decide (mode I, or A without
 * an attestation) that are still unknown here (`compliance`, as `carenet
 * compliance --standard ID`), each with what to check and the evidence to
 * see (the standard file's `check` and mode text, as `carenet standards
 * show` prints them); the inspectors' findings this office keeps
 * (`finding_list`, as `carenet inspect findings`), each with the
 * rectification orders (限时整改) it caused (the directives whose ref names
 * the finding: `directive_list` here as issuer, `inbox` as target). The
 * page prints as a checklist (the style sheet's print rules: no navigation
 * or forms, a box to tick per indicator). Every role may look.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "roles.h"
#include "standards.h"

#define READ_MS 5000
#define MAX_SHOWN 500 /* findings listed (the rest: carenet inspect findings --csv) */

/* The standard's indicator id (loaded before the sandbox), or NULL. */
static const struct sd_indicator *std_indicator(struct page *pg, const char *std, const char *id)
{
	for (size_t i = 0; i < pg->w->n_std; i++) {
		const struct sd_standard *s = pg->w->std[i].sd;
		if (!s || strcmp(pg->w->std[i].id, std))
			continue;
		for (size_t k = 0; k < s->n; k++)
			if (!strcmp(s->v[k].id, id))
				return &s->v[k];
	}
	return NULL;
}

/* Needs an inspector: mode I, or A (an attestation or a finding decides it), still unknown. */
static int awaits_inspector(const Carenet__ComplianceIndicator *x)
{
	return (!strcmp(x->mode, "I") || !strcmp(x->mode, "A")) && !strcmp(x->result, "unknown");
}

static void need_row(struct page *pg, const char *std, const Carenet__ComplianceIndicator *x)
{
	const struct sd_indicator *d = std_indicator(pg, std, x->id);

	buf_htmlf(&pg->out,
	          "<tr data-indicator=\"%s\"><th scope=\"row\">%s<br><span lang=\"zh-CN\">%s</span>"
	          "<br><span class=\"hint\" lang=\"en\">%s</span></th><td>%s<br><span "
	          "class=\"hint\">%s</span></td><td>%s</td><td>%s</td>",
	          x->id, x->id, x->zh, x->en, x->mode,
	          d && strcmp(d->mode_text, x->mode) ? d->mode_text : "", d ? d->check : "",
	          x->note);
	buf_htmlf(&pg->out, "<td class=\"tick\">☐ %s<br>☐ %s</td><td class=\"write\"></td></tr>",
	          TX(pg, "达标", "pass"), TX(pg, "未达标", "fail"));
}

static void need_table(struct page *pg, const char *std, const Carenet__ComplianceReply *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_indicators; i++)
		n += awaits_inspector(c->indicators[i]);
	buf_htmlf(
	    &pg->out,
	    "<h2 id=\"h-need\">%s (<span id=\"n-need\">%zu</span>)</h2><p class=\"hint\">%s</p>",
	    TX(pg, "待督查核实的指标", "Indicators an inspector must decide"), n,
	    TX(pg,
	       "方式 I：只能由督查人员现场核实；A：由签署的承诺（R27）或督查发现（R28）决定。"
	       "督查人员用 carenet inspect finding 记录发现。",
	       "Mode I: only an inspector on site decides it; A: a signed attestation (R27) "
	       "or an inspector's finding (R28). Inspectors record findings with carenet "
	       "inspect finding."));
	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table id=\"need\"><caption>%s</caption><thead><tr>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	          "</tr></thead><tbody>",
	          TX(pg, "检查表（可打印）", "Checklist (printable)"), TX(pg, "指标", "Indicator"),
	          TX(pg, "方式", "Mode"), TX(pg, "检查内容与所需材料", "What to check, evidence"),
	          TX(pg, "为何未知", "Why unknown"), TX(pg, "核实结果", "Found"),
	          TX(pg, "说明", "Notes"));
	for (size_t i = 0; i < c->n_indicators; i++)
		if (awaits_inspector(c->indicators[i]))
			need_row(pg, std, c->indicators[i]);
	if (!n)
		buf_htmlf(&pg->out, "<tr><td colspan=\"6\">%s</td></tr>",
		          TX(pg, "无：每项都已决定。", "None: every one is decided."));
	buf_puts(&pg->out, "</tbody></table></div>");
}

/* The rectification orders this office knows: issued or relayed here, and its inbox. */
struct orders {
	Carenet__ControlReply *issued, *inbox;
};

static void orders_ask(struct page *pg, struct orders *o)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ListRequest lq = CARENET__LIST_REQUEST__INIT;

	lq.state = (char *)"";
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_LIST, &lq);
	web_call(pg, &req, READ_MS, &o->issued);
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_INBOX, NULL);
	web_call(pg, &req, READ_MS, &o->inbox);
}

static void orders_of(struct page *pg, const struct orders *o, const char *finding)
{
	const Carenet__ControlReply *r[2] = {o->issued, o->inbox};
	int any = 0;

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; r[k] && !r[k]->code && i < r[k]->n_directives; i++) {
			const Carenet__DirectiveView *v = r[k]->directives[i];
			if (v->kind != KIND_RECTIFICATION || strcmp(v->ref, finding))
				continue;
			buf_puts(&pg->out, any++ ? "<br>" : "");
			buf_puts(&pg->out, k ? "<a class=\"order\" href=\"/inbox#h-"
			                     : "<a class=\"order\" href=\"/directive?id=");
			buf_url(&pg->out, v->id);
			buf_htmlf(&pg->out, "\">%s</a> ", v->id);
			if (k) /* the target's own state; as issuer, the matrix behind the link */
				page_state(pg, v->my_state, v->overdue && v->my_state < STATE_DONE);
			else if (v->overdue)
				buf_htmlf(&pg->out, "<span class=\"late\">⚠ %s</span>",
				          TX(pg, "有逾期 overdue", "overdue 有逾期"));
		}
	if (!any)
		buf_puts(&pg->out, "-");
}

static void finding_row(struct page *pg, const Carenet__FindingView *f, const struct orders *o)
{
	char at[32];

	web_time(pg->w, f->at, at, sizeof(at));
	buf_htmlf(&pg->out,
	          "<tr data-finding=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>%s<br><span "
	          "class=\"hint\">%s</span></td><td class=\"%s\">%s</td><td>%s</td><td>%s</td><td>",
	          f->id, at, f->inspector, f->office, f->indicator, f->standard,
	          strcmp(f->result, "pass") ? "late" : "st-done", render_result_zh(f->result),
	          f->method, f->note);
	for (size_t k = 0; k < f->n_evidence; k++)
		buf_htmlf(&pg->out, "%s%s", k ? "、" : "", f->evidence[k]->name);
	buf_puts(&pg->out, "</td><td>");
	orders_of(pg, o, f->id);
	buf_puts(&pg->out, "</td></tr>");
}

static void findings_table(struct page *pg, const Carenet__ControlReply *rep,
                           const struct orders *o)
{
	buf_htmlf(&pg->out,
	          "<h2 id=\"h-findings\">%s (<span id=\"n-findings\">%zu</span>)</h2><div "
	          "class=\"scroll\"><table id=\"findings\"><caption>%s</caption><thead><tr>",
	          TX(pg, "督查发现", "Inspectors' findings"), rep->n_findings,
	          TX(pg, "本办保存的督查发现（含下级上报的），最新在后",
	             "Findings kept here (with those relayed from below), oldest first"));
	static const char *const zh[] = {"日期", "督查人员", "单位", "指标",    "结果",
	                                 "方式", "说明",     "材料", "整改通知"};
	static const char *const en[] = {"Date",      "Inspector", "Office",
	                                 "Indicator", "Result",    "Method",
	                                 "Note",      "Evidence",  "Rectification"};
	for (size_t i = 0; i < sizeof(zh) / sizeof(zh[0]); i++)
		buf_htmlf(&pg->out, "<th scope=\"col\">%s</th>", TX(pg, zh[i], en[i]));
	buf_puts(&pg->out, "</tr></thead><tbody>");
	for (size_t i = 0; i < rep->n_findings && i < MAX_SHOWN; i++)
		finding_row(pg, rep->findings[i], o);
	if (!rep->n_findings)
		buf_htmlf(&pg->out, "<tr><td colspan=\"9\">%s</td></tr>",
		          TX(pg, "尚无督查发现。", "No finding yet."));
	buf_puts(&pg->out, "</tbody></table></div>");
	if (rep->n_findings > MAX_SHOWN)
		page_note(pg, "ok",
		          TX(pg, "只列出前 500 条；全部：carenet inspect findings --csv。",
		             "The first 500 only; all of them: carenet inspect findings --csv."));
}

/* The rectification orders addressed to this office (its inbox), with what they refer to. */
static void inbox_orders(struct page *pg, const Carenet__ControlReply *inbox)
{
	size_t n = 0;
	char due[32];

	for (size_t i = 0; inbox && !inbox->code && i < inbox->n_directives; i++) {
		const Carenet__DirectiveView *v = inbox->directives[i];
		if (v->kind != KIND_RECTIFICATION)
			continue;
		if (!n++)
			buf_htmlf(
			    &pg->out,
			    "<h2 id=\"h-orders\">%s</h2><div class=\"scroll\"><table "
			    "id=\"orders\"><caption>%s</caption><thead><tr><th scope=\"col\">%s"
			    "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th "
			    "scope=\"col\">%s</th></tr></thead><tbody>",
			    TX(pg, "本办收到的整改通知", "Rectification orders to this office"),
			    TX(pg, "限时整改（督查发现或上级下发）",
			       "限时整改 (from a finding or from above)"),
			    TX(pg, "通知", "Order"), TX(pg, "关于", "Refers to"),
			    TX(pg, "期限", "Due"), TX(pg, "本办状态", "State here"));
		web_time(pg->w, v->due, due, sizeof(due));
		buf_puts(&pg->out, "<tr><td><a class=\"order\" href=\"/inbox#h-");
		buf_url(&pg->out, v->id);
		buf_htmlf(&pg->out,
		          "\">%s</a><br><span class=\"hint\">%s</span></td><td>%s</td>"
		          "<td>%s</td><td>",
		          v->title, v->id, v->ref, due);
		page_state(pg, v->my_state, v->overdue && v->my_state < STATE_DONE);
		buf_puts(&pg->out, "</td></tr>");
	}
	if (n)
		buf_puts(&pg->out, "</tbody></table></div>");
}

static void findings_section(struct page *pg)
{
	struct orders o = {0};
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__FindingListRequest q = CARENET__FINDING_LIST_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;

	q.office = (char *)"";
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_FINDING_LIST, &q);
	orders_ask(pg, &o);
	if (web_call(pg, &req, READ_MS, &rep) == 0)
		findings_table(pg, rep, &o);
	inbox_orders(pg, o.inbox);
	carenet__control_reply__free_unpacked(rep, NULL);
	carenet__control_reply__free_unpacked(o.issued, NULL);
	carenet__control_reply__free_unpacked(o.inbox, NULL);
}

void page_inspection(struct page *pg)
{
	const char *standard = web_chosen_standard(pg);
	Carenet__ControlReply *rep = NULL;

	page_begin(pg, "督导检查", "Inspection");
	web_standard_form(pg, "/inspection", standard);
	if (web_ask_compliance(pg, standard, "", &rep) == 0) {
		const Carenet__ComplianceReply *c = rep->compliance;
		buf_htmlf(
		    &pg->out,
		    "<p>%s <b id=\"office\">%s</b> · %s <b>%s</b><br>%s %s</p><p "
		    "class=\"hint noprint\">%s</p>",
		    TX(pg, "被检查单位", "Office inspected"), c->office,
		    TX(pg, "评估日期", "As of"), c->at, c->title_zh, c->title_en,
		    TX(pg, "本页可直接打印为检查表（浏览器的“打印”，Ctrl+P）：菜单和按钮不会打印。",
		       "This page prints as a checklist (the browser's Print, Ctrl+P): menus "
		       "and buttons are left out."));
		buf_htmlf(&pg->out,
		          "<p class=\"printonly\">%s ____________ %s ____________ %s ____________</p>",
		          TX(pg, "检查组", "Inspection team"), TX(pg, "检查日期", "Date"),
		          TX(pg, "签名", "Signed"));
		need_table(pg, standard, c);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	findings_section(pg);
	page_end(pg);
}
