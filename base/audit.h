/*
 * audit: the append-only, hash-chained audit log (store db "audit").
 *
 * Entry n holds hash_n = SHA-256(hash_{n-1} || serialized entry fields);
 * the head (last seq and hash) is kept in meta, so a modified, removed or
 * truncated entry is detected by audit_verify(). Who issued, relayed,
 * delivered, acknowledged, reminded, marked overdue, rectified what, when.
 * The chain alone is unkeyed: whoever holds the store can change an entry
 * and recompute every hash after it, or cut the log short. What protects it
 * is outside this module: signed checkpoints (seq, head hash) the node sends
 * its parent (roles/audit/), which audit_verify_marks() checks the log
 * against. Nothing here signs; base/ knows no keys.
 * Thread: the node's thread; functions take the caller's transaction.
 * Errors: CN_ESTORE, CN_EMAPFULL, CN_ENOMEM; audit_verify: CN_EVERIFY with
 * the first bad entry described in why.
 */
#ifndef CARENET_AUDIT_H
#define CARENET_AUDIT_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "control.pb-c.h"
#include "store.h"

int audit_append(struct store *st, MDB_txn *txn, uint64_t time, const char *actor,
		 const char *action, const char *subject, const char *detail);
/* Entries with time >= since, oldest first, at most max (0 = all); the
 * views and their strings are malloc'd: free with audit_views_free. */
int audit_list(struct store *st, MDB_txn *txn, uint64_t since, size_t max,
	       Carenet__AuditView ***out, size_t *n);
void audit_views_free(Carenet__AuditView **v, size_t n);
int audit_verify(struct store *st, MDB_txn *txn, uint64_t *checked, char *why, size_t whylen);

#define AUDIT_HASH_LEN 32

/* The head: the last entry's seq and hash (0 and zeros for an empty log). */
int audit_head(struct store *st, MDB_txn *txn, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN]);
/* The hash stored with entry seq; CN_ENOTFOUND if there is no such entry,
 * CN_EVERIFY if it is malformed. */
int audit_hash_at(struct store *st, MDB_txn *txn, uint64_t seq, uint8_t hash[AUDIT_HASH_LEN]);

/* A point of the chain someone else holds (a checkpoint the parent kept). */
struct audit_mark {
	uint64_t seq;
	uint8_t hash[AUDIT_HASH_LEN];
};
enum audit_finding {
	AUDIT_OK = 0,
	AUDIT_BROKEN,    /* the chain itself does not verify (audit_verify's finding) */
	AUDIT_REWRITTEN, /* the recomputed hash at a mark differs from the mark's */
	AUDIT_TRUNCATED, /* the log ends before a mark */
};
/*
 * audit_verify, then the log against marks (any order, duplicates allowed):
 * the hash the chain gives at each mark's seq must be the mark's, and the
 * log must reach the highest mark. CN_EVERIFY with *finding and why naming
 * the entry numbers (for a rewrite: the last mark that still matches and the
 * first that does not, so the change lies between them). finding may be NULL.
 */
int audit_verify_marks(struct store *st, MDB_txn *txn, const struct audit_mark *marks, size_t n,
                       uint64_t *checked, enum audit_finding *finding, char *why, size_t whylen);

#endif
