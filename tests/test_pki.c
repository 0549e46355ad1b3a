/*
 * test_pki: ids, the PKI tools end to end (root CA -> county CA -> county
 * node -> township -> village, inspectors), chain verification and its
 * refusals (other root, out of scope, path length, expiry, revocation, key
 * mismatch, key file modes), signatures.
 *
 * usage: test_pki TESTDATADIR   (files go to a mkdtemp directory, removed
 * at the end unless KEEP_TMP is set). Exits non-zero on any failure.
 */
#define _GNU_SOURCE /* nftw, memmem */
#include "certs_cmd.h"
#include "err.h"
#include "log.h"
#include "pki.h"
#include "pki_issue.h"
#include "pki_int.h"
#include "util.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <zmq.h>

static char T[256];     /* the temporary directory */
static char out[65536]; /* output of the last CLI call */

/* A failed CHECK_INT also shows the last CLI call's output. */
#define CHECK_INT_CONTEXT()                                                                        \
	do {                                                                                       \
		if (out[0])                                                                        \
			fprintf(stderr, "  last command's output:\n%s\n", out);                    \
	} while (0)
#include "check.h"

/* ---------------------------------------------------------- helpers */

static const char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A path under T (rotating static buffers: valid for a few calls). */
static const char *P(const char *fmt, ...)
{
	static char bufs[16][PATH_MAX + 300];
	static int next;
	char *b = bufs[next++ % 16], rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(b, PATH_MAX + 300, "%s/%s", T, rel);
	return b;
}

/* Runs a subcommand with the given arguments (NULL-terminated), its
 * stdout and stderr captured into out. Returns its exit status. */
static int run(int (*fn)(int, char **), ...)
{
	char *argv[40], logpath[300];
	int argc = 0, rc, saved_out, saved_err, fd;
	const char *a;
	va_list ap;
	ssize_t n;

	va_start(ap, fn);
	while ((a = va_arg(ap, const char *)) && argc < 39)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	snprintf(logpath, sizeof(logpath), "%s/last.out", T);
	fflush(stdout);
	fflush(stderr);
	fd = open(logpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

static char *slurp(const char *path)
{
	uint8_t *buf = NULL;
	size_t len;
	return util_read_file(path, 1u << 22, &buf, &len) == 0 ? (char *)buf : NULL;
}

static int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int file_exists(const char *path)
{
	return mode_of(path) >= 0;
}

/* Verifies leaf PEM file + chain PEM file against trust. */
static int verify_files(struct pki_trust *t, const char *leaf, const char *chain,
                        struct pki_identity *id)
{
	char *a = slurp(leaf), *b = chain ? slurp(chain) : strdup(""), *all, why[512] = "";
	uint8_t **der = NULL;
	size_t *lens = NULL, n = 0;
	int rc;

	if (!a || !b)
		return -1000;
	all = malloc(strlen(a) + strlen(b) + 2);
	sprintf(all, "%s\n%s", a, b);
	rc = pki_pem_to_der(all, strlen(all), &der, &lens, &n);
	if (rc == 0)
		rc =
		    pki_verify_chain(t, (const uint8_t *const *)der, lens, n, id, why, sizeof(why));
	if (rc != 0 && getenv("VERBOSE"))
		fprintf(stderr, "  verify %s: %s: %s\n", leaf, cn_errname(rc), why);
	pki_der_list_free(&der, &lens, n);
	free(all);
	free(a);
	free(b);
	return rc;
}

static struct pki_trust *trust_of(const char *root)
{
	struct pki_trust *t = NULL;
	CHECK_INT(pki_trust_new(root, &t), 0);
	return t;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

/* ------------------------------------------------------------- ids */

static void test_ids(void)
{
	char buf[PKI_ID_MAX];

	CHECK_INT(pki_role_from_id("530102"), PKI_ROLE_COUNTY);
	CHECK_INT(pki_role_from_id("530102001"), PKI_ROLE_TOWNSHIP);
	CHECK_INT(pki_role_from_id("530102001007"), PKI_ROLE_VILLAGE);
	CHECK_INT(pki_role_from_id("I5301-ab12"), PKI_ROLE_INSPECTOR);
	CHECK_INT(pki_role_from_id("I530102001007-0123456789abcdef"), PKI_ROLE_INSPECTOR);
	CHECK_INT(pki_role_from_id("I530102001007-0123456789abcdefa"), PKI_ROLE_NONE); /* tag 17 */
	CHECK_INT(pki_role_from_id("I5-ab"), PKI_ROLE_NONE);    /* scope of 1 digit */
	CHECK_INT(pki_role_from_id("I5301-AB"), PKI_ROLE_NONE); /* upper case tag */
	CHECK_INT(pki_role_from_id("I5301-"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("I5301ab"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("53010"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("5301020010"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("53010200100a"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id(""), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id(NULL), PKI_ROLE_NONE);
	CHECK_STR(pki_role_name(PKI_ROLE_TOWNSHIP), "township");
	CHECK_STR(pki_role_name((enum pki_role)99), "none");
	CHECK_INT(pki_role_parse("village"), PKI_ROLE_VILLAGE);
	CHECK_INT(pki_role_parse("none"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_parse("Village"), PKI_ROLE_NONE);

	CHECK_INT(pki_scope_valid("53"), 1);
	CHECK_INT(pki_scope_valid("530102001007"), 1);
	CHECK_INT(pki_scope_valid("5"), 0);
	CHECK_INT(pki_scope_valid("5301020010071"), 0);
	CHECK_INT(pki_scope_valid("53a1"), 0);

	CHECK_INT(pki_parent_id("530102001", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "530102");
	CHECK_INT(pki_parent_id("530102001007", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "530102001");
	CHECK_INT(pki_parent_id("530102", buf, sizeof(buf)), CN_EINVAL);
	CHECK_INT(pki_parent_id("I5301-ab", buf, sizeof(buf)), CN_EINVAL);
	CHECK_INT(pki_parent_id("530102001", buf, 6), CN_EINVAL); /* no room for 6 + NUL */

	CHECK_INT(pki_is_direct_child("530102", "530102001"), 1);
	CHECK_INT(pki_is_direct_child("530102001", "530102001007"), 1);
	CHECK_INT(pki_is_direct_child("530102", "530102001007"), 0); /* grandchild */
	CHECK_INT(pki_is_direct_child("530103", "530102001"), 0);
	CHECK_INT(pki_is_direct_child("530102", "530102"), 0);

	CHECK_INT(pki_scope_covers("53", "530102001"), 1);
	CHECK_INT(pki_scope_covers("530102", "530102"), 1);
	CHECK_INT(pki_scope_covers("530102", "530103001"), 0);
	CHECK_INT(pki_scope_covers("530102001", "530102"), 0); /* shorter id */
	CHECK_INT(pki_scope_covers("5", "530102"), 0);         /* invalid scope */
	CHECK_INT(pki_scope_covers("53", "I5301-ab"), 0);      /* not a division code */

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
	CHECK_INT(pki_key_generate(k, why, sizeof(why)), 0);
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

/* ------------------------------------------------- CLI, end to end */

static void test_ca_init(void)
{
	CHECK_INT(run(cmd_ca, "ca", "init", "--help", NULL), 0);
	CHECK(strstr(out, "usage: carenet ca init") != NULL);
	CHECK_INT(run(cmd_ca, "ca", "init", "--bogus", NULL), 2);
	CHECK_INT(run(cmd_ca, "ca", "frobnicate", NULL), 2);
	CHECK_INT(run(cmd_ca, "ca", NULL), 2);
	CHECK_INT(run(cmd_ca, "ca", "--help", NULL), 0);

	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("root"), "--scope", "53", "--name",
	              "云南省民政厅", NULL),
	          0);
	CHECK_INT(mode_of(P("root/ca.key")), 0600);
	CHECK(file_exists(P("root/ca.pem")) && file_exists(P("root/crl.pem")));
	CHECK(file_exists(P("root/serial")) && file_exists(P("root/issued")));
	/* the root's certificate and its (empty, signed) CRL */
	struct pki_trust *t = trust_of(P("root/ca.pem"));
	CHECK_STR(pki_trust_root_scope(t), "53");
	CHECK_INT(pki_trust_add_crl_file(t, P("root/crl.pem")), 0);
	CHECK_INT((long long)pki_trust_revoked_count(t), 0);
	pki_trust_free(&t);
	CHECK(t == NULL);
	char *pem = slurp(P("root/ca.pem"));
	struct pki_identity id;
	int is_ca = 0;
	CHECK_INT(pki_cert_parse(pem, strlen(pem), &id, &is_ca, NULL, 0), 0);
	CHECK_INT(is_ca, 1);
	CHECK_STR(id.scope, "53");
	CHECK_STR(id.name, "云南省民政厅");
	free(pem);

	/* refuses a second CA in the same place */
	CHECK_INT(
	    run(cmd_ca, "ca", "init", "--dir", P("root"), "--scope", "53", "--name", "x", NULL), 4);
	CHECK(strstr(out, "already holds a CA") != NULL);
	/* a county code without --root/--request */
	CHECK_INT(
	    run(cmd_ca, "ca", "init", "--dir", P("cx"), "--scope", "530102", "--name", "x", NULL),
	    2);

	/* (a) county CA at once */
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("c1"), "--scope", "530102", "--name",
	              "昆明市五华区民政局", "--root", P("root"), NULL),
	          0);
	CHECK_INT(mode_of(P("c1/ca.key")), 0600);
	CHECK(file_exists(P("c1/ca.pem")) && file_exists(P("c1/chain.pem")));
	CHECK(file_exists(P("c1/root.pem")) && file_exists(P("c1/crl.pem")));
	CHECK(file_exists(P("root/issued/ca-530102.pem")));
	char *a = slurp(P("c1/chain.pem")), *b = slurp(P("c1/ca.pem"));
	CHECK(a && b && strcmp(a, b) == 0);
	free(a);
	free(b);
	a = slurp(P("c1/root.pem"));
	b = slurp(P("root/ca.pem"));
	CHECK(a && b && strcmp(a, b) == 0);
	free(a);
	free(b);
	t = trust_of(P("root/ca.pem"));
	CHECK_INT(pki_trust_add_ca_file(t, P("c1/chain.pem")), 0);
	CHECK_INT(pki_trust_add_crl_file(t, P("c1/crl.pem")), 0); /* county CA now known */
	pki_trust_free(&t);

	/* (b) by request */
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("c2"), "--scope", "530103", "--name",
	              "盘龙区民政局", "--request", NULL),
	          0);
	CHECK_INT(mode_of(P("c2/ca.key")), 0600);
	CHECK(file_exists(P("c2/ca-request.pem")) && !file_exists(P("c2/ca.pem")));
	CHECK_INT(
	    run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("c2/ca-request.pem"), NULL),
	    4); /* a county CA signs no CA */
	CHECK_INT(
	    run(cmd_ca, "ca", "issue", "--ca", P("root"), "--csr", P("c2/ca-request.pem"), NULL),
	    0);
	CHECK(strstr(out, P("root/issued/ca-530103.pem")) != NULL);
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("c1"), "--install",
	              P("root/issued/ca-530103.pem"), NULL),
	          4); /* not this directory's key */
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("c2"), "--install",
	              P("root/issued/ca-530103.pem"), NULL),
	          0);
	CHECK(file_exists(P("c2/ca.pem")) && file_exists(P("c2/chain.pem")));
	CHECK(file_exists(P("c2/root.pem")) && file_exists(P("c2/crl.pem")));

	/* the root refuses a county outside its scope */
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("c3"), "--scope", "540102", "--name", "x",
	              "--root", P("root"), NULL),
	          4);
	CHECK(strstr(out, "540102") && strstr(out, "scope 53"));
	CHECK(!file_exists(P("c3/ca.key"))); /* nothing left behind */

	/* a key readable by others is refused */
	chmod(P("c2/ca.key"), 0644);
	CHECK_INT(run(cmd_ca, "ca", "crl", "--ca", P("c2"), NULL), 4);
	CHECK(strstr(out, "chmod 600") != NULL);
	chmod(P("c2/ca.key"), 0600);
	CHECK_INT(run(cmd_ca, "ca", "crl", "--ca", P("c2"), NULL), 0);
}

static void init_node(const char *dir, const char *id, const char *name)
{
	CHECK_INT(run(cmd_init, "init", "--dir", P("%s", dir), "--id", id, "--name", name, NULL),
	          0);
	CHECK_INT(mode_of(P("%s/node.key", dir)), 0600);
	CHECK_INT(mode_of(P("%s/curve.key", dir)), 0600);
	CHECK(file_exists(P("%s/request.pem", dir)));
}

static void test_init(void)
{
	CHECK_INT(run(cmd_init, "init", "--help", NULL), 0);
	CHECK_INT(run(cmd_init, "init", "--dir", P("n"), NULL), 2);
	CHECK_INT(run(cmd_init, "init", "--dir", P("n"), "--id", "12345", NULL), 4);
	CHECK(strstr(out, "12345") != NULL);
	CHECK(!file_exists(P("n/node.key")));
	init_node("county", "530102", "昆明市五华区");
	init_node("town", "530102001", "华山街道");
	init_node("vil", "530102001007", "某某社区");
	init_node("vil8", "530102001008", "过期社区");
	init_node("other", "530103001", "盘龙区某街道");
	CHECK_INT(run(cmd_init, "init", "--dir", P("vil"), "--id", "530102001007", NULL), 4);
	CHECK(strstr(out, "refusing") != NULL);
	CHECK_INT(run(cmd_init, "init", "--dir", P("insp"), "--inspector", "--scope", "5301",
	              "--id", "abc", NULL),
	          0);
	CHECK(strstr(out, "I5301-abc") != NULL);
	CHECK_INT(
	    run(cmd_init, "init", "--dir", P("insp2"), "--inspector", "--scope", "530102", NULL),
	    0);
	CHECK(strstr(out, "inspector I530102-") != NULL);
	CHECK_INT(run(cmd_init, "init", "--dir", P("insp3"), "--inspector", "--scope", "5302",
	              "--id", "x", NULL),
	          0);
	CHECK_INT(run(cmd_init, "init", "--dir", P("insp4"), "--inspector", "--scope", "5301",
	              "--id", "Bad!", NULL),
	          4);
	/* a request is self-signed: tampering is detected */
	char *req = slurp(P("vil/request.pem")), why[512];
	struct pki_req *r = NULL;
	CHECK_INT(pki_req_parse(req, strlen(req), &r, why, sizeof(why)), 0);
	int is_ca = 1;
	const struct pki_identity *rid = r ? pki_req_identity(r, &is_ca) : NULL;
	CHECK(rid && strcmp(rid->id, "530102001007") == 0 && rid->role == PKI_ROLE_VILLAGE);
	CHECK_STR(rid ? rid->name : NULL, "某某社区");
	CHECK_INT(is_ca, 0);
	pki_req_free(&r);
	free(req);
}

/* Requests built by hand: a 31-byte CURVE key, an altered request. */
static void test_bad_requests(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	X509_REQ *req = X509_REQ_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *obj = OBJ_txt2obj(CARENET_OID_CURVE, 1);
	unsigned char key[31] = {7}, *der = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	struct pki_req *r = NULL;
	char why[512], *pem = NULL, *p;
	long len;
	int dlen;

	ASN1_OCTET_STRING_set(os, key, sizeof(key));
	dlen = i2d_ASN1_OCTET_STRING(os, &der);
	ASN1_OCTET_STRING_set(os, der, dlen);
	sk_X509_EXTENSION_push(exts, X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os));
	sk_X509_EXTENSION_push(exts, pki_ext_new_str(CARENET_OID_ROLE, "township"));
	X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8,
	                           (const unsigned char *)"530102001", -1, -1, 0);
	X509_REQ_set_pubkey(req, k);
	X509_REQ_add_extensions(req, exts);
	CHECK(X509_REQ_sign(req, k, NULL) > 0 && PEM_write_bio_X509_REQ(bio, req));
	len = BIO_get_mem_data(bio, &p);
	pem = strndup(p, (size_t)len);
	CHECK_INT(pki_req_parse(pem, strlen(pem), &r, why, sizeof(why)), CN_EINVAL);
	CHECK(r == NULL && strstr(why, "32 bytes") != NULL);
	free(pem);

	/* a good request, altered after signing: its CN 530102001 becomes 530102002 */
	pem = slurp(P("town/request.pem"));
	CHECK_INT(pki_req_parse(pem, strlen(pem), &r, why, sizeof(why)), 0);
	pki_req_free(&r);
	BIO *b64 = BIO_new_mem_buf(pem, -1);
	X509_REQ *good = PEM_read_bio_X509_REQ(b64, NULL, NULL, NULL);
	unsigned char *gder = NULL, *hit;
	int glen = good ? i2d_X509_REQ(good, &gder) : 0;
	hit = glen > 0 ? memmem(gder, (size_t)glen, "530102001", 9) : NULL;
	CHECK(hit != NULL);
	if (hit) {
		hit[8] = '2';
		const unsigned char *q = gder;
		X509_REQ *bad = d2i_X509_REQ(NULL, &q, glen);
		BIO *ob = BIO_new(BIO_s_mem());
		CHECK(bad && PEM_write_bio_X509_REQ(ob, bad));
		len = BIO_get_mem_data(ob, &p);
		char *badpem = strndup(p, (size_t)len);
		CHECK_INT(pki_req_parse(badpem, strlen(badpem), &r, why, sizeof(why)), CN_EVERIFY);
		CHECK(r == NULL);
		free(badpem);
		BIO_free(ob);
		X509_REQ_free(bad);
	}
	OPENSSL_free(gder);
	X509_REQ_free(good);
	BIO_free(b64);
	free(pem);
	OPENSSL_free(der);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(os);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	BIO_free(bio);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}

static void test_issue(void)
{
	CHECK_INT(run(cmd_ca, "ca", "issue", "--help", NULL), 0);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), NULL), 2);
	/* parents first */
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil/request.pem"), NULL),
	          4);
	CHECK(strstr(out, "issue the parent 530102001 first") != NULL);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("county/request.pem"),
	              "--endpoint", "tcp://127.0.0.1:7401", NULL),
	          0);
	CHECK(strstr(out, P("c1/issued/530102.bundle")) != NULL);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("town/request.pem"),
	              "--endpoint", "tcp://127.0.0.1:7402", NULL),
	          0);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil/request.pem"), NULL),
	          0);
	CHECK(file_exists(P("c1/issued/530102001007.pem")));
	CHECK(file_exists(P("c1/issued/530102001.endpoint")));
	/* again: refused unless --force */
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil/request.pem"), NULL),
	          4);
	CHECK(strstr(out, "already issued") != NULL);
	/* another county's id: refused, naming the id and the scope */
	CHECK_INT(
	    run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("other/request.pem"), NULL), 4);
	CHECK(strstr(out, "530103001") && strstr(out, "530102"));
	CHECK(!file_exists(P("c1/issued/530103001.pem")));
	/* the root issues no node certificates */
	CHECK_INT(
	    run(cmd_ca, "ca", "issue", "--ca", P("root"), "--csr", P("county/request.pem"), NULL),
	    4);
	/* inspectors: province level at the root, county level at the county CA */
	CHECK_INT(
	    run(cmd_ca, "ca", "issue", "--ca", P("root"), "--csr", P("insp/request.pem"), NULL), 0);
	CHECK_INT(
	    run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("insp2/request.pem"), NULL), 0);
	CHECK_INT(
	    run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("insp3/request.pem"), NULL),
	    4); /* scope 5302 is not under 530102 */
	/* an expired certificate (testing aid): issued with a warning */
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil8/request.pem"),
	              "--valid-from", "2020-01-01 00:00", "--valid-until", "2020-06-01 00:00",
	              NULL),
	          0);
	CHECK(strstr(out, "already expired") != NULL);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil8/request.pem"),
	              "--valid-from", "yesterday", "--force", NULL),
	          2);
}

static void test_bundle(void)
{
	config_t cfg;
	const char *s;
	int v = 0;
	char *want;

	config_init(&cfg);
	CHECK_INT(config_read_file(&cfg, P("c1/issued/530102001007.bundle")), CONFIG_TRUE);
	CHECK(config_lookup_int(&cfg, "version", &v) && v == 1);
	CHECK(config_lookup_string(&cfg, "id", &s) && strcmp(s, "530102001007") == 0);
	CHECK(config_lookup_string(&cfg, "role", &s) && strcmp(s, "village") == 0);
	want = slurp(P("c1/issued/530102001007.pem"));
	CHECK(config_lookup_string(&cfg, "cert", &s) && want && strcmp(s, want) == 0);
	free(want);
	want = slurp(P("c1/ca.pem"));
	CHECK(config_lookup_string(&cfg, "chain", &s) && want && strcmp(s, want) == 0);
	free(want);
	want = slurp(P("root/ca.pem"));
	CHECK(config_lookup_string(&cfg, "root", &s) && want && strcmp(s, want) == 0);
	free(want);
	want = slurp(P("c1/issued/530102001.pem"));
	CHECK(config_lookup_string(&cfg, "parent_cert", &s) && want && strcmp(s, want) == 0);
	free(want);
	CHECK(config_lookup_string(&cfg, "parent_endpoint", &s) &&
	      strcmp(s, "tcp://127.0.0.1:7402") == 0);
	CHECK(config_lookup_string(&cfg, "endpoint", &s) && strcmp(s, "") == 0);
	want = slurp(P("c1/crl.pem"));
	CHECK(config_lookup_string(&cfg, "crl", &s) && want && strcmp(s, want) == 0);
	free(want);
	config_destroy(&cfg);

	/* the county node: no parent */
	config_init(&cfg);
	CHECK_INT(config_read_file(&cfg, P("c1/issued/530102.bundle")), CONFIG_TRUE);
	CHECK(config_lookup_string(&cfg, "parent_cert", &s) && s[0] == 0);
	CHECK(config_lookup_string(&cfg, "parent_endpoint", &s) && s[0] == 0);
	CHECK(config_lookup_string(&cfg, "endpoint", &s) && strcmp(s, "tcp://127.0.0.1:7401") == 0);
	config_destroy(&cfg);
	/* PEM newlines are escaped: the bundle's lines are short */
	char *raw = slurp(P("c1/issued/530102.bundle"));
	CHECK(raw && strstr(raw, "cert = \"-----BEGIN CERTIFICATE-----\\n") != NULL);
	free(raw);
}

static void test_enroll(void)
{
	const char *want_town =
	    "# carenet node configuration for 530102001 (written by carenet enroll)\n"
	    "data_dir = \"data\";\n"
	    "listen = \"tcp://0.0.0.0:7402\";\n"
	    "parent = { endpoint = \"tcp://127.0.0.1:7401\"; cert = \"parent.pem\"; };\n"
	    "identity = { key = \"node.key\"; cert = \"node.pem\"; chain = \"chain.pem\"; "
	    "root = \"root.pem\"; curve = \"curve.key\"; };\n"
	    "crl = [ \"crl.pem\" ];\n"
	    "log_level = \"info\";\n"
	    "timezone = \"Asia/Shanghai\";\n";
	char *got;

	CHECK_INT(run(cmd_enroll, "enroll", "--help", NULL), 0);
	CHECK_INT(run(cmd_enroll, "enroll", "--dir", P("town"), NULL), 2);
	/* a bundle into the wrong directory: the keys do not match */
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("town"), NULL),
	    4);
	CHECK(!file_exists(P("town/node.cfg")));
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102.bundle"), "--dir", P("county"),
	              "--listen", "tcp://0.0.0.0:7401", NULL),
	          0);
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("c1/issued/530102001.bundle"), "--dir", P("town"), NULL),
	    0);
	got = slurp(P("town/node.cfg"));
	CHECK_STR(got, want_town);
	free(got);
	CHECK(file_exists(P("town/node.pem")) && file_exists(P("town/parent.pem")));
	CHECK(file_exists(P("town/chain.pem")) && file_exists(P("town/root.pem")));
	CHECK(file_exists(P("town/crl.pem")));
	got = slurp(P("county/node.cfg"));
	CHECK(got && strstr(got, "listen = \"tcp://0.0.0.0:7401\";\n") && !strstr(got, "parent"));
	free(got);
	CHECK(!file_exists(P("county/parent.pem")));
	/* village: no listen */
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"), NULL),
	    0);
	got = slurp(P("vil/node.cfg"));
	CHECK(got && strstr(got, "listen = \"\";\n") &&
	      strstr(got,
	             "parent = { endpoint = \"tcp://127.0.0.1:7402\"; cert = \"parent.pem\"; };"));
	free(got);
	/* not twice without --force */
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"), NULL),
	    4);
	CHECK(strstr(out, "--force") != NULL);
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"),
	              "--force", "--data-dir", "/var/lib/carenet", NULL),
	          0);
	got = slurp(P("vil/node.cfg"));
	CHECK(got && strstr(got, "data_dir = \"/var/lib/carenet\";\n"));
	free(got);
	/* key modes are checked */
	chmod(P("vil/node.key"), 0644);
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"),
	              "--force", NULL),
	          4);
	CHECK(strstr(out, "chmod 600") != NULL);
	chmod(P("vil/node.key"), 0600);
	/* a curve.key that is not the certificate's */
	CHECK_INT(run(cmd_init, "init", "--dir", P("vil-x"), "--id", "530102001007", NULL), 0);
	unlink(P("vil-x/node.key"));
	CHECK_INT(link(P("vil/node.key"), P("vil-x/node.key")), 0);
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil-x"),
	              NULL),
	          4);
	CHECK(strstr(out, "curve.key is not the CURVE key") != NULL);
	/* inspectors */
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("root/issued/I5301-abc.bundle"), "--dir", P("insp"), NULL),
	    0);
	got = slurp(P("insp/node.cfg"));
	CHECK(got && strstr(got, "listen = \"\";\n") && !strstr(got, "parent"));
	free(got);
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

static void test_other_root(void)
{
	struct pki_trust *t;
	struct pki_identity id;

	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("root2"), "--scope", "53", "--name",
	              "冒名顶替", NULL),
	          0);
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("c9"), "--scope", "530102", "--name", "x",
	              "--root", P("root2"), NULL),
	          0);
	init_node("county9", "530102", "假县");
	CHECK_INT(
	    run(cmd_ca, "ca", "issue", "--ca", P("c9"), "--csr", P("county9/request.pem"), NULL),
	    0);
	t = trust_of(P("root/ca.pem"));
	CHECK_INT(verify_files(t, P("c9/issued/530102.pem"), P("c9/chain.pem"), &id), CN_EVERIFY);
	/* its CRL is not accepted either */
	CHECK_INT(pki_trust_add_crl_file(t, P("root2/crl.pem")), CN_EVERIFY);
	CHECK_INT(pki_trust_add_ca_file(t, P("c9/chain.pem")), CN_EVERIFY);
	pki_trust_free(&t);
	t = trust_of(P("root2/ca.pem"));
	CHECK_INT(verify_files(t, P("c9/issued/530102.pem"), P("c9/chain.pem"), &id), 0);
	pki_trust_free(&t);
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

static void test_revoke(void)
{
	struct pki_trust *t = trust_of(P("root/ca.pem"));
	struct pki_identity vil, id;
	char *old_crl = slurp(P("c1/crl.pem"));

	CHECK_INT(pki_trust_add_ca_file(t, P("c1/chain.pem")), 0);
	CHECK_INT(pki_trust_add_crl_file(t, P("c1/crl.pem")), 0);
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &vil), 0);
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--help", NULL), 0);
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--ca", P("c1"), NULL), 2);
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--ca", P("c1"), "--id", "530102001007", "--reason",
	              "stolen", NULL),
	          2);
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--ca", P("c1"), "--id", "530102001007", "--reason",
	              "keyCompromise", NULL),
	          0);
	CHECK(strstr(out, P("c1/crl.pem")) != NULL);
	/* the node learns of it through the CRL */
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), 0);
	CHECK_INT(pki_trust_add_crl_file(t, P("c1/crl.pem")), 0);
	CHECK_INT((long long)pki_trust_revoked_count(t), 1);
	CHECK_INT(pki_trust_is_revoked(t, "530102", vil.serial), 1);
	CHECK_INT(pki_trust_is_revoked(t, "530103", vil.serial), 0);
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), CN_EREVOKED);
	CHECK_INT(verify_files(t, P("town/node.pem"), P("town/chain.pem"), &id), 0);
	/* an older CRL does not undo it */
	CHECK_INT(pki_trust_add_crl_mem(t, (const uint8_t *)old_crl, strlen(old_crl)), 0);
	CHECK_INT(verify_files(t, P("vil/node.pem"), P("vil/chain.pem"), &id), CN_EREVOKED);
	/* by serial, at the root: the county CA 530103 */
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--ca", P("root"), "--id", "530103", NULL), 0);
	CHECK_INT(pki_trust_add_crl_file(t, P("root/crl.pem")), 0);
	CHECK_INT((long long)pki_trust_revoked_count(t), 2);
	/* an enrollment with a revoked certificate is refused */
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil/request.pem"),
	              "--force", "--out", P("vil-new.bundle"), NULL),
	          0);
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("vil-new.bundle"), "--dir", P("vil"), "--force", NULL),
	    0); /* re-issued: a new serial */
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--ca", P("c1"), "--id", "530102001007", NULL), 0);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil/request.pem"),
	              "--force", "--out", P("vil-2.bundle"), NULL),
	          0);
	char *pem = slurp(P("c1/issued/530102001007.pem"));
	CHECK(pem && pki_cert_parse(pem, strlen(pem), &id, NULL, NULL, 0) == 0);
	free(pem);
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--ca", P("c1"), "--serial", id.serial, "--reason",
	              "superseded", NULL),
	          0);
	CHECK_INT(pki_trust_add_crl_file(t, P("c1/crl.pem")), 0);
	CHECK_INT((long long)pki_trust_revoked_count(t), 4); /* 3 of c1, 1 of the root */
	CHECK_INT(pki_trust_is_revoked(t, "530102", id.serial), 1);
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--ca", P("c1"), "--serial", "xyz", NULL), 4);
	CHECK_INT(run(cmd_ca, "ca", "list", "--ca", P("c1"), "--json", NULL), 0);
	CHECK(strstr(out, "\"id\": \"530102001007\"") && strstr(out, "\"role\": \"village\""));
	CHECK(strstr(out, "\"id\": \"530102001\"") != NULL);
	CHECK_INT(run(cmd_ca, "ca", "list", "--ca", P("root"), NULL), 0);
	CHECK(strstr(out, "530103") && strstr(out, "revoked"));
	free(old_crl);
	pki_trust_free(&t);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_LVL_ERROR, "test_pki");
	snprintf(T, sizeof(T), "%s/test_pki.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(T)) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	test_ids();
	test_files();
	test_ca_init();
	test_init();
	test_bad_requests();
	test_issue();
	test_bundle();
	test_enroll();
	test_signatures("vil");
	test_verify_good();
	test_self();
	test_other_root();
	test_forged();
	test_revoke();
	if (getenv("KEEP_TMP"))
		fprintf(stderr, "test_pki: files kept in %s\n", T);
	else
		nftw(T, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	fprintf(stderr, "test_pki: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
