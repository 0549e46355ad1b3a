/*
 * item: signed batches of end-to-end items (proto/items.proto).
 *
 * An origin signs a batch of its serialized items with one Ed25519
 * signature over "carenet-batch-v1\0" || origin || "\0" || hashes, each hash
 * the SHA-256 of one item's bytes. A relay may forward any subset of the
 * items, in order, with the full hash list: item_batch_subset() never
 * re-encodes an item, so every hop can verify the origin's signature.
 * Thread: any. Errors: CN_EPROTO (malformed, caps), CN_EVERIFY (signature or
 * hash mismatch), CN_ECRYPTO, CN_ENOMEM.
 */
#ifndef CARENET_ITEM_H
#define CARENET_ITEM_H

#include <stddef.h>
#include <stdint.h>

#include "items.pb-c.h"
#include "pki.h"

#define ITEM_MAX_PER_BATCH 4096

/* Signs items (serialized) as origin; *out is the serialized SignedBatch. */
int item_batch_sign(const struct pki_self *self, const uint8_t *const *items, const size_t *lens,
                    size_t n, uint8_t **out, size_t *outlen);
/* Decodes a serialized SignedBatch with caps (hash count and sizes). */
int item_batch_decode(const uint8_t *buf, size_t len, Carenet__SignedBatch **out);
/* Verifies the signature with the origin's key and that every carried item
 * hashes to a listed hash, in list order. */
int item_batch_verify(const Carenet__SignedBatch *sb, const uint8_t pub[PKI_PUB_LEN]);
/* Serializes sb with only the items whose indexes are in keep (ascending). */
int item_batch_subset(const Carenet__SignedBatch *sb, const size_t *keep, size_t nkeep,
                      uint8_t **out, size_t *outlen);
/* Decodes one item with its caps; CN_EPROTO if unknown body. */
int item_decode(const uint8_t *buf, size_t len, Carenet__Item **out);
/* An item this node originates, serialized (*buf malloc'd): a directive's
 * expanded targets and a reminder's targets travel grouped under their
 * parents (item_targets.c), which item_decode puts back with
 * item_targets_inflate. CN_ENOMEM. */
int item_encode(Carenet__Item *it, uint8_t **buf, size_t *len);
int item_targets_inflate(Carenet__Item *it);

#endif
