/*
 * roles_close: an office is closed (撤销; issue 14 item 5; docs/design.md
 * "Moves", "Closing an office"): a township merged into another once its
 * villages moved away, a village whose children went elsewhere. Roles top:
 * it spans the registry, the directives' rows, the records and the moves.
 *
 * - `carenet move close OFFICE [--into OTHER]` at the county (control 162):
 *   checked (nothing below it, no village that moved out of it still to
 *   switch, no open record it owns), then in one transaction: every open
 *   matrix row of OFFICE here ends as retired (已撤销), the Close is kept
 *   (core/registry.h: registry_each lists OFFICE no more) and audited; for
 *   a village the Close item (items.proto 32) goes down to its township,
 *   which does the same with its rows (close_apply).
 * - `carenet move closed` (control 163) lists the closes held here.
 * A retired row is counted nowhere (not targeted, pending, overdue, late or
 * done: status.c, above.c, roles_bulletin.c, directive_control.c); a
 * status from the closed office arriving later leaves it retired.
 */
#ifndef CARENET_ROLES_CLOSE_H
#define CARENET_ROLES_CLOSE_H

#include "roles_int.h"

int close_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                const struct pki_identity *origin, const char *from, struct roles_route *route,
                char *why, size_t whylen);
/* Control requests close (162; rep->closes: the one made) and close_list
 * (163; rep->closes: every one held here). */
int roles_close_req(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep);
int roles_close_list(struct roles *r, const Carenet__ControlRequest *req,
                     Carenet__ControlReply *rep);
void roles_close_free(Carenet__ControlReply *rep);

#endif
