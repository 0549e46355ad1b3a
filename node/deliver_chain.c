/* deliver_chain: the cache of verified origin certificate chains (memory,
 * and meta "chain:<id>" so a restarted node can verify what it forwards). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "be.h"
#include "deliver_int.h"
#include "err.h"
#include "log.h"

static int fatal_store(int rc)
{
	return rc == CN_ESTORE || rc == CN_EMAPFULL || rc == CN_ENOMEM || rc == CN_EIO;
}

void deliver_chains_free(struct deliver *d)
{
	for (size_t i = 0; i < d->nchains; i++)
		for (size_t k = 0; k < d->chains[i].n; k++)
			free(d->chains[i].der[k]);
	free(d->chains);
	d->chains = NULL;
	d->nchains = 0;
	free(d->scratch);
	d->scratch = NULL;
}

static struct chain *chain_slot(struct deliver *d, const char *id)
{
	for (size_t i = 0; i < d->nchains; i++)
		if (strcmp(d->chains[i].id, id) == 0)
			return &d->chains[i];
	if (ARR_GROW(d->chains, d->nchains + 1, d->chaincap))
		return NULL;
	memset(&d->chains[d->nchains], 0, sizeof(d->chains[0]));
	return &d->chains[d->nchains++];
}

static int chain_set(struct chain *c, const struct pki_identity *id, const uint8_t *const *der,
                     const size_t *len, size_t n)
{
	for (size_t k = 0; k < c->n; k++)
		free(c->der[k]);
	c->n = 0;
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

int deliver_chains_load_self(struct deliver *d)
{
	const uint8_t *const *der;
	const size_t *len;
	size_t n = pki_self_chain(d->env.self, &der, &len);
	struct chain *c;

	if (!(d->scratch = calloc(1, sizeof(*d->scratch))))
		return CN_ENOMEM;
	if (!(c = chain_slot(d, d->me->id)))
		return CN_ENOMEM;
	return chain_set(c, d->me, der, len, n);
}

/* Persisted form: per certificate a 4-byte big-endian length and the DER. */
static int chain_persist(struct deliver *d, MDB_txn *txn, const struct chain *c)
{
	char key[PKI_ID_MAX + 8];
	uint8_t buf[4 * (4 + WIRE_MAX_CERT)];
	size_t off = 0;
	MDB_val k, v;

	for (size_t i = 0; i < c->n; i++) {
		be_put32(buf + off, (uint32_t)c->len[i]);
		memcpy(buf + off + 4, c->der[i], c->len[i]);
		off += 4 + c->len[i];
	}
	snprintf(key, sizeof(key), "chain:%s", c->id);
	k.mv_data = key;
	k.mv_size = strlen(key);
	v.mv_data = buf;
	v.mv_size = off;
	return store_err(mdb_put(txn, store_dbi(d->env.store, STORE_META), &k, &v, 0),
	                 "chain put");
}

static int chain_verify_add(struct deliver *d, MDB_txn *txn, const uint8_t *const *der,
                            const size_t *len, size_t n, int persist, const struct chain **out)
{
	struct pki_identity id;
	struct chain *c;
	char why[256];
	int rc;

	*out = NULL;
	if (n == 0 || n > 4)
		return CN_EPROTO;
	if ((rc = pki_verify_chain(d->env.trust, der, len, n, &id, why, sizeof(why))) != 0) {
		log_warnx("deliver: origin certificate refused: %s", why);
		return rc;
	}
	if (id.role == PKI_ROLE_INSPECTOR)
		return CN_EROLE;
	if (!(c = chain_slot(d, id.id)))
		return CN_ENOMEM;
	if (c->n == n && c->len[0] == len[0] && memcmp(c->der[0], der[0], len[0]) == 0) {
		*out = c;
		return 0; /* already known */
	}
	if ((rc = chain_set(c, &id, der, len, n)) != 0)
		return rc;
	if (persist && (rc = chain_persist(d, txn, c)) != 0)
		return rc;
	*out = c;
	return 0;
}

int deliver_chain_learn(struct deliver *d, MDB_txn *txn, const Carenet__Chain *ch)
{
	const uint8_t *der[4];
	size_t len[4];
	const struct chain *c;

	if (ch->n_certs == 0 || ch->n_certs > 4)
		return CN_EPROTO;
	for (size_t i = 0; i < ch->n_certs; i++) {
		der[i] = ch->certs[i].data;
		len[i] = ch->certs[i].len;
	}
	return chain_verify_add(d, txn, der, len, ch->n_certs, 1, &c);
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

int deliver_chain_find(struct deliver *d, MDB_txn *txn, const char *id, const struct chain **out)
{
	char key[PKI_ID_MAX + 8];
	const uint8_t *der[4];
	size_t len[4], n = 0, off = 0;
	const struct chain *c = NULL;
	MDB_val k, v;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < d->nchains; i++) {
		c = &d->chains[i];
		if (strcmp(c->id, id) != 0 || c->n == 0)
			continue;
		*out = c;
		return chain_recheck(d, c);
	}
	snprintf(key, sizeof(key), "chain:%s", id);
	k.mv_data = key;
	k.mv_size = strlen(key);
	if ((rc = mdb_get(txn, store_dbi(d->env.store, STORE_META), &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? CN_ENOTFOUND : store_err(rc, "chain get");
	while (off + 4 <= v.mv_size && n < 4) {
		const uint8_t *b = (const uint8_t *)v.mv_data + off;
		size_t l = be_get32(b);
		if (off + 4 + l > v.mv_size)
			return CN_ENOTFOUND;
		der[n] = b + 4;
		len[n++] = l;
		off += 4 + l;
	}
	if ((rc = chain_verify_add(d, txn, der, len, n, 0, &c)) != 0)
		return fatal_store(rc) ? rc : CN_ENOTFOUND;
	if (strcmp(c->id, id) != 0)
		return CN_ENOTFOUND;
	*out = c;
	return 0;
}
