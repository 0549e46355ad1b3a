/* deliver_send: originating and signing items, sending within windows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "arr.h"
#include "deliver_int.h"
#include "err.h"
#include "item.h"
#include "log.h"
#include "outbox.h"
#include "util.h"

#define PUMP_FRAMES 32 /* frames per (peer, lane) per loop turn */
#define BATCH_MSGS 512 /* messages per frame */
#define LINGER_MIN_MSGS 64 /* queued messages that justify a second frame in flight */

/* ------------------------------------------------------------ origination */

void deliver_pend_reset(struct deliver *d)
{
	for (size_t i = 0; i < d->npend; i++) {
		free(d->pend[i].buf);
		carenet__item__free_unpacked(d->pend[i].it, NULL);
	}
	d->npend = 0;
}

/* meta "oseq:<lane>": the last origin sequence this node assigned. */
int deliver_origin_last(struct store *st, MDB_txn *txn, unsigned lane, uint64_t *seq)
{
	char key[16];
	int rc;

	snprintf(key, sizeof(key), "oseq:%u", lane);
	rc = store_get_u64(txn, store_dbi(st, STORE_META), key, strlen(key), seq);
	if (rc == CN_ENOTFOUND)
		*seq = 0;
	return rc == CN_ENOTFOUND ? 0 : rc;
}

static int origin_put(struct store *st, MDB_txn *txn, unsigned lane, uint64_t seq)
{
	char key[16];

	snprintf(key, sizeof(key), "oseq:%u", lane);
	return store_put_u64(txn, store_dbi(st, STORE_META), key, strlen(key), seq);
}

int deliver_origin_epoch(struct store *st, MDB_txn *txn, uint64_t floor)
{
	uint64_t seq;
	int rc;

	for (unsigned lane = 0; lane < WIRE_LANES; lane++) {
		if ((rc = deliver_origin_last(st, txn, lane, &seq)) != 0)
			return rc;
		if (seq < floor && (rc = origin_put(st, txn, lane, floor)) != 0)
			return rc;
	}
	return 0;
}

static int next_origin_seq(struct deliver *d, MDB_txn *txn, unsigned lane, uint64_t *seq)
{
	int rc = deliver_origin_last(d->env.store, txn, lane, seq);

	if (rc != 0)
		return rc;
	(*seq)++;
	return origin_put(d->env.store, txn, lane, *seq);
}

unsigned deliver_lane_of(const Carenet__Item *it)
{
	switch (it->body_case) {
	case CARENET__ITEM__BODY_REVOCATION:
	case CARENET__ITEM__BODY_ESCALATION:
	case CARENET__ITEM__BODY_REPORT:
	case CARENET__ITEM__BODY_REPORT_STEP:
		return 0;
	case CARENET__ITEM__BODY_RECORD_VERSION: /* records and documents: the bulk lane */
	case CARENET__ITEM__BODY_DOC_CHUNK:
	case CARENET__ITEM__BODY_MOVE_STEP: /* after the versions it counts (roles_move.c) */
		return 2;
	default:
		return 1;
	}
}

/* A report's or a step's id, "" asks for one: "<origin>-rep<seq>" /
 * "<origin>-step<seq>", from the origin sequence, which a restored store
 * moves to a new epoch, so an id is never given twice (roles/reports). */
static int report_id(Carenet__Item *it, uint64_t seq, char *id_out, size_t idlen)
{
	char **id = it->body_case == CARENET__ITEM__BODY_REPORT        ? &it->report->id
	            : it->body_case == CARENET__ITEM__BODY_REPORT_STEP ? &it->report_step->id
	                                                               : NULL;

	if (!id || (*id)[0])
		return 0;
	if (!id_out || idlen < 48)
		return CN_EINVAL;
	snprintf(id_out, idlen, "%s-%s%llu", it->origin,
	         it->body_case == CARENET__ITEM__BODY_REPORT ? "rep" : "step",
	         (unsigned long long)seq);
	*id = id_out;
	return 0;
}

int deliver_emit(struct deliver *d, MDB_txn *txn, void *vitem, char *id_out, size_t idlen)
{
	Carenet__Item *it = vitem;
	struct pend *p;
	uint64_t seq;
	int rc;

	if (!d->in_write)
		return CN_EINVAL; /* programmer error: emit outside deliver_write */
	it->lane = deliver_lane_of(it);
	if ((rc = next_origin_seq(d, txn, it->lane, &seq)) != 0)
		return rc;
	it->origin = (char *)d->me->id;
	it->origin_seq = seq;
	it->created = deliver_now(d);
	if (it->body_case == CARENET__ITEM__BODY_DIRECTIVE && !it->directive->id[0]) {
		if (!id_out || idlen < 32)
			return CN_EINVAL;
		snprintf(id_out, idlen, "%s-%llu", it->origin, (unsigned long long)seq);
		it->directive->id = id_out;
	}
	if ((rc = report_id(it, seq, id_out, idlen)) != 0)
		return rc;
	if (ARR_GROW(d->pend, d->npend + 1, d->pendcap))
		return CN_ENOMEM;
	p = &d->pend[d->npend];
	if ((rc = item_encode(it, &p->buf, &p->len)) != 0)
		return rc;
	p->lane = it->lane;
	if ((rc = item_decode(p->buf, p->len, &p->it)) != 0) {
		free(p->buf);
		return rc;
	}
	d->npend++;
	return 0;
}

/* The largest signed batch this node makes: half of limits.max_frame, the
 * same bound send_frame packs messages to, so a batch travels in one frame
 * with the certificate chains beside it (what a relay forwards of it, a
 * subset with the same hash list, is never larger). */
size_t deliver_batch_budget(const struct deliver *d)
{
	return d->env.cfg->max_frame / 2;
}

/* An upper bound of what item i adds to a serialized SignedBatch: its bytes
 * with tag and length, and its hash with tag and length. */
static size_t batch_cost(size_t len)
{
	return len + 6 + 34;
}
#define BATCH_FIXED 128 /* origin, signature and their tags */

/* Signs items idx[0..n) of the pending list (one lane) as one batch and
 * queues it for every destination. */
static int sign_batch(struct deliver *d, MDB_txn *txn, unsigned lane, const size_t *idx, size_t n)
{
	const uint8_t *bufs[ITEM_MAX_PER_BATCH];
	size_t lens[ITEM_MAX_PER_BATCH];
	Carenet__SignedBatch *sb = NULL;
	struct roles_route rt;
	uint8_t *whole = NULL;
	size_t wlen;
	int rc;

	for (size_t k = 0; k < n; k++) {
		bufs[k] = d->pend[idx[k]].buf;
		lens[k] = d->pend[idx[k]].len;
	}
	if ((rc = item_batch_sign(d->env.self, bufs, lens, n, &whole, &wlen)) != 0 ||
	    (rc = item_batch_decode(whole, wlen, &sb)) != 0)
		goto out;
	d->scratch->n = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		deliver_route_of(d->pend[idx[k]].it, &rt);
		deliver_gate_up(d, d->pend[idx[k]].it, &rt);
		rc = deliver_route(d, txn, &rt, d->scratch, k);
		if (rc == 0)
			rc = deliver_route_direct(d, &rt, lane, d->scratch, k);
	}
	if (rc == 0)
		rc = deliver_enqueue(d, txn, sb, whole, wlen, lane, d->scratch, NULL);
	deliver_dests_free(d->scratch);
out:
	carenet__signed_batch__free_unpacked(sb, NULL);
	free(whole);
	return rc;
}

/* Signs this transaction's items and queues them: per lane, in order, in
 * batches that each fit the budget (deliver_batch_budget) and
 * ITEM_MAX_PER_BATCH, so a big write never makes a frame the next hop
 * refuses. An item too big for a batch of its own fails the transaction
 * (CN_ETOOBIG): queued, it could never travel. */
int deliver_sign_pending(struct deliver *d, MDB_txn *txn)
{
	size_t idx[ITEM_MAX_PER_BATCH], budget = deliver_batch_budget(d);
	int rc = 0;

	for (unsigned lane = 0; lane < WIRE_LANES && rc == 0; lane++) {
		size_t n = 0, bytes = BATCH_FIXED;
		for (size_t i = 0; i <= d->npend && rc == 0; i++) {
			size_t cost = i < d->npend ? batch_cost(d->pend[i].len) : 0;
			if (i < d->npend && d->pend[i].lane != lane)
				continue;
			if (i < d->npend && BATCH_FIXED + cost > budget) {
				log_warnx("deliver: an item of %zu bytes cannot travel in a frame "
				          "(limits.max_frame %zu): write refused",
				          d->pend[i].len, d->env.cfg->max_frame);
				rc = CN_ETOOBIG;
				break;
			}
			if (n &&
			    (i == d->npend || n == ITEM_MAX_PER_BATCH || bytes + cost > budget)) {
				rc = sign_batch(d, txn, lane, idx, n);
				n = 0;
				bytes = BATCH_FIXED;
			}
			if (i < d->npend) {
				idx[n++] = i;
				bytes += cost;
			}
		}
	}
	deliver_pend_reset(d);
	return rc;
}

/* --------------------------------------------------------------- sending */

struct collect {
	struct deliver *d;
	uint64_t expect;
	size_t max_bytes, bytes, n, max;
	ProtobufCBinaryData msgs[BATCH_MSGS];
	char origins[8][PKI_ID_MAX];
	size_t norigins;
};

static int collect_one(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	struct collect *c = arg;
	size_t k;

	if (seq != c->expect || c->n == c->max || (c->n && c->bytes + len > c->max_bytes))
		return 1;
	for (k = 0; k < c->norigins; k++)
		if (!strcmp(c->origins[k], origin))
			break;
	if (k == c->norigins) {
		if (c->norigins == 8)
			return 1; /* next frame */
		snprintf(c->origins[c->norigins++], PKI_ID_MAX, "%s", origin);
	}
	/* msg is the opened box, wiped when this returns: keep a copy */
	if (!(c->msgs[c->n].data = malloc(len ? len : 1)))
		return CN_ENOMEM;
	memcpy(c->msgs[c->n].data, msg, len);
	c->msgs[c->n].len = len;
	c->n++;
	c->bytes += len;
	c->expect++;
	return 0;
}

/* Sends one frame of (peer, lane) from tx->sent + 1; 1 if sent, 0 if none. */
static int send_frame(struct deliver *d, MDB_txn *txn, struct dpeer *p, unsigned lane,
                      uint64_t window)
{
	struct lane_tx *tx = &p->tx[lane];
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Batch b = CARENET__BATCH__INIT;
	static struct chain_attach att;
	static struct collect c;
	int sent = 0;

	memset(&c, 0, sizeof(c));
	c.d = d;
	c.expect = tx->sent + 1;
	c.max_bytes = d->env.cfg->max_frame / 2;
	c.max = window - (tx->sent - tx->acked);
	if (c.max > BATCH_MSGS)
		c.max = BATCH_MSGS;
	if (outbox_each(d->env.store, txn, d->env.outbox_key, p->id, lane, c.expect, collect_one,
	                &c) < 0 ||
	    c.n == 0)
		goto out;
	b.lane = lane;
	b.first_seq = tx->sent + 1;
	b.msgs = c.msgs;
	b.n_msgs = c.n;
	deliver_chain_attach(d, txn, &b, (const char(*)[PKI_ID_MAX])c.origins, c.norigins, &att);
	f.body_case = CARENET__FRAME__BODY_BATCH;
	f.batch = &b;
	if (d->env.send(d->env.arg, p->id, p->is_parent, &f) == 0) {
		if (tx->sent == tx->acked)
			tx->last_progress_us = util_mono_us();
		tx->sent += c.n;
		sent = 1;
	}
out:
	for (size_t i = 0; i < c.n; i++)
		OPENSSL_cleanse(c.msgs[i].data, c.msgs[i].len), free(c.msgs[i].data);
	return sent;
}

static int pump_txn(MDB_txn *txn, void *arg)
{
	struct deliver *d = arg;
	const struct config *cfg = d->env.cfg;
	uint64_t win[WIRE_LANES] = {(uint64_t)cfg->window_urgent, (uint64_t)cfg->window_normal,
	                            (uint64_t)cfg->window_bulk};

	for (size_t i = 0; i < d->npeers; i++) {
		struct dpeer *p = &d->peers[i];
		if (!p->up)
			continue;
		/* Urgent first: a lane is served only when the lanes above are idle. */
		for (unsigned lane = 0; lane < WIRE_LANES; lane++) {
			struct lane_tx *tx = &p->tx[lane];
			uint64_t last = 0;
			int frames = 0;
			if (outbox_last(d->env.store, txn, p->id, lane, &last) != 0)
				continue;
			while (frames < PUMP_FRAMES && tx->sent < last && tx->sent - tx->acked < win[lane]) {
				/* Nagle: while a frame is in flight, wait for its ack
				 * unless a large batch is ready. What queues meanwhile
				 * then travels, commits, is signed and acked together
				 * at every hop; an idle link still sends at once. */
				if (tx->sent > tx->acked && last - tx->sent < LINGER_MIN_MSGS)
					break;
				if (!send_frame(d, txn, p, lane, win[lane]))
					break;
				frames++;
			}
			if (p->tx[lane].sent > p->tx[lane].acked && lane == 0)
				break;
		}
	}
	return 0;
}

void deliver_pump(struct deliver *d)
{
	d->kick = 0;
	store_read(d->env.store, pump_txn, d);
}

