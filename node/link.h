/*
 * link: the node's authenticated links.
 *
 * Owns the ZAP handler (bound before any other socket, then proven by a
 * self-test that a banned key is refused), the children ROUTER (CURVE
 * server, ZMQ_ROUTER_MANDATORY), the parent DEALER (CURVE client,
 * ZMQ_IMMEDIATE, capped reconnect back-off, ZMTP heartbeats) and socket
 * monitors. A connection becomes a session only after HELLO/WELCOME:
 * chain verified, certificate CURVE key equal to the key ZeroMQ
 * authenticated, subtree rule (direct children, inspectors whose scope
 * covers this node). Until then every other message is dropped and
 * counted; keys that keep sending invalid messages, or more than
 * limits.prehello_bytes before HELLO, are banned, and ZAP limits new keys
 * per address. Parent and
 * children sessions are one type (struct peer, peer.h, with is_parent).
 * The link knows nothing of delivery: sessions coming up or down, Batch and
 * Ack frames, and the cursors a handshake carries go through struct
 * link_events, which the node sets.
 * Thread: the node's thread only. Errors: CN_EIO (zmq call failed, logged),
 * CN_ECONFIG, CN_EVERIFY (ZAP self-test failed), CN_ENOMEM.
 */
#ifndef CARENET_LINK_H
#define CARENET_LINK_H

#include <stddef.h>
#include <zmq.h>

#include "control.pb-c.h"
#include "counters.h"
#include "pki.h"
#include "store.h"
#include "wire.h"

struct config;
struct link;

/*
 * What the link tells the layer above (the node wires these to the
 * delivery engine). Called from inside link_handle/link_tick on the node's
 * thread; a callback must not call back into the link except link_send.
 */
struct link_events {
	void *arg; /* passed back to every callback */
	/* A session came up (HELLO accepted, or the parent's WELCOME verified).
	 * direct: with is_parent, our county-direct link (failover); without,
	 * a village of this county's subtree on its county-direct session.
	 * cursors[lane] = the last sequence the peer durably holds from us;
	 * chain: the peer's verified certificate chain (DER, leaf first),
	 * valid during the call. */
	void (*peer_up)(void *arg, const struct pki_identity *peer, int is_parent, int direct,
	                const uint64_t cursors[WIRE_LANES], const ProtobufCBinaryData *chain,
	                size_t nchain);
	/* A session up (the parent's or the county-direct one) went down
	 * (children's sessions are only marked down in the link: link_send
	 * refuses them with CN_ENOTREADY). */
	void (*peer_down)(void *arg, const char *peer_id);
	/* A Batch or Ack frame from an up session, or a child's Summary; takes
	 * ownership of *f. */
	void (*frame)(void *arg, const char *peer_id, Carenet__Frame **f);
	/* Fills our inbound cursors for peer_id (what HELLO/WELCOME carry). */
	void (*cursors)(void *arg, const char *peer_id, uint64_t cursors[WIRE_LANES]);
	/* A township's own code change (撤乡设镇; node/move_links.c); either may
	 * be NULL. former_child: 1 if id (a HELLO) is a village directly under
	 * a code this node had before, still speaking under its old id.
	 * parent_renamed: 1 if id (the parent's WELCOME) may be the township
	 * expected under a new code of the same county: the link pinned the
	 * expected parent's CURVE key for the handshake and the chain carries
	 * it, so only that office can be there. */
	int (*former_child)(void *arg, const char *id);
	int (*parent_renamed)(void *arg, const char *expected, const char *id);
};

/* What the link needs from the node; pointers stay the caller's and must
 * outlive the link (cfg and trust: until the next link_configure). */
struct link_params {
	void *zctx;
	struct store *store;
	const struct pki_self *self;
	const struct config *cfg;
	struct pki_trust *trust;
	uint64_t *counters; /* uint64_t[CTR_COUNT], added to */
	struct link_events ev;
};

int link_open(const struct link_params *p, struct link **out);
void link_close(struct link **l);
/* A reloaded configuration and trust store (SIGHUP): limits, bans, pings
 * follow cfg from now on; sockets and endpoints keep their settings. */
void link_configure(struct link *l, const struct config *cfg, struct pki_trust *trust);
/* Fills up to max poll items with the link's sockets; returns how many. */
size_t link_pollitems(struct link *l, zmq_pollitem_t *items, size_t max);
/* Services the items link_pollitems filled (same order, same count); with
 * peers 0 it reads no session frames (ZAP and socket events still). */
void link_handle(struct link *l, const zmq_pollitem_t *items, size_t n, int peers);
/* Periodic work: pings, HELLO retries, liveness, ban expiry, certificate
 * expiry. Returns the milliseconds until it wants to run again. */
long link_tick(struct link *l);
/* Fills st's parent, children and inspectors (allocated with malloc;
 * free with link_status_free). */
int link_status(struct link *l, Carenet__Status *st);
void link_status_free(Carenet__Status *st);
/* Sends a frame to a neighbour whose session is up (is_parent: over the
 * parent link). CN_ENOTREADY if it is not up, CN_EIO if ZeroMQ refused. */
int link_send(struct link *l, const char *peer_id, int is_parent, const Carenet__Frame *f);
/* 1 if the parent's session is up and its WELCOME said it takes Summary
 * frames (node/health.h); an older parent would count them as invalid. */
int link_parent_summaries(const struct link *l);
/* Charges n invalid messages to a child's ban budget (items its frames
 * carried that delivery refused); past limits.ban_after it is banned. */
void link_penalize(struct link *l, const char *peer_id, unsigned n);
/* Re-checks live sessions, the parent's included, after a CRL or limits
 * change; drops revoked ones. */
void link_recheck(struct link *l);
/* Whether the parent's session is up, and since when (UTC seconds) it is in
 * that state. */
void link_parent_state(const struct link *l, int *up, uint64_t *since);

/*
 * The county-direct link of a village (link_direct.c; failover, node/
 * failover.c decides). Configured at link_open from county.endpoint and
 * county.cert (nothing for other roles or when unset); opened and closed on
 * demand. link_send to link_direct_id() with is_parent reaches it.
 */
int link_direct_configured(const struct link *l);
const char *link_direct_id(const struct link *l); /* the county's id, "" if none */
int link_direct_open(struct link *l);             /* connects (no-op if open) */
void link_direct_close(struct link *l, const char *why);
int link_direct_up(const struct link *l); /* open and WELCOME verified */
int link_direct_configure(struct link *l, const char *endpoint, const char *cert);

#endif
