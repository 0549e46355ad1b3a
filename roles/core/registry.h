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

#include "items.pb-c.h"
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
 * moved away (core/moved.h) or was closed (below) is not listed: a moved
 * office's new id is, from the
 * registry once it announced itself, else after the others (in the old
 * ids' order, with the old id's name) from the Move held here. fn returns
 * non-zero to stop; that value is returned. */
int registry_each(struct store *st, MDB_txn *txn, const char *prefix, enum pki_role role,
		  int (*fn)(const char *id, enum pki_role role, const char *name, void *arg),
		  void *arg);

/*
 * Closed offices (撤销; roles/roles_close.c decides and applies): the
 * county's Close as held here, in STORE_META "close:o:" OFFICE, with the
 * number of matrix rows the close ended here in "close:r:" OFFICE (8 bytes
 * big-endian). registry_each never lists a closed office.
 */
/* 1 if office is closed here, 0 if not, negative on error. */
int registry_closed(struct store *st, MDB_txn *txn, const char *office);
/* Keeps c; 1 if new, 0 if held already (the same office). */
int registry_close_put(struct store *st, MDB_txn *txn, const Carenet__Close *c, uint64_t retired);
/* The Close of office (caller frees it with carenet__close__free_unpacked)
 * and the rows it ended here (retired may be NULL); CN_ENOTFOUND if open. */
int registry_close_get(struct store *st, MDB_txn *txn, const char *office, Carenet__Close **out,
                       uint64_t *retired);
/* fn for every Close held, in office order; a non-zero return stops and is
 * returned. */
int registry_close_each(struct store *st, MDB_txn *txn,
                        int (*fn)(const Carenet__Close *c, uint64_t retired, void *arg), void *arg);

#endif
