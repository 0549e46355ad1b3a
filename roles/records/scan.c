/*
 * scan: every open record of one type whose owner begins with a prefix
 * (or is exactly one office), one at a time — its personal fields opened
 * only when the caller reads them — through an LMDB cursor over
 * the "t:" index (ids begin with their owner's id) and the "o:" index
 * (records moved in). Nothing is kept between records: the caller's
 * function sees each decoded record (personal fields opened) and must not
 * keep pointers into it. Used by roles top to feed roles/compliance; so is
 * records_review_each (the children with their reviews, read-only type
 * `review`).
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "records.h"
#include "util.h"

struct sc {
	struct roles *r;
	const struct rec_type *t;
	const char *prefix;
	int exact, personal;
	int (*fn)(const struct rec *rc, void *arg);
	void *arg;
};

/* The current version's non-personal fields only (nothing opened). */
static int get_head(struct sc *c, MDB_txn *txn, const char *id, struct rec *out)
{
	char key[REC_ID_MAX + 2], why[256];
	MDB_val k = {strlen(id) + 2, key}, d;
	Carenet__StoredRecord *sr;
	int ret;

	memset(out, 0, sizeof(*out));
	memcpy(key, "r:", 2);
	memcpy(key + 2, id, strlen(id));
	if ((ret = store_err(mdb_get(txn, roles_dbi(c->r, STORE_RECORDS), &k, &d), "records get")))
		return ret;
	if (!(sr = carenet__stored_record__unpack(NULL, d.mv_size, d.mv_data)))
		return CN_ESTORE;
	ret = sr->head ? rec_from_msg(out, sr->head, why, sizeof(why)) : CN_ESTORE;
	carenet__stored_record__free_unpacked(sr, NULL);
	if (ret)
		rec_clear(out);
	return ret ? CN_ESTORE : 0;
}

static int one(struct sc *c, MDB_txn *txn, const char *id, int moved)
{
	struct rec rc;
	int ret = c->personal ? rec_get(c->r, txn, id, &rc) : get_head(c, txn, id, &rc);

	if (ret != 0)
		return ret == CN_ENOTFOUND ? 0 : ret;
	if (rc.closed ||
	    (c->exact ? strcmp(rc.owner, c->prefix)
	              : strncmp(rc.owner, c->prefix, strlen(c->prefix))) ||
	    (!moved && !records_id_of(rc.id, rc.owner)))
		ret = 0; /* closed, elsewhere, or listed through "o:" */
	else
		ret = c->fn(&rc, c->arg);
	rec_clear(&rc);
	return ret;
}

static int scan(struct sc *c, MDB_txn *txn, char tag)
{
	char prefix[256];
	size_t pl =
	    (size_t)snprintf(prefix, sizeof(prefix), "%c:%s%c%s", tag, c->t->name, 0, c->prefix);
	size_t head = 3 + strlen(c->t->name);
	MDB_cursor *cur;
	MDB_val k = {pl, prefix}, d;
	int ret, mrc;

	if (pl >= sizeof(prefix))
		return CN_EINVAL;
	if ((ret = store_err(mdb_cursor_open(txn, roles_dbi(c->r, STORE_RECORDS), &cur),
	                     "records scan")))
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		const char *kd = k.mv_data, *nul;
		char id[REC_ID_MAX];
		size_t il;
		if (k.mv_size < pl || memcmp(kd, prefix, pl) != 0)
			break;
		nul = memchr(kd + pl, 0, k.mv_size - pl); /* "o:": owner '\0' id */
		il = nul ? k.mv_size - (size_t)(nul + 1 - kd) : k.mv_size - head;
		if (il >= REC_ID_MAX)
			continue;
		memcpy(id, nul ? nul + 1 : kd + head, il);
		id[il] = 0;
		ret = one(c, txn, id, tag == 'o');
	}
	mdb_cursor_close(cur);
	if (ret == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		ret = store_err(mrc, "records scan");
	return ret;
}

int records_each(struct roles *r, MDB_txn *txn, const struct rec_type *t, const char *prefix,
                 int exact, int personal, int (*fn)(const struct rec *rc, void *arg), void *arg)
{
	struct sc c = {r, t, prefix, exact, personal, fn, arg};
	int ret = scan(&c, txn, 't');
	return ret ? ret : scan(&c, txn, 'o');
}

/* ---- the read-only type `review` (issue 10): each open child with its
 * township's review (审核, "v:" beside the record) and what the national
 * systems need (categories, sys_welfare_at, sys_lb_at), for the rules. */
struct rv {
	struct roles *r;
	MDB_txn *txn;
	const struct rec_type *t;
	int (*fn)(const struct rec *rc, void *arg);
	void *arg;
};

static void rv_copy(struct rec *out, const struct rec *child, const char *name)
{
	int from = roles_record_field(child->t, name), to = roles_record_field(out->t, name);
	if (from >= 0 && to >= 0)
		out->val[to] = child->val[from];
}

static int rv_one(const struct rec *child, void *arg)
{
	struct rv *c = arg;
	struct rec_review rv;
	struct rec out;
	char at[32];
	int ret;

	memset(&out, 0, sizeof(out));
	if ((ret = rec_review_get(c->r, c->txn, child->id, &rv)) != 0 && ret != CN_ENOTFOUND)
		return ret;
	out.t = c->t, out.version = child->version, out.changed_at = child->changed_at;
	snprintf(out.id, sizeof(out.id), "%s", child->id);
	snprintf(out.owner, sizeof(out.owner), "%s", child->owner);
	out.val[roles_record_field(c->t, "child")] = out.id;
	rv_copy(&out, child, "categories");
	rv_copy(&out, child, "sys_welfare_at");
	rv_copy(&out, child, "sys_lb_at");
	out.val[roles_record_field(c->t, "review_state")] = (char *)rec_review_state(child, &rv);
	if (rv.held) {
		util_fmt_time(rv.at, CARENET_DEFAULT_TZ, at, sizeof(at));
		at[10] = 0;
		out.val[roles_record_field(c->t, "reviewed_at")] = at;
		out.val[roles_record_field(c->t, "reviewer_tier")] =
		    strlen(rv.by) == 9 ? "township" : strlen(rv.by) == 6 ? "county" : "other";
	}
	ret = c->fn(&out, c->arg);
	rec_review_clear(&rv);
	return ret;
}

int records_review_each(struct roles *r, MDB_txn *txn, const struct rec_type *t,
                        const char *prefix, int exact, int personal,
                        int (*fn)(const struct rec *rc, void *arg), void *arg)
{
	struct rv c = {r, txn, t, fn, arg};
	return records_each(r, txn, roles_record_type("child"), prefix, exact, personal, rv_one, &c);
}
