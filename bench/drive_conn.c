/* drive_conn: see drive_conn.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "drive_conn.h"

uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int conn_open(struct conn *c, void *zctx, const char *dir)
{
	char ep[600];
	int zero = 0, to = REQ_TIMEOUT_MS;

	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	if (snprintf(ep, sizeof(ep), "ipc://%s/%s", dir, SOCK) >= (int)sizeof(ep))
		return -1;
	if (!(c->s = zmq_socket(zctx, ZMQ_REQ)))
		return -1;
	zmq_setsockopt(c->s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(c->s, ZMQ_RCVTIMEO, &to, sizeof(to));
	zmq_setsockopt(c->s, ZMQ_SNDTIMEO, &to, sizeof(to));
	return zmq_connect(c->s, ep);
}

void conn_close(struct conn *c)
{
	if (c->s)
		zmq_close(c->s);
	c->s = NULL;
}

Carenet__ControlReply *call(struct conn *c, const Carenet__ControlRequest *req)
{
	size_t len = carenet__control_request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	Carenet__ControlReply *rep = NULL;
	zmq_msg_t m;

	if (!buf)
		return NULL;
	carenet__control_request__pack(req, buf);
	zmq_msg_init(&m);
	if (zmq_send(c->s, buf, len, 0) < 0 || zmq_msg_recv(&m, c->s, 0) < 0)
		fprintf(stderr, "bench_drive: %s: request %d to %s: %s\n", c->dir,
		        (int)req->request_case, SOCK,
		        zmq_strerror(zmq_errno()));
	else if (!(rep = carenet__control_reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m))))
		fprintf(stderr, "bench_drive: %s: undecodable reply\n", c->dir);
	zmq_msg_close(&m);
	free(buf);
	return rep;
}

int64_t counter(struct conn *c, const char *name)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__Empty e = CARENET__EMPTY__INIT;
	Carenet__ControlReply *rep;
	int64_t v = -1;

	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_STATUS;
	req.status = &e;
	if (!(rep = call(c, &req)))
		return -1;
	if (rep->code == 0 && rep->status)
		for (size_t i = 0; i < rep->status->n_counters; i++)
			if (strcmp(rep->status->counters[i]->name, name) == 0)
				v = (int64_t)rep->status->counters[i]->value;
	if (v < 0)
		fprintf(stderr, "bench_drive: %s: no counter %s (%s)\n", c->dir, name,
		        rep->code ? rep->error : "status without it");
	carenet__control_reply__free_unpacked(rep, NULL);
	return v;
}
