/*
 * probe_apply: carenet-probe's floods of correctly signed items that the
 * receiving node must refuse or hold back without harm to anyone else
 * (tests/net/test_hostile_apply.py, issue 7). After a completed HELLO with
 * the identity of a real office whose node is stopped:
 *
 *   carenet-probe --endpoint E --server-cert PEM --identity DIR --send MODE
 *                 [--count N] [--duration MS] [--directive ID]
 *
 * MODE:
 *   flood-empty-id  statuses whose directive id is "" (N per frame)
 *   flood-junk      statuses for directives unknown here (N per frame)
 *   flood-churn     statuses for --directive, accepted / in-progress in turn:
 *                   valid, applied and forwarded up (the subtree quota)
 *   flood-mixed     one churn status (with a 2,000-byte note: it fills the store
 *                   fast) and N junk statuses per frame
 * Each frame carries N messages of one signed item each, the next frame
 * follows as soon as the previous one is acknowledged (or after 200 ms), for
 * --duration ms. Prints one JSON object: frames sent, acks received, the
 * last acknowledged sequence, and whether the node stopped acknowledging.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <zmq.h>

#include "err.h"
#include "item.h"
#include "pki.h"
#include "probe_apply.h"
#include "util.h"
#include "probe_wire.h"
#include "wire.h"

struct flood {
	const char *endpoint, *server_cert, *identity, *mode, *directive;
	int count, duration_ms;
	struct pki_self *self;
	uint64_t oseq; /* next origin sequence */
	unsigned churn;
};

static const char *const modes[] = {"flood-empty-id", "flood-junk", "flood-churn", "flood-mixed"};

static int is_mode(const char *m)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(m, modes[i]))
			return 1;
	return 0;
}

/* One signed batch holding one status item of this mode's kind. */
static int status_msg(struct flood *f, int churn, ProtobufCBinaryData *out)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__StatusUpdate st = CARENET__STATUS_UPDATE__INIT;
	char junk[64], note[2001];
	const uint8_t *bufs[1];
	uint8_t *buf;
	size_t len;
	int rc;

	if (churn) {
		st.directive = (char *)(f->directive ? f->directive : "530102-1");
		st.state = 2 + (f->churn++ % 2); /* accepted, in-progress, accepted... */
		if (!strcmp(f->mode, "flood-mixed")) {
			memset(note, 'n', sizeof(note) - 1);
			note[sizeof(note) - 1] = 0;
			st.note = note;
		}
	} else if (!strcmp(f->mode, "flood-empty-id")) {
		st.directive = "";
		st.state = 4;
	} else {
		snprintf(junk, sizeof(junk), "530102-%llu", (unsigned long long)f->oseq);
		st.directive = junk;
		st.state = 4;
	}
	it.origin = (char *)pki_self_identity(f->self)->id;
	it.lane = 1;
	it.origin_seq = f->oseq++;
	it.created = util_now();
	it.body_case = CARENET__ITEM__BODY_STATUS;
	it.status = &st;
	len = carenet__item__get_packed_size(&it);
	if (!(buf = malloc(len)))
		return CN_ENOMEM;
	carenet__item__pack(&it, buf);
	bufs[0] = buf;
	rc = item_batch_sign(f->self, bufs, &len, 1, &out->data, &out->len);
	free(buf);
	return rc;
}

static int batch_frame(struct flood *f, void *s, uint64_t seq)
{
	Carenet__Frame fr = CARENET__FRAME__INIT;
	Carenet__Batch b = CARENET__BATCH__INIT;
	Carenet__Chain ch = CARENET__CHAIN__INIT, *chp = &ch;
	ProtobufCBinaryData certs[WIRE_MAX_CHAIN], *msgs;
	const uint8_t *const *der;
	const size_t *dl;
	size_t n = pki_self_chain(f->self, &der, &dl), nm = 0;
	int rc = 0, mixed = !strcmp(f->mode, "flood-mixed");
	size_t want = (size_t)f->count + (mixed ? 1 : 0);

	if (!(msgs = calloc(want, sizeof(*msgs))))
		return CN_ENOMEM;
	for (; nm < want && rc == 0; nm++)
		rc =
		    status_msg(f, !strcmp(f->mode, "flood-churn") || (mixed && nm == 0), &msgs[nm]);
	for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++) {
		certs[i].data = (uint8_t *)der[i];
		certs[i].len = dl[i];
	}
	ch.certs = certs;
	ch.n_certs = n;
	b.lane = 1;
	b.first_seq = seq;
	b.msgs = msgs;
	b.n_msgs = nm;
	b.chains = &chp;
	b.n_chains = 1;
	fr.body_case = CARENET__FRAME__BODY_BATCH;
	fr.batch = &b;
	if (rc == 0)
		rc = probe_send_frame(s, &fr);
	for (size_t i = 0; i < nm; i++)
		free(msgs[i].data);
	free(msgs);
	return rc;
}

static int flood(struct flood *f, void *s)
{
	uint64_t seq, end, last_ack_us = util_mono_us(), start = util_mono_us(), acked = 0,
	                   sent_upto;
	unsigned frames = 0, acks = 0;
	Carenet__Frame *a;

	if (probe_hello(s, f->self, 1, &seq) != 0) {
		printf("{\"result\": \"no_welcome\"}\n");
		return 1;
	}
	acked = seq - 1;
	sent_upto = acked;
	f->oseq = (uint64_t)time(NULL) * 1000000u; /* above any real sequence */
	end = start + (uint64_t)f->duration_ms * 1000u;
	while (util_mono_us() < end) {
		/* Next frame when the last is acknowledged, or 200 ms on. */
		if (sent_upto == acked || util_mono_us() - last_ack_us > 200000u) {
			size_t n = (size_t)f->count + (!strcmp(f->mode, "flood-mixed") ? 1 : 0);
			if (batch_frame(f, s, acked + 1) != 0)
				break;
			sent_upto = acked + n;
			frames++;
			last_ack_us = util_mono_us();
		}
		if ((a = probe_recv_frame(s, 20))) {
			if (a->body_case == CARENET__FRAME__BODY_ACK && a->ack->lane == 1) {
				acks++;
				if (a->ack->seq > acked)
					acked = a->ack->seq;
			}
			wire_free(&a);
		}
	}
	printf("{\"result\": \"done\", \"frames\": %u, \"acks\": %u, \"acked_seq\": %llu, "
	       "\"first_seq\": %llu, \"seconds\": %.1f}\n",
	       frames, acks, (unsigned long long)acked, (unsigned long long)seq,
	       (double)(util_mono_us() - start) / 1e6);
	return 0;
}

int probe_apply_main(int argc, char **argv)
{
	struct flood f = {.count = 4, .duration_ms = 5000};
	void *ctx, *s;
	int rc;

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--send"))
			f.mode = argv[i + 1];
	if (!f.mode || !is_mode(f.mode))
		return -1;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (!strcmp(o, "--endpoint"))
			f.endpoint = v;
		else if (!strcmp(o, "--server-cert"))
			f.server_cert = v;
		else if (!strcmp(o, "--identity"))
			f.identity = v;
		else if (!strcmp(o, "--count"))
			f.count = atoi(v);
		else if (!strcmp(o, "--duration"))
			f.duration_ms = atoi(v);
		else if (!strcmp(o, "--directive"))
			f.directive = v;
		else if (strcmp(o, "--send") != 0) {
			fprintf(stderr, "carenet-probe: %s: unknown option for --send %s\n", o,
			        f.mode);
			return 2;
		}
	}
	if (!f.endpoint || !f.server_cert || !f.identity || f.count < 1 || f.count > 4096) {
		fprintf(stderr,
		        "carenet-probe: --send %s needs --endpoint, --server-cert, "
		        "--identity (and --count 1..4096)\n",
		        f.mode);
		return 2;
	}
	if (probe_identity_load(f.identity, &f.self) != 0)
		return 1;
	ctx = zmq_ctx_new();
	if (!(s = probe_connect(ctx, f.endpoint, f.server_cert, f.self))) {
		rc = 1;
	} else {
		rc = flood(&f, s);
		zmq_close(s);
	}
	zmq_ctx_term(ctx);
	pki_self_free(&f.self);
	return rc;
}
