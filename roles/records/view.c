/*
 * view: the operator's requests on records — write (records_write in one
 * transaction), list, show and history. Personal fields are masked unless
 * the request asks to reveal them; a reveal is allowed to the operator of
 * the owner and of the offices above it (the only ones that hold the
 * record) and is written to the audit log (which record, or which listing;
 * never a value).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arr.h"
#include "err.h"
#include "log.h"
#include "records.h"

struct vctx {
	struct roles *r;
	const Carenet__RecordListRequest *list;
	const Carenet__RecordShowRequest *show;
	const Carenet__RecordWriteRequest *write;
	const struct rec_type *t;
	int where[REC_MAX_FIELDS]; /* a field's row, or WHERE_REVIEW */
	struct rec_idset verified; /* --stale: children verified by a visit since */
	char since[16];
	Carenet__RecordVersion **v;
	size_t n, cap;
	struct strvec errs, ids;
};

#define WHERE_REVIEW (-2)

/* Appends a field that is not the owner's (the review, a transfer). */
static int extra(Carenet__RecordVersion *m, const char *name, const char *value)
{
	Carenet__Field **f = realloc(m->fields, (m->n_fields + 1) * sizeof(*f)), *x;

	if (!f)
		return CN_ENOMEM;
	m->fields = f;
	if (!(x = calloc(1, sizeof(*x))))
		return CN_ENOMEM;
	carenet__field__init(x);
	f[m->n_fields++] = x;
	x->name = strdup(name);
	x->value = strdup(value);
	return x->name && x->value ? 0 : CN_ENOMEM;
}

static void date_of(uint64_t t, char *out, size_t len)
{
	time_t s = (time_t)(t + 8 * 3600); /* the offices' day (UTC+8) */
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

/* review, review_note, reviewed_at, reviewed_by; transfer_to while pending. */
static int extras(struct roles *r, MDB_txn *txn, const struct rec *rc, Carenet__RecordVersion *m)
{
	struct rec_review rv;
	struct rec_xfer x;
	char day[16];
	int ret = rec_review_get(r, txn, rc->id, &rv);

	if (ret == 0) {
		date_of(rv.at, day, sizeof(day));
		if ((ret = extra(m, "review", rec_review_state(rc, &rv))) == 0 &&
		    (ret = extra(m, "review_note", rv.note)) == 0 &&
		    (ret = extra(m, "reviewed_at", day)) == 0)
			ret = extra(m, "reviewed_by", rv.by);
	} else if (ret == CN_ENOTFOUND) {
		ret = 0;
	}
	rec_review_clear(&rv);
	if (ret == 0 && rec_transfer_get(r, txn, rc->id, &x) == 0 && !strcmp(x.from, rc->owner))
		ret = extra(m, "transfer_to", x.to);
	return ret;
}

static int push(struct vctx *c, MDB_txn *txn, const struct rec *rc, int reveal)
{
	Carenet__RecordVersion *m;

	if (ARR_GROW(c->v, c->n + 1, c->cap) || !(m = rec_to_msg(rc, reveal)))
		return CN_ENOMEM;
	c->v[c->n++] = m;
	return txn ? extras(c->r, txn, rc, m) : 0;
}

static void views_free(struct vctx *c)
{
	for (size_t i = 0; i < c->n; i++)
		rec_msg_free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

/* The operator of the owner, its township or its county (under its id now
 * or a former one): 1, 0, or negative on error. */
static int may_reveal(struct roles *r, MDB_txn *txn, const char *owner)
{
	return roles_at_or_below_me(r, txn, owner);
}

static int audit_reveal(struct roles *r, MDB_txn *txn, const char *subject, const char *what,
                        size_t n)
{
	return roles_audit(r, txn, r->env.me->id, "reveal", subject, "%s: %zu revealed", what, n);
}

/* ---- list */

static int review_is(struct vctx *c, MDB_txn *txn, const struct rec *rc, const char *want)
{
	struct rec_review rv;
	int ret = rec_review_get(c->r, txn, rc->id, &rv);

	if (ret == 0 || ret == CN_ENOTFOUND)
		ret = strcmp(rec_review_state(rc, &rv), want) == 0;
	rec_review_clear(&rv);
	return ret;
}

/* --stale: an open child not verified since c->since. */
static int stale(struct vctx *c, const struct rec *rc)
{
	int k = roles_record_field(rc->t, "verified_at");
	const char *v = k >= 0 && rc->val[k] ? rc->val[k] : "";

	return !rc->closed && strcmp(v, c->since) < 0 && !records_idset_has(&c->verified, rc->id);
}

/* 1 if wanted, 0 if not, or an error. */
static int wanted(struct vctx *c, MDB_txn *txn, const struct rec *rc)
{
	const Carenet__RecordListRequest *q = c->list;
	int ret;

	if (q->stale && !stale(c, rc))
		return 0;
	for (size_t i = 0; i < q->n_where; i++) {
		int k = c->where[i];
		if (k == WHERE_REVIEW) {
			if ((ret = review_is(c, txn, rc, q->where[i]->value)) != 1)
				return ret;
			continue;
		}
		const struct rec_field *f = &rc->t->fields[k];
		const char *v = rc->val[k];
		if (f->kind == RK_SET ? !records_has(f, v, q->where[i]->value)
		                      : strcmp(v ? v : "", q->where[i]->value) != 0)
			return 0;
	}
	return 1;
}

/* moved: found through the "o:" index (a record whose owner changed). */
static int consider(struct vctx *c, MDB_txn *txn, const char *id, int moved)
{
	const Carenet__RecordListRequest *q = c->list;
	struct rec rc;
	int ret;

	if ((ret = rec_get(c->r, txn, id, &rc)) != 0)
		return ret;
	if (strncmp(rc.owner, q->office, strlen(q->office)) != 0 ||
	    (q->office[0] && !moved && !records_id_of(rc.id, rc.owner)))
		ret = 0; /* moved out of the prefix, or listed through "o:" */
	else if ((ret = wanted(c, txn, &rc)) == 1 && q->reveal)
		ret = may_reveal(c->r, txn, rc.owner);
	if (ret == 1)
		ret = push(c, txn, &rc, q->reveal);
	rec_clear(&rc);
	return ret;
}

/* Every id under key prefix tag:type'\0'office..., its id after the last NUL. */
static int scan(struct vctx *c, MDB_txn *txn, char tag)
{
	const Carenet__RecordListRequest *q = c->list;
	char prefix[256];
	size_t pl = (size_t)snprintf(prefix, sizeof(prefix), "%c:%s%c%s", tag, c->t->name, 0,
	                             q->office);
	MDB_cursor *cur;
	MDB_val k = {pl, prefix}, d;
	int ret, mrc;

	if ((ret = store_err(mdb_cursor_open(txn, roles_dbi(c->r, STORE_RECORDS), &cur),
	                     "records list")))
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		const char *kd = k.mv_data, *nul;
		char id[REC_ID_MAX];
		size_t il;
		if (k.mv_size < pl || memcmp(kd, prefix, pl) != 0)
			break;
		nul = memchr(kd + pl, 0, k.mv_size - pl); /* "o:": owner '\0' id */
		il = nul ? k.mv_size - (size_t)(nul + 1 - kd) : k.mv_size - (3 + strlen(c->t->name));
		if (il >= REC_ID_MAX)
			continue;
		memcpy(id, nul ? nul + 1 : kd + 3 + strlen(c->t->name), il);
		id[il] = 0;
		ret = consider(c, txn, id, tag == 'o');
	}
	mdb_cursor_close(cur);
	if (ret == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		ret = store_err(mrc, "records list");
	return ret;
}

static int list_txn(MDB_txn *txn, void *arg)
{
	struct vctx *c = arg;
	const Carenet__RecordListRequest *q = c->list;
	int ret = 0;

	views_free(c);
	if (q->stale) {
		date_of(roles_now(c->r) - q->stale, c->since, sizeof(c->since));
		ret = records_verified(c->r, txn, &c->verified, c->since);
	}
	if (ret == 0)
		ret = scan(c, txn, 't');
	if (ret == 0 && q->office[0])
		ret = scan(c, txn, 'o');
	if (ret == 0 && q->reveal)
		ret = audit_reveal(c->r, txn, c->t->name, q->office[0] ? q->office : "list", c->n);
	return ret;
}

int records_list(struct roles *r, const Carenet__RecordListRequest *q, Carenet__ControlReply *rep)
{
	struct vctx c = {.r = r, .list = q};
	int ret;

	if (!(c.t = roles_record_type(q->type))) {
		roles_why(r->err, sizeof(r->err), "unknown record type '%.32s': use one of %s",
		          q->type, RECORDS_TYPE_NAMES);
		return CN_EINVAL;
	}
	if (q->n_where > REC_MAX_FIELDS || strlen(q->office) > 64) {
		roles_why(r->err, sizeof(r->err), "too many --where, or --office too long");
		return CN_EINVAL;
	}
	if (q->stale && strcmp(c.t->name, "child") != 0) {
		roles_why(r->err, sizeof(r->err), "--stale is for children (--type child)");
		return CN_EINVAL;
	}
	for (size_t i = 0; i < q->n_where; i++) {
		if (!strcmp(q->where[i]->name, "review")) {
			c.where[i] = WHERE_REVIEW; /* none, pending, approved, returned */
			continue;
		}
		if ((c.where[i] = roles_record_field(c.t, q->where[i]->name)) < 0) {
			roles_why(r->err, sizeof(r->err), "unknown field %.64s for type %s (see "
			          "carenet record template --type %s)", q->where[i]->name,
			          c.t->name, c.t->name);
			return CN_EINVAL;
		}
	}
	ret = q->reveal ? r->env.write(r->env.arg, list_txn, &c)
	                : store_read(r->env.store, list_txn, &c);
	records_idset_free(&c.verified);
	if (ret != 0) {
		views_free(&c);
		return ret;
	}
	rep->records = c.v;
	rep->n_records = c.n;
	return 0;
}

/* ---- show, history */

static int show_txn(MDB_txn *txn, void *arg)
{
	struct vctx *c = arg;
	const Carenet__RecordShowRequest *q = c->show;
	struct rec rc;
	uint64_t last;
	int ret;

	views_free(c);
	if ((ret = rec_get(c->r, txn, q->id, &rc)) != 0) {
		if (ret == CN_ENOTFOUND)
			roles_why(c->r->err, sizeof(c->r->err), "no record %.64s here (carenet "
			          "record list --type TYPE lists them)", q->id);
		return ret;
	}
	if (q->reveal && (ret = may_reveal(c->r, txn, rc.owner)) != 1) {
		if (ret == 0)
			roles_why(c->r->err, sizeof(c->r->err), "record %s is not of this office or "
			          "below it: it may not be revealed here", rc.id);
		rec_clear(&rc);
		return ret ? ret : CN_EPERM;
	}
	ret = 0;
	last = rc.version;
	if (!q->history)
		ret = push(c, txn, &rc, q->reveal);
	rec_clear(&rc);
	for (uint64_t v = 1; q->history && v <= last && ret == 0; v++) {
		if ((ret = rec_get_version(c->r, txn, q->id, v, &rc)) == CN_ENOTFOUND) {
			ret = 0; /* a version this replica never saw (it arrived newer) */
			continue;
		}
		if (ret == 0)
			ret = push(c, NULL, &rc, q->reveal);
		rec_clear(&rc);
	}
	if (ret == 0 && q->reveal)
		ret = audit_reveal(c->r, txn, q->id, q->history ? "history" : "show", c->n);
	return ret;
}

int records_show(struct roles *r, const Carenet__RecordShowRequest *q, Carenet__ControlReply *rep)
{
	struct vctx c = {.r = r, .show = q};
	int ret;

	if (!q->id[0]) {
		roles_why(r->err, sizeof(r->err), "record show needs a record id");
		return CN_EINVAL;
	}
	ret = q->reveal ? r->env.write(r->env.arg, show_txn, &c)
	                : store_read(r->env.store, show_txn, &c);
	if (ret != 0) {
		views_free(&c);
		return ret;
	}
	rep->records = c.v;
	rep->n_records = c.n;
	return 0;
}

/* ---- write */

static int write_txn(MDB_txn *txn, void *arg)
{
	struct vctx *c = arg;

	roles_vec_free(&c->errs); /* a replay after MAP_FULL starts afresh */
	roles_vec_free(&c->ids);
	return records_write(c->r, txn, c->write, &c->errs, &c->ids);
}

int records_write_req(struct roles *r, const Carenet__RecordWriteRequest *q,
                      Carenet__ControlReply *rep)
{
	struct vctx c = {.r = r, .write = q};
	int ret = r->env.write(r->env.arg, write_txn, &c);

	if (ret == CN_EINVAL && c.errs.n)
		roles_why(r->err, sizeof(r->err), "%zu problem(s); nothing was written", c.errs.n);
	else if (ret == CN_EPERM)
		roles_why(r->err, sizeof(r->err), "this node has no records key: restart it so "
		          "it makes one (records.key next to node.key)");
	if (ret != 0)
		roles_vec_free(&c.ids);
	rep->record_errors = c.errs.v;
	rep->n_record_errors = c.errs.n;
	rep->record_ids = c.ids.v;
	rep->n_record_ids = c.ids.n;
	if (ret == 0 && !q->dry_run)
		log_info("records: %zu record version(s) written", c.ids.n);
	return ret;
}

void records_reply_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_records; i++)
		rec_msg_free(rep->records[i]);
	free(rep->records);
	rep->records = NULL;
	rep->n_records = 0;
	for (size_t i = 0; i < rep->n_record_errors; i++)
		free(rep->record_errors[i]);
	free(rep->record_errors);
	rep->record_errors = NULL;
	rep->n_record_errors = 0;
	for (size_t i = 0; i < rep->n_record_ids; i++)
		free(rep->record_ids[i]);
	free(rep->record_ids);
	rep->record_ids = NULL;
	rep->n_record_ids = 0;
}
