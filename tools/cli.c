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
#include "json.h"
#include "office.h"
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

static void peer_row(const Carenet__PeerStatus *p, const char *tz)
{
	char since[32], seen[32], rtt[24] = "-";

	util_fmt_time(p->since, tz, since, sizeof(since));
	util_fmt_time(p->last_seen, tz, seen, sizeof(seen));
	if (p->rtt_us)
		snprintf(rtt, sizeof(rtt), "%.1f ms", (double)p->rtt_us / 1000.0);
	printf("  %-14s %-9s %-5s %-19s  %-19s  %-9s %s %s\n", p->id, p->role,
	       p->up ? "up" : "DOWN", since, seen, rtt, role_zh(p->role), p->name);
	if (!p->up && p->last_error[0])
		printf("  %-14s last error: %s\n", "", p->last_error);
}

static void peer_table(const char *title, Carenet__PeerStatus **v, size_t n, const char *tz)
{
	size_t up = 0;

	for (size_t i = 0; i < n; i++)
		up += v[i]->up ? 1 : 0;
	printf("\n%s: %zu up of %zu\n", title, up, n);
	if (n == 0)
		return;
	printf("  %-14s %-9s %-5s %-19s  %-19s  %-9s %s\n", "ID", "ROLE", "STATE", "SINCE",
	       "LAST SEEN", "RTT", "NAME");
	for (size_t i = 0; i < n; i++)
		peer_row(v[i], tz);
}

#define CERT_WARN_DAYS 30
static void status_table(const Carenet__Status *st, const char *tz)
{
	char started[32], until[32];
	int any = 0;

	util_fmt_time(st->started, tz, started, sizeof(started));
	util_fmt_time(st->cert_not_after, tz, until, sizeof(until));
	printf("node      %s  %s %s  %s\n", st->id, st->role, role_zh(st->role), st->name);
	printf("started   %s (%s), pid %u, carenet %s\n", started, tz, st->pid, st->version);
	printf("listen    %s\n",
	       st->listen[0] ? st->listen : "(none: this office has no children)");
	printf("cert      valid until %s\n", until);
	if (st->cert_not_after && st->cert_not_after < util_now() + CERT_WARN_DAYS * 86400ull)
		printf("WARNING   this node's certificate expires within %d days (%s): renew it "
		       "(certs/README.md) 证书即将到期\n",
		       CERT_WARN_DAYS, until);
	for (size_t i = 0; i < st->n_crls; i++) {
		char next[32];
		util_fmt_time(st->crls[i]->next_update, tz, next, sizeof(next));
		printf("crl       %s number %lld, next update %s: %s\n", st->crls[i]->issuer,
		       (long long)st->crls[i]->number, next, st->crls[i]->state);
	}
	for (size_t i = 0; i < st->n_alerts; i++)
		printf("ALERT     %s\n", st->alerts[i]);
	if (st->has_parent && st->parent) {
		const Carenet__PeerStatus *p = st->parent;
		char since[32];
		util_fmt_time(p->since, tz, since, sizeof(since));
		printf("parent    %s %s at %s: %s since %s", p->id, p->role, p->endpoint,
		       p->up ? "up" : "DOWN", since);
		if (p->up && p->rtt_us)
			printf(", rtt %.1f ms", (double)p->rtt_us / 1000.0);
		if (!p->up && p->last_error[0])
			printf(" (%s)", p->last_error);
		printf("\n");
	} else {
		printf("parent    (none: top of this network)\n");
	}
	peer_table("children 下级", st->children, st->n_children, tz);
	peer_table("inspectors 督导检查", st->inspectors, st->n_inspectors, tz);
	if (st->n_direct_sessions)
		peer_table("direct sessions (failover) 直报", st->direct_sessions,
		           st->n_direct_sessions, tz);
	if (st->direct)
		printf("\nfailover 直报县级: %s, %llu urgent waiting: %s\n", st->direct->state,
		       (unsigned long long)st->direct->pending, st->direct->why);
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
    {"json", ARGS_LONG('j'), NULL, "an array of {id, role, name}"},
    {"csv", ARGS_LONG('v'), NULL, "id, role, role_zh, name as CSV (UTF-8 with BOM)"},
    {0}};
static const struct args_cmd offices_cmd = {
    "carenet offices", "[-c CFG] [--role county|township|village] [--json | --csv]",
    "Lists the offices this node knows below it: its children, and the offices\n"
    "they announced. These are what a PREFIX:ROLE target of 'carenet directive\n"
    "issue' expands to; an office appears once it has connected to its parent.\n",
    offices_opts, NULL};

/* The offices of the reply (of one role, if role), as a table or JSON. */
static void offices_print(const Carenet__ControlReply *rep, const char *role, int fmt)
{
	static const char *const head[] = {"id", "role", "role_zh", "name"};
	int as_json = fmt == 'j';
	struct json j;
	size_t shown = 0;

	if (as_json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
	} else if (fmt == 'v') {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 4);
	}
	for (size_t i = 0; i < rep->n_offices; i++) {
		const Carenet__PeerStatus *o = rep->offices[i];
		if (role && strcmp(o->role, role) != 0)
			continue;
		shown++;
		if (as_json) {
			json_obj_begin(&j, NULL);
			json_str(&j, "id", o->id);
			json_str(&j, "role", o->role);
			json_str(&j, "name", o->name);
			json_obj_end(&j);
		} else if (fmt == 'v') {
			const char *cells[] = {o->id, o->role, role_zh(o->role), o->name};
			csv_write_row(stdout, cells, 4);
		} else {
			printf("%-14s %-9s %s %s\n", o->id, o->role, role_zh(o->role), o->name);
		}
	}
	if (as_json) {
		json_arr_end(&j);
		json_finish(&j);
	} else if (!fmt) {
		printf("(%zu offices)\n", shown);
	}
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
	                      &cfg, &rep)) == 0)
		offices_print(rep, role, fmt);
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------- tree */

/* The state this node knows of office o: its live session for a child,
 * nothing for an office further down (only that it was announced). */
static const Carenet__PeerStatus *child_of(const Carenet__Status *st, const char *id)
{
	for (size_t i = 0; i < st->n_children; i++)
		if (strcmp(st->children[i]->id, id) == 0)
			return st->children[i];
	return NULL;
}

static const char *office_state(const Carenet__Status *st, const char *id)
{
	const Carenet__PeerStatus *c = child_of(st, id);
	return !c ? "announced" : c->up ? "up" : "down";
}

static const char *state_zh(const char *s)
{
	return !strcmp(s, "up") ? "在线" : !strcmp(s, "down") ? "离线" : "已登记";
}

static const struct args_opt tree_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"json", ARGS_LONG('j'), NULL, "an array of {id, role, name, depth, state, last_seen, ...}"},
    {"csv", ARGS_LONG('v'), NULL, "the same as CSV (UTF-8 with BOM, for Excel)"},
    {0}};
static const struct args_cmd tree_cmd = {
    "carenet tree", "[-c CFG] [--json | --csv]",
    "Shows every office below this node, as a tree, with its state: up or down\n"
    "for this node's children (its live sessions, with last seen and round\n"
    "trip), 'announced' for offices further down, which this node knows only\n"
    "from their announcements (run tree on their parent for their state).\n"
    "Software versions, queue depths and data age are not carried up the tree\n"
    "yet: carenet status on each node shows its own.\n"
    "A monitoring check: exit 0 when every child is up, 1 when one is down.\n",
    tree_opts, NULL};

static void tree_row(const Carenet__Status *st, const Carenet__PeerStatus *o, int fmt,
                     struct json *j, const char *tz)
{
	const Carenet__PeerStatus *c = child_of(st, o->id);
	const char *state = office_state(st, o->id);
	int depth = (int)(strlen(o->id) - strlen(st->id)) / 3;
	char seen[32] = "-", rtt[24] = "", dep[16], ls[32];

	if (c && c->last_seen)
		util_fmt_time(c->last_seen, tz, seen, sizeof(seen));
	if (c && c->rtt_us)
		snprintf(rtt, sizeof(rtt), "%.1f ms", (double)c->rtt_us / 1000.0);
	if (fmt == 'j') {
		json_obj_begin(j, NULL);
		json_str(j, "id", o->id);
		json_str(j, "role", o->role);
		json_str(j, "name", o->name);
		json_u64(j, "depth", (uint64_t)depth);
		json_str(j, "state", state);
		json_u64(j, "last_seen", c ? c->last_seen : 0);
		json_str(j, "last_error", c ? c->last_error : "");
		json_obj_end(j);
	} else if (fmt == 'v') {
		snprintf(dep, sizeof(dep), "%d", depth);
		snprintf(ls, sizeof(ls), "%s", seen);
		const char *cells[] = {
		    o->id, o->role, o->name, dep, state, ls, c ? c->last_error : ""};
		csv_write_row(stdout, cells, 7);
	} else {
		printf("%*s", 2 * depth, "");
		cli_pad(stdout, o->id, 16 - 2 * depth > 13 ? 16 - 2 * depth : 13);
		cli_pad(stdout, o->role, 10);
		cli_pad(stdout, o->name, 24);
		printf("%-9s %-6s %-19s %s\n", state, state_zh(state), seen,
		       c && !c->up && c->last_error[0] ? c->last_error : rtt);
	}
}

static int tree_print(const Carenet__Status *st, const Carenet__ControlReply *offs, int fmt,
                      const char *tz)
{
	static const char *const head[] = {"id",    "role",      "name",      "depth",
	                                   "state", "last_seen", "last_error"};
	struct json j;
	size_t down = 0;

	if (fmt == 'j') {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
	} else if (fmt == 'v') {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 7);
	} else {
		printf("%s  %s %s  %s\n", st->id, st->role, role_zh(st->role), st->name);
	}
	for (size_t i = 0; i < offs->n_offices; i++) {
		tree_row(st, offs->offices[i], fmt, &j, tz);
		down += strcmp(office_state(st, offs->offices[i]->id), "down") == 0;
	}
	if (fmt == 'j') {
		json_arr_end(&j);
		json_finish(&j);
	} else if (!fmt) {
		printf("(%zu offices below, %zu of %zu children up; times in %s)\n",
		       offs->n_offices, st->n_children - down, st->n_children, tz);
	}
	return down ? CN_EIO : 0;
}

int cmd_tree(int argc, char **argv)
{
	const char *p = "carenet tree", *cfgpath = CONFIG_DEFAULT_PATH;
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL, *offs = NULL;
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
	rc = cli_request(p, cfgpath, CARENET__CONTROL_REQUEST__REQUEST_STATUS, &cfg, &rep);
	if (rc == 0 && !rep->status) {
		fprintf(stderr, "%s: the node sent no status\n", p);
		rc = CN_EPROTO;
	}
	if (rc == 0) {
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_OFFICES, NULL);
		rc = cli_call(p, cfg, &req, CLI_TIMEOUT_MS, &offs);
	}
	if (rc == 0)
		rc = tree_print(rep->status, offs, fmt, cfg->timezone);
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	if (offs)
		carenet__control_reply__free_unpacked(offs, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}
