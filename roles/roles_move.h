/*
 * roles_move: a village moves to another township of its county, or its code
 * changes within its township (区划调整; issue 14 item 5; docs/design.md
 * "Moves"). Roles top: it spans the
 * directives (statuses re-sent) and the records (re-keyed) domains.
 *
 * - `carenet move OLD NEW` at the county (control 160): checked, the Move
 *   item (items.proto 30) originated down to the old village (through the
 *   old township) and the new township, and the map kept (core/moved.h).
 * - Each of those applies it (move_apply): keeps the map; the old township
 *   reports its step "old" (the records it holds of OLD) up, the new one
 *   "ready"; for a code change the one township reports both, in that order.
 * - The village switches (`carenet move apply`, then its first turn: the
 *   "move:switch" mark in STORE_META, move_fire): every record of OLD
 *   re-keyed to NEW (records/rekey.c), the state of every directive in its
 *   inbox re-sent as NEW's, its step "switched" emitted after them on the
 *   bulk lane; one transaction.
 * - The new township, on the village's "switched", reports "new" (the
 *   records it holds of NEW then); the county keeps every step
 *   (move_step_apply) and `carenet move status` (control 161) shows them.
 */
#ifndef CARENET_ROLES_MOVE_H
#define CARENET_ROLES_MOVE_H

#include "roles_int.h"

uint64_t move_next_due(struct roles *r);
int move_fire(struct roles *r, MDB_txn *txn, uint64_t now);
int move_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
               const struct pki_identity *origin, const char *from, struct roles_route *route,
               char *why, size_t whylen);
int move_step_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                    const struct pki_identity *origin, const char *from, struct roles_route *route,
                    char *why, size_t whylen);
/* Control requests move (160) and move_status (161): rep->moves. */
int roles_move_req(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep);
int roles_move_status(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep);
void roles_move_free(Carenet__ControlReply *rep);
/* 1 if the county holds the village's step "switched" of its move OLD ->
 * NEW (it runs as NEW: nothing of it passes its old township any more), 0
 * if not, negative on error. */
int move_switched(struct roles *r, MDB_txn *txn, const char *old, const char *nw);
/* Records received by transfers a Move names at most (Move.records). */
#define MOVE_RECORDS_MAX 256
/* Emits this office's step of m (kept here too). */
int move_step_emit(struct roles *r, MDB_txn *txn, const Carenet__Move *m, const char *step,
                   uint64_t records, uint64_t statuses);
/* At the county, checked by the caller: the Move of village old to nw made,
 * kept and emitted (its id into id), audited. */
int move_make(struct roles *r, MDB_txn *txn, const char *old, const char *nw, char *id,
              size_t idlen);

/* ---- roles_move_town.c: a township's own code change (撤乡设镇) ---- */
/* The county's decision (control 160 with two township ids): the township's
 * Move and one per village known under it, in the caller's transaction. */
int move_town_decide(struct roles *r, MDB_txn *txn, const char *ot, const char *nt, char *id,
                     size_t idlen);
/* 1 if t (9 digits) is the NEW of a township's Move held here, 0 if not. */
int move_town_new(struct roles *r, MDB_txn *txn, const char *t);
/* A township's Move received (checked by move_apply as far as a village's
 * is; down: the township, then its villages): held; at OLDT itself its step
 * "old", and routed on to the villages, which hold it too. */
#define TOWN_VILLAGES_MAX 1000
int move_town_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                    struct roles_route *route, char *why, size_t whylen);
/* The township's first turn as NEWT: "ready" for every village Move into
 * NEWT held here (it accepts their NEW ids from now on). */
int move_town_ready(struct roles *r, MDB_txn *txn, uint64_t *n);

#endif
