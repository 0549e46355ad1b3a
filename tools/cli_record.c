/*
 * cli_record: `carenet record add|update|close|list|show|history|template|
 * import|export` (records.md's record types; roles/records on the node):
 * the options, the control requests and the subcommand table.
 * Every write is one control request: an import carries all its rows and the
 * node writes all of them in one transaction or none, answering with every
 * problem as "LINE:COLUMN: ..." which is printed here after the file name.
 * The formats (printing records, reading RECORD.json and CSV ledgers) are in
 * cli_record_io.c; cli_record_int.h is what the two share.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cli_record.h"
#include "cli_record_int.h"
#include "cmd.h"
#include "err.h"
#include "json.h"
#include "roles.h"
#include "util.h"

static const struct args_opt o_cfg = {"config", 'c', "CFG",
                                      "the node's configuration (default " CONFIG_DEFAULT_PATH
                                      ")"};
static const struct args_opt o_type = {"type", 't', "TYPE",
                                       "office, division, document, staff, training, meeting,\n"
                                       "child, activity, visit, hotline, case, application,\n"
                                       "assessment, intervention, placement or support\n"
                                       "(or R01..R21, 儿童 热线来电 ...)"};
static const struct args_opt o_set = {"set", 's', "FIELD=VALUE",
                                      "a field by records.md's name or its Chinese column\n"
                                      "(repeatable; an empty VALUE clears the field)"};
static const struct args_opt o_json = {"json", 'j', NULL, "JSON (fields keyed by records.md's names)"};
static const struct args_opt o_csv = {"csv", ARGS_LONG('v'), NULL, "CSV in the template's layout"};
static const struct args_opt o_reveal = {"reveal", ARGS_LONG('r'), NULL,
                                         "personal fields in the clear (written to the audit log)"};
static const struct args_opt o_office = {"office", ARGS_LONG('o'), "PREFIX", "owners whose id begins with PREFIX"};
static const struct args_opt o_where = {"where", 'w', "FIELD=VALUE",
                                        "only records whose FIELD is VALUE (a set: holds it);\n"
                                        "repeatable, all must hold"};
#define END_OPTS {0}

/* 0, 1 after --help, CN_EUSAGE. noperands: 0 or 1. */
static int parse(int argc, char **argv, const struct args_cmd *cmd, int noperands,
                 struct ropts *o)
{
	struct args a;
	int ch;

	memset(o, 0, sizeof(*o));
	o->cfgpath = CONFIG_DEFAULT_PATH;
	args_begin(&a, cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		switch (ch) {
		case 'c': o->cfgpath = a.val; break;
		case 't': o->type = a.val; break;
		case ARGS_LONG('f'): o->file = a.val; break;
		case ARGS_LONG('o'): o->office = a.val; break;
		case 'j': o->json = 1; break;
		case ARGS_LONG('v'): o->csv = 1; break;
		case ARGS_LONG('r'): o->reveal = 1; break;
		case ARGS_LONG('e'): o->example = 1; break;
		case ARGS_LONG('d'): o->dry_run = 1; break;
		case ARGS_LONG('R'): o->reason = a.val; break;
		case ARGS_LONG('n'): o->note = a.val; break;
		case ARGS_LONG('S'): o->stale = a.val; break;
		case 's':
		case 'w':
			if ((ch == 's' ? o->nsets : o->nwheres) == MAX_SETS) {
				args_usage_error(cmd, "at most %d --set or --where", MAX_SETS);
				return CN_EUSAGE;
			}
			if (!strchr(a.val, '=')) {
				args_usage_error(cmd, "%s: expected FIELD=VALUE", a.val);
				return CN_EUSAGE;
			}
			if (ch == 's')
				o->sets[o->nsets++] = a.val;
			else
				o->wheres[o->nwheres++] = a.val;
			break;
		default:
			return a.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (argc - a.ind != noperands) {
		args_usage_error(cmd, noperands ? "give one operand" : "unexpected operand %s",
		                 noperands ? "" : argv[a.ind]);
		return CN_EUSAGE;
	}
	if (noperands)
		o->operand = argv[a.ind];
	return 0;
}

static const struct rec_type *type_of(const char *prog, const char *name)
{
	const struct rec_type *t = roles_record_type(name);

	if (t && (t->owners & REC_READ_ONLY)) {
		fprintf(stderr, "%s: type '%s' is read by the rules, not a record here: %s\n", prog,
		        name, !strcmp(t->name, "report")
		                  ? "mandatory reports are filed and read with carenet report "
		                    "file|list|show"
		                  : "children are listed with --type child and reviewed with carenet "
		                    "record review");
		return NULL;
	}
	if (!t)
		fprintf(stderr, "%s: unknown record type '%s' (未知类型): use office, division, "
		                "document, staff, training, meeting, child, activity, visit, "
		                "hotline, case, application, assessment, intervention, placement, "
		                "support, incident, organisation, budget or attestation\n",
		        prog, name ? name : "");
	return t;
}

/* ------------------------------------------------------------ writes */

int record_send_write(const char *prog, const struct ropts *o, Carenet__RecordInput **in,
                      size_t n, const char *prefix)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest w = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct json j;
	int rc;

	if ((rc = cli_config(prog, o->cfgpath, &cfg)) != 0)
		return rc;
	w.records = in;
	w.n_records = n;
	w.dry_run = o->dry_run;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE;
	req.record_write = &w;
	rc = cli_call(rep ? NULL : prog, cfg, &req, CLI_WRITE_TIMEOUT_MS * 4, &rep);
	for (size_t i = 0; rep && i < rep->n_record_errors; i++)
		fprintf(stderr, "%s%s%s\n", prefix,
		        prefix[0] && !isdigit((unsigned char)rep->record_errors[i][0]) ? " " : "",
		        rep->record_errors[i]);
	if (rc == 0 && o->json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_bool(&j, "dry_run", o->dry_run);
		json_arr_begin(&j, "ids");
		for (size_t i = 0; i < rep->n_record_ids; i++)
			json_str(&j, NULL, rep->record_ids[i]);
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
	} else if (rc == 0) {
		if (o->dry_run)
			printf("%zu record(s) checked, nothing written (--dry-run: 仅检查)\n",
			       rep->n_record_ids);
		else if (rep->n_record_ids > 3)
			printf("%zu record(s) written (已写入)\n", rep->n_record_ids);
		else
			for (size_t i = 0; i < rep->n_record_ids; i++)
				printf("%s\n", rep->record_ids[i]);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

static int add_sets(Carenet__RecordInput *in, const struct ropts *o)
{
	for (size_t i = 0; i < o->nsets; i++) {
		const char *eq = strchr(o->sets[i], '=');
		if (!(in->set[in->n_set++] =
		          roles_record_field_new(o->sets[i], (size_t)(eq - o->sets[i]), eq + 1, 0)))
			return CN_ENOMEM;
	}
	return 0;
}

static int write_simple(const char *prog, const struct ropts *o, const char *type,
                        const char *id, int close)
{
	Carenet__RecordInput *in = NULL;
	int rc;

	if (o->file) {
		if ((rc = record_json_fields(prog, o->file, &in, &type)) != 0)
			return rc;
		in->type = (char *)(type ? type : "");
	} else if (!(in = roles_record_input_new(type, id, o->nsets))) {
		return CN_ENOMEM;
	}
	in->id = (char *)(id ? id : "");
	if (!o->file && (rc = add_sets(in, o)) != 0)
		goto out;
	if (close) {
		in->close = 1;
		in->close_reason = (char *)o->reason;
		in->close_note = (char *)(o->note ? o->note : "");
	}
	if (!type && !id) {
		fprintf(stderr, "%s: give --type TYPE (记录类型)\n", prog);
		rc = CN_EUSAGE;
		goto out;
	}
	rc = record_send_write(prog, o, &in, 1, "");
out:
	in->id = "";
	roles_record_input_free(in);
	return rc;
}

/* ------------------------------------------------- add, update, close */

static const struct args_opt add_opts[] = {
    o_cfg, o_type, o_set, {"file", ARGS_LONG('f'), "RECORD.json", "the fields as a JSON object"}, o_json,
    END_OPTS};
static const struct args_cmd add_cmd = {
    "carenet record add", "--type TYPE (--set FIELD=VALUE... | --file RECORD.json) [-c CFG] [--json]",
    "Adds a record owned by this office (新增记录); it travels up to the county. Its\n"
    "fields are records.md's (carenet record template --type TYPE lists them).\n"
    "Personal fields are sealed at rest and masked in listings.\n",
    add_opts, NULL};

static int record_add(int argc, char **argv)
{
	struct ropts o;
	int rc = parse(argc, argv, &add_cmd, 0, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!o.file && !o.nsets)
		return args_usage_error(&add_cmd, "give --set FIELD=VALUE or --file");
	return cn_exit_code(write_simple("carenet record add", &o, o.type, NULL, 0));
}

static const struct args_opt update_opts[] = {o_cfg, o_set, o_json, END_OPTS};
static const struct args_cmd update_cmd = {
    "carenet record update", "ID --set FIELD=VALUE... [-c CFG] [--json]",
    "Changes fields of a record this office owns (修改记录): a new version, kept in\n"
    "its history and sent up. Only the owner changes a record.\n",
    update_opts, NULL};

static int record_update(int argc, char **argv)
{
	struct ropts o;
	int rc = parse(argc, argv, &update_cmd, 1, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!o.nsets)
		return args_usage_error(&update_cmd, "give --set FIELD=VALUE");
	return cn_exit_code(write_simple("carenet record update", &o, NULL, o.operand, 0));
}

static const struct args_opt close_opts[] = {
    o_cfg,
    {"reason", ARGS_LONG('R'), "REASON", "年满18, 迁出, 死亡, 不再符合 or other"},
    {"note", ARGS_LONG('n'), "TEXT", "why (needed with other)"},
    o_json, END_OPTS};
static const struct args_cmd close_cmd = {
    "carenet record close", "ID --reason REASON [--note TEXT] [-c CFG] [--json]",
    "Closes a record this office owns (关闭记录): a new version; nothing is erased.\n",
    close_opts, NULL};

static int record_close(int argc, char **argv)
{
	struct ropts o;
	int rc = parse(argc, argv, &close_cmd, 1, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!o.reason)
		return args_usage_error(&close_cmd, "give --reason 年满18|迁出|死亡|不再符合|other");
	return cn_exit_code(write_simple("carenet record close", &o, NULL, o.operand, 1));
}

/* ---------------------------------------------------- list, show, ... */

static int fields_of(const char *const *v, size_t n, Carenet__Field ***out)
{
	Carenet__Field **f = calloc(n ? n : 1, sizeof(*f));

	if (!f)
		return CN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		if (!(f[i] = roles_record_field_new(v[i], (size_t)(eq - v[i]), eq + 1, 0)))
			return CN_ENOMEM; /* the process ends */
	}
	*out = f;
	return 0;
}

static int do_list(const char *prog, const struct ropts *o, const struct rec_type *t)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordListRequest l = CARENET__RECORD_LIST_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	int rc;

	if ((rc = cli_config(prog, o->cfgpath, &cfg)) != 0)
		return rc;
	l.type = (char *)t->name;
	l.office = (char *)(o->office ? o->office : "");
	l.reveal = o->reveal;
	if (o->stale && (util_parse_duration(o->stale, &l.stale) != 0 || !l.stale)) {
		fprintf(stderr, "%s: --stale %s: expected a duration such as 92d\n", prog, o->stale);
		rc = CN_EUSAGE;
		goto out;
	}
	if ((rc = fields_of(o->wheres, o->nwheres, &l.where)) != 0)
		goto out;
	l.n_where = o->nwheres;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST;
	req.record_list = &l;
	if ((rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) == 0)
		record_print(t, rep, o, 0);
out:
	for (size_t i = 0; l.where && i < l.n_where; i++) {
		free(l.where[i]->name);
		free(l.where[i]->value);
		free(l.where[i]);
	}
	free(l.where);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

static const struct args_opt list_opts[] = {
    o_cfg, o_type, o_office, o_where,
    {"stale", ARGS_LONG('S'), "DURATION",
     "children last verified (verified_at, or a visit of kind\n核实更新) before DURATION ago, e.g. 92d"},
    o_reveal, o_json, o_csv, END_OPTS};
static const struct args_cmd list_cmd = {
    "carenet record list",
    "--type TYPE [--office PREFIX] [--where FIELD=VALUE]... [--stale DURATION] [--reveal]\n"
    "[--json|--csv] [-c CFG]",
    "Lists the records of a type held here (记录列表): this office's own and, above a\n"
    "village, the replicas of the offices below it. Personal fields are masked\n"
    "(张*明, 5301**********123X) unless --reveal. --where review=returned (or\n"
    "approved, pending, none) selects by review: returned is the owner's to-do list.\n",
    list_opts, NULL};

static int record_list(int argc, char **argv)
{
	const struct rec_type *t;
	struct ropts o;
	int rc = parse(argc, argv, &list_cmd, 0, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!(t = type_of("carenet record list", o.type)))
		return 2;
	return cn_exit_code(do_list("carenet record list", &o, t));
}

static const struct args_opt export_opts[] = {o_cfg, o_type, o_office, o_reveal, o_json, o_csv,
                                              END_OPTS};
static const struct args_cmd export_cmd = {
    "carenet record export", "--type TYPE [--office PREFIX] [--reveal] --csv|--json [-c CFG]",
    "Writes the records of a type on stdout (导出) in the template's layout (CSV,\n"
    "with 记录编号 first) or as JSON. Personal fields masked unless --reveal.\n",
    export_opts, NULL};

static int record_export(int argc, char **argv)
{
	const struct rec_type *t;
	struct ropts o;
	int rc = parse(argc, argv, &export_cmd, 0, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (o.csv == o.json)
		return args_usage_error(&export_cmd, "give one of --csv and --json");
	if (!(t = type_of("carenet record export", o.type)))
		return 2;
	return cn_exit_code(do_list("carenet record export", &o, t));
}

static int do_show(const char *prog, const struct ropts *o, int history)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest s = CARENET__RECORD_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct json j;
	int rc;

	if ((rc = cli_config(prog, o->cfgpath, &cfg)) != 0)
		return rc;
	s.id = (char *)o->operand;
	s.reveal = o->reveal;
	s.history = history;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_SHOW;
	req.record_show = &s;
	rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep);
	if (rc == 0 && o->json && !history && rep->n_records == 1) {
		json_init(&j, stdout);
		record_json(&j, rep->records[0], 0);
		json_finish(&j);
	} else if (rc == 0) {
		record_print(NULL, rep, o, history);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

static const struct args_opt show_opts[] = {o_cfg, o_reveal, o_json, END_OPTS};
static const struct args_cmd show_cmd = {
    "carenet record show", "ID [--reveal] [--json] [-c CFG]",
    "Shows one record (查看记录). --reveal shows personal fields to the operator of\n"
    "the owner, its township or its county, and writes the reveal to the audit log.\n",
    show_opts, NULL};

static int record_show(int argc, char **argv)
{
	struct ropts o;
	int rc = parse(argc, argv, &show_cmd, 1, &o);

	return rc ? cli_parse_exit(rc) : cn_exit_code(do_show("carenet record show", &o, 0));
}

static const struct args_opt history_opts[] = {o_cfg, o_reveal, o_json, END_OPTS};
static const struct args_cmd history_cmd = {
    "carenet record history", "ID [--reveal] [--json] [-c CFG]",
    "Every version of a record held here, oldest first (历史): who wrote it, when,\n"
    "and which fields changed.\n",
    history_opts, NULL};

static int record_history(int argc, char **argv)
{
	struct ropts o;
	int rc = parse(argc, argv, &history_cmd, 1, &o);

	return rc ? cli_parse_exit(rc) : cn_exit_code(do_show("carenet record history", &o, 1));
}

/* ------------------------------------------------------ template, import */

static const struct args_opt template_opts[] = {
    o_type, {"example", ARGS_LONG('e'), NULL, "add one valid row that imports as is"}, END_OPTS};
static const struct args_cmd template_cmd = {
    "carenet record template", "--type TYPE [--example]",
    "Prints the CSV header of a record type (模板): one column a field, named in\n"
    "Chinese as the ledgers are. Fill it in a spreadsheet and bring it in with\n"
    "carenet record import. Needs no running node.\n",
    template_opts, NULL};

static int record_template(int argc, char **argv)
{
	const struct rec_type *t;
	struct ropts o;
	int rc = parse(argc, argv, &template_cmd, 0, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!(t = type_of("carenet record template", o.type)))
		return 2;
	return roles_record_csv_template(t, o.example, stdout) ? 1 : 0;
}

static const struct args_opt import_opts[] = {
    o_cfg, o_type, {"dry-run", ARGS_LONG('d'), NULL, "check every row, write nothing"}, o_json,
    END_OPTS};
static const struct args_cmd import_cmd = {
    "carenet record import", "--type TYPE FILE.csv [--dry-run] [-c CFG] [--json]",
    "Brings a ledger in (导入台账): a CSV in the template's layout, UTF-8 (with or\n"
    "without BOM) or GB18030 (Excel on Chinese Windows). All or nothing: one bad\n"
    "cell and nothing is written; every problem is listed as\n"
    "FILE:LINE:COLUMN: what is wrong, what is expected. A row with a 记录编号\n"
    "updates that record.\n",
    import_opts, NULL};

static int record_import(int argc, char **argv)
{
	const struct rec_type *t;
	struct ropts o;
	int rc = parse(argc, argv, &import_cmd, 1, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!(t = type_of("carenet record import", o.type)))
		return 2;
	return cn_exit_code(record_import_run("carenet record import", &o, t));
}

static const struct args_sub record_subs[] = {
    {"add", record_add, "add a record owned by this office (新增)"},
    {"update", record_update, "change fields of one of this office's records (修改)"},
    {"close", record_close, "close a record: 年满18 迁出 死亡 不再符合 other (关闭)"},
    {"list", record_list, "records of a type held here, masked unless --reveal (列表)"},
    {"show", record_show, "one record (查看)"},
    {"history", record_history, "every version of a record (历史)"},
    {"template", record_template, "the CSV header of a type, --example a valid row (模板)"},
    {"import", record_import, "a CSV ledger, all or nothing (导入)"},
    {"export", record_export, "records of a type as CSV or JSON (导出)"},
    {"review", record_review, "approve or return a record of an office below (审核)"},
    {"transfer", record_transfer, "move a child's record to another village (迁移)"},
    {"accept", record_accept, "take a record transferred to this office (接收)"},
};
static const struct args_group record_group = {
    "carenet record",
    "Field records (records.md: office, division, document, staff, training, meeting,\n"
    "child, activity, visit; and the county's cases: hotline, case, application,\n"
    "assessment, intervention, placement, support; incident, organisation, budget;\n"
    "attestation): the owner writes, the offices\n"
    "above it up to the county hold read-only replicas; none goes above the county.",
    record_subs, sizeof(record_subs) / sizeof(record_subs[0]),
    NULL};

int cmd_record(int argc, char **argv)
{
	return args_dispatch(&record_group, argc, argv);
}
