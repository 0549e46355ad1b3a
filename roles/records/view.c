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
	int where[REC_MAX_FIELDS];
	Carenet__RecordVersion **v;
	size_t n, cap;
	struct strvec errs, ids;
};

static int push(struct vctx *c, const struct rec *rc, int reveal)
{
	Carenet__RecordVersion *m;

	if (ARR_GROW(c->v, c->n + 1, c->cap) || !(m = rec_to_msg(rc, reveal)))
		return CN_ENOMEM;
	c->v[c->n++] = m;
	return 0;
}

static void views_free(struct vctx *c)
{
	for (size_t i = 0; i < c->n; i++)
		rec_msg_free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

/* The operator of the owner, its township or its county. */
static int may_reveal(struct roles *r, const char *owner)
{
	const char *me = r->env.me->id;
	return strncmp(owner, me, strlen(me)) == 0;
}

static int audit_reveal(struct roles *r, MDB_txn *txn, const char *subject, const char *what,
                        size_t n)
{
	return roles_audit(r, txn, r->env.me->id, "reveal", subject, "%s: %zu revealed", what, n);
}

/* ---- list */

static int wanted(struct vctx *c, const struct rec *rc)
{
	const Carenet__RecordListRequest *q = c->list;

	for (size_t i = 0; i < q->n_where; i++) {
		int k = c->where[i];
		const struct rec_field *f = &rc->t->fields[k];
		const char *v = rc->val[k];
		if (f->kind == RK_SET ? !records_has(f, v, q->where[i]->value)
		                      : strcmp(v ? v : "", q->where[i]->value) != 0)
			return 0;
	}
	return 1;
}

static int list_txn(MDB_txn *txn, void *arg)
{
	struct vctx *c = arg;
	const Carenet__RecordListRequest *q = c->list;
	char prefix[256];
	size_t pl = (size_t)snprintf(prefix, sizeof(prefix), "t:%s%c%s", c->t->name, 0, q->office);
	MDB_cursor *cur;
	MDB_val k = {pl, prefix}, d;
	int ret, mrc;

	views_free(c);
	if ((ret = store_err(mdb_cursor_open(txn, roles_dbi(c->r, STORE_RECORDS), &cur),
	                     "records list")))
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		char id[REC_ID_MAX];
		size_t il = k.mv_size - (3 + strlen(c->t->name));
		struct rec rc;
		if (k.mv_size < pl || memcmp(k.mv_data, prefix, pl) != 0 || il >= REC_ID_MAX)
			break;
		memcpy(id, (char *)k.mv_data + 3 + strlen(c->t->name), il);
		id[il] = 0;
		if ((ret = rec_get(c->r, txn, id, &rc)) != 0)
			break;
		if (wanted(c, &rc) && (!q->reveal || may_reveal(c->r, rc.owner)))
			ret = push(c, &rc, q->reveal);
		rec_clear(&rc);
	}
	mdb_cursor_close(cur);
	if (ret == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		ret = store_err(mrc, "records list");
	if (ret == 0 && q->reveal)
		ret = audit_reveal(c->r, txn, c->t->name, q->office[0] ? q->office : "list", c->n);
	return ret;
}

int records_list(struct roles *r, const Carenet__RecordListRequest *q, Carenet__ControlReply *rep)
{
	struct vctx c = {.r = r, .list = q};
	int ret;

	if (!(c.t = roles_record_type(q->type))) {
		roles_why(r->err, sizeof(r->err), "unknown record type '%.32s': use office, "
		          "division, document, staff, training, meeting, child, activity or visit",
		          q->type);
		return CN_EINVAL;
	}
	if (q->n_where > REC_MAX_FIELDS || strlen(q->office) > 64) {
		roles_why(r->err, sizeof(r->err), "too many --where, or --office too long");
		return CN_EINVAL;
	}
	for (size_t i = 0; i < q->n_where; i++) {
		if ((c.where[i] = roles_record_field(c.t, q->where[i]->name)) < 0) {
			roles_why(r->err, sizeof(r->err), "unknown field %.64s for type %s (see "
			          "carenet record template --type %s)", q->where[i]->name,
			          c.t->name, c.t->name);
			return CN_EINVAL;
		}
	}
	ret = q->reveal ? r->env.write(r->env.arg, list_txn, &c)
	                : store_read(r->env.store, list_txn, &c);
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
	if (q->reveal && !may_reveal(c->r, rc.owner)) {
		roles_why(c->r->err, sizeof(c->r->err), "record %s is not of this office or below "
		          "it: it may not be revealed here", rc.id);
		rec_clear(&rc);
		return CN_EPERM;
	}
	last = rc.version;
	if (!q->history)
		ret = push(c, &rc, q->reveal);
	rec_clear(&rc);
	for (uint64_t v = 1; q->history && v <= last && ret == 0; v++) {
		if ((ret = rec_get_version(c->r, txn, q->id, v, &rc)) == CN_ENOTFOUND) {
			ret = 0; /* a version this replica never saw (it arrived newer) */
			continue;
		}
		if (ret == 0)
			ret = push(c, &rc, q->reveal);
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
