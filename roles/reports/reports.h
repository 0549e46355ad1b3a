/*
 * roles/reports: mandatory reports (强制报告, R12) and their hops (R17) —
 * issue 9. A report is filed at a village or a township (the county may
 * file one from a hotline call) and travels on the urgent lane up to the
 * township and the county at once; every step on it (ack, refer, update,
 * open_case, close, reopen, and the county's escalate) travels up to the
 * county and down to the reporting office. Nothing goes above the county.
 *
 * reports.h        this map; the domain's interface to roles/ above it
 * report.c         names; the store (sealed state, kept steps, ids seen,
 *                  timers, alerts)
 * report_state.c   a state in memory: the replay (holder, state, hops from
 *                  the report and its steps), the masked views
 * report_apply.c   a report or step received (checks, kept steps, route),
 *                  the county's deadline timers (escalate) and alerts
 * report_control.c control requests report_file, report_step, report_list,
 *                  report_show
 *
 * The state is REPLAYED from the report and its steps (sorted by time,
 * then by how many steps their office had seen, then id) on every change, so the same set of steps
 * gives the same state at every office whatever order they arrived in. A hop's due time comes with
 * the items (the filer's policy in Report.ack_due, the county's in an escalate step), so every
 * office shows the same deadlines.
 *
 * Ids: "<office>-rep<seq>" and "<office>-step<seq>", named by the engine
 * (roles_env.emit) from the item's origin sequence: a restored store's
 * sequences start a new epoch, so an office never gives an id twice.
 *
 * Stored (db escalations, all inside the caller's txn):
 *   "p:" report id               -> sealed ReportState (the whole state:
 *                                   personal fields and free text inside)
 *   "s:" report id '\0' step id  -> sealed ReportStep (a step whose report
 *                                   is not here yet: kept, applied when it
 *                                   arrives)
 *   "i:" id                      -> "" (a report or step id applied or
 *                                   kept here: the same id again is a no-op)
 *   "q:" due BE64 report id      -> "" (county: the earliest unacknowledged
 *                                   hop of a report; roles_fire escalates)
 *   "l:" report id               -> BE64 time (county: an escalation alert
 *                                   not yet answered by the county's ack)
 *
 * Authority (checked at every hop; the CLI side also checks the holder):
 * ack by an office above the reporting office, never the reporter itself;
 * refer, close, reopen by an office above it; update also by the reporter;
 * open_case and escalate by the county only. Times (filed, discovered,
 * police, a step's) may not lie more than REPORT_SKEW s after now.
 *
 * May include: roles/core/, base/ and certs/ headers, files of this folder.
 * Thread: the node's thread only. Errors as in roles.h; refusals write their
 * reason into why.
 */
#ifndef CARENET_REPORTS_H
#define CARENET_REPORTS_H

#include "roles_int.h"
#include "state.pb-c.h"

#define REPORT_ID_MAX 64
#define REPORT_SKEW 300        /* seconds a claimed time may lie ahead of now */
#define REPORT_MAX_TEXT 4096   /* bytes of one text field */
#define REPORT_MAX_STEPS 256   /* steps kept on one report */
#define REPORT_MAX_DUE 2592000 /* a hop's deadline at most 30 days after it was sent */

/* The records check the top supplies (roles_reports.c): 0 if `child` (a
 * child record id, non-empty) may be named by a report of `office`, else
 * CN_ESCOPE with why. May be NULL: only the id's prefix is checked. */
typedef int (*reports_child_fn)(struct roles *r, MDB_txn *txn, const char *child,
                                const char *office, char *why, size_t whylen);
/* What roles top does in the filing's transaction once the report has its
 * id (report file --hotline: the call's record names the report); its
 * refusal (reason in r->err) undoes the filing. */
typedef int (*reports_filed_fn)(struct roles *r, MDB_txn *txn, const char *report_id,
                                const Carenet__ReportFileRequest *q);

/* ---- report.c ---- (and the names roles.h declares for the CLI) */
/* A hop's deadline for urgency u under this node's policy. */
uint64_t report_ack_after(const struct roles *r, uint32_t u);
/* 1 if a is strictly above b (a prefix of it). */
int report_above(const char *a, const char *b);

/* ---- report_state.c ---- */
/* (report_replay, report_add_step, report_state_new, report_view below) */

/* The state of id (CN_ENOTFOUND); free with carenet__report_state__free_unpacked. */
int report_get(struct roles *r, MDB_txn *txn, const char *id, Carenet__ReportState **out);
/* Replays st (sorts its steps, derives holder, state, hops...) and stores
 * it; at the county it also moves the report's "q:" timer. */
int report_put(struct roles *r, MDB_txn *txn, Carenet__ReportState *st);
/* Derives holder, state, hops, case, closed from report and steps (sorted
 * in place). now: for `overdue`. */
int report_replay(struct roles *r, Carenet__ReportState *st, uint64_t now);
/* "i:" marks: 1 if id was seen; mark it. */
int report_seen(struct roles *r, MDB_txn *txn, const char *id, int *seen);
int report_mark(struct roles *r, MDB_txn *txn, const char *id);
/* Kept steps of a report not here yet. */
int report_keep_step(struct roles *r, MDB_txn *txn, const Carenet__ReportStep *s);
/* Calls fn with each kept step of report id (then deletes them). */
int report_take_steps(struct roles *r, MDB_txn *txn, const char *id,
                      int (*fn)(Carenet__ReportStep *s, void *arg), void *arg);
/* Adds a copy of s to st->steps (CN_ENOMEM; CN_ETOOBIG past REPORT_MAX_STEPS). */
int report_add_step(Carenet__ReportState *st, const Carenet__ReportStep *s);
/* A fresh state holding a copy of rep. */
int report_state_new(const Carenet__Report *rep, Carenet__ReportState **out);
/* A masked (or, with reveal, full) deep copy for a view; NULL on ENOMEM. */
Carenet__ReportState *report_view(const Carenet__ReportState *st, int reveal);
/* Each state in id order; fn returns non-zero to stop. */
int report_each(struct roles *r, MDB_txn *txn, int (*fn)(Carenet__ReportState *st, void *arg),
                void *arg);
/* County: the "q:" timers and "l:" alerts. */
int report_first_timer(struct roles *r, MDB_txn *txn, uint64_t *due, char *id, size_t idlen);
int report_alert_set(struct roles *r, MDB_txn *txn, const char *id, uint64_t at, int on);
int report_each_alert(struct roles *r, MDB_txn *txn,
                      int (*fn)(const char *id, uint64_t at, void *arg), void *arg);

/* ---- report_apply.c ---- */
/* Checks a report (as filed, or received from `from`; from NULL: filed
 * here): ids, texts, situations, urgency, times against now, the child. */
int report_check(struct roles *r, MDB_txn *txn, const Carenet__Report *rep, reports_child_fn child,
                 char *why, size_t whylen);
/* Checks a step's authority against its report (the signer by, office). */
int report_step_check(struct roles *r, MDB_txn *txn, const Carenet__ReportStep *s,
                      const Carenet__Report *rep, char *why, size_t whylen);
/* The reporting office's id now: NEW when a Move this node holds took it
 * there, else office (a pointer to buf or to office). */
const char *report_office_now(struct roles *r, MDB_txn *txn, const char *office, char *buf,
                              size_t len);
/* Applies a step to a held state (audited); the caller stores it. */
int report_step_take(struct roles *r, MDB_txn *txn, Carenet__ReportState *st,
                     const Carenet__ReportStep *s);
int reports_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                  const struct pki_identity *origin, const char *from, struct roles_route *route,
                  reports_child_fn child, char *why, size_t whylen);
int reports_step_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                       const struct pki_identity *origin, const char *from,
                       struct roles_route *route, char *why, size_t whylen);
uint64_t reports_next_due(struct roles *r);
int reports_fire(struct roles *r, MDB_txn *txn, uint64_t now);
int reports_alerts(struct roles *r, MDB_txn *txn, int (*fn)(const char *text, void *arg),
                   void *arg);

/* ---- report_control.c ---- */
int reports_file_req(struct roles *r, const Carenet__ReportFileRequest *q,
                     Carenet__ControlReply *rep, reports_child_fn child, reports_filed_fn filed);
int reports_step_req(struct roles *r, const Carenet__ReportStepRequest *q,
                     Carenet__ControlReply *rep);
/* Emits a step of this office on report id in txn, applied here at once
 * (checks the operator's rules: holder, state). r->err says why. */
int reports_step_txn(struct roles *r, MDB_txn *txn, const Carenet__ReportStepRequest *q);
int reports_list_req(struct roles *r, const Carenet__ReportListRequest *q,
                     Carenet__ControlReply *rep);
int reports_show_req(struct roles *r, const Carenet__ReportShowRequest *q,
                     Carenet__ControlReply *rep);
void reports_reply_free(Carenet__ControlReply *rep);
/* Every report held here (report list, masked) inside txn: the monthly
 * roll-up's count, in the engine's transaction. */
int reports_list_txn(struct roles *r, MDB_txn *txn, Carenet__ControlReply *rep);

#endif
