/*
 * flow: records move up. The owner writes (records_write: add, update,
 * close, import — every input checked, then all written and emitted in the
 * caller's one transaction, or none); every office above it up to the
 * county applies the versions it receives (records_apply): the owner
 * writes, replicas read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "err.h"
#include "log.h"
#include "records.h"

static const char *const close_reasons[] = {"年满18", "迁出", "死亡", "不再符合", "other", NULL};

struct wctx {
	struct roles *r;
	MDB_txn *txn;
	struct strvec *errs;
	struct rec *recs;
	size_t n;
	int bad;
};

static void err_line(struct wctx *c, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_line(struct wctx *c, unsigned line, const char *fmt, ...)
{
	char msg[1024], pos[24] = "";
	va_list ap;
	int off;

	if (line)
		snprintf(pos, sizeof(pos), "%u:0: ", line);
	off = snprintf(msg, sizeof(msg), "%s", pos);
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
	va_end(ap);
	c->bad++;
	roles_vec_push(c->errs, msg);
}

static const char *tier_name(unsigned tier)
{
	return tier == REC_OWN_COUNTY ? "county" : tier == REC_OWN_TOWNSHIP ? "township" : "village";
}

unsigned records_tier(const char *office)
{
	size_t n = strlen(office);
	return n == 6 ? REC_OWN_COUNTY : n == 9 ? REC_OWN_TOWNSHIP : n == 12 ? REC_OWN_VILLAGE : 0;
}

int records_may_own(const struct rec_type *t, const char *office, char *why, size_t wl)
{
	unsigned tier = records_tier(office);
	char who[64] = "";

	if (!t->owners || (t->owners & tier))
		return 1;
	for (unsigned b = REC_OWN_VILLAGE; b <= REC_OWN_COUNTY; b <<= 1)
		if (t->owners & b)
			snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s", who[0] ? " or " : "",
			         tier_name(b));
	roles_why(why, wl, "%s records (%s %s) are kept by the %s only, not by %s %.16s: write "
	          "them there", t->name, t->code, t->zh, who, tier ? tier_name(tier) : "office",
	          office);
	return 0;
}

/* 1 (an error line) if a transfer of rc is pending: it is frozen. */
static int start_frozen(struct wctx *c, const Carenet__RecordInput *in, struct rec *rc)
{
	char why[512];
	int ret = records_frozen(c->r, c->txn, rc, why, sizeof(why));

	if (ret == 1)
		err_line(c, in->line, "%s", why);
	return ret;
}

/* The record an update or close starts from: stored, owned here, open. */
static int start_from(struct wctx *c, const Carenet__RecordInput *in, struct rec *rc)
{
	const char *me = c->r->env.me->id;
	int ret = rec_get(c->r, c->txn, in->id, rc);

	if (ret == CN_ENOTFOUND) {
		err_line(c, in->line, "no record %.64s here; expected the id of a record of this "
		                      "office (carenet record list --type TYPE)", in->id);
		return 1;
	}
	if (ret != 0)
		return ret;
	if (strcmp(rc->owner, me) != 0) {
		err_line(c, in->line, "record %s belongs to office %s: only its owner changes "
		                      "it (the owner writes, replicas read)", rc->id, rc->owner);
		return 1;
	}
	if ((ret = start_frozen(c, in, rc)) != 0)
		return ret;
	if (rc->closed) {
		err_line(c, in->line, "record %s is closed (%s); expected an open record",
		         rc->id, rc->reason ? rc->reason : "");
		return 1;
	}
	if (in->type[0] && roles_record_type(in->type) != rc->t) {
		err_line(c, in->line, "record %s is of type %s, not %.32s", rc->id, rc->t->name,
		         in->type);
		return 1;
	}
	return 0;
}

static int set_fields(struct wctx *c, const Carenet__RecordInput *in, struct rec *rc)
{
	for (size_t i = 0; i < in->n_set; i++) {
		int k = roles_record_field(rc->t, in->set[i]->name);
		if (k < 0) {
			err_line(c, in->line, "unknown field %.64s for type %s; expected one of "
			                      "carenet record template --type %s",
			         in->set[i]->name, rc->t->name, rc->t->name);
			continue;
		}
		if (rec_set(rc, (size_t)k, in->set[i]->value) != 0)
			return CN_ENOMEM;
		rc->col[k] = in->set[i]->column;
	}
	return 0;
}

static int set_close(struct wctx *c, const Carenet__RecordInput *in, struct rec *rc)
{
	int ok = 0;

	for (size_t i = 0; close_reasons[i]; i++)
		ok |= strcmp(in->close_reason, close_reasons[i]) == 0;
	if (!ok) {
		err_line(c, in->line, "close reason '%.32s' unknown; expected 年满18, 迁出, 死亡, "
		                      "不再符合 or other", in->close_reason);
		return 0;
	}
	if (!strcmp(in->close_reason, "other") && !in->close_note[0]) {
		err_line(c, in->line, "close reason other needs a note; expected --note TEXT");
		return 0;
	}
	if (strlen(in->close_note) > ROLES_MAX_NOTE) {
		err_line(c, in->line, "note over %d bytes", ROLES_MAX_NOTE);
		return 0;
	}
	rc->closed = 1;
	free(rc->reason);
	free(rc->note);
	rc->reason = strdup(in->close_reason);
	rc->note = in->close_note[0] ? strdup(in->close_note) : NULL;
	return rc->reason && (rc->note || !in->close_note[0]) ? 0 : CN_ENOMEM;
}

static uint64_t diff(const struct rec *a, const struct rec *b)
{
	uint64_t m = 0;

	for (size_t i = 0; i < b->t->nfields; i++) {
		const char *x = a ? a->val[i] : NULL, *y = b->val[i];
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
			m |= 1ull << i;
	}
	return m;
}

/* Builds and checks input i into c->recs[i]. */
static int prepare(struct wctx *c, size_t i, const Carenet__RecordInput *in, uint64_t now)
{
	struct rec *rc = &c->recs[i], prev;
	int ret, nerr = c->bad;
	char why[512];

	memset(&prev, 0, sizeof(prev));
	if (in->id[0]) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->recs[j].id, in->id)) {
				err_line(c, in->line, "record %s twice in one request; expected "
				                      "one change per record", in->id);
				return 0;
			}
		if ((ret = start_from(c, in, rc)) != 0)
			return ret > 0 ? 0 : ret;
		if ((ret = start_from(c, in, &prev)) != 0) /* the version before, to diff */
			return ret > 0 ? 0 : ret;
	} else if (!(rc->t = roles_record_type(in->type))) {
		err_line(c, in->line, "unknown record type '%.32s'; expected one of %s", in->type,
		         RECORDS_TYPE_NAMES);
		return 0;
	} else if (rc->t->owners & REC_READ_ONLY) {
		err_line(c, in->line, "record type '%s' is read by the rules, not written as a "
		         "record: %s", rc->t->name, !strcmp(rc->t->name, "report")
		             ? "file a mandatory report with carenet report file"
		             : "a township reviews a child with carenet record review");
		return 0;
	} else if (!records_may_own(rc->t, c->r->env.me->id, why, sizeof(why))) {
		err_line(c, in->line, "%s", why);
		return 0;
	} else {
		snprintf(rc->owner, sizeof(rc->owner), "%s", c->r->env.me->id);
	}
	if ((ret = set_fields(c, in, rc)) != 0 ||
	    (in->close && (ret = set_close(c, in, rc)) != 0))
		goto out;
	if (c->bad == nerr && (ret = records_validate(rc, in->line, now, c->errs)) < 0)
		goto out;
	c->bad += ret > 0 ? ret : 0;
	if (c->bad == nerr && (ret = records_case_refs(c->r, c->txn, rc, why, sizeof(why))) != 0) {
		if (ret < 0)
			goto out;
		err_line(c, in->line, "%s", why);
	}
	rc->changed = diff(in->id[0] ? &prev : NULL, rc);
	if (c->bad == nerr && in->id[0] && !rc->changed && !in->close)
		err_line(c, in->line, "nothing changes in %s; expected --set FIELD=VALUE with a "
		                      "new value", in->id);
	ret = 0;
out:
	rec_clear(&prev);
	return ret;
}

static int next_number(struct roles *r, MDB_txn *txn, uint64_t *n)
{
	MDB_dbi db = roles_dbi(r, STORE_RECORDS);
	int ret = store_get_u64(txn, db, "n", 1, n);

	if (ret == CN_ENOTFOUND)
		*n = 0, ret = 0;
	if (ret != 0)
		return ret;
	(*n)++;
	return store_put_u64(txn, db, "n", 1, *n);
}

/* Writes and emits one prepared record. */
static int commit_one(struct roles *r, MDB_txn *txn, struct rec *rc, uint64_t now)
{
	Carenet__Field fbuf[REC_MAX_FIELDS], *fp[REC_MAX_FIELDS];
	char *changed[REC_MAX_FIELDS];
	Carenet__RecordVersion m;
	Carenet__Item it = CARENET__ITEM__INIT;
	uint64_t n;
	int ret;

	if (!rc->id[0]) {
		if ((ret = next_number(r, txn, &n)) != 0)
			return ret;
		snprintf(rc->id, sizeof(rc->id), "%s-r%llu", rc->owner, (unsigned long long)n);
	}
	rc->version++;
	rc->changed_at = now;
	snprintf(rc->changed_by, sizeof(rc->changed_by), "%s", r->env.me->id);
	if ((ret = rec_put(r, txn, rc)) != 0)
		return ret;
	rec_fill_msg(rc, &m, fbuf, fp, changed);
	it.body_case = CARENET__ITEM__BODY_RECORD_VERSION;
	it.record_version = &m;
	return r->env.emit(r->env.arg, txn, &it, NULL, 0);
}

int records_write(struct roles *r, MDB_txn *txn, const Carenet__RecordWriteRequest *q,
                  struct strvec *errs, struct strvec *ids)
{
	struct wctx c = {r, txn, errs, NULL, q->n_records, 0};
	uint64_t now = roles_now(r);
	int ret = 0;

	if (!r->env.seal || !r->env.open)
		return CN_EPERM;
	if (q->n_records == 0 || q->n_records > REC_MAX_BATCH) {
		err_line(&c, 0, "%zu records in one request; expected 1 to %d", q->n_records,
		         REC_MAX_BATCH);
		return CN_EINVAL;
	}
	if (!(c.recs = calloc(q->n_records, sizeof(*c.recs))))
		return CN_ENOMEM;
	for (size_t i = 0; i < q->n_records && ret == 0; i++)
		ret = prepare(&c, i, q->records[i], now);
	if (ret == 0 && c.bad)
		ret = CN_EINVAL;
	for (size_t i = 0; i < q->n_records && ret == 0 && !q->dry_run; i++)
		ret = commit_one(r, txn, &c.recs[i], now);
	for (size_t i = 0; i < q->n_records && ret == 0; i++)
		ret = roles_vec_push(ids, c.recs[i].id[0] ? c.recs[i].id : "(new)");
	if (ret == 0 && !q->dry_run)
		ret = roles_audit(r, txn, r->env.me->id, "record", c.recs[0].id,
		                  "%zu record version(s) written, type %s", q->n_records,
		                  c.recs[0].t->name);
	for (size_t i = 0; i < q->n_records; i++)
		rec_clear(&c.recs[i]);
	free(c.recs);
	return ret;
}

/* ---- received from below */

static int check_path(struct roles *r, MDB_txn *txn, const Carenet__RecordVersion *m,
                      const struct pki_identity *origin, const char *from, char *why, size_t wl)
{
	const struct rec_type *t = roles_record_type(m->type);
	int ret;

	if (t && !records_may_own(t, m->owner, why, wl))
		return CN_EROLE;
	if (strcmp(m->owner, origin->id) != 0) {
		roles_why(why, wl, "record %.64s claims owner %.20s but was signed by %s: only the "
		                   "owner writes its records", m->id, m->owner, origin->id);
		return CN_EROLE;
	}
	if ((ret = records_owner_ok(r, txn, m, why, wl)) != 0) /* review.c: moved records */
		return ret;
	/* below this office under its id now or one it had (a township whose
	 * own code changed: its villages write under the old code until each
	 * switches) */
	if ((ret = roles_below_me(r, txn, m->owner)) < 0)
		return ret;
	if (!ret) {
		roles_why(why, wl, "record %.64s of %s is not below this office", m->id, m->owner);
		return CN_ESCOPE;
	}
	if (strcmp(from, m->owner) != 0) {
		if ((ret = roles_below_me(r, txn, from)) < 0)
			return ret;
		if (ret && (ret = roles_relays(r, txn, from, m->owner)) < 0)
			return ret;
		if (!ret) {
			roles_why(why, wl, "record %.64s of %s arrived from %s, not on the owner's "
			          "path", m->id, m->owner, from);
			return CN_ESCOPE;
		}
	}
	if (m->version == 0 || strcmp(m->changed_by, m->owner) != 0) {
		roles_why(why, wl, "record %.64s: version 0 or written by %.20s, not its owner",
		          m->id, m->changed_by);
		return CN_EINVAL;
	}
	return 0;
}

int records_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                  const struct pki_identity *origin, const char *from, struct roles_route *route,
                  char *why, size_t whylen)
{
	const Carenet__RecordVersion *m = item->record_version;
	struct rec rc;
	uint64_t cur = 0;
	int ret;

	if (!m) {
		roles_why(why, whylen, "record version item without a body");
		return CN_EPROTO;
	}
	if ((ret = check_path(r, txn, m, origin, from, why, whylen)) != 0)
		return ret;
	ret = rec_current_version(r, txn, m->id, &cur);
	if (ret != 0 && ret != CN_ENOTFOUND)
		return ret;
	if (ret == 0 && m->version <= cur) {
		log_debug("records: %s version %llu already held (%llu): dropped", m->id,
		          (unsigned long long)m->version, (unsigned long long)cur);
		return 0; /* a duplicate or older version: dropped, not forwarded */
	}
	memset(&rc, 0, sizeof(rc));
	if ((ret = records_moved_mark(r, txn, m)) == 0 && (ret = rec_from_msg(&rc, m, why, whylen)) == 0 &&
	    (ret = rec_put(r, txn, &rc)) == 0 &&
	    !records_id_of(rc.id, rc.owner))
		ret = records_owner_moved(r, txn, &rc);
	rec_clear(&rc);
	if (ret != 0)
		return ret;
	route->up = strlen(r->env.me->id) > 6; /* personal data stops at the county */
	return 0;
}
