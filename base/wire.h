/*
 * wire: encoding and bounded decoding of link frames (proto/wire.proto).
 *
 * wire_decode() is the only way bytes from the network become a message:
 * it checks the size cap before unpacking, rejects truncated and unknown
 * messages and enforces per-field caps, so callers may trust every count
 * and length it returns. Thread: any. Errors: CN_ETOOBIG (over the cap),
 * CN_EPROTO (malformed, unknown type, a field over its cap; *why says
 * which), CN_ENOMEM. Caller frees *out with wire_free().
 */
#ifndef CARENET_WIRE_H
#define CARENET_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.pb-c.h"

/* 2 (2026-11-30): a directive's and a reminder's targets may travel grouped
 * (Directive.groups, Reminder.groups; node/item_targets.c), which a node of
 * version 1 reads as no target and refuses, losing the item. A parent
 * refuses a child of another version (node/link_check.c), so nothing flows
 * between the two until both are upgraded, and nothing is lost: their
 * queues wait. */
#define WIRE_VERSION 2
#define WIRE_MAX_CHAIN 4   /* certificates in a HELLO/WELCOME chain */
#define WIRE_MAX_CERT 8192 /* bytes of one DER certificate */
#define WIRE_MAX_CURSORS 3 /* one per lane */
#define WIRE_LANES 3
#define WIRE_MAX_REASON 512
#define WIRE_MAX_MSGS 4096 /* messages in one Batch */
#define WIRE_MAX_CHAINS 8  /* origin chains in one Batch */
#define WIRE_MAX_SUMMARY 8192 /* offices in one Summary (a county's whole subtree) */
#define WIRE_MAX_TEXT 255     /* bytes of one Summary string (id, name, version, error) */

int wire_decode(const uint8_t *buf, size_t len, size_t max_frame, Carenet__Frame **out,
                const char **why);
void wire_free(Carenet__Frame **f);
/* Serializes f into a malloc'd buffer. */
int wire_encode(const Carenet__Frame *f, uint8_t **buf, size_t *len);
/* "hello", "welcome", ...; "none" if no body. */
const char *wire_kind(const Carenet__Frame *f);

#endif
