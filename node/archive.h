/*
 * archive: acknowledged outbox entries, kept for a while so that a
 * neighbour whose store went back in time (restored from an old backup, or
 * lost and started empty) can be sent again what it had acknowledged.
 *
 * When a cumulative ack deletes outbox entries, archive_keep copies them
 * here first (delivery.keep_acked hours; delivery.keep_acked_bytes per
 * (peer, lane), the oldest dropped first). When a peer's HELLO/WELCOME
 * cursor is below what it acknowledged, archive_requeue moves the entries
 * it lacks back into the outbox under their old sequences; the peer's
 * origin high-water marks make it apply exactly what it lacks.
 *
 * Keys are the outbox's (peer id NUL-padded to 16 bytes | lane | BE64
 * seq); a value is BE64 time archived | the outbox value exactly as
 * outbox.c stores it (whatever it keeps at rest is copied, never decoded).
 * Sequence 0 of each (peer, lane), never a message's, holds the bytes kept.
 * Thread: the node's thread; every function takes the caller's write
 * transaction. Errors: CN_ESTORE (logged), CN_EMAPFULL (replay),
 * CN_EINVAL (peer id too long).
 */
#ifndef CARENET_ARCHIVE_H
#define CARENET_ARCHIVE_H

#include <lmdb.h>
#include <stdint.h>

#include "store.h"

/* Copies the outbox entries of (peer, lane) with seq <= upto into the
 * archive (stamped now, UTC seconds), then drops what is older than
 * keep_secs or beyond cap bytes. keep_secs or cap 0: keeps nothing (and
 * drops what was kept). Call before outbox_ack deletes them. */
int archive_keep(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t upto,
                 uint64_t now, uint64_t keep_secs, uint64_t cap);
/* Moves the archived entries of (peer, lane) with after < seq < before
 * back into the outbox under the same sequences; *moved gets how many. */
int archive_requeue(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t after,
                    uint64_t before, uint64_t *moved);
/* Drops everything kept for (peer, lane) (a peer whose link state was
 * forgotten: outbox_forget). */
int archive_drop(struct store *st, MDB_txn *txn, const char *peer, unsigned lane);
/* Bytes kept for (peer, lane). */
int archive_bytes(struct store *st, MDB_txn *txn, const char *peer, unsigned lane, uint64_t *bytes);

#endif
