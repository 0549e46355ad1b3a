/*
 * deliver: nothing lost, nothing applied twice (architecture.md, Delivery).
 *
 * Per (peer, lane) durable outboxes with contiguous sequences; received
 * batches are queued by the link and applied together in ONE write
 * transaction per loop turn (group commit): sequence check (duplicate ->
 * re-ack, gap -> ask for resend), origin certificate and signature
 * verification, origin high-water mark, roles_apply, forwarding into other
 * outboxes, cursor advance; commit; only then cumulative ACKs go out.
 * Senders keep a credit window of unacked messages per lane (urgent first),
 * resend from the peer's cursor after every HELLO/WELCOME and when an ack
 * is overdue. Items this node originates during a transaction are signed
 * just before it commits: per lane, in batches that each fit half of
 * limits.max_frame (one signature each). Queued messages are sealed at rest
 * under deliver_env.outbox_key (outbox.h).
 * The engine knows nothing of sockets: it sends through deliver_env.send,
 * and the node feeds it link events (deliver_peer_up, deliver_on_frame...).
 * Thread: the node's thread. Errors: CN_ESTORE, CN_ENOMEM, CN_EPROTO.
 */
#ifndef CARENET_DELIVER_H
#define CARENET_DELIVER_H

#include <lmdb.h>
#include <stdint.h>

#include "counters.h"
#include "pki.h"
#include "store.h"
#include "wire.h"

struct config;
struct deliver;
struct roles;

/*
 * What the engine needs from the node. Pointers stay the caller's and must
 * outlive the engine (cfg and trust: until the next deliver_configure).
 * The callbacks run on the node's thread, from inside deliver_flush and
 * deliver_write; they must not call back into the engine.
 */
struct deliver_env {
	void *arg; /* passed back to every callback */
	struct store *store;
	const struct pki_self *self;
	const struct config *cfg;
	struct pki_trust *trust;
	uint64_t *counters; /* uint64_t[CTR_COUNT] (counters.h), added to on commit */
	/* 32 bytes (AEAD_KEY_LEN, required): outbox messages are sealed at rest
	 * under it (outbox.h). node.c gives identity.records_key. */
	const uint8_t *outbox_key;
	/* The node's clock (UTC seconds, including a test-clock offset). */
	uint64_t (*now)(void *arg);
	/* Sends a frame to a neighbour whose session is up (is_parent: the
	 * parent); non-zero if it is not up or the link refused it. */
	int (*send)(void *arg, const char *peer_id, int is_parent, const Carenet__Frame *f);
	/* Once per deliver_flush, after the commit and the timers, before
	 * sending: the node rechecks live sessions if a revocation list changed. */
	void (*recheck)(void *arg);
	/* Charges n points to a child's ban budget (the link bans it past
	 * limits.ban_after within 60 s): refused items, a frame cut at the
	 * refusal cap, frames whose own transaction failed. After the commit
	 * (or the failed isolated run). May be NULL (tests). */
	void (*penalize)(void *arg, const char *peer_id, unsigned n);
};

int deliver_new(const struct deliver_env *env, struct deliver **out);
void deliver_free(struct deliver **d);
/* A reloaded configuration and trust store (SIGHUP). */
void deliver_configure(struct deliver *d, const struct config *cfg, struct pki_trust *trust);
/* The roles the engine applies received items with and fires timers of
 * (set once, after roles_new: roles originate items through the engine). */
void deliver_set_roles(struct deliver *d, struct roles *roles);
/* The codes this node had before (node/move_links.c): offices below them
 * are routed to and taken from as below this node. */
void deliver_set_formers(struct deliver *d, char (*ids)[16], size_t n);
/* 1 if id lies strictly below this node, under its code now or one it had. */
int deliver_below_me(const struct deliver *d, const char *id);

/* Link events. cursors[lane] = last seq the peer durably holds from us;
 * chain: the peer's verified chain (a new child's announce carries it). */
void deliver_peer_up(struct deliver *d, const struct pki_identity *peer, int is_parent, int direct,
                     const uint64_t cursors[WIRE_LANES], const ProtobufCBinaryData *chain,
                     size_t nchain);
void deliver_peer_down(struct deliver *d, const char *peer_id);
/* Our inbound cursors for a peer (what HELLO/WELCOME carry). */
void deliver_cursors(struct deliver *d, const char *peer_id, uint64_t cursors[WIRE_LANES]);
/* A Batch or Ack frame from an authenticated peer; takes ownership of *f. */
void deliver_on_frame(struct deliver *d, const char *peer_id, Carenet__Frame **f);

/* Applies what is queued (one transaction; at most DELIVER_TURN_MSGS
 * messages' worth of frames, the rest waits for the next turn), acks, then
 * sends what the windows allow and fires due timers. Called once per loop
 * turn. */
void deliver_flush(struct deliver *d);
/* Frames received and not yet applied: the loop stops reading peers' sockets
 * (ZeroMQ and TCP then hold them back) past DELIVER_BACKLOG_MAX. */
size_t deliver_backlog(const struct deliver *d);
#define DELIVER_TURN_MSGS 128
#define DELIVER_BACKLOG_MAX 512
/* Milliseconds until deliver wants to run again (timers, ack deadlines). */
long deliver_timeout(struct deliver *d);

/* For roles and control: run fn in one write transaction whose originated
 * items are signed and queued before commit (see roles_env.write/emit). */
int deliver_write(struct deliver *d, int (*fn)(MDB_txn *txn, void *arg), void *arg);
/* fn runs in one write transaction in which every deliver_write is a nested
 * transaction that fails on its own; the items all of them emitted are
 * signed together (one signature per lane) and committed with one sync.
 * For control requests that queue up (control.c, control_serve). */
int deliver_group(struct deliver *d, int (*fn)(MDB_txn *txn, void *arg), void *arg);
int deliver_emit(struct deliver *d, MDB_txn *txn, void *item /* Carenet__Item */, char *id_out,
                 size_t idlen);

/*
 * Origin sequences (every item's origin_seq; a directive's id is
 * ORIGIN-SEQ). Receivers drop an item whose origin_seq is not above the
 * highest they applied from that origin and lane, so a store that went back
 * in time (restored from a backup, or lost) must never assign one again:
 * deliver_origin_epoch raises every lane's last assigned sequence to at
 * least floor: the UTC clock in microseconds when the new epoch starts
 * (util_now_us), which is above anything an earlier epoch assigned as long
 * as it originated fewer items than microseconds passed until this one
 * (a million a second) and the clock did not go back.
 * deliver_origin_last reads one lane's last sequence.
 */
int deliver_origin_epoch(struct store *st, MDB_txn *txn, uint64_t floor);
int deliver_origin_last(struct store *st, MDB_txn *txn, unsigned lane, uint64_t *seq);

/* An inspector's SignedBatch (msg) with its chain, from its session peer
 * (node_inspect.c): applied like a received message (origin chain and
 * signature, high-water mark, roles_apply, forwarded up) in one write txn
 * of its own. 0 when applied and on disk; CN_EPERM when refused (why says
 * why); a store error. */
int deliver_inject(struct deliver *d, const char *peer, const Carenet__Chain *chain,
                   const ProtobufCBinaryData *msg, unsigned lane, char *why, size_t whylen);

/* Delivery counters for status: items and frames queued in outboxes. */
uint64_t deliver_pending(struct deliver *d);

/*
 * Failover (deliver_direct.c; docs/design.md "Failover to the county"). A
 * village given its county's id here queues every urgent item it originates
 * going up for the county too, in that peer's own outbox, which is sent
 * only while the county-direct link is up (the link tells the engine like
 * any session, with direct set).
 * deliver_direct_pending: messages queued for the county (0 if none set).
 * deliver_direct_trim: while the direct link is down and the parent holds
 * every urgent message (its lane-0 outbox is empty), the county's queue is
 * dropped (the parent relays it); returns how many went, or a store error
 * (negative).
 */
void deliver_set_direct(struct deliver *d, const char *county_id);
uint64_t deliver_direct_pending(struct deliver *d);
/* Urgent messages queued for the parent (not yet acknowledged by it). */
uint64_t deliver_parent_urgent_pending(struct deliver *d);
int deliver_direct_trim(struct deliver *d);

#endif
