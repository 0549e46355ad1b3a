/*
 * roles_int: state shared by the files of roles/ (not for use outside it).
 *
 * roles.c      life cycle, roles_apply dispatch, names, the stored records
 * rules.c      who may originate what, and to whom (one table a role)
 * directive.c  issuing a directive, and receiving one (deliver / relay)
 * status.c     statuses, acks, reminders, escalations, announces received
 * deadline.c   persisted timers: reminders, overdue, rectification, circular
 * control.c    the operator commands and their views
 *
 * Stored records (proto/state.proto), all written inside the caller's txn:
 *   STORE_DIRECTIVES  directive id                  -> DirectiveRecord
 *   STORE_STATUSES    directive id '\0' target id   -> TargetRow (the matrix)
 *   STORE_INBOX       directive id                  -> InboxEntry (own state)
 *   STORE_TIMERS      due BE64 | directive id '\0' | kind byte -> kind byte
 */
#ifndef CARENET_ROLES_INT_H
#define CARENET_ROLES_INT_H

#include <stdarg.h>

#include "roles.h"
#include "state.pb-c.h"

#define ROLES_ID_MAX 64 /* directive ids: "<origin>-<seq>" */
#define ROLES_MAX_REF 128
#define ROLES_MAX_INDICATORS 64
#define ROLES_MAX_INDICATOR 64
#define ROLES_MAX_EVNAME 256
#define ROLES_DEFAULT_RECTIFY (7 * 86400u) /* policy->rectify_after == 0 */

enum timer_kind { TIMER_REMIND = 1, TIMER_OVERDUE = 2 };

struct roles {
	struct roles_env env;
	char **route; /* route->targets of the last roles_apply */
	size_t route_cap;
	char err[1024];        /* rep->error, rep->id, rep->detail of the last */
	char id[ROLES_ID_MAX]; /* roles_control (valid until the next call) */
	char detail[1024];
};

/* A growable list of malloc'd strings. */
struct strvec {
	char **v;
	size_t n, cap;
};

/* ---- roles.c: helpers ---- */
int roles_vec_push(struct strvec *sv, const char *s); /* copies s; CN_ENOMEM */
void roles_vec_free(struct strvec *sv);
uint64_t roles_now(const struct roles *r);
MDB_dbi roles_dbi(const struct roles *r, enum store_db db);
void roles_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends an audit entry at now; detail formatted. */
int roles_audit(struct roles *r, MDB_txn *txn, const char *actor, const char *action,
                const char *subject, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Cuts s to at most max bytes at a UTF-8 character boundary. */
/* Makes room for n route targets; CN_ENOMEM. */
int roles_route_reserve(struct roles *r, size_t n);
/* The origin part of a directive id "<origin>-<seq>"; CN_EINVAL if malformed. */
int roles_id_origin(const char *did, char *out, size_t outlen);
/* 1 if state is final (done or unable). */
int roles_state_closed(uint32_t state);
/* UTC "2026-11-29T08:00:00Z". out >= 24 bytes. */
void roles_fmt_utc(uint64_t t, char *out, size_t outlen);
/* "a,b,c" or "prefix:role" of a Targets spec, truncated to outlen. */
void roles_spec_text(const Carenet__Targets *t, char *out, size_t outlen);

/* Records: get returns 0, CN_ENOTFOUND, CN_ESTORE (does not decode);
 * *out is freed by the matching protobuf-c free_unpacked(x, NULL). */
int roles_get_directive(struct roles *r, MDB_txn *txn, const char *did,
                        Carenet__DirectiveRecord **out);
int roles_put_directive(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec);
int roles_get_row(struct roles *r, MDB_txn *txn, const char *did, const char *target,
                  Carenet__TargetRow **out);
int roles_put_row(struct roles *r, MDB_txn *txn, const char *did, const char *target,
                  const Carenet__TargetRow *row);
int roles_get_inbox(struct roles *r, MDB_txn *txn, const char *did, Carenet__InboxEntry **out);
int roles_put_inbox(struct roles *r, MDB_txn *txn, const char *did, const Carenet__InboxEntry *e);
/* Calls fn for each matrix row of did, in target id order (the row is
 * valid during the call only); fn returns non-zero to stop. */
int roles_each_row(struct roles *r, MDB_txn *txn, const char *did,
                   int (*fn)(const char *target, Carenet__TargetRow *row, void *arg), void *arg);

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
};
/* Checks, emits, records (directive, matrix rows pending, timers), audits.
 * id_out (ROLES_ID_MAX) receives the new id. */
int directive_issue(struct roles *r, MDB_txn *txn, const struct issue_spec *s, char *id_out,
                    char *why, size_t whylen);
int directive_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                    const struct pki_identity *origin, const char *from, struct roles_route *route,
                    char *why, size_t whylen);

/* ---- status.c ---- */
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
/* The operator's acknowledgement of a directive in this office's inbox. */
int status_ack(struct roles *r, MDB_txn *txn, const Carenet__AckRequest *ack, char *why,
               size_t whylen);
/* Checks a note and evidence list (sizes, hash lengths). */
int status_check_payload(const char *note, Carenet__Evidence *const *ev, size_t nev, char *why,
                         size_t whylen);

/* ---- deadline.c ---- */
/* Persists the issuer's timers of a directive it just issued. */
int deadline_schedule(struct roles *r, MDB_txn *txn, const Carenet__Directive *d, uint64_t created);

#endif
