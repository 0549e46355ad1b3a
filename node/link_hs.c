/*
 * link_hs: incoming connections that fail the CURVE handshake (a village
 * holding another server key in parent.pem, a key ZAP refused, something
 * that is not a carenet node), logged with who and why in plain words, at
 * most once a minute per address: the first failure at once, then how many
 * more there were. ZeroMQ's handshake-failure event names no connection: the
 * address is that of the latest connection accepted (ACCEPTED gives its fd,
 * getpeername the address) that has not failed or closed yet, right unless
 * two handshakes overlap; when getpeername loses the race (the connection
 * is already closed: the loop saw ACCEPTED after the handshake had failed,
 * as happens on a busy machine), the failure counts for the address that
 * failed the same way last, and if none did, its line waits up to HS_HOLD
 * seconds for a failure of the same kind that names its address (a client
 * that failed retries) before it is written naming none. link_int.h
 * declares it; link.c feeds it the children
 * ROUTER's monitor events. Also what the parent link's status says when the
 * parent's ZAP refuses our key, and two nodes running one identity.
 */
#include "link_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "log.h"
#include "util.h"

#define HS_CONNS 64 /* accepted connections remembered */
#define HS_ADDRS 32 /* addresses whose failures are being counted */
#define HS_EVERY 60 /* seconds between two lines about one address */
#define HS_UNKNOWN "an unknown address"
#define HS_HOLD 10 /* seconds a failure without an address waits for one */

struct hs_conn {
	int fd; /* -1: free */
	int failed;
	uint64_t seq; /* order of acceptance */
	char addr[64];
};

struct hs_addr {
	char addr[64];
	uint16_t ev;
	uint64_t logged; /* UTC seconds of the last line */
	unsigned held;   /* failures since */
};

struct link_hs {
	struct hs_conn conns[HS_CONNS];
	struct hs_addr addrs[HS_ADDRS];
	uint64_t seq;
	/* failures of one kind without an address, held (HS_HOLD) */
	uint16_t held_ev;
	unsigned held_n;
	uint64_t held_since;
};

static const char *hs_why(uint16_t ev)
{
	if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
		return "its key was refused (banned, revoked, or too many new keys from that "
		       "address "
		       "in a minute)";
	if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
		return "it expects another server key than this node's (its parent.pem is not this "
		       "node's certificate), or it is not a carenet node";
	return "the connection broke during the CURVE handshake";
}

static void peer_addr(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	void *a = NULL;

	snprintf(out, len, HS_UNKNOWN);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET)
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (a)
		inet_ntop(ss.ss_family, a, out, (socklen_t)len);
}

static void accepted(struct link_hs *h, int fd)
{
	struct hs_conn *c = &h->conns[0];

	for (size_t i = 0; i < HS_CONNS; i++) { /* a free slot, else the oldest */
		if (h->conns[i].fd < 0 || h->conns[i].fd == fd) {
			c = &h->conns[i];
			break;
		}
		if (h->conns[i].seq < c->seq)
			c = &h->conns[i];
	}
	c->fd = fd;
	c->failed = 0;
	c->seq = ++h->seq;
	peer_addr(fd, c->addr, sizeof(c->addr));
}

/* The latest accepted connection that has not failed. */
static const char *failed_addr(struct link_hs *h)
{
	struct hs_conn *c = NULL;

	for (size_t i = 0; i < HS_CONNS; i++)
		if (h->conns[i].fd >= 0 && !h->conns[i].failed && (!c || h->conns[i].seq > c->seq))
			c = &h->conns[i];
	if (!c)
		return HS_UNKNOWN;
	c->failed = 1;
	return c->addr;
}

/* The address that last failed with ev within HS_EVERY, or NULL. */
static const char *recent(struct link_hs *h, uint16_t ev, uint64_t now)
{
	const struct hs_addr *a = NULL;

	for (size_t i = 0; i < HS_ADDRS; i++)
		if (h->addrs[i].addr[0] && h->addrs[i].ev == ev &&
		    now - h->addrs[i].logged < HS_EVERY && (!a || h->addrs[i].logged > a->logged))
			a = &h->addrs[i];
	return a ? a->addr : NULL;
}

static void report_as(struct link_hs *h, const char *addr, uint16_t ev, unsigned before);

static void report(struct link_hs *h, const char *addr, uint16_t ev)
{
	uint64_t now = util_now();
	unsigned before = 0;

	if (!strcmp(addr, HS_UNKNOWN) && recent(h, ev, now))
		addr = recent(h, ev, now);
	if (!strcmp(addr, HS_UNKNOWN)) { /* hold it for a failure that names one */
		if (h->held_n && h->held_ev != ev)
			link_hs_flush(h, 1);
		if (!h->held_n++) {
			h->held_ev = ev;
			h->held_since = now;
		}
		return;
	}
	if (h->held_n && h->held_ev == ev) { /* most likely the same client's */
		before = h->held_n;
		h->held_n = 0;
	}
	report_as(h, addr, ev, before);
}

/* Writes the held failures' line, naming no address, once HS_HOLD has
 * passed (or at once: force). */
void link_hs_flush(struct link_hs *h, int force)
{
	unsigned n = h ? h->held_n : 0;

	if (!n || (!force && util_now() - h->held_since < HS_HOLD))
		return;
	h->held_n = 0;
	report_as(h, HS_UNKNOWN, h->held_ev, n - 1);
}

long link_hs_due(const struct link_hs *h)
{
	uint64_t now = util_now();

	if (!h || !h->held_n)
		return -1;
	return now - h->held_since >= HS_HOLD ? 0 : (long)(HS_HOLD - (now - h->held_since));
}

/* A failure from addr (before: earlier ones held for want of an address,
 * counted with it). */
static void report_as(struct link_hs *h, const char *addr, uint16_t ev, unsigned before)
{
	struct hs_addr *a = &h->addrs[0];
	uint64_t now = util_now();

	for (size_t i = 0; i < HS_ADDRS; i++) { /* its entry, else the least recent */
		if (!strcmp(h->addrs[i].addr, addr)) {
			a = &h->addrs[i];
			break;
		}
		if (h->addrs[i].logged < a->logged)
			a = &h->addrs[i];
	}
	if (strcmp(a->addr, addr) != 0 || a->ev != ev) {
		snprintf(a->addr, sizeof(a->addr), "%s", addr);
		a->ev = ev;
		a->held = 0;
		a->logged = now;
		if (before)
			log_notice("link: %u connections from %s failed their CURVE handshake: %s "
			           "(further failures from there are counted and logged once a minute)",
			           before + 1, addr, hs_why(ev));
		else
			log_notice("link: a connection from %s failed its CURVE handshake: %s (further "
			           "failures from there are counted and logged once a minute)",
			           addr, hs_why(ev));
		return;
	}
	a->held += 1 + before;
	if (now - a->logged < HS_EVERY)
		return;
	log_notice("link: %u more connections from %s failed their CURVE handshake in the last "
	           "%llus: %s",
	           a->held, addr, (unsigned long long)(now - a->logged), hs_why(ev));
	a->held = 0;
	a->logged = now;
}

void link_hs_event(struct link *l, uint16_t ev, uint32_t val)
{
	struct link_hs *h = l->hs;

	if (!h) {
		if (!(h = l->hs = calloc(1, sizeof(*h))))
			return;
		for (size_t i = 0; i < HS_CONNS; i++)
			h->conns[i].fd = -1;
	}
	if (ev == ZMQ_EVENT_ACCEPTED) {
		accepted(h, (int)val);
	} else if (ev == ZMQ_EVENT_DISCONNECTED) {
		for (size_t i = 0; i < HS_CONNS; i++)
			if (h->conns[i].fd == (int)val)
				h->conns[i].fd = -1;
	} else {
		report(h, failed_addr(h), ev);
	}
}

/* The uplink's ZAP (the parent's, or the county's for a direct link)
 * refuses our key: banned or revoked, most often after it refused our HELLO
 * for a reason it told us, which stays in view. */
void link_uplink_refused_key(struct link *l, struct uplink *u)
{
	const char *prev = u->s.last_error;
	char why[sizeof(u->s.last_error)];
	int keep = strstr(prev, "refused") || strstr(prev, "duplicate");

	if (strstr(prev, "refused our key"))
		return;
	snprintf(why, sizeof(why), "%s refused our key (banned or revoked)%s%.200s",
	         u->direct ? "the county" : "parent", keep ? " after: " : "", keep ? prev : "");
	link_uplink_set_down(l, u, why);
}

void link_uplink_backoff(struct link *l, struct uplink *u)
{
	uint64_t cap = (uint64_t)l->cfg->reconnect_ivl_max_ms * 1000u;

	if (u->resume_us || !u->sock)
		return; /* already paused */
	u->backoff_us = u->backoff_us ? 2 * u->backoff_us : 1000000u;
	if (u->backoff_us > cap)
		u->backoff_us = cap;
	if (zmq_disconnect(u->sock, u->endpoint) == 0)
		u->resume_us = util_mono_us() + u->backoff_us;
	log_debug("link %s: handshake refused, connecting again in %llu ms", u->expect_id,
	          (unsigned long long)(u->backoff_us / 1000u));
}

/* A Refuse to connection rid of key p (not necessarily the key's own). */
void link_refuse_conn(struct link *l, const struct peer *p, const void *rid, size_t rlen, int code,
                      const char *why)
{
	struct peer other = *p;

	other.rid_len = rlen > PEER_RID_MAX ? PEER_RID_MAX : rlen;
	memcpy(other.rid, rid, other.rid_len);
	link_send_refuse(l, &other, code, why);
}

/* A HELLO on a second connection while the key's session is up on another
 * that has not closed: a reconnection whose old connection lingers, once;
 * a second such takeover within DUP_WINDOW means two nodes run the same
 * identity and replace each other. Then the newcomer is refused, in plain
 * words, and the session stays where it is (until it closes or goes
 * silent). Returns 1 if refused. */
#define DUP_WINDOW 120
int link_duplicate_identity(struct link *l, struct peer *p, const void *rid, size_t rlen,
                            uint64_t now)
{
	char why[sizeof(p->last_error)];

	if (!p->up || peer_on_conn(p, rid, rlen))
		return 0;
	if (!p->takeover_at || now - p->takeover_at > DUP_WINDOW) {
		p->takeover_at = now;
		return 0;
	}
	snprintf(why, sizeof(why),
	         "duplicate identity: another node with this identity (%s) is connected to %s; "
	         "two machines must not run the same identity files: stop one, or give it its "
	         "own identity (carenet init, ca issue, enroll)",
	         p->ident.id, l->me->id);
	link_count(l, CTR_REFUSED_DUPLICATE);
	log_warnx("link %s: duplicate identity: a second connection with the same key said "
	          "HELLO while the session is up on another; refused (two nodes run the same "
	          "identity files?)",
	          p->ident.id);
	link_refuse_conn(l, p, rid, rlen, CN_EEXIST, why);
	snprintf(p->last_error, sizeof(p->last_error), "%s", why);
	p->takeover_at = now; /* the window slides while the other keeps trying */
	return 1;
}

void link_hs_free(struct link *l)
{
	link_hs_flush(l->hs, 1);
	free(l->hs);
	l->hs = NULL;
}
