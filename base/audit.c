/*
 * audit: the hash-chained audit log.
 *
 * STORE_AUDIT: key = seq (big-endian uint64, from 1, contiguous), value =
 * fields || hash, where fields = seq (BE64) || time (BE64) || four strings
 * (actor, action, subject, detail), each a BE32 length and its bytes, and
 * hash = SHA-256(previous hash || fields) (the first entry's previous hash
 * is 32 zero bytes). STORE_META "audit.head" = last seq (BE64) || its hash.
 */
#include "audit.h"
#include "arr.h"
#include "be.h"
#include "err.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define AUDIT_HASH 32
#define AUDIT_MAX_SHORT 256 /* actor, action, subject */
#define AUDIT_MAX_DETAIL 4096
#define AUDIT_MAX_ENTRY (16 + 4 * 4 + 3 * AUDIT_MAX_SHORT + AUDIT_MAX_DETAIL + AUDIT_HASH)
#define HEAD_KEY "audit.head"

struct entry {
	uint64_t seq, time;
	const char *s[4]; /* actor, action, subject, detail: not NUL-terminated */
	size_t len[4];
	const uint8_t *hash;
};

/* Length of s cut to max bytes at a UTF-8 character boundary. */
static size_t cut(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

static int sha(const uint8_t prev[AUDIT_HASH], const uint8_t *fields, size_t len,
               uint8_t out[AUDIT_HASH])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
	         EVP_DigestUpdate(c, prev, AUDIT_HASH) && EVP_DigestUpdate(c, fields, len) &&
	         EVP_DigestFinal_ex(c, out, &n) && n == AUDIT_HASH;

	EVP_MD_CTX_free(c);
	if (!ok) {
		log_ssl("audit: sha256");
		return CN_ECRYPTO;
	}
	return 0;
}

static int head_get(struct store *st, MDB_txn *txn, uint64_t *seq, uint8_t hash[AUDIT_HASH])
{
	MDB_val k = {sizeof(HEAD_KEY) - 1, HEAD_KEY}, d;
	int rc = mdb_get(txn, store_dbi(st, STORE_META), &k, &d);

	if (rc == MDB_NOTFOUND) {
		*seq = 0;
		memset(hash, 0, AUDIT_HASH);
		return CN_ENOTFOUND;
	}
	if ((rc = store_err(rc, "audit head")) != 0)
		return rc;
	if (d.mv_size != 8 + AUDIT_HASH) {
		log_warnx("audit: head of %zu bytes", d.mv_size);
		return CN_ESTORE;
	}
	*seq = be_get(d.mv_data, 8);
	memcpy(hash, (const uint8_t *)d.mv_data + 8, AUDIT_HASH);
	return 0;
}

int audit_append(struct store *st, MDB_txn *txn, uint64_t time, const char *actor,
                 const char *action, const char *subject, const char *detail)
{
	const char *s[4] = {actor, action, subject, detail};
	uint8_t buf[AUDIT_MAX_ENTRY], head[8 + AUDIT_HASH], prev[AUDIT_HASH], key[8];
	size_t off = 16;
	uint64_t seq;
	MDB_val k = {8, key}, d;
	int rc;

	if ((rc = head_get(st, txn, &seq, prev)) != 0 && rc != CN_ENOTFOUND)
		return rc;
	seq++;
	be_put(buf, seq, 8);
	be_put(buf + 8, time, 8);
	for (int i = 0; i < 4; i++) {
		size_t n = cut(s[i], i == 3 ? AUDIT_MAX_DETAIL : AUDIT_MAX_SHORT);
		be_put(buf + off, n, 4);
		if (n)
			memcpy(buf + off + 4, s[i], n);
		off += 4 + n;
	}
	if ((rc = sha(prev, buf, off, buf + off)) != 0)
		return rc;
	be_put(key, seq, 8);
	d = (MDB_val){off + AUDIT_HASH, buf};
	if ((rc = store_err(mdb_put(txn, store_dbi(st, STORE_AUDIT), &k, &d, MDB_NOOVERWRITE),
	                    "audit put")) != 0)
		return rc == CN_ENOTFOUND ? CN_ESTORE : rc;
	be_put(head, seq, 8);
	memcpy(head + 8, buf + off, AUDIT_HASH);
	k = (MDB_val){sizeof(HEAD_KEY) - 1, HEAD_KEY};
	d = (MDB_val){sizeof(head), head};
	return store_err(mdb_put(txn, store_dbi(st, STORE_META), &k, &d, 0), "audit head put");
}

/* Parses a stored value; 0 or CN_EVERIFY (malformed). */
static int parse(const MDB_val *v, struct entry *e, size_t *fields_len)
{
	const uint8_t *p = v->mv_data;
	size_t off = 16, n = v->mv_size;

	if (n < 16 + 16 + AUDIT_HASH)
		return CN_EVERIFY;
	e->seq = be_get(p, 8);
	e->time = be_get(p + 8, 8);
	for (int i = 0; i < 4; i++) {
		if (off + 4 > n - AUDIT_HASH)
			return CN_EVERIFY;
		e->len[i] = be_get(p + off, 4);
		if (e->len[i] > n - AUDIT_HASH - off - 4)
			return CN_EVERIFY;
		e->s[i] = (const char *)p + off + 4;
		off += 4 + e->len[i];
	}
	if (off + AUDIT_HASH != n)
		return CN_EVERIFY;
	e->hash = p + off;
	*fields_len = off;
	return 0;
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

static void view_free(Carenet__AuditView *v)
{
	if (!v)
		return;
	free(v->actor);
	free(v->action);
	free(v->subject);
	free(v->detail);
	free(v->hash);
	free(v);
}

static Carenet__AuditView *view_new(const struct entry *e)
{
	Carenet__AuditView *v = calloc(1, sizeof(*v));
	char hex[2 * AUDIT_HASH + 1];

	if (!v)
		return NULL;
	carenet__audit_view__init(v);
	v->seq = e->seq;
	v->time = e->time;
	util_hex(e->hash, AUDIT_HASH, hex);
	v->actor = dupn(e->s[0], e->len[0]);
	v->action = dupn(e->s[1], e->len[1]);
	v->subject = dupn(e->s[2], e->len[2]);
	v->detail = dupn(e->s[3], e->len[3]);
	v->hash = dupn(hex, strlen(hex));
	if (!v->actor || !v->action || !v->subject || !v->detail || !v->hash) {
		view_free(v);
		return NULL;
	}
	return v;
}

/* Frees the views and the array (as audit_list made them). */
void audit_views_free(Carenet__AuditView **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		view_free(v[i]);
	free(v);
}

int audit_list(struct store *st, MDB_txn *txn, uint64_t since, size_t max,
               Carenet__AuditView ***out, size_t *n)
{
	Carenet__AuditView **vec = NULL;
	size_t cnt = 0, cap = 0, fl;
	MDB_cursor *cur;
	MDB_val k, d;
	struct entry e;
	int rc, mrc;

	*out = NULL;
	*n = 0;
	if ((rc = store_err(mdb_cursor_open(txn, store_dbi(st, STORE_AUDIT), &cur), "audit")))
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); mrc == 0 && (!max || cnt < max);
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (parse(&d, &e, &fl) != 0 || e.time < since)
			continue; /* audit.verify reports malformed entries */
		if ((rc = ARR_GROW(vec, cnt + 1, cap)))
			break;
		if (!(vec[cnt] = view_new(&e))) {
			rc = CN_ENOMEM;
			break;
		}
		cnt++;
	}
	mdb_cursor_close(cur);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "audit list");
	if (rc != 0) {
		audit_views_free(vec, cnt);
		return rc;
	}
	*out = vec;
	*n = cnt;
	return 0;
}

/* Checks one entry against the chain so far; advances prev. */
static int verify_one(const MDB_val *k, const MDB_val *d, uint64_t expect, uint8_t *prev, char *why,
                      size_t whylen)
{
	struct entry e;
	uint8_t h[AUDIT_HASH];
	size_t fl;
	uint64_t seq = k->mv_size == 8 ? be_get(k->mv_data, 8) : 0;
	int rc;

	if (k->mv_size != 8) {
		snprintf(why, whylen, "audit entry after %llu has a malformed key",
		         (unsigned long long)(expect - 1));
		return CN_EVERIFY;
	}
	if (seq != expect) {
		snprintf(why, whylen,
		         "audit entry %llu is missing (the log goes from %llu to %llu)",
		         (unsigned long long)expect, (unsigned long long)(expect - 1),
		         (unsigned long long)seq);
		return CN_EVERIFY;
	}
	if (parse(d, &e, &fl) != 0 || e.seq != seq) {
		snprintf(why, whylen, "audit entry %llu is malformed", (unsigned long long)seq);
		return CN_EVERIFY;
	}
	if ((rc = sha(prev, d->mv_data, fl, h)) != 0)
		return rc;
	if (memcmp(h, e.hash, AUDIT_HASH) != 0) {
		snprintf(why, whylen,
		         "audit entry %llu does not match its hash: modified, or an "
		         "entry before it was",
		         (unsigned long long)seq);
		return CN_EVERIFY;
	}
	memcpy(prev, h, AUDIT_HASH);
	return 0;
}

int audit_head(struct store *st, MDB_txn *txn, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN])
{
	int rc = head_get(st, txn, seq, hash);
	return rc == CN_ENOTFOUND ? 0 : rc;
}

int audit_hash_at(struct store *st, MDB_txn *txn, uint64_t seq, uint8_t hash[AUDIT_HASH_LEN])
{
	uint8_t key[8];
	MDB_val k = {8, key}, d;
	struct entry e;
	size_t fl;
	int rc;

	be_put(key, seq, 8);
	if ((rc = store_err(mdb_get(txn, store_dbi(st, STORE_AUDIT), &k, &d), "audit get")) != 0)
		return rc;
	if (parse(&d, &e, &fl) != 0 || e.seq != seq)
		return CN_EVERIFY;
	memcpy(hash, e.hash, AUDIT_HASH);
	return 0;
}

static int mark_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct audit_mark *)a)->seq, y = ((const struct audit_mark *)b)->seq;
	return x < y ? -1 : x > y;
}

/* What checking the chain against sorted marks found so far. */
struct walk {
	const struct audit_mark *m;
	size_t n, next;   /* marks, and the first not yet reached */
	uint64_t good;    /* seq of the last mark that matched (0: none) */
	enum audit_finding finding;
};

static void hex8(const uint8_t *h, char out[17])
{
	util_hex(h, 8, out);
}

/* After entry seq (hash h) verified: compares the marks at seq. */
static int walk_marks(struct walk *w, uint64_t seq, const uint8_t *h, char *why, size_t whylen)
{
	char a[17], b[17];

	for (; w->next < w->n && w->m[w->next].seq <= seq; w->next++) {
		const struct audit_mark *m = &w->m[w->next];
		if (m->seq < seq)
			continue; /* seq 0: not a point of the chain */
		if (memcmp(m->hash, h, AUDIT_HASH) == 0) {
			w->good = seq;
			continue;
		}
		hex8(m->hash, a);
		hex8(h, b);
		snprintf(why, whylen,
		         "rewritten: at entry %llu the parent's checkpoint holds hash %s..., this "
		         "log %s...; %s, so an entry from %llu to %llu was changed, removed or "
		         "added and the chain recomputed",
		         (unsigned long long)seq, a, b,
		         w->good ? "the checkpoint before it still matches" : "no checkpoint before it",
		         (unsigned long long)(w->good + 1), (unsigned long long)seq);
		w->finding = AUDIT_REWRITTEN;
		return CN_EVERIFY;
	}
	return 0;
}

static int walk_chain(struct store *st, MDB_txn *txn, struct walk *w, uint64_t *checked, char *why,
                      size_t whylen)
{
	uint8_t prev[AUDIT_HASH] = {0}, hh[AUDIT_HASH];
	uint64_t n = 0, hseq;
	MDB_cursor *cur;
	MDB_val k, d;
	int rc, mrc, hrc;

	*checked = 0;
	if (whylen)
		why[0] = 0;
	if ((hrc = head_get(st, txn, &hseq, hh)) != 0 && hrc != CN_ENOTFOUND)
		return hrc;
	if ((rc = store_err(mdb_cursor_open(txn, store_dbi(st, STORE_AUDIT), &cur), "audit")))
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if ((rc = verify_one(&k, &d, n + 1, prev, why, whylen)) != 0)
			w->finding = AUDIT_BROKEN;
		else if ((rc = walk_marks(w, n + 1, prev, why, whylen)) == 0)
			n++;
	}
	mdb_cursor_close(cur);
	*checked = n;
	if (rc != 0)
		return rc;
	if (mrc != MDB_NOTFOUND)
		return store_err(mrc, "audit verify");
	if (hseq != n || (n > 0 && memcmp(hh, prev, AUDIT_HASH) != 0)) {
		snprintf(why, whylen, "audit head says %llu entries, the log holds %llu%s",
		         (unsigned long long)hseq, (unsigned long long)n,
		         hseq == n ? " but the last hash differs"
		                   : ": entries were removed at the end");
		w->finding = AUDIT_BROKEN;
		return CN_EVERIFY;
	}
	if (w->n > 0 && w->m[w->n - 1].seq > n) {
		snprintf(why, whylen,
		         "truncated: the parent holds a checkpoint at entry %llu, this log ends at "
		         "entry %llu: entries %llu to %llu were removed",
		         (unsigned long long)w->m[w->n - 1].seq, (unsigned long long)n,
		         (unsigned long long)(n + 1), (unsigned long long)w->m[w->n - 1].seq);
		w->finding = AUDIT_TRUNCATED;
		return CN_EVERIFY;
	}
	return 0;
}

int audit_verify(struct store *st, MDB_txn *txn, uint64_t *checked, char *why, size_t whylen)
{
	struct walk w = {0};
	return walk_chain(st, txn, &w, checked, why, whylen);
}

int audit_verify_marks(struct store *st, MDB_txn *txn, const struct audit_mark *marks, size_t n,
                       uint64_t *checked, enum audit_finding *finding, char *why, size_t whylen)
{
	struct walk w = {0};
	struct audit_mark *m = NULL;
	int rc;

	if (n && !(m = malloc(n * sizeof(*m))))
		return CN_ENOMEM;
	if (n) {
		memcpy(m, marks, n * sizeof(*m));
		qsort(m, n, sizeof(*m), mark_cmp);
	}
	w.m = m;
	w.n = n;
	rc = walk_chain(st, txn, &w, checked, why, whylen);
	if (finding)
		*finding = w.finding;
	free(m);
	return rc;
}
