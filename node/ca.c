/*
 * ca: the PKI's command-line tools: "carenet ca init|issue|revoke|crl|list",
 * "carenet init" (a node's or inspector's keys and request) and
 * "carenet enroll" (install a bundle, write node.cfg). See certs/README.md.
 *
 * Single-threaded tools. Messages go to stderr, results (paths, listings)
 * to stdout. Every function returns the process exit status (cmd.h).
 */
#include "cmd.h"
#include "err.h"
#include "log.h"
#include "pki.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>
#include <zmq.h>

#define WHY_MAX 512
#define FILE_MAX (4u << 20)
#define DAY 86400
#define DEFAULT_TZ "Asia/Shanghai"
#define DEFAULT_LISTEN_PORT "7400"
#define CRL_DAYS 30

/* ------------------------------------------------------------ helpers */

static int fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "carenet: MESSAGE" and returns the exit status for rc. */
static int fail(int rc, const char *fmt, ...)
{
	va_list ap;
	int code = cn_exit_code(rc);

	fputs("carenet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code ? code : 1;
}

static int usage_err(const char *usage)
{
	fputs(usage, stderr);
	return 2;
}

static void getopt_reset(void)
{
	optind = 0; /* glibc: full re-initialisation, the tools may run many times */
	opterr = 1;
}

/* dir/name into out (PATH_MAX); CN_EINVAL when too long. */
static int mkpath(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	return n > 0 && n < PATH_MAX ? 0 : CN_EINVAL;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int read_text(const char *path, char **buf, size_t *len)
{
	return util_read_file(path, FILE_MAX, (uint8_t **)buf, len);
}

static int write_text(const char *path, const char *s, mode_t mode, int excl)
{
	return util_write_file(path, s, strlen(s), mode, excl);
}

/* Reads dir/name, "" if absent. Caller frees. */
static char *read_opt(const char *dir, const char *name)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len;

	if (mkpath(path, dir, name) != 0 || read_text(path, &buf, &len) != 0)
		return util_strdup("");
	return buf;
}

static int parse_days(const char *s, int *days)
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
static int endpoint_ok(const char *e)
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

static int ca_load_dir(const char *dir, struct pki_ca **ca)
{
	char key[PATH_MAX], cert[PATH_MAX], why[WHY_MAX];
	int rc;

	if (mkpath(key, dir, "ca.key") || mkpath(cert, dir, "ca.pem"))
		return fail(CN_EINVAL, "path too long: %s", dir);
	if (!exists(key) || !exists(cert))
		return fail(CN_ENOTFOUND,
		            "%s is not a CA directory (no ca.key/ca.pem): create it "
		            "with 'carenet ca init' first",
		            dir);
	if ((rc = pki_ca_load(key, cert, ca, why, sizeof(why))) != 0)
		return fail(rc, "cannot use the CA in %s: %s", dir, why);
	return 0;
}

/* ------------------------------------------------------ CA directory */

struct rev_line {
	struct pki_revoked r;
	char id[PKI_ID_MAX];
};

/* Parses dir/revoked: "SERIAL UNIXTIME REASON ID" per line. */
static int revoked_read(const char *dir, struct rev_line **out, size_t *n)
{
	char *buf = read_opt(dir, "revoked"), *line, *save = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!buf)
		return CN_ENOMEM;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct rev_line e;
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
		if (*n == cap) {
			struct rev_line *nl = realloc(*out, (cap ? cap * 2 : 16) * sizeof(*nl));
			if (!nl) {
				free(buf);
				return CN_ENOMEM;
			}
			*out = nl;
			cap = cap ? cap * 2 : 16;
		}
		(*out)[(*n)++] = e;
	}
	free(buf);
	return 0;
}

/* Signs a new CRL with every entry of dir/revoked, writes dir/crl.pem. */
static int crl_write(const char *dir, struct pki_ca *ca, char *why, size_t whylen)
{
	struct rev_line *lines = NULL;
	struct pki_revoked *list = NULL;
	char path[PATH_MAX], *num = read_opt(dir, "crlnumber"), *pem = NULL, buf[32];
	unsigned long long number = num ? strtoull(num, NULL, 10) + 1 : 1;
	size_t n = 0;
	int rc;

	free(num);
	if ((rc = revoked_read(dir, &lines, &n)) != 0)
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
	if ((rc = mkpath(path, dir, "crl.pem")) || (rc = write_text(path, pem, 0644, 0)) ||
	    (rc = mkpath(path, dir, "crlnumber")) || (rc = write_text(path, buf, 0644, 0)))
		snprintf(why, whylen, "cannot write %s: %s", path, cn_strerror(rc));
out:
	free(pem);
	free(list);
	free(lines);
	return rc;
}

/* Writes everything but the key of a new CA directory. */
static int ca_dir_finish(const char *dir, const char *ca_pem, const char *root_pem)
{
	char path[PATH_MAX], why[WHY_MAX];
	struct pki_ca *ca = NULL;
	int rc;

	if ((rc = mkpath(path, dir, "issued")) || (rc = util_mkdirs(path, 0700)))
		return fail(rc, "cannot create %s/issued: %s", dir, strerror(errno));
	if ((rc = mkpath(path, dir, "ca.pem")) || (rc = write_text(path, ca_pem, 0644, 1)))
		return fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	if (root_pem &&
	    ((rc = mkpath(path, dir, "chain.pem")) || (rc = write_text(path, ca_pem, 0644, 0)) ||
	     (rc = mkpath(path, dir, "root.pem")) || (rc = write_text(path, root_pem, 0644, 0))))
		return fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	if ((rc = mkpath(path, dir, "serial")) || (rc = write_text(path, "0\n", 0644, 0)))
		return fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	if ((rc = ca_load_dir(dir, &ca)) != 0)
		return rc;
	rc = crl_write(dir, ca, why, sizeof(why));
	pki_ca_free(&ca);
	if (rc != 0)
		return fail(rc, "cannot write the CRL of %s: %s", dir, why);
	return 0;
}

static int refuse_existing_ca(const char *dir)
{
	char key[PATH_MAX], cert[PATH_MAX];

	if (mkpath(key, dir, "ca.key") || mkpath(cert, dir, "ca.pem"))
		return fail(CN_EINVAL, "path too long: %s", dir);
	if (exists(key) || exists(cert))
		return fail(CN_EEXIST,
		            "%s already holds a CA (%s exists): choose another --dir, or "
		            "remove that directory to start over",
		            dir, exists(key) ? key : cert);
	return 0;
}

/* Removes a half-made CA's files after a failure. */
static void ca_dir_undo(const char *dir, int with_key)
{
	static const char *files[] = {"ca.pem",    "chain.pem", "root.pem",      "crl.pem",
	                              "crlnumber", "serial",    "ca-request.pem"};
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_LEN(files); i++)
		if (mkpath(path, dir, files[i]) == 0)
			unlink(path);
	if (with_key && mkpath(path, dir, "ca.key") == 0)
		unlink(path);
}

/* ------------------------------------------------------------ ca init */

static const char ca_init_usage[] =
    "usage: carenet ca init --dir DIR --scope SCOPE --name NAME [--days N]\n"
    "       carenet ca init --dir DIR --scope CODE --name NAME --root ROOTDIR [--days N]\n"
    "       carenet ca init --dir DIR --scope CODE --name NAME --request\n"
    "       carenet ca init --dir DIR --install CERTFILE [--root ROOTDIR]\n"
    "\n"
    "Creates a CA in DIR (ca.key 0600, ca.pem, crl.pem, serial, issued/).\n"
    "  A root CA (province 53 or prefecture 5301): --scope of 2 to 5 digits.\n"
    "  A county CA: --scope is its 6-digit code under the root's scope, and either\n"
    "    --root ROOTDIR   signs it at once with the root CA in ROOTDIR, or\n"
    "    --request        writes DIR/ca.key and DIR/ca-request.pem for the root's\n"
    "                     operator ('carenet ca issue --ca ROOTDIR --csr ...'); then\n"
    "    --install FILE   installs the certificate the root issued (ROOTDIR/issued/\n"
    "                     ca-CODE.pem; it carries the root certificate too).\n"
    "  -d, --dir DIR      the CA directory (created 0700; must not hold a CA yet)\n"
    "  -s, --scope SCOPE  digits of the administrative division code\n"
    "  -n, --name NAME    display name, UTF-8 (e.g. \"云南省民政厅\")\n"
    "      --days N       validity in days (default 3650)\n"
    "  -h, --help         show this text\n";

struct ca_init_opts {
	const char *dir, *scope, *name, *root, *install;
	int request, days;
};

static int ca_init_root(const struct ca_init_opts *o)
{
	char key[PATH_MAX], why[WHY_MAX], *pem = NULL;
	time_t now = time(NULL);
	int rc;

	if (!pki_scope_valid(o->scope) || strlen(o->scope) >= 6)
		return fail(CN_EINVAL,
		            "invalid root scope \"%s\": 2 to 5 digits (a 6-digit county "
		            "CA needs --root ROOTDIR or --request)",
		            o->scope);
	if ((rc = refuse_existing_ca(o->dir)) != 0)
		return rc;
	if (util_mkdirs(o->dir, 0700) != 0)
		return fail(CN_EIO, "cannot create %s: %s", o->dir, strerror(errno));
	mkpath(key, o->dir, "ca.key");
	if ((rc = pki_key_generate(key, why, sizeof(why))) != 0)
		return fail(rc, "%s", why);
	rc = pki_root_create(key, o->scope, o->name, now - 60, now + (time_t)o->days * DAY, &pem,
	                     why, sizeof(why));
	if (rc != 0) {
		ca_dir_undo(o->dir, 1);
		return fail(rc, "%s", why);
	}
	rc = ca_dir_finish(o->dir, pem, NULL);
	free(pem);
	if (rc != 0) {
		ca_dir_undo(o->dir, 1);
		return rc;
	}
	printf(
	    "root CA %s (%s) created in %s\n"
	    "  %s/ca.key  private key: keep it offline, mode 0600\n"
	    "  %s/ca.pem  certificate: every node trusts it (root.pem)\n"
	    "  %s/crl.pem revocation list\n"
	    "next: carenet ca init --dir COUNTYDIR --scope <6-digit code> --name NAME --root %s\n",
	    o->scope, o->name, o->dir, o->dir, o->dir, o->dir, o->dir);
	return 0;
}

/* Installs a county CA certificate (first block of file_pem) with its root. */
static int ca_install_pem(const char *dir, const char *file_pem, const char *rootdir,
                          const char *want_scope)
{
	char *blocks[PKI_CHAIN_MAX], key[PATH_MAX], why[WHY_MAX], *root_pem = NULL;
	struct pki_identity id, rid;
	struct pki_trust *trust = NULL;
	size_t n = pem_blocks(file_pem, blocks, PKI_CHAIN_MAX);
	int is_ca = 0, rc;

	if (n == 0 ||
	    (rc = pki_cert_parse(blocks[0], strlen(blocks[0]), &id, &is_ca, why, sizeof(why))) !=
	        0 ||
	    !is_ca || strlen(id.scope) != 6) {
		rc = fail(CN_EINVAL, "the file does not start with a county CA certificate");
		goto out;
	}
	for (size_t i = 1; i < n && !root_pem; i++)
		if (pki_cert_parse(blocks[i], strlen(blocks[i]), &rid, &is_ca, why, sizeof(why)) ==
		        0 &&
		    is_ca && strcmp(rid.scope, rid.issuer_scope) == 0)
			root_pem = util_strdup(blocks[i]);
	if (!root_pem && rootdir)
		root_pem = read_opt(rootdir, "ca.pem");
	if (!root_pem || !root_pem[0]) {
		rc = fail(CN_EINVAL, "no root certificate: the file has none, pass --root ROOTDIR");
		goto out;
	}
	if (want_scope && strcmp(want_scope, id.scope) != 0) {
		rc = fail(CN_EINVAL, "the certificate is for county %s, not %s", id.scope,
		          want_scope);
		goto out;
	}
	mkpath(key, dir, "ca.key");
	if ((rc = pki_key_matches_cert(key, blocks[0], strlen(blocks[0]), why, sizeof(why)))) {
		rc = fail(rc, "%s: is this the certificate for the request made in %s?", why, dir);
		goto out;
	}
	if ((rc = pki_trust_new_pem(root_pem, strlen(root_pem), &trust)) != 0 ||
	    (rc = pki_trust_add_ca_pem(trust, blocks[0], strlen(blocks[0]))) != 0) {
		rc = fail(rc,
		          "the county CA certificate does not verify against the root "
		          "certificate (%s)",
		          cn_strerror(rc));
		goto out;
	}
	if ((rc = ca_dir_finish(dir, blocks[0], root_pem)) == 0)
		printf("county CA %s (%s) installed in %s\n"
		       "next: issue this county's nodes: carenet ca issue --ca %s --csr "
		       "NODEDIR/request.pem\n",
		       id.scope, id.name, dir, dir);
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

	if (mkpath(path, o->dir, "ca.key") || !exists(path))
		return fail(CN_ENOTFOUND,
		            "%s/ca.key not found: --install goes into the directory "
		            "where 'carenet ca init --request' made the key",
		            o->dir);
	if (mkpath(path, o->dir, "ca.pem") || exists(path))
		return fail(CN_EEXIST, "%s already holds a CA certificate (%s)", o->dir, path);
	if ((rc = read_text(o->install, &buf, &len)) != 0)
		return fail(rc, "cannot read %s: %s", o->install, cn_strerror(rc));
	rc = ca_install_pem(o->dir, buf, o->root, o->scope);
	free(buf);
	return rc;
}

/* A county CA's key and request into dir; the request PEM into *req. */
static int county_request(const struct ca_init_opts *o, char **req)
{
	struct pki_req_params p = {.scope = o->scope, .name = o->name, .is_ca = 1};
	char key[PATH_MAX], why[WHY_MAX];
	int rc;

	if (strlen(o->scope) != 6 || !pki_scope_valid(o->scope))
		return fail(CN_EINVAL, "invalid county code \"%s\": 6 digits", o->scope);
	if ((rc = refuse_existing_ca(o->dir)) != 0)
		return rc;
	if (util_mkdirs(o->dir, 0700) != 0)
		return fail(CN_EIO, "cannot create %s: %s", o->dir, strerror(errno));
	mkpath(key, o->dir, "ca.key");
	if ((rc = pki_key_generate(key, why, sizeof(why))) != 0)
		return fail(rc, "%s", why);
	if ((rc = pki_req_create(key, &p, req, why, sizeof(why))) != 0) {
		ca_dir_undo(o->dir, 1);
		return fail(rc, "%s", why);
	}
	return 0;
}

/* Signs a CA request with the root in rootdir, records it there. */
static int root_sign_ca(struct pki_ca *root, const char *rootdir, const struct pki_req *req,
                        int days, int force, char **cert_pem, char *record, size_t reclen)
{
	const struct pki_identity *id = pki_req_identity(req, NULL);
	char why[WHY_MAX], serial[64], path[PATH_MAX], *root_pem = NULL, *all = NULL;
	time_t now = time(NULL);
	int rc;

	snprintf(record, reclen, "%s/issued/ca-%s.pem", rootdir, id->scope);
	if (exists(record) && !force)
		return fail(CN_EEXIST,
		            "a CA certificate for %s was already issued (%s): pass "
		            "--force to issue another",
		            id->scope, record);
	if ((rc = pki_ca_issue(root, req, now - 60, now + (time_t)days * DAY, cert_pem, serial, why,
	                       sizeof(why))) != 0)
		return fail(rc, "refused: %s", why);
	root_pem = read_opt(rootdir, "ca.pem");
	if (!root_pem || !(all = malloc(strlen(*cert_pem) + strlen(root_pem) + 1)))
		rc = CN_ENOMEM;
	else {
		sprintf(all, "%s%s", *cert_pem, root_pem);
		if ((rc = write_text(record, all, 0644, 0)) == 0 &&
		    mkpath(path, rootdir, "serial") == 0)
			write_text(path, serial, 0644, 0);
	}
	free(root_pem);
	free(all);
	if (rc != 0) {
		free(*cert_pem);
		*cert_pem = NULL;
		return fail(rc, "cannot write %s: %s", record, cn_strerror(rc));
	}
	return 0;
}

static int ca_init_county_now(const struct ca_init_opts *o)
{
	struct pki_ca *root = NULL;
	struct pki_req *req = NULL;
	char why[WHY_MAX], record[PATH_MAX], *req_pem = NULL, *cert = NULL, *file = NULL;
	int rc, made = 0;

	if ((rc = ca_load_dir(o->root, &root)) != 0)
		return rc;
	if (!pki_ca_is_root(root)) {
		rc = fail(CN_EINVAL, "%s holds a county CA, not the root CA", o->root);
		goto out;
	}
	if ((rc = county_request(o, &req_pem)) != 0)
		goto out;
	made = 1;
	if ((rc = pki_req_parse(req_pem, strlen(req_pem), &req, why, sizeof(why))) != 0) {
		rc = fail(rc, "%s", why);
		goto out;
	}
	if ((rc = root_sign_ca(root, o->root, req, o->days, 0, &cert, record, sizeof(record))))
		goto out;
	made = 2;
	file = NULL;
	if ((rc = read_text(record, &file, &(size_t){0})) != 0)
		rc = fail(rc, "cannot read %s", record);
	else
		rc = ca_install_pem(o->dir, file, o->root, o->scope);
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
	mkpath(path, o->dir, "ca-request.pem");
	if ((rc = write_text(path, req, 0644, 1)) != 0) {
		free(req);
		ca_dir_undo(o->dir, 1);
		return fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
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

static int ca_init(int argc, char **argv)
{
	static const struct option lo[] = {{"dir", required_argument, NULL, 'd'},
	                                   {"scope", required_argument, NULL, 's'},
	                                   {"name", required_argument, NULL, 'n'},
	                                   {"root", required_argument, NULL, 'r'},
	                                   {"request", no_argument, NULL, 'q'},
	                                   {"install", required_argument, NULL, 'i'},
	                                   {"days", required_argument, NULL, 'D'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {NULL, 0, NULL, 0}};
	struct ca_init_opts o = {.days = 3650};
	int c;

	getopt_reset();
	while ((c = getopt_long(argc, argv, "d:s:n:r:qi:h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.dir = optarg;
			break;
		case 's':
			o.scope = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'r':
			o.root = optarg;
			break;
		case 'q':
			o.request = 1;
			break;
		case 'i':
			o.install = optarg;
			break;
		case 'D':
			if (parse_days(optarg, &o.days) != 0)
				return fail(CN_EUSAGE, "--days wants 1..36500, not '%s'", optarg);
			break;
		case 'h':
			fputs(ca_init_usage, stdout);
			return 0;
		default:
			return usage_err(ca_init_usage);
		}
	}
	if (optind != argc || !o.dir || (!o.install && (!o.scope || !o.name)) ||
	    (o.request && (o.root || o.install)))
		return usage_err(ca_init_usage);
	if (o.name && strlen(o.name) >= PKI_NAME_MAX)
		return fail(CN_EINVAL, "--name is longer than %d bytes", PKI_NAME_MAX - 1);
	if (o.install)
		return ca_init_install(&o);
	if (o.request)
		return ca_init_request(&o);
	if (o.root)
		return ca_init_county_now(&o);
	if (strlen(o.scope) == 6)
		return fail(CN_EUSAGE,
		            "a county CA (6-digit scope) needs --root ROOTDIR (signed "
		            "at once) or --request (signed later by the root's operator)");
	return ca_init_root(&o);
}

/* ----------------------------------------------------------- ca issue */

static const char ca_issue_usage[] =
    "usage: carenet ca issue --ca DIR --csr FILE [--endpoint tcp://HOST:PORT]\n"
    "                        [--parent-endpoint E] [--days N] [--valid-from TIME]\n"
    "                        [--valid-until TIME] [--tz ZONE] [--out FILE] [--force]\n"
    "\n"
    "Checks a request (from 'carenet init' or 'carenet ca init --request') and signs\n"
    "it with the CA in DIR. A county CA issues its county node, townships, villages\n"
    "and inspectors under its code; the root CA issues county CAs and inspectors.\n"
    "A node's certificate is recorded as DIR/issued/ID.pem and its enrollment bundle\n"
    "written to DIR/issued/ID.bundle (path printed); issue parents before children.\n"
    "  -c, --ca DIR               the CA directory\n"
    "  -r, --csr FILE             the request (PEM)\n"
    "  -e, --endpoint E           where this node's children reach it (recorded)\n"
    "  -p, --parent-endpoint E    the parent's endpoint (default: the one recorded\n"
    "                             when the parent was issued)\n"
    "      --days N               validity (default 365; county CAs 3650)\n"
    "      --valid-from TIME      \"YYYY-MM-DD HH:MM\" (default now)\n"
    "      --valid-until TIME     \"YYYY-MM-DD HH:MM\" (default valid-from + days)\n"
    "      --tz ZONE              zone of those times (default Asia/Shanghai)\n"
    "  -o, --out FILE             where to write the bundle\n"
    "  -f, --force                issue again an id already issued\n"
    "  -h, --help                 show this text\n";

struct issue_opts {
	const char *ca, *csr, *endpoint, *parent_ep, *from, *until, *tz, *out;
	int days, force;
};

static void cfg_str(config_setting_t *root, const char *name, const char *val)
{
	config_setting_t *s = config_setting_add(root, name, CONFIG_TYPE_STRING);
	if (s)
		config_setting_set_string(s, val ? val : "");
}

struct bundle {
	const char *id, *role, *cert, *chain, *root, *parent_cert, *parent_endpoint, *endpoint,
	    *crl;
};

static int bundle_write(const char *path, const struct bundle *b)
{
	config_t cfg;
	config_setting_t *root, *v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc = CN_ENOMEM;

	config_init(&cfg);
	root = config_root_setting(&cfg);
	if ((v = config_setting_add(root, "version", CONFIG_TYPE_INT)))
		config_setting_set_int(v, 1);
	cfg_str(root, "id", b->id);
	cfg_str(root, "role", b->role);
	cfg_str(root, "cert", b->cert);
	cfg_str(root, "chain", b->chain);
	cfg_str(root, "root", b->root);
	cfg_str(root, "parent_cert", b->parent_cert);
	cfg_str(root, "parent_endpoint", b->parent_endpoint);
	cfg_str(root, "endpoint", b->endpoint);
	cfg_str(root, "crl", b->crl);
	if ((f = open_memstream(&buf, &len))) {
		fprintf(f, "# carenet enrollment bundle for %s: install with 'carenet enroll'\n",
		        b->id);
		config_write(&cfg, f);
		if (fclose(f) == 0)
			rc = util_write_file(path, buf, len, 0644, 0);
	}
	free(buf);
	config_destroy(&cfg);
	return rc;
}

static int issue_times(const struct issue_opts *o, time_t *nb, time_t *na)
{
	uint64_t t;

	*nb = time(NULL) - 60;
	if (o->from) {
		if (util_parse_time(o->from, o->tz, &t) != 0)
			return fail(CN_EUSAGE, "--valid-from wants \"YYYY-MM-DD HH:MM\", not '%s'",
			            o->from);
		*nb = (time_t)t;
	}
	*na = *nb + (time_t)o->days * DAY;
	if (o->until) {
		if (util_parse_time(o->until, o->tz, &t) != 0)
			return fail(CN_EUSAGE, "--valid-until wants \"YYYY-MM-DD HH:MM\", not '%s'",
			            o->until);
		*na = (time_t)t;
	}
	if (*na <= *nb)
		return fail(CN_EINVAL, "the validity ends before it starts");
	return 0;
}

/* The parent's certificate and endpoint for a township or village. */
static int issue_parent(const struct issue_opts *o, const struct pki_identity *id, char **pcert,
                        char **pep)
{
	char pid[PKI_ID_MAX], name[PKI_ID_MAX + 16], *nl;

	*pcert = util_strdup("");
	*pep = util_strdup(o->parent_ep ? o->parent_ep : "");
	if (pki_parent_id(id->id, pid, sizeof(pid)) != 0)
		return 0; /* county node, inspector: no parent */
	free(*pcert);
	snprintf(name, sizeof(name), "issued/%s.pem", pid);
	*pcert = read_opt(o->ca, name);
	if (!*pcert || !(*pcert)[0])
		return fail(CN_EINVAL,
		            "the parent %s of %s has not been issued by this CA: issue "
		            "the parent %s first",
		            pid, id->id, pid);
	if (!o->parent_ep) {
		free(*pep);
		snprintf(name, sizeof(name), "issued/%s.endpoint", pid);
		*pep = read_opt(o->ca, name);
		if (*pep && (nl = strchr(*pep, '\n')))
			*nl = 0;
	}
	if (*pep && !(*pep)[0])
		fprintf(stderr,
		        "carenet: warning: no endpoint known for the parent %s: pass "
		        "--parent-endpoint here or to 'carenet enroll'\n",
		        pid);
	return 0;
}

static int issue_record(const struct issue_opts *o, const struct pki_identity *id, const char *pem,
                        const char *serial)
{
	char path[PATH_MAX], name[PKI_ID_MAX + 16], *ep;
	int rc;

	snprintf(name, sizeof(name), "issued/%s.pem", id->id);
	if ((rc = mkpath(path, o->ca, name)) || (rc = write_text(path, pem, 0644, 0)))
		return fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	if (o->endpoint) {
		if (!(ep = malloc(strlen(o->endpoint) + 2)))
			return fail(CN_ENOMEM, "out of memory");
		sprintf(ep, "%s\n", o->endpoint);
		snprintf(name, sizeof(name), "issued/%s.endpoint", id->id);
		if ((rc = mkpath(path, o->ca, name)) == 0)
			rc = write_text(path, ep, 0644, 0);
		free(ep);
		if (rc != 0)
			return fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	}
	if (mkpath(path, o->ca, "serial") == 0)
		write_text(path, serial, 0644, 0);
	return 0;
}

static int issue_leaf(const struct issue_opts *o, struct pki_ca *ca, const struct pki_req *req)
{
	const struct pki_identity *id = pki_req_identity(req, NULL);
	struct bundle b = {.id = id->id, .role = pki_role_name(id->role)};
	char why[WHY_MAX], serial[64], path[PATH_MAX], name[PKI_ID_MAX + 16], tbuf[40];
	char *cert = NULL, *pcert = NULL, *pep = NULL, *chain = NULL, *root = NULL, *crl = NULL;
	time_t nb, na;
	int rc;

	snprintf(name, sizeof(name), "issued/%s.pem", id->id);
	if ((rc = mkpath(path, o->ca, name)) == 0 && exists(path) && !o->force)
		return fail(CN_EEXIST,
		            "%s was already issued (%s): revoke it ('carenet ca revoke "
		            "--ca %s --id %s') or pass --force",
		            id->id, path, o->ca, id->id);
	if ((rc = issue_times(o, &nb, &na)) != 0)
		return rc;
	if ((rc = pki_ca_may_issue(ca, req, why, sizeof(why))) != 0)
		return fail(rc, "refused: %s", why);
	if ((rc = issue_parent(o, id, &pcert, &pep)) != 0)
		goto out;
	if ((rc = pki_ca_issue(ca, req, nb, na, &cert, serial, why, sizeof(why))) != 0) {
		rc = fail(rc, "refused: %s", why);
		goto out;
	}
	if (na < time(NULL)) {
		util_fmt_time((uint64_t)na, o->tz, tbuf, sizeof(tbuf));
		fprintf(stderr,
		        "carenet: warning: the certificate of %s is already expired "
		        "(valid until %s %s): for tests only\n",
		        id->id, tbuf, o->tz);
	}
	if ((rc = issue_record(o, id, cert, serial)) != 0)
		goto out;
	chain = pki_ca_is_root(ca) ? util_strdup("") : read_opt(o->ca, "chain.pem");
	root = read_opt(o->ca, pki_ca_is_root(ca) ? "ca.pem" : "root.pem");
	crl = read_opt(o->ca, "crl.pem");
	b.cert = cert, b.chain = chain, b.root = root, b.crl = crl;
	b.parent_cert = pcert, b.parent_endpoint = pep, b.endpoint = o->endpoint;
	snprintf(name, sizeof(name), "issued/%s.bundle", id->id);
	if (!o->out)
		mkpath(path, o->ca, name);
	if ((rc = bundle_write(o->out ? o->out : path, &b)) != 0) {
		rc = fail(rc, "cannot write the bundle %s: %s", o->out ? o->out : path,
		          cn_strerror(rc));
		goto out;
	}
	fprintf(stderr,
	        "issued %s %s serial %s; install the bundle on the node with:\n"
	        "  carenet enroll %s --dir NODEDIR\n",
	        b.role, id->id, serial, o->out ? o->out : path);
	printf("%s\n", o->out ? o->out : path);
out:
	free(cert);
	free(pcert);
	free(pep);
	free(chain);
	free(root);
	free(crl);
	return rc;
}

static int issue_ca(const struct issue_opts *o, struct pki_ca *ca, const struct pki_req *req)
{
	const struct pki_identity *id = pki_req_identity(req, NULL);
	char record[PATH_MAX], *cert = NULL;
	int rc;

	if (!pki_ca_is_root(ca))
		return fail(CN_EROLE,
		            "refused: %s is a request for county CA %s; only the root CA "
		            "signs CA requests",
		            o->csr, id->scope);
	if (o->endpoint || o->parent_ep || o->from || o->until || o->out)
		fprintf(stderr, "carenet: warning: node options are ignored for a CA request\n");
	rc = root_sign_ca(ca, o->ca, req, o->days ? o->days : 3650, o->force, &cert, record,
	                  sizeof(record));
	free(cert);
	if (rc != 0)
		return rc;
	fprintf(stderr,
	        "issued county CA %s; send the file to its operator, who runs\n"
	        "  carenet ca init --dir COUNTYDIR --install %s\n",
	        id->scope, record);
	printf("%s\n", record);
	return 0;
}

static int ca_issue(int argc, char **argv)
{
	static const struct option lo[] = {{"ca", required_argument, NULL, 'c'},
	                                   {"csr", required_argument, NULL, 'r'},
	                                   {"endpoint", required_argument, NULL, 'e'},
	                                   {"parent-endpoint", required_argument, NULL, 'p'},
	                                   {"days", required_argument, NULL, 'D'},
	                                   {"valid-from", required_argument, NULL, 'F'},
	                                   {"valid-until", required_argument, NULL, 'U'},
	                                   {"tz", required_argument, NULL, 'z'},
	                                   {"out", required_argument, NULL, 'o'},
	                                   {"force", no_argument, NULL, 'f'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {NULL, 0, NULL, 0}};
	struct issue_opts o = {.tz = DEFAULT_TZ};
	struct pki_ca *ca = NULL;
	struct pki_req *req = NULL;
	char why[WHY_MAX], *buf = NULL;
	size_t len;
	int c, rc, is_ca = 0;

	getopt_reset();
	while ((c = getopt_long(argc, argv, "c:r:e:p:o:fh", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.ca = optarg;
			break;
		case 'r':
			o.csr = optarg;
			break;
		case 'e':
			o.endpoint = optarg;
			break;
		case 'p':
			o.parent_ep = optarg;
			break;
		case 'F':
			o.from = optarg;
			break;
		case 'U':
			o.until = optarg;
			break;
		case 'z':
			o.tz = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'f':
			o.force = 1;
			break;
		case 'D':
			if (parse_days(optarg, &o.days) != 0)
				return fail(CN_EUSAGE, "--days wants 1..36500, not '%s'", optarg);
			break;
		case 'h':
			fputs(ca_issue_usage, stdout);
			return 0;
		default:
			return usage_err(ca_issue_usage);
		}
	}
	if (optind != argc || !o.ca || !o.csr)
		return usage_err(ca_issue_usage);
	if ((o.endpoint && !endpoint_ok(o.endpoint)) || (o.parent_ep && !endpoint_ok(o.parent_ep)))
		return fail(CN_EUSAGE, "endpoints are tcp://HOST:PORT (or ipc://PATH)");
	if ((rc = ca_load_dir(o.ca, &ca)) != 0)
		return rc;
	if ((rc = read_text(o.csr, &buf, &len)) != 0) {
		rc = fail(rc, "cannot read the request %s: %s", o.csr, cn_strerror(rc));
		goto out;
	}
	if ((rc = pki_req_parse(buf, len, &req, why, sizeof(why))) != 0) {
		rc = fail(rc, "request %s refused: %s", o.csr, why);
		goto out;
	}
	pki_req_identity(req, &is_ca);
	if (!o.days)
		o.days = is_ca ? 3650 : 365;
	rc = is_ca ? issue_ca(&o, ca, req) : issue_leaf(&o, ca, req);
out:
	free(buf);
	pki_req_free(&req);
	pki_ca_free(&ca);
	return rc;
}

/* ------------------------------------------------ ca revoke, crl, list */

static const char ca_revoke_usage[] =
    "usage: carenet ca revoke --ca DIR (--serial HEX | --id ID) [--reason REASON]\n"
    "\n"
    "Adds a certificate to DIR/revoked and signs a new DIR/crl.pem (valid 30 days;\n"
    "its path is printed). Give the new CRL to the nodes (crl list in node.cfg).\n"
    "  -c, --ca DIR         the CA directory\n"
    "  -s, --serial HEX     serial number of the certificate\n"
    "  -i, --id ID          the id whose certificate DIR/issued/ID.pem is revoked\n"
    "                       (a county code at the root CA: that county's CA)\n"
    "  -r, --reason REASON  unspecified, keyCompromise, cACompromise,\n"
    "                       affiliationChanged, superseded, cessationOfOperation,\n"
    "                       certificateHold, privilegeWithdrawn, aACompromise\n"
    "  -h, --help           show this text\n";

static const char ca_crl_usage[] =
    "usage: carenet ca crl --ca DIR\n"
    "\n"
    "Signs DIR/crl.pem anew (same entries, next update in 30 days) and prints its\n"
    "path. Run it before the current CRL's next update.\n";

static const char ca_list_usage[] =
    "usage: carenet ca list --ca DIR [--json]\n"
    "\n"
    "Lists the certificates recorded in DIR/issued: id, role, serial, end of\n"
    "validity (Asia/Shanghai) and whether revoked.\n";

/* Serial and id of the certificate recorded for id. */
static int revoke_lookup(const char *dir, const char *id, char serial[64])
{
	struct pki_identity ident;
	char name[PKI_ID_MAX + 16], why[WHY_MAX], *pem;
	int rc;

	if (pki_role_from_id(id) == PKI_ROLE_NONE && !pki_scope_valid(id))
		return fail(CN_EINVAL, "invalid id \"%s\"", id);
	snprintf(name, sizeof(name), "issued/%s.pem", id);
	pem = read_opt(dir, name);
	if (pem && !pem[0]) {
		free(pem);
		snprintf(name, sizeof(name), "issued/ca-%s.pem", id);
		pem = read_opt(dir, name);
	}
	if (!pem || !pem[0]) {
		free(pem);
		return fail(CN_EINVAL, "no certificate issued to %s in %s/issued: give --serial",
		            id, dir);
	}
	rc = pki_cert_parse(pem, strlen(pem), &ident, NULL, why, sizeof(why));
	free(pem);
	if (rc != 0)
		return fail(rc, "%s/%s: %s", dir, name, why);
	memcpy(serial, ident.serial, 64);
	return 0;
}

static int revoke_append(const char *dir, const char *serial, int reason, const char *id)
{
	char path[PATH_MAX], line[160], *old = read_opt(dir, "revoked"), *all;
	int rc = CN_ENOMEM;

	snprintf(line, sizeof(line), "%s %lld %s %s\n", serial, (long long)time(NULL),
	         pki_crl_reason_name(reason), id && id[0] ? id : "-");
	if (old && (all = malloc(strlen(old) + strlen(line) + 1))) {
		sprintf(all, "%s%s", old, line);
		if ((rc = mkpath(path, dir, "revoked")) == 0)
			rc = write_text(path, all, 0644, 0);
		free(all);
	}
	free(old);
	return rc;
}

static int ca_revoke(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"ca", required_argument, NULL, 'c'}, {"serial", required_argument, NULL, 's'},
	    {"id", required_argument, NULL, 'i'}, {"reason", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *hex = NULL, *id = NULL, *rname = "unspecified";
	struct rev_line *lines = NULL;
	struct pki_ca *ca = NULL;
	char serial[64], why[WHY_MAX];
	size_t n = 0;
	int c, rc, reason, already = 0;

	getopt_reset();
	while ((c = getopt_long(argc, argv, "c:s:i:r:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			dir = optarg;
			break;
		case 's':
			hex = optarg;
			break;
		case 'i':
			id = optarg;
			break;
		case 'r':
			rname = optarg;
			break;
		case 'h':
			fputs(ca_revoke_usage, stdout);
			return 0;
		default:
			return usage_err(ca_revoke_usage);
		}
	}
	if (optind != argc || !dir || !hex == !id)
		return usage_err(ca_revoke_usage);
	if ((reason = pki_crl_reason_parse(rname)) < 0)
		return fail(CN_EUSAGE, "unknown --reason '%s' (see --help)", rname);
	if (hex && pki_serial_normalize(hex, serial) != 0)
		return fail(CN_EINVAL, "--serial wants a hexadecimal serial number, not '%s'", hex);
	if ((rc = ca_load_dir(dir, &ca)) != 0)
		return rc;
	if (id && (rc = revoke_lookup(dir, id, serial)) != 0)
		goto out;
	if ((rc = revoked_read(dir, &lines, &n)) != 0) {
		rc = fail(rc, "cannot read %s/revoked", dir);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		already |= strcmp(lines[i].r.serial, serial) == 0;
	if (already)
		fprintf(stderr, "carenet: serial %s is already revoked; signing the CRL anew\n",
		        serial);
	else if ((rc = revoke_append(dir, serial, reason, id)) != 0) {
		rc = fail(rc, "cannot write %s/revoked: %s", dir, cn_strerror(rc));
		goto out;
	}
	if ((rc = crl_write(dir, ca, why, sizeof(why))) != 0) {
		rc = fail(rc, "%s", why);
		goto out;
	}
	fprintf(stderr, "revoked serial %s%s%s (%s); distribute the new CRL to the nodes\n", serial,
	        id ? " of " : "", id ? id : "", pki_crl_reason_name(reason));
	printf("%s/crl.pem\n", dir);
out:
	free(lines);
	pki_ca_free(&ca);
	return rc;
}

static int ca_crl(int argc, char **argv)
{
	static const struct option lo[] = {{"ca", required_argument, NULL, 'c'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {NULL, 0, NULL, 0}};
	const char *dir = NULL;
	struct pki_ca *ca = NULL;
	char why[WHY_MAX];
	int c, rc;

	getopt_reset();
	while ((c = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			dir = optarg;
			break;
		case 'h':
			fputs(ca_crl_usage, stdout);
			return 0;
		default:
			return usage_err(ca_crl_usage);
		}
	}
	if (optind != argc || !dir)
		return usage_err(ca_crl_usage);
	if ((rc = ca_load_dir(dir, &ca)) != 0)
		return rc;
	if ((rc = crl_write(dir, ca, why, sizeof(why))) != 0)
		rc = fail(rc, "%s", why);
	else
		printf("%s/crl.pem\n", dir);
	pki_ca_free(&ca);
	return rc;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of DIR/issued/ *.pem. */
static int issued_names(const char *dir, char ***names, size_t *n)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (mkpath(path, dir, "issued") || !(d = opendir(path)))
		return CN_EIO;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".pem") != 0)
			continue;
		if (*n == cap) {
			char **nn = realloc(*names, (cap ? cap * 2 : 32) * sizeof(*nn));
			if (!nn)
				break;
			*names = nn;
			cap = cap ? cap * 2 : 32;
		}
		if (((*names)[*n] = util_strdup(de->d_name)))
			(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
}

static void list_one(const char *dir, const char *file, const struct rev_line *revs, size_t nrev,
                     int json, int first)
{
	struct pki_identity id;
	char name[PATH_MAX], why[WHY_MAX], when[40], *pem;
	int is_ca = 0, revoked = 0;

	snprintf(name, sizeof(name), "issued/%s", file);
	pem = read_opt(dir, name);
	if (!pem || pki_cert_parse(pem, strlen(pem), &id, &is_ca, why, sizeof(why)) != 0) {
		fprintf(stderr, "carenet: %s/%s: unreadable, skipped\n", dir, name);
		free(pem);
		return;
	}
	free(pem);
	for (size_t i = 0; i < nrev; i++)
		revoked |= strcmp(revs[i].r.serial, id.serial) == 0;
	util_fmt_time((uint64_t)id.not_after, DEFAULT_TZ, when, sizeof(when));
	if (!json) {
		printf("%-16s %-9s %-32s %-19s %s\n", id.id, is_ca ? "ca" : pki_role_name(id.role),
		       id.serial, when, revoked ? "revoked" : "-");
		return;
	}
	printf("%s\n  {\"id\": ", first ? "" : ",");
	json_str(id.id);
	printf(", \"role\": \"%s\", \"serial\": \"%s\", \"not_after\": %lld, \"not_after_local\": ",
	       is_ca ? "ca" : pki_role_name(id.role), id.serial, (long long)id.not_after);
	json_str(when);
	printf(", \"name\": ");
	json_str(id.name);
	printf(", \"revoked\": %s}", revoked ? "true" : "false");
}

static int ca_list(int argc, char **argv)
{
	static const struct option lo[] = {{"ca", required_argument, NULL, 'c'},
	                                   {"json", no_argument, NULL, 'j'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {NULL, 0, NULL, 0}};
	const char *dir = NULL;
	struct rev_line *revs = NULL;
	char **names = NULL;
	size_t n = 0, nrev = 0;
	int c, json = 0;

	getopt_reset();
	while ((c = getopt_long(argc, argv, "c:jh", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			dir = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(ca_list_usage, stdout);
			return 0;
		default:
			return usage_err(ca_list_usage);
		}
	}
	if (optind != argc || !dir)
		return usage_err(ca_list_usage);
	if (issued_names(dir, &names, &n) != 0)
		return fail(CN_ENOTFOUND, "%s/issued: %s: is --ca a CA directory?", dir,
		            strerror(errno));
	revoked_read(dir, &revs, &nrev);
	if (json)
		printf("[");
	else
		printf("%-16s %-9s %-32s %-19s %s\n", "ID", "ROLE", "SERIAL", "NOT AFTER",
		       "REVOKED");
	for (size_t i = 0; i < n; i++)
		list_one(dir, names[i], revs, nrev, json, i == 0);
	if (json)
		printf("%s]\n", n ? "\n" : "");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(revs);
	return 0;
}

static const char ca_usage[] =
    "usage: carenet ca COMMAND [OPTIONS]   (carenet ca COMMAND --help for each)\n"
    "\n"
    "  init     create a root CA, or a county CA (at once or by request)\n"
    "  issue    check and sign a request; write the node's enrollment bundle\n"
    "  revoke   revoke a certificate and sign a new CRL\n"
    "  crl      sign the CRL anew before it expires\n"
    "  list     list issued certificates (--json)\n";

int cmd_ca(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {{"init", ca_init},
	            {"issue", ca_issue},
	            {"revoke", ca_revoke},
	            {"crl", ca_crl},
	            {"list", ca_list}};

	if (argc < 2)
		return usage_err(ca_usage);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(ca_usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "carenet ca: unknown command '%s'\n", argv[1]);
	return usage_err(ca_usage);
}
