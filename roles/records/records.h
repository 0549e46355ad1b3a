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
 *
 * Stored (db records, all inside the caller's txn):
 *   "r:" id                    -> StoredRecord (current version)
 *   "h:" id '\0' version BE64  -> StoredRecord (every version, history)
 *   "t:" type '\0' id          -> "" (list by type and owner prefix: ids
 *                                 begin with the owner's id)
 *   "n"                        -> BE64 the last record number of this office
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
/* Decodes a stored value into rc (opening the sealed part). */
int rec_decode(struct roles *r, const MDB_val *d, struct rec *out);

/* ---- flow.c ---- */
/* The operator's write (control request record_write): every input checked
 * (errors into errs), then all written and emitted in txn, or none. ids
 * receives the id of each record written. CN_EINVAL when errs has lines. */
int records_write(struct roles *r, MDB_txn *txn, const Carenet__RecordWriteRequest *q,
                  struct strvec *errs, struct strvec *ids);
int records_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                  const struct pki_identity *origin, const char *from, struct roles_route *route,
                  char *why, size_t whylen);

/* ---- view.c ---- (control requests record_list, record_show) */
int records_list(struct roles *r, const Carenet__RecordListRequest *q, Carenet__ControlReply *rep);
int records_show(struct roles *r, const Carenet__RecordShowRequest *q, Carenet__ControlReply *rep);
/* Operator requests: record_write (with rep->record_errors on refusal). */
int records_write_req(struct roles *r, const Carenet__RecordWriteRequest *q,
                      Carenet__ControlReply *rep);
void records_reply_free(Carenet__ControlReply *rep);

#endif
