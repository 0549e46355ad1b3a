/* probe_forge: see probe_forge.h. */
#include "probe_forge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "probe_wire.h"
#include "util.h"

static size_t chain_of(struct probe_forge *f, ProtobufCBinaryData *out)
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

static int forge(struct probe_forge *f, const struct probe_forge_kind *k, void *s)
{
	Carenet__Frame fr = CARENET__FRAME__INIT, *a;
	Carenet__Batch b = CARENET__BATCH__INIT;
	Carenet__Chain ch = CARENET__CHAIN__INIT, *chp = &ch;
	ProtobufCBinaryData certs[WIRE_MAX_CHAIN], msg = {0, NULL};
	unsigned lane = k->lane(f);
	uint64_t seq, end, acked = 0;
	int rc;

	if (probe_hello(s, f->self, lane, &seq) != 0) {
		printf("{\"result\": \"no_welcome\"}\n");
		return 1;
	}
	if (k->msg(f, &msg) != 0)
		return 1;
	ch.certs = certs;
	ch.n_certs = chain_of(f, certs);
	b.lane = lane;
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
		if (a->body_case == CARENET__FRAME__BODY_ACK && a->ack->lane == lane &&
		    a->ack->seq >= seq)
			acked = a->ack->seq;
		wire_free(&a);
	}
	printf("{\"result\": \"%s\", \"sent_seq\": %llu, \"ack_seq\": %llu}\n",
	       acked ? "acked" : "none", (unsigned long long)seq, (unsigned long long)acked);
	return 0;
}

static int parse(struct probe_forge *f, int argc, char **argv)
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
	    strlen(f->target) >= PKI_ID_MAX) {
		fprintf(stderr,
		        "carenet-probe: --send %s needs --endpoint, --server-cert, --identity and "
		        "--target\n",
		        f->mode);
		return 2;
	}
	return 0;
}

int probe_forge_main(int argc, char **argv, const struct probe_forge_kind *k)
{
	struct probe_forge f = {.wait_ms = 3000};
	void *ctx, *s;
	int rc;

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--send"))
			f.mode = argv[i + 1];
	if (!f.mode || !k->is_mode(f.mode))
		return -1;
	if ((rc = parse(&f, argc, argv)) != 0)
		return rc;
	if (probe_identity_load(f.identity, &f.self) != 0)
		return 1;
	ctx = zmq_ctx_new();
	if (!(s = probe_connect(ctx, f.endpoint, f.server_cert, f.self))) {
		rc = 1;
	} else {
		rc = forge(&f, k, s);
		zmq_close(s);
	}
	zmq_ctx_term(ctx);
	pki_self_free(&f.self);
	return rc;
}
