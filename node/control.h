/*
 * control: the operator's channel to its own node.
 *
 * The node binds a ZMQ ROUTER at ipc://<data_dir>/control.sock (the data
 * directory is 0700, so only the node's user can connect). Requests and
 * replies are one protobuf frame each (proto/control.proto): a request is
 * a oneof of typed messages, dispatched by one table in control.c indexed
 * by the oneof case; the domain's requests go on to roles_control().
 *
 * Client side (CLI tools, demo, web; control_client.c): control_call()
 * connects, sends one request, waits up to timeout_ms for the reply.
 *
 * Server side (node.c): control_open() with a struct control_env, the
 * node's narrow face to the control server (the pattern of roles_env):
 * control.c sees no struct node and calls nothing in node.c directly.
 * Thread: the node's loop thread only.
 */
#ifndef CARENET_CONTROL_H
#define CARENET_CONTROL_H

#include <stdint.h>

#include <lmdb.h>

#include "control.pb-c.h"
#include "pki.h"

#define CONTROL_SOCKET_NAME "control.sock"

/* Sets req's oneof to type with member msg (NULL: an Empty, for the
 * requests that carry nothing). msg stays the caller's. CN_EINVAL if type
 * is not a member of the oneof, or msg is NULL for a member that is not
 * an Empty. */
int control_request_set(Carenet__ControlRequest *req, Carenet__ControlRequest__RequestCase type,
                        void *msg);

/* The control socket of data_dir: its file into path, its endpoint
 * ("ipc://" path) into ep; CN_EINVAL if the path is over 107 bytes. */
int control_endpoint(const char *data_dir, char *ep, size_t eplen, char *path, size_t pathlen);

/* One request / reply exchange. Errors: CN_EUNREACH (nothing listens: the
 * node is not running, or its socket is stale), CN_ETIMEOUT (no answer in
 * time), CN_ESTOPPED (the node's process ended before it answered), CN_EIO,
 * CN_EPROTO, CN_EINVAL (socket path too long), CN_ENOMEM.
 * Caller frees *reply with carenet__control_reply__free_unpacked. */
int control_call(const char *data_dir, const Carenet__ControlRequest *req, int timeout_ms,
                 Carenet__ControlReply **reply);

/* Server side. The pointers must outlive the control server; every
 * callback gets arg. Callbacks return 0 or a negative CN_E* error. */
struct store;
struct roles;
struct control_env {
	void *arg;
	const struct pki_identity *me; /* this office */
	struct store *store;
	struct roles *roles;           /* the domain's requests: roles_control() */
	uint64_t (*now)(void *arg);    /* the node's clock, test offset included */
	int (*reload)(void *arg);      /* as SIGHUP */
	void (*stop)(void *arg);       /* as SIGTERM */
	/* The node's part of st: started, listen, counters, parent, children,
	 * inspectors. What it allocates in st is released by status_free. */
	int (*status)(void *arg, Carenet__Status *st);
	void (*status_free)(void *arg, Carenet__Status *st);
	/* The test clock: moves it forward by advance seconds (0: no change)
	 * and gives the offset. CN_EPERM if advance != 0 on a real clock. */
	int (*clock)(void *arg, int64_t advance, int64_t *offset);
	/* A revocation list: verify and add it to the trust store (sessions are
	 * rechecked); CN_EVERIFY & co. when it does not verify. */
	int (*crl_trust)(void *arg, const uint8_t *der, size_t len);
	/* Keeps a revocation list in the store (node_crl_persist). */
	int (*crl_persist)(void *arg, MDB_txn *txn, const char *origin, const uint8_t *der,
	                   size_t len);
	/* One write transaction through the delivery engine (deliver_write),
	 * and an item emitted inside it (deliver_emit). */
	int (*write)(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg);
	/* fn in one write transaction in which every write is nested
	 * (deliver_group). */
	int (*group)(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg);
	int (*emit)(void *arg, MDB_txn *txn, Carenet__Item *item);
};

struct control;
/* Binds the socket. Errors: CN_ECONFIG (path too long), CN_EIO, CN_ENOMEM. */
int control_open(void *zctx, const char *data_dir, const struct control_env *env,
                 struct control **out);
void control_close(struct control **ctl);
void *control_socket(struct control *ctl);
/* Reads one request from the socket, dispatches it, answers it. */
void control_dispatch(struct control *ctl);
/* Serves up to max waiting requests. Queued `directive issue` and `ack`
 * requests are written in one transaction through env.group (each its own
 * nested transaction, all their items under one signature, one sync), and
 * answered after its commit. */
void control_serve(struct control *ctl, int max);
/* 1 if a request is waiting on the socket. */
int control_pending(struct control *ctl);

#endif
