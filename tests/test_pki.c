/*
 * test_pki: identities and their verification (pki.h) -- key files and
 * their modes, CURVE key files, PEM splitting, serial numbers, signatures,
 * chain verification (cache, expiry, inspectors), this node's credentials,
 * and the refusals of certificates forged by hand (scope, name constraints,
 * path length, role, CURVE key, wrong signer). The tree it verifies is made
 * with the CLI tools first (test_ca tests those).
 *
 * usage: test_pki TESTDATADIR   (files go to a mkdtemp directory, removed
 * at the end unless KEEP_TMP is set). Exits non-zero on any failure.
 */
#define _GNU_SOURCE /* nftw */
#include "log.h"
#include "pki_issue.h"
#include "pki_int.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <zmq.h>

#include "pki_fixture.h"

/* The tree the verification tests read: root CA 53, county CA 530102, its
 * county node, a township and a village (all enrolled), a village whose
 * certificate has expired, a province inspector (enrolled). */
static void build_tree(void)
{
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("root"), "--scope", "53", "--name",
	              "云南省民政厅", NULL),
	          0);
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("c1"), "--scope", "530102", "--name",
	              "昆明市五华区民政局", "--root", P("root"), NULL),
	          0);
	init_node("county", "530102", "昆明市五华区");
	init_node("town", "530102001", "华山街道");
	init_node("vil", "530102001007", "某某社区");
	init_node("vil8", "530102001008", "过期社区");
	CHECK_INT(run(cmd_init, "init", "--dir", P("insp"), "--inspector", "--scope", "5301",
	              "--id", "abc", NULL),
	          0);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("county/request.pem"),
	              "--endpoint", "tcp://127.0.0.1:7401", NULL),
	          0);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("town/request.pem"),
	              "--endpoint", "tcp://127.0.0.1:7402", NULL),
	          0);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil/request.pem"), NULL),
	          0);
	CHECK_INT(
	    run(cmd_ca, "ca", "issue", "--ca", P("root"), "--csr", P("insp/request.pem"), NULL), 0);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil8/request.pem"),
	              "--valid-from", "2020-01-01 00:00", "--valid-until", "2020-06-01 00:00",
	              NULL),
	          0);
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("c1/issued/530102.bundle"), "--dir", P("county"), "--root-sha256", root_sha(P("root/ca.pem")), NULL), 0);
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("c1/issued/530102001.bundle"), "--dir", P("town"), "--root-sha256", root_sha(P("root/ca.pem")), NULL),
	    0);
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"), "--root-sha256", root_sha(P("root/ca.pem")), NULL),
	    0);
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("root/issued/I5301-abc.bundle"), "--dir", P("insp"), "--root-sha256", root_sha(P("root/ca.pem")), NULL),
	    0);
}

static void test_serial(void)
{
	char s[64];

	CHECK_INT(pki_serial_normalize("00AbC", s), 0);
	CHECK_STR(s, "abc");
	CHECK_INT(pki_serial_normalize("xyz", s), CN_EINVAL);
	CHECK_INT(pki_serial_normalize("-1", s), CN_EINVAL);
}

/* -------------------------------------------------- key files, sigs */

static void test_files(void)
{
	char pub[41], sec[41], why[512];
	const char *k = P("perm.key"), *c = P("perm-curve.key");

	CHECK_INT(pki_curve_generate(c), 0);
	CHECK_INT(mode_of(c), 0600);
	CHECK_INT(pki_curve_generate(c), CN_EEXIST); /* never overwritten */
	CHECK_INT(pki_curve_read(c, pub, sec), 0);
	CHECK_INT((int)strlen(pub), 40);
	CHECK_INT(pki_key_generate(k, NULL, why, sizeof(why)), 0);
	CHECK_INT(mode_of(k), 0600);
	CHECK_INT(pki_check_key_perms(k, why, sizeof(why)), 0);
	chmod(k, 0644);
	CHECK_INT(pki_check_key_perms(k, why, sizeof(why)), CN_EPERM);
	CHECK(strstr(why, "chmod 600") != NULL);
	chmod(k, 0640);
	CHECK_INT(pki_check_key_perms(k, why, sizeof(why)), CN_EPERM);
	chmod(k, 0400);
	CHECK_INT(pki_check_key_perms(k, why, sizeof(why)), 0);
	chmod(c, 0604);
	CHECK_INT(pki_curve_read(c, pub, sec), CN_EPERM);
	CHECK_INT(pki_check_key_perms(P("nonexistent.key"), why, sizeof(why)), CN_ENOTFOUND);

	/* a CURVE file whose public key is not the secret's */
	char other_pub[41], other_sec[41], text[128];
	zmq_curve_keypair(other_pub, other_sec);
	chmod(c, 0600);
	CHECK_INT(pki_curve_read(c, pub, sec), 0);
	snprintf(text, sizeof(text), "public=%s\nsecret=%s\n", other_pub, sec);
	CHECK_INT(util_write_file(P("mixed-curve.key"), text, strlen(text), 0600, 0), 0);
	CHECK_INT(pki_curve_read(P("mixed-curve.key"), pub, sec), CN_EKEYMISMATCH);
	CHECK_INT(util_write_file(P("bad-curve.key"), "public=x\n", 9, 0600, 0), 0);
	CHECK_INT(pki_curve_read(P("bad-curve.key"), pub, sec), CN_EINVAL);

	/* PEM splitting */
	uint8_t **der = NULL;
	size_t *lens = NULL, n = 5;
	CHECK_INT(pki_pem_to_der("", 0, &der, &lens, &n), 0);
	CHECK_INT((long long)n, 0);
	pki_der_list_free(&der, &lens, n);
	const char *junk =
	    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
	CHECK_INT(pki_pem_to_der(junk, strlen(junk), &der, &lens, &n), CN_EINVAL);
	CHECK(der == NULL);
}

static void test_signatures(const char *dir)
{
	struct pki_self *self = NULL;
	const struct pki_identity *id;
	uint8_t sig[PKI_SIG_LEN], msg[] = "directive 42: inspect homes by 2026-12-31";
	char why[512];

	CHECK_INT(pki_self_load(P("%s/node.key", dir), P("%s/node.pem", dir),
	                        P("%s/chain.pem", dir), P("%s/curve.key", dir), &self, why,
	                        sizeof(why)),
	          0);
	if (!self)
		return;
	id = pki_self_identity(self);
	CHECK_INT(pki_sign(self, msg, sizeof(msg), sig), 0);
	CHECK_INT(pki_verify_sig(id->sign_pub, msg, sizeof(msg), sig), 0);
	msg[3] ^= 1;
	CHECK_INT(pki_verify_sig(id->sign_pub, msg, sizeof(msg), sig), CN_EVERIFY);
	msg[3] ^= 1;
	sig[10] ^= 0x40;
	CHECK_INT(pki_verify_sig(id->sign_pub, msg, sizeof(msg), sig), CN_EVERIFY);
	sig[10] ^= 0x40;
	uint8_t other[PKI_PUB_LEN];
	memcpy(other, id->sign_pub, sizeof(other));
	other[0] ^= 1;
	CHECK_INT(pki_verify_sig(other, msg, sizeof(msg), sig), CN_EVERIFY);
	CHECK_INT(pki_verify_sig(id->sign_pub, msg, sizeof(msg), sig), 0);
	pki_self_free(&self);
	CHECK(self == NULL);
}
/* ------------------------------------------------------ verification */

static void test_verify_good(void)
{
	struct pki_trust *t = trust_of(P("root/ca.pem"));
	struct pki_identity id;
	char pub[41], sec[41];
	uint8_t raw[PKI_CURVE_LEN], other[PKI_CURVE_LEN];

	/* a leaf without its county CA: no path to the root (even with the CA
	 * known for its CRLs: only a chain presented with the leaf counts) */
	CHECK_INT(pki_trust_add_ca_file(t, P("vil/chain.pem")), 0);
	CHECK_INT(verify_files(t, P("vil/node.pem"), NULL, &id), CN_EVERIFY);
	CHECK_INT(pki_trust_add_crl_file(t, P("vil/crl.pem")), 0);
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), 0);
	CHECK_STR(id.id, "530102001007");
	CHECK_INT(id.role, PKI_ROLE_VILLAGE);
	CHECK_STR(id.scope, "530102001007");
	CHECK_STR(id.issuer_scope, "530102");
	CHECK_STR(id.name, "某某社区");
	CHECK(id.not_after > (time_t)util_now() + 364 * 86400 &&
	      id.not_before <= (time_t)util_now());
	/* the certificate's CURVE key is this node's, not another's */
	CHECK_INT(pki_curve_read(P("vil/curve.key"), pub, sec), 0);
	CHECK(zmq_z85_decode(raw, pub) != NULL);
	CHECK(memcmp(raw, id.curve_pub, PKI_CURVE_LEN) == 0);
	CHECK_INT(pki_curve_read(P("town/curve.key"), pub, sec), 0);
	CHECK(zmq_z85_decode(other, pub) != NULL);
	CHECK(memcmp(other, id.curve_pub, PKI_CURVE_LEN) != 0);
	CHECK_INT(pki_cert_file_curve(P("vil/node.pem"), pub), 0);
	CHECK(zmq_z85_decode(other, pub) && memcmp(other, raw, PKI_CURVE_LEN) == 0);
	/* cached: the same answer again */
	memset(&id, 0, sizeof(id));
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), 0);
	CHECK_STR(id.id, "530102001007");
	/* the county node and the township */
	CHECK_INT(verify_files(t, P("county/node.pem"), P("county/chain.pem"), &id), 0);
	CHECK_INT(id.role, PKI_ROLE_COUNTY);
	CHECK_INT(verify_files(t, P("town/node.pem"), P("town/chain.pem"), &id), 0);
	CHECK_INT(id.role, PKI_ROLE_TOWNSHIP);
	/* a province inspector, issued by the root: empty chain */
	CHECK_INT(verify_files(t, P("insp/node.pem"), NULL, &id), 0);
	CHECK_STR(id.id, "I5301-abc");
	CHECK_INT(id.role, PKI_ROLE_INSPECTOR);
	CHECK_STR(id.scope, "5301");
	CHECK_STR(id.issuer_scope, "53");
	/* later than its end of validity, then back to the real clock */
	pki_trust_set_time(t, (time_t)util_now() + 400 * 86400LL);
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), CN_EEXPIRED);
	pki_trust_set_time(t, 0);
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), 0);
	/* the certificate issued already expired */
	CHECK_INT(verify_files(t, P("c1/issued/530102001008.pem"), P("c1/chain.pem"), &id),
	          CN_EEXPIRED);
	pki_trust_free(&t);
}

/* CRL freshness: nextUpdate is kept; with a grace set, an issuer whose CRL is
 * stale beyond it is refused (a holder of its CRL may hide a revocation). */
static void test_crl_fresh(void)
{
	struct pki_trust *t = trust_of(P("root/ca.pem"));
	struct pki_identity id;
	struct pki_crl_info info[4];
	time_t now = (time_t)util_now(), next;

	CHECK_INT(pki_trust_add_ca_file(t, P("vil/chain.pem")), 0);
	CHECK_INT(pki_trust_add_crl_file(t, P("vil/crl.pem")), 0);
	CHECK_INT(pki_trust_add_crl_file(t, P("root/crl.pem")), 0);
	CHECK_INT((long long)pki_trust_crls(t, info, 4), 2);
	CHECK(strcmp(info[0].scope, "530102") == 0 || strcmp(info[1].scope, "530102") == 0);
	next = strcmp(info[0].scope, "530102") == 0 ? info[0].next_update : info[1].next_update;
	CHECK(next > now + 29 * 86400 && next <= now + 30 * 86400 + 60);
	CHECK(info[0].last_update <= now && info[0].last_update > now - 3600);
	/* without a grace (the default) a stale CRL only warns: still accepted */
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), 0);
	pki_trust_set_time(t, next + 5 * 86400);
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), 0);
	/* a grace of 3 days: refused 5 days after, accepted 2 days after */
	pki_trust_set_crl_grace(t, 3 * 86400);
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), CN_EVERIFY);
	pki_trust_set_time(t, next + 2 * 86400);
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), 0);
	/* the cached answer ends at the deadline */
	pki_trust_set_time(t, next + 2 * 86400); /* drops the cache */
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), 0);
	pki_trust_free(&t);
	t = trust_of(P("root/ca.pem"));
	pki_trust_set_crl_grace(t, 3 * 86400);
	CHECK_INT(pki_trust_add_ca_file(t, P("vil/chain.pem")), 0);
	CHECK_INT(pki_trust_add_crl_file(t, P("vil/crl.pem")), 0);
	/* the root's CRL is stale too: a county CA's leaves fall with it */
	CHECK_INT(pki_trust_add_crl_file(t, P("root/crl.pem")), 0);
	pki_trust_set_time(t, next + 4 * 86400);
	CHECK_INT(verify_files(t, P("insp/node.pem"), NULL, &id), CN_EVERIFY);
	pki_trust_free(&t);
}

static void test_self(void)
{
	struct pki_self *self = NULL;
	const uint8_t *const *der;
	const size_t *lens;
	char why[512], pub[41], sec[41], fpub[41], fsec[41];

	CHECK_INT(pki_self_load(P("vil/node.key"), P("vil/node.pem"), P("vil/chain.pem"),
	                        P("vil/curve.key"), &self, why, sizeof(why)),
	          0);
	if (self) {
		CHECK_STR(pki_self_identity(self)->id, "530102001007");
		CHECK_INT((long long)pki_self_chain(self, &der, &lens), 2);
		pki_self_curve(self, pub, sec);
		CHECK_INT(pki_curve_read(P("vil/curve.key"), fpub, fsec), 0);
		CHECK_STR(pub, fpub);
		CHECK_STR(sec, fsec);
		/* the chain it would send in HELLO verifies */
		struct pki_trust *t = trust_of(P("vil/root.pem"));
		struct pki_identity id;
		CHECK_INT(pki_verify_chain(t, der, lens, 2, &id, why, sizeof(why)), 0);
		CHECK_STR(id.id, "530102001007");
		pki_trust_free(&t);
		pki_self_free(&self);
	}
	/* another node's CURVE key */
	CHECK_INT(pki_self_load(P("vil/node.key"), P("vil/node.pem"), P("vil/chain.pem"),
	                        P("town/curve.key"), &self, why, sizeof(why)),
	          CN_EKEYMISMATCH);
	CHECK(self == NULL);
	/* another node's signing key */
	CHECK_INT(pki_self_load(P("town/node.key"), P("vil/node.pem"), P("vil/chain.pem"),
	                        P("vil/curve.key"), &self, why, sizeof(why)),
	          CN_EKEYMISMATCH);
	/* a key readable by others */
	chmod(P("vil/node.key"), 0644);
	CHECK_INT(pki_self_load(P("vil/node.key"), P("vil/node.pem"), P("vil/chain.pem"),
	                        P("vil/curve.key"), &self, why, sizeof(why)),
	          CN_EPERM);
	CHECK(strstr(why, "chmod 600") != NULL);
	chmod(P("vil/node.key"), 0600);
	chmod(P("vil/curve.key"), 0644);
	CHECK_INT(pki_self_load(P("vil/node.key"), P("vil/node.pem"), P("vil/chain.pem"),
	                        P("vil/curve.key"), &self, why, sizeof(why)),
	          CN_EPERM);
	chmod(P("vil/curve.key"), 0600);
}
/* ---- certificates built by hand, bypassing the issuing checks ---- */

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	return k;
}

static X509 *load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	return x;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *val)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_nconf_nid(NULL, &ctx, nid, val);
	ok = e && X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

static int add_own(X509 *x, X509_EXTENSION *e)
{
	int ok = e && X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

/* A certificate O=carenet,OU=ou,CN=cn for pub signed by ikey. ca: a CA
 * with scope ext = scope; else a leaf with role (may be NULL) and CURVE
 * key (when curve). */
static X509 *forge(X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *pub, const char *ou, const char *cn,
                   int ca, const char *role_or_scope, int curve)
{
	static long serial = 1000;
	uint8_t key[PKI_CURVE_LEN] = {1, 2, 3};
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	int ok;

	ok = X509_set_version(x, X509_VERSION_3) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) &&
	     X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"carenet", -1,
	                                -1, 0) &&
	     X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *)ou, -1, -1,
	                                0) &&
	     X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                                0) &&
	     X509_set_subject_name(x, n) &&
	     X509_set_issuer_name(x, X509_get_subject_name(issuer)) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -60) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 86400) && X509_set_pubkey(x, pub) &&
	     add_ext(x, issuer, NID_basic_constraints,
	             ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
	     add_ext(x, issuer, NID_key_usage,
	             ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") &&
	     add_ext(x, issuer, NID_subject_key_identifier, "hash") &&
	     add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (ok && ca)
		ok = add_own(x, pki_ext_new_str(CARENET_OID_SCOPE, role_or_scope));
	if (ok && !ca && role_or_scope)
		ok = add_own(x, pki_ext_new_str(CARENET_OID_ROLE, role_or_scope));
	if (ok && !ca && curve)
		ok = add_own(x, pki_ext_new_curve(key));
	ok = ok && X509_sign(x, ikey, NULL) > 0;
	X509_NAME_free(n);
	if (!ok) {
		fprintf(stderr, "forge %s: failed\n", cn);
		X509_free(x);
		return NULL;
	}
	return x;
}

static char last_why[512]; /* reason of the last verify_x509 */

/* Verifies the chain of certificates (leaf first). */
static int verify_x509(struct pki_trust *t, X509 **chain, size_t n, struct pki_identity *id)
{
	uint8_t *der[4] = {0};
	size_t lens[4];
	char why[512] = "";
	int rc;

	for (size_t i = 0; i < n; i++) {
		int l = chain[i] ? i2d_X509(chain[i], &der[i]) : -1;
		if (l <= 0)
			return -1000;
		lens[i] = (size_t)l;
	}
	rc = pki_verify_chain(t, (const uint8_t *const *)der, lens, n, id, why, sizeof(why));
	snprintf(last_why, sizeof(last_why), "%s", why);
	if (getenv("VERBOSE"))
		fprintf(stderr, "  forged %s: %s\n", cn_errname(rc), why);
	for (size_t i = 0; i < n; i++)
		OPENSSL_free(der[i]);
	return rc;
}

static void test_forged(void)
{
	struct pki_trust *t = trust_of(P("root/ca.pem"));
	struct pki_identity id;
	EVP_PKEY *ckey = load_key(P("c1/ca.key")), *rkey = load_key(P("root/ca.key"));
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	X509 *cca = load_cert(P("c1/ca.pem")), *root = load_cert(P("root/ca.pem"));
	X509 *c[3];

	CHECK(ckey && rkey && k1 && k2 && cca && root);
	if (!ckey || !rkey || !k1 || !k2 || !cca || !root)
		goto out;
	/* well-formed by hand: accepted (so the refusals below are for their reason) */
	c[0] = forge(cca, ckey, k1, "530102", "530102001", 0, "township", 1);
	c[1] = cca;
	CHECK_INT(verify_x509(t, c, 2, &id), 0);
	CHECK_STR(id.id, "530102001");
	X509_free(c[0]);
	/* another county's id, named in another county's OU: name constraints */
	c[0] = forge(cca, ckey, k1, "530103", "530103001", 0, "township", 1);
	CHECK_INT(verify_x509(t, c, 2, &id), CN_ESCOPE);
	CHECK(strstr(last_why, "permitted subtree violation") != NULL);
	X509_free(c[0]);
	/* another county's id under this county's OU: the explicit prefix check */
	c[0] = forge(cca, ckey, k1, "530102", "530103001", 0, "township", 1);
	CHECK_INT(verify_x509(t, c, 2, &id), CN_ESCOPE);
	CHECK(strstr(last_why, "530103001") &&
	      strstr(last_why, "outside the issuer's scope 530102"));
	X509_free(c[0]);
	/* the root has no name constraints: the prefix check alone refuses */
	c[0] = forge(root, rkey, k1, "53", "540102001", 0, "township", 1);
	CHECK_INT(verify_x509(t, c, 1, &id), CN_ESCOPE);
	CHECK(strstr(last_why, "outside the issuer's scope 53") != NULL);
	X509_free(c[0]);
	/* a township in the root's scope but issued by the root: only inspectors,
	 * provinces and prefectures are */
	c[0] = forge(root, rkey, k1, "53", "530102001", 0, "township", 1);
	CHECK_INT(verify_x509(t, c, 1, &id), CN_ESCOPE);
	CHECK(strstr(last_why, "may not be issued by the root CA") != NULL);
	X509_free(c[0]);
	c[0] = forge(root, rkey, k1, "53", "5301", 0, "prefecture", 1);
	CHECK_INT(verify_x509(t, c, 1, &id), 0);
	CHECK_INT(id.role, PKI_ROLE_PREFECTURE);
	X509_free(c[0]);
	/* role extension not matching the id */
	c[0] = forge(cca, ckey, k1, "530102", "530102001", 0, "village", 1);
	CHECK_INT(verify_x509(t, c, 2, &id), CN_EVERIFY);
	CHECK(strstr(last_why, "role") != NULL);
	X509_free(c[0]);
	/* no CURVE key */
	c[0] = forge(cca, ckey, k1, "530102", "530102001", 0, "township", 0);
	CHECK_INT(verify_x509(t, c, 2, &id), CN_EVERIFY);
	CHECK(strstr(last_why, "CURVE") != NULL);
	X509_free(c[0]);
	/* a county CA (pathlen 0) issuing a sub-CA that issues a leaf */
	c[1] = forge(cca, ckey, k2, "530102", "CA 530102001", 1, "530102001", 0);
	c[0] = c[1] ? forge(c[1], k2, k1, "530102", "530102001009", 0, "village", 1) : NULL;
	c[2] = cca;
	CHECK_INT(verify_x509(t, c, 3, &id), CN_ESCOPE);
	CHECK(strstr(last_why, "path length") != NULL);
	X509_free(c[0]);
	X509_free(c[1]);
	/* a leaf signed by a key that is not its issuer's */
	c[0] = forge(cca, k2, k1, "530102", "530102001", 0, "township", 1);
	c[1] = cca;
	CHECK_INT(verify_x509(t, c, 2, &id), CN_EVERIFY);
	X509_free(c[0]);
out:
	EVP_PKEY_free(ckey);
	EVP_PKEY_free(rkey);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	X509_free(cca);
	X509_free(root);
	pki_trust_free(&t);
}
int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_LVL_ERROR, "test_pki");
	if (fixture_open("test_pki") != 0)
		return 1;
	test_serial();
	test_files();
	build_tree();
	test_signatures("vil");
	test_verify_good();
	test_crl_fresh();
	test_self();
	test_forged();
	return fixture_close("test_pki");
}
