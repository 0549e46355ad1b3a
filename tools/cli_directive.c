/*
 * cli_directive: the issuer's directive commands on its own node —
 * `directive issue|list|show` — as tables or --json. The node decides
 * (roles/): these commands parse, send one control request (cli.h) and
 * print the reply. The receiver's side (inbox, ack) is cli_inbox.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_directive_above.h"
#include "args.h"
#include "err.h"
#include "cmd.h"
#include "csv.h"
#include "json.h"
#include "roles.h"
#include "utf8.h"
#include "util.h"

#define NSTATES (STATE_RETIRED + 1)

/* ------------------------------------------------------------ printing */

static void json_target(struct json *j, const Carenet__TargetView *t)
{
	json_obj_begin(j, NULL);
	json_str(j, "id", t->id);
	json_str(j, "name", t->name);
	json_str(j, "state", roles_state_name(t->state));
	json_bool(j, "overdue", t->overdue);
	json_u64(j, "changed_at", t->changed_at);
	json_u64(j, "reported_at", t->reported_at);
	json_str(j, "moved_to", t->moved_to);
	json_str(j, "note", t->note);
	cli_json_evidence(j, t->evidence, t->n_evidence);
	cli_json_history(j, "history", t->history, t->n_history);
	json_u64(j, "reminders", t->reminders);
	json_u64(j, "reminded_at", t->reminded_at);
	json_obj_end(j);
}

/* Targets per state, and how many are overdue: past due and neither done
 * nor unable (a target's own flag stays set once it was late). */
static void count(const Carenet__DirectiveView *v, uint64_t n[NSTATES], uint64_t *late)
{
	memset(n, 0, NSTATES * sizeof(n[0]));
	*late = 0;
	for (size_t i = 0; i < v->n_targets; i++) {
		if (v->targets[i]->state < NSTATES)
			n[v->targets[i]->state]++;
		*late += v->targets[i]->overdue && v->targets[i]->state < STATE_DONE ? 1 : 0;
	}
}

/* directive list / show: the issuer's (or relay's) matrix. */
static void json_directive(struct json *j, const Carenet__DirectiveView *v)
{
	uint64_t n[NSTATES], late;

	count(v, n, &late);
	json_obj_begin(j, NULL);
	cli_json_directive(j, v);
	json_bool(j, "overdue", late > 0);
	if (v->my_state) { /* this office is a target too */
		json_str(j, "my_state", roles_state_name(v->my_state));
		json_u64(j, "my_changed_at", v->my_changed_at);
	}
	json_obj_begin(j, "counts");
	for (uint32_t s = 0; s < NSTATES; s++)
		json_u64(j, roles_state_name(s), n[s]);
	json_u64(j, "overdue", late);
	json_obj_end(j);
	json_arr_begin(j, "targets");
	for (size_t i = 0; i < v->n_targets; i++)
		json_target(j, v->targets[i]);
	json_arr_end(j);
	cli_above_json(j, v);
	json_obj_end(j);
}

static void print_json(Carenet__DirectiveView *const *v, size_t n, int one)
{
	struct json j;

	json_init(&j, stdout);
	if (!one)
		json_arr_begin(&j, NULL);
	for (size_t i = 0; i < n; i++)
		json_directive(&j, v[i]);
	if (!one)
		json_arr_end(&j);
	json_finish(&j);
}

/* directive list --csv: one row per directive, with its counts per state. */
static void list_csv(Carenet__DirectiveView *const *v, size_t n, const char *tz)
{
	const char *head[8 + NSTATES + 2];
	char created[32], due[32], nt[24], num[NSTATES + 1][24];
	uint64_t c[NSTATES], late;
	size_t k = 0;

	head[k++] = "id", head[k++] = "kind", head[k++] = "kind_zh", head[k++] = "issuer";
	head[k++] = "created", head[k++] = "due", head[k++] = "targets";
	for (uint32_t st = 0; st < NSTATES; st++)
		head[k++] = roles_state_name(st);
	head[k++] = "overdue", head[k++] = "title";
	csv_write_bom(stdout);
	csv_write_row(stdout, head, k);
	for (size_t i = 0; i < n; i++) {
		const char *cells[8 + NSTATES + 2];
		count(v[i], c, &late);
		cli_csv_time(v[i]->created, tz, created, sizeof(created));
		cli_csv_time(v[i]->due, tz, due, sizeof(due));
		snprintf(nt, sizeof(nt), "%zu", v[i]->n_targets);
		k = 0;
		cells[k++] = v[i]->id, cells[k++] = roles_kind_name(v[i]->kind);
		cells[k++] = roles_kind_zh(v[i]->kind), cells[k++] = v[i]->issuer;
		cells[k++] = created, cells[k++] = due, cells[k++] = nt;
		for (uint32_t st = 0; st < NSTATES; st++) {
			snprintf(num[st], sizeof(num[st]), "%llu", (unsigned long long)c[st]);
			cells[k++] = num[st];
		}
		snprintf(num[NSTATES], sizeof(num[NSTATES]), "%llu", (unsigned long long)late);
		cells[k++] = num[NSTATES], cells[k++] = v[i]->title;
		csv_write_row(stdout, cells, k);
	}
}

/* directive show --csv: the matrix, one row per target. */
static void show_csv(Carenet__DirectiveView *const *v, size_t n, const char *tz)
{
	static const char *const head[] = {"directive", "target",     "name",     "state",
	                                   "state_zh",  "overdue",    "changed_at", "reported_at",
	                                   "reminders", "evidence",   "note", CLI_ABOVE_CSV_HEAD};
	char changed[32], reported[32], rem[24], ev[24], below[CLI_ABOVE_CSV_COLS][24];
	size_t nb = cli_above_csv(v[0], "", below); /* above the county: per county counts */

	(void)n;
	csv_write_bom(stdout);
	csv_write_row(stdout, head, sizeof(head) / sizeof(head[0]) - CLI_ABOVE_CSV_COLS + nb);
	for (size_t i = 0; i < v[0]->n_targets; i++) {
		const Carenet__TargetView *t = v[0]->targets[i];
		cli_csv_time(t->changed_at, tz, changed, sizeof(changed));
		cli_csv_time(t->reported_at, tz, reported, sizeof(reported));
		snprintf(rem, sizeof(rem), "%u", t->reminders);
		snprintf(ev, sizeof(ev), "%zu", t->n_evidence);
		const char *cells[] = {v[0]->id,
		                       t->id,
		                       t->name,
		                       roles_state_name(t->state),
		                       roles_state_zh(t->state),
		                       !t->overdue ? "no" : t->state >= STATE_DONE ? "late" : "yes",
		                       changed,
		                       reported,
		                       rem,
		                       ev,
		                       t->note,
		                       below[0],
		                       below[1],
		                       below[2],
		                       below[3],
		                       below[4]};
		cli_above_csv(v[0], t->id, below);
		csv_write_row(stdout, cells, sizeof(cells) / sizeof(cells[0]) - CLI_ABOVE_CSV_COLS + nb);
	}
}

/* "3 delivered, 6 done; 2 OVERDUE" */
static void counts_text(const Carenet__DirectiveView *v, char *out, size_t len)
{
	uint64_t n[NSTATES], late;
	size_t off = 0;

	count(v, n, &late);
	out[0] = 0;
	for (uint32_t s = 0; s < NSTATES && off < len; s++)
		if (n[s])
			off += (size_t)snprintf(out + off, len - off, "%s%llu %s", off ? ", " : "",
			                        (unsigned long long)n[s], cli_state(s));
	if (late && off < len)
		snprintf(out + off, len - off, "; %llu %s", (unsigned long long)late,
		         cli_tr("OVERDUE", "已逾期"));
}

static void list_table(Carenet__DirectiveView *const *v, size_t n, const char *tz)
{
	char due[32], kind[64], counts[256], nt[24];
	struct table t;

	if (n == 0) {
		printf("%s\n", cli_tr("no directives issued or relayed by this office",
		                      "(本单位未下发或转发任何任务)"));
		return;
	}
	table_init(&t, 6);
	table_add(&t, (const char *[]){cli_tr("ID", "编号"), cli_tr("KIND", "类型"),
	                               cli_tr("DUE", "截止"), cli_tr("TARGETS", "下级数"),
	                               cli_tr("STATES", "办理情况"), cli_tr("TITLE", "标题")});
	for (size_t i = 0; i < n; i++) {
		util_fmt_time(v[i]->due, tz, due, sizeof(due));
		cli_kind_text(v[i]->kind, kind, sizeof(kind));
		counts_text(v[i], counts, sizeof(counts));
		cli_above_totals(v[i], counts, sizeof(counts));
		snprintf(nt, sizeof(nt), "%zu", v[i]->n_targets);
		table_add(&t, (const char *[]){v[i]->id, kind, due, nt, counts, v[i]->title});
	}
	table_print(&t, stdout);
	printf(cli_zh() ? "(时间: %s)\n" : "(times in %s)\n", tz);
}

/* "title      " / "title 标题       ": a label padded to one column. */
static void label(const char *en, const char *zh)
{
	utf8_pad(stdout, cli_tr(en, zh), cli_zh() ? 10 : 20);
}

static void show_head(const Carenet__DirectiveView *v, const char *tz)
{
	char due[32], created[32], kind[64], d[24];

	util_fmt_time(v->due, tz, due, sizeof(due));
	util_fmt_time(v->created, tz, created, sizeof(created));
	cli_kind_text(v->kind, kind, sizeof(kind));
	label("directive", "任务");
	printf("%s  %s\n", v->id, kind);
	label("title", "标题");
	printf("%s\n", v->title);
	label("issuer", "下发单位");
	printf("%s, %s %s\n", v->issuer, cli_tr("issued", "下发于"), created);
	label("due", "截止");
	printf("%s (%s)\n", due, tz);
	label("to", "下发对象");
	printf("%s\n", v->targets_spec);
	if (v->ref[0]) {
		label("ref", "依据");
		printf("%s\n", v->ref);
	}
	if (v->n_indicators) {
		label("indicators", "指标");
		for (size_t i = 0; i < v->n_indicators; i++)
			printf("%s%s", i ? ", " : " ", v->indicators[i]);
		printf("\n");
	}
	if (v->n_remind) {
		label("reminders", "催办");
		for (size_t i = 0; i < v->n_remind; i++) {
			cli_fmt_duration(v->remind[i], d, sizeof(d));
			printf("%s%s", i ? ", " : " ", d);
		}
		printf(" %s\n", cli_tr("before due", "(截止前)"));
	}
	if (v->body[0])
		printf("\n%s%s", v->body, v->body[strlen(v->body) - 1] == '\n' ? "" : "\n");
}

static void show_row(struct table *tb, const Carenet__TargetView *t, const char *tz)
{
	char changed[32] = "-", hex[65], rem[16], id[32], line[1024];

	if (t->changed_at)
		util_fmt_time(t->changed_at, tz, changed, sizeof(changed));
	snprintf(rem, sizeof(rem), "%u", t->reminders);
	snprintf(id, sizeof(id), "  %s", t->id);
	/* overdue stays set on a target that was late and is now done or unable */
	table_add(tb, (const char *[]){id, cli_state(t->state),
	                               !t->overdue              ? ""
	                               : t->state >= STATE_DONE ? cli_tr("late", "逾期完成")
	                                                        : cli_tr("OVERDUE", "已逾期"),
	                               changed, rem, t->name});
	if (t->moved_to[0]) {
		snprintf(line, sizeof(line), "  %-14s %s %s", "", cli_tr("moved: now", "已迁移，现为"),
		         t->moved_to);
		table_line(tb, line);
	}
	if (t->n_history > 1)
		cli_history_lines(tb, "                 ", t->history, t->n_history, tz);
	else if (t->note[0]) {
		snprintf(line, sizeof(line), "  %-14s %s: %s", "", cli_tr("note", "备注"), t->note);
		table_line(tb, line);
	}
	for (size_t i = 0; i < t->n_evidence; i++) {
		const Carenet__Evidence *e = t->evidence[i];
		if (e->sha256.len == 32)
			util_hex(e->sha256.data, 32, hex);
		else
			snprintf(hex, sizeof(hex), "?");
		snprintf(line, sizeof(line), "  %-14s %s: %s (%llu bytes, sha256 %s)", "",
		         cli_tr("evidence", "佐证"), e->name, (unsigned long long)e->size, hex);
		table_line(tb, line);
	}
}

void cli_directive_print(const Carenet__DirectiveView *v, const char *tz)
{
	char counts[256];
	struct table t;

	show_head(v, tz);
	if (v->my_state) {
		char hex[65];
		printf("\n%s: %s%s%s\n", cli_tr("this office", "本单位"), cli_state(v->my_state),
		       v->overdue ? ", " : "", v->overdue ? cli_tr("OVERDUE", "已逾期") : "");
		cli_history_print("  ", v->my_history, v->n_my_history, tz);
		for (size_t i = 0; i < v->n_my_evidence; i++) {
			const Carenet__Evidence *e = v->my_evidence[i];
			if (e->sha256.len == 32)
				util_hex(e->sha256.data, 32, hex);
			else
				snprintf(hex, sizeof(hex), "?");
			printf("  evidence 佐证: %s (%llu bytes, sha256 %s)\n", e->name,
			       (unsigned long long)e->size, hex);
		}
	}
	if (v->n_targets == 0) {
		cli_above_print(v, tz);
		return;
	}
	counts_text(v, counts, sizeof(counts));
	printf("\n%zu %s: %s\n", v->n_targets, cli_tr("targets", "下级"), counts);
	table_init(&t, 6);
	table_add(&t, (const char *[]){cli_indent(cli_tr("TARGET", "下级")), cli_tr("STATE", "状态"), "",
	                               cli_tr("CHANGED", "更新时间"), cli_tr("REMINDED", "催办"),
	                               cli_tr("NAME", "名称")});
	for (size_t i = 0; i < v->n_targets; i++)
		show_row(&t, v->targets[i], tz);
	table_print(&t, stdout);
	cli_above_print(v, tz);
}

/* ------------------------------------------------------------- issue */

struct issue_args {
	const char *cfgpath, *kind, *to, *title, *body, *body_file, *due, *ref, *remind, *relay;
	char **indicators;
	size_t nindicators;
	int json, allow_unknown;
};

#define STR_(x) #x
#define STR(x) STR_(x)

static const struct args_opt issue_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"kind", ARGS_LONG('k'), "KIND",
     "task 任务, notice 督导通知, rectification 限时整改通知,\n"
     "circular 通报 (English or Chinese)"},
    {"to", ARGS_LONG('t'), "TARGETS",
     "office ids separated by commas (530102001001,530102001002)\n"
     "or PREFIX:ROLE: 530102:village, 530102001:village,\n"
     "530102:township (the offices known below this one);\n"
     "an id the node has never heard of is refused; at a\n"
     "province or prefecture 53:county, or 53:township and\n"
     "53:village (the counties relay it down)"},
    {"relay", ARGS_LONG('Y'), "ROLE",
     "a province or prefecture naming counties by id: each\n"
     "relays it to its township or village offices"},
    {"allow-unknown", ARGS_LONG('U'), NULL,
     "send to ids the node has not heard of yet (offices\n"
     "that have not connected since they were enrolled)"},
    {"title", ARGS_LONG('T'), "TITLE", "1 to " STR(ROLES_MAX_TITLE) " bytes"},
    {"body", ARGS_LONG('b'), "TEXT", "the text (UTF-8, at most " STR(ROLES_MAX_BODY) " bytes), or"},
    {"body-file", ARGS_LONG('B'), "FILE", "read it from FILE"},
    {"due", ARGS_LONG('d'), "TIME",
     "\"2026-12-31 18:00\" in the node's timezone, 2026-12-31\n"
     "(the end of that day, 23:59:59), or +DURATION from\n"
     "the node's clock (+2h, +90m, +7d)"},
    {"indicator", ARGS_LONG('i'), "ID", "an indicator of the standard it concerns (repeatable)"},
    {"ref", ARGS_LONG('r'), "DIRECTIVE",
     "an earlier directive or finding it refers to (a\n"
     "rectification order: a directive this node holds)"},
    {"remind", ARGS_LONG('R'), "LIST",
     "reminders before due to targets not done: 7d,1d\n"
     "(default: the node's deadline.remind)"},
    {"json", ARGS_LONG('j'), NULL, "print {\"id\": ...} instead of the id alone"},
    {0}};
static const struct args_cmd issue_cmd = {
    "carenet directive issue",
    "[-c CFG] --kind KIND --to TARGETS --title TITLE --due TIME [OPTION]...",
    "Issues a directive from this office to offices below it. The node checks\n"
    "what its role may issue and to whom, expands the targets, signs the\n"
    "directive and sends it down; it then tracks every target's state.\n",
    issue_opts,
    "Prints the new directive's id. Refused (exit 4, the reason printed): role,\n"
    "scope, an office the node does not know, invalid input.\n"};

/* 0, 1 after --help, CN_EUSAGE (printed). */
static int issue_parse(int argc, char **argv, struct issue_args *a)
{
	struct args g;
	int ch;

	args_begin(&g, &issue_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		switch (ch) {
		case 'c':
			a->cfgpath = g.val;
			break;
		case ARGS_LONG('k'):
			a->kind = g.val;
			break;
		case ARGS_LONG('t'):
			a->to = g.val;
			break;
		case ARGS_LONG('T'):
			a->title = g.val;
			break;
		case ARGS_LONG('b'):
			a->body = g.val;
			break;
		case ARGS_LONG('B'):
			a->body_file = g.val;
			break;
		case ARGS_LONG('d'):
			a->due = g.val;
			break;
		case ARGS_LONG('i'):
			a->indicators[a->nindicators++] = (char *)g.val;
			break;
		case ARGS_LONG('r'):
			a->ref = g.val;
			break;
		case ARGS_LONG('R'):
			a->remind = g.val;
			break;
		case ARGS_LONG('j'):
			a->json = 1;
			break;
		case ARGS_LONG('U'):
			a->allow_unknown = 1;
			break;
		case ARGS_LONG('Y'):
			a->relay = g.val;
			break;
		default:
			return g.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&g, 0, 0) != 0)
		return CN_EUSAGE;
	if (!a->kind || !a->to || !a->title || !a->due) {
		args_usage_error(&issue_cmd, "--kind, --to, --title and --due are required");
		return CN_EUSAGE;
	}
	if (a->body && a->body_file) {
		args_usage_error(&issue_cmd, "give --body or --body-file, not both");
		return CN_EUSAGE;
	}
	return 0;
}

/* The body from --body or --body-file, checked here so the operator learns
 * what is wrong with the file before anything is sent. Caller frees *out. */
static int issue_body(const struct issue_args *a, char **out)
{
	const char *p = "carenet directive issue";
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!a->body_file) {
		len = a->body ? strlen(a->body) : 0;
		if (len > ROLES_MAX_BODY) {
			fprintf(stderr,
			        "%s: the body is %zu bytes, at most %d: put it in a file "
			        "and attach long material as evidence instead\n",
			        p, len, ROLES_MAX_BODY);
			return CN_ETOOBIG;
		}
		return (*out = strdup(a->body ? a->body : "")) ? 0 : CN_ENOMEM;
	}
	rc = util_read_file(a->body_file, ROLES_MAX_BODY, &buf, &len);
	if (rc == CN_ETOOBIG)
		fprintf(stderr,
		        "%s: body file %s is over %d bytes, the cap for a directive "
		        "body: shorten it, or attach long material as evidence\n",
		        p, a->body_file, ROLES_MAX_BODY);
	else if (rc == CN_ENOTFOUND)
		fprintf(stderr, "%s: no body file %s\n", p, a->body_file);
	else if (rc != 0)
		fprintf(stderr, "%s: cannot read body file %s: %s\n", p, a->body_file,
		        cn_strerror(rc));
	if (rc == CN_ENOTFOUND)
		rc = CN_EINVAL;
	if (rc == 0 && !utf8_valid((char *)buf, len)) {
		fprintf(stderr,
		        "%s: body file %s is not UTF-8 text (convert it first, e.g. "
		        "iconv -f GB18030 -t UTF-8)\n",
		        p, a->body_file);
		rc = CN_EINVAL;
	}
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*out = (char *)buf;
	return 0;
}

/* "+2h" from the node's own clock (which may be a test clock), or a local time. */
static int issue_due(const struct config *cfg, const char *s, uint64_t *due)
{
	const char *p = "carenet directive issue";
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ClockRequest q = CARENET__CLOCK_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	uint64_t d;
	int rc;

	if (s[0] != '+') {
		if (util_parse_time_end(s, cfg->timezone, due) == 0)
			return 0;
		fprintf(stderr,
		        "%s: --due %s: give \"YYYY-MM-DD HH:MM\", YYYY-MM-DD (the end of that "
		        "day) in %s, or +DURATION (+2h, +90m, +7d)\n",
		        p, s, cfg->timezone);
		return CN_EUSAGE;
	}
	if (util_parse_duration(s + 1, &d) != 0 || d == 0) {
		fprintf(stderr, "%s: --due %s: a duration is a number with s, m, h or d (+2h)\n", p,
		        s);
		return CN_EUSAGE;
	}
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CLOCK, &q);
	if ((rc = cli_call(p, cfg, &req, CLI_TIMEOUT_MS, &rep)) == 0)
		*due = rep->now + d;
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static int issue_send(const struct config *cfg, const struct issue_args *a,
                      Carenet__IssueRequest *iq)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct json j;
	int rc;

	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE, iq);
	rc = cli_call("carenet directive issue", cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep);
	if (rc == 0 && !rep->id[0]) {
		fprintf(stderr, "carenet directive issue: the node sent no directive id\n");
		rc = CN_EPROTO;
	}
	if (rc == 0 && a->json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "id", rep->id);
		json_obj_end(&j);
		json_finish(&j);
	} else if (rc == 0) {
		printf("%s\n", rep->id);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

/* Fills the request from the arguments; the strings stay the caller's. */
static int issue_fill(const struct config *cfg, const struct issue_args *a,
                      Carenet__IssueRequest *iq, uint64_t *remind)
{
	const char *p = "carenet directive issue";
	int rc;

	if (!(iq->kind = roles_kind_parse(a->kind))) {
		fprintf(stderr,
		        "%s: unknown kind '%s': task 任务, notice 督导通知, rectification "
		        "限时整改通知 or circular 通报\n",
		        p, a->kind);
		return CN_EUSAGE;
	}
	if (!utf8_valid(a->title, strlen(a->title))) {
		fprintf(stderr, "%s: the title is not UTF-8 text\n", p);
		return CN_EINVAL;
	}
	if (a->remind) {
		if (strcmp(a->remind, "none") == 0) {
			fprintf(stderr,
			        "%s: --remind none cannot be expressed: leave --remind out "
			        "for the node's default (deadline.remind)\n",
			        p);
			return CN_EUSAGE;
		}
		if (config_parse_remind(a->remind, remind, ROLES_MAX_REMIND, &iq->n_remind) != 0) {
			fprintf(stderr,
			        "%s: --remind %s: give up to %d durations before due, "
			        "like 7d,1d or 1h\n",
			        p, a->remind, ROLES_MAX_REMIND);
			return CN_EUSAGE;
		}
		iq->remind = remind;
	}
	if ((rc = issue_due(cfg, a->due, &iq->due)) != 0)
		return rc;
	iq->to = (char *)a->to;
	iq->allow_unknown = a->allow_unknown;
	iq->relay = (char *)(a->relay ? a->relay : "");
	iq->title = (char *)a->title;
	iq->ref = (char *)(a->ref ? a->ref : "");
	iq->indicators = a->indicators;
	iq->n_indicators = a->nindicators;
	return 0;
}

static int directive_issue(int argc, char **argv)
{
	struct issue_args a = {.cfgpath = CONFIG_DEFAULT_PATH};
	Carenet__IssueRequest iq = CARENET__ISSUE_REQUEST__INIT;
	uint64_t remind[ROLES_MAX_REMIND];
	struct config *cfg = NULL;
	char *body = NULL;
	int rc;

	/* at most one indicator per argument */
	if (!(a.indicators = calloc((size_t)argc + 1, sizeof(char *))))
		return cn_exit_code(CN_ENOMEM);
	if ((rc = issue_parse(argc, argv, &a)) != 0)
		goto out;
	if ((rc = issue_body(&a, &body)) != 0 ||
	    (rc = cli_config("carenet directive issue", a.cfgpath, &cfg)) != 0 ||
	    (rc = issue_fill(cfg, &a, &iq, remind)) != 0)
		goto out;
	iq.body = body;
	rc = issue_send(cfg, &a, &iq);
out:
	free(body);
	free(a.indicators);
	config_free(&cfg);
	return rc == 1 ? 0 : cn_exit_code(rc);
}

/* -------------------------------------------------------- list, show */

typedef void (*views_fn)(Carenet__DirectiveView *const *, size_t, const char *);

/* One query; prints the views (as JSON, or with table() or csv()). */
static int views(const char *prog, const char *cfgpath, const Carenet__ControlRequest *req,
                 int as_json, int one, views_fn table, views_fn csv)
{
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	int rc;

	if ((rc = cli_config(prog, cfgpath, &cfg)) != 0)
		return cn_exit_code(rc);
	rc = cli_call(prog, cfg, req, CLI_TIMEOUT_MS, &rep);
	if (rc == 0 && one && rep->n_directives != 1) {
		fprintf(stderr, "%s: the node sent %zu directives for one id\n", prog,
		        rep->n_directives);
		rc = CN_EPROTO;
	}
	if (rc == 0 && as_json)
		print_json(rep->directives, rep->n_directives, one);
	else if (rc == 0)
		(csv ? csv : table)(rep->directives, rep->n_directives, cfg->timezone);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

static void show_one(Carenet__DirectiveView *const *v, size_t n, const char *tz)
{
	(void)n;
	cli_directive_print(v[0], tz);
}

struct view_args {
	const char *cfgpath, *state, *id;
	int json, csv;
};

static const struct args_opt list_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"state", ARGS_LONG('s'), "S",
     "open: a target is not done yet; overdue: a target is late;\n"
     "done: every target is done (or unable)"},
    {"json", ARGS_LONG('j'), NULL, "an array of objects (as directive show --json)"},
    {"csv", ARGS_LONG('v'), NULL,
     "CSV (UTF-8 with BOM, for Excel): id, kind, kind_zh, issuer,\n"
     "created, due, targets, one column per state, overdue, title"},
    {0}};
static const struct args_cmd list_cmd = {
    "carenet directive list", "[-c CFG] [--state open|overdue|done] [--json | --csv]",
    "Lists the directives this office issued or relayed, newest first, with the\n"
    "number of targets in each state and how many are overdue.\n",
    list_opts, NULL};

static const struct args_opt show_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"json", ARGS_LONG('j'), NULL,
     "one object: id, kind, title, body, issuer, due, ref,\n"
     "indicators, counts (per state, and overdue: past due and\n"
     "not done), targets [{id, state, overdue, changed_at, ...}];\n"
     "above the county also tallies, late_counties, totals"},
    {"csv", ARGS_LONG('v'), NULL,
     "the matrix as CSV (UTF-8 with BOM): one row per target:\n"
     "directive, target, name, state, state_zh, overdue, ...;\n"
     "above the county also each county's below_* counts, late"},
    {0}};
static const struct args_cmd show_cmd = {
    "carenet directive show", "ID [-c CFG] [--json | --csv]",
    "Shows one directive and the state of each of its targets below this office\n"
    "(pending, delivered, accepted, in-progress, done, unable), overdue targets\n"
    "first, with notes and evidence (name, size, SHA-256).\n",
    show_opts, NULL};

/* list's and show's options (cmd says which: --state is list's; the ID
 * operand show's). 0, 1 after --help, CN_EUSAGE (printed). */
static int view_parse(const struct args_cmd *cmd, int argc, char **argv, int want_id,
                      struct view_args *a)
{
	struct args g;
	int ch;

	args_begin(&g, cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		if (ch == 'c')
			a->cfgpath = g.val;
		else if (ch == ARGS_LONG('j'))
			a->json = 1;
		else if (ch == ARGS_LONG('v'))
			a->csv = 1;
		else if (ch == ARGS_LONG('s'))
			a->state = g.val;
		else
			return g.exit == 0 ? 1 : CN_EUSAGE;
	}
	if (args_operands(&g, want_id, want_id) != 0)
		return CN_EUSAGE;
	if (a->json && a->csv) {
		args_usage_error(cmd, "give one of --json and --csv");
		return CN_EUSAGE;
	}
	if (want_id)
		a->id = argv[g.ind];
	return 0;
}

static int directive_list(int argc, char **argv)
{
	struct view_args a = {.cfgpath = CONFIG_DEFAULT_PATH};
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ListRequest q = CARENET__LIST_REQUEST__INIT;
	int rc;

	if ((rc = view_parse(&list_cmd, argc, argv, 0, &a)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	if (a.state && strcmp(a.state, "open") != 0 && strcmp(a.state, "overdue") != 0 &&
	    strcmp(a.state, "done") != 0) {
		fprintf(stderr, "carenet directive list: --state %s: use open, overdue or done\n",
		        a.state);
		return 2;
	}
	q.state = (char *)(a.state ? a.state : "");
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_LIST, &q);
	return views("carenet directive list", a.cfgpath, &req, a.json, 0, list_table,
	             a.csv ? list_csv : NULL);
}

static int directive_show(int argc, char **argv)
{
	struct view_args a = {.cfgpath = CONFIG_DEFAULT_PATH};
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ShowRequest q = CARENET__SHOW_REQUEST__INIT;
	int rc;

	if ((rc = view_parse(&show_cmd, argc, argv, 1, &a)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	q.id = (char *)a.id;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_SHOW, &q);
	return views("carenet directive show", a.cfgpath, &req, a.json, 1, show_one,
	             a.csv ? show_csv : NULL);
}

static const struct args_sub directive_subs[] = {
    {"issue", directive_issue,
     "issue a task 任务, notice 督导通知, rectification order 限时整改通知\n"
     "             or circular 通报 to offices below this one"},
    {"list", directive_list, "the directives this office issued or relayed, with target counts"},
    {"show", directive_show, "one directive and the state of each target"},
};
static const struct args_group directive_group = {
    "carenet directive", NULL, directive_subs, sizeof(directive_subs) / sizeof(directive_subs[0]),
    CN_EXIT_TEXT};

int cmd_directive(int argc, char **argv)
{
	return args_dispatch(&directive_group, argc, argv);
}
