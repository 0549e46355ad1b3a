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

/* Months (China time): index = year * 12 + month - 1; its "YYYY-MM". */
int rollup_month_index(uint64_t t);
void rollup_month_name(int idx, char *out, size_t outlen);
/* The first second of month idx (China time), UTC seconds. */
uint64_t rollup_month_start(int idx);

/* fn with every office's latest roll-up held here (in office id order). */
typedef int (*rollup_each_fn)(const Carenet__Rollup *ro, void *arg);
int rollup_each_latest(struct roles *r, MDB_txn *txn, rollup_each_fn fn, void *arg);
/* The roll-up of office for month (NULL: its latest) held here and when it
 * was applied (0 before this was kept); *out freed with
 * carenet__rollup__free_unpacked. 0, CN_ENOTFOUND, CN_ESTORE. */
int rollup_get(struct roles *r, MDB_txn *txn, const char *office, const char *month,
               Carenet__Rollup **out, uint64_t *received_at);

/* roles_rollup_eval.c: a county's compliance results for its roll-up of
 * month (the standards of compliance.rollup_standards, judged at the
 * month's last day inside txn): res->results and results_at (free with
 * rollup_results_free). A standard that cannot be loaded or read is logged
 * and left out. rollup_results_ok: what a received roll-up's results may
 * hold (standard and indicator ids, a result, a number, a threshold:
 * nothing that names or numbers a person); CN_EINVAL with why. */
int rollup_results(struct roles *r, MDB_txn *txn, const char *month, Carenet__Rollup *res);
void rollup_results_free(Carenet__Rollup *res);
int rollup_results_ok(const Carenet__Rollup *ro, char *why, size_t whylen);

/* roles_rollup_view.c: compliance and the bulletin at a province or
 * prefecture over the counties' roll-ups (rep->province; the bulletin also
 * rep->bulletin). */
int rollup_compliance(struct roles *r, const Carenet__ComplianceRequest *q,
                      Carenet__ControlReply *rep);
int rollup_bulletin(struct roles *r, const Carenet__BulletinRequest *q,
                    Carenet__ControlReply *rep);
void rollup_view_free(Carenet__ControlReply *rep);

/* Control request ledger_summary at a province or prefecture: rep->summary
 * per office below from its latest roll-up, rep->rollups, above_county. */
int rollup_summary(struct roles *r, const Carenet__LedgerSummaryRequest *q,
                   Carenet__ControlReply *rep);
void rollup_summary_free(Carenet__ControlReply *rep);

#endif
