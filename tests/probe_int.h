/*
 * probe_int: what carenet-probe's main file (tests/probe.c) shares with
 * its parts that need the whole probe: its options and identity (struct
 * probe) and the item and frame helpers. The mode families that need only a
 * session have their own headers (probe_forge.h, probe_wire.h).
 */
#ifndef CARENET_TESTS_PROBE_INT_H
#define CARENET_TESTS_PROBE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "items.pb-c.h"
#include "pki.h"
#include "wire.h"

struct probe {
	const char *endpoint, *server_cert, *identity, *curve_key, *mode, *serve, *target,
	    *directive;
	int count, wait_ms, handshakes;
	size_t body_size; /* --serve: a directive body this large (0: none) */
	size_t size;
	char server[41], pub[41], sec[41];
	struct pki_self *self;
	void *ctx;
};

/* Wall-clock microseconds (origin sequences above any real one). */
uint64_t probe_realtime_us(void);
/* One signed batch with one item, as signer_dir's office (NULL: the probe's
 * identity), claiming the probe's id as origin. */
int probe_signed_item(struct probe *p, Carenet__Item *it, const char *signer_dir, uint8_t **out,
                      size_t *outlen);
/* A Batch frame of one message on lane at seq, with chain_of's chain; to
 * routing id rid when not NULL (a ROUTER). */
int probe_send_batch(void *s, const uint8_t *rid, size_t rid_len, uint32_t lane, uint64_t seq,
                     const uint8_t *msg, size_t len, const struct pki_self *chain_of);
/* One frame of kind want (any: NOT_SET) within ms, or NULL; router: read
 * the routing id into rid first. */
Carenet__Frame *probe_wait_frame(void *s, int ms, Carenet__Frame__BodyCase want, int router,
                                 uint8_t *rid, size_t *rid_len);
/* A HELLO's cursor of lane (0 if none). */
uint64_t probe_lane_cursor(Carenet__LaneCursor **c, size_t n, unsigned lane);

/* probe_serve.c: --serve, the probe as a parent. */
int probe_serve(struct probe *p);

#endif
