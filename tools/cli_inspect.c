/*
 * cli_inspect: `carenet inspect`, an inspector's question to a node. It
 * connects as the inspector (-c INSPECTOR.cfg: the identity files init and
 * enroll wrote for it) over CURVE to ENDPOINT, whose certificate
 * (--node-cert) carries the CURVE key to expect, says HELLO with its chain
 * as a child would, and on WELCOME sends one InspectQuery (proto/wire.proto);
 * the node answers with the evaluation of the part of its subtree the
 * inspector's scope covers (roles/roles_inspect.c), printed exactly as
 * `carenet compliance` prints it (cli_compliance_print).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <zmq.h>

#include "args.h"
#include "cli.h"
#include "cli_compliance.h"
#include "cli_inspect.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "pki.h"
#include "util.h"
#include "wire.h"

#define INSPECT_WAIT_MS 10000 /* WELCOME, and then the reply */

static const struct args_opt inspect_opts[] = {
    {"config", 'c', "CFG", "the inspector's configuration (its identity files; enroll wrote it)"},
    {"node", ARGS_LONG('n'), "ENDPOINT", "the node to ask (tcp://HOST:PORT, its listen)"},
    {"node-cert", ARGS_LONG('N'), "PEM", "the node's certificate (the CURVE key to expect)"},
    {"standard", ARGS_LONG('s'), "ID[,ID]", "the standard(s) to evaluate (carenet standards list)"},
    {"office", ARGS_LONG('o'), "ID|PREFIX",
     "a part of the inspector's scope (default: the scope, or the node if lower)"},
    {"at", ARGS_LONG('a'), "DATE", "evaluate as of YYYY-MM-DD (as carenet compliance --at)"},
    {"json", 'j', NULL, "as carenet compliance --json"},
    {"csv", ARGS_LONG('v'), NULL, "one row per indicator (UTF-8 with a BOM)"},
    {"html", ARGS_LONG('h'), "FILE", "one self-contained HTML page"},
    {0}};

static const struct args_cmd inspect_cmd = {
    "carenet inspect",
    "-c INSPECTOR.cfg --node ENDPOINT --node-cert NODE.pem --standard ID[,ID]\n"
    "[--office PREFIX] [--at DATE] [--json | --csv | --html FILE]",
    "Asks a node, as an inspector (督查) over an authenticated CURVE link, for the\n"
    "evaluation (合规评估) of the part of its subtree the inspector's scope covers,\n"
    "printed as carenet compliance prints it. An office outside the scope is\n"
    "refused (exit 4); the node counts and audits every query.\n",
    inspect_opts,
    "Also: carenet inspect finding (an on-site finding, 督查发现, signed by the\n"
    "inspector) and carenet inspect findings (those a node keeps); each has --help.\n"};

struct iopts {
	const char *cfgpath, *node, *cert, *standard, *office, *at, *html;
	int json, csv;
};

static int parse(int argc, char **argv, struct iopts *o)
{
	struct args a;
	int ch;

	memset(o, 0, sizeof(*o));
	args_begin(&a, &inspect_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		switch (ch) {
		case 'c':
			o->cfgpath = a.val;
			break;
		case ARGS_LONG('n'):
			o->node = a.val;
			break;
		case ARGS_LONG('N'):
			o->cert = a.val;
			break;
		case ARGS_LONG('s'):
			o->standard = a.val;
			break;
		case ARGS_LONG('o'):
			o->office = a.val;
			break;
		case ARGS_LONG('a'):
			o->at = a.val;
			break;
		case ARGS_LONG('h'):
			o->html = a.val;
			break;
		case 'j':
			o->json = 1;
			break;
		case ARGS_LONG('v'):
			o->csv = 1;
			break;
		default:
			return a.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&a, 0, 0))
		return CN_EUSAGE;
	if (o->json + o->csv + (o->html != NULL) > 1)
		return args_usage_error(&inspect_cmd,
		                        "give at most one of --json, --csv and --html"),
		       CN_EUSAGE;
	if (!o->cfgpath || !o->node || !o->cert || !o->standard)
		return args_usage_error(
		           &inspect_cmd,
		           "give -c INSPECTOR.cfg, --node ENDPOINT, --node-cert PEM and "
		           "--standard ID"),
		       CN_EUSAGE;
	return 0;
}

int cli_inspect_send(void *s, const Carenet__Frame *f)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (wire_encode(f, &buf, &len) != 0)
		return CN_ENOMEM;
	rc = zmq_send(s, buf, len, 0) < 0 ? CN_EIO : 0;
	free(buf);
	return rc;
}

/* The next frame of kind want (or a Refuse) within the deadline; NULL: none. */
Carenet__Frame *cli_inspect_recv(void *s, uint64_t end_us, Carenet__Frame__BodyCase want)
{
	Carenet__Frame *f = NULL;
	const char *why;
	zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};

	for (int i = 0; i < 1000 && util_mono_us() < end_us; i++) {
		if (zmq_poll(&it, 1, 100) <= 0)
			continue;
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, s, 0) >= 0)
			wire_decode(zmq_msg_data(&m), zmq_msg_size(&m), 1u << 28, &f, &why);
		zmq_msg_close(&m);
		if (f && (f->body_case == want || f->body_case == CARENET__FRAME__BODY_REFUSE))
			return f;
		wire_free(&f); /* pings and the like */
	}
	return NULL;
}

void *cli_inspect_connect(void *ctx, const char *node, const char *cert,
                          const struct pki_self *self)
{
	char server[41], pub[41], sec[41];
	int zero = 0;
	void *s;

	if (pki_cert_file_curve(cert, server) != 0) {
		fprintf(stderr,
		        "carenet inspect: %s: not a certificate with a CURVE key: give the "
		        "node's node.pem as --node-cert\n",
		        cert);
		return NULL;
	}
	if (!(s = zmq_socket(ctx, ZMQ_DEALER)))
		return NULL;
	pki_self_curve(self, pub, sec);
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 40);
	zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
	OPENSSL_cleanse(sec, sizeof(sec));
	if (zmq_connect(s, node) != 0) {
		fprintf(stderr, "carenet inspect: %s: %s: give tcp://HOST:PORT\n", node,
		        zmq_strerror(zmq_errno()));
		zmq_close(s);
		return NULL;
	}
	return s;
}

int cli_inspect_refused(const char *what, const Carenet__Refuse *r)
{
	fprintf(stderr, "carenet inspect: the node refused %s: %s\n", what, r->reason);
	return r->code ? -(int)r->code : CN_EPERM;
}

/* HELLO with our chain; 0 on WELCOME. */
int cli_inspect_hello(void *s, const struct pki_self *self, const char *node)
{
	Carenet__Frame fr = CARENET__FRAME__INIT, *w;
	Carenet__Hello h = CARENET__HELLO__INIT;
	ProtobufCBinaryData chain[WIRE_MAX_CHAIN];
	const uint8_t *const *der;
	const size_t *dl;
	size_t n = pki_self_chain(self, &der, &dl);
	int rc;

	for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++)
		chain[i].data = (uint8_t *)der[i], chain[i].len = dl[i];
	h.version = WIRE_VERSION;
	h.chain = chain;
	h.n_chain = n < WIRE_MAX_CHAIN ? n : WIRE_MAX_CHAIN;
	h.time = util_now();
	fr.body_case = CARENET__FRAME__BODY_HELLO;
	fr.hello = &h;
	if ((rc = cli_inspect_send(s, &fr)) != 0)
		return rc;
	if (!(w = cli_inspect_recv(s, util_mono_us() + INSPECT_WAIT_MS * 1000ull,
	                           CARENET__FRAME__BODY_WELCOME))) {
		fprintf(stderr,
		        "carenet inspect: no answer from %s within %d s: is the node running "
		        "there, and is --node-cert its certificate?\n",
		        node, INSPECT_WAIT_MS / 1000);
		return CN_ETIMEOUT;
	}
	rc = w->body_case == CARENET__FRAME__BODY_REFUSE
	         ? cli_inspect_refused("our HELLO", w->refuse)
	         : 0;
	wire_free(&w);
	return rc;
}

/* One InspectQuery; its reply decoded into *out. */
static int ask(void *s, const struct iopts *o, Carenet__ComplianceReply **out)
{
	Carenet__Frame fr = CARENET__FRAME__INIT, *w;
	Carenet__InspectQuery q = CARENET__INSPECT_QUERY__INIT;
	char ids[512], *v[4];
	int rc;

	snprintf(ids, sizeof(ids), "%s", o->standard);
	for (char *t = strtok(ids, ","); t && q.n_standards < 4; t = strtok(NULL, ","))
		v[q.n_standards++] = t;
	q.standards = v;
	q.nonce = util_now_us();
	q.office = (char *)(o->office ? o->office : "");
	q.at = (char *)(o->at ? o->at : "");
	fr.body_case = CARENET__FRAME__BODY_INSPECT_QUERY;
	fr.inspect_query = &q;
	if ((rc = cli_inspect_send(s, &fr)) != 0)
		return rc;
	if (!(w = cli_inspect_recv(s, util_mono_us() + 60000000ull,
	                           CARENET__FRAME__BODY_INSPECT_REPLY))) {
		fprintf(stderr, "carenet inspect: no answer to the query within 60 s: try again\n");
		return CN_ETIMEOUT;
	}
	if (w->body_case == CARENET__FRAME__BODY_REFUSE) {
		rc = cli_inspect_refused("the query", w->refuse);
	} else if (w->inspect_reply->code) {
		fprintf(stderr, "carenet inspect: refused: %s\n", w->inspect_reply->reason);
		rc = -(int)w->inspect_reply->code;
	} else if (!(*out =
	                 carenet__compliance_reply__unpack(NULL, w->inspect_reply->compliance.len,
	                                                   w->inspect_reply->compliance.data))) {
		fprintf(stderr, "carenet inspect: the node's answer does not decode: is it of "
		                "another carenet version?\n");
		rc = CN_EPROTO;
	}
	wire_free(&w);
	return rc;
}

int cli_inspect_self(const char *path, struct config **cfg, struct pki_self **self)
{
	char why[256] = "";
	int rc;

	if ((rc = cli_config("carenet inspect", path, cfg)) != 0)
		return rc;
	rc = pki_self_load((*cfg)->key_file, (*cfg)->cert_file, (*cfg)->chain_file,
	                   (*cfg)->curve_file, self, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "carenet inspect: the identity %s names: %s\n", path,
		        why[0] ? why : cn_strerror(rc));
	else if (pki_self_identity(*self)->role != PKI_ROLE_INSPECTOR) {
		fprintf(stderr,
		        "carenet inspect: %s is %s, not an inspector: make one with carenet "
		        "init --inspector --scope\n",
		        path, pki_self_identity(*self)->id);
		rc = CN_EROLE;
	}
	return rc;
}

int cmd_inspect(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct pki_self *self = NULL;
	Carenet__ComplianceReply *c = NULL;
	struct iopts o;
	void *ctx = NULL, *s = NULL;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "finding"))
		return cli_inspect_finding(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "findings"))
		return cli_inspect_findings(argc - 1, argv + 1);
	if ((rc = parse(argc, argv, &o)) != 0)
		return cli_parse_exit(rc);
	if ((rc = cli_inspect_self(o.cfgpath, &cfg, &self)) != 0)
		goto out;
	ctx = zmq_ctx_new();
	if (!ctx || !(s = cli_inspect_connect(ctx, o.node, o.cert, self))) {
		rc = CN_EINVAL;
		goto out;
	}
	if ((rc = cli_inspect_hello(s, self, o.node)) == 0 && (rc = ask(s, &o, &c)) == 0)
		rc = cli_compliance_print("carenet inspect", c, o.json, o.csv, o.html);
out:
	if (c)
		carenet__compliance_reply__free_unpacked(c, NULL);
	if (s)
		zmq_close(s);
	if (ctx)
		zmq_ctx_term(ctx);
	pki_self_free(&self);
	config_free(&cfg);
	return cn_exit_code(rc);
}
