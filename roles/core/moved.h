/*
 * moved: the moves this node holds (区划调整; issue 14 item 5). A Move item
 * (items.proto 30, originated by the county, roles/roles_move.c) says that
 * village OLD is now NEW, under another township of the same county or its
 * own (a code change). Every node that holds it reads OLD's statuses and
 * records as NEW's: the directives' matrix counts NEW's statuses against
 * the target OLD
 * (directives/status.c), NEW may write on OLD's records (records/review.c),
 * an office whose village moved out of its subtree stops counting it
 * (records/ledger.c), and OLD is no longer listed below (registry.c).
 * One owner of the map: this file. Kept in STORE_META:
 *   "move:o:" OLD -> packed Move       "move:n:" NEW -> OLD
 * Thread: the node's; functions take the caller's transaction.
 * Errors: CN_ENOTFOUND (no move), CN_ESTORE, CN_EMAPFULL.
 */
#ifndef CARENET_MOVED_H
#define CARENET_MOVED_H

#include <lmdb.h>
#include <stddef.h>

#include "items.pb-c.h"
#include "store.h"

/* The STORE_META mark `carenet move apply` writes at the stopped village
 * (value: OLD) when it takes its new id; its first turn does the switch
 * (roles_move.c, move_fire) and deletes the mark in the same transaction. */
#define MOVED_SWITCH_KEY "move:switch"

/* Keeps m (checked by the caller); 1 if new, 0 if held the same already,
 * CN_EEXIST if OLD or NEW is held for another move. */
int moved_put(struct store *st, MDB_txn *txn, const Carenet__Move *m);
/* The Move of old (caller frees with carenet__move__free_unpacked). */
int moved_get(struct store *st, MDB_txn *txn, const char *old, Carenet__Move **out);
/* NEW of a moved office old; OLD of a moved-in office nw. */
int moved_to(struct store *st, MDB_txn *txn, const char *old, char *nw, size_t len);
int moved_from(struct store *st, MDB_txn *txn, const char *nw, char *old, size_t len);
/* A village moves at most this many times (its ids: the first and the
 * moves' NEWs); the chains below are walked at most so far. */
#define MOVED_CHAIN_MAX 4
/* 1 if id is one of the ids nw had before (its moves' OLDs, as far back as
 * the Moves held here say, each Move's `earlier` included), 0 if not,
 * negative on error. */
int moved_was(struct store *st, MDB_txn *txn, const char *nw, const char *id);
/* The id office has now, after every move held here (CN_ENOTFOUND: it did
 * not move). */
int moved_now(struct store *st, MDB_txn *txn, const char *office, char *now, size_t len);
/* The ids office had before, oldest first, from the Moves held here (as
 * moved_was reads them); *n of them, at most max. */
int moved_formers(struct store *st, MDB_txn *txn, const char *office, char (*ids)[16], size_t max,
                  size_t *n);
/* 1 if office moved to an id that is neither me nor below me (it left this
 * subtree), 0 if not, negative on error. */
int moved_out_of(struct store *st, MDB_txn *txn, const char *office, const char *me);
/* fn for every Move held, in OLD order; a non-zero return stops and is
 * returned. */
int moved_each(struct store *st, MDB_txn *txn, int (*fn)(const Carenet__Move *m, void *arg),
               void *arg);

#endif
