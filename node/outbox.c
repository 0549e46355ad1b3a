#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "be.h"
#include "err.h"
#include "log.h"

/* Keys: peer id NUL-padded to 16 bytes, lane byte, big-endian seq. */
struct okey {
	char peer[OUTBOX_PEER_LEN];
	uint8_t lane;
	uint8_t seq[8];
};

static int mkkey(struct okey *k, const char *peer, unsigned lane, uint64_t seq)
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
	if (mkkey(&k, id, lane, 0) != 0)
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

	if (mkkey(&k, id, lane, 0) != 0)
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

int outbox_put(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, const char *origin,
               const void *msg, size_t len, uint64_t *seq)
{
	struct okey k;
	MDB_val kv, v;
	uint64_t last;
	size_t olen = strlen(origin);
	int rc;

	if (olen > 255)
		return CN_EINVAL;
	if ((rc = outbox_last(st, txn, peer, lane, &last)) != 0)
		return rc;
	if ((rc = mkkey(&k, peer, lane, last + 1)) != 0)
		return rc;
	kv.mv_data = &k;
	kv.mv_size = sizeof(k);
	v.mv_size = 1 + olen + len;
	rc = mdb_put(txn, store_dbi(st, STORE_OUTBOX), &kv, &v, MDB_RESERVE);
	if (rc != 0)
		return store_err(rc, "outbox put");
	((uint8_t *)v.mv_data)[0] = (uint8_t)olen;
	memcpy((uint8_t *)v.mv_data + 1, origin, olen);
	memcpy((uint8_t *)v.mv_data + 1 + olen, msg, len);
	*seq = last + 1;
	return u64_put(st, txn, STORE_CURSORS, 'o', peer, lane, last + 1);
}

int outbox_each(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t from,
                int (*fn)(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg),
                void *arg)
{
	struct okey k;
	MDB_cursor *c;
	MDB_val kv, v;
	int rc, ret = 0;
	MDB_cursor_op op = MDB_SET_RANGE;

	if (mkkey(&k, peer, lane, from) != 0)
		return CN_EINVAL;
	if ((rc = mdb_cursor_open(txn, store_dbi(st, STORE_OUTBOX), &c)) != 0)
		return store_err(rc, "outbox cursor");
	kv.mv_data = &k;
	kv.mv_size = sizeof(k);
	while ((rc = mdb_cursor_get(c, &kv, &v, op)) == 0) {
		const struct okey *got = kv.mv_data;
		const uint8_t *d = v.mv_data;
		char origin[256];
		op = MDB_NEXT;
		if (kv.mv_size != sizeof(k) || memcmp(got->peer, k.peer, OUTBOX_PEER_LEN) != 0 ||
		    got->lane != k.lane)
			break;
		if (v.mv_size < 1 || v.mv_size < 1u + d[0])
			continue; /* cannot happen: we wrote it */
		memcpy(origin, d + 1, d[0]);
		origin[d[0]] = 0;
		if ((ret = fn(be_get64(got->seq), origin, d + 1 + d[0], v.mv_size - 1 - d[0], arg)) !=
		    0)
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

	if (mkkey(&k, peer, lane, 0) != 0)
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
	return outbox_each(st, txn, peer, lane, 0, count_one, count);
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
};

static int rebase_collect(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	struct rebase *r = arg;
	(void)seq;
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

int outbox_rebase(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t cursor)
{
	struct rebase r = {0};
	uint64_t last, seq;
	int rc;

	if ((rc = outbox_each(st, txn, peer, lane, 0, rebase_collect, &r)) != 0)
		goto out;
	if ((rc = outbox_last(st, txn, peer, lane, &last)) != 0 ||
	    (rc = outbox_ack(st, txn, peer, lane, last)) != 0 ||
	    (rc = u64_put(st, txn, STORE_CURSORS, 'o', peer, lane, cursor)) != 0)
		goto out;
	for (size_t i = 0; i < r.n && rc == 0; i++)
		rc = outbox_put(st, txn, peer, lane, r.v[i].origin, r.v[i].msg, r.v[i].len, &seq);
out:
	for (size_t i = 0; i < r.n; i++)
		free(r.v[i].msg);
	free(r.v);
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
