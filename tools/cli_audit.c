/*
 * cli_audit: the operator's commands about the node itself rather than a
 * directive — `audit` (the hash-chained log, --verify), `clock` (the node's
 * clock, and the test clock's --advance) and `crl publish` (a county sends
 * its CA's revocation list down the tree). Each sends one control request.
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
#include "json.h"
#include "util.h"

#define CRL_MAX_FILE (1 << 20) /* the node takes control requests up to 1 MiB */


/* The node's clock (UTC seconds, test offset included). */
static int node_clock(const char *prog, const struct config *cfg, int64_t advance,
                      Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ClockRequest q = CARENET__CLOCK_REQUEST__INIT;

	q.advance = advance;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CLOCK, &q);
	return cli_call(prog, cfg, &req, advance ? CLI_WRITE_TIMEOUT_MS : CLI_TIMEOUT_MS, rep);
}

/* ------------------------------------------------------------- audit */

static const struct args_opt audit_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"since", ARGS_LONG('s'), "TIME",
     "entries from \"YYYY-MM-DD[ HH:MM]\" (the node's timezone),\n"
     "or -DURATION before the node's clock (-2h, -7d)"},
    {"verify", ARGS_LONG('v'), NULL, "check the hash chain: \"audit log verified: N entries\""},
    {"json", ARGS_LONG('j'), NULL,
     "an array of {seq, time, actor, action, subject, detail,\n"
     "hash}; with --verify {verified, entries, detail}"},
    {0}};
static const struct args_cmd audit_cmd = {
    "carenet audit", "[-c CFG] [--since TIME] [--json]\n[-c CFG] --verify [--json]",
    "Lists this node's audit log, oldest first: who issued, relayed, delivered,\n"
    "acknowledged, reminded, marked overdue or rectified what, and when. Each\n"
    "entry holds the hash of the one before it; --verify checks the whole chain\n"
    "and names the first entry that was changed, removed or added.\n",
    audit_opts,
    "Exit status: 0 ok (verified), 2 usage, 3 node not running, 4 the chain does\n"
    "not verify (the node's finding is printed).\n"};

static int audit_since(const char *prog, const struct config *cfg, const char *s, uint64_t *out)
{
	Carenet__ControlReply *rep = NULL;
	uint64_t d;
	int rc;

	if (s[0] != '-') {
		if (util_parse_time(s, cfg->timezone, out) == 0)
			return 0;
		fprintf(stderr,
		        "%s: --since %s: give \"YYYY-MM-DD[ HH:MM]\" (%s) or -DURATION "
		        "(-2h)\n",
		        prog, s, cfg->timezone);
		return CN_EUSAGE;
	}
	if (util_parse_duration(s + 1, &d) != 0) {
		fprintf(stderr, "%s: --since %s: a duration is a number with s, m, h or d (-2h)\n",
		        prog, s);
		return CN_EUSAGE;
	}
	if ((rc = node_clock(prog, cfg, 0, &rep)) == 0)
		*out = rep->now > d ? rep->now - d : 0;
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static void audit_print(const Carenet__ControlReply *rep, const char *tz, int as_json)
{
	struct json j;
	char t[32];

	if (as_json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
		for (size_t i = 0; i < rep->n_audit; i++) {
			const Carenet__AuditView *a = rep->audit[i];
			json_obj_begin(&j, NULL);
			json_u64(&j, "seq", a->seq);
			json_u64(&j, "time", a->time);
			json_str(&j, "actor", a->actor);
			json_str(&j, "action", a->action);
			json_str(&j, "subject", a->subject);
			json_str(&j, "detail", a->detail);
			json_str(&j, "hash", a->hash);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_finish(&j);
		return;
	}
	if (rep->n_audit == 0) {
		printf("no audit entries\n");
		return;
	}
	printf("%-6s %-19s %-14s %-10s %-20s %s\n", "SEQ", "TIME", "ACTOR", "ACTION", "SUBJECT",
	       "DETAIL");
	for (size_t i = 0; i < rep->n_audit; i++) {
		const Carenet__AuditView *a = rep->audit[i];
		util_fmt_time(a->time, tz, t, sizeof(t));
		printf("%-6llu %-19s %-14s %-10s %-20s %s\n", (unsigned long long)a->seq, t,
		       a->actor, a->action, a->subject, a->detail);
	}
	printf("(times in %s)\n", tz);
}

/* The node answers audit.verify with verified = false and its finding in
 * detail; that is this command's refusal (exit 4). */
static int verify_print(const Carenet__ControlReply *rep, int as_json)
{
	struct json j;

	if (as_json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_bool(&j, "verified", rep->verified);
		json_u64(&j, "entries", rep->count);
		json_str(&j, "detail", rep->detail);
		json_obj_end(&j);
		json_finish(&j);
	}
	if (!rep->verified) {
		fprintf(stderr, "carenet audit: the audit log does NOT verify: %s\n",
		        rep->detail[0] ? rep->detail : "(the node gave no detail)");
		return CN_EVERIFY;
	}
	if (!as_json)
		printf("audit log verified: %llu entries\n", (unsigned long long)rep->count);
	return 0;
}

static int audit_run(const char *cfgpath, const char *since, int verify, int as_json)
{
	const char *prog = "carenet audit";
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__AuditRequest q = CARENET__AUDIT_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	int rc;

	if ((rc = cli_config(prog, cfgpath, &cfg)) != 0)
		return rc;
	if (since && (rc = audit_since(prog, cfg, since, &q.since)) != 0)
		goto out;
	if (verify)
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_AUDIT_VERIFY, NULL);
	else
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_AUDIT, &q);
	rc = cli_call(prog, cfg, &req, verify ? CLI_WRITE_TIMEOUT_MS : CLI_TIMEOUT_MS, &rep);
	if (rc == 0 && verify)
		rc = verify_print(rep, as_json);
	else if (rc == 0)
		audit_print(rep, cfg->timezone, as_json);
out:
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return rc;
}

int cmd_audit(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *since = NULL;
	struct args a;
	int ch, verify = 0, as_json = 0, rc;

	args_begin(&a, &audit_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('s'))
			since = a.val;
		else if (ch == ARGS_LONG('v'))
			verify = 1;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if (verify && since) {
		fprintf(stderr, "carenet audit: --verify checks the whole log: leave out --since\n");
		return 2;
	}
	return cn_exit_code(audit_run(cfgpath, since, verify, as_json));
}

/* ------------------------------------------------------------- clock */

static const struct args_opt clock_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"advance", ARGS_LONG('a'), "DURATION", "move the test clock forward: 90s, 61m, 2h, 7d"},
    {"json", ARGS_LONG('j'), NULL, "{now, local, timezone, offset}"},
    {0}};
static const struct args_cmd clock_cmd = {
    "carenet clock", "[-c CFG] [--advance DURATION] [--json]",
    "Shows the node's clock: its local time, UTC seconds, and how far a test\n"
    "clock is ahead of the real one. With --advance the node's clock moves\n"
    "forward (reminders, overdue marks and rectification orders that fall due\n"
    "fire at once); only a node with test_clock = true in its configuration\n"
    "allows it (tests and demos).\n",
    clock_opts, "Exit status: 0 ok, 2 usage, 3 node not running, 4 refused (no test clock).\n"};

static void clock_print(const Carenet__ControlReply *rep, const char *tz, int as_json)
{
	struct json j;
	char local[32], d[24];
	uint64_t off = (uint64_t)(rep->clock_offset < 0 ? -rep->clock_offset : rep->clock_offset);

	util_fmt_time(rep->now, tz, local, sizeof(local));
	if (as_json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_u64(&j, "now", rep->now);
		json_str(&j, "local", local);
		json_str(&j, "timezone", tz);
		json_i64(&j, "offset", rep->clock_offset);
		json_obj_end(&j);
		json_finish(&j);
		return;
	}
	printf("clock   %s %s (UTC %llu)\n", local, tz, (unsigned long long)rep->now);
	if (!rep->clock_offset) {
		printf("offset  0 (the real clock)\n");
		return;
	}
	cli_fmt_duration(off, d, sizeof(d));
	printf("offset  %s%lld s (test clock %s %s the real clock)\n",
	       rep->clock_offset > 0 ? "+" : "", (long long)rep->clock_offset, d,
	       rep->clock_offset > 0 ? "ahead of" : "behind");
}

int cmd_clock(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *adv = NULL;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct args a;
	uint64_t d = 0;
	int ch, as_json = 0, rc;

	args_begin(&a, &clock_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('a'))
			adv = a.val;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if (adv && (util_parse_duration(adv, &d) != 0 || d == 0 || d > INT64_MAX)) {
		fprintf(stderr,
		        "carenet clock: --advance %s: give a positive duration like 90s, "
		        "61m, 2h or 7d\n",
		        adv);
		return 2;
	}
	if ((rc = cli_config("carenet clock", cfgpath, &cfg)) == 0 &&
	    (rc = node_clock("carenet clock", cfg, (int64_t)d, &rep)) == 0)
		clock_print(rep, cfg->timezone, as_json);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* --------------------------------------------------------------- crl */

static const struct args_opt crl_opts[] = {
    {"config", 'c', "CFG", "the county node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {0}};
static const struct args_cmd crl_publish_cmd = {
    "carenet crl publish", "[-c CFG] FILE",
    "Sends the county CA's certificate revocation list (PEM or DER, e.g. the\n"
    "crl.pem written by carenet ca revoke) down the whole tree. Every node checks\n"
    "it against the network's CAs, refuses the revoked certificates from then on\n"
    "and drops their live sessions. Only a county node publishes.\n",
    crl_opts,
    "Exit status: 0 published, 2 usage, 3 node not running, 4 refused (not a\n"
    "county, or the list does not verify).\n"};

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
