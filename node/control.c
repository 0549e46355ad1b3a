#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <zmq.h>

#include "audit.h"
#include "deliver.h"
#include "err.h"
#include "link.h"
#include "registry.h"
#include "log.h"
#include "node.h"
#include "roles.h"
#include "util.h"

#define CONTROL_MAX_REQUEST (1 << 20)
#define CONTROL_MAX_PARTS 4

struct control {
	void *sock;
	char path[512]; /* socket file, removed at close */
};

static int endpoint_for(const char *data_dir, char *ep, size_t eplen, char *path, size_t pathlen)
{
	int n = snprintf(path, pathlen, "%s/%s", data_dir, CONTROL_SOCKET_NAME);
	/* sun_path holds 107 bytes; ZeroMQ fails obscurely beyond that. */
	if (n < 0 || (size_t)n >= pathlen || n > 107)
		return CN_EINVAL;
	snprintf(ep, eplen, "ipc://%s", path);
	return 0;
}

int control_open(void *zctx, const char *data_dir, struct control **out)
{
	struct control *c;
	char ep[600];
	int linger = 0;

	*out = NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return CN_ENOMEM;
	if (endpoint_for(data_dir, ep, sizeof(ep), c->path, sizeof(c->path)) != 0) {
		log_error("control: socket path %s/%s is too long (max 107 bytes): use a shorter "
		          "data_dir",
		          data_dir, CONTROL_SOCKET_NAME);
		free(c);
		return CN_ECONFIG;
	}
	unlink(c->path); /* stale from a killed node; the data_dir lock is held */
	c->sock = zmq_socket(zctx, ZMQ_ROUTER);
	if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
	    zmq_bind(c->sock, ep) < 0) {
		log_error("control: cannot bind %s: %s", ep, zmq_strerror(errno));
		if (c->sock)
			zmq_close(c->sock);
		free(c);
		return CN_EIO;
	}
	chmod(c->path, 0600);
	*out = c;
	return 0;
}

void control_close(struct control **cp)
{
	if (!cp || !*cp)
		return;
	zmq_close((*cp)->sock);
	unlink((*cp)->path);
	free(*cp);
	*cp = NULL;
}

void *control_socket(struct control *c)
{
	return c->sock;
}

/* ---------------------------------------------------------------- server */

#define NCTRS (CTR_COUNT + 1) /* + the outbox_pending gauge */

static int fill_status(struct node *n, Carenet__Status *st, Carenet__Counter *ctrs,
                       Carenet__Counter **ctrp)
{
	st->id = (char *)n->me->id;
	st->role = (char *)pki_role_name(n->me->role);
	st->name = (char *)n->me->name;
	st->started = n->started;
	st->listen = n->cfg->listen;
	st->cert_not_after = (uint64_t)n->me->not_after;
	st->pid = (uint32_t)getpid();
	st->version = CARENET_VERSION;
	for (int i = 0; i < CTR_COUNT; i++) {
		carenet__counter__init(&ctrs[i]);
		ctrs[i].name = (char *)node_ctr_name((enum ctr)i);
		ctrs[i].value = n->counters[i];
		ctrp[i] = &ctrs[i];
	}
	carenet__counter__init(&ctrs[CTR_COUNT]);
	ctrs[CTR_COUNT].name = "outbox_pending";
	ctrs[CTR_COUNT].value = deliver_pending(n->deliver);
	ctrp[CTR_COUNT] = &ctrs[CTR_COUNT];
	st->counters = ctrp;
	st->n_counters = NCTRS;
	return link_status(n->link, st);
}

/* Test clock: only with test_clock = true in the node's configuration. */
static int clock_cmd(struct node *n, const Carenet__ControlRequest *req, Carenet__ControlReply *rep)
{
	int64_t adv = req->query ? req->query->advance : 0;
	int rc;

	if (adv != 0 && !n->cfg->test_clock) {
		rep->error =
		    "this node's clock is real: set test_clock = true in its configuration "
		    "to move it (tests and demos only)";
		return CN_EPERM;
	}
	if (adv < 0) {
		rep->error = "the test clock only moves forward";
		return CN_EINVAL;
	}
	if (adv > 0) {
		int64_t off = n->clock_offset + adv;
		if ((rc = store_meta_put(n->store, "clock_offset", &off, sizeof(off))) != 0)
			return rc;
		n->clock_offset = off;
		log_info("clock: test clock advanced by %llds (offset %llds)", (long long)adv,
		         (long long)off);
	}
	rep->now = node_now(n);
	rep->clock_offset = n->clock_offset;
	return 0;
}

struct publish_arg {
	struct node *n;
	const ProtobufCBinaryData *crl;
};

static int publish_txn(MDB_txn *txn, void *arg)
{
	struct publish_arg *a = arg;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Revocation rv = CARENET__REVOCATION__INIT;
	int rc;

	rv.crl = *a->crl;
	it.body_case = CARENET__ITEM__BODY_REVOCATION;
	it.revocation = &rv;
	if ((rc = node_crl_persist(a->n, txn, a->n->me->id, a->crl->data, a->crl->len)) != 0)
		return rc;
	if ((rc = audit_append(a->n->store, txn, node_now(a->n), a->n->me->id, "revocation",
	                       a->n->me->id, "revocation list published")) != 0)
		return rc;
	return deliver_emit(a->n->deliver, txn, &it, NULL, 0);
}

/* crl.publish: a county sends its CA's revocation list down the tree. */
static int crl_publish(struct node *n, const Carenet__ControlRequest *req,
                       Carenet__ControlReply *rep)
{
	struct publish_arg a = {n, &req->blob};
	int rc;

	if (n->me->role != PKI_ROLE_COUNTY) {
		rep->error = "only a county node publishes revocation lists";
		return CN_EROLE;
	}
	if ((rc = pki_trust_add_crl_der(n->trust, req->blob.data, req->blob.len)) != 0) {
		rep->error =
		    "the revocation list does not verify against this network's CAs (is it "
		    "the county CA's crl.pem, converted to DER?)";
		return rc;
	}
	if ((rc = deliver_write(n->deliver, publish_txn, &a)) != 0)
		return rc;
	n->crl_changed = 1;
	return 0;
}

struct offices_arg {
	struct node *n;
	Carenet__ControlReply *rep;
	size_t cap;
	int rc;
};

static int add_office(const char *id, enum pki_role role, const char *name, void *arg)
{
	struct offices_arg *a = arg;
	Carenet__PeerStatus *p;

	if (a->rep->n_offices == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		Carenet__PeerStatus **v = realloc(a->rep->offices, cap * sizeof(*v));
		if (!v)
			return a->rc = CN_ENOMEM;
		a->rep->offices = v;
		a->cap = cap;
	}
	if (!(p = malloc(sizeof(*p))))
		return a->rc = CN_ENOMEM;
	carenet__peer_status__init(p);
	p->id = strdup(id);
	p->name = strdup(name);
	p->role = (char *)pki_role_name(role);
	a->rep->offices[a->rep->n_offices++] = p; /* freed by offices_free, even half-made */
	return p->id && p->name ? 0 : (a->rc = CN_ENOMEM);
}

static int offices_txn(MDB_txn *txn, void *arg)
{
	struct offices_arg *a = arg;
	int rc = registry_each(a->n->store, txn, a->n->me->id, PKI_ROLE_NONE, add_office, a);
	return rc < 0 ? rc : a->rc;
}

static void offices_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_offices; i++) {
		free(rep->offices[i]->id);
		free(rep->offices[i]->name);
		free(rep->offices[i]);
	}
	free(rep->offices);
	rep->offices = NULL;
	rep->n_offices = 0;
}

/* offices: every office this node knows below it (the registry that
 * PREFIX:ROLE targets expand against). */
static int offices_cmd(struct node *n, Carenet__ControlReply *rep)
{
	struct offices_arg a = {n, rep, 0, 0};
	int rc = store_read(n->store, offices_txn, &a);

	if (rc != 0)
		offices_free(rep);
	return rc;
}

static void handle(struct node *n, const Carenet__ControlRequest *req, Carenet__ControlReply *rep,
                   Carenet__Status *st, Carenet__Counter *ctrs, Carenet__Counter **ctrp)
{
	int rc;

	if (strcmp(req->command, "status") == 0) {
		rc = fill_status(n, st, ctrs, ctrp);
		rep->status = st;
	} else if (strcmp(req->command, "reload") == 0) {
		rc = node_reload(n);
	} else if (strcmp(req->command, "stop") == 0) {
		node_sig_stop = 1;
		rc = 0;
	} else if (strcmp(req->command, "clock") == 0) {
		rc = clock_cmd(n, req, rep);
	} else if (strcmp(req->command, "crl.publish") == 0) {
		rc = crl_publish(n, req, rep);
	} else if (strcmp(req->command, "offices") == 0) {
		rc = offices_cmd(n, rep);
	} else if ((rc = roles_control(n->roles, req, rep)) == 1) {
		rc = CN_EINVAL;
		rep->error = "unknown control command";
	}
	rep->code = rc;
	if (rc != 0 && !rep->error[0])
		rep->error = (char *)cn_strerror(rc);
}

static void reply(struct control *c, zmq_msg_t *env, size_t nenv, const Carenet__ControlReply *r)
{
	size_t len = carenet__control_reply__get_packed_size(r);
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf)
		return;
	carenet__control_reply__pack(r, buf);
	for (size_t i = 0; i < nenv; i++)
		zmq_send(c->sock, zmq_msg_data(&env[i]), zmq_msg_size(&env[i]),
		         ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(c->sock, buf, len, ZMQ_DONTWAIT);
	free(buf);
}

void control_dispatch(struct control *c, struct node *n)
{
	zmq_msg_t part[CONTROL_MAX_PARTS];
	size_t np = 0;
	int more = 1;
	Carenet__ControlRequest *req = NULL;
	Carenet__ControlReply rep = CARENET__CONTROL_REPLY__INIT;
	Carenet__Status st = CARENET__STATUS__INIT;
	Carenet__Counter ctrs[NCTRS], *ctrp[NCTRS];

	while (more && np < CONTROL_MAX_PARTS) {
		zmq_msg_init(&part[np]);
		if (zmq_msg_recv(&part[np], c->sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&part[np]);
			goto out;
		}
		more = zmq_msg_more(&part[np]);
		np++;
	}
	if (more || np < 2) { /* envelope + body expected; drop anything else */
		while (more) {
			zmq_msg_t x;
			zmq_msg_init(&x);
			more = zmq_msg_recv(&x, c->sock, 0) >= 0 && zmq_msg_more(&x);
			zmq_msg_close(&x);
		}
		goto out;
	}
	if (zmq_msg_size(&part[np - 1]) <= CONTROL_MAX_REQUEST)
		req = carenet__control_request__unpack(NULL, zmq_msg_size(&part[np - 1]),
		                                       zmq_msg_data(&part[np - 1]));
	if (!req) {
		rep.code = CN_EPROTO;
		rep.error = "malformed control request";
	} else {
		handle(n, req, &rep, &st, ctrs, ctrp);
	}
	reply(c, part, np - 1, &rep);
	link_status_free(&st);
	offices_free(&rep);
	roles_control_free(&rep);
	if (req)
		carenet__control_request__free_unpacked(req, NULL);
out:
	for (size_t i = 0; i < np; i++)
		zmq_msg_close(&part[i]);
}

/* ---------------------------------------------------------------- client */

/*
 * 0 if something listens on the control socket, CN_EUNREACH if the socket
 * file is missing or stale (a node killed with SIGKILL leaves it behind:
 * without this check a request would wait for the whole timeout).
 */
static int listening(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return CN_EINVAL;
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return CN_EIO;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : CN_EUNREACH;
	close(fd);
	return rc;
}

/* One REQ/REP exchange; CN_ETIMEOUT if the node does not answer in time. */
static int exchange(const char *ep, const uint8_t *buf, size_t len, int timeout_ms,
                    Carenet__ControlReply **rep)
{
	void *ctx = NULL, *s = NULL;
	zmq_msg_t m;
	int rc = CN_EIO, zero = 0;

	zmq_msg_init(&m);
	if (!(ctx = zmq_ctx_new()) || !(s = zmq_socket(ctx, ZMQ_REQ)))
		goto out;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof(timeout_ms));
	zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout_ms, sizeof(timeout_ms));
	if (zmq_connect(s, ep) < 0)
		goto out;
	if (zmq_send(s, buf, len, 0) < 0 || zmq_msg_recv(&m, s, 0) < 0) {
		rc = zmq_errno() == EAGAIN ? CN_ETIMEOUT : CN_EIO;
		goto out;
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

int control_call(const char *data_dir, const Carenet__ControlRequest *req, int timeout_ms,
                 Carenet__ControlReply **reply)
{
	char ep[600], path[512];
	uint8_t *buf;
	size_t len;
	int rc;

	*reply = NULL;
	if (endpoint_for(data_dir, ep, sizeof(ep), path, sizeof(path)) != 0)
		return CN_EINVAL;
	if ((rc = listening(path)) != 0)
		return rc;
	len = carenet__control_request__get_packed_size(req);
	if (!(buf = malloc(len ? len : 1)))
		return CN_ENOMEM;
	carenet__control_request__pack(req, buf);
	rc = exchange(ep, buf, len, timeout_ms, reply);
	free(buf);
	return rc;
}

int control_request(const char *data_dir, const char *command, const char *const *args,
                    size_t nargs, int timeout_ms, Carenet__ControlReply **reply)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	int rc;

	req.command = (char *)command;
	req.args = (char **)args;
	req.n_args = nargs;
	rc = control_call(data_dir, &req, timeout_ms, reply);
	return rc == CN_ETIMEOUT || rc == CN_EIO ? CN_EUNREACH : rc;
}
