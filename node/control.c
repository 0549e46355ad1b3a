#define _GNU_SOURCE /* struct ucred, SO_PEERCRED */
#include "control.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <zmq.h>

#include "arr.h"
#include "audit.h"
#include "err.h"
#include "log.h"
#include "registry.h"
#include "roles.h"
#include "store.h"
#include "util.h"

#define CONTROL_MAX_REQUEST (64 << 20) /* a record import carries every row at once */
#define CONTROL_MAX_PARTS 4
#define CONTROL_GROUP_MAX 32 /* queued requests written in one transaction */
/* The requests control_serve writes together when they queue up. */
#define c_group_case(k)                                         \
	((k) == CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE || \
	 (k) == CARENET__CONTROL_REQUEST__REQUEST_ACK)

struct control {
	struct control_env env;
	void *sock;
	char path[512]; /* socket file, removed at close */
	char caller[256]; /* who sent the request being handled (caller_of) */
};

int control_endpoint(const char *data_dir, char *ep, size_t eplen, char *path, size_t pathlen)
{
	int n = snprintf(path, pathlen, "%s/%s", data_dir, CONTROL_SOCKET_NAME);
	/* sun_path holds 107 bytes; ZeroMQ fails obscurely beyond that. */
	if (n < 0 || (size_t)n >= pathlen || n > 107)
		return CN_EINVAL;
	snprintf(ep, eplen, "ipc://%s", path);
	return 0;
}

int control_open(void *zctx, const char *data_dir, const struct control_env *env,
                 struct control **out)
{
	struct control *c;
	char ep[600];
	int linger = 0;

	*out = NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return CN_ENOMEM;
	c->env = *env;
	if (control_endpoint(data_dir, ep, sizeof(ep), c->path, sizeof(c->path)) != 0) {
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

typedef Carenet__ControlRequest Req;
typedef Carenet__ControlReply Rep;

/* What one request's answer holds until it is sent. */
struct answer {
	Rep rep;
	Carenet__Status st;
	int has_status;
	struct roles *roles; /* status: the alerts come from roles */
	Carenet__BackupReply backup;
};

static int add_alert(const char *text, void *arg)
{
	Carenet__Status *st = arg;
	char **v = realloc(st->alerts, (st->n_alerts + 1) * sizeof(*v));

	if (!v)
		return CN_ENOMEM;
	st->alerts = v;
	if (!(v[st->n_alerts] = strdup(text)))
		return CN_ENOMEM;
	st->n_alerts++;
	return 0;
}

static int alerts_txn(MDB_txn *txn, void *arg)
{
	struct answer *a = arg;
	return roles_alerts(a->roles, txn, add_alert, &a->st);
}

static void alerts_free(Carenet__Status *st)
{
	for (size_t i = 0; i < st->n_alerts; i++)
		free(st->alerts[i]);
	free(st->alerts);
	st->alerts = NULL;
	st->n_alerts = 0;
}

static int status_req(struct control *c, const Req *req, struct answer *a)
{
	const struct pki_identity *me = c->env.me;
	int rc;

	(void)req;
	a->st.id = (char *)me->id;
	a->st.role = (char *)pki_role_name(me->role);
	a->st.name = (char *)me->name;
	a->st.cert_not_after = (uint64_t)me->not_after;
	a->st.pid = (uint32_t)getpid();
	a->st.version = CARENET_VERSION;
	a->rep.status = &a->st;
	a->has_status = 1;
	if ((rc = c->env.status(c->env.arg, &a->st)) != 0)
		return rc;
	a->roles = c->env.roles;
	return store_read(c->env.store, alerts_txn, a);
}

static int reload_req(struct control *c, const Req *req, struct answer *a)
{
	(void)req;
	(void)a;
	return c->env.reload(c->env.arg);
}

static int stop_req(struct control *c, const Req *req, struct answer *a)
{
	(void)req;
	(void)a;
	c->env.stop(c->env.arg);
	return 0;
}

struct clock_audit {
	struct control *c;
	int64_t adv;
	int refused;
};

static int clock_audit_txn(MDB_txn *txn, void *arg)
{
	struct clock_audit *x = arg;
	const struct control_env *e = &x->c->env;
	char detail[512];

	snprintf(detail, sizeof(detail), "%s %llds [%s]",
	         x->refused ? "refused to move the real clock by" : "test clock advanced by",
	         (long long)x->adv, x->c->caller);
	return audit_append(e->store, txn, e->now(e->arg), e->me->id, "clock", e->me->id, detail);
}

/* Test clock: only with test_clock = true in the node's configuration (and
 * that only under a demo root: node.c refuses to start otherwise). Every
 * move, and every refused one, is audited with its caller. */
static int clock_req(struct control *c, const Req *req, struct answer *a)
{
	int64_t adv = req->clock->advance, off = 0;
	struct clock_audit x = {c, adv, 0};
	int rc;

	if (adv < 0) {
		a->rep.error = "the test clock only moves forward";
		return CN_EINVAL;
	}
	if ((rc = c->env.clock(c->env.arg, adv, &off)) == CN_EPERM) {
		a->rep.error = "this node's clock is real: a test clock (test_clock = true) is "
		               "only for demo networks and tests; refused and audited";
		log_warnx("control: refused to move the real clock by %llds [%s]", (long long)adv,
		          c->caller);
		x.refused = 1;
		c->env.write(c->env.arg, clock_audit_txn, &x);
	}
	if (rc != 0)
		return rc;
	if (adv > 0 && (rc = c->env.write(c->env.arg, clock_audit_txn, &x)) != 0)
		return rc;
	a->rep.now = c->env.now(c->env.arg);
	a->rep.clock_offset = off;
	return 0;
}

struct publish_arg {
	struct control *c;
	const ProtobufCBinaryData *crl;
};

static int publish_txn(MDB_txn *txn, void *arg)
{
	struct publish_arg *a = arg;
	const struct control_env *e = &a->c->env;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Revocation rv = CARENET__REVOCATION__INIT;
	int rc;

	rv.crl = *a->crl;
	it.body_case = CARENET__ITEM__BODY_REVOCATION;
	it.revocation = &rv;
	if ((rc = e->crl_persist(e->arg, txn, e->me->id, a->crl->data, a->crl->len)) != 0)
		return rc;
	char detail[400];

	snprintf(detail, sizeof(detail), "revocation list published [%s]", a->c->caller);
	if ((rc = audit_append(e->store, txn, e->now(e->arg), e->me->id, "revocation", e->me->id,
	                       detail)) != 0)
		return rc;
	return e->emit(e->arg, txn, &it);
}

/* crl_publish: a county sends its CA's revocation list down its tree; the
 * province the root CA's down the whole tree (through its prefectures and
 * counties), the only way a root revocation reaches every node in-band. */
static int crl_req(struct control *c, const Req *req, struct answer *a)
{
	const ProtobufCBinaryData *crl = &req->crl_publish->crl;
	struct publish_arg pa = {c, crl};
	int rc;

	if (c->env.me->role != PKI_ROLE_COUNTY && c->env.me->role != PKI_ROLE_PROVINCE) {
		a->rep.error = "only a county node (its CA's list) or the province node (the root's) "
		               "publishes revocation lists";
		return CN_EROLE;
	}
	if ((rc = c->env.crl_trust(c->env.arg, crl->data, crl->len)) != 0) {
		a->rep.error = c->env.me->role == PKI_ROLE_PROVINCE
		                   ? "the revocation list does not verify against this network's "
		                     "CAs (is it the root CA's crl.pem?)"
		                   : "the revocation list does not verify against this network's CAs "
		                     "(is it the county CA's crl.pem, converted to DER?)";
		return rc;
	}
	return c->env.write(c->env.arg, publish_txn, &pa);
}

struct offices_arg {
	struct control *c;
	Rep *rep;
	size_t cap;
	int rc;
};

static int add_office(const char *id, enum pki_role role, const char *name, void *arg)
{
	struct offices_arg *a = arg;
	Carenet__PeerStatus *p;

	if (ARR_GROW(a->rep->offices, a->rep->n_offices + 1, a->cap) != 0)
		return a->rc = CN_ENOMEM;
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
	const struct control_env *e = &a->c->env;
	int rc = registry_each(e->store, txn, e->me->id, PKI_ROLE_NONE, add_office, a);
	return rc < 0 ? rc : a->rc;
}

static void offices_free(Rep *rep)
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
static int offices_req(struct control *c, const Req *req, struct answer *a)
{
	struct offices_arg oa = {c, &a->rep, 0, 0};
	int rc = store_read(c->env.store, offices_txn, &oa);

	(void)req;
	if (rc != 0)
		offices_free(&a->rep);
	return rc;
}

struct backup_audit {
	struct control *c;
	const char *detail;
};

static int backup_audit_txn(MDB_txn *txn, void *arg)
{
	struct backup_audit *x = arg;
	const struct control_env *e = &x->c->env;

	return audit_append(e->store, txn, e->now(e->arg), e->me->id, "backup", e->me->id,
	                    x->detail);
}

/* backup: a compacted copy of the store, made here so that it is
 * consistent (one LMDB read transaction) while the node keeps its store
 * open; written beside the target and renamed into place, mode 0600. */
static int backup_req(struct control *c, const Req *req, struct answer *a)
{
	const char *path = req->backup->path;
	struct backup_audit x = {c, NULL};
	char detail[700];
	uint64_t t0 = util_mono_us(), bytes = 0;
	int rc;

	carenet__backup_reply__init(&a->backup);
	if (!path || path[0] != '/' || strlen(path) > 500) {
		a->rep.error = "the backup file must be an absolute path (at most 500 bytes)";
		return CN_EINVAL;
	}
	if ((rc = store_backup_file(c->env.store, path, !req->backup->replace, &bytes)) != 0) {
		a->rep.error = rc == CN_EEXIST ? "the file exists: choose a new name (or --replace)"
		                               : "the copy failed (see the node's log)";
		return rc;
	}
	a->backup.path = (char *)path;
	a->backup.bytes = bytes;
	a->backup.micros = util_mono_us() - t0;
	a->rep.backup = &a->backup;
	snprintf(detail, sizeof(detail), "store copied to %s (%llu bytes, %llu ms) [%s]", path,
	         (unsigned long long)bytes, (unsigned long long)a->backup.micros / 1000, c->caller);
	x.detail = detail;
	log_info("control: backup file=%s bytes=%llu ms=%llu", path, (unsigned long long)bytes,
	         (unsigned long long)a->backup.micros / 1000);
	return c->env.write(c->env.arg, backup_audit_txn, &x);
}

/* The domain's requests: roles_control() dispatches them with its table. */
static int roles_req(struct control *c, const Req *req, struct answer *a)
{
	return roles_control(c->env.roles, req, &a->rep);
}

/* One row per request, indexed by the oneof case (OpenBSD's imsg table):
 * the case again (checked before use), the handler, whether it writes. */
struct handler {
	Carenet__ControlRequest__RequestCase type;
	const char *name;
	int (*fn)(struct control *c, const Req *req, struct answer *a);
	int writes;
};

#define ROW(CASE, name, fn, writes) \
	[CARENET__CONTROL_REQUEST__REQUEST_##CASE] = {CARENET__CONTROL_REQUEST__REQUEST_##CASE, \
	                                              name, fn, writes}
static const struct handler handlers[] = {
    ROW(STATUS, "status", status_req, 0),
    ROW(RELOAD, "reload", reload_req, 0),
    ROW(STOP, "stop", stop_req, 0),
    ROW(OFFICES, "offices", offices_req, 0),
    ROW(DIRECTIVE_ISSUE, "directive_issue", roles_req, 1),
    ROW(DIRECTIVE_LIST, "directive_list", roles_req, 0),
    ROW(DIRECTIVE_SHOW, "directive_show", roles_req, 0),
    ROW(INBOX, "inbox", roles_req, 0),
    ROW(ACK, "ack", roles_req, 1),
    ROW(AUDIT, "audit", roles_req, 0),
    ROW(AUDIT_VERIFY, "audit_verify", roles_req, 0),
    ROW(CLOCK, "clock", clock_req, 1),
    ROW(CRL_PUBLISH, "crl_publish", crl_req, 1),
    ROW(AUDIT_CHECKPOINTS, "audit_checkpoints", roles_req, 0),
    ROW(RECORD_WRITE, "record_write", roles_req, 1),
    ROW(RECORD_LIST, "record_list", roles_req, 0),
    ROW(RECORD_SHOW, "record_show", roles_req, 0),
    ROW(RECORD_REVIEW, "record_review", roles_req, 1),
    ROW(RECORD_TRANSFER, "record_transfer", roles_req, 1),
    ROW(RECORD_ACCEPT, "record_accept", roles_req, 1),
    ROW(LEDGER_SUMMARY, "ledger_summary", roles_req, 0),
    ROW(DOC_ADD, "doc_add", roles_req, 1),
    ROW(DOC_GET, "doc_get", roles_req, 1),
    ROW(DOC_LIST, "doc_list", roles_req, 0),
    ROW(BACKUP, "backup", backup_req, 1),
    ROW(REPORT_FILE, "report_file", roles_req, 1),
    ROW(REPORT_STEP, "report_step", roles_req, 1),
    ROW(REPORT_LIST, "report_list", roles_req, 0),
    ROW(REPORT_SHOW, "report_show", roles_req, 0),
    ROW(REPORT_OPEN_CASE, "report_open_case", roles_req, 1),
    ROW(COMPLIANCE, "compliance", roles_req, 0),
    ROW(FINDING_LIST, "finding_list", roles_req, 0),
    ROW(BULLETIN, "bulletin", roles_req, 1),
    ROW(MOVE, "move", roles_req, 1),
    ROW(MOVE_STATUS, "move_status", roles_req, 0),
    ROW(CLOSE, "close", roles_req, 1),
    ROW(CLOSE_LIST, "close_list", roles_req, 0),
};
#undef ROW

/* The row for req, NULL if there is none or its member is missing. */
static const struct handler *handler_for(const Req *req)
{
	size_t i = (size_t)req->request_case;
	const ProtobufCFieldDescriptor *f;

	if (i == 0 || i >= sizeof(handlers) / sizeof(handlers[0]) || !handlers[i].fn ||
	    handlers[i].type != req->request_case)
		return NULL;
	/* A oneof member is a message: protobuf-c sets the case only with it. */
	f = protobuf_c_message_descriptor_get_field(&carenet__control_request__descriptor,
	                                            (unsigned)i);
	if (!f || !*(void *const *)((const char *)req + f->offset))
		return NULL;
	return &handlers[i];
}

/* The operator's name as given, kept to a safe alphabet (it goes into
 * audit entries and log lines). */
static void operator_name(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	for (; in && *in && n + 1 < outlen && n < 64; in++)
		out[n++] = isalnum((unsigned char)*in) || strchr("._@-", *in) ? *in : '?';
	out[n] = 0;
	if (!n)
		snprintf(out, outlen, "-");
}

/*
 * Who sent msg: the operator name the CLI gave, and the connecting
 * process's uid and pid from the kernel (SO_PEERCRED on the ipc
 * connection's fd, which ZeroMQ gives as the message's ZMQ_SRCFD). The
 * data directory is 0700, so the uid is the node's user; the pid and the
 * name tell its processes and people apart.
 */
static void caller_of(struct control *c, zmq_msg_t *msg, const Req *req)
{
	char op[80];
	struct ucred uc;
	socklen_t ul = sizeof(uc);
	int fd = zmq_msg_get(msg, ZMQ_SRCFD);

	operator_name(req ? req->operator_ : NULL, op, sizeof(op));
	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0 && ul == sizeof(uc))
		snprintf(c->caller, sizeof(c->caller), "operator=%s uid=%u pid=%d", op,
		         (unsigned)uc.uid, (int)uc.pid);
	else
		snprintf(c->caller, sizeof(c->caller), "operator=%s uid=? pid=?", op);
}

static void handle(struct control *c, const Req *req, struct answer *a)
{
	const struct handler *h = handler_for(req);
	int rc;

	if (!h) {
		rc = CN_EINVAL;
		a->rep.error = "unknown control request (is this carenet older than the client?)";
	} else {
		if (h->writes)
			log_info("control: %s [%s]", h->name, c->caller);
		roles_set_caller(c->env.roles, c->caller);
		rc = h->fn(c, req, a);
		roles_set_caller(c->env.roles, NULL);
	}
	a->rep.code = rc;
	if (rc != 0 && !a->rep.error[0])
		a->rep.error = (char *)cn_strerror(rc);
}

/* Envelope frames then one body frame into part[]; 0 when that arrived. */
static int receive(struct control *c, zmq_msg_t *part, size_t *np)
{
	int more = 1;

	while (more && *np < CONTROL_MAX_PARTS) {
		zmq_msg_init(&part[*np]);
		if (zmq_msg_recv(&part[*np], c->sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&part[*np]);
			return CN_EIO;
		}
		more = zmq_msg_more(&part[*np]);
		(*np)++;
	}
	if (!more && *np >= 2)
		return 0;
	while (more) { /* envelope + body expected; drop anything else */
		zmq_msg_t x;
		zmq_msg_init(&x);
		more = zmq_msg_recv(&x, c->sock, 0) >= 0 && zmq_msg_more(&x);
		zmq_msg_close(&x);
	}
	return CN_EPROTO;
}

int control_pending(struct control *c)
{
	int ev = 0;
	size_t len = sizeof(ev);

	return zmq_getsockopt(c->sock, ZMQ_EVENTS, &ev, &len) == 0 && (ev & ZMQ_POLLIN);
}

/* One request read from the socket: envelope, request, packed reply. */
struct creq {
	zmq_msg_t part[CONTROL_MAX_PARTS];
	size_t np;
	Req *req; /* NULL: malformed */
	uint8_t *out;
	size_t outlen;
};

static int creq_read(struct control *c, struct creq *q)
{
	q->np = 0;
	q->req = NULL;
	q->out = NULL;
	if (receive(c, q->part, &q->np) != 0) {
		for (size_t i = 0; i < q->np; i++)
			zmq_msg_close(&q->part[i]);
		return CN_EIO;
	}
	if (zmq_msg_size(&q->part[q->np - 1]) <= CONTROL_MAX_REQUEST)
		q->req = carenet__control_request__unpack(NULL, zmq_msg_size(&q->part[q->np - 1]),
		                                          zmq_msg_data(&q->part[q->np - 1]));
	return 0;
}

static void pack_reply(struct creq *q, const Rep *r)
{
	free(q->out);
	q->outlen = carenet__control_reply__get_packed_size(r);
	if ((q->out = malloc(q->outlen ? q->outlen : 1)))
		carenet__control_reply__pack(r, q->out);
}

/* Handles the request and packs its reply (again, if a replayed group
 * transaction runs it twice). */
static void answer_one(struct control *c, struct creq *q)
{
	struct answer a = {CARENET__CONTROL_REPLY__INIT, CARENET__STATUS__INIT, 0, NULL,
	                   CARENET__BACKUP_REPLY__INIT};

	if (!q->req) {
		a.rep.code = CN_EPROTO;
		a.rep.error = "malformed control request";
	} else {
		caller_of(c, &q->part[q->np - 1], q->req);
		handle(c, q->req, &a);
	}
	pack_reply(q, &a.rep);
	if (a.has_status) {
		alerts_free(&a.st);
		c->env.status_free(c->env.arg, &a.st);
	}
	offices_free(&a.rep);
	roles_control_free(&a.rep);
}

/* Sends the packed reply and releases the request. */
static void creq_done(struct control *c, struct creq *q)
{
	if (q->out) {
		for (size_t i = 0; i + 1 < q->np; i++)
			zmq_send(c->sock, zmq_msg_data(&q->part[i]), zmq_msg_size(&q->part[i]),
			         ZMQ_SNDMORE | ZMQ_DONTWAIT);
		zmq_send(c->sock, q->out, q->outlen, ZMQ_DONTWAIT);
	}
	free(q->out);
	if (q->req)
		carenet__control_request__free_unpacked(q->req, NULL);
	for (size_t i = 0; i < q->np; i++)
		zmq_msg_close(&q->part[i]);
}

void control_dispatch(struct control *c)
{
	struct creq q;

	if (creq_read(c, &q) != 0)
		return;
	answer_one(c, &q);
	creq_done(c, &q);
}

/* The frequent writes that may share one transaction: handlers that write
 * only through env.write and answer from what they wrote. */
static int groupable(const Req *req)
{
	return req && c_group_case(req->request_case) && handler_for(req);
}

struct group {
	struct control *c;
	struct creq *q;
	size_t n;
};

static int group_fn(MDB_txn *txn, void *arg)
{
	struct group *g = arg;

	(void)txn;
	for (size_t i = 0; i < g->n; i++)
		answer_one(g->c, &g->q[i]);
	return 0;
}

/* Requests q[0..n) in one transaction (each its own nested one), then the
 * replies: an operator's answer still means "on disk". */
static void run_group(struct control *c, struct creq *q, size_t n)
{
	struct group g = {c, q, n};
	int rc = 0;

	if (n == 1)
		answer_one(c, &q[0]);
	else if (n > 1 && (rc = c->env.group(c->env.arg, group_fn, &g)) != 0) {
		Rep r = CARENET__CONTROL_REPLY__INIT;
		r.code = rc;
		r.error = "the write failed; nothing of it was kept: try again";
		log_warnx("control: %zu queued requests not written: %s", n, cn_strerror(rc));
		for (size_t i = 0; i < n; i++)
			pack_reply(&q[i], &r);
	}
	for (size_t i = 0; i < n; i++)
		creq_done(c, &q[i]);
}

void control_serve(struct control *c, int max)
{
	struct creq q[CONTROL_GROUP_MAX];
	size_t n = 0;

	for (int k = 0; k < max && control_pending(c); k++) {
		if (creq_read(c, &q[n]) != 0)
			continue;
		if (groupable(q[n].req)) {
			if (++n == CONTROL_GROUP_MAX) {
				run_group(c, q, n);
				n = 0;
			}
			continue;
		}
		run_group(c, q, n); /* in order: what came before it first */
		answer_one(c, &q[n]);
		creq_done(c, &q[n]);
		n = 0;
	}
	run_group(c, q, n);
}
