#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "deliver_int.h"
#include "err.h"
#include "log.h"
#include "outbox.h"
#include "registry.h"
#include "roles.h"
#include "util.h"

static void flush_acks(struct deliver *d);

/* ------------------------------------------------------------ life cycle */

/* The parent's id: a county's is in its parent's certificate (its
 * prefecture, or its province); "" when there is none. */
static void deliver_parent_set(struct deliver *d)
{
	const struct config *c = d->env.cfg;

	if (!c || pki_parent_of(d->me->id, c->parent_cert, d->parent_id, sizeof(d->parent_id)))
		d->parent_id[0] = 0;
}

int deliver_new(const struct deliver_env *env, struct deliver **out)
{
	struct deliver *d;

	*out = NULL;
	if (!env->outbox_key)
		return CN_EINVAL; /* programmer error: outbox messages are always sealed */
	if (!(d = calloc(1, sizeof(*d))))
		return CN_ENOMEM;
	d->env = *env;
	d->me = pki_self_identity(env->self);
	deliver_parent_set(d);
	*out = d;
	return deliver_chains_load_self(d);
}

void deliver_configure(struct deliver *d, const struct config *cfg, struct pki_trust *trust)
{
	d->env.cfg = cfg;
	d->env.trust = trust;
	deliver_parent_set(d);
}

void deliver_set_formers(struct deliver *d, char (*ids)[16], size_t n)
{
	d->nformers = n < 4 ? n : 4;
	memcpy(d->formers, ids, d->nformers * sizeof(d->formers[0]));
}

int deliver_below_me(const struct deliver *d, const char *id)
{
	size_t il = strlen(id), ml = strlen(d->me->id);

	if (il > ml && strncmp(id, d->me->id, ml) == 0)
		return 1;
	for (size_t i = 0; i < d->nformers; i++) {
		size_t fl = strlen(d->formers[i]);
		if (il > fl && strncmp(id, d->formers[i], fl) == 0)
			return 1;
	}
	return 0;
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
	flush_acks(d); /* a clean stop leaves no acknowledged entry queued */
	free(d->dack);
	free(d->pens);
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
	if (ARR_GROW(d->peers, d->npeers + 1, d->peercap))
		return NULL;
	memset(&d->peers[d->npeers], 0, sizeof(d->peers[0]));
	snprintf(d->peers[d->npeers].id, PKI_ID_MAX, "%s", id);
	return &d->peers[d->npeers++];
}

/* ------------------------------------------------------------ link events */

struct up_arg {
	struct deliver *d;
	const struct pki_identity *peer;
	int is_parent;
	int direct;
	const ProtobufCBinaryData *chain;
	size_t nchain;
};

/* A child's first HELLO: record it and announce it, with the chain it
 * proved itself with, to the level above (which checks that chain). */
static int child_registered(MDB_txn *txn, void *arg)
{
	struct up_arg *a = arg;
	struct deliver *d = a->d;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Announce an = CARENET__ANNOUNCE__INIT;
	int rc;

	rc = registry_put(d->env.store, txn, a->peer->id, a->peer->role, a->peer->name);
	if (rc <= 0 || d->me->role == PKI_ROLE_COUNTY || d->me->role == PKI_ROLE_PROVINCE)
		return rc < 0 ? rc : 0;
	an.id = (char *)a->peer->id;
	an.role = (char *)pki_role_name(a->peer->role);
	an.name = (char *)a->peer->name;
	an.chain = (ProtobufCBinaryData *)a->chain;
	an.n_chain = a->nchain;
	it.body_case = CARENET__ITEM__BODY_ANNOUNCE;
	it.announce = &an;
	return deliver_emit(d, txn, &it, NULL, 0);
}

void deliver_peer_up(struct deliver *d, const struct pki_identity *peer, int is_parent, int direct,
                     const uint64_t cursors[WIRE_LANES], const ProtobufCBinaryData *chain,
                     size_t nchain)
{
	struct dpeer *p;
	struct up_arg a = {d, peer, is_parent, direct, chain, nchain};

	if (peer->role == PKI_ROLE_INSPECTOR)
		return; /* inspectors query; they do not take part in delivery */
	if (!(p = deliver_peer(d, peer->id, 1)))
		return;
	p->is_parent = is_parent;
	p->direct = direct;
	p->up = 1;
	for (int l = 0; l < WIRE_LANES; l++) {
		/* The peer durably holds everything up to its cursor: resend after it.
		 * A village on its direct session here is sent nothing: what it says
		 * it holds from us means nothing (and must not make this node think
		 * its store went back: deliver_apply.c, apply_syn). */
		uint64_t c = direct && !is_parent ? 0 : cursors[l];
		p->tx[l].acked = c;
		p->tx[l].sent = c;
		p->tx[l].last_progress_us = util_mono_us();
		p->tx[l].overdue_us = ACK_OVERDUE_US;
		if (!direct || is_parent)
			deliver_syn_ack(d, peer->id, (unsigned)l, c);
	}
	/* A village on its county-direct session is no child of this node. */
	if (!is_parent && !direct && deliver_write(d, child_registered, &a) != 0)
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
	if (ARR_GROW(d->q, d->nq + 1, d->qcap)) {
		wire_free(f);
		return;
	}
	snprintf(d->q[d->nq].peer, PKI_ID_MAX, "%s", peer_id);
	d->q[d->nq].f = *f;
	*f = NULL;
	d->nq++;
}

/* ------------------------------------------------------------ loop entry */

struct write_arg {
	struct deliver *d;
	int (*fn)(MDB_txn *, void *);
	void *arg;
};

static int write_txn(MDB_txn *txn, void *arg)
{
	struct write_arg *w = arg;
	int rc;

	deliver_pend_reset(w->d);
	memset(w->d->cdelta, 0, sizeof(w->d->cdelta));
	if ((rc = w->fn(txn, w->arg)) != 0)
		return rc;
	return deliver_sign_pending(w->d, txn);
}

static void add_counters(struct deliver *d)
{
	for (int i = 0; i < CTR_COUNT; i++)
		d->env.counters[i] += d->cdelta[i];
	memset(d->cdelta, 0, sizeof(d->cdelta));
}

/* Storage errors (deliver_apply.c's fatal_rc): the group cannot go on. */
static int group_fatal(int rc)
{
	return rc == CN_ESTORE || rc == CN_EMAPFULL || rc == CN_ENOMEM || rc == CN_EIO;
}

/* Inside deliver_group: fn in a nested transaction; if it fails, its writes
 * and the items it emitted are undone, the group's others stay. */
static int nested_write(struct deliver *d, int (*fn)(MDB_txn *, void *), void *arg)
{
	size_t np = d->npend;
	int rc = store_nested(d->group_txn, fn, arg);

	if (rc == 0)
		d->cdelta[CTR_GROUPED_WRITES]++;
	else {
		for (size_t i = np; i < d->npend; i++) {
			free(d->pend[i].buf);
			carenet__item__free_unpacked(d->pend[i].it, NULL);
		}
		d->npend = np;
		if (group_fatal(rc) && !d->group_rc)
			d->group_rc = rc;
	}
	return rc;
}

struct group_arg {
	struct deliver *d;
	int (*fn)(MDB_txn *, void *);
	void *arg;
};

static int group_txn(MDB_txn *txn, void *arg)
{
	struct group_arg *g = arg;
	int rc;

	g->d->group_txn = txn;
	g->d->group_rc = 0;
	rc = g->fn(txn, g->arg);
	g->d->group_txn = NULL;
	return rc ? rc : g->d->group_rc;
}

int deliver_group(struct deliver *d, int (*fn)(MDB_txn *txn, void *arg), void *arg)
{
	struct group_arg g = {d, fn, arg};

	return deliver_write(d, group_txn, &g);
}

int deliver_write(struct deliver *d, int (*fn)(MDB_txn *txn, void *arg), void *arg)
{
	struct write_arg w = {d, fn, arg};
	int rc;

	if (d->group_txn)
		return nested_write(d, fn, arg);
	d->in_write = 1;
	rc = store_write(d->env.store, write_txn, &w);
	d->in_write = 0;
	deliver_pend_reset(d);
	if (rc == 0) {
		add_counters(d);
		d->kick = 1;
	}
	return rc;
}

static void send_acks(struct deliver *d)
{
	for (size_t i = 0; i < d->nacks; i++) {
		Carenet__Frame f = CARENET__FRAME__INIT;
		Carenet__Ack a = CARENET__ACK__INIT;
		struct dpeer *p = deliver_peer(d, d->acks[i].peer, 0);
		a.lane = d->acks[i].lane;
		a.seq = d->acks[i].seq;
		a.resend = d->acks[i].resend;
		f.body_case = CARENET__FRAME__BODY_ACK;
		f.ack = &a;
		if (p && p->up)
			d->env.send(d->env.arg, p->id, p->is_parent, &f);
	}
	d->nacks = 0;
}

static void apply_acks(struct deliver *d)
{
	uint64_t now = util_mono_us();

	for (size_t i = 0; i < d->nackin; i++) {
		struct dpeer *p = deliver_peer(d, d->ackin[i].peer, 0);
		struct lane_tx *tx;
		if (!p)
			continue;
		tx = &p->tx[d->ackin[i].lane];
		if (d->ackin[i].seq > tx->acked) {
			tx->acked = d->ackin[i].seq;
			tx->last_progress_us = now;
			tx->overdue_us = ACK_OVERDUE_US;
		}
		if (tx->sent < tx->acked)
			tx->sent = tx->acked;
		if (d->ackin[i].resend) {
			tx->sent = tx->acked;
			d->env.counters[CTR_RESENDS]++;
		}
		d->kick = 1;
	}
	d->nackin = 0;
}

static int fire_txn(MDB_txn *txn, void *arg)
{
	struct deliver *d = arg;
	return roles_fire(d->roles, txn, deliver_now(d));
}

static void check_overdue_acks(struct deliver *d)
{
	uint64_t now = util_mono_us();

	for (size_t i = 0; i < d->npeers; i++) {
		for (unsigned l = 0; l < WIRE_LANES; l++) {
			struct lane_tx *tx = &d->peers[i].tx[l];
			if (!d->peers[i].up || tx->sent == tx->acked ||
			    now - tx->last_progress_us < tx->overdue_us)
				continue;
			log_info("deliver %s: no ack on lane %u for %llu ms, resending from %llu",
			         d->peers[i].id, l, (unsigned long long)tx->overdue_us / 1000,
			         (unsigned long long)tx->acked + 1);
			tx->sent = tx->acked;
			tx->last_progress_us = now;
			/* A busy peer acks late: back off rather than resend a window
			 * every few seconds (resends are a safety net; reconnects and
			 * explicit resend requests are the normal path). */
			if (tx->overdue_us < ACK_OVERDUE_MAX_US)
				tx->overdue_us *= 2;
			d->env.counters[CTR_RESENDS]++;
			d->kick = 1;
		}
	}
}

/* 1 if the turn's frames (of d->only, if set) are acks alone; 2 if they
 * are acks alone, none of them on the urgent lane. */
static int only_acks(const struct deliver *d)
{
	int urgent = 0;

	for (size_t i = 0; i < d->nq; i++) {
		const Carenet__Frame *f = d->q[i].f;
		if (d->only && strcmp(d->q[i].peer, d->only) != 0)
			continue;
		if (f->body_case != CARENET__FRAME__BODY_ACK)
			return 0;
		urgent |= f->ack->lane == 0;
	}
	return urgent ? 1 : 2;
}

static void charge(struct deliver *d)
{
	for (size_t i = 0; i < d->npens; i++)
		if (d->env.penalize)
			d->env.penalize(d->env.arg, d->pens[i].peer, d->pens[i].n);
	d->npens = 0;
}

/* A turn of acks alone: the outbox entries they release are deleted by the
 * next transaction (apply_group's, or flush_acks' within ACK_DEFER_US), not
 * by a commit of their own. Memory moves on at once, so nothing is resent.
 * Lost in a crash, they cost nothing: the peer's cursor, at the next
 * HELLO/WELCOME, acknowledges the same entries again. */
static void defer_acks(struct deliver *d)
{
	for (size_t i = 0; i < d->nq; i++) {
		const Carenet__Frame *f = d->q[i].f;
		const char *peer = d->q[i].peer;
		size_t k;
		if ((d->only && strcmp(peer, d->only) != 0) || f->ack->lane >= WIRE_LANES)
			continue;
		if (deliver_push_ack(&d->ackin, &d->nackin, &d->ackincap, peer, f->ack->lane,
		                     f->ack->seq, f->ack->resend) != 0)
			continue; /* out of memory: the peer acks again or resends */
		for (k = 0; k < d->ndack; k++)
			if (d->dack[k].lane == f->ack->lane && strcmp(d->dack[k].peer, peer) == 0)
				break;
		if (k < d->ndack) {
			if (f->ack->seq > d->dack[k].seq)
				d->dack[k].seq = f->ack->seq;
		} else if (deliver_push_ack(&d->dack, &d->ndack, &d->dackcap, peer, f->ack->lane,
		                            f->ack->seq, 0) == 0 && d->ndack == 1) {
			d->dack_since_us = util_mono_us();
		}
	}
	apply_acks(d);
}

static int deferred_txn(MDB_txn *txn, void *arg)
{
	return deliver_apply_deferred(arg, txn);
}

/* The acks held in memory into the store; a system crash may undo this
 * commit, never tear it (store_write_lazy). */
static void flush_acks(struct deliver *d)
{
	if (!d->ndack || !d->env.store)
		return;
	if (store_write_lazy(d->env.store, deferred_txn, d) == 0)
		d->ndack = 0;
	else
		log_warnx("deliver: acknowledged messages not yet deleted; the next write retries");
}

/* One group transaction over the queued frames (of d->only, if set); after
 * the commit: counters, penalties, acks. */
static int apply_group(struct deliver *d)
{
	int acks = d->nsyn ? 0 : only_acks(d), rc;

	/* Urgent-lane acks are written at once: what the failover reads from
	 * the store (node/failover.c: urgent items the parent has not taken)
	 * must not lag behind the parent. */
	if (acks == 2) {
		defer_acks(d);
		return 0;
	}
	d->in_write = 1;
	/* Anything applied from a Batch is on disk before its ack; the acks
	 * held in memory are written in the same transaction. Acks alone may
	 * be undone by a system crash (the peer resends; its cursor acks). */
	rc = acks ? store_write_lazy(d->env.store, deliver_apply_txn, d)
	          : store_write(d->env.store, deliver_apply_txn, d);
	d->in_write = 0;
	deliver_pend_reset(d);
	if (rc == 0) {
		d->ndack = 0;
		add_counters(d);
		charge(d);
		apply_acks(d);
		send_acks(d);
	} else {
		/* Nothing applied, nothing acked: the senders will resend. */
		d->nacks = d->nackin = d->npens = 0;
	}
	return rc;
}

/* Adds peer to the list of distinct ids (n of them so far). */
static void distinct_add(char (*v)[PKI_ID_MAX], size_t *n, const char *peer)
{
	for (size_t k = 0; k < *n; k++)
		if (strcmp(v[k], peer) == 0)
			return;
	snprintf(v[(*n)++], PKI_ID_MAX, "%s", peer);
}

static int health_txn(MDB_txn *txn, void *arg)
{
	struct deliver *d = arg;
	return store_put_u64(txn, store_dbi(d->env.store, STORE_META), "apply.check", 11,
	                     deliver_now(d));
}

/*
 * The group transaction failed for a reason other than a full map (which
 * store_write grows and replays): find whose frames caused it. Each peer's
 * frames (and HELLO cursors) are applied in a transaction of their own, so
 * the others keep their progress; a peer whose own transaction fails loses
 * its frames (unacknowledged: it resends) and is charged a point on its ban
 * budget. If every peer's run fails, a small write tells whether the store
 * itself is failing (then nobody is charged).
 */
static void isolate(struct deliver *d, int group_rc)
{
	size_t n = 0, nfail = 0;
	char (*peers)[PKI_ID_MAX] = calloc(d->nq + d->nsyn + 1, PKI_ID_MAX);
	char (*failed)[PKI_ID_MAX] = calloc(d->nq + d->nsyn + 1, PKI_ID_MAX);

	log_warnx("deliver: the turn's transaction failed (%s): applying each peer's frames on "
	          "their own",
	          cn_strerror(group_rc));
	d->env.counters[CTR_APPLY_ISOLATED]++;
	if (!peers || !failed)
		goto out;
	for (size_t i = 0; i < d->nq; i++)
		distinct_add(peers, &n, d->q[i].peer);
	for (size_t i = 0; i < d->nsyn; i++)
		distinct_add(peers, &n, d->syn[i].peer);
	for (size_t i = 0; i < n; i++) {
		int rc;
		d->only = peers[i];
		if ((rc = apply_group(d)) != 0) {
			log_warnx("deliver %s: its frames alone fail to apply (%s): dropped "
			          "unacknowledged",
			          peers[i], cn_strerror(rc));
			d->env.counters[CTR_APPLY_PEER_FAILED]++;
			snprintf(failed[nfail++], PKI_ID_MAX, "%s", peers[i]);
		}
		d->only = NULL;
	}
	if (nfail == n && store_write(d->env.store, health_txn, d) != 0) {
		log_warnx("deliver: the store itself fails; no peer is charged");
		goto out;
	}
	for (size_t i = 0; i < nfail; i++) {
		d->env.counters[CTR_PENALTIES]++;
		if (d->env.penalize)
			d->env.penalize(d->env.arg, failed[i], 1);
	}
out:
	free(peers);
	free(failed);
}

size_t deliver_backlog(const struct deliver *d)
{
	return d->nq;
}

/* How many of the queued frames this turn applies: in order, until they
 * hold DELIVER_TURN_MSGS messages (at least one frame). A turn's work stays
 * bounded, so an operator's request waits for at most that much (node.c
 * serves the control socket first in every turn); a peer's later frames
 * stay queued, in order, for the next turn. */
static size_t turn_cut(const struct deliver *d)
{
	size_t msgs = 0, i;

	for (i = 0; i < d->nq && msgs < DELIVER_TURN_MSGS; i++)
		if (d->q[i].f->body_case == CARENET__FRAME__BODY_BATCH)
			msgs += d->q[i].f->batch->n_msgs;
	return i;
}

void deliver_flush(struct deliver *d)
{
	size_t total = d->nq, cut = turn_cut(d);
	int rc;

	if (d->nq || d->nsyn) {
		d->nq = cut;
		if ((rc = apply_group(d)) != 0)
			isolate(d, rc);
		d->nsyn = 0;
		for (size_t i = 0; i < cut; i++)
			wire_free(&d->q[i].f);
		if (total > cut) /* d->q may be NULL while nothing is queued */
			memmove(d->q, d->q + cut, (total - cut) * sizeof(*d->q));
		d->nq = total - cut;
		d->kick = 1;
	}
	if (d->ndack && util_mono_us() - d->dack_since_us >= ACK_DEFER_US)
		flush_acks(d);
	if (d->roles && roles_next_due(d->roles) <= deliver_now(d) &&
	    deliver_write(d, fire_txn, d) != 0)
		log_warnx("deliver: deadline timers not fired");
	d->env.recheck(d->env.arg);
	check_overdue_acks(d);
	if (d->kick)
		deliver_pump(d);
}

/* Milliseconds until the deferred acks are due to be written. */
static long acks_due(const struct deliver *d)
{
	uint64_t age = util_mono_us() - d->dack_since_us;

	return age >= ACK_DEFER_US ? 0 : (long)((ACK_DEFER_US - age) / 1000u) + 1;
}

long deliver_timeout(struct deliver *d)
{
	uint64_t due, now;
	long t;

	if (d->kick || d->nq)
		return 0;
	if (!d->roles)
		t = 1000;
	else if ((due = roles_next_due(d->roles)) <= (now = deliver_now(d)))
		t = 0;
	else
		t = due - now > 2 ? 2000 : due - now > 1 ? 1000 : 200;
	if (d->ndack && acks_due(d) < t)
		t = acks_due(d);
	return t;
}

struct pending_arg {
	struct deliver *d;
	uint64_t total;
};

static int count_pending(MDB_txn *txn, void *arg)
{
	struct pending_arg *a = arg;
	for (size_t i = 0; i < a->d->npeers; i++)
		for (unsigned l = 0; l < WIRE_LANES; l++) {
			uint64_t c = 0;
			outbox_pending(a->d->env.store, txn, a->d->peers[i].id, l, &c);
			a->total += c;
		}
	return 0;
}

uint64_t deliver_pending(struct deliver *d)
{
	struct pending_arg a = {d, 0};
	store_read(d->env.store, count_pending, &a);
	return a.total;
}
