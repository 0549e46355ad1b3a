/*
 * peer: a neighbour's session (struct peer: one type for the parent and for
 * children, told apart by is_parent), and the table of sessions seen on the
 * children ROUTER (children and inspectors), keyed by the CURVE key ZeroMQ
 * authenticated, plus the ban list and the keys known to belong to revoked
 * certificates. The parent's session is not in the table: the link holds it.
 *
 * The table is bounded (PEERS_MAX); when full, the oldest entry that never
 * completed HELLO is evicted. So is the ban list (BANS_MAX): a ban of a key
 * that once held a session (a certificate) is never evicted for an anonymous
 * one. Before HELLO, new keys are limited per network address (ZAP). Known children are persisted in the store's
 * "peers" database so a restarted node lists them (down) before they
 * reconnect. Thread: the node's thread. Pointers returned stay valid until
 * the next peers_touch() or peers_free().
 */
#ifndef CARENET_PEER_H
#define CARENET_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "pki.h"
#include "store.h"

#define PEERS_MAX 4096
#define PEER_RID_MAX 256

struct peer {
	int is_parent;             /* a session up (the link's, not in the table): the parent's,
	                            * or a village's county-direct one (failover) */
	int direct;                /* in the table: a grandchild's county-direct session */
	char key[41];              /* Z85 CURVE key (ZAP User-Id; the parent's: its certificate's) */
	uint8_t rid[PEER_RID_MAX]; /* routing id of the key's connection: the one that */
	size_t rid_len;            /* said HELLO last (or, before any, sent first) */
	int fd;                    /* that connection's socket (ZMQ_SRCFD) */
	int up;                    /* HELLO (child) / WELCOME (parent) accepted on this connection */
	struct pki_identity ident; /* valid once HELLO was accepted */
	uint64_t since;            /* last up/down change, UTC seconds */
	uint64_t last_seen;
	uint64_t created;
	uint64_t rtt_us;
	uint64_t ping_nonce;
	char last_error[320];
	unsigned invalid;        /* strikes (invalid messages, refusals) in the current window */
	uint64_t invalid_window; /* start of that window */
	uint64_t prehello_bytes; /* bytes received while no session was up */
	uint64_t refused_us;     /* last "send HELLO first" refusal (monotonic us) */
	uint64_t takeover_at;    /* UTC seconds a HELLO last replaced a live connection */
};

struct peers;

struct peers *peers_new(void);
void peers_free(struct peers **ps);
/* Finds or creates the entry for key. NULL only when allocation fails. */
struct peer *peers_touch(struct peers *ps, const char *key, uint64_t now);
/* Makes (rid, fd) the key's connection and records last_seen; a session up
 * on another connection goes down ("reconnected"). */
void peer_bind(struct peer *p, const void *rid, size_t rid_len, int fd, uint64_t now);
/* 1 if rid is the key's connection (or the key has none yet). */
int peer_on_conn(const struct peer *p, const void *rid, size_t rid_len);
/* 1 once the key completed HELLO here (or is a known child from the store). */
int peer_has_cert(const struct peer *p);
void peer_set_up(struct peer *p, uint64_t now);
void peer_set_down(struct peer *p, uint64_t now, const char *why);
/* Adds n strikes; returns the strikes in the current 60 s window. */
unsigned peer_note_invalid(struct peer *p, uint64_t now, unsigned n);

int peers_is_banned(const struct peers *ps, const char *key, uint64_t now);
/* Bans key until `until`; has_cert: the key held a session. When the list is
 * full, the anonymous ban that ends first makes room, else (for a key with a
 * certificate only) the ban with a certificate that ends first. CN_EBANNED if
 * an anonymous key found no room (ZAP's per-address limit covers those). */
int peers_ban(struct peers *ps, const char *key, uint64_t until, int has_cert);
void peers_expire_bans(struct peers *ps, uint64_t now);
void peers_unban(struct peers *ps, const char *key);
/* A key never seen to complete HELLO connects from addr (ZAP): 0 if addr
 * has used fewer than limit such keys this minute, CN_EBANNED if not. */
int peers_admit_addr(struct peers *ps, const char *addr, uint64_t now, unsigned limit);
/* 1 if key completed HELLO here once (ZAP lets it in past the address limit). */
int peers_is_known_key(struct peers *ps, const char *key);
int peers_is_revoked_key(const struct peers *ps, const char *key);
void peers_add_revoked_key(struct peers *ps, const char *key);

/* Another entry for the same id with another key (re-keyed or duplicate
 * office) is removed; returns 1 if it was a live session. */
int peers_replace_id(struct peers *ps, struct peer *keep, const char *id, uint64_t now);
/* A monitor saw the connection on fd close. */
void peers_fd_closed(struct peers *ps, int fd, uint64_t now);
void peers_foreach(struct peers *ps, void (*fn)(struct peer *, void *), void *arg);
/* Marks down sessions silent for more than dead_after seconds. */
void peers_check_liveness(struct peers *ps, uint64_t now, uint64_t dead_after);
/* Drops sessions whose certificate expired / was revoked; returns how many.
 * on_drop (may be NULL) runs for each live session first, so the peer can be
 * told why. Revoked keys are also banned for good and refused by ZAP. */
int peers_drop_expired(struct peers *ps, uint64_t now, void (*on_drop)(struct peer *, void *),
                       void *arg);
int peers_drop_revoked(struct peers *ps, const struct pki_trust *trust, uint64_t now,
                       void (*on_drop)(struct peer *, void *), void *arg);

/* Known-children persistence (store "peers" db: id -> record). */
int peers_persist(struct peers *ps, struct store *st, const struct peer *p);
int peers_load(struct peers *ps, struct store *st);
size_t peers_count(const struct peers *ps);
/* The entry whose session (HELLO) is for office id, or NULL. */
struct peer *peers_find_id(struct peers *ps, const char *id);
struct peer *peers_at(struct peers *ps, size_t i);

#endif
