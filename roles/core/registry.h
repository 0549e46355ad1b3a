/*
 * registry: the offices known below this node (announced from below), so
 * an issuer can expand "530102:village" into ids and track every target.
 * A node registers its own children at their first HELLO and forwards an
 * Announce up; every level above records it.
 * Thread: the node's thread; functions take the caller's transaction.
 * Errors: CN_ESTORE, CN_EMAPFULL (LMDB map full: replay), CN_ENOTFOUND.
 */
#ifndef CARENET_REGISTRY_H
#define CARENET_REGISTRY_H

#include <lmdb.h>

#include "pki.h"
#include "store.h"

/* Records (or updates) an office; returns 1 if it was new or changed, 0 if
 * already known the same way, negative on error. */
int registry_put(struct store *st, MDB_txn *txn, const char *id, enum pki_role role,
		 const char *name);
/* Name and role of a known office. */
int registry_get(struct store *st, MDB_txn *txn, const char *id, enum pki_role *role,
		 char *name, size_t namelen);
/* Calls fn for every known office under prefix (strictly below it) with
 * the given role (PKI_ROLE_NONE: any role), in id order; an office that
 * moved away (core/moved.h) is not listed: its new id is, from the
 * registry once it announced itself, else after the others (in the old
 * ids' order, with the old id's name) from the Move held here. fn returns
 * non-zero to stop; that value is returned. */
int registry_each(struct store *st, MDB_txn *txn, const char *prefix, enum pki_role role,
		  int (*fn)(const char *id, enum pki_role role, const char *name, void *arg),
		  void *arg);

#endif
