/*
 * cli_record_more: `carenet record review|transfer|accept` (what offices do
 * to a record besides its owner's writes: roles/records/review.c) and
 * `carenet ledger summary` (counts, no personal field: roles/records/
 * ledger.c). Each is one control request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cli_record.h"
#include "cmd.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "roles.h"

struct mopts {
	const char *cfgpath, *note, *to, *office, *operand, *all_of;
	int approve, ret, json, csv, all;
};

static const struct args_opt o_cfg = {"config", 'c', "CFG",
                                      "the node's configuration (default " CONFIG_DEFAULT_PATH ")"};

#define ANY_OPERAND (-1) /* parse: zero operands or one */

static int parse(int argc, char **argv, const struct args_cmd *cmd, int noperands, struct mopts *o)
{
	struct args a;
	int ch;

	memset(o, 0, sizeof(*o));
	o->cfgpath = CONFIG_DEFAULT_PATH;
	args_begin(&a, cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		switch (ch) {
		case 'c':
			o->cfgpath = a.val;
			break;
		case ARGS_LONG('n'):
			o->note = a.val;
			break;
		case ARGS_LONG('t'):
			o->to = a.val;
			break;
		case ARGS_LONG('o'):
			o->office = a.val;
			break;
		case ARGS_LONG('A'):
			o->all_of = a.val;
			break;
		case ARGS_LONG('L'):
			o->all = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case ARGS_LONG('v'):
			o->csv = 1;
			break;
		case ARGS_LONG('a'):
			o->approve = 1;
			break;
		case ARGS_LONG('r'):
			o->ret = 1;
			break;
		default:
			return a.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (noperands == ANY_OPERAND && argc - a.ind <= 1) {
		o->operand = argc > a.ind ? argv[a.ind] : NULL;
		return 0;
	}
	if (noperands == ANY_OPERAND)
		noperands = 1;
	if (argc - a.ind != noperands) {
		args_usage_error(cmd, noperands ? "give one record id" : "unexpected operand %s",
		                 noperands ? "" : argv[a.ind]);
		return CN_EUSAGE;
	}
	o->operand = noperands ? argv[a.ind] : NULL;
	return 0;
}

static int call(const char *prog, const char *cfgpath, Carenet__ControlRequest *req,
                Carenet__ControlReply **rep)
{
	struct config *cfg = NULL;
	int rc;

	if ((rc = cli_config(prog, cfgpath, &cfg)) != 0)
		return rc;
	rc = cli_call(prog, cfg, req, CLI_WRITE_TIMEOUT_MS, rep);
	config_free(&cfg);
	return rc;
}

/* ------------------------------------------------------------ review */

static const struct args_opt review_opts[] = {
    o_cfg,
    {"approve", ARGS_LONG('a'), NULL, "approve the record as it is (通过)"},
    {"return", ARGS_LONG('r'), NULL, "return it to its owner to correct (退回)"},
    {"note", ARGS_LONG('n'), "TEXT", "what to correct (needed with --return)"},
    {0}};
static const struct args_cmd review_cmd = {
    "carenet record review", "ID --approve | --return --note TEXT [-c CFG]",
    "Reviews a record of an office below this one (审核): its township (or the\n"
    "county) approves it or returns it with a note. The review is signed, goes\n"
    "down to the owner and up to the county; the owner's to-do list is\n"
    "`carenet record list --type TYPE --where review=returned`. A newer version\n"
    "of the record makes its review pending again.\n",
    review_opts, NULL};

int record_review(int argc, char **argv)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordReviewRequest q = CARENET__RECORD_REVIEW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct mopts o;
	int rc = parse(argc, argv, &review_cmd, 1, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (o.approve == o.ret)
		return args_usage_error(&review_cmd, "give one of --approve and --return");
	if (o.ret && (!o.note || !o.note[0]))
		return args_usage_error(&review_cmd, "--return needs --note TEXT: what to correct");
	q.id = (char *)o.operand;
	q.approve = o.approve;
	q.note = (char *)(o.note ? o.note : "");
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_REVIEW;
	req.record_review = &q;
	if ((rc = call("carenet record review", o.cfgpath, &req, &rep)) == 0)
		printf("%s %s (%s)\n", q.id, o.approve ? "approved" : "returned",
		       o.approve ? "通过" : "退回");
	carenet__control_reply__free_unpacked(rep, NULL);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------ transfer, accept */

static const struct args_opt transfer_opts[] = {
    o_cfg,
    {"to", ARGS_LONG('t'), "OFFICE", "the village the child moves to (or the township a merged "
                                     "township's records go to)"},
    {"all-of", ARGS_LONG('A'), "OWNER",
     "instead of ID: every open record OWNER owns (a township merged into --to; 撤乡并镇)"},
    {0}};
static const struct args_cmd transfer_cmd = {
    "carenet record transfer", "ID --to OFFICE [-c CFG]\n--all-of TOWNSHIP --to TOWNSHIP [-c CFG]",
    "Moves a child's record to another village of the county (迁移): by its owner,\n"
    "or by its township or county when the owner is gone. The record keeps its id\n"
    "and history; it is frozen until the new owner runs `carenet record accept ID`\n"
    "and writes it from then on. The county counts the child once: under the old\n"
    "owner until accepted, then under the new one.\n"
    "A township merged into another (撤乡并镇: its villages moved with `carenet move\n"
    "--township`) hands over its own records the same way: at the county,\n"
    "`--all-of OLD --to NEW` transfers every open record OLD owns (its staff,\n"
    "applications, budgets, activities...), printing each id; NEW accepts each\n"
    "(`carenet record accept ID`, or `--all`).\n",
    transfer_opts, NULL};

static int transfer_one(const char *cfgpath, const char *id, const char *to, int quiet)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordTransferRequest q = CARENET__RECORD_TRANSFER_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int rc;

	q.id = (char *)id;
	q.to = (char *)to;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_TRANSFER;
	req.record_transfer = &q;
	if ((rc = call("carenet record transfer", cfgpath, &req, &rep)) == 0)
		printf(quiet ? "%s\n" : "%s transferred to %s, awaiting its acceptance (待接收)\n", id,
		       to);
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

/* The open records of one type owned by exactly owner, held here. */
static int owned(const char *cfgpath, const char *type, const char *owner,
                 Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordListRequest l = CARENET__RECORD_LIST_REQUEST__INIT;

	l.type = (char *)type;
	l.office = (char *)owner;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST;
	req.record_list = &l;
	return call("carenet record transfer", cfgpath, &req, rep);
}

/* --all-of OWNER: every open record OWNER owns, type by type (the node
 * refuses what may not move, and says why). */
static int transfer_all(const struct mopts *o)
{
	size_t ntypes, moved = 0;
	const struct rec_type *types = roles_record_types(&ntypes);
	int rc = 0;

	for (size_t k = 0; k < ntypes && rc == 0; k++) {
		Carenet__ControlReply *rep = NULL;
		if (!strcmp(types[k].name, "child") && strlen(o->all_of) != 12)
			continue; /* a township owns no child */
		if ((rc = owned(o->cfgpath, types[k].name, o->all_of, &rep)) == 0)
			for (size_t i = 0; i < rep->n_records && rc == 0; i++) {
				const Carenet__RecordVersion *v = rep->records[i];
				if (strcmp(v->owner, o->all_of) != 0 || v->closed)
					continue;
				if ((rc = transfer_one(o->cfgpath, v->id, o->to, 1)) == 0)
					moved++;
			}
		carenet__control_reply__free_unpacked(rep, NULL);
	}
	if (rc == 0)
		printf("%zu record(s) of %s transferred to %s, awaiting its acceptance (待接收): "
		       "carenet record accept --all at %s\n",
		       moved, o->all_of, o->to, o->to);
	return rc;
}

int record_transfer(int argc, char **argv)
{
	struct mopts o;
	int rc = parse(argc, argv, &transfer_cmd, ANY_OPERAND, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!o.to)
		return args_usage_error(&transfer_cmd, "give --to OFFICE");
	if (!!o.operand == !!o.all_of)
		return args_usage_error(&transfer_cmd, "give one record ID, or --all-of OWNER");
	return cn_exit_code(o.all_of ? transfer_all(&o) : transfer_one(o.cfgpath, o.operand, o.to, 0));
}

static const struct args_opt accept_opts[] = {
    o_cfg,
    {"all", ARGS_LONG('L'), NULL,
     "instead of ID: every record transferred to this office and not yet accepted"},
    {0}};
static const struct args_cmd accept_cmd = {
    "carenet record accept", "ID [-c CFG]\n--all [-c CFG]",
    "Takes a record transferred to this office (接收): this office becomes its\n"
    "owner and writes its next version. --all takes every one waiting (a merged\n"
    "township's records at the township absorbing it), in one transaction.\n",
    accept_opts, NULL};

int record_accept(int argc, char **argv)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest q = CARENET__RECORD_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct mopts o;
	int rc = parse(argc, argv, &accept_cmd, ANY_OPERAND, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!!o.operand == o.all)
		return args_usage_error(&accept_cmd, "give one record ID, or --all");
	q.id = (char *)(o.operand ? o.operand : "");
	q.all = o.all;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_ACCEPT;
	req.record_accept = &q;
	if ((rc = call("carenet record accept", o.cfgpath, &req, &rep)) == 0 && !o.all)
		printf("%s accepted: owned by this office (已接收)\n", q.id);
	for (size_t i = 0; rc == 0 && o.all && i < rep->n_record_ids; i++)
		printf("%s\n", rep->record_ids[i]);
	if (rc == 0 && o.all)
		printf("%zu record(s) accepted: owned by this office (已接收)\n", rep->n_record_ids);
	carenet__control_reply__free_unpacked(rep, NULL);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------ ledger summary */

/* One office's counts from its roll-up: plain counts, then per measure. */
static void rollup_counts_json(struct json *j, const Carenet__ControlReply *rep, const char *id)
{
	for (size_t i = 0; i < rep->n_summary; i++) {
		const Carenet__SummaryCount *s = rep->summary[i];
		int first = 1;
		if (strcmp(s->office, id) != 0)
			continue;
		if (!s->value[0]) {
			json_u64(j, s->measure, s->count);
			continue;
		}
		for (size_t k = 0; k < i && first; k++) /* each measure's object once */
			first = strcmp(rep->summary[k]->office, id) ||
			        strcmp(rep->summary[k]->measure, s->measure) ||
			        !rep->summary[k]->value[0];
		if (!first)
			continue;
		json_obj_begin(j, s->measure);
		for (size_t k = i; k < rep->n_summary; k++)
			if (!strcmp(rep->summary[k]->office, id) &&
			    !strcmp(rep->summary[k]->measure, s->measure) && rep->summary[k]->value[0])
				json_u64(j, rep->summary[k]->value, rep->summary[k]->count);
		json_obj_end(j);
	}
}

static int rollup_has_children(const Carenet__ControlReply *rep, const char *id)
{
	for (size_t i = 0; i < rep->n_summary; i++)
		if (!strcmp(rep->summary[i]->office, id) &&
		    !strcmp(rep->summary[i]->measure, "children"))
			return 1;
	return 0;
}

/* At a province or prefecture: {"offices": [{"id", "month", "children", ...}]},
 * each office's latest roll-up (R29). */
static void rollup_json(const Carenet__ControlReply *rep)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_arr_begin(&j, "offices");
	for (size_t i = 0; i < rep->n_rollups; i++) {
		const Carenet__RollupOffice *o = rep->rollups[i];
		json_obj_begin(&j, NULL);
		json_str(&j, "id", o->id);
		json_str(&j, "month", o->month);
		json_u64(&j, "made_at", o->made_at);
		json_u64(&j, "received", o->received);
		json_arr_begin(&j, "counties");
		for (size_t k = 0; k < o->n_counties; k++)
			json_str(&j, NULL, o->counties[k]);
		json_arr_end(&j);
		if (!rollup_has_children(rep, o->id))
			json_u64(&j, "children", 0); /* always present */
		rollup_counts_json(&j, rep, o->id);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

static void summary_json(const Carenet__ControlReply *rep)
{
	struct json j;
	const char *office = NULL, *measure = NULL;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	for (size_t i = 0; i < rep->n_summary; i++) {
		const Carenet__SummaryCount *s = rep->summary[i];
		if (!office || strcmp(office, s->office)) {
			if (measure && measure[0])
				json_obj_end(&j);
			if (office)
				json_obj_end(&j);
			json_obj_begin(&j, s->office);
			office = s->office;
			measure = NULL;
		}
		if (!measure || strcmp(measure, s->measure)) {
			if (measure && measure[0])
				json_obj_end(&j);
			measure = s->value[0] ? s->measure : "";
			if (s->value[0])
				json_obj_begin(&j, s->measure);
		}
		json_u64(&j, s->value[0] ? s->value : s->measure, s->count);
	}
	if (measure && measure[0])
		json_obj_end(&j);
	if (office)
		json_obj_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

static void summary_print(const Carenet__ControlReply *rep, int csv)
{
	static const char *const head[] = {"office", "measure", "value", "count"};
	char n[24];
	struct table t;

	table_init(&t, 4);
	table_add(&t, (const char *[]){cli_tr("OFFICE", "单位"), cli_tr("MEASURE", "统计项"),
	                               cli_tr("VALUE", "取值"), cli_tr("COUNT", "数量")});
	if (csv) {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 4);
	}
	for (size_t i = 0; i < rep->n_summary; i++) {
		const Carenet__SummaryCount *s = rep->summary[i];
		snprintf(n, sizeof(n), "%llu", (unsigned long long)s->count);
		const char *cells[] = {s->office, s->measure, s->value, n};
		if (csv)
			csv_write_row(stdout, cells, 4);
		else
			table_add(&t, cells);
	}
	if (!csv && rep->n_summary)
		table_print(&t, stdout);
	table_free(&t);
	if (!csv && !rep->n_summary)
		printf("%s\n", cli_tr("no records", "(无记录)"));
}

static const struct args_opt summary_opts[] = {
    o_cfg,
    {"office", ARGS_LONG('o'), "PREFIX", "owners whose id begins with PREFIX"},
    {"json", 'j', NULL,
     "{office: {children: N, category: {...}, ...}}; at a province\n"
     "or prefecture {offices: [{id, month, children: N, ...}]}"},
    {"csv", ARGS_LONG('v'), NULL, "office, measure, value, count as CSV (UTF-8 with BOM)"},
    {0}};
static const struct args_cmd summary_cmd = {
    "carenet ledger summary", "[--office PREFIX] [--json|--csv] [-c CFG]",
    "Counts of the records held here, per owner office (台账汇总): children (open\n"
    "child records), by category, guardianship status and school stage; staff\n"
    "(without an end date) and homes (儿童之家); activities and visits per month.\n"
    "No personal field is in it. At a province or prefecture: each county's and\n"
    "prefecture's latest monthly roll-up (月汇总上报, R29), the only ledger there.\n",
    summary_opts, NULL};

static int ledger_summary(int argc, char **argv)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__LedgerSummaryRequest q = CARENET__LEDGER_SUMMARY_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct mopts o;
	int rc = parse(argc, argv, &summary_cmd, 0, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (o.json && o.csv)
		return args_usage_error(&summary_cmd, "give at most one of --json and --csv");
	q.office = (char *)(o.office ? o.office : "");
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_LEDGER_SUMMARY;
	req.ledger_summary = &q;
	if ((rc = call("carenet ledger summary", o.cfgpath, &req, &rep)) == 0) {
		if (o.json && rep->above_county)
			rollup_json(rep);
		else if (o.json)
			summary_json(rep);
		else
			summary_print(rep, o.csv);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return cn_exit_code(rc);
}

static const struct args_sub ledger_subs[] = {
    {"summary", ledger_summary, "counts per office, no personal field (台账汇总)"},
};
static const struct args_group ledger_group = {
    "carenet ledger", "The ledger as a whole (台账).", ledger_subs,
    sizeof(ledger_subs) / sizeof(ledger_subs[0]), NULL};

int cmd_ledger(int argc, char **argv)
{
	return args_dispatch(&ledger_group, argc, argv);
}
