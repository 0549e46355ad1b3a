/*
 * cli_close: `carenet move close` and `carenet move closed` (撤销; issue 14
 * item 5; docs/design.md "Moves", "Closing an office"; roles/roles_close.h).
 *   move close OFFICE [--into OTHER [--reissue]] [--reason TEXT] -c county.cfg (162)
 *   move closed [-c CFG] [--json|--csv]                               (163)
 */
#include "cli.h"
#include "cmd.h"
#include "args.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct args_opt close_opts[] = {
    {"config", 'c', "CFG", "the county node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"into", ARGS_LONG('i'), "OTHER", "the office that took over its work (shown with the close)"},
    {"reason", ARGS_LONG('r'), "TEXT", "why, in the operator's words (at most 512 bytes)"},
    {"reissue", ARGS_LONG('R'), NULL,
     "with --into: issue again to OTHER each open directive this\n"
     "county sent OFFICE and not OTHER (a renumbering done as a merge)"},
    {"json", ARGS_LONG('j'), NULL,
     "{id, office, into, reason, at, rows_retired,\n"
     "reissued: [{id, from}]}"},
    {0}};
static const struct args_cmd close_cmd = {
    "carenet move close", "OFFICE [--into OTHER [--reissue]] [--reason TEXT] [-c CFG] [--json]",
    "At the county: township or village OFFICE is closed (撤销), for good: a\n"
    "township merged into another (撤乡并镇) once its villages moved away, a\n"
    "village whose children went elsewhere. Refused while an office is known\n"
    "below it (carenet move --township OFFICE NEWT first), while a village\n"
    "that moved out of it has not switched (carenet move status), and while it\n"
    "owns an open record (carenet record transfer --all-of OFFICE --to OTHER).\n"
    "In one transaction: every open row of OFFICE in the directives held here\n"
    "ends as retired 已撤销 (never again pending, overdue or late, and not\n"
    "counted as a target in lists, bulletins and tallies); OFFICE is no longer\n"
    "listed (carenet offices) nor addressed (530102:township leaves it out;\n"
    "naming it is refused); for a village, the county's signed Close goes to\n"
    "its township, which ends its own rows the same way. With --reissue, each\n"
    "open directive this county issued to OFFICE and not to OTHER is issued\n"
    "again to OTHER, in the same transaction (same kind, title, indicators;\n"
    "its body says where it came from; past due, the same time again from now).\n"
    "Then revoke its certificate (carenet ca revoke, carenet crl publish).\n",
    close_opts, NULL};

static void close_print(const Carenet__CloseView *v, const char *tz, int as_json)
{
	char at[32];

	if (as_json) {
		struct json j;
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "id", v->id);
		json_str(&j, "office", v->office);
		json_str(&j, "into", v->into);
		json_str(&j, "reason", v->reason);
		json_u64(&j, "at", v->at);
		json_u64(&j, "rows_retired", v->rows_retired);
		json_arr_begin(&j, "reissued");
		for (size_t i = 0; i < v->n_reissued && i < v->n_reissued_from; i++) {
			json_obj_begin(&j, NULL);
			json_str(&j, "id", v->reissued[i]);
			json_str(&j, "from", v->reissued_from[i]);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
		return;
	}
	util_fmt_time(v->at, tz, at, sizeof(at));
	printf(cli_zh() ? "%s：%s 已撤销（%s）%s%s；%llu 项未完成的任务状态随之终止（已撤销）\n"
	                : "%s: %s closed (%s)%s%s; %llu open directive row(s) ended as retired\n",
	       v->id, v->office, at, v->into[0] ? (cli_zh() ? "，工作并入 " : ", its work to ") : "",
	       v->into, (unsigned long long)v->rows_retired);
	for (size_t i = 0; i < v->n_reissued && i < v->n_reissued_from; i++)
		printf(cli_zh() ? "  已重新下发给 %s：%s（原 %s）\n" : "  issued again to %s: %s (was %s)\n",
		       v->into, v->reissued[i], v->reissued_from[i]);
	printf(cli_zh() ? "下一步：吊销其证书（carenet ca revoke；carenet crl publish）\n"
	                : "next: revoke its certificate (carenet ca revoke; carenet crl publish)\n");
}

int cmd_move_close(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__CloseRequest q = CARENET__CLOSE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct args a;
	int ch, as_json = 0, rc;

	args_begin(&a, &close_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('i'))
			q.into = (char *)a.val;
		else if (ch == ARGS_LONG('r'))
			q.reason = (char *)a.val;
		else if (ch == ARGS_LONG('R'))
			q.reissue = 1;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 1, 1)) != 0)
		return rc;
	q.office = argv[a.ind];
	if (pki_role_from_id(q.office) != PKI_ROLE_TOWNSHIP &&
	    pki_role_from_id(q.office) != PKI_ROLE_VILLAGE)
		return args_usage_error(&close_cmd,
		                        "OFFICE is a township (9 digits) or a village (12): got %.20s",
		                        q.office);
	if (q.reissue && (!q.into || !q.into[0]))
		return args_usage_error(&close_cmd,
		                        "--reissue needs --into OTHER: the office to issue them to");
	if ((rc = cli_config("carenet move close", cfgpath, &cfg)) != 0)
		return cn_exit_code(rc);
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CLOSE, &q);
	if ((rc = cli_call("carenet move close", cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) == 0 &&
	    rep->n_closes == 1)
		close_print(rep->closes[0], cfg->timezone, as_json);
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------- closed */

static const struct args_opt closed_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"json", ARGS_LONG('j'), NULL,
     "an array of {id, office, name, into, reason, at,\n"
     "rows_retired}"},
    {"csv", ARGS_LONG('v'), NULL, "the same as CSV (UTF-8 with BOM, for Excel)"},
    {0}};
static const struct args_cmd closed_cmd = {
    "carenet move closed", "[-c CFG] [--json | --csv]",
    "The offices closed (撤销) that this node holds: at the county every one,\n"
    "at a township its villages. rows_retired: the open directive rows the\n"
    "close ended here.\n",
    closed_opts, NULL};

static void closed_json(const Carenet__ControlReply *rep)
{
	struct json j;

	json_init(&j, stdout);
	json_arr_begin(&j, NULL);
	for (size_t i = 0; i < rep->n_closes; i++) {
		const Carenet__CloseView *v = rep->closes[i];
		json_obj_begin(&j, NULL);
		json_str(&j, "id", v->id);
		json_str(&j, "office", v->office);
		json_str(&j, "name", v->name);
		json_str(&j, "into", v->into);
		json_str(&j, "reason", v->reason);
		json_u64(&j, "at", v->at);
		json_u64(&j, "rows_retired", v->rows_retired);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_finish(&j);
}

static void closed_rows(const Carenet__ControlReply *rep, const char *tz, int csv)
{
	static const char *const head[] = {"id",     "office", "name",        "into",
	                                   "reason", "at",     "rows_retired"};
	struct table t;

	table_init(&t, 6);
	if (csv) {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 7);
	} else {
		table_add(&t, (const char *[]){cli_tr("office", "单位"), cli_tr("name", "名称"),
		                               cli_tr("into", "并入"), cli_tr("closed at", "撤销时间"),
		                               cli_tr("rows ended", "终止状态"),
		                               cli_tr("reason", "原因")});
	}
	for (size_t i = 0; i < rep->n_closes; i++) {
		const Carenet__CloseView *v = rep->closes[i];
		char at[32], n[24];
		cli_csv_time(v->at, tz, at, sizeof(at));
		snprintf(n, sizeof(n), "%llu", (unsigned long long)v->rows_retired);
		if (csv)
			csv_write_row(stdout,
			              (const char *[]){v->id, v->office, v->name, v->into, v->reason, at, n},
			              7);
		else
			table_add(&t, (const char *[]){v->office, v->name, v->into[0] ? v->into : "-", at,
			                               n, v->reason[0] ? v->reason : "-"});
	}
	if (!csv) {
		table_print(&t, stdout);
		printf(cli_zh() ? "（%zu 个单位已撤销）\n" : "(%zu offices closed)\n", rep->n_closes);
	}
	table_free(&t);
}

int cmd_move_closed(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	struct config *cfg = NULL;
	Carenet__ControlReply *rep = NULL;
	struct args a;
	int ch, fmt = 0, rc;

	args_begin(&a, &closed_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('j') || ch == ARGS_LONG('v'))
			fmt = ch & 0xff;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if ((rc = cli_request("carenet move closed", cfgpath,
	                      CARENET__CONTROL_REQUEST__REQUEST_CLOSE_LIST, &cfg, &rep)) == 0) {
		if (fmt == 'j')
			closed_json(rep);
		else
			closed_rows(rep, cfg->timezone, fmt == 'v');
	}
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}
