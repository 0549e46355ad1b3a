/* deliver_route: where items go next (the destinations a route names) and
 * queueing each destination's subset of a signed batch in its outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "deliver_int.h"
#include "err.h"
#include "item.h"
#include "moved.h"
#include "outbox.h"
#include "registry.h"

static int add_dest(struct dests *ds, const char *id)
{
	for (size_t i = 0; i < ds->n; i++)
		if (strcmp(ds->v[i].id, id) == 0)
			return (int)i;
	if (ds->n == DEST_MAX)
		return -1;
	memset(&ds->v[ds->n], 0, sizeof(ds->v[0]));
	snprintf(ds->v[ds->n].id, PKI_ID_MAX, "%s", id);
	return (int)ds->n++;
}

static int keep(struct dests *ds, const char *id, size_t idx)
{
	int k = add_dest(ds, id);
	struct dest *dd;

	if (k < 0)
		return CN_ENOMEM;
	dd = &ds->v[k];
	if (dd->n && dd->keep[dd->n - 1] == idx)
		return 0;
	if (ARR_GROW(dd->keep, dd->n + 1, dd->cap))
		return CN_ENOMEM;
	dd->keep[dd->n++] = idx;
	return 0;
}

void deliver_dests_free(struct dests *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		free(ds->v[i].keep);
	ds->n = 0;
}

struct child_arg {
	struct dests *ds;
	size_t idx;
	int rc;
};

static int each_child(const char *id, enum pki_role role, const char *name, void *arg)
{
	struct child_arg *a = arg;
	(void)role;
	(void)name;
	a->rc = keep(a->ds, id, a->idx);
	return a->rc;
}

int deliver_route_direct(struct deliver *d, const struct roles_route *rt, unsigned lane,
                         struct dests *ds, size_t idx)
{
	if (!d->direct_id[0] || lane != 0 || !rt->up)
		return 0;
	return keep(ds, d->direct_id, idx);
}

/* Above the county only aggregates (roles_may_cross_up): a county keeps
 * anything else off its upward link, counted. The prefecture or province
 * refuses it again on receipt (roles_apply). */
void deliver_gate_up(struct deliver *d, const Carenet__Item *it, struct roles_route *rt)
{
	if (!rt->up || d->me->role != PKI_ROLE_COUNTY || roles_may_cross_up(it))
		return;
	rt->up = 0;
	if (d->env.cfg->parent_endpoint[0])
		d->cdelta[CTR_UP_WITHHELD]++;
}

/* The direct child of this node on the way to t (below it): the next id
 * level down (3 digits below a county or township); above the county a
 * prefecture's county itself, and at the province the county's prefecture
 * when there is one (in the registry), else the county reporting directly.
 * child is "" when t is not on a level below. */
static int child_toward(struct deliver *d, MDB_txn *txn, const char *t, char *child, size_t cl)
{
	size_t tl = strlen(t);
	char pre[PKI_ID_MAX];
	int rc;

	child[0] = 0;
	switch (d->me->role) {
	case PKI_ROLE_PROVINCE:
		if (tl == 4) {
			snprintf(child, PKI_ID_MAX, "%s", t);
			return 0;
		}
		snprintf(pre, sizeof(pre), "%.4s", t);
		rc = registry_get(d->env.store, txn, pre, NULL, NULL, 0);
		if (rc != 0 && rc != CN_ENOTFOUND)
			return rc;
		snprintf(child, PKI_ID_MAX, "%.*s", rc == 0 ? 4 : 6, t);
		return 0;
	case PKI_ROLE_PREFECTURE:
		cl = 6;
		break;
	default:
		break;
	}
	if (tl >= cl)
		snprintf(child, PKI_ID_MAX, "%.*s", (int)cl, t);
	return 0;
}

/* At the province: the way down to one county it knows (its prefecture, or
 * the county itself when it reports directly). */
struct county_arg {
	struct deliver *d;
	MDB_txn *txn;
	struct dests *ds;
	size_t idx;
	int rc;
};

static int each_county_way(const char *id, enum pki_role role, const char *name, void *arg)
{
	struct county_arg *a = arg;
	char child[PKI_ID_MAX];

	(void)role, (void)name;
	if ((a->rc = child_toward(a->d, a->txn, id, child, 0)) == 0 && child[0])
		a->rc = keep(a->ds, child, a->idx);
	return a->rc;
}

/* Every direct child (a revocation list goes to all): below a county or a
 * township the offices one level down, known or on a session now, below a
 * prefecture its counties, and below the province each county's way down
 * (each_county_way). */
static int all_children(struct deliver *d, MDB_txn *txn, struct dests *ds, size_t idx)
{
	const char *me = d->me->id;
	size_t ml = strlen(me);
	int rc;

	if (d->me->role == PKI_ROLE_PROVINCE) {
		struct county_arg a = {d, txn, ds, idx, 0};
		rc = registry_each(d->env.store, txn, me, PKI_ROLE_COUNTY, each_county_way, &a);
		return a.rc ? a.rc : rc;
	} else {
		struct child_arg a = {ds, idx, 0};
		enum pki_role cr = d->me->role == PKI_ROLE_PREFECTURE ? PKI_ROLE_COUNTY
		                   : ml == 6                          ? PKI_ROLE_TOWNSHIP
		                                                      : PKI_ROLE_VILLAGE;
		rc = registry_each(d->env.store, txn, me, cr, each_child, &a);
		/* and every child on a session now that the registry does not list:
		 * a village between its county's Move and its switch, which still
		 * speaks to its old township under its old id */
		for (size_t i = 0; rc == 0 && !a.rc && i < d->npeers; i++) {
			const struct dpeer *p = &d->peers[i];
			if (p->up && !p->is_parent && !p->direct && pki_role_from_id(p->id) == cr &&
			    deliver_below_me(d, p->id))
				a.rc = keep(ds, p->id, idx);
		}
		return a.rc ? a.rc : rc;
	}
}

/* A township whose own code changed (撤乡设镇, node/move_links.c) is, once
 * its new code has connected here (its registry entry: the county took over
 * the old code's queues at that HELLO), the peer of its new code: what still
 * names the old one (a target under it, a report's old township) goes there,
 * never to a queue nobody takes. Before, the old code is the live node. */
static int renamed_child(struct deliver *d, MDB_txn *txn, char *child)
{
	char nw[PKI_ID_MAX];
	int rc;

	if (pki_role_from_id(child) != PKI_ROLE_TOWNSHIP)
		return 0;
	if ((rc = moved_to(d->env.store, txn, child, nw, sizeof(nw))) == CN_ENOTFOUND)
		return 0;
	if (rc != 0 || pki_role_from_id(nw) != PKI_ROLE_TOWNSHIP)
		return rc;
	if ((rc = registry_get(d->env.store, txn, nw, NULL, NULL, 0)) == CN_ENOTFOUND)
		return 0;
	if (rc == 0)
		snprintf(child, PKI_ID_MAX, "%s", nw);
	return rc;
}

/* Adds item idx to the destinations its route names. */
int deliver_route(struct deliver *d, MDB_txn *txn, const struct roles_route *rt, struct dests *ds,
                  size_t idx)
{
	const char *me = d->me->id;
	size_t ml = strlen(me), cl = ml + 3;
	char child[PKI_ID_MAX], last_open[PKI_ID_MAX] = ""; /* the last child found open */
	int rc;

	if (rt->up && d->parent_id[0] && d->env.cfg->parent_endpoint[0] &&
	    (rc = keep(ds, d->parent_id, idx)) != 0)
		return rc;
	if (rt->all_children && ml < 12 && (rc = all_children(d, txn, ds, idx)) != 0)
		return rc;
	for (size_t i = 0; i < rt->ntargets; i++) {
		const char *t = rt->targets[i];
		if (!deliver_below_me(d, t))
			continue; /* not below this node: roles said so, but never trust it */
		if ((rc = child_toward(d, txn, t, child, cl)) != 0)
			return rc;
		if (!child[0])
			continue;
		if ((rc = renamed_child(d, txn, child)) != 0)
			return rc;
		if (!strcmp(child, last_open))
			continue; /* kept already (targets under one child come together) */
		if ((rc = registry_closed(d->env.store, txn, child)) != 0) {
			if (rc < 0)
				return rc;
			continue; /* closed (撤销, roles/roles_close.c): it takes nothing more */
		}
		if ((rc = keep(ds, child, idx)) != 0)
			return rc;
		snprintf(last_open, sizeof(last_open), "%s", child);
	}
	return 0;
}

/* Route of an item this node originates, from its body. */
void deliver_route_of(const Carenet__Item *it, struct roles_route *rt)
{
	memset(rt, 0, sizeof(*rt));
	switch (it->body_case) {
	case CARENET__ITEM__BODY_DIRECTIVE:
		rt->targets = it->directive->expanded;
		rt->ntargets = it->directive->n_expanded;
		break;
	case CARENET__ITEM__BODY_REMINDER:
		rt->targets = it->reminder->targets;
		rt->ntargets = it->reminder->n_targets;
		break;
	case CARENET__ITEM__BODY_REVOCATION:
		rt->all_children = 1;
		break;
	case CARENET__ITEM__BODY_RECORD_REVIEW: /* up, and down to the owner */
		rt->up = 1;
		rt->targets = it->record_review->down;
		rt->ntargets = it->record_review->n_down;
		break;
	case CARENET__ITEM__BODY_RECORD_TRANSFER: /* up, and down to the new owner */
		rt->up = 1;
		rt->targets = it->record_transfer->down;
		rt->ntargets = it->record_transfer->n_down;
		break;
	case CARENET__ITEM__BODY_MOVE: /* the county's: down to the old village, the new township */
		rt->targets = it->move->down;
		rt->ntargets = it->move->n_down;
		break;
	case CARENET__ITEM__BODY_CLOSE: /* the county's: down to a closed village's township */
		rt->targets = it->close->down;
		rt->ntargets = it->close->n_down;
		break;
	case CARENET__ITEM__BODY_REPORT_STEP: /* up, and down to the reporting office */
		rt->up = 1;
		rt->targets = &it->report_step->office;
		rt->ntargets = 1;
		if (it->report_step->down[0] && strcmp(it->report_step->down, it->report_step->office)) {
			/* it moved: down to it under its new id, and to the township
			 * it was under (it holds the report too) */
			snprintf(rt->ids[0], sizeof(rt->ids[0]), "%s", it->report_step->down);
			snprintf(rt->ids[1], sizeof(rt->ids[1]), "%.*s",
			         (int)(strlen(it->report_step->office) - 3), it->report_step->office);
			rt->own[0] = rt->ids[0], rt->own[1] = rt->ids[1];
			rt->targets = rt->own;
			rt->ntargets = 2;
		}
		break;
	default:
		rt->up = 1;
		break;
	}
}

/* Queues the subsets of a signed batch for each destination; what is queued
 * for a batch from a child (child != NULL) counts against its subtree quota. */
int deliver_enqueue(struct deliver *d, MDB_txn *txn, const Carenet__SignedBatch *sb,
                    const uint8_t *whole, size_t wlen, unsigned lane, struct dests *ds,
                    const char *child)
{
	int64_t held = 0;
	uint8_t *buf;
	size_t len;
	uint64_t seq;
	int rc = 0;

	for (size_t i = 0; i < ds->n && rc == 0; i++) {
		struct dest *dd = &ds->v[i];
		if (dd->n == sb->n_items && whole) {
			rc = outbox_put(d->env.store, txn, d->env.outbox_key, dd->id, lane,
			                sb->origin, whole, wlen, &seq);
			held += (int64_t)wlen;
			continue;
		}
		if ((rc = item_batch_subset(sb, dd->keep, dd->n, &buf, &len)) != 0)
			break;
		rc = outbox_put(d->env.store, txn, d->env.outbox_key, dd->id, lane, sb->origin, buf,
		                len, &seq);
		held += (int64_t)len;
		free(buf);
	}
	if (rc == 0 && child)
		rc = outbox_held_add(d->env.store, txn, child, held);
	return rc;
}
