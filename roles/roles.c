/*
 * roles: life cycle and the dispatch into the domains (roles/README.md):
 * a received item to the domain that owns its body, the deadline timers to
 * the domains that keep them. The operator's requests are dispatched in
 * roles_control.c.
 *
 * Memory: route->targets of roles_apply() is an array owned by roles,
 * valid until the next roles_apply() or roles_free(); its strings point
 * into the item.
 */
#include "roles.h"
#include "checkpoints.h"
#include "directives.h"
#include "records.h"
#include "docs.h"
#include "reports.h"
#include "roles_reports.h"
#include "roles_rollup.h"
#include "registry.h"
#include "roles_close.h"
#include "roles_move.h"
#include "err.h"
#include "roles_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int roles_new(const struct roles_env *env, struct roles **out)
{
	struct roles *r;

	*out = NULL;
	if (!env || !env->me || !env->store || !env->now || !env->emit || !env->write)
		return CN_EINVAL;
	if (!(r = calloc(1, sizeof(*r))))
		return CN_ENOMEM;
	r->env = *env;
	*out = r;
	return 0;
}

void roles_free(struct roles **rp)
{
	if (!rp || !*rp)
		return;
	free((*rp)->route);
	free(*rp);
	*rp = NULL;
}

/* Every id an item carries, checked before any store access: a malformed id
 * is a refusal of this item, never a storage error (an empty or over-long
 * LMDB key aborts the whole transaction). The domains check the rest. */
static int check_ids(const Carenet__Item *item, char *why, size_t whylen)
{
	const char *did = NULL, *bad = NULL;
	char *const *ids = NULL;
	size_t n = 0;

	switch (item->body_case) {
	case CARENET__ITEM__BODY_DIRECTIVE:
		did = item->directive ? item->directive->id : NULL;
		if (item->directive) {
			ids = item->directive->expanded;
			n = item->directive->n_expanded;
		}
		break;
	case CARENET__ITEM__BODY_STATUS:
		did = item->status ? item->status->directive : NULL;
		break;
	case CARENET__ITEM__BODY_TALLY:
		did = item->tally ? item->tally->directive : NULL;
		if (item->tally) {
			ids = item->tally->counties;
			n = item->tally->n_counties;
		}
		break;
	case CARENET__ITEM__BODY_REMINDER:
		did = item->reminder ? item->reminder->directive : NULL;
		if (item->reminder) {
			ids = item->reminder->targets;
			n = item->reminder->n_targets;
		}
		break;
	case CARENET__ITEM__BODY_ESCALATION:
		did = item->escalation ? item->escalation->directive : NULL;
		if (item->escalation) {
			ids = item->escalation->offices;
			n = item->escalation->n_offices;
		}
		break;
	case CARENET__ITEM__BODY_ANNOUNCE:
		if (item->announce && !roles_office_ok(item->announce->id))
			bad = item->announce->id;
		break;
	default:
		return 0; /* revocations carry no id; unknown bodies: the dispatch */
	}
	if (did && !roles_did_ok(did)) {
		roles_why(why, whylen, "directive id \"%.64s\" is not \"<office>-<seq>\" (1 to %d bytes)",
		          did, ROLES_ID_MAX - 1);
		return CN_EINVAL;
	}
	if (n > ROLES_MAX_TARGETS) {
		roles_why(why, whylen, "%zu office ids, at most %d", n, ROLES_MAX_TARGETS);
		return CN_ETOOBIG;
	}
	for (size_t i = 0; i < n && !bad; i++)
		if (!roles_office_ok(ids[i]))
			bad = ids[i];
	if (bad) {
		roles_why(why, whylen, "\"%.40s\" is not an office id (2, 4, 6, 9 or 12 digits)", bad);
		return CN_EINVAL;
	}
	return 0;
}

/* Above the county only aggregates: a province or prefecture refuses from
 * below (an item originated below it) anything but what roles_may_cross_up
 * allows (roles_rollup.c). What comes down from the province passes. */
static int above_county_ok(struct roles *r, const Carenet__Item *item, const char *from,
                           char *why, size_t whylen)
{
	if (!pki_role_above_county(r->env.me->role) || roles_may_cross_up(item) ||
	    strlen(item->origin) <= strlen(r->env.me->id))
		return 0;
	roles_why(why, whylen,
	          "only aggregates cross above the county: %s sent an item of body %d from %s "
	          "(a county sends its monthly roll-up, its directive tallies and its own "
	          "statuses on directives from above, nothing else)",
	          from, (int)item->body_case, item->origin);
	return CN_EROLE;
}

int roles_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                const struct pki_identity *origin, const char *from, struct roles_route *route,
                char *why, size_t whylen)
{
	int rc;

	memset(route, 0, sizeof(*route));
	if (whylen)
		why[0] = 0;
	if (!item || !origin || strcmp(item->origin, origin->id) != 0) {
		roles_why(why, whylen, "item origin %.40s is not its signer %.40s",
		          item ? item->origin : "-", origin ? origin->id : "-");
		return CN_EINVAL;
	}
	if (!roles_office_ok(item->origin) && pki_role_from_id(item->origin) != PKI_ROLE_INSPECTOR) {
		roles_why(why, whylen, "item origin \"%.40s\" is not an office id", item->origin);
		return CN_EINVAL;
	}
	if ((rc = check_ids(item, why, whylen)) != 0)
		return rc;
	/* an inspector originates findings only (its directives are not carried) */
	if (pki_role_from_id(item->origin) == PKI_ROLE_INSPECTOR &&
	    item->body_case != CARENET__ITEM__BODY_FINDING) {
		roles_why(why, whylen, "an inspector (%.40s) originates only findings",
		          item->origin);
		return CN_EROLE;
	}
	if (!from)
		from = "";
	if ((rc = above_county_ok(r, item, from, why, whylen)) != 0)
		return rc;
	/* an office closed here (撤销: roles_close.c) originates nothing more */
	if (strlen(item->origin) > strlen(r->env.me->id) &&
	    (rc = registry_closed(r->env.store, txn, item->origin)) != 0) {
		if (rc > 0)
			roles_why(why, whylen,
			          "office %.40s was closed (已撤销; carenet move closed): what it sends "
			          "is refused (revoke its certificate: carenet ca revoke)",
			          item->origin);
		return rc > 0 ? CN_EROLE : rc;
	}
	switch (item->body_case) {
	case CARENET__ITEM__BODY_DIRECTIVE:
		return directive_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_STATUS:
		return status_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_REMINDER:
		return reminder_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_ESCALATION:
		return escalation_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_ANNOUNCE:
		return announce_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_REVOCATION:
		return revocation_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_CHECKPOINT:
		return checkpoint_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_RECORD_VERSION:
		return records_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_RECORD_REVIEW:
		return records_review_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_RECORD_TRANSFER:
		return records_transfer_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_DOC_CHUNK:
		return docs_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_REPORT:
		return roles_report_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_REPORT_STEP:
		return reports_step_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_ROLLUP:
		return rollup_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_TALLY:
		return tally_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_FINDING:
		return roles_finding_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_MOVE:
		return move_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_MOVE_STEP:
		return move_step_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_CLOSE:
		return close_apply(r, txn, item, origin, from, route, why, whylen);
	default:
		roles_why(why, whylen, "item without a known body (case %d)", (int)item->body_case);
		return CN_EPROTO;
	}
}

uint64_t roles_next_due(struct roles *r)
{
	uint64_t a = deadline_next_due(r), b = reports_next_due(r), c = rollup_next_due(r);
	uint64_t d = move_next_due(r);

	a = a < b ? a : b;
	a = a < d ? a : d;
	return a < c ? a : c;
}

int roles_fire(struct roles *r, MDB_txn *txn, uint64_t now)
{
	int rc = deadline_fire(r, txn, now);

	if (rc == 0)
		rc = reports_fire(r, txn, now);
	if (rc == 0)
		rc = move_fire(r, txn, now);
	return rc ? rc : rollup_fire(r, txn, now);
}

int roles_checkpoint(struct roles *r, MDB_txn *txn, uint64_t min_entries, uint64_t max_age,
                     int force, int *made)
{
	return checkpoint_make(r, txn, min_entries, max_age, force, made);
}

int roles_alerts(struct roles *r, MDB_txn *txn, int (*fn)(const char *text, void *arg), void *arg)
{
	int rc = checkpoint_alerts(r, txn, fn, arg);

	return rc ? rc : reports_alerts(r, txn, fn, arg);
}

void roles_set_caller(struct roles *r, const char *who)
{
	snprintf(r->caller, sizeof(r->caller), "%s", who ? who : "");
}
