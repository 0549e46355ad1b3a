/* probe_link: link-layer attacks for carenet-probe (see probe_link.h). */
#include "probe_link.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "err.h"
#include "util.h"
#include "probe_wire.h"
#include "wire.h"

#define FLOOD_MAX 64     /* connections one flood opens */
#define ROTATE_PINGS 6   /* pings before HELLO per key: one over limits.ban_after's default */
#define ROTATE_REFUSES 5 /* refusals that mean the key was banned (ban_after's default) */

static void setint(void *s, int opt, int v)
{
	zmq_setsockopt(s, opt, &v, sizeof(v));
}

/* A CURVE client DEALER with keys pub/sec; *mon (if mon) reports the handshake. */
static void *dealer(const struct probe_link_args *a, const char *pub, const char *sec, int sndhwm,
                    void **mon)
{
	static int n;
	void *s = zmq_socket(a->ctx, ZMQ_DEALER);
	char ep[64];

	setint(s, ZMQ_LINGER, 0);
	setint(s, ZMQ_SNDHWM, sndhwm);
	setint(s, ZMQ_IMMEDIATE, 1);
	zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, a->server, 40);
	zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
	if (mon) {
		snprintf(ep, sizeof(ep), "inproc://probe-link-mon-%d", n++);
		zmq_socket_monitor(s, ep,
		                   ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
		                       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
		                       ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
		*mon = zmq_socket(a->ctx, ZMQ_PAIR);
		zmq_connect(*mon, ep);
	}
	zmq_connect(s, a->endpoint);
	return s;
}

static void close_dealer(void *s, void *mon)
{
	if (mon) {
		zmq_socket_monitor(s, NULL, 0);
		zmq_close(mon);
	}
	zmq_close(s);
}

/* The CURVE handshake: 1 done, 0 refused, -1 no answer within ms. */
static int handshake(void *mon, int ms)
{
	zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
	uint64_t end = util_mono_us() + (uint64_t)ms * 1000;

	while (util_mono_us() < end) {
		zmq_msg_t m;
		uint16_t ev = 0;
		if (zmq_poll(&it, 1, 20) <= 0)
			continue;
		zmq_msg_init(&m);
		zmq_msg_recv(&m, mon, 0);
		if (zmq_msg_size(&m) >= 2)
			memcpy(&ev, zmq_msg_data(&m), 2);
		zmq_msg_close(&m);
		zmq_msg_init(&m);
		zmq_msg_recv(&m, mon, 0);
		zmq_msg_close(&m);
		return ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ? 1 : 0;
	}
	return -1;
}

static int send_hello(void *s, const struct pki_self *self)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Hello h = CARENET__HELLO__INIT;
	ProtobufCBinaryData chain[WIRE_MAX_CHAIN];
	const uint8_t *const *der;
	const size_t *dl;
	size_t n = self ? pki_self_chain(self, &der, &dl) : 0;

	for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++) {
		chain[i].data = (uint8_t *)der[i];
		chain[i].len = dl[i];
	}
	h.version = WIRE_VERSION;
	h.chain = chain;
	h.n_chain = n < WIRE_MAX_CHAIN ? n : WIRE_MAX_CHAIN;
	f.body_case = CARENET__FRAME__BODY_HELLO;
	f.hello = &h;
	return probe_send_frame(s, &f);
}

static int send_ping(void *s, uint64_t nonce)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Ping pg = CARENET__PING__INIT;

	pg.nonce = nonce;
	pg.sent_us = util_mono_us();
	f.body_case = CARENET__FRAME__BODY_PING;
	f.ping = &pg;
	return probe_send_frame(s, &f);
}

/* Waits up to ms for a WELCOME (1) or a Refuse (0); -1: neither. */
static int await_welcome(void *s, int ms)
{
	uint64_t end = util_mono_us() + (uint64_t)ms * 1000;

	while (util_mono_us() < end) {
		Carenet__Frame *f = probe_recv_frame(s, 50);
		int kind = !f ? -1
		           : f->body_case == CARENET__FRAME__BODY_WELCOME ? 1
		           : f->body_case == CARENET__FRAME__BODY_REFUSE  ? 0
		                                                          : -1;
		wire_free(&f);
		if (kind >= 0)
			return kind;
	}
	return -1;
}

static void drain(void *s)
{
	zmq_msg_t m;

	zmq_msg_init(&m);
	while (zmq_msg_recv(&m, s, ZMQ_DONTWAIT) >= 0)
		;
	zmq_msg_close(&m);
}

/* Many fresh keys at once, each pushing frames of a->size bytes before HELLO. */
static int run_flood(const struct probe_link_args *a)
{
	void *s[FLOOD_MAX];
	zmq_pollitem_t it[FLOOD_MAX];
	int n = a->count < FLOOD_MAX ? a->count : FLOOD_MAX;
	uint64_t sent = 0, t0 = util_mono_us(), end = t0 + (uint64_t)a->wait_ms * 1000;
	uint8_t *buf = malloc(a->size ? a->size : 1);

	if (!buf || n < 1)
		return 1;
	for (size_t i = 0; i < a->size; i++)
		buf[i] = (uint8_t)(0xff - (i * 7));
	for (int i = 0; i < n; i++) {
		char pub[41], sec[41];
		zmq_curve_keypair(pub, sec);
		s[i] = dealer(a, pub, sec, 2, NULL);
		it[i] = (zmq_pollitem_t){s[i], 0, ZMQ_POLLOUT, 0};
	}
	while (util_mono_us() < end) {
		for (int i = 0; i < n; i++) {
			for (int k = 0; k < 4 && zmq_send(s[i], buf, a->size, ZMQ_DONTWAIT) >= 0; k++)
				sent++;
			drain(s[i]);
		}
		zmq_poll(it, n, 10);
	}
	printf("{\"result\": \"flooded\", \"conns\": %d, \"sent\": %llu, \"bytes\": %llu, "
	       "\"seconds\": %.1f}\n",
	       n, (unsigned long long)sent, (unsigned long long)(sent * a->size),
	       (double)(util_mono_us() - t0) / 1e6);
	for (int i = 0; i < n; i++)
		close_dealer(s[i], NULL);
	free(buf);
	return 0;
}

/* One fresh key: 1 banned (ROTATE_REFUSES refusals), 0 accepted and not
 * banned, -1 refused by the node's ZAP, -2 no handshake. */
static int rotate_one(const struct probe_link_args *a)
{
	char pub[41], sec[41];
	void *mon, *s;
	int hs, refuses = 0;
	uint64_t end;

	zmq_curve_keypair(pub, sec);
	s = dealer(a, pub, sec, 1000, &mon);
	hs = handshake(mon, 2000);
	for (int i = 0; hs == 1 && i < ROTATE_PINGS; i++)
		send_ping(s, (uint64_t)i + 1);
	end = util_mono_us() + 2000000u;
	while (hs == 1 && refuses < ROTATE_REFUSES && util_mono_us() < end) {
		Carenet__Frame *f = probe_recv_frame(s, 50);
		if (f && f->body_case == CARENET__FRAME__BODY_REFUSE)
			refuses++;
		wire_free(&f);
	}
	close_dealer(s, mon);
	return hs == 1 ? refuses >= ROTATE_REFUSES : hs == 0 ? -1 : -2;
}

static int run_rotate(const struct probe_link_args *a)
{
	int r[4] = {0}; /* no handshake, ZAP refused, accepted, banned */
	uint64_t t0 = util_mono_us();

	for (int i = 0; i < a->count; i++)
		r[rotate_one(a) + 2]++;
	printf("{\"result\": \"rotated\", \"keys\": %d, \"banned\": %d, \"accepted\": %d, "
	       "\"curve_refused\": %d, \"no_handshake\": %d, \"seconds\": %.1f}\n",
	       a->count, r[3], r[2], r[1], r[0], (double)(util_mono_us() - t0) / 1e6);
	return 0;
}

/* An enrolled key: HELLO, then garbage after the WELCOME. */
static int run_hello_garbage(const struct probe_link_args *a)
{
	void *mon, *s = dealer(a, a->pub, a->sec, 1000, &mon);
	int hs = handshake(mon, 3000), welcome = -1;
	uint8_t junk[64];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(0xff - (i * 7));
	if (hs == 1 && send_hello(s, a->self) == 0)
		welcome = await_welcome(s, 3000);
	for (int i = 0; welcome == 1 && i < a->count; i++)
		zmq_send(s, junk, sizeof(junk), 0);
	if (welcome == 1) /* let them leave before the socket closes */
		probe_recv_frame(s, a->wait_ms);
	printf("{\"result\": \"%s\", \"garbage\": %d}\n",
	       hs == 0         ? "curve_refused"
	       : welcome == 1  ? "welcome"
	       : welcome == 0  ? "refuse"
	                       : "none",
	       welcome == 1 ? a->count : 0);
	close_dealer(s, mon);
	return 0;
}

/* Pings on B for wait_ms; counts the node's answers there. */
static void watch_session(void *b, int wait_ms, int *pongs, int *refused, int *alive)
{
	uint64_t end = util_mono_us() + (uint64_t)wait_ms * 1000, next = 0, nonce = 1000;

	while (util_mono_us() < end) {
		Carenet__Frame *f;
		if (util_mono_us() >= next) {
			send_ping(b, ++nonce);
			next = util_mono_us() + 200000u;
		}
		if (!(f = probe_recv_frame(b, 20)))
			continue;
		if (f->body_case == CARENET__FRAME__BODY_PONG)
			(*pongs)++;
		else if (f->body_case == CARENET__FRAME__BODY_REFUSE)
			(*refused)++;
		wire_free(&f);
	}
	/* Alive: a last ping is still answered. */
	send_ping(b, ++nonce);
	end = util_mono_us() + 2000000u;
	while (!*alive && util_mono_us() < end) {
		Carenet__Frame *f = probe_recv_frame(b, 50);
		*alive = f && f->body_case == CARENET__FRAME__BODY_PONG && f->pong->nonce == nonce;
		wire_free(&f);
	}
}

/* A child reconnects while frames of its old connection are still queued. */
static int run_reconnect(const struct probe_link_args *a)
{
	void *mona, *monb, *sa, *sb = NULL;
	int welcome = -1, pongs = 0, refused = 0, alive = 0;

	sa = dealer(a, a->pub, a->sec, 1000000, &mona);
	if (handshake(mona, 3000) == 1 && send_hello(sa, a->self) == 0 &&
	    await_welcome(sa, 3000) == 1) {
		sb = dealer(a, a->pub, a->sec, 1000, &monb);
		if (handshake(monb, 3000) == 1) {
			for (int i = 0; i < a->count; i++)
				send_ping(sa, (uint64_t)i + 1);
			send_hello(sb, a->self);
			welcome = await_welcome(sb, 3000);
		}
	}
	if (welcome == 1)
		watch_session(sb, a->wait_ms, &pongs, &refused, &alive);
	printf("{\"result\": \"%s\", \"stale\": %d, \"pongs\": %d, \"refused\": %d, "
	       "\"alive\": %s}\n",
	       welcome == 1 ? "welcome" : welcome == 0 ? "refuse" : "none", a->count, pongs,
	       refused, alive ? "true" : "false");
	if (sb)
		close_dealer(sb, monb);
	close_dealer(sa, mona);
	return 0;
}

int probe_link_mode(const char *mode)
{
	return !strcmp(mode, "flood") || !strcmp(mode, "rotate") ||
	       !strcmp(mode, "hello-garbage") || !strcmp(mode, "reconnect");
}

int probe_link_run(const struct probe_link_args *a)
{
	if (!strcmp(a->mode, "flood"))
		return run_flood(a);
	if (!strcmp(a->mode, "rotate"))
		return run_rotate(a);
	if (!a->self) {
		fprintf(stderr, "carenet-probe: --send %s needs --identity\n", a->mode);
		return 1;
	}
	if (!strcmp(a->mode, "hello-garbage"))
		return run_hello_garbage(a);
	return run_reconnect(a);
}
