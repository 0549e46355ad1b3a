/*
 * pki_issue: the CA side of the profile: keys, requests, certificates, CRLs.
 * Used by the CLI tools (ca.c); the running node needs none of it.
 */
#include "pki_issue.h"
#include "pki_int.h"
#include "err.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <zmq.h>

#define CA_PATHLEN_ROOT 1

/* ------------------------------------------------------------ keys */

int pki_key_generate(const char *path, const char *pass, char *why, size_t whylen)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO *bio = BIO_new(BIO_s_secmem()); /* the PEM of a private key: secure heap, wiped */
	char *pem = NULL;
	int rc = CN_ECRYPTO;

	if ((rc = pki_check_key_dir(path, why, whylen)) != 0)
		goto out;
	rc = CN_ECRYPTO;
	if (!key || !bio ||
	    !(pass ? PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), pass,
	                                           (int)strlen(pass), NULL, NULL)
	           : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) ||
	    !(pem = pki_bio_string(bio))) {
		log_ssl("pki: key generation");
		pki_why(why, whylen, "cannot generate an Ed25519 key");
		goto out;
	}
	rc = util_write_file(path, pem, strlen(pem), 0600, 1);
	if (rc == CN_EEXIST)
		pki_why(why, whylen, "%s already exists: refusing to overwrite a key", path);
	else if (rc != 0)
		pki_why(why, whylen, "cannot write %s: %s", path, cn_strerror(rc));
out:
	if (pem) {
		OPENSSL_cleanse(pem, strlen(pem));
		free(pem);
	}
	BIO_free(bio);
	EVP_PKEY_free(key);
	return rc;
}

int pki_key_matches_cert(const char *key_path, const char *pass, const char *cert_pem, size_t len,
                         char *why, size_t whylen)
{
	EVP_PKEY *key;
	X509 *x = NULL;
	int rc;

	if (!(key = pki_key_load(key_path, pass, &rc, why, whylen)))
		return rc;
	if (!(x = pki_x509_from_pem(cert_pem, len))) {
		pki_why(why, whylen, "no PEM certificate found");
		rc = CN_EINVAL;
	} else if (EVP_PKEY_eq(X509_get0_pubkey(x), key) != 1) {
		pki_why(why, whylen, "the certificate is not for the key %s", key_path);
		rc = CN_EKEYMISMATCH;
	}
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* -------------------------------------------------------- requests */

static int name_add(X509_NAME *n, const char *field, const char *val)
{
	return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)val, -1,
	                                  -1, 0) == 1;
}

static int exts_push(STACK_OF(X509_EXTENSION) * exts, X509_EXTENSION *e)
{
	if (e && sk_X509_EXTENSION_push(exts, e))
		return 1;
	X509_EXTENSION_free(e);
	return 0;
}

/* Checks the parameters and fills cn; curve key read from the file. */
static int req_check(const struct pki_req_params *p, char *cn, size_t cnlen, uint8_t *curve,
                     char *why, size_t whylen)
{
	char pub[41], sec[41], scope[PKI_ID_MAX];
	int rc = 0;

	if (p->is_ca) {
		if (!p->scope || strlen(p->scope) != 6 || !pki_scope_valid(p->scope)) {
			pki_why(why, whylen, "a county CA's scope is its 6-digit county code");
			return CN_EINVAL;
		}
		snprintf(cn, cnlen, "CA %s", p->scope);
		return 0;
	}
	switch (pki_role_from_id(p->id)) {
	case PKI_ROLE_NONE:
		pki_why(why, whylen,
		        "invalid id \"%s\": a node id has 2, 4, 6, 9 or 12 digits; an "
		        "inspector's is I<scope>-<tag>",
		        p->id ? p->id : "");
		return CN_EINVAL;
	case PKI_ROLE_INSPECTOR:
		pki_inspector_scope(p->id, scope, sizeof(scope));
		if (p->scope && strcmp(p->scope, scope) != 0) {
			pki_why(why, whylen, "inspector id %s does not match scope %s", p->id,
			        p->scope);
			return CN_EINVAL;
		}
		break;
	default:
		break;
	}
	if (!p->curve_path || (rc = pki_curve_read(p->curve_path, pub, sec)) != 0) {
		pki_why(why, whylen, "cannot read the CURVE key file %s",
		        p->curve_path ? p->curve_path : "(none)");
		return p->curve_path ? rc : CN_EINVAL;
	}
	OPENSSL_cleanse(sec, sizeof(sec));
	if (!zmq_z85_decode(curve, pub))
		return CN_EINVAL;
	snprintf(cn, cnlen, "%s", p->id);
	return 0;
}

static STACK_OF(X509_EXTENSION) * req_exts(const struct pki_req_params *p, const uint8_t *curve)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	char scope[PKI_ID_MAX];
	int ok = exts != NULL;

	if (ok && p->is_ca)
		ok = exts_push(exts, pki_ext_new_str(CARENET_OID_SCOPE, p->scope));
	if (ok && !p->is_ca) {
		enum pki_role role = pki_role_from_id(p->id);
		ok = exts_push(exts, pki_ext_new_curve(curve)) &&
		     exts_push(exts, pki_ext_new_str(CARENET_OID_ROLE, pki_role_name(role)));
		if (ok && role == PKI_ROLE_INSPECTOR &&
		    pki_inspector_scope(p->id, scope, sizeof(scope)) == 0)
			ok = exts_push(exts, pki_ext_new_str(CARENET_OID_SCOPE, scope));
	}
	if (ok && p->name && p->name[0])
		ok = exts_push(exts, pki_ext_new_str(CARENET_OID_NAME, p->name));
	if (!ok) {
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		return NULL;
	}
	return exts;
}

int pki_req_create(const char *key_path, const struct pki_req_params *p, char **pem, char *why,
                   size_t whylen)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *req = NULL;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;
	uint8_t curve[PKI_CURVE_LEN];
	char cn[PKI_NAME_MAX];
	int rc;

	*pem = NULL;
	if (p->name && strlen(p->name) >= PKI_NAME_MAX) {
		pki_why(why, whylen, "name longer than %d bytes", PKI_NAME_MAX - 1);
		return CN_EINVAL;
	}
	if ((rc = req_check(p, cn, sizeof(cn), curve, why, whylen)) != 0)
		return rc;
	if (!(key = pki_key_load(key_path, p->pass, &rc, why, whylen)))
		return rc;
	rc = CN_ECRYPTO;
	if (!(req = X509_REQ_new()) || !X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !name_add(X509_REQ_get_subject_name(req), "O", "carenet") ||
	    !name_add(X509_REQ_get_subject_name(req), "CN", cn) || !X509_REQ_set_pubkey(req, key) ||
	    !(exts = req_exts(p, curve)) || !X509_REQ_add_extensions(req, exts) ||
	    !X509_REQ_sign(req, key, NULL) || !(bio = BIO_new(BIO_s_mem())) ||
	    !PEM_write_bio_X509_REQ(bio, req) || !(*pem = pki_bio_string(bio))) {
		log_ssl("pki: request");
		pki_why(why, whylen, "cannot create the certificate request");
		goto out;
	}
	rc = 0;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	BIO_free(bio);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	return rc;
}

struct pki_req {
	X509_REQ *req;
	struct pki_identity ident;
	int is_ca;
};

/* Fields of a verified request, checked against the profile. */
static int req_fields(struct pki_req *r, const char *cn, STACK_OF(X509_EXTENSION) * exts, char *why,
                      size_t whylen)
{
	struct pki_identity *id = &r->ident;
	char role[32], want[PKI_ID_MAX], cawant[PKI_ID_MAX + 4];
	int present = 0, has_role = 0, has_curve = 0, has_scope = 0;

	if (pki_ext_get_str(exts, CARENET_OID_ROLE, role, sizeof(role), &has_role) != 0 ||
	    pki_ext_get_str(exts, CARENET_OID_SCOPE, id->scope, sizeof(id->scope), &has_scope) ||
	    pki_ext_get_str(exts, CARENET_OID_NAME, id->name, sizeof(id->name), &present) ||
	    pki_ext_get_curve(exts, id->curve_pub, &has_curve) != 0) {
		pki_why(why, whylen, "%s: malformed extension (the CURVE key must be 32 bytes)",
		        cn);
		return CN_EINVAL;
	}
	if (strncmp(cn, "CA ", 3) == 0) {
		snprintf(cawant, sizeof(cawant), "CA %s", id->scope);
		if (has_role || !has_scope || strlen(id->scope) != 6 ||
		    !pki_scope_valid(id->scope) || strcmp(cn, cawant) != 0) {
			pki_why(why, whylen,
			        "CA request \"%s\": expected CN \"CA <6-digit code>\" "
			        "and a matching scope extension",
			        cn);
			return CN_EINVAL;
		}
		r->is_ca = 1;
		snprintf(id->id, sizeof(id->id), "%s", id->scope);
		return 0;
	}
	if ((id->role = pki_role_from_id(cn)) == PKI_ROLE_NONE || strlen(cn) >= sizeof(id->id)) {
		pki_why(why, whylen, "invalid id \"%s\" in the request", cn);
		return CN_EINVAL;
	}
	snprintf(id->id, sizeof(id->id), "%s", cn);
	if (!has_role || pki_role_parse(role) != id->role) {
		pki_why(why, whylen,
		        "%s: requested role \"%s\" does not match the id (a %zu-digit "
		        "id is a %s)",
		        cn, has_role ? role : "", strlen(cn), pki_role_name(id->role));
		return CN_EINVAL;
	}
	if (!has_curve) {
		pki_why(why, whylen, "%s: the request has no CURVE key extension", cn);
		return CN_EINVAL;
	}
	if (id->role == PKI_ROLE_INSPECTOR)
		pki_inspector_scope(cn, want, sizeof(want));
	else
		snprintf(want, sizeof(want), "%s", cn);
	if ((has_scope || id->role == PKI_ROLE_INSPECTOR) && strcmp(id->scope, want) != 0) {
		pki_why(why, whylen, "%s: scope extension \"%s\" should be \"%s\"", cn, id->scope,
		        want);
		return CN_EINVAL;
	}
	snprintf(id->scope, sizeof(id->scope), "%s", want);
	return 0;
}

int pki_req_parse(const char *pem, size_t len, struct pki_req **out, char *why, size_t whylen)
{
	struct pki_req *r = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *pk;
	size_t klen = PKI_PUB_LEN;
	char cn[PKI_NAME_MAX];
	int rc = CN_EINVAL;

	*out = NULL;
	if (!bio || !(r = calloc(1, sizeof(*r)))) {
		rc = CN_ENOMEM;
		goto out;
	}
	if (!(r->req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL))) {
		pki_why(why, whylen, "no PEM certificate request found");
		goto out;
	}
	pk = X509_REQ_get0_pubkey(r->req);
	if (!pk || !EVP_PKEY_is_a(pk, "ED25519") ||
	    EVP_PKEY_get_raw_public_key(pk, r->ident.sign_pub, &klen) != 1) {
		pki_why(why, whylen, "the request's key is not Ed25519");
		goto out;
	}
	if (X509_REQ_verify(r->req, pk) != 1) {
		pki_why(why, whylen,
		        "the request's signature does not verify (altered or "
		        "corrupt request)");
		rc = CN_EVERIFY;
		goto out;
	}
	if (pki_name_get(X509_REQ_get_subject_name(r->req), NID_commonName, cn, sizeof(cn))) {
		pki_why(why, whylen, "the request has no single CN");
		goto out;
	}
	exts = X509_REQ_get_extensions(r->req);
	if ((rc = req_fields(r, cn, exts, why, whylen)) != 0)
		goto out;
	*out = r;
	r = NULL;
out:
	ERR_clear_error();
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	BIO_free(bio);
	pki_req_free(&r);
	return rc;
}

void pki_req_free(struct pki_req **req)
{
	if (!*req)
		return;
	X509_REQ_free((*req)->req);
	free(*req);
	*req = NULL;
}

const struct pki_identity *pki_req_identity(const struct pki_req *req, int *is_ca)
{
	if (is_ca)
		*is_ca = req->is_ca;
	return &req->ident;
}

/* ------------------------------------------------------------- CAs */

struct pki_ca {
	EVP_PKEY *key;
	X509 *cert;
	struct pki_identity ident;
	int is_root;
};

int pki_ca_load(const char *key_path, const char *pass, const char *cert_path, struct pki_ca **out,
                char *why, size_t whylen)
{
	struct pki_ca *ca;
	uint8_t *buf = NULL;
	size_t len;
	int rc, is_ca = 0;

	*out = NULL;
	if (!(ca = calloc(1, sizeof(*ca))))
		return CN_ENOMEM;
	if (!(ca->key = pki_key_load(key_path, pass, &rc, why, whylen)))
		goto out;
	if ((rc = util_read_file(cert_path, 1u << 20, &buf, &len)) != 0 ||
	    !(ca->cert = pki_x509_from_pem((char *)buf, len))) {
		pki_why(why, whylen, "cannot read CA certificate %s: %s", cert_path,
		        rc ? cn_strerror(rc) : "no PEM certificate");
		rc = rc ? rc : CN_EINVAL;
		goto out;
	}
	if ((rc = pki_x509_identity(ca->cert, &ca->ident, &is_ca, why, whylen)) != 0 || !is_ca) {
		if (rc == 0)
			pki_why(why, whylen, "%s is not a CA certificate", cert_path);
		rc = CN_EINVAL;
		goto out;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(ca->cert), ca->key) != 1) {
		pki_why(why, whylen, "key %s does not belong to %s", key_path, cert_path);
		rc = CN_EKEYMISMATCH;
		goto out;
	}
	ca->is_root = (X509_get_extension_flags(ca->cert) & EXFLAG_SS) != 0;
	*out = ca;
	ca = NULL;
out:
	ERR_clear_error();
	free(buf);
	pki_ca_free(&ca);
	return rc;
}

void pki_ca_free(struct pki_ca **ca)
{
	if (!*ca)
		return;
	EVP_PKEY_free((*ca)->key);
	X509_free((*ca)->cert);
	free(*ca);
	*ca = NULL;
}

const char *pki_ca_scope(const struct pki_ca *ca)
{
	return ca->ident.scope;
}

const char *pki_ca_name(const struct pki_ca *ca)
{
	return ca->ident.name;
}

int pki_ca_is_root(const struct pki_ca *ca)
{
	return ca->is_root;
}

time_t pki_ca_not_after(const struct pki_ca *ca)
{
	return ca->ident.not_after;
}

/* ---------------------------------------------------- certificates */

static int set_serial(X509 *x, char *serial_hex)
{
	unsigned char r[16];
	BIGNUM *bn = NULL;
	int ok = 0;

	do {
		if (RAND_bytes(r, sizeof(r)) != 1)
			return 0;
		r[0] &= 0x7f; /* positive, at most 16 octets */
	} while (r[0] == 0 && r[1] == 0);
	if ((bn = BN_bin2bn(r, sizeof(r), NULL)) &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		ok = 1;
	BN_free(bn);
	if (ok && serial_hex)
		pki_serial_hex(X509_get0_serialNumber(x), serial_hex);
	return ok;
}

static int add_conf_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if (!(e = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)))
		return 0;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

static int add_own_ext(X509 *x, X509_EXTENSION *e)
{
	int ok = e && X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

/* Name constraint: permitted dirName O=carenet, OU=<scope>. */
static int add_name_constraint(X509 *x, const char *scope)
{
	NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new();
	GENERAL_SUBTREE *st = GENERAL_SUBTREE_new();
	X509_NAME *dn = X509_NAME_new();
	int ok = 0;

	if (!nc || !st || !dn || !name_add(dn, "O", "carenet") || !name_add(dn, "OU", scope) ||
	    !(nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null()))
		goto out;
	GENERAL_NAME_set0_value(st->base, GEN_DIRNAME, dn);
	dn = NULL;
	if (!sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, st))
		goto out;
	st = NULL;
	ok = X509_add1_ext_i2d(x, NID_name_constraints, nc, 1, X509V3_ADD_DEFAULT) == 1;
out:
	X509_NAME_free(dn);
	GENERAL_SUBTREE_free(st);
	NAME_CONSTRAINTS_free(nc);
	return ok;
}

/* The certificate's frame: version, serial, names, times, key. */
static X509 *cert_frame(const char *ou, const char *cn, X509 *issuer, EVP_PKEY *pub, time_t nb,
                        time_t na, char *serial_hex)
{
	X509 *x = X509_new();
	X509_NAME *subj = X509_NAME_new();
	int ok;

	ok = x && subj && X509_set_version(x, X509_VERSION_3) && set_serial(x, serial_hex) &&
	     name_add(subj, "O", "carenet") && name_add(subj, "OU", ou) &&
	     name_add(subj, "CN", cn) && X509_set_subject_name(x, subj) &&
	     X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subj) &&
	     ASN1_TIME_set(X509_getm_notBefore(x), nb) &&
	     ASN1_TIME_set(X509_getm_notAfter(x), na) && X509_set_pubkey(x, pub);
	X509_NAME_free(subj);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static char *cert_finish(X509 *x, EVP_PKEY *key)
{
	if (X509_sign(x, key, NULL) <= 0)
		return NULL;
	return pki_x509_to_pem(x);
}

int pki_root_create(const char *key_path, const char *pass, const char *scope, const char *name,
                    time_t not_before,
                    time_t not_after, char **pem, char *why, size_t whylen)
{
	EVP_PKEY *key;
	X509 *x = NULL;
	char cn[PKI_ID_MAX + 4], bc[32];
	int rc;

	*pem = NULL;
	if (!pki_scope_valid(scope) || strlen(scope) >= 6 || not_after <= not_before) {
		pki_why(why, whylen,
		        "a root CA's scope has 2 to 5 digits (province 53, "
		        "prefecture 5301), and its validity must not be empty");
		return CN_EINVAL;
	}
	if (!(key = pki_key_load(key_path, pass, &rc, why, whylen)))
		return rc;
	snprintf(cn, sizeof(cn), "CA %s", scope);
	snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", CA_PATHLEN_ROOT);
	rc = CN_ECRYPTO;
	if (!(x = cert_frame(scope, cn, NULL, key, not_before, not_after, NULL)) ||
	    !add_conf_ext(x, x, NID_basic_constraints, bc) ||
	    !add_conf_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_conf_ext(x, x, NID_subject_key_identifier, "hash") ||
	    !add_conf_ext(x, x, NID_authority_key_identifier, "keyid:always") ||
	    !add_own_ext(x, pki_ext_new_str(CARENET_OID_SCOPE, scope)) ||
	    (name && name[0] && !add_own_ext(x, pki_ext_new_str(CARENET_OID_NAME, name))) ||
	    !(*pem = cert_finish(x, key))) {
		log_ssl("pki: root certificate");
		pki_why(why, whylen, "cannot create the root certificate");
		goto out;
	}
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

int pki_ca_may_issue(const struct pki_ca *ca, const struct pki_req *r, char *why, size_t whylen)
{
	const struct pki_identity *id = &r->ident;
	const char *scope = ca->ident.scope;

	if (r->is_ca && !ca->is_root) {
		pki_why(why, whylen, "only the root CA signs CA requests; %s is a county CA",
		        scope);
		return CN_EROLE;
	}
	if (!r->is_ca && id->role != PKI_ROLE_INSPECTOR && !pki_role_above_county(id->role) &&
	    ca->is_root) {
		pki_why(why, whylen,
		        "the root CA issues county CAs, province and prefecture nodes and "
		        "inspectors only: %s %s must be issued by its county CA",
		        pki_role_name(id->role), id->id);
		return CN_EROLE;
	}
	if (pki_role_above_county(id->role) && !ca->is_root) {
		pki_why(why, whylen, "%s %s is issued by the root CA, not a county CA",
		        pki_role_name(id->role), id->id);
		return CN_EROLE;
	}
	if (!pki_scope_covers(scope, id->scope) || (r->is_ca && strcmp(scope, id->scope) == 0)) {
		pki_why(why, whylen, "%s %s is outside this CA's scope %s",
		        r->is_ca                         ? "county CA"
		        : id->role == PKI_ROLE_INSPECTOR ? "inspector scope of"
		                                         : "id",
		        r->is_ca || id->role == PKI_ROLE_INSPECTOR ? id->scope : id->id, scope);
		return CN_ESCOPE;
	}
	return 0;
}

static int issue_exts(X509 *x, const struct pki_ca *ca, const struct pki_req *r)
{
	const struct pki_identity *id = &r->ident;
	int ok;

	if (r->is_ca)
		ok = add_conf_ext(x, ca->cert, NID_basic_constraints,
		                  "critical,CA:TRUE,pathlen:0") &&
		     add_conf_ext(x, ca->cert, NID_key_usage, "critical,keyCertSign,cRLSign") &&
		     add_name_constraint(x, id->scope);
	else
		ok = add_conf_ext(x, ca->cert, NID_basic_constraints, "critical,CA:FALSE") &&
		     add_conf_ext(x, ca->cert, NID_key_usage, "critical,digitalSignature") &&
		     add_own_ext(x, pki_ext_new_curve(id->curve_pub)) &&
		     add_own_ext(x, pki_ext_new_str(CARENET_OID_ROLE, pki_role_name(id->role)));
	ok = ok && add_conf_ext(x, ca->cert, NID_subject_key_identifier, "hash") &&
	     add_conf_ext(x, ca->cert, NID_authority_key_identifier, "keyid:always");
	if (ok && (r->is_ca || id->role == PKI_ROLE_INSPECTOR))
		ok = add_own_ext(x, pki_ext_new_str(CARENET_OID_SCOPE, id->scope));
	if (ok && id->name[0])
		ok = add_own_ext(x, pki_ext_new_str(CARENET_OID_NAME, id->name));
	return ok;
}

int pki_ca_issue(struct pki_ca *ca, const struct pki_req *req, time_t not_before, time_t not_after,
                 char **pem, char *serial_hex, char *why, size_t whylen)
{
	const struct pki_identity *id = &req->ident;
	char cn[PKI_ID_MAX + 4];
	X509 *x = NULL;
	int rc;

	*pem = NULL;
	if ((rc = pki_ca_may_issue(ca, req, why, whylen)) != 0)
		return rc;
	if (not_after > ca->ident.not_after) {
		log_warnx("pki: validity of %s cut to the CA's own end of validity", id->id);
		not_after = ca->ident.not_after;
	}
	if (not_after <= not_before) {
		pki_why(why, whylen, "empty validity period (not after <= not before)");
		return CN_EINVAL;
	}
	if (req->is_ca)
		snprintf(cn, sizeof(cn), "CA %s", id->scope);
	else
		snprintf(cn, sizeof(cn), "%s", id->id);
	if (!(x = cert_frame(ca->ident.scope, cn, ca->cert, X509_REQ_get0_pubkey(req->req),
	                     not_before, not_after, serial_hex)) ||
	    !issue_exts(x, ca, req) || !(*pem = cert_finish(x, ca->key))) {
		log_ssl("pki: issue");
		pki_why(why, whylen, "cannot create the certificate");
		rc = CN_ECRYPTO;
	}
	X509_free(x);
	return rc;
}

/* ------------------------------------------------------------ CRLs */

static const char *reasons[] = {
    "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
    "superseded",    "cessationOfOperation", "certificateHold", NULL,
    "removeFromCRL", "privilegeWithdrawn",   "aACompromise",
};

int pki_crl_reason_parse(const char *name)
{
	for (unsigned i = 0; name && i < ARRAY_LEN(reasons); i++)
		if (reasons[i] && i != 8 && strcmp(name, reasons[i]) == 0)
			return (int)i;
	return -1;
}

const char *pki_crl_reason_name(int code)
{
	if (code < 0 || (unsigned)code >= ARRAY_LEN(reasons) || !reasons[code])
		return "unspecified";
	return reasons[code];
}

static int crl_add_entry(X509_CRL *crl, const struct pki_revoked *e)
{
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *when = ASN1_TIME_set(NULL, e->when);
	ASN1_ENUMERATED *reason = NULL;
	BIGNUM *bn = NULL;
	int ok;

	ok = r && when && BN_hex2bn(&bn, e->serial) > 0 &&
	     (serial = BN_to_ASN1_INTEGER(bn, NULL)) && X509_REVOKED_set_serialNumber(r, serial) &&
	     X509_REVOKED_set_revocationDate(r, when);
	if (ok && e->reason > 0) /* RFC 5280: omit reasonCode for unspecified */
		ok = (reason = ASN1_ENUMERATED_new()) && ASN1_ENUMERATED_set(reason, e->reason) &&
		     X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0) == 1;
	if (ok && X509_CRL_add0_revoked(crl, r))
		r = NULL;
	else
		ok = 0;
	ASN1_ENUMERATED_free(reason);
	BN_free(bn);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(when);
	X509_REVOKED_free(r);
	return ok;
}

int pki_ca_crl(struct pki_ca *ca, const struct pki_revoked *list, size_t n, uint64_t crl_number,
               time_t valid, char **pem, char *why, size_t whylen)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *last = ASN1_TIME_set(NULL, time(NULL));
	ASN1_TIME *next = ASN1_TIME_set(NULL, time(NULL) + valid);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509V3_CTX ctx;
	X509_EXTENSION *aki = NULL;
	BIO *bio = NULL;
	int ok;

	*pem = NULL;
	ok = crl && last && next && num && X509_CRL_set_version(crl, X509_CRL_VERSION_2) &&
	     X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) &&
	     X509_CRL_set1_lastUpdate(crl, last) && X509_CRL_set1_nextUpdate(crl, next) &&
	     ASN1_INTEGER_set_uint64(num, crl_number) &&
	     X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1;
	for (size_t i = 0; ok && i < n; i++)
		ok = crl_add_entry(crl, &list[i]);
	if (ok) {
		X509V3_set_ctx(&ctx, ca->cert, NULL, NULL, crl, 0);
		ok = (aki = X509V3_EXT_nconf_nid(NULL, &ctx, NID_authority_key_identifier,
		                                 "keyid:always")) &&
		     X509_CRL_add_ext(crl, aki, -1);
	}
	ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, ca->key, NULL) > 0 &&
	     (bio = BIO_new(BIO_s_mem())) && PEM_write_bio_X509_CRL(bio, crl) &&
	     (*pem = pki_bio_string(bio));
	if (!ok) {
		log_ssl("pki: CRL");
		pki_why(why, whylen, "cannot create the CRL (serial not hex?)");
	}
	X509_EXTENSION_free(aki);
	BIO_free(bio);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	return ok ? 0 : CN_ECRYPTO;
}
