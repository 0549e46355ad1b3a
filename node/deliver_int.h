/*
 * deliver_int: the delivery engine's private state, shared by its files
 * (not for use outside the engine):
 *
 * deliver.c        life cycle, link events, the loop entry points
 *                  (deliver_flush, deliver_write, deliver_timeout), acks
 * deliver_apply.c  the group-commit transaction that applies received batches
 * deliver_route.c  destinations of items, queueing batch subsets in outboxes
 * deliver_send.c   originating and signing items, sending within windows
 * deliver_chain.c  the cache of verified origin certificate chains
 */
#ifndef CARENET_DELIVER_INT_H
#define CARENET_DELIVER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "deliver.h"
#include "items.pb-c.h"
#include "roles.h"

#define DEST_MAX 1024 /* destinations of one signed batch (children + parent) */
#define ACK_OVERDUE_US 10000000u      /* first resend after 10 s without an ack */
#define ACK_OVERDUE_MAX_US 160000000u /* then doubling up to this */
/* A turn of acks alone is not written: the acks wait in memory for the next
 * transaction, or this long at most (deliver.c, defer_acks). */
#define ACK_DEFER_US 1000000u

struct lane_tx {
	uint64_t acked; /* the peer durably holds everything up to here */
	uint64_t sent;  /* sent (not necessarily received) up to here */
	uint64_t last_progress_us;
	uint64_t overdue_us;  /* current ack deadline (backs off) */
};

struct dpeer {
	char id[PKI_ID_MAX];
	int is_parent;
	int direct; /* failover: with is_parent our county-direct link; without, a
	             * village on its county-direct session here (deliver_direct.c) */
	int up;
	struct lane_tx tx[WIRE_LANES];
	uint64_t log_us;    /* last refusal log line for this peer (monotonic) */
	unsigned log_quiet; /* refusing frames not logged since */
};

struct penalty { /* ban-budget points for a peer, charged after the commit */
	char peer[PKI_ID_MAX];
	unsigned n;
};

struct inq { /* a received Batch/Ack waiting for the group commit */
	char peer[PKI_ID_MAX];
	Carenet__Frame *f;
};

struct synack { /* acks implied by a HELLO/WELCOME cursor */
	char peer[PKI_ID_MAX];
	unsigned lane;
	uint64_t seq;
};

struct ackout { /* acks to send (or apply) after the commit */
	char peer[PKI_ID_MAX];
	unsigned lane;
	uint64_t seq;
	int resend;
};

struct pend { /* an item originated in the current transaction */
	uint8_t *buf;
	size_t len;
	unsigned lane;
	Carenet__Item *it; /* decoded copy, for routing */
};

struct chain { /* verified certificate chain of an origin */
	char id[PKI_ID_MAX];
	struct pki_identity ident;
	size_t n;
	uint8_t *der[4];
	size_t len[4];
};

struct dest {
	char id[PKI_ID_MAX];
	size_t *keep;
	size_t n, cap;
};

struct dests {
	struct dest v[DEST_MAX];
	size_t n;
};

struct deliver {
	struct deliver_env env;
	const struct pki_identity *me; /* from env.self */
	char parent_id[PKI_ID_MAX];    /* pki_parent_of (a county's: from its parent.pem); "" none */
	/* the codes this node had before (a township's own code change,
	 * 撤乡设镇: node/move_links.c): children under them are its children */
	char formers[4][16];
	size_t nformers;
	struct roles *roles;
	struct dpeer *peers;
	size_t npeers, peercap;
	struct inq *q;
	size_t nq, qcap;
	struct synack *syn;
	size_t nsyn, syncap;
	struct ackout *acks; /* acks we send after commit */
	size_t nacks, ackcap;
	struct ackout *ackin; /* acks received, applied to memory after commit */
	size_t nackin, ackincap;
	struct ackout *dack; /* acks in memory, not yet in the store (one per peer and lane) */
	size_t ndack, dackcap;
	uint64_t dack_since_us; /* when the oldest of them arrived */
	struct pend *pend;
	size_t npend, pendcap;
	struct chain *chains; /* the current chain of each origin */
	size_t nchains, chaincap;
	struct chain *prevs; /* its previous chain, kept while valid (renewal) */
	size_t nprevs, prevcap;
	struct penalty *pens; /* charged after the commit */
	size_t npens, pencap;
	const char *only;           /* isolation re-run: apply only this peer's frames */
	uint64_t cdelta[CTR_COUNT]; /* counters of the transaction, added on commit */
	int kick;                   /* something to send */
	int in_write;               /* inside deliver_write: emits allowed */
	MDB_txn *group_txn; /* deliver_group's transaction while it runs */
	int group_rc;       /* a nested write's storage error: the group fails */
	struct dests *scratch;      /* routing scratch for one signed batch */
	char direct_id[PKI_ID_MAX]; /* the county, when this village may fail over to it */
};

static inline uint64_t deliver_now(const struct deliver *d)
{
	return d->env.now(d->env.arg);
}

struct dpeer *deliver_peer(struct deliver *d, const char *id, int create);
void deliver_syn_ack(struct deliver *d, const char *peer, unsigned lane, uint64_t seq);
int deliver_route(struct deliver *d, MDB_txn *txn, const struct roles_route *rt, struct dests *ds,
                  size_t idx);
void deliver_route_of(const Carenet__Item *it, struct roles_route *rt);
/* A county: clears rt->up for anything but an aggregate (counted). */
void deliver_gate_up(struct deliver *d, const Carenet__Item *it, struct roles_route *rt);
/* Failover (deliver_direct.c): an item this node originates on the urgent
 * lane going up is also queued for the county-direct link. */
int deliver_route_direct(struct deliver *d, const struct roles_route *rt, unsigned lane,
                         struct dests *ds, size_t idx);
/* 1 if peer is a village on its county-direct session here. */
int deliver_is_direct_in(struct deliver *d, const char *peer);
/* Why a signed batch from a direct session is refused (NULL: it may pass):
 * only items of the village's own origin, on the urgent lane. */
const char *deliver_direct_refusal(struct deliver *d, const char *peer, unsigned lane,
                                   const char *origin);
void deliver_dests_free(struct dests *ds);
int deliver_enqueue(struct deliver *d, MDB_txn *txn, const Carenet__SignedBatch *sb,
                    const uint8_t *whole, size_t wlen, unsigned lane, struct dests *ds,
                    const char *child);
int deliver_push_ack(struct ackout **v, size_t *n, size_t *cap, const char *peer, unsigned lane,
                     uint64_t seq, int resend);
/* Writes the acks held in memory (d->dack) into txn; the caller empties
 * d->dack once txn has committed. */
int deliver_apply_deferred(struct deliver *d, MDB_txn *txn);

/* deliver_send.c */
/* The lane an item travels on, from its body: 0 urgent (revocations,
 * escalations, reports and their steps), 2 bulk (record versions, document
 * chunks), 1 the rest. */
unsigned deliver_lane_of(const Carenet__Item *it);
void deliver_pend_reset(struct deliver *d);
int deliver_sign_pending(struct deliver *d, MDB_txn *txn);
size_t deliver_batch_budget(const struct deliver *d);
void deliver_pump(struct deliver *d);
int deliver_chains_load_self(struct deliver *d);
void deliver_chains_free(struct deliver *d);
/* The verified chain of origin id (memory, else meta), checked again at use.
 * 0 and *out; CN_ENOTFOUND (none known, *out NULL); CN_EEXPIRED,
 * CN_EREVOKED, CN_EVERIFY... (known, *out set, but not valid now); store
 * errors pass through. */
int deliver_chain_find(struct deliver *d, MDB_txn *txn, const char *id, const struct chain **out);
/* Learns a chain from a Batch: the newer certificate of an origin (by
 * notBefore) is its current chain, the one it replaces its previous chain
 * (meta "chainprev:<id>"); an older one may only become the previous. */
int deliver_chain_learn(struct deliver *d, MDB_txn *txn, const Carenet__Chain *c);
/* The chain whose key verifies sb's signature: the origin's current chain,
 * else its previous one (items signed before a renewal). 0 and *out; on
 * refusal *out is the chain when the chain is the reason (CN_EEXPIRED,
 * CN_EREVOKED...: a signature by a key no longer valid), NULL with
 * CN_ENOTFOUND (no chain known) or CN_EVERIFY (no known key verifies). A
 * previous chain found expired or revoked is dropped (memory and meta): call
 * in a write transaction. Store errors pass through. */
int deliver_chain_verify(struct deliver *d, MDB_txn *txn, const Carenet__SignedBatch *sb,
                         const struct chain **out);
/* Fills b->chains for the messages of b (signed batches; b->msgs set): per
 * origin its current chain, and its previous one when a message verifies
 * only against that. origins: the n distinct origins of the messages. */
#define ATTACH_MAX 16
struct chain_attach {
	Carenet__Chain ch[ATTACH_MAX], *chp[ATTACH_MAX];
	ProtobufCBinaryData certs[ATTACH_MAX][4];
};
void deliver_chain_attach(struct deliver *d, MDB_txn *txn, Carenet__Batch *b,
                          const char (*origins)[PKI_ID_MAX], size_t n, struct chain_attach *a);

/* deliver_apply.c */
int deliver_apply_txn(MDB_txn *txn, void *arg);
int deliver_penalty(struct deliver *d, const char *peer, unsigned n);

#endif
