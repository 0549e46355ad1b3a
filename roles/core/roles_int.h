/*
 * roles/core: the kit every roles domain shares (not for use outside roles/).
 *
 * roles.h        the public contract of roles (node/ and tools/ include it;
 *                implemented in roles/roles.c, roles/roles_control.c and here)
 * roles_int.h    this map; struct roles and the helpers below
 * roles_kit.c    clock, refusal reasons, audit helper, string lists, the route
 *                array, id and time formatting
 * roles_store.c  the stored records (below), inside the caller's txn
 * roles_names.c  kind and state names
 * registry.c/.h  the offices known below this node
 * moved.c/.h     the moves held here (OLD -> NEW), read by the domains
 *
 * May include: base/ and certs/ headers, generated protobuf headers, files of
 * this folder. Must not include anything from roles/ above it (roles.c,
 * roles_control.c) or from a domain folder (roles/directives/, ...): the
 * domains build on this kit, never the other way round.
 *
 * Stored records (proto/state.proto), all written inside the caller's txn:
 *   STORE_DIRECTIVES  directive id                  -> DirectiveRecord
 *   STORE_STATUSES    directive id '\0' target id   -> TargetRow (the matrix)
 *   STORE_INBOX       directive id                  -> InboxEntry (own state)
 *   STORE_TIMERS      due BE64 | directive id '\0' | kind byte -> kind byte
 *                     (kept by roles/directives/deadline.c)
 */
#ifndef CARENET_ROLES_INT_H
#define CARENET_ROLES_INT_H

#include <stdarg.h>

#include "roles.h"
#include "state.pb-c.h"

#define ROLES_ID_MAX 64 /* directive ids: "<origin>-<seq>" */

struct roles {
	struct roles_env env;
	char **route; /* route->targets of the last roles_apply */
	size_t route_cap;
	char err[1024];        /* rep->error, rep->id, rep->detail of the last */
	char id[ROLES_ID_MAX]; /* roles_control (valid until the next call) */
	char detail[1024];
	char caller[256]; /* roles_set_caller: who asked, added to audit entries */
	uint64_t rollup_due; /* roles_rollup.c: next month's start (0: not known yet) */
	int move_checked;    /* roles_move.c: no switch pending (a village) */
	/* roles_kit.c: the ids this office had before (a move, or a township's
	 * own code change), read once per process: a switch happens with the
	 * node stopped (tools/cli_move.c) */
	char formers[4][16];
	size_t nformers;
	int formers_read;
};

/* A growable list of malloc'd strings. */
struct strvec {
	char **v;
	size_t n, cap;
};

/* ---- roles_kit.c ---- */
int roles_vec_push(struct strvec *sv, const char *s); /* copies s; CN_ENOMEM */
void roles_vec_free(struct strvec *sv);
uint64_t roles_now(const struct roles *r);
MDB_dbi roles_dbi(const struct roles *r, enum store_db db);
void roles_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* CN_EINVAL, with r->err "office ID has moved: it is NEW now (carenet move
 * status); <then> NEW", if id is an office that moved (core/moved.h); 0 if
 * not; negative on a store error. For requests that name an office: what
 * is sent to its old id would wait for an office that is gone. */
int roles_moved_away(struct roles *r, MDB_txn *txn, const char *id, const char *then);
/* CN_EINVAL with r->err naming the close (and "THEN INTO" if it names the
 * office that took over) if id was closed here (撤销), 0 if not. */
int roles_closed_office(struct roles *r, MDB_txn *txn, const char *id, const char *then);
/* 1 if office a is b or above it (a prefix of it), 0 if not. */
int roles_at_or_above(const char *a, const char *b);
/* This office under the ids it had before too (core/moved.h,
 * moved_formers: a village that moved, a township whose own code changed,
 * 撤乡设镇): its children keep the codes they had under the old one until
 * each switches, and the directives it issued keep its old id in theirs.
 * roles_is_me: 1 if id is this office, now or before; roles_below_me: 1 if
 * id lies strictly below it, now or before; roles_at_or_below_me: either.
 * Negative on a store error (the first call of a process reads the Moves). */
int roles_is_me(struct roles *r, MDB_txn *txn, const char *id);
int roles_below_me(struct roles *r, MDB_txn *txn, const char *id);
int roles_at_or_below_me(struct roles *r, MDB_txn *txn, const char *id);
/* A directive's targets, split with the tests above and the office's ids
 * read once for the whole list: *mine = 1 if one is this office, and those
 * strictly below it into below (room for n), counted in *nbelow. 0, or
 * negative on a store error. */
int roles_split_targets(struct roles *r, MDB_txn *txn, char *const *ids, size_t n, int *mine,
                        char **below, size_t *nbelow);
/* 1 if id is a direct child of this office under its code now or one it
 * had before (pki_is_direct_child), 0 if not, negative on error. */
int roles_child_of_me(struct roles *r, MDB_txn *txn, const char *id);
/* 1 if the township `from` had the code `old` before its own code change
 * (撤乡设镇: the Move of old to from held here): what old and its villages
 * originated reaches this node through from, 0 if not, negative on error. */
int roles_was(struct roles *r, MDB_txn *txn, const char *from, const char *old);
/* 1 if origin is from or lies below it, under its code now or, for a
 * township, the one it had before (roles_was); 0 if not, negative on error.
 * Who may relay whose item. */
int roles_relays(struct roles *r, MDB_txn *txn, const char *from, const char *origin);
/* Appends an audit entry at now; detail formatted, followed by
 * " [caller]" while a control request's caller is set. */
int roles_audit(struct roles *r, MDB_txn *txn, const char *actor, const char *action,
                const char *subject, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Makes room for n route targets; CN_ENOMEM. */
int roles_route_reserve(struct roles *r, size_t n);
/* The origin part of a directive id "<origin>-<seq>"; CN_EINVAL if malformed. */
int roles_id_origin(const char *did, char *out, size_t outlen);
/* 1 if did is a well-formed directive id: 1..ROLES_ID_MAX-1 bytes,
 * "<office or inspector id>-<digits>". Pure: for checks before any read. */
int roles_did_ok(const char *did);
/* 1 if id names an office (6, 9 or 12 digits), not an inspector. */
int roles_office_ok(const char *id);
/* 1 if state is final (done or unable). */
int roles_state_closed(uint32_t state);
/* UTC "2026-11-29T08:00:00Z". out >= 24 bytes. */
void roles_fmt_utc(uint64_t t, char *out, size_t outlen);
/* "a,b,c" or "prefix:role" of a Targets spec, truncated to outlen. */
void roles_spec_text(const Carenet__Targets *t, char *out, size_t outlen);

/* ---- roles_store.c ----
 * Records: get returns 0, CN_ENOTFOUND, CN_ESTORE (does not decode);
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

#endif
