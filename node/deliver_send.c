/* deliver_send: originating and signing items, sending within windows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int deliver_emit(struct deliver *d, MDB_txn *txn, void *vitem, char *id_out, size_t idlen)
{
	Carenet__Item *it = vitem;
	struct pend *p;
	uint64_t seq;
	int rc;

	if (!d->in_write)
		return CN_EINVAL; /* programmer error: emit outside deliver_write */
	it->lane = (it->body_case == CARENET__ITEM__BODY_REVOCATION ||
	            it->body_case == CARENET__ITEM__BODY_ESCALATION)
	               ? 0
	               : 1;
	if (it->body_case == CARENET__ITEM__BODY_RECORD_VERSION)
		it->lane = 2; /* records: the bulk lane */
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
	if (ARR_GROW(d->pend, d->npend + 1, d->pendcap))
		return CN_ENOMEM;
	p = &d->pend[d->npend];
	p->len = carenet__item__get_packed_size(it);
	if (!(p->buf = malloc(p->len)))
		return CN_ENOMEM;
	carenet__item__pack(it, p->buf);
	p->lane = it->lane;
	if ((rc = item_decode(p->buf, p->len, &p->it)) != 0) {
		free(p->buf);
		return rc;
	}
	d->npend++;
	return 0;
}

/* Signs this transaction's items, one batch per lane, and queues them. */
int deliver_sign_pending(struct deliver *d, MDB_txn *txn)
{
	const uint8_t *bufs[ITEM_MAX_PER_BATCH];
	size_t lens[ITEM_MAX_PER_BATCH], idx[ITEM_MAX_PER_BATCH];
	int rc = 0;

	for (unsigned lane = 0; lane < WIRE_LANES && rc == 0; lane++) {
		Carenet__SignedBatch *sb = NULL;
		struct roles_route rt;
		uint8_t *whole = NULL;
		size_t n = 0, wlen;
		for (size_t i = 0; i < d->npend && n < ITEM_MAX_PER_BATCH; i++) {
			if (d->pend[i].lane != lane)
				continue;
			bufs[n] = d->pend[i].buf;
			lens[n] = d->pend[i].len;
			idx[n++] = i;
		}
		if (n == 0)
			continue;
		if ((rc = item_batch_sign(d->env.self, bufs, lens, n, &whole, &wlen)) != 0 ||
		    (rc = item_batch_decode(whole, wlen, &sb)) != 0) {
			free(whole);
			break;
		}
		d->scratch->n = 0;
		for (size_t k = 0; k < n && rc == 0; k++) {
			deliver_route_of(d->pend[idx[k]].it, &rt);
			rc = deliver_route(d, txn, &rt, d->scratch, k);
		}
		if (rc == 0)
			rc = deliver_enqueue(d, txn, sb, whole, wlen, lane, d->scratch, NULL);
		deliver_dests_free(d->scratch);
		carenet__signed_batch__free_unpacked(sb, NULL);
		free(whole);
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
	c->msgs[c->n].data = (uint8_t *)msg;
	c->msgs[c->n].len = len;
	for (k = 0; k < c->norigins; k++)
		if (!strcmp(c->origins[k], origin))
			break;
	if (k == c->norigins) {
		if (c->norigins == 8)
			return 1; /* next frame */
		snprintf(c->origins[c->norigins++], PKI_ID_MAX, "%s", origin);
	}
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
	if (outbox_each(d->env.store, txn, p->id, lane, c.expect, collect_one, &c) < 0 ||
	    c.n == 0)
		return 0;
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

