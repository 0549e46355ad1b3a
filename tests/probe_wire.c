/* probe_wire: see probe_wire.h. */
#include "probe_wire.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <zmq.h>

#include "err.h"
#include "util.h"

int probe_send_frame(void *s, const Carenet__Frame *f)
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

Carenet__Frame *probe_recv_frame(void *s, int ms)
{
	zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
	Carenet__Frame *f = NULL;
	const char *why;
	zmq_msg_t m;

	if (zmq_poll(&it, 1, ms) <= 0)
		return NULL;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, s, 0) >= 0)
		wire_decode(zmq_msg_data(&m), zmq_msg_size(&m), 1 << 24, &f, &why);
	zmq_msg_close(&m);
	return f;
}

void *probe_connect(void *ctx, const char *endpoint, const char *server_cert,
                    const struct pki_self *self)
{
	char server[41], pub[41], sec[41];
	void *s;
	int zero = 0;

	if (pki_cert_file_curve(server_cert, server) != 0 || !(s = zmq_socket(ctx, ZMQ_DEALER)))
		return NULL;
	pki_self_curve(self, pub, sec);
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 40);
	zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
	OPENSSL_cleanse(sec, sizeof(sec));
	zmq_connect(s, endpoint);
	return s;
}

int probe_hello(void *s, const struct pki_self *self, unsigned lane, uint64_t *seq)
{
	Carenet__Frame fr = CARENET__FRAME__INIT, *w;
	Carenet__Hello h = CARENET__HELLO__INIT;
	ProtobufCBinaryData chain[WIRE_MAX_CHAIN];
	const uint8_t *const *der;
	const size_t *dl;
	size_t n = pki_self_chain(self, &der, &dl);
	uint64_t end = util_mono_us() + 5000000u;

	for (size_t i = 0; i < n && i < WIRE_MAX_CHAIN; i++) {
		chain[i].data = (uint8_t *)der[i];
		chain[i].len = dl[i];
	}
	h.version = WIRE_VERSION;
	h.chain = chain;
	h.n_chain = n < WIRE_MAX_CHAIN ? n : WIRE_MAX_CHAIN;
	fr.body_case = CARENET__FRAME__BODY_HELLO;
	fr.hello = &h;
	if (probe_send_frame(s, &fr) != 0)
		return -1;
	while (util_mono_us() < end) {
		if (!(w = probe_recv_frame(s, 100)))
			continue;
		if (w->body_case == CARENET__FRAME__BODY_WELCOME) {
			*seq = 1;
			for (size_t i = 0; i < w->welcome->n_cursors; i++)
				if (w->welcome->cursors[i]->lane == lane)
					*seq = w->welcome->cursors[i]->seq + 1;
			wire_free(&w);
			return 0;
		}
		wire_free(&w);
	}
	return -1;
}

int probe_identity_load(const char *dir, struct pki_self **self)
{
	char *k = util_path_join(dir, "node.key"), *c = util_path_join(dir, "node.pem");
	char *ch = util_path_join(dir, "chain.pem"), *cu = util_path_join(dir, "curve.key");
	char why[256] = "";
	int rc = k && c && ch && cu ? pki_self_load(k, c, ch, cu, self, why, sizeof(why))
	                            : CN_ENOMEM;

	if (rc != 0)
		fprintf(stderr, "carenet-probe: identity %s: %s\n", dir, why[0] ? why : cn_strerror(rc));
	free(k), free(c), free(ch), free(cu);
	return rc;
}
