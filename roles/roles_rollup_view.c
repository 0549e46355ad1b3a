/*
 * roles_rollup_view: `carenet compliance` and `carenet bulletin` at a
 * province or prefecture (issue 14 item 4), over what is held here: the
 * counties' roll-ups (roles_rollup.c), never a record. The counties are the
 * registry's (announced by the prefectures, or linked directly) and every
 * office a roll-up came from; one missing the month asked is shown stale,
 * never dropped. Compliance hands them to roles/compliance/province.c; the
 * bulletin fills a BulletinReply (one row per county from its roll-up of
 * the month, the totals) and rep->province (the counts per county).
 */
#include "compliance.h"
#include "err.h"
#include "registry.h"
#include "roles_rollup.h"
#include "standards.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHINA (8 * 3600)

struct view {
	struct roles *r;
	MDB_txn *txn;
	const char *prefix;
	struct strvec counties, prefs;
};

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

static int has(const struct strvec *v, const char *id)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], id))
			return 1;
	return 0;
}

static int reg_one(const char *id, enum pki_role role, const char *name, void *arg)
{
	struct view *w = arg;
	(void)name;
	if (!pki_scope_covers(w->prefix, id) || (role == PKI_ROLE_COUNTY && has(&w->counties, id)))
		return 0;
	return roles_vec_push(role == PKI_ROLE_COUNTY ? &w->counties : &w->prefs, id);
}

static int ro_one(const Carenet__Rollup *ro, void *arg)
{
	struct view *w = arg;
	if (pki_role_from_id(ro->office) != PKI_ROLE_COUNTY ||
	    !pki_scope_covers(w->prefix, ro->office) || has(&w->counties, ro->office))
		return 0;
	return roles_vec_push(&w->counties, ro->office);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The counties and prefectures under w->prefix, sorted. */
static int view_offices(struct view *w)
{
	const char *me = w->r->env.me->id;
	int rc = registry_each(w->r->env.store, w->txn, me, PKI_ROLE_COUNTY, reg_one, w);

	if (rc == 0)
		rc = registry_each(w->r->env.store, w->txn, me, PKI_ROLE_PREFECTURE, reg_one, w);
	if (rc == 0)
		rc = rollup_each_latest(w->r, w->txn, ro_one, w);
	if (w->counties.n)
		qsort(w->counties.v, w->counties.n, sizeof(char *), cmp_str);
	if (w->prefs.n)
		qsort(w->prefs.v, w->prefs.n, sizeof(char *), cmp_str);
	return rc;
}

/* --office at a province: "" (all), a prefecture or county below. */
static int prefix_ok(struct roles *r, const char *office, const char **prefix)
{
	const char *me = r->env.me->id;
	size_t l = strlen(office);

	*prefix = l ? office : me;
	if (!l)
		return 0;
	if ((l != 4 && l != 6) || strspn(office, "0123456789") != l ||
	    !pki_scope_covers(me, office) || !strcmp(me, office)) {
		roles_why(
		    r->err, sizeof(r->err),
		    "--office %.64s: at %s give a prefecture (4 digits) or county (6) under it; "
		    "a township or village is asked at its county (carenet inspect)",
		    office, me);
		return CN_ESCOPE;
	}
	return 0;
}

/* Its prefecture when the registry knows one, else "" (reports directly). */
static const char *pref_of(const struct view *w, const char *county, char out[8])
{
	snprintf(out, 8, "%.4s", county);
	if (w->r->env.me->role == PKI_ROLE_PREFECTURE) /* its own counties */
		return !strcmp(out, w->r->env.me->id) ? out : "";
	return has(&w->prefs, out) ? out : "";
}

static void view_free(struct view *w)
{
	roles_vec_free(&w->counties);
	roles_vec_free(&w->prefs);
}

/* ---------------------------------------------------------- compliance */

struct comp {
	struct view w;
	const struct sd_standard *s;
	char month[16];
	Carenet__ProvinceReply *p;
};

static int comp_txn(MDB_txn *txn, void *arg)
{
	struct comp *c = arg;
	struct view *w = &c->w;
	size_t n;
	struct prov_county *pc;
	Carenet__Rollup **ro;
	char(*pf)[8];
	int *hm = NULL, rc;

	w->txn = txn;
	if ((rc = view_offices(w)) != 0)
		return rc;
	n = w->counties.n;
	pc = calloc(n + 1, sizeof(*pc)), ro = calloc(n + 1, sizeof(*ro));
	pf = calloc(n + 1, sizeof(*pf)), hm = calloc(w->prefs.n + 1, sizeof(*hm));
	rc = pc && ro && pf && hm ? 0 : CN_ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++) {
		pc[i].id = w->counties.v[i];
		pc[i].prefecture = pref_of(w, pc[i].id, pf[i]);
		rc = rollup_get(c->w.r, txn, pc[i].id, NULL, &ro[i], &pc[i].received_at);
		rc = rc == CN_ENOTFOUND ? 0 : rc;
		pc[i].ro = ro[i];
	}
	for (size_t i = 0; i < w->prefs.n && rc == 0; i++) {
		Carenet__Rollup *x = NULL;
		uint64_t at;
		rc = rollup_get(c->w.r, txn, w->prefs.v[i], c->month, &x, &at);
		hm[i] = rc == 0, rc = rc == CN_ENOTFOUND ? 0 : rc;
		carenet__rollup__free_unpacked(x, NULL);
	}
	if (rc == 0) {
		struct prov_prefs pp = {c->month, w->prefs.n, hm};
		rc = province_eval(c->s, pc, n, &pp, c->p);
	}
	for (size_t i = 0; ro && i < n; i++)
		carenet__rollup__free_unpacked(ro[i], NULL);
	free(pc), free(ro), free(pf), free(hm);
	return rc;
}

static int reply_new(struct roles *r, Carenet__ControlReply *rep, const char *office,
                     const char *month)
{
	Carenet__ProvinceReply *p = calloc(1, sizeof(*p));

	if (!(rep->province = p))
		return CN_ENOMEM;
	carenet__province_reply__init(p);
	p->office = dup(office), p->month = dup(month), p->now = roles_now(r);
	rep->above_county = 1;
	return p->office && p->month ? 0 : CN_ENOMEM;
}

int rollup_compliance(struct roles *r, const Carenet__ComplianceRequest *q,
                      Carenet__ControlReply *rep)
{
	struct comp c = {.w.r = r};
	const char *dir = r->env.policy && r->env.policy->standards_dir[0]
	                      ? r->env.policy->standards_dir
	                      : sd_default_dir();
	struct sd_standard *s = NULL;
	char err[1024];
	int rc;

	if (q->n_standards != 1 || q->at[0]) {
		roles_why(r->err, sizeof(r->err),
		          "at a %s give one --standard and no --at: it "
		          "reads each county's latest roll-up (judged at its month end)",
		          pki_role_name(r->env.me->role));
		return CN_EINVAL;
	}
	if ((rc = prefix_ok(r, q->office, &c.w.prefix)) != 0)
		return rc;
	if ((rc = sd_load_id(dir, q->standards[0], &s, err, sizeof(err))) != 0) {
		roles_why(r->err, sizeof(r->err), "%s%s", err,
		          rc == CN_ENOTFOUND ? " (carenet standards list shows the standards)"
		                             : "");
		return rc == CN_ENOTFOUND ? CN_EINVAL : rc;
	}
	rollup_month_name(rollup_month_index(roles_now(r)) - 1, c.month, sizeof(c.month));
	c.s = s;
	if ((rc = reply_new(r, rep, c.w.prefix, c.month)) == 0) {
		c.p = rep->province;
		rc = store_read(r->env.store, comp_txn, &c);
	}
	view_free(&c.w);
	sd_standard_free(s);
	return rc;
}

/* ------------------------------------------------------------ bulletin */

struct bul {
	struct view w;
	const char *month;
	Carenet__BulletinReply *b;
	Carenet__ProvinceReply *p;
};

static uint64_t count_of(const Carenet__Rollup *ro, const char *measure, const char *value)
{
	uint64_t n = 0;

	for (size_t i = 0; ro && i < ro->n_counts; i++)
		if (!strcmp(ro->counts[i]->measure, measure) &&
		    !strcmp(ro->counts[i]->value, value))
			n += ro->counts[i]->count;
	return n;
}

/* The roll-up's counts summed over its townships (staff, homes). */
static int county_counts(Carenet__ProvinceCounty *x, const Carenet__Rollup *ro)
{
	for (size_t i = 0; ro && i < ro->n_counts; i++) {
		const Carenet__RollupCount *c = ro->counts[i];
		Carenet__SummaryCount *s = NULL, **nv;
		for (size_t k = 0; k < x->n_counts && !s; k++)
			if (!strcmp(x->counts[k]->measure, c->measure) &&
			    !strcmp(x->counts[k]->value, c->value))
				s = x->counts[k];
		if (!s) {
			if (!(nv = realloc(x->counts, (x->n_counts + 1) * sizeof(*nv))) ||
			    !(s = calloc(1, sizeof(*s)))) {
				x->counts = nv ? nv : x->counts;
				return CN_ENOMEM;
			}
			x->counts = nv, x->counts[x->n_counts++] = s;
			carenet__summary_count__init(s);
			s->office = dup(ro->office), s->measure = dup(c->measure),
			s->value = dup(c->value);
			if (!s->office || !s->measure || !s->value)
				return CN_ENOMEM;
		}
		s->count += c->count;
	}
	return 0;
}

static int bul_office(struct bul *c, const char *id, const Carenet__Rollup *ro)
{
	Carenet__BulletinReply *b = c->b;
	Carenet__BulletinOffice *o = calloc(1, sizeof(*o)), **nv;

	if (!o || !(nv = realloc(b->offices, (b->n_offices + 1) * sizeof(*nv)))) {
		free(o);
		return CN_ENOMEM;
	}
	b->offices = nv, b->offices[b->n_offices++] = o;
	carenet__bulletin_office__init(o);
	o->id = dup(id), o->name = dup("");
	o->targeted = count_of(ro, "directives", "targeted"),
	o->on_time = count_of(ro, "directives", "on_time");
	o->late = count_of(ro, "directives", "late"),
	o->overdue = count_of(ro, "directives", "overdue");
	o->open = count_of(ro, "directives", "open"),
	o->reports_filed = count_of(ro, "reports", "filed");
	o->hops = count_of(ro, "reports", "hops"),
	o->hops_in_time = count_of(ro, "reports", "hops_in_time");
	o->hops_late = count_of(ro, "reports", "hops_late");
	o->hops_missed = count_of(ro, "reports", "hops_missed");
	b->targeted += o->targeted, b->on_time += o->on_time, b->late += o->late;
	b->overdue += o->overdue, b->open += o->open, b->reports += o->reports_filed;
	b->hops += o->hops, b->hops_in_time += o->hops_in_time, b->hops_late += o->hops_late;
	b->hops_missed += o->hops_missed;
	return o->id && o->name ? 0 : CN_ENOMEM;
}

static int bul_county(struct bul *c, const char *id, const char *pref)
{
	Carenet__Rollup *ro = NULL, *latest = NULL;
	Carenet__ProvinceCounty *x = calloc(1, sizeof(*x)), **nv;
	Carenet__ProvinceReply *p = c->p;
	uint64_t at = 0, at2;
	char note[128] = "";
	int rc;

	if (!x || !(nv = realloc(p->counties, (p->n_counties + 1) * sizeof(*nv)))) {
		free(x);
		return CN_ENOMEM;
	}
	p->counties = nv, p->counties[p->n_counties++] = x;
	carenet__province_county__init(x);
	rc = rollup_get(c->w.r, c->w.txn, id, c->month, &ro, &at);
	if (rc == CN_ENOTFOUND && (rc = rollup_get(c->w.r, c->w.txn, id, NULL, &latest, &at2)) == 0)
		snprintf(note, sizeof(note), "no roll-up of %s 无%s月汇总 (latest %s)", c->month,
		         c->month, latest->month);
	else if (rc == CN_ENOTFOUND)
		snprintf(note, sizeof(note), "no roll-up yet 尚无月汇总");
	rc = rc == CN_ENOTFOUND ? 0 : rc;
	x->id = dup(id), x->prefecture = dup(pref), x->note = dup(note);
	x->month = dup(ro ? ro->month : latest ? latest->month : "");
	x->stale = !ro, x->made_at = ro ? ro->made_at : 0, x->received_at = ro ? at : 0;
	if (rc == 0 && (!x->id || !x->prefecture || !x->note || !x->month))
		rc = CN_ENOMEM;
	if (rc == 0)
		rc = county_counts(x, ro);
	if (rc == 0)
		rc = bul_office(c, id, ro);
	p->counties_stale += x->stale;
	carenet__rollup__free_unpacked(ro, NULL);
	carenet__rollup__free_unpacked(latest, NULL);
	return rc;
}

static int bul_txn(MDB_txn *txn, void *arg)
{
	struct bul *c = arg;
	char pf[8];
	int rc;

	c->w.txn = txn;
	if ((rc = view_offices(&c->w)) != 0)
		return rc;
	for (size_t i = 0; i < c->w.counties.n && rc == 0; i++)
		rc = bul_county(c, c->w.counties.v[i], pref_of(&c->w, c->w.counties.v[i], pf));
	return rc;
}

static int bul_head(struct roles *r, Carenet__BulletinReply *b, const char *month)
{
	struct tm t = {0};
	int y, m;
	char tail;

	if (strlen(month) != 7 || sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 ||
	    m > 12 || y < 2000 || y > 2200 || month[4] != '-') {
		roles_why(r->err, sizeof(r->err),
		          "--month %.32s is not a month: write YYYY-MM (2026-11)", month);
		return CN_EINVAL;
	}
	t.tm_year = y - 1900, t.tm_mon = m - 1, t.tm_mday = 1;
	b->from = (uint64_t)timegm(&t) - CHINA;
	t.tm_mon += 1;
	b->to = (uint64_t)timegm(&t) - CHINA;
	b->now = roles_now(r);
	b->month = dup(month), b->office = dup(r->env.me->id), b->name = dup(r->env.me->name);
	return b->month && b->office && b->name ? 0 : CN_ENOMEM;
}

static int bul_text(struct bul *c)
{
	Carenet__BulletinReply *b = c->b;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return CN_ENOMEM;
	fprintf(f,
	        "月通报 %s %s（%zu 个县，%" PRIu64 " 个无本月汇总）Monthly bulletin of %s over "
	        "%zu counties (%" PRIu64 " without this month's roll-up)\n",
	        b->month, b->office, c->p->n_counties, c->p->counties_stale, b->office,
	        c->p->n_counties, c->p->counties_stale);
	fprintf(f,
	        "任务 directives: %" PRIu64 " targeted, %" PRIu64 " on time, %" PRIu64
	        " late, %" PRIu64 " overdue, %" PRIu64 " open\n",
	        b->targeted, b->on_time, b->late, b->overdue, b->open);
	fprintf(f,
	        "强制报告 reports: %" PRIu64 " filed, %" PRIu64 " hops, %" PRIu64
	        " in time, %" PRIu64 " late, %" PRIu64 " missed\n",
	        b->reports, b->hops, b->hops_in_time, b->hops_late, b->hops_missed);
	fclose(f);
	b->text = buf;
	return buf ? 0 : CN_ENOMEM;
}

int rollup_bulletin(struct roles *r, const Carenet__BulletinRequest *q, Carenet__ControlReply *rep)
{
	struct bul c = {.w.r = r, .month = q->month, .w.prefix = r->env.me->id};
	int rc;

	if (q->publish) {
		roles_why(r->err, sizeof(r->err),
		          "--publish at a %s is not built yet (the circular to its "
		          "counties); print it without --publish and issue a circular with "
		          "carenet directive issue --kind circular",
		          pki_role_name(r->env.me->role));
		return CN_EINVAL;
	}
	if (!(c.b = rep->bulletin = calloc(1, sizeof(*c.b))))
		return CN_ENOMEM;
	carenet__bulletin_reply__init(c.b);
	if ((rc = bul_head(r, c.b, q->month)) != 0 ||
	    (rc = reply_new(r, rep, r->env.me->id, q->month)) != 0)
		return rc;
	c.p = rep->province;
	rc = store_read(r->env.store, bul_txn, &c);
	if (rc == 0) {
		c.b->timeliness = c.b->targeted > c.b->open
		                      ? (double)c.b->on_time / (double)(c.b->targeted - c.b->open)
		                      : 0;
		rc = bul_text(&c);
	}
	view_free(&c.w);
	return rc;
}

void rollup_view_free(Carenet__ControlReply *rep)
{
	if (rep && rep->province) {
		carenet__province_reply__free_unpacked(rep->province, NULL);
		rep->province = NULL;
	}
}
