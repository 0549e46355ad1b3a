/*
 * roles_rollup: the monthly roll-up (R29 月汇总上报) and the rule of what
 * crosses a county's upward link (roles_rollup.h, docs/design.md "Above the
 * county"). A county's roll-up is its ledger summary summed over the county
 * (children by category, guardianship and school stage) and per township
 * (staff, homes), and the month's directive and report counts of the
 * bulletin (roles_bulletin_counts): counts, never a name or a child's id. A prefecture keeps
 * each county's latest, forwards it, and emits its own sum of the month; a
 * province keeps both.
 */
#include "roles_rollup.h"
#include "arr.h"
#include "err.h"
#include "log.h"
#include "moved.h"
#include "records.h"
#include "roles_bulletin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHINA (8 * 3600)
#define ROLLUP_MAX_COUNTS 4096
#define ROLLUP_MAX_VALUE 64
#define KEY_LAST "rollup:last"
#define KEY_OFFICE "rollup:o:"

/* Aggregates: a roll-up, an announce, a directive tally; and a county's
 * (or prefecture's) own status on a directive from above the county, which
 * names no child (a village's or township's status stays in the county). */
int roles_may_cross_up(const Carenet__Item *item)
{
	char o[ROLES_ID_MAX];

	if (!item)
		return 0;
	switch (item->body_case) {
	case CARENET__ITEM__BODY_ROLLUP:
	case CARENET__ITEM__BODY_ANNOUNCE:
	case CARENET__ITEM__BODY_TALLY:
		return 1;
	case CARENET__ITEM__BODY_STATUS:
		return item->status && item->origin &&
		       (pki_role_from_id(item->origin) == PKI_ROLE_COUNTY ||
		        pki_role_above_county(pki_role_from_id(item->origin))) &&
		       roles_id_origin(item->status->directive, o, sizeof(o)) == 0 &&
		       pki_role_above_county(pki_role_from_id(o));
	default:
		return 0;
	}
}

/* Months a turn's roll-ups catch up, and how far back they go at most. */
#define ROLLUP_CATCH_UP 3
#define ROLLUP_CATCH_UP_MAX 24

/* ---- months (China time): index = year * 12 + month - 1 */

int rollup_month_index(uint64_t t)
{
	time_t s = (time_t)(t + CHINA);
	struct tm tm;

	gmtime_r(&s, &tm);
	return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

void rollup_month_name(int idx, char *out, size_t outlen)
{
	snprintf(out, outlen, "%04d-%02d", idx / 12, idx % 12 + 1);
}

uint64_t rollup_month_start(int idx)
{
	struct tm t = {0};

	t.tm_year = idx / 12 - 1900, t.tm_mon = idx % 12, t.tm_mday = 1;
	return (uint64_t)timegm(&t) - CHINA;
}

uint64_t roles_next_month_start(uint64_t t)
{
	return rollup_month_start(rollup_month_index(t) + 1);
}

static int month_parse(const char *m, int *idx)
{
	int y, mo;
	char tail;

	if (!m || strlen(m) != 7 || m[4] != '-' || sscanf(m, "%4d-%2d%c", &y, &mo, &tail) != 2 ||
	    y < 2000 || y > 2200 || mo < 1 || mo > 12)
		return CN_EINVAL;
	*idx = y * 12 + mo - 1;
	return 0;
}

/* ---- STORE_META */

static int meta_get(struct roles *r, MDB_txn *txn, const char *key, MDB_val *v)
{
	MDB_val k = {strlen(key), (void *)key};
	return store_err(mdb_get(txn, roles_dbi(r, STORE_META), &k, v), "rollup get");
}

static int meta_put(struct roles *r, MDB_txn *txn, const char *key, const void *p, size_t n)
{
	MDB_val k = {strlen(key), (void *)key}, v = {n, (void *)p};
	return store_err(mdb_put(txn, roles_dbi(r, STORE_META), &k, &v, 0), "rollup put");
}

/* ---- counts */

struct counts {
	Carenet__RollupCount **v;
	size_t n, cap;
};

static int counts_add(struct counts *c, const char *office, const char *measure,
                      const char *value, uint64_t n)
{
	Carenet__RollupCount *x;

	for (size_t i = 0; i < c->n; i++) {
		x = c->v[i];
		if (!strcmp(x->office, office) && !strcmp(x->measure, measure) &&
		    !strcmp(x->value, value)) {
			x->count += n;
			return 0;
		}
	}
	if (ARR_GROW(c->v, c->n + 1, c->cap) || !(x = calloc(1, sizeof(*x))))
		return CN_ENOMEM;
	carenet__rollup_count__init(x);
	c->v[c->n++] = x;
	x->office = strdup(office);
	x->measure = strdup(measure);
	x->value = strdup(value);
	x->count = n;
	return x->office && x->measure && x->value ? 0 : CN_ENOMEM;
}

static void counts_free(struct counts *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i]->office);
		free(c->v[i]->measure);
		free(c->v[i]->value);
		free(c->v[i]);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* Measures counted over the whole office, and per township. */
static int measure_whole(const char *m)
{
	return !strcmp(m, "children") || !strcmp(m, "category") || !strcmp(m, "guardianship") ||
	       !strcmp(m, "school_stage") || !strcmp(m, "directives") || !strcmp(m, "reports");
}

static int measure_township(const char *m)
{
	return !strcmp(m, "staff") || !strcmp(m, "homes");
}

/* The month's directive timeliness and reports acknowledged in time, as
 * the bulletin counts them (roles_bulletin.c owns the rules). */
static int month_counts(struct roles *r, MDB_txn *txn, const char *month, struct counts *c)
{
	const char *me = r->env.me->id;
	Carenet__BulletinReply *b = NULL;
	int rc = roles_bulletin_counts(r, txn, month, &b);
	const struct {
		const char *measure, *value;
		uint64_t n;
	} v[] = {{"directives", "targeted", b ? b->targeted : 0},
	         {"directives", "on_time", b ? b->on_time : 0},
	         {"directives", "late", b ? b->late : 0},
	         {"directives", "overdue", b ? b->overdue : 0},
	         {"directives", "open", b ? b->open : 0},
	         {"reports", "filed", b ? b->reports : 0},
	         {"reports", "hops", b ? b->hops : 0},
	         {"reports", "hops_in_time", b ? b->hops_in_time : 0},
	         {"reports", "hops_late", b ? b->hops_late : 0},
	         {"reports", "hops_missed", b ? b->hops_missed : 0}};

	if (rc == CN_EPERM) /* no records key (a test): reports unreadable, counted 0 */
		rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(v) / sizeof(v[0]); i++)
		rc = counts_add(c, me, v[i].measure, v[i].value, v[i].n);
	if (b)
		carenet__bulletin_reply__free_unpacked(b, NULL);
	return rc;
}

/* The county's ledger summed: whole-county measures under the county,
 * staff and homes per township; and the month's directives and reports. */
static int county_counts(struct roles *r, MDB_txn *txn, const char *month, struct counts *c)
{
	const char *me = r->env.me->id;
	Carenet__SummaryCount **v = NULL;
	size_t n = 0;
	char tw[16], nw[16];
	int rc;

	if ((rc = records_summary_txn(r, txn, "", &v, &n)) != 0 ||
	    (rc = month_counts(r, txn, month, c)) != 0) {
		records_counts_free(v, n);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const Carenet__SummaryCount *s = v[i];
		if (measure_whole(s->measure)) {
			rc = counts_add(c, me, s->measure, s->value, s->count);
		} else if (measure_township(s->measure)) {
			snprintf(tw, sizeof(tw), "%.9s", s->office);
			/* a township whose own code changed (撤乡设镇): its villages
			 * still under the old code count under the new one */
			if (strlen(tw) == 9 && (rc = moved_to(r->env.store, txn, tw, nw, sizeof(nw))) == 0 &&
			    pki_role_from_id(nw) == PKI_ROLE_TOWNSHIP)
				snprintf(tw, sizeof(tw), "%s", nw);
			if (rc == CN_ENOTFOUND || rc == 0)
				rc = counts_add(c, strlen(tw) == 9 ? tw : me, s->measure, "", s->count);
		}
	}
	records_counts_free(v, n);
	return rc;
}

static int emit_rollup(struct roles *r, MDB_txn *txn, const char *month, struct counts *c,
                       char **counties, size_t ncounties, uint64_t now, const Carenet__Rollup *res)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Rollup ro = CARENET__ROLLUP__INIT;
	int rc;

	if (res) /* a county's compliance results (roles_rollup_eval.c) */
		ro.results = res->results, ro.n_results = res->n_results,
		ro.results_at = res->results_at ? res->results_at : "";

	ro.month = (char *)month;
	ro.office = (char *)r->env.me->id;
	ro.counts = c->v;
	ro.n_counts = c->n;
	ro.made_at = now;
	ro.counties = counties;
	ro.n_counties = ncounties;
	it.body_case = CARENET__ITEM__BODY_ROLLUP;
	it.rollup = &ro;
	if ((rc = r->env.emit(r->env.arg, txn, &it, NULL, 0)) != 0)
		return rc;
	log_info("rollup: %s made its roll-up of %s (%zu counts, %zu results, item %zu bytes)",
	         r->env.me->id, month, c->n, ro.n_results, carenet__item__get_packed_size(&it));
	return roles_audit(r, txn, r->env.me->id, "rollup", month, "%zu counts%s", c->n,
	                   ncounties ? " (sum of its counties)" : "");
}

/* ---- the county's month end */

uint64_t rollup_next_due(struct roles *r)
{
	if (!r->env.policy || !r->env.policy->rollup || r->env.me->role != PKI_ROLE_COUNTY)
		return UINT64_MAX;
	return r->rollup_due;
}

int rollup_fire(struct roles *r, MDB_txn *txn, uint64_t now)
{
	int cur = rollup_month_index(now), last = 0, rc;
	char m[16];
	struct counts c = {0};
	Carenet__Rollup res = CARENET__ROLLUP__INIT;
	MDB_val v;

	if (rollup_next_due(r) == UINT64_MAX)
		return 0;
	rc = meta_get(r, txn, KEY_LAST, &v);
	if (rc == CN_ENOTFOUND) { /* first start: the first roll-up is this month's */
		rollup_month_name(cur - 1, m, sizeof(m));
		if ((rc = meta_put(r, txn, KEY_LAST, m, strlen(m))) != 0)
			return rc;
		last = cur - 1;
	} else if (rc != 0) {
		return rc;
	} else {
		snprintf(m, sizeof(m), "%.*s", (int)(v.mv_size < 8 ? v.mv_size : 8),
		         (const char *)v.mv_data);
		if (month_parse(m, &last) != 0)
			last = cur - 1;
	}
	if (last < cur - 1 - ROLLUP_CATCH_UP_MAX) { /* a store from long ago: the recent ones */
		log_warnx("rollup: no roll-up since %04d-%02d; only the last %d months are made",
		          last / 12, last % 12 + 1, ROLLUP_CATCH_UP_MAX);
		last = cur - 1 - ROLLUP_CATCH_UP_MAX;
	}
	/* Every month that ended since the last roll-up, oldest first, each once
	 * (keyed by month): a county stopped, or its clock moved, over two month
	 * ends owes both. At most ROLLUP_CATCH_UP a turn; the rest next turn. */
	for (int k = 0; last < cur - 1 && k < ROLLUP_CATCH_UP; k++) {
		res = (Carenet__Rollup)CARENET__ROLLUP__INIT;
		rollup_month_name(last + 1, m, sizeof(m));
		if ((rc = county_counts(r, txn, m, &c)) != 0 && rc != CN_EMAPFULL) {
			/* never hold up the deadlines fired in the same txn */
			log_warnx("rollup: the roll-up of %s not made: %s (again in an hour)", m,
			          cn_strerror(rc));
			counts_free(&c);
			r->rollup_due = now + 3600;
			return 0;
		}
		if (rc == 0)
			rc = rollup_results(r, txn, m, &res);
		if (rc == 0 && (rc = emit_rollup(r, txn, m, &c, NULL, 0, now, &res)) == 0)
			rc = meta_put(r, txn, KEY_LAST, m, strlen(m));
		rollup_results_free(&res);
		counts_free(&c);
		if (rc != 0)
			return rc;
		last++;
	}
	r->rollup_due = last < cur - 1 ? now : rollup_month_start(cur + 1);
	return 0;
}

/* ---- received from below */

/* A value is an enumeration (a category, a stage): never a run of 5 or more
 * digits (an id number, a phone number, a child's record id). */
static int value_ok(const char *v)
{
	size_t run = 0, n = strlen(v);

	if (n > ROLLUP_MAX_VALUE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		run = v[i] >= '0' && v[i] <= '9' ? run + 1 : 0;
		if (run >= 5)
			return 0;
	}
	return 1;
}

static int counts_ok(const Carenet__Rollup *ro, const char *origin, char *why, size_t whylen)
{
	size_t ol = strlen(origin);

	if (ro->n_counts > ROLLUP_MAX_COUNTS) {
		roles_why(why, whylen, "roll-up of %zu counts, at most %d", ro->n_counts,
		          ROLLUP_MAX_COUNTS);
		return CN_ETOOBIG;
	}
	for (size_t i = 0; i < ro->n_counts; i++) {
		const Carenet__RollupCount *c = ro->counts[i];
		if (!measure_whole(c->measure) && !measure_township(c->measure)) {
			roles_why(why, whylen, "roll-up measure \"%.32s\" is not an aggregate",
			          c->measure);
			return CN_EINVAL;
		}
		if (strncmp(c->office, origin, ol) != 0 || strlen(c->office) > 9 ||
		    !value_ok(c->value)) {
			roles_why(why, whylen, "roll-up count %.16s/%.32s is not an aggregate of %s",
			          c->office, c->measure, origin);
			return CN_EINVAL;
		}
	}
	for (size_t i = 0; i < ro->n_counties; i++)
		if (pki_role_from_id(ro->counties[i]) != PKI_ROLE_COUNTY ||
		    strncmp(ro->counties[i], origin, ol) != 0) {
			roles_why(why, whylen, "roll-up names county %.16s outside %s",
			          ro->counties[i], origin);
			return CN_EINVAL;
		}
	return rollup_results_ok(ro, why, whylen);
}

/* Who may send whom a roll-up: a county or prefecture below this office,
 * about itself, through its parent (a county's through its prefecture). */
static int path_ok(struct roles *r, const Carenet__Rollup *ro, const struct pki_identity *origin,
                   const char *from, char *why, size_t whylen)
{
	const char *me = r->env.me->id;
	int m;

	if (!pki_role_above_county(r->env.me->role)) {
		roles_why(why, whylen, "a roll-up goes to a prefecture or province, not to %s %s",
		          pki_role_name(r->env.me->role), me);
		return CN_EROLE;
	}
	if ((origin->role != PKI_ROLE_COUNTY && origin->role != PKI_ROLE_PREFECTURE) ||
	    strcmp(ro->office, origin->id) != 0 || !pki_scope_covers(me, origin->id) ||
	    strcmp(me, origin->id) == 0) {
		roles_why(why, whylen, "roll-up of %.16s from %s: only a county or prefecture "
		          "under %s sends its own", ro->office, origin->id, me);
		return CN_ESCOPE;
	}
	if (!(strcmp(from, origin->id) == 0 && pki_is_direct_child(me, origin->id)) &&
	    !(pki_is_direct_child(me, from) && pki_is_direct_child(from, origin->id))) {
		roles_why(why, whylen, "roll-up of %s arrived from %s, not on its path", origin->id,
		          from);
		return CN_ESCOPE;
	}
	if (month_parse(ro->month, &m) != 0) {
		roles_why(why, whylen, "roll-up month \"%.16s\" is not YYYY-MM", ro->month);
		return CN_EINVAL;
	}
	/* a month not begun here would stay the latest for years */
	if (m > rollup_month_index(r->env.now(r->env.arg))) {
		roles_why(why, whylen, "roll-up of %s for %s, a month that has not begun here",
		          origin->id, ro->month);
		return CN_EINVAL;
	}
	return counts_ok(ro, origin->id, why, whylen);
}

/* Keeps ro as the office's latest unless a later month is held; counts
 * the roll-ups of (office, month) applied. */
static int keep(struct roles *r, MDB_txn *txn, const Carenet__Rollup *ro, const uint8_t *buf,
                size_t len)
{
	char key[96];
	MDB_val v;
	uint64_t n = 0;
	int rc, later = 0;

	snprintf(key, sizeof(key), "rollup:n:%s:%s", ro->office, ro->month);
	rc = store_get_u64(txn, roles_dbi(r, STORE_META), key, strlen(key), &n);
	if ((rc != 0 && rc != CN_ENOTFOUND) ||
	    (rc = store_put_u64(txn, roles_dbi(r, STORE_META), key, strlen(key), n + 1)) != 0)
		return rc;
	snprintf(key, sizeof(key), "rollup:r:%s:%s", ro->office, ro->month); /* received at */
	if ((rc = store_put_u64(txn, roles_dbi(r, STORE_META), key, strlen(key),
	                        r->env.now(r->env.arg))) != 0)
		return rc;
	snprintf(key, sizeof(key), "rollup:m:%s:%s", ro->office, ro->month); /* by month */
	if ((rc = meta_put(r, txn, key, buf, len)) != 0)
		return rc;
	snprintf(key, sizeof(key), KEY_OFFICE "%s", ro->office);
	if ((rc = meta_get(r, txn, key, &v)) == 0) {
		Carenet__Rollup *old = carenet__rollup__unpack(NULL, v.mv_size, v.mv_data);
		later = old && strcmp(old->month, ro->month) > 0;
		carenet__rollup__free_unpacked(old, NULL);
	} else if (rc != CN_ENOTFOUND) {
		return rc;
	}
	return later ? 0 : meta_put(r, txn, key, buf, len);
}

static int keep_packed(struct roles *r, MDB_txn *txn, const Carenet__Rollup *ro)
{
	size_t len = carenet__rollup__get_packed_size(ro);
	uint8_t *buf = malloc(len ? len : 1);
	int rc;

	if (!buf)
		return CN_ENOMEM;
	carenet__rollup__pack(ro, buf);
	rc = keep(r, txn, ro, buf, len);
	free(buf);
	return rc;
}

struct sum_arg {
	const char *me, *month;
	struct counts c;
	struct strvec counties;
};

int rollup_each_latest(struct roles *r, MDB_txn *txn, rollup_each_fn fn, void *arg)
{
	size_t pl = strlen(KEY_OFFICE);
	MDB_val k = {pl, KEY_OFFICE}, v;
	MDB_cursor *cur;
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_META), &cur), "rollups")))
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Carenet__Rollup *ro;
		if (k.mv_size < pl || memcmp(k.mv_data, KEY_OFFICE, pl) != 0)
			break;
		if (!(ro = carenet__rollup__unpack(NULL, v.mv_size, v.mv_data)))
			continue;
		rc = fn(ro, arg);
		carenet__rollup__free_unpacked(ro, NULL);
	}
	mdb_cursor_close(cur);
	return rc;
}

static int sum_one(const Carenet__Rollup *ro, void *arg)
{
	struct sum_arg *a = arg;
	int rc = 0;

	if (pki_role_from_id(ro->office) != PKI_ROLE_COUNTY || strcmp(ro->month, a->month) != 0 ||
	    strncmp(ro->office, a->me, strlen(a->me)) != 0)
		return 0;
	for (size_t i = 0; i < ro->n_counts && rc == 0; i++) {
		const Carenet__RollupCount *c = ro->counts[i];
		rc = counts_add(&a->c, measure_whole(c->measure) ? a->me : c->office, c->measure,
		                c->value, c->count);
	}
	return rc ? rc : roles_vec_push(&a->counties, ro->office);
}

/* A prefecture: its own roll-up of the month, the sum of its counties'. */
static int prefecture_sum(struct roles *r, MDB_txn *txn, const char *month, uint64_t now)
{
	struct sum_arg a = {.me = r->env.me->id, .month = month};
	int rc = rollup_each_latest(r, txn, sum_one, &a);

	if (rc == 0)
		rc = emit_rollup(r, txn, month, &a.c, a.counties.v, a.counties.n, now, NULL);
	counts_free(&a.c);
	roles_vec_free(&a.counties);
	return rc;
}

int rollup_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                 const struct pki_identity *origin, const char *from, struct roles_route *route,
                 char *why, size_t whylen)
{
	const Carenet__Rollup *ro = item->rollup;
	int rc;

	if (!ro) {
		roles_why(why, whylen, "roll-up without a body");
		return CN_EINVAL;
	}
	if ((rc = path_ok(r, ro, origin, from, why, whylen)) != 0)
		return rc;
	if ((rc = keep_packed(r, txn, ro)) != 0)
		return rc;
	log_info("rollup: %s's roll-up of %s applied (%zu counts)", ro->office, ro->month,
	         ro->n_counts);
	if (r->env.me->role != PKI_ROLE_PREFECTURE)
		return 0;
	route->up = 1; /* the county's own, on to the province */
	return prefecture_sum(r, txn, ro->month, r->env.now(r->env.arg));
}

int rollup_get(struct roles *r, MDB_txn *txn, const char *office, const char *month,
               Carenet__Rollup **out, uint64_t *received_at)
{
	char key[96];
	MDB_val v;
	int rc;

	*out = NULL, *received_at = 0;
	if (month)
		snprintf(key, sizeof(key), "rollup:m:%s:%s", office, month);
	else
		snprintf(key, sizeof(key), KEY_OFFICE "%s", office);
	if ((rc = meta_get(r, txn, key, &v)) != 0)
		return rc;
	if (!(*out = carenet__rollup__unpack(NULL, v.mv_size, v.mv_data)))
		return CN_ESTORE;
	snprintf(key, sizeof(key), "rollup:r:%s:%s", office, (*out)->month);
	rc = store_get_u64(txn, roles_dbi(r, STORE_META), key, strlen(key), received_at);
	return rc == CN_ENOTFOUND ? 0 : rc;
}

/* ---- ledger summary above the county */

struct view_arg {
	struct roles *r;
	MDB_txn *txn;
	const char *office;
	Carenet__SummaryCount **v;
	size_t n, cap;
	Carenet__RollupOffice **o;
	size_t no, ocap;
};

static int view_count(struct view_arg *a, const char *office, const Carenet__RollupCount *c)
{
	Carenet__SummaryCount *s;

	for (size_t i = 0; i < a->n; i++) {
		s = a->v[i];
		if (!strcmp(s->office, office) && !strcmp(s->measure, c->measure) &&
		    !strcmp(s->value, c->value)) {
			s->count += c->count;
			return 0;
		}
	}
	if (ARR_GROW(a->v, a->n + 1, a->cap) || !(s = calloc(1, sizeof(*s))))
		return CN_ENOMEM;
	carenet__summary_count__init(s);
	a->v[a->n++] = s;
	s->office = strdup(office);
	s->measure = strdup(c->measure);
	s->value = strdup(c->value);
	s->count = c->count;
	return s->office && s->measure && s->value ? 0 : CN_ENOMEM;
}

static int view_office(struct view_arg *a, const Carenet__Rollup *ro)
{
	Carenet__RollupOffice *o;
	char key[96];
	int rc;

	if (ARR_GROW(a->o, a->no + 1, a->ocap) || !(o = calloc(1, sizeof(*o))))
		return CN_ENOMEM;
	carenet__rollup_office__init(o);
	a->o[a->no++] = o;
	snprintf(key, sizeof(key), "rollup:n:%s:%s", ro->office, ro->month);
	rc = store_get_u64(a->txn, roles_dbi(a->r, STORE_META), key, strlen(key), &o->received);
	if (rc != 0 && rc != CN_ENOTFOUND)
		return rc;
	o->id = strdup(ro->office);
	o->month = strdup(ro->month);
	o->made_at = ro->made_at;
	if (ro->n_counties && !(o->counties = calloc(ro->n_counties, sizeof(char *))))
		return CN_ENOMEM;
	for (size_t i = 0; i < ro->n_counties; i++)
		if (!(o->counties[o->n_counties++] = strdup(ro->counties[i])))
			return CN_ENOMEM;
	return o->id && o->month ? 0 : CN_ENOMEM;
}

static int view_one(const Carenet__Rollup *ro, void *arg)
{
	struct view_arg *a = arg;
	int rc = 0;

	if (strncmp(ro->office, a->office, strlen(a->office)) != 0)
		return 0;
	for (size_t i = 0; i < ro->n_counts && rc == 0; i++)
		rc = view_count(a, ro->office, ro->counts[i]); /* townships summed */
	return rc ? rc : view_office(a, ro);
}

static int view_txn(MDB_txn *txn, void *arg)
{
	struct view_arg *a = arg;

	a->txn = txn;
	return rollup_each_latest(a->r, txn, view_one, a);
}

int rollup_summary(struct roles *r, const Carenet__LedgerSummaryRequest *q,
                   Carenet__ControlReply *rep)
{
	struct view_arg a = {.r = r, .office = q->office};
	int rc;

	if (strlen(q->office) > 64) {
		roles_why(r->err, sizeof(r->err), "--office too long");
		return CN_EINVAL;
	}
	rc = store_read(r->env.store, view_txn, &a);
	rep->summary = a.v;
	rep->n_summary = a.n;
	rep->rollups = a.o;
	rep->n_rollups = a.no;
	rep->above_county = 1;
	return rc;
}

void rollup_summary_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_rollups; i++) {
		Carenet__RollupOffice *o = rep->rollups[i];
		free(o->id);
		free(o->month);
		for (size_t k = 0; k < o->n_counties; k++)
			free(o->counties[k]);
		free(o->counties);
		free(o);
	}
	free(rep->rollups);
	rep->rollups = NULL;
	rep->n_rollups = 0;
}
