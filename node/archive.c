/* archive: acknowledged outbox entries kept for a neighbour that goes back
 * in time (archive.h). */
#include "archive.h"

#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "err.h"
#include "log.h"
#include "outbox.h"

/* 1 if kv is a key of the same (peer, lane) as k. */
static int same_queue(const MDB_val *kv, const struct okey *k)
{
	const struct okey *got = kv->mv_data;
	return kv->mv_size == sizeof(*k) && memcmp(got->peer, k->peer, OUTBOX_PEER_LEN) == 0 &&
	       got->lane == k->lane;
}

int archive_bytes(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t *bytes)
{
	struct okey k;
	MDB_val kv = {sizeof(k), &k}, v;
	int rc;

	*bytes = 0;
	if (outbox_key_make(&k, peer, lane, 0) != 0)
		return CN_EINVAL;
	rc = mdb_get(txn, store_dbi(st, STORE_ARCHIVE), &kv, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc, "archive total");
	if (v.mv_size == 8)
		*bytes = be_get64(v.mv_data);
	return 0;
}

static int bytes_put(struct store *st, MDB_txn *txn, const char *peer, unsigned lane,
                     uint64_t bytes)
{
	struct okey k;
	uint8_t b[8];
	MDB_val kv = {sizeof(k), &k}, v = {sizeof(b), b};

	if (outbox_key_make(&k, peer, lane, 0) != 0)
		return CN_EINVAL;
	be_put64(b, bytes);
	return store_err(mdb_put(txn, store_dbi(st, STORE_ARCHIVE), &kv, &v, 0), "archive total");
}

/* Copies one outbox entry (raw value) under the same key, stamped now. */
static int keep_one(struct store *st, MDB_txn *txn, const MDB_val *kv, const MDB_val *val,
                    uint64_t now, uint64_t *total)
{
	struct okey key;
	MDB_val k = {sizeof(key), &key}, v = {8 + val->mv_size, NULL}, old;
	MDB_dbi dbi = store_dbi(st, STORE_ARCHIVE);
	uint8_t *buf;
	int rc;

	/* What LMDB returned is valid only until the next update: copy it. */
	if (kv->mv_size != sizeof(key) || !(buf = malloc(v.mv_size)))
		return kv->mv_size != sizeof(key) ? 0 : CN_ENOMEM;
	memcpy(&key, kv->mv_data, sizeof(key));
	be_put64(buf, now);
	memcpy(buf + 8, val->mv_data, val->mv_size);
	/* A sequence kept before (renumbered since): replace it. */
	if ((rc = mdb_get(txn, dbi, &k, &old)) == 0 && old.mv_size >= 8)
		*total -= *total < old.mv_size - 8 ? *total : old.mv_size - 8;
	else if (rc != MDB_NOTFOUND && rc != 0) {
		free(buf);
		return store_err(rc, "archive get");
	}
	v.mv_data = buf;
	rc = store_err(mdb_put(txn, dbi, &k, &v, 0), "archive put");
	if (rc == 0)
		*total += v.mv_size - 8;
	free(buf);
	return rc;
}

/* Copies (peer, lane)'s outbox entries up to upto. */
static int copy_acked(struct store *st, MDB_txn *txn, const struct okey *k, uint64_t upto,
                      uint64_t now, uint64_t *total)
{
	MDB_cursor *c;
	MDB_val kv = {sizeof(*k), (void *)k}, v;
	MDB_cursor_op op = MDB_SET_RANGE;
	int rc, ret = 0;

	if ((rc = mdb_cursor_open(txn, store_dbi(st, STORE_OUTBOX), &c)) != 0)
		return store_err(rc, "archive outbox cursor");
	while ((rc = mdb_cursor_get(c, &kv, &v, op)) == 0) {
		op = MDB_NEXT;
		if (!same_queue(&kv, k) || be_get64(((const struct okey *)kv.mv_data)->seq) > upto)
			break;
		/* kv, v point into the map: copied by keep_one before any other put */
		if ((ret = keep_one(st, txn, &kv, &v, now, total)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (ret == 0 && rc != 0 && rc != MDB_NOTFOUND)
		ret = store_err(rc, "archive copy");
	return ret;
}

/* Drops, oldest first, what is older than keep_secs or beyond cap. */
static int trim(struct store *st, MDB_txn *txn, const struct okey *k, uint64_t now,
                uint64_t keep_secs, uint64_t cap, uint64_t *total)
{
	struct okey from = *k;
	MDB_cursor *c;
	MDB_val kv = {sizeof(from), &from}, v;
	int rc;

	be_put64(from.seq, 1);
	if ((rc = mdb_cursor_open(txn, store_dbi(st, STORE_ARCHIVE), &c)) != 0)
		return store_err(rc, "archive cursor");
	while ((rc = mdb_cursor_get(c, &kv, &v, MDB_SET_RANGE)) == 0 && same_queue(&kv, k)) {
		uint64_t at = v.mv_size >= 8 ? be_get64(v.mv_data) : 0, len = v.mv_size - 8;
		if (v.mv_size >= 8 && *total <= cap && at + keep_secs >= now)
			break; /* this one and the later ones stay */
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		*total -= v.mv_size < 8 ? 0 : *total < len ? *total : len;
		kv.mv_data = &from;
		kv.mv_size = sizeof(from);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc, "archive trim");
	return 0;
}

int archive_keep(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t upto,
                 uint64_t now, uint64_t keep_secs, uint64_t cap)
{
	struct okey k;
	uint64_t total, before;
	int rc;

	if (outbox_key_make(&k, peer, lane, 1) != 0)
		return CN_EINVAL;
	if ((rc = archive_bytes(st, txn, peer, lane, &total)) != 0)
		return rc;
	before = total;
	if (keep_secs && cap && (rc = copy_acked(st, txn, &k, upto, now, &total)) != 0)
		return rc;
	if (total == 0 && before == 0)
		return 0;
	if ((rc = trim(st, txn, &k, now, keep_secs && cap ? keep_secs : 0, cap, &total)) != 0)
		return rc;
	if (!keep_secs || !cap)
		total = 0;
	return total == before ? 0 : bytes_put(st, txn, peer, lane, total);
}

int archive_requeue(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t after,
                    uint64_t before, uint64_t *moved)
{
	struct okey k;
	MDB_cursor *c;
	MDB_val kv = {sizeof(k), &k}, v;
	uint64_t total, n = 0;
	int rc, ret = 0;

	*moved = 0;
	if (after + 1 >= before)
		return 0;
	if (outbox_key_make(&k, peer, lane, after + 1) != 0)
		return CN_EINVAL;
	if ((rc = archive_bytes(st, txn, peer, lane, &total)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, store_dbi(st, STORE_ARCHIVE), &c)) != 0)
		return store_err(rc, "archive cursor");
	while ((rc = mdb_cursor_get(c, &kv, &v, MDB_SET_RANGE)) == 0 && same_queue(&kv, &k)) {
		struct okey at = *(const struct okey *)kv.mv_data;
		MDB_val ok = {sizeof(at), &at}, ov = {v.mv_size >= 8 ? v.mv_size - 8 : 0, NULL};
		if (be_get64(at.seq) >= before || v.mv_size < 8)
			break;
		/* Deleted first: the value is copied before any update. */
		if (!(ov.mv_data = malloc(ov.mv_size ? ov.mv_size : 1))) {
			ret = CN_ENOMEM;
			break;
		}
		memcpy(ov.mv_data, (const uint8_t *)v.mv_data + 8, ov.mv_size);
		if ((rc = mdb_cursor_del(c, 0)) == 0)
			ret = store_err(mdb_put(txn, store_dbi(st, STORE_OUTBOX), &ok, &ov, 0),
			                "archive requeue");
		free(ov.mv_data);
		if (rc != 0 || ret != 0)
			break;
		total -= total < ov.mv_size ? total : ov.mv_size;
		n++;
		kv.mv_data = &k;
		kv.mv_size = sizeof(k);
	}
	mdb_cursor_close(c);
	if (ret == 0 && rc != 0 && rc != MDB_NOTFOUND)
		ret = store_err(rc, "archive requeue");
	if (ret == 0 && n)
		ret = bytes_put(st, txn, peer, lane, total);
	*moved = n;
	return ret;
}

int archive_drop(struct store *st, MDB_txn *txn, const char *peer, unsigned lane)
{
	return archive_keep(st, txn, peer, lane, 0, UINT64_MAX, 0, 0); /* keeps nothing */
}
