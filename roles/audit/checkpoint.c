/*
 * checkpoint: this office's audit checkpoints going up, and its children's
 * kept and compared (checkpoints.h).
 */
#include "checkpoints.h"
#include "arr.h"
#include "audit.h"
#include "be.h"
#include "err.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SELF_KEY "ckpt.self"
#define ALERT_PREFIX "ckpt-alert:"
#define CKPT_KEY_MAX (5 + PKI_ID_MAX + 1 + 8)

typedef Carenet__CheckpointRecord Rec;

/* "ckpt:<id>:" (and BE64 seq if seq != NULL); returns the length. */
static size_t ckpt_key(uint8_t *k, const char *id, const uint64_t *seq)
{
	size_t n = (size_t)snprintf((char *)k, CKPT_KEY_MAX, "ckpt:%s:", id);

	if (seq) {
		be_put(k + n, *seq, 8);
		n += 8;
	}
	return n;
}

static int rec_get(struct roles *r, MDB_txn *txn, const void *key, size_t klen, Rec **out)
{
	MDB_val k = {klen, (void *)key}, v;
	int rc = store_err(mdb_get(txn, roles_dbi(r, STORE_META), &k, &v), "checkpoint get");

	*out = NULL;
	if (rc != 0)
		return rc;
	if (!(*out = carenet__checkpoint_record__unpack(NULL, v.mv_size, v.mv_data))) {
		log_warnx("roles: checkpoint record does not decode");
		return CN_ESTORE;
	}
	return 0;
}

static int rec_put(struct roles *r, MDB_txn *txn, const void *key, size_t klen, const Rec *rec)
{
	size_t len = carenet__checkpoint_record__get_packed_size(rec);
	uint8_t *buf = malloc(len ? len : 1);
	MDB_val k = {klen, (void *)key}, v = {len, buf};
	int rc;

	if (!buf)
		return CN_ENOMEM;
	carenet__checkpoint_record__pack(rec, buf);
	rc = store_err(mdb_put(txn, roles_dbi(r, STORE_META), &k, &v, 0), "checkpoint put");
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ originating */

/* Whether to make one now, given the head and the last checkpoint. */
static int due(const Rec *last, uint64_t seq, const uint8_t *head, uint64_t now,
               uint64_t min_entries, uint64_t max_age, int force)
{
	uint64_t lseq = last ? last->seq : 0;

	if (last && (seq < lseq || (seq == lseq && (last->head.len != AUDIT_HASH_LEN ||
	                                            memcmp(last->head.data, head, AUDIT_HASH_LEN)))))
		return 1; /* shorter, or different at the same length: the parent must know */
	if (seq == lseq)
		return 0;
	return force || seq - lseq >= min_entries || !last || now >= last->created + max_age;
}

int checkpoint_make(struct roles *r, MDB_txn *txn, uint64_t min_entries, uint64_t max_age,
                    int force, int *made)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Checkpoint cp = CARENET__CHECKPOINT__INIT;
	Rec *last = NULL, rec = CARENET__CHECKPOINT_RECORD__INIT;
	uint8_t head[AUDIT_HASH_LEN], prev[AUDIT_HASH_LEN];
	uint64_t seq, now = roles_now(r);
	int rc;

	*made = 0;
	if (r->env.me->role == PKI_ROLE_COUNTY || pki_role_above_county(r->env.me->role))
		return 0; /* nothing but aggregates above the county */
	if ((rc = audit_head(r->env.store, txn, &seq, head)) != 0)
		return rc == CN_ENOTFOUND ? 0 : rc; /* nothing logged yet: nothing to vouch for */
	rc = rec_get(r, txn, SELF_KEY, sizeof(SELF_KEY) - 1, &last);
	if (rc != 0 && rc != CN_ENOTFOUND)
		return rc;
	if (!due(last, seq, head, now, min_entries, max_age, force))
		goto out;
	cp.seq = seq;
	cp.head = (ProtobufCBinaryData){AUDIT_HASH_LEN, head};
	if (last && last->seq) {
		cp.prev_seq = last->seq;
		/* A log that no longer reaches prev_seq sends no prev_hash. */
		if ((rc = audit_hash_at(r->env.store, txn, last->seq, prev)) == 0)
			cp.prev_hash = (ProtobufCBinaryData){AUDIT_HASH_LEN, prev};
		else if (rc != CN_ENOTFOUND && rc != CN_EVERIFY)
			goto out;
	}
	it.body_case = CARENET__ITEM__BODY_CHECKPOINT;
	it.checkpoint = &cp;
	if ((rc = r->env.emit(r->env.arg, txn, &it, NULL, 0)) != 0)
		goto out;
	rec.seq = cp.seq;
	rec.head = cp.head;
	rec.prev_seq = cp.prev_seq;
	rec.prev_hash = cp.prev_hash;
	rec.created = now;
	if ((rc = rec_put(r, txn, SELF_KEY, sizeof(SELF_KEY) - 1, &rec)) == 0)
		*made = 1;
out:
	carenet__checkpoint_record__free_unpacked(last, NULL);
	return rc;
}

/* -------------------------------------------------------------- receiving */

/* What a child's kept checkpoints say about a new one. */
struct kept {
	Rec *last;   /* the last one received */
	Rec *at_seq; /* the first kept at the new one's seq */
	Rec *at_prev; /* the first kept at its prev_seq */
	uint64_t next; /* a key above every kept one */
};

static void kept_free(struct kept *k)
{
	carenet__checkpoint_record__free_unpacked(k->last, NULL);
	carenet__checkpoint_record__free_unpacked(k->at_seq, NULL);
	carenet__checkpoint_record__free_unpacked(k->at_prev, NULL);
}

static int kept_take(struct kept *k, const Carenet__Checkpoint *cp, const MDB_val *v)
{
	Rec *x = carenet__checkpoint_record__unpack(NULL, v->mv_size, v->mv_data);

	if (!x) {
		log_warnx("roles: checkpoint record does not decode");
		return CN_ESTORE;
	}
	if (!k->at_seq && x->seq == cp->seq)
		k->at_seq = carenet__checkpoint_record__unpack(NULL, v->mv_size, v->mv_data);
	if (!k->at_prev && cp->prev_seq && x->seq == cp->prev_seq)
		k->at_prev = carenet__checkpoint_record__unpack(NULL, v->mv_size, v->mv_data);
	carenet__checkpoint_record__free_unpacked(k->last, NULL);
	k->last = x;
	return 0;
}

static int kept_scan(struct roles *r, MDB_txn *txn, const char *child,
                     const Carenet__Checkpoint *cp, struct kept *k)
{
	uint8_t pre[CKPT_KEY_MAX];
	size_t plen = ckpt_key(pre, child, NULL);
	MDB_cursor *c;
	MDB_val key = {plen, pre}, v;
	int rc = 0, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_META), &c), "checkpoints")))
		return rc;
	for (mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
		if (key.mv_size != plen + 8 || memcmp(key.mv_data, pre, plen) != 0)
			break;
		k->next = be_get((const uint8_t *)key.mv_data + plen, 8) + 1;
		rc = kept_take(k, cp, &v);
	}
	mdb_cursor_close(c);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "checkpoints");
	return rc;
}

static void hex8(const ProtobufCBinaryData *b, char out[17])
{
	if (b->len >= 8)
		util_hex(b->data, 8, out);
	else
		snprintf(out, 17, "(none)");
}

static int same(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* The alert a new checkpoint raises against the kept ones ("" none). */
static void compare(const struct kept *k, const Carenet__Checkpoint *cp, char *alert, size_t len)
{
	char a[17], b[17];

	alert[0] = 0;
	if (k->last && cp->seq < k->last->seq) {
		snprintf(alert, len,
		         "truncated: its checkpoint at entry %llu comes after one at entry %llu "
		         "(entries %llu to %llu gone)",
		         (unsigned long long)cp->seq, (unsigned long long)k->last->seq,
		         (unsigned long long)cp->seq + 1, (unsigned long long)k->last->seq);
	} else if (k->at_seq && !same(&k->at_seq->head, &cp->head)) {
		hex8(&k->at_seq->head, a);
		hex8(&cp->head, b);
		snprintf(alert, len,
		         "rewritten: its hash at entry %llu is now %s..., the checkpoint kept "
		         "at entry %llu says %s...",
		         (unsigned long long)cp->seq, b, (unsigned long long)cp->seq, a);
	} else if (k->at_prev && cp->prev_hash.len == 0) {
		snprintf(alert, len, "truncated: its log no longer holds entry %llu (checkpointed)",
		         (unsigned long long)cp->prev_seq);
	} else if (k->at_prev && !same(&k->at_prev->head, &cp->prev_hash)) {
		hex8(&k->at_prev->head, a);
		hex8(&cp->prev_hash, b);
		snprintf(alert, len,
		         "rewritten: its hash at entry %llu is now %s..., the checkpoint kept "
		         "at entry %llu says %s...: an entry up to %llu was changed",
		         (unsigned long long)cp->prev_seq, b, (unsigned long long)cp->prev_seq, a,
		         (unsigned long long)cp->prev_seq);
	}
}

static int raise_alert(struct roles *r, MDB_txn *txn, const char *child, const char *alert)
{
	char key[sizeof(ALERT_PREFIX) + PKI_ID_MAX];
	MDB_val k, v = {strlen(alert), (void *)alert};
	int rc;

	log_warnx("roles %s: audit log %s", child, alert);
	snprintf(key, sizeof(key), ALERT_PREFIX "%s", child);
	k = (MDB_val){strlen(key), key};
	if ((rc = store_err(mdb_put(txn, roles_dbi(r, STORE_META), &k, &v, 0), "alert put")))
		return rc;
	return roles_audit(r, txn, child, "checkpoint-alert", child, "audit log %s", alert);
}

int checkpoint_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                     const struct pki_identity *origin, const char *from, struct roles_route *route,
                     char *why, size_t whylen)
{
	const Carenet__Checkpoint *cp = item->checkpoint;
	struct kept k = {0};
	Rec rec = CARENET__CHECKPOINT_RECORD__INIT;
	uint8_t key[CKPT_KEY_MAX];
	char alert[512];
	int rc;

	(void)route;
	if (!cp) {
		roles_why(why, whylen, "checkpoint item without a checkpoint");
		return CN_EPROTO;
	}
	/* a township's own, or one it queued under its code before (撤乡设镇) */
	if ((rc = strcmp(from, origin->id) ? roles_was(r, txn, from, origin->id) : 1) > 0)
		rc = roles_child_of_me(r, txn, origin->id);
	if (rc < 0)
		return rc;
	if (!rc) {
		roles_why(why, whylen, "checkpoint from %s via %s: only a direct child sends its own",
		          item->origin, from[0] ? from : "-");
		return CN_ESCOPE;
	}
	if (cp->seq == 0 || cp->head.len != AUDIT_HASH_LEN ||
	    (cp->prev_hash.len != 0 && cp->prev_hash.len != AUDIT_HASH_LEN)) {
		roles_why(why, whylen, "checkpoint from %s: seq 0 or hashes not of %d bytes",
		          item->origin, AUDIT_HASH_LEN);
		return CN_EINVAL;
	}
	if ((rc = kept_scan(r, txn, origin->id, cp, &k)) != 0)
		goto out;
	compare(&k, cp, alert, sizeof(alert));
	rec.seq = cp->seq;
	rec.head = cp->head;
	rec.prev_seq = cp->prev_seq;
	rec.prev_hash = cp->prev_hash;
	rec.created = item->created;
	rec.received = roles_now(r);
	rec.alert = alert;
	if ((rc = rec_put(r, txn, key, ckpt_key(key, origin->id, &k.next), &rec)) != 0)
		goto out;
	if (alert[0])
		rc = raise_alert(r, txn, origin->id, alert);
out:
	kept_free(&k);
	return rc;
}

/* ---------------------------------------------------------------- listing */

static void view_free(Carenet__CheckpointView *v)
{
	if (!v)
		return;
	free(v->office);
	free(v->head);
	free(v->prev_hash);
	free(v->alert);
	free(v);
}

void checkpoint_views_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_checkpoints; i++)
		view_free(rep->checkpoints[i]);
	free(rep->checkpoints);
	rep->checkpoints = NULL;
	rep->n_checkpoints = 0;
}

static char *dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

static char *hexdup(const ProtobufCBinaryData *b)
{
	char *s = malloc(2 * b->len + 1);
	if (s)
		util_hex(b->data, b->len, s);
	return s;
}

static Carenet__CheckpointView *view_new(const MDB_val *k, const MDB_val *v)
{
	Carenet__CheckpointView *cv = calloc(1, sizeof(*cv));
	Rec *x = carenet__checkpoint_record__unpack(NULL, v->mv_size, v->mv_data);
	size_t idlen = k->mv_size - 5 - 1 - 8;

	if (!cv || !x) {
		free(cv);
		carenet__checkpoint_record__free_unpacked(x, NULL);
		return NULL;
	}
	carenet__checkpoint_view__init(cv);
	cv->office = dupn((const char *)k->mv_data + 5, idlen);
	cv->seq = x->seq;
	cv->head = hexdup(&x->head);
	cv->prev_seq = x->prev_seq;
	cv->prev_hash = hexdup(&x->prev_hash);
	cv->created = x->created;
	cv->received = x->received;
	cv->alert = util_strdup(x->alert);
	carenet__checkpoint_record__free_unpacked(x, NULL);
	if (!cv->office || !cv->head || !cv->prev_hash || !cv->alert) {
		view_free(cv);
		return NULL;
	}
	return cv;
}

int checkpoint_list(struct roles *r, MDB_txn *txn, const char *office, Carenet__ControlReply *rep)
{
	uint8_t pre[CKPT_KEY_MAX];
	size_t plen = office[0] ? ckpt_key(pre, office, NULL) : 5, cap = 0;
	MDB_cursor *c;
	MDB_val key = {plen, pre}, v;
	int rc = 0, mrc;

	if (!office[0])
		memcpy(pre, "ckpt:", 5);
	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_META), &c), "checkpoints")))
		return rc;
	for (mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
		if (key.mv_size < plen || memcmp(key.mv_data, pre, plen) != 0)
			break;
		if (key.mv_size < 5 + 2 + 8 || ((const char *)key.mv_data)[key.mv_size - 9] != ':')
			continue;
		if ((rc = ARR_GROW(rep->checkpoints, rep->n_checkpoints + 1, cap)) != 0)
			break;
		if (!(rep->checkpoints[rep->n_checkpoints] = view_new(&key, &v)))
			rc = CN_ENOMEM;
		else
			rep->n_checkpoints++;
	}
	mdb_cursor_close(c);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "checkpoints");
	return rc;
}

int checkpoint_alerts(struct roles *r, MDB_txn *txn, int (*fn)(const char *text, void *arg),
                      void *arg)
{
	const size_t plen = sizeof(ALERT_PREFIX) - 1;
	MDB_cursor *c;
	MDB_val key = {plen, ALERT_PREFIX}, v;
	char text[PKI_ID_MAX + 600];
	int rc = 0, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_META), &c), "alerts")))
		return rc;
	for (mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
		if (key.mv_size < plen || memcmp(key.mv_data, ALERT_PREFIX, plen) != 0)
			break;
		snprintf(text, sizeof(text), "%.*s: audit log %.*s", (int)(key.mv_size - plen),
		         (const char *)key.mv_data + plen, (int)(v.mv_size < 512 ? v.mv_size : 512),
		         (const char *)v.mv_data);
		rc = fn(text, arg);
	}
	mdb_cursor_close(c);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "alerts");
	return rc;
}
