/*
 * review: what an office above a record's owner may do to it without
 * writing it — review (审核: approve or return one version) — and how a
 * record changes owner (transfer to another village of the county, and the
 * new owner's accept). The owner's versions stay the owner's: a review is
 * kept beside the record ("v:" id, sealed: its note is free text); a
 * transfer ("x:" id) names the owner the next version must come from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "err.h"
#include "log.h"
#include "moved.h"
#include "records.h"

int records_above(const char *a, const char *b)
{
	size_t n = strlen(a);
	return strlen(b) > n && strncmp(a, b, n) == 0;
}

int records_id_of(const char *id, const char *owner)
{
	size_t ol = strlen(owner);
	return ol && strncmp(id, owner, ol) == 0 && strncmp(id + ol, "-r", 2) == 0;
}

static size_t key_of(char *key, char tag, const char *id)
{
	size_t n = strlen(id);

	key[0] = tag;
	key[1] = ':';
	memcpy(key + 2, id, n);
	return n + 2;
}

static int get_raw(struct roles *r, MDB_txn *txn, char tag, const char *id, MDB_val *d)
{
	char key[REC_ID_MAX + 2];
	MDB_val k;

	if (strlen(id) >= REC_ID_MAX)
		return CN_ENOTFOUND;
	k.mv_size = key_of(key, tag, id);
	k.mv_data = key;
	return store_err(mdb_get(txn, roles_dbi(r, STORE_RECORDS), &k, d), "records get");
}

static int put_raw(struct roles *r, MDB_txn *txn, char tag, const char *id, const void *v,
                   size_t vlen)
{
	char key[REC_ID_MAX + 2];
	MDB_val k, d = {vlen, (void *)v};

	k.mv_size = key_of(key, tag, id);
	k.mv_data = key;
	return store_err(mdb_put(txn, roles_dbi(r, STORE_RECORDS), &k, &d, 0), "records put");
}

/* ---- reviews, kept sealed */

void rec_review_clear(struct rec_review *rv)
{
	free(rv->note);
	memset(rv, 0, sizeof(*rv));
}

int rec_review_get(struct roles *r, MDB_txn *txn, const char *id, struct rec_review *out)
{
	Carenet__RecordReview *m;
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	MDB_val d;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = get_raw(r, txn, 'v', id, &d)) != 0)
		return ret;
	if (!r->env.open)
		return CN_EPERM;
	if ((ret = r->env.open(r->env.arg, id, strlen(id), d.mv_data, d.mv_size, &pt, &ptlen)))
		return ret;
	if (!(m = carenet__record_review__unpack(NULL, ptlen, pt))) {
		aead_free(pt, ptlen);
		return CN_ESTORE;
	}
	out->held = 1;
	out->approve = m->approve;
	out->version = m->version;
	out->at = m->reviewed_at;
	snprintf(out->by, sizeof(out->by), "%s", m->reviewed_by);
	out->note = strdup(m->note);
	carenet__record_review__free_unpacked(m, NULL);
	aead_free(pt, ptlen);
	return out->note ? 0 : CN_ENOMEM;
}

static int review_put(struct roles *r, MDB_txn *txn, const Carenet__RecordReview *m)
{
	size_t len = carenet__record_review__get_packed_size(m), boxlen = 0;
	uint8_t *pt = malloc(len ? len : 1), *box = NULL;
	int ret = CN_ENOMEM;

	if (!pt)
		return ret;
	carenet__record_review__pack(m, pt);
	if ((ret = r->env.seal(r->env.arg, m->id, strlen(m->id), pt, len, &box, &boxlen)) == 0)
		ret = put_raw(r, txn, 'v', m->id, box, boxlen);
	aead_free(pt, len);
	free(box);
	return ret;
}

const char *rec_review_state(const struct rec *rc, const struct rec_review *rv)
{
	if (!rv->held)
		return "none";
	if (rv->version < rc->version)
		return "pending"; /* changed since: to be reviewed again */
	return rv->approve ? "approved" : "returned";
}

/* ---- transfers */

int rec_transfer_get(struct roles *r, MDB_txn *txn, const char *id, struct rec_xfer *out)
{
	Carenet__StoredTransfer *m;
	MDB_val d;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = get_raw(r, txn, 'x', id, &d)) != 0)
		return ret;
	if (!(m = carenet__stored_transfer__unpack(NULL, d.mv_size, d.mv_data)))
		return CN_ESTORE;
	snprintf(out->from, sizeof(out->from), "%s", m->from_owner);
	snprintf(out->to, sizeof(out->to), "%s", m->to);
	snprintf(out->by, sizeof(out->by), "%s", m->by);
	out->version = m->version;
	out->at = m->at;
	carenet__stored_transfer__free_unpacked(m, NULL);
	return 0;
}

int rec_transfer_put(struct roles *r, MDB_txn *txn, const char *id, const struct rec_xfer *x)
{
	Carenet__StoredTransfer s = CARENET__STORED_TRANSFER__INIT;
	uint8_t buf[512];
	size_t len;

	s.from_owner = (char *)x->from;
	s.to = (char *)x->to;
	s.version = x->version;
	s.at = x->at;
	s.by = (char *)x->by;
	if ((len = carenet__stored_transfer__get_packed_size(&s)) > sizeof(buf))
		return CN_ETOOBIG;
	carenet__stored_transfer__pack(&s, buf);
	return put_raw(r, txn, 'x', id, buf, len);
}

static int transfer_put(struct roles *r, MDB_txn *txn, const Carenet__RecordTransfer *t)
{
	struct rec_xfer x;

	memset(&x, 0, sizeof(x));
	snprintf(x.from, sizeof(x.from), "%s", t->from_owner);
	snprintf(x.to, sizeof(x.to), "%s", t->to);
	snprintf(x.by, sizeof(x.by), "%s", t->by);
	x.version = t->record->version;
	x.at = t->at;
	return rec_transfer_put(r, txn, t->id, &x);
}

/* "o:" type '\0' owner '\0' id: records whose owner is not the one their id
 * names (moved in); list --office scans it beside "t:". */
static int owner_index(struct roles *r, MDB_txn *txn, const char *type, const char *owner,
                       const char *id, int del)
{
	char key[256];
	size_t tl = strlen(type), ol = strlen(owner), il = strlen(id);
	MDB_val k = {tl + ol + il + 4, key}, d = {0, ""};
	MDB_dbi db = roles_dbi(r, STORE_RECORDS);
	int mrc;

	if (records_id_of(id, owner) || k.mv_size > sizeof(key))
		return 0;
	memcpy(key, "o:", 2);
	memcpy(key + 2, type, tl + 1);
	memcpy(key + 3 + tl, owner, ol + 1);
	memcpy(key + 4 + tl + ol, id, il);
	mrc = del ? mdb_del(txn, db, &k, NULL) : mdb_put(txn, db, &k, &d, 0);
	return mrc == MDB_NOTFOUND ? 0 : store_err(mrc, "records owner index");
}

int records_owner_ok(struct roles *r, MDB_txn *txn, const Carenet__RecordVersion *m, char *why,
                     size_t wl)
{
	struct rec_xfer x;
	int ret = rec_transfer_get(r, txn, m->id, &x);

	if (ret == CN_ENOTFOUND) {
		if (records_id_of(m->id, m->owner) || records_moved_ok(r, txn, m) == 1)
			return 0; /* its own, or its old id's (rekey.c: a village moved) */
		roles_why(why, wl, "record id %.64s is not of its owner %s", m->id, m->owner);
		return CN_EINVAL;
	}
	if (ret != 0)
		return ret;
	if (!strcmp(m->owner, x.to) && m->version > x.version)
		return 0;
	/* x.to moved since (a village moving again): its new id writes on */
	if (m->version > x.version && (ret = moved_was(r->env.store, txn, m->owner, x.to)) != 0)
		return ret == 1 ? 0 : ret;
	if (!strcmp(m->owner, x.from) && m->version <= x.version)
		return 0;
	roles_why(why, wl,
	          "record %.64s moved from %s to %s at version %llu: version %llu of "
	          "%.20s refused (only the new owner writes it on)",
	          m->id, x.from, x.to, (unsigned long long)x.version,
	          (unsigned long long)m->version, m->owner);
	return CN_EROLE;
}

int records_owner_moved(struct roles *r, MDB_txn *txn, const struct rec *rc)
{
	struct rec_xfer x;
	int ret = rec_transfer_get(r, txn, rc->id, &x);

	if (ret == CN_ENOTFOUND)
		return 0;
	if (ret == 0 && strcmp(x.to, rc->owner) == 0 &&
	    (ret = owner_index(r, txn, rc->t->name, x.from, rc->id, 1)) == 0)
		ret = owner_index(r, txn, rc->t->name, rc->owner, rc->id, 0);
	return ret;
}

/* ---- received: a review, a transfer */

/* The sender of an item from `origin` that concerns offices below origin:
 * coming down (from my parent, which is origin or below it) or up (from my
 * child, which is origin or above it; my child under my current id or a
 * former one). Returns 1 if it is on that path (*up: it came from below),
 * 0 if not, negative on error. */
static int path_of(struct roles *r, MDB_txn *txn, const char *origin, const char *from, int *up)
{
	const char *me = r->env.me->id;
	int ret = roles_below_me(r, txn, from);

	if (ret < 0)
		return ret;
	if (ret) { /* from a child */
		*up = 1; /* the origin below the sender, under its code now or before */
		return roles_relays(r, txn, from, origin);
	}
	*up = 0;
	return records_above(from, me) && (!strcmp(from, origin) || records_above(origin, from));
}

/* Where an item with a `down` list goes next: on up unless this is the
 * county; down to its target (below this office, under its id now or a
 * former one) unless it came from that branch. 0 or negative on error. */
static int route_of(struct roles *r, MDB_txn *txn, char **down, size_t ndown, const char *from,
                    int up, struct roles_route *route)
{
	int ret = ndown == 1 ? roles_below_me(r, txn, down[0]) : 0;

	route->up = up && strlen(r->env.me->id) > 6;
	if (ret == 1 && !(up && (records_above(from, down[0]) || !strcmp(from, down[0])))) {
		route->targets = down;
		route->ntargets = 1;
	}
	return ret < 0 ? ret : 0;
}

int records_review_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                         const struct pki_identity *origin, const char *from,
                         struct roles_route *route, char *why, size_t wl)
{
	const Carenet__RecordReview *m = item->record_review;
	struct rec_review held;
	int up, ret;

	if (!m || strlen(m->id) >= REC_ID_MAX || strlen(m->note) > ROLES_MAX_NOTE ||
	    m->n_down != 1 || strcmp(m->down[0], m->owner) != 0) {
		roles_why(why, wl, "record review malformed (id, note, or down not [owner])");
		return CN_EINVAL;
	}
	if (strcmp(m->reviewed_by, origin->id) != 0 || !records_above(origin->id, m->owner)) {
		roles_why(why, wl,
		          "review of %.64s by %s: only an office above the owner %.20s "
		          "reviews",
		          m->id, origin->id, m->owner);
		return CN_EROLE;
	}
	if ((ret = roles_at_or_below_me(r, txn, m->owner)) == 1)
		ret = path_of(r, txn, origin->id, from, &up);
	if (ret <= 0) {
		if (ret == 0)
			roles_why(why, wl,
			          "review of %.64s from %s arrived from %s, not on its path", m->id,
			          origin->id, from);
		return ret ? ret : CN_ESCOPE;
	}
	ret = rec_review_get(r, txn, m->id, &held);
	if (ret != 0 && ret != CN_ENOTFOUND)
		return ret;
	if (ret == 0 && (held.version > m->version ||
	                 (held.version == m->version && held.at >= m->reviewed_at))) {
		rec_review_clear(&held);
		return 0; /* an older review: dropped */
	}
	rec_review_clear(&held);
	if ((ret = review_put(r, txn, m)) != 0 ||
	    (ret = route_of(r, txn, m->down, m->n_down, from, up, route)) != 0)
		return ret;
	return roles_audit(r, txn, origin->id, "review", m->id, "version %llu %s",
	                   (unsigned long long)m->version, m->approve ? "approved" : "returned");
}

/* Who may take over whose records: a village's to another village of the
 * county (the child moves), a township's to another township of the county
 * (撤乡并镇: the merged township's records go to the one that absorbs it). */
static int transfer_pair_ok(const char *from, const char *to)
{
	size_t n = strlen(from);

	return (n == 12 || n == 9) && strlen(to) == n && roles_office_ok(to) &&
	       strncmp(to, from, 6) == 0 && strcmp(to, from) != 0;
}

/* A village's open child; a township's record of any type a township owns. */
static int transfer_type_ok(const char *type, const char *from)
{
	const struct rec_type *t = roles_record_type(type);

	if (!t || (t->owners & REC_READ_ONLY))
		return 0;
	if (strlen(from) == 12)
		return strcmp(t->name, "child") == 0;
	return !(t->owners & ~REC_READ_ONLY) || (t->owners & REC_OWN_TOWNSHIP);
}

static int transfer_check(struct roles *r, const Carenet__RecordTransfer *t,
                          const struct pki_identity *origin, char *why, size_t wl)
{
	const Carenet__RecordVersion *v = t->record;

	if (!v || t->n_down != 1 || strcmp(t->down[0], t->to) != 0 || strlen(t->id) >= REC_ID_MAX ||
	    strcmp(v->id, t->id) != 0 || strcmp(v->owner, t->from_owner) != 0) {
		roles_why(why, wl, "record transfer malformed (record, id, owner or down)");
		return CN_EINVAL;
	}
	if (!transfer_pair_ok(t->from_owner, t->to)) {
		roles_why(why, wl,
		          "transfer of %.64s from %.20s to %.20s: expected another village of the "
		          "county (a child), or another township of the county (a merged "
		          "township's records)",
		          t->id, t->from_owner, t->to);
		return CN_ESCOPE;
	}
	if (!transfer_type_ok(v->type, t->from_owner)) {
		roles_why(why, wl,
		          "transfer of %.64s (%.20s): a village's child moves, or any record a "
		          "township may own",
		          t->id, v->type);
		return CN_EINVAL;
	}
	if (strcmp(t->by, origin->id) != 0 ||
	    !(strcmp(origin->id, t->from_owner) == 0 || records_above(origin->id, t->from_owner))) {
		roles_why(why, wl,
		          "transfer of %.64s by %s: only its owner %.20s or an office "
		          "above it moves it",
		          t->id, origin->id, t->from_owner);
		return CN_EROLE;
	}
	(void)r;
	return 0;
}

/* A transfer that came up and turns down here (this office is the lowest
 * above both owners): items from the parent must be originated above the
 * receiver (node/deliver_apply.c), so this office signs it on as its own,
 * having checked the owner's. */
static int send_down(struct roles *r, MDB_txn *txn, const Carenet__RecordTransfer *t,
                     struct roles_route *route)
{
	Carenet__RecordTransfer d = *t;
	Carenet__Item it = CARENET__ITEM__INIT;

	d.by = (char *)r->env.me->id;
	it.body_case = CARENET__ITEM__BODY_RECORD_TRANSFER;
	it.record_transfer = &d;
	route->targets = NULL;
	route->ntargets = 0;
	return r->env.emit(r->env.arg, txn, &it, NULL, 0);
}

int records_transfer_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                           const struct pki_identity *origin, const char *from,
                           struct roles_route *route, char *why, size_t wl)
{
	const Carenet__RecordTransfer *t = item->record_transfer;
	Carenet__RecordTransfer tt;
	char nw[PKI_ID_MAX], *down[1];
	struct rec rc;
	uint64_t cur = 0;
	int up, ret;

	if (!t)
		return roles_why(why, wl, "record transfer without a body"), CN_EPROTO;
	tt = *t;
	if ((ret = transfer_check(r, t, origin, why, wl)) != 0)
		return ret;
	/* either owner below this office (or the new one this office), under
	 * its id now or a former one */
	if ((ret = roles_below_me(r, txn, t->from_owner)) == 0)
		ret = roles_at_or_below_me(r, txn, t->to);
	if (ret == 1)
		ret = path_of(r, txn, origin->id, from, &up);
	if (ret <= 0) {
		if (ret == 0)
			roles_why(why, wl,
			          "transfer of %.64s from %s arrived from %s, not on its path",
			          t->id, origin->id, from);
		return ret ? ret : CN_ESCOPE;
	}
	ret = rec_current_version(r, txn, t->id, &cur);
	if (ret != 0 && ret != CN_ENOTFOUND)
		return ret;
	if (ret == 0 && cur > t->record->version) {
		roles_why(why, wl,
		          "transfer of %.64s at version %llu, but version %llu is held "
		          "here: transfer it again",
		          t->id, (unsigned long long)t->record->version, (unsigned long long)cur);
		return CN_EINVAL;
	}
	/* to a village that has moved since (its giver did not hold the Move):
	 * it goes to the new id, which accepts it after its switch, instead of
	 * to the old one, where it would be re-keyed uncounted or never arrive */
	if ((ret = moved_now(r->env.store, txn, t->to, nw, sizeof(nw))) == 0) {
		tt.to = nw;
		down[0] = nw;
		tt.down = down;
	} else if (ret != CN_ENOTFOUND) {
		return ret;
	}
	if ((ret = rec_from_msg(&rc, t->record, why, wl)) == 0)
		ret = rec_put_history(r, txn, &rc); /* the snapshot the new owner starts from */
	rec_clear(&rc);
	if (ret != 0 || (ret = transfer_put(r, txn, &tt)) != 0 ||
	    (ret = route_of(r, txn, tt.down, tt.n_down, from, up, route)) != 0)
		return ret;
	if (up && route->ntargets && (ret = send_down(r, txn, &tt, route)) != 0)
		return ret;
	return roles_audit(r, txn, origin->id, "transfer", t->id,
	                   "from %s to %s at version %llu%s%s", t->from_owner, tt.to,
	                   (unsigned long long)t->record->version, tt.to != t->to ? ", moved from " : "",
	                   tt.to != t->to ? t->to : "");
}

/* ---- the operator's requests: review, transfer, accept */

struct xctx {
	struct roles *r;
	const Carenet__RecordReviewRequest *rev;
	const Carenet__RecordTransferRequest *xfer;
	const Carenet__RecordShowRequest *acc;
	char id[REC_ID_MAX];
};

static int held(struct xctx *c, MDB_txn *txn, const char *id, struct rec *rc)
{
	int ret = rec_get(c->r, txn, id, rc);

	if (ret == CN_ENOTFOUND)
		roles_why(c->r->err, sizeof(c->r->err),
		          "no record %.64s here (carenet record "
		          "list --type TYPE lists them)",
		          id);
	return ret;
}

static int review_txn(MDB_txn *txn, void *arg)
{
	struct xctx *c = arg;
	struct roles *r = c->r;
	const char *me = r->env.me->id;
	Carenet__RecordReview m = CARENET__RECORD_REVIEW__INIT;
	Carenet__Item it = CARENET__ITEM__INIT;
	char *down[1];
	struct rec rc;
	int ret;

	if ((ret = held(c, txn, c->rev->id, &rc)) != 0)
		return ret;
	/* its owner moved: this version is superseded by the one written under
	 * the new id, and a review sent to the old id would wait for an office
	 * that is gone */
	if ((ret = roles_moved_away(r, txn, rc.owner, "review the version written under")) != 0)
		goto out;
	/* below this office under its id now or a former one */
	if ((ret = roles_below_me(r, txn, rc.owner)) <= 0) {
		if (ret == 0)
			roles_why(r->err, sizeof(r->err),
			          "record %s belongs to %s: only an office above "
			          "it (its township, or the county) reviews it",
			          rc.id, rc.owner);
		ret = ret ? ret : CN_EROLE;
		goto out;
	}
	m.id = rc.id;
	m.owner = rc.owner;
	m.version = rc.version;
	m.approve = c->rev->approve;
	m.note = c->rev->note;
	m.reviewed_at = roles_now(r);
	m.reviewed_by = (char *)me;
	down[0] = rc.owner;
	m.down = down;
	m.n_down = 1;
	it.body_case = CARENET__ITEM__BODY_RECORD_REVIEW;
	it.record_review = &m;
	if ((ret = review_put(r, txn, &m)) == 0 &&
	    (ret = r->env.emit(r->env.arg, txn, &it, NULL, 0)) == 0)
		ret = roles_audit(r, txn, me, "review", rc.id, "version %llu %s",
		                  (unsigned long long)rc.version,
		                  m.approve ? "approved" : "returned");
out:
	rec_clear(&rc);
	return ret;
}

int records_review_req(struct roles *r, const Carenet__RecordReviewRequest *q,
                       Carenet__ControlReply *rep)
{
	struct xctx c = {.r = r, .rev = q};

	(void)rep;
	if (!q->approve && !q->note[0]) {
		roles_why(r->err, sizeof(r->err),
		          "a returned record needs a note: what the owner "
		          "must correct (--note TEXT)");
		return CN_EINVAL;
	}
	if (strlen(q->note) > ROLES_MAX_NOTE) {
		roles_why(r->err, sizeof(r->err), "note over %d bytes", ROLES_MAX_NOTE);
		return CN_ETOOBIG;
	}
	if (!r->env.seal || !r->env.open)
		return CN_EPERM;
	return r->env.write(r->env.arg, review_txn, &c);
}

static int transfer_txn(MDB_txn *txn, void *arg)
{
	struct xctx *c = arg;
	struct roles *r = c->r;
	const char *me = r->env.me->id, *to = c->xfer->to;
	Carenet__Field fbuf[REC_MAX_FIELDS], *fp[REC_MAX_FIELDS];
	char *changed[REC_MAX_FIELDS], *down[1], why[256] = "";
	Carenet__RecordTransfer t = CARENET__RECORD_TRANSFER__INIT;
	Carenet__RecordVersion v;
	Carenet__Item it = CARENET__ITEM__INIT;
	struct pki_identity o;
	struct rec rc;
	int ret;

	memset(&o, 0, sizeof(o));
	if ((ret = held(c, txn, c->xfer->id, &rc)) != 0)
		return ret;
	if ((ret = roles_moved_away(r, txn, to, "transfer to")) != 0)
		goto out;
	ret = CN_EINVAL;
	if (rc.closed || !transfer_type_ok(rc.t->name, rc.owner)) {
		roles_why(r->err, sizeof(r->err),
		          "record %s: only an open record moves (a village's child, or a "
		          "township's record to another township)",
		          rc.id);
		goto out;
	}
	rec_fill_msg(&rc, &v, fbuf, fp, changed);
	t.id = rc.id;
	t.from_owner = rc.owner;
	t.to = (char *)to;
	t.at = roles_now(r);
	t.by = (char *)me;
	t.record = &v;
	down[0] = (char *)to;
	t.down = down;
	t.n_down = 1;
	snprintf(o.id, sizeof(o.id), "%s", me);
	if ((ret = transfer_check(r, &t, &o, why, sizeof(why))) != 0) {
		roles_why(r->err, sizeof(r->err), "%s", why);
		goto out;
	}
	it.body_case = CARENET__ITEM__BODY_RECORD_TRANSFER;
	it.record_transfer = &t;
	if ((ret = transfer_put(r, txn, &t)) == 0 &&
	    (ret = r->env.emit(r->env.arg, txn, &it, NULL, 0)) == 0)
		ret = roles_audit(r, txn, me, "transfer", rc.id, "from %s to %s at version %llu",
		                  rc.owner, to, (unsigned long long)rc.version);
out:
	rec_clear(&rc);
	return ret;
}

int records_transfer_req(struct roles *r, const Carenet__RecordTransferRequest *q,
                         Carenet__ControlReply *rep)
{
	struct xctx c = {.r = r, .xfer = q};

	(void)rep;
	if (!r->env.seal || !r->env.open)
		return CN_EPERM;
	return r->env.write(r->env.arg, transfer_txn, &c);
}

/* The new owner's first version of id: the snapshot it received, owned here. */
static int accept_one(struct roles *r, MDB_txn *txn, const char *id)
{
	const char *me = r->env.me->id;
	Carenet__Field fbuf[REC_MAX_FIELDS], *fp[REC_MAX_FIELDS];
	char *changed[REC_MAX_FIELDS];
	Carenet__RecordVersion m;
	Carenet__Item it = CARENET__ITEM__INIT;
	struct rec_xfer x;
	struct rec rc;
	uint64_t cur = 0;
	char nw[PKI_ID_MAX];
	int ret = rec_transfer_get(r, txn, id, &x);

	memset(&rc, 0, sizeof(rc));
	if (ret == 0 && (ret = roles_is_me(r, txn, x.to)) >= 0)
		ret = ret ? 0 : CN_ENOTFOUND; /* not to me, nor to an id I had */
	if (ret == CN_ENOTFOUND) {
		roles_why(r->err, sizeof(r->err), "no transfer of %.64s to this office (yet)", id);
		ret = CN_ESCOPE;
	}
	if (ret != 0)
		return ret;
	/* moving: its switch re-keys what it owns, counted by the Move's steps
	 * (old = switched = new); a child taken now would count on one side */
	if ((ret = moved_to(r->env.store, txn, me, nw, sizeof(nw))) == 0) {
		roles_why(r->err, sizeof(r->err),
		          "this village is moving to %s (carenet move status): accept %.64s after "
		          "its switch, as %s",
		          nw, id, nw);
		return CN_EROLE;
	}
	if (ret != CN_ENOTFOUND)
		return ret;
	if (rec_current_version(r, txn, id, &cur) == 0 && cur > x.version) {
		roles_why(r->err, sizeof(r->err), "record %.64s is already accepted here", id);
		return CN_EINVAL;
	}
	if ((ret = rec_get_version(r, txn, id, x.version, &rc)) != 0)
		return ret;
	snprintf(rc.owner, sizeof(rc.owner), "%s", me);
	snprintf(rc.changed_by, sizeof(rc.changed_by), "%s", me);
	rc.version = x.version + 1;
	rc.changed_at = roles_now(r);
	rc.changed = 0;
	if ((ret = rec_put(r, txn, &rc)) != 0 || (ret = records_owner_moved(r, txn, &rc)) != 0)
		goto out;
	rec_fill_msg(&rc, &m, fbuf, fp, changed);
	it.body_case = CARENET__ITEM__BODY_RECORD_VERSION;
	it.record_version = &m;
	if ((ret = r->env.emit(r->env.arg, txn, &it, NULL, 0)) == 0)
		ret = roles_audit(r, txn, me, "accept", id, "from %s, version %llu", x.from,
		                  (unsigned long long)rc.version);
out:
	rec_clear(&rc);
	return ret;
}

int records_pending_to(struct roles *r, MDB_txn *txn, const char *office, struct strvec *ids)
{
	const char *me = office;
	MDB_cursor *cur;
	MDB_val k = {2, "x:"}, d;
	int ret, mrc;

	if ((ret = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_RECORDS), &cur),
	                     "records accept")))
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		Carenet__StoredTransfer *m;
		char id[REC_ID_MAX];
		uint64_t v = 0;
		if (k.mv_size < 3 || memcmp(k.mv_data, "x:", 2) != 0 || k.mv_size - 2 >= REC_ID_MAX)
			break;
		memcpy(id, (char *)k.mv_data + 2, k.mv_size - 2);
		id[k.mv_size - 2] = 0;
		if (!(m = carenet__stored_transfer__unpack(NULL, d.mv_size, d.mv_data))) {
			ret = CN_ESTORE;
			break;
		}
		if (!strcmp(m->to, me) &&
		    (rec_current_version(r, txn, id, &v) != 0 || v <= m->version))
			ret = roles_vec_push(ids, id);
		carenet__stored_transfer__free_unpacked(m, NULL);
	}
	mdb_cursor_close(cur);
	if (ret == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		ret = store_err(mrc, "records accept");
	return ret;
}

/* The transfers this office may accept: to it, or to an id it had before
 * (a village that moved before it accepted them). */
static int pending_here(struct roles *r, MDB_txn *txn, struct strvec *ids)
{
	char was[MOVED_CHAIN_MAX][16];
	size_t n = 0;
	int ret = records_pending_to(r, txn, r->env.me->id, ids);

	if (ret == 0)
		ret = moved_formers(r->env.store, txn, r->env.me->id, was, MOVED_CHAIN_MAX, &n);
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = records_pending_to(r, txn, was[i], ids);
	return ret;
}

struct accept_ctx {
	struct roles *r;
	const Carenet__RecordShowRequest *q;
	Carenet__ControlReply *rep;
};

/* One id, or (q->all) every pending one, in one transaction: all or none. */
static int accept_txn(MDB_txn *txn, void *arg)
{
	struct accept_ctx *c = arg;
	struct strvec ids = {0};
	int ret;

	if (!c->q->all)
		return accept_one(c->r, txn, c->q->id);
	if ((ret = pending_here(c->r, txn, &ids)) == 0)
		for (size_t i = 0; i < ids.n && ret == 0; i++)
			ret = accept_one(c->r, txn, ids.v[i]);
	if (ret == 0 && ids.n) {
		c->rep->record_ids = ids.v, c->rep->n_record_ids = ids.n; /* freed with the reply */
		ids.v = NULL, ids.n = 0;
	}
	roles_vec_free(&ids);
	return ret;
}

int records_accept_req(struct roles *r, const Carenet__RecordShowRequest *q,
                       Carenet__ControlReply *rep)
{
	struct accept_ctx c = {r, q, rep};

	if (!r->env.seal || !r->env.open)
		return CN_EPERM;
	return r->env.write(r->env.arg, accept_txn, &c);
}

int records_frozen(struct roles *r, MDB_txn *txn, const struct rec *rc, char *why, size_t wl)
{
	struct rec_xfer x;
	int ret = rec_transfer_get(r, txn, rc->id, &x);

	if (ret == CN_ENOTFOUND)
		return 0;
	if (ret != 0)
		return ret;
	if (strcmp(x.from, rc->owner) == 0 && rc->version >= x.version) {
		roles_why(why, wl,
		          "record %s is being transferred to %s: its new owner accepts "
		          "it (carenet record accept %s there) and writes it from then on",
		          rc->id, x.to, rc->id);
		return 1;
	}
	return 0;
}
