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

static int next_origin_seq(struct deliver *d, MDB_txn *txn, unsigned lane, uint64_t *seq)
{
	char key[16];
	snprintf(key, sizeof(key), "oseq:%u", lane);
	MDB_dbi meta = store_dbi(d->env.store, STORE_META);
	int rc = store_get_u64(txn, meta, key, strlen(key), seq);

	if (rc == CN_ENOTFOUND)
		*seq = 0;
	else if (rc != 0)
		return rc;
	(*seq)++;
	return store_put_u64(txn, meta, key, strlen(key), *seq);
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
	Carenet__Chain chains[8], *chp[8];
	ProtobufCBinaryData certs[8][4];
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
	for (size_t i = 0; i < c.norigins; i++) {
		const struct chain *ch = NULL;
		if (deliver_chain_find(d, txn, c.origins[i], &ch) != 0)
			ch = NULL; /* sent without: the receiver refuses what it cannot verify */
		carenet__chain__init(&chains[i]);
		chp[i] = &chains[i];
		for (size_t k = 0; ch && k < ch->n; k++) {
			certs[i][k].data = ch->der[k];
			certs[i][k].len = ch->len[k];
		}
		chains[i].certs = certs[i];
		chains[i].n_certs = ch ? ch->n : 0;
	}
	b.lane = lane;
	b.first_seq = tx->sent + 1;
	b.msgs = c.msgs;
	b.n_msgs = c.n;
	b.chains = chp;
	b.n_chains = c.norigins;
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

