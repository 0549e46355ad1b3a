/*
 * cli_inspect_finding: `carenet inspect finding` (an inspector's on-site
 * finding, R28: a Finding item signed by the inspector, sent on its session
 * as InspectFinding; the node checks it, keeps it, relays it up and answers
 * when it is on disk) and `carenet inspect findings` (those a node keeps,
 * through its control socket). Evidence files are named and hashed in the
 * finding; the files themselves are not carried (documents travel only
 * between offices).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "args.h"
#include "cli.h"
#include "cli_inspect.h"
#include "csv.h"
#include "err.h"
#include "item.h"
#include "json.h"
#include "util.h"

#define MAX_EVIDENCE 16

static const struct args_opt finding_opts[] = {
    {"config", 'c', "CFG", "the inspector's configuration (its identity files)"},
    {"node", ARGS_LONG('n'), "ENDPOINT", "a node whose subtree holds the office"},
    {"node-cert", ARGS_LONG('N'), "PEM", "the node's certificate (the CURVE key to expect)"},
    {"indicator", ARGS_LONG('i'), "ID", "an indicator of mode I (or A) (carenet standards show)"},
    {"standard", ARGS_LONG('s'), "ID", "the standard it is of (default: any holding it)"},
    {"office", ARGS_LONG('o'), "ID", "the office inspected (in the inspector's scope)"},
    {"result", ARGS_LONG('r'), "pass|fail", "what was found"},
    {"note", ARGS_LONG('t'), "TEXT", "what was seen (required)"},
    {"method", ARGS_LONG('m'), "M", "审阅材料 (default), 现场查看, 走访 or 抽样调查"},
    {"evidence", ARGS_LONG('e'), "FILE",
     "named and hashed in the finding (repeatable; not carried)"},
    {"rectify", ARGS_LONG('R'), "DAYS",
     "a failing finding: the node orders rectification (限时整改) within DAYS"},
    {"json", 'j', NULL, "print {\"id\", \"office\", \"indicator\", \"result\"}"},
    {0}};

static const struct args_cmd finding_cmd = {
    "carenet inspect finding",
    "-c INSPECTOR.cfg --node ENDPOINT --node-cert NODE.pem --indicator ID --office ID\n"
    "--result pass|fail --note TEXT [--method M] [--evidence FILE]... [--rectify DAYS] [--json]",
    "Records an inspector's on-site finding (督查发现, R28), signed by the inspector and\n"
    "sent over its authenticated link: the node checks it (scope, indicator of mode I or\n"
    "A, no future time), keeps it and relays it up to the county; the latest finding\n"
    "for an office decides that indicator in every later evaluation (\"inspected by\").\n"
    "Refused findings exit 4 with the node's reason.\n",
    finding_opts, NULL};

struct fopts {
	const char *cfgpath, *node, *cert, *indicator, *standard, *office, *result, *note, *method;
	const char *evidence[MAX_EVIDENCE];
	size_t nevidence;
	unsigned rectify;
	int json;
};

static int fparse_one(struct fopts *o, int ch, const char *val)
{
	switch (ch) {
	case 'c':
		o->cfgpath = val;
		return 0;
	case ARGS_LONG('n'):
		o->node = val;
		return 0;
	case ARGS_LONG('N'):
		o->cert = val;
		return 0;
	case ARGS_LONG('i'):
		o->indicator = val;
		return 0;
	case ARGS_LONG('s'):
		o->standard = val;
		return 0;
	case ARGS_LONG('o'):
		o->office = val;
		return 0;
	case ARGS_LONG('r'):
		o->result = val;
		return 0;
	case ARGS_LONG('t'):
		o->note = val;
		return 0;
	case ARGS_LONG('m'):
		o->method = val;
		return 0;
	case 'j':
		o->json = 1;
		return 0;
	case ARGS_LONG('e'):
		if (o->nevidence == MAX_EVIDENCE)
			return args_usage_error(&finding_cmd, "at most 16 --evidence files"),
			       CN_EUSAGE;
		o->evidence[o->nevidence++] = val;
		return 0;
	case ARGS_LONG('R'): {
		char *end;
		unsigned long d = strtoul(val, &end, 10);
		if (*end || d == 0 || d > 365)
			return args_usage_error(&finding_cmd, "--rectify DAYS: 1 to 365"),
			       CN_EUSAGE;
		o->rectify = (unsigned)d;
		return 0;
	}
	default:
		return 1; /* --help, or an unknown option */
	}
}

static int fparse(int argc, char **argv, struct fopts *o)
{
	struct args a;
	int ch, rc;

	memset(o, 0, sizeof(*o));
	o->method = "审阅材料";
	args_begin(&a, &finding_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END)
		if ((rc = fparse_one(o, ch, a.val)) != 0)
			return rc == 1 ? (a.exit == 0 ? 1 : CN_EUSAGE) : rc;
	if (args_operands(&a, 0, 0))
		return CN_EUSAGE;
	if (!o->cfgpath || !o->node || !o->cert || !o->indicator || !o->office || !o->result ||
	    !o->note)
		return args_usage_error(&finding_cmd, "give -c, --node, --node-cert, --indicator, "
		                                      "--office, --result and --note"),
		       CN_EUSAGE;
	if (strcmp(o->result, "pass") && strcmp(o->result, "fail"))
		return args_usage_error(&finding_cmd, "--result: pass or fail"), CN_EUSAGE;
	if (o->rectify && strcmp(o->result, "fail"))
		return args_usage_error(&finding_cmd, "--rectify goes with --result fail"),
		       CN_EUSAGE;
	return 0;
}

/* The finding as one item signed by the inspector: *sb (free), its id. */
static int make_batch(const struct fopts *o, const struct pki_self *self, uint8_t **sb,
                      size_t *sblen, char *id, size_t idlen)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Finding f = CARENET__FINDING__INIT;
	Carenet__Evidence ev[MAX_EVIDENCE], *evp[MAX_EVIDENCE];
	uint8_t hash[MAX_EVIDENCE][32], *buf;
	const uint8_t *items[1];
	size_t len;
	int rc;

	for (size_t i = 0; i < o->nevidence; i++) {
		carenet__evidence__init(&ev[i]);
		evp[i] = &ev[i];
		if ((rc = cli_evidence(o->evidence[i], &ev[i], hash[i])) != 0) {
			fprintf(
			    stderr,
			    "carenet inspect finding: --evidence %s: %s: give a readable file\n",
			    o->evidence[i], cn_strerror(rc));
			return rc;
		}
	}
	it.origin = (char *)pki_self_identity(self)->id;
	it.lane = 1;
	it.origin_seq = util_now_us(); /* above any earlier one from this inspector */
	it.created = util_now();
	snprintf(id, idlen, "%s-f%llu", it.origin, (unsigned long long)it.origin_seq);
	f.id = id, f.office = (char *)o->office;
	f.standard = (char *)(o->standard ? o->standard : "");
	f.indicator = (char *)o->indicator, f.result = (char *)o->result;
	f.method = (char *)o->method, f.note = (char *)o->note;
	f.evidence = evp, f.n_evidence = o->nevidence;
	f.at = it.created, f.rectify_days = o->rectify;
	it.body_case = CARENET__ITEM__BODY_FINDING;
	it.finding = &f;
	len = carenet__item__get_packed_size(&it);
	if (!(buf = malloc(len ? len : 1)))
		return CN_ENOMEM;
	carenet__item__pack(&it, buf);
	items[0] = buf;
	rc = item_batch_sign(self, items, &len, 1, sb, sblen);
	free(buf);
	return rc;
}

/* Sends the finding; the node's answer decides the exit status. */
static int send_finding(void *s, const struct pki_self *self, uint8_t *sb, size_t sblen)
{
	Carenet__Frame fr = CARENET__FRAME__INIT, *w;
	Carenet__InspectFinding q = CARENET__INSPECT_FINDING__INIT;
	Carenet__Chain ch = CARENET__CHAIN__INIT;
	ProtobufCBinaryData certs[WIRE_MAX_CHAIN];
	const uint8_t *const *der;
	const size_t *dl;
	size_t n = pki_self_chain(self, &der, &dl);
	int rc;

	for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++)
		certs[i].data = (uint8_t *)der[i], certs[i].len = dl[i];
	ch.certs = certs, ch.n_certs = n < WIRE_MAX_CHAIN ? n : WIRE_MAX_CHAIN;
	q.nonce = util_now_us(), q.chain = &ch;
	q.batch.data = sb, q.batch.len = sblen;
	fr.body_case = CARENET__FRAME__BODY_INSPECT_FINDING;
	fr.inspect_finding = &q;
	if ((rc = cli_inspect_send(s, &fr)) != 0)
		return rc;
	if (!(w = cli_inspect_recv(s, util_mono_us() + 30000000ull,
	                           CARENET__FRAME__BODY_INSPECT_REPLY))) {
		fprintf(stderr,
		        "carenet inspect finding: no answer within 30 s: check with carenet "
		        "inspect findings at the node, then send it again\n");
		return CN_ETIMEOUT;
	}
	if (w->body_case == CARENET__FRAME__BODY_REFUSE)
		rc = cli_inspect_refused("the finding", w->refuse);
	else if (w->inspect_reply->code) {
		fprintf(stderr, "carenet inspect finding: refused: %s\n", w->inspect_reply->reason);
		rc = -(int)w->inspect_reply->code;
	}
	wire_free(&w);
	return rc;
}

int cli_inspect_finding(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct pki_self *self = NULL;
	struct fopts o;
	void *ctx = NULL, *s = NULL;
	uint8_t *sb = NULL;
	size_t sblen = 0;
	char id[128];
	int rc = fparse(argc, argv, &o);

	if (rc)
		return cli_parse_exit(rc);
	if ((rc = cli_inspect_self(o.cfgpath, &cfg, &self)) != 0 ||
	    (rc = make_batch(&o, self, &sb, &sblen, id, sizeof(id))) != 0)
		goto out;
	if (!(ctx = zmq_ctx_new()) || !(s = cli_inspect_connect(ctx, o.node, o.cert, self))) {
		rc = CN_EINVAL;
		goto out;
	}
	if ((rc = cli_inspect_hello(s, self, o.node)) == 0 &&
	    (rc = send_finding(s, self, sb, sblen)) == 0) {
		if (o.json) {
			struct json j;
			json_init(&j, stdout), json_obj_begin(&j, NULL);
			json_str(&j, "id", id), json_str(&j, "office", o.office);
			json_str(&j, "indicator", o.indicator), json_str(&j, "result", o.result);
			json_obj_end(&j), json_finish(&j);
		} else {
			printf("%s\n", id);
		}
	}
out:
	free(sb);
	if (s)
		zmq_close(s);
	if (ctx)
		zmq_ctx_term(ctx);
	pki_self_free(&self);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------ inspect findings (list) */

static const struct args_opt list_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"office", ARGS_LONG('o'), "ID|PREFIX", "only findings on offices beginning with it"},
    {"json", 'j', NULL,
     "[{id, inspector, office, standard, indicator, result, method, note, at, "
     "evidence, rectify_days}]"},
    {"csv", ARGS_LONG('v'), NULL, "one row per finding (UTF-8 with a BOM)"},
    {0}};

static const struct args_cmd list_cmd = {
    "carenet inspect findings", "[-c CFG] [--office PREFIX] [--json | --csv]",
    "Lists the inspectors' findings (督查发现, R28) this node keeps: those sent to it and\n"
    "those relayed up from below (the county keeps all).\n",
    list_opts, NULL};

static void list_print(Carenet__FindingView *const *v, size_t n, int json, int csv)
{
	static const char *const h[] = {"id",     "inspector", "office", "standard", "indicator",
	                                "result", "method",    "at",     "note",     "evidence"};
	char at[32], ev[16];
	struct json j;

	if (json)
		json_init(&j, stdout), json_arr_begin(&j, NULL);
	else if (csv)
		csv_write_bom(stdout), csv_write_row(stdout, h, 10);
	else
		printf("%-32s %-14s %-24s %-12s %-16s %s\n", "发现 finding", "单位 office",
		       "指标 indicator", "结果 result", "时间 at", "督查 inspector");
	for (size_t i = 0; i < n; i++) {
		const Carenet__FindingView *f = v[i];
		util_fmt_time(f->at, "Asia/Shanghai", at, sizeof(at));
		snprintf(ev, sizeof(ev), "%zu", f->n_evidence);
		if (json) {
			json_obj_begin(&j, NULL);
			json_str(&j, "id", f->id), json_str(&j, "inspector", f->inspector);
			json_str(&j, "office", f->office), json_str(&j, "standard", f->standard);
			json_str(&j, "indicator", f->indicator), json_str(&j, "result", f->result);
			json_str(&j, "method", f->method), json_str(&j, "note", f->note);
			json_u64(&j, "at", f->at), json_u64(&j, "rectify_days", f->rectify_days);
			cli_json_evidence(&j, f->evidence, f->n_evidence);
			json_obj_end(&j);
		} else if (csv) {
			const char *c[] = {
			    f->id,     f->inspector, f->office, f->standard, f->indicator,
			    f->result, f->method,    at,        f->note,     ev};
			csv_write_row(stdout, c, 10);
		} else {
			printf("%-32s %-14s %-24s %-12s %-16s %s\n", f->id, f->office, f->indicator,
			       !strcmp(f->result, "pass") ? "达标 pass" : "未达标 fail", at,
			       f->inspector);
		}
	}
	if (json)
		json_arr_end(&j), json_finish(&j);
}

int cli_inspect_findings(int argc, char **argv)
{
	const char *prog = "carenet inspect findings", *cfgpath = NULL, *office = "";
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__FindingListRequest q = CARENET__FINDING_LIST_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct args a;
	int ch, rc, json = 0, csv = 0;

	args_begin(&a, &list_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('o'))
			office = a.val;
		else if (ch == 'j')
			json = 1;
		else if (ch == ARGS_LONG('v'))
			csv = 1;
		else
			return a.exit == 0 ? 0 : cn_exit_code(CN_EUSAGE);
	}
	if (args_operands(&a, 0, 0))
		return cn_exit_code(CN_EUSAGE);
	if (json && csv)
		return args_usage_error(&list_cmd, "give at most one of --json and --csv");
	if ((rc = cli_config(prog, cfgpath ? cfgpath : CONFIG_DEFAULT_PATH, &cfg)) != 0)
		return cn_exit_code(rc);
	q.office = (char *)office;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_FINDING_LIST;
	req.finding_list = &q;
	if ((rc = cli_call(prog, cfg, &req, CLI_TIMEOUT_MS, &rep)) == 0)
		list_print(rep->findings, rep->n_findings, json, csv);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}
