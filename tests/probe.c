/*
 * carenet-probe: a deliberately misbehaving (or well-behaved) peer for the
 * network tests and benchmarks. Never installed.
 *
 *   carenet-probe --endpoint E --server-cert PEM [--identity DIR] [--curve-key FILE]
 *                 --send MODE [--count N] [--size N] [--wait MS]
 *   carenet-probe --endpoint E --server-cert PEM --identity DIR --handshakes N
 *
 *   carenet-probe --serve ENDPOINT --identity DIR --send MODE [--target ID] [--wait MS]
 *
 * MODE: hello, garbage, oversize, truncated, unknown, ping (before HELLO),
 * multipart; after a completed HELLO (--identity of a real office whose
 * node is stopped): status-forged (a status signed with another key),
 * directive (a directive from a village, signed correctly), replay (a valid
 * status batch sent twice at the same link sequence, then again at the next
 * sequence), announce-forged (an announce of --target, an office with no
 * certificate, carrying the prober's own chain), status-future (a status
 * for --directive whose created time is 30 days ahead), summary-foreign (a
 * Summary frame reporting --target, outside the prober's subtree, as up),
 * finding-forged (an inspector's finding on --target, made and signed by
 * the prober's own office: only inspectors make findings).
 * --serve (tests/probe_serve.c) plays a parent: it binds ENDPOINT with the identity's
 * keys, accepts one child's HELLO and sends it a directive signed by the
 * identity for --target (e.g. a village of another township).
 * The flood-* modes are in tests/probe_apply.c, the forged record versions
 * (record-owner, record-id, record-type) in tests/probe_records.c, a forged
 * directive tally (tally-other) in tests/probe_above.c.
 * Prints one JSON object: what the node answered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "args.h"
#include "err.h"
#include "item.h"
#include "pki.h"
#include "probe_apply.h"
#include "probe_int.h"
#include "probe_link.h"
#include "probe_above.h"
#include "probe_records.h"
#include "probe_rollup.h"
#include "probe_reports.h"
#include "util.h"
#include "wire.h"


static int load_identity(struct probe *p)
{
	char *k, *c, *ch, *cu, why[256] = "";
	int rc;

	if (!p->identity) {
		zmq_curve_keypair(p->pub, p->sec); /* a valid key with no certificate */
		return 0;
	}
	k = util_path_join(p->identity, "node.key");
	c = util_path_join(p->identity, "node.pem");
	ch = util_path_join(p->identity, "chain.pem");
	cu = util_path_join(p->identity, "curve.key");
	rc = pki_self_load(k, c, ch, cu, &p->self, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "carenet-probe: identity %s: %s\n", p->identity, why);
	else
		pki_self_curve(p->self, p->pub, p->sec);
	free(k);
	free(c);
	free(ch);
	free(cu);
	if (rc == 0 && p->curve_key)
		rc = pki_curve_read(p->curve_key, p->pub, p->sec);
	return rc;
}

static void *connect_dealer(struct probe *p, void **mon)
{
	void *s = zmq_socket(p->ctx, ZMQ_DEALER);
	int zero = 0;
	static int n;
	char ep[64];

	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, p->server, 40);
	zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, p->pub, 40);
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, p->sec, 40);
	snprintf(ep, sizeof(ep), "inproc://probe-mon-%d", n++);
	zmq_socket_monitor(s, ep,
	                   ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	                       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	                       ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
	*mon = zmq_socket(p->ctx, ZMQ_PAIR);
	zmq_connect(*mon, ep);
	zmq_connect(s, p->endpoint);
	return s;
}

/* Waits for the CURVE handshake: 1 done, 0 refused, -1 timeout. */
static int wait_handshake(void *mon, int ms)
{
	zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
	uint64_t end = util_mono_us() + (uint64_t)ms * 1000;

	while (util_mono_us() < end) {
		zmq_msg_t m;
		uint16_t ev;
		if (zmq_poll(&it, 1, 50) <= 0)
			continue;
		zmq_msg_init(&m);
		zmq_msg_recv(&m, mon, 0);
		memcpy(&ev, zmq_msg_data(&m), 2);
		zmq_msg_close(&m);
		zmq_msg_init(&m);
		zmq_msg_recv(&m, mon, 0);
		zmq_msg_close(&m);
		return ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ? 1 : 0;
	}
	return -1;
}

static int hello_bytes(struct probe *p, uint8_t **buf, size_t *len)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Hello h = CARENET__HELLO__INIT;
	ProtobufCBinaryData chain[WIRE_MAX_CHAIN];
	const uint8_t *const *der;
	const size_t *dl;
	size_t n = p->self ? pki_self_chain(p->self, &der, &dl) : 0;

	for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++) {
		chain[i].data = (uint8_t *)der[i];
		chain[i].len = dl[i];
	}
	h.version = strcmp(p->mode, "hello-v1") == 0 ? 1 : WIRE_VERSION; /* before groups */
	h.chain = chain;
	h.n_chain = n < WIRE_MAX_CHAIN ? n : WIRE_MAX_CHAIN;
	f.body_case = CARENET__FRAME__BODY_HELLO;
	f.hello = &h;
	return wire_encode(&f, buf, len);
}

static int send_mode(struct probe *p, void *s)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = 0;

	if (!strcmp(p->mode, "hello") || !strcmp(p->mode, "hello-v1") ||
	    !strcmp(p->mode, "truncated")) {
		if ((rc = hello_bytes(p, &buf, &len)) != 0)
			return rc;
		if (!strcmp(p->mode, "truncated"))
			len = len / 2;
	} else if (!strcmp(p->mode, "garbage") || !strcmp(p->mode, "oversize")) {
		len = !strcmp(p->mode, "garbage") ? 64 : p->size;
		buf = malloc(len);
		for (size_t i = 0; buf && i < len; i++)
			buf[i] = (uint8_t)(0xff - (i * 7));
	} else if (!strcmp(p->mode, "unknown")) {
		buf = malloc(2);
		buf[0] = 0x50; /* field 10: no such frame type */
		buf[1] = 0;
		len = 2;
	} else if (!strcmp(p->mode, "ping")) {
		Carenet__Frame f = CARENET__FRAME__INIT;
		Carenet__Ping pg = CARENET__PING__INIT;
		f.body_case = CARENET__FRAME__BODY_PING;
		f.ping = &pg;
		wire_encode(&f, &buf, &len);
	} else if (!strcmp(p->mode, "multipart")) {
		zmq_send(s, "a", 1, ZMQ_SNDMORE);
		buf = malloc(1);
		buf[0] = 'b';
		len = 1;
	} else {
		fprintf(stderr, "carenet-probe: unknown --send mode %s\n", p->mode);
		return CN_EUSAGE;
	}
	if (!buf)
		return CN_ENOMEM;
	if (zmq_send(s, buf, len, 0) < 0)
		rc = CN_EIO;
	free(buf);
	return rc;
}

uint64_t probe_realtime_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One signed batch with one item, as `signer` (NULL: the probe's identity),
 * claiming the probe's id as origin. */
int probe_signed_item(struct probe *p, Carenet__Item *it, const char *signer_dir, uint8_t **out,
                       size_t *outlen)
{
	struct pki_self *signer = p->self;
	uint8_t *buf;
	size_t len;
	const uint8_t *bufs[1];
	int rc;

	it->origin = (char *)pki_self_identity(p->self)->id;
	it->created = util_now() + (!strcmp(p->mode, "status-future") ? 30u * 86400u : 0u);
	len = carenet__item__get_packed_size(it);
	if (!(buf = malloc(len)))
		return CN_ENOMEM;
	carenet__item__pack(it, buf);
	if (signer_dir) { /* another office's key, our id: a forgery */
		char *k = util_path_join(signer_dir, "node.key"),
		     *c = util_path_join(signer_dir, "node.pem");
		char *ch = util_path_join(signer_dir, "chain.pem"),
		     *cu = util_path_join(signer_dir, "curve.key");
		char why[256];
		struct pki_self *other = NULL;
		rc = pki_self_load(k, c, ch, cu, &other, why, sizeof(why));
		free(k), free(c), free(ch), free(cu);
		if (rc != 0) {
			free(buf);
			return rc;
		}
		/* Sign with the other key but name our id as origin. */
		{
			Carenet__SignedBatch *sb = NULL;
			uint8_t *tmp;
			size_t tlen;
			bufs[0] = buf;
			rc = item_batch_sign(other, bufs, &len, 1, &tmp, &tlen);
			if (rc == 0 && (rc = item_batch_decode(tmp, tlen, &sb)) == 0) {
				char *real = sb->origin;
				sb->origin = (char *)pki_self_identity(p->self)->id;
				*outlen = carenet__signed_batch__get_packed_size(sb);
				if ((*out = malloc(*outlen)))
					carenet__signed_batch__pack(sb, *out);
				sb->origin = real;
				carenet__signed_batch__free_unpacked(sb, NULL);
			}
			free(tmp);
		}
		pki_self_free(&other);
		free(buf);
		return rc;
	}
	bufs[0] = buf;
	rc = item_batch_sign(signer, bufs, &len, 1, out, outlen);
	free(buf);
	return rc;
}

int probe_send_batch(void *s, const uint8_t *rid, size_t rid_len, uint32_t lane, uint64_t seq,
                      const uint8_t *msg, size_t len, const struct pki_self *chain_of)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Batch b = CARENET__BATCH__INIT;
	Carenet__Chain ch = CARENET__CHAIN__INIT, *chp = &ch;
	ProtobufCBinaryData m = {len, (uint8_t *)msg}, certs[WIRE_MAX_CHAIN];
	const uint8_t *const *der;
	const size_t *dl;
	size_t n = pki_self_chain(chain_of, &der, &dl);
	uint8_t *buf;
	size_t blen;

	for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++) {
		certs[i].data = (uint8_t *)der[i];
		certs[i].len = dl[i];
	}
	ch.certs = certs;
	ch.n_certs = n;
	b.lane = lane;
	b.first_seq = seq;
	b.msgs = &m;
	b.n_msgs = 1;
	b.chains = &chp;
	b.n_chains = 1;
	f.body_case = CARENET__FRAME__BODY_BATCH;
	f.batch = &b;
	if (wire_encode(&f, &buf, &blen) != 0)
		return CN_ENOMEM;
	if (rid)
		zmq_send(s, rid, rid_len, ZMQ_SNDMORE);
	zmq_send(s, buf, blen, 0);
	free(buf);
	return 0;
}

/* Waits for one frame of the given kind (or any if NONE); NULL on timeout. */
Carenet__Frame *probe_wait_frame(void *s, int ms, Carenet__Frame__BodyCase want, int router,
                                  uint8_t *rid, size_t *rid_len)
{
	zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
	uint64_t end = util_mono_us() + (uint64_t)ms * 1000;

	while (util_mono_us() < end) {
		zmq_msg_t m;
		Carenet__Frame *f = NULL;
		const char *why;
		if (zmq_poll(&it, 1, 50) <= 0)
			continue;
		zmq_msg_init(&m);
		if (router) {
			zmq_msg_recv(&m, s, 0);
			*rid_len = zmq_msg_size(&m) < 256 ? zmq_msg_size(&m) : 256;
			memcpy(rid, zmq_msg_data(&m), *rid_len);
			zmq_msg_close(&m);
			zmq_msg_init(&m);
		}
		zmq_msg_recv(&m, s, 0);
		wire_decode(zmq_msg_data(&m), zmq_msg_size(&m), 1 << 24, &f, &why);
		zmq_msg_close(&m);
		if (f && (want == CARENET__FRAME__BODY__NOT_SET || f->body_case == want))
			return f;
		wire_free(&f);
	}
	return NULL;
}

uint64_t probe_lane_cursor(Carenet__LaneCursor **c, size_t n, unsigned lane)
{
	for (size_t i = 0; i < n; i++)
		if (c[i]->lane == lane)
			return c[i]->seq;
	return 0;
}

/* As a child after HELLO/WELCOME: crafted item batches up the link. */
static int run_items(struct probe *p, void *s)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__StatusUpdate st = CARENET__STATUS_UPDATE__INIT;
	Carenet__Directive dv = CARENET__DIRECTIVE__INIT;
	Carenet__Targets tg = CARENET__TARGETS__INIT;
	Carenet__Announce an = CARENET__ANNOUNCE__INIT;
	Carenet__Finding fd = CARENET__FINDING__INIT;
	ProtobufCBinaryData own[WIRE_MAX_CHAIN];
	Carenet__Frame *w, *a;
	uint8_t *msg = NULL, *hello;
	size_t mlen, hlen;
	uint64_t seq;
	int acks = 0;
	uint64_t last, acked = 0;
	char *ids[1], fid[64]; /* fid: the forged finding's id, alive until it is signed */

	if (hello_bytes(p, &hello, &hlen) != 0)
		return 1;
	zmq_send(s, hello, hlen, 0);
	free(hello);
	if (!(w = probe_wait_frame(s, 3000, CARENET__FRAME__BODY_WELCOME, 0, NULL, NULL))) {
		printf("{\"result\": \"no_welcome\"}\n");
		return 1;
	}
	seq = probe_lane_cursor(w->welcome->cursors, w->welcome->n_cursors, 1) + 1;
	wire_free(&w);
	it.lane = 1;
	it.origin_seq = probe_realtime_us(); /* above any real sequence, fresh each run */
	if (!strcmp(p->mode, "directive")) {
		ids[0] = (char *)(p->target ? p->target : "530102001001");
		tg.ids = ids;
		tg.n_ids = 1;
		dv.kind = 1;
		dv.title = "forged";
		dv.targets = &tg;
		dv.expanded = ids;
		dv.n_expanded = 1;
		dv.due = util_now() + 86400;
		it.body_case = CARENET__ITEM__BODY_DIRECTIVE;
		it.directive = &dv;
	} else if (!strcmp(p->mode, "finding-forged")) { /* an office posing as an inspector */
		snprintf(fid, sizeof(fid), "%s-f1", pki_self_identity(p->self)->id);
		fd.id = fid;
		fd.office = (char *)(p->target ? p->target : pki_self_identity(p->self)->id);
		fd.indicator = "rights.edu.needs";
		fd.result = "pass";
		fd.method = "现场查看";
		fd.note = "forged";
		fd.at = util_now();
		it.body_case = CARENET__ITEM__BODY_FINDING;
		it.finding = &fd;
	} else if (!strcmp(p->mode, "announce-forged")) {
		const uint8_t *const *der;
		const size_t *dl;
		size_t n = pki_self_chain(p->self, &der, &dl);
		for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++)
			own[i] = (ProtobufCBinaryData){dl[i], (uint8_t *)der[i]};
		an.id = (char *)(p->target ? p->target : "530102001099");
		an.role = "village";
		an.name = "forged office";
		an.chain = own;
		an.n_chain = n < WIRE_MAX_CHAIN ? n : WIRE_MAX_CHAIN;
		it.body_case = CARENET__ITEM__BODY_ANNOUNCE;
		it.announce = &an;
	} else {
		st.directive = (char *)(p->directive ? p->directive : "530102-1");
		st.state = 4;
		it.body_case = CARENET__ITEM__BODY_STATUS;
		it.status = &st;
	}
	if (probe_signed_item(p, &it, !strcmp(p->mode, "status-forged") ? p->curve_key : NULL, &msg,
	                &mlen) != 0)
		return 1;
	probe_send_batch(s, NULL, 0, 1, seq, msg, mlen, p->self);
	if (!strcmp(p->mode, "replay")) {
		probe_send_batch(s, NULL, 0, 1, seq, msg, mlen, p->self);     /* same link seq */
		probe_send_batch(s, NULL, 0, 1, seq + 1, msg, mlen, p->self); /* same item, new seq */
	}
	/* Acks are cumulative (one may cover several frames, as in a replay
	 * applied in one turn): wait for the last sequence sent. */
	last = !strcmp(p->mode, "replay") ? seq + 1 : seq;
	while (acked < last &&
	       (a = probe_wait_frame(s, p->wait_ms, CARENET__FRAME__BODY_ACK, 0, NULL, NULL))) {
		acks++;
		if (a->ack->lane == 1 && a->ack->seq > acked)
			acked = a->ack->seq;
		wire_free(&a);
	}
	printf("{\"result\": \"%s\", \"acks\": %d, \"seq\": %llu, \"acked_seq\": %llu}\n",
	       acks ? "acked" : "none", acks, (unsigned long long)seq, (unsigned long long)acked);
	free(msg);
	return 0;
}

/* summary-foreign: after HELLO/WELCOME, a Summary that reports this office
 * and --target (an office outside its subtree) as up; prints whether the
 * parent's WELCOME offered summaries. The parent must refuse it whole. */
static int run_summary(struct probe *p, void *s)
{
	Carenet__Frame f = CARENET__FRAME__INIT, *w;
	Carenet__Summary sm = CARENET__SUMMARY__INIT;
	Carenet__OfficeHealth rows[2], *rp[2];
	uint8_t *buf;
	size_t len;
	int offered;

	if (hello_bytes(p, &buf, &len) != 0)
		return 1;
	zmq_send(s, buf, len, 0);
	free(buf);
	if (!(w = probe_wait_frame(s, 3000, CARENET__FRAME__BODY_WELCOME, 0, NULL, NULL))) {
		printf("{\"result\": \"no_welcome\"}\n");
		return 1;
	}
	offered = w->welcome->summaries;
	wire_free(&w);
	for (int i = 0; i < 2; i++) {
		carenet__office_health__init(&rows[i]);
		rows[i].id = (char *)(i ? (p->target ? p->target : "530102002001")
		                        : pki_self_identity(p->self)->id);
		rows[i].state = 1;
		rows[i].version = "9.9.9-forged";
		rows[i].last_seen = util_now();
		rp[i] = &rows[i];
	}
	sm.offices = rp;
	sm.n_offices = 2;
	f.body_case = CARENET__FRAME__BODY_SUMMARY;
	f.summary = &sm;
	if (wire_encode(&f, &buf, &len) != 0)
		return 1;
	zmq_send(s, buf, len, 0);
	free(buf);
	zmq_poll(NULL, 0, p->wait_ms);
	printf("{\"result\": \"sent\", \"summaries_offered\": %s}\n", offered ? "true" : "false");
	return 0;
}

/* Reads the node's answers for wait_ms; prints the last one as JSON. */
static void report(struct probe *p, void *s, int hs)
{
	zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
	uint64_t end = util_mono_us() + (uint64_t)p->wait_ms * 1000;
	const char *result = hs == 1 ? "none" : hs == 0 ? "curve_refused" : "no_handshake";
	char reason[600] = "", peer[64] = "";
	uint32_t code = 0;

	while (hs == 1 && util_mono_us() < end) {
		zmq_msg_t m;
		Carenet__Frame *f = NULL;
		const char *why;
		if (zmq_poll(&it, 1, 50) <= 0)
			continue;
		zmq_msg_init(&m);
		zmq_msg_recv(&m, s, 0);
		if (wire_decode(zmq_msg_data(&m), zmq_msg_size(&m), 1 << 24, &f, &why) == 0) {
			if (f->body_case == CARENET__FRAME__BODY_WELCOME) {
				struct pki_identity id;
				result = "welcome";
				(void)id;
			} else if (f->body_case == CARENET__FRAME__BODY_REFUSE) {
				result = "refuse";
				code = f->refuse->code;
				snprintf(reason, sizeof(reason), "%s", f->refuse->reason);
			}
			wire_free(&f);
		}
		zmq_msg_close(&m);
		if (strcmp(result, "none") != 0)
			break;
	}
	for (char *c = reason; *c; c++)
		if (*c == '"' || *c == '\\')
			*c = '\'';
	printf("{\"result\": \"%s\", \"code\": %u, \"error\": \"%s\", \"reason\": \"%s\"%s}\n",
	       result, code, code ? cn_errname(-(int)code) : "", reason, peer);
}

static int is_item_mode(const char *m)
{
	return !strcmp(m, "status-forged") || !strcmp(m, "directive") || !strcmp(m, "replay") ||
	       !strcmp(m, "announce-forged") || !strcmp(m, "status-future") ||
	       !strcmp(m, "finding-forged");
}

static int run_send(struct probe *p)
{
	void *mon, *s = connect_dealer(p, &mon);
	int hs = wait_handshake(mon, 3000), rc = 0;

	if (is_item_mode(p->mode) || !strcmp(p->mode, "summary-foreign")) {
		rc = hs != 1 || !p->self                   ? 1
		     : !strcmp(p->mode, "summary-foreign") ? run_summary(p, s)
		                                           : run_items(p, s);
		zmq_socket_monitor(s, NULL, 0);
		zmq_close(mon);
		zmq_close(s);
		return rc;
	}
	for (int i = 0; hs == 1 && i < p->count && rc == 0; i++)
		rc = send_mode(p, s);
	report(p, s, hs);
	zmq_socket_monitor(s, NULL, 0);
	zmq_close(mon);
	zmq_close(s);
	return rc == CN_EUSAGE ? 2 : 0;
}

/* Benchmark: sequential connections, each CURVE handshake + HELLO/WELCOME. */
static int run_handshakes(struct probe *p)
{
	uint64_t t0 = util_mono_us();
	int ok = 0;
	uint8_t *hello;
	size_t hlen;

	if (hello_bytes(p, &hello, &hlen) != 0)
		return 1;
	for (int i = 0; i < p->handshakes; i++) {
		void *mon, *s = connect_dealer(p, &mon);
		zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
		if (wait_handshake(mon, 3000) == 1 && zmq_send(s, hello, hlen, 0) >= 0 &&
		    zmq_poll(&it, 1, 3000) == 1) {
			zmq_msg_t m;
			zmq_msg_init(&m);
			zmq_msg_recv(&m, s, 0);
			zmq_msg_close(&m);
			ok++;
		}
		zmq_socket_monitor(s, NULL, 0);
		zmq_close(mon);
		zmq_close(s);
	}
	double secs = (double)(util_mono_us() - t0) / 1e6;
	printf("{\"handshakes\": %d, \"ok\": %d, \"seconds\": %.3f, \"per_second\": %.1f}\n",
	       p->handshakes, ok, secs, ok / secs);
	free(hello);
	return ok == p->handshakes ? 0 : 1;
}

static const struct args_opt probe_opts[] = {
    {"endpoint", ARGS_LONG('e'), "E", "the node to connect to"},
    {"server-cert", ARGS_LONG('s'), "PEM", "that node's certificate (its CURVE key)"},
    {"identity", ARGS_LONG('i'), "DIR", "an office's keys to say HELLO with"},
    {"curve-key", ARGS_LONG('k'), "FILE",
     "this CURVE key instead of the identity's; with an item\n"
     "MODE, the identity dir of the forger"},
    {"send", ARGS_LONG('m'), "MODE", "what to send (the modes above; default hello)"},
    {"count", ARGS_LONG('n'), "N", "send it N times (default 1)"},
    {"size", ARGS_LONG('z'), "N", "oversize: the frame's length (default 2 MiB)"},
    {"wait", ARGS_LONG('w'), "MS", "how long to wait for answers (default 2000)"},
    {"handshakes", ARGS_LONG('H'), "N", "N CURVE handshakes in a row, timed"},
    {"serve", ARGS_LONG('S'), "ENDPOINT", "play a parent bound to ENDPOINT"},
    {"target", ARGS_LONG('t'), "ID", "--serve: the directive's target"},
    {"directive", ARGS_LONG('d'), "ID", "the directive a status item is about (default 530102-1)"},
    {"body-size", ARGS_LONG('B'), "N", "--serve: a directive body this large (default none)"},
    {0}};
static const struct args_cmd probe_cmd = {
    "carenet-probe",
    "--endpoint E --server-cert PEM [--identity DIR] [--curve-key FILE] --send MODE\n"
    "--endpoint E --server-cert PEM --identity DIR --handshakes N\n"
    "--serve ENDPOINT --identity DIR --send MODE [--target ID] [--wait MS]",
    "A misbehaving (or well-behaved) peer for the network tests and benchmarks.\n"
    "MODE: hello, garbage, oversize, truncated, unknown, ping, multipart;\n"
    "after a completed HELLO: status-forged, directive, replay (tests/probe.c).\n"
    "Prints one JSON object: what the node answered.\n",
    probe_opts, NULL};

/* 0, 1 after --help, 2 (a usage error, printed). */
static int probe_parse(int argc, char **argv, struct probe *p)
{
	struct args g;
	int ch;

	args_begin(&g, &probe_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		switch (ch) {
		case ARGS_LONG('e'):
			p->endpoint = g.val;
			break;
		case ARGS_LONG('s'):
			p->server_cert = g.val;
			break;
		case ARGS_LONG('i'):
			p->identity = g.val;
			break;
		case ARGS_LONG('k'):
			p->curve_key = g.val;
			break;
		case ARGS_LONG('m'):
			p->mode = g.val;
			break;
		case ARGS_LONG('n'):
			p->count = atoi(g.val);
			break;
		case ARGS_LONG('z'):
			p->size = (size_t)atol(g.val);
			break;
		case ARGS_LONG('w'):
			p->wait_ms = atoi(g.val);
			break;
		case ARGS_LONG('H'):
			p->handshakes = atoi(g.val);
			break;
		case ARGS_LONG('S'):
			p->serve = g.val;
			break;
		case ARGS_LONG('t'):
			p->target = g.val;
			break;
		case ARGS_LONG('d'):
			p->directive = g.val;
			break;
		case ARGS_LONG('B'):
			p->body_size = (size_t)atol(g.val);
			break;
		default:
			return g.exit == 0 ? 1 : 2;
		}
	}
	return args_operands(&g, 0, 0);
}

int main(int argc, char **argv)
{
	struct probe p = {.count = 1, .wait_ms = 2000, .size = 2 << 20, .mode = "hello"};
	int rc;

	if ((rc = probe_records_main(argc, argv)) >= 0) /* tests/probe_records.c: record-* */
		return rc;
	if ((rc = probe_reports_main(argc, argv)) >= 0) /* tests/probe_reports.c: report-* */
		return rc;
	if ((rc = probe_above_main(argc, argv)) >= 0) /* tests/probe_above.c: tally-other */
		return rc;
	if ((rc = probe_rollup_main(argc, argv)) >= 0) /* tests/probe_rollup.c: rollup-* */
		return rc;
	if ((rc = probe_apply_main(argc, argv)) >= 0) /* tests/probe_apply.c: flood-* modes */
		return rc;
	if ((rc = probe_parse(argc, argv, &p)) != 0)
		return rc == 1 ? 0 : rc;
	if (p.serve) {
		const char *ck = p.curve_key;
		p.curve_key = NULL;
		if (!p.identity || load_identity(&p) != 0)
			return 2;
		p.curve_key = ck;
		p.ctx = zmq_ctx_new();
		rc = probe_serve(&p);
		pki_self_free(&p.self);
		zmq_ctx_term(p.ctx);
		return rc;
	}
	if (!p.endpoint || !p.server_cert) {
		fprintf(stderr, "carenet-probe: --endpoint and --server-cert are required\n");
		return 2;
	}
	if (is_item_mode(p.mode)) { /* --curve-key names the forger's identity dir here */
		const char *forger = p.curve_key;
		p.curve_key = NULL;
		if (pki_cert_file_curve(p.server_cert, p.server) != 0 || load_identity(&p) != 0)
			return 1;
		p.curve_key = forger;
		p.ctx = zmq_ctx_new();
		rc = run_send(&p);
		pki_self_free(&p.self);
		zmq_ctx_term(p.ctx);
		return rc;
	}
	if (pki_cert_file_curve(p.server_cert, p.server) != 0 || load_identity(&p) != 0) {
		fprintf(stderr, "carenet-probe: cannot load keys\n");
		return 1;
	}
	p.ctx = zmq_ctx_new();
	if (probe_link_mode(p.mode)) /* link-layer attacks: tests/probe_link.c */
		rc = probe_link_run(&(struct probe_link_args){p.ctx, p.mode, p.endpoint, p.server, p.pub,
		                                              p.sec, p.self, p.count, p.wait_ms, p.size});
	else
		rc = p.handshakes > 0 ? run_handshakes(&p) : run_send(&p);
	pki_self_free(&p.self);
	zmq_ctx_term(p.ctx);
	return rc;
}
