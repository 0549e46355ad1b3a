/*
 * roles_move: a village moves to another township (roles_move.h; the map:
 * core/moved.c; the records: records/rekey.c; the statuses:
 * directives/status.c).
 */
#include "roles_move.h"
#include "directives.h"
#include "err.h"
#include "log.h"
#include "moved.h"
#include "records.h"
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int village_id(const char *id)
{
	return pki_role_from_id(id) == PKI_ROLE_VILLAGE;
}

/* ---- steps: STORE_META "move:s:" OLD '\0' office '\0' step -> MoveStep */

static size_t step_key(char *key, size_t len, const char *old, const char *office, const char *step)
{
	int n = snprintf(key, len, "move:s:%s%c%s%c%s", old, 0, office, 0, step);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

static int step_put(struct roles *r, MDB_txn *txn, const char *office, const Carenet__MoveStep *s)
{
	char key[128];
	uint8_t buf[256];
	size_t len = carenet__move_step__get_packed_size(s);
	MDB_val k = {step_key(key, sizeof(key), s->old_id, office, s->step), key}, v = {len, buf};

	if (!k.mv_size || len > sizeof(buf))
		return CN_ETOOBIG;
	carenet__move_step__pack(s, buf);
	return store_err(mdb_put(txn, roles_dbi(r, STORE_META), &k, &v, 0), "move step");
}

/* 1 if the county holds office's step of the move of old, 0 if not. */
static int step_held(struct roles *r, MDB_txn *txn, const char *old, const char *office,
                     const char *step)
{
	char key[128];
	MDB_val k = {step_key(key, sizeof(key), old, office, step), key}, v;
	int rc = k.mv_size ? mdb_get(txn, roles_dbi(r, STORE_META), &k, &v) : MDB_NOTFOUND;

	return rc == 0 ? 1 : rc == MDB_NOTFOUND ? 0 : store_err(rc, "move step");
}

int move_switched(struct roles *r, MDB_txn *txn, const char *old, const char *nw)
{
	return step_held(r, txn, old, nw, "switched");
}

/* Emits this office's step (kept here too). */
int move_step_emit(struct roles *r, MDB_txn *txn, const Carenet__Move *m, const char *step,
                     uint64_t records, uint64_t statuses)
{
	Carenet__MoveStep s = CARENET__MOVE_STEP__INIT;
	Carenet__Item it = CARENET__ITEM__INIT;
	int rc;

	s.old_id = m->old_id;
	s.new_id = m->new_id;
	s.step = (char *)step;
	s.records = records;
	s.statuses = statuses;
	s.at = roles_now(r);
	if ((rc = step_put(r, txn, r->env.me->id, &s)) != 0)
		return rc;
	it.body_case = CARENET__ITEM__BODY_MOVE_STEP;
	it.move_step = &s;
	return r->env.emit(r->env.arg, txn, &it, NULL, 0);
}

/* ---- the county's request */

struct mvreq {
	struct roles *r;
	const Carenet__MoveRequest *q;
	char id[ROLES_ID_MAX];
};

#define REFUSE(rc, ...) (roles_why(r->err, sizeof(r->err), __VA_ARGS__), (rc))

/* OLD a known village of this county, NEW free under a known township of it
 * (another one, or OLD's own: a code change, 村改居 or a renumbering). */
static int move_check(struct roles *r, MDB_txn *txn, const char *old, const char *nw)
{
	const char *me = r->env.me->id;
	char t[PKI_ID_MAX], name[PKI_NAME_MAX], x[PKI_ID_MAX];
	enum pki_role role;

	if (r->env.me->role != PKI_ROLE_COUNTY)
		return REFUSE(CN_EROLE, "only the county moves a village (this is %s)", me);
	if (!village_id(old) || !village_id(nw) || !roles_at_or_above(me, old) || !roles_at_or_above(me, nw))
		return REFUSE(CN_EINVAL, "%s and %s must be village ids (12 digits) of this county",
		              old, nw);
	if (registry_get(r->env.store, txn, old, &role, name, sizeof(name)) != 0 ||
	    moved_to(r->env.store, txn, old, x, sizeof(x)) == 0)
		return REFUSE(CN_ENOTFOUND,
		              "%s is not a village known here (carenet offices "
		              "lists them; moved already?)",
		              old);
	if (moved_from(r->env.store, txn, old, x, sizeof(x)) == 0) { /* it moves again */
		char ids[MOVED_CHAIN_MAX][16];
		size_t n;
		int rc = step_held(r, txn, x, old, "switched");
		if (rc < 0)
			return rc;
		if (!rc)
			return REFUSE(CN_EROLE,
			              "%s moved here from %s and has not switched yet (carenet move "
			              "status): it moves again once it has",
			              old, x);
		if ((rc = moved_formers(r->env.store, txn, old, ids, MOVED_CHAIN_MAX, &n)) != 0)
			return rc;
		if (n + 1 >= MOVED_CHAIN_MAX)
			return REFUSE(CN_ETOOBIG, "%s has moved %zu times already (at most %d)", old, n,
			              MOVED_CHAIN_MAX - 1);
	}
	snprintf(t, sizeof(t), "%.9s", nw);
	if (registry_get(r->env.store, txn, t, &role, name, sizeof(name)) != 0)
		return REFUSE(CN_ENOTFOUND,
		              "the township %s of %s is not known here (carenet "
		              "offices)",
		              t, nw);
	if (registry_get(r->env.store, txn, nw, &role, name, sizeof(name)) == 0 ||
	    moved_from(r->env.store, txn, nw, x, sizeof(x)) == 0 ||
	    moved_to(r->env.store, txn, nw, x, sizeof(x)) == 0)
		return REFUSE(CN_EEXIST,
		              "%s is in use (an office, or a move's id): choose a "
		              "free code",
		              nw);
	return 0;
}

int move_make(struct roles *r, MDB_txn *txn, const char *old, const char *nw, char *id,
              size_t idlen)
{
	Carenet__Move m = CARENET__MOVE__INIT;
	Carenet__Item it = CARENET__ITEM__INIT;
	char town[PKI_ID_MAX], *down[2], earlier[MOVED_CHAIN_MAX][16], *earlier_p[MOVED_CHAIN_MAX];
	size_t nearlier = 0;
	struct strvec foreign = {0};
	int rc;

	snprintf(id, idlen, "%s-move-%s", r->env.me->id, old);
	snprintf(town, sizeof(town), "%.9s", nw);
	down[0] = (char *)old;
	down[1] = town;
	m.id = id;
	m.old_id = (char *)old;
	m.new_id = (char *)nw;
	m.at = roles_now(r);
	m.down = down;
	/* a code change, or a township's own (撤乡设镇: NEW's township is no
	 * node yet): OLD's township is on the way */
	if ((rc = move_town_new(r, txn, town)) < 0)
		return rc;
	m.n_down = strncmp(m.old_id, m.new_id, 9) && !rc ? 2 : 1;
	/* a village moving again: the ids it had, for the offices that never
	 * held those moves (its new township: moved.c, moved_was) */
	if ((rc = moved_formers(r->env.store, txn, m.old_id, earlier, MOVED_CHAIN_MAX, &nearlier)) != 0)
		return rc;
	for (size_t i = 0; i < nearlier; i++)
		earlier_p[i] = earlier[i];
	m.earlier = earlier_p;
	m.n_earlier = nearlier;
	/* the children OLD received by a transfer: its new township holds
	 * nothing to tell they are OLD's (records_moved_ok) */
	if ((rc = records_foreign_of(r, txn, m.old_id, &foreign)) != 0)
		goto out;
	if (foreign.n > MOVE_RECORDS_MAX) {
		rc = REFUSE(CN_ETOOBIG,
		            "%s owns %zu records received by transfers; a move carries at most %d",
		            m.old_id, foreign.n, MOVE_RECORDS_MAX);
		goto out;
	}
	m.records = foreign.v;
	m.n_records = foreign.n;
	if ((rc = moved_put(r->env.store, txn, &m)) < 0)
		goto out;
	it.body_case = CARENET__ITEM__BODY_MOVE;
	it.move = &m;
	if ((rc = r->env.emit(r->env.arg, txn, &it, NULL, 0)) == 0)
		rc = roles_audit(r, txn, r->env.me->id, "move", m.old_id,
		                 "village %s moves to %s (township %.9s to %s%s; %zu record(s) it "
		                 "received by transfers)",
		                 m.old_id, m.new_id, m.old_id, town,
		                 m.n_down == 1 ? ": a code change within it" : "", foreign.n);
out:
	roles_vec_free(&foreign);
	return rc < 0 ? rc : 0;
}

static int move_txn(MDB_txn *txn, void *arg)
{
	struct mvreq *a = arg;
	int rc;

	if (pki_role_from_id(a->q->old_id) == PKI_ROLE_TOWNSHIP) /* 撤乡设镇 */
		return move_town_decide(a->r, txn, a->q->old_id, a->q->new_id, a->id,
		                        sizeof(a->id));
	if ((rc = move_check(a->r, txn, a->q->old_id, a->q->new_id)) != 0)
		return rc;
	return move_make(a->r, txn, a->q->old_id, a->q->new_id, a->id, sizeof(a->id));
}

int roles_move_req(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep)
{
	struct mvreq a = {r, req->move, ""};
	int rc = r->env.write(r->env.arg, move_txn, &a);

	if (rc == 0) {
		snprintf(r->id, sizeof(r->id), "%s", a.id);
		rep->id = r->id;
	}
	return rc;
}

/* ---- received */

int move_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
               const struct pki_identity *origin, const char *from, struct roles_route *route,
               char *why, size_t whylen)
{
	const Carenet__Move *m = item->move;
	const char *me = r->env.me->id;
	uint64_t n = 0;
	int rc;

	int town = m && pki_role_from_id(m->old_id) == PKI_ROLE_TOWNSHIP &&
	           pki_role_from_id(m->new_id) == PKI_ROLE_TOWNSHIP; /* 撤乡设镇 */

	if (!m || (!town && m->n_down > 2) ||
	    (!town && (!village_id(m->old_id) || !village_id(m->new_id))) ||
	    strlen(m->id) >= ROLES_ID_MAX || !m->id[0] || m->n_earlier >= MOVED_CHAIN_MAX ||
	    m->n_records > MOVE_RECORDS_MAX) {
		roles_why(why, whylen, "a move needs two village (or two township) ids and an id");
		return m ? CN_EINVAL : CN_EPROTO;
	}
	for (size_t i = 0; i < m->n_records; i++)
		if (strlen(m->records[i]) >= ROLES_ID_MAX || !roles_at_or_above(origin->id, m->records[i])) {
			roles_why(why, whylen, "a move's records are record ids of its county");
			return CN_EINVAL;
		}
	for (size_t i = 0; i < m->n_earlier; i++)
		if (!village_id(m->earlier[i]) || !roles_at_or_above(origin->id, m->earlier[i])) {
			roles_why(why, whylen, "a move's earlier ids are villages of its county");
			return CN_EINVAL;
		}
	if (origin->role != PKI_ROLE_COUNTY || !roles_at_or_above(origin->id, m->old_id) ||
	    !roles_at_or_above(origin->id, m->new_id) || !roles_at_or_above(origin->id, me) ||
	    roles_at_or_above(me, from) || !strcmp(m->old_id, m->new_id)) {
		roles_why(why, whylen,
		          "a move of %s from %s (via %s): only the county of both ids "
		          "moves a village, to another code, down the tree",
		          m->old_id, item->origin, from);
		return CN_EROLE;
	}
	if (town)
		return move_town_apply(r, txn, item, route, why, whylen);
	if (!roles_at_or_above(me, m->old_id) && !roles_at_or_above(me, m->new_id)) {
		roles_why(why, whylen, "a move of %s to %s does not concern %s", m->old_id,
		          m->new_id, me);
		return CN_ESCOPE;
	}
	if ((rc = moved_put(r->env.store, txn, m)) == CN_EEXIST)
		roles_why(why, whylen, "%s or %s is held here for another move", m->old_id,
		          m->new_id);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return 0; /* held already */
	if ((rc = roles_audit(r, txn, item->origin, "move", m->old_id, "village %s moves to %s",
	                      m->old_id, m->new_id)) != 0)
		return rc;
	if (strlen(me) == 9 && roles_at_or_above(me, m->old_id)) { /* the old township */
		if ((rc = records_count_owner(r, txn, m->old_id, &n)) == 0)
			rc = move_step_emit(r, txn, m, "old", n, 0);
		route->targets = (char **)&m->old_id;
		route->ntargets = 1;
	}
	if (rc == 0 && strlen(me) == 9 && roles_at_or_above(me, m->new_id)) /* the new township */
		rc = move_step_emit(r, txn, m, "ready", 0, 0); /* it accepts NEW's items from now on */
	return rc;
}

int move_step_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                    const struct pki_identity *origin, const char *from, struct roles_route *route,
                    char *why, size_t whylen)
{
	const Carenet__MoveStep *s = item->move_step;
	const char *me = r->env.me->id;
	Carenet__Move *m = NULL;
	uint64_t n = 0;
	int rc, ok;

	(void)origin;
	if (!s) {
		roles_why(why, whylen, "move step item without a body");
		return CN_EPROTO;
	}
	ok = (!strcmp(s->step, "old") && !strncmp(item->origin, s->old_id, 9) &&
	      strlen(item->origin) == 9) ||
	     ((!strcmp(s->step, "new") || !strcmp(s->step, "ready")) &&
	      !strncmp(item->origin, s->new_id, 9) && strlen(item->origin) == 9) ||
	     (!strcmp(s->step, "switched") && !strcmp(item->origin, s->new_id));
	if (!ok || !roles_at_or_above(me, item->origin) || !strcmp(me, item->origin) ||
	    !roles_at_or_above(me, from)) {
		roles_why(why, whylen,
		          "move step %.16s from %s (via %s): not that office's step, "
		          "or not from below",
		          s->step, item->origin, from);
		return CN_EROLE;
	}
	if ((rc = moved_get(r->env.store, txn, s->old_id, &m)) != 0 ||
	    strcmp(m->new_id, s->new_id)) {
		roles_why(why, whylen, "move step of %s to %s: no such move held here", s->old_id,
		          s->new_id);
		carenet__move__free_unpacked(m, NULL);
		return rc && rc != CN_ENOTFOUND ? rc : CN_ENOTFOUND;
	}
	if ((rc = step_put(r, txn, item->origin, s)) == 0 && !strcmp(s->step, "switched") &&
	    strlen(me) == 9 && (rc = records_count_owner(r, txn, s->new_id, &n)) == 0)
		rc = move_step_emit(r, txn, m, "new", n, 0); /* the new township: what it holds */
	carenet__move__free_unpacked(m, NULL);
	route->up = r->env.me->role != PKI_ROLE_COUNTY;
	return rc;
}

/* ---- the village's switch */

/* Re-sends the state of every directive in the inbox (accepted or later)
 * whose issuer is above the new id, as this office's; *n counts them. */
static int resend_states(struct roles *r, MDB_txn *txn, uint64_t *n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct strvec ids = {0};
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_INBOX), &cur), "inbox")))
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char did[ROLES_ID_MAX];
		if (k.mv_size >= sizeof(did))
			continue;
		memcpy(did, k.mv_data, k.mv_size);
		did[k.mv_size] = 0;
		rc = roles_vec_push(&ids, did);
	}
	mdb_cursor_close(cur);
	for (size_t i = 0; i < ids.n && rc == 0; i++) {
		Carenet__InboxEntry *e = NULL;
		Carenet__StatusUpdate su = CARENET__STATUS_UPDATE__INIT;
		Carenet__Item it = CARENET__ITEM__INIT;
		if ((rc = roles_get_inbox(r, txn, ids.v[i], &e)) != 0)
			break;
		/* not the old township's own directives after a move to another
		 * one: the new id is not below it, and the new township would
		 * refuse them as another township's (the old one's row says where
		 * the village went: moved_to) */
		if (e->state > STATE_DELIVERED && status_issued_above(r, ids.v[i])) {
			su.directive = ids.v[i];
			su.state = e->state;
			su.note = e->note;
			it.body_case = CARENET__ITEM__BODY_STATUS;
			it.status = &su;
			if ((rc = r->env.emit(r->env.arg, txn, &it, NULL, 0)) == 0)
				(*n)++;
		}
		carenet__inbox_entry__free_unpacked(e, NULL);
	}
	roles_vec_free(&ids);
	return rc;
}

static int do_switch(struct roles *r, MDB_txn *txn, const char *old)
{
	Carenet__Move *m = NULL;
	uint64_t nrec = 0, nst = 0, nready = 0;
	int rc = moved_get(r->env.store, txn, old, &m);

	if (rc == 0 && strcmp(m->new_id, r->env.me->id) != 0)
		rc = CN_EINVAL;
	if (rc == 0 && (rc = records_rekey(r, txn, old, r->env.me->id, &nrec)) == 0 &&
	    (rc = resend_states(r, txn, &nst)) == 0 &&
	    (rc = move_step_emit(r, txn, m, "switched", nrec, nst)) == 0 &&
	    (r->env.me->role != PKI_ROLE_TOWNSHIP || (rc = move_town_ready(r, txn, &nready)) == 0))
		rc = roles_audit(r, txn, r->env.me->id, "move", old,
		                 "switched from %s to %s: %llu "
		                 "records re-keyed, %llu states re-sent, %llu village moves ready",
		                 old, r->env.me->id, (unsigned long long)nrec,
		                 (unsigned long long)nst, (unsigned long long)nready);
	if (rc == 0)
		log_notice("move: this office is now %s (was %s): %llu records re-keyed, %llu "
		           "directive states re-sent up, %llu village moves ready",
		           r->env.me->id, old, (unsigned long long)nrec, (unsigned long long)nst,
		           (unsigned long long)nready);
	else
		log_error("move: the switch from %s to %s failed: %s", old, r->env.me->id,
		          cn_strerror(rc));
	carenet__move__free_unpacked(m, NULL);
	return rc;
}

uint64_t move_next_due(struct roles *r)
{
	return (r->env.me->role == PKI_ROLE_VILLAGE || r->env.me->role == PKI_ROLE_TOWNSHIP) &&
	               !r->move_checked
	           ? 0
	           : UINT64_MAX;
}

int move_fire(struct roles *r, MDB_txn *txn, uint64_t now)
{
	MDB_dbi db = roles_dbi(r, STORE_META);
	MDB_val k = {sizeof(MOVED_SWITCH_KEY) - 1, MOVED_SWITCH_KEY}, v;
	char old[PKI_ID_MAX];
	int rc;

	(void)now;
	if (move_next_due(r) == UINT64_MAX)
		return 0;
	if ((rc = store_err(mdb_get(txn, db, &k, &v), "move switch")) == CN_ENOTFOUND) {
		r->move_checked =
		    1; /* nothing pending (set only when read absent: a replay redoes it) */
		return 0;
	}
	if (rc != 0 || v.mv_size >= sizeof(old))
		return rc ? rc : CN_ESTORE;
	memcpy(old, v.mv_data, v.mv_size);
	old[v.mv_size] = 0;
	if ((rc = do_switch(r, txn, old)) != 0 && rc != CN_ESTORE && rc != CN_EMAPFULL &&
	    rc != CN_ENOMEM && rc != CN_EIO) {
		r->move_checked = 1; /* logged: not tried again until a restart */
		return 0;
	}
	if (rc != 0)
		return rc;
	return store_err(mdb_del(txn, db, &k, NULL), "move switch");
}

/* ---- move status */

struct stctx {
	struct roles *r;
	MDB_txn *txn;
	Carenet__ControlReply *rep;
};

static int add_step(Carenet__MoveView *mv, const MDB_val *k, const MDB_val *v, size_t pl)
{
	Carenet__MoveStep *s = carenet__move_step__unpack(NULL, v->mv_size, v->mv_data);
	Carenet__MoveStepView *sv, **nv;
	const char *office = (const char *)k->mv_data + pl;
	size_t ol = strnlen(office, k->mv_size - pl);
	int rc = CN_ENOMEM;

	if (!s)
		return CN_ESTORE;
	if ((nv = realloc(mv->steps, (mv->n_steps + 1) * sizeof(*nv))) != NULL) {
		mv->steps = nv;
		if ((sv = calloc(1, sizeof(*sv))) != NULL) {
			carenet__move_step_view__init(sv);
			mv->steps[mv->n_steps++] = sv;
			sv->office = strndup(office, ol);
			sv->step = strdup(s->step);
			sv->records = s->records;
			sv->statuses = s->statuses;
			sv->at = s->at;
			rc = sv->office && sv->step ? 0 : CN_ENOMEM;
		}
	}
	carenet__move_step__free_unpacked(s, NULL);
	return rc;
}

static int view_steps(struct stctx *c, Carenet__MoveView *mv)
{
	char pre[64];
	size_t pl = (size_t)snprintf(pre, sizeof(pre), "move:s:%s", mv->old_id) + 1;
	MDB_cursor *cur;
	MDB_val k = {pl, pre}, v;
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(c->txn, roles_dbi(c->r, STORE_META), &cur), "move")))
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size <= pl || memcmp(k.mv_data, pre, pl) != 0)
			break;
		rc = add_step(mv, &k, &v, pl);
	}
	mdb_cursor_close(cur);
	return rc;
}

static int view_one(const Carenet__Move *m, void *arg)
{
	struct stctx *c = arg;
	Carenet__ControlReply *rep = c->rep;
	Carenet__MoveView *mv = calloc(1, sizeof(*mv)), **nv;
	int rc;

	if (!mv || !(nv = realloc(rep->moves, (rep->n_moves + 1) * sizeof(*nv)))) {
		free(mv);
		return CN_ENOMEM;
	}
	rep->moves = nv;
	carenet__move_view__init(mv);
	rep->moves[rep->n_moves++] = mv;
	mv->id = strdup(m->id);
	mv->old_id = strdup(m->old_id);
	mv->new_id = strdup(m->new_id);
	if (!mv->id || !mv->old_id || !mv->new_id)
		return CN_ENOMEM;
	mv->at = m->at;
	mv->one_parent = m->n_down == 1;
	if ((rc = records_count_owner(c->r, c->txn, m->new_id, &mv->records_here)) != 0 ||
	    (rc = records_count_owner(c->r, c->txn, m->old_id, &mv->records_old_here)) != 0)
		return rc;
	return view_steps(c, mv);
}

static int status_txn(MDB_txn *txn, void *arg)
{
	struct stctx *c = arg;

	c->txn = txn;
	return moved_each(c->r->env.store, txn, view_one, c);
}

int roles_move_status(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep)
{
	struct stctx c = {r, NULL, rep};

	(void)req;
	return store_read(r->env.store, status_txn, &c);
}

void roles_move_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_moves; i++) {
		Carenet__MoveView *mv = rep->moves[i];
		for (size_t j = 0; j < mv->n_steps; j++) {
			free(mv->steps[j]->office);
			free(mv->steps[j]->step);
			free(mv->steps[j]);
		}
		free(mv->steps);
		free(mv->id);
		free(mv->old_id);
		free(mv->new_id);
		free(mv);
	}
	free(rep->moves);
	rep->moves = NULL;
	rep->n_moves = 0;
}
