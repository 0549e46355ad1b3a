/*
 * cli_bulletin: `carenet bulletin --month YYYY-MM` — the monthly bulletin
 * (月通报) the node computes (roles/roles_bulletin.c): a table, --json,
 * --csv (one row per office, BOM), --html FILE (render_bulletin_html.c, with
 * the compliance trend of the 6 month ends before it, asked of the node
 * here), --publish [--force] (the node sends it down as a circular).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cli_bulletin.h"
#include "cmd.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "util.h"

static const struct args_opt opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"month", ARGS_LONG('m'), "YYYY-MM", "the month (China time); required"},
    {"standard", ARGS_LONG('s'), "ID[,ID]",
     "the standards compared with the month before (default mca-2018-demo)"},
    {"json", 'j', NULL, "the whole bulletin as one JSON object"},
    {"csv", ARGS_LONG('v'), NULL, "one row per office (UTF-8 BOM)"},
    {"html", ARGS_LONG('h'), "FILE",
     "write one self-contained page (inline CSS and SVG, A4): tables, bars,\n"
     "the township heat table and the compliance trend of the last 6 months"},
    {"publish", ARGS_LONG('p'), NULL,
     "send it down as a circular (通报) to every office known below"},
    {"force", ARGS_LONG('f'), NULL, "with --publish: publish a month published already"},
    {0}};
static const struct args_cmd bcmd = {
    "carenet bulletin",
    "--month YYYY-MM [-c CFG] [--standard ID[,ID]]\n"
    "[--json | --csv | --html FILE] [--publish [--force]]",
    "The monthly bulletin (月通报) of this office's subtree, computed by the node:\n"
    "directives created in the month and how each target office did them (on time,\n"
    "late, overdue; the timeliness rate 按时率), the overdue and rectification lists,\n"
    "the mandatory reports filed and whether their hops were acknowledged in time,\n"
    "the records written per office, and the compliance results that changed from\n"
    "the end of the previous month to the end of this one (today for the current\n"
    "month). --publish sends its text down as a circular; a second publish of the\n"
    "same month is refused (exit 4) unless --force. At a province or prefecture:\n"
    "one row per county from its roll-up of the month (directives, report hops,\n"
    "children by category), the totals, counties without one marked stale.\n",
    opts, NULL};

struct bopts {
	const char *cfgpath, *month, *standard, *html;
	int json, csv, publish, force;
};

static int parse(int argc, char **argv, struct bopts *o)
{
	struct args a;
	int ch;

	memset(o, 0, sizeof(*o));
	args_begin(&a, &bcmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		switch (ch) {
		case 'c':
			o->cfgpath = a.val;
			break;
		case ARGS_LONG('m'):
			o->month = a.val;
			break;
		case ARGS_LONG('s'):
			o->standard = a.val;
			break;
		case ARGS_LONG('h'):
			o->html = a.val;
			break;
		case 'j':
			o->json = 1;
			break;
		case ARGS_LONG('v'):
			o->csv = 1;
			break;
		case ARGS_LONG('p'):
			o->publish = 1;
			break;
		case ARGS_LONG('f'):
			o->force = 1;
			break;
		default:
			return a.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&a, 0, 0))
		return CN_EUSAGE;
	if (o->json + o->csv + (o->html != NULL) > 1)
		return args_usage_error(&bcmd, "give at most one of --json, --csv and --html"),
		       CN_EUSAGE;
	if (!o->month)
		return args_usage_error(&bcmd, "give --month YYYY-MM (2026-11)"), CN_EUSAGE;
	if (o->force && !o->publish)
		return args_usage_error(&bcmd, "--force goes with --publish"), CN_EUSAGE;
	return 0;
}

/* ------------------------------------------------------------------ json */

static void json_item(struct json *j, const Carenet__BulletinItem *x)
{
	json_obj_begin(j, NULL);
	json_str(j, "directive", x->directive), json_u64(j, "kind", x->kind);
	json_str(j, "title", x->title), json_str(j, "office", x->office);
	json_u64(j, "due", x->due), json_str(j, "state", cli_state(x->state));
	json_u64(j, "changed_at", x->changed_at);
	json_obj_end(j);
}

static void json_office(struct json *j, const Carenet__BulletinOffice *o)
{
	uint64_t judged = o->targeted - o->open;
	json_obj_begin(j, NULL);
	json_str(j, "id", o->id), json_str(j, "name", o->name);
	json_u64(j, "targeted", o->targeted), json_u64(j, "on_time", o->on_time);
	json_u64(j, "late", o->late), json_u64(j, "overdue", o->overdue);
	json_u64(j, "open", o->open);
	if (judged)
		json_double(j, "timeliness", (double)o->on_time / (double)judged);
	else
		json_null(j, "timeliness");
	json_u64(j, "reports_filed", o->reports_filed), json_u64(j, "hops", o->hops);
	json_u64(j, "hops_in_time", o->hops_in_time), json_u64(j, "hops_late", o->hops_late);
	json_u64(j, "hops_missed", o->hops_missed);
	json_u64(j, "records_added", o->records_added);
	json_u64(j, "records_updated", o->records_updated);
	json_obj_end(j);
}

static void json_summary(struct json *j, const char *key, const uint64_t *v, size_t n)
{
	static const char *names[] = {"pass", "fail", "unknown", "n/a"};
	json_obj_begin(j, key);
	for (size_t k = 0; k < 4; k++)
		json_u64(j, names[k], k < n ? v[k] : 0);
	json_obj_end(j);
}

static void bul_json(const Carenet__BulletinReply *b)
{
	struct json j;
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "month", b->month), json_str(&j, "office", b->office);
	json_str(&j, "name", b->name), json_u64(&j, "from", b->from), json_u64(&j, "to", b->to);
	json_u64(&j, "now", b->now);
	json_obj_begin(&j, "directives");
	json_u64(&j, "issued", b->directives), json_u64(&j, "targeted", b->targeted);
	json_u64(&j, "on_time", b->on_time), json_u64(&j, "late", b->late);
	json_u64(&j, "overdue", b->overdue), json_u64(&j, "open", b->open);
	json_double(&j, "timeliness", b->timeliness);
	json_obj_end(&j);
	json_obj_begin(&j, "reports");
	json_u64(&j, "filed", b->reports), json_u64(&j, "hops", b->hops);
	json_u64(&j, "in_time", b->hops_in_time), json_u64(&j, "late", b->hops_late);
	json_u64(&j, "missed", b->hops_missed);
	json_obj_end(&j);
	json_obj_begin(&j, "records");
	json_u64(&j, "added", b->records_added), json_u64(&j, "updated", b->records_updated);
	json_obj_end(&j);
	json_arr_begin(&j, "offices");
	for (size_t i = 0; i < b->n_offices; i++)
		json_office(&j, b->offices[i]);
	json_arr_end(&j);
	json_arr_begin(&j, "overdue");
	for (size_t i = 0; i < b->n_overdue_list; i++)
		json_item(&j, b->overdue_list[i]);
	json_arr_end(&j);
	json_arr_begin(&j, "rectifications");
	for (size_t i = 0; i < b->n_rectifications; i++)
		json_item(&j, b->rectifications[i]);
	json_arr_end(&j);
	json_obj_begin(&j, "compliance");
	json_str(&j, "standard", b->standard), json_str(&j, "before", b->at_before);
	json_str(&j, "after", b->at_after);
	json_summary(&j, "summary_before", b->summary_before, b->n_summary_before);
	json_summary(&j, "summary_after", b->summary_after, b->n_summary_after);
	json_arr_begin(&j, "changes");
	for (size_t i = 0; i < b->n_changes; i++) {
		const Carenet__BulletinChange *c = b->changes[i];
		json_obj_begin(&j, NULL);
		json_str(&j, "id", c->id), json_str(&j, "before", c->before);
		json_str(&j, "after", c->after), json_bool(&j, "veto", c->veto);
		json_str(&j, "zh", c->zh), json_str(&j, "en", c->en);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_str(&j, "text", b->text);
	json_str(&j, "published", b->published[0] ? b->published : NULL);
	json_obj_end(&j);
	json_finish(&j);
}

/* ------------------------------------------------------------ csv, table */

static void bul_csv(const Carenet__BulletinReply *b)
{
	static const char *h[] = {"office",        "name",          "targeted",       "on_time",
	                          "late",          "overdue",       "open",           "timeliness",
	                          "reports_filed", "hops",          "hops_in_time",   "hops_late",
	                          "hops_missed",   "records_added", "records_updated"};
	csv_write_bom(stdout);
	csv_write_row(stdout, h, 15);
	for (size_t i = 0; i < b->n_offices; i++) {
		const Carenet__BulletinOffice *o = b->offices[i];
		char n[14][24];
		uint64_t v[] = {o->targeted,       o->on_time,     o->late,
		                o->overdue,        o->open,        0,
		                o->reports_filed,  o->hops,        o->hops_in_time,
		                o->hops_late,      o->hops_missed, o->records_added,
		                o->records_updated};
		for (size_t k = 0; k < 13; k++)
			snprintf(n[k], sizeof(n[k]), "%llu", (unsigned long long)v[k]);
		if (o->targeted > o->open)
			snprintf(n[5], sizeof(n[5]), "%.4f",
			         (double)o->on_time / (double)(o->targeted - o->open));
		else
			n[5][0] = 0;
		const char *cells[] = {o->id, o->name, n[0], n[1], n[2],  n[3],  n[4], n[5],
		                       n[6],  n[7],    n[8], n[9], n[10], n[11], n[12]};
		csv_write_row(stdout, cells, 15);
	}
}

static void bul_table(const Carenet__BulletinReply *b)
{
	fputs(b->text, stdout);
	if (b->n_offices) {
		printf("\n%-14s %6s %6s %6s %6s %6s %6s %6s %6s\n", "office 单位", "任务", "按时",
		       "逾期办结", "逾期", "报告", "受理超时", "新增台账", "更新");
		for (size_t i = 0; i < b->n_offices; i++) {
			const Carenet__BulletinOffice *o = b->offices[i];
			printf("%-14s %6llu %6llu %6llu %6llu %6llu %6llu %6llu %6llu\n", o->id,
			       (unsigned long long)o->targeted, (unsigned long long)o->on_time,
			       (unsigned long long)o->late, (unsigned long long)o->overdue,
			       (unsigned long long)o->reports_filed,
			       (unsigned long long)(o->hops_late + o->hops_missed),
			       (unsigned long long)o->records_added,
			       (unsigned long long)o->records_updated);
		}
	}
	if (b->published[0])
		printf("\n已发布 published as circular %s\n", b->published);
}

/* ------------------------------------------------------------------ html */

int cli_compliance_trend(const char *prog, const struct config *cfg, char **standards, size_t n,
                         const char *office, const char *last, struct render_trend *t)
{
	char at[RENDER_TREND][11];
	memset(t, 0, sizeof(*t));
	render_trend_dates(last, at);
	for (int k = 0; k < RENDER_TREND; k++) {
		Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
		Carenet__ComplianceRequest cq = CARENET__COMPLIANCE_REQUEST__INIT;
		Carenet__ControlReply *rep = NULL;
		int rc;
		cq.standards = standards, cq.n_standards = n;
		cq.office = (char *)office, cq.at = at[k];
		req.request_case = CARENET__CONTROL_REQUEST__REQUEST_COMPLIANCE;
		req.compliance = &cq;
		if ((rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) != 0)
			return rc;
		render_trend_point(&t->v[t->n++], at[k], rep->compliance);
		carenet__control_reply__free_unpacked(rep, NULL);
	}
	return 0;
}

static int bul_html(const char *prog, const struct config *cfg, const Carenet__BulletinReply *b,
                    const Carenet__BulletinRequest *q, const char *path)
{
	struct render_trend t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	char *def[] = {"mca-2018-demo"};
	if ((rc = cli_compliance_trend(prog, cfg, q->n_standards ? q->standards : def,
	                               q->n_standards ? q->n_standards : 1, "", b->at_after, &t)) !=
	    0)
		return rc;
	if (!(f = open_memstream(&buf, &len)))
		return CN_ENOMEM;
	render_bulletin_html(b, &t, f);
	fclose(f);
	if ((rc = util_write_file(path, buf, len, 0644, 0)) != 0)
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
	free(buf);
	return rc;
}

int cmd_bulletin(int argc, char **argv)
{
	const char *prog = "carenet bulletin";
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__BulletinRequest q = CARENET__BULLETIN_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	char ids[512], *v[8];
	struct bopts o;
	int rc = parse(argc, argv, &o);

	if (rc)
		return cli_parse_exit(rc);
	q.month = (char *)o.month, q.publish = o.publish, q.force = o.force;
	if (o.standard) {
		snprintf(ids, sizeof(ids), "%s", o.standard);
		for (char *s = strtok(ids, ","); s && q.n_standards < 8; s = strtok(NULL, ","))
			v[q.n_standards++] = s;
		q.standards = v;
	}
	if ((rc = cli_config(prog, o.cfgpath ? o.cfgpath : CONFIG_DEFAULT_PATH, &cfg)) != 0)
		return cn_exit_code(rc);
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_BULLETIN;
	req.bulletin = &q;
	if ((rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) == 0 && rep->province &&
	    rep->bulletin) /* a province or prefecture: every county's roll-up of the month */
		rc = cli_province_bulletin(prog, rep->bulletin, rep->province, o.json, o.csv, o.html);
	else if (rc == 0 && rep->bulletin) {
		if (o.json)
			bul_json(rep->bulletin);
		else if (o.csv)
			bul_csv(rep->bulletin);
		else if (o.html)
			rc = bul_html(prog, cfg, rep->bulletin, &q, o.html);
		else
			bul_table(rep->bulletin);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}
