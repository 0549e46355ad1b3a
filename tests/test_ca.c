/*
 * test_ca: the PKI tools end to end -- carenet ca init (root, county CA at
 * once and by request), init (nodes, inspectors), ca issue (scope and role
 * refusals, parents first, expired on request), the enrollment bundle,
 * enroll, a second root, ca revoke and ca list, with the refusals they
 * print and their exit codes (0, 2 usage, 4 refused).
 *
 * usage: test_ca TESTDATADIR   (files go to a mkdtemp directory, removed
 * at the end unless KEEP_TMP is set). Exits non-zero on any failure.
 */
#define _GNU_SOURCE /* nftw, memmem */
#include "log.h"
#include "pki_issue.h"
#include "pki_int.h"
#include "ca_int.h"

#include <ctype.h>
#include <libconfig.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki_fixture.h"
#include "renew.h"

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
	/* it prints the root's fingerprint, which nodes enroll with */
	CHECK(strstr(out, root_sha(P("root/ca.pem"))) && strstr(out, "--root-sha256"));
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

/* The service layout: NODEDIR .../etc/carenet[/NAME] puts the data where
 * the unit lets the node write, .../var/lib/carenet[/NAME] (a scratch root
 * here); an explicit --data-dir wins. */
static void test_enroll_layout(void)
{
	const char *dirs[] = {"sys/etc/carenet", "sys/etc/carenet/east"};
	const char *want[] = {"sys/var/lib/carenet", "sys/var/lib/carenet/east"};
	char line[2 * PATH_MAX], real[PATH_MAX], *got;

	CHECK(mkdir(P("sys"), 0755) == 0 && mkdir(P("sys/etc"), 0755) == 0);
	CHECK(realpath(T, real) != NULL);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(mkdir(P("%s", dirs[i]), 0700), 0);
		CHECK_INT(link(P("vil/node.key"), P("%s/node.key", dirs[i])), 0);
		CHECK_INT(link(P("vil/curve.key"), P("%s/curve.key", dirs[i])), 0);
		CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir",
		              P("%s/", dirs[i]), "--root-sha256", root_sha(P("root/ca.pem")), NULL),
		          0);
		snprintf(line, sizeof(line), "data_dir = \"%s/%s\";\n", real, want[i]);
		got = slurp(P("%s/node.cfg", dirs[i]));
		CHECK(got && strstr(got, line));
		free(got);
	}
	/* --data-dir still wins */
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir",
	              P("sys/etc/carenet"), "--root-sha256", root_sha(P("root/ca.pem")), "--force",
	              "--data-dir", "/srv/x", NULL),
	          0);
	got = slurp(P("sys/etc/carenet/node.cfg"));
	CHECK(got && strstr(got, "data_dir = \"/srv/x\";\n"));
	free(got);
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
	    run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("town"), "--root-sha256", root_sha(P("root/ca.pem")), NULL),
	    4);
	CHECK(!file_exists(P("town/node.cfg")));
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102.bundle"), "--dir", P("county"), "--root-sha256", root_sha(P("root/ca.pem")),
	              "--listen", "tcp://0.0.0.0:7401", NULL),
	          0);
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("c1/issued/530102001.bundle"), "--dir", P("town"), "--root-sha256", root_sha(P("root/ca.pem")), NULL),
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
	    run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"), "--root-sha256", root_sha(P("root/ca.pem")), NULL),
	    0);
	got = slurp(P("vil/node.cfg"));
	CHECK(got && strstr(got, "listen = \"\";\n") &&
	      strstr(got,
	             "parent = { endpoint = \"tcp://127.0.0.1:7402\"; cert = \"parent.pem\"; };"));
	free(got);
	/* not twice without --force */
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"), "--root-sha256", root_sha(P("root/ca.pem")), NULL),
	    4);
	CHECK(strstr(out, "--force") != NULL);
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"), "--root-sha256", root_sha(P("root/ca.pem")),
	              "--force", "--data-dir", "/var/lib/carenet", NULL),
	          0);
	got = slurp(P("vil/node.cfg"));
	CHECK(got && strstr(got, "data_dir = \"/var/lib/carenet\";\n"));
	free(got);
	/* key modes are checked */
	chmod(P("vil/node.key"), 0644);
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"), "--root-sha256", root_sha(P("root/ca.pem")),
	              "--force", NULL),
	          4);
	CHECK(strstr(out, "chmod 600") != NULL);
	chmod(P("vil/node.key"), 0600);
	/* a curve.key that is not the certificate's */
	CHECK_INT(run(cmd_init, "init", "--dir", P("vil-x"), "--id", "530102001007", NULL), 0);
	unlink(P("vil-x/node.key"));
	CHECK_INT(link(P("vil/node.key"), P("vil-x/node.key")), 0);
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil-x"), "--root-sha256", root_sha(P("root/ca.pem")),
	              NULL),
	          4);
	CHECK(strstr(out, "curve.key is not the CURVE key") != NULL);
	/* inspectors */
	CHECK_INT(
	    run(cmd_enroll, "enroll", P("root/issued/I5301-abc.bundle"), "--dir", P("insp"), "--root-sha256", root_sha(P("root/ca.pem")), NULL),
	    0);
	got = slurp(P("insp/node.cfg"));
	CHECK(got && strstr(got, "listen = \"\";\n") && !strstr(got, "parent"));
	free(got);
	test_enroll_layout();
}

/* Keys are neither written nor read in a directory looser than 0700. */
static void test_key_dirs(void)
{
	struct pki_self *self = NULL;
	char why[512] = "";

	/* init into a directory the operator made 0755 */
	CHECK_INT(mkdir(P("loose"), 0755), 0);
	chmod(P("loose"), 0755);
	CHECK_INT(run(cmd_init, "init", "--dir", P("loose"), "--id", "530102001009", NULL), 4);
	CHECK(strstr(out, "chmod 700") && strstr(out, P("loose")));
	CHECK(!file_exists(P("loose/node.key")) && !file_exists(P("loose/curve.key")));
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("loose"), "--scope", "54", "--name", "x",
	              NULL),
	          4);
	CHECK(strstr(out, "chmod 700") != NULL && !file_exists(P("loose/ca.key")));
	/* enroll and ca issue read keys: refused too */
	chmod(P("vil"), 0755);
	CHECK_INT(run(cmd_enroll, "enroll", P("c1/issued/530102001007.bundle"), "--dir", P("vil"), "--root-sha256", root_sha(P("root/ca.pem")),
	              "--force", NULL),
	          4);
	CHECK(strstr(out, "chmod 700") && strstr(out, P("vil")));
	/* and so does the node at start-up */
	CHECK_INT(pki_self_load(P("vil/node.key"), P("vil/node.pem"), P("vil/chain.pem"),
	                        P("vil/curve.key"), &self, why, sizeof(why)),
	          CN_EPERM);
	CHECK(strstr(why, "chmod 700") != NULL);
	chmod(P("vil"), 0700);
	CHECK_INT(pki_self_load(P("vil/node.key"), P("vil/node.pem"), P("vil/chain.pem"),
	                        P("vil/curve.key"), &self, why, sizeof(why)),
	          0);
	pki_self_free(&self);
	chmod(P("c1"), 0750);
	CHECK_INT(run(cmd_ca, "ca", "crl", "--ca", P("c1"), NULL), 4);
	CHECK(strstr(out, "chmod 700") != NULL);
	chmod(P("c1"), 0700);
	CHECK_INT(run(cmd_ca, "ca", "crl", "--ca", P("c1"), NULL), 0);
}

/* ------------------------------------------- verification and CLI */

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
	/* a bundle of that other PKI (a bundle swapped in the mail: root, CA and
	 * certificate all replaced, every signature good) does not enroll */
	CHECK_INT(run(cmd_enroll, "enroll", P("c9/issued/530102.bundle"), "--dir", P("county9"),
	              "--root-sha256", root_sha(P("root/ca.pem")), NULL),
	          4);
	CHECK(strstr(out, "altered") && strstr(out, root_sha(P("root/ca.pem"))));
	CHECK(!file_exists(P("county9/node.cfg")) && !file_exists(P("county9/root.pem")));
	CHECK_INT(run(cmd_enroll, "enroll", P("c9/issued/530102.bundle"), "--dir", P("county9"),
	              "--root", P("root/ca.pem"), NULL),
	          4);
	CHECK(strstr(out, "is not the one in") != NULL);
	/* nothing given and no root installed: refused, saying where to look */
	CHECK_INT(run(cmd_enroll, "enroll", P("c9/issued/530102.bundle"), "--dir", P("county9"),
	              NULL),
	          4);
	CHECK(strstr(out, "--root-sha256") && strstr(out, "carenet ca init"));
	CHECK_INT(run(cmd_enroll, "enroll", P("c9/issued/530102.bundle"), "--dir", P("county9"),
	              "--root-sha256", "12:34", NULL),
	          2);
	/* its own root's fingerprint, colons and capitals allowed, does */
	char colons[100] = "";
	const char *hex = root_sha(P("root2/ca.pem"));
	for (int i = 0; i < 32; i++)
		snprintf(colons + strlen(colons), sizeof(colons) - strlen(colons), "%s%c%c",
		         i ? ":" : "", toupper((unsigned char)hex[2 * i]),
		         toupper((unsigned char)hex[2 * i + 1]));
	CHECK_INT(run(cmd_enroll, "enroll", P("c9/issued/530102.bundle"), "--dir", P("county9"),
	              "--root-sha256", colons, NULL),
	          0);
	/* the root installed there: no fingerprint needed to enroll again */
	CHECK_INT(run(cmd_enroll, "enroll", P("c9/issued/530102.bundle"), "--dir", P("county9"),
	              "--force", NULL),
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
	    run(cmd_enroll, "enroll", P("vil-new.bundle"), "--dir", P("vil"), "--root-sha256", root_sha(P("root/ca.pem")), "--force", NULL),
	    0); /* re-issued: a new serial */
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--ca", P("c1"), "--id", "530102001007", NULL), 0);
	/* revoked (a lost key): issued again without --force */
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("vil/request.pem"),
	              "--out", P("vil-2.bundle"), NULL),
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
	CHECK(strstr(out, "\"id\":\"530102001007\",\"role\":\"village\""));
	CHECK(strstr(out, "\"id\":\"530102001\"") != NULL);
	CHECK_INT(run(cmd_ca, "ca", "list", "--ca", P("root"), NULL), 0);
	CHECK(strstr(out, "530103") && strstr(out, "revoked"));
	free(old_crl);
	pki_trust_free(&t);
}

/* 1 if the ca list --json entry (in out) of serial contains text. */
static int json_entry_has(const char *serial, const char *text)
{
	char want[120], entry[1024];
	const char *at, *end;

	snprintf(want, sizeof(want), "\"serial\":\"%s\"", serial);
	if (!(at = strstr(out, want)) || !(end = strchr(at, '}')) ||
	    (size_t)(end - at) >= sizeof(entry))
		return 0;
	memcpy(entry, at, (size_t)(end - at));
	entry[end - at] = 0;
	return strstr(entry, text) != NULL;
}

#define CSV_HEAD "\xef\xbb\xbfid,role,name,serial,issued,valid_until,revoked_at,state\r\n"

/* ca issue --force: the superseded certificate is revoked at once and kept. */
static void test_force_supersedes(void)
{
	struct pki_trust *t = trust_of(P("root/ca.pem"));
	struct pki_identity old, id;
	char *pem, hist[PATH_MAX + 300];

	CHECK_INT(pki_trust_add_ca_file(t, P("c1/chain.pem")), 0);
	CHECK_INT(verify_files(t, P("town/node.pem"), P("town/chain.pem"), &old), 0);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("town/request.pem"),
	              "--out", P("town-again.bundle"), NULL),
	          4); /* not without --force */
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--csr", P("town/request.pem"),
	              "--force", "--out", P("town-again.bundle"), NULL),
	          0);
	CHECK(strstr(out, old.serial) && strstr(out, "revoked"));
	/* the old certificate is in the history, the CRL revokes it */
	snprintf(hist, sizeof(hist), "c1/issued/superseded/530102001-%s.pem", old.serial);
	CHECK(file_exists(P("%s", hist)));
	pem = slurp(P("c1/revoked"));
	CHECK(pem && strstr(pem, old.serial) && strstr(pem, "superseded 530102001"));
	free(pem);
	CHECK_INT(pki_trust_add_crl_file(t, P("c1/crl.pem")), 0);
	CHECK_INT(pki_trust_is_revoked(t, "530102", old.serial), 1);
	CHECK_INT(verify_files(t, P("town/node.pem"), P("town/chain.pem"), &id), CN_EREVOKED);
	CHECK_INT(verify_files(t, P("c1/issued/530102001.pem"), P("c1/chain.pem"), &id), 0);
	CHECK(strcmp(id.serial, old.serial) != 0);
	/* the bundle carries the new CRL */
	pem = slurp(P("town-again.bundle"));
	CHECK(pem != NULL);
	free(pem);
	/* ca list shows both, the old one superseded and revoked */
	CHECK_INT(run(cmd_ca, "ca", "list", "--ca", P("c1"), NULL), 0);
	CHECK(strstr(out, "(superseded), superseded") && strstr(out, old.serial) &&
	      strstr(out, id.serial) && strstr(out, "VALID UNTIL"));
	CHECK_INT(run(cmd_ca, "ca", "list", "--ca", P("c1"), "--json", NULL), 0);
	CHECK(json_entry_has(old.serial, "\"revoked\":true,\"revoked_at\":"));
	CHECK(json_entry_has(old.serial, "\"revoked_reason\":\"superseded\",\"superseded\":true"));
	CHECK(json_entry_has(id.serial, "\"revoked\":false,\"revoked_at\":null"));
	CHECK(json_entry_has(id.serial, "\"superseded\":false"));
	CHECK(json_entry_has(id.serial, "\"not_before\":"));
	/* --csv: the BOM, a header, one row per certificate */
	CHECK_INT(run(cmd_ca, "ca", "list", "--ca", P("c1"), "--csv", NULL), 0);
	CHECK(strncmp(out, CSV_HEAD, sizeof(CSV_HEAD) - 1) == 0);
	CHECK(strstr(out, old.serial) && strstr(out, id.serial));
	/* the town enrolls the new certificate (same keys) */
	CHECK_INT(run(cmd_enroll, "enroll", P("town-again.bundle"), "--dir", P("town"), "--force",
	              NULL),
	          0);
	pki_trust_free(&t);
}

static struct renew_files renew_files_of(const char *dir, char paths[6][PATH_MAX])
{
	static const char *names[6] = {"node.key", "node.pem", "chain.pem",
	                               "curve.key", "root.pem", "parent.pem"};
	struct renew_files f;

	for (int i = 0; i < 6; i++)
		snprintf(paths[i], PATH_MAX, "%s", P("%s/%s", dir, names[i]));
	f.key = paths[0], f.cert = paths[1], f.chain = paths[2], f.curve = paths[3];
	f.root = paths[4], f.parent = paths[5];
	return f;
}

/* Splices a renewal request: the request block of a, the certificate of b,
 * the signature of c (blocks 0, 1, 2 of each file). */
static void splice_req(const char *dst, const char *a, const char *b, const char *c)
{
	const char *src[3] = {a, b, c};
	FILE *f = fopen(dst, "w");

	for (int i = 0; i < 3 && f; i++) {
		char *t = slurp(src[i]), *at = t;
		for (int k = 0; at && k < i; k++)
			at = strstr(at + 1, "-----BEGIN ");
		char *end = at ? strstr(at, "-----END ") : NULL;
		end = end ? strchr(end, '\n') : NULL;
		if (at && end)
			fwrite(at, 1, (size_t)(end + 1 - at), f);
		free(t);
	}
	if (f)
		fclose(f);
}

/* ca issue --renew: the renewal is proven by the current key; the old
 * certificate stays valid (not revoked) and the history says renewed-by;
 * a proof by another office's key is refused. enroll --renew installs the
 * new certificate, with the same keys and with rotated ones. */
static void test_renew(void)
{
	char tp[6][PATH_MAX], vp[6][PATH_MAX], *pem;
	struct renew_files town = renew_files_of("county", tp), vil = renew_files_of("town", vp);
	struct pki_trust *t = trust_of(P("root/ca.pem"));
	struct pki_identity old, id, rot;

	CHECK_INT(pki_trust_add_ca_file(t, P("c1/chain.pem")), 0);
	CHECK_INT(pki_trust_add_crl_file(t, P("c1/crl.pem")), 0);
	CHECK_INT(verify_files(t, P("town/node.pem"), P("town/chain.pem"), &old), 0);
	/* same keys */
	CHECK_INT(renew_request(&vil, 0, P("town1-renew.pem")), 0);
	CHECK_INT(renew_request(&town, 0, P("county-renew.pem")), 0);
	/* a request not proven (a plain one), or proven by another office */
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--renew", "--csr",
	              P("town/request.pem"), NULL), 4);
	splice_req(P("forged1.pem"), P("town1-renew.pem"), P("county-renew.pem"), P("county-renew.pem"));
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--renew", "--csr", P("forged1.pem"),
	              "--out", P("x.bundle"), NULL), 4);
	CHECK(strstr(out, "certificate that signs it is of 530102\n") != NULL);
	splice_req(P("forged2.pem"), P("town1-renew.pem"), P("town1-renew.pem"), P("county-renew.pem"));
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--renew", "--csr", P("forged2.pem"),
	              "--out", P("x.bundle"), NULL), 4);
	CHECK(strstr(out, "does not verify") != NULL);
	CHECK(!file_exists(P("x.bundle")));
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--renew", "--force", "--csr",
	              P("town1-renew.pem"), NULL), 2);
	/* the real one: issued, the old certificate not revoked */
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--renew", "--csr", P("town1-renew.pem"),
	              "--out", P("town1-renew.bundle"), NULL), 0);
	pem = slurp(P("c1/revoked"));
	CHECK(!pem || !strstr(pem, old.serial));
	free(pem);
	CHECK_INT(pki_trust_add_crl_file(t, P("c1/crl.pem")), 0);
	CHECK_INT(verify_files(t, P("town/node.pem"), P("town/chain.pem"), &id), 0);
	CHECK_INT(verify_files(t, P("c1/issued/530102001.pem"), P("c1/chain.pem"), &id), 0);
	CHECK(strcmp(id.serial, old.serial) != 0);
	CHECK_INT(run(cmd_ca, "ca", "list", "--ca", P("c1"), NULL), 0);
	CHECK(strstr(out, "renewed by ") && strstr(out, id.serial));
	CHECK_INT(run(cmd_ca, "ca", "list", "--ca", P("c1"), "--json", NULL), 0);
	CHECK(json_entry_has(old.serial, "\"revoked\":false,"));
	CHECK(json_entry_has(old.serial, "\"superseded\":true"));
	CHECK(json_entry_has(old.serial, id.serial));
	CHECK_INT(renew_install(&vil, P("town1-renew.bundle")), 0);
	CHECK_INT(verify_files(t, P("town/node.pem"), P("town/chain.pem"), &rot), 0);
	CHECK(strcmp(rot.serial, id.serial) == 0);
	CHECK(file_exists(P("town/renew/previous/node.pem")));
	/* the old certificate, superseded by renewal, still proves a renewal */
	CHECK_INT(renew_request(&vil, RENEW_ROTATE_SIGN, P("town1-rot.pem")), 0);
	CHECK(file_exists(P("town/renew/node.key")) && !file_exists(P("town/renew/curve.key")));
	CHECK_INT(renew_request(&vil, RENEW_ROTATE_ALL, P("town1-rot.pem")), 0);
	CHECK(file_exists(P("town/renew/node.key")) && file_exists(P("town/renew/curve.key")));
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("c1"), "--renew", "--csr", P("town1-rot.pem"),
	              "--out", P("town1-rot.bundle"), NULL), 0);
	/* the bundle is not for the town */
	CHECK_INT(renew_install(&town, P("town1-rot.bundle")), 4);
	CHECK_INT(renew_install(&vil, P("town1-rot.bundle")), 0);
	CHECK(!file_exists(P("town/renew/node.key")) && !file_exists(P("town/renew/node.pem")));
	CHECK_INT(verify_files(t, P("town/node.pem"), P("town/chain.pem"), &rot), 0);
	CHECK(memcmp(rot.sign_pub, old.sign_pub, PKI_PUB_LEN) != 0);
	CHECK(memcmp(rot.curve_pub, old.curve_pub, PKI_CURVE_LEN) != 0);
	pem = slurp(P("town/node.pem"));
	{ char w[256]; CHECK_INT(pki_key_matches_cert(P("town/node.key"), NULL, pem, strlen(pem), w, sizeof(w)), 0); }
	free(pem);
	CHECK_INT(renew_install(&vil, P("town1-rot.bundle")), 0); /* again: already installed */
	pki_trust_free(&t);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_LVL_ERROR, "test_ca");
	if (fixture_open("test_ca") != 0)
		return 1;
	test_ca_init();
	test_init();
	test_bad_requests();
	test_issue();
	test_bundle();
	test_enroll();
	test_key_dirs();
	test_other_root();
	test_revoke();
	test_force_supersedes();
	test_renew();
	return fixture_close("test_ca");
}
