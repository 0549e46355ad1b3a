/*
 * ca: "carenet ca" and its "init" (root and county CAs), the helpers the
 * PKI tools share (ca_local.h). ca_issue.c has issue/revoke/crl/list,
 * enroll.c has "carenet init" and "carenet enroll". See certs/README.md.
 *
 * Single-threaded tools. Messages go to stderr, results (paths, listings)
 * to stdout. Every command returns the process exit status (cmd.h).
 */
#include "ca_int.h"
#include "args.h"
#include "arr.h"
#include "certs_cmd.h"
#include "err.h"
#include "log.h"
#include "pki.h"
#include "pki_issue.h"
#include "util.h"

#include <errno.h>
#include <limits.h>

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_MAX (4u << 20)

/* ------------------------------------------------------------ helpers */

/* Prints "carenet COMMAND: MESSAGE" (args_prog) and returns the exit status for rc. */
int ca_fail(int rc, const char *fmt, ...)
{
	va_list ap;
	int code = cn_exit_code(rc);

	fprintf(stderr, "%s: ", args_prog());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code ? code : 1;
}

/* dir/name into out (PATH_MAX); CN_EINVAL when too long. */
int ca_path(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	return n > 0 && n < PATH_MAX ? 0 : CN_EINVAL;
}

int ca_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

int ca_read(const char *path, char **buf, size_t *len)
{
	return util_read_file(path, FILE_MAX, (uint8_t **)buf, len);
}

int ca_write(const char *path, const char *s, mode_t mode, int excl)
{
	return util_write_file(path, s, strlen(s), mode, excl);
}

void ca_write_line(const char *path, const char *text)
{
	char line[128];

	snprintf(line, sizeof(line), "%s\n", text);
	ca_write(path, line, 0644, 0);
}

/* Reads dir/name, "" if absent. Caller frees. */
char *ca_read_opt(const char *dir, const char *name)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len;

	if (ca_path(path, dir, name) != 0 || ca_read(path, &buf, &len) != 0)
		return util_strdup("");
	return buf;
}

int ca_parse_days(const char *s, int *days)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 36500)
		return CN_EINVAL;
	*days = (int)v;
	return 0;
}

/* tcp://HOST:PORT (port 1..65535) or ipc://PATH. */
int ca_endpoint_ok(const char *e)
{
	const char *colon;
	char *end;
	long port;

	if (strncmp(e, "ipc://", 6) == 0)
		return e[6] != 0;
	if (strncmp(e, "tcp://", 6) != 0 || !(colon = strrchr(e + 6, ':')) || colon == e + 6)
		return 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	return !errno && end != colon + 1 && !*end && colon[1] != '-' && colon[1] != '+' &&
	       port >= 1 && port <= 65535;
}

/* Copies the PEM blocks of buf into out (malloc'd, NUL-separated list via
 * starts[]); at most max blocks. Returns the number found. */
static size_t pem_blocks(const char *buf, char **blocks, size_t max)
{
	static const char end_mark[] = "-----END CERTIFICATE-----";
	const char *p = buf;
	size_t n = 0;

	while (n < max && (p = strstr(p, "-----BEGIN CERTIFICATE-----"))) {
		const char *e = strstr(p, end_mark);
		size_t len;
		if (!e)
			break;
		len = (size_t)(e - p) + sizeof(end_mark) - 1;
		if (!(blocks[n] = malloc(len + 2)))
			break;
		memcpy(blocks[n], p, len);
		memcpy(blocks[n] + len, "\n", 2);
		n++;
		p = e + sizeof(end_mark) - 1;
	}
	return n;
}

static void blocks_free(char **blocks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(blocks[i]);
}

int ca_passphrase(const char *file, char *buf, size_t len, const char **pass)
{
	const char *env = getenv(CA_PASS_ENV);
	char *text = NULL;
	size_t n = 0;
	int rc;

	*pass = NULL;
	buf[0] = 0;
	if (file) {
		if ((rc = ca_read(file, &text, &n)) != 0)
			return ca_fail(rc, "cannot read the passphrase file %s: %s", file,
			               cn_strerror(rc));
		snprintf(buf, len, "%.*s", (int)strcspn(text, "\r\n"), text);
		OPENSSL_cleanse(text, n);
		free(text);
		if (!buf[0])
			return ca_fail(CN_EINVAL, "the passphrase file %s is empty", file);
	} else if (env && env[0]) {
		snprintf(buf, len, "%s", env);
	} else {
		return 0;
	}
	if (strlen(buf) >= len - 1)
		return ca_fail(CN_EINVAL, "the passphrase is longer than %zu bytes", len - 2);
	*pass = buf;
	return 0;
}

int ca_load_dir(const char *dir, const char *pass, struct pki_ca **ca)
{
	char key[PATH_MAX], cert[PATH_MAX], why[WHY_MAX];
	int rc;

	if (ca_path(key, dir, "ca.key") || ca_path(cert, dir, "ca.pem"))
		return ca_fail(CN_EINVAL, "path too long: %s", dir);
	if (!ca_exists(key) || !ca_exists(cert))
		return ca_fail(CN_ENOTFOUND,
		               "%s is not a CA directory (no ca.key/ca.pem): create it "
		               "with 'carenet ca init' first",
		               dir);
	if ((rc = pki_ca_load(key, pass, cert, ca, why, sizeof(why))) != 0)
		return ca_fail(rc, "cannot use the CA in %s: %s", dir, why);
	return 0;
}

int ca_open(const char *dir, const char *passfile, struct pki_ca **ca)
{
	char buf[CA_PASS_MAX];
	const char *pass = NULL;
	int rc;

	if ((rc = ca_passphrase(passfile, buf, sizeof(buf), &pass)) == 0)
		rc = ca_load_dir(dir, pass, ca);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* ------------------------------------------------------ CA directory */

/* Parses dir/revoked: "SERIAL UNIXTIME REASON ID" per line. */
int ca_revoked_read(const char *dir, struct ca_revoked_line **out, size_t *n)
{
	char *buf = ca_read_opt(dir, "revoked"), *line, *save = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!buf)
		return CN_ENOMEM;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct ca_revoked_line e;
		char serial[64], reason[40], id[PKI_ID_MAX];
		long long when;

		memset(&e, 0, sizeof(e));
		id[0] = 0;
		if (sscanf(line, "%63s %lld %39s %39s", serial, &when, reason, id) < 3 ||
		    pki_serial_normalize(serial, e.r.serial) != 0)
			continue;
		e.r.when = (time_t)when;
		e.r.reason = pki_crl_reason_parse(reason);
		snprintf(e.id, sizeof(e.id), "%s", id);
		if (ARR_GROW(*out, *n + 1, cap)) {
			free(buf);
			return CN_ENOMEM;
		}
		(*out)[(*n)++] = e;
	}
	free(buf);
	return 0;
}

/* Signs a new CRL with every entry of dir/revoked, writes dir/crl.pem. */
int ca_crl_write(const char *dir, struct pki_ca *ca, char *why, size_t whylen)
{
	struct ca_revoked_line *lines = NULL;
	struct pki_revoked *list = NULL;
	char path[PATH_MAX], *num = ca_read_opt(dir, "crlnumber"), *pem = NULL, buf[32];
	unsigned long long number = num ? strtoull(num, NULL, 10) + 1 : 1;
	size_t n = 0;
	int rc;

	free(num);
	if ((rc = ca_revoked_read(dir, &lines, &n)) != 0)
		goto out;
	if (n && !(list = calloc(n, sizeof(*list)))) {
		rc = CN_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		list[i] = lines[i].r;
	if ((rc = pki_ca_crl(ca, list, n, number, CRL_DAYS * DAY, &pem, why, whylen)) != 0)
		goto out;
	snprintf(buf, sizeof(buf), "%llu\n", number);
	if ((rc = ca_path(path, dir, "crl.pem")) || (rc = ca_write(path, pem, 0644, 0)) ||
	    (rc = ca_path(path, dir, "crlnumber")) || (rc = ca_write(path, buf, 0644, 0)))
		snprintf(why, whylen, "cannot write %s: %s", path, cn_strerror(rc));
out:
	free(pem);
	free(list);
	free(lines);
	return rc;
}

/* Writes everything but the key of a new CA directory. */
static int ca_dir_finish(const char *dir, const char *pass, const char *ca_pem,
                         const char *root_pem)
{
	char path[PATH_MAX], why[WHY_MAX];
	struct pki_ca *ca = NULL;
	int rc;

	if ((rc = ca_path(path, dir, "issued")) || (rc = util_mkdirs(path, 0700)))
		return ca_fail(rc, "cannot create %s/issued: %s", dir, strerror(errno));
	if ((rc = ca_path(path, dir, "ca.pem")) || (rc = ca_write(path, ca_pem, 0644, 1)))
		return ca_fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	if (root_pem &&
	    ((rc = ca_path(path, dir, "chain.pem")) || (rc = ca_write(path, ca_pem, 0644, 0)) ||
	     (rc = ca_path(path, dir, "root.pem")) || (rc = ca_write(path, root_pem, 0644, 0))))
		return ca_fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	if ((rc = ca_path(path, dir, "serial")) || (rc = ca_write(path, "0\n", 0644, 0)))
		return ca_fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	if ((rc = ca_load_dir(dir, pass, &ca)) != 0)
		return rc;
	rc = ca_crl_write(dir, ca, why, sizeof(why));
	pki_ca_free(&ca);
	if (rc != 0)
		return ca_fail(rc, "cannot write the CRL of %s: %s", dir, why);
	return 0;
}

static int refuse_existing_ca(const char *dir)
{
	char key[PATH_MAX], cert[PATH_MAX];

	if (ca_path(key, dir, "ca.key") || ca_path(cert, dir, "ca.pem"))
		return ca_fail(CN_EINVAL, "path too long: %s", dir);
	if (ca_exists(key) || ca_exists(cert))
		return ca_fail(CN_EEXIST,
		               "%s already holds a CA (%s exists): choose another --dir, or "
		               "remove that directory to start over",
		               dir, ca_exists(key) ? key : cert);
	return 0;
}

/* Removes a half-made CA's files after a failure. */
static void ca_dir_undo(const char *dir, int with_key)
{
	static const char *files[] = {"ca.pem",    "chain.pem", "root.pem",      "crl.pem",
	                              "crlnumber", "serial",    "ca-request.pem"};
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_LEN(files); i++)
		if (ca_path(path, dir, files[i]) == 0)
			unlink(path);
	if (with_key && ca_path(path, dir, "ca.key") == 0)
		unlink(path);
}

/* ------------------------------------------------------------ ca init */

static const struct args_opt ca_init_opts[] = {
    {"dir", 'd', "DIR", "the CA directory (created 0700; must not hold a CA yet)"},
    {"scope", ARGS_LONG('s'), "SCOPE", "digits of the administrative division code"},
    {"name", ARGS_LONG('n'), "NAME", "display name, UTF-8 (e.g. \"云南省民政厅\")"},
    {"root", 'r', "ROOTDIR", "a county CA: sign it at once with the root CA in ROOTDIR"},
    {"request", 'q', NULL,
     "a county CA: write DIR/ca.key and DIR/ca-request.pem\n"
     "for the root's operator ('carenet ca issue')"},
    {"install", ARGS_LONG('i'), "CERTFILE",
     "a county CA: install the certificate the root issued\n"
     "(ROOTDIR/issued/ca-CODE.pem; it carries the root's too)"},
    {"days", ARGS_LONG('D'), "N", "validity in days (default 3650)"},
    {"passphrase-file", ARGS_LONG('P'), "FILE",
     "encrypt ca.key (PKCS#8, AES-256) with the first line of\n"
     "FILE (default: $" CA_PASS_ENV "; neither: plain);\n"
     "with --root it also opens the root's key"},
    {0}};
static const struct args_cmd ca_init_cmd = {
    "carenet ca init",
    "--dir DIR --scope SCOPE --name NAME [--days N]\n"
    "--dir DIR --scope CODE --name NAME --root ROOTDIR [--days N]\n"
    "--dir DIR --scope CODE --name NAME --request\n"
    "--dir DIR --install CERTFILE [--root ROOTDIR]",
    "Creates a CA in DIR (ca.key 0600, ca.pem, crl.pem, serial, issued/).\n"
    "  A root CA (province 53 or prefecture 5301): --scope of 2 to 5 digits.\n"
    "  A county CA: --scope is its 6-digit code under the root's scope, and either\n"
    "  --root (signed at once), or --request and later --install.\n",
    ca_init_opts, NULL};

struct ca_init_opts {
	const char *dir, *scope, *name, *root, *install, *passfile;
	const char *pass; /* NULL: the key is not encrypted */
	int request, days;
};

static int ca_init_root(const struct ca_init_opts *o)
{
	char key[PATH_MAX], why[WHY_MAX], fp[65], *pem = NULL;
	time_t now = time(NULL);
	int rc;

	if (!pki_scope_valid(o->scope) || strlen(o->scope) >= 6)
		return ca_fail(CN_EINVAL,
		               "invalid root scope \"%s\": 2 to 5 digits (a 6-digit county "
		               "CA needs --root ROOTDIR or --request)",
		               o->scope);
	if ((rc = refuse_existing_ca(o->dir)) != 0)
		return rc;
	if (util_mkdirs(o->dir, 0700) != 0)
		return ca_fail(CN_EIO, "cannot create %s: %s", o->dir, strerror(errno));
	ca_path(key, o->dir, "ca.key");
	if ((rc = pki_key_generate(key, o->pass, why, sizeof(why))) != 0)
		return ca_fail(rc, "%s", why);
	rc = pki_root_create(key, o->pass, o->scope, o->name, now - 60, now + (time_t)o->days * DAY, &pem,
	                     why, sizeof(why));
	if (rc != 0) {
		ca_dir_undo(o->dir, 1);
		return ca_fail(rc, "%s", why);
	}
	rc = ca_dir_finish(o->dir, o->pass, pem, NULL);
	if (rc == 0)
		rc = pki_cert_sha256(pem, strlen(pem), fp);
	free(pem);
	if (rc != 0) {
		ca_dir_undo(o->dir, 1);
		return rc < 0 ? cn_exit_code(rc) : rc;
	}
	printf(
	    "root CA %s (%s) created in %s\n"
	    "  %s/ca.key  private key: keep it offline, mode 0600\n"
	    "  %s/ca.pem  certificate: every node trusts it (root.pem)\n"
	    "  %s/crl.pem revocation list\n"
	    "root certificate SHA-256 fingerprint (every office enrolls with it: give it by\n"
	    "another channel than the bundles, e.g. printed in the letter that announces them):\n"
	    "  root-sha256 %s\n"
	    "  carenet enroll BUNDLE --dir NODEDIR --root-sha256 %s\n"
	    "next: carenet ca init --dir COUNTYDIR --scope <6-digit code> --name NAME --root %s\n",
	    o->scope, o->name, o->dir, o->dir, o->dir, o->dir, fp, fp, o->dir);
	return 0;
}

/* Installs a county CA certificate (first block of file_pem) with its root. */
static int ca_install_pem(const char *dir, const char *pass, const char *file_pem,
                          const char *rootdir, const char *want_scope)
{
	char *blocks[PKI_CHAIN_MAX], key[PATH_MAX], why[WHY_MAX], fp[65], *root_pem = NULL;
	struct pki_identity id, rid;
	struct pki_trust *trust = NULL;
	size_t n = pem_blocks(file_pem, blocks, PKI_CHAIN_MAX);
	int is_ca = 0, rc;

	if (n == 0 ||
	    (rc = pki_cert_parse(blocks[0], strlen(blocks[0]), &id, &is_ca, why, sizeof(why))) !=
	        0 ||
	    !is_ca || strlen(id.scope) != 6) {
		rc = ca_fail(CN_EINVAL, "the file does not start with a county CA certificate");
		goto out;
	}
	for (size_t i = 1; i < n && !root_pem; i++)
		if (pki_cert_parse(blocks[i], strlen(blocks[i]), &rid, &is_ca, why, sizeof(why)) ==
		        0 &&
		    is_ca && strcmp(rid.scope, rid.issuer_scope) == 0)
			root_pem = util_strdup(blocks[i]);
	if (!root_pem && rootdir)
		root_pem = ca_read_opt(rootdir, "ca.pem");
	if (!root_pem || !root_pem[0]) {
		rc = ca_fail(CN_EINVAL,
		             "no root certificate: the file has none, pass --root ROOTDIR");
		goto out;
	}
	if (want_scope && strcmp(want_scope, id.scope) != 0) {
		rc = ca_fail(CN_EINVAL, "the certificate is for county %s, not %s", id.scope,
		             want_scope);
		goto out;
	}
	ca_path(key, dir, "ca.key");
	if ((rc = pki_key_matches_cert(key, pass, blocks[0], strlen(blocks[0]), why, sizeof(why)))) {
		rc = ca_fail(rc, "%s: is this the certificate for the request made in %s?", why,
		             dir);
		goto out;
	}
	if ((rc = pki_trust_new_pem(root_pem, strlen(root_pem), &trust)) != 0 ||
	    (rc = pki_trust_add_ca_pem(trust, blocks[0], strlen(blocks[0]))) != 0) {
		rc = ca_fail(rc,
		             "the county CA certificate does not verify against the root "
		             "certificate (%s)",
		             cn_strerror(rc));
		goto out;
	}
	if ((rc = ca_dir_finish(dir, pass, blocks[0], root_pem)) == 0 &&
	    pki_cert_sha256(root_pem, strlen(root_pem), fp) == 0)
		printf("county CA %s (%s) installed in %s\n"
		       "  root-sha256 %s (the root's fingerprint: check it against the one the\n"
		       "  root's operator gave you; nodes enroll with --root-sha256)\n"
		       "next: issue this county's nodes: carenet ca issue --ca %s --csr "
		       "NODEDIR/request.pem\n",
		       id.scope, id.name, dir, fp, dir);
out:
	pki_trust_free(&trust);
	free(root_pem);
	blocks_free(blocks, n);
	return rc;
}

static int ca_init_install(const struct ca_init_opts *o)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len;
	int rc;

	if (ca_path(path, o->dir, "ca.key") || !ca_exists(path))
		return ca_fail(CN_ENOTFOUND,
		               "%s/ca.key not found: --install goes into the directory "
		               "where 'carenet ca init --request' made the key",
		               o->dir);
	if (ca_path(path, o->dir, "ca.pem") || ca_exists(path))
		return ca_fail(CN_EEXIST, "%s already holds a CA certificate (%s)", o->dir, path);
	if ((rc = ca_read(o->install, &buf, &len)) != 0)
		return ca_fail(rc, "cannot read %s: %s", o->install, cn_strerror(rc));
	rc = ca_install_pem(o->dir, o->pass, buf, o->root, o->scope);
	free(buf);
	return rc;
}

/* A county CA's key and request into dir; the request PEM into *req. */
static int county_request(const struct ca_init_opts *o, char **req)
{
	struct pki_req_params p = {.scope = o->scope, .name = o->name, .pass = o->pass, .is_ca = 1};
	char key[PATH_MAX], why[WHY_MAX];
	int rc;

	if (strlen(o->scope) != 6 || !pki_scope_valid(o->scope))
		return ca_fail(CN_EINVAL, "invalid county code \"%s\": 6 digits", o->scope);
	if ((rc = refuse_existing_ca(o->dir)) != 0)
		return rc;
	if (util_mkdirs(o->dir, 0700) != 0)
		return ca_fail(CN_EIO, "cannot create %s: %s", o->dir, strerror(errno));
	ca_path(key, o->dir, "ca.key");
	if ((rc = pki_key_generate(key, o->pass, why, sizeof(why))) != 0)
		return ca_fail(rc, "%s", why);
	if ((rc = pki_req_create(key, &p, req, why, sizeof(why))) != 0) {
		ca_dir_undo(o->dir, 1);
		return ca_fail(rc, "%s", why);
	}
	return 0;
}

/* Moves the certificate recorded as DIR/issued/NAME.pem to the history,
 * DIR/issued/superseded/NAME-SERIAL.pem; its serial into serial (64 bytes).
 * 0 when there was none (serial ""). An exit status (printed) on failure. */
int ca_supersede_move(const char *dir, const char *name, char *serial)
{
	struct pki_identity id;
	char rel[PKI_ID_MAX + 120], from[PATH_MAX], to[PATH_MAX], why[WHY_MAX], *pem;
	int rc;

	serial[0] = 0;
	snprintf(rel, sizeof(rel), "issued/%s.pem", name);
	if (ca_path(from, dir, rel) != 0 || !ca_exists(from))
		return 0;
	pem = ca_read_opt(dir, rel);
	rc = pem ? pki_cert_parse(pem, strlen(pem), &id, NULL, why, sizeof(why)) : CN_ENOMEM;
	free(pem);
	if (rc != 0)
		return ca_fail(rc, "%s: %s", from, rc == CN_ENOMEM ? "out of memory" : why);
	snprintf(rel, sizeof(rel), "issued/superseded/%s-%s.pem", name, id.serial);
	if (ca_path(to, dir, "issued/superseded") || util_mkdirs(to, 0700) ||
	    ca_path(to, dir, rel) || rename(from, to) != 0)
		return ca_fail(CN_EIO, "cannot keep %s as %s/%s: %s", from, dir, rel,
		               strerror(errno));
	memcpy(serial, id.serial, 64);
	return 0;
}

/* Signs a CA request with the root in rootdir, records it there. */
int ca_root_sign(struct pki_ca *root, const char *rootdir, const struct pki_req *req, int days,
                 int force, char **cert_pem, char *record, size_t reclen)
{
	const struct pki_identity *id = pki_req_identity(req, NULL);
	char why[WHY_MAX], serial[64], old[64], path[PATH_MAX], *root_pem = NULL, *all = NULL;
	time_t now = time(NULL);
	int rc;

	snprintf(record, reclen, "%s/issued/ca-%s.pem", rootdir, id->scope);
	if (ca_exists(record) && !force)
		return ca_fail(CN_EEXIST,
		               "a CA certificate for %s was already issued (%s): pass "
		               "--force to issue another",
		               id->scope, record);
	if ((rc = pki_ca_issue(root, req, now - 60, now + (time_t)days * DAY, cert_pem, serial, why,
	                       sizeof(why))) != 0)
		return ca_fail(rc, "refused: %s", why);
	snprintf(path, sizeof(path), "ca-%s", id->scope);
	if ((rc = ca_supersede_move(rootdir, path, old)) != 0) {
		free(*cert_pem);
		*cert_pem = NULL;
		return rc;
	}
	if (old[0])
		fprintf(stderr,
		        "carenet: warning: the superseded certificate of county CA %s (serial %s) "
		        "is kept in %s/issued/superseded but not revoked: every certificate it "
		        "issued would fall with it. Revoke it ('carenet ca revoke --ca %s --serial "
		        "%s') once that county's offices hold certificates of the new one.\n",
		        id->scope, old, rootdir, rootdir, old);
	root_pem = ca_read_opt(rootdir, "ca.pem");
	if (!root_pem || !(all = malloc(strlen(*cert_pem) + strlen(root_pem) + 1)))
		rc = CN_ENOMEM;
	else {
		sprintf(all, "%s%s", *cert_pem, root_pem);
		if ((rc = ca_write(record, all, 0644, 0)) == 0 &&
		    ca_path(path, rootdir, "serial") == 0)
			ca_write_line(path, serial);
	}
	free(root_pem);
	free(all);
	if (rc != 0) {
		free(*cert_pem);
		*cert_pem = NULL;
		return ca_fail(rc, "cannot write %s: %s", record, cn_strerror(rc));
	}
	return 0;
}

static int ca_init_county_now(const struct ca_init_opts *o)
{
	struct pki_ca *root = NULL;
	struct pki_req *req = NULL;
	char why[WHY_MAX], record[PATH_MAX], *req_pem = NULL, *cert = NULL, *file = NULL;
	int rc, made = 0;

	if ((rc = ca_load_dir(o->root, o->pass, &root)) != 0)
		return rc;
	if (!pki_ca_is_root(root)) {
		rc = ca_fail(CN_EINVAL, "%s holds a county CA, not the root CA", o->root);
		goto out;
	}
	if ((rc = county_request(o, &req_pem)) != 0)
		goto out;
	made = 1;
	if ((rc = pki_req_parse(req_pem, strlen(req_pem), &req, why, sizeof(why))) != 0) {
		rc = ca_fail(rc, "%s", why);
		goto out;
	}
	if ((rc = ca_root_sign(root, o->root, req, o->days, 0, &cert, record, sizeof(record))))
		goto out;
	made = 2;
	file = NULL;
	if ((rc = ca_read(record, &file, &(size_t){0})) != 0)
		rc = ca_fail(rc, "cannot read %s", record);
	else
		rc = ca_install_pem(o->dir, o->pass, file, o->root, o->scope);
out:
	if (rc != 0 && made)
		ca_dir_undo(o->dir, 1);
	if (rc != 0 && made == 2)
		unlink(record);
	free(file);
	free(cert);
	free(req_pem);
	pki_req_free(&req);
	pki_ca_free(&root);
	return rc;
}

static int ca_init_request(const struct ca_init_opts *o)
{
	char path[PATH_MAX], *req = NULL;
	int rc;

	if ((rc = county_request(o, &req)) != 0)
		return rc;
	ca_path(path, o->dir, "ca-request.pem");
	if ((rc = ca_write(path, req, 0644, 1)) != 0) {
		free(req);
		ca_dir_undo(o->dir, 1);
		return ca_fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	}
	free(req);
	printf("county CA key and request made in %s\n"
	       "  %s/ca.key          private key (0600): keep it here\n"
	       "  %s/ca-request.pem  send it to the root CA's operator, who runs\n"
	       "      carenet ca issue --ca ROOTDIR --csr %s/ca-request.pem\n"
	       "then install the result: carenet ca init --dir %s --install "
	       "ROOTDIR/issued/ca-%s.pem\n",
	       o->dir, o->dir, o->dir, o->dir, o->dir, o->scope);
	return 0;
}

/* 0, 1 after --help, CN_EUSAGE (printed). */
static int ca_init_parse(int argc, char **argv, struct ca_init_opts *o)
{
	struct args g;
	int ch;

	args_begin(&g, &ca_init_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		switch (ch) {
		case 'd':
			o->dir = g.val;
			break;
		case ARGS_LONG('s'):
			o->scope = g.val;
			break;
		case ARGS_LONG('n'):
			o->name = g.val;
			break;
		case 'r':
			o->root = g.val;
			break;
		case 'q':
			o->request = 1;
			break;
		case ARGS_LONG('i'):
			o->install = g.val;
			break;
		case ARGS_LONG('P'):
			o->passfile = g.val;
			break;
		case ARGS_LONG('D'):
			if (ca_parse_days(g.val, &o->days) == 0)
				break;
			args_usage_error(&ca_init_cmd, "--days wants 1..36500, not '%s'", g.val);
			return CN_EUSAGE;
		default:
			return g.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&g, 0, 0) != 0)
		return CN_EUSAGE;
	if (!o->dir || (!o->install && (!o->scope || !o->name)) ||
	    (o->request && (o->root || o->install))) {
		args_usage_error(&ca_init_cmd, "give --dir, and --scope and --name or --install");
		return CN_EUSAGE;
	}
	return 0;
}

static int ca_init_run(const struct ca_init_opts *o)
{
	if (o->name && strlen(o->name) >= PKI_NAME_MAX)
		return ca_fail(CN_EINVAL, "--name is longer than %d bytes", PKI_NAME_MAX - 1);
	if (o->install)
		return ca_init_install(o);
	if (o->request)
		return ca_init_request(o);
	if (o->root)
		return ca_init_county_now(o);
	if (strlen(o->scope) == 6)
		return ca_fail(CN_EUSAGE,
		               "a county CA (6-digit scope) needs --root ROOTDIR (signed "
		               "at once) or --request (signed later by the root's operator)");
	return ca_init_root(o);
}

int ca_init(int argc, char **argv)
{
	struct ca_init_opts o = {.days = 3650};
	char pass[CA_PASS_MAX];
	int rc;

	if ((rc = ca_init_parse(argc, argv, &o)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	if ((rc = ca_passphrase(o.passfile, pass, sizeof(pass), &o.pass)) != 0)
		return rc;
	rc = ca_init_run(&o);
	OPENSSL_cleanse(pass, sizeof(pass));
	return rc;
}
