/*
 * cli_move: `carenet move` (区划调整; issue 14 item 5; docs/design.md
 * "Moves", certs/README.md "Moving a village, step by step").
 *   move [village] OLD NEW -c county.cfg   the county decides (control 160)
 *   move status [-c CFG] [--json|--csv]     the moves held, their steps (161)
 *   move apply -c NEW/node.cfg              the stopped village takes NEW (cli_move_apply.c)
 * `apply` runs without the node: it checks the data_dir's store holds the
 * county's Move of its office to this identity's id, then, in one
 * transaction, makes the store NEW's and marks the switch, which the node's
 * first turn carries out (roles/roles_move.c). Run again, it says where it is.
 */
#include "cli.h"
#include "cmd.h"
#include "aead.h"
#include "archive.h"
#include "args.h"
#include "csv.h"
#include "err.h"
#include "item.h"
#include "moved.h"
#include "node.h"
#include "outbox.h"
#include "render.h"
#include "store.h"
#include "util.h"
#include "wire.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const struct args_opt village_opts[] = {
    {"config", 'c', "CFG", "the county node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"json", ARGS_LONG('j'), NULL, "{id, old, new} of the move made (an array with --township)"},
    {"township", ARGS_LONG('t'), NULL,
     "OLD and NEW are townships (撤乡并镇): every village known\n"
     "under OLD moves under NEW, to the lowest free codes"},
    {0}};
static const struct args_cmd village_cmd = {
    "carenet move village",
    "OLD NEW [-c CFG] [--json]   (or: carenet move OLD NEW ...; OLDT NEWT: a township's code)\n"
    "--township OLDT NEWT [-c CFG] [--json]",
    "At the county: village OLD (12 digits, known here) moves to NEW, a free code\n"
    "under another township of this county (区划调整), or under its own (a code\n"
    "change: 村改居, a renumbering). The county originates a signed Move down to\n"
    "the old township, the village and the new township (for a code change,\n"
    "its one township, old and new parent); from then on NEW's statuses and\n"
    "records count where OLD's did. Then: the village makes keys for NEW\n"
    "(carenet init), the county CA issues NEW, the village enrolls it into its\n"
    "data_dir and runs carenet move apply (certs/README.md, \"Moving a\n"
    "village\"). carenet move status follows it. A village that moved may\n"
    "move again once it has switched (at most three moves); its reports and the\n"
    "children it received by transfers go with it.\n"
    "A township merge (撤乡并镇) is one such move per village: --township moves\n"
    "every village the county knows under OLDT to NEWT; each village then\n"
    "switches as above. Run again, it moves the villages still under OLDT.\n"
    "A township's own code change (撤乡设镇, a renumbering): carenet move OLDT\n"
    "NEWT with two township ids (9 digits), NEWT free. The township keeps its\n"
    "node and its CURVE key and takes NEWT (carenet init --curve-from, carenet move\n"
    "apply); every village known under it moves to the same last three digits\n"
    "under NEWT and switches when it likes, as in a code change.\n",
    village_opts, NULL};

/* One move through the node; *rep set on success. */
static int move_one(const struct config *cfg, const char *old, const char *nw,
                    Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__MoveRequest q = CARENET__MOVE_REQUEST__INIT;

	q.old_id = (char *)old;
	q.new_id = (char *)nw;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_MOVE, &q);
	return cli_call("carenet move", cfg, &req, CLI_WRITE_TIMEOUT_MS, rep);
}

/* 1 if id is in use: an office known here, or a move's NEW. */
static int in_use(const char *id, const Carenet__ControlReply *offices,
                  const Carenet__ControlReply *moves, char (*taken)[PKI_ID_MAX], size_t ntaken)
{
	for (size_t i = 0; i < offices->n_offices; i++)
		if (!strcmp(offices->offices[i]->id, id))
			return 1;
	for (size_t i = 0; i < moves->n_moves; i++)
		if (!strcmp(moves->moves[i]->new_id, id) || !strcmp(moves->moves[i]->old_id, id))
			return 1;
	for (size_t i = 0; i < ntaken; i++)
		if (!strcmp(taken[i], id))
			return 1;
	return 0;
}

static void township_row(struct json *j, const char *id, const char *old, const char *nw)
{
	if (!j) {
		printf("%s: %s moves to %s\n", id, old, nw);
		return;
	}
	json_obj_begin(j, NULL);
	json_str(j, "id", id);
	json_str(j, "old", old);
	json_str(j, "new", nw);
	json_obj_end(j);
}

/* --township OLDT NEWT: every village under OLDT to the lowest free codes under NEWT. */
static int move_township(const struct config *cfg, const char *ot, const char *nt, int as_json)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *offices = NULL, *moves = NULL, *closes = NULL, *rep = NULL;
	char taken[1000][PKI_ID_MAX];
	size_t ntaken = 0, nmoved = 0;
	unsigned next = 1;
	struct json j;
	int rc;

	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_OFFICES, NULL);
	if ((rc = cli_call("carenet move", cfg, &req, CLI_TIMEOUT_MS, &offices)) != 0)
		goto out;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_MOVE_STATUS, NULL);
	if ((rc = cli_call("carenet move", cfg, &req, CLI_TIMEOUT_MS, &moves)) != 0)
		goto out;
	/* a closed office's code stays taken (撤销: cli_close.c) */
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CLOSE_LIST, NULL);
	if ((rc = cli_call("carenet move", cfg, &req, CLI_TIMEOUT_MS, &closes)) != 0)
		goto out;
	for (size_t i = 0; i < closes->n_closes && ntaken < 1000; i++)
		snprintf(taken[ntaken++], PKI_ID_MAX, "%s", closes->closes[i]->office);
	if (as_json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
	}
	for (size_t i = 0; i < offices->n_offices && rc == 0; i++) {
		const char *old = offices->offices[i]->id;
		char nw[PKI_ID_MAX] = "";
		if (pki_role_from_id(old) != PKI_ROLE_VILLAGE || strncmp(old, ot, 9) != 0)
			continue;
		for (; next < 1000 && !nw[0]; next++) {
			snprintf(nw, sizeof(nw), "%s%03u", nt, next);
			if (in_use(nw, offices, moves, taken, ntaken))
				nw[0] = 0;
		}
		if (!nw[0]) {
			fprintf(stderr, "carenet move: no free village code left under %s\n", nt);
			rc = CN_EEXIST;
			break;
		}
		if ((rc = move_one(cfg, old, nw, &rep)) == 0) {
			if (ntaken < 1000)
				snprintf(taken[ntaken++], PKI_ID_MAX, "%s", nw);
			nmoved++;
			township_row(as_json ? &j : NULL, rep->id, old, nw);
		}
		carenet__control_reply__free_unpacked(rep, NULL);
		rep = NULL;
	}
	if (as_json) {
		json_arr_end(&j);
		json_finish(&j);
	} else if (rc == 0) {
		printf(nmoved ? "%zu villages of %s move to %s; each switches with carenet move "
		                "apply\n"
		              : "%zu villages known under %s: nothing to move to %s\n",
		       nmoved, ot, nt);
	}
out:
	carenet__control_reply__free_unpacked(offices, NULL);
	carenet__control_reply__free_unpacked(moves, NULL);
	carenet__control_reply__free_unpacked(closes, NULL);
	return rc;
}

static int same_township(const char *t)
{
	fprintf(stderr,
	        "carenet move: OLDT and NEWT are both %s: a merge needs another township (a "
	        "village's code change within its township is carenet move OLD NEW; a township's "
	        "own code change is carenet move OLDT NEWT, without --township)\n",
	        t);
	return CN_EINVAL;
}

static int move_village(int argc, char **argv)
{
	Carenet__ControlReply *rep = NULL;
	const char *cfgpath = CONFIG_DEFAULT_PATH, *old, *nw;
	struct config *cfg = NULL;
	struct args a;
	int ch, rc, as_json = 0, town = 0;
	enum pki_role want;

	args_begin(&a, &village_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else if (ch == ARGS_LONG('t'))
			town = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 2, 2)) != 0)
		return rc;
	old = argv[a.ind];
	nw = argv[a.ind + 1];
	want = town ? PKI_ROLE_TOWNSHIP : PKI_ROLE_VILLAGE;
	if (!town && pki_role_from_id(old) == PKI_ROLE_TOWNSHIP &&
	    pki_role_from_id(nw) == PKI_ROLE_TOWNSHIP)
		want = PKI_ROLE_TOWNSHIP; /* the township's own code change (撤乡设镇) */
	if (pki_role_from_id(old) != want || pki_role_from_id(nw) != want)
		return args_usage_error(&village_cmd,
		                        "OLD and NEW are %s codes (%s digits): got "
		                        "%.20s and %.20s",
		                        town ? "township" : "village", town ? "9" : "12", old, nw);
	if (town && !strcmp(old, nw))
		return cn_exit_code(same_township(old));
	if ((rc = cli_config("carenet move", cfgpath, &cfg)) != 0)
		return cn_exit_code(rc);
	if (town) {
		rc = move_township(cfg, old, nw, as_json);
		config_free(&cfg);
		return cn_exit_code(rc);
	}
	if ((rc = move_one(cfg, old, nw, &rep)) == 0) {
		if (as_json) {
			struct json j;
			json_init(&j, stdout);
			json_obj_begin(&j, NULL);
			json_str(&j, "id", rep->id);
			json_str(&j, "old", old);
			json_str(&j, "new", nw);
			json_obj_end(&j);
			json_finish(&j);
		} else {
			printf("%s: %s moves to %s (%s); follow it with carenet move status\n",
			       rep->id, old, nw, cli_tr("issued", "已发布"));
			if (want == PKI_ROLE_TOWNSHIP)
				printf("every village known under %s moves with it to the same last three "
				       "digits under %s; next: the township's node takes %s with its "
				       "CURVE key (certs/README.md, \"A township's code change\")\n",
				       old, nw, nw);
		}
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------- status */

static const struct args_opt status_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"json", ARGS_LONG('j'), NULL,
     "an array of {id, old, new, at, state, state_zh, agree,\n"
     "records_here, records_old_here, steps: [{office, step,\n"
     "records, statuses, at}]}"},
    {"csv", ARGS_LONG('v'), NULL, "one row per step (UTF-8 with BOM, for Excel)"},
    {0}};
static const struct args_cmd status_cmd = {
    "carenet move status", "[-c CFG] [--json | --csv]",
    "The moves this node holds and the steps reported to it. At the county:\n"
    "issued, \"old\" (the old township applied it: the records it held of OLD),\n"
    "\"ready\" (the new township holds it: the village may switch now; state\n"
    "ready 待切换 when both townships have it; a code change's one township\n"
    "reports old and ready together, and new),\n"
    "\"switched\" (the village took NEW: records re-keyed, directive states\n"
    "re-sent), \"new\" (the new township's records of NEW after the switch).\n"
    "complete 已完成 when the three counts agree (what the old parent held is\n"
    "what the new one holds) and the county holds them all under NEW; exit 1\n"
    "while a move is not complete. Under the table, one line per move says\n"
    "what the operators do next (the move apply command at ready, the\n"
    "revocation once complete).\n",
    status_opts, NULL};

static void status_json(const Carenet__ControlReply *rep)
{
	struct json j;

	json_init(&j, stdout);
	json_arr_begin(&j, NULL);
	for (size_t i = 0; i < rep->n_moves; i++) {
		const Carenet__MoveView *m = rep->moves[i];
		const char *zh, *st;
		int agree;
		st = render_move_state(m, &agree, &zh);
		json_obj_begin(&j, NULL);
		json_str(&j, "id", m->id);
		json_str(&j, "old", m->old_id);
		json_str(&j, "new", m->new_id);
		json_u64(&j, "at", m->at);
		json_str(&j, "state", st);
		json_str(&j, "state_zh", zh);
		json_bool(&j, "agree", agree);
		json_u64(&j, "records_here", m->records_here);
		json_u64(&j, "records_old_here", m->records_old_here);
		json_arr_begin(&j, "steps");
		for (size_t k = 0; k < m->n_steps; k++) {
			json_obj_begin(&j, NULL);
			json_str(&j, "office", m->steps[k]->office);
			json_str(&j, "step", m->steps[k]->step);
			json_u64(&j, "records", m->steps[k]->records);
			json_u64(&j, "statuses", m->steps[k]->statuses);
			json_u64(&j, "at", m->steps[k]->at);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_finish(&j);
}

static void status_rows(const Carenet__ControlReply *rep, const char *tz, int csv)
{
	static const char *const head[] = {"move",   "old",  "new",     "state",    "state_zh",
	                                   "office", "step", "records", "statuses", "at"};
	struct table t;

	table_init(&t, 8);
	if (csv) {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 10);
	} else {
		table_add(&t,
		          (const char *[]){cli_tr("old", "原编码"), cli_tr("new", "新编码"),
		                           cli_tr("state", "状态"), cli_tr("office", "单位"),
		                           cli_tr("step", "步骤"), cli_tr("records", "记录"),
		                           cli_tr("statuses", "状态回执"), cli_tr("at", "时间")});
	}
	for (size_t i = 0; i < rep->n_moves; i++) {
		const Carenet__MoveView *m = rep->moves[i];
		const char *zh, *st;
		int agree;
		st = render_move_state(m, &agree, &zh);
		for (size_t k = 0; k <= m->n_steps; k++) {
			const Carenet__MoveStepView *s = k < m->n_steps ? m->steps[k] : NULL;
			char nrec[24], nst[24], at[32];
			snprintf(nrec, sizeof(nrec), "%llu",
			         (unsigned long long)(s ? s->records : m->records_here));
			snprintf(nst, sizeof(nst), "%llu",
			         (unsigned long long)(s ? s->statuses : 0));
			cli_csv_time(s ? s->at : m->at, tz, at, sizeof(at));
			if (csv)
				csv_write_row(stdout,
				              (const char *[]){m->id, m->old_id, m->new_id, st, zh,
				                               s ? s->office : "(here)",
				                               s ? s->step : "held", nrec, nst, at},
				              10);
			else
				table_add(&t,
				          (const char *[]){m->old_id, m->new_id, cli_tr(st, zh),
				                           s ? s->office : cli_tr("here", "本级"),
				                           s ? s->step : "held", nrec, nst, at});
		}
	}
	if (!csv) {
		table_print(&t, stdout);
		printf(cli_zh() ? "(%zu 项迁移)\n" : "(%zu moves)\n", rep->n_moves);
		for (size_t i = 0; i < rep->n_moves; i++) {
			const Carenet__MoveView *m = rep->moves[i];
			const char *zh;
			char next[512];
			int agree;

			render_move_next(m, render_move_state(m, &agree, &zh), cli_zh(), next,
			                 sizeof(next));
			printf("%s → %s: %s\n", m->old_id, m->new_id, next);
		}
	}
	table_free(&t);
}

static int move_status(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	struct config *cfg = NULL;
	Carenet__ControlReply *rep = NULL;
	struct args a;
	int ch, fmt = 0, rc;

	args_begin(&a, &status_cmd, argc, argv);
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
	if ((rc = cli_request("carenet move status", cfgpath,
	                      CARENET__CONTROL_REQUEST__REQUEST_MOVE_STATUS, &cfg, &rep)) == 0) {
		if (fmt == 'j')
			status_json(rep);
		else
			status_rows(rep, cfg->timezone, fmt == 'v');
		for (size_t i = 0; i < rep->n_moves && rc == 0; i++) {
			int agree;
			const char *zh;
			if (strcmp(render_move_state(rep->moves[i], &agree, &zh), "complete") != 0)
				rc = CN_EINVAL; /* exit 1: not complete */
		}
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc == CN_EINVAL ? 1 : cn_exit_code(rc);
}

static const struct args_sub move_subs[] = {
    {"village", move_village, "county: village OLD moves to NEW (or its code changes)"},
    {"status", move_status, "the moves held here and their steps (complete: exit 0)"},
    {"apply", cmd_move_apply, "the stopped village takes its new id (then start it)"},
    {"close", cmd_move_close, "county: an office is closed for good (撤销)"},
    {"closed", cmd_move_closed, "the offices closed that this node holds"},
};
static const struct args_group move_group = {
    "carenet move",
    "A village moves to another township of its county, or its code changes, or an\n"
    "office is closed (区划调整, 撤销).",
    move_subs,
    sizeof(move_subs) / sizeof(move_subs[0]),
    "carenet move OLD NEW is carenet move village OLD NEW; carenet move --township\n"
    "OLDT NEWT is carenet move village --township OLDT NEWT.\n"};

int cmd_move(int argc, char **argv)
{
	if (argc > 1 && (isdigit((unsigned char)argv[1][0]) || !strcmp(argv[1], "--township")))
		return move_village(argc, argv);
	return args_dispatch(&move_group, argc, argv);
}
