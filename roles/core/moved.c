/*
 * moved: the map of moves held here (moved.h).
 */
#include "moved.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOVED_MAX 16384 /* a packed Move: ids, a time, at most 256 record ids */

static size_t key_of(char *key, size_t len, char tag, const char *id)
{
	int n = snprintf(key, len, "move:%c:%s", tag, id);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

static int get_raw(MDB_txn *txn, MDB_dbi db, char tag, const char *id, MDB_val *v)
{
	char key[64];
	MDB_val k = {key_of(key, sizeof(key), tag, id), key};

	if (!k.mv_size || !id[0])
		return CN_ENOTFOUND;
	return store_err(mdb_get(txn, db, &k, v), "moves get");
}

static int put_raw(MDB_txn *txn, MDB_dbi db, char tag, const char *id, const void *p, size_t n)
{
	char key[64];
	MDB_val k = {key_of(key, sizeof(key), tag, id), key}, v = {n, (void *)p};

	if (!k.mv_size)
		return CN_EINVAL;
	return store_err(mdb_put(txn, db, &k, &v, 0), "moves put");
}

int moved_get(struct store *st, MDB_txn *txn, const char *old, Carenet__Move **out)
{
	MDB_val v;
	int rc = get_raw(txn, store_dbi(st, STORE_META), 'o', old, &v);

	*out = NULL;
	if (rc != 0)
		return rc;
	*out = carenet__move__unpack(NULL, v.mv_size, v.mv_data);
	return *out ? 0 : CN_ESTORE;
}

static int copy_id(const MDB_val *v, char *out, size_t len)
{
	if (v->mv_size >= len)
		return CN_ESTORE;
	memcpy(out, v->mv_data, v->mv_size);
	out[v->mv_size] = 0;
	return 0;
}

int moved_to(struct store *st, MDB_txn *txn, const char *old, char *nw, size_t len)
{
	Carenet__Move *m = NULL;
	int rc = moved_get(st, txn, old, &m);

	if (rc == 0)
		snprintf(nw, len, "%s", m->new_id);
	carenet__move__free_unpacked(m, NULL);
	return rc;
}

int moved_from(struct store *st, MDB_txn *txn, const char *nw, char *old, size_t len)
{
	MDB_val v;
	int rc = get_raw(txn, store_dbi(st, STORE_META), 'n', nw, &v);

	return rc ? rc : copy_id(&v, old, len);
}

int moved_formers(struct store *st, MDB_txn *txn, const char *office, char (*ids)[16], size_t max,
                  size_t *n)
{
	char cur[64], prev[64], back[MOVED_CHAIN_MAX][16]; /* newest first */
	size_t nb = 0;
	int rc = 0;

	*n = 0;
	snprintf(cur, sizeof(cur), "%s", office);
	while (nb < MOVED_CHAIN_MAX) {
		Carenet__Move *m = NULL;
		if ((rc = moved_from(st, txn, cur, prev, sizeof(prev))) != 0 ||
		    (rc = moved_get(st, txn, prev, &m)) != 0)
			break;
		snprintf(back[nb++], sizeof(back[0]), "%.15s", prev);
		/* a Move that names what came before says it all (the county's
		 * map); else the Move of prev, if held here, goes on */
		for (size_t i = m->n_earlier; i > 0 && nb < MOVED_CHAIN_MAX; i--)
			snprintf(back[nb++], sizeof(back[0]), "%.15s", m->earlier[i - 1]);
		rc = m->n_earlier ? CN_ENOTFOUND : 0;
		carenet__move__free_unpacked(m, NULL);
		if (rc)
			break;
		snprintf(cur, sizeof(cur), "%s", prev);
	}
	if (rc != 0 && rc != CN_ENOTFOUND)
		return rc;
	for (size_t i = nb; i > 0 && *n < max; i--)
		memcpy(ids[(*n)++], back[i - 1], 16);
	return 0;
}

int moved_was(struct store *st, MDB_txn *txn, const char *nw, const char *id)
{
	char ids[MOVED_CHAIN_MAX][16];
	size_t n;
	int rc = moved_formers(st, txn, nw, ids, MOVED_CHAIN_MAX, &n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!strcmp(ids[i], id))
			return 1;
	return rc;
}

int moved_now(struct store *st, MDB_txn *txn, const char *office, char *now, size_t len)
{
	char cur[64], next[64];
	int rc = moved_to(st, txn, office, next, sizeof(next));

	for (int k = 0; rc == 0 && k < MOVED_CHAIN_MAX; k++) {
		snprintf(cur, sizeof(cur), "%s", next);
		if ((rc = moved_to(st, txn, cur, next, sizeof(next))) == CN_ENOTFOUND) {
			snprintf(now, len, "%s", cur);
			return 0;
		}
	}
	return rc ? rc : CN_ETOOBIG;
}

int moved_out_of(struct store *st, MDB_txn *txn, const char *office, const char *me)
{
	char nw[64];
	size_t ml = strlen(me);
	int rc = moved_to(st, txn, office, nw, sizeof(nw));

	if (rc == CN_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	return !(strlen(nw) >= ml && strncmp(nw, me, ml) == 0);
}

int moved_put(struct store *st, MDB_txn *txn, const Carenet__Move *m)
{
	MDB_dbi db = store_dbi(st, STORE_META);
	uint8_t buf[MOVED_MAX];
	char have[64];
	size_t len = carenet__move__get_packed_size(m);
	Carenet__Move *held = NULL;
	int rc = moved_get(st, txn, m->old_id, &held);

	if (rc == 0) {
		int same = !strcmp(held->new_id, m->new_id) && !strcmp(held->id, m->id);
		carenet__move__free_unpacked(held, NULL);
		return same ? 0 : CN_EEXIST;
	}
	if (rc != CN_ENOTFOUND)
		return rc;
	if ((rc = moved_from(st, txn, m->new_id, have, sizeof(have))) != CN_ENOTFOUND)
		return rc == 0 ? CN_EEXIST : rc;
	if (len > sizeof(buf))
		return CN_ETOOBIG;
	carenet__move__pack(m, buf);
	if ((rc = put_raw(txn, db, 'o', m->old_id, buf, len)) != 0)
		return rc;
	rc = put_raw(txn, db, 'n', m->new_id, m->old_id, strlen(m->old_id));
	return rc ? rc : 1;
}

int moved_each(struct store *st, MDB_txn *txn, int (*fn)(const Carenet__Move *m, void *arg),
               void *arg)
{
	static const char pre[] = "move:o:";
	MDB_cursor *cur;
	MDB_val k = {sizeof(pre) - 1, (void *)pre}, v;
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, store_dbi(st, STORE_META), &cur), "moves each")))
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Carenet__Move *m;
		if (k.mv_size < sizeof(pre) - 1 || memcmp(k.mv_data, pre, sizeof(pre) - 1) != 0)
			break;
		if (!(m = carenet__move__unpack(NULL, v.mv_size, v.mv_data))) {
			rc = CN_ESTORE;
			break;
		}
		rc = fn(m, arg);
		carenet__move__free_unpacked(m, NULL);
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "moves each");
	mdb_cursor_close(cur);
	return rc;
}
