/*
 * pages_moves: /moves, the moves of villages (区划调整) this node holds, as
 * `carenet move status` shows them (move_status): each move's state in words
 * (render_move_state), the steps its holder saw with their counts, and, at
 * the county, the records it holds under the new id and the old one. At a
 * county a supervisor also decides a move (`carenet move OLD NEW`, the POST
 * /move): the node checks the ids and refuses with its reason. The switch
 * itself (`carenet move apply`) needs the village's node stopped and stays
 * a command at the village (certs/README.md, "Moving a village"). Below the
 * moves, the offices closed here (撤销, close_list: `carenet move closed`);
 * closing one stays a command at the county (`carenet move close`).
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
	    TX(pg, "新编码在本县某乡镇之下，未被使用；之后由村里停机执行 carenet move apply。",
	       "Under a township of this county, not in use. The village then stops its node and "
	       "runs carenet move apply."),
	    TX(pg, "决定迁移", "Decide the move"));
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
	if (county && pg->s && pg->s->role >= WR_SUPERVISOR)
		move_form(pg, NULL, NULL);
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
		if (web_call(pg, &req, WRITE_MS, &rep) == 0)
			page_note(pg, "ok",
			          TX(pg, "已决定：两个乡镇和该村收到后，村里停机执行 carenet move apply。",
			             "Decided. Once both townships and the village hold it, the village "
			             "stops its node and runs carenet move apply."));
		else
			pg->status = 422;
	}
	if (pg->status != 200)
		move_form(pg, old, nw);
	buf_htmlf(&pg->out, "<p><a href=\"/moves\">%s</a></p>", TX(pg, "返回", "Back"));
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}
