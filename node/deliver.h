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
 * together (one signature per lane) just before it commits.
 * Thread: the node's thread. Errors: CN_ESTORE, CN_ENOMEM, CN_EPROTO.
 */
#ifndef CARENET_DELIVER_H
#define CARENET_DELIVER_H

#include <lmdb.h>
#include <stdint.h>

#include "pki.h"
#include "wire.h"

struct node;
struct deliver;

int deliver_new(struct node *n, struct deliver **out);
void deliver_free(struct deliver **d);

/* Link events. cursors[lane] = last seq the peer durably holds from us. */
void deliver_peer_up(struct deliver *d, const struct pki_identity *peer, int is_parent,
                     const uint64_t cursors[WIRE_LANES]);
void deliver_peer_down(struct deliver *d, const char *peer_id);
/* Our inbound cursors for a peer (what HELLO/WELCOME carry). */
void deliver_cursors(struct deliver *d, const char *peer_id, uint64_t cursors[WIRE_LANES]);
/* A Batch or Ack frame from an authenticated peer; takes ownership of *f. */
void deliver_on_frame(struct deliver *d, const char *peer_id, Carenet__Frame **f);

/* Applies everything queued (one transaction), acks, then sends what the
 * windows allow and fires due timers. Called once per loop turn. */
void deliver_flush(struct deliver *d);
/* Milliseconds until deliver wants to run again (timers, ack deadlines). */
long deliver_timeout(struct deliver *d);

/* For roles and control: run fn in one write transaction whose originated
 * items are signed and queued before commit (see roles_env.write/emit). */
int deliver_write(struct deliver *d, int (*fn)(MDB_txn *txn, void *arg), void *arg);
int deliver_emit(struct deliver *d, MDB_txn *txn, void *item /* Carenet__Item */, char *id_out,
                 size_t idlen);

/* Delivery counters for status: items and frames queued in outboxes. */
uint64_t deliver_pending(struct deliver *d);

#endif
