/*
 * store: the node's LMDB environment in data_dir.
 *
 * One environment, named databases (enum store_db). Opened with MDB_NOTLS;
 * stale readers cleared at open. Writes go through store_write(), which
 * runs a callback inside one write transaction and commits it; on
 * MDB_MAP_FULL the transaction is aborted, the map doubled and the callback
 * replayed, so callbacks must be idempotent up to commit (derive everything
 * from the txn, keep side effects until store_write returns 0).
 * Thread: the node's thread only. Values read are valid until the txn ends.
 * Errors: CN_ESTORE (LMDB text logged), CN_ENOTFOUND, CN_ENOMEM, CN_EIO.
 */
#ifndef CARENET_STORE_H
#define CARENET_STORE_H

#include <lmdb.h>
#include <stddef.h>

enum store_db {
	STORE_META = 0,   /* schema version, node id, created */
	STORE_PEERS,      /* peer id -> last seen, cursors */
	STORE_OUTBOX,     /* (peer, lane, seq) -> item */
	STORE_CURSORS,    /* (peer, lane) -> last seq durably received */
	STORE_ORIGINS,    /* origin id -> highest origin seq applied */
	STORE_DIRECTIVES,
	STORE_STATUSES,
	STORE_RECORDS,
	STORE_ESCALATIONS,
	STORE_TIMERS,
	STORE_AUDIT,
	STORE_NDB
};

#define STORE_SCHEMA_VERSION 1

struct store;

typedef int (*store_txn_fn)(MDB_txn *txn, void *arg);

/* Opens (creating if needed, mode 0700 dir / 0600 files) the environment in
 * dir. map_size is the initial map size in bytes. Caller owns result. */
int store_open(const char *dir, size_t map_size, struct store **out);
void store_close(struct store **st);
MDB_dbi store_dbi(const struct store *st, enum store_db db);
/* Runs fn in one write transaction and commits; see header comment. fn
 * returns 0 to commit or a negative error to abort (returned as is). */
int store_write(struct store *st, store_txn_fn fn, void *arg);
/* Runs fn in a read-only transaction. */
int store_read(struct store *st, store_txn_fn fn, void *arg);
/* Convenience single-key helpers over STORE_META. get copies into buf
 * (returns length or negative error; CN_ETOOBIG if buf too small). */
int store_meta_put(struct store *st, const char *key, const void *val, size_t len);
int store_meta_get(struct store *st, const char *key, void *buf, size_t buflen);
/* Current map size and number of times it was grown (status counters). */
size_t store_map_size(const struct store *st);
unsigned store_grow_count(const struct store *st);
/* Copies the environment compacted to dir (backup). */
int store_backup(struct store *st, const char *dir);

#endif
