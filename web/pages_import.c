/*
 * pages_import: a CSV ledger brought in through the records page (导入台账),
 * as `carenet record import` brings one in: the uploaded file is read by
 * the same reader (roles_record_csv: UTF-8 with or without BOM, or
 * GB18030; the template's Chinese or records.md column names) and its rows
 * are sent in the same one record_write request, so the node checks every
 * row and writes all of them or none. "Check" sends it with dry_run set.
 * Every problem, the reader's or the node's, is shown as a row of a table:
 * line, column (its spreadsheet letter too), field, what is wrong.
 *
 * The file may be WEB_IMPORT_MAX bytes (web_int.h says why); http.c caps
 * this route's body at that and the form.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "roles.h"

#define IMPORT_MS 120000 /* the node checks and writes every row in one turn */
#define MAX_SHOWN 500    /* problems or ids listed; the rest counted */

/* The import form: type, file, check (dry run) and import. */
void record_import_form(struct page *pg, const struct rec_type *t, int open)
{
	size_t n;
	const struct rec_type *all = roles_record_types(&n);

	buf_htmlf(&pg->out,
	          "<details id=\"import\"%s><summary>%s</summary><form method=\"post\" "
	          "action=\"/records/import\" enctype=\"multipart/form-data\">",
	          open ? " open" : "", TX(pg, "导入 CSV 台账", "Import a CSV ledger"));
	page_csrf(pg);
	buf_htmlf(&pg->out,
	          "<label for=\"imp-type\">%s</label><select id=\"imp-type\" name=\"type\">",
	          TX(pg, "台账类别", "Record type"));
	for (size_t i = 0; i < n; i++)
		buf_htmlf(&pg->out, "<option value=\"%s\"%s>%s %s (%s)</option>", all[i].name,
		          &all[i] == t ? " selected" : "", all[i].zh, all[i].name, all[i].code);
	buf_htmlf(
	    &pg->out,
	    "</select><label for=\"imp-file\">%s</label><input type=\"file\" id=\"imp-file\" "
	    "name=\"file\" accept=\".csv,text/csv\" required><p class=\"hint\">%s</p>"
	    "<button type=\"submit\" name=\"dry_run\" value=\"1\" class=\"plain\">%s</button>"
	    "<button type=\"submit\" name=\"go\" value=\"1\">%s</button></form></details>",
	    TX(pg, "CSV 文件（UTF-8 或 GB18030，至多 8 MiB）",
	       "CSV file (UTF-8 or GB18030, at most 8 MiB)"),
	    TX(pg,
	       "第一行是列名：台账表头的中文列名（或字段名）；有“记录编号”一列的行修改该记录。"
	       "由节点逐行检查：任何一行有错，一条也不写入。",
	       "The first row names the columns: the ledger's Chinese headings (or the "
	       "field names); a row with a 记录编号 updates that record. The node checks "
	       "every row: if any is wrong, nothing is written."),
	    TX(pg, "检查（不写入）", "Check (write nothing)"), TX(pg, "导入", "Import"));
	buf_puts(&pg->out, "<p class=\"hint\">");
	buf_htmlf(&pg->out, "%s <a id=\"template\" href=\"/records/template?type=%s\">%s</a> · ",
	          TX(pg, "模板：", "Template:"), t->name, TX(pg, "表头", "the header"));
	buf_htmlf(&pg->out, "<a id=\"template-example\" href=\"/records/template?type=%s&amp;"
	                    "example=1\">%s</a> (%s %s)</p>",
	          t->name, TX(pg, "表头加示例行", "with an example row"), t->zh, t->name);
}

/* "C" for column 3, "AB" for 28: where a spreadsheet shows it. */
static void col_letters(unsigned col, char *out, size_t len)
{
	char tmp[8];
	size_t n = 0;

	for (; col && n < sizeof(tmp); col = (col - 1) / 26)
		tmp[n++] = (char)('A' + (col - 1) % 26);
	for (size_t i = 0; i < n && i + 1 < len; i++)
		out[i] = tmp[n - 1 - i], out[i + 1] = 0;
	if (!n && len)
		out[0] = 0;
}

/* One problem as the reader or the node words it: "LINE:COLUMN: what", the
 * node's beginning "中文 (name): " when it names a field of t (else the
 * field is the header's cell of that column). */
static void problem_row(struct page *pg, const struct rec_type *t, const struct rec_sheet *s,
                        const char *p)
{
	unsigned line = 0, col = 0;
	int off = 0;
	const char *what = p, *open, *close;
	char field[256] = "", letters[8] = "", cell[32] = "—", at[16] = "—";

	if (sscanf(p, "%u:%u: %n", &line, &col, &off) == 2 && off > 0)
		what = p + off;
	else
		line = col = 0;
	if ((open = strstr(what, " (")) && (close = strstr(open, "): ")) &&
	    (size_t)(close - open - 2) < 64) {
		char name[64];
		int k;
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 2), open + 2);
		if ((k = roles_record_field(t, name)) >= 0 &&
		    strlen(t->fields[k].zh) == (size_t)(open - what) &&
		    !memcmp(t->fields[k].zh, what, (size_t)(open - what))) {
			snprintf(field, sizeof(field), "%s %s", t->fields[k].zh, t->fields[k].name);
			what = close + 3;
		}
	}
	if (!field[0] && col >= 1 && col <= s->ncols)
		snprintf(field, sizeof(field), "%s", s->cols[col - 1]);
	if (line)
		snprintf(at, sizeof(at), "%u", line);
	if (col) {
		col_letters(col, letters, sizeof(letters));
		snprintf(cell, sizeof(cell), "%u (%s)", col, letters);
	}
	buf_htmlf(&pg->out, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", at, cell,
	          field, what);
}

static void problems_table(struct page *pg, const struct rec_type *t, const struct rec_sheet *s,
                           char *const *v, size_t n)
{
	buf_htmlf(
	    &pg->out,
	    "<div class=\"scroll\"><table id=\"problems\"><caption>%s: %zu</caption><thead><tr>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "<th scope=\"col\">%s</th></tr></thead><tbody>",
	    TX(pg, "问题（未写入任何记录）", "Problems (nothing was written)"), n,
	    TX(pg, "行", "Line"), TX(pg, "列", "Column"), TX(pg, "字段", "Field"),
	    TX(pg, "问题", "What is wrong"));
	for (size_t i = 0; i < n && i < MAX_SHOWN; i++)
		problem_row(pg, t, s, v[i]);
	buf_puts(&pg->out, "</tbody></table></div>");
	if (n > MAX_SHOWN)
		buf_htmlf(&pg->out, "<p>%s %zu</p>",
		          TX(pg, "未列出的问题：", "Problems not listed:"), n - MAX_SHOWN);
}

static void written(struct page *pg, const Carenet__ControlReply *rep, int dry_run)
{
	char msg[160];

	snprintf(msg, sizeof(msg),
	         dry_run ? TX(pg, "%zu 行全部通过检查，未写入（检查）。",
	                      "%zu row(s) checked, all good; nothing written (check).")
	                 : TX(pg, "已导入 %zu 条记录。", "%zu record(s) imported."),
	         rep->n_record_ids);
	page_note(pg, "ok", msg);
	if (dry_run)
		return;
	buf_htmlf(&pg->out, "<ul id=\"imported\" aria-label=\"%s\">",
	          TX(pg, "导入的记录", "The records imported"));
	for (size_t i = 0; i < rep->n_record_ids && i < MAX_SHOWN; i++) {
		buf_puts(&pg->out, "<li><a href=\"/records/edit?id=");
		buf_url(&pg->out, rep->record_ids[i]);
		buf_htmlf(&pg->out, "\">%s</a></li>", rep->record_ids[i]);
	}
	buf_puts(&pg->out, "</ul>");
}

/* The uploaded file (the part named "file"), or NULL with a note. */
static const uint8_t *upload(struct page *pg, const char **fname, size_t *len)
{
	const char *name, *file;
	const uint8_t *data;

	for (size_t i = 0; i < form_count(pg->form); i++) {
		if (!form_file(pg->form, i, &name, &file, &data, len) || strcmp(name, "file"))
			continue;
		*fname = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		*fname = strrchr(*fname, '\\') ? strrchr(*fname, '\\') + 1 : *fname;
		if (*len > WEB_IMPORT_MAX) {
			page_note(
			    pg, "error",
			    TX(pg,
			       "文件超过 8 MiB：请分成几个文件导入，或用 carenet record import。",
			       "The file is over 8 MiB: split it, or use carenet record import."));
			return NULL;
		}
		if (file[0])
			return data; /* empty: the reader says so */
	}
	page_note(pg, "error", TX(pg, "请选择一个 CSV 文件。", "Choose a CSV file."));
	return NULL;
}

/* POST /records/import: read, send, show. */
void page_record_import(struct page *pg)
{
	const char *tn = form_get(pg->form, "type"), *fname = "";
	const struct rec_type *t = tn ? roles_record_type(tn) : NULL;
	int dry_run = form_get(pg->form, "dry_run") != NULL, rc;
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest wq = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct rec_sheet s;
	const uint8_t *data;
	size_t len = 0;

	memset(&s, 0, sizeof(s));
	if (!page_may(pg, WR_OPERATOR))
		return;
	if (!t)
		return page_error(pg, 422, "未知的台账类别。", "Unknown record type.");
	page_begin(pg, "导入台账", "Import records");
	pg->status = 422;
	if (!(data = upload(pg, &fname, &len))) {
		/* said why */
	} else if ((rc = roles_record_csv(t, data, len, &s)) == CN_EINVAL) {
		buf_htmlf(&pg->out, "<p>%s</p>", fname);
		page_note(pg, "error",
		          TX(pg, "文件有误，未写入任何记录 (nothing was written)。",
		             "The file has problems; nothing was written (未导入)."));
		problems_table(pg, t, &s, s.problems, s.nproblems);
	} else if (rc != 0) {
		page_note(pg, "error", cn_strerror(rc));
	} else {
		buf_htmlf(&pg->out, "<p>%s</p>", fname);
		wq.records = s.in;
		wq.n_records = s.n;
		wq.dry_run = dry_run;
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE, &wq);
		if (web_call(pg, &req, IMPORT_MS, &rep) == 0) {
			pg->status = 200;
			written(pg, rep, dry_run);
		} else if (rep && rep->n_record_errors) {
			problems_table(pg, t, &s, rep->record_errors, rep->n_record_errors);
		}
	}
	record_import_form(pg, t, pg->status != 200 || dry_run);
	buf_htmlf(&pg->out, "<p><a href=\"/records?type=%s\">%s</a></p>", t->name,
	          TX(pg, "返回台账", "Back to the records"));
	carenet__control_reply__free_unpacked(rep, NULL);
	roles_record_sheet_free(&s);
	page_end(pg);
}

/* /records/template?type=T[&example=1]: the file `carenet record template
 * --type T [--example]` prints, from the same writer (roles/records). */
void page_record_template(struct page *pg)
{
	const char *type = page_arg(pg, "type"), *ex = page_arg(pg, "example");
	const struct rec_type *t = roles_record_type(type);
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (!t || (t->owners & REC_READ_ONLY))
		return page_error(pg, 404, "未知的台账类别（见“台账”页的类别）。",
		                  "Unknown record type (see the records page's types).");
	if (!(out = open_memstream(&text, &len))) {
		pg->out.oom = 1;
		return;
	}
	roles_record_csv_template(t, ex && !strcmp(ex, "1"), out);
	fclose(out);
	buf_put(&pg->out, text, len);
	free(text);
	pg->ctype = "text/csv; charset=utf-8";
	snprintf(pg->attachment, sizeof(pg->attachment), "template-%s.csv", t->name);
}
