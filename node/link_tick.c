/*
 * link_tick: the link's periodic work (link_tick, link_recheck): HELLO
 * retries and pings, liveness, certificate expiry and revocation of the
 * sessions (children and parent), bans running out. link.c has the events
 * and handshakes; link_int.h what they share.
 */
#include "link.h"

#include <errno.h>
#include <stdint.h>

#include <zmq.h>

#include "err.h"
#include "log.h"
#include "peer.h"
#include "util.h"

#include "link_int.h"

void link_uplink_tick(struct link *l, struct uplink *u, uint64_t now_us)
{
	if (!u->sock)
		return;
	if (u->resume_us && now_us >= u->resume_us) {
		u->resume_us = 0;
		if (zmq_connect(u->sock, u->endpoint) < 0)
			log_warnx("link: cannot connect to %s again: %s", u->endpoint,
			          zmq_strerror(errno));
	}
	if (u->connected && !u->s.up && now_us - u->hello_sent_us >= HELLO_RETRY_US)
		link_send_greeting(l, &u->s);
	if (u->s.up && now_us - u->ping_sent_us >= (uint64_t)l->cfg->ping_interval_ms * 1000u) {
		u->ping_sent_us = now_us;
		link_send_ping(l, &u->s, now_us);
	}
}

static void ping_child(struct peer *p, void *arg)
{
	if (p->up)
		link_send_ping(arg, p, util_mono_us());
}

/* A session about to be dropped hears why, so its node shows the reason
 * (libzmq 4.3 cannot close one ROUTER peer's connection; its key is banned
 * instead and whatever it still sends is dropped). */
static void tell_revoked(struct peer *p, void *arg)
{
	link_send_refuse(arg, p, CN_EREVOKED, "your certificate has been revoked: ask the CA");
}

static void tell_expired(struct peer *p, void *arg)
{
	link_send_refuse(arg, p, CN_EEXPIRED,
	                 "your certificate has expired: ask the CA for a new one");
}

/* The parent's session, like a child's, ends when its certificate is
 * revoked or expires. The node keeps sending HELLO; a WELCOME comes up
 * again only with a certificate that verifies (check_greeting). */
static void parent_recheck(struct link *l, uint64_t now)
{
	const struct pki_identity *id = &l->parent.s.ident;
	const char *why = NULL;

	if (!l->parent.s.up)
		return;
	if (pki_trust_identity_revoked(l->trust, id))
		why = "parent certificate revoked";
	else if (id->not_after > 0 && (uint64_t)id->not_after < now)
		why = "parent certificate expired";
	if (!why)
		return;
	log_warnx("link %s: %s (serial %s), session dropped", l->parent.expect_id, why,
	          id->serial);
	link_count(l, CTR_SESSIONS_DROPPED);
	link_count(l, CTR_PARENT_REFUSED);
	link_parent_set_down(l, why);
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
	parent_recheck(l, now);
	peers_expire_bans(l->peers, now);
}

/* *next: the earlier of it and due (monotonic µs). */
static void due_at(uint64_t *next, uint64_t due)
{
	if (due < *next)
		*next = due;
}

/* What an uplink does next without an event: connect again, repeat HELLO,
 * ping (link_uplink_tick). A connection or a WELCOME is an event. */
static void uplink_due(const struct link *l, const struct uplink *u, uint64_t *next)
{
	if (!u->sock)
		return;
	if (u->resume_us)
		due_at(next, u->resume_us);
	if (u->connected && !u->s.up)
		due_at(next, u->hello_sent_us + HELLO_RETRY_US);
	if (u->s.up)
		due_at(next, u->ping_sent_us + (uint64_t)l->cfg->ping_interval_ms * 1000u);
}

/* Milliseconds until the link has something due, at most TICK_MAX_MS. */
static long link_next_ms(const struct link *l, uint64_t now_us, uint64_t now)
{
	uint64_t next = now_us + TICK_MAX_MS * 1000u;
	long hs = link_hs_due(l->hs);

	uplink_due(l, &l->parent, &next);
	uplink_due(l, &l->county, &next);
	if (l->router)
		due_at(&next, l->next_ping_us);
	due_at(&next, now_us + (l->next_slow > now ? l->next_slow - now : 0) * 1000000u);
	if (hs >= 0)
		due_at(&next, now_us + (uint64_t)hs * 1000000u);
	return next <= now_us ? 0 : (long)((next - now_us + 999) / 1000);
}

long link_tick(struct link *l)
{
	uint64_t now_us = util_mono_us(), now = util_now();
	uint64_t ping_us = (uint64_t)l->cfg->ping_interval_ms * 1000u;
	uint64_t dead_after = 3 * (uint64_t)l->cfg->ping_interval_ms / 1000 +
	                      (uint64_t)l->cfg->heartbeat_timeout_ms / 1000 + 1;

	link_uplink_tick(l, &l->parent, now_us);
	link_uplink_tick(l, &l->county, now_us);
	if (l->router && now_us >= l->next_ping_us) {
		l->next_ping_us = now_us + ping_us;
		peers_foreach(l->peers, ping_child, l);
		peers_check_liveness(l->peers, now, dead_after);
	}
	if (now >= l->next_slow) {
		l->next_slow = now + 10;
		slow_checks(l, now);
	}
	link_hs_flush(l->hs, 0);
	return link_next_ms(l, now_us, now);
}

void link_recheck(struct link *l)
{
	int n = peers_drop_revoked(l->peers, l->trust, util_now(), tell_revoked, l);

	parent_recheck(l, util_now());
	if (n > 0) {
		l->counters[CTR_SESSIONS_DROPPED] += (uint64_t)n;
		log_info("link: dropped %d sessions after the revocation list changed", n);
	}
}
