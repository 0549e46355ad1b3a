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
#include <sodium.h>
#include <zmq.h>

#define PEM_MAX (1u << 20)

/* ------------------------------------------------------ own credentials */

struct pki_self {
	EVP_PKEY *key;
	/* The same key for libsodium (seed || public key): Ed25519 signs and
	 * verifies 2-3x faster there than through OpenSSL 3's EVP layer, and
	 * its signatures are the same bytes (RFC 8032 is deterministic). */
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
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

/* 0 once libsodium is initialised (any number of calls). */
static int sodium_ready(void)
{
	static int ready;

	if (!ready && sodium_init() >= 0)
		ready = 1;
	return ready ? 0 : CN_ECRYPTO;
}

/* s->sk from the loaded key; its public half must be the certificate's. */
static int sodium_key(struct pki_self *s, char *why, size_t whylen)
{
	uint8_t seed[crypto_sign_SEEDBYTES], pub[crypto_sign_PUBLICKEYBYTES];
	size_t len = sizeof(seed);
	int rc = CN_ECRYPTO;

	if (sodium_ready() != 0 || EVP_PKEY_get_raw_private_key(s->key, seed, &len) != 1 ||
	    len != sizeof(seed) || crypto_sign_seed_keypair(pub, s->sk, seed) != 0)
		pki_why(why, whylen, "cannot use the signing key (libsodium)");
	else if (memcmp(pub, s->ident.sign_pub, sizeof(pub)) != 0)
		pki_why(why, whylen, "the signing key is not the certificate's"), rc = CN_EKEYMISMATCH;
	else
		rc = 0;
	OPENSSL_cleanse(seed, sizeof(seed));
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
	if ((rc = sodium_key(s, why, whylen)) != 0)
		goto out;
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
	OPENSSL_cleanse(s->sk, sizeof(s->sk));
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
	if (crypto_sign_detached(sig, NULL, msg, len, self->sk) != 0) {
		log_warnx("pki: sign failed");
		return CN_ECRYPTO;
	}
	return 0;
}

/* libsodium's check is the stricter one (it also refuses small-order and
 * non-canonical keys and points): it accepts everything an honest signer
 * makes, and every hop runs the same check. */
int pki_verify_sig(const uint8_t pub[PKI_PUB_LEN], const uint8_t *msg, size_t len,
                   const uint8_t sig[PKI_SIG_LEN])
{
	if (sodium_ready() != 0)
		return CN_ECRYPTO;
	return crypto_sign_verify_detached(sig, msg, len, pub) == 0 ? 0 : CN_EVERIFY;
}
