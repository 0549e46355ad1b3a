/*
 * cli_crl: `crl publish` — a county sends its CA's revocation list down the
 * tree, in one control request the node checks against the network's CAs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "args.h"
#include "cmd.h"
#include "err.h"
#include "util.h"

#define CRL_MAX_FILE (1 << 20) /* the node takes control requests up to 1 MiB */

/* --------------------------------------------------------------- crl */

static const struct args_opt crl_opts[] = {
    {"config", 'c', "CFG",
     "the county's (or the province's) node configuration (default " CONFIG_DEFAULT_PATH ")"},
    {0}};
static const struct args_cmd crl_publish_cmd = {
    "carenet crl publish", "[-c CFG] FILE",
    "Sends a certificate revocation list (PEM or DER, e.g. the crl.pem written by\n"
    "carenet ca revoke) down the tree: at a county node its county CA's, to its\n"
    "townships and villages; at the province node the root CA's (a county CA, an\n"
    "inspector or a prefecture revoked), through every prefecture and county to\n"
    "every office. Every node checks it against the network's CAs, refuses the\n"
    "revoked certificates from then on and drops their live sessions.\n",
    crl_opts,
    "Refused (exit 4): not a county or the province, or the list does not verify.\n"};

/* The CRL in FILE (PEM or DER), or NULL with *rc set and the reason printed;
 * caller frees it with X509_CRL_free. */
static X509_CRL *crl_read(const char *path, int *rc)
{
	uint8_t *buf = NULL;
	const unsigned char *p;
	size_t len;
	X509_CRL *crl = NULL;
	BIO *bio;

	if ((*rc = util_read_file(path, CRL_MAX_FILE, &buf, &len)) != 0) {
		fprintf(stderr, "carenet crl publish: %s: %s\n", path,
		        *rc == CN_ENOTFOUND ? "no such file"
		        : *rc == CN_ETOOBIG ? "over 1 MiB: not a revocation list"
		                            : cn_strerror(*rc));
		if (*rc == CN_ENOTFOUND || *rc == CN_ETOOBIG)
			*rc = CN_EINVAL;
		return NULL;
	}
	if (len > 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
		if ((bio = BIO_new_mem_buf(buf, (int)len)))
			crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		p = buf;
		crl = d2i_X509_CRL(NULL, &p, (long)len);
	}
	free(buf);
	*rc = crl ? 0 : CN_EINVAL;
	if (!crl)
		fprintf(stderr, "carenet crl publish: %s is not a revocation list (PEM or DER)\n",
		        path);
	return crl;
}

static int crl_publish(const char *cfgpath, const char *path)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__CrlPublishRequest cp = CARENET__CRL_PUBLISH_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	unsigned char *der = NULL;
	X509_CRL *crl;
	int rc, n;

	if (!(crl = crl_read(path, &rc)))
		return rc;
	if ((n = i2d_X509_CRL(crl, &der)) <= 0) {
		fprintf(stderr, "carenet crl publish: %s: cannot encode it as DER\n", path);
		rc = CN_ECRYPTO;
		goto out;
	}
	if ((rc = cli_config("carenet crl publish", cfgpath, &cfg)) != 0)
		goto out;
	cp.crl.data = der;
	cp.crl.len = (size_t)n;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CRL_PUBLISH, &cp);
	rc = cli_call("carenet crl publish", cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep);
	if (rc == 0) {
		STACK_OF(X509_REVOKED) *rv = X509_CRL_get_REVOKED(crl);
		printf("revocation list published: %d revoked certificate%s\n",
		       rv ? sk_X509_REVOKED_num(rv) : 0,
		       rv && sk_X509_REVOKED_num(rv) == 1 ? "" : "s");
	}
out:
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	OPENSSL_free(der);
	X509_CRL_free(crl);
	return rc;
}

static int crl_publish_cmd_run(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	struct args a;
	int ch, rc;

	args_begin(&a, &crl_publish_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 1, 1)) != 0)
		return rc;
	return cn_exit_code(crl_publish(cfgpath, argv[a.ind]));
}

static const struct args_sub crl_subs[] = {
    {"publish", crl_publish_cmd_run, "send the county CA's revocation list down the tree"},
};
static const struct args_group crl_group = {"carenet crl", NULL, crl_subs, 1, NULL};

int cmd_crl(int argc, char **argv)
{
	return args_dispatch(&crl_group, argc, argv);
}
