/*
 * probe_forge: what carenet-probe's forging modes (probe_records.c,
 * probe_reports.c) share: with the identity of a real office whose node is
 * stopped, a completed HELLO, then one Batch frame at the next link sequence
 * holding one signed batch the mode builds, with the prober's certificate
 * chain; prints one JSON object: whether the node acknowledged the frame (a
 * refused item is acknowledged and counted, not stored) and the sequences.
 *
 *   carenet-probe --endpoint E --server-cert PEM --identity DIR --send MODE
 *                 --target ID [--wait MS]
 *
 * Test tool only; never installed.
 */
#ifndef CARENET_TESTS_PROBE_FORGE_H
#define CARENET_TESTS_PROBE_FORGE_H

#include "pki.h"
#include "wire.h"

struct probe_forge {
	const char *endpoint, *server_cert, *identity, *mode, *target;
	int wait_ms;
	struct pki_self *self;
};

/* One family of modes. */
struct probe_forge_kind {
	int (*is_mode)(const char *mode);
	/* The lane the batch is sent (and acknowledged) on. */
	unsigned (*lane)(const struct probe_forge *f);
	/* The signed batch to send (out->data malloc'd); non-zero: give up. */
	int (*msg)(struct probe_forge *f, ProtobufCBinaryData *out);
};

/* -1 when --send names no mode of k; else the exit status (0, 1, 2 usage). */
int probe_forge_main(int argc, char **argv, const struct probe_forge_kind *k);

#endif
