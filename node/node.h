/*
 * node: one running carenet node. One thread runs node_loop(): a zmq_poll
 * over the link sockets (children ROUTER, parent DEALER, ZAP, monitors),
 * the control socket, with periodic work on a tick. Everything mutable
 * hangs off struct node; nothing here is shared with another thread.
 * node.c wires the link and the delivery engine together (link_events,
 * deliver_env), gives roles their roles_env and the control server its
 * control_env (node_control.c); neither link, deliver nor control includes
 * this header. Internal to node/, but for node_check/node_run, which
 * tools/cli_run.c calls.
 */
#ifndef CARENET_NODE_H
#define CARENET_NODE_H

#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "counters.h"
#include "failover.h"
#include "pki.h"
#include "store.h"
#include "wire.pb-c.h"

struct roles_policy;


struct link;
struct control;
struct deliver;
struct roles;

struct node {
	struct config *cfg;
	struct store *store;
	struct pki_self *self;
	struct pki_trust *trust;
	const struct pki_identity *me; /* from self */
	void *zctx;
	struct link *link;
	struct control *control;
	struct deliver *deliver;
	struct roles *roles;
	struct roles_policy *policy;
	int crl_changed; /* a revocation list arrived: recheck sessions */
	uint64_t started;
	uint64_t counters[CTR_COUNT];
	int64_t clock_offset; /* test clock: seconds added to the real clock */
	int lock_fd;          /* flock on data_dir/node.lock */
	uint64_t next_checkpoint_us; /* monotonic: next time roles are asked for one */
	uint64_t watchdog_us;        /* systemd's WatchdogSec= (0: none); pinged at half */
	uint64_t next_watchdog_us;   /* monotonic: next WATCHDOG=1 */
	uint8_t records_key[32]; /* identity.records_key: records' personal fields at rest */
	uint64_t crl_checked; /* node_now of the last CRL freshness check (logged) */
	struct failover failover; /* a village's county-direct link (failover.h) */
	struct health *health;    /* children's Summary frames (node_control.c) */
	uint64_t next_summary_us; /* monotonic: next Summary to the parent */
	struct inspect_rate {      /* node_inspect.c: each inspector's requests this minute */
		char id[PKI_ID_MAX];
		uint64_t since_us; /* monotonic start of its minute */
		unsigned n;
	} inspect_rate[8];
	char formers[4][16]; /* move_links.c: a township's codes before (撤乡设镇) */
	size_t nformers;
};

extern volatile sig_atomic_t node_sig_stop, node_sig_reload;

const char *node_ctr_name(enum ctr c);
/* The node's notion of now (UTC seconds), including a test-clock offset. */
uint64_t node_now(const struct node *n);
/* Keeps a revocation list that arrived in-band, or was published here,
 * under meta "crl:<publishing county>"; loaded again at start and reload. */
int node_crl_persist(struct node *n, MDB_txn *txn, const char *origin, const uint8_t *der,
                     size_t len);
/* The revocation lists held and their state at the node's now: "ok",
 * "expiring" (nextUpdate within NODE_CRL_WARN) or "stale" (past it).
 * Fills at most max entries; returns how many are held. */
#define NODE_CRL_WARN (7 * 86400)
struct pki_crl_info;
size_t node_crls(const struct node *n, struct pki_crl_info *out, const char **state, size_t max);
/* Re-reads the config and what can change at run time (SIGHUP). */
int node_reload(struct node *n);

/* Binds the control socket with the node's control_env (node_control.c),
 * and makes n->health. */
int node_control_open(struct node *n);
/* The subtree's health (node/health.h), in node_control.c: a child's Summary
 * frame (takes *f), and every ping interval our own Summary to the parent. */
void node_summary_in(struct node *n, const char *child, Carenet__Frame **f);
void node_summary_tick(struct node *n);
/* An inspector's InspectQuery (node_inspect.c; takes *f): answered on its session. */
void node_inspect_in(struct node *n, const char *inspector, Carenet__Frame **f);

/* node_wake.c: how long the loop sleeps. node_next_ms: until the first of
 * link (the link's own, link_tick), the next checkpoint poll (at most
 * NODE_CHECKPOINT_POLL_MS), summary or failover check; node_watchdog:
 * systemd's WATCHDOG=1 when due, and timeout shortened to the next one. */
#define NODE_CHECKPOINT_POLL_MS 2000
long node_next_ms(const struct node *n, long link);
long node_watchdog(struct node *n, long timeout);

/* Failover (node_failover.c): at start, whether this village can fail over
 * to its county (a notice if not); then, from the loop, opens or closes the
 * county-direct link as node/failover.c decides. */
void node_failover_start(struct node *n);

/* move_links.c: a township's own code change on the links (撤乡设镇). */
/* At start, after delivery opened: a township's former codes. */
int move_links_start(struct node *n);
/* link_events.former_child and .parent_renamed (arg: the node). */
int move_links_former_child(void *arg, const char *id);
int move_links_parent_renamed(void *arg, const char *expected, const char *id);
/* At the county, before a township's WELCOME reads its cursors: what was
 * kept for its old code is its own from now on (outbox_rehome). */
void move_links_adopt(struct node *n, const char *peer);
void node_failover(struct node *n);

/* For `carenet run` (tools/cli_run.c parses its arguments):
 * node_check loads the identity files cfg names and checks them (-n): 0
 * with this office's id and role, or an error (the reason logged).
 * node_run runs the node in the foreground until SIGTERM/SIGINT; it takes
 * *cfg (NULLs it) and returns 0, or the error that stopped it from
 * starting (logged). */
int node_check(const struct config *cfg, char *id, size_t idlen, enum pki_role *role);
int node_run(struct config **cfg);

#endif
