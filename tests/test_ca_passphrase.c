/*
 * test_ca_passphrase: CA keys under a passphrase -- ca init --passphrase-file
 * writes an encrypted PKCS#8 key (AES-256, PBES2), mode 0600; ca issue, revoke
 * and crl refuse clearly without it or with the wrong one, and take it from a
 * file or the environment; a county CA made at once is protected too; a plain
 * key ignores a passphrase given.
 *
 * usage: test_ca_passphrase TESTDATADIR (files in a mkdtemp directory, removed
 * at the end unless KEEP_TMP is set). Exits non-zero on any failure.
 */
#define _GNU_SOURCE /* nftw */
#include "log.h"
#include "ca_int.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki_fixture.h"

/* A CA whose key is encrypted: every signing command wants the passphrase,
 * from --passphrase-file or CARENET_CA_PASSPHRASE, and says so. */
static void test_passphrase(void)
{
	FILE *f = fopen(P("pass"), "w");
	char *key;

	CHECK(f != NULL);
	fputs("correct horse battery staple\n", f);
	fclose(f);
	f = fopen(P("wrong"), "w");
	CHECK(f != NULL);
	fputs("Tr0ub4dor&3\n", f);
	fclose(f);
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("rootp"), "--scope", "54", "--name",
	              "西藏自治区民政厅", "--passphrase-file", P("pass"), NULL),
	          0);
	key = slurp(P("rootp/ca.key"));
	CHECK(key && strstr(key, "-----BEGIN ENCRYPTED PRIVATE KEY-----") &&
	      !strstr(key, "-----BEGIN PRIVATE KEY-----"));
	free(key);
	CHECK_INT(mode_of(P("rootp/ca.key")), 0600);
	/* AES-256 (PBES2): the algorithm named in the PKCS#8 structure */
	{
		BIO *bio = BIO_new_file(P("rootp/ca.key"), "r");
		X509_SIG *p8 = bio ? PEM_read_bio_PKCS8(bio, NULL, NULL, NULL) : NULL;
		const X509_ALGOR *alg = NULL;
		char txt[80] = "";
		CHECK(p8 != NULL);
		if (p8) {
			X509_SIG_get0(p8, &alg, NULL);
			OBJ_obj2txt(txt, sizeof(txt), alg->algorithm, 0);
		}
		CHECK_STR(txt, "PBES2");
		X509_SIG_free(p8);
		BIO_free(bio);
	}
	CHECK_INT(run(cmd_init, "init", "--dir", P("inspp"), "--inspector", "--scope", "54", "--id",
	              "p1", NULL),
	          0);
	/* no passphrase, the wrong one: refused, clearly */
	unsetenv(CA_PASS_ENV);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("rootp"), "--csr", P("inspp/request.pem"),
	              NULL),
	          4);
	CHECK(strstr(out, "is encrypted") && strstr(out, "--passphrase-file") &&
	      strstr(out, CA_PASS_ENV));
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("rootp"), "--csr", P("inspp/request.pem"),
	              "--passphrase-file", P("wrong"), NULL),
	          4);
	CHECK(strstr(out, "wrong passphrase") != NULL);
	CHECK(!file_exists(P("rootp/issued/I54-p1.pem")));
	CHECK_INT(run(cmd_ca, "ca", "crl", "--ca", P("rootp"), "--passphrase-file", P("nofile"),
	              NULL),
	          4); /* a file that does not exist: refused input */
	/* the right one: from the file, or from the environment */
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("rootp"), "--csr", P("inspp/request.pem"),
	              "--passphrase-file", P("pass"), NULL),
	          0);
	CHECK(file_exists(P("rootp/issued/I54-p1.pem")));
	setenv(CA_PASS_ENV, "correct horse battery staple", 1);
	CHECK_INT(run(cmd_ca, "ca", "revoke", "--ca", P("rootp"), "--id", "I54-p1", NULL), 0);
	CHECK_INT(run(cmd_ca, "ca", "crl", "--ca", P("rootp"), NULL), 0);
	/* a county CA at once: the passphrase opens the root's key and protects its own */
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("c54"), "--scope", "540102", "--name", "x",
	              "--root", P("rootp"), NULL),
	          0);
	key = slurp(P("c54/ca.key"));
	CHECK(key && strstr(key, "ENCRYPTED PRIVATE KEY"));
	free(key);
	setenv(CA_PASS_ENV, "nope", 1);
	CHECK_INT(run(cmd_ca, "ca", "crl", "--ca", P("c54"), NULL), 4);
	CHECK(strstr(out, "wrong passphrase") != NULL);
	unsetenv(CA_PASS_ENV);
	/* a plain key needs none, and ignores one given */
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("plain"), "--scope", "55", "--name", "x", NULL),
	          0);
	CHECK_INT(run(cmd_ca, "ca", "crl", "--ca", P("plain"), "--passphrase-file", P("pass"), NULL),
	          0);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_LVL_ERROR, "test_ca_passphrase");
	if (fixture_open("test_ca_passphrase") != 0)
		return 1;
	test_passphrase();
	return fixture_close("test_ca_passphrase");
}
