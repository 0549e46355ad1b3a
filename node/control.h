/*
 * control: the operator's channel to its own node.
 *
 * The node binds a ZMQ ROUTER at ipc://<data_dir>/control.sock (the data
 * directory is 0700, so only the node's user can connect). Requests and
 * replies are one protobuf frame each (proto/control.proto).
 *
 * Client side (CLI tools, demo): control_request() connects, sends one
 * request, waits up to timeout_ms for the reply.
 * Errors: CN_EUNREACH (no socket / no answer in time), CN_EPROTO,
 * CN_ENOMEM. Caller frees *reply with carenet__control_reply__free_unpacked.
 */
#ifndef CARENET_CONTROL_H
#define CARENET_CONTROL_H

#include "control.pb-c.h"

#define CONTROL_SOCKET_NAME "control.sock"

int control_request(const char *data_dir, const char *command, const char *const *args,
                    size_t nargs, int timeout_ms, Carenet__ControlReply **reply);
/* The same with a whole request. Errors: CN_EUNREACH (nothing listens: the
 * node is not running, or its socket is stale), CN_ETIMEOUT (no answer in
 * time), CN_EIO, CN_EPROTO, CN_EINVAL (socket path too long), CN_ENOMEM. */
int control_call(const char *data_dir, const Carenet__ControlRequest *req, int timeout_ms,
                 Carenet__ControlReply **reply);

/* Server side, used by node.c: */
struct node;
struct control;
int control_open(void *zctx, const char *data_dir, struct control **out);
void control_close(struct control **ctl);
void *control_socket(struct control *ctl);
/* Reads one request from the socket and answers it via node_control(). */
void control_dispatch(struct control *ctl, struct node *node);

#endif
