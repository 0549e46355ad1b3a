/*
 * roles_fixture: the roles tests' shared world — a county, its townships
 * and villages, each with its own store, roles and a fake delivery engine
 * (emit packs items into an array the test inspects and hands to the next
 * office's roles_apply; the clock is a variable) — and the steps of the
 * story the tests tell, so a test program can start from the middle.
 *
 * County 530102 -> townships 530102001, 530102002 -> villages
 * 530102001001, 530102001002, 530102002001, 530102002002.
 *
 * A fixture step that fails prints where and counts in fx_failures (the
 * tests' CHECK counters are per program, see check.h); fx_end() returns it.
 */
#ifndef CARENET_TESTS_ROLES_FIXTURE_H
#define CARENET_TESTS_ROLES_FIXTURE_H

#include "roles.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define DAY 86400u
#define T0 1790000000u /* 2026-09-21 */
#define MAXITEMS 256

/* The offices' trust store (roles_env.trust); NULL until a test makes one. */
extern struct pki_trust *fx_trust;

/* What the fake CRL keeper (roles_env.crl_keep) was given. */
extern int crls_kept;
extern char crl_origin[];

#define C "530102"
#define T1 "530102001"
#define T2 "530102002"
#define V11 "530102001001"
#define V12 "530102001002"
#define V21 "530102002001"
#define V22 "530102002002"

/* One office: identity, store, roles, and what it emitted. */
struct office {
	struct pki_identity me;
	char dir[256];
	struct store *st;
	struct roles *roles;
	struct roles_policy pol;
	uint64_t seq;
	uint8_t *item[MAXITEMS];
	size_t len[MAXITEMS];
	size_t nitems;
	char keyid[16]; /* set: the records key is made from this id, not me.id
	                 * (a moved office keeps its key: move apply copies it) */
};

struct apply_ctx {
	struct office *o;
	const Carenet__Item *it;
	const struct pki_identity *origin;
	const char *from;
	struct roles_route route;
	char why[512];
	int rc;
	char targets[16][64]; /* copied: route strings point into the item */
	size_t ntargets;
};

extern int fx_failures;
extern uint64_t clock_now; /* the offices' clock */
extern struct office county, t1, t2, v11, v12, v21, v22;
extern char task[64];           /* the county's task, once issued */
extern const uint64_t task_due; /* its due time */

/* Makes /tmp/<name>.XXXXXX and the seven offices, each knowing those below. */
void fx_begin(const char *name);
/* Frees the offices, removes the directory; returns fx_failures. */
int fx_end(void);

/* ---- the fake engine and the offices */
int f_emit(void *arg, MDB_txn *txn, Carenet__Item *it, char *id_out, size_t idlen);
int f_write(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg);
/* Forgets what o emitted after the first n items; its sequence back to seq. */
void drop_after(struct office *o, size_t n, uint64_t seq);
void office_start(struct office *o);
void office_stop(struct office *o);
/* One more office (e.g. a prefecture) under the fixture's directory, and its end. */
void office_open(struct office *o, const char *id);
void office_close(struct office *o);

/* ---- operations (the replies and items are the caller's to free) */
Carenet__Item *item_at(struct office *o, size_t i);
Carenet__Item *last_item(struct office *o);
/* Control request; the reply is checked by the caller and freed with done(). */
Carenet__ControlReply *control(struct office *o, Carenet__ControlRequest *req);
void done(Carenet__ControlReply *rep);
/* directive.issue; id_out (64) and err_out (512) may be NULL. */
int issue(struct office *o, uint32_t kind, const char *to, const char *title, const char *body,
          uint64_t due, char *id_out, char *err_out);
/* ack; evidence: attach one file. */
int ack(struct office *o, const char *did, uint32_t state, const char *note, int evidence);
/* directive.show (id) / directive.list (state) / inbox */
Carenet__ControlReply *query(struct office *o, const char *cmd, const char *id, const char *state);
const Carenet__TargetView *row_of(const Carenet__ControlReply *rep, const char *target);
/* State of a matrix row at o; -1 if no such row. */
int row_state(struct office *o, const char *did, const char *target, int *overdue,
              uint32_t *reminders);
/* Applies item i emitted by `src` at office `dst`, received from `from`. */
int apply(struct office *dst, struct office *src, size_t i, const char *from,
          struct apply_ctx *out);
int has_target(const struct apply_ctx *a, const char *id);
/* How many audit entries of o have this action (and subject, if not NULL). */
int audited(struct office *o, const char *action, const char *subject);
/* roles_fire at clock_now. */
void fire(struct office *o);
/* Hand-made items put into o's emitted list; return their index. */
size_t craft(struct office *o, Carenet__Item *it);
size_t craft_status(struct office *o, const char *did, uint32_t state);
size_t craft_directive(struct office *o, const char *prefix, const char *role, char **expanded,
                       size_t n, uint64_t due);
/* Index of the last emitted item with this body, or -1. */
long find_last(struct office *o, Carenet__Item__BodyCase body);
/* Directives directive.list shows for state; a negative error. */
int list_count(struct office *o, const char *state);
/* report.file of a child alone at home (S01, urgent); its id into id (64). */
int report_file(struct office *o, char *id);
/* report.step (report.open_case for REPORT_STEP_OPEN_CASE), to 公安, ref
 * GA-1; err (512) may be NULL. */
int report_step(struct office *o, const char *id, uint32_t kind, char *err);
/* move OLD NEW at o; err (512). */
int move_req(struct office *o, const char *old, const char *nw, char *err);

/* ---- the story so far, for programs that start in its middle */
/* The county's task to 530102:village, due task_due, into task. */
int story_issue_task(char *err);
/* The task, applied at both townships and the four villages. */
void story_deliver_task(void);
/* The villages' "delivered" up to the county (and V11's to T1); V11
 * accepts, V12 is done with one evidence file. */
void story_statuses(void);
/* T2 issues a notice to its villages, due in a day; V21 receives it. */
void story_t2_notice(char *id);

#endif
