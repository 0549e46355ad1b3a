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

struct uplink *link_uplink_of(struct link *l, const struct peer *s)
{
	return s == &l->county.s ? &l->county : &l->parent;
}

/* The one id a session answers to: the office expected up a link until its
 * WELCOME names it, a child's certificate id. */
static const char *session_id(struct link *l, const struct peer *s)
{
	return s->is_parent ? link_uplink_of(l, s)->expect_id : s->ident.id;
}

/* Sends over the session's socket: a DEALER up (the parent's or the
 * county-direct one), or the children ROUTER with the child's routing id. */
static int session_send(struct link *l, struct peer *s, const Carenet__Frame *f)
{
	int rc;

	if (s->is_parent)
		return link_uplink_of(l, s)->sock
		           ? send_frame_to(link_uplink_of(l, s)->sock, NULL, 0, f)
		           : CN_ENOTREADY;
	rc = send_frame_to(l->router, s->rid, s->rid_len, f);
	if (rc != 0 && (errno == EHOSTUNREACH) && s->up) {
		log_info("link %s: child gone (unreachable)", s->ident.id);
		peer_set_down(s, util_now(), "unreachable");
	}
	return rc;
}

void link_send_refuse(struct link *l, struct peer *s, int code, const char *reason)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Refuse r = CARENET__REFUSE__INIT;

	r.code = (uint32_t)-code;
	r.reason = (char *)reason;
	f.body_case = CARENET__FRAME__BODY_REFUSE;
	f.refuse = &r;
	session_send(l, s, &f);
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

int link_parent_summaries(const struct link *l)
{
	return l->parent.s.up && l->parent.summaries;
}

int link_send(struct link *l, const char *peer_id, int is_parent, const Carenet__Frame *f)
{
	struct uplink *u = strcmp(peer_id, l->county.expect_id) == 0 ? &l->county : &l->parent;
	struct peer *s = &u->s;

	if (is_parent) {
		if (!u->sock || !s->up || strcmp(peer_id, u->expect_id) != 0)
			return CN_ENOTREADY;
	} else if (!l->router || !(s = peers_find_id(l->peers, peer_id)) || !s->up) {
		return CN_ENOTREADY;
	}
	return session_send(l, s, f);
}

/* Our side of the handshake: HELLO to the parent, WELCOME to a child; both
 * carry the version, our clock, our chain and our inbound cursors. */
void link_send_greeting(struct link *l, struct peer *s)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Hello h = CARENET__HELLO__INIT;
	Carenet__Welcome w = CARENET__WELCOME__INIT;
	ProtobufCBinaryData chain[WIRE_MAX_CHAIN];
	Carenet__LaneCursor cur[WIRE_LANES], *curp[WIRE_LANES];
	size_t nchain;

	fill_cursors(l, session_id(l, s), cur, curp);
	fill_chain(l, chain, &nchain);
	if (s->is_parent) {
		h.cursors = curp;
		h.n_cursors = WIRE_LANES;
		h.chain = chain;
		h.n_chain = nchain;
		h.version = WIRE_VERSION;
		h.time = util_now();
		f.body_case = CARENET__FRAME__BODY_HELLO;
		f.hello = &h;
		link_uplink_of(l, s)->hello_sent_us = util_mono_us();
	} else {
		w.cursors = curp;
		w.n_cursors = WIRE_LANES;
		w.chain = chain;
		w.n_chain = nchain;
		w.version = WIRE_VERSION;
		w.time = util_now();
		w.summaries = 1;
		f.body_case = CARENET__FRAME__BODY_WELCOME;
		f.welcome = &w;
	}
	if (session_send(l, s, &f) != 0 && s->is_parent)
		log_debug("link %s: hello not sent yet: %s", session_id(l, s), zmq_strerror(errno));
}

void link_send_ping(struct link *l, struct peer *s, uint64_t now_us)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Ping pg = CARENET__PING__INIT;

	pg.nonce = ++s->ping_nonce;
	pg.sent_us = now_us;
	f.body_case = CARENET__FRAME__BODY_PING;
	f.ping = &pg;
	session_send(l, s, &f);
}

static void send_pong(struct link *l, struct peer *s, const Carenet__Ping *pg)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Pong po = CARENET__PONG__INIT;

	po.nonce = pg->nonce;
	po.sent_us = pg->sent_us;
	f.body_case = CARENET__FRAME__BODY_PONG;
	f.pong = &po;
	session_send(l, s, &f);
}

/* ---------------------------------------------------------------- monitors */

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
			link_hs_event(l, ev, val); /* who and why, once a minute per address */
			break;
		case ZMQ_EVENT_ACCEPTED:
			link_hs_event(l, ev, val);
			break;
		case ZMQ_EVENT_DISCONNECTED:
			peers_fd_closed(l->peers, (int)val, util_now());
			link_hs_event(l, ev, val);
			break;
		default:
			break;
		}
	}
}

void link_uplink_set_down(struct link *l, struct uplink *u, const char *why)
{
	struct peer *p = &u->s;
	uint64_t now = util_now();

	l->ev.peer_down(l->ev.arg, u->expect_id);
	if (p->up)
		log_info("link %s: %s down: %s", u->expect_id,
		         u->direct ? "county-direct link" : "parent", why);
	if (!p->up && p->since == 0)
		p->since = now;
	peer_set_down(p, now, why);
}

void link_parent_set_down(struct link *l, const char *why)
{
	link_uplink_set_down(l, &l->parent, why);
}

void link_uplink_monitor(struct link *l, struct uplink *p)
{
	uint16_t ev;
	uint32_t val;

	while (link_monitor_read(p->mon, &ev, &val) == 0) {
		switch (ev) {
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			p->connected = 1;
			p->backoff_us = 0;
			log_debug("link %s: CURVE handshake done, sending HELLO", p->expect_id);
			link_send_greeting(l, &p->s);
			break;
		case ZMQ_EVENT_DISCONNECTED: /* before HANDSHAKE_SUCCEEDED: CURVE failed */
			if (p->connected || !strstr(p->s.last_error, "refused our key"))
				link_uplink_set_down(
				    l, p, p->connected ? "disconnected" : LINK_REASON_CURVE);
			p->connected = 0;
			break;
		case ZMQ_EVENT_CONNECTED: /* TCP; the CURVE handshake follows */
			p->tcp_up = 1;
			break;
		case ZMQ_EVENT_CONNECT_RETRIED: /* after a failed connect, or a disconnect */
			if (!p->s.up && !p->tcp_up)
				link_reason_refused(p->s.last_error, sizeof(p->s.last_error),
				                    p->endpoint);
			p->tcp_up = 0;
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
			count_hs_failure(l, ev);
			link_uplink_refused_key(l, p);
			link_uplink_backoff(l, p);
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			count_hs_failure(l, ev);
			link_uplink_set_down(l, p, "CURVE handshake failed (wrong parent key?)");
			link_uplink_backoff(l, p);
			break;
		default:
			break;
		}
	}
}

/* -------------------------------------------------------------- handshake */

/* Which check refused a HELLO/WELCOME: its counter, and plain words for the
 * other side's status and our log. The last row is the default. */
static const struct refusal {
	int rc;
	enum ctr ctr;
	const char *words;
} refusals[] = {
    {CN_EEXPIRED, CTR_REFUSED_EXPIRED, "certificate refused (expired or not yet valid)"},
    {CN_EREVOKED, CTR_REFUSED_REVOKED, "certificate refused (revoked)"},
    {CN_ESCOPE, CTR_REFUSED_SCOPE,
     "certificate refused (scope: outside its CA's or the root's scope)"},
    {CN_EROLE, CTR_REFUSED_NOT_CHILD,
     "refused (scope: not a direct child here, or an inspector not covering it)"},
    {CN_EKEYMISMATCH, CTR_REFUSED_KEYMISMATCH,
     "certificate refused (its CURVE key is not the one this connection uses)"},
    {CN_EPROTO, CTR_REFUSED_PROTO, "refused (protocol version)"},
    {0, CTR_REFUSED_VERIFY,
     "certificate refused (wrong CA: it does not verify against this network's root)"},
};

static const struct refusal *refusal_of(int rc)
{
	size_t i = 0;

	while (refusals[i].rc && refusals[i].rc != rc)
		i++;
	return &refusals[i];
}

/* Bans a child's key for limits.ban_seconds and drops its session. */
static void ban(struct link *l, struct peer *p, uint64_t now, const char *what)
{
	if (peers_ban(l->peers, p->key, now + (uint64_t)l->cfg->ban_seconds, peer_has_cert(p))) {
		log_warnx("link key=%.8s: not banned, the ban list is full of certificates' bans "
		          "(%s)",
		          p->key, what);
		return;
	}
	link_count(l, CTR_BANS);
	log_warnx("link %s: key=%.8s banned for %ds (%s)", p->ident.id[0] ? p->ident.id : "?",
	          p->key, l->cfg->ban_seconds, what);
	if (p->up) {
		peer_set_down(p, now, "banned");
		link_count(l, CTR_SESSIONS_DROPPED);
	}
}

int link_strike(struct link *l, struct peer *p, unsigned n, const char *what)
{
	uint64_t now = util_now();

	if (p->is_parent || n == 0)
		return 0;
	if (peer_note_invalid(p, now, n) < (unsigned)l->cfg->ban_after)
		return 0;
	ban(l, p, now, what);
	return 1;
}

/* What a key without a certificate sends before HELLO is capped in bytes
 * (limits.prehello_bytes): past it the key is banned. Returns 1 if banned. */
static int prehello_charge(struct link *l, struct peer *p, size_t len)
{
	if (p->up || peer_has_cert(p))
		return 0;
	p->prehello_bytes += len;
	if (p->prehello_bytes <= l->cfg->prehello_bytes)
		return 0;
	link_count(l, CTR_PREHELLO_BUDGET);
	ban(l, p, util_now(), "over limits.prehello_bytes before HELLO");
	return 1;
}

void link_penalize(struct link *l, const char *peer_id, unsigned n)
{
	struct peer *p = peers_find_id(l->peers, peer_id);

	if (p)
		link_strike(l, p, n, "items refused by delivery");
}

static void refuse_greeting(struct link *l, struct peer *s, int rc, const char *detail)
{
	char why[WIRE_MAX_REASON];

	snprintf(why, sizeof(why), "%s: %s", refusal_of(rc)->words, detail);
	if (s->is_parent) {
		link_count(l, CTR_PARENT_REFUSED);
		log_warnx("link %s: welcome refused (%s): %s", session_id(l, s), cn_errname(rc),
		          why);
		link_uplink_set_down(l, link_uplink_of(l, s), why);
		return;
	}
	link_count(l, refusal_of(rc)->ctr);
	log_warnx("link key=%.8s: hello refused (%s): %s", s->key, cn_errname(rc), why);
	if (rc == CN_EREVOKED)
		peers_add_revoked_key(l->peers, s->key);
	link_send_refuse(l, s, rc, why);
	if (peer_has_cert(s)) /* a known child: its row in status says why */
		peer_set_down(s, util_now(), why);
	link_strike(l, s, 1, "hello refused");
}

/* A HELLO from a child or the parent's WELCOME: the session comes up. */
static void on_greeting(struct link *l, struct peer *s, uint32_t version, size_t nchain,
                        const ProtobufCBinaryData *chain, Carenet__LaneCursor *const *cursors,
                        size_t ncursors)
{
	uint64_t cur[WIRE_LANES], now = util_now();
	struct pki_identity id;
	char why[256] = "";
	int rc, changed, direct = 0;

	if ((rc = link_check_greeting(l, s, version, nchain, chain, &id, &direct, why, sizeof(why))) !=
	    0) {
		refuse_greeting(l, s, rc, why);
		return;
	}
	if (!s->is_parent && peers_replace_id(l->peers, s, id.id, now))
		link_count(l, CTR_SESSIONS_DROPPED);
	/* The store keeps a child's id, role, name and key: write only changes. */
	changed = strcmp(s->ident.id, id.id) != 0 || strcmp(s->ident.name, id.name) != 0 ||
	          s->ident.role != id.role;
	s->ident = id;
	if (!s->is_parent)
		s->direct = direct;
	else
		direct = link_uplink_of(l, s)->direct;
	if (!s->up)
		log_info("link %s: %s up (%s)", id.id,
		         s->is_parent ? (direct ? "county-direct link" : "parent")
		         : direct     ? "county-direct session of a village"
		                      : pki_role_name(id.role),
		         id.name);
	peer_set_up(s, now);
	link_count(l, CTR_HANDSHAKES_OK);
	if (direct && !s->is_parent)
		link_count(l, CTR_DIRECT_SESSIONS);
	if (!s->is_parent) {
		if (changed && !direct) /* a direct session is no child to list after a restart */
			peers_persist(l->peers, l->store, s);
		link_send_greeting(l, s);
	}
	read_cursors(cursors, ncursors, cur);
	if (s->is_parent && strcmp(s->ident.id, session_id(l, s)) != 0) {
		/* a parent whose code changed (撤乡设镇, link_check.c): delivery
		 * knows it by the id this node's store and queues use */
		struct pki_identity as = s->ident;
		snprintf(as.id, sizeof(as.id), "%s", session_id(l, s));
		l->ev.peer_up(l->ev.arg, &as, s->is_parent, direct, cur, chain, nchain);
		return;
	}
	l->ev.peer_up(l->ev.arg, &s->ident, s->is_parent, direct, cur, chain, nchain);
}

static void parent_refused(struct link *l, struct peer *s, const Carenet__Refuse *r)
{
	link_count(l, CTR_PARENT_REFUSED);
	log_warnx("link %s: %s refused us: %s", session_id(l, s),
	          link_uplink_of(l, s)->direct ? "the county (direct link)" : "parent", r->reason);
	link_uplink_set_down(l, link_uplink_of(l, s), r->reason);
	if (-(int)r->code == CN_ENOTREADY)
		link_send_greeting(l, s);
}

static void unexpected(struct link *l, struct peer *s, const Carenet__Frame *f)
{
	link_count(l, CTR_INVALID_MESSAGES);
	log_warnx("link %s: unexpected %s frame from %s", session_id(l, s), wire_kind(f),
	          s->is_parent ? "the parent" : "a child");
	link_strike(l, s, 1, "unexpected frame");
}

/* One decoded frame from a session, child or parent. */
static void session_frame(struct link *l, struct peer *s, Carenet__Frame **fp)
{
	const Carenet__Frame *f = *fp;

	switch (f->body_case) {
	case CARENET__FRAME__BODY_BATCH:
	case CARENET__FRAME__BODY_ACK:
		/* Inspectors query; they take no part in delivery. */
		if (s->up && s->ident.role != PKI_ROLE_INSPECTOR) /* session_id: a parent */
			l->ev.frame(l->ev.arg, session_id(l, s), fp); /* whose code changed too */
		return;
	case CARENET__FRAME__BODY_SUMMARY: /* a child's view of its subtree (node/health.c) */
		if (s->is_parent || s->ident.role == PKI_ROLE_INSPECTOR)
			break;
		if (s->up)
			l->ev.frame(l->ev.arg, s->ident.id, fp);
		return;
	case CARENET__FRAME__BODY_INSPECT_QUERY: /* an inspector's question (node_inspect.c) */
	case CARENET__FRAME__BODY_INSPECT_FINDING:
		if (s->is_parent || s->ident.role != PKI_ROLE_INSPECTOR)
			break;
		l->ev.frame(l->ev.arg, s->ident.id, fp);
		return;
	case CARENET__FRAME__BODY_HELLO:
		if (s->is_parent)
			break;
		on_greeting(l, s, f->hello->version, f->hello->n_chain, f->hello->chain,
		            f->hello->cursors, f->hello->n_cursors);
		return;
	case CARENET__FRAME__BODY_WELCOME:
		if (!s->is_parent)
			break;
		link_uplink_of(l, s)->summaries = f->welcome->summaries;
		on_greeting(l, s, f->welcome->version, f->welcome->n_chain, f->welcome->chain,
		            f->welcome->cursors, f->welcome->n_cursors);
		return;
	case CARENET__FRAME__BODY_REFUSE:
		if (!s->is_parent)
			break;
		parent_refused(l, s, f->refuse);
		return;
	case CARENET__FRAME__BODY_PING:
		send_pong(l, s, f->ping);
		return;
	case CARENET__FRAME__BODY_PONG:
		if (f->pong->nonce == s->ping_nonce)
			s->rtt_us = util_mono_us() - f->pong->sent_us;
		return;
	default:
		break;
	}
	unexpected(l, s, f);
}

/* Decodes a message from session s (extra: it had more parts); invalid
 * ones are counted, logged and held against a child. */
static int session_decode(struct link *l, struct peer *s, zmq_msg_t *body, int extra,
                          Carenet__Frame **f)
{
	const char *why = "multipart message";
	size_t len = zmq_msg_size(body);
	int rc = extra ? CN_EPROTO : wire_decode(zmq_msg_data(body), len, l->cfg->max_frame, f, &why);

	if (rc == 0)
		return 0;
	link_count(l, rc == CN_ETOOBIG ? CTR_OVERSIZE : CTR_INVALID_MESSAGES);
	if (s->is_parent)
		log_warnx("link %s: invalid frame from above: %s", session_id(l, s), why);
	else
		log_warnx("link %s key=%.8s: %s len=%zu", s->up ? s->ident.id : "?", s->key, why,
		          len);
	link_strike(l, s, 1, why);
	return rc;
}

/* A frame other than HELLO before the key's session is up. A key that
 * held a session (a child whose session we marked down) hears "HELLO
 * first" and takes a strike at most once per HELLO retry interval, since
 * what it had in flight keeps arriving until it hears; others every time. */
static void before_hello(struct link *l, struct peer *p, const Carenet__Frame *f, size_t len)
{
	uint64_t now_us = util_mono_us();

	link_count(l, CTR_NO_HELLO);
	if (prehello_charge(l, p, len))
		return;
	if (peer_has_cert(p) && now_us - p->refused_us < HELLO_RETRY_US)
		return;
	p->refused_us = now_us;
	log_warnx("link key=%.8s: %s before HELLO dropped", p->key, wire_kind(f));
	link_send_refuse(l, p, CN_ENOTREADY, "send HELLO with your certificate chain first");
	link_strike(l, p, 1, "no hello");
}

/* One frame from key p on connection rid (decoded: f). A HELLO makes rid the
 * key's connection. Other frames from a connection that is not the key's
 * (of a key that held a session) were queued before a newer connection said
 * HELLO: they are dropped and counted, never held against the key. */
static void router_frame(struct link *l, struct peer *p, const zmq_msg_t *rid, int fd,
                         Carenet__Frame **f, size_t len)
{
	const void *r = zmq_msg_data((zmq_msg_t *)rid);
	size_t rlen = zmq_msg_size((zmq_msg_t *)rid);
	uint64_t now = util_now();

	if ((*f)->body_case == CARENET__FRAME__BODY_HELLO) {
		if (link_duplicate_identity(l, p, r, rlen, now))
			return;
		peer_bind(p, r, rlen, fd, now);
		session_frame(l, p, f);
		if (!p->up)
			prehello_charge(l, p, len);
		return;
	}
	if (!peer_on_conn(p, r, rlen)) {
		if (peer_has_cert(p)) {
			link_count(l, CTR_STALE_DROPPED);
			log_debug("link %s: %s from a replaced connection dropped", p->ident.id,
			          wire_kind(*f));
			/* Still talking there: it may be another node with this identity.
			 * Its next HELLO shows it (link_duplicate_identity). */
			if (p->up && util_mono_us() - p->refused_us >= HELLO_RETRY_US) {
				p->refused_us = util_mono_us();
				link_refuse_conn(l, p, r, rlen, CN_ENOTREADY,
				                 "another connection with this identity said HELLO "
				                 "after this one: say HELLO again");
			}
			return;
		}
		peer_bind(p, r, rlen, fd, now);
	} else if (p->rid_len == 0) {
		peer_bind(p, r, rlen, fd, now);
	}
	p->last_seen = now;
	if (!p->up) {
		before_hello(l, p, *f, len);
		return;
	}
	session_frame(l, p, f);
}

/* One message on the children ROUTER: [routing id][frame]. */
static void router_recv(struct link *l)
{
	zmq_msg_t rid, body;
	struct peer *p;
	Carenet__Frame *f = NULL;
	const char *key;
	int extra = 0;
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
	if (peers_is_banned(l->peers, key, now)) {
		link_count(l, CTR_BANNED_DROPPED);
		goto out;
	}
	if (!(p = peers_touch(l->peers, key, now)))
		goto out;
	if (session_decode(l, p, &body, extra, &f) != 0) {
		prehello_charge(l, p, zmq_msg_size(&body));
		goto out;
	}
	router_frame(l, p, &rid, zmq_msg_get(&body, ZMQ_SRCFD), &f, zmq_msg_size(&body));
out:
	wire_free(&f);
	zmq_msg_close(&rid);
	zmq_msg_close(&body);
}

/* One message on a DEALER up: [frame]. A message with more parts is
 * invalid; its other parts are drained as further messages. */
void link_uplink_recv(struct link *l, struct uplink *u)
{
	struct peer *p = &u->s;
	zmq_msg_t body;
	Carenet__Frame *f = NULL;

	zmq_msg_init(&body);
	if (zmq_msg_recv(&body, u->sock, ZMQ_DONTWAIT) < 0)
		goto out;
	if (session_decode(l, p, &body, zmq_msg_more(&body), &f) != 0)
		goto out;
	p->last_seen = util_now();
	session_frame(l, p, &f);
out:
	wire_free(&f);
	zmq_msg_close(&body);
}

/* ----------------------------------------------------------------- events */

size_t link_pollitems(struct link *l, zmq_pollitem_t *items, size_t max)
{
	void *socks[7] = {l->zap,        l->router,      l->router_mon, l->parent.sock,
	                  l->parent.mon, l->county.sock, l->county.mon};
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

void link_handle(struct link *l, const zmq_pollitem_t *items, size_t n, int peers)
{
	for (size_t i = 0; i < n; i++) {
		void *s = items[i].socket;
		if (!(items[i].revents & ZMQ_POLLIN))
			continue;
		if (!peers && (s == l->router || s == l->parent.sock || s == l->county.sock))
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
				link_uplink_recv(l, &l->parent);
			else if (s == l->parent.mon)
				link_uplink_monitor(l, &l->parent);
			else if (s == l->county.sock)
				link_uplink_recv(l, &l->county);
			else if (s == l->county.mon)
				link_uplink_monitor(l, &l->county);
		}
	}
}
