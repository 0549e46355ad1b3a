/*
 * cases: R14 case records (个案) at the county — opening one (from a report,
 * a hotline call, a visit, an application, or otherwise) as an ordinary
 * record write, so it is validated, stored, emitted and audited as every
 * record is; showing one with every record held here that refers to it
 * (masked as records are, a reveal audited); and whether a directive's
 * --ref names a case held here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arr.h"
#include "err.h"
#include "records.h"

static const char *const case_sources[] = {"R12", "R13", "R11", "R15", "other", NULL};

/* "YYYY-MM-DD HH:MM" in China time (UTC+8), as RK_TIME values are kept. */
void records_time_text(uint64_t t, char *out, size_t len)
{
	time_t s = (time_t)(t + 8 * 3600);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

static void field(Carenet__Field *f, Carenet__Field **fp, size_t *n, const char *name,
                  const char *value)
{
	carenet__field__init(&f[*n]);
	f[*n].name = (char *)name;
	f[*n].value = (char *)value;
	fp[*n] = &f[*n];
	(*n)++;
}

static int source_ok(const char *source)
{
	for (size_t i = 0; case_sources[i]; i++)
		if (!strcmp(source, case_sources[i]))
			return 1;
	return 0;
}

/* The problems of a refused write, one after another, into r->err. */
static void errs_to_why(struct roles *r, const struct strvec *errs)
{
	size_t off = 0;

	r->err[0] = 0;
	for (size_t i = 0; i < errs->n && off < sizeof(r->err); i++)
		off += (size_t)snprintf(r->err + off, sizeof(r->err) - off, "%s%s", i ? "; " : "",
		                        errs->v[i]);
}

int records_case_open(struct roles *r, MDB_txn *txn, const char *source, const char *source_ref,
                      const char *child, const char *description, char *id_out, size_t idlen)
{
	Carenet__Field f[8], *fp[8];
	Carenet__RecordInput in = CARENET__RECORD_INPUT__INIT, *inp = &in;
	Carenet__RecordWriteRequest q = CARENET__RECORD_WRITE_REQUEST__INIT;
	struct strvec errs = {0}, ids = {0};
	char opened[32];
	size_t n = 0;
	int ret;

	if (!records_may_own(roles_record_type("case"), r->env.me->id, r->err, sizeof(r->err)))
		return CN_EROLE;
	if (!source || !source_ok(source) || !source_ref || !source_ref[0]) {
		roles_why(r->err, sizeof(r->err),
		          "a case needs its source (R12, R13, R11, R15 or "
		          "other) and the id of what it comes from (--source S --ref ID)");
		return CN_EINVAL;
	}
	records_time_text(roles_now(r), opened, sizeof(opened));
	field(f, fp, &n, "opened_at", opened);
	field(f, fp, &n, "source", source);
	field(f, fp, &n, "source_ref", source_ref);
	field(f, fp, &n, "status", "在办");
	if (child && child[0])
		field(f, fp, &n, "child", child);
	if (description && description[0])
		field(f, fp, &n, "child_description", description);
	in.type = "case";
	in.set = fp;
	in.n_set = n;
	q.records = &inp;
	q.n_records = 1;
	ret = records_write(r, txn, &q, &errs, &ids);
	if (ret == CN_EINVAL && errs.n)
		errs_to_why(r, &errs);
	if (ret == 0 && id_out)
		snprintf(id_out, idlen, "%s", ids.n ? ids.v[0] : "");
	roles_vec_free(&errs);
	roles_vec_free(&ids);
	return ret;
}

int records_hotline_reported(struct roles *r, MDB_txn *txn, const char *call,
                             const char *report_id)
{
	Carenet__Field f[1], *fp[1];
	Carenet__RecordInput in = CARENET__RECORD_INPUT__INIT, *inp = &in;
	Carenet__RecordWriteRequest q = CARENET__RECORD_WRITE_REQUEST__INIT;
	struct strvec errs = {0}, ids = {0};
	struct rec rc;
	size_t n = 0;
	int ret, fi;

	memset(&rc, 0, sizeof(rc));
	if (strlen(call) >= REC_ID_MAX || (ret = rec_get(r, txn, call, &rc)) == CN_ENOTFOUND) {
		roles_why(r->err, sizeof(r->err),
		          "no hotline call %.64s here (carenet record list --type hotline)", call);
		return CN_ENOTFOUND;
	}
	if (ret != 0)
		return ret;
	fi = roles_record_field(rc.t, "report");
	if (strcmp(rc.t->name, "hotline") != 0 || strcmp(rc.owner, r->env.me->id) != 0)
		roles_why(r->err, sizeof(r->err), "%s is not a hotline call kept by this office",
		          call),
		    ret = CN_EINVAL;
	else if (fi >= 0 && rc.val[fi] && rc.val[fi][0])
		roles_why(r->err, sizeof(r->err), "hotline call %s already names report %s", call,
		          rc.val[fi]),
		    ret = CN_EINVAL;
	rec_clear(&rc);
	if (ret != 0)
		return ret;
	field(f, fp, &n, "report", report_id);
	in.type = "hotline";
	in.id = (char *)call;
	in.set = fp;
	in.n_set = n;
	q.records = &inp;
	q.n_records = 1;
	ret = records_write(r, txn, &q, &errs, &ids);
	if (ret == CN_EINVAL && errs.n)
		errs_to_why(r, &errs);
	roles_vec_free(&errs);
	roles_vec_free(&ids);
	return ret;
}

/* ---- carenet case open (RecordWriteRequest.case_open) */

struct open_ctx {
	struct roles *r;
	const Carenet__CaseOpenRequest *q;
	char id[REC_ID_MAX];
};

static int open_txn(MDB_txn *txn, void *arg)
{
	struct open_ctx *c = arg;

	c->id[0] = 0;
	return records_case_open(c->r, txn, c->q->source, c->q->ref, c->q->child, c->q->description,
	                         c->id, sizeof(c->id));
}

int records_case_open_req(struct roles *r, const Carenet__CaseOpenRequest *q,
                          Carenet__ControlReply *rep)
{
	struct open_ctx c = {r, q, ""};
	int ret = r->env.write(r->env.arg, open_txn, &c);

	if (ret != 0)
		return ret;
	if (!(rep->record_ids = calloc(1, sizeof(*rep->record_ids))) ||
	    !(rep->record_ids[0] = strdup(c.id)))
		return CN_ENOMEM;
	rep->n_record_ids = 1;
	return 0;
}

/* ---- carenet case show (RecordShowRequest.related) */

struct show_ctx {
	struct roles *r;
	const Carenet__RecordShowRequest *q;
	Carenet__RecordVersion **v;
	size_t n, cap;
};

static void show_free(struct show_ctx *c)
{
	for (size_t i = 0; i < c->n; i++)
		rec_msg_free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

static int shown(const struct show_ctx *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i]->id, id))
			return 1;
	return 0;
}

static int push(struct show_ctx *c, const struct rec *rc)
{
	Carenet__RecordVersion *m;

	if (shown(c, rc->id))
		return 0;
	if (ARR_GROW(c->v, c->n + 1, c->cap) || !(m = rec_to_msg(rc, c->q->reveal)))
		return CN_ENOMEM;
	c->v[c->n++] = m;
	return 0;
}

/* The record id names, when held here (of type `type` if not NULL). */
static int push_id(struct show_ctx *c, MDB_txn *txn, const char *id, const char *type)
{
	struct rec rc;
	int ret;

	if (!id || !id[0] || shown(c, id))
		return 0;
	if ((ret = rec_get(c->r, txn, id, &rc)) == CN_ENOTFOUND)
		return 0;
	if (ret == 0 && (!type || !strcmp(rc.t->name, type)))
		ret = push(c, &rc);
	rec_clear(&rc);
	return ret;
}

static const char *value(const struct rec *rc, const char *name)
{
	int k = roles_record_field(rc->t, name);
	return k >= 0 && rc->val[k] ? rc->val[k] : "";
}

/* 1 if rc refers to case id: its `case` field, or a meeting's case_refs. */
static int refers(const struct rec *rc, const char *id)
{
	const char *refs;
	size_t n = strlen(id);

	if (!strcmp(value(rc, "case"), id))
		return 1;
	for (refs = value(rc, "case_refs"); (refs = strstr(refs, id)); refs += n)
		if (!((refs[n] >= '0' && refs[n] <= '9')))
			return 1; /* not a longer id (…-r1 in …-r12) */
	return 0;
}

/* Every record of type t held here that refers to case id. */
static int scan_type(struct show_ctx *c, MDB_txn *txn, const struct rec_type *t, const char *id)
{
	char prefix[64];
	size_t pl = (size_t)snprintf(prefix, sizeof(prefix), "t:%s", t->name) + 1;
	MDB_cursor *cur;
	MDB_val k = {pl, prefix}, d;
	int ret, mrc;

	if ((ret = store_err(mdb_cursor_open(txn, roles_dbi(c->r, STORE_RECORDS), &cur),
	                     "case show")))
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		char rid[REC_ID_MAX];
		struct rec rc;
		if (k.mv_size < pl || memcmp(k.mv_data, prefix, pl) != 0)
			break;
		if (k.mv_size - pl >= REC_ID_MAX)
			continue;
		memcpy(rid, (const char *)k.mv_data + pl, k.mv_size - pl);
		rid[k.mv_size - pl] = 0;
		if ((ret = rec_get(c->r, txn, rid, &rc)) != 0)
			break;
		if (refers(&rc, id))
			ret = push(c, &rc);
		rec_clear(&rc);
	}
	mdb_cursor_close(cur);
	if (ret == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		ret = store_err(mrc, "case show");
	return ret;
}

static int related(struct show_ctx *c, MDB_txn *txn, const struct rec *cs)
{
	size_t nt;
	const struct rec_type *t = roles_record_types(&nt);
	int ret;

	if ((ret = push_id(c, txn, value(cs, "source_ref"), NULL)) != 0 ||
	    (ret = push_id(c, txn, value(cs, "consultation"), "meeting")) != 0)
		return ret;
	for (size_t i = 0; i < nt && ret == 0; i++)
		if (roles_record_field(&t[i], "case") >= 0 || !strcmp(t[i].name, "meeting"))
			ret = scan_type(c, txn, &t[i], cs->id);
	return ret;
}

static int show_txn(MDB_txn *txn, void *arg)
{
	struct show_ctx *c = arg;
	const char *me = c->r->env.me->id;
	struct rec cs;
	int ret;

	show_free(c);
	if ((ret = rec_get(c->r, txn, c->q->id, &cs)) == 0 && strcmp(cs.t->name, "case") != 0)
		ret = CN_ENOTFOUND;
	if (ret == CN_ENOTFOUND)
		roles_why(c->r->err, sizeof(c->r->err),
		          "no case %.64s here: cases are kept at the "
		          "county (carenet case list)",
		          c->q->id);
	if (ret == 0 && c->q->reveal && (ret = roles_at_or_below_me(c->r, txn, cs.owner)) == 0) {
		roles_why(c->r->err, sizeof(c->r->err),
		          "case %s is not of this office: it may not "
		          "be revealed here",
		          cs.id);
		ret = CN_EPERM;
	}
	ret = ret == 1 ? 0 : ret;
	if (ret == 0 && (ret = push(c, &cs)) == 0)
		ret = related(c, txn, &cs);
	if (ret == 0 && c->q->reveal)
		ret = roles_audit(c->r, txn, me, "reveal", cs.id, "case show: %zu revealed", c->n);
	rec_clear(&cs);
	return ret;
}

int records_case_show(struct roles *r, const Carenet__RecordShowRequest *q,
                      Carenet__ControlReply *rep)
{
	struct show_ctx c = {.r = r, .q = q};
	int ret;

	if (!q->id[0]) {
		roles_why(r->err, sizeof(r->err), "case show needs a case id (carenet case list)");
		return CN_EINVAL;
	}
	ret = q->reveal ? r->env.write(r->env.arg, show_txn, &c)
	                : store_read(r->env.store, show_txn, &c);
	if (ret != 0) {
		show_free(&c);
		return ret;
	}
	rep->records = c.v;
	rep->n_records = c.n;
	return 0;
}

/* ---- references checked at the write */

/* 1 (why) unless id is a meeting of body 部门会商 held here. */
static int consultation_ok(struct roles *r, MDB_txn *txn, const char *id, char *why, size_t wl)
{
	struct rec m;
	int ret = rec_get(r, txn, id, &m);

	if (ret == 0 && strcmp(m.t->name, "meeting") == 0 && !strcmp(value(&m, "body"), "部门会商"))
		ret = 0;
	else if (ret == 0 || ret == CN_ENOTFOUND)
		ret = 1;
	if (ret == 1)
		roles_why(why, wl,
		          "部门会商 (consultation): %.64s is not a meeting of body 部门会商 "
		          "held here; expected the id of one (carenet record list --type meeting "
		          "--where body=部门会商)",
		          id);
	rec_clear(&m);
	return ret;
}

int records_case_refs(struct roles *r, MDB_txn *txn, const struct rec *rc, char *why, size_t wl)
{
	const char *cons = value(rc, "consultation"), *cs = value(rc, "case");
	int ret;

	if (!strcmp(rc->t->name, "case") && cons[0])
		return consultation_ok(r, txn, cons, why, wl);
	if (!cs[0] || records_tier(r->env.me->id) != REC_OWN_COUNTY)
		return 0; /* below the county no case is held: not checked */
	if ((ret = records_case_held(r, txn, cs)) == 0)
		roles_why(why, wl,
		          "个案 (case): no case %.64s here; expected the id of a case of "
		          "this county (carenet case list)",
		          cs);
	return ret < 0 ? ret : !ret;
}

/* ---- directive --ref (roles top asks) */

int records_case_held(struct roles *r, MDB_txn *txn, const char *id)
{
	struct rec rc;
	int ret = rec_get(r, txn, id, &rc);

	if (ret == 0)
		ret = !strcmp(rc.t->name, "case");
	else if (ret == CN_ENOTFOUND)
		ret = 0;
	rec_clear(&rc);
	return ret;
}
