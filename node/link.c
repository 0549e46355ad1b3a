#include "link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "err.h"
#include "log.h"
#include "peer.h"
#include "util.h"
#include "wire.h"

#include "link_int.h"

void link_count(struct link *l, enum ctr c)
{
	l->counters[c]++;
}

/* ---------------------------------------------------------------- sending */

static int send_frame_to(void *sock, const uint8_t *rid, size_t rid_len, const Carenet__Frame *f)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if ((rc = wire_encode(f, &buf, &len)) != 0)
		return rc;
	rc = 0;
	if (rid && zmq_send(sock, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		rc = CN_EIO;
	if (rc == 0 && zmq_send(sock, buf, len, ZMQ_DONTWAIT) < 0)
		rc = CN_EIO;
	free(buf);
	return rc;
}

static int send_to_peer(struct link *l, struct peer *p, const Carenet__Frame *f)
{
	int rc = send_frame_to(l->router, p->rid, p->rid_len, f);
	if (rc != 0 && (errno == EHOSTUNREACH) && p->up) {
		log_info("link %s: child gone (unreachable)", p->ident.id);
		peer_set_down(p, util_now(), "unreachable");
	}
	return rc;
}

static void send_refuse(struct link *l, struct peer *p, int code, const char *reason)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Refuse r = CARENET__REFUSE__INIT;

	r.code = (uint32_t)-code;
	r.reason = (char *)reason;
	f.body_case = CARENET__FRAME__BODY_REFUSE;
	f.refuse = &r;
	send_to_peer(l, p, &f);
}

static void fill_chain(struct link *l, ProtobufCBinaryData *chain, size_t *n)
{
	const uint8_t *const *der;
	const size_t *len;
	size_t cnt = pki_self_chain(l->self, &der, &len);

	for (size_t i = 0; i < cnt && i < WIRE_MAX_CHAIN; i++) {
		chain[i].data = (uint8_t *)der[i];
		chain[i].len = len[i];
	}
	*n = cnt < WIRE_MAX_CHAIN ? cnt : WIRE_MAX_CHAIN;
}

/* Our inbound cursors for peer, as HELLO/WELCOME carry them. */
static void fill_cursors(struct link *l, const char *peer, Carenet__LaneCursor *c,
                         Carenet__LaneCursor **cp)
{
	uint64_t cur[WIRE_LANES];

	l->ev.cursors(l->ev.arg, peer, cur);
	for (unsigned i = 0; i < WIRE_LANES; i++) {
		carenet__lane_cursor__init(&c[i]);
		c[i].lane = i;
		c[i].seq = cur[i];
		cp[i] = &c[i];
	}
}

static void read_cursors(Carenet__LaneCursor *const *c, size_t n, uint64_t cur[WIRE_LANES])
{
	memset(cur, 0, sizeof(uint64_t) * WIRE_LANES);
	for (size_t i = 0; i < n; i++)
		cur[c[i]->lane] = c[i]->seq; /* lane < WIRE_LANES: checked by wire_decode */
}

int link_send(struct link *l, const char *peer_id, int is_parent, const Carenet__Frame *f)
{
	struct peer *p;

	if (is_parent) {
		if (!l->parent.sock || !l->parent.up || strcmp(peer_id, l->parent.expect_id) != 0)
			return CN_ENOTREADY;
		return send_frame_to(l->parent.sock, NULL, 0, f);
	}
	if (!l->router || !(p = peers_find_id(l->peers, peer_id)) || !p->up)
		return CN_ENOTREADY;
	return send_to_peer(l, p, f);
}

static void send_welcome(struct link *l, struct peer *p)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Welcome w = CARENET__WELCOME__INIT;
	ProtobufCBinaryData chain[WIRE_MAX_CHAIN];
	Carenet__LaneCursor cur[WIRE_LANES], *curp[WIRE_LANES];

	fill_cursors(l, p->ident.id, cur, curp);
	w.cursors = curp;
	w.n_cursors = WIRE_LANES;
	fill_chain(l, chain, &w.n_chain);
	w.chain = chain;
	w.version = WIRE_VERSION;
	w.time = util_now();
	f.body_case = CARENET__FRAME__BODY_WELCOME;
	f.welcome = &w;
	send_to_peer(l, p, &f);
}

static void parent_send_hello(struct link *l)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Hello h = CARENET__HELLO__INIT;
	ProtobufCBinaryData chain[WIRE_MAX_CHAIN];
	Carenet__LaneCursor cur[WIRE_LANES], *curp[WIRE_LANES];

	fill_cursors(l, l->parent.expect_id, cur, curp);
	h.cursors = curp;
	h.n_cursors = WIRE_LANES;
	fill_chain(l, chain, &h.n_chain);
	h.chain = chain;
	h.version = WIRE_VERSION;
	h.time = util_now();
	f.body_case = CARENET__FRAME__BODY_HELLO;
	f.hello = &h;
	l->parent.hello_sent_us = util_mono_us();
	if (send_frame_to(l->parent.sock, NULL, 0, &f) != 0)
		log_debug("link parent: hello not sent yet: %s", zmq_strerror(errno));
}

static void send_ping(void *sock, const uint8_t *rid, size_t rid_len, uint64_t nonce,
                      uint64_t now_us)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Ping pg = CARENET__PING__INIT;

	pg.nonce = nonce;
	pg.sent_us = now_us;
	f.body_case = CARENET__FRAME__BODY_PING;
	f.ping = &pg;
	send_frame_to(sock, rid, rid_len, &f);
}

static void send_pong(void *sock, const uint8_t *rid, size_t rid_len, const Carenet__Ping *pg)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Pong po = CARENET__PONG__INIT;

	po.nonce = pg->nonce;
	po.sent_us = pg->sent_us;
	f.body_case = CARENET__FRAME__BODY_PONG;
	f.pong = &po;
	send_frame_to(sock, rid, rid_len, &f);
}

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

/* One ZAP request: frames version, request id, domain, address, identity,
 * mechanism, credentials. Accept any CURVE key that is not banned or
 * revoked; the certificate comes in HELLO. */
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
		if (peers_is_banned(l->peers, key, util_now()))
			deny = "banned";
		else if (peers_is_revoked_key(l->peers, key))
			deny = "revoked";
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

/* ---------------------------------------------------------------- monitors */

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

static void count_hs_failure(struct link *l, uint16_t ev)
{
	if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
		link_count(l, CTR_HS_FAILED_AUTH);
	else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
		link_count(l, CTR_HS_FAILED_PROTOCOL);
	else
		link_count(l, CTR_HS_FAILED_NO_DETAIL);
}

static void router_monitor(struct link *l)
{
	uint16_t ev;
	uint32_t val;

	while (link_monitor_read(l->router_mon, &ev, &val) == 0) {
		switch (ev) {
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			count_hs_failure(l, ev);
			log_info("link: incoming handshake failed event=%u detail=%u", ev, val);
			break;
		case ZMQ_EVENT_DISCONNECTED:
			peers_fd_closed(l->peers, (int)val, util_now());
			break;
		default:
			break;
		}
	}
}

static void parent_set_down(struct link *l, const char *why)
{
	struct parent *p = &l->parent;

	l->ev.peer_down(l->ev.arg, p->expect_id);
	if (p->up)
		log_info("link %s: parent down: %s", p->expect_id, why);
	if (p->up || p->since == 0)
		p->since = util_now();
	p->up = 0;
	snprintf(p->last_error, sizeof(p->last_error), "%s", why);
}

static void parent_monitor(struct link *l)
{
	struct parent *p = &l->parent;
	uint16_t ev;
	uint32_t val;

	while (link_monitor_read(p->mon, &ev, &val) == 0) {
		switch (ev) {
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			p->connected = 1;
			log_debug("link %s: CURVE handshake done, sending HELLO", p->expect_id);
			parent_send_hello(l);
			break;
		case ZMQ_EVENT_DISCONNECTED:
			p->connected = 0;
			parent_set_down(l, "disconnected");
			break;
		case ZMQ_EVENT_CONNECT_RETRIED:
			if (!p->up && !p->last_error[0])
				snprintf(p->last_error, sizeof(p->last_error),
				         "cannot connect to %s, retrying", p->endpoint);
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
			count_hs_failure(l, ev);
			parent_set_down(l, "parent refused our key (banned or revoked)");
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			count_hs_failure(l, ev);
			parent_set_down(l, "CURVE handshake failed (wrong parent key?)");
			break;
		default:
			break;
		}
	}
}

/* -------------------------------------------------------------- handshake */

static enum ctr refusal_counter(int rc)
{
	switch (rc) {
	case CN_ESCOPE:
		return CTR_REFUSED_SCOPE;
	case CN_EEXPIRED:
		return CTR_REFUSED_EXPIRED;
	case CN_EREVOKED:
		return CTR_REFUSED_REVOKED;
	case CN_EKEYMISMATCH:
		return CTR_REFUSED_KEYMISMATCH;
	case CN_EROLE:
		return CTR_REFUSED_NOT_CHILD;
	case CN_EPROTO:
		return CTR_REFUSED_PROTO;
	default:
		return CTR_REFUSED_VERIFY;
	}
}

/* Verifies a HELLO/WELCOME chain and binds it to the authenticated key. */
static int verify_peer_chain(struct link *l, size_t n, const ProtobufCBinaryData *chain,
                             const char *key, struct pki_identity *id, char *why, size_t whylen)
{
	const uint8_t *der[WIRE_MAX_CHAIN];
	size_t len[WIRE_MAX_CHAIN];
	char z85[41];
	int rc;

	for (size_t i = 0; i < n; i++) {
		der[i] = chain[i].data;
		len[i] = chain[i].len;
	}
	rc = pki_verify_chain(l->trust, der, len, n, id, why, whylen);
	if (rc != 0)
		return rc;
	zmq_z85_encode(z85, id->curve_pub, PKI_CURVE_LEN);
	if (strcmp(z85, key) != 0) {
		snprintf(why, whylen,
		         "certificate of %s carries CURVE key %.8s..., link key is %.8s...", id->id,
		         z85, key);
		return CN_EKEYMISMATCH;
	}
	return 0;
}

/* The subtree rule: direct children, and inspectors whose scope covers us. */
static int check_subtree(struct link *l, const struct pki_identity *id, char *why, size_t whylen)
{
	const char *me = l->me->id;

	if (id->role == PKI_ROLE_INSPECTOR) {
		if (pki_scope_covers(id->scope, me))
			return 0;
		snprintf(why, whylen, "inspector %s has scope %s, which does not cover %s", id->id,
		         id->scope, me);
		return CN_EROLE;
	}
	if (pki_is_direct_child(me, id->id))
		return 0;
	snprintf(why, whylen, "%s %s is not a direct child of %s", pki_role_name(id->role), id->id,
	         me);
	return CN_EROLE;
}

static void peer_invalid(struct link *l, struct peer *p, const char *what)
{
	uint64_t now = util_now();
	if (peer_note_invalid(p, now) >= (unsigned)l->cfg->ban_after) {
		peers_ban(l->peers, p->key, now + (uint64_t)l->cfg->ban_seconds);
		link_count(l, CTR_BANS);
		log_warnx("link %s: key=%.8s banned for %ds after repeated invalid messages (%s)",
		          p->ident.id[0] ? p->ident.id : "?", p->key, l->cfg->ban_seconds,
		          what);
		if (p->up)
			peer_set_down(p, now, "banned");
		link_count(l, CTR_SESSIONS_DROPPED);
	}
}

static void child_hello(struct link *l, struct peer *p, const Carenet__Hello *h)
{
	uint64_t cur[WIRE_LANES];
	struct pki_identity id;
	int changed;
	char why[256] = "";
	int rc;
	uint64_t now = util_now();

	if (h->version != WIRE_VERSION) {
		snprintf(why, sizeof(why), "protocol version %u, this node speaks %u", h->version,
		         WIRE_VERSION);
		rc = CN_EPROTO;
	} else {
		rc = verify_peer_chain(l, h->n_chain, h->chain, p->key, &id, why, sizeof(why));
		if (rc == 0)
			rc = check_subtree(l, &id, why, sizeof(why));
	}
	if (rc != 0) {
		link_count(l, refusal_counter(rc));
		log_warnx("link key=%.8s: hello refused (%s): %s", p->key, cn_errname(rc), why);
		if (rc == CN_EREVOKED)
			peers_add_revoked_key(l->peers, p->key);
		send_refuse(l, p, rc, why);
		peer_invalid(l, p, "hello refused");
		return;
	}
	if (peers_replace_id(l->peers, p, id.id, now))
		link_count(l, CTR_SESSIONS_DROPPED);
	/* The store keeps id, role, name and key: write only when they change. */
	changed = strcmp(p->ident.id, id.id) != 0 || strcmp(p->ident.name, id.name) != 0 ||
	          p->ident.role != id.role;
	p->ident = id;
	if (!p->up)
		log_info("link %s: %s up (%s)", id.id, pki_role_name(id.role), id.name);
	peer_set_up(p, now);
	link_count(l, CTR_HANDSHAKES_OK);
	if (changed)
		peers_persist(l->peers, l->store, p);
	send_welcome(l, p);
	read_cursors(h->cursors, h->n_cursors, cur);
	l->ev.peer_up(l->ev.arg, &p->ident, 0, cur);
}

static void child_frame(struct link *l, struct peer *p, Carenet__Frame **fp)
{
	const Carenet__Frame *f = *fp;

	switch (f->body_case) {
	case CARENET__FRAME__BODY_BATCH:
	case CARENET__FRAME__BODY_ACK:
		if (p->ident.role == PKI_ROLE_INSPECTOR)
			break;
		l->ev.frame(l->ev.arg, p->ident.id, fp);
		return;
	case CARENET__FRAME__BODY_HELLO:
		child_hello(l, p, f->hello);
		return;
	case CARENET__FRAME__BODY_PING:
		send_pong(l->router, p->rid, p->rid_len, f->ping);
		return;
	case CARENET__FRAME__BODY_PONG:
		if (f->pong->nonce == p->ping_nonce)
			p->rtt_us = util_mono_us() - f->pong->sent_us;
		return;
	default:
		link_count(l, CTR_INVALID_MESSAGES);
		log_warnx("link %s: unexpected %s frame from a child", p->ident.id, wire_kind(f));
		peer_invalid(l, p, "unexpected frame");
		return;
	}
}

/* One message on the children ROUTER: [routing id][frame]. */
static void router_recv(struct link *l)
{
	zmq_msg_t rid, body;
	struct peer *p;
	Carenet__Frame *f = NULL;
	const char *why, *key;
	int rc, fd, extra = 0;
	uint64_t now = util_now();

	zmq_msg_init(&rid);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&rid, l->router, ZMQ_DONTWAIT) < 0)
		goto out;
	if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, l->router, 0) < 0)
		goto out;
	while (zmq_msg_more(&body)) { /* drain extra parts; the message is invalid */
		zmq_msg_close(&body);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&body, l->router, 0) < 0)
			goto out;
		extra = 1;
	}
	key = zmq_msg_gets(&body, "User-Id");
	if (!key || strlen(key) != 40)
		goto out; /* cannot happen with ZAP in place; never trust it anyway */
	fd = zmq_msg_get(&body, ZMQ_SRCFD);
	if (peers_is_banned(l->peers, key, now)) {
		link_count(l, CTR_BANNED_DROPPED);
		goto out;
	}
	p = peers_touch(l->peers, key, zmq_msg_data(&rid), zmq_msg_size(&rid), fd, now);
	if (!p)
		goto out;
	rc = extra ? CN_EPROTO
	           : wire_decode(zmq_msg_data(&body), zmq_msg_size(&body), l->cfg->max_frame,
	                         &f, &why);
	if (extra)
		why = "multipart message";
	if (rc != 0) {
		link_count(l, rc == CN_ETOOBIG ? CTR_OVERSIZE : CTR_INVALID_MESSAGES);
		log_warnx("link %s key=%.8s: %s len=%zu", p->up ? p->ident.id : "?", key, why,
		          zmq_msg_size(&body));
		peer_invalid(l, p, why);
		goto out;
	}
	if (!p->up && f->body_case != CARENET__FRAME__BODY_HELLO) {
		link_count(l, CTR_NO_HELLO);
		log_warnx("link key=%.8s: %s before HELLO dropped", key, wire_kind(f));
		send_refuse(l, p, CN_ENOTREADY, "send HELLO with your certificate chain first");
		peer_invalid(l, p, "no hello");
		goto out;
	}
	child_frame(l, p, &f);
out:
	wire_free(&f);
	zmq_msg_close(&rid);
	zmq_msg_close(&body);
}

static void parent_welcome(struct link *l, const Carenet__Welcome *w)
{
	uint64_t cur[WIRE_LANES];
	struct parent *p = &l->parent;
	struct pki_identity id;
	char why[256] = "";
	int rc;

	rc = verify_peer_chain(l, w->n_chain, w->chain, p->server_key, &id, why, sizeof(why));
	if (rc == 0 && strcmp(id.id, p->expect_id) != 0) {
		snprintf(why, sizeof(why), "parent certificate is for %s, expected %s", id.id,
		         p->expect_id);
		rc = CN_EROLE;
	}
	if (rc != 0) {
		link_count(l, CTR_PARENT_REFUSED);
		log_warnx("link %s: welcome refused (%s): %s", p->expect_id, cn_errname(rc), why);
		parent_set_down(l, why);
		return;
	}
	p->ident = id;
	if (!p->up) {
		log_info("link %s: parent up (%s)", id.id, id.name);
		p->since = util_now();
	}
	p->up = 1;
	p->last_error[0] = 0;
	link_count(l, CTR_HANDSHAKES_OK);
	read_cursors(w->cursors, w->n_cursors, cur);
	l->ev.peer_up(l->ev.arg, &p->ident, 1, cur);
}

static void parent_recv(struct link *l)
{
	struct parent *p = &l->parent;
	zmq_msg_t body;
	Carenet__Frame *f = NULL;
	const char *why;
	int rc;

	zmq_msg_init(&body);
	if (zmq_msg_recv(&body, p->sock, ZMQ_DONTWAIT) < 0)
		goto out;
	if (zmq_msg_more(&body)) {
		link_count(l, CTR_INVALID_MESSAGES);
		goto out; /* the rest is drained as further messages */
	}
	rc = wire_decode(zmq_msg_data(&body), zmq_msg_size(&body), l->cfg->max_frame, &f,
	                 &why);
	if (rc != 0) {
		link_count(l, rc == CN_ETOOBIG ? CTR_OVERSIZE : CTR_INVALID_MESSAGES);
		log_warnx("link %s: invalid frame from parent: %s", p->expect_id, why);
		goto out;
	}
	p->last_seen = util_now();
	switch (f->body_case) {
	case CARENET__FRAME__BODY_WELCOME:
		parent_welcome(l, f->welcome);
		break;
	case CARENET__FRAME__BODY_REFUSE:
		link_count(l, CTR_PARENT_REFUSED);
		log_warnx("link %s: parent refused us: %s", p->expect_id, f->refuse->reason);
		parent_set_down(l, f->refuse->reason);
		if (-(int)f->refuse->code == CN_ENOTREADY)
			parent_send_hello(l);
		break;
	case CARENET__FRAME__BODY_PING:
		send_pong(p->sock, NULL, 0, f->ping);
		break;
	case CARENET__FRAME__BODY_PONG:
		if (f->pong->nonce == p->ping_nonce)
			p->rtt_us = util_mono_us() - f->pong->sent_us;
		break;
	case CARENET__FRAME__BODY_BATCH:
	case CARENET__FRAME__BODY_ACK:
		if (p->up)
			l->ev.frame(l->ev.arg, p->expect_id, &f);
		break;
	default:
		link_count(l, CTR_INVALID_MESSAGES);
		log_warnx("link %s: unexpected %s from parent", p->expect_id, wire_kind(f));
		break;
	}
out:
	wire_free(&f);
	zmq_msg_close(&body);
}

/* ----------------------------------------------------------------- events */

size_t link_pollitems(struct link *l, zmq_pollitem_t *items, size_t max)
{
	void *socks[5] = {l->zap, l->router, l->router_mon, l->parent.sock, l->parent.mon};
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_LEN(socks) && n < max; i++) {
		if (!socks[i])
			continue;
		items[n].socket = socks[i];
		items[n].fd = 0;
		items[n].events = ZMQ_POLLIN;
		items[n].revents = 0;
		n++;
	}
	return n;
}

#define BURST 256 /* messages per socket per loop turn, so no socket starves */

void link_handle(struct link *l, const zmq_pollitem_t *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *s = items[i].socket;
		if (!(items[i].revents & ZMQ_POLLIN))
			continue;
		for (int k = 0; k < BURST; k++) {
			int ev = 0;
			size_t evlen = sizeof(ev);
			if (zmq_getsockopt(s, ZMQ_EVENTS, &ev, &evlen) < 0 || !(ev & ZMQ_POLLIN))
				break;
			if (s == l->zap)
				link_zap_handle(l);
			else if (s == l->router)
				router_recv(l);
			else if (s == l->router_mon)
				router_monitor(l);
			else if (s == l->parent.sock)
				parent_recv(l);
			else if (s == l->parent.mon)
				parent_monitor(l);
		}
	}
}

static void tick_parent(struct link *l, uint64_t now_us)
{
	struct parent *p = &l->parent;

	if (!p->sock)
		return;
	if (p->connected && !p->up && now_us - p->hello_sent_us >= HELLO_RETRY_US)
		parent_send_hello(l);
	if (p->up && now_us - p->ping_sent_us >= (uint64_t)l->cfg->ping_interval_ms * 1000u) {
		p->ping_sent_us = now_us;
		p->ping_nonce++;
		send_ping(p->sock, NULL, 0, p->ping_nonce, now_us);
	}
}

static void ping_child(struct peer *p, void *arg)
{
	struct link *l = arg;
	uint64_t now_us = util_mono_us();

	if (!p->up)
		return;
	p->ping_nonce++;
	send_ping(l->router, p->rid, p->rid_len, p->ping_nonce, now_us);
}

/* A session about to be dropped hears why, so its node shows the reason
 * (libzmq 4.3 cannot close one ROUTER peer's connection; its key is banned
 * instead and whatever it still sends is dropped). */
static void tell_revoked(struct peer *p, void *arg)
{
	send_refuse(arg, p, CN_EREVOKED, "your certificate has been revoked: ask the CA");
}

static void tell_expired(struct peer *p, void *arg)
{
	send_refuse(arg, p, CN_EEXPIRED, "your certificate has expired: ask the CA for a new one");
}

static void slow_checks(struct link *l, uint64_t now)
{
	const struct pki_identity *me = l->me;
	uint64_t day = now / 86400;
	int n;

	if (me->not_after > 0 && (uint64_t)me->not_after < now + 30 * 86400 &&
	    l->warned_expiry != day) {
		l->warned_expiry = day;
		log_warnx("link: this node's certificate expires in %lld days: ask the CA for a "
		          "new one",
		          (long long)(((int64_t)me->not_after - (int64_t)now) / 86400));
	}
	n = peers_drop_expired(l->peers, now, tell_expired, l);
	l->counters[CTR_SESSIONS_DROPPED] += (uint64_t)n;
	peers_expire_bans(l->peers, now);
}

long link_tick(struct link *l)
{
	uint64_t now_us = util_mono_us(), now = util_now();
	uint64_t ping_us = (uint64_t)l->cfg->ping_interval_ms * 1000u;
	uint64_t dead_after = 3 * (uint64_t)l->cfg->ping_interval_ms / 1000 +
	                      (uint64_t)l->cfg->heartbeat_timeout_ms / 1000 + 1;

	tick_parent(l, now_us);
	if (l->router && now_us >= l->next_ping_us) {
		l->next_ping_us = now_us + ping_us;
		peers_foreach(l->peers, ping_child, l);
		peers_check_liveness(l->peers, now, dead_after);
	}
	if (now >= l->next_slow) {
		l->next_slow = now + 10;
		slow_checks(l, now);
	}
	return TICK_MS;
}

void link_recheck(struct link *l)
{
	int n = peers_drop_revoked(l->peers, l->trust, util_now(), tell_revoked, l);
	if (n > 0) {
		l->counters[CTR_SESSIONS_DROPPED] += (uint64_t)n;
		log_info("link: dropped %d sessions after the revocation list changed", n);
	}
}
