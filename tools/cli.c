/* cli: operator commands that talk to a running node (status). */
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "args.h"
#include "cmd.h"
#include "config.h"
#include "csv.h"
#include "control.h"
#include "err.h"
#include "health.h"
#include "json.h"
#include "office.h"
#include "table.h"
#include "utf8.h"
#include "util.h"

const char *cmd_self_exe(void)
{
	static char self[PATH_MAX];
	ssize_t n;

	if (!self[0]) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = 0;
		if (n <= 0)
			snprintf(self, sizeof(self), "carenet");
	}
	return self;
}

static const char *role_zh(const char *role)
{
	if (strcmp(role, "province") == 0)
		return "省民政厅";
	if (strcmp(role, "prefecture") == 0)
		return "州市民政局";
	if (strcmp(role, "county") == 0)
		return "县级指导中心";
	if (strcmp(role, "township") == 0)
		return "乡镇工作站";
	if (strcmp(role, "village") == 0)
		return "儿童之家";
	if (strcmp(role, "inspector") == 0)
		return "督导检查";
	return "";
}

static void json_peer(struct json *j, const char *key, const Carenet__PeerStatus *p)
{
	json_obj_begin(j, key);
	json_str(j, "id", p->id);
	json_str(j, "role", p->role);
	json_str(j, "name", p->name);
	json_str(j, "state", p->up ? "up" : "down");
	json_u64(j, "since", p->since);
	json_u64(j, "last_seen", p->last_seen);
	json_double(j, "rtt_ms", (double)p->rtt_us / 1000.0);
	json_str(j, "last_error", p->last_error);
	if (p->endpoint[0])
		json_str(j, "endpoint", p->endpoint);
	if (strcmp(p->role, "inspector") == 0)
		json_str(j, "scope", p->scope);
	json_obj_end(j);
}

/* A village's county-direct link (failover): state 状态, why, what waits. */
static void json_direct(struct json *j, const Carenet__DirectLink *d)
{
	json_obj_begin(j, "direct");
	json_bool(j, "enabled", d->enabled);
	json_str(j, "state", d->state);
	json_u64(j, "since", d->since);
	json_str(j, "why", d->why);
	json_u64(j, "pending", d->pending);
	if (d->county)
		json_peer(j, "county", d->county);
	else
		json_null(j, "county");
	json_obj_end(j);
}

static void status_json(const Carenet__Status *st)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "id", st->id);
	json_str(&j, "role", st->role);
	json_str(&j, "name", st->name);
	json_u64(&j, "pid", st->pid);
	json_str(&j, "version", st->version);
	json_u64(&j, "started", st->started);
	json_str(&j, "listen", st->listen);
	json_u64(&j, "cert_not_after", st->cert_not_after);
	if (st->has_parent && st->parent)
		json_peer(&j, "parent", st->parent);
	else
		json_null(&j, "parent");
	json_arr_begin(&j, "children");
	for (size_t i = 0; i < st->n_children; i++)
		json_peer(&j, NULL, st->children[i]);
	json_arr_end(&j);
	json_arr_begin(&j, "inspectors");
	for (size_t i = 0; i < st->n_inspectors; i++)
		json_peer(&j, NULL, st->inspectors[i]);
	json_arr_end(&j);
	if (st->direct)
		json_direct(&j, st->direct);
	else
		json_null(&j, "direct");
	json_arr_begin(&j, "direct_sessions");
	for (size_t i = 0; i < st->n_direct_sessions; i++)
		json_peer(&j, NULL, st->direct_sessions[i]);
	json_arr_end(&j);
	json_obj_begin(&j, "counters");
	for (size_t i = 0; i < st->n_counters; i++)
		json_u64(&j, st->counters[i]->name, st->counters[i]->value);
	json_obj_end(&j);
	json_arr_begin(&j, "crls");
	for (size_t i = 0; i < st->n_crls; i++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "issuer", st->crls[i]->issuer);
		json_u64(&j, "number", (uint64_t)st->crls[i]->number);
		json_u64(&j, "last_update", st->crls[i]->last_update);
		json_u64(&j, "next_update", st->crls[i]->next_update);
		json_str(&j, "state", st->crls[i]->state);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "alerts");
	for (size_t i = 0; i < st->n_alerts; i++)
		json_str(&j, NULL, st->alerts[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

/* status --csv: one row per link (parent, children, inspectors). */
static void peer_csv(const char *link, const Carenet__PeerStatus *p, const char *tz)
{
	char since[32], seen[32], rtt[24] = "";

	cli_csv_time(p->since, tz, since, sizeof(since));
	cli_csv_time(p->last_seen, tz, seen, sizeof(seen));
	if (p->rtt_us)
		snprintf(rtt, sizeof(rtt), "%.1f", (double)p->rtt_us / 1000.0);
	const char *cells[] = {link,  p->id, p->role, role_zh(p->role), p->name, p->up ? "up" : "down",
	                       since, seen,  rtt,     p->endpoint,      p->last_error};
	csv_write_row(stdout, cells, sizeof(cells) / sizeof(cells[0]));
}

static void status_csv(const Carenet__Status *st, const char *tz)
{
	static const char *const head[] = {"link",  "id",        "role",   "role_zh",
	                                   "name",  "state",     "since",  "last_seen",
	                                   "rtt_ms", "endpoint", "last_error"};

	csv_write_bom(stdout);
	csv_write_row(stdout, head, sizeof(head) / sizeof(head[0]));
	if (st->has_parent && st->parent)
		peer_csv("parent", st->parent, tz);
	for (size_t i = 0; i < st->n_children; i++)
		peer_csv("child", st->children[i], tz);
	for (size_t i = 0; i < st->n_inspectors; i++)
		peer_csv("inspector", st->inspectors[i], tz);
	if (st->direct && st->direct->county)
		peer_csv("county-direct", st->direct->county, tz);
	for (size_t i = 0; i < st->n_direct_sessions; i++)
		peer_csv("direct-session", st->direct_sessions[i], tz);
}

static void peer_row(struct table *t, const Carenet__PeerStatus *p, const char *tz)
{
	char since[32], seen[32], rtt[24] = "-", id[48], line[512];

	util_fmt_time(p->since, tz, since, sizeof(since));
	util_fmt_time(p->last_seen, tz, seen, sizeof(seen));
	if (p->rtt_us)
		snprintf(rtt, sizeof(rtt), "%.1f ms", (double)p->rtt_us / 1000.0);
	snprintf(id, sizeof(id), "  %s", p->id);
	table_add(t, (const char *[]){id, cli_tr(p->role, role_zh(p->role)),
	                              p->up ? cli_tr("up", "在线") : cli_tr("DOWN", "离线"), since,
	                              seen, rtt, p->name});
	if (!p->up && p->last_error[0]) {
		snprintf(line, sizeof(line), "  %-14s %s: %s", "", cli_tr("why", "原因"),
		         p->last_error);
		table_line(t, line);
	}
}

static void peer_table(const char *en, const char *zh, Carenet__PeerStatus **v, size_t n,
                       const char *tz)
{
	size_t up = 0;
	struct table t;

	for (size_t i = 0; i < n; i++)
		up += v[i]->up ? 1 : 0;
	if (cli_zh())
		printf("\n%s: %zu 个, %zu 在线\n", zh, n, up);
	else
		printf("\n%s %s: %zu up of %zu\n", en, zh, up, n);
	if (n == 0)
		return;
	table_init(&t, 7);
	table_add(&t, (const char *[]){cli_indent(cli_tr("ID", "编号")), cli_tr("ROLE", "角色"),
	                               cli_tr("STATE", "状态"), cli_tr("SINCE", "自"),
	                               cli_tr("LAST SEEN", "最后联系"), cli_tr("RTT", "往返"),
	                               cli_tr("NAME", "名称")});
	for (size_t i = 0; i < n; i++)
		peer_row(&t, v[i], tz);
	table_print(&t, stdout);
}

#define CERT_WARN_DAYS 30
/* A status line's label: "parent 上级      " ("上级      " under a zh locale). */
static void label(const char *en, const char *zh)
{
	utf8_pad(stdout, cli_tr(en, zh), cli_zh() ? 10 : 16);
}

static void parent_line(const Carenet__PeerStatus *p, const char *tz)
{
	char since[32];

	util_fmt_time(p->since, tz, since, sizeof(since));
	label("parent", "上级");
	printf("%s %s at %s: %s since %s", p->id, p->role, p->endpoint,
	       p->up ? cli_tr("up", "在线") : cli_tr("DOWN", "离线"), since);
	if (p->up && p->rtt_us)
		printf(", rtt %.1f ms", (double)p->rtt_us / 1000.0);
	if (!p->up && p->last_error[0])
		printf(" (%s)", p->last_error);
	printf("\n");
}

static void status_table(const Carenet__Status *st, const char *tz)
{
	char started[32], until[32];
	int any = 0;

	util_fmt_time(st->started, tz, started, sizeof(started));
	util_fmt_time(st->cert_not_after, tz, until, sizeof(until));
	label("node", "本节点");
	printf("%s  %s  %s\n", st->id, cli_tr(st->role, role_zh(st->role)), st->name);
	label("started", "启动");
	printf("%s (%s), pid %u, carenet %s\n", started, tz, st->pid, st->version);
	label("listen", "监听");
	printf("%s\n", st->listen[0] ? st->listen
	                              : cli_tr("(none: this office has no children)", "(无下级)"));
	label("cert", "证书");
	printf("%s %s\n", cli_tr("valid until", "有效期至"), until);
	if (st->cert_not_after && st->cert_not_after < util_now() + CERT_WARN_DAYS * 86400ull)
		printf("WARNING   this node's certificate expires within %d days (%s): renew it "
		       "(certs/README.md) 证书即将到期\n",
		       CERT_WARN_DAYS, until);
	for (size_t i = 0; i < st->n_crls; i++) {
		char next[32];
		util_fmt_time(st->crls[i]->next_update, tz, next, sizeof(next));
		label("crl", "吊销列表");
		printf("%s number %lld, next update %s: %s\n", st->crls[i]->issuer,
		       (long long)st->crls[i]->number, next, st->crls[i]->state);
	}
	for (size_t i = 0; i < st->n_alerts; i++)
		printf("ALERT     %s\n", st->alerts[i]);
	if (st->has_parent && st->parent)
		parent_line(st->parent, tz);
	else {
		label("parent", "上级");
		printf("%s\n", cli_tr("(none: top of this network)", "(无: 本网络顶层)"));
	}
	peer_table("children", "下级", st->children, st->n_children, tz);
	peer_table("inspectors", "督导检查", st->inspectors, st->n_inspectors, tz);
	if (st->n_direct_sessions)
		peer_table("direct sessions (failover)", "直报", st->direct_sessions,
		           st->n_direct_sessions, tz);
	if (st->direct)
		printf("\n%s: %s, %llu urgent waiting: %s\n", cli_tr("failover", "直报县级"),
		       st->direct->state, (unsigned long long)st->direct->pending, st->direct->why);
	printf("\ncounters (non-zero):");
	for (size_t i = 0; i < st->n_counters; i++) {
		if (!st->counters[i]->value)
			continue;
		printf("%s %s=%llu", any ? "," : "", st->counters[i]->name,
		       (unsigned long long)st->counters[i]->value);
		any = 1;
	}
	printf("%s\n", any ? "" : " none");
	for (size_t i = 0; i < st->n_alerts; i++)
		printf("%sALERT     %s\n", i ? "" : "\n", st->alerts[i]);
}

/* status --check: "OK ..." or "DOWN ...: what" on stdout; 0 or 1 (CN_EIO). */
static int status_check(const Carenet__Status *st)
{
	size_t down = 0, n = st->n_children;
	uint64_t now = util_now();
	int parent_down = st->has_parent && st->parent && !st->parent->up;
	int cert = st->cert_not_after && st->cert_not_after < now + CERT_WARN_DAYS * 86400ull;

	for (size_t i = 0; i < n; i++)
		down += st->children[i]->up ? 0 : 1;
	if (!parent_down && !down && !cert) {
		printf("OK %s: parent %s, %zu of %zu children up\n", st->id,
		       st->has_parent ? "up" : "none", n, n);
		return 0;
	}
	printf("DOWN %s:", st->id);
	if (parent_down)
		printf(" parent %s down (%s);", st->parent->id,
		       st->parent->last_error[0] ? st->parent->last_error : "no answer");
	for (size_t i = 0; i < n; i++)
		if (!st->children[i]->up)
			printf(" child %s down;", st->children[i]->id);
	if (cert)
		printf(" certificate expires within %d days;", CERT_WARN_DAYS);
	printf("\n");
	return CN_EIO;
}

static const struct args_opt status_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"json", ARGS_LONG('j'), NULL, "one JSON object instead of the table"},
    {"csv", ARGS_LONG('v'), NULL,
     "the links as CSV (UTF-8 with BOM, for Excel): link, id,\n"
     "role, role_zh, name, state, since, last_seen, rtt_ms, ..."},
    {"check", ARGS_LONG('k'), NULL,
     "a monitoring check: one line; exit 0 when the parent and\n"
     "every child are up and the certificate is valid 30 more\n"
     "days, else 1"},
    {0}};
static const struct args_cmd status_cmd = {
    "carenet status", "[-c CFG] [--json | --csv | --check]",
    "Shows this node's identity, its parent link, its children and inspectors\n"
    "(state, since when, last seen, round-trip time) and its counters (handshakes\n"
    "refused by reason, invalid messages, bans), asking the running node over its\n"
    "control socket.\n",
    status_opts, NULL};

int cmd_status(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	struct config *cfg = NULL;
	Carenet__ControlReply *rep = NULL;
	struct args a;
	int ch, as_json = 0, as_csv = 0, check = 0, rc;

	args_begin(&a, &status_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else if (ch == ARGS_LONG('v'))
			as_csv = 1;
		else if (ch == ARGS_LONG('k'))
			check = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	rc = cli_request("carenet status", cfgpath, CARENET__CONTROL_REQUEST__REQUEST_STATUS, &cfg,
	                 &rep);
	if (rc == 0 && !rep->status) {
		fprintf(stderr, "carenet status: the node sent no status\n");
		rc = CN_EPROTO;
	}
	if (rc == 0) {
		if (check)
			rc = status_check(rep->status);
		else if (as_json)
			status_json(rep->status);
		else if (as_csv)
			status_csv(rep->status, cfg->timezone);
		else
			status_table(rep->status, cfg->timezone);
	}
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

static const struct args_opt offices_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"role", ARGS_LONG('r'), "ROLE", "only offices of this role"},
    {"json", ARGS_LONG('j'), NULL, "an array of {id, role, name, state}"},
    {"csv", ARGS_LONG('v'), NULL,
     "id, role, role_zh, name, state, state_zh as CSV (UTF-8\nwith BOM)"},
    {0}};
static const struct args_cmd offices_cmd = {
    "carenet offices", "[-c CFG] [--role county|township|village] [--json | --csv]",
    "Lists the offices this node knows below it: its children, and the offices\n"
    "they announced, with their state as 'carenet tree' shows it (up, down,\n"
    "unknown). These are what a PREFIX:ROLE target of 'carenet directive\n"
    "issue' expands to; an office appears once it has connected to its parent.\n",
    offices_opts, NULL};

/* The offices of the reply (of one role, if role), as a table or JSON. */
static const char *state_zh(const char *s)
{
	return !strcmp(s, "up") ? "在线" : !strcmp(s, "down") ? "离线" : "未知";
}

static const char *state_text(const char *s)
{
	return cli_tr(!strcmp(s, "down") ? "DOWN" : s, state_zh(s));
}

/* The state tree shows for id ("unknown" without a status). */
static const char *office_state(const Carenet__Status *st, const char *id)
{
	for (size_t i = 0; st && i < st->n_subtree; i++)
		if (!strcmp(st->subtree[i]->id, id))
			return health_state_name(st->subtree[i]->state);
	return "unknown";
}

static void offices_print(const Carenet__ControlReply *rep, const Carenet__Status *st,
                          const char *role, int fmt)
{
	static const char *const head[] = {"id", "role", "role_zh", "name", "state", "state_zh"};
	int as_json = fmt == 'j';
	struct json j;
	struct table t;
	size_t shown = 0;

	table_init(&t, 4);
	table_add(&t, (const char *[]){cli_tr("ID", "编号"), cli_tr("ROLE", "角色"),
	                               cli_tr("NAME", "名称"), cli_tr("STATE", "状态")});
	if (as_json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
	} else if (fmt == 'v') {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 6);
	}
	for (size_t i = 0; i < rep->n_offices; i++) {
		const Carenet__PeerStatus *o = rep->offices[i];
		const char *state = office_state(st, o->id);
		if (role && strcmp(o->role, role) != 0)
			continue;
		shown++;
		if (as_json) {
			json_obj_begin(&j, NULL);
			json_str(&j, "id", o->id);
			json_str(&j, "role", o->role);
			json_str(&j, "name", o->name);
			json_str(&j, "state", state);
			json_obj_end(&j);
		} else if (fmt == 'v') {
			const char *cells[] = {o->id,   o->role, role_zh(o->role),
			                       o->name, state,   state_zh(state)};
			csv_write_row(stdout, cells, 6);
		} else {
			table_add(&t, (const char *[]){o->id, cli_tr(o->role, role_zh(o->role)),
			                               o->name, state_text(state)});
		}
	}
	if (as_json) {
		json_arr_end(&j);
		json_finish(&j);
	} else if (!fmt) {
		table_print(&t, stdout);
		printf(cli_zh() ? "(%zu 个单位)\n" : "(%zu offices)\n", shown);
	}
	table_free(&t);
}

int cmd_offices(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *role = NULL;
	struct config *cfg = NULL;
	Carenet__ControlReply *rep = NULL;
	struct args a;
	int ch, fmt = 0, rc;

	args_begin(&a, &offices_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('r'))
			role = a.val;
		else if (ch == ARGS_LONG('j') || ch == ARGS_LONG('v'))
			fmt = ch & 0xff;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if (role && pki_role_parse(role) == PKI_ROLE_NONE)
		return args_usage_error(&offices_cmd, "--role %s: give county, township or village",
		                        role);
	if ((rc = cli_request("carenet offices", cfgpath, CARENET__CONTROL_REQUEST__REQUEST_OFFICES,
	                      &cfg, &rep)) == 0) {
		Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
		Carenet__ControlReply *strep = NULL;
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_STATUS, NULL);
		cli_call(NULL, cfg, &req, CLI_TIMEOUT_MS, &strep); /* states: tree's, if any */
		offices_print(rep, strep && !strep->code ? strep->status : NULL, role, fmt);
		if (strep)
			carenet__control_reply__free_unpacked(strep, NULL);
	}
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------- tree */

static const struct args_opt tree_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"json", ARGS_LONG('j'), NULL,
     "an array of {id, role, name, depth, state, state_zh,\n"
     "last_seen, version, queue, data_age, last_error}"},
    {"csv", ARGS_LONG('v'), NULL, "the same as CSV (UTF-8 with BOM, for Excel)"},
    {0}};
static const struct args_cmd tree_cmd = {
    "carenet tree", "[-c CFG] [--json | --csv]",
    "Shows every office below this node, as a tree: its state (up, down, or\n"
    "unknown when the office above it is down or has not reported), when it\n"
    "was last seen, its software version, how many messages it has queued for\n"
    "its neighbours, and the age of these figures (data age). Each node sends\n"
    "its parent a summary of itself and its subtree every ping interval, so a\n"
    "county sees its villages; this node's children's state comes from their\n"
    "live sessions.\n"
    "A monitoring check: exit 0 when every office below is up, 1 when one is\n"
    "down or unknown.\n",
    tree_opts, NULL};

/* "12s", "3m", "2h", "5d"; "-" when unknown (negative). */
static void fmt_age(int64_t age, char *out, size_t len)
{
	if (age < 0)
		snprintf(out, len, "-");
	else if (age < 120)
		snprintf(out, len, "%llds", (long long)age);
	else if (age < 7200)
		snprintf(out, len, "%lldm", (long long)age / 60);
	else if (age < 172800)
		snprintf(out, len, "%lldh", (long long)age / 3600);
	else
		snprintf(out, len, "%lldd", (long long)age / 86400);
}

static void tree_json(struct json *j, const Carenet__OfficeHealth *o, int depth)
{
	const char *state = health_state_name(o->state);

	json_obj_begin(j, NULL);
	json_str(j, "id", o->id);
	json_str(j, "role", o->role);
	json_str(j, "name", o->name);
	json_u64(j, "depth", (uint64_t)depth);
	json_str(j, "state", state);
	json_str(j, "state_zh", state_zh(state));
	json_u64(j, "last_seen", o->last_seen);
	json_str(j, "version", o->version[0] ? o->version : NULL);
	json_u64(j, "queue", o->queue);
	if (o->age < 0)
		json_null(j, "data_age");
	else
		json_i64(j, "data_age", o->age);
	json_str(j, "last_error", o->last_error);
	json_obj_end(j);
}

/* Levels from me down to id: the id lengths (2, 4, 6, 9, 12) past me's up
 * to id's (a township under its county 1, a village 2). */
static int tree_depth(const char *me, const char *id)
{
	static const size_t lens[] = {2, 4, 6, 9, 12};
	int d = 0;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		d += lens[i] > strlen(me) && lens[i] <= strlen(id);
	return d;
}

static void tree_row(const Carenet__OfficeHealth *o, int depth, int fmt, struct json *j,
                     struct table *t, const char *tz)
{
	const char *state = health_state_name(o->state);
	char seen[32] = "-", age[24], dep[16], queue[24] = "-", csvseen[32], id[64];

	if (fmt == 'j') {
		tree_json(j, o, depth);
		return;
	}
	fmt_age(o->age, age, sizeof(age));
	if (o->age >= 0)
		snprintf(queue, sizeof(queue), "%llu", (unsigned long long)o->queue);
	if (fmt == 'v') {
		snprintf(dep, sizeof(dep), "%d", depth);
		cli_csv_time(o->last_seen, tz, csvseen, sizeof(csvseen));
		snprintf(age, sizeof(age), "%lld", (long long)o->age);
		const char *cells[] = {
		    o->id,           o->role, o->name,    dep,   state,
		    state_zh(state), csvseen, o->version, queue, o->age < 0 ? "" : age,
		    o->last_error};
		csv_write_row(stdout, cells, sizeof(cells) / sizeof(cells[0]));
		return;
	}
	if (o->last_seen)
		util_fmt_time(o->last_seen, tz, seen, sizeof(seen));
	snprintf(id, sizeof(id), "%*s%s", 2 * depth, "", o->id);
	const char *cells[] = {
	    id,           cli_tr(o->role, role_zh(o->role)), o->name, state_text(state),
	    seen,         o->version[0] ? o->version : "-",  queue,   age,
	    o->last_error};
	table_add(t, cells);
}

static void tree_head(const Carenet__Status *st, int fmt, struct json *j, struct table *t)
{
	static const char *const head[] = {"id",    "role",     "name",      "depth",
	                                   "state", "state_zh", "last_seen", "version",
	                                   "queue", "data_age", "last_error"};

	if (fmt == 'j') {
		json_init(j, stdout);
		json_arr_begin(j, NULL);
		return;
	}
	if (fmt == 'v') {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, sizeof(head) / sizeof(head[0]));
		return;
	}
	printf("%s  %s  %s  carenet %s\n", st->id, cli_tr(st->role, role_zh(st->role)), st->name,
	       st->version);
	const char *cells[] = {
	    cli_tr("ID", "编号"),    cli_tr("ROLE", "角色"),          cli_tr("NAME", "名称"),
	    cli_tr("STATE", "状态"), cli_tr("LAST SEEN", "最后联系"), cli_tr("VERSION", "版本"),
	    cli_tr("QUEUE", "队列"), cli_tr("AGE", "数据时效"),       cli_tr("WHY", "原因")};
	table_init(t, sizeof(cells) / sizeof(cells[0]));
	table_add(t, cells);
}

static int tree_print(const Carenet__Status *st, int fmt, const char *tz)
{
	struct json j;
	struct table t;
	size_t n[4] = {0};

	tree_head(st, fmt, &j, &t);
	for (size_t i = 0; i < st->n_subtree; i++) {
		const Carenet__OfficeHealth *o = st->subtree[i];
		tree_row(o, tree_depth(st->id, o->id), fmt, &j, &t, tz);
		n[o->state < 4 ? o->state : 3]++;
	}
	if (fmt == 'j') {
		json_arr_end(&j);
		json_finish(&j);
	} else if (!fmt) {
		table_print(&t, stdout);
		printf(cli_zh()
		           ? "(下级 %zu 个: %zu 在线, %zu 离线, %zu 未知; 时间: %s)\n"
		           : "(%zu offices below: %zu up, %zu down, %zu unknown; times in %s)\n",
		       st->n_subtree, n[HEALTH_UP], n[HEALTH_DOWN], n[HEALTH_UNKNOWN], tz);
	}
	return n[HEALTH_DOWN] || n[HEALTH_UNKNOWN] ? CN_EIO : 0;
}

int cmd_tree(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct args a;
	int ch, fmt = 0, rc;

	args_begin(&a, &tree_cmd, argc, argv);
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
	rc = cli_request("carenet tree", cfgpath, CARENET__CONTROL_REQUEST__REQUEST_STATUS, &cfg,
	                 &rep);
	if (rc == 0 && !rep->status) {
		fprintf(stderr, "carenet tree: the node sent no status\n");
		rc = CN_EPROTO;
	}
	if (rc == 0)
		rc = tree_print(rep->status, fmt, cfg->timezone);
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}
