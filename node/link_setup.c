/* link_setup: creating the link sockets, the ZAP handler and its self-test,
 * reading monitor events, status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <zmq.h>

#include "err.h"
#include "link_int.h"
#include "log.h"
#include "util.h"

#define MON_ROUTER "inproc://carenet-mon-router"
#define MON_PARENT "inproc://carenet-mon-parent"
#define SELFTEST_MS 3000

/* -------------------------------------------------------------------- ZAP */

static void zap_reply(void *zap, const zmq_msg_t *reqid, const char *code, const char *text,
                      const char *user)
{
	zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(zap, zmq_msg_data((zmq_msg_t *)reqid), zmq_msg_size((zmq_msg_t *)reqid),
	         ZMQ_SNDMORE);
	zmq_send(zap, code, strlen(code), ZMQ_SNDMORE);
	zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(zap, "", 0, 0);
}

/* Why a CURVE key from addr is refused, or NULL: banned or revoked keys;
 * and past limits.new_keys_per_addr keys a minute from one address that
 * never completed HELLO here (a known child's key always gets through). */
static const char *zap_deny(struct link *l, const char *key, const char *addr)
{
	uint64_t now = util_now();

	if (peers_is_banned(l->peers, key, now))
		return "banned";
	if (peers_is_revoked_key(l->peers, key))
		return "revoked";
	if (l->selftest || peers_is_known_key(l->peers, key))
		return NULL;
	if (peers_admit_addr(l->peers, addr, now, (unsigned)l->cfg->new_keys_per_addr) != 0) {
		link_count(l, CTR_ZAP_ADDR_LIMITED);
		return "too many new keys from this address";
	}
	return NULL;
}

/* One ZAP request: frames version, request id, domain, address, identity,
 * mechanism, credentials. Accept any CURVE key that zap_deny lets through;
 * the certificate comes in HELLO. */
void link_zap_handle(struct link *l)
{
	zmq_msg_t part[8];
	size_t n = 0;
	int more = 1;
	char key[41] = "", addr[64] = "";
	const char *deny = NULL;

	while (more && n < 8) {
		zmq_msg_init(&part[n]);
		if (zmq_msg_recv(&part[n], l->zap, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&part[n]);
			break;
		}
		more = zmq_msg_more(&part[n]);
		n++;
	}
	while (more) { /* drain a malformed request */
		zmq_msg_t extra;
		zmq_msg_init(&extra);
		if (zmq_msg_recv(&extra, l->zap, 0) < 0)
			more = 0;
		else
			more = zmq_msg_more(&extra);
		zmq_msg_close(&extra);
	}
	if (n < 7)
		goto out;
	snprintf(addr, sizeof(addr), "%.*s", (int)zmq_msg_size(&part[3]),
	         (char *)zmq_msg_data(&part[3]));
	if (zmq_msg_size(&part[5]) != 5 || memcmp(zmq_msg_data(&part[5]), "CURVE", 5) != 0 ||
	    zmq_msg_size(&part[6]) != 32) {
		deny = "CURVE required";
	} else {
		zmq_z85_encode(key, zmq_msg_data(&part[6]), 32);
		deny = zap_deny(l, key, addr);
	}
	if (deny) {
		link_count(l, CTR_ZAP_DENIED);
		if (l->selftest)
			log_debug("link %s: zap self-test key refused: %s", addr, deny);
		else
			log_warnx("link %s: connection refused: %s key=%.8s", addr, deny, key);
		zap_reply(l->zap, &part[1], "400", deny, "");
	} else {
		zap_reply(l->zap, &part[1], "200", "OK", key);
	}
out:
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&part[i]);
}

int link_monitor_read(void *mon, uint16_t *event, uint32_t *value)
{
	zmq_msg_t m;
	uint8_t buf[6];
	int ok = 0;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&m);
		return -1;
	}
	if (zmq_msg_size(&m) == 6) {
		memcpy(buf, zmq_msg_data(&m), 6);
		memcpy(event, buf, 2);
		memcpy(value, buf + 2, 4);
		ok = 1;
	}
	while (zmq_msg_more(&m)) { /* endpoint frame */
		zmq_msg_close(&m);
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, mon, 0) < 0)
			break;
	}
	zmq_msg_close(&m);
	return ok ? 0 : -1;
}

static int setopt_int(void *s, int opt, int v, const char *what)
{
	if (zmq_setsockopt(s, opt, &v, sizeof(v)) == 0)
		return 0;
	log_warnx("link: setsockopt %s: %s", what, zmq_strerror(errno));
	return CN_EIO;
}

static int setopt_str(void *s, int opt, const char *v, const char *what)
{
	if (zmq_setsockopt(s, opt, v, strlen(v)) == 0)
		return 0;
	log_warnx("link: setsockopt %s: %s", what, zmq_strerror(errno));
	return CN_EIO;
}

static void *open_monitor(void *zctx, void *sock, const char *ep, int events)
{
	void *mon;

	if (zmq_socket_monitor(sock, ep, events) < 0) {
		log_warnx("link: monitor %s: %s", ep, zmq_strerror(errno));
		return NULL;
	}
	mon = zmq_socket(zctx, ZMQ_PAIR);
	if (mon && zmq_connect(mon, ep) == 0)
		return mon;
	log_warnx("link: monitor connect %s: %s", ep, zmq_strerror(errno));
	if (mon)
		zmq_close(mon);
	return NULL;
}

/* Options every CURVE socket of ours gets. Receive memory per connection
 * is at most RCVHWM x MAXMSGSIZE: RCVHWM is what the delivery windows let
 * an honest peer have in flight (one frame carries at least one item) plus
 * acks, pings and the handshake; a hostile peer sending more is held back
 * by TCP, not buffered (ZeroMQ stops reading a full pipe; nothing is lost). */
static int common_opts(struct link *l, void *s)
{
	const struct config *c = l->cfg;
	int64_t maxmsg = (int64_t)c->max_frame + LINK_FRAME_SLACK;
	int hwm = c->window_urgent + c->window_normal + c->window_bulk + LINK_HWM_SLACK;
	int rc = 0;

	rc |= setopt_int(s, ZMQ_LINGER, 0, "linger");
	rc |= setopt_int(s, ZMQ_HEARTBEAT_IVL, c->heartbeat_ivl_ms, "heartbeat_ivl");
	rc |= setopt_int(s, ZMQ_HEARTBEAT_TIMEOUT, c->heartbeat_timeout_ms, "heartbeat_timeout");
	rc |= setopt_int(s, ZMQ_HEARTBEAT_TTL, c->heartbeat_timeout_ms, "heartbeat_ttl");
	rc |= setopt_int(s, ZMQ_SNDHWM, 100000, "sndhwm");
	rc |= setopt_int(s, ZMQ_RCVHWM, hwm, "rcvhwm");
	/* Hard transport cap: a frame over max_frame + slack closes the
	 * connection; frames just over max_frame reach wire_decode and are
	 * refused and counted. */
	if (zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) < 0)
		rc |= CN_EIO;
	return rc ? CN_EIO : 0;
}

static int curve_server(struct link *l, void *s)
{
	char pub[41], sec[41];
	int rc;

	pki_self_curve(l->self, pub, sec);
	rc = setopt_int(s, ZMQ_CURVE_SERVER, 1, "curve_server");
	rc |= setopt_str(s, ZMQ_CURVE_SECRETKEY, sec, "curve_secretkey");
	rc |= setopt_str(s, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, "zap_domain");
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc ? CN_EIO : 0;
}

static int curve_client(void *s, const char *server, const char *pub, const char *sec)
{
	int rc = setopt_str(s, ZMQ_CURVE_SERVERKEY, server, "curve_serverkey");
	rc |= setopt_str(s, ZMQ_CURVE_PUBLICKEY, pub, "curve_publickey");
	rc |= setopt_str(s, ZMQ_CURVE_SECRETKEY, sec, "curve_secretkey");
	return rc ? CN_EIO : 0;
}

/* Serves ZAP until the client's monitor reports the refusal (1), the time
 * is up (0), or the server got the client's message (-1: failing open). */
static int selftest_wait(struct link *l, void *mon, void *srv)
{
	uint64_t deadline = util_mono_us() + SELFTEST_MS * 1000u;

	while (util_mono_us() < deadline) {
		zmq_pollitem_t it[3] = {
		    {l->zap, 0, ZMQ_POLLIN, 0}, {mon, 0, ZMQ_POLLIN, 0}, {srv, 0, ZMQ_POLLIN, 0}};
		uint16_t ev;
		uint32_t val;
		if (zmq_poll(it, 3, 100) < 0 && errno != EINTR)
			break;
		if (it[0].revents & ZMQ_POLLIN)
			link_zap_handle(l);
		if ((it[1].revents & ZMQ_POLLIN) && link_monitor_read(mon, &ev, &val) == 0 &&
		    ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
			return 1;
		if (it[2].revents & ZMQ_POLLIN) {
			log_error("link: zap self-test: a banned key got through: CURVE is failing "
			          "open");
			return -1;
		}
	}
	return 0;
}

/* Proves that ZAP is in the path: a client whose key is banned must be
 * refused. Without a ZAP handler libzmq's CURVE accepts every key. */
static int zap_selftest(struct link *l)
{
	char cpub[41], csec[41], spub[41], ssec[41], ep[256];
	size_t eplen = sizeof(ep);
	void *srv = NULL, *cli = NULL, *mon = NULL;
	uint64_t saved = l->counters[CTR_ZAP_DENIED];
	int rc = CN_EVERIFY, refused = 0;

	zmq_curve_keypair(cpub, csec);
	pki_self_curve(l->self, spub, ssec);
	l->selftest = 1;
	peers_ban(l->peers, cpub, UINT64_MAX, 1);
	srv = zmq_socket(l->zctx, ZMQ_ROUTER);
	cli = zmq_socket(l->zctx, ZMQ_DEALER);
	if (!srv || !cli || curve_server(l, srv) || setopt_int(srv, ZMQ_LINGER, 0, "linger") ||
	    zmq_bind(srv, "tcp://127.0.0.1:*") < 0 ||
	    zmq_getsockopt(srv, ZMQ_LAST_ENDPOINT, ep, &eplen) < 0 ||
	    curve_client(cli, spub, cpub, csec) || setopt_int(cli, ZMQ_LINGER, 0, "linger")) {
		log_warnx("link: zap self-test set-up failed: %s", zmq_strerror(errno));
		goto out;
	}
	mon = open_monitor(l->zctx, cli, "inproc://carenet-mon-selftest",
	                   ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
	if (!mon || zmq_connect(cli, ep) < 0)
		goto out;
	zmq_send(cli, "x", 1, ZMQ_DONTWAIT);
	if ((refused = selftest_wait(l, mon, srv)) < 0)
		goto out;
	if (refused) {
		log_info("link: zap self-test passed (a banned key was refused)");
		rc = 0;
	} else {
		log_error("link: zap self-test: no refusal within %d ms", SELFTEST_MS);
	}
out:
	if (mon) {
		zmq_socket_monitor(cli, NULL, 0);
		zmq_close(mon);
	}
	if (cli)
		zmq_close(cli);
	if (srv)
		zmq_close(srv);
	peers_unban(l->peers, cpub);
	l->selftest = 0;
	l->counters[CTR_ZAP_DENIED] = saved;
	OPENSSL_cleanse(csec, sizeof(csec));
	OPENSSL_cleanse(ssec, sizeof(ssec));
	return rc;
}

static int open_router(struct link *l)
{
	const struct config *c = l->cfg;

	if (!(l->router = zmq_socket(l->zctx, ZMQ_ROUTER)))
		return CN_EIO;
	if (curve_server(l, l->router) || common_opts(l, l->router) ||
	    setopt_int(l->router, ZMQ_ROUTER_MANDATORY, 1, "router_mandatory"))
		return CN_EIO;
	l->router_mon = open_monitor(
	    l->zctx, l->router, MON_ROUTER,
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_ACCEPTED);
	if (!l->router_mon)
		return CN_EIO;
	if (zmq_bind(l->router, c->listen) < 0) {
		log_error("link: cannot listen on %s: %s (is another node using the port?)",
		          c->listen, zmq_strerror(errno));
		return CN_EIO;
	}
	log_info("link: listening on %s", c->listen);
	return 0;
}

/* Connects u (endpoint, expect_id and s.key set) with its monitor on mon_ep. */
int link_uplink_connect(struct link *l, struct uplink *p, const char *mon_ep)
{
	const struct config *c = l->cfg;
	char pub[41], sec[41];
	int rc = CN_EIO;

	p->s.is_parent = 1;
	p->s.fd = -1;
	p->backoff_us = p->resume_us = 0;
	pki_self_curve(l->self, pub, sec);
	if (!(p->sock = zmq_socket(l->zctx, ZMQ_DEALER)))
		goto out;
	if (curve_client(p->sock, p->s.key, pub, sec) || common_opts(l, p->sock) ||
	    setopt_int(p->sock, ZMQ_IMMEDIATE, 1, "immediate") ||
	    setopt_int(p->sock, ZMQ_RECONNECT_IVL, c->reconnect_ivl_ms, "reconnect_ivl") ||
	    setopt_int(p->sock, ZMQ_RECONNECT_IVL_MAX, c->reconnect_ivl_max_ms,
	               "reconnect_ivl_max"))
		goto out;
	p->mon = open_monitor(
	    l->zctx, p->sock, mon_ep,
	    ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECTED |
	        ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	        ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
	if (!p->mon)
		goto out;
	if (zmq_connect(p->sock, p->endpoint) < 0) {
		log_error("link: cannot connect to %s: %s", p->endpoint, zmq_strerror(errno));
		goto out;
	}
	p->s.since = util_now();
	snprintf(p->s.last_error, sizeof(p->s.last_error), "connecting");
	log_info("link: connecting to %s %s at %s",
	         p->direct ? "the county (direct link)" : "parent", p->expect_id, p->endpoint);
	rc = 0;
out:
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc;
}

static int open_parent(struct link *l)
{
	const struct config *c = l->cfg;
	struct uplink *p = &l->parent;
	int rc;

	snprintf(p->endpoint, sizeof(p->endpoint), "%s", c->parent_endpoint);
	if (pki_parent_of(l->me->id, c->parent_cert, p->expect_id, sizeof(p->expect_id)) != 0) {
		log_error("link: %s has no parent tier but the config names a parent (or %s is "
		          "not the certificate of its prefecture or province)",
		          l->me->id, c->parent_cert);
		return CN_ECONFIG;
	}
	if ((rc = pki_cert_file_curve(c->parent_cert, p->s.key)) != 0) {
		log_error("link: cannot read the parent's CURVE key from %s: %s", c->parent_cert,
		          cn_strerror(rc));
		return rc;
	}
	return link_uplink_connect(l, p, MON_PARENT);
}

int link_open(const struct link_params *prm, struct link **out)
{
	struct link *l;
	int rc = CN_ENOMEM;

	*out = NULL;
	if (!(l = calloc(1, sizeof(*l))) || !(l->peers = peers_new()))
		goto fail;
	l->zctx = prm->zctx;
	l->store = prm->store;
	l->self = prm->self;
	l->me = pki_self_identity(prm->self);
	l->cfg = prm->cfg;
	l->trust = prm->trust;
	l->counters = prm->counters;
	l->ev = prm->ev;
	rc = CN_EIO;
	/* ZAP first: a CURVE server bound before its ZAP handler fails open. */
	if (!(l->zap = zmq_socket(l->zctx, ZMQ_REP)) || zmq_bind(l->zap, ZAP_ENDPOINT) < 0) {
		log_error("link: cannot bind the ZAP handler: %s", zmq_strerror(errno));
		goto fail;
	}
	if ((rc = zap_selftest(l)) != 0)
		goto fail;
	if (l->cfg->listen[0]) {
		peers_load(l->peers, l->store);
		if ((rc = open_router(l)) != 0)
			goto fail;
	}
	if (l->cfg->parent_endpoint[0] && (rc = open_parent(l)) != 0)
		goto fail;
	if (l->cfg->parent_endpoint[0] &&
	    (rc = link_direct_configure(l, l->cfg->county_endpoint, l->cfg->county_cert)) != 0)
		goto fail;
	*out = l;
	return 0;
fail:
	link_close(&l);
	return rc;
}

void link_configure(struct link *l, const struct config *cfg, struct pki_trust *trust)
{
	l->cfg = cfg;
	l->trust = trust;
}

static void close_sock(void **s)
{
	if (*s) {
		zmq_close(*s);
		*s = NULL;
	}
}

void link_close(struct link **lp)
{
	struct link *l;

	if (!lp || !*lp)
		return;
	l = *lp;
	if (l->router)
		zmq_socket_monitor(l->router, NULL, 0);
	if (l->parent.sock)
		zmq_socket_monitor(l->parent.sock, NULL, 0);
	close_sock(&l->router_mon);
	close_sock(&l->parent.mon);
	close_sock(&l->router);
	close_sock(&l->parent.sock);
	close_sock(&l->zap);
	link_direct_free(l);
	peers_free(&l->peers);
	link_hs_free(l);
	free(l);
	*lp = NULL;
}

/* ----------------------------------------------------------------- status */

Carenet__PeerStatus *link_peer_status(const struct peer *s)
{
	Carenet__PeerStatus *ps = malloc(sizeof(*ps));

	if (!ps)
		return NULL;
	carenet__peer_status__init(ps);
	ps->id = (char *)s->ident.id;
	ps->role = (char *)pki_role_name(s->ident.role);
	ps->name = (char *)s->ident.name;
	ps->scope = (char *)s->ident.scope;
	ps->up = s->up;
	ps->since = s->since;
	ps->last_seen = s->last_seen;
	ps->rtt_us = s->rtt_us;
	ps->last_error = (char *)s->last_error;
	return ps;
}

int link_status(struct link *l, Carenet__Status *st)
{
	size_t n = peers_count(l->peers);
	struct uplink *p = &l->parent;

	st->children = calloc(n ? n : 1, sizeof(*st->children));
	st->inspectors = calloc(n ? n : 1, sizeof(*st->inspectors));
	st->direct_sessions = calloc(n ? n : 1, sizeof(*st->direct_sessions));
	if (!st->children || !st->inspectors || !st->direct_sessions)
		return CN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct peer *q = peers_at(l->peers, i);
		Carenet__PeerStatus *ps;
		if (!q->ident.id[0])
			continue; /* never completed HELLO: counted, not listed */
		if (!(ps = link_peer_status(q)))
			return CN_ENOMEM;
		if (q->direct)
			st->direct_sessions[st->n_direct_sessions++] = ps;
		else if (q->ident.role == PKI_ROLE_INSPECTOR)
			st->inspectors[st->n_inspectors++] = ps;
		else
			st->children[st->n_children++] = ps;
	}
	if (p->sock) {
		st->has_parent = 1;
		if (!(st->parent = link_peer_status(&p->s)))
			return CN_ENOMEM;
		if (!p->s.ident.id[0]) { /* before the first WELCOME */
			st->parent->id = p->expect_id;
			st->parent->role = (char *)pki_role_name(pki_role_from_id(p->expect_id));
		}
		st->parent->endpoint = p->endpoint;
	}
	return link_direct_status(l, st);
}

void link_status_free(Carenet__Status *st)
{
	for (size_t i = 0; i < st->n_children; i++)
		free(st->children[i]);
	for (size_t i = 0; i < st->n_inspectors; i++)
		free(st->inspectors[i]);
	for (size_t i = 0; i < st->n_direct_sessions; i++)
		free(st->direct_sessions[i]);
	free(st->children);
	free(st->inspectors);
	free(st->direct_sessions);
	free(st->parent);
	if (st->direct)
		free(st->direct->county);
	free(st->direct);
	st->direct = NULL;
	st->children = st->inspectors = st->direct_sessions = NULL;
	st->parent = NULL;
	st->n_children = st->n_inspectors = st->n_direct_sessions = 0;
}

void link_reason_refused(char *out, size_t outlen, const char *endpoint)
{
	int n = snprintf(out, outlen, "connection refused (or no answer) at %s: wrong port or ",
	                 endpoint);
	if (n > 0 && (size_t)n < outlen)
		snprintf(out + n, outlen - (size_t)n,
		         "address, or the parent is not running; retrying");
}
