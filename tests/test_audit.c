/*
 * test_audit: the hash-chained audit log in a temporary store. Append N
 * entries and verify; list with a since filter; then tamper with the raw
 * LMDB records — modify one entry's bytes, delete a middle entry, delete
 * the last one — and check that each is detected and named. Then the
 * attacks the chain alone cannot see (cut the log short and fix the head;
 * change an entry and recompute every hash after it): audit_verify passes,
 * audit_verify_marks against the checkpoints a parent kept names them.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "audit.h"
#include "err.h"
#include "log.h"
#include "store.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define N 10
#define T0 1790000000u

static char base[] = "/tmp/test_audit.XXXXXX";
static struct store *st;

static int append_txn(MDB_txn *txn, void *arg)
{
	int *i = arg;
	char subject[32], detail[64];
	snprintf(subject, sizeof(subject), "530102-%d", *i);
	snprintf(detail, sizeof(detail), "entry number %d", *i);
	return audit_append(st, txn, T0 + (uint64_t)*i, "530102", "issue", subject, detail);
}

struct vres {
	int rc;
	uint64_t checked;
	char why[256];
};

static int verify_txn(MDB_txn *txn, void *arg)
{
	struct vres *v = arg;
	v->rc = audit_verify(st, txn, &v->checked, v->why, sizeof(v->why));
	return 0;
}

static struct vres verify(void)
{
	struct vres v = {0};
	CHECK(store_read(st, verify_txn, &v) == 0);
	return v;
}

static void key_of(uint64_t seq, uint8_t k[8])
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		k[i] = (uint8_t)seq;
}

/* Raw access to one entry: read into buf, or write buf back, or delete. */
struct raw {
	uint64_t seq;
	enum { RAW_GET, RAW_PUT, RAW_DEL } op;
	uint8_t buf[8192];
	size_t len;
};

static int raw_txn(MDB_txn *txn, void *arg)
{
	struct raw *r = arg;
	uint8_t k[8];
	MDB_val key = {8, k}, d;
	MDB_dbi dbi = store_dbi(st, STORE_AUDIT);

	key_of(r->seq, k);
	switch (r->op) {
	case RAW_GET:
		if (mdb_get(txn, dbi, &key, &d) != 0 || d.mv_size > sizeof(r->buf))
			return CN_ENOTFOUND;
		memcpy(r->buf, d.mv_data, d.mv_size);
		r->len = d.mv_size;
		return 0;
	case RAW_PUT:
		d = (MDB_val){r->len, r->buf};
		return mdb_put(txn, dbi, &key, &d, 0) == 0 ? 0 : CN_ESTORE;
	default:
		return mdb_del(txn, dbi, &key, NULL) == 0 ? 0 : CN_ESTORE;
	}
}

struct listres {
	uint64_t since;
	Carenet__AuditView **v;
	size_t n;
};

static int list_txn(MDB_txn *txn, void *arg)
{
	struct listres *l = arg;
	return audit_list(st, txn, l->since, 0, &l->v, &l->n);
}

static int rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void test_list(void)
{
	struct listres l = {T0 + 6, NULL, 0};

	CHECK(store_read(st, list_txn, &l) == 0);
	CHECK(l.n == 4); /* entries 6..9 of 0..9 */
	if (l.n == 4) {
		CHECK(l.v[0]->seq == 7 && l.v[0]->time == T0 + 6);
		CHECK(strcmp(l.v[0]->actor, "530102") == 0);
		CHECK(strcmp(l.v[0]->action, "issue") == 0);
		CHECK(strcmp(l.v[0]->subject, "530102-6") == 0);
		CHECK(strcmp(l.v[3]->detail, "entry number 9") == 0);
		CHECK(strlen(l.v[3]->hash) == 64);
		CHECK(strcmp(l.v[2]->hash, l.v[3]->hash) != 0);
	}
	audit_views_free(l.v, l.n);
}

static void test_tamper(uint64_t total)
{
	struct raw orig = {.seq = 4, .op = RAW_GET}, mod;
	struct vres v;

	/* Modify one byte of entry 4's detail. */
	CHECK(store_read(st, raw_txn, &orig) == 0 && orig.len > 40);
	mod = orig;
	mod.op = RAW_PUT;
	mod.buf[mod.len - 33] ^= 0x01; /* the detail's last byte, before the hash */
	CHECK(store_write(st, raw_txn, &mod) == 0);
	v = verify();
	CHECK(v.rc == CN_EVERIFY);
	CHECK(strstr(v.why, "entry 4 ") != NULL);
	CHECK(v.checked == 3);

	/* Put it back: intact again. */
	orig.op = RAW_PUT;
	CHECK(store_write(st, raw_txn, &orig) == 0);
	v = verify();
	CHECK(v.rc == 0 && v.checked == total);

	/* Delete a middle entry. */
	struct raw del5 = {.seq = 5, .op = RAW_GET};
	CHECK(store_read(st, raw_txn, &del5) == 0);
	del5.op = RAW_DEL;
	CHECK(store_write(st, raw_txn, &del5) == 0);
	v = verify();
	CHECK(v.rc == CN_EVERIFY);
	CHECK(strstr(v.why, "entry 5 is missing") != NULL);
	del5.op = RAW_PUT;
	CHECK(store_write(st, raw_txn, &del5) == 0);
	CHECK(verify().rc == 0);

	/* Delete the last entry: only the head notices. */
	struct raw last = {.seq = total, .op = RAW_DEL};
	char want[64];
	CHECK(store_write(st, raw_txn, &last) == 0);
	v = verify();
	CHECK(v.rc == CN_EVERIFY);
	snprintf(want, sizeof(want), "head says %llu entries, the log holds %llu",
	         (unsigned long long)total, (unsigned long long)total - 1);
	CHECK(strstr(v.why, want) != NULL);
	CHECK(v.checked == total - 1);
}

struct longarg {
	const char *detail;
};

static int long_txn(MDB_txn *txn, void *arg)
{
	struct longarg *a = arg;
	return audit_append(st, txn, T0 + 100, "530102", "issue", "x", a->detail);
}

/* An over-long detail is cut at a UTF-8 character boundary. */
static void test_long_detail(void)
{
	size_t n = 3 * 2000; /* 2000 three-byte characters: 6000 bytes */
	char *s = malloc(n + 1);
	struct listres l = {T0 + 100, NULL, 0};
	struct longarg a = {s};

	for (size_t i = 0; i < n; i += 3)
		memcpy(s + i, "中", 3);
	s[n] = 0;
	CHECK(store_write(st, long_txn, &a) == 0);
	CHECK(store_read(st, list_txn, &l) == 0 && l.n == 1);
	if (l.n == 1) {
		size_t dl = strlen(l.v[0]->detail);
		CHECK(dl <= 4096 && dl >= 4090 && dl % 3 == 0);
	}
	audit_views_free(l.v, l.n);
	CHECK(verify().rc == 0);
	free(s);
}

/* ---- checkpoints: what only a copy held elsewhere reveals */

struct markres {
	const struct audit_mark *m;
	size_t n;
	enum audit_finding f;
	struct vres v;
};

static int marks_txn(MDB_txn *txn, void *arg)
{
	struct markres *r = arg;
	r->v.rc = audit_verify_marks(st, txn, r->m, r->n, &r->v.checked, &r->f, r->v.why,
	                             sizeof(r->v.why));
	return 0;
}

static struct markres check_marks(const struct audit_mark *m, size_t n)
{
	struct markres r = {m, n, AUDIT_OK, {0}};
	CHECK(store_read(st, marks_txn, &r) == 0);
	return r;
}

static int mark_txn(MDB_txn *txn, void *arg)
{
	struct audit_mark *m = arg;
	uint64_t seq;
	int rc = audit_head(st, txn, &seq, m->hash);
	m->seq = seq;
	return rc;
}

/* The attacker's tools: set the head by hand (as the node's user can). */
struct headarg {
	uint64_t seq;
};

static int sethead_txn(MDB_txn *txn, void *arg)
{
	struct headarg *h = arg;
	uint8_t v[8 + AUDIT_HASH_LEN];
	MDB_val k = {10, "audit.head"}, d = {sizeof(v), v};
	int rc;

	key_of(h->seq, v);
	if ((rc = audit_hash_at(st, txn, h->seq, v + 8)) != 0)
		return rc;
	return mdb_put(txn, store_dbi(st, STORE_META), &k, &d, 0) == 0 ? 0 : CN_ESTORE;
}

/* Deletes entries from..to and points the head at from-1: a clean cut. */
static void cut_log(uint64_t from, uint64_t to)
{
	struct headarg h = {from - 1};
	for (uint64_t s = from; s <= to; s++) {
		struct raw r = {.seq = s, .op = RAW_DEL};
		CHECK(store_write(st, raw_txn, &r) == 0);
	}
	CHECK(store_write(st, sethead_txn, &h) == 0);
}

static int rewrite_txn(MDB_txn *txn, void *arg)
{
	int *i = arg;
	char detail[64];
	snprintf(detail, sizeof(detail), "entry number %d, rewritten", *i);
	return audit_append(st, txn, T0 + (uint64_t)*i, "530102", "issue", "x", detail);
}

static int hash4_txn(MDB_txn *txn, void *arg)
{
	return audit_hash_at(st, txn, 4, arg);
}

static void test_marks(void)
{
	struct audit_mark m[3];
	struct markres r;
	uint8_t h[AUDIT_HASH_LEN];
	int i;

	/* A log of 12 entries with checkpoints after 4, 8 and 12. */
	for (i = 0; i < 12; i++) {
		CHECK(store_write(st, append_txn, &i) == 0);
		if (i % 4 == 3)
			CHECK(store_read(st, mark_txn, &m[i / 4]) == 0);
	}
	CHECK(m[0].seq == 4 && m[1].seq == 8 && m[2].seq == 12);
	r = check_marks(m, 3);
	CHECK(r.v.rc == 0 && r.f == AUDIT_OK && r.v.checked == 12);

	/* Truncated after entry 10, head fixed: the chain alone still verifies. */
	struct raw keep[2] = {{.seq = 11, .op = RAW_GET}, {.seq = 12, .op = RAW_GET}};
	CHECK(store_read(st, raw_txn, &keep[0]) == 0 && store_read(st, raw_txn, &keep[1]) == 0);
	cut_log(11, 12);
	CHECK(verify().rc == 0 && verify().checked == 10);
	r = check_marks(m, 3);
	CHECK(r.v.rc == CN_EVERIFY && r.f == AUDIT_TRUNCATED);
	CHECK(strstr(r.v.why, "checkpoint at entry 12, this log ends at entry 10") != NULL);
	CHECK(strstr(r.v.why, "entries 11 to 12 were removed") != NULL);
	/* The marks in any order give the same finding. */
	struct audit_mark rev[3] = {m[2], m[0], m[1]};
	CHECK(check_marks(rev, 3).f == AUDIT_TRUNCATED);
	keep[0].op = keep[1].op = RAW_PUT;
	CHECK(store_write(st, raw_txn, &keep[0]) == 0 && store_write(st, raw_txn, &keep[1]) == 0);
	CHECK(store_write(st, sethead_txn, &(struct headarg){12}) == 0);
	CHECK(check_marks(m, 3).v.rc == 0);

	/* Entry 6 changed and the chain recomputed from there: verifies alone. */
	cut_log(6, 12);
	for (i = 5; i < 12; i++)
		CHECK(store_write(st, i == 5 ? rewrite_txn : append_txn, &i) == 0);
	CHECK(verify().rc == 0 && verify().checked == 12);
	r = check_marks(m, 3);
	CHECK(r.v.rc == CN_EVERIFY && r.f == AUDIT_REWRITTEN && r.v.checked == 7);
	CHECK(strstr(r.v.why, "rewritten: at entry 8 ") != NULL);
	CHECK(strstr(r.v.why, "an entry from 5 to 8 was changed") != NULL);
	/* Only the first checkpoint: it still matches. */
	CHECK(check_marks(m, 1).v.rc == 0);
	/* The stored hash at 4 is still the checkpoint's; at 8 it is not. */
	CHECK(store_read(st, hash4_txn, h) == 0 && memcmp(h, m[0].hash, AUDIT_HASH_LEN) == 0);
}

int main(void)
{
	struct vres v;

	log_init(LOG_LVL_WARN, "test");
	if (!mkdtemp(base) || store_open(base, 1 << 20, &st) != 0) {
		fprintf(stderr, "cannot open a store in %s\n", base);
		return 1;
	}
	v = verify();
	CHECK(v.rc == 0 && v.checked == 0); /* empty log */
	for (int i = 0; i < N; i++)
		CHECK(store_write(st, append_txn, &i) == 0);
	v = verify();
	CHECK(v.rc == 0 && v.checked == N);
	test_list();
	test_long_detail();
	test_tamper(N + 1);
	store_close(&st);
	nftw(base, rm, 8, FTW_DEPTH | FTW_PHYS);
	strcpy(base, "/tmp/test_audit.XXXXXX");
	if (!mkdtemp(base) || store_open(base, 1 << 20, &st) != 0) {
		fprintf(stderr, "cannot open a store in %s\n", base);
		return 1;
	}
	test_marks();
	store_close(&st);
	nftw(base, rm, 8, FTW_DEPTH | FTW_PHYS);
	if (failures)
		fprintf(stderr, "test_audit: %d failures\n", failures);
	return failures ? 1 : 0;
}
