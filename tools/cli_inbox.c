/*
 * cli_inbox: the receiver's side of directives on its own node — `inbox`
 * (what is addressed to this office) and `ack` (its state, with evidence).
 * Evidence files are hashed here and stay here: only each file's name,
 * size and SHA-256 travel up to the issuer.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "args.h"
#include "cmd.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "roles.h"
#include "utf8.h"
#include "util.h"


/* ------------------------------------------------------------- inbox */

/* inbox: this office's own state as a target. */
static void json_inbox(struct json *j, const Carenet__DirectiveView *v)
{
	json_obj_begin(j, NULL);
	cli_json_directive(j, v);
	json_str(j, "state", roles_state_name(v->my_state));
	json_bool(j, "overdue", v->overdue);
	json_u64(j, "changed_at", v->my_changed_at);
	json_u64(j, "reminders", v->reminders);
	json_obj_end(j);
}

/* inbox --csv: one row per directive. */
static void inbox_csv(Carenet__DirectiveView *const *v, size_t n, const char *tz)
{
	static const char *const head[] = {"id",         "kind",     "kind_zh",  "issuer",
	                                   "created",    "due",      "state",    "state_zh",
	                                   "overdue",    "reminders", "changed_at", "title"};
	char created[32], due[32], changed[32], rem[24];

	csv_write_bom(stdout);
	csv_write_row(stdout, head, sizeof(head) / sizeof(head[0]));
	for (size_t i = 0; i < n; i++) {
		cli_csv_time(v[i]->created, tz, created, sizeof(created));
		cli_csv_time(v[i]->due, tz, due, sizeof(due));
		cli_csv_time(v[i]->my_changed_at, tz, changed, sizeof(changed));
		snprintf(rem, sizeof(rem), "%u", v[i]->reminders);
		const char *cells[] = {v[i]->id,
		                       roles_kind_name(v[i]->kind),
		                       roles_kind_zh(v[i]->kind),
		                       v[i]->issuer,
		                       created,
		                       due,
		                       roles_state_name(v[i]->my_state),
		                       roles_state_zh(v[i]->my_state),
		                       v[i]->overdue ? "yes" : "no",
		                       rem,
		                       changed,
		                       v[i]->title};
		csv_write_row(stdout, cells, sizeof(cells) / sizeof(cells[0]));
	}
}

void cli_inbox_print(Carenet__DirectiveView *const *v, size_t n, const char *tz)
{
	char due[32], kind[64], rem[16];
	struct table t;

	if (n == 0) {
		printf("%s\n", cli_tr("inbox empty: no directive addressed to this office",
		                      "(收件箱为空：没有下发给本单位的任务)"));
		return;
	}
	table_init(&t, 7);
	table_add(&t, (const char *[]){cli_tr("ID", "编号"), cli_tr("KIND", "类型"),
	                               cli_tr("ISSUER", "下发单位"), cli_tr("DUE", "截止"),
	                               cli_tr("STATE", "状态"), cli_tr("REM.", "催办"),
	                               cli_tr("TITLE", "标题")});
	for (size_t i = 0; i < n; i++) {
		char st[96];
		util_fmt_time(v[i]->due, tz, due, sizeof(due));
		cli_kind_text(v[i]->kind, kind, sizeof(kind));
		snprintf(rem, sizeof(rem), "%u", v[i]->reminders);
		snprintf(st, sizeof(st), "%s%s%s", cli_state(v[i]->my_state),
		         v[i]->overdue ? " " : "",
		         v[i]->overdue ? cli_tr("OVERDUE", "已逾期") : "");
		table_add(
		    &t, (const char *[]){v[i]->id, kind, v[i]->issuer, due, st, rem, v[i]->title});
	}
	table_print(&t, stdout);
	if (cli_zh())
		printf("(时间: %s; 回复: carenet ack 编号 --state 已受理|办理中|已完成|无法完成)\n",
		       tz);
	else
		printf(
		    "(times in %s; acknowledge with: carenet ack ID --state accepted|in-progress|"
		    "done|unable)\n",
		    tz);
}

/* inbox show ID: the directive as received (body, ref, indicators,
 * reminders) and every state this office reported, with its evidence. */
static int inbox_show(const char *cfgpath, const char *id, int as_json)
{
	const char *p = "carenet inbox show";
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ShowRequest q = CARENET__SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	const Carenet__DirectiveView *v;
	struct json j;
	int rc;

	if ((rc = cli_config(p, cfgpath, &cfg)) != 0)
		return rc;
	q.id = (char *)id;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_SHOW, &q);
	if ((rc = cli_call(p, cfg, &req, CLI_TIMEOUT_MS, &rep)) != 0)
		goto out;
	if (rep->n_directives != 1 || !rep->directives[0]->my_state) {
		fprintf(stderr, "%s: %s is not in this office's inbox (carenet inbox lists them)\n", p,
		        id);
		rc = CN_ENOTFOUND;
		goto out;
	}
	v = rep->directives[0];
	if (as_json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		cli_json_directive(&j, v);
		json_str(&j, "state", roles_state_name(v->my_state));
		json_bool(&j, "overdue", v->overdue);
		json_u64(&j, "changed_at", v->my_changed_at);
		json_str(&j, "note", v->my_note);
		cli_json_evidence(&j, v->my_evidence, v->n_my_evidence);
		cli_json_history(&j, "history", v->my_history, v->n_my_history);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		cli_directive_print(v, cfg->timezone);
	}
out:
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

static int inbox_run(const char *cfgpath, int as_json, int as_csv)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct json j;
	int rc;

	if ((rc = cli_config("carenet inbox", cfgpath, &cfg)) != 0)
		return rc;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_INBOX, NULL);
	if ((rc = cli_call("carenet inbox", cfg, &req, CLI_TIMEOUT_MS, &rep)) == 0 && as_json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
		for (size_t i = 0; i < rep->n_directives; i++)
			json_inbox(&j, rep->directives[i]);
		json_arr_end(&j);
		json_finish(&j);
	} else if (rc == 0 && as_csv) {
		inbox_csv(rep->directives, rep->n_directives, cfg->timezone);
	} else if (rc == 0) {
		cli_inbox_print(rep->directives, rep->n_directives, cfg->timezone);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

static const struct args_opt inbox_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"json", ARGS_LONG('j'), NULL,
     "an array of objects: id, kind, kind_zh, title, body,\n"
     "issuer, due, state, overdue, reminders, changed_at, ..."},
    {"csv", ARGS_LONG('v'), NULL,
     "the list as CSV (UTF-8 with BOM, for Excel): id, kind,\n"
     "kind_zh, issuer, created, due, state, state_zh, overdue, ..."},
    {0}};
static const struct args_cmd inbox_cmd = {
    "carenet inbox", "[-c CFG] [--json | --csv]\nshow ID [-c CFG] [--json]",
    "Lists the directives addressed to this office, newest first: kind, issuer,\n"
    "due time, this office's own state, whether it is overdue and how many\n"
    "reminders arrived. Acknowledge one with carenet ack.\n"
    "'inbox show ID' prints one directive as received — title, body, reference,\n"
    "indicators, reminders — and every state and note this office reported\n"
    "with its evidence. (Directives carry no attachments: long material travels\n"
    "as evidence: each file goes up to the county as a document, carenet doc.)\n",
    inbox_opts, NULL};

int cmd_inbox(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	struct args a;
	int ch, as_json = 0, as_csv = 0;

	args_begin(&a, &inbox_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else if (ch == ARGS_LONG('v'))
			as_csv = 1;
		else
			return a.exit;
	}
	if (a.ind < argc && strcmp(argv[a.ind], "show") == 0) {
		if (argc - a.ind != 2)
			return args_usage_error(&inbox_cmd, "inbox show needs one directive ID");
		if (as_csv)
			return args_usage_error(&inbox_cmd, "--csv is for the list; inbox show has --json");
		return cn_exit_code(inbox_show(cfgpath, argv[a.ind + 1], as_json));
	}
	if (a.ind < argc)
		return args_usage_error(&inbox_cmd, "unexpected operand '%s' (inbox, or inbox show ID)",
		                        argv[a.ind]);
	if (as_json && as_csv)
		return args_usage_error(&inbox_cmd, "give one of --json and --csv");
	return cn_exit_code(inbox_run(cfgpath, as_json, as_csv));
}

/* --------------------------------------------------------------- ack */

/* Name (base name), size and SHA-256 of one file, read in chunks. */
int cli_evidence(const char *path, Carenet__Evidence *e, uint8_t hash[32])
{
	EVP_MD_CTX *md = NULL;
	uint8_t buf[65536];
	const char *base = strrchr(path, '/');
	struct stat st;
	unsigned hl = 0;
	ssize_t n;
	int fd, rc = CN_EIO;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return CN_ENOTFOUND;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = CN_EINVAL;
		goto out;
	}
	if (!(md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		rc = CN_ECRYPTO;
		goto out;
	}
	e->size = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0)
			goto out;
		if (EVP_DigestUpdate(md, buf, (size_t)n) != 1) {
			rc = CN_ECRYPTO;
			goto out;
		}
		e->size += (uint64_t)n;
	}
	if (EVP_DigestFinal_ex(md, hash, &hl) != 1 || hl != 32) {
		rc = CN_ECRYPTO;
		goto out;
	}
	e->name = (char *)(base && base[1] ? base + 1 : path);
	e->sha256.data = hash;
	e->sha256.len = 32;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	close(fd);
	return rc;
}

struct ack_args {
	const char *cfgpath, *id, *state, *note;
	char **files;
	size_t nfiles;
	int json, reopen;
};

#define STR_(x) #x
#define STR(x) STR_(x)
static const struct args_opt ack_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"state", ARGS_LONG('s'), "STATE",
     "accepted 已受理, in-progress 办理中, done 已完成,\n"
     "or unable 无法完成 (needs --note)"},
    {"reopen", ARGS_LONG('o'), NULL, "go back from done or unable (say why in --note)"},
    {"note", ARGS_LONG('n'), "TEXT",
     "at most " STR(ROLES_MAX_NOTE) " bytes: what was done, or why it cannot be"},
    {"evidence", ARGS_LONG('e'), "F",
     "a file that shows it (repeatable, at most " STR(ROLES_MAX_EVIDENCE) ")"},
    {"json", ARGS_LONG('j'), NULL, "print {\"id\", \"state\", \"evidence\": [...]}"},
    {0}};
static const struct args_cmd ack_cmd = {
    "carenet ack",
    "ID [-c CFG] --state STATE [--note TEXT] [--evidence FILE]... [--reopen] [--json]",
    "Reports this office's state for a directive in its inbox; the status travels\n"
    "up to the issuer. Evidence files stay here: only each file's name, size and\n"
    "SHA-256 are sent, so the file can be checked later against the record.\n"
    "Every state and note is kept, in order, here and at the issuer (carenet\n"
    "inbox show ID, carenet directive show ID); none is overwritten.\n",
    ack_opts, NULL};

/* 0, 1 after --help, CN_EUSAGE (printed). */
static int ack_parse(int argc, char **argv, struct ack_args *a)
{
	struct args g;
	int ch;

	args_begin(&g, &ack_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		switch (ch) {
		case 'c':
			a->cfgpath = g.val;
			break;
		case ARGS_LONG('s'):
			a->state = g.val;
			break;
		case ARGS_LONG('n'):
			a->note = g.val;
			break;
		case ARGS_LONG('e'):
			a->files[a->nfiles++] = (char *)g.val;
			break;
		case ARGS_LONG('j'):
			a->json = 1;
			break;
		case ARGS_LONG('o'):
			a->reopen = 1;
			break;
		default:
			return g.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (g.ind < argc)
		a->id = argv[g.ind++];
	if (g.ind != argc || !a->id || !a->state) {
		args_usage_error(&ack_cmd, "give one directive ID and --state");
		return CN_EUSAGE;
	}
	return 0;
}

/* Every evidence file travels up as a document (roles/docs, cli_doc.c),
 * attached to the directive, before the ack that names it. */
static int ack_attach(const struct ack_args *a, const struct config *cfg)
{
	Carenet__ControlReply *rep = NULL;
	int rc = 0;

	for (size_t i = 0; i < a->nfiles && rc == 0; i++) {
		rc = cli_doc_attach("carenet ack", cfg, a->files[i], a->id, &rep);
		carenet__control_reply__free_unpacked(rep, NULL);
		rep = NULL;
	}
	return rc;
}

/* Hashes every --evidence file into ev/evp (hashes in hashes[i]). */
static int ack_evidence(const struct ack_args *a, Carenet__Evidence *ev, Carenet__Evidence **evp,
                        uint8_t (*hashes)[32])
{
	int rc;

	if (a->nfiles > ROLES_MAX_EVIDENCE) {
		fprintf(stderr,
		        "carenet ack: %zu evidence files, at most %d: put them in one "
		        "archive\n",
		        a->nfiles, ROLES_MAX_EVIDENCE);
		return CN_ETOOBIG;
	}
	for (size_t i = 0; i < a->nfiles; i++) {
		carenet__evidence__init(&ev[i]);
		evp[i] = &ev[i];
		if ((rc = cli_evidence(a->files[i], &ev[i], hashes[i])) != 0) {
			fprintf(stderr, "carenet ack: evidence %s: %s\n", a->files[i],
			        rc == CN_ENOTFOUND ? "no such file"
			        : rc == CN_EINVAL  ? "not a regular file"
			                           : cn_strerror(rc));
			return rc == CN_ENOTFOUND ? CN_EINVAL : rc;
		}
	}
	return 0;
}

static void ack_print(const struct ack_args *a, const Carenet__AckRequest *ar)
{
	struct json j;

	if (!a->json) {
		printf("%s: %s", ar->directive, roles_state_name(ar->state));
		if (ar->n_evidence)
			printf(" (%zu evidence file%s)", ar->n_evidence,
			       ar->n_evidence > 1 ? "s" : "");
		printf("\n");
		return;
	}
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "id", ar->directive);
	json_str(&j, "state", roles_state_name(ar->state));
	json_str(&j, "note", ar->note);
	cli_json_evidence(&j, ar->evidence, ar->n_evidence);
	json_obj_end(&j);
	json_finish(&j);
}

static int ack_send(const struct ack_args *a)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__AckRequest ar = CARENET__ACK_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	Carenet__Evidence ev[ROLES_MAX_EVIDENCE], *evp[ROLES_MAX_EVIDENCE];
	uint8_t hashes[ROLES_MAX_EVIDENCE][32];
	struct config *cfg = NULL;
	int rc;

	if (!(ar.state = roles_state_parse(a->state)) || ar.state == STATE_DELIVERED) {
		fprintf(stderr,
		        "carenet ack: --state %s: use accepted 已受理, in-progress 办理中, "
		        "done 已完成 or unable 无法完成\n",
		        a->state);
		return CN_EUSAGE;
	}
	ar.reopen = a->reopen;
	if (a->note && !utf8_valid(a->note, strlen(a->note))) {
		fprintf(stderr, "carenet ack: the note is not UTF-8 text\n");
		return CN_EINVAL;
	}
	if ((rc = ack_evidence(a, ev, evp, hashes)) != 0 ||
	    (rc = cli_config("carenet ack", a->cfgpath, &cfg)) != 0)
		return rc;
	if ((rc = ack_attach(a, cfg)) != 0) {
		config_free(&cfg);
		return rc;
	}
	ar.directive = (char *)a->id;
	ar.note = (char *)(a->note ? a->note : "");
	ar.evidence = evp;
	ar.n_evidence = a->nfiles;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_ACK, &ar);
	if ((rc = cli_call("carenet ack", cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) == 0)
		ack_print(a, &ar);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

int cmd_ack(int argc, char **argv)
{
	struct ack_args a = {.cfgpath = CONFIG_DEFAULT_PATH};
	int rc;

	if (!(a.files = calloc((size_t)argc + 1, sizeof(char *))))
		return cn_exit_code(CN_ENOMEM);
	if ((rc = ack_parse(argc, argv, &a)) == 0)
		rc = ack_send(&a);
	free(a.files);
	return rc == 1 ? 0 : cn_exit_code(rc);
}
