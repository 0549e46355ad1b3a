/*
 * ca_list: "carenet ca list", what a CA issued: DIR/issued and the history
 * of certificates superseded by a later issue to the same id
 * (DIR/issued/superseded, with .renewed beside those ca issue --renew
 * replaced); certs/README.md has the layout of a CA directory.
 */
#include "ca_int.h"
#include "args.h"
#include "arr.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "pki.h"
#include "pki_issue.h"
#include "table.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct args_opt ca_list_opts[] = {
    {"ca", ARGS_LONG('c'), "DIR", "the CA directory"},
    {"json", 'j', NULL,
     "an array of objects: id, role, name, serial, not_before,\n"
     "not_after (UTC seconds, and *_local), revoked, revoked_at,\n"
     "revoked_reason, superseded, renewed_by, state"},
    {"csv", ARGS_LONG('v'), NULL, "the same as CSV (UTF-8 with BOM, for Excel)"},
    {0}};
static const struct args_cmd ca_list_cmd = {
    "carenet ca list", "--ca DIR [--json | --csv]",
    "Lists the certificates recorded in DIR/issued, then those superseded by a\n"
    "later issue to the same id (DIR/issued/superseded): id, role, name, serial,\n"
    "issued (start of validity) and valid until (" DEFAULT_TZ "), and state (-,\n"
    "revoked DATE (REASON), superseded, or renewed by SERIAL: replaced by\n"
    "'ca issue --renew', still valid until it expires).\n",
    ca_list_opts, NULL};

/* One certificate as ca list shows it. */
struct listed {
	struct pki_identity id;
	int is_ca, superseded;
	const struct ca_revoked_line *rev; /* NULL: not revoked */
	char *by;                          /* renewed by SERIAL, or NULL */
	char issued[40], until[40], revoked_at[40], state[160];
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of DIR/SUB/ *.pem. */
static int issued_names(const char *dir, const char *sub, char ***names, size_t *n)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (ca_path(path, dir, sub) || !(d = opendir(path)))
		return CN_EIO;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".pem") != 0)
			continue;
		if (ARR_GROW(*names, *n + 1, cap))
			break;
		if (((*names)[*n] = util_strdup(de->d_name)))
			(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
}

static void listed_state(struct listed *c)
{
	const char *what = c->superseded ? (c->by && c->by[0] ? "renewed" : "superseded") : "";
	size_t n = 0;

	c->state[0] = 0;
	if (c->rev)
		n = (size_t)snprintf(c->state, sizeof(c->state), "revoked %s (%s)%s", c->revoked_at,
		                     pki_crl_reason_name(c->rev->r.reason), what[0] ? ", " : "");
	if (n < sizeof(c->state))
		snprintf(c->state + n, sizeof(c->state) - n, "%s%s%s", what,
		         c->by && c->by[0] ? " by " : "", c->by && c->by[0] ? c->by : "");
	if (!c->state[0])
		snprintf(c->state, sizeof(c->state), "-");
}

/* Reads DIR/SUB/FILE into c; 0, or -1 (unreadable: said on stderr). */
static int listed_read(const char *dir, const char *sub, const char *file,
                       const struct ca_revoked_line *revs, size_t nrev, struct listed *c)
{
	char name[PATH_MAX], why[WHY_MAX], *pem, *nl;

	memset(c, 0, sizeof(*c));
	c->superseded = strcmp(sub, "issued") != 0;
	snprintf(name, sizeof(name), "%s/%s", sub, file);
	pem = ca_read_opt(dir, name);
	if (!pem || pki_cert_parse(pem, strlen(pem), &c->id, &c->is_ca, why, sizeof(why)) != 0) {
		fprintf(stderr, "carenet ca list: %s/%s: unreadable, skipped\n", dir, name);
		free(pem);
		return -1;
	}
	free(pem);
	if (c->superseded) { /* renewed: NAME.renewed holds the serial that renewed it */
		snprintf(name, sizeof(name), "%s/%.*s.renewed", sub, (int)strlen(file) - 4, file);
		if ((c->by = ca_read_opt(dir, name)) && (nl = strchr(c->by, '\n')))
			*nl = 0;
	}
	for (size_t i = 0; i < nrev && !c->rev; i++)
		if (strcmp(revs[i].r.serial, c->id.serial) == 0)
			c->rev = &revs[i];
	util_fmt_time((uint64_t)c->id.not_before, DEFAULT_TZ, c->issued, sizeof(c->issued));
	util_fmt_time((uint64_t)c->id.not_after, DEFAULT_TZ, c->until, sizeof(c->until));
	if (c->rev)
		util_fmt_time((uint64_t)c->rev->r.when, DEFAULT_TZ, c->revoked_at,
		              sizeof(c->revoked_at));
	listed_state(c);
	return 0;
}

static const char *listed_role(const struct listed *c)
{
	return c->is_ca ? "ca" : pki_role_name(c->id.role);
}

static void listed_json(struct json *j, const struct listed *c)
{
	json_obj_begin(j, NULL);
	json_str(j, "id", c->id.id);
	json_str(j, "role", listed_role(c));
	json_str(j, "name", c->id.name);
	json_str(j, "serial", c->id.serial);
	json_i64(j, "not_before", (int64_t)c->id.not_before);
	json_str(j, "not_before_local", c->issued);
	json_i64(j, "not_after", (int64_t)c->id.not_after);
	json_str(j, "not_after_local", c->until);
	json_bool(j, "revoked", c->rev != NULL);
	if (c->rev) {
		json_i64(j, "revoked_at", (int64_t)c->rev->r.when);
		json_str(j, "revoked_at_local", c->revoked_at);
		json_str(j, "revoked_reason", pki_crl_reason_name(c->rev->r.reason));
	} else {
		json_null(j, "revoked_at");
		json_null(j, "revoked_at_local");
		json_null(j, "revoked_reason");
	}
	json_bool(j, "superseded", c->superseded);
	json_str(j, "renewed_by", c->by && c->by[0] ? c->by : NULL);
	json_str(j, "state", c->state);
	json_obj_end(j);
}

static void listed_row(int fmt, struct json *j, struct table *t, const struct listed *c)
{
	const char *cells[] = {c->id.id,  listed_role(c), c->id.name,    c->id.serial,
	                       c->issued, c->until,       c->revoked_at, c->state};

	if (fmt == 'j')
		listed_json(j, c);
	else if (fmt == 'v')
		csv_write_row(stdout, cells, ARRAY_LEN(cells));
	else
		table_add(t, (const char *[]){cells[0], cells[1], c->id.name[0] ? c->id.name : "-",
		                              cells[3], cells[4], cells[5], cells[7]});
}

static void list_head(int fmt, struct json *j, struct table *t)
{
	static const char *const head[] = {"id",     "role",        "name",       "serial",
	                                   "issued", "valid_until", "revoked_at", "state"};

	if (fmt == 'j') {
		json_init(j, stdout);
		json_arr_begin(j, NULL);
	} else if (fmt == 'v') {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, ARRAY_LEN(head));
	} else {
		table_init(t, 7);
		table_add(t, (const char *[]){"ID", "ROLE", "NAME 名称", "SERIAL", "ISSUED 签发",
		                              "VALID UNTIL 有效期至", "STATE 状态"});
	}
}

static int list_parse(int argc, char **argv, const char **dir, int *fmt)
{
	struct args g;
	int ch;

	args_begin(&g, &ca_list_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		if (ch == ARGS_LONG('c'))
			*dir = g.val;
		else if (ch == 'j' || ch == ARGS_LONG('v'))
			*fmt = ch == 'j' ? 'j' : 'v';
		else
			return g.exit == 0 ? 1 : CN_EUSAGE;
	}
	if (args_operands(&g, 0, 0) != 0)
		return CN_EUSAGE;
	if (!*dir) {
		args_usage_error(&ca_list_cmd, "--ca is required");
		return CN_EUSAGE;
	}
	return 0;
}

int ca_list(int argc, char **argv)
{
	static const char *subs[] = {"issued", "issued/superseded"};
	const char *dir = NULL;
	struct ca_revoked_line *revs = NULL;
	struct listed c;
	struct json j;
	struct table t;
	char **names = NULL;
	size_t n = 0, nrev = 0;
	int rc, fmt = 0;

	if ((rc = list_parse(argc, argv, &dir, &fmt)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	if (issued_names(dir, subs[0], &names, &n) != 0)
		return ca_fail(CN_ENOTFOUND, "%s/issued: %s: is --ca a CA directory?", dir,
		               strerror(errno));
	ca_revoked_read(dir, &revs, &nrev);
	list_head(fmt, &j, &t);
	for (size_t s = 0; s < ARRAY_LEN(subs); s++) {
		if (s > 0 && issued_names(dir, subs[s], &names, &n) != 0)
			continue; /* no history yet */
		for (size_t i = 0; i < n; i++) {
			if (listed_read(dir, subs[s], names[i], revs, nrev, &c) == 0)
				listed_row(fmt, &j, &t, &c);
			free(c.by);
			free(names[i]);
		}
		free(names);
		names = NULL;
	}
	if (fmt == 'j') {
		json_arr_end(&j);
		json_finish(&j);
	} else if (!fmt) {
		table_print(&t, stdout);
	}
	free(revs);
	return 0;
}
