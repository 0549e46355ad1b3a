/*
 * deliver_apply: the group-commit transaction that applies received batches.
 *
 * What is checked where (docs/design.md, Delivery): here the link sequence,
 * that the origin may arrive over this link, the origin's certificate chain
 * (deliver_chain.c, re-checked at use), the signature, the item's origin and
 * lane, the child's subtree quota; in roles_apply every id the item carries
 * (before any store access) and then the rules and fields of its body.
 *
 * A refusal is of one item and never aborts the transaction. A frame's
 * refusals are counted, audited in ONE entry (how many, the first reason),
 * logged at most once per peer per LOG_EVERY_US, and charged to the peer's
 * ban budget (after the commit); past REFUSALS_PER_FRAME the rest of the
 * frame is dropped unacknowledged and the whole budget is charged. Only
 * storage and memory errors (fatal_rc) abort the transaction: deliver.c then
 * re-runs the turn one peer at a time (deliver->only) so that one peer's
 * frames never cost another's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "audit.h"
#include "arr.h"
#include "deliver_int.h"
#include "err.h"
#include "item.h"
#include "log.h"
#include "moved.h"
#include "outbox.h"
#include "util.h"

#define REFUSALS_PER_FRAME 32  /* refused items in one frame before the rest is dropped */
#define LOG_EVERY_US 10000000u /* one refusal log line per peer per 10 s at most */

/* What one Batch frame did, for its single audit entry and log line. */
struct tally {
	unsigned refused, applied, quota;
	int cut;
	int sideways; /* this message's origin: another branch, from the parent (origin_sideways) */
	char first[200]; /* the first refusal's reason, printable */
};

/* Errors that abort the transaction (it is replayed or fails as a whole);
 * anything else refuses one message or item and goes on. */
static int fatal_rc(int rc)
{
	return rc == CN_ESTORE || rc == CN_EMAPFULL || rc == CN_ENOMEM || rc == CN_EIO;
}

int deliver_push_ack(struct ackout **v, size_t *n, size_t *cap, const char *peer, unsigned lane,
                     uint64_t seq, int resend)
{
	if (ARR_GROW(*v, *n + 1, *cap))
		return CN_ENOMEM;
	snprintf((*v)[*n].peer, PKI_ID_MAX, "%s", peer);
	(*v)[*n].lane = lane;
	(*v)[*n].seq = seq;
	(*v)[*n].resend = resend;
	(*n)++;
	return 0;
}

void deliver_syn_ack(struct deliver *d, const char *peer, unsigned lane, uint64_t seq)
{
	if (ARR_GROW(d->syn, d->nsyn + 1, d->syncap))
		return;
	snprintf(d->syn[d->nsyn].peer, PKI_ID_MAX, "%s", peer);
	d->syn[d->nsyn].lane = lane;
	d->syn[d->nsyn].seq = seq;
	d->nsyn++;
}

/* Ban-budget points for peer, charged by deliver.c after the commit. */
int deliver_penalty(struct deliver *d, const char *peer, unsigned n)
{
	for (size_t i = 0; i < d->npens; i++) {
		if (strcmp(d->pens[i].peer, peer) == 0) {
			d->pens[i].n += n;
			return 0;
		}
	}
	if (ARR_GROW(d->pens, d->npens + 1, d->pencap))
		return CN_ENOMEM;
	snprintf(d->pens[d->npens].peer, PKI_ID_MAX, "%s", peer);
	d->pens[d->npens++].n = n;
	return 0;
}

/* Counts one refused item or message; the frame reports it when it ends. */
static void refuse(struct deliver *d, struct tally *t, enum ctr c, const char *origin,
                   const char *why)
{
	d->cdelta[c]++;
	if (t->refused++ == 0) {
		/* Both come from the network: keep them printable (log, audit). */
		snprintf(t->first, sizeof(t->first), "%.40s: %s", origin, why);
		for (char *p = t->first; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
}

/* A frame that refused something: one audit entry with the counts, one log
 * line per peer per LOG_EVERY_US, and a point on the peer's ban budget
 * (the whole budget for a frame cut at the cap). */
static int frame_refusals(struct deliver *d, MDB_txn *txn, const char *peer, unsigned lane,
                          const struct tally *t)
{
	struct dpeer *p = deliver_peer(d, peer, 0);
	char detail[320];
	uint64_t now = util_mono_us();
	unsigned pts = t->cut ? (unsigned)d->env.cfg->ban_after : 1;
	int rc;

	d->cdelta[CTR_FRAMES_REFUSING]++;
	snprintf(detail, sizeof(detail), "%u item%s refused, %u applied on lane %u%s; first: %s",
	         t->refused, t->refused == 1 ? "" : "s", t->applied, lane,
	         t->cut ? " (frame cut at the refusal cap)" : "", t->first);
	if ((rc = audit_append(d->env.store, txn, deliver_now(d), d->me->id, "refuse", peer,
	                       detail)) != 0)
		return rc;
	if (p && (p->log_us == 0 || now - p->log_us >= LOG_EVERY_US)) {
		log_warnx("deliver %s: %s%s", peer, detail,
		          p->log_quiet ? " (and more frames not logged)" : "");
		p->log_us = now;
		p->log_quiet = 0;
	} else if (p) {
		p->log_quiet++;
	}
	if (p && p->is_parent)
		return 0; /* the parent is configured, not accepted: never banned */
	d->cdelta[CTR_PENALTIES] += pts;
	return deliver_penalty(d, peer, pts);
}

/* The origin of items arriving from `peer` must be the peer or below it
 * (from a child), or above this node (from the parent). */
static int origin_fits_link(struct deliver *d, MDB_txn *txn, const char *peer,
                            const char *origin)
{
	struct dpeer *p = deliver_peer(d, peer, 0);
	const char *me = d->me->id;
	char old[PKI_ID_MAX];

	if (p && p->is_parent)
		return strlen(origin) < strlen(me) && strncmp(origin, me, strlen(origin)) == 0;
	/* an inspector's finding relayed up by a child (roles check its office
	 * lies below that child), or from the inspector itself (deliver_inject) */
	if (pki_role_from_id(origin) == PKI_ROLE_INSPECTOR)
		return 1;
	if (strncmp(origin, peer, strlen(peer)) == 0)
		return 1;
	/* a township whose own code changed (撤乡设镇): what it and its villages
	 * sent under its old code, queued before its switch or sent since by a
	 * village not switched yet (node/move_links.c) */
	return pki_role_from_id(peer) == PKI_ROLE_TOWNSHIP &&
	       moved_from(d->env.store, txn, peer, old, sizeof(old)) == 0 &&
	       pki_role_from_id(old) == PKI_ROLE_TOWNSHIP && strncmp(origin, old, strlen(old)) == 0;
}

/* From the parent, another township of this county: a report step about a
 * village that moved (its old township's, relayed by the county to the
 * village's new place). apply_item lets only report steps through; roles
 * judge them (report_apply.c). A village's item never travels sideways. */
static int origin_sideways(struct deliver *d, const char *peer, const char *origin)
{
	struct dpeer *p = deliver_peer(d, peer, 0);
	const char *me = d->me->id;

	return p && p->is_parent && strlen(me) > 6 && strlen(origin) == 9 &&
	       strncmp(origin, me, 6) == 0 && strncmp(origin, me, 9) != 0;
}

/* The child of this node whose subtree `origin` lies in (its quota
 * account), or NULL when origin is this node or above it. */
static const char *account_of(struct deliver *d, const char *origin, char *buf, size_t len)
{
	size_t ml = strlen(d->me->id);

	if (strlen(origin) < ml + 3 || strncmp(origin, d->me->id, ml) != 0 || ml + 3 >= len)
		return NULL;
	snprintf(buf, len, "%.*s", (int)(ml + 3), origin);
	return buf;
}

/* A fatal error passes through; anything else refuses the item. */
static int apply_item(struct deliver *d, MDB_txn *txn, const char *peer, unsigned lane,
                      const struct pki_identity *oid, const ProtobufCBinaryData *raw, size_t idx,
                      struct dests *ds, struct tally *t)
{
	int direct = deliver_is_direct_in(d, peer), marked;
	Carenet__Item *it = NULL;
	struct roles_route rt;
	char why[320] = "";
	uint64_t hwm;
	int rc;

	if (item_decode(raw->data, raw->len, &it) != 0) {
		refuse(d, t, CTR_ITEMS_REFUSED, oid->id, "malformed item");
		return 0;
	}
	rc = 0;
	if (strcmp(it->origin, oid->id) != 0 || it->lane != lane) {
		refuse(d, t, CTR_ITEMS_REFUSED, oid->id,
		       "item origin or lane differs from its signed batch");
		goto out;
	}
	if (t->sideways && it->body_case != CARENET__ITEM__BODY_REPORT_STEP) {
		refuse(d, t, CTR_ITEMS_REFUSED, oid->id,
		       "from the parent, only a report step comes from another branch");
		goto out;
	}
	if (direct && deliver_lane_of(it) != 0) { /* another lane's item dressed as urgent */
		refuse(d, t, CTR_DIRECT_REFUSED, oid->id,
		       "a county-direct session carries only urgent items (failover)");
		goto out;
	}
	/* Items that reach this node by more than one path, not in order, are
	 * neither judged nor advanced by the (origin, lane) high-water mark; the
	 * domain keeps each once by id: a village's urgent items on its
	 * county-direct session (failover: the township relays them later, older
	 * ones among them) and an inspector's findings (its own session, and
	 * relayed by a child). */
	marked = !direct && oid->role != PKI_ROLE_INSPECTOR;
	if (marked && (rc = origin_hwm_get(d->env.store, txn, it->origin, lane, &hwm)) != 0)
		goto out;
	if (marked && it->origin_seq <= hwm) {
		d->cdelta[CTR_ITEMS_DUPLICATE]++;
		log_debug("deliver %s: duplicate item %s/%llu ignored (applied up to %llu)", peer,
		          it->origin, (unsigned long long)it->origin_seq, (unsigned long long)hwm);
		goto out;
	}
	rc = roles_apply(d->roles, txn, it, oid, peer, &rt, why, sizeof(why));
	if (rc != 0) {
		if (fatal_rc(rc))
			goto out;
		if (pki_role_above_county(d->me->role) && !roles_may_cross_up(it) &&
		    strlen(it->origin) > strlen(d->me->id))
			d->cdelta[CTR_ABOVE_REFUSED]++;
		refuse(d, t, CTR_ITEMS_REFUSED, oid->id, why[0] ? why : cn_strerror(rc));
	} else {
		d->cdelta[CTR_ITEMS_APPLIED]++;
		t->applied++;
		if (direct) /* forwarded nowhere: its township gets it from the village */
			d->cdelta[CTR_DIRECT_APPLIED]++;
		else {
			deliver_gate_up(d, it, &rt);
			if ((rc = deliver_route(d, txn, &rt, ds, idx)) != 0)
				goto out;
		}
	}
	/* Applied or refused, this origin sequence is consumed. */
	rc = marked ? origin_hwm_put(d->env.store, txn, it->origin, lane, it->origin_seq) : 0;
out:
	carenet__item__free_unpacked(it, NULL);
	return rc;
}

/* One signed batch from peer. A fatal error passes through; anything else
 * refuses the message or some of its items. */
static int apply_msg(struct deliver *d, MDB_txn *txn, const char *peer, unsigned lane,
                     const ProtobufCBinaryData *msg, struct tally *t)
{
	Carenet__SignedBatch *sb = NULL;
	const struct chain *ch;
	struct dests *ds = d->scratch;
	struct dpeer *p = deliver_peer(d, peer, 0);
	char why[160], acct[PKI_ID_MAX];
	const char *no;
	int rc = 0;

	if (item_batch_decode(msg->data, msg->len, &sb) != 0) {
		refuse(d, t, CTR_INVALID_MESSAGES, "?", "malformed signed batch");
		return 0;
	}
	if ((no = deliver_direct_refusal(d, peer, lane, sb->origin))) {
		refuse(d, t, CTR_DIRECT_REFUSED, sb->origin, no);
		goto out;
	}
	/* once per message, not per item: every item's origin is the batch's */
	t->sideways = !origin_fits_link(d, txn, peer, sb->origin);
	if (t->sideways && !origin_sideways(d, peer, sb->origin)) {
		snprintf(why, sizeof(why), "origin cannot arrive over the link with %s", peer);
		refuse(d, t, CTR_ITEMS_REFUSED, sb->origin, why);
		goto out;
	}
	if ((rc = deliver_chain_verify(d, txn, sb, &ch)) != 0) {
		if (fatal_rc(rc))
			goto out;
		refuse(d, t, ch ? CTR_ORIGIN_CHAIN_REFUSED : CTR_BAD_SIGNATURE, sb->origin,
		       rc == CN_ENOTFOUND ? "no verified certificate for the origin"
		       : ch               ? "the origin's certificate chain expired or was revoked"
		                          : "signature does not verify (forged or altered)");
		rc = 0;
		goto out;
	}
	ds->n = 0;
	for (size_t i = 0; i < sb->n_items && rc == 0; i++)
		rc = apply_item(d, txn, peer, lane, &ch->ident, &sb->items[i], i, ds, t);
	if (rc == 0)
		rc = deliver_enqueue(d, txn, sb, msg->data, msg->len, lane, ds,
		                     p && (p->is_parent || p->direct)
		                         ? NULL
		                         : account_of(d, sb->origin, acct, sizeof(acct)));
	deliver_dests_free(ds);
out:
	carenet__signed_batch__free_unpacked(sb, NULL);
	return rc;
}

/* 1 if the child's subtree already holds its quota here. */
static int quota_full(struct deliver *d, MDB_txn *txn, const char *peer, int *full)
{
	struct dpeer *p = deliver_peer(d, peer, 0);
	uint64_t held = 0;
	int rc;

	*full = 0;
	if (p && p->is_parent)
		return 0;
	if ((rc = outbox_held_get(d->env.store, txn, peer, &held)) != 0)
		return fatal_rc(rc) ? rc : 0;
	*full = held >= d->env.cfg->subtree_quota;
	return 0;
}

static void quota_log(struct deliver *d, const char *peer, unsigned lane, uint64_t seq)
{
	struct dpeer *p = deliver_peer(d, peer, 0);
	uint64_t now = util_mono_us();

	if (p && p->log_us && now - p->log_us < LOG_EVERY_US) {
		p->log_quiet++;
		return;
	}
	log_warnx("deliver %s: subtree quota full (delivery.subtree_quota=%zu bytes queued here "
	          "for it): lane %u from %llu waits until the parent acknowledges",
	          peer, d->env.cfg->subtree_quota, lane, (unsigned long long)seq);
	if (p) {
		p->log_us = now;
		p->log_quiet = 0;
	}
}

static int apply_batch(struct deliver *d, MDB_txn *txn, const char *peer, const Carenet__Batch *b)
{
	struct tally t = {0};
	uint64_t cur;
	int rc, resend = 0, full;

	if (b->lane >= WIRE_LANES)
		return 0;
	if ((rc = cursor_get(d->env.store, txn, peer, b->lane, &cur)) != 0)
		return rc;
	for (size_t i = 0; i < b->n_chains; i++)
		if ((rc = deliver_chain_learn(d, txn, b->chains[i])) != 0 && fatal_rc(rc))
			return rc;
	for (size_t i = 0; i < b->n_msgs && !t.cut; i++) {
		uint64_t seq = b->first_seq + i;
		if (seq <= cur) {
			d->cdelta[CTR_FRAMES_DUPLICATE]++;
			continue;
		}
		if (seq > cur + 1) {
			d->cdelta[CTR_GAPS]++;
			resend = 1;
			break;
		}
		if ((rc = quota_full(d, txn, peer, &full)) != 0)
			return rc;
		if (full) { /* not applied, not acked: it waits at the child */
			d->cdelta[CTR_QUOTA_REFUSED] += b->n_msgs - i;
			quota_log(d, peer, b->lane, seq);
			break;
		}
		if ((rc = apply_msg(d, txn, peer, b->lane, &b->msgs[i], &t)) != 0)
			return rc;
		cur = seq;
		if (t.refused >= REFUSALS_PER_FRAME && i + 1 < b->n_msgs) {
			t.cut = 1;
			d->cdelta[CTR_FRAMES_CUT]++;
		}
	}
	if ((rc = cursor_put(d->env.store, txn, peer, b->lane, cur)) != 0)
		return rc;
	if (t.refused && (rc = frame_refusals(d, txn, peer, b->lane, &t)) != 0)
		return rc;
	return deliver_push_ack(&d->acks, &d->nacks, &d->ackcap, peer, b->lane, cur, resend);
}

/* Acknowledged entries are kept a while for a peer whose store goes back
 * (archive.h; delivery.keep_acked, keep_acked_bytes). */
static int archive_acked(struct deliver *d, MDB_txn *txn, const char *peer, unsigned lane,
                         uint64_t upto)
{
	const struct config *c = d->env.cfg;

	return archive_keep(d->env.store, txn, peer, lane, upto, util_now(),
	                    (uint64_t)c->keep_acked * 3600u, c->keep_acked_bytes);
}

struct held { /* bytes an ack deletes, per child account */
	char acct[PKI_ID_MAX];
	int64_t bytes;
};

struct unheld {
	struct deliver *d;
	uint64_t upto;
	struct held *v;
	size_t n, cap;
};

/* Sums, per child account, what an ack is about to delete. */
static int unheld_one(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	struct unheld *u = arg;
	char buf[PKI_ID_MAX];
	const char *a;
	size_t k;

	(void)msg;
	if (seq > u->upto)
		return 1;
	if (!(a = account_of(u->d, origin, buf, sizeof(buf))))
		return 0;
	for (k = 0; k < u->n; k++)
		if (strcmp(u->v[k].acct, a) == 0)
			break;
	if (k == u->n) {
		if (ARR_GROW(u->v, u->n + 1, u->cap))
			return CN_ENOMEM;
		snprintf(u->v[k].acct, PKI_ID_MAX, "%s", a);
		u->v[k].bytes = 0;
		u->n++;
	}
	u->v[k].bytes += (int64_t)len;
	return 0;
}

/* A cumulative ack from peer: the deleted messages leave their children's
 * quota accounts, then the outbox forgets them. */
static int ack_outbox(struct deliver *d, MDB_txn *txn, const char *peer, unsigned lane,
                      uint64_t upto)
{
	struct unheld u = {.d = d, .upto = upto};
	int rc = outbox_each(d->env.store, txn, NULL, peer, lane, 0, unheld_one, &u);

	if (rc > 0)
		rc = 0;
	for (size_t i = 0; i < u.n && rc == 0; i++)
		rc = outbox_held_add(d->env.store, txn, u.v[i].acct, -u.v[i].bytes);
	free(u.v);
	if (rc == 0)
		rc = archive_acked(d, txn, peer, lane, upto);
	return rc ? rc : outbox_ack(d->env.store, txn, peer, lane, upto);
}

/* What the requeued entries (after, upto] of an outbox hold for children's
 * subtrees goes back on their quota accounts. */
static int held_again(struct deliver *d, MDB_txn *txn, const char *peer, unsigned lane,
                      uint64_t after, uint64_t upto)
{
	struct unheld u = {.d = d, .upto = upto};
	int rc = outbox_each(d->env.store, txn, NULL, peer, lane, after + 1, unheld_one, &u);

	if (rc > 0)
		rc = 0;
	for (size_t i = 0; i < u.n && rc == 0; i++)
		rc = outbox_held_add(d->env.store, txn, u.v[i].acct, u.v[i].bytes);
	free(u.v);
	return rc;
}

static int first_seq(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	(void)origin;
	(void)msg;
	(void)len;
	*(uint64_t *)arg = seq;
	return 1;
}

/* The first sequence still queued for (peer, lane), else last + 1. */
static int outbox_first(struct deliver *d, MDB_txn *txn, const char *peer, unsigned lane,
                        uint64_t last, uint64_t *first)
{
	int rc;

	*first = last + 1;
	rc = outbox_each(d->env.store, txn, NULL, peer, lane, 0, first_seq, first);
	return rc < 0 ? rc : 0;
}

/*
 * The peer holds less than it acknowledged (its store went back: restored
 * from an older backup, or lost): what the archive kept of the difference
 * goes back into the outbox under its old sequences, to be sent from the
 * peer's cursor; its origin high-water marks drop what it already has. If
 * the archive no longer holds all of it, what is queued is renumbered to
 * follow the peer's cursor (no gap the peer would wait on for ever).
 */
static int resync(struct deliver *d, MDB_txn *txn, const struct synack *s, uint64_t last)
{
	uint64_t first, now_first, moved = 0;
	int rc;

	struct dpeer *p = deliver_peer(d, s->peer, 0);

	if ((rc = outbox_first(d, txn, s->peer, s->lane, last, &first)) != 0)
		return rc;
	if (s->seq + 1 >= first)
		return 0;
	/* The county-direct queue: what was dropped while the link was down
	 * (deliver_direct_trim) was never sent; it simply follows on. */
	if (p && p->is_parent && p->direct)
		return outbox_rebase(d->env.store, txn, d->env.outbox_key, s->peer, s->lane,
		                     s->seq);
	if ((rc = archive_requeue(d->env.store, txn, s->peer, s->lane, s->seq, first, &moved)) !=
	        0 ||
	    (rc = held_again(d, txn, s->peer, s->lane, s->seq, first - 1)) != 0 ||
	    (rc = outbox_first(d, txn, s->peer, s->lane, last, &now_first)) != 0)
		return rc;
	d->cdelta[CTR_RESYNC_REQUEUED] += moved;
	log_warnx("deliver %s: the peer holds lane %u only up to %llu but acknowledged up to %llu "
	          "(its store went back: restored or lost): %llu kept message%s sent again%s",
	          s->peer, s->lane, (unsigned long long)s->seq, (unsigned long long)first - 1,
	          (unsigned long long)moved, moved == 1 ? "" : "s",
	          now_first == s->seq + 1 ? ""
	                                  : "; older ones are no longer kept "
	                                    "(delivery.keep_acked): the queue is renumbered");
	if (now_first == s->seq + 1)
		return 0;
	d->cdelta[CTR_RESYNC_MISSING]++;
	return outbox_rebase(d->env.store, txn, d->env.outbox_key, s->peer, s->lane, s->seq);
}

/* This node's store went back (a peer holds more than it ever sent):
 * its origin sequences start a new epoch, so that what it originates now
 * is not taken for what it originated before (deliver.h). */
static int new_epoch(struct deliver *d, MDB_txn *txn)
{
	uint64_t floor = util_now_us(), seq, low = UINT64_MAX;
	int rc;

	for (unsigned lane = 0; lane < WIRE_LANES; lane++) {
		if ((rc = deliver_origin_last(d->env.store, txn, lane, &seq)) != 0)
			return rc;
		low = seq < low ? seq : low;
	}
	if (low >= floor)
		return 0;
	log_warnx("deliver: this node's origin sequences start a new epoch at %llu (its store "
	          "went back in time)",
	          (unsigned long long)floor);
	d->cdelta[CTR_ORIGIN_EPOCHS]++;
	return deliver_origin_epoch(d->env.store, txn, floor);
}

/* A HELLO/WELCOME cursor: the peer holds everything up to it. */
static int apply_syn(struct deliver *d, MDB_txn *txn, const struct synack *s)
{
	uint64_t last;
	int rc;

	if ((rc = outbox_last(d->env.store, txn, s->peer, s->lane, &last)) != 0)
		return rc;
	if (s->seq <= last) {
		if ((rc = ack_outbox(d, txn, s->peer, s->lane, s->seq)) != 0)
			return rc;
		return resync(d, txn, s, last);
	}
	log_warnx("deliver %s: the peer holds lane %u up to %llu but this node only ever sent "
	          "%llu: queued messages renumbered to follow it (was this store restored?)",
	          s->peer, s->lane, (unsigned long long)s->seq, (unsigned long long)last);
	d->cdelta[CTR_GAPS]++;
	if ((rc = outbox_rebase(d->env.store, txn, d->env.outbox_key, s->peer, s->lane, s->seq)) != 0)
		return rc;
	return new_epoch(d, txn);
}

int deliver_apply_deferred(struct deliver *d, MDB_txn *txn)
{
	int rc = 0;

	for (size_t i = 0; i < d->ndack && rc == 0; i++)
		rc = ack_outbox(d, txn, d->dack[i].peer, d->dack[i].lane, d->dack[i].seq);
	return rc;
}

int deliver_apply_txn(MDB_txn *txn, void *arg)
{
	struct deliver *d = arg;
	int rc;

	deliver_pend_reset(d);
	memset(d->cdelta, 0, sizeof(d->cdelta));
	d->nacks = d->nackin = d->npens = 0;
	rc = deliver_apply_deferred(d, txn);
	for (size_t i = 0; i < d->nsyn && rc == 0; i++)
		if (!d->only || strcmp(d->syn[i].peer, d->only) == 0)
			rc = apply_syn(d, txn, &d->syn[i]);
	for (size_t i = 0; i < d->nq && rc == 0; i++) {
		const Carenet__Frame *f = d->q[i].f;
		const char *peer = d->q[i].peer;
		if (d->only && strcmp(peer, d->only) != 0)
			continue;
		if (f->body_case == CARENET__FRAME__BODY_BATCH) {
			rc = apply_batch(d, txn, peer, f->batch);
		} else if (f->body_case == CARENET__FRAME__BODY_ACK && f->ack->lane < WIRE_LANES) {
			rc = ack_outbox(d, txn, peer, f->ack->lane, f->ack->seq);
			if (rc == 0)
				rc = deliver_push_ack(&d->ackin, &d->nackin, &d->ackincap, peer,
				                      f->ack->lane, f->ack->seq, f->ack->resend);
		}
	}
	if (rc == 0)
		rc = deliver_sign_pending(d, txn);
	if (rc == 0 && d->nq)
		d->cdelta[CTR_BATCHES_COMMITTED]++;
	return rc;
}

/* ------------------------------------------- an inspector's signed batch */

struct inject {
	struct deliver *d;
	const char *peer;
	const Carenet__Chain *chain;
	const ProtobufCBinaryData *msg;
	unsigned lane;
	struct tally t;
};

static int inject_txn(MDB_txn *txn, void *arg)
{
	struct inject *a = arg;
	int rc;

	memset(&a->t, 0, sizeof(a->t));
	if ((rc = deliver_chain_learn(a->d, txn, a->chain)) != 0 && fatal_rc(rc))
		return rc;
	if ((rc = apply_msg(a->d, txn, a->peer, a->lane, a->msg, &a->t)) != 0 || !a->t.refused)
		return rc;
	/* audited like a child's refused items (frame_refusals), never charged:
	 * the inspector hears why at once */
	return audit_append(a->d->env.store, txn, deliver_now(a->d), a->d->me->id, "refuse",
	                    a->peer, a->t.first);
}

int deliver_inject(struct deliver *d, const char *peer, const Carenet__Chain *chain,
                   const ProtobufCBinaryData *msg, unsigned lane, char *why, size_t whylen)
{
	struct inject a = {d, peer, chain, msg, lane, {0}};
	int rc = deliver_write(d, inject_txn, &a);

	if (rc != 0)
		return rc;
	if (a.t.refused) {
		snprintf(why, whylen, "%s", a.t.first);
		return CN_EPERM;
	}
	return 0;
}
