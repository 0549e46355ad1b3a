/*
 * roles/audit: the audit domain — checkpoints of an office's audit log
 * that its parent keeps, so a log cut short or rewritten (an entry changed
 * and every hash after it recomputed, which the unkeyed chain of
 * base/audit.c cannot show) is seen by someone who does not hold the store.
 *
 * checkpoints.h  this map; the domain's interface to roles/ above it
 * checkpoint.c   originating this office's checkpoint; a child's checkpoint
 *                received, compared with the ones kept; listing them and
 *                the alerts they raised
 * audit_control.c  the operator's requests: the log's entries, its
 *                verification, the children's checkpoints kept here
 *
 * Stored records (proto/state.proto CheckpointRecord, in STORE_META):
 *   "ckpt.self"                          this office's last checkpoint
 *   "ckpt:<child id>:" BE64 origin_seq   every checkpoint a child sent, in
 *                                        arrival order (origin_seq grows)
 *   "ckpt-alert:<child id>"              the text of the child's last alert
 *
 * May include: roles/core/ (roles_int.h), base/ and certs/ headers, files of
 * this folder. Must not include roles/ above it nor a sibling domain folder.
 * Thread: the node's thread only. Errors as in roles.h.
 */
#ifndef CARENET_CHECKPOINTS_H
#define CARENET_CHECKPOINTS_H

#include "roles_int.h"

/* Originates this office's checkpoint inside txn when its log has grown by
 * min_entries since the last one, or by anything and max_age seconds have
 * passed, or by anything and force is set; also whenever the log is shorter
 * than, or differs at, the last checkpoint (that is what the parent must
 * see). *made = 1 if one was emitted. A county (no parent) makes none. */
int checkpoint_make(struct roles *r, MDB_txn *txn, uint64_t min_entries, uint64_t max_age,
                    int force, int *made);
/* A child's checkpoint: kept; an alert (audit entry, "ckpt-alert:") when it
 * goes backwards or disagrees with one kept before. Only from a direct
 * child, on its own behalf. */
int checkpoint_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                     const struct pki_identity *origin, const char *from, struct roles_route *route,
                     char *why, size_t whylen);
/* The checkpoints kept (office "" = every child), oldest first per child,
 * into rep->checkpoints (malloc'd: checkpoint_views_free). */
int checkpoint_list(struct roles *r, MDB_txn *txn, const char *office, Carenet__ControlReply *rep);
void checkpoint_views_free(Carenet__ControlReply *rep);
/* Calls fn with each child's last alert ("<child>: <text>"). */
int checkpoint_alerts(struct roles *r, MDB_txn *txn, int (*fn)(const char *text, void *arg),
                      void *arg);

/* Operator requests (audit_control.c), routed by roles/roles_control.c:
 * the log's entries, its verification, the children's checkpoints. */
int audit_list_req(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep);
int audit_verify_req(struct roles *r, const Carenet__ControlRequest *req,
                     Carenet__ControlReply *rep);
int audit_checkpoints_req(struct roles *r, const Carenet__ControlRequest *req,
                          Carenet__ControlReply *rep);

#endif
