/*
 * pages_reports: mandatory reports (强制报告, roles/reports) as `carenet
 * report` shows and sends them: the list (report_list, masked), the filing
 * form (report_file: tick a situation, say what was found, send — made for
 * a phone), one report's hops and steps as a timeline (report_show), and
 * the steps an office takes on it (report_step / report_open_case). The
 * node decides who may take which step and says why not.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"
#include "util.h"

#define WRITE_MS 30000
#define READ_MS 5000

static const char *const situations[] = {"S01", "S02", "S03", "S08", "S09", "S10", "other"};
static const char *const depts[] = {"police", "court",    "procuratorate", "education",
                                    "health", "hospital", "school",        "other"};
static const uint32_t steps[] = {REPORT_STEP_ACK,   REPORT_STEP_REFER,  REPORT_STEP_UPDATE,
                                 REPORT_STEP_CLOSE, REPORT_STEP_REOPEN, REPORT_STEP_OPEN_CASE};

static const char *step_zh(uint32_t kind)
{
	static const char *const zh[] = {"",     "受理", "转介",     "补充",
	                                 "立案", "办结", "重新打开", "上报县级"};
	return kind < sizeof(zh) / sizeof(zh[0]) ? zh[kind] : "?";
}

/* "紧急 urgent" */
static void urgency(struct page *pg, uint32_t u)
{
	buf_htmlf(&pg->out, "%s %s", report_urgency_zh(u), report_urgency_name(u));
}

static void situation_list(struct page *pg, const Carenet__Report *r)
{
	for (size_t i = 0; i < r->n_situation; i++) {
		const char *zh = report_situation_zh(r->situation[i]);
		/* masked values ("**") are shown as they come */
		buf_htmlf(&pg->out, "%s%s%s%s", i ? "；" : "", r->situation[i],
		          strcmp(zh, "?") ? " " : "", strcmp(zh, "?") ? zh : "");
	}
}

static void list_table(struct page *pg, Carenet__ReportState *const *v, size_t n)
{
	char at[32];

	buf_htmlf(
	    &pg->out,
	    "<div class=\"scroll\"><table><caption>%s</caption><thead><tr><th scope=\"col\">%s"
	    "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
	    TX(pg, "本办经手的强制报告", "Mandatory reports held here"), TX(pg, "编号", "Id"),
	    TX(pg, "情形", "Situation"), TX(pg, "紧急程度", "Urgency"), TX(pg, "状态", "State"),
	    TX(pg, "责任办公室", "Holder"), TX(pg, "报告时间", "Filed"));
	for (size_t i = 0; i < n; i++) {
		const Carenet__Report *r = v[i]->report;
		web_time(pg->w, r ? r->filed_at : 0, at, sizeof(at));
		buf_puts(&pg->out, "<tr><th scope=\"row\"><a href=\"/report?id=");
		buf_url(&pg->out, r ? r->id : "");
		buf_htmlf(&pg->out, "\">%s</a></th><td>", r ? r->id : "?");
		if (r)
			situation_list(pg, r);
		buf_puts(&pg->out, "</td><td>");
		if (r)
			urgency(pg, r->urgency);
		buf_htmlf(&pg->out, "</td><td>%s %s%s</td><td>%s</td><td>%s</td></tr>",
		          report_state_zh(v[i]->state), v[i]->state,
		          v[i]->overdue ? " <span class=\"late\">⚠ 逾期未受理 overdue</span>" : "",
		          v[i]->holder, at);
	}
	if (!n)
		buf_htmlf(&pg->out, "<tr><td colspan=\"6\">%s</td></tr>", TX(pg, "无", "None"));
	buf_puts(&pg->out, "</tbody></table></div>");
}

static void file_form(struct page *pg)
{
	buf_htmlf(&pg->out,
	          "<h2 id=\"file\">%s</h2><form method=\"post\" action=\"/reports/file\">"
	          "<fieldset><legend>%s</legend>",
	          TX(pg, "发现情况，立即报告", "File a report"),
	          TX(pg, "情形（可多选）*", "Situation *"));
	page_csrf(pg);
	for (size_t i = 0; i < sizeof(situations) / sizeof(situations[0]); i++)
		buf_htmlf(&pg->out,
		          "<label><input type=\"checkbox\" name=\"situation\" value=\"%s\"> %s "
		          "%s</label>",
		          situations[i], situations[i], report_situation_zh(situations[i]));
	buf_htmlf(
	    &pg->out,
	    "</fieldset><label for=\"summary\">%s *</label><textarea id=\"summary\" "
	    "name=\"summary\" rows=\"3\" required></textarea><label for=\"child\">%s</label>"
	    "<input type=\"text\" id=\"child\" name=\"child\" placeholder=\"530102001001-r1\">"
	    "<label for=\"description\">%s</label><input type=\"text\" id=\"description\" "
	    "name=\"description\"><label for=\"urgency\">%s</label><select id=\"urgency\" "
	    "name=\"urgency\">",
	    TX(pg, "发现了什么", "What was found"),
	    TX(pg, "儿童台账编号（在台账上时）", "The child's record id (if on the ledger)"),
	    TX(pg, "儿童是谁（不在台账上时）", "Who the child is (if not on the ledger)"),
	    TX(pg, "紧急程度", "Urgency"));
	for (uint32_t u = 1; u <= 3; u++)
		buf_htmlf(&pg->out, "<option value=\"%s\">%s %s</option>", report_urgency_name(u),
		          report_urgency_zh(u), report_urgency_name(u));
	buf_htmlf(
	    &pg->out,
	    "</select><label for=\"police_unit\">%s</label><input type=\"text\" "
	    "id=\"police_unit\" name=\"police_unit\"><label for=\"police_no\">%s</label>"
	    "<input type=\"text\" id=\"police_no\" name=\"police_no\"><button type=\"submit\">"
	    "%s</button></form>",
	    TX(pg, "已报告的公安机关（可选）", "Police unit told (optional)"),
	    TX(pg, "接处警记录编号（可选）", "Its record number (optional)"),
	    TX(pg, "报告", "File the report"));
}

static int list(struct page *pg, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportListRequest q = CARENET__REPORT_LIST_REQUEST__INIT;

	q.state = "";
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_REPORT_LIST, &q);
	return web_call(pg, &req, READ_MS, rep);
}

void page_reports(struct page *pg)
{
	Carenet__ControlReply *rep = NULL;

	page_begin(pg, "强制报告", "Mandatory reports");
	if (pg->s->role >= WR_OPERATOR)
		buf_htmlf(&pg->out, "<p><a href=\"#file\">%s</a></p>",
		          TX(pg, "发现情况，立即报告 ↓", "File a report ↓"));
	if (list(pg, &rep) == 0)
		list_table(pg, rep->reports, rep->n_reports);
	carenet__control_reply__free_unpacked(rep, NULL);
	if (pg->s->role >= WR_OPERATOR)
		file_form(pg);
	page_end(pg);
}

/* Open, overdue and escalated reports held here (the overview's counts). */
void reports_count(struct page *pg, size_t *open, size_t *late, size_t *escalated)
{
	Carenet__ControlReply *rep = NULL;

	*open = *late = *escalated = 0;
	if (list(pg, &rep) == 0)
		for (size_t i = 0; i < rep->n_reports; i++) {
			*open += strcmp(rep->reports[i]->state, "closed") != 0;
			*late += rep->reports[i]->overdue;
			*escalated += !strcmp(rep->reports[i]->state, "escalated");
		}
	carenet__control_reply__free_unpacked(rep, NULL);
}

/* The situations ticked, as the CLI's --situation takes them. */
static size_t situations_of(struct page *pg, char **out)
{
	const char *name, *value;
	size_t n = 0;

	for (size_t i = 0; i < form_count(pg->form) && n < REPORT_MAX_SITUATIONS; i++) {
		form_at(pg->form, i, &name, &value);
		if (!strcmp(name, "situation") && report_situation_code(value))
			out[n++] = (char *)report_situation_code(value);
	}
	return n;
}

static const char *field(struct page *pg, const char *name)
{
	const char *v = form_get(pg->form, name);
	return v ? v : "";
}

void page_report_file(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportFileRequest q = CARENET__REPORT_FILE_REQUEST__INIT;
	Carenet__Report r = CARENET__REPORT__INIT;
	Carenet__ControlReply *rep = NULL;
	char *sit[REPORT_MAX_SITUATIONS];

	if (!page_may(pg, WR_OPERATOR))
		return;
	page_begin(pg, "强制报告", "Mandatory report");
	r.situation = sit;
	r.n_situation = situations_of(pg, sit);
	r.urgency = report_urgency_parse(field(pg, "urgency"));
	r.summary = (char *)field(pg, "summary");
	r.child = (char *)field(pg, "child");
	r.child_description = r.description = (char *)field(pg, "description"); /* as the CLI */
	r.police_unit = (char *)field(pg, "police_unit");
	r.police_record_no = (char *)field(pg, "police_no");
	r.police_reported_at = r.police_unit[0] ? util_now() : 0;
	if (!r.n_situation || !r.summary[0] || (!r.child[0] && !r.description[0])) {
		pg->status = 400;
		page_note(pg, "error",
		          TX(pg, "请勾选情形，写明发现了什么，并填写儿童台账编号或儿童是谁。",
		             "Tick a situation, say what was found, and give the child's "
		             "record id or who the child is."));
	} else {
		q.report = &r;
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_REPORT_FILE, &q);
		if (web_call(pg, &req, WRITE_MS, &rep) == 0) {
			page_note(pg, "ok",
			          TX(pg, "已报告：已即时送达乡镇和县级。",
			             "Filed: on its way to the township and the county."));
			buf_puts(&pg->out, "<p><a href=\"/report?id=");
			buf_url(&pg->out, rep->id);
			buf_htmlf(&pg->out, "\">%s</a></p>", rep->id);
		} else {
			pg->status = 422;
		}
	}
	buf_htmlf(&pg->out, "<p><a href=\"/reports\">%s</a></p>", TX(pg, "返回", "Back"));
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}

/* ------------------------------------------------------------ one report */

static void hops_table(struct page *pg, const Carenet__ReportState *st)
{
	char sent[32], due[32], acked[32];

	buf_htmlf(
	    &pg->out,
	    "<div class=\"scroll\"><table><caption>%s</caption><thead><tr><th scope=\"col\">%s"
	    "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "</tr></thead><tbody>",
	    TX(pg, "逐级送达（逾期未受理即上报县级）",
	       "Hops (not acknowledged in time: the county takes it)"),
	    TX(pg, "经过", "Hop"), TX(pg, "送达", "Sent"), TX(pg, "受理期限", "Due"),
	    TX(pg, "受理", "Acknowledged"));
	for (size_t i = 0; i < st->n_hops; i++) {
		const Carenet__ReportHop *h = st->hops[i];
		web_time(pg->w, h->sent_at, sent, sizeof(sent));
		web_time(pg->w, h->due_at, due, sizeof(due));
		web_time(pg->w, h->acked_at, acked, sizeof(acked));
		buf_htmlf(&pg->out, "<tr><th scope=\"row\">%s → %s</th><td>%s</td><td>%s</td><td>",
		          h->from, h->to, sent, due);
		if (h->acked_at)
			buf_htmlf(&pg->out, "✓ %s %s", acked, h->acked_by);
		if (h->escalated)
			buf_htmlf(&pg->out, " <span class=\"late\">⚠ %s</span>",
			          TX(pg, "逾期未受理，已上报县级 escalated",
			             "escalated: not acknowledged in time"));
		else if (!h->acked_at)
			buf_htmlf(&pg->out, "%s", TX(pg, "待受理 waiting", "waiting 待受理"));
		buf_puts(&pg->out, "</td></tr>");
	}
	buf_puts(&pg->out, "</tbody></table></div>");
}

static void steps_table(struct page *pg, const Carenet__ReportState *st)
{
	char at[32];

	buf_htmlf(
	    &pg->out,
	    "<div class=\"scroll\"><table><caption>%s</caption><thead><tr><th scope=\"col\">%s"
	    "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "</tr></thead><tbody>",
	    TX(pg, "办理经过", "Steps"), TX(pg, "时间", "At"), TX(pg, "办公室", "Office"),
	    TX(pg, "事项", "Step"), TX(pg, "说明", "Note"));
	for (size_t i = 0; i < st->n_steps; i++) {
		const Carenet__ReportStep *s = st->steps[i];
		web_time(pg->w, s->at, at, sizeof(at));
		buf_htmlf(&pg->out, "<tr><td>%s</td><td>%s</td><td>%s %s</td><td>%s", at, s->by,
		          step_zh(s->kind), report_kind_name(s->kind), s->note);
		if (s->to[0])
			buf_htmlf(&pg->out, " → %s %s", report_dept_zh(s->to), s->to);
		if (s->ref[0])
			buf_htmlf(&pg->out, " (%s)", s->ref);
		if (s->outcome[0])
			buf_htmlf(&pg->out, " %s", s->outcome);
		for (size_t k = 0; k < s->n_evidence; k++) /* files attached: name and size */
			buf_htmlf(&pg->out, "%s<span class=\"evidence\">📎 %s (%llu B)</span>",
			          k ? " " : "<br>", s->evidence[k]->name,
			          (unsigned long long)s->evidence[k]->size);
		buf_puts(&pg->out, "</td></tr>");
	}
	if (!st->n_steps)
		buf_htmlf(&pg->out, "<tr><td colspan=\"4\">%s</td></tr>", TX(pg, "无", "None"));
	buf_puts(&pg->out, "</tbody></table></div>");
}

static void reveal_form(struct page *pg, const char *id)
{
	buf_puts(&pg->out, "<form method=\"post\" action=\"/report\">");
	page_csrf(pg);
	buf_htmlf(&pg->out,
	          "<input type=\"hidden\" name=\"id\" value=\"%s\"><button type=\"submit\" "
	          "class=\"plain\">%s</button> <span class=\"hint\">%s</span></form>",
	          id, TX(pg, "显示个人信息明文", "Reveal personal fields"),
	          TX(pg, "每次显示都记入审计日志。", "Every reveal is written to the audit log."));
}

static void step_form(struct page *pg, const char *id)
{
	buf_htmlf(&pg->out,
	          "<h2>%s</h2><form method=\"post\" action=\"/report/step\" "
	          "enctype=\"multipart/form-data\">",
	          TX(pg, "办理", "Take a step"));
	page_csrf(pg);
	buf_htmlf(&pg->out,
	          "<input type=\"hidden\" name=\"id\" value=\"%s\"><label for=\"kind\">%s</label>"
	          "<select id=\"kind\" name=\"kind\">",
	          id, TX(pg, "事项", "Step"));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		buf_htmlf(&pg->out, "<option value=\"%s\">%s %s</option>",
		          report_kind_name(steps[i]), step_zh(steps[i]),
		          report_kind_name(steps[i]));
	buf_htmlf(&pg->out,
	          "</select><label for=\"note\">%s</label><textarea id=\"note\" name=\"note\" "
	          "rows=\"2\"></textarea><label for=\"to\">%s</label><select id=\"to\" name=\"to\">"
	          "<option value=\"\"></option>",
	          TX(pg, "说明", "Note"), TX(pg, "转介部门（转介时）", "Department (refer)"));
	for (size_t i = 0; i < sizeof(depts) / sizeof(depts[0]); i++)
		buf_htmlf(&pg->out, "<option value=\"%s\">%s %s</option>", depts[i],
		          report_dept_zh(depts[i]), depts[i]);
	buf_htmlf(
	    &pg->out,
	    "</select><label for=\"ref\">%s</label><input type=\"text\" id=\"ref\" name=\"ref\">"
	    "<label for=\"outcome\">%s</label><input type=\"text\" id=\"outcome\" "
	    "name=\"outcome\"><label for=\"evidence\">%s</label><input type=\"file\" "
	    "id=\"evidence\" name=\"evidence\" multiple><button type=\"submit\">%s</button>"
	    "</form>",
	    TX(pg, "对方编号（转介时）", "Their number (refer)"),
	    TX(pg, "办结结果（办结时）", "Outcome (close)"),
	    TX(pg, "证明材料（可多选；随报告上报）", "Evidence files (any number; sent up)"),
	    TX(pg, "提交", "Submit"));
}

void page_report(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportShowRequest q = CARENET__REPORT_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	const char *id = pg->form ? form_get(pg->form, "id") : page_arg(pg, "id");
	char at[32];

	if (pg->form && !page_may(pg, WR_OPERATOR)) /* the reveal */
		return;
	q.id = (char *)(id ? id : "");
	q.reveal = pg->form != NULL;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_REPORT_SHOW, &q);
	page_begin(pg, "强制报告", "Mandatory report");
	if (web_call(pg, &req, READ_MS, &rep) == 0 && rep->n_reports == 1 &&
	    rep->reports[0]->report) {
		const Carenet__ReportState *st = rep->reports[0];
		web_time(pg->w, st->report->filed_at, at, sizeof(at));
		buf_htmlf(&pg->out, "<h2>%s</h2><p>%s %s%s · %s %s · ", st->report->id,
		          report_state_zh(st->state), st->state,
		          st->overdue ? " <span class=\"late\">⚠ overdue</span>" : "",
		          TX(pg, "责任办公室", "holder"), st->holder);
		urgency(pg, st->report->urgency);
		buf_htmlf(&pg->out, " · %s %s", TX(pg, "报告于", "filed"), at);
		if (st->case_id[0])
			buf_htmlf(&pg->out, " · %s %s", TX(pg, "个案", "case"), st->case_id);
		buf_puts(&pg->out, "</p><p>");
		situation_list(pg, st->report);
		buf_htmlf(&pg->out, "</p><div class=\"body\">%s</div>", st->report->summary);
		if (q.reveal)
			page_note(pg, "ok",
			          TX(pg, "个人信息明文显示（已记入审计日志）。",
			             "Personal fields in the clear (audited)."));
		else if (pg->s->role >= WR_OPERATOR)
			reveal_form(pg, st->report->id);
		hops_table(pg, st);
		steps_table(pg, st);
		if (pg->s->role >= WR_OPERATOR)
			step_form(pg, st->report->id);
	} else {
		pg->status = 404;
	}
	buf_htmlf(&pg->out, "<p><a href=\"/reports\">%s</a></p>", TX(pg, "返回", "Back"));
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}

void page_report_step(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportStepRequest q = CARENET__REPORT_STEP_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	Carenet__Evidence ev[ROLES_MAX_EVIDENCE], *evp[ROLES_MAX_EVIDENCE];
	const char *id = field(pg, "id");
	size_t nev = 0;

	if (!page_may(pg, WR_OPERATOR))
		return;
	page_begin(pg, "强制报告", "Mandatory report");
	q.id = (char *)id;
	q.kind = report_kind_parse(field(pg, "kind"));
	q.note = (char *)field(pg, "note");
	q.to = (char *)field(pg, "to");
	q.ref = (char *)field(pg, "ref");
	q.outcome = (char *)field(pg, "outcome");
	if (!q.kind || q.kind == REPORT_STEP_ESCALATE) {
		pg->status = 400;
		page_note(pg, "error", TX(pg, "请选择事项。", "Pick a step."));
	} else if (web_evidence(pg, id, ev, &nev) != 0) { /* each file a document, as the CLI */
		pg->status = 422;
	} else {
		for (size_t i = 0; i < nev; i++)
			evp[i] = &ev[i];
		q.evidence = evp, q.n_evidence = nev;
		control_request_set(&req,
		                    q.kind == REPORT_STEP_OPEN_CASE
		                        ? CARENET__CONTROL_REQUEST__REQUEST_REPORT_OPEN_CASE
		                        : CARENET__CONTROL_REQUEST__REQUEST_REPORT_STEP,
		                    &q);
		if (web_call(pg, &req, WRITE_MS, &rep) == 0)
			page_note(pg, "ok", TX(pg, "已提交。", "Done."));
		else
			pg->status = 422;
	}
	buf_puts(&pg->out, "<p><a href=\"/report?id=");
	buf_url(&pg->out, id);
	buf_htmlf(&pg->out, "\">%s</a></p>", TX(pg, "返回该报告", "Back to the report"));
	web_evidence_free(ev, nev);
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}
