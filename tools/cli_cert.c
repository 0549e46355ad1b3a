/*
 * cli_cert: `carenet cert show [FILE]` (like `step certificate inspect`):
 * a certificate as an operator reads it — id, role, scope, name, validity
 * in local time, serial, CURVE key, SHA-256 fingerprint, the issuer chain
 * up to the root, and whether it verifies and is revoked against the root,
 * chain and CRL files of the node's configuration. Files only: no node
 * needs to run. CRLs a running node received down the tree (kept in its
 * store) are not consulted; the configured crl files are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "args.h"
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "office.h"
#include "pki.h"
#include "util.h"

#define CERT_MAX (1u << 20)
#define CHAIN_MAX 8

struct link {
	struct pki_identity id;
	int is_ca;
	char sha256[65];
};

struct shown {
	struct link leaf;
	struct link chain[CHAIN_MAX]; /* issuing CAs, leaf's issuer first, then the root */
	size_t nchain;
	const char *verdict; /* "valid", "revoked", "invalid", "unknown" */
	char why[512];
	const char *tz;
};

static const char *role_text(const struct link *l)
{
	return l->is_ca ? "ca" : pki_role_name(l->id.role);
}

static int read_text(const char *path, char **out, size_t *len)
{
	uint8_t *buf = NULL;
	int rc = util_read_file(path, CERT_MAX, &buf, len);
	*out = (char *)buf;
	return rc;
}

/* The PEM blocks of text, each parsed; at most max. */
static size_t parse_all(const char *text, size_t len, struct link *out, size_t max)
{
	const char *p = text, *end = text + len, *b, *e;
	size_t n = 0;
	char why[256];

	while (n < max && (b = strstr(p, "-----BEGIN CERTIFICATE-----")) && b < end &&
	       (e = strstr(b, "-----END CERTIFICATE-----"))) {
		e += strlen("-----END CERTIFICATE-----");
		memset(&out[n], 0, sizeof(out[n]));
		if (pki_cert_parse(b, (size_t)(e - b), &out[n].id, &out[n].is_ca, why,
		                   sizeof(why)) == 0 &&
		    pki_cert_sha256(b, (size_t)(e - b), out[n].sha256) == 0)
			n++;
		p = e;
	}
	return n;
}

/* Verifies FILE's first certificate with the rest of FILE and the node's
 * chain as intermediates, against the node's root and CRL files. */
static void verify(const struct config *cfg, const char *pem, size_t len, struct shown *s)
{
	struct pki_trust *t = NULL;
	struct pki_identity out;
	uint8_t **der = NULL, **cder = NULL, *all[CHAIN_MAX + 2];
	size_t *lens = NULL, *clens = NULL, alen[CHAIN_MAX + 2], n = 0, cn = 0, k = 0;
	char *chain = NULL;
	size_t chainlen = 0;
	int rc;

	s->verdict = "unknown";
	if (!cfg) {
		snprintf(s->why, sizeof(s->why), "no node configuration to check it against (-c CFG)");
		return;
	}
	if ((rc = pki_trust_new(cfg->root_file, &t)) != 0) {
		snprintf(s->why, sizeof(s->why), "cannot load the root %s: %s", cfg->root_file,
		         cn_strerror(rc));
		return;
	}
	if (access(cfg->chain_file, R_OK) == 0)
		(void)pki_trust_add_ca_file(t, cfg->chain_file);
	/* a CRL that does not load is the node's to report (run -n) */
	for (size_t i = 0; i < cfg->ncrl; i++)
		(void)pki_trust_add_crl_file(t, cfg->crl_files[i]);
	if (pki_pem_to_der(pem, len, &der, &lens, &n) != 0 || n == 0) {
		snprintf(s->why, sizeof(s->why), "no certificate in the file");
		goto out;
	}
	for (size_t i = 0; i < n && k < CHAIN_MAX + 2; i++, k++)
		all[k] = der[i], alen[k] = lens[i];
	if (n == 1 && access(cfg->chain_file, R_OK) == 0 &&
	    read_text(cfg->chain_file, &chain, &chainlen) == 0 &&
	    pki_pem_to_der(chain, chainlen, &cder, &clens, &cn) == 0)
		for (size_t i = 0; i < cn && k < CHAIN_MAX + 2; i++, k++)
			all[k] = cder[i], alen[k] = clens[i];
	rc = pki_verify_chain(t, (const uint8_t *const *)all, alen, k, &out, s->why,
	                      sizeof(s->why));
	if (pki_trust_is_revoked(t, s->leaf.id.issuer_scope, s->leaf.id.serial)) {
		s->verdict = "revoked";
		snprintf(s->why, sizeof(s->why), "serial %s is on the revocation list of %s",
		         s->leaf.id.serial, s->leaf.id.issuer_scope);
	} else if (rc == 0) {
		s->verdict = "valid";
		s->why[0] = 0;
	} else {
		s->verdict = "invalid";
	}
out:
	pki_der_list_free(&der, &lens, n);
	pki_der_list_free(&cder, &clens, cn);
	free(chain);
	pki_trust_free(&t);
}

/* The issuing CAs: the rest of FILE, else the node's chain file, then its root. */
static void issuers(const struct config *cfg, const char *pem, size_t len, struct shown *s)
{
	struct link tmp[CHAIN_MAX + 1];
	size_t n = parse_all(pem, len, tmp, CHAIN_MAX + 1);
	char *text = NULL;
	size_t tlen;

	for (size_t i = 1; i < n && s->nchain < CHAIN_MAX; i++)
		s->chain[s->nchain++] = tmp[i];
	if (!cfg)
		return;
	if (n <= 1 && read_text(cfg->chain_file, &text, &tlen) == 0)
		s->nchain += parse_all(text, tlen, s->chain + s->nchain, CHAIN_MAX - s->nchain);
	free(text);
	text = NULL;
	if (s->nchain < CHAIN_MAX && read_text(cfg->root_file, &text, &tlen) == 0)
		s->nchain += parse_all(text, tlen, s->chain + s->nchain, 1);
	free(text);
}

static void show_json(const struct shown *s, const char *curve)
{
	const struct pki_identity *id = &s->leaf.id;
	char t[32];
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "id", id->id);
	json_str(&j, "role", role_text(&s->leaf));
	json_str(&j, "scope", id->scope);
	json_str(&j, "name", id->name);
	json_u64(&j, "not_before", (uint64_t)id->not_before);
	util_fmt_time((uint64_t)id->not_before, s->tz, t, sizeof(t));
	json_str(&j, "not_before_local", t);
	json_u64(&j, "not_after", (uint64_t)id->not_after);
	util_fmt_time((uint64_t)id->not_after, s->tz, t, sizeof(t));
	json_str(&j, "not_after_local", t);
	json_str(&j, "timezone", s->tz);
	json_str(&j, "serial", id->serial);
	json_str(&j, "curve_key", curve);
	json_str(&j, "sha256", s->leaf.sha256);
	json_str(&j, "issuer_scope", id->issuer_scope);
	json_arr_begin(&j, "chain");
	for (size_t i = 0; i < s->nchain; i++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "scope", s->chain[i].id.scope);
		json_str(&j, "name", s->chain[i].id.name);
		json_str(&j, "serial", s->chain[i].id.serial);
		json_u64(&j, "not_after", (uint64_t)s->chain[i].id.not_after);
		json_str(&j, "sha256", s->chain[i].sha256);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_str(&j, "status", s->verdict);
	json_bool(&j, "revoked", strcmp(s->verdict, "revoked") == 0);
	json_str(&j, "detail", s->why);
	json_obj_end(&j);
	json_finish(&j);
}

static void show_text(const struct shown *s, const char *curve)
{
	const struct pki_identity *id = &s->leaf.id;
	char nb[32], na[32];
	uint64_t now = util_now();

	util_fmt_time((uint64_t)id->not_before, s->tz, nb, sizeof(nb));
	util_fmt_time((uint64_t)id->not_after, s->tz, na, sizeof(na));
	printf("id          %s\n", id->id);
	printf("role        %s\n", role_text(&s->leaf));
	printf("scope       %s\n", id->scope);
	printf("name        %s\n", id->name[0] ? id->name : "-");
	printf("valid       %s to %s (%s)%s\n", nb, na, s->tz,
	       (uint64_t)id->not_after < now    ? ": EXPIRED 已过期"
	       : (uint64_t)id->not_before > now ? ": not yet valid 尚未生效"
	       : (uint64_t)id->not_after < now + 30 * 86400ull ? ": expires within 30 days 即将到期"
	                                                       : "");
	printf("serial      %s\n", id->serial);
	if (curve[0])
		printf("curve key   %s\n", curve);
	printf("sha256      %s\n", s->leaf.sha256);
	printf("issuer      %s\n", id->issuer_scope);
	for (size_t i = 0; i < s->nchain; i++) {
		char until[32];
		util_fmt_time((uint64_t)s->chain[i].id.not_after, s->tz, until, sizeof(until));
		printf("  %s CA %-12s %s (serial %s, until %s)\n", i + 1 == s->nchain ? "└" : "├",
		       s->chain[i].id.scope, s->chain[i].id.name, s->chain[i].id.serial, until);
	}
	printf("status      %s%s%s\n", s->verdict, s->why[0] ? ": " : "", s->why);
}

static const struct args_opt show_opts[] = {
    {"config", 'c', "CFG",
     "the node's configuration (default " CONFIG_DEFAULT_PATH "):\n"
     "its certificate when FILE is not given; its root, chain\n"
     "and CRL files to check the certificate against"},
    {"json", ARGS_LONG('j'), NULL,
     "one object: id, role, scope, name, not_before, not_after\n"
     "(and _local), serial, curve_key, sha256, chain, status\n"
     "(valid, revoked, invalid, unknown), revoked, detail"},
    {0}};
static const struct args_cmd show_cmd = {
    "carenet cert show", "[FILE] [-c CFG] [--json]",
    "Shows a certificate (PEM; FILE, or this node's own certificate): id, role,\n"
    "scope, name, validity in local time, serial, CURVE key, SHA-256 fingerprint\n"
    "(what `openssl x509 -fingerprint -sha256` shows), the issuing CAs up to the\n"
    "root, and whether it verifies against the node's root and is revoked by\n"
    "the CRL files its configuration names (CRLs received down the tree and\n"
    "kept in the node's store are not read here).\n",
    show_opts, "Exit status: 4 when the certificate is revoked or does not verify.\n"};

static int cert_show(int argc, char **argv)
{
	const char *p = "carenet cert show", *cfgpath = CONFIG_DEFAULT_PATH, *file;
	struct config *cfg = NULL;
	struct shown s;
	struct args a;
	char *pem = NULL, curve[41] = "";
	size_t len;
	int ch, as_json = 0, cfg_given = 0, rc;

	args_begin(&a, &show_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val, cfg_given = 1;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 1)) != 0)
		return rc;
	file = a.ind < argc ? argv[a.ind] : NULL;
	/* the configuration is needed for the node's own certificate, wanted
	 * for the checks, and optional when FILE is given without -c */
	if (!file || cfg_given || access(cfgpath, R_OK) == 0) {
		if ((rc = cli_config(p, cfgpath, &cfg)) != 0)
			return cn_exit_code(rc);
	}
	if (!file)
		file = cfg->cert_file;
	memset(&s, 0, sizeof(s));
	s.tz = cfg ? cfg->timezone : CARENET_DEFAULT_TZ;
	if ((rc = read_text(file, &pem, &len)) != 0) {
		fprintf(stderr, "%s: %s: %s\n", p, file, cn_strerror(rc));
		goto out;
	}
	if (parse_all(pem, len, &s.leaf, 1) != 1) {
		fprintf(stderr, "%s: %s: no carenet certificate in it (a PEM certificate)\n", p, file);
		rc = CN_EINVAL;
		goto out;
	}
	if (s.leaf.id.curve_pub[0] || s.leaf.id.curve_pub[1])
		zmq_z85_encode(curve, s.leaf.id.curve_pub, PKI_CURVE_LEN);
	issuers(cfg, pem, len, &s);
	verify(cfg, pem, len, &s);
	if (as_json)
		show_json(&s, curve);
	else
		show_text(&s, curve);
	rc = !strcmp(s.verdict, "revoked") || !strcmp(s.verdict, "invalid") ? CN_EVERIFY : 0;
out:
	free(pem);
	config_free(&cfg);
	return cn_exit_code(rc);
}

static const struct args_sub cert_subs[] = {
    {"show", cert_show, "a certificate: id, role, validity, key, chain, revocation"},
};
static const struct args_group cert_group = {
    "carenet cert", NULL, cert_subs, sizeof(cert_subs) / sizeof(cert_subs[0]), CN_EXIT_TEXT};

int cmd_cert(int argc, char **argv)
{
	return args_dispatch(&cert_group, argc, argv);
}
