/*
 * eval: one indicator's rule over the records of a scope (docs/design.md,
 * "Compliance"). Kleene logic (K_F, K_T, K_U): a comparison, a window or an
 * age on an absent value is unknown; an enum or set that is absent is a
 * known empty value. Sets stream: the outer set is one pass of the source;
 * an inner set is one pass per outer element restricted to the element's
 * office (division, office/home) or, under a child, to the records naming
 * it. Nothing is kept but counters, the failing offices (capped) and the
 * per-township tallies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "eval_int.h"

static void touch(struct ev *e, const struct cmp_rec *rc)
{
	struct cmp_ages *a = e->ages;
	size_t i = a->last;
	if (i >= a->n || strcmp(a->v[i].id, rc->owner))
		for (i = 0; i < a->n && strcmp(a->v[i].id, rc->owner); i++)
			;
	if (i == a->n) {
		if (i == CMP_MAX_OFFICES)
			return;
		snprintf(a->v[i].id, sizeof(a->v[i].id), "%s", rc->owner);
		a->v[i].newest = 0;
		a->n++;
	}
	a->last = i;
	if (rc->changed_at > a->v[i].newest)
		a->v[i].newest = rc->changed_at;
	e->top->touched[i / 8] |= (unsigned char)(1u << (i % 8));
}

/* One indicator's evaluation: its date, the county profile, caches. */
static const char *fval(const struct cmp_rec *rc, int k)
{
	const char *v = k >= 0 ? rc->val[k] : NULL;
	return v && *v ? v : NULL;
}

static int field_of(const struct cmp_rec *rc, const char *name)
{
	return roles_record_field(rc->t, name);
}

static int age_of(const struct ev *e, const struct cmp_rec *rc, double *age)
{
	const char *b = fval(rc, field_of(rc, "birth_date"));
	char at[SD_DATE_LEN];
	int y, by;
	long d;
	if (!b || sd_date_days(b, &d))
		return -1;
	sd_days_date(e->t, at);
	y = atoi(at), by = atoi(b);
	*age = y - by - (strcmp(at + 5, b + 5) < 0); /* the birthday counts on the day */
	return 0;
}

static int set_has(const char *v, const char *m)
{
	size_t ml = strlen(m), sl = strlen(REC_SET_SEP);
	while (v && *v) {
		const char *e = strstr(v, REC_SET_SEP);
		size_t l = e ? (size_t)(e - v) : strlen(v);
		if (l == ml && !memcmp(v, m, l))
			return 1;
		v = e ? e + sl : NULL;
	}
	return 0;
}

/* The window's first and last day (days) at t; *open: the period ends after t. */
static void window_range(const struct sd_window *w, long t, long *from, long *to, int *open)
{
	char d[SD_DATE_LEN], b[32];
	int y, m;
	long end;
	sd_days_date(t, d);
	y = atoi(d), m = atoi(d + 5);
	*to = t, *open = 0;
	switch (w->kind) {
	case SW_YEAR:
		snprintf(b, sizeof(b), "%04d-01-01", y % 10000);
		sd_date_days(b, from);
		snprintf(b, sizeof(b), "%04d-12-31", y % 10000);
		sd_date_days(b, &end);
		*open = end > t;
		return;
	case SW_QUARTER:
	case SW_MONTH: {
		int m0 = w->kind == SW_QUARTER ? (m - 1) / 3 * 3 + 1 : m;
		int m1 = w->kind == SW_QUARTER ? m0 + 3 : m0 + 1;
		snprintf(b, sizeof(b), "%04d-%02d-01", y % 10000, m0 % 13);
		sd_date_days(b, from);
		snprintf(b, sizeof(b), "%04d-%02d-01", (y + (m1 > 12)) % 10000,
		         (m1 > 12 ? 1 : m1) % 13);
		sd_date_days(b, &end);
		*open = end - 1 > t;
		return;
	}
	case SW_DAYS:
		*from = t - w->n + 1;
		return;
	case SW_WEEKS:
		*from = t - 7L * w->n + 1;
		return;
	case SW_MONTHS:
		*from = t - 30L * w->n - w->n / 2 + 1; /* calendar months, near enough: 30.5 days */
		return;
	default:
		*from = -1000000;
	}
}

static int in_window(const struct ev *e, const struct sd_window *w, const char *v, int *open)
{
	struct ev *me = (struct ev *)e; /* the window's range, computed once per window */
	long d;
	*open = 0;
	if (w->kind == SW_NONE)
		return K_T;
	if (me->win != w) {
		window_range(w, e->t, &me->win_from, &me->win_to, &me->win_open);
		me->win = w;
	}
	*open = e->win_open;
	if (!v || sd_date_days(v, &d))
		return K_U;
	return d >= e->win_from && d <= e->win_to ? K_T : K_F;
}

static int k_and(int a, int b)
{
	return a == K_F || b == K_F ? K_F : a == K_T && b == K_T ? K_T : K_U;
}
static int k_or(int a, int b)
{
	return a == K_T || b == K_T ? K_T : a == K_F && b == K_F ? K_F : K_U;
}

static int cmp_values(const struct rec_field *f, const char *v, const struct sd_cond *c)
{
	if (!f || f->kind == RK_INT || f->kind == RK_MONEY) {
		double x = strtod(v, NULL);
		return x < c->num ? -1 : x > c->num;
	}
	if (f->kind == RK_DATE || f->kind == RK_TIME)
		return strncmp(v, c->vals[0], 10);
	return strcmp(v, c->vals[0]);
}

static int leaf(const struct ev *e, const struct sd_cond *c, const struct cmp_rec *rc)
{
	const struct rec_field *f = c->field >= 0 ? &rc->t->fields[c->field] : NULL;
	const char *v = c->field >= 0 ? fval(rc, c->field) : NULL;
	char agebuf[32];
	double age;
	long d;
	int open, r;

	if (c->field == SD_FIELD_AGE) {
		if (age_of(e, rc, &age))
			return K_U;
		snprintf(agebuf, sizeof(agebuf), "%.0f", age);
		v = agebuf;
	}
	switch (c->op) {
	case SD_EQ:
	case SD_NE:
		r = v && !cmp_values(f, v, c);
		return (c->op == SD_EQ) == r ? K_T : K_F;
	case SD_IN:
		for (size_t k = 0; v && k < c->nvals; k++)
			if (!strcmp(v, c->vals[k]))
				return K_T;
		return K_F;
	case SD_HAS_ANY:
	case SD_HAS_ALL:
		for (size_t k = 0; k < c->nvals; k++) {
			r = v && set_has(v, c->vals[k]);
			if (r && c->op == SD_HAS_ANY)
				return K_T;
			if (!r && c->op == SD_HAS_ALL)
				return K_F;
		}
		return c->op == SD_HAS_ALL ? K_T : K_F;
	case SD_PRESENT:
		return v ? K_T : K_F;
	case SD_WITHIN:
		if (!v || sd_date_days(v, &d))
			return K_U;
		return d <= e->t && e->t - d <= (long)c->num ? K_T : K_F;
	case SD_INWIN:
		return in_window(e, &c->win, v, &open);
	default:
		if (!v)
			return K_U;
		r = cmp_values(f, v, c);
		switch (c->op) {
		case SD_LT:
			return r < 0 ? K_T : K_F;
		case SD_LE:
			return r <= 0 ? K_T : K_F;
		case SD_GT:
			return r > 0 ? K_T : K_F;
		default:
			return r >= 0 ? K_T : K_F;
		}
	}
}

static int cond_eval(const struct ev *e, const struct sd_cond *c, const struct cmp_rec *rc)
{
	if (!c)
		return K_T;
	switch (c->op) {
	case SD_AND:
		return k_and(cond_eval(e, c->a, rc), cond_eval(e, c->b, rc));
	case SD_OR:
		return k_or(cond_eval(e, c->a, rc), cond_eval(e, c->b, rc));
	case SD_NOT: {
		int a = cond_eval(e, c->a, rc);
		return a == K_U ? K_U : !a;
	}
	default:
		if (c->county && !e->have_county)
			return K_U;
		return leaf(e, c, c->county ? &e->county : rc);
	}
}

/* rc is a member of set s (its own/join restriction is the caller's). */
static int in_set(const struct ev *e, const struct sd_set *s, const struct cmp_rec *rc, int top,
                  int weekly, int *open)
{
	const struct sd_source *src = s->src;
	int k = K_T;
	*open = 0;
	if (src->kind_field) {
		const char *v = fval(rc, s->kind_k);
		int hit = 0;
		for (const char *const *x = src->kinds; v && *x; x++)
			hit |= !strcmp(v, *x);
		if (!hit)
			return K_F;
	}
	if (top && s->own && strcmp(rc->owner, e->scope))
		return K_F;
	if (s->active && src->start) {
		const char *a = fval(rc, s->start_k);
		const char *b = fval(rc, s->end_k);
		long da, db;
		if (!a || sd_date_days(a, &da))
			k = K_U;
		else if (da > e->t)
			return K_F;
		if (b && !sd_date_days(b, &db) && db <= e->t)
			return K_F;
	}
	if (s->win.kind != SW_NONE && !weekly) /* weekly: its complete ISO weeks decide */
		k = k_and(k, in_window(e, &s->win, fval(rc, s->date_k), open));
	if (k == K_F)
		return K_F;
	return k_and(k, cond_eval(e, s->filter, rc));
}

static int eval_verdict(struct ev *e, const struct sd_verdict *v, const struct cmp_rec *outer,
                        struct cmp_result *res, int *open);

static const char *office_of(const struct cmp_rec *rc)
{
	if (!strcmp(rc->t->name, "division")) {
		const char *c = fval(rc, field_of(rc, "code"));
		if (c)
			return c;
	}
	return rc->owner;
}

static void add_failing(struct cmp_result *r, const char *office)
{
	size_t i = 0;
	while (i < r->nfailing && strcmp(r->failing[i], office) < 0)
		i++;
	if (i < r->nfailing && !strcmp(r->failing[i], office))
		return;
	if (r->nfailing == CMP_MAX_FAILING) {
		r->failing_more = 1;
		return;
	}
	memmove(&r->failing[i + 1], &r->failing[i], (r->nfailing - i) * sizeof(char *));
	r->failing[i] = strdup(office);
	if (r->failing[i])
		r->nfailing++;
	else
		memmove(&r->failing[i], &r->failing[i + 1], (r->nfailing - i) * sizeof(char *));
}

static void add_town(struct cmp_result *r, const char *office, int res)
{
	char t[16];
	size_t i;
	snprintf(t, sizeof(t), "%.*s", strlen(office) >= 9 ? 9 : (int)strlen(office), office);
	for (i = 0; i < r->ntown && strcmp(r->town[i].id, t); i++)
		;
	if (i == r->ntown) {
		if (i == CMP_MAX_TOWNSHIPS)
			return;
		memset(&r->town[i], 0, sizeof(r->town[i]));
		snprintf(r->town[i].id, sizeof(r->town[i].id), "%s", t);
		r->ntown++;
	}
	if (res == CR_PASS)
		r->town[i].pass++;
	else if (res == CR_FAIL)
		r->town[i].fail++;
	else if (res == CR_UNKNOWN)
		r->town[i].unknown++;
}

int ev_on_record(const struct cmp_rec *rc, void *arg)
{
	struct tally *t = arg;
	const struct sd_verdict *v = t->v;
	int open = 0, k, r;

	if (t->e->ages)
		touch(t->e, rc);
	k = in_set(t->e, &v->set, rc, t->top, v->verb == SV_WEEKLY, &open);
	t->open |= open;
	if (k == K_F)
		return 0;
	if (v->verb == SV_EVERY || v->verb == SV_SHARE) {
		int ko = k, io = 0;
		if (ko == K_T && v->when)
			ko = cond_eval(t->e, v->when, rc);
		if (ko == K_F)
			return 0;
		r = ko == K_U ? CR_UNKNOWN : eval_verdict(t->e, v->inner, rc, NULL, &io);
		if (t->e->err)
			return t->e->err;
		t->p += r == CR_PASS, t->f += r == CR_FAIL, t->u += r == CR_UNKNOWN;
		if (t->res && r != CR_NA) {
			if (r == CR_FAIL)
				add_failing(t->res, office_of(rc));
			add_town(t->res, office_of(rc), r);
		}
		return 0;
	}
	if (k == K_U) {
		t->unk++;
		return 0;
	}
	t->seen++;
	if (v->verb == SV_WEEKLY) {
		long d;
		const char *dv = fval(rc, v->set.date_k);
		if (dv && !sd_date_days(dv, &d) && d >= t->mon0 && (d - t->mon0) / 7 < v->set.win.n)
			t->week[(d - t->mon0) / 7]++;
	}
	return 0;
}

/* The set's window is a calendar period that goes on after T. */
static int window_open(const struct ev *e, const struct sd_window *w)
{
	long from, to;
	int open = 0;
	if (w->kind == SW_YEAR || w->kind == SW_QUARTER || w->kind == SW_MONTH)
		window_range(w, e->t, &from, &to, &open);
	return open;
}

static int count_result(const struct sd_verdict *v, const struct tally *t)
{
	int open = t->open || (t->e && window_open(t->e, &v->set.win));
	double k = v->verb == SV_COUNT ? v->num : 1;
	enum sd_op op = v->verb == SV_COUNT ? v->cmp : SD_GE;
	if (v->verb == SV_NONE)
		op = SD_LE, k = 0;
	if (op == SD_GT)
		op = SD_GE, k += 1;
	if (op == SD_LT)
		op = SD_LE, k -= 1;
	if (op == SD_GE) {
		if (t->seen >= k)
			return CR_PASS;
		return t->seen + t->unk >= k || open ? CR_UNKNOWN : CR_FAIL;
	}
	if (t->seen > k)
		return CR_FAIL;
	return t->seen + t->unk <= k ? CR_PASS : CR_UNKNOWN;
}

static int weekly_result(const struct sd_verdict *v, const struct tally *t)
{
	int any_short = 0;
	for (int i = 0; i < v->set.win.n && i < 110; i++)
		any_short |= (double)t->week[i] < v->num;
	if (!any_short)
		return CR_PASS;
	return t->unk ? CR_UNKNOWN : CR_FAIL;
}

static int quant_result(const struct sd_verdict *v, const struct tally *t, struct cmp_result *res)
{
	unsigned long n = t->p + t->f + t->u;
	if (res && t->u)
		snprintf(res->note, sizeof(res->note),
		         "%lu of %lu unknown: a value the rule reads is missing, or a calendar "
		         "window is still open with too few so far",
		         t->u, n);
	if (v->verb == SV_EVERY) {
		if (res)
			res->pass = t->p, res->fail = t->f, res->unknown = t->u;
		if (!n) {
			if (res && !strcmp(v->set.src->name, "division"))
				snprintf(
				    res->note, sizeof(res->note),
				    "no division roster (R02) here: it is imported and kept at the "
				    "county (record import --type division); evaluate there");
			return !strcmp(v->set.src->name, "division") ? CR_UNKNOWN : CR_NA;
		}
		return t->f ? CR_FAIL : t->u ? CR_UNKNOWN : CR_PASS;
	}
	/* share */
	if (res) {
		res->pass = t->p, res->fail = t->f, res->unknown = t->u;
		if (n) {
			res->has_value = 1;
			res->value = res->lo = (double)t->p / (double)n;
			res->hi = (double)(t->p + t->u) / (double)n;
		}
	}
	if (!n)
		return !strcmp(v->set.src->name, "division") ? CR_UNKNOWN : CR_NA;
	if ((double)t->p / (double)n >= v->num - 1e-9)
		return CR_PASS;
	return (double)(t->p + t->u) / (double)n < v->num - 1e-9 ? CR_FAIL : CR_UNKNOWN;
}

/* ---- inner sets under a child (see struct cj_cache) ---- */
struct cj_ctx {
	struct ev *e;
	struct cj_cache *c;
};

static int cj_add(struct cj_cache *c, const char *id, size_t len, int k)
{
	struct cj_entry *n;
	if (!len || len >= sizeof(c->e[0].id))
		return 0;
	if (c->n == c->cap) {
		if (!(n = realloc(c->e, (c->cap ? 2 * c->cap : 64) * sizeof(*n))))
			return CN_ENOMEM;
		c->e = n, c->cap = c->cap ? 2 * c->cap : 64;
	}
	memcpy(c->e[c->n].id, id, len);
	c->e[c->n].id[len] = 0;
	c->e[c->n].seen = k == K_T, c->e[c->n].unk = k == K_U;
	c->n++;
	return 0;
}

static int cj_record(const struct cmp_rec *rc, void *arg)
{
	struct cj_ctx *x = arg;
	const char *v;
	int open = 0, k, f;

	if (x->e->ages)
		touch(x->e, rc);
	k = in_set(x->e, &x->c->v->set, rc, 0, 0, &open);
	x->c->open |= open;
	if (k == K_F)
		return 0;
	if ((f = field_of(rc, "child")) >= 0)
		return (v = fval(rc, f)) ? cj_add(x->c, v, strlen(v), k) : 0;
	for (v = fval(rc, field_of(rc, "children")); v && *v;) { /* ids: runs of [0-9a-z-] */
		size_t l = strspn(v, "0123456789abcdefghijklmnopqrstuvwxyz-");
		int r = l ? cj_add(x->c, v, l, k) : 0;
		if (r)
			return r;
		v += l ? l : 1;
	}
	return 0;
}

static int cj_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cj_entry *)a)->id, ((const struct cj_entry *)b)->id);
}

static int cj_cmp(const void *a, const void *b)
{
	const struct cj_entry *x = a, *y = b;
	int d = strcmp(x->id, y->id);
	return d ? d : (x->seen < y->seen) - (x->seen > y->seen);
}

/* The cache of tier i holds office's records for v. */
static int cj_load(struct ev *e, int i, const struct sd_verdict *v, const char *office)
{
	struct cj_cache *c = &e->cj[i];
	struct cj_ctx x = {e, c};
	size_t w = 0;
	int rc;
	if (c->v == v && !strcmp(c->office, office))
		return 0;
	c->v = v, c->n = 0, c->open = 0;
	snprintf(c->office, sizeof(c->office), "%s", office);
	if ((rc = e->src->each(e->src->arg, v->set.t, office,
	                       CMP_EXACT | (v->set.personal ? CMP_PERSONAL : 0), cj_record, &x)) !=
	    0)
		return rc;
	if (c->n > 1) /* c->e is NULL while empty */
		qsort(c->e, c->n, sizeof(*c->e), cj_cmp);
	for (size_t r = 0; r < c->n; r++) /* one entry per id: sums */
		if (w && !strcmp(c->e[w - 1].id, c->e[r].id))
			c->e[w - 1].seen += c->e[r].seen, c->e[w - 1].unk += c->e[r].unk;
		else
			c->e[w++] = c->e[r];
	c->n = w;
	return 0;
}

static int child_join(struct ev *e, const struct sd_verdict *v, const struct cmp_rec *child,
                      struct tally *t)
{
	char office[PKI_ID_MAX];
	size_t l = strlen(child->owner);
	int rc;
	for (int i = 0; i < CJ_TIERS; i++) {
		size_t cut = i == 0 ? l : i == 1 ? 9 : 6;
		struct cj_entry key, *hit;
		if (i && cut >= l)
			continue; /* the child's own office is tier 0 */
		snprintf(office, sizeof(office), "%.*s", (int)cut, child->owner);
		if ((rc = cj_load(e, i, v, office)) != 0)
			return rc;
		snprintf(key.id, sizeof(key.id), "%s", child->id);
		hit = e->cj[i].n ? bsearch(&key, e->cj[i].e, e->cj[i].n, sizeof(key), cj_id_cmp)
		                 : NULL;
		if (hit)
			t->seen += hit->seen, t->unk += hit->unk;
		t->open |= e->cj[i].open;
	}
	return 0;
}

int ev_begin(struct ev *e, const struct sd_verdict *v, const struct cmp_rec *outer,
             struct cmp_result *res, struct tally *t, const char **prefix, int *exact)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->e = e, t->v = v, t->outer = outer, t->top = outer == NULL, t->res = res;
	*prefix = e->scope, *exact = 0;
	if (v->verb == SV_COND) {
		int k = cond_eval(e, v->cond, outer);
		return k == K_T ? CR_PASS : k == K_F ? CR_FAIL : CR_UNKNOWN;
	}
	if (outer && !strcmp(outer->t->name, "child")) {
		if ((r = child_join(e, v, outer, t)) != 0) {
			e->err = r;
			return CR_UNKNOWN;
		}
		return count_result(v, t);
	}
	if (outer)
		*prefix = office_of(outer), *exact = 1;
	if (v->verb == SV_WEEKLY)
		t->mon0 = e->t - (e->t + 3) % 7 - 7L * v->set.win.n;
	return -1;
}

int ev_end(const struct sd_verdict *v, const struct tally *t, struct cmp_result *res)
{
	int r;
	if (v->verb == SV_EVERY || v->verb == SV_SHARE)
		return quant_result(v, t, res);
	if (res)
		res->has_value = 1, res->value = (double)t->seen;
	if (v->verb == SV_WEEKLY)
		return weekly_result(v, t);
	r = count_result(v, t);
	if (r == CR_UNKNOWN && res && !t->unk &&
	    t->seen + t->unk < (v->verb == SV_COUNT ? v->num : 1))
		snprintf(res->note, sizeof(res->note), "%lu so far: the window is still open",
		         t->seen);
	return r;
}

static int eval_verdict(struct ev *e, const struct sd_verdict *v, const struct cmp_rec *outer,
                        struct cmp_result *res, int *open)
{
	struct tally t;
	const char *prefix;
	int exact, r = ev_begin(e, v, outer, res, &t, &prefix, &exact);

	*open = t.open;
	if (r >= 0)
		return r;
	if ((r = e->src->each(e->src->arg, v->set.t, prefix,
	                      (exact ? CMP_EXACT : 0) | (v->set.personal ? CMP_PERSONAL : 0),
	                      ev_on_record, &t))) {
		e->err = r;
		return CR_UNKNOWN;
	}
	*open = t.open;
	return ev_end(v, &t, res);
}

int ev_cond(const struct ev *e, const struct sd_cond *c, const struct cmp_rec *rc)
{
	return cond_eval(e, c, rc);
}

const char *ev_val(const struct cmp_rec *rc, const char *field)
{
	return fval(rc, field_of(rc, field));
}
