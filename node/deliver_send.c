/* deliver_send: originating and signing items, sending within windows,
 * the origin certificate-chain cache, and the engine's loop entry points. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (d->npend == d->pendcap) {
		size_t cap = d->pendcap ? d->pendcap * 2 : 16;
		struct pend *v = realloc(d->pend, cap * sizeof(*v));
		if (!v)
			return CN_ENOMEM;
		d->pend = v;
		d->pendcap = cap;
	}
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
			rc = deliver_enqueue(d, txn, sb, whole, wlen, lane, d->scratch);
		deliver_dests_free(d->scratch);
		carenet__signed_batch__free_unpacked(sb, NULL);
		free(whole);
	}
	deliver_pend_reset(d);
	return rc;
}

/* --------------------------------------------------------- chain cache */

void deliver_chains_free(struct deliver *d)
{
	for (size_t i = 0; i < d->nchains; i++)
		for (size_t k = 0; k < d->chains[i].n; k++)
			free(d->chains[i].der[k]);
	free(d->chains);
	d->chains = NULL;
	d->nchains = 0;
	free(d->scratch);
	d->scratch = NULL;
}

static struct chain *chain_slot(struct deliver *d, const char *id)
{
	for (size_t i = 0; i < d->nchains; i++)
		if (strcmp(d->chains[i].id, id) == 0)
			return &d->chains[i];
	if (d->nchains == d->chaincap) {
		size_t cap = d->chaincap ? d->chaincap * 2 : 32;
		struct chain *v = realloc(d->chains, cap * sizeof(*v));
		if (!v)
			return NULL;
		d->chains = v;
		d->chaincap = cap;
	}
	memset(&d->chains[d->nchains], 0, sizeof(d->chains[0]));
	return &d->chains[d->nchains++];
}

static int chain_set(struct chain *c, const struct pki_identity *id, const uint8_t *const *der,
                     const size_t *len, size_t n)
{
	for (size_t k = 0; k < c->n; k++)
		free(c->der[k]);
	c->n = 0;
	for (size_t k = 0; k < n && k < 4; k++) {
		if (!(c->der[k] = malloc(len[k])))
			return CN_ENOMEM;
		memcpy(c->der[k], der[k], len[k]);
		c->len[k] = len[k];
		c->n++;
	}
	c->ident = *id;
	snprintf(c->id, sizeof(c->id), "%s", id->id);
	return 0;
}

int deliver_chains_load_self(struct deliver *d)
{
	const uint8_t *const *der;
	const size_t *len;
	size_t n = pki_self_chain(d->env.self, &der, &len);
	struct chain *c;

	if (!(d->scratch = calloc(1, sizeof(*d->scratch))))
		return CN_ENOMEM;
	if (!(c = chain_slot(d, d->me->id)))
		return CN_ENOMEM;
	return chain_set(c, d->me, der, len, n);
}

/* Persisted form: per certificate a 4-byte big-endian length and the DER. */
static int chain_persist(struct deliver *d, MDB_txn *txn, const struct chain *c)
{
	char key[PKI_ID_MAX + 8];
	uint8_t buf[4 * (4 + WIRE_MAX_CERT)];
	size_t off = 0;
	MDB_val k, v;

	for (size_t i = 0; i < c->n; i++) {
		buf[off] = (uint8_t)(c->len[i] >> 24);
		buf[off + 1] = (uint8_t)(c->len[i] >> 16);
		buf[off + 2] = (uint8_t)(c->len[i] >> 8);
		buf[off + 3] = (uint8_t)c->len[i];
		memcpy(buf + off + 4, c->der[i], c->len[i]);
		off += 4 + c->len[i];
	}
	snprintf(key, sizeof(key), "chain:%s", c->id);
	k.mv_data = key;
	k.mv_size = strlen(key);
	v.mv_data = buf;
	v.mv_size = off;
	return store_err(mdb_put(txn, store_dbi(d->env.store, STORE_META), &k, &v, 0),
	                 "chain put");
}

static int chain_verify_add(struct deliver *d, MDB_txn *txn, const uint8_t *const *der,
                            const size_t *len, size_t n, int persist, const struct chain **out)
{
	struct pki_identity id;
	struct chain *c;
	char why[256];
	int rc;

	*out = NULL;
	if (n == 0 || n > 4)
		return CN_EPROTO;
	if ((rc = pki_verify_chain(d->env.trust, der, len, n, &id, why, sizeof(why))) != 0) {
		log_warnx("deliver: origin certificate refused: %s", why);
		return rc;
	}
	if (id.role == PKI_ROLE_INSPECTOR)
		return CN_EROLE;
	if (!(c = chain_slot(d, id.id)))
		return CN_ENOMEM;
	if (c->n == n && c->len[0] == len[0] && memcmp(c->der[0], der[0], len[0]) == 0) {
		*out = c;
		return 0; /* already known */
	}
	if ((rc = chain_set(c, &id, der, len, n)) != 0)
		return rc;
	if (persist && (rc = chain_persist(d, txn, c)) != 0)
		return rc;
	*out = c;
	return 0;
}

int deliver_chain_learn(struct deliver *d, MDB_txn *txn, const Carenet__Chain *ch)
{
	const uint8_t *der[4];
	size_t len[4];
	const struct chain *c;

	if (ch->n_certs == 0 || ch->n_certs > 4)
		return CN_EPROTO;
	for (size_t i = 0; i < ch->n_certs; i++) {
		der[i] = ch->certs[i].data;
		len[i] = ch->certs[i].len;
	}
	return chain_verify_add(d, txn, der, len, ch->n_certs, 1, &c);
}

const struct chain *deliver_chain_find(struct deliver *d, MDB_txn *txn, const char *id)
{
	char key[PKI_ID_MAX + 8];
	const uint8_t *der[4];
	size_t len[4], n = 0, off = 0;
	const struct chain *c = NULL;
	MDB_val k, v;

	for (size_t i = 0; i < d->nchains; i++) {
		c = &d->chains[i];
		if (strcmp(c->id, id) != 0 || c->n == 0)
			continue;
		if (pki_trust_is_revoked(d->env.trust, c->ident.issuer_scope, c->ident.serial))
			return NULL;
		return c;
	}
	snprintf(key, sizeof(key), "chain:%s", id);
	k.mv_data = key;
	k.mv_size = strlen(key);
	if (mdb_get(txn, store_dbi(d->env.store, STORE_META), &k, &v) != 0)
		return NULL;
	while (off + 4 <= v.mv_size && n < 4) {
		const uint8_t *b = (const uint8_t *)v.mv_data + off;
		size_t l = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
		if (off + 4 + l > v.mv_size)
			return NULL;
		der[n] = b + 4;
		len[n++] = l;
		off += 4 + l;
	}
	if (chain_verify_add(d, txn, der, len, n, 0, &c) != 0 || strcmp(c->id, id) != 0)
		return NULL;
	return c;
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
	if (outbox_each(d->env.store, txn, p->id, lane, c.expect, collect_one, &c) < 0 ||
	    c.n == 0)
		return 0;
	for (size_t i = 0; i < c.norigins; i++) {
		const struct chain *ch = deliver_chain_find(d, txn, c.origins[i]);
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

int deliver_write(struct deliver *d, int (*fn)(MDB_txn *txn, void *arg), void *arg)
{
	struct write_arg w = {d, fn, arg};
	int rc;

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

static int only_acks(const struct deliver *d)
{
	for (size_t i = 0; i < d->nq; i++)
		if (d->q[i].f->body_case != CARENET__FRAME__BODY_ACK)
			return 0;
	return 1;
}

void deliver_flush(struct deliver *d)
{
	int rc;

	if (d->nq || d->nsyn) {
		d->in_write = 1;
		/* Acks only delete acknowledged entries: if a system crash undid
		 * that, the peer would get them again and drop them as duplicates.
		 * Anything applied from a Batch must be on disk before its ack. */
		rc = only_acks(d) ? store_write_nosync(d->env.store, deliver_apply_txn, d)
				  : store_write(d->env.store, deliver_apply_txn, d);
		d->in_write = 0;
		deliver_pend_reset(d);
		if (rc == 0) {
			add_counters(d);
			apply_acks(d);
			send_acks(d);
			d->nsyn = 0;
		} else {
			/* Nothing applied, nothing acked: the senders will resend. */
			log_warnx("deliver: batch not applied: %s", cn_strerror(rc));
			d->nacks = d->nackin = 0;
		}
		for (size_t i = 0; i < d->nq; i++)
			wire_free(&d->q[i].f);
		d->nq = 0;
		d->kick = 1;
	}
	if (d->roles && roles_next_due(d->roles) <= deliver_now(d) &&
	    deliver_write(d, fire_txn, d) != 0)
		log_warnx("deliver: deadline timers not fired");
	d->env.recheck(d->env.arg);
	check_overdue_acks(d);
	if (d->kick)
		deliver_pump(d);
}

long deliver_timeout(struct deliver *d)
{
	uint64_t due, now;

	if (d->kick || d->nq)
		return 0;
	if (!d->roles)
		return 1000;
	due = roles_next_due(d->roles);
	now = deliver_now(d);
	if (due <= now)
		return 0;
	return due - now > 1 ? 1000 : 200;
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
