/*
 * roles_rollup_eval: the compliance results a county's monthly roll-up
 * carries up (issue 14 item 4; docs/design.md "Above the county"). At the
 * month's end, inside the write txn that makes the roll-up, the county
 * evaluates each standard of compliance.rollup_standards at the month's
 * last day with the same evaluation `carenet compliance` runs
 * (roles_compliance_txn: roles/compliance, findings overlaid) and keeps per
 * indicator only {standard, id, result, value, threshold}: no text, no
 * office id, no count of a named thing. rollup_results_ok is the receive
 * side's check of the same shape (roles_rollup.c counts_ok calls it).
 */
#include "roles_rollup.h"
#include "err.h"
#include "log.h"
#include "roles_bulletin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RESULTS 1024
#define MAX_STANDARDS 4
#define MAX_THRESHOLD 32
#define MAX_VALUE 1e6 /* a count; an id number or a phone number is far above */

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

/* "YYYY-MM" -> its last day "YYYY-MM-DD". */
static void last_day(const char *month, char out[11])
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = atoi(month), m = atoi(month + 5), d;

	y = y < 0 ? 0 : y % 10000, m = m < 1 || m > 12 ? 1 : m, d = days[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		d = 29;
	snprintf(out, 11, "%04d-%02d-%02d", (unsigned short)y % 10000u, (unsigned char)m % 13u,
	         (unsigned char)d % 32u);
}

static int add(Carenet__Rollup *res, const char *std, const Carenet__ComplianceIndicator *x)
{
	Carenet__RollupResult *y, **nv;

	if (res->n_results >= MAX_RESULTS)
		return 0;
	if (!(nv = realloc(res->results, (res->n_results + 1) * sizeof(*nv))) ||
	    !(y = calloc(1, sizeof(*y)))) {
		if (nv)
			res->results = nv;
		return CN_ENOMEM;
	}
	res->results = nv;
	res->results[res->n_results++] = y;
	carenet__rollup_result__init(y);
	y->standard = dup(std), y->id = dup(x->id), y->result = dup(x->result);
	y->threshold = dup(x->threshold), y->has_value = x->has_value, y->value = x->value;
	return y->standard && y->id && y->result && y->threshold ? 0 : CN_ENOMEM;
}

/* One standard: evaluated in txn at `at`; a refusal (a bad or missing file)
 * is logged and skipped, never holding up the roll-up. */
static int one_standard(struct roles *r, MDB_txn *txn, const char *std, const char *at,
                        Carenet__Rollup *res)
{
	Carenet__ComplianceRequest q = CARENET__COMPLIANCE_REQUEST__INIT;
	Carenet__ControlReply rep = CARENET__CONTROL_REPLY__INIT;
	char *ids[1] = {(char *)std};
	int rc;

	q.standards = ids, q.n_standards = 1, q.office = "", q.at = (char *)at;
	r->err[0] = 0;
	rc = roles_compliance_txn(r, txn, &q, &rep);
	if (rc == CN_ENOMEM || rc == CN_ESTORE || rc == CN_EMAPFULL) {
		carenet__compliance_reply__free_unpacked(rep.compliance, NULL);
		return rc;
	}
	if (rc != 0 || !rep.compliance) {
		log_warnx("rollup: standard %s not evaluated for the roll-up: %s", std,
		          r->err[0] ? r->err : cn_strerror(rc));
		if (rep.compliance)
			carenet__compliance_reply__free_unpacked(rep.compliance, NULL);
		return 0;
	}
	for (size_t i = 0; i < rep.compliance->n_indicators && rc == 0; i++)
		rc = add(res, std, rep.compliance->indicators[i]);
	carenet__compliance_reply__free_unpacked(rep.compliance, NULL);
	return rc;
}

int rollup_results(struct roles *r, MDB_txn *txn, const char *month, Carenet__Rollup *res)
{
	char list[256], at[11], *save = NULL, *std;
	struct timespec t0, t1;
	int rc = 0, n = 0;

	if (!r->env.policy || !r->env.policy->rollup_standards[0])
		return 0;
	last_day(month, at);
	if (!(res->results_at = dup(at)))
		return CN_ENOMEM;
	snprintf(list, sizeof(list), "%s", r->env.policy->rollup_standards);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (std = strtok_r(list, ", ", &save); std && rc == 0 && n < MAX_STANDARDS;
	     std = strtok_r(NULL, ", ", &save), n++)
		rc = one_standard(r, txn, std, at, res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("rollup: %zu results of %d standard(s) at %s evaluated in %.1f ms inside the "
	         "write txn",
	         res->n_results, n, at,
	         (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return rc;
}

void rollup_results_free(Carenet__Rollup *res)
{
	for (size_t i = 0; i < res->n_results; i++)
		carenet__rollup_result__free_unpacked(res->results[i], NULL);
	free(res->results);
	if (res->results_at != protobuf_c_empty_string)
		free(res->results_at);
	res->results = NULL, res->n_results = 0, res->results_at = NULL;
}

/* ---- receive side */

/* Lower-case letters, digits and sep only, 1..max bytes, no run of 5 digits. */
static int id_ok(const char *s, const char *sep, size_t max)
{
	size_t n = strlen(s), run = 0;

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int digit = s[i] >= '0' && s[i] <= '9';
		if (!digit && !(s[i] >= 'a' && s[i] <= 'z') && !strchr(sep, s[i]))
			return 0;
		run = digit ? run + 1 : 0;
		if (run >= 5)
			return 0;
	}
	return 1;
}

/* A threshold as the standards write it (">= 50%", "all", ">= 2 per week"):
 * printable ASCII, short, no run of 5 digits. */
static int threshold_ok(const char *s)
{
	size_t n = strlen(s), run = 0;

	if (n > MAX_THRESHOLD)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
		run = s[i] >= '0' && s[i] <= '9' ? run + 1 : 0;
		if (run >= 5)
			return 0;
	}
	return 1;
}

static int result_ok(const char *s)
{
	return !strcmp(s, "pass") || !strcmp(s, "fail") || !strcmp(s, "unknown") ||
	       !strcmp(s, "n/a");
}

/* A share in [0, 1] or a whole count below MAX_VALUE. */
static int value_ok(const Carenet__RollupResult *x)
{
	double v = x->value;

	if (!x->has_value)
		return v == 0;
	return v >= 0 && v < MAX_VALUE && (v <= 1 || (double)(uint64_t)v == v); /* NaN: false */
}

static int date_ok(const char *s)
{
	return !s[0] ||
	       (strlen(s) == 10 && strspn(s, "0123456789-") == 10 && s[4] == '-' && s[7] == '-');
}

int rollup_results_ok(const Carenet__Rollup *ro, char *why, size_t whylen)
{
	if (ro->n_results > MAX_RESULTS) {
		roles_why(why, whylen, "roll-up of %zu results, at most %d", ro->n_results,
		          MAX_RESULTS);
		return CN_ETOOBIG;
	}
	if (!date_ok(ro->results_at)) {
		roles_why(why, whylen, "roll-up results_at \"%.16s\" is not YYYY-MM-DD",
		          ro->results_at);
		return CN_EINVAL;
	}
	for (size_t i = 0; i < ro->n_results; i++) {
		const Carenet__RollupResult *x = ro->results[i];
		if (!id_ok(x->standard, "-.", 32) || !id_ok(x->id, "._-", 64) ||
		    !result_ok(x->result) || !threshold_ok(x->threshold) || !value_ok(x)) {
			roles_why(
			    why, whylen,
			    "roll-up result %.32s/%.64s is not a compliance result "
			    "(standard and indicator ids, pass/fail/unknown/n/a, a share or a "
			    "count, a threshold)",
			    x->standard, x->id);
			return CN_EINVAL;
		}
	}
	return 0;
}
