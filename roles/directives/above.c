/*
 * above: directives from above the county (issue 14, docs/design.md "Above
 * the county"). A province or prefecture names counties; a county that is
 * one of them relays the directive to its townships or villages (relay) as
 * its own directive, whose id is derived from the parent's (rules_relay_id)
 * so the same parent never makes a second one, in the write txn that
 * applies the parent. The offices' statuses stay in the county; the county
 * sends up a DirectiveTally (counts) whenever they change — a TIMER_TALLY
 * put at now in the same txn (deadline.c), so one turn's changes make one
 * tally and a SIGKILL loses none. A prefecture keeps its counties' tallies,
 * forwards them and sends its own sum; the province keeps both.
 *
 * Stored in STORE_META at a province or prefecture: "tally:<directive>:<office>"
 * -> the office's latest DirectiveTally, packed.
 */
#include "directives.h"
#include "arr.h"
#include "err.h"
#include "log.h"
#include "registry.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_TALLY "tally:"
#define TALLY_MAX_COUNT 100000000ull /* offices counted in one tally, at most */

/* ------------------------------------------------------ the county's relay */

static int push_id(const char *id, enum pki_role role, const char *name, void *arg)
{
	(void)role;
	(void)name;
	return roles_vec_push(arg, id);
}

/* The relay the rules refuse (a deadline already past here, too many
 * offices) is logged and audited, never fatal: the parent stays applied. */
static int relay_issue(struct roles *r, MDB_txn *txn, const Carenet__Item *item, struct strvec *ids,
                       const char *rid)
{
	const Carenet__Directive *d = item->directive;
	Carenet__Targets t = CARENET__TARGETS__INIT;
	struct issue_spec s = {0};
	char out[ROLES_ID_MAX], why[512] = "", note[160];
	int rc;

	t.prefix = (char *)r->env.me->id;
	t.role = d->relay;
	snprintf(note, sizeof(note), "relayed from %s of %s", d->id, item->origin);
	s.kind = d->kind;
	s.title = d->title;
	s.body = d->body;
	s.ref = d->ref;
	s.targets = &t;
	s.expanded = ids->v;
	s.nexpanded = ids->n;
	s.due = d->due;
	s.indicators = d->indicators;
	s.nindicators = d->n_indicators;
	if (d->n_remind) { /* the issuer's reminders; else this county's defaults */
		s.remind = d->remind;
		s.nremind = d->n_remind;
	}
	s.action = "issue";
	s.note = note;
	s.id = rid;
	s.parent = d->id;
	rc = directive_issue(r, txn, &s, out, why, sizeof(why));
	if (rc == CN_EINVAL || rc == CN_ESCOPE || rc == CN_EROLE || rc == CN_ETOOBIG) {
		log_warnx("roles: cannot relay %s from %s: %s", d->id, item->origin, why);
		return roles_audit(r, txn, r->env.me->id, "refused", d->id, "relay: %s", why);
	}
	return rc ? rc : deadline_tally(r, txn, rid);
}

int above_relay(struct roles *r, MDB_txn *txn, const Carenet__Item *item)
{
	const Carenet__Directive *d = item->directive;
	const char *me = r->env.me->id;
	Carenet__DirectiveRecord *old = NULL;
	struct strvec ids = {0};
	char rid[ROLES_ID_MAX];
	int rc;

	if (rules_relay_id(me, d->id, rid, sizeof(rid)) != 0)
		return roles_audit(r, txn, me, "refused", d->id, "relay: no relay id for %s",
		                   d->id);
	rc = roles_get_directive(r, txn, rid, &old);
	carenet__directive_record__free_unpacked(old, NULL);
	if (rc != CN_ENOTFOUND)
		return rc; /* 0: relayed once already */
	rc = registry_each(r->env.store, txn, me, pki_role_parse(d->relay), push_id, &ids);
	if (rc >= 0 && ids.n == 0)
		rc = roles_audit(r, txn, me, "relay", d->id,
		                 "no %s known below %s: nothing to relay", d->relay, me);
	else if (rc >= 0)
		rc = relay_issue(r, txn, item, &ids, rid);
	roles_vec_free(&ids);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ counting */

int above_changed(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec)
{
	if (r->env.me->role == PKI_ROLE_COUNTY && rec->issued && rec->directive->parent[0])
		return deadline_tally(r, txn, rec->directive->id);
	return 0;
}

struct count_arg {
	Carenet__DirectiveTally *t;
	uint64_t now, due;
};

static int count_row(const char *target, Carenet__TargetRow *row, void *arg)
{
	struct count_arg *c = arg;

	(void)target;
	if (row->state == STATE_RETIRED)
		return 0; /* its office was closed (撤销): not a target any more */
	c->t->targeted++;
	c->t->acknowledged += row->state >= STATE_ACCEPTED;
	c->t->done += row->state == STATE_DONE;
	c->t->overdue += !roles_state_closed(row->state) && (row->overdue || c->now >= c->due);
	return 0;
}

static int meta_cursor(struct roles *r, MDB_txn *txn, MDB_cursor **cur)
{
	return store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_META), cur), "tallies");
}

/* Calls fn with every tally held here for did, in office order. */
static int each_tally(struct roles *r, MDB_txn *txn, const char *did,
                      int (*fn)(const Carenet__DirectiveTally *t, void *arg), void *arg)
{
	char pre[ROLES_ID_MAX + 16];
	size_t pl = (size_t)snprintf(pre, sizeof(pre), KEY_TALLY "%s:", did);
	MDB_val k = {pl, pre}, v;
	MDB_cursor *cur;
	int rc, mrc;

	if ((rc = meta_cursor(r, txn, &cur)) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Carenet__DirectiveTally *t;
		if (k.mv_size < pl || memcmp(k.mv_data, pre, pl) != 0)
			break;
		if (!(t = carenet__directive_tally__unpack(NULL, v.mv_size, v.mv_data)))
			continue;
		rc = fn(t, arg);
		carenet__directive_tally__free_unpacked(t, NULL);
	}
	mdb_cursor_close(cur);
	return rc;
}

struct sum_arg {
	const char *me;
	Carenet__DirectiveTally *t;
	struct strvec counties;
};

static int sum_one(const Carenet__DirectiveTally *c, void *arg)
{
	struct sum_arg *a = arg;

	if (pki_role_from_id(c->office) != PKI_ROLE_COUNTY || !rules_is_ancestor(a->me, c->office))
		return 0;
	a->t->targeted += c->targeted;
	a->t->acknowledged += c->acknowledged;
	a->t->done += c->done;
	a->t->overdue += c->overdue;
	a->t->late_counties += c->late;
	return roles_vec_push(&a->counties, c->office);
}

static int emit_tally(struct roles *r, MDB_txn *txn, Carenet__DirectiveTally *t)
{
	Carenet__Item it = CARENET__ITEM__INIT;

	it.body_case = CARENET__ITEM__BODY_TALLY;
	it.tally = t;
	log_debug("roles: tally of %s at %s: %llu targeted, %llu done, %llu overdue", t->directive,
	          t->office, (unsigned long long)t->targeted, (unsigned long long)t->done,
	          (unsigned long long)t->overdue);
	return r->env.emit(r->env.arg, txn, &it, NULL, 0);
}

int above_tally_fire(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec,
                     uint64_t now)
{
	const Carenet__Directive *d = rec->directive;
	Carenet__DirectiveTally t = CARENET__DIRECTIVE_TALLY__INIT;
	enum pki_role me = r->env.me->role;
	int rc;

	t.office = (char *)r->env.me->id;
	t.as_of = now;
	if (me == PKI_ROLE_COUNTY && rec->issued && d->parent[0]) {
		struct count_arg c = {&t, now, d->due};
		t.directive = d->parent;
		if ((rc = roles_each_row(r, txn, d->id, count_row, &c)) != 0)
			return rc;
		t.late = t.overdue > 0;
		return emit_tally(r, txn, &t);
	}
	if (me == PKI_ROLE_PREFECTURE && strcmp(rec->issuer, r->env.me->id) != 0) {
		struct sum_arg a = {r->env.me->id, &t, {0}};
		t.directive = d->id;
		if ((rc = each_tally(r, txn, d->id, sum_one, &a)) == 0) {
			t.counties = a.counties.v;
			t.n_counties = a.counties.n;
			t.late = t.late_counties > 0;
			rc = emit_tally(r, txn, &t);
		}
		roles_vec_free(&a.counties);
		return rc;
	}
	return 0;
}

/* ------------------------------------------------------- received tallies */

/* Its office is its origin, a county or prefecture below this node, on
 * its path (its own session, or its prefecture's); the counts add up. */
static int tally_check(struct roles *r, const Carenet__Item *item, const char *from, char *why,
                       size_t whylen)
{
	const Carenet__DirectiveTally *t = item->tally;
	const char *me = r->env.me->id, *o = item->origin;
	enum pki_role role = pki_role_from_id(o);

	if (!pki_role_above_county(r->env.me->role)) {
		roles_why(why, whylen,
		          "a directive tally goes to a prefecture or province, not to %s", me);
		return CN_EROLE;
	}
	if (strcmp(t->office, o) != 0) {
		roles_why(why, whylen, "tally from %s counts %.40s: an office sends only its own",
		          o, t->office);
		return CN_ESCOPE;
	}
	if ((role != PKI_ROLE_COUNTY && role != PKI_ROLE_PREFECTURE) || !rules_is_ancestor(me, o) ||
	    (!(strcmp(from, o) == 0 && pki_is_direct_child(me, o)) &&
	     !(pki_is_direct_child(me, from) && pki_is_direct_child(from, o)))) {
		roles_why(why, whylen,
		          "tally from %s via %s: only a county or prefecture below %s, "
		          "on its path",
		          o, from, me);
		return CN_ESCOPE;
	}
	if (t->targeted > TALLY_MAX_COUNT || t->acknowledged > t->targeted ||
	    t->done > t->acknowledged || t->overdue > t->targeted ||
	    (role == PKI_ROLE_COUNTY && t->n_counties) || t->late_counties > t->n_counties) {
		roles_why(why, whylen,
		          "tally from %s: counts do not add up (targeted %llu, "
		          "acknowledged %llu, done %llu, overdue %llu, %zu counties)",
		          o, (unsigned long long)t->targeted, (unsigned long long)t->acknowledged,
		          (unsigned long long)t->done, (unsigned long long)t->overdue,
		          t->n_counties);
		return CN_EINVAL;
	}
	for (size_t i = 0; i < t->n_counties; i++)
		if (pki_role_from_id(t->counties[i]) != PKI_ROLE_COUNTY ||
		    !rules_is_ancestor(o, t->counties[i])) {
			roles_why(why, whylen, "tally from %s names county %.40s, not below it", o,
			          t->counties[i]);
			return CN_ESCOPE;
		}
	return 0;
}

/* The directive is from above the county and held here; a county's tally
 * is of a directive it is a target of. */
static int tally_known(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                       Carenet__DirectiveRecord **rec, char *why, size_t whylen)
{
	const Carenet__DirectiveTally *t = item->tally;
	Carenet__TargetRow *row = NULL;
	int rc = roles_get_directive(r, txn, t->directive, rec);

	if (rc == CN_ENOTFOUND)
		roles_why(why, whylen, "tally from %s of directive %.64s, unknown here",
		          item->origin, t->directive);
	if (rc != 0)
		return rc;
	if (!pki_role_above_county(pki_role_from_id((*rec)->issuer))) {
		roles_why(why, whylen,
		          "tally from %s of %s, a directive of %s (not from above the "
		          "county)",
		          item->origin, t->directive, (*rec)->issuer);
		return CN_ESCOPE;
	}
	if (pki_role_from_id(item->origin) != PKI_ROLE_COUNTY)
		return 0;
	rc = roles_get_row(r, txn, t->directive, item->origin, &row);
	carenet__target_row__free_unpacked(row, NULL);
	if (rc == CN_ENOTFOUND) {
		roles_why(why, whylen, "tally from %s: not a target of directive %s", item->origin,
		          t->directive);
		return CN_ESCOPE;
	}
	return rc;
}

/* Keeps t as its office's latest (unless a later one is held). */
static int tally_keep(struct roles *r, MDB_txn *txn, const Carenet__DirectiveTally *t)
{
	char key[ROLES_ID_MAX + PKI_ID_MAX + 16];
	MDB_val k, v;
	uint8_t *buf;
	size_t len;
	int rc, later = 0;

	snprintf(key, sizeof(key), KEY_TALLY "%s:%s", t->directive, t->office);
	k.mv_size = strlen(key);
	k.mv_data = key;
	rc = store_err(mdb_get(txn, roles_dbi(r, STORE_META), &k, &v), "tally get");
	if (rc == 0) {
		Carenet__DirectiveTally *old =
		    carenet__directive_tally__unpack(NULL, v.mv_size, v.mv_data);
		later = old && old->as_of > t->as_of;
		carenet__directive_tally__free_unpacked(old, NULL);
	} else if (rc != CN_ENOTFOUND) {
		return rc;
	}
	if (later)
		return 0;
	len = carenet__directive_tally__get_packed_size(t);
	if (!(buf = malloc(len ? len : 1)))
		return CN_ENOMEM;
	carenet__directive_tally__pack(t, buf);
	v.mv_size = len;
	v.mv_data = buf;
	rc = store_err(mdb_put(txn, roles_dbi(r, STORE_META), &k, &v, 0), "tally put");
	free(buf);
	return rc;
}

int tally_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                const struct pki_identity *origin, const char *from, struct roles_route *route,
                char *why, size_t whylen)
{
	Carenet__DirectiveRecord *rec = NULL;
	int rc;

	(void)origin;
	if (!item->tally) {
		roles_why(why, whylen, "tally item without a tally");
		return CN_EPROTO;
	}
	if ((rc = tally_check(r, item, from, why, whylen)) != 0 ||
	    (rc = tally_known(r, txn, item, &rec, why, whylen)) != 0 ||
	    (rc = tally_keep(r, txn, item->tally)) != 0)
		goto out;
	if (r->env.me->role == PKI_ROLE_PREFECTURE && strcmp(rec->issuer, r->env.me->id) != 0 &&
	    pki_role_from_id(item->origin) == PKI_ROLE_COUNTY) {
		route->up = 1; /* the county's own, on to the province */
		rc = deadline_tally(r, txn, item->tally->directive);
	}
out:
	carenet__directive_record__free_unpacked(rec, NULL);
	return rc;
}

/* --------------------------------------------------------------- views */

struct view_arg {
	Carenet__DirectiveView *v;
	size_t cap;
	int err;
};

static char *sdup(const char *s)
{
	return strdup(s ? s : "");
}

static Carenet__TallyView *tview_add(struct view_arg *a, const char *office)
{
	Carenet__TallyView *tv;

	if (ARR_GROW(a->v->tallies, a->v->n_tallies + 1, a->cap) ||
	    !(tv = calloc(1, sizeof(*tv)))) {
		a->err = 1;
		return NULL;
	}
	carenet__tally_view__init(tv);
	a->v->tallies[a->v->n_tallies++] = tv;
	if (!(tv->office = sdup(office)))
		a->err = 1;
	return tv;
}

static int view_one(const Carenet__DirectiveTally *t, void *arg)
{
	struct view_arg *a = arg;
	Carenet__TallyView *tv = tview_add(a, t->office);

	if (!tv)
		return CN_ENOMEM;
	tv->targeted = t->targeted;
	tv->acknowledged = t->acknowledged;
	tv->done = t->done;
	tv->overdue = t->overdue;
	tv->late = t->late;
	tv->as_of = t->as_of;
	tv->late_counties = t->late_counties;
	if (t->n_counties && !(tv->counties = calloc(t->n_counties, sizeof(char *))))
		return CN_ENOMEM;
	for (size_t i = 0; i < t->n_counties; i++)
		if (!(tv->counties[tv->n_counties++] = sdup(t->counties[i])))
			return CN_ENOMEM;
	return 0;
}

static Carenet__TallyView *tally_of(Carenet__DirectiveView *v, const char *office)
{
	for (size_t i = 0; i < v->n_tallies; i++)
		if (strcmp(v->tallies[i]->office, office) == 0)
			return v->tallies[i];
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_tally(const void *a, const void *b)
{
	return strcmp((*(Carenet__TallyView *const *)a)->office,
	              (*(Carenet__TallyView *const *)b)->office);
}

/* A county is late when its relay has overdue offices (its tally), or its
 * own row is past the deadline and not done or unable. Every county target
 * has a row here, with or without a tally (as_of 0: none arrived). */
static int late_counties(struct view_arg *a)
{
	Carenet__DirectiveView *v = a->v;

	if (v->n_targets && !(v->late_counties = calloc(v->n_targets, sizeof(char *))))
		return CN_ENOMEM;
	for (size_t i = 0; i < v->n_targets; i++) {
		const Carenet__TargetView *row = v->targets[i];
		Carenet__TallyView *tv;
		if (pki_role_from_id(row->id) != PKI_ROLE_COUNTY)
			continue;
		if (!(tv = tally_of(v, row->id)) && !(tv = tview_add(a, row->id)))
			return CN_ENOMEM;
		tv->late = tv->late || (row->overdue && !roles_state_closed(row->state));
		if (tv->late && !(v->late_counties[v->n_late_counties++] = sdup(row->id)))
			return CN_ENOMEM;
	}
	if (v->n_late_counties > 1)
		qsort(v->late_counties, v->n_late_counties, sizeof(char *), cmp_str);
	if (v->n_tallies > 1)
		qsort(v->tallies, v->n_tallies, sizeof(*v->tallies), cmp_tally);
	return 0;
}

int above_view(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec,
               Carenet__DirectiveView *v)
{
	struct view_arg a = {v, 0, 0};
	int rc;

	v->parent = sdup(rec->directive->parent);
	v->relay = sdup(rec->directive->relay);
	if (!v->parent || !v->relay)
		return CN_ENOMEM;
	if (!pki_role_above_county(r->env.me->role) || !rec->tracked)
		return 0;
	if ((rc = each_tally(r, txn, v->id, view_one, &a)) != 0)
		return rc;
	rc = late_counties(&a);
	return a.err ? CN_ENOMEM : rc;
}

void above_view_free(Carenet__DirectiveView *v)
{
	if (v->parent != protobuf_c_empty_string)
		free(v->parent);
	if (v->relay != protobuf_c_empty_string)
		free(v->relay);
	for (size_t i = 0; i < v->n_tallies; i++) {
		Carenet__TallyView *tv = v->tallies[i];
		free(tv->office);
		for (size_t k = 0; k < tv->n_counties; k++)
			free(tv->counties[k]);
		free(tv->counties);
		free(tv);
	}
	free(v->tallies);
	for (size_t i = 0; i < v->n_late_counties; i++)
		free(v->late_counties[i]);
	free(v->late_counties);
}
