/*
 * ledger: what the records held here add up to, with no personal field in
 * it — `ledger summary` (children by category, guardianship status and
 * school stage; staff and homes; activities and visits by month; per owner
 * office) — and the children verified since a date (`record list --stale`:
 * verified_at, or a visit of kind 核实更新 naming the child).
 *
 * Counted: open records (not closed) whose owner begins with the request's
 * prefix; a child being transferred out of this office's subtree is no
 * longer counted here (the county counts it under its owner until the new
 * owner accepts it, then under the new owner: once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "err.h"
#include "moved.h"
#include "records.h"

struct sctx {
	struct roles *r;
	const char *office;
	Carenet__SummaryCount **v;
	size_t n, cap;
};

static int count(struct sctx *c, const char *office, const char *measure, const char *value)
{
	Carenet__SummaryCount *s;

	for (size_t i = c->n; i-- > 0;) {
		s = c->v[i];
		if (!strcmp(s->office, office) && !strcmp(s->measure, measure) &&
		    !strcmp(s->value, value)) {
			s->count++;
			return 0;
		}
	}
	if (ARR_GROW(c->v, c->n + 1, c->cap) || !(s = calloc(1, sizeof(*s))))
		return CN_ENOMEM;
	carenet__summary_count__init(s);
	c->v[c->n++] = s;
	s->office = strdup(office);
	s->measure = strdup(measure);
	s->value = strdup(value);
	s->count = 1;
	return s->office && s->measure && s->value ? 0 : CN_ENOMEM;
}

static const char *val(const struct rec *rc, const char *name)
{
	int k = roles_record_field(rc->t, name);
	return k >= 0 && rc->val[k] ? rc->val[k] : "";
}

/* 1 if a transfer takes rc out of this office's subtree (not counted here),
 * 0 if not, negative on error. The subtree under this office's former ids
 * too (a township whose own code changed). */
static int leaving(struct roles *r, MDB_txn *txn, const struct rec *rc)
{
	struct rec_xfer x;
	int ret;

	if (rec_transfer_get(r, txn, rc->id, &x) != 0 || strcmp(x.from, rc->owner) != 0)
		return 0;
	ret = roles_at_or_below_me(r, txn, x.to);
	return ret < 0 ? ret : !ret;
}

static int count_child(struct sctx *c, const struct rec *rc)
{
	const char *cats = val(rc, "categories"), *p = cats;
	char one[REC_MAX_VALUE];
	size_t sl = strlen(REC_SET_SEP);
	int ret;

	if ((ret = count(c, rc->owner, "children", "")) ||
	    (ret = count(c, rc->owner, "guardianship", val(rc, "guardianship_status"))) ||
	    (ret = count(c, rc->owner, "school_stage", val(rc, "school_stage"))))
		return ret;
	while (*p) {
		const char *e = strstr(p, REC_SET_SEP);
		size_t n = e ? (size_t)(e - p) : strlen(p);
		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		if (n && (ret = count(c, rc->owner, "category", one)) != 0)
			return ret;
		p += n + (e ? sl : 0);
	}
	return 0;
}

/* 1 if owner moved (moved.h) to nw, neither this office nor below it, now
 * or under a former id (moved_out_of, with this office's former ids: a
 * village renumbered under its township's old code stays counted), 0 if
 * not, negative on error. */
static int moved_out(struct roles *r, MDB_txn *txn, const char *owner, char *nw, size_t len)
{
	int ret = moved_to(r->env.store, txn, owner, nw, len);

	if (ret != 0)
		return ret == CN_ENOTFOUND ? 0 : ret;
	ret = roles_at_or_below_me(r, txn, nw);
	return ret < 0 ? ret : !ret;
}

/* A child of a village that moved out of this subtree: not counted, but
 * shown as "moved_to" NEW (已迁出) under its old owner. */
static int moved_away(struct sctx *c, const struct rec *rc, const char *nw)
{
	if (strcmp(rc->t->name, "child") != 0)
		return 0;
	return count(c, rc->owner, "moved_to", nw);
}

static int count_one(struct sctx *c, MDB_txn *txn, const struct rec *rc)
{
	const char *name = rc->t->name;
	char month[8], nw[PKI_ID_MAX];
	int ret;

	if (rc->closed || strncmp(rc->owner, c->office, strlen(c->office)) != 0)
		return 0;
	if ((ret = moved_out(c->r, txn, rc->owner, nw, sizeof(nw))) != 0)
		return ret < 0 ? ret : moved_away(c, rc, nw); /* to another township (moved.h) */
	if (!strcmp(name, "child")) {
		if ((ret = leaving(c->r, txn, rc)) != 0)
			return ret < 0 ? ret : 0;
		return count_child(c, rc);
	}
	if (!strcmp(name, "staff"))
		return val(rc, "end_at")[0] ? 0 : count(c, rc->owner, "staff", "");
	if (!strcmp(name, "office")) {
		const char *k = val(rc, "kind");
		return strcmp(k, "儿童之家") && strcmp(k, "区域性儿童之家")
		           ? 0
		           : count(c, rc->owner, "homes", "");
	}
	snprintf(month, sizeof(month), "%.7s", val(rc, "date"));
	return count(c, rc->owner, !strcmp(name, "activity") ? "activities" : "visits", month);
}

/* Calls fn for every record of type held here. */
static int each_of(struct roles *r, MDB_txn *txn, const char *type,
                   int (*fn)(void *arg, MDB_txn *txn, const struct rec *rc), void *arg)
{
	char prefix[64];
	size_t pl = (size_t)snprintf(prefix, sizeof(prefix), "t:%s", type) + 1;
	MDB_cursor *cur;
	MDB_val k = {pl, prefix}, d;
	int ret, mrc;

	if ((ret = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_RECORDS), &cur),
	                     "records scan")))
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		char id[REC_ID_MAX];
		size_t il = k.mv_size - pl;
		struct rec rc;
		if (k.mv_size < pl || memcmp(k.mv_data, prefix, pl) != 0 || il >= REC_ID_MAX)
			break;
		memcpy(id, (char *)k.mv_data + pl, il);
		id[il] = 0;
		if ((ret = rec_get(r, txn, id, &rc)) == 0)
			ret = fn(arg, txn, &rc);
		rec_clear(&rc);
	}
	mdb_cursor_close(cur);
	if (ret == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		ret = store_err(mrc, "records scan");
	return ret;
}

static int summary_one(void *arg, MDB_txn *txn, const struct rec *rc)
{
	return count_one(arg, txn, rc);
}

static int summary_txn(MDB_txn *txn, void *arg)
{
	static const char *const types[] = {"child", "staff", "office", "activity", "visit"};
	struct sctx *c = arg;
	int ret = 0;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && ret == 0; i++)
		ret = each_of(c->r, txn, types[i], summary_one, c);
	return ret;
}

static int by_key(const void *a, const void *b)
{
	const Carenet__SummaryCount *x = *(Carenet__SummaryCount *const *)a,
	                            *y = *(Carenet__SummaryCount *const *)b;
	int d = strcmp(x->office, y->office);

	if (!d)
		d = strcmp(x->measure, y->measure);
	return d ? d : strcmp(x->value, y->value);
}

static void counts_free(Carenet__SummaryCount **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]->office);
		free(v[i]->measure);
		free(v[i]->value);
		free(v[i]);
	}
	free(v);
}

int records_summary_txn(struct roles *r, MDB_txn *txn, const char *office,
                        Carenet__SummaryCount ***v, size_t *n)
{
	struct sctx c = {.r = r, .office = office};
	int ret = summary_txn(txn, &c);

	if (ret != 0) {
		counts_free(c.v, c.n);
		return ret;
	}
	*v = c.v;
	*n = c.n;
	return 0;
}

void records_counts_free(Carenet__SummaryCount **v, size_t n)
{
	counts_free(v, n);
}

int records_summary(struct roles *r, const Carenet__LedgerSummaryRequest *q,
                    Carenet__ControlReply *rep)
{
	struct sctx c = {.r = r, .office = q->office};
	int ret;

	if (strlen(q->office) > 64) {
		roles_why(r->err, sizeof(r->err), "--office too long");
		return CN_EINVAL;
	}
	if ((ret = store_read(r->env.store, summary_txn, &c)) != 0) {
		counts_free(c.v, c.n);
		return ret;
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), by_key);
	rep->summary = c.v;
	rep->n_summary = c.n;
	return 0;
}

void records_summary_free(Carenet__ControlReply *rep)
{
	counts_free(rep->summary, rep->n_summary);
	rep->summary = NULL;
	rep->n_summary = 0;
}

/* ---- verified since */

struct vsctx {
	struct rec_idset *s;
	size_t cap;
	const char *since;
};

static int add_id(struct vsctx *c, const char *p, size_t n)
{
	char *id;

	if (!n || n >= REC_ID_MAX)
		return 0;
	if (ARR_GROW(c->s->v, c->s->n + 1, c->cap) || !(id = strndup(p, n)))
		return CN_ENOMEM;
	c->s->v[c->s->n++] = id;
	return 0;
}

static int verified_one(void *arg, MDB_txn *txn, const struct rec *rc)
{
	struct vsctx *c = arg;
	const char *p = val(rc, "children");
	int ret = 0;

	(void)txn;
	if (rc->closed || strcmp(val(rc, "kind"), "核实更新") != 0 ||
	    strcmp(val(rc, "date"), c->since) < 0)
		return 0;
	while (*p && ret == 0) { /* ids separated by 、 , ; or spaces */
		size_t n = strcspn(p, ",; \t");
		const char *sep = strstr(p, REC_SET_SEP);
		if (sep && (size_t)(sep - p) < n)
			n = (size_t)(sep - p);
		ret = add_id(c, p, n);
		p += n;
		p += strspn(p, ",; \t");
		if (!strncmp(p, REC_SET_SEP, strlen(REC_SET_SEP)))
			p += strlen(REC_SET_SEP);
	}
	return ret;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int records_verified(struct roles *r, MDB_txn *txn, struct rec_idset *s, const char *since)
{
	struct vsctx c = {s, 0, since};
	int ret;

	records_idset_free(s);
	if ((ret = each_of(r, txn, "visit", verified_one, &c)) != 0)
		return ret;
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), by_str);
	return 0;
}

int records_idset_has(const struct rec_idset *s, const char *id)
{
	return s->n && bsearch(&id, s->v, s->n, sizeof(*s->v), by_str) != NULL;
}

void records_idset_free(struct rec_idset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
