/*
 * audit: the append-only, hash-chained audit log (store db "audit").
 *
 * Entry n holds hash_n = SHA-256(hash_{n-1} || serialized entry fields);
 * the head (last seq and hash) is kept in meta, so a modified, removed or
 * truncated entry is detected by audit_verify(). Who issued, relayed,
 * delivered, acknowledged, reminded, marked overdue, rectified what, when.
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

#endif
