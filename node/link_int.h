/*
 * Link time is the real clock (util_now, util_mono_us) everywhere: sessions,
 * liveness, bans and certificate validity must not move with a test clock.
 *
 * link_int: the link module's private state, shared by link.c (events and
 * handshakes), link_tick.c (periodic checks) and link_setup.c (sockets, ZAP
 * self-test, status). Not for use outside the link module.
 */
#ifndef CARENET_LINK_INT_H
#define CARENET_LINK_INT_H

#include <stdint.h>

#include "config.h"
#include "link.h"
#include "peer.h"
#include "pki.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "carenet"
#define HELLO_RETRY_US 2000000u
/* The longest the loop sleeps for the link when nothing is due sooner: the
 * link says when its next ping, HELLO retry, reconnection or check is due
 * (link_tick), so an idle node wakes for those, not 5 times a second (300
 * idle villages on one box: docs/benchmarks.md, "Eighth session"). */
#define TICK_MAX_MS 2000
/* ZMQ_MAXMSGSIZE is limits.max_frame plus this (CURVE's box and the frame
 * header fit with room to spare), so frames just over max_frame are seen
 * and counted while larger ones never get buffered. */
#define LINK_FRAME_SLACK 4096
/* Messages beyond the delivery windows a peer may have in flight: acks,
 * pings, HELLO/WELCOME, refusals. */
#define LINK_HWM_SLACK 64

/* A link up: the parent's, or the county-direct one of a village (failover,
 * link_direct.c): the DEALER, its monitor, and the one session on it. */
struct uplink {
	int direct; /* the county-direct link: opened and closed on demand */
	void *sock;
	void *mon;
	char endpoint[256];
	char expect_id[PKI_ID_MAX]; /* the office above us, from our own id */
	int connected;              /* CURVE handshake done */
	int tcp_up;                 /* the TCP connection was made since the last retry */
	int summaries;              /* its WELCOME said it takes Summary frames */
	uint64_t hello_sent_us;
	uint64_t ping_sent_us;
	uint64_t backoff_us; /* the last pause after a refused handshake; 0 after one succeeds */
	uint64_t resume_us;  /* disconnected after a refused handshake: connect again then */
	struct peer s; /* is_parent; s.key is the CURVE key of the parent certificate */
};

struct link {
	void *zctx;
	struct store *store;
	const struct pki_self *self;
	const struct pki_identity *me; /* from self */
	const struct config *cfg;
	struct pki_trust *trust;
	uint64_t *counters;
	struct link_events ev;
	void *zap;
	void *router; /* children and inspectors; NULL for villages */
	void *router_mon;
	struct uplink parent;
	struct uplink county;  /* county-direct (villages with county.endpoint); sock NULL
	                        * while closed */
	unsigned county_opens; /* names each opening's monitor endpoint */
	struct peers *peers;
	uint64_t next_ping_us;
	uint64_t next_slow;     /* UTC seconds of the next slow check */
	uint64_t warned_expiry; /* UTC day we last warned about our certificate */
	int selftest;           /* ZAP self-test running: its refusal is expected */
	struct link_hs *hs;     /* link_hs.c: failed incoming handshakes, per address */
};

void link_count(struct link *l, enum ctr c);
/* Adds n strikes against a child's key (invalid messages, refused items):
 * limits.ban_after of them within 60 s ban it for limits.ban_seconds and
 * drop its session. The parent is never struck (it is configured, not
 * accepted). Returns 1 if the key is now banned. */
int link_strike(struct link *l, struct peer *p, unsigned n, const char *what);
void link_zap_handle(struct link *l);
/* link.c, for link_tick.c: our HELLO (to the parent) or WELCOME (to a
 * child); a PING; a REFUSE telling the peer why (code: a CN_E* value). Send
 * errors are logged at debug level and otherwise ignored. */
void link_send_greeting(struct link *l, struct peer *s);
void link_send_ping(struct link *l, struct peer *s, uint64_t now_us);
void link_send_refuse(struct link *l, struct peer *s, int code, const char *reason);
/* Marks the parent's session down (tells link_events.peer_down) with why. */
void link_parent_set_down(struct link *l, const char *why);
/* The same for either link up (the parent's or the county-direct one). */
void link_uplink_set_down(struct link *l, struct uplink *u, const char *why);
/* The uplink whose session s is (s->is_parent). */
struct uplink *link_uplink_of(struct link *l, const struct peer *s);
/* link_check.c: the HELLO's (a child's) or WELCOME's (the parent's) version,
 * its chain verified and bound to s's CURVE key, and who may be there; fills
 * id, and *direct for a county-direct village. 0, or a CN_E* value and why. */
int link_check_greeting(struct link *l, struct peer *s, uint32_t version, size_t n,
                        const ProtobufCBinaryData *chain, struct pki_identity *id, int *direct,
                        char *why, size_t whylen);
/* link_setup.c: connects u's DEALER to endpoint with server key u->s.key
 * (set by the caller), its monitor on mon_ep. */
int link_uplink_connect(struct link *l, struct uplink *u, const char *mon_ep);
/* link.c: what an uplink's monitor and socket have to say. */
void link_uplink_monitor(struct link *l, struct uplink *u);
void link_uplink_recv(struct link *l, struct uplink *u);
/* link_tick.c: an uplink's periodic work (HELLO retry, ping, reconnecting
 * after a pause); for the parent's and the county-direct link alike. */
void link_uplink_tick(struct link *l, struct uplink *u, uint64_t now_us);
/* link_hs.c: after a handshake the other side refused, disconnect and
 * connect again after a pause that doubles up to link.reconnect_ivl_max_ms
 * (ZeroMQ would retry at once: its back-off grows only when TCP fails). */
void link_uplink_backoff(struct link *l, struct uplink *u);
void link_direct_free(struct link *l);
/* Fills st->direct (malloc) when the county-direct link is configured. */
int link_direct_status(struct link *l, Carenet__Status *st);
/* link_setup.c: one session's status (malloc; strings point into s). */
Carenet__PeerStatus *link_peer_status(const struct peer *s);
/* link_hs.c: the children ROUTER's ACCEPTED, HANDSHAKE_FAILED_* and
 * DISCONNECTED events; a failure is logged with the address and the reason
 * in plain words, once a minute per address. */
void link_hs_event(struct link *l, uint16_t ev, uint32_t val);
/* Writes the line of failures held for want of an address once their hold
 * has passed (force: at once); from the loop's tick. */
void link_hs_flush(struct link_hs *h, int force);
/* Seconds until held failures are written (link_hs_flush), -1 if none. */
long link_hs_due(const struct link_hs *h);
void link_hs_free(struct link *l);
/* The uplink's ZAP refused our key (banned or revoked): its status says so,
 * keeping the reason it gave before, if any. */
void link_uplink_refused_key(struct link *l, struct uplink *u);
/* A Refuse on connection rid of key p (not necessarily the key's own). */
void link_refuse_conn(struct link *l, const struct peer *p, const void *rid, size_t rlen, int code,
                      const char *why);
/* A HELLO of p on connection rid while its session is up on another: 1 if
 * refused as a duplicate identity (a second takeover within 120 s). */
int link_duplicate_identity(struct link *l, struct peer *p, const void *rid, size_t rlen,
                            uint64_t now);
/* Reads one monitor event (v1 format: 2-byte event, 4-byte value, endpoint). */
int link_monitor_read(void *mon, uint16_t *event, uint32_t *value);

/* Why the parent link is down, in plain words (status's parent.last_error). */
#define LINK_REASON_CURVE                                                                  \
	"CURVE handshake failed against the parent: it closed the connection during the "   \
	"handshake (wrong server key: is parent.pem the parent's certificate?)"
/* "connection refused (or no answer) at ENDPOINT: ..." (link_setup.c). */
void link_reason_refused(char *out, size_t outlen, const char *endpoint);

#endif
