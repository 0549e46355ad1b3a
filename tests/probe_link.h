/*
 * probe_link: carenet-probe's attacks on the link layer (tests/net/test_hostile_link.py).
 *
 *   flood      --count C connections, each with a fresh CURVE key, send frames
 *              of --size bytes before HELLO as fast as the node takes them, for
 *              --wait ms (receive memory).
 *   rotate     --count fresh keys one after another, each sends pings before
 *              HELLO until the node bans it (the ban table, per-address limits).
 *   hello-garbage  with --identity: HELLO, then --count garbage frames after
 *              the WELCOME (an authenticated key that earns a ban).
 *   reconnect  with --identity of a real child: a session on connection A,
 *              then a second connection B; --count pings queued on A, HELLO on
 *              B; B must stay up while A's stale frames drain (--wait ms).
 * Each prints one JSON object. Thread: main only.
 */
#ifndef CARENET_PROBE_LINK_H
#define CARENET_PROBE_LINK_H

#include <stddef.h>

#include "pki.h"

struct probe_link_args {
	void *ctx;
	const char *mode, *endpoint;
	const char *server, *pub, *sec; /* Z85 CURVE keys: the node's, ours */
	const struct pki_self *self;    /* NULL: no certificate */
	int count, wait_ms;
	size_t size;
};

/* 1 if mode is one of probe_link's. */
int probe_link_mode(const char *mode);
/* Runs the attack; 0 when it ran (what the node did is in the JSON), 1 if not. */
int probe_link_run(const struct probe_link_args *a);

#endif
