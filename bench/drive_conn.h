/*
 * drive_conn: the benchmark drivers' link to running nodes -- one ZeroMQ REQ
 * socket per node's control socket (DATA_DIR/control.sock), the same
 * protobuf requests the CLI sends. For bench/ only; never installed.
 */
#ifndef CARENET_BENCH_DRIVE_CONN_H
#define CARENET_BENCH_DRIVE_CONN_H

#include <stdint.h>

#include "control.pb-c.h"

#define REQ_TIMEOUT_MS 20000
#define SOCK "control.sock" /* in the node's data_dir */

/* CLOCK_MONOTONIC in microseconds (Python's time.monotonic() on Linux). */
uint64_t mono_us(void);

/* One REQ socket per node, kept for the whole run. */
struct conn {
	char dir[512];
	void *s;
};

int conn_open(struct conn *c, void *zctx, const char *dir);
void conn_close(struct conn *c);
/* Sends req, returns the reply (caller frees) or NULL (message on stderr). */
Carenet__ControlReply *call(struct conn *c, const Carenet__ControlRequest *req);
/* Status counter `name` of the node, or -1. */
int64_t counter(struct conn *c, const char *name);

#endif
