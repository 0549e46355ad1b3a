/*
 * cli_case: `carenet case open|list|show` — R14 cases (个案) at the county
 * (roles/records/cases.c on the node). A case is a record of type case: list
 * is a record list of that type by status (在办 open, 结案 closed); show asks
 * the node for the case and every record held there that refers to it
 * (RecordShowRequest.related); open asks it to open one
 * (RecordWriteRequest.case_open), as `report open-case` does for a report.
 * Records print as `carenet record` prints them (cli_record_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cli_record_int.h"
#include "cmd.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "roles.h"

struct copts {
	const char *cfgpath, *source, *ref, *child, *description, *state, *operand;
	int json, csv, reveal;
};

static const struct args_opt o_cfg = {"config", 'c', "CFG",
                                      "the node's configuration (default " CONFIG_DEFAULT_PATH
                                      ")"};
static const struct args_opt o_json = {"json", ARGS_LONG('j'), NULL, "JSON"};
static const struct args_opt o_reveal = {"reveal", ARGS_LONG('r'), NULL,
                                         "personal fields in the clear (written to the audit log)"};
#define END_OPTS {0}

/* 0, 1 after --help, CN_EUSAGE. */
static int parse(int argc, char **argv, const struct args_cmd *cmd, int noperands,
                 struct copts *o)
{
	struct args a;
	int ch;

	memset(o, 0, sizeof(*o));
	o->cfgpath = CONFIG_DEFAULT_PATH;
	args_begin(&a, cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		switch (ch) {
		case 'c': o->cfgpath = a.val; break;
		case ARGS_LONG('s'): o->source = a.val; break;
		case ARGS_LONG('f'): o->ref = a.val; break;
		case ARGS_LONG('C'): o->child = a.val; break;
		case ARGS_LONG('d'): o->description = a.val; break;
		case ARGS_LONG('S'): o->state = a.val; break;
		case ARGS_LONG('j'): o->json = 1; break;
		case ARGS_LONG('v'): o->csv = 1; break;
		case ARGS_LONG('r'): o->reveal = 1; break;
		default:
			return a.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (argc - a.ind != noperands) {
		args_usage_error(cmd, noperands ? "give one operand (a case id)" : "unexpected operand %s",
		                 noperands ? "" : argv[a.ind]);
		return CN_EUSAGE;
	}
	if (noperands)
		o->operand = argv[a.ind];
	return 0;
}

static const char *value_of(const Carenet__RecordVersion *m, const char *name)
{
	for (size_t i = 0; i < m->n_fields; i++)
		if (!strcmp(m->fields[i]->name, name))
			return m->fields[i]->value;
	return "";
}

/* open / closed from the status 在办 / 结案. */
static const char *state_of(const Carenet__RecordVersion *m)
{
	return strcmp(value_of(m, "status"), "结案") == 0 ? "closed" : "open";
}

/* ------------------------------------------------------------- open */

static const struct args_opt open_opts[] = {
    o_cfg,
    {"source", ARGS_LONG('s'), "SOURCE",
     "where it comes from: R12 (a report), R13 (a hotline call),\n"
     "R11 (a visit), R15 (an application) or other"},
    {"ref", ARGS_LONG('f'), "ID", "the id of that report, call, visit or application"},
    {"child", ARGS_LONG('C'), "ID", "the child's record id (carenet record list --type child)"},
    {"description", ARGS_LONG('d'), "TEXT", "who the child is, when there is no record id"},
    o_json, END_OPTS};
static const struct args_cmd open_cmd = {
    "carenet case open",
    "--source R12|R13|R11|R15|other --ref ID (--child ID | --description TEXT)\n"
    "[-c CFG] [--json]",
    "Opens a case at the county (立案): an R14 record owned by the county, opened now,\n"
    "in state open (在办). Its assessment, plan and outcome are added with carenet\n"
    "record update ID --set ...; they are required when it is closed (status=结案).\n"
    "Prints the case's id ({\"id\": ...} with --json). A report's case is opened\n"
    "with carenet report open-case.\n",
    open_opts, NULL};

static int do_open(const char *prog, const struct copts *o)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest w = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__CaseOpenRequest co = CARENET__CASE_OPEN_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct json j;
	int rc;

	if ((rc = cli_config(prog, o->cfgpath, &cfg)) != 0)
		return rc;
	co.source = (char *)o->source;
	co.ref = (char *)o->ref;
	co.child = (char *)(o->child ? o->child : "");
	co.description = (char *)(o->description ? o->description : "");
	w.case_open = &co;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE;
	req.record_write = &w;
	rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep);
	if (rc == 0 && rep->n_record_ids == 1 && o->json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "id", rep->record_ids[0]);
		json_obj_end(&j);
		json_finish(&j);
	} else if (rc == 0 && rep->n_record_ids == 1) {
		printf("%s\n", rep->record_ids[0]);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

static int case_open(int argc, char **argv)
{
	struct copts o;
	int rc = parse(argc, argv, &open_cmd, 0, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!o.source || !o.ref)
		return args_usage_error(&open_cmd, "give --source R12|R13|R11|R15|other and --ref ID");
	if (!o.child == !o.description)
		return args_usage_error(&open_cmd, "give one of --child ID and --description TEXT");
	return cn_exit_code(do_open("carenet case open", &o));
}

/* ------------------------------------------------------------- list */

static void list_json(const Carenet__ControlReply *rep)
{
	struct json j;

	json_init(&j, stdout);
	json_arr_begin(&j, NULL);
	for (size_t i = 0; i < rep->n_records; i++) {
		const Carenet__RecordVersion *m = rep->records[i];
		json_obj_begin(&j, NULL);
		json_str(&j, "id", m->id);
		json_str(&j, "state", state_of(m));
		json_str(&j, "status", value_of(m, "status"));
		json_str(&j, "opened_at", value_of(m, "opened_at"));
		json_str(&j, "source", value_of(m, "source"));
		json_str(&j, "source_ref", value_of(m, "source_ref"));
		json_str(&j, "child", value_of(m, "child"));
		json_str(&j, "child_description", value_of(m, "child_description"));
		json_str(&j, "closed_at", value_of(m, "closed_at"));
		json_u64(&j, "version", m->version);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_finish(&j);
}

static void list_csv(const Carenet__ControlReply *rep)
{
	static const char *const head[] = {"个案编号 id",        "状态 state",
	                                   "立案时间 opened_at", "来源 source",
	                                   "来源编号 source_ref", "儿童 child",
	                                   "儿童描述 child_description", "结案时间 closed_at"};
	const char *cells[8];

	csv_write_bom(stdout);
	csv_write_row(stdout, head, 8);
	for (size_t i = 0; i < rep->n_records; i++) {
		const Carenet__RecordVersion *m = rep->records[i];
		cells[0] = m->id;
		cells[1] = state_of(m);
		cells[2] = value_of(m, "opened_at");
		cells[3] = value_of(m, "source");
		cells[4] = value_of(m, "source_ref");
		cells[5] = value_of(m, "child");
		cells[6] = value_of(m, "child_description");
		cells[7] = value_of(m, "closed_at");
		csv_write_row(stdout, cells, 8);
	}
}

static void list_text(const Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_records; i++) {
		const Carenet__RecordVersion *m = rep->records[i];
		const char *child = value_of(m, "child");
		printf("%s  %s %s  opened 立案 %s  from %s %s  child 儿童 %s\n", m->id, state_of(m),
		       value_of(m, "status"), value_of(m, "opened_at"), value_of(m, "source"),
		       value_of(m, "source_ref"), child[0] ? child : value_of(m, "child_description"));
	}
	if (!rep->n_records)
		printf("no cases (无个案)\n");
}

static const struct args_opt list_opts[] = {
    o_cfg, {"state", ARGS_LONG('S'), "STATE", "open (在办) or closed (结案); default both"},
    o_reveal, o_json, {"csv", ARGS_LONG('v'), NULL, "CSV (UTF-8 with a BOM)"}, END_OPTS};
static const struct args_cmd list_cmd = {
    "carenet case list", "[--state open|closed] [--reveal] [--json|--csv] [-c CFG]",
    "Lists the cases held here (个案列表; at the county: cases stay there): id, state,\n"
    "opened, source, child. The child is masked unless --reveal (audited).\n",
    list_opts, NULL};

static int do_list(const char *prog, const struct copts *o)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordListRequest l = CARENET__RECORD_LIST_REQUEST__INIT;
	Carenet__Field where = CARENET__FIELD__INIT, *wp = &where;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	int rc;

	if ((rc = cli_config(prog, o->cfgpath, &cfg)) != 0)
		return rc;
	l.type = "case";
	l.office = "";
	l.reveal = o->reveal;
	if (o->state) {
		where.name = "status";
		where.value = !strcmp(o->state, "closed") || !strcmp(o->state, "结案") ? "结案" : "在办";
		l.where = &wp;
		l.n_where = 1;
	}
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST;
	req.record_list = &l;
	if ((rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) == 0) {
		if (o->json)
			list_json(rep);
		else if (o->csv)
			list_csv(rep);
		else
			list_text(rep);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

static int case_list(int argc, char **argv)
{
	static const char *const states[] = {"open", "closed", "在办", "结案"};
	struct copts o;
	int rc = parse(argc, argv, &list_cmd, 0, &o), ok = 0;

	if (rc)
		return cli_parse_exit(rc);
	for (size_t i = 0; o.state && i < 4; i++)
		ok |= !strcmp(o.state, states[i]);
	if (o.state && !ok)
		return args_usage_error(&list_cmd, "--state %s: expected open or closed", o.state);
	if (o.json && o.csv)
		return args_usage_error(&list_cmd, "give one of --json and --csv");
	return cn_exit_code(do_list("carenet case list", &o));
}

/* ------------------------------------------------------------- show */

static void show_json(const Carenet__ControlReply *rep)
{
	const Carenet__RecordVersion *c = rep->records[0];
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "id", c->id);
	json_str(&j, "state", state_of(c));
	json_str(&j, "source", value_of(c, "source"));
	json_str(&j, "source_ref", value_of(c, "source_ref"));
	record_json_key(&j, "case", c, 0);
	json_arr_begin(&j, "related");
	for (size_t i = 1; i < rep->n_records; i++)
		record_json(&j, rep->records[i], 0);
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

static void show_text(const Carenet__ControlReply *rep, const struct copts *o)
{
	struct ropts ro;
	Carenet__ControlReply one = *rep;

	memset(&ro, 0, sizeof(ro));
	ro.reveal = o->reveal;
	printf("case 个案 %s: %s (%s), from %s %s\n", rep->records[0]->id, state_of(rep->records[0]),
	       value_of(rep->records[0], "status"), value_of(rep->records[0], "source"),
	       value_of(rep->records[0], "source_ref"));
	one.n_records = 1;
	record_print(NULL, &one, &ro, 0);
	printf("records referring to it (相关记录): %zu\n", rep->n_records - 1);
	one.records = rep->records + 1;
	one.n_records = rep->n_records - 1;
	if (one.n_records)
		record_print(NULL, &one, &ro, 0);
}

static const struct args_opt show_opts[] = {o_cfg, o_reveal, o_json, END_OPTS};
static const struct args_cmd show_cmd = {
    "carenet case show", "ID [--reveal] [--json] [-c CFG]",
    "Shows a case (查看个案) and every record held here that refers to it: its source\n"
    "(a hotline call, a visit, an application; a report's id is in source_ref), its\n"
    "consultation meeting (部门会商), and the assessments, interventions, placements,\n"
    "supports and applications whose case field names it. Personal fields masked\n"
    "unless --reveal (audited).\n",
    show_opts, NULL};

static int do_show(const char *prog, const struct copts *o)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest s = CARENET__RECORD_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	int rc;

	if ((rc = cli_config(prog, o->cfgpath, &cfg)) != 0)
		return rc;
	s.id = (char *)o->operand;
	s.reveal = o->reveal;
	s.related = 1;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_SHOW;
	req.record_show = &s;
	rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep);
	if (rc == 0 && rep->n_records == 0)
		rc = CN_EPROTO;
	else if (rc == 0 && o->json)
		show_json(rep);
	else if (rc == 0)
		show_text(rep, o);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

static int case_show(int argc, char **argv)
{
	struct copts o;
	int rc = parse(argc, argv, &show_cmd, 1, &o);

	return rc ? cli_parse_exit(rc) : cn_exit_code(do_show("carenet case show", &o));
}

static const struct args_sub case_subs[] = {
    {"open", case_open, "open a case at the county, from a call, visit, application (立案)"},
    {"list", case_list, "the cases held here, open or closed (个案列表)"},
    {"show", case_show, "a case and every record that refers to it (查看个案)"},
};
static const struct args_group case_group = {
    "carenet case",
    "Cases (个案, records.md R14) at the county: opened from a report, a hotline call,\n"
    "a visit or an application; assessments, interventions, placements, supports\n"
    "and applications refer to one with --set case=ID; tasks within a case go down\n"
    "as directives with --ref the case.",
    case_subs, sizeof(case_subs) / sizeof(case_subs[0]), NULL};

int cmd_case(int argc, char **argv)
{
	return args_dispatch(&case_group, argc, argv);
}
