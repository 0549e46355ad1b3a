#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "deliver_int.h"
#include "err.h"
#include "item.h"
#include "log.h"
#include "outbox.h"
#include "registry.h"
#include "roles.h"
#include "util.h"

/* ------------------------------------------------------------ life cycle */

int deliver_new(const struct deliver_env *env, struct deliver **out)
{
	struct deliver *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d)
		return CN_ENOMEM;
	d->env = *env;
	d->me = pki_self_identity(env->self);
	*out = d;
	return deliver_chains_load_self(d);
}

void deliver_configure(struct deliver *d, const struct config *cfg, struct pki_trust *trust)
{
	d->env.cfg = cfg;
	d->env.trust = trust;
}

void deliver_set_roles(struct deliver *d, struct roles *roles)
{
	d->roles = roles;
}

void deliver_free(struct deliver **dp)
{
	struct deliver *d;

	if (!dp || !*dp)
		return;
	d = *dp;
	for (size_t i = 0; i < d->nq; i++)
		wire_free(&d->q[i].f);
	free(d->q);
	free(d->peers);
	free(d->syn);
	deliver_pend_reset(d);
	free(d->pend);
	free(d->acks);
	free(d->ackin);
	deliver_chains_free(d);
	free(d);
	*dp = NULL;
}

struct dpeer *deliver_peer(struct deliver *d, const char *id, int create)
{
	for (size_t i = 0; i < d->npeers; i++)
		if (strcmp(d->peers[i].id, id) == 0)
			return &d->peers[i];
	if (!create)
		return NULL;
	if (d->npeers == d->peercap) {
		size_t cap = d->peercap ? d->peercap * 2 : 16;
		struct dpeer *v = realloc(d->peers, cap * sizeof(*v));
		if (!v)
			return NULL;
		d->peers = v;
		d->peercap = cap;
	}
	memset(&d->peers[d->npeers], 0, sizeof(d->peers[0]));
	snprintf(d->peers[d->npeers].id, PKI_ID_MAX, "%s", id);
	return &d->peers[d->npeers++];
}

/* ------------------------------------------------------------ link events */

struct up_arg {
	struct deliver *d;
	const struct pki_identity *peer;
	int is_parent;
};

/* A child's first HELLO: record it and announce it to the level above. */
static int child_registered(MDB_txn *txn, void *arg)
{
	struct up_arg *a = arg;
	struct deliver *d = a->d;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Announce an = CARENET__ANNOUNCE__INIT;
	int rc;

	rc = registry_put(d->env.store, txn, a->peer->id, a->peer->role, a->peer->name);
	if (rc <= 0 || d->me->role == PKI_ROLE_COUNTY)
		return rc < 0 ? rc : 0;
	an.id = (char *)a->peer->id;
	an.role = (char *)pki_role_name(a->peer->role);
	an.name = (char *)a->peer->name;
	it.body_case = CARENET__ITEM__BODY_ANNOUNCE;
	it.announce = &an;
	return deliver_emit(d, txn, &it, NULL, 0);
}

void deliver_peer_up(struct deliver *d, const struct pki_identity *peer, int is_parent,
                     const uint64_t cursors[WIRE_LANES])
{
	struct dpeer *p;
	struct up_arg a = {d, peer, is_parent};

	if (peer->role == PKI_ROLE_INSPECTOR)
		return; /* inspectors query; they do not take part in delivery */
	if (!(p = deliver_peer(d, peer->id, 1)))
		return;
	p->is_parent = is_parent;
	p->up = 1;
	for (int l = 0; l < WIRE_LANES; l++) {
		/* The peer durably holds everything up to its cursor: resend after it. */
		p->tx[l].acked = cursors[l];
		p->tx[l].sent = cursors[l];
		p->tx[l].last_progress_us = util_mono_us();
		p->tx[l].overdue_us = ACK_OVERDUE_US;
		deliver_syn_ack(d, peer->id, (unsigned)l, cursors[l]);
	}
	if (!is_parent && deliver_write(d, child_registered, &a) != 0)
		log_warnx("deliver %s: cannot record the new child", peer->id);
	d->kick = 1;
}

void deliver_peer_down(struct deliver *d, const char *peer_id)
{
	struct dpeer *p = deliver_peer(d, peer_id, 0);
	if (p)
		p->up = 0;
}

struct cur_arg {
	struct deliver *d;
	const char *peer;
	uint64_t *cur;
};

static int read_cursors(MDB_txn *txn, void *arg)
{
	struct cur_arg *a = arg;
	for (unsigned l = 0; l < WIRE_LANES; l++)
		if (cursor_get(a->d->env.store, txn, a->peer, l, &a->cur[l]) != 0)
			a->cur[l] = 0;
	return 0;
}

void deliver_cursors(struct deliver *d, const char *peer_id, uint64_t cursors[WIRE_LANES])
{
	struct cur_arg a = {d, peer_id, cursors};
	memset(cursors, 0, sizeof(uint64_t) * WIRE_LANES);
	store_read(d->env.store, read_cursors, &a);
}

void deliver_on_frame(struct deliver *d, const char *peer_id, Carenet__Frame **f)
{
	if (d->nq == d->qcap) {
		size_t cap = d->qcap ? d->qcap * 2 : 64;
		struct inq *v = realloc(d->q, cap * sizeof(*v));
		if (!v) {
			wire_free(f);
			return;
		}
		d->q = v;
		d->qcap = cap;
	}
	snprintf(d->q[d->nq].peer, PKI_ID_MAX, "%s", peer_id);
	d->q[d->nq].f = *f;
	*f = NULL;
	d->nq++;
}

/* --------------------------------------------------------------- routing */

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
	if (dd->n == dd->cap) {
		size_t cap = dd->cap ? dd->cap * 2 : 8;
		size_t *v = realloc(dd->keep, cap * sizeof(*v));
		if (!v)
			return CN_ENOMEM;
		dd->keep = v;
		dd->cap = cap;
	}
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

/* Adds item idx to the destinations its route names. */
int deliver_route(struct deliver *d, MDB_txn *txn, const struct roles_route *rt, struct dests *ds,
                  size_t idx)
{
	const char *me = d->me->id;
	size_t ml = strlen(me), cl = ml + 3;
	char parent[PKI_ID_MAX], child[PKI_ID_MAX];
	int rc;

	if (rt->up && pki_parent_id(me, parent, sizeof(parent)) == 0 &&
	    d->env.cfg->parent_endpoint[0] && (rc = keep(ds, parent, idx)) != 0)
		return rc;
	if (rt->all_children && ml < 12) {
		struct child_arg a = {ds, idx, 0};
		enum pki_role cr = ml == 6 ? PKI_ROLE_TOWNSHIP : PKI_ROLE_VILLAGE;
		registry_each(d->env.store, txn, me, cr, each_child, &a);
		if (a.rc)
			return a.rc;
	}
	for (size_t i = 0; i < rt->ntargets; i++) {
		const char *t = rt->targets[i];
		if (strlen(t) < cl || strncmp(t, me, ml) != 0)
			continue; /* not below this node: roles said so, but never trust it */
		snprintf(child, sizeof(child), "%.*s", (int)cl, t);
		if ((rc = keep(ds, child, idx)) != 0)
			return rc;
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
	default:
		rt->up = 1;
		break;
	}
}

/* Queues the subsets of a signed batch for each destination. */
int deliver_enqueue(struct deliver *d, MDB_txn *txn, const Carenet__SignedBatch *sb,
                    const uint8_t *whole, size_t wlen, unsigned lane, struct dests *ds)
{
	uint8_t *buf;
	size_t len;
	uint64_t seq;
	int rc = 0;

	for (size_t i = 0; i < ds->n && rc == 0; i++) {
		struct dest *dd = &ds->v[i];
		if (dd->n == sb->n_items && whole) {
			rc = outbox_put(d->env.store, txn, dd->id, lane, sb->origin, whole, wlen,
			                &seq);
			continue;
		}
		if ((rc = item_batch_subset(sb, dd->keep, dd->n, &buf, &len)) != 0)
			break;
		rc = outbox_put(d->env.store, txn, dd->id, lane, sb->origin, buf, len, &seq);
		free(buf);
	}
	return rc;
}
