/*
 * roles/docs: documents (issue 8, item 6) — a file attached at an office
 * (meeting minutes, a training certificate, a photo of the home's sign, a
 * directive acknowledgement's evidence) travels up to the county as
 * DocChunk items on the bulk lane and is held once, by its SHA-256, at
 * every office on the way.
 *
 * docs.h         this map; the domain's interface to roles/ above it
 * doc.c          the store (sealed meta and chunks), chunking at attach,
 *                docs_apply (a chunk received from below)
 * doc_control.c  control requests doc_add, doc_get, doc_list
 *
 * Stored (db records, beside roles/records' keys, inside the caller's txn;
 * HASH is the document's SHA-256 in 64 lower-case hex digits):
 *   "d:" HASH                -> sealed Document (name, size, chunks total
 *                               and held, record, origin, created)
 *   "c:" HASH '\0' BE32 idx  -> sealed chunk bytes
 * Every value is an AES-256-GCM box made by roles_env.seal with its own key
 * as associated data (a box copied under another key does not open): a
 * document may be personal (names, photos).
 *
 * A document is complete when all `total` chunks are held; the chunk that
 * would complete it is refused unless the whole hashes to its SHA-256. A
 * chunk already held is a no-op (not forwarded). The size cap
 * (roles_policy.max_document, records.max_document) is checked at attach
 * and at every hop.
 *
 * May include: roles/core/, base/ and certs/ headers, files of this folder.
 * Thread: the node's thread only. Errors as in roles.h; refusals write their
 * reason into why.
 */
#ifndef CARENET_DOCS_H
#define CARENET_DOCS_H

#include "roles_int.h"

#define DOC_CHUNK (256u * 1024u)    /* bytes of a chunk: fits half of a 1 MiB frame */
#define DOC_DEFAULT_MAX (16u << 20) /* the cap when the policy gives none */
#define DOC_NAME_MAX 255
#define DOC_RECORD_MAX 64

/* Chunks of a document of size bytes (at least 1). */
uint32_t docs_chunks(uint64_t size);
/* The cap in force (the policy's, else DOC_DEFAULT_MAX). */
uint64_t docs_cap(const struct roles *r);
/* Hex of a 32-byte hash; out >= 65 bytes. */
void docs_hex(const uint8_t h[32], char *out);
/* Parses 64 hex digits; CN_EINVAL. */
int docs_unhex(const char *s, uint8_t h[32]);

/* ---- doc.c ---- */
/* The document held here as hash (CN_ENOTFOUND); free *out with
 * carenet__document__free_unpacked(*out, NULL). */
int docs_meta_get(struct roles *r, MDB_txn *txn, const uint8_t hash[32], Carenet__Document **out);
/* The whole content of a complete document (*out malloc'd, *len its size;
 * the caller frees). CN_EINVAL (why) if incomplete; CN_EVERIFY if the
 * chunks no longer hash to it. */
int docs_read(struct roles *r, MDB_txn *txn, const Carenet__Document *d, uint8_t **out, size_t *len,
              char *why, size_t wl);
/* The operator attaches data as name (to record, "" none): checked against
 * the cap, stored, and emitted up as chunks in txn; hash receives its
 * SHA-256. A document already complete here is neither stored nor sent
 * again. CN_ETOOBIG / CN_EINVAL with why. */
int docs_attach(struct roles *r, MDB_txn *txn, const char *name, const uint8_t *data, size_t len,
                const char *record, uint8_t hash[32], char *why, size_t wl);
/* A chunk received from below (roles_apply). */
int docs_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
               const struct pki_identity *origin, const char *from, struct roles_route *route,
               char *why, size_t whylen);
/* Calls fn for every document held here, in hash order. */
int docs_each(struct roles *r, MDB_txn *txn, int (*fn)(Carenet__Document *d, void *arg), void *arg);

/* ---- doc_control.c ---- */
int docs_add_req(struct roles *r, const Carenet__DocAddRequest *q, Carenet__ControlReply *rep);
int docs_get_req(struct roles *r, const Carenet__DocGetRequest *q, Carenet__ControlReply *rep);
int docs_list_req(struct roles *r, Carenet__ControlReply *rep);
void docs_reply_free(Carenet__ControlReply *rep);

#endif
