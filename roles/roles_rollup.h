/*
 * roles_rollup: above the county (issue 14). The monthly roll-up (R29
 * 月汇总上报) a county makes from its ledger at each month's end, that a
 * prefecture sums and forwards and a province keeps; the rule of what may
 * cross a county's upward link (roles_may_cross_up, roles.h); and
 * `ledger summary` at a province or prefecture from the latest roll-ups.
 * roles top: the county's roll-up reads the records domain.
 *
 * Stored in STORE_META: "rollup:last" (a county: the last month it rolled
 * up, "YYYY-MM"), "rollup:o:<office>" (the latest Rollup from an office
 * below, packed), "rollup:n:<office>:<month>" (how many of that month were
 * applied from it: one, unless something is wrong).
 */
#ifndef CARENET_ROLES_ROLLUP_H
#define CARENET_ROLES_ROLLUP_H

#include "roles_int.h"

/* A county whose policy says rollup: at the first turn of a month, its
 * roll-up of the month before, emitted once (the month is kept in the same
 * txn). UINT64_MAX from next_due for any other node. */
uint64_t rollup_next_due(struct roles *r);
int rollup_fire(struct roles *r, MDB_txn *txn, uint64_t now);

/* A Rollup received from below (see top). */
int rollup_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                 const struct pki_identity *origin, const char *from, struct roles_route *route,
                 char *why, size_t whylen);

/* Control request ledger_summary at a province or prefecture: rep->summary
 * per office below from its latest roll-up, rep->rollups, above_county. */
int rollup_summary(struct roles *r, const Carenet__LedgerSummaryRequest *q,
                   Carenet__ControlReply *rep);
void rollup_summary_free(Carenet__ControlReply *rep);

#endif
