#include "item.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"

static const char sig_domain[] = "carenet-batch-v1";

static int sha256(const uint8_t *d, size_t n, uint8_t out[32])
{
	unsigned int len = 32;
	return EVP_Digest(d, n, out, &len, EVP_sha256(), NULL) == 1 ? 0 : CN_ECRYPTO;
}

/* The signed message: domain, origin, hashes. Caller frees. */
static uint8_t *sig_message(const char *origin, const ProtobufCBinaryData *hashes, size_t n,
                            size_t *len)
{
	size_t ol = strlen(origin), off = 0;
	uint8_t *m;

	*len = sizeof(sig_domain) + ol + 1 + 32 * n;
	if (!(m = malloc(*len)))
		return NULL;
	memcpy(m, sig_domain, sizeof(sig_domain));
	off = sizeof(sig_domain);
	memcpy(m + off, origin, ol + 1);
	off += ol + 1;
	for (size_t i = 0; i < n; i++, off += 32)
		memcpy(m + off, hashes[i].data, 32);
	return m;
}

static int pack(const Carenet__SignedBatch *sb, uint8_t **out, size_t *outlen)
{
	size_t n = carenet__signed_batch__get_packed_size(sb);
	if (!(*out = malloc(n ? n : 1)))
		return CN_ENOMEM;
	carenet__signed_batch__pack(sb, *out);
	*outlen = n;
	return 0;
}

int item_batch_sign(const struct pki_self *self, const uint8_t *const *items, const size_t *lens,
                    size_t n, uint8_t **out, size_t *outlen)
{
	Carenet__SignedBatch sb = CARENET__SIGNED_BATCH__INIT;
	ProtobufCBinaryData *hashes = NULL, *its = NULL;
	uint8_t *hbuf = NULL, *msg = NULL, sig[PKI_SIG_LEN];
	size_t mlen;
	int rc = CN_ENOMEM;

	if (n == 0 || n > ITEM_MAX_PER_BATCH)
		return CN_EINVAL;
	hashes = calloc(n, sizeof(*hashes));
	its = calloc(n, sizeof(*its));
	hbuf = malloc(32 * n);
	if (!hashes || !its || !hbuf)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rc = sha256(items[i], lens[i], hbuf + 32 * i)) != 0)
			goto out;
		hashes[i].data = hbuf + 32 * i;
		hashes[i].len = 32;
		its[i].data = (uint8_t *)items[i];
		its[i].len = lens[i];
	}
	sb.origin = (char *)pki_self_identity(self)->id;
	rc = CN_ENOMEM;
	if (!(msg = sig_message(sb.origin, hashes, n, &mlen)))
		goto out;
	if ((rc = pki_sign(self, msg, mlen, sig)) != 0)
		goto out;
	sb.hashes = hashes;
	sb.n_hashes = n;
	sb.items = its;
	sb.n_items = n;
	sb.sig.data = sig;
	sb.sig.len = PKI_SIG_LEN;
	rc = pack(&sb, out, outlen);
out:
	free(msg);
	free(hbuf);
	free(hashes);
	free(its);
	return rc;
}

int item_batch_decode(const uint8_t *buf, size_t len, Carenet__SignedBatch **out)
{
	Carenet__SignedBatch *sb = carenet__signed_batch__unpack(NULL, len, buf);

	*out = NULL;
	if (!sb)
		return CN_EPROTO;
	if (sb->n_hashes == 0 || sb->n_hashes > ITEM_MAX_PER_BATCH || sb->n_items > sb->n_hashes ||
	    sb->sig.len != PKI_SIG_LEN || !sb->origin[0] || strlen(sb->origin) >= PKI_ID_MAX)
		goto bad;
	for (size_t i = 0; i < sb->n_hashes; i++)
		if (sb->hashes[i].len != 32)
			goto bad;
	*out = sb;
	return 0;
bad:
	carenet__signed_batch__free_unpacked(sb, NULL);
	return CN_EPROTO;
}

int item_batch_verify(const Carenet__SignedBatch *sb, const uint8_t pub[PKI_PUB_LEN])
{
	uint8_t *msg, h[32];
	size_t mlen, j = 0;
	int rc;

	if (!(msg = sig_message(sb->origin, sb->hashes, sb->n_hashes, &mlen)))
		return CN_ENOMEM;
	rc = pki_verify_sig(pub, msg, mlen, sb->sig.data);
	free(msg);
	if (rc != 0)
		return CN_EVERIFY;
	for (size_t i = 0; i < sb->n_items; i++) {
		if (sha256(sb->items[i].data, sb->items[i].len, h) != 0)
			return CN_ECRYPTO;
		while (j < sb->n_hashes && memcmp(sb->hashes[j].data, h, 32) != 0)
			j++;
		if (j == sb->n_hashes)
			return CN_EVERIFY; /* an item the origin did not sign */
		j++;
	}
	return 0;
}

int item_batch_subset(const Carenet__SignedBatch *sb, const size_t *keep, size_t nkeep,
                      uint8_t **out, size_t *outlen)
{
	Carenet__SignedBatch sub = *sb;
	ProtobufCBinaryData *its = calloc(nkeep ? nkeep : 1, sizeof(*its));
	int rc;

	if (!its)
		return CN_ENOMEM;
	for (size_t i = 0; i < nkeep; i++)
		its[i] = sb->items[keep[i]];
	sub.items = its;
	sub.n_items = nkeep;
	rc = pack(&sub, out, outlen);
	free(its);
	return rc;
}

int item_decode(const uint8_t *buf, size_t len, Carenet__Item **out)
{
	Carenet__Item *it = carenet__item__unpack(NULL, len, buf);
	int rc;

	*out = NULL;
	if (!it)
		return CN_EPROTO;
	if (it->body_case == CARENET__ITEM__BODY__NOT_SET || it->lane > 2 || !it->origin[0] ||
	    strlen(it->origin) >= PKI_ID_MAX || it->origin_seq == 0) {
		carenet__item__free_unpacked(it, NULL);
		return CN_EPROTO;
	}
	if ((rc = item_targets_inflate(it)) != 0) {
		carenet__item__free_unpacked(it, NULL);
		return rc;
	}
	*out = it;
	return 0;
}
