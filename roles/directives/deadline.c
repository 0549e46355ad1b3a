/*
 * deadline: the issuer's timers, persisted in STORE_TIMERS so they survive
 * restarts. Key: due (big-endian uint64) | directive id | '\0' | kind, so
 * the first key is the next timer. Value: the kind byte.
 *
 * A reminder fires before the due time to the targets not done/unable;
 * the overdue timer marks those rows overdue at the due time and, by
 * policy, orders rectification from the laggards; a missed rectification
 * order raises a circular (通报) naming them to every office of their
 * level under this one, and an escalation to the level above.
 */
#include "directives.h"
#include "err.h"
#include "log.h"
#include "moved.h"
#include "registry.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRE_MAX 100000 /* timers fired in one transaction, at most */
#define TIMER_KEY_MAX (8 + ROLES_ID_MAX + 2)
#define RECTIFY_PREFIX "限时整改 Rectification: "
#define ROLES_DEFAULT_RECTIFY (7 * 86400u) /* policy->rectify_after == 0 */

/* TIMER_TALLY: above the county, a directive tally to send at the next
 * turn (above.c): put at now by every change of the counts, so the changes
 * of one turn make one tally, and a SIGKILL loses none (same txn). */
enum timer_kind { TIMER_REMIND = 1, TIMER_OVERDUE = 2, TIMER_TALLY = 3 };

static size_t timer_key(uint64_t due, const char *did, enum timer_kind kind, uint8_t *key)
{
	size_t n = strlen(did);

	for (int i = 7; i >= 0; i--, due >>= 8)
		key[i] = (uint8_t)due;
	memcpy(key + 8, did, n + 1);
	key[8 + n + 1] = (uint8_t)kind;
	return 8 + n + 2;
}

static int put_timer(struct roles *r, MDB_txn *txn, uint64_t due, const char *did,
                     enum timer_kind kind)
{
	uint8_t key[TIMER_KEY_MAX], val = (uint8_t)kind;
	MDB_val k, d = {1, &val};

	if (strlen(did) >= ROLES_ID_MAX)
		return CN_EINVAL;
	k.mv_size = timer_key(due, did, kind, key);
	k.mv_data = key;
	return store_err(mdb_put(txn, roles_dbi(r, STORE_TIMERS), &k, &d, 0), "put timer");
}

int deadline_schedule(struct roles *r, MDB_txn *txn, const Carenet__Directive *d, uint64_t created)
{
	uint64_t now = roles_now(r);
	int rc;

	for (size_t i = 0; i < d->n_remind; i++) {
		uint64_t at = d->due - d->remind[i];
		if (d->remind[i] >= d->due || at <= now || at <= created)
			continue; /* would fire at once: the directive itself just arrived */
		if ((rc = put_timer(r, txn, at, d->id, TIMER_REMIND)) != 0)
			return rc;
	}
	return put_timer(r, txn, d->due, d->id, TIMER_OVERDUE);
}

int deadline_tally(struct roles *r, MDB_txn *txn, const char *did)
{
	return put_timer(r, txn, roles_now(r), did, TIMER_TALLY);
}

/* ------------------------------------------------------------ next due */

struct next_arg {
	struct roles *r;
	uint64_t due;
};

static int first_timer(MDB_txn *txn, void *arg)
{
	struct next_arg *a = arg;
	MDB_cursor *cur;
	MDB_val k, d;
	int rc;

	a->due = UINT64_MAX;
	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(a->r, STORE_TIMERS), &cur), "timers")))
		return rc;
	rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
	if (rc == 0 && k.mv_size >= 8) {
		const uint8_t *p = k.mv_data;
		a->due = 0;
		for (int i = 0; i < 8; i++)
			a->due = a->due << 8 | p[i];
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc, "first timer");
}

uint64_t deadline_next_due(struct roles *r)
{
	struct next_arg a = {r, UINT64_MAX};

	if (store_read(r->env.store, first_timer, &a) != 0)
		return UINT64_MAX;
	return a.due;
}

/* ------------------------------------------------------------- firing */

/* Rows still open (not done/unable), in target order. */
static int collect_open(const char *target, Carenet__TargetRow *row, void *arg)
{
	return roles_state_closed(row->state) ? 0 : roles_vec_push(arg, target);
}

/* The ids to address now: a target that moved (core/moved.h) by the id it
 * has now, each once. A reminder, a rectification order or a circular to
 * the old id would wait for an office that is gone; the rows keep the ids
 * the directive named. */
static int ids_now(struct roles *r, MDB_txn *txn, const struct strvec *in, struct strvec *out)
{
	char now[PKI_ID_MAX];
	int rc = 0;

	for (size_t i = 0; i < in->n && rc == 0; i++) {
		const char *id = in->v[i];
		int dup = 0;
		if ((rc = moved_now(r->env.store, txn, id, now, sizeof(now))) == 0)
			id = now;
		else if (rc != CN_ENOTFOUND)
			break;
		for (size_t k = 0; k < out->n && !dup; k++)
			dup = strcmp(out->v[k], id) == 0;
		rc = dup ? 0 : roles_vec_push(out, id);
	}
	return rc;
}

/* Applies fn's change to each listed row. */
static int touch_rows(struct roles *r, MDB_txn *txn, const char *did, const struct strvec *sv,
                      void (*fn)(Carenet__TargetRow *row, uint64_t now), uint64_t now)
{
	int rc = 0;

	for (size_t i = 0; i < sv->n && rc == 0; i++) {
		Carenet__TargetRow *row = NULL, nr;
		if ((rc = roles_get_row(r, txn, did, sv->v[i], &row)) != 0)
			break;
		nr = *row;
		fn(&nr, now);
		rc = roles_put_row(r, txn, did, sv->v[i], &nr);
		carenet__target_row__free_unpacked(row, NULL);
	}
	return rc;
}

static void mark_reminded(Carenet__TargetRow *row, uint64_t now)
{
	row->reminders++;
	row->reminded_at = now;
}

static void mark_overdue(Carenet__TargetRow *row, uint64_t now)
{
	if (!row->overdue) {
		row->overdue = 1;
		row->overdue_at = now;
	}
}

static void list_text(const struct strvec *sv, char *out, size_t outlen)
{
	Carenet__Targets t = CARENET__TARGETS__INIT;

	t.ids = sv->v;
	t.n_ids = sv->n;
	roles_spec_text(&t, out, outlen);
}

static int fire_remind(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec,
                       const struct strvec *open, uint64_t now)
{
	const Carenet__Directive *d = rec->directive;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Reminder rm = CARENET__REMINDER__INIT;
	char text[ROLES_MAX_TITLE + 128], due[32], list[1024];
	struct strvec to = {0};
	int rc;

	roles_fmt_utc(d->due, due, sizeof(due));
	snprintf(text, sizeof(text), "提醒 Reminder: \"%s\" is due %s", d->title, due);
	rm.directive = d->id;
	rm.due = d->due;
	rm.text = text;
	it.body_case = CARENET__ITEM__BODY_REMINDER;
	it.reminder = &rm;
	if ((rc = ids_now(r, txn, open, &to)) == 0) {
		rm.targets = to.v;
		rm.n_targets = to.n;
		rc = r->env.emit(r->env.arg, txn, &it, NULL, 0);
	}
	roles_vec_free(&to);
	if (rc != 0 || (rc = touch_rows(r, txn, d->id, open, mark_reminded, now)) != 0)
		return rc;
	list_text(open, list, sizeof(list));
	return roles_audit(r, txn, r->env.me->id, "remind", d->id,
	                   "%zu offices not done, due %s: %s", open->n, due, list);
}

/* Issues a rectification order or circular. The rules refusing it (they
 * should not: the original passed them) is logged and audited, not fatal:
 * an aborted transaction would retry the same timer forever. */
static int issue_followup(struct roles *r, MDB_txn *txn, const struct issue_spec *s)
{
	char id[ROLES_ID_MAX], why[512] = "";
	int rc = directive_issue(r, txn, s, id, why, sizeof(why));

	switch (rc) {
	case CN_EINVAL:
	case CN_ESCOPE:
	case CN_EROLE:
	case CN_ETOOBIG:
		log_warnx("roles: cannot issue the %s for %s: %s", s->action, s->ref, why);
		return roles_audit(r, txn, r->env.me->id, "refused", s->ref, "%s: %s", s->action,
		                   why);
	default:
		return rc;
	}
}

static uint64_t rectify_after(const struct roles *r)
{
	const struct roles_policy *p = r->env.policy;
	return p && p->rectify_after ? p->rectify_after : ROLES_DEFAULT_RECTIFY;
}

/* 限时整改: the laggards of a task or notice, with a new deadline. */
static int order_rectification(struct roles *r, MDB_txn *txn, const Carenet__Directive *d,
                               struct strvec *late, uint64_t now)
{
	Carenet__Targets t = CARENET__TARGETS__INIT;
	struct issue_spec s = {0};
	char title[ROLES_MAX_TITLE + 64], body[2048], due[32];

	snprintf(title, sizeof(title), RECTIFY_PREFIX "%s", d->title);
	utf8_cut(title, ROLES_MAX_TITLE);
	roles_fmt_utc(d->due, due, sizeof(due));
	snprintf(body, sizeof(body),
	         "%s %s \"%s\" was due %s and is not done. 请于新的期限前完成整改并报告。 Complete "
	         "it by the new deadline and report with carenet ack.",
	         roles_kind_zh(d->kind), d->id, d->title, due);
	utf8_cut(body, sizeof(body) - 1);
	t.ids = late->v;
	t.n_ids = late->n;
	s.kind = KIND_RECTIFICATION;
	s.title = title;
	s.body = body;
	s.ref = d->id;
	s.targets = &t;
	s.expanded = late->v;
	s.nexpanded = late->n;
	s.due = now + rectify_after(r);
	s.action = "rectify";
	s.note = d->id;
	return issue_followup(r, txn, &s);
}

struct expand_arg {
	struct strvec *sv;
};

static int expand_one(const char *id, enum pki_role role, const char *name, void *arg)
{
	(void)role;
	(void)name;
	return roles_vec_push(((struct expand_arg *)arg)->sv, id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 通报: every office of the laggards' level under this one, naming them. */
static int circulate(struct roles *r, MDB_txn *txn, const Carenet__Directive *d,
                     const struct strvec *late, enum pki_role role, const char *list)
{
	Carenet__Targets t = CARENET__TARGETS__INIT;
	struct strvec all = {0};
	struct expand_arg ea = {&all};
	struct issue_spec s = {0};
	char title[ROLES_MAX_TITLE + 64], body[4096], due[32];
	size_t n = 0;
	int rc;

	if ((rc = registry_each(r->env.store, txn, r->env.me->id, role, expand_one, &ea)) < 0)
		goto out;
	rc = 0;
	for (size_t i = 0; i < late->n && rc == 0; i++)
		if (pki_role_from_id(late->v[i]) == role)
			rc = roles_vec_push(&all, late->v[i]);
	if (rc != 0)
		goto out;
	qsort(all.v, all.n, sizeof(*all.v), cmp_str);
	for (size_t i = 0; i < all.n; i++) { /* dedupe in place */
		if (n && strcmp(all.v[n - 1], all.v[i]) == 0) {
			free(all.v[i]);
			continue;
		}
		all.v[n++] = all.v[i];
	}
	all.n = n;
	roles_fmt_utc(d->due, due, sizeof(due));
	snprintf(title, sizeof(title), "通报 Circular: 逾期未整改 Rectification missed: %s",
	         strncmp(d->title, RECTIFY_PREFIX, strlen(RECTIFY_PREFIX)) == 0
	             ? d->title + strlen(RECTIFY_PREFIX)
	             : d->title);
	utf8_cut(title, ROLES_MAX_TITLE);
	snprintf(body, sizeof(body),
	         "以下单位未按期完成限时整改 (%s, 期限 %s)。The following offices did not complete "
	         "rectification order %s by %s: %s",
	         d->id, due, d->id, due, list);
	utf8_cut(body, sizeof(body) - 1);
	t.prefix = (char *)r->env.me->id;
	t.role = (char *)pki_role_name(role);
	s.kind = KIND_CIRCULAR;
	s.title = title;
	s.body = body;
	s.ref = d->id;
	s.targets = &t;
	s.expanded = all.v;
	s.nexpanded = all.n;
	s.due = roles_now(r) + rectify_after(r);
	s.action = "circular";
	s.note = d->id;
	rc = issue_followup(r, txn, &s);
out:
	roles_vec_free(&all);
	return rc < 0 ? rc : 0;
}

/* A missed rectification order: circular per level, escalation up. */
static int escalate(struct roles *r, MDB_txn *txn, const Carenet__Directive *d, struct strvec *late)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Escalation e = CARENET__ESCALATION__INIT;
	char list[1024], detail[ROLES_MAX_TITLE + 160];
	int rc, seen[PKI_ROLE_LAST + 1] = {0};

	list_text(late, list, sizeof(list));
	for (size_t i = 0; i < late->n; i++) {
		enum pki_role role = pki_role_from_id(late->v[i]);
		if (role == PKI_ROLE_NONE || role == PKI_ROLE_INSPECTOR || seen[role]++)
			continue;
		if ((rc = circulate(r, txn, d, late, role, list)) != 0)
			return rc;
	}
	snprintf(detail, sizeof(detail),
	         "rectification order %s (ref %s) \"%s\" missed by %zu offices", d->id, d->ref,
	         d->title, late->n);
	utf8_cut(detail, sizeof(detail) - 1);
	if (r->env.me->role == PKI_ROLE_COUNTY || pki_role_above_county(r->env.me->role))
		return roles_audit(r, txn, r->env.me->id, "escalate", d->id,
		                   "%s: %s (kept here: only aggregates go above the county)",
		                   detail, list);
	e.kind = 1;
	e.directive = d->id;
	e.offices = late->v;
	e.n_offices = late->n;
	e.detail = detail;
	it.body_case = CARENET__ITEM__BODY_ESCALATION;
	it.escalation = &e;
	if ((rc = r->env.emit(r->env.arg, txn, &it, NULL, 0)) != 0)
		return rc;
	return roles_audit(r, txn, r->env.me->id, "escalate", d->id, "%s: %s (sent up)", detail,
	                   list);
}

static int fire_overdue(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec,
                        struct strvec *late, uint64_t now)
{
	const Carenet__Directive *d = rec->directive;
	const struct roles_policy *p = r->env.policy;
	struct strvec to = {0};
	char list[1024];
	int rc;

	if ((rc = touch_rows(r, txn, d->id, late, mark_overdue, now)) != 0)
		return rc;
	list_text(late, list, sizeof(list));
	if ((rc = roles_audit(r, txn, r->env.me->id, "overdue", d->id, "%zu offices: %s", late->n,
	                      list)) != 0 ||
	    (d->parent[0] && (rc = deadline_tally(r, txn, d->id)) != 0))
		return rc;
	if ((rc = ids_now(r, txn, late, &to)) == 0) {
		if (d->kind == KIND_RECTIFICATION)
			rc = escalate(r, txn, d, &to);
		else if (p && p->auto_rectify && (d->kind == KIND_TASK || d->kind == KIND_NOTICE))
			rc = order_rectification(r, txn, d, &to, now);
	}
	roles_vec_free(&to);
	return rc;
}

static int fire_one(struct roles *r, MDB_txn *txn, const char *did, int kind, uint64_t now)
{
	Carenet__DirectiveRecord *rec = NULL;
	struct strvec open = {0};
	int rc;

	if ((rc = roles_get_directive(r, txn, did, &rec)) != 0) {
		if (rc == CN_ENOTFOUND) {
			log_warnx("roles: timer for unknown directive %s dropped", did);
			rc = 0;
		}
		return rc;
	}
	if (kind == TIMER_TALLY) {
		rc = above_tally_fire(r, txn, rec, now);
		goto out;
	}
	/* A reminder that comes due with or after its deadline (a clock that
	 * jumped, a node that was down) is left to the overdue timer. */
	if (kind == TIMER_REMIND && now >= rec->directive->due)
		goto out;
	if ((rc = roles_each_row(r, txn, did, collect_open, &open)) == 0 && open.n > 0)
		rc = kind == TIMER_REMIND ? fire_remind(r, txn, rec, &open, now)
		                          : fire_overdue(r, txn, rec, &open, now);
out:
	roles_vec_free(&open);
	carenet__directive_record__free_unpacked(rec, NULL);
	return rc;
}

/* Takes the first timer if due at now: its directive id and kind. 1 if one
 * was taken, 0 if none is due, negative on error. */
static int take_due(struct roles *r, MDB_txn *txn, uint64_t now, char *did, int *kind)
{
	MDB_cursor *cur;
	MDB_val k, d;
	uint64_t due = 0;
	int rc;

	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_TIMERS), &cur), "timers")))
		return rc;
	rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
	if (rc == 0) {
		const uint8_t *p = k.mv_data;
		for (int i = 0; i < 8 && k.mv_size >= 8; i++)
			due = due << 8 | p[i];
		if (k.mv_size < 11 || k.mv_size > TIMER_KEY_MAX || p[k.mv_size - 2] != 0) {
			log_warnx("roles: malformed timer key of %zu bytes dropped", k.mv_size);
			did[0] = 0;
		} else if (due > now) {
			mdb_cursor_close(cur);
			return 0;
		} else {
			memcpy(did, p + 8, k.mv_size - 9);
			*kind = p[k.mv_size - 1];
		}
		rc = mdb_cursor_del(cur, 0);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc ? store_err(rc, "take timer") : 1;
}

int deadline_fire(struct roles *r, MDB_txn *txn, uint64_t now)
{
	char did[ROLES_ID_MAX + 1];
	int kind = 0, rc;

	for (int i = 0; i < FIRE_MAX; i++) {
		if ((rc = take_due(r, txn, now, did, &kind)) <= 0)
			return rc;
		if (did[0] && (rc = fire_one(r, txn, did, kind, now)) != 0)
			return rc;
	}
	return 0;
}
