/*
 * pages_dir: directives as the issuer sees them (county, township): the
 * list (directive_list), one directive's matrix of targets, overdue first,
 * state in words and not colour alone (directive_show), and the issue form
 * with targets picked from the offices known below (offices) or written as
 * the CLI takes them (PREFIX:ROLE). The node checks and refuses; its reason
 * is shown.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"
#include "util.h"

#define WRITE_MS 30000
#define READ_MS 5000

static const uint32_t kinds[] = {KIND_TASK, KIND_NOTICE, KIND_RECTIFICATION, KIND_CIRCULAR};

static void list_table(struct page *pg, Carenet__DirectiveView *const *v, size_t n)
{
	char due[32];

	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table><caption>%s</caption><thead><tr><th scope=\"col\">"
	          "%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s"
	          "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
	          TX(pg, "本办下发的任务", "Directives issued or relayed here"),
	          TX(pg, "标题", "Title"), TX(pg, "类别", "Kind"), TX(pg, "期限", "Due"),
	          TX(pg, "下级", "Targets"), TX(pg, "已完成", "Done"), TX(pg, "已逾期", "Overdue"));
	for (size_t i = 0; i < n; i++) {
		size_t done = 0, late = 0, gone = 0;
		for (size_t k = 0; k < v[i]->n_targets; k++) {
			gone += v[i]->targets[k]->state == STATE_RETIRED; /* closed: 撤销 */
			done += v[i]->targets[k]->state == STATE_DONE ||
			        v[i]->targets[k]->state == STATE_UNABLE;
			late += v[i]->targets[k]->state < STATE_DONE && v[i]->targets[k]->overdue;
		}
		web_time(pg->w, v[i]->due, due, sizeof(due));
		buf_htmlf(&pg->out, "<tr><td><a href=\"/directive?id=");
		buf_url(&pg->out, v[i]->id);
		buf_htmlf(
		    &pg->out,
		    "\">%s</a><br><span class=\"hint\">%s</span></td><td>%s %s</td><td>%s</td>"
		    "<td>%zu</td><td>%zu</td><td class=\"%s\">%zu%s</td></tr>",
		    v[i]->title, v[i]->id, roles_kind_zh(v[i]->kind), roles_kind_name(v[i]->kind),
		    due, v[i]->n_targets - gone, done, late ? "late" : "", late, late ? " ⚠" : "");
	}
	if (!n)
		buf_htmlf(&pg->out, "<tr><td colspan=\"6\">%s</td></tr>", TX(pg, "无", "None"));
	buf_puts(&pg->out, "</tbody></table></div>");
}

static void office_choices(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;

	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_OFFICES, NULL);
	if (web_call(pg, &req, READ_MS, &rep) == 0 && rep->n_offices) {
		buf_htmlf(&pg->out, "<fieldset><legend>%s</legend>",
		          TX(pg, "下发对象（从下级中选择）", "Targets (offices below)"));
		for (size_t i = 0; i < rep->n_offices && i < 2000; i++)
			buf_htmlf(
			    &pg->out,
			    "<label><input type=\"checkbox\" name=\"target\" value=\"%s\"> %s %s"
			    "</label>",
			    rep->offices[i]->id, rep->offices[i]->id, rep->offices[i]->name);
		buf_puts(&pg->out, "</fieldset>");
	}
	carenet__control_reply__free_unpacked(rep, NULL);
}

static void issue_form(struct page *pg)
{
	buf_htmlf(&pg->out, "<h2>%s</h2><form method=\"post\" action=\"/issue\">",
	          TX(pg, "下发新任务", "Issue a directive"));
	page_csrf(pg);
	buf_htmlf(&pg->out, "<label for=\"kind\">%s</label><select id=\"kind\" name=\"kind\">",
	          TX(pg, "类别", "Kind"));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		buf_htmlf(&pg->out, "<option value=\"%s\">%s %s</option>",
		          roles_kind_name(kinds[i]), roles_kind_zh(kinds[i]),
		          roles_kind_name(kinds[i]));
	buf_puts(&pg->out, "</select>");
	office_choices(pg);
	buf_htmlf(
	    &pg->out,
	    "<label for=\"to\">%s</label><input type=\"text\" id=\"to\" name=\"to\" "
	    "placeholder=\"530102:village\"><label for=\"title\">%s</label><input type=\"text\" "
	    "id=\"title\" name=\"title\" required maxlength=\"%d\"><label for=\"body\">%s</label>"
	    "<textarea id=\"body\" name=\"body\" rows=\"5\"></textarea><label for=\"due\">%s"
	    "</label><input type=\"text\" id=\"due\" name=\"due\" required placeholder=\"+7d\" "
	    "aria-describedby=\"due-hint\"><p id=\"due-hint\" class=\"hint\">%s</p>"
	    "<label for=\"ref\">%s</label><input type=\"text\" id=\"ref\" name=\"ref\">"
	    "<button type=\"submit\">%s</button></form>",
	    TX(pg, "或写出对象（编码，或 前缀:层级）", "Or targets as text (ids, or PREFIX:ROLE)"),
	    TX(pg, "标题", "Title"), ROLES_MAX_TITLE, TX(pg, "正文", "Body"), TX(pg, "期限", "Due"),
	    TX(pg, "如 2026-12-31 18:00、2026-12-31（当天结束）或 +7d",
	       "e.g. 2026-12-31 18:00, 2026-12-31 (the end of that day) or +7d"),
	    TX(pg, "整改通知所针对的任务编号（可选）", "Rectification: the directive it refers to"),
	    TX(pg, "下发", "Issue"));
}

void page_directives(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ListRequest lq = CARENET__LIST_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int village;

	page_begin(pg, "下发任务", "Directives");
	village = page_node_is(pg, "village");
	lq.state = "";
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_LIST, &lq);
	if (web_call(pg, &req, READ_MS, &rep) == 0)
		list_table(pg, rep->directives, rep->n_directives);
	carenet__control_reply__free_unpacked(rep, NULL);
	if (village)
		page_note(pg, "ok",
		          TX(pg, "村一级不下发任务；请查看收件箱。",
		             "A village issues no directive: see the inbox."));
	else if (pg->s->role >= WR_SUPERVISOR)
		issue_form(pg);
	page_end(pg);
}

static void matrix(struct page *pg, const Carenet__DirectiveView *v)
{
	char due[32], at[32];

	web_time(pg->w, v->due, due, sizeof(due));
	buf_htmlf(&pg->out, "<p>%s %s · %s %s · %s</p>", roles_kind_zh(v->kind),
	          roles_kind_name(v->kind), TX(pg, "期限", "due"), due, v->id);
	if (v->body[0])
		buf_htmlf(&pg->out, "<div class=\"body\">%s</div>", v->body);
	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table><caption>%s</caption><thead><tr><th scope=\"col\">"
	          "%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s"
	          "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
	          TX(pg, "办理情况（逾期在前）", "State of each target (overdue first)"),
	          TX(pg, "下级", "Office"), TX(pg, "状态", "State"), TX(pg, "更新时间", "Changed"),
	          TX(pg, "说明", "Note"), TX(pg, "证明材料", "Evidence"),
	          TX(pg, "提醒", "Reminders"));
	for (size_t i = 0; i < v->n_targets; i++) {
		const Carenet__TargetView *t = v->targets[i];
		web_time(pg->w, t->changed_at, at, sizeof(at));
		buf_htmlf(&pg->out, "<tr><th scope=\"row\">%s %s", t->id, t->name);
		if (t->moved_to[0]) /* 区划调整: the row keeps the id the directive named */
			buf_htmlf(&pg->out, " <small>(%s %s)</small>", TX(pg, "已迁移，现为", "moved: now"),
			          t->moved_to);
		buf_puts(&pg->out, "</th><td>");
		page_state(pg, t->state, t->overdue);
		buf_htmlf(&pg->out, "</td><td>%s</td><td>%s</td><td>", at, t->note);
		for (size_t k = 0; k < t->n_evidence; k++)
			buf_htmlf(&pg->out, "%s%s", k ? "、" : "", t->evidence[k]->name);
		buf_htmlf(&pg->out, "</td><td>%u</td></tr>", t->reminders);
	}
	buf_puts(&pg->out, "</tbody></table></div>");
}

void page_directive(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ShowRequest sq = CARENET__SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	const char *id = page_arg(pg, "id");

	sq.id = (char *)(id ? id : "");
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_SHOW, &sq);
	page_begin(pg, "任务办理情况", "Directive");
	if (web_call(pg, &req, READ_MS, &rep) == 0 && rep->n_directives == 1) {
		buf_htmlf(&pg->out, "<h2>%s</h2>", rep->directives[0]->title);
		web_directive_above(pg, rep->directives[0]);
		matrix(pg, rep->directives[0]);
	} else {
		pg->status = 404;
	}
	buf_htmlf(&pg->out, "<p><a href=\"/directives\">%s</a></p>", TX(pg, "返回", "Back"));
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}

/* ------------------------------------------------------------ issue */

/* The due time as the CLI takes it: "YYYY-MM-DD HH:MM" (or the form's
 * "YYYY-MM-DDTHH:MM"), YYYY-MM-DD (the end of that day), or +DURATION from
 * the node's own clock. */
static int due_of(struct page *pg, const char *s, uint64_t *due)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ClockRequest q = CARENET__CLOCK_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	char t[40];
	uint64_t d;
	int rc;

	if (s[0] != '+') {
		snprintf(t, sizeof(t), "%s", s);
		if (strlen(t) > 10 && t[10] == 'T')
			t[10] = ' ';
		return util_parse_time_end(t, pg->w->cfg->timezone, due) == 0 ? 0 : -1;
	}
	if (util_parse_duration(s + 1, &d) != 0 || d == 0)
		return -1;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CLOCK, &q);
	if ((rc = web_call(pg, &req, READ_MS, &rep)) == 0)
		*due = rep->now + d;
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc == 0 ? 0 : -2;
}

/* The picked offices and the typed targets, joined by commas. */
static void targets_of(struct page *pg, struct buf *to)
{
	const char *name, *value;

	for (size_t i = 0; i < form_count(pg->form); i++) {
		form_at(pg->form, i, &name, &value);
		if ((!strcmp(name, "target") || !strcmp(name, "to")) && value[0]) {
			if (to->len)
				buf_puts(to, ",");
			buf_puts(to, value);
		}
	}
}

void page_issue(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest iq = CARENET__ISSUE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	const char *kind = form_get(pg->form, "kind"), *due = form_get(pg->form, "due");
	const char *title = form_get(pg->form, "title"), *body = form_get(pg->form, "body");
	const char *ref = form_get(pg->form, "ref");
	struct buf to = {0};
	int rc;

	if (!page_may(pg, WR_SUPERVISOR))
		return;
	page_begin(pg, "下发新任务", "Issue a directive");
	targets_of(pg, &to);
	iq.kind = kind ? roles_kind_parse(kind) : 0;
	iq.to = to.p ? to.p : (char *)"";
	iq.title = (char *)(title ? title : "");
	iq.body = (char *)(body ? body : "");
	iq.ref = (char *)(ref ? ref : "");
	if (!iq.kind || !to.len || !iq.title[0] || !due) {
		pg->status = 400;
		page_note(pg, "error",
		          TX(pg, "请填写类别、下发对象、标题和期限。",
		             "Give the kind, the targets, a title and the due time."));
	} else if ((rc = due_of(pg, due, &iq.due)) != 0) {
		pg->status = 400;
		if (rc == -1)
			page_note(pg, "error",
			          TX(pg, "期限格式：2026-12-31 18:00、2026-12-31 或 +7d。",
			             "Due: give 2026-12-31 18:00, 2026-12-31 or +7d."));
	} else {
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE, &iq);
		if (web_call(pg, &req, WRITE_MS, &rep) == 0) {
			page_note(pg, "ok", TX(pg, "已下发。", "Issued."));
			buf_htmlf(&pg->out, "<p><a href=\"/directive?id=");
			buf_url(&pg->out, rep->id);
			buf_htmlf(&pg->out, "\">%s</a></p>", rep->id);
		} else {
			pg->status = 422;
		}
	}
	buf_htmlf(&pg->out, "<p><a href=\"/directives\">%s</a></p>", TX(pg, "返回", "Back"));
	carenet__control_reply__free_unpacked(rep, NULL);
	buf_free(&to);
	page_end(pg);
}
