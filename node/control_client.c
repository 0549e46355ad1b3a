/*
 * control_client: the client side of the control socket (control.h):
 * control_call for the CLI, the web process and the demo, and
 * control_request_set. Moved out of control.c unchanged.
 */
#define _GNU_SOURCE /* struct ucred, SO_PEERCRED */
#include "control.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <zmq.h>

#include "err.h"
#include "util.h"

/*
 * 0 if something listens on the control socket, CN_EUNREACH if the socket
 * file is missing or stale (a node killed with SIGKILL leaves it behind:
 * without this check a request would wait for the whole timeout); the
 * node's pid into *pid, from SO_PEERCRED (0 if unknown).
 */
static int listening(const char *path, pid_t *pid)
{
	struct sockaddr_un sa;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return CN_EINVAL;
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return CN_EIO;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : CN_EUNREACH;
	*pid = rc == 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 ? cred.pid : 0;
	close(fd);
	return rc;
}

/* The answer is awaited in slices this long; between them, whether the node
 * still runs (a node killed mid-request never answers: say so at once
 * rather than at the end of the timeout). */
#define EXCHANGE_SLICE_MS 200

static int gone(pid_t pid)
{
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

/* One REQ/REP exchange; CN_ETIMEOUT if the node does not answer in time,
 * CN_ESTOPPED if process pid (the node, when known) ended before it did. */
static int exchange(const char *ep, const uint8_t *buf, size_t len, int timeout_ms, pid_t pid,
                    Carenet__ControlReply **rep)
{
	void *ctx = NULL, *s = NULL;
	zmq_msg_t m;
	int rc = CN_EIO, zero = 0, slice = timeout_ms < EXCHANGE_SLICE_MS ? timeout_ms
	                                                                   : EXCHANGE_SLICE_MS;
	uint64_t end = util_mono_us() + (uint64_t)timeout_ms * 1000;

	zmq_msg_init(&m);
	if (!(ctx = zmq_ctx_new()) || !(s = zmq_socket(ctx, ZMQ_REQ)))
		goto out;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &slice, sizeof(slice));
	zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout_ms, sizeof(timeout_ms));
	if (zmq_connect(s, ep) < 0)
		goto out;
	if (zmq_send(s, buf, len, 0) < 0) {
		rc = zmq_errno() == EAGAIN ? CN_ETIMEOUT : CN_EIO;
		goto out;
	}
	while (zmq_msg_recv(&m, s, 0) < 0) {
		if (zmq_errno() != EAGAIN && zmq_errno() != EINTR) {
			rc = CN_EIO;
			goto out;
		}
		if (gone(pid)) {
			rc = CN_ESTOPPED;
			goto out;
		}
		if (util_mono_us() >= end) {
			rc = CN_ETIMEOUT;
			goto out;
		}
	}
	*rep = carenet__control_reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
	rc = *rep ? 0 : CN_EPROTO;
out:
	zmq_msg_close(&m);
	if (s)
		zmq_close(s);
	if (ctx)
		zmq_ctx_term(ctx);
	return rc;
}

int control_request_set(Carenet__ControlRequest *req, Carenet__ControlRequest__RequestCase type,
                        void *msg)
{
	static Carenet__Empty empty = CARENET__EMPTY__INIT; /* only ever read */
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
	    &carenet__control_request__descriptor, (unsigned)type);

	if (type == CARENET__CONTROL_REQUEST__REQUEST__NOT_SET || !f ||
	    f->type != PROTOBUF_C_TYPE_MESSAGE || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) == 0)
		return CN_EINVAL;
	if (!msg && f->descriptor != &carenet__empty__descriptor)
		return CN_EINVAL; /* this member carries fields: give its message */
	*(void **)((char *)req + f->offset) = msg ? msg : &empty;
	req->request_case = type;
	return 0;
}

int control_call(const char *data_dir, const Carenet__ControlRequest *req, int timeout_ms,
                 Carenet__ControlReply **reply)
{
	char ep[600], path[512];
	uint8_t *buf;
	size_t len;
	pid_t pid = 0;
	int rc;

	*reply = NULL;
	if (control_endpoint(data_dir, ep, sizeof(ep), path, sizeof(path)) != 0)
		return CN_EINVAL;
	if ((rc = listening(path, &pid)) != 0)
		return rc;
	len = carenet__control_request__get_packed_size(req);
	if (!(buf = malloc(len ? len : 1)))
		return CN_ENOMEM;
	carenet__control_request__pack(req, buf);
	rc = exchange(ep, buf, len, timeout_ms, pid, reply);
	free(buf);
	return rc;
}
