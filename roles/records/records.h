/*
 * roles/records: field records (issue 8; ../shared/docs/records.md) — one
 * generic record (id, type, owner, version, fields, closed) whose versions
 * the owner originates and every office above it applies up to the county.
 *
 * records.h   this map; the domain's interface to roles/ above it
 * schema.c    the record types as data (struct rec_type, roles.h)
 * validate.c  every check of a value and of a record: kinds, enums, sets,
 *             dates, 身份证号 (GB 11643-1999), phones, required and
 *             conditional fields; normalizes values
 * record.c    struct rec (a record in memory), masking, and the store:
 *             personal fields sealed through roles_env.seal/open
 * flow.c      the owner's writes (add, update, close, import: all or
 *             nothing) and records_apply (a version received from below)
 * view.c      list, show, history; reveal and its audit entry
 * review.c    review (审核) kept beside a record; transfer to another
 *             village and the new owner's accept; who may write a record
 *             whose owner changed
 * ledger.c    ledger summary (counts, no personal field) and --stale
 * scan.c      records_each: one type's open records under an owner prefix,
 *             one at a time (roles top feeds roles/compliance with it)
 * record_csv.c a CSV ledger read into RecordInputs (roles.h: roles_record_csv),
 *             the one reader for `record import` and the web's import
 *             form; the node never calls it
 * cases.c     R14 cases at the county: records_case_open (also called by
 *             roles top for `report open-case`), case show (the case and
 *             every record referring to it), records_case_held,
 *             records_hotline_reported (report file --hotline)
 *
 * Stored (db records, all inside the caller's txn):
 *   "r:" id                    -> StoredRecord (current version)
 *   "h:" id '\0' version BE64  -> StoredRecord (every version, history)
 *   "t:" type '\0' id          -> "" (list by type and owner prefix: ids
 *                                 begin with the owner's id)
 *   "n"                        -> BE64 the last record number of this office
 *   "v:" id                    -> sealed RecordReview (the latest review)
 *   "x:" id                    -> StoredTransfer (the latest transfer)
 *   "o:" type '\0' owner '\0' id -> "" (a record whose owner is not the
 *                                 one its id names: moved in)
 *
 * May include: roles/core/, base/ and certs/ headers, files of this folder.
 * Thread: the node's thread only. Errors as in roles.h; refusals write their
 * reason into why (or, for the operator's writes, one line per problem).
 */
#ifndef CARENET_RECORDS_H
#define CARENET_RECORDS_H

#include "records.pb-c.h"
#include "roles_int.h"

#define REC_ID_MAX 64
#define REC_MAX_BATCH 100000 /* records in one write request */
#define RECORDS_TYPE_NAMES                                                                  \
	"office, division, document, staff, training, meeting, child, activity, visit, "     \
	"hotline, case, application, assessment, intervention, placement, support, incident, "  \
	"organisation, budget or attestation"

/* A record in memory: values indexed by the type's schema rows. */
struct rec {
	const struct rec_type *t;
	char id[REC_ID_MAX];
	char owner[PKI_ID_MAX];
	uint64_t version;
	int closed;
	char *reason, *note;
	uint64_t changed_at;
	char changed_by[PKI_ID_MAX];
	uint64_t changed; /* bit i: field i differs from the previous version */
	char *val[REC_MAX_FIELDS];
	unsigned col[REC_MAX_FIELDS]; /* requests: the CSV column of each value */
};

/* ---- validate.c ---- */
/* Checks and normalizes every value of rc (in place), then the record's
 * rules (required, conditional, id number against birth date). Appends one
 * line per problem to errs: "LINE:COLUMN: 名 (name) what is wrong, what is
 * expected" (no position when line is 0). now: the node's clock (dates
 * after today in the easternmost zone are "in the future"). Returns the
 * number of problems, or CN_ENOMEM. */
int records_validate(struct rec *rc, unsigned line, uint64_t now, struct strvec *errs);
/* 1 if s is a valid 18-character 身份证号 (check digit, birth date). */
int records_idnum_ok(const char *s);
/* 1 if value v of field f holds member m (an enum equal, a set holding it). */
int records_has(const struct rec_field *f, const char *v, const char *m);

/* ---- record.c ---- */
void rec_clear(struct rec *rc);
/* Sets value i (copies v; "" or NULL clears it). CN_ENOMEM. */
int rec_set(struct rec *rc, size_t i, const char *v);
/* From a received or stored version: CN_EINVAL (why) for an unknown type or
 * field, a value over REC_MAX_VALUE, a field given twice. */
int rec_from_msg(struct rec *rc, const Carenet__RecordVersion *m, char *why, size_t whylen);
/* A deep copy as a message (the view; masked unless reveal). Free with
 * rec_msg_free. NULL on ENOMEM. */
Carenet__RecordVersion *rec_to_msg(const struct rec *rc, int reveal);
void rec_msg_free(Carenet__RecordVersion *m);
/* Packs rc as an item body's RecordVersion (every field) into *m, whose
 * arrays (fbuf, fp: REC_MAX_FIELDS each) the caller provides. */
void rec_fill_msg(const struct rec *rc, Carenet__RecordVersion *m, Carenet__Field *fbuf,
                  Carenet__Field **fp, char **changed);
/* The masked form of a personal value (张*明, 5301**********123X); out
 * >= REC_MAX_VALUE bytes. */
void rec_mask(const struct rec_field *f, const char *v, char *out, size_t outlen);

/* Store: the current version (CN_ENOTFOUND), version `ver` from history, and
 * writing a version (current, history, index). Opening needs env.open. */
int rec_get(struct roles *r, MDB_txn *txn, const char *id, struct rec *out);
int rec_get_version(struct roles *r, MDB_txn *txn, const char *id, uint64_t ver,
                    struct rec *out);
/* Only the current version number (no opening); CN_ENOTFOUND. */
int rec_current_version(struct roles *r, MDB_txn *txn, const char *id, uint64_t *ver);
int rec_put(struct roles *r, MDB_txn *txn, const struct rec *rc);
/* Only the "h:" history entry of rc's version (a transferred record's
 * snapshot before its new owner accepts it). */
int rec_put_history(struct roles *r, MDB_txn *txn, const struct rec *rc);
/* Decodes a stored value into rc (opening the sealed part). */
int rec_decode(struct roles *r, const MDB_val *d, struct rec *out);

/* ---- flow.c ---- */
/* REC_OWN_COUNTY, _TOWNSHIP or _VILLAGE by the id's length (0: other). */
unsigned records_tier(const char *office);
/* 1 if office may own a record of type t (rec_type.owners); else 0 and why. */
int records_may_own(const struct rec_type *t, const char *office, char *why, size_t wl);
/* The operator's write (control request record_write): every input checked
 * (errors into errs), then all written and emitted in txn, or none. ids
 * receives the id of each record written. CN_EINVAL when errs has lines. */
int records_write(struct roles *r, MDB_txn *txn, const Carenet__RecordWriteRequest *q,
                  struct strvec *errs, struct strvec *ids);
int records_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                  const struct pki_identity *origin, const char *from, struct roles_route *route,
                  char *why, size_t whylen);

/* ---- review.c ---- */
struct rec_review {
	int held, approve;
	uint64_t version, at;
	char by[PKI_ID_MAX];
	char *note;
};
struct rec_xfer {
	char from[PKI_ID_MAX], to[PKI_ID_MAX], by[PKI_ID_MAX];
	uint64_t version, at;
};
/* 1 if office a is above office b (a strict prefix). */
int records_above(const char *a, const char *b);
/* 1 if id is "<owner>-r..." */
int records_id_of(const char *id, const char *owner);
/* The latest review of id (CN_ENOTFOUND); clear with rec_review_clear. */
int rec_review_get(struct roles *r, MDB_txn *txn, const char *id, struct rec_review *out);
void rec_review_clear(struct rec_review *rv);
/* none, pending (changed since the review), approved or returned. */
const char *rec_review_state(const struct rec *rc, const struct rec_review *rv);
int rec_transfer_get(struct roles *r, MDB_txn *txn, const char *id, struct rec_xfer *out);
int rec_transfer_put(struct roles *r, MDB_txn *txn, const char *id, const struct rec_xfer *x);
/* A received version's owner may write it: its id's owner without a
 * transfer; with one, the old owner up to the transfer's version and the
 * new owner after it. CN_EINVAL / CN_EROLE with why. */
int records_owner_ok(struct roles *r, MDB_txn *txn, const Carenet__RecordVersion *m, char *why,
                     size_t wl);
/* After rc (a version of a moved record) is stored: the "o:" index. */
int records_owner_moved(struct roles *r, MDB_txn *txn, const struct rec *rc);
/* 1 (why) if the owner may not write rc: a transfer of it is pending. */
int records_frozen(struct roles *r, MDB_txn *txn, const struct rec *rc, char *why, size_t wl);
int records_review_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                         const struct pki_identity *origin, const char *from,
                         struct roles_route *route, char *why, size_t whylen);
int records_transfer_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                           const struct pki_identity *origin, const char *from,
                           struct roles_route *route, char *why, size_t whylen);
/* Control requests record_review, record_transfer, record_accept. */
int records_review_req(struct roles *r, const Carenet__RecordReviewRequest *q,
                       Carenet__ControlReply *rep);
int records_transfer_req(struct roles *r, const Carenet__RecordTransferRequest *q,
                         Carenet__ControlReply *rep);
int records_accept_req(struct roles *r, const Carenet__RecordShowRequest *q,
                       Carenet__ControlReply *rep);

/* ---- rekey.c: a village that moved (区划调整; roles/roles_move.c, core/moved.h) ---- */
/* 1 if m's owner is a village that moved in from old (moved.h) and the
 * record is old's (its id, or the owner held here): NEW writes it on. */
int records_moved_ok(struct roles *r, MDB_txn *txn, const Carenet__RecordVersion *m);
/* Before a received version of such a record is stored: records the move as
 * a transfer (x:, from old to the owner at the version before), so the
 * transfer rules and the "o:" index apply from then on. */
int records_moved_mark(struct roles *r, MDB_txn *txn, const Carenet__RecordVersion *m);
/* At the village, switching: every current record owned by old gets a new
 * version owned by nw (same fields), stored and emitted; *n counts them. */
int records_rekey(struct roles *r, MDB_txn *txn, const char *old, const char *nw, uint64_t *n);
/* Records held here whose owner is office (open or closed). */
int records_count_owner(struct roles *r, MDB_txn *txn, const char *office, uint64_t *n);
/* The ids of the open records held here whose owner is office. */
int records_open_of(struct roles *r, MDB_txn *txn, const char *office, struct strvec *ids);
/* The ids of the current records office owns whose ids are not of office
 * or of an id it had before (received by a transfer), and of the transfers
 * to it not accepted yet (it accepts them after a move, under its new id),
 * into ids. */
int records_foreign_of(struct roles *r, MDB_txn *txn, const char *office, struct strvec *ids);
/* The ids of the transfers to office held here and not accepted yet ("x:"
 * entries whose record holds no version past the one it moved with). */
int records_pending_to(struct roles *r, MDB_txn *txn, const char *office, struct strvec *ids);

/* ---- ledger.c ---- */
/* Control request ledger_summary (rep->summary). */
int records_summary(struct roles *r, const Carenet__LedgerSummaryRequest *q,
                    Carenet__ControlReply *rep);
void records_summary_free(Carenet__ControlReply *rep);
/* The same counts inside txn for owners under office ("" = all): *v
 * malloc'd, freed with records_counts_free (the monthly roll-up). */
int records_summary_txn(struct roles *r, MDB_txn *txn, const char *office,
                        Carenet__SummaryCount ***v, size_t *n);
void records_counts_free(Carenet__SummaryCount **v, size_t n);
/* Children (open, of this list's office prefix) last verified before
 * `before` (YYYY-MM-DD): verified_at or a visit of kind 核实更新 naming
 * the child. Fills a sorted id set (free with records_idset_free). */
struct rec_idset {
	char **v;
	size_t n;
};
int records_verified(struct roles *r, MDB_txn *txn, struct rec_idset *s, const char *since);
int records_idset_has(const struct rec_idset *s, const char *id);
void records_idset_free(struct rec_idset *s);

/* ---- cases.c ---- */
/* Opens an R14 case owned by this office (the county only: CN_EROLE
 * otherwise), opened_at = the node's clock, status 在办 (open): source is
 * R12, R13, R11, R15 or other, source_ref the id it comes from, child a
 * record id or "" (then description says who). Written, emitted and audited
 * as any record write, inside txn; its id into id_out. Refusals (CN_EROLE,
 * CN_EINVAL) leave the reason in r->err. */
int records_case_open(struct roles *r, MDB_txn *txn, const char *source, const char *source_ref,
                      const char *child, const char *description, char *id_out, size_t idlen);
/* `report file --hotline CALL` at the county: the R13 call's `report` field
 * names report_id (an update of the call, emitted as any record write).
 * CN_ENOTFOUND / CN_EINVAL (not a hotline call of this office, or it names a
 * report already), reason in r->err. */
int records_hotline_reported(struct roles *r, MDB_txn *txn, const char *call,
                             const char *report_id);
/* Control requests: record_write with case_open (rep->record_ids: the
 * id), record_show with related (rep->records: the case, then every record
 * held here that refers to it). */
int records_case_open_req(struct roles *r, const Carenet__CaseOpenRequest *q,
                          Carenet__ControlReply *rep);
int records_case_show(struct roles *r, const Carenet__RecordShowRequest *q,
                      Carenet__ControlReply *rep);
/* The references a record's validation cannot see, checked where they are
 * held: a case's consultation names a meeting (R08) of body 部门会商 held
 * here; at the county, a record's `case` names a case held here. 1 (why)
 * if one does not, 0, or a store error. */
int records_case_refs(struct roles *r, MDB_txn *txn, const struct rec *rc, char *why, size_t wl);
/* 1 if id is a case (R14) held here, 0 if not, or a store error. */
int records_case_held(struct roles *r, MDB_txn *txn, const char *id);
/* "YYYY-MM-DD HH:MM" in China time (UTC+8): an RK_TIME value of t. */
void records_time_text(uint64_t t, char *out, size_t len);

/* ---- scan.c ---- */
/* fn for every open record of type t whose owner begins with prefix (exact:
 * is prefix), through the "t:" and "o:" indexes inside txn; rc is valid
 * during the call only. personal: open the sealed fields (else they are
 * NULL: the record is not opened at all). fn's non-zero return stops and is
 * returned; store errors pass through. */
int records_each(struct roles *r, MDB_txn *txn, const struct rec_type *t, const char *prefix,
                 int exact, int personal, int (*fn)(const struct rec *rc, void *arg),
                 void *arg);
/* The same over the read-only type t (`review`, schema.c): each open child
 * of the scope as a record of t (id and owner the child's) holding its
 * categories (personal), sys_welfare_at, sys_lb_at and its review's state,
 * date and reviewer's tier. */
int records_review_each(struct roles *r, MDB_txn *txn, const struct rec_type *t,
                        const char *prefix, int exact, int personal,
                        int (*fn)(const struct rec *rc, void *arg), void *arg);

/* ---- view.c ---- (control requests record_list, record_show) */
int records_list(struct roles *r, const Carenet__RecordListRequest *q, Carenet__ControlReply *rep);
int records_show(struct roles *r, const Carenet__RecordShowRequest *q, Carenet__ControlReply *rep);
/* Operator requests: record_write (with rep->record_errors on refusal). */
int records_write_req(struct roles *r, const Carenet__RecordWriteRequest *q,
                      Carenet__ControlReply *rep);
void records_reply_free(Carenet__ControlReply *rep);

#endif
