/*
 * status: what flows up (statuses, escalations, announces) and the
 * reminders and revocations that follow directives down; the operator's
 * acknowledgement of a directive in this office's inbox.
 */
#include "directives.h"
#include "audit.h"
#include "err.h"
#include "log.h"
#include "moved.h"
#include "registry.h"
#include "roles_int.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLES_MAX_CRL (1u << 20)
#define ROLES_MAX_SKEW 300 /* seconds a status's time may run ahead of this node's clock */

int status_check_payload(const char *note, Carenet__Evidence *const *ev, size_t nev, char *why,
                         size_t whylen)
{
	size_t nl = strlen(note);

	if (nl > ROLES_MAX_NOTE) {
		roles_why(why, whylen, "note is %zu bytes, at most %d", nl, ROLES_MAX_NOTE);
		return CN_ETOOBIG;
	}
	if (nev > ROLES_MAX_EVIDENCE) {
		roles_why(why, whylen, "%zu evidence files, at most %d", nev, ROLES_MAX_EVIDENCE);
		return CN_ETOOBIG;
	}
	for (size_t i = 0; i < nev; i++) {
		size_t n = strlen(ev[i]->name);
		if (n == 0 || n > ROLES_MAX_EVNAME || ev[i]->sha256.len != 32) {
			roles_why(why, whylen,
			          "evidence %zu: needs a name of 1 to %d bytes and a "
			          "32-byte SHA-256",
			          i + 1, ROLES_MAX_EVNAME);
			return CN_EINVAL;
		}
	}
	return 0;
}

/* Up-flowing items: signed by an office below this one, sent from below
 * (below its former ids too: a township whose own code changed hears from
 * its villages under the old codes until each switches). */
static int check_from_below(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                            const char *from, const char *what, char *why, size_t whylen)
{
	int rc = roles_below_me(r, txn, item->origin);

	if (rc == 1 && from[0])
		rc = roles_below_me(r, txn, from);
	if (rc < 0)
		return rc;
	if (!rc) {
		roles_why(why, whylen, "%s from %s (via %s): only offices below %s send it here",
		          what, item->origin, from[0] ? from : "-", r->env.me->id);
		return CN_ESCOPE;
	}
	return 0;
}

/* When the status changed, as far as this node can tell: the office's own
 * time, but not later than now + ROLES_MAX_SKEW (then now: a village's clock
 * is not this node's) nor earlier than the directive's creation. */
static uint64_t status_time(uint64_t reported, uint64_t issued, uint64_t now)
{
	uint64_t t = reported;

	if (t > now + ROLES_MAX_SKEW)
		t = now;
	if (t < issued)
		t = issued;
	return t;
}

/* The new row for a status: state (never back to delivered), note, evidence;
 * changed_at bounded (status_time), reported_at as reported; every state but
 * delivered appended to the row's history (old owns it: freed with it). */
static int update_row(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                      const Carenet__DirectiveRecord *rec, Carenet__TargetRow *old,
                      const char *target, int *stale)
{
	const Carenet__StatusUpdate *s = item->status;
	Carenet__TargetRow row;
	int rc;

	/* a moved village re-sends its states under its new id (roles_move.c):
	 * the same state again on OLD's row is a no-op, never a second entry */
	*stale = (s->state == STATE_DELIVERED && old->state > STATE_DELIVERED) ||
	         (strcmp(target, item->origin) != 0 && s->state == old->state) ||
	         old->state == STATE_RETIRED; /* its office was closed: the row ended */
	if (*stale)
		return 0;
	if (s->state != STATE_DELIVERED &&
	    (rc = roles_history_add(&old->history, &old->n_history,
	                            status_time(item->created, rec->created, roles_now(r)),
	                            s->state, s->note, s->n_evidence)) != 0)
		return rc;
	row = *old;
	row.state = s->state;
	row.changed_at = status_time(item->created, rec->created, roles_now(r));
	row.reported_at = item->created;
	if (s->state != STATE_DELIVERED) {
		row.note = s->note;
		if (s->n_evidence) {
			row.evidence = s->evidence;
			row.n_evidence = s->n_evidence;
		}
	}
	return roles_put_row(r, txn, s->directive, target, &row);
}

/* The row a status of item->origin updates: its own, or, for a village that
 * moved here (moved.h), the row of its old id. CN_ENOTFOUND: none here. */
static int row_of(struct roles *r, MDB_txn *txn, const Carenet__Item *item, char *target,
                  size_t len, Carenet__TargetRow **row)
{
	int rc = roles_get_row(r, txn, item->status->directive, item->origin, row);
	char prev[PKI_ID_MAX];

	snprintf(target, len, "%s", item->origin);
	/* back through its moves to the id the directive named (moved.h) */
	for (int k = 0; rc == CN_ENOTFOUND && k < MOVED_CHAIN_MAX; k++) {
		if (moved_from(r->env.store, txn, target, prev, sizeof(prev)) != 0)
			break;
		snprintf(target, len, "%s", prev);
		rc = roles_get_row(r, txn, item->status->directive, target, row);
	}
	return rc;
}

/* 1 if origin moved in from another township (moved.h): a status of it for a
 * directive, or a target, this node does not track is relayed up untracked
 * (its issuer counts it against the old id). */
static int moved_in(struct roles *r, MDB_txn *txn, const char *origin)
{
	char old[PKI_ID_MAX];

	return moved_from(r->env.store, txn, origin, old, sizeof(old)) == 0;
}

/* A status of a village that moved in, for a directive or a row not tracked
 * here: relayed up by a township when the directive's issuer is above it
 * (its issuer counts it against the old id); dropped and audited at the
 * county (a moved village's status that matches nothing there is not its
 * township's fault, so nothing is refused: no ban points for the relay). */
static int relay_moved(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                       struct roles_route *route, char *why, size_t whylen)
{
	const Carenet__StatusUpdate *s = item->status;
	const char *me = r->env.me->id;

	if (r->env.me->role == PKI_ROLE_COUNTY)
		return roles_audit(r, txn, item->origin, "ignore", s->directive,
		                   "status %s of %s (moved in): no such directive or target here",
		                   roles_state_name(s->state), item->origin);
	if (!status_issued_above(r, s->directive)) {
		roles_why(why, whylen, "status from %s (moved in) for directive %.64s, unknown "
		          "here and not issued above %s", item->origin, s->directive, me);
		return CN_ENOTFOUND;
	}
	route->up = 1;
	return roles_audit(r, txn, item->origin, "relay", s->directive,
	                   "status %s of %s (moved in) relayed up untracked",
	                   roles_state_name(s->state), item->origin);
}

/* ---- statuses kept until their directive arrives. A township whose store
 * was restored from a backup meets its villages again, which re-send
 * statuses of directives it no longer holds, while its parent re-sends
 * those directives on another link: whichever comes first. A status of a
 * directive issued above this node, unknown here, is kept (STORE_META
 * "skept:" directive '\0' origin '\0' sequence -> the packed Item) and the
 * directive's arrival applies it here (status_take_kept). It is not sent
 * up: the issuer had it before, and if it names no directive at all the
 * county would charge this node, its relay, for a hostile village's item.
 * At most STATUS_KEPT_MAX are kept; past that they are refused as before. */
#define STATUS_KEPT_MAX 4096
#define KEPT_COUNT_KEY "skept:n"

static size_t kept_key(char *key, size_t len, const char *did, const char *origin, uint64_t seq)
{
	int n = origin ? snprintf(key, len, "skept:%s%c%s%c%020llu", did, 0, origin, 0,
	                          (unsigned long long)seq)
	               : snprintf(key, len, "skept:%s%c", did, 0);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

static int kept_count(struct roles *r, MDB_txn *txn, int64_t delta, uint64_t *n)
{
	MDB_dbi db = roles_dbi(r, STORE_META);
	int rc = store_get_u64(txn, db, KEPT_COUNT_KEY, strlen(KEPT_COUNT_KEY), n);

	if (rc == CN_ENOTFOUND)
		*n = 0, rc = 0;
	if (rc != 0 || !delta)
		return rc;
	*n = delta < 0 && (uint64_t)-delta > *n ? 0 : *n + (uint64_t)delta;
	return store_put_u64(txn, db, KEPT_COUNT_KEY, strlen(KEPT_COUNT_KEY), *n);
}

int status_issued_above(struct roles *r, const char *did)
{
	const char *me = r->env.me->id, *dash = strchr(did, '-');
	size_t il = dash ? (size_t)(dash - did) : 0;

	return il && il < strlen(me) && strncmp(did, me, il) == 0;
}

static int keep_status(struct roles *r, MDB_txn *txn, const Carenet__Item *item)
{
	char key[256];
	size_t klen = kept_key(key, sizeof(key), item->status->directive, item->origin,
	                       item->origin_seq);
	size_t len = carenet__item__get_packed_size(item);
	MDB_val k = {klen, key}, v;
	uint64_t n;
	uint8_t *buf;
	int rc;

	if (!klen || (rc = kept_count(r, txn, 0, &n)) != 0)
		return klen ? rc : CN_EINVAL;
	if (n >= STATUS_KEPT_MAX)
		return CN_ETOOBIG;
	if (!(buf = malloc(len ? len : 1)))
		return CN_ENOMEM;
	carenet__item__pack(item, buf);
	v.mv_size = len, v.mv_data = buf;
	rc = store_err(mdb_put(txn, roles_dbi(r, STORE_META), &k, &v, 0), "status keep");
	free(buf);
	return rc ? rc : kept_count(r, txn, 1, &n);
}

int status_take_kept(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec)
{
	char pre[256];
	size_t plen = kept_key(pre, sizeof(pre), rec->directive->id, NULL, 0);
	MDB_cursor *cur;
	MDB_val k = {plen, pre}, d;
	uint64_t n;
	int rc, mrc, taken = 0;

	if (!plen)
		return 0;
	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_META), &cur), "status kept")))
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		Carenet__Item *it;
		Carenet__TargetRow *row = NULL;
		char target[PKI_ID_MAX];
		int stale = 0;
		if (k.mv_size < plen || memcmp(k.mv_data, pre, plen) != 0)
			break;
		if (!(it = carenet__item__unpack(NULL, d.mv_size, d.mv_data)) || !it->status) {
			carenet__item__free_unpacked(it, NULL);
			rc = CN_ESTORE;
			break;
		}
		/* a target's status: applied as it would have been (stale or not);
		 * anything else is dropped, as it would have been refused */
		if (row_of(r, txn, it, target, sizeof(target), &row) == 0 &&
		    (rc = update_row(r, txn, it, rec, row, target, &stale)) == 0)
			rc = roles_audit(r, txn, it->origin, "status", it->status->directive,
			                 "%s (kept until the directive arrived)%s",
			                 roles_state_name(it->status->state), stale ? ", late" : "");
		carenet__target_row__free_unpacked(row, NULL);
		carenet__item__free_unpacked(it, NULL);
		if (rc == 0 && (rc = store_err(mdb_cursor_del(cur, 0), "status kept del")) == 0)
			taken++;
	}
	mdb_cursor_close(cur);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "status kept");
	if (rc == 0 && taken)
		rc = kept_count(r, txn, -taken, &n);
	return rc;
}

int status_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                 const struct pki_identity *origin, const char *from, struct roles_route *route,
                 char *why, size_t whylen)
{
	const Carenet__StatusUpdate *s = item->status;
	Carenet__DirectiveRecord *rec = NULL;
	Carenet__TargetRow *row = NULL;
	char bounded[96] = "", target[PKI_ID_MAX];
	uint64_t when;
	int rc, stale = 0;

	(void)origin;
	if (!s) {
		roles_why(why, whylen, "status item without a status");
		return CN_EPROTO;
	}
	if ((rc = check_from_below(r, txn, item, from, "status", why, whylen)) != 0)
		return rc;
	if (s->state < STATE_DELIVERED || s->state > STATE_UNABLE) {
		roles_why(why, whylen, "status state %u is not 1..5", s->state);
		return CN_EINVAL;
	}
	if ((rc = status_check_payload(s->note, s->evidence, s->n_evidence, why, whylen)) != 0)
		return rc;
	if ((rc = roles_get_directive(r, txn, s->directive, &rec)) != 0) {
		if (rc == CN_ENOTFOUND && moved_in(r, txn, item->origin))
			goto relay;
		if (rc == CN_ENOTFOUND && status_issued_above(r, s->directive) &&
		    (rc = keep_status(r, txn, item)) != CN_ETOOBIG) {
			if (rc == 0) /* debug: a hostile child's flood must not flood the log */
				log_debug("status from %s for directive %s, not here yet: kept",
				          item->origin, s->directive);
			goto out;
		}
		if (rc == CN_ENOTFOUND || rc == CN_ETOOBIG) {
			roles_why(why, whylen, "status from %s for directive %.64s, unknown here%s",
			          item->origin, s->directive,
			          rc == CN_ETOOBIG ? " (and no room to keep it)" : "");
			rc = CN_ENOTFOUND;
		}
		goto out;
	}
	if ((rc = row_of(r, txn, item, target, sizeof(target), &row)) != 0) {
		if (rc == CN_ENOTFOUND && moved_in(r, txn, item->origin))
			goto relay;
		if (rc == CN_ENOTFOUND) {
			roles_why(why, whylen, "%s is not a target of directive %s", item->origin,
			          s->directive);
			rc = CN_ESCOPE;
		}
		goto out;
	}
	if ((rc = update_row(r, txn, item, rec, row, target, &stale)) != 0)
		goto out;
	when = status_time(item->created, rec->created, roles_now(r));
	if (when != item->created)
		snprintf(bounded, sizeof(bounded), " (its time %llu bounded to %llu)",
		         (unsigned long long)item->created, (unsigned long long)when);
	rc = roles_audit(r, txn, item->origin, "status", s->directive, "%s%s%s%s%s%s%s",
	                 roles_state_name(s->state), stale ? " (late, state stays " : "",
	                 stale ? roles_state_name(row->state) : "", stale ? ")" : "", bounded,
	                 s->note[0] ? ": " : "", s->note);
	if (rc == 0 && !stale)
		rc = above_changed(r, txn, rec);
	/* up unless issued here, under this id or a former one ("OLD-7") */
	if (rc == 0 && (rc = roles_is_me(r, txn, rec->issuer)) >= 0)
		route->up = !rc, rc = 0;
out:
	carenet__directive_record__free_unpacked(rec, NULL);
	carenet__target_row__free_unpacked(row, NULL);
	return rc;
relay:
	rc = relay_moved(r, txn, item, route, why, whylen);
	goto out;
}

/* A reminder reached this office as a target. */
static int reminded_here(struct roles *r, MDB_txn *txn, const Carenet__Reminder *rm,
                         const char *origin)
{
	Carenet__InboxEntry *e = NULL, ne;
	int rc;

	if ((rc = roles_get_inbox(r, txn, rm->directive, &e)) != 0)
		return rc;
	ne = *e;
	ne.reminders++;
	ne.reminded_at = roles_now(r);
	rc = roles_put_inbox(r, txn, rm->directive, &ne);
	carenet__inbox_entry__free_unpacked(e, NULL);
	return rc ? rc
	          : roles_audit(r, txn, r->env.me->id, "reminded", rm->directive,
	                        "reminder from %s: %s", origin, rm->text);
}

/* A relay mirrors the reminder count of the rows it tracks. */
static int reminded_below(struct roles *r, MDB_txn *txn, const char *did, const char *target,
                          uint64_t when, char *why, size_t whylen)
{
	Carenet__TargetRow *row = NULL, nr;
	int rc;

	if ((rc = roles_get_row(r, txn, did, target, &row)) != 0) {
		if (rc == CN_ENOTFOUND) {
			roles_why(why, whylen, "reminder names %s, not a target of %s", target,
			          did);
			rc = CN_EINVAL;
		}
		return rc;
	}
	nr = *row;
	nr.reminders++;
	nr.reminded_at = when;
	rc = roles_put_row(r, txn, did, target, &nr);
	carenet__target_row__free_unpacked(row, NULL);
	return rc;
}

/* Sorts the reminder's targets: this office (*mine, if it is a target of
 * the directive) and the rows it tracks below, counted and routed. */
static int remind_targets(struct roles *r, MDB_txn *txn, const Carenet__Item *item, int target,
                          int *mine, size_t *nbelow, char *why, size_t whylen)
{
	const Carenet__Reminder *rm = item->reminder;
	int rc;

	if ((rc = roles_route_reserve(r, rm->n_targets)) != 0)
		return rc;
	for (size_t i = 0; i < rm->n_targets && rc == 0; i++) {
		const char *t = rm->targets[i];
		if ((rc = roles_is_me(r, txn, t)) == 1 && target)
			*mine = 1;
		else if (rc == 0 && (rc = roles_below_me(r, txn, t)) == 1 &&
		         (rc = reminded_below(r, txn, rm->directive, t, item->created, why,
		                              whylen)) == 0)
			r->route[(*nbelow)++] = (char *)t;
		rc = rc < 0 ? rc : 0;
	}
	return rc;
}

int reminder_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                   const struct pki_identity *origin, const char *from, struct roles_route *route,
                   char *why, size_t whylen)
{
	const Carenet__Reminder *rm = item->reminder;
	const char *me = r->env.me->id;
	Carenet__DirectiveRecord *rec = NULL;
	size_t nbelow = 0;
	int rc, mine = 0;

	if ((rc = from[0] ? roles_below_me(r, txn, from) : 0) < 0)
		return rc;
	if (!rm || rc || !rules_is_above(origin, me)) {
		roles_why(why, whylen, "reminder from %s via %s: only the issuer above reminds",
		          item->origin, from[0] ? from : "-");
		return rm ? CN_ESCOPE : CN_EPROTO;
	}
	if (rm->n_targets == 0 || rm->n_targets > ROLES_MAX_TARGETS ||
	    strlen(rm->text) > ROLES_MAX_NOTE) {
		roles_why(why, whylen, "reminder with %zu targets (1..%d) or text over %d bytes",
		          rm->n_targets, ROLES_MAX_TARGETS, ROLES_MAX_NOTE);
		return CN_EINVAL;
	}
	if ((rc = roles_get_directive(r, txn, rm->directive, &rec)) != 0) {
		if (rc == CN_ENOTFOUND)
			roles_why(why, whylen, "reminder for directive %.64s, unknown here",
			          rm->directive);
		return rc;
	}
	if (strcmp(rec->issuer, item->origin) != 0) {
		roles_why(why, whylen, "reminder for %s from %s: only its issuer %s reminds",
		          rm->directive, item->origin, rec->issuer);
		rc = CN_EROLE;
		goto out;
	}
	if ((rc = remind_targets(r, txn, item, rec->target, &mine, &nbelow, why, whylen)) != 0)
		goto out;
	if (!mine && !nbelow) {
		roles_why(why, whylen, "reminder for %s names no office at or below %s",
		          rm->directive, me);
		rc = CN_ESCOPE;
	}
	if (rc == 0 && mine)
		rc = reminded_here(r, txn, rm, item->origin);
	if (rc == 0 && nbelow) {
		rc = roles_audit(r, txn, me, "relay", rm->directive,
		                 "reminder from %s to %zu "
		                 "offices below",
		                 item->origin, nbelow);
		route->targets = r->route;
		route->ntargets = nbelow;
	}
out:
	carenet__directive_record__free_unpacked(rec, NULL);
	return rc;
}

int escalation_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                     const struct pki_identity *origin, const char *from, struct roles_route *route,
                     char *why, size_t whylen)
{
	const Carenet__Escalation *e = item->escalation;
	char list[1024];
	Carenet__Targets t = CARENET__TARGETS__INIT;
	int rc;

	(void)origin;
	if (!e) {
		roles_why(why, whylen, "escalation item without an escalation");
		return CN_EPROTO;
	}
	if ((rc = check_from_below(r, txn, item, from, "escalation", why, whylen)) != 0)
		return rc;
	if (e->kind != 1 || e->n_offices > ROLES_MAX_TARGETS ||
	    strlen(e->detail) > ROLES_MAX_NOTE || strlen(e->directive) >= ROLES_ID_MAX) {
		roles_why(why, whylen,
		          "escalation kind %u (1), %zu offices (at most %d), or "
		          "detail over %d bytes",
		          e->kind, e->n_offices, ROLES_MAX_TARGETS, ROLES_MAX_NOTE);
		return CN_EINVAL;
	}
	for (size_t i = 0; i < e->n_offices; i++) {
		if (!rules_is_ancestor(item->origin, e->offices[i])) {
			roles_why(why, whylen, "escalation from %s names %.40s, not below it",
			          item->origin, e->offices[i]);
			return CN_ESCOPE;
		}
	}
	t.ids = e->offices;
	t.n_ids = e->n_offices;
	roles_spec_text(&t, list, sizeof(list));
	if ((rc = roles_audit(r, txn, item->origin, "escalate", e->directive,
	                      "missed rectification order, offices %s: %s", list, e->detail)) != 0)
		return rc;
	route->up = r->env.me->role != PKI_ROLE_COUNTY;
	return 0;
}

/* The announced office's chain: verifies against this node's trust and
 * names exactly the announced id and role. */
static int announce_chain(struct roles *r, const Carenet__Announce *a, enum pki_role role,
                          const char *from_office, char *why, size_t whylen)
{
	const uint8_t *der[PKI_CHAIN_MAX];
	size_t len[PKI_CHAIN_MAX];
	struct pki_identity id;
	struct pki_trust *trust = r->env.trust ? r->env.trust(r->env.arg) : NULL;
	char vwhy[256] = "";
	int rc;

	if (a->n_chain == 0 || a->n_chain > PKI_CHAIN_MAX || !trust) {
		roles_why(why, whylen,
		          "announce from %s of %.40s without its certificate chain (%zu "
		          "certificates, 1..%d)%s",
		          from_office, a->id, a->n_chain, PKI_CHAIN_MAX,
		          trust ? "" : "; this node has no trust store to check one");
		return CN_EVERIFY;
	}
	for (size_t i = 0; i < a->n_chain; i++) {
		der[i] = a->chain[i].data;
		len[i] = a->chain[i].len;
	}
	if ((rc = pki_verify_chain(trust, der, len, a->n_chain, &id, vwhy, sizeof(vwhy))) != 0) {
		roles_why(why, whylen, "announce from %s of %.40s: its chain does not verify: %s",
		          from_office, a->id, vwhy);
		return CN_EVERIFY;
	}
	if (strcmp(id.id, a->id) != 0 || id.role != role) {
		roles_why(why, whylen,
		          "announce from %s of %.40s (%s): the chain is the certificate of %s (%s)",
		          from_office, a->id, pki_role_name(role), id.id, pki_role_name(id.role));
		return CN_EVERIFY;
	}
	return 0;
}

/* An office below: the announcing office vouches for it with its certificate
 * chain, checked here again at every level (the only copy of this rule). */
int announce_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                   const struct pki_identity *origin, const char *from, struct roles_route *route,
                   char *why, size_t whylen)
{
	const Carenet__Announce *a = item->announce;
	enum pki_role role;
	int rc;

	(void)origin;
	if (!a) {
		roles_why(why, whylen, "announce item without an announce");
		return CN_EPROTO;
	}
	if ((rc = check_from_below(r, txn, item, from, "announce", why, whylen)) != 0)
		return rc;
	role = pki_role_from_id(a->id);
	if (!rules_is_ancestor(item->origin, a->id) || role != pki_role_parse(a->role) ||
	    strlen(a->name) >= PKI_NAME_MAX) {
		roles_why(why, whylen,
		          "announce from %s of %.40s (%.16s): not an office below it, "
		          "or its name is over %d bytes",
		          item->origin, a->id, a->role, PKI_NAME_MAX - 1);
		return CN_EINVAL;
	}
	if ((rc = announce_chain(r, a, role, item->origin, why, whylen)) != 0)
		return rc;
	if ((rc = registry_put(r->env.store, txn, a->id, role, a->name)) < 0)
		return rc;
	/* Forward only news: an office already known the same way stops here. */
	route->up = rc > 0 && r->env.me->role != PKI_ROLE_COUNTY;
	return 0;
}

int revocation_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                     const struct pki_identity *origin, const char *from, struct roles_route *route,
                     char *why, size_t whylen)
{
	const char *me = r->env.me->id;
	const Carenet__Revocation *v = item->revocation;
	int rc;

	if ((rc = from[0] ? roles_below_me(r, txn, from) : 0) < 0)
		return rc;
	if (!v || (origin->role != PKI_ROLE_COUNTY && origin->role != PKI_ROLE_PROVINCE) ||
	    !rules_is_ancestor(origin->id, me) || rc) {
		roles_why(why, whylen,
		          "revocation from %s via %s: only this office's county or province sends "
		          "revocations down",
		          item->origin, from[0] ? from : "-");
		return v ? CN_EROLE : CN_EPROTO;
	}
	if (v->crl.len == 0 || v->crl.len > ROLES_MAX_CRL) {
		roles_why(why, whylen, "revocation CRL of %zu bytes (1..%u)", v->crl.len,
		          ROLES_MAX_CRL);
		return CN_EINVAL;
	}
	if (r->env.crl_keep &&
	    (rc = r->env.crl_keep(r->env.arg, txn, item->origin, v->crl.data, v->crl.len)) != 0) {
		if (rc == CN_EVERIFY)
			roles_why(why, whylen,
			          "revocation list from %s does not verify against this node's CAs",
			          item->origin);
		return rc;
	}
	route->all_children = 1;
	return roles_audit(r, txn, me, "revocation", item->origin, "CRL of %zu bytes from %s",
	                   v->crl.len, item->origin);
}

int status_ack(struct roles *r, MDB_txn *txn, const Carenet__AckRequest *ack, char *why,
               size_t whylen)
{
	Carenet__InboxEntry *e = NULL, ne;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__StatusUpdate su = CARENET__STATUS_UPDATE__INIT;
	int rc;

	if (ack->state < STATE_ACCEPTED || ack->state > STATE_UNABLE) {
		roles_why(why, whylen,
		          "state %s: acknowledge with accepted, in-progress, done or "
		          "unable",
		          roles_state_name(ack->state));
		return CN_EINVAL;
	}
	if (ack->state == STATE_UNABLE && !ack->note[0]) {
		roles_why(why, whylen, "state unable needs the reason in a note");
		return CN_EINVAL;
	}
	if ((rc = status_check_payload(ack->note, ack->evidence, ack->n_evidence, why, whylen)))
		return rc;
	if ((rc = roles_get_inbox(r, txn, ack->directive, &e)) != 0) {
		if (rc == CN_ENOTFOUND)
			roles_why(why, whylen,
			          "no directive %.64s in this office's inbox (carenet "
			          "inbox lists them)",
			          ack->directive);
		return rc;
	}
	if (!status_issued_above(r, ack->directive)) { /* its issuer's branch was left */
		const char *dash = strchr(ack->directive, '-');
		roles_why(why, whylen,
		          "directive %s was issued by %.*s, which this office has left (it moved: "
		          "carenet move status at the county); its state no longer reaches it",
		          ack->directive, dash ? (int)(dash - ack->directive) : 0, ack->directive);
		carenet__inbox_entry__free_unpacked(e, NULL);
		return CN_EROLE;
	}
	if (roles_state_closed(e->state) && ack->state != e->state && !ack->reopen) {
		roles_why(why, whylen,
		          "directive %s is %s (%s) here: going back to %s needs --reopen "
		          "(and a note saying why)",
		          ack->directive, roles_state_name(e->state), roles_state_zh(e->state),
		          roles_state_name(ack->state));
		carenet__inbox_entry__free_unpacked(e, NULL);
		return CN_EINVAL;
	}
	if ((rc = roles_history_add(&e->history, &e->n_history, roles_now(r), ack->state, ack->note,
	                            ack->n_evidence)) != 0) {
		carenet__inbox_entry__free_unpacked(e, NULL);
		return rc;
	}
	ne = *e;
	ne.state = ack->state;
	ne.changed_at = roles_now(r);
	ne.note = ack->note;
	ne.evidence = ack->evidence;
	ne.n_evidence = ack->n_evidence;
	rc = roles_put_inbox(r, txn, ack->directive, &ne);
	carenet__inbox_entry__free_unpacked(e, NULL);
	if (rc != 0)
		return rc;
	su.directive = ack->directive;
	su.state = ack->state;
	su.note = ack->note;
	su.evidence = ack->evidence;
	su.n_evidence = ack->n_evidence;
	it.body_case = CARENET__ITEM__BODY_STATUS;
	it.status = &su;
	if ((rc = r->env.emit(r->env.arg, txn, &it, NULL, 0)) != 0)
		return rc;
	return roles_audit(r, txn, r->env.me->id, "ack", ack->directive, "%s%s%s (%zu evidence)",
	                   roles_state_name(ack->state), ack->note[0] ? ": " : "", ack->note,
	                   ack->n_evidence);
}
