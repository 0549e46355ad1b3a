/*
 * test_deliver: the delivery engine's building blocks: signed item batches
 * (node/item.c: sign, verify, forward a subset, tamper detection) and the
 * durable outboxes, cursors and origin high-water marks (node/outbox.c).
 * and that a cached origin chain is checked again at use (expiry, and a
 * county CA the root revoked). The engine end to end is proven by the
 * network tests (tests/net/, test_hostile_apply.py for hostile offices).
 */
#define _GNU_SOURCE /* memmem */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "certs_cmd.h"
#include "deliver_int.h"
#include "aead.h"
#include "err.h"
#include "item.h"
#include "archive.h"
#include "outbox.h"
#include "util.h"
#include "pki.h"
#include "renew.h"
#include "store.h"

#include "deliver_fixture.h"

static uint8_t *status_item(const char *origin, uint64_t seq, size_t *len)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__StatusUpdate st = CARENET__STATUS_UPDATE__INIT;
	uint8_t *b;

	st.directive = "530102-1";
	st.state = 4;
	it.origin = (char *)origin;
	it.lane = 1;
	it.origin_seq = seq;
	it.body_case = CARENET__ITEM__BODY_STATUS;
	it.status = &st;
	*len = carenet__item__get_packed_size(&it);
	b = malloc(*len);
	carenet__item__pack(&it, b);
	return b;
}

static int verify_bytes(const uint8_t *b, size_t n, const struct pki_self *who)
{
	Carenet__SignedBatch *sb;
	int rc = item_batch_decode(b, n, &sb);

	if (rc != 0)
		return rc;
	rc = item_batch_verify(sb, pki_self_identity(who)->sign_pub);
	carenet__signed_batch__free_unpacked(sb, NULL);
	return rc;
}

static void test_items(struct pki_self *county, struct pki_self *township)
{
	const char *me = pki_self_identity(county)->id;
	uint8_t *items[3], *signed_ = NULL, *sub = NULL;
	size_t lens[3], slen, sublen;
	Carenet__SignedBatch *sb = NULL;
	Carenet__Item *it = NULL;
	size_t keep[2] = {0, 2}, bad_order[2] = {2, 0};

	for (int i = 0; i < 3; i++)
		items[i] = status_item(me, (uint64_t)i + 1, &lens[i]);
	CHECK(item_batch_sign(county, (const uint8_t *const *)items, lens, 3, &signed_, &slen) ==
	      0);
	/* the origin's key verifies; another office's does not */
	CHECK(verify_bytes(signed_, slen, county) == 0);
	CHECK(verify_bytes(signed_, slen, township) == CN_EVERIFY);
	CHECK(item_batch_decode(signed_, slen, &sb) == 0);
	CHECK(sb && sb->n_hashes == 3 && sb->n_items == 3 && strcmp(sb->origin, me) == 0);
	/* a relay forwards a subset without re-signing: still verifies */
	CHECK(item_batch_subset(sb, keep, 2, &sub, &sublen) == 0);
	CHECK(verify_bytes(sub, sublen, county) == 0);
	free(sub);
	/* items out of the signed order, or an altered item, do not */
	CHECK(item_batch_subset(sb, bad_order, 2, &sub, &sublen) == 0);
	CHECK(verify_bytes(sub, sublen, county) == CN_EVERIFY);
	free(sub);
	sb->items[1].data[sb->items[1].len - 1] ^= 1;
	CHECK(item_batch_verify(sb, pki_self_identity(county)->sign_pub) == CN_EVERIFY);
	sb->items[1].data[sb->items[1].len - 1] ^= 1;
	/* claiming another origin breaks the signature */
	{
		char *real = sb->origin;
		sb->origin = "530102001";
		CHECK(item_batch_verify(sb, pki_self_identity(county)->sign_pub) == CN_EVERIFY);
		sb->origin = real;
	}
	/* caps: a hash of the wrong size, more items than hashes */
	sb->hashes[0].len = 31;
	slen = carenet__signed_batch__get_packed_size(sb);
	sub = malloc(slen);
	carenet__signed_batch__pack(sb, sub);
	{
		Carenet__SignedBatch *x = NULL;
		CHECK(item_batch_decode(sub, slen, &x) == CN_EPROTO && x == NULL);
	}
	free(sub);
	sb->hashes[0].len = 32;
	carenet__signed_batch__free_unpacked(sb, NULL);
	/* item decoding: a valid one, and one without origin sequence */
	CHECK(item_decode(items[0], lens[0], &it) == 0 && it && it->origin_seq == 1);
	carenet__item__free_unpacked(it, NULL);
	free(items[0]);
	items[0] = status_item(me, 0, &lens[0]);
	CHECK(item_decode(items[0], lens[0], &it) == CN_EPROTO);
	for (int i = 0; i < 3; i++)
		free(items[i]);
	free(signed_);
}

struct seen {
	uint64_t seq[16];
	char origin[16][40];
	size_t n;
};

static int collect(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	struct seen *s = arg;
	(void)msg;
	(void)len;
	if (s->n < 16) {
		s->seq[s->n] = seq;
		snprintf(s->origin[s->n], 40, "%s", origin);
		s->n++;
	}
	return 0;
}

static const uint8_t okey[32] = {0x6f, 0x75, 0x74, 0x62, 0x6f, 0x78, 7};

struct otest {
	struct store *st;
	int step;
	struct seen seen;
	uint64_t v;
};

static int outbox_txn(MDB_txn *txn, void *arg)
{
	struct otest *o = arg;
	struct store *st = o->st;
	uint64_t seq = 0;
	int rc = 0;

	memset(&o->seen, 0, sizeof(o->seen));
	switch (o->step) {
	case 0: /* five on (township, normal), one urgent, one for another peer */
		for (int i = 0; i < 5 && rc == 0; i++)
			rc = outbox_put(st, txn, okey, "530102001", 1,
			                i % 2 ? "530102" : "530102001001", "m", 1, &seq);
		CHECK(rc == 0 && seq == 5);
		CHECK(outbox_put(st, txn, okey, "530102001", 0, "530102", "u", 1, &seq) == 0 &&
		      seq == 1);
		CHECK(outbox_put(st, txn, okey, "530102002", 1, "530102", "x", 1, &seq) == 0 &&
		      seq == 1);
		return rc;
	case 1: /* iterate from 3: sequences and origins in order */
		CHECK(outbox_each(st, txn, okey, "530102001", 1, 3, collect, &o->seen) == 0);
		CHECK(o->seen.n == 3 && o->seen.seq[0] == 3 && o->seen.seq[2] == 5);
		CHECK(strcmp(o->seen.origin[0], "530102001001") == 0);
		CHECK(strcmp(o->seen.origin[1], "530102") == 0);
		return 0;
	case 2: /* a cumulative ack deletes up to it, only on that peer and lane */
		CHECK(outbox_ack(st, txn, "530102001", 1, 3) == 0);
		CHECK(outbox_pending(st, txn, "530102001", 1, &o->v) == 0 && o->v == 2);
		CHECK(outbox_pending(st, txn, "530102001", 0, &o->v) == 0 && o->v == 1);
		CHECK(outbox_pending(st, txn, "530102002", 1, &o->v) == 0 && o->v == 1);
		CHECK(outbox_last(st, txn, "530102001", 1, &o->v) == 0 && o->v == 5);
		/* cursors and high-water marks start at 0 and keep what is put */
		CHECK(cursor_get(st, txn, "530102001", 1, &o->v) == 0 && o->v == 0);
		CHECK(cursor_put(st, txn, "530102001", 1, 7) == 0);
		CHECK(origin_hwm_put(st, txn, "530102001001", 1, 42) == 0);
		/* a peer id too long for a key is refused, not truncated */
		CHECK(outbox_put(st, txn, okey, "53010200100100100", 1, "x", "m", 1, &seq) ==
		      CN_EINVAL);
		return 0;
	case 3: /* the peer holds more than we ever sent: renumber after it */
		CHECK(outbox_rebase(st, txn, okey, "530102001", 1, 10) == 0);
		CHECK(outbox_each(st, txn, okey, "530102001", 1, 0, collect, &o->seen) == 0);
		CHECK(o->seen.n == 2 && o->seen.seq[0] == 11 && o->seen.seq[1] == 12);
		CHECK(outbox_last(st, txn, "530102001", 1, &o->v) == 0 && o->v == 12);
		return 0;
	default: /* after reopening: all of it was durable */
		CHECK(cursor_get(st, txn, "530102001", 1, &o->v) == 0 && o->v == 7);
		CHECK(origin_hwm_get(st, txn, "530102001001", 1, &o->v) == 0 && o->v == 42);
		CHECK(origin_hwm_get(st, txn, "530102001002", 1, &o->v) == 0 && o->v == 0);
		CHECK(outbox_pending(st, txn, "530102001", 1, &o->v) == 0 && o->v == 2);
		return 0;
	}
}

static void test_outbox(void)
{
	char *dir = path("store", "");
	struct otest o = {0};

	CHECK(store_open(dir, 1 << 20, &o.st) == 0);
	for (o.step = 0; o.step < 4; o.step++)
		CHECK(store_write(o.st, outbox_txn, &o) == 0);
	store_close(&o.st);
	CHECK(store_open(dir, 1 << 20, &o.st) == 0);
	CHECK(store_read(o.st, outbox_txn, &o) == 0);
	store_close(&o.st);
	free(dir);
}

static int collect_seqs(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	uint64_t *v = arg;
	(void)origin;
	CHECK(len == 3 && memcmp(msg, "m", 1) == 0);
	if (v[0] < 15)
		v[++v[0]] = seq;
	return 0;
}

#define ENTRY (2 + 6 + 3 + AEAD_OVERHEAD) /* one archived value of archive_txn */

/* The archive: acknowledged entries are kept (time and bytes bounded) and
 * go back into the outbox, same sequences, for a peer that went back. */
static int archive_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	uint64_t seq, moved, bytes, got[16] = {0};
	char m[3] = "m0";

	for (int i = 1; i <= 10; i++) {
		m[1] = (char)('0' + i % 10);
		CHECK(outbox_put(st, txn, okey, "530102001", 1, "530102", m, 3, &seq) == 0 &&
		      seq == (uint64_t)i);
	}
	/* acks up to 6: kept for an hour, at most 4 entries' worth (4 x a sealed
	 * value: marker, origin length, origin, nonce + 3 bytes + tag) */
	CHECK(archive_keep(st, txn, "530102001", 1, 6, 1000, 3600, 4 * ENTRY) == 0);
	CHECK(outbox_ack(st, txn, "530102001", 1, 6) == 0);
	CHECK(archive_bytes(st, txn, "530102001", 1, &bytes) == 0 && bytes == 4 * ENTRY);
	/* the peer comes back holding only 1: 3..6 are kept (1, 2 beyond the cap) */
	CHECK(archive_requeue(st, txn, "530102001", 1, 1, 7, &moved) == 0 && moved == 4);
	CHECK(outbox_each(st, txn, okey, "530102001", 1, 0, collect_seqs, got) == 0);
	CHECK(got[0] == 8 && got[1] == 3 && got[8] == 10);
	CHECK(archive_bytes(st, txn, "530102001", 1, &bytes) == 0 && bytes == 0);
	/* time: kept one hour, then dropped at the next ack */
	CHECK(archive_keep(st, txn, "530102001", 1, 4, 1000, 3600, 1 << 20) == 0);
	CHECK(outbox_ack(st, txn, "530102001", 1, 4) == 0);
	CHECK(archive_keep(st, txn, "530102001", 1, 4, 1000 + 3601, 3600, 1 << 20) == 0);
	CHECK(archive_requeue(st, txn, "530102001", 1, 0, 5, &moved) == 0 && moved == 0);
	/* keep_acked = 0 keeps nothing */
	CHECK(archive_keep(st, txn, "530102001", 1, 6, 5000, 0, 1 << 20) == 0);
	CHECK(outbox_ack(st, txn, "530102001", 1, 6) == 0);
	CHECK(archive_requeue(st, txn, "530102001", 1, 0, 7, &moved) == 0 && moved == 0);
	/* another peer's archive is its own */
	CHECK(archive_requeue(st, txn, "530102002", 1, 0, 100, &moved) == 0 && moved == 0);

	/* a peer forgotten (a moved village's parent, tools/cli_move.c): refused
	 * while anything is queued for it; then sequences and cursors from 0, its
	 * archive dropped, another peer's state kept */
	CHECK(outbox_forget(st, txn, "530102001") == CN_EEXIST); /* 7..10 queued */
	CHECK(outbox_last(st, txn, "530102001", 1, &seq) == 0 && seq == 10);
	CHECK(archive_keep(st, txn, "530102001", 1, 10, 6000, 3600, 1 << 20) == 0);
	CHECK(outbox_ack(st, txn, "530102001", 1, 10) == 0);
	CHECK(cursor_put(st, txn, "530102001", 2, 33) == 0);
	CHECK(cursor_put(st, txn, "530102002", 2, 44) == 0);
	CHECK(outbox_forget(st, txn, "530102001") == 0);
	CHECK(archive_drop(st, txn, "530102001", 1) == 0);
	CHECK(outbox_last(st, txn, "530102001", 1, &seq) == 0 && seq == 0);
	CHECK(cursor_get(st, txn, "530102001", 2, &seq) == 0 && seq == 0);
	CHECK(cursor_get(st, txn, "530102002", 2, &seq) == 0 && seq == 44);
	CHECK(archive_bytes(st, txn, "530102001", 1, &bytes) == 0 && bytes == 0);
	CHECK(archive_requeue(st, txn, "530102001", 1, 0, 100, &moved) == 0 && moved == 0);
	CHECK(outbox_put(st, txn, okey, "530102001", 1, "530102", m, 3, &seq) == 0 && seq == 1);

	/* origin epochs only go up */
	CHECK(deliver_origin_epoch(st, txn, 1000000000u) == 0);
	CHECK(deliver_origin_last(st, txn, 1, &seq) == 0 && seq == 1000000000u);
	CHECK(deliver_origin_epoch(st, txn, 5) == 0);
	CHECK(deliver_origin_last(st, txn, 2, &seq) == 0 && seq == 1000000000u);
	return 0;
}

/* A township's own code change (撤乡设镇, node/move_links.c): what the
 * county kept for the old code goes on under the new one, in order. */
static int rehome_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	const char *ot = "530102001", *nt = "530102009";
	uint64_t seq, got[16] = {0}, held;

	CHECK(outbox_rehome(st, txn, okey, ot, nt) == CN_ENOTFOUND); /* no state for ot */
	for (int i = 1; i <= 3; i++)
		CHECK(outbox_put(st, txn, okey, ot, 1, "530102", "m1", 3, &seq) == 0);
	CHECK(outbox_ack(st, txn, ot, 1, 1) == 0); /* 2, 3 queued */
	CHECK(cursor_put(st, txn, ot, 1, 7) == 0 && cursor_put(st, txn, ot, 2, 9) == 0);
	CHECK(outbox_held_add(st, txn, ot, 100) == 0);
	for (int i = 1; i <= 2; i++) /* queued for the new code after the Move */
		CHECK(outbox_put(st, txn, okey, nt, 1, "530102", "m2", 3, &seq) == 0 && seq == (uint64_t)i);
	CHECK(outbox_rehome(st, txn, okey, ot, nt) == 0);
	CHECK(outbox_each(st, txn, okey, nt, 1, 0, collect_seqs, got) == 0);
	CHECK(got[0] == 4 && got[1] == 2 && got[2] == 3 && got[3] == 4 && got[4] == 5);
	CHECK(outbox_last(st, txn, nt, 1, &seq) == 0 && seq == 5);
	CHECK(cursor_get(st, txn, nt, 1, &seq) == 0 && seq == 7);
	CHECK(cursor_get(st, txn, nt, 2, &seq) == 0 && seq == 9);
	CHECK(outbox_pending(st, txn, ot, 1, &seq) == 0 && seq == 0);
	CHECK(outbox_last(st, txn, ot, 1, &seq) == 0 && seq == 0);
	CHECK(cursor_get(st, txn, ot, 1, &seq) == 0 && seq == 0);
	CHECK(outbox_held_get(st, txn, nt, &held) == 0 && held == 100);
	CHECK(outbox_held_get(st, txn, ot, &held) == 0 && held == 0);
	/* once: the new code has spoken (its cursor), and the old has nothing */
	CHECK(outbox_put(st, txn, okey, ot, 1, "530102", "m3", 3, &seq) == 0 && seq == 1);
	CHECK(outbox_rehome(st, txn, okey, ot, nt) == CN_EEXIST);
	CHECK(outbox_pending(st, txn, nt, 1, &seq) == 0 && seq == 4);
	return 0;
}

static void test_rehome(void)
{
	char *dir = path("rehome", "");
	struct store *st = NULL;

	CHECK(store_open(dir, 1 << 20, &st) == 0);
	if (st)
		CHECK(store_write(st, rehome_txn, st) == 0);
	store_close(&st);
	free(dir);
}

static void test_archive(void)
{
	char *dir = path("archive", "");
	struct store *st = NULL;

	CHECK(store_open(dir, 1 << 20, &st) == 0);
	if (st)
		CHECK(store_write(st, archive_txn, st) == 0);
	store_close(&st);
	free(dir);
}

/* Messages are sealed at rest: the stored value holds no byte run of the
 * message, a box copied under another key does not open, a value written
 * before sealing still reads, and without a key only lengths are given. */
static const char secret[] = "张三 53010220100101123X";

static int got_one(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	struct seen *s = arg;
	(void)origin;
	s->seq[s->n] = seq;
	s->origin[s->n][0] = (char)len;
	if (msg && len == sizeof(secret) - 1 && !memcmp(msg, secret, len))
		s->origin[s->n][1] = 1;
	s->n++;
	return 0;
}

static int sealed_txn(MDB_txn *txn, void *arg)
{
	struct otest *o = arg;
	MDB_dbi dbi = store_dbi(o->st, STORE_OUTBOX);
	uint8_t kb[25] = "530102001", other[25];
	uint64_t seq;
	MDB_val k = {sizeof(kb), kb}, v, k2 = {sizeof(other), other}, v2;
	const char legacy[] = "\006530102" /* origin length 6, the origin */
	                      "clear";

	CHECK(outbox_put(o->st, txn, okey, "530102001", 2, "530102001001", secret,
	                 sizeof(secret) - 1, &seq) == 0 &&
	      seq == 1);
	CHECK(outbox_put(o->st, txn, NULL, "530102001", 2, "x", "m", 1, &seq) == CN_EINVAL);
	kb[16] = 2;
	kb[24] = 1;
	CHECK(mdb_get(txn, dbi, &k, &v) == 0);
	CHECK(!memmem(v.mv_data, v.mv_size, "53010220100101123X", 18));
	CHECK(!memmem(v.mv_data, v.mv_size, "张三", strlen("张三")));
	memset(&o->seen, 0, sizeof(o->seen));
	CHECK(outbox_each(o->st, txn, okey, "530102001", 2, 0, got_one, &o->seen) == 0);
	CHECK(o->seen.n == 1 && o->seen.origin[0][1] == 1);
	memset(&o->seen, 0, sizeof(o->seen));
	CHECK(outbox_each(o->st, txn, NULL, "530102001", 2, 0, got_one, &o->seen) == 0);
	CHECK(o->seen.n == 1 && o->seen.origin[0][0] == (char)(sizeof(secret) - 1));
	/* the same box under seq 2: refused */
	memcpy(other, kb, sizeof(kb));
	other[24] = 2;
	v2 = v;
	CHECK(mdb_put(txn, dbi, &k2, &v2, 0) == 0);
	memset(&o->seen, 0, sizeof(o->seen));
	CHECK(outbox_each(o->st, txn, okey, "530102001", 2, 2, got_one, &o->seen) == CN_EVERIFY);
	CHECK(o->seen.n == 0);
	/* a value from before sealing (origin length, origin, message) */
	v2.mv_data = (void *)legacy;
	v2.mv_size = sizeof(legacy) - 1;
	CHECK(mdb_put(txn, dbi, &k2, &v2, 0) == 0);
	memset(&o->seen, 0, sizeof(o->seen));
	CHECK(outbox_each(o->st, txn, okey, "530102001", 2, 2, got_one, &o->seen) == 0);
	CHECK(o->seen.n == 1 && o->seen.seq[0] == 2 && o->seen.origin[0][0] == 5);
	return 0;
}

static void test_outbox_sealed(void)
{
	char *dir = path("sealed", "");
	struct otest o = {0};

	CHECK(store_open(dir, 1 << 20, &o.st) == 0);
	CHECK(store_write(o.st, sealed_txn, &o) == 0);
	store_close(&o.st);
	free(dir);
}

struct ctest {
	struct deliver *d;
	const struct pki_self *who;
	int rc;
	const struct chain *ch;
};

static int learn_txn(MDB_txn *txn, void *arg)
{
	struct ctest *c = arg;
	Carenet__Chain ch = CARENET__CHAIN__INIT;
	ProtobufCBinaryData certs[4];
	const uint8_t *const *der;
	const size_t *len;
	size_t n = pki_self_chain(c->who, &der, &len);

	for (size_t i = 0; i < n && i < 4; i++) {
		certs[i].data = (uint8_t *)der[i];
		certs[i].len = len[i];
	}
	ch.certs = certs;
	ch.n_certs = n;
	return deliver_chain_learn(c->d, txn, &ch);
}

static int find_txn(MDB_txn *txn, void *arg)
{
	struct ctest *c = arg;
	c->rc = deliver_chain_find(c->d, txn, pki_self_identity(c->who)->id, &c->ch);
	return 0;
}

/* Items from an origin are checked against its cached chain: that chain is
 * checked again at every use, so an expired certificate or a county CA the
 * root revoked is refused at once, not after a restart (issue 7, Medium 6). */
static void test_chain_recheck(struct pki_self *county, struct pki_self *township)
{
	char *dir = path("chains", ""), *rootpem = path("530102", "root.pem");
	char *rootdir = path("root", ""), *crl = path("root", "crl.pem");
	uint64_t counters[CTR_COUNT] = {0};
	struct deliver_env env = {0};
	uint8_t key[32] = {1};
	struct pki_trust *trust = NULL;
	struct ctest c = {0};

	CHECK(store_open(dir, 1 << 20, &env.store) == 0);
	CHECK(pki_trust_new(rootpem, &trust) == 0);
	env.self = county;
	env.trust = trust;
	env.counters = counters;
	env.outbox_key = key;
	env.now = fixed_now;
	env.send = no_send;
	env.recheck = no_recheck;
	CHECK(deliver_new(&env, &c.d) == 0);
	c.who = township;
	CHECK(store_write(env.store, learn_txn, &c) == 0);
	CHECK(store_read(env.store, find_txn, &c) == 0 && c.rc == 0 && c.ch);
	/* the township's certificate (365 days) seen from two years on */
	pki_trust_set_time(trust, time(NULL) + 2 * 365 * 86400);
	CHECK(store_read(env.store, find_txn, &c) == 0 && c.rc == CN_EEXPIRED && c.ch);
	pki_trust_set_time(trust, 0);
	CHECK(store_read(env.store, find_txn, &c) == 0 && c.rc == 0 && c.ch);
	/* the root revokes the county CA that issued it */
	CHECK(run(cmd_ca, "ca", "revoke", "--ca", rootdir, "--id", "530102", NULL) == 0);
	CHECK(pki_trust_add_crl_file(trust, crl) == 0);
	CHECK(store_read(env.store, find_txn, &c) == 0 && c.rc != 0 && c.rc != CN_ENOTFOUND);
	deliver_free(&c.d);
	store_close(&env.store);
	pki_trust_free(&trust);
	free(dir), free(rootpem), free(rootdir), free(crl);
}

struct rtest {
	struct deliver *d;
	const struct pki_self *who;
	uint8_t *buf;
	size_t len;
	int rc;
	const struct chain *ch;
	size_t nchains;
};

static int verify_txn(MDB_txn *txn, void *arg)
{
	struct rtest *r = arg;
	Carenet__SignedBatch *sb = NULL;

	CHECK(item_batch_decode(r->buf, r->len, &sb) == 0);
	r->rc = deliver_chain_verify(r->d, txn, sb, &r->ch);
	carenet__signed_batch__free_unpacked(sb, NULL);
	return 0;
}

static int attach_txn(MDB_txn *txn, void *arg)
{
	struct rtest *r = arg;
	static struct chain_attach a;
	Carenet__Batch b = CARENET__BATCH__INIT;
	ProtobufCBinaryData msg = {r->len, r->buf};
	char origin[1][PKI_ID_MAX];

	snprintf(origin[0], PKI_ID_MAX, "%s", pki_self_identity(r->who)->id);
	b.msgs = &msg;
	b.n_msgs = 1;
	deliver_chain_attach(r->d, txn, &b, (const char(*)[PKI_ID_MAX])origin, 1, &a);
	r->nchains = b.n_chains;
	return 0;
}

static uint8_t *signed_status(const struct pki_self *who, uint64_t seq, size_t *len)
{
	size_t ilen;
	uint8_t *item = status_item(pki_self_identity(who)->id, seq, &ilen), *batch = NULL;

	CHECK(item_batch_sign(who, (const uint8_t *const *)&item, &ilen, 1, &batch, len) == 0);
	free(item);
	return batch;
}

/* A township renews with new keys: items it signed before still verify (its
 * previous chain) and travel with that chain; items signed after, with the
 * new one only; the older chain never displaces the newer; the previous
 * chain is dropped once it expired. */
static void test_chain_renewal(struct pki_self *county, struct pki_self *township)
{
	char *dir = path("renewal", ""), *rootpem = path("530102", "root.pem"), *req, *bundle;
	char *f[6] = {path("530102001", "node.key"), path("530102001", "node.pem"),
	              path("530102001", "chain.pem"), path("530102001", "curve.key"),
	              path("530102001", "root.pem"), path("530102001", "parent.pem")};
	struct renew_files rf = {f[0], f[1], f[2], f[3], f[4], f[5]};
	uint64_t counters[CTR_COUNT] = {0};
	struct deliver_env env = {0};
	struct pki_trust *trust = NULL;
	struct pki_self *renewed = NULL;
	struct ctest c = {0};
	struct rtest old = {0}, neu = {0};
	char why[256], oldserial[64], *cadir = path("ca", "");

	req = path("530102001", "renew.pem");
	bundle = path("530102001", "renew.bundle");
	CHECK(store_open(dir, 1 << 20, &env.store) == 0);
	CHECK(pki_trust_new(rootpem, &trust) == 0);
	env.self = county, env.trust = trust, env.counters = counters;
	env.outbox_key = okey;
	env.now = fixed_now, env.send = no_send, env.recheck = no_recheck;
	CHECK(deliver_new(&env, &c.d) == 0);
	c.who = township;
	CHECK(store_write(env.store, learn_txn, &c) == 0);
	snprintf(oldserial, sizeof(oldserial), "%s", pki_self_identity(township)->serial);
	old.d = neu.d = c.d;
	old.who = township;
	old.buf = signed_status(township, 1, &old.len);
	/* renewal with new keys, valid 400 days (the old one: 365) */
	CHECK(renew_request(&rf, RENEW_ROTATE_ALL, req) == 0);
	CHECK(run(cmd_ca, "ca", "issue", "--ca", cadir, "--renew", "--csr", req, "--days", "400",
	          "--out", bundle, NULL) == 0);
	CHECK(renew_install(&rf, bundle) == 0);
	CHECK(pki_self_load(f[0], f[1], f[2], f[3], &renewed, why, sizeof(why)) == 0);
	if (!renewed)
		goto out;
	neu.who = renewed;
	neu.buf = signed_status(renewed, 2, &neu.len);
	c.who = renewed;
	CHECK(store_write(env.store, learn_txn, &c) == 0);
	CHECK(store_read(env.store, find_txn, &c) == 0 && c.rc == 0 && c.ch);
	CHECK(c.ch && strcmp(c.ch->ident.serial, oldserial) != 0);
	/* before the fix the old key's items were bad signatures */
	CHECK(store_write(env.store, verify_txn, &old) == 0 && old.rc == 0 && old.ch);
	CHECK(old.ch && strcmp(old.ch->ident.serial, oldserial) == 0);
	CHECK(store_write(env.store, verify_txn, &neu) == 0 && neu.rc == 0 && neu.ch);
	CHECK(neu.ch && strcmp(neu.ch->ident.serial, oldserial) != 0);
	/* what travels: the old items with both chains, the new ones with one */
	CHECK(store_read(env.store, attach_txn, &old) == 0 && old.nchains == 2);
	CHECK(store_read(env.store, attach_txn, &neu) == 0 && neu.nchains == 1);
	/* learning the old chain again does not make it current */
	c.who = township;
	CHECK(store_write(env.store, learn_txn, &c) == 0);
	c.who = renewed;
	CHECK(store_read(env.store, find_txn, &c) == 0 && c.rc == 0 && c.ch &&
	      strcmp(c.ch->ident.serial, oldserial) != 0);
	/* a restarted engine finds both in meta */
	deliver_free(&c.d);
	CHECK(deliver_new(&env, &c.d) == 0);
	old.d = neu.d = c.d;
	CHECK(store_write(env.store, verify_txn, &old) == 0 && old.rc == 0);
	/* 380 days on: the old certificate expired, its chain is dropped */
	pki_trust_set_time(trust, time(NULL) + 380 * 86400);
	CHECK(store_write(env.store, verify_txn, &old) == 0 && old.rc == CN_EEXPIRED && old.ch);
	CHECK(store_write(env.store, verify_txn, &old) == 0 && old.rc == CN_EVERIFY && !old.ch);
	CHECK(store_write(env.store, verify_txn, &neu) == 0 && neu.rc == 0);
	CHECK(store_read(env.store, attach_txn, &neu) == 0 && neu.nchains == 1);
	pki_trust_set_time(trust, 0);
out:
	deliver_free(&c.d);
	store_close(&env.store);
	pki_trust_free(&trust);
	pki_self_free(&renewed);
	free(old.buf), free(neu.buf), free(dir), free(rootpem), free(req), free(bundle);
	free(cadir);
	for (int i = 0; i < 6; i++)
		free(f[i]);
}

/* A big write is signed in batches that each fit a frame: 3,000 items of
 * about 200 bytes (600 KB) under limits.max_frame = 64 KiB are queued for
 * the parent as several messages, each within half a frame, each verifying,
 * holding every item once and in order; an item that no frame could carry
 * fails the write, and nothing is queued. */
#define BIG_N 3000

struct big {
	struct deliver *d;
	size_t note; /* bytes of each status's note */
	size_t msgs, items, maxlen, budget;
	uint64_t next_seq;
	int bad;
	const struct pki_self *who;
};

static int big_emit(MDB_txn *txn, void *arg)
{
	struct big *b = arg;
	char note[70000];
	int rc = 0;

	memset(note, 'n', b->note);
	note[b->note] = 0;
	for (int i = 0; i < (b->note > 1000 ? 1 : BIG_N) && rc == 0; i++) {
		Carenet__Item it = CARENET__ITEM__INIT;
		Carenet__StatusUpdate st = CARENET__STATUS_UPDATE__INIT;
		st.directive = "530102-1";
		st.state = 4;
		st.note = note;
		it.body_case = CARENET__ITEM__BODY_STATUS;
		it.status = &st;
		rc = deliver_emit(b->d, txn, &it, NULL, 0);
	}
	return rc;
}

static int big_one(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg)
{
	struct big *b = arg;
	Carenet__SignedBatch *sb;
	Carenet__Item *it;

	(void)seq, (void)origin;
	b->msgs++;
	if (len > b->maxlen)
		b->maxlen = len;
	if (verify_bytes(msg, len, b->who) != 0 || item_batch_decode(msg, len, &sb) != 0) {
		b->bad++;
		return 0;
	}
	for (size_t i = 0; i < sb->n_items; i++) {
		if (item_decode(sb->items[i].data, sb->items[i].len, &it) != 0) {
			b->bad++;
			continue;
		}
		if (it->origin_seq != b->next_seq++)
			b->bad++;
		b->items++;
		carenet__item__free_unpacked(it, NULL);
	}
	carenet__signed_batch__free_unpacked(sb, NULL);
	return 0;
}

static int big_read(MDB_txn *txn, void *arg)
{
	struct big *b = arg;
	struct deliver *d = b->d;
	b->msgs = b->items = b->maxlen = 0;
	b->next_seq = 1;
	return outbox_each(d->env.store, txn, d->env.outbox_key, "530102", 1, 0, big_one, b);
}

static void test_big_write(struct pki_self *township)
{
	char *dir = path("big", "");
	uint64_t counters[CTR_COUNT] = {0};
	struct config cfg = {0};
	struct deliver_env env = {0};
	uint8_t key[32] = {2};
	struct big b = {.note = 200, .who = township};

	cfg.max_frame = 64 << 10;
	cfg.parent_endpoint = "tcp://127.0.0.1:1";
	CHECK(store_open(dir, 64 << 20, &env.store) == 0);
	env.self = township;
	env.cfg = &cfg;
	env.counters = counters;
	env.outbox_key = key;
	env.now = fixed_now;
	env.send = no_send;
	env.recheck = no_recheck;
	CHECK(deliver_new(&env, &b.d) == 0);
	b.budget = deliver_batch_budget(b.d);
	CHECK(deliver_write(b.d, big_emit, &b) == 0);
	CHECK(store_read(env.store, big_read, &b) == 0);
	CHECK(b.bad == 0 && b.items == BIG_N);
	CHECK(b.msgs >= (BIG_N * 200) / (32 << 10) && b.maxlen <= b.budget);
	/* one item larger than half a frame: refused, nothing more queued */
	b.note = 40000;
	CHECK(deliver_write(b.d, big_emit, &b) == CN_ETOOBIG);
	CHECK(store_read(env.store, big_read, &b) == 0 && b.items == BIG_N);
	deliver_free(&b.d);
	store_close(&env.store);
	free(dir);
}

/* A node identity issued by the test's county CA. */
static struct pki_self *identity(const char *id)
{
	return fixture_identity(id, "tcp://127.0.0.1:9", "tcp://127.0.0.1:9");
}

int main(void)
{
	struct pki_self *county, *township;

	if (fixture_cas("test_deliver"))
		return 1;
	county = identity("530102");
	township = identity("530102001");
	if (county && township)
		test_items(county, township);
	test_outbox();
	test_archive();
	test_rehome();
	if (county && township)
		test_chain_renewal(county, township); /* renews the township's keys */
	test_outbox_sealed();
	if (township)
		test_big_write(township);
	if (county && township)
		test_chain_recheck(county, township); /* last: revokes the county CA */
	pki_self_free(&county);
	pki_self_free(&township);
	return fixture_close("test_deliver");
}
