/*
 * pages: the overview and the inbox (web_int.h). Each page is the reply of
 * the same control request the CLI sends (status, offices, directive_list,
 * inbox, ack), rendered; the node decides every rule and its refusals are
 * shown as it words them.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "roles.h"

#define WRITE_MS 30000
#define READ_MS 5000

static const char *role_zh(const char *role)
{
	return !strcmp(role, "county")      ? "县级"
	       : !strcmp(role, "township")  ? "乡镇"
	       : !strcmp(role, "village")   ? "村"
	       : !strcmp(role, "inspector") ? "督查"
	                                    : role;
}

/* A request that carries nothing (status, offices, inbox, directive_list with ""). */
static int ask(struct page *pg, Carenet__ControlRequest__RequestCase type,
               Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ListRequest lq = CARENET__LIST_REQUEST__INIT;

	*rep = NULL;
	if (control_request_set(
	        &req, type, type == CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_LIST ? &lq : NULL))
		return -1;
	return web_call(pg, &req, READ_MS, rep);
}

static void peer_row(struct page *pg, const Carenet__PeerStatus *p)
{
	char seen[32];

	web_time(pg->w, p->last_seen, seen, sizeof(seen));
	buf_htmlf(&pg->out, "<tr><td>%s</td><td>%s</td><td>%s %s</td><td>%s</td><td>%s</td><td>",
	          p->id, p->name, role_zh(p->role), p->role, p->up ? "● 在线 up" : "○ 离线 down",
	          seen);
	if (p->rtt_us)
		buf_htmlf(&pg->out, p->rtt_us < 1000 ? "&lt; 1 ms" : "%llu ms",
		          (unsigned long long)(p->rtt_us / 1000));
	buf_htmlf(&pg->out, "</td><td>%s</td></tr>", p->last_error);
}

static void peers_table(struct page *pg, const char *caption, Carenet__PeerStatus *const *p,
                        size_t n)
{
	buf_htmlf(
	    &pg->out,
	    "<div class=\"scroll\"><table><caption>%s</caption><thead><tr><th scope=\"col\">%s"
	    "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>"
	    "</thead><tbody>",
	    caption, TX(pg, "编码", "Id"), TX(pg, "名称", "Name"), TX(pg, "层级", "Tier"),
	    TX(pg, "状态", "State"), TX(pg, "最后通信（数据时间）", "Last seen (data age)"),
	    TX(pg, "往返", "Round trip"), TX(pg, "问题", "Problem"));
	for (size_t i = 0; i < n; i++)
		peer_row(pg, p[i]);
	if (!n)
		buf_htmlf(&pg->out, "<tr><td colspan=\"7\">%s</td></tr>", TX(pg, "无", "None"));
	buf_puts(&pg->out, "</tbody></table></div>");
}

/* Every office below, as a tree (the offices request, as `carenet tree`):
 * direct children with their link's state, the rest as announced. */
static void subtree(struct page *pg, const Carenet__Status *st)
{
	Carenet__ControlReply *rep = NULL;

	if (ask(pg, CARENET__CONTROL_REQUEST__REQUEST_OFFICES, &rep) != 0 || !rep->n_offices) {
		carenet__control_reply__free_unpacked(rep, NULL);
		return;
	}
	buf_htmlf(&pg->out, "<h2>%s</h2><ul class=\"tree\">",
	          TX(pg, "下属办公室", "Offices below"));
	for (size_t i = 0; i < rep->n_offices && i < 5000; i++) {
		const Carenet__PeerStatus *o = rep->offices[i], *c = NULL;
		size_t depth = (strlen(o->id) - strlen(st->id)) / 3;
		for (size_t k = 0; k < st->n_children; k++)
			if (!strcmp(st->children[k]->id, o->id))
				c = st->children[k];
		buf_htmlf(&pg->out, "<li class=\"d%zu\">%s %s · %s %s · %s</li>",
		          depth > 3 ? (size_t)3 : depth, o->id, o->name, role_zh(o->role), o->role,
		          !c      ? "已登记 announced"
		          : c->up ? "● 在线 up"
		                  : "○ 离线 down");
	}
	buf_puts(&pg->out, "</ul>");
	carenet__control_reply__free_unpacked(rep, NULL);
}

/* Open and overdue: this office's own (inbox) and, as issuer, its targets'. */
static void counts(struct page *pg)
{
	Carenet__ControlReply *rep = NULL;
	size_t open = 0, late = 0, orders = 0, issued = 0, tlate = 0, topen = 0;

	if (ask(pg, CARENET__CONTROL_REQUEST__REQUEST_INBOX, &rep) == 0)
		for (size_t i = 0; i < rep->n_directives; i++) {
			const Carenet__DirectiveView *v = rep->directives[i];
			int o = v->my_state < STATE_DONE;
			open += o;
			late += o && v->overdue;
			orders += o && v->kind == KIND_RECTIFICATION;
		}
	carenet__control_reply__free_unpacked(rep, NULL);
	if (ask(pg, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_LIST, &rep) == 0)
		for (size_t i = 0; i < rep->n_directives; i++) {
			issued++;
			for (size_t k = 0; k < rep->directives[i]->n_targets; k++) {
				const Carenet__TargetView *t = rep->directives[i]->targets[k];
				topen += t->state < STATE_DONE;
				tlate += t->state < STATE_DONE && t->overdue;
			}
		}
	carenet__control_reply__free_unpacked(rep, NULL);
	buf_htmlf(&pg->out,
	          "<h2>%s</h2><ul><li><a href=\"/inbox\">%s: %zu</a></li><li>%s: "
	          "<span class=\"%s\">%zu</span></li><li>%s: %zu</li>",
	          TX(pg, "待办", "To do"), TX(pg, "收件箱未完成", "Open in the inbox"), open,
	          TX(pg, "其中已逾期", "of which overdue"), late ? "late" : "", late,
	          TX(pg, "其中整改通知（升级）", "of which rectification orders (escalated)"),
	          orders);
	if (issued)
		buf_htmlf(&pg->out,
		          "<li><a href=\"/directives\">%s: %zu</a></li><li>%s: %zu</li><li>%s: "
		          "<span class=\"%s\">%zu</span></li>",
		          TX(pg, "本办下发的任务", "Directives issued here"), issued,
		          TX(pg, "下级未完成", "Targets not done"), topen,
		          TX(pg, "下级已逾期", "Targets overdue"), tlate ? "late" : "", tlate);
	reports_count(pg, &open, &late, &orders);
	buf_htmlf(&pg->out,
	          "<li><a href=\"/reports\">%s: %zu</a></li><li>%s: <span class=\"%s\">%zu</span>"
	          "</li><li>%s: %zu</li></ul>",
	          TX(pg, "强制报告未办结", "Mandatory reports open"), open,
	          TX(pg, "逾期未受理", "not acknowledged in time"), late ? "late" : "", late,
	          TX(pg, "已上报县级", "escalated to the county"), orders);
}

void page_overview(struct page *pg)
{
	Carenet__ControlReply *rep = NULL;

	page_begin(pg, "概览", "Overview");
	if (ask(pg, CARENET__CONTROL_REQUEST__REQUEST_STATUS, &rep) == 0 && rep->status) {
		const Carenet__Status *st = rep->status;
		buf_htmlf(&pg->out, "<h2>%s</h2><p><strong>%s</strong> %s · %s %s</p>",
		          TX(pg, "本办公室", "This office"), st->name, st->id, role_zh(st->role),
		          st->role);
		for (size_t i = 0; i < st->n_alerts; i++)
			page_note(pg, "error", st->alerts[i]);
		if (st->has_parent && st->parent)
			peers_table(pg, TX(pg, "上级", "Parent"), &st->parent, 1);
		peers_table(pg, TX(pg, "下级", "Children"), st->children, st->n_children);
		subtree(pg, st);
		counts(pg);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}

/* ------------------------------------------------------------ inbox */

static const uint32_t ack_states[] = {STATE_ACCEPTED, STATE_IN_PROGRESS, STATE_DONE, STATE_UNABLE};

static void ack_form(struct page *pg, const Carenet__DirectiveView *v)
{
	buf_htmlf(&pg->out,
	          "<form method=\"post\" action=\"/ack\" enctype=\"multipart/form-data\">"
	          "<fieldset><legend>%s</legend>",
	          TX(pg, "回复办理状态", "Report this office's state"));
	page_csrf(pg);
	buf_htmlf(&pg->out,
	          "<input type=\"hidden\" name=\"id\" value=\"%s\"><label for=\"st-%s\">%s</label>"
	          "<select id=\"st-%s\" name=\"state\">",
	          v->id, v->id, TX(pg, "状态", "State"), v->id);
	for (size_t i = 0; i < sizeof(ack_states) / sizeof(ack_states[0]); i++)
		buf_htmlf(&pg->out, "<option value=\"%s\"%s>%s %s</option>",
		          roles_state_name(ack_states[i]),
		          ack_states[i] ==
		                  (v->my_state < STATE_ACCEPTED ? STATE_ACCEPTED : v->my_state)
		              ? " selected"
		              : "",
		          roles_state_zh(ack_states[i]), roles_state_name(ack_states[i]));
	buf_htmlf(
	    &pg->out,
	    "</select><label for=\"note-%s\">%s</label><textarea id=\"note-%s\" name=\"note\" "
	    "rows=\"3\" maxlength=\"%d\"></textarea>",
	    v->id, TX(pg, "说明（无法完成时必填）", "Note (required for unable)"), v->id,
	    ROLES_MAX_NOTE);
	if (v->my_state >= STATE_DONE)
		buf_htmlf(&pg->out,
		          "<label><input type=\"checkbox\" name=\"reopen\" value=\"1\"> %s</label>",
		          TX(pg, "重新打开（从已完成/无法完成退回，请在说明中写明原因）",
		             "Reopen (back from done or unable: say why in the note)"));
	buf_htmlf(&pg->out,
	          "<label for=\"ev-%s\">%s</label><input type=\"file\" id=\"ev-%s\" "
	          "name=\"evidence\" multiple>",
	          v->id,
	          TX(pg, "证明材料（可多选；随回复上报）", "Evidence files (any number; sent up)"),
	          v->id);
	buf_htmlf(&pg->out, "<button type=\"submit\">%s</button></fieldset></form>",
	          TX(pg, "提交", "Submit"));
}

static void inbox_entry(struct page *pg, const Carenet__DirectiveView *v)
{
	char due[32], kind[64];

	web_time(pg->w, v->due, due, sizeof(due));
	snprintf(kind, sizeof(kind), "%s %s", roles_kind_zh(v->kind), roles_kind_name(v->kind));
	buf_htmlf(&pg->out,
	          "<section aria-labelledby=\"h-%s\"><h2 id=\"h-%s\">%s</h2><p>%s · %s %s · %s %s"
	          " · %s ",
	          v->id, v->id, v->title, kind, TX(pg, "下发", "from"), v->issuer,
	          TX(pg, "期限", "due"), due, TX(pg, "本办状态", "state here"));
	page_state(pg, v->my_state, v->overdue && v->my_state < STATE_DONE);
	buf_htmlf(&pg->out, " · <span class=\"hint\">%s</span></p>", v->id);
	if (v->body[0])
		buf_htmlf(&pg->out, "<div class=\"body\">%s</div>", v->body);
	if (v->ref[0])
		buf_htmlf(&pg->out, "<p>%s: %s</p>", TX(pg, "关于", "Refers to"), v->ref);
	if (pg->s->role >= WR_OPERATOR)
		ack_form(pg, v);
	buf_puts(&pg->out, "</section>");
}

void page_inbox(struct page *pg)
{
	Carenet__ControlReply *rep = NULL;

	page_begin(pg, "收件箱", "Inbox");
	if (ask(pg, CARENET__CONTROL_REQUEST__REQUEST_INBOX, &rep) == 0) {
		if (!rep->n_directives)
			page_note(pg, "ok",
			          TX(pg, "没有下发给本办公室的任务。",
			             "No directive is addressed to this office."));
		/* the open ones first, overdue before the rest, as the node ordered them */
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < rep->n_directives; i++)
				if ((rep->directives[i]->my_state < STATE_DONE) == (pass == 0))
					inbox_entry(pg, rep->directives[i]);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}

/* The files of the form, each attached as a document of the directive
 * (doc_add, as `ack --evidence` does), into ev: name, SHA-256 and size as
 * the node computed them. 0, or the failure (shown on the page). */
int web_evidence(struct page *pg, const char *id, Carenet__Evidence *ev, size_t *n)
{
	const char *name, *file;
	const uint8_t *data;
	size_t len;
	int rc = 0;

	*n = 0;
	for (size_t i = 0; rc == 0 && i < form_count(pg->form); i++) {
		if (!form_file(pg->form, i, &name, &file, &data, &len) ||
		    strcmp(name, "evidence") || !file[0])
			continue;
		if (*n == ROLES_MAX_EVIDENCE || len > pg->w->cfg->max_document) {
			page_note(pg, "error",
			          TX(pg, "证明材料过多或过大（见 records.max_document）。",
			             "Too many or too large evidence files "
			             "(records.max_document)."));
			return CN_ETOOBIG;
		}
		const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		base = strrchr(base, '\\') ? strrchr(base, '\\') + 1 : base; /* a Windows path */
		Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
		Carenet__DocAddRequest q = CARENET__DOC_ADD_REQUEST__INIT;
		Carenet__ControlReply *rep = NULL;
		q.name = (char *)base;
		q.content.data = (uint8_t *)data;
		q.content.len = len;
		q.record = (char *)id;
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DOC_ADD, &q);
		if ((rc = web_call(pg, &req, WRITE_MS, &rep)) == 0 && rep->n_docs == 1 &&
		    rep->docs[0]->sha256.len == 32) {
			carenet__evidence__init(&ev[*n]);
			ev[*n].name = strdup(rep->docs[0]->name);
			ev[*n].sha256.data = malloc(32);
			if (ev[*n].name && ev[*n].sha256.data)
				memcpy(ev[*n].sha256.data, rep->docs[0]->sha256.data, 32);
			ev[*n].sha256.len = 32;
			ev[*n].size = rep->docs[0]->size;
			rc = ev[*n].name && ev[*n].sha256.data ? 0 : CN_ENOMEM;
			(*n)++;
		} else if (rc == 0) {
			rc = CN_EPROTO;
		}
		carenet__control_reply__free_unpacked(rep, NULL);
	}
	return rc;
}

void web_evidence_free(Carenet__Evidence *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ev[i].name);
		free(ev[i].sha256.data);
	}
}

void page_ack(struct page *pg)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__AckRequest ar = CARENET__ACK_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	Carenet__Evidence ev[ROLES_MAX_EVIDENCE], *evp[ROLES_MAX_EVIDENCE];
	const char *id = form_get(pg->form, "id"), *st = form_get(pg->form, "state");
	const char *note = form_get(pg->form, "note");
	size_t nev = 0;

	if (!page_may(pg, WR_OPERATOR))
		return;
	page_begin(pg, "回复办理状态", "Report a state");
	ar.directive = (char *)(id ? id : "");
	ar.state = st ? roles_state_parse(st) : 0;
	ar.note = (char *)(note ? note : "");
	ar.reopen = form_get(pg->form, "reopen") != NULL;
	if (!ar.state || ar.state == STATE_DELIVERED) {
		pg->status = 400;
		page_note(pg, "error",
		          TX(pg, "请选择状态：已受理、办理中、已完成或无法完成。",
		             "Pick a state: accepted, in-progress, done or unable."));
	} else if (web_evidence(pg, ar.directive, ev, &nev) != 0) {
		pg->status = 422;
	} else {
		for (size_t i = 0; i < nev; i++)
			evp[i] = &ev[i];
		ar.evidence = evp;
		ar.n_evidence = nev;
		req.request_case = CARENET__CONTROL_REQUEST__REQUEST_ACK;
		req.ack = &ar;
		if (web_call(pg, &req, WRITE_MS, &rep) == 0)
			page_note(pg, "ok",
			          TX(pg, "已提交，状态将报送下发单位。",
			             "Done: the state travels up to the issuer."));
		else
			pg->status = 422;
	}
	buf_htmlf(&pg->out, "<p><a href=\"/inbox\">%s</a></p>",
	          TX(pg, "返回收件箱", "Back to the inbox"));
	web_evidence_free(ev, nev);
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}
