/*
 * cli_form: `carenet compliance form mca-2018 --html FILE [--json]` — the
 * Ministry's application form (全国农村留守儿童关爱保护和困境儿童保障示范县
 * 申报表, 民函〔2018〕4号 附件2) filled from the node's data: the county's
 * facts and figures from its records (ledger_summary: children by category,
 * staff, homes; the R02 roster: townships, villages, communities; R06 staff:
 * by post, the 负责人 and 联系人; the county's R01 profile), the
 * self-evaluation from `compliance --standard mca-2018-demo`. The opinions
 * and seals that stay on paper (县级人民政府推荐意见, 地市级民政部门推荐意见,
 * 省级民政部门推荐意见, 公章, dates) are left as visibly blank boxes. The
 * personal fields (names, phones) are masked unless --reveal (audited by the
 * node, as record list --reveal).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cli_bulletin.h"
#include "cli_compliance.h"
#include "err.h"
#include "json.h"
#include "util.h"

#define FORM_ID "mca-2018"
#define FORM_STANDARD "mca-2018-demo"
#define MAXV 32

static const struct args_opt opts[] = {
    {"config", 'c', "CFG", "the county node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"html", ARGS_LONG('h'), "FILE", "write the filled form (one self-contained A4 page)"},
    {"json", 'j', NULL, "the form's figures and self-evaluation as JSON"},
    {"at", ARGS_LONG('a'), "DATE", "evaluate at YYYY-MM-DD (default today)"},
    {"reveal", ARGS_LONG('r'), NULL,
     "the 负责人's and 联系人's names and phones in the clear (audited)"},
    {0}};
static const struct args_cmd fcmd = {
    "carenet compliance form", FORM_ID " [-c CFG] [--html FILE] [--json] [--at DATE] [--reveal]",
    "The Ministry's application form (申报表, 民函〔2018〕4号 附件2) filled from this\n"
    "county's records and its evaluation against mca-2018-demo; the opinions and\n"
    "seals that stay on paper are left blank. Give --html FILE, --json or both.\n",
    opts, NULL};

struct counts { /* value -> count */
	char *k[MAXV];
	unsigned long v[MAXV];
	size_t n;
};

struct form {
	char county[32], name[256], county_type[64], population[32];
	char head[128], head_phone[64], contact[128], contact_phone[64];
	unsigned long townships, villages, communities, homes, staff, children;
	struct counts posts, categories;
	Carenet__ComplianceReply *eval; /* owned by rep_eval */
	Carenet__ControlReply *rep_eval;
};

static void add(struct counts *c, const char *k, unsigned long n)
{
	size_t i = 0;
	while (i < c->n && strcmp(c->k[i], k))
		i++;
	if (i == c->n) {
		if (c->n == MAXV || !(c->k[i] = strdup(k)))
			return;
		c->v[c->n++] = 0;
	}
	c->v[i] += n;
}

static const char *field(const Carenet__RecordVersion *r, const char *name)
{
	for (size_t i = 0; i < r->n_fields; i++)
		if (!strcmp(r->fields[i]->name, name))
			return r->fields[i]->value;
	return "";
}

static int list(const char *prog, const struct config *cfg, const char *type, int reveal,
                Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordListRequest q = CARENET__RECORD_LIST_REQUEST__INIT;
	q.type = (char *)type, q.office = "", q.reveal = reveal;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST;
	req.record_list = &q;
	return cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, rep);
}

static int summary(const char *prog, const struct config *cfg, struct form *f)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__LedgerSummaryRequest q = CARENET__LEDGER_SUMMARY_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int rc;
	q.office = "";
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_LEDGER_SUMMARY;
	req.ledger_summary = &q;
	if ((rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) != 0)
		return rc;
	for (size_t i = 0; i < rep->n_summary; i++) {
		const Carenet__SummaryCount *s = rep->summary[i];
		if (!strcmp(s->measure, "children"))
			f->children += s->count;
		else if (!strcmp(s->measure, "category"))
			add(&f->categories, s->value, s->count);
		else if (!strcmp(s->measure, "staff"))
			f->staff += s->count;
		else if (!strcmp(s->measure, "homes"))
			f->homes += s->count;
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return 0;
}

static int records(const char *prog, const struct config *cfg, int reveal, struct form *f)
{
	Carenet__ControlReply *rep = NULL;
	int rc;
	if ((rc = list(prog, cfg, "division", 0, &rep)) != 0)
		return rc;
	for (size_t i = 0; i < rep->n_records; i++) {
		const char *t = field(rep->records[i], "type");
		f->townships += !strcmp(t, "乡镇") || !strcmp(t, "街道");
		f->villages += !strcmp(t, "村");
		f->communities += !strcmp(t, "社区");
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	if ((rc = list(prog, cfg, "office", 0, &rep)) != 0)
		return rc;
	for (size_t i = 0; i < rep->n_records; i++)
		if (!strcmp(field(rep->records[i], "tier"), "county") &&
		    !strcmp(rep->records[i]->owner, f->county)) {
			snprintf(f->name, sizeof(f->name), "%s", field(rep->records[i], "name"));
			snprintf(f->county_type, sizeof(f->county_type), "%s",
			         field(rep->records[i], "county_type"));
			snprintf(f->population, sizeof(f->population), "%s",
			         field(rep->records[i], "population"));
		}
	carenet__control_reply__free_unpacked(rep, NULL);
	if ((rc = list(prog, cfg, "staff", reveal, &rep)) != 0)
		return rc;
	for (size_t i = 0; i < rep->n_records; i++) {
		const Carenet__RecordVersion *r = rep->records[i];
		const char *post = field(r, "role");
		add(&f->posts, post, 1);
		if (strcmp(r->owner, f->county))
			continue;
		if (!strcmp(post, "负责人")) {
			snprintf(f->head, sizeof(f->head), "%s", field(r, "name"));
			snprintf(f->head_phone, sizeof(f->head_phone), "%s", field(r, "phone"));
		} else if (!strcmp(post, "联系人")) {
			snprintf(f->contact, sizeof(f->contact), "%s", field(r, "name"));
			snprintf(f->contact_phone, sizeof(f->contact_phone), "%s",
			         field(r, "phone"));
		}
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return 0;
}

/* The unit's name when the county has no R01 profile: the node's name. */
static int node_name(const char *prog, const struct config *cfg, struct form *f)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	Carenet__Empty e = CARENET__EMPTY__INIT;
	int rc;
	if (f->name[0])
		return 0;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_STATUS;
	req.status = &e;
	if ((rc = cli_call(prog, cfg, &req, CLI_TIMEOUT_MS, &rep)) == 0 && rep->status)
		snprintf(f->name, sizeof(f->name), "%s", rep->status->name);
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static int evaluate(const char *prog, const struct config *cfg, const char *at, struct form *f)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ComplianceRequest q = CARENET__COMPLIANCE_REQUEST__INIT;
	char *ids[] = {FORM_STANDARD};
	int rc;
	q.standards = ids, q.n_standards = 1, q.office = "", q.at = (char *)(at ? at : "");
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_COMPLIANCE;
	req.compliance = &q;
	if ((rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &f->rep_eval)) != 0)
		return rc;
	f->eval = f->rep_eval->compliance;
	if (!f->eval)
		return CN_EINVAL;
	snprintf(f->county, sizeof(f->county), "%s", f->eval->office);
	return 0;
}

/* ------------------------------------------------------------------ json */

static void json_counts(struct json *j, const char *key, const struct counts *c)
{
	json_obj_begin(j, key);
	for (size_t i = 0; i < c->n; i++)
		json_u64(j, c->k[i], c->v[i]);
	json_obj_end(j);
}

static void form_json(const struct form *f)
{
	static const char *names[] = {"pass", "fail", "unknown", "n/a"};
	unsigned long n[4];
	struct json j;
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "form", FORM_ID), json_str(&j, "county", f->county);
	json_str(&j, "name", f->name), json_str(&j, "county_type", f->county_type);
	json_str(&j, "population", f->population);
	json_str(&j, "head", f->head), json_str(&j, "head_phone", f->head_phone);
	json_str(&j, "contact", f->contact), json_str(&j, "contact_phone", f->contact_phone);
	json_obj_begin(&j, "figures");
	json_u64(&j, "townships", f->townships), json_u64(&j, "villages", f->villages);
	json_u64(&j, "communities", f->communities), json_u64(&j, "homes", f->homes);
	json_u64(&j, "staff", f->staff), json_u64(&j, "children", f->children);
	json_counts(&j, "staff_by_post", &f->posts);
	json_counts(&j, "children_by_category", &f->categories);
	json_obj_end(&j);
	json_obj_begin(&j, "evaluation");
	json_str(&j, "standard", f->eval->standard), json_str(&j, "at", f->eval->at);
	render_compliance_counts(f->eval, n);
	json_obj_begin(&j, "summary");
	for (int k = 0; k < 4; k++)
		json_u64(&j, names[k], n[k]);
	json_obj_end(&j);
	json_bool(&j, "qualifies", render_compliance_qualifies(f->eval));
	json_arr_begin(&j, "indicators");
	for (size_t i = 0; i < f->eval->n_indicators; i++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "id", f->eval->indicators[i]->id);
		json_str(&j, "result", f->eval->indicators[i]->result);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_arr_begin(&j, "blank");
	json_str(&j, NULL, "县级人民政府推荐意见"), json_str(&j, NULL, "地市级民政部门推荐意见");
	json_str(&j, NULL, "省级民政部门推荐意见");
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

/* ------------------------------------------------------------------ html */

static void cell(FILE *o, const char *label, const char *v, int span)
{
	fprintf(o, "<th>%s</th><td%s>", label, span ? " colspan=\"3\"" : "");
	if (v && *v)
		render_esc(o, v);
	else
		fputs("<span class=\"en\">（手填 fill in by hand）</span>", o);
	fputs("</td>", o);
}

static void figures(FILE *o, const struct form *f)
{
	fprintf(o,
	        "<p><b>一、基本情况</b> <span class=\"en\">Facts and figures (from the records "
	        "held at the county)</span></p>\n<table class=\"small\"><tr><th>乡镇（街道）"
	        "<span class=\"en\">townships</span></th><td class=\"n\">%lu</td><th>村 <span "
	        "class=\"en\">villages</span></th><td class=\"n\">%lu</td><th>社区 <span "
	        "class=\"en\">communities</span></th><td class=\"n\">%lu</td></tr>\n<tr><th>"
	        "儿童之家 <span class=\"en\">homes</span></th><td class=\"n\">%lu</td><th>工作人员 "
	        "<span class=\"en\">staff</span></th><td class=\"n\">%lu</td><th>在册儿童 <span "
	        "class=\"en\">children</span></th><td class=\"n\">%lu</td></tr>\n</table>\n",
	        f->townships, f->villages, f->communities, f->homes, f->staff, f->children);
	fputs("<table class=\"small\" style=\"margin-top:4pt\"><tr><th style=\"width:50%\">岗位 "
	      "<span class=\"en\">staff by post</span></th><th>儿童类别 <span class=\"en\">"
	      "children by category</span></th></tr><tr><td>",
	      o);
	for (size_t i = 0; i < f->posts.n; i++) {
		render_esc(o, f->posts.k[i]);
		fprintf(o, " <b>%lu</b><br>", f->posts.v[i]);
	}
	fputs("</td><td>", o);
	for (size_t i = 0; i < f->categories.n; i++) {
		render_esc(o, f->categories.k[i]);
		fprintf(o, " <b>%lu</b><br>", f->categories.v[i]);
	}
	fputs("</td></tr></table>\n", o);
}

static void selfeval(FILE *o, const struct form *f)
{
	unsigned long n[4];
	int ok = render_compliance_qualifies(f->eval);
	render_compliance_counts(f->eval, n);
	fprintf(o,
	        "<p><b>二、自评情况</b> <span class=\"en\">Self-evaluation against %s at %s"
	        "</span>: 达标 %lu · 未达标 %lu · 不明 %lu · 不适用 %lu — %s</p>\n",
	        f->eval->standard, f->eval->at, n[0], n[1], n[2], n[3],
	        ok ? "全部达标 <span class=\"en\">meets every indicator</span>"
	           : "尚未全部达标 <span class=\"en\">not every indicator passes yet</span>");
	fputs("<table class=\"small ev\"><tr><th>指标 <span class=\"en\">indicator</span></th><th>"
	      "结果</th><th>内容 <span class=\"en\">what</span></th></tr>\n",
	      o);
	for (size_t i = 0; i < f->eval->n_indicators; i++) {
		const Carenet__ComplianceIndicator *x = f->eval->indicators[i];
		const char *r = x->result;
		fprintf(o, "<tr><td class=\"mono\">%s", x->veto ? "否决 " : "");
		render_esc(o, x->id);
		fprintf(o, "</td><td class=\"%s\">",
		        !strcmp(r, "pass")      ? "pass"
		        : !strcmp(r, "fail")    ? "fail"
		        : !strcmp(r, "unknown") ? "unk"
		                                : "na");
		render_esc(o, render_result_zh(r));
		fputs("</td><td>", o);
		render_esc(o, x->zh);
		fputs("</td></tr>\n", o);
	}
	fputs("</table>\n", o);
}

static void blank(FILE *o, const char *zh, const char *en)
{
	fprintf(o,
	        "<div class=\"opinion\"><b>%s：</b> <span class=\"en\">%s (on paper)</span>"
	        "<div class=\"blank\"></div><p class=\"seal\">（公章 <span class=\"en\">seal"
	        "</span>）&nbsp;&nbsp;&nbsp;&nbsp;年 &nbsp;&nbsp;&nbsp;月 &nbsp;&nbsp;&nbsp;日</p>"
	        "</div>\n",
	        zh, en);
}

static void form_html(FILE *o, const struct form *f)
{
	render_head(o, "申报表 Application form — 全国农村留守儿童关爱保护和困境儿童保障示范县");
	fputs("<style>.opinion{margin-top:8pt;page-break-inside:avoid}.seal{text-align:right;"
	      "margin:2pt 0}table.form>tbody>tr>th{width:20%}.ev td:first-child{width:34%}"
	      ".ev td:nth-child(2){width:14%;white-space:nowrap}</style>\n"
	      "<p class=\"small\">附件 2 <span class=\"en\">民函〔2018〕4号 Annex 2</span></p>\n"
	      "<h1 style=\"text-align:center\">全国农村留守儿童关爱保护和困境儿童保障示范<br>"
	      "县（市、区、旗）申报表</h1><p class=\"sub\" style=\"text-align:center\"><span "
	      "class=\"en\">Application: national demonstration county for the care of left-behind "
	      "children and the protection of children in difficulty — filled by carenet from "
	      "data</span></p>\n<table class=\"form\"><tr>",
	      o);
	cell(o, "单位名称 <span class=\"en\">unit</span>", f->name[0] ? f->name : NULL, 1);
	fputs("</tr>\n<tr>", o);
	cell(o, "负责人姓名 <span class=\"en\">head</span>", f->head, 0);
	cell(o, "电话号码 <span class=\"en\">phone</span>", f->head_phone, 0);
	fputs("</tr>\n<tr>", o);
	cell(o, "联系人姓名及职务 <span class=\"en\">contact</span>", f->contact, 0);
	cell(o, "联系方式 <span class=\"en\">contact phone</span>", f->contact_phone, 0);
	fputs("</tr>\n<tr><td colspan=\"4\"><b>基本情况及主要工作：</b> <span class=\"en\">Facts "
	      "and main work</span> — <span class=\"mono\">",
	      o);
	render_esc(o, f->county);
	fputs("</span>", o);
	if (f->county_type[0])
		fprintf(o, " · %s", f->county_type);
	if (f->population[0])
		fprintf(o, " · 人口 %s", f->population);
	fputs("\n", o);
	figures(o, f);
	selfeval(o, f);
	fputs("<p class=\"small\">注：本项内容超出可另附页。</p></td></tr></table>\n", o);
	blank(o, "县级人民政府推荐意见", "the county government's recommendation");
	blank(o, "地市级民政部门推荐意见", "the prefecture civil affairs bureau's recommendation");
	blank(o, "省级民政部门推荐意见",
	      "the provincial civil affairs department's recommendation");
	fputs("<p class=\"small\">（本表格一式两份 <span class=\"en\">in duplicate</span>）</p>\n"
	      "</body></html>\n",
	      o);
}

static int write_html(const char *prog, const struct form *f, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	int rc;
	if (!o)
		return CN_ENOMEM;
	form_html(o, f);
	fclose(o);
	if ((rc = util_write_file(path, buf, len, 0644, 0)) != 0)
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
	free(buf);
	return rc;
}

int cmd_compliance_form(int argc, char **argv)
{
	const char *prog = "carenet compliance form", *cfgpath = NULL, *html = NULL, *at = NULL;
	struct config *cfg = NULL;
	struct form f;
	struct args a;
	int ch, json = 0, reveal = 0, rc = 0;

	memset(&f, 0, sizeof(f));
	args_begin(&a, &fcmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('h'))
			html = a.val;
		else if (ch == 'j')
			json = 1;
		else if (ch == ARGS_LONG('a'))
			at = a.val;
		else if (ch == ARGS_LONG('r'))
			reveal = 1;
		else
			return a.exit == 0 ? 0 : CN_EXIT_USAGE;
	}
	if (args_operands(&a, 1, 1))
		return CN_EXIT_USAGE;
	if (strcmp(argv[a.ind], FORM_ID))
		return args_usage_error(
		    &fcmd, "no form %s: the forms are " FORM_ID " (民函〔2018〕4号 附件2)",
		    argv[a.ind]);
	if (!html && !json)
		return args_usage_error(&fcmd, "give --html FILE, --json or both");
	if ((rc = cli_config(prog, cfgpath ? cfgpath : CONFIG_DEFAULT_PATH, &cfg)) != 0)
		return cn_exit_code(rc);
	if ((rc = evaluate(prog, cfg, at, &f)) == 0 && (rc = summary(prog, cfg, &f)) == 0 &&
	    (rc = records(prog, cfg, reveal, &f)) == 0 && (rc = node_name(prog, cfg, &f)) == 0) {
		if (json)
			form_json(&f);
		if (html)
			rc = write_html(prog, &f, html);
	}
	for (size_t i = 0; i < f.posts.n; i++)
		free(f.posts.k[i]);
	for (size_t i = 0; i < f.categories.n; i++)
		free(f.categories.k[i]);
	carenet__control_reply__free_unpacked(f.rep_eval, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}
