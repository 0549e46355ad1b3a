/*
 * probe_serve: carenet-probe --serve, the probe playing a parent: it binds
 * ENDPOINT with the identity's keys, accepts one child's HELLO, welcomes it
 * and sends it a directive signed by the identity for --target (e.g. a
 * village of another township), or one whose body is over the cap
 * (--size); prints whether the child acknowledged it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "probe_int.h"
#include "util.h"

/* As a parent: accept one child, welcome it, send it a directive. */
int probe_serve(struct probe *p)
{
	void *s = zmq_socket(p->ctx, ZMQ_ROUTER);
	int one = 1, zero = 0, acks = 0;
	Carenet__Frame *h, *a;
	Carenet__Frame wf = CARENET__FRAME__INIT;
	Carenet__Welcome w = CARENET__WELCOME__INIT;
	ProtobufCBinaryData chain[WIRE_MAX_CHAIN];
	const uint8_t *const *der;
	const size_t *dl;
	size_t n = pki_self_chain(p->self, &der, &dl), rid_len = 0, wlen, mlen;
	uint8_t rid[256], *wbuf, *msg = NULL;
	uint64_t seq;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Directive dv = CARENET__DIRECTIVE__INIT;
	Carenet__Targets tg = CARENET__TARGETS__INIT;
	char *ids[1] = {(char *)(p->target ? p->target : "530102002001")};

	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof(one));
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, p->sec, 40);
	if (zmq_bind(s, p->serve) < 0) {
		fprintf(stderr, "carenet-probe: bind %s: %s\n", p->serve, zmq_strerror(errno));
		return 1;
	}
	if (!(h = probe_wait_frame(s, p->wait_ms, CARENET__FRAME__BODY_HELLO, 1, rid, &rid_len))) {
		printf("{\"result\": \"no_hello\"}\n");
		zmq_close(s);
		return 1;
	}
	seq = probe_lane_cursor(h->hello->cursors, h->hello->n_cursors, 1) + 1;
	wire_free(&h);
	for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++) {
		chain[i].data = (uint8_t *)der[i];
		chain[i].len = dl[i];
	}
	w.version = WIRE_VERSION;
	w.chain = chain;
	w.n_chain = n;
	wf.body_case = CARENET__FRAME__BODY_WELCOME;
	wf.welcome = &w;
	wire_encode(&wf, &wbuf, &wlen);
	zmq_send(s, rid, rid_len, ZMQ_SNDMORE);
	zmq_send(s, wbuf, wlen, 0);
	free(wbuf);
	tg.ids = ids;
	tg.n_ids = 1;
	dv.kind = 1;
	dv.title = "forged: a target outside the issuer's subtree";
	if (p->body_size) { /* or: a directive over the body cap */
		char *big = malloc(p->body_size + 1);
		if (!big) {
			zmq_close(s);
			return 1;
		}
		memset(big, 'x', p->body_size);
		big[p->body_size] = 0;
		dv.body = big;
		dv.title = "forged: a body over the cap";
	}
	dv.targets = &tg;
	dv.expanded = ids;
	dv.n_expanded = 1;
	dv.due = util_now() + 86400;
	it.body_case = CARENET__ITEM__BODY_DIRECTIVE;
	it.directive = &dv;
	it.lane = 1;
	it.origin_seq = probe_realtime_us(); /* above any real sequence, fresh each run */
	if (probe_signed_item(p, &it, NULL, &msg, &mlen) == 0)
		probe_send_batch(s, rid, rid_len, 1, seq, msg, mlen, p->self);
	while ((a = probe_wait_frame(s, p->wait_ms, CARENET__FRAME__BODY__NOT_SET, 1, rid, &rid_len))) {
		if (a->body_case == CARENET__FRAME__BODY_ACK)
			acks++;
		wire_free(&a);
		if (acks)
			break;
	}
	printf("{\"result\": \"%s\", \"acks\": %d}\n", acks ? "acked" : "none", acks);
	free(msg);
	if (p->body_size)
		free(dv.body);
	zmq_close(s);
	return 0;
}

