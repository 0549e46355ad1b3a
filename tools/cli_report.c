/*
 * cli_report: `carenet report file|ack|refer|update|open-case|close|reopen|
 * list|show` — mandatory reports (强制报告, roles/reports/). A report filed
 * here travels on the urgent lane to the township and the county; every
 * step travels up to the county and down to the reporting office. The
 * listings (cli_report_view.c) mask personal fields unless --reveal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cli_report.h"
#include "cmd.h"
#include "err.h"
#include "json.h"
#include "roles.h"
#include "utf8.h"
#include "util.h"

static const struct args_opt o_cfg = {"config", 'c', "CFG",
                                      "the node's configuration (default " CONFIG_DEFAULT_PATH ")"};
static const struct args_opt o_json = {"json", 'j', NULL, "print {\"id\": ...} as JSON"};
static const struct args_opt o_note = {"note", ARGS_LONG('n'), "TEXT", "a note (sealed, masked)"};
static const struct args_opt o_evid = {"evidence", ARGS_LONG('e'), "FILE",
                                       "attach FILE as a document (repeatable)"};

/* Every option of every report command; each command's table names its own. */
struct ropts {
	const char *cfgpath, *id, *note, *to, *ref, *outcome, *state;
	const char *situation, *summary, *child, *description, *urgency, *police_unit;
	const char *police_no, *police_at, *discovered, *reporter, *reporter_role, *location;
	const char *hotline;
	const char **files;
	size_t nfiles;
	int json, csv, reveal;
};

static int take(struct ropts *o, int ch, const char *v)
{
	switch (ch) {
	case 'c':
		o->cfgpath = v;
		break;
	case 'j':
		o->json = 1;
		break;
	case ARGS_LONG('v'):
		o->csv = 1;
		break;
	case ARGS_LONG('R'):
		o->reveal = 1;
		break;
	case ARGS_LONG('n'):
		o->note = v;
		break;
	case ARGS_LONG('e'):
		o->files[o->nfiles++] = v;
		break;
	case ARGS_LONG('t'):
		o->to = v;
		break;
	case ARGS_LONG('r'):
		o->ref = v;
		break;
	case ARGS_LONG('o'):
		o->outcome = v;
		break;
	case ARGS_LONG('S'):
		o->state = v;
		break;
	case ARGS_LONG('s'):
		o->situation = v;
		break;
	case ARGS_LONG('m'):
		o->summary = v;
		break;
	case ARGS_LONG('C'):
		o->child = v;
		break;
	case ARGS_LONG('d'):
		o->description = v;
		break;
	case ARGS_LONG('u'):
		o->urgency = v;
		break;
	case ARGS_LONG('p'):
		o->police_unit = v;
		break;
	case ARGS_LONG('H'):
		o->hotline = v;
		break;
	case ARGS_LONG('N'):
		o->police_no = v;
		break;
	case ARGS_LONG('P'):
		o->police_at = v;
		break;
	case ARGS_LONG('D'):
		o->discovered = v;
		break;
	case ARGS_LONG('w'):
		o->reporter = v;
		break;
	case ARGS_LONG('W'):
		o->reporter_role = v;
		break;
	case ARGS_LONG('l'):
		o->location = v;
		break;
	default:
		return -1;
	}
	return 0;
}

/* Parses argv by cmd's table; noperands operands (the report id). 1 after
 * --help, CN_EUSAGE on a usage error. */
static int parse(int argc, char **argv, const struct args_cmd *cmd, int noperands, struct ropts *o)
{
	struct args a;
	int ch;

	memset(o, 0, sizeof(*o));
	o->cfgpath = CONFIG_DEFAULT_PATH;
	if (!(o->files = calloc((size_t)argc + 1, sizeof(char *))))
		return CN_ENOMEM;
	args_begin(&a, cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END)
		if (ch == ARGS_EXIT || take(o, ch, a.val) != 0)
			return a.exit == 0 ? 1 : CN_EUSAGE;
	if (argc - a.ind != noperands) {
		args_usage_error(cmd, noperands ? "give one report ID" : "unexpected operand %s",
		                 noperands ? "" : argv[a.ind]);
		return CN_EUSAGE;
	}
	o->id = noperands ? argv[a.ind] : NULL;
	if (o->json && o->csv) {
		args_usage_error(cmd, "give at most one of --json and --csv");
		return CN_EUSAGE;
	}
	return 0;
}

static int text_ok(const char *prog, const char *what, const char *s)
{
	if (s && !utf8_valid(s, strlen(s))) {
		fprintf(stderr, "%s: %s is not UTF-8 text\n", prog, what);
		return CN_EINVAL;
	}
	return 0;
}

/* Hashes each --evidence file into ev (paths and hashes kept by the caller). */
static int hash_files(const char *prog, const struct ropts *o, Carenet__Evidence *ev,
                      Carenet__Evidence **evp, uint8_t (*hashes)[32])
{
	int rc;

	if (o->nfiles > ROLES_MAX_EVIDENCE) {
		fprintf(stderr, "%s: %zu evidence files, at most %d: put them in one archive\n",
		        prog, o->nfiles, ROLES_MAX_EVIDENCE);
		return CN_ETOOBIG;
	}
	for (size_t i = 0; i < o->nfiles; i++) {
		carenet__evidence__init(&ev[i]);
		evp[i] = &ev[i];
		if ((rc = cli_evidence(o->files[i], &ev[i], hashes[i])) != 0) {
			fprintf(stderr, "%s: evidence %s: %s\n", prog, o->files[i],
			        rc == CN_ENOTFOUND ? "no such file"
			        : rc == CN_EINVAL  ? "not a regular file"
			                           : cn_strerror(rc));
			return rc == CN_ENOTFOUND ? CN_EINVAL : rc;
		}
	}
	return 0;
}

/* Each evidence file as a document of report id (it travels up itself). */
static int attach(const char *prog, const struct config *cfg, const struct ropts *o, const char *id)
{
	Carenet__ControlReply *rep = NULL;
	int rc = 0;

	for (size_t i = 0; i < o->nfiles && rc == 0; i++) {
		rc = cli_doc_attach(prog, cfg, o->files[i], id, &rep);
		carenet__control_reply__free_unpacked(rep, NULL);
		rep = NULL;
	}
	return rc;
}

static void print_id(const struct ropts *o, const char *key, const char *id, const char *what)
{
	struct json j;

	if (!o->json) {
		printf("%s %s\n", id, what);
		return;
	}
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, key, id);
	json_obj_end(&j);
	json_finish(&j);
}

/* ------------------------------------------------------------ file */

static const struct args_opt file_opts[] = {
    o_cfg,
    {"situation", ARGS_LONG('s'), "CODES",
     "S01 S02 S03 S08 S09 S10 or other, comma separated (or their Chinese names)"},
    {"summary", ARGS_LONG('m'), "TEXT", "what was found (required)"},
    {"child", ARGS_LONG('C'), "ID", "the child's record id (a child of this office)"},
    {"description", ARGS_LONG('d'), "TEXT", "who the child is, when not on the ledger"},
    {"urgency", ARGS_LONG('u'), "U", "urgent 紧急 (default), high 较急 or normal 一般"},
    {"police-unit", ARGS_LONG('p'), "U", "the police unit told (公安机关)"},
    {"police-record-no", ARGS_LONG('N'), "N", "its record number (接处警记录)"},
    {"police-reported", ARGS_LONG('P'), "TIME",
     "when the police were told (default: now, with --police-unit)"},
    {"discovered", ARGS_LONG('D'), "TIME", "when it was found (default: now)"},
    {"reporter", ARGS_LONG('w'), "NAME", "who found it"},
    {"reporter-role", ARGS_LONG('W'), "ROLE", "儿童主任, 学校教职工, 村（居）委会, ..."},
    {"location", ARGS_LONG('l'), "TEXT", "where"},
    {"hotline", ARGS_LONG('H'), "CALL",
     "county: the hotline call (R13 record id) it comes from; the call then names it"},
    o_evid,
    o_json,
    {0}};
static const struct args_cmd file_cmd = {
    "carenet report file",
    "--situation CODE[,CODE] --summary TEXT (--child ID | --description TEXT)\n"
    "[--urgency urgent|high|normal] [--police-unit U --police-record-no N] [--evidence FILE]...\n"
    "[--hotline CALL] [--json] [-c CFG]",
    "Files a mandatory report (强制报告) at this office (a village or township; the\n"
    "county files one from a hotline call). It travels at once, on the urgent lane,\n"
    "to the township and the county; the office above must acknowledge it within\n"
    "reports.ack_urgent|ack_high|ack_normal, or the county takes it (escalated).\n"
    "TIME is \"YYYY-MM-DD HH:MM\" in the node's timezone. Personal fields are sealed\n"
    "at rest and masked in listings. --json prints {\"id\": \"...\"}.\n",
    file_opts, NULL};

/* "S01,S03", "S01、疑似遭受家庭暴力", "S01，S02": commas (ASCII or full-width),
 * 、 or spaces between codes or Chinese names. */
static int parse_situations(const char *s, Carenet__Report *p, char **buf)
{
	static const char *const seps[] = {"，", "、", " "};
	char *save = NULL, *tok, *q;

	if (!s || !(*buf = strdup(s)))
		return CN_EINVAL;
	for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) /* every separator to ',' */
		for (size_t n = strlen(seps[i]); (q = strstr(*buf, seps[i])) != NULL;) {
			*q = ',';
			memmove(q + 1, q + n, strlen(q + n) + 1);
		}
	p->situation = calloc(REPORT_MAX_SITUATIONS, sizeof(char *));
	if (!p->situation)
		return CN_ENOMEM;
	for (tok = strtok_r(*buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *c = report_situation_code(tok);
		if (!c || p->n_situation == REPORT_MAX_SITUATIONS) {
			fprintf(
			    stderr,
			    "carenet report file: --situation %s: use S01 S02 S03 S08 S09 S10 or "
			    "other, or their Chinese names (at most %d)\n",
			    tok, REPORT_MAX_SITUATIONS);
			return CN_EUSAGE;
		}
		p->situation[p->n_situation++] = (char *)c;
	}
	return p->n_situation ? 0 : CN_EUSAGE;
}

static int parse_time(const char *what, const char *s, const char *tz, uint64_t *out)
{
	if (!s)
		return 0;
	if (util_parse_time(s, tz, out) != 0) {
		fprintf(stderr, "carenet report file: %s %s: use \"YYYY-MM-DD HH:MM\"\n", what, s);
		return CN_EUSAGE;
	}
	return 0;
}

/* The Report from the options (strings point into o). */
static int build(const struct ropts *o, const struct config *cfg, Carenet__Report *p, char **buf)
{
	const char *prog = "carenet report file";
	int rc;

	if (!o->summary || !o->situation || (!o->child && !o->description))
		return args_usage_error(&file_cmd, "give --situation, --summary and --child or "
		                                   "--description"),
		       CN_EUSAGE;
	if ((rc = parse_situations(o->situation, p, buf)) != 0)
		return rc;
	if (o->urgency && !(p->urgency = report_urgency_parse(o->urgency))) {
		fprintf(stderr, "%s: --urgency %s: use urgent 紧急, high 较急 or normal 一般\n",
		        prog, o->urgency);
		return CN_EUSAGE;
	}
	if ((rc = parse_time("--police-reported", o->police_at, cfg->timezone,
	                     &p->police_reported_at)) ||
	    (rc = parse_time("--discovered", o->discovered, cfg->timezone, &p->discovered_at)))
		return rc;
	if (!o->police_at && o->police_unit)
		p->police_reported_at = util_now();
	p->summary = (char *)o->summary;
	p->child = (char *)(o->child ? o->child : "");
	p->child_description = (char *)(o->description ? o->description : "");
	p->police_unit = (char *)(o->police_unit ? o->police_unit : "");
	p->police_record_no = (char *)(o->police_no ? o->police_no : "");
	p->reporter_name = (char *)(o->reporter ? o->reporter : "");
	p->reporter_role = (char *)(o->reporter_role ? o->reporter_role : "");
	p->location = (char *)(o->location ? o->location : "");
	p->description = (char *)(o->description ? o->description : "");
	if ((rc = text_ok(prog, "--summary", o->summary)) ||
	    (rc = text_ok(prog, "--description", o->description)) ||
	    (rc = text_ok(prog, "--location", o->location)) ||
	    (rc = text_ok(prog, "--reporter", o->reporter)))
		return rc;
	return 0;
}

static int report_file(int argc, char **argv)
{
	const char *prog = "carenet report file";
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportFileRequest q = CARENET__REPORT_FILE_REQUEST__INIT;
	Carenet__Report p = CARENET__REPORT__INIT;
	Carenet__ControlReply *rep = NULL;
	Carenet__Evidence ev[ROLES_MAX_EVIDENCE], *evp[ROLES_MAX_EVIDENCE];
	uint8_t hashes[ROLES_MAX_EVIDENCE][32];
	struct config *cfg = NULL;
	struct ropts o;
	char *buf = NULL;
	int rc = parse(argc, argv, &file_cmd, 0, &o);

	if (rc == 0 && (rc = cli_config(prog, o.cfgpath, &cfg)) == 0 &&
	    (rc = build(&o, cfg, &p, &buf)) == 0 &&
	    (rc = hash_files(prog, &o, ev, evp, hashes)) == 0) {
		p.evidence = evp;
		p.n_evidence = o.nfiles;
		q.report = &p;
		q.hotline = (char *)(o.hotline ? o.hotline : "");
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_REPORT_FILE, &q);
		if ((rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) == 0 &&
		    (rc = attach(prog, cfg, &o, rep->id)) == 0)
			print_id(&o, "id", rep->id, "filed (已报告)");
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	free(p.situation);
	free(buf);
	free(o.files);
	return cli_parse_exit(rc);
}

/* ------------------------------------------------------------ steps */

static int step_send(const char *prog, const struct ropts *o, uint32_t kind)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportStepRequest q = CARENET__REPORT_STEP_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	Carenet__Evidence ev[ROLES_MAX_EVIDENCE], *evp[ROLES_MAX_EVIDENCE];
	uint8_t hashes[ROLES_MAX_EVIDENCE][32];
	struct config *cfg = NULL;
	int rc;

	if ((rc = text_ok(prog, "--note", o->note)) ||
	    (rc = text_ok(prog, "--outcome", o->outcome)) ||
	    (rc = text_ok(prog, "--ref", o->ref)) || (rc = hash_files(prog, o, ev, evp, hashes)) ||
	    (rc = cli_config(prog, o->cfgpath, &cfg)) != 0)
		return rc;
	q.id = (char *)o->id;
	q.kind = kind;
	q.note = (char *)(o->note ? o->note : "");
	q.to = (char *)(o->to ? o->to : "");
	q.ref = (char *)(o->ref ? o->ref : "");
	q.outcome = (char *)(o->outcome ? o->outcome : "");
	q.evidence = evp;
	q.n_evidence = o->nfiles;
	control_request_set(&req,
	                    kind == REPORT_STEP_OPEN_CASE
	                        ? CARENET__CONTROL_REQUEST__REQUEST_REPORT_OPEN_CASE
	                        : CARENET__CONTROL_REQUEST__REQUEST_REPORT_STEP,
	                    &q);
	if ((rc = attach(prog, cfg, o, o->id)) == 0 &&
	    (rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) == 0) {
		if (kind == REPORT_STEP_OPEN_CASE)
			print_id(o, "case", rep->id, "opened (已立案)");
		else
			print_id(o, "step", rep->id, report_kind_name(kind));
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

#define STEP_CMD(fn, name, kind, syn, about, ...)                                                  \
	static const struct args_opt fn##_opts[] = {o_cfg, __VA_ARGS__, o_json, {0}};              \
	static const struct args_cmd fn##_cmd = {"carenet report " name, syn, about, fn##_opts,    \
	                                         NULL};                                            \
	static int fn(int argc, char **argv)                                                       \
	{                                                                                          \
		struct ropts o;                                                                    \
		int rc = parse(argc, argv, &fn##_cmd, 1, &o);                                      \
		if (rc == 0)                                                                       \
			rc = fn##_check(&o) ? CN_EUSAGE                                            \
			                    : step_send("carenet report " name, &o, kind);         \
		free(o.files);                                                                     \
		return cli_parse_exit(rc);                                                         \
	}

static const struct args_cmd report_refer_cmd, report_close_cmd;

static int report_ack_check(const struct ropts *o)
{
	(void)o;
	return 0;
}
static int report_update_check(const struct ropts *o)
{
	(void)o;
	return 0;
}
static int report_reopen_check(const struct ropts *o)
{
	(void)o;
	return 0;
}
static int report_open_case_check(const struct ropts *o)
{
	(void)o;
	return 0;
}
static int report_refer_check(const struct ropts *o)
{
	if (!o->to || !o->ref)
		return args_usage_error(&report_refer_cmd, "give --to DEPARTMENT and --ref NO");
	return 0;
}
static int report_close_check(const struct ropts *o)
{
	if (!o->outcome)
		return args_usage_error(&report_close_cmd, "give --outcome TEXT");
	return 0;
}

STEP_CMD(report_ack, "ack", REPORT_STEP_ACK, "ID [--note TEXT] [--json] [-c CFG]",
         "Acknowledges (受理) report ID at this office, its holder. The acknowledgement\n"
         "travels up to the county and down to the reporting office. The reporting\n"
         "office never acknowledges its own report.\n",
         o_note)
STEP_CMD(report_refer, "refer", REPORT_STEP_REFER,
         "ID --to DEPARTMENT --ref NO [--note TEXT] [--json] [-c CFG]",
         "Refers (转介) report ID to a department: 公安 法院 检察院 教育 卫健 医院 学校\n"
         "or other (police court procuratorate education health hospital school),\n"
         "with that department's reference number. Any office above the reporting one.\n",
         {"to", ARGS_LONG('t'), "DEPARTMENT", "公安|法院|检察院|教育|卫健|医院|学校|other"},
         {"ref", ARGS_LONG('r'), "NO", "the department's reference number"}, o_note)
STEP_CMD(report_update, "update", REPORT_STEP_UPDATE,
         "ID --note TEXT [--evidence FILE]... [--json] [-c CFG]",
         "Adds a note (and evidence files) to report ID: the reporting office or any\n"
         "office above it.\n",
         o_note, o_evid)
STEP_CMD(report_open_case, "open-case", REPORT_STEP_OPEN_CASE, "ID [--note TEXT] [--json] [-c CFG]",
         "The county opens a case (个案, R14) from report ID; the case's id goes to\n"
         "the report and down to the reporting office. --json prints {\"case\": ...}.\n",
         o_note)
STEP_CMD(report_close, "close", REPORT_STEP_CLOSE, "ID --outcome TEXT [--json] [-c CFG]",
         "Closes (办结) report ID: its holder or the county.\n",
         {"outcome", ARGS_LONG('o'), "TEXT", "how it ended (sealed, masked)"})
STEP_CMD(report_reopen, "reopen", REPORT_STEP_REOPEN, "ID [--note TEXT] [--json] [-c CFG]",
         "Reopens a closed report: the county, or the office that closed it.\n", o_note)

/* ------------------------------------------------------------ list, show */

static const struct args_opt list_opts[] = {
    o_cfg,
    {"state", ARGS_LONG('S'), "STATE", "open (not closed), overdue, escalated or closed"},
    {"reveal", ARGS_LONG('R'), NULL, "personal fields in the clear (audited)"},
    {"json", 'j', NULL, "[{id, situation, urgency, state, holder, filed_at, hops: [...]}]"},
    {"csv", ARGS_LONG('v'), NULL, "one row per report (UTF-8 with a BOM)"},
    {0}};
static const struct args_cmd list_cmd = {
    "carenet report list",
    "[--state open|overdue|escalated|closed] [--reveal] [--json|--csv] [-c CFG]",
    "The reports held here: the ones this office filed, and the ones of the\n"
    "offices below it. Personal fields are masked unless --reveal.\n",
    list_opts, NULL};

static const struct args_opt show_opts[] = {
    o_cfg,
    {"reveal", ARGS_LONG('R'), NULL, "personal fields in the clear (audited)"},
    {"json", 'j', NULL, "the report with every field, its hops and its steps"},
    {"csv", ARGS_LONG('v'), NULL, "its hops, one row each (UTF-8 with a BOM)"},
    {0}};
static const struct args_cmd show_cmd = {
    "carenet report show", "ID [--reveal] [--json|--csv] [-c CFG]",
    "One report: its fields, holder, every hop (sent, due, acknowledged, escalated)\n"
    "and every step.\n",
    show_opts, NULL};

static int view(int argc, char **argv, const struct args_cmd *cmd, int show)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportListRequest lq = CARENET__REPORT_LIST_REQUEST__INIT;
	Carenet__ReportShowRequest sq = CARENET__REPORT_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct ropts o;
	int rc = parse(argc, argv, cmd, show, &o);

	if (rc == 0 && (rc = cli_config(cmd->prog, o.cfgpath, &cfg)) == 0) {
		if (show) {
			sq.id = (char *)o.id;
			sq.reveal = o.reveal;
			control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_REPORT_SHOW,
			                    &sq);
		} else {
			lq.state = (char *)(o.state ? o.state : "");
			lq.reveal = o.reveal;
			control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_REPORT_LIST,
			                    &lq);
		}
		rc = cli_call(cmd->prog, cfg, &req,
		              o.reveal ? CLI_WRITE_TIMEOUT_MS : CLI_TIMEOUT_MS, &rep);
		if (rc == 0)
			cli_report_print(rep->reports, rep->n_reports, cfg->timezone, show,
			                 o.json  ? 1
			                 : o.csv ? 2
			                         : 0);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	free(o.files);
	return cli_parse_exit(rc);
}

static int report_list(int argc, char **argv)
{
	return view(argc, argv, &list_cmd, 0);
}

static int report_show(int argc, char **argv)
{
	return view(argc, argv, &show_cmd, 1);
}

static const struct args_sub report_subs[] = {
    {"file", report_file, "file a mandatory report here (强制报告)"},
    {"ack", report_ack, "acknowledge a report this office holds (受理)"},
    {"refer", report_refer, "refer it to a department (转介)"},
    {"update", report_update, "add a note or evidence"},
    {"open-case", report_open_case, "the county opens a case from it (立案)"},
    {"close", report_close, "close it (办结)"},
    {"reopen", report_reopen, "reopen a closed report"},
    {"list", report_list, "the reports held here"},
    {"show", report_show, "one report: hops, steps, where it stands"},
};
static const struct args_group report_group = {
    "carenet report",
    "Mandatory reports (强制报告) and their hops: filed at a village or township,\n"
    "acknowledged in time or escalated to the county.",
    report_subs, sizeof(report_subs) / sizeof(report_subs[0]), NULL};

int cmd_report(int argc, char **argv)
{
	return args_dispatch(&report_group, argc, argv);
}
