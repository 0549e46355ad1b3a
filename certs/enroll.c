/*
 * enroll: the node side of the PKI tools. "carenet init" makes a node's or
 * an inspector's keys and certificate request; "carenet enroll" checks and
 * installs the bundle the CA wrote and writes node.cfg. See certs/README.md.
 *
 * Single-threaded tools; messages to stderr, results to stdout; every
 * function returns the process exit status (cmd.h).
 */
#include "ca_int.h"
#include "args.h"
#include "certs_cmd.h"
#include "err.h"
#include "log.h"
#include "pki.h"
#include "pki_issue.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>
#include <openssl/crypto.h>
#include <zmq.h>

#define BUNDLE_MAX (4u << 20)
#define DEFAULT_LISTEN "tcp://0.0.0.0:7400"

/* ------------------------------------------------------------- init */

static const struct args_opt init_opts[] = {
    {"dir", 'd', "NODEDIR", "where the keys live (existing keys are never replaced)"},
    {"id", 'i', "ID",
     "the node's division code: 6 digits county, 9 township,\n"
     "12 village; with --inspector the tag (1..16 of a-z0-9,\n"
     "default 6 random hex digits)"},
    {"name", ARGS_LONG('n'), "NAME", "display name, UTF-8 (e.g. \"五华区民政局\")"},
    {"inspector", 'I', NULL, "an inspector: id I<SCOPE>-<TAG>"},
    {"scope", ARGS_LONG('s'), "SCOPE", "the division code (2..12 digits) the inspector may see"},
    {"curve-from", ARGS_LONG('k'), "OLDDIR",
     "copy curve.key from OLDDIR instead of making a\n"
     "new one (node.key is new): a township whose code\n"
     "changes (撤乡设镇) keeps the CURVE key its\n"
     "villages pin (certs/README.md)"},
    {0}};
static const struct args_cmd init_cmd = {
    "carenet init",
    "--dir NODEDIR --id ID [--name NAME] [--curve-from OLDDIR]\n"
    "--dir NODEDIR --inspector --scope SCOPE [--id TAG] [--name NAME]",
    "Makes a node's identity in NODEDIR (created 0700): node.key (Ed25519, 0600),\n"
    "curve.key (CURVE key pair, 0600) and request.pem, the certificate request to\n"
    "give to the CA ('carenet ca issue --ca CADIR --csr NODEDIR/request.pem').\n",
    init_opts, NULL};

/* The id to request: a node id as given, or an inspector id. */
static int init_id(const char *id, int inspector, const char *scope, char *out, size_t outlen)
{
	char tag[17];
	uint8_t r[3];

	if (!inspector) {
		if (pki_role_from_id(id) == PKI_ROLE_NONE || id[0] == 'I')
			return ca_fail(CN_EINVAL,
			               "invalid id \"%s\": a node id is its division code "
			               "of 6 (county), 9 (township) or 12 (village) digits",
			               id);
		snprintf(out, outlen, "%s", id);
		return 0;
	}
	if (!pki_scope_valid(scope))
		return ca_fail(CN_EINVAL,
		               "invalid --scope \"%s\": a division code of 2 to 12 digits", scope);
	if (!id) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return ca_fail(CN_EIO, "getrandom: %s", strerror(errno));
		snprintf(tag, sizeof(tag), "%02x%02x%02x", r[0], r[1], r[2]);
		id = tag;
	}
	snprintf(out, outlen, "I%s-%s", scope, id);
	if (strlen(id) > 16 || pki_role_from_id(out) != PKI_ROLE_INSPECTOR)
		return ca_fail(CN_EINVAL, "invalid inspector tag \"%s\": 1 to 16 of a-z and 0-9",
		               id);
	return 0;
}

static void init_undo(const char *dir)
{
	static const char *files[] = {"node.key", "curve.key", "request.pem"};
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_LEN(files); i++)
		if (ca_path(path, dir, files[i]) == 0)
			unlink(path);
}

/* --curve-from: the CURVE key of another identity of this office, copied (0600). */
static int copy_key(const char *from, const char *name, const char *to)
{
	char src[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (ca_path(src, from, name))
		return ca_fail(CN_EINVAL, "path too long: %s", from);
	if ((rc = util_read_file(src, 65536, &buf, &len)) != 0)
		return ca_fail(rc, "cannot read %s (--curve-from names the directory of the old "
		                   "identity, where carenet init made its keys): %s",
		               src, cn_strerror(rc));
	rc = util_write_file(to, buf, len, 0600, 1);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc ? ca_fail(rc, "cannot write %s: %s", to, cn_strerror(rc)) : 0;
}

static int init_files(const char *dir, struct pki_req_params *p, const char *curve_from)
{
	char key[PATH_MAX], curve[PATH_MAX], req[PATH_MAX], why[WHY_MAX], *pem = NULL;
	int rc;

	if (ca_path(key, dir, "node.key") || ca_path(curve, dir, "curve.key") ||
	    ca_path(req, dir, "request.pem"))
		return ca_fail(CN_EINVAL, "path too long: %s", dir);
	if (ca_exists(key) || ca_exists(curve))
		return ca_fail(CN_EEXIST,
		               "%s already holds keys (%s): refusing to replace them; use "
		               "another --dir",
		               dir, ca_exists(key) ? key : curve);
	if (util_mkdirs(dir, 0700) != 0)
		return ca_fail(CN_EIO, "cannot create %s: %s", dir, strerror(errno));
	if ((rc = pki_key_generate(key, NULL, why, sizeof(why))) != 0)
		return ca_fail(rc, "%s", why);
	if (curve_from) {
		if ((rc = copy_key(curve_from, "curve.key", curve)) != 0) {
			init_undo(dir);
			return rc;
		}
	} else if ((rc = pki_curve_generate(curve)) != 0) {
		init_undo(dir);
		return ca_fail(rc, "cannot create the CURVE key %s: %s", curve, cn_strerror(rc));
	}
	p->curve_path = curve;
	if ((rc = pki_req_create(key, p, &pem, why, sizeof(why))) != 0 ||
	    (rc = util_write_file(req, pem, strlen(pem), 0644, 0)) != 0) {
		init_undo(dir);
		free(pem);
		return ca_fail(rc, "cannot make the request %s: %s", req,
		               pem ? cn_strerror(rc) : why);
	}
	free(pem);
	return 0;
}

struct init_opts {
	const char *dir, *id, *name, *scope, *curve_from;
	int inspector;
};

/* 0, 1 after --help, CN_EUSAGE (printed). */
static int init_parse(int argc, char **argv, struct init_opts *o)
{
	struct args g;
	int ch;

	args_begin(&g, &init_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		switch (ch) {
		case 'd':
			o->dir = g.val;
			break;
		case 'i':
			o->id = g.val;
			break;
		case ARGS_LONG('n'):
			o->name = g.val;
			break;
		case 'I':
			o->inspector = 1;
			break;
		case ARGS_LONG('s'):
			o->scope = g.val;
			break;
		case ARGS_LONG('k'):
			o->curve_from = g.val;
			break;
		default:
			return g.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&g, 0, 0) != 0)
		return CN_EUSAGE;
	if (!o->dir || (!o->inspector && (!o->id || o->scope)) || (o->inspector && !o->scope)) {
		args_usage_error(&init_cmd, "give --dir, and --id or --inspector --scope");
		return CN_EUSAGE;
	}
	return 0;
}

static void init_print(const char *nid, const char *dir)
{
	enum pki_role role = pki_role_from_id(nid);

	printf("%s %s: keys and request made in %s\n"
	       "  %s/node.key, %s/curve.key  private keys (0600): they never leave %s\n"
	       "  %s/request.pem            give it to the CA, which runs\n"
	       "      carenet ca issue --ca CADIR --csr %s/request.pem%s\n"
	       "then install the bundle it prints: carenet enroll BUNDLE --dir %s\n",
	       pki_role_name(role), nid, dir, dir, dir, dir, dir, dir,
	       role == PKI_ROLE_COUNTY || role == PKI_ROLE_TOWNSHIP ? " --endpoint tcp://HOST:PORT"
	                                                            : "",
	       dir);
}

int cmd_init(int argc, char **argv)
{
	struct init_opts o = {0};
	struct pki_req_params p = {0};
	char nid[PKI_ID_MAX];
	int rc;

	if ((rc = init_parse(argc, argv, &o)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	if (o.name && strlen(o.name) >= PKI_NAME_MAX)
		return ca_fail(CN_EINVAL, "--name is longer than %d bytes", PKI_NAME_MAX - 1);
	if ((rc = init_id(o.id, o.inspector, o.scope, nid, sizeof(nid))) != 0)
		return rc;
	p.id = nid;
	p.scope = o.inspector ? o.scope : NULL;
	p.name = o.name;
	if ((rc = init_files(o.dir, &p, o.curve_from)) != 0)
		return rc;
	init_print(nid, o.dir);
	return 0;
}

/* ----------------------------------------------------------- enroll */

static const struct args_opt enroll_opts[] = {
    {"dir", 'd', "NODEDIR", "the node's directory"},
    {"listen", 'l', "ENDPOINT",
     "where a county or township binds for its children\n"
     "(default: tcp://0.0.0.0:PORT with the port of the\n"
     "endpoint given at issue, else " DEFAULT_LISTEN ")"},
    {"data-dir", ARGS_LONG('D'), "DIR",
     "data directory, relative to NODEDIR (default: for NODEDIR\n"
     ".../etc/carenet[/NAME] the service's .../var/lib/carenet[/NAME],\n"
     "else data)"},
    {"parent-endpoint", 'p', "E", "the parent's endpoint, if the bundle has none"},
    {"root-sha256", ARGS_LONG('S'), "HEX",
     "the root certificate's SHA-256 fingerprint, as 'carenet\n"
     "ca init' printed it to the root's operator"},
    {"root", ARGS_LONG('R'), "FILE",
     "the root certificate, obtained beforehand (the bundle's\n"
     "must be the same, byte for byte)"},
    {"force", 'f', NULL, "replace an existing node.cfg"},
    {0}};
static const struct args_cmd enroll_cmd = {
    "carenet enroll",
    "BUNDLE --dir NODEDIR (--root-sha256 HEX | --root FILE) [--listen ENDPOINT]\n"
    "       [--data-dir DIR] [--parent-endpoint E] [--force]",
    "Installs the bundle 'carenet ca issue' wrote into NODEDIR, where 'carenet init'\n"
    "made the keys: checks that the bundle's root is the one given (--root-sha256 or\n"
    "--root; without them, the NODEDIR/root.pem of an earlier enrollment), that the\n"
    "certificate is for node.key and curve.key and that it verifies against that\n"
    "root, then writes node.pem, chain.pem, root.pem, parent.pem, crl.pem and node.cfg.\n",
    enroll_opts, NULL};

struct bundle {
	config_t cfg;
	const char *id, *role, *cert, *chain, *root, *parent_cert, *parent_endpoint, *endpoint,
	    *crl, *county_cert, *county_endpoint;
};

static int bundle_read(const char *path, struct bundle *b)
{
	static const char *keys[] = {"id",
	                             "role",
	                             "cert",
	                             "chain",
	                             "root",
	                             "parent_cert",
	                             "parent_endpoint",
	                             "endpoint",
	                             "crl",
	                             "county_cert",
	                             "county_endpoint"};
	const char **dst[] = {&b->id,
	                      &b->role,
	                      &b->cert,
	                      &b->chain,
	                      &b->root,
	                      &b->parent_cert,
	                      &b->parent_endpoint,
	                      &b->endpoint,
	                      &b->crl,
	                      &b->county_cert,
	                      &b->county_endpoint};
	uint8_t *buf = NULL;
	size_t len;
	int rc, version = 0;

	config_init(&b->cfg);
	if ((rc = util_read_file(path, BUNDLE_MAX, &buf, &len)) != 0)
		return ca_fail(rc, "cannot read the bundle %s: %s", path, cn_strerror(rc));
	rc = config_read_string(&b->cfg, (char *)buf);
	free(buf);
	if (rc != CONFIG_TRUE)
		return ca_fail(CN_EINVAL, "%s:%d: not a bundle: %s", path,
		               config_error_line(&b->cfg), config_error_text(&b->cfg));
	if (!config_lookup_int(&b->cfg, "version", &version) || version != 1)
		return ca_fail(CN_EINVAL, "%s: bundle version %d, this carenet reads version 1",
		               path, version);
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (!config_lookup_string(&b->cfg, keys[i], dst[i]))
			*dst[i] = "";
	if (!b->id[0] || !b->cert[0] || !b->root[0])
		return ca_fail(CN_EINVAL, "%s: the bundle lacks its id, cert or root", path);
	return 0;
}

/* Certificates of a PEM text (cert then chain) as DER, verified. */
static int verify_pem(struct pki_trust *t, const char *cert, const char *chain,
                      struct pki_identity *id, char *why, size_t whylen)
{
	uint8_t **der = NULL;
	size_t *lens = NULL, n = 0;
	char *all = malloc(strlen(cert) + strlen(chain) + 2);
	int rc = CN_ENOMEM;

	if (all) {
		sprintf(all, "%s\n%s", cert, chain);
		if ((rc = pki_pem_to_der(all, strlen(all), &der, &lens, &n)) == 0 && n == 0)
			rc = CN_EINVAL;
		if (rc == 0)
			rc = pki_verify_chain(t, (const uint8_t *const *)der, lens, n, id, why,
			                      whylen);
		else
			snprintf(why, whylen, "malformed certificates in the bundle");
	}
	pki_der_list_free(&der, &lens, n);
	free(all);
	return rc;
}

/* The node's keys in dir are those of the certificate. */
static int enroll_keys(const char *dir, const char *cert, const struct pki_identity *id)
{
	char key[PATH_MAX], curve[PATH_MAX], why[WHY_MAX], pub[41], sec[41];
	uint8_t raw[PKI_CURVE_LEN];
	int rc;

	if (ca_path(key, dir, "node.key") || ca_path(curve, dir, "curve.key"))
		return ca_fail(CN_EINVAL, "path too long: %s", dir);
	if ((rc = pki_key_matches_cert(key, NULL, cert, strlen(cert), why, sizeof(why))) != 0)
		return ca_fail(rc, "%s%s", why,
		               rc == CN_EKEYMISMATCH
		                   ? ": was the request made "
		                     "in another directory? enroll where 'carenet init' ran"
		                   : "");
	if ((rc = pki_curve_read(curve, pub, sec)) != 0)
		return ca_fail(rc, "cannot use %s: %s%s", curve, cn_strerror(rc),
		               rc == CN_EPERM ? " (run chmod 600 on it)" : "");
	explicit_bzero(sec, sizeof(sec)); /* the secret is not needed here */
	if (!zmq_z85_decode(raw, pub) || memcmp(raw, id->curve_pub, PKI_CURVE_LEN) != 0)
		return ca_fail(CN_EKEYMISMATCH,
		               "%s is not the CURVE key in the certificate of %s: "
		               "the bundle was issued for another request",
		               curve, id->id);
	return 0;
}

/* 64 lower-case hex digits from HEX with or without colons; -1 if not that. */
static int sha256_arg(const char *in, char out[65])
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in == ':')
			continue;
		if (n == 64 || !strchr("0123456789abcdefABCDEF", *in))
			return -1;
		out[n++] = (char)(*in | 0x20);
	}
	out[n] = 0;
	return n == 64 ? 0 : -1;
}

/* The bundle's root is the one the operator trusts: its fingerprint given
 * with --root-sha256, the file given with --root, or the root.pem an earlier
 * enrollment installed in the node's directory. Never the bundle's word. */
static int enroll_root(const char *dir, const char *sha, const char *file, const struct bundle *b)
{
	char want[65], got[65], path[PATH_MAX], *pem = NULL;
	const char *src = file;
	size_t len;
	int rc;

	if (pki_cert_sha256(b->root, strlen(b->root), got) != 0)
		return ca_fail(CN_EINVAL, "the bundle's root certificate is unreadable");
	if (sha) {
		if (sha256_arg(sha, want) != 0)
			return ca_fail(CN_EUSAGE, "--root-sha256 wants 64 hex digits (colons allowed)");
		if (strcmp(want, got) == 0)
			return 0;
		return ca_fail(CN_EVERIFY,
		               "refused: the bundle's root certificate has SHA-256 %s, not the %s "
		               "given with --root-sha256: the bundle was altered or comes from "
		               "another PKI; ask the root CA's operator",
		               got, want);
	}
	if (!src) {
		if (ca_path(path, dir, "root.pem") != 0 || !ca_exists(path))
			return ca_fail(CN_EVERIFY,
			               "refused: nothing says the bundle's root is yours: pass "
			               "--root-sha256 HEX, the fingerprint the root CA's operator "
			               "got from 'carenet ca init' (or 'openssl x509 -in ca.pem "
			               "-noout -fingerprint -sha256' in the root CA's directory), "
			               "by another channel than the bundle; or --root FILE");
		src = path;
	}
	if ((rc = ca_read(src, &pem, &len)) != 0)
		return ca_fail(rc, "cannot read the root certificate %s: %s", src, cn_strerror(rc));
	rc = len == strlen(b->root) && memcmp(pem, b->root, len) == 0;
	free(pem);
	if (rc)
		return 0;
	return ca_fail(CN_EVERIFY,
	               "refused: the bundle's root certificate (SHA-256 %s) is not the one in "
	               "%s: the bundle was altered or comes from another PKI",
	               got, src);
}

/* A village's county certificate (failover): it verifies and is the county
 * node of the village's county. Other roles' bundles carry none. */
static int enroll_verify_county(struct pki_trust *t, const struct bundle *b,
                                const struct pki_identity *id)
{
	struct pki_identity cid;
	char why[WHY_MAX] = "";
	int rc;

	if (!b->county_cert[0])
		return 0;
	if (id->role != PKI_ROLE_VILLAGE)
		return ca_fail(CN_EINVAL,
		               "the bundle of %s %s carries a county certificate; only a "
		               "village's does",
		               pki_role_name(id->role), id->id);
	if ((rc = verify_pem(t, b->county_cert, b->chain, &cid, why, sizeof(why))) != 0)
		return ca_fail(rc, "the county's certificate does not verify: %s", why);
	if (cid.role != PKI_ROLE_COUNTY || strncmp(cid.id, id->id, strlen(cid.id)) != 0)
		return ca_fail(CN_EINVAL, "the bundle's county %s is not the county of %s", cid.id,
		               id->id);
	return 0;
}

/* Verifies the bundle: chain to its root, CRL, parent, county. */
static int enroll_verify(const struct bundle *b, struct pki_identity *id)
{
	struct pki_trust *t = NULL;
	struct pki_identity pid;
	char why[WHY_MAX] = "";
	int rc;

	if ((rc = pki_trust_new_pem(b->root, strlen(b->root), &t)) != 0)
		return ca_fail(rc, "the bundle's root certificate is unusable");
	if ((rc = verify_pem(t, b->cert, b->chain, id, why, sizeof(why))) != 0) {
		rc = ca_fail(rc, "the bundle's certificate does not verify: %s", why);
		goto out;
	}
	if (b->crl[0] &&
	    ((rc = pki_trust_add_crl_mem(t, (const uint8_t *)b->crl, strlen(b->crl))) != 0 ||
	     (rc = verify_pem(t, b->cert, b->chain, id, why, sizeof(why))) != 0)) {
		rc = ca_fail(rc, "%s", why[0] ? why : "the bundle's CRL does not verify");
		goto out;
	}
	if (strcmp(id->id, b->id) != 0 || strcmp(pki_role_name(id->role), b->role) != 0) {
		rc =
		    ca_fail(CN_EINVAL, "the bundle says %s (%s) but its certificate is for %s (%s)",
		            b->id, b->role, id->id, pki_role_name(id->role));
		goto out;
	}
	if (b->parent_cert[0]) {
		if ((rc = verify_pem(t, b->parent_cert, b->chain, &pid, why, sizeof(why))) != 0) {
			rc = ca_fail(rc, "the parent's certificate does not verify: %s", why);
			goto out;
		}
		if (!pki_is_direct_child(pid.id, id->id)) {
			rc = ca_fail(CN_EINVAL, "the bundle's parent %s is not the parent of %s",
			             pid.id, id->id);
			goto out;
		}
	} else if (id->role == PKI_ROLE_TOWNSHIP || id->role == PKI_ROLE_VILLAGE) {
		rc = ca_fail(CN_EINVAL, "the bundle has no parent certificate for %s %s",
		             pki_role_name(id->role), id->id);
		goto out;
	}
	rc = enroll_verify_county(t, b, id);
out:
	pki_trust_free(&t);
	return rc;
}

int enroll_bundle_check(const char *path, const char *root_file, struct pki_identity *id,
                        char **cert, char **chain, char **parent)
{
	struct bundle b;
	int rc;

	*cert = *chain = *parent = NULL;
	if ((rc = bundle_read(path, &b)) == 0 && (rc = enroll_root(NULL, NULL, root_file, &b)) == 0 &&
	    (rc = enroll_verify(&b, id)) == 0) {
		*cert = util_strdup(b.cert);
		*chain = util_strdup(b.chain);
		*parent = util_strdup(b.parent_cert);
		if (!*cert || !*chain || !*parent)
			rc = ca_fail(CN_ENOMEM, "out of memory");
	}
	config_destroy(&b.cfg);
	return rc;
}

static void enroll_listen(const struct pki_identity *id, const char *opt, const char *endpoint,
                          char *out, size_t outlen)
{
	const char *colon;

	out[0] = 0;
	if (id->role != PKI_ROLE_COUNTY && id->role != PKI_ROLE_TOWNSHIP &&
	    !pki_role_above_county(id->role)) {
		if (opt && opt[0])
			fprintf(stderr,
			        "carenet: warning: a %s has no children: --listen "
			        "ignored\n",
			        pki_role_name(id->role));
		return;
	}
	if (opt)
		snprintf(out, outlen, "%s", opt);
	else if (strncmp(endpoint, "tcp://", 6) == 0 && (colon = strrchr(endpoint + 6, ':')))
		snprintf(out, outlen, "tcp://0.0.0.0%s", colon);
	else
		snprintf(out, outlen, "%s", DEFAULT_LISTEN);
}

static void cfg_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int enroll_cfg(const char *path, const struct pki_identity *id, const char *data_dir,
                      const char *listen, const char *parent_ep, const char *county_ep, int has_crl)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return CN_ENOMEM;
	fprintf(f, "# carenet node configuration for %s (written by carenet enroll)\n", id->id);
	fputs("data_dir = ", f);
	cfg_quoted(f, data_dir);
	fputs(";\nlisten = ", f);
	cfg_quoted(f, listen);
	fputs(";\n", f);
	if (parent_ep) {
		fputs("parent = { endpoint = ", f);
		cfg_quoted(f, parent_ep);
		fputs("; cert = \"parent.pem\"; };\n", f);
	}
	if (county_ep && county_ep[0]) { /* failover: a village's county node */
		fputs("county = { endpoint = ", f);
		cfg_quoted(f, county_ep);
		fputs("; cert = \"county.pem\"; };\n", f);
	}
	fputs("identity = { key = \"node.key\"; cert = \"node.pem\"; chain = \"chain.pem\"; "
	      "root = \"root.pem\"; curve = \"curve.key\"; };\n",
	      f);
	fputs(has_crl ? "crl = [ \"crl.pem\" ];\n" : "crl = [ ];\n", f);
	fprintf(f, "log_level = \"info\";\ntimezone = \"%s\";\n", CARENET_DEFAULT_TZ);
	if (fclose(f) != 0) {
		free(buf);
		return CN_EIO;
	}
	rc = util_write_file(path, buf, len, 0644, 0);
	free(buf);
	return rc;
}

static int enroll_write(const char *dir, const struct bundle *b)
{
	const struct {
		const char *name, *text;
	} files[] = {{"node.pem", b->cert},
	             {"chain.pem", b->chain},
	             {"root.pem", b->root},
	             {"parent.pem", b->parent_cert},
	             {"county.pem", b->county_endpoint[0] ? b->county_cert : ""},
	             {"crl.pem", b->crl}};
	char path[PATH_MAX];
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		if (ca_path(path, dir, files[i].name) != 0)
			return ca_fail(CN_EINVAL, "path too long: %s", dir);
		if (!files[i].text[0] && strcmp(files[i].name, "chain.pem") != 0) {
			unlink(path); /* a stale parent.pem, county.pem or crl.pem must not stay */
			continue;
		}
		if ((rc = util_write_file(path, files[i].text, strlen(files[i].text), 0644, 0)))
			return ca_fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	}
	return 0;
}

struct enroll_opts {
	const char *bundle, *dir, *listen, *data_dir, *parent_ep, *root_sha, *root_file;
	int force;
};

/* The service layout (config/README.md, "Running under systemd"): identity
 * and node.cfg in PREFIX/etc/carenet[/NAME], data in PREFIX/var/lib/carenet
 * [/NAME], where the unit (ProtectSystem=strict) lets the node write. PREFIX
 * is "" on a real system, a scratch root in tests. Any other NODEDIR keeps
 * its data beside it ("data"). out: the data_dir to write. */
static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static void enroll_data_dir(const char *dir, char *out, size_t outlen)
{
	static const char etc[] = "/etc/carenet";
	char *abs = util_abspath(dir), *slash;
	size_t n;

	snprintf(out, outlen, "data");
	if (!abs)
		return;
	n = strlen(abs);
	while (n > 1 && abs[n - 1] == '/')
		abs[--n] = 0;
	slash = strrchr(abs, '/');
	if (ends_with(abs, n, etc))
		snprintf(out, outlen, "%.*s/var/lib/carenet", (int)(n - strlen(etc)), abs);
	else if (slash && slash[1] && ends_with(abs, (size_t)(slash - abs), etc))
		snprintf(out, outlen, "%.*s/var/lib/carenet/%s",
		         (int)((size_t)(slash - abs) - strlen(etc)), abs, slash + 1);
	free(abs);
}

static int enroll(const struct enroll_opts *o)
{
	struct bundle b;
	struct pki_identity id;
	char cfg[PATH_MAX], listen[PATH_MAX], data_dir[PATH_MAX];
	const char *pep = NULL;
	int rc;

	if (ca_path(cfg, o->dir, "node.cfg") != 0)
		return ca_fail(CN_EINVAL, "path too long: %s", o->dir);
	if (ca_exists(cfg) && !o->force)
		return ca_fail(CN_EEXIST, "%s exists: pass --force to replace it", cfg);
	if ((rc = bundle_read(o->bundle, &b)) != 0 ||
	    (rc = enroll_root(o->dir, o->root_sha, o->root_file, &b)) != 0 ||
	    (rc = enroll_verify(&b, &id)) != 0 ||
	    (rc = enroll_keys(o->dir, b.cert, &id)) != 0)
		goto out;
	if (b.parent_cert[0]) {
		pep = o->parent_ep ? o->parent_ep : b.parent_endpoint;
		if (!pep[0]) {
			rc = ca_fail(CN_EINVAL,
			             "no endpoint for the parent of %s: pass "
			             "--parent-endpoint tcp://HOST:PORT",
			             id.id);
			goto out;
		}
	}
	enroll_listen(&id, o->listen, b.endpoint, listen, sizeof(listen));
	if ((rc = enroll_write(o->dir, &b)) != 0)
		goto out;
	if (o->data_dir)
		snprintf(data_dir, sizeof(data_dir), "%s", o->data_dir);
	else
		enroll_data_dir(o->dir, data_dir, sizeof(data_dir));
	if (id.role == PKI_ROLE_VILLAGE && (!b.county_cert[0] || !b.county_endpoint[0]))
		fprintf(stderr,
		        "carenet: warning: the bundle names no county node: failover to the "
		        "county is disabled for %s\n",
		        id.id);
	if ((rc = enroll_cfg(cfg, &id, data_dir, listen, pep,
	                     b.county_cert[0] ? b.county_endpoint : "", b.crl[0] != 0)) != 0) {
		rc = ca_fail(rc, "cannot write %s: %s", cfg, cn_strerror(rc));
		goto out;
	}
	fprintf(stderr, "enrolled %s %s in %s%s%s\n", pki_role_name(id.role), id.id, o->dir,
	        listen[0] ? ", listening on " : "", listen);
	if (id.role == PKI_ROLE_INSPECTOR)
		fprintf(stderr,
		        "an inspector runs no node: its identity in %s is used to connect to "
		        "the offices its scope covers\n",
		        o->dir);
	else
		fprintf(stderr, "data in %s; check it: carenet run -n -c %s\n", data_dir, cfg);
	printf("%s\n", cfg);
out:
	config_destroy(&b.cfg);
	return rc;
}

static int endpoint_ok(const char *e)
{
	return !e || strncmp(e, "tcp://", 6) == 0 || strncmp(e, "ipc://", 6) == 0;
}

/* 0, 1 after --help, CN_EUSAGE (printed). */
static int enroll_parse(int argc, char **argv, struct enroll_opts *o)
{
	struct args g;
	int ch;

	args_begin(&g, &enroll_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		switch (ch) {
		case 'd':
			o->dir = g.val;
			break;
		case 'l':
			o->listen = g.val;
			break;
		case ARGS_LONG('D'):
			o->data_dir = g.val;
			break;
		case 'p':
			o->parent_ep = g.val;
			break;
		case 'f':
			o->force = 1;
			break;
		case ARGS_LONG('S'):
			o->root_sha = g.val;
			break;
		case ARGS_LONG('R'):
			o->root_file = g.val;
			break;
		default:
			return g.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&g, 1, 1) != 0)
		return CN_EUSAGE;
	o->bundle = argv[g.ind];
	if (!o->dir || (o->data_dir && !o->data_dir[0])) {
		args_usage_error(&enroll_cmd, "give --dir NODEDIR (and a non-empty --data-dir)");
		return CN_EUSAGE;
	}
	if (!endpoint_ok(o->listen) || !endpoint_ok(o->parent_ep)) {
		args_usage_error(&enroll_cmd, "endpoints are tcp://HOST:PORT (or ipc://PATH)");
		return CN_EUSAGE;
	}
	return 0;
}

int cmd_enroll(int argc, char **argv)
{
	struct enroll_opts o = {0};
	int rc;

	if ((rc = enroll_parse(argc, argv, &o)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	return enroll(&o);
}
