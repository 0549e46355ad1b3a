/*
 * probe_records: carenet-probe's forged record versions (issue 8), sent after
 * a completed HELLO with the identity of a real village whose node is
 * stopped, correctly signed by that village:
 *
 *   carenet-probe --endpoint E --server-cert PEM --identity DIR --send MODE
 *                 --target ID [--wait MS]
 *
 * MODE:
 *   record-owner  a version of record ID-r1 that claims --target (another
 *                 village) as its owner and writer
 *   record-id     a version of record ID-r1 (--target's record id) that names
 *                 the prober itself as owner
 *   record-type   a version of the prober's own record of type intervention
 *   record-readonly  a version of the prober's own record of the read-only
 *                 type report (R12 as the rules read it)
 *                 (R19: the county's only; issue 9), --target ignored
 *   direct-bulk   the record-id version, meant for a county: over a village's
 *                 county-direct session (failover) only the urgent lane passes
 *   direct-foreign the same item on the urgent lane in a batch whose origin is
 *                 --target (another office): not the village's own item
 *   direct-smuggle the same item, the village's own, claiming the urgent
 *                 lane: a record version is no urgent item
 * One Batch frame on the bulk lane (direct-foreign, -smuggle: urgent) at the next link
 * sequence, with the
 * prober's certificate chain. Prints one JSON object: whether the node
 * acknowledged the frame (a refused item is acknowledged and counted, not
 * stored) and the sequences.
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
#include "probe_records.h"
#include "util.h"
#include "probe_wire.h"
#include "wire.h"

struct forge {
	const char *endpoint, *server_cert, *identity, *mode, *target;
	int wait_ms;
	struct pki_self *self;
};

static int is_mode(const char *m)
{
	return m && (!strcmp(m, "record-owner") || !strcmp(m, "record-id") ||
	             !strcmp(m, "record-type") || !strcmp(m, "record-readonly") ||
	             !strcmp(m, "direct-bulk") ||
	             !strcmp(m, "direct-foreign") || !strcmp(m, "direct-smuggle"));
}

static unsigned lane_of(const struct forge *f)
{
	return strncmp(f->mode, "direct-", 7) == 0 && strcmp(f->mode, "direct-bulk") != 0 ? 0 : 2;
}

/* direct-foreign: the batch claims --target as its origin (the signature no
 * longer verifies; the county must refuse it before looking). */
static int foreign_origin(struct forge *f, ProtobufCBinaryData *out)
{
	Carenet__SignedBatch *sb = NULL;
	uint8_t *buf;
	size_t len;
	char *own;

	if (strcmp(f->mode, "direct-foreign") != 0)
		return 0;
	if (item_batch_decode(out->data, out->len, &sb) != 0)
		return CN_EINVAL;
	own = sb->origin;
	sb->origin = (char *)f->target; /* the prober's own is put back to be freed */
	len = carenet__signed_batch__get_packed_size(sb);
	if ((buf = malloc(len)))
		carenet__signed_batch__pack(sb, buf);
	sb->origin = own;
	carenet__signed_batch__free_unpacked(sb, NULL);
	if (!buf)
		return CN_ENOMEM;
	free(out->data);
	out->data = buf;
	out->len = len;
	return 0;
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

/* The forged version, signed by the prober as one batch. */
static int forged_msg(struct forge *f, ProtobufCBinaryData *out)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__RecordVersion m = CARENET__RECORD_VERSION__INIT;
	Carenet__Field name = CARENET__FIELD__INIT, *fp[1] = {&name};
	const char *me = pki_self_identity(f->self)->id;
	char id[64];
	const uint8_t *bufs[1];
	struct timespec ts;
	uint8_t *buf;
	size_t len;
	int rc;

	snprintf(id, sizeof(id), "%s-r1", f->target);
	m.id = id;
	m.type = "child";
	m.owner = (char *)(!strcmp(f->mode, "record-owner") ? f->target : me);
	if (!strcmp(f->mode, "record-type")) { /* its own record, of a county-only type */
		snprintf(id, sizeof(id), "%s-r5000", me);
		m.type = "intervention";
		name.name = "guardian";
	}
	if (!strcmp(f->mode, "record-readonly")) { /* a type the rules read, never a record */
		snprintf(id, sizeof(id), "%s-r5001", me);
		m.type = "report";
	}
	m.changed_by = m.owner;
	m.version = 99;
	m.changed_at = util_now();
	if (strcmp(m.type, "intervention") != 0)
		name.name = "name";
	name.value = "伪造者";
	m.fields = fp;
	m.n_fields = 1;
	it.origin = (char *)me;
	it.lane = lane_of(f);
	clock_gettime(CLOCK_REALTIME, &ts); /* above any real sequence, new at every run */
	it.origin_seq = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	it.created = util_now();
	it.body_case = CARENET__ITEM__BODY_RECORD_VERSION;
	it.record_version = &m;
	len = carenet__item__get_packed_size(&it);
	if (!(buf = malloc(len)))
		return CN_ENOMEM;
	carenet__item__pack(&it, buf);
	bufs[0] = buf;
	rc = item_batch_sign(f->self, bufs, &len, 1, &out->data, &out->len);
	free(buf);
	return rc ? rc : foreign_origin(f, out);
}

static int forge(struct forge *f, void *s)
{
	Carenet__Frame fr = CARENET__FRAME__INIT, *a;
	Carenet__Batch b = CARENET__BATCH__INIT;
	Carenet__Chain ch = CARENET__CHAIN__INIT, *chp = &ch;
	ProtobufCBinaryData certs[WIRE_MAX_CHAIN], msg = {0, NULL};
	uint64_t seq, end, acked = 0;
	int rc;

	if (probe_hello(s, f->self, lane_of(f), &seq) != 0) {
		printf("{\"result\": \"no_welcome\"}\n");
		return 1;
	}
	if ((rc = forged_msg(f, &msg)) != 0)
		return 1;
	ch.certs = certs;
	ch.n_certs = chain_of(f, certs);
	b.lane = lane_of(f);
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
		if (a->body_case == CARENET__FRAME__BODY_ACK && a->ack->lane == lane_of(f) &&
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
	    strlen(f->target) >= PKI_ID_MAX) {
		fprintf(stderr,
		        "carenet-probe: --send %s needs --endpoint, --server-cert, --identity and "
		        "--target\n",
		        f->mode);
		return 2;
	}
	return 0;
}

int probe_records_main(int argc, char **argv)
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
