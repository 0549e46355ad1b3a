/*
 * pages_records: the ledger (台账) as the CLI's `record list` shows it
 * (record_list, personal fields masked by the node), a reveal button that
 * sends the same request with reveal set (a POST with the CSRF token; the
 * node audits it under the user's name), and an add form that sends the
 * same record_write request as `record add`, so validation and its
 * messages are the node's; below it the import form (pages_import.c).
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "roles.h"

#define WRITE_MS 30000
#define READ_MS 15000
/* Rows a page shows: a county's 1,500 children as 500 rows were 300 KiB of
 * HTML, 3.1 s (p50) as the office PC; 100 rows 1.2 s; 50 rows 0.43 s
 * (docs/benchmarks.md, 11): 50 a page, with links to the others. All of
 * them: the CSV export. */
#define PAGE_ROWS 50
#define MAX_PAGE 100000

static const struct rec_type *type_of(struct page *pg)
{
	const char *t = pg->form ? form_get(pg->form, "type") : page_arg(pg, "type");
	const struct rec_type *rt = t ? roles_record_type(t) : NULL;

	return rt ? rt : roles_record_type("child");
}

/* The listing's filter, from the query or the reveal form: type, owner
 * prefix, one FIELD=VALUE (the node matches it, as `record list --where`). */
struct filter {
	const struct rec_type *t;
	const char *office, *field, *value;
	size_t page; /* 0-based (?page=N is 1-based) */
};

static const char *arg(struct page *pg, const char *name)
{
	const char *v = pg->form ? form_get(pg->form, name) : page_arg(pg, name);
	return v ? v : "";
}

static void filter_of(struct page *pg, struct filter *f)
{
	f->t = type_of(pg);
	f->office = arg(pg, "office");
	f->field = arg(pg, "field");
	f->value = arg(pg, "value");
	f->page = strtoul(arg(pg, "page"), NULL, 10);
	f->page = f->page > 1 && f->page <= MAX_PAGE ? f->page - 1 : 0;
}

/* The filter as hidden fields (the reveal form) or a query (links). */
static void filter_hidden(struct page *pg, const struct filter *f)
{
	const char *k[] = {"type", "office", "field", "value"};
	const char *v[] = {f->t->name, f->office, f->field, f->value};

	for (size_t i = 0; i < 4; i++)
		buf_htmlf(&pg->out, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", k[i], v[i]);
	buf_printf(&pg->out, "<input type=\"hidden\" name=\"page\" value=\"%zu\">", f->page + 1);
}

static void filter_query(struct buf *b, const struct filter *f)
{
	buf_puts(b, "type=");
	buf_url(b, f->t->name);
	buf_puts(b, "&amp;office=");
	buf_url(b, f->office);
	buf_puts(b, "&amp;field=");
	buf_url(b, f->field);
	buf_puts(b, "&amp;value=");
	buf_url(b, f->value);
}

static void search_form(struct page *pg, const struct filter *f)
{
	size_t n;
	const struct rec_type *all = roles_record_types(&n);

	buf_htmlf(&pg->out,
	          "<form method=\"get\" action=\"/records\" role=\"search\"><label for=\"type\">%s"
	          "</label><select id=\"type\" name=\"type\">",
	          TX(pg, "台账类别", "Record type"));
	for (size_t i = 0; i < n; i++)
		buf_htmlf(&pg->out, "<option value=\"%s\"%s>%s %s (%s)</option>", all[i].name,
		          &all[i] == f->t ? " selected" : "", all[i].zh, all[i].name, all[i].code);
	buf_htmlf(&pg->out,
	          "</select><label for=\"office\">%s</label><input type=\"text\" id=\"office\" "
	          "name=\"office\" value=\"%s\" placeholder=\"530102001\"><label for=\"field\">%s"
	          "</label><select id=\"field\" name=\"field\"><option value=\"\"></option>",
	          TX(pg, "所属办公室（编码前缀，可选）", "Owner (id prefix, optional)"), f->office,
	          TX(pg, "按字段筛选", "Where field"));
	for (size_t i = 0; i < f->t->nfields; i++)
		buf_htmlf(&pg->out, "<option value=\"%s\"%s>%s %s</option>", f->t->fields[i].name,
		          !strcmp(f->field, f->t->fields[i].name) ? " selected" : "",
		          f->t->fields[i].zh, f->t->fields[i].name);
	buf_htmlf(&pg->out,
	          "</select><label for=\"value\">%s</label><input type=\"text\" id=\"value\" "
	          "name=\"value\" value=\"%s\"><button type=\"submit\">%s</button></form>",
	          TX(pg, "等于", "equals"), f->value, TX(pg, "查询", "Search"));
}

static const char *value_of(const Carenet__RecordVersion *r, const char *name)
{
	for (size_t i = 0; i < r->n_fields; i++)
		if (!strcmp(r->fields[i]->name, name))
			return r->fields[i]->value;
	return "";
}

/* Links to the page before and after (the filter kept), and where this one is. */
static void pager(struct page *pg, const struct filter *f, size_t n, size_t first, size_t last)
{
	size_t pages = (n + PAGE_ROWS - 1) / PAGE_ROWS, at = first / PAGE_ROWS;

	buf_htmlf(&pg->out, "<nav class=\"pager\" aria-label=\"%s\"><p>",
	          TX(pg, "分页", "Pages"));
	for (int k = 0; k < 2; k++) {
		size_t to = k ? at + 2 : at; /* 1-based: the previous page is at, the next at + 2 */
		if (k ? at + 1 >= pages : at == 0)
			continue;
		buf_puts(&pg->out, "<a rel=\"");
		buf_puts(&pg->out, k ? "next" : "prev");
		buf_puts(&pg->out, "\" href=\"/records?");
		filter_query(&pg->out, f);
		buf_printf(&pg->out, "&amp;page=%zu\">", to);
		buf_htmlf(&pg->out, "%s</a> ", k ? TX(pg, "下一页 →", "Next →")
		                                 : TX(pg, "← 上一页", "← Previous"));
	}
	buf_htmlf(&pg->out, "<span class=\"hint\">%s %zu–%zu / %zu · %s</span></p></nav>",
	          TX(pg, "第", "Rows"), first + 1, last, n,
	          TX(pg, "全部：导出 CSV 或 carenet record export",
	             "all of them: Export CSV, or carenet record export"));
}

static void ledger_table(struct page *pg, const struct filter *f,
                         Carenet__RecordVersion *const *r, size_t n)
{
	const struct rec_type *t = f->t;
	size_t first = f->page * PAGE_ROWS, last;

	if (first >= n) /* past the end: the last page */
		first = n ? (n - 1) / PAGE_ROWS * PAGE_ROWS : 0;
	last = first + PAGE_ROWS < n ? first + PAGE_ROWS : n;
	buf_htmlf(&pg->out,
	          "<div class=\"scroll\"><table><caption>%s %s: %zu</caption><thead><tr>"
	          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>",
	          t->zh, t->name, n, TX(pg, "编号", "Id"), TX(pg, "所属", "Owner"));
	for (size_t k = 0; k < t->nfields; k++)
		buf_htmlf(&pg->out, "<th scope=\"col\">%s<br><span class=\"hint\">%s</span></th>",
		          t->fields[k].zh, t->fields[k].name);
	buf_puts(&pg->out, "</tr></thead><tbody>");
	for (size_t i = first; i < last; i++) {
		buf_puts(&pg->out, "<tr><th scope=\"row\"><a href=\"/records/edit?id=");
		buf_url(&pg->out, r[i]->id);
		buf_htmlf(&pg->out, "\">%s</a>%s</th><td>%s</td>", r[i]->id,
		          r[i]->closed ? " (已注销 closed)" : "", r[i]->owner);
		for (size_t k = 0; k < t->nfields; k++)
			buf_htmlf(&pg->out, "<td>%s</td>", value_of(r[i], t->fields[k].name));
		buf_puts(&pg->out, "</tr>");
	}
	buf_puts(&pg->out, "</tbody></table></div>");
	if (n > PAGE_ROWS)
		pager(pg, f, n, first, last);
}

static void reveal_form(struct page *pg, const struct filter *f)
{
	buf_puts(&pg->out, "<form method=\"post\" action=\"/records\">");
	page_csrf(pg);
	filter_hidden(pg, f);
	buf_htmlf(&pg->out,
	          "<button type=\"submit\" name=\"reveal\" value=\"1\" class=\"plain\">%s</button> "
	          "<span class=\"hint\">%s</span></form>",
	          TX(pg, "显示个人信息明文", "Reveal personal fields"),
	          TX(pg, "每次显示都记入审计日志。", "Every reveal is written to the audit log."));
}

/* One field's label and input: value (NULL: empty) preset; keep: the field
 * is personal on an edit form, where empty means unchanged (it is masked). */
void record_field_input(struct page *pg, const struct rec_field *f, const char *value, int keep)
{
	buf_htmlf(&pg->out, "<label for=\"f-%s\">%s %s%s</label>", f->name, f->zh, f->name,
	          f->flags & RF_REQ ? " *" : "");
	if (f->kind == RK_ENUM) {
		buf_htmlf(&pg->out,
		          "<select id=\"f-%s\" name=\"%s\"><option value=\"\">%s</option>", f->name,
		          f->name, keep ? TX(pg, "（不变）", "(unchanged)") : "");
		for (size_t k = 0; f->values && f->values[k]; k++)
			buf_htmlf(&pg->out, "<option%s>%s</option>",
			          value && !strcmp(value, f->values[k]) ? " selected" : "",
			          f->values[k]);
		buf_puts(&pg->out, "</select>");
		return;
	}
	buf_htmlf(&pg->out,
	          "<input type=\"text\" id=\"f-%s\" name=\"%s\" value=\"%s\" placeholder=\"%s\">",
	          f->name, f->name, value ? value : "",
	          keep                 ? TX(pg, "不变则留空", "empty: unchanged")
	          : f->kind == RK_DATE ? "YYYY-MM-DD"
	                               : "");
	if (f->kind == RK_SET && f->values) {
		buf_puts(&pg->out, "<span class=\"hint\">");
		for (size_t k = 0; f->values[k]; k++)
			buf_htmlf(&pg->out, "%s%s", k ? "、" : "", f->values[k]);
		buf_puts(&pg->out, "</span>");
	}
}

static void add_form(struct page *pg, const struct rec_type *t, const struct form *refill)
{
	buf_htmlf(&pg->out, "<details%s><summary>%s</summary>", refill ? " open" : "",
	          TX(pg, "新增一条", "Add a record"));
	buf_puts(&pg->out, "<form method=\"post\" action=\"/records/add\">");
	page_csrf(pg);
	buf_htmlf(&pg->out, "<input type=\"hidden\" name=\"type\" value=\"%s\">", t->name);
	for (size_t f = 0; f < t->nfields; f++)
		record_field_input(pg, &t->fields[f],
		                   refill ? form_get(refill, t->fields[f].name) : NULL, 0);
	buf_htmlf(&pg->out,
	          "<p class=\"hint\">%s</p><button type=\"submit\">%s</button></form>"
	          "</details>",
	          TX(pg, "* 必填。检查规则与命令行相同（由节点检查）。",
	             "* required. Checked by the node, as on the command line."),
	          TX(pg, "保存", "Save"));
}

/* record_list with the filter, as `record list` sends it; *rep the caller's. */
static int list_request(struct page *pg, const struct filter *f, int reveal,
                        Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordListRequest lq = CARENET__RECORD_LIST_REQUEST__INIT;
	Carenet__Field where = CARENET__FIELD__INIT, *wp = &where;

	lq.type = (char *)f->t->name;
	lq.office = (char *)f->office;
	lq.reveal = reveal;
	if (f->field[0]) {
		where.name = (char *)f->field;
		where.value = (char *)f->value;
		lq.where = &wp;
		lq.n_where = 1;
	}
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST, &lq);
	return web_call(pg, &req, READ_MS, rep);
}

static void listing(struct page *pg, const struct filter *f, int reveal)
{
	Carenet__ControlReply *rep = NULL;

	if (list_request(pg, f, reveal, &rep) == 0) {
		if (reveal)
			page_note(pg, "ok",
			          TX(pg, "个人信息明文显示（已记入审计日志）。",
			             "Personal fields in the clear (audited)."));
		ledger_table(pg, f, rep->records, rep->n_records);
		buf_puts(&pg->out, "<p><a href=\"/records.csv?");
		filter_query(&pg->out, f);
		buf_htmlf(
		    &pg->out, "\">%s</a></p>",
		    TX(pg, "导出 CSV（个人信息隐藏）", "Export CSV (personal fields masked)"));
	}
	carenet__control_reply__free_unpacked(rep, NULL);
}

void page_records(struct page *pg)
{
	struct filter f;
	int reveal = pg->form && form_get(pg->form, "reveal");

	if (pg->form && !page_may(pg, WR_OPERATOR))
		return;
	filter_of(pg, &f);
	page_begin(pg, "台账", "Records");
	search_form(pg, &f);
	listing(pg, &f, reveal);
	if (pg->s->role >= WR_OPERATOR) {
		if (!reveal)
			reveal_form(pg, &f);
		add_form(pg, f.t, NULL);
		record_import_form(pg, f.t, 0);
	}
	page_end(pg);
}

/* The listing, masked, as CSV: UTF-8 with a BOM, CRLF rows (base/csv.c's
 * writer), columns id, owner, version, then the type's fields by their
 * Chinese names (the template's header). */
void page_records_csv(struct page *pg)
{
	Carenet__ControlReply *rep = NULL;
	const char *cells[REC_MAX_FIELDS + 3];
	struct filter f;
	char ver[24], *text = NULL;
	size_t len = 0;
	FILE *out;

	filter_of(pg, &f);
	if (list_request(pg, &f, 0, &rep) != 0 || !(out = open_memstream(&text, &len))) {
		carenet__control_reply__free_unpacked(rep, NULL);
		return page_error(pg, 502, "节点未能给出台账。", "The node gave no listing.");
	}
	csv_write_bom(out);
	cells[0] = "编号", cells[1] = "所属", cells[2] = "版本";
	for (size_t i = 0; i < f.t->nfields; i++)
		cells[3 + i] = f.t->fields[i].zh;
	csv_write_row(out, cells, 3 + f.t->nfields);
	for (size_t r = 0; r < rep->n_records; r++) {
		snprintf(ver, sizeof(ver), "%llu", (unsigned long long)rep->records[r]->version);
		cells[0] = rep->records[r]->id, cells[1] = rep->records[r]->owner, cells[2] = ver;
		for (size_t i = 0; i < f.t->nfields; i++)
			cells[3 + i] = value_of(rep->records[r], f.t->fields[i].name);
		csv_write_row(out, cells, 3 + f.t->nfields);
	}
	fclose(out);
	buf_put(&pg->out, text, len);
	free(text);
	pg->ctype = "text/csv; charset=utf-8";
	snprintf(pg->attachment, sizeof(pg->attachment), "records-%s.csv", f.t->name);
	carenet__control_reply__free_unpacked(rep, NULL);
}

void page_record_add(struct page *pg)
{
	const struct rec_type *t = type_of(pg);
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest wq = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__RecordInput in = CARENET__RECORD_INPUT__INIT, *ins[1] = {&in};
	Carenet__Field fields[REC_MAX_FIELDS], *fp[REC_MAX_FIELDS];
	Carenet__ControlReply *rep = NULL;
	const struct form *refill = pg->form;

	if (!page_may(pg, WR_OPERATOR))
		return;
	page_begin(pg, "新增台账", "Add a record");
	in.type = (char *)t->name;
	in.id = "";
	for (size_t f = 0; f < t->nfields && in.n_set < REC_MAX_FIELDS; f++) {
		const char *v = form_get(pg->form, t->fields[f].name);
		if (!v || !v[0])
			continue;
		carenet__field__init(&fields[in.n_set]);
		fields[in.n_set].name = (char *)t->fields[f].name;
		fields[in.n_set].value = (char *)v;
		fp[in.n_set] = &fields[in.n_set];
		in.n_set++;
	}
	in.set = fp;
	wq.records = ins;
	wq.n_records = 1;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE, &wq);
	if (web_call(pg, &req, WRITE_MS, &rep) == 0) {
		page_note(pg, "ok", TX(pg, "已保存。", "Saved."));
		for (size_t i = 0; i < rep->n_record_ids; i++)
			buf_htmlf(&pg->out, "<p>%s</p>", rep->record_ids[i]);
		refill = NULL; /* an empty form again */
	} else {
		pg->status = 422;
		if (rep && rep->n_record_errors) {
			buf_puts(&pg->out, "<ul role=\"alert\">");
			for (size_t i = 0; i < rep->n_record_errors; i++)
				buf_htmlf(&pg->out, "<li>%s</li>", rep->record_errors[i]);
			buf_puts(&pg->out, "</ul>");
		}
	}
	add_form(pg, t, refill);
	buf_htmlf(&pg->out, "<p><a href=\"/records?type=%s\">%s</a></p>", t->name,
	          TX(pg, "返回台账", "Back to the records"));
	carenet__control_reply__free_unpacked(rep, NULL);
	page_end(pg);
}
