/*
 * failover: when a village sends its urgent items straight to the county
 * (docs/design.md "Failover to the county"). Pure decisions, no I/O: the
 * node feeds it, twice a second, what the engine and the link say, and acts
 * on the answer (opens or closes the county-direct link, link_direct_*).
 *
 * Open: urgent messages have been waiting in the county's queue
 * (deliver_direct_pending: they are trimmed as soon as the parent holds
 * them) for longer than reports.failover — the township has not
 * acknowledged them, whether its session is down or it is silent.
 * Close: nothing is waiting and the parent is back (its session up and every
 * urgent message acknowledged: a stopped township keeps its session up for
 * a while), or nothing has waited for FAILOVER_IDLE_US.
 * Thread: the node's thread. No errors.
 */
#ifndef CARENET_FAILOVER_H
#define CARENET_FAILOVER_H

#include <stdint.h>

#define FAILOVER_IDLE_US (60u * 1000000u) /* an open link with nothing to send */
#define FAILOVER_POLL_US 500000u          /* how often the node asks */
/* ... while its parent is up and nothing waits, for it or the county: what
 * could change that comes as an event, and the loop need not wake twice a
 * second in every village for it (docs/benchmarks.md, "Eighth session") */
#define FAILOVER_IDLE_POLL_US 2000000u

struct failover {
	int enabled;         /* county.endpoint and county.cert configured (a village) */
	int open;            /* the node opened the county-direct link */
	uint64_t after_us;   /* reports.failover */
	uint64_t waiting_us; /* monotonic: messages queued for the county since (0: none) */
	uint64_t idle_us;    /* monotonic: open with nothing queued since (0: not idle) */
	uint64_t next_us;    /* monotonic: next time the node asks */
	char state[16];      /* disabled | closed | connecting | up */
	uint64_t since;      /* UTC seconds of the last change of state */
	char why[256];       /* why it opened or closed, or what it waits for */
};

/* What the node sees at one step. */
struct failover_in {
	uint64_t pending;        /* urgent messages queued for the county */
	int parent_up;           /* the parent's session is up */
	uint64_t parent_pending; /* urgent messages the parent has not acknowledged */
	int direct_up;           /* the county-direct session is up (WELCOME verified) */
	const char *parent_id;
};

enum failover_act { FAILOVER_NONE, FAILOVER_OPEN, FAILOVER_CLOSE };

void failover_init(struct failover *f, int enabled, uint64_t after_s, uint64_t now);
/* Decides from in at monotonic now_us (UTC now for status); f->why says why
 * when the answer is to open or close. */
enum failover_act failover_step(struct failover *f, const struct failover_in *in, uint64_t now_us,
                                uint64_t now);

#endif
