/* deliver_apply: the group-commit transaction that applies received batches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "arr.h"
#include "deliver_int.h"
#include "err.h"
#include "item.h"
#include "log.h"
#include "outbox.h"
#include "util.h"

/* Errors that abort the transaction (it is replayed or fails as a whole);
 * anything else refuses one message or item and goes on. */
static int fatal_rc(int rc)
{
	return rc == CN_ESTORE || rc == CN_EMAPFULL || rc == CN_ENOMEM;
}

int deliver_push_ack(struct ackout **v, size_t *n, size_t *cap, const char *peer, unsigned lane,
                     uint64_t seq, int resend)
{
	if (ARR_GROW(*v, *n + 1, *cap))
		return CN_ENOMEM;
	snprintf((*v)[*n].peer, PKI_ID_MAX, "%s", peer);
	(*v)[*n].lane = lane;
	(*v)[*n].seq = seq;
	(*v)[*n].resend = resend;
	(*n)++;
	return 0;
}

void deliver_syn_ack(struct deliver *d, const char *peer, unsigned lane, uint64_t seq)
{
	if (ARR_GROW(d->syn, d->nsyn + 1, d->syncap))
		return;
	snprintf(d->syn[d->nsyn].peer, PKI_ID_MAX, "%s", peer);
	d->syn[d->nsyn].lane = lane;
	d->syn[d->nsyn].seq = seq;
	d->nsyn++;
}

static void refuse(struct deliver *d, MDB_txn *txn, enum ctr c, const char *peer,
                   const char *origin, const char *why)
{
	d->cdelta[c]++;
	log_warnx("deliver %s: item from %s refused: %s", peer, origin, why);
	audit_append(d->env.store, txn, deliver_now(d), d->me->id, "refuse", origin,
	             why);
}

/* The origin of items arriving from `peer` must be the peer or below it
 * (from a child), or above this node (from the parent). */
static int origin_fits_link(struct deliver *d, const char *peer, const char *origin)
{
	struct dpeer *p = deliver_peer(d, peer, 0);
	const char *me = d->me->id;

	if (p && p->is_parent)
		return strlen(origin) < strlen(me) && strncmp(origin, me, strlen(origin)) == 0;
	return strncmp(origin, peer, strlen(peer)) == 0;
}

static int apply_item(struct deliver *d, MDB_txn *txn, const char *peer, unsigned lane,
                      const struct pki_identity *oid, const ProtobufCBinaryData *raw, size_t idx,
                      struct dests *ds)
{
	Carenet__Item *it = NULL;
	struct roles_route rt;
	char why[320] = "";
	uint64_t hwm;
	int rc;

	if (item_decode(raw->data, raw->len, &it) != 0) {
		refuse(d, txn, CTR_ITEMS_REFUSED, peer, oid->id, "malformed item");
		return 0;
	}
	if (strcmp(it->origin, oid->id) != 0 || it->lane != lane) {
		refuse(d, txn, CTR_ITEMS_REFUSED, peer, oid->id,
		       "item origin or lane differs from "
		       "its signed batch");
		rc = 0;
		goto out;
	}
	if ((rc = origin_hwm_get(d->env.store, txn, it->origin, lane, &hwm)) != 0)
		goto out;
	if (it->origin_seq <= hwm) {
		d->cdelta[CTR_ITEMS_DUPLICATE]++;
		log_info("deliver %s: duplicate item %s/%llu ignored (applied up to %llu)", peer,
		         it->origin, (unsigned long long)it->origin_seq, (unsigned long long)hwm);
		goto out;
	}
	rc = roles_apply(d->roles, txn, it, oid, peer, &rt, why, sizeof(why));
	if (rc != 0) {
		if (fatal_rc(rc))
			goto out;
		refuse(d, txn, CTR_ITEMS_REFUSED, peer, oid->id, why[0] ? why : cn_strerror(rc));
		rc = 0;
	} else {
		d->cdelta[CTR_ITEMS_APPLIED]++;
		if ((rc = deliver_route(d, txn, &rt, ds, idx)) != 0)
			goto out;
	}
	/* Applied or refused, this origin sequence is consumed. */
	rc = origin_hwm_put(d->env.store, txn, it->origin, lane, it->origin_seq);
out:
	carenet__item__free_unpacked(it, NULL);
	return rc;
}

/* One signed batch at link sequence seq from peer. */
static int apply_msg(struct deliver *d, MDB_txn *txn, const char *peer, unsigned lane,
                     const ProtobufCBinaryData *msg)
{
	Carenet__SignedBatch *sb = NULL;
	const struct chain *ch;
	struct dests *ds = d->scratch;
	char why[160];
	int rc = 0;

	if (item_batch_decode(msg->data, msg->len, &sb) != 0) {
		refuse(d, txn, CTR_INVALID_MESSAGES, peer, "?", "malformed signed batch");
		return 0;
	}
	if (!origin_fits_link(d, peer, sb->origin)) {
		snprintf(why, sizeof(why), "origin %s cannot arrive over the link with %s",
		         sb->origin, peer);
		refuse(d, txn, CTR_ITEMS_REFUSED, peer, sb->origin, why);
		goto out;
	}
	if (!(ch = deliver_chain_find(d, txn, sb->origin))) {
		refuse(d, txn, CTR_BAD_SIGNATURE, peer, sb->origin,
		       "no verified certificate for the origin");
		goto out;
	}
	if (item_batch_verify(sb, ch->ident.sign_pub) != 0) {
		refuse(d, txn, CTR_BAD_SIGNATURE, peer, sb->origin,
		       "signature does not verify (forged or altered)");
		goto out;
	}
	ds->n = 0;
	for (size_t i = 0; i < sb->n_items && rc == 0; i++)
		rc = apply_item(d, txn, peer, lane, &ch->ident, &sb->items[i], i, ds);
	if (rc == 0)
		rc = deliver_enqueue(d, txn, sb, msg->data, msg->len, lane, ds);
	deliver_dests_free(ds);
out:
	carenet__signed_batch__free_unpacked(sb, NULL);
	return rc;
}

static int apply_batch(struct deliver *d, MDB_txn *txn, const char *peer, const Carenet__Batch *b)
{
	uint64_t cur;
	int rc, resend = 0;

	if (b->lane >= WIRE_LANES)
		return 0;
	if ((rc = cursor_get(d->env.store, txn, peer, b->lane, &cur)) != 0)
		return rc;
	for (size_t i = 0; i < b->n_chains; i++)
		if ((rc = deliver_chain_learn(d, txn, b->chains[i])) != 0 && fatal_rc(rc))
			return rc;
	for (size_t i = 0; i < b->n_msgs; i++) {
		uint64_t seq = b->first_seq + i;
		if (seq <= cur) {
			d->cdelta[CTR_FRAMES_DUPLICATE]++;
			continue;
		}
		if (seq > cur + 1) {
			d->cdelta[CTR_GAPS]++;
			resend = 1;
			break;
		}
		if ((rc = apply_msg(d, txn, peer, b->lane, &b->msgs[i])) != 0)
			return rc;
		cur = seq;
	}
	if ((rc = cursor_put(d->env.store, txn, peer, b->lane, cur)) != 0)
		return rc;
	return deliver_push_ack(&d->acks, &d->nacks, &d->ackcap, peer, b->lane, cur, resend);
}

/* A HELLO/WELCOME cursor: the peer holds everything up to it. */
static int apply_syn(struct deliver *d, MDB_txn *txn, const struct synack *s)
{
	uint64_t last;
	int rc;

	if ((rc = outbox_last(d->env.store, txn, s->peer, s->lane, &last)) != 0)
		return rc;
	if (s->seq <= last)
		return outbox_ack(d->env.store, txn, s->peer, s->lane, s->seq);
	log_warnx("deliver %s: the peer holds lane %u up to %llu but this node only ever sent "
	          "%llu: queued messages renumbered to follow it (was this store restored?)",
	          s->peer, s->lane, (unsigned long long)s->seq, (unsigned long long)last);
	d->cdelta[CTR_GAPS]++;
	return outbox_rebase(d->env.store, txn, s->peer, s->lane, s->seq);
}

int deliver_apply_txn(MDB_txn *txn, void *arg)
{
	struct deliver *d = arg;
	int rc = 0;

	deliver_pend_reset(d);
	memset(d->cdelta, 0, sizeof(d->cdelta));
	d->nacks = d->nackin = 0;
	for (size_t i = 0; i < d->nsyn && rc == 0; i++)
		rc = apply_syn(d, txn, &d->syn[i]);
	for (size_t i = 0; i < d->nq && rc == 0; i++) {
		const Carenet__Frame *f = d->q[i].f;
		const char *peer = d->q[i].peer;
		if (f->body_case == CARENET__FRAME__BODY_BATCH) {
			rc = apply_batch(d, txn, peer, f->batch);
		} else if (f->body_case == CARENET__FRAME__BODY_ACK && f->ack->lane < WIRE_LANES) {
			rc = outbox_ack(d->env.store, txn, peer, f->ack->lane, f->ack->seq);
			if (rc == 0)
				rc = deliver_push_ack(&d->ackin, &d->nackin, &d->ackincap, peer,
				                      f->ack->lane, f->ack->seq, f->ack->resend);
		}
	}
	if (rc == 0)
		rc = deliver_sign_pending(d, txn);
	if (rc == 0 && d->nq)
		d->cdelta[CTR_BATCHES_COMMITTED]++;
	return rc;
}
