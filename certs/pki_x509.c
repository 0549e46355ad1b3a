/*
 * pki_x509: the certificate profile's encoding and decoding (extensions,
 * subject names, identities), PEM helpers, key and CURVE key files.
 * Shared by pki.c (verification) and pki_issue.c (issuing).
 */
#include "pki.h"
#include "pki_int.h"
#include "err.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <zmq.h>

#define PEM_MAX (1u << 20)

/* ---------------------------------------------------- shared helpers */

void pki_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static int ext_find(const STACK_OF(X509_EXTENSION) * exts, const char *oid,
                    const ASN1_OCTET_STRING **val, int *present)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int i, rc = 0;

	*present = 0;
	if (!obj)
		return CN_ENOMEM;
	i = X509v3_get_ext_by_OBJ(exts, obj, -1);
	if (i >= 0) {
		if (X509v3_get_ext_by_OBJ(exts, obj, i) >= 0)
			rc = CN_EINVAL; /* duplicated */
		*val = X509_EXTENSION_get_data(X509v3_get_ext(exts, i));
		*present = *val != NULL;
	}
	ASN1_OBJECT_free(obj);
	return rc;
}

int pki_ext_get_str(const STACK_OF(X509_EXTENSION) * exts, const char *oid, char *out,
                    size_t outlen, int *present)
{
	const ASN1_OCTET_STRING *os = NULL;
	const unsigned char *p;
	ASN1_UTF8STRING *u = NULL;
	int rc = ext_find(exts, oid, &os, present);

	out[0] = 0;
	if (rc != 0 || !*present)
		return rc;
	p = ASN1_STRING_get0_data(os);
	u = d2i_ASN1_UTF8STRING(NULL, &p, ASN1_STRING_length(os));
	if (!u || p != ASN1_STRING_get0_data(os) + ASN1_STRING_length(os) ||
	    (size_t)ASN1_STRING_length(u) >= outlen ||
	    memchr(ASN1_STRING_get0_data(u), 0, (size_t)ASN1_STRING_length(u))) {
		rc = CN_EINVAL;
	} else {
		memcpy(out, ASN1_STRING_get0_data(u), (size_t)ASN1_STRING_length(u));
		out[ASN1_STRING_length(u)] = 0;
	}
	ASN1_UTF8STRING_free(u);
	ERR_clear_error();
	return rc;
}

int pki_ext_get_curve(const STACK_OF(X509_EXTENSION) * exts, uint8_t out[PKI_CURVE_LEN],
                      int *present)
{
	const ASN1_OCTET_STRING *os = NULL;
	const unsigned char *p;
	ASN1_OCTET_STRING *k = NULL;
	int rc = ext_find(exts, CARENET_OID_CURVE, &os, present);

	if (rc != 0 || !*present)
		return rc;
	p = ASN1_STRING_get0_data(os);
	k = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(os));
	if (!k || p != ASN1_STRING_get0_data(os) + ASN1_STRING_length(os) ||
	    ASN1_STRING_length(k) != PKI_CURVE_LEN)
		rc = CN_EINVAL;
	else
		memcpy(out, ASN1_STRING_get0_data(k), PKI_CURVE_LEN);
	ASN1_OCTET_STRING_free(k);
	ERR_clear_error();
	return rc;
}

static X509_EXTENSION *ext_new_der(const char *oid, const unsigned char *der, int dlen)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;

	if (obj && os && ASN1_OCTET_STRING_set(os, der, dlen))
		ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(os);
	return ext;
}

X509_EXTENSION *pki_ext_new_str(const char *oid, const char *val)
{
	ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();
	unsigned char *der = NULL;
	X509_EXTENSION *ext = NULL;
	int dlen;

	if (u && ASN1_STRING_set(u, val, (int)strlen(val)) &&
	    (dlen = i2d_ASN1_UTF8STRING(u, &der)) > 0)
		ext = ext_new_der(oid, der, dlen);
	OPENSSL_free(der);
	ASN1_UTF8STRING_free(u);
	return ext;
}

X509_EXTENSION *pki_ext_new_curve(const uint8_t key[PKI_CURVE_LEN])
{
	ASN1_OCTET_STRING *k = ASN1_OCTET_STRING_new();
	unsigned char *der = NULL;
	X509_EXTENSION *ext = NULL;
	int dlen;

	if (k && ASN1_OCTET_STRING_set(k, key, PKI_CURVE_LEN) &&
	    (dlen = i2d_ASN1_OCTET_STRING(k, &der)) > 0)
		ext = ext_new_der(CARENET_OID_CURVE, der, dlen);
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(k);
	return ext;
}

int pki_name_get(const X509_NAME *name, int nid, char *out, size_t outlen)
{
	unsigned char *utf = NULL;
	int i, n, rc = CN_EINVAL;

	out[0] = 0;
	i = X509_NAME_get_index_by_NID(name, nid, -1);
	if (i < 0 || X509_NAME_get_index_by_NID(name, nid, i) >= 0)
		return CN_EINVAL;
	n = ASN1_STRING_to_UTF8(&utf, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n >= 0 && (size_t)n < outlen && !memchr(utf, 0, (size_t)n)) {
		memcpy(out, utf, (size_t)n);
		out[n] = 0;
		rc = 0;
	}
	OPENSSL_free(utf);
	return rc;
}

void pki_serial_hex(const ASN1_INTEGER *serial, char out[64])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	const char *h = hex ? hex : "";

	while (h[0] == '0' && h[1])
		h++;
	snprintf(out, 64, "%s", h);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	OPENSSL_free(hex);
	BN_free(bn);
}

int pki_serial_normalize(const char *hex, char out[64])
{
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai;
	size_t n = hex ? strlen(hex) : 0;

	if (n == 0 || n > 40 || strspn(hex, "0123456789abcdefABCDEF") != n)
		return CN_EINVAL;
	if (BN_hex2bn(&bn, hex) != (int)n)
		return CN_EINVAL;
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	if (!ai)
		return CN_ENOMEM;
	pki_serial_hex(ai, out);
	ASN1_INTEGER_free(ai);
	return 0;
}

time_t pki_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

/* Checks the profile fields common to CA and leaf certificates. */
static int x509_common(X509 *x, struct pki_identity *out, char *cn, size_t cnlen, char *why,
                       size_t whylen)
{
	const X509_NAME *subj = X509_get_subject_name(x);
	EVP_PKEY *pk = X509_get0_pubkey(x);
	size_t klen = PKI_PUB_LEN;
	char org[16];

	if (pki_name_get(subj, NID_organizationName, org, sizeof(org)) != 0 ||
	    strcmp(org, "carenet") != 0 || pki_name_get(subj, NID_commonName, cn, cnlen) != 0 ||
	    pki_name_get(subj, NID_organizationalUnitName, out->issuer_scope,
	                 sizeof(out->issuer_scope)) != 0 ||
	    !pki_scope_valid(out->issuer_scope)) {
		pki_why(why, whylen, "subject is not O=carenet, OU=<scope>, CN=<id>");
		return CN_EINVAL;
	}
	if (!pk || !EVP_PKEY_is_a(pk, "ED25519") ||
	    EVP_PKEY_get_raw_public_key(pk, out->sign_pub, &klen) != 1 || klen != PKI_PUB_LEN) {
		ERR_clear_error();
		pki_why(why, whylen, "%s: key is not Ed25519", cn);
		return CN_EINVAL;
	}
	if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
		pki_why(why, whylen, "%s: malformed or duplicated extensions", cn);
		return CN_EINVAL;
	}
	pki_serial_hex(X509_get0_serialNumber(x), out->serial);
	out->not_before = pki_asn1_time(X509_get0_notBefore(x));
	out->not_after = pki_asn1_time(X509_get0_notAfter(x));
	return 0;
}

static int x509_ca_fields(X509 *x, struct pki_identity *out, const char *cn, char *why,
                          size_t whylen)
{
	const STACK_OF(X509_EXTENSION) *exts = X509_get0_extensions(x);
	char want[PKI_ID_MAX + 4];
	int present, rc;

	rc = pki_ext_get_str(exts, CARENET_OID_SCOPE, out->scope, sizeof(out->scope), &present);
	if (rc != 0 || !present || !pki_scope_valid(out->scope)) {
		pki_why(why, whylen, "CA %s: missing or invalid scope extension", cn);
		return CN_EINVAL;
	}
	snprintf(want, sizeof(want), "CA %s", out->scope);
	if (strcmp(cn, want) != 0) {
		pki_why(why, whylen, "CA certificate CN \"%s\" is not \"%s\"", cn, want);
		return CN_EINVAL;
	}
	snprintf(out->id, sizeof(out->id), "%s", out->scope);
	out->role = PKI_ROLE_NONE;
	return 0;
}

static int x509_leaf_fields(X509 *x, struct pki_identity *out, const char *cn, char *why,
                            size_t whylen)
{
	const STACK_OF(X509_EXTENSION) *exts = X509_get0_extensions(x);
	char role[32], scope[PKI_ID_MAX], want[PKI_ID_MAX];
	int present, rc;

	if (strlen(cn) >= sizeof(out->id) || pki_role_from_id(cn) == PKI_ROLE_NONE) {
		pki_why(why, whylen, "certificate id \"%s\" is not a node or inspector id", cn);
		return CN_EINVAL;
	}
	snprintf(out->id, sizeof(out->id), "%s", cn);
	rc = pki_ext_get_str(exts, CARENET_OID_ROLE, role, sizeof(role), &present);
	out->role = pki_role_from_id(cn);
	if (rc != 0 || !present || pki_role_parse(role) != out->role) {
		pki_why(why, whylen, "%s: role extension \"%s\" does not match the id (%s)", cn,
		        present ? role : "", pki_role_name(out->role));
		return CN_EINVAL;
	}
	rc = pki_ext_get_curve(exts, out->curve_pub, &present);
	if (rc != 0 || !present) {
		pki_why(why, whylen, "%s: missing or invalid CURVE key extension (32 bytes)", cn);
		return CN_EINVAL;
	}
	rc = pki_ext_get_str(exts, CARENET_OID_SCOPE, scope, sizeof(scope), &present);
	if (out->role == PKI_ROLE_INSPECTOR)
		pki_inspector_scope(cn, want, sizeof(want));
	else
		snprintf(want, sizeof(want), "%s", cn);
	if (rc != 0 || (out->role == PKI_ROLE_INSPECTOR && !present) ||
	    (present && strcmp(scope, want) != 0)) {
		pki_why(why, whylen, "%s: scope extension \"%s\" should be \"%s\"", cn, scope,
		        want);
		return CN_EINVAL;
	}
	snprintf(out->scope, sizeof(out->scope), "%s", want);
	return 0;
}

int pki_x509_identity(X509 *x, struct pki_identity *out, int *is_ca, char *why, size_t whylen)
{
	char cn[PKI_NAME_MAX];
	int present, ca, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = x509_common(x, out, cn, sizeof(cn), why, whylen)) != 0)
		return rc;
	ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
	if (is_ca)
		*is_ca = ca;
	rc = ca ? x509_ca_fields(x, out, cn, why, whylen)
	        : x509_leaf_fields(x, out, cn, why, whylen);
	if (rc != 0)
		return rc;
	if (pki_ext_get_str(X509_get0_extensions(x), CARENET_OID_NAME, out->name, sizeof(out->name),
	                    &present) != 0) {
		pki_why(why, whylen, "%s: invalid name extension", out->id);
		return CN_EINVAL;
	}
	return 0;
}

X509 *pki_x509_from_pem(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	if (!x)
		ERR_clear_error();
	return x;
}

char *pki_bio_string(BIO *bio)
{
	char *data = NULL, *s;
	long n = BIO_get_mem_data(bio, &data);

	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	memcpy(s, data, (size_t)n);
	s[n] = 0;
	OPENSSL_cleanse(data, (size_t)n);
	return s;
}

char *pki_x509_to_pem(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (bio && PEM_write_bio_X509(bio, x))
		s = pki_bio_string(bio);
	BIO_free(bio);
	return s;
}

int pki_cert_parse(const char *pem, size_t len, struct pki_identity *out, int *is_ca, char *why,
                   size_t whylen)
{
	X509 *x = pki_x509_from_pem(pem, len);
	int rc;

	if (!x) {
		pki_why(why, whylen, "no PEM certificate found");
		return CN_EINVAL;
	}
	rc = pki_x509_identity(x, out, is_ca, why, whylen);
	X509_free(x);
	return rc;
}

int pki_pem_to_der(const char *pem, size_t len, uint8_t ***der, size_t **lens, size_t *n)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	unsigned long e;
	long dlen;
	int rc = 0;

	*n = 0;
	*der = calloc(PKI_CHAIN_MAX, sizeof(**der));
	*lens = calloc(PKI_CHAIN_MAX, sizeof(**lens));
	if (!bio || !*der || !*lens)
		rc = CN_ENOMEM;
	while (rc == 0 && PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
		const unsigned char *p = data;
		X509 *x = NULL;

		if (strcmp(name, PEM_STRING_X509) != 0 || !(x = d2i_X509(NULL, &p, dlen)) ||
		    p != data + dlen)
			rc = CN_EINVAL;
		else if (*n >= PKI_CHAIN_MAX)
			rc = CN_ETOOBIG;
		X509_free(x);
		if (rc == 0) {
			(*der)[*n] = data;
			(*lens)[(*n)++] = (size_t)dlen;
			data = NULL;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	e = ERR_peek_last_error();
	if (rc == 0 && e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		rc = CN_EINVAL;
	ERR_clear_error();
	BIO_free(bio);
	if (rc != 0) {
		pki_der_list_free(der, lens, *n);
		*n = 0;
	}
	return rc;
}

void pki_der_list_free(uint8_t ***der, size_t **lens, size_t n)
{
	if (*der)
		for (size_t i = 0; i < n; i++)
			OPENSSL_free((*der)[i]);
	free(*der);
	free(*lens);
	*der = NULL;
	*lens = NULL;
}

int pki_cert_sha256(const char *pem, size_t len, char hex[65])
{
	X509 *x = pki_x509_from_pem(pem, len);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int ok;

	hex[0] = 0;
	ok = x && X509_digest(x, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32;
	X509_free(x);
	ERR_clear_error();
	if (!ok)
		return CN_EINVAL;
	util_hex(md, 32, hex);
	return 0;
}

/* ---------------------------------------------------------- key files */

int pki_check_key_dir(const char *path, char *why, size_t whylen)
{
	char *dir = util_dirname(path);
	struct stat st;
	int rc;

	if (!dir)
		return CN_ENOMEM;
	switch ((rc = util_dir_private(dir))) {
	case 0:
		break;
	case CN_EPERM:
		st.st_mode = 0;
		stat(dir, &st);
		pki_why(why, whylen,
		        "key directory %s is accessible by group or others (mode %04o): run "
		        "chmod 700 %s",
		        dir, (unsigned)(st.st_mode & 07777), dir);
		break;
	case CN_EINVAL:
		pki_why(why, whylen,
		        "key directory %s is not a directory (or is a symbolic link): keep keys "
		        "in a real directory of mode 0700",
		        dir);
		break;
	default:
		pki_why(why, whylen, "key directory %s: %s", dir, cn_strerror(rc));
		break;
	}
	free(dir);
	return rc;
}

int pki_check_key_perms(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int rc;

	if ((rc = pki_check_key_dir(path, why, whylen)) != 0 && rc != CN_ENOTFOUND)
		return rc;
	if (stat(path, &st) < 0) {
		int e = errno;
		pki_why(why, whylen, "cannot read key file %s: %s", path, strerror(e));
		return e == ENOENT ? CN_ENOTFOUND : CN_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		pki_why(why, whylen, "key file %s is not a regular file", path);
		return CN_EINVAL;
	}
	if (st.st_mode & 077) {
		pki_why(
		    why, whylen,
		    "key file %s is accessible by group or others (mode %04o): run chmod 600 %s",
		    path, (unsigned)(st.st_mode & 07777), path);
		return CN_EPERM;
	}
	return 0;
}

/* OpenSSL's passphrase callback: the one given, never a terminal prompt. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	size_t n = u ? strlen(u) : 0;

	(void)rwflag;
	if (!u || n == 0 || n >= (size_t)size)
		return -1;
	memcpy(buf, u, n);
	return (int)n;
}

EVP_PKEY *pki_key_load(const char *path, const char *pass, int *rc, char *why, size_t whylen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;
	int encrypted;

	if ((*rc = pki_check_key_perms(path, why, whylen)) != 0)
		return NULL;
	if ((*rc = util_read_file(path, 65536, &buf, &len)) != 0) {
		pki_why(why, whylen, "cannot read key file %s: %s", path, cn_strerror(*rc));
		return NULL;
	}
	encrypted = strstr((char *)buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL;
	if ((bio = BIO_new_mem_buf(buf, (int)len)))
		key = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, (void *)pass);
	BIO_free(bio);
	OPENSSL_cleanse(buf, len);
	free(buf);
	ERR_clear_error();
	if (!key && encrypted) {
		if (pass && pass[0])
			pki_why(why, whylen, "wrong passphrase for the encrypted key %s", path);
		else
			pki_why(why, whylen,
			        "%s is encrypted: give its passphrase (--passphrase-file FILE, or "
			        "the environment variable CARENET_CA_PASSPHRASE)",
			        path);
		*rc = CN_EPERM;
		return NULL;
	}
	if (!key || !EVP_PKEY_is_a(key, "ED25519")) {
		pki_why(why, whylen, "%s is not an Ed25519 private key (PEM)", path);
		EVP_PKEY_free(key);
		*rc = CN_EINVAL;
		return NULL;
	}
	*rc = 0;
	return key;
}

int pki_curve_generate(const char *path)
{
	char pub[41], sec[41], buf[128], why[512];
	int n, rc;

	if ((rc = pki_check_key_dir(path, why, sizeof(why))) != 0) {
		log_warnx("pki: %s", why);
		return rc;
	}
	if (zmq_curve_keypair(pub, sec) != 0) {
		log_warnx("pki: zmq_curve_keypair: %s", zmq_strerror(zmq_errno()));
		return CN_ECRYPTO;
	}
	n = snprintf(buf, sizeof(buf), "public=%s\nsecret=%s\n", pub, sec);
	rc = util_write_file(path, buf, (size_t)n, 0600, 1);
	OPENSSL_cleanse(sec, sizeof(sec));
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static int z85_line(const char *buf, const char *key, char out[41])
{
	const char *p = strstr(buf, key);
	uint8_t raw[32];
	int ok;

	if (!p || (p != buf && p[-1] != '\n'))
		return CN_EINVAL;
	p += strlen(key);
	if (strcspn(p, "\r\n") != 40)
		return CN_EINVAL;
	memcpy(out, p, 40);
	out[40] = 0;
	ok = zmq_z85_decode(raw, out) != NULL;
	OPENSSL_cleanse(raw, sizeof(raw));
	return ok ? 0 : CN_EINVAL;
}

int pki_curve_read(const char *path, char pub_z85[41], char sec_z85[41])
{
	char why[512], derived[41];
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = pki_check_key_perms(path, why, sizeof(why))) != 0) {
		log_warnx("pki: %s", why);
		return rc;
	}
	if ((rc = util_read_file(path, 4096, &buf, &len)) != 0)
		return rc;
	if (z85_line((char *)buf, "public=", pub_z85) != 0 ||
	    z85_line((char *)buf, "secret=", sec_z85) != 0) {
		log_warnx("pki: %s: not a CURVE key file (public=/secret= lines of Z85)", path);
		rc = CN_EINVAL;
	} else if (zmq_curve_public(derived, sec_z85) != 0 || strcmp(derived, pub_z85) != 0) {
		log_warnx("pki: %s: public key does not belong to the secret key", path);
		rc = CN_EKEYMISMATCH;
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (rc != 0)
		OPENSSL_cleanse(sec_z85, 41);
	return rc;
}

int pki_parent_of(const char *me, const char *parent_cert_path, char *out, size_t outlen)
{
	struct pki_identity pid;
	uint8_t *buf = NULL;
	size_t len;
	int rc, is_ca = 0;
	char why[256];

	if (pki_role_from_id(me) != PKI_ROLE_COUNTY)
		return pki_parent_id(me, out, outlen);
	if (!parent_cert_path || !parent_cert_path[0] ||
	    util_read_file(parent_cert_path, PEM_MAX, &buf, &len) != 0)
		return CN_EINVAL;
	rc = pki_cert_parse((const char *)buf, len, &pid, &is_ca, why, sizeof(why));
	free(buf);
	if (rc != 0 || is_ca || !pki_is_direct_child(pid.id, me) || strlen(pid.id) >= outlen)
		return CN_EINVAL;
	snprintf(out, outlen, "%s", pid.id);
	return 0;
}

int pki_cert_file_curve(const char *cert_path, char pub_z85[41])
{
	uint8_t *buf = NULL, key[PKI_CURVE_LEN];
	size_t len;
	X509 *x = NULL;
	int rc, present = 0;

	if ((rc = util_read_file(cert_path, PEM_MAX, &buf, &len)) != 0)
		return rc;
	if (!(x = pki_x509_from_pem((char *)buf, len)))
		rc = CN_EINVAL;
	else if ((rc = pki_ext_get_curve(X509_get0_extensions(x), key, &present)) == 0 && !present)
		rc = CN_ENOTFOUND;
	if (rc == 0 && !zmq_z85_encode(pub_z85, key, PKI_CURVE_LEN))
		rc = CN_EINVAL;
	X509_free(x);
	free(buf);
	return rc;
}
