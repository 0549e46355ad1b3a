/*
 * probe_wire: what carenet-probe's attack modes (probe_apply.c,
 * probe_link.c, probe_records.c, probe_reports.c) share to speak the wire as an enrolled
 * office would: one frame out, one frame in, a CURVE DEALER to a node, and
 * the HELLO/WELCOME exchange, an identity from its directory. Test tool only; never installed.
 */
#ifndef CARENET_TESTS_PROBE_WIRE_H
#define CARENET_TESTS_PROBE_WIRE_H

#include <stdint.h>

#include "pki.h"
#include "wire.h"

/* Encodes and sends f on s: 0, CN_ENOMEM, CN_EIO. */
int probe_send_frame(void *s, const Carenet__Frame *f);
/* The next frame on s within ms (NULL: none, or it did not decode);
 * free with wire_free. */
Carenet__Frame *probe_recv_frame(void *s, int ms);
/* A DEALER on ctx, CURVE client of the node whose certificate is
 * server_cert, with self's keys, connected to endpoint; NULL on failure. */
void *probe_connect(void *ctx, const char *endpoint, const char *server_cert,
                    const struct pki_self *self);
/* Sends HELLO with self's chain and waits up to 5 s for WELCOME; *seq gets
 * the next link sequence on lane (the node's cursor + 1). 0 or -1. */
int probe_hello(void *s, const struct pki_self *self, unsigned lane, uint64_t *seq);
/* The office identity in directory dir (node.key, node.pem, chain.pem,
 * curve.key, as init and enroll write them) into *self; on failure the
 * reason on stderr. 0 or an error. */
int probe_identity_load(const char *dir, struct pki_self **self);

#endif
