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
#include "directives.h"
#include "records.h"
#include "err.h"
#include "roles_int.h"

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

int roles_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                const struct pki_identity *origin, const char *from, struct roles_route *route,
                char *why, size_t whylen)
{
	memset(route, 0, sizeof(*route));
	if (whylen)
		why[0] = 0;
	if (!item || !origin || strcmp(item->origin, origin->id) != 0) {
		roles_why(why, whylen, "item origin %.40s is not its signer %.40s",
		          item ? item->origin : "-", origin ? origin->id : "-");
		return CN_EINVAL;
	}
	if (!from)
		from = "";
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
	case CARENET__ITEM__BODY_RECORD_VERSION:
		return records_apply(r, txn, item, origin, from, route, why, whylen);
	default:
		roles_why(why, whylen, "item without a known body (case %d)", (int)item->body_case);
		return CN_EPROTO;
	}
}

uint64_t roles_next_due(struct roles *r)
{
	return deadline_next_due(r);
}

int roles_fire(struct roles *r, MDB_txn *txn, uint64_t now)
{
	return deadline_fire(r, txn, now);
}
