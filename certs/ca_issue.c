/*
 * ca_issue: "carenet ca" (cmd_ca) and its issue|revoke|crl (ca.c has init
 * and the shared helpers, ca_list.c list; certs/README.md the layout of a CA
 * directory).
 */
#include "ca_int.h"
#include "args.h"
#include "certs_cmd.h"
#include "err.h"
#include "log.h"
#include "pki.h"
#include "pki_issue.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libconfig.h>

/* ----------------------------------------------------------- ca issue */

static const struct args_opt ca_issue_opts[] = {
    {"ca", ARGS_LONG('c'), "DIR", "the CA directory"},
    {"csr", ARGS_LONG('r'), "FILE", "the request (PEM)"},
    {"endpoint", 'e', "E", "where this node's children reach it (recorded)"},
    {"parent-endpoint", 'p', "E",
     "the parent's endpoint (default: the one recorded\n"
     "when the parent was issued)"},
    {"parent-cert", ARGS_LONG('A'), "FILE",
     "a county node: the certificate of the prefecture (or\n"
     "province) it reports to (the root CA's issued/ID.pem);\n"
     "without it the county has no parent"},
    {"days", ARGS_LONG('D'), "N", "validity (default 365; county CAs 3650)"},
    {"valid-from", ARGS_LONG('F'), "TIME", "\"YYYY-MM-DD HH:MM\" (default now)"},
    {"valid-until", ARGS_LONG('U'), "TIME", "\"YYYY-MM-DD HH:MM\" (default valid-from + days)"},
    {"tz", ARGS_LONG('z'), "ZONE", "zone of those times (default " DEFAULT_TZ ")"},
    {"out", 'o', "FILE", "where to write the bundle"},
    CA_PASS_OPT,
    {"renew", ARGS_LONG('R'), NULL,
     "the request is a renewal ('carenet renew'): its proof\n"
     "must verify against a valid certificate of the office;\n"
     "the old certificate stays valid until it expires"},
    {"force", 'f', NULL,
     "issue again an id already issued: the certificate it\n"
     "supersedes is revoked (reason superseded), the CRL\n"
     "signed again and the old one kept in issued/superseded\n"
     "(not needed once 'ca revoke' revoked it: a lost key)"},
    {0}};
static const struct args_cmd ca_issue_cmd = {
    "carenet ca issue", "--ca DIR --csr FILE [--endpoint tcp://HOST:PORT] [OPTION]...",
    "Checks a request (from 'carenet init' or 'carenet ca init --request') and signs\n"
    "it with the CA in DIR. A county CA issues its county node, townships, villages\n"
    "and inspectors under its code; the root CA issues county CAs, province and\n"
    "prefecture nodes and inspectors.\n"
    "A node's certificate is recorded as DIR/issued/ID.pem and its enrollment bundle\n"
    "written to DIR/issued/ID.bundle (path printed); issue parents before children.\n",
    ca_issue_opts, NULL};

struct issue_opts {
	const char *ca, *csr, *endpoint, *parent_ep, *parent_cert, *from, *until, *tz, *out,
	    *passfile;
	int days, force, renew;
};

static void cfg_str(config_setting_t *root, const char *name, const char *val)
{
	config_setting_t *s = config_setting_add(root, name, CONFIG_TYPE_STRING);
	if (s)
		config_setting_set_string(s, val ? val : "");
}

struct bundle {
	const char *id, *role, *cert, *chain, *root, *parent_cert, *parent_endpoint, *endpoint,
	    *crl, *county_cert, *county_endpoint;
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
	cfg_str(root, "county_cert", b->county_cert);
	cfg_str(root, "county_endpoint", b->county_endpoint);
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
			return ca_fail(CN_EUSAGE,
			               "--valid-from wants \"YYYY-MM-DD HH:MM\", not '%s'",
			               o->from);
		*nb = (time_t)t;
	}
	*na = *nb + (time_t)o->days * DAY;
	if (o->until) {
		if (util_parse_time(o->until, o->tz, &t) != 0)
			return ca_fail(CN_EUSAGE,
			               "--valid-until wants \"YYYY-MM-DD HH:MM\", not '%s'",
			               o->until);
		*na = (time_t)t;
	}
	if (*na <= *nb)
		return ca_fail(CN_EINVAL, "the validity ends before it starts");
	return 0;
}

/* A county node's parent (--parent-cert): its prefecture, or its province
 * where it reports directly; none without the option (the county on top). */
static int issue_county_parent(const struct issue_opts *o, const struct pki_identity *id,
                               char **pcert)
{
	struct pki_identity pid;
	char why[WHY_MAX] = "";
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc, is_ca = 0;

	if (!o->parent_cert)
		return 0;
	if ((rc = util_read_file(o->parent_cert, 1 << 16, &buf, &len)) != 0)
		return ca_fail(rc, "cannot read --parent-cert %s", o->parent_cert);
	rc = pki_cert_parse((const char *)buf, len, &pid, &is_ca, why, sizeof(why));
	if (rc != 0 || is_ca || !pki_is_direct_child(pid.id, id->id)) {
		free(buf);
		return ca_fail(CN_EINVAL,
		               "%s is not the certificate of a prefecture or province above %s%s%s: "
		               "give the root CA's issued/ID.pem of its parent",
		               o->parent_cert, id->id, why[0] ? ": " : "", why);
	}
	free(*pcert);
	*pcert = (char *)buf; /* util_read_file NUL-terminates */
	return 0;
}

/* The parent's certificate and endpoint for a township or village. */
static int issue_parent(const struct issue_opts *o, const struct pki_identity *id, char **pcert,
                        char **pep)
{
	char pid[PKI_ID_MAX], name[PKI_ID_MAX + 16], *nl;

	*pcert = util_strdup("");
	*pep = util_strdup(o->parent_ep ? o->parent_ep : "");
	if (id->role == PKI_ROLE_COUNTY)
		return issue_county_parent(o, id, pcert);
	if (o->parent_cert)
		return ca_fail(CN_EINVAL, "--parent-cert is for a county node, not %s %s",
		               pki_role_name(id->role), id->id);
	if (pki_parent_id(id->id, pid, sizeof(pid)) != 0)
		return 0; /* province, inspector: no parent */
	free(*pcert);
	snprintf(name, sizeof(name), "issued/%s.pem", pid);
	*pcert = ca_read_opt(o->ca, name);
	if (!*pcert || !(*pcert)[0])
		return ca_fail(CN_EINVAL,
		               "the parent %s of %s has not been issued by this CA: issue "
		               "the parent %s first",
		               pid, id->id, pid);
	if (!o->parent_ep) {
		free(*pep);
		snprintf(name, sizeof(name), "issued/%s.endpoint", pid);
		*pep = ca_read_opt(o->ca, name);
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

/* A village's county node: its certificate and endpoint as recorded when it
 * was issued (failover, docs/design.md "Failover to the county"); both ""
 * when this CA has not issued it or knows no endpoint for it. */
static int issue_county(const struct issue_opts *o, const struct pki_identity *id, char **ccert,
                        char **cep)
{
	char name[PKI_ID_MAX + 16], *nl;

	*ccert = *cep = NULL;
	if (id->role == PKI_ROLE_VILLAGE) {
		snprintf(name, sizeof(name), "issued/%.6s.pem", id->id);
		*ccert = ca_read_opt(o->ca, name);
		snprintf(name, sizeof(name), "issued/%.6s.endpoint", id->id);
		*cep = ca_read_opt(o->ca, name);
		if (*cep && (nl = strchr(*cep, '\n')))
			*nl = 0;
	}
	if (!*ccert || !*cep || !(*ccert)[0] || !(*cep)[0]) {
		if (id->role == PKI_ROLE_VILLAGE)
			fprintf(
			    stderr,
			    "carenet: warning: the county node %.6s or its endpoint is not known "
			    "to this CA: the bundle of %s has no county-direct link (failover)\n",
			    id->id, id->id);
		free(*ccert);
		free(*cep);
		*ccert = util_strdup("");
		*cep = util_strdup("");
	}
	return *ccert && *cep ? 0 : CN_ENOMEM;
}

static int issue_record(const struct issue_opts *o, const struct pki_identity *id, const char *pem,
                        const char *serial)
{
	char path[PATH_MAX], name[PKI_ID_MAX + 16], *ep;
	int rc;

	snprintf(name, sizeof(name), "issued/%s.pem", id->id);
	if ((rc = ca_path(path, o->ca, name)) || (rc = ca_write(path, pem, 0644, 0)))
		return ca_fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	if (o->endpoint) {
		if (!(ep = malloc(strlen(o->endpoint) + 2)))
			return ca_fail(CN_ENOMEM, "out of memory");
		sprintf(ep, "%s\n", o->endpoint);
		snprintf(name, sizeof(name), "issued/%s.endpoint", id->id);
		if ((rc = ca_path(path, o->ca, name)) == 0)
			rc = ca_write(path, ep, 0644, 0);
		free(ep);
		if (rc != 0)
			return ca_fail(rc, "cannot write %s: %s", path, cn_strerror(rc));
	}
	if (ca_path(path, o->ca, "serial") == 0)
		ca_write_line(path, serial);
	return 0;
}

/* Completes b (chain, root, CRL, endpoint) from the CA directory, writes
 * the bundle and prints its path. */
static int issue_bundle(const struct issue_opts *o, const struct pki_ca *ca, struct bundle *b,
                        const char *serial)
{
	char path[PATH_MAX], name[PKI_ID_MAX + 16], *chain, *root, *crl, *ep, *nl;
	const char *file = o->out ? o->out : path;
	int rc;

	chain = pki_ca_is_root(ca) ? util_strdup("") : ca_read_opt(o->ca, "chain.pem");
	root = ca_read_opt(o->ca, pki_ca_is_root(ca) ? "ca.pem" : "root.pem");
	crl = ca_read_opt(o->ca, "crl.pem");
	b->chain = chain, b->root = root, b->crl = crl;
	snprintf(name, sizeof(name), "issued/%s.endpoint", b->id);
	if ((ep = ca_read_opt(o->ca, name)) && (nl = strchr(ep, '\n')))
		*nl = 0; /* given now, or recorded at an earlier issue */
	b->endpoint = ep;
	snprintf(name, sizeof(name), "issued/%s.bundle", b->id);
	if (!o->out)
		ca_path(path, o->ca, name);
	if ((rc = bundle_write(file, b)) != 0) {
		rc = ca_fail(rc, "cannot write the bundle %s: %s", file, cn_strerror(rc));
	} else {
		fprintf(stderr,
		        "issued %s %s serial %s; install the bundle on the node with:\n"
		        "  carenet enroll %s%s%s\n",
		        b->role, b->id, serial, o->renew ? "--renew " : "", file,
		        o->renew ? " -c node.cfg" : " --dir NODEDIR");
		printf("%s\n", file);
	}
	free(chain);
	free(root);
	free(crl);
	free(ep);
	return rc;
}

/* --force: the superseded certificate of id is revoked (reason superseded)
 * and the CRL signed again, so the old key stops working at once. */
static int supersede_revoke(const struct issue_opts *o, struct pki_ca *ca, const char *id,
                            const char *serial)
{
	struct ca_revoked_line *lines = NULL;
	char why[WHY_MAX];
	size_t n = 0;
	int rc, already = 0;

	if ((rc = ca_revoked_read(o->ca, &lines, &n)) != 0)
		return ca_fail(rc, "cannot read %s/revoked", o->ca);
	for (size_t i = 0; i < n; i++)
		already |= strcmp(lines[i].r.serial, serial) == 0;
	free(lines);
	if (!already && (rc = ca_revoke_append(o->ca, serial, CA_REASON_SUPERSEDED, id)) != 0)
		return ca_fail(rc, "cannot write %s/revoked: %s", o->ca, cn_strerror(rc));
	if ((rc = ca_crl_write(o->ca, ca, why, sizeof(why))) != 0)
		return ca_fail(rc, "%s", why);
	fprintf(stderr,
	        "carenet: the superseded certificate of %s (serial %s) is revoked; distribute "
	        "the new CRL %s/crl.pem ('carenet crl publish' at the county)\n",
	        id, serial, o->ca);
	return 0;
}

/* --renew: the superseded certificate stays valid; the history says which
 * serial renewed it (issued/superseded/ID-SERIAL.renewed, shown by ca list). */
static void renewed_record(const struct issue_opts *o, const char *id, const char *old,
                           const char *serial)
{
	char path[PATH_MAX], name[PKI_ID_MAX + 96];

	snprintf(name, sizeof(name), "issued/superseded/%s-%s.renewed", id, old);
	if (ca_path(path, o->ca, name) == 0)
		ca_write_line(path, serial);
	fprintf(stderr,
	        "carenet: %s renewed: the certificate it replaces (serial %s) stays valid "
	        "until it expires\n",
	        id, old);
}

/* 1 if the certificate recorded as DIR/NAME was revoked (ca revoke): the
 * office may then be issued again without --force (a lost key). */
static int current_revoked(const struct issue_opts *o, const char *name)
{
	struct ca_revoked_line *lines = NULL;
	struct pki_identity id;
	char why[WHY_MAX], *pem = ca_read_opt(o->ca, name);
	size_t n = 0;
	int found = 0;

	if (pem && pem[0] && pki_cert_parse(pem, strlen(pem), &id, NULL, why, sizeof(why)) == 0 &&
	    ca_revoked_read(o->ca, &lines, &n) == 0)
		for (size_t i = 0; i < n; i++)
			found |= strcmp(lines[i].r.serial, id.serial) == 0;
	free(lines);
	free(pem);
	return found;
}

static int issue_leaf(const struct issue_opts *o, struct pki_ca *ca, const struct pki_req *req)
{
	const struct pki_identity *id = pki_req_identity(req, NULL);
	struct bundle b = {.id = id->id, .role = pki_role_name(id->role)};
	char why[WHY_MAX], serial[64], old_serial[64], path[PATH_MAX], name[PKI_ID_MAX + 16];
	char tbuf[40], *cert = NULL, *pcert = NULL, *pep = NULL, *ccert = NULL, *cep = NULL;
	time_t nb = 0, na = 0;
	int rc;

	snprintf(name, sizeof(name), "issued/%s.pem", id->id);
	if ((rc = ca_path(path, o->ca, name)) == 0 && ca_exists(path) && !o->force && !o->renew &&
	    !current_revoked(o, name))
		return ca_fail(CN_EEXIST,
		               "%s was already issued (%s): revoke it ('carenet ca revoke "
		               "--ca %s --id %s') or pass --force",
		               id->id, path, o->ca, id->id);
	if ((rc = issue_times(o, &nb, &na)) != 0)
		return rc;
	if ((rc = pki_ca_may_issue(ca, req, why, sizeof(why))) != 0)
		return ca_fail(rc, "refused: %s", why);
	if ((rc = issue_parent(o, id, &pcert, &pep)) != 0 ||
	    (rc = issue_county(o, id, &ccert, &cep)) != 0)
		goto out;
	if ((rc = pki_ca_issue(ca, req, nb, na, &cert, serial, why, sizeof(why))) != 0) {
		rc = ca_fail(rc, "refused: %s", why);
		goto out;
	}
	if (na < time(NULL)) {
		util_fmt_time((uint64_t)na, o->tz, tbuf, sizeof(tbuf));
		fprintf(stderr,
		        "carenet: warning: the certificate of %s is already expired "
		        "(valid until %s %s): for tests only\n",
		        id->id, tbuf, o->tz);
	}
	if ((rc = ca_supersede_move(o->ca, id->id, old_serial)) != 0)
		goto out;
	if ((rc = issue_record(o, id, cert, serial)) != 0)
		goto out;
	if (old_serial[0] && o->renew)
		renewed_record(o, id->id, old_serial, serial);
	else if (old_serial[0] && (rc = supersede_revoke(o, ca, id->id, old_serial)) != 0)
		goto out;
	b.cert = cert, b.parent_cert = pcert, b.parent_endpoint = pep;
	b.county_cert = ccert, b.county_endpoint = cep;
	rc = issue_bundle(o, ca, &b, serial);
out:
	free(ccert);
	free(cep);
	free(cert);
	free(pcert);
	free(pep);
	return rc;
}

static int issue_ca(const struct issue_opts *o, struct pki_ca *ca, const struct pki_req *req)
{
	const struct pki_identity *id = pki_req_identity(req, NULL);
	char record[PATH_MAX], *cert = NULL;
	int rc;

	if (!pki_ca_is_root(ca))
		return ca_fail(CN_EROLE,
		               "refused: %s is a request for county CA %s; only the root CA "
		               "signs CA requests",
		               o->csr, id->scope);
	if (o->endpoint || o->parent_ep || o->from || o->until || o->out)
		fprintf(stderr, "carenet: warning: node options are ignored for a CA request\n");
	rc = ca_root_sign(ca, o->ca, req, o->days ? o->days : 3650, o->force, &cert, record,
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

/* 0, 1 after --help, CN_EUSAGE (printed). */
static int ca_issue_parse(int argc, char **argv, struct issue_opts *o)
{
	struct args g;
	int ch;

	args_begin(&g, &ca_issue_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		switch (ch) {
		case ARGS_LONG('c'):
			o->ca = g.val;
			break;
		case ARGS_LONG('r'):
			o->csr = g.val;
			break;
		case 'e':
			o->endpoint = g.val;
			break;
		case 'p':
			o->parent_ep = g.val;
			break;
		case ARGS_LONG('A'):
			o->parent_cert = g.val;
			break;
		case ARGS_LONG('F'):
			o->from = g.val;
			break;
		case ARGS_LONG('U'):
			o->until = g.val;
			break;
		case ARGS_LONG('z'):
			o->tz = g.val;
			break;
		case 'o':
			o->out = g.val;
			break;
		case 'f':
			o->force = 1;
			break;
		case ARGS_LONG('R'):
			o->renew = 1;
			break;
		case ARGS_LONG('P'):
			o->passfile = g.val;
			break;
		case ARGS_LONG('D'):
			if (ca_parse_days(g.val, &o->days) == 0)
				break;
			args_usage_error(&ca_issue_cmd, "--days wants 1..36500, not '%s'", g.val);
			return CN_EUSAGE;
		default:
			return g.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&g, 0, 0) != 0)
		return CN_EUSAGE;
	if (!o->ca || !o->csr) {
		args_usage_error(&ca_issue_cmd, "--ca and --csr are required");
		return CN_EUSAGE;
	}
	if (o->renew && o->force) {
		args_usage_error(&ca_issue_cmd, "--renew keeps the old certificate, --force revokes "
		                                "it: give one");
		return CN_EUSAGE;
	}
	if ((o->endpoint && !ca_endpoint_ok(o->endpoint)) ||
	    (o->parent_ep && !ca_endpoint_ok(o->parent_ep))) {
		args_usage_error(&ca_issue_cmd, "endpoints are tcp://HOST:PORT (or ipc://PATH)");
		return CN_EUSAGE;
	}
	return 0;
}

int ca_issue(int argc, char **argv)
{
	struct issue_opts o = {.tz = DEFAULT_TZ};
	struct pki_ca *ca = NULL;
	struct pki_req *req = NULL;
	char why[WHY_MAX], old[64], *buf = NULL, *csr = NULL;
	size_t len;
	int rc, is_ca = 0;

	if ((rc = ca_issue_parse(argc, argv, &o)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	if ((rc = ca_open(o.ca, o.passfile, &ca)) != 0)
		return rc;
	if ((rc = ca_read(o.csr, &buf, &len)) != 0) {
		rc = ca_fail(rc, "cannot read the request %s: %s", o.csr, cn_strerror(rc));
		goto out;
	}
	if (o.renew && (rc = ca_renew_check(o.ca, ca, buf, len, &csr, old)) != 0)
		goto out;
	if (csr) {
		free(buf);
		buf = csr;
		len = strlen(csr);
	}
	if ((rc = pki_req_parse(buf, len, &req, why, sizeof(why))) != 0) {
		rc = ca_fail(rc, "request %s refused: %s", o.csr, why);
		goto out;
	}
	pki_req_identity(req, &is_ca);
	if (is_ca && o.renew) {
		rc = ca_fail(CN_EROLE, "--renew is for node and inspector certificates");
		goto out;
	}
	if (!o.days)
		o.days = is_ca ? 3650 : 365;
	rc = is_ca ? issue_ca(&o, ca, req) : issue_leaf(&o, ca, req);
out:
	free(buf);
	pki_req_free(&req);
	pki_ca_free(&ca);
	return rc;
}

/* ------------------------------------------------------ ca revoke, crl */

static const struct args_opt ca_revoke_opts[] = {
    {"ca", ARGS_LONG('c'), "DIR", "the CA directory"},
    {"serial", ARGS_LONG('s'), "HEX", "serial number of the certificate"},
    {"id", 'i', "ID",
     "the id whose certificate DIR/issued/ID.pem is revoked\n"
     "(a county code at the root CA: that county's CA)"},
    {"reason", ARGS_LONG('r'), "REASON",
     "unspecified, keyCompromise, cACompromise,\n"
     "affiliationChanged, superseded, cessationOfOperation,\n"
     "certificateHold, privilegeWithdrawn, aACompromise"},
    CA_PASS_OPT,
    {0}};
static const struct args_cmd ca_revoke_cmd = {
    "carenet ca revoke", "--ca DIR (--serial HEX | --id ID) [--reason REASON]",
    "Adds a certificate to DIR/revoked and signs a new DIR/crl.pem (valid 30 days;\n"
    "its path is printed). Give the new CRL to the nodes (crl list in node.cfg).\n",
    ca_revoke_opts, NULL};

static const struct args_opt ca_crl_opts[] = {
    {"ca", ARGS_LONG('c'), "DIR", "the CA directory"}, CA_PASS_OPT, {0}};
static const struct args_cmd ca_crl_cmd = {
    "carenet ca crl", "--ca DIR",
    "Signs DIR/crl.pem anew (same entries, next update in 30 days) and prints its\n"
    "path. Run it before the current CRL's next update (it is valid 30 days): e.g.\n"
    "weekly from cron or a systemd timer; see certs/README.md.\n",
    ca_crl_opts, NULL};

/* --ca DIR and nothing else (ca crl, ca list; --json where cmd has it):
 * 0, 1 after --help, CN_EUSAGE (printed). */
int ca_dir_parse(const struct args_cmd *cmd, int argc, char **argv, const char **dir,
                 int *json, const char **passfile)
{
	struct args g;
	int ch;

	args_begin(&g, cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		if (ch == ARGS_LONG('c'))
			*dir = g.val;
		else if (ch == 'j')
			*json = 1;
		else if (ch == ARGS_LONG('P'))
			*passfile = g.val;
		else
			return g.exit == 0 ? 1 : CN_EUSAGE;
	}
	if (args_operands(&g, 0, 0) != 0)
		return CN_EUSAGE;
	if (!*dir) {
		args_usage_error(cmd, "--ca is required");
		return CN_EUSAGE;
	}
	return 0;
}

/* Serial and id of the certificate recorded for id. */
static int revoke_lookup(const char *dir, const char *id, char serial[64])
{
	struct pki_identity ident;
	char name[PKI_ID_MAX + 16], why[WHY_MAX], *pem;
	int rc;

	if (pki_role_from_id(id) == PKI_ROLE_NONE && !pki_scope_valid(id))
		return ca_fail(CN_EINVAL, "invalid id \"%s\"", id);
	snprintf(name, sizeof(name), "issued/%s.pem", id);
	pem = ca_read_opt(dir, name);
	if (pem && !pem[0]) {
		free(pem);
		snprintf(name, sizeof(name), "issued/ca-%s.pem", id);
		pem = ca_read_opt(dir, name);
	}
	if (!pem || !pem[0]) {
		free(pem);
		return ca_fail(CN_EINVAL, "no certificate issued to %s in %s/issued: give --serial",
		               id, dir);
	}
	rc = pki_cert_parse(pem, strlen(pem), &ident, NULL, why, sizeof(why));
	free(pem);
	if (rc != 0)
		return ca_fail(rc, "%s/%s: %s", dir, name, why);
	memcpy(serial, ident.serial, 64);
	return 0;
}

int ca_revoke_append(const char *dir, const char *serial, int reason, const char *id)
{
	char path[PATH_MAX], line[160], *old = ca_read_opt(dir, "revoked"), *all;
	int rc = CN_ENOMEM;

	snprintf(line, sizeof(line), "%s %lld %s %s\n", serial, (long long)time(NULL),
	         pki_crl_reason_name(reason), id && id[0] ? id : "-");
	if (old && (all = malloc(strlen(old) + strlen(line) + 1))) {
		sprintf(all, "%s%s", old, line);
		if ((rc = ca_path(path, dir, "revoked")) == 0)
			rc = ca_write(path, all, 0644, 0);
		free(all);
	}
	free(old);
	return rc;
}

struct revoke_opts {
	const char *dir, *hex, *id, *rname, *passfile;
	char serial[64];
	int reason;
};

/* 0, 1 after --help, CN_EUSAGE (printed). */
static int ca_revoke_parse(int argc, char **argv, struct revoke_opts *o)
{
	struct args g;
	int ch;

	args_begin(&g, &ca_revoke_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		if (ch == ARGS_LONG('c'))
			o->dir = g.val;
		else if (ch == ARGS_LONG('s'))
			o->hex = g.val;
		else if (ch == 'i')
			o->id = g.val;
		else if (ch == ARGS_LONG('r'))
			o->rname = g.val;
		else if (ch == ARGS_LONG('P'))
			o->passfile = g.val;
		else
			return g.exit == 0 ? 1 : CN_EUSAGE;
	}
	if (args_operands(&g, 0, 0) != 0)
		return CN_EUSAGE;
	if (!o->dir || !o->hex == !o->id) {
		args_usage_error(&ca_revoke_cmd, "give --ca, and --serial or --id");
		return CN_EUSAGE;
	}
	if ((o->reason = pki_crl_reason_parse(o->rname)) < 0) {
		args_usage_error(&ca_revoke_cmd, "unknown --reason '%s' (see --help)", o->rname);
		return CN_EUSAGE;
	}
	return 0;
}

int ca_revoke(int argc, char **argv)
{
	struct revoke_opts o = {.rname = "unspecified"};
	struct ca_revoked_line *lines = NULL;
	struct pki_ca *ca = NULL;
	char why[WHY_MAX];
	size_t n = 0;
	int rc, already = 0;

	if ((rc = ca_revoke_parse(argc, argv, &o)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	if (o.hex && pki_serial_normalize(o.hex, o.serial) != 0)
		return ca_fail(CN_EINVAL, "--serial wants a hexadecimal serial number, not '%s'",
		               o.hex);
	if ((rc = ca_open(o.dir, o.passfile, &ca)) != 0)
		return rc;
	if (o.id && (rc = revoke_lookup(o.dir, o.id, o.serial)) != 0)
		goto out;
	if ((rc = ca_revoked_read(o.dir, &lines, &n)) != 0) {
		rc = ca_fail(rc, "cannot read %s/revoked", o.dir);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		already |= strcmp(lines[i].r.serial, o.serial) == 0;
	if (already)
		fprintf(stderr, "carenet: serial %s is already revoked; signing the CRL anew\n",
		        o.serial);
	else if ((rc = ca_revoke_append(o.dir, o.serial, o.reason, o.id)) != 0) {
		rc = ca_fail(rc, "cannot write %s/revoked: %s", o.dir, cn_strerror(rc));
		goto out;
	}
	if ((rc = ca_crl_write(o.dir, ca, why, sizeof(why))) != 0) {
		rc = ca_fail(rc, "%s", why);
		goto out;
	}
	fprintf(stderr, "revoked serial %s%s%s (%s); distribute the new CRL to the nodes\n",
	        o.serial, o.id ? " of " : "", o.id ? o.id : "", pki_crl_reason_name(o.reason));
	printf("%s/crl.pem\n", o.dir);
out:
	free(lines);
	pki_ca_free(&ca);
	return rc;
}

int ca_crl(int argc, char **argv)
{
	const char *dir = NULL, *passfile = NULL;
	struct pki_ca *ca = NULL;
	char why[WHY_MAX];
	int rc, json = 0;

	if ((rc = ca_dir_parse(&ca_crl_cmd, argc, argv, &dir, &json, &passfile)) != 0)
		return rc == 1 ? 0 : cn_exit_code(rc);
	if ((rc = ca_open(dir, passfile, &ca)) != 0)
		return rc;
	if ((rc = ca_crl_write(dir, ca, why, sizeof(why))) != 0)
		rc = ca_fail(rc, "%s", why);
	else
		printf("%s/crl.pem\n", dir);
	pki_ca_free(&ca);
	return rc;
}

static const struct args_sub ca_subs[] = {
    {"init", ca_init, "create a root CA, or a county CA (at once or by request)"},
    {"issue", ca_issue, "check and sign a request; write the node's enrollment bundle"},
    {"revoke", ca_revoke, "revoke a certificate and sign a new CRL"},
    {"crl", ca_crl, "sign the CRL anew before it expires"},
    {"list", ca_list, "list issued certificates (--json)"},
};
static const struct args_group ca_group = {"carenet ca", NULL, ca_subs, ARRAY_LEN(ca_subs), NULL};

int cmd_ca(int argc, char **argv)
{
	return args_dispatch(&ca_group, argc, argv);
}
