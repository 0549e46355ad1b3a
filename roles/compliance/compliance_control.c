/*
 * compliance_control: the control request `compliance` — the standards
 * named (files in compliance.standards_dir) evaluated over the subtree of
 * an office at a date, with the stricter reading where two standards hold
 * the same indicator (and both readings where they differ), veto items
 * first, and the data age of every office read. Runs inside the read txn
 * roles top opened (the source reads through it). Reads only: nothing is
 * written, no personal value leaves (counts and office ids).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance.h"
#include "err.h"
#include "roles_int.h"

#define MAX_STANDARDS 4
#define CHINA_OFFSET (8 * 3600)

typedef Carenet__ComplianceIndicator Ind;

struct out {
	Ind **v;
	size_t n, cap;
};

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

static int office_ok(const char *me, const char *office)
{
	size_t l = strlen(office);
	return l > 0 && l <= 12 && strspn(office, "0123456789") == l &&
	       !strncmp(office, me, strlen(me) < l ? strlen(me) : l) && l >= strlen(me);
}

static int check_request(struct roles *r, const Carenet__ComplianceRequest *q, char *scope,
                         char *at)
{
	const char *me = r->env.me->id;
	long d;
	if (!q->n_standards || q->n_standards > MAX_STANDARDS) {
		roles_why(r->err, sizeof(r->err), "give 1 to %d standards (--standard ID[,ID])",
		          MAX_STANDARDS);
		return CN_EINVAL;
	}
	if (q->office[0] && !office_ok(me, q->office)) {
		roles_why(r->err, sizeof(r->err),
		          "--office %.64s is not in this node's subtree (%s): give an office id or "
		          "prefix beginning with %s, or ask the node above it",
		          q->office, me, me);
		return CN_ESCOPE;
	}
	snprintf(scope, PKI_ID_MAX, "%s", q->office[0] ? q->office : me);
	if (q->at[0]) {
		if (sd_date_days(q->at, &d) || strlen(q->at) != 10) {
			roles_why(r->err, sizeof(r->err),
			          "--at %.32s is not a date: write YYYY-MM-DD", q->at);
			return CN_EINVAL;
		}
		snprintf(at, SD_DATE_LEN, "%s", q->at);
	} else
		sd_days_date((long)((roles_now(r) + CHINA_OFFSET) / 86400), at);
	return 0;
}

static Ind *find(struct out *o, const char *id)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i]->id, id))
			return o->v[i];
	return NULL;
}

static int add_reading(Ind *x, const char *std, const struct cmp_result *res)
{
	Carenet__ComplianceReading *g = calloc(1, sizeof(*g)), **nv;
	if (!g || !(nv = realloc(x->readings, (x->n_readings + 1) * sizeof(*nv)))) {
		free(g);
		return CN_ENOMEM;
	}
	x->readings = nv;
	carenet__compliance_reading__init(g);
	x->readings[x->n_readings++] = g;
	g->standard = dup(std), g->result = dup(cmp_res_name(res->res));
	g->threshold = dup(res->ind->threshold), g->rule = dup(res->ind->rule_text);
	g->has_value = res->has_value, g->value = res->value;
	return g->standard && g->result && g->threshold && g->rule ? 0 : CN_ENOMEM;
}

static int fill_towns(Ind *x, const struct cmp_result *res)
{
	if (!res->ntown)
		return 0;
	if (!(x->townships = calloc(res->ntown, sizeof(*x->townships))))
		return CN_ENOMEM;
	for (size_t i = 0; i < res->ntown; i++) {
		const struct cmp_township *t = &res->town[i];
		Carenet__ComplianceTownship *w = calloc(1, sizeof(*w));
		if (!(x->townships[x->n_townships] = w))
			return CN_ENOMEM;
		x->n_townships++;
		carenet__compliance_township__init(w);
		w->id = dup(t->id);
		w->result = dup(cmp_res_name(t->fail      ? CR_FAIL
		                             : t->unknown ? CR_UNKNOWN
		                             : t->pass    ? CR_PASS
		                                          : CR_NA));
		w->pass = t->pass, w->fail = t->fail, w->unknown = t->unknown;
		if (!w->id || !w->result)
			return CN_ENOMEM;
	}
	return 0;
}

static int fill_failing(Ind *x, const struct cmp_result *res)
{
	if (!res->nfailing)
		return 0;
	if (!(x->failing_offices = calloc(res->nfailing, sizeof(char *))))
		return CN_ENOMEM;
	for (size_t i = 0; i < res->nfailing; i++)
		if (!(x->failing_offices[x->n_failing_offices++] = dup(res->failing[i])))
			return CN_ENOMEM;
	x->failing_more = res->failing_more;
	return 0;
}

/* A new row from one standard's result. */
static int row_new(struct out *o, const char *std, const struct cmp_result *res, int64_t age)
{
	const struct sd_indicator *d = res->ind;
	Ind *x, **nv;
	if (o->n == o->cap) {
		if (!(nv = realloc(o->v, (o->cap ? 2 * o->cap : 64) * sizeof(*nv))))
			return CN_ENOMEM;
		o->v = nv, o->cap = o->cap ? 2 * o->cap : 64;
	}
	if (!(x = o->v[o->n] = calloc(1, sizeof(*x))))
		return CN_ENOMEM;
	o->n++;
	carenet__compliance_indicator__init(x);
	x->id = dup(d->id), x->mode = dup(d->mode), x->result = dup(cmp_res_name(res->res));
	x->has_value = res->has_value, x->value = res->value, x->lo = res->lo, x->hi = res->hi;
	x->threshold = dup(d->threshold), x->veto = d->veto, x->data_age_s = age;
	x->note = dup(res->note), x->zh = dup(d->zh), x->en = dup(d->en), x->tier = dup(d->tier);
	x->judged_at = dup(res->at), x->due = dup(d->due), x->standard = dup(std);
	x->rule = dup(d->rule_text);
	x->attested = res->attested, x->attested_by = dup(res->attested_by);
	x->attested_at = dup(res->attested_at), x->attested_record = dup(res->attested_id);
	x->pass = res->pass, x->fail = res->fail, x->unknown = res->unknown;
	if (!x->id || !x->mode || !x->result || !x->threshold || !x->note || !x->zh || !x->en ||
	    !x->tier || !x->judged_at || !x->due || !x->standard || !x->rule || !x->attested_by ||
	    !x->attested_at || !x->attested_record)
		return CN_ENOMEM;
	int rc = fill_failing(x, res);
	return rc ? rc : fill_towns(x, res);
}

/* The same id from a second standard: keep the stricter, note both. */
static int row_merge(Ind **slot, const char *std, const struct cmp_result *res, int64_t age)
{
	Ind *x = *slot;
	enum cmp_res a = CR_NA;
	char *s;
	for (int k = 0; k < 4; k++)
		if (!strcmp(x->result, cmp_res_name((enum cmp_res)k)))
			a = (enum cmp_res)k;
	if (cmp_stricter(a, res->res) != a) {
		struct out one = {0};
		Ind *y;
		int rc = row_new(&one, std, res, age);
		y = one.n ? one.v[0] : NULL;
		free(one.v);
		if (rc) {
			if (y)
				carenet__compliance_indicator__free_unpacked(y, NULL);
			return rc;
		}
		free(y->standard);
		y->standard = x->standard, x->standard = NULL;
		y->readings = x->readings, y->n_readings = x->n_readings;
		x->readings = NULL, x->n_readings = 0;
		carenet__compliance_indicator__free_unpacked(x, NULL);
		*slot = x = y;
	}
	if (x->data_age_s < age)
		x->data_age_s = age;
	if (!(s = malloc(strlen(x->standard) + strlen(std) + 2)))
		return CN_ENOMEM;
	sprintf(s, "%s,%s", x->standard, std);
	free(x->standard);
	x->standard = s;
	return add_reading(x, std, res);
}

/* Readings stay only where the standards differ. */
static void prune_readings(Ind *x)
{
	int differ = 0;
	for (size_t i = 1; i < x->n_readings; i++) {
		Carenet__ComplianceReading *a = x->readings[0], *b = x->readings[i];
		differ |= strcmp(a->result, b->result) || strcmp(a->threshold, b->threshold) ||
		          strcmp(a->rule, b->rule);
	}
	if (differ)
		return;
	for (size_t i = 0; i < x->n_readings; i++)
		carenet__compliance_reading__free_unpacked(x->readings[i], NULL);
	free(x->readings);
	x->readings = NULL, x->n_readings = 0;
}

/* Every indicator of every standard in one evaluation (cmp_eval_many: one pass
 * per record type), then merged into rows in file order. */
static int eval_all(struct roles *r, struct sd_standard *const *v, size_t nstd, const char *scope,
                    const char *at, const struct cmp_source *src, struct cmp_ages *ages,
                    struct out *o)
{
	const struct sd_indicator **d;
	struct cmp_result *res;
	uint64_t now = roles_now(r);
	size_t n = 0, k = 0;
	int rc;

	for (size_t s = 0; s < nstd; s++)
		n += v[s]->n;
	d = calloc(n ? n : 1, sizeof(*d));
	res = calloc(n ? n : 1, sizeof(*res));
	if (!d || !res) {
		free(d), free(res);
		return CN_ENOMEM;
	}
	for (size_t s = 0; s < nstd; s++)
		for (size_t i = 0; i < v[s]->n; i++)
			d[k++] = &v[s]->v[i];
	if ((rc = cmp_eval_many(src, scope, at, d, n, ages, res)) != 0)
		roles_why(r->err, sizeof(r->err), "the records could not be read: %s",
		          cn_strerror(rc));
	for (size_t i = 0; i < n && rc == 0; i++) {
		int64_t age = cmp_data_age(ages, &res[i], now);
		Ind *x = find(o, d[i]->id);
		if (x) {
			size_t j = 0;
			while (o->v[j] != x)
				j++;
			rc = row_merge(&o->v[j], d[i]->std_id, &res[i], age);
		} else if (!(rc = row_new(o, d[i]->std_id, &res[i], age)))
			rc = add_reading(o->v[o->n - 1], d[i]->std_id, &res[i]);
	}
	for (size_t i = 0; i < n; i++)
		cmp_result_free(&res[i]);
	free(d), free(res);
	return rc;
}

static int veto_first(const void *a, const void *b)
{
	const Ind *x = *(Ind *const *)a, *y = *(Ind *const *)b;
	return (int)y->veto - (int)x->veto;
}

static void sort_rows(struct out *o)
{
	/* stable: insertion by veto (qsort is not stable) */
	for (size_t i = 1; i < o->n; i++)
		for (size_t j = i; j > 0 && veto_first(&o->v[j - 1], &o->v[j]) > 0; j--) {
			Ind *t = o->v[j];
			o->v[j] = o->v[j - 1], o->v[j - 1] = t;
		}
}

static int fill_offices(Carenet__ComplianceReply *c, const struct cmp_ages *ages, uint64_t now)
{
	if (!ages->n)
		return 0;
	if (!(c->offices = calloc(ages->n, sizeof(*c->offices))))
		return CN_ENOMEM;
	for (size_t i = 0; i < ages->n; i++) {
		Carenet__ComplianceOffice *f = calloc(1, sizeof(*f));
		if (!(c->offices[c->n_offices] = f))
			return CN_ENOMEM;
		c->n_offices++;
		carenet__compliance_office__init(f);
		if (!(f->id = dup(ages->v[i].id)))
			return CN_ENOMEM;
		f->data_age_s = ages->v[i].newest && now > ages->v[i].newest
		                    ? (int64_t)(now - ages->v[i].newest)
		                    : 0;
	}
	return 0;
}

static int load_all(struct roles *r, const Carenet__ComplianceRequest *q, struct sd_standard **v,
                    char *title_zh, char *title_en, char *ids)
{
	const char *dir = r->env.policy && r->env.policy->standards_dir[0]
	                      ? r->env.policy->standards_dir
	                      : sd_default_dir();
	char err[1024];
	int rc;
	for (size_t i = 0; i < q->n_standards; i++) {
		if ((rc = sd_load_id(dir, q->standards[i], &v[i], err, sizeof(err))) != 0) {
			roles_why(r->err, sizeof(r->err), "%s%s", err,
			          rc == CN_ENOTFOUND
			              ? " (carenet standards list shows the standards)"
			              : "");
			return rc == CN_ENOTFOUND ? CN_EINVAL : rc;
		}
		snprintf(ids + strlen(ids), 256 - strlen(ids), "%s%s", i ? "," : "", v[i]->id);
		snprintf(title_zh + strlen(title_zh), 1024 - strlen(title_zh), "%s%s",
		         i ? "；" : "", v[i]->title_zh);
		snprintf(title_en + strlen(title_en), 1024 - strlen(title_en), "%s%s",
		         i ? "; " : "", v[i]->title_en);
	}
	return 0;
}

static int reply_fill(Carenet__ComplianceReply *c, struct out *o, const char *ids,
                      const char *scope, const char *at, const char *tz, const char *te)
{
	c->standard = dup(ids), c->office = dup(scope), c->at = dup(at);
	c->title_zh = dup(tz), c->title_en = dup(te);
	for (size_t i = 0; i < o->n; i++)
		prune_readings(o->v[i]);
	sort_rows(o);
	c->indicators = o->v, c->n_indicators = o->n;
	o->v = NULL, o->n = 0;
	return c->standard && c->office && c->at && c->title_zh && c->title_en ? 0 : CN_ENOMEM;
}

int compliance_run(struct roles *r, const Carenet__ComplianceRequest *q,
                   const struct cmp_source *src, Carenet__ControlReply *rep)
{
	struct sd_standard *v[MAX_STANDARDS] = {0};
	char scope[PKI_ID_MAX], at[SD_DATE_LEN], ids[256] = "", tz[1024] = "", te[1024] = "";
	struct cmp_ages *ages = NULL;
	Carenet__ComplianceReply *c = NULL;
	struct out o = {0};
	int rc;

	if ((rc = check_request(r, q, scope, at)) || (rc = load_all(r, q, v, tz, te, ids)))
		goto out;
	if (!(ages = calloc(1, sizeof(*ages))) || !(c = calloc(1, sizeof(*c)))) {
		rc = CN_ENOMEM;
		goto out;
	}
	carenet__compliance_reply__init(c);
	rc = eval_all(r, v, q->n_standards, scope, at, src, ages, &o);
	if (rc == 0 && (rc = reply_fill(c, &o, ids, scope, at, tz, te)) == 0)
		rc = fill_offices(c, ages, roles_now(r));
	c->now = roles_now(r);
out:
	for (size_t i = 0; i < o.n; i++)
		carenet__compliance_indicator__free_unpacked(o.v[i], NULL);
	free(o.v);
	for (size_t i = 0; i < MAX_STANDARDS; i++)
		sd_standard_free(v[i]);
	free(ages);
	if (rc && c)
		carenet__compliance_reply__free_unpacked(c, NULL), c = NULL;
	rep->compliance = c;
	return rc;
}

void compliance_reply_free(Carenet__ControlReply *rep)
{
	if (rep && rep->compliance) {
		carenet__compliance_reply__free_unpacked(rep->compliance, NULL);
		rep->compliance = NULL;
	}
}
