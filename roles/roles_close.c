/*
 * roles_close: an office is closed (roles_close.h).
 */
#include "roles_close.h"
#include "directives.h"
#include "err.h"
#include "log.h"
#include "moved.h"
#include "records.h"
#include "registry.h"
#include "roles_move.h"
#include "rules.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLOSE_REASON_MAX 512
#define REFUSE(rc, ...) (roles_why(r->err, sizeof(r->err), __VA_ARGS__), (rc))

/* A township or a village, strictly below county. */
static int closable(const char *county, const char *id)
{
	enum pki_role role = pki_role_from_id(id);

	return (role == PKI_ROLE_TOWNSHIP || role == PKI_ROLE_VILLAGE) &&
	       rules_is_ancestor(county, id);
}

/* ---- the rows it ends */

struct hits {
	struct store *st;
	const char *office;
	char ids[MOVED_CHAIN_MAX + 1][16]; /* office and the ids it had before */
	size_t nids;
	struct strvec dids, targets;
};

static int is_office(const struct hits *h, const char *target)
{
	for (size_t i = 0; i < h->nids; i++)
		if (!strcmp(h->ids[i], target))
			return 1;
	return 0;
}

/* Every open row of office, or of an id that moved to office (a village that
 * moved in, then closed). */
static int find_rows(struct roles *r, MDB_txn *txn, struct hits *h)
{
	MDB_cursor *cur;
	MDB_val k, d;
	int rc, mrc;

	/* the ids to look for, once: not a move lookup per row */
	if ((rc = moved_formers(h->st, txn, h->office, h->ids, MOVED_CHAIN_MAX, &h->nids)) != 0)
		return rc;
	snprintf(h->ids[h->nids++], sizeof(h->ids[0]), "%.15s", h->office);
	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_STATUSES), &cur), "close rows")))
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		const char *did = k.mv_data, *nul = memchr(did, 0, k.mv_size);
		char target[PKI_ID_MAX];
		size_t tl;
		Carenet__TargetRow *row;
		if (!nul || (tl = k.mv_size - (size_t)(nul - did) - 1) == 0 || tl >= sizeof(target))
			continue;
		memcpy(target, nul + 1, tl);
		target[tl] = 0;
		if (!is_office(h, target))
			continue;
		if (!(row = carenet__target_row__unpack(NULL, d.mv_size, d.mv_data))) {
			log_warnx("close: stored row %s/%s does not decode", did, target);
			rc = CN_ESTORE;
			break;
		}
		if (!roles_state_closed(row->state) && (rc = roles_vec_push(&h->dids, did)) == 0)
			rc = roles_vec_push(&h->targets, target);
		carenet__target_row__free_unpacked(row, NULL);
	}
	mdb_cursor_close(cur);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "close rows");
	return rc;
}

/* Ends every open row of c->office here at `at`: state retired, the close in
 * its history; a county's tally of a directive from above is sent again.
 * The directives' ids, each once, into dids if not NULL. */
static int retire_rows(struct roles *r, MDB_txn *txn, const Carenet__Close *c, uint64_t at,
                       uint64_t *n, struct strvec *dids)
{
	struct hits h = {.st = r->env.store, .office = c->office};
	char note[96];
	int rc = find_rows(r, txn, &h);

	snprintf(note, sizeof(note), "office closed 已撤销%s%s", c->into[0] ? ": its work to " : "",
	         c->into);
	for (size_t i = 0; rc == 0 && i < h.dids.n; i++) {
		Carenet__TargetRow *row = NULL, nr;
		Carenet__DirectiveRecord *rec = NULL;
		if ((rc = roles_get_row(r, txn, h.dids.v[i], h.targets.v[i], &row)) != 0)
			break;
		if ((rc = roles_history_add(&row->history, &row->n_history, at, STATE_RETIRED, note,
		                            0)) == 0) {
			nr = *row;
			nr.state = STATE_RETIRED;
			nr.changed_at = at;
			rc = roles_put_row(r, txn, h.dids.v[i], h.targets.v[i], &nr);
		}
		carenet__target_row__free_unpacked(row, NULL);
		if (rc == 0 && (i == 0 || strcmp(h.dids.v[i], h.dids.v[i - 1]) != 0) &&
		    (rc = roles_get_directive(r, txn, h.dids.v[i], &rec)) == 0) {
			rc = above_changed(r, txn, rec);
			if (rc == 0 && dids)
				rc = roles_vec_push(dids, h.dids.v[i]);
		}
		carenet__directive_record__free_unpacked(rec, NULL);
	}
	*n = h.dids.n;
	roles_vec_free(&h.dids);
	roles_vec_free(&h.targets);
	return rc;
}

/* Keeps c here with its rows ended, and audits it. 0 also if held already. */
static int close_here(struct roles *r, MDB_txn *txn, const char *actor, const Carenet__Close *c,
                      uint64_t *retired, struct strvec *dids)
{
	uint64_t at = c->at < roles_now(r) ? c->at : roles_now(r);
	int rc;

	*retired = 0;
	if ((rc = registry_closed(r->env.store, txn, c->office)) != 0)
		return rc < 0 ? rc : 0;
	if ((rc = retire_rows(r, txn, c, at, retired, dids)) != 0 ||
	    (rc = registry_close_put(r->env.store, txn, c, *retired)) < 0 ||
	    (r->env.closed && (rc = r->env.closed(r->env.arg, txn, c->office)) != 0))
		return rc;
	return roles_audit(r, txn, actor, "close", c->office,
	                   "office %s closed (撤销)%s%s; %llu open row(s) ended%s%s", c->office,
	                   c->into[0] ? ", its work to " : "", c->into,
	                   (unsigned long long)*retired, c->reason[0] ? ": " : "", c->reason);
}

/* ---- the county's request */

struct below {
	size_t n;
	char first[PKI_ID_MAX];
};

static int count_below(const char *id, enum pki_role role, const char *name, void *arg)
{
	struct below *b = arg;

	(void)role, (void)name;
	if (b->n++ == 0)
		snprintf(b->first, sizeof(b->first), "%s", id);
	return 0;
}

struct unswitched {
	struct roles *r;
	MDB_txn *txn;
	const char *office;
	char old[PKI_ID_MAX], nw[PKI_ID_MAX];
};

/* A village that moved out of office and has not switched: non-zero. */
static int moved_out_pending(const Carenet__Move *m, void *arg)
{
	struct unswitched *u = arg;
	int rc;

	if (!roles_at_or_above(u->office, m->old_id) || roles_at_or_above(u->office, m->new_id))
		return 0;
	if ((rc = move_switched(u->r, u->txn, m->old_id, m->new_id)) != 0)
		return rc < 0 ? rc : 0;
	snprintf(u->old, sizeof(u->old), "%s", m->old_id);
	snprintf(u->nw, sizeof(u->nw), "%s", m->new_id);
	return 1;
}

static int check_into(struct roles *r, MDB_txn *txn, const char *office, const char *into)
{
	const char *me = r->env.me->id;
	char x[PKI_ID_MAX];
	int rc;

	if (!into[0])
		return 0;
	if (!closable(me, into) || !strcmp(into, office) || roles_at_or_above(office, into))
		return REFUSE(CN_EINVAL,
		              "--into %.16s: give another township or village of this county, not "
		              "%s or an office below it",
		              into, office);
	if ((rc = roles_moved_away(r, txn, into, "name")) != 0)
		return rc;
	if (registry_get(r->env.store, txn, into, NULL, NULL, 0) != 0 &&
	    moved_from(r->env.store, txn, into, x, sizeof(x)) != 0)
		return REFUSE(CN_ENOTFOUND, "--into %s: no such office is known here (carenet offices)",
		              into);
	return 0;
}

static int close_check(struct roles *r, MDB_txn *txn, const Carenet__CloseRequest *q)
{
	const char *me = r->env.me->id, *office = q->office;
	struct below b = {0, ""};
	struct unswitched u = {r, txn, office, "", ""};
	struct strvec open = {0};
	char x[PKI_ID_MAX];
	int rc;

	if (r->env.me->role != PKI_ROLE_COUNTY)
		return REFUSE(CN_EROLE, "only the county closes an office (this is %s)", me);
	if (!closable(me, office))
		return REFUSE(CN_EINVAL,
		              "%.16s: give a township (9 digits) or a village (12) of this county",
		              office);
	if (strlen(q->reason) > CLOSE_REASON_MAX || !utf8_valid(q->reason, strlen(q->reason)))
		return REFUSE(CN_EINVAL, "--reason: at most %d bytes of UTF-8", CLOSE_REASON_MAX);
	if ((rc = registry_closed(r->env.store, txn, office)) != 0)
		return rc < 0 ? rc : roles_closed_office(r, txn, office, "name");
	if ((rc = roles_moved_away(r, txn, office, "close")) != 0)
		return rc;
	if (registry_get(r->env.store, txn, office, NULL, NULL, 0) != 0 &&
	    moved_from(r->env.store, txn, office, x, sizeof(x)) != 0)
		return REFUSE(CN_ENOTFOUND, "%s is not an office known here (carenet offices lists them)",
		              office);
	if ((rc = registry_each(r->env.store, txn, office, PKI_ROLE_NONE, count_below, &b)) != 0)
		return rc;
	if (b.n)
		return REFUSE(CN_EEXIST,
		              "%s still has %zu office(s) below it (%s first): move them to another "
		              "township first (carenet move --township %s NEWT)",
		              office, b.n, b.first, office);
	if ((rc = moved_each(r->env.store, txn, moved_out_pending, &u)) != 0)
		return rc < 0 ? rc
		              : REFUSE(CN_EEXIST,
		                       "village %s moved out of %s to %s and has not switched yet "
		                       "(carenet move status): its items still pass through %s",
		                       u.old, office, u.nw, office);
	if ((rc = records_open_of(r, txn, office, &open)) == 0 && open.n)
		rc = REFUSE(CN_EEXIST,
		            "%s owns %zu open record(s) (%s first): close them or transfer them first "
		            "(carenet record transfer --all-of %s --to OFFICE)",
		            office, open.n, open.v[0], office);
	roles_vec_free(&open);
	return rc ? rc : check_into(r, txn, office, q->into);
}

struct clreq {
	struct roles *r;
	const Carenet__CloseRequest *q;
	char id[ROLES_ID_MAX];
	uint64_t at, retired;
	struct strvec dids, issued, from; /* rows ended; --reissue: new ids and their olds */
};

/* --reissue: directive did, issued here (not relayed from above), again to
 * into if into is not one of its targets; its new id pushed to a->issued. */
static int reissue_one(struct roles *r, MDB_txn *txn, struct clreq *a, const char *did)
{
	const char *into = a->q->into;
	const Carenet__Directive *d;
	Carenet__DirectiveRecord *rec = NULL;
	Carenet__TargetRow *row = NULL;
	Carenet__Targets t = CARENET__TARGETS__INIT;
	struct issue_spec s = {0};
	char *ids[1] = {(char *)into}, note[160], *body = NULL, nid[ROLES_ID_MAX];
	uint64_t now = roles_now(r);
	size_t blen, nlen;
	int rc;

	if ((rc = roles_get_directive(r, txn, did, &rec)) != 0)
		return rc;
	if (!rec->issued || rec->directive->parent[0])
		goto out; /* relayed from above: the province's to issue again */
	if ((rc = roles_get_row(r, txn, did, into, &row)) != CN_ENOTFOUND)
		goto out; /* into is a target already (or an error) */
	d = rec->directive;
	snprintf(note, sizeof(note), "re-issued from %s: %s closed (撤销) into %s", did,
	         a->q->office, into);
	blen = strlen(d->body);
	nlen = strlen(note);
	if (blen + nlen + 5 < ROLES_MAX_BODY && (body = malloc(blen + nlen + 5)) != NULL) {
		char *p = body; /* the body, a blank line, "[note]" */
		memcpy(p, d->body, blen);
		p += blen;
		if (blen) {
			memcpy(p, "\n\n", 2);
			p += 2;
		}
		*p++ = '[';
		memcpy(p, note, nlen);
		p += nlen;
		*p++ = ']';
		*p = 0;
	}
	t.ids = ids;
	t.n_ids = 1;
	s.kind = d->kind;
	s.title = d->title;
	s.body = body ? body : d->body;
	s.ref = d->ref;
	s.targets = &t;
	s.expanded = ids;
	s.nexpanded = 1;
	/* past due: the same time again from now (it was never theirs) */
	s.due = d->due > now ? d->due : now + (d->due > rec->created ? d->due - rec->created : 86400);
	s.indicators = d->indicators;
	s.nindicators = d->n_indicators;
	s.action = d->kind == KIND_CIRCULAR        ? "circular"
	           : d->kind == KIND_RECTIFICATION ? "rectify"
	                                           : "issue";
	s.note = note;
	if ((rc = directive_issue(r, txn, &s, nid, r->err, sizeof(r->err))) == 0 &&
	    (rc = roles_vec_push(&a->issued, nid)) == 0)
		rc = roles_vec_push(&a->from, did);
	free(body);
out:
	carenet__target_row__free_unpacked(row, NULL);
	carenet__directive_record__free_unpacked(rec, NULL);
	return rc;
}

static int close_txn(MDB_txn *txn, void *arg)
{
	struct clreq *a = arg;
	struct roles *r = a->r;
	Carenet__Close c = CARENET__CLOSE__INIT;
	Carenet__Item it = CARENET__ITEM__INIT;
	char town[PKI_ID_MAX], *down[1] = {town};
	int rc;

	roles_vec_free(&a->dids); /* a replay (the map grew) starts afresh */
	roles_vec_free(&a->issued);
	roles_vec_free(&a->from);
	if (a->q->reissue && !a->q->into[0])
		return REFUSE(CN_EINVAL, "--reissue needs --into OTHER: whom to issue them to");
	if ((rc = close_check(r, txn, a->q)) != 0)
		return rc;
	snprintf(a->id, sizeof(a->id), "%s-close-%s", r->env.me->id, a->q->office);
	snprintf(town, sizeof(town), "%.9s", a->q->office);
	c.id = a->id;
	c.office = a->q->office;
	c.into = a->q->into;
	c.reason = a->q->reason;
	c.at = a->at = roles_now(r);
	c.down = down;
	c.n_down = pki_role_from_id(c.office) == PKI_ROLE_VILLAGE; /* its township holds rows */
	if ((rc = close_here(r, txn, r->env.me->id, &c, &a->retired, &a->dids)) != 0)
		return rc;
	for (size_t i = 0; a->q->reissue && i < a->dids.n && rc == 0; i++)
		rc = reissue_one(r, txn, a, a->dids.v[i]);
	if (rc != 0)
		return rc;
	if (c.n_down) {
		it.body_case = CARENET__ITEM__BODY_CLOSE;
		it.close = &c;
		rc = r->env.emit(r->env.arg, txn, &it, NULL, 0);
	}
	return rc;
}

static Carenet__CloseView *view_add(Carenet__ControlReply *rep, const Carenet__Close *c,
                                    uint64_t retired)
{
	Carenet__CloseView *v = calloc(1, sizeof(*v)), **nv;

	if (!v || !(nv = realloc(rep->closes, (rep->n_closes + 1) * sizeof(*nv)))) {
		free(v);
		return NULL;
	}
	rep->closes = nv;
	carenet__close_view__init(v);
	rep->closes[rep->n_closes++] = v;
	v->id = strdup(c->id);
	v->office = strdup(c->office);
	v->into = strdup(c->into);
	v->reason = strdup(c->reason);
	v->name = calloc(1, PKI_NAME_MAX);
	v->at = c->at;
	v->rows_retired = retired;
	return v->id && v->office && v->into && v->reason && v->name ? v : NULL;
}

int roles_close_req(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep)
{
	struct clreq a = {r, req->close, "", 0, 0, {0}, {0}, {0}};
	Carenet__Close c = CARENET__CLOSE__INIT;
	Carenet__CloseView *v;
	int rc = r->env.write(r->env.arg, close_txn, &a);

	roles_vec_free(&a.dids);
	if (rc != 0)
		goto out;
	c.id = a.id;
	c.office = req->close->office;
	c.into = req->close->into;
	c.reason = req->close->reason;
	c.at = a.at;
	snprintf(r->id, sizeof(r->id), "%s", a.id);
	rep->id = r->id;
	if (!(v = view_add(rep, &c, a.retired))) {
		rc = CN_ENOMEM;
		goto out;
	}
	/* the vectors' arrays and strings now belong to the view */
	v->reissued = a.issued.v, v->n_reissued = a.issued.n;
	v->reissued_from = a.from.v, v->n_reissued_from = a.from.n;
	a.issued = (struct strvec){0};
	a.from = (struct strvec){0};
out:
	roles_vec_free(&a.issued);
	roles_vec_free(&a.from);
	return rc;
}

/* ---- received: a closed village's township */

int close_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                const struct pki_identity *origin, const char *from, struct roles_route *route,
                char *why, size_t whylen)
{
	const Carenet__Close *c = item->close;
	const char *me = r->env.me->id;
	uint64_t retired;

	(void)route; /* kept here: the village is gone */
	if (!c || !c->id[0] || strlen(c->id) >= ROLES_ID_MAX || strlen(c->into) >= PKI_ID_MAX ||
	    strlen(c->reason) > CLOSE_REASON_MAX || !utf8_valid(c->reason, strlen(c->reason)) ||
	    c->n_down > 1) {
		roles_why(why, whylen, "a close needs an id, an office, and a reason of at most %d bytes",
		          CLOSE_REASON_MAX);
		return c ? CN_EINVAL : CN_EPROTO;
	}
	if (origin->role != PKI_ROLE_COUNTY || !closable(origin->id, c->office) ||
	    (c->into[0] && !closable(origin->id, c->into)) || roles_at_or_above(me, from) ||
	    !roles_at_or_above(origin->id, me)) {
		roles_why(why, whylen,
		          "a close of %.16s from %s (via %s): only the county of the office closes "
		          "it, down the tree",
		          c->office, item->origin, from);
		return CN_EROLE;
	}
	if (pki_role_from_id(c->office) != PKI_ROLE_VILLAGE || r->env.me->role != PKI_ROLE_TOWNSHIP ||
	    !roles_at_or_above(me, c->office)) {
		roles_why(why, whylen, "a close of %.16s does not concern %s (its township keeps it)",
		          c->office, me);
		return CN_ESCOPE;
	}
	return close_here(r, txn, item->origin, c, &retired, NULL);
}

/* ---- list */

struct lsctx {
	struct roles *r;
	MDB_txn *txn;
	Carenet__ControlReply *rep;
};

static int list_one(const Carenet__Close *c, uint64_t retired, void *arg)
{
	struct lsctx *l = arg;
	Carenet__CloseView *v = view_add(l->rep, c, retired);

	if (!v)
		return CN_ENOMEM;
	registry_get(l->r->env.store, l->txn, c->office, NULL, v->name, PKI_NAME_MAX);
	return 0;
}

static int list_txn(MDB_txn *txn, void *arg)
{
	struct lsctx *l = arg;

	l->txn = txn;
	return registry_close_each(l->r->env.store, txn, list_one, l);
}

int roles_close_list(struct roles *r, const Carenet__ControlRequest *req,
                     Carenet__ControlReply *rep)
{
	struct lsctx l = {r, NULL, rep};

	(void)req;
	return store_read(r->env.store, list_txn, &l);
}

void roles_close_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_closes; i++) {
		Carenet__CloseView *v = rep->closes[i];
		if (!v)
			continue;
		free(v->id);
		free(v->office);
		free(v->into);
		free(v->reason);
		free(v->name);
		for (size_t k = 0; k < v->n_reissued; k++)
			free(v->reissued[k]);
		for (size_t k = 0; k < v->n_reissued_from; k++)
			free(v->reissued_from[k]);
		free(v->reissued);
		free(v->reissued_from);
		free(v);
	}
	free(rep->closes);
	rep->closes = NULL;
	rep->n_closes = 0;
}
