/*
 * renew: "carenet renew" and "enroll --renew" (the node side) and the check
 * of "ca issue --renew" (the CA side). See renew.h for the request's form.
 */
#include "renew.h"
#include "arr.h"
#include "ca_int.h"
#include "err.h"
#include "pki.h"
#include "pki_issue.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zmq.h>

#define CSR_BEGIN "-----BEGIN CERTIFICATE REQUEST-----"
#define CSR_END "-----END CERTIFICATE REQUEST-----\n"
#define CERT_BEGIN "-----BEGIN CERTIFICATE-----"
#define CERT_END "-----END CERTIFICATE-----\n"

/* The first block of buf from begin to end (included): start and length. */
static int pem_block(const char *buf, const char *begin, const char *end, const char **at,
                     size_t *len)
{
	const char *b = strstr(buf, begin), *e;

	if (!b || !(e = strstr(b, end)))
		return CN_EINVAL;
	*at = b;
	*len = (size_t)(e - b) + strlen(end);
	return 0;
}

static char *pem_dup(const char *buf, const char *begin, const char *end)
{
	const char *at;
	size_t len;
	char *s;

	if (pem_block(buf, begin, end, &at, &len) != 0 || !(s = malloc(len + 1)))
		return NULL;
	memcpy(s, at, len);
	s[len] = 0;
	return s;
}

/* RENEW_CONTEXT || csr, what the current key signs. Caller frees. */
static char *signed_text(const char *csr)
{
	char *m = malloc(strlen(RENEW_CONTEXT) + strlen(csr) + 1);

	if (m)
		sprintf(m, "%s%s", RENEW_CONTEXT, csr);
	return m;
}

/* The directory of the key file, and DIR/renew/NAME in it. */
static int staged(const struct renew_files *f, const char *name, char *out)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(f->key, '/');
	int n;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - f->key), f->key) >= PATH_MAX)
		return CN_EINVAL;
	n = snprintf(out, PATH_MAX, "%s/renew%s%s", dir, name[0] ? "/" : "", name);
	return n > 0 && n < PATH_MAX ? 0 : CN_EINVAL;
}

static int current_identity(const struct renew_files *f, struct pki_identity *id, char **leaf)
{
	char why[WHY_MAX], *pem = NULL;
	size_t len;
	int rc;

	*leaf = NULL;
	if ((rc = ca_read(f->cert, &pem, &len)) != 0)
		return ca_fail(rc, "cannot read %s: %s", f->cert, cn_strerror(rc));
	if ((rc = pki_cert_parse(pem, len, id, NULL, why, sizeof(why))) != 0)
		rc = ca_fail(rc, "%s: %s", f->cert, why);
	else if (!(*leaf = pem_dup(pem, CERT_BEGIN, CERT_END)))
		rc = ca_fail(CN_EINVAL, "%s holds no certificate", f->cert);
	free(pem);
	return rc;
}

/* The request's signature by the current key, as a PEM block. */
static char *proof_block(const struct renew_files *f, const char *csr)
{
	struct pki_self *self = NULL;
	uint8_t sig[PKI_SIG_LEN];
	char why[WHY_MAX], b64[128], *m = signed_text(csr), *out = NULL;
	int rc;

	if (!m)
		return NULL;
	if ((rc = pki_self_load(f->key, f->cert, f->chain, f->curve, &self, why, sizeof(why))))
		ca_fail(rc, "cannot load the current identity: %s", why);
	else if (pki_sign(self, (const uint8_t *)m, strlen(m), sig) != 0)
		ca_fail(CN_ECRYPTO, "cannot sign the renewal request");
	else if (EVP_EncodeBlock((unsigned char *)b64, sig, PKI_SIG_LEN) > 0 &&
	         (out = malloc(strlen(RENEW_SIG_BEGIN) + strlen(b64) + strlen(RENEW_SIG_END) + 2)))
		sprintf(out, "%s%s\n%s", RENEW_SIG_BEGIN, b64, RENEW_SIG_END);
	pki_self_free(&self);
	free(m);
	return out;
}

/* --rotate: the new keys in KEYDIR/renew/, made once (the CURVE key only
 * when with_curve; else curve is left naming the current one). */
static int rotate_keys(const struct renew_files *f, int with_curve, char *key, char *curve)
{
	char cur[PATH_MAX];

	char dir[PATH_MAX], why[WHY_MAX];
	int rc;

	snprintf(cur, sizeof(cur), "%s", curve);
	if (staged(f, "", dir) || staged(f, "node.key", key) || staged(f, "curve.key", curve))
		return ca_fail(CN_EINVAL, "path too long: %s", f->key);
	if (!with_curve) {
		unlink(curve); /* a CURVE key of an earlier --rotate-curve is not wanted */
		snprintf(curve, PATH_MAX, "%s", cur);
	}
	if (util_mkdirs(dir, 0700) != 0)
		return ca_fail(CN_EIO, "cannot create %s: %s", dir, strerror(errno));
	if (!ca_exists(key) && (rc = pki_key_generate(key, NULL, why, sizeof(why))) != 0)
		return ca_fail(rc, "%s", why);
	if (with_curve && !ca_exists(curve) && (rc = pki_curve_generate(curve)) != 0)
		return ca_fail(rc, "cannot create the CURVE key %s: %s", curve, cn_strerror(rc));
	return 0;
}

int renew_request(const struct renew_files *f, int rotate, const char *out)
{
	struct pki_identity id;
	struct pki_req_params p = {0};
	char key[PATH_MAX], curve[PATH_MAX], path[PATH_MAX], why[WHY_MAX];
	char *leaf = NULL, *csr = NULL, *proof = NULL, *all = NULL;
	int rc;

	if ((rc = current_identity(f, &id, &leaf)) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s", f->key);
	snprintf(curve, sizeof(curve), "%s", f->curve);
	/* an office without children changes its CURVE key with its key */
	if (rotate && (rc = rotate_keys(f,
	                                rotate == RENEW_ROTATE_ALL || id.role == PKI_ROLE_VILLAGE ||
	                                    id.role == PKI_ROLE_INSPECTOR,
	                                key, curve)) != 0)
		goto out;
	p.id = id.id;
	p.scope = id.role == PKI_ROLE_INSPECTOR ? id.scope : NULL;
	p.name = id.name[0] ? id.name : NULL;
	p.curve_path = curve;
	if ((rc = pki_req_create(key, &p, &csr, why, sizeof(why))) != 0) {
		rc = ca_fail(rc, "cannot make the request: %s", why);
		goto out;
	}
	if (!(proof = proof_block(f, csr)) ||
	    !(all = malloc(strlen(csr) + strlen(leaf) + strlen(proof) + 1))) {
		rc = proof ? ca_fail(CN_ENOMEM, "out of memory") : CN_ECRYPTO;
		goto out;
	}
	sprintf(all, "%s%s%s", csr, leaf, proof);
	if (!out && (staged(f, "", path) != 0 || util_mkdirs(path, 0700) != 0 ||
	             staged(f, "request.pem", path) != 0)) {
		rc = ca_fail(CN_EIO, "cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = util_write_file(out ? out : path, all, strlen(all), 0644, 0)) != 0) {
		rc = ca_fail(rc, "cannot write %s: %s", out ? out : path, cn_strerror(rc));
		goto out;
	}
	fprintf(stderr,
	        "renewal request for %s %s (%s keys); give it to the CA, which runs\n"
	        "  carenet ca issue --ca CADIR --renew --csr %s\n"
	        "then install the bundle: carenet enroll --renew BUNDLE -c node.cfg\n",
	        pki_role_name(id.role), id.id,
	        !rotate                        ? "same"
	        : strcmp(curve, f->curve) == 0 ? "new signing key, same CURVE"
	                                       : "new",
	        out ? out : path);
	printf("%s\n", out ? out : path);
out:
	free(leaf), free(csr), free(proof), free(all);
	return rc;
}

/* ------------------------------------------------------------ CA side */

/* The CA's trust: its root, its own certificate (county CA), its CRL. */
static int ca_trust(const char *cadir, const struct pki_ca *ca, struct pki_trust **t, char **chain)
{
	char path[PATH_MAX];
	int root = pki_ca_is_root(ca), rc;

	*chain = root ? util_strdup("") : ca_read_opt(cadir, "chain.pem");
	if (!*chain || ca_path(path, cadir, root ? "ca.pem" : "root.pem") != 0)
		return CN_ENOMEM;
	if ((rc = pki_trust_new(path, t)) != 0)
		return rc;
	if (!root && (rc = pki_trust_add_ca_pem(*t, *chain, strlen(*chain))) != 0)
		return rc;
	if (ca_path(path, cadir, "crl.pem") == 0 && ca_exists(path))
		return pki_trust_add_crl_file(*t, path);
	return 0;
}

/* The current certificate of the request verifies against this CA now. */
static int renew_cert_ok(const char *cadir, const struct pki_ca *ca, const char *leaf,
                         struct pki_identity *id)
{
	struct pki_trust *t = NULL;
	uint8_t **der = NULL;
	size_t *lens = NULL, n = 0;
	char why[WHY_MAX] = "", *chain = NULL, *all = NULL;
	int rc;

	if ((rc = ca_trust(cadir, ca, &t, &chain)) != 0) {
		rc = ca_fail(rc, "cannot load the trust of the CA in %s: %s", cadir,
		             cn_strerror(rc));
		goto out;
	}
	if (!(all = malloc(strlen(leaf) + strlen(chain) + 2))) {
		rc = ca_fail(CN_ENOMEM, "out of memory");
		goto out;
	}
	sprintf(all, "%s\n%s", leaf, chain);
	if ((rc = pki_pem_to_der(all, strlen(all), &der, &lens, &n)) == 0)
		rc =
		    pki_verify_chain(t, (const uint8_t *const *)der, lens, n, id, why, sizeof(why));
	if (rc == 0 && strcmp(id->issuer_scope, pki_ca_scope(ca)) != 0) {
		rc = CN_ESCOPE;
		snprintf(why, sizeof(why), "issued by CA %s, not by this CA %s", id->issuer_scope,
		         pki_ca_scope(ca));
	}
	if (rc != 0)
		rc = ca_fail(rc,
		             "renewal refused: the certificate it carries is not a currently "
		             "valid certificate of this CA (%s); a new enrollment needs "
		             "'ca issue' without --renew",
		             why[0] ? why : cn_strerror(rc));
out:
	pki_der_list_free(&der, &lens, n);
	pki_trust_free(&t);
	free(chain);
	free(all);
	return rc;
}

/* The signature block's 64 bytes. */
static int proof_sig(const char *buf, uint8_t sig[PKI_SIG_LEN])
{
	unsigned char raw[96];
	char b64[128];
	const char *at;
	size_t len, k = 0;

	if (pem_block(buf, RENEW_SIG_BEGIN, RENEW_SIG_END, &at, &len) != 0)
		return CN_EINVAL;
	for (const char *p = at + strlen(RENEW_SIG_BEGIN); p < at + len - strlen(RENEW_SIG_END);
	     p++)
		if (*p != '\n' && *p != '\r' && k < sizeof(b64) - 1)
			b64[k++] = *p;
	b64[k] = 0;
	if (k != 88 || EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)k) != 66)
		return CN_EINVAL;
	memcpy(sig, raw, PKI_SIG_LEN);
	return 0;
}

int ca_renew_check(const char *cadir, const struct pki_ca *ca, const char *buf, size_t len,
                   char **csr, char *old_serial)
{
	struct pki_identity id;
	struct pki_req *req = NULL;
	uint8_t sig[PKI_SIG_LEN];
	char why[WHY_MAX], *leaf = pem_dup(buf, CERT_BEGIN, CERT_END), *m = NULL;
	const struct pki_identity *rid;
	int rc;

	(void)len;
	*csr = pem_dup(buf, CSR_BEGIN, CSR_END);
	if (!*csr || !leaf || proof_sig(buf, sig) != 0) {
		rc = ca_fail(CN_EINVAL,
		             "not a renewal request: it needs a certificate request, the office's "
		             "current certificate and a renewal signature ('carenet renew')");
		goto out;
	}
	if ((rc = pki_req_parse(*csr, strlen(*csr), &req, why, sizeof(why))) != 0) {
		rc = ca_fail(rc, "renewal refused: %s", why);
		goto out;
	}
	if ((rc = renew_cert_ok(cadir, ca, leaf, &id)) != 0)
		goto out;
	rid = pki_req_identity(req, NULL);
	if (strcmp(rid->id, id.id) != 0 || rid->role != id.role) {
		rc = ca_fail(CN_EVERIFY,
		             "renewal refused: the request is for %s but the certificate that "
		             "signs it is of %s",
		             rid->id, id.id);
		goto out;
	}
	if (!(m = signed_text(*csr)) ||
	    pki_verify_sig(id.sign_pub, (const uint8_t *)m, strlen(m), sig) != 0) {
		rc = ca_fail(CN_EVERIFY,
		             "renewal refused: the renewal signature does not verify with the key "
		             "of %s's certificate (serial %s): made with another office's key, or "
		             "altered",
		             id.id, id.serial);
		goto out;
	}
	snprintf(old_serial, 64, "%s", id.serial);
	rc = 0;
out:
	if (rc != 0) {
		free(*csr);
		*csr = NULL;
	}
	pki_req_free(&req);
	free(leaf);
	free(m);
	return rc;
}

/* ------------------------------------------------------------ install */

/* Which key and CURVE key the new certificate is for: those waiting in
 * KEYDIR/renew/ (rotated) or the current ones. */
static int install_keys(const struct renew_files *f, const char *cert,
                        const struct pki_identity *id, char *key, char *curve)
{
	char why[WHY_MAX], pub[41], sec[41];
	uint8_t raw[PKI_CURVE_LEN];
	const char *c[2];

	if (staged(f, "node.key", key) != 0 || staged(f, "curve.key", curve) != 0)
		return ca_fail(CN_EINVAL, "path too long: %s", f->key);
	if (!ca_exists(key) ||
	    pki_key_matches_cert(key, NULL, cert, strlen(cert), why, sizeof(why)) != 0) {
		if (pki_key_matches_cert(f->key, NULL, cert, strlen(cert), why, sizeof(why)) != 0)
			return ca_fail(CN_EKEYMISMATCH,
			               "the bundle's certificate is for neither %s nor the key "
			               "waiting in %s: was it issued for another request?",
			               f->key, key);
		key[0] = 0; /* the current key stays */
	}
	c[0] = curve, c[1] = f->curve;
	for (int i = 0; i < 2; i++) {
		if (i == 0 && !ca_exists(curve))
			continue;
		if (pki_curve_read(c[i], pub, sec) != 0)
			continue;
		explicit_bzero(sec, sizeof(sec));
		if (zmq_z85_decode(raw, pub) && memcmp(raw, id->curve_pub, PKI_CURVE_LEN) == 0) {
			if (i == 1)
				curve[0] = 0;
			return 0;
		}
	}
	return ca_fail(CN_EKEYMISMATCH,
	               "the bundle's CURVE key is neither %s's nor the one waiting in %s", f->curve,
	               curve);
}

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return CN_EIO;
	rc = fsync(fd) == 0 ? 0 : CN_EIO;
	close(fd);
	return rc;
}

/* KEYDIR/renew/previous/NAME: a hard link to live (what it replaces). */
static int keep_previous(const struct renew_files *f, const char *live, const char *name)
{
	char prev[PATH_MAX], dir[PATH_MAX];

	if (!live || !ca_exists(live))
		return 0;
	if (staged(f, "previous", dir) != 0 ||
	    snprintf(prev, sizeof(prev), "%s/%s", dir, name) >= (int)sizeof(prev))
		return CN_EINVAL;
	if (util_mkdirs(dir, 0700) != 0)
		return CN_EIO;
	unlink(prev);
	return link(live, prev) == 0 ? 0 : CN_EIO;
}

struct step {
	const char *name, *live, *text; /* text NULL: a key already waiting */
};

int renew_install(const struct renew_files *f, const char *bundle)
{
	struct pki_identity id, cur;
	char key[PATH_MAX], curve[PATH_MAX], src[PATH_MAX], *leaf = NULL;
	char *cert = NULL, *chain = NULL, *parent = NULL;
	int rc, resume;

	if ((rc = current_identity(f, &cur, &leaf)) != 0 ||
	    (rc = enroll_bundle_check(bundle, f->root, &id, &cert, &chain, &parent)) != 0)
		goto out;
	if (strcmp(id.id, cur.id) != 0) {
		rc = ca_fail(CN_EINVAL, "the bundle is for %s, this node is %s", id.id, cur.id);
		goto out;
	}
	if (strcmp(id.serial, cur.serial) == 0) {
		fprintf(stderr, "carenet: %s already holds certificate %s\n", f->cert, id.serial);
		goto out;
	}
	if ((rc = install_keys(f, cert, &id, key, curve)) != 0)
		goto out;
	{
		const struct step steps[] = {
		    {"curve.key", curve[0] ? f->curve : NULL, NULL},
		    {"node.key", key[0] ? f->key : NULL, NULL},
		    {"chain.pem", f->chain, chain},
		    {"parent.pem", f->parent && parent[0] ? f->parent : NULL, parent},
		    {"node.pem", f->cert,
		     cert}, /* last: its presence in renew/ marks the install */
		};
		resume = staged(f, "node.pem", src) == 0 && ca_exists(src);
		for (size_t i = 0; i < ARRAY_LEN(steps) && rc == 0; i++)
			if (steps[i].live && !resume)
				rc = keep_previous(f, steps[i].live, steps[i].name);
		for (size_t i = 0; i < ARRAY_LEN(steps) && rc == 0; i++) {
			if (!steps[i].live || (rc = staged(f, steps[i].name, src)) != 0)
				continue;
			if (steps[i].text)
				rc = util_write_file(src, steps[i].text, strlen(steps[i].text),
				                     0644, 0);
		}
		for (size_t i = 0; i < ARRAY_LEN(steps) && rc == 0; i++) {
			if (!steps[i].live || staged(f, steps[i].name, src) != 0 || !ca_exists(src))
				continue;
			if (rename(src, steps[i].live) != 0 || fsync_dir_of(steps[i].live) != 0)
				rc = CN_EIO;
		}
	}
	if (rc != 0) {
		rc = ca_fail(rc,
		             "installing the renewal failed (%s): run the same command again "
		             "to complete it",
		             strerror(errno));
		goto out;
	}
	fprintf(
	    stderr,
	    "renewed %s %s: serial %s replaces %s (%s); the old files are in the renew/previous "
	    "directory beside %s; restart the node: its queued items signed by the old key "
	    "still travel while the old certificate is valid\n",
	    pki_role_name(id.role), id.id, id.serial, cur.serial, key[0] ? "new keys" : "same keys",
	    f->key);
out:
	free(leaf), free(cert), free(chain), free(parent);
	return rc;
}
