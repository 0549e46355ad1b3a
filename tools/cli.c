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

static const struct args_opt status_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"json", ARGS_LONG('j'), NULL, "one JSON object instead of the table"},
    {0}};
static const struct args_cmd status_cmd = {
    "carenet status", "[-c CFG] [--json]",
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
	int ch, as_json = 0, rc;

	args_begin(&a, &status_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
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
		if (as_json)
			status_json(rep->status);
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
    {0}};
static const struct args_cmd offices_cmd = {
    "carenet offices", "[-c CFG] [--role county|township|village] [--json]",
    "Lists the offices this node knows below it: its children, and the offices\n"
    "they announced. These are what a PREFIX:ROLE target of 'carenet directive\n"
    "issue' expands to; an office appears once it has connected to its parent.\n",
    offices_opts, NULL};

/* The offices of the reply (of one role, if role), as a table or JSON. */
static void offices_print(const Carenet__ControlReply *rep, const char *role, int as_json)
{
	struct json j;
	size_t shown = 0;

	if (as_json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
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
		} else {
			printf("%-14s %-9s %s %s\n", o->id, o->role, role_zh(o->role), o->name);
		}
	}
	if (as_json) {
		json_arr_end(&j);
		json_finish(&j);
	} else {
		printf("(%zu offices)\n", shown);
	}
}

int cmd_offices(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *role = NULL;
	struct config *cfg = NULL;
	Carenet__ControlReply *rep = NULL;
	struct args a;
	int ch, as_json = 0, rc;

	args_begin(&a, &offices_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('r'))
			role = a.val;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
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
		offices_print(rep, role, as_json);
	if (rep)
		carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}
