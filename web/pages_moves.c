/*
 * pages_moves: /moves, the moves of villages (区划调整) this node holds, as
 * `carenet move status` shows them (move_status): each move's state in words
 * (render_move_state), the steps its holder saw with their counts, and, at
 * the county, the records it holds under the new id and the old one. At a
 * county a supervisor also decides a move (`carenet move OLD NEW`, the POST
 * /move): the node checks the ids and refuses with its reason. The switch
 * itself (`carenet move apply`) needs the village's node stopped and stays
 * a command at the village (certs/README.md, "Moving a village"). Below the
 * moves, the offices closed here (撤销, close_list: `carenet move closed`),
 * and at a county a supervisor's form to close one (`carenet move close`,
 * the POST /close), which says it cannot be undone and needs a tick to
 * confirm; the node refuses with its reason (an office below it, an open
 * record...).
 */
#include "web_int.h"

#include <stdio.h>
#include <string.h>

#include "render.h"

#define WRITE_MS 30000
#define READ_MS 5000

static const char *step_zh(const char *step)
{
	static const char *const names[][2] = {{"old", "原乡镇移交"},
	                                       {"ready", "新乡镇就绪"},
	                                       {"switched", "村已切换"},
	                                       {"new", "新乡镇接收"}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i][0], step))
			return names[i][1];
	return step;
}

/* What the operators do next, by the state (render_move_next). */
static void next_step(struct page *pg, const Carenet__MoveView *m, const char *st)
{
	char next[512];

	render_move_next(m, st, !pg->en, next, sizeof(next));
	buf_htmlf(&pg->out, "<p class=\"hint%s\">%s</p>", !strcmp(st, "mismatch") ? " late" : "",
	          next);
}

static void move_table(struct page *pg, const Carenet__MoveView *m)
{
	const char *zh, *st = render_move_state(m, &(int){0}, &zh);
	char at[32];

	web_time(pg->w, m->at, at, sizeof(at));
	buf_htmlf(&pg->out,
	          "<section><h2>%s → %s</h2><p>%s: <strong%s>%s %s</strong> · %s %s",
	          m->old_id, m->new_id, TX(pg, "状态", "State"),
	          !strcmp(st, "mismatch") ? " class=\"late\"" : "", zh, st,
	          TX(pg, "决定于", "decided"), at);
	if (m->records_here || m->records_old_here)
		buf_htmlf(&pg->out, " · %s %llu, %s %llu", TX(pg, "本级新编码下记录", "records here under the new id"),
		          (unsigned long long)m->records_here,
		          TX(pg, "原编码下记录", "under the old id"),
		          (unsigned long long)m->records_old_here);
	buf_htmlf(&pg->out,
	          "</p><div class=\"scroll\"><table><caption>%s</caption><thead><tr>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
	          TX(pg, "各方报告的步骤", "The steps each side reported"), TX(pg, "单位", "Office"),
	          TX(pg, "步骤", "Step"), TX(pg, "记录", "Records"),
	          TX(pg, "状态回执", "Statuses"), TX(pg, "时间", "At"));
	for (size_t k = 0; k < m->n_steps; k++) {
		const Carenet__MoveStepView *s = m->steps[k];

		web_time(pg->w, s->at, at, sizeof(at));
		buf_htmlf(&pg->out,
		          "<tr><td>%s</td><td>%s %s</td><td>%llu</td><td>%llu</td><td>%s</td></tr>",
		          s->office[0] ? s->office : TX(pg, "本级", "here"), step_zh(s->step),
		          s->step, (unsigned long long)s->records, (unsigned long long)s->statuses,
		          at);
	}
	if (!m->n_steps)
		buf_htmlf(&pg->out, "<tr><td colspan=\"5\">%s</td></tr>", TX(pg, "无", "None"));
	buf_puts(&pg->out, "</tbody></table></div>");
	next_step(pg, m, st);
	buf_puts(&pg->out, "</section>");
}

/* The offices closed here (撤销), if any. */
static void closed_table(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	char at[32];

	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CLOSE_LIST, NULL);
	if (web_call(pg, &req, READ_MS, &rep) != 0 || !rep->n_closes) {
		carenet__control_reply__free_unpacked(rep, NULL);
		return;
	}
	buf_htmlf(&pg->out,
	          "<section><h2>%s</h2><div class=\"scroll\"><table id=\"closed\"><caption>%s"
	          "</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	          "<th scope=\"col\">%s</th></tr></thead><tbody>",
	          TX(pg, "已撤销的单位", "Closed offices"),
	          TX(pg, "其未完成的任务状态已终止（已撤销），不再计入", "Their open rows ended (retired) and count nowhere"),
	          TX(pg, "单位", "Office"), TX(pg, "名称", "Name"), TX(pg, "并入", "Into"),
	          TX(pg, "撤销时间", "Closed"), TX(pg, "终止的状态", "Rows ended"),
	          TX(pg, "原因", "Reason"));
	for (size_t i = 0; i < rep->n_closes; i++) {
		const Carenet__CloseView *c = rep->closes[i];
		web_time(pg->w, c->at, at, sizeof(at));
		buf_htmlf(&pg->out,
		          "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%llu</td><td>%s</td>"
		          "</tr>",
		          c->office, c->name, c->into[0] ? c->into : "-", at,
		          (unsigned long long)c->rows_retired, c->reason[0] ? c->reason : "-");
	}
	buf_puts(&pg->out, "</tbody></table></div></section>");
	carenet__control_reply__free_unpacked(rep, NULL);
}

/* The form; on a refused POST preset with what was sent, to correct. */
static void move_form(struct page *pg, const char *old, const char *nw)
{
	buf_htmlf(&pg->out, "<h2>%s</h2><form method=\"post\" action=\"/move\">",
	          TX(pg, "决定一个村的迁移", "Decide a village's move"));
	page_csrf(pg);
	buf_htmlf(
	    &pg->out,
	    "<label for=\"old\">%s</label><input type=\"text\" id=\"old\" name=\"old\" required "
	    "inputmode=\"numeric\" maxlength=\"12\" placeholder=\"530102001003\" value=\"%s\">"
	    "<label for=\"new\">%s</label><input type=\"text\" id=\"new\" name=\"new\" required "
	    "inputmode=\"numeric\" maxlength=\"12\" placeholder=\"530102002007\" value=\"%s\" "
	    "aria-describedby=\"new-hint\"><p id=\"new-hint\" class=\"hint\">%s</p>"
	    "<button type=\"submit\">%s</button></form>",
	    TX(pg, "村的现编码", "The village's id now"), old ? old : "", TX(pg, "新编码", "Its new id"),
	    nw ? nw : "",
	    TX(pg, "新编码在本县某乡镇之下，未被使用；之后由村里停机执行 carenet move apply。"
	           "填两个乡镇编码（9位）即为乡镇改码（撤乡设镇）：乡镇和它的各村一起改到新编码下。",
	       "Under a township of this county, not in use. The village then stops its node and "
	       "runs carenet move apply. Two township ids (9 digits) change a township's own code "
	       "(撤乡设镇): the township and each of its villages move under the new code."),
	    TX(pg, "决定迁移", "Decide the move"));
}

/* The close form; on a refused POST preset with what was sent. */
static void close_form(struct page *pg, const char *office, const char *into, const char *reason)
{
	buf_htmlf(&pg->out, "<h2>%s</h2><form method=\"post\" action=\"/close\">",
	          TX(pg, "撤销一个单位", "Close an office"));
	page_csrf(pg);
	buf_htmlf(
	    &pg->out,
	    "<p class=\"hint\">%s</p>"
	    "<label for=\"office\">%s</label><input type=\"text\" id=\"office\" name=\"office\" "
	    "required inputmode=\"numeric\" maxlength=\"12\" placeholder=\"530102001\" "
	    "value=\"%s\">"
	    "<label for=\"into\">%s</label><input type=\"text\" id=\"into\" name=\"into\" "
	    "inputmode=\"numeric\" maxlength=\"12\" placeholder=\"530102002\" value=\"%s\">"
	    "<label><input type=\"checkbox\" name=\"reissue\" value=\"1\"> %s</label>"
	    "<label for=\"reason\">%s</label><input type=\"text\" id=\"reason\" name=\"reason\" "
	    "maxlength=\"512\" value=\"%s\">"
	    "<label><input type=\"checkbox\" name=\"confirm\" value=\"1\" required> %s</label>"
	    "<button type=\"submit\">%s</button></form>",
	    TX(pg,
	       "撤销后该单位不再列出、不再接收任务，其未完成的任务状态终止（已撤销）；无法恢复。"
	       "须先迁出其下所有村、移交其未结记录。",
	       "Once closed, the office is no longer listed or addressed and its open rows end "
	       "(retired). It cannot be undone. Its villages must have moved and its open records "
	       "been transferred first."),
	    TX(pg, "要撤销的乡镇或村编码", "The township or village to close"),
	    office ? office : "", TX(pg, "工作并入（可选）", "Its work goes to (optional)"),
	    into ? into : "",
	    TX(pg, "将只发给它的未完成任务重新下发给并入单位",
	       "Issue again to that office the open directives sent to this one alone"),
	    TX(pg, "原因", "Reason"), reason ? reason : "",
	    TX(pg, "我确认撤销，且无法恢复", "I confirm: this cannot be undone"),
	    TX(pg, "撤销", "Close it"));
}

void page_moves(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int county;

	page_begin(pg, "区划调整", "Moves");
	county = page_node_is(pg, "county");
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_MOVE_STATUS, NULL);
	if (web_call(pg, &req, READ_MS, &rep) == 0) {
		for (size_t i = 0; i < rep->n_moves; i++)
			move_table(pg, rep->moves[i]);
		if (!rep->n_moves)
			buf_htmlf(&pg->out, "<p>%s</p>",
			          TX(pg, "本级没有迁移记录。", "No move is held here."));
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	closed_table(pg);
	if (county && pg->s && pg->s->role >= WR_SUPERVISOR) {
		move_form(pg, NULL, NULL);
		close_form(pg, NULL, NULL, NULL);
	}
	page_end(pg);
}

void page_move(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__MoveRequest q = CARENET__MOVE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	const char *old = form_get(pg->form, "old"), *nw = form_get(pg->form, "new");

	if (!page_may(pg, WR_SUPERVISOR))
		return;
	page_begin(pg, "决定迁移", "Decide a move");
	if (!old || !nw || !old[0] || !nw[0]) {
		pg->status = 400;
		page_note(pg, "error",
		          TX(pg, "请填写村的现编码和新编码。", "Give the village's id and its new id."));
	} else {
		q.old_id = (char *)old;
		q.new_id = (char *)nw;
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_MOVE, &q);
		if (web_call(pg, &req, WRITE_MS, &rep) != 0)
			pg->status = 422;
		else if (strlen(old) == 9) /* a township's own code change (撤乡设镇) */
			page_note(pg, "ok",
			          TX(pg, "已决定：乡镇及其各村改到新编码下。乡镇沿用原CURVE密钥申请新编码证书"
			                 "（carenet init --curve-from），停机执行 carenet move apply；"
			                 "各村之后逐一切换。",
			             "Decided: the township and each of its villages move under the new "
			             "code. The township asks for it with its CURVE key (carenet init "
			             "--curve-from), stops and runs carenet move apply; its villages switch "
			             "afterwards, one by one."));
		else
			page_note(pg, "ok",
			          TX(pg, "已决定：两个乡镇和该村收到后，村里停机执行 carenet move apply。",
			             "Decided. Once both townships and the village hold it, the village "
			             "stops its node and runs carenet move apply."));
	}
	if (pg->status != 200)
		move_form(pg, old, nw);
	buf_htmlf(&pg->out, "<p><a href=\"/moves\">%s</a></p>", TX(pg, "返回", "Back"));
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}

void page_close(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__CloseRequest q = CARENET__CLOSE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	const char *office = form_get(pg->form, "office"), *into = form_get(pg->form, "into"),
	           *reason = form_get(pg->form, "reason"), *reissue = form_get(pg->form, "reissue"),
	           *confirm = form_get(pg->form, "confirm");

	if (!page_may(pg, WR_SUPERVISOR))
		return;
	page_begin(pg, "撤销单位", "Close an office");
	if (!office || !office[0]) {
		pg->status = 400;
		page_note(pg, "error", TX(pg, "请填写要撤销的单位编码。", "Give the office to close."));
	} else if (!confirm || strcmp(confirm, "1") != 0) {
		pg->status = 400;
		page_note(pg, "error",
		          TX(pg, "撤销无法恢复：请勾选确认。", "A close cannot be undone: tick to confirm."));
	} else {
		q.office = (char *)office;
		q.into = (char *)(into ? into : "");
		q.reason = (char *)(reason ? reason : "");
		q.reissue = reissue && !strcmp(reissue, "1");
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CLOSE, &q);
		if (web_call(pg, &req, WRITE_MS, &rep) == 0 && rep->n_closes == 1) {
			const Carenet__CloseView *c = rep->closes[0];
			buf_htmlf(&pg->out, "<div class=\"note ok\" role=\"status\">%s %s: %llu %s",
			          c->office,
			          TX(pg, "已撤销", "closed"), (unsigned long long)c->rows_retired,
			          TX(pg, "项未完成的任务状态随之终止", "open directive row(s) ended"));
			for (size_t i = 0; i < c->n_reissued && i < c->n_reissued_from; i++)
				buf_htmlf(&pg->out, "; %s %s → %s", TX(pg, "重新下发", "issued again"),
				          c->reissued_from[i], c->reissued[i]);
			buf_htmlf(&pg->out, ". %s</div>",
			          TX(pg, "下一步：吊销其证书（carenet ca revoke；carenet crl publish）。",
			             "Next: revoke its certificate (carenet ca revoke; carenet crl "
			             "publish)."));
		} else {
			pg->status = 422;
		}
	}
	if (pg->status != 200)
		close_form(pg, office, into, reason);
	buf_htmlf(&pg->out, "<p><a href=\"/moves\">%s</a></p>", TX(pg, "返回", "Back"));
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}
