/*
 * pki_self: this node's own credentials (key, certificate chain, CURVE key)
 * and Ed25519 signatures.
 */
#include "pki.h"
#include "pki_int.h"
#include "err.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <zmq.h>

#define PEM_MAX (1u << 20)

/* ------------------------------------------------------ own credentials */

struct pki_self {
	EVP_PKEY *key;
	struct pki_identity ident;
	uint8_t **der; /* leaf, then the chain file's certificates */
	size_t *lens;
	size_t n;
	char curve_pub[41], curve_sec[41];
};

/* Leaf certificate + chain file into self->der (leaf first). */
static int self_chain(struct pki_self *s, const char *cert_path, const char *chain_path,
                      X509 **leaf, char *why, size_t whylen)
{
	uint8_t *buf = NULL, **cder = NULL;
	size_t len = 0, *clens = NULL, cn = 0;
	unsigned char *p = NULL;
	int rc, dlen;

	if ((rc = util_read_file(cert_path, PEM_MAX, &buf, &len)) != 0 ||
	    !(*leaf = pki_x509_from_pem((char *)buf, len))) {
		pki_why(why, whylen, "cannot read certificate %s: %s", cert_path,
		        rc ? cn_strerror(rc) : "no PEM certificate");
		rc = rc ? rc : CN_EINVAL;
		goto out;
	}
	free(buf);
	buf = NULL;
	if (chain_path && (rc = util_read_file(chain_path, PEM_MAX, &buf, &len)) == 0)
		rc = pki_pem_to_der((char *)buf, len, &cder, &clens, &cn);
	if (rc != 0 || cn + 1 > PKI_CHAIN_MAX) {
		pki_why(why, whylen, "cannot read chain %s: %s", chain_path, cn_strerror(rc));
		rc = rc ? rc : CN_ETOOBIG;
		goto out;
	}
	rc = CN_ENOMEM;
	if ((dlen = i2d_X509(*leaf, &p)) <= 0 || !(s->der = calloc(cn + 1, sizeof(*s->der))) ||
	    !(s->lens = calloc(cn + 1, sizeof(*s->lens))))
		goto out;
	s->der[0] = p;
	s->lens[0] = (size_t)dlen;
	p = NULL;
	for (size_t i = 0; i < cn; i++) {
		s->der[i + 1] = cder[i];
		s->lens[i + 1] = clens[i];
		cder[i] = NULL;
	}
	s->n = cn + 1;
	rc = 0;
out:
	OPENSSL_free(p);
	pki_der_list_free(&cder, &clens, cn);
	free(buf);
	return rc;
}

int pki_self_load(const char *key_path, const char *cert_path, const char *chain_path,
                  const char *curve_path, struct pki_self **out, char *why, size_t whylen)
{
	struct pki_self *s;
	X509 *leaf = NULL;
	uint8_t curve[PKI_CURVE_LEN];
	int rc, is_ca = 0;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return CN_ENOMEM;
	if (!(s->key = pki_key_load(key_path, NULL, &rc, why, whylen)))
		goto out;
	if ((rc = self_chain(s, cert_path, chain_path, &leaf, why, whylen)) != 0)
		goto out;
	if ((rc = pki_x509_identity(leaf, &s->ident, &is_ca, why, whylen)) != 0 || is_ca) {
		if (rc == 0)
			pki_why(why, whylen, "%s is a CA certificate, not a node's", cert_path);
		rc = CN_EINVAL;
		goto out;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(leaf), s->key) != 1) {
		pki_why(why, whylen, "key %s does not belong to certificate %s", key_path,
		        cert_path);
		rc = CN_EKEYMISMATCH;
		goto out;
	}
	if ((rc = pki_curve_read(curve_path, s->curve_pub, s->curve_sec)) != 0) {
		pki_why(why, whylen, "cannot use CURVE key file %s: %s", curve_path,
		        cn_strerror(rc));
		goto out;
	}
	if (!zmq_z85_decode(curve, s->curve_pub) ||
	    memcmp(curve, s->ident.curve_pub, PKI_CURVE_LEN) != 0) {
		pki_why(why, whylen, "CURVE key %s is not the one in certificate %s", curve_path,
		        cert_path);
		rc = CN_EKEYMISMATCH;
		goto out;
	}
	*out = s;
	s = NULL;
out:
	ERR_clear_error();
	X509_free(leaf);
	pki_self_free(&s);
	return rc;
}

void pki_self_free(struct pki_self **self)
{
	struct pki_self *s = *self;

	if (!s)
		return;
	EVP_PKEY_free(s->key);
	pki_der_list_free(&s->der, &s->lens, s->n);
	OPENSSL_cleanse(s->curve_sec, sizeof(s->curve_sec));
	free(s);
	*self = NULL;
}

const struct pki_identity *pki_self_identity(const struct pki_self *self)
{
	return &self->ident;
}

size_t pki_self_chain(const struct pki_self *self, const uint8_t *const **der, const size_t **len)
{
	*der = (const uint8_t *const *)self->der;
	*len = self->lens;
	return self->n;
}

void pki_self_curve(const struct pki_self *self, char pub_z85[41], char sec_z85[41])
{
	memcpy(pub_z85, self->curve_pub, 41);
	memcpy(sec_z85, self->curve_sec, 41);
}

int pki_sign(const struct pki_self *self, const uint8_t *msg, size_t len, uint8_t sig[PKI_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t slen = PKI_SIG_LEN;
	int rc = CN_ECRYPTO;

	if (ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, self->key) == 1 &&
	    EVP_DigestSign(ctx, sig, &slen, msg, len) == 1 && slen == PKI_SIG_LEN)
		rc = 0;
	else
		log_ssl("pki: sign");
	EVP_MD_CTX_free(ctx);
	return rc;
}

int pki_verify_sig(const uint8_t pub[PKI_PUB_LEN], const uint8_t *msg, size_t len,
                   const uint8_t sig[PKI_SIG_LEN])
{
	EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, PKI_PUB_LEN);
	EVP_MD_CTX *ctx = key ? EVP_MD_CTX_new() : NULL;
	int rc = CN_EVERIFY;

	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, sig, PKI_SIG_LEN, msg, len) == 1)
		rc = 0;
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return rc;
}
