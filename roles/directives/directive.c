/*
 * directive: issuing a directive (the operator's command, or a deadline's
 * rectification order and circular), and receiving one from above: record
 * it, deliver it to this office's inbox with an automatic "delivered"
 * status, and relay it towards the targets below.
 */
#include "directives.h"
#include "err.h"
#include "log.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A pending row per target, changed_at = the directive's creation. */
static int put_rows(struct roles *r, MDB_txn *txn, const char *did, char *const *ids, size_t n,
                    uint64_t created)
{
	Carenet__TargetRow row = CARENET__TARGET_ROW__INIT;
	int rc;

	row.state = STATE_PENDING;
	row.changed_at = created;
	for (size_t i = 0; i < n; i++)
		if ((rc = roles_put_row(r, txn, did, ids[i], &row)) != 0)
			return rc;
	return 0;
}

/* The directive a spec describes; remind (ROLES_MAX_REMIND) holds the
 * policy's default reminders when the spec gives none. */
static void directive_of(const struct issue_spec *s, const struct roles_policy *pol, uint64_t now,
                         Carenet__Directive *d, uint64_t *remind)
{
	d->kind = s->kind;
	d->title = (char *)s->title;
	d->body = (char *)(s->body ? s->body : "");
	d->ref = (char *)(s->ref ? s->ref : "");
	d->targets = s->targets;
	d->expanded = s->expanded;
	d->n_expanded = s->nexpanded;
	d->due = s->due;
	d->id = (char *)(s->id ? s->id : "");
	d->parent = (char *)(s->parent ? s->parent : "");
	d->relay = (char *)(s->relay ? s->relay : "");
	d->indicators = s->indicators;
	d->n_indicators = s->nindicators;
	if (s->remind) {
		d->remind = (uint64_t *)s->remind;
		d->n_remind = s->nremind;
	} else if (pol && s->kind != KIND_CIRCULAR) {
		/* The policy's defaults that can still fire before the due time. */
		d->remind = remind;
		for (size_t i = 0; i < pol->nremind && i < ROLES_MAX_REMIND; i++)
			if (pol->remind[i] > 0 && s->due > now && pol->remind[i] < s->due - now)
				remind[d->n_remind++] = pol->remind[i];
	}
}

int directive_issue(struct roles *r, MDB_txn *txn, const struct issue_spec *s, char *id_out,
                    char *why, size_t whylen)
{
	const struct pki_identity *me = r->env.me;
	Carenet__Item item = CARENET__ITEM__INIT;
	Carenet__Directive d = CARENET__DIRECTIVE__INIT;
	Carenet__DirectiveRecord rec = CARENET__DIRECTIVE_RECORD__INIT;
	char idbuf[ROLES_ID_MAX] = "", spec[160], due[32];
	uint64_t now = roles_now(r), created, remind[ROLES_MAX_REMIND];
	int rc;

	directive_of(s, r->env.policy, now, &d, remind);
	if ((rc = rules_check_directive(me, &d, now, why, whylen)) != 0)
		return rc;
	item.body_case = CARENET__ITEM__BODY_DIRECTIVE;
	item.directive = &d;
	if ((rc = r->env.emit(r->env.arg, txn, &item, idbuf, sizeof(idbuf))) != 0) {
		roles_why(why, whylen, "cannot originate the directive: %s", cn_strerror(rc));
		return rc;
	}
	if (!d.id || !d.id[0] || strlen(d.id) >= ROLES_ID_MAX) {
		roles_why(why, whylen, "the delivery engine gave the directive no id");
		return CN_EINVAL;
	}
	snprintf(id_out, ROLES_ID_MAX, "%s", d.id);
	created = item.created ? item.created : now;
	rec.directive = &d;
	rec.issuer = (char *)me->id;
	rec.created = created;
	rec.received = now;
	rec.tracked = 1;
	rec.issued = 1;
	if ((rc = roles_put_directive(r, txn, &rec)) != 0 ||
	    (rc = put_rows(r, txn, id_out, d.expanded, d.n_expanded, created)) != 0)
		return rc;
	/* A circular informs; it sets no deadline to chase. */
	if (s->kind != KIND_CIRCULAR && (rc = deadline_schedule(r, txn, &d, created)) != 0)
		return rc;
	roles_spec_text(d.targets, spec, sizeof(spec));
	roles_fmt_utc(d.due, due, sizeof(due));
	return roles_audit(r, txn, me->id, s->action, id_out,
	                   "%s %s \"%s\" to %s (%zu offices) due %s%s%s", roles_kind_name(d.kind),
	                   roles_kind_zh(d.kind), d.title, spec, d.n_expanded, due,
	                   s->note ? ": " : "", s->note ? s->note : "");
}

/* This office's delivery: inbox entry and the automatic acknowledgement. */
static int deliver_here(struct roles *r, MDB_txn *txn, const Carenet__Item *item)
{
	const Carenet__Directive *d = item->directive;
	Carenet__InboxEntry e = CARENET__INBOX_ENTRY__INIT;
	Carenet__Item st = CARENET__ITEM__INIT;
	Carenet__StatusUpdate su = CARENET__STATUS_UPDATE__INIT;
	char due[32];
	int rc;

	e.state = STATE_DELIVERED;
	e.changed_at = roles_now(r);
	if ((rc = roles_put_inbox(r, txn, d->id, &e)) != 0)
		return rc;
	su.directive = d->id;
	su.state = STATE_DELIVERED;
	st.body_case = CARENET__ITEM__BODY_STATUS;
	st.status = &su;
	if ((rc = r->env.emit(r->env.arg, txn, &st, NULL, 0)) != 0)
		return rc;
	roles_fmt_utc(d->due, due, sizeof(due));
	return roles_audit(r, txn, r->env.me->id, "deliver", d->id, "%s %s \"%s\" from %s due %s",
	                   roles_kind_name(d->kind), roles_kind_zh(d->kind), d->title, item->origin,
	                   due);
}

/* Authority of the sender and the origin, before anything is read. */
static int check_origin(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                        const struct pki_identity *origin, const char *from, char *why,
                        size_t whylen)
{
	const char *me = r->env.me->id, *did = item->directive->id;
	char oid[ROLES_ID_MAX];
	int rc = from[0] ? roles_below_me(r, txn, from) : 0;

	if (rc < 0)
		return rc;
	if (rc) {
		roles_why(why, whylen, "directive %.64s came up from %s, below this office", did,
		          from);
		return CN_ESCOPE;
	}
	if (!rules_is_above(origin, me)) {
		roles_why(why, whylen,
		          "directive %.64s from %s: only an office above %s (or an "
		          "inspector whose scope covers it) may direct it",
		          did, origin->id, me);
		return CN_ESCOPE;
	}
	if (strlen(did) >= ROLES_ID_MAX || roles_id_origin(did, oid, sizeof(oid)) != 0 ||
	    strcmp(oid, item->origin) != 0) {
		roles_why(why, whylen, "directive id %.64s is not \"%s-<seq>\"", did, item->origin);
		return CN_EINVAL;
	}
	return 0;
}

int directive_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                    const struct pki_identity *origin, const char *from, struct roles_route *route,
                    char *why, size_t whylen)
{
	const Carenet__Directive *d = item->directive;
	const char *me = r->env.me->id;
	Carenet__DirectiveRecord rec = CARENET__DIRECTIVE_RECORD__INIT, *old = NULL;
	size_t nbelow = 0;
	int mine = 0, rc;

	if (!d) {
		roles_why(why, whylen, "directive item without a directive");
		return CN_EPROTO;
	}
	if ((rc = check_origin(r, txn, item, origin, from, why, whylen)) != 0 ||
	    (rc = rules_check_directive(origin, d, item->created, why, whylen)) != 0)
		return rc;
	if ((rc = roles_route_reserve(r, d->n_expanded)) != 0)
		return rc;
	/* this office under its former ids too: its villages keep the old
	 * township code until each switches */
	if ((rc = roles_split_targets(r, txn, d->expanded, d->n_expanded, &mine, r->route,
	                              &nbelow)) != 0)
		return rc;
	if (!mine && !nbelow) {
		roles_why(why, whylen, "directive %s has no target at or below %s", d->id, me);
		return CN_ESCOPE;
	}
	rc = roles_get_directive(r, txn, d->id, &old);
	carenet__directive_record__free_unpacked(old, NULL);
	if (rc == 0)
		return 0; /* known: a replay, applied once already */
	if (rc != CN_ENOTFOUND)
		return rc;

	rec.directive = (Carenet__Directive *)d;
	rec.issuer = item->origin;
	rec.created = item->created;
	rec.received = roles_now(r);
	rec.tracked = nbelow > 0;
	rec.target = mine;
	if ((rc = roles_put_directive(r, txn, &rec)) != 0 ||
	    (rc = put_rows(r, txn, d->id, r->route, nbelow, item->created)) != 0 ||
	    (rc = status_take_kept(r, txn, &rec)) != 0)
		return rc;
	if (mine && (rc = deliver_here(r, txn, item)) != 0)
		return rc;
	if (mine && d->relay[0] && r->env.me->role == PKI_ROLE_COUNTY &&
	    (rc = above_relay(r, txn, item)) != 0)
		return rc;
	if (nbelow) {
		if ((rc = roles_audit(r, txn, me, "relay", d->id,
		                      "%s \"%s\" from %s to %zu offices "
		                      "below",
		                      roles_kind_name(d->kind), d->title, item->origin, nbelow)) !=
		    0)
			return rc;
		route->targets = r->route;
		route->ntargets = nbelow;
	}
	return 0;
}
