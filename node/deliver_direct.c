/*
 * deliver_direct: the delivery engine's side of failover (docs/design.md
 * "Failover to the county").
 *
 * At a village: every urgent item it originates going up is queued for its
 * county as well as for its parent (deliver_route_direct, at signing), in
 * the county's own outbox, sent only while the county-direct link is up and
 * trimmed by the county's cumulative acks like any outbox, or dropped while
 * the link is down once the parent has acknowledged every urgent message
 * (deliver_direct_trim): the parent holds them and relays them.
 * At a county: a village on its direct session may send only items of its
 * own origin on the urgent lane (deliver_direct_refusal); deliver_apply.c
 * applies them without the origin high-water mark and forwards nothing.
 */
#include <stdio.h>
#include <string.h>

#include "deliver_int.h"
#include "err.h"
#include "log.h"
#include "outbox.h"

void deliver_set_direct(struct deliver *d, const char *county_id)
{
	snprintf(d->direct_id, sizeof(d->direct_id), "%s", county_id ? county_id : "");
}

int deliver_is_direct_in(struct deliver *d, const char *peer)
{
	struct dpeer *p = deliver_peer(d, peer, 0);

	return p && p->direct && !p->is_parent;
}

const char *deliver_direct_refusal(struct deliver *d, const char *peer, unsigned lane,
                                   const char *origin)
{
	if (!deliver_is_direct_in(d, peer))
		return NULL;
	if (lane != 0)
		return "a county-direct session carries only the urgent lane (failover)";
	if (strcmp(origin, peer) != 0)
		return "a county-direct session carries only the village's own items (failover)";
	return NULL;
}

struct direct_arg {
	struct deliver *d;
	uint64_t count;
	int trimmed;
};

static int direct_count(MDB_txn *txn, void *arg)
{
	struct direct_arg *a = arg;

	return outbox_pending(a->d->env.store, txn, a->d->direct_id, 0, &a->count);
}

uint64_t deliver_direct_pending(struct deliver *d)
{
	struct direct_arg a = {d, 0, 0};

	if (!d->direct_id[0] || store_read(d->env.store, direct_count, &a) != 0)
		return 0;
	return a.count;
}

static int parent_count(MDB_txn *txn, void *arg)
{
	struct direct_arg *a = arg;
	char parent[PKI_ID_MAX];

	if (pki_parent_id(a->d->me->id, parent, sizeof(parent)) != 0)
		return 0;
	return outbox_pending(a->d->env.store, txn, parent, 0, &a->count);
}

uint64_t deliver_parent_urgent_pending(struct deliver *d)
{
	struct direct_arg a = {d, 0, 0};

	if (store_read(d->env.store, parent_count, &a) != 0)
		return 0;
	return a.count;
}

static int trim_txn(MDB_txn *txn, void *arg)
{
	struct direct_arg *a = arg;
	struct deliver *d = a->d;
	char parent[PKI_ID_MAX];
	uint64_t held = 0, last = 0;
	int rc;

	a->trimmed = 0;
	if (pki_parent_id(d->me->id, parent, sizeof(parent)) != 0)
		return 0;
	if ((rc = outbox_pending(d->env.store, txn, parent, 0, &held)) != 0 || held)
		return rc;
	if ((rc = outbox_pending(d->env.store, txn, d->direct_id, 0, &a->count)) != 0 ||
	    a->count == 0 || (rc = outbox_last(d->env.store, txn, d->direct_id, 0, &last)) != 0)
		return rc;
	a->trimmed = 1;
	return outbox_ack(d->env.store, txn, d->direct_id, 0, last);
}

int deliver_direct_trim(struct deliver *d)
{
	struct direct_arg a = {d, 0, 0};
	struct dpeer *p;
	int rc;

	if (!d->direct_id[0] || ((p = deliver_peer(d, d->direct_id, 0)) && p->up))
		return 0; /* the link is up: the county's acks trim it */
	if (deliver_direct_pending(d) == 0)
		return 0;
	if ((rc = store_write_lazy(d->env.store, trim_txn, &a)) != 0)
		return rc;
	if (!a.trimmed)
		return 0;
	d->env.counters[CTR_FAILOVER_TRIMMED] += a.count;
	log_debug("deliver: %llu county-direct message%s dropped: the parent holds them",
	          (unsigned long long)a.count, a.count == 1 ? "" : "s");
	return (int)a.count;
}
