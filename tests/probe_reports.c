/*
 * probe_reports: carenet-probe's forged reports and steps (issue 9), sent
 * after a completed HELLO with the identity of a real village whose node is
 * stopped, correctly signed by that village, on the urgent lane:
 *
 *   carenet-probe --endpoint E --server-cert PEM --identity DIR --send MODE
 *                 --target ID [--wait MS]
 *
 * MODE:
 *   report-foreign  a report that names --target (an office outside the
 *                   prober's own subtree) as the reporting office
 *   report-future   the prober's own report, filed an hour after now
 *   report-child    the prober's report naming child --target-r1 (a child of
 *                   another village)
 *   report-selfack  an acknowledgement by the prober of its own report
 *                   --target (a report id of the prober)
 *   step-future     an update of report --target claiming a time an hour ahead
 * One Batch frame at the next link sequence, with the prober's certificate
 * chain. Prints one JSON object: whether the node acknowledged the frame (a
 * refused item is acknowledged and counted, not stored) and the sequences.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "err.h"
#include "item.h"
#include "pki.h"
#include "probe_reports.h"
#include "probe_wire.h"
#include "util.h"
#include "wire.h"

#define LANE 0

struct forge {
	const char *endpoint, *server_cert, *identity, *mode, *target;
	int wait_ms;
	struct pki_self *self;
};

static const char *const modes[] = {"report-foreign", "report-future", "report-child",
                                    "report-selfack", "step-future"};

static int is_mode(const char *m)
{
	for (size_t i = 0; m && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(m, modes[i]))
			return 1;
	return 0;
}

static void fill_report(struct forge *f, Carenet__Report *p, char *id, size_t idlen, char *child,
                        size_t clen)
{
	static char *sit[] = {"S01"};
	const char *me = pki_self_identity(f->self)->id;
	uint64_t now = util_now();

	snprintf(id, idlen, "%s-rep%llu", !strcmp(f->mode, "report-foreign") ? f->target : me,
	         (unsigned long long)(now % 1000000));
	snprintf(child, clen, "%s-r1", f->target);
	p->id = id;
	p->office = (char *)(!strcmp(f->mode, "report-foreign") ? f->target : me);
	p->situation = sit;
	p->n_situation = 1;
	p->summary = "伪造的报告 forged";
	p->child_description = "forged";
	p->urgency = 1;
	p->filed_at = p->discovered_at = now + (!strcmp(f->mode, "report-future") ? 3600 : 0);
	p->ack_due = p->filed_at + 3600;
	if (!strcmp(f->mode, "report-child"))
		p->child = child;
}

/* The forged item, signed by the prober as one batch. */
static int forged_msg(struct forge *f, ProtobufCBinaryData *out)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Report p = CARENET__REPORT__INIT;
	Carenet__ReportStep s = CARENET__REPORT_STEP__INIT;
	const char *me = pki_self_identity(f->self)->id;
	char id[64], child[64], sid[64];
	const uint8_t *bufs[1];
	struct timespec ts;
	uint8_t *buf;
	size_t len;
	int rc;

	it.origin = (char *)me;
	it.lane = LANE;
	clock_gettime(CLOCK_REALTIME, &ts); /* above any real sequence, new at every run */
	it.origin_seq = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	it.created = util_now();
	if (!strncmp(f->mode, "report-", 7) && strcmp(f->mode, "report-selfack")) {
		fill_report(f, &p, id, sizeof(id), child, sizeof(child));
		it.body_case = CARENET__ITEM__BODY_REPORT;
		it.report = &p;
	} else {
		snprintf(sid, sizeof(sid), "%s-step%llu", me,
		         (unsigned long long)(it.origin_seq % 1000000));
		s.id = sid;
		s.report = (char *)f->target;
		s.office = (char *)me;
		s.by = (char *)me;
		s.kind = !strcmp(f->mode, "report-selfack") ? 1 : 3;
		s.at = util_now() + (!strcmp(f->mode, "step-future") ? 3600 : 0);
		s.note = "forged";
		it.body_case = CARENET__ITEM__BODY_REPORT_STEP;
		it.report_step = &s;
	}
	len = carenet__item__get_packed_size(&it);
	if (!(buf = malloc(len)))
		return CN_ENOMEM;
	carenet__item__pack(&it, buf);
	bufs[0] = buf;
	rc = item_batch_sign(f->self, bufs, &len, 1, &out->data, &out->len);
	free(buf);
	return rc;
}

static size_t chain_of(struct forge *f, ProtobufCBinaryData *out)
{
	const uint8_t *const *der;
	const size_t *dl;
	size_t n = pki_self_chain(f->self, &der, &dl);

	for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++) {
		out[i].data = (uint8_t *)der[i];
		out[i].len = dl[i];
	}
	return n < WIRE_MAX_CHAIN ? n : WIRE_MAX_CHAIN;
}

static int forge(struct forge *f, void *s)
{
	Carenet__Frame fr = CARENET__FRAME__INIT, *a;
	Carenet__Batch b = CARENET__BATCH__INIT;
	Carenet__Chain ch = CARENET__CHAIN__INIT, *chp = &ch;
	ProtobufCBinaryData certs[WIRE_MAX_CHAIN], msg = {0, NULL};
	uint64_t seq, end, acked = 0;
	int rc;

	if (probe_hello(s, f->self, LANE, &seq) != 0) {
		printf("{\"result\": \"no_welcome\"}\n");
		return 1;
	}
	if ((rc = forged_msg(f, &msg)) != 0)
		return 1;
	ch.certs = certs;
	ch.n_certs = chain_of(f, certs);
	b.lane = LANE;
	b.first_seq = seq;
	b.msgs = &msg;
	b.n_msgs = 1;
	b.chains = &chp;
	b.n_chains = 1;
	fr.body_case = CARENET__FRAME__BODY_BATCH;
	fr.batch = &b;
	rc = probe_send_frame(s, &fr);
	free(msg.data);
	if (rc != 0)
		return 1;
	end = util_mono_us() + (uint64_t)f->wait_ms * 1000u;
	while (!acked && util_mono_us() < end) {
		if (!(a = probe_recv_frame(s, 50)))
			continue;
		if (a->body_case == CARENET__FRAME__BODY_ACK && a->ack->lane == LANE &&
		    a->ack->seq >= seq)
			acked = a->ack->seq;
		wire_free(&a);
	}
	printf("{\"result\": \"%s\", \"sent_seq\": %llu, \"ack_seq\": %llu}\n",
	       acked ? "acked" : "none", (unsigned long long)seq, (unsigned long long)acked);
	return 0;
}

static int parse(struct forge *f, int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (!strcmp(o, "--endpoint"))
			f->endpoint = v;
		else if (!strcmp(o, "--server-cert"))
			f->server_cert = v;
		else if (!strcmp(o, "--identity"))
			f->identity = v;
		else if (!strcmp(o, "--target"))
			f->target = v;
		else if (!strcmp(o, "--wait"))
			f->wait_ms = atoi(v);
		else if (strcmp(o, "--send") != 0) {
			fprintf(stderr, "carenet-probe: %s: unknown option for --send %s\n", o,
			        f->mode);
			return 2;
		}
	}
	if (!f->endpoint || !f->server_cert || !f->identity || !f->target ||
	    strlen(f->target) >= 48) {
		fprintf(stderr,
		        "carenet-probe: --send %s needs --endpoint, --server-cert, --identity and "
		        "--target\n",
		        f->mode);
		return 2;
	}
	return 0;
}

int probe_reports_main(int argc, char **argv)
{
	struct forge f = {.wait_ms = 3000};
	void *ctx, *s;
	int rc;

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--send"))
			f.mode = argv[i + 1];
	if (!is_mode(f.mode))
		return -1;
	if ((rc = parse(&f, argc, argv)) != 0)
		return rc;
	if (probe_identity_load(f.identity, &f.self) != 0)
		return 1;
	ctx = zmq_ctx_new();
	if (!(s = probe_connect(ctx, f.endpoint, f.server_cert, f.self))) {
		rc = 1;
	} else {
		rc = forge(&f, s);
		zmq_close(s);
	}
	zmq_ctx_term(ctx);
	pki_self_free(&f.self);
	return rc;
}
