/* deliver_chain: the cache of verified origin certificate chains (memory,
 * and meta "chain:<id>" so a restarted node can verify what it forwards).
 * Each origin has a current chain and, after a renewal, a previous one
 * ("chainprev:<id>") kept while it is valid: items signed before the
 * renewal verify against it, and they travel with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "be.h"
#include "deliver_int.h"
#include "err.h"
#include "item.h"
#include "log.h"

static int fatal_store(int rc)
{
	return rc == CN_ESTORE || rc == CN_EMAPFULL || rc == CN_ENOMEM || rc == CN_EIO;
}

static void chain_clear(struct chain *c)
{
	for (size_t k = 0; k < c->n; k++)
		free(c->der[k]);
	c->n = 0;
}

void deliver_chains_free(struct deliver *d)
{
	for (size_t i = 0; i < d->nchains; i++)
		chain_clear(&d->chains[i]);
	for (size_t i = 0; i < d->nprevs; i++)
		chain_clear(&d->prevs[i]);
	free(d->chains);
	d->chains = NULL;
	d->nchains = 0;
	free(d->prevs);
	d->prevs = NULL;
	d->nprevs = 0;
	free(d->scratch);
	d->scratch = NULL;
}

/* The slot of id in v (created empty if create), or NULL. */
static struct chain *slot_in(struct chain **v, size_t *n, size_t *cap, const char *id, int create)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].id, id) == 0)
			return &(*v)[i];
	if (!create || ARR_GROW(*v, *n + 1, *cap))
		return NULL;
	memset(&(*v)[*n], 0, sizeof((*v)[0]));
	snprintf((*v)[*n].id, sizeof((*v)[0].id), "%s", id);
	return &(*v)[(*n)++];
}

static struct chain *chain_slot(struct deliver *d, const char *id)
{
	return slot_in(&d->chains, &d->nchains, &d->chaincap, id, 1);
}

static struct chain *prev_slot(struct deliver *d, const char *id, int create)
{
	return slot_in(&d->prevs, &d->nprevs, &d->prevcap, id, create);
}

static int chain_set(struct chain *c, const struct pki_identity *id, const uint8_t *const *der,
                     const size_t *len, size_t n)
{
	chain_clear(c);
	for (size_t k = 0; k < n && k < 4; k++) {
		if (!(c->der[k] = malloc(len[k])))
			return CN_ENOMEM;
		memcpy(c->der[k], der[k], len[k]);
		c->len[k] = len[k];
		c->n++;
	}
	c->ident = *id;
	snprintf(c->id, sizeof(c->id), "%s", id->id);
	return 0;
}

static int chain_same(const struct chain *c, const uint8_t *const *der, const size_t *len, size_t n)
{
	return c && c->n == n && c->len[0] == len[0] && memcmp(c->der[0], der[0], len[0]) == 0;
}

/* 1 if certificate a is newer than b: later notBefore, then notAfter, then
 * serial (any order, but the same at every node). */
static int ident_newer(const struct pki_identity *a, const struct pki_identity *b)
{
	if (a->not_before != b->not_before)
		return a->not_before > b->not_before;
	if (a->not_after != b->not_after)
		return a->not_after > b->not_after;
	return strcmp(a->serial, b->serial) > 0;
}

/* Persisted form: per certificate a 4-byte big-endian length and the DER. */
static int chain_persist(struct deliver *d, MDB_txn *txn, const char *tag, const struct chain *c)
{
	char key[PKI_ID_MAX + 16];
	uint8_t buf[4 * (4 + WIRE_MAX_CERT)];
	size_t off = 0;
	MDB_val k, v;

	for (size_t i = 0; i < c->n; i++) {
		be_put32(buf + off, (uint32_t)c->len[i]);
		memcpy(buf + off + 4, c->der[i], c->len[i]);
		off += 4 + c->len[i];
	}
	snprintf(key, sizeof(key), "%s:%s", tag, c->id);
	k.mv_data = key;
	k.mv_size = strlen(key);
	v.mv_data = buf;
	v.mv_size = off;
	return store_err(mdb_put(txn, store_dbi(d->env.store, STORE_META), &k, &v, 0), "chain put");
}

static int chain_unpersist(struct deliver *d, MDB_txn *txn, const char *tag, const char *id)
{
	char key[PKI_ID_MAX + 16];
	MDB_val k;
	int rc;

	snprintf(key, sizeof(key), "%s:%s", tag, id);
	k.mv_data = key;
	k.mv_size = strlen(key);
	rc = mdb_del(txn, store_dbi(d->env.store, STORE_META), &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc, "chain del");
}

/* The stored chain tag:id as DER pointers into the transaction's memory;
 * CN_ENOTFOUND if none or malformed. */
static int chain_stored(struct deliver *d, MDB_txn *txn, const char *tag, const char *id,
                        const uint8_t **der, size_t *len, size_t *n)
{
	char key[PKI_ID_MAX + 16];
	size_t off = 0;
	MDB_val k, v;
	int rc;

	*n = 0;
	snprintf(key, sizeof(key), "%s:%s", tag, id);
	k.mv_data = key;
	k.mv_size = strlen(key);
	if ((rc = mdb_get(txn, store_dbi(d->env.store, STORE_META), &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? CN_ENOTFOUND : store_err(rc, "chain get");
	while (off + 4 <= v.mv_size && *n < 4) {
		const uint8_t *b = (const uint8_t *)v.mv_data + off;
		size_t l = be_get32(b);
		if (off + 4 + l > v.mv_size)
			return CN_ENOTFOUND;
		der[*n] = b + 4;
		len[(*n)++] = l;
		off += 4 + l;
	}
	return *n ? 0 : CN_ENOTFOUND;
}

static int chain_verify(struct deliver *d, const uint8_t *const *der, const size_t *len, size_t n,
                        struct pki_identity *id)
{
	char why[256];
	int rc;

	if (n == 0 || n > 4)
		return CN_EPROTO;
	if ((rc = pki_verify_chain(d->env.trust, der, len, n, id, why, sizeof(why))) != 0) {
		log_warnx("deliver: origin certificate refused: %s", why);
		return rc;
	}
	return 0; /* an inspector's too: roles take only its findings (roles.c) */
}

/* This node's own chain is the current one; the chain it stored at its
 * last start, if another and still valid, becomes its previous one (what
 * signed the items it queued before a renewal). */
static int self_txn(MDB_txn *txn, void *arg)
{
	struct deliver *d = arg;
	struct chain *c = chain_slot(d, d->me->id), *p;
	const char *tags[2] = {"chain", "chainprev"};
	struct pki_identity id;
	const uint8_t *der[4];
	size_t len[4], n;
	int rc;

	for (int i = 0; i < 2; i++) {
		if ((rc = chain_stored(d, txn, tags[i], d->me->id, der, len, &n)) != 0) {
			if (rc != CN_ENOTFOUND)
				return rc;
			continue;
		}
		if (chain_same(c, der, len, n) || chain_verify(d, der, len, n, &id) != 0 ||
		    strcmp(id.id, d->me->id) != 0)
			continue;
		if (!(p = prev_slot(d, d->me->id, 1)))
			return CN_ENOMEM;
		if (p->n && !ident_newer(&id, &p->ident))
			continue;
		if ((rc = chain_set(p, &id, der, len, n)) != 0 ||
		    (rc = chain_persist(d, txn, "chainprev", p)) != 0)
			return rc;
		log_info("deliver: own certificate renewed (serial %s, previous %s kept while "
		         "valid for the items it signed)",
		         c->ident.serial, id.serial);
	}
	return chain_persist(d, txn, "chain", c);
}

int deliver_chains_load_self(struct deliver *d)
{
	const uint8_t *const *der;
	const size_t *len;
	size_t n = pki_self_chain(d->env.self, &der, &len);
	struct chain *c;
	int rc;

	if (!(d->scratch = calloc(1, sizeof(*d->scratch))))
		return CN_ENOMEM;
	if (!(c = chain_slot(d, d->me->id)))
		return CN_ENOMEM;
	if ((rc = chain_set(c, d->me, der, len, n)) != 0)
		return rc;
	return d->env.store ? store_write(d->env.store, self_txn, d) : 0;
}

/* A cached chain is checked again at every use: pki_verify_chain answers
 * from the trust store's cache (a SHA-256 of the leaf and a lookup) with the
 * validity window of the whole chain, and that cache is dropped whenever a
 * revocation list is added, so after a CRL change (a county CA revoked by the
 * root, a leaf by its county) the chain is verified in full once more. */
static int chain_recheck(struct deliver *d, const struct chain *c)
{
	const uint8_t *der[4];
	struct pki_identity id;
	char why[256];
	int rc;

	for (size_t k = 0; k < c->n; k++)
		der[k] = c->der[k];
	if ((rc = pki_verify_chain(d->env.trust, der, c->len, c->n, &id, why, sizeof(why))) != 0)
		log_debug("deliver: origin %s no longer verifies: %s", c->id, why);
	return rc;
}

/* The chain of id kept under tag (current: "chain", previous:
 * "chainprev"): memory, else meta (verified once when loaded). NULL if
 * none or it does not verify; store errors in *rc. */
static struct chain *chain_get(struct deliver *d, MDB_txn *txn, const char *tag, const char *id,
                               int *rc)
{
	int cur = strcmp(tag, "chain") == 0;
	struct chain *c =
	    cur ? slot_in(&d->chains, &d->nchains, &d->chaincap, id, 0) : prev_slot(d, id, 0);
	struct pki_identity ident;
	const uint8_t *der[4];
	size_t len[4], n;

	*rc = 0;
	if (c && c->n)
		return c;
	if ((*rc = chain_stored(d, txn, tag, id, der, len, &n)) != 0) {
		*rc = fatal_store(*rc) ? *rc : 0;
		return NULL;
	}
	if (chain_verify(d, der, len, n, &ident) != 0 || strcmp(ident.id, id) != 0)
		return NULL;
	if (!(c = cur ? chain_slot(d, id) : prev_slot(d, id, 1))) {
		*rc = CN_ENOMEM;
		return NULL;
	}
	if ((*rc = chain_set(c, &ident, der, len, n)) != 0)
		return NULL;
	return c;
}

static int chain_learn_der(struct deliver *d, MDB_txn *txn, const uint8_t *const *der,
                           const size_t *len, size_t n)
{
	struct pki_identity id;
	struct chain *cur, *prev;
	int rc;

	if ((rc = chain_verify(d, der, len, n, &id)) != 0)
		return rc;
	cur = chain_get(d, txn, "chain", id.id, &rc);
	if (rc == 0 && !chain_same(cur, der, len, n))
		prev = chain_get(d, txn, "chainprev", id.id, &rc);
	else
		prev = NULL;
	if (rc != 0 || chain_same(cur, der, len, n) || chain_same(prev, der, len, n))
		return rc; /* already known */
	if (!cur || !cur->n || ident_newer(&id, &cur->ident)) {
		if (cur && cur->n) { /* renewed: the current one becomes the previous */
			if (!(prev = prev_slot(d, id.id, 1)) ||
			    chain_set(prev, &cur->ident, (const uint8_t *const *)cur->der, cur->len,
			              cur->n) != 0)
				return CN_ENOMEM;
			if ((rc = chain_persist(d, txn, "chainprev", prev)) != 0)
				return rc;
		}
		if (!(cur = chain_slot(d, id.id)) || chain_set(cur, &id, der, len, n) != 0)
			return CN_ENOMEM;
		return chain_persist(d, txn, "chain", cur);
	}
	if (prev && prev->n && !ident_newer(&id, &prev->ident))
		return 0; /* older than both: not kept */
	if (!(prev = prev_slot(d, id.id, 1)) || chain_set(prev, &id, der, len, n) != 0)
		return CN_ENOMEM;
	return chain_persist(d, txn, "chainprev", prev);
}

int deliver_chain_learn(struct deliver *d, MDB_txn *txn, const Carenet__Chain *ch)
{
	const uint8_t *der[4];
	size_t len[4];

	if (ch->n_certs == 0 || ch->n_certs > 4)
		return CN_EPROTO;
	for (size_t i = 0; i < ch->n_certs; i++) {
		der[i] = ch->certs[i].data;
		len[i] = ch->certs[i].len;
	}
	return chain_learn_der(d, txn, der, len, ch->n_certs);
}

int deliver_chain_find(struct deliver *d, MDB_txn *txn, const char *id, const struct chain **out)
{
	int rc;

	*out = chain_get(d, txn, "chain", id, &rc);
	if (rc != 0)
		return rc;
	return *out ? chain_recheck(d, *out) : CN_ENOTFOUND;
}

/* Drops the previous chain of id: expired or revoked, it verifies nothing. */
static int prev_drop(struct deliver *d, MDB_txn *txn, struct chain *p)
{
	char id[PKI_ID_MAX];

	snprintf(id, sizeof(id), "%s", p->id);
	log_info("deliver: previous certificate of %s (serial %s) dropped: expired or revoked", id,
	         p->ident.serial);
	chain_clear(p);
	return chain_unpersist(d, txn, "chainprev", id);
}

int deliver_chain_verify(struct deliver *d, MDB_txn *txn, const Carenet__SignedBatch *sb,
                         const struct chain **out)
{
	const char *tags[2] = {"chain", "chainprev"};
	struct chain *c;
	int rc, v, any = 0;

	*out = NULL;
	for (int i = 0; i < 2; i++) {
		c = chain_get(d, txn, tags[i], sb->origin, &rc);
		if (rc != 0)
			return rc;
		if (!c || !c->n)
			continue;
		any = 1;
		v = chain_recheck(d, c);
		if (item_batch_verify(sb, c->ident.sign_pub) == 0)
			*out = c; /* v: valid, or why the signer's chain is refused */
		if (i == 1 && (v == CN_EEXPIRED || v == CN_EREVOKED) &&
		    (rc = prev_drop(d, txn, c)) != 0)
			return rc;
		if (*out)
			return v;
	}
	return any ? CN_EVERIFY : CN_ENOTFOUND;
}

/* 1 if msg is a signed batch of origin that verifies with c's key. */
static int signed_by(const ProtobufCBinaryData *msg, const char *origin, const struct chain *c)
{
	Carenet__SignedBatch *sb = NULL;
	int ok;

	if (item_batch_decode(msg->data, msg->len, &sb) != 0)
		return 0;
	ok = strcmp(sb->origin, origin) == 0 && item_batch_verify(sb, c->ident.sign_pub) == 0;
	carenet__signed_batch__free_unpacked(sb, NULL);
	return ok;
}

/* 1 if one of b's messages from origin verifies only with prev's key. One
 * Ed25519 verification per message of an origin that has a previous chain,
 * i.e. from its renewal until its old certificate expires. */
static int needs_prev(const Carenet__Batch *b, const char *origin, const struct chain *cur,
                      const struct chain *prev)
{
	for (size_t i = 0; i < b->n_msgs; i++)
		if (!(cur && signed_by(&b->msgs[i], origin, cur)) &&
		    signed_by(&b->msgs[i], origin, prev))
			return 1;
	return 0;
}

static void attach_one(struct chain_attach *a, size_t k, const struct chain *c)
{
	carenet__chain__init(&a->ch[k]);
	a->chp[k] = &a->ch[k];
	for (size_t i = 0; c && i < c->n; i++) {
		a->certs[k][i].data = c->der[i];
		a->certs[k][i].len = c->len[i];
	}
	a->ch[k].certs = a->certs[k];
	a->ch[k].n_certs = c ? c->n : 0;
}

void deliver_chain_attach(struct deliver *d, MDB_txn *txn, Carenet__Batch *b,
                          const char (*origins)[PKI_ID_MAX], size_t n, struct chain_attach *a)
{
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < n && k + 2 <= ATTACH_MAX; i++) {
		const struct chain *cur = NULL, *prev;
		if (deliver_chain_find(d, txn, origins[i], &cur) != 0)
			cur = NULL; /* sent without: the receiver refuses what it cannot verify */
		prev = chain_get(d, txn, "chainprev", origins[i], &rc);
		if (prev && prev->n && chain_recheck(d, prev) == 0 &&
		    needs_prev(b, origins[i], cur, prev))
			attach_one(a, k++, prev);
		attach_one(a, k++, cur);
	}
	b->chains = a->chp;
	b->n_chains = k;
}
