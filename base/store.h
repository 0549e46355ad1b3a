/*
 * store: the node's LMDB environment in data_dir.
 *
 * One environment, named databases (enum store_db). Opened with MDB_NOTLS;
 * stale readers cleared at open. Writes go through store_write(), which
 * runs a callback inside one write transaction and commits it; on
 * MDB_MAP_FULL the transaction is aborted, the map doubled and the callback
 * replayed, so callbacks must be idempotent up to commit (derive everything
 * from the txn, keep side effects until store_write returns 0).
 * A callback whose mdb_put/mdb_del returns MDB_MAP_FULL must return
 * CN_EMAPFULL (store_err() does that translation); any other error aborts.
 * Never call store_write/store_read/store_backup from inside a callback.
 * Thread: the node's thread only. Values read are valid until the txn ends.
 * Errors: CN_ESTORE (LMDB text logged), CN_ENOTFOUND, CN_ENOMEM, CN_EIO.
 */
#ifndef CARENET_STORE_H
#define CARENET_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

enum store_db {
	STORE_META = 0, /* schema version, node id, created */
	STORE_PEERS,    /* peer id -> last seen, cursors */
	STORE_OUTBOX,   /* (peer, lane, seq) -> item */
	STORE_CURSORS,  /* (peer, lane) -> last seq durably received */
	STORE_ORIGINS,  /* origin id -> highest origin seq applied */
	STORE_DIRECTIVES,
	STORE_STATUSES,
	STORE_RECORDS,
	STORE_ESCALATIONS,
	STORE_TIMERS,
	STORE_AUDIT,
	STORE_REGISTRY,   /* descendant office id -> role, name (announced from below) */
	STORE_INBOX,      /* directive id -> this office's own state (targets) */
	STORE_ARCHIVE,    /* (peer, lane, seq) -> acknowledged outbox entry, kept a while */
	STORE_NDB
};

/* meta "schema" holds this as a big-endian uint32; a newer one is refused. */
#define STORE_SCHEMA_VERSION 1
/* store_write grows the map at most this many times per call. */
#define STORE_MAX_GROWS 8

struct store;

typedef int (*store_txn_fn)(MDB_txn *txn, void *arg);

/* Opens (creating if needed, mode 0700 dir / 0600 files; an existing
 * looser dir is tightened) the environment in dir. map_size is the initial
 * map size in bytes; a larger size already recorded in the environment
 * wins. CN_ESTORE if the schema is newer than STORE_SCHEMA_VERSION.
 * Caller owns result (store_close). */
int store_open(const char *dir, size_t map_size, struct store **out);
void store_close(struct store **st);
MDB_dbi store_dbi(const struct store *st, enum store_db db);
/* Runs fn in one write transaction and commits; see header comment. fn
 * returns 0 to commit or a negative error to abort (returned as is).
 * CN_ESTORE if the map is still full after STORE_MAX_GROWS grows. */
int store_write(struct store *st, store_txn_fn fn, void *arg);
/* store_write whose commit a system crash may undo, never tear: for writes
 * whose loss is harmless, such as deleting acknowledged outbox entries (the
 * peer gets them again and drops them as duplicates). LMDB's MDB_NOMETASYNC:
 * the data pages are flushed, the meta page that makes them current is not
 * (the next store_write's flush carries it). Not MDB_NOSYNC: without a flush
 * the kernel may write the new meta page before the pages it points to, and
 * a power cut in between leaves a store that cannot be opened. */
int store_write_lazy(struct store *st, store_txn_fn fn, void *arg);
/* Runs fn in a read-only transaction; returns fn's result. */
int store_read(struct store *st, store_txn_fn fn, void *arg);
/* fn in a transaction nested in parent (an open write transaction): its
 * writes join parent's when fn returns 0 and are undone otherwise; parent
 * commits (or not) as a whole. For a callback that runs several writes
 * that must fail one at a time (deliver_group). */
int store_nested(MDB_txn *parent, store_txn_fn fn, void *arg);
/* Translates an LMDB return code, once, at the call site: 0 -> 0,
 * MDB_NOTFOUND -> CN_ENOTFOUND, MDB_MAP_FULL -> CN_EMAPFULL (silent),
 * ENOMEM -> CN_ENOMEM, other errno -> CN_EIO, other LMDB codes ->
 * CN_ESTORE; failures are logged as "store: WHAT: <LMDB text>". */
int store_err(int mdb_rc, const char *what);
/* A uint64 value (big-endian on disk) under key in db. put returns 0 or
 * store_err()'s translation (CN_EMAPFULL included); get returns 0,
 * CN_ENOTFOUND, or CN_ESTORE if the value is not 8 bytes. */
int store_put_u64(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, uint64_t v);
int store_get_u64(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, uint64_t *v);
/* Convenience single-key helpers over STORE_META. get copies into buf
 * (returns length or negative error; CN_ETOOBIG if buf too small). */
int store_meta_put(struct store *st, const char *key, const void *val, size_t len);
int store_meta_get(struct store *st, const char *key, void *buf, size_t buflen);
/* Current map size and number of times it was grown (status counters). */
size_t store_map_size(const struct store *st);
unsigned store_grow_count(const struct store *st);
/* Copies the environment compacted (MDB_CP_COMPACT) to dir/data.mdb, a
 * consistent hot copy. dir is created 0700 (parents too) or must be an
 * empty directory (CN_EEXIST otherwise); the copy is 0600 and fsynced.
 * Opens with store_open(). */
int store_backup(struct store *st, const char *dir);
/* The same copy into one file: written beside path under a temporary name
 * (mkstemp), fsynced, mode 0600, then renamed onto path (excl: never
 * replacing one, CN_EEXIST). *bytes gets the copy's size. A read
 * transaction for the copy's length; writers are not blocked (LMDB). */
int store_backup_file(struct store *st, const char *path, int excl, uint64_t *bytes);

#endif
