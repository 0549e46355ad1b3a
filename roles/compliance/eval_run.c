/*
 * eval_run: the evaluator's driver. Every indicator of a request is begun
 * (no rule: attested or unknown; before its `by` date: n/a; a `when` over
 * the county profile), then the records of each type that some indicator's
 * outer set reads pass once through all of those indicators' tallies (one
 * pass over the children for every child rule of both standards), then each
 * ends. Indicators whose rule text is the same as an earlier one's (the two
 * demonstration standards share most) copy its result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "eval_int.h"

static int on_county(const struct cmp_rec *rc, void *arg)
{
	struct ev *e = arg;
	const char *tier = ev_val(rc, "tier");
	if (!tier || strcmp(tier, "county"))
		return 0;
	e->county = *rc;
	for (size_t k = 0; k < rc->t->nfields && k < REC_MAX_FIELDS; k++)
		e->county_val[k] = rc->val[k] ? strdup(rc->val[k]) : NULL;
	e->county.val = e->county_val;
	e->county.id = e->county.owner = "";
	e->have_county = 1;
	return 1;
}

static int rule_when(struct ev *e, const struct sd_rule *rule, struct cmp_result *out)
{
	int k;
	if (!rule->when)
		return 0;
	snprintf(e->county_buf, sizeof(e->county_buf), "%.6s", e->scope);
	if (strlen(e->scope) >= 6)
		e->src->each(e->src->arg, roles_record_type("office"), e->county_buf, CMP_EXACT,
		             on_county, e);
	k = ev_cond(e, rule->when, NULL);
	if (k == K_F) {
		out->res = CR_NA;
		snprintf(out->note, sizeof(out->note), "does not apply to this county");
		return 1;
	}
	if (k == K_U) {
		out->res = CR_UNKNOWN;
		snprintf(out->note, sizeof(out->note),
		         "the county's profile (R01 office, tier county) does not say");
		return 1;
	}
	return 0;
}

struct job {
	struct ev e;
	struct tally t;
	struct cmp_result *res;
	const struct sd_indicator *d;
	int running; /* waiting for its pass */
	size_t same; /* index + 1 of an earlier job with the same rule: its result */
};

/* Everything before the pass; 1 if the indicator is decided already. */
static int job_begin(struct job *j, const char *at)
{
	const struct sd_indicator *d = j->d;
	struct cmp_result *out = j->res;
	const char *prefix;
	int exact, r;

	snprintf(out->at, sizeof(out->at), "%s", at);
	if (!d->rule) {
		int ax = !strcmp(d->mode, "A") || !strcmp(d->mode, "X");
		out->res = strcmp(d->mode, "—") ? CR_UNKNOWN : CR_NA;
		snprintf(out->note, sizeof(out->note), "%s",
		         *d->needs           ? d->needs
		         : ax                ? "not measured: needs an attestation (carenet attest)"
		         : out->res == CR_NA ? "informational: no pass or fail"
		                             : "needs an inspector's finding (none here)");
		if (ax)
			j->e.err = cmp_attested(j->e.src, j->e.scope, at, d, out);
		return 1;
	}
	if (*d->rule->by && strcmp(at, d->rule->by) < 0) {
		out->res = CR_NA;
		snprintf(out->note, sizeof(out->note), "not due until %s", d->rule->by);
		return 1;
	}
	snprintf(j->e.at, sizeof(j->e.at), "%s", *d->rule->by ? d->rule->by : at);
	snprintf(out->at, sizeof(out->at), "%s", j->e.at); /* a milestone: judged at its date */
	if (sd_date_days(j->e.at, &j->e.t)) {
		j->e.err = CN_EINVAL;
		return 1;
	}
	if (rule_when(&j->e, d->rule, out))
		return 1;
	if ((r = ev_begin(&j->e, d->rule->v, NULL, out, &j->t, &prefix, &exact)) >= 0) {
		out->res = r;
		return 1;
	}
	return 0;
}

struct group {
	struct job *v;
	size_t n;
	const struct rec_type *t;
};

static int group_record(const struct cmp_rec *rc, void *arg)
{
	struct group *g = arg;
	int r;
	for (size_t i = 0; i < g->n; i++) {
		struct job *j = &g->v[i];
		if (!j->running || j->d->rule->v->set.t != g->t || j->e.err)
			continue;
		if ((r = ev_on_record(rc, &j->t)) != 0)
			j->e.err = r;
	}
	return 0;
}

/* One pass per record type, through every running job that reads it. */
static int run_passes(const struct cmp_source *src, const char *scope, struct job *v, size_t n)
{
	struct group g = {v, n, NULL};
	int rc;
	for (size_t i = 0; i < n; i++) {
		unsigned flags = 0;
		int first = 1;
		if (!v[i].running)
			continue;
		for (size_t k = 0; k < i; k++)
			first &=
			    !(v[k].running && v[k].d->rule->v->set.t == v[i].d->rule->v->set.t);
		if (!first)
			continue;
		g.t = v[i].d->rule->v->set.t;
		for (size_t k = i; k < n;
		     k++) /* one reader of personal fields opens them for all */
			if (v[k].running && v[k].d->rule->v->set.t == g.t &&
			    v[k].d->rule->v->set.personal)
				flags = CMP_PERSONAL;
		if ((rc = src->each(src->arg, g.t, scope, flags, group_record, &g)) != 0)
			return rc;
	}
	return 0;
}

/* The index + 1 of an earlier indicator with the same rule, or 0. */
static size_t same_rule(const struct job *v, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (v[k].d->rule && v[i].d->rule && !strcmp(v[k].d->rule_text, v[i].d->rule_text))
			return k + 1;
	return 0;
}

static void copy_result(struct cmp_result *b, const struct cmp_result *a)
{
	const struct sd_indicator *d = b->ind;
	*b = *a;
	b->ind = d;
	for (size_t f = 0; f < a->nfailing; f++)
		if (!(b->failing[f] = strdup(a->failing[f])))
			b->nfailing = f;
}

static void job_free(struct job *j)
{
	for (size_t k = 0; k < REC_MAX_FIELDS; k++)
		free(j->e.county_val[k]);
	for (size_t k = 0; k < CJ_TIERS; k++)
		free(j->e.cj[k].e);
}

int cmp_eval_many(const struct cmp_source *src, const char *scope, const char *at,
                  const struct sd_indicator *const *d, size_t n, struct cmp_ages *ages,
                  struct cmp_result *out)
{
	struct job *v = calloc(n ? n : 1, sizeof(*v));
	int rc = 0;

	if (!v)
		return CN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].ind = d[i];
		v[i].d = d[i], v[i].res = &out[i];
		v[i].e = (struct ev){.src = src, .scope = scope, .ages = ages, .top = &out[i]};
		if (!(v[i].same = same_rule(v, i)))
			v[i].running = !job_begin(&v[i], at);
	}
	rc = run_passes(src, scope, v, n);
	for (size_t i = 0; i < n; i++) {
		if (v[i].running && !v[i].e.err && !rc)
			out[i].res = ev_end(v[i].d->rule->v, &v[i].t, &out[i]);
		if (v[i].e.err || (rc && v[i].running)) {
			out[i].res = CR_UNKNOWN;
			snprintf(out[i].note, sizeof(out[i].note),
			         "the records could not be read (error %d)",
			         v[i].e.err ? v[i].e.err : rc);
			rc = rc ? rc : v[i].e.err;
		}
		job_free(&v[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].same)
			copy_result(&out[i], &out[v[i].same - 1]);
	free(v);
	return rc;
}

int cmp_eval(const struct cmp_source *src, const char *scope, const char *at,
             const struct sd_indicator *d, struct cmp_ages *ages, struct cmp_result *out)
{
	return cmp_eval_many(src, scope, at, &d, 1, ages, out);
}

int64_t cmp_data_age(const struct cmp_ages *ages, const struct cmp_result *r, uint64_t now)
{
	int64_t age = -1;
	for (size_t i = 0; ages && i < ages->n; i++)
		if (r->touched[i / 8] & (1u << (i % 8))) {
			int64_t a = ages->v[i].newest && now > ages->v[i].newest
			                ? (int64_t)(now - ages->v[i].newest)
			                : 0;
			if (a > age)
				age = a;
		}
	return age;
}

void cmp_result_free(struct cmp_result *r)
{
	for (size_t i = 0; i < r->nfailing; i++)
		free(r->failing[i]);
	r->nfailing = 0;
}

const char *cmp_res_name(enum cmp_res r)
{
	static const char *const n[] = {"pass", "fail", "unknown", "n/a"};
	return n[r];
}

const char *cmp_res_zh(enum cmp_res r)
{
	static const char *const n[] = {"达标", "未达标", "不明", "不适用"};
	return n[r];
}

enum cmp_res cmp_stricter(enum cmp_res a, enum cmp_res b)
{
	static const int rank[] = {1, 3, 2, 0}; /* pass, fail, unknown, n/a */
	return rank[a] >= rank[b] ? a : b;
}
