/*
 * outbox: durable per-(peer, lane) queues and cursors in LMDB.
 *
 * Outbound: every message for a neighbour gets the next contiguous sequence
 * of its (peer, lane) and stays in the outbox until the neighbour's
 * cumulative ack covers it. Inbound: the last sequence durably applied from
 * each (peer, lane), advanced in the same transaction that applies the
 * messages. Origins: the highest origin sequence applied per (origin, lane),
 * so a replayed item is recognised whatever link it arrives on.
 * Messages are sealed at rest (AES-256-GCM, base/aead.h) under the node's
 * key (identity.records_key), the value's LMDB key as associated data:
 * record versions carry children's personal fields, and LMDB keeps freed
 * pages, so nothing of a message is ever written to data.mdb in the clear.
 * Thread: the node's thread; every function takes the caller's transaction.
 * Errors: CN_ESTORE (logged), CN_EMAPFULL (replay the transaction),
 * CN_EINVAL (id too long, no key), CN_EVERIFY (a message that does not open
 * with key: logged), CN_ECRYPTO, CN_ENOMEM.
 */
#ifndef CARENET_OUTBOX_H
#define CARENET_OUTBOX_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define OUTBOX_PEER_LEN 16

/* A key of the outbox (and of the archive, node/archive.c, which keeps
 * acknowledged entries under the same keys): the peer id NUL-padded to
 * OUTBOX_PEER_LEN bytes, the lane, the big-endian sequence. */
struct okey {
	char peer[OUTBOX_PEER_LEN];
	uint8_t lane;
	uint8_t seq[8];
};
/* Fills k; CN_EINVAL if peer does not fit. */
int outbox_key_make(struct okey *k, const char *peer, unsigned lane, uint64_t seq);

/* Appends msg sealed under key (AEAD_KEY_LEN bytes, required); *seq gets
 * the sequence assigned. origin names the item origin stored beside the
 * message, in the clear (so chains can be attached when sending). */
int outbox_put(struct store *st, MDB_txn *txn, const uint8_t *key, const char *peer, unsigned lane,
               const char *origin, const void *msg, size_t len, uint64_t *seq);
/* Calls fn for each message with seq >= from, in order, until fn returns
 * non-zero (returned) or the queue ends (0). With a key, msg is the opened
 * message, valid only during that call (wiped after it: copy what you keep);
 * with key NULL nothing is opened: msg is NULL and len the message's length
 * (counting, quotas). */
int outbox_each(struct store *st, MDB_txn *txn, const uint8_t *key, const char *peer, unsigned lane,
                uint64_t from,
                int (*fn)(uint64_t seq, const char *origin, const void *msg, size_t len, void *arg),
                void *arg);
/* Deletes messages with seq <= upto. */
int outbox_ack(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t upto);
/* The peer holds more than this node ever sent it (its state came from
 * another history: this node's store was restored, or someone with its key
 * spoke for it). Renumbers the queued messages to follow the peer's cursor
 * so they are delivered rather than mistaken for duplicates. */
int outbox_rebase(struct store *st, MDB_txn *txn, const uint8_t *key, const char *peer,
                  unsigned lane, uint64_t cursor);
/* Last sequence assigned (0 if none) and number of messages still queued. */
int outbox_last(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t *seq);
int outbox_pending(struct store *st, MDB_txn *txn, const char *peer, unsigned lane,
                   uint64_t *count);

/* Forgets the link state with peer on every lane (the sequence last
 * assigned and the inbound cursor back to 0), as if the two had never
 * spoken: for an office that took a new id (tools/cli_move.c, a village's
 * code change), whose parent meets it as a new peer. CN_EEXIST (nothing
 * changed) while a message for peer is queued. The archive's entries for
 * peer are the caller's to drop (archive_drop). */
int outbox_forget(struct store *st, MDB_txn *txn, const char *peer);

/* Peer from took the id to, keeping its store (a township's own code
 * change, 撤乡设镇: node/move_links.c): on every lane, what is queued for
 * from moves to to with the sequences it had (the peer's cursor counts
 * them), what was queued for to already follows it, renumbered; from's
 * inbound cursor becomes to's and from's state is cleared; so are its held
 * bytes, added to to's. CN_EEXIST (nothing changed) if to has an inbound
 * cursor already (it spoke here under that id), CN_ENOTFOUND if from has no
 * state. The archive's entries for from are the caller's to drop. */
int outbox_rehome(struct store *st, MDB_txn *txn, const uint8_t *key, const char *from,
                  const char *to);

int cursor_get(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t *seq);
int cursor_put(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t seq);

/* Bytes queued in outboxes on behalf of one child's subtree (the subtree
 * quota, delivery.subtree_quota): read, and add delta (the total never goes
 * below 0). The engine adds what it queues for items that came from the
 * child and subtracts what acknowledgements delete. */
int outbox_held_get(struct store *st, MDB_txn *txn, const char *child, uint64_t *bytes);
int outbox_held_add(struct store *st, MDB_txn *txn, const char *child, int64_t delta);

int origin_hwm_get(struct store *st, MDB_txn *txn, const char *origin, unsigned lane,
                   uint64_t *seq);
int origin_hwm_put(struct store *st, MDB_txn *txn, const char *origin, unsigned lane, uint64_t seq);

#endif
