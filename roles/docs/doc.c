/*
 * doc: documents held by content hash (map: docs.h) — the sealed store,
 * chunking at attach, and docs_apply for chunks received from below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aead.h"
#include "be.h"
#include "docs.h"
#include "err.h"
#include "log.h"

#define KEY_META 66  /* "d:" HASH */
#define KEY_CHUNK 71 /* "c:" HASH '\0' BE32 */

uint32_t docs_chunks(uint64_t size)
{
	return size ? (uint32_t)((size + DOC_CHUNK - 1) / DOC_CHUNK) : 1;
}

uint64_t docs_cap(const struct roles *r)
{
	const struct roles_policy *p = r->env.policy;

	return p && p->max_document ? p->max_document : DOC_DEFAULT_MAX;
}

void docs_hex(const uint8_t h[32], char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

int docs_unhex(const char *s, uint8_t h[32])
{
	unsigned v;

	if (!s || strlen(s) != 64)
		return CN_EINVAL;
	for (int i = 0; i < 32; i++) {
		if (!strchr("0123456789abcdefABCDEF", s[2 * i]) || !s[2 * i] ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]) || !s[2 * i + 1] ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return CN_EINVAL;
		h[i] = (uint8_t)v;
	}
	return 0;
}

static void key_meta(const uint8_t h[32], uint8_t k[KEY_META + 1])
{
	k[0] = 'd';
	k[1] = ':';
	docs_hex(h, (char *)k + 2);
}

static void key_chunk(const uint8_t h[32], uint32_t idx, uint8_t k[KEY_CHUNK + 1])
{
	k[0] = 'c';
	k[1] = ':';
	docs_hex(h, (char *)k + 2);
	k[66] = 0;
	be_put32(k + 67, idx);
}

/* A value sealed with its own key as associated data. */
static int sealed_put(struct roles *r, MDB_txn *txn, const uint8_t *key, size_t klen,
                      const void *pt, size_t ptlen)
{
	uint8_t *box = NULL;
	size_t boxlen = 0;
	MDB_val k = {klen, (void *)key}, v;
	int rc;

	if (!r->env.seal)
		return CN_EPERM;
	if ((rc = r->env.seal(r->env.arg, key, klen, pt, ptlen, &box, &boxlen)) != 0)
		return rc;
	v.mv_size = boxlen;
	v.mv_data = box;
	rc = store_err(mdb_put(txn, roles_dbi(r, STORE_RECORDS), &k, &v, 0), "docs put");
	free(box);
	return rc;
}

/* Opens the value at key (*pt freed by the caller with aead_free). */
static int sealed_get(struct roles *r, MDB_txn *txn, const uint8_t *key, size_t klen, uint8_t **pt,
                      size_t *ptlen)
{
	MDB_val k = {klen, (void *)key}, v;
	int rc;

	if (!r->env.open)
		return CN_EPERM;
	if ((rc = store_err(mdb_get(txn, roles_dbi(r, STORE_RECORDS), &k, &v), "docs get")) != 0)
		return rc;
	rc = r->env.open(r->env.arg, key, klen, v.mv_data, v.mv_size, pt, ptlen);
	if (rc != 0)
		log_warnx(
		    "docs: a stored value does not open (%s): is this the node's records key?",
		    cn_strerror(rc));
	return rc;
}

int docs_meta_get(struct roles *r, MDB_txn *txn, const uint8_t hash[32], Carenet__Document **out)
{
	uint8_t k[KEY_META + 1], *pt = NULL;
	size_t ptlen = 0;
	int rc;

	*out = NULL;
	key_meta(hash, k);
	if ((rc = sealed_get(r, txn, k, KEY_META, &pt, &ptlen)) != 0)
		return rc;
	*out = carenet__document__unpack(NULL, ptlen, pt);
	aead_free(pt, ptlen);
	if (*out && (*out)->sha256.len == 32)
		return 0;
	carenet__document__free_unpacked(*out, NULL);
	*out = NULL;
	return CN_ESTORE;
}

static int meta_put(struct roles *r, MDB_txn *txn, const Carenet__Document *d)
{
	uint8_t k[KEY_META + 1], *buf;
	size_t len = carenet__document__get_packed_size(d);
	int rc;

	if (!(buf = malloc(len ? len : 1)))
		return CN_ENOMEM;
	carenet__document__pack(d, buf);
	key_meta(d->sha256.data, k);
	rc = sealed_put(r, txn, k, KEY_META, buf, len);
	free(buf);
	return rc;
}

static int chunk_held(struct roles *r, MDB_txn *txn, const uint8_t h[32], uint32_t idx)
{
	uint8_t k[KEY_CHUNK + 1];
	MDB_val kv = {KEY_CHUNK, k}, v;
	int rc;

	key_chunk(h, idx, k);
	rc = store_err(mdb_get(txn, roles_dbi(r, STORE_RECORDS), &kv, &v), "docs chunk");
	return rc == 0 ? 1 : rc == CN_ENOTFOUND ? 0 : rc;
}

/* Bytes chunk idx of a document of size bytes holds. */
static size_t chunk_len(uint64_t size, uint32_t idx)
{
	uint64_t off = (uint64_t)idx * DOC_CHUNK;

	return off >= size ? 0 : size - off < DOC_CHUNK ? (size_t)(size - off) : DOC_CHUNK;
}

/*
 * Calls fn with every chunk of d in order (chunk `idx` taken from data,
 * not the store, when data is not NULL). CN_ENOTFOUND if one is missing,
 * CN_ESTORE if one has the wrong length.
 */
static int each_chunk(struct roles *r, MDB_txn *txn, const Carenet__Document *d, uint32_t idx,
                      const uint8_t *data, int (*fn)(const uint8_t *p, size_t n, void *arg),
                      void *arg)
{
	uint8_t k[KEY_CHUNK + 1], *pt;
	size_t ptlen;
	int rc = 0;

	for (uint32_t i = 0; i < d->total && rc == 0; i++) {
		if (data && i == idx) {
			rc = fn(data, chunk_len(d->size, i), arg);
			continue;
		}
		key_chunk(d->sha256.data, i, k);
		pt = NULL;
		if ((rc = sealed_get(r, txn, k, KEY_CHUNK, &pt, &ptlen)) != 0)
			break;
		rc = ptlen == chunk_len(d->size, i) ? fn(pt, ptlen, arg) : CN_ESTORE;
		aead_free(pt, ptlen);
	}
	return rc;
}

static int hash_part(const uint8_t *p, size_t n, void *arg)
{
	return EVP_DigestUpdate(arg, p, n) == 1 ? 0 : CN_ECRYPTO;
}

/* 1 if d's chunks (chunk idx from data) hash to d->sha256, 0 if not. */
static int whole_matches(struct roles *r, MDB_txn *txn, const Carenet__Document *d, uint32_t idx,
                         const uint8_t *data)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t md[32];
	unsigned mdlen = 0;
	int rc = CN_ECRYPTO;

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	if ((rc = each_chunk(r, txn, d, idx, data, hash_part, ctx)) != 0)
		goto out;
	rc = CN_ECRYPTO;
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	rc = memcmp(md, d->sha256.data, 32) == 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

struct copy {
	uint8_t *p;
	size_t off;
};

static int copy_part(const uint8_t *p, size_t n, void *arg)
{
	struct copy *c = arg;

	memcpy(c->p + c->off, p, n);
	c->off += n;
	return 0;
}

int docs_read(struct roles *r, MDB_txn *txn, const Carenet__Document *d, uint8_t **out, size_t *len,
              char *why, size_t wl)
{
	char hex[65];
	struct copy c = {NULL, 0};
	int rc;

	*out = NULL;
	*len = 0;
	docs_hex(d->sha256.data, hex);
	if (d->held < d->total) {
		roles_why(why, wl, "document %s (%s) is incomplete: %u of %u chunks missing", hex,
		          d->name, d->total - d->held, d->total);
		return CN_EINVAL;
	}
	if (!(c.p = malloc(d->size ? d->size : 1)))
		return CN_ENOMEM;
	if ((rc = each_chunk(r, txn, d, UINT32_MAX, NULL, copy_part, &c)) == 0 &&
	    (rc = whole_matches(r, txn, d, UINT32_MAX, NULL)) == 0) {
		roles_why(why, wl, "document %s: the chunks held no longer hash to it", hex);
		rc = CN_EVERIFY;
	}
	if (rc < 0) {
		free(c.p);
		return rc;
	}
	*out = c.p;
	*len = d->size;
	return 0;
}

/* Every field of a chunk, before any store access. */
static int chunk_ok(struct roles *r, const Carenet__DocChunk *c, char *why, size_t wl)
{
	size_t nl = c->name ? strlen(c->name) : 0;
	uint64_t cap = docs_cap(r);

	if (c->sha256.len != 32 || !nl || nl > DOC_NAME_MAX || strchr(c->name, '/') ||
	    strlen(c->record) >= DOC_RECORD_MAX) {
		roles_why(why, wl,
		          "document chunk: a 32-byte hash, a name of 1 to %d bytes without "
		          "'/' and a record id under %d bytes expected",
		          DOC_NAME_MAX, DOC_RECORD_MAX);
		return CN_EINVAL;
	}
	for (const char *p = c->name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			roles_why(why, wl, "document chunk: a control character in its name");
			return CN_EINVAL;
		}
	if (c->size > cap) {
		roles_why(why, wl,
		          "document %.64s is %llu bytes, over records.max_document (%llu "
		          "bytes)",
		          c->name, (unsigned long long)c->size, (unsigned long long)cap);
		return CN_ETOOBIG;
	}
	if (c->total != docs_chunks(c->size) || c->index >= c->total ||
	    c->data.len != chunk_len(c->size, c->index)) {
		roles_why(why, wl,
		          "document chunk %u of %u: %zu bytes, not what a %llu-byte "
		          "document's chunk holds",
		          c->index, c->total, c->data.len, (unsigned long long)c->size);
		return CN_EINVAL;
	}
	return 0;
}

/*
 * Stores chunk c of a document attached by origin at created (checked by
 * chunk_ok). *stored: 1 if it was new here, 0 if already held.
 */
static int store_chunk(struct roles *r, MDB_txn *txn, const Carenet__DocChunk *c,
                       const char *origin, uint64_t created, int *stored, char *why, size_t wl)
{
	Carenet__Document *held = NULL, fresh = CARENET__DOCUMENT__INIT, *d = &fresh;
	uint8_t k[KEY_CHUNK + 1];
	char hex[65];
	int rc = docs_meta_get(r, txn, c->sha256.data, &held);

	*stored = 0;
	docs_hex(c->sha256.data, hex);
	if (rc == 0) {
		d = held;
	} else if (rc == CN_ENOTFOUND) {
		fresh.sha256 = c->sha256;
		fresh.name = c->name;
		fresh.size = c->size;
		fresh.total = c->total;
		fresh.record = c->record;
		fresh.origin = (char *)origin;
		fresh.created = created;
	} else {
		goto out;
	}
	rc = CN_EINVAL;
	if (d->size != c->size || d->total != c->total) {
		roles_why(why, wl, "document %s: chunk says %llu bytes, %llu held here", hex,
		          (unsigned long long)c->size, (unsigned long long)d->size);
		goto out;
	}
	if ((rc = chunk_held(r, txn, c->sha256.data, c->index)) != 0)
		goto out; /* 1: held, a no-op */
	if (d->held + 1 == d->total &&
	    (rc = whole_matches(r, txn, d, c->index, c->data.data)) != 1) {
		if (rc == 0) {
			roles_why(why, wl, "document %s: its %u chunks do not hash to it", hex,
			          d->total);
			rc = CN_EVERIFY;
		}
		goto out;
	}
	key_chunk(c->sha256.data, c->index, k);
	if ((rc = sealed_put(r, txn, k, KEY_CHUNK, c->data.data, c->data.len)) != 0)
		goto out;
	d->held++;
	if ((rc = meta_put(r, txn, d)) == 0)
		*stored = 1;
out:
	if (held)
		carenet__document__free_unpacked(held, NULL);
	return rc == 1 ? 0 : rc;
}

int docs_attach(struct roles *r, MDB_txn *txn, const char *name, const uint8_t *data, size_t len,
                const char *record, uint8_t hash[32], char *why, size_t wl)
{
	Carenet__DocChunk c = CARENET__DOC_CHUNK__INIT;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Document *held = NULL;
	unsigned mdlen = 0;
	int rc, stored;

	if (EVP_Digest(data, len, hash, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return CN_ECRYPTO;
	c.sha256.data = hash;
	c.sha256.len = 32;
	c.name = (char *)name;
	c.size = len;
	c.total = docs_chunks(len);
	c.record = (char *)(record ? record : "");
	c.data.data = (uint8_t *)data;
	c.data.len = chunk_len(len, 0);
	if ((rc = chunk_ok(r, &c, why, wl)) != 0)
		return rc;
	rc = docs_meta_get(r, txn, hash, &held);
	if (rc == 0 && held->held == held->total) {
		carenet__document__free_unpacked(held, NULL);
		return 0; /* already complete here: neither stored nor sent again */
	}
	if (held)
		carenet__document__free_unpacked(held, NULL);
	if (rc != 0 && rc != CN_ENOTFOUND)
		return rc;
	it.body_case = CARENET__ITEM__BODY_DOC_CHUNK;
	it.doc_chunk = &c;
	for (uint32_t i = 0; i < c.total; i++) {
		c.index = i;
		c.data.data = (uint8_t *)data + (size_t)i * DOC_CHUNK;
		c.data.len = chunk_len(len, i);
		if ((rc = store_chunk(r, txn, &c, r->env.me->id, roles_now(r), &stored, why, wl)) !=
		    0)
			return rc;
		if (stored && (rc = r->env.emit(r->env.arg, txn, &it, NULL, 0)) != 0)
			return rc;
	}
	return 0;
}


int docs_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
               const struct pki_identity *origin, const char *from, struct roles_route *route,
               char *why, size_t whylen)
{
	const Carenet__DocChunk *c = item->doc_chunk;
	const char *me = r->env.me->id;
	int rc, stored = 0;

	if (!c) {
		roles_why(why, whylen, "document chunk item without a body");
		return CN_EPROTO;
	}
	if (item->lane != 2) {
		roles_why(why, whylen, "document chunk on lane %u, not the bulk lane", item->lane);
		return CN_EINVAL;
	}
	/* below this office under its id now or a former one (a township whose
	 * own code changed: its villages send under the old code) */
	if ((rc = roles_below_me(r, txn, origin->id)) < 0)
		return rc;
	if (!rc) {
		roles_why(why, whylen, "document of %s is not below this office", origin->id);
		return CN_ESCOPE;
	}
	if (strcmp(from, origin->id) != 0) {
		if ((rc = roles_below_me(r, txn, from)) < 0)
			return rc;
		if (rc && (rc = roles_relays(r, txn, from, origin->id)) < 0)
			return rc;
		if (!rc) {
			roles_why(why, whylen, "document of %s arrived from %s, not on its path",
			          origin->id, from);
			return CN_ESCOPE;
		}
	}
	if ((rc = chunk_ok(r, c, why, whylen)) != 0 ||
	    (rc = store_chunk(r, txn, c, origin->id, item->created, &stored, why, whylen)) != 0)
		return rc;
	route->up = stored && strlen(me) > 6; /* documents stop at the county, like records */
	return 0;
}

int docs_each(struct roles *r, MDB_txn *txn, int (*fn)(Carenet__Document *d, void *arg), void *arg)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {2, "d:"}, v;
	uint8_t h[32];
	char hex[65];
	Carenet__Document *d;
	int rc, op = MDB_SET_RANGE;

	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_RECORDS), &cur), "docs")) != 0)
		return rc;
	while ((rc = store_err(mdb_cursor_get(cur, &k, &v, op), "docs each")) == 0) {
		op = MDB_NEXT;
		if (k.mv_size < 2 || memcmp(k.mv_data, "d:", 2) != 0)
			break;
		if (k.mv_size != KEY_META)
			continue;
		snprintf(hex, sizeof(hex), "%.*s", 64, (const char *)k.mv_data + 2);
		if (docs_unhex(hex, h) != 0 || docs_meta_get(r, txn, h, &d) != 0)
			continue; /* not ours, or does not open (logged) */
		rc = fn(d, arg);
		carenet__document__free_unpacked(d, NULL);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == CN_ENOTFOUND ? 0 : rc;
}
