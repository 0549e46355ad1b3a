/*
 * ca_list: "carenet ca list", what a CA issued: DIR/issued and the history
 * of certificates superseded by a later issue to the same id
 * (DIR/issued/superseded, with .renewed beside those ca issue --renew
 * replaced); certs/README.md has the layout of a CA directory.
 */
#include "ca_int.h"
#include "args.h"
#include "arr.h"
#include "err.h"
#include "pki.h"
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
     "an array of objects: id, role, serial, not_after,\n"
     "not_after_local, name, revoked, superseded"},
    {0}};
static const struct args_cmd ca_list_cmd = {
    "carenet ca list", "--ca DIR [--json]",
    "Lists the certificates recorded in DIR/issued, then those superseded by a\n"
    "later issue to the same id (DIR/issued/superseded): id, role, serial, end of\n"
    "validity (" DEFAULT_TZ ") and state (-, revoked, superseded, or renewed by\n"
    "SERIAL: replaced by 'ca issue --renew', still valid until it expires).\n",
    ca_list_opts, NULL};

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

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

static void list_one(const char *dir, const char *sub, const char *file,
                     const struct ca_revoked_line *revs, size_t nrev, int json, int first)
{
	struct pki_identity id;
	char name[PATH_MAX], why[WHY_MAX], when[40], *pem, *by = NULL, *nl;
	int is_ca = 0, revoked = 0, superseded = strcmp(sub, "issued") != 0;
	const char *state;

	snprintf(name, sizeof(name), "%s/%s", sub, file);
	pem = ca_read_opt(dir, name);
	if (!pem || pki_cert_parse(pem, strlen(pem), &id, &is_ca, why, sizeof(why)) != 0) {
		fprintf(stderr, "carenet: %s/%s: unreadable, skipped\n", dir, name);
		free(pem);
		return;
	}
	free(pem);
	if (superseded) { /* renewed: NAME.renewed holds the serial that renewed it */
		snprintf(name, sizeof(name), "%s/%.*s.renewed", sub, (int)strlen(file) - 4, file);
		if ((by = ca_read_opt(dir, name)) && (nl = strchr(by, '\n')))
			*nl = 0;
	}
	for (size_t i = 0; i < nrev; i++)
		revoked |= strcmp(revs[i].r.serial, id.serial) == 0;
	util_fmt_time((uint64_t)id.not_after, DEFAULT_TZ, when, sizeof(when));
	state = revoked ? (superseded ? (by && by[0] ? "revoked,renewed" : "revoked,superseded")
	                              : "revoked")
	                : (superseded ? (by && by[0] ? "renewed" : "superseded") : "-");
	if (!json) {
		printf("%-16s %-9s %-32s %-19s %s%s%s\n", id.id, is_ca ? "ca" : pki_role_name(id.role),
		       id.serial, when, state, by && by[0] ? " by " : "", by && by[0] ? by : "");
		free(by);
		return;
	}
	printf("%s\n  {\"id\": ", first ? "" : ",");
	json_str(id.id);
	printf(", \"role\": \"%s\", \"serial\": \"%s\", \"not_after\": %lld, \"not_after_local\": ",
	       is_ca ? "ca" : pki_role_name(id.role), id.serial, (long long)id.not_after);
	json_str(when);
	printf(", \"name\": ");
	json_str(id.name);
	printf(", \"revoked\": %s, \"superseded\": %s, \"renewed_by\": ", revoked ? "true" : "false",
	       superseded ? "true" : "false");
	if (by && by[0])
		json_str(by);
	else
		printf("null");
	printf("}");
	free(by);
}

int ca_list(int argc, char **argv)
{
	static const char *subs[] = {"issued", "issued/superseded"};
	const char *dir = NULL, *passfile = NULL;
	struct ca_revoked_line *revs = NULL;
	char **names = NULL;
	size_t n = 0, nrev = 0, shown = 0;
	int rc, json = 0;

	if ((rc = ca_dir_parse(&ca_list_cmd, argc, argv, &dir, &json, &passfile)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	if (issued_names(dir, subs[0], &names, &n) != 0)
		return ca_fail(CN_ENOTFOUND, "%s/issued: %s: is --ca a CA directory?", dir,
		               strerror(errno));
	ca_revoked_read(dir, &revs, &nrev);
	if (json)
		printf("[");
	else
		printf("%-16s %-9s %-32s %-19s %s\n", "ID", "ROLE", "SERIAL", "NOT AFTER",
		       "STATE");
	for (size_t s = 0; s < ARRAY_LEN(subs); s++) {
		if (s > 0 && issued_names(dir, subs[s], &names, &n) != 0)
			continue; /* no history yet */
		for (size_t i = 0; i < n; i++)
			list_one(dir, subs[s], names[i], revs, nrev, json, shown++ == 0);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		names = NULL;
	}
	if (json)
		printf("%s]\n", shown ? "\n" : "");
	free(revs);
	return 0;
}
