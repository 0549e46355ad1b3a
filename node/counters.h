/*
 * counters: the node's event counters, shown by `carenet status`.
 *
 * The node owns one array uint64_t[CTR_COUNT]; the link layer and the
 * delivery engine are handed a pointer to it and only add to it. The enum
 * is the index, counters_name() the name status prints.
 * Thread: the node's thread. No errors; names are static strings.
 */
#ifndef CARENET_COUNTERS_H
#define CARENET_COUNTERS_H

enum ctr {
	CTR_HANDSHAKES_OK,
	CTR_REFUSED_VERIFY, /* chain does not verify (wrong root, bad signature) */
	CTR_REFUSED_SCOPE,  /* id outside a CA's scope */
	CTR_REFUSED_EXPIRED,
	CTR_REFUSED_REVOKED,
	CTR_REFUSED_KEYMISMATCH, /* certificate CURVE key != link key */
	CTR_REFUSED_NOT_CHILD, /* valid certificate, but not a direct child / covering inspector */
	CTR_REFUSED_PROTO,     /* HELLO malformed or wrong version */
	CTR_NO_HELLO,          /* messages from a key that has not completed HELLO */
	CTR_INVALID_MESSAGES,  /* garbage, truncated, unknown type */
	CTR_OVERSIZE,          /* frames over limits.max_frame */
	CTR_BANS,              /* keys banned */
	CTR_BANNED_DROPPED,    /* messages dropped from banned keys */
	CTR_ZAP_DENIED,        /* ZAP refusals (banned/revoked keys) */
	CTR_HS_FAILED_AUTH,    /* libzmq handshake failures seen by monitors */
	CTR_HS_FAILED_PROTOCOL,
	CTR_HS_FAILED_NO_DETAIL,
	CTR_PARENT_REFUSED,    /* our HELLO refused by the parent, or its WELCOME invalid */
	CTR_SESSIONS_DROPPED,  /* live sessions dropped (revoked, expired, replaced) */
	CTR_ZAP_ADDR_LIMITED,  /* ZAP refusals: too many new keys from one address */
	CTR_PREHELLO_BUDGET,   /* keys banned for sending over limits.prehello_bytes before HELLO */
	CTR_STALE_DROPPED,     /* frames of a connection a newer session replaced (not held against it) */
	CTR_ITEMS_APPLIED,     /* end-to-end items applied */
	CTR_ITEMS_REFUSED,     /* items refused by the role rules or malformed */
	CTR_ITEMS_DUPLICATE,   /* items already applied (origin high-water mark) */
	CTR_BAD_SIGNATURE,     /* signed batches whose origin signature failed */
	CTR_FRAMES_DUPLICATE,  /* link messages received twice (re-acked) */
	CTR_GAPS,              /* link sequence gaps (resend asked) */
	CTR_RESENDS,           /* resends after an overdue or resend ack */
	CTR_BATCHES_COMMITTED, /* group commits of received batches */
	CTR_FRAMES_REFUSING,   /* Batch frames with at least one refused item (audited once each) */
	CTR_FRAMES_CUT,        /* Batch frames cut at the refusals-per-frame cap */
	CTR_QUOTA_REFUSED,     /* messages left unapplied: the child's subtree quota was full */
	CTR_APPLY_ISOLATED,    /* group transactions that failed and were re-run per peer */
	CTR_APPLY_PEER_FAILED, /* a peer's frames whose own transaction failed (dropped, charged) */
	CTR_PENALTIES,         /* points charged to children's ban budgets by delivery */
	CTR_ORIGIN_CHAIN_REFUSED, /* batches whose cached origin chain expired or was revoked */
	CTR_RESYNC_REQUEUED, /* acknowledged messages re-sent from the archive to a peer gone back */
	CTR_RESYNC_MISSING,  /* peers gone back further than the archive holds (renumbered) */
	CTR_ORIGIN_EPOCHS,   /* new epochs of this node's origin sequences (its store went back) */
	/* failover (docs/design.md "Failover to the county") */
	CTR_FAILOVER_OPENS,   /* a village: times its county-direct link was opened */
	CTR_FAILOVER_TRIMMED, /* a village: county-direct messages dropped, the parent held them */
	CTR_DIRECT_SESSIONS,  /* a county: villages' direct sessions accepted (HELLO) */
	CTR_DIRECT_APPLIED,   /* a county: items applied from a direct session */
	CTR_DIRECT_REFUSED,   /* a county: messages refused on a direct session (not the
	                       * village's own origin, or not the urgent lane) */
	CTR_SUMMARIES_REFUSED, /* children's Summary frames naming offices outside their subtree */
	CTR_REFUSED_DUPLICATE, /* a HELLO while the key is up elsewhere: two nodes, one identity */
	CTR_INSPECT_QUERIES, /* inspectors' queries answered or refused (node_inspect.c) */
	CTR_INSPECT_FINDINGS, /* inspectors' findings received on their sessions */
	CTR_INSPECT_REFUSED, /* queries and findings refused (scope, subtree, checks) */
	CTR_INSPECT_LIMITED, /* ... of which refused: over NODE_INSPECT_PER_MIN (node_inspect.c) */
	CTR_GROUPED_WRITES, /* control requests written inside a shared transaction (deliver_group) */
	CTR_UP_WITHHELD,       /* a county: items kept off its upward link (not aggregates) */
	CTR_ABOVE_REFUSED,     /* a province/prefecture: items from below that are not aggregates */
	CTR_COUNT
};

/* The name shown by status ("handshakes_ok"...), "?" if c is out of range. */
const char *counters_name(enum ctr c);

#endif
