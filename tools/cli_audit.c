/*
 * cli_audit: the operator's commands about the node itself rather than a
 * directive — `audit` (the hash-chained log, --verify, against the parent's
 * checkpoints, offline on a copied store too), `audit checkpoints` (the
 * children's checkpoints a parent keeps) and `clock` (the node's clock, and
 * the test clock's --advance). Each sends one control request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"
#include "args.h"
#include "audit.h"
#include "arr.h"
#include "cmd.h"
#include "err.h"
#include "json.h"
#include "util.h"



/* The node's clock (UTC seconds, test offset included). */
static int node_clock(const char *prog, const struct config *cfg, int64_t advance,
                      Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ClockRequest q = CARENET__CLOCK_REQUEST__INIT;

	q.advance = advance;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CLOCK, &q);
	return cli_call(prog, cfg, &req, advance ? CLI_WRITE_TIMEOUT_MS : CLI_TIMEOUT_MS, rep);
}

/* ------------------------------------------------------------- audit */

static const struct args_opt audit_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"since", ARGS_LONG('s'), "TIME",
     "entries from \"YYYY-MM-DD[ HH:MM]\" (the node's timezone),\n"
     "or -DURATION before the node's clock (-2h, -7d)"},
    {"verify", ARGS_LONG('v'), NULL, "check the hash chain: \"audit log verified: N entries\""},
    {"checkpoints", ARGS_LONG('k'), "FILE",
     "with --verify: also check the log against the parent's\n"
     "checkpoints of this office (the parent's `carenet audit\n"
     "checkpoints --csv` or --json); reads the store directly"},
    {"data-dir", ARGS_LONG('d'), "DIR",
     "with --verify: the store in DIR (a copy; no node needed)"},
    {"json", ARGS_LONG('j'), NULL,
     "an array of {seq, time, actor, action, subject, detail,\n"
     "hash}; with --verify {verified, entries, detail}"},
    {"csv", ARGS_LONG('x'), NULL,
     "the list as CSV (UTF-8 with BOM, for Excel): seq, time\n"
     "(local), actor, action, subject, detail, hash"},
    {0}};
static const struct args_cmd audit_cmd = {
    "carenet audit",
    "[-c CFG] [--since TIME] [--json | --csv]\n[-c CFG] --verify [--checkpoints FILE] [--json]\n"
    "--verify --data-dir DIR [--checkpoints FILE] [--json]\n"
    "[-c CFG] checkpoints [--office ID] [--json|--csv]",
    "Lists this node's audit log, oldest first: who issued, relayed, delivered,\n"
    "acknowledged, reminded, marked overdue or rectified what, and when (and who\n"
    "asked: operator, uid, pid). Each entry holds the hash of the one before it;\n"
    "--verify checks the whole chain and names the first entry that was changed,\n"
    "removed or added. The chain alone cannot show a log cut short or an entry\n"
    "changed with every hash after it recomputed: each node sends its parent\n"
    "signed checkpoints, and --checkpoints FILE (the parent's export) names the\n"
    "entries such a log lost or where it differs. `checkpoints` lists what this\n"
    "node keeps of its children's checkpoints, and the alerts they raised.\n",
    audit_opts,
    "--verify exits 4 when the log does not verify (the finding is printed).\n"};

static int audit_since(const char *prog, const struct config *cfg, const char *s, uint64_t *out)
{
	Carenet__ControlReply *rep = NULL;
	uint64_t d;
	int rc;

	if (s[0] != '-') {
		if (util_parse_time(s, cfg->timezone, out) == 0)
			return 0;
		fprintf(stderr,
		        "%s: --since %s: give \"YYYY-MM-DD[ HH:MM]\" (%s) or -DURATION "
		        "(-2h)\n",
		        prog, s, cfg->timezone);
		return CN_EUSAGE;
	}
	if (util_parse_duration(s + 1, &d) != 0) {
		fprintf(stderr, "%s: --since %s: a duration is a number with s, m, h or d (-2h)\n",
		        prog, s);
		return CN_EUSAGE;
	}
	if ((rc = node_clock(prog, cfg, 0, &rep)) == 0)
		*out = rep->now > d ? rep->now - d : 0;
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static void audit_print(const Carenet__ControlReply *rep, const char *tz, int as_json)
{
	static const char *const head[] = {"seq",     "time",   "actor", "action",
	                                   "subject", "detail", "hash"};
	struct json j;
	char t[32], seq[24];
	struct table tb;

	if (as_json == 'x') {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 7);
		for (size_t i = 0; i < rep->n_audit; i++) {
			const Carenet__AuditView *a = rep->audit[i];
			snprintf(seq, sizeof(seq), "%llu", (unsigned long long)a->seq);
			cli_csv_time(a->time, tz, t, sizeof(t));
			const char *cells[] = {seq, t, a->actor, a->action, a->subject, a->detail, a->hash};
			csv_write_row(stdout, cells, 7);
		}
		return;
	}

	if (as_json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
		for (size_t i = 0; i < rep->n_audit; i++) {
			const Carenet__AuditView *a = rep->audit[i];
			json_obj_begin(&j, NULL);
			json_u64(&j, "seq", a->seq);
			json_u64(&j, "time", a->time);
			json_str(&j, "actor", a->actor);
			json_str(&j, "action", a->action);
			json_str(&j, "subject", a->subject);
			json_str(&j, "detail", a->detail);
			json_str(&j, "hash", a->hash);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_finish(&j);
		return;
	}
	if (rep->n_audit == 0) {
		printf("%s\n", cli_tr("no audit entries", "(无审计记录)"));
		return;
	}
	table_init(&tb, 6);
	table_add(&tb, (const char *[]){cli_tr("SEQ", "序号"), cli_tr("TIME", "时间"),
	                                cli_tr("ACTOR", "操作者"), cli_tr("ACTION", "操作"),
	                                cli_tr("SUBJECT", "对象"), cli_tr("DETAIL", "详情")});
	for (size_t i = 0; i < rep->n_audit; i++) {
		const Carenet__AuditView *a = rep->audit[i];
		util_fmt_time(a->time, tz, t, sizeof(t));
		snprintf(seq, sizeof(seq), "%llu", (unsigned long long)a->seq);
		table_add(&tb,
		          (const char *[]){seq, t, a->actor, a->action, a->subject, a->detail});
	}
	table_print(&tb, stdout);
	printf(cli_zh() ? "(时间: %s)\n" : "(times in %s)\n", tz);
}

/* The node answers audit.verify with verified = false and its finding in
 * detail; that is this command's refusal (exit 4). */
static int verify_print(const Carenet__ControlReply *rep, int as_json)
{
	struct json j;

	if (as_json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_bool(&j, "verified", rep->verified);
		json_u64(&j, "entries", rep->count);
		json_str(&j, "detail", rep->detail);
		json_obj_end(&j);
		json_finish(&j);
	}
	if (!rep->verified) {
		fprintf(stderr, "carenet audit: the audit log does NOT verify: %s\n",
		        rep->detail[0] ? rep->detail : "(the node gave no detail)");
		return CN_EVERIFY;
	}
	if (!as_json)
		printf("audit log verified: %llu entries\n", (unsigned long long)rep->count);
	return 0;
}

/* ------------------------------------------- verify against checkpoints */

struct marks {
	struct audit_mark *m;
	size_t n, cap;
	uint64_t last; /* the highest seq */
};

static int hex_bytes(const char *s, size_t n, uint8_t *out, size_t outlen)
{
	if (n != 2 * outlen)
		return CN_EINVAL;
	for (size_t i = 0; i < outlen; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return CN_EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int marks_add(struct marks *mk, const char *office, const char *me, uint64_t seq,
                     const char *hex, size_t hexlen)
{
	struct audit_mark m = {seq, {0}};

	if (strcmp(office, me) != 0)
		return 0; /* another child's */
	if (seq == 0 || hex_bytes(hex, hexlen, m.hash, AUDIT_HASH_LEN) != 0)
		return CN_EINVAL;
	if (ARR_GROW(mk->m, mk->n + 1, mk->cap) != 0)
		return CN_ENOMEM;
	mk->m[mk->n++] = m;
	if (seq > mk->last)
		mk->last = seq;
	return 0;
}

/* The value of "key": in one JSON object of our own writer's output
 * (strings without escapes; numbers). */
static const char *json_field(const char *obj, const char *end, const char *key, size_t *len)
{
	char pat[32];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (!(p = strstr(obj, pat)) || p >= end)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p == '"') {
		q = strchr(++p, '"');
	} else {
		q = p + strspn(p, "0123456789");
	}
	if (!q || q > end)
		return NULL;
	*len = (size_t)(q - p);
	return p;
}

/* The parent's export: `audit checkpoints --json` (an array of objects) or
 * `--csv` (office,seq,head,...); the rows of office `me`. */
static int marks_parse(const char *text, const char *me, struct marks *mk)
{
	const char *p = text;
	char office[64];
	size_t l1, l2, l3;
	int rc = 0;

	if (!strncmp(p, "\xef\xbb\xbf", 3)) /* --csv's BOM */
		p += 3;
	p += strspn(p, " \t\r\n");
	if (*p == '[') {
		for (const char *o = strchr(p, '{'); o && rc == 0; o = strchr(o + 1, '{')) {
			const char *end = strchr(o, '}'), *f, *s, *h;
			if (!end || !(f = json_field(o, end, "office", &l1)) ||
			    !(s = json_field(o, end, "seq", &l2)) ||
			    !(h = json_field(o, end, "head", &l3)) || l1 >= sizeof(office))
				return CN_EINVAL;
			snprintf(office, sizeof(office), "%.*s", (int)l1, f);
			rc = marks_add(mk, office, me, strtoull(s, NULL, 10), h, l3);
		}
		return rc;
	}
	for (const char *line = p; *line && rc == 0; line = strchr(line, '\n') + 1) {
		unsigned long long seq;
		char hex[2 * AUDIT_HASH_LEN + 2];
		if (sscanf(line, "%63[^,],%llu,%65[0-9a-f]", office, &seq, hex) == 3)
			rc = marks_add(mk, office, me, seq, hex, strlen(hex));
		else if (strncmp(line, "office,", 7) != 0 && line[0] != '\n' && line[0])
			return CN_EINVAL;
		if (!strchr(line, '\n'))
			break;
	}
	return rc;
}

struct verify_local {
	struct store *st;
	const struct marks *mk;
	uint64_t checked;
	enum audit_finding finding;
	char why[1024];
	int rc;
};

static int verify_local_txn(MDB_txn *txn, void *arg)
{
	struct verify_local *v = arg;
	v->rc = audit_verify_marks(v->st, txn, v->mk->m, v->mk->n, &v->checked, &v->finding, v->why,
	                           sizeof(v->why));
	return v->rc == CN_EVERIFY ? 0 : v->rc;
}

static const char *finding_name(enum audit_finding f)
{
	static const char *const names[] = {"none", "broken", "rewritten", "truncated"};
	return names[f];
}

static void verify_local_print(const struct verify_local *v, const char *me, int as_json)
{
	struct json j;

	if (as_json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "office", me);
		json_bool(&j, "verified", v->rc == 0);
		json_u64(&j, "entries", v->checked);
		json_u64(&j, "checkpoints", v->mk->n);
		json_u64(&j, "last_checkpoint", v->mk->last);
		json_str(&j, "finding", finding_name(v->finding));
		json_str(&j, "detail", v->why);
		json_obj_end(&j);
		json_finish(&j);
	}
	if (v->rc != 0)
		fprintf(stderr, "carenet audit: the audit log of %s does NOT verify: %s\n", me,
		        v->why);
	else if (!as_json)
		printf("audit log verified: %llu entries; it matches %zu checkpoints the parent "
		       "holds (the last at entry %llu)\n",
		       (unsigned long long)v->checked, v->mk->n, (unsigned long long)v->mk->last);
}

/* --verify with --checkpoints or --data-dir: the store read directly (a
 * running node's, or a copy), checked against the parent's checkpoints. */
static int verify_local(const char *dir, const char *file, int as_json)
{
	struct marks mk = {0};
	struct verify_local v = {0};
	char me[64] = "", *db = util_path_join(dir, "data.mdb");
	uint8_t *text = NULL;
	size_t len;
	int rc, n;

	if (!db || access(db, R_OK) != 0) {
		fprintf(stderr, "carenet audit: no store in %s (no data.mdb)\n", dir);
		free(db);
		return CN_EINVAL;
	}
	free(db);
	if ((rc = store_open(dir, 1 << 20, &v.st)) != 0) {
		fprintf(stderr, "carenet audit: cannot open the store in %s: %s\n", dir,
		        cn_strerror(rc));
		return rc;
	}
	if ((n = store_meta_get(v.st, "node_id", me, sizeof(me) - 1)) > 0)
		me[n] = 0;
	if (file && (rc = util_read_file(file, 64u << 20, &text, &len)) != 0) {
		fprintf(stderr, "carenet audit: --checkpoints %s: %s\n", file, cn_strerror(rc));
		goto out;
	}
	if (text) {
		char *s = realloc(text, len + 1);
		if (!s) {
			rc = CN_ENOMEM;
			goto out;
		}
		text = (uint8_t *)s;
		s[len] = 0;
		if ((rc = marks_parse(s, me, &mk)) != 0) {
			fprintf(stderr,
			        "carenet audit: --checkpoints %s: not the parent's export (carenet "
			        "audit checkpoints --csv or --json)\n",
			        file);
			goto out;
		}
		if (mk.n == 0)
			fprintf(stderr, "carenet audit: warning: %s holds no checkpoint of %s\n",
			        file, me);
	}
	v.mk = &mk;
	if ((rc = store_read(v.st, verify_local_txn, &v)) == 0) {
		verify_local_print(&v, me, as_json);
		rc = v.rc;
	}
out:
	free(text);
	free(mk.m);
	store_close(&v.st);
	return rc;
}

static int audit_run(const char *cfgpath, const char *since, int verify, int as_json)
{
	const char *prog = "carenet audit";
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__AuditRequest q = CARENET__AUDIT_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	int rc;

	if ((rc = cli_config(prog, cfgpath, &cfg)) != 0)
		return rc;
	if (since && (rc = audit_since(prog, cfg, since, &q.since)) != 0)
		goto out;
	if (verify)
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_AUDIT_VERIFY, NULL);
	else
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_AUDIT, &q);
	rc = cli_call(prog, cfg, &req, verify ? CLI_WRITE_TIMEOUT_MS : CLI_TIMEOUT_MS, &rep);
	if (rc == 0 && verify)
		rc = verify_print(rep, as_json);
	else if (rc == 0)
		audit_print(rep, cfg->timezone, as_json);
out:
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

static int cmd_audit_checkpoints(int argc, char **argv);

int cmd_audit(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *since = NULL, *file = NULL, *dir = NULL;
	struct config *cfg = NULL;
	struct args a;
	int ch, verify = 0, as_json = 0, as_csv = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "checkpoints"))
			return cmd_audit_checkpoints(argc, argv);
		if (argv[i][0] != '-')
			break;
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config"))
			i++; /* its value */
	}
	args_begin(&a, &audit_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('s'))
			since = a.val;
		else if (ch == ARGS_LONG('v'))
			verify = 1;
		else if (ch == ARGS_LONG('k'))
			file = a.val;
		else if (ch == ARGS_LONG('d'))
			dir = a.val;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else if (ch == ARGS_LONG('x'))
			as_csv = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if (as_csv && (verify || as_json))
		return args_usage_error(&audit_cmd, "--csv lists the log: not with --json or --verify");
	if (as_csv)
		as_json = 'x'; /* audit_print's CSV */
	if (verify && since) {
		fprintf(stderr, "carenet audit: --verify checks the whole log: leave out --since\n");
		return 2;
	}
	if ((file || dir) && !verify) {
		fprintf(stderr, "carenet audit: --checkpoints and --data-dir go with --verify\n");
		return 2;
	}
	if (!file && !dir)
		return cn_exit_code(audit_run(cfgpath, since, verify, as_json));
	if (!dir && (rc = cli_config("carenet audit", cfgpath, &cfg)) != 0)
		return cn_exit_code(rc);
	rc = verify_local(dir ? dir : cfg->data_dir, file, as_json);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------- audit checkpoints */

static const struct args_opt ckpt_opts[] = {
    {"config", 'c', "CFG", "the parent node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"office", ARGS_LONG('o'), "ID", "only this child's checkpoints"},
    {"json", ARGS_LONG('j'), NULL,
     "an array of {office, seq, head, prev_seq, prev_hash, created,\n"
     "received, alert}"},
    {"csv", ARGS_LONG('v'), NULL, "the same as CSV with a header line (the export\n"
                                   "`carenet audit --verify --checkpoints` reads)"},
    {0}};
static const struct args_cmd ckpt_cmd = {
    "carenet audit checkpoints", "[-c CFG] [--office ID] [--json|--csv]",
    "Lists the signed checkpoints of their audit logs this node's children sent\n"
    "(sequence and head hash, and the hash each log held at the checkpoint\n"
    "before), oldest first per child, and the alert a checkpoint raised: a log\n"
    "that went backwards (truncated) or whose hash at an earlier checkpoint\n"
    "changed (rewritten). Give the export to the child's operator or auditor:\n"
    "carenet audit --verify --checkpoints FILE on the child (or on a copy of\n"
    "its store) names the entries.\n",
    ckpt_opts, NULL};

static void ckpt_print(const Carenet__ControlReply *rep, const char *tz, int fmt)
{
	struct json j;
	char t[32];
	struct table tb;

	if (fmt == 'j') {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
		for (size_t i = 0; i < rep->n_checkpoints; i++) {
			const Carenet__CheckpointView *c = rep->checkpoints[i];
			json_obj_begin(&j, NULL);
			json_str(&j, "office", c->office);
			json_u64(&j, "seq", c->seq);
			json_str(&j, "head", c->head);
			json_u64(&j, "prev_seq", c->prev_seq);
			json_str(&j, "prev_hash", c->prev_hash);
			json_u64(&j, "created", c->created);
			json_u64(&j, "received", c->received);
			json_str(&j, "alert", c->alert);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_finish(&j);
		return;
	}
	if (fmt == 'c') {
		static const char *const head[] = {"office",    "seq",     "head",     "prev_seq",
		                                   "prev_hash", "created", "received", "alert"};
		char n[4][24];
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 8);
		for (size_t i = 0; i < rep->n_checkpoints; i++) {
			const Carenet__CheckpointView *c = rep->checkpoints[i];
			snprintf(n[0], sizeof(n[0]), "%llu", (unsigned long long)c->seq);
			snprintf(n[1], sizeof(n[1]), "%llu", (unsigned long long)c->prev_seq);
			snprintf(n[2], sizeof(n[2]), "%llu", (unsigned long long)c->created);
			snprintf(n[3], sizeof(n[3]), "%llu", (unsigned long long)c->received);
			const char *cells[] = {c->office, n[0], c->head, n[1],
			                       c->prev_hash, n[2], n[3], c->alert};
			csv_write_row(stdout, cells, 8);
		}
		return;
	}
	if (rep->n_checkpoints == 0) {
		printf("%s\n", cli_tr("no checkpoints from children", "(下级未报送审计检查点)"));
		return;
	}
	table_init(&tb, 5);
	table_add(&tb, (const char *[]){cli_tr("OFFICE", "单位"), cli_tr("ENTRY", "条目"),
	                                cli_tr("HEAD", "哈希"), cli_tr("RECEIVED", "收到"),
	                                cli_tr("ALERT", "警报")});
	for (size_t i = 0; i < rep->n_checkpoints; i++) {
		const Carenet__CheckpointView *c = rep->checkpoints[i];
		char seq[24], head[17];
		util_fmt_time(c->received, tz, t, sizeof(t));
		snprintf(seq, sizeof(seq), "%llu", (unsigned long long)c->seq);
		snprintf(head, sizeof(head), "%.16s", c->head);
		table_add(&tb,
		          (const char *[]){c->office, seq, head, t, c->alert[0] ? c->alert : "-"});
	}
	table_print(&tb, stdout);
	printf(cli_zh() ? "(时间: %s)\n" : "(times in %s)\n", tz);
}

static int cmd_audit_checkpoints(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *office = "";
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__CheckpointsRequest q = CARENET__CHECKPOINTS_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct args a;
	int ch, fmt = 't', rc, at = 1;

	while (at < argc && strcmp(argv[at], "checkpoints") != 0)
		at++;
	/* The options given before the word `checkpoints` (-c CFG) count too. */
	for (int i = at; i + 1 < argc; i++)
		argv[i] = argv[i + 1];
	argc--;
	args_begin(&a, &ckpt_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('o'))
			office = a.val;
		else if (ch == ARGS_LONG('j'))
			fmt = 'j';
		else if (ch == ARGS_LONG('v'))
			fmt = 'c';
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	q.office = (char *)office;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_AUDIT_CHECKPOINTS, &q);
	if ((rc = cli_config("carenet audit checkpoints", cfgpath, &cfg)) == 0 &&
	    (rc = cli_call("carenet audit checkpoints", cfg, &req, CLI_TIMEOUT_MS, &rep)) == 0)
		ckpt_print(rep, cfg->timezone, fmt);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------- clock */

static const struct args_opt clock_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"advance", ARGS_LONG('a'), "DURATION", "move the test clock forward: 90s, 61m, 2h, 7d"},
    {"json", ARGS_LONG('j'), NULL, "{now, local, timezone, offset}"},
    {0}};
static const struct args_cmd clock_cmd = {
    "carenet clock", "[-c CFG] [--advance DURATION] [--json]",
    "Shows the node's clock: its local time, UTC seconds, and how far a test\n"
    "clock is ahead of the real one. With --advance the node's clock moves\n"
    "forward (reminders, overdue marks and rectification orders that fall due\n"
    "fire at once); only a node with test_clock = true in its configuration\n"
    "allows it (tests and demos).\n",
    clock_opts, "Refused (exit 4): --advance without a test clock.\n"};

static void clock_print(const Carenet__ControlReply *rep, const char *tz, int as_json)
{
	struct json j;
	char local[32], d[24];
	uint64_t off = (uint64_t)(rep->clock_offset < 0 ? -rep->clock_offset : rep->clock_offset);

	util_fmt_time(rep->now, tz, local, sizeof(local));
	if (as_json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_u64(&j, "now", rep->now);
		json_str(&j, "local", local);
		json_str(&j, "timezone", tz);
		json_i64(&j, "offset", rep->clock_offset);
		json_obj_end(&j);
		json_finish(&j);
		return;
	}
	printf("clock   %s %s (UTC %llu)\n", local, tz, (unsigned long long)rep->now);
	if (!rep->clock_offset) {
		printf("offset  0 (the real clock)\n");
		return;
	}
	cli_fmt_duration(off, d, sizeof(d));
	printf("offset  %s%lld s (test clock %s %s the real clock)\n",
	       rep->clock_offset > 0 ? "+" : "", (long long)rep->clock_offset, d,
	       rep->clock_offset > 0 ? "ahead of" : "behind");
}

int cmd_clock(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *adv = NULL;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct args a;
	uint64_t d = 0;
	int ch, as_json = 0, rc;

	args_begin(&a, &clock_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('a'))
			adv = a.val;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if (adv && (util_parse_duration(adv, &d) != 0 || d == 0 || d > INT64_MAX)) {
		fprintf(stderr,
		        "carenet clock: --advance %s: give a positive duration like 90s, "
		        "61m, 2h or 7d\n",
		        adv);
		return 2;
	}
	if ((rc = cli_config("carenet clock", cfgpath, &cfg)) == 0 &&
	    (rc = node_clock("carenet clock", cfg, (int64_t)d, &rep)) == 0)
		clock_print(rep, cfg->timezone, as_json);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}
