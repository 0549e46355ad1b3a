#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "arr.h"
#include "be.h"
#include "err.h"
#include "log.h"
#include "wire.h"

int outbox_key_make(struct okey *k, const char *peer, unsigned lane, uint64_t seq)
{
	size_t n = strlen(peer);
	if (n >= OUTBOX_PEER_LEN)
		return CN_EINVAL;
	memset(k, 0, sizeof(*k));
	memcpy(k->peer, peer, n);
	k->lane = (uint8_t)lane;
	be_put64(k->seq, seq);
	return 0;
}

/* u64 values in the cursors db under a tagged key. */
static int u64_get(struct store *st, MDB_txn *txn, enum store_db db, char tag, const char *id,
                   unsigned lane, uint64_t *out)
{
	struct okey k;
	MDB_val kv, v;
	int rc;

	*out = 0;
	if (outbox_key_make(&k, id, lane, 0) != 0)
		return CN_EINVAL;
	k.seq[0] = (uint8_t)tag;
	kv.mv_data = &k;
	kv.mv_size = sizeof(k);
	rc = mdb_get(txn, store_dbi(st, db), &kv, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc, "cursor get");
	if (v.mv_size == 8)
		*out = be_get64(v.mv_data);
	return 0;
}

static int u64_put(struct store *st, MDB_txn *txn, enum store_db db, char tag, const char *id,
                   unsigned lane, uint64_t val)
{
	struct okey k;
	uint8_t b[8];
	MDB_val kv, v;

	if (outbox_key_make(&k, id, lane, 0) != 0)
		return CN_EINVAL;
	k.seq[0] = (uint8_t)tag;
	be_put64(b, val);
	kv.mv_data = &k;
	kv.mv_size = sizeof(k);
	v.mv_data = b;
	v.mv_size = 8;
	return store_err(mdb_put(txn, store_dbi(st, db), &kv, &v, 0), "cursor put");
}

int outbox_last(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t *seq)
{
	return u64_get(st, txn, STORE_CURSORS, 'o', peer, lane, seq);
}

/* Values: OUTBOX_SEALED, origin length, origin, then the message sealed
 * (base/aead.h) under the node's key with the value's own key as associated
 * data, so a box copied under another (peer, lane, seq) does not open. The
 * origin is an office id, kept clear for routing. A value written before
 * sealing (origin length first, then the message in the clear) is still
 * read, so an upgraded node drains what it had queued. */
#define OUTBOX_SEALED 0xffu

static int seal_put(MDB_txn *txn, MDB_dbi dbi, const uint8_t *key, const struct okey *k,
                    const char *origin, const void *msg, size_t len)
{
	MDB_val kv = {sizeof(*k), (void *)k}, v;
	size_t olen = strlen(origin), blen;
	uint8_t *box = NULL;
	int rc;

	if ((rc = aead_seal(key, k, sizeof(*k), msg, len, &box, &blen)) != 0)
		return rc;
	v.mv_size = 2 + olen + blen;
	rc = store_err(mdb_put(txn, dbi, &kv, &v, MDB_RESERVE), "outbox put");
	if (rc == 0) {
		uint8_t *d = v.mv_data;
		d[0] = OUTBOX_SEALED;
		d[1] = (uint8_t)olen;
		memcpy(d + 2, origin, olen);
		memcpy(d + 2 + olen, box, blen);
	}
	free(box); /* ciphertext: nothing to wipe */
	return rc;
}

int outbox_put(struct store *st, MDB_txn *txn, const uint8_t *key, const char *peer, unsigned lane,
               const char *origin, const void *msg, size_t len, uint64_t *seq)
{
	struct okey k;
	uint64_t last;
	int rc;

	if (!key || strlen(origin) >= 256)
		return CN_EINVAL;
	if ((rc = outbox_last(st, txn, peer, lane, &last)) != 0)
		return rc;
	if ((rc = outbox_key_make(&k, peer, lane, last + 1)) != 0)
		return rc;
	if ((rc = seal_put(txn, store_dbi(st, STORE_OUTBOX), key, &k, origin, msg, len)) != 0)
		return rc;
	*seq = last + 1;
	return u64_put(st, txn, STORE_CURSORS, 'o', peer, lane, last + 1);
}

/* Splits a stored value into origin and message, opening the box with key
 * (*pt: the plaintext to aead_free, NULL if none was made). Without a key
 * the message is not opened: *msg NULL, *len its length. */
static int value_open(const uint8_t *key, const struct okey *k, const MDB_val *v, char *origin,
                      const uint8_t **msg, size_t *len, uint8_t **pt)
{
	const uint8_t *d = v->mv_data;
	size_t n = v->mv_size, hdr = 1;
	int rc;

	*pt = NULL;
	if (n >= 2 && d[0] == OUTBOX_SEALED)
		hdr = 2;
	if (n < hdr || n < hdr + d[hdr - 1] || (hdr == 2 && n - 2 - d[1] < AEAD_OVERHEAD))
		return CN_ESTORE; /* cannot happen: we wrote it */
	memcpy(origin, d + hdr, d[hdr - 1]);
	origin[d[hdr - 1]] = 0;
	*msg = d + hdr + d[hdr - 1];
	*len = n - hdr - d[hdr - 1];
	if (hdr == 1) /* written before sealing */
		return 0;
	if (!key) {
		*msg = NULL;
		*len -= AEAD_OVERHEAD;
		return 0;
	}
	if ((rc = aead_open(key, k, sizeof(*k), *msg, *len, pt, len)) != 0) {
		log_warnx("outbox: a queued message for seq %llu does not open with this node's "
		          "records key (was identity.records_key replaced, or data.mdb changed?)",
		          (unsigned long long)be_get64(k->seq));
		return rc;
	}
	*msg = *pt;
	return 0;
}

int outbox_each(struct store *st, MDB_txn *txn, const uint8_t *key, const char *peer, unsigned lane,
                uint64_t from,
                int (*fn)(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg),
                void *arg)
{
	struct okey k;
	MDB_cursor *c;
	MDB_val kv, v;
	int rc, ret = 0;
	MDB_cursor_op op = MDB_SET_RANGE;

	if (outbox_key_make(&k, peer, lane, from) != 0)
		return CN_EINVAL;
	if ((rc = mdb_cursor_open(txn, store_dbi(st, STORE_OUTBOX), &c)) != 0)
		return store_err(rc, "outbox cursor");
	kv.mv_data = &k;
	kv.mv_size = sizeof(k);
	while ((rc = mdb_cursor_get(c, &kv, &v, op)) == 0) {
		const struct okey *got = kv.mv_data;
		const uint8_t *msg;
		uint8_t *pt;
		size_t len;
		char origin[256];
		op = MDB_NEXT;
		if (kv.mv_size != sizeof(k) || memcmp(got->peer, k.peer, OUTBOX_PEER_LEN) != 0 ||
		    got->lane != k.lane)
			break;
		if ((ret = value_open(key, got, &v, origin, &msg, &len, &pt)) != 0)
			break;
		ret = fn(be_get64(got->seq), origin, msg, len, arg);
		aead_free(pt, len);
		if (ret != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND && ret == 0)
		return store_err(rc, "outbox iterate");
	return ret;
}

int outbox_ack(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t upto)
{
	struct okey k;
	MDB_cursor *c;
	MDB_val kv, v;
	int rc;

	if (outbox_key_make(&k, peer, lane, 0) != 0)
		return CN_EINVAL;
	if ((rc = mdb_cursor_open(txn, store_dbi(st, STORE_OUTBOX), &c)) != 0)
		return store_err(rc, "outbox cursor");
	kv.mv_data = &k;
	kv.mv_size = sizeof(k);
	while ((rc = mdb_cursor_get(c, &kv, &v, MDB_SET_RANGE)) == 0) {
		const struct okey *got = kv.mv_data;
		if (kv.mv_size != sizeof(k) || memcmp(got->peer, k.peer, OUTBOX_PEER_LEN) != 0 ||
		    got->lane != k.lane || be_get64(got->seq) > upto)
			break;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		kv.mv_data = &k;
		kv.mv_size = sizeof(k);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc, "outbox ack");
	return 0;
}

static int count_one(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	(void)seq;
	(void)origin;
	(void)msg;
	(void)len;
	(*(uint64_t *)arg)++;
	return 0;
}

int outbox_pending(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t *count)
{
	*count = 0;
	return outbox_each(st, txn, NULL, peer, lane, 0, count_one, count);
}

int outbox_forget(struct store *st, MDB_txn *txn, const char *peer)
{
	uint64_t n;
	int rc = 0;

	for (unsigned lane = 0; lane < WIRE_LANES && rc == 0; lane++)
		if ((rc = outbox_pending(st, txn, peer, lane, &n)) == 0 && n)
			rc = CN_EEXIST;
	for (unsigned lane = 0; lane < WIRE_LANES && rc == 0; lane++)
		if ((rc = u64_put(st, txn, STORE_CURSORS, 'o', peer, lane, 0)) == 0)
			rc = u64_put(st, txn, STORE_CURSORS, 'i', peer, lane, 0);
	return rc;
}

int cursor_get(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t *seq)
{
	return u64_get(st, txn, STORE_CURSORS, 'i', peer, lane, seq);
}

int cursor_put(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t seq)
{
	return u64_put(st, txn, STORE_CURSORS, 'i', peer, lane, seq);
}

int origin_hwm_get(struct store *st, MDB_txn *txn, const char *origin, unsigned lane, uint64_t *seq)
{
	return u64_get(st, txn, STORE_ORIGINS, 'h', origin, lane, seq);
}

int origin_hwm_put(struct store *st, MDB_txn *txn, const char *origin, unsigned lane, uint64_t seq)
{
	return u64_put(st, txn, STORE_ORIGINS, 'h', origin, lane, seq);
}

struct rebase {
	struct rebase_msg {
		uint8_t *msg;
		size_t len;
		char origin[256];
	} *v;
	size_t n, cap;
	uint64_t first; /* the sequence of v[0] */
};

static int rebase_collect(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	struct rebase *r = arg;
	if (r->n == 0)
		r->first = seq;
	if (ARR_GROW(r->v, r->n + 1, r->cap))
		return CN_ENOMEM;
	if (!(r->v[r->n].msg = malloc(len ? len : 1)))
		return CN_ENOMEM;
	memcpy(r->v[r->n].msg, msg, len);
	r->v[r->n].len = len;
	snprintf(r->v[r->n].origin, 256, "%s", origin);
	r->n++;
	return 0;
}

static void rebase_free(struct rebase *r)
{
	for (size_t i = 0; i < r->n; i++)
		aead_free(r->v[i].msg, r->v[i].len);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int outbox_rebase(struct store *st, MDB_txn *txn, const uint8_t *key, const char *peer,
                  unsigned lane, uint64_t cursor)
{
	struct rebase r = {0};
	uint64_t last, seq;
	int rc;

	if ((rc = outbox_each(st, txn, key, peer, lane, 0, rebase_collect, &r)) != 0)
		goto out;
	if ((rc = outbox_last(st, txn, peer, lane, &last)) != 0 ||
	    (rc = outbox_ack(st, txn, peer, lane, last)) != 0 ||
	    (rc = u64_put(st, txn, STORE_CURSORS, 'o', peer, lane, cursor)) != 0)
		goto out;
	for (size_t i = 0; i < r.n && rc == 0; i++)
		rc = outbox_put(st, txn, key, peer, lane, r.v[i].origin, r.v[i].msg, r.v[i].len,
		                &seq);
out:
	rebase_free(&r);
	return rc;
}

/* One lane of outbox_rehome. */
static int rehome_lane(struct store *st, MDB_txn *txn, const uint8_t *key, const char *from,
                       const char *to, unsigned lane)
{
	struct rebase a = {0}, b = {0};
	uint64_t last_from, last_to, in, seq;
	int rc;

	if ((rc = outbox_each(st, txn, key, from, lane, 0, rebase_collect, &a)) != 0 ||
	    (rc = outbox_each(st, txn, key, to, lane, 0, rebase_collect, &b)) != 0 ||
	    (rc = outbox_last(st, txn, from, lane, &last_from)) != 0 ||
	    (rc = outbox_last(st, txn, to, lane, &last_to)) != 0 ||
	    (rc = cursor_get(st, txn, from, lane, &in)) != 0 ||
	    (rc = outbox_ack(st, txn, from, lane, last_from)) != 0 ||
	    (rc = outbox_ack(st, txn, to, lane, last_to)) != 0)
		goto out;
	/* from's messages keep their sequences (the peer's cursor counts them),
	 * to's follow them */
	if ((rc = u64_put(st, txn, STORE_CURSORS, 'o', to, lane,
	                  a.n ? a.first - 1 : last_from)) != 0)
		goto out;
	for (size_t i = 0; i < a.n && rc == 0; i++)
		rc = outbox_put(st, txn, key, to, lane, a.v[i].origin, a.v[i].msg, a.v[i].len, &seq);
	for (size_t i = 0; i < b.n && rc == 0; i++)
		rc = outbox_put(st, txn, key, to, lane, b.v[i].origin, b.v[i].msg, b.v[i].len, &seq);
	if (rc == 0 && (rc = cursor_put(st, txn, to, lane, in)) == 0 &&
	    (rc = u64_put(st, txn, STORE_CURSORS, 'o', from, lane, 0)) == 0)
		rc = cursor_put(st, txn, from, lane, 0);
out:
	rebase_free(&a);
	rebase_free(&b);
	return rc;
}

int outbox_rehome(struct store *st, MDB_txn *txn, const uint8_t *key, const char *from,
                  const char *to)
{
	uint64_t v, held;
	int rc = 0, any = 0;

	for (unsigned lane = 0; lane < WIRE_LANES && rc == 0; lane++) {
		if ((rc = cursor_get(st, txn, to, lane, &v)) == 0 && v)
			return CN_EEXIST; /* to has spoken here already */
		if (rc == 0 && (rc = cursor_get(st, txn, from, lane, &v)) == 0)
			any |= v != 0;
		if (rc == 0 && (rc = outbox_last(st, txn, from, lane, &v)) == 0)
			any |= v != 0;
	}
	if (rc != 0 || !any)
		return rc ? rc : CN_ENOTFOUND;
	for (unsigned lane = 0; lane < WIRE_LANES && rc == 0; lane++)
		rc = rehome_lane(st, txn, key, from, to, lane);
	if (rc == 0 && (rc = outbox_held_get(st, txn, from, &held)) == 0 && held &&
	    (rc = outbox_held_add(st, txn, to, (int64_t)held)) == 0)
		rc = u64_put(st, txn, STORE_CURSORS, 'h', from, 0, 0);
	return rc;
}

int outbox_held_get(struct store *st, MDB_txn *txn, const char *child, uint64_t *bytes)
{
	return u64_get(st, txn, STORE_CURSORS, 'h', child, 0, bytes);
}

int outbox_held_add(struct store *st, MDB_txn *txn, const char *child, int64_t delta)
{
	uint64_t v;
	int rc;

	if (delta == 0)
		return 0;
	if ((rc = outbox_held_get(st, txn, child, &v)) != 0)
		return rc;
	if (delta < 0)
		v = (uint64_t)-delta > v ? 0 : v - (uint64_t)-delta;
	else
		v += (uint64_t)delta;
	return u64_put(st, txn, STORE_CURSORS, 'h', child, 0, v);
}
