/*
 * pages_record_edit: one record's edit and close forms, sent as the same
 * record_write request as `carenet record update ID --set ...` and `record
 * close ID --reason ...` (an input with the id set and no type). The page
 * shows the record as record_show gives it, masked: personal fields start
 * empty and an empty field is left as it is; only fields that differ from
 * the record are sent. The node validates and says why not.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"

#define WRITE_MS 30000
#define READ_MS 5000

static const char *const reasons[] = {"年满18", "迁出", "死亡", "不再符合", "other"};

/* The record as record_show gives it (masked): rep's, *out points into it. */
static int current(struct page *pg, const char *id, Carenet__ControlReply **rep,
                   const Carenet__RecordVersion **out, const struct rec_type **t)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest q = CARENET__RECORD_SHOW_REQUEST__INIT;
	int rc;

	q.id = (char *)(id ? id : "");
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_RECORD_SHOW, &q);
	if ((rc = web_call(pg, &req, READ_MS, rep)) != 0)
		return rc;
	if ((*rep)->n_records < 1 || !(*t = roles_record_type((*rep)->records[0]->type)))
		return -1;
	*out = (*rep)->records[(*rep)->n_records - 1];
	return 0;
}

static const char *value_in(const Carenet__RecordVersion *r, const char *name)
{
	for (size_t i = 0; i < r->n_fields; i++)
		if (!strcmp(r->fields[i]->name, name))
			return r->fields[i]->value;
	return "";
}

static void edit_form(struct page *pg, const struct rec_type *t, const Carenet__RecordVersion *r)
{
	buf_puts(&pg->out, "<form method=\"post\" action=\"/records/update\">");
	page_csrf(pg);
	buf_htmlf(&pg->out, "<input type=\"hidden\" name=\"id\" value=\"%s\">", r->id);
	for (size_t f = 0; f < t->nfields; f++) {
		int personal = (t->fields[f].flags & RF_PERSONAL) != 0;
		record_field_input(pg, &t->fields[f],
		                   personal ? NULL : value_in(r, t->fields[f].name), personal);
	}
	buf_htmlf(&pg->out, "<p class=\"hint\">%s</p><button type=\"submit\">%s</button></form>",
	          TX(pg, "留空的项不变；个人信息已隐藏，需要修改时直接填写新值。",
	             "Empty fields stay as they are; personal fields are hidden: type a new value "
	             "to change one."),
	          TX(pg, "保存修改", "Save the changes"));
	buf_htmlf(&pg->out,
	          "<h2>%s</h2><form method=\"post\" action=\"/records/update\">"
	          "<input type=\"hidden\" name=\"id\" value=\"%s\"><input type=\"hidden\" "
	          "name=\"close\" value=\"1\">",
	          TX(pg, "注销", "Close the record"), r->id);
	page_csrf(pg);
	buf_htmlf(&pg->out,
	          "<label for=\"reason\">%s</label><select id=\"reason\" name=\"reason\">",
	          TX(pg, "原因", "Reason"));
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		buf_htmlf(&pg->out, "<option>%s</option>", reasons[i]);
	buf_htmlf(&pg->out,
	          "</select><label for=\"note\">%s</label><input type=\"text\" id=\"note\" "
	          "name=\"note\"><button type=\"submit\" class=\"plain\">%s</button></form>",
	          TX(pg, "说明", "Note"), TX(pg, "注销", "Close"));
}

void page_record_edit(struct page *pg)
{
	Carenet__ControlReply *rep = NULL;
	const Carenet__RecordVersion *r;
	const struct rec_type *t;

	page_begin(pg, "修改台账", "Edit a record");
	if (current(pg, page_arg(pg, "id"), &rep, &r, &t) == 0) {
		buf_htmlf(&pg->out, "<h2>%s %s</h2><p>%s %s · %s %llu</p>", t->zh, r->id,
		          TX(pg, "所属", "owner"), r->owner, TX(pg, "版本", "version"),
		          (unsigned long long)r->version);
		if (r->closed)
			page_note(pg, "ok", TX(pg, "已注销。", "Closed."));
		else if (pg->s->role >= WR_OPERATOR)
			edit_form(pg, t, r);
	} else {
		pg->status = 404;
	}
	buf_htmlf(&pg->out, "<p><a href=\"/records?type=%s\">%s</a></p>",
	          rep && rep->n_records ? rep->records[0]->type : "child",
	          TX(pg, "返回台账", "Back to the records"));
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}

/* The fields of the form that differ from the record (a personal field:
 * any non-empty value), into in->set (fields, fp: REC_MAX_FIELDS each). */
static void changes(struct page *pg, const struct rec_type *t, const Carenet__RecordVersion *r,
                    Carenet__RecordInput *in, Carenet__Field *fields, Carenet__Field **fp)
{
	for (size_t f = 0; f < t->nfields && in->n_set < REC_MAX_FIELDS; f++) {
		const char *v = form_get(pg->form, t->fields[f].name);
		if (!v || !v[0] ||
		    (!(t->fields[f].flags & RF_PERSONAL) &&
		     !strcmp(v, value_in(r, t->fields[f].name))))
			continue;
		carenet__field__init(&fields[in->n_set]);
		fields[in->n_set].name = (char *)t->fields[f].name;
		fields[in->n_set].value = (char *)v;
		fp[in->n_set] = &fields[in->n_set];
		in->n_set++;
	}
	in->set = fp;
}

static int send(struct page *pg, Carenet__RecordInput *in)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest wq = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__RecordInput *ins[1] = {in};
	Carenet__ControlReply *rep = NULL;
	int rc;

	wq.records = ins;
	wq.n_records = 1;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE, &wq);
	if ((rc = web_call(pg, &req, WRITE_MS, &rep)) == 0) {
		page_note(pg, "ok", TX(pg, "已保存。", "Saved."));
	} else if (rep && rep->n_record_errors) {
		buf_puts(&pg->out, "<ul role=\"alert\">");
		for (size_t i = 0; i < rep->n_record_errors; i++)
			buf_htmlf(&pg->out, "<li>%s</li>", rep->record_errors[i]);
		buf_puts(&pg->out, "</ul>");
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

void page_record_update(struct page *pg)
{
	Carenet__ControlReply *cur = NULL;
	Carenet__RecordInput in = CARENET__RECORD_INPUT__INIT;
	Carenet__Field fields[REC_MAX_FIELDS], *fp[REC_MAX_FIELDS];
	const Carenet__RecordVersion *r;
	const struct rec_type *t;
	const char *id = form_get(pg->form, "id"), *reason = form_get(pg->form, "reason");
	const char *note = form_get(pg->form, "note");

	if (!page_may(pg, WR_OPERATOR))
		return;
	page_begin(pg, "修改台账", "Edit a record");
	if (current(pg, id, &cur, &r, &t) != 0) {
		pg->status = 404;
	} else {
		in.id = r->id;
		in.type = "";
		if (form_get(pg->form, "close")) {
			in.close = 1;
			in.close_reason = (char *)(reason ? reason : "");
			in.close_note = (char *)(note ? note : "");
		} else {
			changes(pg, t, r, &in, fields, fp);
		}
		if (!in.close && !in.n_set)
			page_note(pg, "ok", TX(pg, "没有修改。", "Nothing changed."));
		else if (send(pg, &in) != 0)
			pg->status = 422;
	}
	buf_puts(&pg->out, "<p><a href=\"/records/edit?id=");
	buf_url(&pg->out, id ? id : "");
	buf_htmlf(&pg->out, "\">%s</a></p>", TX(pg, "返回该记录", "Back to the record"));
	carenet__control_reply__free_unpacked(cur, NULL);
	page_end(pg);
}
