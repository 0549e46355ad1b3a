/*
 * rekey: the records of a village that moved to another township (区划调整;
 * issue 14 item 5; the move itself: roles/roles_move.c, core/moved.h).
 *
 * A record keeps its id "<first owner>-r<n>" for life (review.c, transfers);
 * a move is, for each record OLD owns, a transfer to NEW that needs no
 * acceptance: the village writes version v+1 owned by NEW (the same
 * fields), signed by NEW, up its new path. Every node that holds the Move
 * lets NEW write on OLD's records (records_moved_ok) and, at the first such
 * version, records the move as a transfer (x: OLD -> NEW at v), so the
 * transfer rules decide from then on: versions of OLD up to v, of NEW after
 * it; the county keeps one r:ID (counted once, under OLD until v+1 arrives,
 * then under NEW), the old township's replica is counted no more (ledger.c,
 * moved_out_of) and the new township holds the record from v+1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "err.h"
#include "moved.h"
#include "records.h"

/* 1 if the record id was made by one of the ids owner had before (a village
 * that moved, maybe more than once: moved_formers). */
static int id_of_former(struct roles *r, MDB_txn *txn, const char *id, const char *owner)
{
	char ids[MOVED_CHAIN_MAX][16];
	size_t n;
	int ret = moved_formers(r->env.store, txn, owner, ids, MOVED_CHAIN_MAX, &n);

	for (size_t i = 0; ret == 0 && i < n; i++)
		if (records_id_of(id, ids[i]))
			return 1;
	return ret;
}

/* 1 if the county's Move of old names id among the records old owned under
 * ids not its own (Move.records: received by a transfer). */
static int listed_in_move(struct roles *r, MDB_txn *txn, const char *id, const char *old)
{
	Carenet__Move *mv = NULL;
	int ret = moved_get(r->env.store, txn, old, &mv);

	if (ret != 0)
		return ret == CN_ENOTFOUND ? 0 : ret;
	for (size_t i = 0; i < mv->n_records && ret == 0; i++)
		ret = strcmp(mv->records[i], id) == 0;
	carenet__move__free_unpacked(mv, NULL);
	return ret;
}

int records_moved_ok(struct roles *r, MDB_txn *txn, const Carenet__RecordVersion *m)
{
	char old[PKI_ID_MAX];
	struct rec rc;
	int ret = moved_from(r->env.store, txn, m->owner, old, sizeof(old));

	if (ret != 0)
		return ret == CN_ENOTFOUND ? 0 : ret;
	if ((ret = id_of_former(r, txn, m->id, m->owner)) != 0)
		return ret;
	if ((ret = listed_in_move(r, txn, m->id, old)) != 0)
		return ret;
	if ((ret = rec_get(r, txn, m->id, &rc)) != 0)
		return ret == CN_ENOTFOUND ? 0 : ret;
	ret = moved_was(r->env.store, txn, m->owner, rc.owner);
	rec_clear(&rc);
	return ret;
}

int records_moved_mark(struct roles *r, MDB_txn *txn, const Carenet__RecordVersion *m)
{
	struct rec_xfer x;
	struct rec held;
	int ret = rec_transfer_get(r, txn, m->id, &x);

	/* a record moved (or transferred) before, to an id its owner had: the
	 * move goes on from there (a village that moved again) */
	if (ret == 0 && (strcmp(x.to, m->owner) == 0 || m->version <= x.version ||
	                 moved_was(r->env.store, txn, m->owner, x.to) != 1))
		return 0;
	if (ret != 0 && ret != CN_ENOTFOUND)
		return ret;
	if (records_id_of(m->id, m->owner))
		return 0;
	if ((ret = records_moved_ok(r, txn, m)) != 1)
		return ret < 0 ? ret : 0;
	memset(&x, 0, sizeof(x));
	/* from the owner held here (the index moves from it), else the id the
	 * owner had just before */
	if ((ret = rec_get(r, txn, m->id, &held)) == 0) {
		snprintf(x.from, sizeof(x.from), "%s", held.owner);
		rec_clear(&held);
	} else if (ret != CN_ENOTFOUND ||
	           (ret = moved_from(r->env.store, txn, m->owner, x.from, sizeof(x.from))) != 0) {
		return ret;
	}
	snprintf(x.to, sizeof(x.to), "%s", m->owner);
	snprintf(x.by, sizeof(x.by), "%s", m->owner);
	x.version = m->version - 1;
	x.at = m->changed_at;
	return rec_transfer_put(r, txn, m->id, &x);
}

/* The ids of the current records ("r:") whose owner is office (open only:
 * those not closed). */
static int ids_of(struct roles *r, MDB_txn *txn, const char *office, int open_only,
                  struct strvec *ids)
{
	MDB_cursor *cur;
	MDB_val k = {2, "r:"}, d;
	int ret, mrc;

	if ((ret = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_RECORDS), &cur),
	                     "records rekey")))
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		Carenet__StoredRecord *sr; /* the head only: the owner, nothing opened */
		if (k.mv_size < 3 || memcmp(k.mv_data, "r:", 2) != 0)
			break;
		if (!(sr = carenet__stored_record__unpack(NULL, d.mv_size, d.mv_data)) ||
		    !sr->head) {
			carenet__stored_record__free_unpacked(sr, NULL);
			ret = CN_ESTORE;
			break;
		}
		if (!strcmp(sr->head->owner, office) && !(open_only && sr->head->closed))
			ret = roles_vec_push(ids, sr->head->id);
		carenet__stored_record__free_unpacked(sr, NULL);
	}
	mdb_cursor_close(cur);
	if (ret == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		ret = store_err(mrc, "records rekey");
	return ret;
}

int records_foreign_of(struct roles *r, MDB_txn *txn, const char *office, struct strvec *ids)
{
	struct strvec all = {0};
	int ret = ids_of(r, txn, office, 0, &all);

	for (size_t i = 0; ret == 0 && i < all.n; i++) {
		if (records_id_of(all.v[i], office))
			continue;
		if ((ret = id_of_former(r, txn, all.v[i], office)) == 0)
			ret = roles_vec_push(ids, all.v[i]);
		else if (ret == 1)
			ret = 0;
	}
	roles_vec_free(&all);
	if (ret == 0)
		ret = records_pending_to(r, txn, office, ids);
	return ret;
}

int records_count_owner(struct roles *r, MDB_txn *txn, const char *office, uint64_t *n)
{
	struct strvec ids = {0};
	int ret = ids_of(r, txn, office, 0, &ids);

	*n = ids.n;
	roles_vec_free(&ids);
	return ret;
}

int records_open_of(struct roles *r, MDB_txn *txn, const char *office, struct strvec *ids)
{
	return ids_of(r, txn, office, 1, ids);
}

/* Version v+1 of record id, owned by nw: stored, indexed, emitted; 1 if
 * skipped (frozen: being transferred to another village). */
static int rekey_one(struct roles *r, MDB_txn *txn, const char *id, const char *old, const char *nw,
                     uint64_t now)
{
	Carenet__Field fbuf[REC_MAX_FIELDS], *fp[REC_MAX_FIELDS];
	char *changed[REC_MAX_FIELDS];
	Carenet__RecordVersion m;
	Carenet__Item it = CARENET__ITEM__INIT;
	struct rec_xfer x;
	struct rec rc;
	char why[256];
	int ret = rec_get(r, txn, id, &rc);

	if (ret != 0)
		return ret;
	if ((ret = records_frozen(r, txn, &rc, why, sizeof(why))) != 0) {
		rec_clear(&rc); /* a transfer to another village pending: it goes there */
		return ret < 0 ? ret : 1;
	}
	memset(&x, 0, sizeof(x));
	snprintf(x.from, sizeof(x.from), "%s", old);
	snprintf(x.to, sizeof(x.to), "%s", nw);
	snprintf(x.by, sizeof(x.by), "%s", nw);
	x.version = rc.version;
	x.at = now;
	snprintf(rc.owner, sizeof(rc.owner), "%s", nw);
	snprintf(rc.changed_by, sizeof(rc.changed_by), "%s", nw);
	rc.version++;
	rc.changed_at = now;
	rc.changed = 0; /* no field changes: only the owner */
	if ((ret = rec_transfer_put(r, txn, id, &x)) == 0 && (ret = rec_put(r, txn, &rc)) == 0 &&
	    (ret = records_owner_moved(r, txn, &rc)) == 0) {
		rec_fill_msg(&rc, &m, fbuf, fp, changed);
		it.body_case = CARENET__ITEM__BODY_RECORD_VERSION;
		it.record_version = &m;
		ret = r->env.emit(r->env.arg, txn, &it, NULL, 0);
	}
	rec_clear(&rc);
	return ret;
}

int records_rekey(struct roles *r, MDB_txn *txn, const char *old, const char *nw, uint64_t *n)
{
	struct strvec ids = {0};
	uint64_t now = roles_now(r);
	int ret;

	*n = 0;
	if (!r->env.seal || !r->env.open)
		return CN_EPERM;
	ret = ids_of(r, txn, old, 0, &ids);
	for (size_t i = 0; i < ids.n && ret == 0; i++) {
		if ((ret = rekey_one(r, txn, ids.v[i], old, nw, now)) == 0)
			(*n)++;
		else if (ret == 1)
			ret = 0;
	}
	roles_vec_free(&ids);
	return ret;
}
