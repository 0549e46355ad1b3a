/*
 * roles/directives: the directives domain — directives, statuses and the
 * deadlines that chase them (architecture.md, "Roles and authority").
 *
 * directives.h  this map; the domain's interface to roles/ above it
 * rules.c/.h    who may originate what, and to whom (one table a role)
 * directive.c   issuing a directive, and receiving one (deliver / relay)
 * status.c      statuses, acks, reminders, escalations, announces and
 *               revocations received
 * deadline.c    persisted timers: reminders, overdue, rectification, circular
 * above.c       above the county (issue 14): a county's relay of a
 *               directive from a province or prefecture, the tallies it
 *               sends up and the prefecture's sums, their views
 * directive_control.c  the operator's requests (issue, list, show, inbox,
 *               ack) and the views they answer with
 *
 * May include: roles/core/ (roles_int.h, registry.h), base/ and certs/
 * headers, files of this folder. Must not include roles/ above it
 * (roles.c, roles_control.c) nor a sibling domain folder: roles.c and
 * roles_control.c call down into this header, never the reverse.
 *
 * Thread: the node's thread only. Errors as in roles.h; a refusal writes
 * its reason into why.
 */
#ifndef CARENET_DIRECTIVES_H
#define CARENET_DIRECTIVES_H

#include "roles_int.h"

#define ROLES_MAX_REF 128
#define ROLES_MAX_INDICATORS 64
#define ROLES_MAX_INDICATOR 64
#define ROLES_MAX_EVNAME 256

/* ---- directive.c ---- */
struct issue_spec {
	uint32_t kind;
	const char *title, *body, *ref;
	Carenet__Targets *targets; /* as written */
	char **expanded;
	size_t nexpanded;
	uint64_t due;
	char **indicators;
	size_t nindicators;
	const uint64_t *remind; /* NULL: the policy's defaults */
	size_t nremind;
	const char *action; /* audit action: issue, rectify, circular */
	const char *note;   /* audit detail suffix, may be NULL */
	const char *id;     /* a county's relay: its derived id ("" or NULL: the engine's) */
	const char *parent; /* a county's relay: the directive it relays */
	const char *relay;  /* above the county: township, village or "" */
};
/* Checks, emits, records (directive, matrix rows pending, timers), audits.
 * id_out (ROLES_ID_MAX) receives the new id. */
int directive_issue(struct roles *r, MDB_txn *txn, const struct issue_spec *s, char *id_out,
                    char *why, size_t whylen);
int directive_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                    const struct pki_identity *origin, const char *from, struct roles_route *route,
                    char *why, size_t whylen);

/* ---- status.c ---- */
/* The statuses kept for directive rec (they came before it) applied to its
 * rows, in the directive's apply transaction. */
int status_take_kept(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec);
int status_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                 const struct pki_identity *origin, const char *from, struct roles_route *route,
                 char *why, size_t whylen);
int reminder_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                   const struct pki_identity *origin, const char *from, struct roles_route *route,
                   char *why, size_t whylen);
int escalation_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                     const struct pki_identity *origin, const char *from, struct roles_route *route,
                     char *why, size_t whylen);
int announce_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                   const struct pki_identity *origin, const char *from, struct roles_route *route,
                   char *why, size_t whylen);
int revocation_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                     const struct pki_identity *origin, const char *from, struct roles_route *route,
                     char *why, size_t whylen);
/* 1 if directive did was issued above this node (its id names an office
 * above it), 0 if not: a village that moved to another township no longer
 * reaches its old township, whose directives it still holds. */
int status_issued_above(struct roles *r, const char *did);
/* The operator's acknowledgement of a directive in this office's inbox. */
int status_ack(struct roles *r, MDB_txn *txn, const Carenet__AckRequest *ack, char *why,
               size_t whylen);
/* Checks a note and evidence list (sizes, hash lengths). */
int status_check_payload(const char *note, Carenet__Evidence *const *ev, size_t nev, char *why,
                         size_t whylen);

/* ---- deadline.c ---- */
/* Persists the issuer's timers of a directive it just issued. */
int deadline_schedule(struct roles *r, MDB_txn *txn, const Carenet__Directive *d, uint64_t created);
/* A directive tally of did to send at the next turn (above.c). */
int deadline_tally(struct roles *r, MDB_txn *txn, const char *did);
/* UTC seconds of the next due timer (UINT64_MAX if none). */
uint64_t deadline_next_due(struct roles *r);
/* Fires every timer due at now inside txn (roles_fire). */
int deadline_fire(struct roles *r, MDB_txn *txn, uint64_t now);

/* ---- above.c ---- */
/* A county received rec's directive from a province or prefecture as a
 * target: issues its relay to its townships or villages (relay), once. */
int above_relay(struct roles *r, MDB_txn *txn, const Carenet__Item *item);
/* A status changed a row of rec's directive: at a county, of its relay,
 * the tally is scheduled (deadline_tally). */
int above_changed(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec);
/* The tally timer of rec: a county's count of its relay, a prefecture's sum. */
int above_tally_fire(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec,
                     uint64_t now);
int tally_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                const struct pki_identity *origin, const char *from, struct roles_route *route,
                char *why, size_t whylen);
/* At a province or prefecture: v's tallies and late counties; at a county:
 * the relay's parent. */
int above_view(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec,
               Carenet__DirectiveView *v);
void above_view_free(Carenet__DirectiveView *v);

/* Operator requests (directive_control.c), routed by roles/roles_control.c:
 * the answer goes into rep; refusals leave the reason in r->err. */
int directives_issue_req(struct roles *r, const Carenet__ControlRequest *req,
                         Carenet__ControlReply *rep);
int directives_list_req(struct roles *r, const Carenet__ControlRequest *req,
                        Carenet__ControlReply *rep);
int directives_show_req(struct roles *r, const Carenet__ControlRequest *req,
                        Carenet__ControlReply *rep);
int directives_inbox_req(struct roles *r, const Carenet__ControlRequest *req,
                         Carenet__ControlReply *rep);
int directives_ack_req(struct roles *r, const Carenet__ControlRequest *req,
                       Carenet__ControlReply *rep);
void directives_views_free(Carenet__ControlReply *rep);
/* Every directive's view (directive list --state all) inside txn: the
 * monthly roll-up's count, in the engine's transaction. */
int directives_list_txn(struct roles *r, MDB_txn *txn, Carenet__ControlReply *rep);

#endif
