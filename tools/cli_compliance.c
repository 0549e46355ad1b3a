/*
 * cli_compliance: `carenet standards list|show|check` and `carenet
 * compliance` (see cli_compliance.h). The standards' rules are parsed and
 * checked here as at the node (roles/core/standards.h), so a bad file is
 * refused with FILE:LINE: ID: what is wrong before any node reads it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cli_bulletin.h"
#include "cli_compliance.h"
#include "cmd.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "standards.h"
#include "util.h"

static const struct args_opt o_cfg = {"config", 'c', "CFG",
                                      "the node's configuration (default " CONFIG_DEFAULT_PATH ")"};
static const struct args_opt o_dir = {
    "dir", ARGS_LONG('d'), "DIR",
    "the standards' directory (default: -c CFG's compliance.standards_dir, else\n"
    "/etc/carenet/standards, /usr/share/carenet/standards, the source tree's)"};

struct sopts {
	const char *cfgpath, *dir, *standard, *office, *at, *html, *operand;
	int json, csv;
};

static int parse(int argc, char **argv, const struct args_cmd *cmd, int noperands, struct sopts *o)
{
	struct args a;
	int ch;

	memset(o, 0, sizeof(*o));
	args_begin(&a, cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		switch (ch) {
		case 'c':
			o->cfgpath = a.val;
			break;
		case ARGS_LONG('d'):
			o->dir = a.val;
			break;
		case ARGS_LONG('s'):
			o->standard = a.val;
			break;
		case ARGS_LONG('o'):
			o->office = a.val;
			break;
		case ARGS_LONG('a'):
			o->at = a.val;
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
		default:
			return a.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&a, noperands, noperands))
		return CN_EUSAGE;
	o->operand = noperands ? argv[a.ind] : NULL;
	if (o->json + o->csv + (o->html != NULL) > 1) {
		args_usage_error(cmd, "give at most one of --json, --csv and --html");
		return CN_EUSAGE;
	}
	return 0;
}

/* The directory: --dir, else -c CFG's compliance.standards_dir, else the default. */
static int std_dir(const char *prog, const struct sopts *o, char *out, size_t len)
{
	struct config *cfg = NULL;
	int rc;
	if (o->dir) {
		snprintf(out, len, "%s", o->dir);
		return 0;
	}
	snprintf(out, len, "%s", sd_default_dir());
	if (!o->cfgpath)
		return 0;
	if ((rc = cli_config(prog, o->cfgpath, &cfg)) != 0)
		return rc;
	if (cfg->standards_dir && cfg->standards_dir[0])
		snprintf(out, len, "%s", cfg->standards_dir);
	config_free(&cfg);
	return 0;
}

static int load(const char *prog, const char *dir, const char *id, struct sd_standard **s)
{
	char err[1024];
	int rc = sd_load_id(dir, id, s, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s: %s%s\n", prog, err,
		        rc == CN_ENOTFOUND ? " (carenet standards list shows the standards)" : "");
	return rc;
}

static unsigned measured(const struct sd_standard *s)
{
	unsigned n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].rule != NULL;
	return n;
}

/* ------------------------------------------------------------ standards list */

static const struct args_opt list_opts[] = {
    o_dir,
    o_cfg,
    {"json", 'j', NULL, "[{id, title_zh, title_en, date, indicators, measured, path}]"},
    {"csv", ARGS_LONG('v'), NULL, "id,indicators,measured,date,title_zh,title_en,path"},
    {0}};
static const struct args_cmd list_cmd = {
    "carenet standards list", "[--json|--csv] [--dir DIR | -c CFG]",
    "The standards (标准) in the standards' directory: one file ID.cfg each, every\n"
    "rule checked as it is read (a bad file is named with FILE:LINE: ID: what is\n"
    "wrong, and the listing goes on).\n",
    list_opts, NULL};

static void list_row(const struct sd_standard *s, struct json *j, int csv)
{
	char n[16], m[16];
	snprintf(n, sizeof(n), "%zu", s->n);
	snprintf(m, sizeof(m), "%u", measured(s));
	if (j) {
		json_obj_begin(j, NULL);
		json_str(j, "id", s->id), json_str(j, "title_zh", s->title_zh);
		json_str(j, "title_en", s->title_en), json_str(j, "date", s->date);
		json_u64(j, "indicators", s->n), json_u64(j, "measured", measured(s));
		json_str(j, "path", s->path);
		json_obj_end(j);
	} else if (csv) {
		const char *cells[] = {s->id, n, m, s->date, s->title_zh, s->title_en, s->path};
		csv_write_row(stdout, cells, 7);
	} else {
		printf("%-18s %4s indicators (%s measured)  %s\n%-18s %s\n", s->id, n, m,
		       s->title_zh, "", s->title_en);
	}
}

static int standards_list(int argc, char **argv)
{
	const char *prog = "carenet standards list";
	char dir[1024], **ids = NULL;
	size_t n = 0;
	struct sopts o;
	struct json j;
	int rc = parse(argc, argv, &list_cmd, 0, &o), bad = 0;

	if (rc)
		return cli_parse_exit(rc);
	if ((rc = std_dir(prog, &o, dir, sizeof(dir))) != 0)
		return cn_exit_code(rc);
	if (sd_list_ids(dir, &ids, &n) != 0) {
		fprintf(stderr,
		        "%s: %s: no such directory (set compliance.standards_dir or --dir)\n", prog,
		        dir);
		return cn_exit_code(CN_ENOTFOUND);
	}
	if (o.json)
		json_init(&j, stdout), json_arr_begin(&j, NULL);
	if (o.csv) {
		const char *h[] = {"id",       "indicators", "measured", "date",
		                   "title_zh", "title_en",   "path"};
		csv_write_bom(stdout);
		csv_write_row(stdout, h, 7);
	}
	for (size_t i = 0; i < n; i++) {
		struct sd_standard *s = NULL;
		if (load(prog, dir, ids[i], &s) != 0) {
			bad = 1;
			continue;
		}
		list_row(s, o.json ? &j : NULL, o.csv);
		sd_standard_free(s);
	}
	if (o.json)
		json_arr_end(&j), json_finish(&j);
	else if (!o.csv && !n)
		printf("no standards in %s (无标准)\n", dir);
	sd_ids_free(ids, n);
	return bad ? cn_exit_code(CN_EINVAL) : 0;
}

/* ------------------------------------------------------------ standards show */

static const struct args_opt show_opts[] = {
    o_dir,
    o_cfg,
    {"json", 'j', NULL,
     "{id, title_zh, title_en, date, path, indicators: [{id, tier, mode, veto, zh, en,\n"
     "check, rule, threshold, window, due, needs, differs, seed_line, line}]}"},
    {"csv", ARGS_LONG('v'), NULL, "id,tier,mode,veto,due,threshold,window,rule,needs,zh,en"},
    {0}};
static const struct args_cmd show_cmd = {
    "carenet standards show", "ID [--json|--csv] [--dir DIR | -c CFG]",
    "One standard's indicators (指标): mode (M measured, A attested, I inspector,\n"
    "X another department's figure, — informational), veto (一票否决), the rule of\n"
    "a measured one or what data it still needs, threshold, window and due date.\n",
    show_opts, NULL};

static void ind_json(struct json *j, const struct sd_indicator *d)
{
	json_obj_begin(j, NULL);
	json_str(j, "id", d->id), json_str(j, "tier", d->tier), json_str(j, "mode", d->mode);
	json_bool(j, "veto", d->veto), json_str(j, "zh", d->zh), json_str(j, "en", d->en);
	json_str(j, "check", d->check), json_str(j, "rule", d->rule_text);
	json_str(j, "threshold", d->threshold), json_str(j, "window", d->window);
	json_str(j, "due", d->due), json_str(j, "needs", d->needs);
	json_str(j, "differs", d->differs), json_str(j, "seed_line", d->seed_line);
	json_u64(j, "line", d->line);
	json_obj_end(j);
}

static void show_print(const struct sd_standard *s, int json, int csv)
{
	struct json j;
	if (json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "id", s->id), json_str(&j, "title_zh", s->title_zh);
		json_str(&j, "title_en", s->title_en), json_str(&j, "date", s->date);
		json_str(&j, "path", s->path);
		json_arr_begin(&j, "indicators");
		for (size_t i = 0; i < s->n; i++)
			ind_json(&j, &s->v[i]);
		json_arr_end(&j), json_obj_end(&j), json_finish(&j);
		return;
	}
	if (csv) {
		const char *h[] = {"id",     "tier", "mode",  "veto", "due", "threshold",
		                   "window", "rule", "needs", "zh",   "en"};
		csv_write_bom(stdout);
		csv_write_row(stdout, h, 11);
		for (size_t i = 0; i < s->n; i++) {
			const struct sd_indicator *d = &s->v[i];
			const char *c[] = {
			    d->id,    d->tier,      d->mode,   d->veto ? "yes" : "no",
			    d->due,   d->threshold, d->window, d->rule_text,
			    d->needs, d->zh,        d->en};
			csv_write_row(stdout, c, 11);
		}
		return;
	}
	printf("%s  %s\n%s (%s)  %s\n\n", s->id, s->title_zh, s->title_en, s->date, s->path);
	for (size_t i = 0; i < s->n; i++) {
		const struct sd_indicator *d = &s->v[i];
		printf("%s%-34s %-2s %s\n", d->veto ? "否决 " : "", d->id, d->mode, d->zh);
		printf("    %s\n", d->en);
		if (d->rule)
			printf("    rule: %s%s%s\n", d->rule_text, *d->due ? "  due " : "", d->due);
		else if (*d->needs)
			printf("    needs: %s\n", d->needs);
	}
}

static int standards_show(int argc, char **argv)
{
	const char *prog = "carenet standards show";
	struct sd_standard *s = NULL;
	char dir[1024];
	struct sopts o;
	int rc = parse(argc, argv, &show_cmd, 1, &o);

	if (rc)
		return cli_parse_exit(rc);
	if ((rc = std_dir(prog, &o, dir, sizeof(dir))) != 0 ||
	    (rc = load(prog, dir, o.operand, &s)) != 0)
		return cn_exit_code(rc);
	show_print(s, o.json, o.csv);
	sd_standard_free(s);
	return 0;
}

/* ------------------------------------------------------------ standards check */

static const struct args_opt check_opts[] = {{0}};
static const struct args_cmd check_cmd = {
    "carenet standards check", "FILE",
    "Loads a standard file as the node would: every rule parsed and checked\n"
    "against the record schema. Prints the indicators and measured rules, or\n"
    "FILE:LINE: ID: what is wrong (exit 4).\n",
    check_opts, NULL};

static int standards_check(int argc, char **argv)
{
	struct sd_standard *s = NULL;
	struct sopts o;
	char err[1024];
	int rc = parse(argc, argv, &check_cmd, 1, &o);

	if (rc)
		return cli_parse_exit(rc);
	if ((rc = sd_load(o.operand, &s, err, sizeof(err))) != 0) {
		fprintf(stderr, "carenet standards check: %s\n", err);
		return cn_exit_code(rc);
	}
	printf("%s: %s: %zu indicators, %u measured rules, all well formed\n", o.operand, s->id,
	       s->n, measured(s));
	sd_standard_free(s);
	return 0;
}

static const struct args_sub std_subs[] = {
    {"list", standards_list, "the standards (标准) in the standards' directory"},
    {"show", standards_show, "one standard's indicators, rules and due dates"},
    {"check", standards_check, "check a standard file (FILE:LINE: ID: what is wrong)"},
};
static const struct args_group std_group = {"carenet standards",
                                            "The standards a county is judged by, as data (标准).",
                                            std_subs, sizeof(std_subs) / sizeof(std_subs[0]), NULL};

int cmd_standards(int argc, char **argv)
{
	return args_dispatch(&std_group, argc, argv);
}

/* ------------------------------------------------------------ compliance */

static const struct args_opt comp_opts[] = {
    o_cfg,
    {"standard", ARGS_LONG('s'), "ID[,ID]",
     "the standard(s) to evaluate (carenet standards list); two or more: the\n"
     "stricter reading of each shared indicator, and both where they differ"},
    {"office", ARGS_LONG('o'), "ID|PREFIX", "a part of this node's subtree (default: all of it)"},
    {"at", ARGS_LONG('a'), "DATE",
     "evaluate as of YYYY-MM-DD (China time, end of day; default today): a plan's\n"
     "milestones due by then are judged at their due date, later ones are n/a"},
    {"json", 'j', NULL,
     "{standard, office, at, indicators: [{id, mode, result, value, threshold,\n"
     "failing_offices, veto, data_age_s, ...}], offices, summary, qualifies}"},
    {"csv", ARGS_LONG('v'), NULL, "one row per indicator (UTF-8 with a BOM)"},
    {"html", ARGS_LONG('h'), "FILE", "a self-contained report (A4; Chinese first, English beside)"},
    {0}};
static const struct args_cmd comp_cmd = {
    "carenet compliance",
    "--standard ID[,ID] [--office ID|PREFIX] [--at DATE]\n"
    "[--json | --csv | --html FILE] [-c CFG]",
    "Evaluates standards (标准) over the records this node holds for its subtree:\n"
    "per indicator pass (达标), fail (未达标), unknown (不明: data missing or not\n"
    "measured — never a silent pass) or n/a (不适用), the measured value, the\n"
    "threshold, the offices that fail it, a roll-up per township and the age of\n"
    "each office's data. Veto items (一票否决) first. Counts and office ids only:\n"
    "no personal field is printed. `carenet compliance form mca-2018` fills the\n"
    "Ministry's application form (申报表) from data (form --help).\n"
    "At a province or prefecture (one --standard, no --at): every county below\n"
    "from its monthly roll-up — its verdict, failing indicators, data age (stale:\n"
    "no roll-up of the last month), the drill-down command (carenet inspect), how\n"
    "many counties pass each indicator and the province's milestones.\n",
    comp_opts, NULL};

static const char *const res_names[] = {"pass", "fail", "unknown", "n/a"};

static void value_text(const Carenet__ComplianceIndicator *x, char *out, size_t len)
{
	if (!x->has_value)
		snprintf(out, len, "%s", "");
	else if (strchr(x->threshold, '%'))
		snprintf(out, len, x->lo != x->hi ? "%.2f [%.2f–%.2f]" : "%.2f", x->value, x->lo,
		         x->hi);
	else
		snprintf(out, len, "%.0f", x->value);
}

static void comp_json_ind(struct json *j, const Carenet__ComplianceIndicator *x)
{
	json_obj_begin(j, NULL);
	json_str(j, "id", x->id), json_str(j, "mode", x->mode), json_str(j, "result", x->result);
	if (x->has_value)
		json_double(j, "value", x->value);
	else
		json_null(j, "value");
	json_str(j, "threshold", x->threshold);
	json_arr_begin(j, "failing_offices");
	for (size_t k = 0; k < x->n_failing_offices; k++)
		json_str(j, NULL, x->failing_offices[k]);
	json_arr_end(j);
	json_bool(j, "failing_more", x->failing_more), json_bool(j, "veto", x->veto);
	if (x->data_age_s >= 0)
		json_i64(j, "data_age_s", x->data_age_s);
	else
		json_null(j, "data_age_s");
	if (x->has_value && strchr(x->threshold, '%'))
		json_double(j, "lo", x->lo), json_double(j, "hi", x->hi);
	json_u64(j, "pass", x->pass), json_u64(j, "fail", x->fail);
	json_u64(j, "unknown", x->unknown);
	json_str(j, "note", x->note), json_str(j, "judged_at", x->judged_at);
	json_str(j, "due", x->due), json_str(j, "tier", x->tier), json_str(j, "zh", x->zh);
	json_str(j, "en", x->en), json_str(j, "standard", x->standard),
	    json_str(j, "rule", x->rule);
	if (x->attested) {
		json_obj_begin(j, "attested");
		json_str(j, "by", x->attested_by), json_str(j, "at", x->attested_at);
		json_str(j, "record", x->attested_record), json_obj_end(j);
	} else
		json_null(j, "attested");
	if (x->inspected) { /* an inspector's finding (R28) decided it */
		json_obj_begin(j, "inspected");
		json_str(j, "by", x->inspected_by), json_str(j, "at", x->inspected_at);
		json_str(j, "finding", x->inspected_finding), json_obj_end(j);
	} else
		json_null(j, "inspected");
	json_arr_begin(j, "townships");
	for (size_t k = 0; k < x->n_townships; k++) {
		const Carenet__ComplianceTownship *t = x->townships[k];
		json_obj_begin(j, NULL);
		json_str(j, "id", t->id), json_str(j, "result", t->result);
		json_u64(j, "pass", t->pass), json_u64(j, "fail", t->fail);
		json_u64(j, "unknown", t->unknown), json_obj_end(j);
	}
	json_arr_end(j);
	json_arr_begin(j, "readings");
	for (size_t k = 0; k < x->n_readings; k++) {
		const Carenet__ComplianceReading *g = x->readings[k];
		json_obj_begin(j, NULL);
		json_str(j, "standard", g->standard), json_str(j, "result", g->result);
		json_str(j, "threshold", g->threshold), json_str(j, "rule", g->rule);
		if (g->has_value)
			json_double(j, "value", g->value);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void comp_json(const Carenet__ComplianceReply *c)
{
	unsigned long n[4];
	struct json j;
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "standard", c->standard), json_str(&j, "office", c->office);
	json_str(&j, "at", c->at), json_str(&j, "title_zh", c->title_zh);
	json_str(&j, "title_en", c->title_en);
	json_arr_begin(&j, "indicators");
	for (size_t i = 0; i < c->n_indicators; i++)
		comp_json_ind(&j, c->indicators[i]);
	json_arr_end(&j);
	json_arr_begin(&j, "offices");
	for (size_t i = 0; i < c->n_offices; i++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "id", c->offices[i]->id);
		json_i64(&j, "data_age_s", c->offices[i]->data_age_s);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	render_compliance_counts(c, n);
	json_obj_begin(&j, "summary");
	for (int k = 0; k < 4; k++)
		json_u64(&j, res_names[k], n[k]);
	json_obj_end(&j);
	json_bool(&j, "qualifies", render_compliance_qualifies(c));
	json_obj_end(&j);
	json_finish(&j);
}

static void comp_csv(const Carenet__ComplianceReply *c)
{
	const char *h[] = {"id",         "veto",      "mode",      "result",
	                   "结果",       "value",     "threshold", "failing_offices",
	                   "data_age_s", "judged_at", "due",       "standard",
	                   "note",       "zh",        "en"};
	csv_write_bom(stdout);
	csv_write_row(stdout, h, 15);
	for (size_t i = 0; i < c->n_indicators; i++) {
		const Carenet__ComplianceIndicator *x = c->indicators[i];
		char v[64], age[24], fo[2048] = "";
		const char *zh = render_result_zh(x->result);
		char zhs[32];
		snprintf(zhs, sizeof(zhs), "%.*s", (int)strcspn(zh, " "), zh);
		value_text(x, v, sizeof(v));
		snprintf(age, sizeof(age), x->data_age_s >= 0 ? "%lld" : "",
		         (long long)x->data_age_s);
		for (size_t k = 0; k < x->n_failing_offices; k++)
			snprintf(fo + strlen(fo), sizeof(fo) - strlen(fo), "%s%s", k ? " " : "",
			         x->failing_offices[k]);
		const char *cells[] = {x->id,        x->veto ? "yes" : "no",
		                       x->mode,      x->result,
		                       zhs,          v,
		                       x->threshold, fo,
		                       age,          x->judged_at,
		                       x->due,       x->standard,
		                       x->note,      x->zh,
		                       x->en};
		csv_write_row(stdout, cells, 15);
	}
}

static void comp_table(const Carenet__ComplianceReply *c)
{
	unsigned long n[4];
	printf("%s\n%s\noffice %s  at %s\n\n", c->title_zh, c->title_en, c->office, c->at);
	for (size_t i = 0; i < c->n_indicators; i++) {
		const Carenet__ComplianceIndicator *x = c->indicators[i];
		char v[64];
		value_text(x, v, sizeof(v));
		printf("%s%-34s %-2s ", x->veto ? "否决 " : "", x->id, x->mode);
		cli_pad(stdout, render_result_zh(x->result), 14);
		if (*v || *x->threshold)
			printf(" %s%s%s", v, *x->threshold ? " / " : "", x->threshold);
		if (x->n_failing_offices)
			printf("  failing: %s%s (%zu%s)", x->failing_offices[0],
			       x->n_failing_offices > 1 ? " ..." : "", x->n_failing_offices,
			       x->failing_more ? "+" : "");
		if (*x->note)
			printf("  — %s", x->note);
		for (size_t k = 0; k < x->n_readings; k++)
			printf("\n      %s: %s %s", x->readings[k]->standard,
			       x->readings[k]->result, x->readings[k]->threshold);
		printf("\n");
	}
	render_compliance_counts(c, n);
	printf("\n达标 pass %lu  未达标 fail %lu  不明 unknown %lu  不适用 n/a %lu  — %s\n", n[0],
	       n[1], n[2], n[3],
	       render_compliance_qualifies(c) ? "meets the standard (达标)"
	                                   : "does not (yet) meet the standard");
}

/* The page, with the trend of the 6 month ends up to --at (6 more requests). */
static int comp_html(const char *prog, const struct config *cfg,
                     const Carenet__ComplianceRequest *q, const Carenet__ComplianceReply *c,
                     const char *path)
{
	struct render_trend t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;
	/* the trend asks the node 6 more evaluations through its control socket:
	 * none for an inspector's (cfg NULL: cli_compliance_print) */
	if (cfg && (rc = cli_compliance_trend(prog, cfg, q->standards, q->n_standards, q->office,
	                                      c->at, &t)) != 0)
		return rc;
	if (!(f = open_memstream(&buf, &len)))
		return CN_ENOMEM;
	render_compliance_html(c, cfg ? &t : NULL, f);
	fclose(f);
	if ((rc = util_write_file(path, buf, len, 0644, 0)) != 0)
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
	free(buf);
	return rc;
}

int cli_compliance_print(const char *prog, const Carenet__ComplianceReply *c, int json, int csv,
                         const char *html)
{
	if (json)
		comp_json(c);
	else if (csv)
		comp_csv(c);
	else if (html)
		return comp_html(prog, NULL, NULL, c, html);
	else
		comp_table(c);
	return 0;
}

static size_t split_ids(char *s, char **v, size_t max)
{
	size_t n = 0;
	for (char *t = strtok(s, ","); t && n < max; t = strtok(NULL, ","))
		v[n++] = t;
	return n;
}

int cmd_compliance(int argc, char **argv)
{
	const char *prog = "carenet compliance";
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ComplianceRequest q = CARENET__COMPLIANCE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	char ids[512], *v[8];
	struct sopts o;
	int rc;

	if (argc > 1 && strcmp(argv[1], "form") == 0) /* cli_form.c: the 申报表 */
		return cmd_compliance_form(argc - 1, argv + 1);
	if ((rc = parse(argc, argv, &comp_cmd, 0, &o)) != 0)
		return cli_parse_exit(rc);
	if (!o.standard)
		return args_usage_error(&comp_cmd,
		                        "give --standard ID[,ID] (carenet standards list)");
	snprintf(ids, sizeof(ids), "%s", o.standard);
	q.standards = v, q.n_standards = split_ids(ids, v, 8);
	q.office = (char *)(o.office ? o.office : ""), q.at = (char *)(o.at ? o.at : "");
	if ((rc = cli_config(prog, o.cfgpath ? o.cfgpath : CONFIG_DEFAULT_PATH, &cfg)) != 0)
		return cn_exit_code(rc);
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_COMPLIANCE;
	req.compliance = &q;
	if ((rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) == 0 && rep->province)
		rc = cli_province_compliance(prog, rep->province, cfg->timezone, o.json, o.csv,
		                             o.html); /* a province or prefecture */
	else if (rc == 0 && rep->compliance) {
		if (o.json)
			comp_json(rep->compliance);
		else if (o.csv)
			comp_csv(rep->compliance);
		else if (o.html)
			rc = comp_html(prog, cfg, &q, rep->compliance, o.html);
		else
			comp_table(rep->compliance);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}
